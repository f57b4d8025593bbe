/*
 * mail.c - the mail pages: folders and the message list, reading a
 * message, its HTML body, its parts, and the list's actions.
 *
 *   GET  /mail          ?f=<folder>&sort=&order=&page=&n=&q=&in=&all=
 *                       &view=threads|list, advanced search fields
 *   GET  /mail/read     ?f=&uid=[&view=text|html][&images=1]
 *   GET  /mail/body     ?f=&uid=   the sanitized HTML, for a sandboxed frame
 *   GET  /mail/part     ?f=&uid=&part=[&inline=1]
 *   POST /mail/action   f, uid (repeated), op, to
 *   POST /mail/sender   f, uid, op=contact|block
 *   POST /mail/images   f, uid: always load this sender's remote images
 *
 * Preferences live in the users row: the list's page size and whether it
 * shows conversations, and whether a message with both a plain text and
 * an HTML version is read as plain text. A request that chooses one
 * (n=, view=) also keeps it. The rest come from user_prefs (display.c):
 * the time zone and format of dates, the preview pane, and whether the
 * remote images of senders on remote_image_senders load by themselves.
 *
 * Every folder name and UID comes from the browser and is only ever sent
 * to the IMAP server, which answers for this user alone: another user's
 * mail cannot be named. Folder names are the wire (modified UTF-7) names.
 *
 * SECURITY: message content is hostile. Headers and text are escaped by
 * the templates; HTML goes through html_sanitize() and is served from
 * /mail/body with a CSP of its own that forbids scripts, in a frame the
 * page sandboxes as well. Parts are downloads (Content-Disposition:
 * attachment) except images asked for inline.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "buf.h"
#include "db.h"
#include "html-sanitize.h"
#include "imapc.h"
#include "log.h"
#include "mail.h"
#include "message.h"
#include "pool.h"
#include "settings.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define WM_PAGE_SIZE_DEFAULT 50
#define WM_QUERY_MAX 200
#define WM_UIDS_MAX 5000
#define WM_CID_MAX (2 * 1024 * 1024)	/* inline image shown in a body */
#define WM_DEPTH_SHOWN 6	/* reply levels the list indents */
#define WM_SENDER_MAX 320	/* remote_image_senders.sender */

/* the CSP of a message body: nothing runs, nothing loads but our own
 * part URLs and data: images, inline styles are fine */
/* the same when the user asked for the remote images of this message */
#define WM_BODY_CSP_IMAGES "sandbox; default-src 'none';" \
	" style-src 'unsafe-inline'; img-src 'self' data: https: http:;" \
	" frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
#define WM_BODY_CSP "sandbox; default-src 'none'; style-src 'unsafe-inline';" \
	" img-src 'self' data:; frame-ancestors 'self'; base-uri 'none';" \
	" form-action 'none'"
/* the reading page shows the body in a frame of our own */
#define WM_READ_CSP "default-src 'none'; script-src 'self'; style-src 'self';" \
	" img-src 'self' data:; frame-src 'self'; form-action 'self';" \
	" frame-ancestors 'none'; base-uri 'none'"

static const struct {
	const char *key;
	enum imapc_sort_key sort;
} sort_keys[] = {
	{ "date", IMAPC_SORT_DATE },
	{ "arrival", IMAPC_SORT_ARRIVAL },
	{ "from", IMAPC_SORT_FROM },
	{ "subject", IMAPC_SORT_SUBJECT },
	{ "size", IMAPC_SORT_SIZE },
};

static const char *const special_name[] = {
	[IMAPC_NONE] = "", [IMAPC_INBOX] = "inbox", [IMAPC_DRAFTS] = "drafts",
	[IMAPC_SENT] = "sent", [IMAPC_JUNK] = "junk", [IMAPC_TRASH] = "trash",
};

/* ---- helpers ------------------------------------------------------------ */

static const char *user_of(struct web_req *req)
{
	return req->session->principal.login;
}

static void set_fmt(HDF *hdf, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_fmt(HDF *hdf, const char *name, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	wcs_set(hdf, name, buf);
}

/* human_size - "812 B", "12 KB", "3.4 MB" */
static const char *human_size(struct pool *pool, uint64_t n)
{
	if (n < 1024)
		return p_printf(pool, "%" PRIu64 " B", n);
	if (n < 1024 * 1024)
		return p_printf(pool, "%" PRIu64 " KB", (n + 1023) / 1024);
	return p_printf(pool, "%.1f MB", (double)n / (1024.0 * 1024.0));
}

/* query_uint - a positive number from the query, or def */
static unsigned int query_uint(struct web_req *req, const char *name,
			       unsigned int def)
{
	const char *v = form_get(&req->query, name);
	unsigned int n;

	if (v == NULL || str_to_uint(v, &n) < 0 || n == 0)
		return def;
	return n;
}

/* imap_unavailable - the IMAP server cannot be reached or refused us */
static int imap_unavailable(struct web_req *req, const char *error)
{
	log_error("event=webmail_imap_failed user=%s error=%s",
		  log_quote(user_of(req)), log_quote(error));
	return web_fail(req, 503, "mail_unavailable");
}

/* wm_find_folder - the folder named by the request, checked against the
 * user's folder list (so a bad name is a 404, not an IMAP error) */
const struct imapc_folder *wm_find_folder(const struct imapc_folder *f,
					  unsigned int n, const char *raw)
{
	for (unsigned int i = 0; raw != NULL && i < n; i++)
		if (strcmp(f[i].raw, raw) == 0)
			return &f[i];
	return NULL;
}

const char *wm_special_name(enum imapc_special special)
{
	return special_name[special];
}

const char *wm_folder_leaf(const struct imapc_folder *f)
{
	const char *last = f->delim != '\0' ? strrchr(f->name, f->delim) :
		NULL;

	return last != NULL ? last + 1 : f->name;
}

static void set_folders(struct web_req *req, const struct imapc_folder *f,
			unsigned int n, const char *current)
{
	for (unsigned int i = 0; i < n; i++) {
		char name[64];

		snprintf(name, sizeof(name), "Folders.%u.", i);
#define FSET(k, v) do { char key[96]; \
		snprintf(key, sizeof(key), "%s%s", name, k); \
		wcs_set(req->hdf, key, v); } while (0)
		FSET("Raw", f[i].raw);
		FSET("Name", f[i].name);
		FSET("Leaf", wm_folder_leaf(&f[i]));
		FSET("Special", special_name[f[i].special]);
		FSET("Current", strcmp(f[i].raw, current) == 0 ? "1" : "");
		FSET("NoSelect", f[i].noselect ? "1" : "");
		FSET("Encoded", url_encode(req->pool, f[i].raw));
#undef FSET
		set_fmt(req->hdf, p_printf(req->pool, "%sDepth", name), "%u",
			f[i].depth);
		set_fmt(req->hdf, p_printf(req->pool, "%sUnseen", name), "%u",
			f[i].unseen);
		set_fmt(req->hdf, p_printf(req->pool, "%sMessages", name),
			"%u", f[i].messages);
	}
}

