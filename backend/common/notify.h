#ifndef MH_NOTIFY_H
#define MH_NOTIFY_H
/*
 * notify.h - "this mailbox changed" between the processes of mailhived.
 *
 * The master maps a table of change counters shared by every service it
 * forks (mbox_notify_init, before the first fork). Whoever changes a
 * mailbox (a delivery, an APPEND, a flag change, an expunge) bumps the
 * mailbox's counter after the commit; IMAP sessions that watch the
 * mailbox compare the counter with what they saw and, when it moved, ask
 * PostgreSQL what changed. Mailboxes share counters by hash, so a bump
 * can wake a session for nothing (one cheap query), never miss one.
 *
 * In a process without the table (tools, tests) the calls do nothing and
 * mbox_notify_gen() always returns 0: callers then poll.
 */
#include <stdbool.h>
#include <stdint.h>

#define MBOX_NOTIFY_SLOTS 65536

/* mbox_notify_init - the shared table; once, in the master */
void mbox_notify_init(void);
/* mbox_notify_active - the table exists in this process */
bool mbox_notify_active(void);
/* mbox_notify - the mailbox changed (call after commit) */
void mbox_notify(int64_t mailbox_id);
/* mbox_notify_gen - the mailbox's counter now */
uint32_t mbox_notify_gen(int64_t mailbox_id);

#endif
