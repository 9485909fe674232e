/*
 * Migration linting's frame: files in version order, sections split into
 * statements, each read by the dialect's adapter (pg.c, sqlite.c) into
 * effects and then judged by the rules (migrules.c); the catalog of what
 * the files did is kept across them.  See lint/mig.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <strata/db.h>

#include "core/env.h"
#include "core/error.h"
#include "lint/mig.h"
#include "migrate/internal.h"

bool strata__lint_schema_has(const strata_schema *s, const char *table, const char *column)
{
	if (!s)
		return false;
	for (int i = 0; i < s->ntables; i++) {
		const strata_table *t = &s->tables[i];
		if (!strata__lint_ieq(t->name, table))
			continue;
		if (!column)
			return true;
		for (int j = 0; j < t->ncolumns; j++)
			if (strata__lint_ieq(t->columns[j].name, column))
				return true;
		return false;
	}
	return false;
}

/* ---- scratch databases ---- */

/* A transaction control statement (the scratch database runs without them)? */
static bool tx_control(const char *sql, strata_backend d)
{
	static const char *const tx[] = { "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "START", NULL };
	for (const char *const *w = tx; *w; w++) {
		size_t l = strlen(*w);
		if (d == STRATA_BACKEND_SQLITE && !strcmp(*w, "START"))
			continue;
		if (strata__lint_ieqn(sql, *w, l) && !isalnum((unsigned char)sql[l]) && sql[l] != '_')
			return true;
	}
	return false;
}

int strata__lint_exec_stmts(strata_db *db, lint_file *f, const lint_stmt *v, size_t n, bool report)
{
	int rc = STRATA_OK;
	for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
		if (tx_control(v[i].sql, f->dialect))
			continue;
		if (strata_exec(db, v[i].sql) == STRATA_OK)
			continue;
		const strata_error *e = strata_error_last();
		if (e->status == STRATA_ENOMEM)
			return STRATA_ENOMEM;
		if (report)
			rc = strata__lint_emit(f->ctx, R_INVALID_SQL, v[i].line, v[i].col, NULL,
					       "fails on a scratch %s database after the earlier migrations: %s",
					       f->dialect == STRATA_BACKEND_POSTGRES ? "PostgreSQL" : "SQLite",
					       e->message);
		strata_error_clear();
	}
	return rc;
}

/* ---- files ---- */

/* Split a section into statements with their file positions. */
static int split_section(const strata__migration *m, const strata__mig_section *sec, strata_backend d, lint_stmt **out,
			 size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!sec->present || !sec->len)
		return STRATA_OK;
	strata__sql_piece *pcs = NULL;
	size_t np = 0;
	const char *body = m->text + sec->offset;
	int rc = strata__sql_split(body, sec->len, d, &pcs, &np);
	if (rc != STRATA_OK)
		return rc;
	lint_stmt *v = np ? calloc(np, sizeof *v) : NULL;
	if (np && !v) {
		free(pcs);
		return strata__error_nomem();
	}
	/* Lines and columns, walking forward through the file once. */
	size_t at = 0;
	int line = 1, col = 1;
	for (size_t i = 0; i < np; i++) {
		size_t off = sec->offset + pcs[i].offset;
		for (; at < off; at++) {
			if (m->text[at] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		char *s = strata__strndup(body + pcs[i].offset, pcs[i].len);
		if (!s) {
			for (size_t j = 0; j < i; j++)
				free((char *)v[j].sql);
			free(v);
			free(pcs);
			return STRATA_ENOMEM;
		}
		v[i].sql = s;
		v[i].len = pcs[i].len;
		v[i].line = line;
		v[i].col = col;
	}
	free(pcs);
	*out = v;
	*n = np;
	return STRATA_OK;
}

static void free_stmts(lint_stmt *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)v[i].sql);
	free(v);
}

typedef struct run {
	strata_lint_report *r;
	const strata_lint_options *opts;
	strata_backend dialect;
	bool pending_known; /* the files reported are the pending ones (since, pending, or a runner's call) */
	char **pending;	    /* real paths of opts->pending (NULL: every file) */
	size_t npending;
	lint_catalog cat;   /* what the files did so far */
	lint_pg_scratch pg; /* PostgreSQL: the scratch database, when asked for */
	lint_sq_history sq; /* SQLite: the schema the files built */
} run;