/* wm_connect_with_folders - a connection and the user's folders; NULL when
 * the IMAP server failed us (the response is made) */
struct imapc *wm_connect_with_folders(struct web_req *req,
				      struct imapc_folder **folders_r,
				      unsigned int *n_r)
{
	const char *error;
	struct imapc *c = imapc_acquire(user_of(req), &error);

	if (c == NULL) {
		imap_unavailable(req, error);
		return NULL;
	}
	if (imapc_folders(c, req->pool, folders_r, n_r, &error) < 0) {
		imapc_release(&c);
		imap_unavailable(req, error);
		return NULL;
	}
	return c;
}

/* the advanced search's fields: (form field, IMAP key) */
static const struct {
	const char *field, *key;
} text_keys[] = {
	{ "a_from", "FROM" }, { "a_to", "TO" }, { "a_subject", "SUBJECT" },
	{ "a_body", "TEXT" },
};

/* "with attachments": the keyword the server sets on such messages
 * when it stores them, which the paperclip of the list shows too */
#define WM_ATTACH_CRITERION "KEYWORD " IMAPC_HAS_ATTACHMENT

/* imap_date - "2024-03-05" as "5-Mar-2024", NULL if it is not a date */
static const char *imap_date(struct pool *pool, const char *s)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	unsigned int y, m, d;
	char tail;

	if (sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
	    y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return NULL;
	return p_printf(pool, "%u-%s-%u", d, mon[m - 1], y);
}

/* criteria - the IMAP search program of the quick search (q, in) and the
 * advanced one (all given fields must match); NULL with *key_r the
 * message for a field that is not valid. *extra_r is the query string
 * that carries the search to the next page and the other orders. */
static const char *criteria(struct web_req *req, const char **key_r,
			    const char **extra_r)
{
	struct pool *pool = req->pool;
	const char *q = form_get(&req->query, "q");
	const char *in = form_get(&req->query, "in");
	struct buf *c = buf_new_pool(pool, 0), *extra = buf_new_pool(pool, 0);

	if (q != NULL && *q != '\0') {
		const char *qq = imapc_quote(pool, q);

		if (in != NULL && strcmp(in, "from") == 0)
			buf_addf(c, "FROM %s", qq);
		else if (in != NULL && strcmp(in, "subject") == 0)
			buf_addf(c, "SUBJECT %s", qq);
		else if (in != NULL && strcmp(in, "body") == 0)
			buf_addf(c, "TEXT %s", qq);
		else
			buf_addf(c, "OR FROM %s SUBJECT %s", qq, qq);
	}
	for (size_t i = 0; i < sizeof(text_keys) / sizeof(text_keys[0]);
	     i++) {
		const char *v = form_get(&req->query, text_keys[i].field);

		if (v == NULL || *v == '\0')
			continue;
		if (strlen(v) > WM_QUERY_MAX) {
			*key_r = "search_too_long";
			return NULL;
		}
		buf_addf(c, "%s%s %s", c->len > 0 ? " " : "", text_keys[i].key,
			 imapc_quote(pool, v));
		buf_addf(extra, "&%s=%s", text_keys[i].field,
			 url_encode(pool, v));
	}
	for (int i = 0; i < 2; i++) {
		const char *field = i == 0 ? "since" : "before";
		const char *v = form_get(&req->query, field), *d;

		if (v == NULL || *v == '\0')
			continue;
		d = imap_date(pool, v);
		if (d == NULL) {
			*key_r = "search_bad_date";
			return NULL;
		}
		buf_addf(c, "%s%s %s", c->len > 0 ? " " : "",
			 i == 0 ? "SENTSINCE" : "SENTBEFORE", d);
		buf_addf(extra, "&%s=%s", field, url_encode(pool, v));
	}
	for (int i = 0; i < 2; i++) {
		const char *field = i == 0 ? "min_kb" : "max_kb";
		const char *v = form_get(&req->query, field);
		unsigned int kb;

		if (v == NULL || *v == '\0')
			continue;
		if (str_to_uint(v, &kb) < 0 || kb > 4000000) {
			*key_r = "search_bad_size";
			return NULL;
		}
		buf_addf(c, "%s%s %u", c->len > 0 ? " " : "",
			 i == 0 ? "LARGER" : "SMALLER", kb * 1024);
		buf_addf(extra, "&%s=%u", field, kb);
	}
	if (form_get(&req->query, "unread") != NULL) {
		buf_addf(c, "%sUNSEEN", c->len > 0 ? " " : "");
		buf_adds(extra, "&unread=1");
	}
	if (form_get(&req->query, "flagged") != NULL) {
		buf_addf(c, "%sFLAGGED", c->len > 0 ? " " : "");
		buf_adds(extra, "&flagged=1");
	}
	if (form_get(&req->query, "attach") != NULL) {
		buf_addf(c, "%s" WM_ATTACH_CRITERION, c->len > 0 ? " " : "");
		buf_adds(extra, "&attach=1");
	}
	if (form_get(&req->query, "all") != NULL)
		buf_adds(extra, "&all=1");
	*extra_r = extra->len > 0 ? extra->data : "";
	return c->len > 0 ? c->data : "ALL";
}

