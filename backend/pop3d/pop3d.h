#ifndef MH_POP3D_H
#define MH_POP3D_H
/*
 * pop3d.h - the POP3 service of mailhived (RFC 1939, 2449, 2595, 5034):
 * one worker process serving many connections from an epoll loop over
 * the listeners the master opened (110-style with STLS, 995-style with
 * implicit TLS).
 */
#include "listen.h"

/* pop3d_worker_main - run a worker until SIGTERM; never returns */
void pop3d_worker_main(const struct tls_listener *listeners,
		       unsigned int nlisteners, unsigned int worker)
	__attribute__((noreturn));

#endif
