/*
 * csv.c - read and write RFC 4180 CSV (see csv.h for the contract).
 *
 * The reader walks the input once with an index; a record is scanned to
 * its end even after something in it was found bad, so that quoting
 * keeps the reader in step and the next record starts where it should.
 * What a bad record held is dropped; its first problem is reported.
 *
 *   record  = field *("," field) (CRLF | LF | CR | end)
 *   field   = quoted | *(any but , CR LF)
 *   quoted  = '"' *(any but '"' | '""') '"'
 *
 * A quote inside an unquoted field is kept as it is (what spreadsheets
 * do); text between a closing quote and the next comma or line end makes
 * the record bad.
 *
 * SECURITY: untrusted input. Fields grow in a buffer whose maximum is
 * max_field; the field array grows by doubling up to max_fields; the
 * record count is checked before a record is read.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "csv.h"
#include "pool.h"

const struct csv_limits csv_limits_default = {
	.max_field = 64 * 1024,
	.max_fields = 256,
	.max_records = 100000,
	.max_input = 64 * 1024 * 1024,
};

struct csv_reader {
	struct pool *pool;
	const char *data;
	size_t len, pos;
	unsigned int line;		/* of data[pos] */
	size_t records;
	bool done;
	const char *charset;
	struct csv_limits limits;
	struct buf *field;
};

int csv_reader_new(struct pool *pool, const char *data, size_t len,
		   const struct csv_limits *limits,
		   struct csv_reader **reader_r, const char **error_r)
{
	struct csv_reader *r = p_new(pool, struct csv_reader, 1);
	const struct csv_limits *l = limits != NULL ? limits :
		&csv_limits_default;
	const char *charset = "UTF-8";
	char *text;
	size_t text_len;

	if (len > l->max_input) {
		*error_r = "file too large";
		return -1;
	}
	if (utf8_valid(data, len)) {
		text = p_strndup(pool, data, len);
		text_len = len;
	} else {
		charset = len >= 2 && ((data[0] == '\xff' && data[1] == '\xfe') ||
				       (data[0] == '\xfe' && data[1] == '\xff')) ?
			"UTF-16" : "GB18030";
		if (charset_to_utf8(pool, charset, data, len, l->max_input,
				    &text, &text_len, error_r) < 0) {
			*error_r = "the file is neither UTF-8 nor GB18030 text";
			return -1;
		}
	}
	if (text_len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		text_len -= 3;
	}
	r->pool = pool;
	r->data = text;
	r->len = text_len;
	r->line = 1;
	r->charset = charset;
	r->limits = *l;
	r->field = buf_new_pool(pool, l->max_field);
	*reader_r = r;
	return 0;
}

const char *csv_reader_charset(const struct csv_reader *reader)
{
	return reader->charset;
}

/* line_end - length of the line end at pos (CRLF 2, LF or CR 1), or 0 */
static size_t line_end(const struct csv_reader *r, size_t pos)
{
	if (pos >= r->len)
		return 0;
	if (r->data[pos] == '\n')
		return 1;
	if (r->data[pos] == '\r')
		return pos + 1 < r->len && r->data[pos + 1] == '\n' ? 2 : 1;
	return 0;
}

/* fail - remember the first problem of the record */
static void fail(const char **problem, const char *what)
{
	if (*problem == NULL)
		*problem = what;
}

/* add - bytes to the current field, unless it is full */
static void add(struct csv_reader *r, const char *p, size_t n,
		const char **problem)
{
	if (memchr(p, '\0', n) != NULL)
		fail(problem, "NUL byte in a field");
	else if (*problem == NULL && buf_append(r->field, p, n) < 0)
		fail(problem, "field too long");
}

/* scan_field - one field from r->pos into r->field; stops at the comma
 * or line end that follows it (not consumed) */
