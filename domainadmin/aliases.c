/*
 * aliases.c - addresses that lead elsewhere: a user's aliases and
 * forwards, group addresses, and the domain's catch-all.
 *
 *   POST /users/forwards   d, id (the user), op=add|delete|keep_copy,
 *                          target, fid (a forward's id), keep_copy=1
 *   GET  /aliases          ?d=&q=&page=
 *   POST /aliases/new      d, kind=alias|group, local, description,
 *                          user (an address of this domain) or id (the
 *                          user page's form) for an alias, members for a
 *                          group
 *   GET  /aliases/edit     ?d=&id=
 *   POST /aliases/edit     d, id, user | members, description
 *   POST /aliases/delete   d, id [, back=ID: return to that user's page]
 *   POST /aliases/catchall d, op=set|clear, targets
 *
 * What is written here is what mailhived reads at RCPT
 * (backend/smtpd/smtpd-rcpt.c): an aliases row with the recipient's
 * address, kind 'alias' pointing at a user (target_user_id) or 'group'
 * listing addresses (targets), each expanded one level deep; failing
 * those, the row '@domain' (kind 'catchall'); a user's forwards rows,
 * followed only for an active user, keeping a copy in the user's own
 * mailbox when any of them says keep_copy. Since expansion is one level
 * deep and a forward to a local address that is not a user would leave
 * as outbound mail, every address of this domain named as a group
 * member, catch-all target, alias target or forward must be a user of
 * the domain (not deleted); addresses elsewhere are taken as given.
 *
 * Changes lock the domain's row first (as adding a user does), so an
 * address cannot become a user and an alias at the same time, and write
 * their audit row in the same transaction.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "accounts.h"
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

#define DADM_MEMBERS_MAX 1000		/* mailhived expands at most 1000 */
#define DADM_MEMBERS_TEXT_MAX (DADM_MEMBERS_MAX * (ACCT_ADDRESS_MAX + 2))
#define DADM_FORWARDS_MAX 20
#define DADM_ALIASES_PAGE 50
#define DADM_QUERY_MAX 200

/* lock_domain - the domain's row, held until the transaction ends */
static int lock_domain(struct web_req *req, const struct dadm_domain *dom)
{
	const char *params[1] = { dom->id };

	return db_query(req->pool, "SELECT 1 FROM domains WHERE id = $1::bigint"
			" FOR UPDATE", 1, params) == NULL ? -1 : 0;
}

/* local_address - the address of a local part (or a whole address) typed
 * for this domain; NULL with *key_r set when it is not one */
static const char *local_address(struct web_req *req,
				 const struct dadm_domain *dom,
				 const char *typed, const char **key_r)
{
	char *local = str_lower(str_trim(p_strdup(req->pool,
		typed != NULL ? typed : "")));
	char *at = strrchr(local, '@');
	const char *address;

	if (at != NULL) {
		if (strcmp(at + 1, dom->name) != 0) {
			*key_r = "address_domain";
			return NULL;
		}
		*at = '\0';
	}
	if (*local == '\0') {
		*key_r = "address_empty";
		return NULL;
	}
	address = p_printf(req->pool, "%s@%s", local, dom->name);
	if (!acct_local_part_valid(local) ||
	    strlen(address) > ACCT_ADDRESS_MAX) {
		*key_r = "address_bad";
		return NULL;
	}
	return address;
}

/* domain_user - the id of the live user address of this domain; 1 found,
 * 0 not, -1 error */
static int domain_user(struct web_req *req, const struct dadm_domain *dom,
		       const char *address, const char **id_r)
{
	const char *params[2] = { address, dom->id };
	PGresult *res;

	res = db_query(req->pool, "SELECT id FROM users WHERE address = $1"
		       " AND domain_id = $2::bigint AND deleted_at IS NULL",
		       2, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) == 0)
		return 0;
	*id_r = db_value(res, 0, 0);
	return 1;
}

