-- Service principals of the built-in identity provider, and the IDs of the
-- client assertions they used (each is accepted once).
--
-- secret_hashes are hash strings (never a secret), public_keys a JWKS
-- (JSON, public keys only), federation a JSON array of
-- {"issuer","subject","audience"} objects.

CREATE TABLE service_principals (
	name          TEXT        NOT NULL PRIMARY KEY,
	description   TEXT        NOT NULL DEFAULT '',
	secret_hashes TEXT[]      NOT NULL DEFAULT '{}',
	public_keys   BYTEA,
	federation    JSONB       NOT NULL DEFAULT '[]',
	disabled      BOOLEAN     NOT NULL DEFAULT FALSE,
	created_at    TIMESTAMPTZ NOT NULL,
	updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE assertion_ids (
	id         TEXT        NOT NULL PRIMARY KEY,
	expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX assertion_ids_expiry ON assertion_ids (expires_at);
