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
 * Importing goes in two steps. The upload is read (lib/vcard.c or
 * lib/csv.c, chosen by the content; CSV columns by their header names:
 * our export, Outlook's and Foxmail's) and each card or row checked as
 * the form is; the page shows what will be added and the bad rows with
 * their line numbers. The good entries wait in domain_contact_imports
 * (sql/010_addressbook.sql) until the same administrator confirms: then
 * they are inserted in one transaction, or not at all.
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
#include <strings.h>

#include "abook.h"
#include "accounts.h"
#include "buf.h"
#include "csv.h"
#include "db.h"
#include "domainadmin.h"
#include "log.h"
#include "pool.h"
#include "strnum.h"
#include "vcard.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define AB_PAGE 50
#define AB_TEXT_MAX 200			/* characters: name, company, ... */
#define AB_NOTES_MAX 2000		/* characters */
#define AB_PHONE_MAX 50			/* characters of one number */
#define AB_ITEMS_MAX 20			/* addresses, and numbers, an entry */
#define AB_IMPORT_MAX (5 * 1024 * 1024)	/* bytes of an uploaded file */
#define AB_IMPORT_ENTRIES 10000
#define AB_PREVIEW_MAX 200		/* rows shown, good and bad each */
#define AB_EXPORT_MAX 100000

/* the done=KEY notices of this page */
static const char *const ab_done_keys[] = {
	"added", "saved", "deleted", "imported", "cancelled",
};

/* ==== one entry ========================================================= */

struct entry {
	unsigned int line;		/* where an imported one begins */
	const char *name, *company, *department, *title, *notes;
	const char *emails[AB_ITEMS_MAX];
	size_t n_emails;
	const char *phones[AB_ITEMS_MAX];
	size_t n_phones;
	const char *error;		/* Lang.addressbook.err.<key> */
	const char *bad;		/* the value it is about, or NULL */
};

/* refuse - the first problem of the entry */
static void refuse(struct entry *e, const char *key, const char *bad)
{
	if (e->error == NULL) {
		e->error = key;
		e->bad = bad;
	}
}

/* text_ok - UTF-8 of at most max characters without control characters
 * (line breaks and tabs allowed when multiline) */
static bool text_ok(const char *s, size_t max, bool multiline)
{
	size_t len = strlen(s);

	if (len > 4 * max || !utf8_valid(s, len) || acct_utf8_chars(s) > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < ' ' && !(multiline && (c == '\n' || c == '\t'))) ||
		    c == 0x7f)
			return false;
	}
	return true;
}

/* set_text - a trimmed text field (CRLF made LF), checked */
static const char *set_text(struct pool *pool, struct entry *e,
			    const char *v, size_t max, bool multiline,
			    const char *key)
{
	struct buf *b = buf_new_pool(pool, 0);
	char *t;

	for (const char *p = v != NULL ? v : ""; *p != '\0'; p++)
		if (!(*p == '\r' && p[1] == '\n'))
			buf_addc(b, *p == '\r' ? '\n' : *p);
	t = str_trim(p_strdup(pool, b->data != NULL ? b->data : ""));
	if (!text_ok(t, max, multiline))
		refuse(e, key, NULL);
	return t;
}

/* add_emails - the addresses in list (separated by commas, semicolons or
 * white space), lower case, without repeats */
static void add_emails(struct pool *pool, struct entry *e, const char *list)
{
	char *copy = p_strdup(pool, list != NULL ? list : "");
	char *save = NULL, *item;

	for (item = strtok_r(copy, ",; \t\r\n", &save); item != NULL;
	     item = strtok_r(NULL, ",; \t\r\n", &save)) {
		char *address, *local, *domain;
		bool dup = false;

		if (acct_address_split(pool, item, &address, &local,
				       &domain) < 0) {
			refuse(e, "email_bad", item);
			continue;
		}
		for (size_t i = 0; i < e->n_emails; i++)
			if (strcmp(e->emails[i], address) == 0)
				dup = true;
		if (dup)
			continue;
		if (e->n_emails >= AB_ITEMS_MAX) {
			refuse(e, "emails_many", NULL);
			return;
		}
		e->emails[e->n_emails++] = address;
	}
}

