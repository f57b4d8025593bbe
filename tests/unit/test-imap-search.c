/*
 * test-imap-search.c - SEARCH programs, SORT criteria and dates
 * (backend/imapd/imap-search.c).
 *
 * Each command line goes through the real parser; the resulting tree is
 * dumped in a compact form and compared:
 *
 *   (k1 k2)          an AND node (the root is one)
 *   OR a b, NOT a    OR and NOT
 *   SEQ[1:3] UID[$]  sequence sets, "*" for a star
 *   FROM("x")        string keys; HEADER(field,"value"); KEYWORD(k)
 *   SINCE(1994-02-01), LARGER(10), MODSEQ(\Seen,all,5)
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "pool.h"
#include "imap-parser.h"
#include "imap-search.h"
#include "suites.h"

Suite *imap_search_suite(void);

#define N_ROWS(rows) (sizeof(rows) / sizeof((rows)[0]))

static struct pool *pool;
static struct imap_parser *parser;

static void setup(void)
{
	pool = pool_new("test-imap-search", 4096);
	parser = imap_parser_new(NULL);
}

static void teardown(void)
{
	imap_parser_free(&parser);
	pool_destroy(&pool);
}

/* parse_cmd - one complete command line (literals accepted) */
static const struct imap_cmd *parse_cmd(const char *line)
{
	size_t len = strlen(line), pos = 0, used;
	enum imap_parse_status st;

	imap_parser_reset(parser);
	for (;;) {
		st = imap_parser_feed(parser, line + pos, len - pos, &used);
		pos += used;
		if (st != IMAP_PARSE_LITERAL)
			break;
		ck_assert_int_eq(imap_parser_literal_accept(parser), 0);
	}
	ck_assert_msg(st == IMAP_PARSE_DONE, "not parsed: %s", line);
	return imap_parser_cmd(parser);
}

/* search - "t SEARCH <args>" through imap_search_parse() */
static int search(const char *args, unsigned int max_depth,
		  struct imap_search *s, const char **error)
{
	const struct imap_cmd *cmd;

	cmd = parse_cmd(p_printf(pool, "t SEARCH %s\r\n", args));
	*error = NULL;
	return imap_search_parse(pool, cmd->args, cmd->count, max_depth, s,
				 error);
}

static const char *const type_names[] = {
	"AND", "OR", "NOT", "SEQ", "UID", "ALL", "ANSWERED", "DELETED",
	"DRAFT", "FLAGGED", "NEW", "OLD", "RECENT", "SEEN", "UNANSWERED",
	"UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN", "KEYWORD",
	"UNKEYWORD", "BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO",
	"HEADER", "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON",
	"SENTSINCE", "LARGER", "SMALLER", "MODSEQ",
};

/* dump_set - "[1:3,5:*]" */
static void dump_set(struct buf *b, const struct imap_seqset *set)
{
	unsigned int i;

	ck_assert_int_eq(buf_append_char(b, '['), 0);
	if (set->searchres)
		ck_assert_int_eq(buf_append_char(b, '$'), 0);
	for (i = 0; i < set->count; i++) {
		const struct imap_seq_range *r = &set->ranges[i];

		if (i > 0)
			ck_assert_int_eq(buf_append_char(b, ','), 0);
		if (r->lo == IMAP_SEQ_STAR)
			ck_assert_int_eq(buf_append_char(b, '*'), 0);
		else
			ck_assert_int_eq(buf_printf(b, "%u", r->lo), 0);
		if (r->hi == IMAP_SEQ_STAR)
			ck_assert_int_eq(buf_append_str(b, ":*"), 0);
		else
			ck_assert_int_eq(buf_printf(b, ":%u", r->hi), 0);
	}
	ck_assert_int_eq(buf_append_char(b, ']'), 0);
}

