-- 006_domainadmin.sql - what the domain administrators' portal needs.
--
-- audit_log.domain_id: the domain a row is about. The portal writes it
-- with every change it makes (and with every refused attempt inside a
-- domain), and its audit page lists the rows of one domain by this
-- column: a domain admin sees the history of the domains they run and of
-- no other. NULL for rows about no single domain (logins, system-wide
-- changes, rows written before this migration). A deleted domain leaves
-- its rows behind (SET NULL): the audit log outlives what it describes.
ALTER TABLE audit_log ADD COLUMN domain_id bigint
	REFERENCES domains (id) ON DELETE SET NULL;
CREATE INDEX audit_log_domain ON audit_log (domain_id, at);
