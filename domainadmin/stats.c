/*
 * stats.c - mail statistics of a domain for a range of days: totals, a
 * table of its users, a chart of the daily volume, and CSV downloads.
 *
 *   GET /stats      ?d=&from=YYYY-MM-DD&to=YYYY-MM-DD&user=&sort=&order=
 *                   &page=
 *   GET /stats.csv  the same arguments and data=users|days: the users'
 *                   rows (every page, in the order asked for), or the
 *                   days of the range (of user= when given)
 *
 * from and to are calendar days of the database, both included; without
 * them the range is the last 7 days up to today. A date that is not one,
 * from after to, or more than DADM_STATS_DAYS_MAX days is a message on
 * the page (422) with no figures.
 *
 * The figures come from mail_events and quarantine: received and sent
 * are delivered messages in and out (with their bytes), failed are
 * bounced, failed and rejected attempts, deferred the attempts that will
 * be tried again, quarantined the quarantine rows. A user's last error is
 * the newest failed or deferred attempt in the range, with the remote
 * reply or our reason that the queue stores with it (sql/009). Every user
 * of the domain has a row, with or without mail; mail of users since
 * purged counts in the domain's totals only. The chart is an inline SVG
 * made by the template from the points computed here, one query over
 * generate_series so that a day without mail is a 0, not a gap: no
 * script and no raw markup, every label is escaped like any other value.
 *
 * SECURITY: every query names the domain of dadm_domain() (the
 * administrator's own) next to the range; user= is looked up inside that
 * domain with dadm_object (404 and an audit row otherwise). The sort key
 * picks one of the fixed statements of stats_sorts[]: no SQL text comes
 * from the request. CSV cells that a spreadsheet would take for a formula
 * (= + - @, tab, CR at the start) get a leading apostrophe (csv.h,
 * CSV_GUARD_FORMULA); the file starts with a UTF-8 byte order mark, by
 * which spreadsheets know the encoding of Chinese names.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "db.h"
#include "domainadmin.h"
#include "pool.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"

#define DADM_STATS_PAGE 50
#define DADM_STATS_DEFAULT_DAYS 7
#define DADM_STATS_DAYS_MAX 366		/* a leap year */

/* the chart's drawing area, in SVG user units */
#define CHART_W 720
#define CHART_H 260
#define CHART_LEFT 56			/* room for the values */
#define CHART_RIGHT (CHART_W - 16)
#define CHART_TOP 28			/* room for the legend */
#define CHART_BOTTOM (CHART_H - 40)	/* room for the days */
#define CHART_X_LABELS 8		/* at most, so they do not overlap */
#define CHART_Y_STEPS 4			/* about, above 0 */

/* ==== the queries ======================================================= */

/* $1 the domain's id, $2 and $3 the first and the last day */
#define STATS_RANGE " AND at >= $2::date AND at < $3::date + 1"
#define STATS_IN "direction = 'in' AND outcome = 'delivered'"
#define STATS_OUT "direction = 'out' AND outcome = 'delivered'"
#define STATS_FAILED "outcome IN ('bounced', 'failed', 'rejected')"
#define STATS_PROBLEM "outcome IN ('bounced', 'failed', 'rejected'," \
	" 'deferred')"

