/*
 * webmail/main.c - webmail.fcgi, the users' portal: its page table and
 * navigation. Mail pages are added here one handler file each.
 */
#include "config.h"

#include "web-portal.h"
#include "web-server.h"

static const struct web_page wm_pages[] = {
	{ "/", web_page_home, NULL, PAGE_AUTH },
	{ "/login", web_page_login_get, web_page_login_post, PAGE_PUBLIC },
	{ "/logout", NULL, web_page_logout_post, PAGE_AUTH },
	{ NULL, NULL, NULL, 0 },
};

static const struct web_nav wm_nav[] = {
	{ "mail", NULL },
	{ "compose", NULL },
	{ "contacts", NULL },
	{ "settings", NULL },
	{ NULL, NULL },
};

static struct web_app wm_app = {
	.name = "webmail",
	.role = AUTH_ROLE_USER,
	.pages = wm_pages,
	.nav = wm_nav,
};

int main(int argc, char **argv)
{
	return web_server_main(argc, argv, &wm_app);
}
