#ifndef MH_SMTP_PARSE_H
#define MH_SMTP_PARSE_H
/*
 * smtp-parse.h - pure parsers for one SMTP command line and for the AUTH
 * exchange (RFC 5321, 1870, 3461, 4954, 4616, 6152, 6531).
 *
 * SECURITY: every input is untrusted network data given as (data, len);
 * nothing is read past len and nothing needs a NUL terminator. Results are
 * allocated from the caller's pool, sized only by the input length (which
 * the server has already capped), never by a number the peer sent. The
 * parsers do no I/O and keep no state. Fuzzed by tests/fuzz/fuzz-smtp-cmd.c.
 *
 * Return convention: 0 ok, -1 error. On error *error_r is a short static
 * English message (for logs) and, for smtp_cmd_parse(), cmd_r->error says
 * which reply to send; smtp_cmd_error_reply() suggests the reply text.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pool;

/* RFC 5321 4.5.3.1 size limits, in octets */
#define SMTP_LOCAL_PART_MAX	64	/* as sent, quotes included */
#define SMTP_DOMAIN_MAX		255
#define SMTP_LABEL_MAX		63
#define SMTP_PATH_MAX		256	/* "<" ... ">" included */

enum smtp_verb {
	SMTP_VERB_UNKNOWN = 0,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
};

/* Why a command was refused; the comment is the suggested reply. */
enum smtp_cmd_error {
	SMTP_CMD_OK = 0,
	SMTP_CMD_ERR_LINE,	   /* 500 5.5.2: empty, NUL, CR or LF */
	SMTP_CMD_ERR_UNKNOWN,	   /* 500 5.5.1 command unrecognized */
	SMTP_CMD_ERR_SYNTAX,	   /* 501 5.5.2 bad arguments */
	SMTP_CMD_ERR_BAD_DOMAIN,   /* 501 5.5.2 HELO/EHLO argument */
	SMTP_CMD_ERR_BAD_SENDER,   /* 501 5.1.7 */
	SMTP_CMD_ERR_BAD_RECIPIENT, /* 501 5.1.3 */
	SMTP_CMD_ERR_PATH_TOO_LONG, /* 501 5.1.7 (MAIL) / 5.1.3 (RCPT) */
	SMTP_CMD_ERR_UTF8,	   /* 553 5.6.7 non-ASCII without SMTPUTF8 */
	SMTP_CMD_ERR_PARAM_UNKNOWN, /* 555 5.5.4 */
	SMTP_CMD_ERR_PARAM_SYNTAX, /* 501 5.5.4 bad value or duplicate */
	SMTP_CMD_ERR_AUTH_MECH,	   /* 504 5.5.4 unsupported mechanism */
	SMTP_CMD_ERR_AUTH_B64,	   /* 501 5.5.2 cannot decode base64 */
};

/*
 * A reverse-path or forward-path. Strings are never NULL. The null path
 * "<>" has is_null and empty local, domain and addr; the bare RCPT
 * "<Postmaster>" has is_postmaster, local and addr "postmaster" and an
 * empty domain. is_postmaster is also set for "postmaster@domain" (any
 * case, quoted or not). addr is the canonical form: the local part
 * unquoted when it is a valid Dot-string, else quoted with only '"' and
 * '\' escaped, then "@" and the lower-cased domain; source routes are
 * dropped. Address literals keep their brackets: "[192.0.2.1]",
 * "[ipv6:2001:db8::1]".
 */
struct smtp_path {
	const char *local;	/* unquoted form */
	const char *domain;	/* ASCII lower-cased, trailing dot kept */
	const char *addr;	/* canonical local@domain */
	bool is_null;
	bool is_postmaster;
	bool domain_is_literal;
	bool domain_trailing_dot;
	bool had_source_route;	/* "@a,@b:u@c": the route was ignored */
	bool local_quoted;	/* the local part was sent quoted */
	bool utf8;		/* non-ASCII (valid UTF-8) in the path */
};

enum smtp_body {
	SMTP_BODY_NONE = 0,	/* no BODY= parameter */
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
	SMTP_BODY_BINARYMIME,	/* needs CHUNKING: the server refuses it */
};

enum smtp_ret {
	SMTP_RET_NONE = 0,
	SMTP_RET_FULL,
	SMTP_RET_HDRS,
};

/* NOTIFY= bits; 0 means the parameter was absent */
#define SMTP_NOTIFY_NEVER	0x01
#define SMTP_NOTIFY_SUCCESS	0x02
#define SMTP_NOTIFY_FAILURE	0x04
#define SMTP_NOTIFY_DELAY	0x08

/* MAIL FROM parameters. Decoded xtext is printable ASCII (32-126). */
struct smtp_mail_params {
	bool has_size;
	uint64_t size;		/* SIZE=, as declared (check it, never
				   allocate by it) */
	enum smtp_body body;
	bool smtputf8;
	enum smtp_ret ret;
	const char *envid;	/* ENVID=, decoded; NULL when absent */
	const char *auth;	/* AUTH=, decoded; "" for "<>"; NULL absent */
};

/* RCPT TO parameters */
struct smtp_rcpt_params {
	unsigned int notify;	/* SMTP_NOTIFY_* */
	const char *orcpt_type;	/* addr-type lower-cased; NULL when absent */
	const char *orcpt;	/* decoded address */
};

