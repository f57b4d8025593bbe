/*
 * message.c - parse a message for the reading view with GMime.
 *
 * Charsets: a declared charset is believed when iconv knows it and the
 * bytes convert; GB2312 and GBK are read as GB18030 (their superset, and
 * what mailers mean by them), KS C 5601 as CP949. Undeclared or wrong
 * charsets are guessed. uchardet is asked first: its answer is taken when
 * the bytes convert, except that it takes short Chinese text for a
 * single-byte charset now and then (ISO-8859-7, KOI8-R), which converts
 * anything; so a single-byte answer counts only for text with at least
 * GUESS_SINGLE_MIN bytes above 127, or when the bytes are not GB18030.
 * Then the fixed order: valid UTF-8, GB18030, Big5, ISO-8859-1 (which
 * accepts anything). Raw 8-bit header text goes through that fixed list
 * as GMime's fallback charsets. The result is always valid UTF-8.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <uchardet.h>

#include "buf.h"
#include "message.h"
#include "pool.h"

#define WM_PARTS_MAX 500
/* uchardet reads no more than this of a part: enough to decide */
#define GUESS_READ_MAX (64 * 1024)
/* bytes above 127 from which a single-byte guess of uchardet is taken
 * even for text that would read as GB18030 */
#define GUESS_SINGLE_MIN 32

static GMimeParserOptions *parser_opts;

static void message_init(void)
{
	static const char *fallback[] = {
		"utf-8", "gb18030", "big5", "iso-8859-1", NULL
	};

	if (parser_opts != NULL)
		return;
	g_mime_init();
	parser_opts = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(parser_opts, fallback);
}

