/*
 * auth.c - logins for the three portals (and later the mail services).
 *
 * auth_login() does, in this order:
 *
 *   1. canonicalise the login (trim, ASCII lower case) and check it is
 *      sane UTF-8 of at most AUTH_LOGIN_MAX bytes;
 *   2. throttle: count login_failures rows of the last cfg.login_window
 *      seconds for the account key "<role>:<login>" and for the client
 *      address; at cfg.login_max_failures (account) or
 *      cfg.login_max_failures_ip (address) the answer is
 *      AUTH_LIMITED, with the seconds until enough of the counted failures
 *      have left the window, and no password is checked;
 *   3. look the account up (users need status active, no deleted_at and an
 *      active domain; admins need status active);
 *   4. verify the password, or run pw_dummy_verify() for an unknown or
 *      password-less account so both cost the same;
 *   5. on failure record one 'account' and one 'ip' failure row and an
 *      audit_log "login.failed" row; on success clear the account's
 *      failures, set last_login_at, store a fresh argon2id hash if the old
 *      one was imported or weaker, and audit "login.ok".
 *
 * A login of 0 failures (cfg.login_max_failures = 0) or a window of 0
 * switches throttling off. Failure rows older than a day are deleted now
 * and then (about one failed login in AUTH_PURGE_ODDS).
 *
 * AUTH_ERROR means the database could not be asked (it is logged here);
 * bookkeeping that fails after a correct password is logged but does not
 * turn the login into an error.
 *
 * SECURITY: login, password and client address come from the network. The
 * login is only ever a query parameter; the password goes to pwhash and
 * nowhere else (never logged, never stored).
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "pwhash.h"
#include "strnum.h"

/* per-address limit = this many times the per-account limit */
#define AUTH_LOGIN_MAX 320
#define AUTH_IP_MAX 64
#define AUTH_PURGE_ODDS 16

/* columns: id, login, display_name, password_hash, language, domain_id,
 * skin */
static const char *const auth_sql_by_login[] = {
	[AUTH_ROLE_USER] =
		("SELECT u.id, u.address, u.display_name, u.password_hash, "
		 "COALESCE(NULLIF(p.language, ''), NULLIF(u.language, ''), "
		 "d.default_language), u.domain_id, "
		 "COALESCE(NULLIF(p.skin, ''), d.default_skin) "
		 "FROM users u JOIN domains d ON d.id = u.domain_id "
		 "LEFT JOIN user_prefs p ON p.user_id = u.id "
		 "WHERE u.address = $1 AND u.status = 'active' "
		 "AND u.deleted_at IS NULL AND d.status = 'active'"),
	[AUTH_ROLE_DOMAINADMIN] =
		("SELECT id, login, display_name, password_hash, '', 0, '' "
		 "FROM domain_admins WHERE login = $1 AND status = 'active'"),
	[AUTH_ROLE_SUPERADMIN] =
		("SELECT id, login, display_name, password_hash, '', 0, '' "
		 "FROM super_admins WHERE login = $1 AND status = 'active'"),
};

static const char *const auth_sql_by_id[] = {
	[AUTH_ROLE_USER] =
		("SELECT u.id, u.address, u.display_name, u.password_hash, "
		 "COALESCE(NULLIF(p.language, ''), NULLIF(u.language, ''), "
		 "d.default_language), u.domain_id, "
		 "COALESCE(NULLIF(p.skin, ''), d.default_skin) "
		 "FROM users u JOIN domains d ON d.id = u.domain_id "
		 "LEFT JOIN user_prefs p ON p.user_id = u.id "
		 "WHERE u.id = $1::bigint AND u.status = 'active' "
		 "AND u.deleted_at IS NULL AND d.status = 'active'"),
	[AUTH_ROLE_DOMAINADMIN] =
		("SELECT id, login, display_name, password_hash, '', 0, '' "
		 "FROM domain_admins WHERE id = $1::bigint "
		 "AND status = 'active'"),
	[AUTH_ROLE_SUPERADMIN] =
		("SELECT id, login, display_name, password_hash, '', 0, '' "
		 "FROM super_admins WHERE id = $1::bigint "
		 "AND status = 'active'"),
};

