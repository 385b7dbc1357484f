package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/identity/bearer"
)

// IssuerClaims says how one identity provider's tokens are read: its
// configured name and which claims carry the name, groups, roles and proof
// of MFA.
type IssuerClaims struct {
	// Name is the configured issuer name that qualifies its users.
	Name string
	// Issuer is the exact iss value.
	Issuer string
	// NameClaim, GroupsClaim and RolesClaim are claim names or dotted
	// paths into nested objects (realm_access.roles).
	NameClaim, GroupsClaim, RolesClaim string
	// MFAAMR and MFAACR are the amr and acr values that prove MFA.
	MFAAMR, MFAACR []string
	// DeviceClaim is a boolean claim that vouches for a compliant device;
	// "" means the issuer vouches for no device.
	DeviceClaim string
	// ServicePrincipals says the issuer is Palisade's built-in provider,
	// whose tokens for service principals (claim palisade_kind =
	// "service", sub = client_id = "sp:NAME") become KindService
	// principals. Set it for that issuer only: any other issuer's claim
	// is not trusted, and such tokens stay users'.
	ServicePrincipals bool
}

// AccessTokens authenticates users by the access tokens (JWTs) that
// configured identity providers issued to them, and maps the apps those
// tokens were issued to.
type AccessTokens struct {
	verifier  *bearer.Verifier
	issuers   map[string]IssuerClaims // by iss
	clientApp map[string]string       // OAuth client id → app
}

// NewAccessTokens combines a verifier with the claim rules of each issuer
// (every issuer the verifier accepts must have rules) and the apps' client
// ids (client id → app name).
func NewAccessTokens(v *bearer.Verifier, issuers []IssuerClaims, clientApps map[string]string) (*AccessTokens, error) {
	a := &AccessTokens{verifier: v, issuers: map[string]IssuerClaims{}, clientApp: clientApps}
	for _, ic := range issuers {
		if ic.Name == "" || ic.Issuer == "" {
			return nil, fmt.Errorf("identity: issuer rules need a name and an iss value")
		}
		if _, dup := a.issuers[ic.Issuer]; dup {
			return nil, fmt.Errorf("identity: issuer %q configured twice", ic.Issuer)
		}
		a.issuers[ic.Issuer] = ic
	}
	return a, nil
}

// Authenticate verifies token and returns the user it names. The app is
// the one registered for the token's client id, or "" when none is (the
// caller may then present an app credential; decide refuses a request
// without an app). Failures are refusals from package bearer
// (invalid_token, token_expired).
func (a *AccessTokens) Authenticate(ctx context.Context, token string) (Principal, error) {
	c, err := a.verifier.Verify(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	ic, ok := a.issuers[c.Issuer]
	if !ok {
		// The verifier accepted an issuer this table does not know:
		// a wiring bug. Refuse rather than guess.
		return Principal{}, fmt.Errorf("identity: no claim rules for issuer %q", c.Issuer)
	}
	if sp, ok, err := ic.servicePrincipal(c.Subject, c.AuthorizedParty, c.Raw); err != nil {
		return Principal{}, err
	} else if ok {
		sp.App = a.clientApp[c.AuthorizedParty]
		return sp, nil
	}
	p := ic.Principal(c.Subject, c.Raw)
	p.ClientID = c.AuthorizedParty
	p.App = a.clientApp[c.AuthorizedParty]
	return p, nil
}

// Principal maps a verified token's subject and claims to a signed-in
// user by this issuer's rules: display name, issuer-qualified groups and
// roles, amr, acr, auth_time and whether they prove MFA. The caller sets
// the app and client id.
func (ic IssuerClaims) Principal(sub string, raw map[string]any) Principal {
	p := Principal{
		Kind:    KindUser,
		Issuer:  ic.Name,
		Subject: audit.Clean(sub),
		Name:    audit.Clean(claimString(raw, ic.NameClaim)),
		ACR:     claimString(raw, "acr"),
		AMR:     claimStrings(raw, "amr"),
	}
	p.Groups = qualify(ic.Name, claimStrings(raw, ic.GroupsClaim))
	p.IdPRoles = qualify(ic.Name, claimStrings(raw, ic.RolesClaim))
	if at, ok := claimAt(raw, "auth_time").(float64); ok && at > 0 {
		p.AuthTime = time.Unix(int64(at), 0).UTC()
	}
	if ic.DeviceClaim != "" {
		switch v := claimAt(raw, ic.DeviceClaim).(type) {
		case bool:
			p.DeviceCompliant = v
		case string:
			p.DeviceCompliant = v == "true"
		}
	}
	p.MFA = slices.ContainsFunc(p.AMR, func(v string) bool { return slices.Contains(ic.MFAAMR, v) }) ||
		(p.ACR != "" && slices.Contains(ic.MFAACR, p.ACR))
	return p
}

// servicePrincipal maps a token of the built-in provider for a service
// principal: the kind claim says so, and the subject is the client the
// token was issued to, "sp:NAME" (no username contains ':'). A token that
// claims the kind but does not fit is refused (ErrInvalidCredential).
func (ic IssuerClaims) servicePrincipal(sub, clientID string, raw map[string]any) (Principal, bool, error) {
	if !ic.ServicePrincipals || claimAt(raw, "palisade_kind") == nil {
		return Principal{}, false, nil
	}
	name, ok := strings.CutPrefix(sub, servicePrefix)
	if claimString(raw, "palisade_kind") != KindService || !ok || name == "" || clientID != sub {
		return Principal{}, false, ErrInvalidCredential
	}
	return Principal{
		Kind: KindService, Issuer: ic.Name, Subject: audit.Clean(name),
		Name: audit.Clean(claimString(raw, "name")), ClientID: clientID,
	}, true, nil
}

// maxClaimValues bounds how many groups or roles are read from one token.
const maxClaimValues = 256

// claimAt follows a dotted path into the claims. A claim whose own name
// contains dots is found first (some providers use URL-like names).
func claimAt(raw map[string]any, path string) any {
	if v, ok := raw[path]; ok {
		return v
	}
	var cur any = raw
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// claimString returns a string claim, or "".
func claimString(raw map[string]any, path string) string {
	s, _ := claimAt(raw, path).(string)
	return s
}

// claimStrings returns a claim that is an array of strings, or a single
// string (some providers send one group as a string). Non-string elements
// are skipped.
func claimStrings(raw map[string]any, path string) []string {
	switch v := claimAt(raw, path).(type) {
	case string:
		if v != "" {
			return []string{v}
		}
	case []any:
		out := make([]string, 0, min(len(v), maxClaimValues))
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" && len(out) < maxClaimValues {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// qualify prefixes each value with the issuer name.
func qualify(issuer string, vals []string) []string {
	if len(vals) == 0 {
		return nil
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = issuer + ":" + v
	}
	return out
}
