-- 001_initial.sql - the whole Mailhive data model, migration 1.
--
-- Applied by "mailhivectl migrate" inside one transaction, which also
-- records the version in schema_version (that table is created by the
-- migrate code, not here). Later migrations add columns and indexes; they
-- never redesign what is below.
--
-- Conventions:
--   * ids are bigserial; times are timestamptz; sizes are bigint bytes.
--   * addresses, domain names and logins are stored lower-case and a CHECK
--     keeps them so; lookups compare with "=" on the stored value.
--   * child rows that belong to a user (mailboxes, contacts, filters, ...)
--     go with the user (ON DELETE CASCADE); directory objects that others
--     depend on (domains, packages, nodes) cannot vanish under them
--     (ON DELETE RESTRICT or SET NULL).
--   * message bodies live in the blob store; blobs.refcount counts the rows
--     of messages, queue, scheduled_messages and quarantine that point at a
--     blob and is kept by the triggers at the end of this file, so no
--     program has to remember it. The blob GC removes refcount-0 blobs.

-- ==== Directory =============================================================

CREATE TABLE service_packages (
	id bigserial PRIMARY KEY,
	name text NOT NULL UNIQUE CHECK (name <> ''),
	max_users integer NOT NULL DEFAULT 0 CHECK (max_users >= 0),
	max_quota_bytes bigint NOT NULL DEFAULT 0
		CHECK (max_quota_bytes >= 0),		-- total, 0 = unlimited
	default_user_quota_bytes bigint NOT NULL DEFAULT 0
		CHECK (default_user_quota_bytes >= 0),
	max_user_quota_bytes bigint NOT NULL DEFAULT 0
		CHECK (max_user_quota_bytes >= 0),
	max_message_bytes bigint NOT NULL DEFAULT 0
		CHECK (max_message_bytes >= 0),
	max_attachment_bytes bigint NOT NULL DEFAULT 0
		CHECK (max_attachment_bytes >= 0),
	features jsonb NOT NULL DEFAULT '{}'
		CHECK (jsonb_typeof(features) = 'object'),
	created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE nodes (
	id bigserial PRIMARY KEY,
	name text NOT NULL UNIQUE CHECK (name <> ''),
	hostname text NOT NULL CHECK (hostname = lower(hostname)),
	smtp_address text,			-- host:port other nodes relay to
	imap_address text,			-- host:port the mail proxy uses
	is_local boolean NOT NULL DEFAULT false,
	status text NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'draining', 'down', 'disabled')),
	last_heartbeat timestamptz,
	created_at timestamptz NOT NULL DEFAULT now()
);
-- at most one node is "this node" in a given database
CREATE UNIQUE INDEX nodes_one_local ON nodes (is_local) WHERE is_local;

CREATE TABLE domains (
	id bigserial PRIMARY KEY,
	name text NOT NULL UNIQUE
		CHECK (name = lower(name) AND length(name) BETWEEN 1 AND 253),
	status text NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'disabled')),
	package_id bigint REFERENCES service_packages (id)
		ON DELETE RESTRICT,
	default_language text NOT NULL DEFAULT '',
	default_skin text NOT NULL DEFAULT '',
	spam_level integer NOT NULL DEFAULT 5
		CHECK (spam_level BETWEEN 0 AND 10),
	default_quota_bytes bigint NOT NULL DEFAULT 0
		CHECK (default_quota_bytes >= 0),	-- 0 = from package
	max_message_bytes bigint NOT NULL DEFAULT 0
		CHECK (max_message_bytes >= 0),		-- 0 = from package/system
	password_policy jsonb NOT NULL DEFAULT '{}'
		CHECK (jsonb_typeof(password_policy) = 'object'),
	sso_secret_hash text,
	catch_all_address text
		CHECK (catch_all_address = lower(catch_all_address)),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_package ON domains (package_id);

