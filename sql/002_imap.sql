-- 002_imap.sql - indexes the IMAP service leans on.
--
-- SELECT reports the first unseen message and STATUS counts the unseen
-- ones; SEARCH UNSEEN is what mail clients ask most. Without this index
-- each of them reads every row of the mailbox; with it they read only the
-- unseen ones, which are few in a big mailbox.
CREATE INDEX messages_unseen ON messages (mailbox_id, uid)
	WHERE NOT flags @> '{"\\Seen"}';
