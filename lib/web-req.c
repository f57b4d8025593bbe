/*
 * web-req.c - the response side of a request: headers, cookies, rendering,
 * redirects, error pages, and writing it all to FastCGI.
 *
 * SECURITY: header names and values built here never contain CR or LF;
 * a caller passing one is a bug (panic), since the values reaching this
 * point are ours (cookie tokens, fixed paths), not the client's.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pool.h"
#include "web-cs.h"
#include "web-req.h"

const char *web_param(struct web_req *req, const char *name)
{
	if (req->fcgi == NULL)
		return NULL;
	return FCGX_GetParam(name, req->fcgi->envp);
}

const char *web_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static void check_header_text(const char *s)
{
	if (strpbrk(s, "\r\n") != NULL)
		panic("CR or LF in a response header: %s", log_quote(s));
}

void web_header_add(struct web_req *req, const char *name, const char *value)
{
	check_header_text(name);
	check_header_text(value);
	if (buf_printf(req->headers, "%s: %s\r\n", name, value) < 0)
		panic("response headers over their limit");
}

void web_cookie_set(struct web_req *req, const char *name, const char *value,
		    long max_age)
{
	char *v;

	v = p_printf(req->pool, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
		     name, value, req->https ? "; Secure" : "");
	if (max_age >= 0)
		v = p_printf(req->pool, "%s; Max-Age=%ld", v, max_age);
	web_header_add(req, "Set-Cookie", v);
}

int web_render(struct web_req *req, int status, const char *template_name)
{
	buf_reset(req->body);
	if (wcs_render(req->hdf, template_name, req->body) < 0) {
		buf_reset(req->body);
		req->status = 500;
		req->content_type = "text/plain; charset=utf-8";
		if (buf_append_str(req->body, "Internal error\n") < 0)
			panic("response body over its limit");
		return -1;
	}
	req->status = status;
	req->content_type = "text/html; charset=utf-8";
	return 0;
}

int web_redirect(struct web_req *req, const char *path)
{
	web_header_add(req, "Location",
		       p_printf(req->pool, "%s%s", req->base, path));
	buf_reset(req->body);
	req->status = 303;
	req->content_type = "text/plain; charset=utf-8";
	return 0;
}

int web_fail(struct web_req *req, int status, const char *key)
{
	wcs_set_int(req->hdf, "Page.Status", status);
	wcs_set(req->hdf, "Page.StatusText", web_status_text(status));
	wcs_set(req->hdf, "Page.ErrorKey", key);
	return web_render(req, status, "error.cs");
}

/* web_send - write the whole response to FastCGI. The head is formatted
 * here, not with FCGX_FPrintF, whose printf lacks the z modifier. */
void web_send(struct web_req *req)
{
	FCGX_Stream *out;
	struct buf head;

	if (req->fcgi == NULL)
		return;
	out = req->fcgi->out;
	buf_init(&head, 0);
	if (buf_printf(&head, "Status: %d %s\r\n"
		       "Content-Type: %s\r\n"
		       "Content-Security-Policy: %s\r\n"
		       "X-Content-Type-Options: nosniff\r\n"
		       "Referrer-Policy: no-referrer\r\n"
		       "X-Frame-Options: %s\r\n"
		       "Cache-Control: no-store\r\n"
		       "Content-Length: %zu\r\n%s\r\n",
		       req->status, web_status_text(req->status),
		       req->content_type, req->csp != NULL ? req->csp : WEB_CSP,
		       req->frame_same_origin ? "SAMEORIGIN" : "DENY",
		       req->body->len,
		       req->headers->data != NULL ? req->headers->data : "") < 0)
		panic("out of memory");
	FCGX_PutStr(head.data, (int)head.len, out);
	buf_free(&head);
	if (!req->head_only && req->body->len > 0)
		FCGX_PutStr(req->body->data, (int)req->body->len, out);
}
