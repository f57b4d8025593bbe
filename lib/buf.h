#ifndef MH_BUF_H
#define MH_BUF_H
/*
 * buf.h - growable byte buffers with an optional hard maximum.
 *
 * The data is always NUL-terminated (the NUL is not counted in len), so a
 * buffer holding text can be used as a C string. All writes go through this
 * API; a write that would pass the maximum fails with -1 and leaves the
 * buffer as it was. Growth is checked for overflow before it happens.
 * Buffers are malloc-backed; buf_free() releases them. A buffer created with
 * buf_new_pool() is freed by the pool's cleanup.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct pool;

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;	/* 0 = unlimited */
};

void buf_init(struct buf *b, size_t max);
struct buf *buf_new_pool(struct pool *pool, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);

int buf_append(struct buf *b, const void *data, size_t len)
	__attribute__((warn_unused_result));
int buf_append_str(struct buf *b, const char *s)
	__attribute__((warn_unused_result));
int buf_append_char(struct buf *b, char c)
	__attribute__((warn_unused_result));
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), warn_unused_result));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0), warn_unused_result));

/* str helpers on plain C strings */
/* buf_addf, buf_adds, buf_addc - the same for a buffer without a maximum
 * (max 0), where only memory can run out: that panics */
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);

bool str_begins(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
bool str_case_eq(const char *a, const char *b);
/* str_lcpy - strlcpy: returns strlen(src); truncated when >= size */
size_t str_lcpy(char *dst, const char *src, size_t size);
/* str_trim - strip ASCII white space at both ends, in place */
char *str_trim(char *s);
/* str_lower - ASCII lower case, in place */
char *str_lower(char *s);
/* str_json_quote - s as a JSON string literal (quotes included), control
 * characters escaped, in pool memory */
char *str_json_quote(struct pool *pool, const char *s);
/* str_text_sane - valid UTF-8 without control characters, at most max
 * bytes */
bool str_text_sane(const char *s, size_t max);
/* utf8_valid - true when data is well-formed UTF-8 (no overlongs,
 * no surrogates, nothing above U+10FFFF) */
bool utf8_valid(const char *data, size_t len);

#endif
