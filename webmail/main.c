/*
 * webmail/main.c - webmail.fcgi, the users' portal: its page table and
 * navigation. Mail pages are added here one handler file each.
 */
#include "config.h"

#include "imapc.h"
#include "mail.h"
#include "pool.h"
#include "web-req.h"
#include "web-session.h"
#include "web-portal.h"
#include "web-server.h"

/* wm_logout_post - end the session, and the user's IMAP connections in
 * this process with it */
static int wm_logout_post(struct web_req *req)
{
	const char *login = req->session != NULL ?
		p_strdup(req->pool, req->session->principal.login) : NULL;
	int ret = web_page_logout_post(req);

	if (login != NULL)
		imapc_forget(login);
	return ret;
}

static const struct web_page wm_pages[] = {
	{ "/", web_page_home, NULL, PAGE_AUTH },
	{ "/login", web_page_login_get, web_page_login_post, PAGE_PUBLIC },
	{ "/logout", NULL, wm_logout_post, PAGE_AUTH },
	{ "/mail", wm_page_mail, NULL, PAGE_AUTH },
	{ "/mail/read", wm_page_read, NULL, PAGE_AUTH },
	{ "/mail/body", wm_page_body, NULL, PAGE_AUTH },
	{ "/mail/part", wm_page_part, NULL, PAGE_AUTH },
	{ "/mail/action", NULL, wm_action_mail, PAGE_AUTH },
	{ "/mail/sender", NULL, wm_action_sender, PAGE_AUTH },
	{ "/mail/images", NULL, wm_action_images, PAGE_AUTH },
	{ "/mail/folders", wm_page_folders, wm_action_folders, PAGE_AUTH },
	{ "/mail/source", wm_page_source, NULL, PAGE_AUTH },
	{ NULL, NULL, NULL, 0 },
};

static const struct web_nav wm_nav[] = {
	{ "mail", "/mail" },
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
