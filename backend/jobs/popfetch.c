/*
 * popfetch.c - fetching mail from users' accounts on other POP3 servers
 * (popfetch.h), with libetpan's POP3 client.
 *
 * One run of one account:
 *
 *   claim (one statement: FOR UPDATE SKIP LOCKED, claim_token set,
 *          next_run_at moved a full interval on)
 *   -> open the password box -> connect (plain, STLS or implicit TLS)
 *   -> USER/PASS -> LIST + UIDL
 *   -> per message whose UIDL is not in pop_uidls, in server order:
 *        RETR -> blob written and made durable (blob_writer_commit)
 *        -> the user's filter rules read (filters_plan)
 *        -> BEGIN; pop_uidls row (only while our claim holds);
 *           message row in the folder the rules or the account name
 *           (deliver_to_mailbox, with its mail_events row), and what
 *           else the rules owe (filters_side); COMMIT
 *        -> DELE, when the account does not leave mail on the server
 *   -> QUIT -> the run recorded in the account's row, claim released
 *
 * Nothing is lost or taken twice: the UIDL row and the message row
 * commit together, after the blob is durable, and DELE is sent only
 * after that commit (the server removes the message at QUIT). A crash
 * between the commit and QUIT leaves the message on the server with its
 * UIDL taken: the next run skips it and, when mail is not left on the
 * server, deletes it then. pop_uidls' primary key refuses a second copy
 * should two runs ever overlap.
 *
 * A run is bounded: POPFETCH_MAX_MESSAGES messages, POPFETCH_MAX_BYTES
 * bytes and POPFETCH_MAX_SECONDS seconds (what is left waits for the next
 * run, which comes a full interval later, or at once on "fetch now");
 * every connect and command times out after POPFETCH_TIMEOUT seconds; a
 * message the LIST size says is larger than smtp.max_message_size is
 * left on the server. The claim lasts POPFETCH_CLAIM seconds, longer than
 * any run can take, and a crashed holder's claim simply expires.
 *
 * SECURITY: the POP3 server is untrusted: its replies reach the database
 * and the user's page only as one line of at most POPFETCH_DETAIL_MAX
 * printable characters; UIDLs must be 1 to POPFETCH_UIDL_MAX printable
 * ASCII characters; message bytes are stored, never interpreted here
 * beyond the metadata parser every delivery uses. The password is opened
 * for the length of one run and wiped afterwards; it is never logged and
 * never part of an error text.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>
#include <sodium.h>

#include "blob.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "deliver.h"
#include "filters.h"
#include "log.h"
#include "mime-meta.h"
#include "notify.h"
#include "pool.h"
#include "popfetch.h"
#include "secretbox.h"
#include "strnum.h"
#include "token.h"

#define POPFETCH_ACCOUNTS_PER_CALL 10
#define POPFETCH_TIMEOUT 30		/* seconds: connect, each command */
#define POPFETCH_MAX_MESSAGES 200	/* taken per run */
#define POPFETCH_MAX_BYTES (256u << 20)	/* taken per run */
#define POPFETCH_MAX_SECONDS 300	/* no RETR starts after this */
#define POPFETCH_CLAIM 900		/* > MAX_SECONDS + a last RETR */
#define POPFETCH_UIDL_MAX 255
#define POPFETCH_DETAIL_MAX 300		/* octets of a server reply kept */

struct pf_account {
	const char *id;			/* decimal */
	int64_t user_id;
	int64_t domain_id;
	const char *address;
	const char *host;
	unsigned int port;
	const char *tls;		/* "none", "starttls", "tls" */
	const char *username;
	const char *box;		/* the password's box, hex */
	bool keep;			/* leave mail on the server */
	int64_t target_id;		/* 0 = the INBOX */
	const char *token;		/* our claim */
};

struct pf_run {
	struct pool *pool;
	const struct pf_account *a;
	int64_t mailbox_id;		/* where messages go */
	unsigned int taken, pending, deleted, too_big;
	uint64_t bytes;
	const char *error;		/* "<what>: <detail>", NULL when ok */
	bool lost;			/* the claim went to someone else */
};

void popfetch_init(void)
{
	mime_meta_init();
}

/* ==== small helpers ===================================================== */

/* one_line - text as one line of printable characters, at most
 * POPFETCH_DETAIL_MAX octets (multi-byte UTF-8 is kept whole) */
