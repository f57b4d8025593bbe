/*
 * filters.c - users' filter rules and vacation replies at delivery.
 *
 * For each local recipient deliver.c calls filters_plan() before its
 * transaction and filters_side() inside it:
 *
 *   rules + vacation (one query) --none--> INBOX, as before
 *        |
 *        `-- each enabled rule in order, while none said stop:
 *              matched -> flags add up (\Seen, \Flagged); forwards add
 *              up; the first fileinto, discard or reject decides where
 *              the message goes (fileinto an unknown folder: INBOX)
 *        then, if the message is kept: the vacation reply, when the
 *        sender may get one (RFC 3834)
 *
 * Forwarded copies carry "X-Mailhive-Loop: <user>" and a message that
 * already has that header is never forwarded again; a user's own
 * address is never a forward target. A refused message is accepted and
 * its sender (never <> or a MAILER-DAEMON) gets a delivery status
 * notification, as SMTP has one reply for all recipients after DATA.
 * Vacation replies go from <> with Auto-Submitted: auto-replied, at most
 * once per sender in the user's interval (vacation_replies), never to
 * lists, bulk mail, automatic mail or addresses that do not read
 * replies, and only when the user is named in To or Cc.
 *
 * SECURITY: the message is the sender's: headers are read with bounds
 * (FILTERS_HEADER_MAX) and only compared; what goes into the messages
 * made here is checked to hold no CR or LF, and user text is base64.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "blob.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "deliver.h"
#include "filters.h"
#include "log.h"
#include "mime-meta.h"
#include "pool.h"
#include "strnum.h"
#include "token.h"

#define FILTERS_HEADER_MAX (256 * 1024)	/* header bytes rules look at */
#define FILTERS_NOTICE_HEADERS_MAX (64 * 1024)
#define FILTERS_REJECT_DEFAULT "Message rejected by the recipient's filter"
#define FILTERS_LOOP_HEADER "X-Mailhive-Loop"

struct filters_msg {
	struct pool *pool;
	const struct deliver_msg *msg;
	bool loaded;
	const char *hdr;	/* the header block, NULL if unreadable */
	size_t hdr_len;
	const char **addrs[3];	/* From, To, Cc addresses, NULL-ended */
};

struct filters_msg *filters_msg_new(struct pool *pool,
				    const struct deliver_msg *msg)
{
	struct filters_msg *fm = p_new(pool, struct filters_msg, 1);

	fm->pool = pool;
	fm->msg = msg;
	return fm;
}

/* ==== the message's headers ============================================ */

