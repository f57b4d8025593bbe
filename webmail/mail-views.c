/*
 * mail-views.c - the message list's two other views: conversations, and
 * a search in every folder. Both end in rows for mail.c to show.
 *
 * Conversations come from the server's UID THREAD REFERENCES over the
 * list's search program. RFC 5256 orders threads by the date of their
 * first message; the list wants the one with the newest message on top,
 * so a UID SORT (DATE) over the same program ranks every message and a
 * thread weighs as much as its newest one. Pages count threads; each
 * thread shows all its messages, replies under what they answer.
 *
 * A search in every folder runs the same UID SORT in each selectable
 * folder. The first page*size messages of the merged order can only come
 * from the first page*size of each folder, so no more than those are
 * fetched, and a k-way merge on the keys the server sorts by (sent date,
 * size, sender address, base subject: all in the summaries) puts them in
 * one order. Where our key and the server's collation disagree, each
 * folder still keeps the server's order.
 *
 * Everything here runs on the caller's connection and pool; errors are
 * -1 with *error_r from imapc.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "imapc.h"
#include "mail.h"
#include "pool.h"
#include "web-cs.h"

/* ==== conversations ====================================================== */

struct rank {
	uint32_t uid;
	unsigned int rank;	/* position in date order, oldest 0 */
};

static int rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

struct thread_order {
	unsigned int thread;	/* index into imapc_threads */
	unsigned int newest;	/* the highest rank among its messages */
};

static int newest_desc(const void *a, const void *b)
{
	const struct thread_order *x = a, *y = b;

	if (x->newest != y->newest)
		return x->newest > y->newest ? -1 : 1;
	return x->thread < y->thread ? -1 : x->thread > y->thread;
}

static int newest_asc(const void *a, const void *b)
{
	const struct thread_order *x = a, *y = b;

	if (x->newest != y->newest)
		return x->newest < y->newest ? -1 : 1;
	return x->thread < y->thread ? -1 : x->thread > y->thread;
}

/* clamp_page - *page within the pages of total items; the first item */
static unsigned int clamp_page(unsigned int *page, unsigned int total,
			       unsigned int size)
{
	wcs_pages(total, size, page);
	return (*page - 1) * size;
}

int wm_thread_page(struct imapc *c, struct pool *pool, const char *criteria,
		   bool reverse, unsigned int *page, unsigned int size,
		   struct wm_row **rows_r, unsigned int *nrows_r,
		   unsigned int *total_r, const char **error_r)
{
	struct imapc_threads t;
	struct imapc_summary *sum;
	struct thread_order *order;
	struct rank *ranks;
	struct wm_row *rows;
	uint32_t *by_date, *uids;
	unsigned int ndate, nsum, first, last, nuids = 0, nrows = 0, j = 0;

	if (imapc_thread(c, pool, criteria, &t, error_r) < 0 ||
	    imapc_sort(c, pool, IMAPC_SORT_DATE, false, criteria, &by_date,
		       &ndate, error_r) < 0)
		return -1;
	ranks = p_new(pool, struct rank, ndate + 1);
	for (unsigned int i = 0; i < ndate; i++) {
		ranks[i].uid = by_date[i];
		ranks[i].rank = i;
	}
	qsort(ranks, ndate, sizeof(*ranks), rank_cmp);
	order = p_new(pool, struct thread_order, t.n + 1);
	for (unsigned int i = 0; i < t.n; i++) {
		order[i].thread = i;
		for (unsigned int k = t.start[i]; k < t.start[i + 1]; k++) {
			struct rank key = { .uid = t.msgs[k].uid };
			const struct rank *r = bsearch(&key, ranks, ndate,
						       sizeof(*ranks),
						       rank_cmp);
			/* one that came after the SORT is the newest */
			unsigned int rk = r != NULL ? r->rank : ndate;

			if (rk > order[i].newest)
				order[i].newest = rk;
		}
	}
	qsort(order, t.n, sizeof(*order), reverse ? newest_desc : newest_asc);

	first = clamp_page(page, t.n, size);
	last = first + size < t.n ? first + size : t.n;
	for (unsigned int i = first; i < last; i++)
		nuids += t.start[order[i].thread + 1] -
			t.start[order[i].thread];
	uids = p_new(pool, uint32_t, nuids + 1);
	nuids = 0;
	for (unsigned int i = first; i < last; i++)
		for (unsigned int k = t.start[order[i].thread];
		     k < t.start[order[i].thread + 1]; k++)
			uids[nuids++] = t.msgs[k].uid;
	if (imapc_summaries(c, pool, uids, nuids, &sum, &nsum, error_r) < 0)
		return -1;

	/* the summaries are in the order asked for, missing ones left out */
	rows = p_new(pool, struct wm_row, nsum + 1);
	for (unsigned int i = first; i < last; i++) {
		unsigned int th = order[i].thread;
		unsigned int count = t.start[th + 1] - t.start[th];
		bool head = true;

		for (unsigned int k = t.start[th]; k < t.start[th + 1]; k++) {
			if (j >= nsum || sum[j].uid != t.msgs[k].uid)
				continue;
			rows[nrows].m = &sum[j++];
			/* under the first one shown, even when the
			   thread's first message is not there */
			rows[nrows].depth = head ? 0 :
				t.msgs[k].depth > 0 ? t.msgs[k].depth : 1;
			rows[nrows].thread_size = head ? count : 0;
			head = false;
			nrows++;
		}
	}
	*rows_r = rows;
	*nrows_r = nrows;
	*total_r = t.n;
	return 0;
}

