/*
 * test-smtp-parse.c - SMTP command parser, paths, ESMTP parameters, AUTH,
 * base64, xtext and SASL PLAIN (backend/smtpd/smtp-parse.c).
 *
 * Most tests are tables: each row is a line and what must come of it. The
 * open-relay matrix rows pin the flags the server's relay check relies on.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pool.h"
#include "smtp-parse.h"
#include "suites.h"

#define N_ROWS(rows) (sizeof(rows) / sizeof((rows)[0]))

static struct pool *pool;

static void setup(void)
{
	pool = pool_new("test-smtp-parse", 4096);
}

static void teardown(void)
{
	pool_destroy(&pool);
}

/* parse_len - smtp_cmd_parse with the return and error contract checked */
static int parse_len(const char *line, size_t len, struct smtp_cmd *cmd)
{
	const char *error = NULL;
	int ret;

	ret = smtp_cmd_parse(pool, line, len, cmd, &error);
	ck_assert(ret == 0 || ret == -1);
	if (ret < 0) {
		ck_assert_ptr_nonnull(error);
		ck_assert_int_ne(cmd->error, SMTP_CMD_OK);
	} else {
		ck_assert_int_eq(cmd->error, SMTP_CMD_OK);
	}
	ck_assert_ptr_nonnull(cmd->arg);
	ck_assert_ptr_nonnull(cmd->path.local);
	ck_assert_ptr_nonnull(cmd->path.domain);
	ck_assert_ptr_nonnull(cmd->path.addr);
	return ret;
}

static int parse(const char *line, struct smtp_cmd *cmd)
{
	return parse_len(line, strlen(line), cmd);
}

#define PARSE_OK(line, cmd) \
	ck_assert_msg(parse((line), (cmd)) == 0, "refused (%d): %s", \
		      (int)(cmd)->error, (line))
#define PARSE_BAD(line, cmd, err) do { \
	ck_assert_msg(parse((line), (cmd)) == -1, "accepted: %s", (line)); \
	ck_assert_msg((cmd)->error == (err), "%s: error %d, want %d", \
		      (line), (int)(cmd)->error, (int)(err)); \
} while (0)

/* rep - n copies of c, NUL-terminated, from the test pool */
static char *rep(char c, size_t n)
{
	char *s = p_alloc(pool, n + 1);

	memset(s, c, n);
	return s;
}

/* ==== verbs ============================================================ */

static const struct {
	const char *line;
	enum smtp_verb verb;
} verb_rows[] = {
	{ "HELO a.test", SMTP_VERB_HELO },
	{ "EHLO a.test", SMTP_VERB_EHLO },
	{ "MAIL FROM:<a@b.test>", SMTP_VERB_MAIL },
	{ "RCPT TO:<a@b.test>", SMTP_VERB_RCPT },
	{ "DATA", SMTP_VERB_DATA },
	{ "RSET", SMTP_VERB_RSET },
	{ "NOOP", SMTP_VERB_NOOP },
	{ "QUIT", SMTP_VERB_QUIT },
	{ "VRFY user", SMTP_VERB_VRFY },
	{ "EXPN list", SMTP_VERB_EXPN },
	{ "HELP", SMTP_VERB_HELP },
	{ "STARTTLS", SMTP_VERB_STARTTLS },
	{ "AUTH PLAIN", SMTP_VERB_AUTH },
	{ "helo a.test", SMTP_VERB_HELO },
	{ "eHlO a.test", SMTP_VERB_EHLO },
	{ "mail from:<a@b.test>", SMTP_VERB_MAIL },
	{ "Rcpt To:<a@b.test>", SMTP_VERB_RCPT },
	{ "data", SMTP_VERB_DATA },
	{ "rSeT", SMTP_VERB_RSET },
	{ "noop", SMTP_VERB_NOOP },
	{ "Quit", SMTP_VERB_QUIT },
	{ "vrfy x", SMTP_VERB_VRFY },
	{ "expn x", SMTP_VERB_EXPN },
	{ "help", SMTP_VERB_HELP },
	{ "StartTLS", SMTP_VERB_STARTTLS },
	{ "auth login", SMTP_VERB_AUTH },
};

/* test_verbs_row - one row of verb_rows[] */
static void test_verbs_row(int row)
{
	struct smtp_cmd cmd;

	PARSE_OK(verb_rows[row].line, &cmd);
	ck_assert_int_eq(cmd.verb, verb_rows[row].verb);
}

START_TEST(test_verbs)
{
	size_t i;

	for (i = 0; i < N_ROWS(verb_rows); i++)
		test_verbs_row((int)i);
}
END_TEST

static const char *const unknown_rows[] = {
	"BDAT 100 LAST", "BDAT 0", "XYZZY", "TURN", "ETRN example.test",
	"MAILX FROM:<>", "QUITX", "QUI", "STARTTLSX", "XCLIENT ADDR=1.2.3.4",
	"QUIT\t", "\tQUIT", " QUIT", "MAIL\tFROM:<a@b.test>", "Q\xc3\x9cIT",
	"GET / HTTP/1.0", "POST /x HTTP/1.1", "DATA:", "X", "\xff",
};

/* test_verb_unknown_row - one row of unknown_rows[] */
static void test_verb_unknown_row(int row)
{
	struct smtp_cmd cmd;

	PARSE_BAD(unknown_rows[row], &cmd, SMTP_CMD_ERR_UNKNOWN);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_UNKNOWN);
	ck_assert_str_eq(smtp_verb_name(cmd.verb), "UNKNOWN");
}

START_TEST(test_verb_unknown)
{
	size_t i;

	for (i = 0; i < N_ROWS(unknown_rows); i++)
		test_verb_unknown_row((int)i);
}
END_TEST

static const struct {
	const char *line;
	size_t len;
} badline_rows[] = {
	{ "", 0 },
	{ "QUIT\r", 5 },
	{ "QUIT\n", 5 },
	{ "QUIT\0", 5 },
	{ "NOOP a\0b", 8 },
	{ "\0QUIT", 5 },
	{ "MAIL FROM:<a\r@b.test>", 21 },
	{ "MAIL FROM:<a@b.test>\n", 21 },
	{ "RCPT TO:<a@b.test>\r\nDATA", 24 },
	{ "EHLO a.test\rx", 13 },
	{ "AUTH PLAIN AGEAYg==\0", 20 },
	{ "\r\n", 2 },
};

/* test_line_bad_octets_row - one row of badline_rows[] */
static void test_line_bad_octets_row(int row)
{
	struct smtp_cmd cmd;

	ck_assert_int_eq(parse_len(badline_rows[row].line,
				   badline_rows[row].len, &cmd), -1);
	ck_assert_int_eq(cmd.error, SMTP_CMD_ERR_LINE);
}

START_TEST(test_line_bad_octets)
{
	size_t i;

	for (i = 0; i < N_ROWS(badline_rows); i++)
		test_line_bad_octets_row((int)i);
}
END_TEST

START_TEST(test_no_argument_verbs)
{
	static const char *const ok[] = { "DATA", "RSET", "QUIT", "STARTTLS" };
	static const char *const bad[] = {
		"DATA x", "DATA ", "RSET now", "QUIT ", "QUIT bye",
		"STARTTLS x", "STARTTLS  ",
	};
	struct smtp_cmd cmd;
	size_t i;

	for (i = 0; i < N_ROWS(ok); i++) {
		PARSE_OK(ok[i], &cmd);
		ck_assert_str_eq(cmd.arg, "");
	}
	for (i = 0; i < N_ROWS(bad); i++) {
		PARSE_BAD(bad[i], &cmd, SMTP_CMD_ERR_SYNTAX);
		ck_assert_int_ne(cmd.verb, SMTP_VERB_UNKNOWN);
	}
}
END_TEST

START_TEST(test_optional_argument_verbs)
{
	struct smtp_cmd cmd;

	PARSE_OK("NOOP", &cmd);
	ck_assert_str_eq(cmd.arg, "");
	PARSE_OK("NOOP hello there", &cmd);
	ck_assert_str_eq(cmd.arg, "hello there");
	PARSE_OK("HELP", &cmd);
	PARSE_OK("HELP MAIL", &cmd);
	ck_assert_str_eq(cmd.arg, "MAIL");
	PARSE_OK("NOOP  two spaces", &cmd);
	ck_assert_str_eq(cmd.arg, " two spaces");
	PARSE_BAD("NOOP ", &cmd, SMTP_CMD_ERR_SYNTAX);
	PARSE_BAD("HELP ", &cmd, SMTP_CMD_ERR_SYNTAX);
}
END_TEST

START_TEST(test_required_argument_verbs)
{
	static const char *const bad[] = {
		"HELO", "EHLO", "MAIL", "RCPT", "VRFY", "EXPN", "AUTH",
		"HELO ", "EHLO ", "MAIL ", "RCPT ", "VRFY ", "EXPN ", "AUTH ",
	};
	struct smtp_cmd cmd;
	size_t i;

	for (i = 0; i < N_ROWS(bad); i++)
		PARSE_BAD(bad[i], &cmd, SMTP_CMD_ERR_SYNTAX);
	PARSE_OK("VRFY user@example.test", &cmd);
	ck_assert_str_eq(cmd.arg, "user@example.test");
	PARSE_OK("EXPN staff list", &cmd);
	ck_assert_str_eq(cmd.arg, "staff list");
}
END_TEST

START_TEST(test_verb_set_on_error)
{
	struct smtp_cmd cmd;

	PARSE_BAD("MAIL FROM:<bad", &cmd, SMTP_CMD_ERR_BAD_SENDER);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_MAIL);
	ck_assert_str_eq(cmd.arg, "FROM:<bad");
	PARSE_BAD("RCPT TO:<bad", &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_RCPT);
	PARSE_BAD("EHLO bad_name", &cmd, SMTP_CMD_ERR_BAD_DOMAIN);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_EHLO);
	ck_assert_str_eq(cmd.arg, "bad_name");	/* for the log */
	ck_assert_ptr_null(cmd.helo);
}
END_TEST

START_TEST(test_verb_names)
{
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_HELO), "HELO");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_EHLO), "EHLO");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_MAIL), "MAIL");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_RCPT), "RCPT");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_DATA), "DATA");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_RSET), "RSET");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_NOOP), "NOOP");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_QUIT), "QUIT");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_VRFY), "VRFY");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_EXPN), "EXPN");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_HELP), "HELP");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_STARTTLS), "STARTTLS");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_AUTH), "AUTH");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_UNKNOWN), "UNKNOWN");
}
END_TEST

