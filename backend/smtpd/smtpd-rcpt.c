/*
 * smtpd-rcpt.c - what an RCPT TO address leads to.
 *
 *   local domain?  no  -> authenticated: a remote target (queued);
 *                         otherwise 554 5.7.1, we relay nothing
 *                  yes -> user address -> the user (block list, quota,
 *                         the domain's largest message, forwards applied)
 *                         alias / group -> its targets, one level deep
 *                         catch-all "@domain" -> its targets
 *                         nothing -> 550 5.1.1
 *
 * SECURITY: addresses come from the network; they reach SQL only as
 * parameters. Local parts that carry routing (%, !, @) are refused for
 * local domains, and source routes and address literals are never local,
 * so no path form makes us relay.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "deliver.h"
#include "log.h"
#include "pool.h"
#include "smtpd.h"
#include "strnum.h"

#define RCPT_ALIAS_TARGETS_MAX 1000

static int domain_is_local(struct pool *pool, const char *domain)
{
	const char *params[1] = { domain };
	PGresult *res = db_query(pool, "SELECT 1 FROM domains WHERE name = $1"
				 " AND status = 'active'", 1, params);

	if (res == NULL)
		return -1;
	return db_ntuples(res) > 0;
}

static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

/* add_target - prepend a target */
static void add_target(struct pool *pool, struct smtpd_target **list,
		       const char *addr, int64_t user_id, int64_t domain_id,
		       uint64_t max_size, bool discard)
{
	struct smtpd_target *t = p_new(pool, struct smtpd_target, 1);

	t->addr = p_strdup(pool, addr);
	t->user_id = user_id;
	t->domain_id = domain_id;
	t->max_size = max_size;
	t->discard = discard;
	t->next = *list;
	*list = t;
}

/* local_user - the active user at addr, if it is one, with its
 * domain's largest message; 1/0/-1 */
static int local_user(struct pool *pool, const char *addr, int64_t *id_r,
		      int64_t *domain_r, uint64_t *max_size_r)
{
	const char *params[1] = { addr };
	PGresult *res;

	res = db_query(pool, "SELECT u.id, u.domain_id, " SMTPD_MAX_SIZE_EXPR
		       " FROM users u JOIN domains d ON d.id = u.domain_id"
		       " LEFT JOIN service_packages dp ON dp.id = d.package_id"
		       " WHERE u.address = lower($1) AND u.status = 'active'"
		       " AND u.deleted_at IS NULL AND d.status = 'active'",
		       1, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) == 0)
		return 0;
	if (str_to_int64(db_value(res, 0, 0), id_r) < 0 ||
	    str_to_int64(db_value(res, 0, 1), domain_r) < 0 ||
	    str_to_u64(db_value(res, 0, 2), max_size_r) < 0)
		return -1;
	return 1;
}

/* too_big - a declared size over a domain's largest message */
static bool too_big(uint64_t size, uint64_t max_size)
{
	return size > 0 && max_size > 0 && size > max_size;
}

/* user_target - the user at addr with block list, quota and forwards;
 * returns a verdict, RCPT_UNKNOWN when addr is no user */
static enum smtpd_rcpt_verdict user_target(struct pool *pool,
					   const char *addr,
					   const char *sender, uint64_t size,
					   struct smtpd_target **list)
{
	const char *params[3];
	int64_t user_id, domain_id;
	uint64_t quota, used, max_size;
	unsigned int nforwards;
	PGresult *res;
	const char *block;
	bool discard = false, keep = true;

