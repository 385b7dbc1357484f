package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// SignatureAlgorithms are the JWS algorithms an issuer may be configured
// with. HMAC algorithms are not among them: a shared secret cannot prove
// which side signed.
var SignatureAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// AdminPermissions are the administrative permissions a role may grant.
var AdminPermissions = []string{"audit.read", "users.manage", "sessions.revoke", "policy.read"}

// Wildcard in a permission list grants everything of its kind.
const Wildcard = "*"

const maxLeeway = 5 * time.Minute

// identity checks the issuers and returns their names.
func (v *validator) identity() map[string]bool {
	names := map[string]bool{}
	if v.c.Identity.Local.On() {
		names[LocalIssuer] = true
		v.local()
	}
	v.sessions()
	seenIss := map[string]bool{}
	for i, is := range v.c.Identity.Issuers {
		p := fmt.Sprintf("identity.issuers[%d]", i)
		if is.Name == LocalIssuer && v.c.Identity.Local.On() {
			v.add(p+".name", "the name %q belongs to the built-in identity provider; choose another", LocalIssuer)
		}
		if is.SignIn != nil {
			if is.SignIn.ClientID == "" {
				v.add(p+".sign_in.client_id", "is required: Palisade's client id at the provider")
			}
			if is.SignIn.ClientSecret != "" || v.c.Raw[p+".sign_in.client_secret"] != "" {
				v.credential(p+".sign_in.client_secret", "client_secret")
			}
		}
		v.name(p+".name", "issuer", is.Name, names)
		switch {
		case is.Issuer == "":
			v.add(p+".issuer", "is required: the exact iss claim of the provider's tokens")
		case seenIss[is.Issuer]:
			v.add(p+".issuer", "issuer %s is configured twice", v.quote(p+".issuer", is.Issuer))
		default:
			if u, err := url.Parse(is.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
				v.add(p+".issuer", "must be the provider's issuer URL, such as https://login.example.com/tenant/v2.0")
			}
		}
		seenIss[is.Issuer] = true
		if is.JWKSURL == "" {
			v.add(p+".jwks_url", "is required: the URL of the provider's signing keys")
		} else if msg := checkFetchURL(is.JWKSURL, is.AllowInsecureHTTP); msg != "" {
			v.add(p+".jwks_url", "%s", msg)
		}
		if len(is.Audiences) == 0 {
			v.add(p+".audiences", "at least one audience is required, so that tokens issued for other services are refused")
		}
		for j, a := range is.Audiences {
			if strings.TrimSpace(a) == "" {
				v.add(fmt.Sprintf("%s.audiences[%d]", p, j), "must not be empty")
			}
		}
		for j, a := range is.Algorithms {
			if !slices.Contains(SignatureAlgorithms, a) {
				v.add(fmt.Sprintf("%s.algorithms[%d]", p, j), "algorithm %q is not accepted; use one of %s", truncate(a, 20), strings.Join(SignatureAlgorithms, ", "))
			}
		}
		if is.Leeway < 0 || is.Leeway.D() > maxLeeway {
			v.add(p+".leeway", "must be between 0 and 5m")
		}
		for _, c := range []struct{ key, val string }{{"name", is.Claims.Name}, {"groups", is.Claims.Groups}, {"roles", is.Claims.Roles}} {
			if c.val == "" || strings.HasPrefix(c.val, ".") || strings.HasSuffix(c.val, ".") || strings.Contains(c.val, "..") {
				v.add(p+".claims."+c.key, "must be a claim name or a dotted path such as realm_access.roles")
			}
		}
	}
	return names
}

// LocalIssuer is the issuer name of the built-in identity provider's
// users in role membership (local:alice).
const LocalIssuer = "local"

// ConsoleClientID is the built-in provider's client for Palisade's own
// sign-in page; configured clients may not take it.
const ConsoleClientID = "palisade-console"

const maxLocalTokenTTL = 24 * time.Hour

