/*
 * imap-search.c - SEARCH program parser for mailhived.
 *
 * Turns the arguments of SEARCH (and the search criteria of SORT and
 * THREAD) into a tree of struct imap_search_key that the mailbox code
 * evaluates. Grammar (RFC 3501 section 9 with RFC 4731, 5182, 7162):
 *
 *   search     = ["RETURN" SP "(" [opt *(SP opt)] ")" SP]
 *                ["CHARSET" SP astring SP] search-key *(SP search-key)
 *   opt        = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE"
 *   search-key = flag keys (ALL ANSWERED DELETED ... UNSEEN NEW OLD RECENT)
 *              / ("KEYWORD" / "UNKEYWORD") SP atom
 *              / ("BCC" / "BODY" / "CC" / "FROM" / "SUBJECT" / "TEXT" /
 *                 "TO") SP astring / "HEADER" SP astring SP astring
 *              / ("BEFORE" / "ON" / "SINCE" / "SENTBEFORE" / "SENTON" /
 *                 "SENTSINCE") SP date
 *              / ("LARGER" / "SMALLER") SP number
 *              / "UID" SP sequence-set / sequence-set
 *              / "NOT" SP search-key / "OR" SP search-key SP search-key
 *              / "(" search-key *(SP search-key) ")"
 *              / "MODSEQ" [SP entry-name SP ("priv"/"shared"/"all")]
 *                SP mod-sequence-valzer
 *   date       = 1*2DIGIT "-" month "-" 4DIGIT, bare or in quotes
 *
 * Keywords are case-insensitive. Deliberate choices:
 *  - With no CHARSET, strings may be UTF-8 (as RFC 6855 and most clients
 *    assume); CHARSET US-ASCII makes any 8-bit octet an error; a charset
 *    other than UTF-8 or US-ASCII fails with badcharset set so the server
 *    answers NO [BADCHARSET (UTF-8 US-ASCII)]. Strings are always valid
 *    UTF-8 without NUL; binary literals are refused.
 *  - LARGER / SMALLER take a 63-bit number (IMAP4rev2 number64) so
 *    messages over 4 GiB can be searched.
 *  - Dates must exist (no 31-Apr, 29-Feb only in leap years); a date is
 *    an atom or a quoted string, not a literal (RFC 3501 "date").
 *  - HEADER field names are RFC 5322 field names (no ":" or controls);
 *    the value may be "" (RFC 3501: matches any message with the field).
 *  - KEYWORD takes an RFC atom; "$" is a SEARCHRES reference anywhere a
 *    sequence set may stand; RETURN options may repeat and "RETURN ()"
 *    means ALL; a MODSEQ entry name is "/flags/" plus a flag.
 *
 * SECURITY: input is bounded by imap-parser (arguments, list depth).
 * Every key consumes at least one argument, so a node array sized by the
 * argument count is enough; nesting of NOT/OR/groups is capped by
 * max_depth, and that is also the recursion depth.
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "pool.h"

#include "imap-parser.h"
#include "imap-search.h"

#define NUMBER64_MAX	((uint64_t)INT64_MAX)

enum key_arg {
	KA_NONE,	/* flag keys */
	KA_STRING,	/* astring */
	KA_KEYWORD,	/* atom */
	KA_HEADER,	/* astring astring */
	KA_DATE,
	KA_NUMBER,
	KA_UID,		/* sequence-set */
	KA_NOT,
	KA_OR,
	KA_MODSEQ,
};

