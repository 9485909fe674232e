/*
 * PostgreSQL migrations on a scratch database: a throwaway database is
 * created on the server the caller names, every file is applied in order
 * (statement by statement, so one failure does not hide the next), and
 * for each file the tables, columns and indexes before up and after down
 * are compared.  The database is dropped at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int strata__lint_pg_scratch_open(pg_run *run, const char *url)
{
	/* Unique enough: the process and the microsecond (and the run's address for two runs at once). */
	char name[96];
	snprintf(name, sizeof name, "strata_lint_scratch_%ld_%lld_%lx", (long)getpid(), (long long)strata_timestamp_now(),
		 (unsigned long)((uintptr_t)run & 0xffffff));
	char *u = with_dbname(url, name);
	if (!u)
		return strata__error_set(STRATA_EINVAL, "lint: the scratch database needs a postgres:// URL");
	int rc = strata_database_create(u, NULL);
	if (rc == STRATA_OK) {
		strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
		o.stmt_cache_size = -1;
		o.statement_timeout_ms = 5000;
		rc = strata_open(&run->scratch, u, &o);
		if (rc != STRATA_OK) {
			strata__error_saved saved;
			strata__error_save(&saved);
			strata_database_drop(u, NULL);
			strata__error_restore(&saved);
			run->scratch = NULL;
		}
	}
	if (rc != STRATA_OK) {
		free(u);
		return rc;
	}
	run->scratch_url = u;
	/* Notices (IF EXISTS skips) are not findings. */
	if (strata_exec(run->scratch, "SET client_min_messages = warning") != STRATA_OK)
		strata_error_clear();
	return STRATA_OK;
}

void strata__lint_pg_scratch_close(pg_run *run)
{
	if (run->scratch) {
		strata_close(run->scratch);
		run->scratch = NULL;
	}
	if (run->scratch_url) {
		strata__error_saved saved;
		strata__error_save(&saved);
		strata_database_drop(run->scratch_url, NULL);
		strata__error_restore(&saved);
		free(run->scratch_url);
		run->scratch_url = NULL;
	}
}

/* Tables with their columns, and index names (as a table "" of columns), of the public schema. */
static int snapshot(strata_db *db, catalog *out)
{
	memset(out, 0, sizeof *out);
	static const char cols[] =
		"SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
		"FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
		"JOIN pg_namespace n ON n.oid = c.relnamespace "
		"WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 "
		"AND NOT a.attisdropped "
		"UNION ALL SELECT '', c.relname, 'index' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
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
		cat_table *tb;
		rc = strata__cat_add_table(out, t, &tb);
		if (rc == STRATA_OK)
			rc = strata__cat_set_col(tb, c, ty);
	}
	if (rc == STRATA_OK && step != STRATA_DONE && step != STRATA_ROW)
		rc = step;
	strata_finalize(st);
	return rc;
}

static bool skip_stmt(const char *sql)
{
	static const char *const tx[] = { "BEGIN", "COMMIT", "END", "ROLLBACK", "START", "SAVEPOINT", "RELEASE", NULL };
	for (const char *const *w = tx; *w; w++) {
		size_t l = strlen(*w);
		if (strata__lint_ieqn(sql, *w, l) && (sql[l] == '\0' || sql[l] == ' ' || sql[l] == '\n' || sql[l] == '\t' ||
						      sql[l] == ';'))
			return true;
	}
	return false;
}

static int exec_all(strata_db *db, mig_file *mf, const mig_stmt *v, size_t n, bool report)
{
	int rc = STRATA_OK;
	for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
		if (skip_stmt(v[i].sql))
			continue;
		if (strata_exec(db, v[i].sql) == STRATA_OK)
			continue;
		const strata_error *e = strata_error_last();
		if (e->status == STRATA_ENOMEM)
			return STRATA_ENOMEM;
		if (report)
			rc = strata__lint_emit(mf->ctx, R_INVALID_SQL, v[i].line, v[i].col, NULL,
					       "fails on a scratch PostgreSQL database after the earlier migrations: %s",
					       e->message);
		strata_error_clear();
	}
	return rc;
}

/* Differences between the schema before up and after down. */
static int compare(mig_file *mf, catalog *a, catalog *c)
{
	int line = mf->m->down.line, rc = STRATA_OK;
	for (int pass = 0; pass < 2 && rc == STRATA_OK; pass++) {
		catalog *x = pass ? c : a, *y = pass ? a : c;
		for (size_t i = 0; i < x->n && rc == STRATA_OK; i++) {
			cat_table *tx = &x->t[i], *ty = strata__cat_table(y, tx->name);
			bool idx = !*tx->name;
			if (!ty && !idx) {
				rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, tx->name,
						       pass ? "after up and down, table %s is left behind"
							    : "after up and down, table %s is missing",
						       tx->name);
				continue;
			}
			for (size_t k = 0; k < tx->ncols && rc == STRATA_OK; k++) {
				cat_col *cy = ty ? strata__cat_col(ty, tx->cols[k].name) : NULL;
				if (idx && !cy)
					rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, tx->cols[k].name,
							       pass ? "after up and down, index %s is left behind"
								    : "after up and down, index %s is missing",
							       tx->cols[k].name);
				else if (!cy)
					rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, tx->name,
							       pass ? "after up and down, column %s.%s is left behind"
								    : "after up and down, column %s.%s is missing",
							       tx->name, tx->cols[k].name);
				else if (!pass && strcmp(cy->type, tx->cols[k].type) != 0)
					rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, tx->name,
							       "after up and down, column %s.%s is %s; it was %s", tx->name,
							       tx->cols[k].name, cy->type, tx->cols[k].type);
			}
		}
	}
	return rc;
}

int strata__lint_pg_scratch_apply(pg_run *run, mig_file *mf, const mig_stmt *up, size_t nup, const mig_stmt *dn,
				  size_t ndn)
{
	catalog s0, s2;
	memset(&s0, 0, sizeof s0);
	memset(&s2, 0, sizeof s2);
	bool check = !mf->ctx->quiet && mf->m->down.present && strata__lint_enabled(mf->ctx, R_DOWN_INVERSE);
	int rc = check ? snapshot(run->scratch, &s0) : STRATA_OK;
	if (rc == STRATA_OK)
		rc = exec_all(run->scratch, mf, up, nup, true);
	if (rc == STRATA_OK && check) {
		rc = exec_all(run->scratch, mf, dn, ndn, true);
		if (rc == STRATA_OK)
			rc = snapshot(run->scratch, &s2);
		if (rc == STRATA_OK)
			rc = compare(mf, &s0, &s2);
		if (rc == STRATA_OK)
			rc = exec_all(run->scratch, mf, up, nup, false);
	}
	strata__cat_free(&s0);
	strata__cat_free(&s2);
	return rc;
}
