/*
 * pool.c - arena memory pools with cleanup handlers.
 *
 * Memory comes from a chain of blocks; a request larger than a quarter of
 * the block size gets a block of its own. Every allocation is zeroed and
 * aligned for any type. Cleanups run in reverse order of registration at
 * pool_clear() and pool_destroy(), before the memory goes.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pool.h"

#define POOL_ALIGN 16
#define POOL_MAX_ALLOC ((size_t)1 << 30)

struct pool_block {
	struct pool_block *next;
	size_t size;
	size_t used;
	_Alignas(POOL_ALIGN) unsigned char data[];
};

struct pool_cleanup {
	struct pool_cleanup *next;
	pool_cleanup_fn *fn;
	void *arg;
};

struct pool {
	const char *name;
	size_t block_size;
	struct pool_block *blocks;
	struct pool_cleanup *cleanups;
};

/* xmalloc - malloc that succeeds or does not return */
void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		panic("out of memory allocating %zu bytes", size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		panic("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		panic("out of memory reallocating %zu bytes", size);
	return p;
}

char *xstrdup(const char *s)
{
	size_t len = strlen(s);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len + 1);
	return p;
}

/* pool_new - create an empty pool */
struct pool *pool_new(const char *name, size_t block_size)
{
	struct pool *pool = xcalloc(1, sizeof(*pool));

	pool->name = name;
	pool->block_size = block_size < 1024 ? 1024 : block_size;
	return pool;
}

static void pool_run_cleanups(struct pool *pool)
{
	struct pool_cleanup *c;

	while ((c = pool->cleanups) != NULL) {
		pool->cleanups = c->next;
		c->fn(c->arg);
	}
}

static void pool_free_blocks(struct pool *pool)
{
	struct pool_block *b;

	while ((b = pool->blocks) != NULL) {
		pool->blocks = b->next;
		free(b);
	}
}

void pool_clear(struct pool *pool)
{
	pool_run_cleanups(pool);
	pool_free_blocks(pool);
}

void pool_destroy(struct pool **poolp)
{
	struct pool *pool = *poolp;

	if (pool == NULL)
		return;
	pool_clear(pool);
	free(pool);
	*poolp = NULL;
}

/* p_alloc - zeroed, aligned memory from the pool */
void *p_alloc(struct pool *pool, size_t size)
{
	struct pool_block *b = pool->blocks;
	size_t need, bsize;
	void *p;

	if (size > POOL_MAX_ALLOC)
		panic("pool %s: allocation of %zu bytes over the limit",
		      pool->name, size);
	need = (size + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
	if (need == 0)
		need = POOL_ALIGN;
	if (b == NULL || b->size - b->used < need) {
		if (need > pool->block_size / 4) {
			/* a block of its own, kept behind the current one */
			b = xmalloc(sizeof(*b) + need);
			b->size = need;
			b->used = 0;
			if (pool->blocks != NULL) {
				b->next = pool->blocks->next;
				pool->blocks->next = b;
			} else {
				b->next = NULL;
				pool->blocks = b;
			}
		} else {
			bsize = pool->block_size;
			b = xmalloc(sizeof(*b) + bsize);
			b->size = bsize;
			b->used = 0;
			b->next = pool->blocks;
			pool->blocks = b;
		}
	}
	p = b->data + b->used;
	b->used += need;
	memset(p, 0, size);
	return p;
}

void *p_realloc(struct pool *pool, void *old, size_t old_size,
		size_t new_size)
{
	void *p;

	if (new_size <= old_size)
		return old;
	p = p_alloc(pool, new_size);
	if (old != NULL && old_size > 0)
		memcpy(p, old, old_size);
	return p;
}

char *p_strndup(struct pool *pool, const char *s, size_t len)
{
	char *p = p_alloc(pool, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *p_strdup(struct pool *pool, const char *s)
{
	if (s == NULL)
		return NULL;
	return p_strndup(pool, s, strlen(s));
}

void *p_memdup(struct pool *pool, const void *data, size_t len)
{
	void *p = p_alloc(pool, len + 1);

	if (len > 0)	/* data may be NULL then */
		memcpy(p, data, len);
	return p;
}

char *p_vprintf(struct pool *pool, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		panic("p_vprintf: bad format %s", fmt);
	p = p_alloc(pool, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *p_printf(struct pool *pool, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = p_vprintf(pool, fmt, ap);
	va_end(ap);
	return p;
}

/* pool_cleanup_add - run fn(arg) when the pool is cleared or destroyed */
void pool_cleanup_add(struct pool *pool, pool_cleanup_fn *fn, void *arg)
{
	struct pool_cleanup *c = p_new(pool, struct pool_cleanup, 1);

	c->fn = fn;
	c->arg = arg;
	c->next = pool->cleanups;
	pool->cleanups = c;
}