static const struct {
	const char *name;
	enum imap_search_key_type type;
	enum key_arg arg;
} keys[] = {
	{ "ALL", IMAP_SEARCH_ALL, KA_NONE },
	{ "ANSWERED", IMAP_SEARCH_ANSWERED, KA_NONE },
	{ "DELETED", IMAP_SEARCH_DELETED, KA_NONE },
	{ "DRAFT", IMAP_SEARCH_DRAFT, KA_NONE },
	{ "FLAGGED", IMAP_SEARCH_FLAGGED, KA_NONE },
	{ "NEW", IMAP_SEARCH_NEW, KA_NONE },
	{ "OLD", IMAP_SEARCH_OLD, KA_NONE },
	{ "RECENT", IMAP_SEARCH_RECENT, KA_NONE },
	{ "SEEN", IMAP_SEARCH_SEEN, KA_NONE },
	{ "UNANSWERED", IMAP_SEARCH_UNANSWERED, KA_NONE },
	{ "UNDELETED", IMAP_SEARCH_UNDELETED, KA_NONE },
	{ "UNDRAFT", IMAP_SEARCH_UNDRAFT, KA_NONE },
	{ "UNFLAGGED", IMAP_SEARCH_UNFLAGGED, KA_NONE },
	{ "UNSEEN", IMAP_SEARCH_UNSEEN, KA_NONE },
	{ "KEYWORD", IMAP_SEARCH_KEYWORD, KA_KEYWORD },
	{ "UNKEYWORD", IMAP_SEARCH_UNKEYWORD, KA_KEYWORD },
	{ "BCC", IMAP_SEARCH_BCC, KA_STRING },
	{ "BODY", IMAP_SEARCH_BODY, KA_STRING },
	{ "CC", IMAP_SEARCH_CC, KA_STRING },
	{ "FROM", IMAP_SEARCH_FROM, KA_STRING },
	{ "SUBJECT", IMAP_SEARCH_SUBJECT, KA_STRING },
	{ "TEXT", IMAP_SEARCH_TEXT, KA_STRING },
	{ "TO", IMAP_SEARCH_TO, KA_STRING },
	{ "HEADER", IMAP_SEARCH_HEADER, KA_HEADER },
	{ "BEFORE", IMAP_SEARCH_BEFORE, KA_DATE },
	{ "ON", IMAP_SEARCH_ON, KA_DATE },
	{ "SINCE", IMAP_SEARCH_SINCE, KA_DATE },
	{ "SENTBEFORE", IMAP_SEARCH_SENTBEFORE, KA_DATE },
	{ "SENTON", IMAP_SEARCH_SENTON, KA_DATE },
	{ "SENTSINCE", IMAP_SEARCH_SENTSINCE, KA_DATE },
	{ "LARGER", IMAP_SEARCH_LARGER, KA_NUMBER },
	{ "SMALLER", IMAP_SEARCH_SMALLER, KA_NUMBER },
	{ "UID", IMAP_SEARCH_UID, KA_UID },
	{ "NOT", IMAP_SEARCH_NOT, KA_NOT },
	{ "OR", IMAP_SEARCH_OR, KA_OR },
	{ "MODSEQ", IMAP_SEARCH_MODSEQ, KA_MODSEQ },
};

/* parse state shared by the descent */
struct sctx {
	struct pool *pool;
	unsigned int max_depth;
	struct imap_search *search;
	const char *error;
};

/* arguments being read */
struct cursor {
	const struct imap_arg *args;
	unsigned int count;
	unsigned int pos;
};

/* ==== small helpers ==================================================== */

/* to_upper - ASCII upper case */
static char to_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - ('a' - 'A')) : c;
}

/* ncase_eq - len octets of s equal word, ignoring ASCII case */
static bool ncase_eq(const char *s, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return false;
	for (i = 0; i < len; i++) {
		if (to_upper(s[i]) != to_upper(word[i]))
			return false;
	}
	return true;
}

/* bad - record an error; returns -1 */
static int bad(struct sctx *ctx, const char *error)
{
	if (ctx->error == NULL)
		ctx->error = error;
	return -1;
}

/* next - the next argument, or NULL */
static const struct imap_arg *next(struct cursor *cur)
{
	return cur->pos < cur->count ? &cur->args[cur->pos++] : NULL;
}

/* parse_number - all of an atom as a number <= max (leading zeros ok) */
static int parse_number(const struct imap_arg *arg, uint64_t max,
			uint64_t *num_r)
{
	const char *s = arg != NULL ? imap_arg_get_atom(arg) : NULL;
	uint64_t n = 0;
	unsigned int d;
	size_t i;

	if (s == NULL || arg->len == 0)
		return -1;
	for (i = 0; i < arg->len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned int)(s[i] - '0');
		if (n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*num_r = n;
	return 0;
}

/* get_text - an astring fit for searching in the declared charset */
static int get_text(struct sctx *ctx, const struct imap_arg *arg,
		    const char **str_r)
{
	const char *s;
	size_t len, i;

	if (arg == NULL || !imap_arg_get_astring(arg, &s, &len))
		return bad(ctx, "Search key needs a string");
	if (memchr(s, '\0', len) != NULL || !utf8_valid(s, len))
		return bad(ctx, "Search string is not valid UTF-8");
	if (ctx->search->charset == IMAP_SEARCH_CHARSET_US_ASCII) {
		for (i = 0; i < len; i++) {
			if ((unsigned char)s[i] >= 0x80)
				return bad(ctx, "8-bit string with CHARSET "
					   "US-ASCII");
		}
	}
	*str_r = s;
	return 0;
}

/* field_name_valid - RFC 5322 field name: 1*(%d33-57 / %d59-126) */
static bool field_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 33 || c > 126 || c == ':')
			return false;
	}
	return true;
}

