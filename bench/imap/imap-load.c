/*
 * imap-load.c - IMAP load generator for bench/imap/run.py.
 *
 * One process, one epoll loop, N plain-text IMAP connections, each with
 * one command in flight at a time (a closed loop: the next command goes
 * out when the previous one is answered). Built by run.py with
 *
 *   cc -O2 -o imap-load imap-load.c
 *
 * and nothing but libc. Modes:
 *
 *   load      N clients log in, SELECT INBOX, wait for each other, then
 *             for --duration seconds run a weighted mix of
 *               page    UID FETCH lo:hi (FLAGS ENVELOPE), 50 messages
 *               body    UID FETCH u BODY.PEEK[]
 *               store   UID STORE u +FLAGS (\Seen) or -FLAGS (\Seen)
 *               search  UID SEARCH UNSEEN or UID SEARCH FROM "senderNN"
 *               append  APPEND INBOX {~5 KB}, a synchronizing literal
 *               noop    NOOP
 *               idle    IDLE, DONE after --idle-ms (the hold is not in
 *                       the latency: entering plus leaving is)
 *             and print count, ops/s, p50 and p99 per command.
 *   idle      K clients log in, SELECT INBOX and enter IDLE (at most
 *             --ramp of them logging in at once, at most --rate new
 *             connections a second); prints "HOLDING k" when
 *             all are idling, holds them for --duration seconds or until
 *             SIGUSR1 (run.py sends it once it has measured the server),
 *             then prints what happened during the hold.
 *   latency   --iterations times, one after the other: connect, LOGIN,
 *             then time SELECT INBOX and UID FETCH of the last 50
 *             messages (FLAGS ENVELOPE), LOGOUT.
 *   populate  APPEND --count messages to every user's INBOX, N users at
 *             a time (varied senders, subjects, dates, 1-8 KB).
 *
 * Users come from --users FILE ("login password" per line) or --user
 * and --password; client i logs in as user i mod users.
 *
 * Output: a table on stdout, and with --json one JSON object on the last
 * line. Latencies go to a log-linear histogram (1/64 resolution per
 * power of two, microseconds), so memory does not grow with the run.
 *
 * Bounded: --duration is capped at one hour; every mode ends at most
 * --timeout seconds (default duration + 120) after it starts, whatever
 * the server does; a command not answered within --cmd-timeout seconds
 * (60) ends its connection; a response line or literal over 64 MB ends the
 * connection; connections only go to the address given (run.py uses
 * 127.0.0.1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS	60000
#define MAX_DURATION	3600
#define RBUF_MAX	(64u << 20)
#define PAGE		50
#define HIST_SUB	64
#define HIST_BUCKETS	(HIST_SUB * 40)
#define GRACE_NS	(10ull * 1000000000ull)

/* ==== command kinds and statistics ===================================== */

enum kind {
	K_PAGE, K_BODY, K_STORE, K_SEARCH, K_APPEND, K_NOOP, K_IDLE,
	K_LOGIN, K_SELECT, K_FETCH50,
	K_COUNT
};

static const char *const kind_name[K_COUNT] = {
	"page", "body", "store", "search", "append", "noop", "idle",
	"login", "select", "fetch50",
};

/* the mix of the load mode; weights settable with --mix */
static unsigned int mix[K_IDLE + 1] = { 15, 25, 15, 10, 5, 20, 10 };

struct hist {
	uint64_t count;
	uint64_t errors;
	uint64_t sum_us;
	uint64_t max_us;
	uint64_t b[HIST_BUCKETS];
};

static struct hist stats[K_COUNT];

/* hist_index - bucket of a value in microseconds */
static unsigned int hist_index(uint64_t v)
{
	unsigned int e, idx;

	if (v < HIST_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);	/* v in [2^e, 2^e+1) */
	idx = (e - 5) * HIST_SUB + (unsigned int)((v >> (e - 6)) - HIST_SUB);
	return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* hist_value - lower bound of a bucket, in microseconds */
static uint64_t hist_value(unsigned int idx)
{
	unsigned int k = idx / HIST_SUB, m = idx % HIST_SUB;

	if (k == 0)
		return idx;
	return (uint64_t)(HIST_SUB + m) << (k - 1);
}

static void hist_add(struct hist *h, uint64_t us)
{
	h->count++;
	h->sum_us += us;
	if (us > h->max_us)
		h->max_us = us;
	h->b[hist_index(us)]++;
}

/* hist_pct - the p-th percentile (0 < p <= 100), in milliseconds */
static double hist_pct(const struct hist *h, double p)
{
	uint64_t want, seen = 0;
	unsigned int i;

	if (h->count == 0)
		return 0.0;
	want = (uint64_t)((double)h->count * p / 100.0 + 0.999999);
	if (want == 0)
		want = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want)
			return (double)hist_value(i) / 1000.0;
	}
	return (double)h->max_us / 1000.0;
}

/* ==== options ========================================================== */

enum mode { M_LOAD, M_IDLE, M_LATENCY, M_POPULATE };

static struct {
	enum mode mode;
	struct sockaddr_in addr;
	unsigned int clients;
	double duration;
	double timeout;
	unsigned int idle_ms;
	unsigned int ramp;
	unsigned int rate;
	unsigned int cmd_timeout;
	unsigned int iterations;
	unsigned int count;
	unsigned int msg_size;
	bool json;
	const char *label;
} opt = {
	.mode = M_LOAD,
	.clients = 50,
	.duration = 30.0,
	.timeout = 0.0,
	.idle_ms = 200,
	.ramp = 100,
	.cmd_timeout = 60,
	.iterations = 20,
	.count = 100,
	.msg_size = 5120,
};

