-- 002_imap.sql - indexes the IMAP service leans on.
--
-- SELECT reports the first unseen message and STATUS counts the unseen
-- ones; SEARCH UNSEEN is what mail clients ask most. Without this index
-- each of them reads every row of the mailbox; with it they read only the
-- unseen ones, which are few in a big mailbox.
CREATE INDEX messages_unseen ON messages (mailbox_id, uid)
	WHERE NOT flags @> '{"\\Seen"}';

-- The number of messages in each mailbox, kept by the triggers below
-- like blobs.refcount. SELECT needs the UIDs of a mailbox in order; UIDs
-- are handed out one after the other and never reused, so when
-- message_count equals uidnext - 1 minus the expunged UIDs, the UIDs are
-- exactly 1..uidnext-1 without the expunged ones, and a 100,000-message
-- mailbox is opened without reading its 100,000 rows. When the numbers
-- disagree (rows moved in with their old UIDs), the rows are read.
ALTER TABLE mailboxes ADD COLUMN message_count bigint NOT NULL DEFAULT 0
	CHECK (message_count >= 0);
UPDATE mailboxes mb SET message_count =
	(SELECT count(*) FROM messages m WHERE m.mailbox_id = mb.id);

CREATE FUNCTION mailbox_count_adjust() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		UPDATE mailboxes b SET message_count = b.message_count - d.n
		FROM (SELECT mailbox_id, count(*) AS n FROM old_rows
		      GROUP BY mailbox_id) d
		WHERE b.id = d.mailbox_id;
	ELSIF TG_OP = 'INSERT' THEN
		UPDATE mailboxes b SET message_count = b.message_count + d.n
		FROM (SELECT mailbox_id, count(*) AS n FROM new_rows
		      GROUP BY mailbox_id) d
		WHERE b.id = d.mailbox_id;
	END IF;
	RETURN NULL;
END;
$$;

-- mailbox_count_move - row-level, for the rare UPDATE that moves a
-- message to another mailbox (flag updates never fire it)
CREATE FUNCTION mailbox_count_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE mailboxes SET message_count = message_count - 1
	WHERE id = OLD.mailbox_id;
	UPDATE mailboxes SET message_count = message_count + 1
	WHERE id = NEW.mailbox_id;
	RETURN NULL;
END;
$$;

CREATE TRIGGER messages_count_ins AFTER INSERT ON messages
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION mailbox_count_adjust();
CREATE TRIGGER messages_count_del AFTER DELETE ON messages
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION mailbox_count_adjust();
CREATE TRIGGER messages_count_upd AFTER UPDATE OF mailbox_id ON messages
	FOR EACH ROW WHEN (OLD.mailbox_id IS DISTINCT FROM NEW.mailbox_id)
	EXECUTE FUNCTION mailbox_count_move();
