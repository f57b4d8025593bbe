/*
 * web-form.c - parsers for what a browser sends: query strings and
 * application/x-www-form-urlencoded bodies, Cookie headers, and
 * multipart/form-data bodies (RFC 7578 on top of RFC 2046).
 *
 * Contract (see web-form.h): each parser appends to a struct form, and only
 * when the whole input parsed; on error the form is left as it was, -1 is
 * returned and *error_r points to a short static English message. Results
 * live in the caller's pool. A NULL limits pointer means
 * form_limits_default. Limits count per call: a query string and a body
 * parsed into the same form each get max_fields.
 *
 * SECURITY: all input is untrusted and comes as (data, len); nothing is
 * read past len. No allocation is sized from a number the peer sent, only
 * from bytes actually present, and every count and length is checked
 * against struct form_limits before anything is kept. Decoded names and
 * non-file values must be valid UTF-8 without NUL bytes, so a consumer
 * that treats them as C strings sees exactly what was checked. File
 * contents are binary: they are found with a bounded byte search, never
 * with str*() functions, and copied with their length.
 *
 * Multipart body layout (RFC 2046 section 5.1.1), B being the boundary:
 *
 *   [preamble CRLF] "--" B [LWSP] CRLF
 *   headers CRLF CRLF content CRLF "--" B [LWSP] CRLF
 *   headers CRLF CRLF content CRLF "--" B "--" [epilogue]
 *
 * Part headers are read line by line (CRLF only; no folding) and capped
 * at max_part_headers bytes. Content-Disposition must be form-data with a
 * non-empty name; filename* (RFC 5987, UTF-8 only) wins over filename. In
 * a quoted-string a backslash escapes only '"' and '\', so the raw
 * "C:\dir\x.txt" paths old browsers send survive unchanged. Filenames are
 * kept as sent (no path stripping) but must be UTF-8 without NUL, CR, LF.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "pool.h"
#include "web-form.h"

#define BOUNDARY_MAX 70

const struct form_limits form_limits_default = {
	.max_fields = 256,
	.max_name = 256,
	.max_value = 1024 * 1024,
	.max_parts = 64,
	.max_part_headers = 8 * 1024,
	.max_file = SIZE_MAX,
};

/* ---- small helpers ----------------------------------------------------- */

/* limits_get - the caller's limits, or the defaults for NULL */
static const struct form_limits *limits_get(const struct form_limits *limits)
{
	return limits != NULL ? limits : &form_limits_default;
}

/* hex_val - value of one hex digit, or -1 */
static int hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* is_ctl - ASCII control character (RFC 5234 CTL) */
static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* is_tchar - RFC 7230 token character */
static bool is_tchar(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

/* is_ows - optional white space: SP or HTAB */
static bool is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* mem_case_eq - data[0..len) equals the C string s, ignoring ASCII case */
static bool mem_case_eq(const char *data, size_t len, const char *s)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char a = (unsigned char)data[i];
		unsigned char b = (unsigned char)s[i];

		if (b == '\0')
			return false;
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return s[len] == '\0';
}

/* mem_find - first offset >= from of needle in hay; false when absent */
static bool mem_find(const char *hay, size_t hay_len, size_t from,
		     const char *needle, size_t needle_len, size_t *pos_r)
{
	size_t pos = from;

	while (pos < hay_len && hay_len - pos >= needle_len) {
		const char *c = memchr(hay + pos, needle[0],
				       hay_len - pos - needle_len + 1);

		if (c == NULL)
			return false;
		pos = (size_t)(c - hay);
		if (memcmp(c, needle, needle_len) == 0) {
			*pos_r = pos;
			return true;
		}
		pos++;
	}
	return false;
}

/* text_check - a decoded name or value must be UTF-8 without NUL */
static int text_check(const char *s, size_t len, const char **error_r)
{
	if (memchr(s, '\0', len) != NULL) {
		*error_r = "NUL byte in field";
		return -1;
	}
	if (!utf8_valid(s, len)) {
		*error_r = "invalid UTF-8";
		return -1;
	}
	return 0;
}

