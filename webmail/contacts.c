/*
 * contacts.c - the user's personal address book: contacts (a name,
 * addresses, phone numbers, company, notes), contact groups, importing
 * vCard and CSV files, exporting vCard 4.0 and CSV. The domain's book,
 * read-only, is /addressbook (addressbook.c); the two share a tab bar.
 *
 *   GET  /contacts          ?q=&sort=name|email|company&order=asc|desc
 *                           &page=&done=
 *   POST /contacts/new      name, emails, phones, company, notes
 *   GET  /contacts/edit     ?id=
 *   POST /contacts/edit     id and the fields of /new
 *   POST /contacts/delete   id
 *   GET  /contacts/group    ?id=   its members, adding, removing, renaming,
 *                                  deleting, and writing to them
 *   POST /contacts/groups   op=create (name), rename (id, name),
 *                           delete (id), add (id, contact),
 *                           remove (id, contact)
 *   POST /contacts/import   multipart/form-data: file  -> preview
 *                           import=ID, op=confirm|cancel
 *   GET  /contacts/export   ?format=vcf|csv
 *
 * A contact is checked as the domain's entries are (lib/abook-import.c):
 * a name or an address, valid addresses, bounded texts and lists. A
 * refused form is shown again with its message (422) and nothing is
 * written. Importing reads the upload with the same code as the domain
 * administrators' import, shows what will be added and the bad rows by
 * line, and keeps the good ones in contact_imports until the user
 * confirms. "Write to the group" opens the compose page with the
 * members' first addresses in To.
 *
 * SECURITY: every statement names the session's user next to the id the
 * browser sent, so another user's contact, group or import is not found
 * (404). Uploads are untrusted: see abook-import.h. CSV exports guard
 * against formula injection.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "abook-import.h"
#include "accounts.h"
#include "buf.h"
#include "db.h"
#include "log.h"
#include "mail.h"
#include "pool.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define CT_PAGE 50			/* contacts a page */
#define CT_QUERY_MAX 200		/* bytes of a search */
#define CT_CONTACTS_MAX 10000		/* contacts of one user */
#define CT_GROUPS_MAX 200		/* groups of one user */
#define CT_GROUP_NAME_MAX 100		/* characters */
#define CT_CHOICES_MAX 1000		/* contacts offered for a group */
#define CT_COMPOSE_MAX 20000		/* bytes of To that compose takes */

/* the done=KEY notices of the list */
static const char *const ct_done_keys[] = {
	"added", "saved", "deleted", "imported", "cancelled",
	"group_created", "group_deleted",
};

/* ---- helpers ------------------------------------------------------------ */

static const char *user_id(struct web_req *req)
{
	return p_printf(req->pool, "%" PRId64, req->session->principal.id);
}

static int unavailable(struct web_req *req)
{
	log_error("event=webmail_db_error path=%s error=%s",
		  log_quote(req->path), log_quote(db_error()));
	return web_fail(req, 503, "unavailable");
}

/* id_arg - a positive decimal id from form, or NULL */
static const char *id_arg(struct web_req *req, const struct form *form,
			  const char *name)
{
	const char *v = form_get(form, name);
	uint64_t n;

	if (v == NULL || str_to_u64(v, &n) < 0 || n == 0 || n > INT64_MAX)
		return NULL;
	return p_printf(req->pool, "%" PRIu64, n);
}

/* set_lines - the lines of v as name.0, name.1, ... */
static void set_lines(struct web_req *req, const char *name, const char *v)
{
	abook_set_lines(req->pool, req->hdf, name, v);
}

/* form_refused - the message of a refused form: Lang.addressbook.err.*
 * for an entry, Lang.contacts.err.* for the rest */
static void form_refused(struct web_req *req, const char *form,
			 const char *key, const char *bad)
{
	wcs_set(req->hdf, "Page.FormError", key);
	wcs_set(req->hdf, "Page.FormErrorAt", form);
	if (bad != NULL)
		wcs_set(req->hdf, "Form.Bad", bad);
}

