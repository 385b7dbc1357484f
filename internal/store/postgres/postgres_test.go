package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/storetest"
)

// dsnEnv names the PostgreSQL server the tests use; scripts/pg-test-cluster.sh
// starts a throwaway one and prints it.
const dsnEnv = "PALISADE_TEST_POSTGRES_DSN"

// testServer returns the DSN of the test server. Without one the tests are
// skipped, except under CI, where that is a failure.
func testServer(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL is required under CI: set " + dsnEnv)
		}
		t.Skip(dsnEnv + " is not set; start a server with scripts/pg-test-cluster.sh start DIR")
	}
	return dsn
}

// newDatabase creates an empty database on the test server, dropped when
// the test ends, and returns its DSN.
func newDatabase(t testing.TB, admin *pgxpool.Pool, serverDSN string) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	name := "palisade_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("CREATE DATABASE %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	return withDatabase(t, serverDSN, name)
}

// withDatabase returns dsn with its database replaced by name.
func withDatabase(t testing.TB, dsn, name string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("parse %s: %v", dsnEnv, err)
		}
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name // keyword/value: the last setting wins
}

// adminPool connects to the test server's own database, from which the
// test databases are created and dropped.
func adminPool(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	dsn := testServer(t)
	admin, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", dsnEnv, err)
	}
	t.Cleanup(admin.Close)
	if err := admin.Ping(t.Context()); err != nil {
		t.Fatalf("connect to %s: %v", dsnEnv, err)
	}
	return admin, dsn
}

func openTest(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// Ensure the PostgreSQL store passes the conformance suite, each subtest
// in a database of its own.
func TestConformance(t *testing.T) {
	admin, dsn := adminPool(t)
	storetest.RunTests(t, func(t *testing.T) store.Store {
		return openTest(t, newDatabase(t, admin, dsn))
	})
}

// BenchmarkCommitRecords measures the record stage's write in a database
// of its own on the test server, with synchronous_commit=on.
func BenchmarkCommitRecords(b *testing.B) {
	admin, dsn := adminPool(b)
	s := openTest(b, newDatabase(b, admin, dsn))
	defer s.Close()
	storetest.BenchCommitRecords(b, s)
}

// Ensure replicas starting together against a new database all open it,
// the migrations are applied once, and opening again changes nothing.
func TestConcurrentOpen(t *testing.T) {
	admin, serverDSN := adminPool(t)
	dsn := newDatabase(t, admin, serverDSN)

	const replicas = 6
	stores := make([]*Store, replicas)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() {
			s, err := Open(t.Context(), dsn)
			if err != nil {
				t.Errorf("replica %d: Open: %v", i, err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			defer s.Close()
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	before := migrationRows(t, stores[0])
	s := openTest(t, dsn)
	defer s.Close()
	if diff := cmp.Diff(before, migrationRows(t, s)); diff != "" {
		t.Errorf("schema_migrations changed by a second Open (-before +after):\n%s", diff)
	}
	// Every replica sees the same data.
	if _, err := stores[1].AppendAuditEvents(t.Context(), []store.AuditEvent{{ID: "ev-1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[2].GetAuditEvent(t.Context(), "ev-1"); err != nil {
		t.Errorf("GetAuditEvent on another replica: %v", err)
	}
}

// migrationRows returns the recorded migrations, which must be exactly the
// embedded ones.
func migrationRows(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
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
	entries, err := migrationFS.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		want = append(want, e.Name())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schema_migrations (-embedded +recorded):\n%s", diff)
	}
	return got
}

// Ensure the sessions commit synchronously by default, and that
// WithoutFsync turns synchronous_commit off.
func TestSynchronousCommit(t *testing.T) {
	admin, serverDSN := adminPool(t)
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{{"default", nil, "on"}, {"WithoutFsync", []Option{WithoutFsync()}, "off"}} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), newDatabase(t, admin, serverDSN), tc.opts...)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			var got string
			if err := s.pool.QueryRow(t.Context(), `SHOW synchronous_commit`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("synchronous_commit = %s, want %s", got, tc.want)
			}
		})
	}
}

// Ensure a server that cannot be reached is reported as ErrUnavailable,
// and a malformed DSN is not. This needs no server.
func TestOpenUnreachable(t *testing.T) {
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err = Open(ctx, fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable&connect_timeout=5", addr))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open(closed port) = %v, want ErrUnavailable", err)
	}

	if _, err := Open(ctx, "postgres://%zz"); err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open(malformed DSN) = %v, want a configuration error", err)
	}
}

// Ensure a closed store reports ErrUnavailable rather than a bare error.
func TestClosed(t *testing.T) {
	admin, serverDSN := adminPool(t)
	s := openTest(t, newDatabase(t, admin, serverDSN))
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	s.Close()
	if err := s.Ping(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping after Close = %v, want ErrUnavailable", err)
	}
	if _, err := s.GetConversation(t.Context(), "x"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("GetConversation after Close = %v, want ErrUnavailable", err)
	}
}
