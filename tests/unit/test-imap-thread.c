/*
 * test-imap-thread.c - unit tests of backend/imapd/imap-thread.c, the
 * RFC 5256 THREAD algorithms.
 *
 * Small cases are written as tables of messages (number, id, In-Reply-To,
 * References, base subject, date) with the exact thread-list expected.
 * The large cases check shape only: every number exactly once, and the
 * output parses under the RFC 5256 grammar
 *
 *   thread-list    = "(" (thread-members / thread-nested) ")"
 *   thread-members = nz-number *(SP nz-number) [SP thread-nested]
 *   thread-nested  = 2*thread-list
 *
 * with a checker that keeps its own stack (no recursion), so that deep
 * threads cannot overflow the test either.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "pool.h"
#include "imap-thread.h"
#include "suites.h"

Suite *imap_thread_suite(void);

#define N_ROWS(rows) (sizeof(rows) / sizeof((rows)[0]))
#define OS IMAP_THREAD_ORDEREDSUBJECT
#define REF IMAP_THREAD_REFERENCES

static struct pool *pool;

static void setup(void)
{
	pool = pool_new("test-imap-thread", 65536);
}

static void teardown(void)
{
	pool_destroy(&pool);
}

/* thread - run imap_thread over msgs and return the thread-list */
static const char *thread(enum imap_thread_algorithm alg,
			  const struct imap_thread_msg *msgs, size_t n)
{
	struct buf out;
	const char *s;

	buf_init(&out, 0);
	ck_assert_int_eq(imap_thread(pool, alg, msgs, n, &out), 0);
	s = p_strdup(pool, out.data != NULL ? out.data : "");
	buf_free(&out);
	return s;
}

/* M - one message: number, Message-ID, In-Reply-To, References, base
 * subject, date */
#define M(num, id, irt, refs, subj, date) \
	{ (num), (id), (irt), (refs), (subj), (date) }

/*
 * grammar_ok - s is a well-formed thread-list sequence whose numbers are
 * exactly 1..n, each once. Returns NULL or what is wrong.
 */
static const char *grammar_ok(const char *s, uint32_t n)
{
	struct level {
		unsigned int numbers;	/* nz-numbers in this list */
		unsigned int nested;	/* nested lists in this list */
	} *st;
	unsigned char *seen;
	size_t depth = 0, cap = strlen(s) / 2 + 2, i = 0;
	uint32_t count = 0;

	st = p_new(pool, struct level, cap);
	seen = p_new(pool, unsigned char, (size_t)n + 1);
	while (s[i] != '\0') {
		char c = s[i];

		if (c == '(') {
			if (depth > 0) {
				char prev = s[i - 1];	/* depth > 0: i > 0 */

				if (prev != ' ' && prev != ')' && prev != '(')
					return "'(' after a number";
				st[depth - 1].nested++;
			} else if (i > 0 && s[i - 1] != ')') {
				return "junk between threads";
			}
			if (depth + 1 >= cap)
				return "too deep for the checker";
			st[depth].numbers = st[depth].nested = 0;
			depth++;
			i++;
		} else if (c == ')') {
			if (depth == 0)
				return "unbalanced ')'";
			depth--;
			if (st[depth].numbers == 0 && st[depth].nested < 2)
				return "empty list or a dummy with one child";
			if (st[depth].nested == 1)
				return "a single nested list";
			i++;
		} else if (c >= '1' && c <= '9') {
			unsigned long v = 0;

			if (depth == 0)
				return "number outside a list";
			if (st[depth - 1].nested > 0)
				return "number after a nested list";
			if (s[i - 1] != '(' && s[i - 1] != ' ')
				return "number not after '(' or ' '";
			while (s[i] >= '0' && s[i] <= '9') {
				v = v * 10 + (unsigned long)(s[i] - '0');
				if (v > n)
					return "number out of range";
				i++;
			}
			if (s[i] != ' ' && s[i] != ')')
				return "number not followed by ' ' or ')'";
			if (seen[v]++)
				return "number twice";
			count++;
			st[depth - 1].numbers++;
		} else if (c == ' ') {
			if (depth == 0 || (s[i + 1] != '(' &&
					   (s[i + 1] < '1' || s[i + 1] > '9')))
				return "stray space";
			i++;
		} else {
			return "unexpected character";
		}
	}
	if (depth != 0)
		return "unbalanced '('";
	if (count != n)
		return "a number is missing";
	return NULL;
}

