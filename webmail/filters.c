/*
 * filters.c - the user's filter rules: the ordered list, adding and
 * editing a rule, deleting, enabling and moving it, and the rules as a
 * Sieve script.
 *
 *   GET  /settings/filters               the list, each rule also in Sieve
 *   POST /settings/filters               op=up|down|enable|disable|delete, id
 *   GET  /settings/filters/edit[?id=]    the form (a new rule without id)
 *   POST /settings/filters/edit          id (empty: new), name, match,
 *                                        enabled, stop, c_field.N,
 *                                        c_header.N, c_op.N, c_value.N,
 *                                        a_fileinto, a_seen, a_flag,
 *                                        a_forward, a_reject,
 *                                        a_reject_text, a_discard
 *   GET  /settings/filters/sieve         every rule as a .sieve download
 *
 * Rules are rows of filters (conditions and actions are JSON arrays,
 * see sql/012_filters.sql) and mean what backend/store/filter-rule.c
 * says; delivery runs them (backend/store/filters.c). A form that
 * filter_rule_check() refuses is shown again with its message (422) and
 * nothing is written. Every statement names the session's user, so an
 * id of someone else's rule is a 404.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "filter-rule.h"
#include "imapc.h"
#include "log.h"
#include "mail.h"
#include "pool.h"
#include "settings.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define WM_FILTER_ROWS 5	/* condition rows of the form */

/* one row per rule (k 0), condition (1) and action (2), rules in order */
#define WM_FILTERS_SQL \
	"SELECT 0 AS k, f.id, f.position, 0::bigint AS n, f.name," \
	" f.enabled::text, f.match_any::text, f.stop::text" \
	" FROM filters f WHERE f.user_id = $1::bigint" \
	" AND ($2::bigint = 0 OR f.id = $2::bigint)" \
	" UNION ALL SELECT 1, f.id, f.position, t.n, t.e->>'field'," \
	" t.e->>'header', t.e->>'op', t.e->>'value'" \
	" FROM filters f, jsonb_array_elements(f.conditions)" \
	"  WITH ORDINALITY AS t(e, n) WHERE f.user_id = $1::bigint" \
	" AND ($2::bigint = 0 OR f.id = $2::bigint)" \
	" UNION ALL SELECT 2, f.id, f.position, t.n, t.e->>'type', NULL," \
	" NULL, t.e->>'value'" \
	" FROM filters f, jsonb_array_elements(f.actions)" \
	"  WITH ORDINALITY AS t(e, n) WHERE f.user_id = $1::bigint" \
	" AND ($2::bigint = 0 OR f.id = $2::bigint)" \
	" ORDER BY 3, 2, 1, 4"

/* load_rules - the user's rules (or the one with id, when id != 0);
 * -1 on a database error */
static int load_rules(struct web_req *req, int64_t id,
		      struct filter_rule **rules_r, unsigned int *n_r)
{
	const char *params[2];
	struct filter_rule *rules, *cur = NULL;
	unsigned int n = 0;
	PGresult *res;
	int rows;

	params[0] = wm_settings_user(req);
	params[1] = p_printf(req->pool, "%" PRId64, id);
	res = db_query(req->pool, WM_FILTERS_SQL, 2, params);
	if (res == NULL)
		return -1;
	rows = db_ntuples(res);
	rules = p_new(req->pool, struct filter_rule, (size_t)rows + 1);
	for (int i = 0; i < rows; i++) {
		const char *k = db_value(res, i, 0);
		const char *v = db_value(res, i, 7);

		if (strcmp(k, "0") == 0) {
			cur = &rules[n++];
			if (str_to_int64(db_value(res, i, 1), &cur->id) < 0)
				cur->id = 0;
			cur->name = db_value(res, i, 4);
			cur->enabled = strcmp(db_value(res, i, 5), "true") == 0;
			cur->match_any = strcmp(db_value(res, i, 6), "true") == 0;
			cur->stop = strcmp(db_value(res, i, 7), "true") == 0;
		} else if (strcmp(k, "1") == 0 && cur != NULL &&
			   cur->nconds < FILTER_CONDS_MAX) {
			struct filter_cond *c = &cur->conds[cur->nconds];

			c->header = db_value(res, i, 5);
			c->value = v != NULL ? v : "";
			if (filter_field_parse(db_value(res, i, 4),
					       &c->field) < 0 ||
			    filter_op_parse(db_value(res, i, 6), &c->op) < 0)
				continue;
			if (c->field == FILTER_F_SIZE &&
			    filter_size_parse(c->value, &c->size) < 0)
				continue;
			if (c->field == FILTER_F_HEADER && c->header == NULL)
				continue;
			cur->nconds++;
		} else if (strcmp(k, "2") == 0 && cur != NULL &&
			   cur->nacts < FILTER_ACTIONS_MAX) {
			struct filter_action *a = &cur->acts[cur->nacts];

			a->value = v != NULL ? v : "";
			if (filter_action_parse(db_value(res, i, 4),
						&a->type) == 0)
				cur->nacts++;
		}
	}
	*rules_r = rules;
	*n_r = n;
	return 0;
}