/* parse_targets - addresses separated by commas, semicolons or white
 * space, lower-cased and without repeats, joined by single spaces (for
 * string_to_array); those of this domain must be its users. 0 ok, 1
 * refused (*key_r; Form.Bad names the address), -1 error */
static int parse_targets(struct web_req *req, const struct dadm_domain *dom,
			 const char *text, const char **joined_r,
			 unsigned int *n_r, const char **key_r)
{
	struct buf *out = buf_new_pool(req->pool, 0);
	char *copy, *save = NULL, *item;
	unsigned int n = 0;

	if (text == NULL || strlen(text) > DADM_MEMBERS_TEXT_MAX) {
		*key_r = text == NULL ? "members_empty" : "members_many";
		return 1;
	}
	copy = p_strdup(req->pool, text);
	for (item = strtok_r(copy, ",; \t\r\n", &save); item != NULL;
	     item = strtok_r(NULL, ",; \t\r\n", &save)) {
		char *address, *local, *domain;
		const char *uid;
		bool dup = false;
		int ret;

		if (acct_address_split(req->pool, item, &address, &local,
				       &domain) < 0) {
			wcs_set(req->hdf, "Form.Bad", item);
			*key_r = "member_bad";
			return 1;
		}
		/* a repeat is dropped (the list is short: a scan will do) */
		for (char *p = out->data; p != NULL && *p != '\0';) {
			size_t len = strcspn(p, " ");

			if (len == strlen(address) &&
			    strncmp(p, address, len) == 0)
				dup = true;
			p += len;
			if (*p == ' ')
				p++;
		}
		if (dup)
			continue;
		if (strcmp(domain, dom->name) == 0) {
			ret = domain_user(req, dom, address, &uid);
			if (ret < 0)
				return -1;
			if (ret == 0) {
				wcs_set(req->hdf, "Form.Bad", address);
				*key_r = "member_unknown";
				return 1;
			}
		}
		if (++n > DADM_MEMBERS_MAX) {
			*key_r = "members_many";
			return 1;
		}
		buf_addf(out, "%s%s", out->len > 0 ? " " : "", address);
	}
	if (n == 0) {
		*key_r = "members_empty";
		return 1;
	}
	*joined_r = out->data;
	*n_r = n;
	return 0;
}

/* description - the description field, or NULL when not valid */
static const char *description(struct web_req *req)
{
	const char *d = form_get(&req->post, "description");
	char *t = str_trim(p_strdup(req->pool, d != NULL ? d : ""));

	return str_text_sane(t, DADM_NAME_MAX) ? t : NULL;
}

/* ==== forwards ========================================================== */

struct fwd_ctx {
	struct web_req *req;
	const struct dadm_domain *dom;
	const char *user_id, *address;
	const char *op, *target, *fid;
	bool keep;
	const char *error;
};

/* forwards_tx - add or remove a forward, or set keep_copy on all of the
 * user's forwards; audit */
