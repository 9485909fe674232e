/*
 * strata/backup.h: backups, their verification, restores, and branches
 * (copies of a live database for development and previews).
 *
 * SQLite is copied page by page through its online backup API (readers and
 * writers may keep using the database meanwhile); PostgreSQL through
 * `pg_dump` and `pg_restore`, found on PATH and run with an argument
 * vector (never a shell), the connection's settings handed over in their
 * environment so the password never shows on a command line.
 *
 * Files follow one set of rules (docs/operations.md, "Files"): written
 * under a temporary name beside the final one (created 0600, whatever the
 * umask), synced, and renamed into place once complete, so a file at the
 * final path is always complete; the final path must be a new name or a
 * regular file (symbolic links, directories, FIFOs and devices are
 * refused); temporary files are removed on every failure.
 *
 * The functions taking a strata_db use it from the calling thread for the
 * duration of the call; the branch functions open their own connections.
 */
#ifndef STRATA_BACKUP_H
#define STRATA_BACKUP_H

#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- backups ---- */

typedef enum strata_backup_format {
	STRATA_BACKUP_FULL = 0,	     /* SQLite: a database file; PostgreSQL: pg_dump -Fc (custom format) */
	STRATA_BACKUP_SCHEMA_SQL = 1 /* the schema only, as SQL text (for review in version control) */
} strata_backup_format;

/* Progress of a backup: bytes written of `total` (0: unknown, PostgreSQL). */
typedef void (*strata_backup_progress_fn)(int64_t done, int64_t total, void *ud);

#define STRATA_BACKUP_OPTIONS_VERSION 1

typedef struct strata_backup_options {
	unsigned int version;		    /* STRATA_BACKUP_OPTIONS_VERSION */
	strata_backup_format format;	    /* STRATA_BACKUP_FULL */
	bool overwrite;			    /* replace a regular file already at the path: false */
	strata_backup_progress_fn progress; /* called from the calling thread; NULL: none */
	void *progress_ud;
	/* Looked at while the backup runs: once non-zero, it stops (pg_dump gets SIGTERM), the
	   temporary file is removed and the call returns STRATA_ECANCELED.  A signal handler may
	   set it.  NULL: never. */
	const volatile int *cancel;
} strata_backup_options;

#define STRATA_BACKUP_OPTIONS_INIT                                                         \
	{                                                                                  \
		STRATA_BACKUP_OPTIONS_VERSION, STRATA_BACKUP_FULL, false, NULL, NULL, NULL \
	}

/*
 * Write a copy of the database `db` is connected to into `path`.  `path`
 * must be a new name, or (with `overwrite`) a regular file.  pg_dump sees
 * committed data only.  NULL `opts`: the defaults.  Returns STRATA_OK,
 * STRATA_ECONSTRAINT (a file is at `path` and !overwrite), STRATA_EINVAL
 * (`path` is a symbolic link, directory, FIFO or device; a bad argument),
 * STRATA_EIO (the file could not be written, or pg_dump failed: the message
 * says why, e.g. a full disk), STRATA_ENOTFOUND (pg_dump is not on PATH),
 * STRATA_EBUSY (SQLite: locked by another connection for 30 s),
 * STRATA_ECANCELED, STRATA_ENOMEM.  Whatever the outcome, no temporary file
 * is left behind (except when the process is killed with SIGKILL).
 */
STRATA_API int strata_backup_write(strata_db *db, const char *path, const strata_backup_options *opts);

/*
 * strata_backup_write with `format`, replacing a regular file already at
 * `path` (overwrite true).
 */
STRATA_API int strata_backup_to_file(strata_db *db, const char *path, strata_backup_format format);

/* ---- restore ---- */

/* Progress of a restore or copy: `done` of `total` units (SQLite pages; 0 total: unknown). */
typedef void (*strata_restore_progress_fn)(int64_t done, int64_t total, void *ud);

#define STRATA_RESTORE_OPTIONS_VERSION 2

