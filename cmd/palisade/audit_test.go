package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/audit/checkpoint"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

// auditFixture is a configuration with a SQLite database and a
// checkpoint directory.
type auditFixture struct {
	cfgPath, db, ckDir string
	origin             string
}

func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	dir := t.TempDir()
	f := &auditFixture{cfgPath: filepath.Join(dir, "palisade.yaml"), db: filepath.Join(dir, "data", "palisade.db"),
		ckDir: filepath.Join(dir, "checkpoints")}
	text := fmt.Sprintf("data_dir: %q\naudit:\n  checkpoint_dir: checkpoints\n", filepath.Join(dir, "data"))
	if err := os.WriteFile(f.cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(f.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Audit.CheckpointDir != f.ckDir {
		t.Fatalf("checkpoint_dir %q, want %q (relative to the config file)", cfg.Audit.CheckpointDir, f.ckDir)
	}
	f.origin = cfg.Audit.Origin
	if err := os.MkdirAll(filepath.Dir(f.db), 0o700); err != nil {
		t.Fatal(err)
	}
	return f
}

// record writes n events through the audit journal and signs a checkpoint
// of the whole log, as a running server does; it returns the events' ids.
func (f *auditFixture) record(t *testing.T, n int) []string {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	j := audit.NewJournal(st, audit.JournalOptions{})
	var ids []string
	for i := range n {
		id, err := j.Record(ctx, audit.Event{Type: audit.TypeTokenIssued, Outcome: audit.OutcomeSuccess, Actor: "local:alice",
			Data: map[string]any{"n": i}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	j.Close()
	cp, err := checkpoint.New(ctx, st, checkpoint.Options{Origin: f.origin, Dir: f.ckDir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cp.CheckpointNow(ctx); err != nil {
		t.Fatal(err)
	}
	return ids
}

// exec runs SQL on the database file directly, as someone with access to
// the file (not to Palisade) would.
func (f *auditFixture) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("%s: %d rows, %v; want 1", query, n, err)
	}
}

// copyDB copies the database file and its WAL files from src to dst (dst
// files that src lacks are removed).
func copyDB(t *testing.T, src, dst string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(src + suffix)
		if errors.Is(err, fs.ErrNotExist) {
			if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// Ensure `audit verify` passes an intact log and `audit key`, `audit
// prove` and a pinned --verifier-key work on it.
func TestAuditVerifyIntact(t *testing.T) {
	f := newAuditFixture(t)
	ids := f.record(t, 10)
	code, out, errOut := runCLI(t, "audit", "verify", "-c", f.cfgPath)
	if code != 0 || !strings.HasPrefix(out, "OK: 10 events (10 signed, 0 not yet signed), 1 checkpoint(s) (1 in the database, 1 external), root ") {
		t.Fatalf("verify: %d %q %q", code, out, errOut)
	}
	code, vkey, errOut := runCLI(t, "audit", "key", "-c", f.cfgPath)
	if code != 0 || !strings.HasPrefix(vkey, f.origin+"+") {
		t.Fatalf("key: %d %q %q", code, vkey, errOut)
	}
	if code, out, errOut = runCLI(t, "audit", "verify", "-c", f.cfgPath, "--verifier-key", vkey); code != 0 || !strings.HasPrefix(out, "OK: ") {
		t.Fatalf("verify --verifier-key: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "audit", "prove", "-c", f.cfgPath, ids[6])
	if code != 0 || !strings.Contains(out, "seq 7 (leaf index 6)") || !strings.Contains(out, "tree size 10") ||
		!strings.HasSuffix(out, "verified: OK\n") {
		t.Fatalf("prove: %d %q %q", code, out, errOut)
	}
	if code, _, errOut = runCLI(t, "audit", "prove", "-c", f.cfgPath, "ev_unknown"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("prove of an unknown event: %d %q", code, errOut)
	}

	// A key that did not sign the checkpoints verifies nothing.
	other := filepath.Join(t.TempDir(), "other.db")
	ost, err := sqlite.Open(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	okey, err := checkpoint.LoadKey(context.Background(), ost, f.origin)
	ost.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut = runCLI(t, "audit", "verify", "-c", f.cfgPath, "--verifier-key", okey.VerifierKey); code != 1 ||
		!strings.Contains(errOut, "not signed by a known key") {
		t.Errorf("verify with another key: %d %q %q", code, out, errOut)
	}
}

// Ensure an event edited or deleted in the database file makes `audit
// verify` exit 1 naming what was done, and `audit prove` refuses.
func TestAuditVerifyTampered(t *testing.T) {
	t.Run("edited", func(t *testing.T) {
		f := newAuditFixture(t)
		ids := f.record(t, 10)
		f.exec(t, `UPDATE audit_events SET data = ? WHERE seq = 4`, []byte(`{"n":99}`))
		code, out, errOut := runCLI(t, "audit", "verify", "-c", f.cfgPath)
		if code != 1 || !strings.HasPrefix(out, "TAMPERED: edited at events 1..10: ") {
			t.Errorf("verify: %d %q %q", code, out, errOut)
		}
		if code, out, errOut = runCLI(t, "audit", "prove", "-c", f.cfgPath, ids[3]); code != 1 || !strings.Contains(out, "verified: NO") {
			t.Errorf("prove of the edited event: %d %q %q", code, out, errOut)
		}
	})
	t.Run("deleted", func(t *testing.T) {
		f := newAuditFixture(t)
		f.record(t, 10)
		f.exec(t, `DELETE FROM audit_events WHERE seq = 6`)
		code, out, errOut := runCLI(t, "audit", "verify", "-c", f.cfgPath)
		if code != 1 || !strings.HasPrefix(out, "TAMPERED: deleted at event 6: ") {
			t.Errorf("verify: %d %q %q", code, out, errOut)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		f := newAuditFixture(t)
		f.record(t, 10)
		f.exec(t, `DELETE FROM audit_events WHERE seq = 10`)
		code, out, errOut := runCLI(t, "audit", "verify", "-c", f.cfgPath)
		if code != 1 || !strings.HasPrefix(out, "TAMPERED: truncated at event 10: ") {
			t.Errorf("verify: %d %q %q", code, out, errOut)
		}
	})
	t.Run("checkpoint signature", func(t *testing.T) {
		f := newAuditFixture(t)
		f.record(t, 3)
		f.exec(t, `UPDATE audit_checkpoints SET note = replace(note, '3', '2') WHERE size = 3`)
		code, out, errOut := runCLI(t, "audit", "verify", "-c", f.cfgPath)
		if code != 1 || out != "" || !strings.Contains(errOut, "audit log not verified") {
			t.Errorf("verify: %d %q %q", code, out, errOut)
		}
	})
}

// Ensure a database restored from an older copy passes on its own
// checkpoints but is reported rolled back against the directory's.
func TestAuditVerifyRolledBack(t *testing.T) {
	f := newAuditFixture(t)
	f.record(t, 10)
	backup := filepath.Join(t.TempDir(), "backup.db")
	copyDB(t, f.db, backup)
	f.record(t, 5)
	if _, err := os.Stat(filepath.Join(f.ckDir, "15.checkpoint")); err != nil {
		t.Fatalf("no checkpoint of 15 events in the directory: %v", err)
	}
	code, out, errOut := runCLI(t, "audit", "verify", "-c", f.cfgPath)
	if code != 0 || !strings.HasPrefix(out, "OK: 15 events") {
		t.Fatalf("verify before the restore: %d %q %q", code, out, errOut)
	}
	copyDB(t, backup, f.db)
	code, out, errOut = runCLI(t, "audit", "verify", "-c", f.cfgPath)
	if code != 1 || !strings.HasPrefix(out, "TAMPERED: rolled back at events 11..15: ") {
		t.Errorf("verify after the restore: %d %q %q", code, out, errOut)
	}
	empty := t.TempDir()
	code, out, errOut = runCLI(t, "audit", "verify", "-c", f.cfgPath, "--checkpoints", empty)
	if code != 0 || !strings.HasPrefix(out, "OK: 10 events") {
		t.Errorf("verify without the directory's checkpoints: %d %q %q", code, out, errOut)
	}
	// The checkpointer of a server started on the restored copy refuses
	// to sign the fork.
	st, err := sqlite.Open(context.Background(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cp, err := checkpoint.New(context.Background(), st, checkpoint.Options{Origin: f.origin, Dir: f.ckDir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cp.CheckpointNow(context.Background()); !errors.Is(err, checkpoint.ErrInconsistent) {
		t.Errorf("CheckpointNow on the restored copy: %v, want ErrInconsistent", err)
	}
}

// Ensure serve signs checkpoints and, on shutdown, a final one that
// covers its server.stopped event, in the database and the directory
// (config.changed, server.started, server.stopped: 3 events).
func TestServeSignsFinalCheckpoint(t *testing.T) {
	f := newAuditFixture(t)
	serveBriefly(t, f.cfgPath)
	code, out, errOut := runCLI(t, "audit", "verify", "-c", f.cfgPath)
	if code != 0 || !strings.HasPrefix(out, "OK: 3 events (3 signed, 0 not yet signed)") {
		t.Fatalf("verify after serve: %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(f.ckDir, "3.checkpoint")); err != nil {
		t.Errorf("the final checkpoint is not in the directory: %v", err)
	}
}
