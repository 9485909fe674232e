/*
 * Writing backups: strata_backup_write and strata_backup_to_file.
 *
 * SQLite: the pages are copied (the driver's copy_pages) into a temporary
 * database opened with journal_mode=OFF, so nothing but the temporary file
 * itself is ever written beside it.  PostgreSQL: pg_dump (the driver's
 * run_tool) writes the temporary file.  Either way the file follows the
 * rules of ops/internal.h: created 0600, synced, renamed into place when
 * complete, removed on any failure or cancel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/env.h"
#include "core/error.h"
#include "db/native.h"
#include "ops/internal.h"

typedef struct run {
	const strata_backup_options *o;
	const char *tmp;
	int64_t page_size;
} run;

static bool canceled(const run *r)
{
	return r->o->cancel && *r->o->cancel;
}

/* ---- SQLite ---- */

static int copy_step(int64_t done, int64_t total, void *ud)
{
	run *r = ud;
	if (canceled(r))
		return 1;
	if (done >= 0 && r->o->progress)
		r->o->progress(done * r->page_size, total * r->page_size, r->o->progress_ud);
	return 0;
}

static int sqlite_full(strata_db *db, run *r)
{
	strata_db *dst = NULL;
	int rc = strata_query_int64(db, &r->page_size, "PRAGMA page_size", NULL, 0);
	if (rc == STRATA_OK)
		rc = strata__ops_open_file(&dst, r->tmp, "mode=rw&journal_mode=OFF");
	if (rc == STRATA_OK) {
		rc = strata__db_copy_pages(db, dst, 30000, copy_step, r);
		if (rc != STRATA_OK && rc != STRATA_ECANCELED)
			rc = strata__ops_error_context("writing %s", r->tmp);
	}
	strata_close(dst);
	return rc;
}

/* Write `len` bytes to `path` (which exists: the temporary file). */
static int write_all(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return strata__error_set(STRATA_EIO, "cannot write %s: %s", path, strerror(errno));
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			return strata__error_set(STRATA_EIO, "cannot write %s: %s", path, strerror(e));
		}
		off += (size_t)n;
	}
	if (close(fd) != 0)
		return strata__error_set(STRATA_EIO, "cannot write %s: %s", path, strerror(errno));
	return STRATA_OK;
}

/* The schema as SQL: tables, then indexes, views and triggers, each sorted by name. */
static int sqlite_schema(strata_db *db, run *r)
{
	static const char sql[] =
		"SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
		"AND name <> 'strata_migrations_lock' "
		"ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, name";
	strata_stmt *st = NULL;
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__buf_puts(&b, "-- The schema as the database has it (written by strata; do not edit).\n\n");
	if (rc == STRATA_OK)
		rc = strata_prepare(&st, db, sql);
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW)
		rc = strata__buf_printf(&b, "%s;\n\n", strata__col_str(st, 0));
	strata_finalize(st);
	if (rc == STRATA_DONE)
		rc = write_all(r->tmp, b.ptr, b.len);
	strata__buf_free(&b);
	return rc;
}

/* ---- PostgreSQL ---- */

static int dump_poll(void *ud)
{
	run *r = ud;
	struct stat sb;
	if (canceled(r))
		return 1;
	if (r->o->progress && stat(r->tmp, &sb) == 0)
		r->o->progress((int64_t)sb.st_size, 0, r->o->progress_ud);
	return 0;
}

static int pg_dump(strata_db *db, run *r)
{
	strata_buf fileopt = STRATA_BUF_INIT;
	int rc = strata__buf_printf(&fileopt, "--file=%s", r->tmp);
	if (rc != STRATA_OK)
		return rc;
	/* the database comes from PGDATABASE, which libpq never reads as a connection string */
	const char *const full_argv[] = { "pg_dump", "--format=custom", "--no-password", fileopt.ptr, NULL };
	const char *const schema_argv[] = { "pg_dump",	     "--schema-only", "--no-owner", "--no-privileges",
					    "--no-password", fileopt.ptr,     NULL };
	strata__tool t = {
		r->o->format == STRATA_BACKUP_FULL ? full_argv : schema_argv, NULL, NULL, dump_poll, r, NULL
	};
	rc = strata__db_run_tool(db, &t);
	strata__buf_free(&fileopt);
	return rc;
}

/*
 * pg_dump (15.14 and later) wraps plain output in \restrict KEY ...
 * \unrestrict KEY with a random key, which would make every schema file
 * differ from the last; a schema file is for review, not for psql, so the
 * two lines go.
 */
static int strip_restrict(const char *tmp)
{
	char *text = NULL;
	size_t len = 0;
	strata_buf out = STRATA_BUF_INIT;
	int rc = strata__read_bytes(tmp, &text, &len); /* pg_dump's output: any bytes the data holds */
	if (rc != STRATA_OK)
		return rc;
	for (size_t i = 0; i < len && rc == STRATA_OK;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		bool drop = strncmp(text + i, "\\restrict ", 10) == 0 || strncmp(text + i, "\\unrestrict ", 12) == 0;
		if (!drop)
			rc = strata__buf_append(&out, text + i, end - i);
		i = end;
	}
	if (rc == STRATA_OK)
		rc = write_all(tmp, out.ptr ? out.ptr : "", out.len);
	free(text);
	strata__buf_free(&out);
	return rc;
}

/* ---- the public functions ---- */

int strata_backup_write(strata_db *db, const char *path, const strata_backup_options *opts)
{
	static const strata_backup_options defaults = STRATA_BACKUP_OPTIONS_INIT;
	const strata_backup_options *o = opts ? opts : &defaults;
	char *tmp = NULL;
	if (!db || !path || !*path)
		return strata__error_set(STRATA_EINVAL, "strata_backup_write: %s is NULL", db ? "path" : "db");
	if (o->version != STRATA_BACKUP_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "strata_backup_write: options version %u, want %d", o->version,
					 STRATA_BACKUP_OPTIONS_VERSION);
	if (o->format != STRATA_BACKUP_FULL && o->format != STRATA_BACKUP_SCHEMA_SQL)
		return strata__error_set(STRATA_EINVAL, "strata_backup_write: unknown format %d", (int)o->format);
	int rc = strata__ops_check_target(path, o->overwrite, "backup");
	if (rc == STRATA_OK)
		rc = strata__ops_temp_create(path, 0600, "backup", &tmp);
	if (rc != STRATA_OK)
		return rc;
	run r = { o, tmp, 1 };
	bool sqlite = strata_db_backend(db) == STRATA_BACKEND_SQLITE;
	if (sqlite)
		rc = o->format == STRATA_BACKUP_FULL ? sqlite_full(db, &r) : sqlite_schema(db, &r);
	else
		rc = pg_dump(db, &r);
	if (rc == STRATA_OK && !sqlite && o->format == STRATA_BACKUP_SCHEMA_SQL)
		rc = strip_restrict(tmp);
	if (rc == STRATA_OK && canceled(&r))
		rc = strata__error_set(STRATA_ECANCELED, "backup: stopped on request");
	if (rc == STRATA_OK) {
		rc = strata__ops_publish(tmp, path, o->overwrite, "backup");
	} else {
		strata__ops_remove_db_files(tmp);
		rc = strata__ops_error_context("backup");
	}
	free(tmp);
	return rc;
}

int strata_backup_to_file(strata_db *db, const char *path, strata_backup_format format)
{
	strata_backup_options o = STRATA_BACKUP_OPTIONS_INIT;
	o.format = format;
	o.overwrite = true;
	return strata_backup_write(db, path, &o);
}
