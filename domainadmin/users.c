/*
 * users.c - the users of a domain: the list and its CSV download, adding
 * one, the user's page (details, status, password; its aliases and
 * forwards come from aliases.c), and deleting one.
 *
 *   GET  /users           ?d=&q=&status=&sort=&order=&page=&n=
 *   GET  /users.csv       ?d=&q=&status=&sort=&order=   every page
 *   GET  /users/new       ?d=
 *   POST /users/new       d, local, name, password | generate=1,
 *                         quota (MiB, empty = the default), package,
 *                         status
 *   GET  /users/edit      ?d=&id=[&done=]
 *   POST /users/edit      d, id, name, quota, package
 *   POST /users/status    d, id, status=active|disabled
 *   POST /users/password  d, id, password | generate=1
 *   GET  /users/delete    ?d=&id=   the question: keep for N days or purge
 *   POST /users/delete    d, id, mode=keep|purge, days, confirm=1
 *
 * Every change runs in one transaction that first locks the domain's row
 * (so two administrators cannot both take the last place of a package),
 * writes, checks the service package's limits on the result (the quotas
 * counted are the ones delivery enforces, DELIVER_QUOTA_EXPR), and
 * writes the audit row; a refusal rolls everything back and shows the
 * form again with its message. Users are created by acct_user_insert(),
 * as mailhivectl creates them (argon2id hash, five mailboxes).
 *
 * Adding goes through three steps that user-import.c takes for every
 * row of a file too, so a user is the same whichever way it came:
 * dadm_user_check() (the fields), dadm_user_password() (the policy, the
 * hash), then, in the transaction after dadm_user_lock(),
 * dadm_user_insert() (address free, insert, limits, audit).
 *
 * The CSV download is the list as filtered and sorted, in UTF-8 with a
 * byte order mark, formula-guarded (csv.h), without password hashes; its
 * local-part column lets it be imported into another domain as it is.
 *
 * A generated password is shown once, on the page that answers the POST
 * (responses are never cached), and is stored only as its hash. A new
 * password or a disabled user ends the user's web sessions. Deleting
 * either marks the user (deleted_at, purge_after = now + N days: login,
 * delivery and the address are off; a later purge removes it) or purges
 * it at once; its aliases go in both cases.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "auth.h"
#include "buf.h"
#include "csv.h"
#include "db.h"
#include "deliver.h"
#include "domainadmin.h"
#include "log.h"
#include "pool.h"
#include "pwhash.h"
#include "strnum.h"
#include "token.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define DADM_PAGE_SIZE 50
#define DADM_QUERY_MAX 200
#define DADM_GENERATED_LEN 16		/* characters of a made-up password */
#define DADM_KEEP_DAYS_DEFAULT 30
#define DADM_KEEP_DAYS_MAX 3650

/* ==== the list ========================================================== */

#define USERS_WHERE \
	" WHERE u.domain_id = $1::bigint" \
	" AND ($2 = '' OR strpos(u.address, lower($2)) > 0" \
	"  OR strpos(lower(u.display_name), lower($2)) > 0)" \
	" AND ($3 = '' OR ($3 = 'deleted' AND u.deleted_at IS NOT NULL)" \
	"  OR (u.deleted_at IS NULL AND u.status = $3))"
#define USERS_LIST(order) \
	"SELECT u.id, u.address, u.display_name, " DELIVER_QUOTA_EXPR "," \
	" u.used_bytes, u.status, u.deleted_at IS NOT NULL," \
	" to_char(u.created_at, 'YYYY-MM-DD')," \
	" to_char(u.purge_after, 'YYYY-MM-DD'), u.quota_bytes," \
	" COALESCE(up.name, '')" \
	DELIVER_QUOTA_FROM USERS_WHERE " ORDER BY " order \
	" LIMIT $4::integer OFFSET $5::integer"
/* unlimited (0) counts as the largest quota */
#define QUOTA_ORDER(dir) "(" DELIVER_QUOTA_EXPR " = 0) " dir ", " \
	DELIVER_QUOTA_EXPR " " dir ", u.address"

static const struct {
	const char *key;
	const char *asc, *desc;
} user_sorts[] = {
	{ "address", USERS_LIST("u.address"), USERS_LIST("u.address DESC") },
	{ "name", USERS_LIST("lower(u.display_name), u.address"),
	  USERS_LIST("lower(u.display_name) DESC, u.address") },
	{ "quota", USERS_LIST(QUOTA_ORDER("ASC")),
	  USERS_LIST(QUOTA_ORDER("DESC")) },
	{ "used", USERS_LIST("u.used_bytes, u.address"),
	  USERS_LIST("u.used_bytes DESC, u.address") },
	{ "status", USERS_LIST("u.deleted_at IS NOT NULL, u.status,"
			       " u.address"),
	  USERS_LIST("u.deleted_at IS NOT NULL DESC, u.status DESC,"
		     " u.address") },
	{ "created", USERS_LIST("u.created_at, u.id"),
	  USERS_LIST("u.created_at DESC, u.id DESC") },
};

/* status_key - "active", "disabled" or "deleted" for Lang lookups */
static const char *status_key(const char *status, const char *deleted)
{
	return deleted != NULL && strcmp(deleted, "t") == 0 ? "deleted" :
		status;
}

struct list_query {
	const char *q, *status;
	size_t sort;			/* in user_sorts[] */
	bool desc;
};