/* dump_key - one node and its children */
static void dump_key(struct buf *b, const struct imap_search_key *k)
{
	static const char *const entries[] = { "", "all", "priv", "shared" };
	unsigned int i;

	switch (k->type) {
	case IMAP_SEARCH_AND:
		ck_assert_uint_ge(k->count, 1);
		ck_assert_int_eq(buf_append_char(b, '('), 0);
		for (i = 0; i < k->count; i++) {
			if (i > 0)
				ck_assert_int_eq(buf_append_char(b, ' '), 0);
			dump_key(b, &k->sub[i]);
		}
		ck_assert_int_eq(buf_append_char(b, ')'), 0);
		return;
	case IMAP_SEARCH_OR:
	case IMAP_SEARCH_NOT:
		ck_assert_uint_eq(k->count, k->type == IMAP_SEARCH_OR ? 2 : 1);
		ck_assert_int_eq(buf_append_str(b, type_names[k->type]), 0);
		for (i = 0; i < k->count; i++) {
			ck_assert_int_eq(buf_append_char(b, ' '), 0);
			dump_key(b, &k->sub[i]);
		}
		return;
	case IMAP_SEARCH_SEQSET:
	case IMAP_SEARCH_UID:
		ck_assert_int_eq(buf_append_str(b, type_names[k->type]), 0);
		dump_set(b, &k->seqset);
		return;
	case IMAP_SEARCH_KEYWORD:
	case IMAP_SEARCH_UNKEYWORD:
		ck_assert_int_eq(buf_printf(b, "%s(%s)", type_names[k->type],
					    k->str), 0);
		return;
	case IMAP_SEARCH_BCC:
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_CC:
	case IMAP_SEARCH_FROM:
	case IMAP_SEARCH_SUBJECT:
	case IMAP_SEARCH_TEXT:
	case IMAP_SEARCH_TO:
		ck_assert(utf8_valid(k->str, strlen(k->str)));
		ck_assert_int_eq(buf_printf(b, "%s(\"%s\")",
					    type_names[k->type], k->str), 0);
		return;
	case IMAP_SEARCH_HEADER:
		ck_assert_int_eq(buf_printf(b, "HEADER(%s,\"%s\")", k->field,
					    k->str), 0);
		return;
	case IMAP_SEARCH_BEFORE:
	case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SINCE:
	case IMAP_SEARCH_SENTBEFORE:
	case IMAP_SEARCH_SENTON:
	case IMAP_SEARCH_SENTSINCE:
		ck_assert_int_eq(buf_printf(b, "%s(%04u-%02u-%02u)",
					    type_names[k->type], k->date.year,
					    k->date.month, k->date.day), 0);
		return;
	case IMAP_SEARCH_LARGER:
	case IMAP_SEARCH_SMALLER:
		ck_assert_int_eq(buf_printf(b, "%s(%llu)", type_names[k->type],
					    (unsigned long long)k->number), 0);
		return;
	case IMAP_SEARCH_MODSEQ:
		if (k->modseq_flag != NULL)
			ck_assert_int_eq(buf_printf(b, "MODSEQ(%s,%s,%llu)",
				k->modseq_flag, entries[k->modseq_entry],
				(unsigned long long)k->number), 0);
		else
			ck_assert_int_eq(buf_printf(b, "MODSEQ(%llu)",
				(unsigned long long)k->number), 0);
		return;
	default:
		ck_assert_int_eq(buf_append_str(b, type_names[k->type]), 0);
		return;
	}
}

/* dump - the whole tree */
static const char *dump(const struct imap_search *s)
{
	struct buf b;
	const char *res;

	ck_assert_ptr_nonnull(s->root);
	ck_assert_int_eq(s->root->type, IMAP_SEARCH_AND);
	buf_init(&b, 0);
	dump_key(&b, s->root);
	res = p_strdup(pool, b.data);
	buf_free(&b);
	return res;
}

/* ==== keys ============================================================= */

