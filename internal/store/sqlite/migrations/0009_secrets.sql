-- Secrets: every version of every named secret, as internal/secrets
-- encrypted it. ciphertext is the value under the version's own data key;
-- wrapped_key is that data key under a key-encryption key, named by
-- kek_id. The database never holds a plaintext value or data key.

CREATE TABLE secret_versions (
	name        TEXT    NOT NULL,
	version     INTEGER NOT NULL CHECK (version >= 1),
	ciphertext  BLOB    NOT NULL,
	wrapped_key BLOB    NOT NULL,
	kek_id      TEXT    NOT NULL,
	disabled    INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL,
	disabled_at INTEGER,
	created_by  TEXT    NOT NULL,
	PRIMARY KEY (name, version)
);
