#ifndef MH_SECRETBOX_H
#define MH_SECRETBOX_H
/*
 * secretbox.h - short secrets (passwords for other servers) sealed for
 * storage in the database, under the installation's secret key.
 *
 * The key is the same file the domains' SSO secrets use (sso-secret.h):
 * SECRETBOX_KEY_FILE below general.var_dir, 32 random bytes as 64 hex
 * digits, made by `mailhive up`. Each kind of secret derives a box key of
 * its own from it with crypto_kdf: an 8-character context names the kind
 * ("mhpopacc" for POP fetch passwords), and a subkey id ties a box to its
 * owner (a user id, a domain id), so a box copied into another owner's
 * row does not open.
 *
 *   box = nonce (24) || crypto_secretbox_easy(secret) (16 + length)
 *
 * The box travels as lower-case hex (bytea columns take it through
 * decode($n, 'hex') and give it back with encode(col, 'hex')).
 *
 * Functions return 0 ok, -1 with *error_r (static text, never holding the
 * secret) on failure. Keys are wiped before returning; an opened secret
 * lives in the caller's pool and the caller wipes it (sodium_memzero)
 * once used. libsodium must have been initialised (token_init()).
 */
#include <stddef.h>
#include <stdint.h>

struct pool;

#define SECRETBOX_KEY_FILE "secrets/secret-key"	/* below general.var_dir */
#define SECRETBOX_SECRET_MAX 1024	/* octets of a secret */
#define SECRETBOX_CONTEXT_LEN 8		/* crypto_kdf_CONTEXTBYTES */

/* the contexts: one per kind of secret */
#define SECRETBOX_CTX_POP "mhpopacc"	/* pop_accounts.password_enc */
#define SECRETBOX_CTX_SSO "mhssobox"	/* domains.sso_secret_box */

/* secretbox_key_path - the installation's key file (pool memory) */
const char *secretbox_key_path(struct pool *pool);

/* secretbox_key_create - make the key file at path (32 random octets as
 * hex, mode 0600) unless it exists */
int secretbox_key_create(const char *path, const char **error_r)
	__attribute__((warn_unused_result));

/* secretbox_seal - the box of the len octets of secret under the kind's
 * context and the owner's subkey_id, as hex in pool memory */
int secretbox_seal(struct pool *pool, const char *key_file,
		   const char *context, uint64_t subkey_id,
		   const void *secret, size_t len, const char **box_hex_r,
		   const char **error_r)
	__attribute__((warn_unused_result));

/* secretbox_open - the secret in box_hex as a NUL-terminated string in
 * pool memory (*len_r octets, which may include NULs); -1 when the key
 * file is missing or bad, the box is malformed, or it was sealed under
 * another key, context or subkey id */
int secretbox_open(struct pool *pool, const char *key_file,
		   const char *context, uint64_t subkey_id,
		   const char *box_hex, char **secret_r, size_t *len_r,
		   const char **error_r)
	__attribute__((warn_unused_result));

#endif
