-- 012_filters.sql - what mail filters and the vacation reply need.
--
-- filters (001) holds a user's ordered rules: conditions is an array of
-- {"field": "from|to|cc|subject|header|size|body", "header": "X-Name"
-- (field "header" only), "op": "contains|is|matches|over|under",
-- "value": "..."}; actions an array of {"type": "fileinto|seen|flag|
-- forward|reject|discard", "value": "..."} (folder, address or reason).
-- match_any: a rule matches when any condition holds (false: all must).
-- Delivery reads a user's enabled rules with filters_user (user_id,
-- position).
--
-- vacations: one automatic reply per user, on between start_date and
-- end_date (either may be open), sent to a sender at most once every
-- interval_days. vacation_replies remembers whom it answered and when;
-- rows older than the interval are simply replaced.
ALTER TABLE filters ADD COLUMN match_any boolean NOT NULL DEFAULT false;
ALTER TABLE filters ADD CONSTRAINT filters_name_length
	CHECK (length(name) <= 200);

CREATE TABLE vacations (
	user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	enabled boolean NOT NULL DEFAULT false,
	subject text NOT NULL DEFAULT '' CHECK (length(subject) <= 200),
	body text NOT NULL DEFAULT '' CHECK (length(body) <= 10000),
	start_date date,
	end_date date,
	interval_days integer NOT NULL DEFAULT 7
		CHECK (interval_days BETWEEN 1 AND 365),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CHECK (start_date IS NULL OR end_date IS NULL OR start_date <= end_date)
);

CREATE TABLE vacation_replies (
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	sender text NOT NULL CHECK (sender = lower(sender) AND sender <> ''),
	replied_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, sender)
);
