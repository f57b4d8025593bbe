-- 013_popfetch.sql - what fetching mail from other POP3 servers needs.
--
-- password_enc (001) holds a crypto_secretbox box (lib/secretbox.c):
-- 24 bytes of nonce, 16 of MAC, then the password, under a key derived
-- from the installation's secret key file with the context "mhpopacc"
-- and the owner's user id, so a box copied to another user's row does
-- not open. The CHECK only rules out an empty box.
--
-- target_mailbox_id replaces target_mailbox (a name, which a rename
-- would break): the folder the messages go to; NULL = the INBOX (also
-- what a deleted folder falls back to). fetch_interval is at least five
-- minutes.
--
-- Scheduling: an account is due when next_run_at has passed. The jobs
-- service claims a due account in one statement (SELECT ... FOR UPDATE
-- SKIP LOCKED, then claim_token and claim_until set, next_run_at moved a
-- full interval on), so two processes or nodes never fetch the same
-- account at once; a claim whose holder died expires at claim_until.
-- "Fetch now" in webmail sets next_run_at to now().
--
-- The last run: last_run (001) when it ended, last_error (001) NULL when
-- it went well, else "<what>: <detail>" on one line (what = connect, tls,
-- login, list, retrieve, store, quota, key); last_count the messages it
-- took, last_pending what it left for the next run (limits per run);
-- total_count every message taken so far.
ALTER TABLE pop_accounts
	DROP CONSTRAINT pop_accounts_fetch_interval_check,
	ADD CONSTRAINT pop_accounts_fetch_interval_check
		CHECK (fetch_interval BETWEEN 300 AND 604800),
	ADD CONSTRAINT pop_accounts_password_enc_check
		CHECK (octet_length(password_enc) BETWEEN 40 AND 1064),
	ADD CONSTRAINT pop_accounts_username_check CHECK (username <> ''),
	ADD COLUMN target_mailbox_id bigint
		REFERENCES mailboxes (id) ON DELETE SET NULL,
	ADD COLUMN next_run_at timestamptz NOT NULL DEFAULT now(),
	ADD COLUMN claim_token text,
	ADD COLUMN claim_until timestamptz,
	ADD COLUMN last_count integer NOT NULL DEFAULT 0
		CHECK (last_count >= 0),
	ADD COLUMN last_pending integer NOT NULL DEFAULT 0
		CHECK (last_pending >= 0),
	ADD COLUMN total_count bigint NOT NULL DEFAULT 0
		CHECK (total_count >= 0),
	ADD CONSTRAINT pop_accounts_last_error_check
		CHECK (last_error IS NULL OR length(last_error) <= 1000),
	DROP COLUMN target_mailbox;
CREATE INDEX pop_accounts_due ON pop_accounts (next_run_at) WHERE enabled;
