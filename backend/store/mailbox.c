/*
 * mailbox.c - expunge and \Seen shared by IMAP and POP3 (see mailbox.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "mailbox.h"
#include "notify.h"
#include "pool.h"
#include "strnum.h"

const char *store_uids_text(struct pool *pool, const uint32_t *uids,
			    unsigned int n)
{
	/* at most 10 digits and a comma each */
	char *s = p_alloc(pool, (size_t)n * 11 + 3), *p = s;

	*p++ = '{';
	for (unsigned int i = 0; i < n; i++)
		p += sprintf(p, i == 0 ? "%" PRIu32 : ",%" PRIu32, uids[i]);
	*p++ = '}';
	*p = '\0';
	return s;
}

int store_expunge(struct pool *pool, int64_t user_id, int64_t mailbox_id,
		  const uint32_t *uids, unsigned int n, unsigned int *removed_r)
{
	char user[32], mbox[32];
	const char *params[3];
	PGresult *res;
	unsigned int removed = 0;

	if (removed_r != NULL)
		*removed_r = 0;
	if (n == 0)
		return 0;
	snprintf(user, sizeof(user), "%" PRId64, user_id);
	snprintf(mbox, sizeof(mbox), "%" PRId64, mailbox_id);
	params[0] = user;
	params[1] = mbox;
	params[2] = store_uids_text(pool, uids, n);
	/* the mailbox row is updated (and locked) only when something is
	   there to remove; the DELETE then sees it locked by us */
	res = db_query(pool,
		"WITH mb AS (UPDATE mailboxes SET"
		"  highestmodseq = highestmodseq + 1"
		"  WHERE id = $2::bigint AND user_id = $1::bigint"
		"  AND EXISTS (SELECT 1 FROM messages WHERE mailbox_id ="
		"   $2::bigint AND uid = ANY($3::bigint[]))"
		"  RETURNING id, highestmodseq),"
		" del AS (DELETE FROM messages m USING mb"
		"  WHERE m.mailbox_id = mb.id AND m.uid = ANY($3::bigint[])"
		"  RETURNING m.uid, m.size),"
		" ex AS (INSERT INTO expunged (mailbox_id, uid, modseq)"
		"  SELECT $2::bigint, uid, (SELECT highestmodseq FROM mb)"
		"  FROM del ON CONFLICT (mailbox_id, uid)"
		"  DO UPDATE SET modseq = EXCLUDED.modseq),"
		" u AS (UPDATE users SET used_bytes = GREATEST(0, used_bytes -"
		"  (SELECT COALESCE(sum(size), 0) FROM del))"
		"  WHERE id = $1::bigint AND EXISTS (SELECT 1 FROM del))"
		" SELECT count(*) FROM del", 3, params);
	if (res == NULL) {
		log_error("event=expunge_failed mailbox=%s error=%s", mbox,
			  log_quote(db_error()));
		return -1;
	}
	if (str_to_uint(db_value(res, 0, 0), &removed) < 0)
		removed = 0;
	if (removed > 0)
		mbox_notify(mailbox_id);
	if (removed_r != NULL)
		*removed_r = removed;
	return 0;
}

int store_set_seen(struct pool *pool, int64_t user_id, int64_t mailbox_id,
		   const uint32_t *uids, unsigned int n, uint64_t *modseq_r)
{
	char user[32], mbox[32];
	const char *params[3];
	PGresult *res;
	uint64_t modseq = 0;

	if (modseq_r != NULL)
		*modseq_r = 0;
	if (n == 0)
		return 0;
	snprintf(user, sizeof(user), "%" PRId64, user_id);
	snprintf(mbox, sizeof(mbox), "%" PRId64, mailbox_id);
	params[0] = user;
	params[1] = mbox;
	params[2] = store_uids_text(pool, uids, n);
	res = db_query(pool,
		"WITH chg AS (SELECT uid FROM messages WHERE mailbox_id ="
		"  $2::bigint AND uid = ANY($3::bigint[])"
		"  AND NOT flags @> '{\"\\\\Seen\"}'),"
		" mb AS (UPDATE mailboxes SET highestmodseq = highestmodseq + 1"
		"  WHERE id = $2::bigint AND user_id = $1::bigint"
		"  AND EXISTS (SELECT 1 FROM chg) RETURNING highestmodseq)"
		" UPDATE messages m SET flags = flags || '{\"\\\\Seen\"}',"
		"  modseq = mb.highestmodseq FROM mb, chg"
		" WHERE m.mailbox_id = $2::bigint AND m.uid = chg.uid"
		" RETURNING mb.highestmodseq", 3, params);
	if (res == NULL) {
		log_error("event=set_seen_failed mailbox=%s error=%s", mbox,
			  log_quote(db_error()));
		return -1;
	}
	if (db_ntuples(res) == 0)
		return 0;
	if (str_to_u64(db_value(res, 0, 0), &modseq) < 0)
		modseq = 0;
	mbox_notify(mailbox_id);
	if (modseq_r != NULL)
		*modseq_r = modseq;
	return 0;
}
