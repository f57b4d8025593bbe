/*
 * fuzz-imap-cmd.c - libFuzzer target for backend/imapd/imap-parser.c,
 * with imap-fetch.c and imap-utf7.c on what it produces.
 *
 * fuzz-sources: backend/imapd/imap-parser.c backend/imapd/imap-fetch.c backend/imapd/imap-utf7.c lib/pool.c lib/buf.c lib/log.c
 *
 * The input is a client session. Its first octet also picks the
 * configuration (so seeds stay plain text): bit 0 LITERAL-, bit 1 small
 * limits, bit 2 a literal sink that fails after 7 octets, bit 3 refuse
 * every literal whose size is a multiple of 3. The session is
 * fed three ways: in one call, one octet per call, and in pseudo-random
 * chunks; each run writes a transcript of every event (command tree,
 * error, literal, streamed data) and the three must be identical, else
 * abort(). At a literal the driver streams APPEND's top-level literals
 * after the mailbox and buffers the rest, refusing what does not fit.
 *
 * The one-call run also checks the contract of struct imap_cmd (tag and
 * name characters, argument classes, UTF-8 strings, literal sizes, the
 * limits) and feeds the results on: FETCH / UID FETCH arguments to
 * imap_fetch_parse(), every atom to imap_seqset_parse() and
 * imap_fetch_att_parse(), every string to both UTF-7 directions, with the
 * invariants of each checked (sets normalised, names canonical, UTF-7
 * round trips exact), and imap_cmd_dup() must give an equal tree.
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
#include "imap-parser.h"
#include "imap-utf7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	struct buf out;		/* transcript */
	struct buf lit;		/* streamed literal so far */
	bool sink_fails;
	bool refuse3;		/* refuse literals of size 3n */
	bool check;		/* check the contract (one run only) */
	struct pool *pool;
	const struct imap_parser_limits *lim;
};

/* CHECK - abort, naming the line, when an invariant does not hold */
#define CHECK(expr) do { \
	if (!(expr)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			__LINE__, #expr); \
		abort(); \
	} \
} while (0)

/* put - append to a transcript (unbounded: cannot fail) */
static void put(struct buf *b, const void *data, size_t len)
{
	CHECK(buf_append(b, data, len) == 0);
}

