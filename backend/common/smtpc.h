#ifndef MH_WM_SMTPC_H
#define MH_WM_SMTPC_H
/*
 * smtpc.h - SMTP submission to our own mailhived
 * (smtp.submission_listen), logged in with SASL PLAIN as the service
 * account acting for the user: webmail's way out for mail, and the jobs
 * service's for scheduled messages. Mail never leaves through a shell or
 * a sendmail command line.
 */
#include <stddef.h>

/* the ENVID prefix of a submission that must happen once (see smtpc_submit) */
#define SMTPD_ONCE_PREFIX "mhsched-"

struct pool;

/* why a submission failed, for the compose page */
enum smtpc_failure {
	SMTPC_OK = 0,
	SMTPC_UNAVAILABLE,	/* connect, login, timeout: try later */
	SMTPC_SENDER,		/* MAIL FROM refused */
	SMTPC_RECIPIENT,	/* a recipient refused: *bad_r names it */
	SMTPC_TOO_LARGE,	/* 552 / 5.3.4 */
	SMTPC_REFUSED,		/* the message refused at DATA */
};

/* smtpc_submit - send data (a whole message, CRLF lines) from the
 * envelope sender from to the n recipients rcpts, as user. All or
 * nothing: when any recipient is refused the transaction is reset and
 * nothing is sent; *bad_r is that recipient and *reply_r the server's
 * reply (both in pool, for the page and the log). envid (may be NULL)
 * goes with MAIL FROM as the DSN ENVID; "mhsched-<id>" makes the
 * submission happen once however often it is repeated (sql/015). */
enum smtpc_failure smtpc_submit(struct pool *pool, const char *user,
				const char *from, const char *const *rcpts,
				unsigned int n, const char *data, size_t len,
				const char *envid, const char **bad_r,
				const char **reply_r);

#endif
