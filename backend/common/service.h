#ifndef MH_SERVICE_H
#define MH_SERVICE_H
/*
 * service.h - what every mailhived service process does first: SIGTERM
 * and SIGINT ask it to stop (service_stop_requested), SIGPIPE is
 * ignored, and it connects to PostgreSQL (a failure is only logged: each
 * query reconnects).
 */
#include <signal.h>

extern volatile sig_atomic_t service_stop_requested;

void service_start(const char *name);

#endif
