#ifndef MH_IMAPD_PRIVATE_H
#define MH_IMAPD_PRIVATE_H
/*
 * imapd-private.h - what the files of the IMAP service share: the
 * session, the selected mailbox's view, and the helpers every command
 * uses to answer.
 *
 * A session runs one command at a time. Commands are synchronous against
 * PostgreSQL (one connection per worker) except where output may be
 * large: FETCH produces its responses in slices while the client reads
 * them (s->resume), so one slow reader never holds megabytes of
 * output or the worker.
 *
 * The view is the session's idea of the selected mailbox: the UIDs in
 * sequence order and the highest MODSEQ it has reported. imapd_sync()
 * brings it up to date from the database (new messages, expunges from
 * the expunged table, flag changes by MODSEQ) and tells the client, at
 * the points RFC 3501 7.4.1 allows.
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <libpq-fe.h>

#include "conn.h"
#include "imap-parser.h"

struct pool;
struct imap_seqset;

enum imapd_state {
	IMAPD_HANDSHAKE,	/* implicit TLS, before the greeting */
	IMAPD_NOAUTH,
	IMAPD_AUTH,
	IMAPD_SELECTED,
	IMAPD_LOGOUT,
};

/* what the session waits for besides the next command */
enum imapd_wait {
	IMAPD_WAIT_NONE,
	IMAPD_WAIT_SASL,	/* the client's AUTHENTICATE response line */
	IMAPD_WAIT_IDLE,	/* "DONE" */
	IMAPD_WAIT_DELAY,	/* a failed login, answered at wake_at */
	IMAPD_WAIT_RESUME,	/* a command producing output in slices */
	IMAPD_WAIT_TLS,		/* STARTTLS answered; handshake after flush */
};

struct imapd_view {
	int64_t mailbox_id;
	const char *name;	/* UTF-8, the session pool */
	bool readonly;
	uint32_t uidvalidity;
	uint32_t uidnext;	/* the next UID we have not announced */
	uint64_t modseq;	/* changes up to this one were reported */
	uint32_t *uids;		/* sequence number n is uids[n - 1] */
	unsigned int count;
	unsigned int cap;
	uint32_t gen;		/* notify.h counter when last synced */
	bool recheck;		/* look again even if gen did not move */
};

struct imapd_session;
struct imapd_append;
typedef bool imapd_resume_fn(struct imapd_session *s);

struct imapd_session {
	struct imapd_session *prev, *next;
	struct conn c;
	enum imapd_state state;
	enum imapd_wait wait;
	struct pool *pool;	/* the session's */
	struct pool *cmd;	/* the command's, cleared after each */
	struct imap_parser *parser;
	char id[16];		/* for logs */
	bool tls;
	bool listener_tls;
	unsigned int ip_slot;
	int64_t deadline;	/* monotonic ms */
	unsigned int bad_commands;

	/* the command being run */
	const struct imap_cmd *cur;
	const char *tag;	/* cmd pool */

	/* logged in */
	int64_t user_id;
	int64_t domain_id;
	char login[320];
	unsigned int user_slot;

	/* AUTHENTICATE in progress */
	int sasl_mech;		/* 1 PLAIN, 2 LOGIN */
	int sasl_step;
	char *sasl_user;	/* LOGIN: the name, session pool */

	/* a delayed failure: the text to send at wake_at (monotonic ms) */
	int64_t wake_at;
	char *delayed_reply;

	/* IDLE */
	time_t idle_next_check;

	/* resumable output */
	imapd_resume_fn *resume;
	void *resume_ctx;

	/* extensions the client ENABLEd */
	bool condstore;
	bool qresync;

	/* APPEND in progress (imapd-mbox.c) */
	struct imapd_append *append;

	/* SEARCHRES: the saved result (UIDs) */
	uint32_t *saved;
	unsigned int nsaved;

	struct imapd_view view;
};