/* count_of - the user's contacts or groups; -1 on a database error */
static int count_of(struct web_req *req, bool groups, unsigned int *n_r)
{
	const char *params[1] = { user_id(req) };
	PGresult *res;

	res = db_query(req->pool, groups ?
		       "SELECT count(*) FROM contact_groups"
		       " WHERE user_id = $1::bigint" :
		       "SELECT count(*) FROM contacts"
		       " WHERE user_id = $1::bigint", 1, params);
	if (res == NULL || str_to_uint(db_value(res, 0, 0), n_r) < 0)
		return -1;
	return 0;
}

/* ---- the list ----------------------------------------------------------- */

/* $1 user, $2 search */
#define CT_FROM \
	" FROM contacts c WHERE c.user_id = $1::bigint" \
	" AND ($2 = '' OR strpos(lower(c.name), lower($2)) > 0" \
	"  OR strpos(lower(array_to_string(c.emails, ' ')), lower($2)) > 0" \
	"  OR strpos(array_to_string(c.phones, ' '), $2) > 0" \
	"  OR strpos(lower(c.company), lower($2)) > 0)"
#define CT_LIST(order) \
	"SELECT c.id, c.name, array_to_string(c.emails, E'\\n')," \
	" array_to_string(c.phones, E'\\n'), c.company, c.notes," \
	" (SELECT string_agg(g.name, E'\\n' ORDER BY lower(g.name))" \
	"  FROM contact_group_members m JOIN contact_groups g" \
	"  ON g.id = m.group_id WHERE m.contact_id = c.id)" \
	CT_FROM " ORDER BY " order ", c.id LIMIT $3::integer" \
	" OFFSET $4::integer"
/* a contact without a name sorts by its address */
#define CT_NAME "lower(COALESCE(NULLIF(c.name, ''), c.emails[1], ''))"
#define CT_EMAIL "lower(COALESCE(c.emails[1], ''))"
/* empty values last either way */
#define CT_BY(col, dir) "(" col " = '') ASC, " col " " dir

static const struct {
	const char *key;
	const char *asc, *desc;
} ct_sorts[] = {
	{ "name", CT_LIST(CT_BY(CT_NAME, "ASC")),
	  CT_LIST(CT_BY(CT_NAME, "DESC")) },
	{ "email", CT_LIST(CT_BY(CT_EMAIL, "ASC") ", " CT_NAME),
	  CT_LIST(CT_BY(CT_EMAIL, "DESC") ", " CT_NAME) },
	{ "company", CT_LIST(CT_BY("lower(c.company)", "ASC") ", " CT_NAME),
	  CT_LIST(CT_BY("lower(c.company)", "DESC") ", " CT_NAME) },
};

/* set_groups - Groups.N.{Id,Name,Count}: the user's groups */
static int set_groups(struct web_req *req)
{
	const char *params[1] = { user_id(req) };
	PGresult *res;

	res = db_query(req->pool, "SELECT g.id, g.name, (SELECT count(*)"
		       " FROM contact_group_members m WHERE m.group_id = g.id)"
		       " FROM contact_groups g WHERE g.user_id = $1::bigint"
		       " ORDER BY lower(g.name), g.id", 1, params);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		static const char *const cols[] = {
			"Id", "Name", "Count", NULL
		};

		wcs_set_row(req->hdf, req->pool,
			    p_printf(req->pool, "Groups.%d", i), res, i, cols);
	}
	return 0;
}

