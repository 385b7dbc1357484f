package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/storetest"
)

func openTest(t *testing.T, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return s
}

// Ensure the SQLite store passes the conformance suite on a file.
func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) store.Store {
		return openTest(t, filepath.Join(t.TempDir(), "palisade.db"))
	})
}

// Ensure the in-memory database, used by other packages' tests, passes too.
func TestConformanceInMemory(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) store.Store {
		return openTest(t, ":memory:")
	})
}

// BenchmarkCommitRecords measures the record stage's write on a file in
// the temporary directory, with synchronous=FULL (one fsync per batch).
func BenchmarkCommitRecords(b *testing.B) {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "palisade.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchCommitRecords(b, s)
}

// Ensure both pools are configured for durability and integrity, and the
// read pool cannot write.
func TestPragmas(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "palisade.db"), WithBusyTimeout(7*time.Second))
	defer s.Close()
	ctx := t.Context()
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "2"}, // FULL
		{"busy_timeout", "7000"},
	}
	for name, db := range map[string]*sql.DB{"write": s.write, "read": s.read} {
		for _, tt := range tests {
			var got string
			if err := db.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("%s pool: PRAGMA %s: %v", name, tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("%s pool: PRAGMA %s = %s, want %s", name, tt.pragma, got, tt.want)
			}
		}
	}
	if _, err := s.read.ExecContext(ctx, `DELETE FROM keys`); err == nil {
		t.Error("a write through the read pool succeeded")
	}
}

// Ensure closing and reopening a file keeps everything, and that opening
// again applies no migration twice.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "palisade.db")
	s := openTest(t, path)
	if err := s.CreateConversation(ctx, store.Conversation{ID: "conv-1", Environment: "prod", CreatedAt: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	m, err := s.AppendMessage(ctx, store.Message{ConversationID: "conv-1", ID: "msg-1", Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.AppendAuditEvents(ctx, []store.AuditEvent{{ID: "ev-1", Type: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := s.LoadOrCreateKey(ctx, "k", []byte("first"))
	if err != nil {
		t.Fatal(err)
	}
	before := migrationRows(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for i := range 2 {
		s = openTest(t, path)
		if got := migrationRows(t, s); !cmp.Equal(before, got) {
			t.Errorf("open %d: schema_migrations changed (-before +after):\n%s", i, cmp.Diff(before, got))
		}
		ms, err := s.ListMessages(ctx, "conv-1", 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]store.Message{m}, ms); diff != "" {
			t.Errorf("open %d: transcript (-want +got):\n%s", i, diff)
		}
		got, err := s.GetAuditEvent(ctx, "ev-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(evs[0], got); diff != "" {
			t.Errorf("open %d: audit event (-want +got):\n%s", i, diff)
		}
		if k, err := s.LoadOrCreateKey(ctx, "k", []byte("second")); err != nil || string(k) != string(key) {
			t.Errorf("open %d: LoadOrCreateKey = %q, %v; want %q", i, k, err, key)
		}
		// Seqs carry on where they stopped.
		if m2, err := s.AppendMessage(ctx, store.Message{ConversationID: "conv-1", ID: fmt.Sprintf("again-%d", i)}); err != nil || m2.Seq != int64(i+2) {
			t.Errorf("open %d: AppendMessage = Seq %d, %v; want Seq %d", i, m2.Seq, err, i+2)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// migrationRows returns the versions recorded in schema_migrations, which
// must be exactly the embedded migrations.
func migrationRows(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.read.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range names {
		want = append(want, filepath.Base(n))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schema_migrations (-embedded +recorded):\n%s", diff)
	}
	return got
}

// Ensure two stores on one file, as two processes would be, can open at
// once and append concurrently without SQLITE_BUSY errors or Seq clashes.
func TestTwoProcesses(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "palisade.db")
	stores := make([]*Store, 2)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() {
			s, err := Open(ctx, path)
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, s := range stores {
		defer s.Close()
	}
	if err := stores[0].CreateConversation(ctx, store.Conversation{ID: "conv-1"}); err != nil {
		t.Fatal(err)
	}
	const perStore = 50
	for i, s := range stores {
		wg.Go(func() {
			for j := range perStore {
				if _, err := s.AppendMessage(ctx, store.Message{ConversationID: "conv-1", ID: fmt.Sprintf("s%d-%d", i, j)}); err != nil {
					t.Errorf("store %d: AppendMessage: %v", i, err)
					return
				}
				if _, err := s.AppendAuditEvents(ctx, []store.AuditEvent{{ID: fmt.Sprintf("s%d-%d", i, j)}}); err != nil {
					t.Errorf("store %d: AppendAuditEvents: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	ms, err := stores[1].ListMessages(ctx, "conv-1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2*perStore || ms[len(ms)-1].Seq != 2*perStore {
		t.Errorf("transcript has %d messages, last Seq %d; want %d", len(ms), ms[len(ms)-1].Seq, 2*perStore)
	}
}

// Ensure a file that cannot be opened is reported as ErrUnavailable.
func TestOpenUnavailable(t *testing.T) {
	dir := t.TempDir()
	notADB := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(notADB, []byte("this is not an SQLite database, not even close......................................................"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"missing directory": filepath.Join(dir, "no", "such", "dir", "palisade.db"),
		"directory":         dir,
		"not a database":    notADB,
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Open(t.Context(), path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("Open = %v, want ErrUnavailable", err)
			}
		})
	}
}

// Ensure a closed store reports ErrUnavailable rather than a bare error.
func TestClosed(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "palisade.db"))
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping after Close = %v, want ErrUnavailable", err)
	}
	if _, err := s.GetConversation(t.Context(), "x"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("GetConversation after Close = %v, want ErrUnavailable", err)
	}
}

// Ensure paths with characters that mean something in a URI work.
func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir?with#odd%chars&x=1")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "palisade.db")
	s := openTest(t, path)
	defer s.Close()
	if _, err := s.LoadOrCreateKey(t.Context(), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the given path: %v", err)
	}
}
