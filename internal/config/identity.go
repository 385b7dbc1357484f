package config

// Identity configures the identity providers whose users may call
// Palisade.
type Identity struct {
	// Local is the built-in identity provider.
	Local LocalIdP `yaml:"local" json:"local,omitempty" jsonschema:"description=The built-in identity provider (users managed with palisade users)."`
	// Issuers are the identity providers whose access tokens API callers
	// may present as bearer JWTs.
	Issuers []Issuer `yaml:"issuers" json:"issuers,omitempty" jsonschema:"description=Identity providers whose access tokens (bearer JWTs) are accepted."`
	// Sessions configures browser sign-in sessions.
	Sessions Sessions `yaml:"sessions" json:"sessions,omitempty" jsonschema:"description=Browser sign-in sessions."`
}

// LocalIdP is the built-in OpenID provider, served under /idp. Its users
// are issuer "local" in role membership (local:alice, local:hr).
type LocalIdP struct {
	// Enabled turns the provider on; default true.
	Enabled *bool `yaml:"enabled" json:"enabled,omitempty" jsonschema:"description=Serve the built-in identity provider under /idp. Default true."`
	// AccessTokenTTL is the lifetime of its access tokens.
	AccessTokenTTL Duration `yaml:"access_token_ttl" json:"access_token_ttl,omitempty" jsonschema:"description=Lifetime of access tokens. Default 10m\\, at most 24h."`
	// RefreshTokenTTL is the lifetime of its refresh tokens.
	RefreshTokenTTL Duration `yaml:"refresh_token_ttl" json:"refresh_token_ttl,omitempty" jsonschema:"description=Lifetime of refresh tokens. Default 8h."`
	// SigningKeyRotation is how long one signing key of the provider
	// signs before the next takes over.
	SigningKeyRotation Duration `yaml:"signing_key_rotation" json:"signing_key_rotation,omitempty" jsonschema:"description=How long one of the provider's signing keys signs before the next takes over; the previous and next keys stay published at /idp/keys. Default 720h (30 days)\\, at least 25h."`
	// ServiceTokenTTL is the lifetime of service principals' access
	// tokens.
	ServiceTokenTTL Duration `yaml:"service_token_ttl" json:"service_token_ttl,omitempty" jsonschema:"description=Lifetime of the access tokens issued to service principals (palisade sp). Default 10m\\, 1m to 24h."`
	// Clients are further OAuth clients (a CLI, a single-page app).
	Clients []LocalClient `yaml:"clients" json:"clients,omitempty" jsonschema:"description=OAuth clients that may sign users in (besides Palisade's own console)."`
}

// On reports whether the built-in provider is enabled.
func (l LocalIdP) On() bool { return l.Enabled == nil || *l.Enabled }

// LocalClient is an OAuth client of the built-in provider.
type LocalClient struct {
	ID string `yaml:"id" json:"id" jsonschema:"required,description=client_id.,pattern=^[A-Za-z0-9][A-Za-z0-9._-]{0\\,63}$"`
	// RedirectURIs are the exact redirect URIs (loopback ones match any
	// port, for native apps).
	RedirectURIs []string `yaml:"redirect_uris" json:"redirect_uris" jsonschema:"required,minItems=1,description=Allowed redirect URIs (https\\, or http on loopback)."`
	// Secret is a reference to a confidential client's secret; without it
	// the client is public and PKCE alone proves it.
	Secret string `yaml:"secret" json:"secret,omitempty" jsonschema:"description=Reference to the client secret (${env:NAME}); leave out for a public client (PKCE only)."`
}

// Sessions configures browser sign-in sessions.
type Sessions struct {
	// Lifetime is the absolute lifetime of a session.
	Lifetime Duration `yaml:"lifetime" json:"lifetime,omitempty" jsonschema:"description=Absolute lifetime of a sign-in session. Default 12h."`
	// IdleTimeout ends a session not used for this long.
	IdleTimeout Duration `yaml:"idle_timeout" json:"idle_timeout,omitempty" jsonschema:"description=A session unused for this long ends. Default 1h."`
	// App is the registered app through which signed-in browsers use
	// agents from Palisade's own page.
	App string `yaml:"app" json:"app,omitempty" jsonschema:"description=The app through which signed-in users chat from Palisade's own page; without it the page only signs in and out."`
}

