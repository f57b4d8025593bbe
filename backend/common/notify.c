/*
 * notify.c - shared change counters per mailbox (see notify.h).
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "notify.h"

static atomic_uint *slots;

void mbox_notify_init(void)
{
	void *p;

	if (slots != NULL)
		return;
	p = mmap(NULL, MBOX_NOTIFY_SLOTS * sizeof(atomic_uint),
		 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("event=startup error=\"mmap notify table: %s\"",
		      strerror(errno));
	slots = p;
}

bool mbox_notify_active(void)
{
	return slots != NULL;
}

static unsigned int slot_of(int64_t mailbox_id)
{
	uint64_t h = (uint64_t)mailbox_id * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(h >> 48) % MBOX_NOTIFY_SLOTS;
}

void mbox_notify(int64_t mailbox_id)
{
	if (slots != NULL)
		atomic_fetch_add_explicit(&slots[slot_of(mailbox_id)], 1,
					  memory_order_release);
}

uint32_t mbox_notify_gen(int64_t mailbox_id)
{
	if (slots == NULL)
		return 0;
	return atomic_load_explicit(&slots[slot_of(mailbox_id)],
				    memory_order_acquire);
}