/* read_list - the search, status filter and order of the list (also of
 * its CSV download); what is not understood is left out */
static void read_list(struct web_req *req, struct list_query *lq)
{
	const char *sort = form_get(&req->query, "sort");
	const char *order = form_get(&req->query, "order");

	lq->q = form_get(&req->query, "q");
	if (lq->q == NULL || strlen(lq->q) > DADM_QUERY_MAX)
		lq->q = "";
	lq->status = form_get(&req->query, "status");
	if (lq->status == NULL || (strcmp(lq->status, "active") != 0 &&
				   strcmp(lq->status, "disabled") != 0 &&
				   strcmp(lq->status, "deleted") != 0))
		lq->status = "";
	lq->sort = 0;
	for (size_t i = 0; sort != NULL &&
	     i < sizeof(user_sorts) / sizeof(user_sorts[0]); i++)
		if (strcmp(sort, user_sorts[i].key) == 0)
			lq->sort = i;
	lq->desc = order != NULL && strcmp(order, "desc") == 0;
}

/* dadm_page_users - GET /users */
int dadm_page_users(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *pg = form_get(&req->query, "page");
	const char *sz = form_get(&req->query, "n");
	const char *params[5], *sql;
	unsigned int page = 1, size = DADM_PAGE_SIZE, pages, total;
	struct list_query lq;
	PGresult *res;

	if (dom == NULL)
		return 0;
	read_list(req, &lq);
	if (pg != NULL && (str_to_uint(pg, &page) < 0 || page == 0))
		page = 1;
	if (sz != NULL && (str_to_uint(sz, &size) < 0 ||
			   (size != 20 && size != 50 && size != 100)))
		size = DADM_PAGE_SIZE;

	params[0] = dom->id;
	params[1] = lq.q;
	params[2] = lq.status;
	res = db_query(req->pool, "SELECT count(*) FROM users u" USERS_WHERE,
		       3, params);
	if (res == NULL || str_to_uint(db_value(res, 0, 0), &total) < 0)
		return dadm_unavailable(req);
	pages = wcs_pages(total, size, &page);
	params[3] = p_printf(req->pool, "%u", size);
	params[4] = p_printf(req->pool, "%u", (page - 1) * size);
	sql = lq.desc ? user_sorts[lq.sort].desc : user_sorts[lq.sort].asc;
	res = db_query(req->pool, sql, 5, params);
	if (res == NULL)
		return dadm_unavailable(req);
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *pre = p_printf(req->pool, "Users.%d.", i);
		uint64_t quota = dadm_u64(db_value(res, i, 3));

#define SET(k, v) wcs_set(req->hdf, p_printf(req->pool, "%s" k, pre), v)
		SET("Id", db_value(res, i, 0));
		SET("Address", db_value(res, i, 1));
		SET("Name", db_value(res, i, 2));
		SET("Quota", quota > 0 ? dadm_size(req->pool, quota) : "");
		SET("Used", dadm_size(req->pool,
				      dadm_u64(db_value(res, i, 4))));
		SET("Status", status_key(db_value(res, i, 5),
					 db_value(res, i, 6)));
		SET("Created", db_value(res, i, 7));
		SET("PurgeAfter", db_value(res, i, 8));
#undef SET
	}
	wcs_set(req->hdf, "List.Q", lq.q);
	wcs_set(req->hdf, "List.QEnc", url_encode(req->pool, lq.q));
	wcs_set(req->hdf, "List.Status", lq.status);
	wcs_set(req->hdf, "List.Sort", user_sorts[lq.sort].key);
	wcs_set(req->hdf, "List.Order", lq.desc ? "desc" : "asc");
	wcs_set_int(req->hdf, "List.Size", size);
	wcs_set_pages(req->hdf, page, pages, total);
	dadm_done(req);
	return web_render(req, 200, "users.cs");
}

/* file_name - the download's name: the domain's name with nothing but
 * [a-z0-9.-] (it goes into a header) */
static const char *file_name(struct pool *pool, const char *domain)
{
	char *name = p_strdup(pool, domain);

	for (char *p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '-'))
			*p = '_';
	return p_printf(pool, "users-%s.csv", name);
}

/* dadm_page_users_csv - GET /users.csv: the list as filtered and sorted,
 * every page, for a spreadsheet and for an import into another domain */
