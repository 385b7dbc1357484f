package secrets_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/secrets"
	"github.com/palisade-gw/palisade/internal/secrets/vaulttest"
)

const vaultToken = "hvs.test-token"

// trust returns a TLS configuration that trusts the stand-in's certificate.
func trust(srv *vaulttest.Server) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(srv.HTTPS.Certificate())
	return &tls.Config{RootCAs: pool}
}

func transitKEK(t *testing.T, srv *vaulttest.Server, token string) *secrets.KEK {
	t.Helper()
	k, err := secrets.NewVaultTransitKEK(secrets.VaultTransitConfig{
		KeyURI: "hcvault://" + srv.Host() + "/transit/keys/palisade",
		Token:  token,
		TLS:    trust(srv),
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Ensure a Vault Transit KEK wraps and unwraps, names the Transit key
// version, binds the associated data, and re-wraps after a Transit
// rotation.
func TestVaultTransitKEK(t *testing.T) {
	srv := vaulttest.NewServer(t, vaultToken)
	srv.CreateTransitKey("transit", "palisade")
	kek := transitKEK(t, srv, vaultToken)
	if kek.ID() != "vault-transit:transit/keys/palisade" {
		t.Errorf("ID = %q", kek.ID())
	}
	st := newStore(t)
	m := secrets.New(st, kek, secrets.Options{})
	info := put(t, m, "db", "hunter2")
	if info.KEKID != "vault-transit:transit/keys/palisade:v1" {
		t.Errorf("KEKID = %q", info.KEKID)
	}
	if v, _ := get(t, m, "db"); v != "hunter2" {
		t.Errorf("Get = %q", v)
	}
	rec, err := st.GetSecretVersion(t.Context(), "db", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(rec.WrappedKey), "vault:v1:") {
		t.Errorf("wrapped key %.12q is not a Transit ciphertext", rec.WrappedKey)
	}
	// Vault enforces the associated data: the wrapped key of one version
	// does not unwrap for another.
	if _, err := kek.AEAD().Decrypt(rec.WrappedKey, secrets.AssociatedData(secrets.KeyLabel, "db", 2)); err == nil {
		t.Error("Transit unwrapped a data key under another version's associated data")
	}
	bumped := rec
	bumped.Version = 2
	if err := st.PutSecretVersion(t.Context(), bumped); err != nil {
		t.Fatal(err)
	}
	_, _, err = m.Get(t.Context(), "db", "p", "a")
	wantErr(t, "version bump under Transit", err, secrets.ErrIntegrity, "hunter2")
	if err := m.Disable(t.Context(), "db", 2, "a"); err != nil {
		t.Fatal(err)
	}

	// Rotate the Transit key: Rewrap moves the data key to v2, and the old
	// version can then be retired in Vault.
	srv.RotateTransitKey("transit", "palisade")
	// The tampered version 2 cannot be unwrapped: Rewrap re-wraps the
	// others and reports it.
	n, err := m.Rewrap(t.Context(), "alice")
	if !errors.Is(err, secrets.ErrIntegrity) || n != 1 {
		t.Fatalf("Rewrap = %d, %v; want 1 and ErrIntegrity for the tampered version", n, err)
	}
	if rec, _ := st.GetSecretVersion(t.Context(), "db", 1); rec.KEKID != "vault-transit:transit/keys/palisade:v2" {
		t.Errorf("after rewrap KEKID = %q", rec.KEKID)
	}
	srv.SetMinDecryptionVersion("transit", "palisade", 2)
	if v, _, err := m.GetVersion(t.Context(), "db", 1, "p", "a"); err != nil || string(v) != "hunter2" {
		t.Errorf("after retiring Transit v1 = %q, %v", v, err)
	}

	// A data key still wrapped by a retired Transit version: ErrKeyVersion.
	rec.Name, rec.Version = "old", 1
	if err := st.PutSecretVersion(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	_, _, err = m.Get(t.Context(), "old", "p", "a")
	wantErr(t, "retired Transit version", err, secrets.ErrKeyVersion, "hunter2")

	// A keyset KEK cannot unwrap Transit-wrapped keys, and says which key
	// it would need.
	_, ks := newKeyset(t)
	_, _, err = secrets.New(st, ks, secrets.Options{}).GetVersion(t.Context(), "db", 1, "p", "a")
	wantErr(t, "keyset KEK on Transit data", err, secrets.ErrKeyVersion, "hunter2")
	if err != nil && !strings.Contains(err.Error(), "vault-transit:transit/keys/palisade:v2") {
		t.Errorf("ErrKeyVersion does not name the Transit key: %v", err)
	}
}

// Ensure a bad token is ErrForbidden and a missing Transit key ErrKeyVersion.
func TestVaultTransitErrors(t *testing.T) {
	srv := vaulttest.NewServer(t, vaultToken)
	srv.CreateTransitKey("transit", "palisade")
	st := newStore(t)
	put(t, secrets.New(st, transitKEK(t, srv, vaultToken), secrets.Options{}), "db", "hunter2")

	bad := secrets.New(st, transitKEK(t, srv, "hvs.wrong"), secrets.Options{})
	_, err := bad.Put(t.Context(), "db", []byte("x"), "a")
	wantErr(t, "Put with a bad token", err, secrets.ErrForbidden, "")
	_, _, err = bad.Get(t.Context(), "db", "p", "a")
	wantErr(t, "Get with a bad token", err, secrets.ErrForbidden, "hunter2")

	if _, err := secrets.NewVaultTransitKEK(secrets.VaultTransitConfig{KeyURI: "https://vault/transit/keys/x", Token: "t"}); err == nil {
		t.Error("NewVaultTransitKEK accepted a non-hcvault URI")
	}
	if _, err := secrets.NewVaultTransitKEK(secrets.VaultTransitConfig{KeyURI: "hcvault://vault/transit/x", Token: "t"}); err == nil {
		t.Error("NewVaultTransitKEK accepted a path without /keys/")
	}
	t.Setenv("PALISADE_TEST_VAULT_TOKEN", "")
	if _, err := secrets.NewVaultTransitKEK(secrets.VaultTransitConfig{KeyURI: "hcvault://vault/transit/keys/x", TokenEnv: "PALISADE_TEST_VAULT_TOKEN"}); err == nil {
		t.Error("NewVaultTransitKEK accepted no token")
	}
	t.Setenv("PALISADE_TEST_VAULT_TOKEN", vaultToken)
	k, err := secrets.NewVaultTransitKEK(secrets.VaultTransitConfig{
		KeyURI: "hcvault://" + srv.Host() + "/transit/keys/missing", TokenEnv: "PALISADE_TEST_VAULT_TOKEN", HTTPClient: srv.HTTPS.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = secrets.New(newStore(t), k, secrets.Options{}).Put(t.Context(), "db", []byte("x"), "a")
	wantErr(t, "Put with a missing Transit key", err, secrets.ErrKeyVersion, "")
}

func newKV(t *testing.T, srv *vaulttest.Server, token string) *secrets.VaultKV {
	t.Helper()
	kv, err := secrets.NewVaultKV(secrets.VaultKVConfig{
		Address: srv.HTTPS.URL, Token: token, Prefix: "palisade/", Client: srv.HTTPS.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

// Ensure VaultKV reads the current and older versions, and reports a
// missing secret, a deleted version, a missing field and a bad token.
func TestVaultKV(t *testing.T) {
	srv := vaulttest.NewServer(t, vaultToken)
	srv.PutKV("secret", "palisade/db", map[string]any{"value": "pw-1", "user": "app"})
	srv.PutKV("secret", "palisade/db", map[string]any{"value": "pw-2"})
	srv.PutKV("secret", "palisade/nofield", map[string]any{"password": "x"})
	kv := newKV(t, srv, vaultToken)
	ctx := t.Context()

	v, n, err := kv.Get(ctx, "db")
	if err != nil || string(v) != "pw-2" || n != 2 {
		t.Errorf("Get = %q v%d, %v; want pw-2 v2", v, n, err)
	}
	v, n, err = kv.GetVersion(ctx, "db", 1)
	if err != nil || string(v) != "pw-1" || n != 1 {
		t.Errorf("GetVersion(1) = %q v%d, %v; want pw-1 v1", v, n, err)
	}
	_, _, err = kv.Get(ctx, "missing")
	wantErr(t, "missing", err, secrets.ErrNotFound, "")
	_, _, err = kv.GetVersion(ctx, "db", 3)
	wantErr(t, "missing version", err, secrets.ErrNotFound, "")
	_, _, err = kv.Get(ctx, "nofield")
	wantErr(t, "missing field", err, secrets.ErrNotFound, "")
	_, _, err = kv.Get(ctx, "../sys")
	wantErr(t, "path in a name", err, secrets.ErrInvalidName, "")
	srv.DeleteKV("secret", "palisade/db", 2)
	_, _, err = kv.Get(ctx, "db")
	wantErr(t, "deleted version", err, secrets.ErrDisabled, "pw-2")

	_, _, err = newKV(t, srv, "hvs.wrong").Get(ctx, "db")
	wantErr(t, "bad token", err, secrets.ErrForbidden, "pw-")

	// Field: another key of the data.
	other, err := secrets.NewVaultKV(secrets.VaultKVConfig{Address: srv.HTTPS.URL, Token: vaultToken,
		Prefix: "palisade/", Field: "user", Client: srv.HTTPS.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, err := other.GetVersion(ctx, "db", 1); err != nil || string(v) != "app" {
		t.Errorf("Field user = %q, %v", v, err)
	}
}

// Ensure a Vault-backed Manager reads through the source with auditing,
// and refuses changes as read-only.
func TestVaultKVManager(t *testing.T) {
	srv := vaulttest.NewServer(t, vaultToken)
	srv.PutKV("secret", "palisade/db", map[string]any{"value": "pw-1"})
	rec := &recorder{}
	m := secrets.NewFromSource(newKV(t, srv, vaultToken), secrets.Options{Audit: rec.audit})
	if m.Sealed() {
		t.Error("a Vault-backed Manager is sealed")
	}
	v, info := get(t, m, "db")
	if v != "pw-1" || info.Version != 1 || !info.Enabled {
		t.Errorf("Get = %q %+v", v, info)
	}
	if a := rec.last(); a.Op != secrets.OpRead || a.Version != 1 || a.Purpose != "upstream:hr-agent" {
		t.Errorf("audited %+v", a)
	}
	if s, err := m.Resolve("db"); err != nil || s != "pw-1" {
		t.Errorf("Resolve = %q, %v", s, err)
	}
	_, _, err := m.Get(t.Context(), "missing", "p", "a")
	wantErr(t, "missing", err, secrets.ErrNotFound, "")
	if a := rec.last(); a.Op != secrets.OpRefused || a.Reason != "not found" {
		t.Errorf("refusal audited as %+v", a)
	}
	_, err = m.Put(t.Context(), "db", []byte("x"), "a")
	wantErr(t, "Put", err, secrets.ErrReadOnly, "")
	if err != nil && !strings.Contains(err.Error(), "Vault") {
		t.Errorf("ErrReadOnly does not say Vault: %v", err)
	}
	_, err = m.Rotate(t.Context(), "db", []byte("x"), "a")
	wantErr(t, "Rotate", err, secrets.ErrReadOnly, "")
	wantErr(t, "Disable", m.Disable(t.Context(), "db", 0, "a"), secrets.ErrReadOnly, "")
	_, err = m.Rewrap(t.Context(), "a")
	wantErr(t, "Rewrap", err, secrets.ErrReadOnly, "")
	_, err = m.List(t.Context())
	wantErr(t, "List", err, secrets.ErrReadOnly, "")

	rec.setFail(true)
	v2, _, err := m.Get(t.Context(), "db", "p", "a")
	if !errors.Is(err, secrets.ErrAudit) || v2 != nil {
		t.Errorf("Get with a failing audit = %q, %v; want ErrAudit and no value", v2, err)
	}
}
