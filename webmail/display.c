/*
 * display.c - how webmail shows things to this user: language, time zone,
 * date format, messages per page, the preview pane, plain text or HTML,
 * remote images of known senders, and the skin.
 *
 *   GET  /settings/display
 *   POST /settings/display   language, timezone, date_format, page_size,
 *                            preview, view=plain|html, remote_images, skin
 *
 * Where each one is kept, and who reads it:
 *
 *   language       user_prefs.language ("" = the domain's default, else
 *                  the browser's); lib/auth.c puts it in the principal
 *   skin           user_prefs.skin ("" = the domain's default); also in
 *                  the principal, lib/web-skin.c makes it the page's
 *   timezone       user_prefs.timezone ("" = the server's), a name
 *                  PostgreSQL knows (pg_timezone_names)
 *   date_format    user_prefs.prefs->'date_format', a key of date_formats
 *   page_size      users.list_page_size, which the list keeps as well
 *   view           users.read_plain, which the reading page keeps too
 *   preview        user_prefs.prefs->'preview' (false unless set)
 *   remote_images  user_prefs.prefs->'remote_images': the remote images
 *                  of senders on remote_image_senders load by themselves
 *                  (true unless set)
 *
 * mail.c reads them for the list and the reading page; dates there and
 * on the sessions page are made by wm_date_text(). A form with a value
 * outside its choices is shown again with its message (422) and nothing
 * is written.
 *
 * SECURITY: a time zone name becomes the TZ variable, which the C library
 * turns into a file name: it is used only when PostgreSQL listed it when
 * it was saved and it still passes zone_ok() (no "..", no leading '/').
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "settings.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-i18n.h"
#include "web-req.h"
#include "web-session.h"
#include "web-skin.h"

#define WM_ZONE_MAX 64

/* the date formats, by key; format_tm() has their strftime formats */
static const struct {
	const char *key;
} date_formats[] = {
	{ "iso" }, { "dmy" }, { "mdy" }, { "dot" }, { "cn" },
};

#define N_FORMATS (sizeof(date_formats) / sizeof(date_formats[0]))

/* format_tm - tm in date format number which (literal formats only, so
 * the compiler checks them); 0 when it does not fit */
static size_t format_tm(char *buf, size_t size, size_t which,
			const struct tm *tm)
{
	switch (which) {
	case 1:
		return strftime(buf, size, "%d/%m/%Y %H:%M", tm);
	case 2:
		return strftime(buf, size, "%m/%d/%Y %I:%M %p", tm);
	case 3:
		return strftime(buf, size, "%d.%m.%Y %H:%M", tm);
	case 4:
		return strftime(buf, size, "%Y\xe5\xb9\xb4%m\xe6\x9c\x88"
				"%d\xe6\x97\xa5 %H:%M", tm);
	default:
		return strftime(buf, size, "%Y-%m-%d %H:%M", tm);
	}
}

/* ==== dates ============================================================ */

/* zone_ok - a plausible time zone name: "Area/City", "UTC", "Etc/GMT+8" */
static bool zone_ok(const char *z)
{
	size_t n = strlen(z);

	if (n == 0 || n > WM_ZONE_MAX || z[0] == '/' || z[0] == '.' ||
	    strstr(z, "..") != NULL)
		return false;
	for (; *z != '\0'; z++)
		if (!((*z >= 'a' && *z <= 'z') || (*z >= 'A' && *z <= 'Z') ||
		      (*z >= '0' && *z <= '9') || *z == '/' || *z == '_' ||
		      *z == '-' || *z == '+'))
			return false;
	return true;
}

/* format_of - the number of the date format key; 0 (ISO) if none */
static size_t format_of(const char *key)
{
	for (size_t i = 0; key != NULL && i < N_FORMATS; i++)
		if (strcmp(date_formats[i].key, key) == 0)
			return i;
	return 0;
}

const char *wm_date_text(struct pool *pool, const char *zone,
			 const char *format, time_t t)
{
	const char *old = NULL;
	char *saved = NULL, buf[64];
	bool switched = false;
	struct tm tm;
	bool ok;

	if (t == 0)
		return "";
	if (zone != NULL && *zone != '\0' && zone_ok(zone)) {
		old = getenv("TZ");
		saved = old != NULL ? xstrdup(old) : NULL;
		switched = setenv("TZ", zone, 1) == 0;
		tzset();
	}
	ok = localtime_r(&t, &tm) != NULL;
	if (switched) {
		if (saved != NULL)
			setenv("TZ", saved, 1);
		else
			unsetenv("TZ");
		tzset();
	}
	free(saved);
	if (!ok || format_tm(buf, sizeof(buf), format_of(format), &tm) == 0)
		return "";
	return p_strdup(pool, buf);
}

