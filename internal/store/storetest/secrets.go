package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var secretTests = []subTest{
	{"Empty", testSecretsEmpty},
	{"PutGetList", testSecretsPutGetList},
	{"Duplicate", testSecretsDuplicate},
	{"Disable", testSecretsDisable},
	{"Rewrap", testSecretsRewrap},
	{"Invalid", testSecretsInvalid},
	{"ConcurrentPut", testSecretsConcurrentPut},
	{"ConcurrentRewrap", testSecretsConcurrentRewrap},
}

// newSecretVersion returns a valid version whose bytes tell name and
// version apart (and include bytes that are not valid UTF-8).
func newSecretVersion(name string, version int, at time.Time) store.SecretVersion {
	return store.SecretVersion{
		Name:       name,
		Version:    version,
		Ciphertext: []byte(fmt.Sprintf("ct\x00\xff-%s-%d", name, version)),
		WrappedKey: []byte(fmt.Sprintf("wk\x00\xfe-%s-%d", name, version)),
		KEKID:      "keyset:1234",
		CreatedAt:  at,
		CreatedBy:  "alice",
	}
}

// Ensure a fresh store has no secrets and says so with ErrNotFound.
func testSecretsEmpty(t *testing.T, s store.Store) {
	ctx := testContext(t)
	for _, v := range []int{0, 1} {
		if _, err := s.GetSecretVersion(ctx, "db-password", v); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetSecretVersion(version %d) on a fresh store: %v, want ErrNotFound", v, err)
		}
	}
	if vs, err := s.ListSecretVersions(ctx, ""); err != nil || len(vs) != 0 {
		t.Errorf("ListSecretVersions on a fresh store = %d, %v; want none", len(vs), err)
	}
	if err := s.DisableSecretVersion(ctx, "db-password", 1, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DisableSecretVersion of a missing secret: %v, want ErrNotFound", err)
	}
	if err := s.RewrapSecretVersion(ctx, "db-password", 1, "keyset:1", []byte("w"), "keyset:2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RewrapSecretVersion of a missing secret: %v, want ErrNotFound", err)
	}
}

// Ensure versions come back byte for byte, version 0 is the latest, and
// lists are ordered by name then version.
func testSecretsPutGetList(t *testing.T, s store.Store) {
	ctx := testContext(t)
	var all []store.SecretVersion
	// Stored out of order, to catch an ordering by insertion.
	for _, nv := range []struct {
		name    string
		version int
	}{{"zeta", 1}, {"alpha", 2}, {"alpha", 1}, {"Beta", 1}, {"alpha", 10}, {"alpha", 3}} {
		v := newSecretVersion(nv.name, nv.version, t0.Add(time.Duration(nv.version)*time.Minute))
		if err := s.PutSecretVersion(ctx, v); err != nil {
			t.Fatalf("PutSecretVersion(%s v%d): %v", nv.name, nv.version, err)
		}
		all = append(all, v)
	}
	got, err := s.GetSecretVersion(ctx, "alpha", 3)
	if err != nil {
		t.Fatalf("GetSecretVersion(alpha, 3): %v", err)
	}
	if diff := cmp.Diff(newSecretVersion("alpha", 3, t0.Add(3*time.Minute)), got, diffOpts...); diff != "" {
		t.Errorf("GetSecretVersion(alpha, 3) (-want +got):\n%s", diff)
	}
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt location %v, want UTC", got.CreatedAt.Location())
	}
	latest, err := s.GetSecretVersion(ctx, "alpha", 0)
	if err != nil || latest.Version != 10 {
		t.Errorf("GetSecretVersion(alpha, 0) = version %d, %v; want the latest, 10", latest.Version, err)
	}
	if _, err := s.GetSecretVersion(ctx, "alpha", 4); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSecretVersion(alpha, 4): %v, want ErrNotFound", err)
	}

	list, err := s.ListSecretVersions(ctx, "")
	if err != nil {
		t.Fatalf("ListSecretVersions: %v", err)
	}
	var keys []string
	for _, v := range list {
		keys = append(keys, fmt.Sprintf("%s/%d", v.Name, v.Version))
	}
	want := []string{"Beta/1", "alpha/1", "alpha/2", "alpha/3", "alpha/10", "zeta/1"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("ListSecretVersions order (-want +got):\n%s", diff)
	}
	for _, v := range list {
		if diff := cmp.Diff(newSecretVersion(v.Name, v.Version, t0.Add(time.Duration(v.Version)*time.Minute)), v, diffOpts...); diff != "" {
			t.Errorf("listed %s v%d (-want +got):\n%s", v.Name, v.Version, diff)
		}
	}
	one, err := s.ListSecretVersions(ctx, "alpha")
	if err != nil || len(one) != 4 || one[0].Version != 1 || one[3].Version != 10 {
		t.Errorf("ListSecretVersions(alpha) = %d versions, %v; want 1, 2, 3, 10", len(one), err)
	}
	if none, err := s.ListSecretVersions(ctx, "missing"); err != nil || len(none) != 0 {
		t.Errorf("ListSecretVersions(missing) = %d, %v; want none", len(none), err)
	}
}

