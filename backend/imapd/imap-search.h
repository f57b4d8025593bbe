#ifndef MH_IMAP_SEARCH_H
#define MH_IMAP_SEARCH_H
/*
 * imap-search.h - SEARCH program parser (RFC 3501 6.4.4) with ESEARCH
 * RETURN options (RFC 4731), SEARCHRES "$" and SAVE (RFC 5182), the
 * CONDSTORE MODSEQ key (RFC 7162 3.1.5), and the search criteria of SORT
 * and THREAD (RFC 5256) with SORT's criteria list.
 *
 * The result is a tree in the caller's pool: the root is an AND node of
 * the top-level keys; a parenthesized group is an AND node, OR has two
 * children and NOT one.
 *
 * SECURITY: arguments come from imap-parser (already bounded); the tree
 * has at most one node per argument and is at most max_depth deep (the
 * descent recurses once per level, so the bound also bounds the stack).
 * Strings must be valid UTF-8 without NUL. Fuzzed by
 * tests/fuzz/fuzz-imap-search.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap-fetch.h"		/* struct imap_seqset */

struct pool;
struct imap_arg;

#define IMAP_SEARCH_DEFAULT_MAX_DEPTH	32

/* The charsets we search in; anything else is answered with this. */
#define IMAP_SEARCH_BADCHARSET_CODE	"BADCHARSET (UTF-8 US-ASCII)"

enum imap_search_key_type {
	IMAP_SEARCH_AND = 0,	/* sub[0..count): all of them */
	IMAP_SEARCH_OR,		/* sub[0], sub[1] */
	IMAP_SEARCH_NOT,	/* sub[0] */
	IMAP_SEARCH_SEQSET,	/* seqset: message sequence numbers */
	IMAP_SEARCH_UID,	/* seqset: UIDs */
	/* flags */
	IMAP_SEARCH_ALL,
	IMAP_SEARCH_ANSWERED,
	IMAP_SEARCH_DELETED,
	IMAP_SEARCH_DRAFT,
	IMAP_SEARCH_FLAGGED,
	IMAP_SEARCH_NEW,	/* RECENT UNSEEN */
	IMAP_SEARCH_OLD,	/* NOT RECENT */
	IMAP_SEARCH_RECENT,
	IMAP_SEARCH_SEEN,
	IMAP_SEARCH_UNANSWERED,
	IMAP_SEARCH_UNDELETED,
	IMAP_SEARCH_UNDRAFT,
	IMAP_SEARCH_UNFLAGGED,
	IMAP_SEARCH_UNSEEN,
	IMAP_SEARCH_KEYWORD,	/* str: the keyword (an atom) */
	IMAP_SEARCH_UNKEYWORD,
	/* strings (str) */
	IMAP_SEARCH_BCC,
	IMAP_SEARCH_BODY,
	IMAP_SEARCH_CC,
	IMAP_SEARCH_FROM,
	IMAP_SEARCH_SUBJECT,
	IMAP_SEARCH_TEXT,
	IMAP_SEARCH_TO,
	IMAP_SEARCH_HEADER,	/* field, str (str may be "") */
	/* dates (date) */
	IMAP_SEARCH_BEFORE,
	IMAP_SEARCH_ON,
	IMAP_SEARCH_SINCE,
	IMAP_SEARCH_SENTBEFORE,
	IMAP_SEARCH_SENTON,
	IMAP_SEARCH_SENTSINCE,
	/* sizes (number) */
	IMAP_SEARCH_LARGER,
	IMAP_SEARCH_SMALLER,
	/* RFC 7162 */
	IMAP_SEARCH_MODSEQ,	/* number; modseq_flag, modseq_type */
};

/* A calendar date as sent (day-month-year), checked to exist. */
struct imap_date {
	unsigned int year;	/* 0000-9999 */
	unsigned int month;	/* 1-12 */
	unsigned int day;	/* 1-31, valid for the month */
};

enum imap_modseq_entry {
	IMAP_MODSEQ_ENTRY_NONE = 0,	/* no entry given */
	IMAP_MODSEQ_ENTRY_ALL,
	IMAP_MODSEQ_ENTRY_PRIV,
	IMAP_MODSEQ_ENTRY_SHARED,
};

