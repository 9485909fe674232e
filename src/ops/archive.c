/*
 * Reading a backup file before it is trusted, and counting a live
 * database's rows to compare with it.
 *
 * A backup is checked for what it claims to be (a regular, non-empty file
 * starting with the SQLite header or pg_dump's "PGDMP"), then read whole:
 * SQLite opens it read-only and runs quick_check or integrity_check, then
 * counts each table's rows; PostgreSQL reads the archive's table of
 * contents (pg_restore --list) and then all its data (pg_restore
 * --data-only), counting the lines of each table's COPY block.  Whatever
 * makes the file unusable is a `problem` (a sentence for the user), not a
 * failure of the call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "db/native.h"
#include "ops/internal.h"

void strata__ops_backup_free(strata__ops_backup *b)
{
	if (!b)
		return;
	strata__ops_rows_free(b->tables, b->ntables);
	free(b->problem);
	memset(b, 0, sizeof *b);
}

void strata__ops_rows_free(strata__ops_rows *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		free(t[i].name);
	free(t);
}

static void problem(strata__ops_backup *b, const char *fmt, ...) STRATA_PRINTF(2, 3);
static void problem(strata__ops_backup *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!strata__ops_note(&b->problem, fmt, ap))
		b->oom = true;
	va_end(ap);
}

static strata__ops_rows *add_rows(strata__ops_rows **list, size_t *n, const char *name, size_t len)
{
	strata__ops_rows *g = realloc(*list, (*n + 1) * sizeof *g);
	if (!g)
		return NULL;
	*list = g;
	g += *n;
	g->name = strata__strndup(name, len);
	g->rows = 0;
	if (!g->name)
		return NULL;
	(*n)++;
	return g;
}

/* ---- the file itself ---- */

static const char sqlite_magic[16] = "SQLite format 3";
static const char pg_magic[5] = { 'P', 'G', 'D', 'M', 'P' };

static int check_file(strata_backend backend, const char *path, strata__ops_backup *b)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return strata__error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO, "%s: %s", path,
					 strerror(errno));
	b->bytes = (int64_t)sb.st_size;
	b->mode = sb.st_mode & 07777;
	if (!S_ISREG(sb.st_mode)) {
		problem(b, "%s is %s, not a backup file", path,
			S_ISCHR(sb.st_mode)    ? "a character device"
			: S_ISBLK(sb.st_mode)  ? "a block device"
			: S_ISDIR(sb.st_mode)  ? "a directory"
			: S_ISFIFO(sb.st_mode) ? "a FIFO (named pipe)"
					       : "not a regular file");
		return STRATA_OK;
	}
	if (sb.st_size == 0) {
		problem(b, "%s is empty", path);
		return STRATA_OK;
	}
	char head[16] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, head, sizeof head) : -1;
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (got < 0)
		return strata__error_set(STRATA_EIO, "%s: %s", path, strerror(e));
	bool is_sqlite = got == 16 && memcmp(head, sqlite_magic, 16) == 0;
	bool is_pg = got >= 5 && memcmp(head, pg_magic, 5) == 0;
	if (backend == STRATA_BACKEND_SQLITE && !is_sqlite)
		problem(b, "%s is not an SQLite database%s", path,
			is_pg ? " (it is a PostgreSQL archive: restore it into a PostgreSQL database)"
			      : " (it does not start with the SQLite header)");
	else if (backend == STRATA_BACKEND_POSTGRES && !is_pg)
		problem(b, "%s is not a pg_dump custom-format archive%s", path,
			is_sqlite ? " (it is an SQLite database: restore it into an SQLite database)"
				  : " (strata backup writes those)");
	return STRATA_OK;
}

/* ---- SQLite ---- */

static int sqlite_read(const char *path, bool thorough, strata__ops_backup *b)
{
	bool had[2];
	strata_db *f = NULL;
	char *check = NULL;
	int rc = STRATA_OK;
	strata__ops_sidecars(path, had, false);
	if (strata__ops_open_file(&f, path, "mode=ro") != STRATA_OK) {
		if (strata_error_last()->status == STRATA_ENOMEM)
			rc = STRATA_ENOMEM;
		else
			problem(b, "%s cannot be opened: %s", path, strata_error_last()->message);
		goto done;
	}
	if (strata_query_text(f, &check, thorough ? "PRAGMA integrity_check(1)" : "PRAGMA quick_check(1)", NULL, 0) !=
	    STRATA_OK) {
		problem(b, "%s cannot be read: %s", path, strata_error_last()->message);
		goto done;
	}
	if (strcmp(check, "ok") != 0) {
		problem(b, "%s is damaged: %s", path, check);
		goto done;
	}
	rc = strata__ops_count_tables(f, false, &b->tables, &b->ntables);
	if (rc != STRATA_OK && rc != STRATA_ENOMEM) {
		problem(b, "%s cannot be read: %s", path, strata_error_last()->message);
		rc = STRATA_OK;
	}
done:
	free(check);
	strata_close(f);
	strata__ops_sidecars(path, had, true);
	return rc;
}

/* ---- PostgreSQL ---- */

typedef struct copy_count {
	strata__ops_backup *b;
	strata__ops_rows *in; /* inside this table's COPY block */
	bool oom;
} copy_count;

