#ifndef MH_DOMAINADMIN_H
#define MH_DOMAINADMIN_H
/*
 * domainadmin.h - the domain administrators' portal: the domain a request
 * works on, the helpers every page uses (common.c) and the pages.
 *
 * Every page and action names its domain in the request (d=NAME in the
 * query of a GET, in the form of a POST) and its objects by id; each is
 * looked up inside the domains this administrator runs (dadm_domain) and
 * inside that domain, so another domain's object is simply not found:
 * 404, with an audit row. A GET without d is served for the only domain
 * of an administrator who runs one, and shows the list of domains to
 * choose from otherwise.
 */
#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

struct pool;
struct web_req;

#define DADM_NAME_MAX 200		/* display names, descriptions */
#define DADM_MIB ((uint64_t)1024 * 1024)
#define DADM_QUOTA_MB_MAX ((uint64_t)16 * 1024 * 1024)	/* 16 TiB */

struct dadm_domain {
	const char *id;			/* decimal */
	const char *name;
	const char *status;		/* active, disabled */
	const char *package;		/* its service package, "" = none */
	/* the package's limits; 0 = none */
	uint64_t max_users;
	uint64_t max_quota;		/* all users together, bytes */
	uint64_t max_user_quota;	/* one user, bytes */
	unsigned int password_min;	/* characters */
	unsigned int password_classes;	/* ACCT_PW_* the policy requires */
};

/* ---- common.c ---- */

/* dadm_is_post - the request is a POST (its arguments are in the form) */
bool dadm_is_post(struct web_req *req);
/* dadm_arg - an argument of the request: from the form of a POST, the
 * query of a GET; NULL when absent */
const char *dadm_arg(struct web_req *req, const char *name);
/* dadm_domain - the domain of the request, one this administrator runs;
 * NULL when the response is already made (404 + audit for a domain not
 * theirs, the list of domains to choose from, 400, 503) */
const struct dadm_domain *dadm_domain(struct web_req *req);
/* dadm_id - a positive decimal id argument, or NULL */
const char *dadm_id(struct web_req *req, const char *name);
/* dadm_not_found - refuse an object of another domain (or none): audit
 * row "denied", then the 404 page */
int dadm_not_found(struct web_req *req, const struct dadm_domain *dom,
		   const char *object);
/* dadm_object - the row sql ($1 the id, $2 the domain's id) finds for
 * object kind id of dom: 1 with *res_r; 0 when id is NULL or no row is
 * found (dadm_not_found() made the 404); -1 on a database error
 * (dadm_unavailable() made the 503) */
int dadm_object(struct web_req *req, const struct dadm_domain *dom,
		const char *kind, const char *id, const char *sql,
		PGresult **res_r);
/* dadm_audit - one audit_log row for a change in dom by this
 * administrator; detail is JSON or NULL. -1 on database error */
int dadm_audit(struct web_req *req, const struct dadm_domain *dom,
	       const char *action, const char *object, const char *detail)
	__attribute__((warn_unused_result));
