#ifndef MH_ABOOK_IMPORT_H
#define MH_ABOOK_IMPORT_H
/*
 * abook-import.h - the entries of an address book as its forms and
 * uploads give them, for the domain's group book (domainadmin) and a
 * user's personal book (webmail): checking one entry, reading an
 * uploaded vCard or CSV file into checked entries with a preview, and
 * keeping the good ones until the owner confirms.
 *
 * An entry needs a name or an address; every address must be valid (it
 * is kept lower case, without repeats); texts have length limits and no
 * control characters (notes may have line breaks); at most
 * ABOOK_ITEMS_MAX addresses and as many phone numbers. The first
 * problem is kept as a message key (Lang.addressbook.err.<key>) and, for
 * an address, the value it is about.
 *
 * An upload is a vCard file (lib/vcard.c) when it starts with
 * BEGIN:VCARD or is named .vcf, else CSV (lib/csv.c) whose columns are
 * found by their header names: our export's, Outlook's and Foxmail's, in
 * English or Chinese. The preview goes into the HDF:
 * Import.{Format,Charset,Filename,Count,BadCount,More,BadMore},
 * Import.Rows.N.{Line,Name,Emails,Phones,Company,Department,Title} and
 * Import.Bad.N.{Line,Key,Bad,Text} (the first ABOOK_PREVIEW_MAX of
 * each). The good entries are a JSON array of {name, emails, phones,
 * company, department, title, notes}, which abook_stage() keeps in the
 * book's import table until abook_unstage() copies them into the book
 * or drops them. A book without departments and titles leaves them out
 * when it copies.
 *
 * SECURITY: uploads are untrusted; the size is capped here and the
 * readers bound everything else. The staging SQL always names the owner
 * (domain or user) next to the import's id, so an import of another
 * owner is not found.
 */
#include <stdbool.h>
#include <stddef.h>

struct buf;
struct form;
struct form_field;
struct pool;
struct _hdf;

#define ABOOK_TEXT_MAX 200		/* characters: name, company, ... */
#define ABOOK_NOTES_MAX 2000		/* characters */
#define ABOOK_PHONE_MAX 50		/* characters of one number */
#define ABOOK_ITEMS_MAX 20		/* addresses, and numbers, an entry */
#define ABOOK_IMPORT_MAX (5 * 1024 * 1024)	/* bytes of an upload */
#define ABOOK_IMPORT_ENTRIES 10000
#define ABOOK_PREVIEW_MAX 200		/* rows shown, good and bad each */

/* import_bad_row - a row an import leaves out, for its preview page:
 * Import.Bad.<index>.{Line,Key,Bad,Other,Text} unless index reaches max.
 * key is a message key, or NULL for text from a reader ("line N: what",
 * whose line is taken); bad the value it is about; other the line of an
 * earlier row it repeats (0: none). Every import preview (address books,
 * users) reports its rows this way. */
void import_bad_row(struct pool *pool, struct _hdf *hdf, unsigned int index,
		    unsigned int max, unsigned int line, const char *key,
		    const char *bad, unsigned int other, const char *text);

struct abook_entry {
	unsigned int line;		/* where an imported one begins */
	const char *name, *company, *department, *title, *notes;
	const char *emails[ABOOK_ITEMS_MAX];
	size_t n_emails;
	const char *phones[ABOOK_ITEMS_MAX];
	size_t n_phones;
	const char *error;		/* Lang.addressbook.err.<key> */
	const char *bad;		/* the value it is about, or NULL */
};

/* abook_entry_from_form - the fields name, emails, phones, company,
 * department, title and notes of form (the ones a form lacks are
 * empty), checked; each is also copied to Form.<field> for the page */
void abook_entry_from_form(struct pool *pool, struct _hdf *hdf,
			   const struct form *form, struct abook_entry *e);
/* abook_entry_json - the entry as a JSON object (staging, audit rows) */
const char *abook_entry_json(struct pool *pool, const struct abook_entry *e);
/* abook_entry_label - the name, or else the first address */
const char *abook_entry_label(const struct abook_entry *e);
/* abook_joined - items separated by sep ("" when none) */
const char *abook_joined(struct pool *pool, const char *const *items,
			 size_t n, const char *sep);
/* abook_lines - the lines of v (NULL is ""), empty ones left out */
size_t abook_lines(struct pool *pool, const char *v, const char ***items_r);
/* abook_set_lines - the lines of v as name.0, name.1, ... in hdf */
void abook_set_lines(struct pool *pool, struct _hdf *hdf, const char *name,
		     const char *v);

struct abook_import {
	const char *format;		/* "vcard", "csv" */
	const char *charset;
	const char *filename;
	size_t n_good;
	unsigned int n_bad;
	struct buf *json;		/* the good ones, a JSON array */
	const char *id;			/* after abook_stage() */
};

/* abook_import_read - read an uploaded file (file NULL when the form
 * had none) into im and the preview in hdf. -1 with *error_r a message
 * key when the file as a whole cannot be used (file_missing, file_large,
 * file_unreadable, file_empty, columns); 0 otherwise, even when every
 * row is bad */
int abook_import_read(struct pool *pool, struct _hdf *hdf,
		      const struct form_field *file, struct abook_import *im,
		      const char **error_r)
	__attribute__((warn_unused_result));

/* the books that take imports */
enum abook_book {
	ABOOK_DOMAIN,		/* domain_contacts, owner: a domain */
	ABOOK_USER,		/* contacts, owner: a user */
};

/* abook_stage - keep im's good entries for owner (a decimal id), staged
 * by (the domain administrator; for a user's book the user again), and
 * forget unconfirmed imports older than a day; im->id is set. Run it in
 * a transaction. -1 on a database error */
int abook_stage(struct pool *pool, enum abook_book book, const char *owner,
		const char *by, struct abook_import *im)
	__attribute__((warn_unused_result));
/* abook_unstage - import id of owner: its entries into the book when
 * insert (*added_r of them), then the staged row goes. Run it in a
 * transaction. -1 on a database error or when there is no such import
 * of that owner */
int abook_unstage(struct pool *pool, enum abook_book book, const char *owner,
		  const char *id, bool insert, unsigned int *added_r)
	__attribute__((warn_unused_result));

/* abook_export_csv_header, abook_export_csv_row - our CSV layout (which
 * the importer reads back): Name, E-mail Address, Phone, Company,
 * Department, Job Title, Notes; several addresses or numbers share one
 * cell. with_work false leaves Department and Job Title out. */
void abook_export_csv_header(struct buf *out, bool with_work);
void abook_export_csv_row(struct pool *pool, struct buf *out, bool with_work,
			  const char *name, const char *emails,
			  const char *phones, const char *company,
			  const char *department, const char *title,
			  const char *notes);
/* abook_export_vcard - one entry as a vCard 4.0 card; emails and phones
 * one a line */
void abook_export_vcard(struct pool *pool, struct buf *out, const char *name,
			const char *emails, const char *phones,
			const char *company, const char *department,
			const char *title, const char *notes);

#endif
