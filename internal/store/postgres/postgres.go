package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"github.com/palisade-gw/palisade/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockID is the advisory lock key held while migrating: "palisade"
// in ASCII. Advisory locks are scoped to the current database.
const migrationLockID int64 = 0x70616c6973616465

// Store is a store.Store backed by a PostgreSQL database. Its methods are
// safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

var _ store.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	now func() time.Time
	// synchronousCommit is the session's synchronous_commit: on unless
	// WithoutFsync.
	synchronousCommit string
}

// WithoutFsync makes commits return before the server has flushed their
// WAL to disk (synchronous_commit=off). The server's own crash safety is
// unchanged, but a crash of the server can lose the newest transactions.
// Unsafe: the default waits for the flush.
func WithoutFsync() Option {
	return func(o *options) { o.synchronousCommit = "off" }
}

// WithClock sets the clock used for the times the store itself records
// (a key's creation, a migration's application). The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// Open connects to the PostgreSQL database named by dsn (a URL or a
// keyword/value string, as understood by pgxpool.ParseConfig, including
// its pool_* settings) and applies any pending migrations. Failures to
// reach the server wrap store.ErrUnavailable; a malformed dsn does not.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{now: time.Now, synchronousCommit: "on"}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The error text is redacted by pgconn; the dsn is not repeated.
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	// Commits wait for the WAL flush (audit events must not be lost)
	// unless the operator chose WithoutFsync.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = o.synchronousCommit
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "palisade"
	}

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", mapErr(err))
	}
	s := &Store{pool: pool, now: o.now}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", unavailableOrCtx(err))
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return s, nil
}

// Ping reports whether the server answers. Failures wrap
// store.ErrUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", unavailableOrCtx(err))
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, in name order, each in its own transaction, while
// holding a session advisory lock: replicas starting at once take turns,
// and the later ones find everything applied.
func (s *Store) migrate(ctx context.Context) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	defer conn.Release()

	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
		return fmt.Errorf("migrate: take advisory lock: %w", mapErr(err))
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, uerr := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, migrationLockID); uerr != nil {
			// Ending the session releases the lock; the pool drops the
			// closed connection on Release.
			conn.Conn().Close(uctx)
		}
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT        NOT NULL PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", mapErr(err))
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.migrateOne(ctx, conn.Conn(), name); err != nil {
			return fmt.Errorf("migrate: %s: %w", name, err)
		}
	}
	return nil
}

func (s *Store) migrateOne(ctx context.Context, conn *pgx.Conn, name string) error {
	version := path.Base(name)
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var applied bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`,
			version).Scan(&applied); err != nil || applied {
			return err
		}
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			version, s.now())
		return err
	})
	return mapErr(err)
}

// inTx runs fn in a READ COMMITTED transaction, committing if it returns
// nil and returning fn's error unchanged if not. The Seq counters rely on
// READ COMMITTED: an UPDATE that waited for a row lock re-reads the row
// as committed, instead of failing as it would under SERIALIZABLE, which
// a server's default_transaction_isolation could otherwise impose.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
}

// truncate drops sub-microsecond digits, as timestamptz storage does, so
// that values returned from writes match those read back.
func truncate(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fromNullTime returns the zero time for NULL.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// blob returns b, or nil when b is empty, so that nil and empty payloads
// are both stored as NULL and read back as nil.
func blob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// mapErr translates driver errors into the store's vocabulary: no rows is
// store.ErrNotFound, a unique violation (SQLSTATE 23505) is
// store.ErrAlreadyExists, and failures to reach the server wrap
// store.ErrUnavailable. Other errors are returned unchanged.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return store.ErrAlreadyExists
	}
	if isUnavailable(err) {
		return unavailable(err)
	}
	return err
}

// unavailableOrCtx wraps err with store.ErrUnavailable unless the caller's
// context ended, for operations whose every failure means the server
// cannot be used.
func unavailableOrCtx(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return unavailable(err)
}

// isUnavailable reports whether err means the server cannot be reached or
// used right now, as opposed to a mistake in the request.
func isUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true // whatever the reason: refused, authentication, no such database
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // connection exception
			return true
		case strings.HasPrefix(pgErr.Code, "53"): // insufficient resources
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, cannot connect now
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, puddle.ErrClosedPool) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func unavailable(err error) error {
	return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
}
