/*
 * antispam.c - the user's spam and virus checking choices.
 *
 *   GET  /settings/spam
 *   POST /settings/spam   level=""|off|low|medium|high,
 *                         certain=junk|quarantine, antivirus
 *
 * Nothing scans mail yet; the choices are stored for the delivery side
 * (mailhived) to read, in user_prefs:
 *
 *   spam_level     NULL = the domain's level (domains.spam_level), else
 *                  0 (off), 3 (low), 5 (medium) or 8 (high), on the
 *                  domain's 0..10 scale
 *   prefs->'spam'  absent = the domain's; else {"level": "off"}, or
 *                  {"level": L, "junk_score": J, "quarantine_score": Q,
 *                   "certain": "junk"|"quarantine"}: a message scoring
 *                  at least J is delivered to the Junk folder; one
 *                  scoring at least Q goes to quarantine when certain is
 *                  "quarantine" and to Junk as well otherwise
 *   antivirus      true = infected mail is quarantined (the default)
 *
 * A form outside these choices is shown again (422), nothing written.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "pool.h"
#include "settings.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

static const struct {
	const char *level;
	const char *spam_level;		/* user_prefs.spam_level */
	const char *junk, *quarantine;	/* scores; NULL: none */
} levels[] = {
	{ "off", "0", NULL, NULL },
	{ "low", "3", "8.0", "15.0" },
	{ "medium", "5", "5.0", "10.0" },
	{ "high", "8", "3.0", "6.0" },
};

#define N_LEVELS (sizeof(levels) / sizeof(levels[0]))

static int show(struct web_req *req, int status, const char *level,
		const char *certain, bool antivirus, const char *error_key)
{
	for (size_t i = 0; i < N_LEVELS; i++) {
		const char *pre = p_printf(req->pool, "Levels.%zu.", i);

		wcs_set(req->hdf, p_printf(req->pool, "%sKey", pre),
			levels[i].level);
		wcs_set(req->hdf, p_printf(req->pool, "%sJunk", pre),
			levels[i].junk);
		wcs_set(req->hdf, p_printf(req->pool, "%sQuarantine", pre),
			levels[i].quarantine);
	}
	wcs_set(req->hdf, "Spam.Level", level);
	wcs_set(req->hdf, "Spam.Certain", certain);
	wcs_set(req->hdf, "Spam.Antivirus", antivirus ? "1" : "");
	if (error_key != NULL)
		wcs_set(req->hdf, "Page.FormError", error_key);
	else if (form_get(&req->query, "done") != NULL)
		wcs_set(req->hdf, "Page.Done", "1");
	return web_render(req, status, "settings-spam.cs");
}

int wm_page_antispam(struct web_req *req)
{
	const char *params[1] = { wm_settings_user(req) };
	PGresult *res;

	res = db_query(req->pool, "SELECT COALESCE(prefs->'spam'->>'level', ''),"
		       " COALESCE(prefs->'spam'->>'certain', 'junk'), antivirus"
		       " FROM user_prefs WHERE user_id = $1::bigint", 1,
		       params);
	if (res == NULL)
		return wm_settings_fail(req, "spam_load");
	if (db_ntuples(res) == 0)
		return show(req, 200, "", "junk", true, NULL);
	return show(req, 200, db_value(res, 0, 0), db_value(res, 0, 1),
		    strcmp(db_value(res, 0, 2), "t") == 0, NULL);
}

int wm_action_antispam(struct web_req *req)
{
	const char *level = form_get(&req->post, "level");
	const char *certain = form_get(&req->post, "certain");
	bool antivirus = form_get(&req->post, "antivirus") != NULL;
	const char *params[7];
	int which = -1;

	if (level == NULL)
		level = "";
	if (certain == NULL)
		certain = "junk";
	for (size_t i = 0; i < N_LEVELS; i++)
		if (strcmp(levels[i].level, level) == 0)
			which = (int)i;
	if (*level != '\0' && which < 0)
		return show(req, 422, "", certain, antivirus, "level");
	if (strcmp(certain, "junk") != 0 && strcmp(certain, "quarantine") != 0)
		return show(req, 422, level, "junk", antivirus, "certain");
	params[0] = wm_settings_user(req);
	params[1] = which >= 0 ? levels[which].spam_level : NULL;
	params[2] = level;
	params[3] = which >= 0 ? levels[which].junk : NULL;
	params[4] = which >= 0 ? levels[which].quarantine : NULL;
	params[5] = antivirus ? "t" : "f";
	params[6] = certain;
	/* the spam object: none for the domain's level; the level alone
	   when off; else the thresholds and where certain spam goes */
	if (db_query(req->pool, "INSERT INTO user_prefs (user_id, spam_level,"
		     " antivirus, prefs) VALUES ($1::bigint, $2::integer,"
		     " $6::boolean, CASE"
		     "  WHEN $3::text = '' THEN '{}'::jsonb"
		     "  WHEN $4::numeric IS NULL THEN jsonb_build_object('spam',"
		     "   jsonb_build_object('level', $3::text))"
		     "  ELSE jsonb_build_object('spam', jsonb_build_object("
		     "   'level', $3::text, 'junk_score', $4::numeric,"
		     "   'quarantine_score', $5::numeric, 'certain', $7::text))"
		     "  END)"
		     " ON CONFLICT (user_id) DO UPDATE SET"
		     " spam_level = EXCLUDED.spam_level,"
		     " antivirus = EXCLUDED.antivirus,"
		     " prefs = (user_prefs.prefs - 'spam') || EXCLUDED.prefs,"
		     " updated_at = now()", 7, params) == NULL)
		return wm_settings_fail(req, "spam_save");
	log_info("event=webmail_spam user=%s level=%s certain=%s antivirus=%d",
		 log_quote(req->session->principal.login),
		 log_quote(*level != '\0' ? level : "domain"),
		 log_quote(certain), antivirus);
	return web_redirect(req, "/settings/spam?done=1");
}
