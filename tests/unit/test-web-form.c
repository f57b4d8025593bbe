/*
 * test-web-form.c - unit tests for lib/web-form.c: urlencoded forms,
 * percent-coding, Cookie headers, multipart boundaries and bodies.
 *
 * Each test runs with a fresh pool (checked fixture). Bodies are string
 * literals measured with sizeof so that NUL bytes inside them count. Every
 * error case asserts both the -1 and the message, and that the form the
 * parser was given is left as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "pool.h"
#include "suites.h"
#include "web-form.h"

#define LIT(s) (s), (sizeof(s) - 1)
#define CT "multipart/form-data; boundary="

static struct pool *pool;

/* setup - a fresh pool for each test */
static void setup(void)
{
	pool = pool_new("test-web-form", 4096);
}

/* teardown - free the test's pool */
static void teardown(void)
{
	pool_destroy(&pool);
}

/* limits_small - defaults with small, easy-to-hit numbers */
static struct form_limits limits_small(void)
{
	struct form_limits l = form_limits_default;

	l.max_fields = 3;
	l.max_name = 4;
	l.max_value = 8;
	l.max_parts = 2;
	l.max_part_headers = 128;
	l.max_file = 16;
	return l;
}

/* url_err - parse data as urlencoded and return the error (NULL if ok) */
static const char *url_err(const char *data, const struct form_limits *l)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	if (form_parse_urlencoded(pool, data, strlen(data), l, &form,
				  &error) == 0)
		return NULL;
	ck_assert_ptr_nonnull(error);
	ck_assert_uint_eq(form.count, 0);
	ck_assert_ptr_null(form.first);
	return error;
}

/* mp_err - parse a multipart body and return the error (NULL if ok) */
static const char *mp_err(const char *body, size_t len, const char *boundary,
			  const struct form_limits *l)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	if (form_parse_multipart(pool, body, len, boundary, l, &form,
				 &error) == 0)
		return NULL;
	ck_assert_ptr_nonnull(error);
	ck_assert_uint_eq(form.count, 0);
	return error;
}

/* boundary_of - form_multipart_boundary result, or NULL on -1 */
static const char *boundary_of(const char *content_type)
{
	const char *b = "untouched";

	if (form_multipart_boundary(pool, content_type, &b) < 0) {
		ck_assert_str_eq(b, "untouched");
		return NULL;
	}
	return b;
}

/* ---- urlencoded -------------------------------------------------------- */

START_TEST(test_url_basic)
{
	struct form form;
	const char *error = NULL;
	const struct form_field *f;

	form_init(&form);
	ck_assert_int_eq(form_parse_urlencoded(pool, LIT("a=1&bb=two"), NULL,
					       &form, &error), 0);
	ck_assert_uint_eq(form.count, 2);
	ck_assert_str_eq(form_get(&form, "a"), "1");
	ck_assert_str_eq(form_get(&form, "bb"), "two");
	ck_assert_ptr_null(form_get(&form, "c"));
	ck_assert_ptr_null(form_get(&form, "A"));
	f = form_get_field(&form, "bb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->value_len, 3);
	ck_assert_ptr_null(f->filename);
	ck_assert_ptr_null(f->content_type);
	ck_assert_ptr_eq(form.first->next, form.last);
	ck_assert_ptr_null(form.last->next);
}
END_TEST

START_TEST(test_url_plus_and_escapes)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	ck_assert_int_eq(form_parse_urlencoded(pool,
			LIT("q=hello+world%21&p=%2B&a%20b=%e6%8a%a5"), NULL,
			&form, &error), 0);
	ck_assert_str_eq(form_get(&form, "q"), "hello world!");
	ck_assert_str_eq(form_get(&form, "p"), "+");
	ck_assert_str_eq(form_get(&form, "a b"), "\xe6\x8a\xa5");
	ck_assert_uint_eq(form_get_field(&form, "a b")->value_len, 3);
}
END_TEST

