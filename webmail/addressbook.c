/*
 * webmail/addressbook.c - the group address book of the user's domain,
 * read-only: the domain's active users and the entries its
 * administrators keep (lib/abook.c; they edit it in the domain
 * administrators' portal).
 *
 *   GET  /addressbook   ?q=&sort=name|email|company|department
 *                       &order=asc|desc&page=
 *
 * SECURITY: the domain is the session's (principal.domain_id, loaded
 * from the users row at each request), never a request argument, so a
 * user sees their own domain's book and no other. Nothing here writes.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "abook.h"
#include "auth.h"
#include "db.h"
#include "log.h"
#include "mail.h"
#include "pool.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define WM_BOOK_PAGE 50

/* wm_page_addressbook - GET /addressbook */
int wm_page_addressbook(struct web_req *req)
{
	if (req->session->principal.domain_id <= 0)
		return web_fail(req, 404, "not_found");
	if (abook_page(req->pool, req->hdf, &req->query,
		       p_printf(req->pool, "%" PRId64,
				req->session->principal.domain_id),
		       WM_BOOK_PAGE) < 0) {
		log_error("event=webmail_db_error path=%s error=%s",
			  log_quote(req->path), log_quote(db_error()));
		return web_fail(req, 503, "unavailable");
	}
	return web_render(req, 200, "addressbook.cs");
}
