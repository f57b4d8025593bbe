/*
 * test-wm-message.c - webmail's reading of message text (webmail/
 * message.c): charsets that are not declared or do not fit the bytes
 * (uchardet first, then the fixed order), and the plain text and HTML
 * versions of a multipart/alternative message.
 *
 * The Chinese samples are real sentences of the length a short mail has;
 * read with the fixed order alone (GB18030 before Big5), the Big5 ones
 * would come out as wrong GB18030 characters.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "message.h"
#include "pool.h"

Suite *wm_message_suite(void);

static struct pool *test_pool;

/* 您好！附件是本季度的销售报告，请在周五之前查收并回复意见。谢谢！ */
#define TEXT_SC "\xe6\x82\xa8\xe5\xa5\xbd\xef\xbc\x81\xe9\x99\x84\xe4\xbb" \
	"\xb6\xe6\x98\xaf\xe6\x9c\xac\xe5\xad\xa3\xe5\xba\xa6\xe7\x9a\x84" \
	"\xe9\x94\x80\xe5\x94\xae\xe6\x8a\xa5\xe5\x91\x8a\xef\xbc\x8c\xe8" \
	"\xaf\xb7\xe5\x9c\xa8\xe5\x91\xa8\xe4\xba\x94\xe4\xb9\x8b\xe5\x89" \
	"\x8d\xe6\x9f\xa5\xe6\x94\xb6\xe5\xb9\xb6\xe5\x9b\x9e\xe5\xa4\x8d" \
	"\xe6\x84\x8f\xe8\xa7\x81\xe3\x80\x82\xe8\xb0\xa2\xe8\xb0\xa2\xef" \
	"\xbc\x81"
/* the same in GBK */
#define GBK_SC "\xc4\xfa\xba\xc3\xa3\xa1\xb8\xbd\xbc\xfe\xca\xc7\xb1\xbe" \
	"\xbc\xbe\xb6\xc8\xb5\xc4\xcf\xfa\xca\xdb\xb1\xa8\xb8\xe6\xa3\xac" \
	"\xc7\xeb\xd4\xda\xd6\xdc\xce\xe5\xd6\xae\xc7\xb0\xb2\xe9\xca\xd5" \
	"\xb2\xa2\xbb\xd8\xb8\xb4\xd2\xe2\xbc\xfb\xa1\xa3\xd0\xbb\xd0\xbb" \
	"\xa3\xa1"

/* 您好！附件是本季度的銷售報告，請在週五之前查收並回覆意見。謝謝！ */
#define TEXT_TC "\xe6\x82\xa8\xe5\xa5\xbd\xef\xbc\x81\xe9\x99\x84\xe4\xbb" \
	"\xb6\xe6\x98\xaf\xe6\x9c\xac\xe5\xad\xa3\xe5\xba\xa6\xe7\x9a\x84" \
	"\xe9\x8a\xb7\xe5\x94\xae\xe5\xa0\xb1\xe5\x91\x8a\xef\xbc\x8c\xe8" \
	"\xab\x8b\xe5\x9c\xa8\xe9\x80\xb1\xe4\xba\x94\xe4\xb9\x8b\xe5\x89" \
	"\x8d\xe6\x9f\xa5\xe6\x94\xb6\xe4\xb8\xa6\xe5\x9b\x9e\xe8\xa6\x86" \
	"\xe6\x84\x8f\xe8\xa6\x8b\xe3\x80\x82\xe8\xac\x9d\xe8\xac\x9d\xef" \
	"\xbc\x81"
/* the same in Big5 */
#define BIG5_TC "\xb1\x7a\xa6\x6e\xa1\x49\xaa\xfe\xa5\xf3\xac\x4f\xa5\xbb" \
	"\xa9\x75\xab\xd7\xaa\xba\xbe\x50\xb0\xe2\xb3\xf8\xa7\x69\xa1\x41" \
	"\xbd\xd0\xa6\x62\xb6\x67\xa4\xad\xa4\xa7\xab\x65\xac\x64\xa6\xac" \
	"\xa8\xc3\xa6\x5e\xc2\xd0\xb7\x4e\xa8\xa3\xa1\x43\xc1\xc2\xc1\xc2" \
	"\xa1\x49"

static void setup(void)
{
	test_pool = pool_new("test-wm-message", 4096);
}

