/*
 * fuzz-csv.c - libFuzzer target for the CSV reader and writer in
 * lib/csv.c.
 *
 * fuzz-sources: lib/csv.c lib/charset.c lib/pool.c lib/buf.c lib/log.c lib/strnum.c
 *
 * The first input byte chooses the limits (bit 0: small ones, easy to
 * hit); the rest is the file. Every record is checked against the
 * contract in csv.h (limits held, UTF-8 without NUL, lengths agree, line
 * numbers never go back, a bad record's message names its line); then
 * the good records are written with and without the formula guard and
 * read back, and must come back the same. One pool per input, destroyed
 * before returning, so LeakSanitizer sees every allocation.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct csv_limits small_limits = {
	.max_field = 16,
	.max_fields = 4,
	.max_records = 8,
	.max_input = 4096,
};

/* check - abort when a contract invariant does not hold */
static void check(bool ok)
{
	if (!ok)
		abort();
}

/* round_trip - write rec and read it back: the same fields */
static void round_trip(struct pool *pool, const struct csv_record *rec,
		       unsigned int flags)
{
	struct buf *out = buf_new_pool(pool, 0);
	struct csv_reader *r;
	struct csv_record back;
	const char *error = NULL;

	/* with the mark, a field that starts with one keeps it */
	csv_write_bom(out);
	csv_write_record(out, rec->fields, rec->count, flags);
	check(csv_reader_new(pool, out->data, out->len, NULL, &r,
			     &error) == 0);
	/* a record of one empty field is an empty line: skipped */
	if (rec->count == 1 && rec->lens[0] == 0) {
		check(csv_read(r, &back, &error) == CSV_END);
		return;
	}
	check(csv_read(r, &back, &error) == CSV_RECORD);
	check(back.count == rec->count);
	for (size_t i = 0; i < rec->count; i++) {
		const char *v = (flags & CSV_GUARD_FORMULA) != 0 ?
			csv_unguard(back.fields[i]) : back.fields[i];
		const char *want = rec->fields[i];
		struct buf *norm = buf_new_pool(pool, 0);

		/* CR inside a field comes back as LF (CRLF as one LF) */
		for (const char *p = want; *p != '\0'; p++) {
			if (*p == '\r' && p[1] == '\n')
				continue;
			buf_addc(norm, *p == '\r' ? '\n' : *p);
		}
		check(strcmp(v, norm->data != NULL ? norm->data : "") == 0);
	}
	check(csv_read(r, &back, &error) == CSV_END);
}

/* LLVMFuzzerTestOneInput - read one input and check every record */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct csv_limits *l;
	struct csv_reader *r;
	struct csv_record rec;
	struct pool *pool;
	const char *error = NULL;
	unsigned int last = 0;
	enum csv_status st;
	size_t n = 0;

	if (size < 1)
		return 0;
	l = (data[0] & 1) != 0 ? &small_limits : &csv_limits_default;
	pool = pool_new("fuzz", 4096);
	if (csv_reader_new(pool, (const char *)data + 1, size - 1, l, &r,
			   &error) < 0) {
		check(error != NULL);
		pool_destroy(&pool);
		return 0;
	}
	while ((st = csv_read(r, &rec, &error)) != CSV_END) {
		check(++n <= l->max_records + 1);
		if (st == CSV_BAD) {
			check(error != NULL && strncmp(error, "line ", 5) == 0);
			continue;
		}
		check(rec.line >= last && rec.line >= 1);
		last = rec.line;
		check(rec.count >= 1 && rec.count <= l->max_fields);
		for (size_t i = 0; i < rec.count; i++) {
			check(rec.lens[i] <= l->max_field);
			check(strlen(rec.fields[i]) == rec.lens[i]);
			check(utf8_valid(rec.fields[i], rec.lens[i]));
		}
		round_trip(pool, &rec, 0);
		round_trip(pool, &rec, CSV_GUARD_FORMULA);
	}
	pool_destroy(&pool);
	return 0;
}
