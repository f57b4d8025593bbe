/*
 * test-pop3-parse.c - POP3 command lines and the RETR/TOP output
 * transformation (backend/pop3d/pop3-parse.c).
 *
 * Command tests are tables: a line and what must come of it (command,
 * status, arguments). The stuffer tests feed stored message text in one
 * piece, octet by octet and with a tiny output buffer, and check that the
 * result is always the same CRLF, dot-stuffed, terminated text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3-parse.h"
#include "suites.h"

#define N_ROWS(rows) (sizeof(rows) / sizeof((rows)[0]))

/* parse - pop3_cmd_parse on a C string, with the return contract checked */
static int parse(const char *line, struct pop3_cmd *cmd)
{
	int ret = pop3_cmd_parse(line, strlen(line), cmd);

	ck_assert(ret == 0 || ret == -1);
	if (ret == 0)
		ck_assert_int_eq(cmd->status, POP3_PARSE_OK);
	else
		ck_assert_int_ne(cmd->status, POP3_PARSE_OK);
	return ret;
}

/* ==== keywords ========================================================= */

static const struct {
	const char *line;
	enum pop3_cmd_id id;
	unsigned int nargs;
} ok_rows[] = {
	{ "USER alice@example.test", POP3_CMD_USER, 1 },
	{ "PASS secret", POP3_CMD_PASS, 1 },
	{ "APOP alice 0123456789abcdef", POP3_CMD_APOP, 2 },
	{ "AUTH", POP3_CMD_AUTH, 0 },
	{ "AUTH PLAIN", POP3_CMD_AUTH, 1 },
	{ "AUTH PLAIN AGFsaWNlAHNlY3JldA==", POP3_CMD_AUTH, 2 },
	{ "AUTH PLAIN =", POP3_CMD_AUTH, 2 },
	{ "STLS", POP3_CMD_STLS, 0 },
	{ "CAPA", POP3_CMD_CAPA, 0 },
	{ "QUIT", POP3_CMD_QUIT, 0 },
	{ "STAT", POP3_CMD_STAT, 0 },
	{ "LIST", POP3_CMD_LIST, 0 },
	{ "LIST 1", POP3_CMD_LIST, 1 },
	{ "RETR 7", POP3_CMD_RETR, 1 },
	{ "DELE 2", POP3_CMD_DELE, 1 },
	{ "NOOP", POP3_CMD_NOOP, 0 },
	{ "RSET", POP3_CMD_RSET, 0 },
	{ "TOP 1 0", POP3_CMD_TOP, 2 },
	{ "TOP 3 10", POP3_CMD_TOP, 2 },
	{ "UIDL", POP3_CMD_UIDL, 0 },
	{ "UIDL 4", POP3_CMD_UIDL, 1 },
	/* case-insensitive keywords */
	{ "user bob", POP3_CMD_USER, 1 },
	{ "pAsS x", POP3_CMD_PASS, 1 },
	{ "stls", POP3_CMD_STLS, 0 },
	{ "Capa", POP3_CMD_CAPA, 0 },
	{ "quit", POP3_CMD_QUIT, 0 },
	{ "top 1 2", POP3_CMD_TOP, 2 },
	{ "uidl", POP3_CMD_UIDL, 0 },
	{ "auth plain", POP3_CMD_AUTH, 1 },
	/* tolerated spacing */
	{ "STAT ", POP3_CMD_STAT, 0 },
	{ "QUIT   ", POP3_CMD_QUIT, 0 },
	{ "RETR  1", POP3_CMD_RETR, 1 },
	{ "TOP 1  5 ", POP3_CMD_TOP, 2 },
	/* non-ASCII in arguments (UTF-8 logins and passwords) */
	{ "USER j\xc3\xbcrgen@example.test", POP3_CMD_USER, 1 },
	{ "PASS p\xc3\xa4ss", POP3_CMD_PASS, 1 },
};