static const char *one_line(struct pool *pool, const char *text)
{
	size_t len, n = 0;
	char *out;

	if (text == NULL || *text == '\0')
		return "no reply";
	len = strlen(text);
	if (len > POPFETCH_DETAIL_MAX) {
		len = POPFETCH_DETAIL_MAX;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	out = p_alloc(pool, len + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n > 0 ? out : "no reply";
}

/* fail - the run's error (the first one counts) */
static void fail(struct pf_run *run, const char *what, const char *detail)
{
	if (run->error == NULL)
		run->error = p_printf(run->pool, "%s: %s", what,
				      one_line(run->pool, detail));
}

/* server_said - the last reply of the server, for an error text */
static const char *server_said(mailpop3 *pop)
{
	return pop->pop3_response != NULL ? pop->pop3_response : "no reply";
}

/* uidl_valid - 1 to POPFETCH_UIDL_MAX characters 0x21..0x7e (RFC 1939
 * allows 70; some servers use more) */
static bool uidl_valid(const char *u)
{
	size_t n = 0;

	if (u == NULL)
		return false;
	for (; *u != '\0'; u++, n++)
		if ((unsigned char)*u < 0x21 || (unsigned char)*u > 0x7e ||
		    n >= POPFETCH_UIDL_MAX)
			return false;
	return n > 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ==== claiming and recording ============================================ */

/* claim - one due account, now ours for POPFETCH_CLAIM seconds: 1 with
 * *a filled, 0 none due, -1 database error */
static int claim(struct pool *pool, struct pf_account *a)
{
	char token[TOKEN_HEX_LEN + 1], secs[16];
	const char *params[2] = { token, secs };
	unsigned int port;
	PGresult *res;

	token_new_hex(token);
	snprintf(secs, sizeof(secs), "%u", POPFETCH_CLAIM);
	res = db_query(pool,
		"WITH due AS (SELECT p.id FROM pop_accounts p"
		"  JOIN users u ON u.id = p.user_id"
		"  WHERE p.enabled AND p.next_run_at <= now()"
		"  AND (p.claim_until IS NULL OR p.claim_until < now())"
		"  AND u.status = 'active' AND u.deleted_at IS NULL"
		"  ORDER BY p.next_run_at LIMIT 1"
		"  FOR UPDATE OF p SKIP LOCKED)"
		" UPDATE pop_accounts a SET claim_token = $1,"
		"  claim_until = now() + make_interval(secs => $2::int),"
		"  next_run_at = now() +"
		"   make_interval(secs => a.fetch_interval)"
		" FROM due, users u WHERE a.id = due.id AND u.id = a.user_id"
		" RETURNING a.id, a.user_id, u.domain_id, u.address, a.host,"
		"  a.port, a.tls, a.username, encode(a.password_enc, 'hex'),"
		"  a.keep, COALESCE(a.target_mailbox_id, 0)", 2, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) != 1)
		return 0;
	memset(a, 0, sizeof(*a));
	a->id = db_value(res, 0, 0);
	if (str_to_int64(db_value(res, 0, 1), &a->user_id) < 0 ||
	    str_to_int64(db_value(res, 0, 2), &a->domain_id) < 0 ||
	    str_to_uint(db_value(res, 0, 5), &port) < 0 ||
	    str_to_int64(db_value(res, 0, 10), &a->target_id) < 0)
		panic("popfetch: malformed pop_accounts row %s", a->id);
	a->address = db_value(res, 0, 3);
	a->host = db_value(res, 0, 4);
	a->port = port;
	a->tls = db_value(res, 0, 6);
	a->username = db_value(res, 0, 7);
	a->box = db_value(res, 0, 8);
	a->keep = strcmp(db_value(res, 0, 9), "t") == 0;
	a->token = p_strdup(pool, token);
	return 1;
}

/* record - the run's outcome in the account's row; the claim ends */
static void record(struct pf_run *run)
{
	char taken[16], pending[16];
	const char *params[5] = { run->a->id, run->error, taken, pending,
				  run->a->token };

	snprintf(taken, sizeof(taken), "%u", run->taken);
	snprintf(pending, sizeof(pending), "%u", run->pending);
	if (db_query(run->pool, "UPDATE pop_accounts SET last_run = now(),"
		     " last_error = $2, last_count = $3::int,"
		     " last_pending = $4::int,"
		     " total_count = total_count + $3::int,"
		     " claim_token = NULL, claim_until = NULL"
		     " WHERE id = $1::bigint AND claim_token = $5", 5,
		     params) == NULL)
		log_warn("event=popfetch_record_failed account=%s error=%s",
			 run->a->id, log_quote(db_error()));
}

/* target_mailbox - the id of the folder messages go to: the account's,
 * or the INBOX when it has none (or it was deleted); 0 when the user
 * has neither, -1 database error */
static int64_t target_mailbox(struct pf_run *run)
{
	char user[32], target[32];
	const char *params[2] = { user, target };
	PGresult *res;
	int64_t id;

	snprintf(user, sizeof(user), "%" PRId64, run->a->user_id);
	snprintf(target, sizeof(target), "%" PRId64, run->a->target_id);
	res = db_query(run->pool, "SELECT id FROM mailboxes"
		       " WHERE user_id = $1::bigint AND (id = $2::bigint OR"
		       "  name = 'INBOX') ORDER BY id = $2::bigint DESC"
		       " LIMIT 1",
		       2, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) != 1 ||
	    str_to_int64(db_value(res, 0, 0), &id) < 0)
		return 0;
	return id;
}

/* taken_uidls - the account's UIDLs already taken, sorted */
static int taken_uidls(struct pf_run *run, const char ***uidls_r,
		       size_t *n_r)
{
	const char *params[1] = { run->a->id };
	const char **list;
	PGresult *res;
	int n;

	res = db_query(run->pool, "SELECT uidl FROM pop_uidls"
		       " WHERE account_id = $1::bigint", 1, params);
	if (res == NULL)
		return -1;
	n = db_ntuples(res);
	list = p_new(run->pool, const char *, (size_t)n + 1);
	for (int i = 0; i < n; i++)
		list[i] = db_value(res, i, 0);
	qsort(list, (size_t)n, sizeof(*list), cmp_str);
	*uidls_r = list;
	*n_r = (size_t)n;
	return 0;
}

/* prune_uidls - forget the UIDLs the server no longer lists (its
 * messages are gone, so they cannot come back); only after a complete
 * listing */
static void prune_uidls(struct pf_run *run, carray *msgs)
{
	struct buf *arr = buf_new_pool(run->pool, 0);
	const char *params[2] = { run->a->id, NULL };
	bool first = true;

	buf_addc(arr, '{');
	for (unsigned int i = 0; i < carray_count(msgs); i++) {
		struct mailpop3_msg_info *m = carray_get(msgs, i);

		if (m == NULL || !uidl_valid(m->msg_uidl))
			continue;
		if (!first)
			buf_addc(arr, ',');
		first = false;
		/* an array element in double quotes: \ and " escaped */
		buf_addc(arr, '"');
		for (const char *p = m->msg_uidl; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(arr, '\\');
			buf_addc(arr, *p);
		}
		buf_addc(arr, '"');
	}
	buf_addc(arr, '}');
	params[1] = arr->data;
	if (db_query(run->pool, "DELETE FROM pop_uidls WHERE account_id ="
		     " $1::bigint AND NOT (uidl = ANY ($2::text[]))", 2,
		     params) == NULL)
		log_warn("event=popfetch_prune_failed account=%s error=%s",
			 run->a->id, log_quote(db_error()));
}

/* ==== storing one message =============================================== */

/* received_line - the trace field put above a fetched message */
static const char *received_line(struct pf_run *run, struct pool *pool)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	return p_printf(pool, "Received: from %s by %s with POP3\r\n"
			"\tfor <%s>; %s\r\n", run->a->host, cfg.hostname,
			run->a->address, date);
}

