/*
 * Helpers of src/driver/restore.c for the rest of the library: running a
 * PostgreSQL client program, and copying one SQLite database into another
 * through the online backup API.
 */
#ifndef STRATA_DRIVER_TOOL_H
#define STRATA_DRIVER_TOOL_H

#include <strata/backup.h>

/* Called with each line of a program's standard output (no newline); non-zero stops reading. */
typedef int (*strata__line_fn)(const char *line, size_t len, void *ud);

/*
 * Run argv[0] (looked up on PATH) with an argument vector, never a shell.
 * When `pg` is a PostgreSQL connection its settings (host, port, user,
 * password, dbname, ...) are added to the program's environment as PGHOST
 * and so on.  Standard output goes line by line to `on_line` (NULL:
 * dropped); the last line of standard error goes into the error message.
 * Returns STRATA_OK, STRATA_ENOTFOUND (not on PATH), STRATA_EIO (it failed)
 * or STRATA_ENOMEM.
 */
int strata__run_tool(strata_db *pg, const char *const argv[], strata__line_fn on_line, void *ud);

/*
 * Copy every page of SQLite database `src` into `dst` (both strata_db
 * connections), replacing what `dst` held, in one write transaction on
 * `dst`.  Waits up to 30 s for locks other connections hold.  Returns
 * STRATA_OK, STRATA_EBUSY, STRATA_EIO, STRATA_EINVAL (not SQLite
 * connections).
 */
int strata__sqlite_copy(strata_db *src, strata_db *dst, strata_restore_progress_fn progress, void *ud);

#endif
