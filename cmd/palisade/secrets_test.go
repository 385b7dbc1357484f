package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/palisade-gw/palisade/internal/mockllm"
)

// runCLIInput runs the CLI with stdin.
func runCLIInput(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errw bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errw)
	return code, out.String(), errw.String()
}

// secretsFixture is a data directory with a key-encryption keyset, a mock
// model server that insists on its API key, and a configuration whose
// upstream key is ${secret:model-key}.
type secretsFixture struct {
	dir, data, keyset, cfgPath string
	modelKey                   string
	appSecret                  string
}

func newSecretsFixture(t *testing.T, withKEK bool) *secretsFixture {
	t.Helper()
	f := &secretsFixture{dir: t.TempDir(), modelKey: "sk-model-key-VALUE-0123456789abcdef", appSecret: "an-app-secret-that-is-long-enough-0123456789"}
	f.data = filepath.Join(f.dir, "data")
	f.keyset = filepath.Join(f.dir, "kek.json")
	mock, err := mockllm.New(mockllm.Config{APIKey: f.modelKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	t.Setenv("TEST_APP_SECRET", f.appSecret)
	kek := ""
	if withKEK {
		if code, _, errOut := runCLI(t, "secrets", "keygen", "--out", f.keyset); code != 0 {
			t.Fatalf("keygen: %d %s", code, errOut)
		}
		kek = fmt.Sprintf("secrets: {kek: {keyset_file: %q}}\n", f.keyset)
	}
	f.cfgPath = writeConfig(t, f.dir, fmt.Sprintf(`data_dir: %q
%senvironments: [{name: prod, region: eu}]
agents:
  - name: gpt
    environment: prod
    kind: openai
    upstream: {url: %q, model: m, api_key: "${secret:model-key}", zone: loopback}
apps:
  - {name: portal, secrets: ["${env:TEST_APP_SECRET}"], agents: [gpt]}
roles:
  - {name: service, members: {apps: [portal]}, permissions: {agents: [gpt]}}
`, f.data, kek, srv.URL+"/v1"))
	return f
}

// auditRows returns type|outcome|actor|data of every audit event.
func auditRows(t *testing.T, dataDir string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dataDir, "palisade.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT type, outcome, actor, CAST(data AS TEXT) FROM audit_events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var typ, outcome, actor, data string
		if err := rows.Scan(&typ, &outcome, &actor, &data); err != nil {
			t.Fatal(err)
		}
		out = append(out, typ+"|"+outcome+"|"+actor+"|"+data)
	}
	return out
}

// Ensure the secret store works end to end from the CLI: a value given on
// standard input is stored encrypted, listed without its value, read by
// the gateway at the point of egress (audited with its purpose), and never
// reaches the audit log, the database in plain text, or a client.
func TestSecretsEndToEnd(t *testing.T) {
	f := newSecretsFixture(t, true)
	if code, out, errOut := runCLIInput(t, f.modelKey+"\n", "secrets", "put", "model-key", "-c", f.cfgPath); code != 0 || !strings.Contains(out, "secret model-key version 1 stored") {
		t.Fatalf("put: %d %q %q", code, out, errOut)
	}
	code, out, _ := runCLI(t, "secrets", "list", "-c", f.cfgPath)
	if code != 0 || !strings.Contains(out, "model-key") || strings.Contains(out, f.modelKey) {
		t.Fatalf("list: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "secrets", "put", "model-key", "-c", f.cfgPath); code != 2 || !strings.Contains(errOut, "no value") {
		t.Errorf("put without a value: %d %q", code, errOut)
	}

	s := startServe(t, f.cfgPath, nil)
	status, body := s.chat(t, f.appSecret, "gpt", "hello")
	if status != 200 {
		t.Fatalf("chat: %d %s", status, body)
	}
	if strings.Contains(body, f.modelKey) {
		t.Fatal("the answer carries the model key")
	}

	raw, err := os.ReadFile(filepath.Join(f.data, "palisade.db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(f.modelKey)) {
		t.Error("the database holds the secret in plain text")
	}
	var read, put bool
	for _, r := range auditRows(t, f.data) {
		if strings.Contains(r, f.modelKey) {
			t.Errorf("audit event holds the secret: %s", r)
		}
		read = read || strings.HasPrefix(r, "secret.read|success|palisade|") && strings.Contains(r, `"purpose":"upstream:gpt"`)
		put = put || strings.HasPrefix(r, "secret.put|success|cli")
	}
	if !read || !put {
		t.Errorf("audit log lacks the secret read (%v) or put (%v):\n%s", read, put, strings.Join(auditRows(t, f.data), "\n"))
	}
}

// Ensure a store started without its key-encryption key is sealed: the CLI
// says so, and a request that needs a secret is refused with 503
// secret_unavailable (audited), without reaching the model server.
func TestSecretsSealed(t *testing.T) {
	f := newSecretsFixture(t, false)
	code, _, errOut := runCLIInput(t, "value\n", "secrets", "put", "model-key", "-c", f.cfgPath)
	if code != 1 || !strings.Contains(errOut, "sealed") {
		t.Fatalf("put while sealed: %d %q", code, errOut)
	}
	var log bytes.Buffer
	s := startServe(t, f.cfgPath, &log)
	status, body := s.chat(t, f.appSecret, "gpt", "hello")
	if status != 503 || !strings.Contains(body, `"secret_unavailable"`) {
		t.Fatalf("chat while sealed: %d %s", status, body)
	}
	if !strings.Contains(log.String(), "the secret store is sealed") {
		t.Errorf("start-up log does not warn about the sealed store:\n%s", log.String())
	}
}

// Ensure a secret's versions, disabling, key rotation and re-wrapping work
// from the CLI, and that a disabled secret refuses the request that needs
// it.
func TestSecretsRotateDisableRewrap(t *testing.T) {
	f := newSecretsFixture(t, true)
	if code, _, errOut := runCLIInput(t, "old-value", "secrets", "put", "model-key", "-c", f.cfgPath); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, errOut := runCLIInput(t, f.modelKey, "secrets", "rotate", "model-key", "-c", f.cfgPath); code != 0 || !strings.Contains(out, "version 2") {
		t.Fatalf("rotate: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLIInput(t, "x", "secrets", "rotate", "no-such", "-c", f.cfgPath); code != 1 || !strings.Contains(errOut, "no such secret") {
		t.Errorf("rotate of a missing secret: %d %q", code, errOut)
	}
	code, out, errOut := runCLI(t, "secrets", "keyrotate", "--keyset", f.keyset)
	if code != 0 || !strings.Contains(out, "new primary key") {
		t.Fatalf("keyrotate: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "secrets", "rewrap", "-c", f.cfgPath); code != 0 || !strings.Contains(out, "2 data key(s) re-wrapped") {
		t.Fatalf("rewrap: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "secrets", "list", "model-key", "--json", "-c", f.cfgPath)
	if code != 0 || strings.Count(out, `"version"`) != 2 {
		t.Fatalf("list versions: %d %s", code, out)
	}
	if code, _, errOut := runCLI(t, "secrets", "disable", "model-key", "-c", f.cfgPath); code != 0 {
		t.Fatal(errOut)
	}
	s := startServe(t, f.cfgPath, nil)
	if status, body := s.chat(t, f.appSecret, "gpt", "hello"); status != 503 || !strings.Contains(body, "secret_unavailable") {
		t.Fatalf("chat with a disabled secret: %d %s", status, body)
	}
}

// Ensure a keyed hash matches equal values, differs between keys and
// between values, and never shows the value.
func TestKeyedHash(t *testing.T) {
	k1, k2 := []byte("key-one-0123456789abcdef01234567"), []byte("key-two-0123456789abcdef01234567")
	a := keyedHash(k1, "203.0.113.7")
	if a != keyedHash(k1, "203.0.113.7") || a == keyedHash(k1, "203.0.113.8") || a == keyedHash(k2, "203.0.113.7") {
		t.Errorf("keyed hashes do not match equal values only: %s", a)
	}
	if strings.Contains(a, "203.0.113") || !strings.HasPrefix(a, "hmac-sha256:") || keyedHash(k1, "") != "" {
		t.Errorf("keyed hash %q", a)
	}
}
