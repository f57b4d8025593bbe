/*
 * popfetch.c - the user's accounts on other POP3 servers, which the jobs
 * service collects mail from (backend/jobs/popfetch.c): the list with
 * how each one's last run went, add, edit, delete and "fetch now".
 *
 *   GET  /settings/pop               the list and the form for a new one
 *   GET  /settings/pop?edit=<id>     the list and that account's form
 *   GET  /settings/pop?delete=<id>   the list and a delete confirmation
 *   POST /settings/pop               op=add|edit|delete|fetch, id; for add
 *                                    and edit: host, port, tls, username,
 *                                    password, folder, interval (minutes),
 *                                    keep, enabled (checkboxes)
 *
 * A bad field re-renders the page with a message and status 422 and
 * writes nothing. "Fetch now" only marks the account due; the jobs
 * service looks for due accounts every few seconds.
 *
 * SECURITY: every statement is limited to the session's user id, so an
 * account id of another user is simply not found (404). The password is
 * sealed (lib/secretbox.c, under the owner's user id) before it reaches
 * the database; it is never put in the HDF, never logged, and the edit
 * form leaves it empty (an empty field keeps the stored one). The user
 * name and password may hold no control characters, so nothing typed
 * here can add a command to the POP3 dialogue.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include <sodium.h>

#include "db.h"
#include "log.h"
#include "mail.h"
#include "pool.h"
#include "secretbox.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define WM_POP_PATH "/settings/pop"
#define WM_POP_MAX_ACCOUNTS 20
#define WM_POP_HOST_MAX 253
#define WM_POP_USER_MAX 255
#define WM_POP_PASSWORD_MAX 255
#define WM_POP_INTERVAL_MIN 5		/* minutes */
#define WM_POP_INTERVAL_MAX 10080	/* a week */

/* the account as the form gives it */
struct pop_form {
	const char *id;			/* edit: the account; add: NULL */
	const char *host;
	unsigned int port;
	const char *port_text;
	const char *tls;
	const char *username;
	const char *password;		/* NULL or "": unchanged (edit) */
	size_t password_len;
	const char *folder;		/* mailbox id, decimal */
	const char *interval;		/* minutes, as typed */
	unsigned int minutes;
	bool keep;
	bool enabled;
};

static const char *user_id(struct web_req *req)
{
	return p_printf(req->pool, "%" PRId64, req->session->principal.id);
}

static void unavailable(struct web_req *req)
{
	log_error("event=webmail_db_error path=%s error=%s",
		  log_quote(req->path), log_quote(db_error()));
	web_fail(req, 503, "unavailable");
}

/* ==== what the page shows =============================================== */

/* special_of - Lang.folder.* of a mailbox, "" when it has none */
static const char *special_of(const char *name, const char *use)
{
	static const struct {
		const char *use, *key;
	} uses[] = {
		{ "\\Drafts", "drafts" }, { "\\Sent", "sent" },
		{ "\\Junk", "junk" }, { "\\Trash", "trash" },
	};

	if (name != NULL && strcmp(name, "INBOX") == 0)
		return "inbox";
	for (size_t i = 0; use != NULL && i < sizeof(uses) / sizeof(uses[0]);
	     i++)
		if (strcmp(use, uses[i].use) == 0)
			return uses[i].key;
	return "";
}

/* set_folders - the user's folders as Folders.N; -1 database error */
static int set_folders(struct web_req *req)
{
	const char *params[1] = { user_id(req) };
	PGresult *res;

	res = db_query(req->pool, "SELECT id, name, special_use FROM mailboxes"
		       " WHERE user_id = $1::bigint"
		       " ORDER BY name <> 'INBOX', name", 1, params);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *pre = p_printf(req->pool, "Folders.%d.", i);

		wcs_set(req->hdf, p_printf(req->pool, "%sId", pre),
			db_value(res, i, 0));
		wcs_set(req->hdf, p_printf(req->pool, "%sName", pre),
			db_value(res, i, 1));
		wcs_set(req->hdf, p_printf(req->pool, "%sSpecial", pre),
			special_of(db_value(res, i, 1), db_value(res, i, 2)));
	}
	return 0;
}

