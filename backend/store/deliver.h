#ifndef MH_DELIVER_H
#define MH_DELIVER_H
/*
 * deliver.h - make a stored blob visible: message rows for local
 * recipients and queue rows for remote ones, all in one PostgreSQL
 * transaction.
 *
 * The blob must already be durable (blob_writer_commit). deliver_commit()
 * inserts the blobs row, then for every recipient allocates the next UID
 * and MODSEQ of the recipient's INBOX, inserts the message row with its
 * metadata (the full-text vector follows from the indexer service),
 * charges the user's quota and writes a
 * mail_events row. Each recipient's filter rules (filters.h) may put the
 * row in another mailbox with flags, leave it out, or add messages.
 * Either every recipient gets the message or none does:
 * the SMTP server answers 250 only after this returned 0.
 */
#include <stdbool.h>
#include <stdint.h>

struct pool;
struct mime_meta;

enum deliver_fail {
	DELIVER_OK = 0,
	DELIVER_REPEATED,	/* msg->once was done before: nothing to do */
	DELIVER_FAIL_QUOTA,	/* a recipient is over quota: 452 4.2.2 */
	DELIVER_FAIL_TEMP,	/* database trouble: 451 4.3.0 */
};

struct deliver_rcpt {
	int64_t user_id;
	int64_t domain_id;
	const char *addr;	/* the user's address, for logs */
};

/* a recipient elsewhere: a queue row for the queue service */
struct deliver_remote {
	const char *rcpt;
	int64_t user_id;	/* whose mail it is (statistics); 0 = none */
	int64_t domain_id;
	const char *notify;	/* DSN NOTIFY= as text, or NULL */
	const char *orcpt;	/* DSN ORCPT=, or NULL */
};

struct deliver_msg {
	const char *sha;
	uint64_t size;
	const struct mime_meta *meta;	/* needed when there are local rcpts */
	const char *sender;	/* envelope MAIL FROM, "" for <> */
	const char *dsn_envid;	/* or NULL */
	const char *dsn_ret;	/* "FULL", "HDRS" or NULL */
	const char *remote;	/* client address, for mail_events */
	const char *queue_id;	/* for logs */
	/* a key that makes this delivery happen once: deliver_commit()
	 * records it (submission_once) in its transaction and does nothing
	 * for a key already recorded; NULL for none */
	const char *once;
};

/* deliver_commit - in one transaction: the blob row, a message row per
 * local recipient and a queue row per remote one */
int deliver_commit(struct pool *pool, const struct deliver_msg *msg,
		   const struct deliver_rcpt *rcpts, unsigned int n,
		   const struct deliver_remote *remote, unsigned int nremote,
		   enum deliver_fail *fail_r, const char **error_r)
	__attribute__((warn_unused_result));

/* where deliver_to_mailbox() puts a message */
struct deliver_target {
	int64_t mailbox_id;	/* 0: the INBOX */
	const char *flags;	/* a text[] literal "{\\Seen,$Label1}" or NULL */
	const char *internal_date; /* timestamptz text, NULL: now */
	bool event;		/* write a mail_events "in" row */
};

/*
 * deliver_to_mailbox - one message row in one mailbox of one user (IMAP
 * APPEND), with the blob row and quota charged; the caller announces
 * the change (notify.h) once it is committed. 1 stored with *uid_r set,
 * 0 over quota or no such mailbox of that user, -1 database error.
 */
int deliver_to_mailbox(struct pool *pool, const struct deliver_msg *msg,
		       const struct deliver_rcpt *rcpt,
		       const struct deliver_target *target, uint32_t *uid_r)
	__attribute__((warn_unused_result));

/*
 * deliver_generated - inside the caller's transaction: a message made
 * by the server (a forwarded copy, a refusal notice, a vacation reply),
 * already in the blob store, to one address. A local user gets it in the
 * INBOX directly, without filters (so nothing loops; over quota it is
 * dropped with a log line) and *mailbox_id_r is the mailbox to announce
 * after commit; anyone else gets a queue row (user_id, domain_id: whose
 * statistics). 0 done, -1 database error.
 */
int deliver_generated(struct pool *pool, const struct deliver_msg *msg,
		      const char *rcpt, int64_t user_id, int64_t domain_id,
		      int64_t *mailbox_id_r)
	__attribute__((warn_unused_result));

/* the quota that applies to user u: the user's own, else the domain's
 * default, else the service package's (the user's, else the domain's);
 * 0 = unlimited. Use DELIVER_QUOTA_EXPR with DELIVER_QUOTA_FROM. */
#define DELIVER_QUOTA_EXPR \
	"COALESCE(NULLIF(u.quota_bytes, 0), NULLIF(d.default_quota_bytes, 0)," \
	" NULLIF(up.default_user_quota_bytes, 0)," \
	" NULLIF(dp.default_user_quota_bytes, 0), 0)"
#define DELIVER_QUOTA_FROM \
	" FROM users u JOIN domains d ON d.id = u.domain_id" \
	" LEFT JOIN service_packages up ON up.id = u.package_id" \
	" LEFT JOIN service_packages dp ON dp.id = d.package_id"


#endif