static const char *const auth_sql_last_login[] = {
	[AUTH_ROLE_USER] =
		("UPDATE users SET last_login_at = now() "
		 "WHERE id = $1::bigint"),
	[AUTH_ROLE_DOMAINADMIN] =
		("UPDATE domain_admins SET last_login_at = now() "
		 "WHERE id = $1::bigint"),
	[AUTH_ROLE_SUPERADMIN] =
		("UPDATE super_admins SET last_login_at = now() "
		 "WHERE id = $1::bigint"),
};

/* the old hash is a parameter so a concurrent password change wins */
static const char *const auth_sql_rehash[] = {
	[AUTH_ROLE_USER] =
		("UPDATE users SET password_hash = $2 "
		 "WHERE id = $1::bigint AND password_hash = $3"),
	[AUTH_ROLE_DOMAINADMIN] =
		("UPDATE domain_admins SET password_hash = $2 "
		 "WHERE id = $1::bigint AND password_hash = $3"),
	[AUTH_ROLE_SUPERADMIN] =
		("UPDATE super_admins SET password_hash = $2 "
		 "WHERE id = $1::bigint AND password_hash = $3"),
};

/* auth_role_name - the role as stored in audit_log and sessions */
const char *auth_role_name(enum auth_role role)
{
	switch (role) {
	case AUTH_ROLE_USER:
		return "user";
	case AUTH_ROLE_DOMAINADMIN:
		return "domainadmin";
	case AUTH_ROLE_SUPERADMIN:
		return "superadmin";
	}
	return "unknown";
}

/* auth_role_valid - role is one of the enum values */
static bool auth_role_valid(enum auth_role role)
{
	return role == AUTH_ROLE_USER || role == AUTH_ROLE_DOMAINADMIN ||
		role == AUTH_ROLE_SUPERADMIN;
}

/* auth_detail - audit detail {"service":...} */
static const char *auth_detail(struct pool *pool, const char *service)
{
	return p_printf(pool, "{\"service\":%s}", str_json_quote(pool, service));
}

/* audit_log - one audit_log row */
int audit_log(struct pool *pool, const char *actor_role, const char *actor,
	      const char *client_ip, const char *action, const char *object,
	      const char *detail)
{
	const char *params[] = { actor_role, actor, client_ip, action, object,
				 detail };

	if (db_query(pool,
		     "INSERT INTO audit_log (actor_role, actor, client_ip, "
		     "action, object, detail) VALUES ($1, $2, $3, $4, $5, $6)",
		     6, params) == NULL)
		return -1;
	return 0;
}

/* fill_principal - a principal from row 0 of an account query */
static int fill_principal(struct pool *pool, enum auth_role role,
			  const PGresult *res, struct auth_principal *pr)
{
	const char *v;
	int64_t id, domain_id = 0;

	if (str_to_int64(db_value(res, 0, 0) != NULL ? db_value(res, 0, 0) :
			 "", &id) < 0)
		return -1;
	v = db_value(res, 0, 5);
	if (v != NULL && str_to_int64(v, &domain_id) < 0)
		return -1;
	memset(pr, 0, sizeof(*pr));
	pr->role = role;
	pr->id = id;
	v = db_value(res, 0, 1);
	pr->login = p_strdup(pool, v != NULL ? v : "");
	v = db_value(res, 0, 2);
	pr->display_name = p_strdup(pool, v != NULL ? v : "");
	v = db_value(res, 0, 4);
	pr->language = p_strdup(pool, v != NULL ? v : "");
	v = db_value(res, 0, 6);
	pr->skin = p_strdup(pool, v != NULL ? v : "");
	pr->domain_id = domain_id;
	return 0;
}

