/*
 * test-imap-mime.c - unit tests of backend/imapd/imap-mime.c: the part
 * tree, BODYSTRUCTURE / BODY, ENVELOPE, BODY[section], BINARY[section]
 * and the IMAP string writers.
 *
 * Sections are built by imap_fetch_att_parse() from the text a client
 * sends ("1.HEADER.FIELDS (From To)"), as the server will. Expected
 * BODYSTRUCTURE and ENVELOPE strings were cross-checked against Dovecot
 * 2.3 on the same messages; where we differ on purpose (see the top of
 * imap-mime.c) the test says so.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pool.h"
#include "imap-fetch.h"
#include "imap-mime.h"
#include "suites.h"

Suite *imap_mime_suite(void);

static struct pool *pool;

static void setup(void)
{
	pool = pool_new("test-imap-mime", 4096);
}

static void teardown(void)
{
	pool_destroy(&pool);
}

/* parse - the tree of a C string message */
static const struct imap_mime *parse(const char *msg)
{
	return imap_mime_parse(pool, msg, strlen(msg));
}

/* new_buf - an unbounded buffer freed with the pool */
static struct buf *new_buf(void)
{
	return buf_new_pool(pool, 0);
}

/* text - a buffer's contents as a C string */
static const char *text(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

/* bs - BODYSTRUCTURE (ext) or BODY of a message */
static const char *bs(const char *msg, bool ext)
{
	struct buf *b = new_buf();

	imap_mime_bodystructure(parse(msg), ext, b);
	return text(b);
}

/* env - ENVELOPE of a message */
static const char *env(const char *msg)
{
	struct buf *b = new_buf();

	imap_mime_envelope(msg, imap_mime_header_len(msg, strlen(msg)), b);
	return text(b);
}

/* env2 - ENVELOPE of a header block that may hold NUL octets */
static const char *env2(const char *msg, size_t len)
{
	struct buf *b = new_buf();

	imap_mime_envelope(msg, imap_mime_header_len(msg, len), b);
	return text(b);
}

/* make_section - the section of "BODY[spec]" */
static struct imap_section make_section(const char *prefix, const char *spec)
{
	struct imap_fetch_att att;
	const char *name = p_printf(pool, "%s[%s]", prefix, spec), *error;

	ck_assert_msg(imap_fetch_att_parse(pool, name, strlen(name), &att,
					   &error) == 0, "%s: %s", name,
		      error);
	return att.section;
}

/* sect - BODY[spec] of a message as a string, "(-1)" on -1 */
static const char *sect(const char *msg, const char *spec)
{
	struct imap_section s = make_section("BODY", spec);
	const char *data;
	size_t len;

	if (imap_mime_section(pool, parse(msg), &s, &data, &len) < 0)
		return "(-1)";
	return p_strndup(pool, data, len);
}

/* bin - BINARY[spec] of a message; -1 as the function said */
static int bin(const char *msg, const char *spec, const char **data,
	       size_t *len)
{
	struct imap_section s = make_section("BINARY", spec);

	return imap_mime_binary(pool, parse(msg), &s, data, len);
}

/* bin_str - BINARY[spec] as a string, "(-1)" on -1 */
static const char *bin_str(const char *msg, const char *spec)
{
	const char *data;
	size_t len;

	if (bin(msg, spec, &data, &len) < 0)
		return "(-1)";
	return p_strndup(pool, data, len);
}

/* ==== messages ========================================================= */

#define SIMPLE \
	"Subject: hi\r\n" \
	"From: A <a@b.c>\r\n" \
	"\r\n" \
	"hello\r\n"

/* multipart with a headerless part and an embedded multipart message */
#define NESTED \
	"Subject: mp\r\n" \
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" \
	"\r\n" \
	"preamble\r\n" \
	"--b1\r\n" \
	"Content-Type: text/plain\r\n" \
	"\r\n" \
	"one\r\n" \
	"--b1\r\n" \
	"\r\n" \
	"two no header\r\n" \
	"--b1\r\n" \
	"Content-Type: message/rfc822\r\n" \
	"\r\n" \
	"Subject: inner\r\n" \
	"From: x@y\r\n" \
	"Content-Type: multipart/alternative; boundary=b2\r\n" \
	"\r\n" \
	"--b2\r\n" \
	"\r\n" \
	"alt1\r\n" \
	"--b2\r\n" \
	"Content-Type: text/html\r\n" \
	"\r\n" \
	"<b>alt2</b>\r\n" \
	"--b2--\r\n" \
	"--b1--\r\n" \
	"epilogue\r\n"

#define NESTED_BODYSTRUCTURE \
	"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 3 0" \
	" NIL NIL NIL NIL)" \
	"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 13 0" \
	" NIL NIL NIL NIL)" \
	"(\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 147" \
	" (NIL \"inner\" ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\"))" \
	" ((NIL NIL \"x\" \"y\")) NIL NIL NIL NIL NIL)" \
	" ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 4 0" \
	" NIL NIL NIL NIL)" \
	"(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 11 0" \
	" NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"b2\") NIL NIL NIL)" \
	" 12 NIL NIL NIL NIL)" \
	" \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL)"

#define NESTED_BODY \
	"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 3 0)" \
	"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 13 0)" \
	"(\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 147" \
	" (NIL \"inner\" ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\"))" \
	" ((NIL NIL \"x\" \"y\")) NIL NIL NIL NIL NIL)" \
	" ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 4 0)" \
	"(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 11 0)" \
	" \"alternative\") 12) \"mixed\")"

/* a text part of n octets and l lines in BODY form */
#define TEXT_PART(n, l) \
	"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" " \
	#n " " #l ")"

/* ==== the tree ========================================================= */

START_TEST(test_tree_simple)
{
	const struct imap_mime *m = parse(SIMPLE);
	const struct imap_mime_part *r = m->root;

	ck_assert_ptr_eq(m->data, SIMPLE);
	ck_assert_uint_eq(m->len, strlen(SIMPLE));
	ck_assert_uint_eq(r->header_start, 0);
	ck_assert_uint_eq(r->header_len, 32);
	ck_assert_uint_eq(r->body_start, 32);
	ck_assert_uint_eq(r->body_len, 7);
	ck_assert_uint_eq(r->body_lines, 1);
	ck_assert_str_eq(r->type, "text");
	ck_assert_str_eq(r->subtype, "plain");
	ck_assert_str_eq(r->encoding, "7BIT");
	ck_assert_uint_eq(r->nparams, 1);
	ck_assert_str_eq(r->params[0], "charset");
	ck_assert_str_eq(r->params[1], "us-ascii");
	ck_assert_ptr_null(r->children);
	ck_assert_ptr_null(r->parent);
	ck_assert_str_eq(bs(SIMPLE, true),
			 "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
			 " \"7BIT\" 7 1 NIL NIL NIL NIL)");
	ck_assert_str_eq(bs(SIMPLE, false), TEXT_PART(7, 1));
	ck_assert_uint_eq(imap_mime_header_len(SIMPLE, strlen(SIMPLE)), 32);
}
END_TEST

