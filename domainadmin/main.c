/*
 * domainadmin/main.c - domainadmin.fcgi, the portal of domain
 * administrators: its page table and navigation. The pages live in
 * overview.c (the domain at a glance), users.c (the users, their list
 * and its CSV download), user-import.c (users from a CSV file),
 * aliases.c (aliases, groups, the catch-all, forwards), addressbook.c
 * (the group address book), settings.c (the domain's defaults, password
 * policy and single sign-on secret), stats.c (mail statistics) and
 * audit.c (the audit log); what they share (the domain of a request,
 * refusals, audit rows) in common.c.
 *
 * The dispatcher (lib/web-portal.c) runs the checks every page needs
 * before a handler sees the request: a session of a domain administrator
 * for every page but the login, and a valid CSRF token on every POST.
 * Every change is a POST; GET pages change nothing.
 */
#include "config.h"

#include "domainadmin.h"
#include "web-portal.h"
#include "web-server.h"

static const struct web_page dadm_pages[] = {
	{ "/", dadm_page_overview, NULL, PAGE_AUTH },
	{ "/login", web_page_login_get, web_page_login_post, PAGE_PUBLIC },
	{ "/logout", NULL, web_page_logout_post, PAGE_AUTH },
	{ "/users", dadm_page_users, NULL, PAGE_AUTH },
	{ "/users.csv", dadm_page_users_csv, NULL, PAGE_AUTH },
	{ "/users/import", dadm_page_user_import, dadm_post_user_import,
	  PAGE_AUTH },
	{ "/users/new", dadm_page_user_new, dadm_post_user_new, PAGE_AUTH },
	{ "/users/edit", dadm_page_user, dadm_post_user, PAGE_AUTH },
	{ "/users/status", NULL, dadm_post_user_status, PAGE_AUTH },
	{ "/users/password", NULL, dadm_post_user_password, PAGE_AUTH },
	{ "/users/delete", dadm_page_user_delete, dadm_post_user_delete,
	  PAGE_AUTH },
	{ "/users/forwards", NULL, dadm_post_forwards, PAGE_AUTH },
	{ "/aliases", dadm_page_aliases, NULL, PAGE_AUTH },
	{ "/aliases/new", NULL, dadm_post_alias_new, PAGE_AUTH },
	{ "/aliases/edit", dadm_page_alias, dadm_post_alias, PAGE_AUTH },
	{ "/aliases/delete", NULL, dadm_post_alias_delete, PAGE_AUTH },
	{ "/aliases/catchall", NULL, dadm_post_catchall, PAGE_AUTH },
	{ "/audit", dadm_page_audit, NULL, PAGE_AUTH },
	{ "/addressbook", dadm_page_addressbook, NULL, PAGE_AUTH },
	{ "/addressbook/new", NULL, dadm_post_addressbook_new, PAGE_AUTH },
	{ "/addressbook/edit", dadm_page_addressbook_edit,
	  dadm_post_addressbook_edit, PAGE_AUTH },
	{ "/addressbook/delete", NULL, dadm_post_addressbook_delete,
	  PAGE_AUTH },
	{ "/addressbook/import", NULL, dadm_post_addressbook_import,
	  PAGE_AUTH },
	{ "/addressbook/export", dadm_page_addressbook_export, NULL,
	  PAGE_AUTH },
	{ "/settings", dadm_page_settings, dadm_post_settings, PAGE_AUTH },
	{ "/settings/sso", NULL, dadm_post_settings_sso, PAGE_AUTH },
	{ "/stats", dadm_page_stats, NULL, PAGE_AUTH },
	{ "/stats.csv", dadm_page_stats_csv, NULL, PAGE_AUTH },
	{ NULL, NULL, NULL, 0 },
};

static const struct web_nav dadm_nav[] = {
	{ "users", "/users" },
	{ "aliases", "/aliases" },
	{ "addressbook", "/addressbook" },
	{ "domain_settings", "/settings" },
	{ "statistics", "/stats" },
	{ "audit", "/audit" },
	{ NULL, NULL },
};

static struct web_app dadm_app = {
	.name = "domainadmin",
	.role = AUTH_ROLE_DOMAINADMIN,
	.pages = dadm_pages,
	.nav = dadm_nav,
};

int main(int argc, char **argv)
{
	return web_server_main(argc, argv, &dadm_app);
}
