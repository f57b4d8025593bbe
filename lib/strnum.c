/*
 * strnum.c - strict decimal number parsing (no atoi, no strtol surprises).
 */
#include "config.h"

#include <stddef.h>

#include "strnum.h"

static int parse_u64(const char *s, uint64_t max, uint64_t *num_r,
		     const char **end_r)
{
	uint64_t n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*num_r = n;
	*end_r = s;
	return 0;
}

int str_to_u64(const char *str, uint64_t *num_r)
{
	uint64_t n;
	const char *end;

	if (parse_u64(str, UINT64_MAX, &n, &end) < 0 || *end != '\0')
		return -1;
	*num_r = n;
	return 0;
}

int str_to_uint(const char *str, unsigned int *num_r)
{
	uint64_t n;
	const char *end;

	if (parse_u64(str, UINT32_MAX, &n, &end) < 0 || *end != '\0')
		return -1;
	*num_r = (unsigned int)n;
	return 0;
}

int str_to_int64(const char *str, int64_t *num_r)
{
	uint64_t n;
	const char *end;
	int neg = *str == '-';

	if (parse_u64(str + neg, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX,
		      &n, &end) < 0 || *end != '\0')
		return -1;
	if (neg)
		*num_r = n == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)n;
	else
		*num_r = (int64_t)n;
	return 0;
}

int str_to_size(const char *str, uint64_t *num_r)
{
	uint64_t n, mult = 1;
	const char *end;

	if (parse_u64(str, UINT64_MAX, &n, &end) < 0)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1024;
		end++;
		break;
	case 'm': case 'M':
		mult = 1024 * 1024;
		end++;
		break;
	case 'g': case 'G':
		mult = 1024 * 1024 * 1024;
		end++;
		break;
	default:
		return -1;
	}
	if (*end != '\0' || (n != 0 && n > UINT64_MAX / mult))
		return -1;
	*num_r = n * mult;
	return 0;
}
