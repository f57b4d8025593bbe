/* test-pool.c - memory pools and their cleanups */
#include "config.h"

#include <string.h>

#include "pool.h"
#include "suites.h"

static int cleanup_order[4];
static int cleanup_count;

static void record(void *arg)
{
	cleanup_order[cleanup_count++] = *(int *)arg;
}

START_TEST(test_pool_zeroed_and_aligned)
{
	struct pool *pool = pool_new("t", 1024);

	for (int i = 0; i < 100; i++) {
		unsigned char *p = p_alloc(pool, (size_t)i * 7 + 1);

		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		for (int j = 0; j < i * 7 + 1; j++)
			ck_assert_uint_eq(p[j], 0);
		memset(p, 0xab, (size_t)i * 7 + 1);
	}
	pool_destroy(&pool);
	ck_assert_ptr_null(pool);
}
END_TEST

START_TEST(test_pool_large_allocation)
{
	struct pool *pool = pool_new("t", 1024);
	char *small = p_strdup(pool, "before");
	char *big = p_alloc(pool, 1 << 20);
	char *after = p_strdup(pool, "after");

	big[(1 << 20) - 1] = 'x';
	ck_assert_str_eq(small, "before");
	ck_assert_str_eq(after, "after");
	pool_destroy(&pool);
}
END_TEST

START_TEST(test_pool_strings)
{
	struct pool *pool = pool_new("t", 1024);

	ck_assert_str_eq(p_strndup(pool, "abcdef", 3), "abc");
	ck_assert_str_eq(p_printf(pool, "%s-%d", "x", 42), "x-42");
	ck_assert_ptr_null(p_strdup(pool, NULL));
	ck_assert_str_eq(p_printf(pool, "%s", ""), "");
	pool_destroy(&pool);
}
END_TEST

START_TEST(test_pool_cleanups_reverse_order)
{
	struct pool *pool = pool_new("t", 1024);
	int a = 1, b = 2, c = 3;

	cleanup_count = 0;
	pool_cleanup_add(pool, record, &a);
	pool_cleanup_add(pool, record, &b);
	pool_cleanup_add(pool, record, &c);
	pool_clear(pool);
	ck_assert_int_eq(cleanup_count, 3);
	ck_assert_int_eq(cleanup_order[0], 3);
	ck_assert_int_eq(cleanup_order[2], 1);
	/* reusable after clear; cleanups ran once only */
	ck_assert_str_eq(p_strdup(pool, "again"), "again");
	pool_destroy(&pool);
	ck_assert_int_eq(cleanup_count, 3);
}
END_TEST

START_TEST(test_pool_realloc_keeps_data)
{
	struct pool *pool = pool_new("t", 1024);
	char *p = p_strdup(pool, "hello");

	p = p_realloc(pool, p, 6, 4000);
	ck_assert_str_eq(p, "hello");
	ck_assert_uint_eq((unsigned char)p[3999], 0);
	pool_destroy(&pool);
}
END_TEST

Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_pool_zeroed_and_aligned);
	tcase_add_test(tc, test_pool_large_allocation);
	tcase_add_test(tc, test_pool_strings);
	tcase_add_test(tc, test_pool_cleanups_reverse_order);
	tcase_add_test(tc, test_pool_realloc_keeps_data);
	suite_add_tcase(s, tc);
	return s;
}
