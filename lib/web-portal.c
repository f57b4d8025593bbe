/*
 * web-portal.c - the dispatcher shared by the three portals, and the pages
 * every portal has: login, logout and home.
 *
 * SECURITY: everything in a request is untrusted. The checks that apply to
 * every page run here, once, in a fixed order (see web-portal.h), before
 * any handler sees the request; the body is read only after its declared
 * size passed the limit, and only for POST.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "cfg.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-i18n.h"
#include "web-portal.h"
#include "web-req.h"
#include "web-session.h"
#include "web-skin.h"

#define WEB_LOGIN_MAX 320	/* an address: 64 + @ + 255 */
#define WEB_PASSWORD_MAX 1024

/* ==== request body ==================================================== */

/* read_body - read exactly CONTENT_LENGTH bytes; -1 when short */
static int read_body(struct web_req *req, size_t len, char **data_r)
{
	char *data = p_alloc(req->pool, len + 1);
	size_t got = 0;

	while (got < len) {
		size_t chunk = len - got > (1 << 20) ? (1 << 20) : len - got;
		int n = FCGX_GetStr(data + got, (int)chunk, req->fcgi->in);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	*data_r = data;
	return 0;
}

static struct form_limits web_limits(void)
{
	struct form_limits limits = form_limits_default;

	limits.max_parts = cfg.http_max_parts;
	limits.max_file = cfg.http_max_body;
	return limits;
}

/* parse_body - the POST body into req->post; an HTTP status on failure */
static int parse_body(struct web_req *req)
{
	const char *ctype = web_param(req, "CONTENT_TYPE");
	const char *clen = web_param(req, "CONTENT_LENGTH");
	struct form_limits limits = web_limits();
	const char *error, *boundary;
	uint64_t len = 0;
	char *data;

	if (clen != NULL && clen[0] != '\0' && str_to_u64(clen, &len) < 0)
		return 400;
	if (len > cfg.http_max_body)
		return 413;
	if (len == 0)
		return 0;
	if (read_body(req, (size_t)len, &data) < 0)
		return 400;
	if (ctype == NULL)
		return 415;
	if (str_begins(ctype, "application/x-www-form-urlencoded")) {
		if (form_parse_urlencoded(req->pool, data, (size_t)len,
					  &limits, &req->post, &error) < 0)
			goto bad;
		return 0;
	}
	if (str_begins(ctype, "multipart/form-data")) {
		if (form_multipart_boundary(req->pool, ctype, &boundary) < 0) {
			error = "multipart: bad boundary";
			goto bad;
		}
		if (form_parse_multipart(req->pool, data, (size_t)len,
					 boundary, &limits, &req->post,
					 &error) < 0)
			goto bad;
		return 0;
	}
	return 415;
bad:
	log_info("event=bad_request ip=%s path=%s error=%s",
		 log_quote(req->client_ip), log_quote(req->path),
		 log_quote(error));
	return 400;
}

/* ==== dispatcher ====================================================== */

static const struct web_page *find_page(struct web_req *req)
{
	for (const struct web_page *p = req->app->pages; p->path != NULL; p++)
		if (strcmp(p->path, req->path) == 0)
			return p;
	return NULL;
}

static void set_allow(struct web_req *req, const struct web_page *page)
{
	const char *allow;

	if (page == NULL)
		allow = "GET, HEAD, POST";
	else if (page->get != NULL && page->post != NULL)
		allow = "GET, HEAD, POST";
	else if (page->post != NULL)
		allow = "POST";
	else
		allow = "GET, HEAD";
	web_header_add(req, "Allow", allow);
}

/* set_common - what every template may use */
static void set_common(struct web_req *req)
{
	HDF *hdf = req->hdf;
	int i = 0;

	wcs_set(hdf, "Page.Base", req->base);
	wcs_set(hdf, "Page.Portal", req->app->name);
	wcs_set(hdf, "Page.Static", "/static");
	if (req->session == NULL)
		return;
	wcs_set(hdf, "Session.Login", req->session->principal.login);
	wcs_set(hdf, "Session.Name", req->session->principal.display_name);
	wcs_set(hdf, "Session.Role", auth_role_name(req->app->role));
	wcs_set(hdf, "Session.Csrf", req->session->csrf);
	for (const struct web_nav *n = req->app->nav; n != NULL &&
	     n->key != NULL; n++, i++) {
		char name[64];

		snprintf(name, sizeof(name), "Nav.%d.Key", i);
		wcs_set(hdf, name, n->key);
		snprintf(name, sizeof(name), "Nav.%d.Path", i);
		wcs_set(hdf, name, n->path != NULL ? n->path : "");
	}
}

static void choose_language(struct web_req *req)
{
	const char *pref = req->session != NULL ?
		req->session->principal.language : NULL;
	const char *lang = i18n_choose(pref,
				       web_param(req, "HTTP_ACCEPT_LANGUAGE"));

	if (req->lang == NULL || strcmp(req->lang, lang) != 0) {
		req->lang = lang;
		i18n_apply(req->hdf, lang);
	}
}

/* choose_skin - the users' portal is shown in the user's skin (the
 * default before login); the others have none */
static void choose_skin(struct web_req *req)
{
	if (req->app->role != AUTH_ROLE_USER)
		return;
	web_skin_apply(req->hdf, req->app->name, req->session != NULL ?
		       req->session->principal.skin : NULL);
}

void web_portal_handle(struct web_req *req)
{
	struct form_limits limits = web_limits();
	const struct web_page *page;
	web_handler_fn *handler;
	const char *error, *qs, *cookie, *site;
	bool post;
	int status;

	choose_language(req);
	choose_skin(req);
	set_common(req);
	if (strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0) {
		post = false;
		req->head_only = req->method[0] == 'H';
	} else if (strcmp(req->method, "POST") == 0) {
		post = true;
	} else {
		set_allow(req, NULL);
		web_fail(req, 405, "method");
		return;
	}
	qs = web_param(req, "QUERY_STRING");
	if (qs != NULL && form_parse_urlencoded(req->pool, qs, strlen(qs),
						&limits, &req->query,
						&error) < 0) {
		web_fail(req, 400, "bad_request");
		return;
	}
	cookie = web_param(req, "HTTP_COOKIE");
	if (cookie != NULL && form_parse_cookies(req->pool, cookie, &limits,
						 &req->cookies, &error) < 0) {
		web_fail(req, 400, "bad_request");
		return;
	}
	page = find_page(req);
	if (page == NULL) {
		web_fail(req, 404, "not_found");
		return;
	}
	handler = post ? page->post : page->get;
	if (handler == NULL) {
		set_allow(req, page);
		web_fail(req, 405, "method");
		return;
	}
	if (post) {
		site = web_param(req, "HTTP_SEC_FETCH_SITE");
		if (site != NULL && strcmp(site, "cross-site") == 0) {
			log_info("event=cross_site_post ip=%s path=%s",
				 log_quote(req->client_ip),
				 log_quote(req->path));
			web_fail(req, 403, "csrf");
			return;
		}
		status = parse_body(req);
		if (status != 0) {
			web_fail(req, status, status == 413 ? "too_large" :
				 "bad_request");
			return;
		}
	}
	if (web_session_load(req) < 0) {
		web_fail(req, 503, "unavailable");
		return;
	}
	choose_language(req);
	choose_skin(req);
	set_common(req);
	if ((page->flags & PAGE_AUTH) && req->session == NULL) {
		if (post)
			web_fail(req, 403, "session_expired");
		else
			web_redirect(req, "/login");
		return;
	}
	if (post && !web_csrf_ok(req, !(page->flags & PAGE_AUTH))) {
		log_info("event=csrf_refused ip=%s path=%s",
			 log_quote(req->client_ip), log_quote(req->path));
		web_fail(req, 403, "csrf");
		return;
	}
	handler(req);
}

/* ==== shared pages ==================================================== */

static int render_login(struct web_req *req, int status, const char *error,
			const char *username)
{
	wcs_set(req->hdf, "Page.Csrf", web_csrf_token(req, true));
	wcs_set(req->hdf, "Page.Error", error);
	wcs_set(req->hdf, "Page.Username", username);
	return web_render(req, status, "login.cs");
}

int web_page_login_get(struct web_req *req)
{
	if (req->session != NULL)
		return web_redirect(req, "/");
	return render_login(req, 200, "", "");
}

int web_page_login_post(struct web_req *req)
{
	const char *user = form_get(&req->post, "username");
	const char *password = form_get(&req->post, "password");
	struct auth_principal principal;
	unsigned int retry_after = 0;
	enum auth_status st;
	const char *login;

	if (user == NULL)
		user = "";
	if (password == NULL)
		password = "";
	login = str_trim(p_strdup(req->pool, user));
	if (strlen(login) > WEB_LOGIN_MAX ||
	    strlen(password) > WEB_PASSWORD_MAX) {
		/* refuse without a lookup, at the cost of one */
		st = AUTH_BAD;
		login = "";
	} else {
		st = auth_login(req->pool, req->app->role, login, password,
				req->client_ip, req->app->name, &principal,
				&retry_after);
	}
	switch (st) {
	case AUTH_OK:
		if (web_session_create(req, &principal) < 0)
			return web_fail(req, 503, "unavailable");
		log_info("event=web_login portal=%s login=%s ip=%s",
			 req->app->name, log_quote(principal.login),
			 log_quote(req->client_ip));
		return web_redirect(req, "/");
	case AUTH_LIMITED: {
		char secs[16];

		snprintf(secs, sizeof(secs), "%u", retry_after);
		web_header_add(req, "Retry-After", secs);
		wcs_set_int(req->hdf, "Page.RetryAfter", retry_after);
		return render_login(req, 429, "limited", login);
	}
	case AUTH_BAD:
		return render_login(req, 401, "failed", login);
	case AUTH_ERROR:
	default:
		return web_fail(req, 503, "unavailable");
	}
}

int web_page_logout_post(struct web_req *req)
{
	log_info("event=web_logout portal=%s login=%s ip=%s", req->app->name,
		 log_quote(req->session->principal.login),
		 log_quote(req->client_ip));
	web_session_destroy(req);
	return web_redirect(req, "/login");
}

int web_page_home(struct web_req *req)
{
	if (req->app->home_extra != NULL && req->app->home_extra(req) < 0)
		return web_fail(req, 503, "unavailable");
	return web_render(req, 200, "home.cs");
}