	/* the user, the block-list verdict for the sender, the quota and
	 * whether there are forwards: one round trip */
	params[0] = addr;
	params[1] = sender != NULL ? sender : "";
	params[2] = p_printf(pool, "@%s", domain_of(params[1]));
	res = db_query(pool,
		"SELECT u.id, u.domain_id,"
		" (SELECT action FROM block_list WHERE user_id = u.id"
		"  AND $2 <> '' AND pattern IN (lower($2), lower($3))"
		"  ORDER BY action = 'reject' DESC LIMIT 1),"
		" " DELIVER_QUOTA_EXPR ", u.used_bytes,"
		" (SELECT count(*) FROM forwards f WHERE f.user_id = u.id),"
		" " SMTPD_MAX_SIZE_EXPR DELIVER_QUOTA_FROM
		" WHERE u.address = lower($1) AND u.status = 'active'"
		" AND u.deleted_at IS NULL AND d.status = 'active'", 3, params);
	if (res == NULL)
		return RCPT_TEMP;
	if (db_ntuples(res) == 0)
		return RCPT_UNKNOWN;
	if (str_to_int64(db_value(res, 0, 0), &user_id) < 0 ||
	    str_to_int64(db_value(res, 0, 1), &domain_id) < 0 ||
	    str_to_u64(db_value(res, 0, 3), &quota) < 0 ||
	    str_to_u64(db_value(res, 0, 4), &used) < 0 ||
	    str_to_uint(db_value(res, 0, 5), &nforwards) < 0 ||
	    str_to_u64(db_value(res, 0, 6), &max_size) < 0)
		return RCPT_TEMP;
	block = db_value(res, 0, 2);
	if (block != NULL) {
		if (strcmp(block, "reject") == 0)
			return RCPT_BLOCKED;
		discard = true;
	}
	if (too_big(size, max_size))
		return RCPT_TOO_BIG;
	if (quota > 0 && size > quota)
		return RCPT_OVER_QUOTA_PERM;
	if (quota > 0 && (used >= quota || used + size > quota))
		return RCPT_OVER_QUOTA;
	if (!discard && nforwards > 0) {
		char uid[32];

		snprintf(uid, sizeof(uid), "%" PRId64, user_id);
		params[0] = uid;
		res = db_query(pool, "SELECT target, keep_copy FROM forwards"
			       " WHERE user_id = $1::bigint ORDER BY id", 1,
			       params);
		if (res == NULL)
			return RCPT_TEMP;
		keep = false;
		for (int i = 0; i < db_ntuples(res); i++) {
			const char *t = db_value(res, i, 0);
			int64_t tuid = 0, tdom = domain_id;
			uint64_t tmax = 0;

			/* a local target is delivered to directly (its own
			 * forwards are not followed: no loops) */
			if (local_user(pool, t, &tuid, &tdom, &tmax) < 0)
				return RCPT_TEMP;
			if (tuid != 0 && too_big(size, tmax))
				return RCPT_TOO_BIG;
			add_target(pool, list, t, tuid, tdom, tmax, false);
			if (strcmp(db_value(res, i, 1), "t") == 0)
				keep = true;
		}
	}
	if (keep || discard)
		add_target(pool, list, addr, user_id, domain_id, max_size,
			   discard);
	return RCPT_OK;
}

/* alias_targets - expand an alias, group or catch-all row */
static enum smtpd_rcpt_verdict alias_targets(struct pool *pool,
					     const char *key,
					     const char *sender, uint64_t size,
					     struct smtpd_target **list)
{
	const char *params[1] = { key };
	enum smtpd_rcpt_verdict v;
	PGresult *res;
	int found = 0;

	res = db_query(pool, "SELECT u.address FROM aliases a"
		       " JOIN users u ON u.id = a.target_user_id"
		       " WHERE a.address = $1"
		       " UNION ALL SELECT unnest(a.targets) FROM aliases a"
		       " WHERE a.address = $1 LIMIT 1000", 1, params);
	if (res == NULL)
		return RCPT_TEMP;
	for (int i = 0; i < db_ntuples(res) && i < RCPT_ALIAS_TARGETS_MAX;
	     i++) {
		const char *t = db_value(res, i, 0);
		int local = domain_is_local(pool, domain_of(t));

		if (local < 0)
			return RCPT_TEMP;
		if (!local) {
			add_target(pool, list, t, 0, 0, 0, false);
			found++;
			continue;
		}
		v = user_target(pool, t, sender, size, list);
		if (v == RCPT_OK)
			found++;
		else if (v == RCPT_TEMP || v == RCPT_OVER_QUOTA ||
			 v == RCPT_OVER_QUOTA_PERM || v == RCPT_TOO_BIG)
			return v;
		else
			log_warn("event=alias_target_unusable alias=%s"
				 " target=%s", log_quote(key), log_quote(t));
	}
	return found > 0 ? RCPT_OK : RCPT_UNKNOWN;
}

