#ifndef MH_WEB_FORM_H
#define MH_WEB_FORM_H
/*
 * web-form.h - parsers for what a browser sends: query strings and
 * application/x-www-form-urlencoded bodies, Cookie headers, and
 * multipart/form-data bodies.
 *
 * SECURITY: all input is untrusted. The parsers are pure (no I/O, no
 * globals), work on (data, len) with explicit bounds, never size an
 * allocation from a number the peer sent, and allocate only from the
 * given pool. Limits come in struct form_limits; going over one is an
 * error (-1 with *error_r set to a short static English message), never a
 * silent truncation. Names and values are decoded to NUL-terminated
 * strings; a name or value that is not valid UTF-8 after decoding is an
 * error for forms and multipart field values (file contents are binary and
 * exempt). Fuzzed by tests/fuzz/fuzz-web-form.c.
 *
 * Also: a NUL byte in a decoded name or non-file value is an error, so
 * C-string users see what was checked; on error the form is left
 * unchanged; limits may be NULL for form_limits_default; the field and
 * part limits count per call, not per form.
 */
#include <stdbool.h>
#include <stddef.h>

struct pool;

struct form_limits {
	size_t max_fields;	/* pairs in one query/body/cookie header */
	size_t max_name;	/* bytes of a decoded name */
	size_t max_value;	/* bytes of a decoded non-file value */
	size_t max_parts;	/* multipart parts */
	size_t max_part_headers; /* header bytes of one part */
	size_t max_file;	/* bytes of one uploaded file */
};

/* defaults: 256 fields, 256-byte names, 1 MiB values, 64 parts, 8 KiB of
 * part headers, files up to the whole body */
extern const struct form_limits form_limits_default;

struct form_field {
	const char *name;
	const char *value;	/* NUL-terminated; for files the content */
	size_t value_len;
	const char *filename;	/* NULL unless a file part */
	const char *content_type; /* NULL unless given (multipart only) */
	struct form_field *next;
};

struct form {
	struct form_field *first, *last;
	size_t count;
};

void form_init(struct form *form);
/* form_get - first value of name, or NULL */
const char *form_get(const struct form *form, const char *name);
const struct form_field *form_get_field(const struct form *form,
					const char *name);

/* form_parse_urlencoded - "a=1&b=%20x+y"; '+' is a space; %XX must be two
 * hex digits; empty pairs ("&&") are skipped; a pair without '=' has an
 * empty value. Appends to form. */
int form_parse_urlencoded(struct pool *pool, const char *data, size_t len,
			  const struct form_limits *limits, struct form *form,
			  const char **error_r)
	__attribute__((warn_unused_result));

/* form_parse_cookies - "a=1; b=2" (RFC 6265 cookie-string). Values are not
 * percent-decoded; surrounding double quotes are removed. A malformed
 * pair is skipped, never an error, so one bad cookie cannot lock a user out;
 * only exceeding the limits is an error. */
int form_parse_cookies(struct pool *pool, const char *header,
		       const struct form_limits *limits, struct form *form,
		       const char **error_r)
	__attribute__((warn_unused_result));

/* form_multipart_boundary - the boundary parameter of a
 * multipart/form-data Content-Type (quoted or not, 1..70 chars per RFC
 * 2046), copied into pool memory; -1 when absent or invalid */
int form_multipart_boundary(struct pool *pool, const char *content_type,
			    const char **boundary_r)
	__attribute__((warn_unused_result));

/* form_parse_multipart - parse a complete multipart/form-data body. Each
 * part needs a Content-Disposition: form-data with a name; filename (and
 * RFC 5987 filename*) is kept; CRLF line ends are required; a missing
 * closing delimiter is an error. Appends to form. */
int form_parse_multipart(struct pool *pool, const char *body, size_t len,
			 const char *boundary,
			 const struct form_limits *limits, struct form *form,
			 const char **error_r)
	__attribute__((warn_unused_result));

/* url_decode - percent-decode (plus_is_space for forms) into pool memory;
 * -1 on a bad escape */
int url_decode(struct pool *pool, const char *s, size_t len,
	       bool plus_is_space, char **out_r, size_t *out_len_r)
	__attribute__((warn_unused_result));

/* url_encode - percent-encode everything but unreserved characters */
char *url_encode(struct pool *pool, const char *s);

#endif
