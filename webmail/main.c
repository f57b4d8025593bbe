/*
 * webmail/main.c - webmail.fcgi, the users' portal: its page table and
 * navigation. Mail pages are added here one handler file each.
 */
#include "config.h"

#include "imapc.h"
#include "mail.h"
#include "schedule.h"
#include "pool.h"
#include "settings.h"
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
	{ "/addressbook", wm_page_addressbook, NULL, PAGE_AUTH },
	{ "/contacts", wm_page_contacts, NULL, PAGE_AUTH },
	{ "/contacts/new", NULL, wm_action_contact_new, PAGE_AUTH },
	{ "/contacts/edit", wm_page_contact_edit, wm_action_contact_edit,
	  PAGE_AUTH },
	{ "/contacts/delete", NULL, wm_action_contact_delete, PAGE_AUTH },
	{ "/contacts/group", wm_page_contact_group, NULL, PAGE_AUTH },
	{ "/contacts/groups", NULL, wm_action_contact_groups, PAGE_AUTH },
	{ "/contacts/import", NULL, wm_action_contact_import, PAGE_AUTH },
	{ "/contacts/export", wm_page_contact_export, NULL, PAGE_AUTH },
	{ "/mail/compose", wm_page_compose, wm_action_compose, PAGE_AUTH },
	{ "/mail/suggest", wm_page_suggest, NULL, PAGE_AUTH },
	{ "/settings/signature", wm_page_signature, wm_action_signature,
	  PAGE_AUTH },
	{ "/mail/scheduled", wm_page_scheduled, wm_action_scheduled,
	  PAGE_AUTH },
	{ "/settings/pop", wm_page_popfetch, wm_action_popfetch, PAGE_AUTH },
	{ "/settings", wm_page_settings, NULL, PAGE_AUTH },
	{ "/settings/blocklist", wm_page_blocklist, wm_action_blocklist,
	  PAGE_AUTH },
	{ "/settings/filters", wm_page_filters, wm_action_filters, PAGE_AUTH },
	{ "/settings/filters/edit", wm_page_filter_edit,
	  wm_action_filter_edit, PAGE_AUTH },
	{ "/settings/filters/sieve", wm_page_filters_sieve, NULL, PAGE_AUTH },
	{ "/settings/password", wm_page_password, wm_action_password,
	  PAGE_AUTH },
	{ "/settings/display", wm_page_display, wm_action_display,
	  PAGE_AUTH },
	{ "/settings/spam", wm_page_antispam, wm_action_antispam, PAGE_AUTH },
	{ "/settings/sessions", wm_page_sessions, wm_action_sessions,
	  PAGE_AUTH },
	{ "/sso", wm_page_sso, NULL, PAGE_PUBLIC },
	{ "/settings/vacation", wm_page_vacation, wm_action_vacation,
	  PAGE_AUTH },
	{ NULL, NULL, NULL, 0 },
};

static const struct web_nav wm_nav[] = {
	{ "mail", "/mail" },
	{ "compose", "/mail/compose" },
	{ "contacts", "/contacts" },
	{ "settings", "/settings" },
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