/* add_phones - the numbers in list (one a line, or separated by commas
 * or semicolons) */
static void add_phones(struct pool *pool, struct entry *e, const char *list)
{
	char *copy = p_strdup(pool, list != NULL ? list : "");
	char *save = NULL, *item;

	for (item = strtok_r(copy, ",;\r\n", &save); item != NULL;
	     item = strtok_r(NULL, ",;\r\n", &save)) {
		item = str_trim(item);
		if (*item == '\0')
			continue;
		if (!text_ok(item, AB_PHONE_MAX, false)) {
			refuse(e, "phone_bad", NULL);
			continue;
		}
		if (e->n_phones >= AB_ITEMS_MAX) {
			refuse(e, "phones_many", NULL);
			return;
		}
		e->phones[e->n_phones++] = item;
	}
}

/* finish - the rule for the whole entry: a name or an address */
static void finish(struct entry *e)
{
	if (*e->name == '\0' && e->n_emails == 0)
		refuse(e, "empty", NULL);
}

/* joined_by - items separated by sep */
static const char *joined_by(struct pool *pool, const char *const *items,
			     size_t n, const char *sep)
{
	struct buf *b = buf_new_pool(pool, 0);

	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%s%s", i > 0 ? sep : "", items[i]);
	return b->data != NULL ? b->data : "";
}

/* joined - a list one item a line, for string_to_array(, E'\n') */
static const char *joined(struct pool *pool, const char *const *items,
			  size_t n)
{
	return joined_by(pool, items, n, "\n");
}

/* json_list - items as a JSON array */
static const char *json_list(struct pool *pool, const char *const *items,
			     size_t n)
{
	struct buf *b = buf_new_pool(pool, 0);

	buf_addc(b, '[');
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%s%s", i > 0 ? "," : "",
			 str_json_quote(pool, items[i]));
	buf_addc(b, ']');
	return b->data;
}

/* entry_json - the entry as the JSON object domain_contact_imports keeps
 * (and audit rows show) */
static const char *entry_json(struct pool *pool, const struct entry *e)
{
	return p_printf(pool, "{\"name\":%s,\"emails\":%s,\"phones\":%s,"
		"\"company\":%s,\"department\":%s,\"title\":%s,\"notes\":%s}",
		str_json_quote(pool, e->name),
		json_list(pool, e->emails, e->n_emails),
		json_list(pool, e->phones, e->n_phones),
		str_json_quote(pool, e->company),
		str_json_quote(pool, e->department),
		str_json_quote(pool, e->title),
		str_json_quote(pool, e->notes));
}

/* entry_label - what an audit row names: the name, or the address */
static const char *entry_label(const struct entry *e)
{
	return *e->name != '\0' ? e->name :
		e->n_emails > 0 ? e->emails[0] : "";
}

/* entry_from_form - the fields of the add and edit forms */
static void entry_from_form(struct web_req *req, struct entry *e)
{
	struct pool *pool = req->pool;
	const char *const fields[] = { "name", "emails", "phones", "company",
				       "department", "title", "notes" };

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		wcs_set(req->hdf, p_printf(pool, "Form.%s", fields[i]),
			form_get(&req->post, fields[i]));
	e->name = set_text(pool, e, form_get(&req->post, "name"),
			   AB_TEXT_MAX, false, "name_bad");
	add_emails(pool, e, form_get(&req->post, "emails"));
	add_phones(pool, e, form_get(&req->post, "phones"));
	e->company = set_text(pool, e, form_get(&req->post, "company"),
			      AB_TEXT_MAX, false, "company_bad");
	e->department = set_text(pool, e, form_get(&req->post, "department"),
				 AB_TEXT_MAX, false, "department_bad");
	e->title = set_text(pool, e, form_get(&req->post, "title"),
			    AB_TEXT_MAX, false, "title_bad");
	e->notes = set_text(pool, e, form_get(&req->post, "notes"),
			    AB_NOTES_MAX, true, "notes_bad");
	finish(e);
}

/* form_refused - the message of a refused form, for the template */
static void form_refused(struct web_req *req, const char *form,
			 const struct entry *e)
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
	const struct entry *e;		/* add, edit */
	const char *old;		/* edit, delete: the old label */
};

