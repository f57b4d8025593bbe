/*
 * listen.c - listening sockets from "host:port" configuration values.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "listen.h"

/* parse_spec - the numeric address of "host:port" or "[v6]:port" */
static struct addrinfo *parse_spec(const char *spec, const char **error_r)
{
	char host[256], port[16];
	const char *colon;
	struct addrinfo hints, *ai = NULL;
	size_t hlen;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (end == NULL || end[1] != ':') {
			*error_r = "bad address (expected [v6]:port)";
			return NULL;
		}
		hlen = (size_t)(end - spec - 1);
		colon = end + 1;
		spec++;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL) {
			*error_r = "bad address (expected host:port)";
			return NULL;
		}
		hlen = (size_t)(colon - spec);
	}
	if (hlen == 0 || hlen >= sizeof(host) ||
	    str_lcpy(port, colon + 1, sizeof(port)) >= sizeof(port)) {
		*error_r = "bad address";
		return NULL;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL) {
		*error_r = "bad address (numeric host and port expected)";
		return NULL;
	}
	return ai;
}
/* bound_socket - a socket bound to ai, listening when backlog > 0 */
static int bound_socket(const struct addrinfo *ai, bool reuseport,
			int backlog, const char **error_r)
{
	int fd, one = 1;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
				     sizeof(one)) < 0) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    (backlog > 0 && listen(fd, backlog) < 0)) {
		*error_r = strerror(errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int listen_open(const char *spec, bool join, const char **error_r)
{
	struct addrinfo *ai = parse_spec(spec, error_r);
	int fd;

	if (ai == NULL)
		return -1;
	if (!join) {
		/* a plain bind fails while anyone holds the port, even a
		 * group of SO_REUSEPORT sockets of our own user */
		fd = bound_socket(ai, false, 0, error_r);
		if (fd < 0) {
			freeaddrinfo(ai);
			return -1;
		}
		close(fd);
	}
	fd = bound_socket(ai, true, 511, error_r);
	freeaddrinfo(ai);
	return fd;
}
