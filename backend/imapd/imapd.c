/*
 * imapd.c - the IMAP service: the worker's event loop, sessions, the
 * command dispatcher, and the commands of the not-authenticated state
 * (CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE) plus the state-free ones
 * (NOOP, LOGOUT, ID, ENABLE, IDLE).
 *
 * Capabilities: IMAP4rev1 (RFC 3501), LITERAL+ after login and LITERAL-
 * before (RFC 7888), SASL-IR, ID, ENABLE, IDLE, NAMESPACE, UIDPLUS, MOVE,
 * UNSELECT, CHILDREN, SPECIAL-USE, LIST-EXTENDED, LIST-STATUS, ESEARCH,
 * SEARCHRES, SORT, THREAD=REFERENCES/ORDEREDSUBJECT, QUOTA, CONDSTORE,
 * QRESYNC, BINARY, APPENDLIMIT.
 *
 * SECURITY: every octet from the client goes through imap-parser, which
 * bounds memory per command; a command pipelined behind STARTTLS is
 * discarded with the buffer (conn_start_tls); LOGIN and AUTHENTICATE are
 * refused without TLS except on loopback when the configuration allows
 * it; a failed login is answered only after a delay that grows with the
 * failures of the account and the address (auth.h), without blocking
 * the worker; before login, three bad commands end the session. The
 * service account (webmail) may log in as any active user with SASL
 * PLAIN and an authorization identity, nobody else may.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "imap-mime.h"
#include "imap-utf7.h"
#include "imapd-private.h"
#include "imapd.h"
#include "log.h"
#include "mime-meta.h"
#include "notify.h"
#include "pool.h"
#include "service.h"
#include "service-secret.h"
#include "strnum.h"
#include "token.h"

#define IMAPD_IN_MAX (64 * 1024)
#define IMAPD_OUT_HIGH (512 * 1024)	/* stop reading commands above */
#define IMAPD_MAX_EVENTS 128
#define IMAPD_MAX_BAD_PREAUTH 3
#define IMAPD_PREAUTH_BUFFERED 8192
#define IMAPD_BUFFERED (1024 * 1024)
#define IMAPD_TICK_MS 100
#define IMAPD_IDLE_POLL 2	/* seconds, when notify.h is not there */
#define IMAPD_SLOTS 4096
#define IMAPD_SHUTDOWN_GRACE 5

struct imapd_worker {
	int epfd;
	const struct tls_listener *listeners;
	unsigned int nlisteners;
	unsigned int index;
	SSL_CTX *tls;
	struct imapd_session *sessions;
	unsigned int nsessions;
	unsigned int per_ip[IMAPD_SLOTS];
	unsigned int per_user[IMAPD_SLOTS];
	char secret[SERVICE_SECRET_MAX];	/* the service account's, or "" */
	time_t paused_until;	/* accepting again then (EMFILE) */
};

static struct imapd_worker W;

static void session_close(struct imapd_session *s);
static bool session_io(struct imapd_session *s, uint32_t events);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned int slot_of(const char *key)
{
	unsigned int h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % IMAPD_SLOTS;
}

/* ==== output ============================================================ */

void imapd_out(struct imapd_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(&s->c.out, fmt, ap) < 0)
		s->state = IMAPD_LOGOUT;	/* the client does not read */
	va_end(ap);
}

void imapd_outb(struct imapd_session *s, const void *data, size_t len)
{
	if (buf_append(&s->c.out, data, len) < 0)
		s->state = IMAPD_LOGOUT;
}

void imapd_tagged(struct imapd_session *s, const char *status,
		  const char *fmt, ...)
{
	va_list ap;

	imapd_out(s, "%s %s ", s->tag != NULL ? s->tag : "*", status);
	va_start(ap, fmt);
	if (buf_vprintf(&s->c.out, fmt, ap) < 0)
		s->state = IMAPD_LOGOUT;
	va_end(ap);
	imapd_outb(s, "\r\n", 2);
}

void imapd_db_fail(struct imapd_session *s)
{
	if (db_unavailable())
		imapd_tagged(s, "NO", "[UNAVAILABLE] Database unavailable,"
			     " try again later");
	else
		imapd_tagged(s, "NO", "[SERVERBUG] Internal error");
	log_error("event=imap_db_error session=%s error=%s", s->id,
		  log_quote(db_error()));
}

const char *imapd_quote(struct imapd_session *s, const char *str)
{
	struct buf *b = buf_new_pool(s->cmd, 0);

	imap_write_nstring(b, str);
	return b->data != NULL ? b->data : "\"\"";
}

const char *imapd_mailbox_wire(struct imapd_session *s, const char *name)
{
	const char *utf7, *error;

	if (imap_utf8_to_utf7(s->cmd, name, strlen(name), &utf7, &error) < 0)
		utf7 = name;	/* stored names are valid UTF-8 */
	/* an atom when it can be one, as most servers write names */
	if (imap_atom_valid(utf7, strlen(utf7)) && strcasecmp(utf7, "NIL") != 0)
		return utf7;
	return imapd_quote(s, utf7);
}

