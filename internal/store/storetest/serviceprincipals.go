package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var servicePrincipalTests = []subTest{
	{"CreateGet", testSPCreateGet},
	{"Duplicate", testSPDuplicate},
	{"NotFound", testSPNotFound},
	{"List", testSPList},
	{"Update", testSPUpdate},
	{"UpdateConflict", testSPUpdateConflict},
	{"Delete", testSPDelete},
	{"HashesNotPrinted", testSPHashesNotPrinted},
	{"AssertionIDs", testAssertionIDs},
	{"AssertionIDsConcurrent", testAssertionIDsConcurrent},
}

// newSP returns a service principal with every field set.
func newSP(name string, created time.Time) store.ServicePrincipal {
	return store.ServicePrincipal{
		Name: name, Description: "the " + name + " robot",
		SecretHashes: []string{"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", "$hmac-sha256$b2xk"},
		PublicKeys:   []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`),
		Federation: []store.FederatedIdentity{
			{Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:acme/app:ref:refs/heads/main", Audience: "palisade"},
			{Issuer: "https://accounts.google.com", Subject: "1234", Audience: "https://palisade.example.com"},
		},
		CreatedAt: created, UpdatedAt: created,
	}
}

// Ensure a created service principal reads back unchanged.
func testSPCreateGet(t *testing.T, s store.Store) {
	ctx := testContext(t)
	want := newSP("build-bot", t0)
	if err := s.CreateServicePrincipal(ctx, want); err != nil {
		t.Fatalf("CreateServicePrincipal: %v", err)
	}
	got, err := s.GetServicePrincipal(ctx, "build-bot")
	if err != nil {
		t.Fatalf("GetServicePrincipal: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetServicePrincipal (-want +got):\n%s", diff)
	}
	// A bare one: empty lists read back as nil.
	bare := store.ServicePrincipal{Name: "bare", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateServicePrincipal(ctx, bare); err != nil {
		t.Fatalf("CreateServicePrincipal(bare): %v", err)
	}
	got, err = s.GetServicePrincipal(ctx, "bare")
	if err != nil {
		t.Fatalf("GetServicePrincipal(bare): %v", err)
	}
	if diff := cmp.Diff(bare, got); diff != "" {
		t.Errorf("GetServicePrincipal(bare) (-want +got):\n%s", diff)
	}
	if err := s.CreateServicePrincipal(ctx, store.ServicePrincipal{}); err == nil {
		t.Error("CreateServicePrincipal(empty name) succeeded, want an error")
	}
}

// Ensure a taken name is refused with ErrAlreadyExists and the first
// record stays.
func testSPDuplicate(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if err := s.CreateServicePrincipal(ctx, newSP("a", t0)); err != nil {
		t.Fatal(err)
	}
	other := newSP("a", t0.Add(time.Hour))
	other.Description = "impostor"
	if err := s.CreateServicePrincipal(ctx, other); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("CreateServicePrincipal(dup) = %v, want ErrAlreadyExists", err)
	}
	got, err := s.GetServicePrincipal(ctx, "a")
	if err != nil || got.Description != "the a robot" {
		t.Errorf("after a refused duplicate: %+v, %v", got, err)
	}
}

// Ensure absent service principals are ErrNotFound for every call.
func testSPNotFound(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if _, err := s.GetServicePrincipal(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetServicePrincipal = %v, want ErrNotFound", err)
	}
	if err := s.UpdateServicePrincipal(ctx, newSP("nobody", t0), t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateServicePrincipal = %v, want ErrNotFound", err)
	}
	if err := s.DeleteServicePrincipal(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteServicePrincipal = %v, want ErrNotFound", err)
	}
	if sps, err := s.ListServicePrincipals(ctx); err != nil || len(sps) != 0 {
		t.Errorf("ListServicePrincipals on a fresh store = %v, %v; want none", sps, err)
	}
}

// Ensure the list is ordered by name in byte order.
func testSPList(t *testing.T, s store.Store) {
	ctx := testContext(t)
	for _, n := range []string{"zeta", "alpha", "Beta", "a.b", "a-b"} {
		if err := s.CreateServicePrincipal(ctx, newSP(n, t0)); err != nil {
			t.Fatal(err)
		}
	}
	sps, err := s.ListServicePrincipals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sp := range sps {
		names = append(names, sp.Name)
	}
	if diff := cmp.Diff([]string{"Beta", "a-b", "a.b", "alpha", "zeta"}, names); diff != "" {
		t.Errorf("ListServicePrincipals order (-want +got):\n%s", diff)
	}
}

// Ensure an update replaces the whole record.
func testSPUpdate(t *testing.T, s store.Store) {
	ctx := testContext(t)
	sp := newSP("bot", t0)
	if err := s.CreateServicePrincipal(ctx, sp); err != nil {
		t.Fatal(err)
	}
	next := sp
	next.Description = ""
	next.SecretHashes = []string{"$hmac-sha256$bmV3"}
	next.PublicKeys = nil
	next.Federation = nil
	next.Disabled = true
	next.UpdatedAt = t0.Add(time.Minute)
	if err := s.UpdateServicePrincipal(ctx, next, sp.UpdatedAt); err != nil {
		t.Fatalf("UpdateServicePrincipal: %v", err)
	}
	got, err := s.GetServicePrincipal(ctx, "bot")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(next, got); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}
}

// Ensure an update based on a stale read is refused with ErrConflict,
// and of concurrent updates from the same read exactly one wins.
func testSPUpdateConflict(t *testing.T, s store.Store) {
	ctx := testContext(t)
	sp := newSP("bot", t0)
	if err := s.CreateServicePrincipal(ctx, sp); err != nil {
		t.Fatal(err)
	}
	const callers = 6
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			next := sp
			next.Description = fmt.Sprintf("writer %d", i)
			next.UpdatedAt = t0.Add(time.Duration(i+1) * time.Second)
			errs[i] = s.UpdateServicePrincipal(ctx, next, sp.UpdatedAt)
		})
	}
	wg.Wait()
	checkOneWinner(t, errs, store.ErrConflict, "UpdateServicePrincipal writers")
	got, err := s.GetServicePrincipal(ctx, "bot")
	if err != nil || !strings.HasPrefix(got.Description, "writer ") {
		t.Errorf("after the race: %+v, %v", got, err)
	}
}

// Ensure a deleted service principal is gone.
func testSPDelete(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if err := s.CreateServicePrincipal(ctx, newSP("bot", t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteServicePrincipal(ctx, "bot"); err != nil {
		t.Fatalf("DeleteServicePrincipal: %v", err)
	}
	if _, err := s.GetServicePrincipal(ctx, "bot"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetServicePrincipal after delete = %v, want ErrNotFound", err)
	}
}

// Ensure printing a service principal does not show its hashes.
func testSPHashesNotPrinted(t *testing.T, _ store.Store) {
	sp := newSP("bot", t0)
	for _, out := range []string{fmt.Sprint(sp), fmt.Sprintf("%+v", sp), fmt.Sprintf("%#v", sp)} {
		if strings.Contains(out, "argon2id") || strings.Contains(out, "hmac") {
			t.Errorf("printed service principal shows a hash: %s", out)
		}
	}
}

// Ensure an assertion ID is accepted once while unexpired, and again once
// expired.
func testAssertionIDs(t *testing.T, s store.Store) {
	ctx := testContext(t)
	later := time.Now().Add(time.Hour)
	if err := s.UseAssertionID(ctx, "sp:bot jti-1", later); err != nil {
		t.Fatalf("UseAssertionID: %v", err)
	}
	if err := s.UseAssertionID(ctx, "sp:bot jti-1", later); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("UseAssertionID(replay) = %v, want ErrAlreadyExists", err)
	}
	if err := s.UseAssertionID(ctx, "sp:other jti-1", later); err != nil {
		t.Errorf("UseAssertionID(same jti, other client) = %v, want nil", err)
	}
	past := time.Now().Add(-time.Second)
	if err := s.UseAssertionID(ctx, "sp:bot old", past); err != nil {
		t.Fatalf("UseAssertionID(expired): %v", err)
	}
	if err := s.UseAssertionID(ctx, "sp:bot old", later); err != nil {
		t.Errorf("UseAssertionID(after expiry) = %v, want nil", err)
	}
	if err := s.UseAssertionID(ctx, "", later); err == nil {
		t.Error("UseAssertionID(empty) succeeded, want an error")
	}
}

// Ensure of concurrent uses of one assertion ID exactly one succeeds.
func testAssertionIDsConcurrent(t *testing.T, s store.Store) {
	ctx := testContext(t)
	const callers = 8
	errs := make([]error, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			<-start
			errs[i] = s.UseAssertionID(ctx, "sp:bot race", time.Now().Add(time.Hour))
		})
	}
	close(start)
	wg.Wait()
	checkOneWinner(t, errs, store.ErrAlreadyExists, "UseAssertionID callers")
}