START_TEST(test_error_replies)
{
	static const struct {
		enum smtp_verb verb;
		enum smtp_cmd_error error;
		const char *prefix;
	} rows[] = {
		{ SMTP_VERB_UNKNOWN, SMTP_CMD_ERR_LINE, "500 5.5.2 " },
		{ SMTP_VERB_UNKNOWN, SMTP_CMD_ERR_UNKNOWN, "500 5.5.1 " },
		{ SMTP_VERB_DATA, SMTP_CMD_ERR_SYNTAX, "501 5.5.2 " },
		{ SMTP_VERB_EHLO, SMTP_CMD_ERR_BAD_DOMAIN, "501 5.5.2 " },
		{ SMTP_VERB_MAIL, SMTP_CMD_ERR_BAD_SENDER, "501 5.1.7 " },
		{ SMTP_VERB_RCPT, SMTP_CMD_ERR_BAD_RECIPIENT, "501 5.1.3 " },
		{ SMTP_VERB_MAIL, SMTP_CMD_ERR_PATH_TOO_LONG, "501 5.1.7 " },
		{ SMTP_VERB_RCPT, SMTP_CMD_ERR_PATH_TOO_LONG, "501 5.1.3 " },
		{ SMTP_VERB_MAIL, SMTP_CMD_ERR_UTF8, "553 5.6.7 " },
		{ SMTP_VERB_MAIL, SMTP_CMD_ERR_PARAM_UNKNOWN, "555 5.5.4 " },
		{ SMTP_VERB_MAIL, SMTP_CMD_ERR_PARAM_SYNTAX, "501 5.5.4 " },
		{ SMTP_VERB_AUTH, SMTP_CMD_ERR_AUTH_MECH, "504 5.5.4 " },
		{ SMTP_VERB_AUTH, SMTP_CMD_ERR_AUTH_B64, "501 5.5.2 " },
		{ SMTP_VERB_NOOP, SMTP_CMD_OK, "250 2.0.0 " },
	};
	size_t i;

	for (i = 0; i < N_ROWS(rows); i++) {
		const char *r = smtp_cmd_error_reply(rows[i].verb,
						     rows[i].error);

		ck_assert_msg(strncmp(r, rows[i].prefix,
				      strlen(rows[i].prefix)) == 0,
			      "row %zu: %s", i, r);
		ck_assert_ptr_null(strpbrk(r, "\r\n"));
	}
}
END_TEST

/* ==== HELO / EHLO ====================================================== */

START_TEST(test_helo_domains)
{
	static const char *const ok[] = {
		"mail.example.org", "Example.COM", "localhost", "a", "a.b",
		"mail.example.org.", "xn--bcher-kva.example", "1.example",
		"a-b.c-d.test", "0a.test", "a1",
	};
	struct smtp_cmd cmd;
	char line[300];
	size_t i;

	for (i = 0; i < N_ROWS(ok); i++) {
		snprintf(line, sizeof(line), "EHLO %s", ok[i]);
		PARSE_OK(line, &cmd);
		ck_assert_str_eq(cmd.helo, ok[i]);	/* as sent */
		ck_assert(!cmd.helo_is_literal);
		snprintf(line, sizeof(line), "HELO %s", ok[i]);
		PARSE_OK(line, &cmd);
		ck_assert_str_eq(cmd.helo, ok[i]);
	}
}
END_TEST

START_TEST(test_helo_literals)
{
	static const char *const ok[] = {
		"[192.0.2.1]", "[IPv6:2001:db8::1]", "[ipv6:::1]",
		"[0.0.0.0]", "[IPv6:::ffff:192.0.2.1]",
	};
	struct smtp_cmd cmd;
	char line[300];
	size_t i;

	for (i = 0; i < N_ROWS(ok); i++) {
		snprintf(line, sizeof(line), "EHLO %s", ok[i]);
		PARSE_OK(line, &cmd);
		ck_assert_str_eq(cmd.helo, ok[i]);
		ck_assert(cmd.helo_is_literal);
		snprintf(line, sizeof(line), "HELO %s", ok[i]);
		PARSE_OK(line, &cmd);	/* deliberate: HELO too */
		ck_assert(cmd.helo_is_literal);
	}
}
END_TEST

static const char *const helo_bad_rows[] = {
	"EHLO bad_host", "EHLO -a.test", "EHLO a-.test", "EHLO a..test",
	"EHLO .a.test", "EHLO a.test..", "EHLO a b", "EHLO a.test ",
	"EHLO 192.0.2.1", "EHLO a.123", "EHLO 123", "EHLO [300.1.1.1]",
	"EHLO [192.0.2.1", "EHLO [192.0.2.1]x", "EHLO [x]", "EHLO []",
	"EHLO m\xc3\xbcnchen.de", "HELO \xff", "EHLO a.test,b.test",
	"EHLO <a.test>", "EHLO .", "EHLO -", "HELO a.test\t",
	"EHLO [IPv6:1::2::3]", "EHLO [tag:x]", "EHLO  a.test",
};

/* test_helo_bad_row - one row of helo_bad_rows[] */
static void test_helo_bad_row(int row)
{
	struct smtp_cmd cmd;

	PARSE_BAD(helo_bad_rows[row], &cmd, SMTP_CMD_ERR_BAD_DOMAIN);
	ck_assert_ptr_null(cmd.helo);
}

START_TEST(test_helo_bad)
{
	size_t i;

	for (i = 0; i < N_ROWS(helo_bad_rows); i++)
		test_helo_bad_row((int)i);
}
END_TEST

START_TEST(test_helo_length_limits)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "EHLO %s.test", rep('a', 63));
	PARSE_OK(line, &cmd);
	line = p_printf(pool, "EHLO %s.test", rep('a', 64));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_DOMAIN);
	/* 4 x 63 + 3 dots = 255 octets: the maximum */
	line = p_printf(pool, "EHLO %s.%s.%s.%s", rep('a', 63), rep('b', 63),
			rep('c', 63), rep('d', 63));
	PARSE_OK(line, &cmd);
	ck_assert_uint_eq(strlen(cmd.helo), 255);
	line = p_printf(pool, "EHLO a.%s.%s.%s.%s", rep('a', 63),
			rep('b', 63), rep('c', 63), rep('d', 61));
	PARSE_OK(line, &cmd);
	ck_assert_uint_eq(strlen(cmd.helo), 255);
	line = p_printf(pool, "EHLO aa.%s.%s.%s.%s", rep('a', 63),
			rep('b', 63), rep('c', 63), rep('d', 61));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_DOMAIN);
	line = p_printf(pool, "EHLO %s.%s.%s.%s.", rep('a', 63), rep('b', 63),
			rep('c', 63), rep('d', 63));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_DOMAIN);	/* 256 with dot */
}
END_TEST

/* ==== MAIL / RCPT syntax =============================================== */

START_TEST(test_mail_simple)
{
	struct smtp_cmd cmd;

	PARSE_OK("MAIL FROM:<user@example.org>", &cmd);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_MAIL);
	ck_assert_str_eq(cmd.path.local, "user");
	ck_assert_str_eq(cmd.path.domain, "example.org");
	ck_assert_str_eq(cmd.path.addr, "user@example.org");
	ck_assert(!cmd.path.is_null);
	ck_assert(!cmd.path.is_postmaster);
	ck_assert(!cmd.path.domain_is_literal);
	ck_assert(!cmd.path.domain_trailing_dot);
	ck_assert(!cmd.path.had_source_route);
	ck_assert(!cmd.path.local_quoted);
	ck_assert(!cmd.path.utf8);
	ck_assert(!cmd.mail.has_size);
	ck_assert_int_eq(cmd.mail.body, SMTP_BODY_NONE);
	ck_assert_ptr_null(cmd.mail.envid);
	ck_assert_ptr_null(cmd.mail.auth);
	ck_assert(!smtp_local_part_has_routing(&cmd.path));
}
END_TEST

START_TEST(test_rcpt_simple)
{
	struct smtp_cmd cmd;

	PARSE_OK("RCPT TO:<User.Name+tag@Sub.Example.ORG>", &cmd);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_RCPT);
	ck_assert_str_eq(cmd.path.local, "User.Name+tag");	/* case kept */
	ck_assert_str_eq(cmd.path.domain, "sub.example.org");
	ck_assert_str_eq(cmd.path.addr, "User.Name+tag@sub.example.org");
	ck_assert_uint_eq(cmd.rcpt.notify, 0);
	ck_assert_ptr_null(cmd.rcpt.orcpt);
}
END_TEST