const char *imapd_mailbox_arg(struct imapd_session *s,
			      const struct imap_arg *arg)
{
	const char *str, *utf8, *error;
	size_t len;

	if (!imap_arg_get_astring(arg, &str, &len) ||
	    memchr(str, '\0', len) != NULL) {
		imapd_tagged(s, "BAD", "Invalid mailbox name");
		return NULL;
	}
	if (imap_utf7_to_utf8(s->cmd, str, len, &utf8, &error) < 0) {
		imapd_tagged(s, "BAD", "Mailbox name is not modified UTF-7:"
			     " %s", error);
		return NULL;
	}
	if (strcasecmp(utf8, "INBOX") == 0)
		return "INBOX";
	if (strncasecmp(utf8, "INBOX/", 6) == 0)
		return p_printf(s->cmd, "INBOX/%s", utf8 + 6);
	return utf8;
}

int64_t imapd_i64(const PGresult *res, int row, int col)
{
	int64_t v;
	const char *str = db_value(res, row, col);

	return str != NULL && str_to_int64(str, &v) == 0 ? v : 0;
}

const char *imapd_set_text(struct imapd_session *s, const uint32_t *v,
			   unsigned int n)
{
	struct buf *b = buf_new_pool(s->cmd, 0);

	for (unsigned int i = 0; i < n;) {
		unsigned int j = i;

		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		if (j > i)
			buf_addf(b, "%s%" PRIu32 ":%" PRIu32, b->len ? "," : "",
				 v[i], v[j]);
		else
			buf_addf(b, "%s%" PRIu32, b->len ? "," : "", v[i]);
		i = j + 1;
	}
	return b->data != NULL ? b->data : "";
}

int imapd_durable(struct imapd_session *s)
{
	return db_query(s->cmd, "SELECT set_config('synchronous_commit',"
			" 'on', true)", 0, NULL) != NULL ? 0 : -1;
}

/* ==== capabilities ======================================================== */

static bool login_allowed(const struct imapd_session *s)
{
	return s->tls || (s->c.loopback && cfg.imap_auth_plaintext_loopback);
}

static const char *capabilities(struct imapd_session *s)
{
	if (s->state == IMAPD_NOAUTH || s->state == IMAPD_HANDSHAKE) {
		return p_printf(s->cmd, "IMAP4rev1 SASL-IR LITERAL- ID ENABLE"
			" IDLE%s%s", !s->tls && W.tls != NULL ?
			" STARTTLS" : "", login_allowed(s) ?
			" AUTH=PLAIN AUTH=LOGIN" : " LOGINDISABLED");
	}
	return p_printf(s->cmd, "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE"
		" NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE"
		" LIST-EXTENDED LIST-STATUS ESEARCH SEARCHRES SORT"
		" THREAD=REFERENCES THREAD=ORDEREDSUBJECT QUOTA"
		" QUOTA=RES-STORAGE CONDSTORE QRESYNC BINARY"
		" APPENDLIMIT=%llu", (unsigned long long)cfg.imap_append_limit);
}

static void cmd_capability(struct imapd_session *s)
{
	imapd_out(s, "* CAPABILITY %s\r\n", capabilities(s));
	imapd_tagged(s, "OK", "Capability completed");
}

/* ==== logging in ======================================================== */

static struct imap_parser *new_parser(bool authenticated)
{
	struct imap_parser_limits lim = {
		.max_line = (size_t)cfg.imap_max_line,
		.max_literal = authenticated ? cfg.imap_append_limit :
			IMAPD_PREAUTH_BUFFERED,
		.max_buffered = authenticated ? IMAPD_BUFFERED :
			IMAPD_PREAUTH_BUFFERED,
		.literal_minus = !authenticated,
	};

	return imap_parser_new(&lim);
}

static void logged_in(struct imapd_session *s,
		      const struct auth_principal *p, const char *how)
{
	unsigned int slot = slot_of(p->login);

	if (cfg.imap_max_connections_per_user > 0 &&
	    W.per_user[slot] >= cfg.imap_max_connections_per_user) {
		imapd_tagged(s, "NO", "[LIMIT] Too many connections for this"
			     " user");
		log_info("event=imap_user_limit session=%s user=%s", s->id,
			 log_quote(p->login));
		return;
	}
	W.per_user[slot]++;
	s->user_slot = slot + 1;
	s->user_id = p->id;
	s->domain_id = p->domain_id;
	str_lcpy(s->login, p->login, sizeof(s->login));
	s->state = IMAPD_AUTH;
	s->deadline = now_ms() + (int64_t)cfg.imap_idle_timeout * 1000;
	/* between commands the parser holds nothing: swap in the
	   authenticated limits (LITERAL+, APPENDLIMIT); the command's
	   tag lives in the parser, keep a copy */
	s->tag = p_strdup(s->cmd, s->tag);
	s->cur = NULL;
	imap_parser_free(&s->parser);
	s->parser = new_parser(true);
	log_info("event=imap_login session=%s user=%s ip=%s method=%s",
		 s->id, log_quote(p->login), s->c.ip, how);
	imapd_tagged(s, "OK", "[CAPABILITY %s] Logged in", capabilities(s));
}

/* login_failed - answer NO after the delay auth_login() asked for */
static void login_failed(struct imapd_session *s, const char *reply,
			 unsigned int delay)
{
	s->delayed_reply = p_printf(s->pool, "%s %s\r\n",
				    s->tag != NULL ? s->tag : "*", reply);
	s->wake_at = now_ms() + (int64_t)delay * 1000;
	s->wait = IMAPD_WAIT_DELAY;
}

/* service_login - webmail acting for user authzid; 1 done, 0 not the
 * service account (go on with a normal login) */
