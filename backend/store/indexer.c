/*
 * indexer.c - fill message_fts after delivery.
 *
 * The text is what mime-meta extracts (decoded text parts, HTML stripped),
 * capped at MIME_META_TEXT_MAX_FTS, with subject (weight A) and sender
 * (weight B) in front, as search ranks them. A blob that cannot be read or
 * parsed gets an empty vector, so it is not retried forever; the failure
 * is logged.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "cfg.h"
#include "db.h"
#include "indexer.h"
#include "log.h"
#include "mime-meta.h"
#include "pool.h"
#include "service.h"
#include "strnum.h"


/* index_blob - every pending row of one blob */
static int index_blob(struct pool *pool, const char *sha)
{
	struct mime_meta_opts opts = { .text_max = MIME_META_TEXT_MAX_FTS };
	struct mime_meta *meta = NULL;
	const char *params[4], *error;
	uint64_t size;
	PGresult *res;
	unsigned int rows;
	int fd = -1;

	if (blob_open_read(pool, cfg.blob_dir, sha, &fd, &size, &error) < 0 ||
	    mime_meta_parse_fd(pool, fd, &opts, &meta, &error) < 0) {
		log_warn("event=index_failed sha=%s error=%s", sha,
			 log_quote(error));
		meta = NULL;
	}
	if (fd >= 0)
		close(fd);
	params[0] = sha;
	params[1] = meta != NULL ? meta->subject : "";
	params[2] = meta != NULL ? p_printf(pool, "%s %s", meta->from_addr,
					    meta->from_name) : "";
	params[3] = meta != NULL ? meta->text : "";
	res = db_query(pool,
		"UPDATE message_fts SET fts ="
		" setweight(to_tsvector('simple', $2::text), 'A') ||"
		" setweight(to_tsvector('simple', $3::text), 'B') ||"
		" to_tsvector('simple', $4::text)"
		" WHERE fts IS NULL AND message_id IN"
		" (SELECT id FROM messages WHERE blob_sha256 = $1)", 4, params);
	if (res == NULL)
		return -1;
	return str_to_uint(PQcmdTuples(res), &rows) < 0 ? 0 : (int)rows;
}

int indexer_catch_up(int64_t mailbox_id)
{
	struct pool *pool = pool_new("indexer catch-up", 65536);
	char id[32];
	const char *params[1] = { id };
	PGresult *res;
	int done = 0;

	snprintf(id, sizeof(id), "%lld", (long long)mailbox_id);
	res = db_query(pool, "SELECT DISTINCT m.blob_sha256 FROM messages m"
		       " JOIN message_fts f ON f.message_id = m.id"
		       " WHERE m.mailbox_id = $1::bigint AND f.fts IS NULL",
		       1, params);
	if (res == NULL) {
		pool_destroy(&pool);
		return -1;
	}
	for (int i = 0; i < db_ntuples(res); i++) {
		struct pool *one = pool_new("indexer blob", 65536);
		int n = index_blob(one, db_value(res, i, 0));

		pool_destroy(&one);
		if (n < 0) {
			pool_destroy(&pool);
			return -1;
		}
		done += n;
	}
	pool_destroy(&pool);
	return done;
}

/* nice_backend - the server process that tokenizes for us yields the
 * CPU too (possible when it runs as our user, as the embedded PostgreSQL
 * does; elsewhere it just keeps its priority) */
static void nice_backend(void)
{
	static int niced;
	int pid = db_backend_pid();

	if (pid <= 0 || pid == niced)
		return;
	niced = pid;
	if (setpriority(PRIO_PROCESS, (id_t)pid, 10) < 0)
		log_debug("event=indexer_nice_backend pid=%d error=%s", pid,
			  log_quote(strerror(errno)));
}

int indexer_run_once(void)
{
	struct pool *pool = pool_new("indexer", 65536);
	PGresult *res;
	int done = 0;

	res = db_query(pool, "SELECT DISTINCT m.blob_sha256 FROM"
		       " (SELECT message_id FROM message_fts WHERE fts IS NULL"
		       "  ORDER BY message_id DESC LIMIT 50) AS p"
		       " JOIN messages m ON m.id = p.message_id", 0, NULL);
	if (res == NULL) {
		pool_destroy(&pool);
		return -1;
	}
	nice_backend();
	for (int i = 0; i < db_ntuples(res) && !service_stop_requested; i++) {
		struct pool *one = pool_new("indexer blob", 65536);
		int n = index_blob(one, db_value(res, i, 0));

		pool_destroy(&one);
		if (n < 0) {
			pool_destroy(&pool);
			return -1;
		}
		done += n;
	}
	pool_destroy(&pool);
	return done;
}

void indexer_main(void)
{
	/* the vectors are derived data: a crash that forgets the last
	 * updates leaves fts NULL and they are computed again, so they need
	 * not wait for the WAL flush; and indexing yields the CPU to taking
	 * mail in */
	if (getenv("PGOPTIONS") == NULL)
		setenv("PGOPTIONS", "-c synchronous_commit=off", 1);
	if (setpriority(PRIO_PROCESS, 0, 10) < 0)
		log_warn("event=indexer_nice error=%s",
			 log_quote(strerror(errno)));
	service_start("indexer");
	mime_meta_init();
	log_info("event=indexer_started");
	while (!service_stop_requested) {
		int n = indexer_run_once();

		if (n < 0)
			log_warn("event=index_round_failed error=%s",
				 log_quote(db_error()));
		if (n <= 0)
			usleep(500000);
	}
	db_close();
	_exit(0);
}
