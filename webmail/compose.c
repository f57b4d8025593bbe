/*
 * compose.c - writing mail: new, reply, reply to all, forward, drafts.
 *
 *   GET  /mail/compose                      a new message (to= fills To)
 *   GET  /mail/compose?reply=UID&folder=F   [&all=1] an answer
 *   GET  /mail/compose?forward=UID&folder=F the message forwarded inline,
 *                                           its attachments kept
 *   GET  /mail/compose?draft=UID            a saved draft, to go on with
 *   POST /mail/compose                      op=send|save|discard
 *
 * The form carries the state between requests in hidden fields: the
 * message ids to answer (irt, refs, checked again when the message is
 * built), the message answered or forwarded (ref = "kind:uid:folder"; it
 * gets \Answered or $Forwarded once sent), the message whose
 * attachments are carried over (src_f, src_uid; keep = the part numbers
 * still wanted) and the draft the next save or the sending replaces
 * (draft). Carried attachments are read again from the server, never
 * from the form.
 *
 * Nothing typed is lost: a refused recipient, a message too large or a
 * server that is down shows the form again with every field as it was
 * and the reason. New uploads cannot be put back into a file input, so
 * when sending fails with uploads in hand the message is first saved as
 * a draft and the form goes on from that draft.
 *
 * Mail leaves only by SMTP submission to mailhived (smtpc.c) as the
 * user; the copy in Sent and the draft are APPENDed over IMAP.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compose-mime.h"
#include "schedule.h"
#include "db.h"
#include "imapc.h"
#include "log.h"
#include "mail.h"
#include "message.h"
#include "pool.h"
#include "smtpc.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define WM_SUBJECT_MAX 998
#define WM_BODY_MAX (4 * 1024 * 1024)
#define WM_IDENTITIES_MAX 100
#define WM_TO_MAX 20000	/* bytes of a to= prefill (a group) */
#define WM_SIGNATURE_MAX 2000	/* characters */
#define WM_ATTACH_MAX 100	/* attachments of one message */
#define N_RCPTS(p) (sizeof((p)->all_rcpts) / sizeof((p)->all_rcpts[0]))

/* the form as posted (or as prefilled for a GET) */
struct compose {
	const char *from, *to, *cc, *bcc, *subject, *body;
	const char *irt, *refs;		/* In-Reply-To, References */
	const char *ref;		/* "answered:UID:F", "forwarded:UID:F" */
	const char *src_f;		/* attachments carried from here */
	uint32_t src_uid;
	uint32_t draft;			/* the draft this replaces, 0 none */
	unsigned int *keep;		/* carried part numbers still wanted */
	unsigned int nkeep;
	bool whole;			/* the source itself goes along as a
					   message/rfc822 attachment */
};

struct identity {
	const char *addr, *name;
};

static const char *user_of(struct web_req *req)
{
	return req->session->principal.login;
}

static const char *lang(struct web_req *req, const char *key,
			const char *fallback)
{
	return hdf_get_value(req->hdf, p_printf(req->pool, "Lang.compose.%s",
				key), fallback);
}

static uint32_t uint_arg(const char *s)
{
	unsigned int v;

	return s != NULL && str_to_uint(s, &v) == 0 ? v : 0;
}

/* identities - the addresses the user may send from: their own first,
 * then the aliases that deliver to them; NULL on a database error */
static struct identity *identities(struct web_req *req, unsigned int *n_r)
{
	const char *params[1];
	struct identity *ids;
	char user[32];
	PGresult *res;
	int i, rows;

	snprintf(user, sizeof(user), "%" PRId64, req->session->principal.id);
	params[0] = user;
	res = db_query(req->pool,
		"SELECT address, display_name, 0 AS o FROM users"
		" WHERE id = $1::bigint"
		" UNION ALL SELECT a.address, u.display_name, 1 FROM aliases a"
		"  JOIN users u ON u.id = a.target_user_id"
		"  WHERE a.target_user_id = $1::bigint AND a.kind = 'alias'"
		" ORDER BY 3, 1 LIMIT 100", 1, params);
	if (res == NULL) {
		log_error("event=webmail_identities_failed user=%s error=%s",
			  log_quote(user_of(req)), log_quote(db_error()));
		return NULL;
	}
	rows = PQntuples(res);
	ids = p_new(req->pool, struct identity, rows > 0 ? rows : 1);
	for (i = 0; i < rows; i++) {
		ids[i].addr = p_strdup(req->pool, PQgetvalue(res, i, 0));
		ids[i].name = p_strdup(req->pool, PQgetvalue(res, i, 1));
	}
	*n_r = (unsigned int)rows;
	return ids;
}

static const struct identity *find_identity(const struct identity *ids,
					    unsigned int n, const char *addr)
{
	for (unsigned int i = 0; addr != NULL && i < n; i++)
		if (strcasecmp(ids[i].addr, addr) == 0)
			return &ids[i];
	return NULL;
}

/* signature - the user's signature, "" when none or on a database
 * error (a message is not refused for want of it) */
static const char *signature(struct web_req *req)
{
	const char *params[1];
	char user[32];
	PGresult *res;

	snprintf(user, sizeof(user), "%" PRId64, req->session->principal.id);
	params[0] = user;
	res = db_query(req->pool, "SELECT signature FROM user_prefs"
		       " WHERE user_id = $1::bigint", 1, params);
	if (res == NULL || PQntuples(res) != 1)
		return "";
	return p_strdup(req->pool, PQgetvalue(res, 0, 0));
}

/* with_signature - text with the signature block ("-- " line, RFC 3676)
 * where the user writes: under the new text, above a quote */
