/*
 * fuzz-imap-mime.c - libFuzzer target for backend/imapd/imap-mime.c (the
 * MIME part tree, BODYSTRUCTURE / BODY, ENVELOPE, BODY[section] and
 * BINARY[section]).
 *
 * fuzz-sources: backend/imapd/imap-mime.c backend/imapd/imap-fetch.c backend/imapd/imap-parser.c lib/pool.c lib/buf.c lib/log.c
 *
 * The input is a message. The target parses it and checks the contract
 * in imap-mime.h: every part lies inside the data and inside its parent,
 * header_start + header_len is body_start, the child counts are right,
 * nesting and part numbers stay within IMAP_MIME_MAX_DEPTH and
 * IMAP_MIME_MAX_PARTS. BODYSTRUCTURE, BODY and the ENVELOPE of the top
 * level must each be one complete item of the RFC 3501 grammar (checked
 * by a small recursive-descent reader below, which also wants balanced
 * parentheses, escapes only for '"' and '\', literal sizes that match
 * and no NUL, CR or LF outside literals), with exactly the extension
 * fields our writer promises. For each of the first parts, by its part
 * number, BODY[n], [n.MIME], [n.HEADER], [n.TEXT], [n.HEADER.FIELDS
 * (...)] and BINARY[n] are taken: pointer results must lie inside the
 * data (BODY[n] is exactly the part's body), copies must end with an
 * empty line, decoded sizes must fit the body, and only an unknown
 * transfer encoding may give -1. Violations abort().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pool.h"
#include "imap-fetch.h"
#include "imap-mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SECTION_PARTS	24	/* parts whose sections are taken */

/* CHECK - abort, naming the line, when an invariant does not hold */
#define CHECK(expr) do { \
	if (!(expr)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			__LINE__, #expr); \
		abort(); \
	} \
} while (0)

/* ==== a reader for the response grammar ================================ */

struct rd {
	const char *s;
	size_t len;
	size_t pos;
};

/* rd_lit - the exact text word */
static bool rd_lit(struct rd *r, const char *word)
{
	size_t n = strlen(word);

	if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
		return false;
	r->pos += n;
	return true;
}

/* rd_string - quoted or literal; its raw text in *tok */
static bool rd_string(struct rd *r, const char **tok, size_t *tok_len)
{
	size_t start = r->pos, n = 0;
	unsigned char c;

	if (rd_lit(r, "\"")) {
		for (;;) {
			if (r->pos == r->len)
				return false;
			c = (unsigned char)r->s[r->pos++];
			if (c == '"')
				break;
			if (c == '\\') {
				if (r->pos == r->len || (r->s[r->pos] != '"' &&
							 r->s[r->pos] != '\\'))
					return false;
				r->pos++;
			} else if (c == 0 || c >= 0x80 || c == '\r' ||
				   c == '\n') {
				return false;
			}
		}
	} else if (rd_lit(r, "{")) {
		while (r->pos < r->len && r->s[r->pos] >= '0' &&
		       r->s[r->pos] <= '9' && n < 100000000)
			n = n * 10 + (size_t)(r->s[r->pos++] - '0');
		if (!rd_lit(r, "}\r\n") || r->len - r->pos < n ||
		    memchr(r->s + r->pos, '\0', n) != NULL)
			return false;
		r->pos += n;
	} else {
		return false;
	}
	*tok = r->s + start;
	*tok_len = r->pos - start;
	return true;
}

/* rd_nstring - NIL or a string; *is_nil tells which */
static bool rd_nstring(struct rd *r, bool *is_nil)
{
	const char *t;
	size_t n;

	*is_nil = rd_lit(r, "NIL");
	return *is_nil || rd_string(r, &t, &n);
}

/* rd_nstr - NIL or a string */
static bool rd_nstr(struct rd *r)
{
	bool nil;

	return rd_nstring(r, &nil);
}

/* rd_number - 1*DIGIT */
static bool rd_number(struct rd *r)
{
	size_t start = r->pos;

	while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
		r->pos++;
	return r->pos > start;
}

/* rd_params - body-fld-param */
static bool rd_params(struct rd *r)
{
	const char *t;
	size_t n;

	if (rd_lit(r, "NIL"))
		return true;
	if (!rd_lit(r, "("))
		return false;
	do {
		if (!rd_string(r, &t, &n) || !rd_lit(r, " ") ||
		    !rd_string(r, &t, &n))
			return false;
	} while (rd_lit(r, " "));
	return rd_lit(r, ")");
}