START_TEST(test_url_empty_pairs)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	ck_assert_int_eq(form_parse_urlencoded(pool,
			LIT("&&a=1&&flag&=orphan&b=&"), NULL, &form,
			&error), 0);
	ck_assert_uint_eq(form.count, 3);
	ck_assert_str_eq(form_get(&form, "a"), "1");
	ck_assert_str_eq(form_get(&form, "flag"), "");
	ck_assert_uint_eq(form_get_field(&form, "flag")->value_len, 0);
	ck_assert_str_eq(form_get(&form, "b"), "");
	ck_assert_ptr_null(form_get(&form, ""));

	form_init(&form);
	ck_assert_int_eq(form_parse_urlencoded(pool, "", 0, NULL, &form,
					       &error), 0);
	ck_assert_uint_eq(form.count, 0);
	ck_assert_int_eq(form_parse_urlencoded(pool, NULL, 0, NULL, &form,
					       &error), 0);
	ck_assert_uint_eq(form.count, 0);
}
END_TEST

START_TEST(test_url_bad_percent)
{
	ck_assert_str_eq(url_err("a=%G1", NULL), "bad percent-encoding");
	ck_assert_str_eq(url_err("a=1%", NULL), "bad percent-encoding");
	ck_assert_str_eq(url_err("a=%2", NULL), "bad percent-encoding");
	ck_assert_str_eq(url_err("a=%2G", NULL), "bad percent-encoding");
	ck_assert_str_eq(url_err("%zz=1", NULL), "bad percent-encoding");
	ck_assert_str_eq(url_err("ok=1&b=%", NULL), "bad percent-encoding");
}
END_TEST

START_TEST(test_url_length_limits)
{
	struct form_limits l = limits_small();

	ck_assert_ptr_null(url_err("abcd=12345678", &l));
	ck_assert_str_eq(url_err("abcde=1", &l), "field name too long");
	ck_assert_str_eq(url_err("a=123456789", &l), "field value too long");
	/* limits apply to decoded bytes */
	ck_assert_ptr_null(url_err("%61%62%63%64=%31%32%33%34%35%36%37%38",
				   &l));
	ck_assert_str_eq(url_err("a=%e6%8a%a5%e6%8a%a5%e6%8a%a5", &l),
			 "field value too long");
}
END_TEST

START_TEST(test_url_too_many_fields)
{
	struct form_limits l = limits_small();
	struct form form;
	const char *error = NULL;

	ck_assert_ptr_null(url_err("a=1&b=2&c=3", &l));
	ck_assert_ptr_null(url_err("a=1&&&b=2&&c=3&&", &l));
	ck_assert_str_eq(url_err("a=1&b=2&c=3&d=4", &l), "too many fields");

	/* the count is per call */
	form_init(&form);
	ck_assert_int_eq(form_parse_urlencoded(pool, LIT("a=1&b=2&c=3"), &l,
					       &form, &error), 0);
	ck_assert_int_eq(form_parse_urlencoded(pool, LIT("d=1&e=2"), &l,
					       &form, &error), 0);
	ck_assert_uint_eq(form.count, 5);
}
END_TEST

START_TEST(test_url_invalid_utf8)
{
	ck_assert_str_eq(url_err("a=%C3%28", NULL), "invalid UTF-8");
	ck_assert_str_eq(url_err("a=%C0%AF", NULL), "invalid UTF-8");
	ck_assert_str_eq(url_err("a=%ED%A0%80", NULL), "invalid UTF-8");
	ck_assert_str_eq(url_err("a=%F4%90%80%80", NULL), "invalid UTF-8");
	ck_assert_str_eq(url_err("%FF=1", NULL), "invalid UTF-8");
	ck_assert_str_eq(url_err("a=\xc3", NULL), "invalid UTF-8");
	ck_assert_str_eq(url_err("a=%00", NULL), "NUL byte in field");
	ck_assert_ptr_null(url_err("a=%C3%A9%F0%9F%98%80", NULL));
}
END_TEST

START_TEST(test_url_error_leaves_form)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	ck_assert_int_eq(form_parse_urlencoded(pool, LIT("x=1"), NULL, &form,
					       &error), 0);
	ck_assert_int_eq(form_parse_urlencoded(pool, LIT("y=2&z=%G0"), NULL,
					       &form, &error), -1);
	ck_assert_str_eq(error, "bad percent-encoding");
	ck_assert_uint_eq(form.count, 1);
	ck_assert_ptr_null(form_get(&form, "y"));
	ck_assert_ptr_eq(form.first, form.last);
}
END_TEST

