/*
 * imap-thread.c - the THREAD algorithms of RFC 5256 (ORDEREDSUBJECT and
 * REFERENCES) over an array of messages, written as a thread-list.
 *
 * ORDEREDSUBJECT (RFC 5256 section 3, first algorithm): sort by base
 * subject, then sent date, then number; each run of one base subject is a
 * thread whose first message is the parent of all the others; threads
 * are ordered by the date of their first message.
 *
 * REFERENCES (RFC 5256 section 3, second algorithm), step by step:
 *
 *   1. Build containers. Every distinct message id named anywhere (own
 *      id, References, In-Reply-To) gets a container. A message claims
 *      the container of its id unless a message with a lower number has
 *      it already (later duplicates, and messages without a usable id,
 *      get a container of their own). Messages are taken in number order:
 *        A. the message's container;
 *        B. its references (the References ids, or failing those the
 *           first In-Reply-To id) are linked parent to child in order,
 *           never re-parenting a container that has a parent and never
 *           closing a loop;
 *        C. the message becomes a child of its last reference (its old
 *           parent link, if any, is broken first), unless that closes a
 *           loop; without references it ends with no parent.
 *   2. Containers without a parent become children of the root.
 *   3. Dummies (containers without a message) are pruned bottom-up: a
 *      childless dummy goes; a dummy with children is replaced by them,
 *      except directly below the root when it has more than one child.
 *   4. The root's children are sorted by sent date, then number; a dummy
 *      sorts by its first child after its own children are sorted.
 *   5. Threads under the root with the same (non-empty) base subject are
 *      gathered through a subject table, exactly with the table and merge
 *      rules of step 5.B and 5.C.
 *   6. Every set of siblings is sorted by sent date, then number, the
 *      deepest sets first; a dummy sorts as its first child.
 *
 * Output follows the RFC grammar: a chain is "(a b c)"; a message with
 * several children writes them as nested lists, "(a (b)(c d))"; a dummy
 * at the top writes only its children, "((b)(c))".
 *
 * Deliberate choices:
 *  - Ids are compared octet for octet. Ids are separated by white space
 *    or angle brackets, so "<a> <b>" and "a b" read alike; an empty id
 *    is no id. A References list longer than IMAP_THREAD_MAX_REFS keeps
 *    its last IMAP_THREAD_MAX_REFS ids (those nearest the message).
 *  - Step 5 asks whether a message "is a reply or forward", which RFC
 *    5256 decides from the original subject (a removed "Re:"/"Fwd:" or
 *    "(fwd)" trailer). struct imap_thread_msg carries only the base
 *    subject, so a message counts as a reply when it has at least one
 *    reference (References or In-Reply-To). This matches the RFC
 *    whenever replies carry references, which mailers have done for
 *    decades; a reply with "Re:" but no references is treated as an
 *    original.
 *  - Numbers are assumed distinct (UIDs or sequence numbers); equal
 *    numbers keep their input order.
 *
 * SECURITY: ids, references, subjects and dates come from mail and are
 * untrusted. Ids are matched by sorting them, not hashing, so crafted ids
 * cannot force quadratic work. The loop checks of step 1 ask "is the
 * would-be parent inside the child's tree?", which a naive walk up the
 * parent chain answers in O(depth) (quadratic for a crafted chain of
 * thousands of messages); here the forest of step 1 is mirrored in a
 * link-cut tree that answers it in O(log n) amortised. Everything else is
 * a sort or a single pass, so the whole is O(N log N) in N = messages +
 * references. No recursion: trees are walked with explicit stacks, and
 * memory is O(N), all from the caller's pool.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pool.h"

#include "imap-thread.h"

#define NO_ID UINT32_MAX

/*
 * A container of the REFERENCES algorithm. The tree proper uses parent,
 * first/last child and prev/next sibling; lc_p and lc[] belong to the
 * link-cut tree mirror, used only during step 1.
 */
struct tnode {
	const struct imap_thread_msg *msg;	/* NULL: dummy */
	bool reply;				/* message had references */
	struct tnode *parent;			/* valid during step 1 */
	struct tnode *first, *last;		/* children */
	struct tnode *prev, *next;		/* siblings */
	size_t nchild;
	uint32_t subject_group;			/* step 5; NO_ID: empty */

