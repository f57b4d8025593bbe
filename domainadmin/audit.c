/*
 * audit.c - the audit log of a domain: every change made in this portal
 * (and every refused attempt inside the domain), newest first.
 *
 *   GET /audit ?d=&actor=&action=&from=YYYY-MM-DD&to=YYYY-MM-DD&page=
 *
 * Rows are those with audit_log.domain_id of this domain (sql/006), so an
 * administrator reads the history of the domains they run and of no
 * other. actor matches any part of the login; action is one of the
 * actions the domain's rows have (offered in a list); from and to are
 * calendar days, both included. A bad date is a message on the page,
 * with the list unfiltered by dates.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "domainadmin.h"
#include "pool.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"

#define DADM_AUDIT_PAGE 50
#define DADM_AUDIT_FILTER_MAX 200
#define DADM_AUDIT_ACTIONS_MAX 200

#define AUDIT_WHERE \
	" WHERE domain_id = $1::bigint" \
	" AND ($2 = '' OR strpos(lower(actor), lower($2)) > 0)" \
	" AND ($3 = '' OR action = $3)" \
	" AND ($4::date IS NULL OR at >= $4::date)" \
	" AND ($5::date IS NULL OR at < $5::date + 1)"

/* filter - a text filter of the query, "" when absent or too long */
static const char *filter(struct web_req *req, const char *name)
{
	const char *v = form_get(&req->query, name);

	return v == NULL || strlen(v) > DADM_AUDIT_FILTER_MAX ? "" : v;
}

/* dadm_page_audit - GET /audit */
int dadm_page_audit(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *actor = filter(req, "actor");
	const char *action = filter(req, "action");
	const char *from = filter(req, "from");
	const char *to = filter(req, "to");
	const char *pg = form_get(&req->query, "page");
	const char *params[7];
	unsigned int page = 1, total, pages;
	int status = 200;
	PGresult *res;

	if (dom == NULL)
		return 0;
	if ((*from != '\0' && !dadm_date_ok(from)) ||
	    (*to != '\0' && !dadm_date_ok(to))) {
		dadm_form_error(req, "audit", "date_bad");
		status = 422;
	}
	if (pg != NULL && (str_to_uint(pg, &page) < 0 || page == 0))
		page = 1;
	params[0] = dom->id;
	params[1] = actor;
	params[2] = action;
	params[3] = *from != '\0' && status == 200 ? from : NULL;
	params[4] = *to != '\0' && status == 200 ? to : NULL;
	res = db_query(req->pool, "SELECT count(*) FROM audit_log"
		       AUDIT_WHERE, 5, params);
	if (res == NULL || str_to_uint(db_value(res, 0, 0), &total) < 0)
		return dadm_unavailable(req);
	pages = wcs_pages(total, DADM_AUDIT_PAGE, &page);
	params[5] = p_printf(req->pool, "%u", DADM_AUDIT_PAGE);
	params[6] = p_printf(req->pool, "%u", (page - 1) * DADM_AUDIT_PAGE);
	res = db_query(req->pool, "SELECT to_char(at, 'YYYY-MM-DD HH24:MI:SS'),"
		       " COALESCE(actor_role, ''), COALESCE(actor, ''),"
		       " COALESCE(client_ip, ''), action, COALESCE(object, ''),"
		       " COALESCE(detail, '') FROM audit_log" AUDIT_WHERE
		       " ORDER BY at DESC, id DESC"
		       " LIMIT $6::integer OFFSET $7::integer", 7, params);
	if (res == NULL)
		return dadm_unavailable(req);
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *pre = p_printf(req->pool, "Audit.%d.", i);

#define SET(k, col) wcs_set(req->hdf, p_printf(req->pool, "%s" k, pre), \
			    db_value(res, i, col))
		SET("At", 0);
		SET("Role", 1);
		SET("Actor", 2);
		SET("Ip", 3);
		SET("Action", 4);
		SET("Object", 5);
		SET("Detail", 6);
#undef SET
	}
	/* the actions to filter by: those this domain's rows have */
	res = db_query(req->pool, "SELECT DISTINCT action FROM audit_log"
		       " WHERE domain_id = $1::bigint ORDER BY action"
		       " LIMIT 200",
		       1, params);
	if (res == NULL)
		return dadm_unavailable(req);
	for (int i = 0; i < db_ntuples(res) && i < DADM_AUDIT_ACTIONS_MAX;
	     i++)
		wcs_set(req->hdf, p_printf(req->pool, "Actions.%d", i),
			db_value(res, i, 0));
	wcs_set(req->hdf, "Filter.Actor", actor);
	wcs_set(req->hdf, "Filter.Action", action);
	wcs_set(req->hdf, "Filter.From", from);
	wcs_set(req->hdf, "Filter.To", to);
	wcs_set(req->hdf, "Filter.Query", p_printf(req->pool,
		"&actor=%s&action=%s&from=%s&to=%s",
		url_encode(req->pool, actor), url_encode(req->pool, action),
		url_encode(req->pool, from), url_encode(req->pool, to)));
	wcs_set_pages(req->hdf, page, pages, total);
	return web_render(req, status, "audit.cs");
}
