/*
 * common.c - what every page of the domain administrators' portal does:
 * find the domain a request is about among the administrator's own,
 * refuse what lies outside it, write audit rows, and small helpers for
 * numbers, sizes and form messages.
 *
 * SECURITY: the domain name and every object id come from the request.
 * The domain is looked up joined with domain_admin_domains for the
 * session's administrator, and every later query names that domain's id
 * next to the object's, so an id of another domain finds nothing. A
 * refusal looks like a missing page (404) and leaves an audit row
 * ("denied") naming what was asked for.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "auth.h"
#include "buf.h"
#include "db.h"
#include "domainadmin.h"
#include "log.h"
#include "pool.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define DADM_DOMAINS_MAX 1000		/* shown on the list to choose from */

/* the done=KEY notices a page may show after a redirect */
static const char *const done_keys[] = {
	"created", "saved", "enabled", "disabled", "password", "deleted",
	"purged", "alias_added", "alias_deleted", "alias_saved",
	"group_added", "catchall_set", "catchall_cleared", "forward_added",
	"forward_deleted", "keep_copy", "imported", "import_cancelled",
};

bool dadm_is_post(struct web_req *req)
{
	return strcmp(req->method, "POST") == 0;
}

const char *dadm_arg(struct web_req *req, const char *name)
{
	return form_get(dadm_is_post(req) ? &req->post : &req->query, name);
}

const char *dadm_id(struct web_req *req, const char *name)
{
	const char *v = dadm_arg(req, name);
	int64_t id;

	if (v == NULL || str_to_int64(v, &id) < 0 || id <= 0)
		return NULL;
	return v;
}

/* admin_id - the session's administrator id, as text */
static const char *admin_id(struct web_req *req)
{
	return p_printf(req->pool, "%" PRId64, req->session->principal.id);
}

int dadm_unavailable(struct web_req *req)
{
	log_error("event=domainadmin_db_error path=%s error=%s",
		  log_quote(req->path), log_quote(db_error()));
	return web_fail(req, 503, "unavailable");
}

/* write_audit - the row itself; domain_id may be NULL */
static int write_audit(struct web_req *req, const char *domain_id,
		       const char *action, const char *object,
		       const char *detail)
{
	const char *params[7];

	params[0] = auth_role_name(AUTH_ROLE_DOMAINADMIN);
	params[1] = req->session->principal.login;
	params[2] = req->client_ip;
	params[3] = action;
	params[4] = object;
	params[5] = detail;
	params[6] = domain_id;
	if (db_query(req->pool, "INSERT INTO audit_log (actor_role, actor,"
		     " client_ip, action, object, detail, domain_id)"
		     " VALUES ($1, $2, $3, $4, $5, $6, $7::bigint)",
		     7, params) == NULL)
		return -1;
	return 0;
}

int dadm_audit(struct web_req *req, const struct dadm_domain *dom,
	       const char *action, const char *object, const char *detail)
{
	return write_audit(req, dom != NULL ? dom->id : NULL, action, object,
			   detail);
}

int dadm_not_found(struct web_req *req, const struct dadm_domain *dom,
		   const char *object)
{
	const char *detail = p_printf(req->pool, "{\"path\":%s,\"method\":%s}",
		str_json_quote(req->pool, req->path),
		str_json_quote(req->pool, req->method));

	log_info("event=domainadmin_denied admin=%s ip=%s path=%s object=%s",
		 log_quote(req->session->principal.login),
		 log_quote(req->client_ip), log_quote(req->path),
		 log_quote(object));
	if (write_audit(req, dom != NULL ? dom->id : NULL, "denied", object,
			detail) < 0)
		log_error("event=domainadmin_audit_failed error=%s",
			  log_quote(db_error()));
	return web_fail(req, 404, "not_found");
}

int dadm_object(struct web_req *req, const struct dadm_domain *dom,
		const char *kind, const char *id, const char *sql,
		PGresult **res_r)
{
	const char *params[2] = { id, dom->id };

	if (id == NULL) {
		dadm_not_found(req, dom, kind);
		return 0;
	}
	*res_r = db_query(req->pool, sql, 2, params);
	if (*res_r == NULL) {
		dadm_unavailable(req);
		return -1;
	}
	if (db_ntuples(*res_r) != 1) {
		dadm_not_found(req, dom, p_printf(req->pool, "%s:%s", kind,
						  id));
		return 0;
	}
	return 1;
}

/* choose - the administrator's domains with their user counts, to pick
 * one for this page; also the overview of an administrator with several */
