/*
 * pwhash.c - password hashing and verification.
 *
 * New hashes are argon2id PHC strings made by libsodium
 * (crypto_pwhash_argon2id_str) with the cost set by pw_set_params(), by
 * default libsodium's "interactive" cost. Verification dispatches on the
 * scheme prefix of the stored hash:
 *
 *   $argon2id$          libsodium; needs rehash when its cost differs
 *                       from the configured one
 *   $argon2i$           libsodium (hashes imported from Dovecot ARGON2I);
 *                       always rehashed to argon2id
 *   $y$ $6$ $2y$ $2b$   crypt_rn() from libxcrypt (yescrypt, SHA512-CRYPT,
 *   $2a$                bcrypt); the output is compared with
 *                       sodium_memcmp and a match always needs a rehash
 *
 * Anything else, or a hash the library cannot parse, is -1: the caller
 * logs it and treats the login as failed. pw_dummy_verify() runs a real
 * argon2id verification against a hash made once, on first use, with the
 * current cost, so a login for an account that does not exist costs as
 * much as one for an account that does.
 *
 * SECURITY: the password is never copied except into the crypt work
 * area, which is wiped before it is freed. Hashes come from our own
 * database and are trusted not to carry absurd costs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <crypt.h>
#include <sodium.h>

#include "buf.h"
#include "log.h"
#include "pool.h"
#include "pwhash.h"

#define PW_ARGON2ID_PREFIX "$argon2id$"
#define PW_ARGON2I_PREFIX "$argon2i$"
#define PW_DUMMY_PASSWORD "mailhive dummy password"

static unsigned long long pw_opslimit =
	crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
static size_t pw_memlimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
static char *pw_dummy_hash;	/* made with the current cost, or NULL */

/* pw_sodium - libsodium must be initialised before its first use */
static void pw_sodium(void)
{
	static bool done;

	if (!done) {
		if (sodium_init() < 0)
			panic("libsodium initialisation failed");
		done = true;
	}
}

/* pw_set_params - set the argon2id cost, clamped to what libsodium allows */
void pw_set_params(unsigned long long opslimit, size_t memlimit)
{
	if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN)
		opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
	if (opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX)
		opslimit = crypto_pwhash_argon2id_OPSLIMIT_MAX;
	if (memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN)
		memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
	if (memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX)
		memlimit = crypto_pwhash_argon2id_MEMLIMIT_MAX;
	if (opslimit == pw_opslimit && memlimit == pw_memlimit)
		return;
	pw_opslimit = opslimit;
	pw_memlimit = memlimit;
	/* the dummy must cost what a real hash now costs */
	free(pw_dummy_hash);
	pw_dummy_hash = NULL;
}

/* pw_hash - a new argon2id PHC string */
int pw_hash(const char *password, char **hash_r)
{
	char out[crypto_pwhash_argon2id_STRBYTES];

	pw_sodium();
	if (crypto_pwhash_argon2id_str(out, password, strlen(password),
				       pw_opslimit, pw_memlimit) != 0)
		return -1;	/* out of memory */
	*hash_r = xstrdup(out);
	return 0;
}

/* pw_verify_argon2 - libsodium schemes; argon2id tells whether the hash
 * is argon2id (else argon2i) */
static int pw_verify_argon2(const char *hash, const char *password,
			    bool argon2id, bool *needs_rehash_r)
{
	size_t len = strlen(password);
	int rehash, ok;

	if (strlen(hash) >= crypto_pwhash_argon2id_STRBYTES)
		return -1;
	/* needs_rehash parses the whole string: -1 means malformed */
	if (argon2id) {
		rehash = crypto_pwhash_argon2id_str_needs_rehash(hash,
				pw_opslimit, pw_memlimit);
		if (rehash < 0)
			return -1;
		ok = crypto_pwhash_argon2id_str_verify(hash, password, len);
	} else {
		if (crypto_pwhash_argon2i_str_needs_rehash(hash,
				pw_opslimit, pw_memlimit) < 0)
			return -1;
		rehash = 1;
		ok = crypto_pwhash_argon2i_str_verify(hash, password, len);
	}
	if (ok != 0)
		return 0;
	*needs_rehash_r = rehash != 0;
	return 1;
}

/* pw_verify_crypt - crypt(3) schemes through libxcrypt */
static int pw_verify_crypt(const char *hash, const char *password,
			   bool *needs_rehash_r)
{
	struct crypt_data *cd;
	const char *out;
	size_t hlen = strlen(hash);
	int ret;

	if (hlen >= CRYPT_OUTPUT_SIZE)
		return -1;
	cd = xcalloc(1, sizeof(*cd));
	out = crypt_rn(password, hash, cd, (int)sizeof(*cd));
	if (out == NULL || out[0] == '*' || strlen(out) != hlen) {
		/* a well-formed hash always reproduces its own length */
		ret = -1;
	} else if (sodium_memcmp(out, hash, hlen) == 0) {
		*needs_rehash_r = true;
		ret = 1;
	} else {
		ret = 0;
	}
	sodium_memzero(cd, sizeof(*cd));
	free(cd);
	return ret;
}

/* pw_verify - check password against hash, by scheme prefix */
int pw_verify(const char *hash, const char *password, bool *needs_rehash_r)
{
	bool dummy;

	if (needs_rehash_r == NULL)
		needs_rehash_r = &dummy;
	*needs_rehash_r = false;
	pw_sodium();
	if (str_begins(hash, PW_ARGON2ID_PREFIX))
		return pw_verify_argon2(hash, password, true, needs_rehash_r);
	if (str_begins(hash, PW_ARGON2I_PREFIX))
		return pw_verify_argon2(hash, password, false, needs_rehash_r);
	if (str_begins(hash, "$y$") || str_begins(hash, "$6$") ||
	    str_begins(hash, "$2y$") || str_begins(hash, "$2b$") ||
	    str_begins(hash, "$2a$"))
		return pw_verify_crypt(hash, password, needs_rehash_r);
	return -1;
}

/* pw_dummy_verify - spend the time of a verification, for no account */
void pw_dummy_verify(const char *password)
{
	int ret;

	pw_sodium();
	if (pw_dummy_hash == NULL &&
	    pw_hash(PW_DUMMY_PASSWORD, &pw_dummy_hash) < 0) {
		log_error("event=pw_dummy_hash error=\"out of memory\"");
		return;
	}
	ret = crypto_pwhash_argon2id_str_verify(pw_dummy_hash, password,
						strlen(password));
	(void)ret;	/* the answer does not matter, only the time spent */
}
