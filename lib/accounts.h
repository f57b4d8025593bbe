#ifndef MH_ACCOUNTS_H
#define MH_ACCOUNTS_H
/*
 * accounts.h - mail accounts as every administration tool makes them:
 * address syntax, who holds an address, a new user with its mailboxes, a
 * new password, and removing a user for good.
 *
 * mailhivectl and the domain administrators' portal both go through these
 * functions, so a user made either way is the same user: lower-case
 * address, argon2id hash (made by the caller with pw_hash), the five
 * mailboxes INBOX, Drafts, Sent, Junk and Trash.
 *
 * The writing functions run inside the caller's transaction (db_tx) and
 * never open one; they return 1 done, 0 nothing to do it to (address
 * taken, no such user), -1 database error (db_error() says which).
 */
#include <stdbool.h>
#include <stddef.h>

struct pool;

#define ACCT_ADDRESS_MAX 254
#define ACCT_LOCAL_MAX 64
#define ACCT_DOMAIN_MAX 253
#define ACCT_PASSWORD_MIN 10		/* characters; a domain may ask more */
#define ACCT_PASSWORD_MAX 1024		/* bytes */

/* acct_domain_valid - a plausible lower-case host name: at least two
 * labels of letters, digits and inner hyphens, a top label not all
 * digits */
bool acct_domain_valid(const char *name);
/* acct_local_part_valid - an unquoted (dot-atom) lower-case local part */
bool acct_local_part_valid(const char *local);
/* acct_address_split - lower-cased copy of address and its two halves
 * (pool memory); -1 when it is not a valid address */
int acct_address_split(struct pool *pool, const char *address,
		       char **address_r, char **local_r, char **domain_r)
	__attribute__((warn_unused_result));

enum acct_owner {
	ACCT_OWNER_NONE = 0,
	ACCT_OWNER_USER,	/* a user, also one deleted but not purged */
	ACCT_OWNER_ALIAS,	/* an alias, group or catch-all */
};

/* acct_address_owner - what holds a (lower-case) address; -1 on error */
int acct_address_owner(struct pool *pool, const char *address,
		       enum acct_owner *owner_r)
	__attribute__((warn_unused_result));

struct acct_user {
	const char *domain_id;		/* decimal */
	const char *local_part;
	const char *address;		/* local_part@domain, lower case */
	const char *display_name;	/* NULL = "" */
	const char *password_hash;	/* PHC string from pw_hash() */
	const char *quota_bytes;	/* decimal; "0" = domain/package */
	const char *status;		/* NULL = "active" */
	const char *package_id;		/* decimal, NULL = none */
};

/* acct_user_insert - the user row and its mailboxes; *id_r is the new
 * id (pool memory). 1 created, 0 the address is a user already */
int acct_user_insert(struct pool *pool, const struct acct_user *user,
		     const char **id_r)
	__attribute__((warn_unused_result));
/* acct_user_set_password - store a new hash; the user's web sessions end
 * and its failed-login count is cleared. 1 done, 0 no such user */
int acct_user_set_password(struct pool *pool, const char *user_id,
			   const char *hash)
	__attribute__((warn_unused_result));
/* acct_user_set_password_keep - the same, except that the web session
 * whose id hash is keep_id_hash (the one the user changed it in) stays */
int acct_user_set_password_keep(struct pool *pool, const char *user_id,
				const char *hash, const char *keep_id_hash)
	__attribute__((warn_unused_result));
/* acct_user_purge - delete the user, its sessions and everything it
 * owns (mailboxes, messages, aliases, forwards go by ON DELETE CASCADE;
 * blob reference counts follow by trigger). 1 done, 0 no such user */
int acct_user_purge(struct pool *pool, const char *user_id)
	__attribute__((warn_unused_result));

/* acct_utf8_chars - characters (code points) of a valid UTF-8 string */
size_t acct_utf8_chars(const char *s);

/* ---- a domain's password policy (domains.password_policy) ---- */

#define ACCT_PW_LOWER 0x1		/* a-z */
#define ACCT_PW_UPPER 0x2		/* A-Z */
#define ACCT_PW_DIGIT 0x4		/* 0-9 */
#define ACCT_PW_SYMBOL 0x8		/* any other character */
#define ACCT_PW_MIN_MAX 128		/* the most a policy may ask */

struct acct_pw_policy {
	unsigned int min_chars;		/* 0 = none */
	unsigned int classes;		/* ACCT_PW_* bits required */
};

/* ACCT_PW_POLICY_SQL - the policy columns from a row d of domains:
 * min_length (0 when unset or malformed), then the class bits */
#define ACCT_PW_POLICY_SQL \
	"CASE WHEN d.password_policy->>'min_length' ~ '^[0-9]{1,4}$'" \
	" THEN (d.password_policy->>'min_length')::integer ELSE 0 END," \
	" (CASE WHEN d.password_policy->'require_lower' = 'true' THEN 1" \
	" ELSE 0 END | CASE WHEN d.password_policy->'require_upper' =" \
	" 'true' THEN 2 ELSE 0 END | CASE WHEN" \
	" d.password_policy->'require_digit' = 'true' THEN 4 ELSE 0 END |" \
	" CASE WHEN d.password_policy->'require_symbol' = 'true' THEN 8" \
	" ELSE 0 END)"

/* acct_pw_policy_get - the policy of domain domain_id (decimal); 1 with
 * *policy_r, 0 no such domain, -1 error */
int acct_pw_policy_get(struct pool *pool, const char *domain_id,
		       struct acct_pw_policy *policy_r)
	__attribute__((warn_unused_result));
/* acct_pw_classes - the ACCT_PW_* classes pw has characters of */
unsigned int acct_pw_classes(const char *pw);
/* acct_pw_refused - why pw does not meet policy: 0 it does, else
 * ACCT_PW_SHORT or the first missing class bit */
#define ACCT_PW_SHORT 0x100
unsigned int acct_pw_refused(const struct acct_pw_policy *policy,
			     const char *pw);
/* acct_pw_generate - a random password of len characters (len + 1
 * bytes in out) that meets policy's classes */
void acct_pw_generate(const struct acct_pw_policy *policy, char *out,
		      size_t len);

#endif
