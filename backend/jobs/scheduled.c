/*
 * scheduled.c - sending the messages webmail scheduled (sql/015).
 *
 * Each round claims the due rows (status pending, send_at passed) and
 * the rows a stopped node left in 'sending' for longer than
 * SCHED_CLAIM_SECS, FOR UPDATE SKIP LOCKED, so two job services never
 * take the same row. A claimed row is submitted over SMTP as its user
 * (smtpc.c, the service login) with ENVID=mhsched-<id>: the server
 * makes such a submission happen once (deliver.h, msg.once), so sending
 * a row again after a stop between the server's 250 and our commit
 * loses nothing and duplicates nothing. Then, in one transaction, the
 * copy goes into the user's Sent folder and the row becomes 'sent'.
 *
 * The stored message is what Sent gets, Bcc header included; the
 * header is taken off the copy that is submitted (its recipients are
 * in the row's envelope).
 *
 * A refusal by the server (a recipient, the size, the sender) fails the
 * row with the server's reply, shown in webmail's Scheduled view; a
 * server that cannot be reached leaves it pending for another try a
 * little later, up to SCHED_ATTEMPTS times.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "blob.h"
#include "cfg.h"
#include "db.h"
#include "deliver.h"
#include "log.h"
#include "mime-meta.h"
#include "pool.h"
#include "scheduled.h"
#include "smtpc.h"
#include "strnum.h"

#define SCHED_BATCH 20		/* rows a round */
#define SCHED_CLAIM_SECS 600	/* a 'sending' row older than this is
				   taken again */
#define SCHED_ATTEMPTS 10	/* tries while the server is unreachable */

struct sched_row {
	const char *id, *user_id, *domain_id, *address, *sha, *from;
	const char **rcpts;
	unsigned int nrcpts;
	int attempts;
};

/* strip_bcc - data without its Bcc header (in the header block only) */
static char *strip_bcc(struct pool *pool, const char *data, size_t len,
		       size_t *len_r)
{
	char *out = p_alloc(pool, len + 1);
	size_t i = 0, o = 0;
	bool skipping = false, in_header = true;

	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (data + i)) + 1 : len - i;
		const char *line = data + i;

		if (in_header) {
			if (n <= 2 && (line[0] == '\n' || line[0] == '\r'))
				in_header = false;	/* the empty line */
			else if (line[0] == ' ' || line[0] == '\t')
				;		/* a continuation: as before */
			else
				skipping = n >= 4 &&
					strncasecmp(line, "bcc:", 4) == 0;
		}
		if (!(in_header && skipping)) {
			memcpy(out + o, line, n);
			o += n;
		}
		i += n;
	}
	*len_r = o;
	return out;
}

/* rcpts_of - a text[] value ("{a@b,c@d}" as PostgreSQL prints it; our
 * addresses need no quoting, but quotes are handled) as a list */
static const char **rcpts_of(struct pool *pool, const char *v,
			     unsigned int *n_r)
{
	char *copy = p_strdup(pool, v != NULL ? v : "{}"), *p, *tok, *save;
	const char **list;
	unsigned int n = 1;

	for (p = copy; *p != '\0'; p++)
		if (*p == ',')
			n++;
	list = p_new(pool, const char *, n + 1);
	n = 0;
	if (copy[0] == '{')
		copy++;
	p = strrchr(copy, '}');
	if (p != NULL)
		*p = '\0';
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t l = strlen(tok);

		if (l >= 2 && tok[0] == '"' && tok[l - 1] == '"') {
			tok[l - 1] = '\0';
			tok++;
		}
		if (*tok != '\0')
			list[n++] = tok;
	}
	*n_r = n;
	return list;
}

/* set_status - the row's end or its next try */
static void set_status(struct pool *pool, const char *id, const char *status,
		       const char *error, unsigned int retry_secs)
{
	char secs[16];
	const char *params[4] = { id, status, error, secs };

	snprintf(secs, sizeof(secs), "%u", retry_secs);
	if (db_query(pool, "UPDATE scheduled_messages SET status = $2,"
		     " last_error = $3, claimed_at = NULL,"
		     " send_at = CASE WHEN $2 = 'pending'"
		     "  THEN now() + make_interval(secs => $4::int)"
		     "  ELSE send_at END WHERE id = $1::bigint",
		     4, params) == NULL)
		log_warn("event=scheduled_status_failed id=%s error=%s", id,
			 log_quote(db_error()));
}

/* file_sent - the copy into the user's Sent folder and the row done, in
 * one transaction; 0 or -1 */
