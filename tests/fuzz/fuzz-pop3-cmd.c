/*
 * fuzz-pop3-cmd.c - libFuzzer target for backend/pop3d/pop3-parse.c.
 *
 * fuzz-sources: backend/pop3d/pop3-parse.c
 *
 * Every input is used twice:
 *
 *   as command lines   split at LF (one trailing CR dropped, as the
 *                      server does); each line goes through
 *                      pop3_cmd_parse(), once as sent and once with its
 *                      ASCII letters upper-cased, which must give the
 *                      same command, status and argument count (keywords
 *                      are case-insensitive, and case touches neither
 *                      digits nor spaces)
 *   as stored message  through pop3_stuff() / pop3_stuff_end(), RETR-style
 *                      and TOP-style (the line count taken from the first
 *                      octet), fed in pieces and with output room chosen
 *                      from the input, and compared with a plain reference
 *                      written here: every CR LF, bare CR and bare LF
 *                      becomes CR LF, a last line gets one, lines starting
 *                      with "." get another, then ".CRLF"
 *
 * Beyond "no crash, no leak, no UB", a broken contract aborts: results of
 * a successful parse are in range and inside cmd->text, numbers match
 * their digits, refusals carry a status and a reply text; the stuffed
 * text never holds a lone CR or LF nor a premature terminator line.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - abort when a contract invariant does not hold */
static void check(bool ok)
{
	if (!ok)
		abort();
}

/* digits_value - the value of a string of digits, or UINT64_MAX */
static uint64_t digits_value(const char *s)
{
	uint64_t v = 0;

	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return UINT64_MAX;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return UINT64_MAX;
	}
	return v;
}

