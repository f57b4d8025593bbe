/*
 * folders.c - managing folders: add, rename, delete (with subfolders,
 * after a confirmation page), and the original source of a message.
 *
 *   GET  /mail/folders              the list with the forms
 *   GET  /mail/folders?delete=<raw> the confirmation of a delete
 *   POST /mail/folders              op=create|rename|delete, name, parent,
 *                                   f (the folder acted on)
 *   GET  /mail/source?f=&uid=[&download=1]
 *
 * Names are typed in UTF-8 and sent as modified UTF-7. INBOX and the
 * special folders (Drafts, Sent, Junk, Trash) cannot be renamed or
 * deleted here. A name may not hold the hierarchy delimiter; a new folder
 * goes under the parent chosen in the form.
 */
#include "config.h"

#include <string.h>

#include "imapc.h"
#include "log.h"
#include "mail.h"
#include "pool.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define WM_FOLDER_NAME_MAX 200

/* is_below - child is a subfolder (at any depth) of parent */
static bool is_below(const struct imapc_folder *child,
		     const struct imapc_folder *parent)
{
	size_t n = strlen(parent->raw);

	return parent->delim != '\0' && strncmp(child->raw, parent->raw, n) ==
		0 && child->raw[n] == parent->delim;
}

/* show - the page, with an error message key or NULL */
static int show(struct web_req *req, const struct imapc_folder *f,
		unsigned int n, const char *error_key, int status)
{
	const char *del = form_get(&req->query, "delete");
	const struct imapc_folder *victim = wm_find_folder(f, n, del);

	for (unsigned int i = 0; i < n; i++) {
		const char *pre = p_printf(req->pool, "Folders.%u.", i);

		wcs_set(req->hdf, p_printf(req->pool, "%sRaw", pre), f[i].raw);
		wcs_set(req->hdf, p_printf(req->pool, "%sName", pre),
			f[i].name);
		wcs_set(req->hdf, p_printf(req->pool, "%sLeaf", pre),
			wm_folder_leaf(&f[i]));
		wcs_set(req->hdf, p_printf(req->pool, "%sSpecial", pre),
			wm_special_name(f[i].special));
		wcs_set(req->hdf, p_printf(req->pool, "%sEncoded", pre),
			url_encode(req->pool, f[i].raw));
		wcs_set_int(req->hdf, p_printf(req->pool, "%sDepth", pre),
			    f[i].depth);
		wcs_set_int(req->hdf, p_printf(req->pool, "%sMessages", pre),
			    f[i].messages);
		wcs_set_int(req->hdf, p_printf(req->pool, "%sUnseen", pre),
			    f[i].unseen);
		wcs_set(req->hdf, p_printf(req->pool, "%sNoSelect", pre),
			f[i].noselect ? "1" : "");
	}
	if (victim != NULL && victim->special == IMAPC_NONE) {
		unsigned int below = 0;

		for (unsigned int i = 0; i < n; i++)
			if (is_below(&f[i], victim))
				below++;
		wcs_set(req->hdf, "Confirm.Raw", victim->raw);
		wcs_set(req->hdf, "Confirm.Name", victim->name);
		wcs_set_int(req->hdf, "Confirm.Below", below);
	}
	if (error_key != NULL)
		wcs_set(req->hdf, "Page.FormError", error_key);
	return web_render(req, status, "folders-manage.cs");
}

int wm_page_folders(struct web_req *req)
{
	struct imapc_folder *f;
	unsigned int n;
	struct imapc *c = wm_connect_with_folders(req, &f, &n);

	if (c == NULL)
		return 0;
	imapc_release(&c);
	return show(req, f, n, NULL, 200);
}

/* check_name - the typed name as one modified UTF-7 level, or NULL with
 * *key_r the message to show */
static const char *check_name(struct web_req *req, const char *name,
			      char delim, const char **key_r)
{
	const char *enc;

	if (name == NULL || *name == '\0' || name[0] == ' ') {
		*key_r = "folder_name_empty";
		return NULL;
	}
	if (strlen(name) > WM_FOLDER_NAME_MAX ||
	    (delim != '\0' && strchr(name, delim) != NULL) ||
	    strpbrk(name, "*%\r\n\"\\") != NULL) {
		*key_r = "folder_name_bad";
		return NULL;
	}
	enc = imapc_utf7_encode(req->pool, name);
	if (enc == NULL)
		*key_r = "folder_name_bad";
	return enc;
}

