/*
 * Materialized views: listing them with their last recorded refresh, and
 * refreshing one (strata/matview.h).
 *
 * PostgreSQL: pg_class rows of kind 'm' in the current schema; CONCURRENTLY
 * is possible when a valid unique index without predicate or expressions
 * exists (what REFRESH ... CONCURRENTLY demands) and the view is populated.
 * SQLite: a table NAME beside a view NAME__strata_query (the layout
 * src/sql/objects.c creates).  Creation order: pg_class's oid, sqlite_schema's
 * rowid.  Identifiers in the SQL come from quote_ident()/strata__sql_ident
 * of catalog names, never from the caller's text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/matview.h>

#include "core/buf.h"
#include "core/error.h"
#include "db/cells.h"
#include "sql/ddl.h"

static const char pg_list_sql[] = "SELECT c.relname, c.relispopulated::int, (EXISTS (SELECT 1 FROM pg_index i WHERE "
				  "i.indrelid = c.oid AND i.indisunique "
				  "AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL))::int "
				  "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
				  "WHERE c.relkind = 'm' AND n.nspname = current_schema() ORDER BY c.oid";

static const char sqlite_list_sql[] =
	"SELECT t.name, 1, 0 FROM sqlite_schema t JOIN sqlite_schema v ON v.type = 'view' "
	"AND v.name = t.name || '__strata_query' WHERE t.type = 'table' ORDER BY t.rowid";

/* The table of refresh records, created on first use. */
static const char record_table_sql[] = "CREATE TABLE IF NOT EXISTS strata_refreshes (name text PRIMARY KEY, "
				       "refreshed_at text NOT NULL, duration_ms double precision NOT NULL, "
				       "mode text NOT NULL, row_count bigint)";

static bool record_table_exists(strata_db *db, int *rc)
{
	int64_t n = 0;
	*rc = strata_db_backend(db) == STRATA_BACKEND_POSTGRES
		      ? strata_query_int64(
				db, &n,
				"SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
				"WHERE c.relname = 'strata_refreshes' AND s.nspname = current_schema()",
				NULL, 0)
		      : strata_query_int64(
				db, &n,
				"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'strata_refreshes'",
				NULL, 0);
	return *rc == STRATA_OK && n > 0;
}

void strata_matview_list_free(strata_matview *v, size_t count)
{
	if (!v)
		return;
	for (size_t i = 0; i < count; i++)
		free(v[i].name);
	free(v);
}

/* The recorded refresh of each view, where there is one. */
static int read_records(strata_db *db, strata_matview *v, size_t n)
{
	int rc;
	if (!record_table_exists(db, &rc))
		return rc;
	strata_stmt *st = NULL;
	if ((rc = strata_prepare(&st, db, "SELECT name, refreshed_at, duration_ms, row_count FROM strata_refreshes")))
		return rc;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *name = strata__col_str(st, 0), *at = strata__col_str(st, 1);
		for (size_t i = 0; i < n; i++) {
			if (strcmp(v[i].name, name) != 0)
				continue;
			if (strata_timestamp_parse(at, strlen(at), &v[i].refreshed_at) != STRATA_OK)
				v[i].refreshed_at = 0;
			v[i].refresh_ms = strata__col_dbl(st, 2);
			v[i].rows = strata_column_is_null(st, 3) ? -1 : strata__col_i64(st, 3);
		}
	}
	strata_finalize(st);
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

int strata_matview_list(strata_db *db, strata_matview **out, size_t *count)
{
	if (!db || !out || !count)
		return strata__error_set(STRATA_EINVAL, "strata_matview_list: NULL argument");
	*out = NULL;
	*count = 0;
	bool pg = strata_db_backend(db) == STRATA_BACKEND_POSTGRES;
	strata_matview *v = NULL;
	size_t n = 0;
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, db, pg ? pg_list_sql : sqlite_list_sql);
	while (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {
		strata_matview *nv = realloc(v, (n + 1) * sizeof *nv);
		char *name = nv ? strdup(strata__col_str(st, 0)) : NULL;
		if (nv)
			v = nv;
		if (!name) {
			rc = strata__error_nomem();
			break;
		}
		v[n] = (strata_matview){ name, strata__col_i64(st, 1) != 0, false, 0, -1, -1 };
		v[n].concurrently = pg && v[n].populated && strata__col_i64(st, 2) != 0;
		n++;
		rc = STRATA_OK;
	}
	strata_finalize(st);
	if (rc == STRATA_DONE)
		rc = read_records(db, v, n);
	if (rc != STRATA_OK) {
		strata_matview_list_free(v, n);
		return rc;
	}
	*out = v;
	*count = n;
	return STRATA_OK;
}

