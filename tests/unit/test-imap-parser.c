/*
 * test-imap-parser.c - incremental IMAP command parser
 * (backend/imapd/imap-parser.c).
 *
 * Most tests feed a session and compare a transcript, one line per event:
 *
 *   DONE <tag> <NAME> <args>          args dumped: atoms as sent, NIL,
 *                                     "quoted", {n}"data" / {n+} / ~{n},
 *                                     {n}<streamed>, (lists)
 *   ERROR <tag or *> <KIND> <message>
 *   LIT <size> sync|nonsync [binary] d<depth> i<index>
 *   STREAM "<data>"                   a streamed literal, when complete
 *
 * Every input is fed three ways (one call, one octet per call, and random
 * chunks from fixed seeds) and all transcripts must be identical. At each
 * literal the driver streams APPEND's top-level literals (from the third
 * argument on) to a sink and buffers everything else, refusing what does
 * not fit in max_buffered.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pool.h"
#include "imap-parser.h"
#include "suites.h"

Suite *imap_parser_suite(void);

#define N_ROWS(rows) (sizeof(rows) / sizeof((rows)[0]))
#define N_SEEDS 6

/* CHECK - assertion for hot loops: Check's ck_assert reports every
 * passing call to the parent process, which is slow per octet */
#define CHECK(expr) do { \
	if (!(expr)) \
		ck_abort_msg("%s:%d: check failed: %s", __FILE__, __LINE__, \
			     #expr); \
} while (0)

static struct pool *pool;

static void setup(void)
{
	pool = pool_new("test-imap-parser", 4096);
}

static void teardown(void)
{
	pool_destroy(&pool);
}

/* ==== transcript driver ================================================ */

struct sink_ctx {
	struct buf data;	/* the literal being streamed */
	struct buf *out;	/* transcript */
	size_t fail_after;	/* fail once data passes this (0: never) */
	unsigned int calls;
	bool saw_last;
};

/* dump_bytes - quoted, with \" \\ and \xHH for non-printables */
static void dump_bytes(struct buf *b, const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	CHECK(buf_append_char(b, '"') == 0);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			CHECK(buf_printf(b, "\\%c", c) == 0);
		else if (c >= 0x20 && c < 0x7f)
			CHECK(buf_append_char(b, (char)c) == 0);
		else
			CHECK(buf_printf(b, "\\x%02x", c) == 0);
	}
	CHECK(buf_append_char(b, '"') == 0);
}

/* dump_args - the argument tree, checking the struct contract on the way */
static void dump_args(struct buf *b, const struct imap_arg *args,
		      unsigned int count)
{
	const struct imap_arg *a;
	unsigned int i;

	for (i = 0; i < count; i++) {
		a = &args[i];
		if (i > 0)
			CHECK(buf_append_char(b, ' ') == 0);
		CHECK(a->str != NULL);
		CHECK(a->str[a->len] == '\0');
		switch (a->type) {
		case IMAP_ARG_ATOM:
			CHECK(strlen(a->str) == a->len);
			CHECK(buf_append_str(b, a->str) == 0);
			break;
		case IMAP_ARG_NIL:
			CHECK(str_case_eq(a->str, "NIL"));
			CHECK(buf_append_str(b, "NIL") == 0);
			break;
		case IMAP_ARG_STRING:
			CHECK(utf8_valid(a->str, a->len));
			CHECK(strlen(a->str) == a->len);
			dump_bytes(b, a->str, a->len);
			break;
		case IMAP_ARG_LITERAL:
			CHECK(buf_printf(b, "%s{%llu%s}",
					 a->binary ? "~" : "",
					 (unsigned long long)a->literal_size,
					 a->literal_sync ? "" : "+") == 0);
			if (a->streamed) {
				CHECK(a->len == 0);
				CHECK(buf_append_str(b,
						 "<streamed>") == 0);
			} else {
				CHECK(a->len == a->literal_size);
				dump_bytes(b, a->str, a->len);
			}
			break;
		case IMAP_ARG_LIST:
			CHECK(buf_append_char(b, '(') == 0);
			CHECK(a->count == 0 || a->list != NULL);
			dump_args(b, a->list, a->count);
			CHECK(buf_append_char(b, ')') == 0);
			break;
		}
	}
}

static const char *const kind_names[] = {
	"NONE", "SYNTAX", "TOOLONG", "LITBIG", "NONSYNCBIG", "ARGS", "DEEP",
	"SINK",
};

/* test_sink - collects a streamed literal; may be told to fail */
static int test_sink(void *ctx, const char *data, size_t len, bool last)
{
	struct sink_ctx *s = ctx;

	CHECK(!s->saw_last);
	CHECK(data != NULL);
	CHECK(len > 0 || last);
	s->calls++;
	CHECK(buf_append(&s->data, data, len) == 0);
	if (s->fail_after > 0 && s->data.len > s->fail_after)
		return -1;
	if (last) {
		s->saw_last = true;
		CHECK(buf_append_str(s->out, "STREAM ") == 0);
		dump_bytes(s->out, s->data.data != NULL ? s->data.data : "",
			   s->data.len);
		CHECK(buf_append_char(s->out, '\n') == 0);
	}
	return 0;
}

/* next_rand - small deterministic generator */
static unsigned int next_rand(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

/* on_literal - the server's decision at IMAP_PARSE_LITERAL */
static void on_literal(struct imap_parser *p, struct buf *out,
		       struct sink_ctx *sink)
{
	const struct imap_literal_info *li = imap_parser_literal_info(p);
	const struct imap_cmd *cmd = imap_parser_cmd(p);

	CHECK(buf_printf(out, "LIT %llu %s%s d%u i%u\n",
			 (unsigned long long)li->size,
			 li->sync ? "sync" : "nonsync",
			 li->binary ? " binary" : "", li->depth,
			 li->index) == 0);
	CHECK(cmd->tag != NULL);
	CHECK(cmd->name != NULL);
	if (li->depth == 0)
		CHECK(li->index == cmd->count);
	if (strcmp(cmd->name, "APPEND") == 0 && li->depth == 0 &&
	    li->index >= 1) {
		buf_reset(&sink->data);
		sink->saw_last = false;
		imap_parser_literal_stream(p, test_sink, sink);
	} else if (imap_parser_literal_accept(p) < 0) {
		CHECK(buf_append_str(out, "REFUSED\n") == 0);
		imap_parser_literal_refuse(p);
	}
}

/* record - one DONE or ERROR event into the transcript */
static void record(struct buf *out, enum imap_parse_status st,
		   const struct imap_cmd *cmd)
{
	if (st == IMAP_PARSE_DONE) {
		CHECK(cmd->error == IMAP_PERR_NONE);
		CHECK(cmd->tag != NULL && cmd->name != NULL);
		CHECK(buf_printf(out, "DONE %s %s%s", cmd->tag, cmd->name,
				 cmd->count > 0 ? " " : "") == 0);
		dump_args(out, cmd->args, cmd->count);
		CHECK(buf_append_char(out, '\n') == 0);
		return;
	}
	CHECK(cmd->error != IMAP_PERR_NONE && cmd->error_msg != NULL);
	CHECK(buf_printf(out, "ERROR %s %s %s\n",
			 cmd->tag != NULL ? cmd->tag : "*",
			 kind_names[cmd->error], cmd->error_msg) == 0);
}

/*
 * run_mode - feed in as a session: mode 0 in one call, 1 an octet at a
 * time, else random chunks seeded by mode. Returns the transcript.
 */
static char *run_mode(const struct imap_parser_limits *lim, const char *in,
		      size_t len, unsigned int mode, size_t fail_after)
{
	struct imap_parser *p = imap_parser_new(lim);
	struct buf out;
	struct sink_ctx sink;
	unsigned int seed = mode;
	size_t pos = 0, end, used;
	enum imap_parse_status st;
	char *res;

	buf_init(&out, 0);
	memset(&sink, 0, sizeof(sink));
	buf_init(&sink.data, 0);
	sink.out = &out;
	sink.fail_after = fail_after;
	while (pos < len) {
		if (mode == 0)
			end = len;
		else if (mode == 1)
			end = pos + 1;
		else
			end = pos + 1 + next_rand(&seed) % 23;
		if (end > len)
			end = len;
		while (pos < end) {
			st = imap_parser_feed(p, in + pos, end - pos, &used);
			CHECK(used <= end - pos);
			pos += used;
			if (st == IMAP_PARSE_MORE)
				CHECK(pos == end);
			else if (st == IMAP_PARSE_LITERAL)
				on_literal(p, &out, &sink);
			else
				record(&out, st, imap_parser_cmd(p));
		}
	}
	imap_parser_free(&p);
	CHECK(p == NULL);
	buf_free(&sink.data);
	res = p_strdup(pool, out.data != NULL ? out.data : "");
	buf_free(&out);
	return res;
}

/* check_splits_fail - all feeding modes agree; returns the transcript */
static const char *check_splits_fail(const struct imap_parser_limits *lim,
				     const char *in, size_t len,
				     size_t fail_after)
{
	const char *first = run_mode(lim, in, len, 0, fail_after), *t;
	unsigned int mode;

	for (mode = 1; mode < 2 + N_SEEDS; mode++) {
		t = run_mode(lim, in, len, mode == 1 ? 1 : mode * 7919u,
			     fail_after);
		if (strcmp(first, t) != 0)
			ck_abort_msg("mode %u differs:\n--- one call:\n%s"
				     "--- split:\n%s", mode, first, t);
	}
	return first;
}

static const char *check_splits(const struct imap_parser_limits *lim,
				const char *in, size_t len)
{
	return check_splits_fail(lim, in, len, 0);
}

#define EXPECT_LIM(lim, in, want) do { \
	const char *got_ = check_splits((lim), (in), strlen(in)); \
	ck_assert_msg(strcmp(got_, (want)) == 0, \
		      "input: %s\n--- got:\n%s--- want:\n%s", (in), got_, \
		      (want)); \
} while (0)
#define EXPECT(in, want) EXPECT_LIM(NULL, in, want)
#define EXPECT_BIN(in, want) do { \
	const char *got_ = check_splits(NULL, (in), sizeof(in) - 1); \
	ck_assert_msg(strcmp(got_, (want)) == 0, \
		      "--- got:\n%s--- want:\n%s", got_, (want)); \
} while (0)