#define STATS_TOTALS \
	"SELECT t.n_in, t.n_out, t.b_in, t.b_out, t.n_failed, t.n_deferred," \
	" q.n, to_char(l.at, 'YYYY-MM-DD HH24:MI'), l.outcome, l.error," \
	" u.address" \
	" FROM (SELECT count(*) FILTER (WHERE " STATS_IN ") AS n_in," \
	"  count(*) FILTER (WHERE " STATS_OUT ") AS n_out," \
	"  COALESCE(sum(bytes) FILTER (WHERE " STATS_IN "), 0) AS b_in," \
	"  COALESCE(sum(bytes) FILTER (WHERE " STATS_OUT "), 0) AS b_out," \
	"  count(*) FILTER (WHERE " STATS_FAILED ") AS n_failed," \
	"  count(*) FILTER (WHERE outcome = 'deferred') AS n_deferred" \
	"  FROM mail_events WHERE domain_id = $1::bigint" STATS_RANGE ") t" \
	" CROSS JOIN (SELECT count(*) AS n FROM quarantine" \
	"  WHERE domain_id = $1::bigint" STATS_RANGE ") q" \
	" LEFT JOIN LATERAL (SELECT at, outcome, error, user_id" \
	"  FROM mail_events WHERE domain_id = $1::bigint" STATS_RANGE \
	"  AND " STATS_PROBLEM " ORDER BY at DESC, id DESC LIMIT 1) l ON true" \
	" LEFT JOIN users u ON u.id = l.user_id AND u.domain_id = $1::bigint"

/* $4 and $5 LIMIT and OFFSET */
#define STATS_USERS(order) \
	"WITH ev AS (SELECT user_id," \
	"  count(*) FILTER (WHERE " STATS_IN ") AS n_in," \
	"  count(*) FILTER (WHERE " STATS_OUT ") AS n_out," \
	"  sum(bytes) FILTER (WHERE " STATS_IN ") AS b_in," \
	"  sum(bytes) FILTER (WHERE " STATS_OUT ") AS b_out," \
	"  count(*) FILTER (WHERE " STATS_FAILED ") AS n_failed," \
	"  count(*) FILTER (WHERE outcome = 'deferred') AS n_deferred" \
	"  FROM mail_events WHERE domain_id = $1::bigint" STATS_RANGE \
	"  AND user_id IS NOT NULL GROUP BY user_id)," \
	" le AS (SELECT DISTINCT ON (user_id) user_id, at, outcome, error" \
	"  FROM mail_events WHERE domain_id = $1::bigint" STATS_RANGE \
	"  AND user_id IS NOT NULL AND " STATS_PROBLEM \
	"  ORDER BY user_id, at DESC, id DESC)," \
	" qu AS (SELECT user_id, count(*) AS n FROM quarantine" \
	"  WHERE domain_id = $1::bigint" STATS_RANGE \
	"  AND user_id IS NOT NULL GROUP BY user_id)," \
	" r AS (SELECT u.id, u.address, u.display_name, u.status," \
	"  u.deleted_at IS NOT NULL AS deleted," \
	"  COALESCE(ev.n_in, 0) AS n_in, COALESCE(ev.n_out, 0) AS n_out," \
	"  COALESCE(ev.b_in, 0) AS b_in, COALESCE(ev.b_out, 0) AS b_out," \
	"  COALESCE(ev.n_failed, 0) AS n_failed," \
	"  COALESCE(ev.n_deferred, 0) AS n_deferred," \
	"  COALESCE(qu.n, 0) AS n_quarantined, le.at, le.outcome, le.error" \
	"  FROM users u LEFT JOIN ev ON ev.user_id = u.id" \
	"  LEFT JOIN le ON le.user_id = u.id" \
	"  LEFT JOIN qu ON qu.user_id = u.id WHERE u.domain_id = $1::bigint)" \
	" SELECT id, address, display_name, status, deleted, n_in, n_out," \
	" b_in, b_out, n_failed, n_deferred, n_quarantined," \
	" to_char(at, 'YYYY-MM-DD HH24:MI'), outcome, error FROM r" \
	" ORDER BY " order ", address LIMIT $4::integer OFFSET $5::integer"
#define STATS_BY(col) { STATS_USERS(col " ASC"), STATS_USERS(col " DESC") }

/* the sort keys of the users' table, also the Lang names of its columns;
 * the first is the default */
