/*
 * imapd-search.c - SEARCH (with ESEARCH RETURN options and SEARCHRES),
 * SORT and THREAD (RFC 5256), all answered by one PostgreSQL query over
 * the messages table.
 *
 * The search tree from imap-search.c becomes a WHERE clause with every
 * value a parameter. Keys map to columns: flags, dates, sizes, MODSEQ,
 * the parsed address and subject fields (case-insensitive substring, as
 * RFC 3501 asks); BODY and TEXT use the full-text index (message_fts),
 * brought up to date for the mailbox first so mail that just arrived is
 * found. HEADER on a field we do not keep in a column is answered by
 * reading the header blocks of the mailbox's messages: rare, but right.
 *
 * SECURITY: values are parameters, never SQL text; LIKE patterns have
 * their wildcards escaped; the tree's depth is bounded by the parser.
 */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "imap-mime.h"
#include "imap-search.h"
#include "imap-thread.h"
#include "imapd-private.h"
#include "indexer.h"
#include "log.h"
#include "pool.h"
#include "strnum.h"

#define SEARCH_MAX_PARAMS 1000
#define SEARCH_HEADER_MAX (256 * 1024)	/* header bytes a HEADER key reads */

struct sql {
	struct imapd_session *s;
	struct buf *where;
	const char *params[SEARCH_MAX_PARAMS];
	int n;
	bool failed;
	bool answered;		/* the failure was already answered */
	bool fts;		/* BODY/TEXT used: catch up the index */
};

/* param - "$n" for a new parameter */
static const char *param(struct sql *q, const char *value)
{
	if (q->n >= SEARCH_MAX_PARAMS) {
		q->failed = true;
		return "NULL";
	}
	q->params[q->n++] = value;
	return p_printf(q->s->cmd, "$%d", q->n);
}

/* like - a %substring% pattern with LIKE's specials escaped */
static const char *like(struct sql *q, const char *str)
{
	struct buf *b = buf_new_pool(q->s->cmd, 0);

	buf_addc(b, '%');
	for (const char *p = str; *p != '\0'; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *p);
	}
	buf_addc(b, '%');
	return param(q, b->data);
}

static const char *date_text(struct sql *q, const struct imap_date *d)
{
	return param(q, p_printf(q->s->cmd, "%04u-%02u-%02u", d->year,
				 d->month, d->day));
}

/* header_scan - UIDs whose header has field containing value: reads the
 * header block of every message in the mailbox */
static const char *header_scan(struct sql *q, const char *field,
			       const char *value)
{
	struct imapd_session *s = q->s;
	char id[32];
	const char *params[1] = { id };
	struct buf *uids = buf_new_pool(s->cmd, 0);
	struct pool *one;
	PGresult *res;
	size_t flen = strlen(field), rbuf_cap = 0;
	char *rbuf = NULL;

	snprintf(id, sizeof(id), "%" PRId64, s->view.mailbox_id);
	res = db_query(s->cmd, "SELECT uid, blob_sha256 FROM messages WHERE"
		       " mailbox_id = $1::bigint", 1, params);
	if (res == NULL) {
		q->failed = true;
		return "NULL";
	}
	one = pool_new("header scan", 1024);
	buf_addc(uids, '{');
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *data, *error;
		uint64_t size;
		size_t hlen, len;

		pool_clear(one);
		if (blob_read(one, cfg.blob_dir, db_value(res, i, 1),
			      SEARCH_HEADER_MAX, &rbuf, &rbuf_cap, &len, &size,
			      &error) < 0 || len == 0)
			continue;
		data = rbuf;
		hlen = imap_mime_header_len(data, len);
		/* each field from line start: name, colon, value with its
		   continuation lines */
		for (size_t pos = 0; pos < hlen;) {
			const char *line = data + pos;
			const char *end = memchr(line, '\n', hlen - pos);
			size_t llen = end != NULL ? (size_t)(end - line) + 1 :
				hlen - pos;
			size_t vend = pos + llen;

			while (vend < hlen && (data[vend] == ' ' ||
					       data[vend] == '\t')) {
				const char *e = memchr(data + vend, '\n',
						       hlen - vend);

				vend = e != NULL ? (size_t)(e - data) + 1 :
					hlen;
			}
			if (llen > flen && strncasecmp(line, field, flen) ==
			    0 && line[flen] == ':') {
				char *v = p_strndup(s->cmd, line + flen + 1,
						    vend - pos - flen - 1);

				if (value[0] == '\0' || strcasestr(v, value)) {
					buf_addf(uids, "%s%s",
						uids->len > 1 ? "," : "",
						db_value(res, i, 0));
					break;
				}
			}
			pos = vend;
		}
	}
	free(rbuf);
	pool_destroy(&one);
	buf_addc(uids, '}');
	return param(q, uids->data);
}