/* drop - the statistics row of a message the user's rules deleted or
 * refused: it is taken, but no message row is written */
static int drop(struct pf_run *run, struct pool *pool,
		const struct deliver_msg *msg, bool rejected)
{
	char user[32], dom[32], size[32];
	const char *params[5] = { dom, user, size, rejected ? "rejected" :
				  "delivered", msg->remote };

	snprintf(user, sizeof(user), "%" PRId64, run->a->user_id);
	snprintf(dom, sizeof(dom), "%" PRId64, run->a->domain_id);
	snprintf(size, sizeof(size), "%" PRIu64, msg->size);
	if (db_query(pool, "INSERT INTO mail_events (domain_id, user_id,"
		     " direction, bytes, outcome, remote) VALUES ($1::bigint,"
		     " $2::bigint, 'in', $3::bigint, $4, $5)", 5,
		     params) == NULL)
		return -1;
	log_info("event=filtered queue_id=%s rcpt=%s outcome=%s",
		 msg->queue_id, log_quote(run->a->address),
		 rejected ? "rejected" : "deleted");
	return 0;
}

/* store - make one retrieved message durable and visible, together with
 * its UIDL row, in pool (this message's own): 1 stored, 0 taken already
 * (or the claim was lost, then run->lost), -1 error (run->error set) */
