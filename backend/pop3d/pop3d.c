/*
 * pop3d.c - POP3 server (RFC 1939, 2449, 2595, 3206, 5034): the sessions
 * of one worker process.
 *
 *   CONNECT -> [TLS handshake, 995 role] -> "+OK" greeting -> AUTHORIZATION
 *   AUTHORIZATION --STLS--> STLS --reply flushed, handshake--> AUTHORIZATION
 *   AUTHORIZATION --AUTH PLAIN--> SASL --"+ " answered--> AUTHORIZATION
 *   AUTHORIZATION --USER/PASS or AUTH ok, maildrop locked--> TRANSACTION
 *   TRANSACTION --QUIT--> (UPDATE: \Seen, expunge, unlock) --> QUIT
 *   QUIT in AUTHORIZATION, too many bad commands or failed logins, a
 *   timeout, a dropped connection or shutdown --> QUIT: the maildrop is
 *   left exactly as it was.
 * Only enter_state() assigns s->state. UPDATE is not a state of its own:
 * cmd_quit() does it in one go.
 *
 * The maildrop is the user's INBOX. At login the session takes the
 * maildrop lock, then reads the INBOX's UIDVALIDITY and the (uid, size)
 * of its messages in UID order, in one statement; message numbers are
 * positions in that list and never change during the session. Mail that
 * arrives later is not seen until the next session (RFC 1939).
 *
 *   - Lock: an in-process check (no other session of this worker holds
 *     the user; session-level advisory locks are re-entrant on one
 *     PostgreSQL connection, so the database alone cannot tell two
 *     sessions of one worker apart) plus pg_try_advisory_lock(
 *     POP3D_LOCK_CLASS, user id) on the worker's connection, released by
 *     pg_advisory_unlock when the session ends. Ids above 2^31 - 1 are
 *     folded into the int4 key, which can only give a needless [IN-USE].
 *     A reconnect of the worker's database connection drops its locks, so
 *     QUIT checks in pg_locks that the lock is still held (taking it again
 *     if it is free) before deleting anything.
 *   - Sizes: LIST and STAT report messages.size, the size of the stored
 *     blob. Messages that arrive by SMTP are stored with CRLF line ends
 *     and end with CRLF, and for those the count is exact: it is the
 *     number of octets RETR sends before dot-stuffing and the terminator.
 *     A stored message with bare LF or bare CR line ends (imports) is sent
 *     with CRLF and is then longer than reported; RFC 1939 allows that.
 *   - UIDL is "<uidvalidity>.<uid>" of the INBOX, e.g. "1700000000.42",
 *     so it is stable across sessions and names the same message as
 *     IMAP's (UIDVALIDITY, UID) pair.
 *   - RETR marks the message \Seen; TOP does not. The flags are written
 *     at QUIT (like the deletions), in one statement that also moves the
 *     mailbox's HIGHESTMODSEQ and then notifies IMAP sessions. A dropped
 *     connection changes nothing.
 *   - DELE marks; RSET unmarks; QUIT removes the marked messages with
 *     store_expunge() (rows, quota, modseq, IMAP notification).
 *   - RETR and TOP stream the blob: a chunk is read and converted
 *     (pop3_stuff) only while the output buffer is below POP3D_OUT_LOW, so
 *     a large message never sits in memory. LIST and UIDL listings are
 *     produced the same way.
 *
 * A failed login is answered only after the delay auth_login() returns
 * (2 s doubling to 15 s): the session gets a timer, stops reading, and
 * the event loop wakes it; other sessions are served meanwhile.
 *
 * SECURITY: untrusted network input; runs with mailhived's privileges
 * (the unprivileged mailhive user). Command lines are capped at
 * POP3_LINE_MAX octets (CRLF included) and SASL response lines at
 * POP3_SASL_LINE_MAX; a longer line gets -ERR and the rest of it is
 * discarded. Before login, three bad commands
 * (unknown, malformed, not valid in the state, overlong) or three failed
 * logins end the session, and the whole AUTHORIZATION phase must finish
 * within pop3.login_timeout seconds. USER, PASS and AUTH need TLS unless
 * the peer is on loopback and imap.auth_plaintext_loopback allows it;
 * without that they are neither offered in CAPA nor accepted. STLS
 * discards anything pipelined after it (conn_start_tls), so no command
 * sent in the clear runs inside TLS. Passwords never reach the logs; the
 * line buffer holding them is wiped after each command (copies in the
 * per-command pool and the connection buffer are not). SQL is always
 * parameterized, and a session can only reach its own user's INBOX.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "blob.h"
#include "cfg.h"
#include "conn.h"
#include "db.h"
#include "log.h"
#include "mailbox.h"
#include "notify.h"
#include "pool.h"
#include "pop3-parse.h"
#include "pop3d.h"
#include "service.h"
#include "smtp-parse.h"
#include "strnum.h"
#include "token.h"

#define POP3D_IN_MAX (16 * 1024)	/* input buffer; > POP3_SASL_LINE_MAX */
#define POP3D_OUT_HIGH (256 * 1024)	/* stop taking commands above this */
#define POP3D_OUT_LOW (64 * 1024)	/* refill a transfer below this */
#define POP3D_READ_CHUNK 16384		/* blob read size */
#define POP3D_ROUND_BUDGET (1024 * 1024) /* octets per session per turn */
#define POP3D_READ_ROUNDS 16		/* socket reads per session per turn */
#define POP3D_MAX_BAD_COMMANDS 3	/* before login */
#define POP3D_MAX_AUTH_FAILURES 3
#define POP3D_BAD_LOGIN_DELAY_MIN 2	/* seconds, when auth gives none */
#define POP3D_MAX_EVENTS 64
#define POP3D_SHUTDOWN_GRACE 10		/* seconds for a transfer in flight */
#define POP3D_LOCK_CLASS 0x504f5033	/* "POP3": first advisory lock key */
#define POP3D_LOGIN_MAX 320

enum pop3d_state {
	S_HANDSHAKE,	/* implicit TLS, before the greeting */
	S_AUTHORIZATION,
	S_SASL,		/* AUTH PLAIN: waiting for the response line */
	S_STLS,		/* "+OK" to STLS queued; handshake after the flush */
	S_TRANSACTION,
	S_QUIT,		/* close once the output is written */
};

