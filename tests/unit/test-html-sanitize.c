/*
 * test-html-sanitize.c - unit tests for lib/html-sanitize.c.
 *
 * Exact outputs for the policy (elements, attributes, URLs, images, CSS,
 * escaping, limits), then the hostile corpora: our own vectors in
 * tests/unit/data/xss-vectors.txt and tests/e2e/hostile/vectors.json (the
 * one the browser test reads too) and, when present, DOMPurify's payloads
 * (../shared/corpus/xss-dompurify/payloads.json from the source tree, or
 * $MH_XSS_PAYLOADS). Every corpus input is sanitized with remote images
 * blocked and allowed, in one pass and with the stabilising passes, and
 * each output must pass xss_check() (judged by an independent allow-list
 * after re-parsing); the default outputs must also be fixpoints of the
 * sanitizer (sanitize(sanitize(x)) == sanitize(x)), re-parse into the
 * tree they describe (xss_roundtrip()), and hold none of the strings of
 * forbidden_tags[] and forbidden_in_tags[] nor an on* attribute
 * (property_offence(), plain string matching, no parser involved).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "html-sanitize.h"
#include "pool.h"
#include "suites.h"
#include "xss-check.h"

static struct pool *pool;

/* setup - a fresh pool for each test */
static void setup(void)
{
	pool = pool_new("test-html-sanitize", 4096);
}

/* teardown - free the test's pool */
static void teardown(void)
{
	pool_destroy(&pool);
}

/* run - sanitize (in, len) with opts; the output in pool memory, or
 * NULL with *error_r set */
static const char *run(const char *in, size_t len,
		       const struct html_sanitize_opts *opts,
		       struct html_sanitize_result *res, const char **error_r)
{
	struct buf *out = buf_new_pool(pool, 0);
	struct html_sanitize_result r;
	const char *error = NULL;

	if (html_sanitize(pool, in, len, opts, out, &r, &error) < 0) {
		ck_assert_ptr_nonnull(error);
		if (error_r != NULL)
			*error_r = error;
		if (res != NULL)
			*res = r;
		return NULL;
	}
	if (res != NULL)
		*res = r;
	return out->data != NULL ? p_strdup(pool, out->data) : "";
}

/* san - sanitize a C string with default options; must succeed */
static const char *san(const char *in)
{
	const char *error = NULL;
	const char *out = run(in, strlen(in), NULL, NULL, &error);

	ck_assert_msg(out != NULL, "html_sanitize failed: %s", error);
	return out;
}

/* san_opts - the same with options, filling *res */
static const char *san_opts(const char *in,
			    const struct html_sanitize_opts *opts,
			    struct html_sanitize_result *res)
{
	const char *error = NULL;
	const char *out = run(in, strlen(in), opts, res, &error);

	ck_assert_msg(out != NULL, "html_sanitize failed: %s", error);
	return out;
}

#define EXPECT(in, want) ck_assert_str_eq(san(in), (want))

/* ---- elements ----------------------------------------------------------- */

START_TEST(test_basic_formatting)
{
	EXPECT("<p>Hello <b>world</b></p>", "<p>Hello <b>world</b></p>");
	EXPECT("<P ALIGN=center>x<BR>y</P>",
	       "<p align=\"center\">x<br>y</p>");
	EXPECT("<ul><li>a<li>b</ul>", "<ul><li>a</li><li>b</li></ul>");
	EXPECT("<font color=red face=Arial size=2>x</font>",
	       "<font color=\"red\" face=\"Arial\" size=\"2\">x</font>");
	EXPECT("<blockquote type=cite cite=\"http://x/\">q</blockquote>",
	       "<blockquote type=\"cite\">q</blockquote>");
	EXPECT("<h1>t</h1><hr noshade><center><small>s</small></center>",
	       "<h1>t</h1><hr noshade=\"\"><center><small>s</small>"
	       "</center>");
	EXPECT("", "");
	EXPECT("plain text", "plain text");
}
END_TEST

START_TEST(test_fragment_only)
{
	EXPECT("<!DOCTYPE html><html lang=en><head><title>T</title>"
	       "<meta charset=utf-8><style>p{}</style></head>"
	       "<body bgcolor=red><p>x</p></body></html>",
	       "<p>x</p>");
	EXPECT("<html><body>a</body></html>b", "ab");
}
END_TEST

