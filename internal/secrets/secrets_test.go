package secrets_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"

	"github.com/palisade-gw/palisade/internal/secrets"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

// newStore returns an empty in-memory SQLite store.
func newStore(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newKeyset returns a new JSON keyset and its KEK.
func newKeyset(t testing.TB) ([]byte, *secrets.KEK) {
	t.Helper()
	ks, err := secrets.GenerateKeyset()
	if err != nil {
		t.Fatal(err)
	}
	return ks, parse(t, ks)
}

func parse(t testing.TB, ks []byte) *secrets.KEK {
	t.Helper()
	k, err := secrets.ParseKeyset(ks)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// recorder keeps every Access, and fails the audit when fail is set.
type recorder struct {
	mu   sync.Mutex
	got  []secrets.Access
	fail bool
}

func (r *recorder) audit(_ context.Context, a secrets.Access) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, a)
	if r.fail {
		return errors.New("audit log unreachable")
	}
	return nil
}

func (r *recorder) setFail(v bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = v
}

func (r *recorder) accesses() []secrets.Access {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]secrets.Access(nil), r.got...)
}

func (r *recorder) last() secrets.Access {
	a := r.accesses()
	if len(a) == 0 {
		return secrets.Access{}
	}
	return a[len(a)-1]
}

var clock = time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)

// newManager returns a manager with a fresh store and keyset, auditing to
// a recorder.
func newManager(t testing.TB) (*secrets.Manager, *sqlite.Store, *secrets.KEK, *recorder) {
	t.Helper()
	st := newStore(t)
	_, kek := newKeyset(t)
	rec := &recorder{}
	m := secrets.New(st, kek, secrets.Options{Audit: rec.audit, Now: func() time.Time { return clock }})
	return m, st, kek, rec
}

func put(t testing.TB, m *secrets.Manager, name, value string) secrets.Info {
	t.Helper()
	info, err := m.Put(context.Background(), name, []byte(value), "alice")
	if err != nil {
		t.Fatalf("Put(%s): %v", name, err)
	}
	return info
}

func get(t testing.TB, m *secrets.Manager, name string) (string, secrets.Info) {
	t.Helper()
	v, info, err := m.Get(context.Background(), name, "upstream:hr-agent", "gateway")
	if err != nil {
		t.Fatalf("Get(%s): %v", name, err)
	}
	return string(v), info
}

// wantErr fails unless err is target and its text does not hold secret.
func wantErr(t testing.TB, what string, err, target error, secret string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: %v, want %v", what, err, target)
	}
	if err != nil && secret != "" && strings.Contains(err.Error(), secret) {
		t.Errorf("%s: the error text holds the secret value: %v", what, err)
	}
}

// Ensure a value comes back as stored, as a copy, and the store holds no
// plaintext.
func TestRoundTrip(t *testing.T) {
	m, st, kek, _ := newManager(t)
	const value = "sk-live-0123456789abcdef"
	info := put(t, m, "openai.api-key", value)
	if info.Version != 1 || !info.Enabled || info.KEKID != kek.ID() || info.CreatedBy != "alice" || !info.CreatedAt.Equal(clock) || info.Versions != 1 {
		t.Errorf("Put Info = %+v", info)
	}
	got, ginfo := get(t, m, "openai.api-key")
	if got != value {
		t.Errorf("Get = %q, want %q", got, value)
	}
	if ginfo.Version != 1 || ginfo.Name != "openai.api-key" || ginfo.KEKID != kek.ID() {
		t.Errorf("Get Info = %+v", ginfo)
	}
	// The returned slice is the caller's own.
	v1, _, _ := m.Get(t.Context(), "openai.api-key", "p", "a")
	clear(v1)
	if again, _ := get(t, m, "openai.api-key"); again != value {
		t.Errorf("Get after clearing an earlier result = %q", again)
	}
	rec, err := st.GetSecretVersion(t.Context(), "openai.api-key", 1)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec.Ciphertext, []byte(value)) || bytes.Contains(rec.WrappedKey, []byte(value)) || rec.KEKID != kek.ID() {
		t.Errorf("stored record holds the plaintext or the wrong KEKID: %q", rec.KEKID)
	}
	if _, err := m.Resolve("openai.api-key"); err != nil {
		t.Errorf("Resolve: %v", err)
	}
	if s, _ := m.Resolve("openai.api-key"); s != value {
		t.Errorf("Resolve = %q", s)
	}
	if m.Sealed() {
		t.Error("Sealed() = true with a KEK")
	}
}

