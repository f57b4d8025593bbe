/*
 * test-vcard.c - unit tests for lib/vcard.c: cards of versions 2.1
 * (Outlook's quoted-printable and CHARSET), 3.0 and 4.0, unfolding,
 * parameters, escapes, bad cards among good ones with their line
 * numbers, limits, and the 4.0 writer (escaping, folding at 75 octets
 * without splitting UTF-8, a round trip through the reader).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "pool.h"
#include "suites.h"
#include "vcard.h"

#define LIT(s) (s), (sizeof(s) - 1)

static struct pool *pool;

static void setup(void)
{
	pool = pool_new("test-vcard", 4096);
}

static void teardown(void)
{
	pool_destroy(&pool);
}

static struct vcard_reader *reader(const char *data, size_t len,
				   const struct vcard_limits *l)
{
	struct vcard_reader *r = NULL;
	const char *error = NULL;

	ck_assert_int_eq(vcard_reader_new(pool, data, len, l, &r, &error),
			 0);
	return r;
}

static struct vcard *next_ok(struct vcard_reader *r)
{
	struct vcard *c = NULL;
	const char *error = NULL;
	enum vcard_status st = vcard_read(r, &c, &error);

	ck_assert_msg(st == VCARD_CARD, "status %d: %s", st,
		      error != NULL ? error : "");
	return c;
}

static const char *next_bad(struct vcard_reader *r)
{
	struct vcard *c = NULL;
	const char *error = NULL;

	ck_assert_int_eq(vcard_read(r, &c, &error), VCARD_BAD);
	ck_assert_ptr_nonnull(error);
	return error;
}

static void assert_end(struct vcard_reader *r)
{
	struct vcard *c = NULL;
	const char *error = NULL;

	ck_assert_int_eq(vcard_read(r, &c, &error), VCARD_END);
	ck_assert_int_eq(vcard_read(r, &c, &error), VCARD_END);
}

START_TEST(test_v3)
{
	struct vcard_reader *r = reader(LIT(
		"BEGIN:VCARD\r\n"
		"VERSION:3.0\r\n"
		"N:Doe;Jane;Q.;Dr.;\r\n"
		"FN:Jane Doe\\, PhD\r\n"
		"item1.EMAIL;TYPE=INTERNET,WORK;TYPE=pref:jane@example.com\r\n"
		"EMAIL;type=HOME:jane@home.example\r\n"
		"TEL;TYPE=CELL:+1 555 0100\r\n"
		"ORG:Acme\\; Sons;Research\r\n"
		"TITLE:Chief\r\n"
		" Scientist\r\n"
		"NOTE:first line\\nsecond\\, with \\\\ backslash\r\n"
		"PHOTO;ENCODING=b;TYPE=JPEG:AAAA\r\n"
		"X-UNKNOWN:whatever\r\n"
		"END:VCARD\r\n"), NULL);
	struct vcard *c = next_ok(r);

	ck_assert_uint_eq(c->line, 1);
	ck_assert_str_eq(c->version, "3.0");
	ck_assert_str_eq(c->name, "Jane Doe, PhD");
	ck_assert_str_eq(c->family, "Doe");
	ck_assert_str_eq(c->given, "Jane");
	ck_assert_uint_eq(c->n_emails, 2);
	ck_assert_str_eq(c->emails[0].value, "jane@example.com");
	ck_assert_str_eq(c->emails[0].type, "internet,work,pref");
	ck_assert_str_eq(c->emails[1].type, "home");
	ck_assert_uint_eq(c->n_phones, 1);
	ck_assert_str_eq(c->phones[0].value, "+1 555 0100");
	ck_assert_str_eq(c->phones[0].type, "cell");
	ck_assert_str_eq(c->company, "Acme; Sons");
	ck_assert_str_eq(c->department, "Research");
	ck_assert_str_eq(c->title, "ChiefScientist");
	ck_assert_str_eq(c->notes, "first line\nsecond, with \\ backslash");
	assert_end(r);
}
END_TEST

START_TEST(test_v21_outlook)
{
	/* quoted-printable UTF-8 with a soft line break, GB2312 in QP,
	 * bare parameters, LF line ends */
	struct vcard_reader *r = reader(LIT(
		"BEGIN:VCARD\n"
		"VERSION:2.1\n"
		"N;CHARSET=utf-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=\n"
		"=B6rg\n"
		"FN;CHARSET=gb2312;QUOTED-PRINTABLE:=D5=C5=C8=FD\n"
		"NOTE;ENCODING=QUOTED-PRINTABLE:line one=0D=0Aline two=\n"
		" and more\n"
		"EMAIL;PREF;INTERNET:zhang@example.cn\n"
		"TEL;WORK;VOICE:010-1234\n"
		"END:VCARD\n"), NULL);
	struct vcard *c = next_ok(r);

	ck_assert_str_eq(c->version, "2.1");
	ck_assert_str_eq(c->family, "Müller");
	ck_assert_str_eq(c->given, "Jörg");
	ck_assert_str_eq(c->name, "张三");
	ck_assert_str_eq(c->notes, "line one\nline two and more");
	ck_assert_str_eq(c->emails[0].value, "zhang@example.cn");
	ck_assert_str_eq(c->emails[0].type, "pref,internet");
	ck_assert_str_eq(c->phones[0].type, "work,voice");
	assert_end(r);
}
END_TEST

