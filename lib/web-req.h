#ifndef MH_WEB_REQ_H
#define MH_WEB_REQ_H
/*
 * web-req.h - one HTTP request as FastCGI hands it over, and its response.
 *
 * A request owns a pool that lives until the response is sent; everything
 * hanging off struct web_req is in it. Handlers read input only through
 * the parsed forms (query, post, cookies) and web_param(); they never
 * print: they fill req->hdf and finish with web_render(), web_redirect()
 * or web_fail(), which set the status and body that web_send() writes.
 * Every response carries the security headers (CSP, nosniff, no-referrer).
 */
#include <stdbool.h>
#include <stddef.h>

#include <fcgiapp.h>

#include "buf.h"
#include "cs-wrap.h"
#include "web-form.h"

struct pool;
struct web_app;
struct web_session;

#define WEB_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"connect-src 'self'; " \
	"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; " \
	"base-uri 'none'"

struct web_req {
	struct pool *pool;
	FCGX_Request *fcgi;		/* NULL in tests */
	const struct web_app *app;

	const char *method;		/* "GET", "POST", ... */
	const char *path;		/* PATH_INFO, at least "/" */
	const char *base;		/* SCRIPT_NAME: "" or "/admin" ... */
	const char *client_ip;
	const char *user_agent;
	bool https;

	struct form query;
	struct form post;
	struct form cookies;

	HDF *hdf;
	const char *lang;		/* "en_US" or "zh_CN" */
	struct web_session *session;	/* NULL when not logged in */

	/* response */
	const char *csp;		/* NULL: WEB_CSP */
	bool frame_same_origin;		/* may be framed by our own pages */
	int status;
	const char *content_type;
	struct buf *headers;		/* extra "Name: value\r\n" lines */
	struct buf *body;
	bool head_only;
};

/* web_param - a FastCGI/CGI variable, or NULL */
const char *web_param(struct web_req *req, const char *name);

/* web_header_add - one more response header; CR/LF in name or value is a
 * bug and panics */
void web_header_add(struct web_req *req, const char *name,
		    const char *value);
/* web_cookie_set - Set-Cookie with Path=/, HttpOnly, SameSite=Strict and,
 * over TLS, Secure; max_age < 0 means a session cookie, 0 deletes */
void web_cookie_set(struct web_req *req, const char *name,
		    const char *value, long max_age);

/* web_render - render template with req->hdf as the response body */
int web_render(struct web_req *req, int status, const char *template_name);
/* web_redirect - 303 See Other to base + path */
int web_redirect(struct web_req *req, const char *path);
/* web_fail - an error page with a message key from the language file
 * (Lang.error.<key>) */
int web_fail(struct web_req *req, int status, const char *key);

/* web_send - write status, headers and body to FastCGI */
void web_send(struct web_req *req);

const char *web_status_text(int status);

#endif
