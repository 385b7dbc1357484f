-- Signed checkpoints of the audit log: one signed note per tree size, kept
-- byte for byte (BLOB) as signed. The note's signature, not the database,
-- is what makes a checkpoint trustworthy; copies kept outside the database
-- reveal a rollback of this table along with the events.

CREATE TABLE audit_checkpoints (
	size       INTEGER NOT NULL PRIMARY KEY,
	note       BLOB    NOT NULL,
	created_at INTEGER NOT NULL
);
