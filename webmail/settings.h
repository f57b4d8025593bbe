#ifndef MH_WM_SETTINGS_H
#define MH_WM_SETTINGS_H
/*
 * settings.h - webmail's settings pages: the index (settings.c), the
 * block list (blocklist.c), filter rules (filters.c) and the vacation
 * reply (vacation.c). All of them read and write PostgreSQL rows of the
 * session's user only.
 */
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

/* wm_settings_user - the session's user id as SQL parameter text */
const char *wm_settings_user(struct web_req *req);
/* wm_settings_fail - log a database failure and answer 503 */
int wm_settings_fail(struct web_req *req, const char *what);

#endif
