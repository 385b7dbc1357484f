package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Ensure tools are checked: names, URLs and placeholders, credentials as
// references, one kind of auth, the assertion's audience, and agents'
// references to tools.
func TestValidateTools(t *testing.T) {
	const env = "environments:\n\t- name: eu\n\t\tregion: eu-west\nagents:\n\t- name: hr\n\t\tenvironment: eu\n\t\tkind: openai\n\t\ttools: [leave-balance]\n\t\tupstream: {url: \"https://api.openai.com/v1\", model: m}\n"
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{name: "valid", src: env + "tools:\n\t- name: leave-balance\n\t\tdescription: Leave days left.\n\t\turl: http://127.0.0.1:9301/v1/leave/{year}\n\t\tzone: loopback\n\t\tparameters: {type: object, properties: {year: {type: integer}}}\n\t\tauth: {api_key: {header: X-API-Key, value: \"${secret:leave-key}\"}}\n\t\tuser_assertion: {audience: leave-api}\n\t\tintents: [leave days left]\n\t\tanswer: 'You have {{.days_left}} days left.'\n"},
		{
			name: "unknown tool",
			src:  env,
			want: []string{`test.yaml:8: agents[0].tools[0]: names tool "leave-balance", which is not defined under tools`},
		},
		{
			name: "bad definitions",
			src: env + "tools:\n\t- name: leave.balance\n\t\tdescription: x\n\t\turl: http://hr.example.com/v1/{year}x\n\t\tmethod: TRACE\n\t\tparameters: {type: array}\n" +
				"\t\tauth: {api_key: {value: \"${env:MODEL}\"}, oauth2: {token_url: \"https://a/t\", client_id: c, client_secret: \"${env:MODEL}\"}}\n\t\tuser_assertion: {audience: ''}\n",
			want: []string{
				`test.yaml:8: agents[0].tools[0]: names tool "leave-balance", which is not defined under tools`,
				`test.yaml:11: tools[0].name: tool name "leave.balance" must be 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit`,
				"test.yaml:13: tools[0].url: plain http to a host that is not loopback sends tool arguments and credentials unencrypted; use https, or set allow_insecure_http: true (UNSAFE)",
				"test.yaml:14: tools[0].method: must be GET, POST, PUT, PATCH or DELETE",
				`test.yaml:15: tools[0].parameters: must be an object schema ("type": "object")`,
				"test.yaml:16: tools[0].auth: set one of api_key and oauth2, not both",
				"test.yaml:17: tools[0].user_assertion.audience: is required: the identifier the tool checks in the assertion's aud claim",
			},
		},
		{
			name: "placeholder not a whole segment",
			src:  env + "tools:\n\t- name: leave-balance\n\t\tdescription: x\n\t\turl: https://hr.example.com/v1/y{year}\n",
			want: []string{"test.yaml:13: tools[0].url: a placeholder must be a whole path segment naming an argument, such as /employees/{employee_id}"},
		},
		{
			name: "literal key",
			src:  env + "tools:\n\t- name: leave-balance\n\t\tdescription: x\n\t\turl: https://hr.example.com/v1\n\t\tauth: {api_key: {value: sk-literal}}\n",
			want: []string{"test.yaml:14: tools[0].auth.api_key.value: value must be a reference such as ${env:NAME}, not a literal secret"},
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

// Ensure the egress path prefix of a tool is the static part of its path.
func TestToolPathPrefix(t *testing.T) {
	for in, want := range map[string]string{"/v1/leave": "/v1/leave", "/v1/leave/{year}": "/v1/leave/", "/{id}": "/", "": ""} {
		if got := ToolPathPrefix(in); got != want {
			t.Errorf("ToolPathPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}