/* set_rule - a rule's data under pre (Rules.N. or Rule.) */
static void set_rule(struct web_req *req, const char *pre,
		     const struct filter_rule *r)
{
	struct buf *sieve = buf_new_pool(req->pool, 0);

#define RSET(k, v) wcs_set(req->hdf, p_printf(req->pool, "%s" k, pre), v)
	RSET("Id", p_printf(req->pool, "%" PRId64, r->id));
	RSET("Name", r->name);
	RSET("Enabled", r->enabled ? "1" : "");
	RSET("MatchAny", r->match_any ? "1" : "");
	RSET("Stop", r->stop ? "1" : "");
	for (unsigned int i = 0; i < r->nconds; i++) {
		const struct filter_cond *c = &r->conds[i];
		const char *cp = p_printf(req->pool, "%sConds.%u.", pre, i);

		wcs_set(req->hdf, p_printf(req->pool, "%sField", cp),
			filter_field_name(c->field));
		wcs_set(req->hdf, p_printf(req->pool, "%sHeader", cp),
			c->header != NULL ? c->header : "");
		wcs_set(req->hdf, p_printf(req->pool, "%sOp", cp),
			filter_op_name(c->op));
		wcs_set(req->hdf, p_printf(req->pool, "%sValue", cp),
			c->value);
	}
	for (unsigned int i = 0; i < r->nacts; i++) {
		const struct filter_action *a = &r->acts[i];
		const char *ap = p_printf(req->pool, "%sActs.%u.", pre, i);

		wcs_set(req->hdf, p_printf(req->pool, "%sType", ap),
			filter_action_name(a->type));
		wcs_set(req->hdf, p_printf(req->pool, "%sValue", ap),
			a->value);
		/* the form's fields by type: Rule.A.fileinto, ... */
		wcs_set(req->hdf, p_printf(req->pool, "%sA.%s", pre,
			filter_action_name(a->type)),
			*a->value != '\0' && a->type != FILTER_A_REJECT ?
			a->value : "1");
		if (a->type == FILTER_A_REJECT)
			RSET("RejectText", a->value);
	}
	filter_sieve_rule(sieve, r);
	RSET("Sieve", sieve->data);
#undef RSET
}

/* ==== the list ========================================================= */

static int show_list(struct web_req *req)
{
	struct filter_rule *rules;
	unsigned int n;

	if (load_rules(req, 0, &rules, &n) < 0)
		return wm_settings_fail(req, "filters_list");
	for (unsigned int i = 0; i < n; i++)
		set_rule(req, p_printf(req->pool, "Rules.%u.", i), &rules[i]);
	if (n > 0) {
		wcs_set(req->hdf, p_printf(req->pool, "Rules.0.First"), "1");
		wcs_set(req->hdf, p_printf(req->pool, "Rules.%u.Last", n - 1),
			"1");
	}
	wcs_set(req->hdf, "Page.Done", form_get(&req->query, "done"));
	return web_render(req, 200, "filters.cs");
}

int wm_page_filters(struct web_req *req)
{
	return show_list(req);
}

/* move - swap the rule with its neighbour (dir -1 up, 1 down); every
 * rule gets its place in the order as position. 1 moved (or already
 * at the end), 0 no such rule, -1 error */
static int move(struct web_req *req, const char *id, int dir)
{
	const char *params[3] = { wm_settings_user(req), id,
				  dir < 0 ? "-1" : "1" };
	PGresult *res;

	if (db_begin() < 0)
		return -1;
	res = db_query(req->pool, "SELECT 1 FROM filters WHERE"
		       " user_id = $1::bigint AND id = $2::bigint FOR UPDATE",
		       2, params);
	if (res == NULL || db_ntuples(res) == 0) {
		db_rollback();
		return res == NULL ? -1 : 0;
	}
	res = db_query(req->pool,
		"WITH o AS (SELECT id, (row_number() OVER"
		"  (ORDER BY position, id))::int AS rn FROM filters"
		"  WHERE user_id = $1::bigint),"
		" me AS (SELECT rn FROM o WHERE id = $2::bigint),"
		" other AS (SELECT o.id, o.rn FROM o, me"
		"  WHERE o.rn = me.rn + $3::int),"
		" t AS (SELECT o.id, CASE"
		"  WHEN o.id = $2::bigint AND EXISTS (SELECT 1 FROM other)"
		"   THEN o.rn + $3::int"
		"  WHEN o.id = (SELECT id FROM other) THEN o.rn - $3::int"
		"  ELSE o.rn END AS pos FROM o)"
		" UPDATE filters f SET position = t.pos FROM t"
		" WHERE f.id = t.id AND f.user_id = $1::bigint", 3, params);
	if (res == NULL || db_commit() < 0) {
		db_rollback();
		return -1;
	}
	return 1;
}

