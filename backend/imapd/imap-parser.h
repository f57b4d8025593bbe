#ifndef MH_IMAP_PARSER_H
#define MH_IMAP_PARSER_H
/*
 * imap-parser.h - incremental parser for IMAP4rev1 command lines (RFC 3501
 * section 9 "command"), with LITERAL+ / LITERAL- (RFC 7888) and binary
 * literals (RFC 3516 literal8).
 *
 * The server feeds whatever the socket returns; the parser turns it into
 * one command at a time: a tag, an upper-cased command name and a tree of
 * arguments (atoms, quoted strings, literals, NIL, lists). A loop looks
 * like this:
 *
 *	st = imap_parser_feed(p, data, len, &used); data += used; len -= used;
 *	IMAP_PARSE_MORE     read more input
 *	IMAP_PARSE_LITERAL  a literal header "{n}" was read: decide now with
 *	                    imap_parser_literal_accept() (buffer it),
 *	                    imap_parser_literal_stream() (hand it to a sink)
 *	                    or imap_parser_literal_refuse(); for a
 *	                    synchronizing literal send "+ OK" after accepting
 *	                    or streaming, or the tagged NO/BAD after refusing
 *	                    ("{n+}" stops here too; nothing is sent for it
 *	                    unless it is refused)
 *	IMAP_PARSE_DONE     imap_parser_cmd() is complete: run it
 *	IMAP_PARSE_ERROR    reply "<tag> " (or "* " when cmd->tag is NULL)
 *	                    imap_parse_error_reply() " " cmd->error_msg, then
 *	                    go on feeding: the parser discards the rest of the
 *	                    bad line by itself
 *
 * SECURITY: the input is untrusted. Memory per command is bounded by the
 * limits below: non-literal text by max_line, buffered literal data by
 * max_buffered, the tree by max_args and max_depth. Nothing is allocated
 * by a number the peer sent (literal buffers grow as data arrives).
 * After an error the parser skips to the end of the line, and past the
 * data of a non-synchronizing literal that ends it, so literal data is
 * never read as a command (no command injection through a refused
 * "{n+}"). Fuzzed by tests/fuzz/fuzz-imap-cmd.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pool;

#define IMAP_PARSER_DEFAULT_MAX_LINE		65536
#define IMAP_PARSER_DEFAULT_MAX_LITERAL	((uint64_t)64 * 1024 * 1024)
#define IMAP_PARSER_DEFAULT_MAX_BUFFERED	(1024 * 1024)
#define IMAP_PARSER_DEFAULT_MAX_DEPTH		16
#define IMAP_PARSER_DEFAULT_MAX_ARGS		4096
/* RFC 7888 section 4: LITERAL- caps non-synchronizing literals */
#define IMAP_LITERAL_MINUS_MAX			4096

/* Limits; a 0 field takes the default. */
struct imap_parser_limits {
	size_t max_line;	/* non-literal octets of one command, every
				   CRLF and literal header included */
	uint64_t max_literal;	/* any one literal, buffered or streamed */
	size_t max_buffered;	/* literal octets buffered per command */
	unsigned int max_depth;	/* list nesting */
	unsigned int max_args;	/* arguments per command, lists and their
				   members included */
	bool literal_minus;	/* LITERAL-: "{n+}" over 4096 is refused */
};

enum imap_parse_status {
	IMAP_PARSE_MORE = 0,	/* all input consumed; command incomplete */
	IMAP_PARSE_DONE,	/* a command is complete */
	IMAP_PARSE_LITERAL,	/* a literal header was read; decide */
	IMAP_PARSE_ERROR,	/* the command is refused */
};

/* Why a command was refused; the comment is imap_parse_error_reply(). */
enum imap_parse_error {
	IMAP_PERR_NONE = 0,
	IMAP_PERR_SYNTAX,	  /* BAD */
	IMAP_PERR_LINE_TOO_LONG,  /* BAD [TOOBIG] */
	IMAP_PERR_LITERAL_TOO_BIG, /* NO [TOOBIG]: "{n}" over max_literal */
	IMAP_PERR_NONSYNC_TOO_BIG, /* BAD [TOOBIG]: "{n+}" over the limit */
	IMAP_PERR_TOO_MANY_ARGS,  /* BAD */
	IMAP_PERR_TOO_DEEP,	  /* BAD */
	IMAP_PERR_SINK,		  /* NO: a literal sink returned -1 */
};

enum imap_arg_type {
	IMAP_ARG_ATOM = 0,
	IMAP_ARG_NIL,		/* atom NIL in any case; str as sent */
	IMAP_ARG_STRING,	/* quoted string, unescaped */
	IMAP_ARG_LITERAL,	/* {n}, {n+}, ~{n}, ~{n+} */
	IMAP_ARG_LIST,
};

/*
 * One argument. str is NUL-terminated and never NULL (for a list or a
 * streamed literal it is ""). Atoms are printable ASCII as sent; quoted
 * strings are valid UTF-8 without NUL; literal data is any octets but NUL
 * (NUL too when binary). A streamed literal has streamed set, len 0 and
 * its size in literal_size; its data went to the sink.
 */
struct imap_arg {
	enum imap_arg_type type;
	const char *str;
	size_t len;
	/* IMAP_ARG_LITERAL */
	uint64_t literal_size;
	bool literal_sync;	/* "{n}" rather than "{n+}" */
	bool binary;		/* "~{n}" (RFC 3516) */
	bool streamed;
	/* IMAP_ARG_LIST */
	const struct imap_arg *list;
	unsigned int count;
};

