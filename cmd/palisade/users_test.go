package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pquerna/otp"

	"github.com/palisade-gw/palisade/internal/identity/localidp"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

// runCLIIn runs the CLI with stdin.
func runCLIIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errw bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errw)
	return code, out.String(), errw.String()
}

// usersConfig writes a configuration whose store is a SQLite file in a
// temporary directory.
func usersConfig(t *testing.T) (cfgPath, dbPath string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath = filepath.Join(dir, "palisade.yaml")
	if err := os.WriteFile(cfgPath, []byte("data_dir: "+filepath.Join(dir, "data")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, filepath.Join(dir, "data", "palisade.db")
}

// authenticate checks a password against the store, as the IdP does.
func authenticate(t *testing.T, dbPath, username, password string) error {
	t.Helper()
	st, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir, err := localidp.NewDirectory(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dir.Authenticate(context.Background(), username, password)
	return err
}

// Ensure users add, list, disable, enable and reset work end to end on
// the configured store, the password never comes from an argument, and
// --totp prints an otpauth URL.
func TestUsersCommands(t *testing.T) {
	cfg, db := usersConfig(t)
	const pw = "a long enough password"
	code, out, stderr := runCLIIn(t, pw+"\n", "users", "add", "Alice", "--config", cfg,
		"--groups", "hr, staff", "--name", "Alice Example", "--email", "alice@example.com")
	if code != 0 || !strings.Contains(out, "user alice added") {
		t.Fatalf("add: %d %q %q", code, out, stderr)
	}
	if err := authenticate(t, db, "alice", pw); err != nil {
		t.Fatalf("the added user cannot sign in: %v", err)
	}

	// From a file, with TOTP.
	pwFile := filepath.Join(t.TempDir(), "pw")
	_ = os.WriteFile(pwFile, []byte("bob's long password\r\n"), 0o600)
	code, out, stderr = runCLIIn(t, "", "users", "add", "bob", "--config", cfg, "--password-file", pwFile, "--totp")
	if code != 0 {
		t.Fatalf("add --totp: %d %q %q", code, out, stderr)
	}
	var url string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "otpauth://") {
			url = l
		}
	}
	if k, err := otp.NewKeyFromURL(url); err != nil || k.Secret() == "" || k.AccountName() != "bob" {
		t.Fatalf("add --totp printed no usable otpauth URL: %q (%v)", out, err)
	}
	if err := authenticate(t, db, "bob", "bob's long password"); err != nil {
		t.Fatalf("bob (from file) cannot sign in: %v", err)
	}

	// Refusals: duplicate, weak password, no password, password as an
	// argument.
	for name, tc := range map[string]struct {
		stdin string
		args  []string
		code  int
		msg   string
	}{
		"duplicate":     {pw, []string{"users", "add", "alice", "--config", cfg}, 1, "already exists"},
		"short":         {"short", []string{"users", "add", "carol", "--config", cfg}, 1, "at least 12"},
		"same as name":  {"carol.example.org", []string{"users", "add", "carol.example.org", "--config", cfg}, 1, "username"},
		"no password":   {"", []string{"users", "add", "carol", "--config", cfg}, 2, "no password"},
		"password flag": {"", []string{"users", "add", "carol", "--password", pw, "--config", cfg}, 2, "unknown flag"},
		"no config":     {pw, []string{"users", "add", "carol"}, 2, "config"},
		"unknown user":  {pw, []string{"users", "reset", "nobody", "--config", cfg}, 1, "no such user"},
	} {
		code, _, stderr := runCLIIn(t, tc.stdin, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%s: code %d, stderr %q; want %d and %q", name, code, stderr, tc.code, tc.msg)
		}
	}

	code, out, _ = runCLIIn(t, "", "users", "list", "--config", cfg)
	if code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "hr,staff") || !strings.Contains(out, "Alice Example") {
		t.Fatalf("list: %d %q", code, out)
	}
	if strings.Contains(out, "argon2") || strings.Contains(out, "v1:") {
		t.Errorf("list shows secrets: %q", out)
	}
	if !hasLine(out, "bob", "yes", "active") {
		t.Errorf("list: bob's line is not TOTP yes, active: %q", out)
	}

	if code, _, stderr := runCLIIn(t, "", "users", "disable", "alice", "--config", cfg); code != 0 {
		t.Fatalf("disable: %d %q", code, stderr)
	}
	if err := authenticate(t, db, "alice", pw); err == nil {
		t.Error("a disabled user signed in")
	}
	if _, out, _ := runCLIIn(t, "", "users", "list", "--config", cfg); !hasLine(out, "alice", "disabled") {
		t.Errorf("list after disable: %q", out)
	}
	if code, _, _ := runCLIIn(t, "", "users", "enable", "alice", "--config", cfg); code != 0 {
		t.Fatal("enable failed")
	}

	// Lock alice out, then reset: new password, lockout cleared.
	for range localidp.MaxFailedAttempts {
		_ = authenticate(t, db, "alice", "wrong password!!")
	}
	if _, out, _ := runCLIIn(t, "", "users", "list", "--config", cfg); !hasLine(out, "alice", "locked until") {
		t.Errorf("list after lockout: %q", out)
	}
	const newPW = "a completely new password"
	if code, out, stderr := runCLIIn(t, newPW+"\n", "users", "reset", "alice", "--config", cfg); code != 0 || !strings.Contains(out, "lockout cleared") {
		t.Fatalf("reset: %d %q %q", code, out, stderr)
	}
	if err := authenticate(t, db, "alice", newPW); err != nil {
		t.Errorf("after reset: %v", err)
	}
	if err := authenticate(t, db, "alice", pw); err == nil {
		t.Error("the old password still works after reset")
	}

	// Every change is in the audit log, with the operator as actor and
	// never a password.
	rows := strings.Join(auditRows(t, filepath.Dir(db)), "\n")
	for _, want := range []string{"user.added|success|cli", `"user":"local:alice"`, "user.password_reset|success|cli", "user.disabled|success|cli"} {
		if !strings.Contains(rows, want) {
			t.Errorf("audit log lacks %q:\n%s", want, rows)
		}
	}
	if strings.Contains(rows, newPW) || strings.Contains(rows, pw) {
		t.Error("the audit log holds a password")
	}
}

// hasLine reports whether a line of out starts with user and contains
// every one of words.
func hasLine(out, user string, words ...string) bool {
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, user+" ") {
			continue
		}
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(l, w)
		}
		if ok {
			return true
		}
	}
	return false
}