int dadm_page_users_csv(struct web_req *req)
{
	static const char *const header[] = { "Local part", "Address",
		"Display name", "Quota (MB)", "Status", "Package",
		"Used (MB)", "Created" };
	const size_t n = sizeof(header) / sizeof(header[0]);
	const struct dadm_domain *dom = dadm_domain(req);
	/* LIMIT NULL is no limit: every user, never a silent cut */
	const char *params[5] = { NULL, NULL, NULL, NULL, "0" };
	const char *row[sizeof(header) / sizeof(header[0])];
	struct list_query lq;
	struct buf *out;
	PGresult *res;

	if (dom == NULL)
		return 0;
	read_list(req, &lq);
	params[0] = dom->id;
	params[1] = lq.q;
	params[2] = lq.status;
	res = db_query(req->pool, lq.desc ? user_sorts[lq.sort].desc :
		       user_sorts[lq.sort].asc, 5, params);
	if (res == NULL)
		return dadm_unavailable(req);
	if (dadm_audit(req, dom, "user.export", dom->name,
		       p_printf(req->pool, "{\"q\":%s,\"status\":%s,"
				"\"count\":%d}",
				str_json_quote(req->pool, lq.q),
				str_json_quote(req->pool, lq.status),
				db_ntuples(res))) < 0)
		return dadm_unavailable(req);
	out = buf_new_pool(req->pool, 0);
	csv_write_bom(out);
	csv_write_record(out, header, n, CSV_GUARD_FORMULA);
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *address = db_value(res, i, 1);

		row[0] = p_strndup(req->pool, address,
				   (size_t)(strrchr(address, '@') - address));
		row[1] = address;
		row[2] = db_value(res, i, 2);
		row[3] = dadm_mb(req->pool, dadm_u64(db_value(res, i, 9)));
		row[4] = status_key(db_value(res, i, 5), db_value(res, i, 6));
		row[5] = db_value(res, i, 10);
		row[6] = p_printf(req->pool, "%" PRIu64,
			(dadm_u64(db_value(res, i, 4)) + DADM_MIB - 1) /
			DADM_MIB);
		row[7] = db_value(res, i, 7);
		csv_write_record(out, row, n, CSV_GUARD_FORMULA);
	}
	buf_reset(req->body);
	if (buf_append(req->body, out->data, out->len) < 0)
		return web_fail(req, 413, "too_large");
	req->status = 200;
	req->content_type = "text/csv; charset=utf-8";
	req->csp = "default-src 'none'; sandbox";
	web_header_add(req, "Content-Disposition", p_printf(req->pool,
		"attachment; filename=\"%s\"",
		file_name(req->pool, dom->name)));
	return 0;
}

/* ==== forms ============================================================= */

/* refuse - a message for the form; the transaction is rolled back */
static int refuse(struct dadm_user_form *f, const char *key)
{
	f->error = key;
	return 1;
}

/* read_quota - the quota field (MiB; empty or 0 = the default) */
static int read_quota(struct dadm_user_form *f, const char *typed,
		      uint64_t old)
{
	uint64_t mb = 0;

	f->quota_mb = typed != NULL ? typed : "";
	if (typed != NULL && *typed != '\0' &&
	    (str_to_u64(typed, &mb) < 0 || mb > DADM_QUOTA_MB_MAX))
		return refuse(f, "quota_bad");
	/* the field shows whole MiB rounded up: unchanged keeps the
	   exact old value */
	if (old > 0 && mb == (old + DADM_MIB - 1) / DADM_MIB)
		f->quota = p_printf(f->req->pool, "%" PRIu64, old);
	else
		f->quota = p_printf(f->req->pool, "%" PRIu64, mb * DADM_MIB);
	return 0;
}

/* read_common - name, quota and package fields; 0 or refuse() */
static int read_common(struct dadm_user_form *f, const char *name,
		       const char *quota, const char *pkg, uint64_t old_quota)
{
	struct web_req *req = f->req;
	int ret;

	f->name = name != NULL ? str_trim(p_strdup(req->pool, name)) : "";
	if (!str_text_sane(f->name, DADM_NAME_MAX))
		return refuse(f, "name_bad");
	if (read_quota(f, quota, old_quota) != 0)
		return 1;
	f->package = NULL;
	if (pkg != NULL && *pkg != '\0') {
		ret = dadm_package_ok(req, pkg);
		if (ret < 0)
			return -1;
		if (ret == 0)
			return refuse(f, "package_bad");
		f->package = pkg;
	}
	return 0;
}

/* check_password - the typed password against the domain's policy;
 * NULL with *key_r set when refused */
static const char *check_password(const struct dadm_domain *dom,
				  const char *pw, const char **key_r)
{
	if (pw == NULL || *pw == '\0') {
		*key_r = "password_empty";
		return NULL;
	}
	if (strlen(pw) > ACCT_PASSWORD_MAX || !utf8_valid(pw, strlen(pw))) {
		*key_r = "password_bad";
		return NULL;
	}
	switch (acct_pw_refused(&(struct acct_pw_policy){
			dom->password_min, dom->password_classes }, pw)) {
	case 0:
		return pw;
	case ACCT_PW_SHORT:
		*key_r = "password_short";
		return NULL;
	case ACCT_PW_LOWER:
		*key_r = "password_needs_lower";
		return NULL;
	case ACCT_PW_UPPER:
		*key_r = "password_needs_upper";
		return NULL;
	case ACCT_PW_DIGIT:
		*key_r = "password_needs_digit";
		return NULL;
	default:
		*key_r = "password_needs_symbol";
		return NULL;
	}
}

/* dadm_user_password - the typed or a generated password, hashed */
int dadm_user_password(struct web_req *req, const struct dadm_domain *dom,
		       const char *typed, bool generate, const char **hash_r,
		       const char **shown_r, const char **key_r)
{
	const char *pw;
	char *hash;

	*shown_r = NULL;
	if (generate) {
		size_t len = dom->password_min > DADM_GENERATED_LEN ?
			dom->password_min : DADM_GENERATED_LEN;
		char *gen = p_alloc(req->pool, len + 1);

		acct_pw_generate(&(struct acct_pw_policy){
			dom->password_min, dom->password_classes }, gen, len);
		pw = gen;
		*shown_r = gen;
	} else {
		pw = check_password(dom, typed, key_r);
		if (pw == NULL)
			return 1;
	}
	if (pw_hash(pw, &hash) < 0)
		return -1;
	*hash_r = p_strdup(req->pool, hash);
	free(hash);
	return 0;
}