// local checks the built-in provider's settings and clients.
func (v *validator) local() {
	l := v.c.Identity.Local
	if l.AccessTokenTTL < Duration(time.Minute) || l.AccessTokenTTL.D() > maxLocalTokenTTL {
		v.add("identity.local.access_token_ttl", "must be between 1m and 24h")
	}
	if l.RefreshTokenTTL < l.AccessTokenTTL {
		v.add("identity.local.refresh_token_ttl", "must be at least access_token_ttl")
	}
	if l.SigningKeyRotation < Duration(25*time.Hour) {
		v.add("identity.local.signing_key_rotation", "must be at least 25h: the previous key, published for one more period, must outlast the longest token")
	}
	if l.ServiceTokenTTL < Duration(time.Minute) || l.ServiceTokenTTL.D() > maxLocalTokenTTL {
		v.add("identity.local.service_token_ttl", "must be between 1m and 24h")
	}
	ids := map[string]bool{ConsoleClientID: true}
	for i, c := range l.Clients {
		p := fmt.Sprintf("identity.local.clients[%d]", i)
		switch {
		case c.ID == "":
			v.add(p+".id", "is required")
		case ids[c.ID]:
			v.add(p+".id", "client id %q is taken", truncate(c.ID, 64))
		}
		ids[c.ID] = true
		if len(c.RedirectURIs) == 0 {
			v.add(p+".redirect_uris", "at least one redirect URI is required")
		}
		for j, u := range c.RedirectURIs {
			if msg := checkRedirectURI(u); msg != "" {
				v.add(fmt.Sprintf("%s.redirect_uris[%d]", p, j), "%s", msg)
			}
		}
		if c.Secret != "" || v.c.Raw[p+".secret"] != "" {
			v.credential(p+".secret", "a client secret")
		}
	}
}

// checkRedirectURI returns what is wrong with an OAuth redirect URI.
func checkRedirectURI(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return "must be an absolute https URL (http only on loopback)"
	case u.Fragment != "" || u.User != nil:
		return "must not have a fragment or credentials"
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "plain http is allowed only to a loopback host"
	}
	return ""
}

// sessions checks the browser session settings.
func (v *validator) sessions() {
	s := v.c.Identity.Sessions
	v.positive("identity.sessions.lifetime", s.Lifetime)
	v.positive("identity.sessions.idle_timeout", s.IdleTimeout)
	if s.IdleTimeout > s.Lifetime {
		v.add("identity.sessions.idle_timeout", "must not be longer than the lifetime")
	}
	if s.App != "" {
		found := false
		for _, a := range v.c.Apps {
			found = found || a.Name == s.App
		}
		if !found {
			v.add("identity.sessions.app", "no app is named %s", v.quote("identity.sessions.app", s.App))
		}
	}
}

// checkPublicURL returns what is wrong with server.public_url, or "".
func checkPublicURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Opaque != "" || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return "must be scheme://host[:port], such as https://palisade.example.com"
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return "must be scheme://host[:port] with no path, query or credentials"
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "must use https unless the host is loopback: session cookies are Secure"
	}
	return ""
}

// checkFetchURL returns what is wrong with a URL Palisade fetches keys or
// metadata from, or "".
func checkFetchURL(raw string, allowInsecure bool) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Opaque != "" || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return "must be an absolute https URL"
	case u.User != nil:
		return "must not carry credentials"
	case u.Fragment != "":
		return "must not have a fragment"
	case u.Scheme == "http" && !isLoopback(u.Hostname()) && !allowInsecure:
		return "plain http to a host that is not loopback lets anyone on the path substitute signing keys; " +
			"use https, or set allow_insecure_http: true (UNSAFE)"
	}
	return ""
}