/* ---- imapd.c ---- */
/* imapd_out - queue output text as is */
void imapd_out(struct imapd_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* imapd_outb - queue len octets */
void imapd_outb(struct imapd_session *s, const void *data, size_t len);
/* imapd_tagged - "<tag> <status> <text>" for the current command */
void imapd_tagged(struct imapd_session *s, const char *status,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* imapd_db_fail - the answer for a database failure: NO [UNAVAILABLE]
 * when it is down, NO [SERVERBUG] otherwise */
void imapd_db_fail(struct imapd_session *s);
/* imapd_mailbox_arg - an astring mailbox name decoded from modified
 * UTF-7 to UTF-8, "INBOX" in any case made "INBOX"; NULL after answering
 * BAD */
const char *imapd_mailbox_arg(struct imapd_session *s,
			      const struct imap_arg *arg);
/* imapd_durable - inside a transaction: its commit waits for the WAL
 * flush (the worker's connection does not by default) */
int imapd_durable(struct imapd_session *s);
/* imapd_i64 - a bigint column, 0 for NULL */
int64_t imapd_i64(const PGresult *res, int row, int col);
/* imapd_set_text - "1:3,7" of ascending numbers, in cmd pool */
const char *imapd_set_text(struct imapd_session *s, const uint32_t *v,
			   unsigned int n);
/* imapd_quote - s as an IMAP string (quoted or literal), in cmd pool */
const char *imapd_quote(struct imapd_session *s, const char *str);
/* imapd_mailbox_wire - a UTF-8 name as modified UTF-7 and quoted */
const char *imapd_mailbox_wire(struct imapd_session *s, const char *name);

/* ---- imapd-mbox.c: commands on mailboxes, not the selected one ---- */
void imapd_cmd_list(struct imapd_session *s, bool lsub);
void imapd_cmd_create(struct imapd_session *s);
void imapd_cmd_delete(struct imapd_session *s);
void imapd_cmd_rename(struct imapd_session *s);
void imapd_cmd_subscribe(struct imapd_session *s, bool on);
void imapd_cmd_status(struct imapd_session *s);
void imapd_cmd_namespace(struct imapd_session *s);
void imapd_cmd_getquota(struct imapd_session *s, bool root);
void imapd_cmd_setquota(struct imapd_session *s);
/* APPEND: the literal streams into a blob (imapd_append_sink) */
int imapd_append_begin(struct imapd_session *s);
imap_literal_sink_fn imapd_append_sink;
void imapd_cmd_append(struct imapd_session *s);
void imapd_append_abort(struct imapd_session *s);
/* imapd_find_mailbox - the id (and uidvalidity) of a user's mailbox by
 * UTF-8 name; 1 found, 0 not, -1 error */
int imapd_find_mailbox(struct imapd_session *s, const char *name,
		       int64_t *id_r, uint32_t *uidvalidity_r);

/* ---- imapd-view.c: the selected mailbox ---- */
void imapd_cmd_select(struct imapd_session *s, bool readonly);
void imapd_cmd_close(struct imapd_session *s, bool expunge);
void imapd_cmd_expunge(struct imapd_session *s);
void imapd_cmd_store(struct imapd_session *s);
void imapd_cmd_copy(struct imapd_session *s, bool move);
/* imapd_sync - report changes; expunges only when allow_expunge */
int imapd_sync(struct imapd_session *s, bool allow_expunge);
/* imapd_view_reset - leave the selected state */
void imapd_view_reset(struct imapd_session *s);
/* imapd_own_change - after this session changed the selected mailbox
 * (committed, announced, and told to the client with MODSEQ newmod):
 * the next sync skips asking PostgreSQL when nobody else changed it */
void imapd_own_change(struct imapd_session *s, uint64_t newmod);

/* imapd_seq_of - the sequence number of uid, 0 if not in the view */
unsigned int imapd_seq_of(const struct imapd_session *s, uint32_t uid);
/* imapd_resolve_set - the UIDs a sequence set (or UID set when uid)
 * names, in ascending UID order, in cmd pool; "$" is the saved result.
 * -1 after answering BAD for a sequence number that does not exist */
int imapd_resolve_set(struct imapd_session *s, const struct imap_seqset *set,
		      bool uid, uint32_t **uids_r, unsigned int *n_r);
/* imapd_uid_array - "{1,2}" for SQL */
const char *imapd_uid_array(struct imapd_session *s, const uint32_t *uids,
			    unsigned int n);
/* imapd_flags_array - a text[] literal of the flags in args (one list
 * or atoms); NULL when one is invalid (\Recent, unknown \ flags) */
const char *imapd_flags_array(struct imapd_session *s,
			      const struct imap_arg *args, unsigned int n);
/* imapd_flags_list - "(\Seen $x)" from a text[] value */
const char *imapd_flags_list(struct imapd_session *s, const char *pgarray);

/* ---- imapd-fetch.c ---- */
void imapd_cmd_fetch(struct imapd_session *s);

/* ---- imapd-search.c ---- */
void imapd_cmd_search(struct imapd_session *s);
void imapd_cmd_sort(struct imapd_session *s);
void imapd_cmd_thread(struct imapd_session *s);

#endif