int wm_action_folders(struct web_req *req)
{
	const char *op = form_get(&req->post, "op");
	const char *name = form_get(&req->post, "name");
	const char *target = form_get(&req->post, "f");
	const char *parent_raw = form_get(&req->post, "parent");
	const struct imapc_folder *folder, *parent;
	struct imapc_folder *f;
	unsigned int n;
	const char *error, *key = NULL, *enc, *raw;
	char delim;
	struct imapc *c;
	int ret = 0;

	if (op == NULL)
		return web_fail(req, 400, "bad_request");
	c = wm_connect_with_folders(req, &f, &n);
	if (c == NULL)
		return 0;
	delim = n > 0 ? f[0].delim : '/';
	folder = wm_find_folder(f, n, target);
	parent = wm_find_folder(f, n, parent_raw);

	if (strcmp(op, "create") == 0) {
		if (parent_raw != NULL && *parent_raw != '\0' &&
		    parent == NULL) {
			imapc_release(&c);
			return web_fail(req, 404, "not_found");
		}
		enc = check_name(req, name, delim, &key);
		if (enc == NULL)
			goto form_error;
		raw = parent != NULL ? p_printf(req->pool, "%s%c%s",
						parent->raw, delim, enc) : enc;
		if (wm_find_folder(f, n, raw) != NULL) {
			key = "folder_exists";
			goto form_error;
		}
		ret = imapc_create(c, raw, &error);
	} else if (strcmp(op, "rename") == 0 || strcmp(op, "delete") == 0) {
		if (folder == NULL) {
			imapc_release(&c);
			return web_fail(req, 404, "not_found");
		}
		if (folder->special != IMAPC_NONE) {
			key = "folder_protected";
			goto form_error;
		}
		if (strcmp(op, "rename") == 0) {
			const char *slash = delim != '\0' ?
				strrchr(folder->raw, delim) : NULL;

			enc = check_name(req, name, delim, &key);
			if (enc == NULL)
				goto form_error;
			raw = slash != NULL ? p_printf(req->pool, "%.*s%s",
				(int)(slash - folder->raw + 1), folder->raw,
				enc) : enc;
			if (wm_find_folder(f, n, raw) != NULL) {
				key = "folder_exists";
				goto form_error;
			}
			ret = imapc_rename(c, folder->raw, raw, &error);
		} else {
			/* children first, the deepest first (the list has
			   children after their parents) */
			for (unsigned int i = n; ret == 0 && i-- > 0;)
				if (is_below(&f[i], folder))
					ret = imapc_delete(c, f[i].raw, &error);
			if (ret == 0)
				ret = imapc_delete(c, folder->raw, &error);
		}
	} else {
		imapc_release(&c);
		return web_fail(req, 400, "bad_request");
	}
	imapc_release(&c);
	if (ret < 0) {
		log_warn("event=webmail_folder_failed op=%s error=%s", op,
			 log_quote(error));
		key = "folder_failed";
		/* show the list as it is now */
		c = wm_connect_with_folders(req, &f, &n);
		if (c == NULL)
			return 0;
		imapc_release(&c);
		return show(req, f, n, key, 409);
	}
	log_info("event=webmail_folder op=%s user=%s", op,
		 log_quote(req->session->principal.login));
	return web_redirect(req, "/mail/folders");

form_error:
	imapc_release(&c);
	wcs_set(req->hdf, "Page.FormName", name != NULL ? name : "");
	return show(req, f, n, key, 422);
}

int wm_page_source(struct web_req *req)
{
	const char *f = form_get(&req->query, "f");
	const char *u = form_get(&req->query, "uid");
	const char *dl = form_get(&req->query, "download");
	const char *error = NULL, *data = NULL;
	unsigned int uid;
	uint32_t exists;
	size_t len;
	struct imapc *c;

	if (f == NULL || u == NULL || str_to_uint(u, &uid) < 0 || uid == 0)
		return web_fail(req, 404, "not_found");
	c = imapc_acquire(req->session->principal.login, &error);
	if (c == NULL) {
		log_error("event=webmail_imap_failed error=%s",
			  log_quote(error));
		return web_fail(req, 503, "mail_unavailable");
	}
	if (imapc_select(c, f, &exists, &error) < 0 ||
	    imapc_fetch_message(c, req->pool, uid, &data, &len, NULL,
				&error) < 0 ||
	    data == NULL) {
		bool lost = data == NULL && imapc_lost(c);

		imapc_release(&c);
		if (lost) {
			log_error("event=webmail_imap_failed error=%s",
				  log_quote(error));
			return web_fail(req, 503, "mail_unavailable");
		}
		return web_fail(req, 404, "not_found");
	}
	imapc_release(&c);
	req->status = 200;
	req->csp = "default-src 'none'; sandbox";
	if (dl != NULL) {
		req->content_type = "message/rfc822";
		web_header_add(req, "Content-Disposition", p_printf(req->pool,
			"attachment; filename=\"message-%u.eml\"", uid));
	} else {
		/* the raw bytes as text: never rendered as HTML */
		req->content_type = "text/plain; charset=utf-8";
	}
	if (buf_append(req->body, data, len) < 0)
		return web_fail(req, 413, "too_large");
	return 0;
}
