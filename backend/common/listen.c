/*
 * listen.c - listening sockets from "host:port" configuration values.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "listen.h"

int listen_open(const char *spec, const char **error_r)
{
	char host[256], port[16];
	const char *colon;
	struct addrinfo hints, *ai = NULL;
	int fd, one = 1;
	size_t hlen;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (end == NULL || end[1] != ':') {
			*error_r = "bad address (expected [v6]:port)";
			return -1;
		}
		hlen = (size_t)(end - spec - 1);
		colon = end + 1;
		spec++;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL) {
			*error_r = "bad address (expected host:port)";
			return -1;
		}
		hlen = (size_t)(colon - spec);
	}
	if (hlen == 0 || hlen >= sizeof(host) ||
	    str_lcpy(port, colon + 1, sizeof(port)) >= sizeof(port)) {
		*error_r = "bad address";
		return -1;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL) {
		*error_r = "bad address (numeric host and port expected)";
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, 511) < 0) {
		*error_r = strerror(errno);
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}
