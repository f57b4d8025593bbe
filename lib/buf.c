/*
 * buf.c - growable byte buffers with an optional hard maximum, and small
 * string helpers.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "pool.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static void buf_pool_cleanup(void *arg)
{
	buf_free(arg);
}

struct buf *buf_new_pool(struct pool *pool, size_t max)
{
	struct buf *b = p_new(pool, struct buf, 1);

	buf_init(b, max);
	pool_cleanup_add(pool, buf_pool_cleanup, b);
	return b;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* buf_reserve - make room for len more bytes plus the NUL */
static int buf_reserve(struct buf *b, size_t len)
{
	size_t need, cap;

	if (len > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + len;
	if (b->max != 0 && need > b->max)
		return -1;
	if (need + 1 <= b->cap)
		return 0;
	cap = b->cap < 64 ? 64 : b->cap;
	while (cap < need + 1) {
		if (cap > SIZE_MAX / 2) {
			cap = need + 1;
			break;
		}
		cap *= 2;
	}
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) < 0)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_append_char(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || buf_reserve(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ret;
}

/* the unchecked forms: only an unlimited buffer can be passed, where a
 * failure is running out of memory */
void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = buf_vprintf(b, fmt, ap);
	va_end(ap);
	if (ret < 0)
		panic("buf_addf: buffer limit or out of memory");
}

void buf_adds(struct buf *b, const char *s)
{
	if (buf_append_str(b, s) < 0)
		panic("buf_adds: buffer limit or out of memory");
}

void buf_addc(struct buf *b, char c)
{
	if (buf_append_char(b, c) < 0)
		panic("buf_addc: buffer limit or out of memory");
}

bool str_begins(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

bool str_case_eq(const char *a, const char *b)
{
	while (*a != '\0' && ascii_lower((unsigned char)*a) ==
	       ascii_lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

size_t str_lcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		c == '\f' || c == '\v';
}

char *str_trim(char *s)
{
	size_t len;

	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_space(s[len - 1]))
		s[--len] = '\0';
	return s;
}

char *str_lower(char *s)
{
	for (char *p = s; *p != '\0'; p++)
		*p = (char)ascii_lower((unsigned char)*p);
	return s;
}

char *str_json_quote(struct pool *pool, const char *s)
{
	struct buf *b = buf_new_pool(pool, 0);
	int ret = buf_append_char(b, '"');

	for (const unsigned char *p = (const unsigned char *)s;
	     *p != '\0' && ret == 0; p++) {
		if (*p == '"' || *p == '\\')
			ret = buf_printf(b, "\\%c", *p);
		else if (*p < ' ')
			ret = buf_printf(b, "\\u%04x", *p);
		else
			ret = buf_append_char(b, (char)*p);
	}
	if (ret < 0 || buf_append_char(b, '"') < 0)
		panic("out of memory");
	return b->data;
}

bool str_text_sane(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len > max || !utf8_valid(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < ' ' || c == 0x7f)
			return false;
	}
	return true;
}

bool utf8_valid(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;
	const unsigned char *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}