/* list_show - the list page; a form's message is already in Page.* */
static int list_show(struct web_req *req, int status)
{
	const char *q = form_get(&req->query, "q");
	const char *pg = form_get(&req->query, "page");
	const char *sort = form_get(&req->query, "sort");
	const char *order = form_get(&req->query, "order");
	const char *done = form_get(&req->query, "done");
	const char *params[4];
	unsigned int page = 1, pages, total;
	size_t si = 0;
	bool desc = order != NULL && strcmp(order, "desc") == 0;
	PGresult *res;

	if (q == NULL || strlen(q) > CT_QUERY_MAX)
		q = "";
	if (pg != NULL && (str_to_uint(pg, &page) < 0 || page == 0))
		page = 1;
	for (size_t i = 0; sort != NULL &&
	     i < sizeof(ct_sorts) / sizeof(ct_sorts[0]); i++)
		if (strcmp(sort, ct_sorts[i].key) == 0)
			si = i;
	params[0] = user_id(req);
	params[1] = q;
	res = db_query(req->pool, "SELECT count(*)" CT_FROM, 2, params);
	if (res == NULL || str_to_uint(db_value(res, 0, 0), &total) < 0)
		return unavailable(req);
	pages = wcs_pages(total, CT_PAGE, &page);
	params[2] = p_printf(req->pool, "%u", CT_PAGE);
	params[3] = p_printf(req->pool, "%u", (page - 1) * CT_PAGE);
	res = db_query(req->pool, desc ? ct_sorts[si].desc : ct_sorts[si].asc,
		       4, params);
	if (res == NULL || set_groups(req) < 0)
		return unavailable(req);
	for (int i = 0; i < db_ntuples(res); i++) {
		/* the lists (columns 2, 3 and 6) go one a line */
		static const char *const cols[] = {
			"Id", "Name", "", "", "Company", "Notes", NULL
		};
		const char *pre = p_printf(req->pool, "Contacts.%d", i);

		wcs_set_row(req->hdf, req->pool, pre, res, i, cols);
		set_lines(req, p_printf(req->pool, "%s.Emails", pre),
			  db_value(res, i, 2));
		set_lines(req, p_printf(req->pool, "%s.Phones", pre),
			  db_value(res, i, 3));
		set_lines(req, p_printf(req->pool, "%s.Groups", pre),
			  db_value(res, i, 6));
	}
	wcs_set(req->hdf, "List.Q", q);
	wcs_set(req->hdf, "List.QEnc", url_encode(req->pool, q));
	wcs_set(req->hdf, "List.Sort", ct_sorts[si].key);
	wcs_set(req->hdf, "List.Order", desc ? "desc" : "asc");
	wcs_set_pages(req->hdf, page, pages, total);
	for (size_t i = 0; done != NULL &&
	     i < sizeof(ct_done_keys) / sizeof(ct_done_keys[0]); i++)
		if (strcmp(done, ct_done_keys[i]) == 0)
			wcs_set(req->hdf, "Page.Done", done);
	return web_render(req, status, "contacts.cs");
}

/* wm_page_contacts - GET /contacts */
int wm_page_contacts(struct web_req *req)
{
	return list_show(req, 200);
}

/* ---- add, edit, delete -------------------------------------------------- */

/* contact_params - the contact as parameters $2..$6 */
static void contact_params(struct web_req *req, const struct abook_entry *e,
			   const char **params)
{
	params[0] = user_id(req);
	params[1] = e->name;
	params[2] = abook_joined(req->pool, e->emails, e->n_emails, "\n");
	params[3] = abook_joined(req->pool, e->phones, e->n_phones, "\n");
	params[4] = e->company;
	params[5] = e->notes;
}

/* wm_action_contact_new - POST /contacts/new */
int wm_action_contact_new(struct web_req *req)
{
	struct abook_entry e;
	const char *params[6];
	unsigned int n;
	PGresult *res;

	abook_entry_from_form(req->pool, req->hdf, &req->post, &e);
	if (e.error != NULL) {
		form_refused(req, "add", e.error, e.bad);
		return list_show(req, 422);
	}
	if (count_of(req, false, &n) < 0)
		return unavailable(req);
	if (n >= CT_CONTACTS_MAX) {
		form_refused(req, "add", "contacts_many", NULL);
		return list_show(req, 422);
	}
	contact_params(req, &e, params);
	res = db_query(req->pool, "INSERT INTO contacts (user_id, name, emails,"
		       " phones, company, notes) VALUES ($1::bigint, $2,"
		       " string_to_array($3, E'\\n'),"
		       " string_to_array($4, E'\\n'), $5, $6) RETURNING id",
		       6, params);
	if (res == NULL || db_ntuples(res) != 1)
		return unavailable(req);
	log_info("event=webmail_contact_add user=%s id=%s",
		 log_quote(req->session->principal.login), db_value(res, 0, 0));
	return web_redirect(req, "/contacts?done=added");
}