/* rep - n copies of c from the test pool */
static char *rep(char c, size_t n)
{
	char *s = p_alloc(pool, n + 1);

	memset(s, c, n);
	return s;
}

/* ==== simple commands ================================================== */

static const struct {
	const char *in;
	const char *want;
} simple_rows[] = {
	{ "a1 NOOP\r\n", "DONE a1 NOOP\n" },
	{ "a1 noop\r\n", "DONE a1 NOOP\n" },
	{ "A001 LOGIN user secret\r\n", "DONE A001 LOGIN user secret\n" },
	{ "x CAPABILITY\r\n", "DONE x CAPABILITY\n" },
	{ "a.b-c_d'e&f!g#h$i CHECK\r\n", "DONE a.b-c_d'e&f!g#h$i CHECK\n" },
	{ "t] NOOP\r\n", "DONE t] NOOP\n" },
	{ "1 select INBOX\r\n", "DONE 1 SELECT INBOX\n" },
	{ "a X-Custom.Cmd arg\r\n", "DONE a X-CUSTOM.CMD arg\n" },
	{ "a uid fetch 1:* (FLAGS)\r\n", "DONE a UID FETCH 1:* (FLAGS)\n" },
	{ "a UID Store 1 +FLAGS (\\Seen)\r\n",
	  "DONE a UID STORE 1 +FLAGS (\\Seen)\n" },
	{ "a UID EXPUNGE 4:7\r\n", "DONE a UID EXPUNGE 4:7\n" },
	{ "a LIST \"\" %\r\n", "DONE a LIST \"\" %\n" },
	{ "a LIST \"\" *\r\n", "DONE a LIST \"\" *\n" },
	{ "a LIST \"\" [Gmail]/Sent\r\n", "DONE a LIST \"\" [Gmail]/Sent\n" },
	{ "a SEARCH 1,2:4 $ UID 5:*\r\n", "DONE a SEARCH 1,2:4 $ UID 5:*\n" },
	{ "a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n",
	  "DONE a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\n" },
	{ "a ID NIL\r\n", "DONE a ID NIL\n" },
	{ "a ID nil\r\n", "DONE a ID NIL\n" },
	{ "a ID NILS\r\n", "DONE a ID NILS\n" },
	{ "a ID (\"name\" \"mutt\" \"version\" NIL)\r\n",
	  "DONE a ID (\"name\" \"mutt\" \"version\" NIL)\n" },
	{ "a STATUS INBOX (MESSAGES UIDNEXT)\r\n",
	  "DONE a STATUS INBOX (MESSAGES UIDNEXT)\n" },
	{ "a ENABLE QRESYNC CONDSTORE\r\n",
	  "DONE a ENABLE QRESYNC CONDSTORE\n" },
	{ "a SELECT INBOX (QRESYNC (67890007 20050715194045000 "
	  "41,43:211,214:541))\r\n",
	  "DONE a SELECT INBOX (QRESYNC (67890007 20050715194045000 "
	  "41,43:211,214:541))\n" },
	{ "a X ~ ~a a~\r\n", "DONE a X ~ ~a a~\n" },
	{ "a X a]b [x\r\n", "DONE a X a]b [x\n" },
	{ "a X \"\" \"a b\" \"(\" \"{5}\"\r\n",
	  "DONE a X \"\" \"a b\" \"(\" \"{5}\"\n" },
	{ "a X \"\\\\\" \"\\\"\"\r\n", "DONE a X \"\\\\\" \"\\\"\"\n" },
	{ "a X \"tab\there\"\r\n", "DONE a X \"tab\\x09here\"\n" },
	{ "a X \"\xe6\x94\xb6\xe4\xbb\xb6\xe7\xae\xb1\"\r\n",
	  "DONE a X \"\\xe6\\x94\\xb6\\xe4\\xbb\\xb6\\xe7\\xae\\xb1\"\n" },
	{ "a X () (()) (a (b c) d) ((a) b)\r\n",
	  "DONE a X () (()) (a (b c) d) ((a) b)\n" },
	{ "a X (\"a\" NIL b)\r\n", "DONE a X (\"a\" NIL b)\n" },
	{ "a NOOP\r\nb NOOP\r\n", "DONE a NOOP\nDONE b NOOP\n" },
};

/* test_simple_row - one row of simple_rows[] */
static void test_simple_row(int i)
{
	EXPECT(simple_rows[i].in, simple_rows[i].want);
}

START_TEST(test_simple)
{
	size_t i;

	for (i = 0; i < N_ROWS(simple_rows); i++)
		test_simple_row((int)i);
}
END_TEST

START_TEST(test_cmd_fields)
{
	struct imap_parser *p = imap_parser_new(NULL);
	const struct imap_cmd *cmd;
	const char *in = "T7 uid FETCH 1 (UID)\r\nrest";
	size_t used;

	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
			 IMAP_PARSE_DONE);
	ck_assert_uint_eq(used, strlen(in) - 4);	/* not "rest" */
	cmd = imap_parser_cmd(p);
	ck_assert_str_eq(cmd->tag, "T7");
	ck_assert_str_eq(cmd->name, "UID FETCH");
	ck_assert(cmd->uid);
	ck_assert_uint_eq(cmd->count, 2);
	ck_assert_int_eq(cmd->args[0].type, IMAP_ARG_ATOM);
	ck_assert_str_eq(cmd->args[0].str, "1");
	ck_assert_int_eq(cmd->args[1].type, IMAP_ARG_LIST);
	ck_assert_uint_eq(cmd->args[1].count, 1);
	ck_assert_str_eq(cmd->args[1].list[0].str, "UID");
	ck_assert_int_eq(cmd->error, IMAP_PERR_NONE);
	ck_assert_ptr_null(cmd->error_msg);
	/* the next command starts clean */
	ck_assert_int_eq(imap_parser_feed(p, "b NOOP\r\n", 8, &used),
			 IMAP_PARSE_DONE);
	cmd = imap_parser_cmd(p);
	ck_assert_str_eq(cmd->tag, "b");
	ck_assert(!cmd->uid);
	ck_assert_uint_eq(cmd->count, 0);
	imap_parser_free(&p);
	imap_parser_free(&p);	/* NULL is fine */
}
END_TEST

