/*
 * mime-meta.c - the metadata a message row needs, extracted with GMime.
 *
 * mailhived calls this once per delivered message, after the blob is on
 * disk, to fill the messages row: envelope fields, RFC 5256 sort keys, a
 * preview, the text for the full-text index, has_attachments, and the
 * Received: count for loop detection. GMime parses; this file decides
 * what the parts mean and turns every string into clean UTF-8.
 *
 * Charsets. Headers are decoded by GMime: RFC 2047 words with their own
 * charset (GMime reads gb2312 as GBK), raw 8-bit text and unknown charset
 * names through our fallback list UTF-8, GB18030, BIG5-HKSCS, ISO-8859-1,
 * first clean conversion wins. Body text is decoded here (to_utf8()):
 *
 *   declared UTF-8        valid: as is; else GB18030 if that fits; else
 *                         UTF-8 with U+FFFD for bad bytes
 *   declared GB family    (gb2312, gbk, x-gbk, gb_2312-80, euc-cn, cp936,
 *                         gb18030 ...) decoded as GB18030, a superset, so
 *                         GBK-only characters in "gb2312" mail come out
 *   declared Big5 family  decoded as BIG5-HKSCS, a superset of Big5
 *   other known charset   strict in that charset; else UTF-8 if valid;
 *                         else that charset with U+FFFD for bad bytes
 *   latin-1/1252 label    UTF-8 if valid (a common mislabel), else
 *                         windows-1252, else ISO-8859-1
 *   none, us-ascii, or an unknown name:
 *                         UTF-8 if valid, GB18030, BIG5-HKSCS (strict),
 *                         else GB18030 with U+FFFD when few bytes are
 *                         bad, else ISO-8859-1 (never fails)
 *
 * UTF-8 is tried first only where no real charset was declared: about 18%
 * of one-character and 3% of two-character GBK strings happen to be valid
 * UTF-8, so a declared GBK label is trusted before the UTF-8 check. GB18030
 * comes before Big5 because nearly every Big5 byte pair is also a valid
 * GBK pair: undeclared Big5 cannot be told apart and reads as GB18030.
 *
 * Parts. The walk is ours (not g_mime_message_foreach) so it can stop at
 * opts->max_depth and opts->max_parts. multipart/alternative contributes
 * its text/plain child, or the first child that yields text (HTML is
 * stripped); multipart/related resources are not attachments; a part is
 * an attachment when its disposition says so, or (outside related) when
 * it has a file name or is not text; message/rfc822 counts as one and its
 * text is indexed; signatures are neither; encrypted parts are skipped.
 *
 * SECURITY: the message is untrusted. GMime itself caps nesting at 1024
 * levels; our walk stops at max_depth/max_parts and sets limits_hit. A
 * part's decoded bytes are read through a bounded loop (a few times the
 * remaining text budget), never whole, and text is cut at opts->text_max
 * on a character boundary. Every output string is rebuilt byte by byte:
 * invalid UTF-8 becomes U+FFFD and NUL and control bytes are dropped, so
 * PostgreSQL text columns and tsvector accept them. Message ids longer than
 * MIME_META_ID_MAX are dropped (they are btree index keys). Charset names
 * are checked for length and characters before iconv sees them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "imap-mime.h"
#include "log.h"
#include "mime-meta.h"
#include "pool.h"

#define CHARSET_NAME_MAX 64
#define READ_CHUNK 8192
#define PLAIN_READ_FACTOR 4	/* decoded bytes read per byte of budget */
#define HTML_READ_FACTOR 8	/* markup shrinks a lot */
#define PART_READ_MAX ((size_t)64 * 1024 * 1024)
#define HTML_TAG_NAME_MAX 16
#define ENTITY_MAX 12		/* longest "&...;" looked at */

static GMimeParserOptions *meta_parser_options;
static bool meta_initialised;

static const char utf8_replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* bput - append to a buffer without a maximum (cannot fail short of
 * address-space exhaustion, which xrealloc handles) */
static void bput(struct buf *b, const void *data, size_t len)
{
	if (buf_append(b, data, len) < 0)
		panic("buf_append failed without a maximum");
}

/* ==== UTF-8 ============================================================ */