/* auth_lookup - an enabled principal by role and id */
int auth_lookup(struct pool *pool, enum auth_role role, int64_t id,
		struct auth_principal *principal_r)
{
	const char *params[1];
	PGresult *res;

	if (!auth_role_valid(role))
		return -1;
	params[0] = p_printf(pool, "%lld", (long long)id);
	res = db_query(pool, auth_sql_by_id[role], 1, params);
	if (res == NULL) {
		log_error("event=auth_lookup_failed role=%s error=%s",
			  auth_role_name(role), log_quote(db_error()));
		return -1;
	}
	if (db_ntuples(res) == 0)
		return 0;
	if (fill_principal(pool, role, res, principal_r) < 0) {
		log_error("event=auth_lookup_failed role=%s "
			  "error=\"bad row\"", auth_role_name(role));
		return -1;
	}
	return 1;
}

/* auth_lookup_user - an enabled user by address (no password check) */
int auth_lookup_user(struct pool *pool, const char *address,
		     struct auth_principal *principal_r)
{
	const char *params[1];
	PGresult *res;

	if (address == NULL || !str_text_sane(address, AUTH_LOGIN_MAX))
		return 0;
	params[0] = str_lower(str_trim(p_strdup(pool, address)));
	res = db_query(pool, auth_sql_by_login[AUTH_ROLE_USER], 1, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) == 0)
		return 0;
	return fill_principal(pool, AUTH_ROLE_USER, res, principal_r) < 0 ?
		-1 : 1;
}

/* count_failures - failures of (scope, key) inside the window; when they
 * reach limit, *retry_r is the seconds until the count drops below it */
static int count_failures(struct pool *pool, const char *scope,
			  const char *key, unsigned int limit,
			  unsigned int *count_r, unsigned int *retry_r)
{
	const char *params[4];
	PGresult *res;
	const char *v;
	unsigned int count;
	int64_t secs;

	params[0] = scope;
	params[1] = key;
	params[2] = p_printf(pool, "%u", cfg.login_window);
	res = db_query(pool,
		       "SELECT count(*) FROM login_failures "
		       "WHERE scope = $1 AND key = $2 "
		       "AND at > now() - $3::integer * interval '1 second'",
		       3, params);
	if (res == NULL)
		return -1;
	v = db_value(res, 0, 0);
	if (v == NULL || str_to_uint(v, &count) < 0)
		return -1;
	*count_r = count;
	*retry_r = 0;
	if (count < limit)
		return 0;
	/* once the (count - limit + 1)-th oldest leaves, we are below */
	params[3] = p_printf(pool, "%u", count - limit);
	res = db_query(pool,
		       "SELECT ceil(extract(epoch FROM at + "
		       "$3::integer * interval '1 second' - now()))::bigint "
		       "FROM login_failures "
		       "WHERE scope = $1 AND key = $2 "
		       "AND at > now() - $3::integer * interval '1 second' "
		       "ORDER BY at LIMIT 1 OFFSET $4::integer",
		       4, params);
	if (res == NULL)
		return -1;
	v = db_value(res, 0, 0);
	if (v == NULL || str_to_int64(v, &secs) < 0 || secs < 1)
		secs = 1;
	if (secs > (int64_t)cfg.login_window)
		secs = cfg.login_window > 0 ? cfg.login_window : 1;
	*retry_r = (unsigned int)secs;
	return 0;
}

