package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/palisade-gw/palisade/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is a store.Store backed by one SQLite database file. Its methods
// are safe for concurrent use.
type Store struct {
	// write has exactly one connection; every transaction that writes
	// runs on it, started with BEGIN IMMEDIATE.
	write *sql.DB
	// read has several query-only connections. For an in-memory database
	// it is the same pool as write.
	read *sql.DB
	// stmts are the write path's statements, prepared on write.
	stmts writeStmts
	// getServicePrincipal is prepared on read: every token request of a
	// service principal looks it up, and preparing the query each time
	// cost more than running it.
	getServicePrincipal *sql.Stmt
	now                 func() time.Time
	// ckpt is the background checkpointer's own connection; stopCkpt ends
	// it and ckptDone closes when it has.
	ckpt     *sql.DB
	stopCkpt chan struct{}
	ckptDone chan struct{}
}

// checkpointEvery is how often the background checkpointer copies the WAL
// into the database file.
const checkpointEvery = 250 * time.Millisecond

var _ store.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	now         func() time.Time
	readConns   int
	busyTimeout time.Duration
	// synchronous is the writer's PRAGMA synchronous: FULL unless
	// WithoutFsync.
	synchronous string
}

// WithoutFsync makes commits return once the WAL has been written to the
// operating system, without waiting for it to reach the disk (PRAGMA
// synchronous=NORMAL). A crash of the process loses nothing; a power loss
// or kernel crash can lose the newest transactions. Unsafe: the default,
// synchronous=FULL, fsyncs the WAL on every commit.
func WithoutFsync() Option {
	return func(o *options) { o.synchronous = "NORMAL" }
}

// WithClock sets the clock used for the times the store itself records
// (a key's creation, a migration's application). The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithReadConns sets how many connections serve reads (default 4). Values
// below 1 are ignored.
func WithReadConns(n int) Option {
	return func(o *options) {
		if n >= 1 {
			o.readConns = n
		}
	}
}

// WithBusyTimeout sets how long a connection waits for a lock held by
// another process before failing with SQLITE_BUSY (default 10s).
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.busyTimeout = d
		}
	}
}

// Open opens (creating if needed) the SQLite database at path, configures
// it and applies any pending migrations. The path ":memory:" opens a
// private in-memory database served by a single connection, for tests.
// Failures to open or reach the file wrap store.ErrUnavailable.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{now: time.Now, readConns: 4, busyTimeout: 10 * time.Second, synchronous: "FULL"}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}

	s := &Store{now: o.now}
	if path == ":memory:" {
		// Every connection to ":memory:" is a separate database, so one
		// connection serves both reads and writes.
		db, err := openPool(memoryDSN(o), 1)
		if err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		s.write, s.read = db, db
	} else {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		// Open the writer first and touch the file, so that WAL mode is
		// in place before the query-only readers connect.
		s.write, err = openPool(fileDSN(abs, o, false), 1)
		if err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		if err := connectWriter(ctx, s.write, o.busyTimeout); err != nil {
			s.write.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, mapErr(err))
		}
		s.read, err = openPool(fileDSN(abs, o, true), o.readConns)
		if err != nil {
			s.write.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		s.ckpt, err = openPool(fileDSN(abs, o, false), 1)
		if err != nil {
			s.read.Close()
			s.write.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		s.stopCkpt, s.ckptDone = make(chan struct{}), make(chan struct{})
		go s.checkpointLoop()
	}

	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.prepareWriteStmts(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: prepare statements: %w", path, err)
	}
	getSP, err := s.read.PrepareContext(ctx, getServicePrincipalSQL)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: prepare statements: %w", path, err)
	}
	s.getServicePrincipal = getSP
	return s, nil
}