/* check_cmd - one line, and its upper-cased twin */
static void check_cmd(const char *line, size_t len)
{
	struct pop3_cmd cmd, twin;
	char upper[POP3_CMD_TEXT_MAX + 1];
	int ret = pop3_cmd_parse(line, len, &cmd);

	if (ret < 0) {
		const char *t = pop3_parse_error_text(cmd.status);

		check(ret == -1 && cmd.status != POP3_PARSE_OK);
		check(t != NULL && t[0] != '\0');
		check(len != 0 || cmd.status == POP3_PARSE_EMPTY);
		check(len <= POP3_CMD_TEXT_MAX ||
		      cmd.status == POP3_PARSE_TOO_LONG);
	} else {
		check(ret == 0 && cmd.status == POP3_PARSE_OK);
		check(cmd.id != POP3_CMD_UNKNOWN);
		check(len > 0 && len <= POP3_CMD_TEXT_MAX);
		check(memchr(line, '\0', len) == NULL &&
		      memchr(line, '\r', len) == NULL &&
		      memchr(line, '\n', len) == NULL);
		check(cmd.nargs <= POP3_MAX_ARGS);
		for (unsigned int i = 0; i < cmd.nargs; i++) {
			const char *a = cmd.args[i];
			size_t alen;

			check(a != NULL && a >= cmd.text &&
			      a < cmd.text + sizeof(cmd.text));
			alen = strlen(a);
			check(alen > 0 && a + alen < cmd.text +
			      sizeof(cmd.text));
			check(cmd.id == POP3_CMD_PASS ||
			      strchr(a, ' ') == NULL);
			for (size_t j = 0; j < alen; j++)
				check((unsigned char)a[j] >= 0x20 &&
				      a[j] != 0x7f);
		}
		switch (cmd.id) {
		case POP3_CMD_LIST:
		case POP3_CMD_UIDL:
		case POP3_CMD_RETR:
		case POP3_CMD_DELE:
		case POP3_CMD_TOP:
			for (unsigned int i = 0; i < cmd.nargs; i++)
				check(digits_value(cmd.args[i]) ==
				      cmd.num[i]);
			break;
		default:
			break;
		}
		check(cmd.id != POP3_CMD_TOP || cmd.nargs == 2);
		check(cmd.id != POP3_CMD_RETR || cmd.nargs == 1);
		check(cmd.id != POP3_CMD_STAT || cmd.nargs == 0);
	}
	if (len > POP3_CMD_TEXT_MAX)
		return;
	for (size_t i = 0; i < len; i++) {
		char c = line[i];

		upper[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	/* case changes neither keywords, digits nor spaces, so the
	 * outcome is the same */
	check(pop3_cmd_parse(upper, len, &twin) == ret);
	check(twin.status == cmd.status && twin.id == cmd.id &&
	      twin.nargs == cmd.nargs);
}

/* reference - what RETR must send for in[0..len), into out (room 4*len+8) */
static size_t reference(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0, i = 0;
	bool bol = true;

	while (i < len) {
		uint8_t c = in[i++];

		if (c == '\r' || c == '\n') {
			if (c == '\r' && i < len && in[i] == '\n')
				i++;
			out[o++] = '\r';
			out[o++] = '\n';
			bol = true;
			continue;
		}
		if (bol && c == '.')
			out[o++] = '.';
		out[o++] = (char)c;
		bol = false;
	}
	if (!bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	return o + 3;
}

/* stuff - run the stuffer with pieces of `piece` octets and `room`
 * octets of output room per call */
static size_t stuff(const uint8_t *in, size_t len, bool top, uint64_t lines,
		    size_t piece, size_t room, char *out, size_t cap)
{
	struct pop3_stuffer st;
	char tmp[64];
	size_t off = 0, n = 0;

	if (room > sizeof(tmp))
		room = sizeof(tmp);
	pop3_stuffer_init(&st, top, lines);
	while (off < len && !pop3_stuffer_done(&st)) {
		size_t chunk = len - off < piece ? len - off : piece;
		size_t used = 0, o;

		o = pop3_stuff(&st, (const char *)in + off, chunk, &used, tmp,
			       room);
		check(used > 0 && used <= chunk && o <= room);
		check(n + o <= cap);
		memcpy(out + n, tmp, o);
		n += o;
		off += used;
	}
	check(n + POP3_STUFF_END_MAX <= cap);
	n += pop3_stuff_end(&st, out + n);
	check(st.out_octets == n);
	return n;
}

/* check_wire - CR LF only as pairs; the terminator line only at the end */
static void check_wire(const char *out, size_t n)
{
	check(n >= 3 && memcmp(out + n - 3, ".\r\n", 3) == 0);
	check(n == 3 || (n >= 5 && out[n - 5] == '\r' && out[n - 4] == '\n'));
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '\r')
			check(i + 1 < n && out[i + 1] == '\n');
		if (out[i] == '\n')
			check(i > 0 && out[i - 1] == '\r');
		/* a line that is just "." before the end */
		if (i + 3 < n && (i == 0 || out[i - 1] == '\n') &&
		    out[i] == '.' && out[i + 1] == '\r')
			check(false);
	}
}

static void check_message(const uint8_t *data, size_t size)
{
	size_t cap = size * 4 + 16;
	char *want = malloc(cap), *got = malloc(cap), *top = malloc(cap);
	size_t wn, gn, tn, piece, room;
	uint64_t lines;

	check(want != NULL && got != NULL && top != NULL);
	wn = reference(data, size, want);
	piece = size > 0 ? (size_t)data[0] % 13 + 1 : 1;
	room = size > 1 ? POP3_STUFF_ROOM_MIN + (size_t)data[1] % 40 :
		POP3_STUFF_ROOM_MIN;

	/* RETR: one go, and in pieces: both equal the reference */
	gn = stuff(data, size, false, 0, size + 1, 64, got, cap);
	check(gn == wn && memcmp(got, want, wn) == 0);
	gn = stuff(data, size, false, 0, piece, room, got, cap);
	check(gn == wn && memcmp(got, want, wn) == 0);
	check_wire(got, gn);

	/* TOP: a prefix of RETR's lines, ending with the terminator */
	lines = size > 2 ? data[2] % 8 : 0;
	tn = stuff(data, size, true, lines, piece, room, top, cap);
	check_wire(top, tn);
	check(tn <= wn);
	check(memcmp(top, want, tn - 3) == 0);
	gn = stuff(data, size, true, lines, size + 1, 64, got, cap);
	check(gn == tn && memcmp(got, top, tn) == 0);

	free(want);
	free(got);
	free(top);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t len;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		check_cmd(p, len);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	check_message(data, size);
	return 0;
}
