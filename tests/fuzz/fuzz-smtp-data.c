/*
 * fuzz-smtp-data.c - libFuzzer target for backend/smtpd/smtp-data.c.
 *
 * fuzz-sources: backend/smtpd/smtp-data.c lib/pool.c lib/buf.c lib/log.c
 *
 * The first input byte is a seed; the rest is what a client sends after
 * "354". Bit 7 of the seed selects small limits (max_line 3-18, max_size
 * 0-112 octets, 0 = none) so the limits are easy to hit; otherwise the
 * RFC defaults apply. The data is fed three ways: in one call, in chunks
 * whose sizes come from a generator seeded with the first byte, and one
 * octet per call. The three must agree on the status, the end position
 * and every octet given to the sink; anything else aborts.
 *
 * The results are also checked against a slow reference: the data ends
 * at the first "." CR LF that starts a line (at 0 or after CR LF), which
 * rules out every smuggling variant; a message that ends without error
 * must have CRLF-only lines within max_line and no NUL, be the input
 * lines with one leading dot removed, and fit max_size.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp-data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	enum smtp_data_status status;
	size_t consumed;
	struct buf out;
};

/* check - abort when an invariant does not hold */
static void check(bool ok)
{
	if (!ok)
		abort();
}

/* next_size - chunk sizes 1-64 from a small generator */
static size_t next_size(uint32_t *seed)
{
	*seed = *seed * 1664525u + 1013904223u;
	return 1 + (*seed >> 24) % 64;
}

/* feed - mode 0: one call, 1: chunks, 2: one octet per call */
static void feed(const char *in, size_t len,
		 const struct smtp_data_limits *lim, int mode, uint32_t seed,
		 struct outcome *o)
{
	struct smtp_data_reader r;
	size_t pos = 0, n, used;

	buf_init(&o->out, 0);
	smtp_data_init(&r, lim, smtp_data_sink_buf, &o->out);
	o->status = SMTP_DATA_MORE;
	do {
		n = mode == 0 ? len - pos : mode == 1 ? next_size(&seed) : 1;
		if (n > len - pos)
			n = len - pos;
		o->status = smtp_data_feed(&r, in + pos, n, &used);
		check(used <= n);
		check(o->status != SMTP_DATA_MORE || used == n);
		pos += used;
	} while (o->status == SMTP_DATA_MORE && pos < len);
	o->consumed = pos;
	check(smtp_data_octets(&r) >= o->out.len);
	if (o->status != SMTP_DATA_MORE) {
		/* after the end nothing more is taken */
		check(smtp_data_feed(&r, in, len, &used) == o->status);
		check(used == 0);
	}
}

/* same - two ways of feeding agree */
static void same(const struct outcome *a, const struct outcome *b)
{
	check(a->status == b->status);
	check(a->consumed == b->consumed);
	check(a->out.len == b->out.len);
	check(a->out.len == 0 ||
	      memcmp(a->out.data, b->out.data, a->out.len) == 0);
}

/* ref_end - octets up to the end of data, 0 when there is none */
static size_t ref_end(const char *in, size_t len)
{
	size_t i;

	for (i = 0; i + 3 <= len; i++) {
		if (memcmp(in + i, ".\r\n", 3) == 0 &&
		    (i == 0 || (i >= 2 && in[i - 2] == '\r' &&
				in[i - 1] == '\n')))
			return i + 3;
	}
	return 0;
}

/* check_clean - a message that ended without error */
static void check_clean(const char *in, size_t end, const struct buf *out,
			const struct smtp_data_limits *lim)
{
	size_t i, start = 0, o = 0, line, text;
	size_t max_line = lim->max_line ? lim->max_line : 1000;

	check(lim->max_size == 0 || out->len <= lim->max_size);
	/* output: CRLF lines only, no NUL, each within max_line */
	line = 0;
	for (i = 0; i < out->len; i++) {
		char c = out->data[i];

		check(c != '\0');
		if (c == '\r') {
			check(i + 1 < out->len && out->data[i + 1] == '\n');
			check(line + 2 <= max_line);
			line = 0;
			i++;
			continue;
		}
		check(c != '\n');
		line++;
	}
	check(line == 0);	/* ends with CRLF, or is empty */

	/* output = input lines with one leading dot removed */
	for (i = 0; i + 3 < end; i++) {
		if (in[i] != '\r' || in[i + 1] != '\n')
			continue;
		text = start + (in[start] == '.' ? 1 : 0);
		check(o + (i + 2 - text) <= out->len);
		check(memcmp(out->data + o, in + text, i + 2 - text) == 0);
		o += i + 2 - text;
		start = i + 2;
	}
	check(start == end - 3 && o == out->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_data_limits lim = { 0, 0 };
	struct outcome one, chunked, bytes;
	const char *in;
	size_t len, end;
	uint32_t seed;

	if (size == 0)
		return 0;
	seed = data[0];
	if ((data[0] & 0x80) != 0) {
		lim.max_line = 3 + (data[0] & 0x0f);
		lim.max_size = ((size_t)(data[0] >> 4) & 7) * 16;
	}
	in = (const char *)data + 1;
	len = size - 1;

	feed(in, len, &lim, 0, seed, &one);
	feed(in, len, &lim, 1, seed, &chunked);
	feed(in, len, &lim, 2, seed, &bytes);
	same(&one, &chunked);
	same(&one, &bytes);

	end = ref_end(in, len);
	if (one.status == SMTP_DATA_MORE) {
		check(end == 0 && one.consumed == len);
	} else {
		check(end != 0 && one.consumed == end);
		if (one.status == SMTP_DATA_DONE)
			check_clean(in, end, &one.out, &lim);
		if (one.status == SMTP_DATA_TOO_BIG)
			check(lim.max_size != 0 &&
			      one.out.len == lim.max_size);
		if (one.status == SMTP_DATA_BARE_CR ||
		    one.status == SMTP_DATA_BARE_LF ||
		    one.status == SMTP_DATA_NUL)
			check(memchr(in, one.status == SMTP_DATA_NUL ? '\0' :
				     one.status == SMTP_DATA_BARE_CR ? '\r' :
				     '\n', end) != NULL);
	}
	check(one.status != SMTP_DATA_SINK_FAILED);

	buf_free(&one.out);
	buf_free(&chunked.out);
	buf_free(&bytes.out);
	return 0;
}