struct user {
	char *login;
	char *password;
};

static struct user *users;
static unsigned int nusers;

/* ==== small helpers ==================================================== */

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("imap-load: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* rnd - xorshift64*, one state per client */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* parse_uint - a whole decimal number within [lo, hi] */
static unsigned int parse_uint(const char *what, const char *s,
			       unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		die("%s: want a number in %lu..%lu, not '%s'", what, lo, hi, s);
	return (unsigned int)v;
}

/* quote - s as an IMAP quoted string into out (size >= 2*len+3) */
static void quote(char *out, const char *s)
{
	*out++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*out++ = '\\';
		*out++ = *s;
	}
	*out++ = '"';
	*out = '\0';
}

/* ==== messages ========================================================= */

static const char *const words[] = {
	"budget", "meeting", "release", "report", "holiday", "server",
	"invoice", "schedule", "review", "lunch", "project", "update",
	"question", "contract", "design", "migration", "backup", "training",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/*
 * make_message - a plausible message of about size octets with CRLF line
 * ends, into a malloc'd buffer; *len_r gets its length. seq makes the
 * Message-ID unique, r picks sender, subject and date.
 */
static char *make_message(uint64_t seq, uint64_t r, unsigned int size,
			  size_t *len_r)
{
	size_t cap = (size_t)size + 1024, len;
	char *m = xmalloc(cap);
	unsigned int sender = (unsigned int)(r % 20);
	unsigned int w1 = (unsigned int)((r >> 8) % N_WORDS);
	unsigned int w2 = (unsigned int)((r >> 16) % N_WORDS);
	unsigned int day = (unsigned int)((r >> 24) % 28) + 1;
	unsigned int mon = (unsigned int)((r >> 32) % 12);
	int n;

	n = snprintf(m, cap,
		     "From: Sender %02u <sender%02u@example.net>\r\n"
		     "To: Bench User <user@example.test>\r\n"
		     "Subject: %s %s %llu\r\n"
		     "Date: %s, %02u %s 2024 %02u:%02u:00 +0000\r\n"
		     "Message-ID: <bench-%llu-%llu@example.net>\r\n"
		     "MIME-Version: 1.0\r\n"
		     "Content-Type: text/plain; charset=us-ascii\r\n"
		     "\r\n",
		     sender, sender, words[w1], words[w2],
		     (unsigned long long)seq, "Mon", day, months[mon],
		     (unsigned int)((r >> 40) % 24),
		     (unsigned int)((r >> 48) % 60),
		     (unsigned long long)seq,
		     (unsigned long long)(r & 0xffffff));
	len = (size_t)n;
	while (len + 80 < size) {
		n = snprintf(m + len, cap - len,
			     "The %s for the %s is ready; line %zu of the "
			     "body text.\r\n", words[(len / 7) % N_WORDS],
			     words[(len / 13) % N_WORDS], len);
		len += (size_t)n;
	}
	*len_r = len;
	return m;
}

/* ==== clients ========================================================== */

enum cstate {
	S_FREE,			/* not connected */
	S_CONNECTING,
	S_GREETING,
	S_LOGIN,
	S_SELECT,
	S_BARRIER,		/* logged in, waiting for the start */
	S_READY,		/* may send the next command */
	S_WAIT,			/* a command is in flight */
	S_APPEND_CONT,		/* APPEND sent, waiting for "+" */
	S_IDLE_CONT,		/* IDLE sent, waiting for "+" */
	S_IDLE_HOLD,		/* idling until wake_at */
	S_IDLE_DONE,		/* DONE sent, waiting for the tagged OK */
	S_LOGOUT,
	S_DEAD,
};

struct client {
	unsigned int id;
	int fd;
	unsigned int gen;	/* bumped at every close */
	enum cstate state;
	unsigned int user;
	uint64_t rng;

	char *rbuf;
	size_t rlen, rcap;
	uint64_t lit_left;	/* octets of a literal still to skip */
	bool cont;		/* next line continues a response */

	char *wbuf;
	size_t wlen, woff, wcap;

	char tag[16];
	unsigned long tagn;
	enum kind kind;		/* of the command in flight */
	uint64_t t_start, t_mark, wake_at;
	uint64_t idle_enter_ns;

	uint32_t exists, uidnext;

	/* append: the literal waiting for its "+" */
	char *literal;
	size_t literal_len;

	/* per-mode progress */
	unsigned int done_count;	/* populate: appended for this user */
	unsigned int round;		/* latency: iterations done */
};

static struct client *cl;
static int epfd;
static uint64_t t_begin, t_measure, t_stop, t_deadline;
static bool measuring, stopping;
static unsigned int n_ready, n_dead, n_holding, n_connecting;
static unsigned int next_user;		/* populate: next user to take */
static uint64_t disconnects, protocol_errors, connect_failures;
static uint64_t hold_lost;
static uint64_t msg_seq;
static volatile sig_atomic_t release;	/* SIGUSR1: end the IDLE hold */

static void on_usr1(int sig)
{
	(void)sig;
	release = 1;
}

static void client_fail(struct client *c, const char *why);
static void next_command(struct client *c);

/* ---- output ---------------------------------------------------------- */

/* flush_out - write what can be written. A write error drops the output
 * and leaves the failure to the read side (EOF or error comes next), so
 * a caller never sees its client closed under it. */
static bool flush_out(struct client *c)
{
	struct epoll_event ev;

	while (c->woff < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				ev.events = EPOLLIN | EPOLLOUT;
				ev.data.ptr = c;
				epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
				return true;
			}
			c->woff = c->wlen = 0;
			return false;
		}
		c->woff += (size_t)n;
	}
	c->woff = c->wlen = 0;
	return true;
}