START_TEST(test_tables)
{
	EXPECT("<table border=0 cellpadding=2 onclick=x><tr><td colspan=2 "
	       "bgcolor=#fff>a<td>b</table>",
	       "<table border=\"0\" cellpadding=\"2\"><tbody><tr>"
	       "<td colspan=\"2\" bgcolor=\"#fff\">a</td><td>b</td></tr>"
	       "</tbody></table>");
	/* text inside a table is moved out of it by the parser */
	EXPECT("<table>oops<tr><td>c</td></tr></table>",
	       "oops<table><tbody><tr><td>c</td></tr></tbody></table>");
	EXPECT("<table><caption>c</caption><col width=10><thead><tr>"
	       "<th>h</th></tr></thead></table>",
	       "<table><caption>c</caption><colgroup><col width=\"10\">"
	       "</colgroup><thead><tr><th>h</th></tr></thead></table>");
	/* a form in a table is dropped, its cells kept */
	EXPECT("<table><form><tr><td>a</td></tr></form></table>",
	       "<table><tbody><tr><td>a</td></tr></tbody></table>");
}
END_TEST

START_TEST(test_dropped_with_content)
{
	EXPECT("a<script>alert(1)</script>b", "ab");
	EXPECT("a<style>p{color:red}</style>b", "ab");
	EXPECT("a<noscript><p>n</p></noscript>b", "ab");
	EXPECT("a<template><p>t</p></template>b", "ab");
	EXPECT("a<svg><text>s</text></svg>b", "ab");
	EXPECT("a<math><mi>m</mi></math>b", "ab");
	EXPECT("a<iframe src=x>i</iframe>b", "ab");
	EXPECT("a<object><p>o</p></object><embed src=x>b", "ab");
	EXPECT("a<select><option>o</option></select>b", "ab");
	EXPECT("a<textarea>t</textarea><button>b</button>b", "ab");
	EXPECT("a<input value=x><title>t</title>b", "ab");
}
END_TEST

START_TEST(test_unwrapped)
{
	EXPECT("<p>a<o:p>b</o:p></p>", "<p>ab</p>");
	EXPECT("<form action=x><p>f</p></form>", "<p>f</p>");
	EXPECT("<label>l<x-y>m</x-y></label>", "lm");
	EXPECT("<xmp><b>x</b></xmp>", "&lt;b&gt;x&lt;/b&gt;");
	EXPECT("<time>t</time><data value=1>d</data>", "td");
}
END_TEST

/* ---- attributes, escaping ------------------------------------------------ */

START_TEST(test_attributes)
{
	EXPECT("<p onclick=x id=i class=c name=n data-x=1 title=t>a</p>",
	       "<p title=\"t\">a</p>");
	EXPECT("<span dir=rtl lang=he>x</span>",
	       "<span dir=\"rtl\" lang=\"he\">x</span>");
	EXPECT("<img src=\"cid:a\" alt='a\"b' width=1 height=2 usemap=#m>",
	       "<img src=\"cid:a\" alt=\"a&quot;b\" width=\"1\" "
	       "height=\"2\">");
	EXPECT("<td nowrap>x</td>", "x");
}
END_TEST

START_TEST(test_escaping)
{
	EXPECT("<p>a &amp; b &lt; c &gt; d \"e\" 'f'</p>",
	       "<p>a &amp; b &lt; c &gt; d &quot;e&quot; &#39;f&#39;</p>");
	EXPECT("<p title=\"&lt;&amp;&#39;\">x</p>",
	       "<p title=\"&lt;&amp;&#39;\">x</p>");
	/* a CR from a character reference becomes LF */
	EXPECT("a&#13;b", "a\nb");
	/* UTF-8 passes, NUL and bad bytes do not get through raw */
	EXPECT("\xe4\xbd\xa0\xe5\xa5\xbd", "\xe4\xbd\xa0\xe5\xa5\xbd");
	ck_assert_str_eq(run("a\0b\xff", 4, NULL, NULL, NULL),
			 "ab\xef\xbf\xbd");
	/* gumbo turns references past 2^31 into stray bytes: the output
	 * is UTF-8 all the same */
	ck_assert_str_eq(san("<p title=\"&#4294967168;\">a&#4294967168;b</p>"),
			 "<p title=\"\xef\xbf\xbd\">a\xef\xbf\xbd" "b</p>");
}
END_TEST

START_TEST(test_pre_newline)
{
	const char *out = san("<pre>\n\nx</pre>");

	/* the parser eats the first LF; the output keeps the second */
	ck_assert_str_eq(out, "<pre>\n\nx</pre>");
	ck_assert_str_eq(san(out), out);
	ck_assert_str_eq(san("<pre>&#13;x</pre>"), "<pre>\n\nx</pre>");
	ck_assert_str_eq(san("<pre><b>\nx</b></pre>"),
			 "<pre><b>\nx</b></pre>");
	ck_assert_str_eq(san("<pre><o:p>\nx</o:p></pre>"),
			 "<pre>\n\nx</pre>");
}
END_TEST

/* ---- links -------------------------------------------------------------- */

