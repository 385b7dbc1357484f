package main

import (
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/mockllm"
	"github.com/palisade-gw/palisade/internal/secrets/vaulttest"
)

// vaultCA writes the stand-in Vault's certificate as a CA file.
func vaultCA(t *testing.T, v *vaulttest.Server, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "vault-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: v.HTTPS.Certificate().Raw})
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Ensure a Vault Transit key can be the key-encryption key: secrets stored
// through the CLI are wrapped by Vault (reached through the egress policy,
// its CA and the loopback zone), and a Transit key rotation followed by
// rewrap moves them to the new key version. Vault cannot run here; the
// stand-in speaks Vault's HTTP API.
func TestSecretsVaultTransit(t *testing.T) {
	dir := t.TempDir()
	v := vaulttest.NewServer(t, "hvs.test-token")
	v.CreateTransitKey("transit", "palisade")
	t.Setenv("TEST_VAULT_TOKEN", "hvs.test-token")
	cfgPath := writeConfig(t, dir, fmt.Sprintf(`data_dir: %q
secrets:
  kek:
    vault_transit: {address: "https://%s", key: palisade, token: "${env:TEST_VAULT_TOKEN}", ca_file: %q, zone: loopback}
`, filepath.Join(dir, "data"), v.Host(), vaultCA(t, v, dir)))
	if code, out, errOut := runCLIInput(t, "s3cret-value", "secrets", "put", "tool-key", "-c", cfgPath); code != 0 || !strings.Contains(out, "vault-transit:transit/keys/palisade:v1") {
		t.Fatalf("put: %d %q %q", code, out, errOut)
	}
	v.RotateTransitKey("transit", "palisade")
	if code, out, errOut := runCLI(t, "secrets", "rewrap", "-c", cfgPath); code != 0 || !strings.Contains(out, "1 data key(s) re-wrapped") {
		t.Fatalf("rewrap: %d %q %q", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "secrets", "list", "-c", cfgPath); code != 0 || !strings.Contains(out, "palisade:v2") {
		t.Fatalf("list after rewrap: %d %q", code, out)
	}

	// Without the zone the loopback address of Vault is refused.
	cfgText, _ := os.ReadFile(cfgPath)
	noZone := writeConfig(t, t.TempDir(), strings.Replace(string(cfgText), ", zone: loopback", "", 1))
	if code, _, errOut := runCLI(t, "secrets", "list", "-c", noZone); code == 0 || !strings.Contains(errOut, "secrets.kek.vault_transit.address: egress refuses this destination") {
		t.Fatalf("vault without a zone: %d %q", code, errOut)
	}
}

// Ensure secrets can be read from a Vault KV v2 engine: the gateway reads
// the upstream key from Vault at the point of egress, and the CLI refuses
// to change secrets that Vault manages.
func TestSecretsVaultKV(t *testing.T) {
	dir := t.TempDir()
	v := vaulttest.NewServer(t, "hvs.kv-token")
	const modelKey = "sk-from-vault-VALUE-0123456789abcdef"
	v.PutKV("secret", "palisade/model-key", map[string]any{"value": modelKey})
	mock, err := mockllm.New(mockllm.Config{APIKey: modelKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mock)
	defer srv.Close()
	t.Setenv("TEST_VAULT_TOKEN", "hvs.kv-token")
	const appSecret = "an-app-secret-that-is-long-enough-0123456789"
	t.Setenv("TEST_APP_SECRET", appSecret)
	cfgPath := writeConfig(t, dir, fmt.Sprintf(`data_dir: %q
secrets:
  vault_kv: {address: "https://%s", token: "${env:TEST_VAULT_TOKEN}", ca_file: %q, zone: loopback}
environments: [{name: prod, region: eu}]
agents:
  - name: gpt
    environment: prod
    kind: openai
    upstream: {url: %q, model: m, api_key: "${secret:model-key}", zone: loopback}
apps:
  - {name: portal, secrets: ["${env:TEST_APP_SECRET}"], agents: [gpt]}
roles:
  - {name: service, members: {apps: [portal]}, permissions: {agents: [gpt]}}
`, filepath.Join(dir, "data"), v.Host(), vaultCA(t, v, dir), srv.URL+"/v1"))
	if code, _, errOut := runCLIInput(t, "x", "secrets", "put", "model-key", "-c", cfgPath); code != 1 || !strings.Contains(errOut, "read-only") {
		t.Fatalf("put into Vault-managed secrets: %d %q", code, errOut)
	}
	s := startServe(t, cfgPath, nil)
	if status, body := s.chat(t, appSecret, "gpt", "hello"); status != 200 {
		t.Fatalf("chat with a key from Vault: %d %s", status, body)
	}
	found := false
	for _, r := range auditRows(t, filepath.Join(dir, "data")) {
		if strings.Contains(r, modelKey) {
			t.Errorf("audit event holds the secret: %s", r)
		}
		found = found || strings.HasPrefix(r, "secret.read|success|palisade|")
	}
	if !found {
		t.Error("the read from Vault is not audited")
	}
}
