/*
 * imapc.c - webmail's IMAP client (libetpan) and its connection pool.
 *
 * Webmail reaches mail only through mailhived's IMAP service, logged in
 * with SASL PLAIN as the service account acting for the user (see
 * imapc.h). Logging in costs a TCP handshake, a SASL exchange and a user
 * lookup, so each worker process keeps its connections between requests
 * in a small static pool:
 *
 *   empty --connect+login--> in use --imapc_release--> idle
 *     ^                        ^  |                      |
 *     |                        |  +--connection lost-----+--> empty
 *     |                        +-------imapc_acquire-----+
 *     +--- idle > IMAPC_IDLE_SECONDS, LRU eviction, imapc_forget
 *
 * Only imapc_acquire() and imapc_release() move entries between those
 * states. A worker is single-threaded and handles one request at a time,
 * so the pool needs no locking.
 *
 * A pooled connection may have died in the meantime (server restart, its
 * idle timeout). One idle for more than CHECK_SECONDS gets a NOOP before
 * it is handed out. Beyond that, run() closes a connection on the first
 * connection-level error, and commands that are safe to repeat (SELECT,
 * LIST/STATUS, SORT, THREAD, FETCH, STORE, UID EXPUNGE) are retried once
 * on a new connection, after selecting again the folder that was selected.
 * CREATE, RENAME, DELETE and MOVE are not repeated: the first attempt
 * may have been carried out before the connection broke.
 *
 * Errors: *error_r points to the connection's error buffer (valid until
 * the connection is used again) or, for imapc_acquire(), to a static one.
 * Neither holds the secret or message data.
 *
 * SECURITY: the service secret lets its holder act for any user, so it is
 * read from its file for each login and wiped afterwards; it never goes
 * to the log. Server responses are trusted no more than needed: results
 * are matched against what was asked for. Nothing reaches a command line
 * unchecked: mailbox names from the caller or from LIST must be printable
 * US-ASCII (libetpan would send CR or LF inside a quoted string as they
 * are), flags atoms, and search criteria must pass check_program().
 */
#include "config.h"

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* libetpan, GMime. */
#include <libetpan/libetpan.h>
#include <gmime/gmime.h>

/* Mailhive library. */
#include "buf.h"
#include "cfg.h"
#include "log.h"
#include "pool.h"
#include "service-secret.h"
#include "strnum.h"

/* Application-specific. */
#include "imap-utf7.h"
#include "imapc.h"

/* a pooled connection idle longer than this gets a NOOP before reuse */
#define CHECK_SECONDS 30
/* libetpan's network timeout (connect and each read) */
#define NET_TIMEOUT 30
/* shorter for LOGOUT: a polite goodbye must not stall a request */
#define LOGOUT_TIMEOUT 5
/* intervals per UID set: 1000 intervals of at most 21 characters stay
 * well under the server's command line limit (imap.max_line, 64K) */
#define SET_MAX_ITEMS 1000
#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* search program nesting we follow */
#define MAX_DEPTH 32
/* SORT answers kept per connection (each up to 4 bytes a message) */
#define IMAPC_SORT_CACHE 4
/* mailbox names longer than this are refused */
#define MAX_NAME 1024

struct imapc {
	char *user;		/* NULL: the entry is empty */
	mailimap *imap;		/* NULL: lost, reconnect before use */
	time_t last_used;	/* monotonic seconds */
	bool in_use;
	bool retire;		/* imapc_forget() while in use */
	char *selected;		/* raw name of the selected folder */
	uint32_t sel_validity, sel_next, sel_exists;	/* of its SELECT */
	/* the last SORT answers, the most recent first: the same command on
	 * the same folder with the same UIDVALIDITY, UIDNEXT and message
	 * count sorts the same set of (unchanging) messages, unless its
	 * criteria look at flags. Several, so that a search between two
	 * list pages does not cost the list its sort. */
	struct sort_entry {
		char *folder, *line;
		uint32_t validity, next, exists;
		uint32_t *uids;
		unsigned int n;
	} sorted[IMAPC_SORT_CACHE];
	char error[512];
};

static struct imapc slots[IMAPC_POOL_MAX];

static void sort_forget(struct imapc *c);
static char acquire_error[512];

/* ==== small helpers ===================================================== */

/* must - libetpan constructors return NULL only when malloc fails; like
 * our own allocator we do not carry on without memory */
static void *must(void *p)
{
	if (p == NULL)
		panic("imapc: out of memory");
	return p;
}

static void must_ok(int r)
{
	if (r != 0)
		panic("imapc: out of memory");
}

static time_t now_sec(void)
{
	struct timespec ts;

	/* monotonic: a clock step must not expire or keep connections */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* server_text - whether r comes with a server response of its own */
static bool server_text(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:		/* read/write failed, timeout */
	case MAILIMAP_ERROR_FATAL:		/* BYE */
	case MAILIMAP_ERROR_PARSE:		/* out of step */
	case MAILIMAP_ERROR_BAD_STATE:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_MEMORY:
		return false;
	default:
		return true;
	}
}

/* conn_error - r means the connection is unusable (as opposed to a NO or
 * BAD answer to one command); a wrong state counts only when libetpan
 * has seen the server go (a command on a folder before any SELECT is
 * the caller's mistake, which a new connection would not cure) */
static bool conn_error(const mailimap *imap, int r)
{
	if (r == MAILIMAP_ERROR_BAD_STATE)
		return imap == NULL ||
			imap->imap_state == MAILIMAP_STATE_DISCONNECTED ||
			imap->imap_state == MAILIMAP_STATE_LOGOUT;
	return r != MAILIMAP_ERROR_MEMORY && !server_text(r);
}

static const char *code_text(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		return "connection lost or timed out";
	case MAILIMAP_ERROR_FATAL:
		return "server closed the connection";
	case MAILIMAP_ERROR_PARSE:
		return "unparsable server response";
	case MAILIMAP_ERROR_BAD_STATE:
		return "wrong connection state";
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return "connection refused";
	case MAILIMAP_ERROR_PROTOCOL:
		return "server said BAD";
	case MAILIMAP_ERROR_MEMORY:
		return "out of memory";
	default:
		return "server said NO";
	}
}

/* fail - format "what failed: reason[: server text]" into c->error; the
 * server text is added only for NO and BAD, where it belongs to this
 * command (after a stream error it would be an earlier one's) */
static const char *fail(struct imapc *c, const char *what, int r)
{
	const char *resp = "";

	if (server_text(r) && c->imap != NULL &&
	    c->imap->imap_response != NULL)
		resp = c->imap->imap_response;
	snprintf(c->error, sizeof(c->error), "%s failed: %s (%d)%s%s", what,
		 code_text(r), r, resp[0] != '\0' ? ": " : "", resp);
	return c->error;
}

static const char *fail_text(struct imapc *c, const char *text)
{
	snprintf(c->error, sizeof(c->error), "%s", text);
	return c->error;
}

/* name_ok - a raw mailbox name we are willing to send: modified UTF-7 is
 * printable US-ASCII, and anything else could end the command line */
static bool name_ok(const char *raw)
{
	size_t len = 0;

	if (raw == NULL || raw[0] == '\0')
		return false;
	for (; raw[len] != '\0'; len++) {
		if ((unsigned char)raw[len] < 0x20 ||
		    (unsigned char)raw[len] > 0x7e || len >= MAX_NAME)
			return false;
	}
	return true;
}

/* ---- UID sets ---- */

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* sorted_uids - uids sorted, without duplicates and zeros (no message
 * has UID 0); xmalloc'd, the count in *m_r */
static uint32_t *sorted_uids(const uint32_t *uids, unsigned int n,
			     unsigned int *m_r)
{
	uint32_t *s = xmalloc(sizeof(*s) * (n > 0 ? n : 1));
	unsigned int i, m = 0;

	memcpy(s, uids, sizeof(*s) * n);
	qsort(s, n, sizeof(*s), uid_cmp);
	for (i = 0; i < n; i++) {
		if (s[i] != 0 && (m == 0 || s[m - 1] != s[i]))
			s[m++] = s[i];
	}
	*m_r = m;
	return s;
}

/* next_set - a set of the sorted uids s[*pos..m) merged into intervals,
 * at most SET_MAX_ITEMS of them; *pos moves past the uids taken */
static struct mailimap_set *next_set(const uint32_t *s, unsigned int m,
				     unsigned int *pos)
{
	struct mailimap_set *set = must(mailimap_set_new_empty());
	unsigned int i = *pos, items = 0;

	while (i < m && items < SET_MAX_ITEMS) {
		uint32_t first = s[i];

		while (i + 1 < m && s[i + 1] == s[i] + 1)
			i++;
		must_ok(mailimap_set_add_interval(set, first, s[i]));
		items++;
		i++;
	}
	*pos = i;
	return set;
}

/* ==== connections ======================================================= */

