/* Reading a cell with NULL as a default; see db/cells.h. */
#include "db/cells.h"

int64_t strata__col_i64(strata_stmt *st, int col)
{
	int64_t v = 0;
	if (strata_column_is_null(st, col))
		return 0;
	if (strata_column_int64(st, col, &v) == STRATA_OK)
		return v;
	double d = 0;
	return strata_column_double(st, col, &d) == STRATA_OK ? (int64_t)d : 0;
}

double strata__col_dbl(strata_stmt *st, int col)
{
	double v = 0;
	if (strata_column_is_null(st, col) || strata_column_double(st, col, &v) != STRATA_OK)
		return 0;
	return v;
}

const char *strata__col_str(strata_stmt *st, int col)
{
	const char *s = NULL;
	size_t n = 0;
	if (strata_column_is_null(st, col) || strata_column_text(st, col, &s, &n) != STRATA_OK || !s)
		return "";
	return s;
}
