-- SIEM export cursors: per sink, the Seq of the last audit event the sink
-- acknowledged, so an export resumes after a restart. The cursor only
-- moves forward; delivered_at is when it last did (Unix microseconds).

CREATE TABLE export_cursors (
	sink         TEXT    NOT NULL PRIMARY KEY,
	seq          INTEGER NOT NULL,
	delivered_at INTEGER NOT NULL
);
