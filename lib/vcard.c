/*
 * vcard.c - read vCard 2.1/3.0/4.0, write vCard 4.0 (see vcard.h).
 *
 * Reading goes in three steps. next_line() assembles one logical line
 * from the physical ones (unfolding, and joining QUOTED-PRINTABLE soft
 * line breaks), remembering the physical line it began on. parse_prop()
 * splits it into name, parameters and raw value. decode() undoes the
 * transfer encoding and the charset; then text values are unescaped, and
 * compound ones (N, ORG) split at unescaped semicolons first. vcard_read()
 * runs the card state machine:
 *
 *   outside --BEGIN:VCARD--> in card --END:VCARD--> outside (a card)
 *   in card --BEGIN:VCARD or end of file--> bad card ("not ended")
 *   outside --other text--> bad ("outside a card"), up to the next BEGIN
 *
 * A problem inside a card is remembered (the first one) and the card is
 * read to its END, so the next card starts where it should.
 *
 * SECURITY: untrusted input. A logical line is built in a buffer with a
 * hard maximum (a little over what max_value needs after decoding); a
 * longer line is still scanned to its end but not kept, and is a problem
 * only for a property that is read. Decoding never grows a value (QP and
 * base64 shrink) except for the charset step, which has its own maximum.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "charset.h"
#include "pool.h"
#include "vcard.h"

#define VCARD_TYPE_MAX 100		/* bytes of a card's TYPE list */

const struct vcard_limits vcard_limits_default = {
	.max_cards = 100000,
	.max_value = 64 * 1024,
	.max_items = 50,
	.max_input = 64 * 1024 * 1024,
};

struct vcard_reader {
	struct pool *pool;
	const char *data;
	size_t len, pos;
	unsigned int line;		/* of data[pos] */
	size_t cards;
	bool done;
	struct vcard_limits limits;
	struct buf *logical;
};

/* one logical line */
struct lline {
	unsigned int line;
	char *text;			/* NUL-terminated, in r->logical */
	size_t len;
	bool overflow;			/* longer than the buffer: cut */
};

/* one property */
struct prop {
	const char *name;		/* without group, upper case */
	const char *raw;		/* value as written */
	size_t raw_len;
	const char *encoding;		/* "" none */
	const char *charset;		/* "" none */
	struct buf *types;
};

int vcard_reader_new(struct pool *pool, const char *data, size_t len,
		     const struct vcard_limits *limits,
		     struct vcard_reader **reader_r, const char **error_r)
{
	struct vcard_reader *r = p_new(pool, struct vcard_reader, 1);
	const struct vcard_limits *l = limits != NULL ? limits :
		&vcard_limits_default;
	size_t line_max;