/* check_limits - 1 limited (with *retry_r), 0 go ahead, -1 error */
static int check_limits(struct pool *pool, const char *account_key,
			const char *client_ip, unsigned int *retry_r)
{
	unsigned int limit = cfg.login_max_failures, n, retry, worst = 0;
	bool limited = false;

	if (limit == 0 || cfg.login_window == 0)
		return 0;
	if (account_key != NULL) {
		if (count_failures(pool, "account", account_key, limit, &n,
				   &retry) < 0)
			return -1;
		if (n >= limit) {
			limited = true;
			worst = retry;
		}
	}
	if (client_ip != NULL && cfg.login_max_failures_ip > 0) {
		unsigned int ip_limit = cfg.login_max_failures_ip;

		if (count_failures(pool, "ip", client_ip, ip_limit, &n,
				   &retry) < 0)
			return -1;
		if (n >= ip_limit) {
			limited = true;
			if (retry > worst)
				worst = retry;
		}
	}
	if (!limited)
		return 0;
	*retry_r = worst > 0 ? worst : 1;
	return 1;
}

/* record_failure - failure rows, audit row, and now and then a purge */
static void record_failure(struct pool *pool, enum auth_role role,
			   const char *login, const char *account_key,
			   const char *client_ip, const char *service)
{
	const char *params[3];

	params[0] = "account";
	params[1] = account_key;
	params[2] = service;
	if (account_key != NULL &&
	    db_query(pool, "INSERT INTO login_failures (scope, key, service) "
		     "VALUES ($1, $2, $3)", 3, params) == NULL)
		goto fail;
	params[0] = "ip";
	params[1] = client_ip;
	if (client_ip != NULL &&
	    db_query(pool, "INSERT INTO login_failures (scope, key, service) "
		     "VALUES ($1, $2, $3)", 3, params) == NULL)
		goto fail;
	if (audit_log(pool, auth_role_name(role), login, client_ip,
		      "login.failed", NULL, auth_detail(pool, service)) < 0)
		goto fail;
	if (randombytes_uniform(AUTH_PURGE_ODDS) == 0 &&
	    db_query(pool, "DELETE FROM login_failures "
		     "WHERE at < now() - interval '1 day'", 0, NULL) == NULL)
		goto fail;
	return;
fail:
	log_error("event=auth_record_failed error=%s", log_quote(db_error()));
}

/* record_success - clear failures, last login, rehash, audit */
static void record_success(struct pool *pool, enum auth_role role,
			   const struct auth_principal *pr,
			   const char *account_key, const char *old_hash,
			   bool needs_rehash, const char *password,
			   const char *client_ip, const char *service)
{
	const char *params[3];
	char *new_hash = NULL;

	params[0] = account_key;
	if (db_query(pool, "DELETE FROM login_failures "
		     "WHERE scope = 'account' AND key = $1", 1, params) == NULL)
		goto fail;
	params[0] = p_printf(pool, "%lld", (long long)pr->id);
	if (db_query(pool, auth_sql_last_login[role], 1, params) == NULL)
		goto fail;
	if (needs_rehash) {
		if (pw_hash(password, &new_hash) < 0) {
			log_error("event=auth_rehash_failed login=%s "
				  "error=\"out of memory\"",
				  log_quote(pr->login));
		} else {
			params[1] = new_hash;
			params[2] = old_hash;
			if (db_query(pool, auth_sql_rehash[role], 3,
				     params) == NULL) {
				free(new_hash);
				goto fail;
			}
			log_info("event=auth_rehash role=%s login=%s",
				 auth_role_name(role), log_quote(pr->login));
			free(new_hash);
		}
	}
	if (audit_log(pool, auth_role_name(role), pr->login, client_ip,
		      "login.ok", NULL, auth_detail(pool, service)) < 0)
		goto fail;
	return;
fail:
	log_error("event=auth_record_failed error=%s", log_quote(db_error()));
}

/* failure_delay - how long a mail service waits before it answers a
 * failed login: 2 s for the first failure of the account or the client
 * address in the window, doubling with each further one, at most
 * AUTH_DELAY_MAX; 0 when the counts cannot be read */
