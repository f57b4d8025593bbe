#ifndef MH_WM_MAIL_H
#define MH_WM_MAIL_H
/*
 * mail.h - webmail's mail pages (mail.c).
 */
struct web_req;

int wm_page_mail(struct web_req *req);
int wm_page_read(struct web_req *req);
int wm_page_body(struct web_req *req);
int wm_page_part(struct web_req *req);
int wm_action_mail(struct web_req *req);
int wm_action_sender(struct web_req *req);
/* folders.c */
int wm_page_folders(struct web_req *req);
int wm_action_folders(struct web_req *req);
int wm_page_source(struct web_req *req);

#endif
