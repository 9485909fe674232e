/*
 * strata/backup.h: copies of a live database to a file.
 *
 * SQLite is copied page by page through its online backup API (readers and
 * writers may keep using the database meanwhile); PostgreSQL through
 * `pg_dump`, found on PATH and run with an argument vector (never a shell),
 * its connection settings handed over in the environment so the password
 * never shows on a command line.  Files are written under a temporary name
 * and renamed into place, so a file at `path` is always complete; they are
 * created with mode 0600.
 */
#ifndef STRATA_BACKUP_H
#define STRATA_BACKUP_H

#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_backup_format {
	STRATA_BACKUP_FULL = 0,	   /* SQLite: a database file; PostgreSQL: pg_dump -Fc (custom format) */
	STRATA_BACKUP_SCHEMA_SQL = 1 /* the schema only, as SQL text (for review in version control) */
} strata_backup_format;

/*
 * Write a copy of the database `db` is connected to into `path`, replacing
 * a file already there.  Must not be called inside a transaction on
 * PostgreSQL only in the sense that pg_dump sees committed data only.
 * Returns STRATA_OK, STRATA_EIO (the file could not be written, or pg_dump
 * failed: the message carries its last line of output), STRATA_ENOTFOUND
 * (pg_dump is not on PATH), STRATA_EINVAL, STRATA_ENOMEM.  `db` belongs to
 * the calling thread for the duration of the call.
 */
STRATA_API int strata_backup_to_file(strata_db *db, const char *path, strata_backup_format format);

/* ---- restore (src/driver/restore.c) ---- */

/* Progress of a restore or copy: `done` of `total` units (SQLite pages; 0 total: unknown). */
typedef void (*strata_restore_progress_fn)(int64_t done, int64_t total, void *ud);

#define STRATA_RESTORE_OPTIONS_VERSION 1

typedef struct strata_restore_options {
	unsigned int version;		/* STRATA_RESTORE_OPTIONS_VERSION */
	bool force;			/* replace a database that already has tables */
	strata_restore_progress_fn progress;
	void *progress_ud;
} strata_restore_options;

#define STRATA_RESTORE_OPTIONS_INIT { STRATA_RESTORE_OPTIONS_VERSION, false, NULL, NULL }

/*
 * Restore a STRATA_BACKUP_FULL file into the database `db` is connected
 * to.  A database that has tables is replaced only with `force`.  SQLite:
 * the file's pages are copied in through the online backup API, in one
 * write transaction.  PostgreSQL: `pg_restore --single-transaction
 * --exit-on-error --no-owner` (with `--clean --if-exists` under force),
 * run with an argument vector and the connection's settings in its
 * environment.  Either way a failed restore leaves the database as it was.
 * Returns STRATA_OK, STRATA_ECONSTRAINT (not empty and no force),
 * STRATA_ENOTFOUND (no such file, or pg_restore not on PATH), STRATA_EIO
 * (the file is not a backup, or pg_restore failed: its last line of
 * output is in the message), STRATA_EBUSY, STRATA_EMISUSE (inside a
 * transaction), STRATA_ENOMEM.
 */
STRATA_API int strata_backup_restore(strata_db *db, const char *path, const strata_restore_options *opts);

#ifdef __cplusplus
}
#endif
#endif
