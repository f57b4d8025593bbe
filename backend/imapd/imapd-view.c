/*
 * imapd-view.c - the selected mailbox: SELECT/EXAMINE (with CONDSTORE and
 * QRESYNC), telling the client about changes, CLOSE/UNSELECT, EXPUNGE,
 * STORE, COPY and MOVE.
 *
 * Every change to a mailbox moves its HIGHESTMODSEQ by one and stamps the
 * changed rows with it (expunges go to the expunged table with theirs),
 * in one statement. That makes one rule serve all sessions: whatever has
 * a MODSEQ above what the view reported is news. Sessions in the same or
 * other processes hear about changes through notify.h and look only
 * then.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "deliver.h"
#include "imap-fetch.h"
#include "imapd-private.h"
#include "log.h"
#include "mailbox.h"
#include "notify.h"
#include "pool.h"
#include "strnum.h"

/* the flags FLAGS lists; any keyword may be stored (PERMANENTFLAGS \*) */
#define IMAPD_FLAGS "\\Answered \\Flagged \\Deleted \\Seen \\Draft" \
	" $Forwarded $MDNSent $Junk $NotJunk $HasAttachment"

/* ==== small helpers ===================================================== */

const char *imapd_uid_array(struct imapd_session *s, const uint32_t *uids,
			    unsigned int n)
{
	return store_uids_text(s->cmd, uids, n);
}

const char *imapd_flags_list(struct imapd_session *s, const char *flags)
{
	return p_printf(s->cmd, "(%s)", flags != NULL ? flags : "");
}

/* parse_uid_list - "1,2,3" into a malloc'd array */
static int parse_uid_list(const char *text, uint32_t **uids_r,
			  unsigned int *n_r, unsigned int *cap_r)
{
	unsigned int n = 0, cap = 16;
	uint32_t *uids = xmalloc(cap * sizeof(*uids));
	const char *p = text != NULL ? text : "";

	while (*p != '\0') {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end == p) {
			free(uids);
			return -1;
		}
		if (n == cap) {
			cap *= 2;
			uids = xrealloc(uids, cap * sizeof(*uids));
		}
		uids[n++] = (uint32_t)v;
		p = *end == ',' ? end + 1 : end;
	}
	*uids_r = uids;
	*n_r = n;
	if (cap_r != NULL)
		*cap_r = cap;
	return 0;
}

/* uids_from_gaps - 1..uidnext-1 without the ascending UIDs in gaps */
static int uids_from_gaps(const char *gaps, uint32_t uidnext,
			  uint32_t **uids_r, unsigned int *n_r,
			  unsigned int *cap_r)
{
	uint32_t *gap = NULL, *uids;
	unsigned int ngap = 0, n = 0, cap;

	if (gaps != NULL && parse_uid_list(gaps, &gap, &ngap, NULL) < 0)
		return -1;
	cap = uidnext > 1 ? uidnext - 1 : 1;
	uids = xmalloc(cap * sizeof(*uids));
	for (uint32_t u = 1, g = 0; u < uidnext; u++) {
		while (g < ngap && gap[g] < u)
			g++;
		if (g < ngap && gap[g] == u)
			continue;
		uids[n++] = u;
	}
	free(gap);
	*uids_r = uids;
	*n_r = n;
	*cap_r = cap;
	return 0;
}

