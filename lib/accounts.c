/*
 * accounts.c - mail accounts: address syntax, address owners, new users
 * with their mailboxes, passwords and purging, for mailhivectl and the
 * domain administrators' portal alike (accounts.h).
 *
 * SECURITY: addresses come from forms and command lines; they are
 * checked here character by character and reach SQL only as parameters.
 * Password hashes are made by the caller (pw_hash); clear-text passwords
 * reach this file only to be checked against a domain's policy or made
 * up (acct_pw_*), never stored or logged.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "accounts.h"
#include "auth.h"
#include "buf.h"
#include "db.h"
#include "pool.h"
#include "strnum.h"
#include "token.h"

/* the mailboxes every new user gets */
static const struct {
	const char *name;
	const char *special_use;
} acct_mailboxes[] = {
	{ "INBOX", NULL },
	{ "Drafts", "\\Drafts" },
	{ "Sent", "\\Sent" },
	{ "Junk", "\\Junk" },
	{ "Trash", "\\Trash" },
};

/* ==== syntax ============================================================ */

/* is_lower_alnum - a-z or 0-9 */
static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool acct_domain_valid(const char *name)
{
	size_t len = strlen(name), label = 0;
	unsigned int labels = 1;
	const char *top = name;

	if (len == 0 || len > ACCT_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || name[i - 1] == '-')
				return false;
			if (c == '.') {
				labels++;
				label = 0;
				top = name + i + 1;
			}
			continue;
		}
		if (c == '-' ? label == 0 : !is_lower_alnum(c))
			return false;
		label++;
	}
	if (labels < 2)
		return false;
	for (const char *p = top; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return true;
	}
	return false;
}

bool acct_local_part_valid(const char *lp)
{
	static const char atext[] = "!#$%&'*+/=?^_`{|}~-";
	size_t len = strlen(lp);

	if (len == 0 || len > ACCT_LOCAL_MAX || lp[0] == '.' ||
	    lp[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = lp[i];

		if (c == '.') {
			if (lp[i + 1] == '.')
				return false;
		} else if (!is_lower_alnum(c) && strchr(atext, c) == NULL) {
			return false;
		}
	}
	return true;
}

int acct_address_split(struct pool *pool, const char *in, char **address_r,
		       char **local_r, char **domain_r)
{
	char *address = str_lower(p_strdup(pool, in));
	char *at = strrchr(address, '@');
	char *local, *domain;

	if (at == NULL || strlen(address) > ACCT_ADDRESS_MAX)
		return -1;
	local = p_strndup(pool, address, (size_t)(at - address));
	domain = p_strdup(pool, at + 1);
	if (!acct_local_part_valid(local) || !acct_domain_valid(domain))
		return -1;
	*address_r = address;
	*local_r = local;
	*domain_r = domain;
	return 0;
}

size_t acct_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* ==== lookups and changes =============================================== */

int acct_address_owner(struct pool *pool, const char *address,
		       enum acct_owner *owner_r)
{
	const char *params[1] = { address };
	PGresult *res;

	res = db_query(pool, "SELECT 1 FROM users WHERE address = $1"
		       " UNION ALL SELECT 2 FROM aliases WHERE address = $1"
		       " ORDER BY 1 LIMIT 1", 1, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) == 0)
		*owner_r = ACCT_OWNER_NONE;
	else if (strcmp(db_value(res, 0, 0), "1") == 0)
		*owner_r = ACCT_OWNER_USER;
	else
		*owner_r = ACCT_OWNER_ALIAS;
	return 0;
}

int acct_user_insert(struct pool *pool, const struct acct_user *u,
		     const char **id_r)
{
	const char *params[8], *user_id, *uidvalidity;
	PGresult *res;

	params[0] = u->domain_id;
	params[1] = u->local_part;
	params[2] = u->address;
	params[3] = u->display_name != NULL ? u->display_name : "";
	params[4] = u->password_hash;
	params[5] = u->quota_bytes;
	params[6] = u->status != NULL ? u->status : "active";
	params[7] = u->package_id;
	res = db_query(pool, "INSERT INTO users (domain_id, local_part,"
		       " address, display_name, password_hash, quota_bytes,"
		       " status, package_id, password_changed_at)"
		       " VALUES ($1::bigint, $2, $3, $4, $5, $6::bigint, $7,"
		       " $8::bigint, now())"
		       " ON CONFLICT DO NOTHING RETURNING id", 8, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) == 0)
		return 0;
	user_id = p_strdup(pool, db_value(res, 0, 0));
	uidvalidity = p_printf(pool, "%lu",
			       (unsigned long)((uint32_t)time(NULL) | 1U));
	for (size_t i = 0; i < sizeof(acct_mailboxes) /
		     sizeof(acct_mailboxes[0]); i++) {
		params[0] = user_id;
		params[1] = acct_mailboxes[i].name;
		params[2] = acct_mailboxes[i].special_use;
		params[3] = uidvalidity;
		if (db_query(pool, "INSERT INTO mailboxes (user_id, name,"
			     " special_use, uidvalidity)"
			     " VALUES ($1::bigint, $2, $3, $4::bigint)",
			     4, params) == NULL)
			return -1;
	}
	*id_r = user_id;
	return 1;
}

