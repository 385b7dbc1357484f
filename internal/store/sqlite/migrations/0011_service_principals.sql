-- Service principals of the built-in identity provider, and the IDs of the
-- client assertions they used (each is accepted once).
-- Times are INTEGER microseconds since the Unix epoch, UTC.
--
-- secret_hashes is a JSON array of hash strings (never a secret),
-- public_keys a JWKS (JSON, public keys only), federation a JSON array of
-- {"issuer","subject","audience"} objects.

CREATE TABLE service_principals (
	name          TEXT    NOT NULL PRIMARY KEY,
	description   TEXT    NOT NULL DEFAULT '',
	secret_hashes TEXT    NOT NULL DEFAULT '[]',
	public_keys   BLOB,
	federation    TEXT    NOT NULL DEFAULT '[]',
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE assertion_ids (
	id         TEXT    NOT NULL PRIMARY KEY,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX assertion_ids_expiry ON assertion_ids (expires_at);
