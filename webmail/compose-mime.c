/*
 * compose-mime.c - address fields and outgoing messages (GMime).
 *
 * An address field is split at the commas and semicolons that are not
 * inside quotes or angle brackets, and each piece must parse as exactly
 * one mailbox: GMime alone would quietly drop a piece it cannot read,
 * and a user must hear which address is wrong rather than have a
 * recipient vanish.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "compose-mime.h"
#include "message.h"
#include "pool.h"
#include "token.h"

#define MSGID_MAX 250
#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static void mime_ready(void)
{
	static bool done;

	if (!done) {
		g_mime_init();
		done = true;
	}
}

/* one_line - s with CR, LF and TAB as spaces */
static char *one_line(struct pool *pool, const char *s)
{
	char *out = p_strdup(pool, s != NULL ? s : ""), *p;

	for (p = out; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	}
	return out;
}

/* addr_ok - local@domain as we are willing to send to: printable, no
 * specials outside the local part's dots and a few marks, one @ */
static bool addr_ok(const char *addr)
{
	const char *at = strrchr(addr, '@'), *p;
	size_t llen, dlen;

	if (at == NULL || at == addr)
		return false;
	llen = (size_t)(at - addr);
	dlen = strlen(at + 1);
	if (llen > 64 || dlen == 0 || dlen > 253)
		return false;
	for (p = addr; p < at; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch <= ' ' || ch == 0x7f || strchr("\"(),:;<>@[\\]", ch))
			return false;
	}
	if (addr[0] == '.' || at[-1] == '.' || strstr(addr, "..") != NULL)
		return false;
	for (p = at + 1; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < 0x80 && !g_ascii_isalnum(ch) && ch != '-' &&
		    ch != '.')
			return false;
	}
	return at[1] != '.' && p[-1] != '.' && strstr(at, "..") == NULL;
}

/* parse_one - piece as exactly one mailbox */
static int parse_one(struct pool *pool, const char *piece,
		     struct wm_address *a)
{
	InternetAddressList *list;
	InternetAddress *ia;
	const char *addr, *name;
	int ret = -1;

	list = internet_address_list_parse(NULL, piece);
	if (list == NULL)
		return -1;
	if (internet_address_list_length(list) == 1) {
		ia = internet_address_list_get_address(list, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			addr = internet_address_mailbox_get_addr(
				INTERNET_ADDRESS_MAILBOX(ia));
			name = internet_address_get_name(ia);
			if (addr != NULL && addr_ok(addr)) {
				a->addr = p_strdup(pool, addr);
				a->name = p_strdup(pool, name != NULL ?
						   name : "");
				ret = 0;
			}
		}
	}
	g_object_unref(list);
	return ret;
}

