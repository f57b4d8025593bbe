/*
 * smtp-parse.c - SMTP command line parser and AUTH helpers for mailhived.
 *
 * The server loop reads one line, strips its CRLF, checks the line limit
 * and hands the rest to smtp_cmd_parse(). This file turns those octets
 * into a struct smtp_cmd: the verb, and for MAIL/RCPT the path and its
 * ESMTP parameters, for HELO/EHLO the validated domain, for AUTH the
 * mechanism and decoded initial response. It does no I/O, keeps no state
 * and decides nothing about policy (relaying, sizes, TLS): it reports
 * facts (flags, decoded values) and an error kind; the server picks the
 * reply, usually with smtp_cmd_error_reply().
 *
 * Grammar (RFC 5321 section 4.1.2, with RFC 6531 for UTF-8):
 *
 *   Path      = "<" [ A-d-l ":" ] Mailbox ">"     A-d-l = @dom *("," @dom)
 *   Mailbox   = Local-part "@" ( Domain / address-literal )
 *   Local-part = Dot-string / Quoted-string
 *   Domain    = sub-domain *("." sub-domain)     1-63 octets per label
 *   literal   = "[" IPv4 "]" / "[IPv6:" IPv6 "]"
 *   params    = *( SP keyword [ "=" value ] )    value: octets 33-126 but "="
 *
 * Deliberate choices where the RFCs leave room, all on the strict side:
 *  - "MAIL FROM: <a@b>" (one space after the colon) is accepted because
 *    common clients send it; anything else around the path is an error,
 *    including a missing "<>" and trailing white space.
 *  - A domain may end in one dot (flagged, not stripped) so the server
 *    can treat "ext.test." like "ext.test" in relay checks; a last label
 *    of digits only ("u@192.0.2.1") is refused: IPs need brackets.
 *  - IPv4 parts with leading zeros ("[010.0.0.1]") are refused (octal
 *    ambiguity); IPv6 follows RFC 5321 exactly ("::" stands for at least
 *    two groups, so at most 6 explicit groups beside it); general
 *    address literals ("[tag:...]") are refused.
 *  - The 64-octet local-part limit counts the local part as sent (quotes
 *    and backslashes included); an empty quoted local part is refused.
 *  - HELO accepts an address literal too (RFC 5321 grants that to EHLO
 *    only); HELO/EHLO never accept non-ASCII.
 *  - ESMTP parameter values must be ASCII even with SMTPUTF8, and decoded
 *    xtext must be printable ASCII, so ENVID/ORCPT/AUTH= can be copied
 *    into DSN header fields without injecting line breaks.
 *
 * SECURITY: the line is untrusted network input. Everything works on
 * (data, len) with explicit bounds; embedded NUL, CR and LF are refused
 * before anything else. Allocation is from the caller's pool and sized
 * only by the input length, never by a number the peer sent (SIZE= is
 * parsed with strnum and only reported). No recursion, no backtracking:
 * each parse is one left-to-right pass, linear in the input.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "pool.h"
#include "strnum.h"

#include "smtp-parse.h"

#define ENVID_MAX	100	/* RFC 3461 section 4.4 */
#define ORCPT_MAX	500	/* RFC 3461 section 4.2 */
#define SASL_MECH_MAX	20	/* RFC 4422 section 3.1 */

/* scan results: syntax error or a length limit */
#define SCAN_SYNTAX	(-1)
#define SCAN_TOO_LONG	(-2)

/* ==== character classes ================================================ */