// Issuer is one OpenID Connect or OAuth 2.0 identity provider.
type Issuer struct {
	// Name is a short name; it qualifies the subjects, groups and roles
	// of the issuer's users in role membership ("corp:hr-staff").
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Short name; qualifies the issuer's users\\, groups and roles in role members (name:value).,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// Issuer is the exact "iss" claim of its tokens.
	Issuer string `yaml:"issuer" json:"issuer" jsonschema:"required,description=The exact iss claim of the provider's tokens\\, e.g. https://login.microsoftonline.com/TENANT/v2.0."`
	// JWKSURL is where the provider publishes its signing keys.
	JWKSURL string `yaml:"jwks_url" json:"jwks_url" jsonschema:"required,description=URL of the provider's JSON Web Key Set (https)."`
	// Audiences are the values of which a token's "aud" must contain one.
	Audiences []string `yaml:"audiences" json:"audiences" jsonschema:"required,minItems=1,description=Accepted audiences: a token's aud must contain one of them."`
	// Algorithms is the signature algorithm allow-list.
	Algorithms []string `yaml:"algorithms" json:"algorithms,omitempty" jsonschema:"description=Accepted signature algorithms. Default RS256\\, PS256\\, ES256\\, EdDSA.,uniqueItems=true"`
	// Leeway absorbs clock skew for exp, nbf and iat.
	Leeway Duration `yaml:"leeway" json:"leeway,omitempty" jsonschema:"description=Clock skew allowed for exp\\, nbf and iat. Default 30s\\, at most 5m."`
	// RequireATJWT accepts only tokens typed at+jwt (RFC 9068).
	RequireATJWT bool `yaml:"require_at_jwt" json:"require_at_jwt,omitempty" jsonschema:"description=Accept only tokens whose typ is at+jwt (RFC 9068). Default false: untyped tokens are accepted and ID tokens are told apart by their claims."`
	// Claims names the claims that carry groups, roles and the user's name.
	Claims ClaimNames `yaml:"claims" json:"claims,omitempty" jsonschema:"description=Which claims carry the user's name\\, groups and roles."`
	// MFA says which amr or acr values prove multi-factor authentication.
	MFA MFAClaims `yaml:"mfa" json:"mfa,omitempty" jsonschema:"description=Which amr or acr values prove multi-factor authentication."`
	// SignIn lets people sign in with this provider in a browser.
	SignIn *SignIn `yaml:"sign_in" json:"sign_in,omitempty" jsonschema:"description=Browser sign-in with this provider (authorization code with PKCE)."`
	// AllowInsecureHTTP permits a plain-http JWKS URL on a host that is
	// not loopback. Unsafe: keys fetched in clear can be replaced.
	// Zone lets the provider's hosts resolve to a private or loopback
	// network.
	Zone              string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Egress zone whose addresses the provider's hosts may have (a provider on the internal network or this machine). Default none: public addresses only."`
	AllowInsecureHTTP bool   `yaml:"allow_insecure_http" json:"allow_insecure_http,omitempty" jsonschema:"description=UNSAFE: allow a plain http jwks_url on a host that is not loopback; an attacker on the path can substitute keys. Default false."`
}

// SignIn is Palisade's registration as a client of a provider.
type SignIn struct {
	ClientID string `yaml:"client_id" json:"client_id" jsonschema:"required,description=Palisade's client_id at the provider; its redirect URI is PUBLIC_URL/auth/callback."`
	// ClientSecret is a reference; without it PKCE alone proves the client.
	ClientSecret string   `yaml:"client_secret" json:"client_secret,omitempty" jsonschema:"description=Reference to the client secret (${env:NAME}); leave out for a public client."`
	Scopes       []string `yaml:"scopes" json:"scopes,omitempty" jsonschema:"description=Scopes requested. Default openid profile email offline_access."`
	DisplayName  string   `yaml:"display_name" json:"display_name,omitempty" jsonschema:"description=Text of the sign-in button."`
}

// ClaimNames names the token claims Palisade reads. A name may be a dotted
// path into nested objects, such as realm_access.roles (Keycloak).
type ClaimNames struct {
	// Name is the display name claim; default "name".
	Name string `yaml:"name" json:"name,omitempty" jsonschema:"description=Claim with the user's display name. Default name."`
	// Groups is the groups claim; default "groups".
	Groups string `yaml:"groups" json:"groups,omitempty" jsonschema:"description=Claim with the user's groups (array of strings\\, or one string). Default groups. Dotted paths reach nested claims."`
	// Roles is the roles claim; default "roles".
	Roles string `yaml:"roles" json:"roles,omitempty" jsonschema:"description=Claim with the user's roles at the provider. Default roles. Dotted paths reach nested claims\\, e.g. realm_access.roles."`
	// DeviceCompliant is a boolean claim by which the provider vouches
	// that the user's device is managed and compliant; none by default.
	DeviceCompliant string `yaml:"device_compliant" json:"device_compliant,omitempty" jsonschema:"description=Boolean claim by which the provider vouches that the device is managed and compliant (device.compliant in policies). Default none: no device is compliant."`
}

