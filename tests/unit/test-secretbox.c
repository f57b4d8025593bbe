/*
 * test-secretbox.c - Check suite for lib/secretbox.c.
 *
 * A sealed secret comes back byte for byte (also an empty one, one with
 * a NUL in it and the longest allowed); the box holds no copy of it and
 * two seals of the same secret differ; a box opens only under the
 * context and subkey id it was sealed for and with the key file it was
 * sealed under; a changed digit, a truncated or non-hex box, a missing or
 * malformed key file, a bad context and a too long secret are refused.
 * Each test works in a fresh temporary directory with its own key file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "pool.h"
#include "secretbox.h"
#include "token.h"

Suite *secretbox_suite(void);

static char tmpdir[64];
static char keyfile[128];
static struct pool *pool;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* setup - fixture: a directory with a key file, and a pool */
static void setup(void)
{
	token_init();
	strcpy(tmpdir, "/tmp/mh-box-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(keyfile, sizeof(keyfile), "%s/secret-key", tmpdir);
	write_file(keyfile, "00112233445566778899aabbccddeeff"
		   "00112233445566778899aabbccddeeff\n");
	pool = pool_new("test-secretbox", 4096);
}

static void teardown(void)
{
	pool_destroy(&pool);
	unlink(keyfile);
	rmdir(tmpdir);
}

/* seal - a box of s (length len) or the test fails */
static const char *seal(const char *ctx, uint64_t id, const char *s,
			size_t len)
{
	const char *box = NULL, *error = NULL;

	ck_assert_msg(secretbox_seal(pool, keyfile, ctx, id, s, len, &box,
				     &error) == 0, "seal: %s", error);
	ck_assert(token_is_hex(box, strlen(box)));
	return box;
}

START_TEST(test_roundtrip)
{
	static const char pw[] = "pässwörd with spaces";
	char *back = NULL;
	size_t len = 0;
	const char *error = NULL;
	const char *box = seal(SECRETBOX_CTX_POP, 42, pw, strlen(pw));
	char hex[sizeof(pw) * 2 + 1];

	ck_assert_uint_eq(strlen(box), (24 + 16 + strlen(pw)) * 2);
	hex_encode(pw, strlen(pw), hex);
	ck_assert_ptr_null(strstr(box, hex));	/* no copy inside */
	ck_assert_ptr_null(strstr(box, "pässwörd"));
	ck_assert_int_eq(secretbox_open(pool, keyfile, SECRETBOX_CTX_POP, 42,
					box, &back, &len, &error), 0);
	ck_assert_uint_eq(len, strlen(pw));
	ck_assert_str_eq(back, pw);
}
END_TEST

START_TEST(test_empty_nul_and_longest)
{
	char big[SECRETBOX_SECRET_MAX + 1], *back;
	const char *box, *error = NULL;
	size_t len;

	box = seal("mhtest01", 1, "", 0);
	ck_assert_int_eq(secretbox_open(pool, keyfile, "mhtest01", 1, box,
					&back, &len, &error), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(back, "");
	box = seal("mhtest01", 1, "a\0b", 3);
	ck_assert_int_eq(secretbox_open(pool, keyfile, "mhtest01", 1, box,
					&back, &len, &error), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(back, "a\0b", 3);
	memset(big, 'x', sizeof(big));
	box = seal("mhtest01", 1, big, SECRETBOX_SECRET_MAX);
	ck_assert_int_eq(secretbox_open(pool, keyfile, "mhtest01", 1, box,
					&back, &len, &error), 0);
	ck_assert_uint_eq(len, SECRETBOX_SECRET_MAX);
	ck_assert_int_eq(secretbox_seal(pool, keyfile, "mhtest01", 1, big,
					sizeof(big), &box, &error), -1);
	ck_assert_str_eq(error, "secret too long");
}
END_TEST

START_TEST(test_two_seals_differ)
{
	const char *a = seal(SECRETBOX_CTX_POP, 7, "same", 4);
	const char *b = seal(SECRETBOX_CTX_POP, 7, "same", 4);

	ck_assert_str_ne(a, b);		/* a fresh nonce each time */
}
END_TEST

START_TEST(test_other_owner_context_or_key_refused)
{
	const char *box = seal(SECRETBOX_CTX_POP, 5, "secret", 6);
	const char *error = NULL;
	char *back = NULL;
	size_t len = 0;

	ck_assert_int_eq(secretbox_open(pool, keyfile, SECRETBOX_CTX_POP, 6,
					box, &back, &len, &error), -1);
	ck_assert_ptr_null(back);
	ck_assert_ptr_nonnull(error);
	ck_assert_int_eq(secretbox_open(pool, keyfile, "mhother1", 5, box,
					&back, &len, &error), -1);
	/* contexts must be exactly eight characters */
	ck_assert_int_eq(secretbox_open(pool, keyfile, "short", 5, box,
					&back, &len, &error), -1);
	ck_assert_int_eq(secretbox_seal(pool, keyfile, "much too long", 5,
					"x", 1, &box, &error), -1);
	/* another key: the file replaced */
	write_file(keyfile, "ffeeddccbbaa99887766554433221100"
		   "ffeeddccbbaa99887766554433221100\n");
	ck_assert_int_eq(secretbox_open(pool, keyfile, SECRETBOX_CTX_POP, 5,
					box, &back, &len, &error), -1);
	ck_assert_ptr_null(back);
}
END_TEST

START_TEST(test_tampered_or_malformed_box_refused)
{
	const char *box = seal(SECRETBOX_CTX_POP, 9, "tamper me", 9);
	const char *error = NULL;
	char *bad, *back = NULL;
	size_t n = strlen(box), len;

	bad = malloc(n + 1);
	ck_assert_ptr_nonnull(bad);
	for (size_t i = 0; i < n; i += 7) {
		strcpy(bad, box);
		bad[i] = bad[i] == '0' ? '1' : '0';
		ck_assert_int_eq(secretbox_open(pool, keyfile,
						SECRETBOX_CTX_POP, 9, bad,
						&back, &len, &error), -1);
	}
	strcpy(bad, box);
	bad[n - 2] = '\0';		/* one octet short */
	ck_assert_int_eq(secretbox_open(pool, keyfile, SECRETBOX_CTX_POP, 9,
					bad, &back, &len, &error), -1);
	bad[n - 3] = '\0';		/* odd length */
	ck_assert_int_eq(secretbox_open(pool, keyfile, SECRETBOX_CTX_POP, 9,
					bad, &back, &len, &error), -1);
	strcpy(bad, box);
	bad[5] = 'g';
	ck_assert_int_eq(secretbox_open(pool, keyfile, SECRETBOX_CTX_POP, 9,
					bad, &back, &len, &error), -1);
	ck_assert_str_eq(error, "malformed secret box");
	ck_assert_int_eq(secretbox_open(pool, keyfile, SECRETBOX_CTX_POP, 9,
					"", &back, &len, &error), -1);
	ck_assert_int_eq(secretbox_open(pool, keyfile, SECRETBOX_CTX_POP, 9,
					NULL, &back, &len, &error), -1);
	ck_assert_ptr_null(back);
	free(bad);
}
END_TEST

START_TEST(test_missing_or_bad_key_file)
{
	const char *box = seal(SECRETBOX_CTX_POP, 3, "pw", 2);
	const char *error = NULL, *out = NULL;
	char *back = NULL, other[160];
	size_t len;

	snprintf(other, sizeof(other), "%s/none", tmpdir);
	ck_assert_int_eq(secretbox_open(pool, other, SECRETBOX_CTX_POP, 3,
					box, &back, &len, &error), -1);
	ck_assert_str_eq(error, "the secret key file is missing");
	ck_assert_int_eq(secretbox_seal(pool, other, SECRETBOX_CTX_POP, 3,
					"pw", 2, &out, &error), -1);
	ck_assert_ptr_null(out);
	write_file(keyfile, "not a key\n");
	ck_assert_int_eq(secretbox_open(pool, keyfile, SECRETBOX_CTX_POP, 3,
					box, &back, &len, &error), -1);
	ck_assert_str_eq(error,
			 "the secret key file does not hold 64 hex digits");
	ck_assert_ptr_null(back);
}
END_TEST

Suite *secretbox_suite(void)
{
	Suite *s = suite_create("secretbox");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_empty_nul_and_longest);
	tcase_add_test(tc, test_two_seals_differ);
	tcase_add_test(tc, test_other_owner_context_or_key_refused);
	tcase_add_test(tc, test_tampered_or_malformed_box_refused);
	tcase_add_test(tc, test_missing_or_bad_key_file);
	suite_add_tcase(s, tc);
	return s;
}