static const struct {
	const char *args;
	const char *tree;
} ok_rows[] = {
	{ "ALL", "(ALL)" },
	{ "all", "(ALL)" },
	{ "1:3 UNSEEN", "(SEQ[1:3] UNSEEN)" },
	{ "5:3,*,7:*", "(SEQ[3:5,*:*,7:*])" },
	{ "UID 5:* NOT DELETED", "(UID[5:*] NOT DELETED)" },
	{ "uid 1,2", "(UID[1:1,2:2])" },
	{ "$", "(SEQ[$])" },
	{ "UID $ SEEN", "(UID[$] SEEN)" },
	{ "ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT SEEN",
	  "(ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT SEEN)" },
	{ "UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN",
	  "(UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN)" },
	{ "OR FROM a TO b", "(OR FROM(\"a\") TO(\"b\"))" },
	{ "OR (FROM a SEEN) NOT (TO b)",
	  "(OR (FROM(\"a\") SEEN) NOT (TO(\"b\")))" },
	{ "NOT NOT NOT SEEN", "(NOT NOT NOT SEEN)" },
	{ "OR OR SEEN DRAFT OR 1 2", "(OR OR SEEN DRAFT OR SEQ[1:1] "
	  "SEQ[2:2])" },
	{ "(ALL)", "((ALL))" },
	{ "((SEEN) (UNSEEN FLAGGED))", "(((SEEN) (UNSEEN FLAGGED)))" },
	{ "FROM \"Joe Doe\" SUBJECT hello BODY x TEXT y CC z BCC w",
	  "(FROM(\"Joe Doe\") SUBJECT(\"hello\") BODY(\"x\") TEXT(\"y\") "
	  "CC(\"z\") BCC(\"w\"))" },
	{ "FROM NIL", "(FROM(\"NIL\"))" },
	{ "SUBJECT \"\"", "(SUBJECT(\"\"))" },
	{ "SUBJECT a]b", "(SUBJECT(\"a]b\"))" },
	{ "SUBJECT {5}\r\nhello", "(SUBJECT(\"hello\"))" },
	{ "SUBJECT \"\xe6\x94\xb6\xe4\xbb\xb6\"",
	  "(SUBJECT(\"\xe6\x94\xb6\xe4\xbb\xb6\"))" },
	{ "SUBJECT {6}\r\n\xe6\x94\xb6\xe4\xbb\xb6",
	  "(SUBJECT(\"\xe6\x94\xb6\xe4\xbb\xb6\"))" },
	{ "HEADER Message-ID <x@y>", "(HEADER(Message-ID,\"<x@y>\"))" },
	{ "HEADER \"X-Foo\" \"\"", "(HEADER(X-Foo,\"\"))" },
	{ "KEYWORD $Junk UNKEYWORD Work", "(KEYWORD($Junk) UNKEYWORD(Work))" },
	{ "KEYWORD NIL", "(KEYWORD(NIL))" },
	{ "SINCE 1-Feb-1994", "(SINCE(1994-02-01))" },
	{ "BEFORE \"01-jan-2000\"", "(BEFORE(2000-01-01))" },
	{ "ON 29-Feb-2024 ON 29-FEB-2000", "(ON(2024-02-29) ON(2000-02-29))" },
	{ "SENTSINCE 31-Dec-1999 SENTBEFORE 30-Apr-2001 SENTON 1-Jan-0000",
	  "(SENTSINCE(1999-12-31) SENTBEFORE(2001-04-30) "
	  "SENTON(0000-01-01))" },
	{ "LARGER 1000 SMALLER 0", "(LARGER(1000) SMALLER(0))" },
	{ "LARGER 9223372036854775807", "(LARGER(9223372036854775807))" },
	{ "LARGER 007", "(LARGER(7))" },
	{ "MODSEQ 0", "(MODSEQ(0))" },
	{ "MODSEQ \"/flags/\\\\draft\" all 620162338",
	  "(MODSEQ(\\draft,all,620162338))" },
	{ "MODSEQ \"/FLAGS/$Junk\" priv 5", "(MODSEQ($Junk,priv,5))" },
	{ "MODSEQ {12}\r\n/flags/\\Seen shared 9223372036854775807",
	  "(MODSEQ(\\Seen,shared,9223372036854775807))" },
	{ "CHARSET UTF-8 SUBJECT \"\xc3\xa9t\xc3\xa9\"",
	  "(SUBJECT(\"\xc3\xa9t\xc3\xa9\"))" },
	{ "CHARSET utf-8 ALL", "(ALL)" },
	{ "CHARSET \"US-ASCII\" SUBJECT abc", "(SUBJECT(\"abc\"))" },
	{ "RETURN (MIN MAX) ALL", "(ALL)" },
	{ "RETURN (COUNT) CHARSET UTF-8 ALL", "(ALL)" },
};

