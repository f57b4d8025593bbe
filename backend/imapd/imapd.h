#ifndef MH_IMAPD_H
#define MH_IMAPD_H
/*
 * imapd.h - the IMAP service of mailhived (RFC 3501 and the extensions
 * listed in imapd.c): one worker process serving many connections from
 * an epoll loop over the listeners the master opened (143-style with
 * STARTTLS, 993-style with implicit TLS).
 */
#include "listen.h"

/* imapd_worker_main - run a worker until SIGTERM; never returns */
void imapd_worker_main(const struct tls_listener *listeners,
		       unsigned int nlisteners, unsigned int worker)
	__attribute__((noreturn));

#endif
