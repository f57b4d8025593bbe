#ifndef MH_MAILBOX_H
#define MH_MAILBOX_H
/*
 * mailbox.h - changes to a user's mailboxes shared by IMAP and POP3:
 * removing messages for good and changing flags, each in one statement
 * that also moves the mailbox's HIGHESTMODSEQ, so CONDSTORE/QRESYNC
 * clients and the other sessions see every change exactly once, and that
 * announces the change (notify.h) after it is committed.
 *
 * Every call names the owning user too: a mailbox id of another user
 * matches nothing, so a session can never reach someone else's mail.
 */
#include <stdint.h>

struct pool;

/*
 * store_expunge - delete the messages with these UIDs (those that still
 * exist) from the mailbox: rows removed, (uid, modseq) rows added to
 * expunged for QRESYNC, the user's used_bytes lowered by their sizes (the
 * blobs' reference counts drop through the table triggers; the GC job
 * removes blobs nobody references). *removed_r (may be NULL) receives the
 * number removed. 0, or -1 on a database error (nothing changed).
 */
int store_expunge(struct pool *pool, int64_t user_id, int64_t mailbox_id,
		  const uint32_t *uids, unsigned int n, unsigned int *removed_r)
	__attribute__((warn_unused_result));

/*
 * store_set_seen - add \Seen to those of these messages that lack it
 * (IMAP FETCH of a body, POP3 RETR), moving HIGHESTMODSEQ once for all
 * of them, and announce the change. *modseq_r (may be NULL) receives the
 * MODSEQ the changed messages got, 0 when none changed. 0, or -1 on a
 * database error.
 */
int store_set_seen(struct pool *pool, int64_t user_id, int64_t mailbox_id,
		   const uint32_t *uids, unsigned int n, uint64_t *modseq_r)
	__attribute__((warn_unused_result));

/* store_uids_text - "{1,2,3}", a bigint[] literal of n UIDs, in pool */
const char *store_uids_text(struct pool *pool, const uint32_t *uids,
			    unsigned int n);

#endif
