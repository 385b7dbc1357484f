-- The countries each user has signed in from (sign-in risk: a new
-- country).

CREATE TABLE user_countries (
	user_name  TEXT        NOT NULL,
	country    TEXT        NOT NULL,
	first_seen TIMESTAMPTZ NOT NULL,
	last_seen  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (user_name, country)
);
