/*
 * test-sso-secret.c - Check suite for lib/sso-secret.c and the password
 * policy helpers of lib/accounts.c.
 *
 * Sealing and opening: the secret comes back byte for byte; the box holds
 * no copy of it; a box opens only for the domain it was sealed for and
 * with the key it was sealed under; a changed byte, a short or non-hex
 * box and a missing or malformed key file are refused. Lazy creation:
 * the key file appears with mode 0600 and 64 hex digits, only when asked
 * for, and a second seal uses the same key. Each test works in a fresh
 * temporary directory.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "accounts.h"
#include "sso-secret.h"
#include "token.h"

Suite *sso_secret_suite(void);

static char tmpdir[64];
static char keyfile[128];

/* fresh_dir - fixture: an empty directory; the key file's place in it */
static void fresh_dir(void)
{
	strcpy(tmpdir, "/tmp/mh-sso-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(keyfile, sizeof(keyfile), "%s/secrets/secret-key", tmpdir);
}

static void remove_dir(void)
{
	char path[160];

	unlink(keyfile);
	snprintf(path, sizeof(path), "%s/secrets", tmpdir);
	rmdir(path);
	rmdir(tmpdir);
}

/* write_file - path holds text */
static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_seal_open_roundtrip)
{
	unsigned char secret[SSO_SECRET_BYTES], back[SSO_SECRET_BYTES];
	char box[SSO_SECRET_BOX_HEX + 1], hex[SSO_SECRET_BYTES * 2 + 1];
	const char *error = NULL;

	randombytes_buf(secret, sizeof(secret));
	ck_assert_int_eq(sso_secret_seal(keyfile, true, 42, secret, box,
					 &error), 0);
	ck_assert_uint_eq(strlen(box), SSO_SECRET_BOX_HEX);
	ck_assert(token_is_hex(box, SSO_SECRET_BOX_HEX));
	/* the box holds no copy of the secret */
	hex_encode(secret, sizeof(secret), hex);
	ck_assert_ptr_null(strstr(box, hex));
	ck_assert_int_eq(sso_secret_open(keyfile, 42, box, back, &error), 0);
	ck_assert_mem_eq(back, secret, sizeof(secret));
}
END_TEST

START_TEST(test_two_seals_differ)
{
	unsigned char secret[SSO_SECRET_BYTES], back[SSO_SECRET_BYTES];
	char a[SSO_SECRET_BOX_HEX + 1], b[SSO_SECRET_BOX_HEX + 1];
	const char *error = NULL;

	memset(secret, 7, sizeof(secret));
	ck_assert_int_eq(sso_secret_seal(keyfile, true, 1, secret, a,
					 &error), 0);
	ck_assert_int_eq(sso_secret_seal(keyfile, true, 1, secret, b,
					 &error), 0);
	ck_assert_str_ne(a, b);		/* a fresh nonce each time */
	ck_assert_int_eq(sso_secret_open(keyfile, 1, b, back, &error), 0);
	ck_assert_mem_eq(back, secret, sizeof(secret));
}
END_TEST

START_TEST(test_other_domain_or_key_refused)
{
	unsigned char secret[SSO_SECRET_BYTES], back[SSO_SECRET_BYTES];
	char box[SSO_SECRET_BOX_HEX + 1];
	const char *error = NULL;

	randombytes_buf(secret, sizeof(secret));
	ck_assert_int_eq(sso_secret_seal(keyfile, true, 5, secret, box,
					 &error), 0);
	memset(back, 0xaa, sizeof(back));
	ck_assert_int_eq(sso_secret_open(keyfile, 6, box, back, &error), -1);
	ck_assert_ptr_nonnull(error);
	/* nothing of the secret is handed out on failure */
	for (size_t i = 0; i < sizeof(back); i++)
		ck_assert_uint_eq(back[i], 0);
	ck_assert_int_eq(sso_secret_open(keyfile, 0, box, back, &error), -1);
	/* another key: the file replaced */
	write_file(keyfile, "0123456789abcdef0123456789abcdef"
		   "0123456789abcdef0123456789abcdef\n");
	ck_assert_int_eq(sso_secret_open(keyfile, 5, box, back, &error), -1);
}
END_TEST

START_TEST(test_tampered_or_malformed_box_refused)
{
	unsigned char secret[SSO_SECRET_BYTES], back[SSO_SECRET_BYTES];
	char box[SSO_SECRET_BOX_HEX + 1], bad[SSO_SECRET_BOX_HEX + 1];
	const char *error = NULL;

	randombytes_buf(secret, sizeof(secret));
	ck_assert_int_eq(sso_secret_seal(keyfile, true, 9, secret, box,
					 &error), 0);
	for (size_t i = 0; i < SSO_SECRET_BOX_HEX; i += 17) {
		strcpy(bad, box);
		bad[i] = bad[i] == '0' ? '1' : '0';
		ck_assert_int_eq(sso_secret_open(keyfile, 9, bad, back,
						 &error), -1);
	}
	strcpy(bad, box);
	bad[SSO_SECRET_BOX_HEX - 2] = '\0';
	ck_assert_int_eq(sso_secret_open(keyfile, 9, bad, back, &error), -1);
	strcpy(bad, box);
	bad[3] = 'g';
	ck_assert_int_eq(sso_secret_open(keyfile, 9, bad, back, &error), -1);
	ck_assert_int_eq(sso_secret_open(keyfile, 9, "", back, &error), -1);
	ck_assert_int_eq(sso_secret_open(keyfile, 9, NULL, back, &error), -1);
}
END_TEST