static const struct {
	const char *line;
	enum smtp_cmd_error error;
} mail_form_rows[] = {
	{ "MAIL FROM: <a@b.test>", SMTP_CMD_OK },
	{ "MAIL FROM:<a@b.test>", SMTP_CMD_OK },
	{ "mail from: <a@b.test> SIZE=1", SMTP_CMD_OK },
	{ "RCPT TO: <a@b.test>", SMTP_CMD_OK },
	{ "MAIL FROM:  <a@b.test>", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM :<a@b.test>", SMTP_CMD_ERR_SYNTAX },
	{ "MAIL  FROM:<a@b.test>", SMTP_CMD_ERR_SYNTAX },
	{ "MAIL FROM<a@b.test>", SMTP_CMD_ERR_SYNTAX },
	{ "MAIL FRM:<a@b.test>", SMTP_CMD_ERR_SYNTAX },
	{ "MAIL TO:<a@b.test>", SMTP_CMD_ERR_SYNTAX },
	{ "RCPT FROM:<a@b.test>", SMTP_CMD_ERR_SYNTAX },
	{ "MAIL FROM:", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM: ", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM:a@b.test", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM:<a@b.test", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM:a@b.test>", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM:<<a@b.test>>", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM:<a@b.test> ", SMTP_CMD_ERR_SYNTAX },
	{ "MAIL FROM:<a@b.test>x", SMTP_CMD_ERR_SYNTAX },
	{ "MAIL FROM:<a@b.test>>", SMTP_CMD_ERR_SYNTAX },
	{ "MAIL FROM:<a@b.test>\tSIZE=1", SMTP_CMD_ERR_SYNTAX },
	{ "MAIL FROM:<a@b.test>  SIZE=1", SMTP_CMD_ERR_SYNTAX },
	{ "MAIL FROM:<a@b.test> Real Name", SMTP_CMD_ERR_PARAM_UNKNOWN },
	{ "MAIL FROM:<a @b.test>", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM:<a@ b.test>", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM:< a@b.test>", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM:<a@b.test >", SMTP_CMD_ERR_BAD_SENDER },
	{ "MAIL FROM:Name <a@b.test>", SMTP_CMD_ERR_BAD_SENDER },
	{ "RCPT TO:a@b.test", SMTP_CMD_ERR_BAD_RECIPIENT },
	{ "RCPT TO:<a@b.test", SMTP_CMD_ERR_BAD_RECIPIENT },
	{ "RCPT TO:<a@b.test> ", SMTP_CMD_ERR_SYNTAX },
	{ "RCPT TO:", SMTP_CMD_ERR_BAD_RECIPIENT },
	{ "RCPT TO:<>", SMTP_CMD_ERR_BAD_RECIPIENT },
	{ "RCPT TO:  <a@b.test>", SMTP_CMD_ERR_BAD_RECIPIENT },
};

/* test_mail_rcpt_forms_row - one row of mail_form_rows[] */
static void test_mail_rcpt_forms_row(int row)
{
	struct smtp_cmd cmd;

	if (mail_form_rows[row].error == SMTP_CMD_OK) {
		PARSE_OK(mail_form_rows[row].line, &cmd);
		ck_assert_str_eq(cmd.path.addr, "a@b.test");
	} else {
		PARSE_BAD(mail_form_rows[row].line, &cmd,
			  mail_form_rows[row].error);
	}
}

START_TEST(test_mail_rcpt_forms)
{
	size_t i;

	for (i = 0; i < N_ROWS(mail_form_rows); i++)
		test_mail_rcpt_forms_row((int)i);
}
END_TEST

START_TEST(test_null_path)
{
	struct smtp_cmd cmd;

	PARSE_OK("MAIL FROM:<>", &cmd);
	ck_assert(cmd.path.is_null);
	ck_assert_str_eq(cmd.path.local, "");
	ck_assert_str_eq(cmd.path.domain, "");
	ck_assert_str_eq(cmd.path.addr, "");
	ck_assert(!smtp_local_part_has_routing(&cmd.path));
	PARSE_OK("MAIL FROM: <>", &cmd);
	ck_assert(cmd.path.is_null);
	PARSE_OK("MAIL FROM:<> SIZE=100 BODY=8BITMIME", &cmd);
	ck_assert(cmd.path.is_null);
	ck_assert(cmd.mail.has_size);
	ck_assert(cmd.mail.size == 100);
	PARSE_BAD("MAIL FROM:<> ", &cmd, SMTP_CMD_ERR_SYNTAX);
	PARSE_BAD("MAIL FROM:< >", &cmd, SMTP_CMD_ERR_BAD_SENDER);
	PARSE_BAD("MAIL FROM:<@>", &cmd, SMTP_CMD_ERR_BAD_SENDER);
	PARSE_BAD("RCPT TO:<>", &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
}
END_TEST

START_TEST(test_postmaster)
{
	static const char *const bare[] = {
		"RCPT TO:<Postmaster>", "RCPT TO:<postmaster>",
		"RCPT TO:<POSTMASTER>", "rcpt to: <PostMaster>",
	};
	struct smtp_cmd cmd;
	size_t i;

	for (i = 0; i < N_ROWS(bare); i++) {
		PARSE_OK(bare[i], &cmd);
		ck_assert(cmd.path.is_postmaster);
		ck_assert_str_eq(cmd.path.domain, "");
		ck_assert_str_eq(cmd.path.local, "postmaster");
		ck_assert_str_eq(cmd.path.addr, "postmaster");
		ck_assert(!cmd.path.is_null);
		ck_assert(!smtp_local_part_has_routing(&cmd.path));
	}
	PARSE_OK("RCPT TO:<PostMaster@Example.ORG>", &cmd);
	ck_assert(cmd.path.is_postmaster);
	ck_assert_str_eq(cmd.path.domain, "example.org");
	ck_assert_str_eq(cmd.path.addr, "PostMaster@example.org");
	PARSE_OK("RCPT TO:<\"postmaster\"@example.org>", &cmd);
	ck_assert(cmd.path.is_postmaster);
	ck_assert_str_eq(cmd.path.addr, "postmaster@example.org");
	PARSE_OK("RCPT TO:<postmaster2@example.org>", &cmd);
	ck_assert(!cmd.path.is_postmaster);

	PARSE_BAD("MAIL FROM:<Postmaster>", &cmd, SMTP_CMD_ERR_BAD_SENDER);
	PARSE_BAD("RCPT TO:<\"Postmaster\">", &cmd,
		  SMTP_CMD_ERR_BAD_RECIPIENT);
	PARSE_BAD("RCPT TO:<postmistress>", &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
	PARSE_BAD("RCPT TO:<@a.test:Postmaster>", &cmd,
		  SMTP_CMD_ERR_BAD_RECIPIENT);
	PARSE_BAD("RCPT TO:<Postmaster@>", &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
}
END_TEST

/* ==== the open-relay matrix ============================================ */

static const struct {
	const char *path;
	const char *local, *domain, *addr;
	bool routing, route, quoted, literal, trailing_dot;
} relay_rows[] = {
	{ "<u@ext.test>", "u", "ext.test", "u@ext.test",
	  false, false, false, false, false },
	{ "<u%ext.test@local.test>", "u%ext.test", "local.test",
	  "u%ext.test@local.test", true, false, false, false, false },
	{ "<ext.test!u@local.test>", "ext.test!u", "local.test",
	  "ext.test!u@local.test", true, false, false, false, false },
	{ "<@local.test:u@ext.test>", "u", "ext.test", "u@ext.test",
	  false, true, false, false, false },
	{ "<@local.test,@other.test:u@ext.test>", "u", "ext.test",
	  "u@ext.test", false, true, false, false, false },
	{ "<\"u@ext.test\"@local.test>", "u@ext.test", "local.test",
	  "\"u@ext.test\"@local.test", true, false, true, false, false },
	{ "<\"u%ext.test\"@local.test>", "u%ext.test", "local.test",
	  "u%ext.test@local.test", true, false, true, false, false },
	{ "<\"ext.test!u\"@local.test>", "ext.test!u", "local.test",
	  "ext.test!u@local.test", true, false, true, false, false },
	{ "<u@[192.0.2.1]>", "u", "[192.0.2.1]", "u@[192.0.2.1]",
	  false, false, false, true, false },
	{ "<u@[IPv6:2001:DB8::1]>", "u", "[ipv6:2001:db8::1]",
	  "u@[ipv6:2001:db8::1]", false, false, false, true, false },
	{ "<u@EXT.test.>", "u", "ext.test.", "u@ext.test.",
	  false, false, false, false, true },
	{ "<u%ext.test%other.test@local.test>", "u%ext.test%other.test",
	  "local.test", "u%ext.test%other.test@local.test",
	  true, false, false, false, false },
	{ "<\"u\\@ext.test\"@local.test>", "u@ext.test", "local.test",
	  "\"u@ext.test\"@local.test", true, false, true, false, false },
};

/* test_relay_matrix_row - one row of relay_rows[] */
static void test_relay_matrix_row(int row)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "RCPT TO:%s", relay_rows[row].path);
	PARSE_OK(line, &cmd);
	ck_assert_str_eq(cmd.path.local, relay_rows[row].local);
	ck_assert_str_eq(cmd.path.domain, relay_rows[row].domain);
	ck_assert_str_eq(cmd.path.addr, relay_rows[row].addr);
	ck_assert(smtp_local_part_has_routing(&cmd.path) ==
		  relay_rows[row].routing);
	ck_assert(cmd.path.had_source_route == relay_rows[row].route);
	ck_assert(cmd.path.local_quoted == relay_rows[row].quoted);
	ck_assert(cmd.path.domain_is_literal == relay_rows[row].literal);
	ck_assert(cmd.path.domain_trailing_dot ==
		  relay_rows[row].trailing_dot);
	ck_assert(!cmd.path.is_null && !cmd.path.is_postmaster);

	/* the same path as a sender gives the same facts */
	line = p_printf(pool, "MAIL FROM:%s", relay_rows[row].path);
	PARSE_OK(line, &cmd);
	ck_assert_str_eq(cmd.path.addr, relay_rows[row].addr);
	ck_assert(cmd.path.had_source_route == relay_rows[row].route);
}

START_TEST(test_relay_matrix)
{
	size_t i;

	for (i = 0; i < N_ROWS(relay_rows); i++)
		test_relay_matrix_row((int)i);
}
END_TEST

START_TEST(test_routing_predicate)
{
	static const struct {
		const char *path;
		bool routing;
	} rows[] = {
		{ "<a.b@x.test>", false },
		{ "<a+b@x.test>", false },
		{ "<a=b@x.test>", false },
		{ "<u%x@y.test>", true },
		{ "<%@y.test>", true },
		{ "<!@y.test>", true },
		{ "<u!x@y.test>", true },
		{ "<\"u@x\"@y.test>", true },
		{ "<\"a b\"@y.test>", false },
		{ "<@r.test:a@y.test>", false },
	};
	struct smtp_path path;
	const char *error;
	size_t i;

	for (i = 0; i < N_ROWS(rows); i++) {
		ck_assert_int_eq(smtp_path_parse(pool, rows[i].path,
						 strlen(rows[i].path), 0,
						 &path, NULL, &error), 0);
		ck_assert_msg(smtp_local_part_has_routing(&path) ==
			      rows[i].routing, "%s", rows[i].path);
	}
}
END_TEST

static const char *const route_bad_rows[] = {
	"<@a.test:>", "<@:u@c.test>", "<@a.test,u@c.test>",
	"<@a.test;u@c.test>", "<@[192.0.2.1]:u@c.test>",
	"<@a.test.:u@c.test>", "<@a.test,@b.test u@c.test>",
	"<@a.test,:u@c.test>", "<@a.test,,@b.test:u@c.test>",
	"<@a.test:@b.test:u@c.test>", "<@a_b.test:u@c.test>",
	"<@a.test:@c.test>", "<@a.test>", "<@>", "<@a.test::u@c.test>",
	"<,@a.test:u@c.test>", "<@a.test u@c.test>",
};

/* test_source_route_bad_row - one row of route_bad_rows[] */
static void test_source_route_bad_row(int row)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "RCPT TO:%s", route_bad_rows[row]);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
	line = p_printf(pool, "MAIL FROM:%s", route_bad_rows[row]);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_SENDER);
}

START_TEST(test_source_route_bad)
{
	size_t i;

	for (i = 0; i < N_ROWS(route_bad_rows); i++)
		test_source_route_bad_row((int)i);
}
END_TEST

START_TEST(test_source_route_ok)
{
	struct smtp_cmd cmd;

	PARSE_OK("MAIL FROM:<@a.test,@b.test,@c.test:u@d.test>", &cmd);
	ck_assert(cmd.path.had_source_route);
	ck_assert_str_eq(cmd.path.addr, "u@d.test");
	PARSE_OK("RCPT TO:<@A.TEST:\"x y\"@[192.0.2.7]>", &cmd);
	ck_assert(cmd.path.had_source_route);
	ck_assert(cmd.path.local_quoted);
	ck_assert(cmd.path.domain_is_literal);
	ck_assert_str_eq(cmd.path.addr, "\"x y\"@[192.0.2.7]");
}
END_TEST

/* ==== local parts ====================================================== */

static const struct {
	const char *path;
	const char *local;
	const char *addr;
	bool quoted;
} local_ok_rows[] = {
	{ "<first.last@x.test>", "first.last", "first.last@x.test", false },
	{ "<a+tag@x.test>", "a+tag", "a+tag@x.test", false },
	{ "<!#$%&'*+-/=?^_`{|}~@x.test>", "!#$%&'*+-/=?^_`{|}~",
	  "!#$%&'*+-/=?^_`{|}~@x.test", false },
	{ "<\"john doe\"@x.test>", "john doe", "\"john doe\"@x.test", true },
	{ "<\"simple\"@x.test>", "simple", "simple@x.test", true },
	{ "<\"a.b\"@x.test>", "a.b", "a.b@x.test", true },
	{ "<\"a..b\"@x.test>", "a..b", "\"a..b\"@x.test", true },
	{ "<\".a\"@x.test>", ".a", "\".a\"@x.test", true },
	{ "<\"a.\"@x.test>", "a.", "\"a.\"@x.test", true },
	{ "<\"a\\\"b\"@x.test>", "a\"b", "\"a\\\"b\"@x.test", true },
	{ "<\"a\\\\b\"@x.test>", "a\\b", "\"a\\\\b\"@x.test", true },
	{ "<\"\\a\\b\"@x.test>", "ab", "ab@x.test", true },
	{ "<\"a>b\"@x.test>", "a>b", "\"a>b\"@x.test", true },
	{ "<\"a<b,c:d;e[f]g(h)\"@x.test>", "a<b,c:d;e[f]g(h)",
	  "\"a<b,c:d;e[f]g(h)\"@x.test", true },
	{ "<\" \"@x.test>", " ", "\" \"@x.test", true },
	{ "<\"\\ \"@x.test>", " ", "\" \"@x.test", true },
	{ "<\"~\"@x.test>", "~", "~@x.test", true },
	{ "<0@x.test>", "0", "0@x.test", false },
};

