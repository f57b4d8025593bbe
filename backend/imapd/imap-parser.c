/*
 * imap-parser.c - incremental IMAP command parser for mailhived.
 *
 * A command is "tag SP name [SP arg *(SP arg)] CRLF" (RFC 3501 section
 * 9), where an argument is an atom, a quoted string, a literal or a
 * parenthesized list of them, and a literal's data may follow its header
 * "{n}" CRLF on the next "line". The parser reads it octet by octet as the
 * server feeds input, so it does not care where reads end, and builds the
 * argument tree in a pool of its own that is cleared when the next
 * command starts. It does no I/O and knows no command semantics; it only
 * stops at each literal header so the server can decide what to do with
 * the data (RFC 3501 section 7.5: "+" for synchronizing literals).
 *
 *   TAG -SP-> NAME -SP-> ARG ---atom/"/{/~/(--> ... -> AFTER -SP-> ARG
 *                   \--CR--> CR -LF-> DONE           AFTER -CR-> CR
 *   ARG -{-> LIT_SIZE -}-> LIT_CR -CR-> LIT_LF -LF-> LIT_WAIT
 *   LIT_WAIT -accept/stream-> LIT_DATA -(n octets)-> AFTER
 *   any error -> SKIP (to LF; a "{n+}" CRLF skips n more octets) -> TAG
 *
 * step() performs every transition on one octet; imap_parser_feed() runs
 * the octet-free ones (literal data in bulk, skipping). Errors are raised
 * by fail(), which also picks how much to skip.
 *
 * Deliberate choices, all on the strict side unless stated:
 *  - Lines end in CRLF only; a bare CR or LF is a syntax error. Exactly
 *    one SP separates arguments: no leading, doubled or trailing spaces,
 *    no space after "(" or before ")". An empty line is an error.
 *  - A tag is 1*(ASTRING-CHAR except "+"); a command name is 1*ATOM-CHAR,
 *    upper-cased. "UID" takes the next word as part of the name.
 *  - Argument atoms are wider than RFC atoms: any printable ASCII except
 *    "(", ")", "{" and DQUOTE, so list patterns ("%", "*"), flags ("\"),
 *    "]" and sequence sets parse as atoms; handlers check the class they
 *    need (imap_arg_get_astring(), imap_atom_valid()). An atom that
 *    spells BODY, BODY.PEEK, BINARY, BINARY.PEEK or BINARY.SIZE and then
 *    "[" runs to the matching "]" with spaces and parentheses inside, so
 *    "BODY[HEADER.FIELDS (From To)]<0.10>" is one atom for imap-fetch.
 *    Elsewhere "[" and "]" are plain atom characters ("[Gmail]/Sent").
 *  - NIL (any case) is typed IMAP_ARG_NIL but keeps its text, since it is
 *    also a valid astring (a mailbox named "NIL").
 *  - Quoted strings take \" and \\ only; 8-bit octets must form valid
 *    UTF-8 (RFC 6855 / 9051); NUL, CR and LF are refused.
 *  - Literal sizes are 1*DIGIT up to 2^64-1 (leading zeros allowed, as
 *    in the ABNF). Non-binary literal data may not contain NUL.
 *  - Every literal, "{n+}" included, stops the parser with
 *    IMAP_PARSE_LITERAL, so one place in the server decides between
 *    buffering and streaming; the parser has already refused sizes over
 *    max_literal, and "{n+}" over 4096 under LITERAL-.
 *  - max_line counts the whole command without literal data, so a
 *    command split by literals cannot grow past it either.
 *
 * SECURITY: input is untrusted and the parser runs before authentication.
 * All memory is bounded by the limits (see imap-parser.h); the token
 * buffer grows only as octets arrive, literal buffers likewise up to the
 * declared size that was already checked against the configuration.
 * There is no recursion: lists live on an explicit frame stack of
 * max_depth + 1 entries allocated once. After an error the rest of the
 * line is discarded, including the data of a "{n+}" literal that ends it,
 * so a refused command's literal data is never parsed as a command.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "pool.h"

#include "imap-parser.h"

#define TOKEN_GROW_FREE	65536	/* free scratch buffers larger */

enum pstate {
	PS_TAG,		/* reading the tag */
	PS_NAME,	/* reading the command name (or UID's sub-command) */
	PS_ARG,		/* an argument must start here */
	PS_AFTER,	/* after an argument: SP, ")" or CR */
	PS_ATOM,
	PS_ATOM_BRACKET, /* inside the "[...]" of BODY[...] */
	PS_TILDE,	/* "~" at an argument start */
	PS_QUOTED,
	PS_QUOTED_ESC,
	PS_LIT_SIZE,	/* after "{": digits */
	PS_LIT_PLUS,	/* after "+": "}" must follow */
	PS_LIT_CR,	/* after "}": CR must follow */
	PS_LIT_LF,	/* LF must follow */
	PS_LIT_WAIT,	/* header read, the server decides */
	PS_LIT_DATA,	/* literal octets */
	PS_CR,		/* CR read at the end of the command */
	PS_SKIP,	/* error: discard to the end of the line */
	PS_SKIP_LIT,	/* error: discard literal octets, then PS_SKIP */
};

