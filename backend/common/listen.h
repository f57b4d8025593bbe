#ifndef MH_LISTEN_H
#define MH_LISTEN_H
/*
 * listen.h - listening sockets from "host:port" configuration values.
 */
#include <stdbool.h>

/* listen_open - a non-blocking, close-on-exec listening TCP socket on
 * "127.0.0.1:2525" or "[::1]:2525", with SO_REUSEPORT so that each worker
 * of a service can have a socket of its own on the same address: the
 * kernel spreads new connections over the group, where one shared
 * socket would hand them to whichever worker polls first. join = false
 * opens a new group and fails when anyone holds the address; join = true
 * adds a socket to our group. -1 with *error_r (static or strerror text)
 * on failure */
int listen_open(const char *spec, bool join, const char **error_r);

/* a listener of the IMAP and POP3 services: implicit TLS or not */
struct tls_listener {
	int fd;
	bool implicit_tls;	/* 993/995: TLS from the first octet */
};

#endif
