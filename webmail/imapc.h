#ifndef MH_IMAPC_H
#define MH_IMAPC_H
/*
 * imapc.h - webmail's IMAP client (libetpan) and its connection pool.
 *
 * Webmail never holds a user's password: it logs in to mailhived's IMAP
 * service with SASL PLAIN, authorization identity = the user's address,
 * authentication identity = imap.service_login, password = the service
 * secret (imap.service_secret_file). Each webmail worker process keeps
 * up to IMAPC_POOL_MAX logged-in connections between requests, keyed by
 * user; one idle longer than IMAPC_IDLE_SECONDS is closed, the least
 * recently used one makes room for a new user, and one that turns out
 * broken is replaced transparently (a command that fails on a dead
 * connection is retried once on a new one).
 *
 * Mailbox names: `raw` is the name on the wire (modified UTF-7), `name`
 * the same in UTF-8 for display. Functions taking a folder take the raw
 * name. Strings returned live in the caller's pool. Errors: -1 (or NULL)
 * with *error_r set to a short English text for the log; callers show
 * their own localized message.
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct pool;
struct imapc;

#define IMAPC_POOL_MAX 8
#define IMAPC_IDLE_SECONDS 300

/* imapc_acquire - a logged-in connection for user (an address) */
struct imapc *imapc_acquire(const char *user, const char **error_r);
/* imapc_release - give the connection back to the pool; *c is NULL after */
void imapc_release(struct imapc **c);
/* imapc_forget - close every pooled connection of user (logout) */
void imapc_forget(const char *user);

enum imapc_special {
	IMAPC_NONE, IMAPC_INBOX, IMAPC_DRAFTS, IMAPC_SENT, IMAPC_JUNK,
	IMAPC_TRASH,
};

struct imapc_folder {
	const char *raw;	/* wire name */
	const char *name;	/* UTF-8 */
	char delim;		/* hierarchy delimiter, 0 if none */
	unsigned int depth;	/* number of delimiters in the name */
	enum imapc_special special;
	bool noselect;
	bool has_children;
	uint32_t messages;
	uint32_t unseen;
};

/* imapc_folders - every folder with its counts (LIST + STATUS), INBOX
 * first, then in name order so that children follow their parent */
int imapc_folders(struct imapc *c, struct pool *pool,
		  struct imapc_folder **folders_r, unsigned int *n_r,
		  const char **error_r);

/* imapc_select - open a folder (read-write); its message count */
int imapc_select(struct imapc *c, const char *raw, uint32_t *exists_r,
		 const char **error_r);

enum imapc_sort_key {
	IMAPC_SORT_DATE,	/* SORT DATE (sent date) */
	IMAPC_SORT_ARRIVAL,
	IMAPC_SORT_FROM,
	IMAPC_SORT_SUBJECT,
	IMAPC_SORT_SIZE,
};

/* imapc_sort - UID SORT of the selected folder; criteria is an IMAP
 * search program in UTF-8 ("ALL", "FROM \"x\"", ...) built by the caller
 * with imapc_quote(); the UIDs in order */
int imapc_sort(struct imapc *c, struct pool *pool, enum imapc_sort_key key,
	       bool reverse, const char *criteria, uint32_t **uids_r,
	       unsigned int *n_r, const char **error_r);

struct imapc_thread_msg {
	uint32_t uid;
	unsigned int depth;	/* 0: a thread's first message */
};

struct imapc_threads {
	struct imapc_thread_msg *msgs;	/* all, thread after thread */
	unsigned int nmsgs;
	unsigned int *start;	/* thread i is msgs[start[i]..start[i+1]) */
	unsigned int n;		/* threads */
};

/* imapc_thread - UID THREAD REFERENCES UTF-8 criteria of the selected
 * folder (criteria as for imapc_sort()): the threads in the server's
 * order (RFC 5256: by the date of their first message), each one's
 * messages in display order, a reply after the message it answers */
int imapc_thread(struct imapc *c, struct pool *pool, const char *criteria,
		 struct imapc_threads *threads_r, const char **error_r);

/* imapc_quote - s as an IMAP quoted string, for building search
 * criteria; never a literal: CR and LF become spaces */
const char *imapc_quote(struct pool *pool, const char *s);

struct imapc_summary {
	uint32_t uid;
	const char *subject;	/* RFC 2047 decoded, UTF-8 */
	const char *from_name;	/* decoded; "" when none */
	const char *from_addr;	/* mailbox@host */
	const char *to;		/* "Name <a@b>, ..." decoded */
	time_t date;		/* the Date header, else the internal date */
	uint32_t size;
	bool seen, flagged, answered, deleted;
	bool has_attachment;	/* the keyword IMAPC_HAS_ATTACHMENT */
};

/* the keyword our IMAP server gives a message with attachments when it
 * stores it (registered with IANA; Dovecot can set it too): the list's
 * paperclip and the "with attachments" search come from it, so neither
 * asks the server to parse message structures */
#define IMAPC_HAS_ATTACHMENT "$HasAttachment"

/* imapc_summaries - list data for uids of the selected folder, in the
 * order of uids (missing ones are left out) */
int imapc_summaries(struct imapc *c, struct pool *pool,
		    const uint32_t *uids, unsigned int n,
		    struct imapc_summary **out_r, unsigned int *n_r,
		    const char **error_r);

/* imapc_lost - whether the last command failed because the connection
 * to the server broke (and could not be made again), not because the
 * server said NO: the mail server is unavailable, not the object */
bool imapc_lost(const struct imapc *c);

/* imapc_fetch_message - the whole message (BODY.PEEK[]) of uid in the
 * selected folder, and whether it is \Seen (seen_r may be NULL); 0 and
 * *data_r NULL when there is no such message */
int imapc_fetch_message(struct imapc *c, struct pool *pool, uint32_t uid,
			const char **data_r, size_t *len_r, bool *seen_r,
			const char **error_r);

/* imapc_store_flag - add or remove one flag ("\\Seen", "\\Flagged",
 * "\\Deleted") on uids of the selected folder */
int imapc_store_flag(struct imapc *c, const uint32_t *uids, unsigned int n,
		     const char *flag, bool add, const char **error_r);

/* imapc_move - UID MOVE uids of the selected folder to the folder raw */
int imapc_move(struct imapc *c, const uint32_t *uids, unsigned int n,
	       const char *raw, const char **error_r);

/* imapc_expunge - remove the \Deleted messages among uids (UID EXPUNGE) */
int imapc_expunge(struct imapc *c, const uint32_t *uids, unsigned int n,
		  const char **error_r);

/* imapc_append - APPEND data to the folder raw with flags (a NULL-ended
 * list of "\\Seen", "\\Draft", "\\Flagged", "\\Answered" or keywords,
 * may be NULL); *uid_r (may be NULL) is its UID from UIDPLUS, 0 when the
 * server did not say */
int imapc_append(struct imapc *c, const char *raw, const char *const *flags,
		 const char *data, size_t len, uint32_t *uid_r,
		 const char **error_r);

/* folder management (raw names) */
int imapc_create(struct imapc *c, const char *raw, const char **error_r);
int imapc_rename(struct imapc *c, const char *from, const char *to,
		 const char **error_r);
int imapc_delete(struct imapc *c, const char *raw, const char **error_r);

/* imapc_utf7_encode / imapc_utf7_decode - mailbox name conversion;
 * NULL when the input is not valid */
const char *imapc_utf7_encode(struct pool *pool, const char *utf8);
const char *imapc_utf7_decode(struct pool *pool, const char *mutf7);

#endif
