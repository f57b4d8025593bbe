-- 002_fts_pending: the full-text vector of a message is computed after
-- delivery by mailhived's indexer service (tokenizing a large message takes
-- tens of milliseconds, which SMTP should not wait for). This index finds
-- the messages still waiting for it.
CREATE INDEX messages_fts_pending ON messages (id) WHERE fts IS NULL;