/* is_alpha - ASCII letter */
static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* is_digit - ASCII digit */
static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* is_hexdig - hex digit, either case (IPv6) */
static bool is_hexdig(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* is_atext - RFC 5321 atext (ASCII part) */
static bool is_atext(unsigned char c)
{
	return is_alpha(c) || is_digit(c) ||
		(c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* is_qtext - RFC 5321 qtextSMTP (ASCII part): 32-33, 35-91, 93-126 */
static bool is_qtext(unsigned char c)
{
	return c >= 32 && c <= 126 && c != '"' && c != '\\';
}

/* is_label_char - octet that can be part of a domain label */
static bool is_label_char(unsigned char c, bool allow_utf8)
{
	return is_alpha(c) || is_digit(c) || c == '-' ||
		(allow_utf8 && c >= 0x80);
}

/* to_lower - ASCII lower case; other octets unchanged */
static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/* ncase_eq - len octets of s equal the literal word, ignoring ASCII case */
static bool ncase_eq(const char *s, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return false;
	for (i = 0; i < len; i++) {
		if (to_lower(s[i]) != to_lower(word[i]))
			return false;
	}
	return true;
}

/* hex_val - value of a hex digit already checked with is_hexdig() */
static unsigned int hex_val(unsigned char c)
{
	if (is_digit(c))
		return (unsigned int)(c - '0');
	return (unsigned int)(to_lower((char)c) - 'a' + 10);
}

/* ==== domains and address literals ===================================== */

struct dom_scan {
	bool trailing_dot;
	bool utf8;
};

/*
 * scan_domain - a Domain starting at s[*pos]; stops at the first octet
 * that cannot continue it and leaves *pos there. Returns 0, SCAN_SYNTAX or
 * SCAN_TOO_LONG (over 255 octets).
 */
static int scan_domain(const char *s, size_t len, size_t *pos,
		       bool allow_utf8, bool allow_trailing_dot,
		       struct dom_scan *d)
{
	size_t i = *pos, start = *pos, lstart;
	bool numeric = true;

	d->trailing_dot = false;
	d->utf8 = false;
	for (;;) {
		lstart = i;
		numeric = true;
		while (i < len && is_label_char((unsigned char)s[i],
						allow_utf8)) {
			unsigned char c = (unsigned char)s[i];

			if (!is_digit(c))
				numeric = false;
			if (c >= 0x80)
				d->utf8 = true;
			i++;
		}
		if (i == lstart || s[lstart] == '-' || s[i - 1] == '-')
			return SCAN_SYNTAX;
		if (i - lstart > SMTP_LABEL_MAX)
			return SCAN_SYNTAX;
		if (i >= len || s[i] != '.')
			break;
		i++;
		if (i < len && is_label_char((unsigned char)s[i], allow_utf8))
			continue;
		/* a dot not followed by a label ends the domain */
		if (!allow_trailing_dot)
			return SCAN_SYNTAX;
		d->trailing_dot = true;
		break;
	}
	if (i - start > SMTP_DOMAIN_MAX)
		return SCAN_TOO_LONG;
	if (numeric)
		return SCAN_SYNTAX;	/* all-digit top label: not a name */
	*pos = i;
	return 0;
}

/* ipv4_valid - exactly a.b.c.d, each 0-255 without leading zeros */
static bool ipv4_valid(const char *s, size_t len)
{
	size_t i = 0, n;
	unsigned int part, v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		v = 0;
		n = 0;
		while (i < len && is_digit((unsigned char)s[i]) && n < 4) {
			v = v * 10 + (unsigned int)(s[i] - '0');
			i++;
			n++;
		}
		if (n == 0 || n > 3 || v > 255 || (n > 1 && s[i - n] == '0'))
			return false;
	}
	return i == len;
}

/*
 * ipv6_valid - RFC 5321 IPv6-addr: IPv6-full (8 groups), IPv6-comp (at
 * most 6 groups around one "::"), and both forms with an IPv4 tail that
 * counts as two groups.
 */
static bool ipv6_valid(const char *s, size_t len)
{
	size_t i = 0, start, n, groups = 0;
	bool compressed = false;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		compressed = true;
		i = 2;
		if (i == len)
			return true;
	}
	for (;;) {
		start = i;
		n = 0;
		while (i < len && is_hexdig((unsigned char)s[i]) && n < 5) {
			i++;
			n++;
		}
		if (i < len && s[i] == '.') {
			/* IPv4 tail: must be the rest of the literal */
			if (!ipv4_valid(s + start, len - start))
				return false;
			groups += 2;
			break;
		}
		if (n == 0 || n > 4)
			return false;
		groups++;
		if (i == len)
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < len && s[i] == ':') {
			if (compressed)
				return false;
			compressed = true;
			i++;
			if (i == len)
				break;
		} else if (i == len) {
			return false;	/* trailing single colon */
		}
	}
	return compressed ? groups <= 6 : groups == 8;
}

/* scan_literal - "[IPv4]" or "[IPv6:...]" at s[*pos] (which is '[') */
static int scan_literal(const char *s, size_t len, size_t *pos)
{
	size_t i = *pos + 1, start = i;
	const char *lit;
	size_t lit_len;
	bool ok;

	while (i < len && s[i] != ']') {
		unsigned char c = (unsigned char)s[i];

		if (c < 33 || c > 126 || c == '[' || c == '\\')
			return SCAN_SYNTAX;
		i++;
	}
	if (i >= len)
		return SCAN_SYNTAX;
	lit = s + start;
	lit_len = i - start;
	if (lit_len > 5 && ncase_eq(lit, 5, "IPv6:"))
		ok = ipv6_valid(lit + 5, lit_len - 5);
	else
		ok = ipv4_valid(lit, lit_len);
	if (!ok)
		return SCAN_SYNTAX;
	*pos = i + 1;
	return 0;
}

/* lower_copy - pool copy of len octets with ASCII lower-cased */
static char *lower_copy(struct pool *pool, const char *s, size_t len)
{
	char *p = p_strndup(pool, s, len);
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = to_lower(p[i]);
	return p;
}

/* ==== local parts and paths ============================================ */

/*
 * scan_local - Local-part at s[*pos]. The unquoted form goes to out,
 * which has room for len - *pos octets. Returns 0, SCAN_SYNTAX or
 * SCAN_TOO_LONG (over 64 octets as sent).
 */
static int scan_local(const char *s, size_t len, size_t *pos, char *out,
		      size_t *out_len_r, bool *quoted_r, bool *utf8_r)
{
	size_t i = *pos, o = 0, astart;
	unsigned char c;

	if (i < len && s[i] == '"') {
		*quoted_r = true;
		i++;
		for (;;) {
			if (i >= len)
				return SCAN_SYNTAX;
			c = (unsigned char)s[i];
			if (c == '"') {
				i++;
				break;
			}
			if (c == '\\') {
				/* quoted-pairSMTP: backslash, then 32-126 */
				if (i + 1 >= len)
					return SCAN_SYNTAX;
				c = (unsigned char)s[i + 1];
				if (c < 32 || c > 126)
					return SCAN_SYNTAX;
				out[o++] = (char)c;
				i += 2;
				continue;
			}
			if (c >= 0x80)
				*utf8_r = true;
			else if (!is_qtext(c))
				return SCAN_SYNTAX;
			out[o++] = (char)c;
			i++;
		}
	} else {
		for (;;) {
			astart = i;
			while (i < len) {
				c = (unsigned char)s[i];
				if (c >= 0x80)
					*utf8_r = true;
				else if (!is_atext(c))
					break;
				out[o++] = (char)c;
				i++;
			}
			if (i == astart)
				return SCAN_SYNTAX;	/* empty atom */
			if (i >= len || s[i] != '.')
				break;
			out[o++] = '.';
			i++;
		}
	}
	if (o == 0)
		return SCAN_SYNTAX;
	if (i - *pos > SMTP_LOCAL_PART_MAX)
		return SCAN_TOO_LONG;
	out[o] = '\0';
	*out_len_r = o;
	*pos = i;
	return 0;
}