START_TEST(test_url_append_and_bounds)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	ck_assert_int_eq(form_parse_urlencoded(pool, LIT("a=query"), NULL,
					       &form, &error), 0);
	/* only the first 3 bytes are ours */
	ck_assert_int_eq(form_parse_urlencoded(pool, "a=body&b=2", 6, NULL,
					       &form, &error), 0);
	ck_assert_uint_eq(form.count, 2);
	ck_assert_str_eq(form_get(&form, "a"), "query");
	ck_assert_str_eq(form.last->value, "body");
	ck_assert_ptr_null(form_get(&form, "b"));
}
END_TEST

/* ---- url_decode / url_encode ------------------------------------------- */

START_TEST(test_url_decode)
{
	char *out = NULL;
	size_t len = 99;

	ck_assert_int_eq(url_decode(pool, LIT("a+b%2fc"), false, &out, &len),
			 0);
	ck_assert_str_eq(out, "a+b/c");
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(url_decode(pool, LIT("a+b"), true, &out, &len), 0);
	ck_assert_str_eq(out, "a b");
	ck_assert_int_eq(url_decode(pool, LIT("x%00y"), false, &out, &len),
			 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(out, "x\0y", 4), 0);

	out = NULL;
	len = 99;
	ck_assert_int_eq(url_decode(pool, LIT("%"), false, &out, &len), -1);
	ck_assert_int_eq(url_decode(pool, LIT("%4"), false, &out, &len), -1);
	ck_assert_int_eq(url_decode(pool, LIT("%x1"), false, &out, &len), -1);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 99);
}
END_TEST

START_TEST(test_url_encode)
{
	char *enc, *dec;
	size_t len;
	const char *s = "a b/\xc3\xbc~-._?&=+%Z";

	ck_assert_str_eq(url_encode(pool, ""), "");
	ck_assert_str_eq(url_encode(pool, "AZaz09-._~"), "AZaz09-._~");
	enc = url_encode(pool, s);
	ck_assert_str_eq(enc, "a%20b%2F%C3%BC~-._%3F%26%3D%2B%25Z");
	ck_assert_int_eq(url_decode(pool, enc, strlen(enc), true, &dec,
				    &len), 0);
	ck_assert_str_eq(dec, s);
}
END_TEST

/* ---- cookies ----------------------------------------------------------- */

START_TEST(test_cookie_basic)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	ck_assert_int_eq(form_parse_cookies(pool, "sid=abc123; lang=en",
					    NULL, &form, &error), 0);
	ck_assert_uint_eq(form.count, 2);
	ck_assert_str_eq(form_get(&form, "sid"), "abc123");
	ck_assert_str_eq(form_get(&form, "lang"), "en");
	ck_assert_uint_eq(form_get_field(&form, "sid")->value_len, 6);
}
END_TEST

START_TEST(test_cookie_quotes_whitespace)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	ck_assert_int_eq(form_parse_cookies(pool,
			"  a = \"x y\" ;\tb=\"q\";c=;d=\"\"; e=%20+ ;", NULL,
			&form, &error), 0);
	ck_assert_uint_eq(form.count, 5);
	ck_assert_str_eq(form_get(&form, "a"), "x y");
	ck_assert_str_eq(form_get(&form, "b"), "q");
	ck_assert_str_eq(form_get(&form, "c"), "");
	ck_assert_str_eq(form_get(&form, "d"), "");
	/* not percent-decoded, '+' kept */
	ck_assert_str_eq(form_get(&form, "e"), "%20+");
}
END_TEST

START_TEST(test_cookie_malformed_skipped)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	ck_assert_int_eq(form_parse_cookies(pool,
			"novalue; =x; a b=1; d=\"open; e=ok; f=in\"side; "
			"g=\x01; h=\xff\xfe; i=\"; ;;; [j]=2; k=\"v\"w\"",
			NULL, &form, &error), 0);
	ck_assert_uint_eq(form.count, 1);
	ck_assert_str_eq(form_get(&form, "e"), "ok");
	ck_assert_ptr_null(form_get(&form, "d"));
	ck_assert_ptr_null(form_get(&form, "h"));

	form_init(&form);
	ck_assert_int_eq(form_parse_cookies(pool, "", NULL, &form, &error),
			 0);
	ck_assert_int_eq(form_parse_cookies(pool, " ; ;", NULL, &form,
					    &error), 0);
	ck_assert_uint_eq(form.count, 0);
}
END_TEST