/* dadm_unavailable - log the database error, 503 page */
int dadm_unavailable(struct web_req *req);
/* dadm_setf - set an HDF value from a format */
void dadm_setf(struct web_req *req, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* dadm_size - bytes for people ("812 B", "12 KB", "3.4 MB", "100 MB",
 * "2 GB"): whole MiB and GiB without decimals */
const char *dadm_size(struct pool *pool, uint64_t bytes);
/* dadm_mb - bytes as whole MiB (rounded up), "" for 0 */
const char *dadm_mb(struct pool *pool, uint64_t bytes);
/* dadm_u64 - strict decimal from a database value, 0 when NULL */
uint64_t dadm_u64(const char *value);
/* dadm_form_error - a message key for the page, and which form it is
 * about (templates show it next to that form) */
void dadm_form_error(struct web_req *req, const char *form, const char *key);
/* dadm_done - copy a known done=KEY of the query to Page.Done */
void dadm_done(struct web_req *req);
/* dadm_packages - the service packages (Packages.N.Id/Name/Selected) */
int dadm_packages(struct web_req *req, const char *selected);
/* dadm_package_ok - id names a service package; 1 yes, 0 no, -1 error */
int dadm_package_ok(struct web_req *req, const char *id);
/* dadm_date_ok - YYYY-MM-DD */
bool dadm_date_ok(const char *s);

/* ---- pages ---- */
int dadm_page_overview(struct web_req *req);		/* overview.c */
int dadm_page_users(struct web_req *req);		/* users.c */
int dadm_page_user_new(struct web_req *req);
int dadm_post_user_new(struct web_req *req);
int dadm_page_user(struct web_req *req);
int dadm_post_user(struct web_req *req);
int dadm_post_user_status(struct web_req *req);
int dadm_post_user_password(struct web_req *req);
int dadm_page_user_delete(struct web_req *req);
int dadm_post_user_delete(struct web_req *req);
int dadm_page_users_csv(struct web_req *req);
int dadm_page_user_import(struct web_req *req);		/* user-import.c */
int dadm_post_user_import(struct web_req *req);
int dadm_post_forwards(struct web_req *req);		/* aliases.c */
int dadm_page_aliases(struct web_req *req);
int dadm_post_alias_new(struct web_req *req);
int dadm_page_alias(struct web_req *req);
int dadm_post_alias(struct web_req *req);
int dadm_post_alias_delete(struct web_req *req);
int dadm_post_catchall(struct web_req *req);
int dadm_page_audit(struct web_req *req);		/* audit.c */
int dadm_page_addressbook(struct web_req *req);		/* addressbook.c */
int dadm_post_addressbook_new(struct web_req *req);
int dadm_page_addressbook_edit(struct web_req *req);
int dadm_post_addressbook_edit(struct web_req *req);
int dadm_post_addressbook_delete(struct web_req *req);
int dadm_post_addressbook_import(struct web_req *req);
int dadm_page_addressbook_export(struct web_req *req);
int dadm_page_settings(struct web_req *req);		/* settings.c */
int dadm_post_settings(struct web_req *req);
int dadm_post_settings_sso(struct web_req *req);
int dadm_page_stats(struct web_req *req);		/* stats.c */
int dadm_page_stats_csv(struct web_req *req);

/* users.c, for the alias and forward forms on the user page */
/* dadm_show_user - the user page of user id with status (a form's
 * message is already in Page.*) */
int dadm_show_user(struct web_req *req, const struct dadm_domain *dom,
		   const char *id, int status);

/* ---- users.c: one user, as the add form and an import make it ---- */

struct dadm_user_form {
	const struct dadm_domain *dom;
	struct web_req *req;
	const char *id;			/* the user's; set by adding */
	const char *local, *address;
	const char *name;
	const char *quota;		/* bytes, decimal */
	const char *quota_mb;		/* as typed */
	const char *package;		/* NULL = none */
	const char *status;
	const char *hash;		/* new password's hash */
	const char *form;		/* which form a refusal is about */
	const char *error;		/* refusal message key */
	bool quota_changed;
	/* the limit and the value that a refusal is about */
	const char *limit, *current;
	/* old values, for the audit detail */
	const char *old_name, *old_quota, *old_package;
	/* adding: more members of the audit detail ("\"k\":v"), or NULL */
	const char *audit_more;
};

/* dadm_user_check - the fields of a new user of f->dom (f->req and
 * f->dom set): local is a local part or an address of the domain, quota
 * whole MiB ("" the default), package an id ("" or NULL none), status
 * "disabled" or else active. Fills f; 0 ok, 1 refused (f->error), -1
 * database error */
int dadm_user_check(struct dadm_user_form *f, const char *local,
		    const char *name, const char *quota, const char *package,
		    const char *status)
	__attribute__((warn_unused_result));
/* dadm_user_password - the typed password checked against the domain's
 * policy, or with generate a made-up one, hashed into *hash_r; *shown_r
 * is the generated one, else NULL (pool memory). 0 ok, 1 refused
 * (*key_r), -1 hashing failed */
int dadm_user_password(struct web_req *req, const struct dadm_domain *dom,
		       const char *typed, bool generate, const char **hash_r,
		       const char **shown_r, const char **key_r)
	__attribute__((warn_unused_result));
/* dadm_user_lock - the domain's row, held until the transaction ends */
int dadm_user_lock(struct web_req *req, const struct dadm_domain *dom)
	__attribute__((warn_unused_result));
/* dadm_user_insert - inside a transaction that holds dadm_user_lock():
 * the checked user f (with f->hash) if its address is free, its
 * mailboxes, the package's limits, the audit row. 0 with f->id, 1
 * refused (f->error, f->limit, f->current), -1 database error */
int dadm_user_insert(struct dadm_user_form *f)
	__attribute__((warn_unused_result));

#endif
