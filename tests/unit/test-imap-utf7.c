/*
 * test-imap-utf7.c - modified UTF-7 mailbox names (backend/imapd/
 * imap-utf7.c).
 *
 * The pairs were computed independently (UTF-16BE, base64 with "," for
 * "/", no padding); the RFC 3501 5.1.3 example is among them. Besides the
 * tables, every BMP code point and a sample of the others go through
 * both directions, and every short base64 run is checked for the
 * canonical property: whatever decodes, encodes back to the same octets.
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "pool.h"
#include "imap-utf7.h"
#include "suites.h"

Suite *imap_utf7_suite(void);

#define N_ROWS(rows) (sizeof(rows) / sizeof((rows)[0]))

/* CHECK - assertion for hot loops (ck_assert reports every call) */
#define CHECK(expr) do { \
	if (!(expr)) \
		ck_abort_msg("%s:%d: check failed: %s", __FILE__, __LINE__, \
			     #expr); \
} while (0)

static struct pool *pool;

static void setup(void)
{
	pool = pool_new("test-imap-utf7", 4096);
}

static void teardown(void)
{
	pool_destroy(&pool);
}

/* ==== round trips ====================================================== */

static const struct {
	const char *utf8;
	const char *utf7;
} pair_rows[] = {
	{ "", "" },
	{ "INBOX", "INBOX" },
	{ "Sent Items", "Sent Items" },
	{ " !\"#$%'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~",
	  " !\"#$%'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~" },
	{ "&", "&-" },
	{ "&&", "&-&-" },
	{ "a&b", "a&-b" },
	{ "-", "-" },
	{ "&-", "&--" },
	{ "\xe6\x94\xb6\xe4\xbb\xb6\xe7\xae\xb1", "&ZTZO9nux-" },
	{ "\xe9\xa1\xb9\xe7\x9b\xae", "&mHl27g-" },
	{ "\xe6\x94\xb6\xe4\xbb\xb6\xe7\xae\xb1/\xe9\xa1\xb9\xe7\x9b\xae",
	  "&ZTZO9nux-/&mHl27g-" },
	/* RFC 3501 section 5.1.3 */
	{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	  "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae"
	  "\xe5\x8f\x97\xe4\xbf\xa1\xe7\xae\xb1", "&ZeVnLIqeMG5T10,he7E-" },
	{ "Entw\xc3\xbcrfe", "Entw&APw-rfe" },
	{ "\xc3\x84", "&AMQ-" },
	{ "\xe2\x82\xacuro", "&IKw-uro" },
	{ "\xe6\x94\xb6&\xe4\xbb\xb6", "&ZTY-&-&TvY-" },
	/* surrogate pairs */
	{ "\xf0\x9f\x98\x80", "&2D3eAA-" },
	{ "\xc3\xa9\xf0\x9f\x98\x80x", "&AOnYPd4A-x" },
	{ "\xf4\x8f\xbf\xbf", "&2,,f,w-" },
	{ "\xef\xbf\xbf", "&,,8-" },
	/* controls are not printable: encoded */
	{ "\x01", "&AAE-" },
	{ "\x7f", "&AH8-" },
	{ "a\tb", "a&AAk-b" },
};

/* test_pairs_row - one row of pair_rows[], both ways */
static void test_pairs_row(int i)
{
	const char *out, *error = NULL;

	ck_assert_msg(imap_utf8_to_utf7(pool, pair_rows[i].utf8,
					strlen(pair_rows[i].utf8), &out,
					&error) == 0, "row %d: %s", i, error);
	ck_assert_str_eq(out, pair_rows[i].utf7);
	ck_assert_msg(imap_utf7_to_utf8(pool, pair_rows[i].utf7,
					strlen(pair_rows[i].utf7), &out,
					&error) == 0, "row %d: %s", i, error);
	ck_assert_str_eq(out, pair_rows[i].utf8);
	ck_assert(imap_utf7_valid(pair_rows[i].utf7,
				  strlen(pair_rows[i].utf7)));
}

START_TEST(test_pairs)
{
	size_t i;

	for (i = 0; i < N_ROWS(pair_rows); i++)
		test_pairs_row((int)i);
}
END_TEST

