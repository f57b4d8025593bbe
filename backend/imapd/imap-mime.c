/*
 * imap-mime.c - the MIME part tree of a stored message, and what FETCH
 * makes of it: BODYSTRUCTURE and BODY (RFC 3501 7.4.2 and section 9),
 * ENVELOPE, the octets of BODY[section] (RFC 3501 6.4.5) and the decoded
 * octets of BINARY[section] (RFC 3516).
 *
 * The parser makes one forward pass over the raw message. Every entity
 * (the message, a body part, an embedded message) is a header block up to
 * the first empty line, then a body; a multipart body is cut at lines
 * that start with "--" and a boundary of that multipart or of any
 * multipart around it (RFC 2046 5.1.1):
 *
 *   entity    = header (to the empty line, or a boundary line, or the
 *               end) body
 *   multipart = preamble *("--b" junk EOL entity) ["--b--" junk EOL
 *               epilogue]
 *   message   = one embedded entity (message/rfc822 only)
 *
 * parse_entity() reads one entity and returns the boundary line (struct
 * mime_stop) that ended it; the caller decides what that line means. The
 * line end before a boundary line belongs to the boundary, so a part
 * ends before it, but never before what was already consumed (the end of
 * the last boundary line or child): that is how a part that is cut in its
 * header, or an empty epilogue, keeps the line end of the line before.
 *
 * Deliberate choices (cross-checked against Dovecot 2.3, where the
 * differences are listed):
 *  - Offsets, octet counts and line counts are those of the raw data:
 *    BODY[] sections are exact substrings. Dovecot counts a bare LF as
 *    CRLF; messages from our SMTP server are CRLF already.
 *  - body-fld-lines is the number of LF octets in the body (as Dovecot).
 *  - Boundaries match as prefixes of the line after "--", innermost
 *    first; "--" right after the boundary makes it the closing one, and
 *    the rest of the line is ignored (as Dovecot).
 *  - A multipart without a boundary parameter, or whose boundary never
 *    occurs, has no parts: it is written as a multipart holding one empty
 *    text/plain part, as RFC 3501 requires one (as Dovecot).
 *  - Type, subtype and parameter names are lower case, the transfer
 *    encoding upper case; parameter values, the disposition type and
 *    every other field are as sent (Dovecot keeps all names as sent).
 *  - A Content-Type that is not type "/" subtype is the default (RFC
 *    2045 5.2): text/plain, or message/rfc822 in a multipart/digest
 *    (Dovecot writes the broken parts, e.g. ("text" "" ...)).
 *  - text/ parts without a charset get ("charset" "us-ascii") appended
 *    (as Dovecot).
 *  - RFC 2231: continuations (name*0, name*1*, ...) are joined in
 *    section order, not decoded. A joined value with an encoded section
 *    is named "name*" and keeps the charset'language'%XX form; plain
 *    sections inside it are %-encoded (Dovecot does not join sections
 *    sent out of order, and leaves plain sections unencoded).
 *  - Of a repeated Content-* field, Date, Subject, In-Reply-To or
 *    Message-ID the first counts (Dovecot takes the last ENVELOPE one);
 *    repeated address fields (two To: lines) add up (as Dovecot).
 *  - Field values are unfolded (line ends removed, white space kept) and
 *    trimmed at both ends (Dovecot keeps trailing white space on some).
 *  - ENVELOPE: display names and comments are raw text: RFC 2047 words
 *    stay encoded; a name made of several words keeps one space where
 *    the header had white space or a comment; with no display name the
 *    last comment of the address is the name (as Dovecot). The source
 *    route is always NIL (Dovecot returns it). Quoted local parts are
 *    unquoted and an addr-spec is split at its last "@" token; a missing
 *    local part or domain is "MISSING_MAILBOX" / "MISSING_DOMAIN" (as
 *    Dovecot). Empty list members and a ";" outside a group are skipped
 *    (Dovecot writes an address for each empty member, and stops at the
 *    ";").
 *  - BODY[n] of a part that is not a multipart: "1" is the body of a
 *    message (the top level or an embedded one) that is not a multipart;
 *    a further "1" below a plain part names nothing (Dovecot answers
 *    1.1 with part 1 inside a multipart).
 *  - HEADER.FIELDS[.NOT] always ends with an empty line, in the header's
 *    own line end style.
 *  - BINARY: base64 and quoted-printable are decoded leniently (junk
 *    skipped, bad "=" escapes kept), never refused (Dovecot answers NO
 *    [PARSE] for bad data). Other parts, multiparts and messages
 *    included, are returned as they are.
 *
 * SECURITY: the message is untrusted. Every scan is bounded by the data;
 * the tree is bounded by IMAP_MIME_MAX_DEPTH (recursion depth of the
 * parser and writer) and IMAP_MIME_MAX_PARTS; a multipart or
 * message/rfc822 past either is one application/octet-stream leaf.
 * Parameters are capped at MAX_PARAMS per field so that joining RFC 2231
 * sections stays cheap. Memory is in proportion to the input. Every
 * string written to a response goes through imap_write_string(), so no
 * octet of the message can end a quoted string or forge a literal.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "pool.h"

#include "imap-mime.h"

#define MAX_PARAMS	64	/* parameters kept per Content-* field */
#define MAX_SECTION	9999	/* highest RFC 2231 section number */

#define MISSING_MAILBOX	"MISSING_MAILBOX"
#define MISSING_DOMAIN	"MISSING_DOMAIN"

/* ==== small helpers ==================================================== */

/* is_wsp - SP or HTAB */
static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* to_lower - ASCII lower case */
static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/* to_upper - ASCII upper case */
static char to_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - ('a' - 'A')) : c;
}

/* ncase_eq - len octets of s equal word, ignoring ASCII case */
static bool ncase_eq(const char *s, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return false;
	for (i = 0; i < len; i++) {
		if (to_lower(s[i]) != to_lower(word[i]))
			return false;
	}
	return true;
}

/* dup_case - a copy in pool, lower (upper false) or upper case */
static char *dup_case(struct pool *pool, const char *s, size_t len,
		      bool upper)
{
	char *d = p_strndup(pool, s, len);
	size_t i;

	for (i = 0; i < len; i++)
		d[i] = upper ? to_upper(d[i]) : to_lower(d[i]);
	return d;
}

/* ==== output =========================================================== */

/*
 * The public writers return nothing, so a failed append (only possible
 * with a bounded buffer) is remembered and everything after it dropped:
 * the output is then cut short, never garbled in the middle.
 */
struct out {
	struct buf *b;
	bool failed;
};

/* out_add - append n octets */
static void out_add(struct out *w, const char *s, size_t n)
{
	if (!w->failed && buf_append(w->b, s, n) < 0)
		w->failed = true;
}

/* out_str - append a C string as it is (protocol text, not data) */
static void out_str(struct out *w, const char *s)
{
	out_add(w, s, strlen(s));
}

/* out_num - append a number */
static void out_num(struct out *w, size_t n)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%zu", n);

	out_add(w, tmp, (size_t)len);
}

