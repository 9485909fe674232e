/*
 * strata/migrate.h: migrations that cannot half-apply.
 *
 * Files are named VERSION_slug.sql (VERSION: digits, usually
 * YYYYMMDDHHMMSS) and hold sections that start with a marker line,
 * dbmate-compatible:
 *
 *   -- migrate:up                 (required)
 *   -- migrate:down
 *   -- migrate:verify             (statements that must all succeed; a
 *                                  single false, 0 or NULL fails)
 *
 * with options after the marker: `transaction:false`.  Each migration
 * runs in one transaction together with its row in the ledger table
 * `strata_migrations`, so it commits whole or not at all.  A lock keeps
 * concurrent runners apart (a session advisory lock on PostgreSQL, a lock
 * row on SQLite whose dead holder is detected).
 *
 * A strata_migrator belongs to one thread at a time.  Strings and arrays
 * it hands out stay valid until the next call on the same migrator or its
 * strata_migrator_free().
 */
#ifndef STRATA_MIGRATE_H
#define STRATA_MIGRATE_H

#include "db.h"
#include "backup.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_migrator strata_migrator;

/*
 * Create `s` in the database `db` in one transaction (strata_sql_create's
 * script).  Returns STRATA_OK or the failure of the statement that failed
 * (nothing is left behind).  The connection belongs to the caller's thread.
 */
STRATA_API int strata_schema_apply(strata_db *db, const strata_schema *s);

/* Progress of a run: called before each migration (done of total). */
typedef void (*strata_migrate_progress_fn)(size_t done, size_t total, const char *version, const char *name, void *ud);

#define STRATA_MIGRATE_OPTIONS_VERSION 1

/*
 * Options for a migrator.  Zero means the default shown; the environment
 * variables in brackets are read only by strata_migrate_options_from_env().
 */
typedef struct strata_migrate_options {
	unsigned int version;	 /* STRATA_MIGRATE_OPTIONS_VERSION */
	const char *dir;	 /* the migrations directory: "migrations", or "db/migrations" when only that
				  * exists (dbmate's layout) [STRATA_MIGRATIONS_DIR, then DBMATE_MIGRATIONS_DIR] */
	int lock_timeout_ms;	 /* wait for another runner: 60000; negative: fail at once */
	bool allow_changed;	 /* applied migrations whose up section changed are not an error */
	bool allow_missing;	 /* applied versions without a file are not an error */
	bool allow_out_of_order; /* apply pending versions older than the newest applied one */
	bool safe;		 /* back up before destructive pending migrations [DB_BACKUP_ON_MIGRATE] */
	const char *backup_dir;	 /* where backups go: "backups" */
	const char *schema_file; /* after up/down, write the schema here (e.g. "db/schema.sql"); NULL: don't */
	bool dry_run;		 /* run inside a transaction and roll back */
	bool retry_failed;	 /* up: resume a transaction:false migration that failed part-way */
	bool single_transaction; /* up/down: all the migrations in one transaction: all or none commit */
	const char *applied_by;	 /* recorded in the ledger: "user@host" */
	strata_migrate_progress_fn progress;
	void *progress_ud;
} strata_migrate_options;

#define STRATA_MIGRATE_OPTIONS_INIT                                                                                   \
	{                                                                                                             \
		STRATA_MIGRATE_OPTIONS_VERSION, NULL, 0, false, false, false, false, NULL, NULL, false, false, false, \
			NULL, NULL, NULL                                                                              \
	}

/*
 * Fill `opts` from the environment: STRATA_MIGRATIONS_DIR and
 * DB_BACKUP_ON_MIGRATE (true/false/1/0/yes/no/on/off).  Fields the
 * environment does not name are left alone.  Returns STRATA_OK or
 * STRATA_EINVAL (a malformed value; the message names the variable).
 * The strings point into the environment.
 */
STRATA_API int strata_migrate_options_from_env(strata_migrate_options *opts);

