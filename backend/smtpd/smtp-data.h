#ifndef MH_SMTP_DATA_H
#define MH_SMTP_DATA_H
/*
 * smtp-data.h - incremental reader for the SMTP DATA phase (RFC 5321
 * section 4.1.1.4 and 4.5.2): finds the end of data, removes dot-stuffing
 * and streams the message to a sink callback.
 *
 * SECURITY: the input is untrusted and arrives in arbitrary chunks. Only
 * CR LF "." CR LF ends the data (the DATA phase starts at a line start, so
 * a first line of "." also ends it). Bare CR, bare LF and NUL never end a
 * line or the data, and make the message fail: this is what stops SMTP
 * smuggling (CVE-2023-51764 and relatives). Nothing is allocated; the
 * reader keeps a few counters and calls the sink.
 *
 * Errors are reported only once the real end of data has been read, so
 * the server stays in sync with the client: until then smtp_data_feed()
 * returns SMTP_DATA_MORE. After the first error nothing more is passed to
 * the sink (the message must not be stored), but the reader goes on
 * consuming. The status names the FIRST error in input order.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

#define SMTP_DATA_MAX_LINE_DEFAULT	1000	/* octets incl. CRLF */

enum smtp_data_status {
	SMTP_DATA_MORE = 0,	/* end not seen yet; all input consumed */
	SMTP_DATA_DONE,		/* end seen, message good (250 after commit) */
	SMTP_DATA_LINE_TOO_LONG, /* 550 5.6.0 (RFC 5321 4.5.3.1.6) */
	SMTP_DATA_BARE_LF,	/* 554 5.6.0: never store */
	SMTP_DATA_BARE_CR,	/* 554 5.6.0: never store */
	SMTP_DATA_NUL,		/* 554 5.6.0: never store */
	SMTP_DATA_TOO_BIG,	/* 552 5.3.4 */
	SMTP_DATA_SINK_FAILED,	/* 451 4.3.0: the sink returned -1 */
};

/* smtp_data_sink_fn - take len octets of the message; 0 ok, -1 error */
typedef int smtp_data_sink_fn(void *ctx, const char *data, size_t len);

struct smtp_data_limits {
	size_t max_line;	/* 0 = SMTP_DATA_MAX_LINE_DEFAULT; else >= 3 */
	uint64_t max_size;	/* message octets after unstuffing, from the
				   configuration (not from SIZE=); 0 = none */
};

/* Reader state. Allocate it anywhere; the fields are private. */
struct smtp_data_reader {
	smtp_data_sink_fn *sink;
	void *sink_ctx;
	size_t max_content;	/* max_line - 2 */
	uint64_t max_size;
	uint64_t sunk;		/* octets given to the sink */
	uint64_t octets;	/* message octets seen, errors or not */
	size_t line_len;	/* content octets in the current line */
	unsigned int state;
	enum smtp_data_status error;	/* first error, or SMTP_DATA_MORE */
};

/* smtp_data_init - start reading at the first line of the message */
void smtp_data_init(struct smtp_data_reader *r,
		    const struct smtp_data_limits *limits,
		    smtp_data_sink_fn *sink, void *sink_ctx);

/*
 * smtp_data_feed - consume octets. Returns SMTP_DATA_MORE when all of in
 * was consumed without reaching the end; otherwise the end was read and
 * *consumed_r counts the octets up to and including its final LF: the
 * rest of in is the next (pipelined) command. The final status is
 * SMTP_DATA_DONE or the first error. Feeding after the end returns the
 * same final status again and consumes nothing. The sink sees the message
 * with CRLF line ends and the stuffing dots removed, without the final
 * ".\r\n"; how the input is split into calls does not change what the
 * sink sees or the status.
 */
enum smtp_data_status smtp_data_feed(struct smtp_data_reader *r,
				     const char *in, size_t len,
				     size_t *consumed_r);

/* smtp_data_error - the first error so far (SMTP_DATA_MORE for none) */
enum smtp_data_status smtp_data_error(const struct smtp_data_reader *r);

/* smtp_data_octets - message octets seen so far (after unstuffing),
 * including those not passed to the sink after an error */
uint64_t smtp_data_octets(const struct smtp_data_reader *r);

/* smtp_data_status_reply - suggested reply line (without CRLF) */
const char *smtp_data_status_reply(enum smtp_data_status status);

/* smtp_data_sink_buf - a sink appending to the struct buf in ctx; fails
 * when the buffer's max would be passed */
int smtp_data_sink_buf(void *ctx, const char *data, size_t len);

#endif