/* test_local_part_ok_row - one row of local_ok_rows[] */
static void test_local_part_ok_row(int row)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "MAIL FROM:%s", local_ok_rows[row].path);
	PARSE_OK(line, &cmd);
	ck_assert_str_eq(cmd.path.local, local_ok_rows[row].local);
	ck_assert_str_eq(cmd.path.addr, local_ok_rows[row].addr);
	ck_assert(cmd.path.local_quoted == local_ok_rows[row].quoted);
	ck_assert_str_eq(cmd.path.domain, "x.test");
}

START_TEST(test_local_part_ok)
{
	size_t i;

	for (i = 0; i < N_ROWS(local_ok_rows); i++)
		test_local_part_ok_row((int)i);
}
END_TEST

static const char *const local_bad_rows[] = {
	"<.a@x.test>", "<a.@x.test>", "<a..b@x.test>", "<a b@x.test>",
	"<a(b)@x.test>", "<a,b@x.test>", "<a[b]@x.test>", "<a:b@x.test>",
	"<a;b@x.test>", "<a\\b@x.test>", "<a\"b@x.test>", "<a<b@x.test>",
	"<@x.test>", "<a@>", "<a@@x.test>", "<a>", "<a.b>", "<\"\"@x.test>",
	"<\"a@x.test>", "<\"a\"b@x.test>", "<a\"b\"@x.test>",
	"<\"a\tb\"@x.test>", "<\"a\\\tb\"@x.test>", "<\"a\\\"@x.test>",
	"<\"a\x7f\"@x.test>", "<\"a\\\x7f\"@x.test>", "<a\x01@x.test>",
	"<\"a\"\"b\"@x.test>", "<\"a\".b@x.test>", "<a.\"b\"@x.test>",
	"<\"a\x1f\"@x.test>", "<.@x.test>", "<\"a\\",
};

/* test_local_part_bad_row - one row of local_bad_rows[] */
static void test_local_part_bad_row(int row)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "MAIL FROM:%s", local_bad_rows[row]);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_SENDER);
	line = p_printf(pool, "RCPT TO:%s", local_bad_rows[row]);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
}

START_TEST(test_local_part_bad)
{
	size_t i;

	for (i = 0; i < N_ROWS(local_bad_rows); i++)
		test_local_part_bad_row((int)i);
}
END_TEST

START_TEST(test_local_part_length)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "MAIL FROM:<%s@x.test>", rep('a', 64));
	PARSE_OK(line, &cmd);
	ck_assert_uint_eq(strlen(cmd.path.local), 64);
	line = p_printf(pool, "MAIL FROM:<%s@x.test>", rep('a', 65));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PATH_TOO_LONG);
	ck_assert_str_eq(smtp_cmd_error_reply(cmd.verb, cmd.error),
			 "501 5.1.7 Path too long");
	line = p_printf(pool, "RCPT TO:<%s@x.test>", rep('a', 65));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PATH_TOO_LONG);
	ck_assert_str_eq(smtp_cmd_error_reply(cmd.verb, cmd.error),
			 "501 5.1.3 Path too long");
	/* as sent: the quotes count */
	line = p_printf(pool, "RCPT TO:<\"%s\"@x.test>", rep('a', 62));
	PARSE_OK(line, &cmd);
	line = p_printf(pool, "RCPT TO:<\"%s\"@x.test>", rep('a', 63));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PATH_TOO_LONG);
	/* 32 dot-separated atoms: 63 octets */
	line = p_printf(pool, "RCPT TO:<%s%s@x.test>",
			"a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.",
			"a.a.a.a.a.a.a");
	PARSE_OK(line, &cmd);
}
END_TEST

/* ==== domains and literals ============================================= */

static const char *const domain_ok_rows[] = {
	"x-y.test", "xn--bcher-kva.example", "1.test", "localhost",
	"a.b.c.d.e.f.g", "A.B", "x.test.", "9a.test", "a9", "0-0.test",
	"a--b.test",
};

/* test_domain_ok_row - one row of domain_ok_rows[] */
static void test_domain_ok_row(int row)
{
	struct smtp_cmd cmd;
	char *line;
	size_t len = strlen(domain_ok_rows[row]);

	line = p_printf(pool, "RCPT TO:<u@%s>", domain_ok_rows[row]);
	PARSE_OK(line, &cmd);
	ck_assert_uint_eq(strlen(cmd.path.domain), len);
	ck_assert(strncasecmp(cmd.path.domain, domain_ok_rows[row], len) == 0);
	ck_assert(cmd.path.domain_trailing_dot ==
		  (domain_ok_rows[row][len - 1] == '.'));
}

START_TEST(test_domain_ok)
{
	size_t i;

	for (i = 0; i < N_ROWS(domain_ok_rows); i++)
		test_domain_ok_row((int)i);
}
END_TEST

static const char *const domain_bad_rows[] = {
	"-x.test", "x-.test", "x..test", ".x.test", "x_y.test", "x.test..",
	"x.123", "123", "192.0.2.1", "x.test-", "x.-test", "x y.test",
	"x.te st", "x,test", "x/test", "x.test:25", "x.test\\", "*.test",
	"x.test.-", ".", "..", "[192.0.2.1", "192.0.2.1]",
};

/* test_domain_bad_row - one row of domain_bad_rows[] */
static void test_domain_bad_row(int row)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "RCPT TO:<u@%s>", domain_bad_rows[row]);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
}

START_TEST(test_domain_bad)
{
	size_t i;

	for (i = 0; i < N_ROWS(domain_bad_rows); i++)
		test_domain_bad_row((int)i);
}
END_TEST

START_TEST(test_domain_label_length)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "RCPT TO:<u@%s.test>", rep('a', 63));
	PARSE_OK(line, &cmd);
	line = p_printf(pool, "RCPT TO:<u@%s.test>", rep('a', 64));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
	line = p_printf(pool, "RCPT TO:<u@x.%s>", rep('a', 64));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
	line = p_printf(pool, "MAIL FROM:<u@%s.test>", rep('b', 64));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_SENDER);
}
END_TEST

START_TEST(test_path_length)
{
	struct smtp_cmd cmd;
	char *line, *dom;

	/* "<" + 1 + "@" + 252 + ">" = 256 octets */
	dom = p_printf(pool, "%s.%s.%s.%s", rep('a', 63), rep('b', 63),
		       rep('c', 63), rep('d', 60));
	ck_assert_uint_eq(strlen(dom), 252);
	line = p_printf(pool, "RCPT TO:<u@%s>", dom);
	PARSE_OK(line, &cmd);
	line = p_printf(pool, "RCPT TO:<uu@%s>", dom);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PATH_TOO_LONG);
	line = p_printf(pool, "MAIL FROM:<uu@%s>", dom);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PATH_TOO_LONG);
	/* a source route counts too */
	dom = p_printf(pool, "%s.%s.%s", rep('a', 63), rep('b', 63),
		       rep('c', 60));
	line = p_printf(pool, "RCPT TO:<@r.test:%s@%s>", rep('u', 60), dom);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PATH_TOO_LONG);
	/* a domain over 255 octets */
	dom = p_printf(pool, "%s.%s.%s.%s", rep('a', 63), rep('b', 63),
		       rep('c', 63), rep('d', 63));
	line = p_printf(pool, "RCPT TO:<u@%s.e>", dom);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PATH_TOO_LONG);
}
END_TEST

static const char *const literal_ok_rows[] = {
	"[192.0.2.1]", "[0.0.0.0]", "[255.255.255.255]", "[10.0.0.10]",
	"[IPv6:2001:db8::1]", "[ipv6:::1]", "[IPV6:::]",
	"[IPv6:1:2:3:4:5:6:7:8]", "[IPv6:::ffff:192.0.2.1]",
	"[IPv6:1:2:3:4:5:6:192.0.2.1]", "[IPv6:1:2:3:4::192.0.2.1]",
	"[IPv6:::192.0.2.1]", "[IPv6:1::]", "[IPv6:1:2:3::4:5:6]",
	"[IPv6:ffff:FFFF:0:0:0:0:0:1]", "[IPv6:fe80::]", "[IPv6:0::0]",
	"[IPv6:1:2:3:4:5:6::]", "[IPv6:::1:2:3:4:5:6]",
};

/* test_literal_ok_row - one row of literal_ok_rows[] */
static void test_literal_ok_row(int row)
{
	struct smtp_cmd cmd;
	char *line, *low;
	size_t i, len = strlen(literal_ok_rows[row]);

	line = p_printf(pool, "RCPT TO:<u@%s>", literal_ok_rows[row]);
	PARSE_OK(line, &cmd);
	ck_assert(cmd.path.domain_is_literal);
	low = p_strdup(pool, literal_ok_rows[row]);
	for (i = 0; i < len; i++) {
		if (low[i] >= 'A' && low[i] <= 'Z')
			low[i] = (char)(low[i] + 32);
	}
	ck_assert_str_eq(cmd.path.domain, low);
}

START_TEST(test_literal_ok)
{
	size_t i;

	for (i = 0; i < N_ROWS(literal_ok_rows); i++)
		test_literal_ok_row((int)i);
}
END_TEST

static const char *const literal_bad_rows[] = {
	"[300.1.1.1]", "[256.0.0.1]", "[1.2.3]", "[1.2.3.4.5]",
	"[01.2.3.4]", "[1.2.3.04]", "[00.1.1.1]", "[1.2.3.4 ]",
	"[ 1.2.3.4]", "[1..2.3]", "[]", "[a.b.c.d]", "[1.2.3.4",
	"[1.2.3.4]x", "[1.2.3.-4]", "[1.2.3.4.]", "[.1.2.3.4]",
	"[1234.1.1.1]", "[1.2.3.4][5]", "[[1.2.3.4]]",
	"[IPv6:1:2:3:4:5:6:7]", "[IPv6:1:2:3:4:5:6:7:8:9]",
	"[IPv6:1::2::3]", "[IPv6:12345::1]", "[IPv6:g::1]",
	"[IPv6:1:2:3:4:5:6::8]", "[IPv6:1:2:3:4:5:6:7::]", "[IPv6:]",
	"[2001:db8::1]", "[IPv6:1:2:3:4:5::192.0.2.1]",
	"[IPv6:1:2:3:4:5:6:7:192.0.2.1]", "[IPv6:1:]", "[IPv6::1]",
	"[IPv6:1:2:3:4:5:6:7:8:]", "[IPv6:::300.1.1.1]", "[IPv6:::1.2.3]",
	"[IPv6:1.2.3.4]", "[IPv6::::1]", "[IPv6:1:::]", "[IPv6:1:2:3:4:5:6:7:8",
	"[IPv6:::1.2.3.4:1]", "[IPv6 ::1]", "[IPv6:::01.2.3.4]",
	"[x-foo:bar]", "[tag:1]", "[IPv4:1.2.3.4]", "[localhost]",
	"[1.2.3.4\\]", "[\xc3\xa4]",
};

/* test_literal_bad_row - one row of literal_bad_rows[] */
static void test_literal_bad_row(int row)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "RCPT TO:<u@%s>", literal_bad_rows[row]);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
}

START_TEST(test_literal_bad)
{
	size_t i;

	for (i = 0; i < N_ROWS(literal_bad_rows); i++)
		test_literal_bad_row((int)i);
}
END_TEST

/* ==== UTF-8 (RFC 6531) ================================================= */

