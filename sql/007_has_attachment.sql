-- 007_has_attachment.sql - the keyword $HasAttachment on messages with
-- attachments.
--
-- Delivery, APPEND and COPY set it from has_attachments from now on (see
-- backend/store/deliver.c); messages stored before get it here. Clients
-- (our webmail among them) then show and search "has attachments" from
-- FLAGS and SEARCH KEYWORD instead of fetching every message's structure.
UPDATE messages SET flags = flags || '{$HasAttachment}'::text[]
	WHERE has_attachments AND NOT flags @> '{$HasAttachment}';