/* contact_of - the user's contact named by the form's id; NULL when the
 * response is made (404, 503) */
static PGresult *contact_of(struct web_req *req, const struct form *form)
{
	const char *params[2] = { id_arg(req, form, "id"), user_id(req) };
	PGresult *res;

	if (params[0] == NULL) {
		web_fail(req, 404, "not_found");
		return NULL;
	}
	res = db_query(req->pool, "SELECT id, name,"
		       " array_to_string(emails, E'\\n'),"
		       " array_to_string(phones, E'\\n'), company, notes"
		       " FROM contacts WHERE id = $1::bigint"
		       " AND user_id = $2::bigint", 2, params);
	if (res == NULL) {
		unavailable(req);
		return NULL;
	}
	if (db_ntuples(res) != 1) {
		web_fail(req, 404, "not_found");
		return NULL;
	}
	return res;
}

/* edit_show - the edit page of contact res (the form's values are taken
 * from it unless a refused form set them) */
static int edit_show(struct web_req *req, PGresult *res, int status)
{
	static const char *const names[] = { "id", "name", "emails", "phones",
					     "company", "notes" };
	const char *params[2] = { db_value(res, 0, 0), user_id(req) };
	PGresult *groups;

	wcs_set(req->hdf, "Contact.Id", db_value(res, 0, 0));
	wcs_set(req->hdf, "Contact.Name", db_value(res, 0, 1));
	if (status == 200)
		for (int i = 1; i < 6; i++)
			wcs_set(req->hdf, p_printf(req->pool, "Form.%s",
						   names[i]),
				db_value(res, 0, i));
	groups = db_query(req->pool, "SELECT g.id, g.name FROM contact_groups g"
			  " JOIN contact_group_members m ON m.group_id = g.id"
			  " WHERE m.contact_id = $1::bigint"
			  " AND g.user_id = $2::bigint"
			  " ORDER BY lower(g.name), g.id", 2, params);
	if (groups == NULL)
		return unavailable(req);
	for (int i = 0; i < db_ntuples(groups); i++) {
		wcs_set(req->hdf, p_printf(req->pool,
					   "Contact.Groups.%d.Id", i),
			db_value(groups, i, 0));
		wcs_set(req->hdf, p_printf(req->pool,
					   "Contact.Groups.%d.Name", i),
			db_value(groups, i, 1));
	}
	return web_render(req, status, "contact-edit.cs");
}

/* wm_page_contact_edit - GET /contacts/edit */
int wm_page_contact_edit(struct web_req *req)
{
	PGresult *res = contact_of(req, &req->query);

	if (res == NULL)
		return 0;
	return edit_show(req, res, 200);
}

/* wm_action_contact_edit - POST /contacts/edit */
int wm_action_contact_edit(struct web_req *req)
{
	PGresult *res = contact_of(req, &req->post);
	struct abook_entry e;
	const char *params[7];

	if (res == NULL)
		return 0;
	abook_entry_from_form(req->pool, req->hdf, &req->post, &e);
	if (e.error != NULL) {
		form_refused(req, "edit", e.error, e.bad);
		return edit_show(req, res, 422);
	}
	contact_params(req, &e, params);
	params[6] = db_value(res, 0, 0);
	res = db_query(req->pool, "UPDATE contacts SET name = $2,"
		       " emails = string_to_array($3, E'\\n'),"
		       " phones = string_to_array($4, E'\\n'), company = $5,"
		       " notes = $6, updated_at = now()"
		       " WHERE id = $7::bigint AND user_id = $1::bigint"
		       " RETURNING id", 7, params);
	if (res == NULL)
		return unavailable(req);
	if (db_ntuples(res) != 1)
		return web_fail(req, 404, "not_found");
	return web_redirect(req, "/contacts?done=saved");
}

