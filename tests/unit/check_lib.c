/*
 * check_lib.c - runs every unit suite of lib/ in one Check runner, so the
 * output ends with one "100%: Checks: N, Failures: 0, Errors: 0" line.
 */
#include "config.h"

#include <stdlib.h>

#include "suites.h"
#include "token.h"

/* __lsan_default_suppressions - leaks inside libraries we do not own:
 * ClearSilver leaks a parse node when a template fails to parse (the
 * error-path tests do that on purpose). Read only by LeakSanitizer. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:cs_parse_string\nleak:cs_parse_file\n";
}

int main(void)
{
	SRunner *sr;
	int failed;

	token_init();
	sr = srunner_create(pool_suite());
	srunner_add_suite(sr, buf_suite());
	srunner_add_suite(sr, strnum_suite());
	srunner_add_suite(sr, cfg_suite());
	srunner_add_suite(sr, token_suite());
	srunner_add_suite(sr, pwhash_suite());
	srunner_add_suite(sr, sso_secret_suite());
	srunner_add_suite(sr, secretbox_suite());
	srunner_add_suite(sr, web_form_suite());
	srunner_add_suite(sr, csv_suite());
	srunner_add_suite(sr, vcard_suite());
	srunner_add_suite(sr, html_sanitize_suite());
	srunner_add_suite(sr, web_cs_suite());
	srunner_add_suite(sr, blob_suite());
	srunner_add_suite(sr, mime_meta_suite());
	srunner_add_suite(sr, smtp_parse_suite());
	srunner_add_suite(sr, smtp_data_suite());
	srunner_add_suite(sr, imap_parser_suite());
	srunner_add_suite(sr, imap_utf7_suite());
	srunner_add_suite(sr, imap_search_suite());
	srunner_add_suite(sr, imap_fetch_suite());
	srunner_add_suite(sr, imap_mime_suite());
	srunner_add_suite(sr, imap_thread_suite());
	srunner_add_suite(sr, pop3_parse_suite());
	srunner_add_suite(sr, wm_message_suite());
	srunner_add_suite(sr, filter_rule_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