/* tracker for "{n+}" CRLF at the end of a skipped line */
enum trk_state {
	TRK_NONE,
	TRK_OPEN,	/* "{" */
	TRK_DIGITS,	/* "{" 1*DIGIT */
	TRK_PLUS,	/* "{" 1*DIGIT "+" */
	TRK_CLOSE,	/* ... "}" */
	TRK_CR,		/* ... "}" CR */
};

/* step() results */
enum step_ret {
	STEP_NEXT,	/* octet consumed, go on */
	STEP_DONE,	/* octet consumed, command complete */
	STEP_LITERAL,	/* octet consumed, literal header complete */
	STEP_ERROR,	/* error raised (*consumed: octet used?) */
};

/* one open list (frame 0 is the command's top level) */
struct frame {
	struct imap_arg *args;
	unsigned int count;
	unsigned int cap;
};

struct imap_parser {
	struct imap_parser_limits lim;
	struct pool *pool;	/* the current command's results */
	struct buf tok;		/* tag, name or token being read */
	struct buf lit;		/* literal data being buffered */
	struct frame *frames;	/* lim.max_depth + 1 */
	unsigned int depth;
	unsigned int arg_total;
	size_t line_used;	/* non-literal octets of this command */
	size_t buffered;	/* literal octets buffered for it */
	enum pstate state;
	bool list_opened;	/* PS_ARG right after "(" */
	bool need_reset;	/* the next feed starts a new command */
	/* literal in progress */
	uint64_t lit_size;
	uint64_t lit_left;
	unsigned int lit_digits;
	bool lit_nonsync;
	bool lit_binary;
	imap_literal_sink_fn *sink;	/* NULL: buffer */
	void *sink_ctx;
	/* skipping */
	enum trk_state trk;
	uint64_t trk_size;
	struct imap_cmd cmd;
	struct imap_literal_info lit_info;
};

/* ==== character classes ================================================ */

/* imap_is_atom_char - ATOM-CHAR: CHAR except atom-specials */
bool imap_is_atom_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;	/* CTL, SP and 8-bit */
	return strchr("(){%*\"\\]", c) == NULL;
}

/* imap_is_astring_char - ASTRING-CHAR */
bool imap_is_astring_char(unsigned char c)
{
	return c == ']' || imap_is_atom_char(c);
}

/* imap_is_tag_char - tag = 1*<any ASTRING-CHAR except "+"> */
bool imap_is_tag_char(unsigned char c)
{
	return c != '+' && imap_is_astring_char(c);
}

/* imap_atom_valid - 1*ATOM-CHAR */
bool imap_atom_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (!imap_is_atom_char((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* is_arg_atom_char - what the parser takes into an argument atom */
static bool is_arg_atom_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '{' &&
		c != '"';
}

/* to_upper - ASCII upper case */
static char to_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - ('a' - 'A')) : c;
}

/* ncase_eq - len octets of s equal word, ignoring ASCII case */
static bool ncase_eq(const char *s, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return false;
	for (i = 0; i < len; i++) {
		if (to_upper(s[i]) != to_upper(word[i]))
			return false;
	}
	return true;
}

/* bracket_prefix - the atom so far may be followed by a section "[...]" */
static bool bracket_prefix(const struct buf *tok)
{
	static const char *const words[] = {
		"BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE",
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (ncase_eq(tok->data, tok->len, words[i]))
			return true;
	}
	return false;
}

/* octet_msg - error text for an octet that cannot appear here */
static const char *octet_msg(unsigned char c, const char *dflt)
{
	if (c == '\0')
		return "NUL octet in command";
	if (c == '\n')
		return "Line ends with a bare LF";
	if (c >= 0x80)
		return "8-bit octet outside a string";
	if (c < 0x20 || c == 0x7f)
		return "Control character in command";
	return dflt;
}

/* ==== commands and arguments =========================================== */