/* gone - drop a connection without a word (it is broken or unwanted) */
static void gone(struct imapc *c)
{
	if (c->imap != NULL) {
		mailimap_free(c->imap);
		c->imap = NULL;
	}
}

bool imapc_lost(const struct imapc *c)
{
	return c->imap == NULL;
}

/* login - connect and log in as the service acting for c->user; fills
 * c->imap or sets *error_r */
static int login(struct imapc *c, const char **error_r)
{
	char host[256], secret[SERVICE_SECRET_MAX];
	uint16_t port;
	mailimap *imap;
	int r;

	if (cfg_local_endpoint(cfg.imap_listen, host, sizeof(host),
			       &port) < 0) {
		*error_r = "imap.listen is not host:port";
		return -1;
	}
	imap = must(mailimap_new(0, NULL));
	mailimap_set_timeout(imap, NET_TIMEOUT);
	r = mailimap_socket_connect(imap, host, port);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		snprintf(c->error, sizeof(c->error),
			 "connect to %s port %u failed: %s (%d)", host,
			 (unsigned int)port, code_text(r), r);
		*error_r = c->error;
		mailimap_free(imap);
		return -1;
	}
	if (service_secret_read(secret, error_r) < 0) {
		mailimap_free(imap);
		return -1;
	}
	/* SASL PLAIN: authorization identity (libetpan's "login", Cyrus
	 * SASL_CB_USER) = the user, authentication identity ("auth_name",
	 * SASL_CB_AUTHNAME) = the service account */
	r = mailimap_authenticate(imap, "PLAIN", host, NULL, NULL, c->user,
				  cfg.imap_service_login, secret, NULL);
	explicit_bzero(secret, sizeof(secret));
	if (r != MAILIMAP_NO_ERROR) {
		struct imapc tmp = { .imap = imap };

		/* 28 (MAILIMAP_ERROR_LOGIN) is also what a missing SASL
		 * PLAIN plugin (libsasl2-modules) looks like */
		fail(&tmp, "service login", r);
		memcpy(c->error, tmp.error, sizeof(c->error));
		*error_r = c->error;
		mailimap_free(imap);
		return -1;
	}
	/* mailimap_has_extension() reads what the server announced; ours
	 * puts it in the OK of AUTHENTICATE, ask when another did not */
	if (imap->imap_connection_info == NULL ||
	    imap->imap_connection_info->imap_capability == NULL) {
		struct mailimap_capability_data *cap = NULL;

		if (mailimap_capability(imap, &cap) == MAILIMAP_NO_ERROR)
			mailimap_capability_data_free(cap);
	}
	c->imap = imap;
	return 0;
}

/* reconnect - a new connection for c, with the folder selected again */
static int reconnect(struct imapc *c, const char **error_r)
{
	int r;

	gone(c);
	if (login(c, error_r) < 0)
		return -1;
	log_info("event=imapc_reconnect user=%s", log_quote(c->user));
	if (c->selected != NULL) {
		r = mailimap_select(c->imap, c->selected);
		if (r != MAILIMAP_NO_ERROR) {
			*error_r = fail(c, "SELECT", r);
			if (conn_error(c->imap, r))
				gone(c);
			free(c->selected);
			c->selected = NULL;
			return -1;
		}
		if (c->imap->imap_selection_info != NULL) {
			c->sel_validity =
				c->imap->imap_selection_info->sel_uidvalidity;
			c->sel_next = c->imap->imap_selection_info->sel_uidnext;
			c->sel_exists =
				c->imap->imap_selection_info->sel_exists;
		}
	}
	return 0;
}

/* slot_close - empty a pool entry; LOGOUT first when polite is set */
static void slot_close(struct imapc *c, bool polite)
{
	if (c->imap != NULL && polite) {
		mailimap_set_timeout(c->imap, LOGOUT_TIMEOUT);
		(void)mailimap_logout(c->imap);
	}
	gone(c);
	free(c->user);
	free(c->selected);
	sort_forget(c);
	memset(c, 0, sizeof(*c));
}

/* alive - NOOP on a connection that has been idle a while */
static bool alive(struct imapc *c)
{
	return c->imap != NULL && mailimap_noop(c->imap) == MAILIMAP_NO_ERROR;
}

struct imapc *imapc_acquire(const char *user, const char **error_r)
{
	struct imapc *c = NULL, *empty = NULL, *lru = NULL;
	time_t now = now_sec();
	const char *error;
	unsigned int i;

	for (i = 0; i < IMAPC_POOL_MAX; i++) {
		struct imapc *s = &slots[i];

		if (s->user != NULL && !s->in_use &&
		    now - s->last_used > IMAPC_IDLE_SECONDS)
			slot_close(s, true);
		if (s->in_use)
			continue;
		if (s->user == NULL) {
			if (empty == NULL)
				empty = s;
			continue;
		}
		if (strcasecmp(s->user, user) == 0 && s->imap != NULL &&
		    (c == NULL || s->last_used > c->last_used))
			c = s;
		if (lru == NULL || s->last_used < lru->last_used)
			lru = s;
	}
	if (c != NULL) {
		if (now - c->last_used <= CHECK_SECONDS || alive(c)) {
			c->in_use = true;
			return c;
		}
		log_info("event=imapc_stale user=%s idle=%lld",
			 log_quote(user), (long long)(now - c->last_used));
		slot_close(c, false);
		empty = c;
	}
	if (empty == NULL) {
		if (lru == NULL) {
			/* every entry is held by this request: a caller
			 * that does not release */
			*error_r = "imapc: every pooled connection is in use";
			return NULL;
		}
		slot_close(lru, true);
		empty = lru;
	}
	c = empty;
	c->user = xstrdup(user);
	if (login(c, &error) < 0) {
		str_lcpy(acquire_error, error, sizeof(acquire_error));
		*error_r = acquire_error;
		slot_close(c, false);
		return NULL;
	}
	c->in_use = true;
	c->last_used = now;
	return c;
}

void imapc_release(struct imapc **cp)
{
	struct imapc *c = *cp;

	if (c == NULL)
		return;
	*cp = NULL;
	c->in_use = false;
	c->last_used = now_sec();
	if (c->imap == NULL)
		slot_close(c, false);
	else if (c->retire)
		slot_close(c, true);
}

void imapc_forget(const char *user)
{
	unsigned int i;

	for (i = 0; i < IMAPC_POOL_MAX; i++) {
		struct imapc *s = &slots[i];

		if (s->user == NULL || strcasecmp(s->user, user) != 0)
			continue;
		if (s->in_use)
			s->retire = true;
		else
			slot_close(s, true);
	}
}

/* ==== running commands ================================================== */

/* an operation on c->imap returning a libetpan code; it must leave no
 * result behind when it fails, so that it can be run again */
typedef int imap_op_fn(struct imapc *c, void *ctx);

/* run - fn on c, retried once on a new connection after a connection
 * error when retry is set; 0 or -1 with *error_r */
static int run(struct imapc *c, const char *what, imap_op_fn *fn, void *ctx,
	       bool retry, const char **error_r)
{
	int r;

	if (c->imap == NULL && reconnect(c, error_r) < 0)
		return -1;
	r = fn(c, ctx);
	if (conn_error(c->imap, r)) {
		log_info("event=imapc_connection_lost user=%s command=%s"
			 " code=%d", log_quote(c->user), what, r);
		gone(c);
		if (!retry) {
			*error_r = fail(c, what, r);
			return -1;
		}
		if (reconnect(c, error_r) < 0)
			return -1;
		r = fn(c, ctx);
		if (conn_error(c->imap, r)) {
			*error_r = fail(c, what, r);
			gone(c);
			return -1;
		}
	}
	if (r != MAILIMAP_NO_ERROR) {
		*error_r = fail(c, what, r);
		return -1;
	}
	return 0;
}

/* ==== text decoding ===================================================== */

static void gmime_ready(void)
{
	static bool done;

	/* g_mime_init() counts its calls; ours is the first or a no-op */
	if (!done) {
		g_mime_init();
		done = true;
	}
}

/* decode - an RFC 2047 header value as UTF-8 in pool; phrase for display
 * names, text for unstructured values (Subject) */
static const char *decode(struct pool *pool, const char *s, bool phrase)
{
	const char *out;
	char *g;

	if (s == NULL || s[0] == '\0')
		return "";
	gmime_ready();
	g = phrase ? g_mime_utils_header_decode_phrase(NULL, s) :
		g_mime_utils_header_decode_text(NULL, s);
	if (g == NULL)
		return p_strdup(pool, s);
	out = p_strdup(pool, g);
	g_free(g);
	return out;
}

const char *imapc_utf7_encode(struct pool *pool, const char *utf8)
{
	const char *out, *error;

	if (imap_utf8_to_utf7(pool, utf8, strlen(utf8), &out, &error) < 0)
		return NULL;
	return out;
}