/* load_header - read the header block from the blob, once */
static void load_header(struct filters_msg *fm)
{
	const struct mime_meta *m = fm->msg->meta;
	const char *error;
	uint64_t size;
	size_t want, got = 0;
	char *data;
	int fd;

	if (fm->loaded)
		return;
	fm->loaded = true;
	fm->hdr = "";
	if (m == NULL || m->no_headers || m->header_bytes == 0)
		return;
	want = m->header_bytes < FILTERS_HEADER_MAX ?
		(size_t)m->header_bytes : FILTERS_HEADER_MAX;
	if (blob_open_read(fm->pool, cfg.blob_dir, fm->msg->sha, &fd, &size,
			   &error) < 0) {
		log_warn("event=filters_header_unreadable queue_id=%s error=%s",
			 fm->msg->queue_id, log_quote(error));
		return;
	}
	data = p_alloc(fm->pool, want + 1);
	while (got < want) {
		ssize_t n = read(fd, data + got, want - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	data[got] = '\0';
	fm->hdr = data;
	fm->hdr_len = got;
}

/* raw_header - the i-th occurrence of a header, unfolded, undecoded */
static const char *raw_header(struct filters_msg *fm, const char *name,
			      unsigned int i)
{
	load_header(fm);
	return filter_header_value(fm->pool, fm->hdr, fm->hdr_len, name, i);
}

/* in_header - filter_input's header(): RFC 2047 decoded */
static const char *in_header(void *ctx, const char *name, unsigned int i)
{
	struct filters_msg *fm = ctx;
	const char *raw = raw_header(fm, name, i);
	char *dec, *out;

	if (raw == NULL || strstr(raw, "=?") == NULL)
		return raw;
	dec = g_mime_utils_header_decode_text(NULL, raw);
	if (dec == NULL)
		return raw;
	out = p_strdup(fm->pool, dec);
	g_free(dec);
	return out;
}

/* split_addrs - "a@x, b@y" as a NULL-ended list */
static const char **split_addrs(struct pool *pool, const char *list)
{
	unsigned int n = 1;
	const char **out;
	char *copy, *save = NULL, *tok;

	for (const char *p = list; *p != '\0'; p++)
		if (*p == ',')
			n++;
	out = p_new(pool, const char *, n + 1);
	copy = p_strdup(pool, list);
	n = 0;
	for (tok = strtok_r(copy, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save))
		out[n++] = tok;
	out[n] = NULL;
	return out;
}

/* in_address - filter_input's address() */
static const char *in_address(void *ctx, enum filter_field field,
			      unsigned int i)
{
	struct filters_msg *fm = ctx;
	const struct mime_meta *m = fm->msg->meta;
	unsigned int k = field == FILTER_F_FROM ? 0 :
		field == FILTER_F_TO ? 1 : 2;

	if (m == NULL)
		return NULL;
	if (fm->addrs[k] == NULL)
		fm->addrs[k] = split_addrs(fm->pool, k == 0 ? m->from_addr :
					   k == 1 ? m->to_addrs : m->cc_addrs);
	for (unsigned int j = 0; j <= i; j++)
		if (fm->addrs[k][j] == NULL)
			return NULL;
	return fm->addrs[k][i];
}

/* ==== reading the rules ================================================ */

/* one row per rule (k 0), condition (1), action (2) and for the current
 * vacation reply (3); rules in their order */
#define FILTERS_SQL \
	"SELECT 0 AS k, f.id, f.position, 0::bigint AS n," \
	" f.match_any::text, f.stop::text, NULL, NULL, NULL" \
	" FROM filters f WHERE f.user_id = $1::bigint AND f.enabled" \
	" UNION ALL SELECT 1, f.id, f.position, t.n, t.e->>'field'," \
	" t.e->>'header', t.e->>'op', t.e->>'value', NULL" \
	" FROM filters f, jsonb_array_elements(f.conditions)" \
	"  WITH ORDINALITY AS t(e, n)" \
	" WHERE f.user_id = $1::bigint AND f.enabled" \
	" UNION ALL SELECT 2, f.id, f.position, t.n, t.e->>'type', NULL," \
	" NULL, t.e->>'value', (SELECT m.id FROM mailboxes m" \
	"  WHERE m.user_id = f.user_id AND m.name = t.e->>'value'" \
	"  AND t.e->>'type' = 'fileinto')::text" \
	" FROM filters f, jsonb_array_elements(f.actions)" \
	"  WITH ORDINALITY AS t(e, n)" \
	" WHERE f.user_id = $1::bigint AND f.enabled" \
	" UNION ALL SELECT 3, 0, NULL, 0, v.subject, v.body," \
	" v.interval_days::text, NULL, NULL FROM vacations v" \
	" WHERE v.user_id = $1::bigint AND v.enabled" \
	" AND (v.start_date IS NULL OR v.start_date <= current_date)" \
	" AND (v.end_date IS NULL OR v.end_date >= current_date)" \
	" ORDER BY 3 NULLS LAST, 2, 1, 4"

/* rules_from_rows - the rules of the result; rows that do not make
 * sense (a name unknown to this version) leave their rule out */
static struct filter_rule *rules_from_rows(struct pool *pool,
					   const PGresult *res,
					   unsigned int *n_r)
{
	int rows = db_ntuples(res);
	struct filter_rule *rules = p_new(pool, struct filter_rule,
					  (size_t)rows + 1);
	struct filter_rule *cur = NULL;
	bool *bad = p_new(pool, bool, (size_t)rows + 1);
	unsigned int n = 0, out = 0;

	for (int i = 0; i < rows; i++) {
		const char *k = db_value(res, i, 0);

		if (strcmp(k, "0") == 0) {
			if (n >= FILTER_RULES_MAX) {
				cur = NULL;
				continue;
			}
			cur = &rules[n++];
			if (str_to_int64(db_value(res, i, 1), &cur->id) < 0)
				cur->id = 0;
			cur->enabled = true;
			cur->name = "";
			cur->match_any = strcmp(db_value(res, i, 4), "true") == 0;
			cur->stop = strcmp(db_value(res, i, 5), "true") == 0;
		} else if (strcmp(k, "1") == 0 && cur != NULL) {
			struct filter_cond *c;
			const char *v = db_value(res, i, 7);

			if (cur->nconds >= FILTER_CONDS_MAX) {
				bad[n - 1] = true;
				continue;
			}
			c = &cur->conds[cur->nconds++];
			c->header = db_value(res, i, 5);
			c->value = v != NULL ? v : "";
			if (filter_field_parse(db_value(res, i, 4), &c->field) < 0 ||
			    filter_op_parse(db_value(res, i, 6), &c->op) < 0 ||
			    (c->field == FILTER_F_SIZE &&
			     filter_size_parse(c->value, &c->size) < 0) ||
			    (c->field == FILTER_F_HEADER && c->header == NULL))
				bad[n - 1] = true;
		} else if (strcmp(k, "2") == 0 && cur != NULL) {
			struct filter_action *a;
			const char *v = db_value(res, i, 7);
			const char *box = db_value(res, i, 8);

			if (cur->nacts >= FILTER_ACTIONS_MAX) {
				bad[n - 1] = true;
				continue;
			}
			a = &cur->acts[cur->nacts++];
			a->value = v != NULL ? v : "";
			if (box != NULL && str_to_int64(box, &a->mailbox_id) < 0)
				a->mailbox_id = 0;
			if (filter_action_parse(db_value(res, i, 4),
						&a->type) < 0)
				bad[n - 1] = true;
		}
	}
	for (unsigned int i = 0; i < n; i++)
		if (!bad[i])
			rules[out++] = rules[i];
	*n_r = out;
	return rules;
}

/* ==== deciding ========================================================= */

bool filters_auto_sender(const char *addr)
{
	static const char *const names[] = {
		"mailer-daemon", "postmaster", "noreply", "no-reply",
		"no_reply", "donotreply", "do-not-reply", "do_not_reply",
		"listserv", "majordomo", "nobody", "bounce", "bounces",
	};
	const char *at;
	size_t len;

	if (addr == NULL || *addr == '\0')
		return true;
	at = strrchr(addr, '@');
	len = at != NULL ? (size_t)(at - addr) : strlen(addr);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len &&
		    strncasecmp(addr, names[i], len) == 0)
			return true;
	if (strncasecmp(addr, "owner-", 6) == 0 ||
	    strncasecmp(addr, "bounce", 6) == 0)
		return true;
	for (size_t i = 0; i < 2; i++) {
		const char *suffix = i == 0 ? "-request" : "-bounces";
		size_t sl = strlen(suffix);

		if (len >= sl && strncasecmp(addr + len - sl, suffix, sl) == 0)
			return true;
	}
	return false;
}

/* addressed_to - addr is among the To or Cc addresses */
static bool addressed_to(struct filters_msg *fm, const char *addr)
{
	const char *a;

	for (int f = 0; f < 2; f++)
		for (unsigned int i = 0;
		     (a = in_address(fm, f == 0 ? FILTER_F_TO : FILTER_F_CC,
				     i)) != NULL; i++)
			if (strcasecmp(a, addr) == 0)
				return true;
	return false;
}

/* may_auto_reply - RFC 3834 section 2: not to automatic or list mail,
 * not to addresses that do not read replies, not to ourselves */
static bool may_auto_reply(struct filters_msg *fm,
			   const struct deliver_rcpt *r)
{
	const char *sender = fm->msg->sender, *v;

	if (filters_auto_sender(sender) || strcasecmp(sender, r->addr) == 0)
		return false;
	if (raw_header(fm, "List-Id", 0) != NULL ||
	    raw_header(fm, "List-Unsubscribe", 0) != NULL ||
	    raw_header(fm, "List-Post", 0) != NULL ||
	    raw_header(fm, FILTERS_LOOP_HEADER, 0) != NULL)
		return false;
	v = raw_header(fm, "Precedence", 0);
	if (v != NULL && (strcasecmp(v, "bulk") == 0 ||
			  strcasecmp(v, "list") == 0 ||
			  strcasecmp(v, "junk") == 0))
		return false;
	v = raw_header(fm, "Auto-Submitted", 0);
	if (v != NULL && strncasecmp(v, "no", 2) != 0)
		return false;
	return addressed_to(fm, r->addr);
}

/* add_forward - one more forward target, unless already there */
static void add_forward(struct filters_verdict *v, const char *to,
			const char *own)
{
	if (strcasecmp(to, own) == 0 || v->nforward >= FILTER_FORWARDS_MAX)
		return;
	for (unsigned int i = 0; i < v->nforward; i++)
		if (strcasecmp(v->forward[i], to) == 0)
			return;
	v->forward[v->nforward++] = to;
}

int filters_plan(struct pool *pool, struct filters_msg *fm,
		 const struct deliver_rcpt *r, struct filters_verdict *v,
		 const char **error_r)
{
	const struct mime_meta *m = fm->msg->meta;
	char uid[32];
	const char *params[1] = { uid };
	struct filter_input in;
	struct filter_rule *rules;
	bool seen = false, flagged = false, decided = false, loop;
	unsigned int n;
	PGresult *res;
	int rows;

	v->store = true;
	snprintf(uid, sizeof(uid), "%" PRId64, r->user_id);
	res = db_query(pool, FILTERS_SQL, 1, params);
	if (res == NULL) {
		*error_r = db_error();
		return -1;
	}
	rows = db_ntuples(res);
	if (rows == 0)
		return 0;
	if (strcmp(db_value(res, rows - 1, 0), "3") == 0) {
		unsigned int days = 7;

		v->vacation = true;
		v->vacation_subject = db_value(res, rows - 1, 4);
		v->vacation_body = db_value(res, rows - 1, 5);
		if (str_to_uint(db_value(res, rows - 1, 6), &days) == 0)
			v->vacation_days = days;
	}
	rules = rules_from_rows(pool, res, &n);

	memset(&in, 0, sizeof(in));
	in.header = in_header;
	in.address = in_address;
	in.ctx = fm;
	in.subject = m != NULL ? m->subject : "";
	in.body = m != NULL ? m->text : "";
	in.size = fm->msg->size;
	loop = n > 0 && raw_header(fm, FILTERS_LOOP_HEADER, 0) != NULL;
	for (unsigned int i = 0; i < n; i++) {
		const struct filter_rule *rule = &rules[i];

		if (!filter_rule_matches(rule, &in))
			continue;
		log_info("event=filter_matched queue_id=%s rcpt=%s rule=%" PRId64,
			 fm->msg->queue_id, log_quote(r->addr), rule->id);
		for (unsigned int j = 0; j < rule->nacts; j++) {
			const struct filter_action *a = &rule->acts[j];

			switch (a->type) {
			case FILTER_A_SEEN:
				seen = true;
				break;
			case FILTER_A_FLAG:
				flagged = true;
				break;
			case FILTER_A_FORWARD:
				if (!loop)
					add_forward(v, a->value, r->addr);
				break;
			case FILTER_A_FILEINTO:
				if (decided)
					break;
				decided = true;
				v->mailbox_id = a->mailbox_id;
				if (a->mailbox_id == 0)
					log_info("event=filter_no_folder"
						 " queue_id=%s rcpt=%s folder=%s",
						 fm->msg->queue_id,
						 log_quote(r->addr),
						 log_quote(a->value));
				break;
			case FILTER_A_DISCARD:
			case FILTER_A_REJECT:
				if (decided)
					break;
				decided = true;
				v->store = false;
				if (a->type == FILTER_A_REJECT) {
					v->rejected = true;
					v->reject_reason = *a->value != '\0' ?
						a->value :
						FILTERS_REJECT_DEFAULT;
				}
				break;
			default:
				break;
			}
		}
		if (rule->stop)
			break;
	}
	if (seen || flagged)
		v->flags = seen && flagged ? "{\"\\\\Seen\",\"\\\\Flagged\"}" :
			seen ? "{\"\\\\Seen\"}" : "{\"\\\\Flagged\"}";
	/* no notice to <> or to mail daemons: no backscatter loops */
	if (v->rejected && filters_auto_sender(fm->msg->sender))
		v->reject_reason = NULL;
	if (v->vacation && (!v->store || !may_auto_reply(fm, r)))
		v->vacation = false;
	v->side = v->nforward > 0 || v->reject_reason != NULL || v->vacation;
	return 0;
}

/* ==== messages made here =============================================== */

/* crlf_clean - no bare CR or LF in a message built here */
static bool crlf_clean(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((b->data[i] == '\n' && (i == 0 || b->data[i - 1] != '\r')) ||
		    (b->data[i] == '\r' && (i + 1 >= b->len ||
					    b->data[i + 1] != '\n')))
			return false;
	return true;
}

/* one_line - s with CR and LF turned into spaces (for header values) */
static const char *one_line(struct pool *pool, const char *s)
{
	char *c = p_strdup(pool, s != NULL ? s : "");

	for (char *p = c; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	return c;
}

/* encode_text - an unstructured header value, RFC 2047 when needed */
static const char *encode_text(struct pool *pool, const char *s)
{
	char *enc = g_mime_utils_header_encode_text(NULL, one_line(pool, s),
						    "utf-8");
	const char *out = p_strdup(pool, enc != NULL ? enc : "");

	g_free(enc);
	return one_line(pool, out);
}

/* add_base64 - text as CRLF lines, base64 in lines of 76 */
static void add_base64(struct buf *b, struct pool *pool, const char *text)
{
	struct buf *crlf = buf_new_pool(pool, 0);
	gchar *enc;
	size_t len;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n')
			buf_addc(crlf, '\r');
		buf_addc(crlf, *p);
	}
	enc = g_base64_encode((const guchar *)(crlf->data != NULL ?
					       crlf->data : ""), crlf->len);
	len = strlen(enc);
	for (size_t i = 0; i < len; i += 76)
		buf_addf(b, "%.*s\r\n", (int)(len - i < 76 ? len - i : 76),
			 enc + i);
	g_free(enc);
}

/* date_now - an RFC 5322 date */
static const char *date_now(struct pool *pool)
{
	time_t now = time(NULL);
	struct tm tm;
	char date[64];

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	return p_strdup(pool, date);
}

/* send_built - store the message in b and hand it to one address from
 * sender; 0 done (or skipped with a log line), -1 database error */
static int send_built(struct pool *pool, struct filters_msg *fm,
		      const struct deliver_rcpt *r, struct filters_verdict *v,
		      struct buf *b, const struct mime_meta *meta,
		      const char *sender, const char *to, const char *what)
{
	char sha[BLOB_SHA_HEX_LEN + 1];
	struct blob_writer *bw;
	struct deliver_msg msg;
	struct mime_meta *parsed = NULL;
	const char *error;
	uint64_t size;
	int64_t box = 0;

	if (!crlf_clean(b)) {
		log_error("event=filters_build_failed queue_id=%s what=%s",
			  fm->msg->queue_id, what);
		return 0;
	}
	if (blob_writer_open(pool, cfg.blob_dir, &bw, &error) < 0 ||
	    blob_writer_write(bw, b->data, b->len, &error) < 0 ||
	    blob_writer_commit(bw, sha, &size, &error) < 0) {
		log_error("event=filters_store_failed queue_id=%s what=%s"
			  " error=%s", fm->msg->queue_id, what,
			  log_quote(error));
		return 0;
	}
	if (meta == NULL) {
		if (mime_meta_parse_data(pool, b->data, b->len, NULL, &parsed,
					 &error) < 0)
			return 0;
		meta = parsed;
	}
	memset(&msg, 0, sizeof(msg));
	msg.sha = p_strdup(pool, sha);
	msg.size = size;
	msg.meta = meta;
	msg.sender = sender;
	msg.remote = "localhost";
	msg.queue_id = fm->msg->queue_id;
	if (deliver_generated(pool, &msg, to, r->user_id, r->domain_id,
			      &box) < 0)
		return -1;
	if (box != 0 && v->nnotify < sizeof(v->notify) / sizeof(v->notify[0]))
		v->notify[v->nnotify++] = box;
	log_info("event=filters_sent queue_id=%s rcpt=%s what=%s to=%s",
		 fm->msg->queue_id, log_quote(r->addr), what, log_quote(to));
	return 0;
}

/* forward_copy - the message with our loop header on top */
static int forward_copy(struct pool *pool, struct filters_msg *fm,
			const struct deliver_rcpt *r,
			struct filters_verdict *v, const char *to)
{
	struct buf *b = buf_new_pool(pool, 0);
	const char *error;
	uint64_t size;
	char chunk[65536];
	int fd;

	buf_addf(b, FILTERS_LOOP_HEADER ": %s\r\n", r->addr);
	if (blob_open_read(pool, cfg.blob_dir, fm->msg->sha, &fd, &size,
			   &error) < 0) {
		log_error("event=filters_forward_failed queue_id=%s error=%s",
			  fm->msg->queue_id, log_quote(error));
		return 0;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n <= 0)
			break;
		if (buf_append(b, chunk, (size_t)n) < 0)
			break;
	}
	close(fd);
	return send_built(pool, fm, r, v, b, fm->msg->meta, fm->msg->sender,
			  to, "forward");
}