/* wm_action_contact_delete - POST /contacts/delete */
int wm_action_contact_delete(struct web_req *req)
{
	const char *params[2] = { id_arg(req, &req->post, "id"),
				  user_id(req) };
	PGresult *res;

	if (params[0] == NULL)
		return web_fail(req, 404, "not_found");
	res = db_query(req->pool, "DELETE FROM contacts WHERE id = $1::bigint"
		       " AND user_id = $2::bigint RETURNING id", 2, params);
	if (res == NULL)
		return unavailable(req);
	if (db_ntuples(res) != 1)
		return web_fail(req, 404, "not_found");
	return web_redirect(req, "/contacts?done=deleted");
}

/* ---- groups ------------------------------------------------------------- */

/* group_of - the user's group id (NULL: none given); NULL when the
 * response is made (404, 503) */
static PGresult *group_of(struct web_req *req, const char *id)
{
	const char *params[2] = { id, user_id(req) };
	PGresult *res;

	if (id == NULL) {
		web_fail(req, 404, "not_found");
		return NULL;
	}
	res = db_query(req->pool, "SELECT id, name FROM contact_groups"
		       " WHERE id = $1::bigint AND user_id = $2::bigint", 2,
		       params);
	if (res == NULL) {
		unavailable(req);
		return NULL;
	}
	if (db_ntuples(res) != 1) {
		web_fail(req, 404, "not_found");
		return NULL;
	}
	return res;
}

/* group_name - a group name from the form, trimmed; NULL when it is not
 * one (empty, too long, control characters) */
static const char *group_name(struct web_req *req)
{
	const char *v = form_get(&req->post, "name");
	char *name;

	if (v == NULL)
		return NULL;
	wcs_set(req->hdf, "Form.group", v);
	name = str_trim(p_strdup(req->pool, v));
	if (*name == '\0' || !str_text_sane(name, 4 * CT_GROUP_NAME_MAX) ||
	    acct_utf8_chars(name) > CT_GROUP_NAME_MAX)
		return NULL;
	return name;
}