// Ensure a taken (name, version) is refused and the stored one unchanged.
func testSecretsDuplicate(t *testing.T, s store.Store) {
	ctx := testContext(t)
	v := newSecretVersion("api-key", 1, t0)
	if err := s.PutSecretVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	other := v
	other.Ciphertext, other.WrappedKey = []byte("other"), []byte("other")
	if err := s.PutSecretVersion(ctx, other); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("PutSecretVersion of a taken version: %v, want ErrAlreadyExists", err)
	}
	got, err := s.GetSecretVersion(ctx, "api-key", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v, got, diffOpts...); diff != "" {
		t.Errorf("stored version changed by a refused put (-want +got):\n%s", diff)
	}
}

// Ensure disabling marks one version only, is idempotent and keeps the
// first DisabledAt.
func testSecretsDisable(t *testing.T, s store.Store) {
	ctx := testContext(t)
	for v := 1; v <= 2; v++ {
		if err := s.PutSecretVersion(ctx, newSecretVersion("token", v, t0)); err != nil {
			t.Fatal(err)
		}
	}
	at := t0.Add(time.Hour)
	if err := s.DisableSecretVersion(ctx, "token", 1, at); err != nil {
		t.Fatalf("DisableSecretVersion: %v", err)
	}
	if err := s.DisableSecretVersion(ctx, "token", 1, at.Add(time.Hour)); err != nil {
		t.Fatalf("DisableSecretVersion again: %v", err)
	}
	v1, err := s.GetSecretVersion(ctx, "token", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !v1.Disabled || !v1.DisabledAt.Equal(at) {
		t.Errorf("version 1: Disabled %v at %v, want true at %v", v1.Disabled, v1.DisabledAt, at)
	}
	v2, err := s.GetSecretVersion(ctx, "token", 0)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.Disabled || !v2.DisabledAt.IsZero() {
		t.Errorf("latest = version %d Disabled %v at %v, want version 2 enabled", v2.Version, v2.Disabled, v2.DisabledAt)
	}
	if err := s.DisableSecretVersion(ctx, "token", 3, at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DisableSecretVersion of a missing version: %v, want ErrNotFound", err)
	}
	// The latest stays the latest when disabled.
	if err := s.DisableSecretVersion(ctx, "token", 2, at); err != nil {
		t.Fatal(err)
	}
	if v, err := s.GetSecretVersion(ctx, "token", 0); err != nil || v.Version != 2 || !v.Disabled {
		t.Errorf("latest after disabling it = version %d Disabled %v, %v; want version 2 disabled", v.Version, v.Disabled, err)
	}
}

// Ensure a re-wrap replaces the wrapped key and KEKID only when the KEKID
// is still the one given, and reports a changed one as ErrConflict.
func testSecretsRewrap(t *testing.T, s store.Store) {
	ctx := testContext(t)
	v := newSecretVersion("smtp", 1, t0)
	if err := s.PutSecretVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := s.RewrapSecretVersion(ctx, "smtp", 1, "keyset:1234", []byte("new-wrap"), "keyset:5678"); err != nil {
		t.Fatalf("RewrapSecretVersion: %v", err)
	}
	want := v
	want.WrappedKey, want.KEKID = []byte("new-wrap"), "keyset:5678"
	got, err := s.GetSecretVersion(ctx, "smtp", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, diffOpts...); diff != "" {
		t.Errorf("after rewrap (-want +got):\n%s", diff)
	}
	// A stale oldKEKID: conflict, nothing changed.
	if err := s.RewrapSecretVersion(ctx, "smtp", 1, "keyset:1234", []byte("stale"), "keyset:9999"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("RewrapSecretVersion with a stale KEKID: %v, want ErrConflict", err)
	}
	if got, err := s.GetSecretVersion(ctx, "smtp", 1); err != nil || got.KEKID != "keyset:5678" || string(got.WrappedKey) != "new-wrap" {
		t.Errorf("after a refused rewrap: KEKID %q wrapped %q, %v; want unchanged", got.KEKID, got.WrappedKey, err)
	}
	if err := s.RewrapSecretVersion(ctx, "smtp", 2, "keyset:5678", []byte("x"), "keyset:1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RewrapSecretVersion of a missing version: %v, want ErrNotFound", err)
	}
}

