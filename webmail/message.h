#ifndef MH_WM_MESSAGE_H
#define MH_WM_MESSAGE_H
/*
 * message.h - a message as the reading view shows it: headers decoded to
 * UTF-8, the text and HTML bodies converted to UTF-8, and the parts that
 * can be downloaded, numbered in the order a depth-first walk meets them
 * (the same number names the same part on every parse of the same bytes).
 *
 * SECURITY: the message is hostile. Nothing here is HTML-escaped or
 * sanitized; the caller escapes headers and text (templates do) and sends
 * html through html_sanitize().
 */
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct pool;

struct wm_part {
	unsigned int no;	/* 1.. */
	const char *type;	/* "image/png", lower case */
	const char *filename;	/* RFC 2231/2047 decoded; "" if none */
	const char *content_id;	/* without <>; NULL if none */
	size_t size;		/* decoded octets */
	bool attachment;	/* listed for download */
	const char *data;	/* decoded content (pool) */
};

/* a draft saved by the compose page remembers the message it answers or
 * forwards in this header (folder, UID, kind), to flag it when the draft
 * is finally sent; it never leaves in sent mail */
#define WM_COMPOSE_REF_HEADER "X-Mailhive-Compose-Ref"

struct wm_message {
	const char *subject, *from, *from_addr, *to, *cc, *bcc, *reply_to;
	const char *message_id;	/* without <> */
	/* raw header values, unfolded; "" when absent */
	const char *in_reply_to, *references;
	const char *compose_ref;	/* WM_COMPOSE_REF_HEADER of a draft */
	time_t date;		/* 0 if none */
	const char *text;	/* text/plain body in UTF-8, or NULL */
	const char *html;	/* text/html body in UTF-8, or NULL */
	size_t html_len;
	struct wm_part *parts;
	unsigned int nparts;
};

/* wm_message_parse - parse len bytes; bytes GMime cannot make a message
 * of at all become the text of a message without headers; -1 is kept for
 * failures to come */
int wm_message_parse(struct pool *pool, const char *data, size_t len,
		     struct wm_message *msg_r);

/* wm_to_utf8 - bytes in charset as UTF-8; when charset is NULL, unknown
 * or does not fit the bytes: in the charset uchardet finds, else the
 * first of UTF-8, GB18030, Big5 and ISO-8859-1 that fits */
const char *wm_to_utf8(struct pool *pool, const char *data, size_t len,
		       const char *charset);

/* wm_text_html - plain text as HTML for a <div class="text">: every
 * character escaped, http(s) URLs made links that open in a new window,
 * runs of quoted lines ("> ...") folded under a <details> whose summary
 * is quoted_label (escaped too). The only markup is our own. */
const char *wm_text_html(struct pool *pool, const char *text,
			 const char *quoted_label);

#endif
