-- 011_domain_settings.sql - what the domain settings page needs.
--
-- sso_secret_box: a domain's SSO secret signs its login links with
-- HMAC-SHA256, so the server must be able to read the secret back; a hash
-- (sso_secret_hash, written by nothing so far) cannot verify a signature.
-- The secret is kept sealed instead (lib/sso-secret.c): 24 bytes of nonce
-- and 48 of crypto_secretbox under a key derived from the installation's
-- secret key file and the domain's id. NULL = no secret, SSO is off.
-- sso_secret_set_at: when the current secret was generated (the page shows
-- only this, never the secret). sso_secret_hash goes: it never held a
-- value, and keeping it would suggest a second place to look.
--
-- password_policy (001) holds {"min_length": N, "require_lower": true,
-- "require_upper": true, "require_digit": true, "require_symbol": true};
-- missing keys mean no requirement (the system minimum length applies).
ALTER TABLE domains ADD COLUMN sso_secret_box bytea
	CHECK (octet_length(sso_secret_box) = 72);
ALTER TABLE domains ADD COLUMN sso_secret_set_at timestamptz;
ALTER TABLE domains ADD CONSTRAINT domains_sso_secret_both
	CHECK ((sso_secret_box IS NULL) = (sso_secret_set_at IS NULL));
ALTER TABLE domains DROP COLUMN sso_secret_hash;