static int choose(struct web_req *req)
{
	const char *params[1] = { admin_id(req) };
	PGresult *res;

	res = db_query(req->pool,
		"SELECT d.name, d.status,"
		" (SELECT count(*) FROM users u WHERE u.domain_id = d.id"
		"  AND u.deleted_at IS NULL AND u.status = 'active'),"
		" (SELECT count(*) FROM users u WHERE u.domain_id = d.id"
		"  AND u.deleted_at IS NULL AND u.status <> 'active')"
		" FROM domains d JOIN domain_admin_domains a"
		" ON a.domain_id = d.id WHERE a.admin_id = $1::bigint"
		" ORDER BY d.name LIMIT 1000", 1, params);
	if (res == NULL)
		return dadm_unavailable(req);
	for (int i = 0; i < db_ntuples(res) && i < DADM_DOMAINS_MAX; i++) {
		const char *pre = p_printf(req->pool, "Domains.%d.", i);

		wcs_set(req->hdf, p_printf(req->pool, "%sName", pre),
			db_value(res, i, 0));
		wcs_set(req->hdf, p_printf(req->pool, "%sEnc", pre),
			url_encode(req->pool, db_value(res, i, 0)));
		wcs_set(req->hdf, p_printf(req->pool, "%sStatus", pre),
			db_value(res, i, 1));
		wcs_set(req->hdf, p_printf(req->pool, "%sActive", pre),
			db_value(res, i, 2));
		wcs_set(req->hdf, p_printf(req->pool, "%sDisabled", pre),
			db_value(res, i, 3));
	}
	wcs_set(req->hdf, "Choose.Path", req->path);
	return web_render(req, 200, "choose.cs");
}

const struct dadm_domain *dadm_domain(struct web_req *req)
{
	const char *name = dadm_arg(req, "d");
	const char *params[2];
	struct dadm_domain *dom;
	PGresult *res;
	unsigned int n;

	params[0] = admin_id(req);
	res = db_query(req->pool, "SELECT d.name FROM domains d"
		       " JOIN domain_admin_domains a ON a.domain_id = d.id"
		       " WHERE a.admin_id = $1::bigint ORDER BY d.name LIMIT 2",
		       1, params);
	if (res == NULL) {
		dadm_unavailable(req);
		return NULL;
	}
	n = (unsigned int)db_ntuples(res);
	wcs_set_int(req->hdf, "Page.Several", n > 1);
	if (name == NULL || *name == '\0') {
		if (dadm_is_post(req)) {
			web_fail(req, 400, "bad_request");
			return NULL;
		}
		if (n != 1) {
			choose(req);
			return NULL;
		}
		name = p_strdup(req->pool, db_value(res, 0, 0));
	}
	if (strlen(name) > ACCT_DOMAIN_MAX || !str_text_sane(name,
							     ACCT_DOMAIN_MAX)) {
		dadm_not_found(req, NULL, "domain");
		return NULL;
	}
	params[1] = name;
	res = db_query(req->pool,
		"SELECT d.id, d.name, d.status, COALESCE(p.name, ''),"
		" COALESCE(p.max_users, 0), COALESCE(p.max_quota_bytes, 0),"
		" COALESCE(p.max_user_quota_bytes, 0), " ACCT_PW_POLICY_SQL
		" FROM domains d JOIN domain_admin_domains a"
		" ON a.domain_id = d.id"
		" LEFT JOIN service_packages p ON p.id = d.package_id"
		" WHERE a.admin_id = $1::bigint AND d.name = lower($2)",
		2, params);
	if (res == NULL) {
		dadm_unavailable(req);
		return NULL;
	}
	if (db_ntuples(res) != 1) {
		dadm_not_found(req, NULL, p_printf(req->pool, "domain:%s",
						   name));
		return NULL;
	}
	dom = p_new(req->pool, struct dadm_domain, 1);
	dom->id = db_value(res, 0, 0);
	dom->name = db_value(res, 0, 1);
	dom->status = db_value(res, 0, 2);
	dom->package = db_value(res, 0, 3);
	dom->max_users = dadm_u64(db_value(res, 0, 4));
	dom->max_quota = dadm_u64(db_value(res, 0, 5));
	dom->max_user_quota = dadm_u64(db_value(res, 0, 6));
	if (str_to_uint(db_value(res, 0, 7), &n) < 0 ||
	    n < ACCT_PASSWORD_MIN)
		n = ACCT_PASSWORD_MIN;
	dom->password_min = n;
	if (str_to_uint(db_value(res, 0, 8), &n) < 0)
		n = 0;
	dom->password_classes = n;
	wcs_set(req->hdf, "Domain.Name", dom->name);
	wcs_set(req->hdf, "Domain.Enc", url_encode(req->pool, dom->name));
	wcs_set(req->hdf, "Domain.Status", dom->status);
	wcs_set(req->hdf, "Domain.Package", dom->package);
	wcs_set_int(req->hdf, "Domain.PasswordMin", (long)dom->password_min);
	if (dom->password_classes & ACCT_PW_LOWER)
		wcs_set(req->hdf, "Domain.PasswordNeeds.lower", "1");
	if (dom->password_classes & ACCT_PW_UPPER)
		wcs_set(req->hdf, "Domain.PasswordNeeds.upper", "1");
	if (dom->password_classes & ACCT_PW_DIGIT)
		wcs_set(req->hdf, "Domain.PasswordNeeds.digit", "1");
	if (dom->password_classes & ACCT_PW_SYMBOL)
		wcs_set(req->hdf, "Domain.PasswordNeeds.symbol", "1");
	return dom;
}