START_TEST(test_commands_ok)
{
	struct pop3_cmd cmd;

	for (size_t i = 0; i < N_ROWS(ok_rows); i++) {
		ck_assert_msg(parse(ok_rows[i].line, &cmd) == 0,
			      "refused (%d): %s", (int)cmd.status,
			      ok_rows[i].line);
		ck_assert_int_eq(cmd.id, ok_rows[i].id);
		ck_assert_uint_eq(cmd.nargs, ok_rows[i].nargs);
		for (unsigned int a = 0; a < cmd.nargs; a++) {
			ck_assert_ptr_nonnull(cmd.args[a]);
			ck_assert_uint_gt(strlen(cmd.args[a]), 0);
			ck_assert(strchr(cmd.args[a], ' ') == NULL ||
				  cmd.id == POP3_CMD_PASS);
		}
	}
}
END_TEST

static const char *const unknown_rows[] = {
	"XYZZY", "HELO x", "EHLO x", "LOGIN a b", "LIS", "LISTX",
	"RETR1", " QUIT", "  STAT", "QU", "Q", "QUI T", "1234", "QU1T",
	"GET / HTTP/1.0", "Q\xc3\x9cIT", "\xff\xfe", "STARTTLS", "AUTHENTICATE",
	"SELECT INBOX", "A001 LOGIN a b", "XTND XMIT",
};

START_TEST(test_unknown)
{
	struct pop3_cmd cmd;

	for (size_t i = 0; i < N_ROWS(unknown_rows); i++) {
		ck_assert_msg(parse(unknown_rows[i], &cmd) == -1,
			      "accepted: %s", unknown_rows[i]);
		ck_assert_int_eq(cmd.status, POP3_PARSE_UNKNOWN);
		ck_assert_int_eq(cmd.id, POP3_CMD_UNKNOWN);
	}
	ck_assert_str_eq(pop3_cmd_name(POP3_CMD_UNKNOWN), "UNKNOWN");
	ck_assert_str_eq(pop3_parse_error_text(POP3_PARSE_UNKNOWN),
			 "Unknown command");
}
END_TEST

START_TEST(test_empty)
{
	struct pop3_cmd cmd;

	ck_assert_int_eq(pop3_cmd_parse("", 0, &cmd), -1);
	ck_assert_int_eq(cmd.status, POP3_PARSE_EMPTY);
	/* a NULL line with no length is fine too: nothing is read */
	ck_assert_int_eq(pop3_cmd_parse(NULL, 0, &cmd), -1);
	ck_assert_int_eq(cmd.status, POP3_PARSE_EMPTY);
}
END_TEST

static const struct {
	const char *line;
	size_t len;
} bad_octet_rows[] = {
	{ "QUIT\0", 5 },
	{ "\0QUIT", 5 },
	{ "QUIT\r", 5 },
	{ "QUIT\n", 5 },
	{ "QUIT\t", 5 },
	{ "\tQUIT", 5 },
	{ "STAT\r\nDELE 1", 12 },
	{ "USER a\x01" "b", 8 },
	{ "PASS se\x7f" "cret", 12 },
	{ "PASS a\0b", 8 },
	{ "\x1b[31mQUIT", 9 },
};

START_TEST(test_bad_octets)
{
	struct pop3_cmd cmd;

	for (size_t i = 0; i < N_ROWS(bad_octet_rows); i++) {
		ck_assert_msg(pop3_cmd_parse(bad_octet_rows[i].line,
					     bad_octet_rows[i].len, &cmd) == -1,
			      "accepted row %zu", i);
		ck_assert_int_eq(cmd.status, POP3_PARSE_BAD_OCTET);
	}
}
END_TEST

/* ==== arguments ======================================================== */