START_TEST(test_keys_ok)
{
	struct imap_search s;
	const char *error;
	size_t i;

	for (i = 0; i < N_ROWS(ok_rows); i++) {
		ck_assert_msg(search(ok_rows[i].args, 0, &s, &error) == 0,
			      "refused: %s (%s)", ok_rows[i].args, error);
		ck_assert_str_eq(dump(&s), ok_rows[i].tree);
		ck_assert(!s.badcharset);
	}
}
END_TEST

START_TEST(test_flags_out)
{
	struct imap_search s;
	const char *error;

	ck_assert_int_eq(search("ALL", 0, &s, &error), 0);
	ck_assert(!s.has_return && s.return_opts == 0);
	ck_assert_int_eq(s.charset, IMAP_SEARCH_CHARSET_DEFAULT);
	ck_assert(!s.has_modseq && !s.uses_searchres);

	ck_assert_int_eq(search("RETURN (MIN MAX COUNT) ALL", 0, &s, &error),
			 0);
	ck_assert(s.has_return);
	ck_assert_uint_eq(s.return_opts, IMAP_SEARCH_RETURN_MIN |
			  IMAP_SEARCH_RETURN_MAX | IMAP_SEARCH_RETURN_COUNT);
	ck_assert_int_eq(search("RETURN () ALL", 0, &s, &error), 0);
	ck_assert(s.has_return);
	ck_assert_uint_eq(s.return_opts, IMAP_SEARCH_RETURN_ALL);
	ck_assert_int_eq(search("return (save all save) UID 1:*", 0, &s,
				&error), 0);
	ck_assert_uint_eq(s.return_opts, IMAP_SEARCH_RETURN_SAVE |
			  IMAP_SEARCH_RETURN_ALL);

	ck_assert_int_eq(search("CHARSET UTF-8 ALL", 0, &s, &error), 0);
	ck_assert_int_eq(s.charset, IMAP_SEARCH_CHARSET_UTF8);
	ck_assert_int_eq(search("CHARSET us-ascii ALL", 0, &s, &error), 0);
	ck_assert_int_eq(s.charset, IMAP_SEARCH_CHARSET_US_ASCII);

	ck_assert_int_eq(search("OR MODSEQ 5 SEEN", 0, &s, &error), 0);
	ck_assert(s.has_modseq);
	ck_assert_int_eq(search("NOT (UID $)", 0, &s, &error), 0);
	ck_assert(s.uses_searchres);
}
END_TEST