	struct tnode *lc_p;		/* splay parent or path parent */
	struct tnode *lc[2];		/* splay children */
};

/* one message id occurrence, sorted to number the distinct ids */
struct id_tok {
	const char *s;
	size_t len;
	uint32_t *dest;		/* where the id's number goes */
};

/* per message: its own id number and its references */
struct msg_ids {
	uint32_t own;		/* NO_ID: none */
	uint32_t nrefs;
	uint32_t *refs;		/* id numbers, oldest first */
};

/* ==== comparisons ====================================================== */

/* msg_cmp_date - sent date, then number (RFC 5256 section 2.2) */
static int msg_cmp_date(const struct imap_thread_msg *a,
			const struct imap_thread_msg *b)
{
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	if (a->number != b->number)
		return a->number < b->number ? -1 : 1;
	return 0;
}

/* cmp_msgptr_number - qsort: message pointers by number, then position */
static int cmp_msgptr_number(const void *pa, const void *pb)
{
	const struct imap_thread_msg *a = *(const struct imap_thread_msg *
					    const *)pa;
	const struct imap_thread_msg *b = *(const struct imap_thread_msg *
					    const *)pb;

	if (a->number != b->number)
		return a->number < b->number ? -1 : 1;
	/* same array: the address is the input order */
	return a < b ? -1 : a > b;
}

/* cmp_msgptr_subject - qsort: base subject, then date and number */
static int cmp_msgptr_subject(const void *pa, const void *pb)
{
	const struct imap_thread_msg *a = *(const struct imap_thread_msg *
					    const *)pa;
	const struct imap_thread_msg *b = *(const struct imap_thread_msg *
					    const *)pb;
	int c = strcmp(a->base_subject, b->base_subject);

	if (c != 0)
		return c;
	c = msg_cmp_date(a, b);
	if (c != 0)
		return c;
	return a < b ? -1 : a > b;
}

/* cmp_tok - qsort: ids by length, then octets (any total order will do) */
static int cmp_tok(const void *pa, const void *pb)
{
	const struct id_tok *a = pa, *b = pb;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->s, b->s, a->len);
}

/* node_key - the message a node sorts as: its own, or a dummy's first
 * child's (dummies are sorted after their children) */
static const struct imap_thread_msg *node_key(const struct tnode *n)
{
	while (n->msg == NULL && n->first != NULL)
		n = n->first;
	return n->msg;
}

/* cmp_node_date - qsort: nodes by sent date, then number */
static int cmp_node_date(const void *pa, const void *pb)
{
	const struct tnode *a = *(const struct tnode *const *)pa;
	const struct tnode *b = *(const struct tnode *const *)pb;
	const struct imap_thread_msg *ma = node_key(a), *mb = node_key(b);

	/* a dummy has children by now; the NULL tests are for safety */
	if (ma == NULL || mb == NULL)
		return (ma == NULL) - (mb == NULL);
	return msg_cmp_date(ma, mb);
}

/* cmp_node_subject - qsort: nodes by thread subject */
static int cmp_node_subject(const void *pa, const void *pb)
{
	const struct tnode *a = *(const struct tnode *const *)pa;
	const struct tnode *b = *(const struct tnode *const *)pb;

	return strcmp(node_key(a)->base_subject, node_key(b)->base_subject);
}

/* ==== message ids ====================================================== */

/* is_id_sep - octets that separate ids in a References list */
static bool is_id_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '<' || c == '>';
}

/* next_id - the next id at or after *pos in s; false at the end */
static bool next_id(const char *s, size_t *pos, const char **id_r,
		    size_t *len_r)
{
	size_t i = *pos, start;

	while (s[i] != '\0' && is_id_sep(s[i]))
		i++;
	if (s[i] == '\0') {
		*pos = i;
		return false;
	}
	start = i;
	while (s[i] != '\0' && !is_id_sep(s[i]))
		i++;
	*id_r = s + start;
	*len_r = i - start;
	*pos = i;
	return true;
}

