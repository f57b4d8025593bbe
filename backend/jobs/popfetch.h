#ifndef MH_POPFETCH_H
#define MH_POPFETCH_H
/*
 * popfetch.h - fetching mail from the users' accounts on other POP3
 * servers, in the jobs service (popfetch.c).
 *
 * The jobs loop calls popfetch_run_due() every POPFETCH_POLL seconds: it
 * claims the accounts whose time has come (or whose owner asked webmail
 * to fetch now), fetches the messages it has not taken yet and records
 * how the run went in the account's row.
 */

#define POPFETCH_POLL 2		/* seconds between looks for due accounts */

/* popfetch_init - once in the jobs process, before the first run */
void popfetch_init(void);

/* popfetch_run_due - run the due accounts, at most a few per call; how
 * many ran, -1 when the database failed */
int popfetch_run_due(void);

#endif
