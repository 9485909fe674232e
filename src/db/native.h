/*
 * The backends' backup primitives, for the library's modules above db/
 * (src/ops/): the one door through which they reach the driver table for
 * a strata_db.  See src/driver/driver.h for what each primitive does.
 */
#ifndef STRATA_DB_NATIVE_H
#define STRATA_DB_NATIVE_H

#include <strata/db.h>

#include "driver/driver.h"

/*
 * Copy every page of SQLite database `src` into `dst` (both open
 * strata_db connections), replacing what `dst` held, in one write
 * transaction on `dst`; wait up to `wait_ms` for other connections' locks.
 * Returns STRATA_OK, STRATA_EBUSY, STRATA_EIO (the message says why: a
 * full disk, a read-only file), STRATA_ECANCELED (`step` asked to stop),
 * STRATA_EUNSUPPORTED (not SQLite), STRATA_EMISUSE (a transaction is open
 * on `dst`), STRATA_ENOMEM.
 */
int strata__db_copy_pages(strata_db *src, strata_db *dst, int wait_ms, strata__copy_step step, void *ud);

/*
 * Run a PostgreSQL client program with `db`'s connection settings in its
 * environment (src/driver/tool.c); `db` NULL: with this process's
 * environment only, for programs that connect nowhere.  Returns what
 * run_tool returns, or STRATA_EUNSUPPORTED when `db` is not a PostgreSQL
 * connection.
 */
int strata__db_run_tool(strata_db *db, const strata__tool *tool);

#endif
