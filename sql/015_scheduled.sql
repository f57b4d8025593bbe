-- 015_scheduled.sql - scheduled sending.
--
-- A scheduled message is stored as webmail would put it in Sent (with
-- its Bcc header); the jobs service submits it at send_at over SMTP as
-- the user, to the envelope kept here (the Bcc recipients are in rcpts,
-- the header is taken off on the way), then files the copy in Sent.
--
-- Exactly once: a submission carries ENVID=mhsched-<id>; the SMTP server
-- records that key in submission_once in the transaction that makes the
-- message visible and answers a second submission with the same key
-- with 250 and nothing more. A node that stopped between the server's
-- 250 and marking the row sent therefore sends it again harmlessly.

ALTER TABLE scheduled_messages
	ADD COLUMN envelope_from text NOT NULL DEFAULT '',
	ADD COLUMN rcpts text[] NOT NULL DEFAULT '{}',
	ADD COLUMN subject text NOT NULL DEFAULT '',
	ADD COLUMN to_display text NOT NULL DEFAULT '',
	ADD COLUMN claimed_at timestamptz;

CREATE INDEX scheduled_messages_sending ON scheduled_messages (claimed_at)
	WHERE status = 'sending';

CREATE TABLE submission_once (
	key text PRIMARY KEY CHECK (key <> '' AND length(key) <= 100),
	at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submission_once_at ON submission_once (at);