/* is_dot_string - the unquoted local part needs no quotes */
static bool is_dot_string(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.')
				return false;
		} else if (c < 0x80 && !is_atext(c)) {
			return false;
		}
	}
	return true;
}

/* make_addr - canonical "local@domain", quoting the local part if needed */
static const char *make_addr(struct pool *pool, const char *local,
			     size_t local_len, const char *domain)
{
	size_t dlen = strlen(domain), i, o = 0;
	char *p;

	if (is_dot_string(local, local_len))
		return p_printf(pool, "%s@%s", local, domain);
	/* @UNSAFE: each octet escaped at most once, 2 quotes, '@', NUL */
	p = p_alloc(pool, 2 * local_len + 4 + dlen);
	p[o++] = '"';
	for (i = 0; i < local_len; i++) {
		if (local[i] == '"' || local[i] == '\\')
			p[o++] = '\\';
		p[o++] = local[i];
	}
	p[o++] = '"';
	p[o++] = '@';
	memcpy(p + o, domain, dlen + 1);
	return p;
}

/* path_init - an empty path: all strings "", all flags false */
static void path_init(struct smtp_path *path)
{
	memset(path, 0, sizeof(*path));
	path->local = "";
	path->domain = "";
	path->addr = "";
}

/*
 * scan_path - one Path at s[*pos]; on success *pos is just past '>'.
 * Returns 0, SCAN_SYNTAX or SCAN_TOO_LONG with *error_r set.
 */
static int scan_path(struct pool *pool, const char *s, size_t len,
		     size_t *pos, unsigned int flags, struct smtp_path *path,
		     const char **error_r)
{
	size_t start = *pos, i = *pos, local_len = 0, dstart;
	struct dom_scan d;
	bool quoted = false, utf8 = false;
	char *local;
	int ret;

	path_init(path);
	if (i >= len || s[i] != '<') {
		*error_r = "path does not start with <";
		return SCAN_SYNTAX;
	}
	i++;
	if (i < len && s[i] == '>') {
		if ((flags & SMTP_PATH_ALLOW_NULL) == 0) {
			*error_r = "null path not allowed here";
			return SCAN_SYNTAX;
		}
		path->is_null = true;
		*pos = i + 1;
		return 0;
	}
	if (i < len && s[i] == '@') {
		/* A-d-l ":" - checked, then ignored (RFC 5321 C.) */
		for (;;) {
			i++;
			ret = scan_domain(s, len, &i, true, false, &d);
			if (ret < 0) {
				*error_r = "bad domain in source route";
				return ret;
			}
			utf8 = utf8 || d.utf8;
			if (i < len && s[i] == ',' && i + 1 < len &&
			    s[i + 1] == '@') {
				i++;
				continue;
			}
			if (i < len && s[i] == ':') {
				i++;
				break;
			}
			*error_r = "bad source route";
			return SCAN_SYNTAX;
		}
		path->had_source_route = true;
	}

	local = p_alloc(pool, len - i + 1);
	ret = scan_local(s, len, &i, local, &local_len, &quoted, &utf8);
	if (ret < 0) {
		*error_r = ret == SCAN_TOO_LONG ? "local part too long" :
			"bad local part";
		return ret;
	}
	if (i < len && s[i] == '>' && !quoted && !path->had_source_route &&
	    (flags & SMTP_PATH_ALLOW_POSTMASTER) != 0 &&
	    ncase_eq(local, local_len, "postmaster")) {
		/* RFC 5321 4.1.1.3: "<Postmaster>" without a domain */
		path->is_postmaster = true;
		path->local = "postmaster";
		path->addr = "postmaster";
		*pos = i + 1;
		return 0;
	}
	if (i >= len || s[i] != '@') {
		*error_r = "missing @domain";
		return SCAN_SYNTAX;
	}
	i++;
	dstart = i;
	if (i < len && s[i] == '[') {
		ret = scan_literal(s, len, &i);
		path->domain_is_literal = true;
		d.trailing_dot = false;
		d.utf8 = false;
	} else {
		ret = scan_domain(s, len, &i, true, true, &d);
	}
	if (ret < 0) {
		*error_r = ret == SCAN_TOO_LONG ? "domain too long" :
			"bad domain";
		return ret;
	}
	if (i >= len || s[i] != '>') {
		*error_r = "path does not end with >";
		return SCAN_SYNTAX;
	}
	i++;
	if (i - start > SMTP_PATH_MAX) {
		*error_r = "path too long";
		return SCAN_TOO_LONG;
	}
	utf8 = utf8 || d.utf8;
	if (utf8 && !utf8_valid(s + start, i - start)) {
		*error_r = "invalid UTF-8 in path";
		return SCAN_SYNTAX;
	}

	path->local = local;
	path->local_quoted = quoted;
	path->utf8 = utf8;
	path->domain = lower_copy(pool, s + dstart, i - 1 - dstart);
	path->domain_trailing_dot = d.trailing_dot;
	path->is_postmaster = ncase_eq(local, local_len, "postmaster");
	path->addr = make_addr(pool, local, local_len, path->domain);
	*pos = i;
	return 0;
}