static const struct {
	const char *line;
	enum pop3_cmd_id id;
	enum pop3_parse_status status;
} bad_arg_rows[] = {
	{ "USER", POP3_CMD_USER, POP3_PARSE_MISSING_ARG },
	{ "USER ", POP3_CMD_USER, POP3_PARSE_MISSING_ARG },
	{ "USER a b", POP3_CMD_USER, POP3_PARSE_EXTRA_ARG },
	{ "PASS", POP3_CMD_PASS, POP3_PARSE_MISSING_ARG },
	{ "PASS ", POP3_CMD_PASS, POP3_PARSE_MISSING_ARG },
	{ "APOP a", POP3_CMD_APOP, POP3_PARSE_MISSING_ARG },
	{ "AUTH PLAIN a b", POP3_CMD_AUTH, POP3_PARSE_EXTRA_ARG },
	{ "STLS now", POP3_CMD_STLS, POP3_PARSE_EXTRA_ARG },
	{ "CAPA x", POP3_CMD_CAPA, POP3_PARSE_EXTRA_ARG },
	{ "QUIT bye", POP3_CMD_QUIT, POP3_PARSE_EXTRA_ARG },
	{ "STAT 1", POP3_CMD_STAT, POP3_PARSE_EXTRA_ARG },
	{ "NOOP x", POP3_CMD_NOOP, POP3_PARSE_EXTRA_ARG },
	{ "RSET 1", POP3_CMD_RSET, POP3_PARSE_EXTRA_ARG },
	{ "LIST 1 2", POP3_CMD_LIST, POP3_PARSE_EXTRA_ARG },
	{ "LIST x", POP3_CMD_LIST, POP3_PARSE_BAD_NUMBER },
	{ "LIST -1", POP3_CMD_LIST, POP3_PARSE_BAD_NUMBER },
	{ "LIST +1", POP3_CMD_LIST, POP3_PARSE_BAD_NUMBER },
	{ "LIST 1x", POP3_CMD_LIST, POP3_PARSE_BAD_NUMBER },
	{ "LIST 0x1", POP3_CMD_LIST, POP3_PARSE_BAD_NUMBER },
	{ "RETR", POP3_CMD_RETR, POP3_PARSE_MISSING_ARG },
	{ "RETR 1 2", POP3_CMD_RETR, POP3_PARSE_EXTRA_ARG },
	{ "RETR 1.5", POP3_CMD_RETR, POP3_PARSE_BAD_NUMBER },
	{ "RETR 4294967296", POP3_CMD_RETR, POP3_PARSE_BAD_NUMBER },
	{ "RETR 99999999999999999999999", POP3_CMD_RETR,
	  POP3_PARSE_BAD_NUMBER },
	{ "DELE", POP3_CMD_DELE, POP3_PARSE_MISSING_ARG },
	{ "DELE one", POP3_CMD_DELE, POP3_PARSE_BAD_NUMBER },
	{ "TOP", POP3_CMD_TOP, POP3_PARSE_MISSING_ARG },
	{ "TOP 1", POP3_CMD_TOP, POP3_PARSE_MISSING_ARG },
	{ "TOP 1 2 3", POP3_CMD_TOP, POP3_PARSE_EXTRA_ARG },
	{ "TOP 1 -2", POP3_CMD_TOP, POP3_PARSE_BAD_NUMBER },
	{ "UIDL 1 2", POP3_CMD_UIDL, POP3_PARSE_EXTRA_ARG },
	{ "UIDL abc", POP3_CMD_UIDL, POP3_PARSE_BAD_NUMBER },
};

START_TEST(test_bad_arguments)
{
	struct pop3_cmd cmd;

	for (size_t i = 0; i < N_ROWS(bad_arg_rows); i++) {
		ck_assert_msg(parse(bad_arg_rows[i].line, &cmd) == -1,
			      "accepted: %s", bad_arg_rows[i].line);
		ck_assert_msg(cmd.status == bad_arg_rows[i].status,
			      "%s: status %d, want %d", bad_arg_rows[i].line,
			      (int)cmd.status, (int)bad_arg_rows[i].status);
		/* the keyword is still known, for the reply and the log */
		ck_assert_int_eq(cmd.id, bad_arg_rows[i].id);
		ck_assert_str_ne(pop3_cmd_name(cmd.id), "UNKNOWN");
	}
}
END_TEST

START_TEST(test_numbers)
{
	struct pop3_cmd cmd;

	ck_assert_int_eq(parse("RETR 1", &cmd), 0);
	ck_assert_uint_eq(cmd.num[0], 1);
	ck_assert_int_eq(parse("RETR 0", &cmd), 0);	/* the server says no */
	ck_assert_uint_eq(cmd.num[0], 0);
	ck_assert_int_eq(parse("RETR 007", &cmd), 0);
	ck_assert_uint_eq(cmd.num[0], 7);
	ck_assert_int_eq(parse("RETR 4294967295", &cmd), 0);
	ck_assert_uint_eq(cmd.num[0], 4294967295u);
	ck_assert_int_eq(parse("RETR 00000000000000004294967295", &cmd), 0);
	ck_assert_uint_eq(cmd.num[0], 4294967295u);
	ck_assert_int_eq(parse("TOP 12 0", &cmd), 0);
	ck_assert_uint_eq(cmd.num[0], 12);
	ck_assert_uint_eq(cmd.num[1], 0);
	ck_assert_str_eq(cmd.args[0], "12");
	ck_assert_str_eq(cmd.args[1], "0");
	ck_assert_int_eq(parse("LIST", &cmd), 0);
	ck_assert_uint_eq(cmd.nargs, 0);
	ck_assert_uint_eq(cmd.num[0], 0);
}
END_TEST