static int forwards_tx(void *arg)
{
	struct fwd_ctx *c = arg;
	struct pool *pool = c->req->pool;
	const char *params[4] = { c->user_id, c->dom->id, NULL, NULL };
	const char *action, *object;
	PGresult *res;

	/* the user, locked, still in this domain and not deleted */
	res = db_query(pool, "SELECT 1 FROM users WHERE id = $1::bigint"
		       " AND domain_id = $2::bigint AND deleted_at IS NULL"
		       " FOR UPDATE", 2, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) == 0) {
		c->error = "user_deleted";
		return 1;
	}
	if (strcmp(c->op, "add") == 0) {
		params[1] = c->target;
		res = db_query(pool, "SELECT count(*), bool_or(keep_copy),"
			       " count(*) FILTER (WHERE target = $2)"
			       " FROM forwards WHERE user_id = $1::bigint",
			       2, params);
		if (res == NULL)
			return -1;
		if (dadm_u64(db_value(res, 0, 2)) > 0) {
			c->error = "forward_exists";
			return 1;
		}
		if (dadm_u64(db_value(res, 0, 0)) >= DADM_FORWARDS_MAX) {
			c->error = "forwards_many";
			return 1;
		}
		/* one setting for all of a user's forwards */
		if (db_value(res, 0, 1) != NULL)
			c->keep = strcmp(db_value(res, 0, 1), "t") == 0;
		params[2] = c->keep ? "t" : "f";
		if (db_query(pool, "INSERT INTO forwards (user_id, target,"
			     " keep_copy) VALUES ($1::bigint, $2, $3::boolean)",
			     3, params) == NULL)
			return -1;
		action = "forward.add";
		object = c->target;
	} else if (strcmp(c->op, "delete") == 0) {
		params[1] = c->fid;
		res = db_query(pool, "DELETE FROM forwards"
			       " WHERE id = $2::bigint AND user_id = $1::bigint"
			       " RETURNING target",
			       2, params);
		if (res == NULL)
			return -1;
		if (db_ntuples(res) == 0) {
			c->error = "not_found";
			return 1;
		}
		action = "forward.delete";
		object = db_value(res, 0, 0);
	} else {
		params[1] = c->keep ? "t" : "f";
		if (db_query(pool, "UPDATE forwards SET keep_copy = $2::boolean"
			     " WHERE user_id = $1::bigint", 2, params) == NULL)
			return -1;
		action = "forward.keep_copy";
		object = NULL;
	}
	return dadm_audit(c->req, c->dom, action, c->address,
		object != NULL ?
		p_printf(pool, "{\"target\":%s}",
			 str_json_quote(pool, object)) :
		p_printf(pool, "{\"keep_copy\":%s}", c->keep ? "true" :
			 "false"));
}

