/*
 * charset.c - convert uploaded text to UTF-8 with iconv.
 *
 * SECURITY: the input is untrusted. It is converted in fixed 4 KiB steps
 * into a buffer with a hard maximum, so the output never grows past what
 * the caller allows whatever the ratio of the charsets; the charset name
 * may come from the file too (a vCard's CHARSET=), so it is checked for
 * length and characters before iconv sees it.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "pool.h"

#define CHARSET_NAME_MAX 40

/* name_sane - a charset name: letters, digits and - _ . : only */
static bool name_sane(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > CHARSET_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || c == ':'))
			return false;
	}
	return true;
}

bool charset_is_utf8(const char *name)
{
	return str_case_eq(name, "UTF-8") || str_case_eq(name, "UTF8") ||
		str_case_eq(name, "US-ASCII") || str_case_eq(name, "ASCII");
}

/* open_cd - a converter from name to UTF-8, or (iconv_t)-1 */
static iconv_t open_cd(const char *name)
{
	if (!name_sane(name))
		return (iconv_t)-1;
	/* GB2312 and GBK files often hold characters only GB18030 names */
	if (str_case_eq(name, "GB2312") || str_case_eq(name, "GBK") ||
	    str_case_eq(name, "CP936"))
		name = "GB18030";
	return iconv_open("UTF-8", name);
}

bool charset_known(const char *name)
{
	iconv_t cd = open_cd(name);

	if (cd == (iconv_t)-1)
		return false;
	iconv_close(cd);
	return true;
}

int charset_to_utf8(struct pool *pool, const char *from, const char *data,
		    size_t len, size_t max, char **out_r, size_t *out_len_r,
		    const char **error_r)
{
	struct buf *out = buf_new_pool(pool, max);
	char chunk[4096];
	char *in = (char *)data;	/* iconv's prototype lacks const */
	size_t left = len;
	iconv_t cd;
	int ret = 0;

	cd = open_cd(from);
	if (cd == (iconv_t)-1) {
		*error_r = "unknown charset";
		return -1;
	}
	for (bool flush = false;;) {
		char *op = chunk;
		size_t room = sizeof(chunk);
		size_t n;

		n = flush ? iconv(cd, NULL, NULL, &op, &room) :
			iconv(cd, &in, &left, &op, &room);
		if (buf_append(out, chunk, sizeof(chunk) - room) < 0) {
			*error_r = "text too long after conversion";
			ret = -1;
			break;
		}
		if (n != (size_t)-1) {
			if (flush)
				break;
			flush = true;
			continue;
		}
		if (errno == E2BIG)
			continue;
		*error_r = errno == EINVAL ? "text cut off in a character" :
			"text not valid in its charset";
		ret = -1;
		break;
	}
	iconv_close(cd);
	if (ret == 0 && out->len > 0 && memchr(out->data, '\0', out->len)) {
		*error_r = "NUL character in the text";
		ret = -1;
	}
	if (ret < 0)
		return -1;
	if (out->data == NULL) {
		*out_r = p_strdup(pool, "");
		*out_len_r = 0;
		return 0;
	}
	*out_r = out->data;
	*out_len_r = out->len;
	return 0;
}