static int file_sent(struct pool *pool, const struct sched_row *r,
		     uint64_t size)
{
	struct mime_meta_opts opts = { .text_max = MIME_META_TEXT_MAX_FTS };
	const char *params[1] = { r->user_id }, *error;
	struct deliver_target target;
	struct deliver_rcpt rcpt;
	struct deliver_msg msg;
	struct mime_meta *meta;
	PGresult *res;
	uint32_t uid = 0;
	int fd = -1, ret;

	if (blob_open_read(pool, cfg.blob_dir, r->sha, &fd, &size,
			   &error) < 0 ||
	    mime_meta_parse_fd(pool, fd, &opts, &meta, &error) < 0) {
		if (fd >= 0)
			close(fd);
		log_warn("event=scheduled_sent_copy_failed id=%s error=%s",
			 r->id, log_quote(error));
		return -1;
	}
	close(fd);
	res = db_query(pool, "SELECT id FROM mailboxes WHERE"
		       " user_id = $1::bigint AND special_use = '\\Sent'"
		       " ORDER BY id LIMIT 1", 1, params);
	if (res == NULL)
		return -1;
	memset(&msg, 0, sizeof(msg));
	msg.sha = r->sha;
	msg.size = size;
	msg.meta = meta;
	msg.sender = r->from;
	msg.remote = "localhost";
	msg.queue_id = p_printf(pool, "sched%s", r->id);
	memset(&rcpt, 0, sizeof(rcpt));
	rcpt.user_id = strtoll(r->user_id, NULL, 10);
	rcpt.domain_id = strtoll(r->domain_id, NULL, 10);
	rcpt.addr = r->address;
	memset(&target, 0, sizeof(target));
	target.flags = "{\"\\\\Seen\"}";
	if (db_begin() < 0)
		return -1;
	ret = 1;
	if (db_ntuples(res) == 1) {
		/* a user without a Sent folder gets no copy, the message
		   is sent all the same */
		target.mailbox_id = strtoll(db_value(res, 0, 0), NULL, 10);
		ret = deliver_to_mailbox(pool, &msg, &rcpt, &target, &uid);
	}
	params[0] = r->id;
	if (ret < 0 ||
	    db_query(pool, "UPDATE scheduled_messages SET status = 'sent',"
		     " sent_at = now(), claimed_at = NULL, last_error = NULL"
		     " WHERE id = $1::bigint", 1, params) == NULL) {
		db_rollback();
		return -1;
	}
	if (db_commit() < 0)
		return -1;
	if (ret == 0)
		log_warn("event=scheduled_sent_copy_skipped id=%s"
			 " reason=over_quota", r->id);
	return 0;
}

/* send_one - submit one claimed row */
static void send_one(struct pool *pool, const struct sched_row *r)
{
	char *buf = NULL;
	size_t cap = 0, len = 0, wire_len;
	uint64_t size = 0;
	const char *error, *bad, *reply, *wire;
	enum smtpc_failure st;

	if (blob_read(pool, cfg.blob_dir, r->sha, cfg.smtp_max_message_size,
		      &buf, &cap, &len, &size, &error) < 0 || size > len) {
		free(buf);
		log_error("event=scheduled_read_failed id=%s error=%s", r->id,
			  log_quote(size > len ? "too large" : error));
		set_status(pool, r->id, "failed", "the stored message cannot"
			   " be read", 0);
		return;
	}
	wire = strip_bcc(pool, buf, len, &wire_len);
	free(buf);
	st = smtpc_submit(pool, r->address, r->from, r->rcpts, r->nrcpts,
			  wire, wire_len,
			  p_printf(pool, "%s%s", SMTPD_ONCE_PREFIX, r->id),
			  &bad, &reply);
	if (st == SMTPC_UNAVAILABLE) {
		bool last = r->attempts >= SCHED_ATTEMPTS;

		log_warn("event=scheduled_deferred id=%s attempts=%d"
			 " error=%s", r->id, r->attempts, log_quote(reply));
		set_status(pool, r->id, last ? "failed" : "pending", reply,
			   60u * (unsigned int)r->attempts);
		return;
	}
	if (st != SMTPC_OK) {
		const char *why = bad != NULL ?
			p_printf(pool, "%s: %s", bad, reply) : reply;

		log_info("event=scheduled_refused id=%s reply=%s", r->id,
			 log_quote(why));
		set_status(pool, r->id, "failed", why, 0);
		return;
	}
	if (file_sent(pool, r, size) < 0) {
		/* sent; the row stays 'sending' and is taken again later,
		   which the server answers without sending twice */
		log_warn("event=scheduled_mark_failed id=%s error=%s", r->id,
			 log_quote(db_error()));
		return;
	}
	log_info("event=scheduled_sent id=%s user=%s rcpts=%u bytes=%zu",
		 r->id, log_quote(r->address), r->nrcpts, wire_len);
}

int scheduled_run_due(void)
{
	struct pool *pool = pool_new("scheduled", 8192);
	char secs[16], batch[16];
	const char *params[2] = { secs, batch };
	PGresult *res;
	int n, i;

	snprintf(secs, sizeof(secs), "%d", SCHED_CLAIM_SECS);
	snprintf(batch, sizeof(batch), "%d", SCHED_BATCH);
	res = db_query(pool,
		"UPDATE scheduled_messages s SET status = 'sending',"
		" attempts = s.attempts + 1, claimed_at = now()"
		" FROM users u WHERE u.id = s.user_id AND s.id IN ("
		"  SELECT id FROM scheduled_messages"
		"  WHERE (status = 'pending' AND send_at <= now())"
		"   OR (status = 'sending' AND claimed_at <"
		"    now() - make_interval(secs => $1::int))"
		"  ORDER BY send_at LIMIT $2::int FOR UPDATE SKIP LOCKED)"
		" RETURNING s.id, s.user_id, u.domain_id, u.address,"
		"  s.blob_sha256, s.envelope_from, s.rcpts, s.attempts",
		2, params);
	if (res == NULL) {
		pool_destroy(&pool);
		return -1;
	}
	n = db_ntuples(res);
	for (i = 0; i < n; i++) {
		struct sched_row r;

		r.id = db_value(res, i, 0);
		r.user_id = db_value(res, i, 1);
		r.domain_id = db_value(res, i, 2);
		r.address = db_value(res, i, 3);
		r.sha = db_value(res, i, 4);
		r.from = db_value(res, i, 5);
		r.rcpts = rcpts_of(pool, db_value(res, i, 6), &r.nrcpts);
		r.attempts = atoi(db_value(res, i, 7));
		send_one(pool, &r);
	}
	pool_destroy(&pool);
	return n;
}
