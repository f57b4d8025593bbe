-- 005_webmail_thread.sql - more webmail preferences, and the senders whose
-- remote images are always shown.
--
-- list_threads: the message list shows conversations (IMAP THREAD
-- REFERENCES) instead of single messages; the list page keeps the last
-- choice.
-- read_plain: a message that has both a plain text and an HTML version is
-- shown as plain text; the reading page keeps the last choice.
ALTER TABLE users ADD COLUMN list_threads boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN read_plain boolean NOT NULL DEFAULT false;

-- remote_image_senders: the user asked to load remote images of every
-- message from this sender (the address of the message's From, lower
-- case). The From header can be forged; what a forger gains is only that
-- the user's client fetches the forged message's images.
CREATE TABLE remote_image_senders (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	sender text NOT NULL CHECK (sender <> '' AND sender = lower(sender)
		AND length(sender) <= 320),
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (user_id, sender)
);