/* utf8_seq - length (1-4) of the well-formed UTF-8 sequence at p, 0 when
 * there is none; *cp_r gets the code point */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end,
		       uint32_t *cp_r)
{
	unsigned char c = p[0];
	uint32_t cp;
	size_t n;

	if (c < 0x80) {
		*cp_r = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return n;
}

/* utf8_put - append code point cp (already checked to be a scalar value) */
static void utf8_put(struct buf *b, uint32_t cp)
{
	unsigned char s[4];
	size_t n;

	if (cp < 0x80) {
		s[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (unsigned char)(0xc0 | (cp >> 6));
		s[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (unsigned char)(0xe0 | (cp >> 12));
		s[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		s[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		s[0] = (unsigned char)(0xf0 | (cp >> 18));
		s[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		s[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		s[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	bput(b, s, n);
}

/* utf8_cut - the longest prefix of valid UTF-8 s[len] that is at most max
 * bytes and ends on a character boundary */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* clean_append - copy s[len] to out as valid UTF-8: bad bytes become
 * U+FFFD; NUL, DEL and C0/C1 controls are dropped, except that with
 * keep_lines \t and \n stay (CR LF and lone CR become \n), and without it
 * all white space controls become one space each */
static void clean_append(struct buf *out, const char *s, size_t len,
			 bool keep_lines)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;

	while (p < end) {
		uint32_t cp;
		size_t n = utf8_seq(p, end, &cp);

		if (n == 0) {
			bput(out, utf8_replacement, 3);
			p++;
			continue;
		}
		if (cp == '\r') {
			if (p + 1 < end && p[1] == '\n') {
				p++;
				continue;
			}
			cp = '\n';
		}
		if (cp == '\n' || cp == '\t') {
			bput(out, keep_lines ? (cp == '\n' ? "\n" : "\t") :
			     " ", 1);
		} else if (cp < 0x20 || cp == 0x7f ||
			   (cp >= 0x80 && cp < 0xa0)) {
			if (!keep_lines && cp != 0)
				bput(out, " ", 1);
		} else {
			bput(out, p, n);
		}
		p += n;
	}
}

/* is_space - ASCII white space */
static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\v' || c == '\f';
}

/* clean_field - a header value as a trimmed, single-line UTF-8 string of
 * at most max bytes; "" for NULL */
static const char *clean_field(struct pool *pool, const char *s, size_t max)
{
	struct buf b;
	size_t start = 0, end;
	const char *ret;

	if (s == NULL)
		return "";
	buf_init(&b, 0);
	clean_append(&b, s, strlen(s), false);
	end = b.len;
	while (start < end && b.data[start] == ' ')
		start++;
	while (end > start && b.data[end - 1] == ' ')
		end--;
	end = start + utf8_cut(b.data + start, end - start, max);
	ret = end > start ? p_strndup(pool, b.data + start, end - start) : "";
	buf_free(&b);
	return ret;
}

/* ==== charsets ========================================================== */

enum cs_kind {
	CS_NONE,	/* not declared, us-ascii, or not known */
	CS_UTF8,
	CS_LATIN,	/* iso-8859-1 / windows-1252 labels */
	CS_OTHER,	/* any charset iconv knows */
};

static const char *const cs_gb_names[] = {
	"gb2312", "gbk", "x-gbk", "gb_2312-80", "gb2312-80", "gb_2312",
	"gb-2312", "euc-cn", "x-euc-cn", "cp936", "ms936", "windows-936",
	"csgb2312", "x-gb2312", "chinese", "gb18030", "iso-ir-58",
	"csiso58gb231280", NULL
};
static const char *const cs_big5_names[] = {
	"big5", "big-5", "big_5", "cn-big5", "x-x-big5", "x-big5", "csbig5",
	"big5-hkscs", "big5hkscs", "cp950", "ms950", "windows-950", NULL
};
static const char *const cs_utf8_names[] = {
	"utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8", NULL
};
static const char *const cs_ascii_names[] = {
	"us-ascii", "ascii", "us", "ansi_x3.4-1968", "iso646-us", "cp367",
	"csascii", NULL
};
static const char *const cs_latin_names[] = {
	"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819",
	"csisolatin1", "windows-1252", "cp1252", "x-cp1252", NULL
};

/* name_in - case-insensitive membership */
static bool name_in(const char *name, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (g_ascii_strcasecmp(name, list[i]) == 0)
			return true;
	}
	return false;
}

/* iconv_known - can iconv convert from this charset to UTF-8? */
static bool iconv_known(const char *name)
{
	iconv_t cd = iconv_open("UTF-8", name);

	if (cd == (iconv_t)-1)
		return false;
	iconv_close(cd);
	return true;
}

/* charset_resolve - classify a declared charset name; *iconv_r gets the
 * name to decode with for CS_OTHER */
static enum cs_kind charset_resolve(const char *name, const char **iconv_r)
{
	const char *mapped;
	size_t len;

	*iconv_r = NULL;
	if (name == NULL)
		return CS_NONE;
	len = strlen(name);
	if (len == 0 || len > CHARSET_NAME_MAX)
		return CS_NONE;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) &&
		    strchr("-_.:+()", name[i]) == NULL)
			return CS_NONE;
	}
	if (name_in(name, cs_utf8_names))
		return CS_UTF8;
	if (name_in(name, cs_ascii_names))
		return CS_NONE;
	if (name_in(name, cs_latin_names))
		return CS_LATIN;
	if (name_in(name, cs_gb_names)) {
		*iconv_r = "GB18030";
		return CS_OTHER;
	}
	if (name_in(name, cs_big5_names)) {
		*iconv_r = "BIG5-HKSCS";
		return CS_OTHER;
	}
	/* GMime's table knows the many spellings of the rest */
	mapped = g_mime_charset_iconv_name(name);
	if (mapped != NULL && iconv_known(mapped)) {
		*iconv_r = mapped;
		return CS_OTHER;
	}
	return CS_NONE;
}

/* conv_run - convert in[len] from charset to UTF-8, appending to out.
 * Strict: -1 on the first undecodable byte (out is then partly written).
 * Lossy: each undecodable byte becomes U+FFFD and is counted in
 * *errors_r. -1 also when iconv does not know the charset. */
static int conv_run(struct buf *out, const char *charset, const char *in,
		    size_t len, bool lossy, size_t *errors_r)
{
	char obuf[4096];
	char *ip = (char *)in;	/* iconv's prototype is not const */
	size_t il = len;
	iconv_t cd;

	*errors_r = 0;
	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return -1;
	while (il > 0) {
		char *op = obuf;
		size_t ol = sizeof(obuf);
		size_t r = iconv(cd, &ip, &il, &op, &ol);

		bput(out, obuf, (size_t)(op - obuf));
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		/* EILSEQ, or EINVAL for a sequence cut off at the end */
		if (!lossy) {
			iconv_close(cd);
			return -1;
		}
		(*errors_r)++;
		bput(out, utf8_replacement, 3);
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	{
		char *op = obuf;
		size_t ol = sizeof(obuf);

		if (iconv(cd, NULL, NULL, &op, &ol) != (size_t)-1)
			bput(out, obuf, (size_t)(op - obuf));
	}
	iconv_close(cd);
	return 0;
}

/* conv_try - strict conversion into out, which is emptied on failure */
static bool conv_try(struct buf *out, const char *charset, const char *in,
		     size_t len)
{
	size_t errors;

	if (conv_run(out, charset, in, len, false, &errors) == 0)
		return true;
	buf_reset(out);
	return false;
}

/* utf8_lossy - copy, replacing each invalid byte with U+FFFD */
static void utf8_lossy(struct buf *out, const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	const unsigned char *end = p + len;

	while (p < end) {
		uint32_t cp;
		size_t n = utf8_seq(p, end, &cp);

		if (n == 0) {
			bput(out, utf8_replacement, 3);
			p++;
		} else {
			bput(out, p, n);
			p += n;
		}
	}
}

/* to_utf8_undeclared - the fall-back chain for text without a usable
 * charset label (out is empty) */
static void to_utf8_undeclared(struct buf *out, const char *in, size_t len,
			       size_t high)
{
	size_t errors;

	if (utf8_valid(in, len)) {
		bput(out, in, len);
		return;
	}
	if (conv_try(out, "GB18030", in, len) ||
	    conv_try(out, "BIG5-HKSCS", in, len))
		return;
	/* mostly GB18030 with a few broken bytes, or something else? */
	if (conv_run(out, "GB18030", in, len, true, &errors) == 0 &&
	    errors * 8 <= high)
		return;
	buf_reset(out);
	if (!conv_try(out, "ISO-8859-1", in, len))
		utf8_lossy(out, in, len);
}

/* to_utf8 - decode in[len] declared as charset (may be NULL) into the
 * empty buffer out; the result is valid UTF-8 (it may hold NULs) */
static void to_utf8(struct buf *out, const char *in, size_t len,
		    const char *charset)
{
	const char *iconv_name;
	enum cs_kind kind = charset_resolve(charset, &iconv_name);
	size_t high = 0, errors;

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)in[i] >= 0x80)
			high++;
	}
	switch (kind) {
	case CS_NONE:
		if (high == 0) {
			bput(out, in, len);
			return;
		}
		to_utf8_undeclared(out, in, len, high);
		return;
	case CS_UTF8:
		if (utf8_valid(in, len)) {
			bput(out, in, len);
			return;
		}
		if (conv_try(out, "GB18030", in, len))
			return;
		utf8_lossy(out, in, len);
		return;
	case CS_LATIN:
		if (high == 0 || utf8_valid(in, len)) {
			bput(out, in, len);
			return;
		}
		if (conv_try(out, "WINDOWS-1252", in, len) ||
		    conv_try(out, "ISO-8859-1", in, len))
			return;
		utf8_lossy(out, in, len);
		return;
	case CS_OTHER:
		if (conv_try(out, iconv_name, in, len))
			return;
		if (utf8_valid(in, len)) {
			bput(out, in, len);
			return;
		}
		if (conv_run(out, iconv_name, in, len, true, &errors) == 0)
			return;
		buf_reset(out);
		to_utf8_undeclared(out, in, len, high);
		return;
	}
}

const char *mime_meta_to_utf8(struct pool *pool, const void *data,
			      size_t len, const char *charset)
{
	struct buf u, c;
	const char *ret;

	buf_init(&u, 0);
	buf_init(&c, 0);
	to_utf8(&u, data, len, charset);
	clean_append(&c, u.data != NULL ? u.data : "", u.len, true);
	ret = p_strndup(pool, c.data != NULL ? c.data : "", c.len);
	buf_free(&u);
	buf_free(&c);
	return ret;
}

/* ==== HTML to text ====================================================== */

struct html_out {
	struct buf *b;
	bool started;		/* something visible written */
	bool space;		/* a space is pending */
	unsigned int newlines;	/* new lines pending */
};

/* html_put - write visible bytes, first settling pending white space */
static void html_put(struct html_out *o, const void *data, size_t len)
{
	if (o->started) {
		if (o->newlines > 0)
			bput(o->b, "\n\n", o->newlines > 1 ? 2 : 1);
		else if (o->space)
			bput(o->b, " ", 1);
	}
	o->newlines = 0;
	o->space = false;
	o->started = true;
	bput(o->b, data, len);
}

static void html_space(struct html_out *o)
{
	o->space = true;
}

static void html_newline(struct html_out *o)
{
	if (o->newlines < 2)
		o->newlines++;
}

struct html_entity {
	const char *name;
	uint32_t cp;
};

static const struct html_entity html_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", ' ' }, { "ensp", ' ' }, { "emsp", ' ' },
	{ "thinsp", ' ' }, { "shy", 0 }, { "zwnj", 0 }, { "zwj", 0 },
	{ "copy", 0xa9 }, { "reg", 0xae }, { "trade", 0x2122 },
	{ "hellip", 0x2026 }, { "mdash", 0x2014 }, { "ndash", 0x2013 },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "ldquo", 0x201c },
	{ "rdquo", 0x201d }, { "laquo", 0xab }, { "raquo", 0xbb },
	{ "middot", 0xb7 }, { "bull", 0x2022 }, { "times", 0xd7 },
	{ "divide", 0xf7 }, { "yen", 0xa5 }, { "euro", 0x20ac },
	{ "pound", 0xa3 }, { "cent", 0xa2 }, { "deg", 0xb0 },
	{ "plusmn", 0xb1 }, { "sect", 0xa7 }, { "para", 0xb6 },
	{ NULL, 0 }
};