/* put_cp - UTF-8 of one code point into s; returns the length */
static size_t put_cp(char *s, unsigned int cp)
{
	if (cp < 0x80) {
		s[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		s[0] = (char)(0xc0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		s[0] = (char)(0xe0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	s[0] = (char)(0xf0 | (cp >> 18));
	s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	s[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* roundtrip - utf8 -> utf7 -> utf8 gives the input back */
static void roundtrip(struct pool *p, const char *in, size_t len)
{
	const char *u7, *u8, *error;

	CHECK(imap_utf8_to_utf7(p, in, len, &u7, &error) == 0);
	CHECK(imap_utf7_valid(u7, strlen(u7)));
	CHECK(imap_utf7_to_utf8(p, u7, strlen(u7), &u8, &error) == 0);
	CHECK(strlen(u8) == len && memcmp(u8, in, len) == 0);
}

START_TEST(test_every_code_point)
{
	struct pool *p = pool_new("cp", 65536);
	unsigned int cp;
	char s[16];
	size_t n;

	for (cp = 1; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp > 0xffff && cp % 61 != 0 && cp < 0x10fff0)
			continue;	/* a sample above the BMP */
		/* alone, and between two ASCII letters */
		n = put_cp(s + 1, cp);
		roundtrip(p, s + 1, n);
		s[0] = 'x';
		s[n + 1] = 'y';
		roundtrip(p, s, n + 2);
		if (cp % 4096 == 0)
			pool_clear(p);
	}
	pool_destroy(&p);
}
END_TEST

/* next_rand - small deterministic generator */
static unsigned int next_rand(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

START_TEST(test_random_strings)
{
	static const unsigned int cps[] = {
		'a', '&', '-', ' ', '~', 0x01, 0x7f, 0xe9, 0x6536, 0x9879,
		0xffff, 0x1f600, 0x10ffff, 0x10000, 0x800, 0x80,
	};
	unsigned int seed = 7, round, i, k;
	char s[200];
	size_t n;

	for (round = 0; round < 3000; round++) {
		n = 0;
		k = next_rand(&seed) % 40;
		for (i = 0; i < k; i++)
			n += put_cp(s + n, cps[next_rand(&seed) % N_ROWS(cps)]);
		roundtrip(pool, s, n);
	}
}
END_TEST

/* ==== strictness ======================================================= */

static const struct {
	const char *utf7;
	const char *error;
} bad_rows[] = {
	{ "&", "Unterminated encoded run" },
	{ "a&", "Unterminated encoded run" },
	{ "&ZTZO9nux", "Unterminated encoded run" },
	{ "&ZTZO9nux-&", "Unterminated encoded run" },
	{ "&Z-", "Empty encoded run" },
	{ "&ZT-", "Empty encoded run" },
	/* canonical form only */
	{ "&AGE-", "Printable ASCII must not be encoded" },
	{ "&ACY-", "Printable ASCII must not be encoded" },
	{ "&ACA-", "Printable ASCII must not be encoded" },
	{ "&AH4-", "Printable ASCII must not be encoded" },
	{ "&ZTZO9nux-&mHl27g-", "Two encoded runs back to back" },
	{ "&ZTY-&TvY-", "Two encoded runs back to back" },
	{ "&ZTZ-", "Non-zero or extra padding bits" },
	{ "&ZTZO9nuxA-", "Non-zero or extra padding bits" },
	{ "&ZTb-", "Non-zero or extra padding bits" },
	{ "&ZTZO9nuxAA-", "Non-zero or extra padding bits" },
	/* surrogates */
	{ "&2D0-", "Unpaired high surrogate" },
	{ "&2D3YPQ-", "Unpaired high surrogate" },
	{ "&2D0AYQ-", "Unpaired high surrogate" },
	{ "&3gA-", "Unpaired low surrogate" },
	{ "&3gDYPQ-", "Unpaired low surrogate" },
	{ "&AAA-", "Encoded NUL" },
	/* alphabet and octets */
	{ "&ZTZ/9nux-", "Invalid character in an encoded run" },
	{ "&ZTZO9nux=-", "Invalid character in an encoded run" },
	{ "&ZTZ O9nux-", "Invalid character in an encoded run" },
	{ "&&-", "Invalid character in an encoded run" },
	{ "caf\xc3\xa9", "Octet outside printable ASCII" },
	{ "a\tb", "Octet outside printable ASCII" },
	{ "a\x7f", "Octet outside printable ASCII" },
	{ "\xe6\x94\xb6", "Octet outside printable ASCII" },
};

/* test_bad_row - one row of bad_rows[] */
static void test_bad_row(int i)
{
	const char *out = "untouched", *error = NULL;

	ck_assert_msg(imap_utf7_to_utf8(pool, bad_rows[i].utf7,
					strlen(bad_rows[i].utf7), &out,
					&error) == -1, "accepted: %s",
		      bad_rows[i].utf7);
	ck_assert_str_eq(out, "untouched");
	ck_assert_str_eq(error, bad_rows[i].error);
	ck_assert(!imap_utf7_valid(bad_rows[i].utf7,
				   strlen(bad_rows[i].utf7)));
}

START_TEST(test_bad)
{
	size_t i;

	for (i = 0; i < N_ROWS(bad_rows); i++)
		test_bad_row((int)i);
}
END_TEST

START_TEST(test_nul_in_input)
{
	const char *out, *error;

	ck_assert_int_eq(imap_utf7_to_utf8(pool, "a\0b", 3, &out, &error),
			 -1);
	ck_assert_str_eq(error, "Octet outside printable ASCII");
	ck_assert_int_eq(imap_utf8_to_utf7(pool, "a\0b", 3, &out, &error),
			 -1);
	ck_assert_str_eq(error, "NUL in name");
}
END_TEST

static const char *const bad_utf8_rows[] = {
	"\xc3", "\xc3\x28", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
	"\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xff",
	"\x80", "ok\xe6\x94",
};

START_TEST(test_encode_bad_utf8)
{
	const char *out = "untouched", *error = NULL;
	size_t i;

	for (i = 0; i < N_ROWS(bad_utf8_rows); i++) {
		ck_assert_int_eq(imap_utf8_to_utf7(pool, bad_utf8_rows[i],
						   strlen(bad_utf8_rows[i]),
						   &out, &error), -1);
		ck_assert_str_eq(error, "Invalid UTF-8");
		ck_assert_str_eq(out, "untouched");
	}
}
END_TEST

/* check_canonical - if s decodes, it is what the encoder writes */
static void check_canonical(struct pool *p, const char *s, size_t len,
			    unsigned int *accepted)
{
	const char *u8, *u7, *error;

	if (imap_utf7_to_utf8(p, s, len, &u8, &error) < 0) {
		CHECK(!imap_utf7_valid(s, len));
		return;
	}
	(*accepted)++;
	CHECK(imap_utf7_valid(s, len));
	CHECK(imap_utf8_to_utf7(p, u8, strlen(u8), &u7, &error) == 0);
	CHECK(strlen(u7) == len && memcmp(u7, s, len) == 0);
}

START_TEST(test_canonical_exhaustive)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789+,";
	struct pool *p = pool_new("canon", 65536);
	unsigned int a, b, c, accepted = 0;
	char s[8];

	/* every run of 1 to 3 base64 characters: "&X-", "&XY-", "&XYZ-" */
	s[0] = '&';
	for (a = 0; a < 64; a++) {
		s[1] = b64[a];
		s[2] = '-';
		check_canonical(p, s, 3, &accepted);
		for (b = 0; b < 64; b++) {
			s[2] = b64[b];
			s[3] = '-';
			check_canonical(p, s, 4, &accepted);
			for (c = 0; c < 64; c++) {
				s[3] = b64[c];
				s[4] = '-';
				check_canonical(p, s, 5, &accepted);
			}
		}
		pool_clear(p);
	}
	/* 3 characters = 18 bits = one unit with 2 zero bits: 1/4 of the
	   64^3 runs minus printable ASCII, NUL and surrogates */
	ck_assert_uint_eq(accepted, 65536 - 95 - 1 - 2048);
	pool_destroy(&p);
}
END_TEST

START_TEST(test_output_in_pool)
{
	const char *out, *error;

	/* results live in the pool and are NUL-terminated */
	ck_assert_int_eq(imap_utf7_to_utf8(pool, "&ZTZO9nux-XYZ", 10, &out,
					   &error), 0);
	ck_assert_str_eq(out, "\xe6\x94\xb6\xe4\xbb\xb6\xe7\xae\xb1");
	ck_assert_int_eq(imap_utf8_to_utf7(pool, "a&bc", 3, &out, &error), 0);
	ck_assert_str_eq(out, "a&-b");
}
END_TEST

Suite *imap_utf7_suite(void)
{
	Suite *s = suite_create("imap-utf7");
	TCase *tc;

	tc = tcase_create("utf7");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pairs);
	tcase_add_test(tc, test_every_code_point);
	tcase_add_test(tc, test_random_strings);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_nul_in_input);
	tcase_add_test(tc, test_encode_bad_utf8);
	tcase_add_test(tc, test_canonical_exhaustive);
	tcase_add_test(tc, test_output_in_pool);
	suite_add_tcase(s, tc);
	return s;
}