START_TEST(test_pass_keeps_spaces)
{
	struct pop3_cmd cmd;

	ck_assert_int_eq(parse("PASS  two words ", &cmd), 0);
	ck_assert_uint_eq(cmd.nargs, 1);
	ck_assert_str_eq(cmd.args[0], " two words ");
	ck_assert_int_eq(parse("pass a b c", &cmd), 0);
	ck_assert_str_eq(cmd.args[0], "a b c");
	/* the other commands split */
	ck_assert_int_eq(parse("AUTH  PLAIN   dGVzdA==  ", &cmd), 0);
	ck_assert_uint_eq(cmd.nargs, 2);
	ck_assert_str_eq(cmd.args[0], "PLAIN");
	ck_assert_str_eq(cmd.args[1], "dGVzdA==");
	ck_assert_int_eq(parse("USER alice", &cmd), 0);
	ck_assert_str_eq(cmd.args[0], "alice");
}
END_TEST

START_TEST(test_line_length)
{
	char line[POP3_LINE_MAX + 8];
	struct pop3_cmd cmd;
	size_t n;

	/* "PASS " + password filling exactly POP3_CMD_TEXT_MAX octets,
	 * which is 255 with the CRLF: accepted */
	memcpy(line, "PASS ", 5);
	memset(line + 5, 'x', sizeof(line) - 5);
	n = POP3_CMD_TEXT_MAX;
	ck_assert_int_eq(POP3_CMD_TEXT_MAX, 253);
	ck_assert_int_eq(pop3_cmd_parse(line, n, &cmd), 0);
	ck_assert_uint_eq(strlen(cmd.args[0]), n - 5);
	/* one more octet: refused, and not read past */
	ck_assert_int_eq(pop3_cmd_parse(line, n + 1, &cmd), -1);
	ck_assert_int_eq(cmd.status, POP3_PARSE_TOO_LONG);
	ck_assert_str_eq(pop3_parse_error_text(cmd.status), "Line too long");
	ck_assert_int_eq(pop3_cmd_parse(line, sizeof(line), &cmd), -1);
	ck_assert_int_eq(cmd.status, POP3_PARSE_TOO_LONG);
}
END_TEST

START_TEST(test_no_reference_to_input)
{
	char line[] = "USER alice";
	struct pop3_cmd cmd;

	ck_assert_int_eq(pop3_cmd_parse(line, strlen(line), &cmd), 0);
	memset(line, 'z', sizeof(line) - 1);
	ck_assert_str_eq(cmd.args[0], "alice");
	ck_assert(cmd.args[0] >= cmd.text &&
		  cmd.args[0] < cmd.text + sizeof(cmd.text));
}
END_TEST

START_TEST(test_names_and_texts)
{
	ck_assert_str_eq(pop3_cmd_name(POP3_CMD_TOP), "TOP");
	ck_assert_str_eq(pop3_cmd_name(POP3_CMD_UIDL), "UIDL");
	ck_assert_str_eq(pop3_cmd_name(POP3_CMD_STLS), "STLS");
	for (int st = POP3_PARSE_OK; st <= POP3_PARSE_BAD_NUMBER; st++) {
		const char *t = pop3_parse_error_text(
			(enum pop3_parse_status)st);

		ck_assert_ptr_nonnull(t);
		ck_assert_uint_gt(strlen(t), 0);
		ck_assert(strpbrk(t, "\r\n") == NULL);
	}
}
END_TEST

/* ==== message text ===================================================== */

/* stuff_all - run the stuffer over in, split into pieces of `piece`
 * octets, with `room` octets of output room per call; returns the output
 * (malloc'd, NUL-terminated) */
