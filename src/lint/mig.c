/*
 * Migration linting: files in version order, sections split into
 * statements, each handed to the dialect's analyser (pg.c, sqlite.c);
 * effects, the replayed catalog and type narrowing shared by both.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/env.h"
#include "core/error.h"
#include "lint/mig.h"

/* ---- effects ---- */

int strata__eff_add(effects *e, ekind k, const char *table, const char *name, const char *to, int line, int col)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		effect *v = realloc(e->v, cap * sizeof *v);
		if (!v)
			return strata__error_nomem();
		e->v = v;
		e->cap = cap;
	}
	effect *x = &e->v[e->n];
	memset(x, 0, sizeof *x);
	x->k = k;
	x->line = line;
	x->col = col;
	x->table = strata__strdup(table ? table : "");
	x->name = name ? strata__strdup(name) : NULL;
	x->to = to ? strata__strdup(to) : NULL;
	if (!x->table || (name && !x->name) || (to && !x->to)) {
		free(x->table);
		free(x->name);
		free(x->to);
		return STRATA_ENOMEM;
	}
	e->n++;
	return STRATA_OK;
}

const effect *strata__eff_find(const effects *e, ekind k, const char *table, const char *name)
{
	for (size_t i = 0; i < e->n; i++) {
		const effect *x = &e->v[i];
		if (x->k != k || !strata__lint_ieq(x->table, table))
			continue;
		if (name && !(x->name && strata__lint_ieq(x->name, name)))
			continue;
		return x;
	}
	return NULL;
}

void strata__eff_free(effects *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].table);
		free(e->v[i].name);
		free(e->v[i].to);
	}
	free(e->v);
	memset(e, 0, sizeof *e);
}

/* ---- the catalog ---- */

cat_table *strata__cat_table(catalog *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strata__lint_ieq(c->t[i].name, name))
			return &c->t[i];
	return NULL;
}

int strata__cat_add_table(catalog *c, const char *name, cat_table **out)
{
	cat_table *t = strata__cat_table(c, name);
	if (!t) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			cat_table *v = realloc(c->t, cap * sizeof *v);
			if (!v)
				return strata__error_nomem();
			c->t = v;
			c->cap = cap;
		}
		t = &c->t[c->n];
		memset(t, 0, sizeof *t);
		if (!(t->name = strata__strdup(name)))
			return STRATA_ENOMEM;
		c->n++;
	}
	*out = t;
	return STRATA_OK;
}

static void cat_table_free(cat_table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type);
	}
	free(t->cols);
	free(t->name);
}

void strata__cat_drop_table(catalog *c, const char *name)
{
	cat_table *t = strata__cat_table(c, name);
	if (!t)
		return;
	cat_table_free(t);
	*t = c->t[--c->n];
}

cat_col *strata__cat_col(cat_table *t, const char *name)
{
	for (size_t i = 0; t && i < t->ncols; i++)
		if (strata__lint_ieq(t->cols[i].name, name))
			return &t->cols[i];
	return NULL;
}

int strata__cat_set_col(cat_table *t, const char *name, const char *type)
{
	char *ty = strata__strdup(type ? type : "");
	if (!ty)
		return STRATA_ENOMEM;
	cat_col *c = strata__cat_col(t, name);
	if (c) {
		free(c->type);
		c->type = ty;
		return STRATA_OK;
	}
	if (t->ncols == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		cat_col *v = realloc(t->cols, cap * sizeof *v);
		if (!v) {
			free(ty);
			return strata__error_nomem();
		}
		t->cols = v;
		t->cap = cap;
	}
	char *nm = strata__strdup(name);
	if (!nm) {
		free(ty);
		return STRATA_ENOMEM;
	}
	t->cols[t->ncols].name = nm;
	t->cols[t->ncols].type = ty;
	t->ncols++;
	return STRATA_OK;
}

void strata__cat_drop_col(cat_table *t, const char *name)
{
	cat_col *c = strata__cat_col(t, name);
	if (!c)
		return;
	free(c->name);
	free(c->type);
	*c = t->cols[--t->ncols];
}

