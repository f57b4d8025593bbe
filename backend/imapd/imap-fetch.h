#ifndef MH_IMAP_FETCH_H
#define MH_IMAP_FETCH_H
/*
 * imap-fetch.h - sequence sets (RFC 3501 section 9, RFC 5182 "$") and the
 * FETCH attribute list (RFC 3501 6.4.5, RFC 3516 BINARY, RFC 7162
 * CONDSTORE/QRESYNC modifiers).
 *
 * SECURITY: arguments come from imap-parser (already bounded by its
 * limits); these functions only read them and allocate from the caller's
 * pool in proportion to their length. Numbers are strict and range
 * checked; nothing is allocated by a number the peer sent. Fuzzed by
 * tests/fuzz/fuzz-imap-cmd.c and fuzz-imap-search.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pool;
struct imap_arg;

/* ---- sequence sets ---------------------------------------------------- */

#define IMAP_SEQ_STAR	0	/* "*" in a range: the largest number */

/*
 * One range. Numbers are 1..2^32-1; IMAP_SEQ_STAR (0) stands for "*".
 * Normalised: lo <= hi when both are numbers ("5:3" is 3:5), and a star
 * is always in hi ("*:4" is 4:*; a lone "*" is *:*, both 0).
 */
struct imap_seq_range {
	uint32_t lo;
	uint32_t hi;
};

/* A sequence set: ranges in the order sent, or "$" (searchres). */
struct imap_seqset {
	const struct imap_seq_range *ranges;
	unsigned int count;
	bool searchres;		/* "$", the saved result (count 0) */
};

#define IMAP_SEQSET_ALLOW_SEARCHRES	0x01	/* accept "$" */

/*
 * imap_seqset_parse - "1:3,5,7:*". seq-number is nz-number (no leading
 * zero, no 0, at most 4294967295) or "*". "$" only alone and only with
 * IMAP_SEQSET_ALLOW_SEARCHRES.
 */
int imap_seqset_parse(struct pool *pool, const char *s, size_t len,
		      unsigned int flags, struct imap_seqset *set_r,
		      const char **error_r)
	__attribute__((warn_unused_result));

/*
 * imap_seqset_contains - n is in the set when "*" means star (the largest
 * UID or sequence number in use). A range "4:*" covers 4..star or star..4
 * (RFC 3501 section 9: order does not matter). With star 0 (an empty
 * mailbox) nothing matches a star range. A "$" set contains nothing here:
 * the caller resolves it.
 */
bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n,
			  uint32_t star);

/* ---- FETCH attributes ------------------------------------------------- */

enum imap_fetch_type {
	IMAP_FETCH_ENVELOPE = 0,
	IMAP_FETCH_FLAGS,
	IMAP_FETCH_INTERNALDATE,
	IMAP_FETCH_RFC822,		/* = BODY[], sets \Seen */
	IMAP_FETCH_RFC822_HEADER,	/* = BODY.PEEK[HEADER] */
	IMAP_FETCH_RFC822_SIZE,
	IMAP_FETCH_RFC822_TEXT,		/* = BODY[TEXT], sets \Seen */
	IMAP_FETCH_BODY,		/* "BODY" alone: non-extensible form */
	IMAP_FETCH_BODYSTRUCTURE,
	IMAP_FETCH_UID,
	IMAP_FETCH_BODY_SECTION,	/* BODY[...] / BODY.PEEK[...] */
	IMAP_FETCH_BINARY,		/* BINARY[...] / BINARY.PEEK[...] */
	IMAP_FETCH_BINARY_SIZE,		/* BINARY.SIZE[...] */
	IMAP_FETCH_MODSEQ,
};

enum imap_section_text {
	IMAP_SECTION_ALL = 0,		/* "" : the whole (part) */
	IMAP_SECTION_HEADER,
	IMAP_SECTION_HEADER_FIELDS,
	IMAP_SECTION_HEADER_FIELDS_NOT,
	IMAP_SECTION_TEXT,
	IMAP_SECTION_MIME,		/* only after a part number */
};

#define IMAP_FETCH_MAX_PART_DEPTH	64	/* "1.2.3..." numbers */

/* A section: part numbers (each >= 1), then what of that part. Header
 * field names are valid RFC 5322 field names, as sent. */
struct imap_section {
	const uint32_t *parts;
	unsigned int part_count;
	enum imap_section_text text;
	const char *const *fields;	/* HEADER.FIELDS[.NOT] */
	unsigned int field_count;
};

struct imap_fetch_att {
	enum imap_fetch_type type;
	bool peek;		/* BODY.PEEK / BINARY.PEEK */
	bool implied;		/* added by imap_fetch_parse(), not sent */
	struct imap_section section;	/* BODY[], BINARY[], .SIZE[] */
	bool partial;
	uint32_t partial_offset;
	uint32_t partial_count;	/* >= 1 */
	/* the item name for the FETCH response, e.g. "BODY[1.HEADER.FIELDS
	   (From To)]<0>" (no PEEK; partial as "<offset>") or "RFC822.SIZE" */
	const char *name;
};

struct imap_fetch {
	struct imap_seqset seqset;
	const struct imap_fetch_att *atts;
	unsigned int count;
	bool changedsince;	/* (CHANGEDSINCE modseq) */
	uint64_t changedsince_modseq;	/* 1..2^63-1 */
	bool vanished;		/* (VANISHED): UID FETCH + CHANGEDSINCE */
	bool sets_seen;		/* an item sets \Seen (if read-write) */
};

/*
 * imap_fetch_parse - the arguments of FETCH / UID FETCH: sequence set
 * ("$" allowed), then ALL / FAST / FULL, one attribute, or a list of
 * attributes, then optionally a list of modifiers (CHANGEDSINCE n,
 * VANISHED). For UID FETCH a UID item is added when missing, and with
 * CHANGEDSINCE a MODSEQ item (RFC 7162 3.1.4.1); both have implied set.
 * VANISHED needs uid and CHANGEDSINCE (RFC 7162 3.2.6); whether QRESYNC
 * is enabled is the server's check.
 */
int imap_fetch_parse(struct pool *pool, const struct imap_arg *args,
		     unsigned int count, bool uid, struct imap_fetch *fetch_r,
		     const char **error_r)
	__attribute__((warn_unused_result));

/* imap_fetch_att_parse - one attribute, e.g. "BODY.PEEK[1.MIME]<0.512>"
 * (any case; not the macros) */
int imap_fetch_att_parse(struct pool *pool, const char *s, size_t len,
			 struct imap_fetch_att *att_r, const char **error_r)
	__attribute__((warn_unused_result));

#endif
