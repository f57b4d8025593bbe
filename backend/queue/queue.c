/*
 * queue.c - outbound delivery of queued messages.
 *
 *   queued/deferred --(due)--> sending --2xx--> row deleted (sent)
 *                                  |--4xx, no answer--> deferred (back-off)
 *                                  |      `--past expires_at--> bounce
 *                                  `--5xx, no such domain--> bounce
 * A row left in "sending" by a crash is made due again at start-up.
 *
 * SECURITY: the message text comes from our blob store, which holds only
 * CRLF-clean text (the SMTP service refuses bare CR/LF), and libetpan
 * dot-stuffs it; remote replies are logged through log_quote() and put in
 * bounces only as text inside a MIME part.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "blob.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "deliver.h"
#include "log.h"
#include "mime-meta.h"
#include "mx.h"
#include "pool.h"
#include "service.h"
#include "queue.h"
#include "strnum.h"
#include "token.h"

#define QUEUE_BOUNCE_HEADERS_MAX (64 * 1024)


struct entry {
	const char *id;
	const char *sender;
	const char *rcpt;
	const char *sha;
	uint64_t size;
	const char *domain_id;
	const char *user_id;
	unsigned int attempts;
	bool expired;
	bool warn_due;		/* delay warning owed */
	const char *dsn_ret;
	const char *dsn_envid;
	const char *dsn_notify;
	const char *dsn_orcpt;
	const char *created;
};

enum outcome { OUT_SENT, OUT_TEMP, OUT_PERM };

struct result {
	enum outcome outcome;
	char status[16];	/* enhanced status, "5.1.1" */
	const char *diag_type;	/* "smtp": reply is the remote's reply;
				   "X-Mailhive": our own reason */
	char stage[16];		/* where it happened: "RCPT TO", ... */
	char reply[512];	/* the remote's reply or our reason */
	char host[256];		/* remote MTA */
	bool dsn_passed;	/* the remote took NOTIFY: it reports now */
};

/* ==== one SMTP delivery =============================================== */

/* set_reply - the session's last reply, on one line, as the outcome of
 * stage; 5xx is permanent, anything else temporary */
static void set_reply(struct result *r, mailsmtp *smtp, const char *stage)
{
	const char *resp = smtp != NULL && smtp->response != NULL ?
		smtp->response : "";
	int code = smtp != NULL ? smtp->response_code : 0;
	size_t o, i;

	str_lcpy(r->stage, stage, sizeof(r->stage));
	r->diag_type = "smtp";
	o = (size_t)snprintf(r->reply, sizeof(r->reply), "%d ", code);
	for (i = 0; resp[i] != '\0' && o + 1 < sizeof(r->reply); i++)
		r->reply[o++] = resp[i] == '\r' || resp[i] == '\n' ? ' ' :
			resp[i];
	while (o > 0 && r->reply[o - 1] == ' ')
		o--;
	r->reply[o] = '\0';
	if (code >= 500 && code < 600) {
		r->outcome = OUT_PERM;
		str_lcpy(r->status, "5.0.0", sizeof(r->status));
	} else {
		r->outcome = OUT_TEMP;
		str_lcpy(r->status, "4.0.0", sizeof(r->status));
	}
	/* an enhanced status code at the start of the text wins */
	if ((resp[0] == '4' || resp[0] == '5') && resp[1] == '.') {
		size_t n = strspn(resp, "0123456789.");

		if (n < sizeof(r->status)) {
			memcpy(r->status, resp, n);
			r->status[n] = '\0';
		}
	}
}

