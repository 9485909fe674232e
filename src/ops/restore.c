/*
 * Restores: strata_backup_restore.
 *
 * SQLite: the backup's pages are copied into the database (the driver's
 * copy_pages), in one write transaction.  PostgreSQL: pg_restore
 * --single-transaction (the driver's run_tool).  Either way a failure
 * leaves the database as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "db/native.h"
#include "ops/internal.h"

/* Whether the database has user tables. */
static int has_tables(strata_db *db, bool *out)
{
	int64_t n = 0;
	const char *sql = strata_db_backend(db) == STRATA_BACKEND_SQLITE
				  ? "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
				  : "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
				    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
				    "AND n.nspname NOT LIKE 'pg\\_toast%'";
	int rc = strata_query_int64(db, &n, sql, NULL, 0);
	*out = n > 0;
	return rc;
}

static int copy_step(int64_t done, int64_t total, void *ud)
{
	const strata_restore_options *o = ud;
	if (o && o->progress && done >= 0)
		o->progress(done, total, o->progress_ud);
	return 0;
}

static int sqlite_restore(strata_db *db, const char *path, const strata_restore_options *o)
{
	strata_db *src = NULL;
	int rc = strata__ops_open_file(&src, path, "mode=ro");
	if (rc != STRATA_OK) {
		rc = strata__ops_error_context("restore: %s is not an SQLite backup", path);
		goto close_src;
	}
	rc = strata__db_copy_pages(src, db, 30000, copy_step, (void *)o);
	if (rc != STRATA_OK)
		strata__ops_error_context("restore");
close_src:
	strata_close(src);
	return rc;
}

static int pg_restore(strata_db *db, const char *path, const strata_restore_options *o)
{
	const char *argv_force[] = { "pg_restore", "--single-transaction", "--exit-on-error", "--no-owner",
				     "--no-password", "--clean", "--if-exists", "--dbname", "", "--", path, NULL };
	const char *argv_plain[] = { "pg_restore", "--single-transaction", "--exit-on-error", "--no-owner",
				     "--no-password", "--dbname", "", "--", path, NULL };
	char *dbname = NULL;
	int rc = strata_query_text(db, &dbname, "SELECT current_database()::text", NULL, 0);
	if (rc != STRATA_OK)
		return rc;
	argv_force[8] = dbname;
	argv_plain[6] = dbname;
	if (o && o->progress)
		o->progress(0, 0, o->progress_ud);
	strata__tool t = { o && o->force ? argv_force : argv_plain, NULL, NULL, NULL, NULL, NULL };
	rc = strata__db_run_tool(db, &t);
	if (rc == STRATA_OK && o && o->progress)
		o->progress(1, 1, o->progress_ud);
	else if (rc != STRATA_OK)
		strata__ops_error_context("restore");
	free(dbname);
	return rc;
}

int strata_backup_restore(strata_db *db, const char *path, const strata_restore_options *opts)
{
	struct stat st;
	bool nonempty = false;
	int rc;
	if (!db || !path || !*path)
		return strata__error_set(STRATA_EINVAL, "strata_backup_restore: %s is NULL", db ? "path" : "db");
	if (opts && opts->version != STRATA_RESTORE_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "strata_backup_restore: options version %u, want %d",
					 opts->version, STRATA_RESTORE_OPTIONS_VERSION);
	if (strata_in_transaction(db))
		return strata__error_set(STRATA_EMISUSE, "restore: a transaction is open on the connection");
	if (stat(path, &st) != 0)
		return strata__error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO, "restore: %s: %s", path,
					 strerror(errno));
	rc = has_tables(db, &nonempty);
	if (rc != STRATA_OK)
		return rc;
	if (nonempty && !(opts && opts->force))
		return strata__error_set(STRATA_ECONSTRAINT,
					 "restore: %s already has tables; restoring over them needs --force",
					 strata_db_url(db));
	if (strata_db_backend(db) == STRATA_BACKEND_SQLITE)
		return sqlite_restore(db, path, opts);
	return pg_restore(db, path, opts);
}
