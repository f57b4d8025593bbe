#ifndef MH_SSO_SECRET_H
#define MH_SSO_SECRET_H
/*
 * sso-secret.h - a domain's single sign-on secret, kept encrypted in the
 * database.
 *
 * A domain's SSO secret is the key of the HMAC-SHA256 that signs its
 * login links, so the server needs the secret itself, not a hash of it.
 * It is stored in domains.sso_secret_box as a box of secretbox.h
 * (crypto_secretbox under the installation's secret key file), with the
 * domain's id as the subkey id, so a box copied to another domain's row
 * does not open. Every node that verifies login links needs the same key
 * file.
 *
 * The key file is made by `mailhive up`, or on first use when create is
 * true (the portal that generates a secret). A lost key file makes every
 * stored secret unreadable: the domains then generate new ones.
 *
 * Functions return 0 ok, -1 with *error_r (static text) on failure; the
 * lookups are 1 found, 0 none, -1 error. Secrets are wiped from every
 * buffer of this file after use.
 */
#include <stdbool.h>
#include <stdint.h>

struct pool;

#define SSO_SECRET_BYTES 32
#define SSO_SECRET_BOX_BYTES (24 + 16 + SSO_SECRET_BYTES)	/* @UNSAFE */
#define SSO_SECRET_BOX_HEX (SSO_SECRET_BOX_BYTES * 2)

/* sso_key_path - the key file of this installation (pool memory) */
const char *sso_key_path(struct pool *pool);

/* sso_secret_seal - the box of secret for domain_id, as lower-case hex
 * into box_hex; the key file is made first when create is true and it
 * does not exist */
int sso_secret_seal(const char *key_file, bool create, int64_t domain_id,
		    const unsigned char secret[SSO_SECRET_BYTES],
		    char box_hex[SSO_SECRET_BOX_HEX + 1],
		    const char **error_r)
	__attribute__((warn_unused_result));

/* sso_secret_open - the secret in box_hex (as sso_secret_seal made it
 * for domain_id); -1 when the key is missing, the box is malformed or it
 * was sealed for another domain or with another key */
int sso_secret_open(const char *key_file, int64_t domain_id,
		    const char *box_hex,
		    unsigned char secret_r[SSO_SECRET_BYTES],
		    const char **error_r)
	__attribute__((warn_unused_result));

/* sso_secret_fetch - the secret of domain domain_id (decimal) from the
 * database: 1 with *secret_r, 0 the domain has none (or no such domain),
 * -1 on a database or decryption error */
int sso_secret_fetch(struct pool *pool, const char *domain_id,
		     unsigned char secret_r[SSO_SECRET_BYTES],
		     const char **error_r)
	__attribute__((warn_unused_result));

#endif