static void cond(struct sql *q, const struct imap_search_key *k);

static void flag_cond(struct sql *q, const char *flag, bool set)
{
	buf_addf(q->where, "%s(m.flags @> ARRAY[%s]::text[])",
			 set ? "" : "NOT ", param(q, flag));
}

static void uid_cond(struct sql *q, const struct imap_seqset *set, bool uid)
{
	uint32_t *uids;
	unsigned int n;

	/* a bad sequence number has already been answered: fail */
	if (imapd_resolve_set(q->s, set, uid, &uids, &n) < 0) {
		q->failed = q->answered = true;
		buf_adds(q->where, "FALSE");
		return;
	}
	buf_addf(q->where, "m.uid = ANY(%s::bigint[])",
			 param(q, imapd_uid_array(q->s, uids, n)));
}

static void cond(struct sql *q, const struct imap_search_key *k)
{
	struct buf *w = q->where;

	switch (k->type) {
	case IMAP_SEARCH_AND:
		buf_addc(w, '(');
		if (k->count == 0)
			buf_adds(w, "TRUE");
		for (unsigned int i = 0; i < k->count; i++) {
			if (i > 0)
				buf_adds(w, " AND ");
			cond(q, &k->sub[i]);
		}
		buf_addc(w, ')');
		return;
	case IMAP_SEARCH_OR:
		buf_addc(w, '(');
		cond(q, &k->sub[0]);
		buf_adds(w, " OR ");
		cond(q, &k->sub[1]);
		buf_addc(w, ')');
		return;
	case IMAP_SEARCH_NOT:
		buf_adds(w, "NOT COALESCE(");
		cond(q, &k->sub[0]);
		buf_adds(w, ", FALSE)");
		return;
	case IMAP_SEARCH_SEQSET:
		uid_cond(q, &k->seqset, false);
		return;
	case IMAP_SEARCH_UID:
		uid_cond(q, &k->seqset, true);
		return;
	case IMAP_SEARCH_ALL:
	case IMAP_SEARCH_OLD:
		buf_adds(w, "TRUE");
		return;
	case IMAP_SEARCH_NEW:
	case IMAP_SEARCH_RECENT:
		buf_adds(w, "FALSE");	/* no \Recent here */
		return;
	case IMAP_SEARCH_ANSWERED: flag_cond(q, "\\Answered", true); return;
	case IMAP_SEARCH_DELETED: flag_cond(q, "\\Deleted", true); return;
	case IMAP_SEARCH_DRAFT: flag_cond(q, "\\Draft", true); return;
	case IMAP_SEARCH_FLAGGED: flag_cond(q, "\\Flagged", true); return;
	case IMAP_SEARCH_SEEN: flag_cond(q, "\\Seen", true); return;
	case IMAP_SEARCH_UNANSWERED: flag_cond(q, "\\Answered", false); return;
	case IMAP_SEARCH_UNDELETED: flag_cond(q, "\\Deleted", false); return;
	case IMAP_SEARCH_UNDRAFT: flag_cond(q, "\\Draft", false); return;
	case IMAP_SEARCH_UNFLAGGED: flag_cond(q, "\\Flagged", false); return;
	case IMAP_SEARCH_UNSEEN: flag_cond(q, "\\Seen", false); return;
	case IMAP_SEARCH_KEYWORD: flag_cond(q, k->str, true); return;
	case IMAP_SEARCH_UNKEYWORD: flag_cond(q, k->str, false); return;
	case IMAP_SEARCH_FROM: {
		const char *p = like(q, k->str);

		buf_addf(w, "(m.from_addr ILIKE %s OR m.from_name"
				 " ILIKE %s)", p, p);
		return;
	}
	case IMAP_SEARCH_TO:
		buf_addf(w, "m.to_addrs ILIKE %s", like(q, k->str));
		return;
	case IMAP_SEARCH_CC:
		buf_addf(w, "m.cc_addrs ILIKE %s", like(q, k->str));
		return;
	case IMAP_SEARCH_SUBJECT:
		buf_addf(w, "m.subject ILIKE %s", like(q, k->str));
		return;
	case IMAP_SEARCH_BCC:
		buf_addf(w, "m.uid = ANY(%s::bigint[])",
				 header_scan(q, "Bcc", k->str));
		return;
	case IMAP_SEARCH_HEADER:
		if (strcasecmp(k->field, "Subject") == 0)
			buf_addf(w, "m.subject ILIKE %s",
					 like(q, k->str));
		else if (strcasecmp(k->field, "Message-ID") == 0)
			buf_addf(w, "COALESCE(m.message_id, '') ILIKE"
					 " %s", like(q, k->str));
		else
			buf_addf(w, "m.uid = ANY(%s::bigint[])",
					 header_scan(q, k->field, k->str));
		return;
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_TEXT: {
		const char *t;

		if (k->str[0] == '\0') {
			buf_adds(w, "TRUE");
			return;
		}
		q->fts = true;
		t = param(q, k->str);
		/* the body's words have weight D; subject and sender,
		   A and B, count for TEXT only */
		buf_addf(w, "(EXISTS (SELECT 1 FROM message_fts f WHERE"
			 " f.message_id = m.id AND %s @@ plainto_tsquery("
			 "'simple', %s))", k->type == IMAP_SEARCH_BODY ?
			 "ts_filter(f.fts, '{d}')" : "f.fts", t);
		if (k->type == IMAP_SEARCH_TEXT) {
			const char *p = like(q, k->str);

			buf_addf(w, " OR m.subject ILIKE %s OR"
					 " m.from_addr ILIKE %s OR m.from_name"
					 " ILIKE %s OR m.to_addrs ILIKE %s OR"
					 " m.cc_addrs ILIKE %s", p, p, p, p, p);
		}
		buf_addc(w, ')');
		return;
	}
	case IMAP_SEARCH_BEFORE:
		buf_addf(w, "(m.internal_date AT TIME ZONE 'UTC')::date"
				 " < %s::date", date_text(q, &k->date));
		return;
	case IMAP_SEARCH_ON:
		buf_addf(w, "(m.internal_date AT TIME ZONE 'UTC')::date"
				 " = %s::date", date_text(q, &k->date));
		return;
	case IMAP_SEARCH_SINCE:
		buf_addf(w, "(m.internal_date AT TIME ZONE 'UTC')::date"
				 " >= %s::date", date_text(q, &k->date));
		return;
	case IMAP_SEARCH_SENTBEFORE:
		buf_addf(w, "(m.date_sent AT TIME ZONE 'UTC')::date"
				 " < %s::date", date_text(q, &k->date));
		return;
	case IMAP_SEARCH_SENTON:
		buf_addf(w, "(m.date_sent AT TIME ZONE 'UTC')::date"
				 " = %s::date", date_text(q, &k->date));
		return;
	case IMAP_SEARCH_SENTSINCE:
		buf_addf(w, "(m.date_sent AT TIME ZONE 'UTC')::date"
				 " >= %s::date", date_text(q, &k->date));
		return;
	case IMAP_SEARCH_LARGER:
		buf_addf(w, "m.size > %s::bigint",
				 param(q, p_printf(q->s->cmd, "%" PRIu64,
						   k->number)));
		return;
	case IMAP_SEARCH_SMALLER:
		buf_addf(w, "m.size < %s::bigint",
				 param(q, p_printf(q->s->cmd, "%" PRIu64,
						   k->number)));
		return;
	case IMAP_SEARCH_MODSEQ:
		buf_addf(w, "m.modseq >= %s::bigint",
				 param(q, p_printf(q->s->cmd, "%" PRIu64,
						   k->number)));
		return;
	}
	buf_adds(w, "FALSE");
}

