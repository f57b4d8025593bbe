/*
 * imap-utf7.c - modified UTF-7 (RFC 3501 section 5.1.3) <-> UTF-8.
 *
 * IMAP4rev1 mailbox names travel in modified UTF-7; Mailhive stores them
 * as UTF-8. The decoder accepts only the canonical encoding, the one the
 * encoder produces, so for every name x:
 *
 *	utf8_to_utf7(utf7_to_utf8(x)) == x  whenever the decode succeeds
 *	utf7_to_utf8(utf8_to_utf7(y)) == y  for all valid UTF-8 y without NUL
 *
 * and two different wire names never decode to the same mailbox (which a
 * lenient decoder would allow: "&AGE-" for "a", "&-" versus "&ACY-", two
 * runs versus one, or junk in the padding bits).
 *
 * A run of base64 holds 16-bit units; n base64 characters carry 6n bits,
 * that is floor(6n/16) units and 6n mod 16 leftover bits, which must be
 * fewer than 6 (else the last character was superfluous) and zero.
 *
 * SECURITY: input is untrusted. Both directions make one pass, keep a
 * few integers of state and write to a struct buf whose size follows the
 * input; the result is copied to the caller's pool.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "pool.h"

#include "imap-utf7.h"

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* b64_value - value of a modified base64 character, or -1 */
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
	if (c == ',')
		return 63;
	return -1;
}

/* put_utf8 - append code point cp (valid, not a surrogate) as UTF-8 */
static int put_utf8(struct buf *out, uint32_t cp)
{
	char s[4];
	size_t n;

	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		s[0] = (char)(0xf0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(out, s, n);
}

/*
 * decode_run - the base64 run starting at in[*pos] (just after "&"), up
 * to and including its "-"; appends the characters to out. Returns NULL
 * or an error message.
 */
static const char *decode_run(const char *in, size_t len, size_t *pos,
			      struct buf *out)
{
	uint32_t bits = 0, high = 0, unit, cp;
	unsigned int nbits = 0, units = 0;
	size_t i = *pos;
	int v;

	for (; i < len && in[i] != '-'; i++) {
		v = b64_value((unsigned char)in[i]);
		if (v < 0)
			return "Invalid character in an encoded run";
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		unit = (bits >> nbits) & 0xffff;
		bits &= (1u << nbits) - 1;
		units++;
		if (high != 0) {
			if (unit < 0xdc00 || unit > 0xdfff)
				return "Unpaired high surrogate";
			cp = 0x10000 + ((high - 0xd800) << 10) +
				(unit - 0xdc00);
			high = 0;
		} else if (unit >= 0xd800 && unit <= 0xdbff) {
			high = unit;
			continue;
		} else if (unit >= 0xdc00 && unit <= 0xdfff) {
			return "Unpaired low surrogate";
		} else {
			cp = unit;
		}
		if (cp == 0)
			return "Encoded NUL";
		if (cp >= 0x20 && cp <= 0x7e)
			return "Printable ASCII must not be encoded";
		if (put_utf8(out, cp) < 0)
			return "Name too long";
	}
	if (i == len)
		return "Unterminated encoded run";
	if (units == 0)
		return "Empty encoded run";
	if (high != 0)
		return "Unpaired high surrogate";
	if (nbits >= 6 || bits != 0)
		return "Non-zero or extra padding bits";
	*pos = i + 1;
	return NULL;
}

/* finish - hand the result over in the pool */
static int finish(struct pool *pool, struct buf *out, const char *error,
		  const char **out_r, const char **error_r)
{
	if (error != NULL) {
		buf_free(out);
		*error_r = error;
		return -1;
	}
	*out_r = p_strndup(pool, out->len > 0 ? out->data : "", out->len);
	buf_free(out);
	return 0;
}

/* utf7_decode - shared by imap_utf7_to_utf8() and imap_utf7_valid() */
static const char *utf7_decode(const char *in, size_t len, struct buf *out)
{
	size_t i = 0;
	bool after_run = false;
	const char *error;
	unsigned char c;

	while (i < len) {
		c = (unsigned char)in[i];
		if (c < 0x20 || c > 0x7e)
			return "Octet outside printable ASCII";
		if (c != '&') {
			if (buf_append_char(out, (char)c) < 0)
				return "Name too long";
			after_run = false;
			i++;
			continue;
		}
		i++;
		if (i < len && in[i] == '-') {
			if (buf_append_char(out, '&') < 0)
				return "Name too long";
			after_run = false;
			i++;
			continue;
		}
		error = decode_run(in, len, &i, out);
		if (error != NULL)
			return error;
		if (after_run)
			return "Two encoded runs back to back";
		after_run = true;
	}
	return NULL;
}

/* imap_utf7_to_utf8 - strict modified UTF-7 decoding */
int imap_utf7_to_utf8(struct pool *pool, const char *in, size_t len,
		      const char **out_r, const char **error_r)
{
	struct buf out;

	/* a run expands 16 bits (2.67 chars) to at most 3 octets, a
	   surrogate pair 32 bits (5.33 chars) to 4; plain text is 1:1 */
	buf_init(&out, len + len / 2 + 1);
	return finish(pool, &out, utf7_decode(in, len, &out), out_r, error_r);
}

/* imap_utf7_valid - strictly valid modified UTF-7 */
bool imap_utf7_valid(const char *in, size_t len)
{
	struct buf out;
	const char *error;

	buf_init(&out, len + len / 2 + 1);
	error = utf7_decode(in, len, &out);
	buf_free(&out);
	return error == NULL;
}

/* flush_run - close an open base64 run: padding bits and "-" */
static int flush_run(struct buf *out, uint32_t bits, unsigned int nbits)
{
	if (nbits > 0) {
		if (buf_append_char(out, b64_chars[(bits << (6 - nbits)) &
						   0x3f]) < 0)
			return -1;
	}
	return buf_append_char(out, '-');
}

/* put_unit - add a UTF-16 unit to the open run */
static int put_unit(struct buf *out, uint32_t *bits, unsigned int *nbits,
		    uint32_t unit)
{
	*bits = (*bits << 16) | unit;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		if (buf_append_char(out, b64_chars[(*bits >> *nbits) &
						   0x3f]) < 0)
			return -1;
	}
	*bits &= (1u << *nbits) - 1;
	return 0;
}