typedef struct refresh_job {
	const strata_matview *view;
	strata_matview_refresh_result *res;
	double t0;
} refresh_job;

static double now_ms(void)
{
	return (double)strata_timestamp_now() / 1000.0;
}

static int refresh_in_tx(strata_db *db, void *arg)
{
	refresh_job *j = arg;
	strata_backend be = strata_db_backend(db);
	strata_buf sql = STRATA_BUF_INIT;
	char q[200];
	int rc;
	j->res->rows = -1;
	j->res->concurrently = j->view->concurrently;
	if (be == STRATA_BACKEND_POSTGRES) {
		if (!(rc = strata__buf_printf(&sql, "REFRESH MATERIALIZED VIEW %s",
					      j->view->concurrently ? "CONCURRENTLY " : "")) &&
		    !(rc = strata__sql_ident(&sql, be, j->view->name)))
			rc = strata_exec(db, strata__buf_cstr(&sql));
	} else {
		strata__sql_matview_query_name(q, sizeof q, j->view->name);
		if (!(rc = strata__buf_puts(&sql, "DELETE FROM ")) &&
		    !(rc = strata__sql_ident(&sql, be, j->view->name)))
			rc = strata_exec(db, strata__buf_cstr(&sql));
		strata__buf_clear(&sql);
		if (!rc && !(rc = strata__buf_puts(&sql, "INSERT INTO ")) &&
		    !(rc = strata__sql_ident(&sql, be, j->view->name)) &&
		    !(rc = strata__buf_puts(&sql, " SELECT * FROM ")) && !(rc = strata__sql_ident(&sql, be, q)) &&
		    !(rc = strata_exec(db, strata__buf_cstr(&sql))))
			j->res->rows = strata_changes(db);
	}
	strata__buf_free(&sql);
	if (rc == STRATA_OK)
		rc = strata_exec(db, record_table_sql);
	if (rc == STRATA_OK) {
		char at[STRATA_TIMESTAMP_BUFSZ];
		strata_timestamp_format(strata_timestamp_now(), at);
		j->res->ms = now_ms() - j->t0;
		strata_value v[] = { STRATA_TEXT(j->view->name), STRATA_TEXT(at), STRATA_DOUBLE(j->res->ms),
				     STRATA_TEXT(be == STRATA_BACKEND_SQLITE ? "rebuild"
						 : j->res->concurrently	     ? "concurrently"
									     : "plain"),
				     j->res->rows < 0 ? STRATA_NULL : STRATA_INT(j->res->rows) };
		rc = strata_exec_values(
			db,
			"INSERT INTO strata_refreshes (name, refreshed_at, duration_ms, mode, row_count) "
			"VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET refreshed_at = excluded.refreshed_at, "
			"duration_ms = excluded.duration_ms, mode = excluded.mode, row_count = excluded.row_count",
			v, 5, NULL);
	}
	return rc;
}

/* Put the view's name in front of the current error's message, keeping its details. */
static int name_the_view(int rc, const char *name)
{
	strata__error_saved s;
	strata__error_save(&s);
	strata__error_set_db(rc, s.sqlite_code, s.sqlstate, s.constraint, "refreshing materialized view %s: %s", name,
			     s.message ? s.message : "");
	free(s.message);
	free(s.sqlstate);
	free(s.constraint);
	free(s.file);
	return rc;
}

int strata_matview_refresh(strata_db *db, const char *name, strata_matview_refresh_result *out)
{
	strata_matview_refresh_result res = { false, 0, -1 };
	strata_matview *views = NULL;
	size_t n = 0;
	if (out)
		*out = res;
	if (!db || !name)
		return strata__error_set(STRATA_EINVAL, "strata_matview_refresh: NULL argument");
	refresh_job j = { NULL, &res, now_ms() };
	int rc = strata_matview_list(db, &views, &n);
	for (size_t i = 0; rc == STRATA_OK && i < n; i++)
		if (!strcmp(views[i].name, name))
			j.view = &views[i];
	if (rc == STRATA_OK && !j.view)
		rc = strata__error_set(STRATA_ENOTFOUND, "no materialized view named '%s' in this database%s", name,
				       n ? "" : " (it has none)");
	if (rc == STRATA_OK) {
		strata_tx_options tx = STRATA_TX_OPTIONS_INIT;
		rc = strata_transact(db, refresh_in_tx, &j, &tx);
		if (rc != STRATA_OK)
			name_the_view(rc, name);
	}
	if (rc == STRATA_OK && out)
		*out = res;
	strata_matview_list_free(views, n);
	return rc;
}
