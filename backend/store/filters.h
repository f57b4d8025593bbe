#ifndef MH_FILTERS_H
#define MH_FILTERS_H
/*
 * filters.h - a local recipient's filter rules and vacation reply, run
 * at delivery (deliver.c).
 *
 * filters_plan() reads the user's enabled rules and current vacation
 * reply with one indexed query (no rows for most users: nothing more
 * happens) and decides, before the delivery transaction begins, where
 * the message goes and what else is owed. filters_side() then writes,
 * inside that transaction, the forwarded copies, the refusal notice to
 * the sender and the vacation reply. Nothing is cached between
 * deliveries.
 */
#include <stdbool.h>
#include <stdint.h>

#include "filter-rule.h"

struct pool;
struct deliver_msg;
struct deliver_rcpt;
struct filters_msg;

struct filters_verdict {
	bool store;		/* a message row is written */
	bool rejected;		/* not stored: refused (else deleted) */
	bool side;		/* filters_side() has work */
	int64_t mailbox_id;	/* 0: the INBOX */
	const char *flags;	/* text[] literal or NULL */

	/* what filters_side() does */
	const char *forward[FILTER_FORWARDS_MAX];
	unsigned int nforward;
	const char *reject_reason;	/* a notice to the sender */
	bool vacation;
	const char *vacation_subject;
	const char *vacation_body;
	unsigned int vacation_days;

	/* mailboxes of local users that got a message from filters_side(),
	 * announced after commit */
	int64_t notify[FILTER_FORWARDS_MAX + 2];
	unsigned int nnotify;
};

/* filters_msg_new - what the rules of every recipient of one delivery
 * share: the header block is read from the blob once, when a rule
 * first needs it */
struct filters_msg *filters_msg_new(struct pool *pool,
				    const struct deliver_msg *msg);

/* filters_plan - fill *v for one recipient (zeroed by the caller); -1 on
 * a database error with *error_r set */
int filters_plan(struct pool *pool, struct filters_msg *fm,
		 const struct deliver_rcpt *r, struct filters_verdict *v,
		 const char **error_r)
	__attribute__((warn_unused_result));

/* filters_side - inside the delivery transaction: forwards, the refusal
 * notice and the vacation reply (at most one per sender and interval);
 * a message that cannot be built is logged and skipped. -1 on a
 * database error. */
int filters_side(struct pool *pool, struct filters_msg *fm,
		 const struct deliver_rcpt *r, struct filters_verdict *v)
	__attribute__((warn_unused_result));

/* filters_auto_sender - an address automatic replies never go to:
 * empty (<>), MAILER-DAEMON, postmaster, noreply and the like, list
 * owners and bounce addresses */
bool filters_auto_sender(const char *addr);

#endif