/* field_add - append a new, empty field to a form under construction */
static struct form_field *field_add(struct pool *pool, struct form *form)
{
	struct form_field *f = p_new(pool, struct form_field, 1);

	if (form->last == NULL)
		form->first = f;
	else
		form->last->next = f;
	form->last = f;
	form->count++;
	return f;
}

/* form_splice - move all fields of src to the end of dest */
static void form_splice(struct form *dest, struct form *src)
{
	if (src->first == NULL)
		return;
	if (dest->last == NULL)
		dest->first = src->first;
	else
		dest->last->next = src->first;
	dest->last = src->last;
	dest->count += src->count;
	form_init(src);
}

/* ---- forms and lookups ------------------------------------------------- */

/* form_init - make form empty */
void form_init(struct form *form)
{
	form->first = NULL;
	form->last = NULL;
	form->count = 0;
}

/* form_get_field - first field called name, or NULL */
const struct form_field *form_get_field(const struct form *form,
					const char *name)
{
	const struct form_field *f;

	for (f = form->first; f != NULL; f = f->next) {
		if (strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

/* form_get - first value of name, or NULL */
const char *form_get(const struct form *form, const char *name)
{
	const struct form_field *f = form_get_field(form, name);

	return f != NULL ? f->value : NULL;
}

/* ---- percent-encoding -------------------------------------------------- */

/* pct_decoded_len - length of s after percent-decoding; -1 on a bad escape */
static int pct_decoded_len(const char *s, size_t len, size_t *len_r)
{
	size_t i = 0, n = 0;

	while (i < len) {
		if (s[i] == '%') {
			if (len - i < 3 ||
			    hex_val((unsigned char)s[i + 1]) < 0 ||
			    hex_val((unsigned char)s[i + 2]) < 0)
				return -1;
			i += 3;
		} else {
			i++;
		}
		n++;
	}
	*len_r = n;
	return 0;
}

/* pct_decode_into - decode s (already checked) into dst and terminate it */
static void pct_decode_into(char *dst, const char *s, size_t len,
			    bool plus_is_space)
{
	size_t i = 0, n = 0;

	while (i < len) {
		if (s[i] == '%') {
			int hi = hex_val((unsigned char)s[i + 1]);
			int lo = hex_val((unsigned char)s[i + 2]);

			dst[n++] = (char)(hi * 16 + lo);
			i += 3;
		} else if (s[i] == '+' && plus_is_space) {
			dst[n++] = ' ';
			i++;
		} else {
			dst[n++] = s[i++];
		}
	}
	dst[n] = '\0';
}

/* url_decode - percent-decode into pool memory; -1 on a bad escape */
int url_decode(struct pool *pool, const char *s, size_t len,
	       bool plus_is_space, char **out_r, size_t *out_len_r)
{
	size_t n;
	char *out;

	if (pct_decoded_len(s, len, &n) < 0)
		return -1;
	out = p_alloc(pool, n + 1);
	pct_decode_into(out, s, len, plus_is_space);
	*out_r = out;
	*out_len_r = n;
	return 0;
}

/* is_unreserved - RFC 3986 unreserved: ALPHA DIGIT "-" "." "_" "~" */
static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		c == '~';
}

/* url_encode - percent-encode everything but unreserved characters */
char *url_encode(struct pool *pool, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t n = 0;
	char *out, *o;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		n += is_unreserved(*p) ? 1 : 3;
	out = p_alloc(pool, n + 1);
	o = out;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (is_unreserved(*p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0x0f];
		}
	}
	*o = '\0';
	return out;
}

/* ---- application/x-www-form-urlencoded --------------------------------- */

/* decode_checked - percent-decode one name or value ('+' is a space),
 * at most max bytes, UTF-8 without NUL */
static int decode_checked(struct pool *pool, const char *s, size_t len,
			  size_t max, const char *too_long, char **out_r,
			  size_t *out_len_r, const char **error_r)
{
	size_t n;
	char *out;

	if (pct_decoded_len(s, len, &n) < 0) {
		*error_r = "bad percent-encoding";
		return -1;
	}
	if (n > max) {
		*error_r = too_long;
		return -1;
	}
	out = p_alloc(pool, n + 1);
	pct_decode_into(out, s, len, true);
	if (text_check(out, n, error_r) < 0)
		return -1;
	*out_r = out;
	*out_len_r = n;
	return 0;
}

/* urlencoded_pair - decode one non-empty "name=value" into form */
static int urlencoded_pair(struct pool *pool, const char *pair, size_t len,
			   const struct form_limits *limits,
			   struct form *form, const char **error_r)
{
	const char *eq = memchr(pair, '=', len);
	size_t name_len = eq != NULL ? (size_t)(eq - pair) : len;
	const char *value = eq != NULL ? eq + 1 : pair + len;
	size_t value_len = len - name_len - (eq != NULL ? 1 : 0);
	struct form_field *f;
	char *name_dec, *value_dec;
	size_t name_dec_len, value_dec_len;

	if (name_len == 0)
		return 0;	/* "=x": nothing to name it by */
	if (form->count >= limits->max_fields) {
		*error_r = "too many fields";
		return -1;
	}
	if (decode_checked(pool, pair, name_len, limits->max_name,
			   "field name too long", &name_dec, &name_dec_len,
			   error_r) < 0 ||
	    decode_checked(pool, value, value_len, limits->max_value,
			   "field value too long", &value_dec, &value_dec_len,
			   error_r) < 0)
		return -1;
	f = field_add(pool, form);
	f->name = name_dec;
	f->value = value_dec;
	f->value_len = value_dec_len;
	return 0;
}

/* form_parse_urlencoded - parse "a=1&b=%20x+y" and append to form */
int form_parse_urlencoded(struct pool *pool, const char *data, size_t len,
			  const struct form_limits *limits, struct form *form,
			  const char **error_r)
{
	struct form local;
	size_t pos = 0;

	limits = limits_get(limits);
	form_init(&local);
	while (pos < len) {
		const char *amp = memchr(data + pos, '&', len - pos);
		size_t end = amp != NULL ? (size_t)(amp - data) : len;

		if (end > pos &&
		    urlencoded_pair(pool, data + pos, end - pos, limits,
				    &local, error_r) < 0)
			return -1;
		pos = end + 1;
	}
	form_splice(form, &local);
	return 0;
}

/* ---- Cookie header ----------------------------------------------------- */

/* cookie_value_ok - value bytes acceptable in a kept cookie */
static bool cookie_value_ok(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (is_ctl((unsigned char)v[i]) || v[i] == '"')
			return false;
	}
	return utf8_valid(v, len);
}

