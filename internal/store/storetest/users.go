package storetest

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var userTests = []subTest{
	{"CreateGet", testUserCreateGet},
	{"Duplicate", testUserDuplicate},
	{"NotFound", testUserNotFound},
	{"List", testUserList},
	{"Update", testUserUpdate},
	{"UpdateRefused", testUserUpdateRefused},
	{"UpdateConcurrent", testUserUpdateConcurrent},
	{"Delete", testUserDelete},
	{"SecretsNotPrinted", testUserSecretsNotPrinted},
}

// newUser returns a valid user created at created, with every field set.
func newUser(username string, created time.Time) store.User {
	return store.User{
		Username:       username,
		DisplayName:    "Alice Example",
		Email:          username + "@example.com",
		Groups:         []string{"hr", "staff"},
		PasswordHash:   "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		TOTPSecret:     "v1:sealed-secret",
		TOTPLastStep:   58_000_000,
		Passkeys:       `[{"id":"cGFzc2tleS1pZA","publicKey":"cHVibGljLWtleQ","signCount":7,"name":"Laptop ✓"}]`,
		Disabled:       false,
		FailedAttempts: 2,
		LockedUntil:    created.Add(time.Minute),
		CreatedAt:      created,
		UpdatedAt:      created.Add(time.Second),
	}
}

func mustCreateUser(t *testing.T, s store.Store, u store.User) {
	t.Helper()
	if err := s.CreateUser(testContext(t), u); err != nil {
		t.Fatalf("CreateUser(%q): %v", u.Username, err)
	}
}

func mustGetUser(t *testing.T, s store.Store, username string) store.User {
	t.Helper()
	u, err := s.GetUser(testContext(t), username)
	if err != nil {
		t.Fatalf("GetUser(%q): %v", username, err)
	}
	return u
}

// Ensure a user reads back exactly as stored, times in UTC, and that a
// user with zero and empty fields does too.
func testUserCreateGet(t *testing.T, s store.Store) {
	want := newUser("alice", t0)
	mustCreateUser(t, s, want)
	got := mustGetUser(t, s, "alice")
	if diff := cmp.Diff(want, got, diffOpts...); diff != "" {
		t.Errorf("GetUser (-want +got):\n%s", diff)
	}
	checkTime(t, "CreatedAt", want.CreatedAt, got.CreatedAt)
	checkTime(t, "LockedUntil", want.LockedUntil, got.LockedUntil)

	bare := store.User{Username: "bob", PasswordHash: "h", CreatedAt: t0, UpdatedAt: t0, Disabled: true}
	mustCreateUser(t, s, bare)
	got = mustGetUser(t, s, "bob")
	if diff := cmp.Diff(bare, got, diffOpts...); diff != "" {
		t.Errorf("GetUser(bare) (-want +got):\n%s", diff)
	}
	if !got.LockedUntil.IsZero() {
		t.Errorf("LockedUntil = %v, want the zero time", got.LockedUntil)
	}
}

// Ensure a taken username is refused with ErrAlreadyExists and the first
// user is kept.
func testUserDuplicate(t *testing.T, s store.Store) {
	first := newUser("alice", t0)
	mustCreateUser(t, s, first)
	second := newUser("alice", t0.Add(time.Hour))
	second.DisplayName = "Impostor"
	if err := s.CreateUser(testContext(t), second); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("CreateUser(duplicate) = %v, want ErrAlreadyExists", err)
	}
	if got := mustGetUser(t, s, "alice"); got.DisplayName != first.DisplayName {
		t.Errorf("DisplayName = %q after a refused duplicate, want %q", got.DisplayName, first.DisplayName)
	}
	if err := s.CreateUser(testContext(t), store.User{}); err == nil {
		t.Error("CreateUser(empty username) succeeded, want an error")
	}
}

// Ensure an absent user is ErrNotFound for every operation that names one.
func testUserNotFound(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if _, err := s.GetUser(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser(absent) = %v, want ErrNotFound", err)
	}
	called := false
	err := s.UpdateUser(ctx, "nobody", func(u store.User) (store.User, error) { called = true; return u, nil })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateUser(absent) = %v, want ErrNotFound", err)
	}
	if called {
		t.Error("UpdateUser(absent) called fn")
	}
	if err := s.DeleteUser(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteUser(absent) = %v, want ErrNotFound", err)
	}
	if us, err := s.ListUsers(ctx); err != nil || len(us) != 0 {
		t.Errorf("ListUsers on a fresh store = %d users, %v; want none", len(us), err)
	}
}