/* ==== small helpers ===================================================== */

void dadm_setf(struct web_req *req, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = p_vprintf(req->pool, fmt, ap);
	va_end(ap);
	wcs_set(req->hdf, name, v);
}

const char *dadm_size(struct pool *pool, uint64_t n)
{
	if (n < 1024)
		return p_printf(pool, "%" PRIu64 " B", n);
	if (n < DADM_MIB)
		return p_printf(pool, "%" PRIu64 " KB", (n + 1023) / 1024);
	if (n % (1024 * DADM_MIB) == 0)
		return p_printf(pool, "%" PRIu64 " GB", n / (1024 * DADM_MIB));
	if (n % DADM_MIB == 0 && n < 1024 * 1024 * DADM_MIB)
		return p_printf(pool, "%" PRIu64 " MB", n / DADM_MIB);
	if (n < 1024 * DADM_MIB)
		return p_printf(pool, "%.1f MB", (double)n / (double)DADM_MIB);
	return p_printf(pool, "%.1f GB",
			(double)n / (double)(1024 * DADM_MIB));
}

const char *dadm_mb(struct pool *pool, uint64_t bytes)
{
	if (bytes == 0)
		return "";
	return p_printf(pool, "%" PRIu64, (bytes + DADM_MIB - 1) / DADM_MIB);
}

uint64_t dadm_u64(const char *value)
{
	uint64_t n;

	if (value == NULL || str_to_u64(value, &n) < 0)
		return 0;
	return n;
}

void dadm_form_error(struct web_req *req, const char *form, const char *key)
{
	wcs_set(req->hdf, "Page.FormError", key);
	wcs_set(req->hdf, "Page.FormErrorAt", form);
}

void dadm_done(struct web_req *req)
{
	const char *done = form_get(&req->query, "done");

	for (size_t i = 0; done != NULL &&
	     i < sizeof(done_keys) / sizeof(done_keys[0]); i++)
		if (strcmp(done, done_keys[i]) == 0)
			wcs_set(req->hdf, "Page.Done", done);
}

int dadm_packages(struct web_req *req, const char *selected)
{
	PGresult *res = db_query(req->pool, "SELECT id, name FROM"
				 " service_packages ORDER BY name", 0, NULL);

	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *pre = p_printf(req->pool, "Packages.%d.", i);

		wcs_set(req->hdf, p_printf(req->pool, "%sId", pre),
			db_value(res, i, 0));
		wcs_set(req->hdf, p_printf(req->pool, "%sName", pre),
			db_value(res, i, 1));
		if (selected != NULL &&
		    strcmp(selected, db_value(res, i, 0)) == 0)
			wcs_set(req->hdf, p_printf(req->pool, "%sSelected",
						   pre), "1");
	}
	return 0;
}

int dadm_package_ok(struct web_req *req, const char *id)
{
	const char *params[1] = { id };
	PGresult *res;
	int64_t n;

	if (str_to_int64(id, &n) < 0 || n <= 0)
		return 0;
	res = db_query(req->pool, "SELECT 1 FROM service_packages"
		       " WHERE id = $1::bigint", 1, params);
	if (res == NULL)
		return -1;
	return db_ntuples(res) > 0;
}

bool dadm_date_ok(const char *s)
{
	static const unsigned int days[] = { 31, 29, 31, 30, 31, 30, 31, 31,
					     30, 31, 30, 31 };
	unsigned int y, m, d;
	char tail;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
	    y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > days[m - 1])
		return false;
	/* 29 February only in leap years */
	return !(m == 2 && d == 29 &&
		 (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}
