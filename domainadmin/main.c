/*
 * domainadmin/main.c - domainadmin.fcgi, the portal of domain
 * administrators: page table, navigation, and the home page's list of the
 * domains this administrator runs.
 */
#include "config.h"

#include <stdio.h>

#include "db.h"
#include "web-cs.h"
#include "web-portal.h"
#include "web-req.h"
#include "web-server.h"
#include "web-session.h"

/* dadm_home - the administrator's domains with their user counts */
static int dadm_home(struct web_req *req)
{
	char id[32], name[64];
	const char *params[1] = { id };
	PGresult *res;

	snprintf(id, sizeof(id), "%lld",
		 (long long)req->session->principal.id);
	res = db_query(req->pool,
		"SELECT d.name, d.status,"
		" (SELECT count(*) FROM users u WHERE u.domain_id = d.id"
		"  AND u.status = 'active'),"
		" (SELECT count(*) FROM users u WHERE u.domain_id = d.id"
		"  AND u.status <> 'active')"
		" FROM domains d JOIN domain_admin_domains a"
		" ON a.domain_id = d.id WHERE a.admin_id = $1::bigint"
		" ORDER BY d.name", 1, params);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		snprintf(name, sizeof(name), "Domains.%d.Name", i);
		wcs_set(req->hdf, name, db_value(res, i, 0));
		snprintf(name, sizeof(name), "Domains.%d.Status", i);
		wcs_set(req->hdf, name, db_value(res, i, 1));
		snprintf(name, sizeof(name), "Domains.%d.Active", i);
		wcs_set(req->hdf, name, db_value(res, i, 2));
		snprintf(name, sizeof(name), "Domains.%d.Disabled", i);
		wcs_set(req->hdf, name, db_value(res, i, 3));
	}
	return 0;
}

static const struct web_page dadm_pages[] = {
	{ "/", web_page_home, NULL, PAGE_AUTH },
	{ "/login", web_page_login_get, web_page_login_post, PAGE_PUBLIC },
	{ "/logout", NULL, web_page_logout_post, PAGE_AUTH },
	{ NULL, NULL, NULL, 0 },
};

static const struct web_nav dadm_nav[] = {
	{ "users", NULL },
	{ "aliases", NULL },
	{ "addressbook", NULL },
	{ "domain_settings", NULL },
	{ "statistics", NULL },
	{ "audit", NULL },
	{ NULL, NULL },
};

static struct web_app dadm_app = {
	.name = "domainadmin",
	.role = AUTH_ROLE_DOMAINADMIN,
	.pages = dadm_pages,
	.nav = dadm_nav,
	.home_extra = dadm_home,
};

int main(int argc, char **argv)
{
	return web_server_main(argc, argv, &dadm_app);
}