// Ensure ListUsers returns every user ordered by username, in byte order.
func testUserList(t *testing.T, s store.Store) {
	names := []string{"carol", "Zed", "alice", "bob", "alice.b"}
	for i, n := range names {
		mustCreateUser(t, s, newUser(n, t0.Add(time.Duration(i)*time.Second)))
	}
	us, err := s.ListUsers(testContext(t))
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	var got []string
	for _, u := range us {
		got = append(got, u.Username)
	}
	want := []string{"Zed", "alice", "alice.b", "bob", "carol"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListUsers order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(newUser("bob", t0.Add(3*time.Second)), us[3], diffOpts...); diff != "" {
		t.Errorf("ListUsers()[3] (-want +got):\n%s", diff)
	}
}

// Ensure UpdateUser hands fn the stored user and stores every field fn
// changes, including clearing them.
func testUserUpdate(t *testing.T, s store.Store) {
	orig := newUser("alice", t0)
	mustCreateUser(t, s, orig)
	var seen store.User
	want := orig
	want.DisplayName = "Alice B. Example"
	want.Email = ""
	want.Groups = []string{"admins"}
	want.PasswordHash = "$argon2id$new"
	want.TOTPSecret = ""
	want.TOTPLastStep = 0
	want.Passkeys = `[{"id":"bmV3","signCount":8}, {"id":"c2Vjb25k"}]`
	want.Disabled = true
	want.FailedAttempts = 0
	want.LockedUntil = time.Time{}
	want.UpdatedAt = t0.Add(time.Hour)
	err := s.UpdateUser(testContext(t), "alice", func(u store.User) (store.User, error) {
		seen = u
		return want, nil
	})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if diff := cmp.Diff(orig, seen, diffOpts...); diff != "" {
		t.Errorf("fn got (-stored +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustGetUser(t, s, "alice"), diffOpts...); diff != "" {
		t.Errorf("after UpdateUser (-want +got):\n%s", diff)
	}
	// Groups and passkeys can be emptied.
	if err := s.UpdateUser(testContext(t), "alice", func(u store.User) (store.User, error) {
		u.Groups = nil
		u.Passkeys = ""
		return u, nil
	}); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if got := mustGetUser(t, s, "alice"); len(got.Groups) != 0 || got.Passkeys != "" {
		t.Errorf("Groups = %q, Passkeys = %q after clearing, want none", got.Groups, got.Passkeys)
	}
}

// Ensure fn's error comes back unchanged and stores nothing, and that a
// changed username is refused.
func testUserUpdateRefused(t *testing.T, s store.Store) {
	orig := newUser("alice", t0)
	mustCreateUser(t, s, orig)
	errNo := errors.New("no, thank you")
	err := s.UpdateUser(testContext(t), "alice", func(u store.User) (store.User, error) {
		u.Disabled = true
		return u, errNo
	})
	if err != errNo {
		t.Errorf("UpdateUser(fn fails) = %v, want fn's error unchanged", err)
	}
	err = s.UpdateUser(testContext(t), "alice", func(u store.User) (store.User, error) {
		u.Username = "mallory"
		u.Disabled = true
		return u, nil
	})
	if err == nil {
		t.Error("UpdateUser(changing the username) succeeded, want an error")
	}
	if diff := cmp.Diff(orig, mustGetUser(t, s, "alice"), diffOpts...); diff != "" {
		t.Errorf("user changed by refused updates (-want +got):\n%s", diff)
	}
	if _, err := s.GetUser(testContext(t), "mallory"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser(mallory) = %v, want ErrNotFound", err)
	}
}

// Ensure concurrent updates of one user are serialised: no increment of
// the failure counter is lost (the lockout depends on it).
func testUserUpdateConcurrent(t *testing.T, s store.Store) {
	u := newUser("alice", t0)
	u.FailedAttempts = 0
	mustCreateUser(t, s, u)
	const workers, each = 6, 5
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			for range each {
				if err := s.UpdateUser(testContext(t), "alice", func(u store.User) (store.User, error) {
					u.FailedAttempts++
					return u, nil
				}); err != nil {
					t.Errorf("worker %d: UpdateUser: %v", i, err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if got := mustGetUser(t, s, "alice").FailedAttempts; got != workers*each {
		t.Errorf("FailedAttempts = %d after %d concurrent increments, want %d", got, workers*each, workers*each)
	}
}

// Ensure DeleteUser removes only the named user.
func testUserDelete(t *testing.T, s store.Store) {
	mustCreateUser(t, s, newUser("alice", t0))
	mustCreateUser(t, s, newUser("bob", t0))
	if err := s.DeleteUser(testContext(t), "alice"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := s.GetUser(testContext(t), "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser(deleted) = %v, want ErrNotFound", err)
	}
	mustGetUser(t, s, "bob")
	// The name can be taken again.
	mustCreateUser(t, s, newUser("alice", t0.Add(time.Hour)))
}

// Ensure a user printed or logged by mistake does not show its password
// hash, TOTP secret or passkeys.
func testUserSecretsNotPrinted(t *testing.T, s store.Store) {
	u := newUser("alice", t0)
	mustCreateUser(t, s, u)
	got := mustGetUser(t, s, "alice")
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("user", "user", got)
	for _, out := range []string{fmt.Sprint(got), fmt.Sprintf("%v %+v %#v %s", got, got, got, got), logged.String()} {
		if strings.Contains(out, u.PasswordHash) || strings.Contains(out, u.TOTPSecret) || strings.Contains(out, "cHVibGljLWtleQ") {
			t.Errorf("a secret was printed: %s", out)
		}
		if !strings.Contains(out, "alice") {
			t.Errorf("the username is missing: %s", out)
		}
	}
}