/* html_entity - decode the entity at s (s[0] == '&'); returns the bytes
 * consumed (0: not an entity) and the code point (0: emit nothing) */
static size_t html_entity(const char *s, size_t len, uint32_t *cp_r)
{
	char name[ENTITY_MAX + 1];
	size_t i, n = 0;

	for (i = 1; i < len && i <= ENTITY_MAX && s[i] != ';'; i++)
		name[n++] = s[i];
	if (i >= len || s[i] != ';' || n == 0)
		return 0;
	name[n] = '\0';
	if (name[0] == '#') {
		uint32_t cp = 0;
		bool hex = n > 1 && (name[1] == 'x' || name[1] == 'X');
		size_t j = hex ? 2 : 1;

		if (j >= n || n - j > 8)
			return 0;
		for (; j < n; j++) {
			int d = hex ? g_ascii_xdigit_value(name[j]) :
				g_ascii_digit_value(name[j]);

			if (d < 0)
				return 0;
			cp = cp * (hex ? 16 : 10) + (uint32_t)d;
		}
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
		else if (cp == 0xa0 || cp == '\t' || cp == '\n' || cp == '\r')
			cp = ' ';
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			cp = 0;
		*cp_r = cp;
		return i + 1;
	}
	for (const struct html_entity *e = html_entities; e->name; e++) {
		if (strcmp(name, e->name) == 0) {
			*cp_r = e->cp;
			return i + 1;
		}
	}
	return 0;
}

/* html_tag_end - index just past the '>' closing the tag that starts at
 * i, honouring quoted attribute values; len if it never closes */
static size_t html_tag_end(const char *s, size_t len, size_t i)
{
	char quote = 0;

	for (; i < len; i++) {
		char c = s[i];

		if (quote != 0) {
			if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '>') {
			return i + 1;
		}
	}
	return len;
}

/* html_find_close - index of "</name" (any case) at or after i, or len */
static size_t html_find_close(const char *s, size_t len, size_t i,
			      const char *name)
{
	size_t nlen = strlen(name);

	for (; i + 2 + nlen <= len; i++) {
		if (s[i] == '<' && s[i + 1] == '/' &&
		    g_ascii_strncasecmp(s + i + 2, name, nlen) == 0)
			return i;
	}
	return len;
}

/* name_in_list - exact match in a NULL-terminated list */
static bool name_in_list(const char *name, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strcmp(name, list[i]) == 0)
			return true;
	}
	return false;
}

static const char *const html_block_tags[] = {
	"br", "p", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3",
	"h4", "h5", "h6", "blockquote", "pre", "hr", "dt", "dd", "dl",
	"section", "article", "header", "footer", "address", "center",
	"form", "fieldset", "body", "html", "title", NULL
};
static const char *const html_cell_tags[] = { "td", "th", "img", NULL };
static const char *const html_skip_tags[] = {
	"script", "style", "head", "noscript", "template", "object",
	"iframe", NULL
};

/* html_skip_index - position of name in html_skip_tags, or -1 */
static int html_skip_index(const char *name)
{
	for (int i = 0; html_skip_tags[i] != NULL; i++) {
		if (strcmp(name, html_skip_tags[i]) == 0)
			return i;
	}
	return -1;
}

