/*
 * test-filter-rule.c - the filter rule matcher (wildcards, case, any and
 * all), the header scanner, the form check and the Sieve rendering.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "buf.h"
#include "filter-rule.h"
#include "pool.h"

Suite *filter_rule_suite(void);

static struct pool *test_pool;

static void setup(void)
{
	test_pool = pool_new("test-filter-rule", 4096);
}

static void teardown(void)
{
	pool_destroy(&test_pool);
}

/* a message for the conditions: a fixed header block */
static const char test_hdr[] =
	"From: Alice Example <alice@example.com>\r\n"
	"To: bob@example.test, \"Carol\" <carol@example.test>\r\n"
	"Subject: =?utf-8?B?5L2g5aW9?= weekly report\r\n"
	"X-Spam-Flag: YES\r\n"
	"X-Tag: first\r\n"
	"X-Long: one\r\n two\r\n\tthree\r\n"
	"x-tag: second\r\n"
	"\r\n";

static const char *hdr_cb(void *ctx, const char *name, unsigned int i)
{
	(void)ctx;
	return filter_header_value(test_pool, test_hdr, sizeof(test_hdr) - 1,
				   name, i);
}

static const char *addr_cb(void *ctx, enum filter_field f, unsigned int i)
{
	static const char *from[] = { "alice@example.com", NULL };
	static const char *to[] = { "bob@example.test", "carol@example.test",
		NULL };
	static const char *cc[] = { NULL };
	const char **l = f == FILTER_F_FROM ? from : f == FILTER_F_TO ? to : cc;

	(void)ctx;
	for (unsigned int j = 0; j < i; j++)
		if (l[j] == NULL)
			return NULL;
	return l[i];
}

static void input(struct filter_input *in)
{
	memset(in, 0, sizeof(*in));
	in->header = hdr_cb;
	in->address = addr_cb;
	in->subject = "你好 weekly report";
	in->body = "Dear Bob,\nthe invoice is attached.\n";
	in->size = 5000;
}

