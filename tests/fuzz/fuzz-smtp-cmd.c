/*
 * fuzz-smtp-cmd.c - libFuzzer target for backend/smtpd/smtp-parse.c.
 *
 * fuzz-sources: backend/smtpd/smtp-parse.c lib/pool.c lib/buf.c lib/log.c lib/strnum.c
 *
 * The input is split into lines at LF (one trailing CR is dropped, as the
 * server does); each line goes through every parser:
 *
 *   smtp_cmd_parse()      and, for AUTH PLAIN with an initial response,
 *                         smtp_sasl_plain_parse() on the decoded bytes
 *   smtp_path_parse()     on the whole line, with flags from its length
 *   smtp_b64_decode()     strict, so encoding the result gives the line back
 *   smtp_auth_response_parse(), smtp_sasl_plain_parse(), smtp_xtext_decode()
 *
 * Beyond "no crash, no leak, no UB" the results are checked against the
 * contract in smtp-parse.h; a violation aborts so libFuzzer reports it:
 * paths are valid UTF-8 without control octets, domains lower-case, the
 * canonical address parses back to itself, limits hold, decoded xtext is
 * printable ASCII, SASL PLAIN parts are non-empty UTF-8 without NUL. One
 * pool per input, destroyed before returning.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pool.h"
#include "smtp-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - abort when a contract invariant does not hold */
static void check(bool ok)
{
	if (!ok)
		abort();
}

/* printable - only octets 32-126 */
static bool printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 32 || (unsigned char)*s > 126)
			return false;
	}
	return true;
}

/* no_controls - valid UTF-8 without octets below 32 or DEL */
static bool no_controls(const char *s)
{
	size_t i, len = strlen(s);

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 32 || s[i] == 0x7f)
			return false;
	}
	return utf8_valid(s, len);
}

/* check_path - the struct smtp_path contract */
static void check_path(struct pool *pool, const struct smtp_path *p,
		       unsigned int flags)
{
	struct smtp_path again;
	const char *error, *s;
	size_t dlen = strlen(p->domain);
	char *wrapped;
	bool ascii = true;

	check(no_controls(p->addr));
	check(no_controls(p->local));
	check(no_controls(p->domain));
	for (s = p->domain; *s != '\0'; s++)
		check(*s < 'A' || *s > 'Z');
	for (s = p->addr; *s != '\0'; s++)
		ascii = ascii && (unsigned char)*s < 0x80;
	check(p->utf8 || ascii);
	check(smtp_local_part_has_routing(p) ==
	      (strpbrk(p->local, "%!@") != NULL));
	if (p->is_null) {
		check((flags & SMTP_PATH_ALLOW_NULL) != 0);
		check(p->addr[0] == '\0' && p->local[0] == '\0' && dlen == 0);
		return;
	}
	check(p->local[0] != '\0');
	if (dlen == 0) {
		/* only the bare "<Postmaster>" has no domain */
		check((flags & SMTP_PATH_ALLOW_POSTMASTER) != 0);
		check(p->is_postmaster);
		check(strcmp(p->addr, "postmaster") == 0);
		return;
	}
	check(dlen <= SMTP_DOMAIN_MAX);
	check(strlen(p->addr) > dlen + 1);
	check(strcmp(p->addr + strlen(p->addr) - dlen, p->domain) == 0);
	check(p->addr[strlen(p->addr) - dlen - 1] == '@');
	check(p->domain_is_literal == (p->domain[0] == '['));
	check(p->domain_trailing_dot == (p->domain[dlen - 1] == '.'));

	/* the canonical form parses back to itself */
	wrapped = p_printf(pool, "<%s>", p->addr);
	check(smtp_path_parse(pool, wrapped, strlen(wrapped), 0, &again, NULL,
			      &error) == 0);
	check(strcmp(again.addr, p->addr) == 0);
	check(strcmp(again.local, p->local) == 0);
	check(strcmp(again.domain, p->domain) == 0);
	check(!again.had_source_route);
	/* a route may have held the only non-ASCII */
	check(again.utf8 == p->utf8 || (p->had_source_route && !again.utf8));
}

/* check_plain - SASL PLAIN results */
static void check_plain(struct pool *pool, const char *data, size_t len)
{
	const char *z, *c, *p;

	if (smtp_sasl_plain_parse(data, len, &z, &c, &p, pool) < 0)
		return;
	check(c[0] != '\0' && p[0] != '\0');
	check(strlen(z) + strlen(c) + strlen(p) + 2 == len);
	check(utf8_valid(z, strlen(z)) && utf8_valid(c, strlen(c)) &&
	      utf8_valid(p, strlen(p)));
}