int acct_user_set_password(struct pool *pool, const char *user_id,
			   const char *hash)
{
	return acct_user_set_password_keep(pool, user_id, hash, NULL);
}

int acct_user_set_password_keep(struct pool *pool, const char *user_id,
				const char *hash, const char *keep_id_hash)
{
	const char *params[2] = { user_id, hash };
	PGresult *res;

	res = db_query(pool, "UPDATE users SET password_hash = $2,"
		       " password_changed_at = now(), updated_at = now()"
		       " WHERE id = $1::bigint RETURNING address", 2, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) == 0)
		return 0;
	/* the old password's sessions go (but the one to keep); its failure
	   count too */
	params[1] = keep_id_hash;
	if (db_query(pool, "DELETE FROM web_sessions WHERE portal = 'webmail'"
		     " AND principal_id = $1::bigint"
		     " AND id_hash IS DISTINCT FROM $2", 2, params) == NULL)
		return -1;
	params[0] = p_printf(pool, "%s:%s", auth_role_name(AUTH_ROLE_USER),
			     db_value(res, 0, 0));
	if (db_query(pool, "DELETE FROM login_failures WHERE scope = 'account'"
		     " AND key = $1", 1, params) == NULL)
		return -1;
	return 1;
}

int acct_user_purge(struct pool *pool, const char *user_id)
{
	const char *params[1] = { user_id };
	PGresult *res;

	if (db_query(pool, "DELETE FROM web_sessions WHERE portal = 'webmail'"
		     " AND principal_id = $1::bigint", 1, params) == NULL)
		return -1;
	res = db_query(pool, "DELETE FROM users WHERE id = $1::bigint"
		       " RETURNING id", 1, params);
	if (res == NULL)
		return -1;
	return db_ntuples(res) > 0 ? 1 : 0;
}

/* ==== password policy =================================================== */

int acct_pw_policy_get(struct pool *pool, const char *domain_id,
		       struct acct_pw_policy *policy_r)
{
	const char *params[1] = { domain_id };
	unsigned int min, classes;
	PGresult *res;

	res = db_query(pool, "SELECT " ACCT_PW_POLICY_SQL " FROM domains d"
		       " WHERE d.id = $1::bigint", 1, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) != 1)
		return 0;
	if (str_to_uint(db_value(res, 0, 0), &min) < 0 ||
	    str_to_uint(db_value(res, 0, 1), &classes) < 0)
		return -1;
	policy_r->min_chars = min;
	policy_r->classes = classes & (ACCT_PW_LOWER | ACCT_PW_UPPER |
				       ACCT_PW_DIGIT | ACCT_PW_SYMBOL);
	return 1;
}

unsigned int acct_pw_classes(const char *pw)
{
	unsigned int found = 0;

	for (const char *p = pw; *p != '\0'; p++) {
		char c = *p;

		if (c >= 'a' && c <= 'z')
			found |= ACCT_PW_LOWER;
		else if (c >= 'A' && c <= 'Z')
			found |= ACCT_PW_UPPER;
		else if (c >= '0' && c <= '9')
			found |= ACCT_PW_DIGIT;
		else
			found |= ACCT_PW_SYMBOL;
	}
	return found;
}

unsigned int acct_pw_refused(const struct acct_pw_policy *policy,
			     const char *pw)
{
	unsigned int missing;

	if (acct_utf8_chars(pw) < policy->min_chars)
		return ACCT_PW_SHORT;
	missing = policy->classes & ~acct_pw_classes(pw);
	return missing & -missing;	/* the lowest bit */
}

void acct_pw_generate(const struct acct_pw_policy *policy, char *out,
		      size_t len)
{
	static const char *const sets[] = {
		"abcdefghjkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ",
		"23456789", "!#%+-=?@_~",
	};
	size_t n = 0;

	/* one character of each required class first, the rest as usual,
	 * then shuffled (Fisher-Yates) */
	token_password(out, len);
	for (unsigned int i = 0; i < 4 && n < len; i++) {
		if ((policy->classes & (1U << i)) == 0)
			continue;
		out[n++] = sets[i][randombytes_uniform(
			(uint32_t)strlen(sets[i]))];
	}
	for (size_t i = len; i > 1; i--) {
		size_t j = randombytes_uniform((uint32_t)i);
		char c = out[i - 1];

		out[i - 1] = out[j];
		out[j] = c;
	}
}