static const struct {
	const char *args;
	const char *error;
} bad_rows[] = {
	{ "CHARSET UTF-8", "Empty search key list" },
	{ "RETURN (ALL)", "Empty search key list" },
	{ "FOO", "Unknown search key" },
	{ "ALL FOO", "Unknown search key" },
	{ "CHARSETX UTF-8 ALL", "Unknown search key" },
	{ "ALL CHARSET UTF-8", "Unknown search key" },
	{ "ALL RETURN (MIN)", "Unknown search key" },
	{ "\"ALL\"", "Invalid search key" },
	{ "NIL", "Invalid search key" },
	{ "{3}\r\nALL", "Invalid search key" },
	/* strings */
	{ "FROM", "Search key needs a string" },
	{ "FROM (a)", "Search key needs a string" },
	{ "FROM a*", "Search key needs a string" },
	{ "FROM a%", "Search key needs a string" },
	{ "FROM \\a", "Search key needs a string" },
	{ "SUBJECT ~{1}\r\nx", "Search key needs a string" },
	{ "SUBJECT {2}\r\n\xc3(", "Search string is not valid UTF-8" },
	{ "SUBJECT {3}\r\n\xed\xa0\x80", "Search string is not valid UTF-8" },
	{ "CHARSET US-ASCII SUBJECT \"\xc3\xa9\"",
	  "8-bit string with CHARSET US-ASCII" },
	{ "CHARSET US-ASCII HEADER X {1}\r\n\xff",
	  "Search string is not valid UTF-8" },
	/* header */
	{ "HEADER", "Invalid header field name" },
	{ "HEADER From", "Search key needs a string" },
	{ "HEADER \"\" x", "Invalid header field name" },
	{ "HEADER Fr:om x", "Invalid header field name" },
	{ "HEADER \"a b\" x", "Invalid header field name" },
	{ "HEADER (From) x", "Invalid header field name" },
	/* keywords */
	{ "KEYWORD", "Invalid keyword" },
	{ "KEYWORD \\Seen", "Invalid keyword" },
	{ "KEYWORD \"x\"", "Invalid keyword" },
	{ "KEYWORD a]", "Invalid keyword" },
	{ "UNKEYWORD *", "Invalid keyword" },
	/* dates */
	{ "SINCE", "Invalid date" },
	{ "SINCE 1-Foo-2000", "Invalid date" },
	{ "SINCE 30-Feb-2000", "Invalid date" },
	{ "SINCE 29-Feb-2023", "Invalid date" },
	{ "SINCE 29-Feb-1900", "Invalid date" },
	{ "SINCE 31-Apr-2000", "Invalid date" },
	{ "SINCE 32-Jan-2000", "Invalid date" },
	{ "SINCE 0-Jan-2000", "Invalid date" },
	{ "SINCE 00-Jan-2000", "Invalid date" },
	{ "SINCE 001-Jan-2000", "Invalid date" },
	{ "SINCE 1-Jan-20000", "Invalid date" },
	{ "SINCE 1-Jan-200", "Invalid date" },
	{ "SINCE 1-Jan-2O00", "Invalid date" },
	{ "SINCE 1/Jan/2000", "Invalid date" },
	{ "SINCE 1-January-2000", "Invalid date" },
	{ "SINCE a1-Jan-2000", "Invalid date" },
	{ "SINCE {10}\r\n1-Jan-2000", "Invalid date" },
	{ "SINCE (1-Jan-2000)", "Invalid date" },
	{ "SINCE \"1-Jan-2000 \"", "Invalid date" },
	/* sizes */
	{ "LARGER", "Invalid size" },
	{ "LARGER -1", "Invalid size" },
	{ "LARGER +1", "Invalid size" },
	{ "LARGER 9223372036854775808", "Invalid size" },
	{ "LARGER 99999999999999999999", "Invalid size" },
	{ "LARGER abc", "Invalid size" },
	{ "LARGER \"5\"", "Invalid size" },
	{ "SMALLER 1k", "Invalid size" },
	/* sequence sets */
	{ "UID", "Invalid sequence set" },
	{ "UID 0", "Invalid sequence set" },
	{ "UID abc", "Invalid sequence set" },
	{ "UID \"1\"", "Invalid sequence set" },
	{ "0", "Invalid sequence set" },
	{ "1:", "Invalid sequence set" },
	{ "$1", "Invalid sequence set" },
	{ "1,$", "Invalid sequence set" },
	{ "4294967296", "Invalid sequence set" },
	{ "*x", "Invalid sequence set" },
	/* structure */
	{ "NOT", "Missing search key" },
	{ "OR SEEN", "Missing search key" },
	{ "OR", "Missing search key" },
	{ "()", "Empty search key list" },
	{ "(SEEN) ()", "Empty search key list" },
	{ "NOT ()", "Empty search key list" },
	{ "(FOO)", "Unknown search key" },
	/* RETURN */
	{ "RETURN", "RETURN needs a list" },
	{ "RETURN ALL", "RETURN needs a list" },
	{ "RETURN (FOO) ALL", "Unknown RETURN option" },
	{ "RETURN ((MIN)) ALL", "Unknown RETURN option" },
	{ "RETURN (\"MIN\") ALL", "Unknown RETURN option" },
	{ "CHARSET UTF-8 RETURN (MIN) ALL", "Unknown search key" },
	/* CHARSET */
	{ "CHARSET", "Missing charset" },
	{ "CHARSET (UTF-8) ALL", "Missing charset" },
	/* MODSEQ */
	{ "MODSEQ", "Invalid MODSEQ value" },
	{ "MODSEQ -1", "Invalid MODSEQ value" },
	{ "MODSEQ 9223372036854775808", "Invalid MODSEQ value" },
	{ "MODSEQ \"5\"", "Invalid MODSEQ entry name" },
	{ "MODSEQ \"/flags/\\\\Seen\" 5", "Invalid MODSEQ entry type" },
	{ "MODSEQ \"/flags/\\\\Seen\" bogus 5", "Invalid MODSEQ entry type" },
	{ "MODSEQ \"/flags/\\\\Seen\" all", "Invalid MODSEQ value" },
	{ "MODSEQ \"/flags/\\\\Seen\" all x", "Invalid MODSEQ value" },
	{ "MODSEQ \"/foo/x\" all 5", "Invalid MODSEQ entry name" },
	{ "MODSEQ \"/flags/\" all 5", "Invalid MODSEQ entry name" },
	{ "MODSEQ \"/flags/a b\" all 5", "Invalid MODSEQ entry name" },
	{ "MODSEQ \"/flags/\\\\\" all 5", "Invalid MODSEQ entry name" },
	{ "MODSEQ \"/flags/a*\" all 5", "Invalid MODSEQ entry name" },
	{ "MODSEQ \"/flags/\\\\\\\\x\" all 5", "Invalid MODSEQ entry name" },
};

