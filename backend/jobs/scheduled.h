#ifndef MH_SCHEDULED_H
#define MH_SCHEDULED_H
/*
 * scheduled.h - the jobs service sends the scheduled messages that are
 * due (scheduled.c).
 */

/* scheduled_run_due - one round: the due rows sent; how many were
 * taken, or -1 on a database error */
int scheduled_run_due(void);

#endif