/* reject_notice - a delivery status notification (RFC 3464): the
 * recipient's filter refused the message */
static int reject_notice(struct pool *pool, struct filters_msg *fm,
			 const struct deliver_rcpt *r,
			 struct filters_verdict *v)
{
	struct buf *b = buf_new_pool(pool, 0);
	char rnd[TOKEN_HEX_LEN + 1];
	const char *reason = one_line(pool, v->reject_reason);
	size_t hlen;

	load_header(fm);
	hlen = fm->hdr_len < FILTERS_NOTICE_HEADERS_MAX ? fm->hdr_len :
		FILTERS_NOTICE_HEADERS_MAX;
	token_new_hex(rnd);
	rnd[32] = '\0';
	buf_addf(b,
		"From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
		"To: <%s>\r\n"
		"Subject: Undelivered Mail Returned to Sender\r\n"
		"Date: %s\r\n"
		"Message-ID: <%s.reject@%s>\r\n"
		"Auto-Submitted: auto-replied\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/report; report-type=delivery-status;"
		" boundary=\"%s\"\r\n"
		"\r\n"
		"This is a MIME-encapsulated message.\r\n"
		"\r\n"
		"--%s\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"\r\n", cfg.hostname, one_line(pool, fm->msg->sender),
		date_now(pool), rnd, cfg.hostname, rnd, rnd);
	add_base64(b, pool, p_printf(pool,
		"This is the mail system at host %s.\n\n"
		"Your message was refused by the recipient's mail filter.\n\n"
		"<%s>: %s\n", cfg.hostname, r->addr, reason));
	buf_addf(b,
		"\r\n--%s\r\n"
		"Content-Type: message/delivery-status\r\n"
		"\r\n"
		"Reporting-MTA: dns; %s\r\n"
		"\r\n"
		"Final-Recipient: rfc822; %s\r\n"
		"Action: failed\r\n"
		"Status: 5.7.1\r\n"
		"Diagnostic-Code: smtp; 550 5.7.1 %s\r\n"
		"\r\n"
		"--%s\r\n"
		"Content-Type: text/rfc822-headers\r\n"
		"\r\n", rnd, cfg.hostname, r->addr,
		str_text_sane(reason, 900) ? reason : "Rejected", rnd);
	if (hlen > 0 && buf_append(b, fm->hdr, hlen) < 0)
		return 0;
	if (b->len >= 2 && memcmp(b->data + b->len - 2, "\r\n", 2) != 0)
		buf_adds(b, "\r\n");
	buf_addf(b, "\r\n--%s--\r\n", rnd);
	return send_built(pool, fm, r, v, b, NULL, "",
			  fm->msg->sender, "reject");
}