START_TEST(test_keys_bad)
{
	struct imap_search s;
	const char *error;
	size_t i;

	for (i = 0; i < N_ROWS(bad_rows); i++) {
		ck_assert_msg(search(bad_rows[i].args, 0, &s, &error) == -1,
			      "accepted: %s", bad_rows[i].args);
		ck_assert_msg(error != NULL &&
			      strcmp(error, bad_rows[i].error) == 0,
			      "%s: error %s", bad_rows[i].args, error);
		ck_assert(!s.badcharset);
		ck_assert_ptr_null(s.root);
	}
}
END_TEST

START_TEST(test_badcharset)
{
	struct imap_search s;
	const char *error;

	ck_assert_int_eq(search("CHARSET ISO-8859-1 ALL", 0, &s, &error), -1);
	ck_assert(s.badcharset);
	ck_assert_str_eq(error, "Unsupported charset");
	ck_assert_int_eq(search("CHARSET UTF8 ALL", 0, &s, &error), -1);
	ck_assert(s.badcharset);
	ck_assert_int_eq(search("RETURN (MIN) CHARSET {6}\r\nKOI8-R ALL", 0,
				&s, &error), -1);
	ck_assert(s.badcharset);
	ck_assert_str_eq(IMAP_SEARCH_BADCHARSET_CODE,
			 "BADCHARSET (UTF-8 US-ASCII)");
}
END_TEST

/* nots - n times "NOT " then "SEEN" */
static const char *nots(unsigned int n)
{
	const char *s = "SEEN";
	unsigned int i;

	for (i = 0; i < n; i++)
		s = p_printf(pool, "NOT %s", s);
	return s;
}

