#ifndef MH_SMTPD_H
#define MH_SMTPD_H
/*
 * smtpd.h - the SMTP service of mailhived: one worker process serving
 * many connections from an epoll loop.
 *
 * The master opens the listeners and the shared connection counters, then
 * forks the workers; each worker accepts on every listener. Limits on
 * connections in total and per client address are enforced across all
 * workers through the shared counters (one row per worker, so a crashed
 * worker's row can be cleared by the master).
 */
#include <stdatomic.h>
#include <stdint.h>

#include "smtp-parse.h"

#define SMTPD_MAX_WORKERS 32
#define SMTPD_IP_SLOTS 4096

enum smtpd_port {
	SMTPD_PORT_MX,		/* 25: mail for local domains, no relay */
	SMTPD_PORT_SUBMISSION,	/* 587: AUTH required, STARTTLS */
	SMTPD_PORT_SMTPS,	/* 465: implicit TLS, AUTH required */
};

struct smtpd_listener {
	int fd;
	enum smtpd_port port;
};

struct smtpd_shared {
	atomic_uint total[SMTPD_MAX_WORKERS];
	atomic_uint per_ip[SMTPD_MAX_WORKERS][SMTPD_IP_SLOTS];
};

/* smtpd_shared_new - anonymous shared memory, made before fork */
struct smtpd_shared *smtpd_shared_new(void);
/* smtpd_shared_forget - clear a dead worker's counts (master) */
void smtpd_shared_forget(struct smtpd_shared *sh, unsigned int worker);

/* smtpd_worker_main - run a worker until SIGTERM; never returns */
void smtpd_worker_main(const struct smtpd_listener *listeners,
		       unsigned int nlisteners, struct smtpd_shared *shared,
		       unsigned int worker) __attribute__((noreturn));

/* ---- recipient resolution (smtpd-rcpt.c) ---- */

struct pool;

enum smtpd_rcpt_verdict {
	RCPT_OK = 0,
	RCPT_UNKNOWN,		/* 550 5.1.1 */
	RCPT_RELAY_DENIED,	/* 554 5.7.1 */
	RCPT_BLOCKED,		/* 550 5.7.1 the user's block list */
	RCPT_OVER_QUOTA,	/* 452 4.2.2 */
	RCPT_OVER_QUOTA_PERM,	/* 552 5.2.2: larger than the whole quota */
	RCPT_TOO_BIG,		/* 552 5.3.4: larger than its domain allows */
	RCPT_TEMP,		/* 451 4.3.0 */
};

struct smtpd_target {
	struct smtpd_target *next;
	const char *addr;
	int64_t user_id;	/* 0 for a remote target (queued) */
	int64_t domain_id;
	uint64_t max_size;	/* its domain's largest message; 0 = none */
	bool discard;		/* block list says discard silently */
};

/* SMTPD_MAX_SIZE_EXPR - the largest message a local domain d, with its
 * service package dp (as DELIVER_QUOTA_FROM joins them), receives: the
 * smaller of its own limit and its package's, 0 when neither sets one.
 * smtp.max_message_size applies to every message on top of it. */
#define SMTPD_MAX_SIZE_EXPR \
	"COALESCE(LEAST(NULLIF(d.max_message_bytes, 0)," \
	" NULLIF(dp.max_message_bytes, 0)), 0)"

/* smtpd_resolve_rcpt - what RCPT TO:<path> leads to: local users (after
 * aliases, catch-all and forwarding) and remote targets; size is the
 * size declared with MAIL (0 if none), checked against quotas and the
 * local domains' largest message (SMTPD_MAX_SIZE_EXPR); authed
 * says whether the client may relay to outside domains */
enum smtpd_rcpt_verdict smtpd_resolve_rcpt(struct pool *pool,
					   const struct smtp_path *path,
					   const char *sender, uint64_t size,
					   bool authed,
					   struct smtpd_target **targets_r);
/* smtpd_postmaster_domain - the local domain a bare <Postmaster> means,
 * NULL when there is none or on error */
const char *smtpd_postmaster_domain(struct pool *pool);
/* smtpd_sender_allowed - the authenticated user may use this address
 * (their own or one of their aliases); 1 yes, 0 no, -1 error */
int smtpd_sender_allowed(struct pool *pool, int64_t user_id,
			 const char *addr);

#endif
