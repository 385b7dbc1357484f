-- Audit search (palisade audit search, GET /v1/admin/audit/events) bounds
-- its scans by time. One index, on time alone: every index costs B-tree
-- work on the audit write path, and Seq is the rowid already, so filters
-- on actor, app, agent, type and outcome are checked within the Seq or
-- time range rather than indexed.

CREATE INDEX audit_events_time_idx ON audit_events (time);
