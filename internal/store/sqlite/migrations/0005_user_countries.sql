-- The countries each user has signed in from (sign-in risk: a new
-- country). Times are INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE user_countries (
	user_name  TEXT    NOT NULL,
	country    TEXT    NOT NULL,
	first_seen INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	PRIMARY KEY (user_name, country)
) WITHOUT ROWID;