START_TEST(test_cookie_limits)
{
	struct form_limits l = limits_small();
	struct form form;
	const char *error = NULL;

	form_init(&form);
	ck_assert_int_eq(form_parse_cookies(pool, "a=1; b=2; bad; c=3", &l,
					    &form, &error), 0);
	ck_assert_uint_eq(form.count, 3);

	form_init(&form);
	ck_assert_int_eq(form_parse_cookies(pool, "a=1; b=2; c=3; d=4", &l,
					    &form, &error), -1);
	ck_assert_str_eq(error, "too many cookies");
	ck_assert_uint_eq(form.count, 0);
	ck_assert_int_eq(form_parse_cookies(pool, "abcde=1", &l, &form,
					    &error), -1);
	ck_assert_str_eq(error, "cookie name too long");
	ck_assert_int_eq(form_parse_cookies(pool, "a=123456789", &l, &form,
					    &error), -1);
	ck_assert_str_eq(error, "cookie value too long");
	/* quotes do not count */
	ck_assert_int_eq(form_parse_cookies(pool, "a=\"12345678\"", &l,
					    &form, &error), 0);
	ck_assert_str_eq(form_get(&form, "a"), "12345678");
}
END_TEST

/* ---- multipart boundary ------------------------------------------------ */

START_TEST(test_boundary_quoted)
{
	ck_assert_str_eq(boundary_of(CT "\"a b:c\""), "a b:c");
	ck_assert_str_eq(boundary_of(CT "\"(x,y)/z?\"; charset=utf-8"),
			 "(x,y)/z?");
	/* ';' is not a bchar */
	ck_assert_ptr_null(boundary_of(CT "\"x;y\""));
	/* '"' is not a bchar, even escaped */
	ck_assert_ptr_null(boundary_of(CT "\"a\\\"b\""));
	/* nothing may follow the closing quote but a parameter */
	ck_assert_ptr_null(boundary_of(CT "\"ab\"x"));
}
END_TEST

START_TEST(test_boundary_unquoted)
{
	ck_assert_str_eq(boundary_of(CT "----WebKitFormBoundary7MA4YWxk"),
			 "----WebKitFormBoundary7MA4YWxk");
	ck_assert_str_eq(boundary_of("Multipart/Form-Data ;BOUNDARY=abc ; "
				     "charset=utf-8"), "abc");
	ck_assert_str_eq(boundary_of("multipart/form-data; charset=utf-8; "
				     "boundary=q=1"), "q=1");
	ck_assert_ptr_null(boundary_of(CT "a@b"));
}
END_TEST

START_TEST(test_boundary_missing)
{
	ck_assert_ptr_null(boundary_of("multipart/form-data"));
	ck_assert_ptr_null(boundary_of("multipart/form-data;"));
	ck_assert_ptr_null(boundary_of("multipart/form-data; charset=x"));
	ck_assert_ptr_null(boundary_of("text/plain; boundary=abc"));
	ck_assert_ptr_null(boundary_of("multipart/mixed; boundary=abc"));
	ck_assert_ptr_null(boundary_of("multipart/form-dataX; boundary=a"));
	ck_assert_ptr_null(boundary_of(""));
	ck_assert_ptr_null(boundary_of(CT "a; boundary=b"));
	ck_assert_ptr_null(boundary_of(CT "\"unterminated"));
}
END_TEST

START_TEST(test_boundary_length)
{
	char ct[256];
	char b70[71], b71[72];

	memset(b70, 'x', 70);
	b70[70] = '\0';
	memset(b71, 'x', 71);
	b71[71] = '\0';
	snprintf(ct, sizeof(ct), CT "%s", b70);
	ck_assert_str_eq(boundary_of(ct), b70);
	snprintf(ct, sizeof(ct), CT "\"%s\"", b70);
	ck_assert_str_eq(boundary_of(ct), b70);
	snprintf(ct, sizeof(ct), CT "%s", b71);
	ck_assert_ptr_null(boundary_of(ct));
	snprintf(ct, sizeof(ct), CT "\"%s\"", b71);
	ck_assert_ptr_null(boundary_of(ct));
	ck_assert_str_eq(boundary_of(CT "z"), "z");
}
END_TEST

