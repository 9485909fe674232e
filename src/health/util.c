/* Small helpers shared by the health and stats code. */
#include <stdlib.h>
#include <string.h>

#include <strata/sql.h>

#include "health/internal.h"

int strata__quote_ident(strata_buf *b, strata_backend backend, const char *name)
{
	char *q = NULL;
	int rc = strata_sql_quote_ident(backend, name, &q);
	if (rc == STRATA_OK)
		rc = strata__buf_puts(b, q);
	free(q);
	return rc;
}
