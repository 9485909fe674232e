/*
 * PostgreSQL migrations on a scratch database: a throwaway database is
 * created on the server the caller names, every file is applied in order
 * (statement by statement, so one failure does not hide the next), and
 * for each file snapshots of the tables, columns and indexes before up
 * and after down are taken for the rules to compare.  The database is
 * dropped at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strata/migrate.h>

#include "core/error.h"
#include "lint/mig.h"

/* `url` with its database replaced by `name` (a new string; NULL on ENOMEM or a URL that is not postgres://). */
static char *with_dbname(const char *url, const char *name)
{
	const char *p = strstr(url, "://");
	if (!p || (strncmp(url, "postgres", 8) != 0))
		return NULL;
	p += 3;
	const char *q = strchr(p, '?');
	const char *end = q ? q : url + strlen(url);
	const char *slash = memchr(p, '/', (size_t)(end - p));
	size_t keep = (size_t)((slash ? slash : end) - url);
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__buf_printf(&b, "%.*s/%s%s", (int)keep, url, name, q ? q : "");
	if (rc != STRATA_OK) {
		strata__buf_free(&b);
		return NULL;
	}
	return strata__buf_detach(&b);
}

int strata__lint_pg_scratch_open(lint_pg_scratch *run, const char *url)
{
	/* Unique enough: the process and the microsecond (and the run's address for two runs at once). */
	char name[96];
	snprintf(name, sizeof name, "strata_lint_scratch_%ld_%lld_%lx", (long)getpid(),
		 (long long)strata_timestamp_now(), (unsigned long)((uintptr_t)run & 0xffffff));
	char *u = with_dbname(url, name);
	if (!u)
		return strata__error_set(STRATA_EINVAL, "lint: the scratch database needs a postgres:// URL");
	int rc = strata_database_create(u, NULL);
	if (rc == STRATA_OK) {
		strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
		o.stmt_cache_size = -1;
		o.statement_timeout_ms = 5000;
		rc = strata_open(&run->db, u, &o);
		if (rc != STRATA_OK) {
			strata__error_saved saved;
			strata__error_save(&saved);
			strata_database_drop(u, NULL);
			strata__error_restore(&saved);
			run->db = NULL;
		}
	}
	if (rc != STRATA_OK) {
		free(u);
		return rc;
	}
	run->url = u;
	/* Notices (IF EXISTS skips) are not findings. */
	if (strata_exec(run->db, "SET client_min_messages = warning") != STRATA_OK)
		strata_error_clear();
	return STRATA_OK;
}

void strata__lint_pg_scratch_close(lint_pg_scratch *run)
{
	if (run->db) {
		strata_close(run->db);
		run->db = NULL;
	}
	if (run->url) {
		strata__error_saved saved;
		strata__error_save(&saved);
		strata_database_drop(run->url, NULL);
		strata__error_restore(&saved);
		free(run->url);
		run->url = NULL;
	}
}

/* Tables with their columns, and index names (as a table "" of columns), of the public schema. */
static int snapshot(strata_db *db, lint_catalog *out)
{
	memset(out, 0, sizeof *out);
	static const char cols[] = "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
				   "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
				   "JOIN pg_namespace n ON n.oid = c.relnamespace "
				   "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', "
				   "'m') AND a.attnum > 0 "
				   "AND NOT a.attisdropped "
				   "UNION ALL SELECT '', c.relname, 'index' FROM pg_class c JOIN "
				   "pg_namespace n ON n.oid = c.relnamespace "
				   "WHERE n.nspname = current_schema() AND c.relkind IN ('i', 'I') "
				   "ORDER BY 1, 2";
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, db, cols);
	int step = STRATA_DONE;
	while (rc == STRATA_OK && (step = strata_step(st)) == STRATA_ROW) {
		const char *t, *c, *ty;
		size_t l;
		if (strata_column_text(st, 0, &t, &l) || strata_column_text(st, 1, &c, &l) ||
		    strata_column_text(st, 2, &ty, &l))
			break;
		lint_table *tb;
		rc = strata__lint_cat_add_table(out, t, &tb);
		if (rc == STRATA_OK)
			rc = strata__lint_cat_set_col(tb, c, ty);
	}
	if (rc == STRATA_OK && step != STRATA_DONE && step != STRATA_ROW)
		rc = step;
	strata_finalize(st);
	return rc;
}

int strata__lint_pg_scratch_apply(lint_pg_scratch *run, lint_file *f, const lint_stmt *up, size_t nup,
				  const lint_stmt *dn, size_t ndn)
{
	lint_catalog s0, s2;
	memset(&s0, 0, sizeof s0);
	memset(&s2, 0, sizeof s2);
	bool check = !f->ctx->quiet && f->m->down.present && strata__lint_enabled(f->ctx, R_DOWN_INVERSE);
	int rc = check ? snapshot(run->db, &s0) : STRATA_OK;
	if (rc == STRATA_OK)
		rc = strata__lint_exec_stmts(run->db, f, up, nup, true);
	if (rc == STRATA_OK && check) {
		rc = strata__lint_exec_stmts(run->db, f, dn, ndn, true);
		if (rc == STRATA_OK)
			rc = snapshot(run->db, &s2);
		if (rc == STRATA_OK)
			rc = strata__lint_rules_compare_down(f, &s0, &s2);
		if (rc == STRATA_OK)
			rc = strata__lint_exec_stmts(run->db, f, up, nup, false);
	}
	strata__lint_cat_free(&s0);
	strata__lint_cat_free(&s2);
	return rc;
}
