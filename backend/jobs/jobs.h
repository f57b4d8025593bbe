#ifndef MH_JOBS_H
#define MH_JOBS_H
/*
 * jobs.h - the jobs service of mailhived: periodic housekeeping.
 *
 * Every minute: remove blobs no row references (after a grace period, so
 * a delivery that has written its blob but not yet committed its rows is
 * never robbed), stale temporary files of crashed writers, expired web
 * sessions and old failed-login records.
 */

/* timing comes from jobs.interval and store.gc_grace */

/* jobs_run_once - one round; returns the number of blobs removed, -1 on
 * a database error */
int jobs_run_once(void);
void jobs_main(void) __attribute__((noreturn));

#endif
