/*
 * addressbook.c - the group address book of a domain: its active users,
 * shown automatically and not editable here, and the entries the
 * administrators keep (domain_contacts): the list, adding, editing and
 * deleting an entry, importing vCard and CSV files, exporting vCard 4.0
 * and CSV. Users see the same book read-only in webmail.
 *
 *   GET  /addressbook          ?d=&q=&sort=name|email|company|department
 *                              &order=asc|desc&page=
 *   POST /addressbook/new      d, name, emails, phones, company,
 *                              department, title, notes
 *   GET  /addressbook/edit     ?d=&id=
 *   POST /addressbook/edit     d, id and the fields of /new
 *   POST /addressbook/delete   d, id
 *   POST /addressbook/import   multipart/form-data: d, file  -> preview
 *                              d, import=ID, op=confirm|cancel
 *   GET  /addressbook/export   ?d=&format=vcf|csv&what=all|contacts
 *
 * An entry needs a name or an address; every address must be valid;
 * texts have length limits and no control characters (notes may have
 * line breaks). A refused form is shown again with its message (422) and
 * nothing is written. Every change writes its audit row in the same
 * transaction.
 *
 * The checks of an entry, the reading of uploads and the staging of
 * imports are lib/abook-import.c's, which webmail's personal address
 * book uses too. Importing goes in two steps. The upload is read
 * (lib/vcard.c or lib/csv.c, chosen by the content; CSV columns by their
 * header names: our export, Outlook's and Foxmail's) and each card or
 * row checked as the form is; the page shows what will be added and the
 * bad rows with their line numbers. The good entries wait in
 * domain_contact_imports (sql/010_addressbook.sql) until the same
 * administrator confirms: then they are inserted in one transaction, or
 * not at all.
 *
 * SECURITY: the uploaded file is untrusted; its size is capped here
 * below the body limit, and the readers bound everything else. An entry
 * or an import of another domain is not found (404 and an audit row, as
 * everywhere in this portal). CSV exports guard against formula
 * injection (a cell starting with = + - @ gets an apostrophe), and the
 * importer takes that apostrophe off again.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "abook.h"
#include "abook-import.h"
#include "buf.h"
#include "db.h"
#include "domainadmin.h"
#include "log.h"
#include "pool.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define AB_PAGE 50
#define AB_EXPORT_MAX 100000

/* the done=KEY notices of this page */
static const char *const ab_done_keys[] = {
	"added", "saved", "deleted", "imported", "cancelled",
};

/* form_refused - the message of a refused form, for the template */
static void form_refused(struct web_req *req, const char *form,
			 const struct abook_entry *e)
{
	wcs_set(req->hdf, "Page.FormError", e->error);
	wcs_set(req->hdf, "Page.FormErrorAt", form);
	if (e->bad != NULL)
		wcs_set(req->hdf, "Form.Bad", e->bad);
}

/* ==== the list ========================================================== */

/* list_show - the list page; a form's message is already in Page.* */
static int list_show(struct web_req *req, const struct dadm_domain *dom,
		     int status)
{
	if (abook_page(req->pool, req->hdf, &req->query, dom->id,
		       AB_PAGE) < 0)
		return dadm_unavailable(req);
	for (size_t i = 0; i < sizeof(ab_done_keys) / sizeof(ab_done_keys[0]);
	     i++) {
		const char *done = form_get(&req->query, "done");

		if (done != NULL && strcmp(done, ab_done_keys[i]) == 0)
			wcs_set(req->hdf, "Page.AbDone", done);
	}
	return web_render(req, status, "addressbook.cs");
}

/* dadm_page_addressbook - GET /addressbook */
int dadm_page_addressbook(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);

	if (dom == NULL)
		return 0;
	return list_show(req, dom, 200);
}

/* ==== add, edit, delete ================================================= */

struct change {
	struct web_req *req;
	const struct dadm_domain *dom;
	const char *id;			/* edit, delete */
	const struct abook_entry *e;		/* add, edit */
	const char *old;		/* edit, delete: the old label */
};

/* contact_params - the entry as parameters $2..$8 */
static void contact_params(struct pool *pool, const struct abook_entry *e,
			   const char **params)
{
	params[1] = e->name;
	params[2] = abook_joined(pool, e->emails, e->n_emails, "\n");
	params[3] = abook_joined(pool, e->phones, e->n_phones, "\n");
	params[4] = e->company;
	params[5] = e->department;
	params[6] = e->title;
	params[7] = e->notes;
}