/* out_string - s[0..len) as an IMAP string, NIL for NULL */
static void out_string(struct out *w, const char *s, size_t len)
{
	size_t i, nul = 0, run;
	bool quoted = true;
	char hdr[48];
	int n;

	if (s == NULL) {
		out_str(w, "NIL");
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			nul++;
		else if (c >= 0x80 || c == '\r' || c == '\n')
			quoted = false;
	}
	if (quoted) {
		out_add(w, "\"", 1);
		for (i = 0; i < len; i = run) {
			for (run = i; run < len && s[run] != '"' &&
			     s[run] != '\\' && s[run] != '\0'; run++)
				;
			out_add(w, s + i, run - i);
			if (run == len)
				break;
			if (s[run] != '\0')
				out_add(w, s[run] == '"' ? "\\\"" : "\\\\", 2);
			run++;
		}
		out_add(w, "\"", 1);
		return;
	}
	/* a literal: CHAR8 is %x01-ff, so NUL octets are left out */
	n = snprintf(hdr, sizeof(hdr), "{%zu}\r\n", len - nul);
	out_add(w, hdr, (size_t)n);
	for (i = 0; i < len; i = run + 1) {
		for (run = i; run < len && s[run] != '\0'; run++)
			;
		out_add(w, s + i, run - i);
	}
}

/* out_nstring - a C string or NIL */
static void out_nstring(struct out *w, const char *s)
{
	out_string(w, s, s != NULL ? strlen(s) : 0);
}

/* imap_write_string - s[0..len) as an IMAP string */
void imap_write_string(struct buf *out, const char *s, size_t len)
{
	struct out w = { out, false };

	out_string(&w, s, len);
}

/* imap_write_nstring - a C string as an IMAP string, NIL for NULL */
void imap_write_nstring(struct buf *out, const char *s)
{
	struct out w = { out, false };

	out_nstring(&w, s);
}

/* ==== lines and header fields ========================================== */

/* next_line - the start of the line after the one at pos (or len) */
static size_t next_line(const char *data, size_t len, size_t pos)
{
	const char *nl;

	if (pos >= len)
		return len;
	nl = memchr(data + pos, '\n', len - pos);
	return nl != NULL ? (size_t)(nl - data) + 1 : len;
}

/* empty_line - the line at pos is LF or CR LF */
static bool empty_line(const char *data, size_t len, size_t pos)
{
	return pos < len && (data[pos] == '\n' ||
			     (data[pos] == '\r' && pos + 1 < len &&
			      data[pos + 1] == '\n'));
}

/* eol_before - octets of the line end just before pos (0, 1 or 2) */
static size_t eol_before(const char *data, size_t pos)
{
	if (pos == 0 || data[pos - 1] != '\n')
		return 0;
	return pos >= 2 && data[pos - 2] == '\r' ? 2 : 1;
}

/* count_lf - LF octets in data[0..len) */
static unsigned int count_lf(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	size_t n = 0;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p = nl + 1;
	}
	return n > (size_t)UINT32_MAX ? UINT32_MAX : (unsigned int)n;
}

/* imap_mime_header_len - octets up to and including the first empty line */
size_t imap_mime_header_len(const char *data, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		if (empty_line(data, len, pos))
			return next_line(data, len, pos);
		pos = next_line(data, len, pos);
	}
	return len;
}

/* one field of a header block: offsets relative to the block */
struct hfield {
	size_t start;		/* the name */
	size_t end;		/* past the last line end (folded lines in) */
	size_t name_len;	/* trailing white space cut; 0 without ':' */
	size_t value;		/* after the ':' */
	size_t value_end;	/* before the last line end */
	bool colon;		/* false: a line that is no field */
};

/*
 * hfield_next - the field at *pos of the header block h[0..len); false
 * at the empty line that ends the block or at its end. A line that
 * starts with white space continues the field before it (RFC 5322
 * 2.2.3); one at the very start is a field of its own with no name.
 */
static bool hfield_next(const char *h, size_t len, size_t *pos,
			struct hfield *f)
{
	size_t i = *pos, first_end;
	const char *colon;

	if (i >= len || empty_line(h, len, i))
		return false;
	f->start = i;
	i = next_line(h, len, i);
	first_end = i;
	while (i < len && is_wsp(h[i]))
		i = next_line(h, len, i);
	f->end = i;
	f->value_end = i;
	if (f->value_end > f->start && h[f->value_end - 1] == '\n') {
		f->value_end--;
		if (f->value_end > f->start && h[f->value_end - 1] == '\r')
			f->value_end--;
	}
	colon = memchr(h + f->start, ':', first_end - f->start);
	f->colon = colon != NULL;
	if (colon != NULL) {
		f->value = (size_t)(colon - h) + 1;
		f->name_len = (size_t)(colon - h) - f->start;
		while (f->name_len > 0 && is_wsp(h[f->start + f->name_len - 1]))
			f->name_len--;
	} else {
		f->value = f->value_end;
		f->name_len = 0;
	}
	*pos = i;
	return true;
}

/* hfield_is - the field is named name (any case) */
static bool hfield_is(const char *h, const struct hfield *f,
		      const char *name)
{
	return f->colon && ncase_eq(h + f->start, f->name_len, name);
}

/*
 * unfold - a field value as a C string in pool: line ends removed (a CR
 * only before LF), NUL octets dropped, white space at both ends trimmed.
 */
static char *unfold(struct pool *pool, const char *s, size_t len)
{
	char *d = p_alloc(pool, len + 1), *w = d;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n' || s[i] == '\0' ||
		    (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			continue;
		*w++ = s[i];
	}
	while (w > d && is_wsp(w[-1]))
		w--;
	*w = '\0';
	w = d;
	while (is_wsp(*w))
		w++;
	return w;
}

/* hfield_value - the unfolded value of a field */
static char *hfield_value(struct pool *pool, const char *h,
			  const struct hfield *f)
{
	return unfold(pool, h + f->value, f->value_end - f->value);
}

/* ==== Content-* values (RFC 2045, 2183, 2231, 3282) ==================== */

/* skip_cfws - white space and (nested) comments at s[*i] */
static void skip_cfws(const char *s, size_t *i)
{
	unsigned int depth;

	for (;;) {
		while (is_wsp(s[*i]) || s[*i] == '\r' || s[*i] == '\n')
			(*i)++;
		if (s[*i] != '(')
			return;
		depth = 0;
		for (; s[*i] != '\0'; (*i)++) {
			if (s[*i] == '\\' && s[*i + 1] != '\0') {
				(*i)++;
			} else if (s[*i] == '(') {
				depth++;
			} else if (s[*i] == ')' && --depth == 0) {
				(*i)++;
				break;
			}
		}
	}
}