/* dadm_user_lock - the domain's row, held until the transaction ends */
int dadm_user_lock(struct web_req *req, const struct dadm_domain *dom)
{
	const char *params[1] = { dom->id };

	return db_query(req->pool, "SELECT 1 FROM domains WHERE id = $1::bigint"
			" FOR UPDATE", 1, params) == NULL ? -1 : 0;
}

/* check_limits - the package's limits with the change made: users
 * (adding), quota of this user and of all users (adding, or the quota or
 * package changed); 0 ok, 1 refused, -1 error */
static int check_limits(struct dadm_user_form *f, const char *user_id,
			bool adding)
{
	const struct dadm_domain *dom = f->dom;
	struct pool *pool = f->req->pool;
	const char *params[2] = { dom->id, user_id };
	uint64_t users, total, mine;
	PGresult *res;

	res = db_query(pool, "SELECT"
		" count(*) FILTER (WHERE u.deleted_at IS NULL),"
		" COALESCE(sum(" DELIVER_QUOTA_EXPR ") FILTER"
		"  (WHERE u.deleted_at IS NULL), 0),"
		" COALESCE(max(" DELIVER_QUOTA_EXPR ") FILTER"
		"  (WHERE u.id = $2::bigint), 0)"
		DELIVER_QUOTA_FROM " WHERE u.domain_id = $1::bigint",
		2, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	users = dadm_u64(db_value(res, 0, 0));
	total = dadm_u64(db_value(res, 0, 1));
	mine = dadm_u64(db_value(res, 0, 2));
	if (adding && dom->max_users > 0 && users > dom->max_users) {
		f->limit = p_printf(pool, "%" PRIu64, dom->max_users);
		f->current = p_printf(pool, "%" PRIu64, users - 1);
		return refuse(f, "limit_users");
	}
	if (!adding && !f->quota_changed)
		return 0;
	if (dom->max_user_quota > 0 &&
	    (mine == 0 || mine > dom->max_user_quota)) {
		f->limit = dadm_size(pool, dom->max_user_quota);
		f->current = mine > 0 ? dadm_size(pool, mine) : "";
		return refuse(f, "limit_user_quota");
	}
	if (dom->max_quota > 0 && (mine == 0 || total > dom->max_quota)) {
		f->limit = dadm_size(pool, dom->max_quota);
		f->current = dadm_size(pool, total - mine);
		return refuse(f, "limit_quota");
	}
	return 0;
}

/* set_form_error - the refusal's message and numbers for the page */
static void set_form_error(struct web_req *req,
			   const struct dadm_user_form *f)
{
	dadm_form_error(req, f->form, f->error);
	if (f->limit != NULL)
		wcs_set(req->hdf, "Limit.Max", f->limit);
	if (f->current != NULL)
		wcs_set(req->hdf, "Limit.Current", f->current);
}

/* ==== adding ============================================================ */

/* show_new - the add form, with what was typed after a refusal */
static int show_new(struct web_req *req, const struct dadm_domain *dom,
		    const struct dadm_user_form *f, int status)
{
	(void)dom;
	if (dadm_packages(req, f != NULL ? f->package : NULL) < 0)
		return dadm_unavailable(req);
	if (f != NULL) {
		wcs_set(req->hdf, "Form.Local", f->local);
		wcs_set(req->hdf, "Form.Name", f->name);
		wcs_set(req->hdf, "Form.Quota", f->quota_mb);
		wcs_set(req->hdf, "Form.Status", f->status);
		if (form_get(&req->post, "generate") != NULL)
			wcs_set(req->hdf, "Form.Generate", "1");
		if (f->error != NULL)
			set_form_error(req, f);
	} else {
		wcs_set(req->hdf, "Form.Status", "active");
		wcs_set(req->hdf, "Form.Generate", "1");
	}
	return web_render(req, status, "user-new.cs");
}

/* dadm_page_user_new - GET /users/new */
int dadm_page_user_new(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);

	if (dom == NULL)
		return 0;
	return show_new(req, dom, NULL, 200);
}

/* dadm_user_check - the fields of a new user */
int dadm_user_check(struct dadm_user_form *f, const char *local,
		    const char *name, const char *quota, const char *package,
		    const char *status)
{
	struct pool *pool = f->req->pool;
	char *at;
	int ret;

	f->local = str_lower(str_trim(p_strdup(pool,
					       local != NULL ? local : "")));
	f->status = status != NULL && strcmp(status, "disabled") == 0 ?
		"disabled" : "active";
	ret = read_common(f, name, quota, package, 0);
	if (ret != 0)
		return ret;
	/* the whole address may be typed, in this domain only */
	at = strrchr(f->local, '@');
	if (at != NULL) {
		if (strcmp(at + 1, f->dom->name) != 0)
			return refuse(f, "address_domain");
		*at = '\0';
	}
	f->address = p_printf(pool, "%s@%s", f->local, f->dom->name);
	if (*f->local == '\0')
		return refuse(f, "address_empty");
	if (!acct_local_part_valid(f->local) ||
	    strlen(f->address) > ACCT_ADDRESS_MAX)
		return refuse(f, "address_bad");
	return 0;
}

/* dadm_user_insert - check the address, insert, check the limits,
 * audit */