// Ensure Put adds versions, Get returns the latest and GetVersion any, and
// Rotate needs an existing secret.
func TestVersions(t *testing.T) {
	m, _, _, _ := newManager(t)
	ctx := t.Context()
	for i := 1; i <= 3; i++ {
		if info := put(t, m, "db", "pw-"+strconv.Itoa(i)); info.Version != i || info.Versions != i {
			t.Errorf("Put #%d: version %d (of %d)", i, info.Version, info.Versions)
		}
	}
	if v, info := get(t, m, "db"); v != "pw-3" || info.Version != 3 {
		t.Errorf("Get = %q v%d, want pw-3 v3", v, info.Version)
	}
	for i := 1; i <= 3; i++ {
		v, info, err := m.GetVersion(ctx, "db", i, "p", "a")
		if err != nil || string(v) != "pw-"+strconv.Itoa(i) || info.Version != i {
			t.Errorf("GetVersion(%d) = %q v%d, %v", i, v, info.Version, err)
		}
	}
	_, _, err := m.GetVersion(ctx, "db", 4, "p", "a")
	wantErr(t, "GetVersion(4)", err, secrets.ErrNotFound, "")
	_, _, err = m.Get(ctx, "nope", "p", "a")
	wantErr(t, "Get(missing)", err, secrets.ErrNotFound, "")

	if _, err := m.Rotate(ctx, "nope", []byte("x"), "alice"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("Rotate(missing) = %v, want ErrNotFound", err)
	}
	if _, err := m.ListVersions(ctx, "nope"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("ListVersions(missing) = %v, want ErrNotFound", err)
	}
	info, err := m.Rotate(ctx, "db", []byte("pw-4"), "bob")
	if err != nil || info.Version != 4 || info.CreatedBy != "bob" {
		t.Fatalf("Rotate = %+v, %v", info, err)
	}
	put(t, m, "api", "k")
	list, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "api" || list[1].Name != "db" || list[1].Version != 4 || list[1].Versions != 4 || !list[1].Enabled {
		t.Errorf("List = %+v", list)
	}
	vs, err := m.ListVersions(ctx, "db")
	if err != nil || len(vs) != 4 || vs[0].Version != 1 || vs[3].Version != 4 {
		t.Errorf("ListVersions = %+v, %v", vs, err)
	}
}

// Ensure disabled versions are never returned, Get falls back to the
// latest enabled version, and disabling everything refuses reads.
func TestDisable(t *testing.T) {
	m, _, _, rec := newManager(t)
	ctx := t.Context()
	for i := 1; i <= 3; i++ {
		put(t, m, "db", "pw-"+strconv.Itoa(i))
	}
	if err := m.Disable(ctx, "db", 3, "alice"); err != nil {
		t.Fatal(err)
	}
	if a := rec.last(); a.Op != secrets.OpDisable || a.Version != 3 || a.Outcome != secrets.OutcomeOK {
		t.Errorf("audited %+v", a)
	}
	if err := m.Disable(ctx, "db", 3, "alice"); err != nil {
		t.Errorf("Disable again: %v", err)
	}
	_, _, err := m.GetVersion(ctx, "db", 3, "p", "a")
	wantErr(t, "GetVersion(disabled)", err, secrets.ErrDisabled, "pw-3")
	if v, info := get(t, m, "db"); v != "pw-2" || info.Version != 2 {
		t.Errorf("Get with the latest disabled = %q v%d, want pw-2 v2", v, info.Version)
	}
	if err := m.Disable(ctx, "db", 0, "alice"); err != nil {
		t.Fatal(err)
	}
	_, _, err = m.Get(ctx, "db", "p", "a")
	wantErr(t, "Get(all disabled)", err, secrets.ErrDisabled, "pw-")
	if a := rec.last(); a.Op != secrets.OpRefused || a.Reason != "disabled" || a.Name != "db" {
		t.Errorf("refused read audited as %+v", a)
	}
	for i := 1; i <= 3; i++ {
		_, _, err := m.GetVersion(ctx, "db", i, "p", "a")
		wantErr(t, fmt.Sprintf("GetVersion(%d) after disabling all", i), err, secrets.ErrDisabled, "pw-")
	}
	list, err := m.List(ctx)
	if err != nil || len(list) != 1 || list[0].Enabled || list[0].DisabledAt.IsZero() {
		t.Errorf("List after disabling all = %+v, %v", list, err)
	}
	wantErr(t, "Disable(missing)", m.Disable(ctx, "nope", 0, "a"), secrets.ErrNotFound, "")
	wantErr(t, "Disable(missing version)", m.Disable(ctx, "db", 9, "a"), secrets.ErrNotFound, "")
	// A new version brings the secret back.
	put(t, m, "db", "pw-4")
	if v, _ := get(t, m, "db"); v != "pw-4" {
		t.Errorf("Get after a new version = %q", v)
	}
}