/* is_token_char - RFC 2045 token, 8-bit octets allowed (seen in mail) */
static bool is_token_char(char c)
{
	unsigned char u = (unsigned char)c;

	return u > 32 && u != 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* scan_token - a token at s[*i]; its length (0: none) */
static size_t scan_token(const char *s, size_t *i)
{
	size_t start = *i;

	while (s[*i] != '\0' && is_token_char(s[*i]))
		(*i)++;
	return *i - start;
}

/*
 * scan_value - a parameter value at s[*i]: a quoted string (unescaped)
 * or a run of octets up to ";", white space, "(" or a quote, which lets
 * the unquoted boundary=----=_Part_1 through. NULL when a quoted string
 * is not closed.
 */
static char *scan_value(struct pool *pool, const char *s, size_t *i)
{
	size_t start = *i, n = 0;
	char *v;

	if (s[*i] != '"') {
		while (s[*i] != '\0' && s[*i] != ';' && s[*i] != '"' &&
		       s[*i] != '(' && (unsigned char)s[*i] > 32 &&
		       s[*i] != 127)
			(*i)++;
		return p_strndup(pool, s + start, *i - start);
	}
	v = p_alloc(pool, strlen(s + start));
	for ((*i)++; s[*i] != '"'; (*i)++) {
		if (s[*i] == '\0')
			return NULL;
		if (s[*i] == '\\' && s[*i + 1] != '\0')
			(*i)++;
		v[n++] = s[*i];
	}
	(*i)++;
	return v;
}

/* one parameter as sent, its name split for RFC 2231 */
struct rparam {
	const char *name;	/* lower case, as sent */
	const char *value;
	size_t base_len;	/* the name without "*n" and "*" */
	int section;		/* -1: none */
	bool ext;		/* ends in "*": charset'lang'%XX */
	bool done;
};

/* split_name - base name, section and ext of an RFC 2231 name */
static void split_name(struct rparam *r)
{
	size_t len = strlen(r->name), k, d;
	int n = 0;

	r->section = -1;
	r->ext = len > 1 && r->name[len - 1] == '*';
	if (r->ext)
		len--;
	r->base_len = len;
	for (k = len; k > 0 && r->name[k - 1] >= '0' && r->name[k - 1] <= '9';
	     k--)
		;
	d = len - k;
	if (d == 0 || d > 4 || k < 2 || r->name[k - 1] != '*' ||
	    (d > 1 && r->name[k] == '0'))
		return;
	for (; k < len; k++)
		n = n * 10 + (r->name[k] - '0');
	if (n > MAX_SECTION)
		return;
	r->section = n;
	r->base_len = len - d - 1;
}

/* is_attr_char - RFC 2231 attribute-char (else %-encoded) */
static bool is_attr_char(char c)
{
	return is_token_char(c) && (unsigned char)c < 0x80 && c != '*' &&
		c != '\'' && c != '%';
}

/*
 * join_sections - the sections of raw[first]'s base name, in section
 * order, as one parameter (see the top of the file).
 */
static void join_sections(struct pool *pool, struct rparam *raw,
			  unsigned int n, unsigned int first,
			  const char **name_r, const char **value_r)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned int idx[MAX_PARAMS], cnt = 0, i, j, k;
	const struct rparam *b = &raw[first];
	size_t size = 3;
	bool any_ext = false;
	char *v, *w;
	const char *s;

	for (i = first; i < n; i++) {
		if (raw[i].done || raw[i].section < 0 ||
		    raw[i].base_len != b->base_len ||
		    memcmp(raw[i].name, b->name, b->base_len) != 0)
			continue;
		/* insertion sort by section, stable */
		for (j = cnt; j > 0 && raw[idx[j - 1]].section >
		     raw[i].section; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
		cnt++;
		raw[i].done = true;
		any_ext = any_ext || raw[i].ext;
		size += strlen(raw[i].value) * 3;
	}
	w = v = p_alloc(pool, size);
	if (any_ext && !raw[idx[0]].ext) {
		*w++ = '\'';
		*w++ = '\'';
	}
	for (k = 0; k < cnt; k++) {
		for (s = raw[idx[k]].value; *s != '\0'; s++) {
			if (!any_ext || raw[idx[k]].ext || is_attr_char(*s)) {
				*w++ = *s;
			} else {
				*w++ = '%';
				*w++ = hex[(unsigned char)*s >> 4];
				*w++ = hex[(unsigned char)*s & 15];
			}
		}
	}
	*name_r = any_ext ? p_printf(pool, "%.*s*", (int)b->base_len,
				     b->name) :
		p_strndup(pool, b->name, b->base_len);
	*value_r = v;
}

/*
 * parse_params - ";" name "=" value ... from s[i] on, into name, value
 * pairs in pool with RFC 2231 sections joined. Junk up to the next ";"
 * is skipped; a quoted value that is not closed drops its parameter.
 */
static unsigned int parse_params(struct pool *pool, const char *s, size_t i,
				 const char *const **params_r)
{
	struct rparam raw[MAX_PARAMS];
	const char **out;
	unsigned int n = 0, k, o = 0;
	size_t start, len;
	char *value;

	for (;;) {
		skip_cfws(s, &i);
		if (s[i] == '\0' || n == MAX_PARAMS)
			break;
		if (s[i] != ';') {
			/* junk: on to the next ";" */
			while (s[i] != '\0' && s[i] != ';')
				i++;
			continue;
		}
		i++;
		skip_cfws(s, &i);
		start = i;
		while (is_token_char(s[i]))
			i++;
		len = i - start;
		skip_cfws(s, &i);
		if (len == 0 || s[i] != '=')
			continue;
		i++;
		skip_cfws(s, &i);
		value = scan_value(pool, s, &i);
		if (value == NULL)
			break;
		raw[n].name = dup_case(pool, s + start, len, false);
		raw[n].value = value;
		raw[n].done = false;
		split_name(&raw[n]);
		n++;
	}
	if (n == 0) {
		*params_r = NULL;
		return 0;
	}
	out = p_new(pool, const char *, 2 * n);
	for (k = 0; k < n; k++) {
		if (raw[k].done)
			continue;
		if (raw[k].section < 0) {
			out[o++] = raw[k].name;
			out[o++] = raw[k].value;
			raw[k].done = true;
		} else {
			join_sections(pool, raw, n, k, &out[o], &out[o + 1]);
			o += 2;
		}
	}
	*params_r = out;
	return o / 2;
}

/* find_param - the value of a parameter (lower-case name) or NULL */
static const char *find_param(const char *const *params, unsigned int n,
			      const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (strcmp(params[2 * i], name) == 0)
			return params[2 * i + 1];
	}
	return NULL;
}

/* parse_content_type - type "/" subtype params; false when broken */
static bool parse_content_type(struct pool *pool, const char *s,
			       struct imap_mime_part *part)
{
	size_t i = 0, t, tl, st, sl;

	skip_cfws(s, &i);
	t = i;
	tl = scan_token(s, &i);
	skip_cfws(s, &i);
	if (tl == 0 || s[i] != '/')
		return false;
	i++;
	skip_cfws(s, &i);
	st = i;
	sl = scan_token(s, &i);
	if (sl == 0)
		return false;
	part->type = dup_case(pool, s + t, tl, false);
	part->subtype = dup_case(pool, s + st, sl, false);
	part->nparams = parse_params(pool, s, i, &part->params);
	return true;
}

/* parse_disposition - disposition type (as sent) and params */
static void parse_disposition(struct pool *pool, const char *s,
			      struct imap_mime_part *part)
{
	size_t i = 0, t, tl;

