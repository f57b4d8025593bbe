/*
 * test-pop3-parse.c - unit tests of x.
 */
#include "config.h"

#include "suites.h"

Suite *pop3_parse_suite(void)
{
	return suite_create("pop3-parse");
}