// Ensure a Manager without a KEK refuses reads and writes with ErrSealed
// but still lists and disables.
func TestSealed(t *testing.T) {
	m, st, _, _ := newManager(t)
	put(t, m, "db", "hunter2")
	rec := &recorder{}
	sealed := secrets.New(st, nil, secrets.Options{Audit: rec.audit})
	if !sealed.Sealed() {
		t.Error("Sealed() = false without a KEK")
	}
	_, _, err := sealed.Get(t.Context(), "db", "p", "a")
	wantErr(t, "Get", err, secrets.ErrSealed, "hunter2")
	if err != nil && !strings.Contains(err.Error(), "sealed") {
		t.Errorf("ErrSealed text %q does not say sealed", err)
	}
	_, err = sealed.Put(t.Context(), "db", []byte("x"), "a")
	wantErr(t, "Put", err, secrets.ErrSealed, "")
	_, err = sealed.Rotate(t.Context(), "db", []byte("x"), "a")
	wantErr(t, "Rotate", err, secrets.ErrSealed, "")
	_, err = sealed.Rewrap(t.Context(), "a")
	wantErr(t, "Rewrap", err, secrets.ErrSealed, "")
	_, err = sealed.Resolve("db")
	wantErr(t, "Resolve", err, secrets.ErrSealed, "hunter2")
	if list, err := sealed.List(t.Context()); err != nil || len(list) != 1 {
		t.Errorf("List while sealed = %+v, %v", list, err)
	}
	if err := sealed.Disable(t.Context(), "db", 1, "a"); err != nil {
		t.Errorf("Disable while sealed: %v", err)
	}
	for _, a := range rec.accesses()[:4] {
		if a.Outcome != secrets.OutcomeRefused || a.Reason != "sealed" {
			t.Errorf("sealed refusal audited as %+v", a)
		}
	}
}

// tampered is a store whose reads pass through fn, as if rows had been
// edited in the database.
type tampered struct {
	store.Secrets
	fn func(*store.SecretVersion)
}

func (s tampered) GetSecretVersion(ctx context.Context, name string, version int) (store.SecretVersion, error) {
	v, err := s.Secrets.GetSecretVersion(ctx, name, version)
	if err == nil {
		s.fn(&v)
	}
	return v, err
}