/* Each statement of a section: the adapter reads it into effects, then the rules judge them. */
static int lint_section(run *ru, lint_file *f, const lint_stmt *v, size_t n)
{
	int rc = STRATA_OK;
	if (!f->down)
		strata__lint_rules_section_begin(f);
	for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
		size_t first = strata__lint_file_effects(f)->n;
		rc = ru->dialect == STRATA_BACKEND_POSTGRES ? strata__lint_pg_stmt(f, &v[i])
							    : strata__lint_sq_stmt(f, &v[i]);
		if (rc == STRATA_OK)
			rc = strata__lint_rules_stmt(f, &ru->cat, &v[i], first);
	}
	if (rc == STRATA_OK && !f->down)
		rc = strata__lint_rules_section_end(f);
	return rc;
}

/* The real path of p (a new string), or a copy of p when it has none.  NULL on ENOMEM. */
static char *real_or_copy(const char *p)
{
	char *r = realpath(p, NULL);
	return r ? r : strata__strdup(p);
}

/* Is the file one of the pending ones (or is there no such list)? */
static bool is_pending(const run *ru, const strata__migration *m)
{
	if (!ru->pending)
		return true;
	char *r = realpath(m->path, NULL);
	const char *p = r ? r : m->path;
	bool found = false;
	for (size_t i = 0; i < ru->npending && !found; i++)
		found = strcmp(ru->pending[i], p) == 0;
	free(r);
	return found;
}

static int lint_one(run *ru, const strata__migration *m)
{
	lint_ctx ctx;
	unsigned dial = ru->dialect == STRATA_BACKEND_POSTGRES ? STRATA_LINT_POSTGRES : STRATA_LINT_SQLITE;
	strata__lint_ctx_init(&ctx, ru->r, ru->opts, m->path, dial);
	if (ru->opts && ru->opts->since && m->version && strata__version_cmp(m->version, ru->opts->since) <= 0)
		ctx.quiet = true;
	if (!ctx.quiet && !is_pending(ru, m))
		ctx.quiet = true;
	lint_file f;
	memset(&f, 0, sizeof f);
	f.ctx = &ctx;
	f.m = m;
	f.dialect = ru->dialect;
	f.schema = ru->opts ? ru->opts->schema : NULL;
	f.up_tx = m->up.transaction;
	f.pending = ru->pending_known && !ctx.quiet;

	lint_stmt *up = NULL, *dn = NULL;
	size_t nup = 0, ndn = 0;
	int rc = split_section(m, &m->up, ru->dialect, &up, &nup);
	if (rc == STRATA_OK)
		rc = split_section(m, &m->down, ru->dialect, &dn, &ndn);
	if (rc != STRATA_OK)
		goto done;
	if (!m->down.present)
		rc = strata__lint_emit(&ctx, R_REQUIRE_DOWN, m->up.line, 1, NULL,
				       "migration has no `-- migrate:down` section");
	if (rc == STRATA_OK)
		rc = lint_section(ru, &f, up, nup);
	f.down = true;
	if (rc == STRATA_OK)
		rc = lint_section(ru, &f, dn, ndn);
	f.down = false;
	if (rc == STRATA_OK && ru->dialect == STRATA_BACKEND_POSTGRES)
		rc = ru->pg.db ? strata__lint_pg_scratch_apply(&ru->pg, &f, up, nup, dn, ndn)
			       : strata__lint_rules_down_static(&f);
	else if (rc == STRATA_OK)
		rc = strata__lint_sq_apply(&ru->sq, &f, up, nup, dn, ndn);
	if (rc == STRATA_OK && !ctx.quiet)
		rc = strata__lint_suppress(&ctx, m->text, m->text_len);
done:
	free_stmts(up, nup);
	free_stmts(dn, ndn);
	strata__lint_eff_free(&f.up);
	strata__lint_eff_free(&f.dn);
	strata__lint_rules_file_free(&f);
	return rc;
}