typedef enum strata_migration_state {
	STRATA_MIGRATION_PENDING = 0, /* a file, not applied */
	STRATA_MIGRATION_APPLIED = 1, /* applied; the file's up section is unchanged */
	STRATA_MIGRATION_CHANGED = 2, /* applied, but the file's up section changed since */
	STRATA_MIGRATION_MISSING = 3, /* applied, and no file has its version */
	STRATA_MIGRATION_FAILED = 4,  /* transaction:false, stopped part-way (see note) */
	STRATA_MIGRATION_RUNNING = 5  /* transaction:false, started and never finished (interrupted) */
} strata_migration_state;

/* One migration as status sees it.  Strings are never NULL ("" when unknown). */
typedef struct strata_migration_info {
	const char *version;
	const char *name; /* the slug, from the file or the ledger */
	const char *file; /* the file's path, or "" when missing */
	strata_migration_state state;
	bool out_of_order;  /* pending, but older than the newest applied version */
	bool transactional; /* false when the up section says transaction:false */
	bool has_down, has_verify;
	bool destructive;	     /* the up section drops or rewrites data (see destructive_why) */
	const char *destructive_why; /* e.g. "DROP TABLE at file:12" */
	const char *checksum;	     /* SHA-256 (hex) of the file's up section, or the ledger's when missing */
	strata_timestamp applied_at; /* 0 when not applied */
	int64_t duration_ms;
	const char *applied_by;
	const char *note; /* FAILED: the statement that failed and the state it left */
} strata_migration_info;

/*
 * Read the migrations directory and parse every file.  Nothing touches the
 * database yet.  *out is freed with strata_migrator_free(); `db` must
 * outlive it.  Returns STRATA_OK, STRATA_ENOTFOUND (no such directory),
 * STRATA_EPARSE (a bad file: file:line in the error), STRATA_EIO,
 * STRATA_EINVAL, STRATA_ENOMEM.
 */
STRATA_API int strata_migrator_open(strata_migrator **out, strata_db *db, const strata_migrate_options *opts);

/*
 * strata_open() and strata_migrator_open() in one call, with the slow parts
 * at the same time: the directory is read and parsed on a second thread
 * while the connection is made (PostgreSQL's client library loaded, the
 * server's handshake; SQLite's schema read).  `url` and `open_opts` are as
 * strata_open() takes them.  On success *db and *out are set: free the
 * migrator, then close the connection.  On failure *out is NULL and:
 *   - *db is NULL when the connection failed; its error is the one
 *     reported, even when the directory failed too (as one call after the
 *     other would report);
 *   - *db is open when the connection was made and the directory failed
 *     (the caller closes it); the error is the directory's.
 * Returns what strata_open() and strata_migrator_open() return.
 */
STRATA_API int strata_migrator_connect(strata_migrator **out, strata_db **db, const char *url,
				       const strata_open_options *open_opts, const strata_migrate_options *opts);

/* Free a migrator (the connection stays open).  Accepts NULL. */
STRATA_API void strata_migrator_free(strata_migrator *m);

/*
 * Every migration known to the files or the ledger, ordered by version.
 * Reads the ledger without creating it or taking the lock.  Returns
 * STRATA_OK or a database failure.
 */
STRATA_API int strata_migrate_status(strata_migrator *m, const strata_migration_info **items, size_t *count);

/*
 * Apply pending migrations up to and including `target` (NULL: all).
 * Drift (changed, missing, out-of-order) is checked first and is an error
 * unless the options allow it.  With `safe`, a backup is taken first when a
 * pending migration is destructive.  *applied (may be NULL) receives how
 * many migrations ran.  Returns STRATA_OK, STRATA_EMIGRATE (drift, or a
 * migration failed: the message names file:line and the statement; the
 * failed migration left nothing behind unless it was transaction:false),
 * STRATA_EBUSY (another runner held the lock past lock_timeout_ms),
 * STRATA_ENOTFOUND (no such target), or a database or I/O failure.
 */
STRATA_API int strata_migrate_up(strata_migrator *m, const char *target, size_t *applied);

/*
 * Roll back applied migrations, newest first: `steps` of them (0 with a
 * NULL target: one), or every one newer than `target` (which stays
 * applied).  Each down section runs in one transaction with the removal of
 * its ledger row.  A migration without a down section stops the run with
 * STRATA_EMIGRATE.  Other statuses as strata_migrate_up().
 */
