/*
 * user-import.c - adding many users of a domain at once from a CSV file,
 * in two steps. The upload is read and every row checked as the add form
 * checks one user (dadm_user_check and dadm_user_password in users.c);
 * the page shows the users to be created and the bad rows with their
 * line numbers and reasons. The good rows wait in user_imports
 * (sql/014_user_import.sql) until the same administrator confirms; then
 * they are created in one transaction by dadm_user_insert(), as the add
 * form creates one user, or none is.
 *
 *   GET  /users/import   ?d=   the upload form
 *   POST /users/import   multipart/form-data: d, file  -> the preview
 *                        d, import=ID, op=confirm|cancel
 *
 * Columns are found by their header names, English or Chinese: the
 * address or the local part (邮箱, 地址, 用户名), the display name
 * (姓名), the password (密码; empty: one is made up), the quota in MB
 * (配额; empty: the default), the status (状态: active or disabled,
 * 启用 or 停用; empty: active) and the service package by its name
 * (套餐; empty: none). Other columns are left alone. When the file has a
 * local-part column (as /users.csv has), that column names the user and
 * the address column is there for people only, so the export of one
 * domain imports into another as it is.
 *
 * A row is left out, with its reason, when: the address is not valid, is
 * of another domain, is taken (by a user, also a deleted one, or an
 * alias) or was on an earlier row; the password does not meet the
 * domain's policy; the quota is not a number or is more than the service
 * package allows one user; the package or the status does not exist; the
 * name is too long. The package's limits on the number of users and on
 * the quota of all users together are checked again when the import is
 * confirmed, inside the transaction that holds the domain's row: if the
 * rows would take more than the package allows, nothing is created and
 * the page says why (the preview warns already).
 *
 * Passwords: a typed one is hashed when the file is read, and only the
 * hash waits in user_imports. An empty one is made up when the import is
 * confirmed, and shown once on the page that answers the confirmation,
 * together with a CSV of the addresses and their passwords that the page
 * carries itself (a data: link): it is stored nowhere.
 *
 * Audit: every user created gets its "user.add" row, as from the add
 * form (with the import's id), and the import a "user.import" row.
 *
 * SECURITY: the uploaded file is untrusted; its size and its rows are
 * capped here, the CSV reader (lib/csv.c) bounds the rest. Of the
 * preview only the import's id comes back from the browser; it is looked
 * up inside the domain and for this administrator, so another domain's
 * or another administrator's import is not found (404 and an audit row).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "abook-import.h"
#include "accounts.h"
#include "buf.h"
#include "csv.h"
#include "db.h"
#include "domainadmin.h"
#include "log.h"
#include "pool.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define IMPORT_FILE_MAX (1024 * 1024)	/* bytes of an uploaded file */
#define IMPORT_ROWS 500			/* users of one import */
#define IMPORT_FIELD_MAX 4096		/* bytes of one cell */
#define IMPORT_PREVIEW_MAX 200		/* rows shown, good and bad */

/* ==== reading the file ================================================== */

/* what a column holds */
enum column {
	COL_NONE, COL_ADDRESS, COL_LOCAL, COL_NAME, COL_PASSWORD, COL_QUOTA,
	COL_STATUS, COL_PACKAGE,
};