/* list_key, list_reverse - the order the list was shown in */
static enum imapc_sort_key list_key(struct web_req *req)
{
	const char *sort = form_get(&req->query, "sort");

	for (size_t i = 0; sort != NULL &&
	     i < sizeof(sort_keys) / sizeof(sort_keys[0]); i++)
		if (strcmp(sort, sort_keys[i].key) == 0)
			return sort_keys[i].sort;
	return IMAPC_SORT_DATE;
}

static bool list_reverse(struct web_req *req)
{
	const char *order = form_get(&req->query, "order");

	return order == NULL || strcmp(order, "asc") != 0;
}

/* the user's preferences (users columns, then user_prefs: display.c) */
struct prefs {
	unsigned int size;	/* list_page_size */
	bool threads;		/* list_threads */
	bool plain;		/* read_plain */
	const char *zone;	/* timezone, "" = the server's */
	const char *date_format; /* prefs->'date_format', "" = ISO */
	bool preview;		/* prefs->'preview' */
	bool known_images;	/* prefs->'remote_images' */
};

/* fmt_date - t in the user's time zone and date format */
static const char *fmt_date(struct pool *pool, const struct prefs *p,
			    time_t t)
{
	return wm_date_text(pool, p->zone, p->date_format, t);
}

/* prefs_get - the user's preferences, after keeping those the request
 * chose: size (20, 50 or 100; anything else is no choice), threads and
 * plain ("t", "f" or NULL for no choice). The defaults when the database
 * fails us: a preference is not worth an error page. */
static void prefs_get(struct web_req *req, unsigned int size,
		      const char *threads, const char *plain,
		      struct prefs *p)
{
	char user[32], sz[16];
	const char *params[4] = { user, NULL, threads, plain };
	PGresult *res;
	unsigned int n;

	p->size = WM_PAGE_SIZE_DEFAULT;
	p->threads = p->plain = p->preview = false;
	p->known_images = true;
	p->zone = p->date_format = "";
	snprintf(user, sizeof(user), "%" PRId64, req->session->principal.id);
	if (size == 20 || size == 50 || size == 100) {
		snprintf(sz, sizeof(sz), "%u", size);
		params[1] = sz;
	}
	if ((params[1] != NULL || threads != NULL || plain != NULL) &&
	    db_query(req->pool, "UPDATE users SET"
		     " list_page_size = COALESCE($2::integer, list_page_size),"
		     " list_threads = COALESCE($3::boolean, list_threads),"
		     " read_plain = COALESCE($4::boolean, read_plain)"
		     " WHERE id = $1::bigint AND"
		     " (list_page_size, list_threads, read_plain) IS DISTINCT"
		     " FROM (COALESCE($2::integer, list_page_size),"
		     "  COALESCE($3::boolean, list_threads),"
		     "  COALESCE($4::boolean, read_plain))", 4, params) == NULL)
		log_warn("event=webmail_pref_failed error=%s",
			 log_quote(db_error()));
	res = db_query(req->pool, "SELECT u.list_page_size, u.list_threads,"
		       " u.read_plain, COALESCE(x.timezone, ''),"
		       " COALESCE(x.prefs->>'date_format', ''),"
		       " COALESCE(x.prefs->'preview' = 'true', false),"
		       " COALESCE(x.prefs->'remote_images' <> 'false', true)"
		       " FROM users u LEFT JOIN user_prefs x"
		       " ON x.user_id = u.id WHERE u.id = $1::bigint", 1,
		       params);
	if (res == NULL || db_ntuples(res) != 1)
		return;
	if (str_to_uint(db_value(res, 0, 0), &n) == 0)
		p->size = n;
	p->threads = strcmp(db_value(res, 0, 1), "t") == 0;
	p->plain = strcmp(db_value(res, 0, 2), "t") == 0;
	p->zone = db_value(res, 0, 3);
	p->date_format = db_value(res, 0, 4);
	p->preview = strcmp(db_value(res, 0, 5), "t") == 0;
	p->known_images = strcmp(db_value(res, 0, 6), "t") == 0;
}

/* choice - "t" or "f" for a query value that is on or off, else NULL */
static const char *choice(struct web_req *req, const char *name,
			  const char *on, const char *off)
{
	const char *v = form_get(&req->query, name);

	if (v != NULL && strcmp(v, on) == 0)
		return "t";
	if (v != NULL && strcmp(v, off) == 0)
		return "f";
	return NULL;
}