/* set_error - last_error "<what>: <detail>" as LastErrorWhat (a key of
 * Lang.popfetch.what when it is one of ours) and LastError */
static void set_error(struct web_req *req, const char *pre, const char *e)
{
	const char *colon = strstr(e, ": ");
	size_t n = colon != NULL ? (size_t)(colon - e) : 0;
	bool ours = n > 0 && n < 16;

	for (size_t i = 0; ours && i < n; i++)
		if (!islower((unsigned char)e[i]) && e[i] != '_')
			ours = false;
	wcs_set(req->hdf, p_printf(req->pool, "%sLastErrorWhat", pre),
		ours ? p_strndup(req->pool, e, n) : "");
	wcs_set(req->hdf, p_printf(req->pool, "%sLastError", pre),
		ours ? colon + 2 : e);
}

/* set_accounts - the user's accounts as Accounts.N; -1 database error */
static int set_accounts(struct web_req *req)
{
	const char *params[1] = { user_id(req) };
	PGresult *res;

	res = db_query(req->pool, "SELECT a.id, a.host, a.port, a.tls,"
		       " a.username, a.keep, a.enabled, a.fetch_interval / 60,"
		       " m.name, m.special_use,"
		       " to_char(a.last_run, 'YYYY-MM-DD HH24:MI:SS'),"
		       " a.last_error, a.last_count, a.last_pending,"
		       " a.total_count, a.enabled AND a.next_run_at <= now(),"
		       " COALESCE(a.claim_until > now(), false)"
		       " FROM pop_accounts a"
		       " LEFT JOIN mailboxes m ON m.id = a.target_mailbox_id"
		       " WHERE a.user_id = $1::bigint ORDER BY a.id", 1,
		       params);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *pre = p_printf(req->pool, "Accounts.%d.", i);
		const char *folder = db_value(res, i, 8);

#define SET(k, v) wcs_set(req->hdf, p_printf(req->pool, "%s" k, pre), (v))
		SET("Id", db_value(res, i, 0));
		SET("Host", db_value(res, i, 1));
		SET("Port", db_value(res, i, 2));
		SET("Tls", db_value(res, i, 3));
		SET("Username", db_value(res, i, 4));
		SET("Keep", strcmp(db_value(res, i, 5), "t") == 0 ? "1" : "");
		SET("Enabled", strcmp(db_value(res, i, 6), "t") == 0 ?
		    "1" : "");
		SET("Interval", db_value(res, i, 7));
		SET("Folder", folder != NULL ? folder : "INBOX");
		SET("FolderSpecial", folder != NULL ?
		    special_of(folder, db_value(res, i, 9)) : "inbox");
		SET("LastRun", db_value(res, i, 10) != NULL ?
		    db_value(res, i, 10) : "");
		SET("LastCount", db_value(res, i, 12));
		SET("LastPending", db_value(res, i, 13));
		SET("TotalCount", db_value(res, i, 14));
		SET("Due", strcmp(db_value(res, i, 15), "t") == 0 ? "1" : "");
		SET("Running", strcmp(db_value(res, i, 16), "t") == 0 ?
		    "1" : "");
#undef SET
		if (db_value(res, i, 11) != NULL)
			set_error(req, pre, db_value(res, i, 11));
	}
	wcs_set_int(req->hdf, "Page.Accounts", db_ntuples(res));
	return 0;
}

/* set_form - the form's values (never the password) */
static void set_form(struct web_req *req, const struct pop_form *f)
{
	wcs_set(req->hdf, "Form.Id", f->id != NULL ? f->id : "");
	wcs_set(req->hdf, "Form.Host", f->host != NULL ? f->host : "");
	wcs_set(req->hdf, "Form.Port", f->port_text != NULL ?
		f->port_text : "");
	wcs_set(req->hdf, "Form.Tls", f->tls != NULL ? f->tls : "tls");
	wcs_set(req->hdf, "Form.Username", f->username != NULL ?
		f->username : "");
	wcs_set(req->hdf, "Form.Folder", f->folder != NULL ? f->folder : "");
	wcs_set(req->hdf, "Form.Interval", f->interval != NULL ?
		f->interval : "10");
	wcs_set(req->hdf, "Form.Keep", f->keep ? "1" : "");
	wcs_set(req->hdf, "Form.Enabled", f->enabled ? "1" : "");
}