const char *imapc_utf7_decode(struct pool *pool, const char *mutf7)
{
	const char *out, *error;

	if (imap_utf7_to_utf8(pool, mutf7, strlen(mutf7), &out, &error) < 0)
		return NULL;
	return out;
}

/* ==== folders =========================================================== */

struct folders_ctx {
	struct pool *pool;
	struct imapc_folder *folders;
	unsigned int n;
};

/* list_flags - special use, \Noselect, \HasChildren of one LIST entry */
static void list_flags(const struct mailimap_mbx_list_flags *fl,
		       struct imapc_folder *f)
{
	clistiter *it;

	if (fl == NULL)
		return;
	if (fl->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
	    fl->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
		f->noselect = true;
	for (it = clist_begin(fl->mbf_oflags); it != NULL;
	     it = clist_next(it)) {
		const struct mailimap_mbx_list_oflag *of = clist_content(it);
		const char *x = of->of_flag_ext;

		if (of->of_type != MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT ||
		    x == NULL)
			continue;
		if (strcasecmp(x, "HasChildren") == 0)
			f->has_children = true;
		else if (strcasecmp(x, "Noselect") == 0 ||
			 strcasecmp(x, "NonExistent") == 0)
			f->noselect = true;
		else if (strcasecmp(x, "Sent") == 0)
			f->special = IMAPC_SENT;
		else if (strcasecmp(x, "Drafts") == 0)
			f->special = IMAPC_DRAFTS;
		else if (strcasecmp(x, "Trash") == 0)
			f->special = IMAPC_TRASH;
		else if (strcasecmp(x, "Junk") == 0)
			f->special = IMAPC_JUNK;
	}
}

/* status - MESSAGES and UNSEEN of f; a NO (say, the folder was deleted
 * meanwhile) leaves the counts at 0, a connection error is returned */
static int status(mailimap *imap, struct imapc_folder *f)
{
	struct mailimap_status_att_list *sa;
	struct mailimap_mailbox_data_status *st = NULL;
	clistiter *it;
	int r;

	sa = must(mailimap_status_att_list_new_empty());
	must_ok(mailimap_status_att_list_add(sa,
					     MAILIMAP_STATUS_ATT_MESSAGES));
	must_ok(mailimap_status_att_list_add(sa, MAILIMAP_STATUS_ATT_UNSEEN));
	r = mailimap_status(imap, f->raw, sa, &st);
	mailimap_status_att_list_free(sa);
	if (r != MAILIMAP_NO_ERROR)
		return conn_error(imap, r) ? r : MAILIMAP_NO_ERROR;
	for (it = st->st_info_list != NULL ? clist_begin(st->st_info_list) :
	     NULL; it != NULL; it = clist_next(it)) {
		const struct mailimap_status_info *si = clist_content(it);

		if (si->st_att == MAILIMAP_STATUS_ATT_MESSAGES)
			f->messages = si->st_value;
		else if (si->st_att == MAILIMAP_STATUS_ATT_UNSEEN)
			f->unseen = si->st_value;
	}
	mailimap_mailbox_data_status_free(st);
	return MAILIMAP_NO_ERROR;
}

static bool inbox_tree(const struct imapc_folder *f)
{
	return strcasecmp(f->raw, "INBOX") == 0 ||
		(f->delim != '\0' && strncasecmp(f->raw, "INBOX", 5) == 0 &&
		 f->raw[5] == f->delim);
}

/* name_rank - sort weight of one byte: the end of a name, then the
 * delimiter, then everything else (ASCII case folded), so that "a/b"
 * follows "a" directly and not after "a b" */
static int name_rank(unsigned char ch, char delim)
{
	if (ch == '\0')
		return 0;
	if (delim != '\0' && ch == (unsigned char)delim)
		return 1;
	return 2 + tolower(ch);
}

static int folder_cmp(const void *a, const void *b)
{
	const struct imapc_folder *x = a, *y = b;
	const unsigned char *p = (const unsigned char *)x->name;
	const unsigned char *q = (const unsigned char *)y->name;
	bool xi = inbox_tree(x), yi = inbox_tree(y);

	if (xi != yi)
		return xi ? -1 : 1;
	for (;; p++, q++) {
		int rp = name_rank(*p, x->delim), rq = name_rank(*q, y->delim);

		if (rp != rq)
			return rp < rq ? -1 : 1;
		if (*p == '\0')
			break;
	}
	return strcmp(x->raw, y->raw);
}

static int op_folders(struct imapc *c, void *arg)
{
	struct folders_ctx *ctx = arg;
	clist *list = NULL;
	clistiter *it;
	unsigned int i, n = 0;
	int r;

	r = mailimap_list(c->imap, "", "*", &list);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	ctx->folders = p_new(ctx->pool, struct imapc_folder,
			     clist_count(list) + 1);
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		const struct mailimap_mailbox_list *mb = clist_content(it);
		struct imapc_folder *f = &ctx->folders[n];
		const char *name, *p;

		/* a name we could not send back is of no use */
		if (!name_ok(mb->mb_name))
			continue;
		f->raw = p_strdup(ctx->pool, mb->mb_name);
		f->delim = mb->mb_delimiter;
		/* RFC 3501: INBOX is case-insensitive; show it one way */
		if (strcasecmp(f->raw, "INBOX") == 0)
			name = "INBOX";
		else
			name = imapc_utf7_decode(ctx->pool, f->raw);
		f->name = name != NULL ? name : f->raw;
		for (p = f->raw; f->delim != '\0' && *p != '\0'; p++)
			f->depth += *p == f->delim;
		list_flags(mb->mb_flag, f);
		if (strcasecmp(f->raw, "INBOX") == 0)
			f->special = IMAPC_INBOX;
		n++;
	}
	mailimap_list_result_free(list);
	for (i = 0; i < n; i++) {
		if (ctx->folders[i].noselect)
			continue;
		r = status(c->imap, &ctx->folders[i]);
		if (r != MAILIMAP_NO_ERROR)
			return r;
	}
	qsort(ctx->folders, n, sizeof(*ctx->folders), folder_cmp);
	ctx->n = n;
	return MAILIMAP_NO_ERROR;
}

int imapc_folders(struct imapc *c, struct pool *pool,
		  struct imapc_folder **folders_r, unsigned int *n_r,
		  const char **error_r)
{
	struct folders_ctx ctx = { .pool = pool };

	if (run(c, "LIST", op_folders, &ctx, true, error_r) < 0)
		return -1;
	*folders_r = ctx.folders;
	*n_r = ctx.n;
	return 0;
}

/* ==== select ============================================================ */

static int op_select(struct imapc *c, void *arg)
{
	const char *raw = arg;
	int r;

	r = mailimap_select(c->imap, raw);
	if (r == MAILIMAP_NO_ERROR && c->imap->imap_selection_info == NULL)
		r = MAILIMAP_ERROR_PARSE;
	return r;
}

int imapc_select(struct imapc *c, const char *raw, uint32_t *exists_r,
		 const char **error_r)
{
	/* a failed SELECT leaves no folder selected (RFC 3501 6.3.1), so
	 * forget the old one before trying: nothing to select again on a
	 * reconnect */
	free(c->selected);
	c->selected = NULL;
	if (!name_ok(raw)) {
		*error_r = fail_text(c, "SELECT: invalid folder name");
		return -1;
	}
	if (run(c, "SELECT", op_select, (void *)raw, true, error_r) < 0)
		return -1;
	c->selected = xstrdup(raw);
	c->sel_validity = c->imap->imap_selection_info->sel_uidvalidity;
	c->sel_next = c->imap->imap_selection_info->sel_uidnext;
	c->sel_exists = c->imap->imap_selection_info->sel_exists;
	*exists_r = c->imap->imap_selection_info->sel_exists;
	return 0;
}

/* ==== search programs =================================================== */

/*
 * The criteria of imapc_sort() go to the server as the caller wrote them,
 * but only after check_program() has parsed them against the part of RFC
 * 3501 search-key webmail uses, so that nothing else (a CR LF, a literal,
 * an unbalanced parenthesis) can reach the command line:
 *
 *   program = key *(SP key)
 *   key     = flag / strkey SP string / datekey SP date /
 *             ("LARGER" / "SMALLER") SP number / "NOT" SP key /
 *             "OR" SP key SP key / "(" program ")" / header / keyword
 *   flag    = "ALL" / "ANSWERED" / "DELETED" / "DRAFT" / "FLAGGED" /
 *             "NEW" / "OLD" / "RECENT" / "SEEN" / "UN..." of the four
 *   strkey  = "FROM" / "TO" / "CC" / "BCC" / "SUBJECT" / "BODY" / "TEXT"
 *   datekey = "BEFORE" / "ON" / "SINCE" / "SENTBEFORE" / "SENTON" /
 *             "SENTSINCE"                  ; date = d[d]-Mon-yyyy
 *   header  = "HEADER" SP field-name SP string
 *                        ; field-name: an atom of letters, digits and "-"
 *   keyword = ("KEYWORD" / "UNKEYWORD") SP atom
 *                        ; letters, digits, "$", "_" and "-"
 *
 * A string is an ASCII atom or a quoted string (UTF-8, with \" and \\);
 * never a literal, which is why imapc_quote() makes none. Keywords are
 * case-insensitive; one space separates tokens, as the server wants.
 */