static const char *with_signature(struct web_req *req, const char *text)
{
	const char *sig = signature(req);

	if (sig[0] == '\0')
		return text;
	return p_printf(req->pool, "\n\n-- \n%s%s", sig,
			text != NULL ? text : "");
}

/* ---- reading the original ---------------------------------------------- */

/* fetch_raw_parsed - message uid of folder raw, parsed, and its bytes
 * (data_r, len_r may be NULL); 1 found, 0 not there, -1 the server
 * failed (*error_r) */
static int fetch_raw_parsed(struct web_req *req, struct imapc *c,
			    const char *raw, uint32_t uid,
			    struct wm_message *msg, const char **data_r,
			    size_t *len_r, const char **error_r)
{
	const char *data;
	size_t len;
	uint32_t exists;

	if (imapc_select(c, raw, &exists, error_r) < 0)
		return imapc_lost(c) ? -1 : 0;
	if (imapc_fetch_message(c, req->pool, uid, &data, &len, NULL,
				error_r) < 0)
		return -1;
	if (data == NULL)
		return 0;
	if (data_r != NULL) {
		*data_r = data;
		*len_r = len;
	}
	return wm_message_parse(req->pool, data, len, msg) < 0 ? 0 : 1;
}

/* fetch_parsed - fetch_raw_parsed() without the bytes */
static int fetch_parsed(struct web_req *req, struct imapc *c,
			const char *raw, uint32_t uid, struct wm_message *msg,
			const char **error_r)
{
	return fetch_raw_parsed(req, c, raw, uid, msg, NULL, NULL, error_r);
}

/* lf_only - text with CRLF as LF (what a textarea sends) */
static const char *lf_only(struct pool *pool, const char *text)
{
	char *out = p_strdup(pool, text), *o = out;

	for (const char *p = out; *p != '\0'; p++)
		if (!(*p == '\r' && p[1] == '\n'))
			*o++ = *p;
	*o = '\0';
	return out;
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

static const char *when(struct pool *pool, time_t t)
{
	struct tm tm;
	char buf[32];

	if (t == 0)
		return "";
	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
	return p_strdup(pool, buf);
}

/* quote - text with "> " before every line */
static const char *quote(struct pool *pool, const char *text)
{
	struct buf *out = buf_new_pool(pool, 0);
	const char *p = text != NULL ? text : "";

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");

		buf_adds(out, p[0] == '>' ? ">" : "> ");
		buf_addf(out, "%.*s", (int)(n > 0 && p[n - 1] == '\r' ? n - 1 : n), p);
		buf_addc(out, '\n');
		p += n;
		if (*p == '\n')
			p++;
	}
	return out->data != NULL ? out->data : "";
}

/* without_self - list minus the user's own addresses */
static const char *without_self(struct pool *pool, const char *list,
				const struct identity *ids, unsigned int nids,
				const char *also_minus)
{
	struct wm_address *a, *keep;
	unsigned int n, k = 0, i;
	const char *bad;

	if (wm_parse_addresses(pool, list, &a, &n, &bad) < 0 || n == 0)
		return "";
	keep = p_new(pool, struct wm_address, n);
	for (i = 0; i < n; i++) {
		if (find_identity(ids, nids, a[i].addr) != NULL ||
		    (also_minus != NULL &&
		     strcasecmp(a[i].addr, also_minus) == 0))
			continue;
		keep[k++] = a[i];
	}
	return wm_format_addresses(pool, keep, k);
}

/* prefill_reply - the form answering msg (uid in raw) */
static void prefill_reply(struct web_req *req, struct compose *cf,
			  const struct wm_message *msg, const char *raw,
			  uint32_t uid, bool all, const struct identity *ids,
			  unsigned int nids)
{
	struct pool *pool = req->pool;
	const char *to = msg->reply_to[0] != '\0' ? msg->reply_to : msg->from;
	const struct identity *mine;

	cf->to = to;
	if (all) {
		const char *first = NULL;
		struct wm_address *a;
		unsigned int n;
		const char *bad;

		if (wm_parse_addresses(pool, to, &a, &n, &bad) == 0 && n > 0)
			first = a[0].addr;
		cf->cc = without_self(pool, p_printf(pool, "%s, %s", msg->to,
					msg->cc), ids, nids, first);
	}
	/* answer from the address the message came to, when it is ours */
	mine = NULL;
	for (unsigned int i = 0; i < nids && mine == NULL; i++) {
		if (strcasestr(msg->to, ids[i].addr) != NULL ||
		    strcasestr(msg->cc, ids[i].addr) != NULL)
			mine = &ids[i];
	}
	if (mine != NULL)
		cf->from = mine->addr;
	cf->subject = wm_subject_prefix(pool, msg->subject, "Re: ");
	cf->body = p_printf(pool, "\n\n%s, %s %s\n%s", when(pool, msg->date),
			    msg->from, lang(req, "wrote", "wrote:"),
			    quote(pool, msg->text));
	if (msg->message_id[0] != '\0') {
		cf->irt = p_printf(pool, "<%s>", msg->message_id);
		cf->refs = p_printf(pool, "%s %s", wm_msgids(pool,
				    msg->references[0] != '\0' ?
				    msg->references : msg->in_reply_to, 19),
				    cf->irt);
	}
	cf->ref = p_printf(pool, "answered:%u:%s", uid, raw);
}

/* prefill_forward - the form forwarding msg inline, its attachments kept,
 * or (whole) the message itself attached */
