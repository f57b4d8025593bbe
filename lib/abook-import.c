/*
 * abook-import.c - checking address book entries, reading uploaded
 * vCard and CSV files into them, staging imports until they are
 * confirmed, and writing exports (see abook-import.h).
 *
 * Both books keep one entry as a row with text arrays for the addresses
 * and numbers; here an entry is a struct abook_entry, whose lists are
 * passed to SQL one item a line (string_to_array(, E'\n')) and staged as
 * JSON. The SQL of each book is a fixed text chosen from a table, never
 * built from the request.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "abook-import.h"
#include "accounts.h"
#include "buf.h"
#include "csv.h"
#include "db.h"
#include "pool.h"
#include "vcard.h"
#include "web-cs.h"
#include "web-form.h"

/* ==== one entry ========================================================= */

/* refuse - the first problem of the entry */
static void refuse(struct abook_entry *e, const char *key, const char *bad)
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
static const char *set_text(struct pool *pool, struct abook_entry *e,
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
static void add_emails(struct pool *pool, struct abook_entry *e,
		       const char *list)
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
		if (e->n_emails >= ABOOK_ITEMS_MAX) {
			refuse(e, "emails_many", NULL);
			return;
		}
		e->emails[e->n_emails++] = address;
	}
}

/* add_phones - the numbers in list (one a line, or separated by commas
 * or semicolons) */
static void add_phones(struct pool *pool, struct abook_entry *e,
		       const char *list)
{
	char *copy = p_strdup(pool, list != NULL ? list : "");
	char *save = NULL, *item;

	for (item = strtok_r(copy, ",;\r\n", &save); item != NULL;
	     item = strtok_r(NULL, ",;\r\n", &save)) {
		item = str_trim(item);
		if (*item == '\0')
			continue;
		if (!text_ok(item, ABOOK_PHONE_MAX, false)) {
			refuse(e, "phone_bad", NULL);
			continue;
		}
		if (e->n_phones >= ABOOK_ITEMS_MAX) {
			refuse(e, "phones_many", NULL);
			return;
		}
		e->phones[e->n_phones++] = item;
	}
}

/* finish - the rule for the whole entry: a name or an address */
static void finish(struct abook_entry *e)
{
	if (*e->name == '\0' && e->n_emails == 0)
		refuse(e, "empty", NULL);
}

const char *abook_joined(struct pool *pool, const char *const *items,
			 size_t n, const char *sep)
{
	struct buf *b = buf_new_pool(pool, 0);

	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%s%s", i > 0 ? sep : "", items[i]);
	return b->data != NULL ? b->data : "";
}

size_t abook_lines(struct pool *pool, const char *v, const char ***items_r)
{
	char *copy = p_strdup(pool, v != NULL ? v : "");
	char *save = NULL, *item;
	size_t n = 0;
	const char **out = p_new(pool, const char *, strlen(copy) / 2 + 1);

	for (item = strtok_r(copy, "\n", &save); item != NULL;
	     item = strtok_r(NULL, "\n", &save))
		out[n++] = item;
	*items_r = out;
	return n;
}

