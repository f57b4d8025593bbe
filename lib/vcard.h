#ifndef MH_VCARD_H
#define MH_VCARD_H
/*
 * vcard.h - vCard files (RFC 6350 version 4.0, RFC 2426 version 3.0 and
 * the 2.1 that Outlook still writes): a reader for untrusted uploads and
 * a 4.0 writer, for the domain and personal address books.
 *
 * Reader: the whole file is given at once. Lines end in CRLF, LF or CR;
 * a line starting with a space or tab continues the one before;
 * QUOTED-PRINTABLE values continue after a line ending in '='. Each card
 * runs from BEGIN:VCARD to END:VCARD. Properties read: VERSION, FN, N,
 * EMAIL, TEL, ORG (company;department), TITLE, NOTE; with the parameters
 * TYPE (also 2.1's bare WORK, CELL, ...), PREF, CHARSET and ENCODING
 * (QUOTED-PRINTABLE, B or BASE64). Others are skipped, whatever their
 * size. Values are unescaped (\\ \, \; \n) and made UTF-8: from their
 * CHARSET when one is named, else from GB18030 when they are not UTF-8.
 *
 * vcard_read() returns one card at a time: VCARD_CARD, VCARD_END, or
 * VCARD_BAD for a card that could not be read (or for text outside any
 * card), with "line N: ..." in *error_r, N being where the card begins;
 * reading goes on after it, so a file with one bad card gives the others.
 * A card is bad when it has no END, a line without ':', a kept value
 * over max_value bytes, more than max_items emails or phones, a value
 * that cannot be decoded, or a VERSION other than 2.1, 3.0 and 4.0.
 * More than max_cards cards is a bad card after which the reader ends.
 *
 * Writer: vcard_write() appends one VERSION:4.0 card with CRLF line ends,
 * text escaped and lines folded at 75 octets, never inside a UTF-8
 * sequence.
 *
 * SECURITY: untrusted input, read with an index bounded by its length.
 * A logical line is assembled in a buffer whose maximum is bounded by
 * max_value, so a huge PHOTO costs a scan, not memory; every value handed
 * out is valid UTF-8 without NUL bytes.
 */
#include <stdbool.h>
#include <stddef.h>

struct buf;
struct pool;

struct vcard_limits {
	size_t max_cards;	/* cards of one file */
	size_t max_value;	/* bytes of one kept value, decoded */
	size_t max_items;	/* emails, and phones, of one card */
	size_t max_input;	/* bytes of the file */
};

/* defaults: 100000 cards, 64 KiB values, 50 items, 64 MiB */
extern const struct vcard_limits vcard_limits_default;

struct vcard_item {
	const char *value;
	const char *type;	/* lower case, comma-separated: "work,pref";
				   "" when none */
};

struct vcard {
	unsigned int line;	/* of BEGIN:VCARD */
	const char *version;	/* "2.1", "3.0", "4.0" or "" */
	const char *name;	/* FN, or made from N; "" when neither */
	const char *family;	/* N's first two parts; "" when none */
	const char *given;
	struct vcard_item *emails;
	size_t n_emails;
	struct vcard_item *phones;
	size_t n_phones;
	const char *company;	/* ORG's first part */
	const char *department;	/* ORG's second part */
	const char *title;
	const char *notes;	/* NOTEs, joined by line breaks */
};

enum vcard_status {
	VCARD_BAD = -1,
	VCARD_END = 0,
	VCARD_CARD = 1,
};

struct vcard_reader;

/* vcard_reader_new - a reader over data (pool memory is used for the
 * cards); limits NULL for the defaults. -1 with *error_r when the file
 * is too large or its UTF-16 cannot be read */
int vcard_reader_new(struct pool *pool, const char *data, size_t len,
		     const struct vcard_limits *limits,
		     struct vcard_reader **reader_r, const char **error_r)
	__attribute__((warn_unused_result));
/* vcard_read - the next card into *card_r (pool memory) */
enum vcard_status vcard_read(struct vcard_reader *reader,
			     struct vcard **card_r, const char **error_r);

/* vcard_write - one card as vCard 4.0; NULL strings count as "" */
void vcard_write(struct buf *out, const struct vcard *card);
/* (out has no maximum: only memory can run out, and that panics) */

#endif
