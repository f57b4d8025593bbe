/*
 * smtpd.c - SMTP server: the sessions of one worker process.
 *
 *   CONNECT -> [TLS handshake on 465] -> greeting -> GREETED
 *   GREETED --EHLO/HELO--> READY --MAIL--> MAIL --RCPT--> RCPT
 *   RCPT --DATA--> DATA --"\r\n.\r\n"--> deliver --> READY
 *   RSET, a new EHLO, or the end of DATA go back to READY; QUIT, a
 *   timeout, too many errors or shutdown end the session.
 * Only enter_state() assigns s->state.
 *
 * Every session lives in an epoll loop; commands are answered in order,
 * so PIPELINING needs nothing special. At the end of DATA the blob is
 * committed (fsync, rename, directory fsync) and the rows are inserted in
 * one transaction; "250" is written only after that transaction commits.
 *
 * SECURITY: untrusted network input. Command lines are capped at
 * SMTPD_LINE_MAX, message lines at 1000 octets, messages at
 * smtp.max_message_size (EHLO SIZE), and at each local recipient's domain
 * limit (at RCPT for a declared SIZE=, else at the end of DATA); bare
 * CR/LF and NUL in DATA are refused after the real terminator (no
 * smuggling); STARTTLS drops anything pipelined after
 * it; AUTH is offered only on submission ports and only under TLS (or on
 * loopback when allowed); we never relay for unauthenticated clients.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "blob.h"
#include "cfg.h"
#include "conn.h"
#include "db.h"
#include "deliver.h"
#include "log.h"
#include "mime-meta.h"
#include "pool.h"
#include "service.h"
#include "service-secret.h"
#include "smtpc.h"
#include "smtp-data.h"
#include "smtp-parse.h"
#include "smtpd.h"
#include "token.h"

#define SMTPD_LINE_MAX 2048		/* command line incl. CRLF */
#define SMTPD_IN_MAX (64 * 1024)
#define SMTPD_HEADER_MAX (256 * 1024)	/* header block examined */
#define SMTPD_MAX_BAD_COMMANDS 10
#define SMTPD_MAX_EVENTS 64
#define SMTPD_SHUTDOWN_GRACE 30		/* seconds for DATA in flight */

enum smtpd_state {
	S_HANDSHAKE,	/* implicit TLS, before the greeting */
	S_GREETED,
	S_READY,
	S_MAIL,
	S_RCPT,
	S_DATA,
	S_AUTH_PLAIN,	/* waiting for the PLAIN response */
	S_AUTH_USER,	/* LOGIN: waiting for the user name */
	S_AUTH_PASS,	/* LOGIN: waiting for the password */
	S_STARTTLS,	/* 220 sent, handshake to begin after flush */
	S_QUIT,
};

static const char *state_names[] = {
	"HANDSHAKE", "GREETED", "READY", "MAIL", "RCPT", "DATA",
	"AUTH_PLAIN", "AUTH_USER", "AUTH_PASS", "STARTTLS", "QUIT",
};

struct smtpd_rcpt {
	struct smtpd_rcpt *next;
	struct smtpd_target *targets;
	const char *notify;		/* DSN NOTIFY= as text, or NULL */
	const char *orcpt;		/* DSN ORCPT=, or NULL */
};

struct smtpd_session {
	struct smtpd_session *prev, *next;
	struct conn c;
	enum smtpd_port port;
	enum smtpd_state state;
	struct pool *pool;		/* the session's */
	struct pool *tx;		/* the transaction's */
	unsigned int slot;
	char helo[256];
	char id[16];			/* session id, for logs */
	bool esmtp;
	bool tls;
	bool authed;
	bool auth_service;	/* the service account acting for the user */
	int64_t auth_user_id;
	int64_t auth_domain_id;
	char auth_login[320];
	char auth_user_name[320];	/* LOGIN: the name given */
	unsigned int auth_failures;
	unsigned int bad_commands;
	bool skipping;			/* discarding an overlong line */
	time_t deadline;

	/* transaction */
	const char *mail_from;		/* "" for <> */
	bool smtputf8;
	const char *dsn_envid;
	const char *dsn_ret;
	uint64_t declared_size;		/* MAIL SIZE=, 0 if none */
	struct smtpd_rcpt *rcpts;
	unsigned int nrcpt;

	/* DATA */
	struct smtp_data_reader reader;
	struct blob_writer *bw;
	struct buf *hdr;
	bool hdr_done;
	bool sink_failed;
	unsigned int received;
	char queue_id[16];
};

struct smtpd_worker {
	int epfd;
	const struct smtpd_listener *listeners;
	unsigned int nlisteners;
	struct smtpd_shared *shared;
	unsigned int index;
	SSL_CTX *tls;
	struct smtpd_session *sessions;
	unsigned int nsessions;
	time_t stop_at;
};

static struct smtpd_worker W;

static void session_close(struct smtpd_session *s);

/* ==== shared connection counters ====================================== */

