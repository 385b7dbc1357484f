package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// identityYAML adds an issuer (lines 17-23) and a role (24-33) to
// validYAML.
const identityYAML = validYAML + `identity:
	issuers:
		- name: corp
			issuer: https://login.example.com/tenant/v2.0
			jwks_url: https://login.example.com/tenant/keys
			audiences: [api://palisade]
			algorithms: [RS256]
roles:
	- name: staff
		members:
			groups: [corp:staff]
			apps: [web]
		permissions:
			agents: [helper]
			knowledge: [hr-confidential]
			admin: [audit.read]
`

// Ensure the identity and role rules report each problem at its line, and
// that defaults (leeway, claim names, MFA amr) are filled in.
func TestValidateIdentityAndRoles(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{name: "valid", src: identityYAML},
		{
			name: "issuer without jwks, audience or a valid issuer URL",
			src:  validYAML + "identity:\n\tissuers:\n\t\t- name: corp\n\t\t\tissuer: not a url\n",
			want: []string{
				"test.yaml:19: identity.issuers[0].jwks_url: is required: the URL of the provider's signing keys",
				"test.yaml:19: identity.issuers[0].audiences: at least one audience is required, so that tokens issued for other services are refused",
				"test.yaml:20: identity.issuers[0].issuer: must be the provider's issuer URL, such as https://login.example.com/tenant/v2.0",
			},
		},
		{
			name: "plain http keys on a remote host",
			src:  replaceIn(t, identityYAML, "jwks_url: https://login.example.com/tenant/keys", "jwks_url: http://login.example.com/tenant/keys"),
			want: []string{"test.yaml:21: identity.issuers[0].jwks_url: plain http to a host that is not loopback lets anyone on the path substitute signing keys; use https, or set allow_insecure_http: true (UNSAFE)"},
		},
		{
			name: "HMAC and none algorithms",
			src:  replaceIn(t, identityYAML, "algorithms: [RS256]", "algorithms: [HS256, none]"),
			want: []string{
				`test.yaml:23: identity.issuers[0].algorithms[0]: algorithm "HS256" is not accepted; use one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA`,
				`test.yaml:23: identity.issuers[0].algorithms[1]: algorithm "none" is not accepted; use one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA`,
			},
		},
		{
			name: "leeway too large",
			src:  replaceIn(t, identityYAML, "algorithms: [RS256]\n", "algorithms: [RS256]\n\t\t\tleeway: 10m\n"),
			want: []string{"test.yaml:24: identity.issuers[0].leeway: must be between 0 and 5m"},
		},
		{
			name: "the same issuer twice",
			src: replaceIn(t, identityYAML, "roles:\n", "\t\t- name: corp2\n\t\t\tissuer: https://login.example.com/tenant/v2.0\n"+
				"\t\t\tjwks_url: https://login.example.com/tenant/keys\n\t\t\taudiences: [x]\nroles:\n"),
			want: []string{`test.yaml:25: identity.issuers[1].issuer: issuer "https://login.example.com/tenant/v2.0" is configured twice`},
		},
		{
			name: "unqualified group, unknown issuer, unknown app",
			src:  replaceIn(t, identityYAML, "groups: [corp:staff]\n\t\t\tapps: [web]", "groups: [staff, google:staff]\n\t\t\tapps: [mobile]"),
			want: []string{
				`test.yaml:27: roles[0].members.groups[0]: must be ISSUER:VALUE, such as corp:hr-staff`,
				`test.yaml:27: roles[0].members.groups[1]: no issuer is named "google" under identity.issuers`,
				`test.yaml:28: roles[0].members.apps[0]: no app is named "mobile"`,
			},
		},
		{
			name: "role without members or permissions",
			src:  validYAML + "roles:\n\t- name: empty\n\t\tmembers: {}\n\t\tpermissions: {}\n",
			want: []string{
				`test.yaml:19: roles[0].members: role "empty" has no members: list users, groups, idp_roles, apps or service_principals, or set all_users: true`,
				`test.yaml:20: roles[0].permissions: role "empty" grants nothing: list agents, knowledge, tools or admin`,
			},
		},
		{
			name: "all users without any issuer",
			src:  validYAML + "identity: {local: {enabled: false}}\nroles:\n\t- name: everyone\n\t\tmembers: {all_users: true}\n\t\tpermissions: {agents: ['*']}\n",
			want: []string{`test.yaml:20: roles[0].members.all_users: no identity provider is configured (identity.issuers, or the built-in identity.local), so no user can sign in`},
		},
		{
			name: "unknown agent, bad label, unknown admin permission",
			src: replaceIn(t, identityYAML, "agents: [helper]\n\t\t\tknowledge: [hr-confidential]\n\t\t\tadmin: [audit.read]",
				"agents: [payroll]\n\t\t\tknowledge: [HR Confidential]\n\t\t\tadmin: [root]"),
			want: []string{
				`test.yaml:30: roles[0].permissions.agents[0]: no agent is named "payroll"`,
				`test.yaml:31: roles[0].permissions.knowledge[0]: label "HR Confidential" must be lowercase letters, digits, '.', '_', ':' or '-'`,
				`test.yaml:32: roles[0].permissions.admin[0]: unknown administrative permission "root"; use one of audit.read, users.manage, sessions.revoke, policy.read or *`,
			},
		},
		{
			name: "a client id shared by two apps",
			src: replaceIn(t, identityYAML, "\t\tagents: [helper]\nidentity:", "\t\tagents: [helper]\n\t\tclient_ids: [spa]\n"+
				"\t- name: other\n\t\tclient_ids: [spa]\n\t\tagents: [helper]\nidentity:"),
			want: []string{`test.yaml:19: apps[1].client_ids[0]: client id "spa" already belongs to app "web"; a client id identifies one app`},
		},
		{
			name: "an app with client ids needs no secret",
			src:  replaceIn(t, identityYAML, "\t\tagents: [helper]\nidentity:", "\t\tagents: [helper]\n\t- name: spa\n\t\tclient_ids: [spa-client]\n\t\tagents: [helper]\nidentity:"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseYAML(t, tc.src)
			if diff := cmp.Diff(tc.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
	c, err := parseYAML(t, identityYAML)
	if err != nil {
		t.Fatal(err)
	}
	is := c.Identity.Issuers[0]
	if is.Leeway.D().Seconds() != 30 || is.Claims != (ClaimNames{Name: "name", Groups: "groups", Roles: "roles"}) || !cmp.Equal(is.MFA.AMR, []string{"mfa"}) {
		t.Errorf("issuer defaults = leeway %v claims %+v mfa %+v", is.Leeway.D(), is.Claims, is.MFA)
	}
}

// Ensure a plain-http key URL allowed by allow_insecure_http is listed
// among the unsafe options.
func TestUnsafeListsInsecureIssuer(t *testing.T) {
	c, err := parseYAML(t, replaceIn(t, identityYAML, "jwks_url: https://login.example.com/tenant/keys",
		"jwks_url: http://login.example.com/tenant/keys\n\t\t\tallow_insecure_http: true"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`identity.issuers[0].allow_insecure_http: signing keys of issuer "corp" may be fetched over plain http`}
	if diff := cmp.Diff(want, c.Unsafe()); diff != "" {
		t.Error(diff)
	}
}

func replaceIn(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("replaceIn: %q occurs %d times", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// Ensure the access section's locations, networks, time zone, GeoIP file,
// policy names, actions and acr values are checked at their lines.
func TestValidateAccess(t *testing.T) {
	src := validYAML + `server:
	trusted_proxies: [10.0.0.0/8, 10.0.0.1/8, proxy]
access:
	time_zone: Mars/Olympus
	geoip_database: /nonexistent/country.mmdb
	anonymous_networks: [198.51.100.0/24, tor]
	locations:
		- name: office
			cidrs: [10.0.0.0/33]
	policies:
		- name: a
			when: 'true'
			action: block
		- name: a
			when: ''
			action: require_mfa
			acr_values: ["urn:x y"]
`
	want := []string{
		`test.yaml:18: server.trusted_proxies[1]: "10.0.0.1/8" has host bits set; write 10.0.0.0/8`,
		`test.yaml:18: server.trusted_proxies[2]: "proxy" is not a CIDR range or an IP address`,
		`test.yaml:20: access.time_zone: unknown time zone "Mars/Olympus"; use an IANA name such as Europe/London`,
		`test.yaml:21: access.geoip_database: cannot read the GeoIP database "/nonexistent/country.mmdb"`,
		`test.yaml:22: access.anonymous_networks[1]: "tor" is not a CIDR range or an IP address`,
		`test.yaml:25: access.locations[0].cidrs[0]: "10.0.0.0/33" is not a CIDR range or an IP address`,
		`test.yaml:29: access.policies[0].action: must be allow, deny, require_mfa or restrict`,
		`test.yaml:30: access.policies[1].name: policy name "a" is used twice`,
		`test.yaml:31: access.policies[1].when: is required: a CEL condition, such as '!("office" in locations)'`,
		`test.yaml:33: access.policies[1].acr_values[0]: an acr value must be non-empty, without spaces, quotes, backslashes or commas`,
	}
	_, err := parseYAML(t, src)
	if diff := cmp.Diff(want, problemLines(t, err)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}
