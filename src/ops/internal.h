/*
 * Shared by the files of src/ops/ (backups, restores, verification,
 * branches): the file-safety rules and small helpers.
 *
 * The rules (docs/operations.md, "Files"): a file Strata writes is written
 * under a temporary name beside it, created with O_EXCL and O_NOFOLLOW and
 * an explicit mode (umask or not), synced, and renamed into place only
 * once complete; the final path must be a new name or a regular file (a
 * symbolic link, directory, FIFO, device or socket is refused, checked
 * with lstat again right before the rename), and an existing file is
 * replaced only when the caller said so.  Temporary files, and the
 * journals SQLite keeps beside them, are removed on every failure.
 * SQLite files are always opened through URLs built from the decoded path
 * (strata__ops_open_file), never by editing a URL string.
 */
#ifndef STRATA_OPS_INTERNAL_H
#define STRATA_OPS_INTERNAL_H

#include <stdarg.h>
#include <sys/types.h>

#include <strata/backup.h>

#include "core/buf.h"
#include "db/cells.h"
#include "sql/ddl.h"

/*
 * Check that a file may be written at `path`: a new name, or a regular
 * file when `overwrite`.  `what` starts the message ("backup").  Returns
 * STRATA_OK, STRATA_ECONSTRAINT (a file is there and !overwrite) or
 * STRATA_EINVAL (not a regular file: the message says what it is).
 */
int strata__ops_check_target(const char *path, bool overwrite, const char *what);

/*
 * Create the empty temporary file "<path>.tmp.<pid>" with exactly `mode`.
 * *tmp_out: free().  STRATA_OK, STRATA_EIO (the message names the file and
 * the cause), STRATA_ENOMEM.
 */
int strata__ops_temp_create(const char *path, mode_t mode, const char *what, char **tmp_out);

/*
 * Sync `tmp` and rename it to `path`, checking `path` again first
 * (strata__ops_check_target); without `overwrite` an existing file is
 * never replaced, even one that appeared meanwhile.  Then syncs the
 * directory.  On failure `tmp` is removed.
 */
int strata__ops_publish(const char *tmp, const char *path, bool overwrite, const char *what);

/* Remove an SQLite file with its -journal, -wal and -shm; the current error is kept. */
void strata__ops_remove_db_files(const char *path);

/*
 * Open the SQLite file `path` with URL parameters `params` ("mode=ro";
 * NULL: none) and the default options.  The path is percent-encoded into
 * the URL, so '%', '?' and '#' in a name mean themselves.
 */
int strata__ops_open_file(strata_db **db, const char *path, const char *params);

/* An SQLite URL for `path` (percent-encoded as above) with `params` (may be NULL).  *out: free(). */
int strata__ops_sqlite_url(const char *path, const char *params, char **out);

/* A file's -wal and -shm that opening it made: note which exist (`remove` false), later remove the new ones. */
void strata__ops_sidecars(const char *path, bool had[2], bool remove);

/*
 * Put `context` in front of the current error's message, keeping its
 * status and codes ("backup: writing x.db.tmp.12: database or disk is
 * full").  Returns the status.
 */
int strata__ops_error_context(const char *fmt, ...) STRATA_PRINTF(1, 2);

/*
 * Format into a new string for *slot, unless *slot holds one already (the
 * first problem found is the one reported).  Returns false only when out
 * of memory.
 */
bool strata__ops_note(char **slot, const char *fmt, va_list ap) STRATA_PRINTF(2, 0);

/* ---- backups as files, and live row counts (archive.c) ---- */

/* A table and its rows. */
typedef struct strata__ops_rows {
	char *name;   /* SQLite: as named; PostgreSQL: schema.table, each part as quote_ident writes it */
	int64_t rows; /* -1: a materialized view that was never populated */
} strata__ops_rows;

void strata__ops_rows_free(strata__ops_rows *t, size_t n);
const strata__ops_rows *strata__ops_rows_find(const strata__ops_rows *t, size_t n, const char *name);

/* What reading a backup file found. */
typedef struct strata__ops_backup {
	strata__ops_rows *tables; /* each table's rows in the backup */
	size_t ntables;
	char *problem; /* why the file cannot be used ("x.db is damaged: ..."), or NULL */
	int64_t bytes;
	mode_t mode; /* its permission bits */
	bool oom;
} strata__ops_backup;

/*
 * Read the backup file `path` for `backend` whole: a regular, non-empty
 * file of the right kind (the SQLite header, or pg_dump's custom format),
 * intact (SQLite: integrity_check when `thorough`, else quick_check;
 * PostgreSQL: pg_restore --list, then every data block), each table's rows
 * counted.  What makes it unusable goes into b->problem with STRATA_OK.
 * `env` (may be NULL) is a PostgreSQL connection whose settings pg_restore
 * gets.  Returns STRATA_OK, STRATA_ENOTFOUND (no such file, or pg_restore
 * not on PATH), STRATA_EIO, STRATA_ECANCELED, STRATA_ENOMEM.  Free with
 * strata__ops_backup_free().
 */
int strata__ops_read_backup(strata_backend backend, strata_db *env, const char *path, bool thorough,
			    const volatile int *cancel, strata__ops_backup *b);
void strata__ops_backup_free(strata__ops_backup *b);

/*
 * Every table of `db` (PostgreSQL: ordinary tables and partitions; with
 * `with_views` also materialized views) with its exact row count, by name.
 */
int strata__ops_count_tables(strata_db *db, bool with_views, strata__ops_rows **out, size_t *n);

#endif