/* charset_alias - what to ask iconv for */
static const char *charset_alias(const char *cs)
{
	static const struct {
		const char *name, *iconv;
	} map[] = {
		{ "gb2312", "GB18030" }, { "gbk", "GB18030" },
		{ "x-gbk", "GB18030" }, { "cp936", "GB18030" },
		{ "euc-cn", "GB18030" }, { "x-euc-cn", "GB18030" },
		{ "ks_c_5601-1987", "CP949" }, { "iso-8859-8-i", "ISO-8859-8" },
		{ "big5", "BIG5-HKSCS" }, { "x-big5", "BIG5-HKSCS" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(cs, map[i].name) == 0)
			return map[i].iconv;
	return cs;
}

/* convert - data from charset to UTF-8 in pool memory, or NULL */
static const char *convert(struct pool *pool, const char *data, size_t len,
			   const char *charset)
{
	gsize written = 0;
	GError *err = NULL;
	gchar *out = g_convert(data, (gssize)len, "UTF-8", charset, NULL,
			       &written, &err);
	const char *ret;

	if (out == NULL) {
		g_clear_error(&err);
		return NULL;
	}
	ret = g_utf8_validate(out, (gssize)written, NULL) ?
		p_strndup(pool, out, written) : NULL;
	g_free(out);
	return ret;
}

/* single_byte - a charset uchardet names that has one byte a character */
static bool single_byte(const char *cs)
{
	static const char *const prefixes[] = {
		"ISO-8859-", "WINDOWS-", "KOI8", "IBM", "MAC-", "TIS-620",
		"VISCII", "GEORGIAN", "CP12", "ASCII",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (g_ascii_strncasecmp(cs, prefixes[i],
					strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* detect - what uchardet takes data for, or NULL when it cannot tell
 * (or says ASCII, which the fixed order reads anyway) */
static const char *detect(struct pool *pool, const char *data, size_t len)
{
	uchardet_t ud = uchardet_new();
	const char *cs = NULL;

	if (ud == NULL)
		return NULL;
	if (uchardet_handle_data(ud, data, len < GUESS_READ_MAX ? len :
				 GUESS_READ_MAX) == 0) {
		uchardet_data_end(ud);
		if (uchardet_get_charset(ud) != NULL &&
		    *uchardet_get_charset(ud) != '\0' &&
		    g_ascii_strcasecmp(uchardet_get_charset(ud), "ASCII") != 0)
			cs = p_strdup(pool, uchardet_get_charset(ud));
	}
	uchardet_delete(ud);
	return cs;
}

/* guess - data in the charset uchardet names, when that is believable */
static const char *guess(struct pool *pool, const char *data, size_t len)
{
	const char *cs = detect(pool, data, len), *out;
	size_t high = 0;

	if (cs == NULL || (out = convert(pool, data, len,
					 charset_alias(cs))) == NULL)
		return NULL;
	if (!single_byte(cs))
		return out;
	for (size_t i = 0; i < len && high < GUESS_SINGLE_MIN; i++)
		if ((unsigned char)data[i] > 0x7f)
			high++;
	if (high >= GUESS_SINGLE_MIN ||
	    convert(pool, data, len, "GB18030") == NULL)
		return out;
	return NULL;
}

const char *wm_to_utf8(struct pool *pool, const char *data, size_t len,
		       const char *charset)
{
	static const char *guesses[] = { "GB18030", "BIG5-HKSCS", NULL };
	const char *out;

	/* a NUL is no text in a charset of bytes (and ends a C string
	   early): dropped, so that one NUL does not cost the whole part */
	if (memchr(data, '\0', len) != NULL &&
	    (charset == NULL || (g_ascii_strncasecmp(charset, "UTF-16", 6) != 0 &&
				 g_ascii_strncasecmp(charset, "UTF-32", 6) != 0 &&
				 g_ascii_strncasecmp(charset, "UCS", 3) != 0))) {
		char *copy = p_alloc(pool, len + 1);
		size_t n = 0;

		for (size_t i = 0; i < len; i++)
			if (data[i] != '\0')
				copy[n++] = data[i];
		copy[n] = '\0';
		data = copy;
		len = n;
	}
	if (charset != NULL && *charset != '\0' &&
	    strcasecmp(charset, "us-ascii") != 0 &&
	    strcasecmp(charset, "utf-8") != 0 &&
	    (out = convert(pool, data, len, charset_alias(charset))) != NULL)
		return out;
	/* a declared UTF-8 or US-ASCII that holds is taken as it is */
	if (charset != NULL && (strcasecmp(charset, "utf-8") == 0 ||
				strcasecmp(charset, "us-ascii") == 0) &&
	    g_utf8_validate(data, (gssize)len, NULL) &&
	    memchr(data, '\0', len) == NULL)
		return p_strndup(pool, data, len);
	if ((out = guess(pool, data, len)) != NULL)
		return out;
	if (g_utf8_validate(data, (gssize)len, NULL) &&
	    memchr(data, '\0', len) == NULL)
		return p_strndup(pool, data, len);
	for (int i = 0; guesses[i] != NULL; i++)
		if ((out = convert(pool, data, len, guesses[i])) != NULL)
			return out;
	out = convert(pool, data, len, "ISO-8859-1");
	return out != NULL ? out : "";
}

/* ---- headers ------------------------------------------------------------ */

static const char *pstr(struct pool *pool, const char *s)
{
	gchar *valid;
	const char *ret;

	if (s == NULL)
		return "";
	valid = g_utf8_make_valid(s, -1);
	ret = p_strdup(pool, valid);
	g_free(valid);
	return ret;
}

static const char *addresses(struct pool *pool, InternetAddressList *list)
{
	char *s;
	const char *ret;

	if (list == NULL || internet_address_list_length(list) == 0)
		return "";
	s = internet_address_list_to_string(list, NULL, FALSE);
	ret = pstr(pool, s);
	g_free(s);
	return ret;
}

static const char *first_addr(struct pool *pool, InternetAddressList *list)
{
	InternetAddress *a;

	if (list == NULL || internet_address_list_length(list) == 0)
		return "";
	a = internet_address_list_get_address(list, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(a))
		return "";
	return pstr(pool, internet_address_mailbox_get_addr(
				INTERNET_ADDRESS_MAILBOX(a)));
}

/* ---- parts -------------------------------------------------------------- */

struct walk {
	struct pool *pool;
	struct wm_message *msg;
	unsigned int cap;
};

/* content - the decoded bytes of a leaf part, or of a whole attached
 * message */
static const char *content(struct pool *pool, GMimeObject *part,
			   size_t *len_r)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *ba;
	const char *ret;

	if (GMIME_IS_MESSAGE_PART(part)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
			GMIME_MESSAGE_PART(part));

		if (inner != NULL)
			g_mime_object_write_to_stream(GMIME_OBJECT(inner),
						      NULL, mem);
	} else {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(part));

		if (w != NULL)
			g_mime_data_wrapper_write_to_stream(w, mem);
	}
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	*len_r = ba->len;
	ret = p_memdup(pool, ba->data, ba->len);
	g_object_unref(mem);
	return ret;
}

static void visit(GMimeObject *parent, GMimeObject *part, gpointer ctx)
{
	struct walk *w = ctx;
	struct wm_message *msg = w->msg;
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	struct wm_part *p;
	const char *disp_name = NULL;
	bool is_attachment = false, text, html;
	gchar *type, *lower;

	(void)parent;
	if (GMIME_IS_MULTIPART(part) || msg->nparts >= WM_PARTS_MAX)
		return;
	if (GMIME_IS_PART(part)) {
		disp_name = g_mime_part_get_filename(GMIME_PART(part));
		is_attachment = g_mime_part_is_attachment(GMIME_PART(part));
	}
	type = ct != NULL ? g_mime_content_type_get_mime_type(ct) :
		g_strdup("application/octet-stream");
	text = g_ascii_strcasecmp(type, "text/plain") == 0;
	html = g_ascii_strcasecmp(type, "text/html") == 0;
	if (msg->nparts == w->cap) {
		struct wm_part *np;

		w->cap = w->cap == 0 ? 8 : w->cap * 2;
		np = p_alloc(w->pool, w->cap * sizeof(*np));
		if (msg->nparts > 0)
			memcpy(np, msg->parts, msg->nparts * sizeof(*np));
		msg->parts = np;
	}
	p = &msg->parts[msg->nparts];
	memset(p, 0, sizeof(*p));
	p->no = ++msg->nparts;
	lower = g_ascii_strdown(type, -1);
	p->type = p_strdup(w->pool, lower);
	g_free(lower);
	p->filename = pstr(w->pool, disp_name);
	if (g_mime_object_get_content_id(part) != NULL)
		p->content_id = pstr(w->pool,
				     g_mime_object_get_content_id(part));
	p->data = content(w->pool, part, &p->size);
	g_free(type);

	if ((text || html) && !is_attachment && disp_name == NULL) {
		const char *cs = g_mime_object_get_content_type_parameter(
			part, "charset");
		const char *utf8 = wm_to_utf8(w->pool, p->data, p->size, cs);

		if (text && msg->text == NULL) {
			msg->text = utf8;
			return;
		}
		if (html && msg->html == NULL) {
			msg->html = utf8;
			msg->html_len = strlen(utf8);
			return;
		}
	}
	/* an inline image that the HTML shows by cid is not an attachment
	   to list; everything else with content is */
	p->attachment = is_attachment || disp_name != NULL ||
		GMIME_IS_MESSAGE_PART(part) ||
		!(p->content_id != NULL &&
		  strncmp(p->type, "image/", 6) == 0);
}

/* header - a header's raw value with folding undone, "" if none */
static const char *header(struct pool *pool, GMimeMessage *m,
			  const char *name)
{
	const char *v = g_mime_object_get_header(GMIME_OBJECT(m), name);
	char *out, *o;

	if (v == NULL)
		return "";
	out = o = p_strdup(pool, v);
	for (; *v != '\0'; v++) {
		if (*v == '\r' || *v == '\n')
			continue;
		*o++ = *v == '\t' ? ' ' : *v;
	}
	*o = '\0';
	return str_trim(out);
}

int wm_message_parse(struct pool *pool, const char *data, size_t len,
		     struct wm_message *msg_r)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;
	GDateTime *date;
	struct walk w = { pool, msg_r, 0 };

	message_init();
	memset(msg_r, 0, sizeof(*msg_r));
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, parser_opts);
	g_object_unref(parser);
	g_object_unref(stream);
	if (m == NULL) {
		/* no header block GMime recognises (plain text, an mbox
		   "From " line): the whole of it is the text, so that the
		   message can still be read */
		msg_r->subject = msg_r->from = msg_r->from_addr = "";
		msg_r->to = msg_r->cc = msg_r->bcc = msg_r->reply_to = "";
		msg_r->message_id = msg_r->in_reply_to = "";
		msg_r->references = msg_r->compose_ref = "";
		msg_r->text = wm_to_utf8(pool, data, len, NULL);
		return 0;
	}
	msg_r->subject = pstr(pool, g_mime_message_get_subject(m));
	msg_r->from = addresses(pool, g_mime_message_get_from(m));
	msg_r->from_addr = first_addr(pool, g_mime_message_get_from(m));
	msg_r->to = addresses(pool, g_mime_message_get_to(m));
	msg_r->cc = addresses(pool, g_mime_message_get_cc(m));
	msg_r->reply_to = addresses(pool, g_mime_message_get_reply_to(m));
	msg_r->bcc = addresses(pool, g_mime_message_get_bcc(m));
	msg_r->message_id = pstr(pool, g_mime_message_get_message_id(m));
	msg_r->in_reply_to = header(pool, m, "In-Reply-To");
	msg_r->references = header(pool, m, "References");
	msg_r->compose_ref = header(pool, m, WM_COMPOSE_REF_HEADER);
	date = g_mime_message_get_date(m);
	msg_r->date = date != NULL ? (time_t)g_date_time_to_unix(date) : 0;
	g_mime_message_foreach(m, visit, &w);
	g_object_unref(m);
	return 0;
}