START_TEST(test_links)
{
	EXPECT("<a href=\"http://example.com/?a=1&amp;b=2\">x</a>",
	       "<a href=\"http://example.com/?a=1&amp;b=2\" "
	       "target=\"_blank\" rel=\"noopener noreferrer\">x</a>");
	EXPECT("<a href=\" HTTPS://example.com/\n\">x</a>",
	       "<a href=\"HTTPS://example.com/\" target=\"_blank\" "
	       "rel=\"noopener noreferrer\">x</a>");
	EXPECT("<a href=\"mailto:a@example.com\">m</a>",
	       "<a href=\"mailto:a@example.com\" target=\"_blank\" "
	       "rel=\"noopener noreferrer\">m</a>");
	EXPECT("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>");
	EXPECT("<a href=\"java&#x09;script:alert(1)\">x</a>", "<a>x</a>");
	EXPECT("<a href=\"&#x20;javascript:x\">x</a>", "<a>x</a>");
	EXPECT("<a href=\"vbscript:x\">x</a>", "<a>x</a>");
	EXPECT("<a href=\"data:text/html,x\">x</a>", "<a>x</a>");
	EXPECT("<a href=\"/relative\">x</a><a href=\"#frag\">y</a>",
	       "<a>x</a><a>y</a>");
	EXPECT("<a href=\"ftp://example.com/\">x</a>", "<a>x</a>");
	EXPECT("<a href=\"http://x/\" target=_top rel=opener>x</a>",
	       "<a href=\"http://x/\" target=\"_blank\" "
	       "rel=\"noopener noreferrer\">x</a>");
}
END_TEST

/* ---- images ------------------------------------------------------------- */

/* map_cid - test mapping: "cid:X" -> "/part?cid=X", "drop" -> NULL */
static const char *map_cid(void *ctx, struct pool *p, const char *cid)
{
	(*(int *)ctx)++;
	if (strcmp(cid, "drop") == 0)
		return NULL;
	return p_printf(p, "/part?cid=%s&x=\"1\"", cid);
}

START_TEST(test_images_remote)
{
	struct html_sanitize_opts o = { 0 };
	struct html_sanitize_result r;
	const char *in = "<img src=\"http://t.example/a.gif\" width=1>"
		"<img src=\"https://t.example/b.gif\">"
		"<img src=\"//t.example/c.gif\">";

	ck_assert_str_eq(san_opts(in, &o, &r),
			 "<img width=\"1\"><img><img>");
	ck_assert_uint_eq(r.remote_blocked, 2);
	o.allow_remote_images = true;
	ck_assert_str_eq(san_opts(in, &o, &r),
			 "<img src=\"http://t.example/a.gif\" width=\"1\" "
			 "referrerpolicy=\"no-referrer\">"
			 "<img src=\"https://t.example/b.gif\" "
			 "referrerpolicy=\"no-referrer\"><img>");
	ck_assert_uint_eq(r.remote_blocked, 0);
	/* background attributes and CSS images never load */
	ck_assert_str_eq(san_opts("<table background=\"http://t/a\"><tr>"
				  "<td style=\"background: url(http://t/)\">"
				  "x</td></tr></table>", &o, &r),
			 "<table><tbody><tr><td>x</td></tr></tbody>"
			 "</table>");
}
END_TEST

START_TEST(test_images_cid_and_data)
{
	struct html_sanitize_opts o = { 0 };
	struct html_sanitize_result r;
	int calls = 0;

	EXPECT("<img src=\"cid:part1@x\">", "<img src=\"cid:part1@x\">");
	EXPECT("<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
	       "<img src=\"data:image/png;base64,iVBORw0KGgo=\">");
	EXPECT("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", "<img>");
	EXPECT("<img src=\"data:image/png,rawbytes\">", "<img>");
	EXPECT("<img src=\"data:image/gif;base64,R0l GOD\">", "<img>");
	o.cid_url = map_cid;
	o.cid_ctx = &calls;
	ck_assert_str_eq(san_opts("<p><img src=\"CID:a%40b\" alt=x>"
				  "<img src=\"cid:drop\"></p>", &o, &r),
			 "<p><img src=\"/part?cid=a%40b&amp;x=&quot;1&quot;\""
			 " alt=\"x\"><img></p>");
	ck_assert_int_gt(calls, 0);
	ck_assert_uint_eq(r.remote_blocked, 0);
	/* cid: links are not images */
	EXPECT("<a href=\"cid:x\">x</a>", "<a>x</a>");
}
END_TEST

/* ---- CSS ---------------------------------------------------------------- */