struct imap_search_key {
	enum imap_search_key_type type;
	struct imap_search_key *sub;	/* AND, OR, NOT */
	unsigned int count;
	const char *str;	/* strings, KEYWORD, HEADER value */
	const char *field;	/* HEADER field name */
	struct imap_date date;
	uint64_t number;	/* LARGER/SMALLER octets; MODSEQ value */
	struct imap_seqset seqset;	/* SEQSET, UID (may be "$") */
	const char *modseq_flag;	/* "\Seen", "$Junk", NULL: none */
	enum imap_modseq_entry modseq_entry;
};

/* RETURN options (RFC 4731, 5182) */
#define IMAP_SEARCH_RETURN_MIN		0x01
#define IMAP_SEARCH_RETURN_MAX		0x02
#define IMAP_SEARCH_RETURN_ALL		0x04
#define IMAP_SEARCH_RETURN_COUNT	0x08
#define IMAP_SEARCH_RETURN_SAVE		0x10

enum imap_search_charset {
	IMAP_SEARCH_CHARSET_DEFAULT = 0,	/* none given: UTF-8 accepted */
	IMAP_SEARCH_CHARSET_UTF8,
	IMAP_SEARCH_CHARSET_US_ASCII,
};

struct imap_search {
	bool has_return;	/* RETURN given: answer with ESEARCH */
	unsigned int return_opts; /* IMAP_SEARCH_RETURN_*; "()" is ALL */
	enum imap_search_charset charset;
	struct imap_search_key *root;	/* an AND node */
	bool has_modseq;	/* a MODSEQ key: answer with (MODSEQ n) */
	bool uses_searchres;	/* "$" appears */
	/* set on error: answer NO [IMAP_SEARCH_BADCHARSET_CODE] */
	bool badcharset;
};

/*
 * imap_search_parse - the arguments of SEARCH / UID SEARCH:
 *   [RETURN (opts)] [CHARSET astring] search-key *(SP search-key)
 * max_depth bounds the nesting of NOT, OR and groups (0: default).
 * On error search_r->badcharset tells an unsupported charset apart from
 * a syntax error (BAD).
 */
int imap_search_parse(struct pool *pool, const struct imap_arg *args,
		      unsigned int count, unsigned int max_depth,
		      struct imap_search *search_r, const char **error_r)
	__attribute__((warn_unused_result));

/*
 * imap_search_parse_criteria - RFC 5256 search-criteria, as in SORT and
 * THREAD: charset SP search-key *(SP search-key), the charset mandatory
 * and without the CHARSET keyword, no RETURN.
 */
int imap_search_parse_criteria(struct pool *pool, const struct imap_arg *args,
			       unsigned int count, unsigned int max_depth,
			       struct imap_search *search_r,
			       const char **error_r)
	__attribute__((warn_unused_result));

/* ---- SORT criteria (RFC 5256) ----------------------------------------- */

enum imap_sort_key {
	IMAP_SORT_ARRIVAL = 0,
	IMAP_SORT_CC,
	IMAP_SORT_DATE,
	IMAP_SORT_FROM,
	IMAP_SORT_SIZE,
	IMAP_SORT_SUBJECT,
	IMAP_SORT_TO,
};

struct imap_sort_criterion {
	enum imap_sort_key key;
	bool reverse;
};

/* imap_sort_parse - "(" ["REVERSE" SP] key *(SP ...) ")", one list arg;
 * REVERSE may not repeat ("REVERSE REVERSE") or stand last */
int imap_sort_parse(struct pool *pool, const struct imap_arg *arg,
		    const struct imap_sort_criterion **crit_r,
		    unsigned int *count_r, const char **error_r)
	__attribute__((warn_unused_result));

/* imap_date_parse - "d-Mon-yyyy" / "dd-Mon-yyyy" (month any case) */
int imap_date_parse(const char *s, size_t len, struct imap_date *date_r)
	__attribute__((warn_unused_result));

#endif