STRATA_API int strata_migrate_down(strata_migrator *m, int steps, const char *target, size_t *reverted);

/* Roll back the newest applied migration and apply it again. */
STRATA_API int strata_migrate_redo(strata_migrator *m);

/*
 * The SQL `up` (down = false) or `down` would run, ledger statements and
 * transaction control included, without touching anything.  `steps` and
 * `target` as for up/down.  *sql is a new string (free()).
 */
STRATA_API int strata_migrate_plan_sql(strata_migrator *m, bool down, int steps, const char *target, char **sql);

/*
 * Re-run the verify sections of applied migrations.  Each statement runs in
 * a transaction that is rolled back.  *failed (may be NULL) receives how
 * many statements failed; the first failure is described in the error.
 * Returns STRATA_OK or STRATA_EMIGRATE.
 */
STRATA_API int strata_migrate_verify(strata_migrator *m, size_t *checked, size_t *failed);

/*
 * Record every migration up to and including `version` as applied, without
 * running anything (for a database that already has that schema).
 * Returns STRATA_OK, STRATA_ENOTFOUND (no file has that version),
 * STRATA_EBUSY or a database failure.
 */
STRATA_API int strata_migrate_baseline(strata_migrator *m, const char *version, size_t *recorded);

/*
 * Import dbmate's `schema_migrations` ledger: each version found there and
 * not yet in strata_migrations is recorded as applied (with the checksum of
 * its file when there is one).  schema_migrations is left as it is.
 * Returns STRATA_OK, STRATA_ENOTFOUND (no schema_migrations table),
 * STRATA_EBUSY or a database failure.
 */
STRATA_API int strata_migrate_adopt(strata_migrator *m, size_t *imported);

/*
 * Who holds the migration lock right now: *who is a new string (free())
 * such as "pid 4242 on build-7, since 2026-11-22T10:30:00Z", or NULL when
 * nobody does.  Does not take the lock.  Returns STRATA_OK or a database
 * failure.
 */
STRATA_API int strata_migrate_lock_holder(strata_migrator *m, char **who);

/*
 * The migrations directory when none is named: the environment's
 * STRATA_MIGRATIONS_DIR, then DBMATE_MIGRATIONS_DIR, then "migrations" in
 * the working directory, or dbmate's "db/migrations" when only that one
 * exists.  A static string or the environment's; no allocation.
 */
STRATA_API const char *strata_migrate_default_dir(void);

/*
 * The migrations directory the migrator reads: the options' `dir`, or when
 * none is named `migrations`, or dbmate's `db/migrations` when only that
 * one exists.  Owned by the migrator.
 */
STRATA_API const char *strata_migrate_dir(const strata_migrator *m);

/*
 * The path of the backup the last up/down took, or NULL when none was taken.
 */
STRATA_API const char *strata_migrate_last_backup(const strata_migrator *m);

/*
 * Create `dir`/VERSION_slug.sql from the template (header questions about
 * the business context, the data impact and rollback; empty up, down and
 * verify sections).  VERSION is the UTC time, YYYYMMDDHHMMSS, moved one
 * second on while a file already has it.  The slug comes from
 * `description` (lower case, runs of other characters become '_').
 * *path (may be NULL) receives the new file's path (free()).  Returns
 * STRATA_OK, STRATA_EINVAL (empty description), STRATA_EIO, STRATA_ENOMEM.
 */
STRATA_API int strata_migrate_new(const char *dir, const char *description, char **path);

/*
 * For programs that migrate at start-up: when DB_AUTO_MIGRATE is true,
 * apply every pending migration from the options' directory (with the
 * environment's options, as strata_migrate_options_from_env()); otherwise
 * do nothing.  *ran (may be NULL) receives whether it ran.  Statuses as
 * strata_migrate_up(), plus STRATA_EINVAL for a malformed DB_AUTO_MIGRATE.
 */
STRATA_API int strata_migrate_auto(strata_db *db, const strata_migrate_options *opts, bool *ran);

#ifdef __cplusplus
}
#endif
#endif