enum smtp_sasl_mech {
	SMTP_SASL_NONE = 0,
	SMTP_SASL_PLAIN,
	SMTP_SASL_LOGIN,
};

struct smtp_auth_cmd {
	enum smtp_sasl_mech mech;
	const char *mech_name;	/* as sent (set for unknown ones too) */
	bool has_initial;	/* an initial response was given */
	char *initial;		/* decoded, NUL-terminated, may hold NULs */
	size_t initial_len;	/* 0 for "=" */
};

/*
 * One parsed command. verb is set as soon as it is known, also when the
 * rest fails, so the server can tell which command was refused. arg is
 * the raw text after the verb and its single space ("" when none), kept
 * for logs. On error only verb, error, arg and auth.mech_name mean
 * anything; path is then either empty or complete (the parameters
 * failed), never half-parsed.
 */
struct smtp_cmd {
	enum smtp_verb verb;
	enum smtp_cmd_error error;
	const char *arg;
	/* HELO, EHLO: the validated argument as sent */
	const char *helo;
	bool helo_is_literal;
	/* MAIL, RCPT */
	struct smtp_path path;
	struct smtp_mail_params mail;
	struct smtp_rcpt_params rcpt;
	/* AUTH */
	struct smtp_auth_cmd auth;
};

/*
 * smtp_cmd_parse - parse one command line without its CRLF. The verb is
 * case-insensitive; BDAT and anything else unknown is SMTP_CMD_ERR_UNKNOWN.
 * Syntax is strict RFC 5321 with one tolerance: a single space after
 * "FROM:" / "TO:". Non-ASCII is allowed only inside the path, must be
 * valid UTF-8, and on MAIL needs the SMTPUTF8 parameter (for RCPT the
 * server checks path.utf8 against the transaction).
 */
int smtp_cmd_parse(struct pool *pool, const char *line, size_t len,
		   struct smtp_cmd *cmd_r, const char **error_r)
	__attribute__((warn_unused_result));

/* flags for smtp_path_parse() */
#define SMTP_PATH_ALLOW_NULL		0x01	/* "<>" (MAIL) */
#define SMTP_PATH_ALLOW_POSTMASTER	0x02	/* "<Postmaster>" (RCPT) */

/*
 * smtp_path_parse - parse exactly one "<...>" path filling all of len.
 * Returns 0, or -1 with *too_long_r telling whether a length limit (rather
 * than the syntax) was the reason. too_long_r may be NULL.
 */
int smtp_path_parse(struct pool *pool, const char *data, size_t len,
		    unsigned int flags, struct smtp_path *path_r,
		    bool *too_long_r, const char **error_r)
	__attribute__((warn_unused_result));

/* smtp_local_part_has_routing - '%', '!' or '@' in the (unquoted) local
 * part: "u%ext@local", "ext!u@local", "\"u@ext\"@local" */
bool smtp_local_part_has_routing(const struct smtp_path *path);

/* smtp_verb_name - upper-case name for logs ("UNKNOWN" for unknown) */
const char *smtp_verb_name(enum smtp_verb verb);

/* smtp_cmd_error_reply - suggested reply line (without CRLF) for a refused
 * command, e.g. "501 5.1.7 Bad sender address syntax" */
const char *smtp_cmd_error_reply(enum smtp_verb verb,
				 enum smtp_cmd_error error);

/*
 * smtp_xtext_decode - RFC 3461 xtext: "+" and two upper-case hex digits,
 * other octets 33-126 except '+' and '='. The decoded text must be
 * printable ASCII (32-126), so it is safe in DSN header fields.
 */
int smtp_xtext_decode(struct pool *pool, const char *in, size_t len,
		      const char **out_r)
	__attribute__((warn_unused_result));

/*
 * smtp_b64_decode - strict base64 (RFC 4648 section 4): length a multiple
 * of 4, alphabet only (no white space), '=' only as final padding, unused
 * bits zero. Empty input decodes to empty output. *out_r is
 * NUL-terminated (the NUL is not counted) and may contain NULs. On error
 * -1 and the out-params are untouched.
 */
int smtp_b64_decode(struct pool *pool, const char *in, size_t len,
		    char **out_r, size_t *out_len_r)
	__attribute__((warn_unused_result));

/* smtp_b64_encode - base64 with padding, NUL-terminated */
char *smtp_b64_encode(struct pool *pool, const void *data, size_t len);

/*
 * smtp_auth_response_parse - one client line during an AUTH exchange:
 * returns 1 for "*" (the client cancels: 501 5.0.0), 0 with the decoded
 * data, -1 when it is not strict base64 (501 5.5.2).
 */
int smtp_auth_response_parse(struct pool *pool, const char *line,
			     size_t len, char **data_r, size_t *len_r)
	__attribute__((warn_unused_result));

/*
 * smtp_sasl_plain_parse - RFC 4616 message: [authzid] NUL authcid NUL
 * passwd. Exactly two NULs; authcid and passwd non-empty; all three valid
 * UTF-8. authzid is "" when absent. The strings live in pool, so use a
 * short-lived pool for them (the password is not wiped).
 */
int smtp_sasl_plain_parse(const char *data, size_t len,
			  const char **authzid_r, const char **authcid_r,
			  const char **password_r, struct pool *pool)
	__attribute__((warn_unused_result));

#endif
