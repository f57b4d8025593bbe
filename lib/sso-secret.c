/*
 * sso-secret.c - domains' SSO secrets (sso-secret.h): boxes of
 * secretbox.c under the context SECRETBOX_CTX_SSO, with the domain's id
 * as the subkey id.
 *
 * SECURITY: the plain secret passes through a pool of this file only,
 * which is wiped before it goes.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <sodium.h>

#include "db.h"
#include "pool.h"
#include "secretbox.h"
#include "sso-secret.h"
#include "strnum.h"

const char *sso_key_path(struct pool *pool)
{
	return secretbox_key_path(pool);
}

int sso_secret_seal(const char *key_file, bool create, int64_t domain_id,
		    const unsigned char secret[SSO_SECRET_BYTES],
		    char box_hex[SSO_SECRET_BOX_HEX + 1],
		    const char **error_r)
{
	struct pool *pool;
	const char *hex;
	int ret;

	if (domain_id <= 0) {
		*error_r = "bad domain id";
		return -1;
	}
	if (create && secretbox_key_create(key_file, error_r) < 0)
		return -1;
	pool = pool_new("sso-secret", 512);
	ret = secretbox_seal(pool, key_file, SECRETBOX_CTX_SSO,
			     (uint64_t)domain_id, secret, SSO_SECRET_BYTES,
			     &hex, error_r);
	if (ret == 0)
		memcpy(box_hex, hex, SSO_SECRET_BOX_HEX + 1);
	pool_destroy(&pool);
	return ret;
}

int sso_secret_open(const char *key_file, int64_t domain_id,
		    const char *box_hex,
		    unsigned char secret_r[SSO_SECRET_BYTES],
		    const char **error_r)
{
	struct pool *pool;
	char *secret;
	size_t len;
	int ret;

	sodium_memzero(secret_r, SSO_SECRET_BYTES);
	if (domain_id <= 0) {
		*error_r = "bad domain id";
		return -1;
	}
	if (box_hex == NULL || strlen(box_hex) != SSO_SECRET_BOX_HEX) {
		*error_r = "malformed secret box";
		return -1;
	}
	pool = pool_new("sso-secret", 512);
	ret = secretbox_open(pool, key_file, SECRETBOX_CTX_SSO,
			     (uint64_t)domain_id, box_hex, &secret, &len,
			     error_r);
	if (ret == 0 && len == SSO_SECRET_BYTES)
		memcpy(secret_r, secret, SSO_SECRET_BYTES);
	else
		sodium_memzero(secret_r, SSO_SECRET_BYTES);
	if (ret == 0)
		sodium_memzero(secret, len);
	pool_destroy(&pool);
	return ret;
}

int sso_secret_fetch(struct pool *pool, const char *domain_id,
		     unsigned char secret_r[SSO_SECRET_BYTES],
		     const char **error_r)
{
	const char *params[1] = { domain_id };
	PGresult *res;
	int64_t id;

	if (str_to_int64(domain_id, &id) < 0 || id <= 0) {
		*error_r = "bad domain id";
		return -1;
	}
	res = db_query(pool, "SELECT encode(sso_secret_box, 'hex')"
		       " FROM domains WHERE id = $1::bigint", 1, params);
	if (res == NULL) {
		*error_r = "database error";
		return -1;
	}
	if (db_ntuples(res) == 0 || db_value(res, 0, 0) == NULL)
		return 0;
	if (sso_secret_open(sso_key_path(pool), id, db_value(res, 0, 0),
			    secret_r, error_r) < 0)
		return -1;
	return 1;
}