typedef struct strata_restore_options {
	unsigned int version; /* STRATA_RESTORE_OPTIONS_VERSION (1 is still taken: it ends at progress_ud) */
	bool force;	      /* replace a database that already has tables */
	strata_restore_progress_fn progress; /* called from the calling thread; NULL: none */
	void *progress_ud;
	/* How long to wait for locks other sessions hold (SQLite: any lock on the file; PostgreSQL:
	   pg_restore's session waiting for a lock, watched from `db`'s connection): 0 means 10000 ms,
	   negative means not waiting at all. */
	int timeout_ms;
	/* Looked at while the restore runs: once non-zero it stops (pg_restore gets SIGTERM), the
	   database is left as it was, and the call returns STRATA_ECANCELED.  NULL: never. */
	const volatile int *cancel;
} strata_restore_options;

#define STRATA_RESTORE_OPTIONS_INIT                                        \
	{                                                                  \
		STRATA_RESTORE_OPTIONS_VERSION, false, NULL, NULL, 0, NULL \
	}

/* What a restore put into the database. */
typedef struct strata_restore_table {
	char *name;   /* schema-qualified on PostgreSQL outside "public" */
	int64_t rows; /* -1: a materialized view that is not populated (created WITH NO DATA) */
} strata_restore_table;

typedef struct strata_restore_report {
	bool created;		      /* the database did not exist and was created for the restore */
	strata_restore_table *tables; /* tables (and, on PostgreSQL, materialized views) by name */
	size_t ntables;
	int64_t total_rows;
} strata_restore_report;

/* Free a report.  Accepts NULL. */
STRATA_API void strata_restore_report_free(strata_restore_report *rep);

/*
 * Restore a STRATA_BACKUP_FULL file into the database `db` is connected
 * to.  In this order, each step only when the one before succeeded:
 *  1. the file is read whole: a regular, non-empty file of the right kind
 *     (an SQLite database, or a pg_dump custom-format archive), intact
 *     (SQLite: integrity_check; PostgreSQL: pg_restore --list, then every
 *     data block), its rows counted;
 *  2. a database that has tables is replaced only with `force`;
 *  3. SQLite: the file's pages are copied in through the online backup
 *     API, in one write transaction.  PostgreSQL: pg_restore
 *     --single-transaction --exit-on-error --no-owner (with --clean
 *     --if-exists under force), stopped when it waits for a lock longer
 *     than the timeout;
 *  4. the database's rows are counted and compared with the file's.
 * Steps 2 to 4 hold the restore lock (PostgreSQL: a session advisory lock
 * in the database; SQLite: an flock on FILE.restore-lock beside the file),
 * waited for up to the timeout, so two restores into one database run one
 * after the other.  A failure before step 4 leaves the database as it was.
 * Returns STRATA_OK, STRATA_ECONSTRAINT (not empty and no force),
 * STRATA_ENOTFOUND (no such file, or pg_restore not on PATH), STRATA_EIO
 * (the file is not a sound backup, the disk is full, the database is
 * read-only, pg_restore failed: the message says which), STRATA_EBUSY
 * (locks held longer than the timeout; the message names the sessions;
 * or another restore held the restore lock), STRATA_ECANCELED,
 * STRATA_EMISUSE (inside a transaction), STRATA_EINVAL, STRATA_ENOMEM.
 */
STRATA_API int strata_backup_restore(strata_db *db, const char *path, const strata_restore_options *opts);

/*
 * strata_backup_restore into the database `url` names, creating it when
 * it does not exist (an SQLite file with the backup file's mode, at most
 * 0600, whatever the umask; a PostgreSQL database with CREATE DATABASE)
 * only after the file passed step 1; a database it created is removed
 * again when the restore fails.  *out (may be NULL) receives what was
 * restored; free it with strata_restore_report_free().  Returns what
 * strata_backup_restore returns; STRATA_EINVAL for a bad URL or an
 * in-memory database.  Opens its own connections; any thread may call it.
 */
STRATA_API int strata_backup_restore_url(const char *url, const char *path, const strata_restore_options *opts,
					 strata_restore_report **out);

