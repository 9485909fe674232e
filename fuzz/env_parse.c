/* Fuzz the .env parser. */
#include <string.h>

#include "core/env.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int sink(const char *key, const char *value, void *ud)
{
	size_t *n = ud;
	*n += strlen(key) + strlen(value);
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	size_t n = 0;
	strata__env_parse((const char *)data, size, ".env", sink, &n);
	return 0;
}