/* cookie_pair - one "name=value" between semicolons; malformed is skipped */
static int cookie_pair(struct pool *pool, const char *p, const char *end,
		       const struct form_limits *limits, struct form *form,
		       const char **error_r)
{
	const char *eq, *name, *name_end, *value;
	struct form_field *f;
	size_t i, value_len;

	while (p < end && is_ows((unsigned char)*p))
		p++;
	while (end > p && is_ows((unsigned char)end[-1]))
		end--;
	eq = p < end ? memchr(p, '=', (size_t)(end - p)) : NULL;
	if (eq == NULL)
		return 0;
	name = p;
	name_end = eq;
	while (name_end > name && is_ows((unsigned char)name_end[-1]))
		name_end--;
	if (name_end == name)
		return 0;
	for (i = 0; name + i < name_end; i++) {
		if (!is_tchar((unsigned char)name[i]))
			return 0;
	}
	value = eq + 1;
	while (value < end && is_ows((unsigned char)*value))
		value++;
	value_len = (size_t)(end - value);
	if (value_len > 0 && value[0] == '"') {
		if (value_len < 2 || value[value_len - 1] != '"')
			return 0;
		value++;
		value_len -= 2;
	}
	if (!cookie_value_ok(value, value_len))
		return 0;

	if (form->count >= limits->max_fields) {
		*error_r = "too many cookies";
		return -1;
	}
	if ((size_t)(name_end - name) > limits->max_name) {
		*error_r = "cookie name too long";
		return -1;
	}
	if (value_len > limits->max_value) {
		*error_r = "cookie value too long";
		return -1;
	}
	f = field_add(pool, form);
	f->name = p_strndup(pool, name, (size_t)(name_end - name));
	f->value = p_strndup(pool, value, value_len);
	f->value_len = value_len;
	return 0;
}

