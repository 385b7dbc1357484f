-- Conversations, transcripts, the audit log and named keys.

CREATE TABLE conversations (
	id               TEXT        NOT NULL PRIMARY KEY,
	environment      TEXT        NOT NULL,
	region           TEXT        NOT NULL,
	agent            TEXT        NOT NULL,
	app              TEXT        NOT NULL,
	user_id          TEXT        NOT NULL,
	channel          TEXT        NOT NULL,
	created_at       TIMESTAMPTZ NOT NULL,
	updated_at       TIMESTAMPTZ NOT NULL,
	-- NULL means no retention deadline.
	expires_at       TIMESTAMPTZ,
	-- The Seq of the newest message; AppendMessage increments it under the
	-- row lock, which serialises appends to one conversation.
	last_message_seq BIGINT      NOT NULL DEFAULT 0
);

CREATE INDEX conversations_created_at_idx ON conversations (created_at, id);
CREATE INDEX conversations_expires_at_idx ON conversations (expires_at);
CREATE INDEX conversations_environment_idx ON conversations (environment, created_at);
CREATE INDEX conversations_user_idx ON conversations (user_id, created_at);

CREATE TABLE messages (
	conversation_id TEXT        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	seq             BIGINT      NOT NULL,
	id              TEXT        NOT NULL,
	role            TEXT        NOT NULL,
	sender          TEXT        NOT NULL,
	text            TEXT        NOT NULL,
	payload         BYTEA,
	created_at      TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (conversation_id, seq),
	UNIQUE (conversation_id, id)
);

CREATE TABLE audit_events (
	seq        BIGINT      NOT NULL PRIMARY KEY,
	id         TEXT        NOT NULL UNIQUE,
	time       TIMESTAMPTZ NOT NULL,
	type       TEXT        NOT NULL,
	request_id TEXT        NOT NULL,
	outcome    TEXT        NOT NULL,
	actor      TEXT        NOT NULL,
	app        TEXT        NOT NULL,
	agent      TEXT        NOT NULL,
	-- The event's JSON exactly as written (the hash chain covers the bytes),
	-- hence BYTEA and not JSONB.
	data       BYTEA
);

-- A single row holding the Seq of the newest audit event. AppendAuditEvents
-- advances it under its row lock, so batches commit in Seq order and a
-- rolled-back batch leaves no gap.
CREATE TABLE audit_seq (
	id       SMALLINT NOT NULL PRIMARY KEY CHECK (id = 1),
	last_seq BIGINT   NOT NULL
);

INSERT INTO audit_seq (id, last_seq) VALUES (1, 0);

CREATE TABLE keys (
	name       TEXT        NOT NULL PRIMARY KEY,
	value      BYTEA       NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