static strata_backend mig_dialect(const strata_lint_options *opts)
{
	if (opts && opts->dialect)
		return opts->dialect;
	if (opts && opts->config && opts->config->dialect)
		return opts->config->dialect;
	return STRATA_BACKEND_SQLITE;
}

/*
 * Lint files in order.  `runner`: the caller (strata_lint_pending) knows
 * every file it reports is pending, even with no `since`.
 */
static int lint_all(strata_lint_report *r, const strata__migration *arr, size_t n, const strata_lint_options *opts,
		    bool runner)
{
	run ru;
	memset(&ru, 0, sizeof ru);
	ru.r = r;
	ru.opts = opts;
	ru.dialect = mig_dialect(opts);
	int rc = STRATA_OK;
	bool v2 = opts && opts->version >= 2;
	if (v2 && opts->pending) {
		ru.pending = calloc(opts->npending ? opts->npending : 1, sizeof *ru.pending);
		if (!ru.pending)
			rc = strata__error_nomem();
		for (size_t i = 0; i < opts->npending && rc == STRATA_OK; i++, ru.npending++)
			if (!(ru.pending[i] = real_or_copy(opts->pending[i] ? opts->pending[i] : "")))
				rc = strata__error_nomem();
	}
	ru.pending_known = runner || (opts && opts->since) || ru.pending;
	strata_db *live = opts && opts->version >= 3 ? opts->db : NULL;
	if (rc == STRATA_OK && live)
		rc = ru.dialect == STRATA_BACKEND_SQLITE ? strata__lint_sq_seed(&ru.sq, live)
							 : strata__lint_live_catalog(live, &ru.cat);
	const char *scratch = opts && opts->scratch_url				 ? opts->scratch_url
			      : opts && opts->config && opts->config->scratch_db ? opts->config->scratch_db
										 : NULL;
	if (rc == STRATA_OK && ru.dialect == STRATA_BACKEND_POSTGRES && scratch && *scratch)
		rc = strata__lint_pg_scratch_open(&ru.pg, scratch);
	for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
		/* With the live database, what it has applied is already in its schema. */
		if (live && opts->since && arr[i].version && strata__version_cmp(arr[i].version, opts->since) <= 0)
			continue;
		rc = lint_one(&ru, &arr[i]);
	}
	strata__lint_sq_close(&ru.sq);
	strata__lint_pg_scratch_close(&ru.pg);
	strata__lint_cat_free(&ru.cat);
	for (size_t i = 0; i < ru.npending; i++)
		free(ru.pending[i]);
	free(ru.pending);
	return rc;
}

static int by_version(const void *a, const void *b)
{
	const strata__migration *x = a, *y = b;
	int c = strata__version_cmp(x->version, y->version);
	return c ? c : strcmp(x->path, y->path);
}

int strata_lint_migration_files(strata_lint_report *r, const char *const *paths, size_t n,
				const strata_lint_options *opts)
{
	if (!r || (n && !paths))
		return strata__error_set(STRATA_EINVAL, "lint: NULL report or paths");
	if (!n)
		return STRATA_OK;
	strata__migration *arr = calloc(n, sizeof *arr);
	if (!arr)
		return strata__error_nomem();
	int rc = STRATA_OK;
	size_t got = 0;
	for (; got < n && rc == STRATA_OK; got++) {
		strata__migration *m = &arr[got];
		const char *base = strrchr(paths[got], '/');
		base = base ? base + 1 : paths[got];
		size_t dl = 0;
		while (isdigit((unsigned char)base[dl]))
			dl++;
		m->version = strata__strndup(base, dl);
		m->path = strata__strdup(paths[got]);
		if (!m->version || !m->path) {
			rc = STRATA_ENOMEM;
			break;
		}
		rc = strata__read_file(paths[got], &m->text, &m->text_len);
		if (rc == STRATA_OK)
			rc = strata__migration_parse(m->text, m->text_len, m->path, m);
	}
	if (rc == STRATA_OK) {
		qsort(arr, n, sizeof *arr, by_version);
		rc = lint_all(r, arr, n, opts, false);
	}
	strata__migrations_free(arr, n);
	return rc;
}