static const struct {
	const char *in, *out;	/* out NULL: no style attribute left */
} css_cases[] = {
	{ "color: red", "color: red" },
	{ "COLOR:Red;;  font-size :  12px ; ", "color: Red; font-size: 12px" },
	{ "color:\n\tred", "color: red" },
	{ "font-family: 'Times New Roman', &quot;Arial&quot;",
	  "font-family: &#39;Times New Roman&#39;, &quot;Arial&quot;" },
	{ "font-family: \xe5\xae\x8b\xe4\xbd\x93",
	  "font-family: \xe5\xae\x8b\xe4\xbd\x93" },
	{ "color: rgb(1, 2, 3); background-color: RGBA(0,0,0,.5)",
	  "color: rgb(1, 2, 3); background-color: RGBA(0,0,0,.5)" },
	{ "margin: 0 auto !important", "margin: 0 auto !important" },
	{ "font: 12px/1.5 sans-serif", "font: 12px/1.5 sans-serif" },
	{ "position: relative; position: fixed", "position: relative" },
	{ "position: absolute", NULL },
	{ "position: sticky", NULL },
	{ "width: expression(alert(1))", NULL },
	{ "background: url(cid:x)", NULL },
	{ "background: url(http://t/)", NULL },
	{ "background: #fff url(x) no-repeat", NULL },
	{ "background-image: image-set('a.png' 1x)", NULL },
	{ "color: r\\65 d", NULL },
	{ "color: red /* x */", NULL },
	{ "color: red; behavior: url(x.htc)", "color: red" },
	{ "-moz-binding: url(x)", NULL },
	{ "color: red<", NULL },
	{ "color: red&#1;", NULL },
	{ "color: red}", NULL },
	{ "color: calc(1px + 2px)", NULL },
	{ "color: rgb(rgb(1))", NULL },
	{ "color: 'unclosed", NULL },
	{ "font-family: 'a;b'", NULL },
	{ "z-index: 99; top: 0; content: 'x'", NULL },
	{ "color", NULL },
	{ ": red", NULL },
	{ "co lor: red", NULL },
	{ "color: javascript", NULL },
	{ "font-family: Expression", NULL },
	{ "display: none; visibility: hidden",
	  "display: none; visibility: hidden" },
};

START_TEST(test_css_filter)
{
	unsigned int i;

	for (i = 0; i < sizeof(css_cases) / sizeof(css_cases[0]); i++) {
		const char *in = p_printf(pool, "<p style=\"%s\">x</p>",
					  css_cases[i].in);
		const char *want = css_cases[i].out != NULL ?
			p_printf(pool, "<p style=\"%s\">x</p>",
				 css_cases[i].out) : "<p>x</p>";
		const char *got = san(in);

		ck_assert_msg(strcmp(got, want) == 0,
			      "style \"%s\": got %s, want %s",
			      css_cases[i].in, got, want);
		ck_assert_str_eq(san(got), got);
	}
}
END_TEST

/* ---- limits ------------------------------------------------------------- */

START_TEST(test_limit_input)
{
	struct html_sanitize_opts o = { 0 };
	struct html_sanitize_result r;

	o.max_input = 9;
	ck_assert_str_eq(san_opts("<p>abcdefgh</p>", &o, &r), "<p>abcdef</p>");
	ck_assert(r.truncated);
	/* never inside a UTF-8 sequence */
	o.max_input = 5;
	ck_assert_str_eq(san_opts("<p>\xe4\xbd\xa0</p>", &o, &r), "<p></p>");
	ck_assert(r.truncated);
	o.max_input = 0;
	san_opts("<p>abcdefgh</p>", &o, &r);
	ck_assert(!r.truncated);
}
END_TEST

START_TEST(test_limit_output)
{
	struct html_sanitize_opts o = { 0 };
	struct html_sanitize_result r;
	const char *in = "<div><p>one two three</p><p>four</p></div>";
	const char *out;
	size_t max;

	for (max = 1; max < 60; max++) {
		o.max_output = max;
		out = san_opts(in, &o, &r);
		ck_assert_uint_le(strlen(out), max);
		ck_assert(xss_roundtrip(out, strlen(out)));
		ck_assert_msg(r.truncated == (max < 42), "max %zu", max);
	}
	o.max_output = 25;
	ck_assert_str_eq(san_opts(in, &o, &r), "<div><p>one two</p></div>");
	/* a character reference is not cut in half */
	o.max_output = 12;
	ck_assert_str_eq(san_opts("<p>a&amp;b</p>", &o, &r), "<p>a</p>");
}
END_TEST

