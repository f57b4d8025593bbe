-- 008_unseen_count.sql - the number of unseen messages of each mailbox,
-- kept in its row like message_count.
--
-- STATUS (UNSEEN) and every folder pane of webmail ask for it. Counting
-- the unseen rows of a 10,000-message INBOX on each request costs more
-- than everything else the request does; a counter the triggers keep
-- costs a little on each change instead. The INSERT and DELETE triggers
-- of 002 count unseen rows too; a statement trigger on UPDATE adds the
-- difference a flag change made (a move to another mailbox is the row
-- trigger's business, which now moves the unseen count as well).
ALTER TABLE mailboxes ADD COLUMN unseen_count bigint NOT NULL DEFAULT 0
	CHECK (unseen_count >= 0);
UPDATE mailboxes mb SET unseen_count =
	(SELECT count(*) FROM messages m WHERE m.mailbox_id = mb.id
	 AND NOT m.flags @> '{"\\Seen"}');

CREATE OR REPLACE FUNCTION mailbox_count_adjust() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		UPDATE mailboxes b SET message_count = b.message_count - d.n,
			unseen_count = b.unseen_count - d.u
		FROM (SELECT mailbox_id, count(*) AS n,
			count(*) FILTER (WHERE NOT flags @> '{"\\Seen"}') AS u
		      FROM old_rows GROUP BY mailbox_id) d
		WHERE b.id = d.mailbox_id;
	ELSIF TG_OP = 'INSERT' THEN
		UPDATE mailboxes b SET message_count = b.message_count + d.n,
			unseen_count = b.unseen_count + d.u
		FROM (SELECT mailbox_id, count(*) AS n,
			count(*) FILTER (WHERE NOT flags @> '{"\\Seen"}') AS u
		      FROM new_rows GROUP BY mailbox_id) d
		WHERE b.id = d.mailbox_id;
	END IF;
	RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION mailbox_count_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE mailboxes SET message_count = message_count - 1,
		unseen_count = unseen_count -
			CASE WHEN OLD.flags @> '{"\\Seen"}' THEN 0 ELSE 1 END
	WHERE id = OLD.mailbox_id;
	UPDATE mailboxes SET message_count = message_count + 1,
		unseen_count = unseen_count +
			CASE WHEN NEW.flags @> '{"\\Seen"}' THEN 0 ELSE 1 END
	WHERE id = NEW.mailbox_id;
	RETURN NULL;
END;
$$;

-- mailbox_unseen_adjust - flag changes of rows that stayed in their
-- mailbox; a statement that changes no \Seen writes nothing
CREATE FUNCTION mailbox_unseen_adjust() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE mailboxes b SET unseen_count = b.unseen_count + d.delta
	FROM (SELECT n.mailbox_id,
		sum((CASE WHEN n.flags @> '{"\\Seen"}' THEN 0 ELSE 1 END) -
		    (CASE WHEN o.flags @> '{"\\Seen"}' THEN 0 ELSE 1 END))
		AS delta
	      FROM new_rows n JOIN old_rows o ON o.id = n.id
	      WHERE o.mailbox_id = n.mailbox_id
	        AND (o.flags @> '{"\\Seen"}') <> (n.flags @> '{"\\Seen"}')
	      GROUP BY n.mailbox_id) d
	WHERE b.id = d.mailbox_id AND d.delta <> 0;
	RETURN NULL;
END;
$$;

CREATE TRIGGER messages_unseen_upd AFTER UPDATE ON messages
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION mailbox_unseen_adjust();
