#ifndef MH_TEST_SUITES_H
#define MH_TEST_SUITES_H
/* suites.h - every Check suite of the core library */
#include <check.h>

Suite *pool_suite(void);
Suite *buf_suite(void);
Suite *strnum_suite(void);
Suite *cfg_suite(void);
Suite *token_suite(void);
Suite *pwhash_suite(void);
Suite *sso_secret_suite(void);
Suite *secretbox_suite(void);
Suite *web_form_suite(void);
Suite *csv_suite(void);
Suite *vcard_suite(void);
Suite *html_sanitize_suite(void);
Suite *web_cs_suite(void);
Suite *blob_suite(void);
Suite *mime_meta_suite(void);
Suite *smtp_parse_suite(void);
Suite *smtp_data_suite(void);
Suite *imap_parser_suite(void);
Suite *imap_utf7_suite(void);
Suite *imap_search_suite(void);
Suite *imap_fetch_suite(void);
Suite *imap_mime_suite(void);
Suite *imap_thread_suite(void);
Suite *pop3_parse_suite(void);
Suite *wm_message_suite(void);
Suite *filter_rule_suite(void);

#endif
