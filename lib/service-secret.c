/*
 * service-secret.c - reading and checking the service account's secret.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "cfg.h"
#include "service-secret.h"

int service_secret_read(char buf[SERVICE_SECRET_MAX], const char **error_r)
{
	size_t len = 0;
	ssize_t n;
	char *t;
	int fd;

	buf[0] = '\0';
	fd = open(cfg.imap_service_secret_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*error_r = "cannot open imap.service_secret_file";
		return -1;
	}
	while (len < SERVICE_SECRET_MAX - 1 &&
	       (n = read(fd, buf + len, SERVICE_SECRET_MAX - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			sodium_memzero(buf, SERVICE_SECRET_MAX);
			*error_r = "cannot read imap.service_secret_file";
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	t = str_trim(buf);
	memmove(buf, t, strlen(t) + 1);
	if (strlen(buf) < SERVICE_SECRET_MIN) {
		sodium_memzero(buf, SERVICE_SECRET_MAX);
		*error_r = "imap.service_secret_file holds no secret of at"
			   " least 16 characters";
		return -1;
	}
	return 0;
}

bool service_secret_check(const char *secret, const char *password)
{
	size_t len = strlen(secret);

	return len >= SERVICE_SECRET_MIN && strlen(password) == len &&
	       sodium_memcmp(secret, password, len) == 0;
}