	skip_cfws(s, &i);
	t = i;
	tl = scan_token(s, &i);
	part->disposition = p_strndup(pool, s + t, tl);
	part->ndisp_params = parse_params(pool, s, i, &part->disp_params);
}

/* parse_languages - Content-Language: tags separated by commas */
static void parse_languages(struct pool *pool, const char *s,
			    struct imap_mime_part *part)
{
	const char **langs;
	unsigned int n = 1;
	size_t i, t, tl;

	for (i = 0; s[i] != '\0'; i++)
		n += s[i] == ',';
	langs = p_new(pool, const char *, n);
	n = 0;
	i = 0;
	for (;;) {
		skip_cfws(s, &i);
		t = i;
		tl = scan_token(s, &i);
		if (tl > 0)
			langs[n++] = p_strndup(pool, s + t, tl);
		skip_cfws(s, &i);
		while (s[i] != '\0' && s[i] != ',')
			i++;	/* junk */
		if (s[i] == '\0')
			break;
		i++;
	}
	if (n > 0) {
		part->languages = langs;
		part->nlanguages = n;
	}
}

/* parse_encoding - the transfer encoding token, upper case */
static const char *parse_encoding(struct pool *pool, const char *s)
{
	size_t i = 0, t, tl;

	skip_cfws(s, &i);
	t = i;
	tl = scan_token(s, &i);
	return tl > 0 ? dup_case(pool, s + t, tl, true) : "7BIT";
}

/* set_default_type - text/plain, or message/rfc822 in a digest */
static void set_default_type(struct imap_mime_part *part, bool digest)
{
	part->type = digest ? "message" : "text";
	part->subtype = digest ? "rfc822" : "plain";
	part->params = NULL;
	part->nparams = 0;
}

/* add_charset - text/ parts without a charset get us-ascii */
static void add_charset(struct pool *pool, struct imap_mime_part *part)
{
	const char **p;

	if (strcmp(part->type, "text") != 0 ||
	    find_param(part->params, part->nparams, "charset") != NULL ||
	    find_param(part->params, part->nparams, "charset*") != NULL)
		return;
	p = p_new(pool, const char *, 2 * (part->nparams + 1));
	if (part->nparams > 0)
		memcpy(p, part->params, sizeof(*p) * 2 * part->nparams);
	p[2 * part->nparams] = "charset";
	p[2 * part->nparams + 1] = "us-ascii";
	part->params = p;
	part->nparams++;
}

/*
 * parse_fields - the Content-* fields of a part's header block (the
 * first of each counts), with the defaults of RFC 2045 and 2046.
 */
static void parse_fields(struct pool *pool, const char *data,
			 struct imap_mime_part *part, bool digest)
{
	const char *h = data + part->header_start, *name;
	struct hfield f;
	size_t pos = 0;
	bool have_type = false, have_cte = false;

	set_default_type(part, digest);
	part->encoding = "7BIT";
	while (hfield_next(h, part->header_len, &pos, &f)) {
		if (!f.colon || f.name_len < 9 ||
		    !ncase_eq(h + f.start, 8, "content-"))
			continue;
		name = h + f.start + 8;
		if (ncase_eq(name, f.name_len - 8, "type")) {
			if (!have_type &&
			    !parse_content_type(pool, hfield_value(pool, h, &f),
						part))
				set_default_type(part, false);
			have_type = true;
		} else if (ncase_eq(name, f.name_len - 8,
				    "transfer-encoding")) {
			if (!have_cte)
				part->encoding = parse_encoding(pool,
					hfield_value(pool, h, &f));
			have_cte = true;
		} else if (ncase_eq(name, f.name_len - 8, "id")) {
			if (part->id == NULL)
				part->id = hfield_value(pool, h, &f);
		} else if (ncase_eq(name, f.name_len - 8, "description")) {
			if (part->description == NULL)
				part->description = hfield_value(pool, h, &f);
		} else if (ncase_eq(name, f.name_len - 8, "md5")) {
			if (part->md5 == NULL)
				part->md5 = hfield_value(pool, h, &f);
		} else if (ncase_eq(name, f.name_len - 8, "disposition")) {
			if (part->disposition == NULL)
				parse_disposition(pool,
					hfield_value(pool, h, &f), part);
		} else if (ncase_eq(name, f.name_len - 8, "language")) {
			if (part->languages == NULL)
				parse_languages(pool,
					hfield_value(pool, h, &f), part);
		} else if (ncase_eq(name, f.name_len - 8, "location")) {
			if (part->location == NULL)
				part->location = hfield_value(pool, h, &f);
		}
	}
	add_charset(pool, part);
}

/* ==== the part tree ==================================================== */

/* the boundary line that ended an entity */
struct mime_stop {
	size_t line;	/* its start, or len at the end of the data */
	int which;	/* index in the boundary stack; -1: end of data */
	bool close;	/* "--boundary--" */
};

struct mime_parser {
	struct pool *pool;
	const char *data;
	size_t len;
	unsigned int nparts;
	unsigned int nbounds;
	const char *bound[IMAP_MIME_MAX_DEPTH];
	size_t bound_len[IMAP_MIME_MAX_DEPTH];
};

/* boundary_at - the line at pos is a boundary line of the stack */
static bool boundary_at(const struct mime_parser *p, size_t pos,
			struct mime_stop *stop)
{
	const char *d = p->data;
	size_t rest, e;
	unsigned int i;

	if (p->nbounds == 0 || p->len - pos < 2 || d[pos] != '-' ||
	    d[pos + 1] != '-')
		return false;
	rest = p->len - pos - 2;
	for (i = p->nbounds; i-- > 0;) {
		if (rest < p->bound_len[i] ||
		    memcmp(d + pos + 2, p->bound[i], p->bound_len[i]) != 0)
			continue;
		e = pos + 2 + p->bound_len[i];
		stop->line = pos;
		stop->which = (int)i;
		stop->close = p->len - e >= 2 && d[e] == '-' && d[e + 1] == '-';
		return true;
	}
	return false;
}

/* scan_body - from the line at pos to the next boundary line or the end */
static void scan_body(const struct mime_parser *p, size_t pos,
		      struct mime_stop *stop)
{
	if (p->nbounds > 0) {
		while (pos < p->len) {
			if (boundary_at(p, pos, stop))
				return;
			pos = next_line(p->data, p->len, pos);
		}
	}
	stop->line = p->len;
	stop->which = -1;
	stop->close = false;
}

/* end_at - where an entity ends: before the line end that precedes the
 * boundary line, but not before consumed */
static size_t end_at(const struct mime_parser *p, size_t consumed,
		     const struct mime_stop *stop)
{
	size_t e;

	if (stop->which < 0)
		return p->len;
	e = stop->line - eol_before(p->data, stop->line);
	return e < consumed ? consumed : e;
}

/* new_part - a zeroed part under parent, after prev (NULL: first) */
static struct imap_mime_part *new_part(struct mime_parser *p,
				       struct imap_mime_part *parent,
				       struct imap_mime_part *prev)
{
	struct imap_mime_part *part = p_new(p->pool, struct imap_mime_part,
					    1);

