/*
 * sessions.c - the user's own web sessions: where they are signed in, and
 * ending any of them.
 *
 *   GET  /settings/sessions
 *   POST /settings/sessions   op=end, id   one session
 *                             op=others    every session but this one
 *
 * A session is named on the page by a handle: the first 32 hex digits of
 * the SHA-256 of its stored id hash (web_sessions.id_hash, itself the
 * SHA-256 of the cookie). The page never carries the cookie value nor
 * the stored hash, and a handle cannot be turned back into either. Only
 * the session's user's webmail rows are ever looked at, so another
 * user's handle finds nothing (404). Ending the current session signs
 * the user out.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "pool.h"
#include "settings.h"
#include "strnum.h"
#include "token.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-portal.h"
#include "web-req.h"
#include "web-session.h"

#define WM_HANDLE_LEN 32
#define WM_HANDLE_SQL "left(encode(sha256(convert_to(id_hash, 'UTF8')),"  \
	" 'hex'), 32)"

int wm_page_sessions(struct web_req *req)
{
	const char *params[3];
	const char *zone, *format;
	PGresult *res;

	params[0] = wm_settings_user(req);
	params[1] = req->session->id_hash;
	params[2] = p_printf(req->pool, "%u", req->app->idle_timeout);
	res = db_query(req->pool, "SELECT " WM_HANDLE_SQL ","
		       " left(COALESCE(user_agent, ''), 160),"
		       " COALESCE(client_ip, ''),"
		       " extract(epoch FROM last_seen)::bigint,"
		       " extract(epoch FROM created_at)::bigint,"
		       " id_hash = $2"
		       " FROM web_sessions WHERE portal = 'webmail'"
		       " AND role = 'user' AND principal_id = $1::bigint"
		       " AND expires_at > now() AND last_seen +"
		       " make_interval(secs => $3::int) > now()"
		       " ORDER BY id_hash = $2 DESC, last_seen DESC", 3,
		       params);
	if (res == NULL)
		return wm_settings_fail(req, "sessions_list");
	wm_display_dates(req, &zone, &format);
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *pre = p_printf(req->pool, "Sessions.%d.", i);
		int64_t seen, created;

		wcs_set(req->hdf, p_printf(req->pool, "%sId", pre),
			db_value(res, i, 0));
		wcs_set(req->hdf, p_printf(req->pool, "%sAgent", pre),
			db_value(res, i, 1));
		wcs_set(req->hdf, p_printf(req->pool, "%sAddress", pre),
			db_value(res, i, 2));
		if (str_to_int64(db_value(res, i, 3), &seen) == 0)
			wcs_set(req->hdf, p_printf(req->pool, "%sSeen", pre),
				wm_date_text(req->pool, zone, format,
					     (time_t)seen));
		if (str_to_int64(db_value(res, i, 4), &created) == 0)
			wcs_set(req->hdf, p_printf(req->pool, "%sCreated",
						   pre),
				wm_date_text(req->pool, zone, format,
					     (time_t)created));
		wcs_set(req->hdf, p_printf(req->pool, "%sCurrent", pre),
			strcmp(db_value(res, i, 5), "t") == 0 ? "1" : "");
	}
	{
		const char *done = form_get(&req->query, "done");

		if (done != NULL && (strcmp(done, "ended") == 0 ||
				     strcmp(done, "others") == 0))
			wcs_set(req->hdf, "Page.Done", done);
	}
	return web_render(req, 200, "settings-sessions.cs");
}

/* handle_ok - WM_HANDLE_LEN lower-case hex digits */
static bool handle_ok(const char *s)
{
	return s != NULL && token_is_hex(s, WM_HANDLE_LEN);
}

int wm_action_sessions(struct web_req *req)
{
	const char *op = form_get(&req->post, "op");
	const char *id = form_get(&req->post, "id");
	const char *params[3];
	PGresult *res;
	bool current;

	params[0] = wm_settings_user(req);
	params[1] = req->session->id_hash;
	if (op != NULL && strcmp(op, "others") == 0) {
		res = db_query(req->pool, "DELETE FROM web_sessions"
			       " WHERE portal = 'webmail' AND role = 'user'"
			       " AND principal_id = $1::bigint"
			       " AND id_hash <> $2", 2, params);
		if (res == NULL)
			return wm_settings_fail(req, "sessions_end");
		if (wm_settings_audit(req, "session.end_others", NULL) < 0)
			log_warn("event=webmail_audit_failed error=%s",
				 log_quote(db_error()));
		log_info("event=webmail_sessions_ended user=%s",
			 log_quote(req->session->principal.login));
		return web_redirect(req, "/settings/sessions?done=others");
	}
	if (op == NULL || strcmp(op, "end") != 0)
		return web_fail(req, 400, "bad_request");
	if (!handle_ok(id)) {
		log_info("event=webmail_session_unknown user=%s",
			 log_quote(req->session->principal.login));
		return web_fail(req, 404, "not_found");
	}
	params[2] = id;
	res = db_query(req->pool, "DELETE FROM web_sessions"
		       " WHERE portal = 'webmail' AND role = 'user'"
		       " AND principal_id = $1::bigint"
		       " AND " WM_HANDLE_SQL " = $3"
		       " RETURNING id_hash = $2", 3, params);
	if (res == NULL)
		return wm_settings_fail(req, "sessions_end");
	if (db_ntuples(res) == 0) {
		log_info("event=webmail_session_unknown user=%s",
			 log_quote(req->session->principal.login));
		return web_fail(req, 404, "not_found");
	}
	current = strcmp(db_value(res, 0, 0), "t") == 0;
	if (wm_settings_audit(req, "session.end", NULL) < 0)
		log_warn("event=webmail_audit_failed error=%s",
			 log_quote(db_error()));
	log_info("event=webmail_session_ended user=%s current=%d",
		 log_quote(req->session->principal.login), current);
	if (current) {
		web_session_destroy(req);
		return web_redirect(req, "/login");
	}
	return web_redirect(req, "/settings/sessions?done=ended");
}
