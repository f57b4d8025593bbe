/*
 * token.c - random secrets, hex, SHA-256 and constant-time comparison.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "log.h"
#include "token.h"

void token_init(void)
{
	if (sodium_init() < 0)
		fatal("event=startup error=\"libsodium initialisation failed\"");
}

void token_random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

void hex_encode(const void *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		out[i * 2] = digits[p[i] >> 4];
		out[i * 2 + 1] = digits[p[i] & 0x0f];
	}
	out[len * 2] = '\0';
}

void token_new_hex(char out[TOKEN_HEX_LEN + 1])
{
	unsigned char raw[TOKEN_BYTES];

	token_random(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), out);
	sodium_memzero(raw, sizeof(raw));
}

void token_password(char *out, size_t len)
{
	static const char alphabet[] =
		"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[len] = '\0';
}

bool token_is_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return s[i] == '\0';
}

void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, data, len);
	hex_encode(digest, sizeof(digest), out);
}

bool token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}