/* form_parse_cookies - parse a Cookie header and append to form */
int form_parse_cookies(struct pool *pool, const char *header,
		       const struct form_limits *limits, struct form *form,
		       const char **error_r)
{
	struct form local;
	const char *p = header;

	limits = limits_get(limits);
	form_init(&local);
	while (*p != '\0') {
		const char *semi = strchr(p, ';');
		const char *end = semi != NULL ? semi : p + strlen(p);

		if (cookie_pair(pool, p, end, limits, &local, error_r) < 0)
			return -1;
		p = semi != NULL ? semi + 1 : end;
	}
	form_splice(form, &local);
	return 0;
}

/* ---- header parameters ------------------------------------------------- */

struct param {
	const char *name;	/* points into the header, not terminated */
	size_t name_len;
	char *value;		/* unquoted, NUL-terminated, pool memory */
	size_t value_len;
};

/* skip_ows - first byte at or after p that is not SP or HTAB */
static const char *skip_ows(const char *p, const char *end)
{
	while (p < end && is_ows((unsigned char)*p))
		p++;
	return p;
}

/* quoted_string - parse a quoted-string at *pp (which is at the opening
 * quote) into pool memory; a backslash escapes only '"' and '\' */
static int quoted_string(struct pool *pool, const char **pp, const char *end,
			 char **value_r, size_t *len_r)
{
	const char *start = *pp + 1, *p;
	size_t n = 0;
	char *out;

	for (p = start; p < end && *p != '"'; n++) {
		if (*p == '\\' && end - p >= 2 && (p[1] == '"' || p[1] == '\\'))
			p += 2;
		else if (is_ctl((unsigned char)*p) && *p != '\t')
			return -1;
		else
			p++;
	}
	if (p == end)
		return -1;	/* unterminated */
	out = p_alloc(pool, n + 1);
	n = 0;
	for (p = start; *p != '"'; ) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		out[n++] = *p++;
	}
	*pp = p + 1;
	*value_r = out;
	*len_r = n;
	return 0;
}

/* param_next - parse "; name=value" at *pp: 1 with *param_r filled, 0 at
 * the end of the header value, -1 on a syntax error */
static int param_next(struct pool *pool, const char **pp, const char *end,
		      struct param *param_r)
{
	const char *p = skip_ows(*pp, end), *v;

	if (p == end)
		return 0;
	if (*p != ';')
		return -1;
	p = skip_ows(p + 1, end);
	if (p == end) {
		*pp = p;	/* a trailing ';' is harmless */
		return 0;
	}
	param_r->name = p;
	while (p < end && is_tchar((unsigned char)*p))
		p++;
	param_r->name_len = (size_t)(p - param_r->name);
	if (param_r->name_len == 0)
		return -1;
	p = skip_ows(p, end);
	if (p == end || *p != '=')
		return -1;
	p = skip_ows(p + 1, end);
	if (p < end && *p == '"') {
		if (quoted_string(pool, &p, end, &param_r->value,
				  &param_r->value_len) < 0)
			return -1;
	} else {
		v = p;
		while (p < end && *p != ';' && !is_ows((unsigned char)*p)) {
			if (*p == '"' || is_ctl((unsigned char)*p))
				return -1;
			p++;
		}
		if (p == v)
			return -1;
		param_r->value_len = (size_t)(p - v);
		param_r->value = p_strndup(pool, v, param_r->value_len);
	}
	*pp = p;
	return 1;
}