	part->parent = parent;
	if (prev != NULL)
		prev->next = part;
	else
		parent->children = part;
	parent->nchildren++;
	p->nparts++;
	return part;
}

/* opaque - a container past the limits becomes one leaf */
static void opaque(struct imap_mime_part *part)
{
	part->type = "application";
	part->subtype = "octet-stream";
}

static void parse_entity(struct mime_parser *p, struct imap_mime_part *part,
			 size_t pos, unsigned int depth, bool digest,
			 struct mime_stop *stop);

/* parse_multipart - the parts of a multipart body, then its epilogue */
static size_t parse_multipart(struct mime_parser *p,
			      struct imap_mime_part *part, const char *bound,
			      unsigned int depth, struct mime_stop *stop)
{
	struct imap_mime_part *child, *prev = NULL;
	bool digest = strcmp(part->subtype, "digest") == 0;
	size_t consumed = part->body_start, start, end;
	int mine = (int)p->nbounds;

	p->bound[p->nbounds] = bound;
	p->bound_len[p->nbounds] = strlen(bound);
	p->nbounds++;
	scan_body(p, part->body_start, stop);	/* the preamble */
	while (stop->which == mine && !stop->close) {
		start = next_line(p->data, p->len, stop->line);
		consumed = start;
		if (p->nparts >= IMAP_MIME_MAX_PARTS) {
			/* no more parts: skip to the next boundary */
			scan_body(p, start, stop);
			continue;
		}
		child = new_part(p, part, prev);
		parse_entity(p, child, start, depth + 1, digest, stop);
		end = child->body_start + child->body_len;
		if (end > consumed)
			consumed = end;
		prev = child;
	}
	p->nbounds--;
	if (stop->which == mine) {
		/* closed: the epilogue runs to a boundary around us */
		consumed = next_line(p->data, p->len, stop->line);
		scan_body(p, consumed, stop);
	}
	return end_at(p, consumed, stop);
}

/*
 * parse_entity - the entity whose header starts at pos: fills part and
 * its children, sets *stop to the boundary line (or end) that ended it.
 * depth is that of part (the message is 0).
 */
static void parse_entity(struct mime_parser *p, struct imap_mime_part *part,
			 size_t pos, unsigned int depth, bool digest,
			 struct mime_stop *stop)
{
	struct imap_mime_part *child;
	const char *bound;
	size_t hdr_end, end;
	bool cut = false, room;

	part->header_start = pos;
	for (;;) {
		if (pos >= p->len) {
			hdr_end = p->len;
			break;
		}
		if (boundary_at(p, pos, stop)) {
			/* cut in its header: no body */
			hdr_end = pos;
			cut = true;
			break;
		}
		if (empty_line(p->data, p->len, pos)) {
			hdr_end = next_line(p->data, p->len, pos);
			break;
		}
		pos = next_line(p->data, p->len, pos);
	}
	part->header_len = hdr_end - part->header_start;
	part->body_start = hdr_end;
	parse_fields(p->pool, p->data, part, digest);

	room = depth < IMAP_MIME_MAX_DEPTH && p->nparts < IMAP_MIME_MAX_PARTS;
	if (strcmp(part->type, "multipart") == 0) {
		bound = find_param(part->params, part->nparams, "boundary");
		if (bound != NULL && bound[0] != '\0' && !room)
			opaque(part);
		else if (bound != NULL && bound[0] != '\0' && !cut) {
			end = parse_multipart(p, part, bound, depth, stop);
			part->body_len = end - part->body_start;
			return;
		}
	} else if (strcmp(part->type, "message") == 0 &&
		   strcmp(part->subtype, "rfc822") == 0) {
		if (!room) {
			opaque(part);
		} else {
			child = new_part(p, part, NULL);
			if (cut) {
				/* an empty embedded message */
				child->header_start = hdr_end;
				child->body_start = hdr_end;
				parse_fields(p->pool, p->data, child, false);
				return;
			}
			parse_entity(p, child, hdr_end, depth + 1, false,
				     stop);
			end = child->body_start + child->body_len;
			part->body_len = end - part->body_start;
			part->body_lines = count_lf(p->data + part->body_start,
						    part->body_len);
			return;
		}
	}
	if (cut)
		return;
	scan_body(p, part->body_start, stop);
	end = end_at(p, part->body_start, stop);
	part->body_len = end - part->body_start;
	if (strcmp(part->type, "text") == 0)
		part->body_lines = count_lf(p->data + part->body_start,
					    part->body_len);
}

/* imap_mime_parse - the part tree of a message */
struct imap_mime *imap_mime_parse(struct pool *pool, const char *data,
				  size_t len)
{
	struct imap_mime *mime = p_new(pool, struct imap_mime, 1);
	struct mime_parser p;
	struct mime_stop stop;

	memset(&p, 0, sizeof(p));
	p.pool = pool;
	p.data = data;
	p.len = len;
	p.nparts = 1;
	mime->data = data;
	mime->len = len;
	mime->root = p_new(pool, struct imap_mime_part, 1);
	parse_entity(&p, mime->root, 0, 0, false, &stop);
	return mime;
}

/* is_multipart - the part's parts are its children */
static bool is_multipart(const struct imap_mime_part *part)
{
	return strcmp(part->type, "multipart") == 0;
}

/* is_message - a message/rfc822 part with its embedded message */
static bool is_message(const struct imap_mime_part *part)
{
	return part->children != NULL && strcmp(part->type, "message") == 0;
}

/* ==== ENVELOPE ========================================================= */

/* one ENVELOPE address; a group start has host NULL, an end all NULL */
struct addr {
	struct addr *next;
	const char *name;
	const char *mailbox;
	const char *host;
};

enum atok_type {
	ATOK_END,
	ATOK_WORD,	/* atom (dots in), quoted string or domain literal */
	ATOK_SPECIAL,	/* < > @ , ; : */
};

struct atok {
	enum atok_type type;
	const char *s;		/* a word, unquoted, in the scratch pool */
	size_t len;
	char c;			/* the special */
	bool space;		/* white space or a comment came before */
};

/* address lexer over an unfolded value */
struct alex {
	struct pool *pool;
	const char *s;
	size_t i;
	const char *comment;	/* the last comment seen */
};

/* alex_comment - a comment at s[i] ("(" included); its text in pool */
static void alex_comment(struct alex *lx)
{
	unsigned int depth = 0;
	size_t start = lx->i + 1;

	for (; lx->s[lx->i] != '\0'; lx->i++) {
		if (lx->s[lx->i] == '\\' && lx->s[lx->i + 1] != '\0') {
			lx->i++;
		} else if (lx->s[lx->i] == '(') {
			depth++;
		} else if (lx->s[lx->i] == ')' && --depth == 0) {
			lx->comment = p_strndup(lx->pool, lx->s + start,
						lx->i - start);
			lx->i++;
			return;
		}
	}
	lx->comment = p_strndup(lx->pool, lx->s + start, lx->i - start);
}

/* is_atom_char - octets of atoms, leniently: all but specials */
static bool is_atom_char(char c)
{
	return (unsigned char)c > 32 && c != 127 &&
		strchr("()<>@,;:\"[", c) == NULL;
}

