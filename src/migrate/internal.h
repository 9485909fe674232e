/*
 * The migration engine (internal side): parsed files, the ledger, the
 * lock, shared by the files of src/migrate/.
 */
#ifndef STRATA_MIGRATE_INTERNAL_H
#define STRATA_MIGRATE_INTERNAL_H

#include <strata/migrate.h>

#include "core/buf.h"
#include "migrate/file.h"

/* A row of the ledger. */
typedef struct strata__ledger_row {
	char *version, *name, *checksum, *applied_by, *state, *note;
	strata_timestamp applied_at;
	int64_t duration_ms;
} strata__ledger_row;

struct strata_migrator {
	strata_db *db;
	strata_backend backend;
	char *dir, *backup_dir, *schema_file, *applied_by;
	strata_migrate_options opts; /* strings above own the copies */
	strata__migration *files;
	size_t nfiles;
	strata__ledger_row *rows;
	size_t nrows;
	strata_migration_info *info;
	size_t ninfo;
	char *last_backup;
	bool locked;
	bool lock_table_made; /* SQLite: this runner created strata_migrations_lock (a dry run drops it again) */
	char lock_at[STRATA_TIMESTAMP_BUFSZ]; /* SQLite: acquired_at of the lock row this runner holds */
	char *saved_app_name;		      /* PostgreSQL: application_name before the lock */
	/*
	 * PostgreSQL group commit: every migration of a run but the last commits
	 * with synchronous_commit off (defer_flush), and the run ends with a
	 * durable commit, which flushes the WAL of all before it; `unflushed`
	 * says one is still owed (a run that stopped early).
	 */
	bool defer_flush, unflushed;
	char host[256];
};

/* The ledger: create it, read it (a missing table reads as empty), write a row. */
int strata__ledger_ensure(strata_migrator *m);
int strata__ledger_read(strata_migrator *m);
void strata__ledger_clear(strata_migrator *m);
int strata__ledger_insert(strata_migrator *m, const char *version, const char *name, const char *checksum,
			  strata_timestamp at, int64_t ms, const char *by, const char *state, const char *note);
int strata__ledger_delete(strata_migrator *m, const char *version);
int strata__ledger_replace(strata_migrator *m, const char *version, const char *name, const char *checksum,
			   const char *by, const char *state, const char *note);
bool strata__table_exists(strata_db *db, const char *table, int *rc);

/* The lock between runners.  Waits up to opts.lock_timeout_ms; STRATA_EBUSY names the holder. */
int strata__migrate_lock(strata_migrator *m);
void strata__migrate_unlock(strata_migrator *m);

/* The SQL text of the ledger statements, for --sql output. */
extern const char strata__ledger_insert_sql[];
extern const char strata__ledger_delete_sql[];
/* PostgreSQL: the `applied` row with its time and duration taken by the server (values: version, name, checksum, by).
 */
extern const char strata__ledger_insert_timed_pg_sql[];

/* Who applies (the applied_by option, else user@host), worked out on first use; never NULL. */
const char *strata__mig_applied_by(strata_migrator *m);

/* ---- shared by the runner's files (status.c, drift.c, plan.c, section.c, run.c, loose.c, ...) ---- */

#include "sql/split.h"

/* The file and the ledger row of a version (NULL when none); files and rows are sorted. */
strata__migration *strata__mig_file(strata_migrator *m, const char *version);
strata__ledger_row *strata__mig_row(strata_migrator *m, const char *version);

/* Read the ledger and rebuild m->info from it and the files (status.c). */
int strata__mig_refresh(strata_migrator *m);

/* Drift that blocks a run (changed, missing, failed, out of order): STRATA_EMIGRATE naming the file (drift.c). */
int strata__mig_check_drift(strata_migrator *m, bool up);

/* Lock, ensure the ledger (not in a dry run), refresh, check drift; unlocks on failure (plan.c). */
int strata__mig_prepare_run(strata_migrator *m, bool up);
/* The files up would apply, up to target, in order; *list is an array of pointers (free()). */
int strata__mig_pending(strata_migrator *m, const char *target, strata__migration ***list, size_t *n);
/* No Strata ledger rows but dbmate's schema_migrations has some: an error saying to adopt it. */
int strata__mig_check_dbmate(strata_migrator *m);
/* An up section without statements is an error (file:line), checked before anything runs. */
int strata__mig_check_nonempty(strata__migration **list, size_t n);
/* The applied versions down would revert, newest first (free()). */
int strata__mig_reverts(strata_migrator *m, int steps, const char *target, strata_migration_info ***list, size_t *n);

/* One section split into statements (section.c). */
typedef struct strata__section_run {
	strata__migration *f;
	const strata__mig_section *s;
	const char *label; /* "up", "down", "verify" */
	strata__sql_piece *pcs;
	size_t np;
} strata__section_run;

int strata__mig_split(strata_migrator *m, strata__migration *f, const strata__mig_section *s, const char *label,
		      strata__section_run *r);
const char *strata__piece_text(const strata__section_run *r, size_t i);
int strata__piece_line(const strata__section_run *r, size_t i);
/* Run statement i; on failure the error names file:line, the statement and `what` (what it left behind). */
int strata__mig_run_piece(strata_migrator *m, const strata__section_run *r, size_t i, const char *what);
/* The error of statement i having failed with `rc` (the current error is the database's). */
int strata__mig_piece_error(const strata__section_run *r, size_t i, int rc, const char *what);
/* The first two words of statement i, upper-cased ("" when none). */
void strata__mig_words(strata_migrator *m, const strata__section_run *r, size_t i, char w1[16], char w2[16]);
/* SQLite: sqlite_sequence saved before a rebuild (*saved: free(), NULL when none) and given back after. */
int strata__mig_seq_save(strata_migrator *m, char **saved);
int strata__mig_seq_restore(strata_migrator *m, const char *saved);
/* SQLite: does the section say foreign_keys:off, or drop or alter a table (a rebuild)? */
bool strata__mig_rebuilds_table(strata_migrator *m, const strata__section_run *r);
/* SQLite: rows that break a foreign key now; and an error when more than `before` do. */
int strata__mig_fk_count(strata_migrator *m, int64_t *n);
int strata__mig_fk_check(strata_migrator *m, const strata__migration *f, int64_t before);
/* Switch foreign keys back on, keeping the error of `rc` when it is one; returns the status to go on with. */
int strata__mig_fk_on(strata_migrator *m, int rc);
int64_t strata__mig_now_ms(void);
/* Roll back, keeping the error that caused it. */
void strata__mig_rollback(strata_db *db);

/* transaction:false (loose.c): up from statement `from`, down, and where a retry resumes. */
int strata__mig_run_loose_up(strata_migrator *m, strata__section_run *r, size_t from);
int strata__mig_run_loose_down(strata_migrator *m, strata__section_run *r);
size_t strata__mig_resume_at(const strata__ledger_row *r);

/*
 * verify.c: run the verify section of `f` (when it has one) inside the
 * caller's transaction, each statement in a savepoint rolled back; a
 * failure names file:line and ends with `what` (what became of the migration).
 */
int strata__mig_verify_section(strata_migrator *m, strata__migration *f, const char *what);

/* safety.c: the backup before a destructive migration; the schema file after a run. */
int strata__mig_backup(strata_migrator *m, const char *before_version);
int strata__mig_write_schema(strata_migrator *m);

#endif
