package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/palisade-gw/palisade/internal/config"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errw bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errw)
	return code, out.String(), errw.String()
}

// Ensure an invalid configuration refuses to start, naming the file and
// line of every problem.
func TestServeRefusesInvalidConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	bad := "server:\n  addr: 127.0.0.1:0\nagents:\n  - name: hr\n    environment: nowhere\n    kind: knowledge\n    colour: blue\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"serve", "--config", path}, {"config", "validate", path}} {
		code, _, stderr := runCLI(t, args...)
		if code != 1 || !strings.Contains(stderr, path+":7:") || !strings.Contains(stderr, "colour") {
			t.Fatalf("%v: code %d, stderr %q", args, code, stderr)
		}
	}
}

func TestConfigValidateGood(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "good.yaml")
	if err := os.MkdirAll(filepath.Join(dir, "kb"), 0o700); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(dir, "kb", "a.md"), []byte("# Leave\n\nYou get 25 days.\n"), 0o600)
	good := "environments:\n  - name: prod\n    region: eu-west\nagents:\n  - name: hr\n    environment: prod\n    kind: knowledge\n    knowledge:\n      - name: kb\n        path: kb\n"
	_ = os.WriteFile(path, []byte(good), 0o600)
	code, out, stderr := runCLI(t, "config", "validate", path)
	if code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("code %d out %q err %q", code, out, stderr)
	}
}

func TestMisuseExitCode(t *testing.T) {
	if code, _, _ := runCLI(t, "serve"); code != 2 {
		t.Fatalf("serve without --config: code %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "frobnicate"); code != 2 {
		t.Fatalf("unknown command: code %d, want 2", code)
	}
	if code, out, _ := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "palisade ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "config", "schema"); code != 0 || !strings.Contains(out, `"$schema"`) {
		t.Fatalf("schema: %d %.100q", code, out)
	}
}

// Ensure a served configuration with an identity provider and roles
// trims the knowledge agent to what each caller may read: the
// HR-staff-only document is quoted to a user in the hr group, and never to
// another user or to the app's own credential.
func TestPermissionTrimmedKnowledge(t *testing.T) {
	dir := t.TempDir()
	if err := writeDemoKnowledge(dir); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k", Algorithm: "RS256", Use: "sig"}}})
	}))
	defer jwks.Close()
	token := func(sub string, groups ...string) string {
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k"))
		now := time.Now()
		b, _ := json.Marshal(map[string]any{"iss": "https://idp.example", "aud": "palisade", "sub": sub, "azp": "hr-portal",
			"groups": groups, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
		jws, _ := s.Sign(b)
		out, _ := jws.CompactSerialize()
		return out
	}
	const secret = "an-app-secret-that-is-long-enough-0123456789"
	t.Setenv("TEST_APP_SECRET", secret)
	cfgText := fmt.Sprintf(`data_dir: %q
environments: [{name: prod, region: eu}]
agents:
  - {name: hr, environment: prod, kind: knowledge, knowledge: [{name: hr, path: hr}]}
apps:
  - {name: portal, secrets: ["${env:TEST_APP_SECRET}"], client_ids: [hr-portal], agents: [hr]}
identity:
  issuers:
    - {name: corp, issuer: "https://idp.example", jwks_url: %q, audiences: [palisade], zone: loopback}
roles:
  - {name: employee, members: {all_users: true, apps: [portal]}, permissions: {agents: [hr]}}
  - {name: hr-staff, members: {groups: ["corp:hr"]}, permissions: {knowledge: [hr-confidential]}}
`, filepath.Join(dir, "data"), jwks.URL)
	path := filepath.Join(dir, "p.yaml")
	_ = os.WriteFile(path, []byte(cfgText), 0o600)
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
	defer func() { cancel(); <-done }()
	base := "http://" + <-ready
	ask := func(cred string) string {
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/chat/completions", strings.NewReader(
			`{"model":"hr","messages":[{"role":"user","content":"What is the pay review budget?"}]}`))
		req.Header.Set("Authorization", "Bearer "+cred)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		return string(b)
	}
	if got := ask(token("hana", "hr")); !strings.Contains(got, "3.5%") {
		t.Errorf("an hr user is not answered from the HR-staff document: %s", got)
	}
	for name, cred := range map[string]string{"employee": token("eve", "sales"), "app credential": secret} {
		if got := ask(cred); strings.Contains(got, "3.5%") {
			t.Errorf("%s was answered from the HR-staff document: %s", name, got)
		}
	}
}
