-- 014_user_import.sql - imports of users into a domain from a CSV file.
--
-- The domain administrators' portal reads an uploaded file once, when
-- the administrator asks for the preview; the rows that passed the
-- checks wait here (users: a JSON array of {line, local, name, quota,
-- status, package, hash}) until the same administrator confirms, which
-- creates the users and deletes the row in one transaction. A typed
-- password waits as its hash only; "hash" is empty for a user whose
-- password is made up when the import is confirmed (and never stored in
-- plain text). Rows nobody confirmed are removed a day later, when the
-- next import of any domain starts.
CREATE TABLE user_imports (
	id bigserial PRIMARY KEY,
	domain_id bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
	admin_id bigint NOT NULL REFERENCES domain_admins (id)
		ON DELETE CASCADE,
	filename text NOT NULL DEFAULT '',
	users jsonb NOT NULL CHECK (jsonb_typeof(users) = 'array'),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_imports_created ON user_imports (created_at);
