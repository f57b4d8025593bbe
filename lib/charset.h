#ifndef MH_CHARSET_H
#define MH_CHARSET_H
/*
 * charset.h - text in another charset made UTF-8, for the importers of
 * uploaded files (CSV, vCard) whose producers write GBK, Latin-1 or
 * UTF-16 as often as UTF-8.
 *
 * Conversion goes through the C library's iconv. An input sequence that
 * is not valid in the source charset, or one cut off at the end, is an
 * error rather than a silent replacement, so a file taken for the wrong
 * charset is refused instead of becoming mojibake. The output is capped
 * at max bytes; going over is an error too.
 */
#include <stdbool.h>
#include <stddef.h>

struct pool;

/* charset_known - iconv can convert from name to UTF-8 */
bool charset_known(const char *name);
/* charset_is_utf8 - name is UTF-8 (or its ASCII subset) under any of its
 * usual spellings */
bool charset_is_utf8(const char *name);
/* charset_to_utf8 - data in charset from as NUL-terminated UTF-8 in pool
 * memory. 0 ok; -1 unknown charset, invalid input, output over max or a
 * NUL in the output (with *error_r, a static English message) */
int charset_to_utf8(struct pool *pool, const char *from, const char *data,
		    size_t len, size_t max, char **out_r, size_t *out_len_r,
		    const char **error_r)
	__attribute__((warn_unused_result));

#endif