/* alex_next - the next token */
static void alex_next(struct alex *lx, struct atok *t)
{
	const char *s = lx->s;
	size_t start, n = 0;
	char *w;

	t->space = false;
	for (;;) {
		if (s[lx->i] != '\0' && ((unsigned char)s[lx->i] <= 32 ||
					  s[lx->i] == ')' || s[lx->i] == 127)) {
			lx->i++;	/* white space, controls, stray ")" */
			t->space = true;
		} else if (s[lx->i] == '(') {
			alex_comment(lx);
			t->space = true;
		} else {
			break;
		}
	}
	start = lx->i;
	t->type = ATOK_WORD;
	switch (s[lx->i]) {
	case '\0':
		t->type = ATOK_END;
		return;
	case '<': case '>': case '@': case ',': case ';': case ':':
		t->type = ATOK_SPECIAL;
		t->c = s[lx->i++];
		return;
	case '"':
		w = p_alloc(lx->pool, strlen(s + start));
		for (lx->i++; s[lx->i] != '\0' && s[lx->i] != '"'; lx->i++) {
			if (s[lx->i] == '\\' && s[lx->i + 1] != '\0')
				lx->i++;
			w[n++] = s[lx->i];
		}
		if (s[lx->i] == '"')
			lx->i++;
		t->s = w;
		t->len = n;
		return;
	case '[':
		while (s[lx->i] != '\0' && s[lx->i] != ']')
			lx->i++;
		if (s[lx->i] == ']')
			lx->i++;
		break;
	default:
		while (is_atom_char(s[lx->i]))
			lx->i++;
		break;
	}
	t->s = s + start;
	t->len = lx->i - start;
}

/* text being built from tokens, never longer than the value */
struct atext {
	char *s;
	size_t len;
	size_t at;	/* position of the last "@" token; SIZE_MAX: none */
};

/* atext_add - append n octets (the caller sized s by the value) */
static void atext_add(struct atext *t, const char *s, size_t n)
{
	memcpy(t->s + t->len, s, n);
	t->len += n;
}

/* add_mailbox - an address from spec (split at its last "@") */
static struct addr *add_mailbox(struct pool *pool, struct addr **tail,
				const char *name, const struct atext *spec)
{
	struct addr *a = p_new(pool, struct addr, 1);
	size_t at = spec->at != SIZE_MAX ? spec->at : spec->len;

	a->name = name;
	a->mailbox = at > 0 ? p_strndup(pool, spec->s, at) : MISSING_MAILBOX;
	a->host = spec->at != SIZE_MAX && spec->len > at + 1 ?
		p_strndup(pool, spec->s + at + 1, spec->len - at - 1) :
		MISSING_DOMAIN;
	*tail = a;
	return a;
}

/* add_group - a group start (name) or end (NULL) */
static struct addr *add_group(struct pool *pool, struct addr **tail,
			      const char *name)
{
	struct addr *a = p_new(pool, struct addr, 1);

	a->mailbox = name;
	*tail = a;
	return a;
}

/*
 * parse_addresses - an address list (RFC 5322 3.4, obsolete forms
 * accepted) as a list of struct addr; NULL when it holds none.
 *
 *   list  = item *("," item)            empty items are skipped
 *   item  = phrase ":" (group start) / ";" (group end) /
 *           [phrase] "<" [route ":"] addr-spec ">" / addr-spec
 */
static struct addr *parse_addresses(struct pool *pool, const char *value)
{
	struct alex lx = { pool, value, 0, NULL };
	size_t vlen = strlen(value);
	struct atext phrase, spec;
	struct addr *head = NULL, **tail = &head;
	struct atok t;
	bool group = false, words;
	const char *name;

	phrase.s = p_alloc(pool, vlen + 1);
	spec.s = p_alloc(pool, vlen + 1);
	alex_next(&lx, &t);
	while (t.type != ATOK_END) {
		if (t.type == ATOK_SPECIAL && (t.c == ',' || t.c == ';')) {
			if (t.c == ';' && group) {
				tail = &add_group(pool, tail, NULL)->next;
				group = false;
			}
			alex_next(&lx, &t);
			continue;
		}
		/* the words before "<", ":", "," or ";" */
		phrase.len = spec.len = 0;
		spec.at = SIZE_MAX;
		lx.comment = NULL;
		words = false;
		while (t.type != ATOK_END && !(t.type == ATOK_SPECIAL &&
					       strchr("<:,;", t.c) != NULL)) {
			if (t.type == ATOK_SPECIAL && t.c != '@') {
				alex_next(&lx, &t);	/* a stray ">" */
				continue;
			}
			if (t.space && phrase.len > 0)
				atext_add(&phrase, " ", 1);
			if (t.type == ATOK_SPECIAL) {
				atext_add(&phrase, "@", 1);
				spec.at = spec.len;
				atext_add(&spec, "@", 1);
			} else {
				atext_add(&phrase, t.s, t.len);
				atext_add(&spec, t.s, t.len);
			}
			words = true;
			alex_next(&lx, &t);
		}
		if (t.type == ATOK_SPECIAL && t.c == ':') {
			if (!group) {
				tail = &add_group(pool, tail,
					p_strndup(pool, phrase.s,
						  phrase.len))->next;
				group = true;
			}
			alex_next(&lx, &t);
			continue;
		}
		if (t.type != ATOK_SPECIAL || t.c != '<') {
			/* a bare addr-spec (or junk) */
			if (words)
				tail = &add_mailbox(pool, tail, lx.comment,
						    &spec)->next;
			continue;
		}
		name = words ? p_strndup(pool, phrase.s, phrase.len) : NULL;
		/* "<" [route ":"] addr-spec ">" */
		spec.len = 0;
		spec.at = SIZE_MAX;
		alex_next(&lx, &t);
		while (t.type != ATOK_END &&
		       !(t.type == ATOK_SPECIAL && t.c == '>')) {
			if (t.type == ATOK_WORD) {
				atext_add(&spec, t.s, t.len);
			} else if (t.c == '@') {
				spec.at = spec.len;
				atext_add(&spec, "@", 1);
			} else if (t.c == ':') {
				spec.len = 0;	/* the end of a route */
				spec.at = SIZE_MAX;
			}
			alex_next(&lx, &t);
		}
		/* up to the next "," or ";" (comments may name it) */
		while (t.type != ATOK_END && !(t.type == ATOK_SPECIAL &&
					       (t.c == ',' || t.c == ';')))
			alex_next(&lx, &t);
		if (name == NULL)
			name = lx.comment;
		tail = &add_mailbox(pool, tail, name, &spec)->next;
	}
	if (group)
		add_group(pool, tail, NULL);
	return head;
}

/* write_addresses - "(" 1*address ")" or NIL */
static void write_addresses(struct out *w, const struct addr *a)
{
	if (a == NULL) {
		out_str(w, "NIL");
		return;
	}
	out_add(w, "(", 1);
	for (; a != NULL; a = a->next) {
		out_add(w, "(", 1);
		out_nstring(w, a->name);
		out_str(w, " NIL ");
		out_nstring(w, a->mailbox);
		out_add(w, " ", 1);
		out_nstring(w, a->host);
		out_add(w, ")", 1);
	}
	out_add(w, ")", 1);
}

