/*
 * test-mime-meta.c - metadata extraction from the sample messages in
 * tests/unit/data/mail (plain ASCII, RFC 2047 B and Q, GB2312 labels on
 * GBK-only characters, raw 8-bit GBK, Big5 and Big5-HKSCS, unknown charset
 * names, HTML-only alternative, RFC 2231 attachment names, related parts,
 * nested message/rfc822, a multipart without boundary, subject prefixes,
 * no headers, empty body) and from messages built here (deep nesting, too
 * many parts, text and preview limits, hostile bytes).
 *
 * Every file is parsed twice, from a buffer and from a file descriptor,
 * and both results must agree. Every string must be valid UTF-8.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <glib.h>

#include "buf.h"
#include "imap-mime.h"
#include "mime-meta.h"
#include "pool.h"

Suite *mime_meta_suite(void);

static struct pool *test_pool;

static void setup(void)
{
	test_pool = pool_new("test-mime-meta", 4096);
}

static void teardown(void)
{
	pool_destroy(&test_pool);
}

/* data_path - tests/unit/data/mail/<name> under the source tree */
static const char *data_path(const char *name)
{
	const char *src = getenv("MH_SRCDIR");

	if (src == NULL || *src == '\0')
		src = MH_SRCDIR;
	return p_printf(test_pool, "%s/tests/unit/data/mail/%s", src, name);
}