void abook_set_lines(struct pool *pool, HDF *hdf, const char *name,
		     const char *v)
{
	const char **items;
	size_t n = abook_lines(pool, v, &items);

	for (size_t i = 0; i < n; i++)
		wcs_set(hdf, p_printf(pool, "%s.%zu", name, i), items[i]);
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

const char *abook_entry_json(struct pool *pool, const struct abook_entry *e)
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

const char *abook_entry_label(const struct abook_entry *e)
{
	return *e->name != '\0' ? e->name :
		e->n_emails > 0 ? e->emails[0] : "";
}

void abook_entry_from_form(struct pool *pool, HDF *hdf,
			   const struct form *form, struct abook_entry *e)
{
	const char *const fields[] = { "name", "emails", "phones", "company",
				       "department", "title", "notes" };

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		wcs_set(hdf, p_printf(pool, "Form.%s", fields[i]),
			form_get(form, fields[i]));
	e->name = set_text(pool, e, form_get(form, "name"), ABOOK_TEXT_MAX,
			   false, "name_bad");
	add_emails(pool, e, form_get(form, "emails"));
	add_phones(pool, e, form_get(form, "phones"));
	e->company = set_text(pool, e, form_get(form, "company"),
			      ABOOK_TEXT_MAX, false, "company_bad");
	e->department = set_text(pool, e, form_get(form, "department"),
				 ABOOK_TEXT_MAX, false, "department_bad");
	e->title = set_text(pool, e, form_get(form, "title"), ABOOK_TEXT_MAX,
			    false, "title_bad");
	e->notes = set_text(pool, e, form_get(form, "notes"), ABOOK_NOTES_MAX,
			    true, "notes_bad");
	finish(e);
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
} headers[] = {
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

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (strcmp(h, headers[i].name) == 0)
			return headers[i].col;
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

/* one upload being read */
struct reading {
	struct pool *pool;
	HDF *hdf;
	struct abook_import *im;
	const char *error;		/* the file as a whole: err key */
};

void import_bad_row(struct pool *pool, HDF *hdf, unsigned int index,
		    unsigned int max, unsigned int line, const char *key,
		    const char *bad, unsigned int other, const char *text)
{
	const char *pre;
	unsigned int n;
	int used = 0;

	if (text != NULL && sscanf(text, "line %u: %n", &n, &used) == 1 &&
	    used > 0) {
		line = n;
		text += used;
	}
	if (index >= max)
		return;
	pre = p_printf(pool, "Import.Bad.%u.", index);
	wcs_set_int(hdf, p_printf(pool, "%sLine", pre), line);
	wcs_set(hdf, p_printf(pool, "%sKey", pre), key);
	if (bad != NULL && *bad != '\0')
		wcs_set(hdf, p_printf(pool, "%sBad", pre), bad);
	if (other > 0)
		wcs_set_int(hdf, p_printf(pool, "%sOther", pre), other);
	wcs_set(hdf, p_printf(pool, "%sText", pre), text);
}

/* bad_row - a row that is not imported */
static void bad_row(struct reading *rd, unsigned int line, const char *key,
		    const char *bad, const char *text)
{
	import_bad_row(rd->pool, rd->hdf, rd->im->n_bad++, ABOOK_PREVIEW_MAX,
		       line, key, bad, 0, text);
}

/* take - an entry read from the file: checked, then kept or reported */
static void take(struct reading *rd, struct abook_entry *e)
{
	struct abook_import *im = rd->im;
	struct pool *pool = rd->pool;
	const char *pre;

	finish(e);
	if (e->error != NULL) {
		bad_row(rd, e->line, e->error, e->bad, NULL);
		return;
	}
	if (im->n_good >= ABOOK_IMPORT_ENTRIES) {
		bad_row(rd, e->line, "import_many", NULL, NULL);
		return;
	}
	if (im->n_good < ABOOK_PREVIEW_MAX) {
		pre = p_printf(pool, "Import.Rows.%zu.", im->n_good);
		wcs_set_int(rd->hdf, p_printf(pool, "%sLine", pre), e->line);
		wcs_set(rd->hdf, p_printf(pool, "%sName", pre), e->name);
		wcs_set(rd->hdf, p_printf(pool, "%sEmails", pre),
			abook_joined(pool, e->emails, e->n_emails, "\n"));
		wcs_set(rd->hdf, p_printf(pool, "%sPhones", pre),
			abook_joined(pool, e->phones, e->n_phones, "\n"));
		wcs_set(rd->hdf, p_printf(pool, "%sCompany", pre),
			e->company);
		wcs_set(rd->hdf, p_printf(pool, "%sDepartment", pre),
			e->department);
		wcs_set(rd->hdf, p_printf(pool, "%sTitle", pre), e->title);
	}
	buf_addf(im->json, "%s%s", im->n_good > 0 ? "," : "",
		 abook_entry_json(pool, e));
	im->n_good++;
}

/* read_vcards - every card of the file */
static void read_vcards(struct reading *rd, const char *data, size_t len)
{
	struct pool *pool = rd->pool;
	struct vcard_limits limits = vcard_limits_default;
	struct vcard_reader *r;
	struct vcard *card;
	const char *error = NULL;
	enum vcard_status st;

	limits.max_cards = ABOOK_IMPORT_ENTRIES + 1;
	limits.max_value = 4 * ABOOK_NOTES_MAX;
	limits.max_items = ABOOK_ITEMS_MAX;
	if (vcard_reader_new(pool, data, len, &limits, &r, &error) < 0) {
		rd->error = "file_unreadable";
		return;
	}
	while ((st = vcard_read(r, &card, &error)) != VCARD_END) {
		struct abook_entry e;

		if (st == VCARD_BAD) {
			bad_row(rd, 0, NULL, NULL, error);
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.line = card->line;
		e.name = set_text(pool, &e, card->name, ABOOK_TEXT_MAX, false,
				  "name_bad");
		for (size_t i = 0; i < card->n_emails; i++)
			add_emails(pool, &e, card->emails[i].value);
		for (size_t i = 0; i < card->n_phones; i++)
			add_phones(pool, &e, card->phones[i].value);
		e.company = set_text(pool, &e, card->company, ABOOK_TEXT_MAX,
				     false, "company_bad");
		e.department = set_text(pool, &e, card->department,
					ABOOK_TEXT_MAX, false,
					"department_bad");
		e.title = set_text(pool, &e, card->title, ABOOK_TEXT_MAX,
				   false, "title_bad");
		e.notes = set_text(pool, &e, card->notes, ABOOK_NOTES_MAX,
				   true, "notes_bad");
		take(rd, &e);
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
static void read_csv(struct reading *rd, const char *data, size_t len)
{
	struct pool *pool = rd->pool;
	struct csv_limits limits = csv_limits_default;
	struct csv_reader *r;
	struct csv_record rec;
	enum column *cols;
	const char *error = NULL;
	enum csv_status st;
	bool known = false, job_title = false;
	size_t ncols;

	limits.max_records = ABOOK_IMPORT_ENTRIES + 1;
	limits.max_field = 4 * ABOOK_NOTES_MAX;
	if (csv_reader_new(pool, data, len, &limits, &r, &error) < 0) {
		rd->error = "file_unreadable";
		return;
	}
	rd->im->charset = csv_reader_charset(r);
	do {
		st = csv_read(r, &rec, &error);
	} while (st == CSV_BAD);
	if (st == CSV_END) {
		rd->error = "file_empty";
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
		rd->error = "columns";
		return;
	}
	while ((st = csv_read(r, &rec, &error)) != CSV_END) {
		const char *first = "", *middle = "", *last = "", *name = "";
		const char *company = "", *dept = "", *title = "";
		struct buf *notes = buf_new_pool(pool, 0);
		struct abook_entry e;
		bool empty = true;

		if (st == CSV_BAD) {
			bad_row(rd, 0, NULL, NULL, error);
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
		e.name = set_text(pool, &e, name, ABOOK_TEXT_MAX, false,
				  "name_bad");
		e.company = set_text(pool, &e, company, ABOOK_TEXT_MAX, false,
				     "company_bad");
		e.department = set_text(pool, &e, dept, ABOOK_TEXT_MAX, false,
					"department_bad");
		e.title = set_text(pool, &e, title, ABOOK_TEXT_MAX, false,
				   "title_bad");
		e.notes = set_text(pool, &e, notes->data, ABOOK_NOTES_MAX,
				   true, "notes_bad");
		take(rd, &e);
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

int abook_import_read(struct pool *pool, HDF *hdf,
		      const struct form_field *file, struct abook_import *im,
		      const char **error_r)
{
	struct reading rd;

	memset(im, 0, sizeof(*im));
	im->json = buf_new_pool(pool, 0);
	im->charset = "UTF-8";
	im->filename = "";
	if (file == NULL || file->filename == NULL || file->value_len == 0) {
		*error_r = "file_missing";
		return -1;
	}
	im->filename = file->filename;
	if (file->value_len > ABOOK_IMPORT_MAX) {
		*error_r = "file_large";
		return -1;
	}
	memset(&rd, 0, sizeof(rd));
	rd.pool = pool;
	rd.hdf = hdf;
	rd.im = im;
	if (is_vcard(file->value, file->value_len) ||
	    str_ends(str_lower(p_strdup(pool, im->filename)), ".vcf")) {
		im->format = "vcard";
		read_vcards(&rd, file->value, file->value_len);
	} else {
		im->format = "csv";
		read_csv(&rd, file->value, file->value_len);
	}
	if (rd.error == NULL && im->n_good == 0 && im->n_bad == 0)
		rd.error = "file_empty";
	if (rd.error != NULL) {
		*error_r = rd.error;
		return -1;
	}
	wcs_set(hdf, "Import.Format", im->format);
	wcs_set(hdf, "Import.Charset", im->charset);
	wcs_set(hdf, "Import.Filename", im->filename);
	wcs_set_int(hdf, "Import.Count", (long)im->n_good);
	wcs_set_int(hdf, "Import.BadCount", im->n_bad);
	wcs_set_int(hdf, "Import.More", im->n_good > ABOOK_PREVIEW_MAX ?
		    (long)(im->n_good - ABOOK_PREVIEW_MAX) : 0);
	wcs_set_int(hdf, "Import.BadMore", im->n_bad > ABOOK_PREVIEW_MAX ?
		    (long)(im->n_bad - ABOOK_PREVIEW_MAX) : 0);
	return 0;
}

/* ==== import: staging =================================================== */

/* the staged entries of import $1 of owner $2, in their order */
#define ABOOK_STAGED(table, owner) \
	" FROM " table " i, jsonb_array_elements(i.entries)" \
	" WITH ORDINALITY AS x(e, n) WHERE i.id = $1::bigint" \
	" AND i." owner " = $2::bigint ORDER BY x.n RETURNING id"
#define ABOOK_ARRAY(key) \
	"ARRAY(SELECT jsonb_array_elements_text(x.e->'" key "'))"

static const struct {
	const char *expire;	/* no parameters */
	const char *stage;	/* $1 owner, $2 by, $3 file, $4 entries */
	const char *insert;	/* $1 import, $2 owner */
	const char *drop;	/* $1 import, $2 owner */
} books[] = {
	[ABOOK_DOMAIN] = {
		"DELETE FROM domain_contact_imports"
		" WHERE created_at < now() - interval '1 day'",
		"INSERT INTO domain_contact_imports (domain_id, admin_id,"
		" filename, entries) VALUES ($1::bigint, $2::bigint, $3,"
		" $4::jsonb) RETURNING id",
		"INSERT INTO domain_contacts (domain_id, name, emails, phones,"
		" company, department, title, notes) SELECT i.domain_id,"
		" x.e->>'name', " ABOOK_ARRAY("emails") ", "
		ABOOK_ARRAY("phones") ", x.e->>'company',"
		" x.e->>'department', x.e->>'title', x.e->>'notes'"
		ABOOK_STAGED("domain_contact_imports", "domain_id"),
		"DELETE FROM domain_contact_imports WHERE id = $1::bigint"
		" AND domain_id = $2::bigint RETURNING id",
	},
	[ABOOK_USER] = {
		"DELETE FROM contact_imports"
		" WHERE created_at < now() - interval '1 day'",
		"INSERT INTO contact_imports (user_id, filename, entries)"
		" SELECT $1::bigint, $3, $4::jsonb"
		" WHERE $2::bigint = $1::bigint"
		" RETURNING id",
		"INSERT INTO contacts (user_id, name, emails, phones, company,"
		" notes) SELECT i.user_id, x.e->>'name', "
		ABOOK_ARRAY("emails") ", " ABOOK_ARRAY("phones") ","
		" x.e->>'company', x.e->>'notes'"
		ABOOK_STAGED("contact_imports", "user_id"),
		"DELETE FROM contact_imports WHERE id = $1::bigint"
		" AND user_id = $2::bigint RETURNING id",
	},
};

int abook_stage(struct pool *pool, enum abook_book book, const char *owner,
		const char *by, struct abook_import *im)
{
	const char *params[4];
	PGresult *res;

	if (db_query(pool, books[book].expire, 0, NULL) == NULL)
		return -1;
	params[0] = owner;
	params[1] = by;
	params[2] = im->filename;
	params[3] = p_printf(pool, "[%s]", im->json->data != NULL ?
			     im->json->data : "");
	res = db_query(pool, books[book].stage, 4, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	im->id = p_strdup(pool, db_value(res, 0, 0));
	return 0;
}

int abook_unstage(struct pool *pool, enum abook_book book, const char *owner,
		  const char *id, bool insert, unsigned int *added_r)
{
	const char *params[2] = { id, owner };
	PGresult *res;

	*added_r = 0;
	if (insert) {
		res = db_query(pool, books[book].insert, 2, params);
		if (res == NULL)
			return -1;
		*added_r = (unsigned int)db_ntuples(res);
	}
	res = db_query(pool, books[book].drop, 2, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	return 0;
}

/* ==== export ============================================================ */

void abook_export_csv_header(struct buf *out, bool with_work)
{
	static const char *const all[] = { "Name", "E-mail Address", "Phone",
					   "Company", "Department",
					   "Job Title", "Notes" };
	static const char *const personal[] = { "Name", "E-mail Address",
						"Phone", "Company", "Notes" };

	csv_write_bom(out);
	if (with_work)
		csv_write_record(out, all, 7, CSV_GUARD_FORMULA);
	else
		csv_write_record(out, personal, 5, CSV_GUARD_FORMULA);
}

void abook_export_csv_row(struct pool *pool, struct buf *out, bool with_work,
			  const char *name, const char *emails,
			  const char *phones, const char *company,
			  const char *department, const char *title,
			  const char *notes)
{
	const char **e, **p;
	size_t ne = abook_lines(pool, emails, &e);
	size_t np = abook_lines(pool, phones, &p);
	const char *row[7];
	size_t n = 0;

	row[n++] = name;
	row[n++] = abook_joined(pool, e, ne, "; ");
	row[n++] = abook_joined(pool, p, np, "; ");
	row[n++] = company;
	if (with_work) {
		row[n++] = department;
		row[n++] = title;
	}
	row[n++] = notes;
	csv_write_record(out, row, n, CSV_GUARD_FORMULA);
}

void abook_export_vcard(struct pool *pool, struct buf *out, const char *name,
			const char *emails, const char *phones,
			const char *company, const char *department,
			const char *title, const char *notes)
{
	const char **e, **p;
	size_t ne = abook_lines(pool, emails, &e);
	size_t np = abook_lines(pool, phones, &p);
	struct vcard_item *items = p_new(pool, struct vcard_item,
					 ne + np + 1);
	struct vcard card;

	memset(&card, 0, sizeof(card));
	card.name = name;
	for (size_t k = 0; k < ne; k++) {
		items[k].value = e[k];
		items[k].type = "";
	}
	for (size_t k = 0; k < np; k++) {
		items[ne + k].value = p[k];
		items[ne + k].type = "";
	}
	card.emails = items;
	card.n_emails = ne;
	card.phones = items + ne;
	card.n_phones = np;
	card.company = company;
	card.department = department;
	card.title = title;
	card.notes = notes;
	vcard_write(out, &card);
}