static int store(struct pf_run *run, struct pool *pool, const char *uidl,
		 const char *data, size_t len)
{
	struct mime_meta_opts opts = { .text_max = MIME_META_TEXT_MAX_FTS };
	char sha[BLOB_SHA_HEX_LEN + 1];
	const char *error, *trace = received_line(run, pool);
	const char *params[3] = { run->a->id, uidl, run->a->token };
	struct blob_writer *w;
	struct deliver_msg msg;
	struct deliver_rcpt rcpt;
	struct deliver_target target;
	struct filters_verdict v;
	struct filters_msg *fm;
	struct mime_meta *meta;
	PGresult *res;
	uint64_t size;
	uint32_t uid = 0;
	int fd = -1, ret;

	if (blob_writer_open(pool, cfg.blob_dir, &w, &error) < 0 ||
	    blob_writer_write(w, trace, strlen(trace), &error) < 0 ||
	    blob_writer_write(w, data, len, &error) < 0 ||
	    blob_writer_commit(w, sha, &size, &error) < 0) {
		fail(run, "store", error);
		return -1;
	}
	if (blob_open_read(pool, cfg.blob_dir, sha, &fd, &size,
			   &error) < 0 ||
	    mime_meta_parse_fd(pool, fd, &opts, &meta, &error) < 0) {
		if (fd >= 0)
			close(fd);
		fail(run, "store", error);
		return -1;
	}
	close(fd);
	memset(&msg, 0, sizeof(msg));
	msg.sha = sha;
	msg.size = size;
	msg.meta = meta;
	msg.sender = "";
	msg.remote = run->a->host;
	msg.queue_id = p_printf(pool, "pop%s", run->a->id);
	rcpt.user_id = run->a->user_id;
	rcpt.domain_id = run->a->domain_id;
	rcpt.addr = run->a->address;
	memset(&target, 0, sizeof(target));
	target.event = true;
	/* the user's filter rules, as for SMTP delivery: read before the
	   transaction; a folder a rule names wins over the account's */
	memset(&v, 0, sizeof(v));
	fm = filters_msg_new(pool, &msg);
	if (filters_plan(pool, fm, &rcpt, &v, &error) < 0) {
		fail(run, "store", error);
		return -1;
	}
	target.mailbox_id = v.mailbox_id != 0 ? v.mailbox_id :
		run->mailbox_id;
	target.flags = v.flags;

	/* the message is taken (and may be deleted on the server) only
	   once this transaction has committed */
	if (db_begin() < 0) {
		fail(run, "store", db_error());
		return -1;
	}
	if (db_query(pool, "SELECT set_config('synchronous_commit',"
		     " 'on', true)", 0, NULL) == NULL)
		goto db_fail;
	res = db_query(pool, "INSERT INTO pop_uidls (account_id, uidl)"
		       " SELECT $1::bigint, $2 WHERE EXISTS (SELECT 1"
		       "  FROM pop_accounts WHERE id = $1::bigint"
		       "  AND claim_token = $3)"
		       " ON CONFLICT DO NOTHING RETURNING 1", 3, params);
	if (res == NULL)
		goto db_fail;
	if (db_ntuples(res) == 0) {
		/* the claim went elsewhere (this run must stop), or the
		   server listed this UIDL twice (skip the copy) */
		params[1] = run->a->token;
		res = db_query(pool, "SELECT 1 FROM pop_accounts"
			       " WHERE id = $1::bigint AND claim_token = $2",
			       2, params);
		db_rollback();
		if (res == NULL) {
			fail(run, "store", db_error());
			return -1;
		}
		run->lost = db_ntuples(res) == 0;
		return 0;
	}
	if (v.store) {
		ret = deliver_to_mailbox(pool, &msg, &rcpt, &target,
					 &uid);
		if (ret < 0)
			goto db_fail;
		if (ret == 0) {
			db_rollback();
			fail(run, "quota", "the mailbox is full");
			return -1;
		}
	} else if (drop(run, pool, &msg, v.rejected) < 0) {
		goto db_fail;
	}
	if (v.side && filters_side(pool, fm, &rcpt, &v) < 0)
		goto db_fail;
	if (db_commit() < 0) {
		fail(run, "store", db_error());
		return -1;
	}
	if (v.store)
		mbox_notify(target.mailbox_id);
	for (unsigned int i = 0; i < v.nnotify; i++)
		mbox_notify(v.notify[i]);
	log_info("event=popfetch_stored account=%s user=%s uid=%" PRIu32
		 " size=%" PRIu64 " sha=%s", run->a->id,
		 log_quote(run->a->address), uid, size, sha);
	return 1;
db_fail:
	fail(run, "store", db_error());
	db_rollback();
	return -1;
}