/* set_rows - Messages.* of the list */
static void set_rows(struct web_req *req, const struct wm_row *rows,
		     unsigned int n, const struct prefs *prefs)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct imapc_summary *m = rows[i].m;
		const char *pre = p_printf(req->pool, "Messages.%u.", i);

		set_fmt(req->hdf, p_printf(req->pool, "%sUid", pre),
			"%" PRIu32, m->uid);
		wcs_set(req->hdf, p_printf(req->pool, "%sSubject", pre),
			m->subject);
		wcs_set(req->hdf, p_printf(req->pool, "%sFrom", pre),
			*m->from_name != '\0' ? m->from_name : m->from_addr);
		wcs_set(req->hdf, p_printf(req->pool, "%sFromAddr", pre),
			m->from_addr);
		wcs_set(req->hdf, p_printf(req->pool, "%sTo", pre), m->to);
		wcs_set(req->hdf, p_printf(req->pool, "%sDate", pre),
			fmt_date(req->pool, prefs, m->date));
		wcs_set(req->hdf, p_printf(req->pool, "%sSize", pre),
			human_size(req->pool, m->size));
		wcs_set(req->hdf, p_printf(req->pool, "%sSeen", pre),
			m->seen ? "1" : "");
		wcs_set(req->hdf, p_printf(req->pool, "%sFlagged", pre),
			m->flagged ? "1" : "");
		wcs_set(req->hdf, p_printf(req->pool, "%sAnswered", pre),
			m->answered ? "1" : "");
		wcs_set(req->hdf, p_printf(req->pool, "%sAttach", pre),
			m->has_attachment ? "1" : "");
		/* indentation stops at a depth the page can show */
		wcs_set_int(req->hdf, p_printf(req->pool, "%sDepth", pre),
			    rows[i].depth < WM_DEPTH_SHOWN ? rows[i].depth :
			    WM_DEPTH_SHOWN);
		wcs_set_int(req->hdf, p_printf(req->pool, "%sThread", pre),
			    rows[i].thread_size);
		if (rows[i].folder == NULL)
			continue;
		wcs_set(req->hdf, p_printf(req->pool, "%sFolder", pre),
			rows[i].folder->raw);
		wcs_set(req->hdf, p_printf(req->pool, "%sFolderEncoded", pre),
			url_encode(req->pool, rows[i].folder->raw));
		wcs_set(req->hdf, p_printf(req->pool, "%sFolderName", pre),
			rows[i].folder->name);
		wcs_set(req->hdf, p_printf(req->pool, "%sFolderSpecial", pre),
			special_name[rows[i].folder->special]);
	}
}

/* ---- the list ------------------------------------------------------------ */

int wm_page_mail(struct web_req *req)
{
	const char *f = form_get(&req->query, "f"), *error;
	const char *sort = form_get(&req->query, "sort");
	const char *q = form_get(&req->query, "q");
	const char *in = form_get(&req->query, "in");
	unsigned int page = query_uint(req, "page", 1);
	enum imapc_sort_key key = list_key(req);
	bool all = form_get(&req->query, "all") != NULL, threads;
	struct imapc_folder *folders;
	const struct imapc_folder *cur;
	struct imapc_summary *sum;
	struct wm_row *rows;
	struct prefs prefs;
	unsigned int nf, nuids, nrows, pages, size, total;
	uint32_t *uids, exists;
	struct imapc *c;
	const char *search, *extra, *form_error = NULL;
	int status = 200, ret;
	bool reverse;

	if (f == NULL || *f == '\0')
		f = "INBOX";
	if (sort == NULL || key == IMAPC_SORT_DATE)
		sort = "date";
	reverse = list_reverse(req);
	prefs_get(req, query_uint(req, "n", 0),
		  choice(req, "view", "threads", "list"), NULL, &prefs);
	size = prefs.size;
	/* a search in every folder is a list of messages */
	threads = prefs.threads && !all;
	if (q != NULL && strlen(q) > WM_QUERY_MAX)
		return web_fail(req, 400, "bad_request");
	search = criteria(req, &form_error, &extra);
	if (search == NULL) {
		/* shown on the page, with the folder as it is */
		search = "ALL";
		extra = "";
		all = false;
		threads = prefs.threads;
		status = 422;
	}
	if (threads)
		sort = "date";	/* conversations: by the newest message */

	c = wm_connect_with_folders(req, &folders, &nf);
	if (c == NULL)
		return 0;
	cur = wm_find_folder(folders, nf, f);
	if (cur == NULL || cur->noselect) {
		imapc_release(&c);
		return web_fail(req, 404, "not_found");
	}
	if (all) {
		ret = wm_search_all(c, req->pool, folders, nf, search, key,
				    reverse, &page, size, &rows, &nrows,
				    &total, &error);
	} else if (imapc_select(c, f, &exists, &error) < 0) {
		ret = -1;
	} else if (threads) {
		ret = wm_thread_page(c, req->pool, search, reverse, &page,
				     size, &rows, &nrows, &total, &error);
	} else if ((ret = imapc_sort(c, req->pool, key, reverse, search,
				     &uids, &nuids, &error)) == 0) {
		unsigned int first;

		wcs_pages(nuids, size, &page);
		first = (page - 1) * size;
		total = nuids;
		ret = imapc_summaries(c, req->pool, uids + first,
				      nuids - first < size ? nuids - first :
				      size, &sum, &nrows, &error);
		if (ret == 0) {
			rows = p_new(req->pool, struct wm_row, nrows + 1);
			for (unsigned int i = 0; i < nrows; i++)
				rows[i].m = &sum[i];
		}
	}
	imapc_release(&c);
	if (ret < 0)
		return imap_unavailable(req, error);
	pages = wcs_pages(total, size, &page);

	set_folders(req, folders, nf, f);
	wcs_set(req->hdf, "List.Folder", f);
	wcs_set(req->hdf, "List.FolderEncoded", url_encode(req->pool, f));
	wcs_set(req->hdf, "List.FolderName", cur->name);
	wcs_set(req->hdf, "List.Special", special_name[cur->special]);
	wcs_set(req->hdf, "List.Sort", sort);
	wcs_set(req->hdf, "List.Order", reverse ? "desc" : "asc");
	wcs_set(req->hdf, "List.Q", q != NULL ? q : "");
	wcs_set(req->hdf, "List.QEncoded", url_encode(req->pool,
						       q != NULL ? q : ""));
	wcs_set(req->hdf, "List.In", in != NULL ? in : "all");
	wcs_set(req->hdf, "List.Threads", threads ? "1" : "");
	wcs_set(req->hdf, "List.All", all ? "1" : "");
	wcs_set_int(req->hdf, "List.Size", size);
	wcs_set_pages(req->hdf, page, pages, total);
	set_rows(req, rows, nrows, &prefs);
	wcs_set(req->hdf, "List.Preview", prefs.preview ? "1" : "");
	wcs_set(req->hdf, "List.Extra", extra);
	if (form_error != NULL)
		wcs_set(req->hdf, "Page.FormError", form_error);
	{
		/* what the compose page did before it sent us here */
		static const char *const done_keys[] = {
			"sent", "sent_nocopy", "discarded", "saved", NULL
		};
		const char *done = form_get(&req->query, "done");

		for (unsigned int i = 0; done != NULL && done_keys[i] != NULL;
		     i++)
			if (strcmp(done, done_keys[i]) == 0)
				wcs_set(req->hdf, "List.Done", done);
	}
	for (const struct form_field *fl = req->query.first; fl != NULL;
	     fl = fl->next)
		if (strncmp(fl->name, "a_", 2) == 0 ||
		    strcmp(fl->name, "since") == 0 ||
		    strcmp(fl->name, "before") == 0 ||
		    strcmp(fl->name, "min_kb") == 0 ||
		    strcmp(fl->name, "max_kb") == 0 ||
		    strcmp(fl->name, "unread") == 0 ||
		    strcmp(fl->name, "flagged") == 0 ||
		    strcmp(fl->name, "attach") == 0)
			wcs_set(req->hdf, p_printf(req->pool, "Adv.%s",
						   fl->name), fl->value);
	return web_render(req, status, "mail.cs");
}