/* html_strip - the visible text of html[len] into out. Linear: a search
 * for a closing tag that fails is remembered, so a thousand unclosed
 * <head> tags do not rescan the rest each time. */
static void html_strip(struct buf *out, const char *s, size_t len)
{
	struct html_out o = { .b = out };
	bool close_absent[sizeof(html_skip_tags) / sizeof(html_skip_tags[0])];
	size_t i = 0;

	memset(close_absent, 0, sizeof(close_absent));

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '<') {
			char name[HTML_TAG_NAME_MAX + 1];
			size_t j = i + 1, n = 0, end;
			bool closing = false;
			int skip;

			if (j + 2 < len && s[j] == '!' && s[j + 1] == '-' &&
			    s[j + 2] == '-') {
				const char *e = g_strstr_len(s + j + 3,
					(gssize)(len - j - 3), "-->");

				i = e != NULL ? (size_t)(e - s) + 3 : len;
				continue;
			}
			if (j < len && s[j] == '/') {
				closing = true;
				j++;
			}
			if (j < len && (s[j] == '!' || s[j] == '?') &&
			    !closing) {
				i = html_tag_end(s, len, j);
				continue;
			}
			if (j >= len || !g_ascii_isalpha(s[j])) {
				html_put(&o, "<", 1);
				i++;
				continue;
			}
			while (j < len && g_ascii_isalnum(s[j])) {
				if (n < HTML_TAG_NAME_MAX)
					name[n++] = g_ascii_tolower(s[j]);
				j++;
			}
			name[n] = '\0';
			end = html_tag_end(s, len, j);
			skip = closing ? -1 : html_skip_index(name);
			if (skip >= 0) {
				size_t close = close_absent[skip] ? len :
					html_find_close(s, len, end, name);

				if (close < len)
					end = html_tag_end(s, len, close);
				else if (strcmp(name, "head") != 0)
					end = len;
				/* an unclosed <head> is not skipped: some
				 * mailers never close it */
				close_absent[skip] = close >= len;
			}
			if (name_in_list(name, html_block_tags))
				html_newline(&o);
			else if (name_in_list(name, html_cell_tags))
				html_space(&o);
			i = end;
		} else if (c == '&') {
			uint32_t cp = 0;
			size_t n = html_entity(s + i, len - i, &cp);

			if (n == 0) {
				html_put(&o, "&", 1);
				i++;
				continue;
			}
			if (cp == ' ') {
				html_space(&o);
			} else if (cp != 0) {
				struct buf tmp;

				buf_init(&tmp, 0);
				utf8_put(&tmp, cp);
				html_put(&o, tmp.data, tmp.len);
				buf_free(&tmp);
			}
			i += n;
		} else if (is_space(c)) {
			html_space(&o);
			i++;
		} else {
			/* copy a run of ordinary text at once */
			size_t j = i + 1;

			while (j < len && s[j] != '<' && s[j] != '&' &&
			       !is_space((unsigned char)s[j]))
				j++;
			html_put(&o, s + i, j - i);
			i = j;
		}
	}
}

const char *mime_meta_html_to_text(struct pool *pool, const char *html,
				   size_t len)
{
	struct buf b, c;
	const char *ret;

	buf_init(&b, 0);
	buf_init(&c, 0);
	html_strip(&b, html, len);
	clean_append(&c, b.data != NULL ? b.data : "", b.len, true);
	ret = p_strndup(pool, c.data != NULL ? c.data : "", c.len);
	buf_free(&b);
	buf_free(&c);
	return ret;
}

/* ==== base subject (RFC 5256 section 2.1) ============================== */

/* reply and forward words: RFC 5256 has re, fw and fwd; Chinese mailers
 * write these (simplified and traditional) */
static const char *const subj_refwd_words[] = {
	"re", "fwd", "fw", "回复", "答复", "转发", "转寄", "回覆", "答覆",
	"轉寄", "轉發", "回復", NULL
};

/* subj_blob_end - s[i] == '[': index past the matching ']' of a blob
 * (no '[' or ']' inside), or 0 when there is none */
static size_t subj_blob_end(const char *s, size_t i, size_t end)
{
	for (size_t j = i + 1; j < end; j++) {
		if (s[j] == ']')
			return j + 1;
		if (s[j] == '[')
			return 0;
	}
	return 0;
}

/* subj_skip_ws - index of the first non-space at or after i */
static size_t subj_skip_ws(const char *s, size_t i, size_t end)
{
	while (i < end && s[i] == ' ')
		i++;
	return i;
}

/* subj_colon - length of ':' or the full-width '：' at i, else 0 */
static size_t subj_colon(const char *s, size_t i, size_t end)
{
	if (i < end && s[i] == ':')
		return 1;
	if (i + 3 <= end && memcmp(s + i, "\xef\xbc\x9a", 3) == 0)
		return 3;
	return 0;
}

/* subj_leader - length of a subj-leader (*subj-blob subj-refwd) at i, or
 * 0: blobs, a reply/forward word, spaces, an optional blob, a colon */
static size_t subj_leader(const char *s, size_t i, size_t end)
{
	size_t j = i, k, c;

	while (j < end && s[j] == '[') {
		k = subj_blob_end(s, j, end);
		if (k == 0)
			return 0;
		j = subj_skip_ws(s, k, end);
	}
	for (size_t w = 0; subj_refwd_words[w] != NULL; w++) {
		size_t wl = strlen(subj_refwd_words[w]);

		if (end - j < wl || memcmp(s + j, subj_refwd_words[w], wl))
			continue;
		k = subj_skip_ws(s, j + wl, end);
		if (k < end && s[k] == '[') {
			size_t b = subj_blob_end(s, k, end);

			if (b != 0)
				k = b;
		}
		c = subj_colon(s, k, end);
		if (c != 0)
			return k + c - i;
	}
	return 0;
}