/* rd_ext - SP body-fld-dsp SP body-fld-lang SP body-fld-loc */
static bool rd_ext(struct rd *r)
{
	const char *t;
	size_t n;

	if (!rd_lit(r, " "))
		return false;
	if (!rd_lit(r, "NIL")) {
		if (!rd_lit(r, "(") || !rd_string(r, &t, &n) ||
		    !rd_lit(r, " ") || !rd_params(r) || !rd_lit(r, ")"))
			return false;
	}
	if (!rd_lit(r, " "))
		return false;
	if (!rd_lit(r, "NIL")) {
		if (!rd_lit(r, "("))
			return false;
		do {
			if (!rd_string(r, &t, &n))
				return false;
		} while (rd_lit(r, " "));
		if (!rd_lit(r, ")"))
			return false;
	}
	return rd_lit(r, " ") && rd_nstr(r);
}

/* rd_addresses - NIL or "(" 1*address ")", groups balanced */
static bool rd_addresses(struct rd *r)
{
	bool name, adl, mailbox, host, group = false;

	if (rd_lit(r, "NIL"))
		return true;
	if (!rd_lit(r, "(") || r->pos == r->len || r->s[r->pos] != '(')
		return false;
	while (rd_lit(r, "(")) {
		if (!rd_nstring(r, &name) || !rd_lit(r, " ") ||
		    !rd_nstring(r, &adl) || !rd_lit(r, " ") ||
		    !rd_nstring(r, &mailbox) || !rd_lit(r, " ") ||
		    !rd_nstring(r, &host) || !rd_lit(r, ")"))
			return false;
		CHECK(adl);	/* the route is always NIL */
		if (host && mailbox) {
			CHECK(name && group);	/* group end */
			group = false;
		} else if (host) {
			CHECK(!group);		/* group start */
			group = true;
		} else {
			CHECK(!mailbox);	/* a mailbox has both */
		}
	}
	CHECK(!group);
	return rd_lit(r, ")");
}

/* rd_envelope - the ten ENVELOPE fields */
static bool rd_envelope(struct rd *r)
{
	unsigned int i;

	if (!rd_lit(r, "(") || !rd_nstr(r) || !rd_lit(r, " ") ||
	    !rd_nstr(r))
		return false;
	for (i = 0; i < 6; i++) {
		if (!rd_lit(r, " ") || !rd_addresses(r))
			return false;
	}
	return rd_lit(r, " ") && rd_nstr(r) && rd_lit(r, " ") &&
		rd_nstr(r) && rd_lit(r, ")");
}

/* tok_is - a token is the quoted word */
static bool tok_is(const char *t, size_t n, const char *quoted)
{
	return n == strlen(quoted) && memcmp(t, quoted, n) == 0;
}

/* rd_body - one body; ext: with every extension field */
static bool rd_body(struct rd *r, bool ext, unsigned int depth)
{
	const char *type, *sub, *t;
	size_t tl, sl, n;

	CHECK(depth <= 2 * IMAP_MIME_MAX_DEPTH + 2);
	if (!rd_lit(r, "("))
		return false;
	if (r->pos < r->len && r->s[r->pos] == '(') {
		while (r->pos < r->len && r->s[r->pos] == '(') {
			if (!rd_body(r, ext, depth + 1))
				return false;
		}
		if (!rd_lit(r, " ") || !rd_string(r, &t, &n))
			return false;
		if (ext && (!rd_lit(r, " ") || !rd_params(r) || !rd_ext(r)))
			return false;
		return rd_lit(r, ")");
	}
	if (!rd_string(r, &type, &tl) || !rd_lit(r, " ") ||
	    !rd_string(r, &sub, &sl) || !rd_lit(r, " ") || !rd_params(r) ||
	    !rd_lit(r, " ") || !rd_nstr(r) || !rd_lit(r, " ") ||
	    !rd_nstr(r) || !rd_lit(r, " ") || !rd_string(r, &t, &n) ||
	    !rd_lit(r, " ") || !rd_number(r))
		return false;
	if (tok_is(type, tl, "\"message\"") && tok_is(sub, sl, "\"rfc822\"")) {
		if (!rd_lit(r, " ") || !rd_envelope(r) || !rd_lit(r, " ") ||
		    !rd_body(r, ext, depth + 1) || !rd_lit(r, " ") ||
		    !rd_number(r))
			return false;
	} else if (tok_is(type, tl, "\"text\"")) {
		if (!rd_lit(r, " ") || !rd_number(r))
			return false;
	}
	if (ext && (!rd_lit(r, " ") || !rd_nstr(r) || !rd_ext(r)))
		return false;
	return rd_lit(r, ")");
}

