-- Conversations, transcripts, the audit log and named keys.
-- Times are INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE conversations (
	id               TEXT    NOT NULL PRIMARY KEY,
	environment      TEXT    NOT NULL,
	region           TEXT    NOT NULL,
	agent            TEXT    NOT NULL,
	app              TEXT    NOT NULL,
	user_id          TEXT    NOT NULL,
	channel          TEXT    NOT NULL,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	-- NULL means no retention deadline.
	expires_at       INTEGER,
	-- The Seq of the newest message; AppendMessage increments it.
	last_message_seq INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX conversations_created_at_idx ON conversations (created_at, id);
CREATE INDEX conversations_expires_at_idx ON conversations (expires_at);
CREATE INDEX conversations_environment_idx ON conversations (environment, created_at);
CREATE INDEX conversations_user_idx ON conversations (user_id, created_at);

CREATE TABLE messages (
	conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	seq             INTEGER NOT NULL,
	id              TEXT    NOT NULL,
	role            TEXT    NOT NULL,
	sender          TEXT    NOT NULL,
	text            TEXT    NOT NULL,
	payload         BLOB,
	created_at      INTEGER NOT NULL,
	PRIMARY KEY (conversation_id, seq),
	UNIQUE (conversation_id, id)
);

CREATE TABLE audit_events (
	seq        INTEGER NOT NULL PRIMARY KEY,
	id         TEXT    NOT NULL UNIQUE,
	time       INTEGER NOT NULL,
	type       TEXT    NOT NULL,
	request_id TEXT    NOT NULL,
	outcome    TEXT    NOT NULL,
	actor      TEXT    NOT NULL,
	app        TEXT    NOT NULL,
	agent      TEXT    NOT NULL,
	data       BLOB
);

CREATE INDEX audit_events_time_idx ON audit_events (time);
CREATE INDEX audit_events_type_idx ON audit_events (type, seq);

-- A single row holding the Seq of the newest audit event, so that the next
-- Seq is assigned under the same lock as the insert and never skips.
CREATE TABLE audit_seq (
	id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	last_seq INTEGER NOT NULL
);

INSERT INTO audit_seq (id, last_seq) VALUES (1, 0);

CREATE TABLE keys (
	name       TEXT    NOT NULL PRIMARY KEY,
	value      BLOB    NOT NULL,
	created_at INTEGER NOT NULL
);