/* group_show - the page of group res */
static int group_show(struct web_req *req, PGresult *grp, int status)
{
	const char *params[3] = { db_value(grp, 0, 0), user_id(req),
				  p_printf(req->pool, "%u", CT_CHOICES_MAX) };
	const char *to, *done = form_get(&req->query, "done");
	PGresult *res;
	int n;

	wcs_set(req->hdf, "Group.Id", db_value(grp, 0, 0));
	wcs_set(req->hdf, "Group.Name", db_value(grp, 0, 1));
	if (hdf_get_value(req->hdf, "Form.group", NULL) == NULL)
		wcs_set(req->hdf, "Form.group", db_value(grp, 0, 1));
	res = db_query(req->pool, "SELECT c.id, c.name,"
		       " array_to_string(c.emails, E'\\n'), c.company"
		       " FROM contacts c JOIN contact_group_members m"
		       " ON m.contact_id = c.id WHERE m.group_id = $1::bigint"
		       " AND c.user_id = $2::bigint ORDER BY "
		       CT_NAME ", c.id", 2, params);
	if (res == NULL)
		return unavailable(req);
	n = db_ntuples(res);
	for (int i = 0; i < n; i++) {
		static const char *const cols[] = {
			"Id", "Name", "", "Company", NULL
		};
		const char *pre = p_printf(req->pool, "Members.%d", i);

		wcs_set_row(req->hdf, req->pool, pre, res, i, cols);
		set_lines(req, p_printf(req->pool, "%s.Emails", pre),
			  db_value(res, i, 2));
	}
	wcs_set_int(req->hdf, "Group.Count", n);
	/* writing to the group: each member's first address, once */
	res = db_query(req->pool, "SELECT COALESCE(string_agg(e, ','"
		       " ORDER BY e), '') FROM"
		       " (SELECT DISTINCT c.emails[1] AS e"
		       " FROM contacts c JOIN contact_group_members m"
		       " ON m.contact_id = c.id WHERE m.group_id = $1::bigint"
		       " AND c.user_id = $2::bigint"
		       " AND cardinality(c.emails) > 0) s", 2, params);
	if (res == NULL)
		return unavailable(req);
	to = db_value(res, 0, 0);
	/* compose takes a To of up to CT_COMPOSE_MAX bytes */
	if (*to != '\0' && strlen(to) <= CT_COMPOSE_MAX)
		wcs_set(req->hdf, "Group.ToEnc", url_encode(req->pool, to));
	else if (*to != '\0')
		wcs_set(req->hdf, "Group.TooMany", "1");
	res = db_query(req->pool, "SELECT c.id, c.name,"
		       " COALESCE(c.emails[1], '') FROM contacts c"
		       " WHERE c.user_id = $2::bigint AND NOT EXISTS"
		       " (SELECT 1 FROM contact_group_members m"
		       "  WHERE m.group_id = $1::bigint"
		       "  AND m.contact_id = c.id)"
		       " ORDER BY " CT_NAME ", c.id LIMIT $3::integer", 3,
		       params);
	if (res == NULL)
		return unavailable(req);
	for (int i = 0; i < db_ntuples(res); i++) {
		static const char *const cols[] = {
			"Id", "Name", "Email", NULL
		};

		wcs_set_row(req->hdf, req->pool,
			    p_printf(req->pool, "Choices.%d", i), res, i, cols);
	}
	if (done != NULL && (strcmp(done, "created") == 0 ||
			     strcmp(done, "renamed") == 0 ||
			     strcmp(done, "added") == 0 ||
			     strcmp(done, "removed") == 0))
		wcs_set(req->hdf, "Page.Done", done);
	return web_render(req, status, "contact-group.cs");
}

/* wm_page_contact_group - GET /contacts/group */
int wm_page_contact_group(struct web_req *req)
{
	PGresult *grp = group_of(req, id_arg(req, &req->query, "id"));

	if (grp == NULL)
		return 0;
	return group_show(req, grp, 200);
}

/* group_create - op=create */
static int group_create(struct web_req *req)
{
	const char *name = group_name(req);
	const char *params[2];
	unsigned int n;
	PGresult *res;

	if (name == NULL) {
		form_refused(req, "group", "group_name", NULL);
		return list_show(req, 422);
	}
	if (count_of(req, true, &n) < 0)
		return unavailable(req);
	if (n >= CT_GROUPS_MAX) {
		form_refused(req, "group", "groups_many", NULL);
		return list_show(req, 422);
	}
	params[0] = user_id(req);
	params[1] = name;
	res = db_query(req->pool, "INSERT INTO contact_groups (user_id, name)"
		       " VALUES ($1::bigint, $2)"
		       " ON CONFLICT (user_id, name) DO NOTHING RETURNING id",
		       2, params);
	if (res == NULL)
		return unavailable(req);
	if (db_ntuples(res) != 1) {
		form_refused(req, "group", "group_exists", NULL);
		return list_show(req, 422);
	}
	return web_redirect(req, p_printf(req->pool,
		"/contacts/group?id=%s&done=created", db_value(res, 0, 0)));
}

