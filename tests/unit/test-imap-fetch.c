/*
 * test-imap-fetch.c - sequence sets and FETCH attribute lists
 * (backend/imapd/imap-fetch.c).
 *
 * FETCH arguments are produced by the real parser from a command line,
 * so these tests also pin how a section such as BODY[HEADER.FIELDS (From
 * To)] travels through imap-parser as one atom.
 */
#include "config.h"

#include <string.h>

#include "pool.h"
#include "imap-fetch.h"
#include "imap-parser.h"
#include "suites.h"

Suite *imap_fetch_suite(void);

#define N_ROWS(rows) (sizeof(rows) / sizeof((rows)[0]))

static struct pool *pool;
static struct imap_parser *parser;

static void setup(void)
{
	pool = pool_new("test-imap-fetch", 4096);
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
	ck_assert_uint_eq(pos, len);
	return imap_parser_cmd(parser);
}

/* fetch - parse "t FETCH <args>" (or UID FETCH) and imap_fetch_parse() */
static int fetch(const char *args, bool uid, struct imap_fetch *f,
		 const char **error)
{
	const struct imap_cmd *cmd;

	cmd = parse_cmd(p_printf(pool, "t %sFETCH %s\r\n", uid ? "UID " : "",
				 args));
	ck_assert_int_eq(cmd->uid, uid);
	*error = NULL;
	return imap_fetch_parse(pool, cmd->args, cmd->count, uid, f, error);
}

/* names - the item names joined with spaces, implied ones marked "+" */
static const char *names(const struct imap_fetch *f)
{
	const char *s = "";
	unsigned int i;

	for (i = 0; i < f->count; i++) {
		s = p_printf(pool, "%s%s%s%s", s, i > 0 ? " " : "",
			     f->atts[i].implied ? "+" : "", f->atts[i].name);
	}
	return s;
}

/* ==== sequence sets ==================================================== */

static const struct {
	const char *in;
	const char *want;	/* ranges as lo:hi, "*" for a star */
} seq_rows[] = {
	{ "1", "1:1" },
	{ "1:3,5,7:*", "1:3 5:5 7:*" },
	{ "5:3", "3:5" },
	{ "*", "*:*" },
	{ "*:4", "4:*" },
	{ "4:*", "4:*" },
	{ "*:*", "*:*" },
	{ "4294967295", "4294967295:4294967295" },
	{ "1:4294967295", "1:4294967295" },
	{ "4294967295:1", "1:4294967295" },
	{ "1,1,1", "1:1 1:1 1:1" },
	{ "2:2", "2:2" },
	{ "10:9,8:7,*:6", "9:10 7:8 6:*" },
	{ "100,2:5", "100:100 2:5" },
};

/* seq_str - a parsed set as text */
static const char *seq_str(const struct imap_seqset *set)
{
	const char *s = "";
	unsigned int i;

	for (i = 0; i < set->count; i++) {
		const struct imap_seq_range *r = &set->ranges[i];
		const char *lo = r->lo == IMAP_SEQ_STAR ? "*" :
			p_printf(pool, "%u", r->lo);
		const char *hi = r->hi == IMAP_SEQ_STAR ? "*" :
			p_printf(pool, "%u", r->hi);

		ck_assert(r->hi == IMAP_SEQ_STAR || r->lo <= r->hi);
		ck_assert(r->lo != IMAP_SEQ_STAR || r->hi == IMAP_SEQ_STAR);
		s = p_printf(pool, "%s%s%s:%s", s, i > 0 ? " " : "", lo, hi);
	}
	return s;
}

