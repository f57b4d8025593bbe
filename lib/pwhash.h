#ifndef MH_PWHASH_H
#define MH_PWHASH_H
/*
 * pwhash.h - password hashes.
 *
 * New hashes are argon2id PHC strings from libsodium's crypto_pwhash_str
 * ("$argon2id$v=19$m=65536,t=2,p=1$..."), the format Dovecot's ARGON2ID
 * scheme reads. Imported hashes are verified with crypt_r(): "$y$"
 * yescrypt, "$6$" SHA512-CRYPT, "$2y$"/"$2b$" bcrypt; such a match (or an
 * argon2id hash with weaker parameters than configured) sets
 * *needs_rehash_r so the caller stores a fresh argon2id hash.
 * pw_dummy_verify() costs the same as a real verification, for accounts
 * that do not exist.
 */
#include <stdbool.h>
#include <stddef.h>

/* pw_set_params - argon2id cost (from cfg); call before hashing */
void pw_set_params(unsigned long long opslimit, size_t memlimit);
/* pw_hash - malloc'd PHC string into *hash_r; -1 on failure */
int pw_hash(const char *password, char **hash_r)
	__attribute__((warn_unused_result));
/* pw_verify - 1 match, 0 mismatch, -1 unknown scheme or malformed hash */
int pw_verify(const char *hash, const char *password, bool *needs_rehash_r);
void pw_dummy_verify(const char *password);

#endif