START_TEST(test_cmd_dup)
{
	struct imap_parser *p = imap_parser_new(NULL);
	const struct imap_cmd *cmd;
	struct imap_cmd *copy;
	struct buf want, got;
	const char *in = "a UID X (b (\"c\" NIL) ()) ~{3}\r\n";
	size_t used;

	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
			 IMAP_PARSE_LITERAL);
	ck_assert_int_eq(imap_parser_literal_accept(p), 0);
	ck_assert_int_eq(imap_parser_feed(p, "\0z\0\r\n", 5, &used),
			 IMAP_PARSE_DONE);
	cmd = imap_parser_cmd(p);
	buf_init(&want, 0);
	dump_args(&want, cmd->args, cmd->count);
	copy = imap_cmd_dup(pool, cmd);
	/* the parser's memory is reused by the next command */
	ck_assert_int_eq(imap_parser_feed(p, "b Y (q r s t u v)\r\n", 19,
					  &used), IMAP_PARSE_DONE);
	imap_parser_free(&p);
	ck_assert_str_eq(copy->tag, "a");
	ck_assert_str_eq(copy->name, "UID X");
	ck_assert(copy->uid);
	ck_assert_int_eq(copy->error, IMAP_PERR_NONE);
	buf_init(&got, 0);
	dump_args(&got, copy->args, copy->count);
	ck_assert_str_eq(got.data, want.data);
	ck_assert_str_eq(got.data, "(b (\"c\" NIL) ()) ~{3}\"\\x00z\\x00\"");
	ck_assert_uint_eq(copy->args[0].list[2].count, 0);
	ck_assert_ptr_null(copy->args[0].list[2].list);
	buf_free(&want);
	buf_free(&got);
	/* an error's copy: no tag, no name */
	p = imap_parser_new(NULL);
	ck_assert_int_eq(imap_parser_feed(p, "+x\r\n", 4, &used),
			 IMAP_PARSE_ERROR);
	copy = imap_cmd_dup(pool, imap_parser_cmd(p));
	imap_parser_free(&p);
	ck_assert_ptr_null(copy->tag);
	ck_assert_ptr_null(copy->name);
	ck_assert_uint_eq(copy->count, 0);
	ck_assert_str_eq(copy->error_msg, "Invalid tag");
}
END_TEST

START_TEST(test_nil_keeps_text)
{
	struct imap_parser *p = imap_parser_new(NULL);
	const struct imap_cmd *cmd;
	const char *s;
	size_t used, len;

	ck_assert_int_eq(imap_parser_feed(p, "a X nIl\r\n", 9, &used),
			 IMAP_PARSE_DONE);
	cmd = imap_parser_cmd(p);
	ck_assert_int_eq(cmd->args[0].type, IMAP_ARG_NIL);
	ck_assert_str_eq(cmd->args[0].str, "nIl");
	ck_assert(imap_arg_get_astring(&cmd->args[0], &s, &len));
	ck_assert_str_eq(s, "nIl");
	ck_assert_str_eq(imap_arg_get_atom(&cmd->args[0]), "nIl");
	ck_assert(imap_arg_atom_eq(&cmd->args[0], "NIL"));
	imap_parser_free(&p);
}
END_TEST

/* ==== FETCH sections stay one atom ===================================== */

static const struct {
	const char *in;
	const char *want;
} bracket_rows[] = {
	{ "a FETCH 1 BODY[HEADER.FIELDS (From To)]<0.1024>\r\n",
	  "DONE a FETCH 1 BODY[HEADER.FIELDS (From To)]<0.1024>\n" },
	{ "a FETCH 1 (body.peek[1.2.HEADER.FIELDS.NOT (A B)] FLAGS)\r\n",
	  "DONE a FETCH 1 (body.peek[1.2.HEADER.FIELDS.NOT (A B)] FLAGS)\n" },
	{ "a FETCH 1 (BODY[] BINARY[1] BINARY.PEEK[1]<0.5> "
	  "BINARY.SIZE[2])\r\n",
	  "DONE a FETCH 1 (BODY[] BINARY[1] BINARY.PEEK[1]<0.5> "
	  "BINARY.SIZE[2])\n" },
	{ "a FETCH 1 BODY[HEADER.FIELDS (\"X\" {5})]\r\n",
	  "DONE a FETCH 1 BODY[HEADER.FIELDS (\"X\" {5})]\n" },
	/* other atoms do not get the bracket treatment */
	{ "a X FOO[a b]\r\n", "DONE a X FOO[a b]\n" },
	{ "a X BODYX[a b]\r\n", "DONE a X BODYX[a b]\n" },
	{ "a X BODY[a][b c]\r\n", "DONE a X BODY[a][b c]\n" },
	/* errors inside a section */
	{ "a FETCH 1 BODY[HEADER.FIELDS (From\r\n",
	  "ERROR a SYNTAX Missing ']'\n" },
	{ "a FETCH 1 BODY[x[y]]\r\n", "ERROR a SYNTAX Nested '['\n" },
	{ "a FETCH 1 BODY[\xc3\xa9]\r\n",
	  "ERROR a SYNTAX 8-bit octet outside a string\n" },
	{ "a FETCH 1 BODY[a\tb]\r\n",
	  "ERROR a SYNTAX Control character in command\n" },
};

/* test_brackets_row - one row of bracket_rows[] */
static void test_brackets_row(int i)
{
	EXPECT(bracket_rows[i].in, bracket_rows[i].want);
}

/* top_count - top-level argument count of one complete command */
static unsigned int top_count(const char *in)
{
	struct imap_parser *p = imap_parser_new(NULL);
	unsigned int n;
	size_t used;

	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
			 IMAP_PARSE_DONE);
	n = imap_parser_cmd(p)->count;
	imap_parser_free(&p);
	return n;
}

START_TEST(test_brackets)
{
	size_t i;

	for (i = 0; i < N_ROWS(bracket_rows); i++)
		test_brackets_row((int)i);
	ck_assert_uint_eq(top_count("a F 1 BODY[HEADER.FIELDS (A B)]<0.1>\r\n"),
			  2);
	ck_assert_uint_eq(top_count("a X FOO[a b]\r\n"), 2);
	ck_assert_uint_eq(top_count("a X BODY[a][b c]\r\n"), 2);
	ck_assert_uint_eq(top_count("a X binary.size[a b]\r\n"), 1);
}
END_TEST

/* ==== syntax errors ==================================================== */

