/*
 * deliver.c - local delivery: blob row, message rows, quota, statistics,
 * in one transaction.
 *
 * Each local recipient's filter rules (filters.c) are read first; they
 * choose the mailbox and flags of the row, or that there is none, and
 * may add messages of their own (forwarded copies, notices, replies)
 * within the same transaction through deliver_generated().
 *
 * UIDs and MODSEQs come from an UPDATE ... RETURNING on the mailbox row,
 * which also locks it until commit, so concurrent deliveries to one
 * mailbox get consecutive UIDs and a reader never sees a gap filled later.
 * Quota is charged with a conditional UPDATE: zero rows means over quota.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "db.h"
#include "deliver.h"
#include "filters.h"
#include "log.h"
#include "mime-meta.h"
#include "notify.h"
#include "pool.h"
#include "strnum.h"

/* store_one - in one statement: the blob row (when with_blob), the next
 * UID and MODSEQ of the mailbox (the INBOX when mailbox_id is 0; only
 * when the quota has room), the quota charged, the mail_events row (when
 * event), the message row and its (empty) message_fts row for the
 * indexer. A message with attachments gets the keyword $HasAttachment
 * (registered with IANA for this), so that a client lists and searches
 * them from FLAGS without fetching each one's structure. Nothing but the
 * blob row is written when the quota is full or
 * there is no such mailbox. The mailbox row stays locked until commit,
 * which for a single recipient is the end of this statement, so UIDs
 * become visible in order. (Two deliveries racing for the last bytes of a
 * quota may both fit: the check reads used_bytes as of the statement's
 * start.) 1 done, 0 over quota or no mailbox, -1 error */
static int store_one(struct pool *pool, const struct deliver_msg *msg,
		     const struct deliver_rcpt *r, bool with_blob,
		     const struct deliver_target *t, uint32_t *uid_r,
		     int64_t *mailbox_id_r)
{
	const struct mime_meta *m = msg->meta;
	char uid[32], dom[32], size[32], mbox[32];
	const char *params[24];
	PGresult *res;
	int64_t id;

	snprintf(uid, sizeof(uid), "%" PRId64, r->user_id);
	snprintf(dom, sizeof(dom), "%" PRId64, r->domain_id);
	snprintf(size, sizeof(size), "%" PRIu64, msg->size);
	snprintf(mbox, sizeof(mbox), "%" PRId64, t->mailbox_id);
	params[0] = uid;
	params[1] = size;
	params[2] = msg->sha;
	params[3] = m->message_id;
	params[4] = m->in_reply_to;
	params[5] = m->refs;
	params[6] = m->subject;
	params[7] = m->from_addr;
	params[8] = m->from_name;
	params[9] = m->to_addrs;
	params[10] = m->cc_addrs;
	params[11] = m->date_sent;
	params[12] = m->sort_subject;
	params[13] = m->sort_from;
	params[14] = m->preview;
	params[15] = m->has_attachments ? "t" : "f";
	params[16] = dom;
	params[17] = msg->remote;
	params[18] = with_blob ? "t" : "f";
	params[19] = mbox;
	params[20] = t->flags;
	params[21] = t->internal_date;
	params[22] = t->event ? "t" : "f";
	params[23] = m->imap_envelope;
	res = db_query(pool,
		"WITH b AS (INSERT INTO blobs (sha256, size)"
		"  SELECT $3, $2::bigint WHERE $19::boolean"
		"  ON CONFLICT (sha256) DO NOTHING),"
		" q AS (SELECT " DELIVER_QUOTA_EXPR " AS quota, u.used_bytes"
		DELIVER_QUOTA_FROM " WHERE u.id = $1::bigint),"
		" mb AS (UPDATE mailboxes SET uidnext = uidnext + 1,"
		"  highestmodseq = highestmodseq + 1"
		"  WHERE user_id = $1::bigint AND (CASE WHEN $20::bigint = 0"
		"   THEN name = 'INBOX' ELSE id = $20::bigint END)"
		"  AND (SELECT quota = 0 OR used_bytes + $2::bigint <= quota"
		"   FROM q)"
		"  RETURNING id, uidnext - 1 AS uid, highestmodseq),"
		" u AS (UPDATE users SET used_bytes = used_bytes + $2::bigint"
		"  WHERE id = $1::bigint AND EXISTS (SELECT 1 FROM mb)"
		"  RETURNING id),"
		" ev AS (INSERT INTO mail_events (domain_id, user_id, direction,"
		"  bytes, outcome, remote) SELECT $17::bigint, id, 'in',"
		"  $2::bigint, 'delivered', $18 FROM u WHERE $23::boolean),"
		" ins AS (INSERT INTO messages (mailbox_id, uid, modseq, size,"
		"  blob_sha256, message_id, in_reply_to, refs, subject,"
		"  from_addr, from_name, to_addrs, cc_addrs, date_sent,"
		"  sort_subject, sort_from, preview, has_attachments, flags,"
		"  internal_date, imap_envelope)"
		" SELECT mb.id, mb.uid, mb.highestmodseq, $2::bigint, $3, $4,"
		"  $5, $6, $7, $8, $9, $10, $11, $12::timestamptz, $13, $14,"
		"  $15, $16::boolean, COALESCE($21::text[], '{}') ||"
		"  CASE WHEN $16::boolean AND NOT COALESCE($21::text[], '{}')"
		"   @> '{$HasAttachment}' THEN '{$HasAttachment}'::text[]"
		"   ELSE '{}' END,"
		"  COALESCE($22::timestamptz, now()), $24"
		"  FROM mb RETURNING id, uid, mailbox_id)"
		" INSERT INTO message_fts (message_id) SELECT id FROM ins"
		" RETURNING message_id, (SELECT uid FROM ins),"
		"  (SELECT mailbox_id FROM ins)", 24, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) != 1)
		return 0;	/* over quota, or no such mailbox */
	if (mailbox_id_r != NULL && str_to_int64(db_value(res, 0, 2), &id) == 0)
		*mailbox_id_r = id;
	if (uid_r != NULL) {
		unsigned int u;

		*uid_r = str_to_uint(db_value(res, 0, 1), &u) == 0 ? u : 0;
	}
	log_info("event=delivered queue_id=%s rcpt=%s uid=%s size=%s",
		 msg->queue_id, log_quote(r->addr), db_value(res, 0, 1), size);
	return 1;
}