/* vacation_due - record the reply to this sender; false when one went
 * out within the interval (then nothing changes) */
static int vacation_due(struct pool *pool, const struct deliver_rcpt *r,
			const char *sender, unsigned int days, bool *due_r)
{
	char uid[32], d[16];
	const char *params[3] = { uid, sender, d };
	PGresult *res;

	snprintf(uid, sizeof(uid), "%" PRId64, r->user_id);
	snprintf(d, sizeof(d), "%u", days);
	res = db_query(pool, "INSERT INTO vacation_replies (user_id, sender)"
		       " VALUES ($1::bigint, lower($2))"
		       " ON CONFLICT (user_id, sender) DO UPDATE"
		       " SET replied_at = now()"
		       " WHERE vacation_replies.replied_at <"
		       "  now() - make_interval(days => $3::int)"
		       " RETURNING 1", 3, params);
	if (res == NULL)
		return -1;
	*due_r = db_ntuples(res) > 0;
	return 0;
}

/* vacation_reply - RFC 3834: from <>, Auto-Submitted: auto-replied,
 * In-Reply-To and References of the message answered */
static int vacation_reply(struct pool *pool, struct filters_msg *fm,
			  const struct deliver_rcpt *r,
			  struct filters_verdict *v)
{
	const struct mime_meta *m = fm->msg->meta;
	struct buf *b = buf_new_pool(pool, 0);
	char rnd[TOKEN_HEX_LEN + 1];
	const char *subject = v->vacation_subject;
	bool due = false;