/* put - queue octets for the server */
static void put(struct client *c, const void *data, size_t len)
{
	if (c->wlen + len > c->wcap) {
		c->wcap = (c->wlen + len) * 2;
		c->wbuf = xrealloc(c->wbuf, c->wcap);
	}
	memcpy(c->wbuf + c->wlen, data, len);
	c->wlen += len;
}

/* command - send "<tag> <text>\r\n" as a command of kind k */
static void command(struct client *c, enum kind k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void command(struct client *c, enum kind k, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	snprintf(c->tag, sizeof(c->tag), "A%lu", ++c->tagn);
	n = snprintf(line, sizeof(line), "%s ", c->tag);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 3)
		die("command too long");
	line[n++] = '\r';
	line[n++] = '\n';
	c->kind = k;
	c->t_start = now_ns();
	put(c, line, (size_t)n);
	flush_out(c);
}

/* record - a finished command of kind k, started at c->t_start */
static void record(struct client *c, enum kind k, uint64_t ns, bool ok)
{
	uint64_t t = now_ns();

	(void)c;
	if (opt.mode == M_LOAD && (!measuring || t > t_stop))
		return;
	if (ok)
		hist_add(&stats[k], ns / 1000);
	else
		stats[k].errors++;
}

/* ---- connection ------------------------------------------------------- */