static void prefill_forward(struct web_req *req, struct compose *cf,
			    const struct wm_message *msg, const char *raw,
			    uint32_t uid, bool whole)
{
	struct pool *pool = req->pool;
	unsigned int i;

	if (whole) {
		cf->subject = wm_subject_prefix(pool, msg->subject, "Fwd: ");
		cf->body = "";
		cf->ref = p_printf(pool, "forwarded:%u:%s", uid, raw);
		cf->src_f = raw;
		cf->src_uid = uid;
		cf->whole = true;
		return;
	}

	cf->subject = wm_subject_prefix(pool, msg->subject, "Fwd: ");
	cf->body = p_printf(pool,
		"\n\n-------- %s --------\n%s: %s\n%s: %s\n%s: %s\n%s: %s\n\n%s",
		lang(req, "forwarded", "Forwarded message"),
		lang(req, "h_from", "From"), msg->from,
		lang(req, "h_date", "Date"), when(pool, msg->date),
		lang(req, "h_subject", "Subject"), msg->subject,
		lang(req, "h_to", "To"), msg->to,
		msg->text != NULL ? msg->text : "");
	cf->ref = p_printf(pool, "forwarded:%u:%s", uid, raw);
	cf->src_f = raw;
	cf->src_uid = uid;
	cf->keep = p_new(pool, unsigned int, msg->nparts + 1);
	for (i = 0; i < msg->nparts; i++)
		if (msg->parts[i].attachment)
			cf->keep[cf->nkeep++] = msg->parts[i].no;
}

/* prefill_draft - the form of a saved draft */
static void prefill_draft(struct web_req *req, struct compose *cf,
			  const struct wm_message *msg, const char *raw,
			  uint32_t uid)
{
	unsigned int i;

	cf->from = msg->from_addr;
	cf->to = msg->to;
	cf->cc = msg->cc;
	cf->bcc = msg->bcc;
	cf->subject = msg->subject;
	cf->body = msg->text != NULL ? msg->text : "";
	cf->irt = msg->in_reply_to;
	cf->refs = msg->references;
	cf->ref = msg->compose_ref;
	cf->draft = uid;
	cf->src_f = raw;
	cf->src_uid = uid;
	cf->keep = p_new(req->pool, unsigned int, msg->nparts + 1);
	for (i = 0; i < msg->nparts; i++)
		if (msg->parts[i].attachment)
			cf->keep[cf->nkeep++] = msg->parts[i].no;
}

/* ---- the page ----------------------------------------------------------- */

static bool kept(const struct compose *cf, unsigned int no)
{
	for (unsigned int i = 0; i < cf->nkeep; i++)
		if (cf->keep[i] == no)
			return true;
	return false;
}

/* whole_name - the file name of a message forwarded as an attachment */
static const char *whole_name(struct pool *pool, const struct wm_message *m)
{
	const char *subject = m->subject != NULL && m->subject[0] != '\0' ?
		m->subject : "message";
	char *name = p_printf(pool, "%.100s.eml", subject), *p;

	for (p = name; *p != '\0'; p++)
		if (strchr("/\\:*?\"<>|", *p) != NULL || (unsigned char)*p < ' ')
			*p = '_';
	return name;
}

/* show - the compose form; error is a Lang.compose key or NULL, detail
 * what it is about (an address, the server's reply) */
static int show(struct web_req *req, const struct compose *cf,
		const struct identity *ids, unsigned int nids,
		const struct wm_message *src, const char *error,
		const char *detail, int status)
{
	HDF *hdf = req->hdf;
	unsigned int i, k = 0;

	wcs_set(hdf, "Compose.To", cf->to);
	wcs_set(hdf, "Compose.Cc", cf->cc);
	wcs_set(hdf, "Compose.Bcc", cf->bcc);
	wcs_set(hdf, "Compose.Subject", cf->subject);
	wcs_set(hdf, "Compose.Body", cf->body);
	wcs_set(hdf, "Compose.Irt", cf->irt);
	wcs_set(hdf, "Compose.SendAt", form_get(&req->post, "send_at"));
	wcs_set(hdf, "Compose.Refs", cf->refs);
	wcs_set(hdf, "Compose.Ref", cf->ref);
	wcs_set(hdf, "Compose.SrcF", cf->src_f);
	if (cf->whole && src != NULL) {
		wcs_set(hdf, "Compose.Whole", "1");
		wcs_set(hdf, "Compose.WholeName", whole_name(req->pool, src));
	}
	if (cf->src_uid != 0)
		wcs_set_int(hdf, "Compose.SrcUid", cf->src_uid);
	if (cf->draft != 0)
		wcs_set_int(hdf, "Compose.Draft", cf->draft);
	for (i = 0; i < nids; i++) {
		const char *pre = p_printf(req->pool, "Identities.%u.", i);

		wcs_set(hdf, p_printf(req->pool, "%sAddr", pre), ids[i].addr);
		wcs_set(hdf, p_printf(req->pool, "%sName", pre), ids[i].name);
		if (cf->from != NULL && strcasecmp(cf->from, ids[i].addr) == 0)
			wcs_set(hdf, p_printf(req->pool, "%sSelected", pre),
				"1");
	}
	for (i = 0; src != NULL && i < src->nparts; i++) {
		const struct wm_part *p = &src->parts[i];
		const char *pre;

		if (!p->attachment)
			continue;
		pre = p_printf(req->pool, "Attachments.%u.", k++);
		wcs_set_int(hdf, p_printf(req->pool, "%sNo", pre), p->no);
		wcs_set(hdf, p_printf(req->pool, "%sName", pre),
			p->filename[0] != '\0' ? p->filename : p->type);
		wcs_set_int(hdf, p_printf(req->pool, "%sSize", pre),
			    (long)p->size);
		if (kept(cf, p->no))
			wcs_set(hdf, p_printf(req->pool, "%sKept", pre), "1");
	}
	if (error != NULL)
		wcs_set(hdf, "Page.FormError", error);
	if (detail != NULL)
		wcs_set(hdf, "Page.FormDetail", detail);
	{
		const char *done = form_get(&req->query, "done");

		if (done != NULL && (strcmp(done, "saved") == 0 ||
				     strcmp(done, "kept") == 0))
			wcs_set(hdf, "Page.Done", done);
	}
	return web_render(req, status, "compose.cs");
}