START_TEST(test_seqset_ok)
{
	struct imap_seqset set;
	const char *error;
	size_t i;

	for (i = 0; i < N_ROWS(seq_rows); i++) {
		ck_assert_msg(imap_seqset_parse(pool, seq_rows[i].in,
						strlen(seq_rows[i].in), 0,
						&set, &error) == 0,
			      "refused: %s", seq_rows[i].in);
		ck_assert(!set.searchres);
		ck_assert_str_eq(seq_str(&set), seq_rows[i].want);
	}
	ck_assert_int_eq(imap_seqset_parse(pool, "$", 1,
					   IMAP_SEQSET_ALLOW_SEARCHRES, &set,
					   &error), 0);
	ck_assert(set.searchres);
	ck_assert_uint_eq(set.count, 0);
	/* not NUL-terminated: only len counts */
	ck_assert_int_eq(imap_seqset_parse(pool, "12,3x", 4, 0, &set,
					   &error), 0);
	ck_assert_str_eq(seq_str(&set), "12:12 3:3");
}
END_TEST

static const char *const seq_bad_rows[] = {
	"", "0", "0:5", "5:0", "01", "1:01", "1:", ":1", ":", "1,", ",1",
	"1,,2", "4294967296", "1:4294967296", "99999999999999999999",
	"1:2:3", "a", "1 2", "-1", "+1", "1.5", "**", "1:**", "*1", "1*",
	"$", "1,$", "$:1", "$$", "$,1", " 1", "1 ", "1\0",
};

START_TEST(test_seqset_bad)
{
	struct imap_seqset set = { NULL, 7, false };
	const char *error = NULL;
	size_t i, len;
	unsigned int flags;

	for (i = 0; i < N_ROWS(seq_bad_rows); i++) {
		len = strlen(seq_bad_rows[i]);
		if (strcmp(seq_bad_rows[i], "1") == 0)
			len = 2;	/* "1\0" */
		flags = strcmp(seq_bad_rows[i], "$") == 0 ? 0 :
			IMAP_SEQSET_ALLOW_SEARCHRES;
		ck_assert_msg(imap_seqset_parse(pool, seq_bad_rows[i], len,
						flags, &set, &error) == -1,
			      "accepted: %s", seq_bad_rows[i]);
		ck_assert_ptr_nonnull(error);
		ck_assert_uint_eq(set.count, 7);	/* untouched */
	}
}
END_TEST

START_TEST(test_seqset_contains)
{
	struct imap_seqset set;
	const char *error;

	ck_assert_int_eq(imap_seqset_parse(pool, "2:4,9,20:*", 10, 0, &set,
					   &error), 0);
	ck_assert(!imap_seqset_contains(&set, 1, 30));
	ck_assert(imap_seqset_contains(&set, 2, 30));
	ck_assert(imap_seqset_contains(&set, 4, 30));
	ck_assert(!imap_seqset_contains(&set, 5, 30));
	ck_assert(imap_seqset_contains(&set, 9, 30));
	ck_assert(imap_seqset_contains(&set, 25, 30));
	ck_assert(imap_seqset_contains(&set, 30, 30));
	/* "20:*" with the largest number 12 means 12:20 */
	ck_assert(imap_seqset_contains(&set, 12, 12));
	ck_assert(imap_seqset_contains(&set, 15, 12));
	ck_assert(imap_seqset_contains(&set, 20, 12));
	ck_assert(!imap_seqset_contains(&set, 21, 12));
	ck_assert(!imap_seqset_contains(&set, 11, 12));
	/* empty mailbox: star ranges match nothing */
	ck_assert(!imap_seqset_contains(&set, 25, 0));
	ck_assert(imap_seqset_contains(&set, 3, 0));
	ck_assert_int_eq(imap_seqset_parse(pool, "*", 1, 0, &set, &error), 0);
	ck_assert(imap_seqset_contains(&set, 7, 7));
	ck_assert(!imap_seqset_contains(&set, 6, 7));
	ck_assert_int_eq(imap_seqset_parse(pool, "$", 1,
					   IMAP_SEQSET_ALLOW_SEARCHRES, &set,
					   &error), 0);
	ck_assert(!imap_seqset_contains(&set, 1, 1));
}
END_TEST

/* ==== single attributes ================================================ */

