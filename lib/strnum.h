#ifndef MH_STRNUM_H
#define MH_STRNUM_H
/*
 * strnum.h - strict decimal number parsing.
 *
 * The whole string must be digits (no sign, no spaces, no trailing text) and
 * fit the type; str_to_int64 alone also takes a leading '-', so callers
 * wanting an id check that it is positive. On error -1 is returned and
 * *num_r is left untouched.
 */
#include <stdint.h>

int str_to_uint(const char *str, unsigned int *num_r)
	__attribute__((warn_unused_result));
int str_to_u64(const char *str, uint64_t *num_r)
	__attribute__((warn_unused_result));
int str_to_int64(const char *str, int64_t *num_r)
	__attribute__((warn_unused_result));
/* str_to_size - decimal with an optional K, M or G suffix (powers of 1024) */
int str_to_size(const char *str, uint64_t *num_r)
	__attribute__((warn_unused_result));

#endif
