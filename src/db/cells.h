/*
 * Reading a cell of a result, NULL as a default: conveniences over the
 * public statement API for the library's own modules (health, ops).
 */
#ifndef STRATA_DB_CELLS_H
#define STRATA_DB_CELLS_H

#include <strata/db.h>

/* The column as an integer (0 for NULL or a value that is not a number; a double is truncated). */
int64_t strata__col_i64(strata_stmt *st, int col);
/* The column as a double (0 for NULL or not a number). */
double strata__col_dbl(strata_stmt *st, int col);
/* The column as text ("" for NULL); valid until the next step. */
const char *strata__col_str(strata_stmt *st, int col);

#endif