START_TEST(test_boundary_empty)
{
	ck_assert_ptr_null(boundary_of(CT "\"\""));
	ck_assert_ptr_null(boundary_of(CT));
	ck_assert_ptr_null(boundary_of(CT "; charset=x"));
	/* may not end in a space */
	ck_assert_ptr_null(boundary_of(CT "\"abc \""));
	ck_assert_ptr_null(boundary_of(CT "\" \""));
}
END_TEST

/* ---- multipart bodies -------------------------------------------------- */

static const char mp_happy[] =
	"This is a preamble; --XyZ is not a delimiter here.\r\n"
	"--XyZ\r\n"
	"Content-Disposition: form-data; name=\"subject\"\r\n"
	"\r\n"
	"Hello \xe2\x82\xac\r\n"
	"--XyZ\r\n"
	"content-disposition: form-data; name=\"to\"\r\n"
	"X-Ignored: yes\r\n"
	"\r\n"
	"a@example.org\r\n"
	"--XyZ\r\n"
	"Content-Disposition: form-data; name=\"file\"; "
	"filename=\"pic.bin\"\r\n"
	"Content-Type: application/octet-stream\r\n"
	"\r\n"
	"\x00\x01\r\n--Xy\r\n--XyY\xff\r\n\x00"
	"\r\n"
	"--XyZ--\r\n"
	"epilogue --XyZ garbage";

START_TEST(test_mp_happy)
{
	static const char content[] = "\x00\x01\r\n--Xy\r\n--XyY\xff\r\n\x00";
	struct form form;
	const char *error = NULL;
	const struct form_field *f;

	form_init(&form);
	ck_assert_int_eq(form_parse_multipart(pool, LIT(mp_happy), "XyZ",
					      NULL, &form, &error), 0);
	ck_assert_uint_eq(form.count, 3);
	ck_assert_str_eq(form_get(&form, "subject"), "Hello \xe2\x82\xac");
	ck_assert_ptr_null(form_get_field(&form, "subject")->filename);
	ck_assert_ptr_null(form_get_field(&form, "subject")->content_type);
	ck_assert_str_eq(form_get(&form, "to"), "a@example.org");

	f = form_get_field(&form, "file");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->filename, "pic.bin");
	ck_assert_str_eq(f->content_type, "application/octet-stream");
	ck_assert_uint_eq(f->value_len, sizeof(content) - 1);
	ck_assert_int_eq(memcmp(f->value, content, sizeof(content) - 1), 0);
	ck_assert_int_eq(f->value[f->value_len], '\0');
}
END_TEST

START_TEST(test_mp_rfc5987)
{
	static const char body[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=up; "
		"filename=\"fallback.txt\"; "
		"filename*=UTF-8''%E6%8A%A5.txt\r\n"
		"\r\n"
		"data\r\n"
		"--b\r\n"
		"Content-Disposition: form-data; name=\"two\"; "
		"filename*=utf-8'zh'%e6%8a%a5%20x\r\n"
		"\r\n"
		"\r\n"
		"--b--";
	struct form form;
	const char *error = NULL;

	form_init(&form);
	ck_assert_int_eq(form_parse_multipart(pool, LIT(body), "b", NULL,
					      &form, &error), 0);
	ck_assert_uint_eq(form.count, 2);
	ck_assert_str_eq(form_get_field(&form, "up")->filename,
			 "\xe6\x8a\xa5.txt");
	ck_assert_str_eq(form_get(&form, "up"), "data");
	ck_assert_str_eq(form_get_field(&form, "two")->filename,
			 "\xe6\x8a\xa5 x");
	ck_assert_uint_eq(form_get_field(&form, "two")->value_len, 0);
}
END_TEST

START_TEST(test_mp_filename_errors)
{
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=f; filename*=ISO-8859-1''%E9\r\n\r\nx\r\n--b--"),
		"b", NULL), "multipart: unsupported filename* charset");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=f; filename*=UTF-8%E9\r\n\r\nx\r\n--b--"),
		"b", NULL), "multipart: bad filename*");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=f; filename*=UTF-8''%G9\r\n\r\nx\r\n--b--"),
		"b", NULL), "multipart: bad filename*");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=f; filename*=UTF-8''a%0Db\r\n\r\nx\r\n--b--"),
		"b", NULL), "multipart: bad filename");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=f; filename*=UTF-8''a%00b\r\n\r\nx\r\n--b--"),
		"b", NULL), "multipart: bad filename");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=f; filename=\"\xc0\xaf\"\r\n\r\nx\r\n--b--"),
		"b", NULL), "invalid UTF-8");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=f; filename=a; filename=b\r\n\r\nx\r\n--b--"),
		"b", NULL), "multipart: duplicate parameter");
}
END_TEST

