-- Conversations, transcripts, the audit log and named keys.
-- Times are INTEGER microseconds since the Unix epoch, UTC.
--
-- Every row written per request costs B-tree work on the commit path, so
-- the schema holds only the indexes a query uses: conversations and
-- messages are WITHOUT ROWID tables clustered on their keys, whose ids are
-- time-ordered so inserts land at the right edge, and audit events are
-- read by Seq (the rowid) or by id.

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
) WITHOUT ROWID;

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
) WITHOUT ROWID;

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