/* ---- plain text as HTML ---------------------------------------------------- */

static void escape_to(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': buf_adds(out, "&amp;"); break;
		case '<': buf_adds(out, "&lt;"); break;
		case '>': buf_adds(out, "&gt;"); break;
		case '"': buf_adds(out, "&quot;"); break;
		case '\'': buf_adds(out, "&#39;"); break;
		default: buf_addc(out, s[i]); break;
		}
	}
}

/* url_len - length of an http(s) URL at s, 0 if there is none; ends at
 * white space, quotes or angle brackets, trailing punctuation left out */
static size_t url_len(const char *s, size_t len)
{
	size_t n;

	if (!(len > 8 && g_ascii_strncasecmp(s, "https://", 8) == 0) &&
	    !(len > 7 && g_ascii_strncasecmp(s, "http://", 7) == 0))
		return 0;
	for (n = 0; n < len; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (ch <= ' ' || ch == '"' || ch == '<' || ch == '>' ||
		    ch == '\'' || ch == 0x7f)
			break;
	}
	while (n > 0 && strchr(".,;:!?)]}", s[n - 1]) != NULL)
		n--;
	return n > 8 ? n : 0;	/* more than "https://" */
}

/* line_html - one line, escaped, its URLs made links */
static void line_html(struct buf *out, const char *s, size_t len)
{
	size_t i = 0, start = 0;

	while (i < len) {
		size_t u = (i == 0 || !g_ascii_isalnum(s[i - 1])) ?
			url_len(s + i, len - i) : 0;

		if (u == 0) {
			i++;
			continue;
		}
		escape_to(out, s + start, i - start);
		buf_adds(out, "<a href=\"");
		escape_to(out, s + i, u);
		buf_adds(out, "\" target=\"_blank\" rel=\"noopener noreferrer\">");
		escape_to(out, s + i, u);
		buf_adds(out, "</a>");
		i += u;
		start = i;
	}
	escape_to(out, s + start, len - start);
}

const char *wm_text_html(struct pool *pool, const char *text,
			 const char *quoted_label)
{
	struct buf *out = buf_new_pool(pool, 0);
	bool in_quote = false;
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		bool quoted = len > 0 && p[0] == '>';

		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (quoted && !in_quote) {
			buf_adds(out, "<details class=\"quoted\"><summary>");
			escape_to(out, quoted_label, strlen(quoted_label));
			buf_adds(out, "</summary>");
			in_quote = true;
		} else if (!quoted && in_quote) {
			buf_adds(out, "</details>");
			in_quote = false;
		}
		line_html(out, p, len);
		buf_addc(out, '\n');
		p = nl != NULL ? nl + 1 : p + len;
		if (nl == NULL)
			break;
	}
	if (in_quote)
		buf_adds(out, "</details>");
	return out->data != NULL ? out->data : "";
}
