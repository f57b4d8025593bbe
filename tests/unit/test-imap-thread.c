/*
 * test-imap-thread.c - unit tests of backend/imapd/imap-thread.c.
 */
#include "config.h"

#include "suites.h"

Suite *imap_thread_suite(void)
{
	return suite_create("imap-thread");
}