unsigned int imapd_seq_of(const struct imapd_session *s, uint32_t uid)
{
	unsigned int lo = 0, hi = s->view.count;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (s->view.uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->view.count && s->view.uids[lo] == uid ? lo + 1 : 0;
}

/* lower_bound - the first index whose UID is >= uid */
static unsigned int lower_bound(const struct imapd_session *s, uint32_t uid)
{
	unsigned int lo = 0, hi = s->view.count;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (s->view.uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* index intervals [a, b) of the view */
struct span {
	unsigned int a, b;
};

static int span_cmp(const void *x, const void *y)
{
	const struct span *p = x, *q = y;

	return p->a < q->a ? -1 : p->a > q->a;
}

/* The set becomes intervals of view indexes, sorted and merged; the
 * work and memory follow the size of the set and the answer, not of the
 * mailbox (a client paging through 100,000 messages asks for 50). */
int imapd_resolve_set(struct imapd_session *s, const struct imap_seqset *set,
		      bool uid, uint32_t **uids_r, unsigned int *n_r)
{
	unsigned int count = s->view.count, nspans = 0, total = 0, n = 0, m = 0;
	struct span *sp = p_alloc(s->cmd, (set->count + (set->searchres ?
				  s->nsaved : 0) + 1) * sizeof(*sp));
	uint32_t *out;

	if (set->searchres) {
		for (unsigned int i = 0; i < s->nsaved; i++) {
			unsigned int seq = imapd_seq_of(s, s->saved[i]);

			if (seq > 0) {
				sp[nspans].a = seq - 1;
				sp[nspans++].b = seq;
			}
		}
	}
	for (unsigned int r = 0; r < set->count; r++) {
		uint32_t lo = set->ranges[r].lo, hi = set->ranges[r].hi;

		if (uid) {
			uint32_t star = count > 0 ? s->view.uids[count - 1] : 0;

			if (lo == IMAP_SEQ_STAR)
				lo = star;
			if (hi == IMAP_SEQ_STAR)
				hi = star;
			if (lo > hi) {
				uint32_t t = lo;

				lo = hi;
				hi = t;
			}
			sp[nspans].a = lower_bound(s, lo);
			sp[nspans++].b = hi == UINT32_MAX ? count :
				lower_bound(s, hi + 1);
		} else {
			if (lo == IMAP_SEQ_STAR)
				lo = count;
			if (hi == IMAP_SEQ_STAR)
				hi = count;
			if (lo > hi) {
				uint32_t t = lo;

				lo = hi;
				hi = t;
			}
			if (lo == 0 || hi > count) {
				imapd_tagged(s, "BAD", "Invalid message sequence"
					     " number");
				return -1;
			}
			sp[nspans].a = lo - 1;
			sp[nspans++].b = hi;
		}
	}
	qsort(sp, nspans, sizeof(*sp), span_cmp);
	/* merge overlapping and touching intervals in place */
	for (unsigned int i = 0; i < nspans; i++) {
		if (sp[i].a >= sp[i].b)
			continue;
		if (m > 0 && sp[i].a <= sp[m - 1].b) {
			if (sp[i].b > sp[m - 1].b) {
				total += sp[i].b - sp[m - 1].b;
				sp[m - 1].b = sp[i].b;
			}
		} else {
			sp[m++] = sp[i];
			total += sp[i].b - sp[i].a;
		}
	}
	nspans = m;
	out = p_alloc(s->cmd, (total + 1) * sizeof(*out));
	for (unsigned int i = 0; i < nspans; i++)
		for (unsigned int j = sp[i].a; j < sp[i].b; j++)
			out[n++] = s->view.uids[j];
	*uids_r = out;
	*n_r = n;
	return 0;
}

/* ==== the view ========================================================== */

void imapd_view_reset(struct imapd_session *s)
{
	free(s->view.uids);
	free(s->saved);
	s->saved = NULL;
	s->nsaved = 0;
	memset(&s->view, 0, sizeof(s->view));
	s->state = IMAPD_AUTH;
}

static void view_remove_at(struct imapd_session *s, unsigned int idx)
{
	memmove(s->view.uids + idx, s->view.uids + idx + 1,
		(s->view.count - idx - 1) * sizeof(uint32_t));
	s->view.count--;
}

static void view_append(struct imapd_session *s, uint32_t uid)
{
	if (s->view.count == s->view.cap) {
		s->view.cap = s->view.cap == 0 ? 64 : s->view.cap * 2;
		s->view.uids = xrealloc(s->view.uids,
					s->view.cap * sizeof(uint32_t));
	}
	s->view.uids[s->view.count++] = uid;
}

void imapd_own_change(struct imapd_session *s, uint64_t newmod)
{
	struct imapd_view *v = &s->view;
	uint32_t gen = mbox_notify_gen(v->mailbox_id);

	/* one step of MODSEQ and one of the counter are ours alone; any
	 * other change moved one of them further */
	if (newmod == v->modseq + 1 && !v->recheck &&
	    mbox_notify_active() && gen == v->gen + 1) {
		v->modseq = newmod;
		v->gen = gen;
		return;
	}
	if (newmod == v->modseq + 1)
		v->modseq = newmod;
	v->recheck = true;
}

int imapd_sync(struct imapd_session *s, bool allow_expunge)
{
	struct imapd_view *v = &s->view;
	char id[32], modseq[32], next[32];
	const char *params[3];
	PGresult *res;
	uint32_t gen, uidnext, old_next = v->uidnext;
	uint64_t highest;
	unsigned int before = v->count;
	bool withheld = false;

	if (s->state != IMAPD_SELECTED)
		return 0;
	gen = mbox_notify_gen(v->mailbox_id);
	if (mbox_notify_active() && gen == v->gen && !v->recheck)
		return 0;
	snprintf(id, sizeof(id), "%" PRId64, v->mailbox_id);
	params[0] = id;
	res = db_query(s->cmd, "SELECT highestmodseq, uidnext FROM mailboxes"
		       " WHERE id = $1::bigint", 1, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) != 1) {
		/* the mailbox was deleted under us */
		imapd_out(s, "* BYE Selected mailbox was deleted\r\n");
		s->state = IMAPD_LOGOUT;
		return 0;
	}
	highest = (uint64_t)imapd_i64(res, 0, 0);
	uidnext = (uint32_t)imapd_i64(res, 0, 1);
	v->gen = gen;
	v->recheck = false;
	if (highest == v->modseq && uidnext == v->uidnext)
		return 0;
	snprintf(modseq, sizeof(modseq), "%" PRIu64, v->modseq);
	params[1] = modseq;

	/* expunges */
	res = db_query(s->cmd, "SELECT uid FROM expunged WHERE mailbox_id ="
		       " $1::bigint AND modseq > $2::bigint ORDER BY uid", 2,
		       params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) > 0 && !allow_expunge) {
		withheld = true;
	} else if (db_ntuples(res) > 0) {
		uint32_t *gone = p_alloc(s->cmd, (size_t)db_ntuples(res) *
					 sizeof(*gone));
		unsigned int ngone = 0;

		for (int i = 0; i < db_ntuples(res); i++) {
			uint32_t uid = (uint32_t)imapd_i64(res, i, 0);
			unsigned int seq = imapd_seq_of(s, uid);

			if (seq == 0)
				continue;
			view_remove_at(s, seq - 1);
			if (s->qresync)
				gone[ngone++] = uid;
			else
				imapd_out(s, "* %u EXPUNGE\r\n", seq);
		}
		if (ngone > 0)
			imapd_out(s, "* VANISHED %s\r\n",
				  imapd_set_text(s, gone, ngone));
		before = v->count < before ? v->count : before;
	}

	/* new messages */
	snprintf(next, sizeof(next), "%" PRIu32, v->uidnext);
	params[1] = next;
	res = db_query(s->cmd, "SELECT uid FROM messages WHERE mailbox_id ="
		       " $1::bigint AND uid >= $2::bigint ORDER BY uid", 2,
		       params);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		uint32_t uid = (uint32_t)imapd_i64(res, i, 0);

		if (v->count == 0 || uid > v->uids[v->count - 1])
			view_append(s, uid);
		if (uid + 1 > v->uidnext)
			v->uidnext = uid + 1;
	}
	if (uidnext > v->uidnext)
		v->uidnext = uidnext;
	if (v->count != before || db_ntuples(res) > 0)
		imapd_out(s, "* %u EXISTS\r\n", v->count);

	/* flag changes of messages the client knew */
	params[1] = modseq;
	snprintf(next, sizeof(next), "%" PRIu32, old_next);
	params[2] = next;
	res = db_query(s->cmd, "SELECT uid, array_to_string(flags, ' '),"
		       " modseq FROM messages WHERE mailbox_id = $1::bigint"
		       " AND modseq > $2::bigint AND uid < $3::bigint"
		       " ORDER BY uid", 3, params);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		uint32_t uid = (uint32_t)imapd_i64(res, i, 0);
		unsigned int seq = imapd_seq_of(s, uid);

		if (seq == 0)
			continue;
		if (s->condstore)
			imapd_out(s, "* %u FETCH (UID %" PRIu32 " FLAGS (%s)"
				  " MODSEQ (%s))\r\n", seq, uid,
				  db_value(res, i, 1), db_value(res, i, 2));
		else
			imapd_out(s, "* %u FETCH (UID %" PRIu32 " FLAGS (%s))"
				  "\r\n", seq, uid, db_value(res, i, 1));
	}
	if (withheld)
		v->recheck = true;	/* the expunges are still to tell */
	else
		v->modseq = highest;
	return 0;
}

