package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

// Ensure `sessions revoke` and `users disable` end a user's sessions in
// the store (every replica sees it on the next request) and record it.
func TestSessionsRevoke(t *testing.T) {
	cfg, db := usersConfig(t)
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, se := range []store.Session{
		{ID: "s1", Issuer: "local", Subject: "alice", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "s2", Issuer: "local", Subject: "alice", SID: "idp-1", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "s3", Issuer: "local", Subject: "bob", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := st.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	for _, bad := range [][]string{{"sessions", "revoke", "-c", cfg}, {"sessions", "revoke", "-c", cfg, "--user", "alice"},
		{"sessions", "revoke", "-c", cfg, "--user", "local:alice", "--provider-session", "local:x"}} {
		if code, _, _ := runCLI(t, bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	code, out, errOut := runCLI(t, "sessions", "revoke", "-c", cfg, "--user", "local:alice")
	if code != 0 || !strings.Contains(out, "2 session(s) revoked") {
		t.Fatalf("revoke: %d %q %q", code, out, errOut)
	}
	if code, out, _ = runCLIIn(t, "a long enough password\n", "users", "add", "bob", "-c", cfg); code != 0 {
		t.Fatalf("users add: %d %s", code, out)
	}
	code, out, errOut = runCLI(t, "users", "disable", "bob", "-c", cfg)
	if code != 0 || !strings.Contains(out, "1 session(s) revoked") {
		t.Fatalf("users disable: %d %q %q", code, out, errOut)
	}

	st, err = sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range []string{"s1", "s2", "s3"} {
		se, err := st.GetSession(ctx, id)
		if err != nil || se.RevokedAt.IsZero() {
			t.Errorf("session %s: revoked at %v, %v", id, se.RevokedAt, err)
		}
	}
	evs, err := st.ListAuditEvents(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	revoked := 0
	for _, ev := range evs {
		if ev.Type == "auth.session_revoked" {
			revoked++
		}
	}
	if revoked != 2 {
		t.Errorf("%d session revocation events, want 2", revoked)
	}
}

// Ensure `tokens revoke` records a revocation the gateway checks, and
// refuses an ambiguous request.
func TestTokensRevoke(t *testing.T) {
	cfg, db := usersConfig(t)
	if code, _, _ := runCLI(t, "tokens", "revoke", "-c", cfg, "--app", "web"); code != 2 {
		t.Errorf("--app without --user: exit %d, want 2", code)
	}
	code, out, errOut := runCLI(t, "tokens", "revoke", "-c", cfg, "--app", "web", "--user", "dl_alice")
	if code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %q %q", code, out, errOut)
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before, err := st.TokensRevokedBefore(context.Background(), identity.UserRevocationKey("web", "dl_alice"))
	if err != nil || before.IsZero() || time.Since(before) > time.Minute {
		t.Errorf("revoked before %v, %v", before, err)
	}
}

// Ensure the sweep removes expired sessions, tickets and revocations and
// keeps live ones.
func TestSweepAuthState(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/j.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	for i, exp := range []time.Time{now.Add(-time.Hour), now.Add(time.Hour)} {
		id := fmt.Sprint(i)
		if err := st.CreateSession(ctx, store.Session{ID: "s" + id, Issuer: "local", Subject: "a", CreatedAt: now, LastSeenAt: now, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		if err := st.PutTicket(ctx, "t"+id, []byte("x"), exp); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeTokens(ctx, "r"+id, now, exp); err != nil {
			t.Fatal(err)
		}
	}
	s, k, r, err := sweepAuthState(ctx, st, now)
	if err != nil || s != 1 || k != 1 || r != 1 {
		t.Fatalf("sweep = %d %d %d %v; want one of each", s, k, r, err)
	}
	if _, err := st.GetSession(ctx, "s1"); err != nil {
		t.Errorf("a live session was removed: %v", err)
	}
}

// Ensure `users passkeys` lists a user's passkeys (none yet) and refuses
// to remove one that does not exist or of an unknown user.
func TestUsersPasskeys(t *testing.T) {
	cfg, _ := usersConfig(t)
	if code, out, _ := runCLIIn(t, "a long enough password\n", "users", "add", "carol", "-c", cfg); code != 0 {
		t.Fatalf("users add: %d %s", code, out)
	}
	code, out, _ := runCLI(t, "users", "passkeys", "carol", "-c", cfg)
	if code != 0 || !strings.HasPrefix(out, "ID") || strings.Count(out, "\n") != 1 {
		t.Errorf("list: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "users", "passkeys", "carol", "--remove", "nope", "-c", cfg); code != 1 || !strings.Contains(errOut, "no passkey") {
		t.Errorf("remove unknown: %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "users", "passkeys", "nobody", "-c", cfg); code == 0 {
		t.Error("listing an unknown user's passkeys succeeded")
	}
}
