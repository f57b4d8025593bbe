#ifndef MH_WM_COMPOSE_MIME_H
#define MH_WM_COMPOSE_MIME_H
/*
 * compose-mime.h - what the compose page sends, as MIME (GMime): address
 * fields as typed by a user checked and parsed, and the message built
 * from them with RFC 2047 headers, RFC 2231 attachment names, a UTF-8
 * body in quoted-printable or base64 (whichever is 7-bit and smaller),
 * CRLF line ends, Date and Message-ID.
 *
 * SECURITY: every value comes from a form. A CR or LF in a subject, a
 * name or an address never starts a new header: subjects have them
 * turned into spaces, addresses are rebuilt by GMime from what parsed,
 * and message ids are kept only when they are plain <local@domain>
 * tokens.
 */
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct pool;

#define WM_ADDRESSES_MAX 500	/* recipients of one message */

struct wm_address {
	const char *name;	/* UTF-8, "" when none */
	const char *addr;	/* local@domain */
};

/* wm_parse_addresses - the addresses of a To/Cc/Bcc field ("a@b.c, Name
 * <d@e.f>; g@h.i"): 0 with *list_r and *n_r (none for an empty field), or
 * -1 with *bad_r the piece that is not an address (in pool) */
int wm_parse_addresses(struct pool *pool, const char *field,
		       struct wm_address **list_r, unsigned int *n_r,
		       const char **bad_r);

/* wm_format_addresses - n addresses as a field for a form (UTF-8, names
 * quoted where they need it) */
const char *wm_format_addresses(struct pool *pool,
				const struct wm_address *list, unsigned int n);

struct wm_attachment {
	bool message;		/* data is a whole message: message/rfc822 */
	const char *filename;	/* UTF-8 */
	const char *type;	/* "application/pdf"; NULL = guess/octet */
	const char *data;
	size_t len;
};

struct wm_outgoing {
	struct wm_address from;
	const struct wm_address *to, *cc, *bcc;
	unsigned int nto, ncc, nbcc;
	bool with_bcc;		/* a Bcc header (drafts and the Sent copy) */
	const char *subject;	/* UTF-8 */
	const char *text;	/* UTF-8 plain body */
	const char *in_reply_to;	/* as read from a form: checked */
	const char *references;
	const char *message_id;	/* without <>; made when NULL */
	time_t date;		/* 0 = now */
	const char *compose_ref;	/* drafts only, NULL otherwise */
	const struct wm_attachment *att;
	unsigned int natt;
};

/* wm_build_message - the message as bytes (pool); *message_id_r (may be
 * NULL) is the Message-ID it got, without <> */
int wm_build_message(struct pool *pool, const struct wm_outgoing *o,
		     const char **data_r, size_t *len_r,
		     const char **message_id_r);

/* wm_msgids - the <id> tokens of a header value that look like message
 * ids, space separated, at most max of the last ones; "" when none */
const char *wm_msgids(struct pool *pool, const char *value, unsigned int max);

/* wm_subject_prefix - subject with prefix ("Re: ", "Fwd: ") unless it
 * already starts with it or a common equivalent (RE:, 回复:, 答复:, FW:,
 * 转发:) */
const char *wm_subject_prefix(struct pool *pool, const char *subject,
			      const char *prefix);

#endif
