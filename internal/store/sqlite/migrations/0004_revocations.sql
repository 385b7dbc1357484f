-- Token revocations: tokens for a key issued before revoked_before are
-- refused; the row is kept until expires_at, when every such token has
-- expired anyway. Times are INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE token_revocations (
	key            TEXT    NOT NULL PRIMARY KEY,
	revoked_before INTEGER NOT NULL,
	expires_at     INTEGER NOT NULL
) WITHOUT ROWID;