static void client_close(struct client *c)
{
	if (c->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->gen++;
	c->rlen = c->wlen = c->woff = 0;
	c->lit_left = 0;
	c->cont = false;
	free(c->literal);
	c->literal = NULL;
}

static void client_fail(struct client *c, const char *why)
{
	if (c->state == S_DEAD)
		return;
	if (c->state == S_CONNECTING || c->state == S_GREETING ||
	    c->state == S_LOGIN || c->state == S_SELECT) {
		connect_failures++;
		if (connect_failures <= 5)
			fprintf(stderr, "imap-load: client %u: %s\n", c->id,
				why);
	} else if (c->state == S_IDLE_HOLD && opt.mode == M_IDLE) {
		hold_lost++;
	} else if (c->state != S_LOGOUT) {
		disconnects++;
		if (disconnects <= 5)
			fprintf(stderr, "imap-load: client %u: %s\n", c->id,
				why);
	}
	if (c->state == S_IDLE_HOLD && n_holding > 0)
		n_holding--;
	if (c->state == S_CONNECTING || c->state == S_GREETING ||
	    c->state == S_LOGIN || c->state == S_SELECT)
		n_connecting--;
	client_close(c);
	c->state = S_DEAD;
	n_dead++;
}

/* client_connect - start a non-blocking connect */
static void client_connect(struct client *c)
{
	struct epoll_event ev;
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->state = S_CONNECTING;
		n_connecting++;
		client_fail(c, "socket failed (raise ulimit -n?)");
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = S_CONNECTING;
	n_connecting++;
	c->t_start = now_ns();
	c->exists = c->uidnext = 0;
	if (connect(c->fd, (struct sockaddr *)&opt.addr, sizeof(opt.addr)) < 0
	    && errno != EINPROGRESS) {
		client_fail(c, "connect failed");
		return;
	}
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		client_fail(c, "epoll_ctl failed");
}

/* ---- the per-mode scripts -------------------------------------------- */

/* uid_pick - a UID of the mailbox (UIDs are dense after populate) */
static uint32_t uid_pick(struct client *c)
{
	uint32_t top = c->uidnext > 1 ? c->uidnext - 1 : 1;

	return 1 + (uint32_t)(rnd(&c->rng) % top);
}

/* start_append - APPEND a fresh ~msg_size message (literal after "+") */
static void start_append(struct client *c, enum kind k, unsigned int size)
{
	uint64_t r = rnd(&c->rng);

	free(c->literal);
	c->literal = make_message(++msg_seq, r, size, &c->literal_len);
	command(c, k, "APPEND INBOX {%zu}", c->literal_len);
	c->state = S_APPEND_CONT;
}

/* pick_kind - a weighted draw from the mix */
static enum kind pick_kind(struct client *c)
{
	unsigned int total = 0, i, x;

	for (i = 0; i <= K_IDLE; i++)
		total += mix[i];
	x = (unsigned int)(rnd(&c->rng) % total);
	for (i = 0; i <= K_IDLE; i++) {
		if (x < mix[i])
			return (enum kind)i;
		x -= mix[i];
	}
	return K_NOOP;
}

/* next_load_command - the load mode's next command */
static void next_load_command(struct client *c)
{
	enum kind k = pick_kind(c);
	uint32_t lo, top;

	if (c->uidnext <= 1 && k != K_APPEND && k != K_IDLE)
		k = K_NOOP;		/* empty mailbox */
	c->state = S_WAIT;
	switch (k) {
	case K_PAGE:
		top = c->uidnext - 1;
		lo = top > PAGE ? 1 + (uint32_t)(rnd(&c->rng) %
						 (top - PAGE + 1)) : 1;
		command(c, k, "UID FETCH %u:%u (FLAGS ENVELOPE)", lo,
			lo + PAGE - 1 < top ? lo + PAGE - 1 : top);
		break;
	case K_BODY:
		command(c, k, "UID FETCH %u BODY.PEEK[]", uid_pick(c));
		break;
	case K_STORE:
		command(c, k, "UID STORE %u %cFLAGS (\\Seen)", uid_pick(c),
			rnd(&c->rng) % 2 ? '+' : '-');
		break;
	case K_SEARCH:
		if (rnd(&c->rng) % 2)
			command(c, k, "UID SEARCH UNSEEN");
		else
			command(c, k, "UID SEARCH FROM \"sender%02u\"",
				(unsigned int)(rnd(&c->rng) % 20));
		break;
	case K_APPEND:
		start_append(c, k, opt.msg_size);
		break;
	case K_IDLE:
		command(c, k, "IDLE");
		c->state = S_IDLE_CONT;
		break;
	default:
		command(c, K_NOOP, "NOOP");
		break;
	}
}

/* next_command - what a logged-in, idle-handed client does next */
static void next_command(struct client *c)
{
	switch (opt.mode) {
	case M_LOAD:
		if (!measuring) {
			c->state = S_BARRIER;
			return;
		}
		if (stopping) {
			command(c, K_NOOP, "LOGOUT");
			c->state = S_LOGOUT;
			return;
		}
		next_load_command(c);
		return;
	case M_IDLE:
		command(c, K_IDLE, "IDLE");
		c->state = S_IDLE_CONT;
		return;
	case M_LATENCY:
		/* SELECT is timed, then the last 50 envelopes */
		command(c, K_SELECT, "SELECT INBOX");
		c->state = S_SELECT;
		return;
	case M_POPULATE:
		if (c->done_count >= opt.count) {
			command(c, K_NOOP, "LOGOUT");
			c->state = S_LOGOUT;
			return;
		}
		start_append(c, K_APPEND, 1024 + (unsigned int)
			     (rnd(&c->rng) % (7 * 1024)));
		return;
	}
}

/* login - send LOGIN for the client's user */
static void login(struct client *c)
{
	const struct user *u = &users[c->user];
	char ql[600], qp[600];

	if (strlen(u->login) > 250 || strlen(u->password) > 250)
		die("login or password too long");
	quote(ql, u->login);
	quote(qp, u->password);
	command(c, K_LOGIN, "LOGIN %s %s", ql, qp);
	c->state = S_LOGIN;
}

/* after_logout - the connection is done; some modes go round again */
static void after_logout(struct client *c)
{
	client_close(c);
	if (opt.mode == M_LATENCY && ++c->round < opt.iterations &&
	    !stopping) {
		client_connect(c);
		return;
	}
	if (opt.mode == M_POPULATE && next_user < nusers && !stopping) {
		c->user = next_user++;
		c->done_count = 0;
		client_connect(c);
		return;
	}
	c->state = S_DEAD;
	n_dead++;
}

/* ---- responses --------------------------------------------------------- */

/* starts_ci - line begins with word, ASCII case ignored */
static bool starts_ci(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && strncasecmp(line, word, n) == 0;
}

/* untagged - "* ..." lines: EXISTS, UIDNEXT, EXPUNGE (a BYE is
 * followed by the close, which the read sees) */
static void untagged(struct client *c, const char *line, size_t len)
{
	const char *p = line + 2, *end = line + len;
	unsigned long v;
	char *e;

	if (starts_ci(p, (size_t)(end - p), "OK [UIDNEXT ")) {
		v = strtoul(p + 12, &e, 10);
		c->uidnext = (uint32_t)v;
		return;
	}
	if (*p >= '0' && *p <= '9') {
		v = strtoul(p, &e, 10);
		if (starts_ci(e, (size_t)(end - e), " EXISTS"))
			c->exists = (uint32_t)v;
		else if (starts_ci(e, (size_t)(end - e), " EXPUNGE") &&
			 c->exists > 0)
			c->exists--;
	}
}

/* appenduid - the UID of "[APPENDUID v uid]" in a tagged OK, or 0 */
static uint32_t appenduid(const char *line, size_t len)
{
	const char *p = memmem(line, len, "[APPENDUID ", 11);
	char *e;

	if (p == NULL)
		return 0;
	strtoul(p + 11, &e, 10);
	return (uint32_t)strtoul(e, NULL, 10);
}

/* continuation - a "+" line */
static void continuation(struct client *c)
{
	uint64_t t = now_ns();

	switch (c->state) {
	case S_APPEND_CONT:
		put(c, c->literal, c->literal_len);
		put(c, "\r\n", 2);
		free(c->literal);
		c->literal = NULL;
		c->state = S_WAIT;
		flush_out(c);
		return;
	case S_IDLE_CONT:
		c->idle_enter_ns = t - c->t_start;
		c->state = S_IDLE_HOLD;
		if (opt.mode == M_IDLE) {
			n_holding++;
			c->wake_at = 0;		/* held until the end */
		} else {
			c->wake_at = t + (uint64_t)opt.idle_ms * 1000000ull;
		}
		return;
	default:
		/* "+ idling" repeats, or a server chat line: ignore */
		return;
	}
}

/* tagged - the tagged answer to the command in flight */
static void tagged(struct client *c, const char *line, size_t len)
{
	const char *st = line + strlen(c->tag) + 1;
	bool ok = starts_ci(st, len - (size_t)(st - line), "OK");
	uint64_t t = now_ns(), ns = t - c->t_start;
	uint32_t uid;

	switch (c->state) {
	case S_LOGIN:
		if (!ok) {
			client_fail(c, "LOGIN refused");
			return;
		}
		if (opt.mode == M_LATENCY) {
			next_command(c);	/* timed SELECT */
			return;
		}
		command(c, K_SELECT, "SELECT INBOX");
		c->state = S_SELECT;
		return;
	case S_SELECT:
		if (!ok) {
			client_fail(c, "SELECT refused");
			return;
		}
		if (opt.mode == M_LATENCY) {
			uint32_t lo = c->uidnext > PAGE ? c->uidnext - PAGE : 1;

			hist_add(&stats[K_SELECT], ns / 1000);
			c->t_mark = c->t_start;	/* when SELECT went out */
			command(c, K_FETCH50, "UID FETCH %u:* (FLAGS ENVELOPE)",
				lo);
			c->state = S_WAIT;
			return;
		}
		n_connecting--;
		if (opt.mode == M_IDLE) {
			command(c, K_IDLE, "IDLE");
			c->state = S_IDLE_CONT;
			return;
		}
		n_ready++;
		next_command(c);
		return;
	case S_IDLE_DONE:
		record(c, K_IDLE, c->idle_enter_ns + ns, ok);
		next_command(c);
		return;
	case S_LOGOUT:
		after_logout(c);
		return;
	case S_WAIT:
		if (opt.mode == M_LATENCY) {
			hist_add(&stats[K_FETCH50], ns / 1000);
			/* select + fetch, from the SELECT command out */
			hist_add(&stats[K_PAGE], (t - c->t_mark) / 1000);
			command(c, K_NOOP, "LOGOUT");
			c->state = S_LOGOUT;
			return;
		}
		if (c->kind == K_APPEND) {
			uid = appenduid(line, len);
			if (uid >= c->uidnext)
				c->uidnext = uid + 1;
			if (opt.mode == M_POPULATE) {
				if (!ok) {
					client_fail(c, "APPEND refused");
					return;
				}
				record(c, K_APPEND, ns, ok);
				c->done_count++;
				next_command(c);
				return;
			}
		}
		record(c, c->kind, ns, ok);
		next_command(c);
		return;
	case S_APPEND_CONT:
	case S_IDLE_CONT:
		/* refused before the "+" */
		record(c, c->kind, ns, false);
		if (opt.mode == M_IDLE || opt.mode == M_POPULATE) {
			client_fail(c, "command refused");
			return;
		}
		next_command(c);
		return;
	default:
		protocol_errors++;
		return;
	}
}

/* response_line - one complete response line (literals skipped) */
static void response_line(struct client *c, const char *line, size_t len)
{
	size_t tl = strlen(c->tag);

	if (c->state == S_GREETING) {
		if (starts_ci(line, len, "* OK")) {
			login(c);
			return;
		}
		client_fail(c, "no greeting");
		return;
	}
	if (len >= 1 && line[0] == '+') {
		continuation(c);
		return;
	}
	if (len >= 2 && line[0] == '*' && line[1] == ' ') {
		untagged(c, line, len);
		return;
	}
	if (tl > 0 && len > tl && memcmp(line, c->tag, tl) == 0 &&
	    line[tl] == ' ') {
		tagged(c, line, len);
		return;
	}
	protocol_errors++;
}

/* literal_at_end - n when the line ends with {n} or {n+} */
static bool literal_at_end(const char *line, size_t len, uint64_t *n)
{
	size_t i;
	uint64_t v = 0, mul = 1;

	if (len < 3 || line[len - 1] != '}')
		return false;
	i = len - 2;
	if (line[i] == '+')
		i--;
	if (line[i] < '0' || line[i] > '9')
		return false;
	while (i > 0 && line[i] >= '0' && line[i] <= '9') {
		v += (uint64_t)(line[i] - '0') * mul;
		mul *= 10;
		if (mul > 10000000000000ull)
			return false;
		i--;
	}
	if (line[i] != '{')
		return false;
	*n = v;
	return true;
}

/* process - take complete lines out of rbuf */
static void process(struct client *c)
{
	size_t pos = 0;
	char *crlf;
	unsigned int gen = c->gen;

	while (pos < c->rlen) {
		if (c->lit_left > 0) {
			size_t take = c->rlen - pos;

			if (take > c->lit_left)
				take = (size_t)c->lit_left;
			c->lit_left -= take;
			pos += take;
			continue;
		}
		crlf = memmem(c->rbuf + pos, c->rlen - pos, "\r\n", 2);
		if (crlf == NULL)
			break;
		{
			char *line = c->rbuf + pos;
			size_t len = (size_t)(crlf - line);
			uint64_t n;
			bool was_cont = c->cont;

			pos += len + 2;
			c->cont = false;
			if (literal_at_end(line, len, &n)) {
				if (n > RBUF_MAX) {
					client_fail(c, "literal too large");
					return;
				}
				c->lit_left = n;
				c->cont = true;
			}
			if (!was_cont)
				response_line(c, line, len);
			if (c->gen != gen)
				return;	/* closed (and maybe reconnected) */
		}
	}
	if (pos > 0) {
		memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
		c->rlen -= pos;
	}
}

/* client_io - events on a client's socket */
static void client_io(struct client *c, uint32_t events)
{
	struct epoll_event ev;
	ssize_t n;
	int err = 0;
	socklen_t el = sizeof(err);

	if (c->state == S_CONNECTING) {
		if (events & (EPOLLERR | EPOLLHUP)) {
			client_fail(c, "connection refused");
			return;
		}
		if (events & EPOLLOUT) {
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
			if (err != 0) {
				client_fail(c, strerror(err));
				return;
			}
			c->state = S_GREETING;
			ev.events = EPOLLIN;
			ev.data.ptr = c;
			epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
		}
		if (!(events & EPOLLIN))
			return;
	}
	if (events & EPOLLOUT) {
		flush_out(c);
		if (c->wlen == 0) {
			ev.events = EPOLLIN;
			ev.data.ptr = c;
			epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
		}
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		if (c->rcap - c->rlen < 16384) {
			if (c->rcap >= RBUF_MAX) {
				client_fail(c, "response line too long");
				return;
			}
			c->rcap = c->rcap ? c->rcap * 2 : 32768;
			c->rbuf = xrealloc(c->rbuf, c->rcap);
		}
		n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
		if (n > 0) {
			unsigned int gen = c->gen;

			c->rlen += (size_t)n;
			process(c);
			if (c->gen != gen)
				return;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		/* EOF or error */
		if (c->state == S_LOGOUT) {
			after_logout(c);
			return;
		}
		client_fail(c, n == 0 ? "server closed the connection" :
			    "read failed");
		return;
	}
}

/* ==== timers ============================================================ */

/* tick - IDLE wake-ups and command timeouts */
static void tick(uint64_t t)
{
	uint64_t limit = (uint64_t)opt.cmd_timeout * 1000000000ull;
	unsigned int i;

	for (i = 0; i < opt.clients; i++) {
		struct client *c = &cl[i];

		if (c->fd >= 0 && c->state != S_IDLE_HOLD &&
		    c->state != S_BARRIER && t > c->t_start &&
		    t - c->t_start > limit) {
			client_fail(c, "no answer within --cmd-timeout");
			continue;
		}
		if (c->state == S_IDLE_HOLD && c->wake_at != 0 &&
		    t >= c->wake_at) {
			c->state = S_IDLE_DONE;
			c->t_start = t;
			put(c, "DONE\r\n", 6);
			flush_out(c);
		}
	}
}

/* ==== modes ============================================================= */

static void load_users(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *l = strtok(line, " \t\r\n"), *p;

		if (l == NULL || l[0] == '#')
			continue;
		p = strtok(NULL, " \t\r\n");
		if (p == NULL)
			die("%s: no password for %s", path, l);
		users = xrealloc(users, (nusers + 1) * sizeof(*users));
		users[nusers].login = xstrdup(l);
		users[nusers].password = xstrdup(p);
		nusers++;
	}
	fclose(f);
}

static void usage(void)
{
	fputs("usage: imap-load --port P [--host 127.0.0.1] "
	      "(--users FILE | --user U --password P)\n"
	      "  [--mode load|idle|latency|populate] [--clients N] "
	      "[--duration S]\n"
	      "  [--mix page=15,body=25,store=15,search=10,append=5,"
	      "noop=20,idle=10]\n"
	      "  [--idle-ms MS] [--ramp N] [--rate N] [--iterations N] "
	      "[--count N]\n"
	      "  [--msg-size B] [--cmd-timeout S] [--timeout S] "
	      "[--label NAME] [--json]\n", stderr);
	exit(2);
}

static void parse_mix(const char *arg)
{
	char *s = xstrdup(arg), *tok, *save = NULL;
	unsigned int i, total = 0;

	for (tok = strtok_r(s, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL)
			die("--mix: want name=weight, not '%s'", tok);
		*eq = '\0';
		for (i = 0; i <= K_IDLE; i++) {
			if (strcmp(tok, kind_name[i]) == 0)
				break;
		}
		if (i > K_IDLE)
			die("--mix: unknown command '%s'", tok);
		mix[i] = parse_uint("--mix", eq + 1, 0, 1000);
	}
	for (i = 0; i <= K_IDLE; i++)
		total += mix[i];
	if (total == 0)
		die("--mix: all weights are 0");
	free(s);
}

static void parse_args(int argc, char **argv)
{
	const char *host = "127.0.0.1", *user = NULL, *pass = NULL;
	const char *file = NULL;
	unsigned int port = 0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--json") == 0) {
			opt.json = true;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--host") == 0)
			host = v;
		else if (strcmp(a, "--port") == 0)
			port = parse_uint(a, v, 1, 65535);
		else if (strcmp(a, "--users") == 0)
			file = v;
		else if (strcmp(a, "--user") == 0)
			user = v;
		else if (strcmp(a, "--password") == 0)
			pass = v;
		else if (strcmp(a, "--clients") == 0)
			opt.clients = parse_uint(a, v, 1, MAX_CLIENTS);
		else if (strcmp(a, "--duration") == 0)
			opt.duration = parse_uint(a, v, 1, MAX_DURATION);
		else if (strcmp(a, "--timeout") == 0)
			opt.timeout = parse_uint(a, v, 1, 4 * MAX_DURATION);
		else if (strcmp(a, "--idle-ms") == 0)
			opt.idle_ms = parse_uint(a, v, 0, 60000);
		else if (strcmp(a, "--ramp") == 0)
			opt.ramp = parse_uint(a, v, 1, MAX_CLIENTS);
		else if (strcmp(a, "--rate") == 0)
			opt.rate = parse_uint(a, v, 0, 1000000);
		else if (strcmp(a, "--cmd-timeout") == 0)
			opt.cmd_timeout = parse_uint(a, v, 1, 3600);
		else if (strcmp(a, "--iterations") == 0)
			opt.iterations = parse_uint(a, v, 1, 100000);
		else if (strcmp(a, "--count") == 0)
			opt.count = parse_uint(a, v, 0, 1000000);
		else if (strcmp(a, "--msg-size") == 0)
			opt.msg_size = parse_uint(a, v, 256, 10 << 20);
		else if (strcmp(a, "--mix") == 0)
			parse_mix(v);
		else if (strcmp(a, "--label") == 0)
			opt.label = v;
		else if (strcmp(a, "--mode") == 0) {
			if (strcmp(v, "load") == 0)
				opt.mode = M_LOAD;
			else if (strcmp(v, "idle") == 0)
				opt.mode = M_IDLE;
			else if (strcmp(v, "latency") == 0)
				opt.mode = M_LATENCY;
			else if (strcmp(v, "populate") == 0)
				opt.mode = M_POPULATE;
			else
				usage();
		} else
			usage();
	}
	if (port == 0)
		usage();
	memset(&opt.addr, 0, sizeof(opt.addr));
	opt.addr.sin_family = AF_INET;
	opt.addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &opt.addr.sin_addr) != 1)
		die("--host: want an IPv4 address, not '%s'", host);
	if (file != NULL)
		load_users(file);
	else if (user != NULL && pass != NULL) {
		users = xmalloc(sizeof(*users));
		users[0].login = xstrdup(user);
		users[0].password = xstrdup(pass);
		nusers = 1;
	}
	if (nusers == 0)
		die("no users (--users FILE or --user and --password)");
	if (opt.mode == M_LATENCY)
		opt.clients = 1;
	if (opt.mode == M_POPULATE && opt.clients > nusers)
		opt.clients = nusers;
	if (opt.timeout == 0.0)
		opt.timeout = opt.duration + 120.0;
	if (opt.mode == M_POPULATE || opt.mode == M_LATENCY)
		opt.timeout = opt.timeout > 3600.0 ? opt.timeout : 3600.0;
}

