/*
 * service.c - start-up shared by the mailhived services.
 */
#include "config.h"

#include <string.h>

#include "cfg.h"
#include "db.h"
#include "log.h"
#include "service.h"

volatile sig_atomic_t service_stop_requested;

static void on_term(int sig)
{
	(void)sig;
	service_stop_requested = 1;
}

void service_start(const char *name)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (db_init(cfg.db_conninfo_resolved) < 0)
		log_warn("event=db_unavailable service=%s error=%s", name,
			 log_quote(db_error()));
}
