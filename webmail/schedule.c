/*
 * schedule.c - scheduled sending: the message is stored (a blob and a
 * scheduled_messages row, sql/015) and mailhived's jobs service sends it
 * at its minute (backend/jobs/scheduled.c), then files it in Sent.
 *
 *   GET  /mail/scheduled             the user's scheduled messages
 *   POST /mail/scheduled             op=now|cancel|edit, id
 *
 * "Edit" takes the message back: the row is held (status 'cancelled'),
 * the message goes into Drafts, then the row goes; if Drafts cannot take
 * it the row is pending again. Nothing is lost either way.
 *
 * SECURITY: every row is looked up with the session's user id, so
 * another user's id is simply not found (404).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "cfg.h"
#include "db.h"
#include "imapc.h"
#include "log.h"
#include "mail.h"
#include "pool.h"
#include "schedule.h"
#include "strnum.h"
#include "web-cs.h"
#include "web-form.h"
#include "web-req.h"
#include "web-session.h"

#define WM_SCHEDULED_MAX 200	/* rows the view shows */
#define WM_TZ_MAX 64

static const char *user_id(struct web_req *req)
{
	return p_printf(req->pool, "%" PRId64, req->session->principal.id);
}

/* local_ok - "YYYY-MM-DDTHH:MM" (seconds allowed) naming a real day */
static bool local_ok(const char *s)
{
	static const unsigned int mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	unsigned int y, mo, d, h, mi, sec = 0;
	char tail;
	int n;

	if (s == NULL || strlen(s) > 19)
		return false;
	n = sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u%c", &y, &mo, &d, &h, &mi, &sec,
		   &tail);
	if (n != 5 && n != 6)
		return false;
	if (y < 2000 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59)
		return false;
	return !(mo == 2 && d == 29 &&
		 !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

const char *wm_schedule_time(struct web_req *req, const char *local,
			     const char *tz, time_t *at_r)
{
	const char *params[2];
	PGresult *res;

	if (!local_ok(local))
		return "schedule_bad";
	if (tz == NULL || tz[0] == '\0')
		tz = NULL;
	else if (strlen(tz) > WM_TZ_MAX)
		return "schedule_tz";
	params[0] = local;
	params[1] = tz;
	/* the zone is checked against the server's list before it is used,
	   so an unknown name is a message, not a database error */
	res = db_query(req->pool,
		"SELECT extract(epoch FROM t)::bigint,"
		" t > now() + interval '30 seconds',"
		" t < now() + interval '366 days'"
		" FROM (SELECT $2::text IS NULL OR EXISTS (SELECT 1"
		"  FROM pg_timezone_names WHERE name = $2) AS known) z,"
		" LATERAL (SELECT $1::timestamp AT TIME ZONE CASE WHEN z.known"
		"  THEN COALESCE($2, current_setting('TimeZone'))"
		"  ELSE 'UTC' END AS t) s WHERE z.known",
		2, params);
	if (res == NULL) {
		log_error("event=webmail_schedule_time_failed error=%s",
			  log_quote(db_error()));
		return "unavailable";
	}
	if (db_ntuples(res) != 1)
		return "schedule_tz";
	if (strcmp(db_value(res, 0, 1), "t") != 0)
		return "schedule_past";
	if (strcmp(db_value(res, 0, 2), "t") != 0)
		return "schedule_far";
	*at_r = (time_t)strtoll(db_value(res, 0, 0), NULL, 10);
	return NULL;
}

/* text_array - list as a PostgreSQL text[] literal */
static const char *text_array(struct pool *pool, const char *const *list,
			      unsigned int n)
{
	struct buf *out = buf_new_pool(pool, 0);

	buf_addc(out, '{');
	for (unsigned int i = 0; i < n; i++) {
		buf_adds(out, i > 0 ? ",\"" : "\"");
		for (const char *p = list[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(out, '\\');
			buf_addc(out, *p);
		}
		buf_addc(out, '"');
	}
	buf_addc(out, '}');
	return out->data;
}

int wm_schedule_store(struct web_req *req, const struct wm_schedule *s,
		      const char *data, size_t len)
{
	char sha[BLOB_SHA_HEX_LEN + 1], size_s[32], at_s[32];
	const char *params[8], *error;
	struct blob_writer *w;
	uint64_t size;

	if (blob_writer_open(req->pool, cfg.blob_dir, &w, &error) < 0 ||
	    blob_writer_write(w, data, len, &error) < 0 ||
	    blob_writer_commit(w, sha, &size, &error) < 0) {
		log_error("event=webmail_schedule_store_failed user=%s"
			  " error=%s", log_quote(req->session->principal.login),
			  log_quote(error));
		return -1;
	}
	snprintf(size_s, sizeof(size_s), "%" PRIu64, size);
	snprintf(at_s, sizeof(at_s), "%lld", (long long)s->at);
	params[0] = sha;
	params[1] = size_s;
	params[2] = user_id(req);
	params[3] = at_s;
	params[4] = s->from;
	params[5] = text_array(req->pool, s->rcpts, s->nrcpts);
	params[6] = s->subject;
	params[7] = s->to;
	/* one statement: the blob row and the message row together (the
	   blob's reference count follows by trigger) */
	if (db_query(req->pool,
		"WITH b AS (INSERT INTO blobs (sha256, size)"
		"  VALUES ($1, $2::bigint) ON CONFLICT (sha256) DO NOTHING)"
		" INSERT INTO scheduled_messages (user_id, blob_sha256, send_at,"
		"  envelope_from, rcpts, subject, to_display)"
		" VALUES ($3::bigint, $1, to_timestamp($4::bigint), $5,"
		"  $6::text[], left($7, 500), left($8, 500))", 8, params) ==
	    NULL) {
		log_error("event=webmail_schedule_store_failed user=%s"
			  " error=%s", log_quote(req->session->principal.login),
			  log_quote(db_error()));
		return -1;
	}
	log_info("event=webmail_scheduled user=%s at=%s rcpts=%u bytes=%zu",
		 log_quote(req->session->principal.login), at_s, s->nrcpts,
		 len);
	return 0;
}

/* ---- the view -------------------------------------------------------------- */

int wm_page_scheduled(struct web_req *req)
{
	const char *params[1] = { user_id(req) };
	const char *done = form_get(&req->query, "done");
	PGresult *res;
	int i;

	res = db_query(req->pool,
		"SELECT s.id, s.subject, s.to_display,"
		" to_char(s.send_at AT TIME ZONE COALESCE(NULLIF(p.timezone, ''),"
		"  current_setting('TimeZone')), 'YYYY-MM-DD HH24:MI'),"
		" s.status, COALESCE(s.last_error, '')"
		" FROM scheduled_messages s"
		" LEFT JOIN user_prefs p ON p.user_id = s.user_id"
		" WHERE s.user_id = $1::bigint"
		"  AND s.status IN ('pending', 'sending', 'failed')"
		" ORDER BY s.send_at, s.id LIMIT 200", 1, params);
	if (res == NULL) {
		log_error("event=webmail_scheduled_failed error=%s",
			  log_quote(db_error()));
		return web_fail(req, 503, "unavailable");
	}
	for (i = 0; i < db_ntuples(res) && i < WM_SCHEDULED_MAX; i++) {
		static const char *const cols[] = {
			"Id", "Subject", "To", "At", "Status", "Error", NULL
		};

		wcs_set_row(req->hdf, req->pool,
			    p_printf(req->pool, "Scheduled.%d", i), res, i, cols);
	}
	if (done != NULL && (strcmp(done, "scheduled") == 0 ||
			     strcmp(done, "now") == 0 ||
			     strcmp(done, "cancel") == 0))
		wcs_set(req->hdf, "Page.Done", done);
	return web_render(req, 200, "scheduled.cs");
}

/* take_back - the row held, its message into Drafts, the row gone; the
 * draft's UID into *uid_r. 1 done, 0 no such pending row, -1 failed
 * (the row is pending again) */
static int take_back(struct web_req *req, const char *id, uint32_t *uid_r)
{
	static const char *const flags[] = { "\\Draft", "\\Seen", NULL };
	const char *params[2] = { id, user_id(req) };
	const char *error, *drafts = NULL;
	struct imapc_folder *f;
	struct imapc *c;
	unsigned int nf;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	uint64_t size = 0;
	PGresult *res;
	int ret = -1;

	res = db_query(req->pool, "UPDATE scheduled_messages SET"
		       " status = 'cancelled' WHERE id = $1::bigint"
		       " AND user_id = $2::bigint AND status IN"
		       " ('pending', 'failed') RETURNING blob_sha256",
		       2, params);
	if (res == NULL)
		return -1;
	if (db_ntuples(res) != 1)
		return 0;
	if (blob_read(req->pool, cfg.blob_dir, db_value(res, 0, 0),
		      cfg.smtp_max_message_size, &buf, &cap, &len, &size,
		      &error) < 0 || size > len)
		goto back;
	c = wm_connect_with_folders(req, &f, &nf);
	if (c == NULL) {
		free(buf);
		buf = NULL;
		ret = -2;	/* the 503 page is made */
		goto back;
	}
	for (unsigned int i = 0; i < nf; i++)
		if (f[i].special == IMAPC_DRAFTS)
			drafts = f[i].raw;
	if (drafts != NULL &&
	    imapc_append(c, drafts, flags, buf, len, uid_r, &error) == 0) {
		imapc_release(&c);
		free(buf);
		db_query(req->pool, "DELETE FROM scheduled_messages"
			 " WHERE id = $1::bigint", 1, params);
		return 1;
	}
	imapc_release(&c);
back:
	free(buf);
	log_warn("event=webmail_scheduled_edit_failed id=%s", id);
	db_query(req->pool, "UPDATE scheduled_messages SET status = 'pending'"
		 " WHERE id = $1::bigint AND status = 'cancelled'", 1, params);
	return ret;
}

int wm_action_scheduled(struct web_req *req)
{
	const char *op = form_get(&req->post, "op");
	const char *id = form_get(&req->post, "id");
	const char *params[2];
	unsigned int n;
	uint32_t uid = 0;
	PGresult *res;
	int ret;

	if (op == NULL || id == NULL || str_to_uint(id, &n) < 0 || n == 0)
		return web_fail(req, 400, "bad_request");
	params[0] = id;
	params[1] = user_id(req);
	if (strcmp(op, "edit") == 0) {
		ret = take_back(req, id, &uid);
		if (ret == -2)
			return 0;
		if (ret < 0)
			return web_fail(req, 503, "unavailable");
		if (ret == 0)
			return web_fail(req, 404, "not_found");
		return web_redirect(req, uid != 0 ?
			p_printf(req->pool, "/mail/compose?draft=%u", uid) :
			"/mail?f=Drafts");
	}
	if (strcmp(op, "now") == 0)
		res = db_query(req->pool, "UPDATE scheduled_messages SET"
			" send_at = now(), status = 'pending', attempts = 0,"
			" last_error = NULL WHERE id = $1::bigint"
			" AND user_id = $2::bigint AND status IN"
			" ('pending', 'failed') RETURNING 1", 2, params);
	else if (strcmp(op, "cancel") == 0)
		res = db_query(req->pool, "DELETE FROM scheduled_messages"
			" WHERE id = $1::bigint AND user_id = $2::bigint"
			" AND status IN ('pending', 'failed') RETURNING 1",
			2, params);
	else
		return web_fail(req, 400, "bad_request");
	if (res == NULL) {
		log_error("event=webmail_scheduled_action_failed error=%s",
			  log_quote(db_error()));
		return web_fail(req, 503, "unavailable");
	}
	if (db_ntuples(res) != 1)
		return web_fail(req, 404, "not_found");
	log_info("event=webmail_scheduled_%s user=%s id=%s", op,
		 log_quote(req->session->principal.login), id);
	return web_redirect(req, p_printf(req->pool,
				"/mail/scheduled?done=%s", op));
}
