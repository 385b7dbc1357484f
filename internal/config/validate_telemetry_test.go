package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Ensure telemetry is off by default, accepts an OTLP endpoint over https
// (or http on loopback) with headers from references, a zone and a sample
// ratio, and reports every mistake at its line: unknown keys, a bad
// endpoint, an unknown zone, a literal credential header, a ratio out of
// range or given without an endpoint.
func TestValidateTelemetry(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // nil: valid
	}{
		{name: "unset", src: "server:\n\taddr: 127.0.0.1:8080\n"},
		{
			name: "collector",
			src: "telemetry:\n\ttraces:\n\t\tsample_ratio: 0.25\n\t\totlp:\n" +
				"\t\t\tendpoint: https://otel.example.com:4318/v1/traces\n" +
				"\t\t\theaders:\n\t\t\t\tAuthorization: Bearer ${env:OTLP_TOKEN}\n\t\t\t\tX-Scope-OrgID: palisade\n" +
				"\t\t\ttimeout: 3s\n",
		},
		{
			name: "loopback over http",
			src:  "telemetry:\n\ttraces:\n\t\totlp:\n\t\t\tendpoint: http://127.0.0.1:4318/v1/traces\n\t\t\tzone: loopback\n",
		},
		{
			name: "unknown key",
			src:  "telemetry:\n\ttraces:\n\t\tsample: 1\n",
			want: []string{`test.yaml:3: telemetry.traces: unknown key "sample"; known keys: otlp, sample_ratio, allow_incoming_trace_context`},
		},
		{
			name: "unknown otlp key",
			src:  "telemetry:\n\ttraces:\n\t\totlp:\n\t\t\turl: https://otel.example.com/v1/traces\n",
			want: []string{`test.yaml:4: telemetry.traces.otlp: unknown key "url"; known keys: endpoint, headers, zone, timeout`},
		},
		{
			name: "plain http off loopback",
			src:  "telemetry:\n\ttraces:\n\t\totlp:\n\t\t\tendpoint: http://otel.example.com:4318/v1/traces\n",
			want: []string{"test.yaml:4: telemetry.traces.otlp.endpoint: plain http to a host that is not loopback sends traces unencrypted; use https"},
		},
		{
			name: "not a URL",
			src:  "telemetry:\n\ttraces:\n\t\totlp:\n\t\t\tendpoint: otel.example.com:4318\n",
			want: []string{"test.yaml:4: telemetry.traces.otlp.endpoint: must be an absolute http or https URL, such as https://api.openai.com/v1"},
		},
		{
			name: "query",
			src:  "telemetry:\n\ttraces:\n\t\totlp:\n\t\t\tendpoint: https://otel.example.com/v1/traces?k=v\n",
			want: []string{"test.yaml:4: telemetry.traces.otlp.endpoint: must not have a query or fragment"},
		},
		{
			name: "unknown zone",
			src:  "telemetry:\n\ttraces:\n\t\totlp:\n\t\t\tendpoint: https://otel.internal:4318/v1/traces\n\t\t\tzone: corp\n",
			want: []string{`test.yaml:5: telemetry.traces.otlp.zone: names zone "corp", which is not defined under egress.zones`},
		},
		{
			name: "literal credential",
			src:  "telemetry:\n\ttraces:\n\t\totlp:\n\t\t\tendpoint: https://otel.example.com/v1/traces\n\t\t\theaders:\n\t\t\t\tX-Api-Key: k-VALUE-written-in-the-file\n",
			want: []string{`test.yaml:6: telemetry.traces.otlp.headers.X-Api-Key: header X-Api-Key carries a credential: take it from a reference, such as "Bearer ${secret:otlp-token}", not a value written in the file`},
		},
		{
			name: "headers without endpoint",
			src:  "telemetry:\n\ttraces:\n\t\totlp:\n\t\t\theaders:\n\t\t\t\tX-Scope-OrgID: palisade\n",
			want: []string{"test.yaml:3: telemetry.traces.otlp.endpoint: is required when other otlp settings are given, such as https://otel-collector.example.com:4318/v1/traces"},
		},
		{
			name: "zero timeout",
			src:  "telemetry:\n\ttraces:\n\t\totlp:\n\t\t\tendpoint: https://otel.example.com/v1/traces\n\t\t\ttimeout: 0s\n",
			want: []string{"test.yaml:5: telemetry.traces.otlp.timeout: must be greater than 0"},
		},
		{
			name: "ratio out of range",
			src:  "telemetry:\n\ttraces:\n\t\tsample_ratio: 1.5\n\t\totlp:\n\t\t\tendpoint: https://otel.example.com/v1/traces\n",
			want: []string{"test.yaml:3: telemetry.traces.sample_ratio: must be between 0 and 1, such as 0.1 for one trace in ten"},
		},
		{
			name: "ratio without endpoint",
			src:  "telemetry:\n\ttraces:\n\t\tsample_ratio: 0.5\n",
			want: []string{"test.yaml:3: telemetry.traces.sample_ratio: only applies when traces are exported: set telemetry.traces.otlp.endpoint"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseYAML(t, tc.src)
			if diff := cmp.Diff(tc.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			if err != nil {
				assertNoValues(t, err.Error())
				return
			}
			for _, u := range c.Unsafe() {
				t.Errorf("listed as unsafe: %s", u)
			}
		})
	}
}

// Ensure the defaults: no export, a sample ratio of 1 and a 10s export
// timeout; header references are kept as written for the export to
// resolve, never resolved into the configuration.
func TestTelemetryDefaults(t *testing.T) {
	c, err := parseYAML(t, "telemetry:\n\ttraces:\n\t\totlp:\n\t\t\tendpoint: https://otel.example.com/v1/traces\n\t\t\theaders:\n\t\t\t\tAuthorization: Bearer ${env:OTLP_TOKEN}\n")
	if err != nil {
		t.Fatal(err)
	}
	tr := c.Telemetry.Traces
	if !tr.Enabled() || tr.Ratio() != 1 || tr.OTLP.Timeout.D() != 10*time.Second {
		t.Errorf("enabled %v, ratio %v, timeout %v; want true, 1, 10s", tr.Enabled(), tr.Ratio(), tr.OTLP.Timeout)
	}
	if got := tr.OTLP.Headers["Authorization"]; got != "Bearer ${env:OTLP_TOKEN}" {
		t.Errorf("header = %q, want the reference as written", got)
	}
	if d := Default(); d.Telemetry.Traces.Enabled() {
		t.Error("traces are exported by default")
	}
}

// Ensure allow_incoming_trace_context is accepted, flagged UNSAFE in the
// schema and reported by Unsafe.
func TestTelemetryIncomingContextUnsafe(t *testing.T) {
	c, err := parseYAML(t, "telemetry:\n\ttraces:\n\t\tallow_incoming_trace_context: true\n")
	if err != nil {
		t.Fatal(err)
	}
	u := c.Unsafe()
	if len(u) != 1 || !strings.HasPrefix(u[0], "telemetry.traces.allow_incoming_trace_context: ") {
		t.Errorf("Unsafe() = %q", u)
	}
	s, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(s), `"description": "UNSAFE: make a client's traceparent`) {
		t.Error("the schema does not flag allow_incoming_trace_context as UNSAFE")
	}
}
