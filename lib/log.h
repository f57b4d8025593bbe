#ifndef MH_LOG_H
#define MH_LOG_H
/*
 * log.h - one line per event, key=value, to stderr (or a file).
 *
 *   log_info("event=login user=%s ip=%s", ...)
 *
 * Each line starts with ts=, level= and prog=. Values that may hold spaces
 * or untrusted bytes go through log_quote(). Never log passwords or message
 * bodies. fatal() is for start-up and configuration trouble (exit 1);
 * panic() is for bugs (abort with a core).
 */
#include <stdarg.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_init(const char *prog, enum log_level min_level);
/* log_open_file - append to path instead of stderr; -1 on error */
int log_open_file(const char *path);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* log_quote - a value fit for key=value: quoted when needed, control bytes
 * and quotes escaped, cut at 200 bytes. Returns a static buffer that the
 * next call (up to 4 in one statement) reuses. */
const char *log_quote(const char *value);

#define ASSERT(expr) \
	do { if (!(expr)) panic("%s:%d: assertion failed: %s", \
				__FILE__, __LINE__, #expr); } while (0)

#endif
