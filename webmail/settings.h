#ifndef MH_WM_SETTINGS_H
#define MH_WM_SETTINGS_H
/*
 * settings.h - webmail's settings pages: the index (settings.c), the
 * block list (blocklist.c), filter rules (filters.c), the vacation
 * reply (vacation.c), the password (password.c), display preferences and
 * the skin (display.c), spam and virus checks (antispam.c) and the web
 * sessions (sessions.c). All of them read and write PostgreSQL rows of
 * the session's user only.
 */
#include <time.h>

struct pool;
struct web_req;

int wm_page_settings(struct web_req *req);
int wm_page_blocklist(struct web_req *req);
int wm_action_blocklist(struct web_req *req);
int wm_page_filters(struct web_req *req);
int wm_action_filters(struct web_req *req);
int wm_page_filter_edit(struct web_req *req);
int wm_action_filter_edit(struct web_req *req);
int wm_page_filters_sieve(struct web_req *req);
int wm_page_vacation(struct web_req *req);
int wm_action_vacation(struct web_req *req);

/* password.c, display.c, antispam.c, sessions.c */
int wm_page_password(struct web_req *req);
int wm_action_password(struct web_req *req);
int wm_page_display(struct web_req *req);
int wm_action_display(struct web_req *req);
int wm_page_antispam(struct web_req *req);
int wm_action_antispam(struct web_req *req);
int wm_page_sessions(struct web_req *req);
int wm_action_sessions(struct web_req *req);
/* sso.c: the public login link of an outside portal */
int wm_page_sso(struct web_req *req);

/* wm_display_dates - the user's time zone and date format key (both ""
 * when not chosen; request pool memory) */
void wm_display_dates(struct web_req *req, const char **zone_r,
		      const char **format_r);
/* wm_date_text - t in time zone zone ("" = the server's) in the date
 * format named format ("" or unknown = ISO); "" for t = 0 */
const char *wm_date_text(struct pool *pool, const char *zone,
			 const char *format, time_t t);

/* wm_settings_user - the session's user id as SQL parameter text */
const char *wm_settings_user(struct web_req *req);
/* wm_settings_fail - log a database failure and answer 503 */
int wm_settings_fail(struct web_req *req, const char *what);
/* wm_settings_audit - an audit_log row of the session's user about
 * themselves (detail: JSON or NULL); -1 on a database error */
int wm_settings_audit(struct web_req *req, const char *action,
		      const char *detail);

#endif