/*
 * The command being parsed. At IMAP_PARSE_DONE everything is set; at
 * IMAP_PARSE_ERROR error and error_msg are, and tag when it was readable
 * (NULL means answer "* BAD"), name when it was read; at
 * IMAP_PARSE_LITERAL args holds the complete top-level arguments so far.
 * "UID FETCH ..." has uid set, name "UID FETCH" and args after FETCH.
 * Valid until the next imap_parser_feed() or imap_parser_reset() (or
 * copy it with imap_cmd_dup()).
 */
struct imap_cmd {
	const char *tag;
	const char *name;
	bool uid;
	const struct imap_arg *args;
	unsigned int count;
	enum imap_parse_error error;
	const char *error_msg;	/* static English text, capitalised */
};

/* What IMAP_PARSE_LITERAL is about. */
struct imap_literal_info {
	uint64_t size;
	bool sync;		/* the client waits for "+" */
	bool binary;
	unsigned int depth;	/* 0: a top-level argument */
	unsigned int index;	/* its position in its list (or args) */
};

/*
 * imap_literal_sink_fn - take the next len octets of a streamed literal;
 * last is true on the call that completes it (for an empty literal the
 * only call, with len 0). Returns 0, or -1 to fail the command
 * (IMAP_PERR_SINK; the rest of the literal is then discarded). How the
 * input was split changes the chunks, never their concatenation.
 */
typedef int imap_literal_sink_fn(void *ctx, const char *data, size_t len,
				 bool last);

struct imap_parser;

/* imap_parser_new - a parser with the given limits (NULL: defaults) */
struct imap_parser *imap_parser_new(const struct imap_parser_limits *limits);
/* imap_parser_free - free it and set *parser to NULL */
void imap_parser_free(struct imap_parser **parser);

/*
 * imap_parser_feed - consume input. *consumed_r counts the octets used;
 * the rest of data belongs to the next call. MORE means all was used.
 * DONE ends after the command's final LF, LITERAL after the literal
 * header's LF. ERROR comes as soon as the command is known bad (the
 * offending octet is not consumed); later calls discard the rest of that
 * line, then parse the next command. While a literal decision is pending
 * the call returns LITERAL again and consumes nothing. The results do not
 * depend on how the input is split.
 */
enum imap_parse_status imap_parser_feed(struct imap_parser *parser,
					const char *data, size_t len,
					size_t *consumed_r)
	__attribute__((warn_unused_result));

/* imap_parser_cmd - the command being parsed (see struct imap_cmd) */
const struct imap_cmd *imap_parser_cmd(const struct imap_parser *parser);

/* imap_parser_literal_info - the literal of a pending LITERAL status */
const struct imap_literal_info *
imap_parser_literal_info(const struct imap_parser *parser);

/*
 * imap_parser_literal_accept - buffer the pending literal as an argument.
 * Returns -1 (nothing changes; refuse or stream it instead) when it would
 * take the command's buffered literal data over max_buffered.
 */
int imap_parser_literal_accept(struct imap_parser *parser)
	__attribute__((warn_unused_result));

/* imap_parser_literal_stream - hand the pending literal's data to sink;
 * the argument gets streamed set. Meant for APPEND message data. */
void imap_parser_literal_stream(struct imap_parser *parser,
				imap_literal_sink_fn *sink, void *ctx);

/*
 * imap_parser_literal_refuse - end the command at the pending literal; the
 * server sends the tagged NO or BAD. For "{n}" the client sends nothing
 * more of the command; for "{n+}" its data and the rest of the line are
 * coming anyway and are discarded.
 */
void imap_parser_literal_refuse(struct imap_parser *parser);

/* imap_cmd_dup - a deep copy of a command (tag, name, error, argument
 * tree) in pool, for a server that keeps it past the next feed */
struct imap_cmd *imap_cmd_dup(struct pool *pool, const struct imap_cmd *cmd);

/* imap_parser_reset - forget any partial command (after STARTTLS, or when
 * the server read lines itself, as for AUTHENTICATE or IDLE) */
void imap_parser_reset(struct imap_parser *parser);

/* imap_parse_error_reply - response status and code for an error:
 * "BAD", "BAD [TOOBIG]", "NO [TOOBIG]" or "NO" */
const char *imap_parse_error_reply(enum imap_parse_error error);

/* ---- character classes (RFC 3501 section 9) and argument helpers ---- */

/* imap_is_atom_char - ATOM-CHAR: CHAR except atom-specials */
bool imap_is_atom_char(unsigned char c);
/* imap_is_astring_char - ASTRING-CHAR: ATOM-CHAR or "]" */
bool imap_is_astring_char(unsigned char c);
/* imap_is_tag_char - any ASTRING-CHAR except "+" */
bool imap_is_tag_char(unsigned char c);
/* imap_atom_valid - 1*ATOM-CHAR */
bool imap_atom_valid(const char *s, size_t len);

/* imap_arg_get_atom - the text of an atom (NIL included), else NULL */
const char *imap_arg_get_atom(const struct imap_arg *arg);
/* imap_arg_atom_eq - an atom equal to word, ignoring ASCII case */
bool imap_arg_atom_eq(const struct imap_arg *arg, const char *word);
/*
 * imap_arg_get_astring - astring: an atom of ASTRING-CHARs (NIL too), a
 * quoted string or a buffered non-binary literal. Returns false for
 * anything else; *str_r may then be left unset.
 */
bool imap_arg_get_astring(const struct imap_arg *arg, const char **str_r,
			  size_t *len_r);
/* imap_arg_get_string - a quoted string or buffered non-binary literal */
bool imap_arg_get_string(const struct imap_arg *arg, const char **str_r,
			 size_t *len_r);
/* imap_arg_get_list - the members of a list */
bool imap_arg_get_list(const struct imap_arg *arg,
		       const struct imap_arg **list_r, unsigned int *count_r);

#endif