/* start_command - forget the last command; the next octet starts one */
static void start_command(struct imap_parser *p)
{
	pool_clear(p->pool);
	memset(&p->cmd, 0, sizeof(p->cmd));
	memset(&p->lit_info, 0, sizeof(p->lit_info));
	memset(p->frames, 0, sizeof(*p->frames) * (p->lim.max_depth + 1));
	p->depth = 0;
	p->arg_total = 0;
	p->line_used = 0;
	p->buffered = 0;
	p->state = PS_TAG;
	p->list_opened = false;
	p->need_reset = false;
	p->sink = NULL;
	p->sink_ctx = NULL;
	p->trk = TRK_NONE;
	if (p->tok.cap > TOKEN_GROW_FREE)
		buf_free(&p->tok);
	if (p->lit.cap > TOKEN_GROW_FREE)
		buf_free(&p->lit);
	buf_reset(&p->tok);
	buf_reset(&p->lit);
}

/* sync_cmd - publish the top-level arguments read so far */
static void sync_cmd(struct imap_parser *p)
{
	p->cmd.args = p->frames[0].args;
	p->cmd.count = p->frames[0].count;
}

/*
 * fail - raise an error. skip_left octets of literal data follow before
 * the rest of the line (for "{n+}"); line_over means the command is over
 * already (a refused "{n}": the client sends nothing more).
 */
static enum step_ret fail(struct imap_parser *p, enum imap_parse_error err,
			  const char *msg, uint64_t skip_left, bool line_over)
{
	p->cmd.error = err;
	p->cmd.error_msg = msg;
	p->trk = TRK_NONE;
	if (line_over) {
		p->need_reset = true;
	} else if (skip_left > 0) {
		p->lit_left = skip_left;
		p->state = PS_SKIP_LIT;
	} else {
		p->state = PS_SKIP;
	}
	return STEP_ERROR;
}

/* count_arg - one more argument starts; false when over max_args */
static bool count_arg(struct imap_parser *p)
{
	if (p->arg_total >= p->lim.max_args) {
		fail(p, IMAP_PERR_TOO_MANY_ARGS, "Too many arguments", 0,
		     false);
		return false;
	}
	p->arg_total++;
	return true;
}

/* add_arg - append a zeroed argument to the innermost open list */
static struct imap_arg *add_arg(struct imap_parser *p,
				enum imap_arg_type type)
{
	struct frame *f = &p->frames[p->depth];
	struct imap_arg *arg;
	unsigned int cap;

	if (f->count == f->cap) {
		/* count <= max_args, so this cannot overflow */
		cap = f->cap == 0 ? 4 : f->cap * 2;
		f->args = p_realloc(p->pool, f->args,
				    sizeof(*f->args) * f->cap,
				    sizeof(*f->args) * cap);
		f->cap = cap;
	}
	arg = &f->args[f->count++];
	arg->type = type;
	arg->str = "";
	if (p->depth == 0)
		sync_cmd(p);
	return arg;
}

/* finish_atom - the token is a complete atom */
static void finish_atom(struct imap_parser *p)
{
	struct imap_arg *arg;
	bool nil = ncase_eq(p->tok.data, p->tok.len, "NIL");

	arg = add_arg(p, nil ? IMAP_ARG_NIL : IMAP_ARG_ATOM);
	arg->str = p_strndup(p->pool, p->tok.data, p->tok.len);
	arg->len = p->tok.len;
	buf_reset(&p->tok);
	p->state = PS_AFTER;
}

/* finish_quoted - the token is a complete quoted string */
static enum step_ret finish_quoted(struct imap_parser *p)
{
	struct imap_arg *arg;

	if (!utf8_valid(p->tok.data, p->tok.len)) {
		return fail(p, IMAP_PERR_SYNTAX,
			    "Invalid UTF-8 in a quoted string", 0, false);
	}
	arg = add_arg(p, IMAP_ARG_STRING);
	arg->str = p_strndup(p->pool, p->tok.data, p->tok.len);
	arg->len = p->tok.len;
	buf_reset(&p->tok);
	p->state = PS_AFTER;
	return STEP_NEXT;
}

/* finish_literal - all literal octets were read */
static void finish_literal(struct imap_parser *p)
{
	struct imap_arg *arg = add_arg(p, IMAP_ARG_LITERAL);

	arg->literal_size = p->lit_size;
	arg->literal_sync = !p->lit_nonsync;
	arg->binary = p->lit_binary;
	if (p->sink != NULL) {
		arg->streamed = true;
	} else {
		arg->str = p_strndup(p->pool, p->lit.len > 0 ? p->lit.data :
				     "", p->lit.len);
		arg->len = p->lit.len;
	}
	buf_reset(&p->lit);
	p->sink = NULL;
	p->sink_ctx = NULL;
	p->state = PS_AFTER;
}

/* open_list - "(" read at an argument start */
static enum step_ret open_list(struct imap_parser *p)
{
	if (p->depth >= p->lim.max_depth) {
		return fail(p, IMAP_PERR_TOO_DEEP, "Lists nested too deeply",
			    0, false);
	}
	if (!count_arg(p))
		return STEP_ERROR;
	(void)add_arg(p, IMAP_ARG_LIST);
	p->depth++;
	memset(&p->frames[p->depth], 0, sizeof(p->frames[p->depth]));
	p->state = PS_ARG;
	p->list_opened = true;
	return STEP_NEXT;
}