/* put_str - append a C string */
static void put_str(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* put_u64 - append a number */
static void put_u64(struct buf *b, uint64_t n)
{
	CHECK(buf_printf(b, "%llu", (unsigned long long)n) == 0);
}

/* ==== contract checks ================================================== */

/* check_seqset - parse an atom as a sequence set; check normalisation */
static void check_seqset(struct pool *pool, const char *s, size_t len)
{
	struct imap_seqset set;
	const char *error;
	unsigned int i;

	if (imap_seqset_parse(pool, s, len, IMAP_SEQSET_ALLOW_SEARCHRES, &set,
			      &error) < 0)
		return;
	if (set.searchres) {
		CHECK(len == 1 && s[0] == '$' && set.count == 0);
		return;
	}
	CHECK(set.count >= 1 && set.count <= len);
	for (i = 0; i < set.count; i++) {
		const struct imap_seq_range *r = &set.ranges[i];

		if (r->hi != IMAP_SEQ_STAR) {
			/* numbers only: ordered, both ends in the set */
			CHECK(r->lo != IMAP_SEQ_STAR && r->lo <= r->hi);
			CHECK(imap_seqset_contains(&set, r->lo, 1) &&
			      imap_seqset_contains(&set, r->hi, 1));
		} else if (r->lo == IMAP_SEQ_STAR) {
			CHECK(imap_seqset_contains(&set, 9, 9));
		} else {
			/* "n:*" covers n whatever the largest number */
			CHECK(imap_seqset_contains(&set, r->lo, 1) &&
			      imap_seqset_contains(&set, r->lo, UINT32_MAX));
		}
	}
}

/* check_att - one attribute; checks what the name must look like */
static void check_att(const struct imap_fetch_att *att)
{
	unsigned int i;

	CHECK(att->name != NULL && att->name[0] != '\0');
	for (i = 0; i < att->section.part_count; i++)
		CHECK(att->section.parts[i] >= 1);
	CHECK(att->section.part_count <= IMAP_FETCH_MAX_PART_DEPTH);
	CHECK(!att->partial || att->partial_count >= 1);
	CHECK((att->section.field_count > 0) ==
	      (att->section.text == IMAP_SECTION_HEADER_FIELDS ||
	       att->section.text == IMAP_SECTION_HEADER_FIELDS_NOT));
	CHECK(att->section.text != IMAP_SECTION_MIME ||
	      att->section.part_count > 0);
	for (i = 0; i < att->section.field_count; i++) {
		const char *f = att->section.fields[i];

		CHECK(f[0] != '\0' && strchr(f, ':') == NULL);
		for (; *f != '\0'; f++)
			CHECK(*f > 32 && *f < 127);
	}
	switch (att->type) {
	case IMAP_FETCH_BODY_SECTION:
		CHECK(strncmp(att->name, "BODY[", 5) == 0);
		break;
	case IMAP_FETCH_BINARY:
		CHECK(strncmp(att->name, "BINARY[", 7) == 0);
		CHECK(att->section.text == IMAP_SECTION_ALL);
		break;
	case IMAP_FETCH_BINARY_SIZE:
		CHECK(strncmp(att->name, "BINARY.SIZE[", 12) == 0);
		CHECK(att->section.text == IMAP_SECTION_ALL && !att->partial);
		break;
	default:
		CHECK(strchr(att->name, '[') == NULL && !att->peek);
		break;
	}
}

/* check_fetch - FETCH arguments */
static void check_fetch(struct pool *pool, const struct imap_cmd *cmd)
{
	struct imap_fetch f;
	const char *error = NULL;
	unsigned int i, uids = 0, modseqs = 0;
	bool seen = false;

	if (imap_fetch_parse(pool, cmd->args, cmd->count, cmd->uid, &f,
			     &error) < 0) {
		CHECK(error != NULL);
		return;
	}
	CHECK(f.count >= 1);
	CHECK(!f.vanished || (cmd->uid && f.changedsince));
	CHECK(!f.changedsince || (f.changedsince_modseq >= 1 &&
				  f.changedsince_modseq <= INT64_MAX));
	for (i = 0; i < f.count; i++) {
		check_att(&f.atts[i]);
		uids += f.atts[i].type == IMAP_FETCH_UID;
		modseqs += f.atts[i].type == IMAP_FETCH_MODSEQ;
		seen = seen || f.atts[i].type == IMAP_FETCH_RFC822 ||
			f.atts[i].type == IMAP_FETCH_RFC822_TEXT ||
			((f.atts[i].type == IMAP_FETCH_BODY_SECTION ||
			  f.atts[i].type == IMAP_FETCH_BINARY) &&
			 !f.atts[i].peek);
	}
	CHECK(!cmd->uid || uids >= 1);
	CHECK(!f.changedsince || modseqs >= 1);
	CHECK(seen == f.sets_seen);
}

/* check_utf7 - both directions on one string; exact round trips */
static void check_utf7(struct pool *pool, const char *s, size_t len)
{
	const char *a, *b, *error;

	if (imap_utf7_to_utf8(pool, s, len, &a, &error) == 0) {
		CHECK(imap_utf7_valid(s, len));
		CHECK(utf8_valid(a, strlen(a)));
		CHECK(imap_utf8_to_utf7(pool, a, strlen(a), &b, &error) == 0);
		CHECK(strlen(b) == len && memcmp(b, s, len) == 0);
	} else {
		CHECK(!imap_utf7_valid(s, len));
	}
	if (imap_utf8_to_utf7(pool, s, len, &a, &error) == 0) {
		CHECK(imap_utf7_valid(a, strlen(a)));
		CHECK(imap_utf7_to_utf8(pool, a, strlen(a), &b, &error) == 0);
		CHECK(strlen(b) == len && memcmp(b, s, len) == 0);
	}
}

/* is_arg_atom_char - what the parser may put into an atom */
static bool is_arg_atom_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '{' &&
		c != '"';
}

