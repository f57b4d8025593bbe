/*
 * db.c - the process's one PostgreSQL connection.
 *
 * Every program talks to PostgreSQL through this file. It keeps one
 * PGconn per process (web workers and mail services are single-threaded
 * processes, so there is no locking), and runs every statement with
 * parameters: db_query() prepares each distinct SQL text once per
 * connection under the name "s_<16 hex digits>" (a 64-bit FNV-1a hash of
 * the text) and then calls PQexecPrepared with text parameters. The names
 * already prepared are kept in a small open-addressing set together with a
 * copy of their text, so a hash collision is noticed (that text then runs
 * unprepared through PQexecParams); the set is emptied whenever the
 * connection is re-established, since prepared statements live and die
 * with the server session. When the set is full, new texts also run
 * unprepared.
 *
 * Results belong to the caller's pool: PQclear is registered as a pool
 * cleanup, so no caller frees a result by hand.
 *
 * Failures: the message (folded onto one line) and SQLSTATE of the last
 * failure are kept for db_error() and db_sqlstate(). A lost connection
 * (PQstatus not OK, SQLSTATE class 08, or 57P01-57P03 from a server shutting
 * down) outside a transaction is reset once and the statement retried;
 * inside a transaction nothing is retried, because the transaction died
 * with the connection - the caller sees the failure, calls db_rollback()
 * and may start again. This file does not log failures (the caller knows
 * what they mean); it logs reconnects at info and server notices at debug.
 *
 * Transaction state: db_begin() / db_commit() / db_rollback() / db_tx()
 * track whether a transaction is open. A COMMIT of a transaction that had
 * already failed is reported as a failure, not as success.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db.h"
#include "log.h"
#include "pool.h"

#define DB_ERROR_MAX 1024
#define DB_PREP_SLOTS 1024		/* power of two */
#define DB_PREP_MAX (DB_PREP_SLOTS * 3 / 4)

struct db_prepared {
	uint64_t hash;			/* 0 = empty slot */
	char *sql;
};

static PGconn *db_conn;
static char *db_conninfo;
static bool db_in_tx;
static char db_errmsg[DB_ERROR_MAX];
static char db_state[6];
static bool db_lost;
static struct db_prepared db_prep[DB_PREP_SLOTS];
static unsigned int db_prep_count;
static bool db_prep_full_logged;

/* ==== Errors ============================================================= */

/* db_set_error - remember a failure message, folded onto one line */
static void db_set_error(const char *msg, const char *sqlstate, bool lost)
{
	size_t o = 0;
	bool space = false;

	for (const char *p = msg; *p != '\0' && o < sizeof(db_errmsg) - 1;
	     p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
			space = o > 0;
			continue;
		}
		if (space && o < sizeof(db_errmsg) - 2)
			db_errmsg[o++] = ' ';
		space = false;
		db_errmsg[o++] = c < ' ' ? '?' : (char)c;
	}
	db_errmsg[o] = '\0';
	if (o == 0)
		snprintf(db_errmsg, sizeof(db_errmsg), "%s",
			 "unknown database error");
	snprintf(db_state, sizeof(db_state), "%s",
		 sqlstate != NULL ? sqlstate : "");
	db_lost = lost;
}

/* db_clear_error - forget the last failure */
static void db_clear_error(void)
{
	db_errmsg[0] = '\0';
	db_state[0] = '\0';
	db_lost = false;
}

/* db_state_is_lost - SQLSTATE that means the session is gone */
static bool db_state_is_lost(const char *sqlstate)
{
	if (sqlstate == NULL)
		return false;
	return strncmp(sqlstate, "08", 2) == 0 ||
		strcmp(sqlstate, "57P01") == 0 ||
		strcmp(sqlstate, "57P02") == 0 ||
		strcmp(sqlstate, "57P03") == 0;
}

