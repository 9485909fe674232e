/*
 * strata_backup_verify: open a backup and compare it with its source.
 * SQLite: the file opens read-only, passes quick_check, and each table's
 * rows are counted on both sides.  PostgreSQL: pg_restore reads the whole
 * archive (--list, then the data as COPY blocks, whose lines are counted
 * per table).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "db/native.h"
#include "ops/internal.h"

void strata_backup_verification_free(strata_backup_verification *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->ntables; i++)
		free(v->tables[i].name);
	free(v->tables);
	free(v->problem);
	free(v);
}

static void problem(strata_backup_verification *v, const char *fmt, ...) STRATA_PRINTF(2, 3);
static void problem(strata_backup_verification *v, const char *fmt, ...)
{
	v->ok = false;
	if (v->problem)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	v->problem = strdup(buf);
}

/* The source's tables with exact row counts. */
static int source_tables(strata_db *db, strata_backup_verification *v)
{
	strata_stmt *st = NULL;
	bool sqlite = strata_db_backend(db) == STRATA_BACKEND_SQLITE;
	int rc = strata_prepare(&st, db,
				sqlite ? "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
					 "ESCAPE '\\' ORDER BY name"
				       : "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
					 "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
					 "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
					 "AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1");
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		strata_backup_table_check *g = realloc(v->tables, (v->ntables + 1) * sizeof *g);
		if (!g) {
			rc = strata__error_nomem();
			break;
		}
		v->tables = g;
		g[v->ntables].name = strdup(strata__col_str(st, 0));
		g[v->ntables].source_rows = g[v->ntables].backup_rows = 0;
		if (!g[v->ntables].name) {
			rc = strata__error_nomem();
			break;
		}
		v->ntables++;
	}
	strata_finalize(st);
	if (rc != STRATA_DONE)
		return rc;
	strata_buf sql = STRATA_BUF_INIT;
	rc = STRATA_OK;
	for (size_t i = 0; i < v->ntables && rc == STRATA_OK; i++) {
		strata__buf_clear(&sql);
		rc = strata__buf_puts(&sql, "SELECT count(*) FROM ");
		if (rc == STRATA_OK)
			rc = sqlite ? strata__sql_ident(&sql, STRATA_BACKEND_SQLITE, v->tables[i].name) : strata__buf_puts(&sql, v->tables[i].name);
		if (rc == STRATA_OK)
			rc = strata_query_int64(db, &v->tables[i].source_rows, sql.ptr, NULL, 0);
	}
	strata__buf_free(&sql);
	return rc;
}

static int sqlite_verify(const char *path, strata_backup_verification *v)
{
	bool had[2];
	strata__ops_sidecars(path, had, false);
	strata_db *b = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	int rc = STRATA_OK;
	if (strata__ops_open_file(&b, path, "mode=ro") != STRATA_OK) {
		problem(v, "the backup cannot be opened: %s", strata_error_last()->message);
		goto done;
	}
	char *check = NULL;
	if (strata_query_text(b, &check, "PRAGMA quick_check(1)", NULL, 0) != STRATA_OK) {
		problem(v, "the backup cannot be read: %s", strata_error_last()->message);
		goto done;
	}
	if (strcmp(check, "ok") != 0)
		problem(v, "the backup failed its integrity check: %s", check);
	free(check);
	for (size_t i = 0; i < v->ntables && rc == STRATA_OK; i++) {
		strata__buf_clear(&sql);
		rc = strata__buf_puts(&sql, "SELECT count(*) FROM ");
		if (rc == STRATA_OK)
			rc = strata__sql_ident(&sql, STRATA_BACKEND_SQLITE, v->tables[i].name);
		if (rc != STRATA_OK)
			break;
		if (strata_query_int64(b, &v->tables[i].backup_rows, sql.ptr, NULL, 0) != STRATA_OK) {
			v->tables[i].backup_rows = -1;
			problem(v, "table %s cannot be read in the backup: %s", v->tables[i].name,
				strata_error_last()->message);
		}
	}
done:
	strata_close(b);
	strata__ops_sidecars(path, had, true);
	strata__buf_free(&sql);
	return rc;
}

