-- Browser sign-in sessions and single-use tickets.
-- Times are INTEGER microseconds since the Unix epoch, UTC.
--
-- id is the SHA-256 of the cookie secret, never the secret. data and sealed
-- are opaque to the store (the user as JSON; the provider's tokens,
-- encrypted by the identity layer).

CREATE TABLE sessions (
	id            TEXT    NOT NULL PRIMARY KEY,
	issuer        TEXT    NOT NULL,
	subject       TEXT    NOT NULL,
	sid           TEXT    NOT NULL DEFAULT '',
	data          BLOB,
	sealed        BLOB,
	token_expiry  INTEGER,
	created_at    INTEGER NOT NULL,
	last_seen_at  INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL,
	-- NULL while the session is not revoked.
	revoked_at    INTEGER
) WITHOUT ROWID;

CREATE INDEX sessions_subject ON sessions (issuer, subject);
CREATE INDEX sessions_sid ON sessions (issuer, sid) WHERE sid <> '';
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE tickets (
	id         TEXT    NOT NULL PRIMARY KEY,
	data       BLOB    NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