/* count_ids - how many ids s holds (0 for NULL) */
static size_t count_ids(const char *s)
{
	size_t pos = 0, len, n = 0;
	const char *id;

	if (s == NULL)
		return 0;
	while (next_id(s, &pos, &id, &len))
		n++;
	return n;
}

/*
 * number_ids - give every distinct id in msgs a number 0..count-1.
 * ids[i] (for msgs in number order, order[i]) gets the message's own id
 * and its reference list. Returns the count of distinct ids.
 */
static uint32_t number_ids(struct pool *pool,
			   const struct imap_thread_msg *const *order,
			   size_t n, struct msg_ids *ids)
{
	struct id_tok *toks;
	size_t ntok = 0, i, k, pos, len, skip;
	const char *id, *list;
	uint32_t next = 0;

	/* pass 1: count, to size everything before filling it */
	for (i = 0; i < n; i++) {
		size_t nrefs = count_ids(order[i]->refs);

		if (nrefs == 0)
			nrefs = count_ids(order[i]->in_reply_to) > 0;
		if (nrefs > IMAP_THREAD_MAX_REFS)
			nrefs = IMAP_THREAD_MAX_REFS;
		ids[i].nrefs = (uint32_t)nrefs;
		ids[i].refs = nrefs > 0 ? p_new(pool, uint32_t, nrefs) : NULL;
		ids[i].own = NO_ID;
		ntok += nrefs + 1;
	}
	toks = p_new(pool, struct id_tok, ntok);

	/* pass 2: collect the occurrences */
	ntok = 0;
	for (i = 0; i < n; i++) {
		const struct imap_thread_msg *m = order[i];

		pos = 0;
		if (m->message_id != NULL &&
		    next_id(m->message_id, &pos, &id, &len)) {
			toks[ntok].s = id;
			toks[ntok].len = len;
			toks[ntok].dest = &ids[i].own;
			ntok++;
		}
		if (ids[i].nrefs == 0)
			continue;
		list = count_ids(m->refs) > 0 ? m->refs : m->in_reply_to;
		skip = 0;
		if (list == m->refs)
			skip = count_ids(list) - ids[i].nrefs;
		pos = 0;
		for (k = 0; k < skip; k++)
			(void)next_id(list, &pos, &id, &len);
		for (k = 0; k < ids[i].nrefs; k++) {
			if (!next_id(list, &pos, &id, &len))
				break;	/* cannot happen: counted above */
			toks[ntok].s = id;
			toks[ntok].len = len;
			toks[ntok].dest = &ids[i].refs[k];
			ntok++;
		}
	}

	/* pass 3: equal ids get equal numbers */
	qsort(toks, ntok, sizeof(*toks), cmp_tok);
	for (i = 0; i < ntok; i++) {
		if (i > 0 && cmp_tok(&toks[i - 1], &toks[i]) != 0)
			next++;
		*toks[i].dest = next;
	}
	return ntok > 0 ? next + 1 : 0;
}

/* ==== link-cut tree (loop checks of step 1) ============================ */

/*
 * The forest of step 1 changes only by linking a tree's root below some
 * node and by cutting a node from its parent; the loop test is "is x in
 * the tree rooted at c", i.e. lct_root(x) == c. A link-cut tree (splay
 * trees over preferred paths, no re-rooting needed) does each of these
 * in O(log n) amortised. All loops, no recursion.
 */

/* lct_is_top - x is the root of its splay tree */
static bool lct_is_top(const struct tnode *x)
{
	return x->lc_p == NULL ||
	       (x->lc_p->lc[0] != x && x->lc_p->lc[1] != x);
}

/* lct_rotate - rotate x above its splay parent */
static void lct_rotate(struct tnode *x)
{
	struct tnode *p = x->lc_p, *g = p->lc_p, *b;
	int dir = p->lc[1] == x;

	b = x->lc[!dir];
	if (!lct_is_top(p)) {
		if (g->lc[0] == p)
			g->lc[0] = x;
		else
			g->lc[1] = x;
	}
	x->lc_p = g;
	x->lc[!dir] = p;
	p->lc_p = x;
	p->lc[dir] = b;
	if (b != NULL)
		b->lc_p = p;
}

