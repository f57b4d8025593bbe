#ifndef MH_QUEUE_H
#define MH_QUEUE_H
/*
 * queue.h - the queue service of mailhived: outbound delivery.
 *
 * Entries are rows of the queue table, written by the SMTP service in the
 * transaction that accepted the message. The service claims due rows
 * (FOR UPDATE SKIP LOCKED, so several processes could share the work),
 * looks up the recipient domain's MX hosts, and speaks SMTP to them
 * (STARTTLS when offered). A 2xx ends the entry; a 4xx or a failure to
 * connect defers it with exponential back-off; a 5xx, or the expiry, ends
 * it with a bounce (RFC 3464) to the sender, unless the sender is <>
 * (never bounce a bounce). After queue.delay_warning the sender is told
 * once that the message is delayed. Each attempt is logged and recorded
 * in mail_events, one that did not deliver with the remote's reply or our
 * reason in its error column.
 */

/* queue_run_once - one pass over the due entries; the number handled,
 * -1 on a database error */
int queue_run_once(void);
void queue_main(void) __attribute__((noreturn));

#endif