static int service_login(struct imapd_session *s, const char *authzid,
			 const char *authcid, const char *password)
{
	struct auth_principal p;
	int ret;

	if (cfg.imap_service_login[0] == '\0' ||
	    strcasecmp(authcid, cfg.imap_service_login) != 0)
		return 0;
	if (!service_secret_check(W.secret, password)) {
		log_warn("event=imap_service_login_failed session=%s ip=%s",
			 s->id, s->c.ip);
		login_failed(s, "NO [AUTHENTICATIONFAILED] Authentication"
			     " failed", 2);
		return 1;
	}
	ret = auth_lookup_user(s->cmd, authzid, &p);
	if (ret < 0) {
		imapd_db_fail(s);
		return 1;
	}
	if (ret == 0) {
		imapd_tagged(s, "NO", "[AUTHORIZATIONFAILED] No such user");
		return 1;
	}
	logged_in(s, &p, "service");
	return 1;
}

static void do_login(struct imapd_session *s, const char *authzid,
		     const char *user, const char *password, const char *how)
{
	struct auth_principal p;
	unsigned int retry = 0;
	enum auth_status st;

	if (authzid != NULL && authzid[0] != '\0' &&
	    strcasecmp(authzid, user) != 0) {
		if (service_login(s, authzid, user, password) > 0)
			return;
		login_failed(s, "NO [AUTHORIZATIONFAILED] Not allowed to act"
			     " for another user", 2);
		return;
	}
	st = auth_login(s->cmd, AUTH_ROLE_USER, user, password, s->c.ip,
			"imap", &p, &retry);
	switch (st) {
	case AUTH_OK:
		logged_in(s, &p, how);
		return;
	case AUTH_BAD:
		login_failed(s, "NO [AUTHENTICATIONFAILED] Authentication"
			     " failed", retry > 0 ? retry : 2);
		return;
	case AUTH_LIMITED:
		login_failed(s, p_printf(s->cmd, "NO [UNAVAILABLE] Too many"
			     " failed logins, try again in %u seconds",
			     retry), 2);
		return;
	case AUTH_ERROR:
	default:
		imapd_db_fail(s);
		return;
	}
}

static void cmd_login(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	const char *user, *pass;
	size_t ulen, plen;

	if (!login_allowed(s)) {
		imapd_tagged(s, "NO", "[PRIVACYREQUIRED] Use STARTTLS first");
		return;
	}
	if (cmd->count != 2 ||
	    !imap_arg_get_astring(&cmd->args[0], &user, &ulen) ||
	    !imap_arg_get_astring(&cmd->args[1], &pass, &plen) ||
	    memchr(user, '\0', ulen) != NULL ||
	    memchr(pass, '\0', plen) != NULL) {
		imapd_tagged(s, "BAD", "Usage: LOGIN user password");
		return;
	}
	do_login(s, NULL, user, pass, "login");
}

