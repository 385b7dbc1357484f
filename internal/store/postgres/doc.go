// Package postgres implements store.Store on PostgreSQL with
// github.com/jackc/pgx/v5, for production deployments where several
// stateless replicas share one database.
//
// Every session runs with synchronous_commit=on, so a commit returns only
// once the audit event is durable (and, with synchronous standbys, on
// them). Seqs are assigned from counter rows updated in the same
// transaction as the insert: conversations.last_message_seq for a
// transcript and the single row of audit_seq for the audit log. The row
// lock serialises writers, so Seqs are consecutive, commit in order, and a
// rolled-back append leaves no gap. CommitRecords, on which the other
// appends are built, advances each counter once per transaction by what the
// batch appends; a batch needing more than one of those locks takes the
// audit_seq lock first, so that batches cannot deadlock one another.
//
// Times are timestamptz (microsecond precision) and are returned in UTC.
//
// The schema lives in migrations/*.sql, embedded in the binary. Open
// applies pending migrations in name order, each in its own transaction,
// records them in the schema_migrations table, and holds a session
// advisory lock meanwhile so that replicas starting together do not race.
package postgres
