package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// guardYAML adds a guard section (from line 17) to validYAML.
const guardYAML = validYAML + `guard:
	default_policy: staff
	policies:
		- name: staff
			inbound:
				pii: audit
				types:
					credit_card: block
				min_confidence: 0.6
			outbound:
				output: block
			link_hosts: [intranet.example.com, "*.example.org"]
			escape_html: [directline, openai]
			oversize: truncate
	detectors:
		- type: employee_id
			pattern: 'EMP-[0-9]{6}'
			keywords: [emp-]
			context: [employee]
	classifier:
		protocol: prompt_shields
		url: https://shields.example.com/contentsafety/text:shieldPrompt?api-version=2024-09-01
		api_key: ${env:OPENAI_API_KEY}
`

// Ensure guard problems are reported at their lines, references to
// policies are checked, and unsafe guard settings are listed.
func TestValidateGuard(t *testing.T) {
	c, err := parseYAML(t, guardYAML)
	if err != nil {
		t.Fatal(err)
	}
	if c.Guard.Classifier.Timeout != Duration(defaultClassifierTimeout) {
		t.Errorf("classifier timeout default = %v", c.Guard.Classifier.Timeout)
	}
	if u := c.Unsafe(); len(u) != 0 {
		t.Errorf("unsafe: %v", u)
	}
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "bad actions and names",
			src: strings.NewReplacer("pii: audit", "pii: shred", "credit_card: block", "Credit-Card: block",
				"output: block", "injection: block", "min_confidence: 0.6", "min_confidence: 2",
				"oversize: truncate", "oversize: cut", "escape_html: [directline, openai]", "escape_html: [teams]",
				`"*.example.org"`, `"http://x"`).Replace(guardYAML),
			want: []string{
				"test.yaml:22: guard.policies[0].inbound.pii: must be one of [allow audit mask redact block]",
				"test.yaml:23: guard.policies[0].inbound.types: \"Credit-Card\" is not a finding type (lower-case letters, digits and '_')",
				"test.yaml:25: guard.policies[0].inbound.min_confidence: must be between 0 and 1",
				"test.yaml:27: guard.policies[0].outbound.injection: injection findings do not occur in this direction",
				"test.yaml:28: guard.policies[0].link_hosts[1]: \"http://x\" must be a lower-case host name such as intranet.example.com or *.example.com",
				"test.yaml:29: guard.policies[0].escape_html[0]: \"teams\" must be a channel: openai or directline",
				"test.yaml:30: guard.policies[0].oversize: must be refuse or truncate",
			},
		},
		{
			name: "unknown policies",
			src: strings.Replace(strings.Replace(guardYAML, "default_policy: staff", "default_policy: nope", 1),
				"environment: eu\n", "environment: eu\n\t\tguard: ghost\n", 1),
			want: []string{
				"test.yaml:7: agents[0].guard: no guard policy is named \"ghost\"",
				"test.yaml:19: guard.default_policy: no guard policy is named \"nope\"",
			},
		},
		{
			name: "detector and classifier",
			src: strings.NewReplacer("type: employee_id", "type: Employee", "keywords: [emp-]", "validator: mod11",
				"protocol: prompt_shields", "protocol: grpc", "url: https://shields", "url: http://shields",
				"2024-09-01\n\t\tapi_key: ${env:OPENAI_API_KEY}", "2024-09-01\n\t\tapi_key: literal-key").Replace(guardYAML),
			want: []string{
				"test.yaml:32: guard.detectors[0].type: \"Employee\" must be 1 to 64 of a-z, 0-9 and '_', starting with a letter",
				"test.yaml:34: guard.detectors[0].validator: must be luhn, iban, us_ssn or verhoeff",
				"test.yaml:37: guard.classifier.protocol: must be prompt_shields or text_classification",
				"test.yaml:38: guard.classifier.url: plain http to a host that is not loopback sends prompts and the API key unencrypted; use https, or set allow_insecure_http: true (UNSAFE)",
				"test.yaml:39: guard.classifier.api_key: api_key must be a reference such as ${env:NAME}, not a literal secret",
			},
		},
		{
			name: "unknown key",
			src:  strings.Replace(guardYAML, "oversize: truncate", "oversize: truncate\n\t\t\tredact_all: true", 1),
			want: []string{`test.yaml:31: guard.policies[0]: unknown key "redact_all"; known keys: name, inbound, outbound, content, restore_in_answer, link_hosts, escape_html, max_bytes, oversize, stream_holdback, classifier`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseYAML(t, tt.src)
			if diff := cmp.Diff(tt.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// Ensure weakened guard settings show up in the posture report.
func TestUnsafeListsWeakGuard(t *testing.T) {
	src := strings.NewReplacer("pii: audit", "pii: audit\n\t\t\t\tinjection: audit\n\t\t\t\tsecret: allow",
		"output: block", "output: allow", "oversize: truncate", "oversize: truncate\n\t\t\tcontent: audit",
		"protocol: prompt_shields", "protocol: prompt_shields\n\t\tfail_open: true").Replace(guardYAML)
	c, err := parseYAML(t, src)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, u := range c.Unsafe() {
		keys = append(keys, strings.SplitN(u, ":", 2)[0])
	}
	want := []string{"guard.classifier.fail_open", "guard.policies[0].content", "guard.policies[0].inbound.injection",
		"guard.policies[0].inbound.secret", "guard.policies[0].outbound.output"}
	slices.Sort(keys)
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("unsafe (-want +got):\n%s", diff)
	}
}
