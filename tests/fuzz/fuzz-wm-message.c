/*
 * fuzz-wm-message.c - libFuzzer target for webmail/message.c: a hostile
 * message parsed for the reading view (GMime underneath), its text shown
 * as HTML, and bytes in a declared or guessed charset made UTF-8.
 *
 * fuzz-sources: webmail/message.c lib/pool.c lib/buf.c lib/log.c
 * fuzz-pkg: gmime-3.0 uchardet
 *
 * Checked beyond "no crash, no leak, no UB": every string the view shows
 * is valid UTF-8, parts are numbered 1..n with their sizes, and the
 * text-as-HTML holds no markup but the few tags wm_text_html writes (a
 * link's href never leaves its quotes). A violation aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "message.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const char *s)
{
	if (s != NULL && !g_utf8_validate(s, -1, NULL))
		abort();
}

/* check_markup - only our own tags, attribute values without quotes */
static void check_markup(const char *html)
{
	static const char *const allowed[] = {
		"<a href=\"", "</a>", "<details class=\"quoted\"><summary>",
		"</summary>", "</details>",
	};

	check_utf8(html);
	for (const char *p = strchr(html, '<'); p != NULL;
	     p = strchr(p, '<')) {
		bool ok = false;
		size_t skip = 1;

		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]);
		     i++) {
			if (strncmp(p, allowed[i], strlen(allowed[i])) != 0)
				continue;
			ok = true;
			skip = strlen(allowed[i]);
			if (i == 0) {
				/* href="..." then the fixed attributes */
				const char *end = strchr(p + 9, '"');

				if (end == NULL || strncmp(end, "\" target=\""
				    "_blank\" rel=\"noopener noreferrer\">",
				    44) != 0 || memchr(p + 9, '<',
				    (size_t)(end - p - 9)) != NULL)
					abort();
			}
		}
		if (!ok)
			abort();
		p += skip;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool = pool_new("fuzz-wm-message", 4096);
	const char *in = (const char *)data;
	struct wm_message msg;
	static const char *const charsets[] = {
		NULL, "utf-8", "gbk", "big5", "iso-2022-jp", "x-unknown",
	};

	if (wm_message_parse(pool, in, size, &msg) == 0) {
		check_utf8(msg.subject);
		check_utf8(msg.from);
		check_utf8(msg.to);
		check_utf8(msg.cc);
		check_utf8(msg.text);
		check_utf8(msg.html);
		for (unsigned int i = 0; i < msg.nparts; i++) {
			if (msg.parts[i].no != i + 1 ||
			    (msg.parts[i].size > 0 && msg.parts[i].data == NULL))
				abort();
			check_utf8(msg.parts[i].filename);
		}
		if (msg.text != NULL)
			check_markup(wm_text_html(pool, msg.text, "q<\"'&"));
	}
	check_utf8(wm_to_utf8(pool, in, size, charsets[size % 6]));
	{
		/* the raw bytes as text, made valid first */
		gchar *valid = g_utf8_make_valid(in, (gssize)size);

		check_markup(wm_text_html(pool, valid, "quoted"));
		g_free(valid);
	}
	pool_destroy(&pool);
	return 0;
}