// Ensure a ciphertext or wrapped key altered, or moved to another record
// or version, fails with ErrIntegrity and no plaintext.
func TestIntegrity(t *testing.T) {
	m, st, kek, _ := newManager(t)
	ctx := t.Context()
	put(t, m, "alpha", "alpha-secret-value")
	put(t, m, "bravo", "bravo-secret-value")
	a1, err := st.GetSecretVersion(ctx, "alpha", 1)
	if err != nil {
		t.Fatal(err)
	}
	b1, err := st.GetSecretVersion(ctx, "bravo", 1)
	if err != nil {
		t.Fatal(err)
	}

	// Row A's ciphertext and wrapped key copied into a record B, through
	// the store.
	copied := a1
	copied.Name = "charlie"
	if err := st.PutSecretVersion(ctx, copied); err != nil {
		t.Fatal(err)
	}
	_, _, err = m.Get(ctx, "charlie", "p", "a")
	wantErr(t, "A's row copied to another name", err, secrets.ErrIntegrity, "alpha-secret-value")

	// The same bytes stored as version 2 of the same secret.
	bumped := a1
	bumped.Version = 2
	if err := st.PutSecretVersion(ctx, bumped); err != nil {
		t.Fatal(err)
	}
	_, _, err = m.Get(ctx, "alpha", "p", "a")
	wantErr(t, "version bump", err, secrets.ErrIntegrity, "alpha-secret-value")
	if v, _, err := m.GetVersion(ctx, "alpha", 1, "p", "a"); err != nil || string(v) != "alpha-secret-value" {
		t.Errorf("the untouched version 1 = %q, %v", v, err)
	}

	flip := func(b []byte) []byte { c := bytes.Clone(b); c[len(c)-1] ^= 1; return c }
	for _, tc := range []struct {
		name string
		fn   func(*store.SecretVersion)
	}{
		{"both swapped between records", func(v *store.SecretVersion) { v.Ciphertext, v.WrappedKey = a1.Ciphertext, a1.WrappedKey }},
		{"ciphertext swapped", func(v *store.SecretVersion) { v.Ciphertext = a1.Ciphertext }},
		{"wrapped key swapped", func(v *store.SecretVersion) { v.WrappedKey = a1.WrappedKey }},
		{"ciphertext altered", func(v *store.SecretVersion) { v.Ciphertext = flip(v.Ciphertext) }},
		{"wrapped key altered", func(v *store.SecretVersion) { v.WrappedKey = flip(v.WrappedKey) }},
		{"ciphertext truncated", func(v *store.SecretVersion) { v.Ciphertext = v.Ciphertext[:3] }},
	} {
		tm := secrets.New(tampered{st, func(v *store.SecretVersion) {
			if v.Name == "bravo" {
				tc.fn(v)
			}
		}}, kek, secrets.Options{})
		_, _, err := tm.Get(ctx, "bravo", "p", "a")
		wantErr(t, tc.name, err, secrets.ErrIntegrity, "bravo-secret-value")
		if err != nil && strings.Contains(err.Error(), "alpha-secret-value") {
			t.Errorf("%s: error holds another secret: %v", tc.name, err)
		}
	}
	// Untampered, bravo still reads.
	if v, _ := get(t, m, "bravo"); v != "bravo-secret-value" {
		t.Errorf("bravo = %q", v)
	}
	_ = b1
}

// Ensure a KEK that lacks the key id says ErrKeyVersion and names it, and
// a KEK with the right id but other key material says ErrIntegrity.
func TestWrongKEK(t *testing.T) {
	m, st, kek, _ := newManager(t)
	put(t, m, "db", "hunter2")
	_, other := newKeyset(t)
	_, _, err := secrets.New(st, other, secrets.Options{}).Get(t.Context(), "db", "p", "a")
	wantErr(t, "another keyset", err, secrets.ErrKeyVersion, "hunter2")
	if err != nil && !strings.Contains(err.Error(), kek.ID()) {
		t.Errorf("ErrKeyVersion does not name the missing key %s: %v", kek.ID(), err)
	}

	// Two AEADs under one ID: the id matches, the key does not.
	st2 := newStore(t)
	k1 := genericKEK(t, "kms:test")
	k2 := genericKEK(t, "kms:test")
	if _, err := secrets.New(st2, k1, secrets.Options{}).Put(t.Context(), "db", []byte("hunter2"), "a"); err != nil {
		t.Fatal(err)
	}
	if v, _, err := secrets.New(st2, k1, secrets.Options{}).Get(t.Context(), "db", "p", "a"); err != nil || string(v) != "hunter2" {
		t.Fatalf("NewKEK round trip = %q, %v", v, err)
	}
	_, _, err = secrets.New(st2, k2, secrets.Options{}).Get(t.Context(), "db", "p", "a")
	wantErr(t, "same id, other key", err, secrets.ErrIntegrity, "hunter2")
}