int wm_parse_addresses(struct pool *pool, const char *field,
		       struct wm_address **list_r, unsigned int *n_r,
		       const char **bad_r)
{
	char *s = one_line(pool, field), *start = s, *p;
	struct wm_address *list;
	unsigned int n = 0;
	bool quoted = false, angle = false;

	mime_ready();
	*list_r = NULL;
	*n_r = 0;
	list = p_new(pool, struct wm_address, WM_ADDRESSES_MAX);
	for (p = s;; p++) {
		if (*p == '"' && (p == s || p[-1] != '\\'))
			quoted = !quoted;
		else if (!quoted && *p == '<')
			angle = true;
		else if (!quoted && *p == '>')
			angle = false;
		if (*p != '\0' && (quoted || angle || (*p != ',' && *p != ';')))
			continue;
		{
			bool end = *p == '\0';
			char *piece;

			*p = '\0';
			piece = str_trim(start);
			if (piece[0] != '\0') {
				if (n == WM_ADDRESSES_MAX) {
					*bad_r = p_strdup(pool, piece);
					return -1;
				}
				if (parse_one(pool, piece, &list[n]) < 0) {
					*bad_r = p_strdup(pool, piece);
					return -1;
				}
				n++;
			}
			if (end)
				break;
			start = p + 1;
		}
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

const char *wm_format_addresses(struct pool *pool,
				const struct wm_address *list, unsigned int n)
{
	struct buf *out = buf_new_pool(pool, 0);
	unsigned int i;

	mime_ready();
	for (i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_mailbox_new(
			list[i].name[0] != '\0' ? list[i].name : NULL,
			list[i].addr);
		char *s = internet_address_to_string(ia, NULL, FALSE);

		if (i > 0)
			buf_adds(out, ", ");
		buf_adds(out, s);
		g_free(s);
		g_object_unref(ia);
	}
	return out->data != NULL ? out->data : "";
}

const char *wm_msgids(struct pool *pool, const char *value, unsigned int max)
{
	const char *ids[64], *p = value != NULL ? value : "";
	struct buf *out = buf_new_pool(pool, 0);
	unsigned int n = 0, i;

	if (max > N_ELEMENTS(ids))
		max = N_ELEMENTS(ids);
	while ((p = strchr(p, '<')) != NULL) {
		const char *end = strchr(p + 1, '>'), *q;
		bool ok;

		if (end == NULL)
			break;
		ok = end - p - 1 > 2 && end - p - 1 <= MSGID_MAX &&
			memchr(p + 1, '@', (size_t)(end - p - 1)) != NULL;
		for (q = p + 1; ok && q < end; q++)
			ok = *q > ' ' && *q < 0x7f && *q != '<';
		if (ok) {
			if (n == max) {
				memmove(ids, ids + 1, (max - 1) * sizeof(*ids));
				n--;
			}
			if (max > 0)
				ids[n++] = p_strndup(pool, p,
						     (size_t)(end - p + 1));
		}
		p = end + 1;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(out, ' ');
		buf_adds(out, ids[i]);
	}
	return out->data != NULL ? out->data : "";
}

const char *wm_subject_prefix(struct pool *pool, const char *subject,
			      const char *prefix)
{
	static const char *const re[] = {
		"re:", "re :", "aw:", "回复:", "回复：", "答复:", "答复：", NULL
	};
	static const char *const fwd[] = {
		"fwd:", "fw:", "fwd :", "wg:", "转发:", "转发：", NULL
	};
	const char *const *known = strncasecmp(prefix, "re", 2) == 0 ?
		re : fwd;
	const char *s = subject != NULL ? subject : "";
	unsigned int i;

	while (*s == ' ')
		s++;
	for (i = 0; known[i] != NULL; i++) {
		if (strncasecmp(s, known[i], strlen(known[i])) == 0)
			return p_strdup(pool, s);
	}
	return p_printf(pool, "%s%s", prefix, s);
}

/* lf_text - text with CRLF and lone CR as LF (GMime writes CRLF) */
static char *lf_text(struct pool *pool, const char *text)
{
	char *out = p_strdup(pool, text != NULL ? text : ""), *o = out;
	const char *p;

	for (p = out; *p != '\0'; p++) {
		if (*p == '\r') {
			if (p[1] != '\n')
				*o++ = '\n';
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

static void add_addresses(GMimeMessage *m, GMimeAddressType type,
			  const struct wm_address *a, unsigned int n)
{
	InternetAddressList *list = g_mime_message_get_addresses(m, type);
	unsigned int i;

	for (i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_mailbox_new(
			a[i].name[0] != '\0' ? a[i].name : NULL, a[i].addr);

		internet_address_list_add(list, ia);
		g_object_unref(ia);
	}
}

/* type_ok - a plausible type/subtype token pair */
static bool type_ok(const char *type)
{
	const char *slash = type != NULL ? strchr(type, '/') : NULL, *p;

	if (slash == NULL || slash == type || slash[1] == '\0' ||
	    strlen(type) > 127)
		return false;
	for (p = type; *p != '\0'; p++) {
		if (p != slash && !g_ascii_isalnum(*p) &&
		    strchr("!#$&-^_.+", *p) == NULL)
			return false;
	}
	return strchr(slash + 1, '/') == NULL;
}

/* message_part - a whole message attached as message/rfc822; NULL when
 * GMime cannot read it as one */
static GMimeObject *message_part(struct pool *pool,
				 const struct wm_attachment *a)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(a->data, a->len);
	GMimeParser *parser = g_mime_parser_new_with_stream(st);
	GMimeMessage *inner = g_mime_parser_construct_message(parser, NULL);
	GMimeMessagePart *part;
	GMimeContentDisposition *disp;

	g_object_unref(parser);
	g_object_unref(st);
	if (inner == NULL)
		return NULL;
	part = g_mime_message_part_new_with_message("rfc822", inner);
	g_object_unref(inner);
	disp = g_mime_content_disposition_parse(NULL, "attachment");
	g_mime_param_list_set_parameter(
		g_mime_content_disposition_get_parameters(disp), "filename",
		one_line(pool, a->filename != NULL && a->filename[0] != '\0' ?
			 a->filename : "message.eml"));
	g_mime_object_set_content_disposition(GMIME_OBJECT(part), disp);
	g_object_unref(disp);
	return GMIME_OBJECT(part);
}

static GMimeObject *attachment_part(struct pool *pool,
				    const struct wm_attachment *a)
{
	const char *type = type_ok(a->type) ? a->type :
		"application/octet-stream";
	const char *slash = strchr(type, '/');
	char *major = p_strndup(pool, type, (size_t)(slash - type));
	GMimePart *part = g_mime_part_new_with_type(major, slash + 1);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(a->data, a->len);
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(
		st, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_object_unref(st);
	g_mime_part_set_filename(part, one_line(pool, a->filename != NULL &&
			a->filename[0] != '\0' ? a->filename : "attachment"));
	/* files are base64 whatever they hold: a "text" file may still
	 * have lines no SMTP server takes as they are */
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	return GMIME_OBJECT(part);
}

/* domain_of - the part after the last @ */
static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : "localhost";
}

int wm_build_message(struct pool *pool, const struct wm_outgoing *o,
		     const char **data_r, size_t *len_r,
		     const char **message_id_r)
{
	GMimeMessage *m;
	GMimeTextPart *text;
	GMimeObject *body;
	GMimeFormatOptions *fo;
	GMimeStream *out;
	GByteArray *bytes;
	GDateTime *date;
	const char *id, *v;
	unsigned int i;
	char rnd[TOKEN_HEX_LEN + 1];

	mime_ready();
	m = g_mime_message_new(TRUE);
	add_addresses(m, GMIME_ADDRESS_TYPE_FROM, &o->from, 1);
	add_addresses(m, GMIME_ADDRESS_TYPE_TO, o->to, o->nto);
	add_addresses(m, GMIME_ADDRESS_TYPE_CC, o->cc, o->ncc);
	if (o->with_bcc)
		add_addresses(m, GMIME_ADDRESS_TYPE_BCC, o->bcc, o->nbcc);
	g_mime_message_set_subject(m, one_line(pool, o->subject), "utf-8");
	date = o->date != 0 ? g_date_time_new_from_unix_local(o->date) :
		g_date_time_new_now_local();
	g_mime_message_set_date(m, date);
	g_date_time_unref(date);
	if (o->message_id != NULL && o->message_id[0] != '\0') {
		id = o->message_id;
	} else {
		token_new_hex(rnd);
		id = p_printf(pool, "%.32s@%s", rnd, domain_of(o->from.addr));
	}
	g_mime_message_set_message_id(m, id);
	v = wm_msgids(pool, o->in_reply_to, 1);
	if (v[0] != '\0')
		g_mime_object_set_header(GMIME_OBJECT(m), "In-Reply-To", v,
					 NULL);
	v = wm_msgids(pool, o->references, 20);
	if (v[0] != '\0')
		g_mime_object_set_header(GMIME_OBJECT(m), "References", v,
					 NULL);
	if (o->compose_ref != NULL && o->compose_ref[0] != '\0')
		g_mime_object_set_header(GMIME_OBJECT(m),
			WM_COMPOSE_REF_HEADER,
			one_line(pool, o->compose_ref), NULL);

	text = g_mime_text_part_new_with_subtype("plain");
	g_mime_text_part_set_text(text, lf_text(pool, o->text));
	g_mime_part_set_content_encoding(GMIME_PART(text),
		g_mime_part_get_best_content_encoding(GMIME_PART(text),
			GMIME_ENCODING_CONSTRAINT_7BIT));
	if (o->natt == 0) {
		body = GMIME_OBJECT(text);
	} else {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype(
			"mixed");

		g_mime_multipart_add(mixed, GMIME_OBJECT(text));
		g_object_unref(text);
		for (i = 0; i < o->natt; i++) {
			GMimeObject *part = o->att[i].message ?
				message_part(pool, &o->att[i]) : NULL;

			if (part == NULL)	/* or not a message after all */
				part = attachment_part(pool, &o->att[i]);

			g_mime_multipart_add(mixed, part);
			g_object_unref(part);
		}
		body = GMIME_OBJECT(mixed);
	}
	g_mime_message_set_mime_part(m, body);
	g_object_unref(body);

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	out = g_mime_stream_mem_new();
	g_mime_object_write_to_stream(GMIME_OBJECT(m), fo, out);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	*data_r = p_memdup(pool, bytes->data, bytes->len);
	*len_r = bytes->len;
	g_object_unref(out);
	g_mime_format_options_free(fo);
	g_object_unref(m);
	if (message_id_r != NULL)
		*message_id_r = p_strdup(pool, id);
	return 0;
}