/* ---- one message ---------------------------------------------------------- */

/* open_message - select f, fetch uid and parse it (*seen_r: whether it
 * was \Seen, when not NULL); 1 found, 0 not found (the response is
 * made), -1 failed (the response is made) */
static int open_message(struct web_req *req, struct imapc **c_r,
			const char **f_r, uint32_t *uid_r,
			struct wm_message *msg, const char **raw_r,
			size_t *raw_len_r, bool *seen_r)
{
	const char *f = form_get(&req->query, "f");
	const char *u = form_get(&req->query, "uid");
	const char *error, *data;
	uint32_t exists;
	unsigned int uid;
	size_t len;
	struct imapc *c;

	if (f == NULL || *f == '\0' || u == NULL || str_to_uint(u, &uid) < 0 ||
	    uid == 0) {
		web_fail(req, 404, "not_found");
		return 0;
	}
	c = imapc_acquire(user_of(req), &error);
	if (c == NULL) {
		imap_unavailable(req, error);
		return -1;
	}
	if (imapc_select(c, f, &exists, &error) < 0) {
		bool lost = imapc_lost(c);

		imapc_release(&c);
		if (lost) {
			imap_unavailable(req, error);
			return -1;
		}
		/* no such folder for this user */
		log_info("event=webmail_select_refused user=%s error=%s",
			 log_quote(user_of(req)), log_quote(error));
		web_fail(req, 404, "not_found");
		return 0;
	}
	if (imapc_fetch_message(c, req->pool, uid, &data, &len, seen_r,
				&error) < 0) {
		imapc_release(&c);
		imap_unavailable(req, error);
		return -1;
	}
	if (data == NULL || wm_message_parse(req->pool, data, len, msg) < 0) {
		imapc_release(&c);
		web_fail(req, 404, "not_found");
		return 0;
	}
	*c_r = c;
	*f_r = f;
	*uid_r = uid;
	if (raw_r != NULL) {
		*raw_r = data;
		*raw_len_r = len;
	}
	return 1;
}

/* images_sender - whether the user wants every remote image of sender:
 * 1 yes, 0 no, -1 the database failed (then: no) */
static int images_sender(struct web_req *req, const char *sender)
{
	char user[32];
	const char *params[2] = { user, sender };
	PGresult *res;

	if (sender == NULL || strchr(sender, '@') == NULL)
		return 0;
	snprintf(user, sizeof(user), "%" PRId64, req->session->principal.id);
	res = db_query(req->pool, "SELECT 1 FROM remote_image_senders WHERE"
		       " user_id = $1::bigint AND sender = lower($2)", 2,
		       params);
	if (res == NULL) {
		log_warn("event=webmail_images_sender_failed error=%s",
			 log_quote(db_error()));
		return -1;
	}
	return db_ntuples(res) > 0;
}

