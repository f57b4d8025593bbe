#ifndef MH_IMAP_MIME_H
#define MH_IMAP_MIME_H
/*
 * imap-mime.h - a stored message as IMAP sees it: its MIME part tree with
 * octet offsets, and from that tree BODYSTRUCTURE / BODY (RFC 3501 7.4.2),
 * ENVELOPE, the octets of BODY[section] and the decoded octets of
 * BINARY[section] (RFC 3516).
 *
 * The parser works on the raw message as it is in the blob store (CRLF or
 * bare LF line ends both accepted; offsets always refer to the raw
 * octets, so BODY[] sections are exact substrings; sizes and line counts
 * are those of the raw octets too). It never fails: a message without a
 * header/body separator is all header, a multipart without a boundary
 * parameter (or whose boundary never occurs) has no parts and is written
 * as holding one empty text/plain part, a missing closing boundary ends
 * the part at the end of the data (or at a boundary of a multipart
 * around it). The choices made on broken mail, and where they differ
 * from Dovecot's, are listed at the top of imap-mime.c.
 *
 * SECURITY: the message is untrusted. Nesting (multipart and
 * message/rfc822) is bounded by IMAP_MIME_MAX_DEPTH and the number of
 * parts by IMAP_MIME_MAX_PARTS (the message itself counts): a multipart
 * or message/rfc822 part past either is one application/octet-stream
 * leaf, and the parts of a multipart past IMAP_MIME_MAX_PARTS are left
 * out (their octets stay in the multipart's body). Every string written
 * to the output is a valid IMAP string (quoted with \" and \\ escaped,
 * or a literal when it has CR, LF or 8-bit octets; NUL octets are
 * dropped) so no message content can break the response syntax.
 *
 * Output goes to a struct buf that should be unbounded (max 0): the
 * writers return nothing, and with a maximum an append that does not fit
 * is dropped with everything after it, so the output is cut short.
 * Fuzzed by tests/fuzz/fuzz-imap-mime.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap-fetch.h"		/* struct imap_section */

struct pool;
struct buf;

#define IMAP_MIME_MAX_DEPTH	32
#define IMAP_MIME_MAX_PARTS	1000

struct imap_mime_part {
	struct imap_mime_part *parent;
	struct imap_mime_part *children;	/* multipart: the parts;
						   message/rfc822: one, the
						   embedded message */
	struct imap_mime_part *next;		/* sibling */
	unsigned int nchildren;

	/* offsets into the message data */
	size_t header_start;	/* this part's MIME header block */
	size_t header_len;	/* including the empty line */
	size_t body_start;
	size_t body_len;
	unsigned int body_lines;	/* LF octets in the body (text/ and
					   message/rfc822 parts; else 0) */

	/* parsed Content-* fields (the first of each); lower-cased
	   type/subtype, defaults applied (text/plain, 7bit; in
	   multipart/digest message/rfc822; a broken Content-Type is the
	   default), charset=us-ascii appended to text/ parts without one */
	const char *type;
	const char *subtype;
	const char *const *params;	/* name, value, name, value ...;
					   names lower case, values as sent;
					   RFC 2231 continuations joined,
					   not decoded */
	unsigned int nparams;		/* name/value pairs */
	const char *id;			/* Content-ID or NULL */
	const char *description;	/* or NULL */
	const char *encoding;		/* upper-case, e.g. "7BIT", "BASE64" */
	const char *md5;		/* or NULL */
	const char *disposition;	/* or NULL, as sent */
	const char *const *disp_params;	/* as params */
	unsigned int ndisp_params;
	const char *const *languages;	/* Content-Language, or NULL */
	unsigned int nlanguages;
	const char *location;		/* Content-Location or NULL */
};

struct imap_mime {
	const char *data;	/* the message (not copied: keep it alive) */
	size_t len;
	struct imap_mime_part *root;	/* the message itself */
};

/* imap_mime_parse - the part tree of data[0..len) in pool */
struct imap_mime *imap_mime_parse(struct pool *pool, const char *data,
				  size_t len);

/* imap_mime_header_len - octets of the header block of a message, the
 * empty line included (len when there is none); for ENVELOPE and
 * BODY.PEEK[HEADER] without parsing the body */
size_t imap_mime_header_len(const char *data, size_t len);

/* imap_mime_bodystructure - append the BODYSTRUCTURE (extensible true)
 * or BODY (false) of the whole message, "(...)" */
void imap_mime_bodystructure(const struct imap_mime *mime, bool extensible,
			     struct buf *out);

/* imap_mime_envelope - append the ENVELOPE "(date subject from sender
 * reply-to to cc bcc in-reply-to message-id)" of a header block (sender
 * and reply-to default to from, as RFC 3501 says). Values are unfolded
 * and trimmed, display names raw (RFC 2047 words stay encoded), the
 * route always NIL; repeated address fields add up, otherwise the first
 * field counts. */
void imap_mime_envelope(const char *header, size_t len, struct buf *out);

/*
 * imap_mime_section - the octets of BODY[section] (before any partial):
 * a pointer into mime->data, or for HEADER.FIELDS[.NOT] a copy in pool
 * holding the matching fields in the message's order and then an empty
 * line (always, in the header's line end style). A part number that
 * does not exist, and HEADER / TEXT / HEADER.FIELDS after a part that is
 * not message/rfc822, give 0 and an empty result (RFC 3501: the server
 * returns an empty string). -1 only for a section that makes no sense
 * for that part (MIME of the top level).
 */
int imap_mime_section(struct pool *pool, const struct imap_mime *mime,
		      const struct imap_section *section,
		      const char **data_r, size_t *len_r);

/*
 * imap_mime_binary - the decoded content of BINARY[section] (base64 and
 * quoted-printable undone leniently, 7bit / 8bit / binary as they are,
 * also for multipart and message parts; BINARY[] is the whole message):
 * 0 with the octets (in pool, or pointing into mime->data), -1 when the
 * part's Content-Transfer-Encoding is unknown (the server answers NO
 * [UNKNOWN-CTE]) or the section has more than part numbers. A part that
 * does not exist gives 0 and an empty result.
 */
int imap_mime_binary(struct pool *pool, const struct imap_mime *mime,
		     const struct imap_section *section,
		     const char **data_r, size_t *len_r);

/* imap_mime_find - the part a section's part numbers name, NULL if none
 * (no numbers: the root). Part 1 of a message (the top level or one
 * embedded in a message/rfc822 part) that is not a multipart is that
 * message itself; after a message/rfc822 part the next number counts in
 * its embedded message. */
const struct imap_mime_part *
imap_mime_find(const struct imap_mime *mime, const uint32_t *parts,
	       unsigned int count);

/* imap_write_string - append s as an IMAP string: NIL for NULL, a quoted
 * string when it can be one, otherwise a literal "{n}\r\n..." */
void imap_write_string(struct buf *out, const char *s, size_t len);
void imap_write_nstring(struct buf *out, const char *s);	/* C string */

#endif
