/* test-strnum.c - strict number parsing */
#include "config.h"

#include "strnum.h"
#include "suites.h"

START_TEST(test_uint)
{
	unsigned int n = 7;

	ck_assert_int_eq(str_to_uint("0", &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(str_to_uint("4294967295", &n), 0);
	ck_assert_uint_eq(n, 4294967295u);
	n = 7;
	ck_assert_int_eq(str_to_uint("4294967296", &n), -1);
	ck_assert_int_eq(str_to_uint("", &n), -1);
	ck_assert_int_eq(str_to_uint("-1", &n), -1);
	ck_assert_int_eq(str_to_uint(" 1", &n), -1);
	ck_assert_int_eq(str_to_uint("1 ", &n), -1);
	ck_assert_int_eq(str_to_uint("12a", &n), -1);
	ck_assert_int_eq(str_to_uint("+5", &n), -1);
	ck_assert_uint_eq(n, 7);	/* untouched on error */
}
END_TEST

START_TEST(test_u64_and_int64)
{
	uint64_t u = 1;
	int64_t i = 1;

	ck_assert_int_eq(str_to_u64("18446744073709551615", &u), 0);
	ck_assert(u == UINT64_MAX);
	ck_assert_int_eq(str_to_u64("18446744073709551616", &u), -1);
	ck_assert_int_eq(str_to_int64("-9223372036854775808", &i), 0);
	ck_assert(i == INT64_MIN);
	ck_assert_int_eq(str_to_int64("9223372036854775807", &i), 0);
	ck_assert(i == INT64_MAX);
	ck_assert_int_eq(str_to_int64("9223372036854775808", &i), -1);
	ck_assert_int_eq(str_to_int64("-", &i), -1);
	ck_assert(i == INT64_MAX);
}
END_TEST

START_TEST(test_size)
{
	uint64_t n = 0;

	ck_assert_int_eq(str_to_size("25M", &n), 0);
	ck_assert(n == 25ull * 1024 * 1024);
	ck_assert_int_eq(str_to_size("3k", &n), 0);
	ck_assert(n == 3072);
	ck_assert_int_eq(str_to_size("2G", &n), 0);
	ck_assert(n == 2ull << 30);
	ck_assert_int_eq(str_to_size("100", &n), 0);
	ck_assert(n == 100);
	ck_assert_int_eq(str_to_size("10T", &n), -1);
	ck_assert_int_eq(str_to_size("10MB", &n), -1);
	ck_assert_int_eq(str_to_size("17179869184G", &n), -1); /* overflow */
	ck_assert(n == 100);
}
END_TEST

Suite *strnum_suite(void)
{
	Suite *s = suite_create("strnum");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_uint);
	tcase_add_test(tc, test_u64_and_int64);
	tcase_add_test(tc, test_size);
	suite_add_tcase(s, tc);
	return s;
}