static enum smtpd_rcpt_verdict postmaster_target(struct pool *pool,
						 const char *domain,
						 const char *sender,
						 uint64_t size,
						 struct smtpd_target **list);

enum smtpd_rcpt_verdict smtpd_resolve_rcpt(struct pool *pool,
					   const struct smtp_path *path,
					   const char *sender, uint64_t size,
					   bool authed,
					   struct smtpd_target **targets_r)
{
	char *domain, *addr;
	enum smtpd_rcpt_verdict v;
	size_t dlen;
	int local;

	*targets_r = NULL;
	if (path->had_source_route || path->domain_is_literal)
		return RCPT_RELAY_DENIED;
	domain = p_strdup(pool, path->domain);
	dlen = strlen(domain);
	if (dlen > 0 && domain[dlen - 1] == '.')
		domain[dlen - 1] = '\0';
	addr = str_lower(p_printf(pool, "%s@%s", path->local, domain));
	/* most recipients are users: one round trip answers those (their
	 * domain is local and active, or the query finds nothing) */
	if (!smtp_local_part_has_routing(path)) {
		v = user_target(pool, addr, sender, size, targets_r);
		if (v != RCPT_UNKNOWN)
			return v;
	}
	local = domain_is_local(pool, domain);
	if (local < 0)
		return RCPT_TEMP;
	if (!local) {
		if (!authed)
			return RCPT_RELAY_DENIED;
		add_target(pool, targets_r, p_printf(pool, "%s@%s",
			   path->local, domain), 0, 0, 0, false);
		return RCPT_OK;
	}
	if (smtp_local_part_has_routing(path))
		return RCPT_RELAY_DENIED;
	v = alias_targets(pool, addr, sender, size, targets_r);
	if (v != RCPT_UNKNOWN)
		return v;
	v = alias_targets(pool, p_printf(pool, "@%s", domain), sender,
			  size, targets_r);
	if (v != RCPT_UNKNOWN || strcmp(path->local, "postmaster") != 0)
		return v;
	return postmaster_target(pool, domain, sender, size, targets_r);
}

/* postmaster_target - RFC 5321 4.5.1: postmaster@ every local domain
 * must work. Without a user, alias or catch-all for it, the mail goes to
 * the domain's first account (the one created with the domain). */
static enum smtpd_rcpt_verdict postmaster_target(struct pool *pool,
						 const char *domain,
						 const char *sender,
						 uint64_t size,
						 struct smtpd_target **list)
{
	const char *params[1] = { domain };
	PGresult *res;

	res = db_query(pool, "SELECT u.address FROM users u JOIN domains d"
		       " ON d.id = u.domain_id WHERE d.name = $1"
		       " AND u.status = 'active' AND u.deleted_at IS NULL"
		       " ORDER BY u.id LIMIT 1", 1, params);
	if (res == NULL)
		return RCPT_TEMP;
	if (db_ntuples(res) == 0)
		return RCPT_UNKNOWN;
	return user_target(pool, db_value(res, 0, 0), sender, size, list);
}

/* smtpd_postmaster_domain - the domain a bare <Postmaster> belongs to:
 * general.hostname when that is a local domain, else the first one */
const char *smtpd_postmaster_domain(struct pool *pool)
{
	const char *params[1] = { cfg.hostname };
	PGresult *res;

	res = db_query(pool, "SELECT name FROM domains WHERE status = 'active'"
		       " ORDER BY name = $1 DESC, id LIMIT 1", 1, params);
	if (res == NULL || db_ntuples(res) == 0)
		return NULL;
	return db_value(res, 0, 0);
}

int smtpd_sender_allowed(struct pool *pool, int64_t user_id,
			 const char *addr)
{
	char uid[32];
	const char *params[2] = { uid, addr };
	PGresult *res;

	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	res = db_query(pool, "SELECT 1 FROM users WHERE id = $1::bigint"
		       " AND address = lower($2) UNION ALL SELECT 1 FROM aliases"
		       " WHERE target_user_id = $1::bigint"
		       " AND address = lower($2)", 2, params);
	if (res == NULL)
		return -1;
	return db_ntuples(res) > 0;
}
