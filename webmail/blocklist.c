/*
 * blocklist.c - the user's block list: senders and whole domains whose
 * mail is refused (550 5.7.1 at RCPT) or silently dropped.
 *
 *   GET  /settings/blocklist
 *   POST /settings/blocklist   op=add, pattern, action=reject|discard
 *                              op=set, id, action
 *                              op=remove, id
 *
 * The SMTP service reads the rows (smtpd-rcpt.c): a pattern is a whole
 * address in lower case, or "@domain" for every sender of a domain.
 * A typed "domain" or "*@domain" means the domain. A refused form is
 * shown again with its message (422) and writes nothing; an id that is
 * not one of the user's rows is a 404.
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "settings.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define WM_BLOCK_PATTERN_MAX 320
#define WM_BLOCK_MAX 1000	/* entries of one user */

/* normalize - the typed pattern as stored, or NULL if it is none */
static const char *normalize(struct web_req *req, const char *typed)
{
	char *p, *at;

	if (typed == NULL)
		return NULL;
	p = str_lower(str_trim(p_strdup(req->pool, typed)));
	if (str_begins(p, "*@"))
		p++;
	if (strchr(p, '@') == NULL)
		p = p_printf(req->pool, "@%s", p);
	at = strrchr(p, '@');
	if (strlen(p) > WM_BLOCK_PATTERN_MAX || at[1] == '\0' ||
	    strchr(at + 1, '.') == NULL || at[strlen(at) - 1] == '.' ||
	    strchr(p, '@') != at)
		return NULL;
	for (const char *c = p; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f ||
		    strchr("<>()[],;:\\\"*?", *c) != NULL)
			return NULL;
	return p;
}

static bool action_ok(const char *a)
{
	return a != NULL && (strcmp(a, "reject") == 0 ||
			     strcmp(a, "discard") == 0);
}

/* show - the list and the add form; error_key: Lang.settings.blocklist.
 * error.<key> */
static int show(struct web_req *req, const char *error_key, int status)
{
	const char *params[1] = { wm_settings_user(req) };
	PGresult *res;

	res = db_query(req->pool, "SELECT id, pattern, action FROM block_list"
		       " WHERE user_id = $1::bigint ORDER BY pattern", 1,
		       params);
	if (res == NULL)
		return wm_settings_fail(req, "blocklist_list");
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *pre = p_printf(req->pool, "Block.%d.", i);
		const char *pat = db_value(res, i, 1);

		wcs_set(req->hdf, p_printf(req->pool, "%sId", pre),
			db_value(res, i, 0));
		wcs_set(req->hdf, p_printf(req->pool, "%sPattern", pre), pat);
		wcs_set(req->hdf, p_printf(req->pool, "%sDomain", pre),
			pat[0] == '@' ? "1" : "");
		wcs_set(req->hdf, p_printf(req->pool, "%sAction", pre),
			db_value(res, i, 2));
	}
	if (error_key != NULL)
		wcs_set(req->hdf, "Page.FormError", error_key);
	return web_render(req, status, "blocklist.cs");
}

int wm_page_blocklist(struct web_req *req)
{
	wcs_set(req->hdf, "Page.Done", form_get(&req->query, "done"));
	return show(req, NULL, 200);
}

/* form_error - the page again, the typed values kept */
static int form_error(struct web_req *req, const char *key)
{
	const char *typed = form_get(&req->post, "pattern");
	const char *action = form_get(&req->post, "action");

	wcs_set(req->hdf, "Page.FormPattern", typed != NULL ? typed : "");
	wcs_set(req->hdf, "Page.FormAction", action_ok(action) ? action :
		"reject");
	return show(req, key, 422);
}

int wm_action_blocklist(struct web_req *req)
{
	const char *op = form_get(&req->post, "op");
	const char *action = form_get(&req->post, "action");
	const char *id = form_get(&req->post, "id");
	const char *params[4];
	int64_t n;
	PGresult *res;

	params[0] = wm_settings_user(req);
	if (op == NULL)
		return web_fail(req, 400, "bad_request");
	if (strcmp(op, "add") == 0) {
		const char *pattern = normalize(req,
						form_get(&req->post, "pattern"));

		if (pattern == NULL)
			return form_error(req, "pattern");
		if (!action_ok(action))
			return form_error(req, "action");
		params[1] = pattern;
		params[2] = action;
		params[3] = "1000";
		res = db_query(req->pool, "INSERT INTO block_list (user_id,"
			       " pattern, action) SELECT $1::bigint, $2, $3"
			       " WHERE (SELECT count(*) FROM block_list WHERE"
			       "  user_id = $1::bigint) < $4::int"
			       " ON CONFLICT (user_id, pattern) DO UPDATE"
			       " SET action = EXCLUDED.action RETURNING id",
			       4, params);
		if (res == NULL)
			return wm_settings_fail(req, "blocklist_add");
		if (db_ntuples(res) == 0)
			return form_error(req, "too_many");
		log_info("event=webmail_block op=add user=%s pattern=%s"
			 " action=%s", log_quote(req->session->principal.login),
			 log_quote(pattern), action);
		return web_redirect(req, "/settings/blocklist?done=add");
	}
	if (id == NULL || str_to_int64(id, &n) < 0)
		return web_fail(req, 404, "not_found");
	params[1] = id;
	if (strcmp(op, "remove") == 0) {
		res = db_query(req->pool, "DELETE FROM block_list WHERE"
			       " user_id = $1::bigint AND id = $2::bigint"
			       " RETURNING pattern", 2, params);
	} else if (strcmp(op, "set") == 0) {
		if (!action_ok(action))
			return form_error(req, "action");
		params[2] = action;
		res = db_query(req->pool, "UPDATE block_list SET action = $3"
			       " WHERE user_id = $1::bigint AND id = $2::bigint"
			       " RETURNING pattern", 3, params);
	} else {
		return web_fail(req, 400, "bad_request");
	}
	if (res == NULL)
		return wm_settings_fail(req, "blocklist_change");
	if (db_ntuples(res) == 0)
		return web_fail(req, 404, "not_found");
	log_info("event=webmail_block op=%s user=%s pattern=%s", op,
		 log_quote(req->session->principal.login),
		 log_quote(db_value(res, 0, 0)));
	return web_redirect(req, p_printf(req->pool,
		"/settings/blocklist?done=%s", op));
}
