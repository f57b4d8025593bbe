-- 004_webmail_prefs.sql - webmail preferences kept with the user.
--
-- list_page_size: messages per page of the message list; the list page
-- remembers the last size the user chose.
ALTER TABLE users ADD COLUMN list_page_size integer NOT NULL DEFAULT 50
	CHECK (list_page_size IN (20, 50, 100));
