-- Token revocations: tokens for a key issued before revoked_before are
-- refused; the row is kept until expires_at, when every such token has
-- expired anyway.

CREATE TABLE token_revocations (
	key            TEXT        NOT NULL PRIMARY KEY,
	revoked_before TIMESTAMPTZ NOT NULL,
	expires_at     TIMESTAMPTZ NOT NULL
);