START_TEST(test_wildcard)
{
	ck_assert(filter_wildcard("*", ""));
	ck_assert(filter_wildcard("*", "anything"));
	ck_assert(filter_wildcard("a*c", "abbbc"));
	ck_assert(filter_wildcard("a*c", "ac"));
	ck_assert(!filter_wildcard("a*c", "acb"));
	ck_assert(filter_wildcard("?", "x"));
	ck_assert(!filter_wildcard("?", ""));
	ck_assert(!filter_wildcard("?", "xy"));
	ck_assert(filter_wildcard("*@example.com", "Alice@EXAMPLE.com"));
	ck_assert(!filter_wildcard("*@example.com", "alice@example.co"));
	ck_assert(filter_wildcard("a?c*", "abcdef"));
	ck_assert(filter_wildcard("*a*b*c*", "xxaxxbxxcxx"));
	ck_assert(!filter_wildcard("*a*b*c*", "xxaxxcxxbxx"));
	/* ? takes one whole UTF-8 character */
	ck_assert(filter_wildcard("?好", "你好"));
	ck_assert(!filter_wildcard("??好", "你好"));
	/* escapes */
	ck_assert(filter_wildcard("a\\*", "a*"));
	ck_assert(!filter_wildcard("a\\*", "ab"));
	ck_assert(filter_wildcard("a\\?", "a?"));
	ck_assert(!filter_wildcard("a\\?", "ab"));
	ck_assert(filter_wildcard("a\\\\", "a\\"));
	/* many stars do not blow up */
	ck_assert(!filter_wildcard("*a*a*a*a*a*a*a*a*b",
				   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}
END_TEST

START_TEST(test_text_ops)
{
	ck_assert(filter_match_text(FILTER_OP_CONTAINS, "REPORT",
				    "weekly report"));
	ck_assert(!filter_match_text(FILTER_OP_CONTAINS, "reports",
				     "weekly report"));
	ck_assert(filter_match_text(FILTER_OP_IS, "Weekly Report",
				    "weekly report"));
	ck_assert(!filter_match_text(FILTER_OP_IS, "weekly",
				     "weekly report"));
	ck_assert(filter_match_text(FILTER_OP_MATCHES, "week*",
				    "Weekly report"));
	/* only ASCII folds: other bytes compare as they are */
	ck_assert(filter_match_text(FILTER_OP_CONTAINS, "你好", "说你好"));
	ck_assert(!filter_match_text(FILTER_OP_CONTAINS, "É", "é"));
	ck_assert(!filter_match_text(FILTER_OP_OVER, "1", "2"));
}
END_TEST

START_TEST(test_header_value)
{
	const char *v;

	v = filter_header_value(test_pool, test_hdr, sizeof(test_hdr) - 1,
				"x-tag", 0);
	ck_assert_str_eq(v, "first");
	v = filter_header_value(test_pool, test_hdr, sizeof(test_hdr) - 1,
				"X-TAG", 1);
	ck_assert_str_eq(v, "second");
	ck_assert_ptr_null(filter_header_value(test_pool, test_hdr,
					       sizeof(test_hdr) - 1, "X-Tag",
					       2));
	v = filter_header_value(test_pool, test_hdr, sizeof(test_hdr) - 1,
				"X-Long", 0);
	ck_assert_str_eq(v, "one two\tthree");
	/* a prefix of a name is not the name */
	ck_assert_ptr_null(filter_header_value(test_pool, test_hdr,
					       sizeof(test_hdr) - 1, "X-T", 0));
	/* the body is not looked at */
	v = filter_header_value(test_pool, "A: 1\n\nB: 2\n", 11, "B", 0);
	ck_assert_ptr_null(v);
	v = filter_header_value(test_pool, "A: 1\nB:2", 8, "B", 0);
	ck_assert_str_eq(v, "2");
}
END_TEST

static struct filter_rule *rule(bool any)
{
	struct filter_rule *r = p_new(test_pool, struct filter_rule, 1);

	r->name = "test";
	r->enabled = true;
	r->match_any = any;
	r->stop = true;
	return r;
}

static void cond(struct filter_rule *r, enum filter_field f,
		 enum filter_op op, const char *header, const char *value)
{
	struct filter_cond *c = &r->conds[r->nconds++];

	c->field = f;
	c->op = op;
	c->header = header;
	c->value = value;
	if (f == FILTER_F_SIZE)
		ck_assert_int_eq(filter_size_parse(value, &c->size), 0);
}

START_TEST(test_conditions)
{
	struct filter_input in;
	struct filter_rule *r;

	input(&in);
	r = rule(false);
	cond(r, FILTER_F_FROM, FILTER_OP_CONTAINS, NULL, "alice example");
	ck_assert(filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_FROM, FILTER_OP_IS, NULL, "ALICE@example.com");
	ck_assert(filter_rule_matches(r, &in));
	r = rule(false);
	/* "is" compares addresses, not the whole header */
	cond(r, FILTER_F_FROM, FILTER_OP_IS, NULL,
	     "Alice Example <alice@example.com>");
	ck_assert(!filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_TO, FILTER_OP_MATCHES, NULL, "carol@*");
	ck_assert(filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_CC, FILTER_OP_MATCHES, NULL, "*");
	ck_assert(!filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_SUBJECT, FILTER_OP_MATCHES, NULL, "你好*report");
	ck_assert(filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_HEADER, FILTER_OP_IS, "x-spam-flag", "yes");
	ck_assert(filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_HEADER, FILTER_OP_IS, "X-Tag", "second");
	ck_assert(filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_HEADER, FILTER_OP_CONTAINS, "X-Missing", "a");
	ck_assert(!filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_BODY, FILTER_OP_CONTAINS, NULL, "INVOICE");
	ck_assert(filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_SIZE, FILTER_OP_OVER, NULL, "4K");
	ck_assert(filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_SIZE, FILTER_OP_UNDER, NULL, "4K");
	ck_assert(!filter_rule_matches(r, &in));
	r = rule(false);
	cond(r, FILTER_F_SIZE, FILTER_OP_OVER, NULL, "5000");
	ck_assert(!filter_rule_matches(r, &in));	/* over is strict */
}
END_TEST

START_TEST(test_any_all)
{
	struct filter_input in;
	struct filter_rule *all = rule(false), *any = rule(true);

	input(&in);
	ck_assert(filter_rule_matches(all, &in));	/* no conditions */
	cond(all, FILTER_F_SUBJECT, FILTER_OP_CONTAINS, NULL, "weekly");
	cond(all, FILTER_F_BODY, FILTER_OP_CONTAINS, NULL, "nothing here");
	ck_assert(!filter_rule_matches(all, &in));
	cond(any, FILTER_F_SUBJECT, FILTER_OP_CONTAINS, NULL, "nope");
	ck_assert(!filter_rule_matches(any, &in));
	cond(any, FILTER_F_BODY, FILTER_OP_CONTAINS, NULL, "invoice");
	ck_assert(filter_rule_matches(any, &in));
	all->nconds = 1;
	ck_assert(filter_rule_matches(all, &in));
}
END_TEST

START_TEST(test_check)
{
	struct filter_rule *r = rule(false);
	const char *key = NULL;

	cond(r, FILTER_F_SUBJECT, FILTER_OP_CONTAINS, NULL, "x");
	r->acts[r->nacts++] = (struct filter_action){ FILTER_A_SEEN, "", 0 };
	ck_assert_int_eq(filter_rule_check(r, "me@example.test", &key), 0);
	r->acts[r->nacts++] = (struct filter_action){ FILTER_A_FORWARD,
		"ME@example.test", 0 };
	ck_assert_int_eq(filter_rule_check(r, "me@example.test", &key), -1);
	ck_assert_str_eq(key, "own_address");
	r->acts[1].value = "not an address";
	ck_assert_int_eq(filter_rule_check(r, "me@example.test", &key), -1);
	ck_assert_str_eq(key, "address");
	r->acts[1] = (struct filter_action){ FILTER_A_DISCARD, "", 0 };
	ck_assert_int_eq(filter_rule_check(r, "me@example.test", &key), -1);
	ck_assert_str_eq(key, "conflict");
	r->acts[1] = (struct filter_action){ FILTER_A_SEEN, "", 0 };
	ck_assert_int_eq(filter_rule_check(r, NULL, &key), -1);
	ck_assert_str_eq(key, "duplicate_action");
	r->nacts = 0;
	ck_assert_int_eq(filter_rule_check(r, NULL, &key), -1);
	ck_assert_str_eq(key, "no_action");
	r->acts[r->nacts++] = (struct filter_action){ FILTER_A_FLAG, "", 0 };
	r->conds[0].value = "";
	ck_assert_int_eq(filter_rule_check(r, NULL, &key), -1);
	ck_assert_str_eq(key, "value");
	r->conds[0] = (struct filter_cond){ FILTER_F_HEADER, FILTER_OP_IS,
		"Bad Name", "x", 0 };
	ck_assert_int_eq(filter_rule_check(r, NULL, &key), -1);
	ck_assert_str_eq(key, "header");
	r->conds[0] = (struct filter_cond){ FILTER_F_SIZE,
		FILTER_OP_CONTAINS, NULL, "1", 1 };
	ck_assert_int_eq(filter_rule_check(r, NULL, &key), -1);
	ck_assert_str_eq(key, "op");
	r->conds[0] = (struct filter_cond){ FILTER_F_BODY, FILTER_OP_IS,
		NULL, "a\nb", 0 };
	ck_assert_int_eq(filter_rule_check(r, NULL, &key), -1);
	ck_assert_str_eq(key, "value");
	r->conds[0].value = "ok";
	r->name = "";
	ck_assert_int_eq(filter_rule_check(r, NULL, &key), -1);
	ck_assert_str_eq(key, "name");
}
END_TEST

START_TEST(test_sieve)
{
	struct filter_rule *r = rule(true);
	struct buf *out = buf_new_pool(test_pool, 0);

	r->name = "Work \"mail\"";
	cond(r, FILTER_F_FROM, FILTER_OP_CONTAINS, NULL, "boss");
	cond(r, FILTER_F_TO, FILTER_OP_MATCHES, NULL, "*@work.example");
	cond(r, FILTER_F_HEADER, FILTER_OP_IS, "X-Project", "a\"b\\c");
	cond(r, FILTER_F_SIZE, FILTER_OP_OVER, NULL, "100K");
	cond(r, FILTER_F_BODY, FILTER_OP_CONTAINS, NULL, "urgent");
	r->acts[r->nacts++] = (struct filter_action){ FILTER_A_FILEINTO,
		"Work/Boss", 0 };
	r->acts[r->nacts++] = (struct filter_action){ FILTER_A_SEEN, "", 0 };
	r->acts[r->nacts++] = (struct filter_action){ FILTER_A_FORWARD,
		"me@else.example", 0 };
	filter_sieve_script(out, r, 1);
	ck_assert_str_eq(out->data,
		"require [\"fileinto\", \"imap4flags\", \"copy\", \"body\"];\n"
		"\n"
		"# Work \"mail\"\n"
		"if anyof (header :contains \"from\" \"boss\","
		" address :matches \"to\" \"*@work.example\","
		" header :is \"X-Project\" \"a\\\"b\\\\c\","
		" size :over 100K, body :text :contains \"urgent\") {\n"
		"\taddflag \"\\\\Seen\";\n"
		"\tfileinto \"Work/Boss\";\n"
		"\tredirect :copy \"me@else.example\";\n"
		"\tstop;\n"
		"}\n");
	buf_reset(out);
	r->enabled = false;
	r->stop = false;
	r->nconds = 1;
	r->nacts = 0;
	r->acts[r->nacts++] = (struct filter_action){ FILTER_A_REJECT,
		"go away", 0 };
	filter_sieve_rule(out, r);
	ck_assert_str_eq(out->data,
		"# Work \"mail\" (disabled)\n"
		"if allof (false, header :contains \"from\" \"boss\") {\n"
		"\treject \"go away\";\n"
		"}\n");
}
END_TEST

Suite *filter_rule_suite(void)
{
	Suite *s = suite_create("filter-rule");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_wildcard);
	tcase_add_test(tc, test_text_ops);
	tcase_add_test(tc, test_header_value);
	tcase_add_test(tc, test_conditions);
	tcase_add_test(tc, test_any_all);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_sieve);
	suite_add_tcase(s, tc);
	return s;
}