/* ==== every folder ======================================================= */

/* base_subject - a subject as RFC 5256 SORT compares it, near enough:
 * lower case, without leading "re:", "fw:", "fwd:" (each may carry a
 * "[...]" before its colon) and "[...]" tags, without trailing "(fwd)" */
static const char *base_subject(struct pool *pool, const char *subject)
{
	static const char *const leaders[] = { "re", "fwd", "fw" };
	gchar *lower = g_utf8_strdown(subject, -1);
	char *s = p_strdup(pool, lower), *end;
	bool again = true;

	g_free(lower);
	while (again) {
		again = false;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[') {
			char *close = strchr(s, ']');

			if (close != NULL && close[1] != '\0') {
				s = close + 1;
				again = true;
				continue;
			}
		}
		for (size_t i = 0; i < sizeof(leaders) / sizeof(leaders[0]);
		     i++) {
			size_t len = strlen(leaders[i]);
			char *q = s + len;

			if (strncmp(s, leaders[i], len) != 0)
				continue;
			while (*q == ' ')
				q++;
			if (*q == '[' && strchr(q, ']') != NULL)
				q = strchr(q, ']') + 1;
			if (*q == ':') {
				s = q + 1;
				again = true;
				break;
			}
		}
	}
	end = s + strlen(s);
	for (;;) {
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end - s >= 5 && memcmp(end - 5, "(fwd)", 5) == 0) {
			end -= 5;
			continue;
		}
		break;
	}
	*end = '\0';
	return s;
}

/* one folder's part of the merge */
struct source {
	const struct imapc_folder *folder;
	uint32_t *uids;		/* its matches in the server's order */
	unsigned int n;
	struct imapc_summary *sum;	/* the first of them */
	const char **key;		/* their text keys (from, subject) */
	unsigned int nsum, next;
};

/* key_cmp - a against b by key, ascending */
static int key_cmp(enum imapc_sort_key key, const struct source *a,
		   const struct source *b)
{
	const struct imapc_summary *x = &a->sum[a->next], *y = &b->sum[b->next];
	int r;

	switch (key) {
	case IMAPC_SORT_SIZE:
		return x->size < y->size ? -1 : x->size > y->size;
	case IMAPC_SORT_FROM:
	case IMAPC_SORT_SUBJECT:
		r = strcmp(a->key[a->next], b->key[b->next]);
		return r < 0 ? -1 : r > 0;
	default:
		return x->date < y->date ? -1 : x->date > y->date;
	}
}

int wm_search_all(struct imapc *c, struct pool *pool,
		  const struct imapc_folder *folders, unsigned int nf,
		  const char *criteria, enum imapc_sort_key key, bool reverse,
		  unsigned int *page, unsigned int size,
		  struct wm_row **rows_r, unsigned int *nrows_r,
		  unsigned int *total_r, const char **error_r)
{
	struct source *src = p_new(pool, struct source, nf + 1);
	struct wm_row *rows;
	unsigned int ns = 0, first, want, nrows = 0;
	uint64_t total = 0;
	uint32_t exists;

	/* the merge needs keys the summaries have: arrival is the date */
	if (key == IMAPC_SORT_ARRIVAL)
		key = IMAPC_SORT_DATE;
	for (unsigned int i = 0; i < nf; i++) {
		struct source *s = &src[ns];

		if (folders[i].noselect)
			continue;
		if (imapc_select(c, folders[i].raw, &exists, error_r) < 0 ||
		    imapc_sort(c, pool, key, reverse, criteria, &s->uids,
			       &s->n, error_r) < 0)
			return -1;
		if (s->n == 0)
			continue;
		s->folder = &folders[i];
		total += s->n;
		ns++;
	}
	if (total > UINT32_MAX / 2)
		total = UINT32_MAX / 2;
	first = clamp_page(page, (unsigned int)total, size);
	want = first + size;
	for (unsigned int i = 0; i < ns; i++) {
		struct source *s = &src[i];

		if (imapc_select(c, s->folder->raw, &exists, error_r) < 0 ||
		    imapc_summaries(c, pool, s->uids,
				    s->n < want ? s->n : want, &s->sum,
				    &s->nsum, error_r) < 0)
			return -1;
		s->key = p_new(pool, const char *, s->nsum + 1);
		for (unsigned int k = 0; k < s->nsum; k++) {
			if (key == IMAPC_SORT_FROM) {
				gchar *l = g_utf8_strdown(s->sum[k].from_addr,
							  -1);

				s->key[k] = p_strdup(pool, l);
				g_free(l);
			} else if (key == IMAPC_SORT_SUBJECT) {
				s->key[k] = base_subject(pool,
							 s->sum[k].subject);
			}
		}
	}

	rows = p_new(pool, struct wm_row, size + 1);
	for (unsigned int pos = 0; pos < want; pos++) {
		struct source *best = NULL;

		for (unsigned int i = 0; i < ns; i++) {
			struct source *s = &src[i];
			int r;

			if (s->next >= s->nsum)
				continue;
			if (best == NULL) {
				best = s;
				continue;
			}
			/* ties go to the earlier folder */
			r = key_cmp(key, s, best);
			if (reverse ? r > 0 : r < 0)
				best = s;
		}
		if (best == NULL)
			break;
		if (pos >= first) {
			rows[nrows].m = &best->sum[best->next];
			rows[nrows].folder = best->folder;
			nrows++;
		}
		best->next++;
	}
	*rows_r = rows;
	*nrows_r = nrows;
	*total_r = (unsigned int)total;
	return 0;
}
