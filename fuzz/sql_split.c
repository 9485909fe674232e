/*
 * Fuzz the statement splitter and the keyword scanner on both dialects:
 * every piece must lie inside the input, in order, and never be empty.
 */
#include <stdlib.h>
#include <string.h>

#include "sql/split.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *text = (const char *)data;
	strata_backend dialects[] = { STRATA_BACKEND_SQLITE, STRATA_BACKEND_POSTGRES };
	for (int d = 0; d < 2; d++) {
		strata__sql_piece *p = NULL;
		size_t n = 0, last = 0;
		if (strata__sql_split(text, size, dialects[d], &p, &n) != STRATA_OK)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (p[i].offset < last || p[i].len == 0 || p[i].offset + p[i].len > size || p[i].line < 1)
				abort();
			last = p[i].offset + p[i].len;
			char why[32];
			strata__sql_is_destructive(text + p[i].offset, p[i].len, dialects[d], why, sizeof why);
		}
		free(p);
	}
	return 0;
}