/* next_cp - decode one code point of valid UTF-8 at s[*pos] */
static uint32_t next_cp(const unsigned char *s, size_t *pos)
{
	size_t i = *pos;
	uint32_t cp;

	if (s[i] < 0x80) {
		cp = s[i];
		*pos = i + 1;
	} else if (s[i] < 0xe0) {
		cp = ((uint32_t)(s[i] & 0x1f) << 6) | (s[i + 1] & 0x3f);
		*pos = i + 2;
	} else if (s[i] < 0xf0) {
		cp = ((uint32_t)(s[i] & 0x0f) << 12) |
			((uint32_t)(s[i + 1] & 0x3f) << 6) | (s[i + 2] & 0x3f);
		*pos = i + 3;
	} else {
		cp = ((uint32_t)(s[i] & 0x07) << 18) |
			((uint32_t)(s[i + 1] & 0x3f) << 12) |
			((uint32_t)(s[i + 2] & 0x3f) << 6) | (s[i + 3] & 0x3f);
		*pos = i + 4;
	}
	return cp;
}

/* utf7_encode - the canonical encoding of valid UTF-8 */
static const char *utf7_encode(const char *in, size_t len, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0;
	uint32_t cp, bits = 0;
	unsigned int nbits = 0;
	bool in_run = false;
	int ret = 0;

	while (i < len && ret == 0) {
		cp = next_cp(s, &i);
		if (cp >= 0x20 && cp <= 0x7e) {
			if (in_run)
				ret = flush_run(out, bits, nbits);
			in_run = false;
			bits = 0;
			nbits = 0;
			if (ret == 0)
				ret = buf_append_char(out, (char)cp);
			if (ret == 0 && cp == '&')
				ret = buf_append_char(out, '-');
			continue;
		}
		if (!in_run)
			ret = buf_append_char(out, '&');
		in_run = true;
		if (ret < 0)
			break;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			ret = put_unit(out, &bits, &nbits, 0xd800 + (cp >> 10));
			if (ret == 0)
				ret = put_unit(out, &bits, &nbits,
					       0xdc00 + (cp & 0x3ff));
		} else {
			ret = put_unit(out, &bits, &nbits, cp);
		}
	}
	if (ret == 0 && in_run)
		ret = flush_run(out, bits, nbits);
	return ret < 0 ? "Name too long" : NULL;
}

/* imap_utf8_to_utf7 - canonical modified UTF-7 encoding */
int imap_utf8_to_utf7(struct pool *pool, const char *in, size_t len,
		      const char **out_r, const char **error_r)
{
	struct buf out;

	if (!utf8_valid(in, len)) {
		*error_r = "Invalid UTF-8";
		return -1;
	}
	if (memchr(in, '\0', len) != NULL) {
		*error_r = "NUL in name";
		return -1;
	}
	/* worst case: 1 octet -> "&-" (2), 2 octets of UTF-8 -> 16 bits
	   plus "&" and "-" (5 chars), 4 octets -> 32 bits (6 chars + 2) */
	buf_init(&out, 3 * len + 3);
	return finish(pool, &out, utf7_encode(in, len, &out), out_r, error_r);
}