const char *mime_meta_base_subject(struct pool *pool, const char *subject)
{
	struct buf b;
	char *lower, *s;
	size_t start, end, n;
	bool changed;

	if (subject == NULL || *subject == '\0')
		return "";
	/* collapse white space to single spaces, as valid UTF-8 */
	buf_init(&b, 0);
	{
		struct buf c;
		bool sp = false;

		buf_init(&c, 0);
		clean_append(&c, subject, strlen(subject), false);
		for (size_t i = 0; i < c.len; i++) {
			if (c.data[i] == ' ') {
				sp = true;
				continue;
			}
			if (sp && b.len > 0)
				bput(&b, " ", 1);
			sp = false;
			bput(&b, c.data + i, 1);
		}
		buf_free(&c);
	}
	if (b.len == 0) {
		buf_free(&b);
		return "";
	}
	lower = g_utf8_strdown(b.data, (gssize)b.len);
	s = p_strdup(pool, lower);
	g_free(lower);
	buf_free(&b);

	start = 0;
	end = strlen(s);
	for (;;) {
		/* (2) trailing "(fwd)" and white space */
		for (;;) {
			while (end > start && s[end - 1] == ' ')
				end--;
			if (end - start >= 5 &&
			    memcmp(s + end - 5, "(fwd)", 5) == 0) {
				end -= 5;
				continue;
			}
			break;
		}
		/* (3)-(5) leaders and leading blobs until nothing changes */
		do {
			changed = false;
			n = subj_skip_ws(s, start, end);
			if (n != start) {
				start = n;
				changed = true;
			}
			while ((n = subj_leader(s, start, end)) != 0) {
				start = subj_skip_ws(s, start + n, end);
				changed = true;
			}
			if (start < end && s[start] == '[') {
				n = subj_blob_end(s, start, end);
				if (n != 0 && subj_skip_ws(s, n, end) < end) {
					start = subj_skip_ws(s, n, end);
					changed = true;
				}
			}
		} while (changed);
		/* (6) "[fwd: ...]" wrapper */
		if (end - start >= 6 && memcmp(s + start, "[fwd:", 5) == 0 &&
		    s[end - 1] == ']') {
			start += 5;
			end--;
			continue;
		}
		break;
	}
	return p_strndup(pool, s + start, end - start);
}

/* ==== headers ============================================================ */

/* clean_id - a message id fit for storage: trimmed, one token, not too
 * long for a btree key; NULL otherwise */
static const char *clean_id(struct pool *pool, const char *id)
{
	const char *s;

	if (id == NULL)
		return NULL;
	s = clean_field(pool, id, MIME_META_ID_MAX + 1);
	if (*s == '\0' || strlen(s) > MIME_META_ID_MAX || strchr(s, ' '))
		return NULL;
	return s;
}

/* first_mailbox - the first mailbox of a list, looking one level into
 * groups */
static InternetAddressMailbox *first_mailbox(InternetAddressList *list)
{
	int n = list != NULL ? internet_address_list_length(list) : 0;

	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list,
									i);

		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			return INTERNET_ADDRESS_MAILBOX(ia);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			InternetAddressList *m =
				internet_address_group_get_members(
					INTERNET_ADDRESS_GROUP(ia));
			int k = m != NULL ? internet_address_list_length(m) : 0;

			for (int j = 0; j < k; j++) {
				InternetAddress *a =
					internet_address_list_get_address(m, j);

				if (INTERNET_ADDRESS_IS_MAILBOX(a))
					return INTERNET_ADDRESS_MAILBOX(a);
			}
		}
	}
	return NULL;
}

/* addrs_add - append one address to the list being built, if it fits */
static void addrs_add(struct pool *pool, struct buf *b,
		      InternetAddress *ia)
{
	const char *a;

	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return;
	a = clean_field(pool, internet_address_mailbox_get_addr(
				INTERNET_ADDRESS_MAILBOX(ia)),
			MIME_META_FIELD_MAX);
	if (*a == '\0' || b->len + 2 + strlen(a) > MIME_META_ADDRS_MAX)
		return;
	if (b->len > 0)
		bput(b, ", ", 2);
	bput(b, a, strlen(a));
}

/* addrs_join - the mailboxes of a list (groups flattened) as "a, b" */
static const char *addrs_join(struct pool *pool, InternetAddressList *list)
{
	int n = list != NULL ? internet_address_list_length(list) : 0;
	struct buf *b;

	if (n == 0)
		return "";
	b = buf_new_pool(pool, 0);
	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list,
									i);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			InternetAddressList *m =
				internet_address_group_get_members(
					INTERNET_ADDRESS_GROUP(ia));
			int k = m != NULL ? internet_address_list_length(m) : 0;

			for (int j = 0; j < k; j++)
				addrs_add(pool, b,
					  internet_address_list_get_address(m,
									    j));
		} else {
			addrs_add(pool, b, ia);
		}
	}
	return b->len > 0 ? b->data : "";
}

/* refs_join - the ids of a References header, space separated; when they
 * do not fit MIME_META_REFS_MAX, the first and as many of the last as fit
 * are kept (threading needs the ends of the chain) */
static const char *refs_join(struct pool *pool, const char *value)
{
	GMimeReferences *refs;
	const char **ids;
	struct buf *b;
	int n, first_kept, count = 0;
	size_t total;

	if (value == NULL)
		return NULL;
	refs = g_mime_references_parse(meta_parser_options, value);
	if (refs == NULL)
		return NULL;
	n = g_mime_references_length(refs);
	ids = p_new(pool, const char *, (size_t)n + 1);
	for (int i = 0; i < n; i++) {
		const char *id = clean_id(pool,
			g_mime_references_get_message_id(refs, i));

		if (id != NULL)
			ids[count++] = id;
	}
	g_mime_references_free(refs);
	if (count == 0)
		return NULL;
	/* keep ids[0] and ids[first_kept..count-1] */
	total = strlen(ids[0]);
	first_kept = count;
	while (first_kept > 1 &&
	       total + 1 + strlen(ids[first_kept - 1]) <= MIME_META_REFS_MAX) {
		first_kept--;
		total += 1 + strlen(ids[first_kept]);
	}
	b = buf_new_pool(pool, 0);
	bput(b, ids[0], strlen(ids[0]));
	for (int i = first_kept; i < count; i++) {
		bput(b, " ", 1);
		bput(b, ids[i], strlen(ids[i]));
	}
	return b->data;
}

/* first_ref - the first id of an In-Reply-To header */
static const char *first_ref(struct pool *pool, const char *value)
{
	GMimeReferences *refs;
	const char *id = NULL;

	if (value == NULL)
		return NULL;
	refs = g_mime_references_parse(meta_parser_options, value);
	if (refs == NULL)
		return NULL;
	if (g_mime_references_length(refs) > 0)
		id = clean_id(pool, g_mime_references_get_message_id(refs, 0));
	g_mime_references_free(refs);
	return id;
}

/* meta_date - Date: as ISO 8601 UTC, if GMime could parse it */
static void meta_date(struct pool *pool, struct mime_meta *meta,
		      GMimeMessage *msg)
{
	GDateTime *d = g_mime_message_get_date(msg), *u;
	char *s;

	if (d == NULL)
		return;
	u = g_date_time_to_utc(d);
	if (u == NULL)
		return;
	if (g_date_time_get_year(u) >= 1 && g_date_time_get_year(u) <= 9999) {
		s = g_date_time_format(u, "%Y-%m-%dT%H:%M:%SZ");
		if (s != NULL) {
			meta->date_sent = p_strdup(pool, s);
			meta->date_sent_unix = g_date_time_to_unix(u);
			g_free(s);
		}
	}
	g_date_time_unref(u);
}