/* check_args - the argument tree; returns the number of arguments */
static unsigned int check_args(struct run *r, const struct imap_arg *args,
			       unsigned int count, unsigned int depth)
{
	struct imap_fetch_att att;
	unsigned int i, n = count;
	const char *error, *s;
	size_t k, len;

	CHECK(depth <= r->lim->max_depth);
	for (i = 0; i < count; i++) {
		const struct imap_arg *a = &args[i];

		CHECK(a->str != NULL && a->str[a->len] == '\0');
		switch (a->type) {
		case IMAP_ARG_ATOM:
		case IMAP_ARG_NIL:
			CHECK(a->len > 0 && strlen(a->str) == a->len);
			CHECK(is_arg_atom_char((unsigned char)a->str[0]));
			/* SP, parens and quotes only inside a section */
			for (k = 0; k < a->len; k++) {
				unsigned char c = (unsigned char)a->str[k];

				CHECK(is_arg_atom_char(c) ||
				      (c >= 0x20 && c < 0x7f &&
				       memchr(a->str, '[', k) != NULL));
			}
			CHECK((a->type == IMAP_ARG_NIL) ==
			      (a->len == 3 && str_case_eq(a->str, "NIL")));
			check_seqset(r->pool, a->str, a->len);
			if (imap_fetch_att_parse(r->pool, a->str, a->len, &att,
						 &error) == 0)
				check_att(&att);
			break;
		case IMAP_ARG_STRING:
			CHECK(strlen(a->str) == a->len);
			CHECK(utf8_valid(a->str, a->len));
			CHECK(strpbrk(a->str, "\r\n") == NULL);
			break;
		case IMAP_ARG_LITERAL:
			if (a->streamed) {
				CHECK(a->len == 0);
			} else {
				CHECK(a->len == a->literal_size);
				CHECK(a->binary ||
				      memchr(a->str, '\0', a->len) == NULL);
			}
			CHECK(a->literal_size <= r->lim->max_literal);
			CHECK(!r->lim->literal_minus || a->literal_sync ||
			      a->literal_size <= IMAP_LITERAL_MINUS_MAX);
			break;
		case IMAP_ARG_LIST:
			CHECK(a->count == 0 || a->list != NULL);
			n += check_args(r, a->list, a->count, depth + 1);
			break;
		default:
			abort();
		}
		if (imap_arg_get_astring(a, &s, &len))
			check_utf7(r->pool, s, len);
	}
	return n;
}

/* check_cmd - a complete command */
static void check_cmd(struct run *r, const struct imap_cmd *cmd)
{
	const char *s;

	CHECK(cmd->tag != NULL && cmd->tag[0] != '\0');
	for (s = cmd->tag; *s != '\0'; s++)
		CHECK(imap_is_tag_char((unsigned char)*s));
	CHECK(cmd->name != NULL && cmd->name[0] != '\0');
	s = cmd->name;
	if (cmd->uid) {
		CHECK(strncmp(s, "UID ", 4) == 0);
		s += 4;
	}
	CHECK(*s != '\0');
	for (; *s != '\0'; s++) {
		CHECK(imap_is_atom_char((unsigned char)*s));
		CHECK(*s < 'a' || *s > 'z');
	}
	CHECK(check_args(r, cmd->args, cmd->count, 0) <= r->lim->max_args);
	if (strcmp(cmd->name, "FETCH") == 0 ||
	    strcmp(cmd->name, "UID FETCH") == 0)
		check_fetch(r->pool, cmd);
}

/* ==== transcript ======================================================= */

