/*
 * fuzz-web-form.c - libFuzzer target for the form parsers in lib/web-form.c.
 *
 * fuzz-sources: lib/web-form.c lib/pool.c lib/buf.c lib/log.c lib/strnum.c
 *
 * The first input byte chooses what to run; the rest is the input:
 *
 *   bits 0-2  0 urlencoded    1 Cookie header   2 Content-Type boundary
 *             3 multipart with the fixed boundary "XyZ"
 *             4 multipart whose first line is the Content-Type header
 *             5 url_decode/url_encode round trip
 *             6 urlencoded, then cookies on the same form
 *             7 multipart "XyZ" with every LF turned into CRLF
 *   bit 3     small limits (easy to hit) instead of form_limits_default
 *   bit 4     '+' is a space for mode 5
 *
 * Beyond "no crash, no leak, no UB", each parser's results are checked
 * against the contract in web-form.h (limits held, UTF-8, lengths agree);
 * a violation aborts so that libFuzzer reports it. One pool per input,
 * destroyed before returning, so LeakSanitizer sees every allocation.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pool.h"
#include "web-form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct form_limits small_limits = {
	.max_fields = 4,
	.max_name = 8,
	.max_value = 32,
	.max_parts = 3,
	.max_part_headers = 96,
	.max_file = 64,
};

/* check - abort when a contract invariant does not hold */
static void check(bool ok)
{
	if (!ok)
		abort();
}

/* check_form - every field obeys the limits and the text rules */
static void check_form(const struct form *form, size_t max_count,
		       const struct form_limits *l)
{
	const struct form_field *f;
	size_t n = 0;

	check(form->count <= max_count);
	for (f = form->first; f != NULL; f = f->next) {
		size_t name_len = strlen(f->name);

		n++;
		check(name_len > 0 && name_len <= l->max_name);
		check(utf8_valid(f->name, name_len));
		check(f->value[f->value_len] == '\0');
		if (f->filename != NULL) {
			size_t fn_len = strlen(f->filename);

			check(f->value_len <= l->max_file);
			check(utf8_valid(f->filename, fn_len));
			check(strpbrk(f->filename, "\r\n") == NULL);
		} else {
			check(f->value_len <= l->max_value);
			check(strlen(f->value) == f->value_len);
			check(utf8_valid(f->value, f->value_len));
		}
		check(form_get_field(form, f->name) != NULL);
		if (f->next == NULL)
			check(f == form->last);
	}
	check(n == form->count);
}

/* copy_str - the input as a C string, cut at its first NUL */
static char *copy_str(struct pool *pool, const uint8_t *data, size_t size)
{
	return p_strndup(pool, (const char *)data, size);
}

/* run_multipart - parse body with boundary and check the result */
static void run_multipart(struct pool *pool, const char *body, size_t len,
			  const char *boundary, const struct form_limits *l)
{
	struct form form;
	const char *error = NULL;

	form_init(&form);
	if (form_parse_multipart(pool, body, len, boundary, l, &form,
				 &error) < 0) {
		check(error != NULL && form.count == 0);
		return;
	}
	check_form(&form, l->max_parts, l);
}

/* run_roundtrip - decode, encode, decode again: same bytes */
static void run_roundtrip(struct pool *pool, const char *s, size_t len,
			  bool plus)
{
	char *dec, *dec2, *enc;
	size_t dec_len, dec2_len, i;

	if (url_decode(pool, s, len, plus, &dec, &dec_len) < 0)
		return;
	check(dec_len <= len && dec[dec_len] == '\0');
	if (memchr(dec, '\0', dec_len) != NULL)
		return;		/* url_encode takes a C string */
	enc = url_encode(pool, dec);
	for (i = 0; enc[i] != '\0'; i++)
		check(enc[i] != '+' && enc[i] != ' ' &&
		      (unsigned char)enc[i] < 0x80);
	check(url_decode(pool, enc, strlen(enc), false, &dec2,
			 &dec2_len) == 0);
	check(dec2_len == dec_len && memcmp(dec, dec2, dec_len) == 0);
}

/* crlf_body - the input with each LF turned into CRLF */
static char *crlf_body(struct pool *pool, const uint8_t *data, size_t size,
		       size_t *len_r)
{
	char *out = p_alloc(pool, size * 2 + 1);
	size_t i, n = 0;

	for (i = 0; i < size; i++) {
		if (data[i] == '\n')
			out[n++] = '\r';
		out[n++] = (char)data[i];
	}
	*len_r = n;
	return out;
}

/* LLVMFuzzerTestOneInput - run one input through the parser it selects */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool;
	const struct form_limits *l;
	struct form form;
	const char *error = NULL, *boundary;
	const uint8_t *nl;
	char *s;
	size_t len;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	l = (mode & 8) != 0 ? &small_limits : &form_limits_default;
	pool = pool_new("fuzz", 4096);
	form_init(&form);

	switch (mode & 7) {
	case 0:
		if (form_parse_urlencoded(pool, (const char *)data, size, l,
					  &form, &error) == 0)
			check_form(&form, l->max_fields, l);
		else
			check(error != NULL && form.count == 0);
		break;
	case 1:
		s = copy_str(pool, data, size);
		if (form_parse_cookies(pool, s, l, &form, &error) == 0)
			check_form(&form, l->max_fields, l);
		else
			check(error != NULL && form.count == 0);
		break;
	case 2:
		s = copy_str(pool, data, size);
		if (form_multipart_boundary(pool, s, &boundary) == 0) {
			len = strlen(boundary);
			check(len >= 1 && len <= 70);
		}
		break;
	case 3:
		run_multipart(pool, (const char *)data, size, "XyZ", l);
		break;
	case 4:
		nl = memchr(data, '\n', size);
		if (nl == NULL)
			break;
		len = (size_t)(nl - data);
		s = copy_str(pool, data, len);
		if (form_multipart_boundary(pool, s, &boundary) < 0)
			break;
		run_multipart(pool, (const char *)nl + 1, size - len - 1,
			      boundary, l);
		break;
	case 5:
		run_roundtrip(pool, (const char *)data, size,
			      (mode & 16) != 0);
		break;
	case 6:
		nl = memchr(data, '\n', size);
		len = nl != NULL ? (size_t)(nl - data) : size;
		if (form_parse_urlencoded(pool, (const char *)data, len, l,
					  &form, &error) < 0)
			break;
		s = copy_str(pool, data + len, size - len);
		if (form_parse_cookies(pool, s, l, &form, &error) == 0)
			check_form(&form, 2 * l->max_fields, l);
		break;
	default:
		s = crlf_body(pool, data, size, &len);
		run_multipart(pool, s, len, "XyZ", l);
		break;
	}
	pool_destroy(&pool);
	return 0;
}
