/* test-token.c - random tokens, hex, SHA-256, constant-time compare */
#include "config.h"

#include <string.h>

#include "suites.h"
#include "token.h"

START_TEST(test_token_hex_random)
{
	char a[TOKEN_HEX_LEN + 1], b[TOKEN_HEX_LEN + 1];

	token_new_hex(a);
	token_new_hex(b);
	ck_assert_uint_eq(strlen(a), 64);
	ck_assert(token_is_hex(a, TOKEN_HEX_LEN));
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_token_is_hex)
{
	ck_assert(token_is_hex("00ff", 4));
	ck_assert(!token_is_hex("00FF", 4));	/* upper case refused */
	ck_assert(!token_is_hex("00f", 4));
	ck_assert(!token_is_hex("00ff0", 4));
	ck_assert(!token_is_hex("0g00", 4));
}
END_TEST

START_TEST(test_sha256_vector)
{
	char out[SHA256_HEX_LEN + 1];

	sha256_hex("abc", 3, out);
	ck_assert_str_eq(out,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, out);
	ck_assert_str_eq(out,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(test_token_equal)
{
	ck_assert(token_equal("abcd", "abcd"));
	ck_assert(!token_equal("abcd", "abce"));
	ck_assert(!token_equal("abcd", "abc"));
	ck_assert(!token_equal("", "a"));
	ck_assert(token_equal("", ""));
}
END_TEST

START_TEST(test_token_password)
{
	char pw[25];

	token_password(pw, 24);
	ck_assert_uint_eq(strlen(pw), 24);
	ck_assert(strpbrk(pw, "0O1lI") == NULL);
}
END_TEST

Suite *token_suite(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_token_hex_random);
	tcase_add_test(tc, test_token_is_hex);
	tcase_add_test(tc, test_sha256_vector);
	tcase_add_test(tc, test_token_equal);
	tcase_add_test(tc, test_token_password);
	suite_add_tcase(s, tc);
	return s;
}