/* ==== dates ============================================================ */

/* imap_date_parse - date-text: 1*2DIGIT "-" date-month "-" 4DIGIT */
int imap_date_parse(const char *s, size_t len, struct imap_date *date_r)
{
	static const char months[12][4] = {
		"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
		"JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
	};
	static const unsigned int mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	unsigned int day = 0, month, year = 0, i, pos = 0;
	bool leap;

	if (len != 10 && len != 11)
		return -1;
	for (; pos < len - 9; pos++) {
		if (s[pos] < '0' || s[pos] > '9')
			return -1;
		day = day * 10 + (unsigned int)(s[pos] - '0');
	}
	if (s[pos] != '-' || s[pos + 4] != '-')
		return -1;
	for (month = 0; month < 12; month++) {
		if (ncase_eq(s + pos + 1, 3, months[month]))
			break;
	}
	if (month == 12)
		return -1;
	for (i = pos + 5; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		year = year * 10 + (unsigned int)(s[i] - '0');
	}
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (day == 0 || day > mdays[month] ||
	    (month == 1 && day == 29 && !leap))
		return -1;
	date_r->year = year;
	date_r->month = month + 1;
	date_r->day = day;
	return 0;
}

/* ==== keys ============================================================= */

static int parse_key(struct sctx *ctx, struct cursor *cur,
		     unsigned int depth, struct imap_search_key *key);

/* parse_group - count >= 1 keys into an AND node */
static int parse_group(struct sctx *ctx, const struct imap_arg *args,
		       unsigned int count, unsigned int depth,
		       struct imap_search_key *key)
{
	struct cursor cur = { args, count, 0 };

	if (count == 0)
		return bad(ctx, "Empty search key list");
	key->type = IMAP_SEARCH_AND;
	key->sub = p_new(ctx->pool, struct imap_search_key, count);
	key->count = 0;
	while (cur.pos < cur.count) {
		if (parse_key(ctx, &cur, depth, &key->sub[key->count]) < 0)
			return -1;
		key->count++;
	}
	return 0;
}

/* parse_modseq - MODSEQ [entry-name entry-type] mod-sequence-valzer */
static int parse_modseq(struct sctx *ctx, struct cursor *cur,
			struct imap_search_key *key)
{
	const struct imap_arg *arg = next(cur);
	const char *s, *flag;
	size_t len;

	if (arg != NULL && imap_arg_get_string(arg, &s, &len)) {
		if (len <= 7 || !ncase_eq(s, 7, "/flags/") ||
		    memchr(s, '\0', len) != NULL)
			return bad(ctx, "Invalid MODSEQ entry name");
		flag = s + 7;
		len -= 7;
		if (flag[0] == '\\') {
			if (!imap_atom_valid(flag + 1, len - 1))
				return bad(ctx, "Invalid MODSEQ entry name");
		} else if (!imap_atom_valid(flag, len)) {
			return bad(ctx, "Invalid MODSEQ entry name");
		}
		key->modseq_flag = flag;
		arg = next(cur);
		if (arg != NULL && imap_arg_atom_eq(arg, "priv"))
			key->modseq_entry = IMAP_MODSEQ_ENTRY_PRIV;
		else if (arg != NULL && imap_arg_atom_eq(arg, "shared"))
			key->modseq_entry = IMAP_MODSEQ_ENTRY_SHARED;
		else if (arg != NULL && imap_arg_atom_eq(arg, "all"))
			key->modseq_entry = IMAP_MODSEQ_ENTRY_ALL;
		else
			return bad(ctx, "Invalid MODSEQ entry type");
		arg = next(cur);
	}
	if (parse_number(arg, NUMBER64_MAX, &key->number) < 0)
		return bad(ctx, "Invalid MODSEQ value");
	ctx->search->has_modseq = true;
	return 0;
}

/* parse_seqset_arg - an atom as a sequence set ("$" allowed) */
static int parse_seqset_arg(struct sctx *ctx, const struct imap_arg *arg,
			    struct imap_seqset *set)
{
	const char *error;

	if (arg == NULL || arg->type != IMAP_ARG_ATOM ||
	    imap_seqset_parse(ctx->pool, arg->str, arg->len,
			      IMAP_SEQSET_ALLOW_SEARCHRES, set, &error) < 0)
		return bad(ctx, "Invalid sequence set");
	if (set->searchres)
		ctx->search->uses_searchres = true;
	return 0;
}