void wm_display_dates(struct web_req *req, const char **zone_r,
		      const char **format_r)
{
	const char *params[1] = { wm_settings_user(req) };
	PGresult *res;

	*zone_r = *format_r = "";
	res = db_query(req->pool, "SELECT timezone,"
		       " COALESCE(prefs->>'date_format', '')"
		       " FROM user_prefs WHERE user_id = $1::bigint", 1,
		       params);
	if (res == NULL) {
		log_warn("event=webmail_pref_failed error=%s",
			 log_quote(db_error()));
		return;
	}
	if (db_ntuples(res) != 1)
		return;
	*zone_r = db_value(res, 0, 0);
	*format_r = db_value(res, 0, 1);
}

/* ==== the page ========================================================= */

struct display {
	const char *language, *timezone, *date_format, *page_size, *skin;
	bool preview, plain, remote_images;
};

/* load - the stored values; -1 on a database error */
static int load(struct web_req *req, struct display *d)
{
	const char *params[1] = { wm_settings_user(req) };
	PGresult *res;

	res = db_query(req->pool, "SELECT u.list_page_size, u.read_plain,"
		       " COALESCE(p.language, ''), COALESCE(p.skin, ''),"
		       " COALESCE(p.timezone, ''),"
		       " COALESCE(p.prefs->>'date_format', ''),"
		       " COALESCE(p.prefs->'preview' = 'true', false),"
		       " COALESCE(p.prefs->'remote_images' <> 'false', true)"
		       " FROM users u LEFT JOIN user_prefs p"
		       " ON p.user_id = u.id WHERE u.id = $1::bigint", 1,
		       params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	d->page_size = db_value(res, 0, 0);
	d->plain = strcmp(db_value(res, 0, 1), "t") == 0;
	d->language = db_value(res, 0, 2);
	d->skin = db_value(res, 0, 3);
	d->timezone = db_value(res, 0, 4);
	d->date_format = db_value(res, 0, 5);
	d->preview = strcmp(db_value(res, 0, 6), "t") == 0;
	d->remote_images = strcmp(db_value(res, 0, 7), "t") == 0;
	return 0;
}

/* set_choices - the lists the form offers */
static int set_choices(struct web_req *req, const struct display *d)
{
	const char *const *skins;
	unsigned int n;
	PGresult *res;
	time_t now = time(NULL);

	skins = web_skins(&n);
	for (unsigned int i = 0; i < n; i++)
		wcs_set(req->hdf, p_printf(req->pool, "Choices.Skins.%u", i),
			skins[i]);
	for (size_t i = 0; i < N_FORMATS; i++) {
		const char *pre = p_printf(req->pool, "Choices.Formats.%zu.",
					   i);

		wcs_set(req->hdf, p_printf(req->pool, "%sKey", pre),
			date_formats[i].key);
		wcs_set(req->hdf, p_printf(req->pool, "%sExample", pre),
			wm_date_text(req->pool, d->timezone,
				     date_formats[i].key, now));
	}
	res = db_query(req->pool, "SELECT name FROM pg_timezone_names"
		       " WHERE name !~ '^(posix|right)/' ORDER BY name", 0,
		       NULL);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++)
		wcs_set(req->hdf, p_printf(req->pool, "Choices.Zones.%d", i),
			db_value(res, i, 0));
	return 0;
}

static int show(struct web_req *req, int status, const struct display *d,
		const char *error_key)
{
	if (set_choices(req, d) < 0)
		return wm_settings_fail(req, "display_choices");
	wcs_set(req->hdf, "Display.Language", d->language);
	wcs_set(req->hdf, "Display.Timezone", d->timezone);
	wcs_set(req->hdf, "Display.DateFormat", *d->date_format != '\0' ?
		d->date_format : date_formats[0].key);
	wcs_set(req->hdf, "Display.PageSize", d->page_size);
	wcs_set(req->hdf, "Display.Skin", d->skin);
	wcs_set(req->hdf, "Display.Preview", d->preview ? "1" : "");
	wcs_set(req->hdf, "Display.Plain", d->plain ? "1" : "");
	wcs_set(req->hdf, "Display.RemoteImages", d->remote_images ? "1" : "");
	if (error_key != NULL)
		wcs_set(req->hdf, "Page.FormError", error_key);
	else if (form_get(&req->query, "done") != NULL)
		wcs_set(req->hdf, "Page.Done", "1");
	return web_render(req, status, "settings-display.cs");
}

