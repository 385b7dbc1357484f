package sqlite

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// Ensure the connection settings the driver relies on are in effect on the
// writer: WAL, full fsync on commit, foreign keys, a busy timeout.
func TestWriterPragmas(t *testing.T) {
	st, err := Open(context.Background(), t.TempDir()+"/p.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000", "wal_autocheckpoint": "0"}
	checkPragmas(t, st, want)
}

// checkPragmas compares the writer connection's pragmas with want.
func checkPragmas(t *testing.T, st *Store, want map[string]string) {
	t.Helper()
	for p, w := range want {
		var v string
		if err := st.write.QueryRow("PRAGMA " + p).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != w {
			t.Errorf("PRAGMA %s = %s, want %s", p, v, w)
		}
	}
}

// Ensure WithoutFsync lowers the writer to synchronous=NORMAL and nothing
// else: WAL and foreign keys stay.
func TestWithoutFsyncPragmas(t *testing.T) {
	st, err := Open(context.Background(), t.TempDir()+"/p.db", WithoutFsync())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := map[string]string{"journal_mode": "wal", "synchronous": "1", "foreign_keys": "1"}
	checkPragmas(t, st, want)
}

// Ensure the background checkpointer copies committed pages into the
// database file, since commits themselves never checkpoint.
func TestBackgroundCheckpoint(t *testing.T) {
	path := t.TempDir() + "/c.db"
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before, _ := os.Stat(path)
	evs := make([]store.AuditEvent, 500)
	for i := range evs {
		evs[i] = store.AuditEvent{ID: fmt.Sprintf("ev_%d", i), Time: time.Now(), Type: "t", Data: []byte(`{"pad":"` + strings.Repeat("x", 200) + `"}`)}
	}
	if _, err := st.AppendAuditEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		after, _ := os.Stat(path)
		if after.Size() > before.Size() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: nothing was checkpointed", after.Size())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