/* dump_args - the tree, unambiguously (lengths before data) */
static void dump_args(struct buf *b, const struct imap_arg *args,
		      unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		const struct imap_arg *a = &args[i];

		put(b, " ", 1);
		put_u64(b, (uint64_t)a->type);
		put(b, ":", 1);
		if (a->type == IMAP_ARG_LIST) {
			put(b, "(", 1);
			dump_args(b, a->list, a->count);
			put(b, ")", 1);
			continue;
		}
		put_u64(b, a->literal_size);
		put_str(b, a->literal_sync ? "s" : "n");
		put_str(b, a->binary ? "b" : "t");
		put_str(b, a->streamed ? "S" : "B");
		put_u64(b, a->len);
		put(b, ":", 1);
		put(b, a->str, a->len);
	}
}

/* check_dup - imap_cmd_dup() gives an equal tree */
static void check_dup(struct pool *pool, const struct imap_cmd *cmd)
{
	const struct imap_cmd *copy = imap_cmd_dup(pool, cmd);
	struct buf a, b;

	CHECK(copy != cmd && strcmp(copy->tag, cmd->tag) == 0 &&
	      strcmp(copy->name, cmd->name) == 0 && copy->uid == cmd->uid);
	buf_init(&a, 0);
	buf_init(&b, 0);
	dump_args(&a, cmd->args, cmd->count);
	dump_args(&b, copy->args, copy->count);
	CHECK(a.len == b.len && (a.len == 0 ||
				 memcmp(a.data, b.data, a.len) == 0));
	buf_free(&a);
	buf_free(&b);
}

/* sink - collects streamed literals into the transcript */
static int sink(void *ctx, const char *data, size_t len, bool last)
{
	struct run *r = ctx;

	CHECK(data != NULL && (len > 0 || last));
	put(&r->lit, data, len);
	if (r->sink_fails && r->lit.len > 7)
		return -1;
	if (last) {
		put_str(&r->out, "STREAM ");
		put_u64(&r->out, r->lit.len);
		put(&r->out, ":", 1);
		put(&r->out, r->lit.data != NULL ? r->lit.data : "",
		    r->lit.len);
		put(&r->out, "\n", 1);
	}
	return 0;
}

/* on_literal - the decision at IMAP_PARSE_LITERAL */
static void on_literal(struct run *r, struct imap_parser *p)
{
	const struct imap_literal_info *li = imap_parser_literal_info(p);
	const struct imap_cmd *cmd = imap_parser_cmd(p);

	CHECK(cmd->tag != NULL && cmd->name != NULL);
	CHECK(li->size <= r->lim->max_literal);
	CHECK(li->depth > 0 || li->index == cmd->count);
	CHECK(li->sync || !r->lim->literal_minus ||
	      li->size <= IMAP_LITERAL_MINUS_MAX);
	put_str(&r->out, "LIT ");
	put_u64(&r->out, li->size);
	put_str(&r->out, li->sync ? " s" : " n");
	put_str(&r->out, li->binary ? "b " : "t ");
	put_u64(&r->out, li->depth);
	put(&r->out, " ", 1);
	put_u64(&r->out, li->index);
	put(&r->out, "\n", 1);
	if (r->refuse3 && li->size % 3 == 0) {
		put_str(&r->out, "REFUSE3\n");
		imap_parser_literal_refuse(p);
	} else if (strcmp(cmd->name, "APPEND") == 0 && li->depth == 0 &&
		   li->index >= 1) {
		buf_reset(&r->lit);
		imap_parser_literal_stream(p, sink, r);
	} else if (imap_parser_literal_accept(p) < 0) {
		put_str(&r->out, "REFUSED\n");
		imap_parser_literal_refuse(p);
	}
}

/* on_event - DONE or ERROR into the transcript */
static void on_event(struct run *r, enum imap_parse_status st,
		     const struct imap_cmd *cmd)
{
	if (st == IMAP_PARSE_DONE) {
		CHECK(cmd->error == IMAP_PERR_NONE);
		if (r->check) {
			check_cmd(r, cmd);
			check_dup(r->pool, cmd);
		}
		put_str(&r->out, "DONE ");
		put_str(&r->out, cmd->tag);
		put(&r->out, " ", 1);
		put_str(&r->out, cmd->name);
		dump_args(&r->out, cmd->args, cmd->count);
		put(&r->out, "\n", 1);
		return;
	}
	CHECK(cmd->error != IMAP_PERR_NONE && cmd->error_msg != NULL);
	CHECK(imap_parse_error_reply(cmd->error)[0] != '\0');
	if (cmd->tag != NULL) {
		const char *s;

		for (s = cmd->tag; *s != '\0'; s++)
			CHECK(imap_is_tag_char((unsigned char)*s));
	}
	put_str(&r->out, "ERROR ");
	put_str(&r->out, cmd->tag != NULL ? cmd->tag : "*");
	put(&r->out, " ", 1);
	put_u64(&r->out, (uint64_t)cmd->error);
	put(&r->out, " ", 1);
	put_str(&r->out, cmd->error_msg);
	put(&r->out, "\n", 1);
}