/* run_query - the matching messages: uid, modseq and the given extra
 * columns, ordered; NULL after answering */
static PGresult *run_query(struct imapd_session *s,
			   const struct imap_search *search,
			   const char *columns, const char *order)
{
	struct sql q;
	char id[32];
	PGresult *res;

	memset(&q, 0, sizeof(q));
	q.s = s;
	q.where = buf_new_pool(s->cmd, 0);
	snprintf(id, sizeof(id), "%" PRId64, s->view.mailbox_id);
	(void)param(&q, id);
	cond(&q, search->root);
	if (q.failed) {
		if (!q.answered)
			imapd_db_fail(s);
		return NULL;
	}
	if (q.fts && indexer_catch_up(s->view.mailbox_id) < 0) {
		imapd_db_fail(s);
		return NULL;
	}
	res = db_query(s->cmd, p_printf(s->cmd, "SELECT m.uid, m.modseq%s"
				       " FROM messages m WHERE m.mailbox_id ="
				       " $1::bigint AND %s ORDER BY %s",
				       columns, q.where->data, order),
		       q.n, q.params);
	if (res == NULL)
		imapd_db_fail(s);
	return res;
}

/* ==== SEARCH ============================================================ */

void imapd_cmd_search(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	struct imap_search search;
	const char *error;
	PGresult *res;
	uint32_t *nums, *uids;
	unsigned int n = 0;
	uint64_t maxmod = 0;
	struct buf *b;

	if (imap_search_parse(s->cmd, cmd->args, cmd->count, 0, &search,
			      &error) < 0) {
		if (search.badcharset)
			imapd_tagged(s, "NO", "[" IMAP_SEARCH_BADCHARSET_CODE
				     "] Unsupported charset");
		else
			imapd_tagged(s, "BAD", "%s", error);
		return;
	}
	if (search.has_modseq)
		s->condstore = true;
	if (imapd_sync(s, cmd->uid) < 0) {
		imapd_db_fail(s);
		return;
	}
	res = run_query(s, &search, "", "m.uid");
	if (res == NULL)
		return;
	nums = p_alloc(s->cmd, ((size_t)db_ntuples(res) + 1) * sizeof(*nums));
	uids = p_alloc(s->cmd, ((size_t)db_ntuples(res) + 1) * sizeof(*uids));
	for (int i = 0; i < db_ntuples(res); i++) {
		uint32_t uid = (uint32_t)imapd_i64(res, i, 0);
		unsigned int seq = imapd_seq_of(s, uid);
		uint64_t m = (uint64_t)imapd_i64(res, i, 1);

		if (seq == 0)
			continue;	/* arrived after the view's last sync */
		uids[n] = uid;
		nums[n++] = cmd->uid ? uid : seq;
		if (m > maxmod)
			maxmod = m;
	}
	if (search.return_opts & IMAP_SEARCH_RETURN_SAVE) {
		free(s->saved);
		s->saved = xmalloc((n + 1) * sizeof(*s->saved));
		memcpy(s->saved, uids, n * sizeof(*uids));
		s->nsaved = n;
	}
	b = buf_new_pool(s->cmd, 0);
	if (search.has_return) {
		unsigned int opts = search.return_opts;

		if ((opts & ~IMAP_SEARCH_RETURN_SAVE) == 0 &&
		    (opts & IMAP_SEARCH_RETURN_SAVE)) {
			imapd_tagged(s, "OK", "%s completed", cmd->name);
			return;
		}
		if (opts == 0)
			opts = IMAP_SEARCH_RETURN_ALL;
		buf_addf(b, "* ESEARCH (TAG %s)%s",
				 imapd_quote(s, s->tag), cmd->uid ? " UID" : "");
		if ((opts & IMAP_SEARCH_RETURN_MIN) && n > 0)
			buf_addf(b, " MIN %u", nums[0]);
		if ((opts & IMAP_SEARCH_RETURN_MAX) && n > 0)
			buf_addf(b, " MAX %u", nums[n - 1]);
		if (opts & IMAP_SEARCH_RETURN_COUNT)
			buf_addf(b, " COUNT %u", n);
		if ((opts & IMAP_SEARCH_RETURN_ALL) && n > 0)
			buf_addf(b, " ALL %s", imapd_set_text(s, nums, n));
		if (search.has_modseq && n > 0)
			buf_addf(b, " MODSEQ %" PRIu64, maxmod);
	} else {
		buf_adds(b, "* SEARCH");
		for (unsigned int i = 0; i < n; i++)
			buf_addf(b, " %u", nums[i]);
		if (search.has_modseq && n > 0)
			buf_addf(b, " (MODSEQ %" PRIu64 ")", maxmod);
	}
	imapd_out(s, "%s\r\n", b->data);
	imapd_tagged(s, "OK", "%s completed", cmd->name);
}