enum env_field {
	ENV_DATE, ENV_SUBJECT, ENV_FROM, ENV_SENDER, ENV_REPLY_TO, ENV_TO,
	ENV_CC, ENV_BCC, ENV_IN_REPLY_TO, ENV_MESSAGE_ID, ENV_COUNT
};

/* write_envelope - the ENVELOPE of the header block h[0..len) */
static void write_envelope(struct out *w, const char *h, size_t len)
{
	static const char *const names[ENV_COUNT] = {
		"date", "subject", "from", "sender", "reply-to", "to", "cc",
		"bcc", "in-reply-to", "message-id",
	};
	const char *value[ENV_COUNT];
	struct addr *addrs[ENV_COUNT], **tail[ENV_COUNT];
	struct pool *pool = pool_new("imap envelope", 1024);
	struct hfield f;
	size_t pos = 0;
	unsigned int i;

	memset(value, 0, sizeof(value));
	memset(addrs, 0, sizeof(addrs));
	for (i = 0; i < ENV_COUNT; i++)
		tail[i] = &addrs[i];
	while (hfield_next(h, len, &pos, &f)) {
		for (i = 0; i < ENV_COUNT; i++) {
			if (!hfield_is(h, &f, names[i]))
				continue;
			if (i >= ENV_FROM && i <= ENV_BCC) {
				/* every To: (etc.) field adds its addresses */
				*tail[i] = parse_addresses(pool,
					hfield_value(pool, h, &f));
				while (*tail[i] != NULL)
					tail[i] = &(*tail[i])->next;
			} else if (value[i] == NULL) {
				value[i] = hfield_value(pool, h, &f);
			}
			break;
		}
	}
	/* RFC 3501: absent or empty sender and reply-to are from */
	if (addrs[ENV_SENDER] == NULL)
		addrs[ENV_SENDER] = addrs[ENV_FROM];
	if (addrs[ENV_REPLY_TO] == NULL)
		addrs[ENV_REPLY_TO] = addrs[ENV_FROM];

	out_add(w, "(", 1);
	for (i = 0; i < ENV_COUNT; i++) {
		if (i > 0)
			out_add(w, " ", 1);
		if (i >= ENV_FROM && i <= ENV_BCC)
			write_addresses(w, addrs[i]);
		else
			out_nstring(w, value[i]);
	}
	out_add(w, ")", 1);
	pool_destroy(&pool);
}

/* imap_mime_envelope - append the ENVELOPE of a header block */
void imap_mime_envelope(const char *header, size_t len, struct buf *out)
{
	struct out w = { out, false };

	write_envelope(&w, header, len);
}

/* ==== BODYSTRUCTURE ==================================================== */

/* write_params - body-fld-param */
static void write_params(struct out *w, const char *const *params,
			 unsigned int n)
{
	unsigned int i;

	if (n == 0) {
		out_str(w, "NIL");
		return;
	}
	out_add(w, "(", 1);
	for (i = 0; i < 2 * n; i++) {
		if (i > 0)
			out_add(w, " ", 1);
		out_nstring(w, params[i]);
	}
	out_add(w, ")", 1);
}

/* write_ext - body-fld-dsp SP body-fld-lang SP body-fld-loc */
static void write_ext(struct out *w, const struct imap_mime_part *part)
{
	unsigned int i;

	if (part->disposition == NULL) {
		out_str(w, "NIL");
	} else {
		out_add(w, "(", 1);
		out_nstring(w, part->disposition);
		out_add(w, " ", 1);
		write_params(w, part->disp_params, part->ndisp_params);
		out_add(w, ")", 1);
	}
	out_add(w, " ", 1);
	if (part->nlanguages == 0) {
		out_str(w, "NIL");
	} else {
		out_add(w, "(", 1);
		for (i = 0; i < part->nlanguages; i++) {
			if (i > 0)
				out_add(w, " ", 1);
			out_nstring(w, part->languages[i]);
		}
		out_add(w, ")", 1);
	}
	out_add(w, " ", 1);
	out_nstring(w, part->location);
}

/* write_body - one body (RFC 3501 9: body), children first */
static void write_body(struct out *w, const char *data,
		       const struct imap_mime_part *part, bool ext)
{
	const struct imap_mime_part *child;

	out_add(w, "(", 1);
	if (is_multipart(part)) {
		if (part->children == NULL) {
			/* 1*body: stand in an empty text part */
			out_str(w, "(\"text\" \"plain\" (\"charset\" "
				"\"us-ascii\") NIL NIL \"7BIT\" 0 0");
			out_str(w, ext ? " NIL NIL NIL NIL)" : ")");
		}
		for (child = part->children; child != NULL;
		     child = child->next)
			write_body(w, data, child, ext);
		out_add(w, " ", 1);
		out_nstring(w, part->subtype);
		if (ext) {
			out_add(w, " ", 1);
			write_params(w, part->params, part->nparams);
			out_add(w, " ", 1);
			write_ext(w, part);
		}
		out_add(w, ")", 1);
		return;
	}
	out_nstring(w, part->type);
	out_add(w, " ", 1);
	out_nstring(w, part->subtype);
	out_add(w, " ", 1);
	write_params(w, part->params, part->nparams);
	out_add(w, " ", 1);
	out_nstring(w, part->id);
	out_add(w, " ", 1);
	out_nstring(w, part->description);
	out_add(w, " ", 1);
	out_nstring(w, part->encoding);
	out_add(w, " ", 1);
	out_num(w, part->body_len);
	if (is_message(part)) {
		child = part->children;
		out_add(w, " ", 1);
		write_envelope(w, data + child->header_start,
			       child->header_len);
		out_add(w, " ", 1);
		write_body(w, data, child, ext);
		out_add(w, " ", 1);
		out_num(w, part->body_lines);
	} else if (strcmp(part->type, "text") == 0) {
		out_add(w, " ", 1);
		out_num(w, part->body_lines);
	}
	if (ext) {
		out_add(w, " ", 1);
		out_nstring(w, part->md5);
		out_add(w, " ", 1);
		write_ext(w, part);
	}
	out_add(w, ")", 1);
}

/* imap_mime_bodystructure - BODYSTRUCTURE or BODY of the message */
void imap_mime_bodystructure(const struct imap_mime *mime, bool extensible,
			     struct buf *out)
{
	struct out w = { out, false };

	write_body(&w, mime->data, mime->root, extensible);
}

/* ==== sections ========================================================= */

/* imap_mime_find - the part named by part numbers (RFC 3501 6.4.5) */
const struct imap_mime_part *
imap_mime_find(const struct imap_mime *mime, const uint32_t *parts,
	       unsigned int count)
{
	const struct imap_mime_part *cur = mime->root, *child;
	bool message = true;	/* cur is a message: it has a part 1 */
	unsigned int i;
	uint32_t n;

	for (i = 0; i < count; i++) {
		if (is_multipart(cur)) {
			child = cur->children;
			for (n = parts[i]; child != NULL && n > 1; n--)
				child = child->next;
			if (child == NULL || parts[i] == 0)
				return NULL;
			cur = child;
		} else if (!message || parts[i] != 1) {
			return NULL;
		}
		message = false;
		if (i + 1 < count && is_message(cur)) {
			cur = cur->children;
			message = true;
		}
	}
	return cur;
}