START_TEST(test_limit_depth)
{
	struct html_sanitize_opts o = { 0 };
	struct html_sanitize_result r;
	struct buf *in = buf_new_pool(pool, 0);
	const char *out;
	int i;

	o.max_depth = 3;
	ck_assert_str_eq(san_opts("<div><div><p><b>x<i>y</i></b></p></div>"
				  "</div>", &o, &r),
			 "<div><div><p>xy</p></div></div>");
	ck_assert(r.flattened);
	/* a table cut below its own level loses its cells' text, which a
	 * parser would move out of the table */
	ck_assert_str_eq(san_opts("<div><table><tr><td>x</td></tr></table>"
				  "</div>", &o, &r),
			 "<div><table><tbody></tbody></table></div>");
	/* very deep input: the output keeps the default depth */
	for (i = 0; i < 3000; i++)
		buf_adds(in, "<span>");
	buf_adds(in, "x");
	out = san(in->data);
	ck_assert_uint_eq(strlen(out), 256 * strlen("<span></span>") + 1);
	ck_assert(xss_roundtrip(out, strlen(out)));
}
END_TEST

START_TEST(test_limit_parse)
{
	struct html_sanitize_opts o = { 0 };
	struct html_sanitize_result r;
	struct buf *in = buf_new_pool(pool, 0), *out = buf_new_pool(pool, 0);
	const char *error = NULL;
	int i;

	for (i = 0; i < 2000; i++)
		buf_adds(in, "<p>para</p>");
	o.max_parse_memory = 64 * 1024;
	ck_assert_ptr_null(run(in->data, in->len, &o, &r, &error));
	ck_assert_str_eq(error, "HTML needs too much memory to parse");

	/* gumbo's quadratic case: 30000 nested divs, 1 ms of CPU */
	buf_reset(in);
	for (i = 0; i < 30000; i++)
		buf_adds(in, "<div>");
	o.max_parse_memory = 0;
	o.max_cpu_ms = 1;
	buf_adds(out, "kept");
	ck_assert_int_eq(html_sanitize(pool, in->data, in->len, &o, out, &r,
				       &error), -1);
	ck_assert_str_eq(error, "HTML takes too long to parse");
	ck_assert_str_eq(out->data, "kept");	/* left as it was */
}
END_TEST

START_TEST(test_out_buffer_max)
{
	struct buf *out = buf_new_pool(pool, 8);
	const char *error = NULL;

	ck_assert_int_eq(html_sanitize(pool, "<p>0123456789</p>", 17, NULL,
				       out, NULL, &error), -1);
	ck_assert_str_eq(error,
			 "sanitized HTML too large for the output buffer");
	ck_assert_uint_eq(out->len, 0);
}
END_TEST

/* ---- stability ---------------------------------------------------------- */

START_TEST(test_stabilising_pass)
{
	struct html_sanitize_opts o = { 0 };
	const char *in = "<h1><x-y><h2>t</h2></x-y></h1>";
	const char *one, *fixed;

	/* unwrapping x-y puts <h2> right inside <h1>, which a parser
	 * closes: one pass is not stable, the default result is */
	o.single_pass = true;
	one = san_opts(in, &o, NULL);
	ck_assert_str_eq(one, "<h1><h2>t</h2></h1>");
	ck_assert(!xss_roundtrip(one, strlen(one)));
	fixed = san(in);
	ck_assert_str_eq(fixed, "<h1></h1><h2>t</h2>");
	ck_assert_str_eq(san(fixed), fixed);
	ck_assert(xss_roundtrip(fixed, strlen(fixed)));
}
END_TEST

/* ---- hostile corpora ---------------------------------------------------- */

/* srcdir - the source tree */
static const char *srcdir(void)
{
	const char *s = getenv("MH_SRCDIR");

	return s != NULL && *s != '\0' ? s : MH_SRCDIR;
}