/* check_cmd - one command line */
static void check_cmd(struct pool *pool, const char *line, size_t len)
{
	struct smtp_cmd cmd;
	const char *error = NULL, *reply;

	if (smtp_cmd_parse(pool, line, len, &cmd, &error) < 0) {
		check(error != NULL && cmd.error != SMTP_CMD_OK);
		reply = smtp_cmd_error_reply(cmd.verb, cmd.error);
		check(reply[0] >= '4' && reply[0] <= '5' && reply[3] == ' ');
		return;
	}
	check(cmd.error == SMTP_CMD_OK && cmd.verb != SMTP_VERB_UNKNOWN);
	check(memchr(line, '\0', len) == NULL &&
	      memchr(line, '\r', len) == NULL &&
	      memchr(line, '\n', len) == NULL);
	check(strlen(cmd.arg) < len);
	switch (cmd.verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
		check(cmd.helo != NULL && strcmp(cmd.helo, cmd.arg) == 0);
		check(printable(cmd.helo));
		check(cmd.helo_is_literal == (cmd.helo[0] == '['));
		break;
	case SMTP_VERB_MAIL:
		check_path(pool, &cmd.path, SMTP_PATH_ALLOW_NULL);
		check(!cmd.path.utf8 || cmd.mail.smtputf8);
		check(cmd.mail.envid == NULL ||
		      (printable(cmd.mail.envid) &&
		       strlen(cmd.mail.envid) <= 100));
		check(cmd.mail.auth == NULL || printable(cmd.mail.auth));
		check(cmd.rcpt.notify == 0 && cmd.rcpt.orcpt == NULL);
		break;
	case SMTP_VERB_RCPT:
		check_path(pool, &cmd.path, SMTP_PATH_ALLOW_POSTMASTER);
		check(!cmd.path.is_null);
		check((cmd.rcpt.orcpt == NULL) ==
		      (cmd.rcpt.orcpt_type == NULL));
		check(cmd.rcpt.orcpt == NULL || printable(cmd.rcpt.orcpt));
		check((cmd.rcpt.notify & SMTP_NOTIFY_NEVER) == 0 ||
		      cmd.rcpt.notify == SMTP_NOTIFY_NEVER);
		check(!cmd.mail.has_size && !cmd.mail.smtputf8);
		break;
	case SMTP_VERB_AUTH:
		check(cmd.auth.mech == SMTP_SASL_PLAIN ||
		      cmd.auth.mech == SMTP_SASL_LOGIN);
		if (cmd.auth.has_initial) {
			check(cmd.auth.initial != NULL);
			check(cmd.auth.initial[cmd.auth.initial_len] == '\0');
			if (cmd.auth.mech == SMTP_SASL_PLAIN)
				check_plain(pool, cmd.auth.initial,
					    cmd.auth.initial_len);
		}
		break;
	default:
		break;
	}
}

/* check_raw - the helpers on the line as a whole */
static void check_raw(struct pool *pool, const char *line, size_t len)
{
	struct smtp_path path;
	const char *error, *x;
	char *out, *enc;
	size_t out_len;
	bool too_long;
	int ret;
	unsigned int flags = (unsigned int)len & 3;

	if (smtp_path_parse(pool, line, len, flags, &path, &too_long,
			    &error) == 0) {
		check(len <= SMTP_PATH_MAX);
		check_path(pool, &path, flags);
	} else {
		check(error != NULL);
	}

	if (smtp_b64_decode(pool, line, len, &out, &out_len) == 0) {
		/* strict base64 is canonical */
		check(out[out_len] == '\0');
		enc = smtp_b64_encode(pool, out, out_len);
		check(strlen(enc) == len && memcmp(enc, line, len) == 0);
		check_plain(pool, out, out_len);
	}
	ret = smtp_auth_response_parse(pool, line, len, &out, &out_len);
	check(ret == 1 ? len == 1 && line[0] == '*' : ret == 0 || ret == -1);

	check_plain(pool, line, len);

	if (smtp_xtext_decode(pool, line, len, &x) == 0) {
		check(printable(x));
		check(strlen(x) <= len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool = pool_new("fuzz-smtp-cmd", 4096);
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t len;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		check_cmd(pool, p, len);
		check_raw(pool, p, len);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	pool_destroy(&pool);
	return 0;
}
