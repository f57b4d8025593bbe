/*
 * smtpc.c - SMTP submission to mailhived (libetpan).
 *
 * One connection per message: sending is rare next to reading, and a
 * fresh connection carries no state from another user's transaction.
 * On loopback the submission port takes AUTH without TLS when
 * smtp.auth_plaintext_loopback allows it; anywhere else STARTTLS comes
 * first, so the service secret never crosses a network in the clear.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "cfg.h"
#include "log.h"
#include "pool.h"
#include "service-secret.h"
#include "smtpc.h"

#define SMTPC_TIMEOUT 60	/* seconds per reply; DATA may be large */

/* reply_of - the server's last reply for the page, or libetpan's word */
static const char *reply_of(struct pool *pool, mailsmtp *smtp, int r)
{
	if (smtp->response != NULL && smtp->response[0] != '\0')
		return p_printf(pool, "%d %s", smtp->response_code,
				smtp->response);
	return p_strdup(pool, mailsmtp_strerror(r));
}

static bool is_loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	       strcasecmp(host, "localhost") == 0;
}

/* too_large - the reply says the message is over a size limit */
static bool too_large(mailsmtp *smtp, int r)
{
	return r == MAILSMTP_ERROR_EXCEED_STORAGE_ALLOCATION ||
	       smtp->response_code == 552 ||
	       (smtp->response != NULL &&
		strncmp(smtp->response, "5.3.4", 5) == 0);
}

/* connect_login - a logged-in session, or NULL with *reply_r */
static mailsmtp *connect_login(struct pool *pool, const char *user,
			       const char **reply_r)
{
	char host[256], secret[SERVICE_SECRET_MAX];
	const char *error;
	uint16_t port;
	mailsmtp *smtp;
	int r;

	if (cfg_local_endpoint(cfg.smtp_submission_listen, host, sizeof(host),
			       &port) < 0) {
		*reply_r = "smtp.submission_listen is not host:port";
		return NULL;
	}
	smtp = mailsmtp_new(0, NULL);
	if (smtp == NULL) {
		*reply_r = "out of memory";
		return NULL;
	}
	mailsmtp_set_timeout(smtp, SMTPC_TIMEOUT);
	r = mailsmtp_socket_connect(smtp, host, port);
	if (r != MAILSMTP_NO_ERROR) {
		*reply_r = p_printf(pool, "connect to %s port %u: %s", host,
				    (unsigned int)port, mailsmtp_strerror(r));
		goto fail;
	}
	r = mailesmtp_ehlo(smtp);
	if (r != MAILSMTP_NO_ERROR) {
		*reply_r = reply_of(pool, smtp, r);
		goto fail;
	}
	if (!is_loopback(host)) {
		r = mailesmtp_starttls(smtp);
		if (r == MAILSMTP_NO_ERROR)
			r = mailsmtp_socket_starttls(smtp);
		if (r == MAILSMTP_NO_ERROR)
			r = mailesmtp_ehlo(smtp);
		if (r != MAILSMTP_NO_ERROR) {
			*reply_r = reply_of(pool, smtp, r);
			goto fail;
		}
	}
	if (service_secret_read(secret, &error) < 0) {
		*reply_r = error;
		goto fail;
	}
	/* SASL PLAIN: libetpan's "login" is the authorization identity
	 * (the user), "auth_name" the authentication identity (the
	 * service account) */
	r = mailesmtp_auth_sasl(smtp, "PLAIN", host, NULL, NULL, user,
				cfg.imap_service_login, secret, NULL);
	explicit_bzero(secret, sizeof(secret));
	if (r != MAILSMTP_NO_ERROR) {
		*reply_r = p_printf(pool, "service login: %s",
				    reply_of(pool, smtp, r));
		goto fail;
	}
	return smtp;
fail:
	mailsmtp_free(smtp);
	return NULL;
}

enum smtpc_failure smtpc_submit(struct pool *pool, const char *user,
				const char *from, const char *const *rcpts,
				unsigned int n, const char *data, size_t len,
				const char *envid, const char **bad_r,
				const char **reply_r)
{
	enum smtpc_failure ret = SMTPC_OK;
	mailsmtp *smtp;
	unsigned int i;
	int r;

	*bad_r = NULL;
	*reply_r = NULL;
	smtp = connect_login(pool, user, reply_r);
	if (smtp == NULL) {
		log_warn("event=submit_unavailable user=%s error=%s",
			 log_quote(user), log_quote(*reply_r));
		return SMTPC_UNAVAILABLE;
	}
	/* libetpan sends ENVID only to a server that offers DSN, which
	 * ours does */
	if ((smtp->esmtp & MAILSMTP_ESMTP_SIZE) != 0)
		r = mailesmtp_mail_size(smtp, from, 0, envid, len);
	else if (envid != NULL)
		r = mailesmtp_mail(smtp, from, 0, envid);
	else
		r = mailsmtp_mail(smtp, from);
	if (r != MAILSMTP_NO_ERROR) {
		*reply_r = reply_of(pool, smtp, r);
		ret = too_large(smtp, r) ? SMTPC_TOO_LARGE : SMTPC_SENDER;
		goto out;
	}
	for (i = 0; i < n; i++) {
		r = mailsmtp_rcpt(smtp, rcpts[i]);
		if (r != MAILSMTP_NO_ERROR) {
			*bad_r = p_strdup(pool, rcpts[i]);
			*reply_r = reply_of(pool, smtp, r);
			ret = too_large(smtp, r) ? SMTPC_TOO_LARGE :
				SMTPC_RECIPIENT;
			(void)mailsmtp_reset(smtp);
			goto out;
		}
	}
	r = mailsmtp_data(smtp);
	/* libetpan ends the data with CRLF "." CRLF of its own: the last
	 * line's CRLF would make an empty line more */
	if (len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n')
		len -= 2;
	if (r == MAILSMTP_NO_ERROR)
		r = mailsmtp_data_message(smtp, data, len);
	if (r != MAILSMTP_NO_ERROR) {
		*reply_r = reply_of(pool, smtp, r);
		ret = too_large(smtp, r) ? SMTPC_TOO_LARGE : SMTPC_REFUSED;
		goto out;
	}
	(void)mailsmtp_quit(smtp);
out:
	if (ret != SMTPC_OK)
		log_info("event=submit_refused user=%s rcpt=%s"
			 " reply=%s", log_quote(user),
			 log_quote(*bad_r != NULL ? *bad_r : ""),
			 log_quote(*reply_r));
	mailsmtp_free(smtp);
	return ret;
}