int wm_page_read(struct web_req *req)
{
	struct wm_message msg;
	struct prefs prefs;
	struct imapc *c;
	const char *f, *error;
	uint32_t uid, *order;
	unsigned int shown = 0, norder;
	bool plain, trusted, seen;

	if (open_message(req, &c, &f, &uid, &msg, NULL, NULL, &seen) <= 0)
		return 0;
	if (!seen && imapc_store_flag(c, &uid, 1, "\\Seen", true, &error) < 0)
		log_warn("event=webmail_seen_failed user=%s error=%s",
			 log_quote(user_of(req)), log_quote(error));
	/* previous and next in the list's order (newest first unless the
	   list said otherwise) */
	if (imapc_sort(c, req->pool, list_key(req), list_reverse(req), "ALL",
		       &order, &norder, &error) == 0) {
		for (unsigned int i = 0; i < norder; i++) {
			if (order[i] != uid)
				continue;
			if (i > 0)
				set_fmt(req->hdf, "Msg.Prev", "%" PRIu32,
					order[i - 1]);
			if (i + 1 < norder)
				set_fmt(req->hdf, "Msg.Next", "%" PRIu32,
					order[i + 1]);
		}
	}
	imapc_release(&c);
	wcs_set(req->hdf, "Msg.Csrf", req->session->csrf);
	{
		const char *done = form_get(&req->query, "done");

		if (done != NULL && (strcmp(done, "contact") == 0 ||
				     strcmp(done, "block") == 0 ||
				     strcmp(done, "images") == 0))
			wcs_set(req->hdf, "Msg.Done", done);
	}
	/* plain text or HTML: the one asked for becomes the default */
	prefs_get(req, 0, NULL, choice(req, "view", "text", "html"), &prefs);
	plain = msg.text != NULL && (msg.html == NULL || prefs.plain);
	wcs_set(req->hdf, "Msg.Alternative", msg.text != NULL &&
		msg.html != NULL ? "1" : "");
	wcs_set(req->hdf, "Msg.Plain", plain ? "1" : "");
	/* remote images: asked for this message, or always for its sender */
	trusted = msg.html != NULL && !plain && prefs.known_images &&
		images_sender(req, msg.from_addr) > 0;
	wcs_set(req->hdf, "Msg.Images", trusted ||
		form_get(&req->query, "images") != NULL ? "1" : "");
	wcs_set(req->hdf, "Msg.ImagesSender", trusted ? "1" : "");

	req->csp = WM_READ_CSP;
	wcs_set(req->hdf, "Msg.Folder", f);
	wcs_set(req->hdf, "Msg.FolderEncoded", url_encode(req->pool, f));
	set_fmt(req->hdf, "Msg.Uid", "%" PRIu32, uid);
	wcs_set(req->hdf, "Msg.Subject", msg.subject);
	wcs_set(req->hdf, "Msg.From", msg.from);
	wcs_set(req->hdf, "Msg.FromAddr", msg.from_addr);
	wcs_set(req->hdf, "Msg.To", msg.to);
	wcs_set(req->hdf, "Msg.Cc", msg.cc);
	wcs_set(req->hdf, "Msg.Date", fmt_date(req->pool, &prefs, msg.date));
	wcs_set(req->hdf, "Msg.Html", msg.html != NULL && !plain ? "1" : "");
	wcs_set(req->hdf, "Msg.FromOk", strchr(msg.from_addr, '@') != NULL &&
		strlen(msg.from_addr) <= WM_SENDER_MAX ? "1" : "");
	/* our own escaping and markup only (message.c), hence uvar: */
	wcs_set(req->hdf, "Msg.TextHtml", wm_text_html(req->pool,
		msg.text != NULL ? msg.text : "",
		hdf_get_value(req->hdf, "Lang.mail.quoted", "...")));
	for (unsigned int i = 0; i < msg.nparts; i++) {
		const struct wm_part *p = &msg.parts[i];
		const char *pre;

		if (!p->attachment)
			continue;
		pre = p_printf(req->pool, "Msg.Parts.%u.", shown++);
		set_fmt(req->hdf, p_printf(req->pool, "%sNo", pre), "%u",
			p->no);
		wcs_set(req->hdf, p_printf(req->pool, "%sName", pre),
			*p->filename != '\0' ? p->filename : p->type);
		wcs_set(req->hdf, p_printf(req->pool, "%sType", pre), p->type);
		wcs_set(req->hdf, p_printf(req->pool, "%sSize", pre),
			human_size(req->pool, p->size));
	}
	return web_render(req, 200, "read.cs");
}

struct cid_ctx {
	struct web_req *req;
	const struct wm_message *msg;
	const char *f;
	uint32_t uid;
};

/* cid_url - the image whose Content-ID is cid, as a data: URL (the body's
 * frame is sandboxed into an origin of its own, which gets no session
 * cookie, so it could not fetch /mail/part); only PNG, GIF and JPEG up to
 * WM_CID_MAX octets */
static const char *cid_url(void *ctx, struct pool *pool, const char *cid)
{
	struct cid_ctx *cc = ctx;
	char *id;
	size_t id_len;

	if (url_decode(pool, cid, strlen(cid), false, &id, &id_len) < 0)
		return NULL;
	for (unsigned int i = 0; i < cc->msg->nparts; i++) {
		const struct wm_part *p = &cc->msg->parts[i];
		gchar *b64;
		const char *url;

		if (p->content_id == NULL || strcmp(p->content_id, id) != 0)
			continue;
		if (p->size > WM_CID_MAX ||
		    (strcmp(p->type, "image/png") != 0 &&
		     strcmp(p->type, "image/gif") != 0 &&
		     strcmp(p->type, "image/jpeg") != 0))
			return NULL;
		b64 = g_base64_encode((const guchar *)p->data, p->size);
		url = p_printf(pool, "data:%s;base64,%s", p->type, b64);
		g_free(b64);
		return url;
	}
	return NULL;
}

int wm_page_body(struct web_req *req)
{
	struct html_sanitize_opts opts = { 0 };
	struct html_sanitize_result result;
	struct wm_message msg;
	struct cid_ctx cc;
	struct imapc *c;
	const char *f, *error;
	uint32_t uid;
	struct buf *out = buf_new_pool(req->pool, 0);

	if (open_message(req, &c, &f, &uid, &msg, NULL, NULL, NULL) <= 0)
		return 0;
	imapc_release(&c);
	/* remote images only when the user asked, for this message */
	opts.allow_remote_images = form_get(&req->query, "images") != NULL;
	req->csp = opts.allow_remote_images ? WM_BODY_CSP_IMAGES : WM_BODY_CSP;
	req->frame_same_origin = true;
	cc.req = req;
	cc.msg = &msg;
	cc.f = f;
	cc.uid = uid;
	opts.cid_url = cid_url;
	opts.cid_ctx = &cc;
	buf_adds(out, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
		 "<base target=\"_blank\"></head><body>");
	if (msg.html != NULL &&
	    html_sanitize(req->pool, msg.html, msg.html_len, &opts, out,
			  &result, &error) < 0)
		log_warn("event=webmail_html_refused user=%s error=%s",
			 log_quote(user_of(req)), log_quote(error));
	buf_adds(out, "</body></html>");
	req->status = 200;
	req->content_type = "text/html; charset=utf-8";
	if (buf_append(req->body, out->data, out->len) < 0)
		return web_fail(req, 500, "internal");
	return 0;
}

/* disposition - RFC 6266 with an RFC 5987 filename* for non-ASCII names
 * and a plain ASCII fallback */
static const char *disposition(struct pool *pool, const char *kind,
			       const char *name)
{
	struct buf *ascii = buf_new_pool(pool, 0);

	for (const char *p = name; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		buf_addc(ascii, ch >= 0x20 && ch < 0x7f && ch != '"' &&
			 ch != '\\' && ch != '%' ? (char)ch : '_');
	}
	if (ascii->len == 0)
		buf_adds(ascii, "attachment");
	return p_printf(pool, "%s; filename=\"%s\"; filename*=UTF-8''%s",
			kind, ascii->data, url_encode(pool, name));
}