/* raise_nofile - as many descriptors as the hard limit allows */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)opt.clients + 16)
		fprintf(stderr, "imap-load: warning: %u clients but only %lu "
			"descriptors (ulimit -n)\n", opt.clients,
			(unsigned long)rl.rlim_cur);
}

/* ==== report ============================================================ */

static void report(double secs)
{
	unsigned int k;
	uint64_t total = 0, errors = 0;
	const enum kind load_kinds[] = {
		K_PAGE, K_BODY, K_STORE, K_SEARCH, K_APPEND, K_NOOP, K_IDLE,
	};
	const enum kind lat_kinds[] = { K_SELECT, K_FETCH50, K_PAGE };
	const enum kind pop_kinds[] = { K_APPEND };
	const enum kind *kinds = load_kinds;
	size_t nk = sizeof(load_kinds) / sizeof(load_kinds[0]);
	bool first = true;

	if (opt.mode == M_LATENCY) {
		kinds = lat_kinds;
		nk = 3;
	} else if (opt.mode == M_POPULATE) {
		kinds = pop_kinds;
		nk = 1;
	}

	if (opt.mode != M_IDLE) {
		printf("%-14s %9s %10s %9s %9s %9s %7s\n", "command", "count",
		       "ops/s", "p50 ms", "p99 ms", "max ms", "errors");
		for (k = 0; k < nk; k++) {
			const struct hist *h = &stats[kinds[k]];
			const char *name = kind_name[kinds[k]];

			if (opt.mode == M_LATENCY && kinds[k] == K_PAGE)
				name = "select+fetch";
			printf("%-14s %9llu %10.1f %9.2f %9.2f %9.2f %7llu\n",
			       name, (unsigned long long)h->count,
			       secs > 0 ? (double)h->count / secs : 0.0,
			       hist_pct(h, 50), hist_pct(h, 99),
			       (double)h->max_us / 1000.0,
			       (unsigned long long)h->errors);
			if (opt.mode != M_LATENCY || kinds[k] != K_PAGE) {
				total += h->count;
				errors += h->errors;
			}
		}
		if (opt.mode == M_LOAD)
			printf("%-14s %9llu %10.1f %9s %9s %9s %7llu\n",
			       "total", (unsigned long long)total,
			       secs > 0 ? (double)total / secs : 0.0, "", "",
			       "", (unsigned long long)errors);
	}
	printf("connect/login failures %llu, disconnects %llu, "
	       "protocol errors %llu\n",
	       (unsigned long long)connect_failures,
	       (unsigned long long)disconnects,
	       (unsigned long long)protocol_errors);
	if (!opt.json)
		return;
	printf("{\"label\": \"%s\", \"mode\": \"%s\", \"clients\": %u, "
	       "\"seconds\": %.3f, \"connect_failures\": %llu, "
	       "\"disconnects\": %llu, \"protocol_errors\": %llu, "
	       "\"hold_lost\": %llu, \"holding\": %u, \"total\": %llu, "
	       "\"total_ops\": %.2f, \"commands\": {",
	       opt.label ? opt.label : "",
	       opt.mode == M_LOAD ? "load" : opt.mode == M_IDLE ? "idle" :
	       opt.mode == M_LATENCY ? "latency" : "populate",
	       opt.clients, secs, (unsigned long long)connect_failures,
	       (unsigned long long)disconnects,
	       (unsigned long long)protocol_errors,
	       (unsigned long long)hold_lost, n_holding,
	       (unsigned long long)total,
	       secs > 0 ? (double)total / secs : 0.0);
	for (k = 0; k < K_COUNT; k++) {
		const struct hist *h = &stats[k];

		if (h->count == 0 && h->errors == 0)
			continue;
		printf("%s\"%s\": {\"count\": %llu, \"ops\": %.2f, "
		       "\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, "
		       "\"mean\": %.3f, \"errors\": %llu}",
		       first ? "" : ", ", kind_name[k],
		       (unsigned long long)h->count,
		       secs > 0 ? (double)h->count / secs : 0.0,
		       hist_pct(h, 50), hist_pct(h, 99),
		       (double)h->max_us / 1000.0,
		       h->count ? (double)h->sum_us / (double)h->count /
		       1000.0 : 0.0, (unsigned long long)h->errors);
		first = false;
	}
	printf("}}\n");
}

