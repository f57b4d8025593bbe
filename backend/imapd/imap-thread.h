#ifndef MH_IMAP_THREAD_H
#define MH_IMAP_THREAD_H
/*
 * imap-thread.h - the THREAD algorithms of RFC 5256: ORDEREDSUBJECT and
 * REFERENCES, over the messages a search selected, written as the
 * thread-list of the THREAD response, e.g. "(2)(3 6 (4 23)(44 7 96))".
 *
 * The caller passes one entry per message with the fields the messages
 * table keeps (message id and references without angle brackets, the
 * base subject of RFC 5256 section 2.1 as mime-meta computes it, the
 * sent date as Unix seconds, 0 when unknown, in which case the caller
 * passes the internal date as RFC 5256 section 2.2 says). "number" is
 * what goes on the wire: a UID or a sequence number; numbers are
 * distinct, and REFERENCES takes the messages in number order (the
 * lowest number keeps a duplicated Message-ID).
 *
 * RFC 5256 step 5 also asks whether a message "is a reply or forward",
 * which the RFC reads off the original subject; this struct carries only
 * the base subject, so a message with at least one reference (References
 * or In-Reply-To) counts as a reply. A field set by mime-meta when it
 * strips "Re:"/"Fwd:" would make that exact.
 *
 * SECURITY: message ids and references come from mail and are
 * untrusted: duplicate ids, reference loops and self references are
 * broken as the RFC says; work is O(N log N) in N = messages plus the
 * total number of references (each message's list is capped at its
 * last IMAP_THREAD_MAX_REFS ids; ids are matched by sorting, loop checks
 * use a link-cut tree); recursion depth never depends on input (deep
 * threads are walked with explicit stacks).
 */
#include <stddef.h>
#include <stdint.h>

struct pool;
struct buf;

#define IMAP_THREAD_MAX_REFS 256

struct imap_thread_msg {
	uint32_t number;		/* UID or sequence number */
	const char *message_id;		/* NULL or "" when absent */
	const char *in_reply_to;	/* NULL or "" when absent */
	const char *refs;		/* space separated ids, or NULL */
	const char *base_subject;	/* never NULL */
	int64_t date;			/* sent date (seconds) */
};

enum imap_thread_algorithm {
	IMAP_THREAD_ORDEREDSUBJECT,
	IMAP_THREAD_REFERENCES,
};

/* imap_thread - append the thread-list of msgs[0..n) to out (nothing for
 * n == 0); scratch memory from pool. -1 only when out hits its maximum */
int imap_thread(struct pool *pool, enum imap_thread_algorithm algorithm,
		const struct imap_thread_msg *msgs, size_t n, struct buf *out)
	__attribute__((warn_unused_result));

#endif
