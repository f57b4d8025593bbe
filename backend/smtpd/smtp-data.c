/*
 * smtp-data.c - incremental reader for the SMTP DATA phase.
 *
 * After "354" the server feeds whatever the socket returns to
 * smtp_data_feed(), chunk by chunk. The reader finds the end of data,
 * removes the dot-stuffing (RFC 5321 4.5.2: a line's leading "." is
 * dropped), streams the message text to a sink callback (normally the
 * blob writer, so the message is never held in memory), and reports what
 * was wrong with it only once the end has been read.
 *
 * One state per octet position; a chunk may end anywhere, so what is held
 * back between calls is part of the state: a "." at the start of a line
 * (stuffing, or the end) and ".\r" (the end if LF follows). A CR in the
 * middle of a line is passed on at once: it is message text either way,
 * as a line end with the LF, or as a bare CR that fails the message.
 *
 *   state   octet  what happens                                next
 *   BOL     "."    hold the dot back                           DOT
 *   BOL     CR     (start of the line end)                     CR
 *   BOL     other  text; LF is BARE_LF, NUL is NUL             TEXT
 *   DOT     CR     hold ".\r" back                             DOT_CR
 *   DOT     other  drop the dot (stuffing); octet as in TEXT   TEXT/CR
 *   DOT_CR  LF     end of data                                 END
 *   DOT_CR  other  drop the dot; the CR is text: BARE_CR;      TEXT/CR
 *                  octet as in TEXT
 *   TEXT    CR     (start of the line end)                     CR
 *   TEXT    other  text; LF is BARE_LF, NUL is NUL             TEXT
 *   CR      LF     line end                                    BOL
 *   CR      other  the CR was bare: BARE_CR; octet as in TEXT  TEXT/CR
 *
 * smtp_data_feed() performs every transition. Only CR LF moves to BOL,
 * and only BOL "." CR LF moves to END, so every SMTP smuggling variant
 * ("\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n", "\r\n\0.\r\n", ...) stays
 * inside the message and, since it holds a bare CR, bare LF or NUL, makes
 * the message fail after the real end.
 *
 * Output and status do not depend on how the input is split: text is
 * passed on in runs, and before an error is recorded at input position p
 * every octet before p has been passed on, so the size limit (checked as
 * octets reach the sink) and the octet-level checks are ordered by
 * position. The line limit counts content octets without the stuffing
 * dot and without the CRLF (RFC 5321 4.5.3.1.6: 1000 octets with CRLF).
 *
 * SECURITY: input is untrusted; nothing is allocated and nothing is
 * buffered beyond the two held-back octets. After an error no more text
 * goes to the sink (TOO_BIG: exactly max_size octets went), yet the reader
 * consumes until the end so the next command is read in sync. A peer that
 * never sends the end is the server's problem (timeouts), not this one's.
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "log.h"

#include "smtp-data.h"

enum data_state {
	DS_BOL,		/* at the start of a line */
	DS_TEXT,	/* inside a line */
	DS_CR,		/* after a CR inside a line (already passed on) */
	DS_DOT,		/* after a line-leading "." (held back) */
	DS_DOT_CR,	/* after a line-leading ".\r" (held back) */
	DS_END,		/* the end of data was read */
};

/* smtp_data_init - start at a line beginning */
void smtp_data_init(struct smtp_data_reader *r,
		    const struct smtp_data_limits *limits,
		    smtp_data_sink_fn *sink, void *sink_ctx)
{
	size_t max_line = limits != NULL ? limits->max_line : 0;

	if (max_line == 0)
		max_line = SMTP_DATA_MAX_LINE_DEFAULT;
	ASSERT(max_line >= 3);
	ASSERT(sink != NULL);
	memset(r, 0, sizeof(*r));
	r->sink = sink;
	r->sink_ctx = sink_ctx;
	r->max_content = max_line - 2;
	r->max_size = limits != NULL ? limits->max_size : 0;
	r->state = DS_BOL;
	r->error = SMTP_DATA_MORE;
}

/* set_error - remember the first error only */
static void set_error(struct smtp_data_reader *r, enum smtp_data_status e)
{
	if (r->error == SMTP_DATA_MORE)
		r->error = e;
}

/* emit - pass message text to the sink unless an error came first */
static void emit(struct smtp_data_reader *r, const char *data, size_t len)
{
	size_t room;

	r->octets += len;
	if (len == 0 || r->error != SMTP_DATA_MORE)
		return;
	if (r->max_size != 0 && len > r->max_size - r->sunk) {
		/* pass exactly up to the limit, whatever the chunking */
		room = (size_t)(r->max_size - r->sunk);
		if (room > 0 && r->sink(r->sink_ctx, data, room) < 0) {
			set_error(r, SMTP_DATA_SINK_FAILED);
			return;
		}
		r->sunk += room;
		set_error(r, SMTP_DATA_TOO_BIG);
		return;
	}
	if (r->sink(r->sink_ctx, data, len) < 0) {
		set_error(r, SMTP_DATA_SINK_FAILED);
		return;
	}
	r->sunk += len;
}