static char *stuff_all(const char *in, size_t len, bool top, uint64_t lines,
		       size_t piece, size_t room)
{
	struct pop3_stuffer st;
	size_t cap = len * 4 + POP3_STUFF_END_MAX + 1, n = 0, off = 0;
	char *out = malloc(cap);
	char *tmp = malloc(room);
	unsigned int calls = 0;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(tmp);
	pop3_stuffer_init(&st, top, lines);
	while (off < len && !pop3_stuffer_done(&st)) {
		size_t chunk = len - off < piece ? len - off : piece;
		size_t used, o;

		o = pop3_stuff(&st, in + off, chunk, &used, tmp, room);
		ck_assert_uint_le(o, room);
		ck_assert_uint_le(used, chunk);
		ck_assert_msg(used > 0, "no progress at %zu", off);
		ck_assert_uint_le(n + o, cap);
		memcpy(out + n, tmp, o);
		n += o;
		off += used;
		ck_assert_uint_lt(++calls, 100000);
	}
	n += pop3_stuff_end(&st, out + n);
	out[n] = '\0';
	ck_assert_uint_eq(st.out_octets, n);
	free(tmp);
	return out;
}

/* check_stuff - every way of feeding in gives want */
static void check_stuff(const char *in, bool top, uint64_t lines,
			const char *want)
{
	static const size_t pieces[] = { 1, 2, 3, 7, 64, 100000 };
	static const size_t rooms[] = { POP3_STUFF_ROOM_MIN, 5, 17, 4096 };
	size_t len = strlen(in);

	for (size_t p = 0; p < N_ROWS(pieces); p++) {
		for (size_t r = 0; r < N_ROWS(rooms); r++) {
			char *got = stuff_all(in, len, top, lines, pieces[p],
					      rooms[r]);

			ck_assert_msg(strcmp(got, want) == 0,
				      "piece %zu room %zu: got \"%s\"",
				      pieces[p], rooms[r], got);
			free(got);
		}
	}
}

START_TEST(test_stuff_crlf_unchanged)
{
	const char *msg = "Subject: x\r\n\r\nbody\r\n";

	check_stuff(msg, false, 0, "Subject: x\r\n\r\nbody\r\n.\r\n");
	/* exact size: for a CRLF message that ends in CRLF the output
	 * before the terminator is the message itself */
	{
		char *got = stuff_all(msg, strlen(msg), false, 0, 5, 64);

		ck_assert_uint_eq(strlen(got), strlen(msg) + 3);
		free(got);
	}
}
END_TEST

START_TEST(test_stuff_bare_lf_and_cr)
{
	check_stuff("a\nb\n", false, 0, "a\r\nb\r\n.\r\n");
	check_stuff("a\rb\r", false, 0, "a\r\nb\r\n.\r\n");
	check_stuff("a\r\r\nb", false, 0, "a\r\n\r\nb\r\n.\r\n");
	check_stuff("a\n\rb", false, 0, "a\r\n\r\nb\r\n.\r\n");
	check_stuff("\r\n", false, 0, "\r\n.\r\n");
	check_stuff("\n\n", false, 0, "\r\n\r\n.\r\n");
	check_stuff("\r", false, 0, "\r\n.\r\n");
}
END_TEST

START_TEST(test_stuff_dots)
{
	check_stuff(".\r\n", false, 0, "..\r\n.\r\n");
	check_stuff("a\r\n.\r\nb\r\n", false, 0, "a\r\n..\r\nb\r\n.\r\n");
	check_stuff("..x\n", false, 0, "...x\r\n.\r\n");
	check_stuff("a.b\r\n", false, 0, "a.b\r\n.\r\n");
	/* after a bare CR the next octet starts a line too */
	check_stuff("a\r.\r\n", false, 0, "a\r\n..\r\n.\r\n");
	check_stuff("x\n.", false, 0, "x\r\n..\r\n.\r\n");
}
END_TEST

START_TEST(test_stuff_unterminated)
{
	check_stuff("no newline", false, 0, "no newline\r\n.\r\n");
	check_stuff("", false, 0, ".\r\n");
	check_stuff(".", false, 0, "..\r\n.\r\n");
}
END_TEST