/* ==== the tree ========================================================= */

/* check_part - a part and below; returns the parts counted */
static unsigned int check_part(const struct imap_mime *m,
			       const struct imap_mime_part *p,
			       unsigned int depth)
{
	const struct imap_mime_part *c;
	unsigned int n = 1, k = 0;

	CHECK(depth <= IMAP_MIME_MAX_DEPTH);
	CHECK(p->header_start <= m->len);
	CHECK(p->header_len <= m->len - p->header_start);
	CHECK(p->header_start + p->header_len == p->body_start);
	CHECK(p->body_len <= m->len - p->body_start);
	CHECK(p->type != NULL && p->subtype != NULL && p->encoding != NULL);
	CHECK(p->nparams == 0 || p->params != NULL);
	CHECK(p->ndisp_params == 0 || p->disposition != NULL);
	CHECK(p->nlanguages == 0 || p->languages != NULL);
	if (strcmp(p->type, "message") == 0 && p->children != NULL)
		CHECK(p->nchildren == 1 && p->children->header_start ==
		      p->body_start);
	for (c = p->children; c != NULL; c = c->next) {
		CHECK(c->parent == p);
		CHECK(c->header_start >= p->body_start);
		CHECK(c->body_start + c->body_len <=
		      p->body_start + p->body_len);
		n += check_part(m, c, depth + 1);
		k++;
	}
	CHECK(k == p->nchildren);
	CHECK(k == 0 || strcmp(p->type, "multipart") == 0 ||
	      strcmp(p->type, "message") == 0);
	return n;
}

/* inside - a section result points into the message */
static bool inside(const struct imap_mime *m, const char *d, size_t len)
{
	return len == 0 || (d >= m->data && (size_t)(d - m->data) <= m->len &&
			    len <= m->len - (size_t)(d - m->data));
}

/* ends_empty_line - d[0..len) ends with an empty line (LF or CRLF) */
static bool ends_empty_line(const char *d, size_t len)
{
	if (len == 0 || d[len - 1] != '\n')
		return false;
	len--;
	if (len > 0 && d[len - 1] == '\r')
		len--;
	return len == 0 || d[len - 1] == '\n';
}

/* check_sections - sections of part p, named by parts[0..n) */
static void check_sections(struct pool *pool, const struct imap_mime *m,
			   const struct imap_mime_part *p,
			   const uint32_t *parts, unsigned int n)
{
	static const char *const fields[] = { "From", "subject", "X-A" };
	static const enum imap_section_text texts[] = {
		IMAP_SECTION_ALL, IMAP_SECTION_MIME, IMAP_SECTION_HEADER,
		IMAP_SECTION_TEXT, IMAP_SECTION_HEADER_FIELDS,
		IMAP_SECTION_HEADER_FIELDS_NOT,
	};
	struct imap_section s;
	const char *d;
	size_t len;
	unsigned int i;
	int ret;

	memset(&s, 0, sizeof(s));
	s.parts = parts;
	s.part_count = n;
	s.fields = fields;
	s.field_count = 3;
	CHECK(imap_mime_find(m, parts, n) == p);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		s.text = texts[i];
		ret = imap_mime_section(pool, m, &s, &d, &len);
		if (n == 0 && s.text == IMAP_SECTION_MIME) {
			CHECK(ret == -1);
			continue;
		}
		CHECK(ret == 0 && d != NULL);
		if (s.text == IMAP_SECTION_HEADER_FIELDS ||
		    s.text == IMAP_SECTION_HEADER_FIELDS_NOT) {
			/* empty (no message here) or ends in the empty line */
			CHECK(len == 0 || ends_empty_line(d, len));
			continue;
		}
		CHECK(inside(m, d, len));
		if (s.text == IMAP_SECTION_ALL && n > 0)
			CHECK(d == m->data + p->body_start &&
			      len == p->body_len);
		if (s.text == IMAP_SECTION_MIME)
			CHECK(d == m->data + p->header_start &&
			      len == p->header_len);
	}
	s.text = IMAP_SECTION_ALL;
	s.field_count = 0;
	ret = imap_mime_binary(pool, m, &s, &d, &len);
	if (ret < 0) {
		CHECK(n > 0 && strcmp(p->encoding, "7BIT") != 0 &&
		      strcmp(p->encoding, "8BIT") != 0 &&
		      strcmp(p->encoding, "BINARY") != 0 &&
		      strcmp(p->encoding, "BASE64") != 0 &&
		      strcmp(p->encoding, "QUOTED-PRINTABLE") != 0);
	} else {
		CHECK(d != NULL);
		if (n == 0)
			CHECK(d == m->data && len == m->len);
		else if (strcmp(p->encoding, "BASE64") == 0)
			CHECK(len <= p->body_len / 4 * 3 + 3);
		else if (strcmp(p->encoding, "QUOTED-PRINTABLE") == 0)
			CHECK(len <= p->body_len);
		else
			CHECK(d == m->data + p->body_start &&
			      len == p->body_len);
	}
}