int wm_page_part(struct web_req *req)
{
	struct wm_message msg;
	struct imapc *c;
	const char *f, *n = form_get(&req->query, "part"), *raw;
	const char *inl = form_get(&req->query, "inline");
	const struct wm_part *p = NULL;
	unsigned int no;
	uint32_t uid;
	size_t raw_len;

	if (n == NULL || str_to_uint(n, &no) < 0)
		return web_fail(req, 404, "not_found");
	if (open_message(req, &c, &f, &uid, &msg, &raw, &raw_len, NULL) <= 0)
		return 0;
	imapc_release(&c);
	for (unsigned int i = 0; i < msg.nparts; i++)
		if (msg.parts[i].no == no)
			p = &msg.parts[i];
	if (p == NULL)
		return web_fail(req, 404, "not_found");
	req->status = 200;
	if (inl != NULL && (strcmp(p->type, "image/png") == 0 ||
			    strcmp(p->type, "image/gif") == 0 ||
			    strcmp(p->type, "image/jpeg") == 0 ||
			    strcmp(p->type, "image/webp") == 0)) {
		req->content_type = p->type;
		web_header_add(req, "Content-Disposition",
			       disposition(req->pool, "inline",
					   *p->filename ? p->filename :
					   "image"));
	} else {
		/* never rendered by the browser as ours: a download */
		req->content_type = strncmp(p->type, "text/", 5) == 0 ?
			"text/plain; charset=utf-8" : "application/octet-stream";
		if (strcmp(p->type, "message/rfc822") == 0)
			req->content_type = "message/rfc822";
		web_header_add(req, "Content-Disposition",
			       disposition(req->pool, "attachment",
					   *p->filename ? p->filename :
					   "attachment"));
	}
	req->csp = "default-src 'none'; sandbox";
	if (buf_append(req->body, p->data, p->size) < 0)
		return web_fail(req, 413, "too_large");
	return 0;
}

/* ---- actions ------------------------------------------------------------- */

/* confirm_page - "really?" for emptying a folder or deleting for good,
 * with a form that posts the same action again, confirmed */
static int confirm_page(struct web_req *req, const struct imapc_folder *cur,
			const char *op, const uint32_t *uids, unsigned int n)
{
	wcs_set(req->hdf, "Confirm.Op", op);
	wcs_set(req->hdf, "Confirm.Folder", cur->raw);
	wcs_set(req->hdf, "Confirm.FolderEncoded",
		url_encode(req->pool, cur->raw));
	wcs_set(req->hdf, "Confirm.Special", special_name[cur->special]);
	wcs_set(req->hdf, "Confirm.Name", cur->name);
	wcs_set_int(req->hdf, "Confirm.Count",
		    strcmp(op, "empty") == 0 ? cur->messages : n);
	for (unsigned int i = 0; i < n; i++)
		set_fmt(req->hdf, p_printf(req->pool, "Confirm.Uids.%u", i),
			"%" PRIu32, uids[i]);
	return web_render(req, 200, "confirm.cs");
}

int wm_action_mail(struct web_req *req)
{
	const char *f = form_get(&req->post, "f");
	const char *op = form_get(&req->post, "op");
	const char *to = form_get(&req->post, "to");
	const char *error = NULL;
	uint32_t *uids = p_alloc(req->pool, WM_UIDS_MAX * sizeof(*uids));
	unsigned int n = 0, nf;
	struct imapc_folder *folders;
	const struct imapc_folder *trash = NULL, *cur;
	struct imapc *c;
	uint32_t exists;
	int ret = 0;

	for (const struct form_field *fl = req->post.first; fl != NULL;
	     fl = fl->next) {
		unsigned int u;

		if (strcmp(fl->name, "uid") != 0)
			continue;
		if (str_to_uint(fl->value, &u) < 0 || u == 0 ||
		    n == WM_UIDS_MAX)
			return web_fail(req, 400, "bad_request");
		uids[n++] = u;
	}
	if (f == NULL || op == NULL)
		return web_fail(req, 400, "bad_request");
	c = wm_connect_with_folders(req, &folders, &nf);
	if (c == NULL)
		return 0;
	cur = wm_find_folder(folders, nf, f);
	if (cur == NULL ||
	    (to != NULL && *to != '\0' && wm_find_folder(folders, nf, to) ==
	     NULL)) {
		imapc_release(&c);
		return web_fail(req, 404, "not_found");
	}
	if (strcmp(op, "empty") == 0 && cur->special != IMAPC_TRASH &&
	    cur->special != IMAPC_JUNK) {
		imapc_release(&c);
		return web_fail(req, 400, "bad_request");
	}
	/* what cannot be undone is asked once more */
	if ((strcmp(op, "empty") == 0 || (strcmp(op, "purge") == 0 && n > 0))
	    && form_get(&req->post, "confirm") == NULL) {
		imapc_release(&c);
		return confirm_page(req, cur, op, uids, n);
	}
	for (unsigned int i = 0; i < nf; i++)
		if (folders[i].special == IMAPC_TRASH)
			trash = &folders[i];
	if (imapc_select(c, f, &exists, &error) < 0) {
		imapc_release(&c);
		return imap_unavailable(req, error);
	}
	if (strcmp(op, "empty") == 0) {
		uint32_t *all;
		unsigned int nall;

		ret = imapc_sort(c, req->pool, IMAPC_SORT_ARRIVAL, false,
				 "ALL", &all, &nall, &error);
		if (ret == 0 && nall > 0)
			ret = imapc_store_flag(c, all, nall, "\\Deleted", true,
					       &error) < 0 ? -1 :
				imapc_expunge(c, all, nall, &error);
	} else if (n == 0)
		;	/* nothing selected: back to the list */
	else if (strcmp(op, "read") == 0 || strcmp(op, "unread") == 0)
		ret = imapc_store_flag(c, uids, n, "\\Seen",
				       strcmp(op, "read") == 0, &error);
	else if (strcmp(op, "flag") == 0 || strcmp(op, "unflag") == 0)
		ret = imapc_store_flag(c, uids, n, "\\Flagged",
				       strcmp(op, "flag") == 0, &error);
	else if (strcmp(op, "move") == 0 && to != NULL && *to != '\0')
		ret = imapc_move(c, uids, n, to, &error);
	else if (strcmp(op, "delete") == 0 && trash != NULL &&
		 strcmp(trash->raw, f) != 0)
		ret = imapc_move(c, uids, n, trash->raw, &error);
	else if (strcmp(op, "delete") == 0 || strcmp(op, "purge") == 0)
		ret = imapc_store_flag(c, uids, n, "\\Deleted", true,
				       &error) < 0 ? -1 :
			imapc_expunge(c, uids, n, &error);
	else {
		imapc_release(&c);
		return web_fail(req, 400, "bad_request");
	}
	imapc_release(&c);
	if (ret < 0)
		return imap_unavailable(req, error);
	return web_redirect(req, p_printf(req->pool, "/mail?f=%s",
					  url_encode(req->pool, f)));
}