START_TEST(test_mp_raw_filename_kept)
{
	static const char body[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=\"a\\\"q\"; "
		"filename=\"C:\\dir\\..\\x \\\"y\\\".txt\"\r\n"
		"\r\n"
		"\xff\xfe\r\n"
		"--b\r\n"
		"Content-Disposition: form-data; name=\"empty\"; "
		"filename=\"\"\r\n"
		"Content-Type: application/octet-stream\r\n"
		"\r\n"
		"\r\n"
		"--b--\r\n";
	struct form form;
	const char *error = NULL;
	const struct form_field *f;

	form_init(&form);
	ck_assert_int_eq(form_parse_multipart(pool, LIT(body), "b", NULL,
					      &form, &error), 0);
	f = form_get_field(&form, "a\"q");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->filename, "C:\\dir\\..\\x \"y\".txt");
	/* file contents are binary: no UTF-8 check */
	ck_assert_uint_eq(f->value_len, 2);
	f = form_get_field(&form, "empty");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->filename, "");
	ck_assert_uint_eq(f->value_len, 0);
}
END_TEST

START_TEST(test_mp_missing_close)
{
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n\r\nvalue\r\n"), "b", NULL),
		"multipart: missing closing boundary");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n\r\nvalue\r\n--b"), "b", NULL),
		"multipart: missing closing boundary");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n\r\nvalue\r\n--b-"), "b", NULL),
		"multipart: missing closing boundary");
	ck_assert_str_eq(mp_err(LIT("--b"), "b", NULL),
		"multipart: missing closing boundary");
}
END_TEST

START_TEST(test_mp_wrong_boundary)
{
	static const char body[] =
		"--right\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		"v\r\n--right--\r\n";

	ck_assert_ptr_null(mp_err(LIT(body), "right", NULL));
	ck_assert_str_eq(mp_err(LIT(body), "wrong", NULL),
			 "multipart: missing boundary");
	/* a prefix of the real boundary is not a delimiter */
	ck_assert_str_eq(mp_err(LIT(body), "rig", NULL),
			 "multipart: bad delimiter");
	ck_assert_str_eq(mp_err("", 0, "right", NULL),
			 "multipart: missing boundary");
	ck_assert_str_eq(mp_err(LIT(body), "", NULL),
			 "multipart: bad boundary");
	ck_assert_str_eq(mp_err(LIT(body), "a\"b", NULL),
			 "multipart: bad boundary");
}
END_TEST

START_TEST(test_mp_delimiter_needs_crlf)
{
	/* "--b" inside the value is not preceded by CRLF */
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n\r\nvalue--b--\r\n"), "b", NULL),
		"multipart: missing closing boundary");
	/* bare LF is not CRLF */
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n\r\nvalue\n--b--\r\n"), "b", NULL),
		"multipart: missing closing boundary");
	ck_assert_str_eq(mp_err(LIT("--b\nContent-Disposition: form-data; "
		"name=a\r\n\r\nvalue\r\n--b--\r\n"), "b", NULL),
		"multipart: bad delimiter");
	/* transport padding after the boundary is allowed */
	ck_assert_ptr_null(mp_err(LIT("--b \t\r\nContent-Disposition: "
		"form-data; name=a\r\n\r\nvalue\r\n--b--"), "b", NULL));
}
END_TEST