/* lct_splay - bring x to the top of its splay tree */
static void lct_splay(struct tnode *x)
{
	while (!lct_is_top(x)) {
		struct tnode *p = x->lc_p;

		if (!lct_is_top(p)) {
			struct tnode *g = p->lc_p;

			if ((g->lc[0] == p) == (p->lc[0] == x))
				lct_rotate(p);
			else
				lct_rotate(x);
		}
		lct_rotate(x);
	}
}

/* lct_access - make the path from the tree root to x preferred; x ends
 * at the top of its splay tree with nothing below it on the path */
static void lct_access(struct tnode *x)
{
	struct tnode *y, *below = NULL;

	for (y = x; y != NULL; y = y->lc_p) {
		lct_splay(y);
		y->lc[1] = below;
		below = y;
	}
	lct_splay(x);
}

/* lct_root - the root of x's tree */
static struct tnode *lct_root(struct tnode *x)
{
	lct_access(x);
	while (x->lc[0] != NULL)
		x = x->lc[0];
	lct_splay(x);
	return x;
}

/* lct_link - make the tree root c a child of v */
static void lct_link(struct tnode *c, struct tnode *v)
{
	lct_access(c);
	c->lc_p = v;
}

/* lct_cut - detach c (which has a parent) from its parent */
static void lct_cut(struct tnode *c)
{
	lct_access(c);
	if (c->lc[0] != NULL) {
		c->lc[0]->lc_p = NULL;
		c->lc[0] = NULL;
	}
}

/* ==== tree editing ===================================================== */

/* child_append - add the detached node c as p's last child */
static void child_append(struct tnode *p, struct tnode *c)
{
	c->prev = p->last;
	c->next = NULL;
	if (p->last != NULL)
		p->last->next = c;
	else
		p->first = c;
	p->last = c;
	p->nchild++;
}

/* child_remove - take c out of p's child list */
static void child_remove(struct tnode *p, struct tnode *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		p->first = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		p->last = c->prev;
	c->prev = c->next = NULL;
	p->nchild--;
}

/* child_splice - replace p's child c by c's children, in place; O(1)
 * (the moved children's parent fields are not maintained after step 1) */
static void child_splice(struct tnode *p, struct tnode *c)
{
	if (c->first == NULL) {
		child_remove(p, c);
		return;
	}
	c->first->prev = c->prev;
	c->last->next = c->next;
	if (c->prev != NULL)
		c->prev->next = c->first;
	else
		p->first = c->first;
	if (c->next != NULL)
		c->next->prev = c->last;
	else
		p->last = c->last;
	p->nchild += c->nchild - 1;
	c->first = c->last = c->prev = c->next = NULL;
	c->nchild = 0;
}

/* children_sort - sort p's children with cmp; tmp holds >= nchild */
static void children_sort(struct tnode *p, struct tnode **tmp,
			  int (*cmp)(const void *, const void *))
{
	struct tnode *c;
	size_t i = 0, count = p->nchild;

	if (count < 2)
		return;
	for (c = p->first; c != NULL; c = c->next)
		tmp[i++] = c;
	qsort(tmp, count, sizeof(*tmp), cmp);
	p->first = p->last = NULL;
	p->nchild = 0;
	for (i = 0; i < count; i++)
		child_append(p, tmp[i]);
}

/* step1_link - parent/child link of step 1, kept in both structures */
static void step1_link(struct tnode *parent, struct tnode *child)
{
	child->parent = parent;
	child_append(parent, child);
	lct_link(child, parent);
}

/* step1_unlink - break child's link to its parent */
static void step1_unlink(struct tnode *child)
{
	child_remove(child->parent, child);
	child->parent = NULL;
	lct_cut(child);
}

/* step1_would_loop - linking c below p would make a loop (c's tree holds
 * p; c has no parent) */
static bool step1_would_loop(struct tnode *p, struct tnode *c)
{
	return p == c || (c->first != NULL && lct_root(p) == c);
}

/* ==== REFERENCES ======================================================= */

/* ref_build - step 1; returns the containers (nids of them for ids, then
 * one per message for those without their own) */