static const struct {
	const char *key;
	const char *sql[2];		/* ascending, descending */
} stats_sorts[] = {
	{ "address", { STATS_USERS("address ASC"),
		       STATS_USERS("address DESC") } },
	{ "received", STATS_BY("n_in") },
	{ "sent", STATS_BY("n_out") },
	{ "bytes_in", STATS_BY("b_in") },
	{ "bytes_out", STATS_BY("b_out") },
	{ "failed", STATS_BY("n_failed") },
	{ "deferred", STATS_BY("n_deferred") },
	{ "quarantined", STATS_BY("n_quarantined") },
	/* users without a problem last either way */
	{ "last_error", { STATS_USERS("at ASC NULLS LAST"),
			  STATS_USERS("at DESC NULLS LAST") } },
};

/* $4 the user's id or NULL for the whole domain */
#define STATS_DAYS \
	"SELECT to_char(day, 'YYYY-MM-DD')," \
	" count(e.id) FILTER (WHERE " STATS_IN ")," \
	" count(e.id) FILTER (WHERE " STATS_OUT ")," \
	" COALESCE(sum(e.bytes) FILTER (WHERE " STATS_IN "), 0)," \
	" COALESCE(sum(e.bytes) FILTER (WHERE " STATS_OUT "), 0)," \
	" count(e.id) FILTER (WHERE " STATS_FAILED ")," \
	" count(e.id) FILTER (WHERE outcome = 'deferred')," \
	" (SELECT count(*) FROM quarantine q WHERE q.domain_id = $1::bigint" \
	"  AND q.at >= day AND q.at < day + interval '1 day'" \
	"  AND ($4::bigint IS NULL OR q.user_id = $4::bigint))" \
	" FROM generate_series($2::date::timestamptz," \
	"  $3::date::timestamptz, interval '1 day') AS day" \
	" LEFT JOIN mail_events e ON e.domain_id = $1::bigint" \
	"  AND e.at >= day AND e.at < day + interval '1 day'" \
	"  AND ($4::bigint IS NULL OR e.user_id = $4::bigint)" \
	" GROUP BY day ORDER BY day"

/* columns of the users' and the days' rows, as the queries return them */
enum { U_ID, U_ADDRESS, U_NAME, U_STATUS, U_DELETED, U_IN, U_OUT, U_B_IN,
	U_B_OUT, U_FAILED, U_DEFERRED, U_QUARANTINED, U_LAST_AT,
	U_LAST_OUTCOME, U_LAST_ERROR };
enum { D_DAY, D_IN, D_OUT, D_B_IN, D_B_OUT, D_FAILED, D_DEFERRED,
	D_QUARANTINED };

/* what a request asks for, checked */
struct stats_req {
	struct web_req *req;
	const struct dadm_domain *dom;
	const char *from, *to;		/* YYYY-MM-DD */
	const char *user_id;		/* NULL: the whole domain */
	const char *user_address;
	size_t sort;			/* index in stats_sorts */
	bool desc;
	unsigned int page;
};

/* ==== days ============================================================== */

/* day_number - days since 1970-01-01 of a date dadm_date_ok() took (the
 * civil calendar as a count of days, March-based years so that the leap
 * day comes last) */
