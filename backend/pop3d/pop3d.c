/*
 * pop3d.c - the POP3 service (see pop3d.h).
 */
#include "config.h"

#include <unistd.h>

#include "db.h"
#include "log.h"
#include "pop3d.h"
#include "service.h"

void pop3d_worker_main(const struct tls_listener *listeners,
		       unsigned int nlisteners, unsigned int worker)
{
	(void)listeners;
	(void)nlisteners;
	service_start("pop3");
	log_info("event=pop3_worker_started worker=%u", worker);
	while (!service_stop_requested)
		pause();
	db_close();
	_exit(0);
}
