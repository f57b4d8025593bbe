/*
 * test-imap-mime.c - unit tests of backend/imapd/imap-mime.c.
 */
#include "config.h"

#include "suites.h"

Suite *imap_mime_suite(void)
{
	return suite_create("imap-mime");
}
