/*
 * test-pwhash.c - Check suite for lib/pwhash.c.
 *
 * Covers argon2id hashing and verification, the imported crypt(3) schemes
 * (hashes made here with libxcrypt so no fixed test vectors are needed),
 * the rehash signal, malformed and unknown hashes, empty and non-ASCII
 * passwords, and that pw_dummy_verify() costs about as much as a real
 * verification. Most tests use the smallest argon2id cost libsodium
 * accepts, set in a checked fixture (each test runs in its own process);
 * one test uses the built-in default cost.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <crypt.h>
#include <sodium.h>

#include "pwhash.h"

Suite *pwhash_suite(void);

#define SMALL_OPS 1
#define SMALL_MEM 8192

/* small_cost - fixture: cheapest argon2id cost, for speed */
static void small_cost(void)
{
	pw_set_params(SMALL_OPS, SMALL_MEM);
}

/* crypt_hash - a crypt(3) hash of password with a fresh salt for prefix */
static char *crypt_hash(const char *prefix, unsigned long count,
			const char *password)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *out;
	char *ret;

	ck_assert_ptr_nonnull(cd);
	ck_assert_ptr_nonnull(crypt_gensalt_rn(prefix, count, NULL, 0,
					       setting, sizeof(setting)));
	out = crypt_rn(password, setting, cd, (int)sizeof(*cd));
	ck_assert_ptr_nonnull(out);
	ck_assert_int_ne(out[0], '*');
	ret = strdup(out);
	ck_assert_ptr_nonnull(ret);
	free(cd);
	return ret;
}