	if (len > l->max_input) {
		*error_r = "file too large";
		return -1;
	}
	if (len >= 2 && ((data[0] == '\xff' && data[1] == '\xfe') ||
			 (data[0] == '\xfe' && data[1] == '\xff'))) {
		char *text;
		size_t text_len;

		if (charset_to_utf8(pool, "UTF-16", data, len, l->max_input,
				    &text, &text_len, error_r) < 0)
			return -1;
		data = text;
		len = text_len;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	/* room for a quoted-printable value (3 bytes a byte) and its
	 * name and parameters */
	line_max = l->max_value > (SIZE_MAX - 4096) / 3 ? SIZE_MAX / 2 :
		l->max_value * 3 + 4096;
	r->pool = pool;
	r->data = data;
	r->len = len;
	r->line = 1;
	r->limits = *l;
	r->logical = buf_new_pool(pool, line_max);
	*reader_r = r;
	return 0;
}

/* ==== lines ============================================================= */

/* phys_line - the physical line at r->pos (without its end); moves past
 * it. false at the end of the input */
static bool phys_line(struct vcard_reader *r, const char **start_r,
		      size_t *len_r)
{
	size_t p = r->pos;

	if (p >= r->len)
		return false;
	while (p < r->len && r->data[p] != '\r' && r->data[p] != '\n')
		p++;
	*start_r = r->data + r->pos;
	*len_r = p - r->pos;
	if (p < r->len && r->data[p] == '\r') {
		p++;
		if (p < r->len && r->data[p] == '\n')
			p++;
	} else if (p < r->len && r->data[p] == '\n') {
		p++;
	}
	r->pos = p;
	r->line++;
	return true;
}

/* is_qp - the property of a line (the part before its first unquoted
 * colon) names quoted-printable encoding */
static bool is_qp(const char *s, size_t len)
{
	static const char qp[] = "QUOTED-PRINTABLE";
	bool quoted = false;
	size_t end = 0;

	while (end < len && (quoted || s[end] != ':')) {
		if (s[end] == '"')
			quoted = !quoted;
		end++;
	}
	if (end >= len)
		return false;
	for (size_t i = 0; i + sizeof(qp) - 1 <= end; i++)
		if (strncasecmp(s + i, qp, sizeof(qp) - 1) == 0)
			return true;
	return false;
}

/* put - a piece of a logical line; on overflow the line is only scanned */
static void put(struct vcard_reader *r, struct lline *l, const char *p,
		size_t n)
{
	if (!l->overflow && buf_append(r->logical, p, n) < 0)
		l->overflow = true;
}

/* next_line - the next logical line; false at the end of the input */
static bool next_line(struct vcard_reader *r, struct lline *l)
{
	const char *p;
	size_t n;
	bool last_eq;

	buf_reset(r->logical);
	memset(l, 0, sizeof(*l));
	l->line = r->line;
	if (!phys_line(r, &p, &n))
		return false;
	put(r, l, p, n);
	last_eq = n > 0 && p[n - 1] == '=';
	for (;;) {
		/* a soft line break of quoted-printable: '=' at the end (the
		 * next line is all value, even when it starts with a space) */
		if (last_eq && r->pos < r->len &&
		    is_qp(r->logical->data, r->logical->len)) {
			if (!l->overflow) {
				r->logical->len--;
				r->logical->data[r->logical->len] = '\0';
			}
			(void)phys_line(r, &p, &n);
			put(r, l, p, n);
			last_eq = n > 0 && p[n - 1] == '=';
			continue;
		}
		if (r->pos < r->len &&
		    (r->data[r->pos] == ' ' || r->data[r->pos] == '\t')) {
			(void)phys_line(r, &p, &n);
			put(r, l, p + 1, n - 1);
			if (n > 1)
				last_eq = p[n - 1] == '=';
			continue;
		}
		break;
	}
	l->text = r->logical->data != NULL ? r->logical->data : "";
	l->len = r->logical->len;
	return true;
}

/* ==== properties ======================================================== */

/* add_types - parameter values (comma-separated, maybe quoted) to the
 * type list, lower case, only letters, digits and '-' */
static void add_types(struct prop *p, const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start, end;
		bool ok;

		while (i < n && (v[i] == ',' || v[i] == '"' || v[i] == ' '))
			i++;
		start = i;
		while (i < n && v[i] != ',' && v[i] != '"')
			i++;
		end = i;
		if (end == start || p->types->len + (end - start) + 1 >
		    VCARD_TYPE_MAX)
			continue;
		ok = true;
		for (size_t k = start; k < end; k++) {
			char c = v[k];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-'))
				ok = false;
		}
		if (!ok)
			continue;
		if (p->types->len > 0)
			buf_addc(p->types, ',');
		for (size_t k = start; k < end; k++)
			buf_addc(p->types, (char)((v[k] >= 'A' && v[k] <= 'Z') ?
						  v[k] + 32 : v[k]));
	}
}

/* unquote - a parameter value without surrounding quotes, in pool */
static const char *unquote(struct pool *pool, const char *v, size_t n)
{
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		return p_strndup(pool, v + 1, n - 2);
	return p_strndup(pool, v, n);
}

/* param - one parameter "NAME=VALUE" or 2.1's bare "VALUE" */
static void param(struct pool *pool, struct prop *p, const char *s,
		  size_t n)
{
	const char *eq = memchr(s, '=', n);
	const char *name, *v;
	size_t vn;

	if (eq == NULL) {
		v = p_strndup(pool, s, n);
		if (str_case_eq(v, "QUOTED-PRINTABLE") ||
		    str_case_eq(v, "BASE64") || str_case_eq(v, "B"))
			p->encoding = v;
		else if (!str_case_eq(v, "8BIT") && !str_case_eq(v, "7BIT"))
			add_types(p, s, n);
		return;
	}
	name = p_strndup(pool, s, (size_t)(eq - s));
	v = eq + 1;
	vn = n - (size_t)(eq - s) - 1;

	if (str_case_eq(name, "TYPE"))
		add_types(p, v, vn);
	else if (str_case_eq(name, "ENCODING"))
		p->encoding = unquote(pool, v, vn);
	else if (str_case_eq(name, "CHARSET"))
		p->charset = unquote(pool, v, vn);
	else if (str_case_eq(name, "PREF"))
		add_types(p, "pref", 4);
}