/* db_note_result - record the error of a failed result (res may be NULL) */
static void db_note_result(const PGresult *res)
{
	const char *state = NULL, *msg, *primary, *detail;
	char both[DB_ERROR_MAX];
	bool lost;

	if (res != NULL) {
		/* the server's primary message and detail, without the
		 * severity prefix and the statement context */
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		msg = PQresultErrorMessage(res);
		if (primary != NULL && detail != NULL) {
			snprintf(both, sizeof(both), "%s (%s)", primary,
				 detail);
			msg = both;
		} else if (primary != NULL) {
			msg = primary;
		}
		if (msg == NULL || *msg == '\0')
			msg = PQresStatus(PQresultStatus(res));
	} else {
		msg = db_conn != NULL ? PQerrorMessage(db_conn) :
			"no database connection";
	}
	lost = db_conn == NULL || PQstatus(db_conn) != CONNECTION_OK ||
		db_state_is_lost(state);
	db_set_error(msg, state, lost);
}

/* db_error - message of the last failure, one line */
const char *db_error(void)
{
	return db_errmsg[0] != '\0' ? db_errmsg : "no error";
}

/* db_sqlstate - SQLSTATE of the last failure, "" if none */
const char *db_sqlstate(void)
{
	return db_state;
}

/* db_unavailable - the last failure was a lost or refused connection */
bool db_unavailable(void)
{
	return db_lost;
}

/* ==== Connection ========================================================= */

/* db_notice - server NOTICE/WARNING messages go to the debug log */
static void db_notice(void *arg, const char *message)
{
	char line[512];
	size_t len;

	(void)arg;
	snprintf(line, sizeof(line), "%s", message);
	len = strlen(line);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	log_debug("event=db_notice message=%s", log_quote(line));
}

/* db_prep_clear - forget every prepared statement name */
static void db_prep_clear(void)
{
	for (unsigned int i = 0; i < DB_PREP_SLOTS; i++) {
		free(db_prep[i].sql);
		db_prep[i].sql = NULL;
		db_prep[i].hash = 0;
	}
	db_prep_count = 0;
}

/* db_connected - set up a fresh session after connect or reset */
static int db_connected(void)
{
	db_prep_clear();
	db_in_tx = false;
	if (PQstatus(db_conn) != CONNECTION_OK) {
		db_note_result(NULL);
		db_lost = true;
		return -1;
	}
	PQsetNoticeProcessor(db_conn, db_notice, NULL);
	if (PQsetClientEncoding(db_conn, "UTF8") != 0) {
		db_note_result(NULL);
		return -1;
	}
	return 0;
}

/* db_connect - open a new connection, or reset the broken one */
static int db_connect(void)
{
	if (db_conninfo == NULL) {
		db_set_error("database not initialised", NULL, true);
		return -1;
	}
	if (db_conn != NULL) {
		log_info("event=db_reconnect");
		PQreset(db_conn);
	} else {
		const char *keys[] = { "dbname", "fallback_application_name",
				       NULL };
		const char *vals[] = { db_conninfo, "mailhive", NULL };

		db_conn = PQconnectdbParams(keys, vals, 1);
		if (db_conn == NULL)
			panic("out of memory in PQconnectdbParams");
	}
	return db_connected();
}

/* db_ensure - a usable connection, connecting if there is none yet */
static int db_ensure(void)
{
	if (db_conn != NULL && PQstatus(db_conn) == CONNECTION_OK)
		return 0;
	if (db_in_tx) {
		/* the transaction is gone; only db_rollback() clears this */
		db_set_error("connection lost inside a transaction", "08006",
			     true);
		return -1;
	}
	return db_connect();
}

/* db_init - remember conninfo and connect */
int db_init(const char *conninfo)
{
	db_close();
	db_conninfo = xstrdup(conninfo);
	db_clear_error();
	return db_connect();
}

int db_backend_pid(void)
{
	if (db_conn == NULL || PQstatus(db_conn) != CONNECTION_OK)
		return 0;
	return PQbackendPID(db_conn);
}

/* db_close - disconnect and forget everything */
void db_close(void)
{
	if (db_conn != NULL)
		PQfinish(db_conn);
	db_conn = NULL;
	db_prep_clear();
	db_in_tx = false;
	free(db_conninfo);
	db_conninfo = NULL;
}

/* ==== Statements ========================================================= */

/* db_hash - 64-bit FNV-1a of the SQL text, never 0 */
static uint64_t db_hash(const char *sql)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)sql; *p != '\0';
	     p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h != 0 ? h : 1;
}