// Ensure a version the table cannot hold is refused with ErrInvalid.
func testSecretsInvalid(t *testing.T, s store.Store) {
	ctx := testContext(t)
	bad := map[string]func(*store.SecretVersion){
		"empty name":        func(v *store.SecretVersion) { v.Name = "" },
		"version 0":         func(v *store.SecretVersion) { v.Version = 0 },
		"negative version":  func(v *store.SecretVersion) { v.Version = -1 },
		"empty ciphertext":  func(v *store.SecretVersion) { v.Ciphertext = nil },
		"empty wrapped key": func(v *store.SecretVersion) { v.WrappedKey = nil },
		"empty KEKID":       func(v *store.SecretVersion) { v.KEKID = "" },
	}
	for name, mutate := range bad {
		v := newSecretVersion("x", 1, t0)
		mutate(&v)
		if err := s.PutSecretVersion(ctx, v); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: PutSecretVersion: %v, want ErrInvalid", name, err)
		}
	}
	if vs, err := s.ListSecretVersions(ctx, ""); err != nil || len(vs) != 0 {
		t.Errorf("after refused puts: %d versions, %v; want none", len(vs), err)
	}
}

// Ensure of writers racing for one version exactly one wins, and the
// others get ErrAlreadyExists.
func testSecretsConcurrentPut(t *testing.T, s store.Store) {
	ctx := testContext(t)
	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			v := newSecretVersion("race", 1, t0)
			v.CreatedBy = fmt.Sprintf("writer-%d", i)
			errs[i] = s.PutSecretVersion(ctx, v)
		})
	}
	wg.Wait()
	checkOneWinner(t, errs, store.ErrAlreadyExists, "PutSecretVersion writers")
	if vs, err := s.ListSecretVersions(ctx, "race"); err != nil || len(vs) != 1 {
		t.Errorf("ListSecretVersions(race) = %d, %v; want 1", len(vs), err)
	}
}

// Ensure of re-wraps racing from one KEKID exactly one applies.
func testSecretsConcurrentRewrap(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if err := s.PutSecretVersion(ctx, newSecretVersion("race", 1, t0)); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			errs[i] = s.RewrapSecretVersion(ctx, "race", 1, "keyset:1234", []byte(fmt.Sprintf("w%d", i)), fmt.Sprintf("keyset:%d", i))
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if won >= 0 {
				t.Errorf("writers %d and %d both re-wrapped", won, i)
			}
			won = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("writer %d: %v, want nil or ErrConflict", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no re-wrap applied")
	}
	got, err := s.GetSecretVersion(ctx, "race", 1)
	if err != nil || got.KEKID != fmt.Sprintf("keyset:%d", won) || string(got.WrappedKey) != fmt.Sprintf("w%d", won) {
		t.Errorf("stored KEKID %q wrapped %q, %v; want the winner's, %d", got.KEKID, got.WrappedKey, err, won)
	}
}