static void teardown(void)
{
	pool_destroy(&test_pool);
}

static const char *utf8(const char *bytes, const char *charset)
{
	return wm_to_utf8(test_pool, bytes, strlen(bytes), charset);
}

START_TEST(test_undeclared_gbk)
{
	ck_assert_str_eq(utf8(GBK_SC, NULL), TEXT_SC);
	ck_assert_str_eq(utf8(GBK_SC "\r\n", ""), TEXT_SC "\r\n");
}
END_TEST

START_TEST(test_undeclared_big5)
{
	ck_assert_str_eq(utf8(BIG5_TC, NULL), TEXT_TC);
	ck_assert_str_eq(utf8("Hi,\r\n" BIG5_TC "\r\n", NULL),
			 "Hi,\r\n" TEXT_TC "\r\n");
}
END_TEST

START_TEST(test_misdeclared)
{
	/* the label does not fit the bytes: guessed as if there were none */
	ck_assert_str_eq(utf8(BIG5_TC, "utf-8"), TEXT_TC);
	ck_assert_str_eq(utf8(GBK_SC, "us-ascii"), TEXT_SC);
	ck_assert_str_eq(utf8(BIG5_TC, "x-no-such-charset"), TEXT_TC);
	/* a label that fits is believed */
	ck_assert_str_eq(utf8(BIG5_TC, "big5"), TEXT_TC);
	ck_assert_str_eq(utf8(GBK_SC, "gb2312"), TEXT_SC);
	ck_assert_str_eq(utf8(TEXT_SC, "utf-8"), TEXT_SC);
}
END_TEST

START_TEST(test_short_and_western)
{
	/* 请查收附件 in GBK: uchardet calls it ISO-8859-7, which would
	   convert; the fixed order reads it as GB18030 */
	ck_assert_str_eq(utf8("\xc7\xeb\xb2\xe9\xca\xd5\xb8\xbd\xbc\xfe", NULL),
			 "\xe8\xaf\xb7\xe6\x9f\xa5\xe6\x94\xb6\xe9\x99\x84"
			 "\xe4\xbb\xb6");
	/* Latin-1 that is not GB18030 is taken for what uchardet says */
	ck_assert_str_eq(utf8("\xc7" "a va tr\xe8s bien, merci beaucoup \xe0"
			      " vous", NULL),
			 "\xc3\x87" "a va tr\xc3\xa8s bien, merci beaucoup"
			 " \xc3\xa0 vous");
	/* valid UTF-8 and plain ASCII stay as they are */
	ck_assert_str_eq(utf8(TEXT_TC, NULL), TEXT_TC);
	ck_assert_str_eq(utf8("plain ascii", NULL), "plain ascii");
	ck_assert_str_eq(utf8("", NULL), "");
}
END_TEST

START_TEST(test_alternative_both_versions)
{
	static const char raw[] =
		"From: A <a@outside.test>\r\n"
		"Subject: alt\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/alternative; boundary=AA\r\n\r\n"
		"--AA\r\nContent-Type: text/plain\r\n\r\n" BIG5_TC "\r\n"
		"--AA\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
		"<p>" TEXT_TC "</p>\r\n"
		"--AA--\r\n";
	struct wm_message msg;

	ck_assert_int_eq(wm_message_parse(test_pool, raw, sizeof(raw) - 1,
					  &msg), 0);
	ck_assert_ptr_nonnull(msg.text);
	ck_assert_ptr_nonnull(msg.html);
	ck_assert_str_eq(msg.text, TEXT_TC);
	ck_assert_ptr_nonnull(strstr(msg.html, "<p>" TEXT_TC "</p>"));
	ck_assert_str_eq(msg.from_addr, "a@outside.test");
	ck_assert_uint_eq(msg.nparts, 2);
}
END_TEST

Suite *wm_message_suite(void)
{
	Suite *s = suite_create("wm-message");
	TCase *tc = tcase_create("charsets");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_undeclared_gbk);
	tcase_add_test(tc, test_undeclared_big5);
	tcase_add_test(tc, test_misdeclared);
	tcase_add_test(tc, test_short_and_western);
	tcase_add_test(tc, test_alternative_both_versions);
	suite_add_tcase(s, tc);
	return s;
}
