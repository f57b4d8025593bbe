#ifndef MH_IMAP_UTF7_H
#define MH_IMAP_UTF7_H
/*
 * imap-utf7.h - modified UTF-7 mailbox names (RFC 3501 section 5.1.3)
 * to and from UTF-8.
 *
 * Printable US-ASCII (0x20-0x7e) stands for itself, "&" is written "&-",
 * and every run of other characters is UTF-16BE in base64 with ","
 * for "/", between "&" and "-": "收件箱/项目" is "&ZTZO9nux-/&mHl27g-".
 *
 * SECURITY: names come from the network and go into the database and
 * back, so decoding is strict: there is exactly one accepted encoding of
 * each name, which makes the two functions exact inverses and lets names
 * be compared as UTF-8. Output goes to the caller's pool, sized by the
 * input length only. Fuzzed by tests/fuzz/fuzz-imap-cmd.c.
 */
#include <stdbool.h>
#include <stddef.h>

struct pool;

/*
 * imap_utf7_to_utf8 - decode modified UTF-7. Refused: octets outside
 * 0x20-0x7e, a run without its "-", base64 outside the modified alphabet,
 * a run of no characters, leftover bits that are 6 or more or not zero,
 * an encoded printable ASCII character (they must be sent as themselves,
 * "&" as "&-"), two runs back to back (they must be one), a lone or
 * reversed surrogate, and U+0000. *out_r is NUL-terminated UTF-8.
 */
int imap_utf7_to_utf8(struct pool *pool, const char *in, size_t len,
		      const char **out_r, const char **error_r)
	__attribute__((warn_unused_result));

/*
 * imap_utf8_to_utf7 - encode UTF-8 in the one canonical modified UTF-7
 * form. Refused: invalid UTF-8 (see utf8_valid()) and NUL.
 */
int imap_utf8_to_utf7(struct pool *pool, const char *in, size_t len,
		      const char **out_r, const char **error_r)
	__attribute__((warn_unused_result));

/* imap_utf7_valid - imap_utf7_to_utf8() would accept it */
bool imap_utf7_valid(const char *in, size_t len);

#endif
