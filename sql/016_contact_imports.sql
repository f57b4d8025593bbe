-- 016_contact_imports.sql - imports into a user's personal address book.
--
-- As domain_contact_imports (010_addressbook.sql) for the domain's book:
-- the entries of an uploaded vCard or CSV file that passed the checks
-- (a JSON array of {name, emails, phones, company, department, title,
-- notes}) wait here until the user confirms, which copies them into
-- contacts and deletes the row in one transaction. Rows nobody confirmed
-- are removed a day later, when the next import of any user starts.
CREATE TABLE contact_imports (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	filename text NOT NULL DEFAULT '',
	entries jsonb NOT NULL CHECK (jsonb_typeof(entries) = 'array'),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_imports_created ON contact_imports (created_at);
CREATE INDEX contact_imports_user ON contact_imports (user_id);
