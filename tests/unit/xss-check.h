#ifndef MH_XSS_CHECK_H
#define MH_XSS_CHECK_H
/*
 * xss-check.h - judges of sanitized HTML, for the unit tests and the
 * fuzz target of lib/html-sanitize.c.
 *
 * Both parse the HTML with gumbo the way the webmail shows it (after
 * "<!DOCTYPE html><body>"), and share no code or table with the
 * sanitizer: the allow-lists here are written out again from the issue,
 * so a mistake in the sanitizer's tables is not repeated here.
 */
#include <stdbool.h>
#include <stddef.h>

/* xss_check - NULL when the parsed HTML holds nothing that runs script
 * or loads from outside: only allowed HTML elements, no comment, no
 * "on*" or unknown attribute, URLs only http/https/mailto (href) or
 * cid/data:image/png|gif|jpeg (src; http(s) only with allow_remote),
 * style without backslash, comment, url(), expression, @import,
 * behavior, binding, script schemes, fixed/absolute/sticky position,
 * '<', '>' or controls. Otherwise a description of the first offence
 * (static storage, overwritten by the next call). */
const char *xss_check(const char *html, size_t len, bool allow_remote);

/* xss_roundtrip - parse html and write the tree back out (the body's
 * children, with the escaping the sanitizer uses); true when that
 * gives html again, i.e. html parses into the tree it describes */
bool xss_roundtrip(const char *html, size_t len);

#endif