enum tok { T_END, T_OPEN, T_CLOSE, T_WORD, T_ERROR };

struct crit {
	const char *p;
	const char *error;
	unsigned int depth;
	bool first;		/* at the start or after "(": no space */
	char word[64];		/* the last atom, for keyword comparison */
};

static bool atom_char(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f && ch != '(' && ch != ')' &&
		ch != '"' && ch != '{' && ch != '\\' && ch != '%' &&
		ch != '*' && ch != ']';
}

/* next_tok - step over the next token and the space before it; an atom
 * is copied (cut) into cr->word, a quoted string leaves it empty */
static enum tok next_tok(struct crit *cr)
{
	const char *p = cr->p, *start;

	cr->word[0] = '\0';
	if (*p == '\0')
		return T_END;
	if (*p == ')') {
		cr->p = p + 1;
		return T_CLOSE;
	}
	if (!cr->first && *p++ != ' ') {
		cr->error = "missing space";
		return T_ERROR;
	}
	cr->first = false;
	if (*p == '(') {
		cr->p = p + 1;
		cr->first = true;
		return T_OPEN;
	}
	start = p;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
				p++;
			} else if (*p == '\\' || *p == '\0' || *p == '\r' ||
				   *p == '\n') {
				cr->error = *p == '\\' ? "bad escape" :
					"unterminated string";
				return T_ERROR;
			}
		}
		p++;
		if (!utf8_valid(start, (size_t)(p - start))) {
			cr->error = "invalid UTF-8";
			return T_ERROR;
		}
	} else {
		while (atom_char((unsigned char)*p))
			p++;
		if (p == start) {
			cr->error = "unexpected character";
			return T_ERROR;
		}
		str_lcpy(cr->word, start, (size_t)(p - start) + 1 <
			 sizeof(cr->word) ? (size_t)(p - start) + 1 :
			 sizeof(cr->word));
	}
	cr->p = p;
	return T_WORD;
}

static bool word_in(const char *word, const char *const *list)
{
	for (; *list != NULL; list++) {
		if (strcasecmp(word, *list) == 0)
			return true;
	}
	return false;
}

static const char *const flag_keys[] = {
	"ALL", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "NEW", "OLD",
	"RECENT", "SEEN", "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED",
	"UNSEEN", NULL
};
static const char *const str_keys[] = {
	"FROM", "TO", "CC", "BCC", "SUBJECT", "BODY", "TEXT", NULL
};
static const char *const date_keys[] = {
	"BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE", NULL
};
static const char *const num_keys[] = { "LARGER", "SMALLER", NULL };

/* field_ok - a header field name for HEADER: letters, digits and "-" */
static bool field_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '-')
			return false;
	}
	return true;
}

/* keyword_ok - a keyword for KEYWORD: letters, digits, "$", "_", "-" */
static bool keyword_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("$_-", *s) == NULL)
			return false;
	}
	return true;
}

/* date_ok - "d-Mon-yyyy" (RFC 3501 date-text, here unquoted) */
static bool date_ok(const char *s)
{
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec", NULL
	};
	char mon[4];
	unsigned int day = 0, i;

	for (i = 0; i < 2 && isdigit((unsigned char)*s); i++, s++)
		day = day * 10 + (unsigned int)(*s - '0');
	if (i == 0 || day < 1 || day > 31 || *s++ != '-' ||
	    strlen(s) != 8 || s[3] != '-')
		return false;
	memcpy(mon, s, 3);
	mon[3] = '\0';
	if (!word_in(mon, months))
		return false;
	for (s += 4, i = 0; i < 4; i++, s++) {
		if (!isdigit((unsigned char)*s))
			return false;
	}
	return true;
}

static bool check_program(struct crit *cr, bool nested);

/* want_word - the next token is a word that ok accepts (any word when ok
 * is NULL); false with cr->error (what, unless the tokenizer set one) */
static bool want_word(struct crit *cr, bool (*ok)(const char *),
		      const char *what)
{
	if (next_tok(cr) == T_WORD && (ok == NULL || ok(cr->word)))
		return true;
	if (cr->error == NULL)
		cr->error = what;
	return false;
}

/* check_key - one search key; false with cr->error */
static bool check_key(struct crit *cr)
{
	char key[sizeof(cr->word)];
	unsigned int v;
	enum tok t;

	if (++cr->depth > MAX_DEPTH) {
		cr->error = "nested too deeply";
		return false;
	}
	t = next_tok(cr);
	if (t == T_OPEN) {
		if (!check_program(cr, true))
			return false;
		goto ok;
	}
	if (t != T_WORD || cr->word[0] == '\0') {
		if (t != T_ERROR)
			cr->error = "search key expected";
		return false;
	}
	memcpy(key, cr->word, sizeof(key));
	if (word_in(key, flag_keys))
		goto ok;
	if (strcasecmp(key, "NOT") == 0) {
		if (!check_key(cr))
			return false;
		goto ok;
	}
	if (strcasecmp(key, "OR") == 0) {
		if (!check_key(cr) || !check_key(cr))
			return false;
		goto ok;
	}
	if (strcasecmp(key, "KEYWORD") == 0 ||
	    strcasecmp(key, "UNKEYWORD") == 0) {
		if (!want_word(cr, keyword_ok, "keyword expected"))
			return false;
		goto ok;
	}
	if (strcasecmp(key, "HEADER") == 0) {
		if (!want_word(cr, field_ok, "header field name expected") ||
		    !want_word(cr, NULL, "argument expected"))
			return false;
		goto ok;
	}
	if (!word_in(key, str_keys) && !word_in(key, date_keys) &&
	    !word_in(key, num_keys)) {
		cr->error = "unsupported search key";
		return false;
	}
	if (!want_word(cr, NULL, "argument expected"))
		return false;
	if (word_in(key, date_keys) && !date_ok(cr->word)) {
		cr->error = "bad date";
		return false;
	}
	if (word_in(key, num_keys) && str_to_uint(cr->word, &v) < 0) {
		cr->error = "bad number";
		return false;
	}
ok:
	cr->depth--;
	return true;
}

/* check_program - keys up to the end (or to ")" when nested) */
static bool check_program(struct crit *cr, bool nested)
{
	unsigned int n = 0;

	for (;; n++) {
		struct crit peek = *cr;
		enum tok t = next_tok(&peek);

		if (t == T_ERROR) {
			cr->error = peek.error;
			return false;
		}
		if (t == T_END || t == T_CLOSE) {
			if ((t == T_END) == nested) {
				cr->error = nested ? "missing )" :
					"unexpected )";
				return false;
			}
			if (n == 0) {
				cr->error = "empty search program";
				return false;
			}
			cr->p = peek.p;
			return true;
		}
		if (!check_key(cr))
			return false;
	}
}

/* checked_criteria - *criteria ("ALL" when NULL or empty) checked by
 * check_program() before cmd sends it; -1 with *error_r if it fails */
static int checked_criteria(struct imapc *c, const char *cmd,
			    const char **criteria, const char **error_r)
{
	struct crit cr;

	if (*criteria == NULL || (*criteria)[0] == '\0')
		*criteria = "ALL";
	memset(&cr, 0, sizeof(cr));
	cr.p = *criteria;
	cr.first = true;
	if (!check_program(&cr, false)) {
		snprintf(c->error, sizeof(c->error),
			 "%s: bad search program: %s", cmd, cr.error);
		*error_r = c->error;
		return -1;
	}
	return 0;
}

const char *imapc_quote(struct pool *pool, const char *s)
{
	struct buf b;
	const char *out;

	/* a quoted string, never a literal: CR and LF become spaces (a
	 * search string cannot usefully match across lines anyway), which
	 * keeps the program on one line that check_program() accepts */
	buf_init(&b, 0);
	buf_addc(&b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(&b, '\\');
		buf_addc(&b, *s == '\r' || *s == '\n' ? ' ' : *s);
	}
	buf_addc(&b, '"');
	out = p_strdup(pool, b.data);
	buf_free(&b);
	return out;
}

/* ==== sort ============================================================== */

/*
 * mailimap_uid_sort() cannot be used: libetpan 1.9.4 takes an empty
 * "* SORT" (no message matches, or an empty folder) for a failure,
 * MAILIMAP_ERROR_EXTENSION, the same as a NO, and leaks the response
 * each time. mailimap_custom_command() ends the line with a space, which
 * the server refuses. So the command is written with the calls libetpan
 * offers its extensions (mailimap.h): send the tag, write the line, read
 * and parse the response; the parsed "* SORT" stays in the session's
 * response info until the next command, where we copy it from.
 */