/* ---- multipart/form-data ----------------------------------------------- */

/* boundary_valid - RFC 2046 boundary: 1..70 bchars, not ending in space */
static bool boundary_valid(const char *b, size_t len)
{
	size_t i;

	if (len == 0 || len > BOUNDARY_MAX || b[len - 1] == ' ')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)b[i];

		if (c == '\0')
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || strchr("'()+_,-./:=? ", c)))
			return false;
	}
	return true;
}

/* form_multipart_boundary - the boundary parameter of a
 * multipart/form-data Content-Type; -1 when absent or invalid */
int form_multipart_boundary(struct pool *pool, const char *content_type,
			    const char **boundary_r)
{
	static const char type[] = "multipart/form-data";
	const char *p, *end, *boundary = NULL;
	struct param prm;
	int ret;

	end = content_type + strlen(content_type);
	p = skip_ows(content_type, end);
	if ((size_t)(end - p) < sizeof(type) - 1 ||
	    !mem_case_eq(p, sizeof(type) - 1, type))
		return -1;
	p += sizeof(type) - 1;
	while ((ret = param_next(pool, &p, end, &prm)) > 0) {
		if (!mem_case_eq(prm.name, prm.name_len, "boundary"))
			continue;
		if (boundary != NULL)
			return -1;	/* two boundaries: ambiguous */
		if (!boundary_valid(prm.value, prm.value_len))
			return -1;
		boundary = prm.value;
	}
	if (ret < 0 || boundary == NULL)
		return -1;
	*boundary_r = boundary;
	return 0;
}

struct mp_part {
	bool have_disposition;
	char *name;
	size_t name_len;
	char *filename;		/* from filename= */
	size_t filename_len;
	char *filename_ext;	/* from filename*=, still encoded */
	size_t filename_ext_len;
	char *content_type;
};

/* param_set - keep a parameter value once; a repeat is an error */
static int param_set(const struct param *prm, char **value_r, size_t *len_r,
		     const char **error_r)
{
	if (*value_r != NULL) {
		*error_r = "multipart: duplicate parameter";
		return -1;
	}
	*value_r = prm->value;
	*len_r = prm->value_len;
	return 0;
}

/* mp_disposition - parse "form-data; name=...; filename=..." */
static int mp_disposition(struct pool *pool, const char *p, const char *end,
			  struct mp_part *part, const char **error_r)
{
	const char *type = p;
	struct param prm;
	int ret;

	while (p < end && is_tchar((unsigned char)*p))
		p++;
	if (!mem_case_eq(type, (size_t)(p - type), "form-data")) {
		*error_r = "multipart: not form-data";
		return -1;
	}
	while ((ret = param_next(pool, &p, end, &prm)) > 0) {
		if (mem_case_eq(prm.name, prm.name_len, "name"))
			ret = param_set(&prm, &part->name, &part->name_len,
					error_r);
		else if (mem_case_eq(prm.name, prm.name_len, "filename"))
			ret = param_set(&prm, &part->filename,
					&part->filename_len, error_r);
		else if (mem_case_eq(prm.name, prm.name_len, "filename*"))
			ret = param_set(&prm, &part->filename_ext,
					&part->filename_ext_len, error_r);
		if (ret < 0)
			return -1;
	}
	if (ret < 0) {
		*error_r = "multipart: bad Content-Disposition";
		return -1;
	}
	return 0;
}