/* slurp - a whole file in pool memory (NUL-terminated); NULL if absent */
static char *slurp(const char *path, size_t *len_r)
{
	struct stat st;
	char *data;
	size_t got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	ck_assert_int_eq(fstat(fd, &st), 0);
	data = p_alloc(pool, (size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	close(fd);
	data[got] = '\0';
	*len_r = got;
	return data;
}

/* what no output may contain anywhere (text is escaped, so a raw '<'
 * always starts a tag) */
static const char *const forbidden_tags[] = {
	"<script", "<svg", "<math", "<form", "<base", "<meta", "<iframe",
	"<object", "<embed", NULL
};

/* what no tag of an output may contain, attribute values included,
 * except the values of text_attrs[] */
static const char *const forbidden_in_tags[] = {
	"javascript:", "expression(", "@import", NULL
};

/* attributes whose values are only ever shown as text (a tooltip, the
 * words for an image), so they may mention those words as text does */
static const char *const text_attrs[] = { "title", "alt", NULL };

/* ci_at - s[0..len) begins with the lower-case ASCII word w, any case */
static bool ci_at(const char *s, size_t len, const char *w)
{
	size_t i;

	for (i = 0; w[i] != '\0'; i++) {
		char c;

		if (i >= len)
			return false;
		c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') :
			s[i];
		if (c != w[i])
			return false;
	}
	return true;
}

/* is_space - HTML white space, or '/' (a parser takes it as a separator
 * between attributes) */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' ||
		c == '\r' || c == '/';
}

/* handler_attr - the tag t[0..len) has an attribute named on...: outside
 * quoted values, white space (or the quote ending the previous value),
 * "on", name characters, optional white space, '=' */
static bool handler_attr(const char *t, size_t len)
{
	char quote = 0;
	size_t i, j;

	for (i = 1; i + 2 < len; i++) {
		if (quote != 0) {
			if (t[i] == quote)
				quote = 0;
			continue;
		}
		if (t[i] == '"' || t[i] == '\'') {
			quote = t[i];
			continue;
		}
		if (!(is_space(t[i - 1]) || t[i - 1] == '"' ||
		      t[i - 1] == '\'') || !ci_at(t + i, len - i, "on"))
			continue;
		for (j = i + 2; j < len && t[j] != '=' && t[j] != '>' &&
		     !is_space(t[j]); j++)
			;
		while (j < len && is_space(t[j]))
			j++;
		if (j < len && t[j] == '=')
			return true;
	}
	return false;
}

/* text_value_end - when t[j] starts a quoted value of one of text_attrs
 * (t[j] is the quote after "name="), the position of its closing quote;
 * else j */
static size_t text_value_end(const char *t, size_t len, size_t j)
{
	size_t k, n, e;

	if (j < 2 || (t[j] != '"' && t[j] != '\'') || t[j - 1] != '=')
		return j;
	for (k = 0; text_attrs[k] != NULL; k++) {
		n = strlen(text_attrs[k]);
		if (j - 1 < n + 1 || !is_space(t[j - 2 - n]) ||
		    !ci_at(t + j - 1 - n, n, text_attrs[k]))
			continue;
		for (e = j + 1; e < len && t[e] != t[j]; e++)
			;
		return e;
	}
	return j;
}

/* property_offence - NULL when out[0..len) holds none of the forbidden
 * strings and no event handler attribute; else a description (static
 * storage) */
static const char *property_offence(const char *out, size_t len)
{
	static char why[160];
	size_t i, end, k;

	for (i = 0; i < len; i++) {
		if (out[i] != '<')
			continue;
		for (k = 0; forbidden_tags[k] != NULL; k++) {
			if (ci_at(out + i, len - i, forbidden_tags[k])) {
				snprintf(why, sizeof(why), "\"%s\" at %zu",
					 forbidden_tags[k], i);
				return why;
			}
		}
		for (end = i + 1; end < len && out[end] != '>'; end++)
			;
		for (size_t j = i; j < end; j++) {
			j = text_value_end(out + i, end - i, j - i) + i;
			for (k = 0; forbidden_in_tags[k] != NULL; k++) {
				if (ci_at(out + j, end - j,
					  forbidden_in_tags[k])) {
					snprintf(why, sizeof(why),
						 "\"%s\" in the tag at %zu",
						 forbidden_in_tags[k], i);
					return why;
				}
			}
		}
		if (handler_attr(out + i, end - i)) {
			snprintf(why, sizeof(why),
				 "an on* attribute in the tag at %zu", i);
			return why;
		}
	}
	return NULL;
}

START_TEST(test_property_check)
{
	static const char *const bad[] = {
		"<SCRIPT>x", "a<svg>", "<Math>", "<form action=\"x\">",
		"<base href=\"x\">", "<meta charset=\"x\">", "<iframe>",
		"<object>", "<embed>", "<img src=\"x\" onerror=\"y\">",
		"<img src=\"x\"onerror=\"y\">", "<p/onclick=y>",
		"<p ONMOUSEOVER = \"y\">", "<a href=\"JavaScript:x\">",
		"<p style=\"width: expression(1)\">", "<p style=\"@import x\">",
		"<p title=\"a\" style=\"x:expression(1)\">",
	};
	static const char *const good[] = {
		"<p>x</p>", "<p>javascript: expression( @import onclick=x</p>",
		"<p title=\"javascript: onclick=x expression(\">t</p>",
		"<img alt=\"@import\" src=\"cid:a\">", "<ol start=\"1\">",
		"&lt;script&gt;", "<a href=\"http://x/?on=1\">x</a>",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(property_offence(bad[i], strlen(bad[i])) != NULL,
			      "not caught: %s", bad[i]);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(property_offence(good[i], strlen(good[i])) ==
			      NULL, "wrongly caught: %s", good[i]);
}
END_TEST

/* judge - every rule for one hostile input; returns the number of
 * checks made */
static unsigned int judge(const char *name, const char *in, size_t len)
{
	struct html_sanitize_opts o = { 0 };
	unsigned int checks = 0, mode;

	for (mode = 0; mode < 4; mode++) {
		const char *out, *again, *bad, *error = NULL;
		size_t out_len;

		o.allow_remote_images = (mode & 1) != 0;
		o.single_pass = (mode & 2) != 0;
		out = run(in, len, &o, NULL, &error);
		ck_assert_msg(out != NULL, "%s: failed: %s", name, error);
		out_len = strlen(out);
		bad = xss_check(out, out_len, o.allow_remote_images);
		ck_assert_msg(bad == NULL, "%s (mode %u): %s in output %s",
			      name, mode, bad, out);
		ck_assert_msg(utf8_valid(out, out_len),
			      "%s (mode %u): output not UTF-8", name, mode);
		bad = property_offence(out, out_len);
		ck_assert_msg(bad == NULL, "%s (mode %u): %s in output %s",
			      name, mode, bad, out);
		checks += 3;
		if (o.single_pass)
			continue;
		again = run(out, out_len, &o, NULL, &error);
		ck_assert_msg(again != NULL && strcmp(again, out) == 0,
			      "%s: not idempotent:\n%s\n%s", name, out,
			      again != NULL ? again : error);
		ck_assert_msg(xss_roundtrip(out, out_len),
			      "%s: output does not re-parse to its tree: %s",
			      name, out);
		checks += 2;
	}
	return checks;
}

/* unescape - decode \x{HH} in a vector */
static char *unescape(const char *s, size_t len, size_t *len_r)
{
	char *out = p_alloc(pool, len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned int v;

		if (len - i >= 6 && memcmp(s + i, "\\x{", 3) == 0 &&
		    s[i + 5] == '}' && sscanf(s + i + 3, "%2x", &v) == 1) {
			out[n++] = (char)v;
			i += 5;
			continue;
		}
		out[n++] = s[i];
	}
	*len_r = n;
	return out;
}

START_TEST(test_xss_vectors)
{
	const char *path = p_printf(pool, "%s/tests/unit/data/xss-vectors.txt",
				    srcdir());
	size_t len, vlen;
	char *data = slurp(path, &len), *p, *end, *name = NULL, *body = NULL;
	unsigned int count = 0, checks = 0;

	ck_assert_msg(data != NULL, "cannot read %s", path);
	end = data + len;
	for (p = data; p <= end; ) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line_end = nl != NULL ? nl : end;
		bool header = line_end - p >= 4 && memcmp(p, "%%% ", 4) == 0;

		if ((header || p == end) && name != NULL) {
			size_t blen = (size_t)(p - body);
			char *v;

			if (blen > 0 && body[blen - 1] == '\n')
				blen--;
			v = unescape(body, blen, &vlen);
			checks += judge(name, v, vlen);
			count++;
			name = NULL;
		}
		if (p == end)
			break;
		if (header) {
			name = p_strndup(pool, p + 4,
					 (size_t)(line_end - p - 4));
			body = nl != NULL ? nl + 1 : end;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	ck_assert_uint_ge(count, 100);
	printf("html-sanitize: %u own vectors, %u checks passed\n", count,
	       checks);
}
END_TEST

/* json_string - decode the JSON string starting at *pp (at the quote);
 * UTF-16 escapes become UTF-8 */
static char *json_string(const char **pp, size_t *len_r)
{
	const char *p = *pp + 1;
	struct buf *b = buf_new_pool(pool, 0);

	for (; *p != '"'; p++) {
		unsigned int cp, lo;

		ck_assert_msg(*p != '\0', "unterminated JSON string");
		if (*p != '\\') {
			buf_addc(b, *p);
			continue;
		}
		p++;
		switch (*p) {
		case 'n': buf_addc(b, '\n'); break;
		case 'r': buf_addc(b, '\r'); break;
		case 't': buf_addc(b, '\t'); break;
		case 'f': buf_addc(b, '\f'); break;
		case 'b': buf_addc(b, '\b'); break;
		case 'u':
			ck_assert_int_eq(sscanf(p + 1, "%4x", &cp), 1);
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' &&
			    p[2] == 'u' && sscanf(p + 3, "%4x", &lo) == 1 &&
			    lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
					(lo - 0xdc00);
				p += 6;
			}
			if (cp < 0x80) {
				buf_addc(b, (char)cp);
			} else if (cp < 0x800) {
				buf_addc(b, (char)(0xc0 | (cp >> 6)));
				buf_addc(b, (char)(0x80 | (cp & 0x3f)));
			} else if (cp < 0x10000) {
				buf_addc(b, (char)(0xe0 | (cp >> 12)));
				buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
				buf_addc(b, (char)(0x80 | (cp & 0x3f)));
			} else {
				buf_addc(b, (char)(0xf0 | (cp >> 18)));
				buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
				buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
				buf_addc(b, (char)(0x80 | (cp & 0x3f)));
			}
			break;
		default:	/* " \ / */
			buf_addc(b, *p);
			break;
		}
	}
	*pp = p + 1;
	*len_r = b->len;
	return b->data != NULL ? b->data : p_strdup(pool, "");
}

/* json_next - the string value of the next "key" member at or after *pp,
 * decoded; NULL when there is none. *pp moves past the value. (The
 * corpora are arrays of flat objects; a quoted key followed by ':' can
 * only be a member name, as quotes inside strings are escaped.) */
static char *json_next(const char **pp, const char *key, size_t *len_r)
{
	const char *k = p_printf(pool, "\"%s\"", key), *p = *pp;

	while ((p = strstr(p, k)) != NULL) {
		p += strlen(k);
		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		if (*p != ':')
			continue;
		p++;
		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		ck_assert_msg(*p == '"', "%s is not a string", key);
		*pp = p;
		return json_string(pp, len_r);
	}
	return NULL;
}

START_TEST(test_hostile_json)
{
	const char *path = p_printf(pool, "%s/tests/e2e/hostile/vectors.json",
				    srcdir());
	size_t len, hlen, ilen;
	const char *data = slurp(path, &len), *p;
	unsigned int count = 0, checks = 0;
	char *id, *html;

	ck_assert_msg(data != NULL, "cannot read %s", path);
	p = strstr(data, "\"vectors\"");
	ck_assert_msg(p != NULL, "%s: no \"vectors\"", path);
	while ((id = json_next(&p, "id", &ilen)) != NULL) {
		html = json_next(&p, "html", &hlen);
		ck_assert_msg(html != NULL, "%s: vector %s has no html", path,
			      id);
		checks += judge(id, html, hlen);
		count++;
	}
	ck_assert_uint_ge(count, 120);
	printf("html-sanitize: %u vectors of tests/e2e/hostile, %u checks "
	       "passed\n", count, checks);
}
END_TEST

START_TEST(test_dompurify_payloads)
{
	const char *env = getenv("MH_XSS_PAYLOADS");
	const char *path = env != NULL && *env != '\0' ? env :
		p_printf(pool, "%s/../shared/corpus/xss-dompurify/"
			 "payloads.json", srcdir());
	size_t len;
	const char *data = slurp(path, &len), *p;
	unsigned int count = 0, checks = 0;

	if (data == NULL) {
		printf("html-sanitize: %s absent, DOMPurify payloads "
		       "skipped\n", path);
		return;
	}
	/* [ { "title": "...", "payload": "..." }, ... ]: take the string
	 * that follows each "payload" key */
	for (p = data; (p = strstr(p, "\"payload\"")) != NULL; ) {
		size_t plen;
		char *payload;
		const char *name;

		p += strlen("\"payload\"");
		while (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t')
			p++;
		ck_assert_msg(*p == '"', "payload is not a string");
		payload = json_string(&p, &plen);
		name = p_printf(pool, "dompurify #%u", count);
		checks += judge(name, payload, plen);
		count++;
	}
	ck_assert_uint_gt(count, 0);
	printf("html-sanitize: %u DOMPurify payloads, %u checks passed\n",
	       count, checks);
}
END_TEST

Suite *html_sanitize_suite(void)
{
	Suite *s = suite_create("html-sanitize");
	TCase *tc;

	tc = tcase_create("policy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_basic_formatting);
	tcase_add_test(tc, test_fragment_only);
	tcase_add_test(tc, test_tables);
	tcase_add_test(tc, test_dropped_with_content);
	tcase_add_test(tc, test_unwrapped);
	tcase_add_test(tc, test_attributes);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_pre_newline);
	tcase_add_test(tc, test_links);
	tcase_add_test(tc, test_images_remote);
	tcase_add_test(tc, test_images_cid_and_data);
	tcase_add_test(tc, test_css_filter);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_limit_input);
	tcase_add_test(tc, test_limit_output);
	tcase_add_test(tc, test_limit_depth);
	tcase_add_test(tc, test_limit_parse);
	tcase_add_test(tc, test_out_buffer_max);
	tcase_add_test(tc, test_stabilising_pass);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_property_check);
	tcase_add_test(tc, test_xss_vectors);
	tcase_add_test(tc, test_hostile_json);
	tcase_add_test(tc, test_dompurify_payloads);
	suite_add_tcase(s, tc);
	return s;
}
