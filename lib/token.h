#ifndef MH_TOKEN_H
#define MH_TOKEN_H
/*
 * token.h - random secrets, hex, SHA-256 and constant-time comparison.
 *
 * Randomness comes from libsodium (getrandom underneath). token_init() must
 * run once in main before anything here is used.
 */
#include <stdbool.h>
#include <stddef.h>

#define TOKEN_BYTES 32			/* 256-bit session ids and CSRF tokens */
#define TOKEN_HEX_LEN (TOKEN_BYTES * 2)
#define SHA256_HEX_LEN 64

void token_init(void);
void token_random(void *buf, size_t len);
/* token_new_hex - TOKEN_BYTES random bytes as lower-case hex into out,
 * which holds TOKEN_HEX_LEN + 1 bytes */
void token_new_hex(char out[TOKEN_HEX_LEN + 1]);
/* token_password - a random password of len characters from an alphabet
 * without look-alikes; out holds len + 1 bytes */
void token_password(char *out, size_t len);
void hex_encode(const void *data, size_t len, char *out);
/* token_is_hex - exactly len lower-case hex digits */
bool token_is_hex(const char *s, size_t len);
/* sha256_hex - hex SHA-256 of data into out (SHA256_HEX_LEN + 1 bytes) */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
/* token_equal - constant-time equality of two NUL-terminated strings of
 * the same length; different lengths compare unequal */
bool token_equal(const char *a, const char *b);

#endif