/* wm_action_contact_groups - POST /contacts/groups */
int wm_action_contact_groups(struct web_req *req)
{
	const char *op = form_get(&req->post, "op");
	const char *params[3];
	const char *back;
	PGresult *grp, *res;

	if (op == NULL)
		return web_fail(req, 400, "bad_request");
	if (strcmp(op, "create") == 0)
		return group_create(req);
	if (strcmp(op, "rename") != 0 && strcmp(op, "delete") != 0 &&
	    strcmp(op, "add") != 0 && strcmp(op, "remove") != 0)
		return web_fail(req, 400, "bad_request");
	grp = group_of(req, id_arg(req, &req->post, "id"));
	if (grp == NULL)
		return 0;
	params[0] = db_value(grp, 0, 0);
	params[1] = user_id(req);
	back = p_printf(req->pool, "/contacts/group?id=%s", params[0]);
	if (strcmp(op, "delete") == 0) {
		if (db_query(req->pool, "DELETE FROM contact_groups"
			     " WHERE id = $1::bigint AND user_id = $2::bigint",
			     2, params) == NULL)
			return unavailable(req);
		return web_redirect(req, "/contacts?done=group_deleted");
	}
	if (strcmp(op, "rename") == 0) {
		params[2] = group_name(req);
		if (params[2] == NULL) {
			form_refused(req, "rename", "group_name", NULL);
			return group_show(req, grp, 422);
		}
		res = db_query(req->pool, "UPDATE contact_groups SET name = $3"
			       " WHERE id = $1::bigint AND user_id = $2::bigint"
			       " AND NOT EXISTS (SELECT 1 FROM contact_groups"
			       "  WHERE user_id = $2::bigint AND name = $3"
			       "  AND id <> $1::bigint) RETURNING id", 3,
			       params);
		if (res == NULL)
			return unavailable(req);
		if (db_ntuples(res) != 1) {
			form_refused(req, "rename", "group_exists", NULL);
			return group_show(req, grp, 422);
		}
		return web_redirect(req, p_printf(req->pool, "%s&done=renamed",
						  back));
	}
	/* add, remove: the contact must be the user's too */
	params[2] = id_arg(req, &req->post, "contact");
	if (params[2] == NULL)
		return web_fail(req, 404, "not_found");
	if (strcmp(op, "add") == 0)
		res = db_query(req->pool, "INSERT INTO contact_group_members"
			       " (group_id, contact_id) SELECT $1::bigint, c.id"
			       " FROM contacts c WHERE c.id = $3::bigint"
			       " AND c.user_id = $2::bigint"
			       " ON CONFLICT DO NOTHING RETURNING contact_id",
			       3, params);
	else
		res = db_query(req->pool, "DELETE FROM contact_group_members m"
			       " USING contacts c WHERE m.group_id = $1::bigint"
			       " AND m.contact_id = $3::bigint"
			       " AND c.id = m.contact_id"
			       " AND c.user_id = $2::bigint"
			       " RETURNING m.contact_id",
			       3, params);
	if (res == NULL)
		return unavailable(req);
	if (db_ntuples(res) != 1) {
		/* already a member is no error; another user's contact is */
		const char *check[2] = { params[2], params[1] };
		PGresult *mine = db_query(req->pool, "SELECT 1 FROM contacts"
					  " WHERE id = $1::bigint"
					  " AND user_id = $2::bigint", 2,
					  check);

		if (mine == NULL)
			return unavailable(req);
		if (db_ntuples(mine) != 1)
			return web_fail(req, 404, "not_found");
	}
	return web_redirect(req, p_printf(req->pool, "%s&done=%s", back,
					  strcmp(op, "add") == 0 ? "added" :
					  "removed"));
}

/* ---- import ------------------------------------------------------------- */

struct staging {
	struct web_req *req;
	struct abook_import im;
	const char *id;
	bool insert;
	unsigned int added;
};

/* stage_tx - keep the good entries until they are confirmed */
static int stage_tx(void *arg)
{
	struct staging *s = arg;
	const char *me = user_id(s->req);

	return abook_stage(s->req->pool, ABOOK_USER, me, me, &s->im);
}

/* unstage_tx - the staged entries into the book, or dropped */
static int unstage_tx(void *arg)
{
	struct staging *s = arg;

	return abook_unstage(s->req->pool, ABOOK_USER, user_id(s->req), s->id,
			     s->insert, &s->added);
}

/* import_refused - the list page with the import form's message */
static int import_refused(struct web_req *req, const char *key)
{
	form_refused(req, "import", key, NULL);
	return list_show(req, 422);
}

