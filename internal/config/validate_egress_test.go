package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Ensure the egress, secret store and export settings are checked, each
// problem reported at its line, and the valid forms accepted.
func TestValidateEgress(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // nil: valid
	}{
		{name: "zone and destination", src: "egress:\n\tzones:\n\t\t- name: corp\n\t\t\tcidrs: [10.0.0.0/8]\n\tdestinations:\n\t\t- name: leave\n\t\t\turl: https://*.hr.example.com/api/\n\t\t\tzone: corp\n"},
		{
			name: "bad prefixes",
			src:  "egress:\n\tzones:\n\t\t- name: corp\n\t\t\tcidrs: [10.0.0.1/8, 0.0.0.0/0, nonsense]\n",
			want: []string{
				`test.yaml:4: egress.zones[0].cidrs[0]: "10.0.0.1/8" has host bits set; write 10.0.0.0/8`,
				`test.yaml:4: egress.zones[0].cidrs[1]: "0.0.0.0/0" opens every address; name the networks the zone holds`,
				`test.yaml:4: egress.zones[0].cidrs[2]: "nonsense" is not a CIDR prefix such as 10.20.0.0/16`,
			},
		},
		{
			name: "built-in zone name",
			src:  "egress:\n\tzones:\n\t\t- name: loopback\n\t\t\tcidrs: [127.0.0.0/8]\n",
			want: []string{`test.yaml:3: egress.zones[0].name: zone "loopback" is built in (127.0.0.0/8 and ::1); choose another name`},
		},
		{
			name: "unknown zone",
			src:  "egress:\n\tdestinations:\n\t\t- name: leave\n\t\t\turl: https://hr.example.com/\n\t\t\tzone: nowhere\n",
			want: []string{`test.yaml:5: egress.destinations[0].zone: names zone "nowhere", which is not defined under egress.zones`},
		},
		{
			name: "destination URLs",
			src:  "egress:\n\tdestinations:\n\t\t- name: a\n\t\t\turl: ftp://x/\n\t\t- name: b\n\t\t\turl: https://u:p@x/\n\t\t- name: c\n\t\t\turl: https://a.*.x/\n\t\t- name: d\n\t\t\turl: https://x/a/%2e%2e/b\n",
			want: []string{
				"test.yaml:4: egress.destinations[0].url: must be an absolute http or https URL, such as https://api.example.com/v2/",
				"test.yaml:6: egress.destinations[1].url: must not carry credentials",
				"test.yaml:8: egress.destinations[2].url: may use * only as the first label of the host, as in https://*.example.com/",
				"test.yaml:10: egress.destinations[3].url: path must not contain dot segments or encoded slashes",
			},
		},
		{
			name: "literal client key",
			src:  "egress:\n\tdestinations:\n\t\t- name: a\n\t\t\turl: https://x/\n\t\t\tclient_cert_file: c.pem\n\t\t\tclient_key: '-----BEGIN'\n",
			want: []string{"test.yaml:6: egress.destinations[0].client_key: client_key must be a reference such as ${env:NAME}, not a literal secret"},
		},
		{name: "loopback upstream zone", src: "agents:\n\t- name: a\n\t\tenvironment: eu\n\t\tkind: openai\n\t\tupstream:\n\t\t\turl: http://127.0.0.1:11434/v1\n\t\t\tmodel: m\n\t\t\tzone: loopback\nenvironments:\n\t- name: eu\n\t\tregion: eu-west\n"},
		{
			name: "two key sources",
			src:  "secrets:\n\tkek:\n\t\tkeyset_file: k.json\n\t\tkeyset_env: PALISADE_KEK\n",
			want: []string{"test.yaml:2: secrets.kek: set exactly one of keyset_file, keyset_env and vault_transit"},
		},
		{
			name: "vault token literal",
			src:  "secrets:\n\tkek:\n\t\tvault_transit:\n\t\t\taddress: https://vault.example.com:8200\n\t\t\tkey: palisade\n\t\t\ttoken: hvs.literal\n",
			want: []string{"test.yaml:6: secrets.kek.vault_transit.token: must be a reference to an environment variable such as ${env:VAULT_TOKEN}"},
		},
		{
			name: "vault over http",
			src:  "secrets:\n\tvault_kv:\n\t\taddress: http://vault.example.com:8200\n\t\ttoken: ${env:MODEL}\n",
			want: []string{"test.yaml:3: secrets.vault_kv.address: plain http to a host that is not loopback sends the Vault token unencrypted; use https, or set allow_insecure_http: true (UNSAFE)"},
		},
		{
			name: "webhook secret too short and plain syslog",
			src:  "audit:\n\texport:\n\t\twebhooks:\n\t\t\t- name: siem\n\t\t\t\turl: https://siem.example.com/in\n\t\t\t\tsecret: ${env:SHORT_SECRET}\n\t\tsyslog:\n\t\t\t- name: siem\n\t\t\t\taddress: syslog.example.com:514\n",
			want: []string{
				"test.yaml:6: audit.export.webhooks[0].secret: the HMAC key must be at least 32 characters",
				`test.yaml:8: audit.export.syslog[0].name: export sink name "siem" is used twice`,
				"test.yaml:8: audit.export.syslog[0].tls: plain TCP to a host that is not loopback sends audit events unencrypted; set tls: true, or allow_insecure_tcp: true (UNSAFE)",
			},
		},
		{name: "webhook with deferred secret", src: "audit:\n\texport:\n\t\twebhooks:\n\t\t\t- name: siem\n\t\t\t\turl: https://siem.example.com/in\n\t\t\t\tsecret: ${secret:siem-hmac}\n"},
		{
			name: "secret store for its own database",
			src:  "store:\n\tdriver: postgres\n\tdsn: ${secret:pg}\n",
			want: []string{"test.yaml:3: store.dsn: cannot resolve ${secret:pg}: secret references need the secret store, which is not configured"},
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
}

// Ensure a ${secret:NAME} in a field used only at egress stays a
// reference: the field is empty, SecretRef names the secret, Redacted shows
// the reference, and the Loader's SecretCheck is asked about it without the
// value ever being read.
func TestDeferredSecretReference(t *testing.T) {
	src := yamlText("environments:\n\t- name: eu\n\t\tregion: eu-west\nagents:\n\t- name: a\n\t\tenvironment: eu\n\t\tkind: openai\n\t\tupstream:\n\t\t\turl: https://api.openai.com/v1\n\t\t\tmodel: m\n\t\t\tapi_key: ${secret:openai}\n")
	var asked []string
	l := &Loader{
		Resolvers: map[string]Resolver{SchemeEnv: EnvResolver(lookupTestEnv)},
		SecretCheck: func(name string) error {
			asked = append(asked, name)
			return nil
		},
	}
	c, err := l.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Agents[0].Upstream.APIKey != "" {
		t.Errorf("api_key = %q, want empty (deferred)", c.Agents[0].Upstream.APIKey)
	}
	if name, ok := c.SecretRef("agents[0].upstream.api_key"); !ok || name != "openai" {
		t.Errorf("SecretRef = %q, %v; want openai, true", name, ok)
	}
	if got := c.Redacted().Agents[0].Upstream.APIKey; got != "${secret:openai}" {
		t.Errorf("Redacted api_key = %q", got)
	}
	if diff := cmp.Diff([]string{"openai"}, asked); diff != "" {
		t.Errorf("SecretCheck calls (-want +got):\n%s", diff)
	}

	l.SecretCheck = func(string) error { return errors.New("no such secret") }
	_, err = l.Parse("test.yaml", []byte(src))
	want := []string{"test.yaml:11: agents[0].upstream.api_key: cannot use ${secret:openai}: no such secret"}
	if diff := cmp.Diff(want, problemLines(t, err)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

// Ensure a key-encryption keyset kept in the data directory and plain TCP
// syslog are listed as unsafe.
func TestUnsafeEgress(t *testing.T) {
	c, err := parseYAML(t, "data_dir: /var/lib/palisade\nsecrets:\n\tkek:\n\t\tkeyset_file: /var/lib/palisade/kek.json\naudit:\n\texport:\n\t\tsyslog:\n\t\t\t- name: soc\n\t\t\t\taddress: 10.1.1.1:514\n\t\t\t\tallow_insecure_tcp: true\n")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.Unsafe(), "\n")
	for _, w := range []string{"secrets.kek.keyset_file: the key-encryption key (palisade/kek.json) lies in the data directory", `audit.export.syslog[0].allow_insecure_tcp: audit events go to "soc" unencrypted`} {
		if !strings.Contains(got, w) {
			t.Errorf("Unsafe() lacks %q:\n%s", w, got)
		}
	}
}