/* parse_key_args - what follows a keyword */
static int parse_key_args(struct sctx *ctx, struct cursor *cur,
			  unsigned int depth, enum key_arg kind,
			  struct imap_search_key *key)
{
	const struct imap_arg *arg;
	const char *s;
	size_t len;

	switch (kind) {
	case KA_NONE:
		return 0;
	case KA_STRING:
		return get_text(ctx, next(cur), &key->str);
	case KA_KEYWORD:
		arg = next(cur);
		s = arg != NULL ? imap_arg_get_atom(arg) : NULL;
		if (s == NULL || !imap_atom_valid(s, arg->len))
			return bad(ctx, "Invalid keyword");
		key->str = s;
		return 0;
	case KA_HEADER:
		arg = next(cur);
		if (arg == NULL || !imap_arg_get_astring(arg, &s, &len) ||
		    !field_name_valid(s, len))
			return bad(ctx, "Invalid header field name");
		key->field = s;
		return get_text(ctx, next(cur), &key->str);
	case KA_DATE:
		arg = next(cur);
		if (arg == NULL || (arg->type != IMAP_ARG_ATOM &&
				    arg->type != IMAP_ARG_STRING) ||
		    imap_date_parse(arg->str, arg->len, &key->date) < 0)
			return bad(ctx, "Invalid date");
		return 0;
	case KA_NUMBER:
		if (parse_number(next(cur), NUMBER64_MAX, &key->number) < 0)
			return bad(ctx, "Invalid size");
		return 0;
	case KA_UID:
		return parse_seqset_arg(ctx, next(cur), &key->seqset);
	case KA_NOT:
	case KA_OR:
		if (depth + 1 > ctx->max_depth)
			return bad(ctx, "Search keys nested too deeply");
		key->count = kind == KA_NOT ? 1 : 2;
		key->sub = p_new(ctx->pool, struct imap_search_key,
				 key->count);
		if (parse_key(ctx, cur, depth + 1, &key->sub[0]) < 0)
			return -1;
		if (kind == KA_OR &&
		    parse_key(ctx, cur, depth + 1, &key->sub[1]) < 0)
			return -1;
		return 0;
	case KA_MODSEQ:
		return parse_modseq(ctx, cur, key);
	}
	return bad(ctx, "Invalid search key");
}

/* parse_key - one search-key from the cursor */
static int parse_key(struct sctx *ctx, struct cursor *cur,
		     unsigned int depth, struct imap_search_key *key)
{
	const struct imap_arg *arg = next(cur), *list;
	unsigned int count, i;
	char c;

	memset(key, 0, sizeof(*key));
	if (arg == NULL)
		return bad(ctx, "Missing search key");
	if (imap_arg_get_list(arg, &list, &count)) {
		if (depth + 1 > ctx->max_depth)
			return bad(ctx, "Search keys nested too deeply");
		return parse_group(ctx, list, count, depth + 1, key);
	}
	if (arg->type != IMAP_ARG_ATOM)
		return bad(ctx, "Invalid search key");
	c = arg->str[0];
	if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
		key->type = IMAP_SEARCH_SEQSET;
		return parse_seqset_arg(ctx, arg, &key->seqset);
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (ncase_eq(arg->str, arg->len, keys[i].name)) {
			key->type = keys[i].type;
			return parse_key_args(ctx, cur, depth, keys[i].arg,
					      key);
		}
	}
	return bad(ctx, "Unknown search key");
}

/* ==== programs ========================================================= */

/* set_charset - a CHARSET value; -1 with badcharset for unknown ones */
static int set_charset(struct sctx *ctx, const struct imap_arg *arg)
{
	const char *s;
	size_t len;

	if (arg == NULL || !imap_arg_get_astring(arg, &s, &len))
		return bad(ctx, "Missing charset");
	if (ncase_eq(s, len, "UTF-8")) {
		ctx->search->charset = IMAP_SEARCH_CHARSET_UTF8;
	} else if (ncase_eq(s, len, "US-ASCII")) {
		ctx->search->charset = IMAP_SEARCH_CHARSET_US_ASCII;
	} else {
		ctx->search->badcharset = true;
		return bad(ctx, "Unsupported charset");
	}
	return 0;
}