int wm_page_display(struct web_req *req)
{
	struct display d;

	if (load(req, &d) < 0)
		return wm_settings_fail(req, "display_load");
	return show(req, 200, &d, NULL);
}

/* posted - field name of the form, "" when absent */
static const char *posted(struct web_req *req, const char *name)
{
	const char *v = form_get(&req->post, name);

	return v != NULL ? v : "";
}

/* check - the form's values into *d; NULL or the message key of the
 * first one that is not a choice */
static const char *check(struct web_req *req, struct display *d)
{
	const char *view = posted(req, "view");
	const char *params[1];
	PGresult *res;
	bool found = false;

	d->language = posted(req, "language");
	d->timezone = posted(req, "timezone");
	d->date_format = posted(req, "date_format");
	d->page_size = posted(req, "page_size");
	d->skin = posted(req, "skin");
	d->preview = form_get(&req->post, "preview") != NULL;
	d->remote_images = form_get(&req->post, "remote_images") != NULL;
	d->plain = strcmp(view, "plain") == 0;
	if (*d->language != '\0' && (i18n_known(d->language) == NULL ||
	    strcmp(i18n_known(d->language), d->language) != 0))
		return "language";
	for (size_t i = 0; i < N_FORMATS; i++)
		if (strcmp(date_formats[i].key, d->date_format) == 0)
			found = true;
	if (!found)
		return "date_format";
	if (strcmp(d->page_size, "20") != 0 && strcmp(d->page_size, "50") != 0 &&
	    strcmp(d->page_size, "100") != 0)
		return "page_size";
	if (strcmp(view, "plain") != 0 && strcmp(view, "html") != 0)
		return "view";
	if (*d->skin != '\0' && !web_skin_known(d->skin))
		return "skin";
	if (*d->timezone == '\0')
		return NULL;
	if (!zone_ok(d->timezone))
		return "timezone";
	params[0] = d->timezone;
	res = db_query(req->pool, "SELECT 1 FROM pg_timezone_names"
		       " WHERE name = $1", 1, params);
	if (res == NULL)
		return "";	/* the database: not the form's fault */
	return db_ntuples(res) > 0 ? NULL : "timezone";
}

struct save {
	struct web_req *req;
	const struct display *d;
};

static int save_tx(void *arg)
{
	struct save *s = arg;
	const struct display *d = s->d;
	const char *params[8];

	params[0] = wm_settings_user(s->req);
	params[1] = d->page_size;
	params[2] = d->plain ? "t" : "f";
	if (db_query(s->req->pool, "UPDATE users SET"
		     " list_page_size = $2::integer, read_plain = $3::boolean"
		     " WHERE id = $1::bigint", 3, params) == NULL)
		return -1;
	params[1] = d->language;
	params[2] = d->skin;
	params[3] = d->timezone;
	params[4] = d->date_format;
	params[5] = d->preview ? "true" : "false";
	params[6] = d->remote_images ? "true" : "false";
	if (db_query(s->req->pool, "INSERT INTO user_prefs (user_id,"
		     " language, skin, timezone, prefs) VALUES ($1::bigint,"
		     " $2, $3, $4, jsonb_build_object('date_format', $5::text,"
		     " 'preview', $6::boolean, 'remote_images', $7::boolean))"
		     " ON CONFLICT (user_id) DO UPDATE SET"
		     " language = EXCLUDED.language, skin = EXCLUDED.skin,"
		     " timezone = EXCLUDED.timezone,"
		     " prefs = user_prefs.prefs || EXCLUDED.prefs,"
		     " updated_at = now()", 7, params) == NULL)
		return -1;
	return 0;
}

int wm_action_display(struct web_req *req)
{
	struct display d;
	struct save s;
	const char *key = check(req, &d);

	if (key != NULL && *key == '\0')
		return wm_settings_fail(req, "display_check");
	if (key != NULL)
		return show(req, 422, &d, key);
	s.req = req;
	s.d = &d;
	if (db_tx(save_tx, &s) != 0)
		return wm_settings_fail(req, "display_save");
	log_info("event=webmail_display user=%s language=%s skin=%s"
		 " timezone=%s", log_quote(req->session->principal.login),
		 log_quote(d.language), log_quote(d.skin),
		 log_quote(d.timezone));
	return web_redirect(req, "/settings/display?done=1");
}
