/*
 * test-smtp-data.c - the DATA-phase reader (backend/smtpd/smtp-data.c).
 *
 * Every input is fed several ways: in one call, one octet per call, and in
 * pseudo-random chunks from fixed seeds. All ways must give the same
 * status, the same octets to the sink and the same end position, which
 * must lie right after the real CR LF "." CR LF. The SMTP smuggling rows
 * put each non-standard end in the middle of a message, followed by a
 * second transaction, and check that it neither ends the data nor leads
 * to a 250.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "pool.h"
#include "smtp-data.h"
#include "suites.h"

#define N_ROWS(rows) (sizeof(rows) / sizeof((rows)[0]))
#define RANDOM_SPLITS 40

struct result {
	enum smtp_data_status status;
	size_t consumed;	/* octets up to the end, or all when MORE */
	struct buf out;
	unsigned int sink_calls;
};

struct sink_state {
	struct buf *out;
	unsigned int calls;
	int fail_after;		/* fail the nth call; 0 = never */
};

/* sink - append to a buffer, count calls, fail on request */
static int sink(void *ctx, const char *data, size_t len)
{
	struct sink_state *s = ctx;

	ck_assert_uint_gt(len, 0);
	s->calls++;
	if (s->fail_after != 0 && s->calls >= (unsigned int)s->fail_after)
		return -1;
	return buf_append(s->out, data, len);
}