/* contact_params - the entry as parameters $2..$8 */
static void contact_params(struct pool *pool, const struct entry *e,
			   const char **params)
{
	params[1] = e->name;
	params[2] = joined(pool, e->emails, e->n_emails);
	params[3] = joined(pool, e->phones, e->n_phones);
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
	return dadm_audit(c->req, c->dom, "contact.add", entry_label(c->e),
			  p_printf(pool, "{\"id\":%s,\"entry\":%s}", c->id,
				   entry_json(pool, c->e)));
}

/* dadm_post_addressbook_new - POST /addressbook/new */
int dadm_post_addressbook_new(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	struct change c;
	struct entry e;

	if (dom == NULL)
		return 0;
	entry_from_form(req, &e);
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
				   entry_json(pool, c->e)));
}

/* dadm_post_addressbook_edit - POST /addressbook/edit */
int dadm_post_addressbook_edit(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	struct change c;
	struct entry e;
	PGresult *res;

	if (dom == NULL || dadm_object(req, dom, "contact",
				       dadm_id(req, "id"), AB_CONTACT_SQL,
				       &res) <= 0)
		return 0;
	entry_from_form(req, &e);
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

/* ==== import: reading the file ========================================== */

/* what a CSV column holds */
enum column {
	COL_NONE, COL_NAME, COL_FIRST, COL_MIDDLE, COL_LAST, COL_EMAIL,
	COL_PHONE, COL_COMPANY, COL_DEPARTMENT, COL_TITLE, COL_JOB_TITLE,
	COL_NOTES,
};

/* header names, lower case (ours, Outlook's, Foxmail's and the usual
 * others); addresses and phones are also found by the words in them */
static const struct {
	const char *name;
	enum column col;
} ab_headers[] = {
	{ "name", COL_NAME }, { "full name", COL_NAME },
	{ "display name", COL_NAME }, { "contact name", COL_NAME },
	{ "姓名", COL_NAME }, { "名称", COL_NAME },
	{ "显示名称", COL_NAME }, { "联系人", COL_NAME },
	{ "联系人姓名", COL_NAME },
	{ "first name", COL_FIRST }, { "given name", COL_FIRST },
	{ "名", COL_FIRST },
	{ "middle name", COL_MIDDLE }, { "中间名", COL_MIDDLE },
	{ "last name", COL_LAST }, { "surname", COL_LAST },
	{ "family name", COL_LAST }, { "姓", COL_LAST },
	{ "company", COL_COMPANY }, { "organization", COL_COMPANY },
	{ "organisation", COL_COMPANY }, { "公司", COL_COMPANY },
	{ "公司名称", COL_COMPANY }, { "单位", COL_COMPANY },
	{ "工作单位", COL_COMPANY },
	{ "department", COL_DEPARTMENT }, { "部门", COL_DEPARTMENT },
	{ "job title", COL_JOB_TITLE }, { "职位", COL_JOB_TITLE },
	{ "职务", COL_JOB_TITLE }, { "头衔", COL_JOB_TITLE },
	{ "title", COL_TITLE },
	{ "notes", COL_NOTES }, { "note", COL_NOTES },
	{ "comments", COL_NOTES }, { "备注", COL_NOTES },
	{ "附注", COL_NOTES },
};

/* has - s contains word */
static bool has(const char *s, const char *word)
{
	return strstr(s, word) != NULL;
}

/* column_of - what a header names */
static enum column column_of(struct pool *pool, const char *header)
{
	char *h = str_lower(str_trim(p_strdup(pool, header)));

	for (size_t i = 0; i < sizeof(ab_headers) / sizeof(ab_headers[0]);
	     i++)
		if (strcmp(h, ab_headers[i].name) == 0)
			return ab_headers[i].col;
	/* "E-mail Address", "E-mail 2 Address", "电子邮件地址 2", but not
	 * "E-mail Type" or "E-mail Display Name" */
	if ((str_begins(h, "e-mail") || str_begins(h, "email") ||
	     has(h, "邮件") || has(h, "邮箱")) &&
	    !has(h, "type") && !has(h, "display") && !has(h, "类型") &&
	    !has(h, "显示"))
		return COL_EMAIL;
	/* "Business Phone", "Mobile Phone", "手机", "办公电话" */
	if (has(h, "phone") || has(h, "mobile") || has(h, "telephone") ||
	    has(h, "电话") || has(h, "手机"))
		return COL_PHONE;
	return COL_NONE;
}

struct import {
	struct web_req *req;
	const struct dadm_domain *dom;
	const char *format;		/* "vcard", "csv" */
	const char *charset;
	const char *filename;
	struct entry *good;
	size_t n_good;
	struct buf *json;		/* the good ones, a JSON array */
	unsigned int n_bad;
	const char *error;		/* the file as a whole: err key */
	const char *id;			/* domain_contact_imports.id */
};

/* bad_row - a row that is not imported: Import.Bad.N (the first
 * AB_PREVIEW_MAX of them). key is a message key, or NULL for text from
 * the reader ("line N: what") */
static void bad_row(struct import *im, unsigned int line, const char *key,
		    const char *bad, const char *text)
{
	struct web_req *req = im->req;
	const char *pre;
	unsigned int n;
	int used = 0;

	if (text != NULL && sscanf(text, "line %u: %n", &n, &used) == 1 &&
	    used > 0) {
		line = n;
		text += used;
	}
	if (im->n_bad < AB_PREVIEW_MAX) {
		pre = p_printf(req->pool, "Import.Bad.%u.", im->n_bad);
		wcs_set_int(req->hdf, p_printf(req->pool, "%sLine", pre), line);
		wcs_set(req->hdf, p_printf(req->pool, "%sKey", pre), key);
		wcs_set(req->hdf, p_printf(req->pool, "%sBad", pre), bad);
		wcs_set(req->hdf, p_printf(req->pool, "%sText", pre), text);
	}
	im->n_bad++;
}

/* take - an entry read from the file: checked, then kept or reported */
static void take(struct import *im, struct entry *e)
{
	struct pool *pool = im->req->pool;
	const char *pre;

	finish(e);
	if (e->error != NULL) {
		bad_row(im, e->line, e->error, e->bad, NULL);
		return;
	}
	if (im->n_good >= AB_IMPORT_ENTRIES) {
		bad_row(im, e->line, "import_many", NULL, NULL);
		return;
	}
	if (im->n_good < AB_PREVIEW_MAX) {
		pre = p_printf(pool, "Import.Rows.%zu.", im->n_good);
		wcs_set_int(im->req->hdf, p_printf(pool, "%sLine", pre),
			    e->line);
		wcs_set(im->req->hdf, p_printf(pool, "%sName", pre), e->name);
		wcs_set(im->req->hdf, p_printf(pool, "%sEmails", pre),
			joined(pool, e->emails, e->n_emails));
		wcs_set(im->req->hdf, p_printf(pool, "%sPhones", pre),
			joined(pool, e->phones, e->n_phones));
		wcs_set(im->req->hdf, p_printf(pool, "%sCompany", pre),
			e->company);
		wcs_set(im->req->hdf, p_printf(pool, "%sDepartment", pre),
			e->department);
		wcs_set(im->req->hdf, p_printf(pool, "%sTitle", pre),
			e->title);
	}
	buf_addf(im->json, "%s%s", im->n_good > 0 ? "," : "",
		 entry_json(pool, e));
	im->n_good++;
}

/* read_vcards - every card of the file */
static void read_vcards(struct import *im, const char *data, size_t len)
{
	struct pool *pool = im->req->pool;
	struct vcard_limits limits = vcard_limits_default;
	struct vcard_reader *r;
	struct vcard *card;
	const char *error = NULL;
	enum vcard_status st;

	limits.max_cards = AB_IMPORT_ENTRIES + 1;
	limits.max_value = 4 * AB_NOTES_MAX;
	limits.max_items = AB_ITEMS_MAX;
	if (vcard_reader_new(pool, data, len, &limits, &r, &error) < 0) {
		im->error = "file_unreadable";
		return;
	}
	while ((st = vcard_read(r, &card, &error)) != VCARD_END) {
		struct entry e;

		if (st == VCARD_BAD) {
			bad_row(im, 0, NULL, NULL, error);
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.line = card->line;
		e.name = set_text(pool, &e, card->name, AB_TEXT_MAX, false,
				  "name_bad");
		for (size_t i = 0; i < card->n_emails; i++)
			add_emails(pool, &e, card->emails[i].value);
		for (size_t i = 0; i < card->n_phones; i++)
			add_phones(pool, &e, card->phones[i].value);
		e.company = set_text(pool, &e, card->company, AB_TEXT_MAX,
				     false, "company_bad");
		e.department = set_text(pool, &e, card->department,
					AB_TEXT_MAX, false, "department_bad");
		e.title = set_text(pool, &e, card->title, AB_TEXT_MAX, false,
				   "title_bad");
		e.notes = set_text(pool, &e, card->notes, AB_NOTES_MAX, true,
				   "notes_bad");
		take(im, &e);
	}
}

/* name_of - a name from first, middle and last name columns: "First
 * Middle Last", or "LastFirst" in CJK scripts */
static const char *name_of(struct pool *pool, const char *first,
			   const char *middle, const char *last)
{
	struct buf *b = buf_new_pool(pool, 0);

	if ((*last != '\0' && (unsigned char)*last >= 0x80) ||
	    (*first != '\0' && (unsigned char)*first >= 0x80))
		return p_printf(pool, "%s%s%s", last, middle, first);
	if (*first != '\0')
		buf_adds(b, first);
	if (*middle != '\0')
		buf_addf(b, "%s%s", b->len > 0 ? " " : "", middle);
	if (*last != '\0')
		buf_addf(b, "%s%s", b->len > 0 ? " " : "", last);
	return b->data != NULL ? b->data : "";
}

/* read_csv - the header line, then every row */
static void read_csv(struct import *im, const char *data, size_t len)
{
	struct pool *pool = im->req->pool;
	struct csv_limits limits = csv_limits_default;
	struct csv_reader *r;
	struct csv_record rec;
	enum column *cols;
	const char *error = NULL;
	enum csv_status st;
	bool known = false, job_title = false;
	size_t ncols;

	limits.max_records = AB_IMPORT_ENTRIES + 1;
	limits.max_field = 4 * AB_NOTES_MAX;
	if (csv_reader_new(pool, data, len, &limits, &r, &error) < 0) {
		im->error = "file_unreadable";
		return;
	}
	im->charset = csv_reader_charset(r);
	do {
		st = csv_read(r, &rec, &error);
	} while (st == CSV_BAD);
	if (st == CSV_END) {
		im->error = "file_empty";
		return;
	}
	ncols = rec.count;
	cols = p_new(pool, enum column, ncols);
	for (size_t i = 0; i < ncols; i++) {
		cols[i] = column_of(pool, csv_unguard(rec.fields[i]));
		known = known || cols[i] != COL_NONE;
		job_title = job_title || cols[i] == COL_JOB_TITLE;
	}
	if (!known) {
		im->error = "columns";
		return;
	}
	while ((st = csv_read(r, &rec, &error)) != CSV_END) {
		const char *first = "", *middle = "", *last = "", *name = "";
		const char *company = "", *dept = "", *title = "";
		struct buf *notes = buf_new_pool(pool, 0);
		struct entry e;
		bool empty = true;

		if (st == CSV_BAD) {
			bad_row(im, 0, NULL, NULL, error);
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.line = rec.line;
		for (size_t i = 0; i < rec.count && i < ncols; i++) {
			const char *v = csv_unguard(rec.fields[i]);

			if (*str_trim(p_strdup(pool, v)) == '\0')
				continue;
			if (cols[i] != COL_NONE)
				empty = false;
			switch (cols[i]) {
			case COL_NAME:
				name = v;
				break;
			case COL_FIRST:
				first = v;
				break;
			case COL_MIDDLE:
				middle = v;
				break;
			case COL_LAST:
				last = v;
				break;
			case COL_EMAIL:
				add_emails(pool, &e, v);
				break;
			case COL_PHONE:
				add_phones(pool, &e, v);
				break;
			case COL_COMPANY:
				company = v;
				break;
			case COL_DEPARTMENT:
				dept = v;
				break;
			case COL_JOB_TITLE:
				title = v;
				break;
			case COL_TITLE:
				/* Outlook's "Title" is Mr. or Ms. */
				if (!job_title)
					title = v;
				break;
			case COL_NOTES:
				buf_addf(notes, "%s%s", notes->len > 0 ?
					 "\n" : "", v);
				break;
			case COL_NONE:
				break;
			}
		}
		if (empty)
			continue;		/* a row of empty cells */
		if (*name == '\0')
			name = name_of(pool, str_trim(p_strdup(pool, first)),
				       str_trim(p_strdup(pool, middle)),
				       str_trim(p_strdup(pool, last)));
		e.name = set_text(pool, &e, name, AB_TEXT_MAX, false,
				  "name_bad");
		e.company = set_text(pool, &e, company, AB_TEXT_MAX, false,
				     "company_bad");
		e.department = set_text(pool, &e, dept, AB_TEXT_MAX, false,
					"department_bad");
		e.title = set_text(pool, &e, title, AB_TEXT_MAX, false,
				   "title_bad");
		e.notes = set_text(pool, &e, notes->data, AB_NOTES_MAX, true,
				   "notes_bad");
		take(im, &e);
	}
}

/* is_vcard - the file starts (after a byte order mark and white space)
 * with BEGIN:VCARD */
static bool is_vcard(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' ||
			   data[i] == '\r' || data[i] == '\n'))
		i++;
	return len - i >= 11 && strncasecmp(data + i, "BEGIN:VCARD", 11) == 0;
}

/* ==== import: preview and confirm ======================================= */

/* stage_tx - keep the good entries until they are confirmed; old
 * unconfirmed imports go */
static int stage_tx(void *arg)
{
	struct import *im = arg;
	struct pool *pool = im->req->pool;
	const char *params[4];
	PGresult *res;

	if (db_query(pool, "DELETE FROM domain_contact_imports"
		     " WHERE created_at < now() - interval '1 day'",
		     0, NULL) == NULL)
		return -1;
	params[0] = im->dom->id;
	params[1] = p_printf(pool, "%" PRId64,
			     im->req->session->principal.id);
	params[2] = im->filename;
	params[3] = p_printf(pool, "[%s]", im->json->data != NULL ?
			     im->json->data : "");
	res = db_query(pool, "INSERT INTO domain_contact_imports (domain_id,"
		       " admin_id, filename, entries) VALUES ($1::bigint,"
		       " $2::bigint, $3, $4::jsonb) RETURNING id", 4, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	im->id = p_strdup(pool, db_value(res, 0, 0));
	return 0;
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
	struct import im;

	memset(&im, 0, sizeof(im));
	im.req = req;
	im.dom = dom;
	im.json = buf_new_pool(req->pool, 0);
	im.charset = "UTF-8";
	im.filename = file->filename != NULL ? file->filename : "";
	if (file->value_len == 0)
		return import_refused(req, dom, "file_missing");
	if (file->value_len > AB_IMPORT_MAX)
		return import_refused(req, dom, "file_large");
	if (is_vcard(file->value, file->value_len) ||
	    str_ends(str_lower(p_strdup(req->pool, im.filename)), ".vcf")) {
		im.format = "vcard";
		read_vcards(&im, file->value, file->value_len);
	} else {
		im.format = "csv";
		read_csv(&im, file->value, file->value_len);
	}
	if (im.error != NULL)
		return import_refused(req, dom, im.error);
	if (im.n_good == 0 && im.n_bad == 0)
		return import_refused(req, dom, "file_empty");
	if (im.n_good > 0 && db_tx(stage_tx, &im) != 0)
		return dadm_unavailable(req);
	wcs_set(req->hdf, "Import.Id", im.id);
	wcs_set(req->hdf, "Import.Format", im.format);
	wcs_set(req->hdf, "Import.Charset", im.charset);
	wcs_set(req->hdf, "Import.Filename", im.filename);
	wcs_set_int(req->hdf, "Import.Count", (long)im.n_good);
	wcs_set_int(req->hdf, "Import.BadCount", im.n_bad);
	wcs_set_int(req->hdf, "Import.More", im.n_good > AB_PREVIEW_MAX ?
		    (long)(im.n_good - AB_PREVIEW_MAX) : 0);
	wcs_set_int(req->hdf, "Import.BadMore", im.n_bad > AB_PREVIEW_MAX ?
		    (long)(im.n_bad - AB_PREVIEW_MAX) : 0);
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
	const char *params[2] = { c->id, c->dom->id };
	PGresult *res;

	if (c->insert) {
		res = db_query(pool, "INSERT INTO domain_contacts (domain_id,"
			" name, emails, phones, company, department, title,"
			" notes) SELECT i.domain_id, x.e->>'name',"
			" ARRAY(SELECT jsonb_array_elements_text(x.e->'emails')),"
			" ARRAY(SELECT jsonb_array_elements_text(x.e->'phones')),"
			" x.e->>'company', x.e->>'department', x.e->>'title',"
			" x.e->>'notes' FROM domain_contact_imports i,"
			" jsonb_array_elements(i.entries) WITH ORDINALITY"
			" AS x(e, n) WHERE i.id = $1::bigint"
			" AND i.domain_id = $2::bigint ORDER BY x.n"
			" RETURNING id", 2, params);
		if (res == NULL)
			return -1;
		c->added = (unsigned int)db_ntuples(res);
	}
	res = db_query(pool, "DELETE FROM domain_contact_imports"
		       " WHERE id = $1::bigint AND domain_id = $2::bigint"
		       " RETURNING id", 2, params);
	if (res == NULL || db_ntuples(res) != 1)
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

/* lines_of - a value with one item a line as an array */
static size_t lines_of(struct pool *pool, const char *v, const char ***out_r)
{
	char *copy = p_strdup(pool, v != NULL ? v : "");
	char *save = NULL, *item;
	size_t n = 0;
	const char **out = p_new(pool, const char *, strlen(copy) / 2 + 1);

	for (item = strtok_r(copy, "\n", &save); item != NULL;
	     item = strtok_r(NULL, "\n", &save))
		out[n++] = item;
	*out_r = out;
	return n;
}

/* dadm_page_addressbook_export - GET /addressbook/export */
int dadm_page_addressbook_export(struct web_req *req)
{
	static const char *const header[] = { "Name", "E-mail Address",
					      "Phone", "Company", "Department",
					      "Job Title", "Notes" };
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
	if (!vcf) {
		csv_write_bom(out);
		csv_write_record(out, header, 7, CSV_GUARD_FORMULA);
	}
	for (int i = 0; i < n; i++) {
		struct vcard card;
		struct vcard_item *items;
		const char **emails, **phones;
		size_t ne, np;

		ne = lines_of(req->pool, db_value(res, i, ABOOK_COL_EMAILS),
			      &emails);
		np = lines_of(req->pool, db_value(res, i, ABOOK_COL_PHONES),
			      &phones);
		if (!vcf) {
			const char *row[7];

			/* several addresses or numbers share one cell */
			row[0] = db_value(res, i, ABOOK_COL_NAME);
			row[1] = joined_by(req->pool, emails, ne, "; ");
			row[2] = joined_by(req->pool, phones, np, "; ");
			row[3] = db_value(res, i, ABOOK_COL_COMPANY);
			row[4] = db_value(res, i, ABOOK_COL_DEPARTMENT);
			row[5] = db_value(res, i, ABOOK_COL_TITLE);
			row[6] = db_value(res, i, ABOOK_COL_NOTES);
			csv_write_record(out, row, 7, CSV_GUARD_FORMULA);
			continue;
		}
		memset(&card, 0, sizeof(card));
		card.name = db_value(res, i, ABOOK_COL_NAME);
		items = p_new(req->pool, struct vcard_item, ne + np + 1);
		for (size_t k = 0; k < ne; k++) {
			items[k].value = emails[k];
			items[k].type = "";
		}
		for (size_t k = 0; k < np; k++) {
			items[ne + k].value = phones[k];
			items[ne + k].type = "";
		}
		card.emails = items;
		card.n_emails = ne;
		card.phones = items + ne;
		card.n_phones = np;
		card.company = db_value(res, i, ABOOK_COL_COMPANY);
		card.department = db_value(res, i, ABOOK_COL_DEPARTMENT);
		card.title = db_value(res, i, ABOOK_COL_TITLE);
		card.notes = db_value(res, i, ABOOK_COL_NOTES);
		vcard_write(out, &card);
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