/* set_reason - a failure of our own (DNS, connection, expiry) */
static void set_reason(struct result *r, enum outcome outcome,
		       const char *status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void set_reason(struct result *r, enum outcome outcome,
		       const char *status, const char *fmt, ...)
{
	va_list ap;

	r->outcome = outcome;
	r->diag_type = "X-Mailhive";
	r->stage[0] = '\0';
	str_lcpy(r->status, status, sizeof(r->status));
	va_start(ap, fmt);
	vsnprintf(r->reply, sizeof(r->reply), fmt, ap);
	va_end(ap);
}

/* ehlo - EHLO with our own name (libetpan's would send gethostname()),
 * falling back to HELO; sets the session's extension flags. 0 or -1. */
static int ehlo(mailsmtp *smtp, struct result *r)
{
	const char *verbs[2] = { "EHLO", "HELO" };

	for (int v = 0; v < 2; v++) {
		char cmd[300];
		int n = snprintf(cmd, sizeof(cmd), "%s %s\r\n", verbs[v],
				 cfg.hostname);
		char *line;
		int code = 0, flags = 0;

		if (mailstream_write(smtp->stream, cmd, (size_t)n) != n ||
		    mailstream_flush(smtp->stream) < 0)
			break;
		for (int lines = 0; lines < 100; lines++) {
			line = mailstream_read_line_remove_eol(smtp->stream,
							       smtp->line_buffer);
			if (line == NULL || strlen(line) < 3) {
				code = 0;
				break;
			}
			code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
				(line[2] - '0');
			if (code == 250 && lines > 0) {
				const char *kw = line + 4;

				if (strncasecmp(kw, "STARTTLS", 8) == 0)
					flags |= MAILSMTP_ESMTP_STARTTLS;
				else if (strncasecmp(kw, "SIZE", 4) == 0)
					flags |= MAILSMTP_ESMTP_SIZE;
				else if (strncasecmp(kw, "DSN", 3) == 0)
					flags |= MAILSMTP_ESMTP_DSN;
				else if (strncasecmp(kw, "8BITMIME", 8) == 0)
					flags |= MAILSMTP_ESMTP_8BITMIME;
				else if (strncasecmp(kw, "PIPELINING", 10) == 0)
					flags |= MAILSMTP_ESMTP_PIPELINING;
			}
			if (line[3] != '-')
				break;
		}
		if (code == 250) {
			smtp->esmtp = v == 0 ? (MAILSMTP_ESMTP | flags) : 0;
			return 0;
		}
		if (code == 0)
			break;
		str_lcpy(r->stage, verbs[v], sizeof(r->stage));
		snprintf(r->reply, sizeof(r->reply), "%d %s", code,
			 line != NULL ? line + 4 : "");
	}
	set_reason(r, OUT_TEMP, "4.4.2", "no greeting reply to EHLO/HELO");
	return -1;
}

/* read_blob - the whole message, without its final CRLF (libetpan adds
 * the terminator itself) */
static char *read_blob(struct pool *pool, const char *sha, size_t *len_r,
		       const char **error_r)
{
	uint64_t size;
	size_t got = 0;
	char *data;
	int fd;

	if (blob_open_read(pool, cfg.blob_dir, sha, &fd, &size, error_r) < 0)
		return NULL;
	data = p_alloc(pool, (size_t)size + 1);
	while (got < size) {
		ssize_t n = read(fd, data + got, (size_t)size - got);

		if (n <= 0) {
			close(fd);
			*error_r = "short read of the message blob";
			return NULL;
		}
		got += (size_t)n;
	}
	close(fd);
	if (got >= 2 && data[got - 2] == '\r' && data[got - 1] == '\n')
		got -= 2;
	*len_r = got;
	return data;
}

/* try_host - deliver to one address; r says how it went */
static void try_host(const struct entry *e, const char *ip,
		     const char *host, const char *text, size_t len,
		     struct result *r)
{
	mailsmtp *smtp = mailsmtp_new(0, NULL);
	int ret;

	str_lcpy(r->host, host, sizeof(r->host));
	mailsmtp_set_timeout(smtp, cfg.queue_timeout);
	ret = mailsmtp_socket_connect(smtp, ip,
				      (uint16_t)cfg.queue_remote_port);
	if (ret != MAILSMTP_NO_ERROR) {
		set_reason(r, OUT_TEMP, "4.4.1", "connect to %s[%s]:%u failed",
			   host, ip, cfg.queue_remote_port);
		goto out;
	}
	if (ehlo(smtp, r) < 0)
		goto out;
	if (smtp->esmtp & MAILSMTP_ESMTP_STARTTLS) {
		if (mailsmtp_socket_starttls(smtp) != MAILSMTP_NO_ERROR) {
			set_reason(r, OUT_TEMP, "4.7.5", "TLS handshake with"
				   " %s[%s] failed", host, ip);
			goto out;
		}
		if (ehlo(smtp, r) < 0)
			goto out;
	}
	if (smtp->esmtp & MAILSMTP_ESMTP_DSN)
		ret = mailesmtp_mail_size(smtp, e->sender,
			e->dsn_ret != NULL && strcmp(e->dsn_ret, "FULL") == 0,
			e->dsn_envid, (size_t)e->size);
	else if (smtp->esmtp & MAILSMTP_ESMTP_SIZE)
		ret = mailesmtp_mail_size(smtp, e->sender, 0, NULL,
					  (size_t)e->size);
	else
		ret = mailsmtp_mail(smtp, e->sender);
	if (ret != MAILSMTP_NO_ERROR) {
		set_reply(r, smtp, "MAIL FROM");
		goto out;
	}
	if ((smtp->esmtp & MAILSMTP_ESMTP_DSN) && e->dsn_notify != NULL &&
	    strcmp(e->dsn_notify, "NEVER") != 0) {
		int notify = 0;

		if (strstr(e->dsn_notify, "SUCCESS") != NULL)
			notify |= MAILSMTP_DSN_NOTIFY_SUCCESS;
		if (strstr(e->dsn_notify, "FAILURE") != NULL)
			notify |= MAILSMTP_DSN_NOTIFY_FAILURE;
		if (strstr(e->dsn_notify, "DELAY") != NULL)
			notify |= MAILSMTP_DSN_NOTIFY_DELAY;
		ret = mailesmtp_rcpt(smtp, e->rcpt, notify, e->dsn_orcpt);
		r->dsn_passed = true;
	} else {
		ret = mailsmtp_rcpt(smtp, e->rcpt);
	}
	if (ret != MAILSMTP_NO_ERROR) {
		set_reply(r, smtp, "RCPT TO");
		goto out;
	}
	ret = mailsmtp_data(smtp);
	if (ret != MAILSMTP_NO_ERROR) {
		set_reply(r, smtp, "DATA");
		goto out;
	}
	ret = mailsmtp_data_message(smtp, text, len);
	if (ret != MAILSMTP_NO_ERROR) {
		set_reply(r, smtp, "end of data");
		goto out;
	}
	set_reply(r, smtp, "end of data");
	r->outcome = OUT_SENT;
	str_lcpy(r->status, "2.0.0", sizeof(r->status));
	mailsmtp_quit(smtp);
out:
	mailsmtp_free(smtp);
}

/* attempt - resolve and try each address until one takes or refuses */
static void attempt(struct pool *pool, const struct entry *e,
		    struct result *r)
{
	struct mx_addr addrs[MX_MAX_ADDRS];
	const char *domain = strrchr(e->rcpt, '@');
	const char *error;
	char *text;
	size_t len;
	int n, permanent;

	memset(r, 0, sizeof(*r));
	set_reason(r, OUT_TEMP, "4.0.0", "not attempted");
	if (domain == NULL || domain[1] == '\0') {
		set_reason(r, OUT_PERM, "5.1.3", "bad recipient address");
		return;
	}
	domain++;
	text = read_blob(pool, e->sha, &len, &error);
	if (text == NULL) {
		set_reason(r, OUT_TEMP, "4.3.0", "%s", error);
		return;
	}
	n = mx_resolve(pool, cfg.queue_resolver, domain, addrs, MX_MAX_ADDRS,
		       &permanent, &error);
	if (n <= 0) {
		set_reason(r, permanent ? OUT_PERM : OUT_TEMP,
			   permanent ? "5.1.2" : "4.4.3", "%s: %s", domain,
			   error);
		return;
	}
	for (int i = 0; i < n && !service_stop_requested; i++) {
		try_host(e, addrs[i].ip, addrs[i].host, text, len, r);
		if (r->outcome != OUT_TEMP)
			return;
	}
}

/* ==== bounces ========================================================= */

/* original_headers - the header block of the message, for the report */
static const char *original_headers(struct pool *pool, const char *sha,
				    bool full)
{
	const char *error;
	size_t len, hlen;
	char *text = read_blob(pool, sha, &len, &error);
	const char *end;

	if (text == NULL)
		return "";
	if (full && len <= QUEUE_BOUNCE_HEADERS_MAX * 16)
		return p_printf(pool, "%.*s\r\n", (int)len, text);
	end = memmem(text, len, "\r\n\r\n", 4);
	hlen = end != NULL ? (size_t)(end - text) + 2 : len;
	if (hlen > QUEUE_BOUNCE_HEADERS_MAX)
		hlen = QUEUE_BOUNCE_HEADERS_MAX;
	return p_strndup(pool, text, hlen);
}

/* send_dsn - a delivery status notification to the entry's sender:
 * action "failed" or "delayed"; -1 on failure (the caller retries) */
static int send_dsn(struct pool *pool, const struct entry *e,
		    const struct result *r, const char *action)
{
	bool full = e->dsn_ret != NULL && strcmp(e->dsn_ret, "FULL") == 0 &&
		strcmp(action, "failed") == 0;
	char rnd[TOKEN_HEX_LEN + 1], date[64], sha[BLOB_SHA_HEX_LEN + 1];
	struct deliver_remote remote;
	struct deliver_rcpt local;
	struct deliver_msg msg;
	struct blob_writer *bw;
	struct mime_meta *meta;
	enum deliver_fail fail;
	const char *error, *p;
	struct buf b;
	uint64_t size;
	time_t now = time(NULL);
	struct tm tm;
	int64_t uid = 0, did = 0;
	int ret;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	token_new_hex(rnd);
	rnd[32] = '\0';
	buf_init(&b, 0);
	ret = buf_printf(&b,
		"From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
		"To: <%s>\r\n"
		"Subject: %s\r\n"
		"Date: %s\r\n"
		"Message-ID: <%s.dsn@%s>\r\n"
		"Auto-Submitted: auto-replied\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/report; report-type=delivery-status;"
		" boundary=\"%s\"\r\n"
		"\r\n"
		"This is a MIME-encapsulated message.\r\n"
		"\r\n"
		"--%s\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"\r\n"
		"This is the mail system at host %s.\r\n"
		"\r\n"
		"%s\r\n"
		"\r\n"
		"<%s>: %s\r\n"
		"\r\n"
		"--%s\r\n"
		"Content-Type: message/delivery-status\r\n"
		"\r\n"
		"Reporting-MTA: dns; %s\r\n"
		"%s%s%s"
		"Arrival-Date: %s\r\n"
		"\r\n"
		"Final-Recipient: rfc822; %s\r\n"
		"%s%s%s"
		"Action: %s\r\n"
		"Status: %s\r\n"
		"%s%s%s"
		"Diagnostic-Code: %s; %s\r\n"
		"\r\n"
		"--%s\r\n"
		"Content-Type: %s\r\n"
		"\r\n"
		"%s"
		"\r\n"
		"--%s--\r\n",
		cfg.hostname, e->sender,
		strcmp(action, "failed") == 0 ?
		"Undelivered Mail Returned to Sender" :
		strcmp(action, "delayed") == 0 ?
		"Delayed Mail (still being retried)" :
		"Successful Mail Delivery Report",
		date, rnd, cfg.hostname, rnd, rnd, cfg.hostname,
		strcmp(action, "failed") == 0 ?
		"Your message could not be delivered to one or more"
		" recipients. It is attached below." :
		strcmp(action, "delayed") == 0 ?
		"Your message could not be delivered yet. It will be retried"
		" until it expires; you need not send it again." :
		"Your message was handed on to a mail server that does not"
		" report delivery; this is the last report you will get.",
		e->rcpt, r->reply, rnd, cfg.hostname,
		e->dsn_envid != NULL ? "Original-Envelope-Id: " : "",
		e->dsn_envid != NULL ? e->dsn_envid : "",
		e->dsn_envid != NULL ? "\r\n" : "",
		e->created, e->rcpt,
		e->dsn_orcpt != NULL ? "Original-Recipient: " : "",
		e->dsn_orcpt != NULL ? e->dsn_orcpt : "",
		e->dsn_orcpt != NULL ? "\r\n" : "",
		action, r->status,
		r->host[0] != '\0' ? "Remote-MTA: dns; " : "",
		r->host, r->host[0] != '\0' ? "\r\n" : "",
		r->diag_type, r->reply, rnd,
		full ? "message/rfc822" : "text/rfc822-headers",
		original_headers(pool, e->sha, full), rnd);
	/* the report must hold no bare CR or LF: replace any that came in
	 * with the remote's reply (set_reply already did) */
	for (p = b.data; ret == 0 && *p != '\0'; p++)
		if ((*p == '\n' && (p == b.data || p[-1] != '\r')) ||
		    (*p == '\r' && p[1] != '\n'))
			ret = -1;
	if (ret < 0) {
		buf_free(&b);
		log_error("event=dsn_build_failed entry=%s", e->id);
		return -1;
	}
	if (blob_writer_open(pool, cfg.blob_dir, &bw, &error) < 0 ||
	    blob_writer_write(bw, b.data, b.len, &error) < 0 ||
	    blob_writer_commit(bw, sha, &size, &error) < 0) {
		buf_free(&b);
		log_error("event=dsn_store_failed entry=%s error=%s", e->id,
			  log_quote(error));
		return -1;
	}
	if (mime_meta_parse_data(pool, b.data, b.len, NULL, &meta,
				 &error) < 0) {
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	memset(&msg, 0, sizeof(msg));
	msg.sha = sha;
	msg.size = size;
	msg.meta = meta;
	msg.sender = "";	/* a bounce is never bounced */
	msg.remote = "localhost";
	msg.queue_id = e->id;
	/* to a local sender directly, else through the queue */
	{
		const char *params[1] = { e->sender };
		PGresult *res = db_query(pool, "SELECT u.id, u.domain_id"
			" FROM users u WHERE u.address = lower($1)"
			" AND u.status = 'active' AND u.deleted_at IS NULL",
			1, params);

		if (res == NULL)
			return -1;
		if (db_ntuples(res) > 0 &&
		    (str_to_int64(db_value(res, 0, 0), &uid) < 0 ||
		     str_to_int64(db_value(res, 0, 1), &did) < 0))
			return -1;
	}
	if (uid != 0) {
		local.user_id = uid;
		local.domain_id = did;
		local.addr = e->sender;
		ret = deliver_commit(pool, &msg, &local, 1, NULL, 0, &fail,
				     &error);
	} else {
		memset(&remote, 0, sizeof(remote));
		remote.rcpt = e->sender;
		remote.notify = "NEVER";
		ret = deliver_commit(pool, &msg, NULL, 0, &remote, 1, &fail,
				     &error);
	}
	if (ret < 0) {
		log_error("event=dsn_deliver_failed entry=%s error=%s", e->id,
			  log_quote(error));
		return -1;
	}
	log_info("event=dsn_sent entry=%s action=%s to=%s", e->id, action,
		 log_quote(e->sender));
	return 0;
}

/* wants_dsn - the sender asked for (or did not refuse) this report */
static bool wants_dsn(const struct entry *e, const char *kind)
{
	if (e->sender[0] == '\0')
		return false;	/* never bounce a bounce */
	if (e->dsn_notify == NULL)
		return true;	/* RFC 3461 default: failures and delays */
	return strstr(e->dsn_notify, kind) != NULL;
}

/* ==== the loop ======================================================== */

/* event_error - the reply or reason of an attempt that failed, for
 * mail_events.error; NULL for a delivery. A reply cut at the end of its
 * buffer may end inside a UTF-8 character and a remote server may answer
 * in another charset: the database would refuse either, losing the row,
 * so then every non-ASCII byte becomes '?' */
static const char *event_error(struct pool *pool, const struct result *r)
{
	char *s;

	if (r->outcome == OUT_SENT || r->reply[0] == '\0')
		return NULL;
	if (utf8_valid(r->reply, strlen(r->reply)))
		return r->reply;
	s = p_strdup(pool, r->reply);
	for (char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	return s;
}

/* record_event - the mail_events row of one attempt; anything but a
 * delivery keeps the reply or our reason in error (sql/009), which the
 * domain administrators' statistics show as a user's last error */
static void record_event(struct pool *pool, const struct entry *e,
			 const char *outcome, const struct result *r)
{
	char size[32];
	const char *params[7];

	snprintf(size, sizeof(size), "%" PRIu64, e->size);
	params[0] = e->domain_id;
	params[1] = e->user_id;
	params[2] = size;
	params[3] = outcome;
	params[4] = r->host[0] != '\0' ? r->host : NULL;
	params[5] = e->id;
	params[6] = event_error(pool, r);
	if (db_query(pool, "INSERT INTO mail_events (domain_id, user_id,"
		     " direction, bytes, outcome, remote, queue_id, error)"
		     " VALUES ($1::bigint, $2::bigint, 'out', $3::bigint, $4,"
		     " $5, $6::bigint, $7)", 7, params) == NULL)
		log_warn("event=mail_event_failed entry=%s error=%s", e->id,
			 log_quote(db_error()));
}

static void finish(struct pool *pool, const struct entry *e,
		   const struct result *r)
{
	const char *params[4];
	char wait[16];
	unsigned int delay = cfg.queue_retry_base;

	params[0] = e->id;
	if (r->outcome == OUT_SENT) {
		log_info("event=sent entry=%s rcpt=%s relay=%s attempt=%u"
			 " reply=%s", e->id, log_quote(e->rcpt),
			 log_quote(r->host), e->attempts, log_quote(r->reply));
		record_event(pool, e, "delivered", r);
		if (!r->dsn_passed && e->dsn_notify != NULL &&
		    strstr(e->dsn_notify, "SUCCESS") != NULL &&
		    e->sender[0] != '\0') {
			/* RFC 3461 6.2.2: relayed to a server without DSN;
			 * we report that, as asked */
			send_dsn(pool, e, r, "relayed");
		}
		db_query(pool, "DELETE FROM queue WHERE id = $1::bigint", 1,
			 params);
		return;
	}
	if (r->outcome == OUT_PERM || e->expired) {
		struct result rr = *r;

		if (r->outcome != OUT_PERM)
			set_reason(&rr, OUT_PERM, "4.4.7", "message expired"
				   " after repeated failures; last: %.400s",
				   r->reply);
		log_info("event=bounced entry=%s rcpt=%s attempt=%u status=%s"
			 " reply=%s", e->id, log_quote(e->rcpt), e->attempts,
			 rr.status, log_quote(rr.reply));
		record_event(pool, e, "bounced", &rr);
		if (wants_dsn(e, "FAILURE") && send_dsn(pool, e, &rr,
							 "failed") < 0) {
			/* keep the entry: the bounce is tried again */
			snprintf(wait, sizeof(wait), "%u", cfg.queue_retry_base);
			params[1] = wait;
			params[2] = rr.reply;
			db_query(pool, "UPDATE queue SET status = 'deferred',"
				 " next_attempt_at = now() +"
				 " make_interval(secs => $2::int),"
				 " last_error = $3 WHERE id = $1::bigint",
				 3, params);
			return;
		}
		db_query(pool, "DELETE FROM queue WHERE id = $1::bigint", 1,
			 params);
		return;
	}
	for (unsigned int i = 1; i < e->attempts && delay < cfg.queue_retry_max;
	     i++)
		delay *= 2;
	if (delay > cfg.queue_retry_max)
		delay = cfg.queue_retry_max;
	log_info("event=deferred entry=%s rcpt=%s attempt=%u retry_in=%u"
		 " reply=%s", e->id, log_quote(e->rcpt), e->attempts, delay,
		 log_quote(r->reply));
	record_event(pool, e, "deferred", r);
	if (e->warn_due && wants_dsn(e, "DELAY") &&
	    send_dsn(pool, e, r, "delayed") == 0)
		db_query(pool, "UPDATE queue SET dsn_sent_at = now()"
			 " WHERE id = $1::bigint", 1, params);
	snprintf(wait, sizeof(wait), "%u", delay);
	params[1] = wait;
	params[2] = r->reply;
	db_query(pool, "UPDATE queue SET status = 'deferred', next_attempt_at ="
		 " now() + make_interval(secs => $2::int), last_error = $3"
		 " WHERE id = $1::bigint", 3, params);
}

int queue_run_once(void)
{
	struct pool *pool = pool_new("queue", 65536);
	char warn[16];
	const char *params[1] = { warn };
	PGresult *res;
	int n;

	snprintf(warn, sizeof(warn), "%u", cfg.queue_delay_warning);
	res = db_query(pool,
		"UPDATE queue SET status = 'sending', attempts = attempts + 1"
		" WHERE id IN (SELECT id FROM queue"
		"  WHERE status IN ('queued', 'deferred')"
		"  AND next_attempt_at <= now() ORDER BY next_attempt_at"
		"  LIMIT 20 FOR UPDATE SKIP LOCKED)"
		" RETURNING id, sender, recipient, blob_sha256, size,"
		" domain_id, user_id, attempts, expires_at <= now(),"
		" (dsn_sent_at IS NULL AND created_at <="
		"  now() - make_interval(secs => $1::int)),"
		" dsn_ret, dsn_envid, dsn_notify, dsn_orcpt,"
		" to_char(created_at AT TIME ZONE 'UTC',"
		"  'Dy, DD Mon YYYY HH24:MI:SS +0000')", 1, params);
	if (res == NULL) {
		pool_destroy(&pool);
		return -1;
	}
	n = db_ntuples(res);
	for (int i = 0; i < n && !service_stop_requested; i++) {
		struct entry e;
		struct result r;
		struct pool *one = pool_new("queue entry", 65536);

		memset(&e, 0, sizeof(e));
		e.id = db_value(res, i, 0);
		e.sender = db_value(res, i, 1);
		e.rcpt = db_value(res, i, 2);
		e.sha = db_value(res, i, 3);
		if (str_to_u64(db_value(res, i, 4), &e.size) < 0 ||
		    str_to_uint(db_value(res, i, 7), &e.attempts) < 0) {
			pool_destroy(&one);
			continue;
		}
		e.domain_id = db_value(res, i, 5);
		e.user_id = db_value(res, i, 6);
		e.expired = strcmp(db_value(res, i, 8), "t") == 0;
		e.warn_due = strcmp(db_value(res, i, 9), "t") == 0;
		e.dsn_ret = db_value(res, i, 10);
		e.dsn_envid = db_value(res, i, 11);
		e.dsn_notify = db_value(res, i, 12);
		e.dsn_orcpt = db_value(res, i, 13);
		e.created = db_value(res, i, 14);
		attempt(one, &e, &r);
		finish(one, &e, &r);
		pool_destroy(&one);
	}
	pool_destroy(&pool);
	return n;
}

void queue_main(void)
{
	struct pool *pool;

	service_start("queue");
	mime_meta_init();
	pool = pool_new("queue start", 1024);
	/* entries a crash left in "sending" are due again */
	if (db_query(pool, "UPDATE queue SET status = 'deferred'"
		     " WHERE status = 'sending'", 0, NULL) == NULL)
		log_warn("event=queue_recover_failed error=%s",
			 log_quote(db_error()));
	pool_destroy(&pool);
	log_info("event=queue_started");
	while (!service_stop_requested) {
		int n = queue_run_once();

		if (n < 0)
			log_warn("event=queue_round_failed error=%s",
				 log_quote(db_error()));
		if (n <= 0)
			sleep(1);
	}
	db_close();
	_exit(0);
}
