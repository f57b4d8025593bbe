/*
 * pop3-parse.c - POP3 command lines and message text (see pop3-parse.h).
 *
 * The command table below states, per keyword, how many arguments it
 * takes and whether they are numbers; the parser applies it and nothing
 * else, so the server's dispatcher only sees well-formed commands and
 * decides what the state allows.
 *
 *   pop3_cmd_parse()     one line -> struct pop3_cmd (0 / -1)
 *   pop3_cmd_name()      keyword text for logs and replies
 *   pop3_parse_error_text()  reply text for a refused line
 *   pop3_stuffer_init(), pop3_stuff(), pop3_stuff_end(),
 *   pop3_stuffer_done()  the RETR / TOP output transformation
 *
 * SECURITY: untrusted input; every index is checked against len before
 * use and every copy against sizeof(cmd->text). The stuffer writes only
 * while POP3_STUFF_ROOM_MIN octets of room are left.
 */
#include "config.h"

#include <string.h>

#include "pop3-parse.h"

#define ARG_TEXT	0x00	/* plain token arguments */
#define ARG_NUMBERS	0x01	/* every argument is a number */
#define ARG_REST	0x02	/* one argument: the rest of the line */

struct cmd_def {
	const char *name;
	enum pop3_cmd_id id;
	unsigned int min_args;
	unsigned int max_args;
	unsigned int flags;
};

static const struct cmd_def cmd_table[] = {
	{ "USER", POP3_CMD_USER, 1, 1, ARG_TEXT },
	{ "PASS", POP3_CMD_PASS, 1, 1, ARG_REST },
	{ "APOP", POP3_CMD_APOP, 2, 2, ARG_TEXT },
	{ "AUTH", POP3_CMD_AUTH, 0, 2, ARG_TEXT },
	{ "STLS", POP3_CMD_STLS, 0, 0, ARG_TEXT },
	{ "CAPA", POP3_CMD_CAPA, 0, 0, ARG_TEXT },
	{ "QUIT", POP3_CMD_QUIT, 0, 0, ARG_TEXT },
	{ "STAT", POP3_CMD_STAT, 0, 0, ARG_TEXT },
	{ "LIST", POP3_CMD_LIST, 0, 1, ARG_NUMBERS },
	{ "RETR", POP3_CMD_RETR, 1, 1, ARG_NUMBERS },
	{ "DELE", POP3_CMD_DELE, 1, 1, ARG_NUMBERS },
	{ "NOOP", POP3_CMD_NOOP, 0, 0, ARG_TEXT },
	{ "RSET", POP3_CMD_RSET, 0, 0, ARG_TEXT },
	{ "TOP", POP3_CMD_TOP, 2, 2, ARG_NUMBERS },
	{ "UIDL", POP3_CMD_UIDL, 0, 1, ARG_NUMBERS },
};

#define N_CMDS (sizeof(cmd_table) / sizeof(cmd_table[0]))

/* ==== command lines =================================================== */

/* parse_u32 - strict decimal, leading zeros allowed; -1 on anything else
 * or a value over UINT32_MAX */
static int parse_u32(const char *s, uint32_t *num_r)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*num_r = (uint32_t)v;
	return 0;
}

/* find_cmd - the table row of a keyword (upper-case), or NULL */
static const struct cmd_def *find_cmd(const char *kw)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (strcmp(cmd_table[i].name, kw) == 0)
			return &cmd_table[i];
	return NULL;
}

/* fail - record why the line was refused */
static int fail(struct pop3_cmd *cmd, enum pop3_parse_status st)
{
	cmd->status = st;
	return -1;
}

