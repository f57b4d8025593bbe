/*
 * fuzz-imap-search.c - libFuzzer target for backend/imapd/imap-search.c
 * (SEARCH programs, SORT/THREAD criteria, dates) and the sequence sets of
 * imap-fetch.c.
 *
 * fuzz-sources: backend/imapd/imap-search.c backend/imapd/imap-fetch.c backend/imapd/imap-parser.c lib/pool.c lib/buf.c lib/log.c
 *
 * The input is a client session, parsed by imap-parser in one call with
 * every literal buffered. The arguments of each complete command, what
 * ever its name, go to imap_search_parse() and, from the second argument
 * on, to imap_search_parse_criteria() (as after SORT's criteria), its
 * first to imap_sort_parse(), and every atom to imap_date_parse() and
 * imap_seqset_parse(). The first octet picks max_depth (1..8, or the
 * default). A successful parse must give a tree that keeps the contract
 * in imap-search.h: node arities, depth within max_depth, at most one
 * node per argument, strings valid UTF-8 (ASCII under US-ASCII), real
 * dates, normalised sequence sets, 63-bit numbers, flags set exactly
 * when a MODSEQ key or "$" is present; a failure has a message and
 * badcharset only for a charset. Violations abort().
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
#include "imap-search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* what a tree walk found */
struct walk {
	unsigned int nodes;
	unsigned int max_depth;
	bool ascii_only;
	bool modseq;
	bool searchres;
};

/* CHECK - abort, naming the line, when an invariant does not hold */
#define CHECK(expr) do { \
	if (!(expr)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			__LINE__, #expr); \
		abort(); \
	} \
} while (0)

/* date_valid - a date imap_date_parse() may return */
static bool date_valid(const struct imap_date *d)
{
	static const unsigned int mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	return d->year <= 9999 && d->month >= 1 && d->month <= 12 &&
		d->day >= 1 && d->day <= mdays[d->month - 1];
}

/* check_set - a parsed sequence set is normalised */
static void check_set(const struct imap_seqset *set)
{
	unsigned int i;

	if (set->searchres) {
		CHECK(set->count == 0);
		return;
	}
	CHECK(set->count >= 1);
	for (i = 0; i < set->count; i++) {
		const struct imap_seq_range *r = &set->ranges[i];

		CHECK(r->hi == IMAP_SEQ_STAR ||
		      (r->lo != IMAP_SEQ_STAR && r->lo <= r->hi));
	}
}

/* check_text - a search string */
static void check_text(const struct walk *w, const char *s)
{
	size_t len;

	CHECK(s != NULL);
	len = strlen(s);
	CHECK(utf8_valid(s, len));
	if (w->ascii_only) {
		for (; *s != '\0'; s++)
			CHECK((unsigned char)*s < 0x80);
	}
}

/* check_key - one node and below, at the given depth */
static void check_key(struct walk *w, const struct imap_search_key *k,
		      unsigned int depth)
{
	unsigned int i;
	const char *s;

	CHECK(depth <= w->max_depth);
	w->nodes++;
	switch (k->type) {
	case IMAP_SEARCH_AND:
		CHECK(k->count >= 1 && k->sub != NULL);
		for (i = 0; i < k->count; i++)
			check_key(w, &k->sub[i], depth + 1);
		return;
	case IMAP_SEARCH_OR:
	case IMAP_SEARCH_NOT:
		CHECK(k->count == (k->type == IMAP_SEARCH_OR ? 2u : 1u));
		for (i = 0; i < k->count; i++)
			check_key(w, &k->sub[i], depth + 1);
		return;
	case IMAP_SEARCH_SEQSET:
	case IMAP_SEARCH_UID:
		check_set(&k->seqset);
		w->searchres = w->searchres || k->seqset.searchres;
		break;
	case IMAP_SEARCH_KEYWORD:
	case IMAP_SEARCH_UNKEYWORD:
		CHECK(imap_atom_valid(k->str, strlen(k->str)));
		break;
	case IMAP_SEARCH_HEADER:
		CHECK(k->field != NULL && k->field[0] != '\0');
		for (s = k->field; *s != '\0'; s++)
			CHECK(*s > 32 && *s < 127 && *s != ':');
		check_text(w, k->str);
		break;
	case IMAP_SEARCH_BCC:
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_CC:
	case IMAP_SEARCH_FROM:
	case IMAP_SEARCH_SUBJECT:
	case IMAP_SEARCH_TEXT:
	case IMAP_SEARCH_TO:
		check_text(w, k->str);
		break;
	case IMAP_SEARCH_BEFORE:
	case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SINCE:
	case IMAP_SEARCH_SENTBEFORE:
	case IMAP_SEARCH_SENTON:
	case IMAP_SEARCH_SENTSINCE:
		CHECK(date_valid(&k->date));
		break;
	case IMAP_SEARCH_LARGER:
	case IMAP_SEARCH_SMALLER:
		CHECK(k->number <= INT64_MAX);
		break;
	case IMAP_SEARCH_MODSEQ:
		CHECK(k->number <= INT64_MAX);
		CHECK((k->modseq_flag == NULL) ==
		      (k->modseq_entry == IMAP_MODSEQ_ENTRY_NONE));
		if (k->modseq_flag != NULL) {
			s = k->modseq_flag;
			if (*s == '\\')
				s++;
			CHECK(imap_atom_valid(s, strlen(s)));
		}
		w->modseq = true;
		break;
	default:
		CHECK(k->type > IMAP_SEARCH_UID &&
		      k->type <= IMAP_SEARCH_MODSEQ);
		break;
	}
	CHECK(k->count == 0);
}