int deliver_to_mailbox(struct pool *pool, const struct deliver_msg *msg,
		       const struct deliver_rcpt *rcpt,
		       const struct deliver_target *target, uint32_t *uid_r)
{
	return store_one(pool, msg, rcpt, true, target, uid_r, NULL);
}

/* queue_one - a queue row for one remote recipient */
static int queue_one(struct pool *pool, const struct deliver_msg *msg,
		     const struct deliver_remote *r)
{
	char uid[32], dom[32], size[32], expire[16];
	const char *params[11];
	PGresult *res;

	snprintf(uid, sizeof(uid), "%" PRId64, r->user_id);
	snprintf(dom, sizeof(dom), "%" PRId64, r->domain_id);
	snprintf(size, sizeof(size), "%" PRIu64, msg->size);
	snprintf(expire, sizeof(expire), "%u", cfg.queue_expire);
	params[0] = msg->sender;
	params[1] = r->rcpt;
	params[2] = msg->sha;
	params[3] = size;
	params[4] = dom;
	params[5] = uid;
	params[6] = expire;
	params[7] = msg->dsn_envid;
	params[8] = msg->dsn_ret;
	params[9] = r->notify;
	params[10] = r->orcpt;
	res = db_query(pool, "INSERT INTO queue (sender, recipient,"
		       " blob_sha256, size, domain_id, user_id, expires_at,"
		       " dsn_envid, dsn_ret, dsn_notify, dsn_orcpt) VALUES"
		       " ($1, $2, $3, $4::bigint, NULLIF($5, '0')::bigint,"
		       " NULLIF($6, '0')::bigint,"
		       " now() + make_interval(secs => $7::int), $8, $9, $10,"
		       " $11) RETURNING id", 11, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	log_info("event=queued queue_id=%s entry=%s rcpt=%s size=%s",
		 msg->queue_id, db_value(res, 0, 0), log_quote(r->rcpt), size);
	return 1;
}

/* drop_one - a message that filters deleted or refused: no message
 * row, but the blob row when nothing wrote it yet and the mail_events
 * row (a deleted message counts as delivered, a refused one as
 * rejected); 1 done, -1 error */
static int drop_one(struct pool *pool, const struct deliver_msg *msg,
		    const struct deliver_rcpt *r, bool with_blob,
		    bool rejected)
{
	char uid[32], dom[32], size[32];
	const char *params[7];

	snprintf(uid, sizeof(uid), "%" PRId64, r->user_id);
	snprintf(dom, sizeof(dom), "%" PRId64, r->domain_id);
	snprintf(size, sizeof(size), "%" PRIu64, msg->size);
	params[0] = msg->sha;
	params[1] = size;
	params[2] = with_blob ? "t" : "f";
	params[3] = dom;
	params[4] = uid;
	params[5] = msg->remote;
	params[6] = rejected ? "rejected" : "delivered";
	if (db_query(pool, "WITH b AS (INSERT INTO blobs (sha256, size)"
		     "  SELECT $1, $2::bigint WHERE $3::boolean"
		     "  ON CONFLICT (sha256) DO NOTHING)"
		     " INSERT INTO mail_events (domain_id, user_id, direction,"
		     "  bytes, outcome, remote) VALUES ($4::bigint, $5::bigint,"
		     "  'in', $2::bigint, $7, $6)", 7, params) == NULL)
		return -1;
	log_info("event=filtered queue_id=%s rcpt=%s outcome=%s",
		 msg->queue_id, log_quote(r->addr),
		 rejected ? "rejected" : "deleted");
	return 1;
}

int deliver_generated(struct pool *pool, const struct deliver_msg *msg,
		      const char *rcpt, int64_t user_id, int64_t domain_id,
		      int64_t *mailbox_id_r)
{
	char size[32];
	const char *params[2];
	struct deliver_rcpt local;
	struct deliver_remote remote;
	int64_t uid = 0, did = 0;
	PGresult *res;
	int ret;

	*mailbox_id_r = 0;
	snprintf(size, sizeof(size), "%" PRIu64, msg->size);
	params[0] = msg->sha;
	params[1] = size;
	if (db_query(pool, "INSERT INTO blobs (sha256, size) VALUES"
		     " ($1, $2::bigint) ON CONFLICT (sha256) DO NOTHING",
		     2, params) == NULL)
		return -1;
	params[0] = rcpt;
	res = db_query(pool, "SELECT u.id, u.domain_id FROM users u"
		       " JOIN domains d ON d.id = u.domain_id"
		       " WHERE u.address = lower($1) AND u.status = 'active'"
		       " AND u.deleted_at IS NULL AND d.status = 'active'",
		       1, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) > 0 &&
	    (str_to_int64(db_value(res, 0, 0), &uid) < 0 ||
	     str_to_int64(db_value(res, 0, 1), &did) < 0))
		return -1;
	if (uid != 0) {
		static const struct deliver_target inbox = { .event = false };

		local.user_id = uid;
		local.domain_id = did;
		local.addr = rcpt;
		ret = store_one(pool, msg, &local, false, &inbox, NULL,
				mailbox_id_r);
		if (ret == 0)
			log_warn("event=generated_dropped queue_id=%s rcpt=%s"
				 " reason=over_quota", msg->queue_id,
				 log_quote(rcpt));
		return ret < 0 ? -1 : 0;
	}
	memset(&remote, 0, sizeof(remote));
	remote.rcpt = rcpt;
	remote.user_id = user_id;
	remote.domain_id = domain_id;
	remote.notify = "NEVER";
	if (queue_one(pool, msg, &remote) < 0 ||
	    db_query(pool, "SELECT pg_notify('queue_wakeup', '')", 0,
		     NULL) == NULL)
		return -1;
	return 0;
}