START_TEST(test_utf8_mail)
{
	struct smtp_cmd cmd;

	PARSE_OK("MAIL FROM:<j\xc3\xb6ran@ex\xc3\xa4mple.test> SMTPUTF8",
		 &cmd);
	ck_assert(cmd.path.utf8);
	ck_assert(cmd.mail.smtputf8);
	ck_assert_str_eq(cmd.path.local, "j\xc3\xb6ran");
	ck_assert_str_eq(cmd.path.domain, "ex\xc3\xa4mple.test");
	PARSE_OK("MAIL FROM:<\xc3\x96STEN@EX.Test> smtputf8", &cmd);
	ck_assert_str_eq(cmd.path.local, "\xc3\x96STEN");	/* kept */
	ck_assert_str_eq(cmd.path.domain, "ex.test");
	ck_assert_str_eq(cmd.path.addr, "\xc3\x96STEN@ex.test");
	PARSE_OK("MAIL FROM:<\"\xe4\xbd\xa0 \xe5\xa5\xbd\"@x.test> SMTPUTF8",
		 &cmd);
	ck_assert(cmd.path.local_quoted);
	ck_assert_str_eq(cmd.path.addr, "\"\xe4\xbd\xa0 \xe5\xa5\xbd\"@x.test");
	PARSE_OK("MAIL FROM:<@\xc3\xa4.test:u@x.test> SMTPUTF8", &cmd);
	ck_assert(cmd.path.utf8);
	ck_assert(cmd.path.had_source_route);
	/* ASCII path with SMTPUTF8 is fine and not flagged */
	PARSE_OK("MAIL FROM:<u@x.test> SMTPUTF8", &cmd);
	ck_assert(!cmd.path.utf8);
	ck_assert(cmd.mail.smtputf8);
}
END_TEST

START_TEST(test_utf8_without_smtputf8)
{
	struct smtp_cmd cmd;

	PARSE_BAD("MAIL FROM:<j\xc3\xb6ran@x.test>", &cmd, SMTP_CMD_ERR_UTF8);
	PARSE_BAD("MAIL FROM:<u@ex\xc3\xa4mple.test> SIZE=10", &cmd,
		  SMTP_CMD_ERR_UTF8);
	PARSE_BAD("MAIL FROM:<\"\xc3\xb6\"@x.test>", &cmd, SMTP_CMD_ERR_UTF8);
	PARSE_BAD("MAIL FROM:<@\xc3\xa4.test:u@x.test>", &cmd,
		  SMTP_CMD_ERR_UTF8);
	ck_assert_str_eq(smtp_cmd_error_reply(cmd.verb, cmd.error),
			 "553 5.6.7 Non-ASCII address needs SMTPUTF8");
	/* RCPT: parsed and flagged; the server knows the transaction */
	PARSE_OK("RCPT TO:<j\xc3\xb6ran@x.test>", &cmd);
	ck_assert(cmd.path.utf8);
	PARSE_OK("RCPT TO:<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90."
		 "\xe6\xb5\x8b\xe8\xaf\x95>", &cmd);
	ck_assert(cmd.path.utf8);
}
END_TEST

static const char *const utf8_bad_rows[] = {
	"<\xc3\x28@x.test>",		/* bad continuation */
	"<\xc0\xaf@x.test>",		/* overlong */
	"<\xe0\x80\xaf@x.test>",	/* overlong 3-octet */
	"<\xed\xa0\x80@x.test>",	/* surrogate */
	"<\x80@x.test>",		/* lone continuation */
	"<\xe2\x82@x.test>",		/* truncated */
	"<\xf4\x90\x80\x80@x.test>",	/* above U+10FFFF */
	"<\xff@x.test>",
	"<u@\xc3\x28.test>",
	"<u@x.\xe2\x82>",
	"<\"\xc3\"@x.test>",
	"<@\xfe.test:u@x.test>",
};

/* test_utf8_invalid_row - one row of utf8_bad_rows[] */
static void test_utf8_invalid_row(int row)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "MAIL FROM:%s SMTPUTF8", utf8_bad_rows[row]);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_SENDER);
	line = p_printf(pool, "MAIL FROM:%s", utf8_bad_rows[row]);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_SENDER);
	line = p_printf(pool, "RCPT TO:%s", utf8_bad_rows[row]);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
}

START_TEST(test_utf8_invalid)
{
	size_t i;

	for (i = 0; i < N_ROWS(utf8_bad_rows); i++)
		test_utf8_invalid_row((int)i);
}
END_TEST

START_TEST(test_utf8_outside_path)
{
	struct smtp_cmd cmd;

	PARSE_BAD("MAIL FROM:<a@b.test> SIZE=1\xc3\xb6", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> ENVID=\xc3\xb6 SMTPUTF8", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> \xc3\xb6=1", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("EHLO \xc3\xb6.test", &cmd, SMTP_CMD_ERR_BAD_DOMAIN);
	PARSE_BAD("\xc3\x96HLO x", &cmd, SMTP_CMD_ERR_UNKNOWN);
}
END_TEST

START_TEST(test_utf8_label_octets)
{
	struct smtp_cmd cmd;
	char *line, *label;

	/* 21 x 3-octet characters = 63 octets: a full label */
	label = p_strdup(pool, "");
	while (strlen(label) < 63)
		label = p_printf(pool, "%s\xe4\xbe\x8b", label);
	line = p_printf(pool, "RCPT TO:<u@%s.test>", label);
	PARSE_OK(line, &cmd);
	line = p_printf(pool, "RCPT TO:<u@%sx.test>", label);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_BAD_RECIPIENT);
	/* local part: 32 x 2-octet = 64 octets, then one more */
	label = p_strdup(pool, "");
	while (strlen(label) < 64)
		label = p_printf(pool, "%s\xc3\xa4", label);
	line = p_printf(pool, "RCPT TO:<%s@x.test>", label);
	PARSE_OK(line, &cmd);
	line = p_printf(pool, "RCPT TO:<%sa@x.test>", label);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PATH_TOO_LONG);
}
END_TEST

/* ==== ESMTP parameters ================================================= */

START_TEST(test_param_size)
{
	struct smtp_cmd cmd;

	PARSE_OK("MAIL FROM:<a@b.test> SIZE=0", &cmd);
	ck_assert(cmd.mail.has_size);
	ck_assert(cmd.mail.size == 0);
	PARSE_OK("MAIL FROM:<a@b.test> SIZE=12345", &cmd);
	ck_assert(cmd.mail.size == 12345);
	PARSE_OK("MAIL FROM:<a@b.test> size=007", &cmd);
	ck_assert(cmd.mail.size == 7);
	PARSE_OK("MAIL FROM:<a@b.test> SIZE=18446744073709551615", &cmd);
	ck_assert(cmd.mail.size == UINT64_MAX);
}
END_TEST

static const char *const size_bad_rows[] = {
	"SIZE=", "SIZE", "SIZE=abc", "SIZE=-1", "SIZE=+1", "SIZE=1k",
	"SIZE=1.5", "SIZE=0x10", "SIZE=18446744073709551616",
	"SIZE=99999999999999999999", "SIZE=123456789012345678901",
	"SIZE=00000000000000000000001", "SIZE==1", "SIZE=1=",
};

/* test_param_size_bad_row - one row of size_bad_rows[] */
static void test_param_size_bad_row(int row)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "MAIL FROM:<a@b.test> %s", size_bad_rows[row]);
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PARAM_SYNTAX);
	ck_assert(!cmd.mail.has_size);
}

START_TEST(test_param_size_bad)
{
	size_t i;

	for (i = 0; i < N_ROWS(size_bad_rows); i++)
		test_param_size_bad_row((int)i);
}
END_TEST

START_TEST(test_param_body)
{
	struct smtp_cmd cmd;

	PARSE_OK("MAIL FROM:<a@b.test> BODY=7BIT", &cmd);
	ck_assert_int_eq(cmd.mail.body, SMTP_BODY_7BIT);
	PARSE_OK("MAIL FROM:<a@b.test> BODY=8bitmime", &cmd);
	ck_assert_int_eq(cmd.mail.body, SMTP_BODY_8BITMIME);
	PARSE_OK("MAIL FROM:<a@b.test> body=BinaryMIME", &cmd);
	ck_assert_int_eq(cmd.mail.body, SMTP_BODY_BINARYMIME);
	PARSE_BAD("MAIL FROM:<a@b.test> BODY=8BIT", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> BODY=", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> BODY", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> BODY=7BITX", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> BODY=7BIT", &cmd,
		  SMTP_CMD_ERR_PARAM_UNKNOWN);
}
END_TEST

START_TEST(test_param_smtputf8)
{
	struct smtp_cmd cmd;

	PARSE_OK("MAIL FROM:<a@b.test> SMTPUTF8", &cmd);
	ck_assert(cmd.mail.smtputf8);
	PARSE_OK("MAIL FROM:<a@b.test> SIZE=1 SMTPUTF8 BODY=8BITMIME", &cmd);
	ck_assert(cmd.mail.smtputf8);
	PARSE_BAD("MAIL FROM:<a@b.test> SMTPUTF8=yes", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> SMTPUTF8=", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> SMTPUTF8", &cmd,
		  SMTP_CMD_ERR_PARAM_UNKNOWN);
	PARSE_BAD("MAIL FROM:<a@b.test> SMTPUTF", &cmd,
		  SMTP_CMD_ERR_PARAM_UNKNOWN);
}
END_TEST