/* ==== one run =========================================================== */

/* pop_open - connected and logged in, or NULL with run->error set */
static mailpop3 *pop_open(struct pf_run *run, const char *password)
{
	const struct pf_account *a = run->a;
	mailpop3 *pop = mailpop3_new(0, NULL);
	int r;

	if (pop == NULL)
		panic("out of memory");
	mailpop3_set_timeout(pop, POPFETCH_TIMEOUT);
	if (strcmp(a->tls, "tls") == 0)
		r = mailpop3_ssl_connect(pop, a->host, (uint16_t)a->port);
	else
		r = mailpop3_socket_connect(pop, a->host, (uint16_t)a->port);
	if (r != MAILPOP3_NO_ERROR) {
		fail(run, r == MAILPOP3_ERROR_SSL ? "tls" : "connect",
		     r == MAILPOP3_ERROR_CONNECTION_REFUSED ?
		     p_printf(run->pool, "cannot connect to %s port %u",
			      a->host, a->port) :
		     r == MAILPOP3_ERROR_SSL ? "the TLS handshake failed" :
		     r == MAILPOP3_ERROR_STREAM ?
		     "the connection was closed or timed out" :
		     server_said(pop));
		goto bad;
	}
	if (strcmp(a->tls, "starttls") == 0 &&
	    (r = mailpop3_socket_starttls(pop)) != MAILPOP3_NO_ERROR) {
		fail(run, "tls", r == MAILPOP3_ERROR_STLS_NOT_SUPPORTED ?
		     "the server does not offer STLS" :
		     p_printf(run->pool, "STLS failed (%s)",
			      server_said(pop)));
		goto bad;
	}
	r = mailpop3_user(pop, a->username);
	if (r == MAILPOP3_NO_ERROR)
		r = mailpop3_pass(pop, password);
	if (r != MAILPOP3_NO_ERROR) {
		fail(run, r == MAILPOP3_ERROR_STREAM ? "connect" : "login",
		     r == MAILPOP3_ERROR_STREAM ?
		     "the connection was closed or timed out" :
		     server_said(pop));
		goto bad;
	}
	return pop;
bad:
	mailpop3_free(pop);
	return NULL;
}