/* sasl_plain - "authzid\0authcid\0password", base64 */
static void sasl_plain(struct imapd_session *s, const char *b64, size_t len)
{
	unsigned char *raw = p_alloc(s->cmd, len + 1);
	const char *authzid, *authcid, *pass, *end;
	size_t rawlen;

	if (sodium_base642bin(raw, len, b64, len, NULL, &rawlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		imapd_tagged(s, "BAD", "Invalid base64");
		return;
	}
	raw[rawlen] = '\0';
	end = (const char *)raw + rawlen;
	authzid = (const char *)raw;
	authcid = memchr(authzid, '\0', rawlen);
	if (authcid == NULL || ++authcid >= end) {
		imapd_tagged(s, "BAD", "Invalid PLAIN response");
		return;
	}
	pass = memchr(authcid, '\0', (size_t)(end - authcid));
	if (pass != NULL)
		pass++;
	if (pass == NULL || memchr(pass, '\0', (size_t)(end - pass)) != NULL) {
		imapd_tagged(s, "BAD", "Invalid PLAIN response");
		return;
	}
	do_login(s, authzid, authcid, pass, "plain");
}

static const char *b64_decode(struct imapd_session *s, const char *b64,
			      size_t len)
{
	unsigned char *raw = p_alloc(s->cmd, len + 1);
	size_t rawlen;

	if (sodium_base642bin(raw, len, b64, len, NULL, &rawlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    memchr(raw, '\0', rawlen) != NULL)
		return NULL;
	raw[rawlen] = '\0';
	return (const char *)raw;
}

static void cmd_authenticate(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	const char *mech, *ir = NULL;
	size_t irlen = 0;

	if (cmd->count < 1 || cmd->count > 2 ||
	    (mech = imap_arg_get_atom(&cmd->args[0])) == NULL ||
	    (cmd->count == 2 &&
	     !imap_arg_get_astring(&cmd->args[1], &ir, &irlen))) {
		imapd_tagged(s, "BAD", "Usage: AUTHENTICATE mechanism"
			     " [initial-response]");
		return;
	}
	if (!login_allowed(s)) {
		imapd_tagged(s, "NO", "[PRIVACYREQUIRED] Use STARTTLS first");
		return;
	}
	if (strcasecmp(mech, "PLAIN") == 0) {
		if (ir != NULL) {
			sasl_plain(s, ir, strcmp(ir, "=") == 0 ? 0 : irlen);
			return;
		}
		s->sasl_mech = 1;
		imapd_out(s, "+ \r\n");
	} else if (strcasecmp(mech, "LOGIN") == 0) {
		s->sasl_mech = 2;
		s->sasl_step = 0;
		if (ir != NULL) {
			const char *user = b64_decode(s, ir, irlen);

			if (user == NULL) {
				imapd_tagged(s, "BAD", "Invalid base64");
				return;
			}
			s->sasl_user = p_strdup(s->pool, user);
			s->sasl_step = 1;
			imapd_out(s, "+ UGFzc3dvcmQ6\r\n");
		} else {
			imapd_out(s, "+ VXNlcm5hbWU6\r\n");
		}
	} else {
		imapd_tagged(s, "NO", "Unsupported authentication mechanism");
		return;
	}
	/* the tag must outlive this command's pool */
	s->tag = p_strdup(s->pool, s->tag);
	s->wait = IMAPD_WAIT_SASL;
}

/* sasl_line - one client response line of AUTHENTICATE */
static void sasl_line(struct imapd_session *s, const char *line, size_t len)
{
	const char *value;

	if (len == 1 && line[0] == '*') {
		s->wait = IMAPD_WAIT_NONE;
		imapd_tagged(s, "BAD", "Authentication cancelled");
		return;
	}
	if (s->sasl_mech == 1) {
		s->wait = IMAPD_WAIT_NONE;
		sasl_plain(s, line, len);
		return;
	}
	value = b64_decode(s, line, len);
	if (value == NULL) {
		s->wait = IMAPD_WAIT_NONE;
		imapd_tagged(s, "BAD", "Invalid base64");
		return;
	}
	if (s->sasl_step == 0) {
		s->sasl_user = p_strdup(s->pool, value);
		s->sasl_step = 1;
		imapd_out(s, "+ UGFzc3dvcmQ6\r\n");
		return;
	}
	s->wait = IMAPD_WAIT_NONE;
	do_login(s, NULL, s->sasl_user, value, "login");
}

static void cmd_starttls(struct imapd_session *s)
{
	if (s->tls || W.tls == NULL) {
		imapd_tagged(s, "BAD", s->tls ? "TLS is already active" :
			     "TLS is not available");
		return;
	}
	imapd_tagged(s, "OK", "Begin TLS negotiation now");
	s->wait = IMAPD_WAIT_TLS;
}

/* ==== state-free commands =============================================== */

static void cmd_noop(struct imapd_session *s)
{
	if (s->state == IMAPD_SELECTED && imapd_sync(s, true) < 0) {
		imapd_db_fail(s);
		return;
	}
	imapd_tagged(s, "OK", "%s completed", s->cur->name);
}

static void cmd_logout(struct imapd_session *s)
{
	imapd_out(s, "* BYE Logging out\r\n");
	imapd_tagged(s, "OK", "Logout completed");
	s->state = IMAPD_LOGOUT;
}

static void cmd_id(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;

	if (cmd->count != 1 || (cmd->args[0].type != IMAP_ARG_NIL &&
				cmd->args[0].type != IMAP_ARG_LIST)) {
		imapd_tagged(s, "BAD", "Usage: ID (params) or ID NIL");
		return;
	}
	imapd_out(s, "* ID (\"name\" \"Mailhive\" \"version\" \"%s\")\r\n",
		  PACKAGE_VERSION);
	imapd_tagged(s, "OK", "ID completed");
}

static void cmd_enable(struct imapd_session *s)
{
	const struct imap_cmd *cmd = s->cur;
	struct buf *b = buf_new_pool(s->cmd, 0);

	if (cmd->count < 1) {
		imapd_tagged(s, "BAD", "Usage: ENABLE capability...");
		return;
	}
	for (unsigned int i = 0; i < cmd->count; i++) {
		const char *cap = imap_arg_get_atom(&cmd->args[i]);

		if (cap == NULL) {
			imapd_tagged(s, "BAD", "Capabilities are atoms");
			return;
		}
		if (strcasecmp(cap, "CONDSTORE") == 0 && !s->condstore) {
			s->condstore = true;
			buf_adds(b, " CONDSTORE");
		} else if (strcasecmp(cap, "QRESYNC") == 0 && !s->qresync) {
			/* QRESYNC implies CONDSTORE (RFC 7162 3.2.3) */
			s->qresync = true;
			s->condstore = true;
			buf_adds(b, " QRESYNC");
		}
	}
	imapd_out(s, "* ENABLED%s\r\n", b->data != NULL ? b->data : "");
	imapd_tagged(s, "OK", "Enabled");
}

static void cmd_idle(struct imapd_session *s)
{
	if (s->state == IMAPD_SELECTED && imapd_sync(s, true) < 0) {
		imapd_db_fail(s);
		return;
	}
	imapd_out(s, "+ idling\r\n");
	s->tag = p_strdup(s->pool, s->tag);
	s->wait = IMAPD_WAIT_IDLE;
	s->idle_next_check = time(NULL) + IMAPD_IDLE_POLL;
}

static void idle_line(struct imapd_session *s, const char *line)
{
	s->wait = IMAPD_WAIT_NONE;
	if (strcasecmp(line, "DONE") != 0) {
		imapd_tagged(s, "BAD", "Expected DONE");
		return;
	}
	if (s->state == IMAPD_SELECTED && imapd_sync(s, true) < 0) {
		imapd_db_fail(s);
		return;
	}
	imapd_tagged(s, "OK", "Idle completed");
}

/* ==== dispatch ============================================================ */

#define ST_NOAUTH	0x01
#define ST_AUTH		0x02
#define ST_SELECTED	0x04
#define ST_ANY		(ST_NOAUTH | ST_AUTH | ST_SELECTED)
#define ST_LOGGED	(ST_AUTH | ST_SELECTED)

struct imapd_command {
	const char *name;
	unsigned int states;
	void (*fn)(struct imapd_session *s);
};

static void cmd_list(struct imapd_session *s) { imapd_cmd_list(s, false); }
static void cmd_lsub(struct imapd_session *s) { imapd_cmd_list(s, true); }
static void cmd_subscribe(struct imapd_session *s)
{
	imapd_cmd_subscribe(s, true);
}
static void cmd_unsubscribe(struct imapd_session *s)
{
	imapd_cmd_subscribe(s, false);
}
static void cmd_select(struct imapd_session *s) { imapd_cmd_select(s, false); }
static void cmd_examine(struct imapd_session *s) { imapd_cmd_select(s, true); }
static void cmd_close(struct imapd_session *s) { imapd_cmd_close(s, true); }
static void cmd_unselect(struct imapd_session *s)
{
	imapd_cmd_close(s, false);
}
static void cmd_copy(struct imapd_session *s) { imapd_cmd_copy(s, false); }
static void cmd_move(struct imapd_session *s) { imapd_cmd_copy(s, true); }
static void cmd_getquota(struct imapd_session *s)
{
	imapd_cmd_getquota(s, false);
}
static void cmd_getquotaroot(struct imapd_session *s)
{
	imapd_cmd_getquota(s, true);
}
static void cmd_check(struct imapd_session *s)
{
	if (imapd_sync(s, true) < 0) {
		imapd_db_fail(s);
		return;
	}
	imapd_tagged(s, "OK", "Check completed");
}

static const struct imapd_command commands[] = {
	{ "CAPABILITY", ST_ANY, cmd_capability },
	{ "NOOP", ST_ANY, cmd_noop },
	{ "LOGOUT", ST_ANY, cmd_logout },
	{ "ID", ST_ANY, cmd_id },
	{ "STARTTLS", ST_NOAUTH, cmd_starttls },
	{ "LOGIN", ST_NOAUTH, cmd_login },
	{ "AUTHENTICATE", ST_NOAUTH, cmd_authenticate },
	{ "ENABLE", ST_LOGGED, cmd_enable },
	{ "IDLE", ST_LOGGED, cmd_idle },
	{ "SELECT", ST_LOGGED, cmd_select },
	{ "EXAMINE", ST_LOGGED, cmd_examine },
	{ "CREATE", ST_LOGGED, imapd_cmd_create },
	{ "DELETE", ST_LOGGED, imapd_cmd_delete },
	{ "RENAME", ST_LOGGED, imapd_cmd_rename },
	{ "SUBSCRIBE", ST_LOGGED, cmd_subscribe },
	{ "UNSUBSCRIBE", ST_LOGGED, cmd_unsubscribe },
	{ "LIST", ST_LOGGED, cmd_list },
	{ "LSUB", ST_LOGGED, cmd_lsub },
	{ "STATUS", ST_LOGGED, imapd_cmd_status },
	{ "APPEND", ST_LOGGED, imapd_cmd_append },
	{ "NAMESPACE", ST_LOGGED, imapd_cmd_namespace },
	{ "GETQUOTA", ST_LOGGED, cmd_getquota },
	{ "GETQUOTAROOT", ST_LOGGED, cmd_getquotaroot },
	{ "SETQUOTA", ST_LOGGED, imapd_cmd_setquota },
	{ "CHECK", ST_SELECTED, cmd_check },
	{ "CLOSE", ST_SELECTED, cmd_close },
	{ "UNSELECT", ST_SELECTED, cmd_unselect },
	{ "EXPUNGE", ST_SELECTED, imapd_cmd_expunge },
	{ "SEARCH", ST_SELECTED, imapd_cmd_search },
	{ "FETCH", ST_SELECTED, imapd_cmd_fetch },
	{ "STORE", ST_SELECTED, imapd_cmd_store },
	{ "COPY", ST_SELECTED, cmd_copy },
	{ "MOVE", ST_SELECTED, cmd_move },
	{ "SORT", ST_SELECTED, imapd_cmd_sort },
	{ "THREAD", ST_SELECTED, imapd_cmd_thread },
	{ "UID FETCH", ST_SELECTED, imapd_cmd_fetch },
	{ "UID STORE", ST_SELECTED, imapd_cmd_store },
	{ "UID SEARCH", ST_SELECTED, imapd_cmd_search },
	{ "UID COPY", ST_SELECTED, cmd_copy },
	{ "UID MOVE", ST_SELECTED, cmd_move },
	{ "UID EXPUNGE", ST_SELECTED, imapd_cmd_expunge },
	{ "UID SORT", ST_SELECTED, imapd_cmd_sort },
	{ "UID THREAD", ST_SELECTED, imapd_cmd_thread },
};

static unsigned int state_bit(enum imapd_state st)
{
	switch (st) {
	case IMAPD_NOAUTH: return ST_NOAUTH;
	case IMAPD_AUTH: return ST_AUTH;
	case IMAPD_SELECTED: return ST_SELECTED;
	default: return 0;
	}
}

static void bad_command(struct imapd_session *s)
{
	if (s->state == IMAPD_NOAUTH &&
	    ++s->bad_commands >= IMAPD_MAX_BAD_PREAUTH) {
		imapd_out(s, "* BYE Too many invalid commands\r\n");
		s->state = IMAPD_LOGOUT;
	}
}

static void run_command(struct imapd_session *s, const struct imap_cmd *cmd)
{
	const struct imapd_command *c = NULL;

	s->cur = cmd;
	s->tag = cmd->tag;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, cmd->name) == 0)
			c = &commands[i];
	if (c == NULL) {
		imapd_tagged(s, "BAD", "Unknown command");
		bad_command(s);
		return;
	}
	if ((c->states & state_bit(s->state)) == 0) {
		if (s->state == IMAPD_NOAUTH)
			imapd_tagged(s, "BAD", "Log in first");
		else if (c->states == ST_NOAUTH)
			imapd_tagged(s, "BAD", "Already logged in");
		else
			imapd_tagged(s, "BAD", "No mailbox selected");
		bad_command(s);
		return;
	}
	log_debug("event=imap_command session=%s command=%s", s->id,
		  log_quote(cmd->name));
	c->fn(s);
}

