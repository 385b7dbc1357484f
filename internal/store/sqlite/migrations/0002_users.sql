-- Accounts of the built-in local identity provider.
-- Times are INTEGER microseconds since the Unix epoch, UTC.
--
-- group_names is a JSON array of strings. password_hash and totp_secret
-- are stored as the identity provider gives them: a PHC-format hash and a
-- sealed secret, never the password or the plain secret.

CREATE TABLE users (
	username        TEXT    NOT NULL PRIMARY KEY,
	display_name    TEXT    NOT NULL,
	email           TEXT    NOT NULL,
	group_names     TEXT    NOT NULL DEFAULT '[]',
	password_hash   TEXT    NOT NULL,
	totp_secret     TEXT    NOT NULL DEFAULT '',
	totp_last_step  INTEGER NOT NULL DEFAULT 0,
	disabled        INTEGER NOT NULL DEFAULT 0,
	failed_attempts INTEGER NOT NULL DEFAULT 0,
	-- NULL means not locked.
	locked_until    INTEGER,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