/* show - the page with form f (NULL: an empty one), the error key (or
 * NULL) and status */
static int show(struct web_req *req, const struct pop_form *f,
		const char *error_key, int status)
{
	struct pop_form empty = { .tls = "tls", .keep = true, .enabled = true,
				  .port_text = "995", .interval = "10" };

	if (set_folders(req) < 0 || set_accounts(req) < 0) {
		unavailable(req);
		return 0;
	}
	set_form(req, f != NULL ? f : &empty);
	if (error_key != NULL)
		wcs_set(req->hdf, "Page.FormError", error_key);
	return web_render(req, status, "popfetch.cs");
}

/* ==== GET =============================================================== */

/* load_form - account id of this user into f: 1, 0 no such account, -1
 * database error */
static int load_form(struct web_req *req, const char *id, struct pop_form *f)
{
	const char *params[2] = { id, user_id(req) };
	int64_t n;
	PGresult *res;

	if (id == NULL || str_to_int64(id, &n) < 0 || n <= 0)
		return 0;
	res = db_query(req->pool, "SELECT id, host, port, tls, username,"
		       " COALESCE(target_mailbox_id, 0), fetch_interval / 60,"
		       " keep, enabled FROM pop_accounts"
		       " WHERE id = $1::bigint AND user_id = $2::bigint", 2,
		       params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) != 1)
		return 0;
	memset(f, 0, sizeof(*f));
	f->id = db_value(res, 0, 0);
	f->host = db_value(res, 0, 1);
	f->port_text = db_value(res, 0, 2);
	f->tls = db_value(res, 0, 3);
	f->username = db_value(res, 0, 4);
	f->folder = db_value(res, 0, 5);
	f->interval = db_value(res, 0, 6);
	f->keep = strcmp(db_value(res, 0, 7), "t") == 0;
	f->enabled = strcmp(db_value(res, 0, 8), "t") == 0;
	return 1;
}

int wm_page_popfetch(struct web_req *req)
{
	const char *edit = form_get(&req->query, "edit");
	const char *del = form_get(&req->query, "delete");
	struct pop_form f;
	int r;

	if (edit != NULL || del != NULL) {
		r = load_form(req, edit != NULL ? edit : del, &f);
		if (r < 0) {
			unavailable(req);
			return 0;
		}
		if (r == 0)
			return web_fail(req, 404, "not_found");
		if (del != NULL) {
			wcs_set(req->hdf, "Confirm.Id", f.id);
			wcs_set(req->hdf, "Confirm.Host", f.host);
			wcs_set(req->hdf, "Confirm.Username", f.username);
			return show(req, NULL, NULL, 200);
		}
		return show(req, &f, NULL, 200);
	}
	return show(req, NULL, NULL, 200);
}

/* ==== POST ============================================================== */

/* host_valid - a host name (letters, digits, hyphens; labels of 1 to 63
 * characters, not starting or ending with a hyphen) or an IPv4 address */
