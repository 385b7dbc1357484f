package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// Ensure a model server on a private or loopback address needs a zone:
// without one, config validate names the line and why.
func TestEgressNeedsZone(t *testing.T) {
	dir := t.TempDir()
	path := writeConfig(t, dir, `environments: [{name: prod, region: eu}]
agents:
  - {name: a, environment: prod, kind: openai, upstream: {url: "http://127.0.0.1:11434/v1", model: m}}
  - {name: b, environment: prod, kind: openai, upstream: {url: "http://localhost:11434/v1", model: m, zone: loopback}}
  - {name: c, environment: prod, kind: openai, upstream: {url: "https://169.254.169.254/v1", model: m}}
  - {name: d, environment: prod, kind: openai, upstream: {url: "http://127.0.0.1:11434/v1", model: m, zone: loopback}}
`)
	code, _, errOut := runCLI(t, "config", "validate", path)
	if code != 1 {
		t.Fatalf("validate: %d %q", code, errOut)
	}
	for _, want := range []string{
		`palisade.yaml:3: agents[0].upstream.url: egress refuses this destination: host 127.0.0.1 can never be reached: 127.0.0.1 belongs to zone "loopback"`,
		`palisade.yaml:4: agents[1].upstream.url: egress refuses this destination: host "localhost" is reserved`,
		`palisade.yaml:5: agents[2].upstream.url: egress refuses this destination: host 169.254.169.254 can never be reached`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("validate output lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "agents[3]") {
		t.Errorf("the zoned upstream is refused:\n%s", errOut)
	}
}

// Ensure a model server that redirects outside the allowed path prefix is
// refused at the redirect with 502 egress_denied, and that the refusal is
// audited with the destination's scheme and host only (never the path or
// query, which can carry tokens).
func TestEgressRefusedRedirectIsAudited(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/steal?token=abc123secret", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	dir := t.TempDir()
	const appSecret = "an-app-secret-that-is-long-enough-0123456789"
	t.Setenv("TEST_APP_SECRET", appSecret)
	path := writeConfig(t, dir, fmt.Sprintf(`data_dir: %q
environments: [{name: prod, region: eu}]
agents:
  - {name: gpt, environment: prod, kind: openai, upstream: {url: %q, model: m, zone: loopback}}
apps:
  - {name: portal, secrets: ["${env:TEST_APP_SECRET}"], agents: [gpt]}
roles:
  - {name: service, members: {apps: [portal]}, permissions: {agents: [gpt]}}
`, filepath.Join(dir, "data"), srv.URL+"/v1"))
	s := startServe(t, path, nil)
	status, body := s.chat(t, appSecret, "gpt", "hello")
	if status != http.StatusBadGateway || !strings.Contains(body, `"egress_denied"`) {
		t.Fatalf("chat: %d %s", status, body)
	}
	var refused string
	for _, r := range auditRows(t, filepath.Join(dir, "data")) {
		if strings.HasPrefix(r, "egress.refused|denied|palisade|") {
			refused = r
		}
	}
	if refused == "" || !strings.Contains(refused, `"code":"egress_redirect_denied"`) || !strings.Contains(refused, `"cause":"egress_`) {
		t.Fatalf("egress refusal audit = %q", refused)
	}
	if strings.Contains(refused, "abc123secret") || strings.Contains(refused, "/admin") {
		t.Errorf("the audit event keeps the path or query: %s", refused)
	}
}
