/* Fuzz the database URL parser and the redactor. */
#include <stdlib.h>
#include <string.h>

#include <strata/env.h>

#include "core/url.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	strata__url u;
	if (strata__url_parse(&u, s) == STRATA_OK) {
		for (size_t i = 0; i < u.nparams; i++)
			(void)strata__url_param(&u, u.params[i].key);
		strata__url_free(&u);
	}
	free(strata_url_redact(s));
	free(s);
	return 0;
}