static long day_number(const char *date)
{
	unsigned int y, m, d;
	long era, yoe, doy, doe;

	if (sscanf(date, "%4u-%2u-%2u", &y, &m, &d) != 3)
		return 0;
	if (m <= 2)
		y--;
	era = (long)y / 400;
	yoe = (long)y - era * 400;
	doy = (153 * (long)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (long)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* day_text - the date of a day number, the inverse of day_number() */
static const char *day_text(struct pool *pool, long n)
{
	long z = n + 719468, era, doe, yoe, doy, mp, d, m, y;

	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	return p_printf(pool, "%04ld-%02ld-%02ld", y, m, d);
}

/* date_arg - a date argument; "" when absent or empty */
static const char *date_arg(struct web_req *req, const char *name)
{
	const char *v = form_get(&req->query, name);

	return v == NULL ? "" : v;
}

/* read_range - from and to of the query, or their defaults (the last
 * DADM_STATS_DEFAULT_DAYS days up to the database's today; the week up to
 * a given to; from a given from up to today). 0 ok, 1 refused with the
 * message set, -1 database error */
static int read_range(struct stats_req *s)
{
	struct web_req *req = s->req;
	const char *from = date_arg(req, "from");
	const char *to = date_arg(req, "to");
	const char *today;
	PGresult *res;
	long span;

	wcs_set(req->hdf, "Form.From", from);
	wcs_set(req->hdf, "Form.To", to);
	if ((*from != '\0' && !dadm_date_ok(from)) ||
	    (*to != '\0' && !dadm_date_ok(to))) {
		dadm_form_error(req, "stats", "date_bad");
		return 1;
	}
	if (*from == '\0' || *to == '\0') {
		res = db_query(req->pool, "SELECT to_char(current_date,"
			       " 'YYYY-MM-DD')", 0, NULL);
		if (res == NULL || db_ntuples(res) != 1)
			return -1;
		today = db_value(res, 0, 0);
		if (*to == '\0')
			to = today;
		if (*from == '\0')
			from = day_text(req->pool, day_number(to) -
					(DADM_STATS_DEFAULT_DAYS - 1));
	}
	span = day_number(to) - day_number(from) + 1;
	if (span < 1) {
		dadm_form_error(req, "stats", "range_order");
		return 1;
	}
	if (span > DADM_STATS_DAYS_MAX) {
		dadm_form_error(req, "stats", "range_long");
		wcs_set_int(req->hdf, "Stats.DaysMax", DADM_STATS_DAYS_MAX);
		return 1;
	}
	s->from = from;
	s->to = to;
	wcs_set(req->hdf, "Form.From", from);
	wcs_set(req->hdf, "Form.To", to);
	wcs_set_int(req->hdf, "Stats.Days", span);
	return 0;
}

/* read_request - the range, the user, the order and the page. 1 ok;
 * 0 when the response is made (the 404 of a user not of this domain,
 * the 503); 2 when the range was refused */
static int read_request(struct stats_req *s)
{
	struct web_req *req = s->req;
	const char *user = form_get(&req->query, "user");
	const char *sort = form_get(&req->query, "sort");
	const char *order = form_get(&req->query, "order");
	const char *pg = form_get(&req->query, "page");
	PGresult *res;
	int ret;

	if (user != NULL && *user != '\0') {
		ret = dadm_object(req, s->dom, "user", dadm_id(req, "user"),
				  "SELECT id, address FROM users"
				  " WHERE id = $1::bigint"
				  " AND domain_id = $2::bigint", &res);
		if (ret <= 0)
			return 0;
		s->user_id = db_value(res, 0, 0);
		s->user_address = db_value(res, 0, 1);
		wcs_set(req->hdf, "Stats.User.Id", s->user_id);
		wcs_set(req->hdf, "Stats.User.Address", s->user_address);
	}
	for (size_t i = 0; sort != NULL &&
	     i < sizeof(stats_sorts) / sizeof(stats_sorts[0]); i++)
		if (strcmp(sort, stats_sorts[i].key) == 0)
			s->sort = i;
	s->desc = order != NULL && strcmp(order, "desc") == 0;
	s->page = 1;
	if (pg != NULL && (str_to_uint(pg, &s->page) < 0 || s->page == 0))
		s->page = 1;
	wcs_set(req->hdf, "List.Sort", stats_sorts[s->sort].key);
	wcs_set(req->hdf, "List.Order", s->desc ? "desc" : "asc");
	ret = read_range(s);
	if (ret < 0) {
		dadm_unavailable(req);
		return 0;
	}
	if (ret > 0)
		return 2;
	/* the range (and user) every link of the page keeps */
	wcs_set(req->hdf, "Stats.Range", p_printf(req->pool,
		"&from=%s&to=%s", url_encode(req->pool, s->from),
		url_encode(req->pool, s->to)));
	wcs_set(req->hdf, "Stats.UserArg", s->user_id == NULL ? "" :
		p_printf(req->pool, "&user=%s", s->user_id));
	return 1;
}

/* ==== the page ========================================================== */

/* set_totals - Totals.* of the domain */
static int set_totals(struct stats_req *s)
{
	struct web_req *req = s->req;
	const char *params[3] = { s->dom->id, s->from, s->to };
	PGresult *res;

	res = db_query(req->pool, STATS_TOTALS, 3, params);
	if (res == NULL || db_ntuples(res) != 1)
		return -1;
	wcs_set(req->hdf, "Totals.Received", db_value(res, 0, 0));
	wcs_set(req->hdf, "Totals.Sent", db_value(res, 0, 1));
	wcs_set(req->hdf, "Totals.BytesIn",
		dadm_size(req->pool, dadm_u64(db_value(res, 0, 2))));
	wcs_set(req->hdf, "Totals.BytesOut",
		dadm_size(req->pool, dadm_u64(db_value(res, 0, 3))));
	wcs_set(req->hdf, "Totals.BytesInExact", db_value(res, 0, 2));
	wcs_set(req->hdf, "Totals.BytesOutExact", db_value(res, 0, 3));
	wcs_set(req->hdf, "Totals.Failed", db_value(res, 0, 4));
	wcs_set(req->hdf, "Totals.Deferred", db_value(res, 0, 5));
	wcs_set(req->hdf, "Totals.Quarantined", db_value(res, 0, 6));
	wcs_set(req->hdf, "Totals.LastAt", db_value(res, 0, 7));
	wcs_set(req->hdf, "Totals.LastOutcome", db_value(res, 0, 8));
	wcs_set(req->hdf, "Totals.LastError", db_value(res, 0, 9));
	wcs_set(req->hdf, "Totals.LastUser", db_value(res, 0, 10));
	return 0;
}

/* set_users - one page of the users' table (Users.N.*) and its pager */
static int set_users(struct stats_req *s)
{
	struct web_req *req = s->req;
	const char *params[5] = { s->dom->id, s->from, s->to, NULL, NULL };
	unsigned int total, pages;
	PGresult *res;

	res = db_query(req->pool, "SELECT count(*) FROM users"
		       " WHERE domain_id = $1::bigint", 1, params);
	if (res == NULL || str_to_uint(db_value(res, 0, 0), &total) < 0)
		return -1;
	pages = wcs_pages(total, DADM_STATS_PAGE, &s->page);
	params[3] = p_printf(req->pool, "%u", DADM_STATS_PAGE);
	params[4] = p_printf(req->pool, "%u", (s->page - 1) * DADM_STATS_PAGE);
	res = db_query(req->pool, stats_sorts[s->sort].sql[s->desc], 5,
		       params);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *pre = p_printf(req->pool, "Users.%d.", i);

#define SET(k, v) wcs_set(req->hdf, p_printf(req->pool, "%s" k, pre), v)
#define COL(k, col) SET(k, db_value(res, i, col))
#define SIZE(k, col) SET(k, dadm_size(req->pool, \
				      dadm_u64(db_value(res, i, col))))
		COL("Id", U_ID);
		COL("Address", U_ADDRESS);
		COL("Name", U_NAME);
		SET("Status", strcmp(db_value(res, i, U_DELETED), "t") == 0 ?
		    "deleted" : db_value(res, i, U_STATUS));
		COL("Received", U_IN);
		COL("Sent", U_OUT);
		SIZE("BytesIn", U_B_IN);
		SIZE("BytesOut", U_B_OUT);
		COL("BytesInExact", U_B_IN);
		COL("BytesOutExact", U_B_OUT);
		COL("Failed", U_FAILED);
		COL("Deferred", U_DEFERRED);
		COL("Quarantined", U_QUARANTINED);
		COL("LastAt", U_LAST_AT);
		COL("LastOutcome", U_LAST_OUTCOME);
		COL("LastError", U_LAST_ERROR);
#undef SIZE
#undef COL
#undef SET
	}
	wcs_set_pages(req->hdf, s->page, pages, total);
	return 0;
}

