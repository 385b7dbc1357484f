package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Ensure server.metrics_addr is off by default, accepts a host:port (any
// interface too, since it is not an unsafe option), and reports a
// malformed address or one shared with server.addr at its line.
func TestValidateMetricsAddr(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // nil: valid
	}{
		{name: "unset", src: "server:\n\taddr: 127.0.0.1:8080\n"},
		{name: "loopback", src: "server:\n\tmetrics_addr: 127.0.0.1:9090\n"},
		{name: "all interfaces", src: "server:\n\tmetrics_addr: ':9090'\n"},
		{name: "free port", src: "server:\n\taddr: 127.0.0.1:0\n\tmetrics_addr: 127.0.0.1:0\n"},
		{
			name: "no port",
			src:  "server:\n\tmetrics_addr: localhost\n",
			want: []string{"test.yaml:2: server.metrics_addr: must be host:port with a numeric port, such as 127.0.0.1:9090"},
		},
		{
			name: "named port",
			src:  "server:\n\tmetrics_addr: 'localhost:prometheus'\n",
			want: []string{"test.yaml:2: server.metrics_addr: must be host:port with a numeric port, such as 127.0.0.1:9090"},
		},
		{
			name: "bad host",
			src:  "server:\n\tmetrics_addr: 'a b:9090'\n",
			want: []string{"test.yaml:2: server.metrics_addr: has an invalid host"},
		},
		{
			name: "same as the public listener",
			src:  "server:\n\taddr: 127.0.0.1:8080\n\tmetrics_addr: 127.0.0.1:8080\n",
			want: []string{"test.yaml:3: server.metrics_addr: must differ from server.addr: metrics are served on a listener of their own"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseYAML(t, tc.src)
			if diff := cmp.Diff(tc.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			if err == nil {
				if c.Server.MetricsAddr == "" && tc.name != "unset" {
					t.Errorf("metrics_addr was not kept")
				}
				for _, u := range c.Unsafe() {
					t.Errorf("metrics_addr listed as unsafe: %s", u)
				}
			}
		})
	}
}