/* special_folder - the raw name of the special folder kind, or NULL */
static const char *special_folder(const struct imapc_folder *f,
				  unsigned int n, enum imapc_special kind)
{
	for (unsigned int i = 0; i < n; i++)
		if (f[i].special == kind)
			return f[i].raw;
	return NULL;
}

int wm_page_compose(struct web_req *req)
{
	const char *folder = form_get(&req->query, "folder");
	uint32_t reply = uint_arg(form_get(&req->query, "reply"));
	uint32_t forward = uint_arg(form_get(&req->query, "forward"));
	uint32_t draft = uint_arg(form_get(&req->query, "draft"));
	struct compose cf = { 0 };
	struct wm_message msg, *src = NULL;
	struct imapc_folder *f;
	struct identity *ids;
	unsigned int nf, nids = 0;
	const char *error, *to = form_get(&req->query, "to");
	struct imapc *c;
	int ret;

	ids = identities(req, &nids);
	if (ids == NULL)
		return web_fail(req, 503, "unavailable");
	cf.from = nids > 0 ? ids[0].addr : NULL;
	if (to != NULL && strlen(to) <= WM_TO_MAX)
		cf.to = to;
	if (reply == 0 && forward == 0 && draft == 0) {
		cf.body = with_signature(req, "");
		return show(req, &cf, ids, nids, NULL, NULL, NULL, 200);
	}

	c = wm_connect_with_folders(req, &f, &nf);
	if (c == NULL)
		return 0;
	if (draft != 0)
		folder = special_folder(f, nf, IMAPC_DRAFTS);
	if (wm_find_folder(f, nf, folder) == NULL) {
		imapc_release(&c);
		return web_fail(req, 404, "not_found");
	}
	folder = wm_find_folder(f, nf, folder)->raw;
	ret = fetch_parsed(req, c, folder, reply ? reply : forward ? forward :
			   draft, &msg, &error);
	imapc_release(&c);
	if (ret < 0) {
		log_error("event=webmail_imap_failed user=%s error=%s",
			  log_quote(user_of(req)), log_quote(error));
		return web_fail(req, 503, "mail_unavailable");
	}
	if (ret == 0)
		return web_fail(req, 404, "not_found");
	if (reply != 0) {
		prefill_reply(req, &cf, &msg, folder, reply,
			      form_get(&req->query, "all") != NULL, ids, nids);
		cf.body = with_signature(req, cf.body);
	} else if (forward != 0) {
		const char *as = form_get(&req->query, "as");

		prefill_forward(req, &cf, &msg, folder, forward,
				as != NULL && strcmp(as, "attachment") == 0);
		cf.body = with_signature(req, cf.body);
		src = &msg;
	} else {
		prefill_draft(req, &cf, &msg, folder, draft);
		src = &msg;
	}
	return show(req, &cf, ids, nids, src, NULL, NULL, 200);
}

/* ---- sending and saving --------------------------------------------------- */

/* read_form - the posted form into cf */
static void read_form(struct web_req *req, struct compose *cf)
{
	const struct form_field *fl;
	unsigned int n = 0;

	cf->from = form_get(&req->post, "from");
	cf->to = form_get(&req->post, "to");
	cf->cc = form_get(&req->post, "cc");
	cf->bcc = form_get(&req->post, "bcc");
	cf->subject = form_get(&req->post, "subject");
	cf->body = form_get(&req->post, "body");
	cf->irt = form_get(&req->post, "irt");
	cf->refs = form_get(&req->post, "refs");
	cf->ref = form_get(&req->post, "ref");
	cf->src_f = form_get(&req->post, "src_f");
	cf->src_uid = uint_arg(form_get(&req->post, "src_uid"));
	cf->draft = uint_arg(form_get(&req->post, "draft"));
	cf->whole = form_get(&req->post, "whole") != NULL;
	for (fl = req->post.first; fl != NULL; fl = fl->next)
		if (strcmp(fl->name, "keep") == 0)
			n++;
	cf->keep = p_new(req->pool, unsigned int, n + 1);
	for (fl = req->post.first; fl != NULL; fl = fl->next) {
		unsigned int no;

		if (strcmp(fl->name, "keep") == 0 &&
		    str_to_uint(fl->value, &no) == 0 && cf->nkeep < n)
			cf->keep[cf->nkeep++] = no;
	}
}

/* the work of one POST */
struct post {
	struct web_req *req;
	struct compose cf;
	struct identity *ids;
	unsigned int nids;
	struct imapc *c;
	struct imapc_folder *folders;
	unsigned int nf;
	struct wm_message src;		/* where kept attachments come from */
	bool have_src;
	const char *src_data;		/* its bytes */
	size_t src_len;
	struct wm_outgoing out;
	struct wm_attachment *att;
	unsigned int natt;
	unsigned int uploads;		/* new files among att */
	const char *all_rcpts[3 * WM_ADDRESSES_MAX];
	unsigned int nrcpts;
	const char *detail;		/* for a refusal's message */
	const char *saved, *saved_to;	/* the draft saved, and where */
	size_t saved_len;
};

/* fail_form - the form again with a message; nothing is lost */
static int fail_form(struct post *p, const char *key, const char *detail,
		     int status)
{
	if (p->c != NULL)
		imapc_release(&p->c);
	return show(p->req, &p->cf, p->ids, p->nids,
		    p->have_src ? &p->src : NULL, key, detail, status);
}