int strata__cat_rename_table(catalog *c, const char *from, const char *to)
{
	cat_table *t = strata__cat_table(c, from);
	if (!t)
		return STRATA_OK;
	strata__cat_drop_table(c, to);
	t = strata__cat_table(c, from);
	char *nm = strata__strdup(to);
	if (!nm)
		return STRATA_ENOMEM;
	free(t->name);
	t->name = nm;
	return STRATA_OK;
}

void strata__cat_free(catalog *c)
{
	for (size_t i = 0; i < c->n; i++)
		cat_table_free(&c->t[i]);
	free(c->t);
	memset(c, 0, sizeof *c);
}

/* ---- types ---- */

typedef enum tfam { F_OTHER, F_INT, F_FLOAT, F_NUMERIC, F_TEXT, F_BOOL } tfam;

typedef struct ptype {
	char base[48];
	int mods[2], nmods;
	tfam fam;
	int rank; /* integers: bytes; floats: bytes; text: 0 char, 1 varchar, 2 text */
} ptype;

static void parse_type(const char *s, strata_backend d, ptype *t)
{
	memset(t, 0, sizeof *t);
	size_t n = 0;
	while (*s && isspace((unsigned char)*s))
		s++;
	while (*s && *s != '(' && *s != '[' && n + 1 < sizeof t->base) {
		char c = (char)tolower((unsigned char)*s++);
		if (isspace((unsigned char)c) && n && t->base[n - 1] == ' ')
			continue;
		t->base[n++] = isspace((unsigned char)c) ? ' ' : c;
	}
	while (n && t->base[n - 1] == ' ')
		n--;
	t->base[n] = '\0';
	if (*s == '(') {
		s++;
		while (*s && *s != ')' && t->nmods < 2) {
			while (*s && !isdigit((unsigned char)*s) && *s != ')')
				s++;
			if (isdigit((unsigned char)*s))
				t->mods[t->nmods++] = atoi(s);
			while (isdigit((unsigned char)*s))
				s++;
		}
	}
	const char *b = t->base;
	if (!strcmp(b, "int2") || !strcmp(b, "smallint")) {
		t->fam = F_INT;
		t->rank = 2;
	} else if (!strcmp(b, "int4") || !strcmp(b, "int") || !strcmp(b, "integer") || !strcmp(b, "serial") ||
		   !strcmp(b, "serial4")) {
		t->fam = F_INT;
		t->rank = d == STRATA_BACKEND_SQLITE ? 8 : 4;
	} else if (!strcmp(b, "int8") || !strcmp(b, "bigint") || !strcmp(b, "bigserial") || !strcmp(b, "serial8")) {
		t->fam = F_INT;
		t->rank = 8;
	} else if (!strcmp(b, "float4") || !strcmp(b, "real")) {
		t->fam = F_FLOAT;
		t->rank = d == STRATA_BACKEND_SQLITE ? 8 : 4;
	} else if (!strcmp(b, "float8") || !strcmp(b, "double precision") || !strcmp(b, "double") ||
		   !strcmp(b, "float")) {
		t->fam = F_FLOAT;
		t->rank = 8;
	} else if (!strcmp(b, "numeric") || !strcmp(b, "decimal")) {
		t->fam = F_NUMERIC;
	} else if (!strcmp(b, "text") || !strcmp(b, "clob") || !strcmp(b, "citext")) {
		t->fam = F_TEXT;
		t->rank = 2;
	} else if (!strcmp(b, "varchar") || !strcmp(b, "character varying") || !strcmp(b, "nvarchar")) {
		t->fam = F_TEXT;
		t->rank = t->nmods ? 1 : 2;
	} else if (!strcmp(b, "char") || !strcmp(b, "character") || !strcmp(b, "bpchar") || !strcmp(b, "nchar")) {
		t->fam = F_TEXT;
		t->rank = 0;
		if (!t->nmods) {
			t->mods[0] = 1;
			t->nmods = 1;
		}
	} else if (!strcmp(b, "bool") || !strcmp(b, "boolean")) {
		t->fam = F_BOOL;
	}
}

