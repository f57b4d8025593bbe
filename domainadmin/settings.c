/*
 * settings.c - a domain's settings: defaults for its users (language,
 * skin, spam level, quota), its largest message, its password policy,
 * and its SSO secret.
 *
 *   GET  /settings        ?d=[&done=saved|sso_removed]
 *   POST /settings        d, language, skin, spam_level, quota (MiB,
 *                         empty = the package's), max_size (MiB, empty =
 *                         the package's or the system's), pw_min (empty
 *                         = the system minimum), pw_lower, pw_upper,
 *                         pw_digit, pw_symbol (checkboxes)
 *   POST /settings/sso    d, op=generate|rotate|remove, confirm=1
 *
 * The defaults apply to the users that have no value of their own: a
 * user's language '' and quota 0 mean the domain's (auth.c, deliver.h),
 * so a user added without them gets the domain's, and a changed default
 * reaches every user that still relies on it. That is why a new default
 * quota is checked against the service package for all those users at
 * once, in the transaction that writes it, under the domain's row lock.
 * The largest message is enforced by the SMTP server for local
 * recipients (smtpd-rcpt.c); the password policy wherever a password of
 * the domain's users is set (users.c, mailhivectl through accounts.c).
 *
 * Every field is checked before anything is written; a bad value gets
 * its message next to the field (Errors.<field>), status 422, and the
 * form keeps what was typed. A change writes one audit row with the old
 * and new value of each setting that changed.
 *
 * SECURITY: the domain comes from dadm_domain(), so only an
 * administrator's own domains are found. The SSO secret is made here
 * (32 random bytes), sealed (lib/sso-secret.c) and shown once, in the
 * answer to the POST that made it (never cached, like every page); it
 * never reaches a log, an audit row, a GET page or the database in
 * clear.
 */
#include "config.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "accounts.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "deliver.h"
#include "domainadmin.h"
#include "log.h"
#include "pool.h"
#include "sso-secret.h"
#include "strnum.h"
#include "token.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-i18n.h"
#include "web-req.h"
#include "web-skin.h"
#include "web-session.h"

#define SET_CHOICES_MAX 50		/* languages or skins listed */
#define SET_NAME_MAX 32			/* of a language or skin */
#define SET_SPAM_MAX 10

/* the settings of one domain, as stored or as typed */
struct settings {
	const char *language;		/* "" = the visitor's browser */
	const char *skin;		/* "" = the system's */
	unsigned int spam_level;
	uint64_t quota;			/* bytes; 0 = the package's */
	uint64_t max_size;		/* bytes; 0 = the package's/system's */
	struct acct_pw_policy pw;	/* min_chars 0 = the system's */
};

/* what the page shows besides the settings */
struct settings_row {
	struct settings s;
	const char *policy;		/* the stored JSON */
	const char *sso_set_at;		/* NULL = no secret */
	uint64_t pkg_max_size;		/* 0 = none */
};

/* ==== choices =========================================================== */

/* name_ok - a language or skin name: letters, digits, _ and - */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SET_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* list_dir - the names of the files in dir/sub that end in suffix
 * (removed) and pass name_ok, sorted */
static unsigned int list_dir(struct pool *pool, const char *sub,
			     const char *suffix, const char **names)
{
	const char *dir = p_printf(pool, "%s/%s", cfg.templates_dir, sub);
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < SET_CHOICES_MAX) {
		char *name = p_strdup(pool, e->d_name);
		size_t len = strlen(name), sl = strlen(suffix);

		if (name[0] == '.')
			continue;
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		if (len <= sl || strcmp(name + len - sl, suffix) != 0)
			continue;
		name[len - sl] = '\0';
		if (name_ok(name))
			names[n++] = name;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	return n;
}

/* languages - the installed languages this server can show */
static unsigned int languages(struct pool *pool, const char **names)
{
	const char *all[SET_CHOICES_MAX];
	unsigned int n = list_dir(pool, "lang", ".hdf", all), k = 0;

	for (unsigned int i = 0; i < n; i++) {
		const char *code = i18n_known(all[i]);

		if (code != NULL && strcmp(code, all[i]) == 0)
			names[k++] = all[i];
	}
	return k;
}