struct sort_ctx {
	const char *line;	/* "UID SORT (...) UTF-8 criteria\r\n" */
	clist *result;		/* borrowed from the session, or NULL */
	bool got;		/* a "* SORT" came */
};

static int op_sort(struct imapc *c, void *arg)
{
	struct sort_ctx *ctx = arg;
	struct mailimap_response *resp;
	mailimap *imap = c->imap;
	clistiter *it;
	int r, state;

	ctx->result = NULL;
	ctx->got = false;
	if (imap->imap_state != MAILIMAP_STATE_SELECTED)
		return MAILIMAP_ERROR_BAD_STATE;
	r = mailimap_send_current_tag(imap);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	if (mailstream_write(imap->imap_stream, ctx->line,
			     strlen(ctx->line)) < 0 ||
	    mailstream_flush(imap->imap_stream) < 0 ||
	    mailimap_read_line(imap) == NULL)
		return MAILIMAP_ERROR_STREAM;
	r = mailimap_parse_response(imap, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	state = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->
		rsp_type;
	mailimap_response_free(resp);
	if (state != MAILIMAP_RESP_COND_STATE_OK)
		return state == MAILIMAP_RESP_COND_STATE_BAD ?
			MAILIMAP_ERROR_PROTOCOL : MAILIMAP_ERROR_EXTENSION;
	if (imap->imap_response_info == NULL)
		return MAILIMAP_NO_ERROR;
	for (it = clist_begin(imap->imap_response_info->rsp_extension_list);
	     it != NULL; it = clist_next(it)) {
		const struct mailimap_extension_data *ext = clist_content(it);

		if (ext->ext_extension != NULL &&
		    ext->ext_extension->ext_id == MAILIMAP_EXTENSION_SORT &&
		    !ctx->got) {
			ctx->got = true;
			ctx->result = ext->ext_data;
		}
	}
	return ctx->got ? MAILIMAP_NO_ERROR : MAILIMAP_ERROR_PARSE;
}

static void sort_entry_free(struct sort_entry *e)
{
	free(e->folder);
	free(e->line);
	free(e->uids);
	memset(e, 0, sizeof(*e));
}

static void sort_forget(struct imapc *c)
{
	for (size_t i = 0; i < N_ELEMENTS(c->sorted); i++)
		sort_entry_free(&c->sorted[i]);
}

/* sort_cached - the remembered answer to line, when it still holds (and
 * then it moves to the front) */
static bool sort_cached(struct imapc *c, const char *line, struct pool *pool,
			uint32_t **uids_r, unsigned int *n_r)
{
	struct sort_entry hit;
	size_t i;

	if (c->selected == NULL || c->sel_next == 0)
		return false;
	for (i = 0; i < N_ELEMENTS(c->sorted); i++) {
		const struct sort_entry *e = &c->sorted[i];

		if (e->line != NULL && strcmp(e->line, line) == 0 &&
		    strcmp(e->folder, c->selected) == 0 &&
		    e->validity == c->sel_validity &&
		    e->next == c->sel_next && e->exists == c->sel_exists)
			break;
	}
	if (i == N_ELEMENTS(c->sorted))
		return false;
	hit = c->sorted[i];
	memmove(&c->sorted[1], &c->sorted[0], i * sizeof(c->sorted[0]));
	c->sorted[0] = hit;
	*uids_r = p_new(pool, uint32_t, hit.n + 1);
	memcpy(*uids_r, hit.uids, hit.n * sizeof(uint32_t));
	*n_r = hit.n;
	return true;
}

/* sort_remember - keep an answer whose criteria do not look at flags, in
 * front of the others; the least recently used one goes */
static void sort_remember(struct imapc *c, const char *line,
			  const char *criteria, const uint32_t *uids,
			  unsigned int n)
{
	static const char *const flag_words[] = {
		"SEEN", "FLAGGED", "ANSWERED", "DELETED", "DRAFT", "RECENT",
		"NEW", "OLD", "KEYWORD", "MODSEQ",
	};
	const size_t last = N_ELEMENTS(c->sorted) - 1;
	struct sort_entry *e;

	if (c->selected == NULL || c->sel_next == 0)
		return;
	for (size_t i = 0; i < N_ELEMENTS(flag_words); i++)
		if (strstr(criteria, flag_words[i]) != NULL)
			return;
	/* an older answer to the same question in this folder is stale */
	for (size_t i = 0; i < N_ELEMENTS(c->sorted); i++) {
		e = &c->sorted[i];
		if (e->line != NULL && strcmp(e->line, line) == 0 &&
		    strcmp(e->folder, c->selected) == 0) {
			sort_entry_free(e);
			memmove(e, e + 1, (last - i) * sizeof(*e));
			memset(&c->sorted[last], 0, sizeof(*e));
			break;
		}
	}
	sort_entry_free(&c->sorted[last]);
	memmove(&c->sorted[1], &c->sorted[0], last * sizeof(c->sorted[0]));
	e = &c->sorted[0];
	e->folder = xstrdup(c->selected);
	e->line = xstrdup(line);
	e->validity = c->sel_validity;
	e->next = c->sel_next;
	e->exists = c->sel_exists;
	e->uids = xmalloc((n + 1) * sizeof(uint32_t));
	memcpy(e->uids, uids, n * sizeof(uint32_t));
	e->n = n;
}

int imapc_sort(struct imapc *c, struct pool *pool, enum imapc_sort_key key,
	       bool reverse, const char *criteria, uint32_t **uids_r,
	       unsigned int *n_r, const char **error_r)
{
	static const char *const keys[] = {
		[IMAPC_SORT_DATE] = "DATE",
		[IMAPC_SORT_ARRIVAL] = "ARRIVAL",
		[IMAPC_SORT_FROM] = "FROM",
		[IMAPC_SORT_SUBJECT] = "SUBJECT",
		[IMAPC_SORT_SIZE] = "SIZE",
	};
	struct sort_ctx ctx;
	unsigned int n = 0;
	clistiter *it;
	uint32_t *uids;

	if (checked_criteria(c, "SORT", &criteria, error_r) < 0)
		return -1;
	if ((unsigned int)key >= N_ELEMENTS(keys))
		key = IMAPC_SORT_DATE;
	memset(&ctx, 0, sizeof(ctx));
	ctx.line = p_printf(pool, "UID SORT (%s%s) UTF-8 %s\r\n",
			    reverse ? "REVERSE " : "", keys[key], criteria);
	if (sort_cached(c, ctx.line, pool, uids_r, n_r))
		return 0;
	if (run(c, "UID SORT", op_sort, &ctx, true, error_r) < 0)
		return -1;
	uids = p_new(pool, uint32_t,
		     (ctx.result != NULL ? clist_count(ctx.result) : 0) + 1);
	for (it = ctx.result != NULL ? clist_begin(ctx.result) : NULL;
	     it != NULL; it = clist_next(it))
		uids[n++] = *(uint32_t *)clist_content(it);
	*uids_r = uids;
	*n_r = n;
	sort_remember(c, ctx.line, criteria, uids, n);
	return 0;
}

/* ==== threads =========================================================== */

/*
 * UID THREAD is written and read by hand like UID SORT, and its answer is
 * parsed here as well: libetpan 1.9.4 knows no THREAD, and its response
 * parser stops at the "* THREAD" line it does not know. Until the tagged
 * answer every line is ours to read; no answer to this command carries a
 * literal, so a line that announces one means we are out of step.
 */

struct thread_ctx {
	const char *line;	/* "UID THREAD REFERENCES UTF-8 ...\r\n" */
	struct pool *pool;
	const char *data;	/* what followed "* THREAD", or NULL */
	char resp[256];		/* the server's text with a NO or BAD */
};

static int op_thread(struct imapc *c, void *arg)
{
	struct thread_ctx *ctx = arg;
	mailimap *imap = c->imap;
	int r;

	ctx->data = NULL;
	ctx->resp[0] = '\0';
	if (imap->imap_state != MAILIMAP_STATE_SELECTED)
		return MAILIMAP_ERROR_BAD_STATE;
	r = mailimap_send_current_tag(imap);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	if (mailstream_write(imap->imap_stream, ctx->line,
			     strlen(ctx->line)) < 0 ||
	    mailstream_flush(imap->imap_stream) < 0)
		return MAILIMAP_ERROR_STREAM;
	for (;;) {
		const char *l = mailimap_read_line(imap), *sp;
		size_t len;

		if (l == NULL)
			return MAILIMAP_ERROR_STREAM;
		len = strlen(l);
		while (len > 0 && (l[len - 1] == '\n' || l[len - 1] == '\r'))
			len--;
		if (len > 0 && l[len - 1] == '}')
			return MAILIMAP_ERROR_PARSE;	/* a literal */
		if (len >= 2 && l[0] == '*' && l[1] == ' ') {
			if (len >= 8 && strncasecmp(l + 2, "THREAD", 6) == 0 &&
			    (len == 8 || l[8] == ' ') && ctx->data == NULL)
				ctx->data = p_strndup(ctx->pool, l + 8,
						      len - 8);
			continue;	/* EXISTS, FETCH FLAGS, ... */
		}
		/* the tagged answer: "tag OK|NO|BAD text" */
		sp = memchr(l, ' ', len);
		if (l[0] == '+' || sp == NULL)
			return MAILIMAP_ERROR_PARSE;
		if ((size_t)(l + len - sp) >= 3 &&
		    strncasecmp(sp + 1, "OK", 2) == 0)
			return ctx->data != NULL ? MAILIMAP_NO_ERROR :
				MAILIMAP_ERROR_PARSE;
		snprintf(ctx->resp, sizeof(ctx->resp), "%.*s",
			 (int)(l + len - sp - 1), sp + 1);
		return strncasecmp(sp + 1, "BAD", 3) == 0 ?
			MAILIMAP_ERROR_PROTOCOL : MAILIMAP_ERROR_EXTENSION;
	}
}

/* thread_parse - the thread-list of a THREAD answer (RFC 5256 section 5)
 *
 *   thread-list    = "(" (thread-members / thread-nested) ")"
 *   thread-members = nz-number *(SP nz-number) [SP thread-nested]
 *   thread-nested  = 2*thread-list
 *
 * as messages in display order with their depth: a number is the reply
 * to the number before it in its list; the lists nested in a list hold
 * the replies to its last number or, when it has none (a parent that is
 * not there), are each other's siblings. An explicit stack, so the
 * answer's nesting costs no C stack; -1 when it is malformed. */
static int thread_parse(struct pool *pool, const char *s,
			struct imapc_threads *t)
{
	struct frame {
		unsigned int base;	/* depth of a first number */
		unsigned int items;	/* numbers and lists so far */
		bool has_last, nested;
		unsigned int last;	/* depth of the last number */
	} *stack;
	unsigned int nums = 0, opens = 0, sp = 0;
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '(')
			opens++;
		else if (isdigit((unsigned char)*p) &&
			 (p == s || !isdigit((unsigned char)p[-1])))
			nums++;
	}
	t->msgs = p_new(pool, struct imapc_thread_msg, nums + 1);
	t->start = p_new(pool, unsigned int, opens + 2);
	stack = p_new(pool, struct frame, opens + 1);
	t->nmsgs = t->n = 0;
	for (p = s; *p != '\0';) {
		struct frame *f = sp > 0 ? &stack[sp - 1] : NULL;

		if (*p == ' ') {
			p++;
		} else if (*p == '(') {
			if (f == NULL) {
				t->start[t->n++] = t->nmsgs;
				stack[sp++] = (struct frame){ .base = 0 };
			} else {
				f->items++;
				f->nested = true;
				stack[sp++] = (struct frame){
					.base = f->has_last ? f->last + 1 :
						f->base };
			}
			p++;
		} else if (*p == ')') {
			if (f == NULL || f->items == 0)
				return -1;
			sp--;
			p++;
		} else if (isdigit((unsigned char)*p)) {
			uint64_t v = 0;

			for (; isdigit((unsigned char)*p); p++) {
				v = v * 10 + (uint64_t)(*p - '0');
				if (v > UINT32_MAX)
					return -1;
			}
			if (f == NULL || f->nested || v == 0)
				return -1;
			f->last = f->has_last ? f->last + 1 : f->base;
			f->has_last = true;
			f->items++;
			t->msgs[t->nmsgs].uid = (uint32_t)v;
			t->msgs[t->nmsgs].depth = f->last;
			t->nmsgs++;
		} else {
			return -1;
		}
	}
	if (sp != 0)
		return -1;
	t->start[t->n] = t->nmsgs;
	return 0;
}

