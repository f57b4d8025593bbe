#ifndef MH_WEB_PORTAL_H
#define MH_WEB_PORTAL_H
/*
 * web-portal.h - what the three portals share: the page table, the
 * dispatcher that runs the common checks once, and the login, logout and
 * home pages.
 *
 * A portal is a struct web_app: its name (also its cookie, socket and
 * template folder name), the role that may log in, its page table and its
 * navigation. The dispatcher, in order: method allowed at all (405),
 * request parsing (400/413), page lookup (404), method allowed for the
 * page (405), Sec-Fetch-Site (403 for cross-site POST), session load,
 * login required (303 to login, or 403 for a POST), CSRF token on every
 * POST (403). Handlers only hold the page's own logic.
 */
#include <stdbool.h>
#include <stddef.h>

#include "auth.h"

struct web_req;

typedef int web_handler_fn(struct web_req *req);

enum web_page_flags {
	PAGE_PUBLIC = 0,
	PAGE_AUTH = 1 << 0,	/* a session of this portal is required */
};

struct web_page {
	const char *path;
	web_handler_fn *get;	/* also serves HEAD */
	web_handler_fn *post;
	unsigned int flags;
};

struct web_nav {
	const char *key;	/* Lang.nav.<key> */
	const char *path;	/* below the portal's base; NULL = not yet open */
};

struct web_app {
	const char *name;	/* "webmail", "domainadmin", "admin" */
	enum auth_role role;
	const struct web_page *pages;	/* ends with a NULL path */
	const struct web_nav *nav;	/* ends with a NULL key */
	web_handler_fn *home_extra;	/* fills role-specific home data */
	unsigned int idle_timeout;	/* seconds; set from cfg at start */
	unsigned int absolute_timeout;
};

/* web_portal_handle - run one request through the dispatcher; the
 * response is left in req for web_send() */
void web_portal_handle(struct web_req *req);

/* shared pages, listed in every portal's table */
int web_page_login_get(struct web_req *req);
int web_page_login_post(struct web_req *req);
int web_page_logout_post(struct web_req *req);
int web_page_home(struct web_req *req);

#endif