CREATE TABLE users (
	id bigserial PRIMARY KEY,
	domain_id bigint NOT NULL REFERENCES domains (id) ON DELETE RESTRICT,
	local_part text NOT NULL
		CHECK (local_part = lower(local_part)
		       AND length(local_part) BETWEEN 1 AND 64),
	address text NOT NULL UNIQUE
		CHECK (address = lower(address) AND length(address) <= 254
		       AND address LIKE '_%@_%'),
	display_name text NOT NULL DEFAULT '',
	password_hash text NOT NULL DEFAULT '',	-- '' = cannot log in
	status text NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'disabled')),
	quota_bytes bigint NOT NULL DEFAULT 0
		CHECK (quota_bytes >= 0),	-- 0 = from domain/package
	package_id bigint REFERENCES service_packages (id)
		ON DELETE RESTRICT,
	home_node_id bigint REFERENCES nodes (id) ON DELETE RESTRICT,
	language text NOT NULL DEFAULT '',
	used_bytes bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	last_login_at timestamptz,
	password_changed_at timestamptz,
	deleted_at timestamptz,			-- soft delete by the portals
	purge_after timestamptz,		-- the purge job removes it then
	UNIQUE (domain_id, local_part),
	CHECK (purge_after IS NULL OR deleted_at IS NOT NULL)
);
CREATE INDEX users_home_node ON users (home_node_id);
CREATE INDEX users_package ON users (package_id);
CREATE INDEX users_purge ON users (purge_after) WHERE purge_after IS NOT NULL;

-- kind 'alias' forwards to one user or a list of addresses, 'group' is a
-- distribution list (targets), 'catchall' has address '@domain'.
CREATE TABLE aliases (
	id bigserial PRIMARY KEY,
	address text NOT NULL UNIQUE
		CHECK (address = lower(address) AND length(address) <= 254
		       AND address LIKE '%@_%'),
	domain_id bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
	kind text NOT NULL DEFAULT 'alias'
		CHECK (kind IN ('alias', 'group', 'catchall')),
	target_user_id bigint REFERENCES users (id) ON DELETE CASCADE,
	targets text[] NOT NULL DEFAULT '{}',
	keep_copy boolean NOT NULL DEFAULT false,
	description text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL DEFAULT now(),
	CHECK (target_user_id IS NOT NULL OR cardinality(targets) > 0),
	CHECK ((kind = 'catchall') = (address LIKE '@%'))
);
CREATE INDEX aliases_domain ON aliases (domain_id);
CREATE INDEX aliases_target_user ON aliases (target_user_id);

CREATE TABLE forwards (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	target text NOT NULL CHECK (target LIKE '_%@_%'),
	keep_copy boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (user_id, target)
);

CREATE TABLE domain_admins (
	id bigserial PRIMARY KEY,
	login text NOT NULL UNIQUE
		CHECK (login = lower(login) AND length(login) BETWEEN 1 AND 320),
	password_hash text NOT NULL DEFAULT '',
	display_name text NOT NULL DEFAULT '',
	status text NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'disabled')),
	created_at timestamptz NOT NULL DEFAULT now(),
	last_login_at timestamptz,
	password_changed_at timestamptz
);

CREATE TABLE domain_admin_domains (
	admin_id bigint NOT NULL REFERENCES domain_admins (id)
		ON DELETE CASCADE,
	domain_id bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
	PRIMARY KEY (admin_id, domain_id)
);
CREATE INDEX domain_admin_domains_domain ON domain_admin_domains (domain_id);

CREATE TABLE super_admins (
	id bigserial PRIMARY KEY,
	login text NOT NULL UNIQUE
		CHECK (login = lower(login) AND length(login) BETWEEN 1 AND 320),
	password_hash text NOT NULL DEFAULT '',
	display_name text NOT NULL DEFAULT '',
	status text NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'disabled')),
	created_at timestamptz NOT NULL DEFAULT now(),
	last_login_at timestamptz,
	password_changed_at timestamptz
);

-- ==== Mail metadata =========================================================