/* parse_prop - name, parameters and raw value of a logical line; -1
 * when it has no colon */
static int parse_prop(struct pool *pool, const struct lline *l,
		      struct prop *p)
{
	const char *s = l->text;
	size_t i = 0, start;
	char *name, *dot;

	memset(p, 0, sizeof(*p));
	p->encoding = "";
	p->charset = "";
	p->types = buf_new_pool(pool, 0);
	while (i < l->len && s[i] != ';' && s[i] != ':')
		i++;
	name = p_strndup(pool, s, i);
	dot = strrchr(name, '.');
	p->name = dot != NULL ? dot + 1 : name;
	for (char *u = (char *)p->name; *u != '\0'; u++)
		if (*u >= 'a' && *u <= 'z')
			*u = (char)(*u - 32);
	while (i < l->len && s[i] == ';') {
		bool quoted = false;

		start = ++i;
		while (i < l->len && (quoted || (s[i] != ';' && s[i] != ':'))) {
			if (s[i] == '"')
				quoted = !quoted;
			i++;
		}
		param(pool, p, s + start, i - start);
	}
	if (i >= l->len || s[i] != ':')
		return -1;
	p->raw = s + i + 1;
	p->raw_len = l->len - i - 1;
	return 0;
}

/* hex - value of a hex digit, -1 if none */
static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* b64 - value of a base64 digit, -1 if none */
static int b64(char c)
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

/* decode - a raw value without its transfer encoding, as UTF-8; NULL
 * with *problem_r */
static char *decode(struct vcard_reader *r, const struct prop *p,
		    size_t *len_r, const char **problem_r)
{
	struct pool *pool = r->pool;
	char *out = p_alloc(pool, p->raw_len + 1);
	size_t n = 0;

	if (str_case_eq(p->encoding, "QUOTED-PRINTABLE")) {
		for (size_t i = 0; i < p->raw_len; i++) {
			int h, l;

			if (p->raw[i] == '=' && i + 2 < p->raw_len &&
			    (h = hex(p->raw[i + 1])) >= 0 &&
			    (l = hex(p->raw[i + 2])) >= 0) {
				out[n++] = (char)(h * 16 + l);
				i += 2;
			} else {
				out[n++] = p->raw[i];
			}
		}
	} else if (str_case_eq(p->encoding, "B") ||
		   str_case_eq(p->encoding, "BASE64")) {
		unsigned int acc = 0, bits = 0;

		for (size_t i = 0; i < p->raw_len; i++) {
			char c = p->raw[i];
			int v;

			if (c == ' ' || c == '\t' || c == '=')
				continue;
			if ((v = b64(c)) < 0) {
				*problem_r = "bad base64";
				return NULL;
			}
			acc = (acc << 6) | (unsigned int)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out[n++] = (char)((acc >> bits) & 0xff);
			}
		}
	} else if (*p->encoding != '\0' && !str_case_eq(p->encoding, "8BIT") &&
		   !str_case_eq(p->encoding, "7BIT")) {
		*problem_r = "unknown encoding";
		return NULL;
	} else {
		memcpy(out, p->raw, p->raw_len);
		n = p->raw_len;
	}
	out[n] = '\0';
	if (*p->charset != '\0' && !charset_is_utf8(p->charset)) {
		if (charset_to_utf8(pool, p->charset, out, n,
				    r->limits.max_value, &out, &n,
				    problem_r) < 0)
			return NULL;
	} else if (!utf8_valid(out, n)) {
		if (charset_to_utf8(pool, "GB18030", out, n,
				    r->limits.max_value, &out, &n,
				    problem_r) < 0) {
			*problem_r = "text neither UTF-8 nor GB18030";
			return NULL;
		}
	}
	if (memchr(out, '\0', n) != NULL) {
		*problem_r = "NUL byte in a value";
		return NULL;
	}
	if (n > r->limits.max_value) {
		*problem_r = "value too long";
		return NULL;
	}
	*len_r = n;
	return out;
}

