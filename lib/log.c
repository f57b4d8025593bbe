/*
 * log.c - key=value logging to stderr or a file.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_VALUE_MAX 200

static const char *log_prog = "mailhive";
static enum log_level log_min = LOG_INFO;
static int log_fd = STDERR_FILENO;

void log_init(const char *prog, enum log_level min_level)
{
	log_prog = prog;
	log_min = min_level;
}

int log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	if (fd < 0)
		return -1;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	return 0;
}

static const char *level_names[] = { "debug", "info", "warn", "error" };

static void log_emit(const char *level, const char *fmt, va_list ap)
{
	char line[4096];
	struct timeval tv;
	struct tm tm;
	int n, m;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
		     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s prog=%s pid=%ld ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000), level,
		     log_prog, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(log_fd, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}

#define LOG_FN(name, level) \
void name(const char *fmt, ...) \
{ \
	va_list ap; \
	if (level < log_min) \
		return; \
	va_start(ap, fmt); \
	log_emit(level_names[level], fmt, ap); \
	va_end(ap); \
}

LOG_FN(log_debug, LOG_DEBUG)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_error, LOG_ERROR)

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit("fatal", fmt, ap);
	va_end(ap);
	exit(1);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit("panic", fmt, ap);
	va_end(ap);
	abort();
}

const char *log_quote(const char *value)
{
	static char bufs[4][LOG_VALUE_MAX * 4 + 8];
	static unsigned int next;
	char *out = bufs[next++ % 4];
	size_t o = 0, i;
	int need_quote = value[0] == '\0';

	for (i = 0; value[i] != '\0'; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
			need_quote = 1;
	}
	if (need_quote)
		out[o++] = '"';
	for (i = 0; value[i] != '\0' && i < LOG_VALUE_MAX; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < ' ' || c == 0x7f) {
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	if (value[i] != '\0') {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	if (need_quote)
		out[o++] = '"';
	out[o] = '\0';
	return out;
}