/* meta_headers - the envelope fields of the top-level message */
static void meta_headers(struct pool *pool, struct mime_meta *meta,
			 GMimeMessage *msg)
{
	GMimeObject *obj = GMIME_OBJECT(msg);
	GMimeHeaderList *hl;
	InternetAddressMailbox *from;
	int n;

	meta->subject = clean_field(pool, g_mime_message_get_subject(msg),
				    MIME_META_FIELD_MAX);
	from = first_mailbox(g_mime_message_get_from(msg));
	if (from != NULL) {
		meta->from_addr = clean_field(pool,
			internet_address_mailbox_get_addr(from),
			MIME_META_FIELD_MAX);
		meta->from_name = clean_field(pool,
			internet_address_get_name(INTERNET_ADDRESS(from)),
			MIME_META_FIELD_MAX);
	}
	meta->to_addrs = addrs_join(pool, g_mime_message_get_to(msg));
	meta->cc_addrs = addrs_join(pool, g_mime_message_get_cc(msg));
	meta->message_id = clean_id(pool,
				    g_mime_message_get_message_id(msg));
	meta->in_reply_to = first_ref(pool,
		g_mime_object_get_header(obj, "In-Reply-To"));
	meta->refs = refs_join(pool,
			       g_mime_object_get_header(obj, "References"));
	meta_date(pool, meta, msg);

	hl = g_mime_object_get_header_list(obj);
	n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = h != NULL ? g_mime_header_get_name(h) : NULL;

		if (name != NULL && g_ascii_strcasecmp(name, "Received") == 0)
			meta->received_count++;
	}
}

/* ==== body walk ========================================================== */

#define WALK_NO_TEXT 0x01	/* an alternative we do not index */
#define WALK_RELATED 0x02	/* inside multipart/related */

struct walk {
	struct pool *pool;
	struct mime_meta *meta;
	struct buf *text;
	size_t text_max;
	unsigned int max_depth, max_parts;
	unsigned int text_parts;	/* parts that gave text */
};

/* text_add - append a part's decoded UTF-8 text, cleaned, within budget */
static void text_add(struct walk *w, const char *s, size_t len)
{
	struct buf c;
	size_t start = 0, end, sep, room;

	buf_init(&c, 0);
	clean_append(&c, s, len, true);
	end = c.len;
	while (start < end && is_space((unsigned char)c.data[start]))
		start++;
	while (end > start && is_space((unsigned char)c.data[end - 1]))
		end--;
	if (end > start) {
		sep = w->text->len > 0 ? 2 : 0;
		room = w->text_max > w->text->len + sep ?
			w->text_max - w->text->len - sep : 0;
		if (end - start > room) {
			w->meta->text_truncated = true;
			end = start + utf8_cut(c.data + start, end - start,
					       room);
		}
		if (end > start) {
			bput(w->text, "\n\n", sep);
			bput(w->text, c.data + start, end - start);
		}
	}
	buf_free(&c);
}

/* read_decoded - up to cap bytes of a part's content with the transfer
 * encoding undone; *more_r when there was more */
static void read_decoded(GMimeDataWrapper *dw, size_t cap, struct buf *out,
			 bool *more_r)
{
	GMimeStream *src = g_mime_data_wrapper_get_stream(dw), *rs;
	GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(dw);
	char chunk[READ_CHUNK];

	*more_r = false;
	if (src == NULL)
		return;
	g_mime_stream_reset(src);
	if (enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE) {
		GMimeFilter *f = g_mime_filter_basic_new(enc, FALSE);

		rs = g_mime_stream_filter_new(src);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(rs), f);
		g_object_unref(f);
	} else {
		rs = src;
		g_object_ref(rs);
	}
	while (out->len < cap) {
		size_t want = cap - out->len;
		ssize_t n;

		if (want > sizeof(chunk))
			want = sizeof(chunk);
		n = g_mime_stream_read(rs, chunk, want);
		if (n <= 0)
			break;
		bput(out, chunk, (size_t)n);
	}
	if (out->len >= cap) {
		ssize_t n = g_mime_stream_read(rs, chunk, 1);

		*more_r = n > 0;
	}
	g_object_unref(rs);
	g_mime_stream_reset(src);
}

/* walk_text - decode a text part (or raw prologue bytes) and add it */
static void walk_text(struct walk *w, const char *raw, size_t raw_len,
		      const char *charset, bool html, bool more)
{
	struct buf u;

	buf_init(&u, 0);
	to_utf8(&u, raw, raw_len, charset);
	if (html) {
		struct buf h;

		buf_init(&h, 0);
		html_strip(&h, u.data != NULL ? u.data : "", u.len);
		text_add(w, h.data != NULL ? h.data : "", h.len);
		buf_free(&h);
	} else {
		text_add(w, u.data != NULL ? u.data : "", u.len);
	}
	buf_free(&u);
	if (more)
		w->meta->text_truncated = true;
	w->text_parts++;
}

/* read_cap - decoded bytes worth reading for what budget is left */
static size_t read_cap(const struct walk *w, size_t factor)
{
	size_t room = w->text_max > w->text->len ?
		w->text_max - w->text->len : 0;

	if (room > PART_READ_MAX / factor)
		return PART_READ_MAX;
	return room * factor + READ_CHUNK;	/* @UNSAFE: bounded above */
}

/* is_signature - detached signature types (neither text nor attachment) */
static bool is_signature(GMimeContentType *ct)
{
	return g_mime_content_type_is_type(ct, "application",
					   "pgp-signature") ||
		g_mime_content_type_is_type(ct, "application",
					    "pkcs7-signature") ||
		g_mime_content_type_is_type(ct, "application",
					    "x-pkcs7-signature");
}

/* is_plain_body - a text/plain leaf that is not an attachment */
static bool is_plain_body(GMimeObject *obj)
{
	if (!GMIME_IS_PART(obj) || g_mime_part_is_attachment(GMIME_PART(obj)))
		return false;
	return g_mime_content_type_is_type(g_mime_object_get_content_type(obj),
					   "text", "plain");
}

