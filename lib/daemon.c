/*
 * daemon.c - pid files and detaching from the terminal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

bool pid_file_busy(const char *path)
{
	FILE *fp = fopen(path, "r");
	long pid = 0;

	if (fp == NULL)
		return false;
	if (fscanf(fp, "%ld", &pid) != 1)
		pid = 0;
	fclose(fp);
	return pid > 1 && pid != getpid() && kill((pid_t)pid, 0) == 0;
}

void pid_file_write(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		fatal("event=startup error=\"%s: %s\"", path, strerror(errno));
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0)
		fatal("event=startup error=\"%s: %s\"", path, strerror(errno));
}

void daemon_detach(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		fatal("event=startup error=\"fork: %s\"", strerror(errno));
	if (pid > 0)
		_exit(0);
	setsid();
	pid = fork();
	if (pid < 0)
		fatal("event=startup error=\"fork: %s\"", strerror(errno));
	if (pid > 0)
		_exit(0);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}