int pop3_cmd_parse(const char *line, size_t len, struct pop3_cmd *cmd)
{
	const struct cmd_def *def;
	char kw[5];
	size_t i, kwlen;
	char *p;

	memset(cmd, 0, sizeof(*cmd));
	cmd->id = POP3_CMD_UNKNOWN;
	if (len == 0)
		return fail(cmd, POP3_PARSE_EMPTY);
	if (len > POP3_CMD_TEXT_MAX)
		return fail(cmd, POP3_PARSE_TOO_LONG);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			return fail(cmd, POP3_PARSE_BAD_OCTET);
	}

	/* keyword: 3 or 4 letters, then the end or a space */
	for (kwlen = 0; kwlen < len && line[kwlen] != ' '; kwlen++) {
		char c = line[kwlen];

		if (kwlen >= 4)
			return fail(cmd, POP3_PARSE_UNKNOWN);
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return fail(cmd, POP3_PARSE_UNKNOWN);
		kw[kwlen] = c;
	}
	if (kwlen < 3)
		return fail(cmd, POP3_PARSE_UNKNOWN);
	kw[kwlen] = '\0';
	def = find_cmd(kw);
	if (def == NULL)
		return fail(cmd, POP3_PARSE_UNKNOWN);
	cmd->id = def->id;

	/* the arguments, copied so that they can be NUL-separated */
	memcpy(cmd->text, line, len);
	cmd->text[len] = '\0';
	p = cmd->text + kwlen;

	if (def->flags & ARG_REST) {
		/* exactly one space, then everything (spaces included) */
		if (*p != ' ' || p[1] == '\0')
			return fail(cmd, POP3_PARSE_MISSING_ARG);
		cmd->args[0] = p + 1;
		cmd->nargs = 1;
		return 0;
	}
	for (;;) {
		while (*p == ' ')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (cmd->nargs >= def->max_args)
			return fail(cmd, POP3_PARSE_EXTRA_ARG);
		cmd->args[cmd->nargs++] = p;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	if (cmd->nargs < def->min_args)
		return fail(cmd, POP3_PARSE_MISSING_ARG);
	if (def->flags & ARG_NUMBERS) {
		for (i = 0; i < cmd->nargs; i++)
			if (parse_u32(cmd->args[i], &cmd->num[i]) < 0)
				return fail(cmd, POP3_PARSE_BAD_NUMBER);
	}
	return 0;
}

const char *pop3_cmd_name(enum pop3_cmd_id id)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (cmd_table[i].id == id)
			return cmd_table[i].name;
	return "UNKNOWN";
}

const char *pop3_parse_error_text(enum pop3_parse_status status)
{
	switch (status) {
	case POP3_PARSE_OK:
		return "No error";
	case POP3_PARSE_EMPTY:
		return "Empty command";
	case POP3_PARSE_BAD_OCTET:
		return "Control characters are not allowed in commands";
	case POP3_PARSE_TOO_LONG:
		return "Line too long";
	case POP3_PARSE_UNKNOWN:
		return "Unknown command";
	case POP3_PARSE_MISSING_ARG:
		return "Missing argument";
	case POP3_PARSE_EXTRA_ARG:
		return "Too many arguments";
	case POP3_PARSE_BAD_NUMBER:
		return "Invalid number";
	}
	return "Syntax error";
}

/* ==== message text ==================================================== */

void pop3_stuffer_init(struct pop3_stuffer *st, bool top,
		       uint64_t body_lines)
{
	memset(st, 0, sizeof(*st));
	st->bol = true;
	st->top = top;
	st->lines_left = body_lines;
}

/* line_end - a line end was written: count it for TOP */
static void line_end(struct pop3_stuffer *st)
{
	bool empty = st->bol;

	st->bol = true;
	if (!st->top)
		return;
	if (!st->in_body) {
		if (empty) {
			/* the blank line between header and body */
			st->in_body = true;
			if (st->lines_left == 0)
				st->done = true;
		}
		return;
	}
	if (--st->lines_left == 0)
		st->done = true;
}

size_t pop3_stuff(struct pop3_stuffer *st, const char *in, size_t len,
		  size_t *used_r, char *out, size_t outsize)
{
	size_t i = 0, o = 0;

	while (i < len && !st->done && outsize - o >= POP3_STUFF_ROOM_MIN) {
		char c = in[i];

		if (st->cr) {
			/* CR LF, or a bare CR: either way one line end */
			st->cr = false;
			out[o++] = '\r';
			out[o++] = '\n';
			line_end(st);
			if (c == '\n') {
				i++;
				continue;
			}
			if (st->done)
				break;
		}
		i++;
		if (c == '\r') {
			st->cr = true;
			continue;
		}
		if (c == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			line_end(st);
			continue;
		}
		if (st->bol && c == '.')
			out[o++] = '.';
		out[o++] = c;
		st->bol = false;
	}
	if (st->done)
		i = len;	/* TOP has what it wants: skip the rest */
	st->in_octets += i;
	st->out_octets += o;
	*used_r = i;
	return o;
}

size_t pop3_stuff_end(struct pop3_stuffer *st, char *out)
{
	size_t o = 0;

	if (st->cr) {
		st->cr = false;
		out[o++] = '\r';
		out[o++] = '\n';
		line_end(st);
	}
	if (!st->bol) {
		out[o++] = '\r';
		out[o++] = '\n';
		st->bol = true;
	}
	out[o++] = '.';
	out[o++] = '\r';
	out[o++] = '\n';
	st->out_octets += o;
	return o;
}

bool pop3_stuffer_done(const struct pop3_stuffer *st)
{
	return st->done;
}
