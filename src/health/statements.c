/*
 * strata_statements_collect: the server's per-statement statistics, from
 * pg_stat_statements, for the connection's database.
 *
 * The extension must be loaded at server start (shared_preload_libraries)
 * and created in the database; when either is missing the call succeeds
 * with `available` false and a hint saying what to do, since that is an
 * answer, not a failure.  Column names changed in PostgreSQL 13
 * (total_time became total_exec_time), so the query is chosen by version.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/activity.h>

#include "core/error.h"
#include "health/internal.h"

typedef struct stmts {
	strata_statements pub;
	char **strs;
	size_t nstrs;
	bool oom;
} stmts;

static const char *keep(stmts *s, const char *v)
{
	char **a = realloc(s->strs, (s->nstrs + 1) * sizeof *a);
	char *d = a ? strdup(v ? v : "") : NULL;
	if (a)
		s->strs = a;
	if (!d) {
		s->oom = true;
		return "";
	}
	s->strs[s->nstrs++] = d;
	return d;
}

void strata_statements_free(strata_statements *p)
{
	if (!p)
		return;
	stmts *s = (stmts *)p;
	for (size_t i = 0; i < s->nstrs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(p->statements);
	free(s);
}

static const char not_loaded_hint[] =
	"pg_stat_statements is not loaded: add it to shared_preload_libraries in postgresql.conf "
	"(shared_preload_libraries = 'pg_stat_statements'), restart the server, then run "
	"CREATE EXTENSION pg_stat_statements; in this database.  Managed services switch it on in their "
	"settings (an RDS parameter group, a Cloud SQL flag); Neon and Supabase load it already.";

/*
 * Where the extension lives (quoted), or NULL with the hint set when it is
 * not created here.  Whether the library is preloaded is only known to
 * roles that may read shared_preload_libraries; the view itself says so
 * when it is read (SQLSTATE 55000).
 */
static int locate(strata_db *db, stmts *s, char **schema)
{
	char *preload = NULL, *dbname = NULL;
	*schema = NULL;
	int rc = strata_query_text(
		db, schema,
		"SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
		"WHERE e.extname = 'pg_stat_statements'",
		NULL, 0);
	if (rc != STRATA_ENOTFOUND)
		return rc;
	if ((rc = strata_query_text(db, &dbname, "SELECT current_database()", NULL, 0)) != STRATA_OK)
		return rc;
	/* no row when this role may not see the setting */
	int prc = strata_query_text(db, &preload,
				    "SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'", NULL, 0);
	char hint[700];
	if (prc == STRATA_OK && !strstr(preload, "pg_stat_statements"))
		snprintf(hint, sizeof hint, "%s", not_loaded_hint);
	else
		snprintf(hint, sizeof hint,
			 "pg_stat_statements is not created in database \"%s\": run CREATE EXTENSION "
			 "pg_stat_statements; "
			 "there (as a superuser, or a role allowed to create extensions)%s",
			 dbname, prc == STRATA_OK ? "" : "; it must also be in the server's shared_preload_libraries");
	s->pub.hint = keep(s, hint);
	free(preload);
	free(dbname);
	strata_error_clear();
	return STRATA_OK;
}

static const char *order_column(const char *order, bool v13)
{
	if (!order || !strcmp(order, "total"))
		return v13 ? "s.total_exec_time" : "s.total_time";
	if (!strcmp(order, "mean"))
		return v13 ? "s.mean_exec_time" : "s.mean_time";
	if (!strcmp(order, "calls"))
		return "s.calls";
	if (!strcmp(order, "rows"))
		return "s.rows";
	return NULL;
}