START_TEST(test_param_ret)
{
	struct smtp_cmd cmd;

	PARSE_OK("MAIL FROM:<a@b.test> RET=FULL", &cmd);
	ck_assert_int_eq(cmd.mail.ret, SMTP_RET_FULL);
	PARSE_OK("MAIL FROM:<a@b.test> ret=hdrs", &cmd);
	ck_assert_int_eq(cmd.mail.ret, SMTP_RET_HDRS);
	PARSE_BAD("MAIL FROM:<a@b.test> RET=NONE", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> RET", &cmd, SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> RET=FULL,HDRS", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
}
END_TEST

START_TEST(test_param_envid)
{
	struct smtp_cmd cmd;
	char *line;

	PARSE_OK("MAIL FROM:<a@b.test> ENVID=abc+2Bdef", &cmd);
	ck_assert_str_eq(cmd.mail.envid, "abc+def");
	PARSE_OK("MAIL FROM:<a@b.test> ENVID=a+20b+3Dc", &cmd);
	ck_assert_str_eq(cmd.mail.envid, "a b=c");
	PARSE_OK("MAIL FROM:<a@b.test> ENVID=QQ+2B+2B", &cmd);
	ck_assert_str_eq(cmd.mail.envid, "QQ++");
	PARSE_OK("MAIL FROM:<a@b.test> ENVID=+41", &cmd);
	ck_assert_str_eq(cmd.mail.envid, "A");	/* needless but allowed */
	line = p_printf(pool, "MAIL FROM:<a@b.test> ENVID=%s", rep('e', 100));
	PARSE_OK(line, &cmd);
	line = p_printf(pool, "MAIL FROM:<a@b.test> ENVID=%s", rep('e', 101));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> ENVID=a+2b", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);	/* lower-case hex */
	PARSE_BAD("MAIL FROM:<a@b.test> ENVID=a+2", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> ENVID=a+", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> ENVID=a+0D+0A", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);	/* header injection */
	PARSE_BAD("MAIL FROM:<a@b.test> ENVID=a+00", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> ENVID=a+7F", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> ENVID=a+C3+B6", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> ENVID", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> ENVID=x", &cmd,
		  SMTP_CMD_ERR_PARAM_UNKNOWN);
}
END_TEST

START_TEST(test_param_auth)
{
	struct smtp_cmd cmd;

	PARSE_OK("MAIL FROM:<a@b.test> AUTH=<>", &cmd);
	ck_assert_str_eq(cmd.mail.auth, "");
	PARSE_OK("MAIL FROM:<a@b.test> AUTH=u@x.test", &cmd);
	ck_assert_str_eq(cmd.mail.auth, "u@x.test");
	PARSE_OK("MAIL FROM:<a@b.test> AUTH=a+2Bb@x.test", &cmd);
	ck_assert_str_eq(cmd.mail.auth, "a+b@x.test");
	PARSE_BAD("MAIL FROM:<a@b.test> AUTH=", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> AUTH=a+b", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> AUTH=<>", &cmd,
		  SMTP_CMD_ERR_PARAM_UNKNOWN);
}
END_TEST

START_TEST(test_param_auth_lt)
{
	struct smtp_cmd cmd;

	/* "<" is a valid xchar: "AUTH=<" decodes to "<" */
	PARSE_OK("MAIL FROM:<a@b.test> AUTH=<x>y", &cmd);
	ck_assert_str_eq(cmd.mail.auth, "<x>y");
}
END_TEST

static const struct {
	const char *value;
	unsigned int bits;
} notify_rows[] = {
	{ "NEVER", SMTP_NOTIFY_NEVER },
	{ "never", SMTP_NOTIFY_NEVER },
	{ "SUCCESS", SMTP_NOTIFY_SUCCESS },
	{ "FAILURE", SMTP_NOTIFY_FAILURE },
	{ "DELAY", SMTP_NOTIFY_DELAY },
	{ "SUCCESS,FAILURE", SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE },
	{ "delay,Failure,SUCCESS", SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE |
	  SMTP_NOTIFY_DELAY },
	{ "NEVER,SUCCESS", 0 },
	{ "SUCCESS,NEVER", 0 },
	{ "NEVER,NEVER", 0 },
	{ "SUCCESS,SUCCESS", 0 },
	{ "SUCCESS,", 0 },
	{ ",SUCCESS", 0 },
	{ "SUCCESS,,DELAY", 0 },
	{ "SOMETIMES", 0 },
	{ "", 0 },
};

/* test_param_notify_row - one row of notify_rows[] */
static void test_param_notify_row(int row)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "RCPT TO:<a@b.test> NOTIFY=%s",
			notify_rows[row].value);
	if (notify_rows[row].bits != 0) {
		PARSE_OK(line, &cmd);
		ck_assert_uint_eq(cmd.rcpt.notify, notify_rows[row].bits);
	} else {
		PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PARAM_SYNTAX);
	}
	line = p_printf(pool, "MAIL FROM:<a@b.test> NOTIFY=%s",
			notify_rows[row].value);
	PARSE_BAD(line, &cmd, notify_rows[row].value[0] == '\0' ?
		  SMTP_CMD_ERR_PARAM_SYNTAX : SMTP_CMD_ERR_PARAM_UNKNOWN);
}

START_TEST(test_param_notify)
{
	size_t i;

	for (i = 0; i < N_ROWS(notify_rows); i++)
		test_param_notify_row((int)i);
}
END_TEST

START_TEST(test_param_orcpt)
{
	struct smtp_cmd cmd;
	char *line;

	PARSE_OK("RCPT TO:<a@b.test> ORCPT=rfc822;u+40x.test", &cmd);
	ck_assert_str_eq(cmd.rcpt.orcpt_type, "rfc822");
	ck_assert_str_eq(cmd.rcpt.orcpt, "u@x.test");
	PARSE_OK("RCPT TO:<a@b.test> ORCPT=RFC822;a@b.test", &cmd);
	ck_assert_str_eq(cmd.rcpt.orcpt_type, "rfc822");
	ck_assert_str_eq(cmd.rcpt.orcpt, "a@b.test");
	PARSE_OK("RCPT TO:<a@b.test> ORCPT=utf-8;a\\x{E4}@b.test", &cmd);
	ck_assert_str_eq(cmd.rcpt.orcpt_type, "utf-8");
	ck_assert_str_eq(cmd.rcpt.orcpt, "a\\x{E4}@b.test");
	PARSE_OK("RCPT TO:<a@b.test> ORCPT=rfc822;a;b", &cmd);
	ck_assert_str_eq(cmd.rcpt.orcpt, "a;b");
	line = p_printf(pool, "RCPT TO:<a@b.test> ORCPT=rfc822;%s",
			rep('o', 500));
	PARSE_OK(line, &cmd);
	line = p_printf(pool, "RCPT TO:<a@b.test> ORCPT=rfc822;%s",
			rep('o', 501));
	PARSE_BAD(line, &cmd, SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> ORCPT=rfc822", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> ORCPT=;a@b.test", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> ORCPT=rfc822;", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> ORCPT=rfc_822;a", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> ORCPT=rfc822;a+ZZ", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> ORCPT=rfc822;a+0A", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("RCPT TO:<a@b.test> ORCPT", &cmd,
		  SMTP_CMD_ERR_PARAM_SYNTAX);
	PARSE_BAD("MAIL FROM:<a@b.test> ORCPT=rfc822;a", &cmd,
		  SMTP_CMD_ERR_PARAM_UNKNOWN);
}
END_TEST

static const char *const param_unknown_rows[] = {
	"MAIL FROM:<a@b.test> FOO=bar", "MAIL FROM:<a@b.test> XFORWARD",
	"MAIL FROM:<a@b.test> HOLDFOR=10", "MAIL FROM:<a@b.test> MT-PRIORITY=1",
	"MAIL FROM:<a@b.test> SIZE=1 X=1", "MAIL FROM:<a@b.test> REQUIRETLS",
	"MAIL FROM:<a@b.test> SIZES=1", "MAIL FROM:<a@b.test> SIZ=1",
	"RCPT TO:<a@b.test> SIZE=1", "RCPT TO:<a@b.test> RET=FULL",
	"RCPT TO:<a@b.test> X-Y=z", "RCPT TO:<a@b.test> NOTIFY=NEVER FOO",
	"MAIL FROM:<> 8BITMIME",
};

/* test_param_unknown_row - one row of param_unknown_rows[] */
static void test_param_unknown_row(int row)
{
	struct smtp_cmd cmd;

	PARSE_BAD(param_unknown_rows[row], &cmd, SMTP_CMD_ERR_PARAM_UNKNOWN);
	ck_assert_str_eq(smtp_cmd_error_reply(cmd.verb, cmd.error),
			 "555 5.5.4 Unsupported parameter");
}

START_TEST(test_param_unknown)
{
	size_t i;

	for (i = 0; i < N_ROWS(param_unknown_rows); i++)
		test_param_unknown_row((int)i);
}
END_TEST

static const char *const param_dup_rows[] = {
	"MAIL FROM:<a@b.test> SIZE=1 SIZE=2",
	"MAIL FROM:<a@b.test> size=1 SIZE=1",
	"MAIL FROM:<a@b.test> SMTPUTF8 SMTPUTF8",
	"MAIL FROM:<a@b.test> BODY=7BIT SIZE=1 body=7bit",
	"MAIL FROM:<a@b.test> RET=FULL RET=HDRS",
	"MAIL FROM:<a@b.test> ENVID=a ENVID=a",
	"MAIL FROM:<a@b.test> AUTH=<> AUTH=<>",
	"RCPT TO:<a@b.test> NOTIFY=NEVER NOTIFY=NEVER",
	"RCPT TO:<a@b.test> ORCPT=rfc822;a ORCPT=rfc822;b",
};

/* test_param_duplicate_row - one row of param_dup_rows[] */
static void test_param_duplicate_row(int row)
{
	struct smtp_cmd cmd;

	PARSE_BAD(param_dup_rows[row], &cmd, SMTP_CMD_ERR_PARAM_SYNTAX);
}

START_TEST(test_param_duplicate)
{
	size_t i;

	for (i = 0; i < N_ROWS(param_dup_rows); i++)
		test_param_duplicate_row((int)i);
}
END_TEST

static const struct {
	const char *params;
	enum smtp_cmd_error error;
} param_syntax_rows[] = {
	{ "  SIZE=1", SMTP_CMD_ERR_SYNTAX },
	{ "SIZE=1 ", SMTP_CMD_ERR_SYNTAX },
	{ "SIZE=1  BODY=7BIT", SMTP_CMD_ERR_SYNTAX },
	{ "=1", SMTP_CMD_ERR_SYNTAX },
	{ "-X=1", SMTP_CMD_ERR_PARAM_SYNTAX },
	{ "SI_ZE=1", SMTP_CMD_ERR_PARAM_SYNTAX },
	{ "SIZE=1=2", SMTP_CMD_ERR_PARAM_SYNTAX },
	{ "SIZE=1\t", SMTP_CMD_ERR_PARAM_SYNTAX },
	{ "FOO=\x01", SMTP_CMD_ERR_PARAM_SYNTAX },
	{ "FOO=\x7f", SMTP_CMD_ERR_PARAM_SYNTAX },
	{ "FOO=", SMTP_CMD_ERR_PARAM_SYNTAX },
	{ "X.Y=1", SMTP_CMD_ERR_PARAM_SYNTAX },
	{ "\tSIZE=1", SMTP_CMD_ERR_PARAM_SYNTAX },
};

/* test_param_syntax_row - one row of param_syntax_rows[] */
static void test_param_syntax_row(int row)
{
	struct smtp_cmd cmd;
	char *line;

	line = p_printf(pool, "MAIL FROM:<a@b.test> %s",
			param_syntax_rows[row].params);
	PARSE_BAD(line, &cmd, param_syntax_rows[row].error);
}

START_TEST(test_param_syntax)
{
	size_t i;

	for (i = 0; i < N_ROWS(param_syntax_rows); i++)
		test_param_syntax_row((int)i);
}
END_TEST

START_TEST(test_params_all_mail)
{
	struct smtp_cmd cmd;

	PARSE_OK("MAIL FROM:<bounce+x=y@b.test> SIZE=1048576 BODY=8BITMIME "
		 "SMTPUTF8 RET=HDRS ENVID=QQ314159+2Bx AUTH=u+2B1@b.test",
		 &cmd);
	ck_assert_str_eq(cmd.path.addr, "bounce+x=y@b.test");
	ck_assert(cmd.mail.has_size && cmd.mail.size == 1048576);
	ck_assert_int_eq(cmd.mail.body, SMTP_BODY_8BITMIME);
	ck_assert(cmd.mail.smtputf8);
	ck_assert_int_eq(cmd.mail.ret, SMTP_RET_HDRS);
	ck_assert_str_eq(cmd.mail.envid, "QQ314159+x");
	ck_assert_str_eq(cmd.mail.auth, "u+1@b.test");
	ck_assert_str_eq(cmd.arg, "FROM:<bounce+x=y@b.test> SIZE=1048576 "
			 "BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ314159+2Bx "
			 "AUTH=u+2B1@b.test");
}
END_TEST

START_TEST(test_params_all_rcpt)
{
	struct smtp_cmd cmd;

	PARSE_OK("rcpt to:<a@b.test> notify=success,delay "
		 "orcpt=rfc822;A+2Bb@c.test", &cmd);
	ck_assert_uint_eq(cmd.rcpt.notify,
			  SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_DELAY);
	ck_assert_str_eq(cmd.rcpt.orcpt_type, "rfc822");
	ck_assert_str_eq(cmd.rcpt.orcpt, "A+b@c.test");
	PARSE_OK("RCPT TO:<Postmaster> NOTIFY=NEVER", &cmd);
	ck_assert(cmd.path.is_postmaster);
	ck_assert_uint_eq(cmd.rcpt.notify, SMTP_NOTIFY_NEVER);
}
END_TEST

/* ==== smtp_path_parse() and canonical form ============================ */

START_TEST(test_path_parse_api)
{
	struct smtp_path path;
	const char *error = NULL;
	bool too_long = true;
	char *s;

	ck_assert_int_eq(smtp_path_parse(pool, "<>", 2, SMTP_PATH_ALLOW_NULL,
					 &path, &too_long, &error), 0);
	ck_assert(path.is_null);
	ck_assert(!too_long);
	ck_assert_int_eq(smtp_path_parse(pool, "<>", 2, 0, &path, &too_long,
					 &error), -1);
	ck_assert(!too_long);
	ck_assert_ptr_nonnull(error);
	ck_assert_int_eq(smtp_path_parse(pool, "<postmaster>", 12,
					 SMTP_PATH_ALLOW_POSTMASTER, &path,
					 NULL, &error), 0);
	ck_assert(path.is_postmaster);
	ck_assert_int_eq(smtp_path_parse(pool, "<postmaster>", 12, 0, &path,
					 NULL, &error), -1);
	ck_assert_int_eq(smtp_path_parse(pool, "<a@b.test> ", 11, 0, &path,
					 NULL, &error), -1);
	ck_assert_int_eq(smtp_path_parse(pool, "<a@b.test>", 9, 0, &path,
					 NULL, &error), -1);	/* cut short */
	ck_assert_int_eq(smtp_path_parse(pool, "", 0, 0, &path, NULL,
					 &error), -1);
	s = p_printf(pool, "<%s@b.test>", rep('x', 65));
	ck_assert_int_eq(smtp_path_parse(pool, s, strlen(s), 0, &path,
					 &too_long, &error), -1);
	ck_assert(too_long);
	/* the path is untouched on error */
	ck_assert_int_eq(smtp_path_parse(pool, "<k@l.test>", 10, 0, &path,
					 NULL, &error), 0);
	ck_assert_int_eq(smtp_path_parse(pool, "<k@l..test>", 11, 0, &path,
					 NULL, &error), -1);
	ck_assert_str_eq(path.addr, "k@l.test");
}
END_TEST

static const char *const canon_rows[] = {
	"<a@b.test>", "<\"a b\"@B.test>", "<\"a\\\"b\"@x.test>",
	"<\"a\\\\\"@x.test>", "<@r.test:\"x\"@Y.test>", "<u@[IPv6:::1]>",
	"<\"u@ext.test\"@local.test>", "<u@EXT.test.>",
	"<\"a..b\"@x.test>", "<\"\\a\\b\\c\"@x.test>", "<\"\"\"@x.test>",
	"<\".\"@x.test>", "<\"x\xc3\xa4 y\"@\xc3\xa4.test>",
};

/* test_canonical_roundtrip_row - one row of canon_rows[] */
static void test_canonical_roundtrip_row(int row)
{
	struct smtp_path p1, p2;
	const char *error;
	char *again;
	int ret;

	ret = smtp_path_parse(pool, canon_rows[row], strlen(canon_rows[row]), 0,
			      &p1, NULL, &error);
	if (strcmp(canon_rows[row], "<\"\"\"@x.test>") == 0) {
		ck_assert_int_eq(ret, -1);
		return;
	}
	ck_assert_msg(ret == 0, "%s: %s", canon_rows[row], error);
	again = p_printf(pool, "<%s>", p1.addr);
	ck_assert_int_eq(smtp_path_parse(pool, again, strlen(again), 0, &p2,
					 NULL, &error), 0);
	ck_assert_str_eq(p1.addr, p2.addr);
	ck_assert_str_eq(p1.local, p2.local);
	ck_assert_str_eq(p1.domain, p2.domain);
	ck_assert(!p2.had_source_route);
}

START_TEST(test_canonical_roundtrip)
{
	size_t i;

	for (i = 0; i < N_ROWS(canon_rows); i++)
		test_canonical_roundtrip_row((int)i);
}
END_TEST

/* ==== AUTH ============================================================= */

START_TEST(test_auth_mechs)
{
	struct smtp_cmd cmd;

	PARSE_OK("AUTH PLAIN", &cmd);
	ck_assert_int_eq(cmd.auth.mech, SMTP_SASL_PLAIN);
	ck_assert_str_eq(cmd.auth.mech_name, "PLAIN");
	ck_assert(!cmd.auth.has_initial);
	ck_assert_ptr_null(cmd.auth.initial);
	PARSE_OK("auth login", &cmd);
	ck_assert_int_eq(cmd.auth.mech, SMTP_SASL_LOGIN);
	ck_assert_str_eq(cmd.auth.mech_name, "login");
	PARSE_OK("AUTH Plain dGVzdA==", &cmd);
	ck_assert_int_eq(cmd.auth.mech, SMTP_SASL_PLAIN);
	ck_assert(cmd.auth.has_initial);
	ck_assert_uint_eq(cmd.auth.initial_len, 4);
	ck_assert_str_eq(cmd.auth.initial, "test");
	PARSE_OK("AUTH PLAIN =", &cmd);
	ck_assert(cmd.auth.has_initial);
	ck_assert_uint_eq(cmd.auth.initial_len, 0);
	ck_assert_str_eq(cmd.auth.initial, "");
	PARSE_OK("AUTH LOGIN dXNlcg==", &cmd);
	ck_assert_str_eq(cmd.auth.initial, "user");
}
END_TEST

static const struct {
	const char *line;
	enum smtp_cmd_error error;
} auth_bad_rows[] = {
	{ "AUTH CRAM-MD5", SMTP_CMD_ERR_AUTH_MECH },
	{ "AUTH SCRAM-SHA-256 biwsbj11c2VyLHI9", SMTP_CMD_ERR_AUTH_MECH },
	{ "AUTH XOAUTH2", SMTP_CMD_ERR_AUTH_MECH },
	{ "AUTH PLAINX", SMTP_CMD_ERR_AUTH_MECH },
	{ "AUTH PLAIN ", SMTP_CMD_ERR_SYNTAX },
	{ "AUTH PLAIN a b", SMTP_CMD_ERR_SYNTAX },
	{ "AUTH PLAIN  dGVzdA==", SMTP_CMD_ERR_SYNTAX },
	{ "AUTH PLAIN dGVzdA== ", SMTP_CMD_ERR_SYNTAX },
	{ "AUTH  PLAIN", SMTP_CMD_ERR_SYNTAX },
	{ "AUTH PL@IN", SMTP_CMD_ERR_SYNTAX },
	{ "AUTH PLAIN\tdGVzdA==", SMTP_CMD_ERR_SYNTAX },
	{ "AUTH ABCDEFGHIJKLMNOPQRSTU", SMTP_CMD_ERR_SYNTAX },
	{ "AUTH PLAIN dGVzdA", SMTP_CMD_ERR_AUTH_B64 },
	{ "AUTH PLAIN ==", SMTP_CMD_ERR_AUTH_B64 },
	{ "AUTH PLAIN ====", SMTP_CMD_ERR_AUTH_B64 },
	{ "AUTH PLAIN *", SMTP_CMD_ERR_AUTH_B64 },
	{ "AUTH LOGIN dXNlcg=", SMTP_CMD_ERR_AUTH_B64 },
	{ "AUTH LOGIN dXNlcg-=", SMTP_CMD_ERR_AUTH_B64 },
	{ "AUTH LOGIN dXNlcj==", SMTP_CMD_ERR_AUTH_B64 },
	{ "AUTH PLAIN \xc3\xa4", SMTP_CMD_ERR_AUTH_B64 },
};

/* test_auth_bad_row - one row of auth_bad_rows[] */
static void test_auth_bad_row(int row)
{
	struct smtp_cmd cmd;

	PARSE_BAD(auth_bad_rows[row].line, &cmd, auth_bad_rows[row].error);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_AUTH);
	ck_assert(!cmd.auth.has_initial);
}