/* header names, lower case, without white space around */
static const struct {
	const char *name;
	enum column col;
} import_headers[] = {
	{ "address", COL_ADDRESS }, { "email", COL_ADDRESS },
	{ "e-mail", COL_ADDRESS }, { "email address", COL_ADDRESS },
	{ "e-mail address", COL_ADDRESS }, { "mail", COL_ADDRESS },
	{ "邮箱", COL_ADDRESS }, { "地址", COL_ADDRESS },
	{ "邮箱地址", COL_ADDRESS }, { "邮件地址", COL_ADDRESS },
	{ "电子邮件", COL_ADDRESS }, { "电子邮件地址", COL_ADDRESS },
	{ "电子邮箱", COL_ADDRESS },
	{ "local part", COL_LOCAL }, { "local-part", COL_LOCAL },
	{ "username", COL_LOCAL }, { "user name", COL_LOCAL },
	{ "user", COL_LOCAL }, { "login", COL_LOCAL },
	{ "用户名", COL_LOCAL }, { "账号", COL_LOCAL }, { "帐号", COL_LOCAL },
	{ "账户", COL_LOCAL }, { "帐户", COL_LOCAL },
	{ "name", COL_NAME }, { "display name", COL_NAME },
	{ "full name", COL_NAME }, { "姓名", COL_NAME },
	{ "名称", COL_NAME }, { "名字", COL_NAME }, { "显示名称", COL_NAME },
	{ "显示名", COL_NAME },
	{ "password", COL_PASSWORD }, { "密码", COL_PASSWORD },
	{ "初始密码", COL_PASSWORD },
	{ "quota", COL_QUOTA }, { "quota (mb)", COL_QUOTA },
	{ "quota(mb)", COL_QUOTA }, { "quota mb", COL_QUOTA },
	{ "配额", COL_QUOTA }, { "配额(mb)", COL_QUOTA },
	{ "配额 (mb)", COL_QUOTA }, { "配额（mb）", COL_QUOTA },
	{ "容量", COL_QUOTA }, { "邮箱容量", COL_QUOTA },
	{ "status", COL_STATUS }, { "state", COL_STATUS },
	{ "状态", COL_STATUS },
	{ "package", COL_PACKAGE }, { "service package", COL_PACKAGE },
	{ "套餐", COL_PACKAGE }, { "服务套餐", COL_PACKAGE },
	{ "服务包", COL_PACKAGE },
};

/* the words of the status column */
static const struct {
	const char *word;
	const char *status;
} import_statuses[] = {
	{ "active", "active" }, { "enabled", "active" },
	{ "启用", "active" }, { "正常", "active" }, { "激活", "active" },
	{ "disabled", "disabled" }, { "停用", "disabled" },
	{ "禁用", "disabled" },
};

/* an address of a row that will be created, for repeats */
struct seen {
	const char *address;
	unsigned int line;
};

struct import {
	struct web_req *req;
	const struct dadm_domain *dom;
	const char *filename;
	const char *charset;
	PGresult *packages;		/* id, name of every package */
	struct seen *seen;		/* the good rows' addresses */
	unsigned int n_good, n_bad, n_generated;
	struct buf *json;		/* the good rows, a JSON array */
	const char *error;		/* the file as a whole: err key */
	bool failed;			/* a database error */
	const char *id;			/* user_imports.id */
};

/* column_of - what a header names */
static enum column column_of(struct pool *pool, const char *header)
{
	char *h = str_lower(str_trim(p_strdup(pool, csv_unguard(header))));

	for (size_t i = 0;
	     i < sizeof(import_headers) / sizeof(import_headers[0]); i++)
		if (strcmp(h, import_headers[i].name) == 0)
			return import_headers[i].col;
	return COL_NONE;
}

/* status_of - "active" or "disabled" for a word of the status column
 * ("" is active), NULL for an unknown one */
static const char *status_of(struct pool *pool, const char *word)
{
	char *w = str_lower(p_strdup(pool, word));

	if (*w == '\0')
		return "active";
	for (size_t i = 0;
	     i < sizeof(import_statuses) / sizeof(import_statuses[0]); i++)
		if (strcmp(w, import_statuses[i].word) == 0)
			return import_statuses[i].status;
	return NULL;
}

/* package_of - the id of the package named name; "" for no name, NULL
 * for an unknown one */
static const char *package_of(const struct import *im, const char *name)
{
	if (*name == '\0')
		return "";
	for (int i = 0; i < db_ntuples(im->packages); i++)
		if (strcmp(db_value(im->packages, i, 1), name) == 0)
			return db_value(im->packages, i, 0);
	for (int i = 0; i < db_ntuples(im->packages); i++)
		if (str_case_eq(db_value(im->packages, i, 1), name))
			return db_value(im->packages, i, 0);
	return NULL;
}

/* bad_row - a row that is left out: Import.Bad.N (the first
 * IMPORT_PREVIEW_MAX of them). key is a message key, or NULL for text
 * from the reader ("line N: what"); bad the value it is about; other the
 * line of the row an address repeats */