static void scan_field(struct csv_reader *r, const char **problem)
{
	const char *d = r->data;
	size_t start;

	buf_reset(r->field);
	if (r->pos < r->len && d[r->pos] == '"') {
		r->pos++;
		for (;;) {
			size_t n;

			start = r->pos;
			while (r->pos < r->len && d[r->pos] != '"' &&
			       d[r->pos] != '\r' && d[r->pos] != '\n')
				r->pos++;
			add(r, d + start, r->pos - start, problem);
			if (r->pos >= r->len) {
				fail(problem, "quote not closed");
				r->done = true;
				return;
			}
			if (d[r->pos] == '"') {
				if (r->pos + 1 < r->len &&
				    d[r->pos + 1] == '"') {
					add(r, "\"", 1, problem);
					r->pos += 2;
					continue;
				}
				r->pos++;
				break;
			}
			/* a line break inside the quotes: kept as LF */
			n = line_end(r, r->pos);
			add(r, "\n", 1, problem);
			r->pos += n;
			r->line++;
		}
		if (r->pos < r->len && d[r->pos] != ',' &&
		    line_end(r, r->pos) == 0)
			fail(problem, "text after a closing quote");
	}
	/* unquoted (or what follows a bad closing quote) */
	start = r->pos;
	while (r->pos < r->len && d[r->pos] != ',' && d[r->pos] != '\r' &&
	       d[r->pos] != '\n')
		r->pos++;
	add(r, d + start, r->pos - start, problem);
}

enum csv_status csv_read(struct csv_reader *r, struct csv_record *rec_r,
			 const char **error_r)
{
	const char *problem = NULL;
	size_t cap = 0, count = 0, n;
	const char **fields = NULL;
	size_t *lens = NULL;
	unsigned int line;

	/* empty lines are not records */
	while (!r->done && (n = line_end(r, r->pos)) > 0) {
		r->pos += n;
		r->line++;
	}
	if (r->done || r->pos >= r->len)
		return CSV_END;
	line = r->line;
	if (r->records >= r->limits.max_records) {
		r->done = true;
		*error_r = p_printf(r->pool, "line %u: more than %zu records",
				    line, r->limits.max_records);
		return CSV_BAD;
	}
	r->records++;
	for (;;) {
		scan_field(r, &problem);
		if (count >= r->limits.max_fields) {
			fail(&problem, "too many fields");
		} else if (problem == NULL) {
			if (count == cap) {
				size_t ncap = cap == 0 ? 8 : cap * 2;

				if (ncap > r->limits.max_fields)
					ncap = r->limits.max_fields;
				fields = p_realloc(r->pool, fields,
						   cap * sizeof(*fields),
						   ncap * sizeof(*fields));
				lens = p_realloc(r->pool, lens,
						 cap * sizeof(*lens),
						 ncap * sizeof(*lens));
				cap = ncap;
			}
			fields[count] = r->field->data != NULL ?
				p_strndup(r->pool, r->field->data,
					  r->field->len) : "";
			lens[count] = r->field->len;
			count++;
		}
		if (r->done || r->pos >= r->len)
			break;
		if (r->data[r->pos] == ',') {
			r->pos++;
			continue;
		}
		r->pos += line_end(r, r->pos);
		r->line++;
		break;
	}
	if (problem != NULL) {
		*error_r = p_printf(r->pool, "line %u: %s", line, problem);
		return CSV_BAD;
	}
	rec_r->line = line;
	rec_r->count = count;
	rec_r->fields = fields;
	rec_r->lens = lens;
	return CSV_RECORD;
}

/* ==== writer ============================================================ */

void csv_write_bom(struct buf *out)
{
	buf_adds(out, "\xef\xbb\xbf");
}

/* formula_like - a spreadsheet would evaluate it, once the apostrophes
 * in front are gone (so that a value that already looks guarded gets one
 * more, and csv_unguard() gives back exactly what was written) */
static bool formula_like(const char *s)
{
	while (*s == '\'')
		s++;
	return *s != '\0' && strchr("=+-@\t\r", *s) != NULL;
}

void csv_write_field(struct buf *out, const char *value, unsigned int flags)
{
	bool guard = (flags & CSV_GUARD_FORMULA) != 0 && formula_like(value);

	if (strpbrk(value, ",\"\r\n") == NULL) {
		if (guard)
			buf_addc(out, '\'');
		buf_adds(out, value);
		return;
	}
	buf_addc(out, '"');
	if (guard)
		buf_addc(out, '\'');
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '"')
			buf_addc(out, '"');
		buf_addc(out, *p);
	}
	buf_addc(out, '"');
}

void csv_write_record(struct buf *out, const char *const *fields, size_t n,
		      unsigned int flags)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(out, ',');
		csv_write_field(out, fields[i] != NULL ? fields[i] : "",
				flags);
	}
	buf_adds(out, "\r\n");
}

const char *csv_unguard(const char *value)
{
	if (value[0] == '\'' && formula_like(value))
		return value + 1;
	return value;
}
