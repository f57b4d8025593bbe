-- 003_envelope.sql - the IMAP ENVELOPE of each message, as sent on the
-- wire, computed from the header when the message is stored: FETCH
-- ENVELOPE (message lists, in IMAP clients and in webmail) then needs no
-- read of the message file. NULL for rows stored before this column
-- existed, or whose header was too large to keep: imapd computes those
-- from the file.
ALTER TABLE messages ADD COLUMN imap_envelope text;