/* nice_step - the step of the value axis: 1, 2 or 5 times a power of
 * ten, so that CHART_Y_STEPS or fewer steps reach max */
static uint64_t nice_step(uint64_t max)
{
	uint64_t want = (max + CHART_Y_STEPS - 1) / CHART_Y_STEPS;

	for (uint64_t p = 1; p <= UINT64_MAX / 10; p *= 10) {
		if (want <= p)
			return p;
		if (want <= 2 * p)
			return 2 * p;
		if (want <= 5 * p)
			return 5 * p;
	}
	return want;
}

/* chart_y - the y of value on a value axis that ends at top */
static double chart_y(uint64_t value, uint64_t top)
{
	return CHART_BOTTOM - (double)value * (CHART_BOTTOM - CHART_TOP) /
		(double)top;
}

/* set_days - the days of the range (Days.N.*) and the chart's geometry
 * (Chart.*): a point per day and direction, the polylines through them,
 * the value axis' steps and the labels of at most CHART_X_LABELS days */
static int set_days(struct stats_req *s)
{
	struct web_req *req = s->req;
	const char *params[4] = { s->dom->id, s->from, s->to, s->user_id };
	struct buf *pin, *pout;
	uint64_t max = 0, step, top;
	int n, every;
	PGresult *res;

	res = db_query(req->pool, STATS_DAYS, 4, params);
	if (res == NULL)
		return -1;
	n = db_ntuples(res);
	for (int i = 0; i < n; i++) {
		uint64_t in = dadm_u64(db_value(res, i, D_IN));
		uint64_t out = dadm_u64(db_value(res, i, D_OUT));

		if (in > max)
			max = in;
		if (out > max)
			max = out;
	}
	step = nice_step(max > 0 ? max : CHART_Y_STEPS);
	top = max > 0 ? (max + step - 1) / step * step : CHART_Y_STEPS * step;
	for (uint64_t v = 0, i = 0; v <= top; v += step, i++) {
		dadm_setf(req, p_printf(req->pool, "Chart.Ticks.%" PRIu64 ".Y",
					i), "%.1f", chart_y(v, top));
		dadm_setf(req, p_printf(req->pool, "Chart.Ticks.%" PRIu64
					".Label", i), "%" PRIu64, v);
	}
	every = (n + CHART_X_LABELS - 1) / CHART_X_LABELS;
	if (every < 1)
		every = 1;
	pin = buf_new_pool(req->pool, 0);
	pout = buf_new_pool(req->pool, 0);
	for (int i = 0; i < n; i++) {
		const char *pre = p_printf(req->pool, "Days.%d.", i);
		const char *day = db_value(res, i, D_DAY);
		uint64_t in = dadm_u64(db_value(res, i, D_IN));
		uint64_t out = dadm_u64(db_value(res, i, D_OUT));
		double x = n == 1 ? (CHART_LEFT + CHART_RIGHT) / 2.0 :
			CHART_LEFT + (double)i * (CHART_RIGHT - CHART_LEFT) /
			(n - 1);
		double yin = chart_y(in, top), yout = chart_y(out, top);

#define SET(k, v) wcs_set(req->hdf, p_printf(req->pool, "%s" k, pre), v)
#define COL(k, col) SET(k, db_value(res, i, col))
		SET("Day", day);
		COL("Received", D_IN);
		COL("Sent", D_OUT);
		SET("BytesIn", dadm_size(req->pool,
					 dadm_u64(db_value(res, i, D_B_IN))));
		SET("BytesOut", dadm_size(req->pool,
					  dadm_u64(db_value(res, i, D_B_OUT))));
		COL("Failed", D_FAILED);
		COL("Deferred", D_DEFERRED);
		COL("Quarantined", D_QUARANTINED);
		SET("X", p_printf(req->pool, "%.1f", x));
		SET("YIn", p_printf(req->pool, "%.1f", yin));
		SET("YOut", p_printf(req->pool, "%.1f", yout));
#undef COL
#undef SET
		buf_addf(pin, "%s%.1f,%.1f", i > 0 ? " " : "", x, yin);
		buf_addf(pout, "%s%.1f,%.1f", i > 0 ? " " : "", x, yout);
		if (i % every == 0) {
			const char *lab = p_printf(req->pool,
						   "Chart.Labels.%d.", i);

			dadm_setf(req, p_printf(req->pool, "%sX", lab), "%.1f",
				  x);
			/* MM-DD: the year is in the range above */
			dadm_setf(req, p_printf(req->pool, "%sText", lab),
				  "%s", strlen(day) == 10 ? day + 5 : day);
		}
	}
	wcs_set(req->hdf, "Chart.InPoints", pin->data != NULL ? pin->data : "");
	wcs_set(req->hdf, "Chart.OutPoints",
		pout->data != NULL ? pout->data : "");
	wcs_set_int(req->hdf, "Chart.Width", CHART_W);
	wcs_set_int(req->hdf, "Chart.Height", CHART_H);
	wcs_set_int(req->hdf, "Chart.Left", CHART_LEFT);
	wcs_set_int(req->hdf, "Chart.Right", CHART_RIGHT);
	wcs_set_int(req->hdf, "Chart.Top", CHART_TOP);
	wcs_set_int(req->hdf, "Chart.Bottom", CHART_BOTTOM);
	wcs_set_int(req->hdf, "Chart.LabelY", CHART_BOTTOM + 18);
	wcs_set_int(req->hdf, "Chart.TickX", CHART_LEFT - 6);
	wcs_set_int(req->hdf, "Chart.Max", (long)max);
	/* many days: smaller dots, so that they stay apart */
	wcs_set(req->hdf, "Chart.R", n > 92 ? "1.2" : n > 31 ? "2" : "3");
	return 0;
}