int imapc_thread(struct imapc *c, struct pool *pool, const char *criteria,
		 struct imapc_threads *threads_r, const char **error_r)
{
	struct thread_ctx ctx;

	if (checked_criteria(c, "THREAD", &criteria, error_r) < 0)
		return -1;
	memset(&ctx, 0, sizeof(ctx));
	ctx.pool = pool;
	ctx.line = p_printf(pool, "UID THREAD REFERENCES UTF-8 %s\r\n",
			    criteria);
	if (run(c, "UID THREAD", op_thread, &ctx, true, error_r) < 0) {
		/* fail() would add the text of an earlier command */
		if (ctx.resp[0] != '\0') {
			snprintf(c->error, sizeof(c->error),
				 "UID THREAD failed: %s", ctx.resp);
			*error_r = c->error;
		}
		return -1;
	}
	if (thread_parse(pool, ctx.data, threads_r) < 0) {
		*error_r = fail_text(c, "UID THREAD: unparsable answer");
		return -1;
	}
	return 0;
}

/* ==== summaries ========================================================= */

static time_t internal_time(const struct mailimap_date_time *dt)
{
	struct tm tm;
	int zone, off;

	if (dt == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = dt->dt_day;
	tm.tm_mon = dt->dt_month - 1;
	tm.tm_year = dt->dt_year - 1900;
	tm.tm_hour = dt->dt_hour;
	tm.tm_min = dt->dt_min;
	tm.tm_sec = dt->dt_sec;
	/* libetpan keeps the zone as the decimal number it read: -0130
	 * is -130 */
	zone = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;
	off = (zone / 100) * 3600 + (zone % 100) * 60;
	return timegm(&tm) - (dt->dt_zone < 0 ? -off : off);
}

static time_t header_time(const char *date)
{
	GDateTime *dt;
	time_t t;

	if (date == NULL || date[0] == '\0')
		return 0;
	gmime_ready();
	dt = g_mime_utils_header_decode_date(date);
	if (dt == NULL)
		return 0;
	t = (time_t)g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

static const char *addr_spec(struct pool *pool,
			     const struct mailimap_address *a)
{
	if (a->ad_host_name == NULL || a->ad_host_name[0] == '\0')
		return p_strdup(pool, a->ad_mailbox_name);
	return p_printf(pool, "%s@%s", a->ad_mailbox_name, a->ad_host_name);
}

/* address_list - "Name <a@b>, c@d" of the addresses in list (group
 * markers, which have no host, are left out) */
static const char *address_list(struct pool *pool, clist *list)
{
	struct buf b;
	clistiter *it;
	const char *out;

	if (list == NULL)
		return "";
	buf_init(&b, 0);
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		const struct mailimap_address *a = clist_content(it);
		const char *name;

		if (a->ad_mailbox_name == NULL || a->ad_host_name == NULL)
			continue;
		if (b.len > 0)
			buf_adds(&b, ", ");
		name = decode(pool, a->ad_personal_name, true);
		if (name[0] != '\0')
			buf_addf(&b, "%s <%s>", name, addr_spec(pool, a));
		else
			buf_adds(&b, addr_spec(pool, a));
	}
	out = p_strdup(pool, b.len > 0 ? b.data : "");
	buf_free(&b);
	return out;
}

static void envelope(struct pool *pool, const struct mailimap_envelope *env,
		     struct imapc_summary *s)
{
	clistiter *it;

	s->subject = decode(pool, env->env_subject, false);
	s->date = header_time(env->env_date);
	/* NIL (no From: at all) gives a From with no list */
	if (env->env_from != NULL && env->env_from->frm_list != NULL) {
		for (it = clist_begin(env->env_from->frm_list); it != NULL;
		     it = clist_next(it)) {
			const struct mailimap_address *a = clist_content(it);

			if (a->ad_mailbox_name == NULL ||
			    a->ad_host_name == NULL)
				continue;
			s->from_name = decode(pool, a->ad_personal_name,
					      true);
			s->from_addr = addr_spec(pool, a);
			break;
		}
	}
	if (env->env_to != NULL)
		s->to = address_list(pool, env->env_to->to_list);
}

static void flags(const struct mailimap_msg_att_dynamic *dyn,
		  struct imapc_summary *s)
{
	clistiter *it;

	if (dyn == NULL || dyn->att_list == NULL)
		return;
	for (it = clist_begin(dyn->att_list); it != NULL;
	     it = clist_next(it)) {
		const struct mailimap_flag_fetch *ff = clist_content(it);

		if (ff->fl_type != MAILIMAP_FLAG_FETCH_OTHER ||
		    ff->fl_flag == NULL)
			continue;
		switch (ff->fl_flag->fl_type) {
		case MAILIMAP_FLAG_SEEN:
			s->seen = true;
			break;
		case MAILIMAP_FLAG_FLAGGED:
			s->flagged = true;
			break;
		case MAILIMAP_FLAG_ANSWERED:
			s->answered = true;
			break;
		case MAILIMAP_FLAG_DELETED:
			s->deleted = true;
			break;
		case MAILIMAP_FLAG_KEYWORD:
			if (ff->fl_flag->fl_data.fl_keyword != NULL &&
			    strcasecmp(ff->fl_flag->fl_data.fl_keyword,
				       IMAPC_HAS_ATTACHMENT) == 0)
				s->has_attachment = true;
			break;
		default:
			break;
		}
	}
}

struct summaries_ctx {
	struct pool *pool;
	const uint32_t *sorted;		/* what we ask for */
	unsigned int m;
	struct imapc_summary *got;	/* by index into sorted */
	bool *have;
};

/* one_summary - fill ctx->got from one FETCH response; responses for
 * messages we did not ask about (unsolicited ones) are ignored */
static void one_summary(struct summaries_ctx *ctx,
			const struct mailimap_msg_att *ma)
{
	struct imapc_summary s;
	const struct mailimap_date_time *idate = NULL;
	const uint32_t *hit;
	clistiter *it;

	memset(&s, 0, sizeof(s));
	s.subject = s.from_name = s.from_addr = s.to = "";
	for (it = clist_begin(ma->att_list); it != NULL; it = clist_next(it)) {
		const struct mailimap_msg_att_item *item = clist_content(it);
		const struct mailimap_msg_att_static *st;

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
			flags(item->att_data.att_dyn, &s);
			continue;
		}
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
		    (st = item->att_data.att_static) == NULL)
			continue;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			s.uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_ENVELOPE:
			if (st->att_data.att_env != NULL)
				envelope(ctx->pool, st->att_data.att_env, &s);
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			s.size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			idate = st->att_data.att_internal_date;
			break;
		default:
			break;
		}
	}
	if (s.date == 0)
		s.date = internal_time(idate);
	hit = bsearch(&s.uid, ctx->sorted, ctx->m, sizeof(*ctx->sorted),
		      uid_cmp);
	if (s.uid == 0 || hit == NULL)
		return;
	ctx->got[hit - ctx->sorted] = s;
	ctx->have[hit - ctx->sorted] = true;
}