/* db_prep_find - slot of sql in the set: *found_r tells whether it is
 * there; returns -1 when it is absent and cannot be added (full set or
 * colliding hash) */
static int db_prep_find(const char *sql, uint64_t hash, bool *found_r)
{
	unsigned int i = (unsigned int)(hash & (DB_PREP_SLOTS - 1));

	*found_r = false;
	for (unsigned int n = 0; n < DB_PREP_SLOTS; n++) {
		struct db_prepared *p = &db_prep[i];

		if (p->hash == 0)
			return db_prep_count < DB_PREP_MAX ? (int)i : -1;
		if (p->hash == hash) {
			if (strcmp(p->sql, sql) != 0)
				return -1;	/* collision: run unprepared */
			*found_r = true;
			return (int)i;
		}
		i = (i + 1) & (DB_PREP_SLOTS - 1);
	}
	return -1;
}

/* db_result_ok - tuples or command ok */
static bool db_result_ok(const PGresult *res)
{
	ExecStatusType st;

	if (res == NULL)
		return false;
	st = PQresultStatus(res);
	return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* db_run_once - prepare (if new) and execute; NULL with the error noted */
static PGresult *db_run_once(const char *sql, int nparams,
			     const char *const *params)
{
	uint64_t hash = db_hash(sql);
	char name[24];
	PGresult *res;
	bool found;
	int slot;

	if (db_ensure() < 0)
		return NULL;
	slot = db_prep_find(sql, hash, &found);
	if (slot < 0) {
		if (db_prep_count >= DB_PREP_MAX && !db_prep_full_logged) {
			log_warn("event=db_prepared_full count=%u",
				 db_prep_count);
			db_prep_full_logged = true;
		}
		res = PQexecParams(db_conn, sql, nparams, NULL, params, NULL,
				   NULL, 0);
		goto done;
	}
	snprintf(name, sizeof(name), "s_%016llx", (unsigned long long)hash);
	if (!found) {
		res = PQprepare(db_conn, name, sql, nparams, NULL);
		if (!db_result_ok(res)) {
			db_note_result(res);
			PQclear(res);
			return NULL;
		}
		PQclear(res);
		db_prep[slot].hash = hash;
		db_prep[slot].sql = xstrdup(sql);
		db_prep_count++;
	}
	res = PQexecPrepared(db_conn, name, nparams, params, NULL, NULL, 0);
done:
	if (!db_result_ok(res)) {
		db_note_result(res);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* db_retry_ok - may a failed statement be tried again on a new session */
static bool db_retry_ok(void)
{
	return db_lost && !db_in_tx && db_conninfo != NULL;
}

/* db_stale_statements - after "prepared statement does not exist"
 * (someone ran DEALLOCATE) or "cached plan must not change result type"
 * (a migration changed a table under us), drop every prepared statement
 * so the next try prepares afresh; true when that was the failure */
static bool db_stale_statements(void)
{
	PGresult *res;

	if (strcmp(db_state, "26000") != 0 && strcmp(db_state, "0A000") != 0)
		return false;
	res = PQexec(db_conn, "DEALLOCATE ALL");
	PQclear(res);
	db_prep_clear();
	log_info("event=db_statements_reset sqlstate=%s", db_state);
	return true;
}

/* db_run - db_run_once with one reconnect outside transactions */
static PGresult *db_run(const char *sql, int nparams,
			const char *const *params)
{
	PGresult *res;

	db_clear_error();
	res = db_run_once(sql, nparams, params);
	if (res == NULL && db_retry_ok()) {
		if (db_conn != NULL && PQstatus(db_conn) == CONNECTION_OK &&
		    db_connect() < 0)	/* server said it is leaving */
			return NULL;
		db_clear_error();
		res = db_run_once(sql, nparams, params);
	} else if (res == NULL && !db_in_tx && db_stale_statements()) {
		db_clear_error();
		res = db_run_once(sql, nparams, params);
	}
	return res;
}

/* db_result_free - pool cleanup for a PGresult */
static void db_result_free(void *arg)
{
	PQclear(arg);
}

/* db_query - run one parameterized statement, result owned by pool */
PGresult *db_query(struct pool *pool, const char *sql, int nparams,
		   const char *const *params)
{
	PGresult *res = db_run(sql, nparams, params);

	if (res != NULL)
		pool_cleanup_add(pool, db_result_free, res);
	return res;
}

/* db_simple - run a parameterless text with the simple protocol */
static int db_simple(const char *sql, bool retry)
{
	PGresult *res;

	db_clear_error();
	for (int attempt = 0; attempt < 2; attempt++) {
		if (db_ensure() == 0) {
			res = PQexec(db_conn, sql);
			if (db_result_ok(res)) {
				PQclear(res);
				return 0;
			}
			db_note_result(res);
			PQclear(res);
		}
		if (!retry || !db_retry_ok())
			break;
		if (db_conn != NULL && PQstatus(db_conn) == CONNECTION_OK &&
		    db_connect() < 0)
			break;
	}
	return -1;
}

/* db_exec_script - run a multi-statement script (migrations) */
int db_exec_script(const char *sql)
{
	if (db_simple(sql, !db_in_tx) < 0)
		return -1;
	if (db_in_tx && PQtransactionStatus(db_conn) == PQTRANS_IDLE) {
		/* a COMMIT or ROLLBACK inside the script */
		db_set_error("script ended the transaction", NULL, false);
		return -1;
	}
	return 0;
}

/* db_ping - connected (reconnecting if needed) and answering */
bool db_ping(void)
{
	PGresult *res = db_run("SELECT 1", 0, NULL);

	PQclear(res);
	return res != NULL;
}

/* ==== Transactions ======================================================= */

int db_begin(void)
{
	if (db_in_tx) {
		db_set_error("transaction already open", NULL, false);
		return -1;
	}
	if (db_simple("BEGIN", true) < 0)
		return -1;
	db_in_tx = true;
	return 0;
}

/* db_commit - commit; a transaction that failed earlier is -1 */
int db_commit(void)
{
	PGresult *res;
	int ret = -1;

	if (!db_in_tx) {
		db_set_error("no transaction open", NULL, false);
		return -1;
	}
	db_clear_error();
	if (db_conn == NULL || PQstatus(db_conn) != CONNECTION_OK) {
		db_set_error("connection lost inside a transaction", "08006",
			     true);
	} else if (PQtransactionStatus(db_conn) == PQTRANS_INERROR) {
		db_set_error("transaction aborted by an earlier error", "25P02",
			     false);
		res = PQexec(db_conn, "ROLLBACK");
		PQclear(res);
	} else {
		res = PQexec(db_conn, "COMMIT");
		if (!db_result_ok(res))
			db_note_result(res);
		else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
			db_set_error("transaction rolled back at commit",
				     "25P02", false);
		else
			ret = 0;
		PQclear(res);
	}
	db_in_tx = false;
	return ret;
}

/* db_rollback - roll back (also after a lost connection) */
void db_rollback(void)
{
	PGresult *res;

	/* keeps the error of whatever made the caller roll back */
	if (db_conn != NULL && PQstatus(db_conn) == CONNECTION_OK &&
	    PQtransactionStatus(db_conn) != PQTRANS_IDLE) {
		res = PQexec(db_conn, "ROLLBACK");
		PQclear(res);
	}
	db_in_tx = false;
}

/* db_tx - run fn in a transaction, commit on 0 */
int db_tx(int (*fn)(void *ctx), void *ctx)
{
	int ret;

	if (db_begin() < 0)
		return -1;
	ret = fn(ctx);
	if (ret != 0) {
		db_rollback();
		return ret;
	}
	if (db_commit() < 0)
		return -1;
	return 0;
}

/* ==== Results ============================================================ */

int db_ntuples(const PGresult *res)
{
	return res != NULL ? PQntuples(res) : 0;
}

/* db_value - a field as text, NULL for SQL NULL or out of range */
const char *db_value(const PGresult *res, int row, int col)
{
	if (res == NULL || row < 0 || col < 0 || row >= PQntuples(res) ||
	    col >= PQnfields(res) || PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}