/* wm_action_contact_import - POST /contacts/import: an upload (the
 * preview), or the confirmation of one */
int wm_action_contact_import(struct web_req *req)
{
	const char *op = form_get(&req->post, "op");
	struct staging s;
	const char *key, *params[2];
	unsigned int n;
	PGresult *res;

	memset(&s, 0, sizeof(s));
	s.req = req;
	if (op == NULL) {
		if (abook_import_read(req->pool, req->hdf,
				      form_get_field(&req->post, "file"),
				      &s.im, &key) < 0)
			return import_refused(req, key);
		if (count_of(req, false, &n) < 0)
			return unavailable(req);
		if (n + s.im.n_good > CT_CONTACTS_MAX)
			return import_refused(req, "contacts_many");
		if (s.im.n_good > 0 && db_tx(stage_tx, &s) != 0)
			return unavailable(req);
		wcs_set(req->hdf, "Import.Id", s.im.id);
		return web_render(req, 200, "contacts-import.cs");
	}
	if (strcmp(op, "confirm") != 0 && strcmp(op, "cancel") != 0)
		return web_fail(req, 400, "bad_request");
	params[0] = id_arg(req, &req->post, "import");
	params[1] = user_id(req);
	if (params[0] == NULL)
		return web_fail(req, 404, "not_found");
	res = db_query(req->pool, "SELECT id FROM contact_imports"
		       " WHERE id = $1::bigint AND user_id = $2::bigint", 2,
		       params);
	if (res == NULL)
		return unavailable(req);
	if (db_ntuples(res) != 1)
		return web_fail(req, 404, "not_found");
	s.id = params[0];
	s.insert = strcmp(op, "confirm") == 0;
	if (db_tx(unstage_tx, &s) != 0)
		return unavailable(req);
	if (s.insert)
		log_info("event=webmail_contact_import user=%s added=%u",
			 log_quote(req->session->principal.login), s.added);
	return web_redirect(req, s.insert ? "/contacts?done=imported" :
			    "/contacts?done=cancelled");
}

/* ---- export ------------------------------------------------------------- */

/* wm_page_contact_export - GET /contacts/export */
int wm_page_contact_export(struct web_req *req)
{
	const char *format = form_get(&req->query, "format");
	const char *params[4];
	struct buf *out;
	bool vcf;
	PGresult *res;

	if (format == NULL || (strcmp(format, "vcf") != 0 &&
			       strcmp(format, "csv") != 0))
		return web_fail(req, 400, "bad_request");
	vcf = strcmp(format, "vcf") == 0;
	params[0] = user_id(req);
	params[1] = "";
	params[2] = p_printf(req->pool, "%u", CT_CONTACTS_MAX);
	params[3] = "0";
	res = db_query(req->pool, ct_sorts[0].asc, 4, params);
	if (res == NULL)
		return unavailable(req);
	out = buf_new_pool(req->pool, 0);
	if (!vcf)
		abook_export_csv_header(out, false);
	for (int i = 0; i < db_ntuples(res); i++) {
		if (vcf)
			abook_export_vcard(req->pool, out, db_value(res, i, 1),
					   db_value(res, i, 2),
					   db_value(res, i, 3),
					   db_value(res, i, 4), "", "",
					   db_value(res, i, 5));
		else
			abook_export_csv_row(req->pool, out, false,
					     db_value(res, i, 1),
					     db_value(res, i, 2),
					     db_value(res, i, 3),
					     db_value(res, i, 4), "", "",
					     db_value(res, i, 5));
	}
	req->status = 200;
	req->content_type = vcf ? "text/vcard; charset=utf-8" :
		"text/csv; charset=utf-8";
	web_header_add(req, "Content-Disposition", p_printf(req->pool,
		"attachment; filename=\"contacts.%s\"", format));
	if (out->len > 0 && buf_append(req->body, out->data, out->len) < 0)
		return web_fail(req, 413, "too_large");
	return 0;
}
