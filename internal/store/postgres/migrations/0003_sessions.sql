-- Browser sign-in sessions and single-use tickets.
--
-- id is the SHA-256 of the cookie secret, never the secret. data and sealed
-- are opaque to the store (the user as JSON; the provider's tokens,
-- encrypted by the identity layer).

CREATE TABLE sessions (
	id            TEXT        NOT NULL PRIMARY KEY,
	issuer        TEXT        NOT NULL,
	subject       TEXT        NOT NULL,
	sid           TEXT        NOT NULL DEFAULT '',
	data          BYTEA,
	sealed        BYTEA,
	token_expiry  TIMESTAMPTZ,
	created_at    TIMESTAMPTZ NOT NULL,
	last_seen_at  TIMESTAMPTZ NOT NULL,
	expires_at    TIMESTAMPTZ NOT NULL,
	-- NULL while the session is not revoked.
	revoked_at    TIMESTAMPTZ
);

CREATE INDEX sessions_subject ON sessions (issuer, subject);
CREATE INDEX sessions_sid ON sessions (issuer, sid) WHERE sid <> '';
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE tickets (
	id         TEXT        NOT NULL PRIMARY KEY,
	data       BYTEA       NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