START_TEST(test_key_file_made_once_0600)
{
	unsigned char secret[SSO_SECRET_BYTES], back[SSO_SECRET_BYTES];
	char box[SSO_SECRET_BOX_HEX + 1], other[SSO_SECRET_BOX_HEX + 1];
	char text[80];
	const char *error = NULL;
	struct stat st;
	FILE *f;

	memset(secret, 1, sizeof(secret));
	/* not made unless asked for */
	ck_assert_int_eq(sso_secret_seal(keyfile, false, 3, secret, box,
					 &error), -1);
	ck_assert_int_eq(stat(keyfile, &st), -1);
	ck_assert_int_eq(sso_secret_seal(keyfile, true, 3, secret, box,
					 &error), 0);
	ck_assert_int_eq(stat(keyfile, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	f = fopen(keyfile, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
	fclose(f);
	ck_assert_uint_eq(strlen(text), 65);
	text[64] = '\0';
	ck_assert(token_is_hex(text, 64));
	/* the next seal keeps the key: the first box still opens */
	ck_assert_int_eq(sso_secret_seal(keyfile, true, 3, secret, other,
					 &error), 0);
	ck_assert_int_eq(sso_secret_open(keyfile, 3, box, back, &error), 0);
	ck_assert_mem_eq(back, secret, sizeof(secret));
}
END_TEST

START_TEST(test_missing_or_bad_key_file)
{
	unsigned char secret[SSO_SECRET_BYTES], back[SSO_SECRET_BYTES];
	char box[SSO_SECRET_BOX_HEX + 1];
	const char *error = NULL;

	memset(secret, 2, sizeof(secret));
	ck_assert_int_eq(sso_secret_seal(keyfile, true, 4, secret, box,
					 &error), 0);
	unlink(keyfile);
	/* opening never makes a key */
	ck_assert_int_eq(sso_secret_open(keyfile, 4, box, back, &error), -1);
	ck_assert_str_eq(error, "the secret key file is missing");
	ck_assert_int_eq(access(keyfile, F_OK), -1);
	write_file(keyfile, "not a key\n");
	ck_assert_int_eq(sso_secret_seal(keyfile, true, 4, secret, box,
					 &error), -1);
	write_file(keyfile, "0123456789abcdef0123456789abcdef"
		   "0123456789abcdef0123456789abcde\n");	/* 63 digits */
	ck_assert_int_eq(sso_secret_seal(keyfile, true, 4, secret, box,
					 &error), -1);
}
END_TEST

START_TEST(test_password_policy)
{
	struct acct_pw_policy none = { 0, 0 };
	struct acct_pw_policy p = { 12, ACCT_PW_UPPER | ACCT_PW_DIGIT |
				    ACCT_PW_SYMBOL };
	char gen[32];

	ck_assert_uint_eq(acct_pw_refused(&none, ""), 0);
	ck_assert_uint_eq(acct_pw_classes("aZ9!"), ACCT_PW_LOWER |
			  ACCT_PW_UPPER | ACCT_PW_DIGIT | ACCT_PW_SYMBOL);
	ck_assert_uint_eq(acct_pw_classes("密码"), ACCT_PW_SYMBOL);
	ck_assert_uint_eq(acct_pw_refused(&p, "Short-1"), ACCT_PW_SHORT);
	ck_assert_uint_eq(acct_pw_refused(&p, "alllowercase-1"),
			  ACCT_PW_UPPER);
	ck_assert_uint_eq(acct_pw_refused(&p, "NoDigitsHere-x"),
			  ACCT_PW_DIGIT);
	ck_assert_uint_eq(acct_pw_refused(&p, "NoSymbols1234"),
			  ACCT_PW_SYMBOL);
	ck_assert_uint_eq(acct_pw_refused(&p, "Good-enough-12"), 0);
	/* characters, not bytes */
	p.classes = 0;
	ck_assert_uint_eq(acct_pw_refused(&p, "密码密码密码密码密码密"),
			  ACCT_PW_SHORT);
	ck_assert_uint_eq(acct_pw_refused(&p, "密码密码密码密码密码密码"), 0);
	/* made-up passwords meet every class asked for */
	p.min_chars = 16;
	p.classes = ACCT_PW_LOWER | ACCT_PW_UPPER | ACCT_PW_DIGIT |
		ACCT_PW_SYMBOL;
	for (int i = 0; i < 200; i++) {
		acct_pw_generate(&p, gen, 16);
		ck_assert_uint_eq(strlen(gen), 16);
		ck_assert_uint_eq(acct_pw_refused(&p, gen), 0);
	}
}
END_TEST

Suite *sso_secret_suite(void)
{
	Suite *s = suite_create("sso_secret");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, fresh_dir, remove_dir);
	tcase_add_test(tc, test_seal_open_roundtrip);
	tcase_add_test(tc, test_two_seals_differ);
	tcase_add_test(tc, test_other_domain_or_key_refused);
	tcase_add_test(tc, test_tampered_or_malformed_box_refused);
	tcase_add_test(tc, test_key_file_made_once_0600);
	tcase_add_test(tc, test_missing_or_bad_key_file);
	tcase_add_test(tc, test_password_policy);
	suite_add_tcase(s, tc);
	return s;
}