/* ---- databases ---- */

/*
 * Create or drop the database a URL names: CREATE DATABASE / DROP DATABASE
 * through the server's `postgres` database on PostgreSQL, the file on
 * SQLite (with its -wal and -shm files when dropping).  *existed (may be
 * NULL) says whether it was there before.  Creating one that exists or
 * dropping one that does not is not an error.  Returns STRATA_OK,
 * STRATA_EINVAL (a bad URL, sqlite::memory:), STRATA_ECONNECT, STRATA_EIO,
 * STRATA_ENOMEM, or the server's error.  Opens its own connections.
 */
STRATA_API int strata_database_create(const char *url, bool *existed);
STRATA_API int strata_database_drop(const char *url, bool *existed);

/* ---- branches ---- */

typedef struct strata_branch_info {
	char *name;
	char *url; /* redacted */
	int64_t bytes;
	strata_timestamp created_at; /* 0: unknown */
} strata_branch_info;

/*
 * Make a branch NAME (letters, digits, '_' and '-') of the database `url`
 * names: on SQLite a copy through the online backup API into
 * "<dir>/<stem>.branch.NAME.db" beside the original; on PostgreSQL
 * CREATE DATABASE "<db>_NAME" TEMPLATE "<db>", issued from the server's
 * `postgres` database.  *branch_url (may be NULL) receives the branch's URL
 * (with the password, for DATABASE_URL; free()).  Returns STRATA_OK,
 * STRATA_EINVAL (bad name), STRATA_EBUSY (PostgreSQL: other sessions use
 * the database; the message says how many and which), STRATA_ECONSTRAINT
 * (the branch exists), STRATA_ECONNECT, STRATA_EIO, STRATA_ENOMEM.
 */
STRATA_API int strata_branch_create(const char *url, const char *name, char **branch_url);

/*
 * The branches of `url`'s database, by name.  *out (freed with
 * strata_branch_list_free(), which accepts NULL) holds *count entries.
 * Returns STRATA_OK, STRATA_EINVAL, STRATA_ECONNECT, STRATA_EIO (the
 * directory cannot be read), STRATA_ENOMEM.
 */
STRATA_API int strata_branch_list(const char *url, strata_branch_info **out, size_t *count);
STRATA_API void strata_branch_list_free(strata_branch_info *list, size_t count);

/*
 * Delete branch NAME (on PostgreSQL only a database marked as a branch of
 * this one).  STRATA_OK, STRATA_ENOTFOUND when there is none, STRATA_EBUSY
 * (sessions are connected to it), STRATA_EINVAL, STRATA_ECONNECT.
 * The branch functions open their own connections; any thread may call them.
 */
STRATA_API int strata_branch_delete(const char *url, const char *name);

/* ---- backup verification ---- */

typedef struct strata_backup_table_check {
	char *name;
	int64_t source_rows, backup_rows;
} strata_backup_table_check;

typedef struct strata_backup_verification {
	bool ok;       /* readable, intact, and every count matches */
	char *problem; /* the first problem found, or NULL */
	strata_backup_table_check *tables;
	size_t ntables;
	int64_t bytes; /* the backup file's size */
} strata_backup_verification;

/*
 * Check a backup file written by strata_backup_to_file(STRATA_BACKUP_FULL)
 * from `db`: open it (SQLite: read-only; PostgreSQL: read the archive with
 * pg_restore), check its integrity and compare each table's row count with
 * the source's.  A mismatch is not an error: it is in *out (ok false,
 * problem set).  Returns STRATA_OK, STRATA_ENOTFOUND (no such file, or
 * pg_restore is not on PATH), STRATA_EIO, STRATA_ENOMEM.  Free *out with
 * strata_backup_verification_free().
 */
STRATA_API int strata_backup_verify(strata_db *db, const char *path, strata_backup_verification **out);

/* Free a verification.  Accepts NULL. */
STRATA_API void strata_backup_verification_free(strata_backup_verification *v);

#ifdef __cplusplus
}
#endif
#endif
