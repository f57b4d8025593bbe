/*
 * jobs.c - periodic housekeeping in the jobs service.
 *
 * Blob garbage collection has two halves: rows of the blobs table whose
 * reference count fell to zero (triggers keep it) are deleted together
 * with their files; files that never got a row (a delivery that failed
 * after its blob was made durable) are found by walking the store and
 * removed once older than the grace period.
 *
 * POP fetch (popfetch.c) runs from the same loop, every POPFETCH_POLL
 * seconds between the housekeeping rounds, and scheduled sending
 * (scheduled.c) every second.
 *
 * Users a portal deleted with "keep the mailbox for N days" are purged
 * here once their purge_after has passed: the row goes with its
 * mailboxes, messages and sessions (the blobs follow through their
 * reference counts), and the audit log says so.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "blob.h"
#include "cfg.h"
#include "db.h"
#include "jobs.h"
#include "log.h"
#include "pool.h"
#include "popfetch.h"
#include "scheduled.h"
#include "service.h"


/* gc_rows - blobs whose rows say nothing references them */
static int gc_rows(struct pool *pool)
{
	char grace[16];
	const char *params[1] = { grace };
	const char *error;
	PGresult *res;
	int removed = 0;

	snprintf(grace, sizeof(grace), "%u", cfg.blob_gc_grace);
	res = db_query(pool, "DELETE FROM blobs WHERE refcount = 0 AND"
		       " created_at < now() - make_interval(secs => $1::int)"
		       " RETURNING sha256", 1, params);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		int r = blob_unlink(pool, cfg.blob_dir, db_value(res, i, 0),
				    cfg.blob_gc_grace, &error);

		if (r < 0)
			log_warn("event=blob_gc_failed sha=%s error=%s",
				 db_value(res, i, 0), log_quote(error));
		else
			removed += r;
	}
	return removed;
}

/* gc_orphan_files - files with no blobs row, older than the grace */
static int gc_orphan_files(struct pool *pool)
{
	char path[4096];
	time_t now = time(NULL);
	DIR *d1, *d2, *d3;
	struct dirent *e1, *e2, *e3;
	int removed = 0;

	d1 = opendir(cfg.blob_dir);
	if (d1 == NULL)
		return 0;
	while ((e1 = readdir(d1)) != NULL) {
		if (strlen(e1->d_name) != 2)
			continue;
		snprintf(path, sizeof(path), "%s/%s", cfg.blob_dir, e1->d_name);
		d2 = opendir(path);
		if (d2 == NULL)
			continue;
		while ((e2 = readdir(d2)) != NULL) {
			if (strlen(e2->d_name) != 2)
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", cfg.blob_dir,
				 e1->d_name, e2->d_name);
			d3 = opendir(path);
			if (d3 == NULL)
				continue;
			while ((e3 = readdir(d3)) != NULL) {
				const char *params[1] = { e3->d_name };
				const char *error;
				struct stat st;
				PGresult *res;

				if (!blob_sha_valid(e3->d_name))
					continue;
				snprintf(path, sizeof(path), "%s/%s/%s/%s",
					 cfg.blob_dir, e1->d_name, e2->d_name,
					 e3->d_name);
				if (stat(path, &st) < 0 ||
				    now - st.st_mtime < cfg.blob_gc_grace)
					continue;
				res = db_query(pool, "SELECT 1 FROM blobs"
					       " WHERE sha256 = $1", 1, params);
				if (res == NULL || db_ntuples(res) > 0)
					continue;
				if (blob_unlink(pool, cfg.blob_dir, e3->d_name,
						cfg.blob_gc_grace, &error) > 0)
					removed++;
			}
			closedir(d3);
		}
		closedir(d2);
	}
	closedir(d1);
	return removed;
}

/* purge_users - users whose kept mailbox has expired; how many, -1 on a
 * database error */