/* smtp_path_parse - exactly one path filling all of data */
int smtp_path_parse(struct pool *pool, const char *data, size_t len,
		    unsigned int flags, struct smtp_path *path_r,
		    bool *too_long_r, const char **error_r)
{
	struct smtp_path path;
	size_t pos = 0;
	int ret;

	if (too_long_r != NULL)
		*too_long_r = false;
	ret = scan_path(pool, data, len, &pos, flags, &path, error_r);
	if (ret == 0 && pos != len) {
		*error_r = "text after the path";
		ret = SCAN_SYNTAX;
	}
	if (ret < 0) {
		if (too_long_r != NULL)
			*too_long_r = ret == SCAN_TOO_LONG;
		return -1;
	}
	*path_r = path;
	return 0;
}

/* smtp_local_part_has_routing - '%', '!' or '@' in the local part */
bool smtp_local_part_has_routing(const struct smtp_path *path)
{
	return strpbrk(path->local, "%!@") != NULL;
}

/* ==== xtext and base64 ================================================= */

/* is_xhex - RFC 3461 hexchar digit: 0-9, A-F (upper case only) */
static bool is_xhex(unsigned char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'F');
}

/* smtp_xtext_decode - strict xtext to printable ASCII */
int smtp_xtext_decode(struct pool *pool, const char *in, size_t len,
		      const char **out_r)
{
	char *out = p_alloc(pool, len + 1);
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '+') {
			if (len - i < 3 ||
			    !is_xhex((unsigned char)in[i + 1]) ||
			    !is_xhex((unsigned char)in[i + 2]))
				return -1;
			c = (unsigned char)(hex_val((unsigned char)in[i + 1]) *
					    16 +
					    hex_val((unsigned char)in[i + 2]));
			i += 2;
			if (c < 32 || c > 126)
				return -1;
		} else if (c < 33 || c > 126 || c == '=') {
			return -1;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*out_r = out;
	return 0;
}

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_val - value of a base64 alphabet octet, -1 otherwise */
static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (is_digit(c))
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* smtp_b64_decode - strict base64 decoding */
int smtp_b64_decode(struct pool *pool, const char *in, size_t len,
		    char **out_r, size_t *out_len_r)
{
	size_t i, o = 0;
	char *out;
	int a, b, c, d;

	if (len % 4 != 0)
		return -1;
	out = p_alloc(pool, len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		bool last = i + 4 == len;

		a = b64_val((unsigned char)in[i]);
		b = b64_val((unsigned char)in[i + 1]);
		c = b64_val((unsigned char)in[i + 2]);
		d = b64_val((unsigned char)in[i + 3]);
		if (a < 0 || b < 0)
			return -1;
		out[o++] = (char)((a << 2) | (b >> 4));
		if (c < 0) {
			/* "xx==": final, and the unused 4 bits are zero */
			if (!last || in[i + 2] != '=' || in[i + 3] != '=' ||
			    (b & 0x0f) != 0)
				return -1;
			break;
		}
		out[o++] = (char)(((b & 0x0f) << 4) | (c >> 2));
		if (d < 0) {
			if (!last || in[i + 3] != '=' || (c & 0x03) != 0)
				return -1;
			break;
		}
		out[o++] = (char)(((c & 0x03) << 6) | d);
	}
	out[o] = '\0';
	*out_r = out;
	*out_len_r = o;
	return 0;
}

