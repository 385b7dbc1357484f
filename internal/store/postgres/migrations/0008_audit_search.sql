-- Audit search (palisade audit search, GET /v1/admin/audit/events) bounds
-- its scans by time. One index, on time alone: every index costs B-tree
-- work on the audit write path, and seq is the primary key already, so
-- filters on actor, app, agent, type and outcome are checked within the
-- seq or time range rather than indexed.
--
-- Migrations run in a transaction, so this is a plain CREATE INDEX, which
-- blocks writes to audit_events while it builds: on a large log, create
-- the index beforehand with CREATE INDEX CONCURRENTLY IF NOT EXISTS
-- under the same name, and this migration finds it in place.

CREATE INDEX IF NOT EXISTS audit_events_time_idx ON audit_events (time);
