#ifndef MH_WEB_SESSION_H
#define MH_WEB_SESSION_H
/*
 * web-session.h - login sessions of the three portals, and CSRF tokens.
 *
 * A session id is 256 random bits, sent to the browser as 64 hex digits in
 * an HttpOnly, SameSite=Strict cookie named mh_<portal> (with the __Host-
 * prefix and Secure over TLS). The database keeps only its SHA-256, with
 * the portal, the principal, a CSRF token and the times that enforce the
 * idle and absolute timeouts. A session belongs to one portal: its id
 * presented to another portal finds nothing.
 *
 * Before login, a form's CSRF token is checked against a pre-login cookie
 * (mh_<portal>_pre) holding the same random value (double submit); after
 * login, against the token stored with the session.
 */
#include <stdbool.h>

#include "auth.h"
#include "token.h"

struct web_req;

struct web_session {
	char id_hash[SHA256_HEX_LEN + 1];
	char csrf[TOKEN_HEX_LEN + 1];
	struct auth_principal principal;
};

/* web_cookie_name - "mh_<portal><suffix>", with __Host- over TLS */
const char *web_cookie_name(struct web_req *req, const char *suffix);
/* web_session_load - find the request's session; 1 found (req->session
 * set), 0 none or expired (an expired row is deleted), -1 database error */
int web_session_load(struct web_req *req);
/* web_session_create - new session for principal (id rotated: any session
 * the request came with is ended); sets the cookie; -1 on error */
int web_session_create(struct web_req *req,
		       const struct auth_principal *principal);
/* web_session_destroy - end the current session server-side and clear
 * the cookie */
int web_session_destroy(struct web_req *req);
/* web_session_end_all - end every session of a principal (password reset) */
int web_session_end_all(struct pool *pool, enum auth_role role, long long id);

/* web_csrf_token - the token forms on this page must carry: the session's,
 * or for pre-login pages the pre-login one (creating its cookie) */
const char *web_csrf_token(struct web_req *req, bool pre_login);
/* web_csrf_ok - the POSTed _csrf matches the session's token, or for
 * pre-login pages the pre-login cookie */
bool web_csrf_ok(struct web_req *req, bool pre_login);

#endif