/* dadm_post_forwards - POST /users/forwards */
int dadm_post_forwards(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *op = form_get(&req->post, "op");
	const char *id = dadm_id(req, "id");
	const char *done;
	struct fwd_ctx c;
	PGresult *res;
	int ret;

	if (dom == NULL ||
	    dadm_object(req, dom, "user", id, "SELECT address FROM users"
			" WHERE id = $1::bigint AND domain_id = $2::bigint",
			&res) <= 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	c.user_id = id;
	c.address = db_value(res, 0, 0);
	c.op = op != NULL ? op : "";
	c.keep = form_get(&req->post, "keep_copy") != NULL;
	if (strcmp(c.op, "add") == 0) {
		const char *t = form_get(&req->post, "target");
		char *address, *local, *domain;
		const char *uid;

		wcs_set(req->hdf, "Form.Target", t);
		if (t == NULL || *str_trim(p_strdup(req->pool, t)) == '\0')
			c.error = "forward_empty";
		else if (acct_address_split(req->pool, str_trim(p_strdup(
				req->pool, t)), &address, &local, &domain) < 0)
			c.error = "forward_bad";
		else if (strcmp(address, c.address) == 0)
			c.error = "forward_self";
		else if (strcmp(domain, dom->name) == 0 &&
			 (ret = domain_user(req, dom, address, &uid)) <= 0) {
			if (ret < 0)
				return dadm_unavailable(req);
			c.error = "forward_unknown";
		} else
			c.target = address;
		done = "forward_added";
	} else if (strcmp(c.op, "delete") == 0) {
		c.fid = dadm_id(req, "fid");
		if (c.fid == NULL)
			return dadm_not_found(req, dom, "forward");
		done = "forward_deleted";
	} else if (strcmp(c.op, "keep_copy") == 0) {
		done = "keep_copy";
	} else {
		return web_fail(req, 400, "bad_request");
	}
	if (c.error == NULL) {
		ret = db_tx(forwards_tx, &c);
		if (ret < 0)
			return dadm_unavailable(req);
	}
	if (c.error != NULL && strcmp(c.error, "not_found") == 0)
		return dadm_not_found(req, dom, p_printf(req->pool,
			"forward:%s", c.fid));
	if (c.error != NULL) {
		dadm_form_error(req, "forward", c.error);
		return dadm_show_user(req, dom, id, 422);
	}
	return web_redirect(req, p_printf(req->pool,
		"/users/edit?d=%s&id=%s&done=%s",
		url_encode(req->pool, dom->name), id, done));
}

/* ==== aliases and groups ================================================ */

struct alias_ctx {
	struct web_req *req;
	const struct dadm_domain *dom;
	const char *id;			/* editing */
	const char *kind;		/* alias, group */
	const char *address;
	const char *user_id;		/* kind alias */
	const char *user_address;
	const char *targets;		/* kind group: space-separated */
	const char *description;
	const char *error;
	const char *old;		/* edit: old target(s), for the audit */
};

/* alias_new_tx - lock, check the address is free, insert, audit */
static int alias_new_tx(void *arg)
{
	struct alias_ctx *c = arg;
	struct pool *pool = c->req->pool;
	const char *params[6];
	enum acct_owner owner;
	PGresult *res;

	if (lock_domain(c->req, c->dom) < 0 ||
	    acct_address_owner(pool, c->address, &owner) < 0)
		return -1;
	if (owner != ACCT_OWNER_NONE) {
		c->error = "address_taken";
		return 1;
	}
	params[0] = c->address;
	params[1] = c->dom->id;
	params[2] = c->kind;
	params[3] = c->user_id;
	params[4] = c->targets != NULL ? c->targets : "";
	params[5] = c->description;
	res = db_query(pool, "INSERT INTO aliases (address, domain_id, kind,"
		       " target_user_id, targets, description) VALUES ($1,"
		       " $2::bigint, $3, $4::bigint, string_to_array($5, ' '),"
		       " $6) ON CONFLICT DO NOTHING RETURNING id", 6, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) == 0) {
		c->error = "address_taken";
		return 1;
	}
	c->id = p_strdup(pool, db_value(res, 0, 0));
	return dadm_audit(c->req, c->dom, strcmp(c->kind, "group") == 0 ?
		"group.add" : "alias.add", c->address,
		strcmp(c->kind, "group") == 0 ?
		p_printf(pool, "{\"members\":%s}",
			 str_json_quote(pool, c->targets)) :
		p_printf(pool, "{\"user\":%s}",
			 str_json_quote(pool, c->user_address)));
}

/* alias_target - the user an alias leads to: id= (the user page's form)
 * or user= (an address or local part of this domain). 1 found, 0 refused
 * (c->error), -1 error; a foreign id is a 404 (made here, returns -2) */
static int alias_target(struct alias_ctx *c)
{
	struct web_req *req = c->req;
	const char *byid = form_get(&req->post, "id");
	const char *typed = form_get(&req->post, "user");
	const char *params[2], *address, *key = NULL;
	PGresult *res;
	int ret;

	if (byid != NULL) {
		params[0] = dadm_id(req, "id");
		params[1] = c->dom->id;
		if (params[0] == NULL) {
			dadm_not_found(req, c->dom, "user");
			return -2;
		}
		res = db_query(req->pool, "SELECT id, address FROM users"
			       " WHERE id = $1::bigint"
			       " AND domain_id = $2::bigint"
			       " AND deleted_at IS NULL", 2, params);
		if (res == NULL)
			return -1;
		if (db_ntuples(res) != 1) {
			dadm_not_found(req, c->dom, p_printf(req->pool,
				"user:%s", params[0]));
			return -2;
		}
		c->user_id = db_value(res, 0, 0);
		c->user_address = db_value(res, 0, 1);
		return 1;
	}
	address = local_address(req, c->dom, typed, &key);
	if (address == NULL) {
		c->error = "target_unknown";
		return 0;
	}
	ret = domain_user(req, c->dom, address, &c->user_id);
	if (ret <= 0) {
		c->error = "target_unknown";
		return ret;
	}
	c->user_address = address;
	return 1;
}

