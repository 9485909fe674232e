/*
 * strata_optimize: SQLite PRAGMA optimize / ANALYZE / VACUUM, PostgreSQL
 * VACUUM and ANALYZE table by table.  Each step is one statement that
 * commits on its own; the cancel flag is looked at between steps.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "health/internal.h"

static int db_bytes(strata_db *db, int64_t *out)
{
	if (strata_db_backend(db) == STRATA_BACKEND_POSTGRES)
		return strata_query_int64(db, out, "SELECT pg_database_size(current_database())", NULL, 0);
	return strata_query_int64(
		db, out, "SELECT (SELECT page_count FROM pragma_page_count) * (SELECT page_size FROM pragma_page_size)",
		NULL, 0);
}

typedef struct steps {
	char **sql;
	char **label;
	size_t n;
} steps;

static int add_step(steps *s, const char *sql, const char *label)
{
	char **a = realloc(s->sql, (s->n + 1) * sizeof *a);
	if (!a)
		return strata__error_nomem();
	s->sql = a;
	char **b = realloc(s->label, (s->n + 1) * sizeof *b);
	if (!b)
		return strata__error_nomem();
	s->label = b;
	s->sql[s->n] = strdup(sql);
	s->label[s->n] = strdup(label);
	if (!s->sql[s->n] || !s->label[s->n]) {
		free(s->sql[s->n]);
		free(s->label[s->n]);
		return strata__error_nomem();
	}
	s->n++;
	return STRATA_OK;
}

static void free_steps(steps *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->sql[i]);
		free(s->label[i]);
	}
	free(s->sql);
	free(s->label);
}

static int sqlite_steps(strata_db *db, const strata_optimize_options *o, steps *s)
{
	int rc = STRATA_OK;
	if (o->analyze)
		rc = add_step(s, "ANALYZE", "ANALYZE");
	if (rc == STRATA_OK)
		rc = add_step(s, "PRAGMA optimize", "PRAGMA optimize");
	if (rc == STRATA_OK && o->vacuum) {
		int64_t mode = 0;
		rc = strata_query_int64(db, &mode, "PRAGMA auto_vacuum", NULL, 0);
		if (rc == STRATA_OK)
			rc = mode == 2 ? add_step(s, "PRAGMA incremental_vacuum", "PRAGMA incremental_vacuum")
				       : add_step(s, "VACUUM", "VACUUM");
	}
	return rc;
}

static int pg_steps(strata_db *db, const strata_optimize_options *o, steps *s)
{
	const char *verb = o->vacuum && o->analyze ? "VACUUM (ANALYZE)" : o->vacuum ? "VACUUM" : "ANALYZE";
	strata_stmt *st = NULL;
	strata_buf sql = STRATA_BUF_INIT, label = STRATA_BUF_INIT;
	if (!o->vacuum && !o->analyze)
		return STRATA_OK;
	int rc = strata_prepare(
		&st, db,
		"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
		"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') "
		"AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
		"ORDER BY pg_table_size(c.oid) DESC, 1");
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		const char *t = strata__col_str(st, 0);
		strata__buf_clear(&sql);
		strata__buf_clear(&label);
		rc = strata__buf_printf(&sql, "%s %s", verb, t);
		if (rc == STRATA_OK)
			rc = add_step(s, sql.ptr, sql.ptr);
	}
	strata_finalize(st);
	strata__buf_free(&sql);
	strata__buf_free(&label);
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

int strata_optimize(strata_db *db, const strata_optimize_options *opts, strata_optimize_result *out)
{
	strata_optimize_options o = STRATA_OPTIMIZE_OPTIONS_INIT;
	strata_optimize_result res = { 0 };
	steps s = { NULL, NULL, 0 };
	if (!db)
		return strata__error_set(STRATA_EINVAL, "strata_optimize: db is NULL");
	if (opts) {
		if (opts->version != STRATA_OPTIMIZE_OPTIONS_VERSION)
			return strata__error_set(STRATA_EINVAL, "strata_optimize: options version %u, want %d",
						 opts->version, STRATA_OPTIMIZE_OPTIONS_VERSION);
		o = *opts;
	}
	if (strata_in_transaction(db))
		return strata__error_set(STRATA_EMISUSE, "optimize: VACUUM cannot run inside a transaction");
	int rc = db_bytes(db, &res.bytes_before);
	if (rc == STRATA_OK)
		rc = strata_db_backend(db) == STRATA_BACKEND_SQLITE ? sqlite_steps(db, &o, &s) : pg_steps(db, &o, &s);
	res.steps_total = s.n;
	for (size_t i = 0; rc == STRATA_OK && i < s.n; i++) {
		if (o.cancel && *o.cancel) {
			res.interrupted = true;
			break;
		}
		if (o.progress)
			o.progress(i, s.n, s.label[i], o.progress_ud);
		rc = strata_exec(db, s.sql[i]);
		if (rc == STRATA_OK)
			res.steps_done++;
	}
	if (rc == STRATA_OK && o.progress && !res.interrupted)
		o.progress(s.n, s.n, "done", o.progress_ud);
	if (rc == STRATA_OK)
		rc = db_bytes(db, &res.bytes_after);
	free_steps(&s);
	if (out)
		*out = res;
	return rc;
}