/* close_list - ")" ends the innermost list */
static void close_list(struct imap_parser *p)
{
	struct frame *child = &p->frames[p->depth];
	struct frame *parent = &p->frames[p->depth - 1];
	struct imap_arg *arg = &parent->args[parent->count - 1];

	arg->list = child->args;
	arg->count = child->count;
	memset(child, 0, sizeof(*child));
	p->depth--;
	if (p->depth == 0)
		sync_cmd(p);
	p->state = PS_AFTER;
}

/* end_tag - the tag ended at SP or CR; false when it is not valid */
static bool end_tag(struct imap_parser *p)
{
	if (p->tok.len == 0)
		return false;
	p->cmd.tag = p_strndup(p->pool, p->tok.data, p->tok.len);
	buf_reset(&p->tok);
	return true;
}

/* end_name - the command name (or UID's sub-command) ended */
static void end_name(struct imap_parser *p)
{
	char *name;
	size_t i;

	for (i = 0; i < p->tok.len; i++)
		p->tok.data[i] = to_upper(p->tok.data[i]);
	if (p->cmd.uid)
		name = p_printf(p->pool, "UID %s", p->tok.data);
	else
		name = p_strndup(p->pool, p->tok.data, p->tok.len);
	p->cmd.name = name;
	buf_reset(&p->tok);
}

/* tok_add - append an octet to the token (bounded by max_line anyway) */
static enum step_ret tok_add(struct imap_parser *p, unsigned char c)
{
	if (buf_append_char(&p->tok, (char)c) < 0) {
		return fail(p, IMAP_PERR_LINE_TOO_LONG,
			    "Command line too long", 0, false);
	}
	return STEP_NEXT;
}

/* ==== the octet state machine ========================================== */

/* literal_header_done - the LF after "{n}" or "{n+}" was read */
static enum step_ret literal_header_done(struct imap_parser *p)
{
	uint64_t size = p->lit_size;

	if (p->lit_nonsync && p->lim.literal_minus &&
	    size > IMAP_LITERAL_MINUS_MAX) {
		return fail(p, IMAP_PERR_NONSYNC_TOO_BIG,
			    "Non-synchronizing literal over 4096 octets",
			    size, false);
	}
	if (size > p->lim.max_literal) {
		if (p->lit_nonsync) {
			return fail(p, IMAP_PERR_NONSYNC_TOO_BIG,
				    "Literal too large", size, false);
		}
		return fail(p, IMAP_PERR_LITERAL_TOO_BIG, "Literal too large",
			    0, true);
	}
	p->lit_info.size = size;
	p->lit_info.sync = !p->lit_nonsync;
	p->lit_info.binary = p->lit_binary;
	p->lit_info.depth = p->depth;
	p->lit_info.index = p->frames[p->depth].count;
	p->state = PS_LIT_WAIT;
	return STEP_LITERAL;
}

/* step_arg - PS_ARG: the first octet of an argument */
static enum step_ret step_arg(struct imap_parser *p, unsigned char c,
			      bool *consumed)
{
	bool opened = p->list_opened;

	p->list_opened = false;
	switch (c) {
	case '(':
		if (open_list(p) == STEP_NEXT)
			return STEP_NEXT;
		*consumed = false;
		return STEP_ERROR;
	case ')':
		if (!opened) {
			*consumed = false;
			return fail(p, IMAP_PERR_SYNTAX, "Space before ')'",
				    0, false);
		}
		close_list(p);
		return STEP_NEXT;
	case '"':
		if (!count_arg(p)) {
			*consumed = false;
			return STEP_ERROR;
		}
		p->state = PS_QUOTED;
		return STEP_NEXT;
	case '{':
	case '~':
		if (!count_arg(p)) {
			*consumed = false;
			return STEP_ERROR;
		}
		p->lit_size = 0;
		p->lit_digits = 0;
		p->lit_nonsync = false;
		p->lit_binary = c == '~';
		p->state = c == '~' ? PS_TILDE : PS_LIT_SIZE;
		return STEP_NEXT;
	case '\r':
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX, opened ? "Missing ')'" :
			    "Trailing space", 0, false);
	case ' ':
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX, opened ?
			    "Space after '('" : "Extra space", 0, false);
	default:
		break;
	}
	if (!is_arg_atom_char(c)) {
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX,
			    octet_msg(c, "Invalid character"), 0, false);
	}
	if (!count_arg(p)) {
		*consumed = false;
		return STEP_ERROR;
	}
	p->state = PS_ATOM;
	return tok_add(p, c);
}

