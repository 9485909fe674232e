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

/* ${NAME}: defined when the name starts with A-M, so both ways are taken */
static const char *lookup(const char *name, void *ud)
{
	(void)ud;
	return name[0] >= 'A' && name[0] <= 'M' ? "v$al ue" : NULL;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	size_t n = 0;
	strata__env_parse((const char *)data, size, ".env", lookup, sink, &n);
	return 0;
}