/* header_eol - the line end style of a header block */
static const char *header_eol(const char *h, size_t len)
{
	const char *nl = memchr(h, '\n', len);

	return nl != NULL && nl > h && nl[-1] != '\r' ? "\n" : "\r\n";
}

/* header_fields - the fields of h[0..len) named (or, with not, not
 * named) in the list, in their order, then an empty line */
static void header_fields(struct pool *pool, const char *h, size_t len,
			  const struct imap_section *section, bool not,
			  const char **data_r, size_t *len_r)
{
	const char *eol = header_eol(h, len);
	char *d = p_alloc(pool, len + 5);
	size_t pos = 0, n = 0;
	struct hfield f;
	unsigned int i;
	bool match;

	while (hfield_next(h, len, &pos, &f)) {
		match = false;
		for (i = 0; i < section->field_count && !match; i++)
			match = hfield_is(h, &f, section->fields[i]);
		if (match == not)
			continue;
		memcpy(d + n, h + f.start, f.end - f.start);
		n += f.end - f.start;
		if (h[f.end - 1] != '\n') {
			memcpy(d + n, eol, strlen(eol));
			n += strlen(eol);
		}
	}
	memcpy(d + n, eol, strlen(eol));
	n += strlen(eol);
	*data_r = d;
	*len_r = n;
}

/* message_section - HEADER, HEADER.FIELDS[.NOT] or TEXT of a message */
static void message_section(struct pool *pool, const char *data,
			    const struct imap_mime_part *msg,
			    const struct imap_section *section,
			    const char **data_r, size_t *len_r)
{
	const char *h = data + msg->header_start;

	switch (section->text) {
	case IMAP_SECTION_HEADER:
		*data_r = h;
		*len_r = msg->header_len;
		break;
	case IMAP_SECTION_HEADER_FIELDS:
	case IMAP_SECTION_HEADER_FIELDS_NOT:
		header_fields(pool, h, msg->header_len, section,
			      section->text == IMAP_SECTION_HEADER_FIELDS_NOT,
			      data_r, len_r);
		break;
	default:	/* TEXT */
		*data_r = data + msg->body_start;
		*len_r = msg->body_len;
		break;
	}
}

/* imap_mime_section - the octets of BODY[section] */
int imap_mime_section(struct pool *pool, const struct imap_mime *mime,
		      const struct imap_section *section,
		      const char **data_r, size_t *len_r)
{
	const struct imap_mime_part *part;

	*data_r = "";
	*len_r = 0;
	if (section->part_count == 0) {
		switch (section->text) {
		case IMAP_SECTION_ALL:
			*data_r = mime->data;
			*len_r = mime->len;
			return 0;
		case IMAP_SECTION_MIME:
			return -1;
		default:
			message_section(pool, mime->data, mime->root, section,
					data_r, len_r);
			return 0;
		}
	}
	part = imap_mime_find(mime, section->parts, section->part_count);
	if (part == NULL)
		return 0;
	switch (section->text) {
	case IMAP_SECTION_ALL:
		*data_r = mime->data + part->body_start;
		*len_r = part->body_len;
		break;
	case IMAP_SECTION_MIME:
		*data_r = mime->data + part->header_start;
		*len_r = part->header_len;
		break;
	default:
		/* only a message/rfc822 part has a header and text */
		if (is_message(part))
			message_section(pool, mime->data, part->children,
					section, data_r, len_r);
		break;
	}
	return 0;
}

/* ==== BINARY =========================================================== */

/* b64_value - the 6 bits of a base64 letter, -1 for others */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* decode_base64 - letters decoded, all else skipped, "=" ends the data */
static size_t decode_base64(const char *s, size_t len, char *d)
{
	unsigned int acc = 0, bits = 0;
	size_t i, n = 0;
	int v;

	for (i = 0; i < len && s[i] != '='; i++) {
		v = b64_value((unsigned char)s[i]);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			d[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	return n;
}

/* hex_value - a hex digit (any case), -1 for others */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = to_upper(c);
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * decode_qp - quoted-printable (RFC 2045 6.7): "=XX" decoded, "=" at the
 * end of a line joins it with the next, white space at the end of a line
 * dropped, line ends kept as they are, a bad "=" kept.
 */
static size_t decode_qp(const char *s, size_t len, char *d)
{
	size_t pos = 0, next, end, eol, i, n = 0;
	int hi, lo;
	bool soft;

	while (pos < len) {
		next = next_line(s, len, pos);
		eol = 0;
		if (s[next - 1] == '\n')
			eol = next - 1 > pos && s[next - 2] == '\r' ? 2 : 1;
		end = next - eol;
		while (end > pos && is_wsp(s[end - 1]))
			end--;
		soft = false;
		for (i = pos; i < end; i++) {
			if (s[i] != '=') {
				d[n++] = s[i];
			} else if (i + 1 == end) {
				soft = true;
			} else {
				hi = hex_value(s[i + 1]);
				lo = i + 2 < end ? hex_value(s[i + 2]) : -1;
				if (hi < 0 || lo < 0) {
					d[n++] = '=';
				} else {
					d[n++] = (char)(hi * 16 + lo);
					i += 2;
				}
			}
		}
		if (!soft) {
			memcpy(d + n, s + next - eol, eol);
			n += eol;
		}
		pos = next;
	}
	return n;
}

/* imap_mime_binary - the decoded octets of BINARY[section] */
int imap_mime_binary(struct pool *pool, const struct imap_mime *mime,
		     const struct imap_section *section,
		     const char **data_r, size_t *len_r)
{
	const struct imap_mime_part *part;
	const char *body, *enc;
	char *d;

	*data_r = "";
	*len_r = 0;
	if (section->text != IMAP_SECTION_ALL)
		return -1;
	if (section->part_count == 0) {
		*data_r = mime->data;
		*len_r = mime->len;
		return 0;
	}
	part = imap_mime_find(mime, section->parts, section->part_count);
	if (part == NULL)
		return 0;
	body = mime->data + part->body_start;
	enc = part->encoding;
	if (strcmp(enc, "7BIT") == 0 || strcmp(enc, "8BIT") == 0 ||
	    strcmp(enc, "BINARY") == 0) {
		*data_r = body;
		*len_r = part->body_len;
	} else if (strcmp(enc, "BASE64") == 0) {
		d = p_alloc(pool, part->body_len / 4 * 3 + 3);
		*len_r = decode_base64(body, part->body_len, d);
		*data_r = d;
	} else if (strcmp(enc, "QUOTED-PRINTABLE") == 0) {
		d = p_alloc(pool, part->body_len + 1);
		*len_r = decode_qp(body, part->body_len, d);
		*data_r = d;
	} else {
		return -1;
	}
	return 0;
}