START_TEST(test_tree_nested)
{
	const struct imap_mime *m = parse(NESTED);
	const struct imap_mime_part *r = m->root, *p, *msg;

	ck_assert_str_eq(r->type, "multipart");
	ck_assert_str_eq(r->subtype, "mixed");
	ck_assert_uint_eq(r->nchildren, 3);
	p = r->children->next->next;
	ck_assert_ptr_eq(p->parent, r);
	ck_assert_ptr_null(p->next);
	ck_assert_str_eq(p->type, "message");
	ck_assert_uint_eq(p->nchildren, 1);
	msg = p->children;
	ck_assert_uint_eq(msg->header_start, p->body_start);
	ck_assert_uint_eq(msg->nchildren, 2);
	/* the root runs to the end, epilogue in */
	ck_assert_uint_eq(r->body_start + r->body_len, strlen(NESTED));
	ck_assert_str_eq(bs(NESTED, true), NESTED_BODYSTRUCTURE);
	ck_assert_str_eq(bs(NESTED, false), NESTED_BODY);
}
END_TEST

START_TEST(test_tree_lf_only)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=b\n\n"
		"--b\n\nlf part\nline 2\n--b--\n";
	const struct imap_mime *m = parse(msg);
	const struct imap_mime_part *c = m->root->children;

	/* offsets and sizes are raw: no LF -> CRLF counting */
	ck_assert_uint_eq(m->root->header_len, 43);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->header_len, 1);
	ck_assert_uint_eq(c->body_len, 14);
	ck_assert_uint_eq(c->body_lines, 1);
	ck_assert_str_eq(sect(msg, "1"), "lf part\nline 2");
}
END_TEST

START_TEST(test_tree_no_separator)
{
	static const char msg[] = "Subject: nosep\r\nFrom: a@b";
	const struct imap_mime_part *r = parse(msg)->root;

	/* all header, no body */
	ck_assert_uint_eq(r->header_len, strlen(msg));
	ck_assert_uint_eq(r->body_start, strlen(msg));
	ck_assert_uint_eq(r->body_len, 0);
	ck_assert_str_eq(bs(msg, false), TEXT_PART(0, 0));
	ck_assert_str_eq(sect(msg, "HEADER"), msg);
	ck_assert_str_eq(sect(msg, "TEXT"), "");
	ck_assert_uint_eq(imap_mime_header_len(msg, strlen(msg)),
			  strlen(msg));
}
END_TEST

