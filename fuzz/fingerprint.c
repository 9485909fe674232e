/* Fuzz query fingerprints: any bytes normalise without a crash, a leak or an out-of-bounds read. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "db/qstats.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *sql = malloc(size + 1);
	if (!sql)
		return 0;
	memcpy(sql, data, size);
	sql[size] = '\0';
	strata_buf fp = STRATA_BUF_INIT;
	uint64_t id;
	if (strata__fingerprint(sql, &fp, &id) == STRATA_OK && fp.len > 2 * size + 8)
		abort(); /* the canonical form never grows beyond its spacing */
	strata__buf_free(&fp);
	free(sql);
	return 0;
}
