/*
 * fuzz-html-sanitize.c - libFuzzer target for lib/html-sanitize.c.
 *
 * fuzz-sources: lib/html-sanitize.c lib/pool.c lib/buf.c lib/log.c lib/strnum.c tests/unit/xss-check.c
 * fuzz-libs: -lgumbo
 *
 * The first input byte chooses the options; the rest is the HTML:
 *
 *   bit 0  allow remote images
 *   bit 1  one pass only (no stabilising re-parse)
 *   bit 2  small limits: max_output 200, max_depth 4, max_input 300
 *   bit 3  map cid: sources to https://webmail.example/part?cid=...
 *
 * Every output must be UTF-8, pass xss_check() (re-parsed, judged by
 * the test suite's independent allow-list) and respect max_output.
 * Outputs of the default (stabilised) mode without cid mapping must also
 * be fixpoints (sanitizing them again changes nothing) and re-parse into
 * the tree they describe (xss_roundtrip()). The call must not fail: no
 * limit that makes it fail (memory, CPU, stability) can be reached by an
 * input of fuzz size. A violation aborts, so libFuzzer reports the
 * input. One pool per input, destroyed before returning, so LeakSanitizer
 * sees every allocation.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html-sanitize.h"
#include "pool.h"
#include "xss-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - abort with a note when an invariant does not hold */
static void check(bool ok, const char *what, const struct buf *out)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz-html-sanitize: %s\noutput: %.*s\n", what,
		out != NULL ? (int)out->len : 0,
		out != NULL && out->data != NULL ? out->data : "");
	abort();
}

/* map_cid - a mapping that stays within the judge's rules */
static const char *map_cid(void *ctx, struct pool *pool, const char *cid)
{
	(void)ctx;
	if (strlen(cid) > 64)
		return NULL;
	return p_printf(pool, "https://webmail.example/part?cid=%s", cid);
}

/* LLVMFuzzerTestOneInput - sanitize one input and judge the output */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct html_sanitize_opts o;
	struct html_sanitize_result r;
	struct pool *pool;
	struct buf out, again;
	const char *error = NULL, *bad;
	uint8_t mode;
	int ret;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	memset(&o, 0, sizeof(o));
	o.allow_remote_images = (mode & 1) != 0;
	o.single_pass = (mode & 2) != 0;
	if ((mode & 4) != 0) {
		o.max_output = 200;
		o.max_depth = 4;
		o.max_input = 300;
	}
	if ((mode & 8) != 0)
		o.cid_url = map_cid;

	pool = pool_new("fuzz", 4096);
	buf_init(&out, 0);
	buf_init(&again, 0);
	ret = html_sanitize(pool, (const char *)data, size, &o, &out, &r,
			    &error);
	if (ret < 0) {
		fprintf(stderr, "fuzz-html-sanitize: failed: %s\n", error);
		check(false, "html_sanitize failed", NULL);
	}
	bad = xss_check(out.data != NULL ? out.data : "", out.len,
			o.allow_remote_images || o.cid_url != NULL);
	if (bad != NULL)
		fprintf(stderr, "fuzz-html-sanitize: %s\n", bad);
	check(bad == NULL, "unsafe output", &out);
	check(utf8_valid(out.data != NULL ? out.data : "", out.len),
	      "output is not UTF-8", &out);
	if (o.cid_url == NULL) {
		check(out.len <= (o.max_output != 0 ? o.max_output :
				  HTML_SANITIZE_MAX_OUTPUT),
		      "output over max_output", &out);
	}
	if (!o.single_pass && o.cid_url == NULL) {
		o.max_input = 0;
		ret = html_sanitize(pool, out.data != NULL ? out.data : "",
				    out.len, &o, &again, &r, &error);
		check(ret == 0, "second call failed", &out);
		check(again.len == out.len &&
		      (out.len == 0 ||
		       memcmp(again.data, out.data, out.len) == 0),
		      "not idempotent", &out);
		check(xss_roundtrip(out.data != NULL ? out.data : "",
				    out.len),
		      "output does not re-parse to its tree", &out);
	}
	buf_free(&out);
	buf_free(&again);
	pool_destroy(&pool);
	return 0;
}