static const struct {
	const char *in;
	const char *want;
} error_rows[] = {
	/* tags */
	{ "\r\n", "ERROR * SYNTAX Empty command line\n" },
	{ " a NOOP\r\n", "ERROR * SYNTAX Invalid tag\n" },
	{ "+ NOOP\r\n", "ERROR * SYNTAX Invalid tag\n" },
	{ "a+b NOOP\r\n", "ERROR * SYNTAX Invalid tag\n" },
	{ "* NOOP\r\n", "ERROR * SYNTAX Invalid tag\n" },
	{ "a%b NOOP\r\n", "ERROR * SYNTAX Invalid tag\n" },
	{ "a(b NOOP\r\n", "ERROR * SYNTAX Invalid tag\n" },
	{ "a\"b NOOP\r\n", "ERROR * SYNTAX Invalid tag\n" },
	{ "a\\b NOOP\r\n", "ERROR * SYNTAX Invalid tag\n" },
	{ "{5} NOOP\r\n", "ERROR * SYNTAX Invalid tag\n" },
	{ "t\xc3\xa9 NOOP\r\n",
	  "ERROR * SYNTAX 8-bit octet outside a string\n" },
	{ "a\tNOOP\r\n", "ERROR * SYNTAX Control character in command\n" },
	{ "a1\r\n", "ERROR a1 SYNTAX Missing command name\n" },
	/* command names */
	{ "a \r\n", "ERROR a SYNTAX Missing command name\n" },
	{ "a  NOOP\r\n", "ERROR a SYNTAX Missing command name\n" },
	{ "a NO(OP\r\n", "ERROR a SYNTAX Invalid command name\n" },
	{ "a NO\"OP\r\n", "ERROR a SYNTAX Invalid command name\n" },
	{ "a N\xc3\x96OP\r\n",
	  "ERROR a SYNTAX 8-bit octet outside a string\n" },
	{ "a UID\r\n", "ERROR a SYNTAX UID needs a command\n" },
	{ "a UID \r\n", "ERROR a SYNTAX Missing command name\n" },
	{ "a UID  FETCH\r\n", "ERROR a SYNTAX Missing command name\n" },
	/* spacing */
	{ "a NOOP \r\n", "ERROR a SYNTAX Trailing space\n" },
	{ "a X a  b\r\n", "ERROR a SYNTAX Extra space\n" },
	{ "a X ( a)\r\n", "ERROR a SYNTAX Space after '('\n" },
	{ "a X (a )\r\n", "ERROR a SYNTAX Space before ')'\n" },
	{ "a X (a)(b)\r\n", "ERROR a SYNTAX Missing space between "
	  "arguments\n" },
	{ "a X \"a\"b\r\n", "ERROR a SYNTAX Missing space between "
	  "arguments\n" },
	{ "a X a\"b\"\r\n", "ERROR a SYNTAX Missing space between "
	  "arguments\n" },
	{ "a X a(b)\r\n", "ERROR a SYNTAX Missing space between "
	  "arguments\n" },
	{ "a X a{3}\r\n", "ERROR a SYNTAX Missing space between "
	  "arguments\n" },
	/* parentheses */
	{ "a X (a\r\n", "ERROR a SYNTAX Missing ')'\n" },
	{ "a X (\r\n", "ERROR a SYNTAX Missing ')'\n" },
	{ "a X ((a)\r\n", "ERROR a SYNTAX Missing ')'\n" },
	{ "a X a)\r\n", "ERROR a SYNTAX Unbalanced ')'\n" },
	{ "a X (a))\r\n", "ERROR a SYNTAX Unbalanced ')'\n" },
	{ "a X )\r\n", "ERROR a SYNTAX Space before ')'\n" },
	/* atoms */
	{ "a X caf\xc3\xa9\r\n",
	  "ERROR a SYNTAX 8-bit octet outside a string\n" },
	{ "a X \xff\r\n", "ERROR a SYNTAX 8-bit octet outside a string\n" },
	{ "a X a\x7f\r\n", "ERROR a SYNTAX Control character in command\n" },
	{ "a X a\x01\r\n", "ERROR a SYNTAX Control character in command\n" },
	/* quoted strings */
	{ "a X \"abc\r\n", "ERROR a SYNTAX Unterminated quoted string\n" },
	{ "a X \"abc\n", "ERROR a SYNTAX Line ends with a bare LF\n" },
	{ "a X \"a\\nb\"\r\n",
	  "ERROR a SYNTAX Invalid escape in a quoted string\n" },
	{ "a X \"a\\\r\n", "ERROR a SYNTAX Invalid escape in a quoted "
	  "string\n" },
	{ "a X \"\xc3\"\r\n", "ERROR a SYNTAX Invalid UTF-8 in a quoted "
	  "string\n" },
	{ "a X \"\xed\xa0\x80\"\r\n",
	  "ERROR a SYNTAX Invalid UTF-8 in a quoted string\n" },
	{ "a X \"\xc0\xaf\"\r\n",
	  "ERROR a SYNTAX Invalid UTF-8 in a quoted string\n" },
	/* line ends */
	{ "a NOOP\n", "ERROR a SYNTAX Line ends with a bare LF\n" },
	{ "a NOOP\rb NOOP\r\n", "ERROR a SYNTAX Line ends with a bare CR\n" },
	{ "a NOOP\r\r\n", "ERROR a SYNTAX Line ends with a bare CR\n" },
	{ "a X a\rb\r\n", "ERROR a SYNTAX Line ends with a bare CR\n" },
	{ "\n", "ERROR * SYNTAX Line ends with a bare LF\n" },
	/* literal headers */
	{ "a X {abc}\r\n", "ERROR a SYNTAX Invalid literal size\n" },
	{ "a X {}\r\n", "ERROR a SYNTAX Invalid literal size\n" },
	{ "a X {+}\r\n", "ERROR a SYNTAX Invalid literal size\n" },
	{ "a X {-1}\r\n", "ERROR a SYNTAX Invalid literal size\n" },
	{ "a X {5\r\n", "ERROR a SYNTAX Invalid literal size\n" },
	{ "a X {5 }\r\n", "ERROR a SYNTAX Invalid literal size\n" },
	{ "a X {5+x}\r\n", "ERROR a SYNTAX Invalid literal size\n" },
	{ "a X {5++}\r\n", "ERROR a SYNTAX Invalid literal size\n" },
	{ "a X {5}x\r\n", "ERROR a SYNTAX Literal header must end the "
	  "line\n" },
	{ "a X {5} \r\n", "ERROR a SYNTAX Literal header must end the "
	  "line\n" },
	{ "a X {5}\n", "ERROR a SYNTAX Line ends with a bare LF\n" },
	{ "a X {5}\rx\r\n", "ERROR a SYNTAX Line ends with a bare CR\n" },
	{ "a X {99999999999999999999}\r\n",
	  "ERROR a SYNTAX Literal size out of range\n" },
	{ "a X {18446744073709551616}\r\n",
	  "ERROR a SYNTAX Literal size out of range\n" },
	{ "a X ~{abc}\r\n", "ERROR a SYNTAX Invalid literal size\n" },
	{ "a X ~~{1}\r\n", "ERROR a SYNTAX Missing space between "
	  "arguments\n" },
};

/* test_errors_row - one row of error_rows[] */
static void test_errors_row(int i)
{
	EXPECT(error_rows[i].in, error_rows[i].want);
}

START_TEST(test_errors)
{
	size_t i;

	for (i = 0; i < N_ROWS(error_rows); i++)
		test_errors_row((int)i);
}
END_TEST

START_TEST(test_nul_octets)
{
	static const char in1[] = "a X ab\0c\r\nb NOOP\r\n";
	static const char in2[] = "a X \"ab\0c\"\r\nb NOOP\r\n";
	static const char in3[] = "a\0 NOOP\r\nb NOOP\r\n";
	static const char in4[] = "a NO\0OP\r\nb NOOP\r\n";
	static const char in5[] = "\0\r\nb NOOP\r\n";

	EXPECT_BIN(in1, "ERROR a SYNTAX NUL octet in command\n"
		   "DONE b NOOP\n");
	EXPECT_BIN(in2, "ERROR a SYNTAX NUL octet in command\n"
		   "DONE b NOOP\n");
	EXPECT_BIN(in3, "ERROR * SYNTAX NUL octet in command\n"
		   "DONE b NOOP\n");
	EXPECT_BIN(in4, "ERROR a SYNTAX NUL octet in command\n"
		   "DONE b NOOP\n");
	EXPECT_BIN(in5, "ERROR * SYNTAX NUL octet in command\n"
		   "DONE b NOOP\n");
}
END_TEST

START_TEST(test_error_recovery)
{
	/* the rest of a bad line is skipped; the next line parses */
	EXPECT("a X (a))) junk \"x\r\nb NOOP\r\n",
	       "ERROR a SYNTAX Unbalanced ')'\nDONE b NOOP\n");
	EXPECT("a X \"unterminated\r\nb NOOP\r\n",
	       "ERROR a SYNTAX Unterminated quoted string\nDONE b NOOP\n");
	EXPECT("\r\n\r\nb NOOP\r\n", "ERROR * SYNTAX Empty command line\n"
	       "ERROR * SYNTAX Empty command line\nDONE b NOOP\n");
	EXPECT("a NOOP\nb NOOP\r\n",
	       "ERROR a SYNTAX Line ends with a bare LF\nDONE b NOOP\n");
	/* a bare CR does not end the line: skipping goes on to the LF */
	EXPECT("a NOOP\rb NOOP\r\nc NOOP\r\n",
	       "ERROR a SYNTAX Line ends with a bare CR\nDONE c NOOP\n");
	/* an error right before a synchronizing literal's header: the
	   client waits for "+", which never comes, so the next line is a
	   new command */
	EXPECT("a X b) {6}\r\nc NOOP\r\n",
	       "ERROR a SYNTAX Unbalanced ')'\nDONE c NOOP\n");
	/* ... but a non-synchronizing literal's data is coming: skipped,
	   never parsed as a command (no injection) */
	EXPECT("a X b) {14+}\r\nb DELETE INBOX\r\nc NOOP\r\n",
	       "ERROR a SYNTAX Unbalanced ')'\nDONE c NOOP\n");
	EXPECT("a X b) ~{14+}\r\nb DELETE INBOX\r\nc NOOP\r\n",
	       "ERROR a SYNTAX Unbalanced ')'\nDONE c NOOP\n");
	/* after the skipped literal the line goes on, maybe with another */
	EXPECT("a X b) {3+}\r\nabc {4+}\r\n\r\n\r\n tail\r\nc NOOP\r\n",
	       "ERROR a SYNTAX Unbalanced ')'\nDONE c NOOP\n");
	/* a literal header broken by other text is no literal */
	EXPECT("a X b) {3+} \r\nc NOOP\r\n",
	       "ERROR a SYNTAX Unbalanced ')'\nDONE c NOOP\n");
	EXPECT("a X b) {3+}\r\r\nc NOOP\r\n",
	       "ERROR a SYNTAX Unbalanced ')'\nDONE c NOOP\n");
	EXPECT("a X b) {+}\r\nc NOOP\r\n",
	       "ERROR a SYNTAX Unbalanced ')'\nDONE c NOOP\n");
	EXPECT("a X b) {{2+}\r\nxy\r\nc NOOP\r\n",
	       "ERROR a SYNTAX Unbalanced ')'\nDONE c NOOP\n");
	/* a "{n+}" too big to count still swallows the rest: the peer
	   said it would send that much, so nothing after it is a command */
	EXPECT("a X b) {99999999999999999999+}\r\nb NOOP\r\n",
	       "ERROR a SYNTAX Unbalanced ')'\n");
	/* too many args detected at "{": the header is still seen */
	{
		struct imap_parser_limits lim = { .max_args = 1 };

		EXPECT_LIM(&lim, "a X b {5+}\r\nc NOO\r\nd NOOP\r\n",
			   "ERROR a ARGS Too many arguments\nDONE d NOOP\n");
	}
}
END_TEST