int wm_action_filters(struct web_req *req)
{
	const char *op = form_get(&req->post, "op");
	const char *id = form_get(&req->post, "id");
	const char *params[3];
	int64_t n;
	int ret;

	if (op == NULL)
		return web_fail(req, 400, "bad_request");
	if (id == NULL || str_to_int64(id, &n) < 0)
		return web_fail(req, 404, "not_found");
	params[0] = wm_settings_user(req);
	params[1] = id;
	if (strcmp(op, "up") == 0 || strcmp(op, "down") == 0) {
		ret = move(req, id, strcmp(op, "up") == 0 ? -1 : 1);
	} else if (strcmp(op, "enable") == 0 || strcmp(op, "disable") == 0 ||
		   strcmp(op, "delete") == 0) {
		PGresult *res;

		params[2] = strcmp(op, "enable") == 0 ? "t" : "f";
		if (strcmp(op, "delete") == 0)
			res = db_query(req->pool, "DELETE FROM filters WHERE"
				       " user_id = $1::bigint AND id = $2::bigint"
				       " RETURNING id", 2, params);
		else
			res = db_query(req->pool, "UPDATE filters SET"
				       " enabled = $3::boolean, updated_at = now()"
				       " WHERE user_id = $1::bigint"
				       " AND id = $2::bigint RETURNING id", 3,
				       params);
		ret = res == NULL ? -1 : db_ntuples(res) > 0;
	} else {
		return web_fail(req, 400, "bad_request");
	}
	if (ret < 0)
		return wm_settings_fail(req, "filters_change");
	if (ret == 0)
		return web_fail(req, 404, "not_found");
	log_info("event=webmail_filter op=%s user=%s id=%s", op,
		 log_quote(req->session->principal.login), id);
	return web_redirect(req, p_printf(req->pool,
		"/settings/filters?done=%s", op));
}

/* ==== the form ========================================================= */

/* set_folders - the user's folders for fileinto (their UTF-8 names, as
 * delivery looks them up); -1 when IMAP failed (response made) */
static int set_folders(struct web_req *req, const char ***names_r,
		       unsigned int *n_r)
{
	struct imapc_folder *f;
	unsigned int n, k = 0;
	struct imapc *c = wm_connect_with_folders(req, &f, &n);
	const char **names;

	if (c == NULL)
		return -1;
	imapc_release(&c);
	names = p_new(req->pool, const char *, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		const char *pre = p_printf(req->pool, "Folders.%u.", k);

		if (f[i].noselect)
			continue;
		names[k++] = f[i].name;
		wcs_set(req->hdf, p_printf(req->pool, "%sName", pre),
			f[i].name);
		wcs_set(req->hdf, p_printf(req->pool, "%sSpecial", pre),
			wm_special_name(f[i].special));
	}
	*names_r = names;
	*n_r = k;
	return 0;
}

/* show_form - the form for r (NULL: a new rule) */
static int show_form(struct web_req *req, const struct filter_rule *r,
		     const char *error_key, int status)
{
	const char **names;
	unsigned int nf;

	if (set_folders(req, &names, &nf) < 0)
		return 0;
	if (r != NULL)
		set_rule(req, "Rule.", r);
	else {
		wcs_set(req->hdf, "Rule.Enabled", "1");
		wcs_set(req->hdf, "Rule.Stop", "1");
	}
	for (unsigned int i = 0; i < WM_FILTER_ROWS ||
	     (r != NULL && i < r->nconds); i++)
		wcs_set_int(req->hdf, p_printf(req->pool, "Rows.%u", i), i);
	if (error_key != NULL)
		wcs_set(req->hdf, "Page.FormError", error_key);
	return web_render(req, status, "filter-edit.cs");
}