/* addresses - one field parsed into the outgoing message */
static int addresses(struct post *p, const char *field,
		     const struct wm_address **list_r, unsigned int *n_r,
		     const char **bad_r)
{
	struct wm_address *list;

	if (wm_parse_addresses(p->req->pool, field, &list, n_r, bad_r) < 0)
		return -1;
	*list_r = list;
	for (unsigned int i = 0; i < *n_r; i++)
		if (p->nrcpts < N_RCPTS(p))
			p->all_rcpts[p->nrcpts++] = list[i].addr;
	return 0;
}

/* size_limits - the user's limits on one attachment and on a whole
 * message from their service package (or their domain's), 0 = none;
 * -1 on a database error */
static int size_limits(struct web_req *req, uint64_t *file_r,
		       uint64_t *message_r)
{
	const char *params[1];
	char user[32];
	PGresult *res;

	snprintf(user, sizeof(user), "%" PRId64, req->session->principal.id);
	params[0] = user;
	res = db_query(req->pool,
		"SELECT COALESCE(p.max_attachment_bytes, 0),"
		" COALESCE(NULLIF(d.max_message_bytes, 0),"
		"  p.max_message_bytes, 0)"
		" FROM users u JOIN domains d ON d.id = u.domain_id"
		" LEFT JOIN service_packages p"
		"  ON p.id = COALESCE(u.package_id, d.package_id)"
		" WHERE u.id = $1::bigint", 1, params);
	if (res == NULL || PQntuples(res) != 1)
		return -1;
	*file_r = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	*message_r = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
	return 0;
}

/* attachments - the kept parts of the source and the uploaded files,
 * within the package's limits; NULL, or the message key (with
 * p->detail) */
static const char *attachments(struct post *p)
{
	const struct form_field *fl;
	unsigned int n = 0, i;
	uint64_t max_file, max_total, total = 0;

	for (fl = p->req->post.first; fl != NULL; fl = fl->next)
		if (strcmp(fl->name, "attach") == 0 && fl->filename != NULL &&
		    fl->filename[0] != '\0')
			n++;
	if (p->have_src)
		n += p->src.nparts + 1;
	if (n > WM_ATTACH_MAX)
		return "too_many_files";
	p->att = p_new(p->req->pool, struct wm_attachment, n + 1);
	if (p->have_src && p->cf.whole) {
		p->att[p->natt].message = true;
		p->att[p->natt].filename = whole_name(p->req->pool, &p->src);
		p->att[p->natt].type = "message/rfc822";
		p->att[p->natt].data = p->src_data;
		p->att[p->natt].len = p->src_len;
		p->natt++;
	}
	for (i = 0; p->have_src && i < p->src.nparts; i++) {
		const struct wm_part *part = &p->src.parts[i];

		if (!part->attachment || !kept(&p->cf, part->no))
			continue;
		p->att[p->natt].message =
			strcmp(part->type, "message/rfc822") == 0;
		p->att[p->natt].filename = part->filename;
		p->att[p->natt].type = part->type;
		p->att[p->natt].data = part->data;
		p->att[p->natt].len = part->size;
		p->natt++;
	}
	for (fl = p->req->post.first; fl != NULL; fl = fl->next) {
		if (strcmp(fl->name, "attach") != 0 || fl->filename == NULL ||
		    fl->filename[0] == '\0')
			continue;
		p->att[p->natt].filename = fl->filename;
		p->att[p->natt].type = fl->content_type;
		p->att[p->natt].data = fl->value;
		p->att[p->natt].len = fl->value_len;
		p->natt++;
		p->uploads++;
	}
	if (size_limits(p->req, &max_file, &max_total) < 0)
		return "unavailable";
	for (i = 0; i < p->natt; i++) {
		total += p->att[i].len;
		if (max_file > 0 && p->att[i].len > max_file) {
			p->detail = p_printf(p->req->pool, "%s (%s > %s)",
				p->att[i].filename, human_size(p->req->pool,
				p->att[i].len), human_size(p->req->pool,
				max_file));
			return "file_too_large";
		}
	}
	/* base64 makes files a third larger on the way */
	if (max_total > 0 && total / 3 * 4 > max_total) {
		p->detail = p_printf(p->req->pool, "%s > %s",
			human_size(p->req->pool, total / 3 * 4),
			human_size(p->req->pool, max_total));
		return "total_too_large";
	}
	return NULL;
}

/* drop_draft - remove the replaced draft uid from Drafts (best effort:
 * a draft left behind is a nuisance, not a loss) */
static void drop_draft(struct post *p, const char *drafts, uint32_t uid)
{
	const char *error;
	uint32_t exists;

	if (uid == 0 || drafts == NULL)
		return;
	if (imapc_select(p->c, drafts, &exists, &error) < 0 ||
	    imapc_store_flag(p->c, &uid, 1, "\\Deleted", true, &error) < 0 ||
	    imapc_expunge(p->c, &uid, 1, &error) < 0)
		log_warn("event=webmail_draft_drop_failed user=%s uid=%u"
			 " error=%s", log_quote(user_of(p->req)), uid,
			 log_quote(error));
}

/* flag_ref - give the answered or forwarded message its flag */
static void flag_ref(struct post *p)
{
	const char *ref = p->cf.ref, *colon, *error, *flag;
	const struct imapc_folder *folder;
	unsigned int uid;
	uint32_t exists, u;
	char num[16];
	size_t n;

	if (ref == NULL || ref[0] == '\0')
		return;
	if (strncmp(ref, "answered:", 9) == 0) {
		flag = "\\Answered";
		ref += 9;
	} else if (strncmp(ref, "forwarded:", 10) == 0) {
		flag = "$Forwarded";
		ref += 10;
	} else {
		return;
	}
	colon = strchr(ref, ':');
	n = colon != NULL ? (size_t)(colon - ref) : 0;
	if (n == 0 || n >= sizeof(num))
		return;
	memcpy(num, ref, n);
	num[n] = '\0';
	folder = wm_find_folder(p->folders, p->nf, colon + 1);
	if (str_to_uint(num, &uid) < 0 || uid == 0 || folder == NULL)
		return;
	u = uid;
	if (imapc_select(p->c, folder->raw, &exists, &error) < 0 ||
	    imapc_store_flag(p->c, &u, 1, flag, true, &error) < 0)
		log_warn("event=webmail_flag_ref_failed user=%s error=%s",
			 log_quote(user_of(p->req)), log_quote(error));
}