/* step_after - PS_AFTER: what may follow an argument */
static enum step_ret step_after(struct imap_parser *p, unsigned char c,
				bool *consumed)
{
	switch (c) {
	case ' ':
		p->state = PS_ARG;
		return STEP_NEXT;
	case ')':
		if (p->depth == 0) {
			*consumed = false;
			return fail(p, IMAP_PERR_SYNTAX, "Unbalanced ')'", 0,
				    false);
		}
		close_list(p);
		return STEP_NEXT;
	case '\r':
		if (p->depth > 0) {
			*consumed = false;
			return fail(p, IMAP_PERR_SYNTAX, "Missing ')'", 0,
				    false);
		}
		p->state = PS_CR;
		return STEP_NEXT;
	default:
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX,
			    octet_msg(c, "Missing space between arguments"),
			    0, false);
	}
}

/* step_name - PS_NAME: the command name, then "UID"'s sub-command */
static enum step_ret step_name(struct imap_parser *p, unsigned char c,
			       bool *consumed)
{
	if (imap_is_atom_char(c))
		return tok_add(p, c);
	if ((c == ' ' || c == '\r') && p->tok.len > 0) {
		if (!p->cmd.uid && ncase_eq(p->tok.data, p->tok.len, "UID")) {
			end_name(p);
			if (c == '\r') {
				*consumed = false;
				return fail(p, IMAP_PERR_SYNTAX,
					    "UID needs a command", 0, false);
			}
			p->cmd.uid = true;
			return STEP_NEXT;	/* the sub-command follows */
		}
		end_name(p);
		p->state = c == ' ' ? PS_ARG : PS_CR;
		return STEP_NEXT;
	}
	*consumed = false;
	if (c == ' ' || c == '\r')
		return fail(p, IMAP_PERR_SYNTAX, "Missing command name", 0,
			    false);
	return fail(p, IMAP_PERR_SYNTAX,
		    octet_msg(c, "Invalid command name"), 0, false);
}

/* step - one octet of command text (not literal data, not skipping) */
static enum step_ret step(struct imap_parser *p, unsigned char c,
			  bool *consumed)
{
	*consumed = true;
	if ((c == '\0' || c == '\n') &&
	    p->state != PS_CR && p->state != PS_LIT_LF) {
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX, octet_msg(c, ""), 0, false);
	}
	switch (p->state) {
	case PS_TAG:
		if (imap_is_tag_char(c))
			return tok_add(p, c);
		*consumed = false;
		if ((c == ' ' || c == '\r') && end_tag(p)) {
			if (c == '\r') {
				return fail(p, IMAP_PERR_SYNTAX,
					    "Missing command name", 0, false);
			}
			*consumed = true;
			p->state = PS_NAME;
			return STEP_NEXT;
		}
		buf_reset(&p->tok);
		if (c == '\r' && p->line_used == 1)
			return fail(p, IMAP_PERR_SYNTAX, "Empty command line",
				    0, false);
		return fail(p, IMAP_PERR_SYNTAX,
			    octet_msg(c, "Invalid tag"), 0, false);
	case PS_NAME:
		return step_name(p, c, consumed);
	case PS_ARG:
		return step_arg(p, c, consumed);
	case PS_AFTER:
		return step_after(p, c, consumed);
	case PS_ATOM:
		if (is_arg_atom_char(c)) {
			if (c == '[' && bracket_prefix(&p->tok))
				p->state = PS_ATOM_BRACKET;
			return tok_add(p, c);
		}
		finish_atom(p);
		return step_after(p, c, consumed);
	case PS_ATOM_BRACKET:
		if (c == ']')
			p->state = PS_ATOM;
		if (c >= 0x20 && c < 0x7f && c != '[')
			return tok_add(p, c);
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX, c == '\r' ? "Missing ']'" :
			    octet_msg(c, "Nested '['"), 0, false);
	case PS_TILDE:
		if (c == '{') {
			p->state = PS_LIT_SIZE;
			return STEP_NEXT;
		}
		/* "~" starts an ordinary atom after all */
		p->lit_binary = false;
		p->state = PS_ATOM;
		if (tok_add(p, '~') == STEP_ERROR)
			return STEP_ERROR;
		return step(p, c, consumed);
	case PS_QUOTED:
		if (c == '"')
			return finish_quoted(p);
		if (c == '\\') {
			p->state = PS_QUOTED_ESC;
			return STEP_NEXT;
		}
		if (c == '\r') {
			*consumed = false;
			return fail(p, IMAP_PERR_SYNTAX,
				    "Unterminated quoted string", 0, false);
		}
		return tok_add(p, c);
	case PS_QUOTED_ESC:
		if (c == '"' || c == '\\') {
			p->state = PS_QUOTED;
			return tok_add(p, c);
		}
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX,
			    "Invalid escape in a quoted string", 0, false);
	case PS_LIT_SIZE:
		if (c >= '0' && c <= '9') {
			unsigned int d = (unsigned int)(c - '0');

			if (p->lit_size > (UINT64_MAX - d) / 10) {
				*consumed = false;
				return fail(p, IMAP_PERR_SYNTAX,
					    "Literal size out of range", 0,
					    false);
			}
			p->lit_size = p->lit_size * 10 + d;
			p->lit_digits++;
			return STEP_NEXT;
		}
		if (p->lit_digits > 0 && (c == '+' || c == '}')) {
			p->lit_nonsync = c == '+';
			p->state = c == '+' ? PS_LIT_PLUS : PS_LIT_CR;
			return STEP_NEXT;
		}
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX, "Invalid literal size", 0,
			    false);
	case PS_LIT_PLUS:
		if (c == '}') {
			p->state = PS_LIT_CR;
			return STEP_NEXT;
		}
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX, "Invalid literal size", 0,
			    false);
	case PS_LIT_CR:
		if (c == '\r') {
			p->state = PS_LIT_LF;
			return STEP_NEXT;
		}
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX,
			    "Literal header must end the line", 0, false);
	case PS_LIT_LF:
		if (c == '\n')
			return literal_header_done(p);
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX, "Line ends with a bare CR",
			    0, false);
	case PS_CR:
		if (c == '\n')
			return STEP_DONE;
		*consumed = false;
		return fail(p, IMAP_PERR_SYNTAX, "Line ends with a bare CR",
			    0, false);
	default:
		break;
	}
	panic("imap parser: octet in state %d", (int)p->state);
}

