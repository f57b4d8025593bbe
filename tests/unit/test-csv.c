/*
 * test-csv.c - unit tests for lib/csv.c: RFC 4180 reading (quotes, line
 * breaks in fields, line numbers, byte order marks, GB18030 and UTF-16
 * input, limits, bad records among good ones) and writing (quoting only
 * when needed, the formula guard, a round trip).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "csv.h"
#include "pool.h"
#include "suites.h"

#define LIT(s) (s), (sizeof(s) - 1)

static struct pool *pool;

static void setup(void)
{
	pool = pool_new("test-csv", 4096);
}

static void teardown(void)
{
	pool_destroy(&pool);
}

/* reader - a reader over a literal with limits l (NULL: defaults) */
static struct csv_reader *reader(const char *data, size_t len,
				 const struct csv_limits *l)
{
	struct csv_reader *r = NULL;
	const char *error = NULL;

	ck_assert_int_eq(csv_reader_new(pool, data, len, l, &r, &error), 0);
	return r;
}

/* next_ok - the next record, which must be good */
static struct csv_record next_ok(struct csv_reader *r)
{
	struct csv_record rec;
	const char *error = NULL;
	enum csv_status st = csv_read(r, &rec, &error);

	ck_assert_msg(st == CSV_RECORD, "status %d: %s", st,
		      error != NULL ? error : "");
	return rec;
}

/* next_bad - the next record, which must be bad; its message */
static const char *next_bad(struct csv_reader *r)
{
	struct csv_record rec;
	const char *error = NULL;

	ck_assert_int_eq(csv_read(r, &rec, &error), CSV_BAD);
	ck_assert_ptr_nonnull(error);
	return error;
}

static void assert_end(struct csv_reader *r)
{
	struct csv_record rec;
	const char *error = NULL;

	ck_assert_int_eq(csv_read(r, &rec, &error), CSV_END);
	ck_assert_int_eq(csv_read(r, &rec, &error), CSV_END);
}

START_TEST(test_simple)
{
	struct csv_reader *r = reader(LIT("a,b,c\r\n1,,3\r\n"), NULL);
	struct csv_record rec = next_ok(r);

	ck_assert_uint_eq(rec.line, 1);
	ck_assert_uint_eq(rec.count, 3);
	ck_assert_str_eq(rec.fields[0], "a");
	ck_assert_str_eq(rec.fields[2], "c");
	rec = next_ok(r);
	ck_assert_uint_eq(rec.line, 2);
	ck_assert_str_eq(rec.fields[1], "");
	ck_assert_uint_eq(rec.lens[1], 0);
	ck_assert_str_eq(rec.fields[2], "3");
	assert_end(r);
	ck_assert_str_eq(csv_reader_charset(r), "UTF-8");
}
END_TEST

START_TEST(test_quoted)
{
	struct csv_reader *r = reader(LIT(
		"\"say \"\"hi\"\"\",\"a,b\",\"two\r\nlines\"\n"
		"\"x\nand\ry\",last\n"
		"next,\"\"\n"), NULL);
	struct csv_record rec = next_ok(r);

	ck_assert_uint_eq(rec.line, 1);
	ck_assert_str_eq(rec.fields[0], "say \"hi\"");
	ck_assert_str_eq(rec.fields[1], "a,b");
	ck_assert_str_eq(rec.fields[2], "two\nlines");
	rec = next_ok(r);
	ck_assert_uint_eq(rec.line, 3);
	ck_assert_str_eq(rec.fields[0], "x\nand\ny");
	ck_assert_str_eq(rec.fields[1], "last");
	rec = next_ok(r);
	ck_assert_uint_eq(rec.line, 6);
	ck_assert_uint_eq(rec.count, 2);
	ck_assert_str_eq(rec.fields[1], "");
	assert_end(r);
}
END_TEST

START_TEST(test_line_ends_and_blank_lines)
{
	struct csv_reader *r = reader(LIT("\r\n\na\rb\r\n\r\nc,d"), NULL);
	struct csv_record rec = next_ok(r);

	ck_assert_uint_eq(rec.line, 3);
	ck_assert_str_eq(rec.fields[0], "a");
	rec = next_ok(r);
	ck_assert_uint_eq(rec.line, 4);
	ck_assert_str_eq(rec.fields[0], "b");
	rec = next_ok(r);
	ck_assert_uint_eq(rec.line, 6);
	ck_assert_uint_eq(rec.count, 2);
	ck_assert_str_eq(rec.fields[1], "d");
	assert_end(r);
	/* a trailing comma is an empty last field */
	r = reader(LIT("a,\n"), NULL);
	rec = next_ok(r);
	ck_assert_uint_eq(rec.count, 2);
	/* a quote inside an unquoted field is kept */
	r = reader(LIT("5\" disk,x\n"), NULL);
	rec = next_ok(r);
	ck_assert_str_eq(rec.fields[0], "5\" disk");
}
END_TEST