/* save_draft - the message into Drafts, replacing the last version;
 * 0 with *uid_r, or -1 after the error page is made */
static int save_draft(struct post *p, uint32_t *uid_r)
{
	static const char *const flags[] = { "\\Draft", "\\Seen", NULL };
	const char *drafts = special_folder(p->folders, p->nf, IMAPC_DRAFTS);
	const char *data, *error;
	size_t len;

	p->saved_to = drafts;

	if (drafts == NULL) {
		fail_form(p, "no_drafts", NULL, 422);
		return -1;
	}
	p->out.with_bcc = true;
	p->out.compose_ref = p->cf.ref;
	wm_build_message(p->req->pool, &p->out, &data, &len, NULL);
	p->saved = data;
	p->saved_len = len;
	if (imapc_append(p->c, drafts, flags, data, len, uid_r, &error) < 0) {
		log_warn("event=webmail_draft_failed user=%s error=%s",
			 log_quote(user_of(p->req)), log_quote(error));
		fail_form(p, imapc_lost(p->c) ? "unavailable" : "draft_failed",
			  error, imapc_lost(p->c) ? 503 : 422);
		return -1;
	}
	if (p->cf.draft != *uid_r)
		drop_draft(p, drafts, p->cf.draft);
	log_info("event=webmail_draft_saved user=%s uid=%u bytes=%zu",
		 log_quote(user_of(p->req)), *uid_r, len);
	return 0;
}

/* send_failed - the form again after a refused submission; uploads are
 * kept by saving a draft first, and the form goes on from it */
static int send_failed(struct post *p, const char *key, const char *detail,
		       int status)
{
	const char *drafts = special_folder(p->folders, p->nf, IMAPC_DRAFTS);
	uint32_t uid = 0;
	const char *error;
	int ret;

	if (p->uploads > 0 && drafts != NULL) {
		ret = save_draft(p, &uid);
		if (ret < 0)
			return 0;
		p->cf.draft = uid;
		p->cf.src_f = drafts;
		p->cf.src_uid = uid;
		ret = uid != 0 ? fetch_parsed(p->req, p->c, drafts, uid,
					      &p->src, &error) : 0;
		p->have_src = ret > 0;
		p->cf.nkeep = 0;
		p->cf.keep = p_new(p->req->pool, unsigned int,
				   p->have_src ? p->src.nparts + 1 : 1);
		for (unsigned int i = 0; p->have_src && i < p->src.nparts;
		     i++)
			if (p->src.parts[i].attachment)
				p->cf.keep[p->cf.nkeep++] =
					p->src.parts[i].no;
		wcs_set(p->req->hdf, "Page.Done", "kept");
	}
	return fail_form(p, key, detail, status);
}

static int send_now(struct post *p)
{
	static const char *const sent_flags[] = { "\\Seen", NULL };
	const char *sent = special_folder(p->folders, p->nf, IMAPC_SENT);
	const char *drafts = special_folder(p->folders, p->nf, IMAPC_DRAFTS);
	const char *wire, *copy, *id, *bad, *reply, *error;
	size_t wire_len, copy_len;
	enum smtpc_failure st;

	if (p->nrcpts == 0)
		return fail_form(p, "no_recipient", NULL, 422);
	p->out.with_bcc = false;
	p->out.date = time(NULL);
	wm_build_message(p->req->pool, &p->out, &wire, &wire_len, &id);
	p->out.message_id = id;
	st = smtpc_submit(p->req->pool, user_of(p->req), p->out.from.addr,
			  p->all_rcpts, p->nrcpts, wire, wire_len, NULL, &bad,
			  &reply);
	switch (st) {
	case SMTPC_OK:
		break;
	case SMTPC_RECIPIENT:
		return send_failed(p, "rcpt_refused", p_printf(p->req->pool,
				   "%s: %s", bad, reply), 422);
	case SMTPC_TOO_LARGE:
		return send_failed(p, "too_large", reply, 422);
	case SMTPC_SENDER:
	case SMTPC_REFUSED:
		return send_failed(p, "refused", reply, 422);
	case SMTPC_UNAVAILABLE:
	default:
		return send_failed(p, "unavailable", NULL, 503);
	}
	log_info("event=webmail_sent user=%s rcpts=%u bytes=%zu msgid=%s",
		 log_quote(user_of(p->req)), p->nrcpts, wire_len,
		 log_quote(id));

	/* sent: what follows must not make the user send it again */
	p->out.with_bcc = true;
	wm_build_message(p->req->pool, &p->out, &copy, &copy_len, NULL);
	if (sent == NULL ||
	    imapc_append(p->c, sent, sent_flags, copy, copy_len, NULL,
			 &error) < 0) {
		log_warn("event=webmail_sent_copy_failed user=%s error=%s",
			 log_quote(user_of(p->req)),
			 log_quote(sent == NULL ? "no Sent folder" : error));
		imapc_release(&p->c);
		return web_redirect(p->req, "/mail?done=sent_nocopy");
	}
	flag_ref(p);
	drop_draft(p, drafts, p->cf.draft);
	imapc_release(&p->c);
	return web_redirect(p->req, "/mail?done=sent");
}