/* unescape - a text value: \\ \, \; \n undone, CRLF made LF, ends
 * trimmed */
static char *unescape(struct pool *pool, const char *s, size_t len)
{
	char *out = p_alloc(pool, len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\\' && i + 1 < len) {
			char e = s[i + 1];

			if (e == 'n' || e == 'N') {
				out[n++] = '\n';
				i++;
				continue;
			}
			if (e == '\\' || e == ',' || e == ';' || e == ':') {
				out[n++] = e;
				i++;
				continue;
			}
		}
		if (c == '\r') {
			if (i + 1 < len && s[i + 1] == '\n')
				continue;
			c = '\n';
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return str_trim(out);
}

/* split - the parts of a compound value (separated by unescaped ';'),
 * each unescaped; up to max parts, the rest ignored; missing parts "" */
static void split(struct pool *pool, const char *s, size_t len,
		  const char **parts, size_t max)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i < max; i++)
		parts[i] = "";
	for (size_t i = 0; i <= len && k < max; i++) {
		if (i < len && s[i] == '\\') {
			i++;
			continue;
		}
		if (i == len || s[i] == ';') {
			parts[k++] = unescape(pool, s + start, i - start);
			start = i + 1;
		}
	}
}

/* ==== cards ============================================================= */

/* strip_scheme - "mailto:a@b" -> "a@b", "tel:+1" -> "+1", trimmed (as
 * often as the scheme is there, so that what is written back reads the
 * same) */
static char *strip_scheme(char *v, const char *scheme)
{
	size_t n = strlen(scheme);

	v = str_trim(v);
	while (strncasecmp(v, scheme, n) == 0)
		v = str_trim(v + n);
	return v;
}

/* add_item - an email or phone; false when there are too many */
static bool add_item(struct pool *pool, struct vcard_item **items,
		     size_t *count, size_t max, const char *value,
		     const char *type)
{
	if (*value == '\0')
		return true;
	if (*count >= max)
		return false;
	/* grow by doubling: 1, 2, 4, ... */
	if ((*count & (*count - 1)) == 0)
		*items = p_realloc(pool, *items, *count * sizeof(**items),
				   (*count == 0 ? 1 : *count * 2) *
				   sizeof(**items));
	(*items)[*count].value = value;
	(*items)[*count].type = type;
	(*count)++;
	return true;
}

/* name_from_n - a display name from N's parts when there is no FN:
 * "Given Family", or "FamilyGiven" for names in CJK scripts */
static const char *name_from_n(struct pool *pool, const char *family,
			       const char *given)
{
	if (*family == '\0')
		return given;
	if (*given == '\0')
		return family;
	if ((unsigned char)family[0] >= 0x80 ||
	    (unsigned char)given[0] >= 0x80)
		return p_printf(pool, "%s%s", family, given);
	return p_printf(pool, "%s %s", given, family);
}