struct smtpd_shared *smtpd_shared_new(void)
{
	void *p = mmap(NULL, sizeof(struct smtpd_shared),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		fatal("event=startup error=\"mmap: %s\"", strerror(errno));
	memset(p, 0, sizeof(struct smtpd_shared));
	return p;
}

void smtpd_shared_forget(struct smtpd_shared *sh, unsigned int worker)
{
	if (worker >= SMTPD_MAX_WORKERS)
		return;
	atomic_store(&sh->total[worker], 0);
	for (unsigned int i = 0; i < SMTPD_IP_SLOTS; i++)
		atomic_store(&sh->per_ip[worker][i], 0);
}

static unsigned int ip_slot(const char *ip)
{
	uint32_t h = 2166136261u;

	for (const char *p = ip; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h % SMTPD_IP_SLOTS;
}

/* counts_admit - count the new connection; false when over a limit */
static bool counts_admit(unsigned int slot)
{
	unsigned int total = 0, per_ip = 0;

	for (unsigned int w = 0; w < SMTPD_MAX_WORKERS; w++) {
		total += atomic_load(&W.shared->total[w]);
		per_ip += atomic_load(&W.shared->per_ip[w][slot]);
	}
	if ((cfg.smtp_max_connections > 0 &&
	     total >= cfg.smtp_max_connections) ||
	    (cfg.smtp_max_connections_per_ip > 0 &&
	     per_ip >= cfg.smtp_max_connections_per_ip))
		return false;
	atomic_fetch_add(&W.shared->total[W.index], 1);
	atomic_fetch_add(&W.shared->per_ip[W.index][slot], 1);
	return true;
}

static void counts_release(unsigned int slot)
{
	atomic_fetch_sub(&W.shared->total[W.index], 1);
	atomic_fetch_sub(&W.shared->per_ip[W.index][slot], 1);
}

/* ==== output and state ================================================ */

static void reply(struct smtpd_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reply(struct smtpd_session *s, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = buf_vprintf(&s->c.out, fmt, ap);
	va_end(ap);
	if (ret < 0 || buf_append(&s->c.out, "\r\n", 2) < 0)
		s->state = S_QUIT;	/* peer does not read its replies */
}

static void enter_state(struct smtpd_session *s, enum smtpd_state st)
{
	if (s->state != st)
		log_debug("event=state session=%s from=%s to=%s", s->id,
			  state_names[s->state], state_names[st]);
	s->state = st;
}

static void set_deadline(struct smtpd_session *s)
{
	s->deadline = time(NULL) + (s->state == S_DATA ?
		cfg.smtp_data_timeout : cfg.smtp_command_timeout);
}

/* tx_reset - forget the transaction (RSET, EHLO, after DATA) */
static void tx_reset(struct smtpd_session *s)
{
	if (s->bw != NULL)
		blob_writer_abort(&s->bw);
	pool_clear(s->tx);
	s->mail_from = NULL;
	s->smtputf8 = false;
	s->dsn_envid = NULL;
	s->dsn_ret = NULL;
	s->declared_size = 0;
	s->rcpts = NULL;
	s->nrcpt = 0;
	s->hdr = NULL;
	s->hdr_done = false;
	s->sink_failed = false;
	s->received = 0;
	s->queue_id[0] = '\0';
}

static bool is_submission(const struct smtpd_session *s)
{
	return s->port != SMTPD_PORT_MX;
}

/* auth_offered - AUTH may be used now on this session */
static bool auth_offered(const struct smtpd_session *s)
{
	return is_submission(s) && !s->authed &&
		(s->tls || (s->c.loopback && cfg.smtp_auth_plaintext_loopback));
}

/* ==== commands ======================================================== */

static void cmd_ehlo(struct smtpd_session *s, const struct smtp_cmd *cmd,
		     bool esmtp)
{
	tx_reset(s);
	str_lcpy(s->helo, cmd->helo, sizeof(s->helo));
	s->esmtp = esmtp;
	enter_state(s, S_READY);
	if (!esmtp) {
		reply(s, "250 %s", cfg.hostname);
		return;
	}
	reply(s, "250-%s Hello %s [%s]", cfg.hostname, s->helo, s->c.ip);
	reply(s, "250-PIPELINING");
	reply(s, "250-SIZE %" PRIu64, cfg.smtp_max_message_size);
	reply(s, "250-8BITMIME");
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-SMTPUTF8");
	reply(s, "250-DSN");
	if (!s->tls && W.tls != NULL)
		reply(s, "250-STARTTLS");
	if (auth_offered(s))
		reply(s, "250-AUTH PLAIN LOGIN");
	reply(s, "250 HELP");
}

static void cmd_mail(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	const struct smtp_path *p = &cmd->path;

	if (s->state == S_GREETED) {
		reply(s, "503 5.5.1 Send EHLO or HELO first");
		return;
	}
	if (s->state != S_READY) {
		reply(s, "503 5.5.1 Nested MAIL command");
		return;
	}
	if (is_submission(s) && !s->authed) {
		reply(s, "530 5.7.0 Authentication required");
		return;
	}
	if (cmd->mail.has_size && cmd->mail.size > cfg.smtp_max_message_size) {
		reply(s, "552 5.3.4 Message size exceeds fixed limit");
		return;
	}
	if (cmd->mail.body == SMTP_BODY_BINARYMIME) {
		reply(s, "555 5.5.4 BINARYMIME needs CHUNKING, not offered");
		return;
	}
	if (p->utf8 && !cmd->mail.smtputf8) {
		reply(s, "553 5.6.7 Non-ASCII address needs SMTPUTF8");
		return;
	}
	if (s->authed) {
		int ok = p->is_null ? 0 :
			smtpd_sender_allowed(s->pool, s->auth_user_id, p->addr);

		if (ok < 0) {
			log_warn("event=sender_lookup_failed session=%s"
				 " error=%s", s->id, log_quote(db_error()));
			reply(s, "451 4.3.0 Temporary lookup failure");
			return;
		}
		if (ok == 0) {
			reply(s, "553 5.7.1 Sender address not owned by %s",
			      s->auth_login);
			return;
		}
	}
	s->mail_from = p->is_null ? "" : p_strdup(s->tx, p->addr);
	s->smtputf8 = cmd->mail.smtputf8;
	s->declared_size = cmd->mail.has_size ? cmd->mail.size : 0;
	if (cmd->mail.envid != NULL)
		s->dsn_envid = p_strdup(s->tx, cmd->mail.envid);
	if (cmd->mail.ret != SMTP_RET_NONE)
		s->dsn_ret = cmd->mail.ret == SMTP_RET_FULL ? "FULL" : "HDRS";
	enter_state(s, S_MAIL);
	reply(s, "250 2.1.0 Ok");
}

static void cmd_rcpt(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_path path = cmd->path;
	struct smtpd_target *targets;
	enum smtpd_rcpt_verdict v;
	struct smtpd_rcpt *r;

	if (s->state != S_MAIL && s->state != S_RCPT) {
		reply(s, "503 5.5.1 Need MAIL before RCPT");
		return;
	}
	if (s->nrcpt >= cfg.smtp_max_recipients) {
		reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	if (path.utf8 && !s->smtputf8) {
		reply(s, "553 5.6.7 Non-ASCII address needs SMTPUTF8");
		return;
	}
	if (path.is_postmaster && (path.domain == NULL ||
				   path.domain[0] == '\0')) {
		const char *d = smtpd_postmaster_domain(s->tx);

		if (d == NULL) {
			reply(s, "451 4.3.0 Temporary lookup failure");
			return;
		}
		path.local = "postmaster";
		path.domain = d;
		path.addr = p_printf(s->tx, "postmaster@%s", d);
	}
	if (path.is_null) {
		reply(s, "501 5.1.3 Bad recipient address syntax");
		return;
	}
	v = smtpd_resolve_rcpt(s->tx, &path, s->mail_from, s->declared_size,
			       s->authed, &targets);
	switch (v) {
	case RCPT_OK:
		break;
	case RCPT_UNKNOWN:
		reply(s, "550 5.1.1 <%s>: Recipient address rejected: no such"
		      " user", path.addr);
		return;
	case RCPT_RELAY_DENIED:
		log_info("event=relay_denied session=%s ip=%s from=%s to=%s",
			 s->id, s->c.ip, log_quote(s->mail_from),
			 log_quote(path.addr));
		reply(s, "554 5.7.1 <%s>: Relay access denied", path.addr);
		return;
	case RCPT_BLOCKED:
		reply(s, "550 5.7.1 <%s>: Sender blocked by the recipient",
		      path.addr);
		return;
	case RCPT_OVER_QUOTA:
		reply(s, "452 4.2.2 <%s>: Mailbox full", path.addr);
		return;
	case RCPT_OVER_QUOTA_PERM:
		reply(s, "552 5.2.2 <%s>: Message larger than the mailbox"
		      " quota", path.addr);
		return;
	case RCPT_TOO_BIG:
		reply(s, "552 5.3.4 <%s>: Message size exceeds the limit of"
		      " the recipient's domain", path.addr);
		return;
	case RCPT_TEMP:
	default:
		log_warn("event=rcpt_lookup_failed session=%s rcpt=%s error=%s",
			 s->id, log_quote(path.addr), log_quote(db_error()));
		reply(s, "451 4.3.0 Temporary lookup failure");
		return;
	}
	r = p_new(s->tx, struct smtpd_rcpt, 1);
	r->targets = targets;
	if (cmd->rcpt.notify != 0) {
		unsigned int nt = cmd->rcpt.notify;

		r->notify = (nt & SMTP_NOTIFY_NEVER) ? "NEVER" :
			p_printf(s->tx, "%s%s%s",
				 (nt & SMTP_NOTIFY_SUCCESS) ? "SUCCESS," : "",
				 (nt & SMTP_NOTIFY_FAILURE) ? "FAILURE," : "",
				 (nt & SMTP_NOTIFY_DELAY) ? "DELAY," : "");
		if (r->notify[0] != 'N')
			((char *)r->notify)[strlen(r->notify) - 1] = '\0';
	}
	if (cmd->rcpt.orcpt != NULL)
		r->orcpt = p_printf(s->tx, "%s;%s", cmd->rcpt.orcpt_type,
				    cmd->rcpt.orcpt);
	r->next = s->rcpts;
	s->rcpts = r;
	s->nrcpt++;
	enter_state(s, S_RCPT);
	reply(s, "250 2.1.5 Ok");
}

/* ---- DATA ---- */

/* header_has - a header field named name (with the colon) starts a line */
static bool header_has(const char *hdr, size_t len, const char *name)
{
	size_t nlen = strlen(name);

	for (size_t i = 0; i + nlen <= len; ) {
		if (strncasecmp(hdr + i, name, nlen) == 0)
			return true;
		{
			const char *nl = memchr(hdr + i, '\n', len - i);

			if (nl == NULL)
				break;
			i = (size_t)(nl - hdr) + 1;
		}
	}
	return false;
}

static unsigned int header_count(const char *hdr, size_t len,
				 const char *name)
{
	size_t nlen = strlen(name);
	unsigned int n = 0;

	for (size_t i = 0; i + nlen <= len; ) {
		const char *nl;

		if (strncasecmp(hdr + i, name, nlen) == 0)
			n++;
		nl = memchr(hdr + i, '\n', len - i);
		if (nl == NULL)
			break;
		i = (size_t)(nl - hdr) + 1;
	}
	return n;
}

static void rfc5322_date(char *out, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, len, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* write_prologue - what we put before the client's header block */
static int write_prologue(struct smtpd_session *s, const char **error_r)
{
	struct buf p;
	char date[64];
	const char *with;
	int ret;

	rfc5322_date(date, sizeof(date));
	with = s->esmtp ? (s->tls ? (s->authed ? "ESMTPSA" : "ESMTPS") :
			   (s->authed ? "ESMTPA" : "ESMTP")) : "SMTP";
	buf_init(&p, 0);
	if (buf_printf(&p, "Received: from %s ([%s])\r\n\tby %s (Mailhive)"
		       " with %s id %s", s->helo, s->c.ip, cfg.hostname, with,
		       s->queue_id) < 0)
		panic("out of memory");
	if (s->nrcpt == 1 && s->rcpts->targets != NULL &&
	    buf_printf(&p, "\r\n\tfor <%s>", s->rcpts->targets->addr) < 0)
		panic("out of memory");
	if (buf_printf(&p, "; %s\r\n", date) < 0)
		panic("out of memory");
	if (is_submission(s)) {
		if (!header_has(s->hdr->data, s->hdr->len, "Message-ID:")) {
			char rnd[TOKEN_HEX_LEN + 1];

			token_new_hex(rnd);
			rnd[24] = '\0';
			if (buf_printf(&p, "Message-ID: <%s@%s>\r\n", rnd,
				       cfg.hostname) < 0)
				panic("out of memory");
		}
		if (!header_has(s->hdr->data, s->hdr->len, "Date:") &&
		    buf_printf(&p, "Date: %s\r\n", date) < 0)
			panic("out of memory");
	}
	ret = blob_writer_write(s->bw, p.data, p.len, error_r);
	buf_free(&p);
	return ret;
}

/* finish_header - the header block is complete (or over its cap) */
static int finish_header(struct smtpd_session *s)
{
	const char *error;

	s->hdr_done = true;
	s->received = header_count(s->hdr->data, s->hdr->len, "Received:");
	if (write_prologue(s, &error) < 0 ||
	    blob_writer_write(s->bw, s->hdr->data, s->hdr->len, &error) < 0) {
		log_error("event=blob_write_failed session=%s queue_id=%s"
			  " error=%s", s->id, s->queue_id, log_quote(error));
		return -1;
	}
	return 0;
}

/* data_sink - the un-dot-stuffed message text, in pieces. The header
 * block is held back (up to SMTPD_HEADER_MAX) so that the Received: line
 * and, on submission, a missing Message-ID or Date go in front of it. */
static int data_sink(void *ctx, const char *data, size_t len)
{
	struct smtpd_session *s = ctx;
	const char *error;

	if (s->sink_failed)
		return -1;
	if (!s->hdr_done) {
		size_t old = s->hdr->len, scan, hlen = 0, rest;
		const char *end;
		char *body = NULL;

		if (buf_append(s->hdr, data, len) < 0)
			panic("header buffer");
		if (s->hdr->len >= 2 && memcmp(s->hdr->data, "\r\n", 2) == 0) {
			hlen = 2;	/* no header fields at all */
		} else {
			scan = old >= 3 ? old - 3 : 0;
			end = memmem(s->hdr->data + scan, s->hdr->len - scan,
				     "\r\n\r\n", 4);
			if (end != NULL)
				hlen = (size_t)(end - s->hdr->data) + 4;
		}
		if (hlen == 0) {
			if (s->hdr->len < SMTPD_HEADER_MAX)
				return 0;
			hlen = s->hdr->len;
		}
		rest = s->hdr->len - hlen;
		if (rest > 0)
			body = p_memdup(s->tx, s->hdr->data + hlen, rest);
		s->hdr->len = hlen;
		if (finish_header(s) < 0)
			goto fail;
		if (rest > 0 && blob_writer_write(s->bw, body, rest,
						  &error) < 0)
			goto fail_err;
		return 0;
	}
	if (blob_writer_write(s->bw, data, len, &error) < 0)
		goto fail_err;
	return 0;
fail_err:
	log_error("event=blob_write_failed session=%s queue_id=%s error=%s",
		  s->id, s->queue_id, log_quote(error));
fail:
	s->sink_failed = true;
	return -1;
}

static void cmd_data(struct smtpd_session *s)
{
	struct smtp_data_limits limits = { 0, cfg.smtp_max_message_size };
	const char *error;
	char rnd[TOKEN_HEX_LEN + 1];

	if (s->state != S_RCPT) {
		reply(s, s->state == S_MAIL ? "554 5.5.1 No valid recipients" :
		      "503 5.5.1 Need MAIL and RCPT before DATA");
		return;
	}
	if (blob_writer_open(s->tx, cfg.blob_dir, &s->bw, &error) < 0) {
		log_error("event=blob_open_failed session=%s error=%s", s->id,
			  log_quote(error));
		reply(s, "451 4.3.0 Cannot store the message now");
		return;
	}
	token_new_hex(rnd);
	memcpy(s->queue_id, rnd, 12);
	s->queue_id[12] = '\0';
	s->hdr = buf_new_pool(s->tx, SMTPD_HEADER_MAX + CONN_READ_CHUNK * 2);
	smtp_data_init(&s->reader, &limits, data_sink, s);
	enter_state(s, S_DATA);
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

/* deliver - the blob is durable; make the message visible */
static void deliver(struct smtpd_session *s)
{
	char sha[BLOB_SHA_HEX_LEN + 1];
	struct deliver_rcpt *local;
	struct deliver_remote *remote;
	struct deliver_msg msg;
	struct mime_meta *meta;
	enum deliver_fail fail = DELIVER_OK;
	const char *error;
	uint64_t size;
	struct mime_meta_opts meta_opts = { .text_max = MIME_META_TEXT_MAX_FTS };
	unsigned int nlocal = 0, nremote = 0, ntargets = 0;
	int fd;

	if (blob_writer_commit(s->bw, sha, &size, &error) < 0) {
		enum blob_failure f = blob_writer_failure(s->bw);

		log_error("event=blob_commit_failed session=%s queue_id=%s"
			  " error=%s", s->id, s->queue_id, log_quote(error));
		blob_writer_abort(&s->bw);
		reply(s, f == BLOB_FAIL_NOSPACE ?
		      "452 4.3.1 Insufficient system storage" :
		      "451 4.3.0 Local error in processing");
		return;
	}
	s->bw = NULL;
	fd = -1;
	if (blob_open_read(s->tx, cfg.blob_dir, sha, &fd, &size, &error) < 0 ||
	    mime_meta_parse_fd(s->tx, fd, &meta_opts, &meta, &error) < 0) {
		if (fd >= 0)
			close(fd);
		log_error("event=parse_failed session=%s queue_id=%s error=%s",
			  s->id, s->queue_id, log_quote(error));
		reply(s, "451 4.3.0 Local error in processing");
		return;
	}
	close(fd);
	for (struct smtpd_rcpt *r = s->rcpts; r != NULL; r = r->next)
		for (struct smtpd_target *t = r->targets; t != NULL;
		     t = t->next)
			ntargets++;
	local = p_new(s->tx, struct deliver_rcpt, ntargets + 1);
	remote = p_new(s->tx, struct deliver_remote, ntargets + 1);
	for (struct smtpd_rcpt *r = s->rcpts; r != NULL; r = r->next) {
		for (struct smtpd_target *t = r->targets; t != NULL;
		     t = t->next) {
			if (t->discard) {
				log_info("event=discarded queue_id=%s rcpt=%s"
					 " reason=block_list", s->queue_id,
					 log_quote(t->addr));
			} else if (t->user_id != 0) {
				local[nlocal].user_id = t->user_id;
				local[nlocal].domain_id = t->domain_id;
				local[nlocal].addr = t->addr;
				nlocal++;
			} else {
				struct deliver_remote *d = &remote[nremote++];

				d->rcpt = t->addr;
				d->user_id = s->authed ? s->auth_user_id : 0;
				d->domain_id = s->authed ? s->auth_domain_id :
					t->domain_id;
				d->notify = r->notify;
				d->orcpt = r->orcpt;
			}
		}
	}
	msg.sha = sha;
	msg.size = size;
	msg.meta = meta;
	msg.remote = s->c.ip;
	msg.queue_id = s->queue_id;
	msg.sender = s->mail_from;
	msg.dsn_envid = s->dsn_envid;
	msg.dsn_ret = s->dsn_ret;
	/* scheduled sending repeats a submission it is unsure of: only
	 * the service may ask for that, and the key is its own */
	msg.once = s->auth_service && s->dsn_envid != NULL &&
		strncmp(s->dsn_envid, SMTPD_ONCE_PREFIX,
			strlen(SMTPD_ONCE_PREFIX)) == 0 ? s->dsn_envid : NULL;
	if ((nlocal > 0 || nremote > 0) &&
	    deliver_commit(s->tx, &msg, local, nlocal, remote, nremote, &fail,
			   &error) < 0) {
		log_error("event=deliver_failed session=%s queue_id=%s"
			  " error=%s", s->id, s->queue_id, log_quote(error));
		reply(s, fail == DELIVER_FAIL_QUOTA ?
		      "452 4.2.2 Mailbox full" :
		      "451 4.3.0 Local error in processing");
		return;
	}
	if (fail == DELIVER_REPEATED)
		log_info("event=repeated_submission session=%s key=%s",
			 s->id, log_quote(msg.once));
	log_info("event=accepted session=%s queue_id=%s from=%s rcpts=%u"
		 " size=%" PRIu64 " sha=%s", s->id, s->queue_id,
		 log_quote(s->mail_from), s->nrcpt, size, sha);
	reply(s, "250 2.0.0 Ok: queued as %s", s->queue_id);
}

/* too_big_for - the first local recipient whose domain takes no message
 * of this size, or NULL. SMTP has one reply for the whole message, so
 * such a recipient refuses it for all; a client that declares SIZE= is
 * told at that recipient's RCPT instead. */
static const struct smtpd_target *too_big_for(const struct smtpd_session *s)
{
	uint64_t size = smtp_data_octets(&s->reader);

	for (const struct smtpd_rcpt *r = s->rcpts; r != NULL; r = r->next)
		for (const struct smtpd_target *t = r->targets; t != NULL;
		     t = t->next)
			if (t->user_id != 0 && t->max_size > 0 &&
			    size > t->max_size)
				return t;
	return NULL;
}

/* data_done - the terminator was seen; st is the reader's verdict */
static void data_done(struct smtpd_session *s, enum smtp_data_status st)
{
	const struct smtpd_target *big;

	if (st == SMTP_DATA_DONE && !s->hdr_done && finish_header(s) < 0)
		st = SMTP_DATA_SINK_FAILED;
	if (st == SMTP_DATA_DONE && s->sink_failed)
		st = SMTP_DATA_SINK_FAILED;
	if (st != SMTP_DATA_DONE) {
		enum blob_failure f = s->bw != NULL ?
			blob_writer_failure(s->bw) : BLOB_FAIL_NONE;

		log_info("event=data_refused session=%s queue_id=%s reason=%d",
			 s->id, s->queue_id, (int)st);
		if (st == SMTP_DATA_SINK_FAILED && f == BLOB_FAIL_NOSPACE)
			reply(s, "452 4.3.1 Insufficient system storage");
		else
			reply(s, "%s", smtp_data_status_reply(st));
	} else if (s->received > cfg.smtp_max_received) {
		log_info("event=loop session=%s queue_id=%s received=%u",
			 s->id, s->queue_id, s->received);
		reply(s, "554 5.4.6 Too many Received: headers: mail loop");
	} else if ((big = too_big_for(s)) != NULL) {
		log_info("event=data_refused session=%s queue_id=%s"
			 " reason=domain_size rcpt=%s size=%" PRIu64, s->id,
			 s->queue_id, log_quote(big->addr),
			 smtp_data_octets(&s->reader));
		reply(s, "552 5.3.4 <%s>: Message size exceeds the limit of"
		      " the recipient's domain", big->addr);
	} else {
		deliver(s);
	}
	tx_reset(s);
	enter_state(s, S_READY);
}

/* ---- AUTH ---- */

/* auth_failed - count a failed attempt; too many end the session */
static void auth_failed(struct smtpd_session *s)
{
	if (++s->auth_failures >= cfg.smtp_max_auth_failures) {
		reply(s, "421 4.7.0 Too many failed authentications");
		enter_state(s, S_QUIT);
	}
}

/* authed - the session now submits as principal p */
static void authed(struct smtpd_session *s, const struct auth_principal *p,
		   const char *how)
{
	s->authed = true;
	s->auth_service = strcmp(how, "service") == 0;
	s->auth_user_id = p->id;
	s->auth_domain_id = p->domain_id;
	str_lcpy(s->auth_login, p->login, sizeof(s->auth_login));
	log_info("event=auth session=%s user=%s how=%s ip=%s", s->id,
		 log_quote(p->login), how, s->c.ip);
	reply(s, "235 2.7.0 Authentication successful");
}

/* service_auth - webmail submitting for user authzid: only the service
 * account (imap.service_login) with its secret may act for another
 * user; anyone else naming an authorization identity is refused */
static void service_auth(struct smtpd_session *s, const char *authzid,
			 const char *authcid, const char *password)
{
	char secret[SERVICE_SECRET_MAX];
	struct auth_principal p;
	const char *error;
	bool ok;
	int ret;

	if (cfg.imap_service_login[0] == '\0' ||
	    strcasecmp(authcid, cfg.imap_service_login) != 0) {
		reply(s, "535 5.7.8 Authentication credentials invalid");
		auth_failed(s);
		return;
	}
	if (service_secret_read(secret, &error) < 0) {
		log_warn("event=smtp_no_service_secret error=%s",
			 log_quote(error));
		ok = false;
	} else {
		ok = service_secret_check(secret, password);
	}
	explicit_bzero(secret, sizeof(secret));
	if (!ok) {
		log_warn("event=smtp_service_auth_failed session=%s ip=%s",
			 s->id, s->c.ip);
		reply(s, "535 5.7.8 Authentication credentials invalid");
		auth_failed(s);
		return;
	}
	ret = auth_lookup_user(s->pool, authzid, &p);
	if (ret < 0) {
		reply(s, "454 4.7.0 Temporary authentication failure");
		return;
	}
	if (ret == 0) {
		reply(s, "535 5.7.8 No such user to act for");
		auth_failed(s);
		return;
	}
	authed(s, &p, "service");
}

static void auth_finish(struct smtpd_session *s, const char *authzid,
			const char *authcid, const char *password)
{
	struct auth_principal p;
	unsigned int retry = 0;
	enum auth_status st;

	enter_state(s, S_READY);
	if (authzid != NULL && authzid[0] != '\0' &&
	    strcasecmp(authzid, authcid) != 0) {
		service_auth(s, authzid, authcid, password);
		return;
	}
	st = auth_login(s->pool, AUTH_ROLE_USER, authcid, password, s->c.ip,
			"smtp", &p, &retry);
	switch (st) {
	case AUTH_OK:
		authed(s, &p, "password");
		return;
	case AUTH_LIMITED:
		reply(s, "454 4.7.0 Too many failed logins, try again in %u"
		      " seconds", retry);
		auth_failed(s);
		return;
	case AUTH_BAD:
		reply(s, "535 5.7.8 Authentication credentials invalid");
		auth_failed(s);
		return;
	case AUTH_ERROR:
	default:
		reply(s, "454 4.7.0 Temporary authentication failure");
		return;
	}
}

static void auth_plain_data(struct smtpd_session *s, const char *data,
			    size_t len)
{
	const char *authzid, *authcid, *password;

	if (smtp_sasl_plain_parse(data, len, &authzid, &authcid, &password,
				  s->pool) < 0) {
		enter_state(s, S_READY);
		reply(s, "535 5.7.8 Authentication credentials invalid");
		auth_failed(s);
		return;
	}
	auth_finish(s, authzid, authcid, password);
}

static void cmd_auth(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	if (!is_submission(s)) {
		reply(s, "503 5.5.1 AUTH not available on this port");
		return;
	}
	if (s->authed) {
		reply(s, "503 5.5.1 Already authenticated");
		return;
	}
	if (s->state != S_READY) {
		reply(s, s->state == S_GREETED ?
		      "503 5.5.1 Send EHLO first" :
		      "503 5.5.1 AUTH not allowed during a transaction");
		return;
	}
	if (!auth_offered(s)) {
		reply(s, "538 5.7.11 Encryption required for requested"
		      " authentication mechanism");
		return;
	}
	switch (cmd->auth.mech) {
	case SMTP_SASL_PLAIN:
		if (cmd->auth.has_initial) {
			auth_plain_data(s, cmd->auth.initial,
					cmd->auth.initial_len);
			return;
		}
		enter_state(s, S_AUTH_PLAIN);
		reply(s, "334 ");
		return;
	case SMTP_SASL_LOGIN:
		if (cmd->auth.has_initial) {
			str_lcpy(s->auth_user_name, cmd->auth.initial,
				 sizeof(s->auth_user_name));
			enter_state(s, S_AUTH_PASS);
			reply(s, "334 UGFzc3dvcmQ6");
			return;
		}
		enter_state(s, S_AUTH_USER);
		reply(s, "334 VXNlcm5hbWU6");
		return;
	default:
		reply(s, "504 5.5.4 Unrecognized authentication type");
		return;
	}
}

/* auth_line - a SASL response line in one of the AUTH states */
static void auth_line(struct smtpd_session *s, const char *line, size_t len)
{
	char *data;
	size_t dlen;

	if (len == 1 && line[0] == '*') {
		enter_state(s, S_READY);
		reply(s, "501 5.7.0 Authentication aborted");
		return;
	}
	if (smtp_b64_decode(s->pool, line, len, &data, &dlen) < 0) {
		enter_state(s, S_READY);
		reply(s, "501 5.5.2 Cannot decode response");
		return;
	}
	switch (s->state) {
	case S_AUTH_PLAIN:
		auth_plain_data(s, data, dlen);
		break;
	case S_AUTH_USER:
		if (memchr(data, '\0', dlen) != NULL ||
		    str_lcpy(s->auth_user_name, data,
			     sizeof(s->auth_user_name)) >=
		    sizeof(s->auth_user_name)) {
			enter_state(s, S_READY);
			reply(s, "535 5.7.8 Authentication credentials"
			      " invalid");
			auth_failed(s);
			break;
		}
		enter_state(s, S_AUTH_PASS);
		reply(s, "334 UGFzc3dvcmQ6");
		break;
	case S_AUTH_PASS:
		if (memchr(data, '\0', dlen) != NULL) {
			enter_state(s, S_READY);
			reply(s, "535 5.7.8 Authentication credentials"
			      " invalid");
			auth_failed(s);
			break;
		}
		auth_finish(s, NULL, s->auth_user_name, data);
		break;
	default:
		break;
	}
}

/* ---- dispatch ---- */

static void command(struct smtpd_session *s, const char *line, size_t len)
{
	struct smtp_cmd cmd;
	const char *error;

	if (s->state == S_AUTH_PLAIN || s->state == S_AUTH_USER ||
	    s->state == S_AUTH_PASS) {
		auth_line(s, line, len);
		return;
	}
	if (smtp_cmd_parse(s->pool, line, len, &cmd, &error) < 0) {
		reply(s, "%s", smtp_cmd_error_reply(cmd.verb, cmd.error));
		if (cmd.verb == SMTP_VERB_UNKNOWN &&
		    ++s->bad_commands >= SMTPD_MAX_BAD_COMMANDS) {
			reply(s, "421 4.7.0 Too many errors");
			enter_state(s, S_QUIT);
		}
		return;
	}
	switch (cmd.verb) {
	case SMTP_VERB_EHLO:
		cmd_ehlo(s, &cmd, true);
		break;
	case SMTP_VERB_HELO:
		cmd_ehlo(s, &cmd, false);
		break;
	case SMTP_VERB_MAIL:
		cmd_mail(s, &cmd);
		break;
	case SMTP_VERB_RCPT:
		cmd_rcpt(s, &cmd);
		break;
	case SMTP_VERB_DATA:
		cmd_data(s);
		break;
	case SMTP_VERB_RSET:
		tx_reset(s);
		if (s->state != S_GREETED)
			enter_state(s, S_READY);
		reply(s, "250 2.0.0 Ok");
		break;
	case SMTP_VERB_NOOP:
		reply(s, "250 2.0.0 Ok");
		break;
	case SMTP_VERB_QUIT:
		reply(s, "221 2.0.0 Bye");
		enter_state(s, S_QUIT);
		break;
	case SMTP_VERB_VRFY:
		reply(s, "252 2.5.2 Cannot VRFY user, but will accept message");
		break;
	case SMTP_VERB_EXPN:
		reply(s, "502 5.5.1 EXPN not available");
		break;
	case SMTP_VERB_HELP:
		reply(s, "214 2.0.0 See RFC 5321");
		break;
	case SMTP_VERB_STARTTLS:
		if (s->tls || W.tls == NULL) {
			reply(s, "503 5.5.1 TLS not available");
		} else if (s->state != S_READY && s->state != S_GREETED) {
			reply(s, "503 5.5.1 STARTTLS not allowed now");
		} else {
			reply(s, "220 2.0.0 Ready to start TLS");
			enter_state(s, S_STARTTLS);
		}
		break;
	case SMTP_VERB_AUTH:
		cmd_auth(s, &cmd);
		break;
	case SMTP_VERB_UNKNOWN:
	default:
		reply(s, "500 5.5.1 Command unrecognized");
		break;
	}
}

/* process_input - act on everything buffered, in order */
static void process_input(struct smtpd_session *s)
{
	char line[SMTPD_LINE_MAX + 1];
	size_t len;

	while (s->c.in.len > 0 && s->state != S_QUIT &&
	       s->state != S_STARTTLS && s->state != S_HANDSHAKE) {
		if (s->state == S_DATA) {
			size_t used = 0;
			enum smtp_data_status st;

			st = smtp_data_feed(&s->reader, s->c.in.data,
					    s->c.in.len, &used);
			conn_consume(&s->c, used);
			if (st == SMTP_DATA_MORE)
				return;
			data_done(s, st);
			continue;
		}
		if (s->skipping) {
			const char *nl = memchr(s->c.in.data, '\n',
						s->c.in.len);

			if (nl == NULL) {
				buf_reset(&s->c.in);
				return;
			}
			conn_consume(&s->c, (size_t)(nl - s->c.in.data) + 1);
			s->skipping = false;
			continue;
		}
		switch (conn_take_line(&s->c, line, sizeof(line), &len)) {
		case 0:
			return;
		case -1:
			reply(s, "500 5.5.2 Line too long");
			s->skipping = true;
			if (++s->bad_commands >= SMTPD_MAX_BAD_COMMANDS) {
				reply(s, "421 4.7.0 Too many errors");
				enter_state(s, S_QUIT);
			}
			continue;
		default:
			if (memchr(line, '\0', len) != NULL) {
				reply(s, "500 5.5.2 NUL in command");
				continue;
			}
			command(s, line, len);
			/* the session pool holds one command's scratch */
			pool_clear(s->pool);
			break;
		}
	}
}

/* ==== event loop ====================================================== */

static void session_update_events(struct smtpd_session *s)
{
	struct epoll_event ev;

	ev.events = EPOLLIN | EPOLLRDHUP;
	if (conn_wants_write(&s->c))
		ev.events |= EPOLLOUT;
	ev.data.ptr = s;
	epoll_ctl(W.epfd, EPOLL_CTL_MOD, s->c.fd, &ev);
}

static void session_close(struct smtpd_session *s)
{
	if (s->bw != NULL)
		blob_writer_abort(&s->bw);
	epoll_ctl(W.epfd, EPOLL_CTL_DEL, s->c.fd, NULL);
	conn_free(&s->c);
	counts_release(s->slot);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		W.sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	W.nsessions--;
	log_debug("event=disconnect session=%s", s->id);
	pool_destroy(&s->tx);
	pool_destroy(&s->pool);
	free(s);
}

static void greet(struct smtpd_session *s)
{
	enter_state(s, S_GREETED);
	reply(s, "220 %s ESMTP Mailhive", cfg.hostname);
}

/* session_io - one round of work after an event; false = closed */
static bool session_io(struct smtpd_session *s, uint32_t events)
{
	enum conn_io io;

	if (s->state == S_HANDSHAKE || s->c.handshaking) {
		io = conn_handshake(&s->c);
		if (io == CONN_IO_CLOSED) {
			session_close(s);
			return false;
		}
		if (io == CONN_IO_PENDING) {
			session_update_events(s);
			return true;
		}
		s->tls = true;
		if (s->state == S_HANDSHAKE) {
			greet(s);
		} else {
			/* RFC 3207: forget everything said before TLS */
			tx_reset(s);
			s->helo[0] = '\0';
			enter_state(s, S_GREETED);
		}
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		for (int i = 0; i < 8; i++) {
			io = conn_read(&s->c);
			if (io == CONN_IO_CLOSED) {
				session_close(s);
				return false;
			}
			process_input(s);
			if (io == CONN_IO_PENDING || s->state == S_QUIT ||
			    s->state == S_STARTTLS)
				break;
			if (s->c.in.len >= s->c.in.max)
				break;
		}
		set_deadline(s);
	}
	io = conn_flush(&s->c);
	if (io == CONN_IO_CLOSED || (s->state == S_QUIT && io == CONN_IO_OK)) {
		session_close(s);
		return false;
	}
	if (s->state == S_STARTTLS && io == CONN_IO_OK) {
		if (conn_start_tls(&s->c, W.tls) < 0) {
			session_close(s);
			return false;
		}
		return session_io(s, 0);
	}
	session_update_events(s);
	return true;
}

static void accept_one(const struct smtpd_listener *l)
{
	struct smtpd_session *s;
	struct epoll_event ev;
	char rnd[TOKEN_HEX_LEN + 1];
	unsigned int slot;
	int fd;

	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	s = xcalloc(1, sizeof(*s));
	conn_init(&s->c, fd, SMTPD_IN_MAX);
	slot = ip_slot(s->c.ip);
	if (!counts_admit(slot)) {
		static const char busy[] = "421 4.7.0 Too many connections,"
			" try again later\r\n";

		log_info("event=connection_refused ip=%s reason=limit",
			 s->c.ip);
		if (write(fd, busy, sizeof(busy) - 1) < 0) {
			/* the peer is gone; nothing to tell */
		}
		conn_free(&s->c);
		free(s);
		return;
	}
	s->slot = slot;
	s->port = l->port;
	s->pool = pool_new("smtp session", 4096);
	s->tx = pool_new("smtp transaction", 16384);
	token_new_hex(rnd);
	memcpy(s->id, rnd, 10);
	s->id[10] = '\0';
	s->next = W.sessions;
	if (W.sessions != NULL)
		W.sessions->prev = s;
	W.sessions = s;
	W.nsessions++;
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = s;
	epoll_ctl(W.epfd, EPOLL_CTL_ADD, fd, &ev);
	log_debug("event=connect session=%s ip=%s port=%d", s->id, s->c.ip,
		  (int)l->port);
	if (l->port == SMTPD_PORT_SMTPS) {
		if (W.tls == NULL || conn_start_tls(&s->c, W.tls) < 0) {
			session_close(s);
			return;
		}
		s->state = S_HANDSHAKE;
		set_deadline(s);
		session_io(s, 0);
		return;
	}
	greet(s);
	set_deadline(s);
	session_io(s, 0);
}

/* sweep - time out idle sessions; during shutdown end idle ones */
static void sweep(void)
{
	time_t now = time(NULL);
	struct smtpd_session *s, *next;

	for (s = W.sessions; s != NULL; s = next) {
		next = s->next;
		if (service_stop_requested && (s->state != S_DATA ||
				       now >= W.stop_at)) {
			reply(s, "421 4.3.2 Service shutting down");
			enter_state(s, S_QUIT);
			conn_flush(&s->c);
			session_close(s);
		} else if (now >= s->deadline) {
			log_info("event=timeout session=%s state=%s", s->id,
				 state_names[s->state]);
			reply(s, "421 4.4.2 Timeout, closing connection");
			enter_state(s, S_QUIT);
			conn_flush(&s->c);
			session_close(s);
		}
	}
}

void smtpd_worker_main(const struct smtpd_listener *listeners,
		       unsigned int nlisteners, struct smtpd_shared *shared,
		       unsigned int worker)
{
	struct epoll_event events[SMTPD_MAX_EVENTS];
	const char *error;
	bool stopping = false;
	time_t last_sweep = 0;

	service_start("smtp");
	W.listeners = listeners;
	W.nlisteners = nlisteners;
	W.shared = shared;
	W.index = worker;
	W.tls = tls_server_ctx(cfg.tls_cert_file, cfg.tls_key_file, &error);
	if (W.tls == NULL)
		log_warn("event=tls_unavailable error=%s cert=%s",
			 log_quote(error), log_quote(cfg.tls_cert_file));
	mime_meta_init();
	W.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (W.epfd < 0)
		fatal("event=startup error=\"epoll: %s\"", strerror(errno));
	for (unsigned int i = 0; i < nlisteners; i++) {
		struct epoll_event ev;

		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.ptr = (void *)&listeners[i];
		epoll_ctl(W.epfd, EPOLL_CTL_ADD, listeners[i].fd, &ev);
	}
	log_info("event=smtp_worker_started worker=%u", worker);
	for (;;) {
		int n = epoll_wait(W.epfd, events, SMTPD_MAX_EVENTS, 1000);

		if (service_stop_requested && !stopping) {
			stopping = true;
			W.stop_at = time(NULL) + SMTPD_SHUTDOWN_GRACE;
			for (unsigned int i = 0; i < nlisteners; i++)
				epoll_ctl(W.epfd, EPOLL_CTL_DEL,
					  listeners[i].fd, NULL);
		}
		for (int i = 0; i < n; i++) {
			void *ptr = events[i].data.ptr;
			bool is_listener = false;

			for (unsigned int j = 0; j < nlisteners; j++)
				if (ptr == &listeners[j])
					is_listener = true;
			if (is_listener) {
				if (!stopping)
					accept_one(ptr);
				continue;
			}
			session_io(ptr, events[i].events);
		}
		if (time(NULL) != last_sweep || stopping) {
			last_sweep = time(NULL);
			sweep();
		}
		if (stopping && W.nsessions == 0)
			break;
	}
	log_info("event=smtp_worker_stopped worker=%u", worker);
	db_close();
	_exit(0);
}
