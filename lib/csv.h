#ifndef MH_CSV_H
#define MH_CSV_H
/*
 * csv.h - RFC 4180 comma-separated values: a reader for untrusted
 * uploads and a writer for exports.
 *
 * Reader: the whole input is given at once (an uploaded file). It may
 * start with a UTF-8 byte order mark (skipped); input that is not valid
 * UTF-8 is taken as UTF-16 when it starts with a UTF-16 byte order mark
 * and as GB18030 otherwise (the GBK of Chinese Outlook and Foxmail
 * exports), and converted. Records end in CRLF, LF or a lone CR; fields
 * may be quoted, with "" for a quote and line breaks inside (a CRLF
 * inside a quoted field becomes LF). Empty lines are skipped. Each record
 * knows the physical line it starts on, for "line N: ..." messages.
 *
 * csv_read() returns one record at a time: CSV_RECORD, CSV_END, or
 * CSV_BAD for a record that could not be read (its message in *error_r,
 * starting "line N: "); reading goes on with the next record after a bad
 * one, so the good records of a file with a bad row are kept. A bad
 * record is one with a field over max_field bytes, more than max_fields
 * fields, a NUL byte, or text after a closing quote. A quote left open
 * at the end, or more than max_records records, is a bad record after
 * which csv_read() returns CSV_END.
 *
 * Writer: fields are quoted only when they hold a comma, a quote, CR or
 * LF. With CSV_GUARD_FORMULA a field that a spreadsheet would take for a
 * formula (starting with = + - @, tab or CR, after any apostrophes) gets
 * an apostrophe in front; csv_unguard() takes it off again on import.
 *
 * SECURITY: nothing is allocated from a number in the input; fields are
 * copied with their length checked first, and the limits bound the
 * records, their fields and each field's bytes. Every field handed out is
 * valid UTF-8 without NUL bytes.
 */
#include <stdbool.h>
#include <stddef.h>

struct buf;
struct pool;

struct csv_limits {
	size_t max_field;	/* bytes of one field */
	size_t max_fields;	/* fields of one record */
	size_t max_records;	/* records of one input */
	size_t max_input;	/* bytes of the input after conversion */
};

/* defaults: 64 KiB fields, 256 fields, 100000 records, 64 MiB input */
extern const struct csv_limits csv_limits_default;

enum csv_status {
	CSV_BAD = -1,
	CSV_END = 0,
	CSV_RECORD = 1,
};

struct csv_record {
	unsigned int line;	/* physical line the record starts on */
	size_t count;		/* fields */
	const char **fields;	/* NUL-terminated UTF-8, pool memory */
	size_t *lens;
};

struct csv_reader;

/* csv_reader_new - a reader over data (copied or converted into pool
 * memory); limits NULL for the defaults. -1 with *error_r when the input
 * is neither UTF-8 nor convertible */
int csv_reader_new(struct pool *pool, const char *data, size_t len,
		   const struct csv_limits *limits,
		   struct csv_reader **reader_r, const char **error_r)
	__attribute__((warn_unused_result));
/* csv_reader_charset - "UTF-8", "UTF-16" or "GB18030": what the input
 * was read as */
const char *csv_reader_charset(const struct csv_reader *reader);
/* csv_read - the next record into *rec_r (valid until the pool goes) */
enum csv_status csv_read(struct csv_reader *reader, struct csv_record *rec_r,
			 const char **error_r);

enum csv_write_flags {
	CSV_GUARD_FORMULA = 1 << 0,
};

/* The writers append to a buffer without a maximum (buf_addf). */
/* csv_write_bom - the UTF-8 byte order mark spreadsheets look for */
void csv_write_bom(struct buf *out);
/* csv_write_field - one field, quoted when needed */
void csv_write_field(struct buf *out, const char *value, unsigned int flags);
/* csv_write_record - fields separated by commas, then CRLF */
void csv_write_record(struct buf *out, const char *const *fields, size_t n,
		      unsigned int flags);
/* csv_unguard - value without the apostrophe CSV_GUARD_FORMULA put in
 * front of a formula-like field */
const char *csv_unguard(const char *value);

#endif