int dadm_user_insert(struct dadm_user_form *f)
{
	struct web_req *req = f->req;
	struct acct_user user;
	enum acct_owner owner;
	const char *id;
	int ret;

	if (acct_address_owner(req->pool, f->address, &owner) < 0)
		return -1;
	if (owner != ACCT_OWNER_NONE)
		return refuse(f, "address_taken");
	memset(&user, 0, sizeof(user));
	user.domain_id = f->dom->id;
	user.local_part = f->local;
	user.address = f->address;
	user.display_name = f->name;
	user.password_hash = f->hash;
	user.quota_bytes = f->quota;
	user.status = f->status;
	user.package_id = f->package;
	ret = acct_user_insert(req->pool, &user, &id);
	if (ret < 0)
		return -1;
	if (ret == 0)
		return refuse(f, "address_taken");
	ret = check_limits(f, id, true);
	if (ret != 0)
		return ret;
	f->id = id;
	return dadm_audit(req, f->dom, "user.add", f->address,
		p_printf(req->pool, "{\"display_name\":%s,\"quota_bytes\":%s,"
			 "\"status\":%s,\"package_id\":%s%s%s}",
			 str_json_quote(req->pool, f->name), f->quota,
			 str_json_quote(req->pool, f->status),
			 f->package != NULL ? f->package : "null",
			 f->audit_more != NULL ? "," : "",
			 f->audit_more != NULL ? f->audit_more : ""));
}

/* user_add_tx - lock, then dadm_user_insert() */
static int user_add_tx(void *arg)
{
	struct dadm_user_form *f = arg;

	if (dadm_user_lock(f->req, f->dom) < 0)
		return -1;
	return dadm_user_insert(f);
}

/* show_password - the generated password, once */
static int show_password(struct web_req *req, const char *id,
			 const char *address, const char *password,
			 const char *what)
{
	wcs_set(req->hdf, "Generated.Id", id);
	wcs_set(req->hdf, "Generated.Address", address);
	wcs_set(req->hdf, "Generated.Password", password);
	wcs_set(req->hdf, "Generated.What", what);
	return web_render(req, 200, "password.cs");
}

/* dadm_post_user_new - POST /users/new */
int dadm_post_user_new(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *shown, *key = NULL;
	struct dadm_user_form f;
	int ret;

	if (dom == NULL)
		return 0;
	memset(&f, 0, sizeof(f));
	f.dom = dom;
	f.req = req;
	f.form = "user";
	ret = dadm_user_check(&f, form_get(&req->post, "local"),
			      form_get(&req->post, "name"),
			      form_get(&req->post, "quota"),
			      form_get(&req->post, "package"),
			      form_get(&req->post, "status"));
	if (ret < 0)
		return dadm_unavailable(req);
	if (ret > 0)
		return show_new(req, dom, &f, 422);
	ret = dadm_user_password(req, dom, form_get(&req->post, "password"),
				 form_get(&req->post, "generate") != NULL,
				 &f.hash, &shown, &key);
	if (ret < 0)
		return web_fail(req, 500, "internal");
	if (ret > 0) {
		refuse(&f, key);
		return show_new(req, dom, &f, 422);
	}
	ret = db_tx(user_add_tx, &f);
	if (ret < 0)
		return dadm_unavailable(req);
	if (ret > 0)
		return show_new(req, dom, &f, 422);
	log_info("event=domainadmin_user_add admin=%s user=%s",
		 log_quote(req->session->principal.login),
		 log_quote(f.address));
	if (shown != NULL)
		return show_password(req, f.id, f.address, shown, "created");
	return web_redirect(req, p_printf(req->pool,
		"/users/edit?d=%s&id=%s&done=created",
		url_encode(req->pool, dom->name), f.id));
}

/* ==== one user ========================================================== */

struct user_row {
	const char *id, *address, *name, *status, *quota, *package;
	bool deleted;
};

/* find_user - the user id of this domain; 1 found, 0 not (the 404 and
 * audit are done), -1 error (the 503 is done) */
static int find_user(struct web_req *req, const struct dadm_domain *dom,
		     const char *id, bool lock, struct user_row *u)
{
	PGresult *res;
	int ret;

	ret = dadm_object(req, dom, "user", id, lock ?
		"SELECT id, address, display_name, status, quota_bytes,"
		" package_id, deleted_at IS NOT NULL FROM users"
		" WHERE id = $1::bigint AND domain_id = $2::bigint FOR UPDATE" :
		"SELECT id, address, display_name, status, quota_bytes,"
		" package_id, deleted_at IS NOT NULL FROM users"
		" WHERE id = $1::bigint AND domain_id = $2::bigint", &res);
	if (ret <= 0)
		return ret;
	u->id = db_value(res, 0, 0);
	u->address = db_value(res, 0, 1);
	u->name = db_value(res, 0, 2);
	u->status = db_value(res, 0, 3);
	u->quota = db_value(res, 0, 4);
	u->package = db_value(res, 0, 5);
	u->deleted = strcmp(db_value(res, 0, 6), "t") == 0;
	return 1;
}