static bool host_valid(const char *h)
{
	size_t label = 0, len = strlen(h);

	if (len == 0 || len > WM_POP_HOST_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = h[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)c) ||
			   (c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

/* text_valid - 1 to max octets, no control characters and no NUL */
static bool text_valid(const struct form_field *fld, size_t max)
{
	if (fld == NULL || fld->value_len == 0 || fld->value_len > max ||
	    strlen(fld->value) != fld->value_len)
		return false;
	for (size_t i = 0; i < fld->value_len; i++) {
		unsigned char c = (unsigned char)fld->value[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* folder_valid - id is one of the user's mailboxes: 1, 0 not, -1 error */
static int folder_valid(struct web_req *req, const char *id)
{
	const char *params[2] = { id, user_id(req) };
	int64_t n;
	PGresult *res;

	if (id == NULL || str_to_int64(id, &n) < 0 || n <= 0)
		return 0;
	res = db_query(req->pool, "SELECT 1 FROM mailboxes"
		       " WHERE id = $1::bigint"
		       " AND user_id = $2::bigint", 2, params);
	if (res == NULL)
		return -1;
	return db_ntuples(res) == 1;
}

/* read_form - the posted account into f; NULL when it is good, else the
 * message key (Lang.popfetch.error.*); -1 in *db_r on a database error */
static const char *read_form(struct web_req *req, struct pop_form *f,
			     bool adding, int *db_r)
{
	const struct form_field *user = form_get_field(&req->post, "username");
	const struct form_field *pw = form_get_field(&req->post, "password");
	const char *host = form_get(&req->post, "host");
	int r;

	*db_r = 0;
	memset(f, 0, sizeof(*f));
	f->id = form_get(&req->post, "id");
	f->host = host != NULL ? str_lower(str_trim(p_strdup(req->pool,
							      host))) : "";
	f->port_text = form_get(&req->post, "port");
	f->tls = form_get(&req->post, "tls");
	f->username = user != NULL ? user->value : "";
	f->folder = form_get(&req->post, "folder");
	f->interval = form_get(&req->post, "interval");
	f->keep = form_get(&req->post, "keep") != NULL;
	f->enabled = form_get(&req->post, "enabled") != NULL;
	if (pw != NULL && pw->value_len > 0) {
		f->password = pw->value;
		f->password_len = pw->value_len;
	}

	if (!host_valid(f->host))
		return "host";
	if (f->tls == NULL || (strcmp(f->tls, "none") != 0 &&
			       strcmp(f->tls, "starttls") != 0 &&
			       strcmp(f->tls, "tls") != 0)) {
		f->tls = NULL;
		return "tls";
	}
	if (f->port_text == NULL || *f->port_text == '\0')
		f->port_text = strcmp(f->tls, "tls") == 0 ? "995" : "110";
	if (str_to_uint(f->port_text, &f->port) < 0 || f->port == 0 ||
	    f->port > 65535)
		return "port";
	if (!text_valid(user, WM_POP_USER_MAX))
		return "username";
	if (f->password == NULL && adding)
		return "password_missing";
	if (f->password != NULL && !text_valid(pw, WM_POP_PASSWORD_MAX))
		return "password";
	r = folder_valid(req, f->folder);
	if (r < 0) {
		*db_r = -1;
		return "folder";
	}
	if (r == 0)
		return "folder";
	if (f->interval == NULL || str_to_uint(f->interval, &f->minutes) < 0 ||
	    f->minutes < WM_POP_INTERVAL_MIN ||
	    f->minutes > WM_POP_INTERVAL_MAX)
		return "interval";
	return NULL;
}

/* seal - the password's box (hex) for this user; NULL on failure */
static const char *seal(struct web_req *req, const struct pop_form *f)
{
	const char *box, *error;

	if (secretbox_seal(req->pool, secretbox_key_path(req->pool),
			   SECRETBOX_CTX_POP,
			   (uint64_t)req->session->principal.id, f->password,
			   f->password_len, &box, &error) < 0) {
		log_error("event=webmail_pop_seal_failed user=%s error=%s",
			  log_quote(req->session->principal.login),
			  log_quote(error));
		return NULL;
	}
	return box;
}

/* save - insert (f->id NULL) or update the account: 1 done, 0 no such
 * account of this user, -1 database error, -2 the password could not be
 * sealed */
static int save(struct web_req *req, const struct pop_form *f)
{
	char port[8], secs[16];
	const char *box = NULL, *params[11];
	PGresult *res;

	if (f->password != NULL) {
		box = seal(req, f);
		if (box == NULL)
			return -2;
	}
	snprintf(port, sizeof(port), "%u", f->port);
	snprintf(secs, sizeof(secs), "%u", f->minutes * 60);
	params[0] = user_id(req);
	params[1] = f->host;
	params[2] = port;
	params[3] = f->tls;
	params[4] = f->username;
	params[5] = box;
	params[6] = f->keep ? "t" : "f";
	params[7] = secs;
	params[8] = f->folder;
	params[9] = f->enabled ? "t" : "f";
	params[10] = f->id;
	if (f->id == NULL) {
		res = db_query(req->pool, "INSERT INTO pop_accounts (user_id,"
			       " host, port, tls, username, password_enc, keep,"
			       " fetch_interval, target_mailbox_id, enabled)"
			       " VALUES ($1::bigint, $2, $3::int, $4, $5,"
			       " decode($6, 'hex'), $7::boolean, $8::int,"
			       " $9::bigint, $10::boolean) RETURNING id", 10,
			       params);
	} else {
		res = db_query(req->pool, "UPDATE pop_accounts SET host = $2,"
			       " port = $3::int, tls = $4, username = $5,"
			       " password_enc = COALESCE(decode($6, 'hex'),"
			       "  password_enc),"
			       " keep = $7::boolean, fetch_interval = $8::int,"
			       " target_mailbox_id = $9::bigint,"
			       " enabled = $10::boolean"
			       " WHERE id = $11::bigint"
			       " AND user_id = $1::bigint"
			       " RETURNING id", 11, params);
	}
	if (box != NULL)
		sodium_memzero((void *)f->password, f->password_len);
	if (res == NULL)
		return -1;
	return db_ntuples(res) == 1;
}

/* count_accounts - how many accounts the user has; -1 database error */
static int count_accounts(struct web_req *req)
{
	const char *params[1] = { user_id(req) };
	PGresult *res = db_query(req->pool, "SELECT count(*) FROM pop_accounts"
				 " WHERE user_id = $1::bigint", 1, params);
	unsigned int n;

	if (res == NULL || str_to_uint(db_value(res, 0, 0), &n) < 0)
		return -1;
	return (int)n;
}

/* act_on - delete or fetch now the account id of this user: 1 done, 0
 * no such account, -1 database error */
static int act_on(struct web_req *req, const char *op, const char *id)
{
	const char *params[2] = { id, user_id(req) };
	int64_t n;
	PGresult *res;

	if (id == NULL || str_to_int64(id, &n) < 0 || n <= 0)
		return 0;
	if (strcmp(op, "delete") == 0)
		res = db_query(req->pool, "DELETE FROM pop_accounts"
			       " WHERE id = $1::bigint AND user_id = $2::bigint"
			       " RETURNING id", 2, params);
	else
		res = db_query(req->pool, "UPDATE pop_accounts"
			       " SET next_run_at = now()"
			       " WHERE id = $1::bigint AND user_id = $2::bigint"
			       " RETURNING id", 2, params);
	if (res == NULL)
		return -1;
	return db_ntuples(res) == 1;
}

int wm_action_popfetch(struct web_req *req)
{
	const char *op = form_get(&req->post, "op");
	const char *id = form_get(&req->post, "id");
	const char *key;
	struct pop_form f, old;
	bool adding;
	int r, db;

	if (op == NULL)
		return web_fail(req, 400, "bad_request");
	if (strcmp(op, "delete") == 0 || strcmp(op, "fetch") == 0) {
		r = act_on(req, op, id);
		if (r < 0) {
			unavailable(req);
			return 0;
		}
		if (r == 0)
			return web_fail(req, 404, "not_found");
		log_info("event=webmail_pop op=%s account=%s user=%s", op, id,
			 log_quote(req->session->principal.login));
		return web_redirect(req, WM_POP_PATH);
	}
	if (strcmp(op, "add") != 0 && strcmp(op, "edit") != 0)
		return web_fail(req, 400, "bad_request");
	adding = op[0] == 'a';
	if (!adding) {
		/* another user's account is not found, whatever the fields */
		r = load_form(req, id, &old);
		if (r < 0) {
			unavailable(req);
			return 0;
		}
		if (r == 0)
			return web_fail(req, 404, "not_found");
	}
	key = read_form(req, &f, adding, &db);
	if (db < 0) {
		unavailable(req);
		return 0;
	}
	if (adding)
		f.id = NULL;
	if (key == NULL && adding) {
		r = count_accounts(req);
		if (r < 0) {
			unavailable(req);
			return 0;
		}
		if (r >= WM_POP_MAX_ACCOUNTS)
			key = "too_many";
	}
	if (key != NULL)
		return show(req, &f, key, 422);
	r = save(req, &f);
	if (r == -2)
		return web_fail(req, 503, "unavailable");
	if (r < 0) {
		unavailable(req);
		return 0;
	}
	if (r == 0)
		return web_fail(req, 404, "not_found");
	log_info("event=webmail_pop op=%s host=%s user=%s", op,
		 log_quote(f.host), log_quote(req->session->principal.login));
	return web_redirect(req, WM_POP_PATH);
}