int strata__lint_migration_text(strata_lint_report *r, const char *file, const char *text, size_t len,
				const strata_lint_options *opts)
{
	if (!r || (!text && len))
		return strata__error_set(STRATA_EINVAL, "lint: NULL report or text");
	strata__migration m;
	memset(&m, 0, sizeof m);
	m.path = strata__strdup(file ? file : "<migration>");
	m.version = strata__strdup("0");
	m.text = strata__strndup(text ? text : "", len);
	m.text_len = len;
	int rc = m.path && m.version && m.text ? STRATA_OK : STRATA_ENOMEM;
	if (rc == STRATA_OK)
		rc = strata__migration_parse(m.text, m.text_len, m.path, &m);
	if (rc == STRATA_OK)
		rc = lint_all(r, &m, 1, opts, false);
	free(m.path);
	free(m.version);
	free(m.text);
	return rc;
}

static int lint_dir(strata_lint_report *r, const char *dir, const strata_lint_options *opts, bool runner)
{
	if (!r || !dir)
		return strata__error_set(STRATA_EINVAL, "lint: NULL report or directory");
	strata__migration *arr = NULL;
	size_t n = 0;
	int rc = strata__migrations_load(dir, mig_dialect(opts), &arr, &n);
	if (rc != STRATA_OK)
		return rc;
	rc = lint_all(r, arr, n, opts, runner);
	strata__migrations_free(arr, n);
	return rc;
}

int strata_lint_migrations_dir(strata_lint_report *r, const char *dir, const strata_lint_options *opts)
{
	return lint_dir(r, dir, opts, false);
}

/*
 * The runner's lint: of `dir` (read here), or of the files a migrator
 * read already (`files`, `nfiles`; dir is NULL).
 */
static int pending(strata_lint_report **out, strata_db *db, const char *dir, const strata__migration *files,
		   size_t nfiles, strata_backend dialect, const char *applied, const strata_lint_config *config,
		   size_t *errors)
{
	if (!out || (!dir && !files && nfiles))
		return strata__error_set(STRATA_EINVAL, "lint: NULL output or directory");
	*out = NULL;
	strata_lint_report *r;
	int rc = strata_lint_report_new(&r);
	if (rc != STRATA_OK)
		return rc;
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	o.config = config;
	o.dialect = dialect;
	o.categories = STRATA_LINT_CAT_DESTRUCTIVE | STRATA_LINT_CAT_LOCKING;
	o.since = applied;
	o.db = db;
	rc = dir ? lint_dir(r, dir, &o, true) : lint_all(r, files, nfiles, &o, true);
	if (rc != STRATA_OK) {
		strata_lint_report_free(r);
		return rc;
	}
	strata_lint_report_sort(r);
	if (errors)
		*errors = strata_lint_report_count_severity(r, STRATA_LINT_ERROR);
	*out = r;
	return STRATA_OK;
}

int strata_lint_pending(strata_lint_report **out, const char *dir, strata_backend dialect, const char *applied,
			const strata_lint_config *config, size_t *errors)
{
	if (!dir)
		return strata__error_set(STRATA_EINVAL, "lint: NULL output or directory");
	return pending(out, NULL, dir, NULL, 0, dialect, applied, config, errors);
}

int strata_lint_pending_db(strata_lint_report **out, strata_db *db, const char *dir, const char *applied,
			   const strata_lint_config *config, size_t *errors)
{
	if (!db || !dir)
		return strata__error_set(STRATA_EINVAL, "lint: NULL database or directory");
	return pending(out, db, dir, NULL, 0, strata_db_backend(db), applied, config, errors);
}

int strata_lint_pending_migrator(strata_lint_report **out, strata_migrator *m, const char *applied,
				 const strata_lint_config *config, size_t *errors)
{
	if (!m)
		return strata__error_set(STRATA_EINVAL, "lint: NULL migrator");
	return pending(out, m->db, NULL, m->files, m->nfiles, m->backend, applied, config, errors);
}