static const char *state_names[] = {
	"HANDSHAKE", "AUTHORIZATION", "SASL", "STLS", "TRANSACTION", "QUIT",
};

/* what a session is streaming to its client */
enum pop3d_xfer {
	X_NONE,
	X_MESSAGE,	/* RETR or TOP: blob through pop3_stuff() */
	X_LIST,		/* LIST without argument */
	X_UIDL,		/* UIDL without argument */
};

struct pop3d_msg {
	uint64_t size;
	uint32_t uid;
	bool deleted;
	bool retrieved;		/* RETR sent it: \Seen at QUIT */
};

struct pop3d_session {
	struct pop3d_session *prev, *next;
	struct conn c;
	enum pop3d_state state;
	struct pool *pool;		/* the session's: the maildrop list */
	struct pool *cmd;		/* one command's scratch */
	char id[16];			/* session id, for logs */
	bool tls;
	bool skipping;			/* discarding an overlong line */
	bool stalled;			/* input left unread while busy */
	bool kick;			/* run again without an event */
	unsigned int bad_commands;
	unsigned int auth_failures;
	time_t deadline;

	/* USER given, PASS expected next */
	bool have_user;
	char user_name[POP3_CMD_TEXT_MAX + 1];

	/* a failed login, answered when the timer runs out */
	int64_t delay_until;		/* monotonic ms; 0 = none */
	bool delay_close;		/* and then close the session */

	/* the maildrop, from login on */
	bool locked;
	int64_t user_id;
	int64_t mailbox_id;
	uint32_t uidvalidity;
	char login[POP3D_LOGIN_MAX];
	struct pop3d_msg *msgs;
	unsigned int nmsgs;

	/* streaming */
	enum pop3d_xfer xfer;
	int xfer_fd;			/* X_MESSAGE: the blob */
	unsigned int xfer_pos;		/* X_LIST, X_UIDL: next index */
	unsigned int xfer_msg;		/* X_MESSAGE: message number */
	struct pop3_stuffer st;
};

struct pop3d_worker {
	int epfd;
	const struct tls_listener *listeners;
	unsigned int nlisteners;
	unsigned int index;
	SSL_CTX *tls;
	struct pop3d_session *sessions;
	unsigned int nsessions;
	unsigned int max_sessions;	/* this worker's share; 0 = no limit */
	time_t stop_at;
};

static struct pop3d_worker W;

static void session_close(struct pop3d_session *s);

/* ==== helpers ========================================================= */

/* now_ms - monotonic clock in milliseconds */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* reply - queue one response line; a peer that does not read its
 * responses (output buffer full) loses the session */
