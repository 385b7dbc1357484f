-- Signed checkpoints of the audit log: one signed note per tree size, kept
-- byte for byte (BYTEA) as signed. The note's signature, not the database,
-- is what makes a checkpoint trustworthy; copies kept outside the database
-- reveal a rollback of this table along with the events.

CREATE TABLE audit_checkpoints (
	size       BIGINT      NOT NULL PRIMARY KEY,
	note       BYTEA       NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