START_TEST(test_v4_and_gbk)
{
	struct vcard_reader *r = reader(LIT(
		"BEGIN:VCARD\r\nVERSION:4.0\r\n"
		"N:\xd5\xc5;\xc8\xfd;;;\r\n"
		"EMAIL;PREF=1:mailto:z@example.cn\r\n"
		"TEL;VALUE=uri;TYPE=\"voice,cell\":tel:+86-138\r\n"
		"END:VCARD\r\n"
		"BEGIN:VCARD\r\nN:Smith;Ann\r\nEND:VCARD\r\n"), NULL);
	struct vcard *c = next_ok(r);

	/* no FN: the name comes from N, family first in Chinese */
	ck_assert_str_eq(c->name, "张三");
	ck_assert_str_eq(c->emails[0].value, "z@example.cn");
	ck_assert_str_eq(c->emails[0].type, "pref");
	ck_assert_str_eq(c->phones[0].value, "+86-138");
	ck_assert_str_eq(c->phones[0].type, "voice,cell");
	c = next_ok(r);
	ck_assert_uint_eq(c->line, 7);
	ck_assert_str_eq(c->version, "");
	ck_assert_str_eq(c->name, "Ann Smith");
	assert_end(r);
}
END_TEST

START_TEST(test_bad_cards_kept_good)
{
	struct vcard_reader *r = reader(LIT(
		"BEGIN:VCARD\nFN:One\nEND:VCARD\n"		/* 1 */
		"BEGIN:VCARD\nFN:Two\nno colon here\nEND:VCARD\n" /* 4 */
		"\n"
		"junk\nmore junk\n"				/* 9 */
		"BEGIN:VCARD\nFN:Three\n"			/* 11 */
		"BEGIN:VCARD\nVERSION:5.0\nFN:Four\nEND:VCARD\n" /* 13 */
		"begin:vcard\nfn:Five\nemail;encoding=b:eEB5Lno=\n"
		"end:vcard\n"					/* 17 */
		"BEGIN:VCARD\nFN:Six\n"),			/* 21 */
		NULL);
	struct vcard *c;

	ck_assert_str_eq(next_ok(r)->name, "One");
	ck_assert_str_eq(next_bad(r), "line 4: a line without ':'");
	ck_assert_str_eq(next_bad(r), "line 9: text outside a card");
	ck_assert_str_eq(next_bad(r), "line 11: card not ended");
	ck_assert_str_eq(next_bad(r), "line 13: unsupported VERSION");
	c = next_ok(r);
	ck_assert_uint_eq(c->line, 17);
	ck_assert_str_eq(c->name, "Five");
	ck_assert_str_eq(c->emails[0].value, "x@y.z");
	ck_assert_str_eq(next_bad(r), "line 21: card not ended");
	assert_end(r);
}
END_TEST

START_TEST(test_limits)
{
	struct vcard_limits l = vcard_limits_default;
	struct buf *in = buf_new_pool(pool, 0);
	struct vcard_reader *r;
	struct vcard *c;

	l.max_value = 16;
	l.max_items = 2;
	l.max_cards = 3;
	/* a huge photo is skipped; a long kept value is refused */
	buf_adds(in, "BEGIN:VCARD\r\nFN:Pic\r\nPHOTO;ENCODING=b:");
	for (int i = 0; i < 2000; i++)
		buf_adds(in, "QUFBQUFBQUFB\r\n ");
	buf_adds(in, "QQ==\r\nEND:VCARD\r\n");
	buf_adds(in, "BEGIN:VCARD\r\nFN:01234567890123456789\r\nEND:VCARD\r\n");
	buf_adds(in, "BEGIN:VCARD\r\nEMAIL:a@b.c\r\nEMAIL:d@e.f\r\n"
		 "EMAIL:g@h.i\r\nEND:VCARD\r\n");
	buf_adds(in, "BEGIN:VCARD\r\nFN:Over\r\nEND:VCARD\r\n");
	r = reader(in->data, in->len, &l);
	c = next_ok(r);
	ck_assert_str_eq(c->name, "Pic");
	ck_assert_str_eq(next_bad(r), "line 2005: value too long");
	ck_assert_str_eq(next_bad(r), "line 2008: too many email addresses");
	ck_assert_str_eq(next_bad(r), "line 2013: more than 3 cards");
	assert_end(r);
}
END_TEST