int dadm_show_user(struct web_req *req, const struct dadm_domain *dom,
		   const char *id, int status)
{
	const char *params[2] = { id, dom->id };
	uint64_t quota;
	PGresult *res;

	res = db_query(req->pool, "SELECT u.id, u.address, u.display_name,"
		" u.status, u.quota_bytes, u.package_id,"
		" u.deleted_at IS NOT NULL,"
		" to_char(u.purge_after, 'YYYY-MM-DD'), " DELIVER_QUOTA_EXPR ","
		" u.used_bytes, to_char(u.created_at, 'YYYY-MM-DD HH24:MI'),"
		" to_char(u.last_login_at, 'YYYY-MM-DD HH24:MI'),"
		" to_char(u.password_changed_at, 'YYYY-MM-DD HH24:MI')"
		DELIVER_QUOTA_FROM
		" WHERE u.id = $1::bigint AND u.domain_id = $2::bigint",
		2, params);
	if (res == NULL)
		return dadm_unavailable(req);
	if (db_ntuples(res) != 1)
		return dadm_not_found(req, dom, p_printf(req->pool, "user:%s",
							 id));
	quota = dadm_u64(db_value(res, 0, 8));
	wcs_set(req->hdf, "User.Id", db_value(res, 0, 0));
	wcs_set(req->hdf, "User.Address", db_value(res, 0, 1));
	wcs_set(req->hdf, "User.Status", db_value(res, 0, 3));
	wcs_set(req->hdf, "User.Deleted",
		strcmp(db_value(res, 0, 6), "t") == 0 ? "1" : "");
	wcs_set(req->hdf, "User.PurgeAfter", db_value(res, 0, 7));
	wcs_set(req->hdf, "User.Quota", quota > 0 ?
		dadm_size(req->pool, quota) : "");
	wcs_set(req->hdf, "User.Used", dadm_size(req->pool,
		dadm_u64(db_value(res, 0, 9))));
	wcs_set(req->hdf, "User.Created", db_value(res, 0, 10));
	wcs_set(req->hdf, "User.LastLogin", db_value(res, 0, 11));
	wcs_set(req->hdf, "User.PasswordChanged", db_value(res, 0, 12));
	/* the form: what was typed after a refusal, else the stored */
	if (hdf_get_value(req->hdf, "Form.Set", NULL) == NULL) {
		wcs_set(req->hdf, "Form.Name", db_value(res, 0, 2));
		wcs_set(req->hdf, "Form.Quota", dadm_mb(req->pool,
			dadm_u64(db_value(res, 0, 4))));
		wcs_set(req->hdf, "Form.Package", db_value(res, 0, 5));
	}
	if (dadm_packages(req, hdf_get_value(req->hdf, "Form.Package",
					     NULL)) < 0)
		return dadm_unavailable(req);

	/* its aliases and forwards */
	res = db_query(req->pool, "SELECT id, address FROM aliases"
		       " WHERE target_user_id = $1::bigint AND kind = 'alias'"
		       " AND domain_id = $2::bigint ORDER BY address",
		       2, params);
	if (res == NULL)
		return dadm_unavailable(req);
	for (int i = 0; i < db_ntuples(res); i++) {
		dadm_setf(req, p_printf(req->pool, "Aliases.%d.Id", i), "%s",
			  db_value(res, i, 0));
		dadm_setf(req, p_printf(req->pool, "Aliases.%d.Address", i),
			  "%s", db_value(res, i, 1));
	}
	res = db_query(req->pool, "SELECT f.id, f.target, f.keep_copy"
		       " FROM forwards f JOIN users u ON u.id = f.user_id"
		       " WHERE f.user_id = $1::bigint"
		       " AND u.domain_id = $2::bigint"
		       " ORDER BY f.id", 2, params);
	if (res == NULL)
		return dadm_unavailable(req);
	wcs_set(req->hdf, "User.KeepCopy", "1");
	for (int i = 0; i < db_ntuples(res); i++) {
		dadm_setf(req, p_printf(req->pool, "Forwards.%d.Id", i), "%s",
			  db_value(res, i, 0));
		dadm_setf(req, p_printf(req->pool, "Forwards.%d.Target", i),
			  "%s", db_value(res, i, 1));
		if (strcmp(db_value(res, i, 2), "t") != 0)
			wcs_set(req->hdf, "User.KeepCopy", "");
	}
	dadm_done(req);
	return web_render(req, status, "user.cs");
}

/* dadm_page_user - GET /users/edit */
int dadm_page_user(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *id;

	if (dom == NULL)
		return 0;
	id = dadm_id(req, "id");
	if (id == NULL)
		return dadm_not_found(req, dom, "user");
	return dadm_show_user(req, dom, id, 200);
}

