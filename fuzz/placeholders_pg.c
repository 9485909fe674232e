/*
 * Fuzz the placeholder rewriter against PostgreSQL's own scanner
 * (libpg_query's pg_query_scan): whenever the caller's SQL scans, the
 * rewritten SQL scans too (`a=?AND` must not become `$1AND`, which
 * PostgreSQL refuses as "trailing junk after parameter"), and it holds
 * exactly the parameters $1..$n in order, each its own token.
 */
#include <pg_query.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

enum {
	TOKEN_PARAM = 267
}; /* pg_query.proto's Token enum */

/* A protobuf varint at p[*i..n). */
static uint64_t varint(const uint8_t *p, size_t n, size_t *i)
{
	uint64_t v = 0;
	for (int shift = 0; *i < n && shift < 64; shift += 7) {
		uint8_t b = p[(*i)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	return v;
}

/*
 * Walk ScanResult.tokens (field 2) and check every PARAM token: it reads
 * "$k" for the next k.  Returns the number of PARAM tokens, or -1 when one
 * is not the expected text.
 */
static int params(const char *sql, const PgQueryProtobuf *pb)
{
	const uint8_t *p = (const uint8_t *)pb->data;
	size_t n = pb->len, i = 0;
	int count = 0;
	while (i < n) {
		uint64_t key = varint(p, n, &i);
		if ((key & 7) == 0) {
			varint(p, n, &i);
			continue;
		}
		if ((key & 7) != 2)
			return -1;
		size_t len = (size_t)varint(p, n, &i), end = i + len;
		if (end > n)
			return -1;
		if (key >> 3 != 2) {
			i = end;
			continue;
		}
		uint64_t start = 0, stop = 0, token = 0;
		while (i < end) {
			uint64_t k = varint(p, end, &i), v = varint(p, end, &i);
			if ((k >> 3) == 1)
				start = v;
			else if ((k >> 3) == 2)
				stop = v;
			else if ((k >> 3) == 4)
				token = v;
		}
		if (token == TOKEN_PARAM) {
			char want[16];
			int w = snprintf(want, sizeof want, "$%d", ++count);
			if (stop - start != (uint64_t)w || memcmp(sql + start, want, (size_t)w) != 0)
				return -1;
		}
		i = end;
	}
	return count;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size > 4096 || memchr(data, '\0', size))
		return 0;
	char *in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	strata_buf out = STRATA_BUF_INIT;
	int n = 0;
	if (strata__rewrite_placeholders(in, size, &out, &n) == STRATA_OK) {
		PgQueryScanResult before = pg_query_scan(in);
		if (!before.error) {
			PgQueryScanResult after = pg_query_scan(strata__buf_cstr(&out));
			if (after.error)
				__builtin_trap(); /* scanned as written, not as rewritten */
			if (params(strata__buf_cstr(&out), &after.pbuf) != n)
				__builtin_trap(); /* a $k that is not one token, or not $1..$n in order */
			pg_query_free_scan_result(after);
		}
		pg_query_free_scan_result(before);
	}
	strata__buf_free(&out);
	free(in);
	return 0;
}