static int count_copy_line(const char *line, size_t len, void *ud)
{
	copy_count *c = ud;
	if (c->in) {
		if (len == 2 && line[0] == '\\' && line[1] == '.')
			c->in = NULL;
		else
			c->in->rows++;
		return 0;
	}
	if (len < 5 || strncmp(line, "COPY ", 5) != 0)
		return 0;
	/* COPY schema.table (cols) FROM stdin; the name as quote_ident writes it */
	const char *name = line + 5, *end = line + len, *sp = name;
	bool quoted = false;
	while (sp < end && (quoted || *sp != ' ')) {
		if (*sp == '"')
			quoted = !quoted;
		sp++;
	}
	c->in = add_rows(&c->b->tables, &c->b->ntables, name, (size_t)(sp - name));
	if (!c->in) {
		c->oom = true;
		return 1;
	}
	return 0;
}

typedef struct poll_ctx {
	const volatile int *cancel;
} poll_ctx;

static int poll_cancel(void *ud)
{
	const poll_ctx *p = ud;
	return p->cancel && *p->cancel;
}

static int pg_read(strata_db *env, const char *path, const volatile int *cancel, strata__ops_backup *b)
{
	const char *list_argv[] = { "pg_restore", "--list", "--", path, NULL };
	const char *data_argv[] = { "pg_restore", "--data-only", "--file=-", "--", path, NULL };
	poll_ctx pc = { cancel };
	strata__tool list = { list_argv, NULL, NULL, poll_cancel, &pc, NULL };
	int rc = strata__db_run_tool(env, &list);
	if (rc == STRATA_EIO) {
		problem(b, "%s cannot be read: %s", path, strata_error_last()->message);
		return STRATA_OK;
	}
	if (rc != STRATA_OK)
		return rc;
	copy_count c = { b, NULL, false };
	strata__tool data = { data_argv, count_copy_line, &c, poll_cancel, &pc, NULL };
	rc = strata__db_run_tool(env, &data);
	if (c.oom)
		return strata__error_nomem();
	if (rc == STRATA_EIO) {
		problem(b, "%s is damaged: its data cannot be read: %s", path, strata_error_last()->message);
		return STRATA_OK;
	}
	return rc;
}

int strata__ops_read_backup(strata_backend backend, strata_db *env, const char *path, bool thorough,
			    const volatile int *cancel, strata__ops_backup *b)
{
	memset(b, 0, sizeof *b);
	int rc = check_file(backend, path, b);
	if (rc == STRATA_OK && !b->problem)
		rc = backend == STRATA_BACKEND_SQLITE ? sqlite_read(path, thorough, b) : pg_read(env, path, cancel, b);
	if (rc == STRATA_OK && b->oom)
		rc = strata__error_nomem();
	if (rc != STRATA_OK)
		strata__ops_backup_free(b);
	return rc;
}

/* ---- a live database ---- */

int strata__ops_count_tables(strata_db *db, bool with_views, strata__ops_rows **out, size_t *n)
{
	bool sqlite = strata_db_backend(db) == STRATA_BACKEND_SQLITE;
	strata_stmt *st = NULL;
	strata__ops_rows *list = NULL;
	size_t count = 0;
	strata_buf sql = STRATA_BUF_INIT;
	/* PostgreSQL names come quoted by the server (quote_ident), so they can be used in SQL as they are */
	int rc = strata_prepare(
		&st, db,
		sqlite ? "SELECT name, 1 FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE "
			 "'\\' "
			 "ORDER BY name"
		       : "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
			 "CASE WHEN c.relkind = 'm' AND NOT c.relispopulated THEN 0 ELSE 1 END FROM pg_class c "
			 "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE (c.relkind = 'r' OR (? AND c.relkind = "
			 "'m')) "
			 "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
			 "AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1");
	if (rc == STRATA_OK && !sqlite)
		rc = strata_bind_bool(st, 1, with_views);
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		const char *name = strata__col_str(st, 0);
		strata__ops_rows *t = add_rows(&list, &count, name, strlen(name));
		if (!t) {
			rc = strata__error_nomem();
			break;
		}
		t->rows = strata__col_i64(st, 1) ? 0 : -1; /* -1: a materialized view that was never populated */
	}
	strata_finalize(st);
	if (rc == STRATA_DONE)
		rc = STRATA_OK;
	for (size_t i = 0; i < count && rc == STRATA_OK; i++) {
		if (list[i].rows < 0)
			continue;
		strata__buf_clear(&sql);
		rc = strata__buf_puts(&sql, "SELECT count(*) FROM ");
		if (rc == STRATA_OK)
			rc = sqlite ? strata__sql_ident(&sql, STRATA_BACKEND_SQLITE, list[i].name)
				    : strata__buf_puts(&sql, list[i].name);
		if (rc == STRATA_OK)
			rc = strata_query_int64(db, &list[i].rows, sql.ptr, NULL, 0);
	}
	strata__buf_free(&sql);
	if (rc != STRATA_OK) {
		strata__ops_rows_free(list, count);
		return rc;
	}
	*out = list;
	*n = count;
	return STRATA_OK;
}

const strata__ops_rows *strata__ops_rows_find(const strata__ops_rows *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}