func genericKEK(t *testing.T, id string) *secrets.KEK {
	t.Helper()
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	a, err := aead.New(h)
	if err != nil {
		t.Fatal(err)
	}
	k, err := secrets.NewKEK(id, a)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// dropKey returns the JSON keyset without the key named by kekID
// ("keyset:N").
func dropKey(t *testing.T, ks []byte, kekID string) []byte {
	t.Helper()
	id, err := strconv.ParseUint(strings.TrimPrefix(kekID, "keyset:"), 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(ks)))
	if err != nil {
		t.Fatal(err)
	}
	km := keyset.NewManagerFromHandle(h)
	if err := km.Delete(uint32(id)); err != nil {
		t.Fatal(err)
	}
	if h, err = km.Handle(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Ensure RotateKeyset adds a primary, old values still decrypt, Rewrap
// moves every data key to it, and then the old key can go.
func TestKEKRotation(t *testing.T) {
	st := newStore(t)
	ctx := t.Context()
	ks1, kek1 := newKeyset(t)
	m1 := secrets.New(st, kek1, secrets.Options{})
	put(t, m1, "a", "value-a")
	put(t, m1, "b", "value-b1")
	put(t, m1, "b", "value-b2")
	if err := m1.Disable(ctx, "b", 1, "alice"); err != nil {
		t.Fatal(err)
	}

	ks2, err := secrets.RotateKeyset(ks1)
	if err != nil {
		t.Fatal(err)
	}
	kek2 := parse(t, ks2)
	if kek2.ID() == kek1.ID() {
		t.Fatalf("RotateKeyset kept the primary %s", kek1.ID())
	}
	rec := &recorder{}
	m2 := secrets.New(st, kek2, secrets.Options{Audit: rec.audit})
	if v, _ := get(t, m2, "a"); v != "value-a" {
		t.Errorf("old value under the rotated keyset = %q", v)
	}
	if info := put(t, m2, "c", "value-c"); info.KEKID != kek2.ID() {
		t.Errorf("new version wrapped by %s, want the new primary %s", info.KEKID, kek2.ID())
	}

	// Without the old key, before Rewrap: ErrKeyVersion naming it.
	ks3 := dropKey(t, ks2, kek1.ID())
	early := secrets.New(st, parse(t, ks3), secrets.Options{})
	_, _, err = early.Get(ctx, "a", "p", "x")
	wantErr(t, "old key removed before rewrap", err, secrets.ErrKeyVersion, "value-a")
	if err != nil && !strings.Contains(err.Error(), kek1.ID()) {
		t.Errorf("ErrKeyVersion does not name %s: %v", kek1.ID(), err)
	}

	n, err := m2.Rewrap(ctx, "alice")
	if err != nil || n != 3 {
		t.Fatalf("Rewrap = %d, %v; want 3 (a v1, b v1, b v2)", n, err)
	}
	rewraps := 0
	for _, a := range rec.accesses() {
		if a.Op == secrets.OpRewrap {
			rewraps++
			if a.Reason != kek1.ID()+" -> "+kek2.ID() {
				t.Errorf("rewrap audited with reason %q", a.Reason)
			}
		}
	}
	if rewraps != 3 {
		t.Errorf("%d rewraps audited, want 3", rewraps)
	}
	all, err := st.ListSecretVersions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range all {
		if v.KEKID != kek2.ID() {
			t.Errorf("%s v%d still wrapped by %s", v.Name, v.Version, v.KEKID)
		}
	}
	if n, err := m2.Rewrap(ctx, "alice"); err != nil || n != 0 {
		t.Errorf("second Rewrap = %d, %v; want 0", n, err)
	}

	// Now the old key can go.
	m3 := secrets.New(st, parse(t, ks3), secrets.Options{})
	for name, want := range map[string]string{"a": "value-a", "b": "value-b2", "c": "value-c"} {
		if v, _ := get(t, m3, name); v != want {
			t.Errorf("%s without the old key = %q, want %q", name, v, want)
		}
	}
	if v, _, err := m3.GetVersion(ctx, "b", 2, "p", "x"); err != nil || string(v) != "value-b2" {
		t.Errorf("b v2 = %q, %v", v, err)
	}
}

// Ensure Options.Retired unwraps data keys of another KEK and Rewrap moves
// them to the current one.
func TestRetiredKEK(t *testing.T) {
	st := newStore(t)
	old := genericKEK(t, "kms:old")
	put(t, secrets.New(st, old, secrets.Options{}), "db", "hunter2")
	_, next := newKeyset(t)
	_, _, err := secrets.New(st, next, secrets.Options{}).Get(t.Context(), "db", "p", "a")
	wantErr(t, "without the retired KEK", err, secrets.ErrKeyVersion, "hunter2")
	m := secrets.New(st, next, secrets.Options{Retired: []*secrets.KEK{old}})
	if v, _ := get(t, m, "db"); v != "hunter2" {
		t.Errorf("through the retired KEK = %q", v)
	}
	if n, err := m.Rewrap(t.Context(), "a"); err != nil || n != 1 {
		t.Fatalf("Rewrap = %d, %v", n, err)
	}
	if v, _ := get(t, secrets.New(st, next, secrets.Options{}), "db"); v != "hunter2" {
		t.Errorf("after rewrap, without the retired KEK = %q", v)
	}
}

// Ensure every read, change and refusal is audited before a value is
// released, and no value appears in an Access or an error.
func TestAudit(t *testing.T) {
	m, st, _, rec := newManager(t)
	ctx := t.Context()
	const v1, v2 = "very secret #1", "very secret #2"
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	_, err := m.Put(ctx, "db", []byte(v1), "alice")
	keep(err)
	_, err = m.Rotate(ctx, "db", []byte(v2), "alice")
	keep(err)
	_, _, err = m.Get(ctx, "db", "upstream:hr-agent", "gateway")
	keep(err)
	_, _, err = m.GetVersion(ctx, "db", 1, "tool:leave-balance", "gateway")
	keep(err)
	keep(m.Disable(ctx, "db", 2, "alice"))
	_, _, err = m.GetVersion(ctx, "db", 2, "tool:leave-balance", "gateway")
	keep(err)
	_, _, err = m.Get(ctx, "missing", "p", "gateway")
	keep(err)
	_, err = m.Put(ctx, "db", []byte(strings.Repeat("x", secrets.MaxValueSize+1)), "alice")
	keep(err)
	// A value pasted as a name is neither audited nor echoed.
	_, _, err = m.Get(ctx, v1, "p", "gateway")
	keep(err)
	// Tampered, so the integrity error path is covered too.
	bad, _ := st.GetSecretVersion(ctx, "db", 1)
	bad.Version = 3
	keep(st.PutSecretVersion(ctx, bad))
	_, _, err = m.Get(ctx, "db", "p", "gateway")
	keep(err)

	type row struct{ op, outcome, purpose, reason string }
	var got []row
	for _, a := range rec.accesses() {
		got = append(got, row{a.Op, a.Outcome, a.Purpose, a.Reason})
	}
	want := []row{
		{"put", "ok", "", ""},
		{"rotate", "ok", "", ""},
		{"read", "ok", "upstream:hr-agent", ""},
		{"read", "ok", "tool:leave-balance", ""},
		{"disable", "ok", "", ""},
		{"refused", "refused", "tool:leave-balance", "disabled"},
		{"refused", "refused", "p", "not found"},
		{"put", "refused", "", "invalid value"},
		{"refused", "refused", "p", "invalid name"},
		{"refused", "refused", "p", "integrity check failed"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audited:\n got %v\nwant %v", got, want)
	}
	dump := fmt.Sprintf("%+v %#v", rec.accesses(), rec.accesses())
	for _, e := range errs {
		dump += "\n" + e.Error()
	}
	for _, secret := range []string{v1, v2} {
		if strings.Contains(dump, secret) {
			t.Errorf("a value appears in an Access or an error:\n%s", dump)
		}
	}
	if len(errs) != 5 {
		t.Errorf("%d errors, want 5: %v", len(errs), errs)
	}
}

// Ensure a failing Audit refuses the operation: no value released, nothing
// stored or changed.
func TestAuditFailureRefuses(t *testing.T) {
	m, st, _, rec := newManager(t)
	ctx := t.Context()
	put(t, m, "db", "hunter2")
	rec.setFail(true)

	v, info, err := m.Get(ctx, "db", "p", "a")
	wantErr(t, "Get", err, secrets.ErrAudit, "hunter2")
	if v != nil || info != (secrets.Info{}) {
		t.Errorf("Get released %q %+v despite the audit failure", v, info)
	}
	_, err = m.Put(ctx, "db", []byte("new-value"), "a")
	wantErr(t, "Put", err, secrets.ErrAudit, "new-value")
	_, err = m.Put(ctx, "other", []byte("x"), "a")
	wantErr(t, "Put(new)", err, secrets.ErrAudit, "")
	wantErr(t, "Disable", m.Disable(ctx, "db", 0, "a"), secrets.ErrAudit, "")
	_, err = m.Resolve("db")
	wantErr(t, "Resolve", err, secrets.ErrAudit, "hunter2")

	all, err := st.ListSecretVersions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Disabled {
		t.Errorf("store changed despite audit failures: %+v", all)
	}
	rec.setFail(false)
	if v, _ := get(t, m, "db"); v != "hunter2" {
		t.Errorf("Get after the audit recovers = %q", v)
	}
}

// Ensure names and values outside the rules are refused.
func TestValidation(t *testing.T) {
	m, _, _, _ := newManager(t)
	ctx := t.Context()
	for _, name := range []string{"", "1abc", "_a", "a/b", "a b", "../etc", strings.Repeat("a", 129), "ä"} {
		_, err := m.Put(ctx, name, []byte("v"), "a")
		wantErr(t, fmt.Sprintf("Put(%q)", name), err, secrets.ErrInvalidName, "")
		_, _, err = m.Get(ctx, name, "p", "a")
		wantErr(t, fmt.Sprintf("Get(%q)", name), err, secrets.ErrInvalidName, "")
	}
	for _, name := range []string{"a", "A.b-c_d9", "a" + strings.Repeat("b", 127)} {
		put(t, m, name, "v")
	}
	for _, n := range []int{0, secrets.MaxValueSize + 1} {
		_, err := m.Put(ctx, "v", make([]byte, n), "a")
		wantErr(t, fmt.Sprintf("Put(%d bytes)", n), err, secrets.ErrInvalidValue, "")
	}
	big := bytes.Repeat([]byte{0xff, 0}, secrets.MaxValueSize/2)
	if _, err := m.Put(ctx, "big", big, "a"); err != nil {
		t.Fatalf("Put(64 KiB): %v", err)
	}
	if v, _, err := m.Get(ctx, "big", "p", "a"); err != nil || !bytes.Equal(v, big) {
		t.Errorf("Get(64 KiB) = %d bytes, %v", len(v), err)
	}
}

// Ensure a store that cannot be reached is ErrUnavailable, which wraps
// store.ErrUnavailable.
func TestUnavailable(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, kek := newKeyset(t)
	m := secrets.New(st, kek, secrets.Options{})
	put(t, m, "db", "hunter2")
	st.Close()
	_, _, err = m.Get(t.Context(), "db", "p", "a")
	wantErr(t, "Get", err, secrets.ErrUnavailable, "hunter2")
	wantErr(t, "Get", err, store.ErrUnavailable, "hunter2")
	_, err = m.Put(t.Context(), "db", []byte("x"), "a")
	wantErr(t, "Put", err, secrets.ErrUnavailable, "")
}

// racer is a store that lets a concurrent writer take the next version
// just before each of the first n puts.
type racer struct {
	store.Secrets
	mu    sync.Mutex
	n     int
	other *secrets.Manager
}

func (r *racer) PutSecretVersion(ctx context.Context, v store.SecretVersion) error {
	r.mu.Lock()
	steal := r.n > 0
	r.n--
	r.mu.Unlock()
	if steal {
		if _, err := r.other.Put(ctx, v.Name, []byte("theirs"), "other"); err != nil {
			return err
		}
	}
	return r.Secrets.PutSecretVersion(ctx, v)
}

// Ensure concurrent Puts of one name get distinct, consecutive versions.
func TestConcurrentPut(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, kek := newKeyset(t)
	m := secrets.New(st, kek, secrets.Options{})
	const writers = 8
	versions := make([]int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			info, err := m.Put(t.Context(), "race", []byte("v"+strconv.Itoa(i)), "w")
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
			versions[i] = info.Version
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, v := range versions {
		if v < 1 || v > writers || seen[v] {
			t.Errorf("versions %v are not 1..%d, each once", versions, writers)
			break
		}
		seen[v] = true
	}
	for i := 1; i <= writers; i++ {
		if _, _, err := m.GetVersion(t.Context(), "race", i, "p", "a"); err != nil {
			t.Errorf("version %d: %v", i, err)
		}
	}

	// Deterministically: another writer takes the version twice.
	rec := &recorder{}
	r := &racer{Secrets: st, n: 2, other: m}
	mr := secrets.New(r, kek, secrets.Options{Audit: rec.audit})
	info, err := mr.Put(t.Context(), "race", []byte("mine"), "me")
	if err != nil || info.Version != writers+3 {
		t.Fatalf("Put racing twice = v%d, %v; want v%d", info.Version, err, writers+3)
	}
	if v, _, err := m.GetVersion(t.Context(), "race", writers+3, "p", "a"); err != nil || string(v) != "mine" {
		t.Errorf("v%d = %q, %v", writers+3, v, err)
	}
	failed := 0
	for _, a := range rec.accesses() {
		if a.Outcome == secrets.OutcomeFailed {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("%d failed puts audited, want 2: %+v", failed, rec.accesses())
	}
}

// Ensure keysets load from a file and an environment variable, as JSON or
// base64, and bad input is refused.
func TestLoadKeyset(t *testing.T) {
	ks, kek := newKeyset(t)
	path := filepath.Join(t.TempDir(), "kek.json")
	if err := os.WriteFile(path, ks, 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile, err := secrets.LoadKeysetFile(path)
	if err != nil || fromFile.ID() != kek.ID() {
		t.Fatalf("LoadKeysetFile = %v, %v", fromFile, err)
	}
	t.Setenv("PALISADE_TEST_KEK", string(ks))
	fromEnv, err := secrets.LoadKeysetEnv("PALISADE_TEST_KEK")
	if err != nil || fromEnv.ID() != kek.ID() {
		t.Fatalf("LoadKeysetEnv(JSON) = %v, %v", fromEnv, err)
	}
	t.Setenv("PALISADE_TEST_KEK", base64.StdEncoding.EncodeToString(ks))
	fromEnv, err = secrets.LoadKeysetEnv("PALISADE_TEST_KEK")
	if err != nil || fromEnv.ID() != kek.ID() {
		t.Fatalf("LoadKeysetEnv(base64) = %v, %v", fromEnv, err)
	}
	// A value stored under one loads under the others.
	st := newStore(t)
	put(t, secrets.New(st, fromFile, secrets.Options{}), "db", "hunter2")
	if v, _ := get(t, secrets.New(st, fromEnv, secrets.Options{}), "db"); v != "hunter2" {
		t.Errorf("Get under the env keyset = %q", v)
	}
	if _, err := secrets.LoadKeysetEnv("PALISADE_TEST_KEK_UNSET"); err == nil {
		t.Error("LoadKeysetEnv(unset) succeeded")
	}
	if _, err := secrets.LoadKeysetFile(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("LoadKeysetFile(missing) succeeded")
	}
	for _, bad := range []string{"", "{}", "not base64!", `{"primaryKeyId":1,"key":[]}`} {
		if _, err := secrets.ParseKeyset([]byte(bad)); err == nil {
			t.Errorf("ParseKeyset(%q) succeeded", bad)
		}
	}
	// A keyset of another key type is refused.
	h, err := keyset.NewHandle(aead.ChaCha20Poly1305KeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.ParseKeyset(buf.Bytes()); err == nil {
		t.Error("ParseKeyset(ChaCha20 keyset) succeeded")
	}
}

// Ensure AssociatedData is the documented encoding.
func TestAssociatedData(t *testing.T) {
	got := secrets.AssociatedData("palisade-secret", "db", 258)
	want := []byte("\x00\x00\x00\x0fpalisade-secret\x00\x00\x00\x02db\x00\x00\x00\x00\x00\x00\x01\x02")
	if !bytes.Equal(got, want) {
		t.Errorf("AssociatedData = %q, want %q", got, want)
	}
	// Length prefixes keep ("ab", 1) and ("a", ...) apart.
	if bytes.Equal(secrets.AssociatedData("x", "ab", 1), secrets.AssociatedData("xa", "b", 1)) {
		t.Error("AssociatedData is ambiguous")
	}
}

// BenchmarkGet measures a read: the store query, the data key's unwrap and
// the value's decryption.
func BenchmarkGet(b *testing.B) {
	st := newStore(b)
	_, kek := newKeyset(b)
	m := secrets.New(st, kek, secrets.Options{Audit: func(context.Context, secrets.Access) error { return nil }})
	if _, err := m.Put(context.Background(), "openai.api-key", bytes.Repeat([]byte("k"), 64), "bench"); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("manager", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, _, err := m.Get(ctx, "openai.api-key", "upstream:bench", "bench")
			if err != nil {
				b.Fatal(err)
			}
			clear(v)
		}
	})
	// The store's read alone, to tell the decryption's share.
	b.Run("store-only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.GetSecretVersion(ctx, "openai.api-key", 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}