// MFAClaims lists the claim values that prove multi-factor sign-in.
type MFAClaims struct {
	// AMR values (RFC 8176) of which one proves MFA; default ["mfa"].
	AMR []string `yaml:"amr" json:"amr,omitempty" jsonschema:"description=amr values (RFC 8176) any one of which proves MFA. Default [mfa]."`
	// ACR values of which one proves MFA.
	ACR []string `yaml:"acr" json:"acr,omitempty" jsonschema:"description=acr values any one of which proves MFA (e.g. a provider's MFA level). Default none."`
}

// Role is a named set of permissions and the callers who hold it.
type Role struct {
	// Name identifies the role.
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Unique role name.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// Description says what the role is for.
	Description string `yaml:"description" json:"description,omitempty" jsonschema:"description=What the role is for."`
	// Members says who holds the role.
	Members RoleMembers `yaml:"members" json:"members" jsonschema:"required,description=Who holds the role."`
	// Permissions says what the role allows.
	Permissions Permissions `yaml:"permissions" json:"permissions" jsonschema:"required,description=What the role allows."`
}

// RoleMembers says who holds a role. Users, groups and provider roles are
// qualified by the issuer's name: "corp:alice", "corp:hr-staff".
type RoleMembers struct {
	// AllUsers gives the role to every user signed in with a configured
	// identity provider.
	AllUsers bool `yaml:"all_users" json:"all_users,omitempty" jsonschema:"description=Every user signed in through a configured identity provider holds the role."`
	// Users are issuer-qualified subjects ("corp:SUBJECT").
	Users []string `yaml:"users" json:"users,omitempty" jsonschema:"description=Users by issuer and subject claim: ISSUER:SUB.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}:.+$"`
	// Groups are issuer-qualified groups ("corp:hr-staff").
	Groups []string `yaml:"groups" json:"groups,omitempty" jsonschema:"description=Groups by issuer and group claim value: ISSUER:GROUP.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}:.+$"`
	// IdPRoles are issuer-qualified roles from the roles claim.
	IdPRoles []string `yaml:"idp_roles" json:"idp_roles,omitempty" jsonschema:"description=Roles at the identity provider (the roles claim): ISSUER:ROLE.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}:.+$"`
	// Apps are apps whose own credential (their secret, or a Direct Line
	// token they issued) carries the role; the user such a caller names is
	// the app's assertion, not a verified sign-in.
	Apps []string `yaml:"apps" json:"apps,omitempty" jsonschema:"description=Apps whose own credential (app secret\\, or a Direct Line token the app issued) holds the role. The user such a caller names is asserted by the app\\, not verified."`
	// ServicePrincipals are service principals (palisade sp) that hold
	// the role.
	ServicePrincipals []string `yaml:"service_principals" json:"service_principals,omitempty" jsonschema:"description=Service principals (palisade sp create NAME) that hold the role\\, by name. all_users does not include them.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
}

// Permissions are what a role allows. "*" in a list allows all.
type Permissions struct {
	// Agents may be used.
	Agents []string `yaml:"agents" json:"agents,omitempty" jsonschema:"description=Agents the role may use; * for all."`
	// Knowledge labels may be read: a labelled document is quoted only to
	// callers granted every one of its labels.
	Knowledge []string `yaml:"knowledge" json:"knowledge,omitempty" jsonschema:"description=Knowledge labels the role may read; a document is quoted only to callers granted every label it carries. Unlabelled documents are readable by everyone who may use the agent. * for all."`
	// Tools may be called.
	Tools []string `yaml:"tools" json:"tools,omitempty" jsonschema:"description=Tools the role may call; * for all."`
	// Admin lists administrative permissions.
	Admin []string `yaml:"admin" json:"admin,omitempty" jsonschema:"description=Administrative permissions: audit.read\\, users.manage\\, sessions.revoke\\, policy.read\\, or * for all."`
}

// Access configures conditional access: policies evaluated for every
// request after roles have granted it, over who, from where, on what
// device, at what risk and when.
type Access struct {
	// Locations are named IP ranges, such as the office network.
	Locations []Location `yaml:"locations" json:"locations,omitempty" jsonschema:"description=Named locations: IP ranges policies can test with \"NAME\" in locations."`
	// GeoIPDatabase is a MaxMind-format country database (.mmdb).
	GeoIPDatabase string `yaml:"geoip_database" json:"geoip_database,omitempty" jsonschema:"description=Path of a MaxMind-format country database (GeoLite2-Country.mmdb or compatible) for the country variable. Relative to the config file."`
	// AnonymousNetworks are ranges of anonymising networks (Tor exits,
	// VPN providers); a request from them is high risk.
	AnonymousNetworks []string `yaml:"anonymous_networks" json:"anonymous_networks,omitempty" jsonschema:"description=CIDR ranges of anonymising networks (Tor exit nodes\\, VPN providers); requests from them have high sign-in risk."`
	// TimeZone is the zone of the time.hour and time.weekday variables.
	TimeZone string `yaml:"time_zone" json:"time_zone,omitempty" jsonschema:"description=IANA time zone for time.hour and time.weekday\\, e.g. Europe/London. Default UTC."`
	// Policies are the conditional access policies.
	Policies []AccessPolicy `yaml:"policies" json:"policies,omitempty" jsonschema:"description=Conditional access policies; the most restrictive applying outcome wins (deny > require_mfa > restrict > allow)."`
}

// Location is a named set of IP ranges.
type Location struct {
	Name  string   `yaml:"name" json:"name" jsonschema:"required,description=Location name.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	CIDRs []string `yaml:"cidrs" json:"cidrs" jsonschema:"required,minItems=1,description=IP ranges (CIDR) or single addresses."`
}