/* mp_header_line - one "Name: value" line of a part's headers */
static int mp_header_line(struct pool *pool, const char *line, size_t len,
			  struct mp_part *part, const char **error_r)
{
	const char *colon = memchr(line, ':', len);
	const char *v, *end = line + len;
	size_t i, name_len;

	for (i = 0; i < len; i++) {
		if (is_ctl((unsigned char)line[i]) && line[i] != '\t') {
			*error_r = "multipart: bad header line";
			return -1;
		}
	}
	name_len = colon != NULL ? (size_t)(colon - line) : 0;
	for (i = 0; i < name_len; i++) {
		if (!is_tchar((unsigned char)line[i]))
			break;
	}
	if (colon == NULL || name_len == 0 || i < name_len) {
		*error_r = "multipart: bad header line";
		return -1;
	}
	v = skip_ows(colon + 1, end);
	while (end > v && is_ows((unsigned char)end[-1]))
		end--;

	if (mem_case_eq(line, name_len, "Content-Disposition")) {
		if (part->have_disposition) {
			*error_r = "multipart: duplicate header";
			return -1;
		}
		part->have_disposition = true;
		return mp_disposition(pool, v, end, part, error_r);
	}
	if (mem_case_eq(line, name_len, "Content-Type")) {
		if (part->content_type != NULL) {
			*error_r = "multipart: duplicate header";
			return -1;
		}
		if (!utf8_valid(v, (size_t)(end - v))) {
			*error_r = "invalid UTF-8";
			return -1;
		}
		part->content_type = p_strndup(pool, v, (size_t)(end - v));
	}
	return 0;		/* other headers are ignored */
}

/* mp_headers - read a part's header lines from body[*pos_r], up to and
 * including the empty line; *pos_r ends at the first content byte */
static int mp_headers(struct pool *pool, const char *body, size_t len,
		      size_t *pos_r, size_t max, struct mp_part *part,
		      const char **error_r)
{
	size_t pos = *pos_r, used = 0, eol, window, remaining, avail;

	for (;;) {
		/* a line may use what is left of max, plus its CRLF */
		remaining = len - pos;
		avail = max - used;
		window = remaining;
		if (remaining > 2 && avail < remaining - 2)
			window = avail + 2;
		if (!mem_find(body, pos + window, pos, "\r\n", 2, &eol)) {
			*error_r = window < remaining ?
				"multipart: header too long" :
				"multipart: truncated part headers";
			return -1;
		}
		if (eol == pos)
			break;
		if (eol - pos + 2 > avail) {
			*error_r = "multipart: header too long";
			return -1;
		}
		used += eol - pos + 2;
		if (mp_header_line(pool, body + pos, eol - pos, part,
				   error_r) < 0)
			return -1;
		pos = eol + 2;
	}
	*pos_r = pos + 2;
	return 0;
}

/* ext_filename - decode an RFC 5987 ext-value "UTF-8'lang'%E6%8A%A5.txt" */
static int ext_filename(struct pool *pool, const char *v, size_t len,
			char **out_r, size_t *out_len_r, const char **error_r)
{
	const char *q1 = memchr(v, '\'', len), *q2;
	const char *end = v + len;

	if (q1 == NULL ||
	    (q2 = memchr(q1 + 1, '\'', (size_t)(end - q1 - 1))) == NULL) {
		*error_r = "multipart: bad filename*";
		return -1;
	}
	if (!mem_case_eq(v, (size_t)(q1 - v), "UTF-8")) {
		*error_r = "multipart: unsupported filename* charset";
		return -1;
	}
	if (url_decode(pool, q2 + 1, (size_t)(end - q2 - 1), false,
		       out_r, out_len_r) < 0) {
		*error_r = "multipart: bad filename*";
		return -1;
	}
	return 0;
}