-- One row per file var/blobs/ab/cd/<sha256>. Insert it with refcount 0
-- (ON CONFLICT DO NOTHING) before the rows that reference it.
CREATE TABLE blobs (
	sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	size bigint NOT NULL CHECK (size >= 0),
	refcount integer NOT NULL DEFAULT 0 CHECK (refcount >= 0),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blobs_unreferenced ON blobs (created_at) WHERE refcount = 0;

CREATE TABLE mailboxes (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name text NOT NULL CHECK (name <> ''),	-- full name, '/' separated
	parent_id bigint REFERENCES mailboxes (id) ON DELETE CASCADE,
	special_use text CHECK (special_use IN ('\All', '\Archive',
		'\Drafts', '\Flagged', '\Junk', '\Sent', '\Trash')),
	uidvalidity bigint NOT NULL
		CHECK (uidvalidity BETWEEN 1 AND 4294967295),
	uidnext bigint NOT NULL DEFAULT 1
		CHECK (uidnext BETWEEN 1 AND 4294967296),
	highestmodseq bigint NOT NULL DEFAULT 1 CHECK (highestmodseq >= 1),
	subscribed boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (user_id, name)
);
CREATE INDEX mailboxes_parent ON mailboxes (parent_id);

CREATE TABLE messages (
	id bigserial PRIMARY KEY,
	mailbox_id bigint NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
	uid bigint NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
	modseq bigint NOT NULL CHECK (modseq >= 1),
	flags text[] NOT NULL DEFAULT '{}',
	internal_date timestamptz NOT NULL DEFAULT now(),
	size bigint NOT NULL CHECK (size >= 0),
	blob_sha256 text NOT NULL REFERENCES blobs (sha256) ON DELETE RESTRICT,
	-- parsed envelope, for FETCH ENVELOPE, SORT, THREAD and the web lists
	message_id text,
	in_reply_to text,
	refs text,				-- the References: header
	subject text NOT NULL DEFAULT '',
	from_addr text NOT NULL DEFAULT '',
	from_name text NOT NULL DEFAULT '',
	to_addrs text NOT NULL DEFAULT '',
	cc_addrs text NOT NULL DEFAULT '',
	date_sent timestamptz,
	sort_subject text NOT NULL DEFAULT '',	-- base subject, RFC 5256
	sort_from text NOT NULL DEFAULT '',
	preview text NOT NULL DEFAULT '',
	has_attachments boolean NOT NULL DEFAULT false,
	UNIQUE (mailbox_id, uid)
);
CREATE INDEX messages_modseq ON messages (mailbox_id, modseq);
CREATE INDEX messages_date ON messages (mailbox_id, internal_date);
CREATE INDEX messages_blob ON messages (blob_sha256);
CREATE INDEX messages_message_id ON messages (message_id);

-- the full-text vector of a message, in a table of its own: the row is
-- made at delivery with fts NULL and filled by mailhived's indexer service
-- (tokenizing a large message takes tens of milliseconds, which SMTP does
-- not wait for, and updating a narrow row leaves the messages row alone)
CREATE TABLE message_fts (
	message_id bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
	fts tsvector
);
CREATE INDEX message_fts_gin ON message_fts USING gin (fts);
CREATE INDEX message_fts_pending ON message_fts (message_id)
	WHERE fts IS NULL;

-- expunged UIDs with the MODSEQ of their removal, for QRESYNC VANISHED
CREATE TABLE expunged (
	mailbox_id bigint NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
	uid bigint NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
	modseq bigint NOT NULL CHECK (modseq >= 1),
	PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX expunged_modseq ON expunged (mailbox_id, modseq);

-- one row per (message, recipient) still to deliver remotely or relay
CREATE TABLE queue (
	id bigserial PRIMARY KEY,
	sender text NOT NULL DEFAULT '',	-- envelope MAIL FROM, '' = <>
	recipient text NOT NULL CHECK (recipient <> ''),
	blob_sha256 text NOT NULL REFERENCES blobs (sha256) ON DELETE RESTRICT,
	size bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
	domain_id bigint REFERENCES domains (id) ON DELETE SET NULL,
	user_id bigint REFERENCES users (id) ON DELETE SET NULL,
	relay_node_id bigint REFERENCES nodes (id) ON DELETE SET NULL,
	status text NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'sending', 'deferred', 'sent',
				  'bounced', 'expired')),
	attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	last_error text,
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL DEFAULT now() + interval '5 days',
	-- DSN (RFC 3461): ENVID and RET from MAIL, NOTIFY and ORCPT from RCPT
	dsn_envid text,
	dsn_ret text CHECK (dsn_ret IN ('FULL', 'HDRS')),
	dsn_notify text,			-- e.g. 'FAILURE,DELAY' or 'NEVER'
	dsn_orcpt text,
	dsn_sent_at timestamptz
);
CREATE INDEX queue_due ON queue (next_attempt_at)
	WHERE status IN ('queued', 'deferred');
