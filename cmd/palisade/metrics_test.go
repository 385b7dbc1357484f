package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/config"
)

// Ensure server.metrics_addr serves Prometheus metrics on a listener of
// its own: after one answered and one refused request the scrape counts
// each under its agent, app, outcome and code, along with decisions, audit
// writes and the Go runtime; and the public listener has no /metrics.
func TestServeMetrics(t *testing.T) {
	dir := t.TempDir()
	if err := writeDemoKnowledge(dir); err != nil {
		t.Fatal(err)
	}
	const secret = "an-app-secret-that-is-long-enough-0123456789"
	t.Setenv("TEST_APP_SECRET", secret)
	cfgText := fmt.Sprintf(`data_dir: %q
server: {metrics_addr: "127.0.0.1:0"}
environments: [{name: prod, region: eu}]
agents:
  - {name: hr, environment: prod, kind: knowledge, knowledge: [{name: hr, path: hr}]}
apps:
  - {name: portal, secrets: ["${env:TEST_APP_SECRET}"], agents: [hr]}
roles:
  - {name: service, members: {apps: [portal]}, permissions: {agents: [hr]}}
`, filepath.Join(dir, "data"))
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan string, 1)
	go func() { done <- serve(ctx, cfg, ln, slog.New(slog.DiscardHandler), func(a string) { ready <- a }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + <-ready
	metricsURL := "http://" + cfg.Server.MetricsAddr // the port bound, set before ready
	if cfg.Server.MetricsAddr == "" || strings.HasSuffix(cfg.Server.MetricsAddr, ":0") {
		t.Fatalf("metrics address %q", cfg.Server.MetricsAddr)
	}

	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	ask := func(cred string, want int) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/chat/completions", strings.NewReader(
			`{"model":"hr","messages":[{"role":"user","content":"How many days of leave do I get?"}]}`))
		req.Header.Set("Authorization", "Bearer "+cred)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, b)
		}
	}
	ask(secret, http.StatusOK)
	ask("not-the-secret", http.StatusUnauthorized)

	want := []string{
		`palisade_requests_total{agent="hr",api="openai",app="portal",code="ok",outcome="success"} 1`,
		`palisade_requests_total{agent="",api="openai",app="",code="invalid_credential",outcome="denied"} 1`,
		`palisade_request_duration_seconds_count{agent="hr",api="openai"} 1`,
		`palisade_decisions_total{outcome="allow",reason="role-granted"} 1`,
		`palisade_audit_batch_size_count`,
		`palisade_audit_write_duration_seconds_bucket`,
		`palisade_audit_queue_depth`,
		`palisade_audit_checkpoint_size`,
		`go_goroutines`,
	}
	var body string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var status int
		status, body = get(metricsURL + "/metrics")
		missing := ""
		for _, w := range want {
			if !strings.Contains(body, w) {
				missing = w
				break
			}
		}
		if status == http.StatusOK && missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /metrics: status %d, no %s in:\n%s", status, missing, body)
		}
	}
	if strings.Contains(body, secret) || strings.Contains(body, "not-the-secret") || strings.Contains(body, "req_") {
		t.Errorf("the metrics hold a credential or a request id")
	}

	if status, b := get(base + "/metrics"); status != http.StatusNotFound {
		t.Errorf("the public listener answers GET /metrics with %d: %.200s", status, b)
	}
	if status, _ := get(metricsURL + "/v1/models"); status != http.StatusNotFound {
		t.Errorf("the metrics listener answers GET /v1/models with %d", status)
	}
}