/* autosaved - the answer to the page's own save in the background
 * (JSON): the draft's UID, and its attachments, which the page keeps
 * under their numbers in the new draft */
static int autosaved(struct post *p, uint32_t uid)
{
	struct web_req *req = p->req;
	struct wm_message msg;
	struct buf *out = buf_new_pool(req->pool, 0);
	unsigned int i, k = 0;

	if (wm_message_parse(req->pool, p->saved, p->saved_len, &msg) < 0)
		msg.nparts = 0;
	buf_addf(out, "{\"draft\":%u,\"src_f\":%s,\"attachments\":[", uid,
		 str_json_quote(req->pool, p->saved_to));
	for (i = 0; i < msg.nparts; i++) {
		const struct wm_part *part = &msg.parts[i];

		if (!part->attachment)
			continue;
		buf_addf(out, "%s{\"no\":%u,\"name\":%s,\"size\":%zu}",
			 k++ > 0 ? "," : "", part->no,
			 str_json_quote(req->pool, part->filename),
			 part->size);
	}
	buf_adds(out, "]}");
	req->status = 200;
	req->content_type = "application/json";
	if (buf_append(req->body, out->data, out->len) < 0)
		return web_fail(req, 500, "internal");
	return 0;
}

/* schedule - the message stored for the jobs service to send at the
 * time chosen (send_at, "YYYY-MM-DDTHH:MM" in the time zone tz) */
static int schedule(struct post *p)
{
	const char *send_at = form_get(&p->req->post, "send_at");
	const char *tz = form_get(&p->req->post, "tz");
	const char *drafts = special_folder(p->folders, p->nf, IMAPC_DRAFTS);
	struct wm_schedule sch;
	const char *data, *key;
	size_t len;
	time_t at;

	if (p->nrcpts == 0)
		return fail_form(p, "no_recipient", NULL, 422);
	key = wm_schedule_time(p->req, send_at, tz, &at);
	if (key != NULL)
		return fail_form(p, key, NULL, 422);
	p->out.with_bcc = true;
	p->out.date = at;
	wm_build_message(p->req->pool, &p->out, &data, &len, NULL);
	memset(&sch, 0, sizeof(sch));
	sch.at = at;
	sch.from = p->out.from.addr;
	sch.rcpts = p->all_rcpts;
	sch.nrcpts = p->nrcpts;
	sch.subject = p->cf.subject != NULL ? p->cf.subject : "";
	sch.to = p->cf.to != NULL ? p->cf.to : "";
	if (wm_schedule_store(p->req, &sch, data, len) < 0)
		return fail_form(p, "unavailable", NULL, 503);
	flag_ref(p);
	drop_draft(p, drafts, p->cf.draft);
	imapc_release(&p->c);
	return web_redirect(p->req, "/mail/scheduled?done=scheduled");
}

int wm_action_compose(struct web_req *req)
{
	const char *op = form_get(&req->post, "op");
	struct post p = { .req = req };
	const struct identity *from;
	const char *bad, *key, *drafts;
	uint32_t uid;
	int ret;

	if (op == NULL || (strcmp(op, "send") != 0 &&
			   strcmp(op, "save") != 0 &&
			   strcmp(op, "schedule") != 0 &&
			   strcmp(op, "discard") != 0))
		return web_fail(req, 400, "bad_request");
	read_form(req, &p.cf);
	p.ids = identities(req, &p.nids);
	if (p.ids == NULL)
		return web_fail(req, 503, "unavailable");
	p.c = wm_connect_with_folders(req, &p.folders, &p.nf);
	if (p.c == NULL)
		return 0;
	drafts = special_folder(p.folders, p.nf, IMAPC_DRAFTS);
	if (strcmp(op, "discard") == 0) {
		drop_draft(&p, drafts, p.cf.draft);
		imapc_release(&p.c);
		return web_redirect(req, "/mail?done=discarded");
	}

	/* the message whose attachments are carried over */
	if (p.cf.src_uid != 0) {
		const struct imapc_folder *sf =
			wm_find_folder(p.folders, p.nf, p.cf.src_f);
		const char *error;

		ret = sf == NULL ? 0 : fetch_raw_parsed(req, p.c, sf->raw,
				p.cf.src_uid, &p.src, &p.src_data, &p.src_len,
				&error);
		if (ret < 0)
			return fail_form(&p, "unavailable", NULL, 503);
		p.have_src = ret > 0;
		if (!p.have_src && (p.cf.nkeep > 0 || p.cf.whole))
			return fail_form(&p, "attachments_gone", NULL, 422);
	}

	from = find_identity(p.ids, p.nids, p.cf.from);
	if (from == NULL)
		return fail_form(&p, "bad_from", p.cf.from, 422);
	if (p.cf.subject != NULL && strlen(p.cf.subject) > WM_SUBJECT_MAX)
		return fail_form(&p, "subject_long", NULL, 422);
	if (p.cf.body != NULL && strlen(p.cf.body) > WM_BODY_MAX)
		return fail_form(&p, "body_long", NULL, 422);
	p.out.from.addr = from->addr;
	p.out.from.name = from->name;
	if (addresses(&p, p.cf.to, &p.out.to, &p.out.nto, &bad) < 0 ||
	    addresses(&p, p.cf.cc, &p.out.cc, &p.out.ncc, &bad) < 0 ||
	    addresses(&p, p.cf.bcc, &p.out.bcc, &p.out.nbcc, &bad) < 0)
		return fail_form(&p, "bad_address", bad, 422);
	key = attachments(&p);
	if (key != NULL)
		return fail_form(&p, key, p.detail,
				 strcmp(key, "unavailable") == 0 ? 503 : 413);
	p.out.subject = p.cf.subject;
	p.out.text = p.cf.body;
	p.out.in_reply_to = p.cf.irt;
	p.out.references = p.cf.refs;
	p.out.att = p.att;
	p.out.natt = p.natt;

	if (strcmp(op, "send") == 0)
		return send_now(&p);
	if (strcmp(op, "schedule") == 0)
		return schedule(&p);
	if (save_draft(&p, &uid) < 0)
		return 0;
	imapc_release(&p.c);
	if (form_get(&req->post, "autosave") != NULL)
		return autosaved(&p, uid);
	if (uid == 0)	/* no UIDPLUS answer: the draft is in Drafts */
		return web_redirect(req, "/mail?f=Drafts&done=saved");
	return web_redirect(req, p_printf(req->pool,
				"/mail/compose?draft=%u&done=saved", uid));
}