/* aliases_show - the aliases page (a form's message is already set) */
static int aliases_show(struct web_req *req, const struct dadm_domain *dom,
			int status)
{
	const char *q = form_get(&req->query, "q");
	const char *pg = form_get(&req->query, "page");
	const char *params[4];
	unsigned int page = 1, total, pages;
	PGresult *res;

	if (q == NULL || strlen(q) > DADM_QUERY_MAX)
		q = "";
	if (pg != NULL && (str_to_uint(pg, &page) < 0 || page == 0))
		page = 1;
	params[0] = dom->id;
	params[1] = q;
	res = db_query(req->pool, "SELECT count(*) FROM aliases a"
		       " WHERE a.domain_id = $1::bigint"
		       " AND a.kind <> 'catchall'"
		       " AND ($2 = '' OR strpos(a.address, lower($2)) > 0)",
		       2, params);
	if (res == NULL || str_to_uint(db_value(res, 0, 0), &total) < 0)
		return dadm_unavailable(req);
	pages = wcs_pages(total, DADM_ALIASES_PAGE, &page);
	params[2] = p_printf(req->pool, "%u", DADM_ALIASES_PAGE);
	params[3] = p_printf(req->pool, "%u", (page - 1) * DADM_ALIASES_PAGE);
	res = db_query(req->pool, "SELECT a.id, a.address, a.kind,"
		" COALESCE(u.address, ''), array_to_string(a.targets, ', '),"
		" a.description, u.id"
		" FROM aliases a LEFT JOIN users u ON u.id = a.target_user_id"
		" WHERE a.domain_id = $1::bigint AND a.kind <> 'catchall'"
		" AND ($2 = '' OR strpos(a.address, lower($2)) > 0)"
		" ORDER BY a.address LIMIT $3::integer OFFSET $4::integer",
		4, params);
	if (res == NULL)
		return dadm_unavailable(req);
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *pre = p_printf(req->pool, "Aliases.%d.", i);

#define SET(k, col) wcs_set(req->hdf, p_printf(req->pool, "%s" k, pre), \
			    db_value(res, i, col))
		SET("Id", 0);
		SET("Address", 1);
		SET("Kind", 2);
		SET("User", 3);
		SET("Members", 4);
		SET("Description", 5);
		SET("UserId", 6);
#undef SET
	}
	wcs_set(req->hdf, "List.Q", q);
	wcs_set(req->hdf, "List.QEnc", url_encode(req->pool, q));
	wcs_set_pages(req->hdf, page, pages, total);

	params[1] = p_printf(req->pool, "@%s", dom->name);
	res = db_query(req->pool, "SELECT a.id, array_to_string("
		       " array_remove(array_prepend(u.address, a.targets),"
		       " NULL), ', ') FROM aliases a LEFT JOIN users u"
		       " ON u.id = a.target_user_id WHERE a.domain_id ="
		       " $1::bigint AND a.address = $2", 2, params);
	if (res == NULL)
		return dadm_unavailable(req);
	if (db_ntuples(res) == 1) {
		wcs_set(req->hdf, "CatchAll.Id", db_value(res, 0, 0));
		wcs_set(req->hdf, "CatchAll.Targets", db_value(res, 0, 1));
		if (hdf_get_value(req->hdf, "Form.CatchAll", NULL) == NULL)
			wcs_set(req->hdf, "Form.CatchAll",
				db_value(res, 0, 1));
	}
	dadm_done(req);
	return web_render(req, status, "aliases.cs");
}

/* dadm_page_aliases - GET /aliases */
int dadm_page_aliases(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);

	if (dom == NULL)
		return 0;
	return aliases_show(req, dom, 200);
}

/* dadm_post_alias_new - POST /aliases/new: an alias of a user (from the
 * aliases page or the user's page) or a group address */