/* mp_field - turn a parsed part and its content into a form field */
static int mp_field(struct pool *pool, struct mp_part *part,
		    const char *content, size_t len,
		    const struct form_limits *limits, struct form *form,
		    const char **error_r)
{
	struct form_field *f;
	char *filename = part->filename;
	size_t filename_len = part->filename_len;

	if (!part->have_disposition) {
		*error_r = "multipart: missing Content-Disposition";
		return -1;
	}
	if (part->name == NULL || part->name_len == 0) {
		*error_r = "multipart: part without name";
		return -1;
	}
	if (part->name_len > limits->max_name) {
		*error_r = "field name too long";
		return -1;
	}
	if (text_check(part->name, part->name_len, error_r) < 0)
		return -1;
	if (part->filename_ext != NULL &&
	    ext_filename(pool, part->filename_ext, part->filename_ext_len,
			 &filename, &filename_len, error_r) < 0)
		return -1;
	if (filename != NULL) {
		if (memchr(filename, '\0', filename_len) != NULL ||
		    memchr(filename, '\r', filename_len) != NULL ||
		    memchr(filename, '\n', filename_len) != NULL) {
			*error_r = "multipart: bad filename";
			return -1;
		}
		if (!utf8_valid(filename, filename_len)) {
			*error_r = "invalid UTF-8";
			return -1;
		}
		if (len > limits->max_file) {
			*error_r = "multipart: file too large";
			return -1;
		}
	} else {
		if (len > limits->max_value) {
			*error_r = "field value too long";
			return -1;
		}
		if (text_check(content, len, error_r) < 0)
			return -1;
	}
	f = field_add(pool, form);
	f->name = part->name;
	f->value = p_strndup(pool, content, len);
	f->value_len = len;
	f->filename = filename;
	f->content_type = part->content_type;
	return 0;
}

/* form_parse_multipart - parse a complete multipart/form-data body */
int form_parse_multipart(struct pool *pool, const char *body, size_t len,
			 const char *boundary,
			 const struct form_limits *limits, struct form *form,
			 const char **error_r)
{
	struct form local;
	struct mp_part part;
	const char *delim;
	size_t blen, dlen, pos, p, content;

	limits = limits_get(limits);
	blen = strnlen(boundary, BOUNDARY_MAX + 1);
	if (!boundary_valid(boundary, blen)) {
		*error_r = "multipart: bad boundary";
		return -1;
	}
	/* delim is CRLF "--" boundary; the first one may lack the CRLF */
	delim = p_printf(pool, "\r\n--%s", boundary);
	dlen = blen + 4;
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		pos = 0;
	else if (len > 0 && mem_find(body, len, 0, delim, dlen, &pos))
		pos += 2;
	else {
		*error_r = "multipart: missing boundary";
		return -1;
	}

	form_init(&local);
	for (;;) {
		/* pos is at "--" boundary */
		p = pos + dlen - 2;
		if (len - p >= 2 && body[p] == '-' && body[p + 1] == '-')
			break;		/* close delimiter; epilogue ignored */
		while (p < len && is_ows((unsigned char)body[p]))
			p++;
		if (len - p < 2) {
			*error_r = "multipart: missing closing boundary";
			return -1;
		}
		if (body[p] != '\r' || body[p + 1] != '\n') {
			*error_r = "multipart: bad delimiter";
			return -1;
		}
		p += 2;
		if (local.count >= limits->max_parts) {
			*error_r = "multipart: too many parts";
			return -1;
		}
		memset(&part, 0, sizeof(part));
		if (mp_headers(pool, body, len, &p, limits->max_part_headers,
			       &part, error_r) < 0)
			return -1;
		content = p;
		if (!mem_find(body, len, content, delim, dlen, &pos)) {
			*error_r = "multipart: missing closing boundary";
			return -1;
		}
		if (mp_field(pool, &part, body + content, pos - content,
			     limits, &local, error_r) < 0)
			return -1;
		pos += 2;
	}
	form_splice(form, &local);
	return 0;
}