/* walk_leaf - one non-multipart part */
static void walk_leaf(struct walk *w, GMimeObject *obj, unsigned int flags)
{
	GMimePart *part = GMIME_PART(obj);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimeDataWrapper *dw;
	bool is_text, is_plain, is_html, more;
	struct buf raw;

	if (ct != NULL && is_signature(ct))
		return;
	is_text = ct == NULL || g_mime_content_type_is_type(ct, "text", "*");
	is_plain = ct == NULL ||
		g_mime_content_type_is_type(ct, "text", "plain");
	is_html = ct != NULL && g_mime_content_type_is_type(ct, "text",
							     "html");
	if (g_mime_part_is_attachment(part) ||
	    ((flags & WALK_RELATED) == 0 &&
	     (g_mime_part_get_filename(part) != NULL || !is_text))) {
		w->meta->has_attachments = true;
		return;
	}
	if ((flags & WALK_NO_TEXT) != 0 || !(is_plain || is_html))
		return;
	if (w->text->len >= w->text_max) {
		w->meta->text_truncated = true;
		return;
	}
	dw = g_mime_part_get_content(part);
	if (dw == NULL)
		return;
	buf_init(&raw, 0);
	read_decoded(dw, read_cap(w, is_html ? HTML_READ_FACTOR :
				  PLAIN_READ_FACTOR), &raw, &more);
	walk_text(w, raw.data != NULL ? raw.data : "", raw.len,
		  g_mime_object_get_content_type_parameter(obj, "charset"),
		  is_html, more);
	buf_free(&raw);
}

static void walk_object(struct walk *w, GMimeObject *obj, unsigned int depth,
			unsigned int flags);

/* walk_multipart - the children of a multipart, by subtype */
static void walk_multipart(struct walk *w, GMimeMultipart *mp,
			   unsigned int depth, unsigned int flags)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(mp));
	int n = g_mime_multipart_get_count(mp), pref = -1;
	bool alternative, got_text = false;

	if (GMIME_IS_MULTIPART_ENCRYPTED(mp))
		return;
	if (n == 0) {
		/* no boundary, or it never appears: GMime kept the body
		 * as the prologue; index it as plain text */
		const char *pro = g_mime_multipart_get_prologue(mp);

		if (pro != NULL && (flags & WALK_NO_TEXT) == 0) {
			size_t len = strlen(pro), cap = read_cap(w,
				PLAIN_READ_FACTOR);

			walk_text(w, pro, len < cap ? len : cap, NULL, false,
				  len > cap);
		}
		return;
	}
	alternative = ct != NULL &&
		g_mime_content_type_is_type(ct, "multipart", "alternative");
	if (ct != NULL &&
	    g_mime_content_type_is_type(ct, "multipart", "related"))
		flags |= WALK_RELATED;
	else
		flags &= ~(unsigned int)WALK_RELATED;
	if (alternative) {
		for (int i = 0; i < n && pref < 0; i++) {
			if (is_plain_body(g_mime_multipart_get_part(mp, i)))
				pref = i;
		}
	}
	for (int i = 0; i < n; i++) {
		unsigned int cflags = flags;
		unsigned int before = w->text_parts;

		if (w->meta->parts >= w->max_parts) {
			w->meta->limits_hit = true;
			break;
		}
		if (alternative && (pref >= 0 ? i != pref : got_text))
			cflags |= WALK_NO_TEXT;
		walk_object(w, g_mime_multipart_get_part(mp, i), depth + 1,
			    cflags);
		if (w->text_parts > before)
			got_text = true;
	}
}

/* walk_object - any part: count it, check the limits, dispatch */
static void walk_object(struct walk *w, GMimeObject *obj, unsigned int depth,
			unsigned int flags)
{
	if (obj == NULL)
		return;
	if (w->meta->parts >= w->max_parts || depth > w->max_depth) {
		w->meta->limits_hit = true;
		return;
	}
	w->meta->parts++;
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
			GMIME_MESSAGE_PART(obj));

		w->meta->has_attachments = true;
		if (inner != NULL)
			walk_object(w, g_mime_message_get_mime_part(inner),
				    depth + 1, flags & ~(unsigned)WALK_RELATED);
	} else if (GMIME_IS_MULTIPART(obj)) {
		walk_multipart(w, GMIME_MULTIPART(obj), depth, flags);
	} else if (GMIME_IS_PART(obj)) {
		walk_leaf(w, obj, flags);
	}
}

/* ==== preview and entry points ========================================= */

/* make_preview - the first MIME_META_PREVIEW_CHARS characters of text with
 * white space collapsed */
static const char *make_preview(struct pool *pool, const char *text,
				size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	const unsigned char *end = p + len;
	struct buf b;
	unsigned int chars = 0;
	bool sp = false;
	const char *ret;

	buf_init(&b, 0);
	while (p < end && chars < MIME_META_PREVIEW_CHARS) {
		uint32_t cp;
		size_t n = utf8_seq(p, end, &cp);

		if (n == 0) {		/* not reached: text is clean */
			p++;
			continue;
		}
		if (is_space(*p) || cp == 0xa0 || cp == 0x3000) {
			sp = true;
		} else {
			if (sp && b.len > 0) {
				bput(&b, " ", 1);
				chars++;
				if (chars == MIME_META_PREVIEW_CHARS)
					break;
			}
			sp = false;
			bput(&b, p, n);
			chars++;
		}
		p += n;
	}
	ret = b.len > 0 ? p_strndup(pool, b.data, b.len) : "";
	buf_free(&b);
	return ret;
}

/* header_scan - incremental search for the empty line ending the header */
struct header_scan {
	uint64_t off;
	uint64_t line_bytes;	/* bytes of the current line so far */
	bool last_cr;
	bool done;
	uint64_t header_bytes;
};

static void header_scan_feed(struct header_scan *hs, const char *data,
			     size_t len)
{
	for (size_t i = 0; i < len && !hs->done; i++) {
		char c = data[i];

		hs->off++;
		if (c == '\n') {
			if (hs->line_bytes == 0 ||
			    (hs->line_bytes == 1 && hs->last_cr)) {
				hs->done = true;
				hs->header_bytes = hs->off;
			}
			hs->line_bytes = 0;
			hs->last_cr = false;
		} else {
			hs->line_bytes++;
			hs->last_cr = c == '\r';
		}
	}
}

/* stream maker: the message as a GMime stream, optionally with an empty
 * line in front (so a message without headers parses as all body) */
typedef GMimeStream *stream_make_fn(void *ctx);

static GMimeStream *stream_prefixed(GMimeStream *body)
{
	GMimeStream *cat = g_mime_stream_cat_new();
	GMimeStream *nl = g_mime_stream_mem_new_with_buffer("\n", 1);

	g_mime_stream_cat_add_source(GMIME_STREAM_CAT(cat), nl);
	g_mime_stream_cat_add_source(GMIME_STREAM_CAT(cat), body);
	g_object_unref(nl);
	g_object_unref(body);
	return cat;
}