static struct tnode *ref_build(struct pool *pool,
			       const struct imap_thread_msg *const *order,
			       size_t n, size_t *ncont_r)
{
	struct msg_ids *ids = p_new(pool, struct msg_ids, n);
	struct tnode *cont, *m, *a, *b, *last;
	uint32_t nids, k;
	size_t i;

	nids = number_ids(pool, order, n, ids);
	cont = p_new(pool, struct tnode, (size_t)nids + n);

	for (i = 0; i < n; i++) {
		/* A: the message's own container */
		if (ids[i].own != NO_ID && cont[ids[i].own].msg == NULL)
			m = &cont[ids[i].own];
		else
			m = &cont[nids + i];	/* no id, or a duplicate */
		m->msg = order[i];
		m->reply = ids[i].nrefs > 0;

		/* B: chain the references, parent before child */
		for (k = 0; k + 1 < ids[i].nrefs; k++) {
			a = &cont[ids[i].refs[k]];
			b = &cont[ids[i].refs[k + 1]];
			if (b->parent == NULL && !step1_would_loop(a, b))
				step1_link(a, b);
		}

		/* C: the last reference is the parent */
		last = ids[i].nrefs > 0 ?
			&cont[ids[i].refs[ids[i].nrefs - 1]] : NULL;
		if (m->parent == last && last != NULL)
			continue;
		if (m->parent != NULL)
			step1_unlink(m);
		if (last != NULL && !step1_would_loop(last, m))
			step1_link(last, m);
	}
	*ncont_r = (size_t)nids + n;
	return cont;
}

/* ref_prune - step 3 below root: dummies out, bottom-up */
static void ref_prune(struct tnode *root, struct tnode **stack,
		      struct tnode **order, size_t cap)
{
	struct tnode *p, *c, *next;
	size_t sp = 0, no = 0;

	/* pre-order; reversed, every node comes after its descendants */
	stack[sp++] = root;
	while (sp > 0) {
		p = stack[--sp];
		order[no++] = p;
		for (c = p->first; c != NULL; c = c->next) {
			if (sp < cap)
				stack[sp++] = c;
		}
	}
	while (no > 0) {
		p = order[--no];
		for (c = p->first; c != NULL; c = next) {
			next = c->next;
			if (c->msg != NULL)
				continue;
			if (c->nchild == 0)
				child_remove(p, c);
			else if (p != root || c->nchild == 1)
				child_splice(p, c);
			/* else: a dummy with several children stays at the
			 * top; its children are messages by now */
		}
	}
}

/* ref_gather - step 5 over the root's children (already sorted) */
static void ref_gather(struct pool *pool, struct tnode *root,
		       struct tnode **tmp, struct tnode *new_dummies)
{
	struct tnode **top, *cur, *t, *d, *c, *next, *prev = NULL;
	size_t ntop = root->nchild, i, ngroups = 0, ndummies = 0;
	size_t *table;		/* per subject: its slot in top[] */

	if (ntop < 2)
		return;
	top = p_new(pool, struct tnode *, ntop);
	i = 0;
	for (c = root->first; c != NULL; c = c->next)
		top[i++] = c;

	/* number the thread subjects: by sorting, not hashing */
	memcpy(tmp, top, ntop * sizeof(*tmp));
	qsort(tmp, ntop, sizeof(*tmp), cmp_node_subject);
	for (i = 0; i < ntop; i++) {
		if (node_key(tmp[i])->base_subject[0] == '\0') {
			tmp[i]->subject_group = NO_ID;	/* skipped */
			continue;
		}
		if (prev == NULL || cmp_node_subject(&prev, &tmp[i]) != 0)
			ngroups++;
		tmp[i]->subject_group = (uint32_t)(ngroups - 1);
		prev = tmp[i];
	}
	if (ngroups == 0)
		return;
	table = p_new(pool, size_t, ngroups);
	for (i = 0; i < ngroups; i++)
		table[i] = SIZE_MAX;

	/* B: one thread per subject in the table */
	for (i = 0; i < ntop; i++) {
		cur = top[i];
		if (cur->subject_group == NO_ID)
			continue;
		if (table[cur->subject_group] == SIZE_MAX) {
			table[cur->subject_group] = i;
			continue;
		}
		t = top[table[cur->subject_group]];
		if (t->msg != NULL &&
		    (cur->msg == NULL || (t->reply && !cur->reply)))
			table[cur->subject_group] = i;
	}