START_TEST(test_depth)
{
	struct imap_search s;
	const char *error;

	ck_assert_int_eq(search(nots(IMAP_SEARCH_DEFAULT_MAX_DEPTH), 0, &s,
				&error), 0);
	ck_assert_int_eq(search(nots(IMAP_SEARCH_DEFAULT_MAX_DEPTH + 1), 0,
				&s, &error), -1);
	ck_assert_str_eq(error, "Search keys nested too deeply");
	ck_assert_int_eq(search(nots(1000), 0, &s, &error), -1);

	ck_assert_int_eq(search("NOT NOT SEEN", 2, &s, &error), 0);
	ck_assert_int_eq(search("NOT NOT NOT SEEN", 2, &s, &error), -1);
	ck_assert_int_eq(search("((SEEN))", 2, &s, &error), 0);
	ck_assert_int_eq(search("(((SEEN)))", 2, &s, &error), -1);
	ck_assert_int_eq(search("(NOT SEEN)", 2, &s, &error), 0);
	ck_assert_int_eq(search("(NOT (SEEN))", 2, &s, &error), -1);
	ck_assert_int_eq(search("OR SEEN OR SEEN SEEN", 2, &s, &error), 0);
	ck_assert_int_eq(search("OR SEEN OR SEEN NOT SEEN", 2, &s, &error),
			 -1);
	/* siblings do not add up */
	ck_assert_int_eq(search("NOT NOT SEEN NOT NOT SEEN (NOT SEEN)", 2, &s,
				&error), 0);
}
END_TEST

START_TEST(test_many_keys)
{
	struct imap_search s;
	const char *error, *args = "SEEN";
	unsigned int i;

	for (i = 0; i < 999; i++)
		args = p_printf(pool, "%s %u", args, i + 1);
	ck_assert_int_eq(search(args, 0, &s, &error), 0);
	ck_assert_uint_eq(s.root->count, 1000);
	ck_assert_uint_eq(s.root->sub[999].seqset.ranges[0].lo, 999);
}
END_TEST

/* ==== SORT / THREAD ==================================================== */

START_TEST(test_criteria)
{
	const struct imap_cmd *cmd;
	struct imap_search s;
	const char *error;

	cmd = parse_cmd("t SORT (DATE) UTF-8 SUBJECT x SEEN\r\n");
	ck_assert_int_eq(imap_search_parse_criteria(pool, cmd->args + 1,
						    cmd->count - 1, 0, &s,
						    &error), 0);
	ck_assert_int_eq(s.charset, IMAP_SEARCH_CHARSET_UTF8);
	ck_assert_str_eq(dump(&s), "(SUBJECT(\"x\") SEEN)");

	cmd = parse_cmd("t THREAD REFERENCES us-ascii ALL\r\n");
	ck_assert_int_eq(imap_search_parse_criteria(pool, cmd->args + 1,
						    cmd->count - 1, 0, &s,
						    &error), 0);
	ck_assert_int_eq(s.charset, IMAP_SEARCH_CHARSET_US_ASCII);

	/* the charset is mandatory: "ALL" is taken for one */
	cmd = parse_cmd("t SORT (DATE) ALL\r\n");
	ck_assert_int_eq(imap_search_parse_criteria(pool, cmd->args + 1,
						    cmd->count - 1, 0, &s,
						    &error), -1);
	ck_assert(s.badcharset);
	/* no CHARSET keyword and no RETURN in criteria */
	cmd = parse_cmd("t SORT (DATE) CHARSET UTF-8 ALL\r\n");
	ck_assert_int_eq(imap_search_parse_criteria(pool, cmd->args + 1,
						    cmd->count - 1, 0, &s,
						    &error), -1);
	ck_assert(s.badcharset);
	cmd = parse_cmd("t SORT (DATE) UTF-8 RETURN (ALL) ALL\r\n");
	ck_assert_int_eq(imap_search_parse_criteria(pool, cmd->args + 1,
						    cmd->count - 1, 0, &s,
						    &error), -1);
	ck_assert_str_eq(error, "Unknown search key");
	cmd = parse_cmd("t SORT (DATE) UTF-8\r\n");
	ck_assert_int_eq(imap_search_parse_criteria(pool, cmd->args + 1,
						    cmd->count - 1, 0, &s,
						    &error), -1);
	ck_assert_str_eq(error, "Empty search key list");
	ck_assert_int_eq(imap_search_parse_criteria(pool, cmd->args, 0, 0, &s,
						    &error), -1);
	ck_assert_str_eq(error, "Missing charset");
}
END_TEST