/* parse_message - run GMime over the stream that make() returns */
static GMimeMessage *parse_message(GMimeStream *stream)
{
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg;

	g_object_unref(stream);
	msg = g_mime_parser_construct_message(parser, meta_parser_options);
	g_object_unref(parser);
	return msg;
}

static struct mime_meta *meta_new(struct pool *pool)
{
	struct mime_meta *meta = p_new(pool, struct mime_meta, 1);

	meta->subject = meta->from_addr = meta->from_name = "";
	meta->to_addrs = meta->cc_addrs = "";
	meta->sort_subject = meta->sort_from = "";
	meta->preview = meta->text = "";
	return meta;
}

/* meta_fill - parse (retrying as all-body when GMime finds no header) and
 * fill meta; make(ctx) returns a new stream each time it is called */
static void meta_fill(struct pool *pool, struct mime_meta *meta,
		      const struct mime_meta_opts *opts,
		      stream_make_fn *make, void *ctx)
{
	struct walk w = {
		.pool = pool,
		.meta = meta,
		.text_max = MIME_META_TEXT_MAX,
		.max_depth = MIME_META_MAX_DEPTH,
		.max_parts = MIME_META_MAX_PARTS,
	};
	GMimeMessage *msg;

	if (opts != NULL) {
		if (opts->text_max != 0)
			w.text_max = opts->text_max;
		if (opts->max_depth != 0)
			w.max_depth = opts->max_depth;
		if (opts->max_parts != 0)
			w.max_parts = opts->max_parts;
	}
	if (meta->size == 0) {
		meta->no_headers = true;
		return;
	}
	msg = parse_message(make(ctx));
	if (msg == NULL) {
		meta->no_headers = true;
		meta->header_bytes = 0;
		msg = parse_message(stream_prefixed(make(ctx)));
		if (msg == NULL)
			return;
	}
	if (!meta->no_headers)
		meta_headers(pool, meta, msg);
	w.text = buf_new_pool(pool, 0);
	walk_object(&w, g_mime_message_get_mime_part(msg), 0, 0);
	g_object_unref(msg);

	if (w.text->len > 0) {
		meta->text = w.text->data;
		meta->text_len = w.text->len;
		meta->preview = make_preview(pool, meta->text, meta->text_len);
	}
	meta->sort_subject = mime_meta_base_subject(pool, meta->subject);
	if (*meta->from_addr != '\0') {
		char *lower = g_utf8_strdown(meta->from_addr, -1);

		meta->sort_from = p_strdup(pool, lower);
		g_free(lower);
	}
}

void mime_meta_init(void)
{
	static const char *fallback[] = {
		"UTF-8", "GB18030", "BIG5-HKSCS", "ISO-8859-1", NULL
	};

	if (meta_initialised)
		return;
	g_mime_init();
	meta_parser_options = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(meta_parser_options,
						    fallback);
	g_mime_parser_options_set_rfc2047_compliance_mode(meta_parser_options,
		GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(meta_parser_options,
		GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(
		meta_parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
	meta_initialised = true;
}

void mime_meta_deinit(void)
{
	if (!meta_initialised)
		return;
	g_mime_parser_options_free(meta_parser_options);
	meta_parser_options = NULL;
	g_mime_shutdown();
	meta_initialised = false;
}

struct data_src {
	const void *data;
	size_t len;
};

/* data_stream - a memory stream over a copy of the data */
static GMimeStream *data_stream(void *ctx)
{
	struct data_src *src = ctx;

	return g_mime_stream_mem_new_with_buffer(src->data, src->len);
}

/* meta_envelope - the IMAP ENVELOPE from the header block header[0..len) */
static void meta_envelope(struct pool *pool, struct mime_meta *meta,
			  const char *header, size_t len)
{
	struct buf *b = buf_new_pool(pool, 0);

	imap_mime_envelope(header, imap_mime_header_len(header, len), b);
	meta->imap_envelope = b->data;
}

int mime_meta_parse_data(struct pool *pool, const void *data, size_t len,
			 const struct mime_meta_opts *opts,
			 struct mime_meta **meta_r, const char **error_r)
{
	struct data_src src = { data, len };
	struct header_scan hs = { 0 };
	struct mime_meta *meta;

	ASSERT(meta_initialised);
	if (len > G_MAXINT) {
		*error_r = "message too large to parse";
		return -1;
	}
	meta = meta_new(pool);
	meta->size = len;
	header_scan_feed(&hs, data, len);
	meta->header_bytes = hs.done ? hs.header_bytes : len;
	if (meta->header_bytes <= MIME_META_ENVELOPE_MAX)
		meta_envelope(pool, meta, data, (size_t)meta->header_bytes);
	meta_fill(pool, meta, opts, data_stream, &src);
	*meta_r = meta;
	return 0;
}

/* fd_stream - a file stream from offset 0 that leaves the fd open */
static GMimeStream *fd_stream(void *ctx)
{
	int fd = *(int *)ctx;
	GMimeStream *s = g_mime_stream_fs_new_with_bounds(fd, 0, -1);

	g_mime_stream_fs_set_owner(GMIME_STREAM_FS(s), FALSE);
	return s;
}

int mime_meta_parse_fd(struct pool *pool, int fd,
		       const struct mime_meta_opts *opts,
		       struct mime_meta **meta_r, const char **error_r)
{
	struct header_scan hs = { 0 };
	struct mime_meta *meta;
	struct stat st;
	char chunk[READ_CHUNK];

	ASSERT(meta_initialised);
	if (fstat(fd, &st) < 0) {
		*error_r = p_printf(pool, "fstat failed: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*error_r = "message is not a regular file";
		return -1;
	}
	meta = meta_new(pool);
	meta->size = (uint64_t)st.st_size;
	while (!hs.done && hs.off < meta->size) {
		ssize_t n = pread(fd, chunk, sizeof(chunk), (off_t)hs.off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = p_printf(pool, "read failed: %s",
					    strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		header_scan_feed(&hs, chunk, (size_t)n);
	}
	meta->header_bytes = hs.done ? hs.header_bytes : hs.off;
	if (meta->header_bytes <= MIME_META_ENVELOPE_MAX) {
		size_t hlen = (size_t)meta->header_bytes, got = 0;
		char *header = p_alloc(pool, hlen + 1);

		while (got < hlen) {
			ssize_t n = pread(fd, header + got, hlen - got,
					  (off_t)got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got == hlen)
			meta_envelope(pool, meta, header, hlen);
	}
	meta_fill(pool, meta, opts, fd_stream, &fd);
	*meta_r = meta;
	return 0;
}