/* count_args - arguments in a tree, lists included */
static unsigned int count_args(const struct imap_arg *args,
			       unsigned int count)
{
	unsigned int i, n = count;

	for (i = 0; i < count; i++) {
		if (args[i].type == IMAP_ARG_LIST)
			n += count_args(args[i].list, args[i].count);
	}
	return n;
}

/* check_search - one run of a search parser over args */
static void check_search(struct pool *pool, const struct imap_arg *args,
			 unsigned int count, unsigned int max_depth,
			 bool criteria)
{
	struct imap_search s;
	struct walk w;
	const char *error = NULL;
	int ret;

	if (criteria)
		ret = imap_search_parse_criteria(pool, args, count, max_depth,
						 &s, &error);
	else
		ret = imap_search_parse(pool, args, count, max_depth, &s,
					&error);
	if (ret < 0) {
		CHECK(ret == -1 && error != NULL && s.root == NULL);
		return;
	}
	CHECK(ret == 0 && !s.badcharset && s.root != NULL);
	CHECK(s.root->type == IMAP_SEARCH_AND);
	CHECK(!criteria || (!s.has_return &&
			    s.charset != IMAP_SEARCH_CHARSET_DEFAULT));
	CHECK(!s.has_return || s.return_opts != 0);
	CHECK((s.return_opts & ~0x1fu) == 0);
	memset(&w, 0, sizeof(w));
	/* the root is depth 0 here; the parser counts from its children */
	w.max_depth = 1 + (max_depth > 0 ? max_depth :
			   IMAP_SEARCH_DEFAULT_MAX_DEPTH);
	w.ascii_only = s.charset == IMAP_SEARCH_CHARSET_US_ASCII;
	check_key(&w, s.root, 0);
	/* the root is extra; every other node took an argument */
	CHECK(w.nodes <= count_args(args, count) + 1);
	CHECK(w.modseq == s.has_modseq);
	CHECK(w.searchres == s.uses_searchres);
}

/* check_atoms - dates and sets on every atom of the tree */
static void check_atoms(struct pool *pool, const struct imap_arg *args,
			unsigned int count)
{
	struct imap_seqset set;
	struct imap_date d, again;
	const char *error, *text;
	unsigned int i;

	for (i = 0; i < count; i++) {
		const struct imap_arg *a = &args[i];

		if (a->type == IMAP_ARG_LIST) {
			check_atoms(pool, a->list, a->count);
			continue;
		}
		if (imap_date_parse(a->str, a->len, &d) == 0) {
			static const char *const mon[12] = {
				"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
			};

			CHECK(date_valid(&d));
			text = p_printf(pool, "%u-%s-%04u", d.day,
					mon[d.month - 1], d.year);
			CHECK(imap_date_parse(text, strlen(text), &again) == 0);
			CHECK(again.year == d.year && again.month == d.month &&
			      again.day == d.day);
		}
		if (imap_seqset_parse(pool, a->str, a->len,
				      IMAP_SEQSET_ALLOW_SEARCHRES, &set,
				      &error) == 0)
			check_set(&set);
	}
}

/* check_cmd - all parsers on one command's arguments */
static void check_cmd(struct pool *pool, const struct imap_cmd *cmd,
		      unsigned int max_depth)
{
	const struct imap_sort_criterion *crit;
	const char *error;
	unsigned int n, i;

	check_search(pool, cmd->args, cmd->count, max_depth, false);
	if (cmd->count > 0) {
		check_search(pool, cmd->args + 1, cmd->count - 1, max_depth,
			     true);
		if (imap_sort_parse(pool, &cmd->args[0], &crit, &n,
				    &error) == 0) {
			CHECK(n >= 1 && n <= cmd->args[0].count);
			for (i = 0; i < n; i++)
				CHECK(crit[i].key <= IMAP_SORT_TO);
		}
	}
	check_atoms(pool, cmd->args, cmd->count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct pool *pool = pool_new("fuzz-imap-search", 4096);
	const char *in = (const char *)data;
	unsigned int max_depth = size > 0 ? data[0] % 9 : 0;
	struct imap_seqset set;
	const char *error;
	size_t pos = 0, used;
	enum imap_parse_status st;

	/* the whole input as one sequence set, too */
	if (imap_seqset_parse(pool, in, size, IMAP_SEQSET_ALLOW_SEARCHRES,
			      &set, &error) == 0)
		check_set(&set);
	while (pos < size) {
		st = imap_parser_feed(p, in + pos, size - pos, &used);
		pos += used;
		if (st == IMAP_PARSE_LITERAL) {
			if (imap_parser_literal_accept(p) < 0)
				imap_parser_literal_refuse(p);
		} else if (st == IMAP_PARSE_DONE) {
			check_cmd(pool, imap_parser_cmd(p), max_depth);
			pool_clear(pool);
		}
	}
	imap_parser_free(&p);
	pool_destroy(&pool);
	return 0;
}