/* language_name - the language's name for itself (its file's "name") */
static const char *language_name(struct pool *pool, const char *code)
{
	HDF *hdf = wcs_hdf_new(NULL);
	const char *name = code;

	if (hdf == NULL)
		return code;
	if (wcs_read_file(hdf, p_printf(pool, "%s/lang/%s.hdf",
					cfg.templates_dir, code)) == 0)
		name = p_strdup(pool, hdf_get_value(hdf, "name", code));
	wcs_hdf_free(&hdf);
	return name;
}

/* among - s is "" or one of names */
static bool among(const char *s, const char **names, unsigned int n)
{
	if (*s == '\0')
		return true;
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

/* ==== reading =========================================================== */

/* system_max_size - the largest message this domain may allow: the
 * system's, or the package's when that is smaller */
static uint64_t system_max_size(const struct settings_row *row)
{
	uint64_t max = cfg.smtp_max_message_size;

	if (row->pkg_max_size > 0 && (max == 0 || row->pkg_max_size < max))
		max = row->pkg_max_size;
	return max;
}

/* load - the domain's settings; lock holds its row to the transaction's
 * end. 0 or -1 */
static int load(struct web_req *req, const struct dadm_domain *dom,
		bool lock, struct settings_row *row)
{
	const char *params[1] = { dom->id };
	unsigned int n;
	PGresult *res;

	res = db_query(req->pool, lock ?
		"SELECT d.default_language, d.default_skin, d.spam_level,"
		" d.default_quota_bytes, d.max_message_bytes, d.password_policy,"
		" to_char(d.sso_secret_set_at, 'YYYY-MM-DD HH24:MI'),"
		" COALESCE(p.max_message_bytes, 0), " ACCT_PW_POLICY_SQL
		" FROM domains d LEFT JOIN service_packages p"
		" ON p.id = d.package_id WHERE d.id = $1::bigint"
		" FOR UPDATE OF d" :
		"SELECT d.default_language, d.default_skin, d.spam_level,"
		" d.default_quota_bytes, d.max_message_bytes, d.password_policy,"
		" to_char(d.sso_secret_set_at, 'YYYY-MM-DD HH24:MI'),"
		" COALESCE(p.max_message_bytes, 0), " ACCT_PW_POLICY_SQL
		" FROM domains d LEFT JOIN service_packages p"
		" ON p.id = d.package_id WHERE d.id = $1::bigint", 1, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	memset(row, 0, sizeof(*row));
	row->s.language = db_value(res, 0, 0);
	row->s.skin = db_value(res, 0, 1);
	if (str_to_uint(db_value(res, 0, 2), &n) < 0)
		return -1;
	row->s.spam_level = n;
	row->s.quota = dadm_u64(db_value(res, 0, 3));
	row->s.max_size = dadm_u64(db_value(res, 0, 4));
	row->policy = db_value(res, 0, 5);
	row->sso_set_at = db_value(res, 0, 6);
	row->pkg_max_size = dadm_u64(db_value(res, 0, 7));
	if (str_to_uint(db_value(res, 0, 8), &row->s.pw.min_chars) < 0 ||
	    str_to_uint(db_value(res, 0, 9), &row->s.pw.classes) < 0)
		return -1;
	return 0;
}

/* ==== the page ========================================================== */

/* set_form - the form's fields from s (stored or as typed) */
static void set_form(struct web_req *req, const struct settings *s)
{
	wcs_set(req->hdf, "Form.Language", s->language);
	wcs_set(req->hdf, "Form.Skin", s->skin);
	wcs_set_int(req->hdf, "Form.SpamLevel", (long)s->spam_level);
	wcs_set(req->hdf, "Form.Quota", dadm_mb(req->pool, s->quota));
	wcs_set(req->hdf, "Form.MaxSize", dadm_mb(req->pool, s->max_size));
	if (s->pw.min_chars > 0)
		wcs_set_int(req->hdf, "Form.PwMin", (long)s->pw.min_chars);
	wcs_set(req->hdf, "Form.PwLower",
		s->pw.classes & ACCT_PW_LOWER ? "1" : "");
	wcs_set(req->hdf, "Form.PwUpper",
		s->pw.classes & ACCT_PW_UPPER ? "1" : "");
	wcs_set(req->hdf, "Form.PwDigit",
		s->pw.classes & ACCT_PW_DIGIT ? "1" : "");
	wcs_set(req->hdf, "Form.PwSymbol",
		s->pw.classes & ACCT_PW_SYMBOL ? "1" : "");
}

/* show - the settings page: the stored values, or what was typed when
 * Form.Set is there already */
static int show(struct web_req *req, const struct dadm_domain *dom,
		int status)
{
	const char *langs[SET_CHOICES_MAX];
	const char *const *skins;
	unsigned int nl, ns;
	struct settings_row row;
	uint64_t max;

	if (load(req, dom, false, &row) < 0)
		return dadm_unavailable(req);
	if (hdf_get_value(req->hdf, "Form.Set", NULL) == NULL)
		set_form(req, &row.s);
	nl = languages(req->pool, langs);
	for (unsigned int i = 0; i < nl; i++) {
		dadm_setf(req, p_printf(req->pool, "Languages.%u.Code", i),
			  "%s", langs[i]);
		dadm_setf(req, p_printf(req->pool, "Languages.%u.Name", i),
			  "%s", language_name(req->pool, langs[i]));
	}
	skins = web_skins(&ns);
	for (unsigned int i = 0; i < ns; i++)
		dadm_setf(req, p_printf(req->pool, "Skins.%u", i), "%s",
			  skins[i]);

	/* what is in force now, and the limits */
	wcs_set(req->hdf, "Current.Language", row.s.language);
	wcs_set(req->hdf, "Current.Skin", row.s.skin);
	wcs_set_int(req->hdf, "Current.SpamLevel", (long)row.s.spam_level);
	wcs_set(req->hdf, "Current.Quota", row.s.quota > 0 ?
		dadm_size(req->pool, row.s.quota) : "");
	wcs_set(req->hdf, "Current.MaxSize", row.s.max_size > 0 ?
		dadm_size(req->pool, row.s.max_size) : "");
	wcs_set(req->hdf, "Current.Policy", row.policy);
	max = system_max_size(&row);
	wcs_set(req->hdf, "Limit.MaxSize", max > 0 ?
		dadm_size(req->pool, max) : "");
	wcs_set(req->hdf, "Limit.MaxSizeMb", dadm_mb(req->pool, max));
	wcs_set(req->hdf, "Limit.UserQuota", dom->max_user_quota > 0 ?
		dadm_size(req->pool, dom->max_user_quota) : "");
	wcs_set(req->hdf, "Limit.UserQuotaMb",
		dadm_mb(req->pool, dom->max_user_quota));
	wcs_set_int(req->hdf, "Limit.PwMin", ACCT_PASSWORD_MIN);
	wcs_set_int(req->hdf, "Limit.PwMax", ACCT_PW_MIN_MAX);
	wcs_set_int(req->hdf, "Limit.SpamMax", SET_SPAM_MAX);
	wcs_set(req->hdf, "Sso.SetAt", row.sso_set_at);
	return web_render(req, status, "settings.cs");
}

/* dadm_page_settings - GET /settings */
int dadm_page_settings(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *done = form_get(&req->query, "done");

	if (dom == NULL)
		return 0;
	if (done != NULL && (strcmp(done, "saved") == 0 ||
			     strcmp(done, "sso_removed") == 0))
		wcs_set(req->hdf, "Settings.Done", done);
	return show(req, dom, 200);
}

/* ==== saving ============================================================ */

struct save_ctx {
	struct web_req *req;
	const struct dadm_domain *dom;
	struct settings s;
	bool refused;			/* Errors.* say why */
	bool changed;
};

/* field_error - a message key next to the field */
static void field_error(struct save_ctx *c, const char *field,
			const char *key)
{
	wcs_set(c->req->hdf, p_printf(c->req->pool, "Errors.%s", field), key);
	c->refused = true;
}

/* read_mb - an optional whole number of MiB; false when malformed */
static bool read_mb(const char *typed, uint64_t *bytes_r)
{
	uint64_t mb = 0;

	if (typed != NULL && *typed != '\0' &&
	    (str_to_u64(typed, &mb) < 0 || mb > DADM_QUOTA_MB_MAX))
		return false;
	*bytes_r = mb * DADM_MIB;
	return true;
}

/* read_form - every field, each checked on its own; the form keeps what
 * was typed */
static void read_form(struct save_ctx *c, const struct settings_row *row)
{
	struct web_req *req = c->req;
	const char *langs[SET_CHOICES_MAX];
	const char *v;
	unsigned int nl, n;
	uint64_t max;

	wcs_set(req->hdf, "Form.Set", "1");
	v = form_get(&req->post, "language");
	c->s.language = v != NULL ? v : "";
	wcs_set(req->hdf, "Form.Language", c->s.language);
	nl = languages(req->pool, langs);
	if (!among(c->s.language, langs, nl))
		field_error(c, "language", "language_bad");

	v = form_get(&req->post, "skin");
	c->s.skin = v != NULL ? v : "";
	wcs_set(req->hdf, "Form.Skin", c->s.skin);
	/* the skins webmail knows, so that a domain's default is one it
	 * can show */
	if (c->s.skin[0] != '\0' && !web_skin_known(c->s.skin))
		field_error(c, "skin", "skin_bad");

	v = form_get(&req->post, "spam_level");
	wcs_set(req->hdf, "Form.SpamLevel", v != NULL ? v : "");
	if (v == NULL || str_to_uint(v, &n) < 0 || n > SET_SPAM_MAX)
		field_error(c, "spam_level", "spam_bad");
	else
		c->s.spam_level = n;

	v = form_get(&req->post, "quota");
	wcs_set(req->hdf, "Form.Quota", v != NULL ? v : "");
	if (!read_mb(v, &c->s.quota))
		field_error(c, "quota", "quota_bad");
	else if (c->s.quota != row->s.quota && c->dom->max_user_quota > 0 &&
		 c->s.quota > c->dom->max_user_quota)
		field_error(c, "quota", "quota_limit");

	v = form_get(&req->post, "max_size");
	wcs_set(req->hdf, "Form.MaxSize", v != NULL ? v : "");
	max = system_max_size(row);
	if (!read_mb(v, &c->s.max_size))
		field_error(c, "max_size", "size_bad");
	else if (c->s.max_size != row->s.max_size && max > 0 &&
		 c->s.max_size > max)
		field_error(c, "max_size", "size_limit");

	v = form_get(&req->post, "pw_min");
	wcs_set(req->hdf, "Form.PwMin", v != NULL ? v : "");
	c->s.pw.min_chars = 0;
	if (v != NULL && *v != '\0' &&
	    (str_to_uint(v, &c->s.pw.min_chars) < 0 ||
	     c->s.pw.min_chars < ACCT_PASSWORD_MIN ||
	     c->s.pw.min_chars > ACCT_PW_MIN_MAX))
		field_error(c, "pw_min", "pw_min_bad");
	c->s.pw.classes = 0;
	if (form_get(&req->post, "pw_lower") != NULL)
		c->s.pw.classes |= ACCT_PW_LOWER;
	if (form_get(&req->post, "pw_upper") != NULL)
		c->s.pw.classes |= ACCT_PW_UPPER;
	if (form_get(&req->post, "pw_digit") != NULL)
		c->s.pw.classes |= ACCT_PW_DIGIT;
	if (form_get(&req->post, "pw_symbol") != NULL)
		c->s.pw.classes |= ACCT_PW_SYMBOL;
	wcs_set(req->hdf, "Form.PwLower",
		c->s.pw.classes & ACCT_PW_LOWER ? "1" : "");
	wcs_set(req->hdf, "Form.PwUpper",
		c->s.pw.classes & ACCT_PW_UPPER ? "1" : "");
	wcs_set(req->hdf, "Form.PwDigit",
		c->s.pw.classes & ACCT_PW_DIGIT ? "1" : "");
	wcs_set(req->hdf, "Form.PwSymbol",
		c->s.pw.classes & ACCT_PW_SYMBOL ? "1" : "");
}

/* policy_json - the policy keys this page owns, as a JSON object */
static const char *policy_json(struct pool *pool,
			       const struct acct_pw_policy *pw)
{
	struct buf *b = buf_new_pool(pool, 0);

	buf_adds(b, "{");
	if (pw->min_chars > 0)
		buf_addf(b, "\"min_length\":%u", pw->min_chars);
#define CLASS(bit, key) \
	if (pw->classes & (bit)) \
		buf_addf(b, "%s\"" key "\":true", b->len > 1 ? "," : "")
	CLASS(ACCT_PW_LOWER, "require_lower");
	CLASS(ACCT_PW_UPPER, "require_upper");
	CLASS(ACCT_PW_DIGIT, "require_digit");
	CLASS(ACCT_PW_SYMBOL, "require_symbol");
#undef CLASS
	buf_adds(b, "}");
	return b->data;
}

/* check_total - with the new default quota in place, all users together
 * stay within the package's total; 0 ok, 1 refused, -1 error */
static int check_total(struct save_ctx *c)
{
	const char *params[1] = { c->dom->id };
	uint64_t total;
	PGresult *res;

	if (c->dom->max_quota == 0)
		return 0;
	res = db_query(c->req->pool, "SELECT COALESCE(sum(" DELIVER_QUOTA_EXPR
		       "), 0)" DELIVER_QUOTA_FROM " WHERE u.domain_id ="
		       " $1::bigint AND u.deleted_at IS NULL", 1, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	total = dadm_u64(db_value(res, 0, 0));
	if (total <= c->dom->max_quota)
		return 0;
	wcs_set(c->req->hdf, "Limit.Total", dadm_size(c->req->pool, total));
	field_error(c, "quota", "quota_total");
	return 1;
}

/* settings_tx - lock, compare, write, check the total quota, audit */
static int settings_tx(void *arg)
{
	struct save_ctx *c = arg;
	struct pool *pool = c->req->pool;
	struct buf *detail = buf_new_pool(pool, 0);
	struct settings_row old;
	const char *params[8], *new_policy;
	int ret;

	if (load(c->req, c->dom, true, &old) < 0)
		return -1;
	new_policy = policy_json(pool, &c->s.pw);
	buf_adds(detail, "{");
#define SEP (detail->len > 1 ? "," : "")
	if (strcmp(old.s.language, c->s.language) != 0)
		buf_addf(detail, "%s\"default_language\":[%s,%s]", SEP,
			 str_json_quote(pool, old.s.language),
			 str_json_quote(pool, c->s.language));
	if (strcmp(old.s.skin, c->s.skin) != 0)
		buf_addf(detail, "%s\"default_skin\":[%s,%s]", SEP,
			 str_json_quote(pool, old.s.skin),
			 str_json_quote(pool, c->s.skin));
	if (old.s.spam_level != c->s.spam_level)
		buf_addf(detail, "%s\"spam_level\":[%u,%u]", SEP,
			 old.s.spam_level, c->s.spam_level);
	if (old.s.quota != c->s.quota)
		buf_addf(detail, "%s\"default_quota_bytes\":[%" PRIu64 ",%"
			 PRIu64 "]", SEP, old.s.quota, c->s.quota);
	if (old.s.max_size != c->s.max_size)
		buf_addf(detail, "%s\"max_message_bytes\":[%" PRIu64 ",%"
			 PRIu64 "]", SEP, old.s.max_size, c->s.max_size);
	if (old.s.pw.min_chars != c->s.pw.min_chars ||
	    old.s.pw.classes != c->s.pw.classes)
		buf_addf(detail, "%s\"password_policy\":[%s,%s]", SEP,
			 policy_json(pool, &old.s.pw), new_policy);
#undef SEP
	buf_adds(detail, "}");
	if (detail->len == 2)
		return 0;	/* nothing changed: nothing to record */
	c->changed = true;
	params[0] = c->dom->id;
	params[1] = c->s.language;
	params[2] = c->s.skin;
	params[3] = p_printf(pool, "%u", c->s.spam_level);
	params[4] = p_printf(pool, "%" PRIu64, c->s.quota);
	params[5] = p_printf(pool, "%" PRIu64, c->s.max_size);
	params[6] = new_policy;
	/* other keys of the policy (none yet) are kept */
	if (db_query(pool, "UPDATE domains SET default_language = $2,"
		     " default_skin = $3, spam_level = $4::integer,"
		     " default_quota_bytes = $5::bigint,"
		     " max_message_bytes = $6::bigint,"
		     " password_policy = (password_policy - 'min_length'"
		     "  - 'require_lower' - 'require_upper' - 'require_digit'"
		     "  - 'require_symbol') || $7::jsonb, updated_at = now()"
		     " WHERE id = $1::bigint", 7, params) == NULL)
		return -1;
	if (old.s.quota != c->s.quota) {
		ret = check_total(c);
		if (ret != 0)
			return ret;
	}
	return dadm_audit(c->req, c->dom, "domain.settings", c->dom->name,
			  detail->data);
}

/* dadm_post_settings - POST /settings */
int dadm_post_settings(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	struct settings_row row;
	struct save_ctx c;
	int ret;

	if (dom == NULL)
		return 0;
	if (load(req, dom, false, &row) < 0)
		return dadm_unavailable(req);
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	read_form(&c, &row);
	if (c.refused)
		return show(req, dom, 422);
	ret = db_tx(settings_tx, &c);
	if (ret < 0)
		return dadm_unavailable(req);
	if (ret > 0)
		return show(req, dom, 422);
	if (c.changed)
		log_info("event=domainadmin_settings admin=%s domain=%s",
			 log_quote(req->session->principal.login),
			 log_quote(dom->name));
	return web_redirect(req, p_printf(req->pool,
		"/settings?d=%s&done=saved", url_encode(req->pool, dom->name)));
}

/* ==== the SSO secret ==================================================== */

struct sso_ctx {
	struct web_req *req;
	const struct dadm_domain *dom;
	const char *box_hex;		/* NULL: remove */
	const char *op;			/* generate, rotate, remove */
};

/* sso_tx - store the new box (or none); audit without the secret */
static int sso_tx(void *arg)
{
	struct sso_ctx *c = arg;
	const char *params[2] = { c->dom->id, c->box_hex };
	PGresult *res;

	res = db_query(c->req->pool, c->box_hex != NULL ?
		"UPDATE domains SET sso_secret_box = decode($2, 'hex'),"
		" sso_secret_set_at = now(), updated_at = now()"
		" WHERE id = $1::bigint RETURNING 1" :
		"UPDATE domains SET sso_secret_box = NULL,"
		" sso_secret_set_at = NULL, updated_at = now()"
		" WHERE id = $1::bigint RETURNING 1",
		c->box_hex != NULL ? 2 : 1, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	return dadm_audit(c->req, c->dom, p_printf(c->req->pool,
			  "domain.sso_%s", c->op), c->dom->name, NULL);
}

/* dadm_post_settings_sso - POST /settings/sso */
int dadm_post_settings_sso(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);
	const char *op = form_get(&req->post, "op");
	unsigned char secret[SSO_SECRET_BYTES];
	char box[SSO_SECRET_BOX_HEX + 1], hex[SSO_SECRET_BYTES * 2 + 1];
	struct settings_row row;
	const char *error;
	struct sso_ctx c;
	int64_t id;
	int ret;

	if (dom == NULL)
		return 0;
	if (op == NULL || (strcmp(op, "generate") != 0 &&
			   strcmp(op, "rotate") != 0 &&
			   strcmp(op, "remove") != 0))
		return web_fail(req, 400, "bad_request");
	if (load(req, dom, false, &row) < 0)
		return dadm_unavailable(req);
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.dom = dom;
	/* generating over a secret in use is rotating it */
	c.op = strcmp(op, "remove") == 0 ? "remove" :
		row.sso_set_at != NULL ? "rotate" : "generate";
	if (strcmp(c.op, "remove") == 0 && row.sso_set_at == NULL)
		return web_redirect(req, p_printf(req->pool,
			"/settings?d=%s&done=sso_removed",
			url_encode(req->pool, dom->name)));
	if (strcmp(c.op, "generate") != 0 &&
	    form_get(&req->post, "confirm") == NULL) {
		wcs_set(req->hdf, "Errors.sso", p_printf(req->pool,
			"confirm_%s", c.op));
		return show(req, dom, 422);
	}
	if (strcmp(c.op, "remove") != 0) {
		if (str_to_int64(dom->id, &id) < 0)
			return web_fail(req, 500, "internal");
		randombytes_buf(secret, sizeof(secret));
		ret = sso_secret_seal(sso_key_path(req->pool), true, id,
				      secret, box, &error);
		if (ret < 0) {
			sodium_memzero(secret, sizeof(secret));
			log_error("event=domainadmin_sso_seal_failed domain=%s"
				  " error=%s", log_quote(dom->name),
				  log_quote(error));
			return web_fail(req, 500, "internal");
		}
		c.box_hex = box;
	}
	if (db_tx(sso_tx, &c) != 0) {
		sodium_memzero(secret, sizeof(secret));
		return dadm_unavailable(req);
	}
	log_info("event=domainadmin_sso_secret admin=%s domain=%s op=%s",
		 log_quote(req->session->principal.login),
		 log_quote(dom->name), c.op);
	if (c.box_hex == NULL)
		return web_redirect(req, p_printf(req->pool,
			"/settings?d=%s&done=sso_removed",
			url_encode(req->pool, dom->name)));
	/* shown this once; the response is not cached */
	hex_encode(secret, sizeof(secret), hex);
	sodium_memzero(secret, sizeof(secret));
	wcs_set(req->hdf, "Sso.Secret", hex);
	sodium_memzero(hex, sizeof(hex));
	wcs_set(req->hdf, "Sso.Op", c.op);
	return web_render(req, 200, "sso-secret.cs");
}
