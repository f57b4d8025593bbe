#ifndef MH_POP3_PARSE_H
#define MH_POP3_PARSE_H
/*
 * pop3-parse.h - POP3 command lines (RFC 1939, 2449, 5034) and the
 * message text a POP3 server sends (CRLF lines, dot-stuffing, TOP).
 *
 * Both halves are pure: no I/O, no allocation, no state beyond what the
 * caller passes in, so they can be unit-tested and fuzzed on their own.
 *
 * pop3_cmd_parse() splits one command line into a keyword and arguments:
 *   - the keyword is 3 or 4 ASCII letters, case-insensitive;
 *   - arguments are separated by spaces (a run of spaces counts as one,
 *     trailing spaces are ignored), except for PASS, whose argument is
 *     everything after the first space, spaces included (RFC 1939 7);
 *   - message numbers and the TOP line count are decimal, at most
 *     UINT32_MAX (larger is POP3_PARSE_BAD_NUMBER, never wrapped);
 *   - the RFC 2449 limit of 40 octets per argument is not enforced:
 *     login names, passwords and SASL initial responses are often longer,
 *     and the whole line is capped anyway.
 *
 * pop3_stuff() turns stored message bytes (CRLF, bare LF or bare CR line
 * ends, as they come) into what RETR and TOP send: every line end becomes
 * CRLF, a line starting with "." gets one more, and for TOP the output
 * stops after the header, the blank line and the requested number of body
 * lines. It works on chunks of any size, so a message is streamed.
 *
 * SECURITY: the command line is untrusted network input given as (data,
 * len); nothing is read past len, nothing needs a NUL terminator, and the
 * result is copied into the fixed-size struct pop3_cmd (no allocation
 * sized by the peer). Octets below 0x20 and 0x7f anywhere in the line are
 * refused. Fuzzed by tests/fuzz/fuzz-pop3-cmd.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* a command line, CRLF included (RFC 2449 4); the text without CRLF may
 * thus be POP3_LINE_MAX - 2 octets */
#define POP3_LINE_MAX		255
#define POP3_CMD_TEXT_MAX	(POP3_LINE_MAX - 2)
/* a SASL response line of the AUTH exchange (RFC 5034 4 lets these be
 * longer than a command line) */
#define POP3_SASL_LINE_MAX	4096
#define POP3_MAX_ARGS		2

enum pop3_cmd_id {
	POP3_CMD_UNKNOWN = 0,
	POP3_CMD_USER,
	POP3_CMD_PASS,
	POP3_CMD_APOP,		/* recognised, never offered */
	POP3_CMD_AUTH,
	POP3_CMD_STLS,
	POP3_CMD_CAPA,
	POP3_CMD_QUIT,
	POP3_CMD_STAT,
	POP3_CMD_LIST,
	POP3_CMD_RETR,
	POP3_CMD_DELE,
	POP3_CMD_NOOP,
	POP3_CMD_RSET,
	POP3_CMD_TOP,
	POP3_CMD_UIDL,
};

enum pop3_parse_status {
	POP3_PARSE_OK = 0,
	POP3_PARSE_EMPTY,	/* nothing on the line */
	POP3_PARSE_BAD_OCTET,	/* NUL, another control octet or DEL */
	POP3_PARSE_TOO_LONG,	/* over POP3_CMD_TEXT_MAX */
	POP3_PARSE_UNKNOWN,	/* not a keyword we know */
	POP3_PARSE_MISSING_ARG,
	POP3_PARSE_EXTRA_ARG,
	POP3_PARSE_BAD_NUMBER,	/* not decimal digits, or over UINT32_MAX */
};

/*
 * One parsed line. id is set as soon as the keyword is known, also when
 * the arguments are wrong, so the server can name the command it
 * refuses. args[] point into text (NUL-terminated); for numeric commands
 * num[] holds their values. Nothing points into the caller's line.
 */
struct pop3_cmd {
	enum pop3_cmd_id id;
	enum pop3_parse_status status;
	unsigned int nargs;
	const char *args[POP3_MAX_ARGS];
	uint32_t num[POP3_MAX_ARGS];
	char text[POP3_CMD_TEXT_MAX + 1];
};

/* pop3_cmd_parse - parse one line without its CRLF: 0 ok, -1 with
 * cmd_r->status telling why (cmd_r->id is set when the keyword was
 * known) */
int pop3_cmd_parse(const char *line, size_t len, struct pop3_cmd *cmd_r)
	__attribute__((warn_unused_result));

/* pop3_cmd_name - upper-case keyword ("UNKNOWN" for POP3_CMD_UNKNOWN) */
const char *pop3_cmd_name(enum pop3_cmd_id id);

/* pop3_parse_error_text - the text of the -ERR reply for a refused line
 * (without "-ERR "), e.g. "Unknown command" */
const char *pop3_parse_error_text(enum pop3_parse_status status);

/* ==== message text ==================================================== */

/* pop3_stuff() writes at most this much per input octet (a pending CR
 * followed by "." at a line start: CR LF "." "."), and needs at least
 * this much room to make progress */
#define POP3_STUFF_ROOM_MIN	4
/* pop3_stuff_end() writes at most this much: CR LF "." CR LF */
#define POP3_STUFF_END_MAX	5

struct pop3_stuffer {
	bool bol;		/* at the start of an output line */
	bool cr;		/* a CR was read, its line end not written */
	bool top;		/* TOP: header plus top_lines body lines */
	bool in_body;		/* TOP: the blank line has been passed */
	bool done;		/* TOP: enough was sent; the rest is skipped */
	uint64_t lines_left;	/* TOP: body lines still to send */
	uint64_t in_octets;	/* consumed so far */
	uint64_t out_octets;	/* written so far (pop3_stuff_end too) */
};

/* pop3_stuffer_init - for RETR (top false) or TOP with body_lines */
void pop3_stuffer_init(struct pop3_stuffer *st, bool top,
		       uint64_t body_lines);

/*
 * pop3_stuff - convert up to len octets of in into out (outsize octets of
 * room). Returns the octets written; *used_r receives the octets of in
 * consumed. Progress is guaranteed while outsize >= POP3_STUFF_ROOM_MIN
 * and len > 0: at least one octet is consumed. A CR, an LF and a CR LF
 * pair each end a line (written as CR LF), also when the pair is split
 * between two calls. Once a TOP has sent what was asked for, every later
 * octet is consumed and nothing is written.
 */
size_t pop3_stuff(struct pop3_stuffer *st, const char *in, size_t len,
		  size_t *used_r, char *out, size_t outsize);

/* pop3_stuff_end - after the last octet: end an unterminated last line
 * with CR LF and write the ".CRLF" terminator; returns the octets written
 * (at most POP3_STUFF_END_MAX) */
size_t pop3_stuff_end(struct pop3_stuffer *st, char *out);

/* pop3_stuffer_done - a TOP has sent all it should: stop reading */
bool pop3_stuffer_done(const struct pop3_stuffer *st);

#endif