/* property - one property of a card; a problem in *problem_r */
static void property(struct vcard_reader *r, struct vcard *c,
		     const struct lline *l, const char **problem_r)
{
	struct pool *pool = r->pool;
	const char *parts[2];
	const char *problem = NULL;
	struct prop p;
	char *v;
	size_t n;

	if (parse_prop(pool, l, &p) < 0) {
		if (!l->overflow)
			*problem_r = "a line without ':'";
		return;
	}
	if (strcmp(p.name, "VERSION") != 0 && strcmp(p.name, "FN") != 0 &&
	    strcmp(p.name, "N") != 0 && strcmp(p.name, "EMAIL") != 0 &&
	    strcmp(p.name, "TEL") != 0 && strcmp(p.name, "ORG") != 0 &&
	    strcmp(p.name, "TITLE") != 0 && strcmp(p.name, "NOTE") != 0)
		return;
	if (l->overflow) {
		*problem_r = "value too long";
		return;
	}
	v = decode(r, &p, &n, &problem);
	if (v == NULL) {
		*problem_r = problem;
		return;
	}
	if (strcmp(p.name, "VERSION") == 0) {
		c->version = unescape(pool, v, n);
	} else if (strcmp(p.name, "FN") == 0) {
		if (*c->name == '\0')
			c->name = unescape(pool, v, n);
	} else if (strcmp(p.name, "N") == 0) {
		split(pool, v, n, parts, 2);
		c->family = parts[0];
		c->given = parts[1];
	} else if (strcmp(p.name, "EMAIL") == 0) {
		if (!add_item(pool, &c->emails, &c->n_emails,
			      r->limits.max_items,
			      strip_scheme(unescape(pool, v, n), "mailto:"),
			      p_strdup(pool, p.types->len > 0 ?
				       p.types->data : "")))
			*problem_r = "too many email addresses";
	} else if (strcmp(p.name, "TEL") == 0) {
		if (!add_item(pool, &c->phones, &c->n_phones,
			      r->limits.max_items,
			      strip_scheme(unescape(pool, v, n), "tel:"),
			      p_strdup(pool, p.types->len > 0 ?
				       p.types->data : "")))
			*problem_r = "too many phone numbers";
	} else if (strcmp(p.name, "ORG") == 0) {
		if (*c->company == '\0' && *c->department == '\0') {
			split(pool, v, n, parts, 2);
			c->company = parts[0];
			c->department = parts[1];
		}
	} else if (strcmp(p.name, "TITLE") == 0) {
		if (*c->title == '\0')
			c->title = unescape(pool, v, n);
	} else {
		const char *note = unescape(pool, v, n);

		if (*c->notes == '\0')
			c->notes = note;
		else if (*note != '\0')
			c->notes = p_printf(pool, "%s\n%s", c->notes, note);
		if (strlen(c->notes) > r->limits.max_value)
			*problem_r = "value too long";
	}
}

/* is_marker - the line is BEGIN:VCARD (what "BEGIN") or END:VCARD */
static bool is_marker(const struct lline *l, const char *what)
{
	size_t n = strlen(what);
	const char *s = l->text;

	if (l->len < n + 6 || strncasecmp(s, what, n) != 0 || s[n] != ':')
		return false;
	s += n + 1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncasecmp(s, "VCARD", 5) != 0)
		return false;
	for (s += 5; *s == ' ' || *s == '\t'; s++)
		;
	return *s == '\0';
}

/* blank - only white space */
static bool blank(const struct lline *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (l->text[i] != ' ' && l->text[i] != '\t')
			return false;
	return true;
}

enum vcard_status vcard_read(struct vcard_reader *r, struct vcard **card_r,
			     const char **error_r)
{
	struct pool *pool = r->pool;
	const char *problem = NULL;
	struct vcard *c;
	struct lline l;
	size_t pos;
	unsigned int line;

	/* outside a card: up to BEGIN:VCARD */
	for (bool junk = false;;) {
		pos = r->pos;
		line = r->line;
		if (r->done || !next_line(r, &l))
			return junk ? VCARD_BAD : VCARD_END;
		if (is_marker(&l, "BEGIN")) {
			if (!junk)
				break;
			r->pos = pos;		/* read it next time */
			r->line = line;
			return VCARD_BAD;
		}
		if (!junk && !blank(&l)) {
			junk = true;
			*error_r = p_printf(pool, "line %u: text outside a"
					    " card", l.line);
		}
	}
	if (r->cards >= r->limits.max_cards) {
		r->done = true;
		*error_r = p_printf(pool, "line %u: more than %zu cards",
				    l.line, r->limits.max_cards);
		return VCARD_BAD;
	}
	r->cards++;
	c = p_new(pool, struct vcard, 1);
	c->line = l.line;
	c->version = c->name = c->family = c->given = "";
	c->company = c->department = c->title = c->notes = "";
	for (;;) {
		pos = r->pos;
		line = r->line;
		if (!next_line(r, &l)) {
			*error_r = p_printf(pool, "line %u: card not ended",
					    c->line);
			return VCARD_BAD;
		}
		if (is_marker(&l, "END"))
			break;
		if (is_marker(&l, "BEGIN")) {
			r->pos = pos;
			r->line = line;
			*error_r = p_printf(pool, "line %u: card not ended",
					    c->line);
			return VCARD_BAD;
		}
		if (blank(&l))
			continue;
		if (problem == NULL)
			property(r, c, &l, &problem);
	}
	if (problem == NULL && *c->version != '\0' &&
	    strcmp(c->version, "2.1") != 0 && strcmp(c->version, "3.0") != 0 &&
	    strcmp(c->version, "4.0") != 0)
		problem = "unsupported VERSION";
	if (problem != NULL) {
		*error_r = p_printf(pool, "line %u: %s", c->line, problem);
		return VCARD_BAD;
	}
	if (*c->name == '\0')
		c->name = name_from_n(pool, c->family, c->given);
	*card_r = c;
	return VCARD_CARD;
}