/*
 * run_session - feed data; mode 0 in one call, 1 an octet at a time,
 * else chunks of 1..64 octets from a generator seeded with mode
 */
static void run_session(struct run *r, const uint8_t *data, size_t size,
			unsigned int mode)
{
	struct imap_parser *p = imap_parser_new(r->lim);
	const char *in = (const char *)data;
	uint32_t seed = mode;
	size_t pos = 0, end, used;
	enum imap_parse_status st;

	while (pos < size) {
		if (mode == 0) {
			end = size;
		} else if (mode == 1) {
			end = pos + 1;
		} else {
			seed = seed * 1103515245u + 12345u;
			end = pos + 1 + ((seed >> 16) & 63);
		}
		if (end > size)
			end = size;
		while (pos < end) {
			st = imap_parser_feed(p, in + pos, end - pos, &used);
			CHECK(used <= end - pos);
			pos += used;
			if (st == IMAP_PARSE_MORE)
				CHECK(pos == end);
			else if (st == IMAP_PARSE_LITERAL)
				on_literal(r, p);
			else
				on_event(r, st, imap_parser_cmd(p));
		}
	}
	imap_parser_free(&p);
	CHECK(p == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct imap_parser_limits small = {
		.max_line = 200, .max_literal = 100, .max_buffered = 150,
		.max_depth = 4, .max_args = 20,
	};
	struct imap_parser_limits lim;
	struct run runs[3];
	unsigned int cfg = size > 0 ? data[0] : 0, i, seed = 7;
	size_t k;

	lim = (cfg & 2) != 0 ? small : (struct imap_parser_limits){ 0 };
	if (lim.max_line == 0) {
		lim.max_line = IMAP_PARSER_DEFAULT_MAX_LINE;
		lim.max_literal = IMAP_PARSER_DEFAULT_MAX_LITERAL;
		lim.max_buffered = IMAP_PARSER_DEFAULT_MAX_BUFFERED;
		lim.max_depth = IMAP_PARSER_DEFAULT_MAX_DEPTH;
		lim.max_args = IMAP_PARSER_DEFAULT_MAX_ARGS;
	}
	lim.literal_minus = (cfg & 1) != 0;
	for (k = 0; k < size; k++)
		seed = seed * 31 + data[k];
	for (i = 0; i < 3; i++) {
		memset(&runs[i], 0, sizeof(runs[i]));
		buf_init(&runs[i].out, 0);
		buf_init(&runs[i].lit, 0);
		runs[i].sink_fails = (cfg & 4) != 0;
		runs[i].refuse3 = (cfg & 8) != 0;
		runs[i].check = i == 0;
		runs[i].pool = pool_new("fuzz-imap-cmd", 4096);
		runs[i].lim = &lim;
		run_session(&runs[i], data, size,
			    i == 0 ? 0 : i == 1 ? 1 : (seed | 2));
	}
	for (i = 1; i < 3; i++) {
		CHECK(runs[i].out.len == runs[0].out.len);
		CHECK(runs[0].out.len == 0 ||
		      memcmp(runs[i].out.data, runs[0].out.data,
			     runs[0].out.len) == 0);
	}
	for (i = 0; i < 3; i++) {
		buf_free(&runs[i].out);
		buf_free(&runs[i].lit);
		pool_destroy(&runs[i].pool);
	}
	return 0;
}