CREATE INDEX queue_blob ON queue (blob_sha256);

CREATE TABLE mail_events (
	id bigserial PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	domain_id bigint REFERENCES domains (id) ON DELETE SET NULL,
	user_id bigint REFERENCES users (id) ON DELETE SET NULL,
	direction text NOT NULL CHECK (direction IN ('in', 'out')),
	bytes bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
	outcome text NOT NULL CHECK (outcome IN ('delivered', 'deferred',
		'bounced', 'rejected', 'quarantined', 'failed')),
	remote text,				-- peer host or address
	queue_id bigint				-- no FK: queue rows go away
);
CREATE INDEX mail_events_at ON mail_events (at);
CREATE INDEX mail_events_domain ON mail_events (domain_id, at);
CREATE INDEX mail_events_user ON mail_events (user_id, at);

-- ==== Webmail state =========================================================

CREATE TABLE web_sessions (
	id_hash text PRIMARY KEY,
	portal text NOT NULL CHECK (portal IN ('webmail','domainadmin','admin')),
	role text NOT NULL,
	principal_id bigint NOT NULL,
	login text NOT NULL,
	csrf_token text NOT NULL,
	client_ip text,
	user_agent text,
	created_at timestamptz NOT NULL DEFAULT now(),
	last_seen timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_principal ON web_sessions (portal, role, principal_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

CREATE TABLE contacts (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name text NOT NULL DEFAULT '',
	emails text[] NOT NULL DEFAULT '{}',
	phones text[] NOT NULL DEFAULT '{}',
	company text NOT NULL DEFAULT '',
	notes text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_user ON contacts (user_id, name);
CREATE INDEX contacts_emails ON contacts USING gin (emails);

CREATE TABLE contact_groups (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name text NOT NULL CHECK (name <> ''),
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (user_id, name)
);

CREATE TABLE contact_group_members (
	group_id bigint NOT NULL REFERENCES contact_groups (id)
		ON DELETE CASCADE,
	contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	PRIMARY KEY (group_id, contact_id)
);
CREATE INDEX contact_group_members_contact
	ON contact_group_members (contact_id);

-- the domain's shared (group) address book, kept by its domain admins
CREATE TABLE domain_contacts (
	id bigserial PRIMARY KEY,
	domain_id bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
	name text NOT NULL DEFAULT '',
	emails text[] NOT NULL DEFAULT '{}',
	phones text[] NOT NULL DEFAULT '{}',
	company text NOT NULL DEFAULT '',
	department text NOT NULL DEFAULT '',
	title text NOT NULL DEFAULT '',
	notes text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domain_contacts_domain ON domain_contacts (domain_id, name);

-- pattern: a full address, or '@domain' for a whole domain
CREATE TABLE block_list (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	pattern text NOT NULL
		CHECK (pattern = lower(pattern) AND pattern LIKE '%@_%'),
	action text NOT NULL DEFAULT 'reject'
		CHECK (action IN ('reject', 'discard')),
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (user_id, pattern)
);

CREATE TABLE filters (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name text NOT NULL DEFAULT '',
	position integer NOT NULL DEFAULT 0,
	enabled boolean NOT NULL DEFAULT true,
	conditions jsonb NOT NULL DEFAULT '[]'
		CHECK (jsonb_typeof(conditions) = 'array'),
	actions jsonb NOT NULL DEFAULT '[]'
		CHECK (jsonb_typeof(actions) = 'array'),
	stop boolean NOT NULL DEFAULT true,	-- no later rules after a match
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX filters_user ON filters (user_id, position);

-- external POP3 mailboxes fetched by the jobs service
CREATE TABLE pop_accounts (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	host text NOT NULL CHECK (host <> ''),
	port integer NOT NULL DEFAULT 995 CHECK (port BETWEEN 1 AND 65535),
	tls text NOT NULL DEFAULT 'tls'
		CHECK (tls IN ('none', 'starttls', 'tls')),
	username text NOT NULL,
	password_enc bytea NOT NULL,		-- encrypted with the node key
	keep boolean NOT NULL DEFAULT true,	-- leave mail on the server
	fetch_interval integer NOT NULL DEFAULT 600
		CHECK (fetch_interval >= 60),	-- seconds
	target_mailbox text NOT NULL DEFAULT 'INBOX',
	enabled boolean NOT NULL DEFAULT true,
	last_run timestamptz,
	last_error text,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pop_accounts_user ON pop_accounts (user_id);

CREATE TABLE pop_uidls (
	account_id bigint NOT NULL REFERENCES pop_accounts (id)
		ON DELETE CASCADE,
	uidl text NOT NULL,
	fetched_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, uidl)
);

CREATE TABLE scheduled_messages (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	blob_sha256 text NOT NULL REFERENCES blobs (sha256) ON DELETE RESTRICT,
	send_at timestamptz NOT NULL,
	status text NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'sending', 'sent', 'failed',
				  'cancelled')),
	attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	last_error text,
	created_at timestamptz NOT NULL DEFAULT now(),
	sent_at timestamptz
);
CREATE INDEX scheduled_messages_due ON scheduled_messages (send_at)
	WHERE status = 'pending';
CREATE INDEX scheduled_messages_user ON scheduled_messages (user_id);

-- absent row = all defaults
CREATE TABLE user_prefs (
	user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	language text NOT NULL DEFAULT '',
	skin text NOT NULL DEFAULT '',
	page_size integer NOT NULL DEFAULT 50
		CHECK (page_size BETWEEN 5 AND 500),
	timezone text NOT NULL DEFAULT '',
	signature text NOT NULL DEFAULT '',
	html_compose boolean NOT NULL DEFAULT false,
	spam_level integer CHECK (spam_level BETWEEN 0 AND 10), -- NULL: domain's
	antivirus boolean NOT NULL DEFAULT true,
	prefs jsonb NOT NULL DEFAULT '{}'
		CHECK (jsonb_typeof(prefs) = 'object'),
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- single-use nonces of domain SSO logins (replay protection)
CREATE TABLE sso_nonces (
	domain_id bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
	nonce text NOT NULL CHECK (nonce <> ''),
	used_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (domain_id, nonce)
);
CREATE INDEX sso_nonces_used ON sso_nonces (used_at);

-- ==== Statistics and audit ==================================================

CREATE TABLE system_samples (
	id bigserial PRIMARY KEY,
	node_id bigint REFERENCES nodes (id) ON DELETE CASCADE,
	at timestamptz NOT NULL DEFAULT now(),
	cpu_percent real,
	load1 real,
	load5 real,
	load15 real,
	mem_total_bytes bigint,
	mem_used_bytes bigint,
	disk_total_bytes bigint,
	disk_used_bytes bigint,
	smtp_connections integer,
	imap_connections integer,
	pop3_connections integer,
	web_sessions integer,
	queue_length integer
);
CREATE INDEX system_samples_node ON system_samples (node_id, at);
CREATE INDEX system_samples_at ON system_samples (at);

CREATE TABLE quarantine (
	id bigserial PRIMARY KEY,
	user_id bigint REFERENCES users (id) ON DELETE CASCADE,
	domain_id bigint REFERENCES domains (id) ON DELETE CASCADE,
	at timestamptz NOT NULL DEFAULT now(),
	reason text NOT NULL CHECK (reason <> ''),	-- 'spam', 'virus', ...
	blob_sha256 text REFERENCES blobs (sha256) ON DELETE RESTRICT,
	sender text NOT NULL DEFAULT '',
	subject text NOT NULL DEFAULT '',
	released_at timestamptz
);
CREATE INDEX quarantine_user ON quarantine (user_id, at);
CREATE INDEX quarantine_domain ON quarantine (domain_id, at);
CREATE INDEX quarantine_at ON quarantine (at);

CREATE TABLE sms_log (
	id bigserial PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	domain_id bigint REFERENCES domains (id) ON DELETE SET NULL,
	user_id bigint REFERENCES users (id) ON DELETE SET NULL,
	phone text NOT NULL,
	message text NOT NULL DEFAULT '',
	status text NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'sent', 'failed')),
	provider_ref text,
	error text
);
CREATE INDEX sms_log_at ON sms_log (at);

CREATE TABLE audit_log (
	id bigserial PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	actor_role text,		-- 'user', 'domainadmin', 'superadmin', 'cli'
	actor text,
	client_ip text,
	action text NOT NULL CHECK (action <> ''),	-- e.g. 'login.failed'
	object text,
	detail text
);
CREATE INDEX audit_log_at ON audit_log (at);

-- key is "<role>:<lower-case login>" for scope 'account', the client
-- address for scope 'ip'
CREATE TABLE login_failures (
	id bigserial PRIMARY KEY,
	scope text NOT NULL CHECK (scope IN ('account', 'ip')),
	key text NOT NULL,
	service text,
	at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key ON login_failures (scope, key, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- ==== Blob reference counts =================================================

-- blob_ref_adjust - statement-level trigger for INSERT and DELETE: add the
-- rows that now point at a blob, subtract the rows that no longer do. Every
-- table that references blobs names the column blob_sha256.
CREATE FUNCTION blob_ref_adjust() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		UPDATE blobs b SET refcount = b.refcount - d.n
		FROM (SELECT blob_sha256, count(*) AS n FROM old_rows
		      WHERE blob_sha256 IS NOT NULL GROUP BY blob_sha256) d
		WHERE b.sha256 = d.blob_sha256;
	ELSIF TG_OP = 'INSERT' THEN
		UPDATE blobs b SET refcount = b.refcount + d.n
		FROM (SELECT blob_sha256, count(*) AS n FROM new_rows
		      WHERE blob_sha256 IS NOT NULL GROUP BY blob_sha256) d
		WHERE b.sha256 = d.blob_sha256;
	END IF;
	RETURN NULL;
END;
$$;

-- blob_ref_move - row-level trigger for the rare UPDATE that changes
-- blob_sha256 (the WHEN clause keeps flag updates away from it)
CREATE FUNCTION blob_ref_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.blob_sha256 IS NOT NULL THEN
		UPDATE blobs SET refcount = refcount - 1
		WHERE sha256 = OLD.blob_sha256;
	END IF;
	IF NEW.blob_sha256 IS NOT NULL THEN
		UPDATE blobs SET refcount = refcount + 1
		WHERE sha256 = NEW.blob_sha256;
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER messages_blob_ins AFTER INSERT ON messages
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION blob_ref_adjust();
CREATE TRIGGER messages_blob_del AFTER DELETE ON messages
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION blob_ref_adjust();
CREATE TRIGGER messages_blob_upd AFTER UPDATE OF blob_sha256 ON messages
	FOR EACH ROW
	WHEN (OLD.blob_sha256 IS DISTINCT FROM NEW.blob_sha256)
	EXECUTE FUNCTION blob_ref_move();

CREATE TRIGGER queue_blob_ins AFTER INSERT ON queue
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION blob_ref_adjust();
CREATE TRIGGER queue_blob_del AFTER DELETE ON queue
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION blob_ref_adjust();
CREATE TRIGGER queue_blob_upd AFTER UPDATE OF blob_sha256 ON queue
	FOR EACH ROW
	WHEN (OLD.blob_sha256 IS DISTINCT FROM NEW.blob_sha256)
	EXECUTE FUNCTION blob_ref_move();

CREATE TRIGGER scheduled_messages_blob_ins
	AFTER INSERT ON scheduled_messages
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION blob_ref_adjust();
CREATE TRIGGER scheduled_messages_blob_del
	AFTER DELETE ON scheduled_messages
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION blob_ref_adjust();
CREATE TRIGGER scheduled_messages_blob_upd
	AFTER UPDATE OF blob_sha256 ON scheduled_messages
	FOR EACH ROW
	WHEN (OLD.blob_sha256 IS DISTINCT FROM NEW.blob_sha256)
	EXECUTE FUNCTION blob_ref_move();

CREATE TRIGGER quarantine_blob_ins AFTER INSERT ON quarantine
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION blob_ref_adjust();
CREATE TRIGGER quarantine_blob_del AFTER DELETE ON quarantine
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION blob_ref_adjust();
CREATE TRIGGER quarantine_blob_upd AFTER UPDATE OF blob_sha256 ON quarantine
	FOR EACH ROW
	WHEN (OLD.blob_sha256 IS DISTINCT FROM NEW.blob_sha256)
	EXECUTE FUNCTION blob_ref_move();