int deliver_commit(struct pool *pool, const struct deliver_msg *msg,
		   const struct deliver_rcpt *rcpts, unsigned int n,
		   const struct deliver_remote *remote, unsigned int nremote,
		   enum deliver_fail *fail_r, const char **error_r)
{
	char size[32];
	const char *params[2];
	bool tx = n + nremote > 1, blob_done = false;
	int64_t *boxes = p_alloc(pool, (n + 1) * sizeof(*boxes));
	struct filters_verdict *fv = p_new(pool, struct filters_verdict,
					   n + 1);
	struct filters_msg *fm = filters_msg_new(pool, msg);
	bool *dup = p_new(pool, bool, n + 1);
	int ret = 1;

	*fail_r = DELIVER_FAIL_TEMP;
	/* the users' rules, read before the transaction: most users have
	 * none, and then this is the only extra statement */
	for (unsigned int i = 0; i < n; i++) {
		/* one copy per user, even when two addresses lead there */
		for (unsigned int j = 0; j < i; j++)
			if (rcpts[j].user_id == rcpts[i].user_id)
				dup[i] = true;
		if (dup[i])
			continue;
		if (filters_plan(pool, fm, &rcpts[i], &fv[i], error_r) < 0)
			return -1;
		if (fv[i].side || !fv[i].store)
			tx = true;
	}
	if (msg->once != NULL)
		tx = true;
	/* one local recipient is one statement, atomic on its own */
	if (tx && db_begin() < 0) {
		*error_r = db_error();
		return -1;
	}
	if (msg->once != NULL) {
		PGresult *res;

		params[0] = msg->once;
		res = db_query(pool, "INSERT INTO submission_once (key)"
			       " VALUES ($1) ON CONFLICT (key) DO NOTHING"
			       " RETURNING 1", 1, params);
		if (res == NULL) {
			*error_r = db_error();
			db_rollback();
			return -1;
		}
		if (db_ntuples(res) == 0) {
			db_rollback();
			*fail_r = DELIVER_REPEATED;
			return 0;
		}
	}
	for (unsigned int i = 0; ret > 0 && i < n; i++) {
		boxes[i] = 0;
		if (dup[i])
			continue;
		if (fv[i].store) {
			struct deliver_target t = {
				.mailbox_id = fv[i].mailbox_id,
				.flags = fv[i].flags, .event = true,
			};

			ret = store_one(pool, msg, &rcpts[i], !blob_done, &t,
					NULL, &boxes[i]);
		} else {
			ret = drop_one(pool, msg, &rcpts[i], !blob_done,
				       fv[i].rejected);
		}
		if (ret > 0)
			blob_done = true;
		if (ret > 0 && fv[i].side &&
		    filters_side(pool, fm, &rcpts[i], &fv[i]) < 0)
			ret = -1;
	}
	if (ret > 0 && !blob_done) {
		snprintf(size, sizeof(size), "%" PRIu64, msg->size);
		params[0] = msg->sha;
		params[1] = size;
		if (db_query(pool, "INSERT INTO blobs (sha256, size) VALUES"
			     " ($1, $2::bigint) ON CONFLICT (sha256) DO NOTHING",
			     2, params) == NULL)
			ret = -1;
	}
	for (unsigned int i = 0; ret > 0 && i < nremote; i++)
		ret = queue_one(pool, msg, &remote[i]);
	if (ret > 0 && nremote > 0 &&
	    db_query(pool, "SELECT pg_notify('queue_wakeup', '')", 0,
		     NULL) == NULL)
		ret = -1;
	if (ret <= 0) {
		*error_r = ret == 0 ? "over quota" : db_error();
		if (tx)
			db_rollback();
		*fail_r = ret == 0 ? DELIVER_FAIL_QUOTA : DELIVER_FAIL_TEMP;
		return -1;
	}
	if (tx && db_commit() < 0) {
		*error_r = db_error();
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (boxes[i] != 0)
			mbox_notify(boxes[i]);
		for (unsigned int j = 0; j < fv[i].nnotify; j++)
			mbox_notify(fv[i].notify[j]);
	}
	*fail_r = DELIVER_OK;
	return 0;
}
