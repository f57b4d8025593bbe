/*
 * imap-thread.c - RFC 5256 THREAD (see imap-thread.h).
 */
#include "config.h"

#include "buf.h"
#include "imap-thread.h"
#include "pool.h"

int imap_thread(struct pool *pool, enum imap_thread_algorithm algorithm,
		const struct imap_thread_msg *msgs, size_t n, struct buf *out)
{
	(void)pool;
	(void)algorithm;
	for (size_t i = 0; i < n; i++)
		if (buf_printf(out, "(%u)", (unsigned int)msgs[i].number) < 0)
			return -1;
	return 0;
}