static void bad_row(struct import *im, unsigned int line, const char *key,
		    const char *bad, unsigned int other, const char *text)
{
	import_bad_row(im->req->pool, im->req->hdf, im->n_bad++,
		       IMPORT_PREVIEW_MAX, line, key, bad, other, text);
}

/* the cells of one row, by column */
struct row {
	unsigned int line;
	const char *local, *name, *password, *quota, *status, *package;
};

/* take - one row: checked as the add form checks, then kept or left
 * out with its reason */
static void take(struct import *im, const struct row *r)
{
	struct web_req *req = im->req;
	struct pool *pool = req->pool;
	struct dadm_user_form f;
	const char *status, *package, *hash = "", *shown, *key = NULL, *pre;
	enum acct_owner owner;
	int ret;

	if (im->n_good >= IMPORT_ROWS) {
		bad_row(im, r->line, "import_many", NULL, 0, NULL);
		return;
	}
	status = status_of(pool, r->status);
	if (status == NULL) {
		bad_row(im, r->line, "status_bad", r->status, 0, NULL);
		return;
	}
	package = package_of(im, r->package);
	if (package == NULL) {
		bad_row(im, r->line, "package_unknown", r->package, 0, NULL);
		return;
	}
	memset(&f, 0, sizeof(f));
	f.req = req;
	f.dom = im->dom;
	ret = dadm_user_check(&f, r->local, r->name, r->quota, package,
			      status);
	if (ret < 0) {
		im->failed = true;
		return;
	}
	if (ret > 0) {
		bad_row(im, r->line, f.error,
			str_begins(f.error, "address") ? r->local :
			strcmp(f.error, "quota_bad") == 0 ? r->quota : NULL,
			0, NULL);
		return;
	}
	if (im->dom->max_user_quota > 0 &&
	    dadm_u64(f.quota) > im->dom->max_user_quota) {
		bad_row(im, r->line, "quota_over", r->quota, 0, NULL);
		return;
	}
	for (unsigned int i = 0; i < im->n_good; i++)
		if (strcmp(im->seen[i].address, f.address) == 0) {
			bad_row(im, r->line, "duplicate", f.address,
				im->seen[i].line, NULL);
			return;
		}
	if (acct_address_owner(pool, f.address, &owner) < 0) {
		im->failed = true;
		return;
	}
	if (owner != ACCT_OWNER_NONE) {
		bad_row(im, r->line, "address_taken", f.address, 0, NULL);
		return;
	}
	if (*r->password != '\0') {
		ret = dadm_user_password(req, im->dom, r->password, false,
					 &hash, &shown, &key);
		if (ret < 0) {
			im->failed = true;
			return;
		}
		if (ret > 0) {
			bad_row(im, r->line, key, NULL, 0, NULL);
			return;
		}
	}
	if (im->n_good < IMPORT_PREVIEW_MAX) {
		pre = p_printf(pool, "Import.Rows.%u.", im->n_good);
#define SET(k, v) wcs_set(req->hdf, p_printf(pool, "%s" k, pre), v)
		wcs_set_int(req->hdf, p_printf(pool, "%sLine", pre), r->line);
		SET("Address", f.address);
		SET("Name", f.name);
		SET("Quota", dadm_mb(pool, dadm_u64(f.quota)));
		SET("Status", f.status);
		SET("Package", r->package);
		SET("Password", *hash != '\0' ? "given" : "generated");
#undef SET
	}
	if (*hash == '\0')
		im->n_generated++;
	buf_addf(im->json, "%s{\"line\":%u,\"local\":%s,\"name\":%s,"
		 "\"quota\":\"%s\",\"status\":\"%s\",\"package\":%s,"
		 "\"hash\":%s}", im->n_good > 0 ? "," : "", r->line,
		 str_json_quote(pool, f.local), str_json_quote(pool, f.name),
		 f.quota, f.status, f.package != NULL ?
		 p_printf(pool, "\"%s\"", f.package) : "null",
		 str_json_quote(pool, hash));
	im->seen[im->n_good].address = f.address;
	im->seen[im->n_good].line = r->line;
	im->n_good++;
}

