/*
 * Backups: SQLite through the online backup API, PostgreSQL through
 * pg_dump.  This file lives in src/driver/ because it speaks to sqlite3 and
 * libpq directly.
 *
 * Every file is written to "<path>.tmp.<pid>" (created 0600 with O_EXCL)
 * and renamed over `path` once complete, so a reader never sees half a
 * backup.  pg_dump runs through strata__run_tool (driver/tool.h): looked up
 * on PATH, started with an argument vector (never a shell), the
 * connection's settings (host, port, user, password, dbname, sslmode, ...)
 * in its environment (PGHOST, ...), so the password is never on a command
 * line.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <strata/backup.h>

#include "core/buf.h"
#include "core/env.h"
#include "core/error.h"
#include "db/internal.h"
#include "driver/tool.h"

/* Create an empty temporary file next to `path`, mode 0600. */
static int make_temp(const char *path, char **tmp_out)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__buf_printf(&b, "%s.tmp.%ld", path, (long)getpid());
	if (rc != STRATA_OK)
		return rc;
	unlink(b.ptr);
	int fd = open(b.ptr, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = strata__error_set(STRATA_EIO, "backup: cannot create %s: %s", b.ptr, strerror(errno));
		strata__buf_free(&b);
		return rc;
	}
	close(fd);
	*tmp_out = strata__buf_detach(&b);
	return STRATA_OK;
}

static int finish_temp(const char *tmp, const char *path)
{
	if (chmod(tmp, 0600) != 0 || rename(tmp, path) != 0) {
		int rc = strata__error_set(STRATA_EIO, "backup: cannot move %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	return STRATA_OK;
}

/* ---- SQLite ---- */

static int sqlite_full(sqlite3 *src, const char *tmp)
{
	sqlite3 *dst = NULL;
	int rc = STRATA_OK;
	int src_rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL);
	if (src_rc != SQLITE_OK) {
		rc = strata__error_set(STRATA_EIO, "backup: cannot open %s: %s", tmp,
				       dst ? sqlite3_errmsg(dst) : sqlite3_errstr(src_rc));
		goto close_dst;
	}
	sqlite3_backup *bk = sqlite3_backup_init(dst, "main", src, "main");
	if (!bk) {
		rc = strata__error_set(STRATA_EIO, "backup: %s", sqlite3_errmsg(dst));
		goto close_dst;
	}
	for (;;) {
		int s = sqlite3_backup_step(bk, 256);
		if (s == SQLITE_DONE)
			break;
		if (s == SQLITE_OK)
			continue;
		if (s == SQLITE_BUSY || s == SQLITE_LOCKED) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			continue;
		}
		rc = strata__error_set(STRATA_EIO, "backup: copying pages failed: %s", sqlite3_errstr(s));
		break;
	}
	int fin = sqlite3_backup_finish(bk);
	if (rc == STRATA_OK && fin != SQLITE_OK)
		rc = strata__error_set(STRATA_EIO, "backup: %s", sqlite3_errmsg(dst));
close_dst:
	sqlite3_close_v2(dst);
	return rc;
}