/* ==== literals ========================================================= */

START_TEST(test_literal_sync)
{
	EXPECT("a LOGIN {4}\r\nuser {6}\r\nse cr\"\r\n",
	       "LIT 4 sync d0 i0\nLIT 6 sync d0 i1\n"
	       "DONE a LOGIN {4}\"user\" {6}\"se cr\\\"\"\n");
	/* data may hold CRLF and what looks like commands */
	EXPECT("a X {11}\r\nb NOOP\r\n\r\n)\r\n", "LIT 11 sync d0 i0\n"
	       "DONE a X {11}\"b NOOP\\x0d\\x0a\\x0d\\x0a)\"\n");
	EXPECT("a X {0}\r\n\r\n", "LIT 0 sync d0 i0\nDONE a X {0}\"\"\n");
	EXPECT("a X {0}\r\n {0}\r\n\r\n", "LIT 0 sync d0 i0\n"
	       "LIT 0 sync d0 i1\nDONE a X {0}\"\" {0}\"\"\n");
	EXPECT("a X (b {3}\r\nabc c)\r\n", "LIT 3 sync d1 i1\n"
	       "DONE a X (b {3}\"abc\" c)\n");
	EXPECT("a X ((({1}\r\nx)))\r\n", "LIT 1 sync d3 i0\n"
	       "DONE a X ((({1}\"x\")))\n");
	EXPECT("a X {007}\r\n1234567\r\n", "LIT 7 sync d0 i0\n"
	       "DONE a X {7}\"1234567\"\n");
	/* 8-bit and control octets are fine in literals */
	EXPECT("a X {4}\r\n\xff\x01\xc3(\r\n", "LIT 4 sync d0 i0\n"
	       "DONE a X {4}\"\\xff\\x01\\xc3(\"\n");
	/* after the data the line goes on as usual */
	EXPECT("a X {1}\r\nxy\r\n", "LIT 1 sync d0 i0\n"
	       "ERROR a SYNTAX Missing space between arguments\n");
	EXPECT("a X {1}\r\nx \r\n", "LIT 1 sync d0 i0\n"
	       "ERROR a SYNTAX Trailing space\n");
	EXPECT("a X ({1}\r\nx\r\n", "LIT 1 sync d1 i0\n"
	       "ERROR a SYNTAX Missing ')'\n");
}
END_TEST

START_TEST(test_literal_nonsync)
{
	struct imap_parser_limits minus = { .literal_minus = true };
	char *in, *want;

	EXPECT("a LOGIN {4+}\r\nuser {6+}\r\nsecret\r\n",
	       "LIT 4 nonsync d0 i0\nLIT 6 nonsync d0 i1\n"
	       "DONE a LOGIN {4+}\"user\" {6+}\"secret\"\n");
	EXPECT("a X {0+}\r\n\r\n", "LIT 0 nonsync d0 i0\nDONE a X {0+}\"\"\n");
	/* LITERAL-: up to 4096 octets is fine */
	in = p_printf(pool, "a X {4096+}\r\n%s\r\nb NOOP\r\n",
		      rep('x', 4096));
	want = p_printf(pool, "LIT 4096 nonsync d0 i0\nDONE a X {4096+}\"%s\"\n"
			"DONE b NOOP\n", rep('x', 4096));
	EXPECT_LIM(&minus, in, want);
	/* 4097: BAD [TOOBIG], and the data is skipped, not parsed */
	in = p_printf(pool, "a X {4097+}\r\n%s\r\nb NOOP\r\n",
		      rep('\n', 4097));
	EXPECT_LIM(&minus, in, "ERROR a NONSYNCBIG Non-synchronizing "
		   "literal over 4096 octets\nDONE b NOOP\n");
	in = p_printf(pool, "a X {4097+}\r\nc NOOP\r\n%s {2+}\r\nxx\r\n"
		      "b NOOP\r\n", rep('y', 4089));
	EXPECT_LIM(&minus, in, "ERROR a NONSYNCBIG Non-synchronizing "
		   "literal over 4096 octets\nDONE b NOOP\n");
	/* a synchronizing one of any size is fine under LITERAL- */
	in = p_printf(pool, "a X {5000}\r\n%s\r\n", rep('z', 5000));
	want = p_printf(pool, "LIT 5000 sync d0 i0\nDONE a X {5000}\"%s\"\n",
			rep('z', 5000));
	EXPECT_LIM(&minus, in, want);
	/* without LITERAL- (LITERAL+) there is no 4096 cap */
	in = p_printf(pool, "a X {5000+}\r\n%s\r\n", rep('z', 5000));
	want = p_printf(pool, "LIT 5000 nonsync d0 i0\n"
			"DONE a X {5000+}\"%s\"\n", rep('z', 5000));
	EXPECT(in, want);
}
END_TEST

START_TEST(test_literal_binary)
{
	static const char in[] = "a APPEND box ~{5}\r\na\0b\0c\r\n"
		"b X ~{3+}\r\n\0\0\0 ~{0}\r\n\r\n";

	EXPECT_BIN(in, "LIT 5 sync binary d0 i1\nSTREAM \"a\\x00b\\x00c\"\n"
		   "DONE a APPEND box ~{5}<streamed>\n"
		   "LIT 3 nonsync binary d0 i0\nLIT 0 sync binary d0 i1\n"
		   "DONE b X ~{3+}\"\\x00\\x00\\x00\" ~{0}\"\"\n");
}
END_TEST

START_TEST(test_literal_nul)
{
	static const char in[] = "a X {5}\r\nab\0cd\r\nb NOOP\r\n";
	static const char in2[] = "a APPEND box {5}\r\nab\0cd {3+}\r\n"
		"xyz\r\nb NOOP\r\n";

	/* NUL in a non-binary literal: error, the rest is skipped */
	EXPECT_BIN(in, "LIT 5 sync d0 i0\nERROR a SYNTAX NUL octet in a "
		   "literal\nDONE b NOOP\n");
	EXPECT_BIN(in2, "LIT 5 sync d0 i1\nERROR a SYNTAX NUL octet in a "
		   "literal\nDONE b NOOP\n");
}
END_TEST

START_TEST(test_literal_too_big)
{
	struct imap_parser_limits lim = { .max_literal = 10 };

	EXPECT_LIM(&lim, "a X {10}\r\n0123456789\r\n",
		   "LIT 10 sync d0 i0\nDONE a X {10}\"0123456789\"\n");
	/* "{n}" too big: NO [TOOBIG]; the client sends nothing more, so
	   the very next octet starts a command */
	EXPECT_LIM(&lim, "a X {11}\r\nb NOOP\r\n",
		   "ERROR a LITBIG Literal too large\nDONE b NOOP\n");
	EXPECT_LIM(&lim, "a X {18446744073709551615}\r\nb NOOP\r\n",
		   "ERROR a LITBIG Literal too large\nDONE b NOOP\n");
	EXPECT("a X {18446744073709551615}\r\nb NOOP\r\n",
	       "ERROR a LITBIG Literal too large\nDONE b NOOP\n");
	/* "{n+}" too big: its data is skipped */
	EXPECT_LIM(&lim, "a X {11+}\r\nb NOOP\r\nc\r\n\r\nd NOOP\r\n",
		   "ERROR a NONSYNCBIG Literal too large\nDONE d NOOP\n");
	EXPECT_LIM(&lim, "a X ~{11}\r\nb NOOP\r\n",
		   "ERROR a LITBIG Literal too large\nDONE b NOOP\n");
}
END_TEST

START_TEST(test_literal_buffered_limit)
{
	struct imap_parser_limits lim = { .max_buffered = 10 };

	EXPECT_LIM(&lim, "a X {6}\r\nabcdef {4}\r\nghij\r\n",
		   "LIT 6 sync d0 i0\nLIT 4 sync d0 i1\n"
		   "DONE a X {6}\"abcdef\" {4}\"ghij\"\n");
	/* the second would pass max_buffered: accept() says no, the
	   driver refuses; "{n}" ends the command at once */
	EXPECT_LIM(&lim, "a X {6}\r\nabcdef {5}\r\nb NOOP\r\n",
		   "LIT 6 sync d0 i0\nLIT 5 sync d0 i1\nREFUSED\n"
		   "DONE b NOOP\n");
	/* "{n+}" refused: data and the rest of the line are skipped */
	EXPECT_LIM(&lim, "a X {11+}\r\nb NOOP\r\n\r\n {1}\r\nc NOOP\r\n",
		   "LIT 11 nonsync d0 i0\nREFUSED\nDONE c NOOP\n");
	EXPECT_LIM(&lim, "a X {11+}\r\nb NOOP\r\n\r\n {1+}\r\nx\r\nc NOOP\r\n",
		   "LIT 11 nonsync d0 i0\nREFUSED\nDONE c NOOP\n");
	/* streamed literals do not count against max_buffered */
	EXPECT_LIM(&lim, "a APPEND box {20}\r\n01234567890123456789\r\n",
		   "LIT 20 sync d0 i1\nSTREAM \"01234567890123456789\"\n"
		   "DONE a APPEND box {20}<streamed>\n");
}
END_TEST