	/* C: merge every other thread into the table's */
	for (i = 0; i < ntop; i++) {
		cur = top[i];
		if (cur == NULL || cur->subject_group == NO_ID)
			continue;
		t = top[table[cur->subject_group]];
		if (t == cur)
			continue;
		top[i] = NULL;
		if (t->msg == NULL && cur->msg == NULL) {
			/* both dummies: the children become siblings */
			for (c = cur->first; c != NULL; c = next) {
				next = c->next;
				child_append(t, c);
			}
			cur->first = cur->last = NULL;
			cur->nchild = 0;
		} else if (t->msg == NULL || (cur->reply && !t->reply)) {
			child_append(t, cur);
		} else {
			/* a new dummy over both takes the table's slot */
			d = &new_dummies[ndummies++];
			d->subject_group = t->subject_group;
			child_append(d, t);
			child_append(d, cur);
			top[table[cur->subject_group]] = d;
		}
	}

	/* the new top level: what is left of top[] */
	root->first = root->last = NULL;
	root->nchild = 0;
	for (i = 0; i < ntop; i++) {
		if (top[i] != NULL)
			child_append(root, top[i]);
	}
}

/* ref_sort_all - step 6: every sibling set, deepest first */
static void ref_sort_all(struct tnode *root, struct tnode **stack,
			 struct tnode **order, struct tnode **tmp, size_t cap)
{
	struct tnode *p, *c;
	size_t sp = 0, no = 0;

	stack[sp++] = root;
	while (sp > 0) {
		p = stack[--sp];
		order[no++] = p;
		for (c = p->first; c != NULL; c = c->next) {
			if (sp < cap)
				stack[sp++] = c;
		}
	}
	while (no > 0)
		children_sort(order[--no], tmp, cmp_node_date);
}

/* ==== output =========================================================== */

/*
 * write_thread - one thread as a thread-list. A chain goes on in the same
 * list; a node with several children (or a dummy) opens one nested list
 * per child. stack[] keeps, per open branch, the next sibling to write.
 */
static int write_thread(struct buf *out, struct tnode *top,
			struct tnode **stack)
{
	struct tnode *n = top;
	size_t sp = 0;
	bool first;

	if (buf_append_char(out, '(') < 0)
		return -1;
	first = true;
	for (;;) {
		if (n->msg != NULL) {
			if (buf_printf(out, first ? "%u" : " %u",
				       (unsigned int)n->msg->number) < 0)
				return -1;
			first = false;
		}
		if (n->msg != NULL && n->nchild == 1) {
			n = n->first;
			continue;
		}
		if (n->nchild > 0) {
			/* branch: one nested list per child */
			if (!first && buf_append_char(out, ' ') < 0)
				return -1;
			stack[sp++] = n->first->next;
			n = n->first;
			if (buf_append_char(out, '(') < 0)
				return -1;
			first = true;
			continue;
		}
		/* a leaf ends its list; then on to the next open branch */
		if (buf_append_char(out, ')') < 0)
			return -1;
		for (;;) {
			if (sp == 0)
				return 0;
			if (stack[sp - 1] != NULL) {
				n = stack[sp - 1];
				stack[sp - 1] = n->next;
				break;
			}
			sp--;
			if (buf_append_char(out, ')') < 0)
				return -1;
		}
		if (buf_append_char(out, '(') < 0)
			return -1;
		first = true;
	}
}

/* ==== the two algorithms =============================================== */