/* default_cost - fixture: libsodium's interactive cost, the default */
static void default_cost(void)
{
	pw_set_params(crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
		      crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
}

/* elapsed - seconds between two CLOCK_MONOTONIC readings */
static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
		(double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

START_TEST(test_hash_verify)
{
	char *hash = NULL;
	bool rehash = true;

	ck_assert_int_eq(pw_hash("correct horse", &hash), 0);
	ck_assert_ptr_nonnull(hash);
	ck_assert_int_eq(pw_verify(hash, "correct horse", &rehash), 1);
	ck_assert(!rehash);
	free(hash);
}
END_TEST

START_TEST(test_wrong_password)
{
	char *hash = NULL;
	bool rehash = true;

	ck_assert_int_eq(pw_hash("correct horse", &hash), 0);
	ck_assert_int_eq(pw_verify(hash, "correct horsE", &rehash), 0);
	ck_assert_int_eq(pw_verify(hash, "", &rehash), 0);
	ck_assert_int_eq(pw_verify(hash, "correct horse ", &rehash), 0);
	free(hash);
}
END_TEST

START_TEST(test_phc_format)
{
	char *hash = NULL, *hash2 = NULL;

	ck_assert_int_eq(pw_hash("secret", &hash), 0);
	ck_assert_msg(strncmp(hash, "$argon2id$v=19$", 15) == 0,
		      "unexpected hash %s", hash);
	ck_assert_ptr_nonnull(strstr(hash, "m=8,t=1,p=1$"));
	/* fresh salt each time */
	ck_assert_int_eq(pw_hash("secret", &hash2), 0);
	ck_assert_str_ne(hash, hash2);
	free(hash);
	free(hash2);
}
END_TEST

START_TEST(test_default_cost)
{
	char *hash = NULL;
	bool rehash = true;

	ck_assert_int_eq(pw_hash("default cost", &hash), 0);
	ck_assert_ptr_nonnull(strstr(hash, "$m=65536,t=2,p=1$"));
	ck_assert_int_eq(pw_verify(hash, "default cost", &rehash), 1);
	ck_assert(!rehash);
	ck_assert_int_eq(pw_verify(hash, "Default cost", &rehash), 0);
	free(hash);
}
END_TEST

START_TEST(test_rehash_on_cost_change)
{
	char *hash = NULL;
	bool rehash = false;

	ck_assert_int_eq(pw_hash("secret", &hash), 0);
	pw_set_params(SMALL_OPS + 1, SMALL_MEM);
	ck_assert_int_eq(pw_verify(hash, "secret", &rehash), 1);
	ck_assert(rehash);
	/* NULL out-parameter is allowed */
	ck_assert_int_eq(pw_verify(hash, "secret", NULL), 1);
	free(hash);
}
END_TEST

START_TEST(test_crypt_schemes)
{
	static const struct {
		const char *prefix;
		unsigned long count;
	} schemes[] = {
		{ "$6$", 0 },
		{ "$y$", 0 },
		{ "$2b$", 4 },
		{ "$2y$", 4 },
	};

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		char *hash = crypt_hash(schemes[i].prefix, schemes[i].count,
					"imported pass");
		bool rehash = false;

		ck_assert_msg(strncmp(hash, schemes[i].prefix,
				      strlen(schemes[i].prefix)) == 0,
			      "%s", hash);
		ck_assert_int_eq(pw_verify(hash, "imported pass", &rehash), 1);
		ck_assert_msg(rehash, "%s should need a rehash",
			      schemes[i].prefix);
		rehash = false;
		ck_assert_int_eq(pw_verify(hash, "imported Pass", &rehash), 0);
		ck_assert(!rehash);
		free(hash);
	}
}
END_TEST

START_TEST(test_bcrypt_2a)
{
	char *hash = crypt_hash("$2b$", 4, "old bcrypt");
	bool rehash = false;

	/* $2a$ hashes of ASCII passwords equal their $2b$ twins */
	hash[2] = 'a';
	ck_assert_int_eq(pw_verify(hash, "old bcrypt", &rehash), 1);
	ck_assert(rehash);
	free(hash);
}
END_TEST

START_TEST(test_argon2i_import)
{
	char hash[crypto_pwhash_argon2i_STRBYTES];
	bool rehash = false;

	ck_assert_int_eq(sodium_init() >= 0, 1);
	ck_assert_int_eq(crypto_pwhash_argon2i_str(hash, "dovecot", 7, 3,
						   SMALL_MEM), 0);
	ck_assert_int_eq(pw_verify(hash, "dovecot", &rehash), 1);
	ck_assert(rehash);
	ck_assert_int_eq(pw_verify(hash, "Dovecot", &rehash), 0);
}
END_TEST

START_TEST(test_malformed)
{
	char *good = NULL, *cut;
	char *sha = crypt_hash("$6$", 0, "x");
	bool rehash = true;

	ck_assert_int_eq(pw_verify("", "x", &rehash), -1);
	ck_assert(!rehash);
	ck_assert_int_eq(pw_verify("x", "x", &rehash), -1);
	ck_assert_int_eq(pw_verify("{PLAIN}x", "x", &rehash), -1);
	ck_assert_int_eq(pw_verify("$1$abcdefgh$0123456789012345678901",
				   "x", &rehash), -1);	/* MD5-CRYPT */
	ck_assert_int_eq(pw_verify("$argon2id$garbage", "x", &rehash), -1);
	ck_assert_int_eq(pw_verify("$argon2i$", "x", &rehash), -1);
	ck_assert_int_eq(pw_verify("$2b$10$tooshort", "x", &rehash), -1);
	ck_assert_int_eq(pw_verify("$y$", "x", &rehash), -1);

	/* a truncated argon2id hash */
	ck_assert_int_eq(pw_hash("x", &good), 0);
	cut = strdup(good);
	ck_assert_ptr_nonnull(cut);
	cut[strlen(cut) - 10] = '\0';
	ck_assert_int_eq(pw_verify(cut, "x", &rehash), -1);
	free(cut);

	/* a truncated SHA512-CRYPT hash */
	sha[strlen(sha) - 5] = '\0';
	ck_assert_int_eq(pw_verify(sha, "x", &rehash), -1);
	ck_assert(!rehash);
	free(sha);
	free(good);
}
END_TEST

START_TEST(test_empty_password)
{
	char *hash = NULL, *sha;

	ck_assert_int_eq(pw_hash("", &hash), 0);
	ck_assert_int_eq(pw_verify(hash, "", NULL), 1);
	ck_assert_int_eq(pw_verify(hash, " ", NULL), 0);
	free(hash);
	sha = crypt_hash("$6$", 0, "");
	ck_assert_int_eq(pw_verify(sha, "", NULL), 1);
	ck_assert_int_eq(pw_verify(sha, "a", NULL), 0);
	free(sha);
}
END_TEST

START_TEST(test_non_ascii_password)
{
	const char *pw = "\xe5\xaf\x86\xe7\xa0\x81\xe6\xb5\x8b\xe8\xaf\x95"
		"-\xe9\x82\xae\xe4\xbb\xb6";	/* "password test - mail" */
	const char *other = "\xe5\xaf\x86\xe7\xa0\x81\xe6\xb5\x8b\xe8\xaf\x95"
		"-\xe9\x82\xae\xe7\xae\xb1";	/* last character differs */
	char *hash = NULL, *yes;

	ck_assert_int_eq(pw_hash(pw, &hash), 0);
	ck_assert_int_eq(pw_verify(hash, pw, NULL), 1);
	ck_assert_int_eq(pw_verify(hash, other, NULL), 0);
	free(hash);
	yes = crypt_hash("$y$", 0, pw);
	ck_assert_int_eq(pw_verify(yes, pw, NULL), 1);
	ck_assert_int_eq(pw_verify(yes, other, NULL), 0);
	free(yes);
}
END_TEST

START_TEST(test_dummy_timing)
{
	struct timespec t0, t1, t2;
	char *hash = NULL;
	double real, dummy, ratio;
	const int rounds = 5;

	/* enough memory that the work dominates the noise */
	pw_set_params(1, 4 * 1024 * 1024);
	ck_assert_int_eq(pw_hash("timing", &hash), 0);
	pw_dummy_verify("warm-up");	/* makes the dummy hash once */

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < rounds; i++)
		ck_assert_int_eq(pw_verify(hash, "wrong", NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int i = 0; i < rounds; i++)
		pw_dummy_verify("wrong");
	clock_gettime(CLOCK_MONOTONIC, &t2);
	real = elapsed(&t0, &t1);
	dummy = elapsed(&t1, &t2);
	ck_assert(real > 0);
	ratio = dummy / real;
	ck_assert_msg(ratio > 0.3 && ratio < 3.0,
		      "dummy %.4fs vs verify %.4fs (ratio %.2f)", dummy, real,
		      ratio);
	free(hash);
}
END_TEST

/* pwhash_suite - the suite, called by the unit test runner */
Suite *pwhash_suite(void)
{
	Suite *s = suite_create("pwhash");
	TCase *tc = tcase_create("small cost");
	TCase *tc_def = tcase_create("default cost");

	tcase_add_checked_fixture(tc, small_cost, NULL);
	tcase_add_test(tc, test_hash_verify);
	tcase_add_test(tc, test_wrong_password);
	tcase_add_test(tc, test_phc_format);
	tcase_add_test(tc, test_rehash_on_cost_change);
	tcase_add_test(tc, test_crypt_schemes);
	tcase_add_test(tc, test_bcrypt_2a);
	tcase_add_test(tc, test_argon2i_import);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_empty_password);
	tcase_add_test(tc, test_non_ascii_password);
	tcase_add_test(tc, test_dummy_timing);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tc_def, default_cost, NULL);
	tcase_add_test(tc_def, test_default_cost);
	suite_add_tcase(s, tc_def);
	return s;
}
