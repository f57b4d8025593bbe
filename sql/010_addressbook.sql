-- 010_addressbook.sql - imports into a domain's group address book.
--
-- An uploaded vCard or CSV file is read once, when the administrator
-- asks for the preview; the entries that passed the checks wait here
-- (entries: a JSON array of {name, emails, phones, company, department,
-- title, notes}) until the same administrator confirms, which copies
-- them into domain_contacts and deletes the row in one transaction.
-- Rows nobody confirmed are removed a day later, when the next import of
-- any domain starts.
CREATE TABLE domain_contact_imports (
	id bigserial PRIMARY KEY,
	domain_id bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
	admin_id bigint NOT NULL REFERENCES domain_admins (id)
		ON DELETE CASCADE,
	filename text NOT NULL DEFAULT '',
	entries jsonb NOT NULL CHECK (jsonb_typeof(entries) = 'array'),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domain_contact_imports_created
	ON domain_contact_imports (created_at);