/* ==== CSV =============================================================== */

/* lang - a string of the request's language */
static const char *lang(struct web_req *req, const char *key)
{
	return hdf_get_value(req->hdf, p_printf(req->pool,
				"Lang.domainadmin.stats.%s", key), key);
}

/* csv_header - the first line: the columns' names in the language of the
 * page, as a person opens the file */
static void csv_header(struct web_req *req, struct buf *b,
		       const char *const *keys, size_t n)
{
	const char **names = p_alloc(req->pool, n * sizeof(*names));

	for (size_t i = 0; i < n; i++)
		names[i] = lang(req, p_printf(req->pool, "col.%s", keys[i]));
	csv_write_record(b, names, n, CSV_GUARD_FORMULA);
}

/* csv_users - every user's row, in the order asked for */
static int csv_users(struct stats_req *s, struct buf *b)
{
	static const char *const cols[] = { "address", "name", "status",
		"received", "sent", "bytes_in", "bytes_out", "failed",
		"deferred", "quarantined", "last_at", "last_outcome",
		"last_error" };
	static const int map[] = { U_ADDRESS, U_NAME, U_STATUS, U_IN, U_OUT,
		U_B_IN, U_B_OUT, U_FAILED, U_DEFERRED, U_QUARANTINED,
		U_LAST_AT, U_LAST_OUTCOME, U_LAST_ERROR };
	const size_t n = sizeof(map) / sizeof(map[0]);
	struct web_req *req = s->req;
	/* LIMIT NULL is no limit: every user, never a silent cut; a file
	 * over the response's maximum is refused whole (send_csv) */
	const char *params[5] = { s->dom->id, s->from, s->to, NULL, "0" };
	const char *row[sizeof(map) / sizeof(map[0])];
	PGresult *res;

	res = db_query(req->pool, stats_sorts[s->sort].sql[s->desc], 5,
		       params);
	if (res == NULL)
		return -1;
	csv_header(req, b, cols, n);
	for (int i = 0; i < db_ntuples(res); i++) {
		for (size_t c = 0; c < n; c++)
			row[c] = db_value(res, i, map[c]);
		/* words, not codes, for people */
		row[2] = hdf_get_value(req->hdf, p_printf(req->pool,
			"Lang.domainadmin.status.%s",
			strcmp(db_value(res, i, U_DELETED), "t") == 0 ?
			"deleted" : row[2]), row[2]);
		if (row[11] != NULL)
			row[11] = lang(req, p_printf(req->pool, "outcome.%s",
						     row[11]));
		csv_write_record(b, row, n, CSV_GUARD_FORMULA);
	}
	return 0;
}