/* ==== empty input and output limits =================================== */

START_TEST(test_empty)
{
	struct buf out;

	buf_init(&out, 0);
	ck_assert_int_eq(imap_thread(pool, OS, NULL, 0, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(imap_thread(pool, REF, NULL, 0, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	buf_free(&out);
}
END_TEST

START_TEST(test_single)
{
	static const struct imap_thread_msg one[] = {
		M(7, NULL, NULL, NULL, "", 0),
	};

	ck_assert_str_eq(thread(OS, one, 1), "(7)");
	ck_assert_str_eq(thread(REF, one, 1), "(7)");
}
END_TEST

START_TEST(test_out_max)
{
	static const struct imap_thread_msg msgs[] = {
		M(1, "a", NULL, NULL, "s", 1),
		M(2, "b", NULL, "a", "s", 2),
		M(3, "c", NULL, "a", "s", 3),
	};
	struct buf out;

	/* "(1 (2)(3))" is 10 octets */
	buf_init(&out, 9);
	ck_assert_int_eq(imap_thread(pool, REF, msgs, 3, &out), -1);
	ck_assert_int_eq(imap_thread(pool, OS, msgs, 3, &out), -1);
	buf_free(&out);
	buf_init(&out, 10);
	ck_assert_int_eq(imap_thread(pool, REF, msgs, 3, &out), 0);
	ck_assert_str_eq(out.data, "(1 (2)(3))");
	buf_free(&out);
}
END_TEST

/* ==== ORDEREDSUBJECT =================================================== */

START_TEST(test_os_shapes)
{
	static const struct imap_thread_msg msgs[] = {
		M(1, NULL, NULL, NULL, "a", 10),
		M(2, NULL, NULL, NULL, "b", 5),
		M(3, NULL, NULL, NULL, "a", 20),
		M(4, NULL, NULL, NULL, "a", 15),
		M(5, NULL, NULL, NULL, "c", 1),
		M(6, NULL, NULL, NULL, "b", 6),
	};

	/* c starts first, then b, then a; a's first message has two
	 * children, b's first one child */
	ck_assert_str_eq(thread(OS, msgs, N_ROWS(msgs)),
			 "(5)(2 6)(1 (4)(3))");
}
END_TEST

START_TEST(test_os_ties)
{
	/* equal dates order by number; input order does not matter; the
	 * references are ignored; empty subjects form one thread */
	static const struct imap_thread_msg msgs[] = {
		M(9, "x", NULL, NULL, "s", 100),
		M(4, "y", NULL, "x", "s", 100),
		M(2, NULL, NULL, NULL, "t", 100),
		M(8, NULL, NULL, NULL, "", 50),
		M(3, NULL, NULL, NULL, "", 60),
	};

	ck_assert_str_eq(thread(OS, msgs, N_ROWS(msgs)),
			 "(8 3)(2)(4 9)");
}
END_TEST

START_TEST(test_os_rfc_like)
{
	/* the shapes of the RFC's ORDEREDSUBJECT example: singles, a pair
	 * "(194 195)", a parent with many children "(174 (175)(176)...)" */
	static const struct imap_thread_msg msgs[] = {
		M(174, NULL, NULL, NULL, "plan", 1),
		M(175, NULL, NULL, NULL, "plan", 2),
		M(176, NULL, NULL, NULL, "plan", 3),
		M(178, NULL, NULL, NULL, "plan", 4),
		M(179, NULL, NULL, NULL, "lunch", 5),
		M(194, NULL, NULL, NULL, "meeting", 6),
		M(195, NULL, NULL, NULL, "meeting", 7),
		M(181, NULL, NULL, NULL, "plan", 8),
		M(180, NULL, NULL, NULL, "plan", 9),
	};

	ck_assert_str_eq(thread(OS, msgs, N_ROWS(msgs)),
			 "(174 (175)(176)(178)(181)(180))(179)(194 195)");
}
END_TEST

/* ==== REFERENCES: trees ================================================ */

START_TEST(test_ref_rfc_shape)
{
	/* the RFC's "(2)(3 6 (4 23)(44 7 96))" */
	static const struct imap_thread_msg msgs[] = {
		M(2, "m2", NULL, NULL, "other", 1),
		M(3, "m3", NULL, NULL, "topic", 2),
		M(6, "m6", "m3", "m3", "topic", 3),
		M(4, "m4", NULL, "m3 m6", "topic", 4),
		M(23, "m23", NULL, "m3 m6 m4", "topic", 5),
		M(44, "m44", NULL, "m3 m6", "topic", 6),
		M(7, "m7", NULL, "m3 m6 m44", "topic", 7),
		M(96, "m96", NULL, "m3 m6 m44 m7", "topic", 8),
	};

	ck_assert_str_eq(thread(REF, msgs, N_ROWS(msgs)),
			 "(2)(3 6 (4 23)(44 7 96))");
	/* the same when delivered in another order */
	{
		struct imap_thread_msg rev[N_ROWS(msgs)];
		size_t i;

		for (i = 0; i < N_ROWS(msgs); i++)
			rev[i] = msgs[N_ROWS(msgs) - 1 - i];
		ck_assert_str_eq(thread(REF, rev, N_ROWS(rev)),
				 "(2)(3 6 (4 23)(44 7 96))");
	}
}
END_TEST

START_TEST(test_ref_children_by_date)
{
	/* siblings by date, equal dates by number, at every level */
	static const struct imap_thread_msg msgs[] = {
		M(1, "r", NULL, NULL, "x", 100),
		M(2, "c2", NULL, "r", "x", 300),
		M(3, "c3", NULL, "r", "x", 200),
		M(4, "c4", NULL, "r", "x", 200),
		M(5, "g5", NULL, "r c2", "x", 900),
		M(6, "g6", NULL, "r c2", "x", 400),
		M(7, "t7", NULL, NULL, "y", 50),
	};

	ck_assert_str_eq(thread(REF, msgs, N_ROWS(msgs)),
			 "(7)(1 (3)(4)(2 (6)(5)))");
}
END_TEST

START_TEST(test_ref_in_reply_to)
{
	/* In-Reply-To counts only when References has no id; angle
	 * brackets and extra white space are accepted */
	static const struct imap_thread_msg msgs[] = {
		M(1, "<a@x>", NULL, NULL, "p", 1),
		M(2, "b@x", "<a@x>", NULL, "q", 2),
		M(3, "c@x", "a@x", "  <b@x>\t", "r", 3),
		M(4, "d@x", "b@x", " <> ", "s", 4),
	};

	ck_assert_str_eq(thread(REF, msgs, N_ROWS(msgs)),
			 "(1 2 (3)(4))");
}
END_TEST

/* ==== REFERENCES: dummies ============================================== */

START_TEST(test_ref_missing_parent)
{
	/* one orphan: its dummy parent is replaced by it */
	static const struct imap_thread_msg one[] = {
		M(1, "a", NULL, "gone", "s", 1),
	};
	/* two orphans of one lost message: a dummy at the top stays */
	static const struct imap_thread_msg two[] = {
		M(1, "a", NULL, "gone", "s", 2),
		M(2, "b", NULL, "gone", "t", 1),
	};
	/* a lost message in the middle of a thread is spliced out */
	static const struct imap_thread_msg mid[] = {
		M(1, "a", NULL, NULL, "s", 1),
		M(3, "c", NULL, "a lost", "s", 3),
		M(4, "d", NULL, "a lost", "s", 4),
		M(5, "e", NULL, "a lost2 lost3", "s", 5),
	};
	/* a chain of lost ancestors above one message */
	static const struct imap_thread_msg chain[] = {
		M(1, "a", NULL, "l1 l2 l3 l4", "s", 1),
		M(2, "b", NULL, "l1 l2 x3 x4", "t", 2),
	};

	ck_assert_str_eq(thread(REF, one, N_ROWS(one)), "(1)");
	ck_assert_str_eq(thread(REF, two, N_ROWS(two)), "((2)(1))");
	ck_assert_str_eq(thread(REF, mid, N_ROWS(mid)),
			 "(1 (3)(4)(5))");
	ck_assert_str_eq(thread(REF, chain, N_ROWS(chain)), "((1)(2))");
}
END_TEST

START_TEST(test_ref_truncated_refs)
{
	/* 2 names c as its parent below a wrong "x" (a cut References
	 * list), so c's container first hangs below x; when c itself comes
	 * with its full list it is moved below b (step 1.C), and the lost
	 * b is spliced out */
	static const struct imap_thread_msg msgs[] = {
		M(1, "a", NULL, NULL, "s", 1),
		M(2, "d", NULL, "x c", "t", 2),
		M(3, "c", NULL, "a b", "u", 3),
	};

	ck_assert_str_eq(thread(REF, msgs, N_ROWS(msgs)), "(1 3 2)");
}
END_TEST

/* ==== REFERENCES: hostile ids ========================================== */

START_TEST(test_ref_loops)
{
	/* A refs B, B refs A: no loop, the later link is refused */
	static const struct imap_thread_msg ab[] = {
		M(1, "a", NULL, "b", "s", 1),
		M(2, "b", NULL, "a", "t", 2),
	};
	/* a three-cycle through References chains */
	static const struct imap_thread_msg abc[] = {
		M(1, "a", NULL, "c b", "s", 1),
		M(2, "b", NULL, "a c", "s", 2),
		M(3, "c", NULL, "b a", "s", 3),
	};
	/* a References list that loops on itself */
	static const struct imap_thread_msg self_list[] = {
		M(1, "m", NULL, "x y x y z", "s", 1),
		M(2, "x", NULL, NULL, "s", 2),
	};
	const char *s;

	/* 1 hangs below b; 2 (b) may not go below a */
	ck_assert_str_eq(thread(REF, ab, N_ROWS(ab)), "(2 1)");
	/* c -> b -> a; then b's "a c" and c's "b a" would close loops */
	ck_assert_str_eq(thread(REF, abc, N_ROWS(abc)), "(3 2 1)");
	s = thread(REF, self_list, N_ROWS(self_list));
	ck_assert_msg(grammar_ok(s, 2) == NULL, "%s: %s", s,
		      grammar_ok(s, 2));
	ck_assert_str_eq(s, "(2 1)");
}
END_TEST

START_TEST(test_ref_self_reference)
{
	static const struct imap_thread_msg self[] = {
		M(1, "a", "a", "a", "s", 1),
		M(2, "b", NULL, "a b", "t", 2),
		M(3, "c", NULL, NULL, "u", 3),
	};

	/* 2's own id as its last reference: no link, so 2 stands alone
	 * (step 1.C breaks the link 1.B made first) */
	ck_assert_str_eq(thread(REF, self, N_ROWS(self)), "(1)(2)(3)");
}
END_TEST

START_TEST(test_ref_duplicate_ids)
{
	/* the lowest number keeps the id; later duplicates are unique */
	static const struct imap_thread_msg msgs[] = {
		M(5, "dup", NULL, NULL, "t", 1),
		M(2, "dup", NULL, NULL, "s", 2),
		M(7, "r", NULL, "dup", "u", 3),
		M(9, "dup", NULL, "dup", "v", 4),
	};

	/* 2 owns "dup"; 7 and 9 reply to it; 5 stands alone */
	ck_assert_str_eq(thread(REF, msgs, N_ROWS(msgs)),
			 "(5)(2 (7)(9))");
}
END_TEST

/* ==== REFERENCES: subjects (step 5) ==================================== */

START_TEST(test_ref_subjects_only)
{
	/* no ids at all: threads are gathered by base subject; two
	 * originals get a dummy parent, a third joins the dummy */
	static const struct imap_thread_msg msgs[] = {
		M(1, NULL, NULL, NULL, "hello", 10),
		M(2, NULL, NULL, NULL, "other", 20),
		M(3, NULL, NULL, NULL, "hello", 30),
		M(4, NULL, NULL, NULL, "hello", 5),
		M(5, NULL, NULL, NULL, "", 1),
		M(6, NULL, NULL, NULL, "", 2),
	};

	/* empty subjects are never gathered */
	ck_assert_str_eq(thread(REF, msgs, N_ROWS(msgs)),
			 "(5)(6)((4)(1)(3))(2)");
}
END_TEST

START_TEST(test_ref_subject_reply)
{
	/* a reply whose parent is missing joins the original with its
	 * subject as a child (5.C, reply below non-reply) */
	static const struct imap_thread_msg msgs[] = {
		M(1, "o", NULL, NULL, "plan", 10),
		M(2, "r", NULL, "lost", "plan", 20),
	};
	/* the reply comes first in the table; the original replaces it
	 * (5.B) and the reply still ends below the original */
	static const struct imap_thread_msg rev[] = {
		M(1, "r", NULL, "lost", "plan", 10),
		M(2, "o", NULL, NULL, "plan", 20),
	};

	ck_assert_str_eq(thread(REF, msgs, N_ROWS(msgs)), "(1 2)");
	ck_assert_str_eq(thread(REF, rev, N_ROWS(rev)), "(2 1)");
}
END_TEST

START_TEST(test_ref_subject_dummies)
{
	/* a top-level dummy (two orphans of one lost message) gathers
	 * the other threads with its subject: both dummies merge, and a
	 * message joins the dummy */
	static const struct imap_thread_msg msgs[] = {
		M(1, "a", NULL, "lost1", "s", 1),
		M(2, "b", NULL, "lost1", "s", 2),
		M(3, "c", NULL, "lost2", "s", 3),
		M(4, "d", NULL, "lost2", "s", 4),
		M(5, "e", NULL, NULL, "s", 5),
		M(6, "f", NULL, "e", "s", 6),
	};

	ck_assert_str_eq(thread(REF, msgs, N_ROWS(msgs)),
			 "((1)(2)(3)(4)(5 6))");
}
END_TEST

/* ==== large inputs ====================================================== */

/* rnd - a small deterministic generator (xorshift) */
static uint32_t rnd_state = 2463534242u;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* check_large - both algorithms over msgs; well-formed, every number
 * once, within a time budget */
static void check_large(struct imap_thread_msg *msgs, uint32_t n)
{
	enum imap_thread_algorithm algs[] = { OS, REF };
	size_t a;

	for (a = 0; a < N_ROWS(algs); a++) {
		struct buf out;
		clock_t t0 = clock();
		const char *why;
		double secs;

		buf_init(&out, 0);
		ck_assert_int_eq(imap_thread(pool, algs[a], msgs, n, &out), 0);
		secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		why = grammar_ok(out.data, n);
		ck_assert_msg(why == NULL, "algorithm %zu: %s", a, why);
		/* a sanity bound (valgrind-proof), not a benchmark */
		ck_assert_msg(secs < 20.0, "algorithm %zu took %.2f s", a,
			      secs);
		buf_free(&out);
	}
}

START_TEST(test_large_random)
{
	const uint32_t n = 20000;
	struct imap_thread_msg *msgs = p_new(pool, struct imap_thread_msg, n);
	uint32_t i, k, nrefs;

	for (i = 0; i < n; i++) {
		char *refs = p_strdup(pool, "");

		msgs[i].number = i + 1;
		/* some duplicate ids, some without */
		if (rnd() % 50 == 0)
			msgs[i].message_id = NULL;
		else
			msgs[i].message_id = p_printf(pool, "m%u@x",
						      rnd() % 64 == 0 ?
						      rnd() % n : i);
		/* references to any message, earlier or later, or to
		 * ones that do not exist: loops and dummies galore */
		nrefs = rnd() % 6;
		for (k = 0; k < nrefs; k++)
			refs = p_printf(pool, "%s m%u@x", refs,
					rnd() % (n + n / 10));
		msgs[i].refs = refs;
		msgs[i].in_reply_to = rnd() % 3 == 0 ?
			p_printf(pool, "m%u@x", rnd() % n) : NULL;
		msgs[i].base_subject = p_printf(pool, "%u", rnd() % 300);
		if (rnd() % 20 == 0)
			msgs[i].base_subject = "";
		msgs[i].date = (int64_t)(rnd() % 1000);
	}
	check_large(msgs, n);
}
END_TEST

START_TEST(test_large_deep)
{
	/* a 20,000-deep chain fed oldest first (each loop check then asks
	 * about the whole chain above: quadratic for a naive walk up the
	 * parents), then newest first; then one naming its last 8
	 * ancestors; the output is one flat list, and nothing may recurse
	 * per level */
	const uint32_t n = 20000;
	struct imap_thread_msg *msgs = p_new(pool, struct imap_thread_msg, n);
	struct imap_thread_msg *rev = p_new(pool, struct imap_thread_msg, n);
	uint32_t i, k;

	for (i = 0; i < n; i++) {
		msgs[i].number = i + 1;
		msgs[i].message_id = p_printf(pool, "d%u", i);
		msgs[i].refs = i == 0 ? NULL : p_printf(pool, "d%u", i - 1);
		msgs[i].base_subject = "deep";
		msgs[i].date = i;
	}
	for (i = 0; i < n; i++) {
		rev[i] = msgs[n - 1 - i];
		rev[i].number = i + 1;
	}
	check_large(msgs, n);
	check_large(rev, n);

	for (i = 0; i < n; i++) {
		char *refs = p_strdup(pool, "");

		for (k = i > 8 ? i - 8 : 0; k < i; k++)
			refs = p_printf(pool, "%s d%u", refs, k);
		msgs[i].refs = refs;
	}
	check_large(msgs, n);

	/* a deep tree with a branch at every level: nested lists 10,000
	 * deep, still written without recursion */
	for (i = 0; i < n; i++) {
		msgs[i].message_id = p_printf(pool, "t%u", i);
		msgs[i].refs = i < 2 ? NULL :
			p_printf(pool, "t%u", (i - 2) & ~1u);
	}
	check_large(msgs, n);
}
END_TEST

START_TEST(test_ref_refs_cap)
{
	/* 300 references: only the last IMAP_THREAD_MAX_REFS count, so the
	 * first (message 1) is no longer an ancestor of message 2 */
	struct imap_thread_msg msgs[2];
	char *refs = p_strdup(pool, "r0");
	unsigned int i;

	for (i = 1; i < 300; i++)
		refs = p_printf(pool, "%s r%u", refs, i);
	memset(msgs, 0, sizeof(msgs));
	msgs[0].number = 1;
	msgs[0].message_id = "r0";
	msgs[0].base_subject = "s";
	msgs[1].number = 2;
	msgs[1].message_id = "m";
	msgs[1].refs = refs;
	msgs[1].base_subject = "t";
	msgs[1].date = 1;
	ck_assert_str_eq(thread(REF, msgs, 2), "(1)(2)");
	/* with r0 among the last 256, the chain reaches it */
	msgs[0].message_id = p_printf(pool, "r%u", 300 - IMAP_THREAD_MAX_REFS);
	ck_assert_str_eq(thread(REF, msgs, 2), "(1 2)");
}
END_TEST

Suite *imap_thread_suite(void)
{
	Suite *s = suite_create("imap-thread");
	TCase *tc;

	tc = tcase_create("basics");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_single);
	tcase_add_test(tc, test_out_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("orderedsubject");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_os_shapes);
	tcase_add_test(tc, test_os_ties);
	tcase_add_test(tc, test_os_rfc_like);
	suite_add_tcase(s, tc);

	tc = tcase_create("references");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ref_rfc_shape);
	tcase_add_test(tc, test_ref_children_by_date);
	tcase_add_test(tc, test_ref_in_reply_to);
	tcase_add_test(tc, test_ref_missing_parent);
	tcase_add_test(tc, test_ref_truncated_refs);
	tcase_add_test(tc, test_ref_loops);
	tcase_add_test(tc, test_ref_self_reference);
	tcase_add_test(tc, test_ref_duplicate_ids);
	tcase_add_test(tc, test_ref_subjects_only);
	tcase_add_test(tc, test_ref_subject_reply);
	tcase_add_test(tc, test_ref_subject_dummies);
	tcase_add_test(tc, test_ref_refs_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("large");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_large_random);
	tcase_add_test(tc, test_large_deep);
	suite_add_tcase(s, tc);
	return s;
}