/* read_csv - the header line, then every row */
static void read_csv(struct import *im, const char *data, size_t len)
{
	struct pool *pool = im->req->pool;
	struct csv_limits limits = csv_limits_default;
	struct csv_reader *r;
	struct csv_record rec;
	enum column *cols;
	const char *error = NULL;
	enum csv_status st;
	bool local = false, address = false;
	size_t ncols;

	limits.max_records = IMPORT_ROWS + 1;
	limits.max_field = IMPORT_FIELD_MAX;
	if (csv_reader_new(pool, data, len, &limits, &r, &error) < 0) {
		im->error = "file_unreadable";
		return;
	}
	im->charset = csv_reader_charset(r);
	do {
		st = csv_read(r, &rec, &error);
	} while (st == CSV_BAD);
	if (st == CSV_END) {
		im->error = "file_empty";
		return;
	}
	ncols = rec.count;
	cols = p_new(pool, enum column, ncols);
	for (size_t i = 0; i < ncols; i++) {
		cols[i] = column_of(pool, rec.fields[i]);
		local = local || cols[i] == COL_LOCAL;
		address = address || cols[i] == COL_ADDRESS;
	}
	if (!local && !address) {
		im->error = "columns";
		return;
	}
	while ((st = csv_read(r, &rec, &error)) != CSV_END) {
		struct row row = { 0, "", "", "", "", "", "" };
		bool empty = true;

		if (st == CSV_BAD) {
			bad_row(im, 0, NULL, NULL, 0, error);
			continue;
		}
		row.line = rec.line;
		for (size_t i = 0; i < rec.count && i < ncols; i++) {
			const char *v = str_trim(p_strdup(pool,
				csv_unguard(rec.fields[i])));

			if (*v == '\0' || cols[i] == COL_NONE)
				continue;
			empty = false;
			switch (cols[i]) {
			case COL_ADDRESS:
				if (!local)
					row.local = v;
				break;
			case COL_LOCAL:
				row.local = v;
				break;
			case COL_NAME:
				row.name = v;
				break;
			case COL_PASSWORD:
				/* as typed: spaces may be part of it */
				row.password = csv_unguard(rec.fields[i]);
				break;
			case COL_QUOTA:
				row.quota = v;
				break;
			case COL_STATUS:
				row.status = v;
				break;
			case COL_PACKAGE:
				row.package = v;
				break;
			case COL_NONE:
				break;
			}
		}
		if (empty)
			continue;		/* a row of empty cells */
		take(im, &row);
		if (im->failed)
			return;
	}
}

/* ==== preview =========================================================== */

/* show - the import page: the upload form, or with Import.* set the
 * preview or the users created */
static int show(struct web_req *req, const char *step, int status)
{
	wcs_set(req->hdf, "Import.Step", step);
	wcs_set_int(req->hdf, "Import.RowsMax", IMPORT_ROWS);
	return web_render(req, status, "user-import.cs");
}

/* refused - the upload form with the message of key */
static int refused(struct web_req *req, const char *key)
{
	dadm_form_error(req, "import", key);
	return show(req, "upload", 422);
}