/* The schema as SQL: tables, then indexes, views and triggers, each sorted by name. */
static int sqlite_schema(sqlite3 *src, const char *tmp)
{
	static const char sql[] =
		"SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
		"AND name <> 'strata_migrations_lock' "
		"ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, name";
	sqlite3_stmt *st = NULL;
	strata_buf b = STRATA_BUF_INIT;
	int rc = STRATA_OK;
	if (sqlite3_prepare_v2(src, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = strata__error_set(STRATA_ESQL, "schema dump: %s", sqlite3_errmsg(src));
		goto done;
	}
	rc = strata__buf_puts(&b, "-- The schema as the database has it (written by strata; do not edit).\n\n");
	int s;
	while (rc == STRATA_OK && (s = sqlite3_step(st)) == SQLITE_ROW)
		rc = strata__buf_printf(&b, "%s;\n\n", (const char *)sqlite3_column_text(st, 0));
	if (rc == STRATA_OK && s != SQLITE_DONE)
		rc = strata__error_set(STRATA_ESQL, "schema dump: %s", sqlite3_errmsg(src));
	if (rc != STRATA_OK)
		goto done;
	FILE *f = fopen(tmp, "w");
	if (!f) {
		rc = strata__error_set(STRATA_EIO, "schema dump: cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	bool ok = fwrite(b.ptr, 1, b.len, f) == b.len;
	if (fclose(f) != 0 || !ok)
		rc = strata__error_set(STRATA_EIO, "schema dump: cannot write %s: %s", tmp, strerror(errno));
done:
	sqlite3_finalize(st);
	strata__buf_free(&b);
	return rc;
}

/* ---- PostgreSQL ---- */

/* pg_dump through the shared tool runner (src/driver/restore.c): argument vector, settings in its environment. */
static int run_pg_dump(strata_db *db, const char *tmp, strata_backup_format format)
{
	char fileopt[4200];
	if (snprintf(fileopt, sizeof fileopt, "--file=%s", tmp) >= (int)sizeof fileopt)
		return strata__error_set(STRATA_EINVAL, "backup: the path %s is too long", tmp);
	const char *const full_argv[] = { "pg_dump", "--format=custom", "--no-password", fileopt, NULL };
	const char *const schema_argv[] = { "pg_dump", "--schema-only", "--no-owner", "--no-privileges", "--no-password",
					    fileopt, NULL };
	int rc = strata__run_tool(db, format == STRATA_BACKUP_FULL ? full_argv : schema_argv, NULL, NULL);
	if (rc != STRATA_OK && rc != STRATA_ENOMEM) {
		strata__error_saved saved;
		strata__error_save(&saved);
		strata__error_set(rc, "backup: %s", saved.message ? saved.message : "pg_dump failed");
		free(saved.message);
		free(saved.sqlstate);
		free(saved.constraint);
		free(saved.file);
	}
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
	int rc = strata__read_file(tmp, &text, &len);
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
	if (rc == STRATA_OK) {
		FILE *f = fopen(tmp, "w");
		bool ok = f && fwrite(out.ptr ? out.ptr : "", 1, out.len, f) == out.len;
		if ((f && fclose(f) != 0) || !ok)
			rc = strata__error_set(STRATA_EIO, "schema dump: cannot write %s: %s", tmp, strerror(errno));
	}
	free(text);
	strata__buf_free(&out);
	return rc;
}

int strata_backup_to_file(strata_db *db, const char *path, strata_backup_format format)
{
	char *tmp = NULL;
	int rc;
	if (!db || !path || !*path)
		return strata__error_set(STRATA_EINVAL, "strata_backup_to_file: %s is NULL", db ? "path" : "db");
	if (format != STRATA_BACKUP_FULL && format != STRATA_BACKUP_SCHEMA_SQL)
		return strata__error_set(STRATA_EINVAL, "strata_backup_to_file: unknown format %d", (int)format);
	if (!db->drv->native)
		return strata__error_set(STRATA_EUNSUPPORTED, "backup: the %s driver cannot back up", db->drv->name);
	rc = make_temp(path, &tmp);
	if (rc != STRATA_OK)
		return rc;
	if (db->drv->backend == STRATA_BACKEND_SQLITE) {
		sqlite3 *src = db->drv->native(db->conn);
		rc = format == STRATA_BACKUP_FULL ? sqlite_full(src, tmp) : sqlite_schema(src, tmp);
	} else {
		rc = run_pg_dump(db, tmp, format);
		if (rc == STRATA_OK && format == STRATA_BACKUP_SCHEMA_SQL)
			rc = strip_restrict(tmp);
	}
	if (rc == STRATA_OK)
		rc = finish_temp(tmp, path);
	else
		unlink(tmp);
	free(tmp);
	return rc;
}