START_TEST(test_literal_api)
{
	struct imap_parser *p = imap_parser_new(NULL);
	const struct imap_literal_info *li;
	const struct imap_cmd *cmd;
	const char *in = "a APPEND Drafts (\\Seen) {5}\r\n";
	size_t used;

	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
			 IMAP_PARSE_LITERAL);
	ck_assert_uint_eq(used, strlen(in));
	li = imap_parser_literal_info(p);
	ck_assert_uint_eq(li->size, 5);
	ck_assert(li->sync);
	ck_assert(!li->binary);
	ck_assert_uint_eq(li->depth, 0);
	ck_assert_uint_eq(li->index, 2);
	cmd = imap_parser_cmd(p);
	ck_assert_str_eq(cmd->tag, "a");
	ck_assert_str_eq(cmd->name, "APPEND");
	ck_assert_uint_eq(cmd->count, 2);
	ck_assert_str_eq(cmd->args[0].str, "Drafts");
	ck_assert_uint_eq(cmd->args[1].count, 1);
	/* no decision yet: nothing is consumed */
	ck_assert_int_eq(imap_parser_feed(p, "hello\r\n", 7, &used),
			 IMAP_PARSE_LITERAL);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(imap_parser_literal_accept(p), 0);
	ck_assert_int_eq(imap_parser_feed(p, "hel", 3, &used),
			 IMAP_PARSE_MORE);
	ck_assert_uint_eq(used, 3);
	ck_assert_int_eq(imap_parser_feed(p, "lo\r\n", 4, &used),
			 IMAP_PARSE_DONE);
	ck_assert_uint_eq(used, 4);
	cmd = imap_parser_cmd(p);
	ck_assert_uint_eq(cmd->count, 3);
	ck_assert_int_eq(cmd->args[2].type, IMAP_ARG_LITERAL);
	ck_assert_str_eq(cmd->args[2].str, "hello");
	ck_assert(cmd->args[2].literal_sync);
	/* empty feeds are harmless */
	ck_assert_int_eq(imap_parser_feed(p, NULL, 0, &used), IMAP_PARSE_MORE);
	ck_assert_uint_eq(used, 0);
	imap_parser_free(&p);
}
END_TEST

START_TEST(test_literal_refuse_sync)
{
	struct imap_parser *p = imap_parser_new(NULL);
	const struct imap_cmd *cmd;
	size_t used;

	ck_assert_int_eq(imap_parser_feed(p, "a APPEND x {99}\r\n", 17,
					  &used), IMAP_PARSE_LITERAL);
	imap_parser_literal_refuse(p);
	/* the result is still readable for the reply */
	cmd = imap_parser_cmd(p);
	ck_assert_str_eq(cmd->tag, "a");
	ck_assert_int_eq(imap_parser_feed(p, "b NOOP\r\n", 8, &used),
			 IMAP_PARSE_DONE);
	ck_assert_str_eq(imap_parser_cmd(p)->tag, "b");
	imap_parser_free(&p);
}
END_TEST

/* ==== streaming ======================================================== */

START_TEST(test_stream_append)
{
	char *in, *want, *body = rep('m', 3000);

	EXPECT("a APPEND INBOX {11}\r\nHello world\r\n",
	       "LIT 11 sync d0 i1\nSTREAM \"Hello world\"\n"
	       "DONE a APPEND INBOX {11}<streamed>\n");
	EXPECT("a APPEND INBOX (\\Seen) \"7-Feb-1994 21:52:25 -0800\" "
	       "{3+}\r\nx\r\n\r\n",
	       "LIT 3 nonsync d0 i3\nSTREAM \"x\\x0d\\x0a\"\n"
	       "DONE a APPEND INBOX (\\Seen) \"7-Feb-1994 21:52:25 -0800\" "
	       "{3+}<streamed>\n");
	/* MULTIAPPEND: one sink run per message */
	EXPECT("a APPEND INBOX {2}\r\nm1 (\\Flagged) {2}\r\nm2\r\n",
	       "LIT 2 sync d0 i1\nSTREAM \"m1\"\nLIT 2 sync d0 i3\n"
	       "STREAM \"m2\"\nDONE a APPEND INBOX {2}<streamed> (\\Flagged) "
	       "{2}<streamed>\n");
	/* empty message: one call with last set */
	EXPECT("a APPEND INBOX {0}\r\n\r\n", "LIT 0 sync d0 i1\nSTREAM \"\"\n"
	       "DONE a APPEND INBOX {0}<streamed>\n");
	/* the mailbox name itself is buffered */
	EXPECT("a APPEND {5}\r\nINBOX {1}\r\nz\r\n", "LIT 5 sync d0 i0\n"
	       "LIT 1 sync d0 i1\nSTREAM \"z\"\n"
	       "DONE a APPEND {5}\"INBOX\" {1}<streamed>\n");
	in = p_printf(pool, "a APPEND INBOX {3000}\r\n%s\r\nb NOOP\r\n", body);
	want = p_printf(pool, "LIT 3000 sync d0 i1\nSTREAM \"%s\"\n"
			"DONE a APPEND INBOX {3000}<streamed>\nDONE b NOOP\n",
			body);
	EXPECT(in, want);
}
END_TEST

/* count_sink - counts the calls of a streamed literal */
static int count_sink(void *ctx, const char *data, size_t len, bool last)
{
	struct sink_ctx *s = ctx;

	s->calls++;
	ck_assert_int_eq(buf_append(&s->data, data, len), 0);
	ck_assert(!s->saw_last);
	s->saw_last = last;
	return 0;
}

START_TEST(test_stream_chunks)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct sink_ctx sink;
	size_t used;

	memset(&sink, 0, sizeof(sink));
	buf_init(&sink.data, 0);
	ck_assert_int_eq(imap_parser_feed(p, "a APPEND b {10}\r\n", 17, &used),
			 IMAP_PARSE_LITERAL);
	imap_parser_literal_stream(p, count_sink, &sink);
	ck_assert_int_eq(imap_parser_feed(p, "0123", 4, &used),
			 IMAP_PARSE_MORE);
	ck_assert_uint_eq(sink.calls, 1);
	ck_assert(!sink.saw_last);
	ck_assert_int_eq(imap_parser_feed(p, "456789\r", 7, &used),
			 IMAP_PARSE_MORE);
	ck_assert_uint_eq(sink.calls, 2);
	ck_assert(sink.saw_last);
	ck_assert_str_eq(sink.data.data, "0123456789");
	ck_assert_int_eq(imap_parser_feed(p, "\n", 1, &used), IMAP_PARSE_DONE);
	ck_assert(imap_parser_cmd(p)->args[1].streamed);
	ck_assert_uint_eq(imap_parser_cmd(p)->args[1].literal_size, 10);
	imap_parser_free(&p);
	buf_free(&sink.data);
}
END_TEST

START_TEST(test_stream_sink_fails)
{
	const char *in = "a APPEND INBOX {10}\r\n0123456789 {3+}\r\nabc\r\n"
		"b NOOP\r\n";
	const char *got = check_splits_fail(NULL, in, strlen(in), 4);

	ck_assert_str_eq(got, "LIT 10 sync d0 i1\n"
			 "ERROR a SINK Failed to store the literal\n"
			 "DONE b NOOP\n");
	ck_assert_str_eq(imap_parse_error_reply(IMAP_PERR_SINK), "NO");
}
END_TEST

/* ==== limits =========================================================== */