static unsigned int failure_delay(struct pool *pool, const char *account_key,
				  const char *client_ip)
{
	unsigned int n = 0, m = 0, retry, delay = 2;

	if (account_key != NULL &&
	    count_failures(pool, "account", account_key, UINT_MAX, &n,
			   &retry) < 0)
		return 0;
	if (client_ip != NULL &&
	    count_failures(pool, "ip", client_ip, UINT_MAX, &m, &retry) < 0)
		return 0;
	if (m > n)
		n = m;
	while (n > 1 && delay < AUTH_DELAY_MAX) {
		delay *= 2;
		n--;
	}
	return delay < AUTH_DELAY_MAX ? delay : AUTH_DELAY_MAX;
}

/* auth_login - check a login: throttle, look up, verify, record */
enum auth_status auth_login(struct pool *pool, enum auth_role role,
			    const char *login, const char *password,
			    const char *client_ip, const char *service,
			    struct auth_principal *principal_r,
			    unsigned int *retry_after_r)
{
	const char *params[1], *hash, *account_key = NULL;
	char *canon = NULL;
	bool needs_rehash = false, found = false;
	PGresult *res = NULL;
	int ret;

	*retry_after_r = 0;
	if (!auth_role_valid(role))
		return AUTH_ERROR;
	if (service == NULL || !str_text_sane(service, 64))
		service = "unknown";
	if (client_ip != NULL && (client_ip[0] == '\0' ||
				  !str_text_sane(client_ip, AUTH_IP_MAX)))
		client_ip = NULL;
	if (login != NULL && str_text_sane(login, AUTH_LOGIN_MAX)) {
		canon = str_lower(str_trim(p_strdup(pool, login)));
		if (canon[0] != '\0')
			account_key = p_printf(pool, "%s:%s",
					       auth_role_name(role), canon);
		else
			canon = NULL;
	}
	if (password == NULL)
		password = "";

	ret = check_limits(pool, account_key, client_ip, retry_after_r);
	if (ret < 0)
		goto db_error;
	if (ret > 0) {
		log_warn("event=login_limited role=%s login=%s ip=%s "
			 "service=%s retry_after=%u", auth_role_name(role),
			 log_quote(canon != NULL ? canon : ""),
			 log_quote(client_ip != NULL ? client_ip : ""),
			 log_quote(service), *retry_after_r);
		return AUTH_LIMITED;
	}

	if (canon != NULL) {
		params[0] = canon;
		res = db_query(pool, auth_sql_by_login[role], 1, params);
		if (res == NULL)
			goto db_error;
		found = db_ntuples(res) == 1;
	}
	hash = found ? db_value(res, 0, 3) : NULL;
	if (hash == NULL || hash[0] == '\0') {
		pw_dummy_verify(password);
		ret = 0;
	} else {
		ret = pw_verify(hash, password, &needs_rehash);
		if (ret < 0) {
			log_error("event=auth_bad_hash role=%s login=%s",
				  auth_role_name(role), log_quote(canon));
			pw_dummy_verify(password);
		}
	}
	if (ret <= 0 ||
	    fill_principal(pool, role, res, principal_r) < 0) {
		record_failure(pool, role, canon, account_key, client_ip,
			       service);
		*retry_after_r = failure_delay(pool, account_key, client_ip);
		log_info("event=login_failed role=%s login=%s ip=%s "
			 "service=%s", auth_role_name(role),
			 log_quote(canon != NULL ? canon : ""),
			 log_quote(client_ip != NULL ? client_ip : ""),
			 log_quote(service));
		return AUTH_BAD;
	}
	record_success(pool, role, principal_r, account_key, hash,
		       needs_rehash, password, client_ip, service);
	log_info("event=login_ok role=%s login=%s ip=%s service=%s",
		 auth_role_name(role), log_quote(principal_r->login),
		 log_quote(client_ip != NULL ? client_ip : ""),
		 log_quote(service));
	return AUTH_OK;

db_error:
	log_error("event=auth_db_error role=%s error=%s",
		  auth_role_name(role), log_quote(db_error()));
	return AUTH_ERROR;
}