int strata_statements_collect(strata_db *db, const strata_statements_options *opts, strata_statements **out)
{
	static const strata_statements_options defaults = STRATA_STATEMENTS_OPTIONS_INIT;
	if (!db || !out)
		return strata__error_set(STRATA_EINVAL, "strata_statements_collect: %s is NULL", db ? "out" : "db");
	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (opts->version != STRATA_STATEMENTS_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "strata_statements_collect: options version %u is not %d",
					 opts->version, STRATA_STATEMENTS_OPTIONS_VERSION);
	if (!order_column(opts->order, true))
		return strata__error_set(STRATA_EINVAL, "unknown order '%s' (total, mean, calls or rows)", opts->order);
	if (strata_db_backend(db) != STRATA_BACKEND_POSTGRES)
		return strata__error_set(
			STRATA_EUNSUPPORTED,
			"SQLite keeps no statistics of its own per statement: export the application's "
			"(DB_QUERY_STATS=true and strata_query_stats_save()) and read the file with "
			"strata_query_stats_load()");
	stmts *s = calloc(1, sizeof *s);
	if (!s)
		return strata__error_nomem();
	s->pub.hint = "";
	char *schema = NULL;
	strata_stmt *st = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	int64_t version = 0;
	int rc = locate(db, s, &schema);
	if (rc != STRATA_OK || !schema)
		goto out;
	if ((rc = strata_query_int64(db, &version, "SELECT current_setting('server_version_num')::int", NULL, 0)) !=
	    STRATA_OK)
		goto out;
	bool v13 = version >= 130000;
	const char *t = v13 ? "exec_time" : "time";
	/* every name pasted here is a constant of this file or quoted by the server (quote_ident) */
	if ((rc = strata__buf_printf(
		     &sql,
		     "SELECT coalesce(s.queryid, 0), left(regexp_replace(s.query, '\\s+', ' ', 'g'), 2000), "
		     "coalesce(r.rolname, ''), s.calls, s.total_%s, s.mean_%s, s.min_%s, s.max_%s, s.stddev_%s, "
		     "s.rows, s.shared_blks_hit, s.shared_blks_read, "
		     "sum(s.calls) OVER (), sum(s.total_%s) OVER () "
		     "FROM %s.pg_stat_statements s LEFT JOIN pg_roles r ON r.oid = s.userid "
		     "WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
		     "ORDER BY %s DESC, s.queryid",
		     t, t, t, t, t, t, schema, order_column(opts->order, v13))) != STRATA_OK)
		goto out;
	if ((rc = strata_prepare(&st, db, strata__buf_cstr(&sql))) != STRATA_OK)
		goto unreadable;
	int limit = opts->limit == 0 ? 20 : opts->limit;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		s->pub.calls = strata__col_i64(st, 12);
		s->pub.total_ms = strata__col_dbl(st, 13);
		if (limit >= 0 && s->pub.count >= (size_t)limit)
			continue;
		strata_statement *v = realloc(s->pub.statements, (s->pub.count + 1) * sizeof *v);
		if (!v) {
			s->oom = true;
			break;
		}
		s->pub.statements = v;
		v += s->pub.count++;
		v->queryid = strata__col_i64(st, 0);
		v->query = keep(s, strata__col_str(st, 1));
		v->user = keep(s, strata__col_str(st, 2));
		v->calls = strata__col_i64(st, 3);
		v->total_ms = strata__col_dbl(st, 4);
		v->mean_ms = strata__col_dbl(st, 5);
		v->min_ms = strata__col_dbl(st, 6);
		v->max_ms = strata__col_dbl(st, 7);
		v->stddev_ms = strata__col_dbl(st, 8);
		v->rows = strata__col_i64(st, 9);
		v->blocks_hit = strata__col_i64(st, 10);
		v->blocks_read = strata__col_i64(st, 11);
		int64_t blocks = v->blocks_hit + v->blocks_read;
		v->hit_ratio = blocks > 0 ? (double)v->blocks_hit / (double)blocks : -1;
	}
	if (rc == STRATA_DONE) {
		rc = STRATA_OK;
		s->pub.available = true;
	}
unreadable:
	/* created but not preloaded: "pg_stat_statements must be loaded via shared_preload_libraries" */
	if (rc != STRATA_OK && !strcmp(strata_error_last()->sqlstate, "55000")) {
		s->pub.hint = keep(s, not_loaded_hint);
		s->pub.count = 0;
		rc = STRATA_OK;
	}
out:
	strata_finalize(st);
	strata__buf_free(&sql);
	free(schema);
	if (rc == STRATA_OK && s->oom)
		rc = strata__error_nomem();
	if (rc != STRATA_OK) {
		strata_statements_free(&s->pub);
		return rc;
	}
	*out = &s->pub;
	return STRATA_OK;
}

int strata_statements_json(const strata_statements *s, bool pretty, char **out)
{
	if (!s || !out)
		return strata__error_set(STRATA_EINVAL, "strata_statements_json: NULL argument");
	*out = NULL;
	json_t *list = json_array();
	for (size_t i = 0; list && i < s->count; i++) {
		const strata_statement *v = &s->statements[i];
		json_array_append_new(list,
				      json_pack("{s:I, s:s, s:s, s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:o}",
						"queryid", (json_int_t)v->queryid, "query", v->query, "user", v->user,
						"calls", (json_int_t)v->calls, "total_ms", v->total_ms, "mean_ms",
						v->mean_ms, "min_ms", v->min_ms, "max_ms", v->max_ms, "stddev_ms",
						v->stddev_ms, "rows", (json_int_t)v->rows, "blocks_hit",
						(json_int_t)v->blocks_hit, "blocks_read", (json_int_t)v->blocks_read,
						"hit_ratio", v->hit_ratio < 0 ? json_null() : json_real(v->hit_ratio)));
	}
	json_t *root = list ? json_pack("{s:s, s:b, s:s, s:I, s:f, s:o}", "source", "pg_stat_statements", "available",
					s->available, "hint", s->hint, "calls", (json_int_t)s->calls, "total_ms",
					s->total_ms, "statements", list)
			    : NULL;
	if (root)
		*out = json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER |
						JSON_REAL_PRECISION(10));
	json_decref(root);
	return *out ? STRATA_OK : strata__error_nomem();
}