static int op_summaries(struct imapc *c, void *arg)
{
	struct summaries_ctx *ctx = arg;
	struct mailimap_fetch_type *ft;
	unsigned int pos = 0;
	int r = MAILIMAP_NO_ERROR;

	memset(ctx->have, 0, sizeof(*ctx->have) * ctx->m);
	ft = must(mailimap_fetch_type_new_fetch_att_list_empty());
	must_ok(mailimap_fetch_type_new_fetch_att_list_add(ft,
		must(mailimap_fetch_att_new_uid())));
	must_ok(mailimap_fetch_type_new_fetch_att_list_add(ft,
		must(mailimap_fetch_att_new_flags())));
	must_ok(mailimap_fetch_type_new_fetch_att_list_add(ft,
		must(mailimap_fetch_att_new_envelope())));
	must_ok(mailimap_fetch_type_new_fetch_att_list_add(ft,
		must(mailimap_fetch_att_new_rfc822_size())));
	must_ok(mailimap_fetch_type_new_fetch_att_list_add(ft,
		must(mailimap_fetch_att_new_internaldate())));
	while (pos < ctx->m && r == MAILIMAP_NO_ERROR) {
		struct mailimap_set *set = next_set(ctx->sorted, ctx->m, &pos);
		clist *list = NULL;
		clistiter *it;

		r = mailimap_uid_fetch(c->imap, set, ft, &list);
		mailimap_set_free(set);
		if (r != MAILIMAP_NO_ERROR)
			break;
		for (it = clist_begin(list); it != NULL; it = clist_next(it))
			one_summary(ctx, clist_content(it));
		mailimap_fetch_list_free(list);
	}
	mailimap_fetch_type_free(ft);
	return r;
}

int imapc_summaries(struct imapc *c, struct pool *pool,
		    const uint32_t *uids, unsigned int n,
		    struct imapc_summary **out_r, unsigned int *n_r,
		    const char **error_r)
{
	struct summaries_ctx ctx = { .pool = pool };
	struct imapc_summary *out;
	unsigned int i, k = 0;
	uint32_t *sorted;
	int ret;

	sorted = sorted_uids(uids, n, &ctx.m);
	ctx.sorted = sorted;
	ctx.got = xcalloc(ctx.m + 1, sizeof(*ctx.got));
	ctx.have = xcalloc(ctx.m + 1, sizeof(*ctx.have));
	ret = ctx.m == 0 ? 0 :
		run(c, "UID FETCH", op_summaries, &ctx, true, error_r);
	if (ret == 0) {
		out = p_new(pool, struct imapc_summary, n + 1);
		for (i = 0; i < n; i++) {
			const uint32_t *hit = bsearch(&uids[i], sorted, ctx.m,
						      sizeof(*sorted),
						      uid_cmp);

			if (hit != NULL && ctx.have[hit - sorted])
				out[k++] = ctx.got[hit - sorted];
		}
		*out_r = out;
		*n_r = k;
	}
	free(ctx.have);
	free(ctx.got);
	free(sorted);
	return ret;
}

/* ==== one message ======================================================= */

struct message_ctx {
	struct pool *pool;
	uint32_t uid;
	const char *data;
	size_t len;
	bool seen;
};

static int op_message(struct imapc *c, void *arg)
{
	struct message_ctx *ctx = arg;
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *list = NULL;
	clistiter *it, *jt;
	int r;

	ctx->data = NULL;
	ctx->len = 0;
	ctx->seen = false;
	ft = must(mailimap_fetch_type_new_fetch_att_list_empty());
	must_ok(mailimap_fetch_type_new_fetch_att_list_add(ft,
		must(mailimap_fetch_att_new_uid())));
	must_ok(mailimap_fetch_type_new_fetch_att_list_add(ft,
		must(mailimap_fetch_att_new_flags())));
	must_ok(mailimap_fetch_type_new_fetch_att_list_add(ft,
		must(mailimap_fetch_att_new_body_peek_section(
			must(mailimap_section_new(NULL))))));
	set = must(mailimap_set_new_single(ctx->uid));
	r = mailimap_uid_fetch(c->imap, set, ft, &list);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		const struct mailimap_msg_att *ma = clist_content(it);
		const struct mailimap_msg_att_body_section *sec = NULL;
		struct imapc_summary fl;
		uint32_t uid = 0;

		memset(&fl, 0, sizeof(fl));
		for (jt = clist_begin(ma->att_list); jt != NULL;
		     jt = clist_next(jt)) {
			const struct mailimap_msg_att_item *item =
				clist_content(jt);
			const struct mailimap_msg_att_static *st;

			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC)
				flags(item->att_data.att_dyn, &fl);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
			    (st = item->att_data.att_static) == NULL)
				continue;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION)
				sec = st->att_data.att_body_section;
		}
		if (uid != ctx->uid || sec == NULL)
			continue;
		ctx->seen = fl.seen;
		/* NIL (no body at all) is an empty message, not a
		 * missing one; one byte more for a NUL after the data */
		ctx->len = sec->sec_body_part != NULL ? sec->sec_length : 0;
		ctx->data = p_alloc(ctx->pool, ctx->len + 1);
		if (ctx->len > 0)
			memcpy((char *)ctx->data, sec->sec_body_part, ctx->len);
		break;
	}
	mailimap_fetch_list_free(list);
	return MAILIMAP_NO_ERROR;
}

int imapc_fetch_message(struct imapc *c, struct pool *pool, uint32_t uid,
			const char **data_r, size_t *len_r, bool *seen_r,
			const char **error_r)
{
	struct message_ctx ctx = { pool, uid, NULL, 0, false };

	*data_r = NULL;
	*len_r = 0;
	if (seen_r != NULL)
		*seen_r = false;
	if (uid == 0)
		return 0;
	if (run(c, "UID FETCH BODY.PEEK[]", op_message, &ctx, true,
		error_r) < 0)
		return -1;
	*data_r = ctx.data;
	*len_r = ctx.len;
	if (seen_r != NULL)
		*seen_r = ctx.seen;
	return 0;
}

/* ==== changes =========================================================== */

/* new_flag - libetpan's flag for "\\Seen" and the like or a keyword; NULL
 * for something that is neither (it would be sent as it is) */
static struct mailimap_flag *new_flag(const char *name)
{
	static const struct {
		const char *name;
		struct mailimap_flag *(*fn)(void);
	} sys[] = {
		{ "\\Seen", mailimap_flag_new_seen },
		{ "\\Flagged", mailimap_flag_new_flagged },
		{ "\\Deleted", mailimap_flag_new_deleted },
		{ "\\Answered", mailimap_flag_new_answered },
		{ "\\Draft", mailimap_flag_new_draft },
	};
	const char *p;
	size_t i;