bool strata__type_narrows(const char *from, const char *to, strata_backend d)
{
	if (!from || !to || !*from || !*to)
		return false;
	ptype a, b;
	parse_type(from, d, &a);
	parse_type(to, d, &b);
	bool a_arr = strchr(from, '[') != NULL, b_arr = strchr(to, '[') != NULL;
	if (a_arr != b_arr)
		return true;
	if (a.fam == F_OTHER || b.fam == F_OTHER)
		return strcmp(a.base, b.base) != 0 && (a.fam == F_TEXT || b.fam != F_TEXT);
	if (a.fam == F_TEXT) {
		if (b.fam != F_TEXT)
			return true; /* text to a number or bool can fail */
		bool a_lim = a.rank < 2, b_lim = b.rank < 2;
		if (b_lim && !a_lim)
			return true;
		return a_lim && b_lim && b.mods[0] < a.mods[0];
	}
	if (b.fam == F_TEXT)
		return false; /* anything fits in text */
	if (b.fam == F_BOOL)
		return a.fam != F_BOOL;
	if (a.fam == F_BOOL)
		return false;
	if (a.fam == F_INT && b.fam == F_INT)
		return b.rank < a.rank;
	if (a.fam == F_FLOAT && b.fam == F_FLOAT)
		return b.rank < a.rank;
	if (a.fam == F_NUMERIC && b.fam == F_NUMERIC) {
		if (!b.nmods)
			return false;
		if (!a.nmods)
			return true;
		int as = a.nmods > 1 ? a.mods[1] : 0, bs = b.nmods > 1 ? b.mods[1] : 0;
		return b.mods[0] - bs < a.mods[0] - as || bs < as;
	}
	if (b.fam == F_INT)
		return true; /* a fraction or a wider number into an integer */
	if (a.fam == F_NUMERIC && b.fam == F_FLOAT)
		return true; /* exact to inexact */
	if (a.fam == F_INT && b.fam == F_FLOAT)
		return a.rank == 8 || b.rank == 4;
	if (a.fam == F_INT && b.fam == F_NUMERIC)
		return b.nmods > 0 && b.mods[0] - (b.nmods > 1 ? b.mods[1] : 0) < (a.rank == 2 ? 5 : a.rank == 4 ? 10 : 19);
	if (a.fam == F_FLOAT && b.fam == F_NUMERIC)
		return b.nmods > 0;
	return false;
}

bool strata__type_cheap_change(const char *from, const char *to)
{
	if (!from || !to)
		return false;
	ptype a, b;
	parse_type(from, STRATA_BACKEND_POSTGRES, &a);
	parse_type(to, STRATA_BACKEND_POSTGRES, &b);
	bool a_vc = !strcmp(a.base, "varchar") || !strcmp(a.base, "character varying");
	if (!a_vc && strcmp(a.base, "text") != 0)
		return false;
	if (!strcmp(b.base, "text"))
		return true;
	bool b_vc = !strcmp(b.base, "varchar") || !strcmp(b.base, "character varying");
	if (!b_vc)
		return false;
	if (!b.nmods)
		return true;
	return a_vc && a.nmods && b.mods[0] >= a.mods[0];
}

bool strata__schema_has(const strata_schema *s, const char *table, const char *column)
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

/* ---- files ---- */

/* Split a section into statements with their file positions. */
static int split_section(const strata__migration *m, const strata__mig_section *sec, strata_backend d,
			 mig_stmt **out, size_t *n)
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
	mig_stmt *v = np ? calloc(np, sizeof *v) : NULL;
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

static void free_stmts(mig_stmt *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)v[i].sql);
	free(v);
}

typedef struct run {
	strata_lint_report *r;
	const strata_lint_options *opts;
	strata_backend dialect;
	pg_run pg;
	sq_run sq;
} run;