int dadm_post_alias_new(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *kind = form_get(&req->post, "kind");
	const char *from_user = dadm_id(req, "id");
	const char *key = NULL;
	struct alias_ctx c;
	unsigned int n;
	int ret;

	if (dom == NULL)
		return 0;
	if (kind == NULL || (strcmp(kind, "alias") != 0 &&
			     strcmp(kind, "group") != 0))
		return web_fail(req, 400, "bad_request");
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	c.kind = kind;
	wcs_set(req->hdf, "Form.Local", form_get(&req->post, "local"));
	wcs_set(req->hdf, "Form.User", form_get(&req->post, "user"));
	wcs_set(req->hdf, "Form.Members", form_get(&req->post, "members"));
	wcs_set(req->hdf, "Form.Description",
		form_get(&req->post, "description"));
	c.description = description(req);
	c.address = local_address(req, dom, form_get(&req->post, "local"),
				  &key);
	if (c.address == NULL) {
		c.error = key;
	} else if (c.description == NULL) {
		c.error = "description_bad";
	} else if (strcmp(kind, "alias") == 0) {
		ret = alias_target(&c);
		if (ret == -2)
			return 0;
		if (ret < 0)
			return dadm_unavailable(req);
	} else {
		ret = parse_targets(req, dom, form_get(&req->post, "members"),
				    &c.targets, &n, &c.error);
		if (ret < 0)
			return dadm_unavailable(req);
	}
	if (c.error == NULL) {
		ret = db_tx(alias_new_tx, &c);
		if (ret < 0)
			return dadm_unavailable(req);
	}
	if (c.error != NULL) {
		dadm_form_error(req, kind, c.error);
		if (from_user != NULL)
			return dadm_show_user(req, dom, c.user_id != NULL ?
					      c.user_id : from_user, 422);
		return aliases_show(req, dom, 422);
	}
	log_info("event=domainadmin_alias_add admin=%s address=%s kind=%s",
		 log_quote(req->session->principal.login),
		 log_quote(c.address), kind);
	if (from_user != NULL)
		return web_redirect(req, p_printf(req->pool,
			"/users/edit?d=%s&id=%s&done=alias_added",
			url_encode(req->pool, dom->name), c.user_id));
	return web_redirect(req, p_printf(req->pool, "/aliases?d=%s&done=%s",
		url_encode(req->pool, dom->name),
		strcmp(kind, "group") == 0 ? "group_added" : "alias_added"));
}

/* find_alias - an alias or group of this domain; 1, 0 (404 made), -1 */
static int find_alias(struct web_req *req, const struct dadm_domain *dom,
		      const char *id, struct alias_ctx *c)
{
	PGresult *res;
	int ret;

	ret = dadm_object(req, dom, "alias", id, "SELECT a.id, a.address,"
		" a.kind, COALESCE(u.address, ''),"
		" array_to_string(a.targets, ' '), a.description"
		" FROM aliases a LEFT JOIN users u ON u.id = a.target_user_id"
		" WHERE a.id = $1::bigint AND a.domain_id = $2::bigint", &res);
	if (ret <= 0)
		return ret;
	c->id = db_value(res, 0, 0);
	c->address = db_value(res, 0, 1);
	c->kind = db_value(res, 0, 2);
	c->user_address = db_value(res, 0, 3);
	c->targets = db_value(res, 0, 4);
	c->description = db_value(res, 0, 5);
	return 1;
}

/* alias_show - the edit page of an alias or group */
static int alias_show(struct web_req *req, const struct alias_ctx *c,
		      int status)
{
	wcs_set(req->hdf, "Alias.Id", c->id);
	wcs_set(req->hdf, "Alias.Address", c->address);
	wcs_set(req->hdf, "Alias.Kind", c->kind);
	if (hdf_get_value(req->hdf, "Form.Set", NULL) == NULL) {
		struct buf *lines = buf_new_pool(req->pool, 0);

		/* one member a line in the text box */
		for (const char *p = c->targets; p != NULL && *p != '\0'; p++)
			buf_addc(lines, *p == ' ' ? '\n' : *p);
		wcs_set(req->hdf, "Form.User", c->user_address);
		wcs_set(req->hdf, "Form.Members", lines->len > 0 ?
			lines->data : "");
		wcs_set(req->hdf, "Form.Description", c->description);
	}
	return web_render(req, status, "alias.cs");
}

