/*
 * vacation.c - the automatic reply while the user is away.
 *
 *   GET  /settings/vacation
 *   POST /settings/vacation   enabled, subject, body, start, end (dates
 *                             YYYY-MM-DD, either may be empty), days
 *
 * One vacations row per user (sql/012_filters.sql); delivery answers a
 * sender at most once in `days` days (backend/store/filters.c). A form
 * that cannot be stored is shown again with its message (422) and
 * nothing is written.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "settings.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define WM_VACATION_SUBJECT_MAX 200
#define WM_VACATION_BODY_MAX 10000

/* date_ok - "" or a calendar date YYYY-MM-DD */
static bool date_ok(const char *s)
{
	static const unsigned int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
					      30, 31, 30, 31 };
	unsigned int y, m, d;
	char tail;

	if (*s == '\0')
		return true;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
	    y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return false;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 ||
						 y % 400 == 0));
}

/* body_ok - UTF-8 text where only tab and line ends are control bytes */
static bool body_ok(const char *s)
{
	size_t len = strlen(s);

	if (len > WM_VACATION_BODY_MAX || !utf8_valid(s, len))
		return false;
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < ' ' && *s != '\n' && *s != '\r' &&
		     *s != '\t') || *s == 0x7f)
			return false;
	return true;
}

static int show(struct web_req *req, const char *error_key, int status)
{
	const char *params[1] = { wm_settings_user(req) };
	PGresult *res;

	if (error_key == NULL) {
		res = db_query(req->pool, "SELECT enabled::text, subject, body,"
			       " COALESCE(start_date::text, ''),"
			       " COALESCE(end_date::text, ''), interval_days"
			       " FROM vacations WHERE user_id = $1::bigint", 1,
			       params);
		if (res == NULL)
			return wm_settings_fail(req, "vacation_show");
		if (db_ntuples(res) > 0) {
			wcs_set(req->hdf, "Vacation.Enabled",
				strcmp(db_value(res, 0, 0), "true") == 0 ?
				"1" : "");
			wcs_set(req->hdf, "Vacation.Subject",
				db_value(res, 0, 1));
			wcs_set(req->hdf, "Vacation.Body", db_value(res, 0, 2));
			wcs_set(req->hdf, "Vacation.Start", db_value(res, 0, 3));
			wcs_set(req->hdf, "Vacation.End", db_value(res, 0, 4));
			wcs_set(req->hdf, "Vacation.Days", db_value(res, 0, 5));
		} else {
			wcs_set(req->hdf, "Vacation.Days", "7");
		}
		wcs_set(req->hdf, "Page.Done", form_get(&req->query, "done"));
	} else {
		static const char *const fields[][2] = {
			{ "subject", "Vacation.Subject" },
			{ "body", "Vacation.Body" },
			{ "start", "Vacation.Start" },
			{ "end", "Vacation.End" },
			{ "days", "Vacation.Days" },
		};

		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			const char *v = form_get(&req->post, fields[i][0]);

			wcs_set(req->hdf, fields[i][1], v != NULL ? v : "");
		}
		wcs_set(req->hdf, "Vacation.Enabled",
			form_get(&req->post, "enabled") != NULL ? "1" : "");
		wcs_set(req->hdf, "Page.FormError", error_key);
	}
	return web_render(req, status, "vacation.cs");
}

int wm_page_vacation(struct web_req *req)
{
	return show(req, NULL, 200);
}

int wm_action_vacation(struct web_req *req)
{
	const char *subject = form_get(&req->post, "subject");
	const char *body = form_get(&req->post, "body");
	const char *start = form_get(&req->post, "start");
	const char *end = form_get(&req->post, "end");
	const char *days = form_get(&req->post, "days");
	bool enabled = form_get(&req->post, "enabled") != NULL;
	const char *params[7];
	unsigned int ndays;

	if (subject == NULL)
		subject = "";
	if (body == NULL)
		body = "";
	if (start == NULL)
		start = "";
	if (end == NULL)
		end = "";
	if (!str_text_sane(subject, WM_VACATION_SUBJECT_MAX))
		return show(req, "subject", 422);
	if (!body_ok(body))
		return show(req, "body", 422);
	if (enabled && *body == '\0')
		return show(req, "body_empty", 422);
	if (!date_ok(start) || !date_ok(end))
		return show(req, "date", 422);
	if (*start != '\0' && *end != '\0' && strcmp(start, end) > 0)
		return show(req, "date_order", 422);
	if (days == NULL || str_to_uint(days, &ndays) < 0 || ndays < 1 ||
	    ndays > 365)
		return show(req, "days", 422);
	params[0] = wm_settings_user(req);
	params[1] = enabled ? "t" : "f";
	params[2] = subject;
	params[3] = body;
	params[4] = *start != '\0' ? start : NULL;
	params[5] = *end != '\0' ? end : NULL;
	params[6] = days;
	if (db_query(req->pool, "INSERT INTO vacations (user_id, enabled,"
		     " subject, body, start_date, end_date, interval_days)"
		     " VALUES ($1::bigint, $2::boolean, $3, $4, $5::date,"
		     " $6::date, $7::int) ON CONFLICT (user_id) DO UPDATE SET"
		     " enabled = EXCLUDED.enabled, subject = EXCLUDED.subject,"
		     " body = EXCLUDED.body, start_date = EXCLUDED.start_date,"
		     " end_date = EXCLUDED.end_date,"
		     " interval_days = EXCLUDED.interval_days,"
		     " updated_at = now()", 7, params) == NULL)
		return wm_settings_fail(req, "vacation_save");
	/* a new reply text: everyone may get it once again */
	if (db_query(req->pool, "DELETE FROM vacation_replies"
		     " WHERE user_id = $1::bigint", 1, params) == NULL)
		return wm_settings_fail(req, "vacation_save");
	log_info("event=webmail_vacation user=%s enabled=%d",
		 log_quote(req->session->principal.login), enabled);
	return web_redirect(req, "/settings/vacation?done=1");
}