/* csv_days - the days of the range, of the user or the domain */
static int csv_days(struct stats_req *s, struct buf *b)
{
	static const char *const cols[] = { "day", "received", "sent",
		"bytes_in", "bytes_out", "failed", "deferred", "quarantined" };
	const size_t n = sizeof(cols) / sizeof(cols[0]);
	struct web_req *req = s->req;
	const char *params[4] = { s->dom->id, s->from, s->to, s->user_id };
	const char *row[sizeof(cols) / sizeof(cols[0])];
	PGresult *res;

	res = db_query(req->pool, STATS_DAYS, 4, params);
	if (res == NULL)
		return -1;
	csv_header(req, b, cols, n);
	for (int i = 0; i < db_ntuples(res); i++) {
		for (size_t c = 0; c < n; c++)
			row[c] = db_value(res, i, (int)c);
		csv_write_record(b, row, n, CSV_GUARD_FORMULA);
	}
	return 0;
}

/* file_name - a download's name from the domain and the range, with
 * nothing but [a-z0-9.-] of the domain's name (it goes into a header) */
static const char *file_name(struct stats_req *s, const char *what)
{
	char *dom = p_strdup(s->req->pool, s->dom->name);

	for (char *p = dom; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '-'))
			*p = '_';
	return p_printf(s->req->pool, "%s-%s%s-%s-%s.csv", dom, what,
			s->user_id != NULL ? p_printf(s->req->pool, "-user%s",
						      s->user_id) : "",
			s->from, s->to);
}

