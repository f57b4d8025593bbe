/*
 * settings.c - the settings index: a list of the settings pages.
 *
 *   GET /settings
 *
 * The template (settings.cs) holds the list, one link a line.
 */
#include "config.h"

#include <inttypes.h>

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

/* wm_page_settings - GET /settings */
int wm_page_settings(struct web_req *req)
{
	return web_render(req, 200, "settings.cs");
}