static int lint_one(run *ru, const strata__migration *m)
{
	lint_ctx ctx;
	unsigned dial = ru->dialect == STRATA_BACKEND_POSTGRES ? STRATA_LINT_POSTGRES : STRATA_LINT_SQLITE;
	strata__lint_ctx_init(&ctx, ru->r, ru->opts, m->path, dial);
	if (ru->opts && ru->opts->since && m->version && strata__version_cmp(m->version, ru->opts->since) <= 0)
		ctx.quiet = true;
	mig_file mf;
	memset(&mf, 0, sizeof mf);
	mf.ctx = &ctx;
	mf.m = m;
	mf.schema = ru->opts ? ru->opts->schema : NULL;
	mf.up_tx = m->up.transaction;

	mig_stmt *up = NULL, *dn = NULL;
	size_t nup = 0, ndn = 0;
	int rc = split_section(m, &m->up, ru->dialect, &up, &nup);
	if (rc == STRATA_OK)
		rc = split_section(m, &m->down, ru->dialect, &dn, &ndn);
	if (rc != STRATA_OK)
		goto done;
	if (!m->down.present)
		rc = strata__lint_emit(&ctx, R_REQUIRE_DOWN, m->up.line, 1, NULL,
				       "migration has no `-- migrate:down` section");
	for (size_t i = 0; i < nup && rc == STRATA_OK; i++)
		rc = ru->dialect == STRATA_BACKEND_POSTGRES ? strata__lint_pg_stmt(&ru->pg, &mf, &up[i])
							    : strata__lint_sq_stmt(&ru->sq, &mf, &up[i]);
	mf.down = true;
	for (size_t i = 0; i < ndn && rc == STRATA_OK; i++)
		rc = ru->dialect == STRATA_BACKEND_POSTGRES ? strata__lint_pg_stmt(&ru->pg, &mf, &dn[i])
							    : strata__lint_sq_stmt(&ru->sq, &mf, &dn[i]);
	mf.down = false;
	if (rc == STRATA_OK && ru->dialect == STRATA_BACKEND_POSTGRES)
		rc = ru->pg.scratch ? strata__lint_pg_scratch_apply(&ru->pg, &mf, up, nup, dn, ndn)
				    : strata__lint_pg_file_end(&ru->pg, &mf);
	else if (rc == STRATA_OK)
		rc = strata__lint_sq_apply(&ru->sq, &mf, up, nup, dn, ndn);
	if (rc == STRATA_OK && !ctx.quiet)
		rc = strata__lint_suppress(&ctx, m->text, m->text_len);
done:
	free_stmts(up, nup);
	free_stmts(dn, ndn);
	strata__eff_free(&mf.up);
	strata__eff_free(&mf.dn);
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

static int lint_all(strata_lint_report *r, strata__migration *arr, size_t n, const strata_lint_options *opts)
{
	run ru;
	memset(&ru, 0, sizeof ru);
	ru.r = r;
	ru.opts = opts;
	ru.dialect = mig_dialect(opts);
	int rc = STRATA_OK;
	if (ru.dialect == STRATA_BACKEND_SQLITE)
		rc = strata__lint_sq_open(&ru.sq);
	const char *scratch = opts && opts->scratch_url ? opts->scratch_url
			      : opts && opts->config && opts->config->scratch_db ? opts->config->scratch_db
										    : NULL;
	if (rc == STRATA_OK && ru.dialect == STRATA_BACKEND_POSTGRES && scratch && *scratch)
		rc = strata__lint_pg_scratch_open(&ru.pg, scratch);
	for (size_t i = 0; i < n && rc == STRATA_OK; i++)
		rc = lint_one(&ru, &arr[i]);
	strata__lint_sq_close(&ru.sq);
	strata__lint_pg_scratch_close(&ru.pg);
	strata__cat_free(&ru.pg.cat);
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
		rc = lint_all(r, arr, n, opts);
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
		rc = lint_all(r, &m, 1, opts);
	free(m.path);
	free(m.version);
	free(m.text);
	return rc;
}

int strata_lint_migrations_dir(strata_lint_report *r, const char *dir, const strata_lint_options *opts)
{
	if (!r || !dir)
		return strata__error_set(STRATA_EINVAL, "lint: NULL report or directory");
	strata__migration *arr = NULL;
	size_t n = 0;
	int rc = strata__migrations_load(dir, mig_dialect(opts), &arr, &n);
	if (rc != STRATA_OK)
		return rc;
	rc = lint_all(r, arr, n, opts);
	strata__migrations_free(arr, n);
	return rc;
}

int strata_lint_pending(strata_lint_report **out, const char *dir, strata_backend dialect, const char *applied,
			const strata_lint_config *config, size_t *errors)
{
	if (!out || !dir)
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
	rc = strata_lint_migrations_dir(r, dir, &o);
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