START_TEST(test_auth_bad)
{
	size_t i;

	for (i = 0; i < N_ROWS(auth_bad_rows); i++)
		test_auth_bad_row((int)i);
}
END_TEST

START_TEST(test_auth_unknown_mech_name)
{
	struct smtp_cmd cmd;

	PARSE_BAD("AUTH CRAM-MD5", &cmd, SMTP_CMD_ERR_AUTH_MECH);
	ck_assert_str_eq(cmd.auth.mech_name, "CRAM-MD5");
	ck_assert_int_eq(cmd.auth.mech, SMTP_SASL_NONE);
	ck_assert_str_eq(smtp_cmd_error_reply(cmd.verb, cmd.error),
			 "504 5.5.4 Unrecognized authentication type");
	/* 20 characters is the longest name */
	PARSE_BAD("AUTH ABCDEFGHIJ-_01234567", &cmd, SMTP_CMD_ERR_AUTH_MECH);
}
END_TEST

START_TEST(test_auth_plain_initial)
{
	static const char msg[] = "admin\0user@x.test\0s3cret";
	struct smtp_cmd cmd;
	const char *z, *c, *p;
	char *line;

	line = p_printf(pool, "AUTH PLAIN %s",
			smtp_b64_encode(pool, msg, sizeof(msg) - 1));
	PARSE_OK(line, &cmd);
	ck_assert_uint_eq(cmd.auth.initial_len, sizeof(msg) - 1);
	ck_assert_mem_eq(cmd.auth.initial, msg, sizeof(msg) - 1);
	ck_assert_int_eq(smtp_sasl_plain_parse(cmd.auth.initial,
					       cmd.auth.initial_len, &z, &c,
					       &p, pool), 0);
	ck_assert_str_eq(z, "admin");
	ck_assert_str_eq(c, "user@x.test");
	ck_assert_str_eq(p, "s3cret");
}
END_TEST

/* ==== base64 =========================================================== */

static const struct {
	const char *in;
	const char *out;
	size_t out_len;
} b64_ok_rows[] = {
	{ "", "", 0 },
	{ "Zg==", "f", 1 },
	{ "Zm8=", "fo", 2 },
	{ "Zm9v", "foo", 3 },
	{ "Zm9vYg==", "foob", 4 },
	{ "Zm9vYmE=", "fooba", 5 },
	{ "Zm9vYmFy", "foobar", 6 },
	{ "AGIA", "\0b\0", 3 },
	{ "AAAA", "\0\0\0", 3 },
	{ "////", "\xff\xff\xff", 3 },
	{ "+/+/", "\xfb\xff\xbf", 3 },
	{ "w6Q=", "\xc3\xa4", 2 },
};

/* test_b64_decode_ok_row - one row of b64_ok_rows[] */
static void test_b64_decode_ok_row(int row)
{
	char *out = NULL;
	size_t len = 99;
	const char *in = b64_ok_rows[row].in;

	ck_assert_int_eq(smtp_b64_decode(pool, in, strlen(in), &out, &len), 0);
	ck_assert_uint_eq(len, b64_ok_rows[row].out_len);
	ck_assert_mem_eq(out, b64_ok_rows[row].out, len);
	ck_assert_int_eq(out[len], '\0');
	ck_assert_str_eq(smtp_b64_encode(pool, b64_ok_rows[row].out, len), in);
}

START_TEST(test_b64_decode_ok)
{
	size_t i;

	for (i = 0; i < N_ROWS(b64_ok_rows); i++)
		test_b64_decode_ok_row((int)i);
}
END_TEST

