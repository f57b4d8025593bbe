#ifndef MH_POOL_H
#define MH_POOL_H
/*
 * pool.h - arena memory pools with cleanup handlers.
 *
 * A pool hands out zeroed memory that lives until pool_destroy(); nothing is
 * freed one piece at a time. Foreign objects (PGresult, GObject, temporary
 * files) are registered with pool_cleanup_add() when created, so an early
 * return cannot leak them. Allocation never returns NULL: on exhaustion the
 * process logs and aborts, and its supervisor starts a new one.
 */
#include <stdarg.h>
#include <stddef.h>

struct pool;

typedef void pool_cleanup_fn(void *arg);

struct pool *pool_new(const char *name, size_t block_size);
void pool_destroy(struct pool **pool);
/* pool_clear - free everything, run cleanups, keep the pool for reuse */
void pool_clear(struct pool *pool);

void *p_alloc(struct pool *pool, size_t size);
void *p_realloc(struct pool *pool, void *old, size_t old_size,
		size_t new_size);
char *p_strdup(struct pool *pool, const char *s);
char *p_strndup(struct pool *pool, const char *s, size_t len);
void *p_memdup(struct pool *pool, const void *data, size_t len);
char *p_printf(struct pool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *p_vprintf(struct pool *pool, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define p_new(pool, type, count) \
	((type *)p_alloc((pool), sizeof(type) * (count)))

void pool_cleanup_add(struct pool *pool, pool_cleanup_fn *fn, void *arg);

/* xmalloc family: never returns NULL */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);

#endif