/* ---- the sender: address book, block list --------------------------------- */

/* posted_sender - the sender of the message the POST's f and uid name,
 * read from the message; NULL when the response is made (400 for a bad
 * form, 404 for no such message or one without a sender address, 503
 * when the mail server is unavailable) */
static const struct imapc_summary *posted_sender(struct web_req *req,
						 bool form_ok,
						 unsigned int *uid_r)
{
	const char *f = form_get(&req->post, "f");
	const char *u = form_get(&req->post, "uid");
	struct imapc_summary *sum;
	const char *error;
	unsigned int uid, n;
	uint32_t exists, id;
	struct imapc *c;

	if (!form_ok || f == NULL || u == NULL || str_to_uint(u, &uid) < 0 ||
	    uid == 0) {
		web_fail(req, 400, "bad_request");
		return NULL;
	}
	c = imapc_acquire(user_of(req), &error);
	if (c == NULL) {
		imap_unavailable(req, error);
		return NULL;
	}
	id = uid;
	if (imapc_select(c, f, &exists, &error) < 0 ||
	    imapc_summaries(c, req->pool, &id, 1, &sum, &n, &error) < 0 ||
	    n != 1 || strchr(sum[0].from_addr, '@') == NULL) {
		bool lost = imapc_lost(c);

		imapc_release(&c);
		if (lost)
			imap_unavailable(req, error);
		else
			web_fail(req, 404, "not_found");
		return NULL;
	}
	imapc_release(&c);
	*uid_r = uid;
	return &sum[0];
}

/* wm_action_sender - POST f, uid, op=contact|block: the message's sender
 * (read from the message, not from the form) goes into the user's
 * address book or block list; then back to the message */
int wm_action_sender(struct web_req *req)
{
	const char *f = form_get(&req->post, "f");
	const char *op = form_get(&req->post, "op");
	const struct imapc_summary *sum;
	const char *params[3];
	unsigned int uid;
	char user[32];
	PGresult *res;

	sum = posted_sender(req, op != NULL && (strcmp(op, "contact") == 0 ||
						strcmp(op, "block") == 0),
			    &uid);
	if (sum == NULL)
		return 0;
	snprintf(user, sizeof(user), "%" PRId64, req->session->principal.id);
	params[0] = user;
	params[1] = sum->from_addr;
	params[2] = sum->from_name;
	if (strcmp(op, "contact") == 0)
		res = db_query(req->pool,
			"INSERT INTO contacts (user_id, name, emails)"
			" SELECT $1::bigint, $3, ARRAY[lower($2)]"
			" WHERE NOT EXISTS (SELECT 1 FROM contacts WHERE"
			"  user_id = $1::bigint AND lower($2) = ANY(emails))",
			3, params);
	else
		res = db_query(req->pool,
			"INSERT INTO block_list (user_id, pattern)"
			" VALUES ($1::bigint, lower($2))"
			" ON CONFLICT (user_id, pattern) DO NOTHING", 2, params);
	if (res == NULL) {
		log_error("event=webmail_sender_failed op=%s error=%s", op,
			  log_quote(db_error()));
		return web_fail(req, 503, "unavailable");
	}
	log_info("event=webmail_sender op=%s user=%s sender=%s", op,
		 log_quote(user_of(req)), log_quote(sum->from_addr));
	return web_redirect(req, p_printf(req->pool,
		"/mail/read?f=%s&uid=%u&done=%s", url_encode(req->pool, f), uid,
		op));
}

/* ---- remote images of a sender ------------------------------------------ */

/* wm_action_images - POST f, uid: the remote images of every message from
 * this message's sender (read from the message, not from the form) are
 * loaded from now on; then back to the message, its images shown */
int wm_action_images(struct web_req *req)
{
	const char *f = form_get(&req->post, "f");
	const struct imapc_summary *sum;
	const char *params[2];
	unsigned int uid;
	char user[32];

	sum = posted_sender(req, true, &uid);
	if (sum == NULL)
		return 0;
	if (strlen(sum->from_addr) > WM_SENDER_MAX)
		return web_fail(req, 400, "bad_request");
	snprintf(user, sizeof(user), "%" PRId64, req->session->principal.id);
	params[0] = user;
	params[1] = sum->from_addr;
	if (db_query(req->pool, "INSERT INTO remote_image_senders"
		     " (user_id, sender) VALUES ($1::bigint, lower($2))"
		     " ON CONFLICT (user_id, sender) DO NOTHING", 2,
		     params) == NULL) {
		log_error("event=webmail_images_sender_failed error=%s",
			  log_quote(db_error()));
		return web_fail(req, 503, "unavailable");
	}
	log_info("event=webmail_images_sender user=%s sender=%s",
		 log_quote(user_of(req)), log_quote(sum->from_addr));
	return web_redirect(req, p_printf(req->pool,
		"/mail/read?f=%s&uid=%u&done=images", url_encode(req->pool, f),
		uid));
}