	for (i = 0; i < N_ELEMENTS(sys); i++) {
		if (strcasecmp(name, sys[i].name) == 0)
			return must(sys[i].fn());
	}
	if (name[0] == '\0' || strlen(name) > 100)
		return NULL;
	for (p = name; *p != '\0'; p++) {
		if (!atom_char((unsigned char)*p) || *p == '%' || *p == '*' ||
		    *p == ']' || (unsigned char)*p > 0x7e)
			return NULL;
	}
	return must(mailimap_flag_new_flag_keyword(xstrdup(name)));
}

/* an operation on sets of UIDs, one command per SET_MAX_ITEMS intervals */
struct uids_ctx {
	const uint32_t *sorted;
	unsigned int m;
	unsigned int done;	/* uids handled by earlier commands */
	struct mailimap_store_att_flags *store;
	const char *dest;
};

/* for_sets - fn on each set; a retry after a connection error starts at
 * the set that failed, the earlier ones are done */
static int for_sets(struct imapc *c, struct uids_ctx *ctx,
		    int (*fn)(mailimap *, struct mailimap_set *,
			      struct uids_ctx *))
{
	int r = MAILIMAP_NO_ERROR;

	while (ctx->done < ctx->m) {
		unsigned int pos = ctx->done;
		struct mailimap_set *set = next_set(ctx->sorted, ctx->m, &pos);

		r = fn(c->imap, set, ctx);
		mailimap_set_free(set);
		if (r != MAILIMAP_NO_ERROR)
			break;
		ctx->done = pos;
	}
	return r;
}

static int set_store(mailimap *imap, struct mailimap_set *set,
		     struct uids_ctx *ctx)
{
	return mailimap_uid_store(imap, set, ctx->store);
}

static int op_store(struct imapc *c, void *arg)
{
	return for_sets(c, arg, set_store);
}

int imapc_store_flag(struct imapc *c, const uint32_t *uids, unsigned int n,
		     const char *flag, bool add, const char **error_r)
{
	struct uids_ctx ctx;
	struct mailimap_flag_list *fl;
	struct mailimap_flag *f;
	uint32_t *sorted;
	int ret;

	f = new_flag(flag);
	if (f == NULL) {
		*error_r = fail_text(c, "STORE: invalid flag");
		return -1;
	}
	fl = must(mailimap_flag_list_new_empty());
	must_ok(mailimap_flag_list_add(fl, f));
	memset(&ctx, 0, sizeof(ctx));
	/* the store attribute owns the flag list */
	ctx.store = must(add ?
		mailimap_store_att_flags_new_add_flags_silent(fl) :
		mailimap_store_att_flags_new_remove_flags_silent(fl));
	sorted = sorted_uids(uids, n, &ctx.m);
	ctx.sorted = sorted;
	ret = run(c, "UID STORE", op_store, &ctx, true, error_r);
	mailimap_store_att_flags_free(ctx.store);
	free(sorted);
	return ret;
}

static int set_expunge(mailimap *imap, struct mailimap_set *set,
		       struct uids_ctx *ctx)
{
	(void)ctx;
	return mailimap_uid_expunge(imap, set);
}

static int op_expunge(struct imapc *c, void *arg)
{
	return for_sets(c, arg, set_expunge);
}

int imapc_expunge(struct imapc *c, const uint32_t *uids, unsigned int n,
		  const char **error_r)
{
	struct uids_ctx ctx;
	uint32_t *sorted;
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	sorted = sorted_uids(uids, n, &ctx.m);
	ctx.sorted = sorted;
	ret = run(c, "UID EXPUNGE", op_expunge, &ctx, true, error_r);
	free(sorted);
	return ret;
}

/* set_move - UID MOVE (RFC 6851), or where the server lacks it the
 * classic UID COPY, flag \Deleted, UID EXPUNGE (needs UIDPLUS, so that
 * only these messages go) */
static int set_move(mailimap *imap, struct mailimap_set *set,
		    struct uids_ctx *ctx)
{
	struct mailimap_store_att_flags *sa;
	struct mailimap_flag_list *fl;
	int r;

	if (mailimap_has_extension(imap, "MOVE"))
		return mailimap_uid_move(imap, set, ctx->dest);
	if (!mailimap_has_uidplus(imap))
		return MAILIMAP_ERROR_EXTENSION;
	r = mailimap_uid_copy(imap, set, ctx->dest);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	fl = must(mailimap_flag_list_new_empty());
	must_ok(mailimap_flag_list_add(fl, must(mailimap_flag_new_deleted())));
	sa = must(mailimap_store_att_flags_new_add_flags_silent(fl));
	r = mailimap_uid_store(imap, set, sa);
	mailimap_store_att_flags_free(sa);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	return mailimap_uid_expunge(imap, set);
}

static int op_move(struct imapc *c, void *arg)
{
	return for_sets(c, arg, set_move);
}

int imapc_move(struct imapc *c, const uint32_t *uids, unsigned int n,
	       const char *raw, const char **error_r)
{
	struct uids_ctx ctx;
	uint32_t *sorted;
	int ret;

	if (!name_ok(raw)) {
		*error_r = fail_text(c, "MOVE: invalid folder name");
		return -1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.dest = raw;
	sorted = sorted_uids(uids, n, &ctx.m);
	ctx.sorted = sorted;
	ret = run(c, "UID MOVE", op_move, &ctx, false, error_r);
	free(sorted);
	return ret;
}

/* ---- APPEND ---- */

struct append_ctx {
	const char *dest;
	const char *const *flags;
	const char *data;
	size_t len;
	uint32_t uid;
};

static int op_append(struct imapc *c, void *arg)
{
	struct append_ctx *ctx = arg;
	struct mailimap_flag_list *fl;
	uint32_t uidvalidity = 0, uid = 0;
	unsigned int i;
	int r;

	fl = must(mailimap_flag_list_new_empty());
	for (i = 0; ctx->flags != NULL && ctx->flags[i] != NULL; i++) {
		struct mailimap_flag *flag = new_flag(ctx->flags[i]);

		if (flag != NULL)	/* our own constants: always valid */
			must_ok(mailimap_flag_list_add(fl, flag));
	}
	r = mailimap_uidplus_append(c->imap, ctx->dest, fl, NULL, ctx->data,
				    ctx->len, &uidvalidity, &uid);
	mailimap_flag_list_free(fl);
	if (r == MAILIMAP_NO_ERROR)
		ctx->uid = uid;
	return r;
}

int imapc_append(struct imapc *c, const char *raw, const char *const *flags,
		 const char *data, size_t len, uint32_t *uid_r,
		 const char **error_r)
{
	struct append_ctx ctx = {
		.dest = raw, .flags = flags, .data = data, .len = len,
	};

	if (!name_ok(raw)) {
		*error_r = fail_text(c, "APPEND: invalid folder name");
		return -1;
	}
	/* not retried: a connection lost after the server took the
	 * literal may have stored it, and a second copy is worse than a
	 * clear error the user can act on */
	if (run(c, "APPEND", op_append, &ctx, false, error_r) < 0)
		return -1;
	if (uid_r != NULL)
		*uid_r = ctx.uid;
	return 0;
}

/* ---- folder management ---- */

struct names_ctx {
	const char *a, *b;
};

static int op_create(struct imapc *c, void *arg)
{
	return mailimap_create(c->imap, ((struct names_ctx *)arg)->a);
}

static int op_rename(struct imapc *c, void *arg)
{
	struct names_ctx *ctx = arg;

	return mailimap_rename(c->imap, ctx->a, ctx->b);
}

static int op_delete(struct imapc *c, void *arg)
{
	return mailimap_delete(c->imap, ((struct names_ctx *)arg)->a);
}

/* folder_op - CREATE, RENAME or DELETE; not repeated after a connection
 * error (the first one may have been done: "already exists") */
static int folder_op(struct imapc *c, const char *what, imap_op_fn *fn,
		     const char *a, const char *b, const char **error_r)
{
	struct names_ctx ctx = { a, b };

	if (!name_ok(a) || (b != NULL && !name_ok(b))) {
		snprintf(c->error, sizeof(c->error),
			 "%s: invalid folder name", what);
		*error_r = c->error;
		return -1;
	}
	if (run(c, what, fn, &ctx, false, error_r) < 0)
		return -1;
	/* the selected folder is gone or has another name now: not one
	 * to select again after a reconnect */
	if (fn != op_create && c->selected != NULL &&
	    strcmp(c->selected, a) == 0) {
		free(c->selected);
		c->selected = NULL;
	}
	return 0;
}

int imapc_create(struct imapc *c, const char *raw, const char **error_r)
{
	return folder_op(c, "CREATE", op_create, raw, NULL, error_r);
}

int imapc_rename(struct imapc *c, const char *from, const char *to,
		 const char **error_r)
{
	return folder_op(c, "RENAME", op_rename, from, to, error_r);
}

int imapc_delete(struct imapc *c, const char *raw, const char **error_r)
{
	return folder_op(c, "DELETE", op_delete, raw, NULL, error_r);
}