/* load - a sample file's bytes in pool memory */
static const char *load(const char *name, size_t *len_r)
{
	const char *path = data_path(name);
	struct stat st;
	char *data;
	size_t got = 0;
	int fd = open(path, O_RDONLY);

	ck_assert_msg(fd >= 0, "cannot open %s", path);
	ck_assert_int_eq(fstat(fd, &st), 0);
	data = p_alloc(test_pool, (size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	close(fd);
	*len_r = got;
	return data;
}

static void assert_utf8(const char *what, const char *s, bool may_be_null)
{
	if (s == NULL) {
		ck_assert_msg(may_be_null, "%s is NULL", what);
		return;
	}
	ck_assert_msg(utf8_valid(s, strlen(s)), "%s is not UTF-8", what);
	for (const char *p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		ck_assert_msg(c >= 0x20 || c == '\n' || c == '\t',
			      "%s has control byte 0x%02x", what, c);
	}
}

/* check_meta - the invariants every result must keep */
static void check_meta(const struct mime_meta *m)
{
	assert_utf8("subject", m->subject, false);
	assert_utf8("from_addr", m->from_addr, false);
	assert_utf8("from_name", m->from_name, false);
	assert_utf8("to_addrs", m->to_addrs, false);
	assert_utf8("cc_addrs", m->cc_addrs, false);
	assert_utf8("message_id", m->message_id, true);
	assert_utf8("in_reply_to", m->in_reply_to, true);
	assert_utf8("refs", m->refs, true);
	assert_utf8("date_sent", m->date_sent, true);
	assert_utf8("sort_subject", m->sort_subject, false);
	assert_utf8("sort_from", m->sort_from, false);
	assert_utf8("preview", m->preview, false);
	assert_utf8("text", m->text, false);
	ck_assert_uint_eq(strlen(m->text), m->text_len);
	ck_assert(strchr(m->subject, '\n') == NULL);
	ck_assert(strchr(m->preview, '\n') == NULL);
	ck_assert_uint_le(g_utf8_strlen(m->preview, -1),
			  MIME_META_PREVIEW_CHARS);
	ck_assert_uint_le(m->header_bytes, m->size);
}

static void assert_same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

/* parse_file - parse a sample from memory and from an fd; both must agree */
static struct mime_meta *parse_file(const char *name)
{
	struct mime_meta *m1, *m2;
	const char *data, *error = NULL;
	size_t len;
	int fd;

	data = load(name, &len);
	ck_assert_int_eq(mime_meta_parse_data(test_pool, data, len, NULL,
					      &m1, &error), 0);
	fd = open(data_path(name), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 5, SEEK_SET), 5);	/* offset ignored */
	ck_assert_int_eq(mime_meta_parse_fd(test_pool, fd, NULL, &m2, &error),
			 0);
	close(fd);

	check_meta(m1);
	check_meta(m2);
	ck_assert_str_eq(m1->subject, m2->subject);
	ck_assert_str_eq(m1->from_addr, m2->from_addr);
	ck_assert_str_eq(m1->from_name, m2->from_name);
	ck_assert_str_eq(m1->to_addrs, m2->to_addrs);
	ck_assert_str_eq(m1->cc_addrs, m2->cc_addrs);
	assert_same_str(m1->message_id, m2->message_id);
	assert_same_str(m1->in_reply_to, m2->in_reply_to);
	/* the stored ENVELOPE is what FETCH would build from the file */
	{
		struct buf *env = buf_new_pool(test_pool, 0);

		imap_mime_envelope(data, imap_mime_header_len(data, len), env);
		ck_assert_ptr_nonnull(m1->imap_envelope);
		ck_assert_str_eq(m1->imap_envelope, env->data);
		assert_same_str(m1->imap_envelope, m2->imap_envelope);
	}
	assert_same_str(m1->refs, m2->refs);
	assert_same_str(m1->date_sent, m2->date_sent);
	ck_assert_str_eq(m1->sort_subject, m2->sort_subject);
	ck_assert_str_eq(m1->sort_from, m2->sort_from);
	ck_assert_str_eq(m1->preview, m2->preview);
	ck_assert_str_eq(m1->text, m2->text);
	ck_assert_int_eq(m1->has_attachments, m2->has_attachments);
	ck_assert_int_eq(m1->no_headers, m2->no_headers);
	ck_assert_uint_eq(m1->received_count, m2->received_count);
	ck_assert_uint_eq(m1->parts, m2->parts);
	ck_assert_uint_eq(m1->header_bytes, m2->header_bytes);
	ck_assert_uint_eq(m1->size, m2->size);
	ck_assert_uint_eq(m1->size, len);
	return m1;
}

/* parse_str - parse a message held in a C string */
static struct mime_meta *parse_str(const char *msg,
				   const struct mime_meta_opts *opts)
{
	struct mime_meta *m;
	const char *error = NULL;

	ck_assert_int_eq(mime_meta_parse_data(test_pool, msg, strlen(msg), opts,
					      &m, &error), 0);
	check_meta(m);
	return m;
}

/* ---- sample files ------------------------------------------------------ */

START_TEST(test_plain_ascii)
{
	struct mime_meta *m = parse_file("plain-ascii.eml");
	size_t len;
	const char *data = load("plain-ascii.eml", &len);

	ck_assert_str_eq(m->subject, "Quarterly report");
	ck_assert_str_eq(m->from_addr, "Alice@Example.COM");
	ck_assert_str_eq(m->from_name, "Alice Example");
	ck_assert_str_eq(m->to_addrs, "bob@example.org, carol@example.org");
	ck_assert_str_eq(m->cc_addrs, "dave@example.org");
	ck_assert_str_eq(m->message_id, "report-1@example.com");
	ck_assert_str_eq(m->in_reply_to, "parent-7@example.com");
	ck_assert_str_eq(m->refs, "root-1@example.com parent-7@example.com");
	ck_assert_str_eq(m->date_sent, "2024-01-02T10:00:00Z");
	ck_assert_int_eq(m->date_sent_unix, 1704189600);
	ck_assert_str_eq(m->sort_subject, "quarterly report");
	ck_assert_str_eq(m->sort_from, "alice@example.com");
	ck_assert(strstr(m->imap_envelope, "\"Quarterly report\"") != NULL);
	ck_assert_uint_eq(m->received_count, 3);
	ck_assert(!m->has_attachments);
	ck_assert(!m->no_headers);
	ck_assert(!m->limits_hit);
	ck_assert_uint_eq(m->parts, 1);
	ck_assert_str_eq(m->preview, "Hello Bob, The quarterly report is "
			 "attached below. Numbers are up. Regards, Alice");
	ck_assert(strstr(m->text, "Hello Bob,\n\n") == m->text);
	ck_assert(strstr(m->text, "\r") == NULL);
	/* the header block ends after the first empty line */
	ck_assert_uint_eq(m->header_bytes,
			  (uint64_t)(strstr(data, "\r\n\r\n") + 4 - data));
}
END_TEST

/* a header far bigger than a typical ENVELOPE: stored whole */
START_TEST(test_big_envelope)
{
	struct buf *msg = buf_new_pool(test_pool, 0), *env;
	struct mime_meta *m;
	const char *error;

	buf_adds(msg, "From: a@example.com\r\nTo: ");
	for (int i = 0; i < 300; i++)
		buf_addf(msg, "%sPerson %d <person%d@example.org>",
			 i > 0 ? ",\r\n " : "", i, i);
	buf_adds(msg, "\r\nSubject: big\r\n\r\nbody\r\n");
	ck_assert_int_eq(mime_meta_parse_data(test_pool, msg->data, msg->len,
					      NULL, &m, &error), 0);
	env = buf_new_pool(test_pool, 0);
	imap_mime_envelope(msg->data, imap_mime_header_len(msg->data,
							   msg->len), env);
	ck_assert_uint_gt(env->len, 10000);
	ck_assert_str_eq(m->imap_envelope, env->data);
	ck_assert(strstr(m->imap_envelope, "\"person299\"") != NULL);
}
END_TEST

START_TEST(test_utf8_b)
{
	struct mime_meta *m = parse_file("utf8-b.eml");

	ck_assert_str_eq(m->subject, "你好，世界 café");
	ck_assert_str_eq(m->sort_subject, "你好，世界 café");
	ck_assert_str_eq(m->from_name, "张三");
	ck_assert_str_eq(m->from_addr, "zhangsan@example.cn");
	ck_assert_str_eq(m->date_sent, "2024-07-15T01:30:00Z");
	ck_assert_str_eq(m->preview, "正文第一行：中文内容。 Second line — "
			 "with an em dash.");
}
END_TEST

START_TEST(test_utf8_q)
{
	struct mime_meta *m = parse_file("utf8-q.eml");

	ck_assert_str_eq(m->subject, "Grüße – Übersicht");
	ck_assert_str_eq(m->sort_subject, "grüße – übersicht");
	ck_assert_str_eq(m->from_name, "Jürgen");
	ck_assert_str_eq(m->text, "Grüße aus München! 日本語テキスト。");
	ck_assert_ptr_null(m->message_id);
	ck_assert_ptr_null(m->in_reply_to);
	ck_assert_ptr_null(m->refs);
}
END_TEST

START_TEST(test_gb2312_label_gbk_chars)
{
	struct mime_meta *m = parse_file("gb2312-gbk.eml");

	ck_assert_str_eq(m->subject, "镕喆堃 测试邮件");
	ck_assert_str_eq(m->from_name, "王堃");
	ck_assert_str_eq(m->text, "朱镕基总理与陶喆、王堃见面。\n"
			 "第二行测试内容。");
	ck_assert_str_eq(m->preview, "朱镕基总理与陶喆、王堃见面。 "
			 "第二行测试内容。");
}
END_TEST

START_TEST(test_raw_gbk_headers)
{
	struct mime_meta *m = parse_file("raw-gbk.eml");

	ck_assert_str_eq(m->subject, "中文主题 朱镕基");
	ck_assert_str_eq(m->from_name, "李四");
	ck_assert_str_eq(m->from_addr, "lisi@example.cn");
	ck_assert_str_eq(m->text, "这是没有声明字符集的正文，包含镕字。");
}
END_TEST

START_TEST(test_big5)
{
	struct mime_meta *m = parse_file("big5.eml");

	ck_assert_str_eq(m->subject, "繁體中文測試");
	ck_assert_str_eq(m->text, "繁體中文測試：臺灣的郵件系統。");

	m = parse_file("big5-hkscs.eml");
	ck_assert_str_eq(m->text, "我哋今日食咗飯，好嘅。啲嘢冇問題㗎。");
}
END_TEST

START_TEST(test_unknown_charset_names)
{
	struct mime_meta *m = parse_file("x-gbk.eml");

	ck_assert_str_eq(m->subject, "未知字符集");
	ck_assert_str_eq(m->text, "第一部分：朱镕基。\n\n第二部分：陶喆。");
	ck_assert(!m->has_attachments);
	ck_assert_uint_eq(m->parts, 3);
}
END_TEST

START_TEST(test_html_only)
{
	struct mime_meta *m = parse_file("html-only.eml");

	ck_assert_str_eq(m->preview, "Welcome to the June issue & more… "
			 "Café 中文 <tag> link cell1 cell2");
	ck_assert(strstr(m->text, "Ignore me") == NULL);
	ck_assert(strstr(m->text, "color") == NULL);
	ck_assert(strstr(m->text, "alert") == NULL);
	ck_assert(strstr(m->text, "comment") == NULL);
	ck_assert(strstr(m->text, "multi-part") == NULL);	/* prologue */
	ck_assert(!m->has_attachments);
	ck_assert_str_eq(m->message_id, "html-only@example.com");
}
END_TEST

START_TEST(test_attachment_rfc2231)
{
	struct mime_meta *m = parse_file("attachment-2231.eml");

	ck_assert(m->has_attachments);
	ck_assert_str_eq(m->subject, "附件：季度报告");
	ck_assert_str_eq(m->text, "请查收附件。");
	ck_assert(strstr(m->text, "HTML version") == NULL);
	ck_assert_uint_eq(m->parts, 5);
}
END_TEST

START_TEST(test_related_inline_image)
{
	struct mime_meta *m = parse_file("related.eml");

	ck_assert(!m->has_attachments);
	ck_assert_str_eq(m->preview, "See the logo");
}
END_TEST

START_TEST(test_rfc822_nested)
{
	struct mime_meta *m = parse_file("rfc822-nested.eml");

	ck_assert(m->has_attachments);
	ck_assert_str_eq(m->subject, "Fwd: Original topic");
	ck_assert_str_eq(m->sort_subject, "original topic");
	ck_assert_str_eq(m->message_id, "outer@example.com");
	ck_assert_str_eq(m->from_addr, "fwd@example.com");
	ck_assert_str_eq(m->text, "See the forwarded message.\n\n"
			 "Inner body text 内层正文.");
	ck_assert_uint_eq(m->parts, 4);
}
END_TEST

START_TEST(test_missing_boundary)
{
	struct mime_meta *m = parse_file("missing-boundary.eml");

	ck_assert_str_eq(m->subject, "No boundary");
	ck_assert(strstr(m->text, "hello from the lost part") != NULL);
	ck_assert(!m->has_attachments);
}
END_TEST

START_TEST(test_subject_prefixes)
{
	struct mime_meta *m = parse_file("subject-prefixes.eml");

	ck_assert_str_eq(m->subject, "Re: Fwd: [mailhive-dev]  Re:   Release"
			 "   Planning (fwd)");
	ck_assert_str_eq(m->sort_subject, "release planning");
	ck_assert_str_eq(m->from_name, "List Member");
	ck_assert_str_eq(m->sort_from, "member@lists.example.org");
	ck_assert_ptr_null(m->date_sent);
}
END_TEST

START_TEST(test_no_headers)
{
	struct mime_meta *m = parse_file("no-headers.eml");

	ck_assert(m->no_headers);
	ck_assert_uint_eq(m->header_bytes, 0);
	ck_assert_str_eq(m->subject, "");
	ck_assert_str_eq(m->from_addr, "");
	ck_assert_ptr_null(m->message_id);
	ck_assert_str_eq(m->text, "Hello there, this message has no header "
			 "lines.\nSecond line.");
	ck_assert_str_eq(m->preview, "Hello there, this message has no "
			 "header lines. Second line.");
}
END_TEST

START_TEST(test_empty_body)
{
	struct mime_meta *m = parse_file("empty-body.eml");

	ck_assert_str_eq(m->subject, "Empty");
	ck_assert_str_eq(m->text, "");
	ck_assert_str_eq(m->preview, "");
	ck_assert_str_eq(m->date_sent, "2024-01-04T05:00:00Z");
	ck_assert_uint_eq(m->header_bytes, m->size);
	ck_assert(!m->has_attachments);
}
END_TEST

/* ---- built messages ---------------------------------------------------- */

START_TEST(test_empty_message)
{
	struct mime_meta *m = parse_str("", NULL);

	ck_assert(m->no_headers);
	ck_assert_uint_eq(m->size, 0);
	ck_assert_str_eq(m->subject, "");
	ck_assert_str_eq(m->text, "");
	ck_assert_uint_eq(m->parts, 0);
}
END_TEST

/* nested - a message with depth multipart levels and text at the bottom */
static const char *nested(unsigned int depth)
{
	struct buf *b = buf_new_pool(test_pool, 0);

	ck_assert_int_eq(buf_printf(b, "Subject: deep\r\nContent-Type: "
				    "multipart/mixed; boundary=b0\r\n\r\n"), 0);
	for (unsigned int i = 1; i <= depth; i++)
		ck_assert_int_eq(buf_printf(b, "--b%u\r\nContent-Type: "
			"multipart/mixed; boundary=b%u\r\n\r\n", i - 1, i), 0);
	ck_assert_int_eq(buf_printf(b, "--b%u\r\nContent-Type: text/plain"
				    "\r\n\r\ndeep text\r\n", depth), 0);
	for (unsigned int i = depth + 1; i-- > 0;)
		ck_assert_int_eq(buf_printf(b, "--b%u--\r\n", i), 0);
	return b->data;
}

START_TEST(test_depth_limit)
{
	struct mime_meta *m;

	m = parse_str(nested(5), NULL);
	ck_assert(!m->limits_hit);
	ck_assert_str_eq(m->text, "deep text");
	ck_assert_uint_eq(m->parts, 7);

	m = parse_str(nested(100), NULL);
	ck_assert(m->limits_hit);
	ck_assert_str_eq(m->text, "");
	ck_assert_uint_eq(m->parts, MIME_META_MAX_DEPTH + 1);
	ck_assert_str_eq(m->subject, "deep");

	/* deeper than GMime's own limit of 1024 levels */
	m = parse_str(nested(3000), NULL);
	ck_assert(m->limits_hit);
	ck_assert_str_eq(m->subject, "deep");
}
END_TEST

START_TEST(test_part_limit)
{
	struct buf *b = buf_new_pool(test_pool, 0);
	struct mime_meta_opts opts = { .max_parts = 50 };
	struct mime_meta *m;

	ck_assert_int_eq(buf_printf(b, "Subject: many\r\nContent-Type: "
				    "multipart/mixed; boundary=x\r\n\r\n"), 0);
	for (unsigned int i = 0; i < 1000; i++)
		ck_assert_int_eq(buf_printf(b, "--x\r\nContent-Type: "
			"text/plain\r\n\r\npart %u\r\n", i), 0);
	ck_assert_int_eq(buf_printf(b, "--x--\r\n"), 0);

	m = parse_str(b->data, NULL);
	ck_assert(m->limits_hit);
	ck_assert_uint_eq(m->parts, MIME_META_MAX_PARTS);
	ck_assert(strstr(m->text, "part 498") != NULL);
	ck_assert(strstr(m->text, "part 499") == NULL);

	m = parse_str(b->data, &opts);
	ck_assert(m->limits_hit);
	ck_assert_uint_eq(m->parts, 50);
}
END_TEST

START_TEST(test_text_limit)
{
	struct buf *b = buf_new_pool(test_pool, 0);
	struct mime_meta_opts opts = { .text_max = 100 };
	struct mime_meta *m;

	ck_assert_int_eq(buf_printf(b, "Subject: long\r\nContent-Type: "
				    "text/plain; charset=utf-8\r\n\r\n"), 0);
	for (int i = 0; i < 500; i++)
		ck_assert_int_eq(buf_printf(b, "中文"), 0);
	ck_assert_int_eq(buf_printf(b, "\r\n"), 0);

	m = parse_str(b->data, &opts);
	ck_assert(m->text_truncated);
	ck_assert_uint_eq(m->text_len, 99);		/* 33 characters */
	ck_assert_uint_eq(g_utf8_strlen(m->text, -1), 33);

	m = parse_str(b->data, NULL);
	ck_assert(!m->text_truncated);
	ck_assert_uint_eq(g_utf8_strlen(m->text, -1), 1000);
	ck_assert_uint_eq(g_utf8_strlen(m->preview, -1),
			  MIME_META_PREVIEW_CHARS);
	ck_assert(strncmp(m->preview, "中文中文", 12) == 0);
}
END_TEST

START_TEST(test_hostile_bytes)
{
	static const char msg[] =
		"Subject: a\x01" "b\x7f" "c \xff\xfe end\r\n"
		"From: \"N\xc3\" <x@y>\r\n"
		"Message-ID: <has space@x>\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"\r\n"
		"bad \xc3\x28 utf8 \xed\xa0\x80 surrogate\r\n";
	struct mime_meta *m;
	const char *error = NULL;
	char with_nul[] = "Subject: n\r\n\r\nbefore\0after\r\n";

	m = parse_str(msg, NULL);
	ck_assert(strstr(m->text, "bad ") == m->text);
	ck_assert(strstr(m->text, "surrogate") != NULL);
	ck_assert_ptr_null(m->message_id);

	ck_assert_int_eq(mime_meta_parse_data(test_pool, with_nul,
					      sizeof(with_nul) - 1, NULL, &m,
					      &error), 0);
	check_meta(m);
	ck_assert_str_eq(m->text, "beforeafter");
}
END_TEST

START_TEST(test_long_ids)
{
	struct buf *b = buf_new_pool(test_pool, 0);
	struct mime_meta *m;

	ck_assert_int_eq(buf_printf(b, "Subject: ids\r\nMessage-ID: <"), 0);
	for (int i = 0; i < 1200; i++)
		ck_assert_int_eq(buf_append_char(b, 'a'), 0);
	ck_assert_int_eq(buf_printf(b, "@x>\r\nReferences:"), 0);
	for (int i = 0; i < 2000; i++)
		ck_assert_int_eq(buf_printf(b, " <id%d@example.com>", i), 0);
	ck_assert_int_eq(buf_printf(b, "\r\n\r\nbody\r\n"), 0);

	m = parse_str(b->data, NULL);
	ck_assert_ptr_null(m->message_id);
	ck_assert_ptr_nonnull(m->refs);
	ck_assert_uint_le(strlen(m->refs), MIME_META_REFS_MAX);
	ck_assert(strncmp(m->refs, "id0@example.com id", 18) == 0);
	ck_assert(str_ends(m->refs, " id1998@example.com id1999@example.com"));
}
END_TEST

START_TEST(test_parse_fd_errors)
{
	struct mime_meta *m;
	const char *error = NULL;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(mime_meta_parse_fd(test_pool, p[0], NULL, &m, &error),
			 -1);
	ck_assert_ptr_nonnull(error);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(mime_meta_parse_fd(test_pool, -1, NULL, &m, &error),
			 -1);
}
END_TEST

/* ---- helpers exposed for SORT and webmail ------------------------------ */

START_TEST(test_base_subject)
{
	static const char *const cases[][2] = {
		{ "Re: Fwd: [list] Re: Topic (fwd)", "topic" },
		{ "RE: [PATCH] fix the build", "fix the build" },
		{ "[list]", "[list]" },
		{ "[list] [tag] real", "real" },
		{ "[Fwd: Hello World]", "hello world" },
		{ "Re: [Fwd: re: Hello]  (fwd) (FWD)", "hello" },
		{ "Re[2]: status", "status" },
		{ "Fw: FW: fwd:  x", "x" },
		{ "  Multiple   spaces\there ", "multiple spaces here" },
		{ "Reply to all", "reply to all" },
		{ "Re:", "" },
		{ "回复：转发: [公告] 会议通知", "会议通知" },
		{ "答复: 答复：项目进度", "项目进度" },
		{ "回覆：轉寄：開會", "開會" },
		{ "RE：全角冒号", "全角冒号" },
		{ "Réunion", "réunion" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(mime_meta_base_subject(test_pool, cases[i][0]),
				 cases[i][1]);
	ck_assert_str_eq(mime_meta_base_subject(test_pool, NULL), "");
}
END_TEST

START_TEST(test_to_utf8)
{
	static const char gbk[] = "\xd6\xec\xe9\x46\xbb\xf9";	/* 朱镕基 */

	ck_assert_str_eq(mime_meta_to_utf8(test_pool, gbk, 6, "gb2312"),
			 "朱镕基");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, gbk, 6, NULL), "朱镕基");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, gbk, 6, "x-gbk"),
			 "朱镕基");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, gbk, 6, "us-ascii"),
			 "朱镕基");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, gbk, 6, "../../etc"),
			 "朱镕基");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, "caf\xe9", 4,
					   "iso-8859-1"), "café");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, "caf\xe9", 4, NULL),
			 "café");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, "\x93hi\x94", 4,
					   "iso-8859-1"), "\u201chi\u201d");
	/* a latin-1 label on UTF-8 is a mislabel */
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, "café", 5, "latin1"),
			 "café");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, "ab\xff\xfe", 4,
					   "utf-8"), "ab\ufffd\ufffd");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, "a\0b", 3, NULL), "ab");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, "x\r\ny\rz", 6, NULL),
			 "x\ny\nz");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, "日本", 6,
					   "x-no-such-charset"), "日本");
	ck_assert_str_eq(mime_meta_to_utf8(test_pool, "\xe1\xe2", 2,
					   "iso-8859-7"), "αβ");
	/* a GBK body with one broken byte still reads as GBK */
	ck_assert_str_eq(mime_meta_to_utf8(test_pool,
					   "\xd6\xd0\xce\xc4\xff\xd6\xd0", 7,
					   "gbk"), "中文\ufffd中");
}
END_TEST