typedef struct copy_count {
	strata_backup_verification *v;
	strata_backup_table_check *in; /* inside this table's COPY block */
	bool in_other;			/* inside a COPY block of a table not in the source */
} copy_count;

static int count_copy_line(const char *line, size_t len, void *ud)
{
	copy_count *c = ud;
	if (c->in || c->in_other) {
		if (len == 2 && line[0] == '\\' && line[1] == '.')
			c->in = NULL, c->in_other = false;
		else if (c->in)
			c->in->backup_rows++;
		return 0;
	}
	if (len < 5 || strncmp(line, "COPY ", 5) != 0)
		return 0;
	/* COPY schema.table (cols) FROM stdin; the name is quoted as quote_ident does */
	const char *name = line + 5, *end = line + len;
	const char *sp = name;
	bool quoted = false;
	while (sp < end && (quoted || *sp != ' ')) {
		if (*sp == '"')
			quoted = !quoted;
		sp++;
	}
	size_t nl = (size_t)(sp - name);
	c->in_other = true;
	for (size_t i = 0; i < c->v->ntables; i++)
		if (strlen(c->v->tables[i].name) == nl && strncmp(c->v->tables[i].name, name, nl) == 0) {
			c->in = &c->v->tables[i];
			c->in_other = false;
			break;
		}
	return 0;
}

static int pg_verify(strata_db *db, const char *path, strata_backup_verification *v)
{
	const char *list_argv[] = { "pg_restore", "--list", "--", path, NULL };
	const char *data_argv[] = { "pg_restore", "--data-only", "--file=-", "--", path, NULL };
	strata__tool list = { list_argv, NULL, NULL, NULL, NULL, NULL };
	int rc = strata__db_run_tool(db, &list);
	if (rc == STRATA_EIO) {
		problem(v, "the archive cannot be read: %s", strata_error_last()->message);
		return STRATA_OK;
	}
	if (rc != STRATA_OK)
		return rc;
	copy_count c = { v, NULL, false };
	strata__tool data = { data_argv, count_copy_line, &c, NULL, NULL, NULL };
	rc = strata__db_run_tool(db, &data);
	if (rc == STRATA_EIO) {
		problem(v, "the archive's data cannot be read: %s", strata_error_last()->message);
		return STRATA_OK;
	}
	return rc;
}

int strata_backup_verify(strata_db *db, const char *path, strata_backup_verification **out)
{
	struct stat sb;
	if (!db || !path || !out)
		return strata__error_set(STRATA_EINVAL, "strata_backup_verify: NULL argument");
	*out = NULL;
	if (stat(path, &sb) != 0)
		return strata__error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO, "verify: %s: %s", path,
					 strerror(errno));
	strata_backup_verification *v = calloc(1, sizeof *v);
	if (!v)
		return strata__error_nomem();
	v->ok = true;
	v->bytes = (int64_t)sb.st_size;
	int rc = source_tables(db, v);
	if (rc == STRATA_OK)
		rc = strata_db_backend(db) == STRATA_BACKEND_SQLITE ? sqlite_verify(path, v) : pg_verify(db, path, v);
	for (size_t i = 0; rc == STRATA_OK && i < v->ntables; i++)
		if (v->tables[i].backup_rows >= 0 && v->tables[i].backup_rows != v->tables[i].source_rows)
			problem(v, "table %s has %lld rows in the backup and %lld in the database (did it change meanwhile?)",
				v->tables[i].name, (long long)v->tables[i].backup_rows, (long long)v->tables[i].source_rows);
	if (rc != STRATA_OK) {
		strata_backup_verification_free(v);
		return rc;
	}
	if (!v->ok && !v->problem) {
		strata_backup_verification_free(v);
		return strata__error_nomem();
	}
	*out = v;
	return STRATA_OK;
}
