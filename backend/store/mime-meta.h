#ifndef MH_MIME_META_H
#define MH_MIME_META_H
/*
 * mime-meta.h - the metadata a message row needs, extracted with GMime.
 *
 * One call parses a whole message (a file descriptor or a buffer) and
 * fills struct mime_meta in the caller's pool: the envelope fields, the
 * sort keys of RFC 5256, a preview, the decoded text for the full-text
 * index, and a few counts. Every string is valid UTF-8 without NUL or
 * other control bytes (text and preview keep \n and \t). Malformed mail
 * never makes the call fail: what can be understood is returned.
 *
 * mime_meta_init() must run once in main (before any thread);
 * mime_meta_deinit() undoes it at exit.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pool;

#define MIME_META_MAX_DEPTH 20		/* nesting levels walked */
#define MIME_META_MAX_PARTS 500		/* MIME parts walked */
#define MIME_META_TEXT_MAX (1024 * 1024)	/* bytes of text kept */
/* PostgreSQL refuses a tsvector over 1 MiB: 330 KB of distinct short words
 * already make 780 KB (measured on 15), 1 MB of them fails. Callers that
 * feed text to to_tsvector() should pass this as opts.text_max. */
#define MIME_META_TEXT_MAX_FTS (256 * 1024)
#define MIME_META_PREVIEW_CHARS 200	/* characters, not bytes */
#define MIME_META_FIELD_MAX 2048	/* subject, names, addresses */
#define MIME_META_ADDRS_MAX 16384	/* to_addrs, cc_addrs */
#define MIME_META_ID_MAX 998		/* one message id (a btree key) */
#define MIME_META_REFS_MAX 8192		/* refs */

/* limits; a zero field means the default above */
struct mime_meta_opts {
	size_t text_max;
	unsigned int max_depth;
	unsigned int max_parts;
};

/* headers bigger than this get no precomputed IMAP ENVELOPE */
#define MIME_META_ENVELOPE_MAX (256 * 1024)

struct mime_meta {
	/* "" when absent */
	const char *subject;		/* RFC 2047 decoded */
	const char *from_addr;		/* first mailbox of From */
	const char *from_name;
	const char *to_addrs;		/* "a@x, b@y" */
	const char *cc_addrs;
	/* NULL when absent */
	const char *message_id;		/* without <> */
	const char *in_reply_to;	/* first id, without <> */
	const char *refs;		/* ids without <>, space separated */
	const char *date_sent;		/* "2024-01-31T08:00:00Z" (UTC) */
	int64_t date_sent_unix;		/* valid when date_sent != NULL */
	/* "" when absent */
	const char *sort_subject;	/* RFC 5256 base subject, lower case */
	const char *sort_from;		/* from_addr in lower case */
	const char *preview;		/* white space collapsed */
	const char *imap_envelope;	/* FETCH ENVELOPE's value; NULL when
					   the header is over
					   MIME_META_ENVELOPE_MAX */
	const char *text;		/* for the full-text index */
	size_t text_len;
	bool text_truncated;		/* text hit opts->text_max */
	bool has_attachments;
	bool limits_hit;		/* depth/part limit stopped the walk */
	bool no_headers;		/* no header block: all body */
	unsigned int received_count;	/* Received: headers, top level */
	unsigned int parts;		/* MIME parts walked */
	uint64_t header_bytes;		/* header block incl. the empty line */
	uint64_t size;
};

/* mime_meta_init - start GMime and build the shared parser options;
 * idempotent, call from main before any thread */
void mime_meta_init(void);
/* mime_meta_deinit - once, at exit: GMime cannot be started again after
 * g_mime_shutdown() */
void mime_meta_deinit(void);

/* mime_meta_parse_data - parse len bytes of message (opts may be NULL) */
int mime_meta_parse_data(struct pool *pool, const void *data, size_t len,
			 const struct mime_meta_opts *opts,
			 struct mime_meta **meta_r, const char **error_r)
	__attribute__((warn_unused_result));

/* mime_meta_parse_fd - parse the whole file fd refers to, from offset 0
 * (it must be seekable; its offset is moved; the caller closes it). -1 if
 * it cannot be read. */
int mime_meta_parse_fd(struct pool *pool, int fd,
		       const struct mime_meta_opts *opts,
		       struct mime_meta **meta_r, const char **error_r)
	__attribute__((warn_unused_result));

/* mime_meta_base_subject - RFC 5256 base subject of a decoded subject
 * (also used for SORT and THREAD), lower case, pool memory */
const char *mime_meta_base_subject(struct pool *pool, const char *subject);

/* mime_meta_to_utf8 - decode body bytes in the declared charset (NULL if
 * none) with the fall-backs described in mime-meta.c; pool memory, valid
 * UTF-8, NUL bytes dropped */
const char *mime_meta_to_utf8(struct pool *pool, const void *data,
			      size_t len, const char *charset);

/* mime_meta_html_to_text - tags, comments, script and style removed,
 * entities decoded, block ends as new lines; input and output UTF-8 */
const char *mime_meta_html_to_text(struct pool *pool, const char *html,
				   size_t len);

#endif
