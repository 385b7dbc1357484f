-- SIEM export cursors: per sink, the seq of the last audit event the sink
-- acknowledged, so an export resumes after a restart. The cursor only
-- moves forward; delivered_at is when it last did.

CREATE TABLE export_cursors (
	sink         TEXT        NOT NULL PRIMARY KEY,
	seq          BIGINT      NOT NULL,
	delivered_at TIMESTAMPTZ NOT NULL
);