/* fetch - the messages of one logged-in session */
static void fetch(struct pf_run *run, mailpop3 *pop)
{
	const struct pf_account *a = run->a;
	time_t start = time(NULL);
	const char **taken;
	size_t ntaken;
	carray *msgs = NULL;
	bool complete = true;
	int r;

	if (mailpop3_list(pop, &msgs) != MAILPOP3_NO_ERROR || msgs == NULL) {
		fail(run, "list", server_said(pop));
		return;
	}
	if (taken_uidls(run, &taken, &ntaken) < 0) {
		fail(run, "store", db_error());
		return;
	}
	for (unsigned int i = 0; i < carray_count(msgs); i++) {
		struct mailpop3_msg_info *m = carray_get(msgs, i);
		struct pool *mp;
		char *data = NULL;
		size_t len = 0;

		if (m == NULL || m->msg_deleted)
			continue;
		if (!uidl_valid(m->msg_uidl)) {
			fail(run, "list", m->msg_uidl == NULL ?
			     "the server does not give message ids (UIDL)" :
			     "the server gave a malformed message id (UIDL)");
			complete = false;
			break;
		}
		if (bsearch(&m->msg_uidl, taken, ntaken, sizeof(*taken),
			    cmp_str) != NULL) {
			/* taken before; still there when a session ended
			   before QUIT */
			if (!a->keep) {
				if (mailpop3_dele(pop, m->msg_index) !=
				    MAILPOP3_NO_ERROR) {
					fail(run, "delete", server_said(pop));
					complete = false;
					break;
				}
				run->deleted++;
			}
			continue;
		}
		if (m->msg_size > cfg.smtp_max_message_size) {
			run->too_big++;
			continue;
		}
		if (run->taken >= POPFETCH_MAX_MESSAGES ||
		    (run->taken > 0 &&
		     run->bytes + m->msg_size > POPFETCH_MAX_BYTES) ||
		    time(NULL) - start >= POPFETCH_MAX_SECONDS) {
			run->pending++;
			continue;
		}
		r = mailpop3_retr(pop, m->msg_index, &data, &len);
		if (r != MAILPOP3_NO_ERROR) {
			fail(run, r == MAILPOP3_ERROR_STREAM ? "connect" :
			     "retrieve", r == MAILPOP3_ERROR_STREAM ?
			     "the connection was closed or timed out" :
			     server_said(pop));
			complete = false;
			break;
		}
		if (len > cfg.smtp_max_message_size) {
			/* the server's LIST size was wrong */
			mailpop3_retr_free(data);
			run->too_big++;
			continue;
		}
		mp = pool_new("popfetch message", 16384);
		r = store(run, mp, m->msg_uidl, data, len);
		pool_destroy(&mp);
		mailpop3_retr_free(data);
		if (r == 0 && !run->lost)
			continue;
		if (r <= 0) {
			complete = false;
			break;
		}
		run->taken++;
		run->bytes += len;
		if (!a->keep) {
			if (mailpop3_dele(pop, m->msg_index) !=
			    MAILPOP3_NO_ERROR) {
				fail(run, "delete", server_said(pop));
				complete = false;
				break;
			}
			run->deleted++;
		}
	}
	if (complete)
		prune_uidls(run, msgs);
	if (run->too_big > 0)
		fail(run, "too_large", p_printf(run->pool, "%u message(s)"
						" over %" PRIu64 " bytes left"
						" on the server", run->too_big,
						cfg.smtp_max_message_size));
}

/* run_account - one claimed account from connect to record */
static void run_account(struct pool *pool, const struct pf_account *a)
{
	struct pf_run run;
	const char *error;
	char *password = NULL;
	size_t plen = 0;
	mailpop3 *pop;

	memset(&run, 0, sizeof(run));
	run.pool = pool;
	run.a = a;
	run.mailbox_id = target_mailbox(&run);
	if (run.mailbox_id < 0) {
		fail(&run, "store", db_error());
		goto out;
	}
	if (run.mailbox_id == 0) {
		fail(&run, "store", "the user has no INBOX");
		goto out;
	}
	if (secretbox_open(pool, secretbox_key_path(pool), SECRETBOX_CTX_POP,
			   (uint64_t)a->user_id, a->box, &password, &plen,
			   &error) < 0) {
		fail(&run, "key", error);
		goto out;
	}
	pop = pop_open(&run, password);
	sodium_memzero(password, plen);
	if (pop == NULL)
		goto out;
	fetch(&run, pop);
	/* QUIT makes the server carry out the DELEs */
	if (mailpop3_quit(pop) != MAILPOP3_NO_ERROR && run.deleted > 0)
		log_info("event=popfetch_quit_failed account=%s", a->id);
	mailpop3_free(pop);
out:
	if (run.lost) {
		log_warn("event=popfetch_claim_lost account=%s", a->id);
		return;
	}
	record(&run);
	log_info("event=popfetch account=%s user=%s host=%s port=%u tls=%s"
		 " taken=%u bytes=%" PRIu64 " deleted=%u pending=%u error=%s",
		 a->id, log_quote(a->address), log_quote(a->host), a->port,
		 a->tls, run.taken, run.bytes, run.deleted, run.pending,
		 log_quote(run.error != NULL ? run.error : "none"));
}

int popfetch_run_due(void)
{
	struct pool *pool = pool_new("popfetch", 16384);
	int ran = 0;

	for (unsigned int i = 0; i < POPFETCH_ACCOUNTS_PER_CALL; i++) {
		struct pf_account a;
		int r = claim(pool, &a);

		if (r < 0) {
			ran = -1;
			break;
		}
		if (r == 0)
			break;
		run_account(pool, &a);
		ran++;
		pool_clear(pool);
	}
	pool_destroy(&pool);
	return ran;
}