/* user_edit_tx - name, quota, package; limits; audit */
static int user_edit_tx(void *arg)
{
	struct dadm_user_form *f = arg;
	struct web_req *req = f->req;
	const char *params[5];
	struct buf *detail = buf_new_pool(req->pool, 0);
	int ret;

	if (dadm_user_lock(req, f->dom) < 0)
		return -1;
	params[0] = f->id;
	params[1] = f->dom->id;
	params[2] = f->name;
	params[3] = f->quota;
	params[4] = f->package;
	if (db_query(req->pool, "UPDATE users SET display_name = $3,"
		     " quota_bytes = $4::bigint, package_id = $5::bigint,"
		     " updated_at = now() WHERE id = $1::bigint"
		     " AND domain_id = $2::bigint", 5, params) == NULL)
		return -1;
	ret = check_limits(f, f->id, false);
	if (ret != 0)
		return ret;
	buf_adds(detail, "{");
	if (strcmp(f->old_name, f->name) != 0)
		buf_addf(detail, "\"display_name\":[%s,%s]",
			 str_json_quote(req->pool, f->old_name),
			 str_json_quote(req->pool, f->name));
	if (strcmp(f->old_quota, f->quota) != 0)
		buf_addf(detail, "%s\"quota_bytes\":[%s,%s]",
			 detail->len > 1 ? "," : "", f->old_quota, f->quota);
	if (strcmp(f->old_package != NULL ? f->old_package : "",
		   f->package != NULL ? f->package : "") != 0)
		buf_addf(detail, "%s\"package_id\":[%s,%s]",
			 detail->len > 1 ? "," : "",
			 f->old_package != NULL ? f->old_package : "null",
			 f->package != NULL ? f->package : "null");
	buf_adds(detail, "}");
	if (detail->len == 2)
		return 0;	/* nothing changed: nothing to record */
	return dadm_audit(req, f->dom, "user.edit", f->address, detail->data);
}

/* dadm_post_user - POST /users/edit */
int dadm_post_user(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	struct dadm_user_form f;
	struct user_row u;
	int ret;

	if (dom == NULL)
		return 0;
	ret = find_user(req, dom, dadm_id(req, "id"), false, &u);
	if (ret <= 0)
		return 0;
	if (u.deleted)
		return web_fail(req, 400, "bad_request");
	memset(&f, 0, sizeof(f));
	f.dom = dom;
	f.req = req;
	f.id = u.id;
	f.address = u.address;
	f.form = "details";
	f.old_name = u.name;
	f.old_quota = u.quota;
	f.old_package = u.package;
	ret = read_common(&f, form_get(&req->post, "name"),
			  form_get(&req->post, "quota"),
			  form_get(&req->post, "package"), dadm_u64(u.quota));
	if (ret < 0)
		return dadm_unavailable(req);
	if (ret == 0) {
		f.quota_changed = strcmp(f.quota, u.quota) != 0 ||
			strcmp(f.package != NULL ? f.package : "",
			       u.package != NULL ? u.package : "") != 0;
		ret = db_tx(user_edit_tx, &f);
		if (ret < 0)
			return dadm_unavailable(req);
	}
	if (ret > 0) {
		set_form_error(req, &f);
		wcs_set(req->hdf, "Form.Set", "1");
		wcs_set(req->hdf, "Form.Name", f.name);
		wcs_set(req->hdf, "Form.Quota", f.quota_mb);
		wcs_set(req->hdf, "Form.Package", f.package);
		return dadm_show_user(req, dom, u.id, 422);
	}
	return web_redirect(req, p_printf(req->pool,
		"/users/edit?d=%s&id=%s&done=saved",
		url_encode(req->pool, dom->name), u.id));
}

/* ==== status, password ================================================== */

struct status_ctx {
	struct web_req *req;
	const struct dadm_domain *dom;
	struct user_row u;
	const char *status;
	const char *hash;
	bool generated;
};

/* user_status_tx - the new status; a disabled user's sessions end; audit */
static int user_status_tx(void *arg)
{
	struct status_ctx *c = arg;
	const char *params[3] = { c->u.id, c->dom->id, c->status };

	if (db_query(c->req->pool, "UPDATE users SET status = $3,"
		     " updated_at = now() WHERE id = $1::bigint"
		     " AND domain_id = $2::bigint AND deleted_at IS NULL",
		     3, params) == NULL)
		return -1;
	if (strcmp(c->status, "disabled") == 0 &&
	    web_session_end_all(c->req->pool, AUTH_ROLE_USER,
				strtoll(c->u.id, NULL, 10)) < 0)
		return -1;
	return dadm_audit(c->req, c->dom, strcmp(c->status, "active") == 0 ?
			  "user.enable" : "user.disable", c->u.address, NULL);
}