/* ==== literal data and skipping ======================================== */

/*
 * literal_data - take up to lit_left octets of literal data from
 * in[*pos..len). Returns STEP_NEXT while more is needed or once the
 * literal is complete (state moved on), STEP_ERROR on NUL or a sink
 * failure.
 */
static enum step_ret literal_data(struct imap_parser *p, const char *in,
				  size_t len, size_t *pos)
{
	size_t n = len - *pos;
	const char *src = n > 0 ? in + *pos : "", *nul = NULL;
	bool last;
	int ret = 0;

	if ((uint64_t)n > p->lit_left)
		n = (size_t)p->lit_left;
	if (!p->lit_binary && n > 0)
		nul = memchr(src, '\0', n);
	if (nul != NULL)
		n = (size_t)(nul - src);
	last = nul == NULL && n == p->lit_left;
	if (p->sink != NULL) {
		if (n > 0 || last)
			ret = p->sink(p->sink_ctx, src, n, last);
	} else if (n > 0) {
		/* accept() checked lit_size against max_buffered */
		ret = buf_append(&p->lit, src, n);
		ASSERT(ret == 0);
	}
	*pos += n;
	p->lit_left -= n;
	if (ret < 0) {
		return fail(p, IMAP_PERR_SINK, "Failed to store the literal",
			    p->lit_left, false);
	}
	if (nul != NULL) {
		return fail(p, IMAP_PERR_SYNTAX, "NUL octet in a literal",
			    p->lit_left, false);
	}
	if (last)
		finish_literal(p);
	return STEP_NEXT;
}

/* skip_octet - PS_SKIP: one discarded octet; true at the end of the line */
static bool skip_octet(struct imap_parser *p, unsigned char c)
{
	enum trk_state t = p->trk;

	if (c == '\n') {
		p->trk = TRK_NONE;
		if (t != TRK_CR)
			return true;
		/* "{n+}" CRLF: its data comes whatever we answer */
		p->lit_left = p->trk_size;
		p->state = PS_SKIP_LIT;
		return false;
	}
	if (c == '{') {
		p->trk = TRK_OPEN;
		p->trk_size = 0;
	} else if (c >= '0' && c <= '9' &&
		   (t == TRK_OPEN || t == TRK_DIGITS)) {
		unsigned int d = (unsigned int)(c - '0');

		/* saturate: the peer said it will send that much */
		if (p->trk_size > (UINT64_MAX - d) / 10)
			p->trk_size = UINT64_MAX;
		else
			p->trk_size = p->trk_size * 10 + d;
		p->trk = TRK_DIGITS;
	} else if (c == '+' && t == TRK_DIGITS) {
		p->trk = TRK_PLUS;
	} else if (c == '}' && t == TRK_PLUS) {
		p->trk = TRK_CLOSE;
	} else if (c == '\r' && t == TRK_CLOSE) {
		p->trk = TRK_CR;
	} else {
		p->trk = TRK_NONE;
	}
	return false;
}

/* ==== public interface ================================================= */