/* ==== SORT ============================================================== */

void imapd_cmd_sort(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	const struct imap_sort_criterion *crit;
	unsigned int ncrit;
	struct imap_search search;
	const char *error;
	struct buf *order, *out;
	PGresult *res;

	if (cmd->count < 3 ||
	    imap_sort_parse(s->cmd, &cmd->args[0], &crit, &ncrit, &error) < 0) {
		imapd_tagged(s, "BAD", "Usage: SORT (criteria) charset"
			     " search-keys");
		return;
	}
	if (imap_search_parse_criteria(s->cmd, cmd->args + 1, cmd->count - 1,
				       0, &search, &error) < 0) {
		if (search.badcharset)
			imapd_tagged(s, "NO", "[" IMAP_SEARCH_BADCHARSET_CODE
				     "] Unsupported charset");
		else
			imapd_tagged(s, "BAD", "%s", error);
		return;
	}
	order = buf_new_pool(s->cmd, 0);
	for (unsigned int i = 0; i < ncrit; i++) {
		static const char *const col[] = {
			[IMAP_SORT_ARRIVAL] = "m.internal_date",
			[IMAP_SORT_CC] = "lower(split_part(m.cc_addrs, ',', 1))",
			[IMAP_SORT_DATE] = "COALESCE(m.date_sent,"
				" m.internal_date)",
			[IMAP_SORT_FROM] = "m.sort_from",
			[IMAP_SORT_SIZE] = "m.size",
			[IMAP_SORT_SUBJECT] = "m.sort_subject",
			[IMAP_SORT_TO] = "lower(split_part(m.to_addrs, ',', 1))",
		};

		buf_addf(order, "%s%s%s", i > 0 ? ", " : "",
				 col[crit[i].key], crit[i].reverse ?
				 " DESC" : "");
	}
	buf_adds(order, ", m.uid");
	if (imapd_sync(s, cmd->uid) < 0) {
		imapd_db_fail(s);
		return;
	}
	res = run_query(s, &search, "", order->data);
	if (res == NULL)
		return;
	out = buf_new_pool(s->cmd, 0);
	buf_adds(out, "* SORT");
	for (int i = 0; i < db_ntuples(res); i++) {
		uint32_t uid = (uint32_t)imapd_i64(res, i, 0);
		unsigned int seq = imapd_seq_of(s, uid);

		if (seq > 0)
			buf_addf(out, " %u", cmd->uid ? uid : seq);
	}
	imapd_out(s, "%s\r\n", out->data);
	imapd_tagged(s, "OK", "%s completed", cmd->name);
}