/* dadm_post_user_status - POST /users/status */
int dadm_post_user_status(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *status = form_get(&req->post, "status");
	struct status_ctx c;

	if (dom == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	if (find_user(req, dom, dadm_id(req, "id"), false, &c.u) <= 0)
		return 0;
	if (status == NULL || (strcmp(status, "active") != 0 &&
			       strcmp(status, "disabled") != 0) || c.u.deleted)
		return web_fail(req, 400, "bad_request");
	c.status = status;
	if (strcmp(c.u.status, status) != 0 && db_tx(user_status_tx, &c) != 0)
		return dadm_unavailable(req);
	return web_redirect(req, p_printf(req->pool,
		"/users/edit?d=%s&id=%s&done=%s",
		url_encode(req->pool, dom->name), c.u.id,
		strcmp(status, "active") == 0 ? "enabled" : "disabled"));
}

/* user_password_tx - the new hash (sessions end); audit */
static int user_password_tx(void *arg)
{
	struct status_ctx *c = arg;
	int ret = acct_user_set_password(c->req->pool, c->u.id, c->hash);

	if (ret <= 0)
		return -1;
	return dadm_audit(c->req, c->dom, "user.password", c->u.address,
			  c->generated ? "{\"generated\":true}" :
			  "{\"generated\":false}");
}

/* dadm_post_user_password - POST /users/password */
int dadm_post_user_password(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *shown, *key = NULL;
	struct status_ctx c;
	int ret;

	if (dom == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	if (find_user(req, dom, dadm_id(req, "id"), false, &c.u) <= 0)
		return 0;
	if (c.u.deleted)
		return web_fail(req, 400, "bad_request");
	ret = dadm_user_password(req, dom, form_get(&req->post, "password"),
				 form_get(&req->post, "generate") != NULL,
				 &c.hash, &shown, &key);
	if (ret < 0)
		return web_fail(req, 500, "internal");
	if (ret > 0) {
		dadm_form_error(req, "password", key);
		return dadm_show_user(req, dom, c.u.id, 422);
	}
	c.generated = shown != NULL;
	if (db_tx(user_password_tx, &c) != 0)
		return dadm_unavailable(req);
	log_info("event=domainadmin_user_password admin=%s user=%s",
		 log_quote(req->session->principal.login),
		 log_quote(c.u.address));
	if (shown != NULL)
		return show_password(req, c.u.id, c.u.address, shown,
				     "password");
	return web_redirect(req, p_printf(req->pool,
		"/users/edit?d=%s&id=%s&done=password",
		url_encode(req->pool, dom->name), c.u.id));
}

/* ==== deleting ========================================================== */

struct delete_ctx {
	struct web_req *req;
	const struct dadm_domain *dom;
	struct user_row u;
	bool purge;
	unsigned int days;
};

/* user_delete_tx - mark for a later purge (aliases and sessions go now),
 * or purge now; audit */
static int user_delete_tx(void *arg)
{
	struct delete_ctx *c = arg;
	struct pool *pool = c->req->pool;
	const char *params[3] = { c->u.id, c->dom->id, NULL };
	PGresult *res;
	int ret;

	/* again, under the row lock: it may have gone meanwhile */
	res = db_query(pool, "SELECT 1 FROM users WHERE id = $1::bigint"
		       " AND domain_id = $2::bigint FOR UPDATE", 2, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	if (c->purge) {
		ret = acct_user_purge(pool, c->u.id);
		if (ret <= 0)
			return -1;
		return dadm_audit(c->req, c->dom, "user.delete", c->u.address,
				  "{\"mode\":\"purge\"}");
	}
	params[2] = p_printf(pool, "%u", c->days);
	if (db_query(pool, "UPDATE users SET deleted_at = now(),"
		     " purge_after = now()"
		     " + make_interval(days => $3::integer),"
		     " updated_at = now() WHERE id = $1::bigint"
		     " AND domain_id = $2::bigint", 3, params) == NULL ||
	    db_query(pool, "DELETE FROM aliases WHERE target_user_id ="
		     " $1::bigint AND kind = 'alias'", 1, params) == NULL ||
	    web_session_end_all(pool, AUTH_ROLE_USER,
				strtoll(c->u.id, NULL, 10)) < 0)
		return -1;
	return dadm_audit(c->req, c->dom, "user.delete", c->u.address,
		p_printf(pool, "{\"mode\":\"keep\",\"days\":%u}", c->days));
}

/* show_delete - the question, with a message when the answer was bad */
static int show_delete(struct web_req *req, const struct user_row *u,
		       const char *key, int status)
{
	wcs_set(req->hdf, "User.Id", u->id);
	wcs_set(req->hdf, "User.Address", u->address);
	wcs_set(req->hdf, "User.Deleted", u->deleted ? "1" : "");
	wcs_set_int(req->hdf, "Delete.Days", DADM_KEEP_DAYS_DEFAULT);
	wcs_set_int(req->hdf, "Delete.DaysMax", DADM_KEEP_DAYS_MAX);
	if (key != NULL)
		dadm_form_error(req, "delete", key);
	return web_render(req, status, "user-delete.cs");
}

/* dadm_page_user_delete - GET /users/delete: the question */
int dadm_page_user_delete(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	struct user_row u;

	if (dom == NULL)
		return 0;
	if (find_user(req, dom, dadm_id(req, "id"), false, &u) <= 0)
		return 0;
	return show_delete(req, &u, NULL, 200);
}

/* dadm_post_user_delete - POST /users/delete */
int dadm_post_user_delete(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *mode = form_get(&req->post, "mode");
	const char *days = form_get(&req->post, "days");
	struct delete_ctx c;

	if (dom == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	if (find_user(req, dom, dadm_id(req, "id"), false, &c.u) <= 0)
		return 0;
	if (form_get(&req->post, "confirm") == NULL)
		return show_delete(req, &c.u, NULL, 200);
	if (mode != NULL && strcmp(mode, "purge") == 0) {
		c.purge = true;
	} else if (mode != NULL && strcmp(mode, "keep") == 0 &&
		   !c.u.deleted) {
		if (days == NULL || str_to_uint(days, &c.days) < 0 ||
		    c.days < 1 || c.days > DADM_KEEP_DAYS_MAX)
			return show_delete(req, &c.u, "days_bad", 422);
	} else {
		return show_delete(req, &c.u, "delete_mode", 422);
	}
	if (db_tx(user_delete_tx, &c) != 0)
		return dadm_unavailable(req);
	log_info("event=domainadmin_user_delete admin=%s user=%s mode=%s",
		 log_quote(req->session->principal.login),
		 log_quote(c.u.address), c.purge ? "purge" : "keep");
	return web_redirect(req, p_printf(req->pool, "/users?d=%s&done=%s",
		url_encode(req->pool, dom->name),
		c.purge ? "purged" : "deleted"));
}
