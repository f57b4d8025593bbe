#ifndef MH_WM_SMTPC_H
#define MH_WM_SMTPC_H
/*
 * smtpc.h - webmail's way out for mail: SMTP submission to our own
 * mailhived (smtp.submission_listen), logged in with SASL PLAIN as the
 * service account acting for the user, as the IMAP connections are. Mail
 * never leaves through a shell or a sendmail command line.
 */
#include <stddef.h>

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
 * reply (both in pool, for the page and the log). */
enum smtpc_failure smtpc_submit(struct pool *pool, const char *user,
				const char *from, const char *const *rcpts,
				unsigned int n, const char *data, size_t len,
				const char **bad_r, const char **reply_r);

#endif
