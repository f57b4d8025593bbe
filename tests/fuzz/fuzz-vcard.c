/*
 * fuzz-vcard.c - libFuzzer target for the vCard reader and writer in
 * lib/vcard.c.
 *
 * fuzz-sources: lib/vcard.c lib/charset.c lib/pool.c lib/buf.c lib/log.c lib/strnum.c
 *
 * The first input byte chooses the limits (bit 0: small ones, easy to
 * hit); the rest is the file. Every card is checked against the contract
 * in vcard.h (limits held, every string UTF-8 without NUL, line numbers
 * never go back, a bad card's message names its line); then each card is
 * written as vCard 4.0 (every physical line at most 75 octets and valid
 * UTF-8) and read back, and must come back the same. One pool per input,
 * destroyed before returning, so LeakSanitizer sees every allocation.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pool.h"
#include "vcard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct vcard_limits small_limits = {
	.max_cards = 4,
	.max_value = 24,
	.max_items = 2,
	.max_input = 4096,
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* text - a string the reader hands out */
static void text(const char *s, size_t max)
{
	size_t n = strlen(s);

	check(utf8_valid(s, n));
	check(n <= max);
}

/* same - a card read back equals the one written */
static void same(const struct vcard *a, const struct vcard *b)
{
	check(strcmp(a->name, b->name) == 0);
	check(a->n_emails == b->n_emails && a->n_phones == b->n_phones);
	for (size_t i = 0; i < a->n_emails; i++)
		check(strcmp(a->emails[i].value, b->emails[i].value) == 0);
	for (size_t i = 0; i < a->n_phones; i++)
		check(strcmp(a->phones[i].value, b->phones[i].value) == 0);
	check(strcmp(a->title, b->title) == 0);
	check(strcmp(a->notes, b->notes) == 0);
	check(strcmp(a->company, b->company) == 0);
}

/* round_trip - write c, check the lines, read it back */
static void round_trip(struct pool *pool, const struct vcard *c)
{
	struct buf *out = buf_new_pool(pool, 0);
	struct vcard_reader *r;
	struct vcard *back;
	const char *error = NULL, *p, *e;

	vcard_write(out, c);
	for (p = out->data; *p != '\0'; p = e + 2) {
		e = strstr(p, "\r\n");
		check(e != NULL && e - p <= 75);
		check(utf8_valid(p, (size_t)(e - p)));
	}
	check(vcard_reader_new(pool, out->data, out->len, NULL, &r,
			       &error) == 0);
	check(vcard_read(r, &back, &error) == VCARD_CARD);
	/* values come back trimmed; compare only what needs no trimming */
	if (c->title[0] != ' ' && c->notes[0] != ' ' && c->name[0] != ' ')
		same(c, back);
	check(vcard_read(r, &back, &error) == VCARD_END);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vcard_limits *l;
	struct vcard_reader *r;
	struct vcard *c;
	struct pool *pool;
	const char *error = NULL;
	unsigned int last = 0;
	enum vcard_status st;
	size_t n = 0;

	if (size < 1)
		return 0;
	l = (data[0] & 1) != 0 ? &small_limits : &vcard_limits_default;
	pool = pool_new("fuzz", 4096);
	if (vcard_reader_new(pool, (const char *)data + 1, size - 1, l, &r,
			     &error) < 0) {
		check(error != NULL);
		pool_destroy(&pool);
		return 0;
	}
	while ((st = vcard_read(r, &c, &error)) != VCARD_END) {
		check(++n <= size + 1);
		if (st == VCARD_BAD) {
			check(error != NULL && strncmp(error, "line ", 5) == 0);
			continue;
		}
		check(c->line >= last);
		last = c->line;
		check(c->n_emails <= l->max_items && c->n_phones <= l->max_items);
		text(c->name, 2 * l->max_value + 1);
		text(c->family, l->max_value);
		text(c->given, l->max_value);
		text(c->company, l->max_value);
		text(c->department, l->max_value);
		text(c->title, l->max_value);
		text(c->notes, l->max_value);
		for (size_t i = 0; i < c->n_emails; i++)
			text(c->emails[i].value, l->max_value);
		for (size_t i = 0; i < c->n_phones; i++)
			text(c->phones[i].value, l->max_value);
		round_trip(pool, c);
	}
	pool_destroy(&pool);
	return 0;
}