/* send_csv - the download: UTF-8 with a byte order mark, CRLF lines */
static int send_csv(struct stats_req *s)
{
	struct web_req *req = s->req;
	const char *data = form_get(&req->query, "data");
	bool days = data != NULL && strcmp(data, "days") == 0;
	struct buf *b = buf_new_pool(req->pool, 0);

	csv_write_bom(b);
	if ((days ? csv_days(s, b) : csv_users(s, b)) < 0)
		return dadm_unavailable(req);
	buf_reset(req->body);
	if (buf_append(req->body, b->data, b->len) < 0)
		return web_fail(req, 413, "too_large");
	req->status = 200;
	req->content_type = "text/csv; charset=utf-8";
	req->csp = "default-src 'none'; sandbox";
	web_header_add(req, "Content-Disposition", p_printf(req->pool,
		"attachment; filename=\"%s\"",
		file_name(s, days ? "days" : "users")));
	return 0;
}

/* ==== the handlers ====================================================== */

/* stats - the page, or with csv its download */
static int stats(struct web_req *req, bool csv)
{
	struct stats_req s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.req = req;
	s.dom = dadm_domain(req);
	if (s.dom == NULL)
		return 0;
	ret = read_request(&s);
	if (ret == 0)
		return 0;
	if (ret == 2)
		return web_render(req, 422, "stats.cs");
	if (csv)
		return send_csv(&s);
	if (set_totals(&s) < 0 || set_users(&s) < 0 || set_days(&s) < 0)
		return dadm_unavailable(req);
	wcs_set(req->hdf, "Stats.From", s.from);
	wcs_set(req->hdf, "Stats.To", s.to);
	return web_render(req, 200, "stats.cs");
}

/* dadm_page_stats - GET /stats */
int dadm_page_stats(struct web_req *req)
{
	return stats(req, false);
}

/* dadm_page_stats_csv - GET /stats.csv */
int dadm_page_stats_csv(struct web_req *req)
{
	return stats(req, true);
}