static const char *const b64_bad_rows[] = {
	"Zg=", "Zg", "Z", "Z===", "====", "=Zm9", "Zg==Zg==", "Zm9v\n",
	"Zm 9v", "Zm9v=", "Zm9v====", "Zh==", "Zm9=", "Zm-v", "Zm_v",
	"Zm9\xc3", "Zm9v\r\n", "Zg=a", "Z=g=", "Zm9vZ", "Zm9vYmE", " Zm9v",
	"Zm9v ", "Zm.v", "Zm9v\t", "YQ==YQ==",
};

/* test_b64_decode_bad_row - one row of b64_bad_rows[] */
static void test_b64_decode_bad_row(int row)
{
	char *out = (char *)"untouched";
	size_t len = 99;
	const char *in = b64_bad_rows[row];

	ck_assert_msg(smtp_b64_decode(pool, in, strlen(in), &out, &len) == -1,
		      "accepted %s", in);
	ck_assert_str_eq(out, "untouched");
	ck_assert_uint_eq(len, 99);
}

START_TEST(test_b64_decode_bad)
{
	size_t i;

	for (i = 0; i < N_ROWS(b64_bad_rows); i++)
		test_b64_decode_bad_row((int)i);
}
END_TEST

START_TEST(test_b64_embedded_nul)
{
	char *out;
	size_t len;

	/* a NUL inside the input is not base64 */
	ck_assert_int_eq(smtp_b64_decode(pool, "Zm\0v", 4, &out, &len), -1);
	ck_assert_int_eq(smtp_b64_decode(pool, "Zg=\0", 4, &out, &len), -1);
}
END_TEST

START_TEST(test_b64_roundtrip)
{
	unsigned char data[200];
	unsigned int seed = 12345;
	size_t n, i, len;
	char *enc, *dec;

	for (n = 0; n <= sizeof(data); n++) {
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			data[i] = (unsigned char)(seed >> 16);
		}
		enc = smtp_b64_encode(pool, data, n);
		ck_assert_uint_eq(strlen(enc), (n + 2) / 3 * 4);
		ck_assert_int_eq(smtp_b64_decode(pool, enc, strlen(enc), &dec,
						 &len), 0);
		ck_assert_uint_eq(len, n);
		if (n > 0)
			ck_assert_mem_eq(dec, data, n);
	}
}
END_TEST

START_TEST(test_auth_response)
{
	char *data = NULL;
	size_t len = 99;

	ck_assert_int_eq(smtp_auth_response_parse(pool, "*", 1, &data, &len),
			 1);
	ck_assert_ptr_null(data);
	ck_assert_int_eq(smtp_auth_response_parse(pool, "", 0, &data, &len),
			 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	ck_assert_int_eq(smtp_auth_response_parse(pool, "dXNlcg==", 8, &data,
						  &len), 0);
	ck_assert_str_eq(data, "user");
	ck_assert_int_eq(smtp_auth_response_parse(pool, "**", 2, &data, &len),
			 -1);
	ck_assert_int_eq(smtp_auth_response_parse(pool, "* ", 2, &data, &len),
			 -1);
	ck_assert_int_eq(smtp_auth_response_parse(pool, "=", 1, &data, &len),
			 -1);
	ck_assert_int_eq(smtp_auth_response_parse(pool, "dXNlcg", 6, &data,
						  &len), -1);
	ck_assert_str_eq(data, "user");	/* untouched */
}
END_TEST

/* ==== SASL PLAIN ======================================================= */

START_TEST(test_sasl_plain_ok)
{
	const char *z = NULL, *c = NULL, *p = NULL;

	ck_assert_int_eq(smtp_sasl_plain_parse("\0user\0pass", 10, &z, &c, &p,
					       pool), 0);
	ck_assert_str_eq(z, "");
	ck_assert_str_eq(c, "user");
	ck_assert_str_eq(p, "pass");
	ck_assert_int_eq(smtp_sasl_plain_parse("admin\0u\0p", 9, &z, &c, &p,
					       pool), 0);
	ck_assert_str_eq(z, "admin");
	ck_assert_str_eq(c, "u");
	ck_assert_str_eq(p, "p");
	ck_assert_int_eq(smtp_sasl_plain_parse("\0j\xc3\xb6rg\0p\xc3\xa4ss",
					       12, &z, &c, &p, pool), 0);
	ck_assert_str_eq(c, "j\xc3\xb6rg");
	ck_assert_str_eq(p, "p\xc3\xa4ss");
	/* spaces and symbols are fine in a password */
	ck_assert_int_eq(smtp_sasl_plain_parse("\0u\0 a b ", 8, &z, &c, &p,
					       pool), 0);
	ck_assert_str_eq(p, " a b ");
}
END_TEST

static const struct {
	const char *data;
	size_t len;
} sasl_bad_rows[] = {
	{ "", 0 },
	{ "userpass", 8 },
	{ "user\0pass", 9 },
	{ "\0user\0pass\0", 11 },
	{ "\0\0\0", 3 },
	{ "\0\0pass", 6 },
	{ "\0user\0", 6 },
	{ "\0", 1 },
	{ "\0\0", 2 },
	{ "a\0b\0c\0d", 7 },
	{ "\xc3\0user\0pass", 11 },
	{ "\0us\xffr\0pass", 10 },
	{ "\0user\0pa\xc0\xafss", 12 },
	{ "\0user\0\xed\xa0\x80", 9 },
};

/* test_sasl_plain_bad_row - one row of sasl_bad_rows[] */
static void test_sasl_plain_bad_row(int row)
{
	const char *z = "z", *c = "c", *p = "p";

	ck_assert_int_eq(smtp_sasl_plain_parse(sasl_bad_rows[row].data,
					       sasl_bad_rows[row].len, &z, &c,
					       &p, pool), -1);
	ck_assert_str_eq(z, "z");
	ck_assert_str_eq(c, "c");
	ck_assert_str_eq(p, "p");
}

START_TEST(test_sasl_plain_bad)
{
	size_t i;

	for (i = 0; i < N_ROWS(sasl_bad_rows); i++)
		test_sasl_plain_bad_row((int)i);
}
END_TEST

/* ==== xtext ============================================================ */

START_TEST(test_xtext)
{
	const char *out = "untouched";

	ck_assert_int_eq(smtp_xtext_decode(pool, "", 0, &out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(smtp_xtext_decode(pool, "+2B", 3, &out), 0);
	ck_assert_str_eq(out, "+");
	ck_assert_int_eq(smtp_xtext_decode(pool, "a+3Db", 5, &out), 0);
	ck_assert_str_eq(out, "a=b");
	ck_assert_int_eq(smtp_xtext_decode(pool, "!~", 2, &out), 0);
	ck_assert_str_eq(out, "!~");
	ck_assert_int_eq(smtp_xtext_decode(pool, "+20+7E", 6, &out), 0);
	ck_assert_str_eq(out, " ~");
	out = "untouched";
	ck_assert_int_eq(smtp_xtext_decode(pool, "a=b", 3, &out), -1);
	ck_assert_int_eq(smtp_xtext_decode(pool, "a b", 3, &out), -1);
	ck_assert_int_eq(smtp_xtext_decode(pool, "+2", 2, &out), -1);
	ck_assert_int_eq(smtp_xtext_decode(pool, "+g0", 3, &out), -1);
	ck_assert_int_eq(smtp_xtext_decode(pool, "+2b", 3, &out), -1);
	ck_assert_int_eq(smtp_xtext_decode(pool, "+1F", 3, &out), -1);
	ck_assert_int_eq(smtp_xtext_decode(pool, "+FF", 3, &out), -1);
	ck_assert_int_eq(smtp_xtext_decode(pool, "a\0b", 3, &out), -1);
	ck_assert_int_eq(smtp_xtext_decode(pool, "\xc3\xa4", 2, &out), -1);
	ck_assert_str_eq(out, "untouched");
}
END_TEST

Suite *smtp_parse_suite(void)
{
	Suite *s = suite_create("smtp-parse");
	TCase *tc;

	tc = tcase_create("verbs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_verbs);
	tcase_add_test(tc, test_verb_unknown);
	tcase_add_test(tc, test_line_bad_octets);
	tcase_add_test(tc, test_no_argument_verbs);
	tcase_add_test(tc, test_optional_argument_verbs);
	tcase_add_test(tc, test_required_argument_verbs);
	tcase_add_test(tc, test_verb_set_on_error);
	tcase_add_test(tc, test_verb_names);
	tcase_add_test(tc, test_error_replies);
	suite_add_tcase(s, tc);

	tc = tcase_create("helo");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_helo_domains);
	tcase_add_test(tc, test_helo_literals);
	tcase_add_test(tc, test_helo_bad);
	tcase_add_test(tc, test_helo_length_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("paths");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_mail_simple);
	tcase_add_test(tc, test_rcpt_simple);
	tcase_add_test(tc, test_mail_rcpt_forms);
	tcase_add_test(tc, test_null_path);
	tcase_add_test(tc, test_postmaster);
	tcase_add_test(tc, test_relay_matrix);
	tcase_add_test(tc, test_routing_predicate);
	tcase_add_test(tc, test_source_route_bad);
	tcase_add_test(tc, test_source_route_ok);
	tcase_add_test(tc, test_local_part_ok);
	tcase_add_test(tc, test_local_part_bad);
	tcase_add_test(tc, test_local_part_length);
	tcase_add_test(tc, test_domain_ok);
	tcase_add_test(tc, test_domain_bad);
	tcase_add_test(tc, test_domain_label_length);
	tcase_add_test(tc, test_path_length);
	tcase_add_test(tc, test_literal_ok);
	tcase_add_test(tc, test_literal_bad);
	tcase_add_test(tc, test_path_parse_api);
	tcase_add_test(tc, test_canonical_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_utf8_mail);
	tcase_add_test(tc, test_utf8_without_smtputf8);
	tcase_add_test(tc, test_utf8_invalid);
	tcase_add_test(tc, test_utf8_outside_path);
	tcase_add_test(tc, test_utf8_label_octets);
	suite_add_tcase(s, tc);

	tc = tcase_create("params");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_param_size);
	tcase_add_test(tc, test_param_size_bad);
	tcase_add_test(tc, test_param_body);
	tcase_add_test(tc, test_param_smtputf8);
	tcase_add_test(tc, test_param_ret);
	tcase_add_test(tc, test_param_envid);
	tcase_add_test(tc, test_param_auth);
	tcase_add_test(tc, test_param_auth_lt);
	tcase_add_test(tc, test_param_notify);
	tcase_add_test(tc, test_param_orcpt);
	tcase_add_test(tc, test_param_unknown);
	tcase_add_test(tc, test_param_duplicate);
	tcase_add_test(tc, test_param_syntax);
	tcase_add_test(tc, test_params_all_mail);
	tcase_add_test(tc, test_params_all_rcpt);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_auth_mechs);
	tcase_add_test(tc, test_auth_bad);
	tcase_add_test(tc, test_auth_unknown_mech_name);
	tcase_add_test(tc, test_auth_plain_initial);
	tcase_add_test(tc, test_b64_decode_ok);
	tcase_add_test(tc, test_b64_decode_bad);
	tcase_add_test(tc, test_b64_embedded_nul);
	tcase_add_test(tc, test_b64_roundtrip);
	tcase_add_test(tc, test_auth_response);
	tcase_add_test(tc, test_sasl_plain_ok);
	tcase_add_test(tc, test_sasl_plain_bad);
	tcase_add_test(tc, test_xtext);
	suite_add_tcase(s, tc);
	return s;
}