/* next_rand - small deterministic generator */
static unsigned int next_rand(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

/*
 * run - feed in[0..len) in chunks: mode 0 = one call, 1 = one octet per
 * call, else random chunks seeded with mode. Stops at the first final
 * status, as the server would.
 */
static void run(const char *in, size_t len,
		const struct smtp_data_limits *limits, unsigned int mode,
		struct result *res)
{
	struct smtp_data_reader r;
	struct sink_state st;
	size_t pos = 0, n, used;
	unsigned int seed = mode;

	memset(res, 0, sizeof(*res));
	buf_init(&res->out, 0);
	memset(&st, 0, sizeof(st));
	st.out = &res->out;
	smtp_data_init(&r, limits, sink, &st);
	res->status = SMTP_DATA_MORE;
	while (pos < len) {
		if (mode == 0)
			n = len - pos;
		else if (mode == 1)
			n = 1;
		else
			n = 1 + next_rand(&seed) % 17;
		if (n > len - pos)
			n = len - pos;
		used = 12345;
		res->status = smtp_data_feed(&r, in + pos, n, &used);
		if (res->status == SMTP_DATA_MORE) {
			ck_assert_uint_eq(used, n);
		} else {
			ck_assert_uint_ge(used, 1);
			ck_assert_uint_le(used, n);
		}
		pos += used;
		if (res->status != SMTP_DATA_MORE)
			break;
	}
	/* an empty feed changes nothing */
	used = 12345;
	ck_assert_int_eq(smtp_data_feed(&r, in, 0, &used), res->status);
	ck_assert_uint_eq(used, 0);
	res->consumed = pos;
	res->sink_calls = st.calls;
}

/* check_splits - every way of feeding gives the same result; returns the
 * one-shot result (free its buffer) */
static void check_splits(const char *in, size_t len,
			 const struct smtp_data_limits *limits,
			 struct result *first)
{
	struct result other;
	unsigned int mode;

	run(in, len, limits, 0, first);
	for (mode = 1; mode < 2 + RANDOM_SPLITS; mode++) {
		run(in, len, limits, mode, &other);
		ck_assert_msg(other.status == first->status,
			      "mode %u: status %d, one-shot %d", mode,
			      (int)other.status, (int)first->status);
		ck_assert_uint_eq(other.consumed, first->consumed);
		ck_assert_uint_eq(other.out.len, first->out.len);
		if (other.out.len > 0)
			ck_assert_mem_eq(other.out.data, first->out.data,
					 other.out.len);
		buf_free(&other.out);
	}
}

/* expect - feed a C string every way; check status, output, end */
static void expect(const char *in, enum smtp_data_status status,
		   const char *out, size_t consumed)
{
	struct result res;

	check_splits(in, strlen(in), NULL, &res);
	ck_assert_msg(res.status == status, "%s: status %d, want %d", in,
		      (int)res.status, (int)status);
	ck_assert_uint_eq(res.consumed, consumed);
	if (out != NULL) {
		ck_assert_uint_eq(res.out.len, strlen(out));
		if (res.out.len > 0)
			ck_assert_mem_eq(res.out.data, out, res.out.len);
	}
	buf_free(&res.out);
}

/* ==== well-formed messages ============================================= */

START_TEST(test_simple_message)
{
	static const char in[] = "Subject: hi\r\n\r\nbody\r\n.\r\n";

	expect(in, SMTP_DATA_DONE, "Subject: hi\r\n\r\nbody\r\n",
	       sizeof(in) - 1);
}
END_TEST

START_TEST(test_empty_message)
{
	/* DATA, then "." at once: a message of zero octets */
	expect(".\r\n", SMTP_DATA_DONE, "", 3);
	/* one empty line */
	expect("\r\n.\r\n", SMTP_DATA_DONE, "\r\n", 5);
	expect("\r\n\r\n\r\n.\r\n", SMTP_DATA_DONE, "\r\n\r\n\r\n", 9);
}
END_TEST

START_TEST(test_dot_unstuffing)
{
	expect("..x\r\n.\r\n", SMTP_DATA_DONE, ".x\r\n", 8);
	expect("...\r\n.\r\n", SMTP_DATA_DONE, "..\r\n", 8);
	expect("..\r\n.\r\n", SMTP_DATA_DONE, ".\r\n", 7);
	expect("a\r\n..\r\n.\r\n", SMTP_DATA_DONE, "a\r\n.\r\n", 10);
	/* RFC 5321 4.5.2: a leading dot is dropped even when unstuffed */
	expect(".x\r\n.\r\n", SMTP_DATA_DONE, "x\r\n", 7);
	expect(". \r\n.\r\n", SMTP_DATA_DONE, " \r\n", 7);
	expect("..\r\n..\r\n...\r\n.\r\n", SMTP_DATA_DONE,
	       ".\r\n.\r\n..\r\n", 16);
}
END_TEST

START_TEST(test_dots_inside_lines)
{
	expect("a.b\r\n a.\r\n.a.\r\nx..\r\n.\r\n", SMTP_DATA_DONE,
	       "a.b\r\n a.\r\na.\r\nx..\r\n", 23);
}
END_TEST

START_TEST(test_pipelined_bytes_untouched)
{
	static const char in[] = "hi\r\n.\r\nQUIT\r\n";
	struct smtp_data_reader r;
	struct buf out;
	struct sink_state st = { &out, 0, 0 };
	size_t used;

	buf_init(&out, 0);
	smtp_data_init(&r, NULL, sink, &st);
	ck_assert_int_eq(smtp_data_feed(&r, in, sizeof(in) - 1, &used),
			 SMTP_DATA_DONE);
	ck_assert_uint_eq(used, 7);
	ck_assert_str_eq(in + used, "QUIT\r\n");
	ck_assert_str_eq(out.data, "hi\r\n");
	/* after the end nothing more is taken, the status stays */
	ck_assert_int_eq(smtp_data_feed(&r, in + used, 6, &used),
			 SMTP_DATA_DONE);
	ck_assert_uint_eq(used, 0);
	ck_assert_str_eq(out.data, "hi\r\n");
	buf_free(&out);

	expect("x\r\n.\r\nMAIL FROM:<a@b>\r\n", SMTP_DATA_DONE, "x\r\n", 6);
	expect(".\r\n.\r\n", SMTP_DATA_DONE, "", 3);
}
END_TEST

START_TEST(test_crlf_split_everywhere)
{
	static const char in[] = "a\r\n.b\r\n\r\n..\r\n.\r\nNEXT";
	size_t n = sizeof(in) - 1, i, j, used, pos;
	struct smtp_data_reader r;
	struct sink_state st;
	struct buf out;
	enum smtp_data_status status;

	/* every split into three chunks */
	for (i = 0; i <= n; i++) {
		for (j = i; j <= n; j++) {
			size_t cut[4] = { 0, i, j, n };
			int k;

			buf_init(&out, 0);
			memset(&st, 0, sizeof(st));
			st.out = &out;
			smtp_data_init(&r, NULL, sink, &st);
			status = SMTP_DATA_MORE;
			pos = 0;
			for (k = 0; k < 3 && status == SMTP_DATA_MORE; k++) {
				status = smtp_data_feed(&r, in + cut[k],
							cut[k + 1] - cut[k],
							&used);
				pos = cut[k] + used;
			}
			ck_assert_int_eq(status, SMTP_DATA_DONE);
			ck_assert_uint_eq(pos, n - 4);
			ck_assert_str_eq(out.data, "a\r\nb\r\n\r\n.\r\n");
			buf_free(&out);
		}
	}
}
END_TEST

START_TEST(test_eight_bit_passes)
{
	char in[300];
	size_t n = 0;
	int c;
	struct result res;

	for (c = 1; c < 256; c++) {
		if (c == '\r' || c == '\n')
			continue;
		in[n++] = (char)c;
	}
	memcpy(in + n, "\r\n.\r\n", 5);
	n += 5;
	check_splits(in, n, NULL, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	ck_assert_uint_eq(res.out.len, n - 3);
	ck_assert_mem_eq(res.out.data, in, n - 3);
	buf_free(&res.out);
}
END_TEST

START_TEST(test_incomplete_is_more)
{
	static const char *const rows[] = {
		"", "a", "a\r", "a\r\n", "a\r\n.", "a\r\n.\r", ".", ".\r",
		"\r", "\r\n", "\r\n.", "\r\n.\r", "x\r\n..\r\n",
	};
	struct result res;
	size_t i;

	for (i = 0; i < N_ROWS(rows); i++) {
		check_splits(rows[i], strlen(rows[i]), NULL, &res);
		ck_assert_int_eq(res.status, SMTP_DATA_MORE);
		ck_assert_uint_eq(res.consumed, strlen(rows[i]));
		buf_free(&res.out);
	}
}
END_TEST

/* ==== line length ====================================================== */

/* line_msg - n octets of 'x' (after an optional prefix) + CRLF + end */
static char *line_msg(struct pool *pool, const char *prefix, size_t n)
{
	size_t plen = strlen(prefix);
	char *s = p_alloc(pool, plen + n + 6);

	memcpy(s, prefix, plen);
	memset(s + plen, 'x', n);
	memcpy(s + plen + n, "\r\n.\r\n", 6);
	return s;
}

START_TEST(test_line_998_ok)
{
	struct pool *pool = pool_new("t", 4096);
	char *in = line_msg(pool, "", 998);
	struct result res;

	check_splits(in, strlen(in), NULL, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	ck_assert_uint_eq(res.out.len, 1000);
	buf_free(&res.out);
	pool_destroy(&pool);
}
END_TEST

START_TEST(test_line_999_too_long)
{
	struct pool *pool = pool_new("t", 4096);
	char *in = line_msg(pool, "", 999);
	struct result res;

	check_splits(in, strlen(in), NULL, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_LINE_TOO_LONG);
	ck_assert_uint_eq(res.consumed, strlen(in));
	ck_assert_uint_eq(res.out.len, 998);	/* nothing after the error */
	buf_free(&res.out);
	pool_destroy(&pool);
}
END_TEST

START_TEST(test_line_stuffed_dot_not_counted)
{
	struct pool *pool = pool_new("t", 4096);
	char *in;
	struct result res;

	/* "." + 998 on the wire is 998 octets of text */
	in = line_msg(pool, ".", 998);
	check_splits(in, strlen(in), NULL, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	ck_assert_uint_eq(res.out.len, 1000);
	buf_free(&res.out);
	in = line_msg(pool, "..", 997);
	check_splits(in, strlen(in), NULL, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	ck_assert_int_eq(res.out.data[0], '.');
	buf_free(&res.out);
	in = line_msg(pool, ".", 999);
	check_splits(in, strlen(in), NULL, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_LINE_TOO_LONG);
	buf_free(&res.out);
	pool_destroy(&pool);
}
END_TEST

START_TEST(test_line_limit_custom)
{
	static const struct smtp_data_limits lim = { 10, 0 };
	struct result res;
	static const char ok[] = "12345678\r\n12345678\r\n.\r\n";
	static const char bad[] = "12345678\r\n123456789\r\nok\r\n.\r\nX";

	check_splits(ok, sizeof(ok) - 1, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	buf_free(&res.out);
	check_splits(bad, sizeof(bad) - 1, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_LINE_TOO_LONG);
	ck_assert_uint_eq(res.consumed, sizeof(bad) - 2);
	ck_assert_uint_eq(res.out.len, 18);
	buf_free(&res.out);
}
END_TEST

START_TEST(test_line_limit_smallest)
{
	static const struct smtp_data_limits lim = { 3, 0 };
	struct result res;
	static const char ok[] = "a\r\n\r\n.a\r\n.\r\n";
	static const char bad[] = "ab\r\n.\r\n";

	check_splits(ok, sizeof(ok) - 1, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	ck_assert_str_eq(res.out.data, "a\r\n\r\na\r\n");
	buf_free(&res.out);
	check_splits(bad, sizeof(bad) - 1, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_LINE_TOO_LONG);
	buf_free(&res.out);
}
END_TEST

START_TEST(test_long_lines_many)
{
	struct pool *pool = pool_new("t", 4096);
	struct result res;
	char *in;
	size_t i;

	/* a 20 KB line keeps being consumed, then the data ends cleanly */
	in = p_alloc(pool, 20000 + 16);
	for (i = 0; i < 20000; i++)
		in[i] = (char)('a' + i % 26);
	memcpy(in + 20000, "\r\nok\r\n.\r\n", 9);
	check_splits(in, 20009, NULL, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_LINE_TOO_LONG);
	ck_assert_uint_eq(res.consumed, 20009);
	ck_assert_uint_eq(res.out.len, 998);
	buf_free(&res.out);
	pool_destroy(&pool);
}
END_TEST

/* ==== size limit ======================================================= */

START_TEST(test_size_limit)
{
	static const char in[] = "0123456789\r\n.\r\n";	/* 12 octets */
	struct smtp_data_limits lim = { 0, 12 };
	struct result res;

	check_splits(in, sizeof(in) - 1, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	ck_assert_uint_eq(res.out.len, 12);
	buf_free(&res.out);

	lim.max_size = 11;
	check_splits(in, sizeof(in) - 1, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_TOO_BIG);
	ck_assert_uint_eq(res.consumed, sizeof(in) - 1);
	ck_assert_uint_eq(res.out.len, 11);	/* exactly the limit */
	ck_assert_mem_eq(res.out.data, in, 11);
	buf_free(&res.out);

	lim.max_size = 1;
	check_splits(in, sizeof(in) - 1, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_TOO_BIG);
	ck_assert_uint_eq(res.out.len, 1);
	buf_free(&res.out);
}
END_TEST

START_TEST(test_size_counts_unstuffed)
{
	static const char in[] = "..\r\n..\r\n.\r\n";	/* ".\r\n.\r\n" */
	struct smtp_data_limits lim = { 0, 6 };
	struct result res;

	check_splits(in, sizeof(in) - 1, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	ck_assert_str_eq(res.out.data, ".\r\n.\r\n");
	buf_free(&res.out);
	lim.max_size = 5;
	check_splits(in, sizeof(in) - 1, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_TOO_BIG);
	buf_free(&res.out);
}
END_TEST

START_TEST(test_size_empty_message_limit)
{
	struct smtp_data_limits lim = { 0, 1 };
	struct result res;

	check_splits(".\r\n", 3, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	buf_free(&res.out);
	check_splits("\r\n.\r\n", 5, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_TOO_BIG);
	buf_free(&res.out);
}
END_TEST

START_TEST(test_octets_counter)
{
	static const char in[] = "..abc\r\ndef\r\n.\r\n";
	struct smtp_data_limits lim = { 0, 4 };
	struct smtp_data_reader r;
	struct buf out;
	struct sink_state st = { &out, 0, 0 };
	size_t used;

	buf_init(&out, 0);
	smtp_data_init(&r, &lim, sink, &st);
	ck_assert_int_eq(smtp_data_feed(&r, in, 4, &used), SMTP_DATA_MORE);
	ck_assert(smtp_data_error(&r) == SMTP_DATA_MORE);
	ck_assert_int_eq(smtp_data_feed(&r, in + 4, sizeof(in) - 5, &used),
			 SMTP_DATA_TOO_BIG);
	ck_assert(smtp_data_error(&r) == SMTP_DATA_TOO_BIG);
	/* ".abc\r\ndef\r\n" is 11 octets, 4 of which went to the sink */
	ck_assert(smtp_data_octets(&r) == 11);
	ck_assert_uint_eq(out.len, 4);
	buf_free(&out);
}
END_TEST

/* ==== bad octets ======================================================= */

static const struct {
	const char *in;
	size_t len;
	enum smtp_data_status status;
} bad_rows[] = {
	{ "a\nb\r\n.\r\n", 8, SMTP_DATA_BARE_LF },
	{ "\n.\r\n\r\n.\r\n", 9, SMTP_DATA_BARE_LF },
	{ "a\rb\r\n.\r\n", 8, SMTP_DATA_BARE_CR },
	{ "a\r\r\n.\r\n", 7, SMTP_DATA_BARE_CR },
	{ "\r\r\n.\r\n", 6, SMTP_DATA_BARE_CR },
	{ ".\rx\r\n.\r\n", 8, SMTP_DATA_BARE_CR },
	{ ".\r\r\n.\r\n", 7, SMTP_DATA_BARE_CR },
	{ ".\n\r\n.\r\n", 7, SMTP_DATA_BARE_LF },
	{ "a\0b\r\n.\r\n", 8, SMTP_DATA_NUL },
	{ "\0\r\n.\r\n", 6, SMTP_DATA_NUL },
	{ ".\0\r\n.\r\n", 7, SMTP_DATA_NUL },
	/* the first error wins */
	{ "a\nb\rc\0\r\n.\r\n", 11, SMTP_DATA_BARE_LF },
	{ "a\rb\nc\r\n.\r\n", 10, SMTP_DATA_BARE_CR },
	{ "a\0\n\r\n.\r\n", 8, SMTP_DATA_NUL },
	{ "\r\n\n\r\n.\r\n", 8, SMTP_DATA_BARE_LF },
};

/* test_bad_octets_one - one row of bad_rows[] */
static void test_bad_octets_one(int row)
{
	struct result res;

	check_splits(bad_rows[row].in, bad_rows[row].len, NULL, &res);
	ck_assert_msg(res.status == bad_rows[row].status,
		      "row %d: status %d", row, (int)res.status);
	ck_assert_uint_eq(res.consumed, bad_rows[row].len);
	buf_free(&res.out);
}

START_TEST(test_bad_octets)
{
	int i;

	for (i = 0; i < (int)N_ROWS(bad_rows); i++)
		test_bad_octets_one(i);
}
END_TEST

START_TEST(test_first_error_line_vs_octet)
{
	static const struct smtp_data_limits lim = { 5, 0 };
	struct result res;

	/* too long first (at the 4th octet), bare LF later */
	check_splits("abcd\n\r\n.\r\n", 10, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_LINE_TOO_LONG);
	buf_free(&res.out);
	/* bare LF first */
	check_splits("ab\ncd\r\n.\r\n", 10, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_BARE_LF);
	buf_free(&res.out);
	/* the bare CR is the 4th octet: BARE_CR is named first */
	check_splits("abc\rd\r\n.\r\n", 10, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_BARE_CR);
	buf_free(&res.out);
}
END_TEST

START_TEST(test_first_error_size_vs_octet)
{
	struct smtp_data_limits lim = { 0, 3 };
	struct result res;

	/* the limit is passed at octet 4, the bare LF is octet 5 */
	check_splits("abcd\n\r\n.\r\n", 10, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_TOO_BIG);
	ck_assert_uint_eq(res.out.len, 3);
	buf_free(&res.out);
	/* the bare LF is octet 3, before the limit */
	check_splits("ab\ncd\r\n.\r\n", 10, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_BARE_LF);
	ck_assert_uint_eq(res.out.len, 2);
	buf_free(&res.out);
	/* a CR that turns out bare counts toward the size first */
	lim.max_size = 2;
	check_splits("ab\rc\r\n.\r\n", 9, &lim, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_TOO_BIG);
	buf_free(&res.out);
}
END_TEST

/* ==== SMTP smuggling =================================================== */

static const struct {
	const char *seq;
	size_t len;
	enum smtp_data_status status;
	size_t dots;		/* stuffing dots removed, for DONE rows */
} smuggle_rows[] = {
	{ "\n.\n", 3, SMTP_DATA_BARE_LF, 0 },
	{ "\r.\r", 3, SMTP_DATA_BARE_CR, 0 },
	{ "\r.\n", 3, SMTP_DATA_BARE_CR, 0 },
	{ "\n.\r", 3, SMTP_DATA_BARE_LF, 0 },
	{ "\n.\r\n", 4, SMTP_DATA_BARE_LF, 0 },
	{ "\r\n.\n", 4, SMTP_DATA_BARE_LF, 0 },
	{ "\r.\r\n", 4, SMTP_DATA_BARE_CR, 0 },
	{ "\r\n.\r", 4, SMTP_DATA_BARE_CR, 0 },
	{ "\r\n\0.\r\n", 6, SMTP_DATA_NUL, 0 },
	{ "\r\n.\0\r\n", 6, SMTP_DATA_NUL, 0 },
	/* more of the same family */
	{ "\n.\n\n", 4, SMTP_DATA_BARE_LF, 0 },
	{ "\r\n.\n\r\n", 6, SMTP_DATA_BARE_LF, 0 },
	{ "\r\n.\r\r\n", 6, SMTP_DATA_BARE_CR, 0 },
	{ "\r\n .\r\n", 6, SMTP_DATA_DONE, 0 },	/* text, not an end */
	{ "\r\n..\r\n", 6, SMTP_DATA_DONE, 1 },
	{ "\r\n.\t\r\n", 6, SMTP_DATA_DONE, 1 },
};

/* test_smuggling_one - one row of smuggle_rows[] */
static void test_smuggling_one(int row)
{
	static const char head[] = "From: a@b\r\nSubject: s\r\n\r\nfirst";
	static const char tail[] = "MAIL FROM:<x@y>\r\nRCPT TO:<z@w>\r\n"
		"DATA\r\nsmuggled\r\n";
	static const char after[] = "QUIT\r\n";
	char in[256];
	size_t n = 0, real_end;
	struct result res;
	const char *body;

	memcpy(in + n, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	memcpy(in + n, smuggle_rows[row].seq, smuggle_rows[row].len);
	n += smuggle_rows[row].len;
	memcpy(in + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	/* "smuggled\r\n" already ends a line: the end is "." CR LF */
	memcpy(in + n, ".\r\n", 3);
	n += 3;
	real_end = n;
	memcpy(in + n, after, sizeof(after) - 1);
	n += sizeof(after) - 1;

	check_splits(in, n, NULL, &res);
	ck_assert_msg(res.status == smuggle_rows[row].status,
		      "row %d: status %d", row, (int)res.status);
	ck_assert_msg(res.consumed == real_end, "row %d: ended at %zu, not %zu",
		      row, res.consumed, real_end);
	if (res.status == SMTP_DATA_DONE) {
		/* the harmless rows keep the second "transaction" as text */
		ck_assert_uint_eq(res.out.len,
				  real_end - 3 - smuggle_rows[row].dots);
		body = strstr(res.out.data, "MAIL FROM:<x@y>\r\n");
		ck_assert_ptr_nonnull(body);
	}
	buf_free(&res.out);
}

START_TEST(test_smuggling)
{
	int i;

	for (i = 0; i < (int)N_ROWS(smuggle_rows); i++)
		test_smuggling_one(i);
}
END_TEST

START_TEST(test_smuggling_at_start)
{
	/* the same sequences right at the start of the DATA phase */
	static const struct {
		const char *in;
		size_t len;
		enum smtp_data_status status;
		size_t consumed;
	} rows[] = {
		{ ".\nX\r\n.\r\n", 8, SMTP_DATA_BARE_LF, 8 },
		{ ".\rX\r\n.\r\n", 8, SMTP_DATA_BARE_CR, 8 },
		{ "\n.\r\nX\r\n.\r\n", 10, SMTP_DATA_BARE_LF, 10 },
		{ "\0.\r\nX\r\n.\r\n", 10, SMTP_DATA_NUL, 10 },
		{ ".\0\r\nX\r\n.\r\n", 10, SMTP_DATA_NUL, 10 },
		{ ".\r\nX\r\n.\r\n", 9, SMTP_DATA_DONE, 3 },
	};
	struct result res;
	size_t i;

	for (i = 0; i < N_ROWS(rows); i++) {
		check_splits(rows[i].in, rows[i].len, NULL, &res);
		ck_assert_msg(res.status == rows[i].status, "row %zu", i);
		ck_assert_uint_eq(res.consumed, rows[i].consumed);
		buf_free(&res.out);
	}
}
END_TEST

START_TEST(test_smuggling_never_done_early)
{
	/* byte by byte: MORE at every octet before the real end */
	static const char in[] = "a\n.\nb\r.\rc\r\n.\nd\r\n.\re\r\n\0.\r\n"
		"f\r\n.\0\r\ng\n.\r\nh\r.\r\ni\r\n.\r\n";
	struct smtp_data_reader r;
	struct buf out;
	struct sink_state st = { &out, 0, 0 };
	size_t i, used, n = sizeof(in) - 1;

	buf_init(&out, 0);
	smtp_data_init(&r, NULL, sink, &st);
	for (i = 0; i + 1 < n; i++)
		ck_assert_int_eq(smtp_data_feed(&r, in + i, 1, &used),
				 SMTP_DATA_MORE);
	ck_assert_int_eq(smtp_data_feed(&r, in + i, 1, &used),
			 SMTP_DATA_BARE_LF);
	ck_assert_uint_eq(used, 1);
	ck_assert_str_eq(out.data, "a");	/* nothing after the error */
	buf_free(&out);
}
END_TEST

/* ==== sinks ============================================================ */

START_TEST(test_sink_failure)
{
	static const char in[] = "line one\r\nline two\r\n.\r\nNEXT";
	struct smtp_data_reader r;
	struct buf out;
	struct sink_state st = { &out, 0, 1 };
	size_t used, i;
	enum smtp_data_status status = SMTP_DATA_MORE;

	buf_init(&out, 0);
	smtp_data_init(&r, NULL, sink, &st);
	for (i = 0; i < sizeof(in) - 1 && status == SMTP_DATA_MORE; i++)
		status = smtp_data_feed(&r, in + i, 1, &used);
	ck_assert_int_eq(status, SMTP_DATA_SINK_FAILED);
	ck_assert_uint_eq(i, sizeof(in) - 5);
	ck_assert_uint_eq(st.calls, 1);	/* never called again */
	ck_assert_str_eq(smtp_data_status_reply(status),
			 "451 4.3.0 Local error in processing");
	buf_free(&out);
}
END_TEST

START_TEST(test_sink_quiet_after_error)
{
	static const char in[] = "ok\r\nbad\nmore text\r\nand more\r\n.\r\n";
	struct result res;

	check_splits(in, sizeof(in) - 1, NULL, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_BARE_LF);
	ck_assert_uint_eq(res.out.len, 7);
	ck_assert_mem_eq(res.out.data, "ok\r\nbad", 7);
	buf_free(&res.out);
}
END_TEST

START_TEST(test_buf_sink)
{
	static const char in[] = "abc\r\n.\r\n";
	struct smtp_data_reader r;
	struct buf out;
	size_t used;

	buf_init(&out, 0);
	smtp_data_init(&r, NULL, smtp_data_sink_buf, &out);
	ck_assert_int_eq(smtp_data_feed(&r, in, sizeof(in) - 1, &used),
			 SMTP_DATA_DONE);
	ck_assert_str_eq(out.data, "abc\r\n");
	buf_free(&out);

	/* a buffer maximum makes the sink fail */
	buf_init(&out, 3);
	smtp_data_init(&r, NULL, smtp_data_sink_buf, &out);
	ck_assert_int_eq(smtp_data_feed(&r, in, sizeof(in) - 1, &used),
			 SMTP_DATA_SINK_FAILED);
	ck_assert_uint_eq(used, sizeof(in) - 1);
	buf_free(&out);
}
END_TEST

START_TEST(test_default_limits)
{
	struct pool *pool = pool_new("t", 4096);
	struct smtp_data_limits zero = { 0, 0 };
	struct result res;
	char *in;

	in = line_msg(pool, "", 999);
	check_splits(in, strlen(in), &zero, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_LINE_TOO_LONG);
	buf_free(&res.out);
	in = line_msg(pool, "", 998);
	check_splits(in, strlen(in), &zero, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	buf_free(&res.out);
	pool_destroy(&pool);
}
END_TEST

START_TEST(test_status_replies)
{
	ck_assert_str_eq(smtp_data_status_reply(SMTP_DATA_DONE),
			 "250 2.0.0 Ok");
	ck_assert(strncmp(smtp_data_status_reply(SMTP_DATA_TOO_BIG),
			  "552 5.3.4 ", 10) == 0);
	ck_assert(strncmp(smtp_data_status_reply(SMTP_DATA_BARE_LF),
			  "554 5.6.0 ", 10) == 0);
	ck_assert(strncmp(smtp_data_status_reply(SMTP_DATA_BARE_CR),
			  "554 5.6.0 ", 10) == 0);
	ck_assert(strncmp(smtp_data_status_reply(SMTP_DATA_NUL),
			  "554 5.6.0 ", 10) == 0);
	ck_assert(strncmp(smtp_data_status_reply(SMTP_DATA_LINE_TOO_LONG),
			  "550 5.6.0 ", 10) == 0);
	ck_assert(strncmp(smtp_data_status_reply(SMTP_DATA_MORE),
			  "451 ", 4) == 0);
}
END_TEST

/* ==== pseudo-random messages =========================================== */

/*
 * reference - the end of data and output worked out the slow way: the
 * end is the first CRLF "." CRLF of CRLF + input; lines are split on
 * CRLF and lose one leading dot. Only for inputs without bare CR/LF/NUL.
 */
static size_t reference(const char *in, size_t len, struct buf *out)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (i == start && len - i >= 3 &&
		    memcmp(in + i, ".\r\n", 3) == 0)
			return i + 3;
		if (in[i] == '\n' && i > 0 && in[i - 1] == '\r') {
			size_t s = start + (in[start] == '.' ? 1 : 0);

			ck_assert_int_eq(buf_append(out, in + s, i + 1 - s), 0);
			start = i + 1;
		}
	}
	return 0;
}

/* test_random_messages_one - one seed */
static void test_random_messages_one(int row)
{
	static const char alphabet[] = "ab.\r\n..  .\r\n\r\n.x";
	unsigned int seed = 1000 + (unsigned int)row;
	char in[2000];
	size_t n, i, end;
	struct buf ref;
	struct result res;

	/* a random text of CRLF lines, many starting with dots */
	n = 0;
	while (n < sizeof(in) - 8) {
		char c = alphabet[next_rand(&seed) % (sizeof(alphabet) - 1)];

		if (c == '\r' || c == '\n') {
			in[n++] = '\r';
			in[n++] = '\n';
		} else {
			in[n++] = c;
		}
	}
	memcpy(in + n, "\r\n.\r\n", 5);
	n += 5;
	for (i = 0; i < n; i++)	/* CR only in CRLF, LF only after CR */
		ck_assert(in[i] != '\r' || in[i + 1] == '\n');

	buf_init(&ref, 0);
	end = reference(in, n, &ref);
	ck_assert_uint_gt(end, 0);
	check_splits(in, n, NULL, &res);
	ck_assert_int_eq(res.status, SMTP_DATA_DONE);
	ck_assert_uint_eq(res.consumed, end);
	ck_assert_uint_eq(res.out.len, ref.len);
	if (ref.len > 0)
		ck_assert_mem_eq(res.out.data, ref.data, ref.len);
	buf_free(&ref);
	buf_free(&res.out);
}

START_TEST(test_random_messages)
{
	int i;

	for (i = 0; i < 30; i++)
		test_random_messages_one(i);
}
END_TEST

/* test_random_garbage_consistent_one - one seed */
static void test_random_garbage_consistent_one(int row)
{
	static const char alphabet[] = "\r\n.\0ab";
	unsigned int seed = 77 + (unsigned int)row;
	char in[600];
	size_t i;
	struct result res;
	struct smtp_data_limits lim = { 12, 200 };

	for (i = 0; i < sizeof(in); i++)
		in[i] = alphabet[next_rand(&seed) % 6];
	check_splits(in, sizeof(in), &lim, &res);
	if (res.status != SMTP_DATA_MORE) {
		/* it ended at a real CR LF "." CR LF (or ".\r\n" at 0) */
		ck_assert_uint_ge(res.consumed, 3);
		ck_assert_mem_eq(in + res.consumed - 3, ".\r\n", 3);
		ck_assert(res.consumed == 3 ||
			  memcmp(in + res.consumed - 5, "\r\n", 2) == 0);
	}
	ck_assert_uint_le(res.out.len, 200);
	buf_free(&res.out);
}

START_TEST(test_random_garbage_consistent)
{
	int i;

	for (i = 0; i < 30; i++)
		test_random_garbage_consistent_one(i);
}
END_TEST

Suite *smtp_data_suite(void)
{
	Suite *s = suite_create("smtp-data");
	TCase *tc;

	tc = tcase_create("messages");
	tcase_add_test(tc, test_simple_message);
	tcase_add_test(tc, test_empty_message);
	tcase_add_test(tc, test_dot_unstuffing);
	tcase_add_test(tc, test_dots_inside_lines);
	tcase_add_test(tc, test_pipelined_bytes_untouched);
	tcase_add_test(tc, test_crlf_split_everywhere);
	tcase_add_test(tc, test_eight_bit_passes);
	tcase_add_test(tc, test_incomplete_is_more);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_line_998_ok);
	tcase_add_test(tc, test_line_999_too_long);
	tcase_add_test(tc, test_line_stuffed_dot_not_counted);
	tcase_add_test(tc, test_line_limit_custom);
	tcase_add_test(tc, test_line_limit_smallest);
	tcase_add_test(tc, test_long_lines_many);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_size_counts_unstuffed);
	tcase_add_test(tc, test_size_empty_message_limit);
	tcase_add_test(tc, test_octets_counter);
	tcase_add_test(tc, test_default_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_bad_octets);
	tcase_add_test(tc, test_first_error_line_vs_octet);
	tcase_add_test(tc, test_first_error_size_vs_octet);
	tcase_add_test(tc, test_smuggling);
	tcase_add_test(tc, test_smuggling_at_start);
	tcase_add_test(tc, test_smuggling_never_done_early);
	tcase_add_test(tc, test_sink_failure);
	tcase_add_test(tc, test_sink_quiet_after_error);
	tcase_add_test(tc, test_buf_sink);
	tcase_add_test(tc, test_status_replies);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_add_test(tc, test_random_messages);
	tcase_add_test(tc, test_random_garbage_consistent);
	suite_add_tcase(s, tc);
	return s;
}