START_TEST(test_html_to_text)
{
	static const char *const cases[][2] = {
		{ "<p>a</p><p>b</p>", "a\n\nb" },
		{ "a<br>b<BR/>c", "a\nb\nc" },
		{ "x &amp; y &lt;z&gt; &bogus; &#0; &#x110000;",
		  "x & y <z> &bogus; \ufffd \ufffd" },
		{ "a < b", "a < b" },
		{ "<div title='x>y'>t</div>", "t" },
		{ "<script>alert(1)", "" },
		{ "<head><title>t</title></head>body", "body" },
		{ "<head>never closed", "never closed" },
		{ "pre<style type=\"text/css\">p{}</STYLE>post", "prepost" },
		{ "<!-- unterminated", "" },
		{ "a&nbsp;&nbsp;b", "a b" },
		{ "<td>1</td><td>2</td>", "1 2" },
		{ "&#20013;&#x6587;", "中文" },
		{ "&", "&" },
		{ "<", "<" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(mime_meta_html_to_text(test_pool, cases[i][0],
							strlen(cases[i][0])),
				 cases[i][1]);
}
END_TEST

/* meta_start - runs in the parent before the forked tests. GMime cannot be
 * started again after g_mime_shutdown() (its charset tables are gone), so
 * mime_meta_init() is idempotent and only the runner's main may call
 * mime_meta_deinit(), once, at the end. */
static void meta_start(void)
{
	mime_meta_init();
}

Suite *mime_meta_suite(void)
{
	Suite *s = suite_create("mime-meta");
	TCase *files = tcase_create("files");
	TCase *built = tcase_create("built");
	TCase *helpers = tcase_create("helpers");

	tcase_add_unchecked_fixture(files, meta_start, NULL);
	tcase_add_checked_fixture(files, setup, teardown);
	tcase_add_test(files, test_plain_ascii);
	tcase_add_test(files, test_big_envelope);
	tcase_add_test(files, test_utf8_b);
	tcase_add_test(files, test_utf8_q);
	tcase_add_test(files, test_gb2312_label_gbk_chars);
	tcase_add_test(files, test_raw_gbk_headers);
	tcase_add_test(files, test_big5);
	tcase_add_test(files, test_unknown_charset_names);
	tcase_add_test(files, test_html_only);
	tcase_add_test(files, test_attachment_rfc2231);
	tcase_add_test(files, test_related_inline_image);
	tcase_add_test(files, test_rfc822_nested);
	tcase_add_test(files, test_missing_boundary);
	tcase_add_test(files, test_subject_prefixes);
	tcase_add_test(files, test_no_headers);
	tcase_add_test(files, test_empty_body);
	suite_add_tcase(s, files);

	tcase_add_unchecked_fixture(built, meta_start, NULL);
	tcase_add_checked_fixture(built, setup, teardown);
	tcase_add_test(built, test_empty_message);
	tcase_add_test(built, test_depth_limit);
	tcase_add_test(built, test_part_limit);
	tcase_add_test(built, test_text_limit);
	tcase_add_test(built, test_hostile_bytes);
	tcase_add_test(built, test_long_ids);
	tcase_add_test(built, test_parse_fd_errors);
	suite_add_tcase(s, built);

	tcase_add_unchecked_fixture(helpers, meta_start, NULL);
	tcase_add_checked_fixture(helpers, setup, teardown);
	tcase_add_test(helpers, test_base_subject);
	tcase_add_test(helpers, test_to_utf8);
	tcase_add_test(helpers, test_html_to_text);
	suite_add_tcase(s, helpers);
	return s;
}
