/*
 * settings.c - the settings index: a list of the settings pages.
 *
 *   GET /settings
 *
 * The template (settings.cs) holds the list, one link a line.
 */
#include "config.h"

#include <inttypes.h>

#include "auth.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "settings.h"
#include "web-req.h"
#include "web-session.h"

const char *wm_settings_user(struct web_req *req)
{
	return p_printf(req->pool, "%" PRId64, req->session->principal.id);
}

int wm_settings_fail(struct web_req *req, const char *what)
{
	log_error("event=webmail_settings_failed what=%s user=%s error=%s",
		  what, log_quote(req->session->principal.login),
		  log_quote(db_error()));
	return web_fail(req, 503, "unavailable");
}

int wm_settings_audit(struct web_req *req, const char *action,
		      const char *detail)
{
	const struct auth_principal *me = &req->session->principal;
	const char *params[7];

	params[0] = auth_role_name(AUTH_ROLE_USER);
	params[1] = me->login;
	params[2] = req->client_ip;
	params[3] = action;
	params[4] = me->login;
	params[5] = detail;
	params[6] = p_printf(req->pool, "%" PRId64, me->domain_id);
	if (db_query(req->pool, "INSERT INTO audit_log (actor_role, actor,"
		     " client_ip, action, object, detail, domain_id)"
		     " VALUES ($1, $2, $3, $4, $5, $6, $7::bigint)",
		     7, params) == NULL)
		return -1;
	return 0;
}

/* wm_page_settings - GET /settings */
int wm_page_settings(struct web_req *req)
{
	return web_render(req, 200, "settings.cs");
}