START_TEST(test_sort_criteria)
{
	static const struct {
		const char *list;
		const char *want;	/* "R" marks reverse */
	} rows[] = {
		{ "(DATE)", "2" },
		{ "(REVERSE DATE SUBJECT)", "R2 5" },
		{ "(arrival cc date from size subject to)", "0 1 2 3 4 5 6" },
		{ "(REVERSE ARRIVAL REVERSE TO)", "R0 R6" },
		{ "(SIZE SIZE)", "4 4" },
	};
	static const char *const bad[] = {
		"()", "(REVERSE)", "(DATE REVERSE)", "(REVERSE REVERSE DATE)",
		"(FOO)", "((DATE))", "(\"DATE\")", "DATE", "NIL",
	};
	const struct imap_sort_criterion *crit = NULL;
	const struct imap_cmd *cmd;
	const char *error, *got;
	unsigned int count, k;
	size_t i;

	for (i = 0; i < N_ROWS(rows); i++) {
		cmd = parse_cmd(p_printf(pool, "t SORT %s UTF-8 ALL\r\n",
					 rows[i].list));
		ck_assert_int_eq(imap_sort_parse(pool, &cmd->args[0], &crit,
						 &count, &error), 0);
		got = "";
		for (k = 0; k < count; k++) {
			got = p_printf(pool, "%s%s%s%d", got, k > 0 ? " " : "",
				       crit[k].reverse ? "R" : "",
				       (int)crit[k].key);
		}
		ck_assert_str_eq(got, rows[i].want);
	}
	for (i = 0; i < N_ROWS(bad); i++) {
		cmd = parse_cmd(p_printf(pool, "t SORT %s UTF-8 ALL\r\n",
					 bad[i]));
		ck_assert_msg(imap_sort_parse(pool, &cmd->args[0], &crit,
					      &count, &error) == -1,
			      "accepted: %s", bad[i]);
		ck_assert_str_eq(error, "Invalid sort criteria");
	}
}
END_TEST

/* ==== dates ============================================================ */

START_TEST(test_date_parse)
{
	struct imap_date d = { 1, 1, 1 };

	ck_assert_int_eq(imap_date_parse("1-Feb-1994", 10, &d), 0);
	ck_assert_uint_eq(d.year, 1994);
	ck_assert_uint_eq(d.month, 2);
	ck_assert_uint_eq(d.day, 1);
	ck_assert_int_eq(imap_date_parse("31-dEC-9999", 11, &d), 0);
	ck_assert_uint_eq(d.year, 9999);
	ck_assert_uint_eq(d.month, 12);
	ck_assert_uint_eq(d.day, 31);
	ck_assert_int_eq(imap_date_parse("29-Feb-2400", 11, &d), 0);
	/* not NUL-terminated */
	ck_assert_int_eq(imap_date_parse("07-Jul-2007xyz", 11, &d), 0);
	ck_assert_uint_eq(d.day, 7);
	/* errors leave the date alone */
	ck_assert_int_eq(imap_date_parse("29-Feb-2100", 11, &d), -1);
	ck_assert_int_eq(imap_date_parse("", 0, &d), -1);
	ck_assert_int_eq(imap_date_parse("1-Feb-1994 ", 11, &d), -1);
	ck_assert_int_eq(imap_date_parse(" 1-Feb-1994", 11, &d), -1);
	ck_assert_int_eq(imap_date_parse("1-Feb-19", 8, &d), -1);
	ck_assert_int_eq(imap_date_parse("1-Feb\0-1994", 11, &d), -1);
	ck_assert_uint_eq(d.day, 7);
	ck_assert_uint_eq(d.year, 2007);
}
END_TEST

Suite *imap_search_suite(void)
{
	Suite *s = suite_create("imap-search");
	TCase *tc;

	tc = tcase_create("search");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_keys_ok);
	tcase_add_test(tc, test_flags_out);
	tcase_add_test(tc, test_keys_bad);
	tcase_add_test(tc, test_badcharset);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_many_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("sort");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_criteria);
	tcase_add_test(tc, test_sort_criteria);
	tcase_add_test(tc, test_date_parse);
	suite_add_tcase(s, tc);
	return s;
}