START_TEST(test_write)
{
	struct vcard_item emails[] = { { "a@example.com", "work,pref" },
				       { "b@example.com", "" } };
	struct vcard_item phones[] = { { "+1 555", "cell;x" } };
	struct vcard card = {
		.name = "Doe, Jane; \\ x",
		.family = "Doe", .given = "Jane",
		.emails = emails, .n_emails = 2,
		.phones = phones, .n_phones = 1,
		.company = "Acme", .department = "R;D",
		.title = "", .notes = "one\r\ntwo",
	};
	struct buf *out = buf_new_pool(pool, 0);

	vcard_write(out, &card);
	ck_assert_str_eq(out->data,
		"BEGIN:VCARD\r\nVERSION:4.0\r\n"
		"FN:Doe\\, Jane\\; \\\\ x\r\n"
		"N:Doe;Jane;;;\r\n"
		"EMAIL;TYPE=work,pref:a@example.com\r\n"
		"EMAIL:b@example.com\r\n"
		"TEL;TYPE=cellx:+1 555\r\n"
		"ORG:Acme;R\\;D\r\n"
		"NOTE:one\\ntwo\r\n"
		"END:VCARD\r\n");
}
END_TEST

START_TEST(test_fold_utf8)
{
	struct buf *out = buf_new_pool(pool, 0);
	struct buf *name = buf_new_pool(pool, 0);
	struct vcard card = { .name = NULL };
	struct vcard_reader *r;
	struct vcard *c;
	const char *p, *e;

	for (int i = 0; i < 60; i++)
		buf_adds(name, "张");
	card.name = name->data;
	card.notes = "n";
	vcard_write(out, &card);
	/* every physical line at most 75 octets and valid UTF-8 */
	for (p = out->data; *p != '\0'; p = e + 2) {
		e = strstr(p, "\r\n");
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_le((size_t)(e - p), 75);
		ck_assert(utf8_valid(p, (size_t)(e - p)));
	}
	r = reader(out->data, out->len, NULL);
	c = next_ok(r);
	ck_assert_str_eq(c->name, name->data);
	ck_assert_str_eq(c->version, "4.0");
	assert_end(r);
}
END_TEST

START_TEST(test_round_trip)
{
	struct vcard_item emails[] = { { "x@example.cn", "work" } };
	struct vcard_item phones[] = { { "+86 10 1234", "" },
				       { "138", "cell" } };
	struct vcard card = {
		.name = "李四, \"Li\"", .family = "李", .given = "四",
		.emails = emails, .n_emails = 1,
		.phones = phones, .n_phones = 2,
		.company = "某公司", .department = "研发;测试",
		.title = "工程师", .notes = "a\nb\\c,d;e",
	};
	struct buf *out = buf_new_pool(pool, 0);
	struct vcard_reader *r;
	struct vcard *c;

	vcard_write(out, &card);
	vcard_write(out, &card);
	r = reader(out->data, out->len, NULL);
	for (int k = 0; k < 2; k++) {
		c = next_ok(r);
		ck_assert_str_eq(c->name, card.name);
		ck_assert_str_eq(c->family, card.family);
		ck_assert_str_eq(c->given, card.given);
		ck_assert_uint_eq(c->n_emails, 1);
		ck_assert_str_eq(c->emails[0].value, "x@example.cn");
		ck_assert_str_eq(c->emails[0].type, "work");
		ck_assert_uint_eq(c->n_phones, 2);
		ck_assert_str_eq(c->phones[1].value, "138");
		ck_assert_str_eq(c->company, card.company);
		ck_assert_str_eq(c->department, card.department);
		ck_assert_str_eq(c->title, card.title);
		ck_assert_str_eq(c->notes, card.notes);
	}
	assert_end(r);
}
END_TEST

Suite *vcard_suite(void)
{
	Suite *s = suite_create("vcard");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_v3);
	tcase_add_test(tc, test_v21_outlook);
	tcase_add_test(tc, test_v4_and_gbk);
	tcase_add_test(tc, test_bad_cards_kept_good);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("write");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write);
	tcase_add_test(tc, test_fold_utf8);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