/* flush - pass on in[*run .. end) and start the next run at end */
static void flush(struct smtp_data_reader *r, const char *in, size_t *run,
		  size_t end)
{
	if (end > *run)
		emit(r, in + *run, end - *run);
	*run = end;
}

/* content - one more content octet at in[i] (or a held-back CR) */
static void content(struct smtp_data_reader *r, const char *in, size_t *run,
		    size_t i)
{
	if (r->line_len < r->max_content) {
		r->line_len++;
	} else if (r->line_len == r->max_content) {
		r->line_len++;	/* count no further */
		flush(r, in, run, i);
		set_error(r, SMTP_DATA_LINE_TOO_LONG);
	}
}

/* final_status - what the end of data means for this message */
static enum smtp_data_status final_status(const struct smtp_data_reader *r)
{
	return r->error != SMTP_DATA_MORE ? r->error : SMTP_DATA_DONE;
}

/* smtp_data_feed - consume input up to the end of data */
enum smtp_data_status smtp_data_feed(struct smtp_data_reader *r,
				     const char *in, size_t len,
				     size_t *consumed_r)
{
	size_t i = 0, run = 0;
	unsigned char c;

	if (r->state == DS_END) {
		*consumed_r = 0;
		return final_status(r);
	}
	while (i < len) {
		c = (unsigned char)in[i];
		switch (r->state) {
		case DS_BOL:
			if (c == '.') {
				flush(r, in, &run, i);
				run = i + 1;	/* held back */
				r->state = DS_DOT;
				i++;
				continue;
			}
			break;
		case DS_DOT:
			if (c == '\r') {
				run = i + 1;	/* held back: the end? */
				r->state = DS_DOT_CR;
				i++;
				continue;
			}
			break;	/* the dot was stuffing; c is text */
		case DS_DOT_CR:
			if (c == '\n') {
				r->state = DS_END;
				*consumed_r = i + 1;
				return final_status(r);
			}
			/* "." CR then no LF: the dot was stuffing, the CR is
			 * text, and bare (run == i here) */
			emit(r, "\r", 1);
			set_error(r, SMTP_DATA_BARE_CR);
			content(r, in, &run, i);
			break;
		case DS_CR:
			if (c == '\n') {
				r->state = DS_BOL;
				r->line_len = 0;
				i++;
				continue;
			}
			flush(r, in, &run, i);	/* through the bare CR */
			set_error(r, SMTP_DATA_BARE_CR);
			content(r, in, &run, i);
			break;
		case DS_TEXT:
			/* fast path through ordinary octets; it stops at the
			 * one that makes the line too long */
			while (c != '\r' && c != '\n' && c != '\0' &&
			       r->line_len != r->max_content) {
				if (r->line_len < r->max_content)
					r->line_len++;
				if (++i == len)
					break;
				c = (unsigned char)in[i];
			}
			if (i == len)
				continue;
			break;
		}

		/* c is at in[i], inside a line */
		if (c == '\r') {
			r->state = DS_CR;
			i++;
			continue;
		}
		r->state = DS_TEXT;
		if (c == '\n' || c == '\0') {
			flush(r, in, &run, i);
			set_error(r, c == '\n' ? SMTP_DATA_BARE_LF :
				  SMTP_DATA_NUL);
		}
		content(r, in, &run, i);
		i++;
	}
	flush(r, in, &run, len);
	*consumed_r = len;
	return SMTP_DATA_MORE;
}

/* smtp_data_error - first error so far */
enum smtp_data_status smtp_data_error(const struct smtp_data_reader *r)
{
	return r->error;
}

/* smtp_data_octets - message octets seen so far */
uint64_t smtp_data_octets(const struct smtp_data_reader *r)
{
	return r->octets;
}

/* smtp_data_status_reply - the reply we suggest after the end of data */
const char *smtp_data_status_reply(enum smtp_data_status status)
{
	switch (status) {
	case SMTP_DATA_DONE:
		return "250 2.0.0 Ok";
	case SMTP_DATA_LINE_TOO_LONG:
		return "550 5.6.0 Line too long (limit is 1000 octets)";
	case SMTP_DATA_BARE_LF:
		return "554 5.6.0 Bare LF in message";
	case SMTP_DATA_BARE_CR:
		return "554 5.6.0 Bare CR in message";
	case SMTP_DATA_NUL:
		return "554 5.6.0 NUL octet in message";
	case SMTP_DATA_TOO_BIG:
		return "552 5.3.4 Message size exceeds fixed limit";
	case SMTP_DATA_SINK_FAILED:
	case SMTP_DATA_MORE:
		break;
	}
	return "451 4.3.0 Local error in processing";
}

/* smtp_data_sink_buf - sink into a struct buf */
int smtp_data_sink_buf(void *ctx, const char *data, size_t len)
{
	return buf_append(ctx, data, len);
}