// roles checks the roles against the issuers, apps, agents and admin
// permissions they name.
func (v *validator) roles(issuers, apps, agents map[string]bool) {
	names := map[string]bool{}
	for i, r := range v.c.Roles {
		p := fmt.Sprintf("roles[%d]", i)
		v.name(p+".name", "role", r.Name, names)
		m := r.Members
		if !m.AllUsers && len(m.Users)+len(m.Groups)+len(m.IdPRoles)+len(m.Apps)+len(m.ServicePrincipals) == 0 {
			v.add(p+".members", "role %s has no members: list users, groups, idp_roles, apps or service_principals, or set all_users: true", v.quote(p+".name", r.Name))
		}
		if m.AllUsers && len(issuers) == 0 {
			v.add(p+".members.all_users", "no identity provider is configured (identity.issuers, or the built-in identity.local), so no user can sign in")
		}
		for key, list := range map[string][]string{"users": m.Users, "groups": m.Groups, "idp_roles": m.IdPRoles} {
			for j, q := range list {
				qp := fmt.Sprintf("%s.members.%s[%d]", p, key, j)
				iss, val, ok := strings.Cut(q, ":")
				switch {
				case !ok || val == "":
					v.add(qp, "must be ISSUER:VALUE, such as corp:%s", map[string]string{"users": "alice", "groups": "hr-staff", "idp_roles": "HR.Admin"}[key])
				case !issuers[iss]:
					v.add(qp, "no issuer is named %q under identity.issuers", truncate(iss, 64))
				}
			}
		}
		for j, a := range m.Apps {
			if !apps[a] {
				v.add(fmt.Sprintf("%s.members.apps[%d]", p, j), "no app is named %s", v.quote(fmt.Sprintf("%s.members.apps[%d]", p, j), a))
			}
		}
		perm := r.Permissions
		if len(perm.Agents)+len(perm.Knowledge)+len(perm.Tools)+len(perm.Admin) == 0 {
			v.add(p+".permissions", "role %s grants nothing: list agents, knowledge, tools or admin", v.quote(p+".name", r.Name))
		}
		for j, a := range perm.Agents {
			if a != Wildcard && !agents[a] {
				v.add(fmt.Sprintf("%s.permissions.agents[%d]", p, j), "no agent is named %s", v.quote(fmt.Sprintf("%s.permissions.agents[%d]", p, j), a))
			}
		}
		for j, l := range perm.Knowledge {
			if l != Wildcard && !labelPattern.MatchString(l) {
				v.add(fmt.Sprintf("%s.permissions.knowledge[%d]", p, j), "label %q must be lowercase letters, digits, '.', '_', ':' or '-'", truncate(l, 64))
			}
		}
		for j, t := range perm.Tools {
			if t != Wildcard && !namePattern.MatchString(t) {
				v.add(fmt.Sprintf("%s.permissions.tools[%d]", p, j), "tool name %q must be 1 to 64 of a-z, 0-9, '.', '_' and '-'", truncate(t, 64))
			}
		}
		for j, a := range perm.Admin {
			if a != Wildcard && !slices.Contains(AdminPermissions, a) {
				v.add(fmt.Sprintf("%s.permissions.admin[%d]", p, j), "unknown administrative permission %q; use one of %s or *", truncate(a, 64), strings.Join(AdminPermissions, ", "))
			}
		}
	}
}

// ParsePrefix reads a CIDR range or a single address (as a /32 or /128).
// A range with host bits set is refused, as a likely typo.
func ParsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		if p != p.Masked() {
			return p, fmt.Errorf("%q has host bits set; write %s", truncate(s, 64), p.Masked())
		}
		return p, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.Prefix{}, fmt.Errorf("%q is not a CIDR range or an IP address", truncate(s, 64))
}

// AccessActions are the actions of conditional access policies.
var AccessActions = []string{"allow", "deny", "require_mfa", "restrict"}

// access checks locations, networks, the time zone and the policies'
// names and actions; the expressions themselves are compiled by a Check.
func (v *validator) access() {
	a := v.c.Access
	names := map[string]bool{}
	for i, l := range a.Locations {
		p := fmt.Sprintf("access.locations[%d]", i)
		v.name(p+".name", "location", l.Name, names)
		if len(l.CIDRs) == 0 {
			v.add(p+".cidrs", "location %q needs at least one range", l.Name)
		}
		for j, c := range l.CIDRs {
			if _, err := ParsePrefix(c); err != nil {
				v.add(fmt.Sprintf("%s.cidrs[%d]", p, j), "%s", err)
			}
		}
	}
	for i, c := range a.AnonymousNetworks {
		if _, err := ParsePrefix(c); err != nil {
			v.add(fmt.Sprintf("access.anonymous_networks[%d]", i), "%s", err)
		}
	}
	if a.TimeZone != "" {
		if _, err := time.LoadLocation(a.TimeZone); err != nil {
			v.add("access.time_zone", "unknown time zone %q; use an IANA name such as Europe/London", truncate(a.TimeZone, 64))
		}
	}
	if a.GeoIPDatabase != "" {
		if st, err := os.Stat(a.GeoIPDatabase); err != nil || st.IsDir() {
			v.add("access.geoip_database", "cannot read the GeoIP database %q", truncate(a.GeoIPDatabase, 200))
		}
	}
	policies := map[string]bool{}
	for i, p := range a.Policies {
		pp := fmt.Sprintf("access.policies[%d]", i)
		v.name(pp+".name", "policy", p.Name, policies)
		if strings.TrimSpace(p.When) == "" {
			v.add(pp+".when", "is required: a CEL condition, such as '!(\"office\" in locations)'")
		}
		switch {
		case p.Action == "":
			v.add(pp+".action", "is required: allow, deny, require_mfa or restrict")
		case !slices.Contains(AccessActions, p.Action):
			v.add(pp+".action", "must be allow, deny, require_mfa or restrict")
		}
		for j, a := range p.ACRValues {
			if a == "" || strings.ContainsAny(a, " \t\"\\,") {
				v.add(fmt.Sprintf("%s.acr_values[%d]", pp, j), "an acr value must be non-empty, without spaces, quotes, backslashes or commas")
			}
		}
	}
}