int wm_page_filter_edit(struct web_req *req)
{
	const char *id = form_get(&req->query, "id");
	struct filter_rule *rules;
	unsigned int n;
	int64_t k;

	if (id == NULL || *id == '\0')
		return show_form(req, NULL, NULL, 200);
	if (str_to_int64(id, &k) < 0 || k <= 0)
		return web_fail(req, 404, "not_found");
	if (load_rules(req, k, &rules, &n) < 0)
		return wm_settings_fail(req, "filters_edit");
	if (n == 0)
		return web_fail(req, 404, "not_found");
	return show_form(req, &rules[0], NULL, 200);
}

/* field - the form's name.N */
static const char *field(struct web_req *req, const char *name,
			 unsigned int i)
{
	return form_get(&req->post, p_printf(req->pool, "%s.%u", name, i));
}

/* read_rule - the posted rule; the conditions are the rows with a value
 * (or a field that needs none); -1 with *key_r for a row that makes no
 * sense (unknown names) */
static int read_rule(struct web_req *req, struct filter_rule *r,
		     const char **key_r)
{
	const char *name = form_get(&req->post, "name");
	const char *match = form_get(&req->post, "match");
	static const enum filter_action_type order[] = {
		FILTER_A_FILEINTO, FILTER_A_SEEN, FILTER_A_FLAG,
		FILTER_A_FORWARD, FILTER_A_REJECT, FILTER_A_DISCARD,
	};

	memset(r, 0, sizeof(*r));
	r->name = name != NULL ? str_trim(p_strdup(req->pool, name)) : "";
	r->match_any = match != NULL && strcmp(match, "any") == 0;
	r->enabled = form_get(&req->post, "enabled") != NULL;
	r->stop = form_get(&req->post, "stop") != NULL;
	for (unsigned int i = 0; i < FILTER_CONDS_MAX * 2; i++) {
		const char *f = field(req, "c_field", i);
		const char *op = field(req, "c_op", i);
		const char *v = field(req, "c_value", i);
		const char *h = field(req, "c_header", i);
		struct filter_cond *c;

		if (f == NULL && v == NULL)
			continue;
		if (f == NULL || *f == '\0' || v == NULL ||
		    *str_trim(p_strdup(req->pool, v)) == '\0')
			continue;	/* an unused row */
		if (r->nconds >= FILTER_CONDS_MAX) {
			*key_r = "too_many";
			return -1;
		}
		c = &r->conds[r->nconds++];
		c->value = str_trim(p_strdup(req->pool, v));
		if (filter_field_parse(f, &c->field) < 0 ||
		    filter_op_parse(op, &c->op) < 0) {
			c->field = FILTER_F_SUBJECT;
			c->op = FILTER_OP_CONTAINS;
			*key_r = "op";
			return -1;
		}
		c->header = c->field == FILTER_F_HEADER && h != NULL ?
			str_trim(p_strdup(req->pool, h)) : NULL;
		if (c->field == FILTER_F_SIZE) {
			if (filter_size_parse(c->value, &c->size) < 0) {
				*key_r = "size";
				return -1;
			}
			c->value = p_printf(req->pool, "%" PRIu64, c->size);
		}
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *fname = p_printf(req->pool, "a_%s",
					     filter_action_name(order[i]));
		const char *v = form_get(&req->post, fname);
		struct filter_action *a;

		if (order[i] == FILTER_A_REJECT && v != NULL)
			v = form_get(&req->post, "a_reject_text") != NULL ?
				form_get(&req->post, "a_reject_text") : "";
		if (v == NULL || (*v == '\0' && order[i] != FILTER_A_REJECT))
			continue;
		a = &r->acts[r->nacts++];
		a->type = order[i];
		a->value = order[i] == FILTER_A_SEEN ||
			order[i] == FILTER_A_FLAG ||
			order[i] == FILTER_A_DISCARD ? "" :
			str_trim(p_strdup(req->pool, v));
	}
	return 0;
}