	if (vacation_due(pool, r, fm->msg->sender, v->vacation_days,
			 &due) < 0)
		return -1;
	if (!due) {
		log_info("event=vacation_skipped queue_id=%s rcpt=%s"
			 " reason=recent", fm->msg->queue_id,
			 log_quote(r->addr));
		return 0;
	}
	if (subject == NULL || *subject == '\0')
		subject = p_printf(pool, "Auto: %s", m != NULL ? m->subject :
				   "");
	token_new_hex(rnd);
	rnd[32] = '\0';
	buf_addf(b, "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\n"
		 "Message-ID: <%s.vacation@%s>\r\n", r->addr,
		 one_line(pool, fm->msg->sender), encode_text(pool, subject),
		 date_now(pool), rnd, cfg.hostname);
	if (m != NULL && m->message_id != NULL &&
	    str_text_sane(m->message_id, MIME_META_ID_MAX)) {
		buf_addf(b, "In-Reply-To: <%s>\r\nReferences:", m->message_id);
		if (m->refs != NULL && str_text_sane(m->refs, MIME_META_REFS_MAX)) {
			const char **ids = split_addrs(pool, m->refs);

			for (unsigned int i = 0; ids[i] != NULL; i++)
				buf_addf(b, " <%s>\r\n", ids[i]);
		}
		buf_addf(b, " <%s>\r\n", m->message_id);
	}
	buf_adds(b, "Auto-Submitted: auto-replied\r\n"
		 "Precedence: bulk\r\n"
		 "MIME-Version: 1.0\r\n"
		 "Content-Type: text/plain; charset=utf-8\r\n"
		 "Content-Transfer-Encoding: base64\r\n\r\n");
	add_base64(b, pool, v->vacation_body != NULL ? v->vacation_body : "");
	return send_built(pool, fm, r, v, b, NULL, "", fm->msg->sender,
			  "vacation");
}

int filters_side(struct pool *pool, struct filters_msg *fm,
		 const struct deliver_rcpt *r, struct filters_verdict *v)
{
	for (unsigned int i = 0; i < v->nforward; i++)
		if (forward_copy(pool, fm, r, v, v->forward[i]) < 0)
			return -1;
	if (v->reject_reason != NULL && reject_notice(pool, fm, r, v) < 0)
		return -1;
	if (v->vacation && vacation_reply(pool, fm, r, v) < 0)
		return -1;
	return 0;
}
