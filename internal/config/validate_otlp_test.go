package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Ensure the OTLP export sinks are checked, each problem reported at its
// line (a header's at its own), and the valid forms accepted.
func TestValidateOTLPSinks(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // nil: valid
	}{
		{
			name: "valid",
			src: "audit:\n\texport:\n\t\totlp:\n\t\t\t- name: otel\n\t\t\t\tendpoint: https://otlp.example.com\n" +
				"\t\t\t\theaders:\n\t\t\t\t\tAuthorization: Bearer ${secret:otlp-token}\n\t\t\t\t\tX-Scope-OrgID: tenant-1\n" +
				"\t\t\t\t\tDD-API-KEY: ${env:OPENAI_API_KEY}\n\t\t\t\t\tX-Literal: a $${b}\n" +
				"\t\t\t\tbatch_size: 1000\n\t\t\t\ttimeout: 5s\n\t\t\t\tcompression: none\n" +
				"\t\t\t- name: local\n\t\t\t\tendpoint: http://127.0.0.1:4318\n\t\t\t\tzone: loopback\n",
		},
		{
			name: "endpoints",
			src: "audit:\n\texport:\n\t\totlp:\n\t\t\t- name: a\n\t\t\t\tendpoint: http://otlp.example.com:4318\n" +
				"\t\t\t- name: b\n\t\t\t\tendpoint: https://otlp.example.com/v1/logs?token=x\n" +
				"\t\t\t- name: c\n\t\t\t\tendpoint: https://user:pw@otlp.example.com\n" +
				"\t\t\t- name: d\n\t\t\t\tendpoint: otlp.example.com:4317\n" +
				"\t\t\t- name: e\n\t\t\t\tzone: nowhere\n",
			want: []string{
				"test.yaml:5: audit.export.otlp[0].endpoint: plain http to a host that is not loopback sends audit events unencrypted; use https, or set allow_insecure_http: true (UNSAFE)",
				"test.yaml:7: audit.export.otlp[1].endpoint: must not have a query or fragment",
				"test.yaml:9: audit.export.otlp[2].endpoint: must not carry credentials; use headers with a ${secret:NAME} reference",
				"test.yaml:11: audit.export.otlp[3].endpoint: must be an absolute http or https URL, such as https://api.openai.com/v1",
				"test.yaml:12: audit.export.otlp[4].endpoint: is required, such as https://otlp.example.com (which posts to /v1/logs)",
				`test.yaml:13: audit.export.otlp[4].zone: names zone "nowhere", which is not defined under egress.zones`,
			},
		},
		{
			name: "headers",
			src: "audit:\n\texport:\n\t\totlp:\n\t\t\t- name: otel\n\t\t\t\tendpoint: https://otlp.example.com\n\t\t\t\theaders:\n" +
				"\t\t\t\t\tAuthorization: Bearer sk-literal-VALUE\n" + // 7
				"\t\t\t\t\tX-Api-Key: ${vault:k}\n" + // 8
				"\t\t\t\t\tContent-Type: application/json\n" + // 9
				"\t\t\t\t\t\"Bad Name\": x\n" + // 10
				"\t\t\t\t\tX-Broken: \"${secret:\"\n" + // 11
				"\t\t\t\t\tX-Line: \"a\\nb\"\n" + // 12
				"\t\t\t\t\tX-Empty: \"\"\n" + // 13
				"\t\t\t\t\tX-Env: ${env:9BAD}\n", // 14
			want: []string{
				"test.yaml:7: audit.export.otlp[0].headers.Authorization: header Authorization carries a credential: take it from a reference, such as \"Bearer ${secret:otlp-token}\", not a value written in the file",
				"test.yaml:8: audit.export.otlp[0].headers.X-Api-Key: ${vault:k}: a header value takes ${secret:NAME} (read at each delivery) or ${env:NAME} references",
				"test.yaml:9: audit.export.otlp[0].headers.Content-Type: Content-Type is set by Palisade (or by HTTP itself); leave it out",
				`test.yaml:10: audit.export.otlp[0].headers.Bad Name: "Bad Name" is not an HTTP header name, such as Authorization or X-Scope-OrgID`,
				"test.yaml:11: audit.export.otlp[0].headers.X-Broken: malformed reference; write ${scheme:NAME}, or $${ for a literal ${",
				"test.yaml:12: audit.export.otlp[0].headers.X-Line: must not contain control characters or line breaks",
				"test.yaml:13: audit.export.otlp[0].headers.X-Empty: must not be empty",
				"test.yaml:14: audit.export.otlp[0].headers.X-Env: ${env:9BAD}: not a valid environment variable name",
			},
		},
		{
			name: "names unique across sinks, limits",
			src: "audit:\n\texport:\n\t\twebhooks:\n\t\t\t- name: siem\n\t\t\t\turl: https://siem.example.com/in\n\t\t\t\tsecret: ${secret:hmac}\n" +
				"\t\totlp:\n\t\t\t- name: siem\n\t\t\t\tendpoint: https://otlp.example.com\n\t\t\t\tbatch_size: 0\n\t\t\t\ttimeout: 0s\n\t\t\t\tcompression: zstd\n" +
				"\t\t\t- name: Bad_Name\n\t\t\t\tendpoint: https://otlp.example.com\n",
			want: []string{
				`test.yaml:8: audit.export.otlp[0].name: export sink name "siem" is used twice`,
				"test.yaml:10: audit.export.otlp[0].batch_size: must be between 1 and 1000",
				"test.yaml:11: audit.export.otlp[0].timeout: must be greater than 0",
				"test.yaml:12: audit.export.otlp[0].compression: must be gzip or none",
				`test.yaml:13: audit.export.otlp[1].name: export sink name "Bad_Name" must be 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseYAML(t, tc.src)
			if diff := cmp.Diff(tc.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			if err != nil {
				assertNoValues(t, err.Error())
				if strings.Contains(err.Error(), "sk-literal-VALUE") {
					t.Errorf("a message quotes a header value:\n%v", err)
				}
			}
		})
	}
}

// Ensure an OTLP sink gets its defaults, keeps its header values as
// written (references unresolved: the export resolves them), and
// Redacted copies the headers rather than sharing them.
func TestOTLPSinkDefaultsAndHeaders(t *testing.T) {
	c, err := parseYAML(t, "audit:\n\texport:\n\t\totlp:\n\t\t\t- name: otel\n\t\t\t\tendpoint: https://otlp.example.com\n"+
		"\t\t\t\theaders:\n\t\t\t\t\tAuthorization: Bearer ${secret:otlp-token}\n")
	if err != nil {
		t.Fatal(err)
	}
	o := c.Audit.Export.OTLP[0]
	if o.BatchSize != 500 || o.Timeout.D() != 10*time.Second || o.Compression != "gzip" {
		t.Errorf("defaults: batch_size %d, timeout %v, compression %q; want 500, 10s, gzip", o.BatchSize, o.Timeout.D(), o.Compression)
	}
	if got := o.Headers["Authorization"]; got != "Bearer ${secret:otlp-token}" {
		t.Errorf("header = %q, want the reference as written", got)
	}
	r := c.Redacted()
	r.Audit.Export.OTLP[0].Headers["Authorization"] = "changed"
	r.Audit.Export.OTLP[0].Name = "changed"
	if c.Audit.Export.OTLP[0].Headers["Authorization"] != "Bearer ${secret:otlp-token}" || c.Audit.Export.OTLP[0].Name != "otel" {
		t.Error("Redacted shares the OTLP sinks with the configuration")
	}
	parts, err := ParseHeaderValue("Bearer ${secret:otlp-token} $${x}")
	if err != nil {
		t.Fatal(err)
	}
	want := []HeaderPart{{Text: "Bearer "}, {Scheme: "secret", Name: "otlp-token"}, {Text: " ${x}"}}
	if diff := cmp.Diff(want, parts); diff != "" {
		t.Errorf("ParseHeaderValue (-want +got):\n%s", diff)
	}
	if _, err := ParseHeaderValue("${secret:"); err == nil || !strings.Contains(err.Error(), "malformed reference") {
		t.Errorf("ParseHeaderValue of a malformed reference: %v", err)
	}
}