START_TEST(test_line_too_long)
{
	struct imap_parser_limits lim = { .max_line = 20 };
	char *in;

	/* exactly 20 octets with CRLF */
	EXPECT_LIM(&lim, "a X 12345678901234\r\n",
		   "DONE a X 12345678901234\n");
	EXPECT_LIM(&lim, "a X 123456789012345\r\nb NOOP\r\n",
		   "ERROR a TOOLONG Command line too long\nDONE b NOOP\n");
	/* the limit spans the whole command, literal data excluded */
	EXPECT_LIM(&lim, "a X {3}\r\nabc 12345678\r\n",
		   "LIT 3 sync d0 i0\nDONE a X {3}\"abc\" 12345678\n");
	EXPECT_LIM(&lim, "a X {3}\r\nabc 123456789\r\nb NOOP\r\n",
		   "LIT 3 sync d0 i0\nERROR a TOOLONG Command line too long\n"
		   "DONE b NOOP\n");
	/* the tag was not complete yet */
	EXPECT_LIM(&lim, "abcdefghijklmnopqrstuvwxyz NOOP\r\nb NOOP\r\n",
		   "ERROR * TOOLONG Command line too long\nDONE b NOOP\n");
	/* a huge line with the default 64 KiB limit */
	in = p_printf(pool, "a X %s\r\nb NOOP\r\n", rep('q', 1024 * 1024));
	EXPECT(in, "ERROR a TOOLONG Command line too long\nDONE b NOOP\n");
	in = p_printf(pool, "a X %s\r\n", rep('q', 65536 - 6));
	ck_assert_uint_eq(strlen(in), 65536);
	ck_assert_str_eq(check_splits(NULL, in, strlen(in)) + 9 + 65530, "\n");
	ck_assert_str_eq(imap_parse_error_reply(IMAP_PERR_LINE_TOO_LONG),
			 "BAD [TOOBIG]");
}
END_TEST

START_TEST(test_big_tokens)
{
	/* scratch buffers that grew past 64 KiB are released between
	   commands; the results stay intact */
	struct imap_parser_limits lim = { .max_line = 300000,
					  .max_buffered = 200000 };
	char *in, *want;

	in = p_printf(pool, "a X %s {100000}\r\n%s\r\nb NOOP\r\n",
		      rep('t', 100000), rep('l', 100000));
	want = p_printf(pool, "LIT 100000 sync d0 i1\n"
			"DONE a X %s {100000}\"%s\"\nDONE b NOOP\n",
			rep('t', 100000), rep('l', 100000));
	EXPECT_LIM(&lim, in, want);
}
END_TEST

/* nest - depth levels of "(" around "x" */
static char *nest(unsigned int depth)
{
	return p_printf(pool, "a X %sx%s\r\n", rep('(', depth),
			rep(')', depth));
}

START_TEST(test_depth)
{
	struct imap_parser_limits lim = { .max_depth = 3 };
	char *in, *want;

	EXPECT_LIM(&lim, nest(3), "DONE a X (((x)))\n");
	EXPECT_LIM(&lim, nest(4), "ERROR a DEEP Lists nested too deeply\n");
	EXPECT_LIM(&lim, "a X ((()) (()) ((x)))\r\n",
		   "DONE a X ((()) (()) ((x)))\n");
	/* default 16 */
	in = nest(16);
	want = p_printf(pool, "DONE a X %sx%s\n", rep('(', 16), rep(')', 16));
	EXPECT(in, want);
	in = p_printf(pool, "%sb NOOP\r\n", nest(17));
	EXPECT(in, "ERROR a DEEP Lists nested too deeply\nDONE b NOOP\n");
	in = p_printf(pool, "%sb NOOP\r\n", nest(5000));
	EXPECT(in, "ERROR a DEEP Lists nested too deeply\nDONE b NOOP\n");
	ck_assert_str_eq(imap_parse_error_reply(IMAP_PERR_TOO_DEEP), "BAD");
}
END_TEST

START_TEST(test_too_many_args)
{
	struct imap_parser_limits lim = { .max_args = 4 };
	struct buf b;
	unsigned int i;

	EXPECT_LIM(&lim, "a X 1 2 3 4\r\n", "DONE a X 1 2 3 4\n");
	EXPECT_LIM(&lim, "a X 1 2 3 4 5\r\nb NOOP\r\n",
		   "ERROR a ARGS Too many arguments\nDONE b NOOP\n");
	/* lists and their members count */
	EXPECT_LIM(&lim, "a X (1 2) 3\r\n", "DONE a X (1 2) 3\n");
	EXPECT_LIM(&lim, "a X (1 (2))\r\n", "DONE a X (1 (2))\n");
	EXPECT_LIM(&lim, "a X (1 2 3) ()\r\n",
		   "ERROR a ARGS Too many arguments\n");
	EXPECT_LIM(&lim, "a X 1 2 3 \"4\" \"5\"\r\n",
		   "ERROR a ARGS Too many arguments\n");
	EXPECT_LIM(&lim, "a X 1 2 3 4 {1}\r\nb NOOP\r\n",
		   "ERROR a ARGS Too many arguments\nDONE b NOOP\n");
	EXPECT_LIM(&lim, "a X 1 2 3 4 ~x\r\n",
		   "ERROR a ARGS Too many arguments\n");
	/* default 4096 */
	buf_init(&b, 0);
	ck_assert_int_eq(buf_append_str(&b, "a X"), 0);
	for (i = 0; i < 4097; i++)
		ck_assert_int_eq(buf_append_str(&b, " 1"), 0);
	ck_assert_int_eq(buf_append_str(&b, "\r\n"), 0);
	ck_assert_str_eq(check_splits(NULL, b.data, b.len),
			 "ERROR a ARGS Too many arguments\n");
	buf_free(&b);
}
END_TEST

/* ==== incremental feeding ============================================== */

START_TEST(test_split_session)
{
	/* a long mixed session: every feeding mode gives one transcript */
	static const char in[] =
		"a1 CAPABILITY\r\n"
		"a2 LOGIN {4}\r\nuser {6+}\r\nsecret\r\n"
		"a3 SELECT \"INBOX\" (CONDSTORE)\r\n"
		"a4 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From Subject)]"
		"<0.512>)\r\n"
		"a5 BAD\"\r\n"
		"a6 APPEND Sent (\\Seen) {12}\r\nSubject: x\r\n\r\n"
		"a7 X \"q\\\"\" ((a) NIL) ~{3}\r\n\0\1\2\r\n"
		"a8 X b) {4+}\r\na9 X\r\n"
		"a10 UID SEARCH CHARSET UTF-8 SUBJECT \"\xe4\xbd\xa0\"\r\n"
		"\r\n"
		"a11 LOGOUT\r\n";
	const char *got = check_splits(NULL, in, sizeof(in) - 1);

	ck_assert_str_eq(got,
		"DONE a1 CAPABILITY\n"
		"LIT 4 sync d0 i0\nLIT 6 nonsync d0 i1\n"
		"DONE a2 LOGIN {4}\"user\" {6+}\"secret\"\n"
		"DONE a3 SELECT \"INBOX\" (CONDSTORE)\n"
		"DONE a4 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From "
		"Subject)]<0.512>)\n"
		"ERROR a5 SYNTAX Invalid command name\n"
		"LIT 12 sync d0 i2\nSTREAM \"Subject: x\\x0d\\x0a\"\n"
		"DONE a6 APPEND Sent (\\Seen) {12}<streamed>\n"
		"LIT 3 sync binary d0 i2\n"
		"DONE a7 X \"q\\\"\" ((a) NIL) ~{3}\"\\x00\\x01\\x02\"\n"
		"ERROR a8 SYNTAX Unbalanced ')'\n"
		"DONE a10 UID SEARCH CHARSET UTF-8 SUBJECT "
		"\"\\xe4\\xbd\\xa0\"\n"
		"ERROR * SYNTAX Empty command line\n"
		"DONE a11 LOGOUT\n");
}
END_TEST

START_TEST(test_split_random_inputs)
{
	/* pseudo-random octet soup from a small alphabet: whatever comes
	   out, all feeding modes agree (a deterministic mini-fuzzer) */
	static const char alpha[] = "a X(){}+~\"\\\r\n 0123[]BODY\0\xc3\xa9";
	struct imap_parser_limits lim = { .max_line = 64, .max_depth = 3,
					  .max_args = 8, .max_literal = 20,
					  .max_buffered = 30 };
	unsigned int seed = 42, round, i, n;
	char in[200];

	for (round = 0; round < 300; round++) {
		n = next_rand(&seed) % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = alpha[next_rand(&seed) % (sizeof(alpha) - 1)];
		(void)check_splits(&lim, in, n);
		lim.literal_minus = !lim.literal_minus;
	}
}
END_TEST

START_TEST(test_reset)
{
	struct imap_parser *p = imap_parser_new(NULL);
	size_t used;

	ck_assert_int_eq(imap_parser_feed(p, "a X (unfinished", 15, &used),
			 IMAP_PARSE_MORE);
	imap_parser_reset(p);
	ck_assert_int_eq(imap_parser_feed(p, "b NOOP\r\n", 8, &used),
			 IMAP_PARSE_DONE);
	ck_assert_str_eq(imap_parser_cmd(p)->tag, "b");
	/* reset while a literal decision is pending */
	ck_assert_int_eq(imap_parser_feed(p, "c X {3}\r\n", 9, &used),
			 IMAP_PARSE_LITERAL);
	imap_parser_reset(p);
	ck_assert_int_eq(imap_parser_feed(p, "d NOOP\r\n", 8, &used),
			 IMAP_PARSE_DONE);
	ck_assert_str_eq(imap_parser_cmd(p)->tag, "d");
	/* reset in the middle of skipping a bad line */
	ck_assert_int_eq(imap_parser_feed(p, "e X) junk", 9, &used),
			 IMAP_PARSE_ERROR);
	imap_parser_reset(p);
	ck_assert_int_eq(imap_parser_feed(p, "f NOOP\r\n", 8, &used),
			 IMAP_PARSE_DONE);
	imap_parser_free(&p);
}
END_TEST