/* ==== main loop ========================================================= */

int main(int argc, char **argv)
{
	struct epoll_event evs[256];
	unsigned int i, started = 0;
	uint64_t t, hold_until = 0, t_announce = 0;
	double secs = 0.0;
	bool announced = false;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_usr1);
	raise_nofile();
	setvbuf(stdout, NULL, _IOLBF, 0);

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1: %s", strerror(errno));
	cl = calloc(opt.clients, sizeof(*cl));
	if (cl == NULL)
		die("out of memory");
	for (i = 0; i < opt.clients; i++) {
		cl[i].id = i;
		cl[i].fd = -1;
		cl[i].state = S_FREE;
		cl[i].user = i % nusers;
		cl[i].rng = 0x9e3779b97f4a7c15ull * (i + 1) ^ 0x1234567ull;
	}
	next_user = opt.clients < nusers ? opt.clients : nusers;

	t_begin = now_ns();
	t_deadline = t_begin + (uint64_t)(opt.timeout * 1e9);
	for (;;) {
		int n, timeout_ms = 20;

		t = now_ns();
		if (t >= t_deadline) {
			fprintf(stderr, "imap-load: timeout after %.0f s\n",
				opt.timeout);
			break;
		}
		/* start connections: at most --ramp logging in at once, at
		 * most --rate a second */
		while (started < opt.clients && n_connecting < opt.ramp &&
		       (opt.rate == 0 || started < 1 + (uint64_t)opt.rate *
			(t - t_begin) / 1000000000ull)) {
			client_connect(&cl[started]);
			started++;
		}

		if (opt.mode == M_LOAD) {
			if (!measuring && started == opt.clients &&
			    n_ready + n_dead >= opt.clients) {
				measuring = true;
				t_measure = now_ns();
				t_stop = t_measure +
					(uint64_t)(opt.duration * 1e9);
				for (i = 0; i < opt.clients; i++) {
					if (cl[i].state == S_BARRIER)
						next_command(&cl[i]);
				}
			}
			if (measuring && !stopping && t >= t_stop) {
				stopping = true;
				secs = (double)(t_stop - t_measure) / 1e9;
				/* idling clients leave at once */
				for (i = 0; i < opt.clients; i++) {
					if (cl[i].state == S_IDLE_HOLD)
						cl[i].wake_at = t;
				}
			}
			if (stopping && (t > t_stop + GRACE_NS ||
					 n_dead >= opt.clients))
				break;
		} else if (opt.mode == M_IDLE) {
			if (!announced && started == opt.clients &&
			    n_holding + n_dead >= opt.clients) {
				announced = true;
				t_announce = t;
				hold_until = t + (uint64_t)(opt.duration * 1e9);
				printf("HOLDING %u of %u (failed %u) after "
				       "%.1f s\n", n_holding, opt.clients,
				       n_dead, (double)(t - t_begin) / 1e9);
				fflush(stdout);
			}
			if (announced && (t >= hold_until || release)) {
				secs = (double)(t - t_begin) / 1e9;
				printf("held %u for %.0f s; lost during the "
				       "hold: %llu\n", n_holding,
				       (double)(t - t_announce) / 1e9,
				       (unsigned long long)hold_lost);
				break;
			}
			timeout_ms = 200;
		} else if (n_dead >= opt.clients && started == opt.clients) {
			secs = (double)(now_ns() - t_begin) / 1e9;
			break;
		}

		tick(t);
		n = epoll_wait(epfd, evs, 256, timeout_ms);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; n > 0 && i < (unsigned int)n; i++)
			client_io(evs[i].data.ptr, evs[i].events);
	}
	if (secs == 0.0)
		secs = (double)(now_ns() - t_begin) / 1e9;
	if (opt.mode == M_LOAD && !measuring)
		fprintf(stderr, "imap-load: the measurement never started "
			"(%u of %u clients ready)\n", n_ready, opt.clients);
	report(secs);
	for (i = 0; i < opt.clients; i++)
		client_close(&cl[i]);
	return connect_failures == opt.clients ? 1 : 0;
}