/* literal - decide about a literal the parser met */
static void literal(struct imapd_session *s)
{
	const struct imap_cmd *cmd = imap_parser_cmd(s->parser);
	const struct imap_literal_info *li = imap_parser_literal_info(s->parser);
	bool append = cmd->name != NULL && strcmp(cmd->name, "APPEND") == 0 &&
		(s->state == IMAPD_AUTH || s->state == IMAPD_SELECTED) &&
		li->depth == 0 && li->index >= 1;

	if (append) {
		s->cur = cmd;
		s->tag = cmd->tag;
		if (imapd_append_begin(s) < 0) {
			/* the answer (NO [OVERQUOTA], ...) is sent */
			imap_parser_literal_refuse(s->parser);
			return;
		}
		imap_parser_literal_stream(s->parser, imapd_append_sink, s);
	} else if (imap_parser_literal_accept(s->parser) < 0) {
		imap_parser_literal_refuse(s->parser);
		s->tag = cmd->tag;
		imapd_tagged(s, "NO", "[TOOBIG] Literal too large");
		return;
	}
	if (li->sync)
		imapd_out(s, "+ OK\r\n");
}

/* raw_line - the next line for AUTHENTICATE or IDLE; 1 taken */
static int raw_line(struct imapd_session *s, char **line_r, size_t *len_r)
{
	const char *nl = memchr(s->c.in.data, '\n', s->c.in.len);
	size_t len;

	if (nl == NULL) {
		if (s->c.in.len >= 8192) {
			buf_reset(&s->c.in);
			*line_r = p_strdup(s->cmd, "");
			*len_r = 0;
			return 1;
		}
		return 0;
	}
	len = (size_t)(nl - s->c.in.data);
	*line_r = p_strndup(s->cmd, s->c.in.data,
			    len > 0 && nl[-1] == '\r' ? len - 1 : len);
	*len_r = strlen(*line_r);
	conn_consume(&s->c, len + 1);
	return 1;
}