/* user_count - the users of dom that count against the package */
static int user_count(struct web_req *req, const struct dadm_domain *dom,
		      uint64_t *count_r)
{
	const char *params[1] = { dom->id };
	PGresult *res;

	res = db_query(req->pool, "SELECT count(*) FROM users"
		       " WHERE domain_id = $1::bigint AND deleted_at IS NULL",
		       1, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	*count_r = dadm_u64(db_value(res, 0, 0));
	return 0;
}

/* set_limit_users - the numbers of the message about the package's
 * limit on users */
static void set_limit_users(struct web_req *req,
			    const struct dadm_domain *dom, uint64_t users,
			    unsigned int adding)
{
	dadm_setf(req, "Limit.Max", "%" PRIu64, dom->max_users);
	dadm_setf(req, "Limit.Current", "%" PRIu64, users);
	dadm_setf(req, "Limit.Adding", "%u", adding);
}

/* stage_tx - keep the good rows until they are confirmed; old
 * unconfirmed imports go */
static int stage_tx(void *arg)
{
	struct import *im = arg;
	struct pool *pool = im->req->pool;
	const char *params[4];
	PGresult *res;

	if (db_query(pool, "DELETE FROM user_imports"
		     " WHERE created_at < now() - interval '1 day'",
		     0, NULL) == NULL)
		return -1;
	params[0] = im->dom->id;
	params[1] = p_printf(pool, "%" PRId64,
			     im->req->session->principal.id);
	params[2] = im->filename;
	params[3] = p_printf(pool, "[%s]", im->json->data != NULL ?
			     im->json->data : "");
	res = db_query(pool, "INSERT INTO user_imports (domain_id, admin_id,"
		       " filename, users) VALUES ($1::bigint, $2::bigint, $3,"
		       " $4::jsonb) RETURNING id", 4, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	im->id = p_strdup(pool, db_value(res, 0, 0));
	return 0;
}

/* preview - read the uploaded file; show what will be created */
static int preview(struct web_req *req, const struct dadm_domain *dom,
		   const struct form_field *file)
{
	struct import im;
	uint64_t users;

	memset(&im, 0, sizeof(im));
	im.req = req;
	im.dom = dom;
	im.json = buf_new_pool(req->pool, 0);
	im.charset = "UTF-8";
	im.filename = file->filename;
	if (file->value_len == 0)
		return refused(req, "file_missing");
	if (file->value_len > IMPORT_FILE_MAX)
		return refused(req, "file_large");
	im.packages = db_query(req->pool, "SELECT id, name FROM"
			       " service_packages ORDER BY id", 0, NULL);
	if (im.packages == NULL)
		return dadm_unavailable(req);
	im.seen = p_new(req->pool, struct seen, IMPORT_ROWS);
	read_csv(&im, file->value, file->value_len);
	if (im.failed)
		return dadm_unavailable(req);
	if (im.error != NULL)
		return refused(req, im.error);
	if (im.n_good == 0 && im.n_bad == 0)
		return refused(req, "file_empty");
	if (im.n_good > 0 && db_tx(stage_tx, &im) != 0)
		return dadm_unavailable(req);
	/* warn now of what the confirmation will refuse */
	if (im.n_good > 0 && dom->max_users > 0) {
		if (user_count(req, dom, &users) < 0)
			return dadm_unavailable(req);
		if (users + im.n_good > dom->max_users) {
			wcs_set(req->hdf, "Import.Warning",
				"import_limit_users");
			set_limit_users(req, dom, users, im.n_good);
		}
	}
	if (dom->max_user_quota > 0)
		wcs_set(req->hdf, "Limit.UserQuota",
			dadm_size(req->pool, dom->max_user_quota));
	wcs_set(req->hdf, "Import.Id", im.id);
	wcs_set(req->hdf, "Import.Charset", im.charset);
	wcs_set(req->hdf, "Import.Filename", im.filename);
	wcs_set_int(req->hdf, "Import.Count", im.n_good);
	wcs_set_int(req->hdf, "Import.BadCount", im.n_bad);
	wcs_set_int(req->hdf, "Import.Generated", im.n_generated);
	wcs_set_int(req->hdf, "Import.More", im.n_good > IMPORT_PREVIEW_MAX ?
		    (long)(im.n_good - IMPORT_PREVIEW_MAX) : 0);
	wcs_set_int(req->hdf, "Import.BadMore", im.n_bad > IMPORT_PREVIEW_MAX ?
		    (long)(im.n_bad - IMPORT_PREVIEW_MAX) : 0);
	return show(req, "preview", 200);
}

/* ==== confirm =========================================================== */

struct confirm {
	struct web_req *req;
	const struct dadm_domain *dom;
	const char *id, *filename;
	bool insert;
	struct dadm_user_form *users;
	const char **shown;		/* generated passwords, or NULL */
	unsigned int *lines;
	unsigned int n, generated;
	/* a refusal */
	const char *error;
	unsigned int line;
	uint64_t current;
};

/* confirm_tx - the staged users created, each as the add form creates
 * one (or none at all), or dropped; audit */
static int confirm_tx(void *arg)
{
	struct confirm *c = arg;
	struct pool *pool = c->req->pool;
	const char *params[2] = { c->id, c->dom->id };
	PGresult *res;
	int ret;

	if (c->insert) {
		if (dadm_user_lock(c->req, c->dom) < 0 ||
		    user_count(c->req, c->dom, &c->current) < 0)
			return -1;
		if (c->dom->max_users > 0 &&
		    c->current + c->n > c->dom->max_users) {
			c->error = "import_limit_users";
			return 1;
		}
		for (unsigned int i = 0; i < c->n; i++) {
			ret = dadm_user_insert(&c->users[i]);
			if (ret != 0) {
				c->error = c->users[i].error;
				c->line = c->lines[i];
				return ret;
			}
		}
	}
	res = db_query(pool, "DELETE FROM user_imports"
		       " WHERE id = $1::bigint AND domain_id = $2::bigint"
		       " RETURNING id", 2, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	if (!c->insert)
		return 0;
	return dadm_audit(c->req, c->dom, "user.import",
			  p_printf(pool, "user_import:%s", c->id),
			  p_printf(pool, "{\"file\":%s,\"added\":%u,"
				   "\"generated\":%u}",
				   str_json_quote(pool, c->filename), c->n,
				   c->generated));
}

/* load - the staged users of import c->id, with a password made up for
 * those without one; 0 ok, -1 error */
static int load(struct confirm *c)
{
	struct web_req *req = c->req;
	const char *params[2] = { c->id, c->dom->id };
	const char *key = NULL;
	PGresult *res;
	int n;

	res = db_query(req->pool, "SELECT x.e->>'line', x.e->>'local',"
		" x.e->>'name', x.e->>'quota', x.e->>'status',"
		" x.e->>'package', x.e->>'hash'"
		" FROM user_imports i, jsonb_array_elements(i.users)"
		" WITH ORDINALITY AS x(e, n) WHERE i.id = $1::bigint"
		" AND i.domain_id = $2::bigint ORDER BY x.n", 2, params);
	if (res == NULL)
		return -1;
	n = db_ntuples(res);
	c->users = p_new(req->pool, struct dadm_user_form, (size_t)n + 1);
	c->shown = p_new(req->pool, const char *, (size_t)n + 1);
	c->lines = p_new(req->pool, unsigned int, (size_t)n + 1);
	for (int i = 0; i < n; i++) {
		struct dadm_user_form *f = &c->users[i];

		if (str_to_uint(db_value(res, i, 0), &c->lines[i]) < 0)
			c->lines[i] = 0;
		f->req = req;
		f->dom = c->dom;
		f->local = db_value(res, i, 1);
		f->address = p_printf(req->pool, "%s@%s", f->local,
				      c->dom->name);
		f->name = db_value(res, i, 2);
		f->quota = db_value(res, i, 3);
		f->quota_mb = dadm_mb(req->pool, dadm_u64(f->quota));
		f->status = db_value(res, i, 4);
		f->package = db_value(res, i, 5);
		f->hash = db_value(res, i, 6);
		f->audit_more = p_printf(req->pool, "\"import\":%s", c->id);
		if (f->local == NULL || f->name == NULL || f->quota == NULL ||
		    f->status == NULL || f->hash == NULL)
			return -1;
		if (*f->hash == '\0') {
			if (dadm_user_password(req, c->dom, NULL, true,
					       &f->hash, &c->shown[i],
					       &key) != 0)
				return -1;
			c->generated++;
		}
	}
	c->n = (unsigned int)n;
	return 0;
}

/* passwords_csv - the addresses and generated passwords as a CSV file,
 * for the download link of the page */
static const char *passwords_csv(const struct confirm *c)
{
	static const char *const header[] = { "Address", "Password" };
	struct buf *out = buf_new_pool(c->req->pool, 0);
	const char *row[2];

	csv_write_bom(out);
	csv_write_record(out, header, 2, CSV_GUARD_FORMULA);
	for (unsigned int i = 0; i < c->n; i++) {
		if (c->shown[i] == NULL)
			continue;
		row[0] = c->users[i].address;
		row[1] = c->shown[i];
		csv_write_record(out, row, 2, 0);
	}
	return out->data;
}

/* done - the users created, with the passwords made up for them */
static int done(struct confirm *c)
{
	struct web_req *req = c->req;

	for (unsigned int i = 0; i < c->n; i++) {
		const char *pre = p_printf(req->pool, "Created.%u.", i);

		wcs_set(req->hdf, p_printf(req->pool, "%sId", pre),
			c->users[i].id);
		wcs_set(req->hdf, p_printf(req->pool, "%sAddress", pre),
			c->users[i].address);
		wcs_set(req->hdf, p_printf(req->pool, "%sPassword", pre),
			c->shown[i]);
	}
	wcs_set_int(req->hdf, "Import.Count", c->n);
	wcs_set_int(req->hdf, "Import.Generated", c->generated);
	/* UTF-8 with a byte order mark, percent-encoded into the link */
	wcs_set(req->hdf, "Import.PasswordsCsv", p_printf(req->pool,
		"data:text/csv;charset=utf-8,%s",
		url_encode(req->pool, passwords_csv(c))));
	return show(req, "done", 200);
}

/* confirm_refused - the message why nothing was created; the import
 * waits to be confirmed again or cancelled */
static int confirm_refused(struct confirm *c)
{
	struct web_req *req = c->req;
	const struct dadm_user_form *f;

	dadm_form_error(req, "import", c->error);
	if (strcmp(c->error, "import_limit_users") == 0) {
		set_limit_users(req, c->dom, c->current, c->n);
	} else {
		dadm_setf(req, "Import.ErrorLine", "%u", c->line);
		for (unsigned int i = 0; i < c->n; i++) {
			f = &c->users[i];
			if (c->lines[i] == c->line && f->error != NULL) {
				wcs_set(req->hdf, "Form.Bad", f->address);
				wcs_set(req->hdf, "Limit.Max", f->limit);
				wcs_set(req->hdf, "Limit.Current", f->current);
			}
		}
	}
	wcs_set(req->hdf, "Import.Id", c->id);
	wcs_set_int(req->hdf, "Import.Count", c->n);
	return show(req, "refused", 422);
}

/* ==== the handlers ====================================================== */

/* dadm_page_user_import - GET /users/import: the upload form */
int dadm_page_user_import(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);

	if (dom == NULL)
		return 0;
	return show(req, "upload", 200);
}

/* dadm_post_user_import - POST /users/import: an upload (the preview),
 * or the confirmation or cancellation of one */
int dadm_post_user_import(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const struct form_field *file;
	const char *op = form_get(&req->post, "op");
	struct confirm c;
	PGresult *res;
	int ret;

	if (dom == NULL)
		return 0;
	if (op == NULL) {
		file = form_get_field(&req->post, "file");
		if (file == NULL || file->filename == NULL)
			return refused(req, "file_missing");
		return preview(req, dom, file);
	}
	if (strcmp(op, "confirm") != 0 && strcmp(op, "cancel") != 0)
		return web_fail(req, 400, "bad_request");
	if (dadm_object(req, dom, "user_import", dadm_id(req, "import"),
			"SELECT id, admin_id, filename FROM user_imports"
			" WHERE id = $1::bigint AND domain_id = $2::bigint",
			&res) <= 0)
		return 0;
	/* another administrator's upload is theirs to confirm */
	if (strcmp(db_value(res, 0, 1), p_printf(req->pool, "%" PRId64,
		   req->session->principal.id)) != 0)
		return dadm_not_found(req, dom, p_printf(req->pool,
			"user_import:%s", db_value(res, 0, 0)));
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	c.id = db_value(res, 0, 0);
	c.filename = db_value(res, 0, 2);
	c.insert = strcmp(op, "confirm") == 0;
	if (c.insert && load(&c) < 0)
		return dadm_unavailable(req);
	ret = db_tx(confirm_tx, &c);
	if (ret < 0)
		return dadm_unavailable(req);
	if (ret > 0)
		return confirm_refused(&c);
	if (!c.insert)
		return web_redirect(req, p_printf(req->pool,
			"/users?d=%s&done=import_cancelled",
			url_encode(req->pool, dom->name)));
	log_info("event=domainadmin_user_import admin=%s domain=%s added=%u"
		 " generated=%u", log_quote(req->session->principal.login),
		 log_quote(dom->name), c.n, c.generated);
	if (c.generated > 0)
		return done(&c);
	return web_redirect(req, p_printf(req->pool,
		"/users?d=%s&done=imported", url_encode(req->pool, dom->name)));
}