START_TEST(test_stuff_top)
{
	const char *msg = "A: 1\r\nB: 2\r\n\r\nl1\r\n.l2\r\nl3\r\n";

	check_stuff(msg, true, 0, "A: 1\r\nB: 2\r\n\r\n.\r\n");
	check_stuff(msg, true, 1, "A: 1\r\nB: 2\r\n\r\nl1\r\n.\r\n");
	check_stuff(msg, true, 2, "A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n.\r\n");
	check_stuff(msg, true, 3,
		    "A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n");
	check_stuff(msg, true, 1000,
		    "A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n");
	check_stuff(msg, true, UINT64_MAX,
		    "A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n");
	/* bare LF messages */
	check_stuff("A: 1\n\nx\ny\n", true, 1, "A: 1\r\n\r\nx\r\n.\r\n");
	/* no blank line: all of it is header */
	check_stuff("A: 1\r\nB: 2\r\n", true, 0, "A: 1\r\nB: 2\r\n.\r\n");
	/* an empty body line counts as a line */
	check_stuff("A: 1\r\n\r\n\r\nx\r\n", true, 1, "A: 1\r\n\r\n\r\n.\r\n");
	/* a body whose last line has no CRLF */
	check_stuff("A: 1\r\n\r\nx", true, 5, "A: 1\r\n\r\nx\r\n.\r\n");
	/* a message starting with the blank line */
	check_stuff("\r\nbody\r\n", true, 0, "\r\n.\r\n");
}
END_TEST

START_TEST(test_stuff_done_skips_rest)
{
	struct pop3_stuffer st;
	const char *msg = "A: 1\r\n\r\nbody\r\nmore\r\n";
	char out[64];
	size_t used, o;

	pop3_stuffer_init(&st, true, 0);
	o = pop3_stuff(&st, msg, strlen(msg), &used, out, sizeof(out));
	ck_assert(pop3_stuffer_done(&st));
	ck_assert_uint_eq(used, strlen(msg));	/* all consumed */
	ck_assert_uint_eq(o, 8);
	/* later input is swallowed */
	o = pop3_stuff(&st, "xyz", 3, &used, out, sizeof(out));
	ck_assert_uint_eq(o, 0);
	ck_assert_uint_eq(used, 3);
	ck_assert_uint_eq(st.in_octets, strlen(msg) + 3);
}
END_TEST

START_TEST(test_stuff_needs_room)
{
	struct pop3_stuffer st;
	char out[POP3_STUFF_ROOM_MIN];
	size_t used = 99, o;

	pop3_stuffer_init(&st, false, 0);
	/* too little room: nothing happens */
	o = pop3_stuff(&st, "abc", 3, &used, out, POP3_STUFF_ROOM_MIN - 1);
	ck_assert_uint_eq(o, 0);
	ck_assert_uint_eq(used, 0);
	/* the worst case fits: a pending CR, then "." at a line start */
	o = pop3_stuff(&st, "\r", 1, &used, out, sizeof(out));
	ck_assert_uint_eq(o, 0);
	ck_assert_uint_eq(used, 1);
	o = pop3_stuff(&st, ".", 1, &used, out, sizeof(out));
	ck_assert_uint_eq(o, 4);
	ck_assert_uint_eq(used, 1);
	ck_assert(memcmp(out, "\r\n..", 4) == 0);
}
END_TEST

Suite *pop3_parse_suite(void)
{
	Suite *s = suite_create("pop3-parse");
	TCase *tc;

	tc = tcase_create("commands");
	tcase_add_test(tc, test_commands_ok);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_bad_octets);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_pass_keeps_spaces);
	tcase_add_test(tc, test_line_length);
	tcase_add_test(tc, test_no_reference_to_input);
	tcase_add_test(tc, test_names_and_texts);
	suite_add_tcase(s, tc);

	tc = tcase_create("message text");
	tcase_add_test(tc, test_stuff_crlf_unchanged);
	tcase_add_test(tc, test_stuff_bare_lf_and_cr);
	tcase_add_test(tc, test_stuff_dots);
	tcase_add_test(tc, test_stuff_unterminated);
	tcase_add_test(tc, test_stuff_top);
	tcase_add_test(tc, test_stuff_done_skips_rest);
	tcase_add_test(tc, test_stuff_needs_room);
	suite_add_tcase(s, tc);
	return s;
}