static void command_done(struct imapd_session *s)
{
	if (s->wait == IMAPD_WAIT_NONE) {
		pool_clear(s->cmd);
		s->cur = NULL;
		s->tag = NULL;
	}
}

static void process_input(struct imapd_session *s)
{
	while (s->c.in.len > 0 && s->state != IMAPD_LOGOUT &&
	       s->c.out.len < IMAPD_OUT_HIGH) {
		enum imap_parse_status st;
		size_t used = 0;

		if (s->wait == IMAPD_WAIT_SASL || s->wait == IMAPD_WAIT_IDLE) {
			char *line;
			size_t len;

			if (raw_line(s, &line, &len) == 0)
				return;
			if (s->wait == IMAPD_WAIT_SASL)
				sasl_line(s, line, len);
			else
				idle_line(s, line);
			command_done(s);
			continue;
		}
		if (s->wait != IMAPD_WAIT_NONE)
			return;
		st = imap_parser_feed(s->parser, s->c.in.data, s->c.in.len,
				      &used);
		conn_consume(&s->c, used);
		switch (st) {
		case IMAP_PARSE_MORE:
			break;
		case IMAP_PARSE_LITERAL:
			literal(s);
			break;
		case IMAP_PARSE_DONE: {
			const struct imap_cmd *cmd = imap_parser_cmd(s->parser);

			run_command(s, cmd);
			command_done(s);
			break;
		}
		case IMAP_PARSE_ERROR: {
			const struct imap_cmd *cmd = imap_parser_cmd(s->parser);

			if (cmd->name != NULL && strcmp(cmd->name, "APPEND") == 0)
				imapd_append_abort(s);
			imapd_out(s, "%s %s %s\r\n", cmd->tag != NULL ?
				  cmd->tag : "*",
				  imap_parse_error_reply(cmd->error),
				  cmd->error_msg);
			bad_command(s);
			command_done(s);
			break;
		}
		}
		if (st == IMAP_PARSE_MORE)
			return;
	}
}

/* ==== event loop ========================================================== */

static void session_update_events(struct imapd_session *s)
{
	struct epoll_event ev;

	ev.events = EPOLLRDHUP;
	/* a full output buffer stops reading: the client must read first */
	if (s->c.out.len < IMAPD_OUT_HIGH)
		ev.events |= EPOLLIN;
	if (conn_wants_write(&s->c))
		ev.events |= EPOLLOUT;
	ev.data.ptr = s;
	epoll_ctl(W.epfd, EPOLL_CTL_MOD, s->c.fd, &ev);
}

