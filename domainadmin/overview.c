/*
 * overview.c - the portal's start page: one domain at a glance.
 *
 *   GET /[?d=NAME]   users active and disabled (and deleted, waiting for
 *                    the purge), storage used against the quotas given
 *                    out and the package's limits, mail in and out today
 *                    and day by day over the last 7 days, failed
 *                    deliveries today
 *
 * An administrator of several domains without d= gets the list of them
 * to choose from (common.c). Quotas are the ones delivery enforces
 * (DELIVER_QUOTA_EXPR: the user's, else the domain's default, else the
 * user's package's, else the domain's package's; 0 = unlimited). Mail
 * counts come from mail_events: delivered messages in and out, failures
 * are bounced, failed or rejected attempts; "today" is the database's
 * calendar day.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "deliver.h"
#include "domainadmin.h"
#include "pool.h"
#include "web-cs.h"
#include "web-req.h"

#define DADM_OVERVIEW_DAYS 7

/* users_and_quota - Stats.* about the domain's users */
static int users_and_quota(struct web_req *req, const struct dadm_domain *dom)
{
	const char *params[1] = { dom->id };
	uint64_t used, given;
	PGresult *res;

	res = db_query(req->pool, "SELECT"
		" count(*) FILTER (WHERE u.deleted_at IS NULL"
		"  AND u.status = 'active'),"
		" count(*) FILTER (WHERE u.deleted_at IS NULL"
		"  AND u.status <> 'active'),"
		" count(*) FILTER (WHERE u.deleted_at IS NOT NULL),"
		" COALESCE(sum(u.used_bytes) FILTER"
		"  (WHERE u.deleted_at IS NULL), 0),"
		" COALESCE(sum(" DELIVER_QUOTA_EXPR ") FILTER"
		"  (WHERE u.deleted_at IS NULL), 0),"
		" count(*) FILTER (WHERE u.deleted_at IS NULL AND "
		DELIVER_QUOTA_EXPR " = 0)"
		DELIVER_QUOTA_FROM " WHERE u.domain_id = $1::bigint",
		1, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	wcs_set(req->hdf, "Stats.Active", db_value(res, 0, 0));
	wcs_set(req->hdf, "Stats.Disabled", db_value(res, 0, 1));
	wcs_set(req->hdf, "Stats.Deleted", db_value(res, 0, 2));
	used = dadm_u64(db_value(res, 0, 3));
	given = dadm_u64(db_value(res, 0, 4));
	wcs_set(req->hdf, "Stats.Used", dadm_size(req->pool, used));
	wcs_set(req->hdf, "Stats.Given", dadm_size(req->pool, given));
	wcs_set(req->hdf, "Stats.Unlimited", db_value(res, 0, 5));
	if (given > 0)
		wcs_set_int(req->hdf, "Stats.UsedPercent",
			    (long)(used * 100 / given));
	if (dom->max_users > 0)
		dadm_setf(req, "Limits.Users", "%" PRIu64, dom->max_users);
	if (dom->max_quota > 0)
		wcs_set(req->hdf, "Limits.Quota",
			dadm_size(req->pool, dom->max_quota));
	if (dom->max_user_quota > 0)
		wcs_set(req->hdf, "Limits.UserQuota",
			dadm_size(req->pool, dom->max_user_quota));
	return 0;
}

/* mail - Days.N.* (N = 0 today ... 6) and Stats.Week* totals */
static int mail(struct web_req *req, const struct dadm_domain *dom)
{
	const char *params[1] = { dom->id };
	uint64_t in = 0, out = 0, failed = 0;
	PGresult *res;

	res = db_query(req->pool, "SELECT to_char(day, 'YYYY-MM-DD'),"
		" count(e.id) FILTER (WHERE e.direction = 'in'"
		"  AND e.outcome = 'delivered'),"
		" count(e.id) FILTER (WHERE e.direction = 'out'"
		"  AND e.outcome = 'delivered'),"
		" count(e.id) FILTER (WHERE e.outcome IN ('bounced', 'failed',"
		"  'rejected')),"
		" count(e.id) FILTER (WHERE e.outcome = 'deferred'),"
		" COALESCE(sum(e.bytes) FILTER (WHERE e.outcome = 'delivered'),"
		"  0)"
		" FROM generate_series(date_trunc('day', now())"
		"  - interval '6 days', date_trunc('day', now()),"
		"  interval '1 day') AS day"
		" LEFT JOIN mail_events e ON e.domain_id = $1::bigint"
		"  AND e.at >= day AND e.at < day + interval '1 day'"
		" GROUP BY day ORDER BY day DESC", 1, params);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res) && i < DADM_OVERVIEW_DAYS; i++) {
		const char *pre = p_printf(req->pool, "Days.%d.", i);

		wcs_set(req->hdf, p_printf(req->pool, "%sDate", pre),
			db_value(res, i, 0));
		wcs_set(req->hdf, p_printf(req->pool, "%sIn", pre),
			db_value(res, i, 1));
		wcs_set(req->hdf, p_printf(req->pool, "%sOut", pre),
			db_value(res, i, 2));
		wcs_set(req->hdf, p_printf(req->pool, "%sFailed", pre),
			db_value(res, i, 3));
		wcs_set(req->hdf, p_printf(req->pool, "%sDeferred", pre),
			db_value(res, i, 4));
		wcs_set(req->hdf, p_printf(req->pool, "%sBytes", pre),
			dadm_size(req->pool, dadm_u64(db_value(res, i, 5))));
		in += dadm_u64(db_value(res, i, 1));
		out += dadm_u64(db_value(res, i, 2));
		failed += dadm_u64(db_value(res, i, 3));
		if (i == 0) {
			wcs_set(req->hdf, "Stats.TodayIn", db_value(res, i, 1));
			wcs_set(req->hdf, "Stats.TodayOut",
				db_value(res, i, 2));
			wcs_set(req->hdf, "Stats.TodayFailed",
				db_value(res, i, 3));
		}
	}
	dadm_setf(req, "Stats.WeekIn", "%" PRIu64, in);
	dadm_setf(req, "Stats.WeekOut", "%" PRIu64, out);
	dadm_setf(req, "Stats.WeekFailed", "%" PRIu64, failed);
	return 0;
}

/* quarantined - Stats.TodaySpam and Stats.TodayVirus: messages of the
 * domain held in quarantine today, by reason */
static int quarantined(struct web_req *req, const struct dadm_domain *dom)
{
	const char *params[1] = { dom->id };
	PGresult *res;

	res = db_query(req->pool, "SELECT"
		" count(*) FILTER (WHERE reason = 'spam'),"
		" count(*) FILTER (WHERE reason = 'virus')"
		" FROM quarantine WHERE domain_id = $1::bigint"
		" AND at >= date_trunc('day', now())", 1, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	wcs_set(req->hdf, "Stats.TodaySpam", db_value(res, 0, 0));
	wcs_set(req->hdf, "Stats.TodayVirus", db_value(res, 0, 1));
	return 0;
}

/* dadm_page_overview - GET / */
int dadm_page_overview(struct web_req *req)
{
	const struct dadm_domain *dom = dadm_domain(req);

	if (dom == NULL)
		return 0;
	if (users_and_quota(req, dom) < 0 || mail(req, dom) < 0 ||
	    quarantined(req, dom) < 0)
		return dadm_unavailable(req);
	return web_render(req, 200, "home.cs");
}
