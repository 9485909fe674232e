/*
 * UUIDs: version 4 (random) and version 7 (Unix milliseconds then random,
 * RFC 9562), canonical text.  Version 7 values are monotonic within the
 * process: one sequence of the generator in uuid7.c, behind a lock.
 */
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include <strata/value.h>

#include "core/error.h"
#include "core/uuid7.h"

static int fill_random(void *p, size_t n)
{
	uint8_t *b = p;
	while (n > 0) {
		ssize_t got = getrandom(b, n, 0);
		if (got < 0)
			return strata__error_set(STRATA_ERROR, "no randomness available for a UUID");
		b += got;
		n -= (size_t)got;
	}
	return STRATA_OK;
}

int strata_uuid_v4(strata_uuid *out)
{
	if (fill_random(out->bytes, 16) != STRATA_OK)
		return STRATA_ERROR;
	out->bytes[6] = (uint8_t)((out->bytes[6] & 0x0f) | 0x40);
	out->bytes[8] = (uint8_t)((out->bytes[8] & 0x3f) | 0x80);
	return STRATA_OK;
}

static pthread_mutex_t v7_lock = PTHREAD_MUTEX_INITIALIZER;
static strata__uuid7 v7_state; /* the process's sequence: generated C and SQLite's strata_uuid_v7() */

int strata_uuid_v7(strata_uuid *out)
{
	if (fill_random(out->bytes, 16) != STRATA_OK)
		return STRATA_ERROR;
	uint64_t ms = (uint64_t)(strata_timestamp_now() / 1000);
	pthread_mutex_lock(&v7_lock);
	strata__uuid7_next(&v7_state, ms, out->bytes);
	pthread_mutex_unlock(&v7_lock);
	return STRATA_OK;
}

void strata_uuid_format(const strata_uuid *u, char buf[STRATA_UUID_STRLEN + 1])
{
	strata__uuid_text(u->bytes, buf);
}

static inline int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Positions of the 16 byte pairs in canonical text. */
static const uint8_t pair_at[16] = { 0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34 };

int strata_uuid_parse(const char *s, size_t len, strata_uuid *out)
{
	if (len != STRATA_UUID_STRLEN || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		goto bad;
	int bad = 0;
	for (int i = 0; i < 16; i++) {
		int hi = hexval(s[pair_at[i]]), lo = hexval(s[pair_at[i] + 1]);
		bad |= hi | lo;
		out->bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	if (bad < 0)
		goto bad;
	return STRATA_OK;
bad:
	return strata__error_set(STRATA_EINVAL, "not a UUID: '%.*s'", (int)(len > 64 ? 64 : len), s);
}

const char *strata_type_name(strata_type t)
{
	switch (t) {
	case STRATA_TYPE_NULL: return "null";
	case STRATA_TYPE_INT: return "int";
	case STRATA_TYPE_DOUBLE: return "double";
	case STRATA_TYPE_TEXT: return "text";
	case STRATA_TYPE_BLOB: return "blob";
	case STRATA_TYPE_BOOL: return "bool";
	case STRATA_TYPE_TIMESTAMP: return "timestamp";
	case STRATA_TYPE_UUID: return "uuid";
	case STRATA_TYPE_JSON: return "json";
	}
	return "unknown";
}