static void session_close(struct imapd_session *s)
{
	imapd_append_abort(s);
	epoll_ctl(W.epfd, EPOLL_CTL_DEL, s->c.fd, NULL);
	conn_free(&s->c);
	if (W.per_ip[s->ip_slot] > 0)
		W.per_ip[s->ip_slot]--;
	if (s->user_slot > 0 && W.per_user[s->user_slot - 1] > 0)
		W.per_user[s->user_slot - 1]--;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		W.sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	W.nsessions--;
	log_debug("event=disconnect session=%s", s->id);
	imap_parser_free(&s->parser);
	free(s->view.uids);
	free(s->saved);
	pool_destroy(&s->cmd);
	pool_destroy(&s->pool);
	free(s);
}

static void greet(struct imapd_session *s)
{
	s->state = IMAPD_NOAUTH;
	s->tag = NULL;
	imapd_out(s, "* OK [CAPABILITY %s] Mailhive IMAP ready\r\n",
		  capabilities(s));
	pool_clear(s->cmd);
}

/* resume_output - go on with a command that produces output in slices */
static void resume_output(struct imapd_session *s)
{
	/* the command fills the buffer to its own mark and returns */
	if (s->wait == IMAPD_WAIT_RESUME && s->state != IMAPD_LOGOUT &&
	    s->resume(s)) {
		s->wait = IMAPD_WAIT_NONE;
		s->resume = NULL;
		command_done(s);
	}
}

static bool session_io(struct imapd_session *s, uint32_t events)
{
	enum conn_io io;

	if (s->state == IMAPD_HANDSHAKE || s->c.handshaking) {
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
		if (s->state == IMAPD_HANDSHAKE)
			greet(s);
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		for (int i = 0; i < 8; i++) {
			io = conn_read(&s->c);
			if (io == CONN_IO_CLOSED) {
				session_close(s);
				return false;
			}
			process_input(s);
			if (io == CONN_IO_PENDING || s->wait == IMAPD_WAIT_TLS ||
			    s->state == IMAPD_LOGOUT ||
			    s->c.out.len >= IMAPD_OUT_HIGH)
				break;
		}
		if (s->state == IMAPD_NOAUTH)
			s->deadline = now_ms() + (int64_t)cfg.imap_login_timeout * 1000;
		else if (s->wait != IMAPD_WAIT_IDLE)
			s->deadline = now_ms() + (int64_t)cfg.imap_idle_timeout * 1000;
	}
	for (;;) {
		io = conn_flush(&s->c);
		if (io == CONN_IO_CLOSED ||
		    (s->state == IMAPD_LOGOUT && io == CONN_IO_OK)) {
			session_close(s);
			return false;
		}
		if (io != CONN_IO_OK)
			break;
		/* drained: produce more of a long answer, or run what was
		   read while the output was full */
		if (s->wait == IMAPD_WAIT_RESUME) {
			resume_output(s);
		} else if (s->wait == IMAPD_WAIT_NONE && s->c.in.len > 0 &&
			   s->state != IMAPD_HANDSHAKE) {
			size_t before = s->c.in.len;

			process_input(s);
			if (s->c.in.len == before && s->c.out.len == 0)
				break;
		} else {
			break;
		}
		if (s->c.out.len == 0)
			break;
	}
	if (s->wait == IMAPD_WAIT_TLS && s->c.out.len == 0) {
		s->wait = IMAPD_WAIT_NONE;
		if (conn_start_tls(&s->c, W.tls) < 0) {
			session_close(s);
			return false;
		}
		/* RFC 3501 6.2.1: what came before TLS is forgotten */
		imap_parser_reset(s->parser);
		return session_io(s, 0);
	}
	session_update_events(s);
	return true;
}

/* pause_listeners - out of descriptors: stop accepting for a second
 * (the listeners stay readable, so epoll would report them forever) */
static void pause_listeners(void)
{
	if (W.paused_until != 0)
		return;
	log_warn("event=accept_paused error=\"out of file descriptors\""
		 " sessions=%u", W.nsessions);
	for (unsigned int i = 0; i < W.nlisteners; i++)
		epoll_ctl(W.epfd, EPOLL_CTL_DEL, W.listeners[i].fd, NULL);
	W.paused_until = time(NULL) + 1;
}

static void listen_on(void)
{
	for (unsigned int i = 0; i < W.nlisteners; i++) {
		struct epoll_event ev;

		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.ptr = (void *)&W.listeners[i];
		epoll_ctl(W.epfd, EPOLL_CTL_ADD, W.listeners[i].fd, &ev);
	}
}