/* ==== THREAD ============================================================ */

void imapd_cmd_thread(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	struct imap_search search;
	enum imap_thread_algorithm alg;
	const char *error, *name;
	struct imap_thread_msg *msgs;
	struct buf *out;
	PGresult *res;
	size_t n = 0;

	if (cmd->count < 3 ||
	    (name = imap_arg_get_atom(&cmd->args[0])) == NULL) {
		imapd_tagged(s, "BAD", "Usage: THREAD algorithm charset"
			     " search-keys");
		return;
	}
	if (strcasecmp(name, "REFERENCES") == 0)
		alg = IMAP_THREAD_REFERENCES;
	else if (strcasecmp(name, "ORDEREDSUBJECT") == 0)
		alg = IMAP_THREAD_ORDEREDSUBJECT;
	else {
		imapd_tagged(s, "BAD", "Unknown threading algorithm");
		return;
	}
	if (imap_search_parse_criteria(s->cmd, cmd->args + 1, cmd->count - 1,
				       0, &search, &error) < 0) {
		if (search.badcharset)
			imapd_tagged(s, "NO", "[" IMAP_SEARCH_BADCHARSET_CODE
				     "] Unsupported charset");
		else
			imapd_tagged(s, "BAD", "%s", error);
		return;
	}
	if (imapd_sync(s, cmd->uid) < 0) {
		imapd_db_fail(s);
		return;
	}
	res = run_query(s, &search, ", m.message_id, m.in_reply_to, m.refs,"
			" m.sort_subject, extract(epoch FROM"
			" COALESCE(m.date_sent, m.internal_date))::bigint",
			"m.uid");
	if (res == NULL)
		return;
	msgs = p_alloc(s->cmd, ((size_t)db_ntuples(res) + 1) * sizeof(*msgs));
	for (int i = 0; i < db_ntuples(res); i++) {
		uint32_t uid = (uint32_t)imapd_i64(res, i, 0);
		unsigned int seq = imapd_seq_of(s, uid);

		if (seq == 0)
			continue;
		msgs[n].number = cmd->uid ? uid : seq;
		msgs[n].message_id = db_value(res, i, 2);
		msgs[n].in_reply_to = db_value(res, i, 3);
		msgs[n].refs = db_value(res, i, 4);
		msgs[n].base_subject = db_value(res, i, 5) != NULL ?
			db_value(res, i, 5) : "";
		msgs[n].date = imapd_i64(res, i, 6);
		n++;
	}
	out = buf_new_pool(s->cmd, 0);
	buf_adds(out, "* THREAD ");
	if (imap_thread(s->cmd, alg, msgs, n, out) < 0) {
		imapd_tagged(s, "NO", "[LIMIT] Result too large");
		return;
	}
	imapd_out(s, "%s\r\n", out->data);
	imapd_tagged(s, "OK", "%s completed", cmd->name);
}
