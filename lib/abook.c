/*
 * abook.c - the query behind the group address book of a domain (see
 * abook.h).
 *
 * The users and the contacts are one UNION ALL, filtered by the search
 * in SQL; each sort is its own fixed SQL text (chosen from a table, never
 * built from the request), so each is prepared once.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "abook.h"
#include "abook-import.h"
#include "db.h"
#include "pool.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"

/* $1 domain id, $2 search, $3 contacts only */
#define ABOOK_FROM \
	" FROM (SELECT 'user' AS kind, u.id, u.display_name AS name," \
	"  ARRAY[u.address] AS emails, '{}'::text[] AS phones," \
	"  '' AS company, '' AS department, '' AS title, '' AS notes" \
	"  FROM users u WHERE u.domain_id = $1::bigint" \
	"  AND u.deleted_at IS NULL AND u.status = 'active'" \
	"  AND NOT $3::boolean" \
	" UNION ALL" \
	" SELECT 'contact', c.id, c.name, c.emails, c.phones, c.company," \
	"  c.department, c.title, c.notes" \
	"  FROM domain_contacts c WHERE c.domain_id = $1::bigint) b" \
	" WHERE ($2 = '' OR strpos(lower(b.name), lower($2)) > 0" \
	"  OR strpos(lower(array_to_string(b.emails, ' ')), lower($2)) > 0" \
	"  OR strpos(array_to_string(b.phones, ' '), $2) > 0" \
	"  OR strpos(lower(b.company), lower($2)) > 0" \
	"  OR strpos(lower(b.department), lower($2)) > 0)"
#define ABOOK_LIST(order) \
	"SELECT b.kind, b.id, b.name, array_to_string(b.emails, E'\\n')," \
	" array_to_string(b.phones, E'\\n'), b.company, b.department," \
	" b.title, b.notes" ABOOK_FROM " ORDER BY " order \
	", b.kind DESC, b.id LIMIT $4::integer OFFSET $5::integer"
/* an entry without a name sorts by its address */
#define ABOOK_NAME "lower(COALESCE(NULLIF(b.name, ''), b.emails[1], ''))"
#define ABOOK_EMAIL "lower(COALESCE(b.emails[1], ''))"
/* empty values last either way */
#define ABOOK_BY(col, dir) "(" col " = '') ASC, " col " " dir

static const struct {
	const char *key;
	const char *asc, *desc;
} abook_sorts[] = {
	{ "name", ABOOK_LIST(ABOOK_BY(ABOOK_NAME, "ASC")),
	  ABOOK_LIST(ABOOK_BY(ABOOK_NAME, "DESC")) },
	{ "email", ABOOK_LIST(ABOOK_BY(ABOOK_EMAIL, "ASC") ", " ABOOK_NAME),
	  ABOOK_LIST(ABOOK_BY(ABOOK_EMAIL, "DESC") ", " ABOOK_NAME) },
	{ "company", ABOOK_LIST(ABOOK_BY("lower(b.company)", "ASC") ", "
				ABOOK_NAME),
	  ABOOK_LIST(ABOOK_BY("lower(b.company)", "DESC") ", " ABOOK_NAME) },
	{ "department", ABOOK_LIST(ABOOK_BY("lower(b.department)", "ASC")
				   ", " ABOOK_NAME),
	  ABOOK_LIST(ABOOK_BY("lower(b.department)", "DESC") ", "
		     ABOOK_NAME) },
};

const char *abook_sort_key(const char *sort)
{
	for (size_t i = 0; sort != NULL &&
	     i < sizeof(abook_sorts) / sizeof(abook_sorts[0]); i++)
		if (strcmp(sort, abook_sorts[i].key) == 0)
			return abook_sorts[i].key;
	return abook_sorts[0].key;
}

int abook_count(struct pool *pool, const struct abook_query *q,
		unsigned int *total_r)
{
	const char *params[3] = { q->domain_id, q->q != NULL ? q->q : "",
				  q->contacts_only ? "t" : "f" };
	PGresult *res;

	res = db_query(pool, "SELECT count(*)" ABOOK_FROM, 3, params);
	if (res == NULL || str_to_uint(db_value(res, 0, 0), total_r) < 0)
		return -1;
	return 0;
}

PGresult *abook_list(struct pool *pool, const struct abook_query *q)
{
	const char *params[5];
	size_t si = 0;

	for (size_t i = 0; i < sizeof(abook_sorts) / sizeof(abook_sorts[0]);
	     i++)
		if (q->sort != NULL && strcmp(q->sort, abook_sorts[i].key) == 0)
			si = i;
	params[0] = q->domain_id;
	params[1] = q->q != NULL ? q->q : "";
	params[2] = q->contacts_only ? "t" : "f";
	params[3] = p_printf(pool, "%u", q->limit);
	params[4] = p_printf(pool, "%u", q->offset);
	return db_query(pool, q->desc ? abook_sorts[si].desc :
			abook_sorts[si].asc, 5, params);
}

int abook_page(struct pool *pool, HDF *hdf, const struct form *query,
	       const char *domain_id, unsigned int per_page)
{
	/* in the order of enum abook_col; the lists go one a line */
	static const char *const cols[] = {
		"Kind", "Id", "Name", "", "", "Company", "Department",
		"Title", "Notes", NULL
	};
	const char *q = form_get(query, "q");
	const char *pg = form_get(query, "page");
	const char *order = form_get(query, "order");
	struct abook_query aq;
	unsigned int page = 1, pages, total;
	PGresult *res;

	if (q == NULL || strlen(q) > ABOOK_QUERY_MAX)
		q = "";
	if (pg != NULL && (str_to_uint(pg, &page) < 0 || page == 0))
		page = 1;
	memset(&aq, 0, sizeof(aq));
	aq.domain_id = domain_id;
	aq.q = q;
	aq.sort = abook_sort_key(form_get(query, "sort"));
	aq.desc = order != NULL && strcmp(order, "desc") == 0;
	if (abook_count(pool, &aq, &total) < 0)
		return -1;
	pages = wcs_pages(total, per_page, &page);
	aq.limit = per_page;
	aq.offset = (page - 1) * per_page;
	res = abook_list(pool, &aq);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *name = p_printf(pool, "Book.%d", i);

		wcs_set_row(hdf, pool, name, res, i, cols);
		abook_set_lines(pool, hdf, p_printf(pool, "%s.Emails", name),
				db_value(res, i, ABOOK_COL_EMAILS));
		abook_set_lines(pool, hdf, p_printf(pool, "%s.Phones", name),
				db_value(res, i, ABOOK_COL_PHONES));
	}
	wcs_set(hdf, "List.Q", q);
	wcs_set(hdf, "List.QEnc", url_encode(pool, q));
	wcs_set(hdf, "List.Sort", aq.sort);
	wcs_set(hdf, "List.Order", aq.desc ? "desc" : "asc");
	wcs_set_pages(hdf, page, pages, total);
	return 0;
}
