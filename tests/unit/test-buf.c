/* test-buf.c - bounded buffers, string helpers and UTF-8 validation */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "pool.h"
#include "suites.h"

START_TEST(test_buf_append_and_nul)
{
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(buf_append_str(&b, "abc"), 0);
	ck_assert_int_eq(buf_append(&b, "\0x", 2), 0);
	ck_assert_uint_eq(b.len, 5);
	ck_assert_int_eq(b.data[5], '\0');
	ck_assert_int_eq(memcmp(b.data, "abc\0x", 5), 0);
	ck_assert_int_eq(buf_printf(&b, "%d", 12345), 0);
	ck_assert_uint_eq(b.len, 10);
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_max_refuses_and_keeps)
{
	struct buf b;

	buf_init(&b, 8);
	ck_assert_int_eq(buf_append_str(&b, "12345678"), 0);
	ck_assert_int_eq(buf_append_char(&b, '9'), -1);
	ck_assert_int_eq(buf_printf(&b, "%s", "x"), -1);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(b.data, "12345678");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_growth_large)
{
	struct buf b;
	char chunk[1000];

	memset(chunk, 'q', sizeof(chunk));
	buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(buf_append(&b, chunk, sizeof(chunk)), 0);
	ck_assert_uint_eq(b.len, 1000000);
	ck_assert_int_eq(b.data[999999], 'q');
	ck_assert_int_eq(b.data[1000000], '\0');
	/* a length that would overflow size_t is refused */
	ck_assert_int_eq(buf_append(&b, chunk, SIZE_MAX - 10), -1);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_pool_owned)
{
	struct pool *pool = pool_new("t", 1024);
	struct buf *b = buf_new_pool(pool, 100);

	ck_assert_int_eq(buf_append_str(b, "pool"), 0);
	ck_assert_str_eq(b->data, "pool");
	pool_destroy(&pool);	/* frees the data (ASan would report a leak) */
}
END_TEST

START_TEST(test_str_helpers)
{
	char s[] = "  Hello World \r\n";
	char dst[6];

	ck_assert(str_begins("mailhive", "mail"));
	ck_assert(!str_begins("mail", "mailhive"));
	ck_assert(str_ends("file.cs", ".cs"));
	ck_assert(!str_ends("cs", ".cs"));
	ck_assert(str_case_eq("PoSt", "post"));
	ck_assert(!str_case_eq("post", "posts"));
	ck_assert_str_eq(str_trim(s), "Hello World");
	ck_assert_str_eq(str_lower(s + 2), "hello world");
	ck_assert_uint_eq(str_lcpy(dst, "truncated", sizeof(dst)), 9);
	ck_assert_str_eq(dst, "trunc");
}
END_TEST

START_TEST(test_utf8_valid)
{
	ck_assert(utf8_valid("plain ascii", 11));
	ck_assert(utf8_valid("\xe4\xbd\xa0\xe5\xa5\xbd", 6));	/* 你好 */
	ck_assert(utf8_valid("\xf0\x9f\x90\x9d", 4));		/* bee */
	ck_assert(!utf8_valid("\xc3\x28", 2));			/* bad cont. */
	ck_assert(!utf8_valid("\xc0\xaf", 2));			/* overlong / */
	ck_assert(!utf8_valid("\xe0\x80\xaf", 3));		/* overlong */
	ck_assert(!utf8_valid("\xed\xa0\x80", 3));		/* surrogate */
	ck_assert(!utf8_valid("\xf4\x90\x80\x80", 4));		/* > 10FFFF */
	ck_assert(!utf8_valid("\xe4\xbd", 2));			/* truncated */
	ck_assert(!utf8_valid("\xff", 1));
}
END_TEST

Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_buf_append_and_nul);
	tcase_add_test(tc, test_buf_max_refuses_and_keeps);
	tcase_add_test(tc, test_buf_growth_large);
	tcase_add_test(tc, test_buf_pool_owned);
	tcase_add_test(tc, test_str_helpers);
	tcase_add_test(tc, test_utf8_valid);
	suite_add_tcase(s, tc);
	return s;
}