static int purge_users(struct pool *pool)
{
	PGresult *res;
	int done = 0;

	res = db_query(pool, "SELECT id, address, domain_id FROM users"
		       " WHERE deleted_at IS NOT NULL AND purge_after <= now()"
		       " ORDER BY purge_after LIMIT 100", 0, NULL);
	if (res == NULL)
		return -1;
	for (int i = 0; i < db_ntuples(res); i++) {
		const char *id[1] = { db_value(res, i, 0) };
		const char *params[2] = { db_value(res, i, 1),
					  db_value(res, i, 2) };
		PGresult *due;
		int ret = -1;

		if (db_begin() < 0)
			return -1;
		/* still deleted and due: a portal may have restored it */
		due = db_query(pool, "SELECT 1 FROM users WHERE id = $1::bigint"
			       " AND deleted_at IS NOT NULL"
			       " AND purge_after <= now() FOR UPDATE", 1, id);
		if (due != NULL)
			ret = db_ntuples(due) == 1 ?
				acct_user_purge(pool, id[0]) : 0;
		if (ret > 0 &&
		    db_query(pool, "INSERT INTO audit_log (actor_role, actor,"
			     " action, object, domain_id) VALUES ('system',"
			     " 'jobs', 'user.purge', $1, $2::bigint)", 2,
			     params) == NULL)
			ret = -1;
		if (ret < 0) {
			db_rollback();
			return -1;
		}
		if (db_commit() < 0)
			return -1;
		if (ret > 0) {
			log_info("event=user_purged user=%s",
				 log_quote(params[0]));
			done++;
		}
	}
	return done;
}

int jobs_run_once(void)
{
	struct pool *pool = pool_new("jobs", 16384);
	char uidle[16], aidle[16];
	const char *params[2] = { uidle, aidle };
	unsigned int tmp_removed = 0;
	const char *error;
	int rows, files;

	if (purge_users(pool) < 0)
		log_warn("event=user_purge_failed error=%s",
			 log_quote(db_error()));
	rows = gc_rows(pool);
	files = rows < 0 ? 0 : gc_orphan_files(pool);
	if (blob_gc_tmp(pool, cfg.blob_dir, cfg.blob_gc_grace, &tmp_removed,
			&error) < 0)
		log_warn("event=blob_tmp_gc_failed error=%s", log_quote(error));
	snprintf(uidle, sizeof(uidle), "%u", cfg.session_user_idle);
	snprintf(aidle, sizeof(aidle), "%u", cfg.session_admin_idle);
	if (db_query(pool, "DELETE FROM web_sessions WHERE expires_at < now()"
		     " OR (portal = 'webmail' AND last_seen <"
		     "  now() - make_interval(secs => $1::int))"
		     " OR (portal <> 'webmail' AND last_seen <"
		     "  now() - make_interval(secs => $2::int))",
		     2, params) == NULL ||
	    db_query(pool, "DELETE FROM login_failures"
		     " WHERE at < now() - interval '1 day'", 0, NULL) == NULL ||
	    /* a link expires at most a minute after its nonce was used,
	       so an older nonce can never be presented in time again */
	    db_query(pool, "DELETE FROM sso_nonces"
		     " WHERE used_at < now() - interval '1 hour'", 0,
		     NULL) == NULL)
		rows = -1;
	if (rows > 0 || files > 0 || tmp_removed > 0)
		log_info("event=blob_gc rows=%d files=%d tmp=%u", rows, files,
			 tmp_removed);
	pool_destroy(&pool);
	return rows < 0 ? -1 : rows + files;
}

void jobs_main(void)
{

	service_start("jobs");
	popfetch_init();
	log_info("event=jobs_started");
	while (!service_stop_requested) {
		if (jobs_run_once() < 0)
			log_warn("event=jobs_round_failed error=%s",
				 log_quote(db_error()));
		for (unsigned int i = 0; i < cfg.jobs_interval &&
		     !service_stop_requested; i++) {
			/* POP fetch looks for due accounts more often, so
			   that "fetch now" is done within seconds */
			if (i % POPFETCH_POLL == 0 && popfetch_run_due() < 0)
				log_warn("event=popfetch_round_failed error=%s",
					 log_quote(db_error()));
			/* scheduled messages: every second, so that one
			   goes at its minute */
			if (scheduled_run_due() < 0)
				log_warn("event=scheduled_round_failed"
					 " error=%s", log_quote(db_error()));
			sleep(1);
		}
	}
	db_close();
	_exit(0);
}
