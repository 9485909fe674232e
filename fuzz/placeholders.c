/* Fuzz the `?` to `$n` placeholder rewriter: it must never read past the
 * input, and it must never change the text outside the placeholders. */
#include <stdlib.h>
#include <string.h>

#include "db/internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	strata_buf out = STRATA_BUF_INIT;
	int n = 0;
	if (strata__rewrite_placeholders((const char *)data, size, &out, &n) == 0) {
		/* with no `?` at all the output is the input */
		if (!memchr(data, '?', size) && (out.len != size || (size && memcmp(out.ptr, data, size) != 0)))
			abort();
		if (n < 0)
			abort();
	}
	strata__buf_free(&out);
	return 0;
}