/* ==== SELECT / EXAMINE ================================================== */

/* select_params - "(CONDSTORE)" or "(QRESYNC (uidvalidity modseq
 * [known-uids [seq-match]]))"; -1 after answering BAD */
static int select_params(struct imapd_session *s, const struct imap_arg *arg,
			 bool *qresync_r, uint32_t *qr_validity_r,
			 uint64_t *qr_modseq_r, struct imap_seqset *known_r)
{
	const struct imap_arg *list, *qr;
	unsigned int n, nqr;

	if (!imap_arg_get_list(arg, &list, &n))
		goto bad;
	for (unsigned int i = 0; i < n; i++) {
		if (imap_arg_atom_eq(&list[i], "CONDSTORE")) {
			s->condstore = true;
		} else if (imap_arg_atom_eq(&list[i], "QRESYNC") &&
			   i + 1 < n &&
			   imap_arg_get_list(&list[i + 1], &qr, &nqr) &&
			   nqr >= 2) {
			const char *a = imap_arg_get_atom(&qr[0]);
			const char *b = imap_arg_get_atom(&qr[1]);
			unsigned int v;
			uint64_t m;
			const char *error;

			if (!s->qresync) {
				imapd_tagged(s, "BAD", "QRESYNC is not enabled");
				return -1;
			}
			if (a == NULL || b == NULL || str_to_uint(a, &v) < 0 ||
			    v == 0 || str_to_u64(b, &m) < 0)
				goto bad;
			*qresync_r = true;
			*qr_validity_r = v;
			*qr_modseq_r = m;
			if (nqr >= 3) {
				const char *k = imap_arg_get_atom(&qr[2]);

				if (k == NULL || imap_seqset_parse(s->cmd, k,
						strlen(k), 0, known_r,
						&error) < 0)
					goto bad;
			}
			i++;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	imapd_tagged(s, "BAD", "Invalid SELECT parameters");
	return -1;
}

void imapd_cmd_select(struct imapd_session *s, bool readonly)
{
	const struct imap_cmd *cmd = s->cur;
	const char *name, *params[2];
	char user[32];
	PGresult *res;
	struct imapd_view *v = &s->view;
	bool qresync = false;
	uint32_t qr_validity = 0, first_unseen;
	uint64_t qr_modseq = 0;
	struct imap_seqset known = { 0 };

	if (cmd->count < 1 || cmd->count > 2) {
		imapd_tagged(s, "BAD", "Usage: %s mailbox", cmd->name);
		return;
	}
	if (s->state == IMAPD_SELECTED) {
		imapd_view_reset(s);
		if (s->qresync)
			imapd_out(s, "* OK [CLOSED] Previous mailbox closed\r\n");
	}
	name = imapd_mailbox_arg(s, &cmd->args[0]);
	if (name == NULL)
		return;
	if (cmd->count == 2 && select_params(s, &cmd->args[1], &qresync,
					     &qr_validity, &qr_modseq,
					     &known) < 0)
		return;
	snprintf(user, sizeof(user), "%" PRId64, s->user_id);
	params[0] = user;
	params[1] = name;
	/* the UIDs: from the gaps when the counts prove them (see
	   sql/002_imap.sql), else from the rows; one snapshot either way */
	res = db_query(s->cmd,
		"SELECT mb.id, mb.uidvalidity, mb.uidnext, mb.highestmodseq,"
		" CASE WHEN e.dense THEN (SELECT string_agg(uid::text, ','"
		"  ORDER BY uid) FROM expunged WHERE mailbox_id = mb.id) END,"
		" CASE WHEN NOT e.dense THEN (SELECT string_agg(uid::text, ','"
		"  ORDER BY uid) FROM messages WHERE mailbox_id = mb.id) END,"
		" (SELECT min(uid) FROM messages WHERE mailbox_id = mb.id"
		"  AND NOT flags @> '{\"\\\\Seen\"}'),"
		" e.dense"
		" FROM mailboxes mb CROSS JOIN LATERAL (SELECT"
		"  mb.message_count = mb.uidnext - 1 - count(*) AND"
		"  count(*) <= mb.message_count AS dense"
		"  FROM expunged WHERE mailbox_id = mb.id) e"
		" WHERE mb.user_id = $1::bigint AND mb.name = $2", 2, params);
	if (res == NULL) {
		imapd_db_fail(s);
		return;
	}
	if (db_ntuples(res) != 1) {
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		return;
	}
	memset(v, 0, sizeof(*v));
	if (db_value(res, 0, 7)[0] == 't' ?
	    uids_from_gaps(db_value(res, 0, 4),
			   (uint32_t)imapd_i64(res, 0, 2), &v->uids, &v->count,
			   &v->cap) < 0 :
	    parse_uid_list(db_value(res, 0, 5), &v->uids, &v->count,
			   &v->cap) < 0) {
		imapd_tagged(s, "NO", "[SERVERBUG] Bad UID list");
		return;
	}
	v->mailbox_id = imapd_i64(res, 0, 0);
	v->name = p_strdup(s->pool, name);
	v->readonly = readonly;
	v->uidvalidity = (uint32_t)imapd_i64(res, 0, 1);
	v->uidnext = (uint32_t)imapd_i64(res, 0, 2);
	v->modseq = (uint64_t)imapd_i64(res, 0, 3);
	v->gen = mbox_notify_gen(v->mailbox_id);
	first_unseen = (uint32_t)imapd_i64(res, 0, 6);
	s->state = IMAPD_SELECTED;

	imapd_out(s, "* FLAGS (" IMAPD_FLAGS ")\r\n");
	if (readonly)
		imapd_out(s, "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n");
	else
		imapd_out(s, "* OK [PERMANENTFLAGS (\\Answered \\Flagged"
			  " \\Deleted \\Seen \\Draft \\*)] Flags permitted\r\n");
	imapd_out(s, "* %u EXISTS\r\n* 0 RECENT\r\n", v->count);
	if (first_unseen > 0)
		imapd_out(s, "* OK [UNSEEN %u] First unseen\r\n",
			  imapd_seq_of(s, first_unseen));
	imapd_out(s, "* OK [UIDVALIDITY %" PRIu32 "] UIDs valid\r\n"
		  "* OK [UIDNEXT %" PRIu32 "] Predicted next UID\r\n"
		  "* OK [HIGHESTMODSEQ %" PRIu64 "] Highest\r\n",
		  v->uidvalidity, v->uidnext, v->modseq);
	if (qresync && qr_validity == v->uidvalidity) {
		char id[32], ms[32];
		const char *p2[2];

		snprintf(id, sizeof(id), "%" PRId64, v->mailbox_id);
		snprintf(ms, sizeof(ms), "%" PRIu64, qr_modseq);
		p2[0] = id;
		p2[1] = ms;
		res = db_query(s->cmd, "SELECT uid FROM expunged WHERE"
			       " mailbox_id = $1::bigint AND modseq >"
			       " $2::bigint ORDER BY uid", 2, p2);
		if (res != NULL && db_ntuples(res) > 0) {
			uint32_t *gone = p_alloc(s->cmd,
				(size_t)db_ntuples(res) * sizeof(*gone));
			unsigned int n = 0;
			uint32_t star = v->uidnext > 0 ? v->uidnext - 1 : 0;

			for (int i = 0; i < db_ntuples(res); i++) {
				uint32_t uid = (uint32_t)imapd_i64(res, i, 0);

				if (known.count == 0 ||
				    imap_seqset_contains(&known, uid, star))
					gone[n++] = uid;
			}
			if (n > 0)
				imapd_out(s, "* VANISHED (EARLIER) %s\r\n",
					  imapd_set_text(s, gone, n));
		}
		res = db_query(s->cmd, "SELECT uid, array_to_string(flags,"
			       " ' '), modseq FROM messages WHERE mailbox_id ="
			       " $1::bigint AND modseq > $2::bigint ORDER BY"
			       " uid", 2, p2);
		for (int i = 0; res != NULL && i < db_ntuples(res); i++) {
			uint32_t uid = (uint32_t)imapd_i64(res, i, 0);

			imapd_out(s, "* %u FETCH (UID %" PRIu32 " FLAGS (%s)"
				  " MODSEQ (%s))\r\n", imapd_seq_of(s, uid), uid,
				  db_value(res, i, 1), db_value(res, i, 2));
		}
	}
	imapd_tagged(s, "OK", "[%s] %s completed", readonly ? "READ-ONLY" :
		     "READ-WRITE", cmd->name);
}

/* ==== CLOSE, UNSELECT, EXPUNGE ========================================== */

/* expunge_deleted - remove the \Deleted messages (of uids when given) */
static int expunge_deleted(struct imapd_session *s, const uint32_t *uids,
			   unsigned int n, bool restrict_uids)
{
	char id[32];
	const char *params[2];
	PGresult *res;
	uint32_t *del;
	unsigned int ndel;

	snprintf(id, sizeof(id), "%" PRId64, s->view.mailbox_id);
	params[0] = id;
	params[1] = restrict_uids ? imapd_uid_array(s, uids, n) : NULL;
	res = db_query(s->cmd, "SELECT uid FROM messages WHERE mailbox_id ="
		       " $1::bigint AND flags @> '{\"\\\\Deleted\"}' AND"
		       " ($2::bigint[] IS NULL OR uid = ANY($2::bigint[]))",
		       2, params);
	if (res == NULL)
		return -1;
	ndel = (unsigned int)db_ntuples(res);
	if (ndel == 0)
		return 0;
	del = p_alloc(s->cmd, ndel * sizeof(*del));
	for (unsigned int i = 0; i < ndel; i++)
		del[i] = (uint32_t)imapd_i64(res, (int)i, 0);
	return store_expunge(s->cmd, s->user_id, s->view.mailbox_id, del,
			     ndel, NULL);
}

void imapd_cmd_close(struct imapd_session *s, bool expunge)
{
	if (s->cur->count != 0) {
		imapd_tagged(s, "BAD", "%s takes no arguments", s->cur->name);
		return;
	}
	if (expunge && !s->view.readonly &&
	    expunge_deleted(s, NULL, 0, false) < 0) {
		imapd_db_fail(s);
		return;
	}
	imapd_view_reset(s);
	imapd_tagged(s, "OK", "%s completed", s->cur->name);
}

void imapd_cmd_expunge(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	struct imap_seqset set;
	uint32_t *uids = NULL;
	unsigned int n = 0;
	const char *atom, *error;

	if (cmd->uid) {
		if (cmd->count != 1 ||
		    (atom = imap_arg_get_atom(&cmd->args[0])) == NULL ||
		    imap_seqset_parse(s->cmd, atom, strlen(atom),
				      IMAP_SEQSET_ALLOW_SEARCHRES, &set,
				      &error) < 0) {
			imapd_tagged(s, "BAD", "Usage: UID EXPUNGE uid-set");
			return;
		}
		if (imapd_resolve_set(s, &set, true, &uids, &n) < 0)
			return;
	} else if (cmd->count != 0) {
		imapd_tagged(s, "BAD", "EXPUNGE takes no arguments");
		return;
	}
	if (s->view.readonly) {
		imapd_tagged(s, "NO", "[READ-ONLY] Mailbox is read-only");
		return;
	}
	if (imapd_sync(s, true) < 0 ||
	    expunge_deleted(s, uids, n, cmd->uid) < 0 ||
	    imapd_sync(s, true) < 0) {
		imapd_db_fail(s);
		return;
	}
	imapd_tagged(s, "OK", "%s completed", cmd->name);
}

/* ==== STORE ============================================================= */

static const char *const system_flags[] = {
	"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft",
};

/* flag_norm - a flag as stored: system flags in their canonical case,
 * keywords as sent; NULL if not a valid flag for STORE/APPEND */
static const char *flag_norm(const struct imap_arg *arg)
{
	const char *f = imap_arg_get_atom(arg);

	if (f == NULL || arg->type == IMAP_ARG_NIL)
		return arg->type == IMAP_ARG_NIL ? "NIL" : NULL;
	if (f[0] == '\\') {
		for (size_t i = 0; i < sizeof(system_flags) /
			     sizeof(system_flags[0]); i++)
			if (strcasecmp(f, system_flags[i]) == 0)
				return system_flags[i];
		return NULL;	/* \Recent and unknown ones */
	}
	for (const char *p = f; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || *p == '{' || *p == '}' ||
		    *p == ',' || *p == '*')
			return NULL;
	return f;
}

const char *imapd_flags_array(struct imapd_session *s,
			      const struct imap_arg *args, unsigned int n)
{
	struct buf *b = buf_new_pool(s->cmd, 0);
	const struct imap_arg *list;
	unsigned int count;

	if (n == 1 && imap_arg_get_list(&args[0], &list, &count)) {
		args = list;
		n = count;
	}
	buf_addc(b, '{');
	for (unsigned int i = 0; i < n; i++) {
		const char *f = flag_norm(&args[i]);

		if (f == NULL)
			return NULL;
		buf_addf(b, "%s\"%s%s\"", i > 0 ? "," : "",
				 f[0] == '\\' ? "\\" : "", f);
	}
	buf_addc(b, '}');
	return b->data;
}

void imapd_cmd_store(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	const struct imap_arg *args = cmd->args;
	unsigned int nargs = cmd->count, n, nmod = 0;
	struct imap_seqset set;
	const char *atom, *error, *item, *flags, *params[6], *mode;
	char id[32], user[32], unch[32];
	uint32_t *uids, *mod;
	bool silent, has_unchanged = false;
	uint64_t unchanged = 0, newmod = 0;
	PGresult *res;

	if (nargs < 3 || (atom = imap_arg_get_atom(&args[0])) == NULL ||
	    imap_seqset_parse(s->cmd, atom, strlen(atom),
			      IMAP_SEQSET_ALLOW_SEARCHRES, &set, &error) < 0)
		goto bad;
	args++;
	nargs--;
	if (args[0].type == IMAP_ARG_LIST) {
		const struct imap_arg *m;
		unsigned int nm;
		const char *v;

		if (!imap_arg_get_list(&args[0], &m, &nm) || nm != 2 ||
		    !imap_arg_atom_eq(&m[0], "UNCHANGEDSINCE") ||
		    (v = imap_arg_get_atom(&m[1])) == NULL ||
		    str_to_u64(v, &unchanged) < 0)
			goto bad;
		has_unchanged = true;
		s->condstore = true;
		args++;
		nargs--;
	}
	if (nargs < 2 || (item = imap_arg_get_atom(&args[0])) == NULL)
		goto bad;
	silent = strlen(item) > 7 &&
		strcasecmp(item + strlen(item) - 7, ".SILENT") == 0;
	if (strncasecmp(item, "+FLAGS", 6) == 0 &&
	    (item[6] == '\0' || silent))
		mode = "+";
	else if (strncasecmp(item, "-FLAGS", 6) == 0 &&
		 (item[6] == '\0' || silent))
		mode = "-";
	else if (strncasecmp(item, "FLAGS", 5) == 0 &&
		 (item[5] == '\0' || silent))
		mode = "=";
	else
		goto bad;
	flags = imapd_flags_array(s, args + 1, nargs - 1);
	if (flags == NULL) {
		imapd_tagged(s, "BAD", "Invalid flag");
		return;
	}
	if (s->view.readonly) {
		imapd_tagged(s, "NO", "[READ-ONLY] Mailbox is read-only");
		return;
	}
	if (imapd_sync(s, false) < 0) {
		imapd_db_fail(s);
		return;
	}
	if (imapd_resolve_set(s, &set, cmd->uid, &uids, &n) < 0)
		return;
	if (n == 0) {
		imapd_tagged(s, "OK", "%s completed", cmd->name);
		return;
	}
	snprintf(id, sizeof(id), "%" PRId64, s->view.mailbox_id);
	snprintf(user, sizeof(user), "%" PRId64, s->user_id);
	snprintf(unch, sizeof(unch), "%" PRIu64, unchanged);
	params[0] = id;
	params[1] = imapd_uid_array(s, uids, n);
	params[2] = flags;
	params[3] = mode;
	params[4] = has_unchanged ? unch : NULL;
	params[5] = user;
	/* kind: u updated, k kept (nothing to change), m modified since */
	res = db_query(s->cmd,
		"WITH sel AS (SELECT uid, flags, modseq FROM messages"
		"  WHERE mailbox_id = $1::bigint AND uid = ANY($2::bigint[])),"
		" want AS (SELECT uid, modseq, flags AS old, CASE $4"
		"  WHEN '+' THEN ARRAY(SELECT DISTINCT f FROM"
		"   unnest(flags || $3::text[]) f ORDER BY f)"
		"  WHEN '-' THEN ARRAY(SELECT f FROM unnest(flags) f"
		"   WHERE f <> ALL($3::text[]))"
		"  ELSE ARRAY(SELECT DISTINCT f FROM unnest($3::text[]) f"
		"   ORDER BY f) END AS new FROM sel),"
		" chg AS (SELECT * FROM want WHERE NOT (old @> new AND"
		"  new @> old) AND ($5::bigint IS NULL OR modseq <="
		"  $5::bigint)),"
		" mb AS (UPDATE mailboxes SET highestmodseq = highestmodseq + 1"
		"  WHERE id = $1::bigint AND user_id = $6::bigint"
		"  AND EXISTS (SELECT 1 FROM chg) RETURNING highestmodseq),"
		" upd AS (UPDATE messages m SET flags = chg.new,"
		"  modseq = mb.highestmodseq FROM chg, mb"
		"  WHERE m.mailbox_id = $1::bigint AND m.uid = chg.uid"
		"  RETURNING m.uid, m.flags, m.modseq)"
		" SELECT 'u', uid, array_to_string(flags, ' '), modseq FROM upd"
		" UNION ALL SELECT CASE WHEN $5::bigint IS NOT NULL AND"
		"  w.modseq > $5::bigint AND NOT (w.old @> w.new AND"
		"  w.new @> w.old) THEN 'm' ELSE 'k' END, w.uid,"
		"  array_to_string(w.old, ' '), w.modseq FROM want w"
		"  WHERE w.uid NOT IN (SELECT uid FROM chg)"
		" ORDER BY 2", 6, params);
	if (res == NULL) {
		imapd_db_fail(s);
		return;
	}
	mod = p_alloc(s->cmd, n * sizeof(*mod));
	for (int i = 0; i < db_ntuples(res); i++) {
		char kind = db_value(res, i, 0)[0];
		uint32_t uid = (uint32_t)imapd_i64(res, i, 1);
		unsigned int seq = imapd_seq_of(s, uid);

		if (kind == 'm') {
			mod[nmod++] = uid;
			continue;
		}
		if (kind == 'u')
			newmod = (uint64_t)imapd_i64(res, i, 3);
		/* .SILENT still reports MODSEQ of changed messages to a
		   CONDSTORE client (RFC 7162 3.1.3) */
		if (silent && !(kind == 'u' && s->condstore))
			continue;
		if (silent)
			imapd_out(s, "* %u FETCH (UID %" PRIu32 " MODSEQ (%s))"
				  "\r\n", seq, uid, db_value(res, i, 3));
		else if (s->condstore)
			imapd_out(s, "* %u FETCH (UID %" PRIu32 " FLAGS (%s)"
				  " MODSEQ (%s))\r\n", seq, uid,
				  db_value(res, i, 2), db_value(res, i, 3));
		else
			imapd_out(s, "* %u FETCH (%sFLAGS (%s))\r\n", seq,
				  cmd->uid ? p_printf(s->cmd, "UID %" PRIu32
						      " ", uid) : "",
				  db_value(res, i, 2));
	}
	if (newmod > 0) {
		mbox_notify(s->view.mailbox_id);
		imapd_own_change(s, newmod);
	}
	if (nmod > 0)
		imapd_tagged(s, "OK", "[MODIFIED %s] Conditional STORE"
			     " failed for some messages",
			     imapd_set_text(s, mod, nmod));
	else
		imapd_tagged(s, "OK", "%s completed", cmd->name);
	return;
bad:
	imapd_tagged(s, "BAD", "Usage: STORE set [(UNCHANGEDSINCE n)]"
		     " FLAGS|+FLAGS|-FLAGS[.SILENT] (flags)");
}

/* ==== COPY / MOVE ======================================================= */

void imapd_cmd_copy(struct imapd_session *s, bool move)
{
	const struct imap_cmd *cmd = s->cur;
	struct imap_seqset set;
	const char *atom, *error, *name, *params[5];
	char src[32], dst[32], user[32];
	uint32_t *uids, uidvalidity, *srcuids = NULL;
	unsigned int n, nsrc = 0;
	int64_t dst_id;
	PGresult *res;
	int found;

	if (cmd->count != 2 || (atom = imap_arg_get_atom(&cmd->args[0])) ==
	    NULL || imap_seqset_parse(s->cmd, atom, strlen(atom),
				      IMAP_SEQSET_ALLOW_SEARCHRES, &set,
				      &error) < 0) {
		imapd_tagged(s, "BAD", "Usage: %s set mailbox", cmd->name);
		return;
	}
	name = imapd_mailbox_arg(s, &cmd->args[1]);
	if (name == NULL)
		return;
	if (move && s->view.readonly) {
		imapd_tagged(s, "NO", "[READ-ONLY] Mailbox is read-only");
		return;
	}
	if (imapd_resolve_set(s, &set, cmd->uid, &uids, &n) < 0)
		return;
	found = imapd_find_mailbox(s, name, &dst_id, &uidvalidity);
	if (found < 0) {
		imapd_db_fail(s);
		return;
	}
	if (found == 0) {
		imapd_tagged(s, "NO", "[TRYCREATE] Mailbox does not exist");
		return;
	}
	if (n == 0) {
		imapd_tagged(s, "OK", "%s completed", cmd->name);
		return;
	}
	snprintf(src, sizeof(src), "%" PRId64, s->view.mailbox_id);
	snprintf(dst, sizeof(dst), "%" PRId64, dst_id);
	snprintf(user, sizeof(user), "%" PRId64, s->user_id);
	params[0] = src;
	params[1] = imapd_uid_array(s, uids, n);
	params[2] = dst;
	params[3] = user;
	if (db_begin() < 0 || imapd_durable(s) < 0) {
		db_rollback();
		imapd_db_fail(s);
		return;
	}
	/* new UIDs in source UID order; quota checked for the whole lot */
	res = db_query(s->cmd,
		"WITH src AS (SELECT * FROM messages WHERE mailbox_id ="
		"  $1::bigint AND uid = ANY($2::bigint[])),"
		" n AS (SELECT count(*) AS c, COALESCE(sum(size), 0) AS sz"
		"  FROM src),"
		" q AS (SELECT " DELIVER_QUOTA_EXPR " AS quota, u.used_bytes"
		DELIVER_QUOTA_FROM " WHERE u.id = $4::bigint),"
		" mb AS (UPDATE mailboxes SET uidnext = uidnext + (SELECT c"
		"  FROM n), highestmodseq = highestmodseq + 1"
		"  WHERE id = $3::bigint AND user_id = $4::bigint"
		"  AND (SELECT c FROM n) > 0"
		"  AND (SELECT quota = 0 OR used_bytes + (SELECT sz FROM n)"
		"   <= quota FROM q)"
		"  RETURNING uidnext - (SELECT c FROM n) AS first,"
		"  highestmodseq),"
		" ins AS (INSERT INTO messages (mailbox_id, uid, modseq, flags,"
		"  internal_date, size, blob_sha256, message_id, in_reply_to,"
		"  refs, subject, from_addr, from_name, to_addrs, cc_addrs,"
		"  date_sent, sort_subject, sort_from, preview,"
		"  has_attachments, imap_envelope)"
		"  SELECT $3::bigint, mb.first + (row_number() OVER"
		"   (ORDER BY src.uid)) - 1, mb.highestmodseq, src.flags,"
		"   src.internal_date, src.size, src.blob_sha256,"
		"   src.message_id, src.in_reply_to, src.refs, src.subject,"
		"   src.from_addr, src.from_name, src.to_addrs, src.cc_addrs,"
		"   src.date_sent, src.sort_subject, src.sort_from,"
		"   src.preview, src.has_attachments, src.imap_envelope"
		"  FROM src, mb"
		"  RETURNING id),"
		" fts AS (INSERT INTO message_fts (message_id)"
		"  SELECT id FROM ins),"
		" u AS (UPDATE users SET used_bytes = used_bytes + (SELECT sz"
		"  FROM n) WHERE id = $4::bigint AND EXISTS (SELECT 1 FROM mb))"
		" SELECT (SELECT first FROM mb), (SELECT c FROM n),"
		"  (SELECT string_agg(uid::text, ',' ORDER BY uid) FROM src)",
		4, params);
	if (res == NULL) {
		db_rollback();
		imapd_db_fail(s);
		return;
	}
	if (db_value(res, 0, 0) == NULL) {
		db_rollback();
		if (imapd_i64(res, 0, 1) == 0)
			imapd_tagged(s, "OK", "%s completed", cmd->name);
		else
			imapd_tagged(s, "NO", "[OVERQUOTA] Quota exceeded");
		return;
	}
	if (parse_uid_list(db_value(res, 0, 2), &srcuids, &nsrc, NULL) < 0 ||
	    (move && store_expunge(s->cmd, s->user_id, s->view.mailbox_id,
				   srcuids, nsrc, NULL) < 0) ||
	    db_commit() < 0) {
		free(srcuids);
		db_rollback();
		imapd_db_fail(s);
		return;
	}
	mbox_notify(dst_id);
	if (move)
		mbox_notify(s->view.mailbox_id);	/* now committed */
	{
		uint32_t first = (uint32_t)imapd_i64(res, 0, 0);
		const char *code = nsrc == 1 ?
			p_printf(s->cmd, "COPYUID %" PRIu32 " %s %" PRIu32,
				 uidvalidity, imapd_set_text(s, srcuids, nsrc),
				 first) :
			p_printf(s->cmd, "COPYUID %" PRIu32 " %s %" PRIu32
				 ":%" PRIu32, uidvalidity,
				 imapd_set_text(s, srcuids, nsrc), first,
				 first + nsrc - 1);

		free(srcuids);
		if (move) {
			imapd_out(s, "* OK [%s] Moved\r\n", code);
			if (imapd_sync(s, true) < 0) {
				imapd_db_fail(s);
				return;
			}
			imapd_tagged(s, "OK", "%s completed", cmd->name);
		} else {
			imapd_tagged(s, "OK", "[%s] %s completed", code,
				     cmd->name);
		}
	}
}
