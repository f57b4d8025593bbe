-- 009_mail_event_error.sql - why a delivery attempt did not succeed.
--
-- mail_events.error: for a deferred, bounced, failed or rejected attempt,
-- the remote server's reply ("550 5.1.1 <x@y>: user unknown") or our own
-- reason ("no MX or A record for y"), on one line; NULL for a delivery
-- and for rows written before this migration. The domain administrators'
-- statistics show the newest one per user. The queue cuts replies at 512
-- bytes already; the CHECK keeps any other writer from storing a message
-- body here by mistake.
ALTER TABLE mail_events ADD COLUMN error text
	CHECK (error IS NULL OR length(error) <= 1000);
