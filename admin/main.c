/*
 * admin/main.c - admin.fcgi, the super-admin console: page table,
 * navigation, and the home page's counts of what the system holds.
 */
#include "config.h"

#include "db.h"
#include "web-cs.h"
#include "web-portal.h"
#include "web-req.h"
#include "web-server.h"

/* adm_home - domains, users and nodes known to the system */
static int adm_home(struct web_req *req)
{
	PGresult *res;

	res = db_query(req->pool,
		"SELECT (SELECT count(*) FROM domains),"
		" (SELECT count(*) FROM users),"
		" (SELECT count(*) FROM nodes)", 0, NULL);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	wcs_set(req->hdf, "Counts.Domains", db_value(res, 0, 0));
	wcs_set(req->hdf, "Counts.Users", db_value(res, 0, 1));
	wcs_set(req->hdf, "Counts.Nodes", db_value(res, 0, 2));
	return 0;
}

static const struct web_page adm_pages[] = {
	{ "/", web_page_home, NULL, PAGE_AUTH },
	{ "/login", web_page_login_get, web_page_login_post, PAGE_PUBLIC },
	{ "/logout", NULL, web_page_logout_post, PAGE_AUTH },
	{ NULL, NULL, NULL, 0 },
};

static const struct web_nav adm_nav[] = {
	{ "domains", NULL },
	{ "nodes", NULL },
	{ "packages", NULL },
	{ "statistics", NULL },
	{ "monitoring", NULL },
	{ "audit", NULL },
	{ NULL, NULL },
};

static struct web_app adm_app = {
	.name = "admin",
	.role = AUTH_ROLE_SUPERADMIN,
	.pages = adm_pages,
	.nav = adm_nav,
	.home_extra = adm_home,
};

int main(int argc, char **argv)
{
	return web_server_main(argc, argv, &adm_app);
}