/* dadm_page_alias - GET /aliases/edit */
int dadm_page_alias(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	struct alias_ctx c;

	if (dom == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	if (find_alias(req, dom, dadm_id(req, "id"), &c) <= 0)
		return 0;
	if (strcmp(c.kind, "catchall") == 0)
		return web_redirect(req, p_printf(req->pool, "/aliases?d=%s",
			url_encode(req->pool, dom->name)));
	return alias_show(req, &c, 200);
}

/* alias_edit_tx - new target or members and description; audit */
static int alias_edit_tx(void *arg)
{
	struct alias_ctx *c = arg;
	struct pool *pool = c->req->pool;
	const char *params[5];
	PGresult *res;
	bool group = strcmp(c->kind, "group") == 0;

	if (lock_domain(c->req, c->dom) < 0)
		return -1;
	params[0] = c->id;
	params[1] = c->dom->id;
	params[2] = group ? NULL : c->user_id;
	params[3] = group ? c->targets : "";
	params[4] = c->description;
	res = db_query(pool, "UPDATE aliases SET target_user_id = $3::bigint,"
		       " targets = string_to_array($4, ' '), description = $5"
		       " WHERE id = $1::bigint AND domain_id = $2::bigint"
		       " RETURNING id", 5, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	return dadm_audit(c->req, c->dom, group ? "group.edit" : "alias.edit",
		c->address, group ?
		p_printf(pool, "{\"members\":[%s,%s]}",
			 str_json_quote(pool, c->old),
			 str_json_quote(pool, c->targets)) :
		p_printf(pool, "{\"user\":[%s,%s]}",
			 str_json_quote(pool, c->old),
			 str_json_quote(pool, c->user_address)));
}

/* dadm_post_alias - POST /aliases/edit */
int dadm_post_alias(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *members = form_get(&req->post, "members");
	const char *typed = form_get(&req->post, "user");
	const char *key = NULL, *address;
	struct alias_ctx c;
	unsigned int n;
	int ret;

	if (dom == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	if (find_alias(req, dom, dadm_id(req, "id"), &c) <= 0)
		return 0;
	if (strcmp(c.kind, "catchall") == 0)
		return web_fail(req, 400, "bad_request");
	c.old = strcmp(c.kind, "group") == 0 ? c.targets : c.user_address;
	c.description = description(req);
	if (c.description == NULL) {
		c.error = "description_bad";
	} else if (strcmp(c.kind, "group") == 0) {
		ret = parse_targets(req, dom, members, &c.targets, &n,
				    &c.error);
		if (ret < 0)
			return dadm_unavailable(req);
	} else {
		address = local_address(req, dom, typed, &key);
		ret = address == NULL ? 0 :
			domain_user(req, dom, address, &c.user_id);
		if (ret < 0)
			return dadm_unavailable(req);
		if (ret == 0)
			c.error = "target_unknown";
		else
			c.user_address = address;
	}
	if (c.error == NULL && db_tx(alias_edit_tx, &c) != 0)
		return dadm_unavailable(req);
	if (c.error != NULL) {
		dadm_form_error(req, c.kind, c.error);
		wcs_set(req->hdf, "Form.Set", "1");
		wcs_set(req->hdf, "Form.User", typed);
		wcs_set(req->hdf, "Form.Members", members);
		wcs_set(req->hdf, "Form.Description",
			form_get(&req->post, "description"));
		return alias_show(req, &c, 422);
	}
	return web_redirect(req, p_printf(req->pool, "/aliases?d=%s&done=%s",
		url_encode(req->pool, dom->name), "alias_saved"));
}

/* alias_delete_tx - remove the row; audit */
static int alias_delete_tx(void *arg)
{
	struct alias_ctx *c = arg;
	const char *params[2] = { c->id, c->dom->id };
	PGresult *res;

	res = db_query(c->req->pool, "DELETE FROM aliases WHERE id = $1::bigint"
		       " AND domain_id = $2::bigint RETURNING id", 2, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	return dadm_audit(c->req, c->dom, strcmp(c->kind, "group") == 0 ?
		"group.delete" : strcmp(c->kind, "catchall") == 0 ?
		"catchall.clear" : "alias.delete", c->address, NULL);
}

/* dadm_post_alias_delete - POST /aliases/delete */
int dadm_post_alias_delete(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *back = dadm_id(req, "back");
	struct alias_ctx c;

	if (dom == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	if (find_alias(req, dom, dadm_id(req, "id"), &c) <= 0)
		return 0;
	if (db_tx(alias_delete_tx, &c) != 0)
		return dadm_unavailable(req);
	if (back != NULL)
		return web_redirect(req, p_printf(req->pool,
			"/users/edit?d=%s&id=%s&done=alias_deleted",
			url_encode(req->pool, dom->name), back));
	return web_redirect(req, p_printf(req->pool,
		"/aliases?d=%s&done=alias_deleted",
		url_encode(req->pool, dom->name)));
}

/* ==== catch-all ========================================================= */

static int catchall_tx(void *arg)
{
	struct alias_ctx *c = arg;
	struct pool *pool = c->req->pool;
	const char *params[3] = { c->address, c->dom->id, c->targets };
	PGresult *res;

	if (lock_domain(c->req, c->dom) < 0)
		return -1;
	if (c->targets == NULL) {
		if (db_query(pool, "DELETE FROM aliases WHERE address = $1"
			     " AND domain_id = $2::bigint", 2, params) == NULL)
			return -1;
		return dadm_audit(c->req, c->dom, "catchall.clear", c->address,
				  NULL);
	}
	res = db_query(pool, "INSERT INTO aliases (address, domain_id, kind,"
		       " targets) VALUES ($1, $2::bigint, 'catchall',"
		       " string_to_array($3, ' ')) ON CONFLICT (address) DO"
		       " UPDATE SET targets = EXCLUDED.targets,"
		       " target_user_id = NULL"
		       " WHERE aliases.domain_id = EXCLUDED.domain_id"
		       " RETURNING id", 3, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	return dadm_audit(c->req, c->dom, "catchall.set", c->address,
		p_printf(pool, "{\"targets\":%s}",
			 str_json_quote(pool, c->targets)));
}

/* dadm_post_catchall - POST /aliases/catchall */
int dadm_post_catchall(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *op = form_get(&req->post, "op");
	const char *targets = form_get(&req->post, "targets");
	struct alias_ctx c;
	unsigned int n;
	int ret;

	if (dom == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	c.address = p_printf(req->pool, "@%s", dom->name);
	if (op != NULL && strcmp(op, "clear") == 0) {
		c.targets = NULL;
	} else if (op != NULL && strcmp(op, "set") == 0) {
		ret = parse_targets(req, dom, targets, &c.targets, &n,
				    &c.error);
		if (ret < 0)
			return dadm_unavailable(req);
		if (ret > 0) {
			dadm_form_error(req, "catchall", c.error);
			wcs_set(req->hdf, "Form.CatchAll", targets);
			return aliases_show(req, dom, 422);
		}
	} else {
		return web_fail(req, 400, "bad_request");
	}
	if (db_tx(catchall_tx, &c) != 0)
		return dadm_unavailable(req);
	return web_redirect(req, p_printf(req->pool, "/aliases?d=%s&done=%s",
		url_encode(req->pool, dom->name), c.targets != NULL ?
		"catchall_set" : "catchall_cleared"));
}
