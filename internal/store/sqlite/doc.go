// Package sqlite implements store.Store on an SQLite database file, using
// the pure-Go driver modernc.org/sqlite so that the palisade binary stays
// static. It is the embedded default: one process, one file per region
// under the data directory.
//
// The database runs in WAL mode with foreign keys enforced, a busy timeout
// and synchronous=FULL, so a committed audit event survives power loss.
// Writes go through a pool of exactly one connection whose transactions
// start with BEGIN IMMEDIATE: writers queue in the process instead of
// failing with SQLITE_BUSY, and another process sharing the file waits on
// the busy timeout. Reads use a separate pool of read-only connections and
// never block on writers.
//
// Times are stored as INTEGER microseconds since the Unix epoch in UTC, the
// same precision as PostgreSQL's timestamptz, and are returned in UTC.
//
// The schema lives in migrations/*.sql, embedded in the binary and applied
// by Open in name order, each in its own transaction, and recorded in the
// schema_migrations table.
package sqlite