/* thread_references - RFC 5256 REFERENCES */
static int thread_references(struct pool *pool,
			     const struct imap_thread_msg *const *order,
			     size_t n, struct buf *out)
{
	struct tnode *cont, *root, *c, **stack, **walk, **tmp;
	struct tnode *new_dummies;
	size_t ncont, i, cap;

	cont = ref_build(pool, order, n, &ncont);

	/* 2: the root set. Parent fields are stale from here on. */
	root = p_new(pool, struct tnode, 1);
	for (i = 0; i < ncont; i++) {
		c = &cont[i];
		if (c->parent != NULL)
			continue;
		if (c->msg == NULL && c->first == NULL)
			continue;	/* unused, or an empty dummy */
		child_append(root, c);
	}

	/* every node appears once in a walk: containers, root, and the
	 * at most n dummies step 5 creates */
	cap = ncont + n + 1;
	stack = p_new(pool, struct tnode *, cap);
	walk = p_new(pool, struct tnode *, cap);
	tmp = p_new(pool, struct tnode *, cap);
	new_dummies = p_new(pool, struct tnode, n);

	/* 3 */
	ref_prune(root, stack, walk, cap);

	/* 4: dummies' children first, then the top level */
	for (c = root->first; c != NULL; c = c->next) {
		if (c->msg == NULL)
			children_sort(c, tmp, cmp_node_date);
	}
	children_sort(root, tmp, cmp_node_date);

	/* 5 and 6 */
	ref_gather(pool, root, tmp, new_dummies);
	ref_sort_all(root, stack, walk, tmp, cap);

	for (c = root->first; c != NULL; c = c->next) {
		if (write_thread(out, c, stack) < 0)
			return -1;
	}
	return 0;
}

/* one ORDEREDSUBJECT thread: a run of one base subject in sorted[] */
struct os_thread {
	const struct imap_thread_msg *const *msgs;	/* by date */
	size_t count;
};

/* cmp_os_thread - qsort: threads by their first message's date */
static int cmp_os_thread(const void *pa, const void *pb)
{
	const struct os_thread *a = pa, *b = pb;

	return msg_cmp_date(a->msgs[0], b->msgs[0]);
}

/* thread_orderedsubject - RFC 5256 ORDEREDSUBJECT: the first message of
 * a subject is the parent of the others, "(a b)" or "(a (b)(c))" */
static int thread_orderedsubject(struct pool *pool,
				 const struct imap_thread_msg **sorted,
				 size_t n, struct buf *out)
{
	struct os_thread *th;
	size_t nthreads = 0, i, j;

	qsort(sorted, n, sizeof(*sorted), cmp_msgptr_subject);
	th = p_new(pool, struct os_thread, n);
	for (i = 0; i < n; i++) {
		if (i == 0 || strcmp(sorted[i - 1]->base_subject,
				     sorted[i]->base_subject) != 0)
			th[nthreads++].msgs = &sorted[i];
		th[nthreads - 1].count++;
	}
	qsort(th, nthreads, sizeof(*th), cmp_os_thread);

	for (i = 0; i < nthreads; i++) {
		const struct imap_thread_msg *const *m = th[i].msgs;

		if (buf_printf(out, "(%u", (unsigned int)m[0]->number) < 0)
			return -1;
		if (th[i].count == 2) {
			if (buf_printf(out, " %u",
				       (unsigned int)m[1]->number) < 0)
				return -1;
		} else if (th[i].count > 2) {
			if (buf_append_char(out, ' ') < 0)
				return -1;
			for (j = 1; j < th[i].count; j++) {
				if (buf_printf(out, "(%u)",
					       (unsigned int)m[j]->number) < 0)
					return -1;
			}
		}
		if (buf_append_char(out, ')') < 0)
			return -1;
	}
	return 0;
}

/* imap_thread - the thread-list of msgs[0..n) (see imap-thread.h) */
int imap_thread(struct pool *pool, enum imap_thread_algorithm algorithm,
		const struct imap_thread_msg *msgs, size_t n, struct buf *out)
{
	const struct imap_thread_msg **order;
	size_t i;

	if (n == 0)
		return 0;
	order = p_new(pool, const struct imap_thread_msg *, n);
	for (i = 0; i < n; i++)
		order[i] = &msgs[i];

	switch (algorithm) {
	case IMAP_THREAD_ORDEREDSUBJECT:
		return thread_orderedsubject(pool, order, n, out);
	case IMAP_THREAD_REFERENCES:
		/* step 1 takes the messages in mailbox order */
		qsort(order, n, sizeof(*order), cmp_msgptr_number);
		return thread_references(pool, order, n, out);
	}
	return -1;
}