START_TEST(test_mp_truncated_headers)
{
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n"), "b", NULL),
		"multipart: truncated part headers");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-da"),
		"b", NULL), "multipart: truncated part headers");
	ck_assert_str_eq(mp_err(LIT("--b\r\n"), "b", NULL),
		"multipart: truncated part headers");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n\r"), "b", NULL),
		"multipart: truncated part headers");
}
END_TEST

START_TEST(test_mp_no_name)
{
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"filename=x\r\n\r\nv\r\n--b--"), "b", NULL),
		"multipart: part without name");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=\"\"\r\n\r\nv\r\n--b--"), "b", NULL),
		"multipart: part without name");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Type: text/plain\r\n\r\n"
		"v\r\n--b--"), "b", NULL),
		"multipart: missing Content-Disposition");
	ck_assert_str_eq(mp_err(LIT("--b\r\n\r\nv\r\n--b--"), "b", NULL),
		"multipart: missing Content-Disposition");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: attachment; "
		"name=a\r\n\r\nv\r\n--b--"), "b", NULL),
		"multipart: not form-data");
}
END_TEST

START_TEST(test_mp_header_too_long)
{
	/* the header line is 38 bytes plus CRLF */
	static const char body[] =
		"--b\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		"v\r\n--b--";
	struct form_limits l = form_limits_default;
	char big[10000];
	size_t n;

	l.max_part_headers = 40;
	ck_assert_ptr_null(mp_err(LIT(body), "b", &l));
	l.max_part_headers = 39;
	ck_assert_str_eq(mp_err(LIT(body), "b", &l),
			 "multipart: header too long");
	l.max_part_headers = 0;
	ck_assert_str_eq(mp_err(LIT(body), "b", &l),
			 "multipart: header too long");

	/* a header longer than the default 8 KiB, never terminated */
	n = (size_t)snprintf(big, sizeof(big), "--b\r\nX-Pad: ");
	memset(big + n, 'p', sizeof(big) - n);
	ck_assert_str_eq(mp_err(big, sizeof(big), "b", NULL),
			 "multipart: header too long");
}
END_TEST

START_TEST(test_mp_too_many_parts)
{
	static const char two[] =
		"--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
		"--b\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n"
		"--b--";
	static const char three[] =
		"--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
		"--b\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n"
		"--b\r\nContent-Disposition: form-data; name=c\r\n\r\n3\r\n"
		"--b--";
	struct form_limits l = limits_small();

	ck_assert_ptr_null(mp_err(LIT(two), "b", &l));
	ck_assert_str_eq(mp_err(LIT(three), "b", &l),
			 "multipart: too many parts");
	ck_assert_ptr_null(mp_err(LIT(three), "b", NULL));
}
END_TEST

START_TEST(test_mp_value_limits)
{
	struct form_limits l = limits_small();

	ck_assert_ptr_null(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=abcd\r\n\r\n12345678\r\n--b--"), "b", &l));
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=abcde\r\n\r\n1\r\n--b--"), "b", &l),
		"field name too long");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n\r\n123456789\r\n--b--"), "b", &l),
		"field value too long");
	/* files have their own limit */
	ck_assert_ptr_null(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=f; filename=x\r\n\r\n0123456789abcdef\r\n--b--"),
		"b", &l));
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=f; filename=x\r\n\r\n0123456789abcdefg\r\n--b--"),
		"b", &l), "multipart: file too large");
}
END_TEST

START_TEST(test_mp_text_checks)
{
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n\r\n\xed\xa0\x80\r\n--b--"), "b", NULL),
		"invalid UTF-8");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n\r\nx\x00y\r\n--b--"), "b", NULL),
		"NUL byte in field");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=\"\xc3\x28\"\r\n\r\nv\r\n--b--"), "b", NULL),
		"invalid UTF-8");
}
END_TEST