/* imap_parser_new - allocate a parser, limits filled with defaults */
struct imap_parser *imap_parser_new(const struct imap_parser_limits *limits)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	if (limits != NULL)
		p->lim = *limits;
	if (p->lim.max_line == 0)
		p->lim.max_line = IMAP_PARSER_DEFAULT_MAX_LINE;
	if (p->lim.max_literal == 0)
		p->lim.max_literal = IMAP_PARSER_DEFAULT_MAX_LITERAL;
	if (p->lim.max_buffered == 0)
		p->lim.max_buffered = IMAP_PARSER_DEFAULT_MAX_BUFFERED;
	if (p->lim.max_depth == 0)
		p->lim.max_depth = IMAP_PARSER_DEFAULT_MAX_DEPTH;
	if (p->lim.max_args == 0)
		p->lim.max_args = IMAP_PARSER_DEFAULT_MAX_ARGS;
	ASSERT(p->lim.max_depth < 100000 && p->lim.max_args < 100000000);
	p->pool = pool_new("imap command", 1024);
	p->frames = xcalloc(p->lim.max_depth + 1, sizeof(*p->frames));
	buf_init(&p->tok, p->lim.max_line);
	buf_init(&p->lit, 0);
	start_command(p);
	return p;
}

/* imap_parser_free - release everything */
void imap_parser_free(struct imap_parser **parser)
{
	struct imap_parser *p = *parser;

	if (p == NULL)
		return;
	pool_destroy(&p->pool);
	buf_free(&p->tok);
	buf_free(&p->lit);
	free(p->frames);
	free(p);
	*parser = NULL;
}

/* imap_parser_feed - run the state machine over the input */
enum imap_parse_status imap_parser_feed(struct imap_parser *p,
					const char *data, size_t len,
					size_t *consumed_r)
{
	const unsigned char *in = (const unsigned char *)data;
	size_t pos = 0, n;
	enum step_ret ret;
	bool consumed;

	*consumed_r = 0;
	if (p->state == PS_LIT_WAIT && !p->need_reset)
		return IMAP_PARSE_LITERAL;
	if (p->need_reset)
		start_command(p);
	for (;;) {
		switch (p->state) {
		case PS_LIT_DATA:
			ret = literal_data(p, data, len, &pos);
			if (ret == STEP_ERROR) {
				*consumed_r = pos;
				return IMAP_PARSE_ERROR;
			}
			if (p->state == PS_LIT_DATA)
				goto more;	/* all input used */
			continue;
		case PS_SKIP_LIT:
			n = len - pos;
			if ((uint64_t)n > p->lit_left)
				n = (size_t)p->lit_left;
			pos += n;
			p->lit_left -= n;
			if (p->lit_left > 0)
				goto more;
			p->state = PS_SKIP;
			p->trk = TRK_NONE;
			continue;
		case PS_SKIP:
			while (pos < len && p->state == PS_SKIP) {
				if (skip_octet(p, in[pos++]))
					start_command(p);
			}
			if (pos == len)
				goto more;
			continue;
		default:
			break;
		}
		if (pos == len)
			goto more;
		if (p->line_used >= p->lim.max_line) {
			*consumed_r = pos;
			fail(p, IMAP_PERR_LINE_TOO_LONG,
			     "Command line too long", 0, false);
			return IMAP_PARSE_ERROR;
		}
		p->line_used++;
		ret = step(p, in[pos], &consumed);
		if (consumed)
			pos++;
		switch (ret) {
		case STEP_NEXT:
			continue;
		case STEP_DONE:
			*consumed_r = pos;
			p->need_reset = true;
			sync_cmd(p);
			return IMAP_PARSE_DONE;
		case STEP_LITERAL:
			*consumed_r = pos;
			return IMAP_PARSE_LITERAL;
		case STEP_ERROR:
			*consumed_r = pos;
			return IMAP_PARSE_ERROR;
		}
	}
more:
	*consumed_r = pos;
	return IMAP_PARSE_MORE;
}

/* imap_parser_cmd - the current command */
const struct imap_cmd *imap_parser_cmd(const struct imap_parser *p)
{
	return &p->cmd;
}

/* imap_parser_literal_info - the pending literal */
const struct imap_literal_info *
imap_parser_literal_info(const struct imap_parser *p)
{
	return &p->lit_info;
}

/* imap_parser_literal_accept - buffer the pending literal */
int imap_parser_literal_accept(struct imap_parser *p)
{
	ASSERT(p->state == PS_LIT_WAIT && !p->need_reset);
	if (p->lit_size > p->lim.max_buffered - p->buffered)
		return -1;
	p->buffered += (size_t)p->lit_size;
	p->sink = NULL;
	p->lit_left = p->lit_size;
	buf_reset(&p->lit);
	p->state = PS_LIT_DATA;
	return 0;
}