// fileDSN returns the modernc.org/sqlite DSN for the file at abs. The path
// is escaped so that '?', '#' and '%' in it cannot be read as URI syntax.
func fileDSN(abs string, o options, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(o.busyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", o.synchronous)
	if readOnly {
		// The writer has switched the file to WAL, which persists.
		q.Set("_query_only", "1")
	} else {
		q.Set("_journal_mode", "WAL")
		q.Set("_txlock", "immediate")
		// Commits never checkpoint (copying the WAL into the database and
		// fsyncing it would land on a request's path); the background
		// checkpointer does it instead.
		q.Set("_pragma", "wal_autocheckpoint(0)")
	}
	u := url.URL{Path: filepath.ToSlash(abs)}
	return "file:" + u.EscapedPath() + "?" + q.Encode()
}

// memoryDSN returns the DSN of a private in-memory database.
func memoryDSN(o options) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(o.busyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	return "file::memory:?" + q.Encode()
}

// connectWriter opens the writer's connection. Switching a new file to
// WAL takes an exclusive lock and SQLite reports SQLITE_BUSY at once,
// without waiting on the busy timeout, when another process is opening the
// same file; so retry for up to the busy timeout.
func connectWriter(ctx context.Context, db *sql.DB, busyTimeout time.Duration) error {
	deadline := time.Now().Add(busyTimeout)
	for backoff := 5 * time.Millisecond; ; backoff = min(2*backoff, 200*time.Millisecond) {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// openPool opens a pool of at most n connections that are kept open, since
// each new SQLite connection pays for its pragmas.
func openPool(dsn string, n int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// Ping reports whether both pools answer a query. Failures wrap
// store.ErrUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	for _, db := range []*sql.DB{s.write, s.read} {
		var one int
		if err := db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				err = unavailable(err)
			}
			return fmt.Errorf("sqlite: ping: %w", err)
		}
	}
	return nil
}

// Close closes the prepared statements and both pools. A WAL checkpoint
// runs as the last connection closes.
func (s *Store) Close() error {
	if s.stopCkpt != nil {
		close(s.stopCkpt)
		<-s.ckptDone
		s.stopCkpt = nil
	}
	errs := []error{s.closeWriteStmts()}
	if s.getServicePrincipal != nil {
		errs = append(errs, s.getServicePrincipal.Close())
	}
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.Close())
	}
	if s.read != nil && s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// checkpointLoop copies the WAL into the database file in the background,
// on its own connection, so commits only append to the WAL. A PASSIVE
// checkpoint never blocks the writer or readers.
func (s *Store) checkpointLoop() {
	defer close(s.ckptDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopCkpt:
			return
		case <-t.C:
			// A failed checkpoint is retried on the next tick; the WAL
			// keeps every committed transaction meanwhile.
			_, _ = s.ckpt.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, in name order, each in its own transaction. The
// check runs inside the transaction, whose BEGIN IMMEDIATE holds the write
// lock, so two processes opening one file apply each migration once.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.migrateOne(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func (s *Store) migrateOne(ctx context.Context, name string) error {
	version := filepath.Base(name)
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT    NOT NULL PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return mapErr(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return mapErr(err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return mapErr(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		version, micros(s.now())); err != nil {
		return mapErr(err)
	}
	return mapErr(tx.Commit())
}

// micros returns t as microseconds since the Unix epoch. Sub-microsecond
// digits are dropped, as PostgreSQL does.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is the inverse of micros, in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullMicros stores the zero time as NULL.
func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(t), Valid: true}
}

// fromNullMicros returns the zero time for NULL.
func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

// blob returns b, or nil when b is empty, so that nil and empty payloads
// are both stored as NULL and read back as nil.
func blob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// errClosed is the text of database/sql's unexported error for a closed DB.
const errClosed = "sql: database is closed"

// mapErr translates driver errors into the store's vocabulary: a missing
// row is store.ErrNotFound, a unique or primary-key violation is
// store.ErrAlreadyExists, and failures to reach the file wrap
// store.ErrUnavailable. Other errors are returned unchanged.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch code := se.Code(); {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE, code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return store.ErrAlreadyExists
		case isUnavailableCode(code & 0xff):
			return unavailable(err)
		}
		return err
	}
	if errors.Is(err, sql.ErrConnDone) || err.Error() == errClosed {
		return unavailable(err)
	}
	return err
}

// isUnavailableCode reports whether a primary SQLite result code means the
// database file cannot be used, as opposed to a mistake in the request.
func isUnavailableCode(primary int) bool {
	switch primary {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_NOTADB,
		sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM,
		sqlite3.SQLITE_NOLFS, sqlite3.SQLITE_PROTOCOL:
		return true
	}
	return false
}

func unavailable(err error) error {
	return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
}