START_TEST(test_mp_bad_headers)
{
	ck_assert_str_eq(mp_err(LIT("--b\r\nno colon here\r\n\r\nv\r\n--b--"),
		"b", NULL), "multipart: bad header line");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\nX: y\r\n\r\nv\r\n--b--"), "b", NULL),
		"multipart: bad header line");
	ck_assert_str_eq(mp_err(LIT("--b\r\n : x\r\n\r\nv\r\n--b--"),
		"b", NULL), "multipart: bad header line");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\nContent-Disposition: form-data; name=b\r\n\r\n"
		"v\r\n--b--"), "b", NULL), "multipart: duplicate header");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a; name=b\r\n\r\nv\r\n--b--"), "b", NULL),
		"multipart: duplicate parameter");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=\"a\r\n\r\nv\r\n--b--"), "b", NULL),
		"multipart: bad Content-Disposition");
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data "
		"name=a\r\n\r\nv\r\n--b--"), "b", NULL),
		"multipart: bad Content-Disposition");
	/* the blank line is missing: the delimiter is read as a header */
	ck_assert_str_eq(mp_err(LIT("--b\r\nContent-Disposition: form-data; "
		"name=a\r\n--b--\r\n"), "b", NULL),
		"multipart: bad header line");
}
END_TEST

START_TEST(test_mp_empty_and_error_atomic)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	ck_assert_int_eq(form_parse_multipart(pool, LIT("--b--\r\n"), "b",
					      NULL, &form, &error), 0);
	ck_assert_uint_eq(form.count, 0);
	ck_assert_int_eq(form_parse_urlencoded(pool, LIT("k=v"), NULL, &form,
					       &error), 0);
	ck_assert_int_eq(form_parse_multipart(pool,
			LIT("--b\r\nContent-Disposition: form-data; name=a"
			    "\r\n\r\n1\r\n--b\r\nContent-Disposition: "
			    "form-data\r\n\r\n2\r\n--b--"),
			"b", NULL, &form, &error), -1);
	ck_assert_str_eq(error, "multipart: part without name");
	ck_assert_uint_eq(form.count, 1);
	ck_assert_ptr_null(form_get(&form, "a"));
	ck_assert_str_eq(form_get(&form, "k"), "v");
}
END_TEST

/* web_form_suite - all tests of lib/web-form.c */
Suite *web_form_suite(void)
{
	Suite *s = suite_create("web-form");
	TCase *tc;

	tc = tcase_create("urlencoded");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_url_basic);
	tcase_add_test(tc, test_url_plus_and_escapes);
	tcase_add_test(tc, test_url_empty_pairs);
	tcase_add_test(tc, test_url_bad_percent);
	tcase_add_test(tc, test_url_length_limits);
	tcase_add_test(tc, test_url_too_many_fields);
	tcase_add_test(tc, test_url_invalid_utf8);
	tcase_add_test(tc, test_url_error_leaves_form);
	tcase_add_test(tc, test_url_append_and_bounds);
	tcase_add_test(tc, test_url_decode);
	tcase_add_test(tc, test_url_encode);
	suite_add_tcase(s, tc);

	tc = tcase_create("cookies");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cookie_basic);
	tcase_add_test(tc, test_cookie_quotes_whitespace);
	tcase_add_test(tc, test_cookie_malformed_skipped);
	tcase_add_test(tc, test_cookie_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("boundary");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_boundary_quoted);
	tcase_add_test(tc, test_boundary_unquoted);
	tcase_add_test(tc, test_boundary_missing);
	tcase_add_test(tc, test_boundary_length);
	tcase_add_test(tc, test_boundary_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("multipart");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_mp_happy);
	tcase_add_test(tc, test_mp_rfc5987);
	tcase_add_test(tc, test_mp_filename_errors);
	tcase_add_test(tc, test_mp_raw_filename_kept);
	tcase_add_test(tc, test_mp_missing_close);
	tcase_add_test(tc, test_mp_wrong_boundary);
	tcase_add_test(tc, test_mp_delimiter_needs_crlf);
	tcase_add_test(tc, test_mp_truncated_headers);
	tcase_add_test(tc, test_mp_no_name);
	tcase_add_test(tc, test_mp_header_too_long);
	tcase_add_test(tc, test_mp_too_many_parts);
	tcase_add_test(tc, test_mp_value_limits);
	tcase_add_test(tc, test_mp_text_checks);
	tcase_add_test(tc, test_mp_bad_headers);
	tcase_add_test(tc, test_mp_empty_and_error_atomic);
	suite_add_tcase(s, tc);
	return s;
}