/* json_array - conditions or actions as the JSON the table holds */
static const char *json_conds(struct web_req *req,
			      const struct filter_rule *r)
{
	struct buf *b = buf_new_pool(req->pool, 0);

	buf_addc(b, '[');
	for (unsigned int i = 0; i < r->nconds; i++) {
		const struct filter_cond *c = &r->conds[i];

		buf_addf(b, "%s{\"field\":%s,\"op\":%s,\"value\":%s",
			 i > 0 ? "," : "",
			 str_json_quote(req->pool, filter_field_name(c->field)),
			 str_json_quote(req->pool, filter_op_name(c->op)),
			 str_json_quote(req->pool, c->value));
		if (c->header != NULL)
			buf_addf(b, ",\"header\":%s",
				 str_json_quote(req->pool, c->header));
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
	return b->data;
}

static const char *json_acts(struct web_req *req,
			     const struct filter_rule *r)
{
	struct buf *b = buf_new_pool(req->pool, 0);

	buf_addc(b, '[');
	for (unsigned int i = 0; i < r->nacts; i++)
		buf_addf(b, "%s{\"type\":%s,\"value\":%s}", i > 0 ? "," : "",
			 str_json_quote(req->pool,
					filter_action_name(r->acts[i].type)),
			 str_json_quote(req->pool, r->acts[i].value));
	buf_addc(b, ']');
	return b->data;
}

int wm_action_filter_edit(struct web_req *req)
{
	const char *id = form_get(&req->post, "id");
	const char *key = NULL, *params[8];
	const char **names;
	struct filter_rule r;
	unsigned int nf;
	int64_t k = 0;
	PGresult *res;

	if (id != NULL && *id != '\0' && (str_to_int64(id, &k) < 0 || k <= 0))
		return web_fail(req, 404, "not_found");
	if (k > 0) {
		struct filter_rule *rules;
		unsigned int n;

		if (load_rules(req, k, &rules, &n) < 0)
			return wm_settings_fail(req, "filters_edit");
		if (n == 0)
			return web_fail(req, 404, "not_found");
	}
	if (read_rule(req, &r, &key) == 0 &&
	    filter_rule_check(&r, req->session->principal.login, &key) == 0) {
		/* the folder must be one of the user's */
		key = NULL;
		for (unsigned int i = 0; i < r.nacts; i++) {
			bool found = false;

			if (r.acts[i].type != FILTER_A_FILEINTO)
				continue;
			if (set_folders(req, &names, &nf) < 0)
				return 0;
			for (unsigned int j = 0; j < nf; j++)
				if (strcmp(names[j], r.acts[i].value) == 0)
					found = true;
			if (!found)
				key = "folder";
		}
	}
	if (key != NULL) {
		r.id = k;
		return show_form(req, &r, key, 422);
	}
	params[0] = wm_settings_user(req);
	params[1] = p_printf(req->pool, "%" PRId64, k);
	params[2] = r.name;
	params[3] = r.enabled ? "t" : "f";
	params[4] = r.match_any ? "t" : "f";
	params[5] = r.stop ? "t" : "f";
	params[6] = json_conds(req, &r);
	params[7] = json_acts(req, &r);
	if (k > 0)
		res = db_query(req->pool, "UPDATE filters SET name = $3,"
			       " enabled = $4::boolean, match_any = $5::boolean,"
			       " stop = $6::boolean, conditions = $7::jsonb,"
			       " actions = $8::jsonb, updated_at = now()"
			       " WHERE user_id = $1::bigint AND id = $2::bigint"
			       " RETURNING id", 8, params);
	else
		res = db_query(req->pool, "INSERT INTO filters (user_id, name,"
			       " enabled, match_any, stop, conditions, actions,"
			       " position) SELECT $1::bigint, $3, $4::boolean,"
			       " $5::boolean, $6::boolean, $7::jsonb, $8::jsonb,"
			       " COALESCE(max(position) + 1, 0) FROM filters"
			       " WHERE user_id = $1::bigint AND $2 = '0'"
			       " HAVING count(*) < 200"	/* FILTER_RULES_MAX */
			       " RETURNING id", 8, params);
	if (res == NULL)
		return wm_settings_fail(req, "filters_save");
	if (db_ntuples(res) == 0) {
		if (k > 0)
			return web_fail(req, 404, "not_found");
		return show_form(req, &r, "too_many", 422);
	}
	log_info("event=webmail_filter op=%s user=%s id=%s",
		 k > 0 ? "edit" : "add",
		 log_quote(req->session->principal.login),
		 db_value(res, 0, 0));
	return web_redirect(req, p_printf(req->pool,
		"/settings/filters?done=%s", k > 0 ? "edit" : "add"));
}

/* ==== Sieve ============================================================ */

int wm_page_filters_sieve(struct web_req *req)
{
	struct filter_rule *rules;
	unsigned int n;
	struct buf *out = buf_new_pool(req->pool, 0);

	if (load_rules(req, 0, &rules, &n) < 0)
		return wm_settings_fail(req, "filters_sieve");
	buf_addf(out, "# Mail filter rules of %s\n",
		 req->session->principal.login);
	filter_sieve_script(out, rules, n);
	req->status = 200;
	req->content_type = "application/sieve; charset=utf-8";
	web_header_add(req, "Content-Disposition",
		       "attachment; filename=\"mailhive.sieve\"");
	if (buf_append(req->body, out->data, out->len) < 0)
		return web_fail(req, 413, "too_large");
	return 0;
}