/* ---- address suggestions ---------------------------------------------------- */

#define WM_SUGGEST_MAX 10
#define WM_SUGGEST_Q_MAX 100

/* wm_page_suggest - GET /mail/suggest?q=: the addresses of the user's
 * contacts, the users of their domain and the domain's address book
 * whose name or address holds q, as JSON [{"name":..,"email":..}] */
int wm_page_suggest(struct web_req *req)
{
	const char *q = form_get(&req->query, "q");
	struct buf *out = buf_new_pool(req->pool, 0);
	const char *params[2];
	char user[32];
	PGresult *res;
	int i;

	if (q == NULL || q[0] == '\0' || strlen(q) > WM_SUGGEST_Q_MAX)
		return web_fail(req, 400, "bad_request");
	snprintf(user, sizeof(user), "%" PRId64, req->session->principal.id);
	params[0] = user;
	params[1] = q;
	/* the pattern's LIKE characters are escaped in SQL, so q matches
	 * as typed */
	res = db_query(req->pool,
		"WITH me AS (SELECT domain_id FROM users WHERE id = $1::bigint),"
		" pat AS (SELECT '%' || replace(replace(replace($2, '\\', '\\\\'),"
		"  '%', '\\%'), '_', '\\_') || '%' AS p),"
		" found AS ("
		"  SELECT c.name, e AS email, 0 AS o FROM contacts c,"
		"   unnest(c.emails) e, pat"
		"   WHERE c.user_id = $1::bigint"
		"   AND (c.name ILIKE pat.p OR e ILIKE pat.p)"
		"  UNION ALL SELECT u.display_name, u.address, 1 FROM users u,"
		"   me, pat WHERE u.domain_id = me.domain_id"
		"   AND u.deleted_at IS NULL AND u.status = 'active'"
		"   AND (u.display_name ILIKE pat.p OR u.address ILIKE pat.p)"
		"  UNION ALL SELECT dc.name, e, 2 FROM domain_contacts dc,"
		"   unnest(dc.emails) e, me, pat"
		"   WHERE dc.domain_id = me.domain_id"
		"   AND (dc.name ILIKE pat.p OR e ILIKE pat.p))"
		" SELECT name, email FROM (SELECT DISTINCT ON (lower(email))"
		"  name, email, o FROM found ORDER BY lower(email), o) s"
		" ORDER BY o, lower(name), email LIMIT 10", 2, params);
	if (res == NULL) {
		log_error("event=webmail_suggest_failed user=%s error=%s",
			  log_quote(user_of(req)), log_quote(db_error()));
		return web_fail(req, 503, "unavailable");
	}
	buf_adds(out, "[");
	for (i = 0; i < PQntuples(res) && i < WM_SUGGEST_MAX; i++)
		buf_addf(out, "%s{\"name\":%s,\"email\":%s}", i > 0 ? "," : "",
			 str_json_quote(req->pool, PQgetvalue(res, i, 0)),
			 str_json_quote(req->pool, PQgetvalue(res, i, 1)));
	buf_adds(out, "]");
	req->status = 200;
	req->content_type = "application/json";
	if (buf_append(req->body, out->data, out->len) < 0)
		return web_fail(req, 500, "internal");
	return 0;
}

/* ---- the signature ------------------------------------------------------ */

static int show_signature(struct web_req *req, const char *text,
			  const char *error, int status)
{
	wcs_set(req->hdf, "Signature", text);
	if (error != NULL)
		wcs_set(req->hdf, "Page.FormError", error);
	else if (form_get(&req->query, "done") != NULL)
		wcs_set(req->hdf, "Page.Done", "1");
	return web_render(req, status, "settings-signature.cs");
}

/* wm_page_signature - GET /settings/signature */
int wm_page_signature(struct web_req *req)
{
	return show_signature(req, signature(req), NULL, 200);
}

/* wm_action_signature - POST /settings/signature: signature (plain
 * text, at most WM_SIGNATURE_MAX characters; "" for none) */
int wm_action_signature(struct web_req *req)
{
	const char *text = form_get(&req->post, "signature");
	const char *params[2];
	char user[32];
	size_t chars = 0;

	if (text == NULL)
		text = "";
	for (const char *p = text; *p != '\0'; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			chars++;
	if (chars > WM_SIGNATURE_MAX)
		return show_signature(req, text, "long", 422);
	snprintf(user, sizeof(user), "%" PRId64, req->session->principal.id);
	params[0] = user;
	params[1] = lf_only(req->pool, text);
	if (db_query(req->pool, "INSERT INTO user_prefs (user_id, signature)"
		     " VALUES ($1::bigint, $2) ON CONFLICT (user_id) DO UPDATE"
		     " SET signature = EXCLUDED.signature, updated_at = now()",
		     2, params) == NULL) {
		log_error("event=webmail_signature_failed error=%s",
			  log_quote(db_error()));
		return web_fail(req, 503, "unavailable");
	}
	return web_redirect(req, "/settings/signature?done=1");
}