START_TEST(test_error_consumed)
{
	struct imap_parser *p = imap_parser_new(NULL);
	const struct imap_cmd *cmd;
	const char *in = "a X a)b\r\nc NOOP\r\n";
	size_t used;

	/* the offending octet is not consumed */
	ck_assert_int_eq(imap_parser_feed(p, in, 17, &used), IMAP_PARSE_ERROR);
	ck_assert_uint_eq(used, 5);
	cmd = imap_parser_cmd(p);
	ck_assert_str_eq(cmd->tag, "a");
	ck_assert_str_eq(cmd->name, "X");
	ck_assert_int_eq(cmd->error, IMAP_PERR_SYNTAX);
	ck_assert_str_eq(cmd->error_msg, "Unbalanced ')'");
	ck_assert_str_eq(imap_parse_error_reply(cmd->error), "BAD");
	ck_assert_int_eq(imap_parser_feed(p, in + 5, 12, &used),
			 IMAP_PARSE_DONE);
	ck_assert_uint_eq(used, 12);
	ck_assert_str_eq(imap_parser_cmd(p)->tag, "c");
	imap_parser_free(&p);
}
END_TEST

/* ==== character classes and helpers ==================================== */

START_TEST(test_char_classes)
{
	unsigned int c;

	for (c = 0; c < 256; c++) {
		bool special = c <= 0x20 || c >= 0x7f ||
			strchr("(){%*\"\\]", (int)c) != NULL;

		ck_assert_int_eq(imap_is_atom_char((unsigned char)c),
				 !special);
		ck_assert_int_eq(imap_is_astring_char((unsigned char)c),
				 !special || c == ']');
		ck_assert_int_eq(imap_is_tag_char((unsigned char)c),
				 (!special || c == ']') && c != '+');
	}
	ck_assert(imap_atom_valid("FLAGS", 5));
	ck_assert(imap_atom_valid("$Junk", 5));
	ck_assert(!imap_atom_valid("", 0));
	ck_assert(!imap_atom_valid("\\Seen", 5));
	ck_assert(!imap_atom_valid("a]", 2));
	ck_assert(!imap_atom_valid("a b", 3));
}
END_TEST

START_TEST(test_arg_helpers)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct sink_ctx sink;
	const struct imap_cmd *cmd;
	const struct imap_arg *list;
	unsigned int count;
	const char *in = "a APPEND x* \"q\" a] (l) NIL {1}\r\nL ~{1}\r\nB\r\n";
	const char *s;
	size_t used, len, pos = 0;
	enum imap_parse_status st;

	memset(&sink, 0, sizeof(sink));
	buf_init(&sink.data, 0);
	while ((st = imap_parser_feed(p, in + pos, strlen(in) - pos, &used)) ==
	       IMAP_PARSE_LITERAL) {
		pos += used;
		if (imap_parser_literal_info(p)->binary)
			imap_parser_literal_stream(p, count_sink, &sink);
		else
			ck_assert_int_eq(imap_parser_literal_accept(p), 0);
	}
	ck_assert_int_eq(st, IMAP_PARSE_DONE);
	cmd = imap_parser_cmd(p);
	ck_assert_uint_eq(cmd->count, 7);
	/* "x*": an atom, not an astring */
	ck_assert_str_eq(imap_arg_get_atom(&cmd->args[0]), "x*");
	ck_assert(!imap_arg_get_astring(&cmd->args[0], &s, &len));
	ck_assert(!imap_arg_get_string(&cmd->args[0], &s, &len));
	/* quoted */
	ck_assert_ptr_null(imap_arg_get_atom(&cmd->args[1]));
	ck_assert(imap_arg_get_astring(&cmd->args[1], &s, &len));
	ck_assert_str_eq(s, "q");
	ck_assert(imap_arg_get_string(&cmd->args[1], &s, &len));
	/* "a]" is an astring */
	ck_assert(imap_arg_get_astring(&cmd->args[2], &s, &len));
	ck_assert_str_eq(s, "a]");
	/* list */
	ck_assert(!imap_arg_get_astring(&cmd->args[3], &s, &len));
	ck_assert(imap_arg_get_list(&cmd->args[3], &list, &count));
	ck_assert_uint_eq(count, 1);
	ck_assert(imap_arg_atom_eq(&list[0], "L"));
	ck_assert(!imap_arg_get_list(&cmd->args[0], &list, &count));
	/* NIL */
	ck_assert(imap_arg_get_astring(&cmd->args[4], &s, &len));
	ck_assert(!imap_arg_get_string(&cmd->args[4], &s, &len));
	/* literal */
	ck_assert(imap_arg_get_astring(&cmd->args[5], &s, &len));
	ck_assert_str_eq(s, "L");
	ck_assert_ptr_null(imap_arg_get_atom(&cmd->args[5]));
	ck_assert(!imap_arg_atom_eq(&cmd->args[5], "L"));
	/* streamed binary literal: no string at all */
	ck_assert(cmd->args[6].streamed && cmd->args[6].binary);
	ck_assert(!imap_arg_get_astring(&cmd->args[6], &s, &len));
	ck_assert(!imap_arg_get_string(&cmd->args[6], &s, &len));
	imap_parser_free(&p);
	buf_free(&sink.data);
}
END_TEST

START_TEST(test_binary_buffered_not_string)
{
	struct imap_parser *p = imap_parser_new(NULL);
	const char *s;
	size_t used, len;

	ck_assert_int_eq(imap_parser_feed(p, "a X ~{1}\r\n", 10, &used),
			 IMAP_PARSE_LITERAL);
	ck_assert_int_eq(imap_parser_literal_accept(p), 0);
	ck_assert_int_eq(imap_parser_feed(p, "z\r\n", 3, &used),
			 IMAP_PARSE_DONE);
	ck_assert(!imap_arg_get_astring(&imap_parser_cmd(p)->args[0], &s,
					&len));
	imap_parser_free(&p);
}
END_TEST

START_TEST(test_error_replies)
{
	ck_assert_str_eq(imap_parse_error_reply(IMAP_PERR_SYNTAX), "BAD");
	ck_assert_str_eq(imap_parse_error_reply(IMAP_PERR_LITERAL_TOO_BIG),
			 "NO [TOOBIG]");
	ck_assert_str_eq(imap_parse_error_reply(IMAP_PERR_NONSYNC_TOO_BIG),
			 "BAD [TOOBIG]");
	ck_assert_str_eq(imap_parse_error_reply(IMAP_PERR_TOO_MANY_ARGS),
			 "BAD");
}
END_TEST

Suite *imap_parser_suite(void)
{
	Suite *s = suite_create("imap-parser");
	TCase *tc;

	tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_simple);
	tcase_add_test(tc, test_cmd_fields);
	tcase_add_test(tc, test_nil_keeps_text);
	tcase_add_test(tc, test_cmd_dup);
	tcase_add_test(tc, test_brackets);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_nul_octets);
	tcase_add_test(tc, test_error_recovery);
	tcase_add_test(tc, test_error_consumed);
	tcase_add_test(tc, test_error_replies);
	suite_add_tcase(s, tc);

	tc = tcase_create("literals");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_literal_sync);
	tcase_add_test(tc, test_literal_nonsync);
	tcase_add_test(tc, test_literal_binary);
	tcase_add_test(tc, test_literal_nul);
	tcase_add_test(tc, test_literal_too_big);
	tcase_add_test(tc, test_literal_buffered_limit);
	tcase_add_test(tc, test_literal_api);
	tcase_add_test(tc, test_literal_refuse_sync);
	tcase_add_test(tc, test_stream_append);
	tcase_add_test(tc, test_stream_chunks);
	tcase_add_test(tc, test_stream_sink_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_line_too_long);
	tcase_add_test(tc, test_big_tokens);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_too_many_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("incremental");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_split_session);
	tcase_add_test(tc, test_split_random_inputs);
	tcase_add_test(tc, test_reset);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_char_classes);
	tcase_add_test(tc, test_arg_helpers);
	tcase_add_test(tc, test_binary_buffered_not_string);
	suite_add_tcase(s, tc);
	return s;
}
