#ifndef MH_WM_MAIL_H
#define MH_WM_MAIL_H
/*
 * mail.h - webmail's mail pages (mail.c).
 */
#include "imapc.h"

struct pool;
struct web_req;

/* shared by the mail pages (mail.c) */
/* wm_connect_with_folders - a connection and the user's folders; NULL when
 * the IMAP server failed us (the 503 response is made) */
struct imapc *wm_connect_with_folders(struct web_req *req,
				      struct imapc_folder **folders_r,
				      unsigned int *n_r);
/* wm_find_folder - the folder with wire name raw (may be NULL), or NULL */
const struct imapc_folder *wm_find_folder(const struct imapc_folder *f,
					  unsigned int n, const char *raw);
/* wm_special_name - "inbox", "sent", ... for Lang.folder.*; "" if none */
const char *wm_special_name(enum imapc_special special);
/* wm_folder_leaf - the last level of the folder's UTF-8 name */
const char *wm_folder_leaf(const struct imapc_folder *f);

/* one row of the message list */
struct wm_row {
	const struct imapc_summary *m;
	const struct imapc_folder *folder;	/* every-folder search only */
	unsigned int depth;		/* in a conversation; 0 at its top */
	unsigned int thread_size;	/* at a conversation's top: messages */
};

/* mail-views.c: the page'th page (clamped, *page is updated) of size
 * conversations of the selected folder whose messages match criteria,
 * the one with the newest message first unless !reverse; *total_r
 * conversations */
int wm_thread_page(struct imapc *c, struct pool *pool, const char *criteria,
		   bool reverse, unsigned int *page, unsigned int size,
		   struct wm_row **rows_r, unsigned int *nrows_r,
		   unsigned int *total_r, const char **error_r);
/* the page'th page of the messages matching criteria in every selectable
 * folder, merged in the order of key; *total_r messages. Leaves the last
 * folder with matches selected. */
int wm_search_all(struct imapc *c, struct pool *pool,
		  const struct imapc_folder *folders, unsigned int nf,
		  const char *criteria, enum imapc_sort_key key, bool reverse,
		  unsigned int *page, unsigned int size,
		  struct wm_row **rows_r, unsigned int *nrows_r,
		  unsigned int *total_r, const char **error_r);

int wm_page_mail(struct web_req *req);
int wm_page_read(struct web_req *req);
int wm_page_body(struct web_req *req);
int wm_page_part(struct web_req *req);
int wm_action_mail(struct web_req *req);
int wm_action_sender(struct web_req *req);
int wm_action_images(struct web_req *req);
/* compose.c */
int wm_page_compose(struct web_req *req);
int wm_action_compose(struct web_req *req);
int wm_page_suggest(struct web_req *req);
int wm_page_signature(struct web_req *req);
int wm_action_signature(struct web_req *req);
/* folders.c */
int wm_page_folders(struct web_req *req);
int wm_action_folders(struct web_req *req);
/* popfetch.c */
int wm_page_popfetch(struct web_req *req);
int wm_action_popfetch(struct web_req *req);
/* addressbook.c */
int wm_page_addressbook(struct web_req *req);
int wm_page_source(struct web_req *req);
/* contacts.c */
int wm_page_contacts(struct web_req *req);
int wm_action_contact_new(struct web_req *req);
int wm_page_contact_edit(struct web_req *req);
int wm_action_contact_edit(struct web_req *req);
int wm_action_contact_delete(struct web_req *req);
int wm_page_contact_group(struct web_req *req);
int wm_action_contact_groups(struct web_req *req);
int wm_action_contact_import(struct web_req *req);
int wm_page_contact_export(struct web_req *req);

#endif
