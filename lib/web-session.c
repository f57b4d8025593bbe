/*
 * web-session.c - sessions in PostgreSQL and CSRF tokens.
 *
 * SECURITY: the cookie value is checked to be exactly 64 lower-case hex
 * digits before it is hashed and looked up; only the hash is stored, so a
 * leaked table does not hand out sessions. Expiry is enforced here on every
 * load (idle: last_seen + idle; absolute: expires_at), not only by the
 * reaper job.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "strnum.h"
#include "web-portal.h"
#include "web-req.h"
#include "web-session.h"

/* last_seen is written at most this often */
#define SESSION_TOUCH_SECONDS "15"
#define PRE_COOKIE_MAX_AGE 3600

const char *web_cookie_name(struct web_req *req, const char *suffix)
{
	return p_printf(req->pool, "%smh_%s%s", req->https ? "__Host-" : "",
			req->app->name, suffix);
}

static const char *cookie_token(struct web_req *req, const char *suffix)
{
	const char *v = form_get(&req->cookies, web_cookie_name(req, suffix));

	if (v == NULL || !token_is_hex(v, TOKEN_HEX_LEN))
		return NULL;
	return v;
}

static void session_delete_hash(struct pool *pool, const char *id_hash)
{
	const char *params[1] = { id_hash };

	if (db_query(pool, "DELETE FROM web_sessions WHERE id_hash = $1",
		     1, params) == NULL)
		log_warn("event=session_delete_failed error=%s",
			 log_quote(db_error()));
}

int web_session_load(struct web_req *req)
{
	const char *id = cookie_token(req, "");
	char hash[SHA256_HEX_LEN + 1], idle[16];
	const char *params[4];
	struct web_session *s;
	PGresult *res;
	int64_t pid;
	int ret;

	req->session = NULL;
	if (id == NULL)
		return 0;
	sha256_hex(id, strlen(id), hash);
	snprintf(idle, sizeof(idle), "%u", req->app->idle_timeout);
	params[0] = hash;
	params[1] = req->app->name;
	params[2] = auth_role_name(req->app->role);
	params[3] = idle;
	res = db_query(req->pool,
		"SELECT principal_id, csrf_token,"
		" (expires_at > now() AND"
		"  last_seen + make_interval(secs => $4::int) > now()),"
		" (last_seen < now() - interval '"
		SESSION_TOUCH_SECONDS " seconds')"
		" FROM web_sessions"
		" WHERE id_hash = $1 AND portal = $2 AND role = $3",
		4, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) == 0)
		return 0;
	if (strcmp(db_value(res, 0, 2), "t") != 0) {
		session_delete_hash(req->pool, hash);
		return 0;
	}
	if (str_to_int64(db_value(res, 0, 0), &pid) < 0)
		return -1;
	s = p_new(req->pool, struct web_session, 1);
	str_lcpy(s->id_hash, hash, sizeof(s->id_hash));
	str_lcpy(s->csrf, db_value(res, 0, 1), sizeof(s->csrf));
	ret = auth_lookup(req->pool, req->app->role, pid, &s->principal);
	if (ret <= 0) {
		/* disabled or deleted since login: the session ends */
		if (ret == 0)
			session_delete_hash(req->pool, hash);
		return ret;
	}
	if (strcmp(db_value(res, 0, 3), "t") == 0 &&
	    db_query(req->pool, "UPDATE web_sessions SET last_seen = now()"
		     " WHERE id_hash = $1", 1, params) == NULL)
		log_warn("event=session_touch_failed error=%s",
			 log_quote(db_error()));
	req->session = s;
	return 1;
}

int web_session_create(struct web_req *req,
		       const struct auth_principal *principal)
{
	char id[TOKEN_HEX_LEN + 1], hash[SHA256_HEX_LEN + 1];
	char csrf[TOKEN_HEX_LEN + 1], pid[32], absolute[16];
	const char *old = cookie_token(req, "");
	const char *params[9];
	struct web_session *s;

	if (old != NULL) {
		char old_hash[SHA256_HEX_LEN + 1];

		sha256_hex(old, strlen(old), old_hash);
		session_delete_hash(req->pool, old_hash);
	}
	token_new_hex(id);
	token_new_hex(csrf);
	sha256_hex(id, strlen(id), hash);
	snprintf(pid, sizeof(pid), "%lld", (long long)principal->id);
	snprintf(absolute, sizeof(absolute), "%u", req->app->absolute_timeout);
	params[0] = hash;
	params[1] = req->app->name;
	params[2] = auth_role_name(principal->role);
	params[3] = pid;
	params[4] = principal->login;
	params[5] = csrf;
	params[6] = req->client_ip;
	params[7] = req->user_agent;
	params[8] = absolute;
	if (db_query(req->pool,
		     "INSERT INTO web_sessions (id_hash, portal, role,"
		     " principal_id, login, csrf_token, client_ip, user_agent,"
		     " expires_at) VALUES ($1, $2, $3, $4::bigint, $5, $6, $7,"
		     " left($8, 512), now() + make_interval(secs => $9::int))",
		     9, params) == NULL)
		return -1;
	s = p_new(req->pool, struct web_session, 1);
	str_lcpy(s->id_hash, hash, sizeof(s->id_hash));
	str_lcpy(s->csrf, csrf, sizeof(s->csrf));
	s->principal = *principal;
	req->session = s;
	web_cookie_set(req, web_cookie_name(req, ""), id, -1);
	if (form_get(&req->cookies, web_cookie_name(req, "_pre")) != NULL)
		web_cookie_set(req, web_cookie_name(req, "_pre"), "", 0);
	return 0;
}

int web_session_destroy(struct web_req *req)
{
	if (req->session != NULL) {
		session_delete_hash(req->pool, req->session->id_hash);
		req->session = NULL;
	}
	web_cookie_set(req, web_cookie_name(req, ""), "", 0);
	return 0;
}

int web_session_end_all(struct pool *pool, enum auth_role role, long long id)
{
	char pid[32];
	const char *params[2];

	snprintf(pid, sizeof(pid), "%lld", id);
	params[0] = auth_role_name(role);
	params[1] = pid;
	return db_query(pool, "DELETE FROM web_sessions WHERE role = $1"
			" AND principal_id = $2::bigint", 2, params) == NULL ?
		-1 : 0;
}

const char *web_csrf_token(struct web_req *req, bool pre_login)
{
	const char *pre;
	char *fresh;

	if (!pre_login)
		return req->session != NULL ? req->session->csrf : "";
	pre = cookie_token(req, "_pre");
	if (pre != NULL)
		return pre;
	fresh = p_alloc(req->pool, TOKEN_HEX_LEN + 1);
	token_new_hex(fresh);
	web_cookie_set(req, web_cookie_name(req, "_pre"), fresh,
		       PRE_COOKIE_MAX_AGE);
	return fresh;
}

bool web_csrf_ok(struct web_req *req, bool pre_login)
{
	const char *sent = form_get(&req->post, "_csrf");
	const char *expected;

	if (sent == NULL || !token_is_hex(sent, TOKEN_HEX_LEN))
		return false;
	if (pre_login)
		expected = cookie_token(req, "_pre");
	else
		expected = req->session != NULL ? req->session->csrf : NULL;
	return expected != NULL && token_equal(sent, expected);
}
