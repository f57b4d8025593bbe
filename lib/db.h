#ifndef MH_DB_H
#define MH_DB_H
/*
 * db.h - PostgreSQL access: one connection per process (per worker).
 *
 * Every statement is parameterized. db_query() prepares each distinct SQL
 * text once per connection (the statement name is derived from a hash of
 * the text) and runs it with PQexecPrepared; parameters are text, NULL
 * means SQL NULL. Results are owned by the caller's pool (PQclear runs at
 * pool clean-up). When the connection is lost (server restart), the next
 * call outside a transaction reconnects once and retries; inside a
 * transaction the call fails and the transaction is gone.
 *
 * Return convention: a PGresult* for success (tuples or command ok), NULL
 * for failure with db_error() describing it (never shown to web users).
 */
#include <stdbool.h>

#include <libpq-fe.h>

struct pool;

/* db_init - remember conninfo and connect; -1 if the first connect fails
 * (the next db_query() tries again) */
int db_init(const char *conninfo);
void db_close(void);
/* db_ping - connected (reconnecting if needed) and answering */
bool db_ping(void);

PGresult *db_query(struct pool *pool, const char *sql, int nparams,
		   const char *const *params);
/* db_exec_script - run a multi-statement script (migrations); -1/0 */
int db_exec_script(const char *sql);

int db_begin(void) __attribute__((warn_unused_result));
int db_commit(void) __attribute__((warn_unused_result));
void db_rollback(void);
/* db_tx - run fn in a transaction: commit when it returns 0, roll back
 * otherwise; returns fn's result, or -1 when BEGIN/COMMIT fail */
int db_tx(int (*fn)(void *ctx), void *ctx);

const char *db_error(void);
/* db_sqlstate - SQLSTATE of the last failed statement, "" if none */
const char *db_sqlstate(void);
/* db_unavailable - the last failure was a lost or refused connection */
bool db_unavailable(void);

/* db_backend_pid - the server process of the connection, 0 if none */
int db_backend_pid(void);

/* convenience on results */
int db_ntuples(const PGresult *res);
const char *db_value(const PGresult *res, int row, int col); /* NULL if SQL NULL */

#endif