START_TEST(test_tree_empty)
{
	const struct imap_mime_part *r = parse("")->root;

	ck_assert_uint_eq(r->header_len, 0);
	ck_assert_uint_eq(r->body_len, 0);
	ck_assert_str_eq(bs("", true),
			 "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
			 " \"7BIT\" 0 0 NIL NIL NIL NIL)");
	ck_assert_str_eq(env(""), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	ck_assert_str_eq(sect("", ""), "");
	ck_assert_str_eq(sect("", "HEADER.FIELDS (From)"), "\r\n");
}
END_TEST

START_TEST(test_tree_body_only)
{
	static const char msg[] = "\r\nbody only\r\nno final newline";
	const struct imap_mime_part *r = parse(msg)->root;

	ck_assert_uint_eq(r->header_len, 2);
	ck_assert_uint_eq(r->body_len, 27);
	/* lines are LF octets: the last line has none */
	ck_assert_uint_eq(r->body_lines, 1);
	ck_assert_str_eq(sect(msg, "HEADER"), "\r\n");
	ck_assert_str_eq(sect(msg, "1"), "body only\r\nno final newline");
}
END_TEST

START_TEST(test_tree_unterminated)
{
	/* b2 is never closed: the b1 boundary ends it; b1 is never closed:
	   the last part runs to the end */
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=b1\r\n"
		"\r\n"
		"--b1\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"one\r\n"
		"--b1\r\n"
		"Content-Type: multipart/related; boundary=b2\r\n"
		"\r\n"
		"--b2\r\n"
		"\r\n"
		"inner\r\n"
		"--b1\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"last\r\n";

	ck_assert_str_eq(bs(msg, false),
			 "(" TEXT_PART(3, 0) "(" TEXT_PART(5, 0)
			 " \"related\")" TEXT_PART(6, 1) " \"mixed\")");
	ck_assert_str_eq(sect(msg, "2"), "--b2\r\n\r\ninner");
	ck_assert_str_eq(sect(msg, "2.1"), "inner");
	ck_assert_str_eq(sect(msg, "3"), "last\r\n");
}
END_TEST

START_TEST(test_tree_missing_boundary)
{
	/* no boundary parameter, and a boundary that never occurs: no
	   parts, written with one empty text part as RFC 3501 needs */
	static const char nobound[] =
		"Content-Type: multipart/mixed\r\n\r\nhello\r\n";
	static const char noparts[] =
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\nhello\r\n";

	ck_assert_uint_eq(parse(nobound)->root->nchildren, 0);
	ck_assert_str_eq(bs(nobound, true),
			 "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
			 " \"7BIT\" 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL"
			 " NIL)");
	ck_assert_str_eq(bs(noparts, false), "(" TEXT_PART(0, 0) " \"mixed\")");
	ck_assert_str_eq(sect(noparts, "TEXT"), "hello\r\n");
	ck_assert_str_eq(sect(noparts, "1"), "");
}
END_TEST

START_TEST(test_tree_boundary_lines)
{
	/* a boundary matches as a prefix; junk after it is ignored; "--"
	   after it closes, whatever follows */
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=\"a b\"\r\n"
		"\r\n"
		"--a b   \r\n"
		"\r\n"
		"one\r\n"
		"--a bx junk\r\n"
		"\r\n"
		"two\r\n"
		"--a b-- trailing\r\n"
		"epilogue\r\n";

	ck_assert_str_eq(bs(msg, false),
			 "(" TEXT_PART(3, 0) TEXT_PART(3, 0) " \"mixed\")");
	ck_assert_str_eq(sect(msg, "2"), "two");
}
END_TEST

START_TEST(test_tree_header_cut)
{
	/* a boundary inside a part's header ends the part: no body; an
	   empty part between two boundaries */
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=b\r\n"
		"\r\n"
		"--b\r\n"
		"Content-Type: text/html\r\n"
		"--b\r\n"
		"--b\r\n"
		"\r\n"
		"x\r\n"
		"--b--\r\n";
	const struct imap_mime_part *p = parse(msg)->root->children;

	ck_assert_str_eq(bs(msg, false),
			 "((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL"
			 " \"7BIT\" 0 0)" TEXT_PART(0, 0) TEXT_PART(1, 0)
			 " \"mixed\")");
	ck_assert_uint_eq(p->header_len, 25);
	ck_assert_uint_eq(p->body_start, p->header_start + 25);
	ck_assert_str_eq(sect(msg, "1.MIME"), "Content-Type: text/html\r\n");
	ck_assert_str_eq(sect(msg, "2.MIME"), "");
	ck_assert_str_eq(sect(msg, "3.MIME"), "\r\n");
}
END_TEST

START_TEST(test_tree_same_boundary)
{
	/* an inner multipart reusing the outer boundary: innermost wins,
	   so the inner close line closes the inner one and the next the
	   outer one (as Dovecot) */
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=x\r\n"
		"\r\n"
		"--x\r\n"
		"Content-Type: multipart/alternative; boundary=x\r\n"
		"\r\n"
		"--x\r\n"
		"\r\n"
		"inner\r\n"
		"--x--\r\n"
		"\r\n"
		"--x--\r\n";

	ck_assert_str_eq(bs(msg, false),
			 "((" TEXT_PART(5, 0) " \"alternative\") \"mixed\")");
}
END_TEST

START_TEST(test_tree_digest)
{
	/* parts of a digest default to message/rfc822 */
	static const char msg[] =
		"Content-Type: multipart/digest; boundary=d\r\n"
		"\r\n"
		"--d\r\n"
		"\r\n"
		"Subject: d1\r\n"
		"\r\n"
		"body1\r\n"
		"--d\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"plain\r\n"
		"--d--\r\n";

	ck_assert_str_eq(bs(msg, true),
			 "((\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 20"
			 " (NIL \"d1\" NIL NIL NIL NIL NIL NIL NIL NIL)"
			 " (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
			 " \"7BIT\" 5 0 NIL NIL NIL NIL) 2 NIL NIL NIL NIL)"
			 "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
			 " \"7BIT\" 5 0 NIL NIL NIL NIL) \"digest\""
			 " (\"boundary\" \"d\") NIL NIL NIL)");
}
END_TEST

START_TEST(test_tree_rfc822_edge)
{
	/* message/rfc822 at the top; empty; cut by a boundary */
	static const char top[] =
		"Subject: outer\r\n"
		"Content-Type: message/rfc822\r\n"
		"\r\n"
		"Subject: inner\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"\r\n"
		"inner body\r\n";
	static const char empty[] = "Content-Type: message/rfc822\r\n\r\n";
	static const char cut[] =
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\nContent-Type: message/rfc822\r\n--b--\r\n";

	ck_assert_str_eq(bs(top, false),
			 "(\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 71"
			 " (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL)"
			 " (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL"
			 " \"7BIT\" 12 1) 4)");
	ck_assert_str_eq(bs(empty, false),
			 "(\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 0 "
			 "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("
			 "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
			 " \"7BIT\" 0 0) 0)");
	ck_assert_str_eq(bs(cut, false),
			 "((\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 0 "
			 "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
			 "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
			 " \"7BIT\" 0 0) 0) \"mixed\")");
}
END_TEST

START_TEST(test_tree_content_fields)
{
	static const char msg[] =
		"Content-Type: TEXT/HTML; CHARSET=\"UTF-8\"; Format=Flowed\r\n"
		"Content-Transfer-Encoding: Quoted-Printable\r\n"
		"Content-ID: <id1@x>  \r\n"
		"Content-Description: some  desc\r\n"
		"Content-Disposition: INLINE\r\n"
		"Content-Language: en, (comment) de\r\n"
		"Content-Location:\r\n"
		"  http://x/y\r\n"
		"Content-MD5: abc=\r\n"
		"\r\n"
		"a=3Db\r\n";
	const struct imap_mime_part *r = parse(msg)->root;

	/* type, subtype and names lower case, the encoding upper case,
	   values and the disposition as sent */
	ck_assert_str_eq(bs(msg, true),
			 "(\"text\" \"html\" (\"charset\" \"UTF-8\" \"format\""
			 " \"Flowed\") \"<id1@x>\" \"some  desc\""
			 " \"QUOTED-PRINTABLE\" 7 1 \"abc=\" (\"INLINE\" NIL)"
			 " (\"en\" \"de\") \"http://x/y\")");
	ck_assert_str_eq(bs(msg, false),
			 "(\"text\" \"html\" (\"charset\" \"UTF-8\" \"format\""
			 " \"Flowed\") \"<id1@x>\" \"some  desc\""
			 " \"QUOTED-PRINTABLE\" 7 1)");
	ck_assert_uint_eq(r->nlanguages, 2);
	ck_assert_str_eq(r->id, "<id1@x>");
}
END_TEST

START_TEST(test_tree_params)
{
	/* comments, white space around "=", a folded quoted string, junk,
	   escapes, an unterminated quote (dropped), charset appended, the
	   first Content-Type and CTE counting */
	static const char msg[] =
		"Content-Type: text/plain (c1); (c2) format = \"flo\\\"wed\""
		" (c3); junk ; n3=\"line\r\n two\"; boundary=----=_P_1;"
		" e=; a=\"b\r\n"
		"Content-Type: image/png\r\n"
		"Content-Transfer-Encoding: BASE64\r\n"
		"Content-Transfer-Encoding: 8bit\r\n"
		"\r\n"
		"aGk=\r\n";

	ck_assert_str_eq(bs(msg, false),
			 "(\"text\" \"plain\" (\"format\" \"flo\\\"wed\" \"n3\""
			 " \"line two\" \"boundary\" \"----=_P_1\" \"e\" \"\""
			 " \"charset\" \"us-ascii\") NIL NIL \"BASE64\" 6 1)");
	ck_assert_str_eq(bin_str(msg, "1"), "hi");
}
END_TEST

START_TEST(test_tree_bad_content_type)
{
	/* RFC 2045 5.2: a broken Content-Type is text/plain (Dovecot
	   writes ("text" "" ...) and ("" "" ...)) */
	static const char *const rows[] = {
		"Content-Type: text\r\n\r\nx\r\n",
		"Content-Type: /plain; charset=utf-8\r\n\r\nx\r\n",
		"Content-Type:\r\n\r\nx\r\n",
		"Content-Type: text/; a=b\r\n\r\nx\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_str_eq(bs(rows[i], false), TEXT_PART(3, 1));
}
END_TEST

START_TEST(test_tree_rfc2231)
{
	/* continuations joined in section order (also when sent out of
	   order), ext values kept encoded, plain sections inside an ext
	   value %-encoded, a simple name* as sent */
	static const char msg[] =
		"Content-Type: application/octet-stream; name*1=\"name.txt\";"
		" name*0=\"long\"; title*=us-ascii'en'This%20is%20%2A\r\n"
		"Content-Disposition: attachment; filename*0*=UTF-8''%E2%82%AC;"
		" filename*1=\" rates.txt\"; a=1; filename*2*=%41;"
		" x*1*=%42; x*0=\"a'b\"; filename=\"plain.txt\"\r\n"
		"\r\n"
		"x\r\n";

	ck_assert_str_eq(bs(msg, true),
			 "(\"application\" \"octet-stream\" (\"name\""
			 " \"longname.txt\" \"title*\""
			 " \"us-ascii'en'This%20is%20%2A\") NIL NIL \"7BIT\" 3"
			 " NIL (\"attachment\" (\"filename*\""
			 " \"UTF-8''%E2%82%AC%20rates.txt%41\" \"a\" \"1\" \"x*\""
			 " \"''a%27b%42\" \"filename\" \"plain.txt\")) NIL NIL)");
}
END_TEST

START_TEST(test_tree_eight_bit)
{
	/* 8-bit values are literals, never raw in a quoted string */
	static const char msg[] =
		"Content-Type: text/plain; charset=\"utf-8\"\r\n"
		"Content-Disposition: attachment; filename=\"\xe2\x82\xac.txt\"\r\n"
		"Content-Description: caf\xc3\xa9\r\n"
		"\r\n"
		"x\r\n";

	ck_assert_str_eq(bs(msg, true),
			 "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL"
			 " {5}\r\ncaf\xc3\xa9 \"7BIT\" 3 1 NIL (\"attachment\""
			 " (\"filename\" {7}\r\n\xe2\x82\xac.txt)) NIL NIL)");
}
END_TEST

/* deep - n nested multiparts around a text part */
static const char *deep(unsigned int n)
{
	struct buf *b = new_buf();
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && ret == 0; i++)
		ret = buf_printf(b, "Content-Type: multipart/mixed; "
				 "boundary=\"=%u=\"\r\n\r\n--=%u=\r\n", i, i);
	if (ret == 0)
		ret = buf_append_str(b, "Content-Type: text/plain\r\n\r\nleaf\r\n");
	for (i = n; i-- > 0 && ret == 0;)
		ret = buf_printf(b, "--=%u=--\r\n", i);
	ck_assert_int_eq(ret, 0);
	return text(b);
}

START_TEST(test_tree_depth_limit)
{
	const char *msg = deep(IMAP_MIME_MAX_DEPTH + 8);
	const struct imap_mime_part *p = parse(msg)->root;
	unsigned int depth = 0;

	while (p->children != NULL) {
		ck_assert_str_eq(p->type, "multipart");
		ck_assert_uint_eq(p->nchildren, 1);
		p = p->children;
		depth++;
	}
	/* the multipart past the limit is one opaque leaf */
	ck_assert_uint_eq(depth, IMAP_MIME_MAX_DEPTH);
	ck_assert_str_eq(p->type, "application");
	ck_assert_str_eq(p->subtype, "octet-stream");
	ck_assert_ptr_nonnull(strstr(msg + p->body_start, "leaf"));
	/* just under the limit all is parsed */
	p = parse(deep(IMAP_MIME_MAX_DEPTH))->root;
	while (p->children != NULL)
		p = p->children;
	ck_assert_str_eq(p->type, "text");
}
END_TEST

START_TEST(test_tree_depth_limit_message)
{
	struct buf *b = new_buf();
	const struct imap_mime_part *p;
	unsigned int i, depth = 0;
	int ret = 0;

	for (i = 0; i < IMAP_MIME_MAX_DEPTH + 5 && ret == 0; i++)
		ret = buf_append_str(b, "Content-Type: message/rfc822\r\n\r\n");
	ck_assert_int_eq(ret, 0);
	for (p = parse(text(b))->root; p->children != NULL; p = p->children)
		depth++;
	ck_assert_uint_eq(depth, IMAP_MIME_MAX_DEPTH);
	ck_assert_str_eq(p->type, "application");
}
END_TEST

START_TEST(test_tree_parts_limit)
{
	struct buf *b = new_buf();
	const struct imap_mime *m;
	const struct imap_mime_part *p;
	unsigned int i, n = 0;
	int ret;

	ret = buf_append_str(b, "Content-Type: multipart/mixed; boundary=b"
			     "\r\n\r\n");
	for (i = 0; i < IMAP_MIME_MAX_PARTS + 500 && ret == 0; i++)
		ret = buf_printf(b, "--b\r\n\r\n%u\r\n", i + 1);
	if (ret == 0)
		ret = buf_append_str(b, "--b--\r\n");
	ck_assert_int_eq(ret, 0);
	m = parse(text(b));
	for (p = m->root->children; p != NULL; p = p->next)
		n++;
	/* the root counts as one part */
	ck_assert_uint_eq(n, IMAP_MIME_MAX_PARTS - 1);
	ck_assert_uint_eq(m->root->nchildren, n);
	ck_assert_uint_eq(m->root->body_start + m->root->body_len, b->len);
	ck_assert_str_eq(sect(text(b), "999"), "999");
	ck_assert_str_eq(sect(text(b), "1000"), "");
}
END_TEST

START_TEST(test_tree_bare_cr)
{
	/* a bare CR is no line end */
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\n\r\ncr\ronly\r--b\r\n--b--";

	ck_assert_str_eq(sect(msg, "1"), "cr\ronly\r--b");
	ck_assert_str_eq(bs(msg, false), "(" TEXT_PART(11, 0) " \"mixed\")");
}
END_TEST

/* ==== ENVELOPE ========================================================= */

START_TEST(test_env_basic)
{
	static const char msg[] =
		"Date:  Mon, 1 Jan 2024 10:00:00 +0000  \r\n"
		"Subject: =?utf-8?q?h=C3=A9llo?=\r\n"
		" world\r\n"
		"From: \"Doe, John\" <john@example.com>, Jane Q. Public"
		" <jane@x.org>\r\n"
		"Sender:\r\n"
		"To: undisclosed-recipients:;\r\n"
		"Cc: friends: a@b.c, \"B\" <b@c.d>; , solo@x.y\r\n"
		"In-Reply-To: <a@b>  <c@d>\r\n"
		"Message-ID:  <id@host> (comment)\r\n"
		"\r\n"
		"x\r\n";

	/* display names raw (RFC 2047 words stay), sender and reply-to
	   default to from, groups as start and end markers; unfolding
	   keeps the fold's white space (Dovecot makes it one space) */
	ck_assert_str_eq(env(msg),
			 "(\"Mon, 1 Jan 2024 10:00:00 +0000\""
			 " \"=?utf-8?q?h=C3=A9llo?= world\" "
			 "((\"Doe, John\" NIL \"john\" \"example.com\")"
			 "(\"Jane Q. Public\" NIL \"jane\" \"x.org\")) "
			 "((\"Doe, John\" NIL \"john\" \"example.com\")"
			 "(\"Jane Q. Public\" NIL \"jane\" \"x.org\")) "
			 "((\"Doe, John\" NIL \"john\" \"example.com\")"
			 "(\"Jane Q. Public\" NIL \"jane\" \"x.org\")) "
			 "((NIL NIL \"undisclosed-recipients\" NIL)"
			 "(NIL NIL NIL NIL)) "
			 "((NIL NIL \"friends\" NIL)(NIL NIL \"a\" \"b.c\")"
			 "(\"B\" NIL \"b\" \"c.d\")(NIL NIL NIL NIL)"
			 "(NIL NIL \"solo\" \"x.y\")) "
			 "NIL \"<a@b>  <c@d>\" \"<id@host> (comment)\")");
}
END_TEST

START_TEST(test_env_missing)
{
	/* absent fields are NIL, empty ones "" (addresses: NIL); an empty
	   Reply-To is from; no From: sender and reply-to NIL too */
	ck_assert_str_eq(env("Subject:\r\nDate:\r\nTo: ,,\r\nFrom: <a@b>\r\n"
			     "Reply-To:  \r\n\r\n"),
			 "(\"\" \"\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\"))"
			 " ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL)");
	ck_assert_str_eq(env("To: x@y\r\n\r\n"),
			 "(NIL NIL NIL NIL NIL ((NIL NIL \"x\" \"y\")) NIL NIL"
			 " NIL NIL)");
	/* a header without the empty line */
	ck_assert_str_eq(env("Subject: nosep\r\nFrom: a@b"),
			 "(NIL \"nosep\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\""
			 " \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL)");
}
END_TEST

static const struct {
	const char *value;
	const char *list;
} addr_rows[] = {
	{ "a@b", "((NIL NIL \"a\" \"b\"))" },
	{ "A <a@b>", "((\"A\" NIL \"a\" \"b\"))" },
	/* escapes in a quoted name, a quoted local part */
	{ "\"quoted\\\"name\\\\x\" <\"a b\"@c.d>",
	  "((\"quoted\\\"name\\\\x\" NIL \"a b\" \"c.d\"))" },
	/* split at the last "@" outside quotes */
	{ "\"@at\"@x.y", "((NIL NIL \"@at\" \"x.y\"))" },
	/* a comment names an address without a display name */
	{ "foo (Foo Bar)", "((\"Foo Bar\" NIL \"foo\" \"MISSING_DOMAIN\"))" },
	{ "(c) bar@baz.qux (Real Name)",
	  "((\"Real Name\" NIL \"bar\" \"baz.qux\"))" },
	/* the route is dropped (Dovecot returns "@r.a,@r.b") */
	{ "<@r.a,@r.b:r@s.t>", "((NIL NIL \"r\" \"s.t\"))" },
	/* white space and comments inside an addr-spec */
	{ "a\r\n (ok) @ x . y", "((\"ok\" NIL \"a\" \"x.y\"))" },
	/* missing parts */
	{ "<>", "((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))" },
	{ "a@, @b",
	  "((NIL NIL \"a\" \"MISSING_DOMAIN\")(NIL NIL \"MISSING_MAILBOX\""
	  " \"b\"))" },
	{ "Name <no-at>", "((\"Name\" NIL \"no-at\" \"MISSING_DOMAIN\"))" },
	/* encoded words stay encoded, quoted or not */
	{ "=?iso-8859-1?q?J=F6rg?= <j@x>, \"=?utf-8?b?w7Y=?=\" <k@x>",
	  "((\"=?iso-8859-1?q?J=F6rg?=\" NIL \"j\" \"x\")"
	  "(\"=?utf-8?b?w7Y=?=\" NIL \"k\" \"x\"))" },
	/* an empty quoted name is a name */
	{ "\"\" <k@x>", "((\"\" NIL \"k\" \"x\"))" },
	/* empty members and a ";" outside a group are skipped */
	{ "x@y,,, z@w; v@u",
	  "((NIL NIL \"x\" \"y\")(NIL NIL \"z\" \"w\")(NIL NIL \"v\" \"u\"))" },
	/* a group left open is closed; a group with no members */
	{ "g: a@b", "((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL NIL"
	  " NIL))" },
	{ "g: ;", "((NIL NIL \"g\" NIL)(NIL NIL NIL NIL))" },
	/* a domain literal */
	{ "u@[127.0.0.1]", "((NIL NIL \"u\" \"[127.0.0.1]\"))" },
	/* names: one space where the header had white space */
	{ "John  Q.Public <j@p>", "((\"John Q.Public\" NIL \"j\" \"p\"))" },
	/* stray specials */
	{ "> a@b ) , <c@d>>",
	  "((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\"))" },
};

START_TEST(test_env_addresses)
{
	size_t i;
	const char *e, *want;

	for (i = 0; i < sizeof(addr_rows) / sizeof(addr_rows[0]); i++) {
		e = env(p_printf(pool, "From: %s\r\n\r\n", addr_rows[i].value));
		want = p_printf(pool, "(NIL NIL %s %s %s NIL NIL NIL NIL NIL)",
				addr_rows[i].list, addr_rows[i].list,
				addr_rows[i].list);
		ck_assert_msg(strcmp(e, want) == 0, "%s:\n got %s\nwant %s",
			      addr_rows[i].value, e, want);
	}
}
END_TEST

START_TEST(test_env_repeated)
{
	/* repeated To: fields add up; of two Subject: the first counts */
	ck_assert_str_eq(env("Subject: two\r\nSubject: subjects\r\n"
			     "To: a@b\r\nCc: c@d\r\nTo: e@f, g@h\r\n\r\n"),
			 "(NIL \"two\" NIL NIL NIL ((NIL NIL \"a\" \"b\")"
			 "(NIL NIL \"e\" \"f\")(NIL NIL \"g\" \"h\"))"
			 " ((NIL NIL \"c\" \"d\")) NIL NIL NIL)");
	/* a Sender that holds addresses is kept */
	ck_assert_str_eq(env("From: a@b\r\nsender: s@x, t@x\r\n"
			     "REPLY-TO: g:;\r\n\r\n"),
			 "(NIL NIL ((NIL NIL \"a\" \"b\")) ((NIL NIL \"s\" \"x\")"
			 "(NIL NIL \"t\" \"x\")) ((NIL NIL \"g\" NIL)"
			 "(NIL NIL NIL NIL)) NIL NIL NIL NIL NIL)");
}
END_TEST

START_TEST(test_env_strings)
{
	/* 8-bit text is a literal; quotes and backslashes are escaped; a
	   tab from a fold is kept; NUL octets are dropped */
	static const char msg[] =
		"Subject: caf\xc3\xa9 8bit\r\n"
		"From: J\xc3\xb6rg <j@x>\r\n"
		"Message-ID: <a\"b\\c>\r\n"
		"In-Reply-To: a\r\n\tb\r\n"
		"Date: x\0y\r\n"
		"\r\n";

	ck_assert_str_eq(env2(msg, sizeof(msg) - 1),
			 "(\"xy\" {10}\r\ncaf\xc3\xa9 8bit (({5}\r\nJ\xc3\xb6rg NIL"
			 " \"j\" \"x\")) (({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x\"))"
			 " (({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x\")) NIL NIL NIL"
			 " \"a\tb\" \"<a\\\"b\\\\c>\")");
}
END_TEST

/* ==== sections ========================================================= */

START_TEST(test_section_whole)
{
	ck_assert_str_eq(sect(SIMPLE, ""), SIMPLE);
	ck_assert_str_eq(sect(SIMPLE, "HEADER"),
			 "Subject: hi\r\nFrom: A <a@b.c>\r\n\r\n");
	ck_assert_str_eq(sect(SIMPLE, "TEXT"), "hello\r\n");
	/* part 1 of a message that is no multipart is its body */
	ck_assert_str_eq(sect(SIMPLE, "1"), "hello\r\n");
	ck_assert_str_eq(sect(SIMPLE, "1.MIME"),
			 "Subject: hi\r\nFrom: A <a@b.c>\r\n\r\n");
	/* no part 2, no 1.1, no HEADER of a part that is no message */
	ck_assert_str_eq(sect(SIMPLE, "2"), "");
	ck_assert_str_eq(sect(SIMPLE, "1.1"), "");
	ck_assert_str_eq(sect(SIMPLE, "1.HEADER"), "");
	ck_assert_str_eq(sect(SIMPLE, "1.TEXT"), "");
}
END_TEST

START_TEST(test_section_top_mime)
{
	struct imap_section s;
	const char *data = "x";
	size_t len = 9;

	/* MIME needs a part; the parser never makes one without, so build
	   it by hand */
	memset(&s, 0, sizeof(s));
	s.text = IMAP_SECTION_MIME;
	ck_assert_int_eq(imap_mime_section(pool, parse(SIMPLE), &s, &data,
					   &len), -1);
}
END_TEST

START_TEST(test_section_parts)
{
	ck_assert_str_eq(sect(NESTED, "1"), "one");
	ck_assert_str_eq(sect(NESTED, "1.MIME"),
			 "Content-Type: text/plain\r\n\r\n");
	ck_assert_str_eq(sect(NESTED, "2"), "two no header");
	ck_assert_str_eq(sect(NESTED, "2.MIME"), "\r\n");
	ck_assert_str_eq(sect(NESTED, "3.MIME"),
			 "Content-Type: message/rfc822\r\n\r\n");
	ck_assert_str_eq(sect(NESTED, "3.HEADER"),
			 "Subject: inner\r\nFrom: x@y\r\nContent-Type: "
			 "multipart/alternative; boundary=b2\r\n\r\n");
	ck_assert_str_eq(sect(NESTED, "3.TEXT"),
			 "--b2\r\n\r\nalt1\r\n--b2\r\nContent-Type: text/html\r\n"
			 "\r\n<b>alt2</b>\r\n--b2--\r\n");
	/* the whole embedded message, the close line's CRLF in */
	ck_assert_str_eq(sect(NESTED, "3"),
			 "Subject: inner\r\nFrom: x@y\r\nContent-Type: "
			 "multipart/alternative; boundary=b2\r\n\r\n"
			 "--b2\r\n\r\nalt1\r\n--b2\r\nContent-Type: text/html\r\n"
			 "\r\n<b>alt2</b>\r\n--b2--\r\n");
	ck_assert_str_eq(sect(NESTED, "3.1"), "alt1");
	ck_assert_str_eq(sect(NESTED, "3.2"), "<b>alt2</b>");
	ck_assert_str_eq(sect(NESTED, "3.2.MIME"),
			 "Content-Type: text/html\r\n\r\n");
	ck_assert_str_eq(sect(NESTED, "3.HEADER.FIELDS (FROM)"),
			 "From: x@y\r\n\r\n");
	/* parts that do not exist are empty */
	ck_assert_str_eq(sect(NESTED, "4"), "");
	ck_assert_str_eq(sect(NESTED, "4.MIME"), "");
	ck_assert_str_eq(sect(NESTED, "3.3"), "");
	ck_assert_str_eq(sect(NESTED, "1.1"), "");
	ck_assert_str_eq(sect(NESTED, "3.1.1"), "");
	ck_assert_str_eq(sect(NESTED, "3.2.HEADER"), "");
	ck_assert_str_eq(sect(NESTED, "4294967295"), "");
	ck_assert_str_eq(sect(NESTED, "TEXT"),
			 strstr(NESTED, "preamble"));
}
END_TEST

START_TEST(test_section_rfc822_top)
{
	/* a top-level message/rfc822: 1 is the embedded message, 1.1 its
	   body (that message is no multipart), 1.MIME the outer header */
	static const char msg[] =
		"Subject: outer\r\n"
		"Content-Type: message/rfc822\r\n"
		"\r\n"
		"Subject: inner\r\n"
		"\r\n"
		"inner body\r\n";

	ck_assert_str_eq(sect(msg, "1"), "Subject: inner\r\n\r\ninner body\r\n");
	ck_assert_str_eq(sect(msg, "1.HEADER"), "Subject: inner\r\n\r\n");
	ck_assert_str_eq(sect(msg, "1.TEXT"), "inner body\r\n");
	ck_assert_str_eq(sect(msg, "1.1"), "inner body\r\n");
	ck_assert_str_eq(sect(msg, "1.1.MIME"), "Subject: inner\r\n\r\n");
	ck_assert_str_eq(sect(msg, "1.2"), "");
	ck_assert_str_eq(sect(msg, "1.MIME"),
			 "Subject: outer\r\nContent-Type: message/rfc822\r\n\r\n");
	ck_assert_str_eq(sect(msg, "HEADER.FIELDS (subject)"),
			 "Subject: outer\r\n\r\n");
}
END_TEST

START_TEST(test_section_find)
{
	const struct imap_mime *m = parse(NESTED);
	static const uint32_t p31[] = { 3, 1 }, p0[] = { 0 }, p5[] = { 5 };
	const struct imap_mime_part *p;

	ck_assert_ptr_eq(imap_mime_find(m, NULL, 0), m->root);
	p = imap_mime_find(m, p31, 2);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_eq(p->parent->parent, m->root->children->next->next);
	ck_assert_ptr_null(imap_mime_find(m, p0, 1));
	ck_assert_ptr_null(imap_mime_find(m, p5, 1));
}
END_TEST

#define FIELDS_MSG \
	"Subject: s\r\n" \
	"X-Folded: a\r\n" \
	"\tb\r\n" \
	"from : f@x\r\n" \
	"To: t@x\r\n" \
	"no colon line\r\n" \
	"FROM: second@x\r\n" \
	"\r\n" \
	"body\r\n"

START_TEST(test_section_header_fields)
{
	/* any case, in the message's order, folded lines kept, then the
	   empty line */
	ck_assert_str_eq(sect(FIELDS_MSG, "HEADER.FIELDS (From x-folded)"),
			 "X-Folded: a\r\n\tb\r\nfrom : f@x\r\nFROM: second@x\r\n"
			 "\r\n");
	ck_assert_str_eq(sect(FIELDS_MSG, "HEADER.FIELDS (Nothing)"), "\r\n");
	ck_assert_str_eq(sect(FIELDS_MSG,
			      "HEADER.FIELDS.NOT (From X-Folded Subject)"),
			 "To: t@x\r\nno colon line\r\n\r\n");
	ck_assert_str_eq(sect(FIELDS_MSG, "HEADER.FIELDS.NOT (To)"),
			 "Subject: s\r\nX-Folded: a\r\n\tb\r\nfrom : f@x\r\n"
			 "no colon line\r\nFROM: second@x\r\n\r\n");
	/* no name is a prefix of another */
	ck_assert_str_eq(sect(FIELDS_MSG, "HEADER.FIELDS (Fro X-Fold)"),
			 "\r\n");
}
END_TEST

START_TEST(test_section_header_fields_edge)
{
	/* no empty line: one is added, after a line end (Dovecot leaves
	   both out); a LF message gets LF */
	ck_assert_str_eq(sect("Subject: nosep\r\nFrom: a@b",
			      "HEADER.FIELDS (from)"), "From: a@b\r\n\r\n");
	ck_assert_str_eq(sect("Subject: nosep\r\nFrom: a@b",
			      "HEADER.FIELDS.NOT (from subject)"), "\r\n");
	ck_assert_str_eq(sect("Subject: x\nFrom: a@b\n\nbody\n",
			      "HEADER.FIELDS (from)"), "From: a@b\n\n");
}
END_TEST

/* ==== BINARY =========================================================== */

#define ENC_MSG \
	"Content-Type: multipart/mixed; boundary=b\r\n" \
	"\r\n" \
	"--b\r\n" \
	"Content-Transfer-Encoding: base64\r\n" \
	"\r\n" \
	"aGVsbG8g\r\n" \
	"d29y bGQ=\r\n" \
	"--b\r\n" \
	"Content-Transfer-Encoding: quoted-printable\r\n" \
	"\r\n" \
	"soft=\r\n" \
	"break =3D =3d trailing   \r\n" \
	"=XY bad =4 =\r\n" \
	"end=   \r\n" \
	"last\r\n" \
	"--b\r\n" \
	"Content-Transfer-Encoding: base64\r\n" \
	"\r\n" \
	"aGk*!!===garbage\r\n" \
	"--b\r\n" \
	"Content-Transfer-Encoding: 8BIT\r\n" \
	"\r\n" \
	"8bit\r\n" \
	"--b\r\n" \
	"Content-Transfer-Encoding: x-uuencode\r\n" \
	"\r\n" \
	"begin\r\n" \
	"--b\r\n" \
	"Content-Transfer-Encoding: base64\r\n" \
	"\r\n" \
	"AAEC/w==\r\n" \
	"--b--\r\n"

START_TEST(test_binary)
{
	const char *data;
	size_t len;

	ck_assert_str_eq(bin_str(ENC_MSG, "1"), "hello world");
	/* soft breaks joined, =XX in any case, trailing white space cut,
	   a bad "=" kept */
	ck_assert_str_eq(bin_str(ENC_MSG, "2"),
			 "softbreak = = trailing\r\n=XY bad =4 endlast");
	/* junk skipped, "=" ends the data (Dovecot: NO [PARSE]) */
	ck_assert_str_eq(bin_str(ENC_MSG, "3"), "hi");
	ck_assert_str_eq(bin_str(ENC_MSG, "4"), "8bit");
	ck_assert_str_eq(bin_str(ENC_MSG, "5"), "(-1)");
	ck_assert_int_eq(bin(ENC_MSG, "6", &data, &len), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(data, "\x00\x01\x02\xff", 4);
	/* BINARY[] is the whole message; a missing part is empty; a
	   multipart (7bit) as it is */
	ck_assert_str_eq(bin_str(ENC_MSG, ""), ENC_MSG);
	ck_assert_str_eq(bin_str(ENC_MSG, "7"), "");
	ck_assert_str_eq(bin_str(ENC_MSG, "1.1"), "");
	ck_assert_str_eq(bin_str(NESTED, "3"), sect(NESTED, "3"));
	/* part 1 of a message that is no multipart */
	ck_assert_str_eq(bin_str("Content-Transfer-Encoding: base64\r\n\r\n"
				 "aGk=\r\n", "1"), "hi");
}
END_TEST

START_TEST(test_binary_lf_qp)
{
	/* LF line ends stay LF */
	ck_assert_str_eq(bin_str("Content-Transfer-Encoding: "
				 "Quoted-Printable\n\na=\nb \nc=41\n", "1"),
			 "ab\ncA\n");
}
END_TEST

/* ==== the string writers =============================================== */

START_TEST(test_write_string)
{
	struct buf *b = new_buf();

	imap_write_string(b, "plain", 5);
	imap_write_string(b, "", 0);
	imap_write_string(b, NULL, 0);
	imap_write_string(b, "q\"b\\s", 5);
	imap_write_string(b, "cr\r\nlf", 6);
	imap_write_string(b, "\xc3\xa9", 2);
	imap_write_string(b, "n\0u\"l", 5);
	imap_write_string(b, "8\0\xff", 3);
	imap_write_nstring(b, "tab\there");
	imap_write_nstring(b, NULL);
	ck_assert_str_eq(text(b),
			 "\"plain\"\"\"NIL\"q\\\"b\\\\s\"{6}\r\ncr\r\nlf"
			 "{2}\r\n\xc3\xa9\"nu\\\"l\"{2}\r\n8\xff\"tab\there\"NIL");
}
END_TEST

START_TEST(test_write_bounded)
{
	struct buf *b = buf_new_pool(pool, 10);

	/* a write that does not fit is dropped with all after it: the
	   output is cut short (here inside "plain") */
	imap_mime_bodystructure(parse(SIMPLE), true, b);
	ck_assert_uint_le(b->len, 10);
	ck_assert_str_eq(text(b), "(\"text\" \"");
}
END_TEST

/* ==== robustness ======================================================= */

/* check_part - offsets inside the data and the parent, counts right */
static void check_part(const struct imap_mime *m,
		       const struct imap_mime_part *p, unsigned int *n)
{
	const struct imap_mime_part *c;
	unsigned int k = 0;

	(*n)++;
	ck_assert_uint_eq(p->header_start + p->header_len, p->body_start);
	ck_assert_uint_le(p->body_start + p->body_len, m->len);
	ck_assert_ptr_nonnull(p->type);
	ck_assert_ptr_nonnull(p->subtype);
	ck_assert_ptr_nonnull(p->encoding);
	for (c = p->children; c != NULL; c = c->next) {
		ck_assert_ptr_eq(c->parent, p);
		ck_assert_uint_ge(c->header_start, p->body_start);
		ck_assert_uint_le(c->body_start + c->body_len,
				  p->body_start + p->body_len);
		check_part(m, c, n);
		k++;
	}
	ck_assert_uint_eq(k, p->nchildren);
}

START_TEST(test_mutations)
{
	/* every cut and some one-octet changes of a nested message parse
	   into a sane tree and write balanced output */
	static const char specials[] = "-\n:;\"";
	const size_t nspecials = sizeof(specials) - 1;
	char *msg = p_strdup(pool, NESTED);
	size_t len = strlen(NESTED), i, k;
	struct buf *b = new_buf();
	const struct imap_mime *m;
	unsigned int n;
	char saved;

	for (i = 0; i <= len; i++) {
		saved = i < len ? msg[i] : 0;
		/* k < nspecials: msg[i] changed; k == nspecials: cut at i */
		for (k = 0; k <= nspecials; k++) {
			if (i < len && k < nspecials)
				msg[i] = specials[k];
			m = imap_mime_parse(pool, msg, k < nspecials ? len : i);
			n = 0;
			check_part(m, m->root, &n);
			ck_assert_uint_le(n, IMAP_MIME_MAX_PARTS);
			buf_reset(b);
			imap_mime_bodystructure(m, true, b);
			ck_assert(b->len > 2 && b->data[0] == '(' &&
				  b->data[b->len - 1] == ')');
			if (i < len)
				msg[i] = saved;
		}
	}
}
END_TEST

Suite *imap_mime_suite(void)
{
	Suite *s = suite_create("imap-mime");
	TCase *tc;

	tc = tcase_create("tree");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tree_simple);
	tcase_add_test(tc, test_tree_nested);
	tcase_add_test(tc, test_tree_lf_only);
	tcase_add_test(tc, test_tree_no_separator);
	tcase_add_test(tc, test_tree_empty);
	tcase_add_test(tc, test_tree_body_only);
	tcase_add_test(tc, test_tree_unterminated);
	tcase_add_test(tc, test_tree_missing_boundary);
	tcase_add_test(tc, test_tree_boundary_lines);
	tcase_add_test(tc, test_tree_header_cut);
	tcase_add_test(tc, test_tree_same_boundary);
	tcase_add_test(tc, test_tree_digest);
	tcase_add_test(tc, test_tree_rfc822_edge);
	tcase_add_test(tc, test_tree_content_fields);
	tcase_add_test(tc, test_tree_params);
	tcase_add_test(tc, test_tree_bad_content_type);
	tcase_add_test(tc, test_tree_rfc2231);
	tcase_add_test(tc, test_tree_eight_bit);
	tcase_add_test(tc, test_tree_depth_limit);
	tcase_add_test(tc, test_tree_depth_limit_message);
	tcase_add_test(tc, test_tree_parts_limit);
	tcase_add_test(tc, test_tree_bare_cr);
	suite_add_tcase(s, tc);

	tc = tcase_create("envelope");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_env_basic);
	tcase_add_test(tc, test_env_missing);
	tcase_add_test(tc, test_env_addresses);
	tcase_add_test(tc, test_env_repeated);
	tcase_add_test(tc, test_env_strings);
	suite_add_tcase(s, tc);

	tc = tcase_create("section");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_section_whole);
	tcase_add_test(tc, test_section_top_mime);
	tcase_add_test(tc, test_section_parts);
	tcase_add_test(tc, test_section_rfc822_top);
	tcase_add_test(tc, test_section_find);
	tcase_add_test(tc, test_section_header_fields);
	tcase_add_test(tc, test_section_header_fields_edge);
	tcase_add_test(tc, test_binary);
	tcase_add_test(tc, test_binary_lf_qp);
	suite_add_tcase(s, tc);

	tc = tcase_create("write");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_string);
	tcase_add_test(tc, test_write_bounded);
	suite_add_tcase(s, tc);

	/* about a second of CPU under ASan; the wall clock may be longer */
	tc = tcase_create("robustness");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	return s;
}