/* walk - sections of the first parts, with their part numbers; message:
 * p is a message (the top level or an embedded one) */
static void walk(struct pool *pool, const struct imap_mime *m,
		 const struct imap_mime_part *p, uint32_t *parts,
		 unsigned int n, bool message, unsigned int *budget)
{
	const struct imap_mime_part *c;
	uint32_t k = 1;

	if (*budget == 0 || n >= IMAP_FETCH_MAX_PART_DEPTH - 1)
		return;
	(*budget)--;
	/* an embedded message has no number of its own: n names its
	   message/rfc822 part */
	if (!message || n == 0)
		check_sections(pool, m, p, parts, n);
	if (strcmp(p->type, "multipart") == 0) {
		for (c = p->children; c != NULL; c = c->next, k++) {
			parts[n] = k;
			walk(pool, m, c, parts, n + 1, false, budget);
		}
	} else if (message) {
		/* part 1 of a message that is no multipart: itself */
		parts[n] = 1;
		check_sections(pool, m, p, parts, n + 1);
		if (p->children != NULL && strcmp(p->type, "message") == 0)
			walk(pool, m, p->children, parts, n + 1, true, budget);
	} else if (p->children != NULL) {
		/* message/rfc822: its parts are those of the message */
		walk(pool, m, p->children, parts, n, true, budget);
	}
}

/* check_item - out holds exactly one item of the grammar */
static void check_item(const struct buf *out, bool envelope, bool ext)
{
	struct rd r = { out->data, out->len, 0 };

	CHECK(out->data != NULL);
	CHECK(envelope ? rd_envelope(&r) : rd_body(&r, ext, 0));
	CHECK(r.pos == r.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool = pool_new("fuzz-imap-mime", 4096);
	const char *msg = (const char *)data;
	uint32_t parts[IMAP_FETCH_MAX_PART_DEPTH];
	const struct imap_mime *m;
	unsigned int budget = MAX_SECTION_PARTS, n;
	struct buf out;
	size_t hlen;

	m = imap_mime_parse(pool, msg, size);
	CHECK(m != NULL && m->root != NULL && m->data == msg &&
	      m->len == size);
	CHECK(m->root->header_start == 0 && m->root->parent == NULL);
	n = check_part(m, m->root, 0);
	CHECK(n <= IMAP_MIME_MAX_PARTS);
	hlen = imap_mime_header_len(msg, size);
	CHECK(hlen == m->root->header_len);

	buf_init(&out, 0);
	imap_mime_bodystructure(m, true, &out);
	check_item(&out, false, true);
	buf_reset(&out);
	imap_mime_bodystructure(m, false, &out);
	check_item(&out, false, false);
	buf_reset(&out);
	imap_mime_envelope(msg, hlen, &out);
	check_item(&out, true, false);
	buf_free(&out);

	walk(pool, m, m->root, parts, 0, true, &budget);
	pool_destroy(&pool);
	return 0;
}