// AccessPolicy is one conditional access policy.
type AccessPolicy struct {
	Name string `yaml:"name" json:"name" jsonschema:"required,description=Policy name\\, shown in decisions and the audit log.,pattern=^[a-z0-9][a-z0-9._-]{0\\,63}$"`
	// When is a CEL expression; the policy applies when it is true.
	When string `yaml:"when" json:"when" jsonschema:"required,description=CEL condition over user\\, issuer\\, groups\\, roles\\, app\\, agent\\, ip\\, locations\\, country\\, device.compliant\\, risk\\, mfa\\, acr\\, auth_age_seconds and time; the policy applies when it is true."`
	// Action is allow, deny, require_mfa or restrict.
	Action string `yaml:"action" json:"action" jsonschema:"required,enum=allow,enum=deny,enum=require_mfa,enum=restrict,description=What happens when the policy applies."`
	// Message is shown to a denied user.
	Message string `yaml:"message" json:"message,omitempty" jsonschema:"description=Reason shown to the user when the policy denies."`
	// MaxAuthAge requires a sign-in this recent (require_mfa).
	MaxAuthAge Duration `yaml:"max_auth_age" json:"max_auth_age,omitempty" jsonschema:"description=For require_mfa: the multi-factor sign-in must be at most this old."`
	// ACRValues are the accepted authentication context classes
	// (require_mfa).
	ACRValues []string `yaml:"acr_values" json:"acr_values,omitempty" jsonschema:"description=For require_mfa: acr values of which the sign-in must have one; requested from the provider on step-up."`
	// Restrict says what a restrict policy takes away.
	Restrict Restriction `yaml:"restrict" json:"restrict,omitempty" jsonschema:"description=For restrict: what is taken away."`
}

// Restriction is what a restrict policy takes away.
type Restriction struct {
	NoTools      bool     `yaml:"no_tools" json:"no_tools,omitempty" jsonschema:"description=No tool calls."`
	NoFileUpload bool     `yaml:"no_file_upload" json:"no_file_upload,omitempty" jsonschema:"description=No file uploads."`
	NoKnowledge  bool     `yaml:"no_knowledge" json:"no_knowledge,omitempty" jsonschema:"description=No knowledge retrieval at all."`
	DenyTools    []string `yaml:"deny_tools" json:"deny_tools,omitempty" jsonschema:"description=These tools may not be called."`
	DenyLabels   []string `yaml:"deny_labels" json:"deny_labels,omitempty" jsonschema:"description=Knowledge documents with any of these labels are withheld."`
}