static void accept_one(const struct tls_listener *l)
{
	struct imapd_session *s;
	struct epoll_event ev;
	char rnd[TOKEN_HEX_LEN + 1];
	unsigned int slot;
	int fd;

	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			pause_listeners();
		return;
	}
	s = xcalloc(1, sizeof(*s));
	conn_init(&s->c, fd, IMAPD_IN_MAX);
	slot = slot_of(s->c.ip);
	if ((cfg.imap_max_connections > 0 &&
	     W.nsessions >= cfg.imap_max_connections) ||
	    (cfg.imap_max_connections_per_ip > 0 &&
	     W.per_ip[slot] >= cfg.imap_max_connections_per_ip)) {
		static const char busy[] = "* BYE [UNAVAILABLE] Too many"
			" connections, try again later\r\n";

		log_info("event=connection_refused ip=%s reason=limit",
			 s->c.ip);
		if (!l->implicit_tls && write(fd, busy, sizeof(busy) - 1) < 0) {
			/* the peer is gone */
		}
		conn_free(&s->c);
		free(s);
		return;
	}
	W.per_ip[slot]++;
	s->ip_slot = slot;
	s->pool = pool_new("imap session", 1024);
	s->cmd = pool_new("imap command", 4096);
	s->parser = new_parser(false);
	s->listener_tls = l->implicit_tls;
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
	s->deadline = now_ms() + (int64_t)cfg.imap_login_timeout * 1000;
	log_debug("event=connect session=%s ip=%s tls=%d", s->id, s->c.ip,
		  l->implicit_tls);
	if (l->implicit_tls) {
		if (W.tls == NULL || conn_start_tls(&s->c, W.tls) < 0) {
			session_close(s);
			return;
		}
		s->state = IMAPD_HANDSHAKE;
		session_io(s, 0);
		return;
	}
	greet(s);
	session_io(s, 0);
}

/* idle_check - tell an IDLE session about changes to its mailbox;
 * false when the session is gone */
static bool idle_check(struct imapd_session *s, time_t now)
{
	uint32_t gen;

	if (s->state != IMAPD_SELECTED)
		return true;
	gen = mbox_notify_gen(s->view.mailbox_id);
	if (mbox_notify_active() ? gen == s->view.gen :
	    now < s->idle_next_check)
		return true;
	s->idle_next_check = now + IMAPD_IDLE_POLL;
	if (imapd_sync(s, true) < 0)
		return true;	/* try again at the next change */
	return session_io(s, 0);
}

/* tick - timers: delayed answers, IDLE, timeouts, shutdown */
static void tick(bool stopping)
{
	time_t now = time(NULL);
	struct imapd_session *s, *next;

	for (s = W.sessions; s != NULL; s = next) {
		next = s->next;
		if (stopping && s->wait != IMAPD_WAIT_RESUME) {
			imapd_out(s, "* BYE Server shutting down\r\n");
			s->state = IMAPD_LOGOUT;
			conn_flush(&s->c);
			session_close(s);
			continue;
		}
		if (s->wait == IMAPD_WAIT_DELAY && now_ms() >= s->wake_at) {
			s->wait = IMAPD_WAIT_NONE;
			imapd_out(s, "%s", s->delayed_reply);
			s->delayed_reply = NULL;
			command_done(s);
			if (session_io(s, 0) == false)
				continue;
		}
		if (s->wait == IMAPD_WAIT_IDLE && !idle_check(s, now))
			continue;
		if (now_ms() >= s->deadline && s->wait != IMAPD_WAIT_RESUME &&
		    s->wait != IMAPD_WAIT_DELAY) {
			log_info("event=timeout session=%s", s->id);
			imapd_out(s, "* BYE Autologout; idle for too long\r\n");
			s->state = IMAPD_LOGOUT;
			conn_flush(&s->c);
			session_close(s);
		}
	}
}

static void load_secret(void)
{
	const char *error;

	if (service_secret_read(W.secret, &error) < 0)
		log_warn("event=imap_no_service_secret file=%s error=%s",
			 log_quote(cfg.imap_service_secret_file),
			 log_quote(error));
}

void imapd_worker_main(const struct tls_listener *listeners,
		       unsigned int nlisteners, unsigned int worker)
{
	struct epoll_event events[IMAPD_MAX_EVENTS];
	const char *error;
	bool stopping = false;
	time_t stop_at = 0;
	struct timespec last = { 0, 0 };

	/* flag changes, expunges and mailbox edits need not wait for the
	 * WAL flush (a crash may forget the last moments of them, as with
	 * other IMAP servers); what must survive asks for a synchronous
	 * commit itself: APPEND, COPY and MOVE (imapd_durable) */
	if (getenv("PGOPTIONS") == NULL)
		setenv("PGOPTIONS", "-c synchronous_commit=off", 1);
	service_start("imap");
	W.listeners = listeners;
	W.nlisteners = nlisteners;
	W.index = worker;
	W.tls = tls_server_ctx(cfg.tls_cert_file, cfg.tls_key_file, &error);
	if (W.tls == NULL)
		log_warn("event=tls_unavailable error=%s cert=%s",
			 log_quote(error), log_quote(cfg.tls_cert_file));
	load_secret();
	mime_meta_init();
	W.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (W.epfd < 0)
		fatal("event=startup error=\"epoll: %s\"", strerror(errno));
	listen_on();
	log_info("event=imap_worker_started worker=%u", worker);
	for (;;) {
		int n = epoll_wait(W.epfd, events, IMAPD_MAX_EVENTS,
				   IMAPD_TICK_MS);
		struct timespec now;

		if (service_stop_requested && !stopping) {
			stopping = true;
			stop_at = time(NULL) + IMAPD_SHUTDOWN_GRACE;
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
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (stopping || (now.tv_sec - last.tv_sec) * 1000 +
		    (now.tv_nsec - last.tv_nsec) / 1000000 >= IMAPD_TICK_MS) {
			last = now;
			tick(stopping);
			if (W.paused_until != 0 && !stopping &&
			    time(NULL) >= W.paused_until) {
				W.paused_until = 0;
				listen_on();
			}
		}
		if (stopping && (W.nsessions == 0 || time(NULL) >= stop_at))
			break;
	}
	log_info("event=imap_worker_stopped worker=%u", worker);
	db_close();
	_exit(0);
}