/* add_tx - insert the entry; audit */
static int add_tx(void *arg)
{
	struct change *c = arg;
	struct pool *pool = c->req->pool;
	const char *params[8];
	PGresult *res;

	params[0] = c->dom->id;
	contact_params(pool, c->e, params);
	res = db_query(pool, "INSERT INTO domain_contacts (domain_id, name,"
		       " emails, phones, company, department, title, notes)"
		       " VALUES ($1::bigint, $2, string_to_array($3, E'\\n'),"
		       " string_to_array($4, E'\\n'), $5, $6, $7, $8)"
		       " RETURNING id", 8, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	c->id = p_strdup(pool, db_value(res, 0, 0));
	return dadm_audit(c->req, c->dom, "contact.add",
			  abook_entry_label(c->e),
			  p_printf(pool, "{\"id\":%s,\"entry\":%s}", c->id,
				   abook_entry_json(pool, c->e)));
}

/* dadm_post_addressbook_new - POST /addressbook/new */
int dadm_post_addressbook_new(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	struct change c;
	struct abook_entry e;

	if (dom == NULL)
		return 0;
	abook_entry_from_form(req->pool, req->hdf, &req->post, &e);
	if (e.error != NULL) {
		form_refused(req, "add", &e);
		return list_show(req, dom, 422);
	}
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	c.e = &e;
	if (db_tx(add_tx, &c) != 0)
		return dadm_unavailable(req);
	log_info("event=domainadmin_contact_add admin=%s domain=%s id=%s",
		 log_quote(req->session->principal.login),
		 log_quote(dom->name), c.id);
	return web_redirect(req, p_printf(req->pool,
		"/addressbook?d=%s&done=added",
		url_encode(req->pool, dom->name)));
}

#define AB_CONTACT_SQL \
	"SELECT id, name, array_to_string(emails, E'\\n')," \
	" array_to_string(phones, E'\\n'), company, department, title," \
	" notes FROM domain_contacts" \
	" WHERE id = $1::bigint AND domain_id = $2::bigint"

/* edit_show - the edit page of contact res (the form's values are taken
 * from it unless a refused form set them) */
static int edit_show(struct web_req *req, PGresult *res, int status)
{
	static const char *const names[] = { "Id", "name", "emails", "phones",
					     "company", "department", "title",
					     "notes" };

	wcs_set(req->hdf, "Contact.Id", db_value(res, 0, 0));
	wcs_set(req->hdf, "Contact.Name", db_value(res, 0, 1));
	if (hdf_get_value(req->hdf, "Form.Set", NULL) == NULL)
		for (int i = 1; i < 8; i++)
			wcs_set(req->hdf, p_printf(req->pool, "Form.%s",
						   names[i]),
				db_value(res, 0, i));
	return web_render(req, status, "addressbook-edit.cs");
}

/* dadm_page_addressbook_edit - GET /addressbook/edit */
int dadm_page_addressbook_edit(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	PGresult *res;

	if (dom == NULL || dadm_object(req, dom, "contact",
				       dadm_id(req, "id"), AB_CONTACT_SQL,
				       &res) <= 0)
		return 0;
	return edit_show(req, res, 200);
}

/* edit_tx - update the entry; audit */
static int edit_tx(void *arg)
{
	struct change *c = arg;
	struct pool *pool = c->req->pool;
	const char *params[9];
	PGresult *res;

	params[0] = c->dom->id;
	contact_params(pool, c->e, params);
	params[8] = c->id;
	res = db_query(pool, "UPDATE domain_contacts SET name = $2,"
		       " emails = string_to_array($3, E'\\n'),"
		       " phones = string_to_array($4, E'\\n'), company = $5,"
		       " department = $6, title = $7, notes = $8,"
		       " updated_at = now()"
		       " WHERE id = $9::bigint AND domain_id = $1::bigint"
		       " RETURNING id", 9, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	return dadm_audit(c->req, c->dom, "contact.edit", c->old,
			  p_printf(pool, "{\"id\":%s,\"entry\":%s}", c->id,
				   abook_entry_json(pool, c->e)));
}

/* dadm_post_addressbook_edit - POST /addressbook/edit */
int dadm_post_addressbook_edit(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	struct change c;
	struct abook_entry e;
	PGresult *res;

	if (dom == NULL || dadm_object(req, dom, "contact",
				       dadm_id(req, "id"), AB_CONTACT_SQL,
				       &res) <= 0)
		return 0;
	abook_entry_from_form(req->pool, req->hdf, &req->post, &e);
	if (e.error != NULL) {
		form_refused(req, "edit", &e);
		wcs_set(req->hdf, "Form.Set", "1");
		return edit_show(req, res, 422);
	}
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	c.id = db_value(res, 0, 0);
	c.old = *db_value(res, 0, 1) != '\0' ? db_value(res, 0, 1) :
		db_value(res, 0, 2);
	c.e = &e;
	if (db_tx(edit_tx, &c) != 0)
		return dadm_unavailable(req);
	return web_redirect(req, p_printf(req->pool,
		"/addressbook?d=%s&done=saved",
		url_encode(req->pool, dom->name)));
}

/* delete_tx - remove the entry; audit */
static int delete_tx(void *arg)
{
	struct change *c = arg;
	struct pool *pool = c->req->pool;
	const char *params[2] = { c->id, c->dom->id };
	PGresult *res;

	res = db_query(pool, "DELETE FROM domain_contacts WHERE id = $1::bigint"
		       " AND domain_id = $2::bigint RETURNING id", 2, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	return dadm_audit(c->req, c->dom, "contact.delete", c->old,
			  p_printf(pool, "{\"id\":%s}", c->id));
}

/* dadm_post_addressbook_delete - POST /addressbook/delete */
int dadm_post_addressbook_delete(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	struct change c;
	PGresult *res;

	if (dom == NULL || dadm_object(req, dom, "contact",
				       dadm_id(req, "id"), AB_CONTACT_SQL,
				       &res) <= 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	c.id = db_value(res, 0, 0);
	c.old = *db_value(res, 0, 1) != '\0' ? db_value(res, 0, 1) :
		db_value(res, 0, 2);
	if (db_tx(delete_tx, &c) != 0)
		return dadm_unavailable(req);
	return web_redirect(req, p_printf(req->pool,
		"/addressbook?d=%s&done=deleted",
		url_encode(req->pool, dom->name)));
}

/* ==== import: preview and confirm ======================================= */

struct import {
	struct web_req *req;
	const struct dadm_domain *dom;
	struct abook_import im;
};

/* stage_tx - keep the good entries until they are confirmed; old
 * unconfirmed imports go */
static int stage_tx(void *arg)
{
	struct import *s = arg;

	return abook_stage(s->req->pool, ABOOK_DOMAIN, s->dom->id,
			   p_printf(s->req->pool, "%" PRId64,
				    s->req->session->principal.id), &s->im);
}

/* import_refused - the list page with the import form's message */
static int import_refused(struct web_req *req, const struct dadm_domain *dom,
			  const char *key)
{
	wcs_set(req->hdf, "Page.FormError", key);
	wcs_set(req->hdf, "Page.FormErrorAt", "import");
	return list_show(req, dom, 422);
}

/* preview - read the uploaded file; show what will be added */
static int preview(struct web_req *req, const struct dadm_domain *dom,
		   const struct form_field *file)
{
	struct import s;
	const char *key;

	memset(&s, 0, sizeof(s));
	s.req = req;
	s.dom = dom;
	if (abook_import_read(req->pool, req->hdf, file, &s.im, &key) < 0)
		return import_refused(req, dom, key);
	if (s.im.n_good > 0 && db_tx(stage_tx, &s) != 0)
		return dadm_unavailable(req);
	wcs_set(req->hdf, "Import.Id", s.im.id);
	return web_render(req, 200, "addressbook-import.cs");
}

struct confirm {
	struct web_req *req;
	const struct dadm_domain *dom;
	const char *id, *filename;
	bool insert;
	unsigned int added;
};

/* confirm_tx - the staged entries into the book (or dropped); audit */
static int confirm_tx(void *arg)
{
	struct confirm *c = arg;
	struct pool *pool = c->req->pool;

	if (abook_unstage(pool, ABOOK_DOMAIN, c->dom->id, c->id, c->insert,
			  &c->added) < 0)
		return -1;
	if (!c->insert)
		return 0;
	return dadm_audit(c->req, c->dom, "contact.import",
			  p_printf(pool, "import:%s", c->id),
			  p_printf(pool, "{\"file\":%s,\"added\":%u}",
				   str_json_quote(pool, c->filename),
				   c->added));
}


/* dadm_post_addressbook_import - POST /addressbook/import: an upload
 * (the preview), or the confirmation of one */
int dadm_post_addressbook_import(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const struct form_field *file;
	const char *op = form_get(&req->post, "op");
	struct confirm c;
	PGresult *res;

	if (dom == NULL)
		return 0;
	if (op == NULL) {
		file = form_get_field(&req->post, "file");
		if (file == NULL || file->filename == NULL)
			return import_refused(req, dom, "file_missing");
		return preview(req, dom, file);
	}
	if (strcmp(op, "confirm") != 0 && strcmp(op, "cancel") != 0)
		return web_fail(req, 400, "bad_request");
	if (dadm_object(req, dom, "import", dadm_id(req, "import"),
			"SELECT id, admin_id, filename"
			" FROM domain_contact_imports"
			" WHERE id = $1::bigint AND domain_id = $2::bigint",
			&res) <= 0)
		return 0;
	/* another administrator's upload is theirs to confirm */
	if (strcmp(db_value(res, 0, 1), p_printf(req->pool, "%" PRId64,
		   req->session->principal.id)) != 0)
		return dadm_not_found(req, dom, p_printf(req->pool,
			"import:%s", db_value(res, 0, 0)));
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	c.id = db_value(res, 0, 0);
	c.filename = db_value(res, 0, 2);
	c.insert = strcmp(op, "confirm") == 0;
	if (db_tx(confirm_tx, &c) != 0)
		return dadm_unavailable(req);
	if (c.insert)
		log_info("event=domainadmin_contact_import admin=%s domain=%s"
			 " added=%u", log_quote(req->session->principal.login),
			 log_quote(dom->name), c.added);
	return web_redirect(req, p_printf(req->pool,
		"/addressbook?d=%s&done=%s", url_encode(req->pool, dom->name),
		c.insert ? "imported" : "cancelled"));
}

/* ==== export ============================================================ */

/* dadm_page_addressbook_export - GET /addressbook/export */
int dadm_page_addressbook_export(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *format = form_get(&req->query, "format");
	const char *what = form_get(&req->query, "what");
	struct abook_query aq;
	struct buf *out;
	bool vcf;
	PGresult *res;
	int n;

	if (dom == NULL)
		return 0;
	if (format == NULL || (strcmp(format, "vcf") != 0 &&
			       strcmp(format, "csv") != 0))
		return web_fail(req, 400, "bad_request");
	vcf = strcmp(format, "vcf") == 0;
	memset(&aq, 0, sizeof(aq));
	aq.domain_id = dom->id;
	aq.q = "";
	aq.sort = "name";
	aq.contacts_only = what != NULL && strcmp(what, "contacts") == 0;
	aq.limit = AB_EXPORT_MAX;
	res = abook_list(req->pool, &aq);
	if (res == NULL)
		return dadm_unavailable(req);
	n = db_ntuples(res);
	if (dadm_audit(req, dom, "contact.export", dom->name,
		       p_printf(req->pool, "{\"format\":\"%s\",\"what\":\"%s\","
				"\"count\":%d}", format, aq.contacts_only ?
				"contacts" : "all", n)) < 0)
		return dadm_unavailable(req);
	out = buf_new_pool(req->pool, 0);
	if (!vcf)
		abook_export_csv_header(out, true);
	for (int i = 0; i < n; i++) {
		const char *name = db_value(res, i, ABOOK_COL_NAME);
		const char *emails = db_value(res, i, ABOOK_COL_EMAILS);
		const char *phones = db_value(res, i, ABOOK_COL_PHONES);
		const char *company = db_value(res, i, ABOOK_COL_COMPANY);
		const char *dept = db_value(res, i, ABOOK_COL_DEPARTMENT);
		const char *title = db_value(res, i, ABOOK_COL_TITLE);
		const char *notes = db_value(res, i, ABOOK_COL_NOTES);

		if (vcf)
			abook_export_vcard(req->pool, out, name, emails,
					   phones, company, dept, title, notes);
		else
			abook_export_csv_row(req->pool, out, true, name,
					     emails, phones, company, dept,
					     title, notes);
	}
	req->status = 200;
	req->content_type = vcf ? "text/vcard; charset=utf-8" :
		"text/csv; charset=utf-8";
	web_header_add(req, "Content-Disposition", p_printf(req->pool,
		"attachment; filename=\"addressbook-%s.%s\"", dom->name,
		format));
	if (out->len > 0 && buf_append(req->body, out->data, out->len) < 0)
		return web_fail(req, 413, "too_large");
	return 0;
}