static void reply(struct pop3d_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reply(struct pop3d_session *s, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = buf_vprintf(&s->c.out, fmt, ap);
	va_end(ap);
	if (ret < 0 || buf_append(&s->c.out, "\r\n", 2) < 0)
		s->state = S_QUIT;
}

static void enter_state(struct pop3d_session *s, enum pop3d_state st)
{
	if (s->state != st)
		log_debug("event=state session=%s from=%s to=%s", s->id,
			  state_names[s->state], state_names[st]);
	s->state = st;
}

/* busy - the session must not take another command now */
static bool busy(const struct pop3d_session *s)
{
	return s->state == S_HANDSHAKE || s->state == S_STLS ||
		s->state == S_QUIT || s->c.handshaking ||
		s->xfer != X_NONE || s->delay_until != 0 ||
		s->c.out.len >= POP3D_OUT_HIGH;
}

/* logged_in - in TRANSACTION (the maildrop is ours) */
static bool logged_in(const struct pop3d_session *s)
{
	return s->state == S_TRANSACTION;
}

/* plaintext_ok - USER/PASS and AUTH PLAIN may be used on this session */
static bool plaintext_ok(const struct pop3d_session *s)
{
	return s->tls || (s->c.loopback && cfg.imap_auth_plaintext_loopback);
}

/* touch - some traffic: restart the idle timer after login */
static void touch(struct pop3d_session *s)
{
	if (logged_in(s))
		s->deadline = time(NULL) + cfg.pop3_idle_timeout;
}

/* bad_command - -ERR, counted before login; the third ends the session */
static void bad_command(struct pop3d_session *s, const char *text)
{
	if (logged_in(s)) {
		reply(s, "-ERR %s", text);
		return;
	}
	if (++s->bad_commands >= POP3D_MAX_BAD_COMMANDS) {
		log_info("event=too_many_errors session=%s ip=%s", s->id,
			 s->c.ip);
		reply(s, "-ERR %s (too many bad commands, closing the"
		      " connection)", text);
		enter_state(s, S_QUIT);
		return;
	}
	reply(s, "-ERR %s", text);
}

/* lock_key - the second advisory lock key of a user, as text */
static void lock_key(int64_t user_id, char *out, size_t len)
{
	snprintf(out, len, "%" PRId64, user_id & 0x7fffffff);
}

/* ==== the maildrop ==================================================== */

/* held_here - another session of this worker has the user's maildrop */
static bool held_here(int64_t user_id)
{
	for (struct pop3d_session *o = W.sessions; o != NULL; o = o->next)
		if (o->locked && o->user_id == user_id)
			return true;
	return false;
}

/* maildrop_lock - 1 locked, 0 held elsewhere, -1 database error */
static int maildrop_lock(struct pop3d_session *s, int64_t user_id)
{
	char class[16], key[32];
	const char *params[2] = { class, key };
	PGresult *res;

	if (held_here(user_id))
		return 0;
	snprintf(class, sizeof(class), "%d", POP3D_LOCK_CLASS);
	lock_key(user_id, key, sizeof(key));
	res = db_query(s->cmd, "SELECT pg_try_advisory_lock($1::int, $2::int)",
		       2, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	if (strcmp(db_value(res, 0, 0), "t") != 0)
		return 0;
	s->locked = true;
	s->user_id = user_id;
	return 1;
}

/* maildrop_unlock - give the lock back (a lost connection already did) */
static void maildrop_unlock(struct pop3d_session *s)
{
	char class[16], key[32];
	const char *params[2] = { class, key };
	PGresult *res;

	if (!s->locked)
		return;
	s->locked = false;
	snprintf(class, sizeof(class), "%d", POP3D_LOCK_CLASS);
	lock_key(s->user_id, key, sizeof(key));
	res = db_query(s->cmd, "SELECT pg_advisory_unlock($1::int, $2::int)",
		       2, params);
	if (res == NULL)
		log_warn("event=unlock_failed session=%s user_id=%" PRId64
			 " error=%s", s->id, s->user_id,
			 log_quote(db_error()));
}

/* maildrop_lock_check - before UPDATE: 1 the lock is (again) ours, 0 it
 * was lost to another session, -1 database error */
static int maildrop_lock_check(struct pop3d_session *s)
{
	char class[16], key[32];
	const char *params[2] = { class, key };
	PGresult *res;

	snprintf(class, sizeof(class), "%d", POP3D_LOCK_CLASS);
	lock_key(s->user_id, key, sizeof(key));
	res = db_query(s->cmd,
		"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE"
		" locktype = 'advisory' AND pid = pg_backend_pid()"
		" AND granted AND objsubid = 2"
		" AND classid::bigint = $1::bigint"
		" AND objid::bigint = $2::bigint)", 2, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	if (strcmp(db_value(res, 0, 0), "t") == 0)
		return 1;
	log_warn("event=lock_lost session=%s user_id=%" PRId64, s->id,
		 s->user_id);
	res = db_query(s->cmd, "SELECT pg_try_advisory_lock($1::int, $2::int)",
		       2, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	return strcmp(db_value(res, 0, 0), "t") == 0 ? 1 : 0;
}

/* maildrop_load - the INBOX and its messages in UID order; 1 loaded,
 * 0 the user has no INBOX, -1 database error */
static int maildrop_load(struct pop3d_session *s)
{
	char user[32];
	const char *params[1] = { user };
	PGresult *res;
	int n;

	snprintf(user, sizeof(user), "%" PRId64, s->user_id);
	res = db_query(s->cmd,
		"SELECT mb.id, mb.uidvalidity, m.uid, m.size"
		" FROM mailboxes mb"
		" LEFT JOIN messages m ON m.mailbox_id = mb.id"
		" WHERE mb.user_id = $1::bigint AND mb.name = 'INBOX'"
		" ORDER BY m.uid", 1, params);
	if (res == NULL)
		return -1;
	n = db_ntuples(res);
	if (n == 0)
		return 0;
	if (str_to_int64(db_value(res, 0, 0), &s->mailbox_id) < 0) {
		log_error("event=maildrop_bad_row session=%s", s->id);
		return -1;
	}
	{
		uint64_t v;

		if (str_to_u64(db_value(res, 0, 1), &v) < 0 || v > UINT32_MAX)
			return -1;
		s->uidvalidity = (uint32_t)v;
	}
	s->msgs = p_new(s->pool, struct pop3d_msg, (size_t)n);
	s->nmsgs = 0;
	for (int i = 0; i < n; i++) {
		const char *uid = db_value(res, i, 2);
		struct pop3d_msg *m = &s->msgs[s->nmsgs];
		unsigned int u;

		if (uid == NULL)
			continue;	/* the empty INBOX's one row */
		if (str_to_uint(uid, &u) < 0 ||
		    str_to_u64(db_value(res, i, 3), &m->size) < 0) {
			log_error("event=maildrop_bad_row session=%s", s->id);
			return -1;
		}
		m->uid = u;
		s->nmsgs++;
	}
	return 1;
}

/* msg_get - message number n when it exists and is not deleted; else
 * NULL with the -ERR already sent */
static struct pop3d_msg *msg_get(struct pop3d_session *s, uint32_t n)
{
	if (n == 0 || n > s->nmsgs) {
		reply(s, "-ERR No such message");
		return NULL;
	}
	if (s->msgs[n - 1].deleted) {
		reply(s, "-ERR Message %" PRIu32 " is deleted", n);
		return NULL;
	}
	return &s->msgs[n - 1];
}

/* totals - messages not marked deleted, and their octets */
static void totals(const struct pop3d_session *s, unsigned int *n_r,
		   uint64_t *octets_r)
{
	unsigned int n = 0;
	uint64_t octets = 0;

	for (unsigned int i = 0; i < s->nmsgs; i++) {
		if (s->msgs[i].deleted)
			continue;
		n++;
		octets += s->msgs[i].size;
	}
	*n_r = n;
	*octets_r = octets;
}

/* ==== login =========================================================== */

/* auth_failed - count a failed login; true when that was one too many */
static bool auth_failed(struct pop3d_session *s)
{
	return ++s->auth_failures >= POP3D_MAX_AUTH_FAILURES;
}

/* open_maildrop - the user is authenticated: lock and load the INBOX */
static void open_maildrop(struct pop3d_session *s,
			  const struct auth_principal *p)
{
	unsigned int n;
	uint64_t octets;
	int ret;

	ret = maildrop_lock(s, p->id);
	if (ret == 0) {
		log_info("event=in_use session=%s user=%s ip=%s", s->id,
			 log_quote(p->login), s->c.ip);
		reply(s, "-ERR [IN-USE] Maildrop already locked by another"
		      " POP3 session");
		return;
	}
	if (ret < 0) {
		log_warn("event=lock_failed session=%s user=%s error=%s",
			 s->id, log_quote(p->login), log_quote(db_error()));
		reply(s, "-ERR [SYS/TEMP] Cannot lock the maildrop, try again"
		      " later");
		return;
	}
	ret = maildrop_load(s);
	if (ret <= 0) {
		if (ret < 0)
			log_warn("event=maildrop_failed session=%s user=%s"
				 " error=%s", s->id, log_quote(p->login),
				 log_quote(db_error()));
		else
			log_error("event=no_inbox session=%s user=%s", s->id,
				  log_quote(p->login));
		maildrop_unlock(s);
		s->msgs = NULL;
		s->nmsgs = 0;
		reply(s, ret < 0 ? "-ERR [SYS/TEMP] Cannot open the maildrop,"
		      " try again later" : "-ERR [SYS/PERM] The account has"
		      " no INBOX");
		return;
	}
	str_lcpy(s->login, p->login, sizeof(s->login));
	enter_state(s, S_TRANSACTION);
	touch(s);
	totals(s, &n, &octets);
	log_info("event=login session=%s user=%s ip=%s tls=%s messages=%u"
		 " octets=%" PRIu64, s->id, log_quote(s->login), s->c.ip,
		 s->tls ? "yes" : "no", n, octets);
	reply(s, "+OK Maildrop locked and ready, %u messages (%" PRIu64
	      " octets)", n, octets);
}

/* login - check credentials (USER/PASS or AUTH PLAIN) */
static void login(struct pop3d_session *s, const char *name,
		  const char *password, const char *mech)
{
	struct auth_principal p;
	unsigned int retry = 0;
	enum auth_status st;

	st = auth_login(s->cmd, AUTH_ROLE_USER, name, password, s->c.ip,
			"pop3", &p, &retry);
	switch (st) {
	case AUTH_OK:
		open_maildrop(s, &p);
		return;
	case AUTH_BAD:
		if (retry < POP3D_BAD_LOGIN_DELAY_MIN)
			retry = POP3D_BAD_LOGIN_DELAY_MIN;
		if (retry > AUTH_DELAY_MAX)
			retry = AUTH_DELAY_MAX;
		log_info("event=login_failed session=%s user=%s ip=%s mech=%s"
			 " delay=%u", s->id, log_quote(name), s->c.ip, mech,
			 retry);
		/* answered by run_timers(); until then nothing is read */
		s->delay_close = auth_failed(s);
		s->delay_until = now_ms() + (int64_t)retry * 1000;
		return;
	case AUTH_LIMITED:
		log_info("event=login_limited session=%s user=%s ip=%s"
			 " retry_after=%u", s->id, log_quote(name), s->c.ip,
			 retry);
		reply(s, "-ERR [AUTH] Too many failed logins, try again in %u"
		      " seconds", retry);
		if (auth_failed(s))
			enter_state(s, S_QUIT);
		return;
	case AUTH_ERROR:
	default:
		log_warn("event=login_error session=%s user=%s error=%s",
			 s->id, log_quote(name), log_quote(db_error()));
		reply(s, "-ERR [SYS/TEMP] Temporary authentication failure,"
		      " try again later");
		return;
	}
}

/* sasl_plain - an RFC 4616 message (decoded) */
static void sasl_plain(struct pop3d_session *s, const char *data,
		       size_t len)
{
	const char *authzid, *authcid, *password;

	if (smtp_sasl_plain_parse(data, len, &authzid, &authcid, &password,
				  s->cmd) < 0) {
		reply(s, "-ERR [AUTH] Malformed PLAIN response");
		if (auth_failed(s))
			enter_state(s, S_QUIT);
		return;
	}
	if (authzid[0] != '\0' && strcasecmp(authzid, authcid) != 0) {
		reply(s, "-ERR [AUTH] Acting for another user is not allowed");
		if (auth_failed(s))
			enter_state(s, S_QUIT);
		return;
	}
	login(s, authcid, password, "plain");
}

/* sasl_line - the client's answer to "+ " */
static void sasl_line(struct pop3d_session *s, const char *line, size_t len)
{
	char *data;
	size_t dlen;

	enter_state(s, S_AUTHORIZATION);
	switch (smtp_auth_response_parse(s->cmd, line, len, &data, &dlen)) {
	case 1:
		reply(s, "-ERR Authentication cancelled");
		return;
	case 0:
		sasl_plain(s, data, dlen);
		return;
	default:
		bad_command(s, "Invalid base64 in the SASL response");
		return;
	}
}

/* ==== commands: AUTHORIZATION ========================================= */

static void cmd_capa(struct pop3d_session *s)
{
	bool authz = s->state == S_AUTHORIZATION;

	reply(s, "+OK Capability list follows");
	reply(s, "TOP");
	reply(s, "UIDL");
	reply(s, "RESP-CODES");
	reply(s, "AUTH-RESP-CODE");
	reply(s, "PIPELINING");
	if (authz && plaintext_ok(s)) {
		reply(s, "USER");
		reply(s, "SASL PLAIN");
	}
	if (authz && !s->tls && W.tls != NULL)
		reply(s, "STLS");
	reply(s, "IMPLEMENTATION Mailhive");
	reply(s, ".");
}

static void cmd_user(struct pop3d_session *s, const struct pop3_cmd *cmd)
{
	if (!plaintext_ok(s)) {
		bad_command(s, "[AUTH] Plaintext login is not allowed without"
			    " TLS, use STLS first");
		return;
	}
	str_lcpy(s->user_name, cmd->args[0], sizeof(s->user_name));
	s->have_user = true;
	reply(s, "+OK Send the password");
}

static void cmd_pass(struct pop3d_session *s, const struct pop3_cmd *cmd)
{
	if (!s->have_user) {
		bad_command(s, "Send USER first");
		return;
	}
	s->have_user = false;
	if (!plaintext_ok(s)) {
		bad_command(s, "[AUTH] Plaintext login is not allowed without"
			    " TLS, use STLS first");
		return;
	}
	login(s, s->user_name, cmd->args[0], "user");
}

static void cmd_auth(struct pop3d_session *s, const struct pop3_cmd *cmd)
{
	char *data;
	size_t dlen;

	if (cmd->nargs == 0) {
		/* the mechanism list some clients ask for (pre-RFC 5034) */
		reply(s, "+OK");
		if (plaintext_ok(s))
			reply(s, "PLAIN");
		reply(s, ".");
		return;
	}
	if (strcasecmp(cmd->args[0], "PLAIN") != 0) {
		bad_command(s, "Unsupported authentication mechanism");
		return;
	}
	if (!plaintext_ok(s)) {
		bad_command(s, "[AUTH] Plaintext authentication is not allowed"
			    " without TLS, use STLS first");
		return;
	}
	if (cmd->nargs == 1) {
		enter_state(s, S_SASL);
		reply(s, "+ ");
		return;
	}
	if (strcmp(cmd->args[1], "=") == 0) {
		sasl_plain(s, "", 0);	/* empty initial response */
		return;
	}
	if (smtp_b64_decode(s->cmd, cmd->args[1], strlen(cmd->args[1]),
			    &data, &dlen) < 0) {
		bad_command(s, "Invalid base64 in the initial response");
		return;
	}
	sasl_plain(s, data, dlen);
}

static void cmd_stls(struct pop3d_session *s)
{
	if (s->tls) {
		bad_command(s, "Already using TLS");
		return;
	}
	if (W.tls == NULL) {
		bad_command(s, "TLS is not available");
		return;
	}
	reply(s, "+OK Begin TLS negotiation");
	enter_state(s, S_STLS);
}

/* ==== commands: TRANSACTION =========================================== */

static void cmd_stat(struct pop3d_session *s)
{
	unsigned int n;
	uint64_t octets;

	totals(s, &n, &octets);
	reply(s, "+OK %u %" PRIu64, n, octets);
}

/* cmd_list - LIST and UIDL; the full listing is streamed by xfer_fill */
static void cmd_list(struct pop3d_session *s, const struct pop3_cmd *cmd,
		     bool uidl)
{
	struct pop3d_msg *m;

	if (cmd->nargs == 1) {
		m = msg_get(s, cmd->num[0]);
		if (m == NULL)
			return;
		if (uidl)
			reply(s, "+OK %" PRIu32 " %" PRIu32 ".%" PRIu32,
			      cmd->num[0], s->uidvalidity, m->uid);
		else
			reply(s, "+OK %" PRIu32 " %" PRIu64, cmd->num[0],
			      m->size);
		return;
	}
	if (uidl) {
		reply(s, "+OK Unique-ID listing follows");
	} else {
		unsigned int n;
		uint64_t octets;

		totals(s, &n, &octets);
		reply(s, "+OK %u messages (%" PRIu64 " octets)", n, octets);
	}
	s->xfer = uidl ? X_UIDL : X_LIST;
	s->xfer_pos = 0;
}

/* cmd_retr - RETR (top false) and TOP */
static void cmd_retr(struct pop3d_session *s, const struct pop3_cmd *cmd,
		     bool top)
{
	char mbox[32], uid[16];
	const char *params[2] = { mbox, uid };
	const char *sha, *error;
	struct pop3d_msg *m;
	uint64_t size;
	PGresult *res;
	int fd;

	m = msg_get(s, cmd->num[0]);
	if (m == NULL)
		return;
	snprintf(mbox, sizeof(mbox), "%" PRId64, s->mailbox_id);
	snprintf(uid, sizeof(uid), "%" PRIu32, m->uid);
	res = db_query(s->cmd, "SELECT blob_sha256 FROM messages"
		       " WHERE mailbox_id = $1::bigint AND uid = $2::bigint",
		       2, params);
	if (res == NULL) {
		log_warn("event=retr_failed session=%s uid=%s error=%s",
			 s->id, uid, log_quote(db_error()));
		reply(s, "-ERR [SYS/TEMP] Cannot read message %" PRIu32
		      ", try again later", cmd->num[0]);
		return;
	}
	if (db_ntuples(res) != 1) {
		/* expunged by an IMAP session meanwhile */
		reply(s, "-ERR Message %" PRIu32 " no longer exists",
		      cmd->num[0]);
		return;
	}
	sha = db_value(res, 0, 0);
	if (blob_open_read(s->cmd, cfg.blob_dir, sha, &fd, &size,
			   &error) < 0) {
		log_error("event=blob_open_failed session=%s uid=%s error=%s",
			  s->id, uid, log_quote(error));
		reply(s, "-ERR [SYS/TEMP] Cannot read message %" PRIu32,
		      cmd->num[0]);
		return;
	}
	log_debug("event=%s session=%s msg=%" PRIu32 " uid=%s octets=%"
		  PRIu64, top ? "top" : "retr", s->id, cmd->num[0], uid, size);
	if (top) {
		reply(s, "+OK Top of message follows");
	} else {
		reply(s, "+OK %" PRIu64 " octets", m->size);
		m->retrieved = true;
	}
	s->xfer = X_MESSAGE;
	s->xfer_fd = fd;
	s->xfer_msg = cmd->num[0];
	pop3_stuffer_init(&s->st, top, top ? cmd->num[1] : 0);
}

static void cmd_dele(struct pop3d_session *s, const struct pop3_cmd *cmd)
{
	struct pop3d_msg *m = msg_get(s, cmd->num[0]);

	if (m == NULL)
		return;
	m->deleted = true;
	reply(s, "+OK Message %" PRIu32 " deleted", cmd->num[0]);
}

static void cmd_rset(struct pop3d_session *s)
{
	unsigned int n;
	uint64_t octets;

	for (unsigned int i = 0; i < s->nmsgs; i++)
		s->msgs[i].deleted = false;
	totals(s, &n, &octets);
	reply(s, "+OK Maildrop has %u messages (%" PRIu64 " octets)", n,
	      octets);
}

/* cmd_quit - QUIT; in TRANSACTION the UPDATE state: \Seen for what RETR
 * sent, then the marked messages removed, then the lock given back, all
 * before the answer (so the maildrop is free once the client reads it) */
static void cmd_quit(struct pop3d_session *s)
{
	uint32_t *seen, *del;
	unsigned int nseen = 0, ndel = 0, removed = 0, left;
	uint64_t octets;
	int ret;

	if (!logged_in(s)) {
		reply(s, "+OK Bye");
		enter_state(s, S_QUIT);
		return;
	}
	seen = p_new(s->cmd, uint32_t, (size_t)s->nmsgs + 1);
	del = p_new(s->cmd, uint32_t, (size_t)s->nmsgs + 1);
	for (unsigned int i = 0; i < s->nmsgs; i++) {
		if (s->msgs[i].deleted)
			del[ndel++] = s->msgs[i].uid;
		else if (s->msgs[i].retrieved)
			seen[nseen++] = s->msgs[i].uid;
	}
	totals(s, &left, &octets);
	enter_state(s, S_QUIT);
	if (nseen == 0 && ndel == 0) {
		log_info("event=logout session=%s user=%s deleted=0",
			 s->id, log_quote(s->login));
		maildrop_unlock(s);
		reply(s, "+OK Logging out, %u messages left", left);
		return;
	}
	ret = maildrop_lock_check(s);
	if (ret <= 0) {
		log_warn("event=update_failed session=%s user=%s reason=%s"
			 " error=%s", s->id, log_quote(s->login),
			 ret < 0 ? "db" : "lock_lost", log_quote(db_error()));
		if (ret == 0)
			s->locked = false;	/* someone else's now */
		reply(s, "-ERR [SYS/TEMP] Cannot update the maildrop, no"
		      " messages were deleted");
		return;
	}
	if (store_set_seen(s->cmd, s->user_id, s->mailbox_id, seen, nseen,
			   NULL) < 0)
		log_warn("event=seen_failed session=%s user=%s error=%s",
			 s->id, log_quote(s->login), log_quote(db_error()));
	if (store_expunge(s->cmd, s->user_id, s->mailbox_id, del, ndel,
			  &removed) < 0) {
		log_warn("event=update_failed session=%s user=%s reason=db"
			 " error=%s", s->id, log_quote(s->login),
			 log_quote(db_error()));
		maildrop_unlock(s);
		reply(s, "-ERR [SYS/TEMP] Some deleted messages were not"
		      " removed");
		return;
	}
	log_info("event=logout session=%s user=%s deleted=%u removed=%u"
		 " seen=%u", s->id, log_quote(s->login), ndel, removed, nseen);
	maildrop_unlock(s);
	reply(s, "+OK Logging out, %u messages deleted, %u left", ndel, left);
}

/* ==== dispatch ======================================================== */

/* command_authorization - a parsed command before login */
static void command_authorization(struct pop3d_session *s,
				  const struct pop3_cmd *cmd)
{
	switch (cmd->id) {
	case POP3_CMD_USER:
		cmd_user(s, cmd);
		break;
	case POP3_CMD_PASS:
		cmd_pass(s, cmd);
		break;
	case POP3_CMD_AUTH:
		cmd_auth(s, cmd);
		break;
	case POP3_CMD_APOP:
		bad_command(s, "APOP is not supported");
		break;
	case POP3_CMD_STLS:
		cmd_stls(s);
		break;
	case POP3_CMD_CAPA:
		cmd_capa(s);
		break;
	case POP3_CMD_QUIT:
		cmd_quit(s);
		break;
	default:
		bad_command(s, "Not logged in");
		break;
	}
}

/* command_transaction - a parsed command after login */
static void command_transaction(struct pop3d_session *s,
				const struct pop3_cmd *cmd)
{
	switch (cmd->id) {
	case POP3_CMD_CAPA:
		cmd_capa(s);
		break;
	case POP3_CMD_QUIT:
		cmd_quit(s);
		break;
	case POP3_CMD_STAT:
		cmd_stat(s);
		break;
	case POP3_CMD_LIST:
		cmd_list(s, cmd, false);
		break;
	case POP3_CMD_UIDL:
		cmd_list(s, cmd, true);
		break;
	case POP3_CMD_RETR:
		cmd_retr(s, cmd, false);
		break;
	case POP3_CMD_TOP:
		cmd_retr(s, cmd, true);
		break;
	case POP3_CMD_DELE:
		cmd_dele(s, cmd);
		break;
	case POP3_CMD_NOOP:
		reply(s, "+OK");
		break;
	case POP3_CMD_RSET:
		cmd_rset(s);
		break;
	default:
		bad_command(s, "Already logged in");
		break;
	}
}

static void command(struct pop3d_session *s, const char *line, size_t len)
{
	struct pop3_cmd cmd;
	bool had_user = s->have_user;

	if (s->state == S_SASL) {
		sasl_line(s, line, len);
		return;
	}
	/* PASS must follow USER directly */
	s->have_user = false;
	if (pop3_cmd_parse(line, len, &cmd) < 0) {
		log_debug("event=bad_command session=%s cmd=%s reason=%d",
			  s->id, pop3_cmd_name(cmd.id), (int)cmd.status);
		bad_command(s, pop3_parse_error_text(cmd.status));
		explicit_bzero(&cmd, sizeof(cmd));
		return;
	}
	if (cmd.id == POP3_CMD_PASS)
		s->have_user = had_user;
	if (logged_in(s))
		command_transaction(s, &cmd);
	else
		command_authorization(s, &cmd);
	explicit_bzero(&cmd, sizeof(cmd));
}

/* line_too_long - -ERR now; the rest of the line is skipped */
static void line_too_long(struct pop3d_session *s)
{
	s->skipping = true;
	s->have_user = false;
	if (s->state == S_SASL) {
		enter_state(s, S_AUTHORIZATION);
		bad_command(s, "SASL response too long, authentication"
			    " cancelled");
		return;
	}
	bad_command(s, "Line too long");
}

/* process_input - act on the buffered lines, in order, while allowed */
static void process_input(struct pop3d_session *s)
{
	char line[POP3_SASL_LINE_MAX + 1];
	size_t len, max;

	while (s->c.in.len > 0 && !busy(s)) {
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
		max = s->state == S_SASL ? POP3_SASL_LINE_MAX : POP3_LINE_MAX;
		switch (conn_take_line(&s->c, line, max, &len)) {
		case 0:
			return;
		case -1:
			line_too_long(s);
			continue;
		default:
			touch(s);
			command(s, line, len);
			explicit_bzero(line, len);
			/* the command pool holds one command's scratch */
			pool_clear(s->cmd);
			break;
		}
	}
}

/* ==== streaming ======================================================= */

/* xfer_end - the transfer is complete */
static void xfer_end(struct pop3d_session *s)
{
	if (s->xfer_fd >= 0)
		close(s->xfer_fd);
	s->xfer_fd = -1;
	s->xfer = X_NONE;
}

/* fill_listing - the next lines of LIST or UIDL */
static int fill_listing(struct pop3d_session *s)
{
	while (s->c.out.len < POP3D_OUT_LOW && s->xfer_pos < s->nmsgs) {
		const struct pop3d_msg *m = &s->msgs[s->xfer_pos++];
		int ret;

		if (m->deleted)
			continue;
		if (s->xfer == X_UIDL)
			ret = buf_printf(&s->c.out, "%u %" PRIu32 ".%" PRIu32
					 "\r\n", s->xfer_pos, s->uidvalidity,
					 m->uid);
		else
			ret = buf_printf(&s->c.out, "%u %" PRIu64 "\r\n",
					 s->xfer_pos, m->size);
		if (ret < 0)
			return -1;
	}
	if (s->xfer_pos >= s->nmsgs) {
		if (buf_append(&s->c.out, ".\r\n", 3) < 0)
			return -1;
		xfer_end(s);
	}
	return 0;
}

/* fill_message - read and convert blob chunks while the output is low */
static int fill_message(struct pop3d_session *s)
{
	char in[POP3D_READ_CHUNK];
	char out[POP3D_READ_CHUNK];
	char end[POP3_STUFF_END_MAX];
	size_t off, used, o;
	ssize_t n;

	while (s->c.out.len < POP3D_OUT_LOW) {
		n = read(s->xfer_fd, in, sizeof(in));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("event=blob_read_failed session=%s msg=%u"
				  " error=%s", s->id, s->xfer_msg,
				  log_quote(strerror(errno)));
			return -1;
		}
		for (off = 0; off < (size_t)n; off += used) {
			o = pop3_stuff(&s->st, in + off, (size_t)n - off,
				       &used, out, sizeof(out));
			if (o > 0 && buf_append(&s->c.out, out, o) < 0)
				return -1;
		}
		if (n == 0 || pop3_stuffer_done(&s->st)) {
			o = pop3_stuff_end(&s->st, end);
			if (buf_append(&s->c.out, end, o) < 0)
				return -1;
			log_debug("event=sent session=%s msg=%u octets=%"
				  PRIu64, s->id, s->xfer_msg,
				  s->st.out_octets);
			xfer_end(s);
			return 0;
		}
	}
	return 0;
}

/* xfer_fill - top up the output of the transfer in progress; -1 means
 * it cannot go on (the session must be closed: a half-sent multi-line
 * response cannot be turned into an -ERR) */
static int xfer_fill(struct pop3d_session *s)
{
	switch (s->xfer) {
	case X_MESSAGE:
		return fill_message(s);
	case X_LIST:
	case X_UIDL:
		return fill_listing(s);
	case X_NONE:
	default:
		return 0;
	}
}

/* ==== event loop ====================================================== */

static void session_update_events(struct pop3d_session *s)
{
	struct epoll_event ev;

	ev.events = 0;
	if (s->c.handshaking || !busy(s))
		ev.events |= EPOLLIN | EPOLLRDHUP;
	if (conn_wants_write(&s->c))
		ev.events |= EPOLLOUT;
	ev.data.ptr = s;
	epoll_ctl(W.epfd, EPOLL_CTL_MOD, s->c.fd, &ev);
}

static void session_close(struct pop3d_session *s)
{
	xfer_end(s);
	maildrop_unlock(s);
	epoll_ctl(W.epfd, EPOLL_CTL_DEL, s->c.fd, NULL);
	conn_free(&s->c);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		W.sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	W.nsessions--;
	log_debug("event=disconnect session=%s", s->id);
	pool_destroy(&s->cmd);
	pool_destroy(&s->pool);
	free(s);
}

static void greet(struct pop3d_session *s)
{
	enter_state(s, S_AUTHORIZATION);
	reply(s, "+OK %s Mailhive POP3 server ready", cfg.hostname);
}

/* session_io - one turn of work after an event (or a kick); events is
 * what epoll reported, EPOLLIN for a kick. The session may be closed. */
static void session_io(struct pop3d_session *s, uint32_t events)
{
	enum conn_io io = CONN_IO_OK;
	size_t sent = 0, before;
	unsigned int rounds = 0;

	s->kick = false;
	if ((events & (EPOLLHUP | EPOLLERR)) && busy(s) &&
	    !s->c.handshaking) {
		/* gone; nothing more can reach it */
		session_close(s);
		return;
	}
	if (s->state == S_HANDSHAKE || s->c.handshaking) {
		io = conn_handshake(&s->c);
		if (io == CONN_IO_CLOSED) {
			log_debug("event=tls_failed session=%s", s->id);
			session_close(s);
			return;
		}
		if (io == CONN_IO_PENDING) {
			session_update_events(s);
			return;
		}
		s->tls = true;
		if (s->state == S_HANDSHAKE) {
			greet(s);
		} else {
			/* RFC 2595 4: nothing said before TLS counts */
			s->have_user = false;
			enter_state(s, S_AUTHORIZATION);
		}
		events |= EPOLLIN;	/* the client may have spoken */
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		process_input(s);
		while (!busy(s)) {
			io = conn_read(&s->c);
			if (io == CONN_IO_CLOSED) {
				session_close(s);
				return;
			}
			if (io == CONN_IO_PENDING)
				break;
			process_input(s);
			if (++rounds >= POP3D_READ_ROUNDS) {
				s->kick = true;	/* let the others in */
				break;
			}
		}
		if (busy(s))
			s->stalled = true;
	}
	for (;;) {
		if (s->xfer != X_NONE && s->c.out.len < POP3D_OUT_LOW) {
			before = s->c.out.len;
			if (xfer_fill(s) < 0) {
				session_close(s);
				return;
			}
			sent += s->c.out.len - before;
		}
		before = s->c.out.len;
		io = conn_flush(&s->c);
		if (io == CONN_IO_CLOSED) {
			session_close(s);
			return;
		}
		if (s->c.out.len != before)
			touch(s);
		if (io == CONN_IO_PENDING)
			break;
		if (s->state == S_QUIT) {
			session_close(s);
			return;
		}
		if (s->xfer == X_NONE)
			break;
		if (sent >= POP3D_ROUND_BUDGET) {
			s->kick = true;
			break;
		}
	}
	if (s->state == S_STLS && io == CONN_IO_OK) {
		/* drops whatever was pipelined after STLS */
		if (conn_start_tls(&s->c, W.tls) < 0) {
			session_close(s);
			return;
		}
		s->stalled = false;
		log_debug("event=stls session=%s", s->id);
		session_io(s, 0);
		return;
	}
	if (s->stalled && !busy(s)) {
		s->stalled = false;
		s->kick = true;		/* go back to the buffered commands */
	}
	session_update_events(s);
}

static void accept_one(const struct tls_listener *l)
{
	struct pop3d_session *s;
	struct epoll_event ev;
	char rnd[TOKEN_HEX_LEN + 1];
	int fd;

	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	s = xcalloc(1, sizeof(*s));
	conn_init(&s->c, fd, POP3D_IN_MAX);
	if (W.max_sessions > 0 && W.nsessions >= W.max_sessions) {
		static const char busy_msg[] = "-ERR [SYS/TEMP] Too many"
			" connections, try again later\r\n";

		log_info("event=connection_refused ip=%s reason=limit",
			 s->c.ip);
		if (!l->implicit_tls &&
		    write(fd, busy_msg, sizeof(busy_msg) - 1) < 0) {
			/* the peer is gone; nothing to tell */
		}
		conn_free(&s->c);
		free(s);
		return;
	}
	s->xfer_fd = -1;
	s->pool = pool_new("pop3 session", 4096);
	s->cmd = pool_new("pop3 command", 4096);
	token_new_hex(rnd);
	memcpy(s->id, rnd, 10);
	s->id[10] = '\0';
	s->next = W.sessions;
	if (W.sessions != NULL)
		W.sessions->prev = s;
	W.sessions = s;
	W.nsessions++;
	s->deadline = time(NULL) + cfg.pop3_login_timeout;
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = s;
	epoll_ctl(W.epfd, EPOLL_CTL_ADD, fd, &ev);
	log_debug("event=connect session=%s ip=%s tls=%s", s->id, s->c.ip,
		  l->implicit_tls ? "implicit" : "no");
	if (l->implicit_tls) {
		if (W.tls == NULL || conn_start_tls(&s->c, W.tls) < 0) {
			session_close(s);
			return;
		}
		s->state = S_HANDSHAKE;
		session_io(s, 0);
		return;
	}
	s->state = S_AUTHORIZATION;
	greet(s);
	session_io(s, 0);
}

/* run_timers - answer the failed logins whose delay is over; returns the
 * milliseconds until the next one is due (at most max_wait) */
static int run_timers(int max_wait)
{
	int64_t now = now_ms(), next = now + max_wait;

	for (struct pop3d_session *s = W.sessions; s != NULL; s = s->next) {
		if (s->delay_until == 0)
			continue;
		if (now >= s->delay_until) {
			s->delay_until = 0;
			if (s->delay_close) {
				reply(s, "-ERR [AUTH] Authentication failed,"
				      " closing the connection");
				enter_state(s, S_QUIT);
			} else {
				reply(s, "-ERR [AUTH] Authentication failed");
			}
			s->kick = true;
		} else if (s->delay_until < next) {
			next = s->delay_until;
		}
	}
	return (int)(next - now);
}

/* run_kicks - give another turn to the sessions that asked for one;
 * true when some still want more */
static bool run_kicks(void)
{
	struct pop3d_session *s, *next;
	bool more = false;

	for (s = W.sessions; s != NULL; s = next) {
		next = s->next;
		if (s->kick)
			session_io(s, EPOLLIN);
	}
	for (s = W.sessions; s != NULL; s = s->next)
		more = more || s->kick;
	return more;
}

/* sweep - time out sessions; during shutdown end them (a transfer in
 * flight gets POP3D_SHUTDOWN_GRACE seconds to finish) */
static void sweep(void)
{
	time_t now = time(NULL);
	struct pop3d_session *s, *next;

	for (s = W.sessions; s != NULL; s = next) {
		next = s->next;
		if (service_stop_requested) {
			if (s->xfer != X_NONE && now < W.stop_at)
				continue;
			if (s->xfer == X_NONE && !s->c.handshaking &&
			    s->state != S_HANDSHAKE) {
				reply(s, "-ERR [SYS/TEMP] Server shutting"
				      " down");
				conn_flush(&s->c);
			}
			session_close(s);
		} else if (now >= s->deadline) {
			log_info("event=timeout session=%s state=%s", s->id,
				 state_names[s->state]);
			/* RFC 1939 3: an autologout sends nothing; before
			 * login a last word does no harm */
			if (!logged_in(s) && s->xfer == X_NONE &&
			    !s->c.handshaking && s->state != S_HANDSHAKE) {
				reply(s, "-ERR Timeout, closing the"
				      " connection");
				conn_flush(&s->c);
			}
			session_close(s);
		}
	}
}

void pop3d_worker_main(const struct tls_listener *listeners,
		       unsigned int nlisteners, unsigned int worker)
{
	struct epoll_event events[POP3D_MAX_EVENTS];
	const char *error;
	bool stopping = false;
	time_t last_sweep = 0;
	unsigned int nworkers;

	service_start("pop3");
	W.listeners = listeners;
	W.nlisteners = nlisteners;
	W.index = worker;
	nworkers = cfg.pop3_workers > 0 ? cfg.pop3_workers : 1;
	W.max_sessions = (cfg.pop3_max_connections + nworkers - 1) / nworkers;
	W.tls = tls_server_ctx(cfg.tls_cert_file, cfg.tls_key_file, &error);
	if (W.tls == NULL)
		log_warn("event=tls_unavailable error=%s cert=%s",
			 log_quote(error), log_quote(cfg.tls_cert_file));
	W.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (W.epfd < 0)
		fatal("event=startup error=\"epoll: %s\"", strerror(errno));
	for (unsigned int i = 0; i < nlisteners; i++) {
		struct epoll_event ev;

		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.ptr = (void *)&listeners[i];
		epoll_ctl(W.epfd, EPOLL_CTL_ADD, listeners[i].fd, &ev);
	}
	log_info("event=pop3_worker_started worker=%u", worker);
	for (;;) {
		int wait = run_timers(1000), n;

		/* kicks from the last round and from the timers first */
		if (run_kicks())
			wait = 0;
		n = epoll_wait(W.epfd, events, POP3D_MAX_EVENTS, wait);
		if (service_stop_requested && !stopping) {
			stopping = true;
			W.stop_at = time(NULL) + POP3D_SHUTDOWN_GRACE;
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
	log_info("event=pop3_worker_stopped worker=%u", worker);
	db_close();
	_exit(0);
}