/* smtp_b64_encode - base64 with padding */
char *smtp_b64_encode(struct pool *pool, const void *data, size_t len)
{
	const unsigned char *in = data;
	size_t i, o = 0;
	char *out;

	/* @UNSAFE: 4 octets per started group of 3, plus NUL */
	out = p_alloc(pool, (len / 3 + 1) * 4 + 1);
	for (i = 0; i + 2 < len; i += 3) {
		out[o++] = b64_chars[in[i] >> 2];
		out[o++] = b64_chars[((in[i] & 0x03) << 4) | (in[i + 1] >> 4)];
		out[o++] = b64_chars[((in[i + 1] & 0x0f) << 2) |
				     (in[i + 2] >> 6)];
		out[o++] = b64_chars[in[i + 2] & 0x3f];
	}
	if (len - i == 1) {
		out[o++] = b64_chars[in[i] >> 2];
		out[o++] = b64_chars[(in[i] & 0x03) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		out[o++] = b64_chars[in[i] >> 2];
		out[o++] = b64_chars[((in[i] & 0x03) << 4) | (in[i + 1] >> 4)];
		out[o++] = b64_chars[(in[i + 1] & 0x0f) << 2];
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

/* smtp_auth_response_parse - "*" cancels, else strict base64 */
int smtp_auth_response_parse(struct pool *pool, const char *line,
			     size_t len, char **data_r, size_t *len_r)
{
	if (len == 1 && line[0] == '*')
		return 1;
	return smtp_b64_decode(pool, line, len, data_r, len_r);
}

/* smtp_sasl_plain_parse - RFC 4616 authzid NUL authcid NUL passwd */
int smtp_sasl_plain_parse(const char *data, size_t len,
			  const char **authzid_r, const char **authcid_r,
			  const char **password_r, struct pool *pool)
{
	const char *nul1, *nul2, *end;
	size_t zlen, clen, plen;

	if (len == 0)
		return -1;
	end = data + len;
	nul1 = memchr(data, '\0', len);
	if (nul1 == NULL)
		return -1;
	nul2 = memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1));
	if (nul2 == NULL)
		return -1;
	if (memchr(nul2 + 1, '\0', (size_t)(end - nul2 - 1)) != NULL)
		return -1;
	zlen = (size_t)(nul1 - data);
	clen = (size_t)(nul2 - nul1 - 1);
	plen = (size_t)(end - nul2 - 1);
	if (clen == 0 || plen == 0)
		return -1;
	if (!utf8_valid(data, zlen) || !utf8_valid(nul1 + 1, clen) ||
	    !utf8_valid(nul2 + 1, plen))
		return -1;
	*authzid_r = p_strndup(pool, data, zlen);
	*authcid_r = p_strndup(pool, nul1 + 1, clen);
	*password_r = p_strndup(pool, nul2 + 1, plen);
	return 0;
}

/* ==== ESMTP parameters ================================================= */

enum param_id {
	PARAM_SIZE,
	PARAM_BODY,
	PARAM_SMTPUTF8,
	PARAM_RET,
	PARAM_ENVID,
	PARAM_AUTH,
	PARAM_NOTIFY,
	PARAM_ORCPT,
};

/* which parameter is allowed on which command, and whether it has a value */
static const struct param_def {
	const char *name;
	enum param_id id;
	enum smtp_verb verb;
	bool has_value;
} param_defs[] = {
	{ "SIZE",	PARAM_SIZE,	SMTP_VERB_MAIL,	true },	 /* RFC 1870 */
	{ "BODY",	PARAM_BODY,	SMTP_VERB_MAIL,	true },	 /* RFC 6152 */
	{ "SMTPUTF8",	PARAM_SMTPUTF8,	SMTP_VERB_MAIL,	false }, /* RFC 6531 */
	{ "RET",	PARAM_RET,	SMTP_VERB_MAIL,	true },	 /* RFC 3461 */
	{ "ENVID",	PARAM_ENVID,	SMTP_VERB_MAIL,	true },
	{ "AUTH",	PARAM_AUTH,	SMTP_VERB_MAIL,	true },	 /* RFC 4954 */
	{ "NOTIFY",	PARAM_NOTIFY,	SMTP_VERB_RCPT,	true },	 /* RFC 3461 */
	{ "ORCPT",	PARAM_ORCPT,	SMTP_VERB_RCPT,	true },
};

/* fail - record why the command was refused */
static int fail(struct smtp_cmd *cmd, enum smtp_cmd_error error,
		const char *msg, const char **error_r)
{
	cmd->error = error;
	*error_r = msg;
	return -1;
}

/* param_size - SIZE=1*20DIGIT, strict */
static int param_size(const char *v, size_t vlen, struct smtp_cmd *cmd)
{
	char digits[21];
	size_t i;

	if (vlen > 20)
		return -1;
	for (i = 0; i < vlen; i++) {
		if (!is_digit((unsigned char)v[i]))
			return -1;
	}
	memcpy(digits, v, vlen);
	digits[vlen] = '\0';
	if (str_to_u64(digits, &cmd->mail.size) < 0)
		return -1;
	cmd->mail.has_size = true;
	return 0;
}

/* param_notify - NEVER, or a list of SUCCESS, FAILURE, DELAY */
static int param_notify(const char *v, size_t vlen, struct smtp_cmd *cmd)
{
	size_t i = 0, start;
	unsigned int bits = 0, bit;

	for (;;) {
		start = i;
		while (i < vlen && v[i] != ',')
			i++;
		if (ncase_eq(v + start, i - start, "NEVER"))
			bit = SMTP_NOTIFY_NEVER;
		else if (ncase_eq(v + start, i - start, "SUCCESS"))
			bit = SMTP_NOTIFY_SUCCESS;
		else if (ncase_eq(v + start, i - start, "FAILURE"))
			bit = SMTP_NOTIFY_FAILURE;
		else if (ncase_eq(v + start, i - start, "DELAY"))
			bit = SMTP_NOTIFY_DELAY;
		else
			return -1;
		if ((bits & bit) != 0)
			return -1;
		bits |= bit;
		if (i == vlen)
			break;
		i++;	/* the comma */
	}
	if ((bits & SMTP_NOTIFY_NEVER) != 0 && bits != SMTP_NOTIFY_NEVER)
		return -1;
	cmd->rcpt.notify = bits;
	return 0;
}

/* param_orcpt - addr-type ";" xtext */
static int param_orcpt(struct pool *pool, const char *v, size_t vlen,
		       struct smtp_cmd *cmd)
{
	const char *semi = memchr(v, ';', vlen);
	size_t tlen, i;
	const char *addr;

	if (semi == NULL || semi == v || semi == v + vlen - 1)
		return -1;
	tlen = (size_t)(semi - v);
	for (i = 0; i < tlen; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-')
			return -1;
	}
	if (smtp_xtext_decode(pool, semi + 1, vlen - tlen - 1, &addr) < 0 ||
	    strlen(addr) > ORCPT_MAX)
		return -1;
	cmd->rcpt.orcpt_type = lower_copy(pool, v, tlen);
	cmd->rcpt.orcpt = addr;
	return 0;
}

/* param_value - check and store one known parameter's value */
static int param_value(struct pool *pool, enum param_id id, const char *v,
		       size_t vlen, struct smtp_cmd *cmd)
{
	struct smtp_mail_params *m = &cmd->mail;
	const char *s;

	switch (id) {
	case PARAM_SIZE:
		return param_size(v, vlen, cmd);
	case PARAM_BODY:
		if (ncase_eq(v, vlen, "7BIT"))
			m->body = SMTP_BODY_7BIT;
		else if (ncase_eq(v, vlen, "8BITMIME"))
			m->body = SMTP_BODY_8BITMIME;
		else if (ncase_eq(v, vlen, "BINARYMIME"))
			m->body = SMTP_BODY_BINARYMIME;
		else
			return -1;
		return 0;
	case PARAM_SMTPUTF8:
		m->smtputf8 = true;
		return 0;
	case PARAM_RET:
		if (ncase_eq(v, vlen, "FULL"))
			m->ret = SMTP_RET_FULL;
		else if (ncase_eq(v, vlen, "HDRS"))
			m->ret = SMTP_RET_HDRS;
		else
			return -1;
		return 0;
	case PARAM_ENVID:
		if (smtp_xtext_decode(pool, v, vlen, &s) < 0 ||
		    strlen(s) > ENVID_MAX)
			return -1;
		m->envid = s;
		return 0;
	case PARAM_AUTH:
		if (vlen == 2 && v[0] == '<' && v[1] == '>') {
			m->auth = "";
			return 0;
		}
		if (smtp_xtext_decode(pool, v, vlen, &s) < 0)
			return -1;
		m->auth = s;
		return 0;
	case PARAM_NOTIFY:
		return param_notify(v, vlen, cmd);
	case PARAM_ORCPT:
		return param_orcpt(pool, v, vlen, cmd);
	}
	return -1;
}

/*
 * parse_params - *( SP esmtp-keyword ["=" esmtp-value] ) from s[pos] to
 * the end, for MAIL or RCPT.
 */
static int parse_params(struct pool *pool, const char *s, size_t len,
			size_t pos, struct smtp_cmd *cmd, const char **error_r)
{
	const struct param_def *def;
	unsigned int seen = 0;
	size_t kstart, klen, vstart, vlen, i;
	bool has_value;

	while (pos < len) {
		if (s[pos] != ' ')
			return fail(cmd, SMTP_CMD_ERR_SYNTAX,
				    "junk after the path", error_r);
		pos++;
		kstart = pos;
		while (pos < len && s[pos] != ' ' && s[pos] != '=')
			pos++;
		klen = pos - kstart;
		if (klen == 0)
			return fail(cmd, SMTP_CMD_ERR_SYNTAX,
				    "empty parameter", error_r);
		for (i = kstart; i < pos; i++) {
			unsigned char c = (unsigned char)s[i];

			if (!is_alpha(c) && !is_digit(c) &&
			    (c != '-' || i == kstart))
				return fail(cmd, SMTP_CMD_ERR_PARAM_SYNTAX,
					    "bad parameter keyword", error_r);
		}
		vstart = pos;
		vlen = 0;
		has_value = pos < len && s[pos] == '=';
		if (has_value) {
			vstart = ++pos;
			while (pos < len && s[pos] != ' ') {
				unsigned char c = (unsigned char)s[pos];

				if (c < 33 || c > 126 || c == '=')
					return fail(cmd,
						    SMTP_CMD_ERR_PARAM_SYNTAX,
						    "bad parameter value",
						    error_r);
				pos++;
			}
			vlen = pos - vstart;
			if (vlen == 0)
				return fail(cmd, SMTP_CMD_ERR_PARAM_SYNTAX,
					    "empty parameter value", error_r);
		}

		def = NULL;
		for (i = 0; i < sizeof(param_defs) / sizeof(param_defs[0]);
		     i++) {
			if (param_defs[i].verb == cmd->verb &&
			    ncase_eq(s + kstart, klen, param_defs[i].name)) {
				def = &param_defs[i];
				break;
			}
		}
		if (def == NULL)
			return fail(cmd, SMTP_CMD_ERR_PARAM_UNKNOWN,
				    "unknown parameter", error_r);
		if ((seen & (1u << def->id)) != 0)
			return fail(cmd, SMTP_CMD_ERR_PARAM_SYNTAX,
				    "duplicate parameter", error_r);
		seen |= 1u << def->id;
		if (def->has_value != has_value)
			return fail(cmd, SMTP_CMD_ERR_PARAM_SYNTAX,
				    def->has_value ? "parameter needs a value" :
				    "parameter takes no value", error_r);
		if (param_value(pool, def->id, s + vstart, vlen, cmd) < 0)
			return fail(cmd, SMTP_CMD_ERR_PARAM_SYNTAX,
				    "bad parameter value", error_r);
	}
	return 0;
}

/* ==== commands ========================================================= */

enum arg_policy {
	ARG_NONE,	/* the verb alone */
	ARG_OPTIONAL,	/* [SP text] */
	ARG_REQUIRED,	/* SP text */
};

static const struct verb_def {
	const char *name;
	enum smtp_verb verb;
	enum arg_policy arg;
} verb_defs[] = {
	{ "HELO",	SMTP_VERB_HELO,		ARG_REQUIRED },
	{ "EHLO",	SMTP_VERB_EHLO,		ARG_REQUIRED },
	{ "MAIL",	SMTP_VERB_MAIL,		ARG_REQUIRED },
	{ "RCPT",	SMTP_VERB_RCPT,		ARG_REQUIRED },
	{ "DATA",	SMTP_VERB_DATA,		ARG_NONE },
	{ "RSET",	SMTP_VERB_RSET,		ARG_NONE },
	{ "NOOP",	SMTP_VERB_NOOP,		ARG_OPTIONAL },
	{ "QUIT",	SMTP_VERB_QUIT,		ARG_NONE },
	{ "VRFY",	SMTP_VERB_VRFY,		ARG_REQUIRED },
	{ "EXPN",	SMTP_VERB_EXPN,		ARG_REQUIRED },
	{ "HELP",	SMTP_VERB_HELP,		ARG_OPTIONAL },
	{ "STARTTLS",	SMTP_VERB_STARTTLS,	ARG_NONE },
	{ "AUTH",	SMTP_VERB_AUTH,		ARG_REQUIRED },
};

/* smtp_verb_name - upper-case name of a verb */
const char *smtp_verb_name(enum smtp_verb verb)
{
	size_t i;

	for (i = 0; i < sizeof(verb_defs) / sizeof(verb_defs[0]); i++) {
		if (verb_defs[i].verb == verb)
			return verb_defs[i].name;
	}
	return "UNKNOWN";
}

/* smtp_cmd_error_reply - the reply we suggest for a refused command */
const char *smtp_cmd_error_reply(enum smtp_verb verb,
				 enum smtp_cmd_error error)
{
	switch (error) {
	case SMTP_CMD_OK:
		return "250 2.0.0 Ok";
	case SMTP_CMD_ERR_LINE:
		return "500 5.5.2 Syntax error, command unrecognized";
	case SMTP_CMD_ERR_UNKNOWN:
		return "500 5.5.1 Command unrecognized";
	case SMTP_CMD_ERR_SYNTAX:
		return "501 5.5.2 Syntax error in parameters or arguments";
	case SMTP_CMD_ERR_BAD_DOMAIN:
		return "501 5.5.2 Invalid domain name";
	case SMTP_CMD_ERR_BAD_SENDER:
		return "501 5.1.7 Bad sender address syntax";
	case SMTP_CMD_ERR_BAD_RECIPIENT:
		return "501 5.1.3 Bad recipient address syntax";
	case SMTP_CMD_ERR_PATH_TOO_LONG:
		return verb == SMTP_VERB_MAIL ? "501 5.1.7 Path too long" :
			"501 5.1.3 Path too long";
	case SMTP_CMD_ERR_UTF8:
		return "553 5.6.7 Non-ASCII address needs SMTPUTF8";
	case SMTP_CMD_ERR_PARAM_UNKNOWN:
		return "555 5.5.4 Unsupported parameter";
	case SMTP_CMD_ERR_PARAM_SYNTAX:
		return "501 5.5.4 Invalid parameter";
	case SMTP_CMD_ERR_AUTH_MECH:
		return "504 5.5.4 Unrecognized authentication type";
	case SMTP_CMD_ERR_AUTH_B64:
		return "501 5.5.2 Cannot decode response";
	}
	return "451 4.3.0 Internal error";
}

/* parse_helo - HELO/EHLO argument: Domain or address literal */
static int parse_helo(struct pool *pool, const char *arg, size_t len,
		      struct smtp_cmd *cmd, const char **error_r)
{
	struct dom_scan d;
	size_t pos = 0;
	int ret;

	if (arg[0] == '[')
		ret = scan_literal(arg, len, &pos);
	else
		ret = scan_domain(arg, len, &pos, false, true, &d);
	if (ret < 0 || pos != len)
		return fail(cmd, SMTP_CMD_ERR_BAD_DOMAIN,
			    "bad HELO/EHLO domain", error_r);
	cmd->helo = p_strndup(pool, arg, len);
	cmd->helo_is_literal = arg[0] == '[';
	return 0;
}

/* parse_mail_rcpt - "FROM:" / "TO:" path [params] */
static int parse_mail_rcpt(struct pool *pool, const char *arg, size_t len,
			   struct smtp_cmd *cmd, const char **error_r)
{
	bool mail = cmd->verb == SMTP_VERB_MAIL;
	const char *prefix = mail ? "FROM:" : "TO:";
	size_t plen = strlen(prefix), pos;
	enum smtp_cmd_error bad = mail ? SMTP_CMD_ERR_BAD_SENDER :
		SMTP_CMD_ERR_BAD_RECIPIENT;
	struct smtp_path path;
	const char *msg;
	int ret;

	if (len < plen || !ncase_eq(arg, plen, prefix))
		return fail(cmd, SMTP_CMD_ERR_SYNTAX, mail ?
			    "expected MAIL FROM:" : "expected RCPT TO:",
			    error_r);
	pos = plen;
	if (pos < len && arg[pos] == ' ')
		pos++;	/* "MAIL FROM: <a@b>": common, tolerated */
	ret = scan_path(pool, arg, len, &pos, mail ? SMTP_PATH_ALLOW_NULL :
			SMTP_PATH_ALLOW_POSTMASTER, &path, &msg);
	if (ret < 0)
		return fail(cmd, ret == SCAN_TOO_LONG ?
			    SMTP_CMD_ERR_PATH_TOO_LONG : bad, msg, error_r);
	cmd->path = path;	/* only a complete path is kept */
	if (parse_params(pool, arg, len, pos, cmd, error_r) < 0)
		return -1;
	if (mail && cmd->path.utf8 && !cmd->mail.smtputf8)
		return fail(cmd, SMTP_CMD_ERR_UTF8,
			    "non-ASCII sender without SMTPUTF8", error_r);
	return 0;
}

/* parse_auth - AUTH SP mechanism [SP initial-response] */
static int parse_auth(struct pool *pool, const char *arg, size_t len,
		      struct smtp_cmd *cmd, const char **error_r)
{
	struct smtp_auth_cmd *a = &cmd->auth;
	const char *sp = memchr(arg, ' ', len);
	size_t mlen = sp != NULL ? (size_t)(sp - arg) : len, i, rlen;
	const char *resp;

	if (mlen == 0 || mlen > SASL_MECH_MAX)
		return fail(cmd, SMTP_CMD_ERR_SYNTAX, "bad mechanism name",
			    error_r);
	for (i = 0; i < mlen; i++) {
		unsigned char c = (unsigned char)arg[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
			return fail(cmd, SMTP_CMD_ERR_SYNTAX,
				    "bad mechanism name", error_r);
	}
	a->mech_name = p_strndup(pool, arg, mlen);
	if (ncase_eq(arg, mlen, "PLAIN"))
		a->mech = SMTP_SASL_PLAIN;
	else if (ncase_eq(arg, mlen, "LOGIN"))
		a->mech = SMTP_SASL_LOGIN;
	else
		return fail(cmd, SMTP_CMD_ERR_AUTH_MECH,
			    "unsupported mechanism", error_r);
	if (sp == NULL)
		return 0;

	resp = sp + 1;
	rlen = len - mlen - 1;
	if (rlen == 0 || memchr(resp, ' ', rlen) != NULL)
		return fail(cmd, SMTP_CMD_ERR_SYNTAX,
			    "bad initial response", error_r);
	a->has_initial = true;
	if (rlen == 1 && resp[0] == '=') {
		a->initial = p_strndup(pool, "", 0);	/* empty response */
		a->initial_len = 0;
		return 0;
	}
	if (smtp_b64_decode(pool, resp, rlen, &a->initial,
			    &a->initial_len) < 0) {
		a->has_initial = false;
		return fail(cmd, SMTP_CMD_ERR_AUTH_B64,
			    "initial response is not base64", error_r);
	}
	return 0;
}

/* smtp_cmd_parse - one command line without CRLF */
int smtp_cmd_parse(struct pool *pool, const char *line, size_t len,
		   struct smtp_cmd *cmd_r, const char **error_r)
{
	const struct verb_def *def = NULL;
	size_t vlen, alen, i;
	const char *arg;

	memset(cmd_r, 0, sizeof(*cmd_r));
	cmd_r->arg = "";
	path_init(&cmd_r->path);
	if (len == 0)
		return fail(cmd_r, SMTP_CMD_ERR_LINE, "empty line", error_r);
	for (i = 0; i < len; i++) {
		if (line[i] == '\0' || line[i] == '\r' || line[i] == '\n')
			return fail(cmd_r, SMTP_CMD_ERR_LINE,
				    "NUL, CR or LF in command line", error_r);
	}

	for (vlen = 0; vlen < len && line[vlen] != ' '; vlen++)
		;
	for (i = 0; i < sizeof(verb_defs) / sizeof(verb_defs[0]); i++) {
		if (ncase_eq(line, vlen, verb_defs[i].name)) {
			def = &verb_defs[i];
			break;
		}
	}
	if (def == NULL)
		return fail(cmd_r, SMTP_CMD_ERR_UNKNOWN, "unknown command",
			    error_r);
	cmd_r->verb = def->verb;

	arg = vlen < len ? line + vlen + 1 : line + len;
	alen = vlen < len ? len - vlen - 1 : 0;
	cmd_r->arg = p_strndup(pool, arg, alen);
	if (def->arg == ARG_NONE && vlen < len)
		return fail(cmd_r, SMTP_CMD_ERR_SYNTAX,
			    "command takes no argument", error_r);
	if (def->arg != ARG_NONE && vlen < len && alen == 0)
		return fail(cmd_r, SMTP_CMD_ERR_SYNTAX,
			    "empty argument", error_r);
	if (def->arg == ARG_REQUIRED && alen == 0)
		return fail(cmd_r, SMTP_CMD_ERR_SYNTAX,
			    "missing argument", error_r);

	switch (def->verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
		return parse_helo(pool, arg, alen, cmd_r, error_r);
	case SMTP_VERB_MAIL:
	case SMTP_VERB_RCPT:
		return parse_mail_rcpt(pool, arg, alen, cmd_r, error_r);
	case SMTP_VERB_AUTH:
		return parse_auth(pool, arg, alen, cmd_r, error_r);
	default:
		return 0;
	}
}