/* imap_parser_literal_stream - stream the pending literal to a sink */
void imap_parser_literal_stream(struct imap_parser *p,
				imap_literal_sink_fn *sink, void *ctx)
{
	ASSERT(p->state == PS_LIT_WAIT && !p->need_reset);
	ASSERT(sink != NULL);
	p->sink = sink;
	p->sink_ctx = ctx;
	p->lit_left = p->lit_size;
	p->state = PS_LIT_DATA;
}

/* imap_parser_literal_refuse - end the command at the pending literal */
void imap_parser_literal_refuse(struct imap_parser *p)
{
	ASSERT(p->state == PS_LIT_WAIT && !p->need_reset);
	if (!p->lit_nonsync) {
		p->need_reset = true;	/* the client sends nothing more */
		return;
	}
	p->trk = TRK_NONE;
	p->lit_left = p->lit_size;
	p->state = p->lit_size > 0 ? PS_SKIP_LIT : PS_SKIP;
}

/* args_dup - copy an argument array; recursion is bounded by the list
 * depth the parser allowed */
static struct imap_arg *args_dup(struct pool *pool,
				 const struct imap_arg *args,
				 unsigned int count)
{
	struct imap_arg *copy;
	unsigned int i;

	if (count == 0)
		return NULL;
	copy = p_new(pool, struct imap_arg, count);
	for (i = 0; i < count; i++) {
		copy[i] = args[i];
		/* p_memdup adds a NUL; binary literals may hold NULs */
		copy[i].str = p_memdup(pool, args[i].str, args[i].len);
		if (args[i].type == IMAP_ARG_LIST)
			copy[i].list = args_dup(pool, args[i].list,
						args[i].count);
	}
	return copy;
}

/* imap_cmd_dup - deep copy of a command */
struct imap_cmd *imap_cmd_dup(struct pool *pool, const struct imap_cmd *cmd)
{
	struct imap_cmd *copy = p_new(pool, struct imap_cmd, 1);

	*copy = *cmd;
	copy->tag = p_strdup(pool, cmd->tag);
	copy->name = p_strdup(pool, cmd->name);
	copy->args = args_dup(pool, cmd->args, cmd->count);
	return copy;
}

/* imap_parser_reset - drop any partial command */
void imap_parser_reset(struct imap_parser *p)
{
	start_command(p);
}

/* imap_parse_error_reply - status and response code for an error */
const char *imap_parse_error_reply(enum imap_parse_error error)
{
	switch (error) {
	case IMAP_PERR_LINE_TOO_LONG:
	case IMAP_PERR_NONSYNC_TOO_BIG:
		return "BAD [TOOBIG]";
	case IMAP_PERR_LITERAL_TOO_BIG:
		return "NO [TOOBIG]";
	case IMAP_PERR_SINK:
		return "NO";
	default:
		return "BAD";
	}
}

/* ==== argument helpers ================================================= */

/* imap_arg_get_atom - atom text */
const char *imap_arg_get_atom(const struct imap_arg *arg)
{
	if (arg->type != IMAP_ARG_ATOM && arg->type != IMAP_ARG_NIL)
		return NULL;
	return arg->str;
}

/* imap_arg_atom_eq - case-insensitive atom comparison */
bool imap_arg_atom_eq(const struct imap_arg *arg, const char *word)
{
	const char *s = imap_arg_get_atom(arg);

	return s != NULL && ncase_eq(s, arg->len, word);
}

/* imap_arg_get_string - quoted string or buffered text literal */
bool imap_arg_get_string(const struct imap_arg *arg, const char **str_r,
			 size_t *len_r)
{
	if (arg->type == IMAP_ARG_STRING ||
	    (arg->type == IMAP_ARG_LITERAL && !arg->streamed &&
	     !arg->binary)) {
		*str_r = arg->str;
		*len_r = arg->len;
		return true;
	}
	return false;
}

/* imap_arg_get_astring - astring */
bool imap_arg_get_astring(const struct imap_arg *arg, const char **str_r,
			  size_t *len_r)
{
	size_t i;

	if (arg->type == IMAP_ARG_ATOM || arg->type == IMAP_ARG_NIL) {
		for (i = 0; i < arg->len; i++) {
			if (!imap_is_astring_char((unsigned char)arg->str[i]))
				return false;
		}
		*str_r = arg->str;
		*len_r = arg->len;
		return true;
	}
	return imap_arg_get_string(arg, str_r, len_r);
}

/* imap_arg_get_list - list members */
bool imap_arg_get_list(const struct imap_arg *arg,
		       const struct imap_arg **list_r, unsigned int *count_r)
{
	if (arg->type != IMAP_ARG_LIST)
		return false;
	*list_r = arg->list;
	*count_r = arg->count;
	return true;
}