START_TEST(test_bom_and_charsets)
{
	/* "姓名,公司" then "张三,某公司" in GBK */
	static const char gbk[] = "\xd0\xd5\xc3\xfb,\xb9\xab\xcb\xbe\r\n"
		"\xd5\xc5\xc8\xfd,\xc4\xb3\xb9\xab\xcb\xbe\r\n";
	static const char utf16[] = "\xff\xfe" "a\0,\0\x20\x5f\r\0\n\0";
	struct csv_reader *r = reader(LIT("\xef\xbb\xbfName,Mail\n"), NULL);
	struct csv_record rec = next_ok(r);

	ck_assert_str_eq(rec.fields[0], "Name");
	r = reader(LIT(gbk), NULL);
	ck_assert_str_eq(csv_reader_charset(r), "GB18030");
	rec = next_ok(r);
	ck_assert_str_eq(rec.fields[0], "姓名");
	ck_assert_str_eq(rec.fields[1], "公司");
	rec = next_ok(r);
	ck_assert_uint_eq(rec.line, 2);
	ck_assert_str_eq(rec.fields[0], "张三");
	ck_assert_str_eq(rec.fields[1], "某公司");
	assert_end(r);
	r = reader(LIT(utf16), NULL);
	ck_assert_str_eq(csv_reader_charset(r), "UTF-16");
	rec = next_ok(r);
	ck_assert_str_eq(rec.fields[0], "a");
	ck_assert_str_eq(rec.fields[1], "张");
}
END_TEST

START_TEST(test_not_text)
{
	struct csv_reader *r = NULL;
	const char *error = NULL;

	/* 0x80 alone is neither UTF-8 nor GB18030 */
	ck_assert_int_eq(csv_reader_new(pool, LIT("a\x80\n"), NULL, &r,
					&error), -1);
	ck_assert_ptr_nonnull(error);
}
END_TEST

START_TEST(test_limits)
{
	struct csv_limits l = csv_limits_default;
	struct csv_reader *r;
	struct csv_record rec;
	const char *error = NULL;

	l.max_field = 4;
	l.max_fields = 3;
	l.max_records = 4;
	r = reader(LIT("abcd,ok\nabcde,x\n1,2,3,4\n\"q\r\nabcde\",y\nlast\n"
		       "over\n"), &l);
	rec = next_ok(r);
	ck_assert_str_eq(rec.fields[0], "abcd");
	ck_assert_str_eq(next_bad(r), "line 2: field too long");
	ck_assert_str_eq(next_bad(r), "line 3: too many fields");
	ck_assert_str_eq(next_bad(r), "line 4: field too long");
	ck_assert_str_eq(next_bad(r), "line 6: more than 4 records");
	assert_end(r);
	/* the input itself */
	l = csv_limits_default;
	l.max_input = 3;
	ck_assert_int_eq(csv_reader_new(pool, LIT("abcd"), &l, &r, &error),
			 -1);
	ck_assert_str_eq(error, "file too large");
}
END_TEST

START_TEST(test_bad_records)
{
	struct csv_reader *r = reader(LIT(
		"good,1\n\"bad\"x,2\ngood,3\nnul\0here,4\ngood,5\n\"open,6\n"
		"never\n"), NULL);
	struct csv_record rec;

	ck_assert_str_eq(next_ok(r).fields[1], "1");
	ck_assert_str_eq(next_bad(r), "line 2: text after a closing quote");
	rec = next_ok(r);
	ck_assert_uint_eq(rec.line, 3);
	ck_assert_str_eq(rec.fields[1], "3");
	ck_assert_str_eq(next_bad(r), "line 4: NUL byte in a field");
	ck_assert_str_eq(next_ok(r).fields[1], "5");
	ck_assert_str_eq(next_bad(r), "line 6: quote not closed");
	assert_end(r);
}
END_TEST

START_TEST(test_write)
{
	struct buf *out = buf_new_pool(pool, 0);
	const char *fields[] = { "plain", "a,b", "say \"hi\"", "two\nlines",
				 "", "=1+2", "+86 10 1234", "-x", "@cmd",
				 "=a,b", "ok=" };

	csv_write_bom(out);
	csv_write_record(out, fields, 5, 0);
	ck_assert_str_eq(out->data, "\xef\xbb\xbfplain,\"a,b\",\"say \"\"hi\"\""
			 "\",\"two\nlines\",\r\n");
	buf_reset(out);
	csv_write_record(out, fields + 5, 6, CSV_GUARD_FORMULA);
	ck_assert_str_eq(out->data, "'=1+2,'+86 10 1234,'-x,'@cmd,\"'=a,b\","
			 "ok=\r\n");
	buf_reset(out);
	csv_write_record(out, fields + 5, 1, 0);
	ck_assert_str_eq(out->data, "=1+2\r\n");
	ck_assert_str_eq(csv_unguard("'=1+2"), "=1+2");
	ck_assert_str_eq(csv_unguard("'+86"), "+86");
	ck_assert_str_eq(csv_unguard("'quoted'"), "'quoted'");
	ck_assert_str_eq(csv_unguard("plain"), "plain");
}
END_TEST

START_TEST(test_round_trip)
{
	static const char *const fields[] = { "张三", "a,\"b\"", "x\ny",
					      " space ", "-5", "" };
	struct buf *out = buf_new_pool(pool, 0);
	struct csv_reader *r;
	struct csv_record rec;

	csv_write_bom(out);
	csv_write_record(out, fields, 6, CSV_GUARD_FORMULA);
	csv_write_record(out, fields, 2, CSV_GUARD_FORMULA);
	r = reader(out->data, out->len, NULL);
	rec = next_ok(r);
	ck_assert_uint_eq(rec.count, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(csv_unguard(rec.fields[i]), fields[i]);
	rec = next_ok(r);
	ck_assert_uint_eq(rec.line, 3);
	ck_assert_uint_eq(rec.count, 2);
	assert_end(r);
}
END_TEST

Suite *csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_simple);
	tcase_add_test(tc, test_quoted);
	tcase_add_test(tc, test_line_ends_and_blank_lines);
	tcase_add_test(tc, test_bom_and_charsets);
	tcase_add_test(tc, test_not_text);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_bad_records);
	suite_add_tcase(s, tc);
	tc = tcase_create("write");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
