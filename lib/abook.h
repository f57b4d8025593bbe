#ifndef MH_ABOOK_H
#define MH_ABOOK_H
/*
 * abook.h - the group address book of a domain, as the domain
 * administrators' portal and webmail both show it: the domain's active
 * users (kind "user": they come from the directory and are not edited
 * here) followed by the entries its administrators keep in
 * domain_contacts (kind "contact").
 *
 * One query serves both portals and the exports, with a search over
 * name, addresses, phones, company and department, a sort by name,
 * email, company or department (either way; ties go by kind, then id)
 * and a page. Every query names the domain's id, so a caller can show
 * only the domain it was given.
 */
#include <stdbool.h>

#include <libpq-fe.h>

struct pool;
struct form;
struct _hdf;

#define ABOOK_QUERY_MAX 200		/* bytes of a search */

/* columns of abook_list()'s rows */
enum abook_col {
	ABOOK_COL_KIND,			/* "user" or "contact" */
	ABOOK_COL_ID,
	ABOOK_COL_NAME,
	ABOOK_COL_EMAILS,		/* one a line */
	ABOOK_COL_PHONES,		/* one a line */
	ABOOK_COL_COMPANY,
	ABOOK_COL_DEPARTMENT,
	ABOOK_COL_TITLE,
	ABOOK_COL_NOTES,
};

struct abook_query {
	const char *domain_id;		/* decimal */
	const char *q;			/* "" = everything */
	const char *sort;		/* abook_sort_key() */
	bool desc;
	bool contacts_only;		/* without the users */
	unsigned int limit, offset;
};

/* abook_sort_key - name, email, company or department; "name" for
 * anything else */
const char *abook_sort_key(const char *sort);
/* abook_count - the entries q finds; -1 on a database error */
int abook_count(struct pool *pool, const struct abook_query *q,
		unsigned int *total_r)
	__attribute__((warn_unused_result));
/* abook_list - one page of entries (enum abook_col); NULL on a database
 * error */
PGresult *abook_list(struct pool *pool, const struct abook_query *q);

/* abook_page - the list page of domain_id's book as the request's query
 * asks for it (q, sort, order, page), per_page entries a page, into hdf:
 * Book.N.{Kind,Id,Name,Emails.M,Phones.M,Company,Department,Title,Notes},
 * List.{Q,QEnc,Sort,Order} and the pager (wcs_set_pages). -1 on a
 * database error */
int abook_page(struct pool *pool, struct _hdf *hdf, const struct form *query,
	       const char *domain_id, unsigned int per_page)
	__attribute__((warn_unused_result));

#endif