/* parse_return - "(" opts ")" after RETURN */
static int parse_return(struct sctx *ctx, const struct imap_arg *arg)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} opts[] = {
		{ "MIN", IMAP_SEARCH_RETURN_MIN },
		{ "MAX", IMAP_SEARCH_RETURN_MAX },
		{ "ALL", IMAP_SEARCH_RETURN_ALL },
		{ "COUNT", IMAP_SEARCH_RETURN_COUNT },
		{ "SAVE", IMAP_SEARCH_RETURN_SAVE },
	};
	const struct imap_arg *list;
	unsigned int count, i, k;

	if (arg == NULL || !imap_arg_get_list(arg, &list, &count))
		return bad(ctx, "RETURN needs a list");
	ctx->search->has_return = true;
	for (i = 0; i < count; i++) {
		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
			if (imap_arg_atom_eq(&list[i], opts[k].name))
				break;
		}
		if (k == sizeof(opts) / sizeof(opts[0]))
			return bad(ctx, "Unknown RETURN option");
		ctx->search->return_opts |= opts[k].bit;
	}
	if (count == 0)
		ctx->search->return_opts = IMAP_SEARCH_RETURN_ALL;
	return 0;
}

/* run - shared body of both entry points */
static int run(struct pool *pool, const struct imap_arg *args,
	       unsigned int count, unsigned int max_depth, bool criteria,
	       struct imap_search *search_r, const char **error_r)
{
	struct sctx ctx;
	struct cursor cur = { args, count, 0 };
	struct imap_search s;
	int ret = 0;

	memset(&s, 0, sizeof(s));
	memset(&ctx, 0, sizeof(ctx));
	ctx.pool = pool;
	ctx.max_depth = max_depth > 0 ? max_depth :
		IMAP_SEARCH_DEFAULT_MAX_DEPTH;
	ctx.search = &s;
	if (criteria) {
		ret = set_charset(&ctx, next(&cur));
	} else {
		if (cur.pos < count && imap_arg_atom_eq(&args[cur.pos],
							"RETURN")) {
			cur.pos++;
			ret = parse_return(&ctx, next(&cur));
		}
		if (ret == 0 && cur.pos < count &&
		    imap_arg_atom_eq(&args[cur.pos], "CHARSET")) {
			cur.pos++;
			ret = set_charset(&ctx, next(&cur));
		}
	}
	if (ret == 0) {
		s.root = p_new(pool, struct imap_search_key, 1);
		ret = parse_group(&ctx, cur.pos < count ? args + cur.pos :
				  NULL, count - cur.pos, 0, s.root);
	}
	if (ret < 0) {
		memset(search_r, 0, sizeof(*search_r));
		search_r->badcharset = s.badcharset;
		*error_r = ctx.error;
		return -1;
	}
	*search_r = s;
	return 0;
}

/* imap_search_parse - SEARCH arguments */
int imap_search_parse(struct pool *pool, const struct imap_arg *args,
		      unsigned int count, unsigned int max_depth,
		      struct imap_search *search_r, const char **error_r)
{
	return run(pool, args, count, max_depth, false, search_r, error_r);
}

/* imap_search_parse_criteria - SORT / THREAD search-criteria */
int imap_search_parse_criteria(struct pool *pool, const struct imap_arg *args,
			       unsigned int count, unsigned int max_depth,
			       struct imap_search *search_r,
			       const char **error_r)
{
	return run(pool, args, count, max_depth, true, search_r, error_r);
}

/* ==== SORT criteria ==================================================== */

/* imap_sort_parse - RFC 5256 sort-criteria */
int imap_sort_parse(struct pool *pool, const struct imap_arg *arg,
		    const struct imap_sort_criterion **crit_r,
		    unsigned int *count_r, const char **error_r)
{
	static const char *const names[] = {
		"ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO",
	};
	struct imap_sort_criterion *crit;
	const struct imap_arg *list;
	unsigned int count, i, k, n = 0;
	bool reverse = false;

	if (!imap_arg_get_list(arg, &list, &count) || count == 0) {
		*error_r = "Invalid sort criteria";
		return -1;
	}
	crit = p_new(pool, struct imap_sort_criterion, count);
	for (i = 0; i < count; i++) {
		if (imap_arg_atom_eq(&list[i], "REVERSE")) {
			if (reverse)
				break;
			reverse = true;
			continue;
		}
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			if (imap_arg_atom_eq(&list[i], names[k]))
				break;
		}
		if (k == sizeof(names) / sizeof(names[0]))
			break;
		crit[n].key = (enum imap_sort_key)k;
		crit[n].reverse = reverse;
		n++;
		reverse = false;
	}
	if (i < count || reverse) {
		*error_r = "Invalid sort criteria";
		return -1;
	}
	*crit_r = crit;
	*count_r = n;
	return 0;
}