/* ==== writer ============================================================ */

#define VCARD_FOLD 75			/* octets a line, without CRLF */

/* fold - one logical line, folded, with CRLF */
static void fold(struct buf *out, const char *s, size_t len)
{
	size_t room = VCARD_FOLD;

	while (len > room) {
		size_t cut = room;

		/* never inside a UTF-8 sequence */
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		if (buf_append(out, s, cut) < 0)
			return;
		buf_adds(out, "\r\n ");
		s += cut;
		len -= cut;
		room = VCARD_FOLD - 1;
	}
	if (buf_append(out, s, len) < 0)
		return;
	buf_adds(out, "\r\n");
}

/* esc - text escaped for a value: \\ \, \; \n */
static void esc(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '\\':
			buf_adds(b, "\\\\");
			break;
		case ',':
			buf_adds(b, "\\,");
			break;
		case ';':
			buf_adds(b, "\\;");
			break;
		case '\r':
			if (s[1] == '\n')
				break;
			/* fall through */
		case '\n':
			buf_adds(b, "\\n");
			break;
		default:
			buf_addc(b, *s);
		}
	}
}

/* type_param - ";TYPE=..." from a type list, keeping only letters,
 * digits, '-' and ',' */
static void type_param(struct buf *b, const char *type)
{
	size_t start = b->len;

	if (type == NULL || *type == '\0')
		return;
	buf_adds(b, ";TYPE=");
	for (const char *t = type; *t != '\0'; t++)
		if ((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') ||
		    *t == '-' || *t == ',')
			buf_addc(b, *t);
	if (b->len == start + 6) {
		b->len = start;
		b->data[start] = '\0';
	}
}

/* emit - fold the line in b into out, then empty b */
static void emit(struct buf *out, struct buf *b)
{
	fold(out, b->data, b->len);
	buf_reset(b);
}

void vcard_write(struct buf *out, const struct vcard *card)
{
	struct buf b;
	const char *name = card->name != NULL ? card->name : "";

	buf_init(&b, 0);
	buf_adds(out, "BEGIN:VCARD\r\nVERSION:4.0\r\n");
	buf_adds(&b, "FN:");
	esc(&b, name);
	emit(out, &b);
	if ((card->family != NULL && *card->family != '\0') ||
	    (card->given != NULL && *card->given != '\0')) {
		buf_adds(&b, "N:");
		esc(&b, card->family);
		buf_addc(&b, ';');
		esc(&b, card->given);
		buf_adds(&b, ";;;");
		emit(out, &b);
	}
	for (size_t i = 0; i < card->n_emails; i++) {
		buf_adds(&b, "EMAIL");
		type_param(&b, card->emails[i].type);
		buf_addc(&b, ':');
		esc(&b, card->emails[i].value);
		emit(out, &b);
	}
	for (size_t i = 0; i < card->n_phones; i++) {
		buf_adds(&b, "TEL");
		type_param(&b, card->phones[i].type);
		buf_addc(&b, ':');
		esc(&b, card->phones[i].value);
		emit(out, &b);
	}
	if ((card->company != NULL && *card->company != '\0') ||
	    (card->department != NULL && *card->department != '\0')) {
		buf_adds(&b, "ORG:");
		esc(&b, card->company);
		if (card->department != NULL && *card->department != '\0') {
			buf_addc(&b, ';');
			esc(&b, card->department);
		}
		emit(out, &b);
	}
	if (card->title != NULL && *card->title != '\0') {
		buf_adds(&b, "TITLE:");
		esc(&b, card->title);
		emit(out, &b);
	}
	if (card->notes != NULL && *card->notes != '\0') {
		buf_adds(&b, "NOTE:");
		esc(&b, card->notes);
		emit(out, &b);
	}
	buf_adds(out, "END:VCARD\r\n");
	buf_free(&b);
}
