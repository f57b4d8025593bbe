/*
 * imapd.c - the IMAP service (see imapd.h).
 */
#include "config.h"

#include <unistd.h>

#include "db.h"
#include "log.h"
#include "imapd.h"
#include "service.h"

void imapd_worker_main(const struct tls_listener *listeners,
		       unsigned int nlisteners, unsigned int worker)
{
	(void)listeners;
	(void)nlisteners;
	service_start("imap");
	log_info("event=imap_worker_started worker=%u", worker);
	while (!service_stop_requested)
		pause();
	db_close();
	_exit(0);
}