static const struct {
	const char *in;
	enum imap_fetch_type type;
	bool peek;
	const char *name;
} att_rows[] = {
	{ "ENVELOPE", IMAP_FETCH_ENVELOPE, false, "ENVELOPE" },
	{ "flags", IMAP_FETCH_FLAGS, false, "FLAGS" },
	{ "InternalDate", IMAP_FETCH_INTERNALDATE, false, "INTERNALDATE" },
	{ "RFC822", IMAP_FETCH_RFC822, false, "RFC822" },
	{ "rfc822.header", IMAP_FETCH_RFC822_HEADER, false, "RFC822.HEADER" },
	{ "RFC822.SIZE", IMAP_FETCH_RFC822_SIZE, false, "RFC822.SIZE" },
	{ "RFC822.TEXT", IMAP_FETCH_RFC822_TEXT, false, "RFC822.TEXT" },
	{ "BODY", IMAP_FETCH_BODY, false, "BODY" },
	{ "BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE, false, "BODYSTRUCTURE" },
	{ "uid", IMAP_FETCH_UID, false, "UID" },
	{ "MODSEQ", IMAP_FETCH_MODSEQ, false, "MODSEQ" },
	{ "BODY[]", IMAP_FETCH_BODY_SECTION, false, "BODY[]" },
	{ "BODY.PEEK[]", IMAP_FETCH_BODY_SECTION, true, "BODY[]" },
	{ "body.peek[text]", IMAP_FETCH_BODY_SECTION, true, "BODY[TEXT]" },
	{ "BODY[HEADER]", IMAP_FETCH_BODY_SECTION, false, "BODY[HEADER]" },
	{ "BODY[1]", IMAP_FETCH_BODY_SECTION, false, "BODY[1]" },
	{ "BODY[1.2.3]", IMAP_FETCH_BODY_SECTION, false, "BODY[1.2.3]" },
	{ "BODY[1.mime]", IMAP_FETCH_BODY_SECTION, false, "BODY[1.MIME]" },
	{ "BODY[2.1.TEXT]", IMAP_FETCH_BODY_SECTION, false, "BODY[2.1.TEXT]" },
	{ "BODY[3.HEADER]", IMAP_FETCH_BODY_SECTION, false, "BODY[3.HEADER]" },
	{ "BODY[1.2.HEADER.FIELDS (From To)]", IMAP_FETCH_BODY_SECTION,
	  false, "BODY[1.2.HEADER.FIELDS (From To)]" },
	{ "body.peek[header.fields.not (X-Spam \"Received\")]",
	  IMAP_FETCH_BODY_SECTION, true,
	  "BODY[HEADER.FIELDS.NOT (X-Spam Received)]" },
	{ "BODY[HEADER.FIELDS (\"a(b\" \"c\\\"d\" \"e\\\\f\")]",
	  IMAP_FETCH_BODY_SECTION, false,
	  "BODY[HEADER.FIELDS (\"a(b\" \"c\\\"d\" \"e\\\\f\")]" },
	{ "BODY[]<0.1024>", IMAP_FETCH_BODY_SECTION, false, "BODY[]<0>" },
	{ "BODY.PEEK[TEXT]<100.5>", IMAP_FETCH_BODY_SECTION, true,
	  "BODY[TEXT]<100>" },
	{ "BODY[]<007.1>", IMAP_FETCH_BODY_SECTION, false, "BODY[]<7>" },
	{ "BODY[]<4294967295.4294967295>", IMAP_FETCH_BODY_SECTION, false,
	  "BODY[]<4294967295>" },
	{ "BODY[4294967295]", IMAP_FETCH_BODY_SECTION, false,
	  "BODY[4294967295]" },
	{ "BINARY[1]", IMAP_FETCH_BINARY, false, "BINARY[1]" },
	{ "BINARY[]", IMAP_FETCH_BINARY, false, "BINARY[]" },
	{ "binary.peek[1.2]<0.10>", IMAP_FETCH_BINARY, true, "BINARY[1.2]<0>" },
	{ "BINARY.SIZE[1]", IMAP_FETCH_BINARY_SIZE, false, "BINARY.SIZE[1]" },
	{ "BINARY.SIZE[]", IMAP_FETCH_BINARY_SIZE, false, "BINARY.SIZE[]" },
};

START_TEST(test_att_ok)
{
	struct imap_fetch_att att;
	const char *error = NULL;
	size_t i;

	for (i = 0; i < N_ROWS(att_rows); i++) {
		ck_assert_msg(imap_fetch_att_parse(pool, att_rows[i].in,
						   strlen(att_rows[i].in),
						   &att, &error) == 0,
			      "refused: %s (%s)", att_rows[i].in, error);
		ck_assert_int_eq(att.type, att_rows[i].type);
		ck_assert_int_eq(att.peek, att_rows[i].peek);
		ck_assert(!att.implied);
		ck_assert_str_eq(att.name, att_rows[i].name);
	}
}
END_TEST

START_TEST(test_att_section_fields)
{
	struct imap_fetch_att att;
	const char *error;
	const char *in = "BODY.PEEK[1.22.HEADER.FIELDS (From \"To\" "
		"X-Mailer)]<5.10>";

	ck_assert_int_eq(imap_fetch_att_parse(pool, in, strlen(in), &att,
					      &error), 0);
	ck_assert_uint_eq(att.section.part_count, 2);
	ck_assert_uint_eq(att.section.parts[0], 1);
	ck_assert_uint_eq(att.section.parts[1], 22);
	ck_assert_int_eq(att.section.text, IMAP_SECTION_HEADER_FIELDS);
	ck_assert_uint_eq(att.section.field_count, 3);
	ck_assert_str_eq(att.section.fields[0], "From");
	ck_assert_str_eq(att.section.fields[1], "To");
	ck_assert_str_eq(att.section.fields[2], "X-Mailer");
	ck_assert(att.partial);
	ck_assert_uint_eq(att.partial_offset, 5);
	ck_assert_uint_eq(att.partial_count, 10);

	in = "BODY[]";
	ck_assert_int_eq(imap_fetch_att_parse(pool, in, strlen(in), &att,
					      &error), 0);
	ck_assert_uint_eq(att.section.part_count, 0);
	ck_assert_ptr_null(att.section.parts);
	ck_assert_int_eq(att.section.text, IMAP_SECTION_ALL);
	ck_assert_uint_eq(att.section.field_count, 0);
	ck_assert(!att.partial);

	in = "BODY[2.MIME]";
	ck_assert_int_eq(imap_fetch_att_parse(pool, in, strlen(in), &att,
					      &error), 0);
	ck_assert_int_eq(att.section.text, IMAP_SECTION_MIME);
	in = "BODY[TEXT]";
	ck_assert_int_eq(imap_fetch_att_parse(pool, in, strlen(in), &att,
					      &error), 0);
	ck_assert_int_eq(att.section.text, IMAP_SECTION_TEXT);
	in = "BODY[HEADER.FIELDS.NOT (A)]";
	ck_assert_int_eq(imap_fetch_att_parse(pool, in, strlen(in), &att,
					      &error), 0);
	ck_assert_int_eq(att.section.text, IMAP_SECTION_HEADER_FIELDS_NOT);
}
END_TEST

static const char *const att_bad_rows[] = {
	"", "FOO", "ALL", "FAST", "FULL", "RFC822.FOO", "RFC822.", "BODY.",
	"ENVELOPE[]", "FLAGS ", " FLAGS", "BODY.PEEK", "BINARY",
	"BINARY.PEEK", "BINARY.SIZE", "BODY.PEEKX[]", "BODYX[]",
	/* sections */
	"BODY[", "BODY[1", "BODY[0]", "BODY[01]", "BODY[1.]", "BODY[.1]",
	"BODY[1..2]", "BODY[1.0]", "BODY[4294967296]", "BODY[MIME]",
	"BODY[HEADERX]", "BODY[1.HEADERX]", "BODY[TEXT.MIME]",
	"BODY[1.TEXT.FOO]", "BODY[1HEADER]", "BODY[header ]",
	"BODY[HEADER.FIELDS]", "BODY[HEADER.FIELDS ]",
	"BODY[HEADER.FIELDS ()]", "BODY[HEADER.FIELDS (From)x]",
	"BODY[HEADER.FIELDS (From  To)]", "BODY[HEADER.FIELDS (Fr:om)]",
	"BODY[HEADER.FIELDS (\"\")]", "BODY[HEADER.FIELDS (\"a b\")]",
	"BODY[HEADER.FIELDS ( From)]", "BODY[HEADER.FIELDS (From )]",
	"BODY[HEADER.FIELDS(From)]", "BODY[HEADER.FIELDS (From\"x\")]",
	"BODY[HEADER.FIELDS (\"From)]", "BODY[HEADER.FIELDS (\"a\\b\")]",
	"BODY[HEADER.FIELDS (a*b)]", "BODY[HEADER.FIELDS (a%b)]",
	"BODY[HEADER.FIELDS.NOT]", "BODY[TEXT (From)]",
	"BODY[HEADER.FIELDS ((From))]",
	/* partials */
	"BODY[]<", "BODY[]<>", "BODY[]<0>", "BODY[]<0.0>", "BODY[]<0.01>",
	"BODY[]<.1>", "BODY[]<1.>", "BODY[]<4294967296.1>",
	"BODY[]<0.4294967296>", "BODY[]<0.1>x", "BODY[]<0.1", "BODY[]x",
	"BODY[]]", "BODY[]<-1.5>", "BODY[]<0,5>", "BODY[]<0.1.2>",
	/* BINARY takes part numbers only; BINARY.SIZE no partial */
	"BINARY[TEXT]", "BINARY[1.MIME]", "BINARY[HEADER]",
	"BINARY.SIZE[1]<0.1>", "BINARY.PEEK[1.TEXT]", "BINARY[0]",
};

START_TEST(test_att_bad)
{
	struct imap_fetch_att att;
	const char *error;
	size_t i;

	for (i = 0; i < N_ROWS(att_bad_rows); i++) {
		error = NULL;
		att.name = "untouched";
		ck_assert_msg(imap_fetch_att_parse(pool, att_bad_rows[i],
						   strlen(att_bad_rows[i]),
						   &att, &error) == -1,
			      "accepted: %s", att_bad_rows[i]);
		ck_assert_ptr_nonnull(error);
		ck_assert_str_eq(att.name, "untouched");
	}
}
END_TEST

START_TEST(test_att_part_depth)
{
	struct imap_fetch_att att;
	const char *error;
	char *in = p_strdup(pool, "BODY[");
	unsigned int i;

	for (i = 0; i < IMAP_FETCH_MAX_PART_DEPTH; i++)
		in = p_printf(pool, "%s%s1", in, i > 0 ? "." : "");
	ck_assert_int_eq(imap_fetch_att_parse(pool, p_printf(pool, "%s]", in),
					      strlen(in) + 1, &att, &error), 0);
	ck_assert_uint_eq(att.section.part_count, IMAP_FETCH_MAX_PART_DEPTH);
	in = p_printf(pool, "%s.1]", in);
	ck_assert_int_eq(imap_fetch_att_parse(pool, in, strlen(in), &att,
					      &error), -1);
	ck_assert_str_eq(error, "Section part numbers nested too deeply");
}
END_TEST

/* ==== whole FETCH commands ============================================= */

static const struct {
	const char *args;
	bool uid;
	const char *names;
	bool sets_seen;
} fetch_rows[] = {
	{ "1 FLAGS", false, "FLAGS", false },
	{ "1:* (FLAGS UID)", false, "FLAGS UID", false },
	{ "1 ALL", false, "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE", false },
	{ "1 all", false, "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE", false },
	{ "1 FAST", false, "FLAGS INTERNALDATE RFC822.SIZE", false },
	{ "1 FULL", false, "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY",
	  false },
	{ "1 FULL", true,
	  "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY +UID", false },
	{ "1 FLAGS", true, "FLAGS +UID", false },
	{ "1 (UID FLAGS)", true, "UID FLAGS", false },
	{ "1 BODY[]", false, "BODY[]", true },
	{ "1 BODY.PEEK[]", false, "BODY[]", false },
	{ "1 RFC822", false, "RFC822", true },
	{ "1 RFC822.TEXT", false, "RFC822.TEXT", true },
	{ "1 RFC822.HEADER", false, "RFC822.HEADER", false },
	{ "1 BINARY[1]", false, "BINARY[1]", true },
	{ "1 BINARY.PEEK[1]", false, "BINARY[1]", false },
	{ "1 BINARY.SIZE[1]", false, "BINARY.SIZE[1]", false },
	{ "1 (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.512> BODY[TEXT])",
	  false, "FLAGS BODY[HEADER.FIELDS (From To)]<0> BODY[TEXT]", true },
	{ "2,4:6 (ENVELOPE BODYSTRUCTURE)", false, "ENVELOPE BODYSTRUCTURE",
	  false },
	{ "$ (FLAGS)", false, "FLAGS", false },
	{ "1 (FLAGS) (CHANGEDSINCE 12345)", false, "FLAGS +MODSEQ", false },
	{ "1 (FLAGS MODSEQ) (CHANGEDSINCE 1)", false, "FLAGS MODSEQ", false },
	{ "1:* (FLAGS) (CHANGEDSINCE 9223372036854775807 VANISHED)", true,
	  "FLAGS +UID +MODSEQ", false },
	{ "1:* (FLAGS) (vanished changedsince 5)", true,
	  "FLAGS +UID +MODSEQ", false },
	{ "1 (FLAGS FLAGS)", false, "FLAGS FLAGS", false },
};

START_TEST(test_fetch_ok)
{
	struct imap_fetch f;
	const char *error;
	size_t i;

	for (i = 0; i < N_ROWS(fetch_rows); i++) {
		ck_assert_msg(fetch(fetch_rows[i].args, fetch_rows[i].uid, &f,
				    &error) == 0, "refused: %s (%s)",
			      fetch_rows[i].args, error);
		ck_assert_str_eq(names(&f), fetch_rows[i].names);
		ck_assert_int_eq(f.sets_seen, fetch_rows[i].sets_seen);
	}
}
END_TEST

START_TEST(test_fetch_fields)
{
	struct imap_fetch f;
	const char *error;

	ck_assert_int_eq(fetch("3:1,7 (FLAGS) (CHANGEDSINCE 42 VANISHED)",
			       true, &f, &error), 0);
	ck_assert(!f.seqset.searchres);
	ck_assert_uint_eq(f.seqset.count, 2);
	ck_assert_uint_eq(f.seqset.ranges[0].lo, 1);
	ck_assert_uint_eq(f.seqset.ranges[0].hi, 3);
	ck_assert(f.changedsince);
	ck_assert_uint_eq(f.changedsince_modseq, 42);
	ck_assert(f.vanished);
	ck_assert_uint_eq(f.count, 3);
	ck_assert(!f.atts[0].implied);
	ck_assert(f.atts[1].implied);
	ck_assert_int_eq(f.atts[1].type, IMAP_FETCH_UID);
	ck_assert_int_eq(f.atts[2].type, IMAP_FETCH_MODSEQ);

	ck_assert_int_eq(fetch("$ FAST", false, &f, &error), 0);
	ck_assert(f.seqset.searchres);
	ck_assert(!f.changedsince && !f.vanished);
}
END_TEST

static const struct {
	const char *args;
	bool uid;
	const char *error;
} fetch_bad_rows[] = {
	{ "1", false, "FETCH takes a sequence set, items and modifiers" },
	{ "1 FLAGS (CHANGEDSINCE 1) x", false,
	  "FETCH takes a sequence set, items and modifiers" },
	{ "\"1\" FLAGS", false, "Invalid sequence set" },
	{ "(1) FLAGS", false, "Invalid sequence set" },
	{ "0 FLAGS", false, "Invalid sequence set" },
	{ "1:0 FLAGS", false, "Invalid sequence set" },
	{ "NIL FLAGS", false, "Invalid sequence set" },
	{ "1 ()", false, "Empty FETCH item list" },
	{ "1 (ALL)", false, "Unknown FETCH attribute" },
	{ "1 (FLAGS FAST)", false, "Unknown FETCH attribute" },
	{ "1 (FLAGS \"UID\")", false, "Invalid FETCH item" },
	{ "1 ((FLAGS))", false, "Invalid FETCH item" },
	{ "1 (FLAGS NIL)", false, "Unknown FETCH attribute" },
	{ "1 NIL", false, "Unknown FETCH attribute" },
	{ "1 \"FLAGS\"", false, "Invalid FETCH item" },
	{ "1 BODY[0]", false, "Invalid section part number" },
	{ "1 FLAGS ()", false, "Invalid FETCH modifiers" },
	{ "1 FLAGS CHANGEDSINCE", false, "Invalid FETCH modifiers" },
	{ "1 FLAGS (CHANGEDSINCE)", false, "Invalid CHANGEDSINCE" },
	{ "1 FLAGS (CHANGEDSINCE 0)", false, "Invalid CHANGEDSINCE" },
	{ "1 FLAGS (CHANGEDSINCE 01)", false, "Invalid CHANGEDSINCE" },
	{ "1 FLAGS (CHANGEDSINCE 9223372036854775808)", false,
	  "Invalid CHANGEDSINCE" },
	{ "1 FLAGS (CHANGEDSINCE x)", false, "Invalid CHANGEDSINCE" },
	{ "1 FLAGS (CHANGEDSINCE \"5\")", false, "Invalid CHANGEDSINCE" },
	{ "1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)", false,
	  "Invalid CHANGEDSINCE" },
	{ "1 FLAGS (CHANGEDSINCE 1 VANISHED VANISHED)", true,
	  "Duplicate VANISHED" },
	{ "1 FLAGS (FOO)", false, "Unknown FETCH modifier" },
	{ "1 FLAGS ((CHANGEDSINCE 1))", false, "Unknown FETCH modifier" },
	{ "1 FLAGS (CHANGEDSINCE 1 VANISHED)", false,
	  "VANISHED needs UID FETCH and CHANGEDSINCE" },
	{ "1 FLAGS (VANISHED)", true,
	  "VANISHED needs UID FETCH and CHANGEDSINCE" },
};

START_TEST(test_fetch_bad)
{
	struct imap_fetch f;
	const char *error;
	size_t i;

	for (i = 0; i < N_ROWS(fetch_bad_rows); i++) {
		ck_assert_msg(fetch(fetch_bad_rows[i].args,
				    fetch_bad_rows[i].uid, &f, &error) == -1,
			      "accepted: %s", fetch_bad_rows[i].args);
		ck_assert_msg(error != NULL &&
			      strcmp(error, fetch_bad_rows[i].error) == 0,
			      "%s: error %s", fetch_bad_rows[i].args, error);
	}
}
END_TEST

START_TEST(test_fetch_literal_items)
{
	struct imap_fetch f;
	const struct imap_cmd *cmd;
	const char *error;

	/* an item sent as a literal is not an atom */
	cmd = parse_cmd("t FETCH 1 {5}\r\nFLAGS\r\n");
	ck_assert_int_eq(imap_fetch_parse(pool, cmd->args, cmd->count, false,
					  &f, &error), -1);
	ck_assert_str_eq(error, "Invalid FETCH item");
}
END_TEST

Suite *imap_fetch_suite(void)
{
	Suite *s = suite_create("imap-fetch");
	TCase *tc;

	tc = tcase_create("seqset");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_seqset_ok);
	tcase_add_test(tc, test_seqset_bad);
	tcase_add_test(tc, test_seqset_contains);
	suite_add_tcase(s, tc);

	tc = tcase_create("fetch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_att_ok);
	tcase_add_test(tc, test_att_section_fields);
	tcase_add_test(tc, test_att_bad);
	tcase_add_test(tc, test_att_part_depth);
	tcase_add_test(tc, test_fetch_ok);
	tcase_add_test(tc, test_fetch_fields);
	tcase_add_test(tc, test_fetch_bad);
	tcase_add_test(tc, test_fetch_literal_items);
	suite_add_tcase(s, tc);
	return s;
}
