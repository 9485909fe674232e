/*
 * SQLite migrations: a tokenizer for the statement-level rules, and a
 * scratch in-memory database the files are applied to in order, so the
 * tables and columns before and after each file can be compared (a table
 * rebuild that keeps every column is not a drop; a down section that does
 * not restore what up changed is caught).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lint/mig.h"

/* ---- the tokenizer ---- */

typedef enum tk { T_WORD, T_NAME, T_STRING, T_NUMBER, T_PUNCT } tk;

typedef struct tok {
	tk kind;
	char text[72]; /* words upper-cased; names unquoted; truncated */
	size_t at;
} tok;

static size_t skip_blank(const char *s, size_t n, size_t i)
{
	for (;;) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
			i += 2;
			while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'))
				i++;
			i = i + 2 < n ? i + 2 : n;
			continue;
		}
		return i;
	}
}

/* Tokenize a statement; *out (free()) holds *n tokens. */
static int tokenize(const char *s, size_t n, tok **out, size_t *cnt)
{
	size_t cap = 32, k = 0;
	tok *v = malloc(cap * sizeof *v);
	if (!v)
		return strata__error_nomem();
	size_t i = skip_blank(s, n, 0);
	while (i < n) {
		if (k == cap) {
			cap *= 2;
			tok *nv = realloc(v, cap * sizeof *nv);
			if (!nv) {
				free(v);
				return strata__error_nomem();
			}
			v = nv;
		}
		tok *t = &v[k++];
		t->at = i;
		size_t len = 0;
		unsigned char c = (unsigned char)s[i];
		if (isalpha(c) || c == '_' || c >= 0x80) {
			t->kind = T_WORD;
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '$' ||
					 (unsigned char)s[i] >= 0x80)) {
				if (len + 1 < sizeof t->text)
					t->text[len++] = (char)toupper((unsigned char)s[i]);
				i++;
			}
		} else if (c == '"' || c == '`' || c == '[' || c == '\'') {
			char close = c == '[' ? ']' : (char)c;
			t->kind = c == '\'' ? T_STRING : T_NAME;
			i++;
			while (i < n) {
				if (s[i] == close) {
					if (close != ']' && i + 1 < n && s[i + 1] == close) {
						i++;
					} else {
						i++;
						break;
					}
				}
				if (len + 1 < sizeof t->text)
					t->text[len++] = s[i];
				i++;
			}
		} else if (isdigit(c)) {
			t->kind = T_NUMBER;
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.'))
				if (len + 1 < sizeof t->text)
					t->text[len++] = s[i++];
				else
					i++;
		} else {
			t->kind = T_PUNCT;
			t->text[len++] = (char)c;
			i++;
		}
		t->text[len] = '\0';
		i = skip_blank(s, n, i);
	}
	*out = v;
	*cnt = k;
	return STRATA_OK;
}

static bool is(const tok *v, size_t n, size_t i, const char *w)
{
	return i < n && v[i].kind == T_WORD && strcmp(v[i].text, w) == 0;
}

/* A possibly qualified name at *i (schema.name): its last part, the original case for bare words. */
static bool name_at(const char *s, const tok *v, size_t n, size_t *i, char *buf, size_t cap)
{
	if (*i >= n || (v[*i].kind != T_WORD && v[*i].kind != T_NAME && v[*i].kind != T_STRING))
		return false;
	for (;;) {
		const tok *t = &v[*i];
		if (t->kind == T_WORD) {
			size_t l = strlen(t->text);
			if (l >= cap)
				l = cap - 1;
			memcpy(buf, s + t->at, l);
			buf[l] = '\0';
		} else {
			snprintf(buf, cap, "%s", t->text);
		}
		(*i)++;
		if (*i + 1 < n && v[*i].kind == T_PUNCT && v[*i].text[0] == '.') {
			(*i)++;
			continue;
		}
		return true;
	}
}

static int eff(mig_file *mf, const mig_stmt *st, ekind k, const char *t, const char *nm, const char *to)
{
	return strata__eff_add(mf->down ? &mf->dn : &mf->up, k, t, nm, to, st->line, st->col);
}

#define EMIT(rule, ...) strata__lint_emit(mf->ctx, (rule), st->line, st->col, __VA_ARGS__)

int strata__lint_sq_stmt(sq_run *run, mig_file *mf, const mig_stmt *st)
{
	(void)run;
	tok *v = NULL;
	size_t n = 0, i = 0;
	int rc = tokenize(st->sql, st->len, &v, &n);
	if (rc != STRATA_OK)
		return rc;
	char name[128], other[128], col[128];
	bool up = !mf->down;
	if (is(v, n, 0, "CREATE")) {
		i = 1;
		while (is(v, n, i, "TEMP") || is(v, n, i, "TEMPORARY") || is(v, n, i, "UNIQUE") || is(v, n, i, "VIRTUAL"))
			i++;
		const char *what = i < n ? v[i].text : "";
		bool table = is(v, n, i, "TABLE"), index = is(v, n, i, "INDEX");
		if (table || index || is(v, n, i, "VIEW") || is(v, n, i, "TRIGGER")) {
			char kind[80];
			snprintf(kind, sizeof kind, "%s", what);
			i++;
			bool ine = is(v, n, i, "IF") && is(v, n, i + 1, "NOT") && is(v, n, i + 2, "EXISTS");
			if (ine)
				i += 3;
			if (name_at(st->sql, v, n, &i, name, sizeof name)) {
				if (up && strlen(name) > 63)
					rc = EMIT(R_IDENT_LEN, name, "%s name '%.40s...' is longer than PostgreSQL's 63 bytes",
						  kind, name);
				if (rc == STRATA_OK && up && !ine)
					rc = EMIT(R_IF_EXISTS, name, "CREATE %s %s without IF NOT EXISTS fails when re-run",
						  kind, name);
				if (rc == STRATA_OK && table)
					rc = eff(mf, st, E_CREATE_TABLE, name, NULL, NULL);
				if (rc == STRATA_OK && index && is(v, n, i, "ON")) {
					i++;
					if (name_at(st->sql, v, n, &i, other, sizeof other))
						rc = eff(mf, st, E_CREATE_INDEX, other, name, NULL);
				}
			}
		}
	} else if (is(v, n, 0, "DROP")) {
		i = 1;
		bool table = is(v, n, i, "TABLE"), index = is(v, n, i, "INDEX");
		if (table || index || is(v, n, i, "VIEW") || is(v, n, i, "TRIGGER")) {
			char kind[80];
			snprintf(kind, sizeof kind, "%s", v[i].text);
			i++;
			bool ie = is(v, n, i, "IF") && is(v, n, i + 1, "EXISTS");
			if (ie)
				i += 2;
			if (name_at(st->sql, v, n, &i, name, sizeof name)) {
				if (up && !ie)
					rc = EMIT(R_IF_EXISTS, name, "DROP %s %s without IF EXISTS fails when re-run", kind,
						  name);
				if (rc == STRATA_OK && table)
					rc = eff(mf, st, E_DROP_TABLE, name, NULL, NULL);
				if (rc == STRATA_OK && index)
					rc = eff(mf, st, E_DROP_INDEX, "", name, NULL);
			}
		}
	} else if (is(v, n, 0, "ALTER") && is(v, n, 1, "TABLE")) {
		i = 2;
		if (name_at(st->sql, v, n, &i, name, sizeof name)) {
			if (is(v, n, i, "RENAME") && is(v, n, i + 1, "TO")) {
				i += 2;
				if (name_at(st->sql, v, n, &i, other, sizeof other))
					rc = eff(mf, st, E_RENAME_TABLE, name, NULL, other);
			} else if (is(v, n, i, "RENAME")) {
				i++;
				if (is(v, n, i, "COLUMN"))
					i++;
				if (name_at(st->sql, v, n, &i, col, sizeof col) && is(v, n, i, "TO")) {
					i++;
					if (name_at(st->sql, v, n, &i, other, sizeof other))
						rc = eff(mf, st, E_RENAME_COLUMN, name, col, other);
				}
			} else if (is(v, n, i, "ADD")) {
				i++;
				if (is(v, n, i, "COLUMN"))
					i++;
				if (name_at(st->sql, v, n, &i, col, sizeof col)) {
					bool notnull = false, dflt = false;
					if (up && strlen(col) > 63)
						rc = EMIT(R_IDENT_LEN, col,
							  "column name '%.40s...' is longer than PostgreSQL's 63 bytes", col);
					for (size_t j = i; j < n; j++) {
						if (is(v, n, j, "NOT") && is(v, n, j + 1, "NULL"))
							notnull = true;
						if (is(v, n, j, "DEFAULT") || is(v, n, j, "GENERATED") || is(v, n, j, "AS"))
							dflt = true;
					}
					char o[260];
					snprintf(o, sizeof o, "%s.%s", name, col);
					if (up && notnull && !dflt)
						rc = EMIT(R_NOT_NULL_NO_DEFAULT, o,
							  "ADD COLUMN %s NOT NULL without a default: SQLite refuses it", col);
					if (rc == STRATA_OK)
						rc = eff(mf, st, E_ADD_COLUMN, name, col, NULL);
				}
			} else if (is(v, n, i, "DROP")) {
				i++;
				if (is(v, n, i, "COLUMN"))
					i++;
				if (name_at(st->sql, v, n, &i, col, sizeof col))
					rc = eff(mf, st, E_DROP_COLUMN, name, col, NULL);
			}
		}
	} else if (is(v, n, 0, "DELETE") || is(v, n, 0, "UPDATE") ||
		   (is(v, n, 0, "WITH") && n > 0)) {
		/* Find the verb at depth 0 (after a WITH clause), the table and a WHERE at depth 0. */
		int depth = 0;
		size_t verb = n;
		bool where = false;
		for (size_t j = 0; j < n; j++) {
			if (v[j].kind == T_PUNCT && v[j].text[0] == '(')
				depth++;
			else if (v[j].kind == T_PUNCT && v[j].text[0] == ')')
				depth--;
			else if (depth == 0 && verb == n && (is(v, n, j, "DELETE") || is(v, n, j, "UPDATE")))
				verb = j;
			else if (depth == 0 && verb < n && is(v, n, j, "WHERE"))
				where = true;
		}
		if (verb < n) {
			i = verb + 1;
			if (is(v, n, i, "FROM"))
				i++;
			if (is(v, n, i, "OR"))
				i += 2;
			if (name_at(st->sql, v, n, &i, name, sizeof name)) {
				if (up && !where)
					rc = EMIT(R_DML_NO_WHERE, name, "%s on %s without WHERE changes every row",
						  v[verb].text, name);
				if (rc == STRATA_OK)
					rc = eff(mf, st, E_TOUCH, name, NULL, NULL);
			}
		}
	}
	free(v);
	return rc;
}

/* ---- the scratch database ---- */

/* A new in-memory database without foreign-key enforcement; *db is NULL when it cannot be had. */
static int open_mem(strata_db **db)
{
	*db = NULL;
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.foreign_keys = STRATA_OFF;
	o.stmt_cache_size = -1;
	int rc = strata_open(db, "sqlite::memory:", &o);
	if (rc == STRATA_ENOMEM)
		return rc;
	if (rc != STRATA_OK) {
		*db = NULL;
		strata_error_clear();
	}
	return STRATA_OK;
}

int strata__lint_sq_open(sq_run *run)
{
	memset(run, 0, sizeof *run);
	return STRATA_OK;
}

static void entry_free(sq_entry *e)
{
	free(e->type);
	free(e->name);
	free(e->tbl);
	free(e->sql);
}

void strata__lint_sq_close(sq_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		entry_free(&run->v[i]);
	free(run->v);
	memset(run, 0, sizeof *run);
}

/* The names a file touches: tables (and renamed-to tables) and indexes. */
typedef struct names {
	char **t;
	size_t nt, ct;
	char **ix;
	size_t nix, cix;
} names;

static int push_name(char ***arr, size_t *n, size_t *cap, const char *s)
{
	if (!s || !*s)
		return STRATA_OK;
	for (size_t i = 0; i < *n; i++)
		if (strata__lint_ieq((*arr)[i], s))
			return STRATA_OK;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		char **v = realloc(*arr, c * sizeof *v);
		if (!v)
			return strata__error_nomem();
		*arr = v;
		*cap = c;
	}
	if (!((*arr)[*n] = strata__strdup(s)))
		return STRATA_ENOMEM;
	(*n)++;
	return STRATA_OK;
}

static int collect(names *nm, const effects *e)
{
	int rc = STRATA_OK;
	for (size_t i = 0; i < e->n && rc == STRATA_OK; i++) {
		const effect *x = &e->v[i];
		if (x->k == E_CREATE_INDEX || x->k == E_DROP_INDEX) {
			rc = push_name(&nm->ix, &nm->nix, &nm->cix, x->name);
			if (rc == STRATA_OK && x->k == E_CREATE_INDEX)
				rc = push_name(&nm->t, &nm->nt, &nm->ct, x->table);
			continue;
		}
		rc = push_name(&nm->t, &nm->nt, &nm->ct, x->table);
		if (rc == STRATA_OK && x->k == E_RENAME_TABLE)
			rc = push_name(&nm->t, &nm->nt, &nm->ct, x->to);
	}
	return rc;
}

static void names_free(names *nm)
{
	for (size_t i = 0; i < nm->nt; i++)
		free(nm->t[i]);
	for (size_t i = 0; i < nm->nix; i++)
		free(nm->ix[i]);
	free(nm->t);
	free(nm->ix);
}

typedef struct snap {
	catalog cat;	/* the named tables that exist, with their columns */
	bool *ix;	/* which named indexes exist */
} snap;

static void snap_free(snap *s)
{
	strata__cat_free(&s->cat);
	free(s->ix);
	s->ix = NULL;
}

static int take_snap(strata_db *db, const names *nm, snap *s)
{
	memset(s, 0, sizeof s->cat);
	s->ix = calloc(nm->nix ? nm->nix : 1, sizeof *s->ix);
	if (!s->ix)
		return strata__error_nomem();
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, db, "SELECT name, type FROM pragma_table_info(?)");
	for (size_t i = 0; i < nm->nt && rc == STRATA_OK; i++) {
		strata_reset(st);
		rc = strata_bind_text(st, 1, nm->t[i], -1);
		cat_table *t = NULL;
		int step;
		while (rc == STRATA_OK && (step = strata_step(st)) == STRATA_ROW) {
			const char *cn = NULL, *ct = NULL;
			size_t l;
			if (strata_column_text(st, 0, &cn, &l) != STRATA_OK || strata_column_text(st, 1, &ct, &l) != STRATA_OK)
				break;
			if (!t)
				rc = strata__cat_add_table(&s->cat, nm->t[i], &t);
			if (rc == STRATA_OK)
				rc = strata__cat_set_col(t, cn, ct ? ct : "");
		}
	}
	strata_finalize(st);
	st = NULL;
	if (rc == STRATA_OK && nm->nix)
		rc = strata_prepare(&st, db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ? COLLATE NOCASE");
	for (size_t i = 0; i < nm->nix && rc == STRATA_OK; i++) {
		strata_reset(st);
		rc = strata_bind_text(st, 1, nm->ix[i], -1);
		int64_t c = 0;
		if (rc == STRATA_OK && strata_step(st) == STRATA_ROW && strata_column_int64(st, 0, &c) == STRATA_OK)
			s->ix[i] = c > 0;
	}
	strata_finalize(st);
	if (rc != STRATA_OK && rc != STRATA_ENOMEM) {
		/* A catalog read on the scratch database failed: compare nothing. */
		strata_error_clear();
		rc = STRATA_OK;
	}
	return rc;
}

static bool skip_stmt(const char *sql)
{
	static const char *const tx[] = { "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", NULL };
	for (const char *const *w = tx; *w; w++) {
		size_t l = strlen(*w);
		if (strata__lint_ieqn(sql, *w, l) && !isalnum((unsigned char)sql[l]) && sql[l] != '_')
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
					       "fails on a scratch SQLite database after the earlier migrations: %s",
					       e->message);
		strata_error_clear();
	}
	return rc;
}

/* Where to point a finding about table t (and column c): the statement that did it. */
static const effect *where(const effects *e, const char *t, const char *c)
{
	const effect *x = NULL;
	if (c)
		x = strata__eff_find(e, E_DROP_COLUMN, t, c);
	if (!x)
		x = strata__eff_find(e, E_DROP_TABLE, t, NULL);
	if (!x)
		x = strata__eff_find(e, E_TOUCH, t, NULL);
	if (!x) {
		for (size_t i = 0; i < e->n && !x; i++)
			if (strata__lint_ieq(e->v[i].table, t))
				x = &e->v[i];
	}
	return x;
}

static const effect *renamed_col(const effects *e, const char *t, const char *c)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].k == E_RENAME_COLUMN && strata__lint_ieq(e->v[i].table, t) && e->v[i].name &&
		    strata__lint_ieq(e->v[i].name, c))
			return &e->v[i];
	return NULL;
}

static int compare_up(mig_file *mf, const snap *a, const snap *b)
{
	lint_ctx *ctx = mf->ctx;
	const effects *e = &mf->up;
	int rc = STRATA_OK;
	for (size_t i = 0; i < a->cat.n && rc == STRATA_OK; i++) {
		cat_table *ta = &a->cat.t[i];
		cat_table *tb = strata__cat_table((catalog *)&b->cat, ta->name);
		const effect *x = where(e, ta->name, NULL);
		int line = x ? x->line : mf->m->up.line, col = x ? x->col : 1;
		/* A rename whose old name is back at the end (a rebuild through a temporary name) breaks nothing. */
		const effect *rn = tb ? NULL : strata__eff_find(e, E_RENAME_TABLE, ta->name, NULL);
		if (rn)
			rc = strata__lint_emit(ctx, R_RENAME_TABLE, rn->line, rn->col, ta->name,
					       "renaming table %s to %s breaks code that still uses %s", ta->name, rn->to,
					       ta->name);
		if (rc != STRATA_OK)
			break;
		if (!tb) {
			if (rn)
				continue;
			rc = strata__lint_emit(ctx, R_DROP_TABLE, line, col, ta->name, "table %s is dropped with its rows",
					       ta->name);
			if (rc == STRATA_OK && strata__schema_has(mf->schema, ta->name, NULL))
				rc = strata__lint_emit(ctx, R_DROP_SCHEMA_COL, line, col, ta->name,
						       "table %s is dropped but the schema file still has it", ta->name);
			continue;
		}
		for (size_t c = 0; c < ta->ncols && rc == STRATA_OK; c++) {
			const cat_col *ca = &ta->cols[c];
			const cat_col *cb = strata__cat_col(tb, ca->name);
			char o[260];
			snprintf(o, sizeof o, "%s.%s", ta->name, ca->name);
			const effect *y = where(e, ta->name, ca->name);
			int l2 = y ? y->line : line, c2 = y ? y->col : col;
			if (!cb) {
				const effect *rc2 = renamed_col(e, ta->name, ca->name);
				if (rc2) {
					rc = strata__lint_emit(ctx, R_RENAME_COLUMN, rc2->line, rc2->col, o,
							       "renaming column %s to %s breaks code that still uses %s", o,
							       rc2->to, ca->name);
					continue;
				}
				rc = strata__lint_emit(ctx, R_DROP_COLUMN, l2, c2, o, "column %s is dropped with its data", o);
				if (rc == STRATA_OK && strata__schema_has(mf->schema, ta->name, ca->name))
					rc = strata__lint_emit(ctx, R_DROP_SCHEMA_COL, l2, c2, o,
							       "column %s is dropped but the schema file still has it", o);
			} else if (!strata__lint_ieq(ca->type, cb->type) &&
				   strata__type_narrows(ca->type, cb->type, STRATA_BACKEND_SQLITE)) {
				rc = strata__lint_emit(ctx, R_NARROWING, l2, c2, o,
						       "column %s changes from %s to %s, which can lose data", o, ca->type,
						       cb->type);
			}
		}
	}
	return rc;
}

static int compare_down(mig_file *mf, const names *nm, const snap *a, const snap *c)
{
	lint_ctx *ctx = mf->ctx;
	int line = mf->m->down.line, rc = STRATA_OK;
	for (size_t i = 0; i < nm->nt && rc == STRATA_OK; i++) {
		const char *t = nm->t[i];
		cat_table *ta = strata__cat_table((catalog *)&a->cat, t), *tc = strata__cat_table((catalog *)&c->cat, t);
		if (!ta && tc) {
			rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, t,
					       "after up and down, table %s exists; it did not before", t);
		} else if (ta && !tc) {
			rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, t,
					       "after up and down, table %s is missing; it existed before", t);
		} else if (ta && tc) {
			for (size_t k = 0; k < ta->ncols && rc == STRATA_OK; k++) {
				cat_col *cc = strata__cat_col(tc, ta->cols[k].name);
				if (!cc)
					rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, t,
							       "after up and down, column %s.%s is missing", t,
							       ta->cols[k].name);
				else if (!strata__lint_ieq(cc->type, ta->cols[k].type))
					rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, t,
							       "after up and down, column %s.%s is %s; it was %s", t,
							       ta->cols[k].name, cc->type, ta->cols[k].type);
			}
			for (size_t k = 0; k < tc->ncols && rc == STRATA_OK; k++)
				if (!strata__cat_col(ta, tc->cols[k].name))
					rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, t,
							       "after up and down, column %s.%s is left behind", t,
							       tc->cols[k].name);
		}
	}
	for (size_t i = 0; i < nm->nix && rc == STRATA_OK; i++)
		if (a->ix[i] != c->ix[i])
			rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, nm->ix[i],
					       "after up and down, index %s %s", nm->ix[i],
					       c->ix[i] ? "is left behind" : "is missing");
	return rc;
}

/*
 * Every file is applied to a small in-memory work database that holds only
 * the tables the file names (and what their triggers and views name),
 * copied from the schema the earlier files built (kept as sqlite_master
 * rows); afterwards the work database's schema replaces those tables.
 * SQLite re-reads its whole schema on every ALTER TABLE, so one database
 * holding the whole history would cost tens of milliseconds a statement
 * once it has hundreds of tables.
 */

typedef struct strset {
	char **v;
	size_t n, cap;
} strset;

static int set_add(strset *s, const char *x, size_t len)
{
	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 64;
		char **v = realloc(s->v, c * sizeof *v);
		if (!v)
			return strata__error_nomem();
		s->v = v;
		s->cap = c;
	}
	char *d = strata__strndup(x, len);
	if (!d)
		return STRATA_ENOMEM;
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	s->v[s->n++] = d;
	return STRATA_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_sort(strset *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, cmp_str);
}

static bool set_has(const strset *s, const char *x)
{
	char low[256];
	size_t n = strlen(x);
	if (n >= sizeof low)
		return false;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)x[i]);
	const char *k = low;
	return s->n && bsearch(&k, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

static void set_free(strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* The identifiers (words and quoted names) of SQL text. */
static int add_idents(strset *s, const char *sql, size_t len)
{
	tok *v = NULL;
	size_t n = 0;
	int rc = tokenize(sql, len, &v, &n);
	for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
		if (v[i].kind == T_WORD)
			rc = set_add(s, sql + v[i].at, strlen(v[i].text));
		else if (v[i].kind == T_NAME)
			rc = set_add(s, v[i].text, strlen(v[i].text));
	}
	free(v);
	return rc;
}

static const char schema_sql[] = "SELECT type, name, tbl_name, sql FROM sqlite_master "
				 "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
				 "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 "
				 "ELSE 3 END, rowid";

/*
 * Which tables of the history the file needs: every table whose name, or
 * the name of one of its indexes or triggers, the file mentions; then what
 * the triggers and views of those mention, until nothing is added.
 */
static int pick_tables(const sq_run *run, strset *words, strset *tables)
{
	int rc = STRATA_OK;
	for (int round = 0; round < 8 && rc == STRATA_OK; round++) {
		set_sort(words);
		set_sort(tables);
		size_t before = tables->n;
		for (size_t i = 0; i < run->n && rc == STRATA_OK; i++) {
			const sq_entry *e = &run->v[i];
			if (!set_has(tables, e->tbl) && (set_has(words, e->name) || set_has(words, e->tbl))) {
				rc = set_add(tables, e->tbl, strlen(e->tbl));
				set_sort(tables);
			}
		}
		if (tables->n == before)
			break;
		/* The triggers and views of the tables picked may name further tables. */
		for (size_t i = 0; i < run->n && rc == STRATA_OK; i++) {
			const sq_entry *e = &run->v[i];
			if (strcmp(e->type, "table") != 0 && strcmp(e->type, "index") != 0 && set_has(tables, e->tbl))
				rc = add_idents(words, e->sql, strlen(e->sql));
		}
	}
	return rc;
}

/* Create the history's entries of `tables` in the work database, tables first; failures are ignored. */
static int copy_in(const sq_run *run, strata_db *work, const strset *tables)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < run->n; i++) {
			const sq_entry *e = &run->v[i];
			if ((strcmp(e->type, "table") == 0) != (pass == 0) || !set_has(tables, e->tbl))
				continue;
			if (strata_exec(work, e->sql) != STRATA_OK) {
				if (strata_error_last()->status == STRATA_ENOMEM)
					return STRATA_ENOMEM;
				strata_error_clear();
			}
		}
	return STRATA_OK;
}

static int dupe(char **dst, const char *s)
{
	*dst = strata__strdup(s ? s : "");
	return *dst ? STRATA_OK : STRATA_ENOMEM;
}

/* Replace the history's entries of `tables` with the work database's schema. */
static int copy_out(sq_run *run, strata_db *work, const strset *tables)
{
	size_t w = 0;
	for (size_t i = 0; i < run->n; i++) {
		if (set_has(tables, run->v[i].tbl))
			entry_free(&run->v[i]);
		else
			run->v[w++] = run->v[i];
	}
	run->n = w;
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, work, schema_sql);
	while (rc == STRATA_OK && strata_step(st) == STRATA_ROW) {
		const char *c[4];
		size_t l;
		if (strata_column_text(st, 0, &c[0], &l) || strata_column_text(st, 1, &c[1], &l) ||
		    strata_column_text(st, 2, &c[2], &l) || strata_column_text(st, 3, &c[3], &l))
			break;
		if (run->n == run->cap) {
			size_t cap = run->cap ? run->cap * 2 : 64;
			sq_entry *v = realloc(run->v, cap * sizeof *v);
			if (!v) {
				rc = strata__error_nomem();
				break;
			}
			run->v = v;
			run->cap = cap;
		}
		sq_entry *e = &run->v[run->n];
		memset(e, 0, sizeof *e);
		rc = dupe(&e->type, c[0]);
		if (rc == STRATA_OK)
			rc = dupe(&e->name, c[1]);
		if (rc == STRATA_OK)
			rc = dupe(&e->tbl, c[2]);
		if (rc == STRATA_OK)
			rc = dupe(&e->sql, c[3]);
		if (rc != STRATA_OK)
			entry_free(e);
		else
			run->n++;
	}
	strata_finalize(st);
	return rc;
}

int strata__lint_sq_apply(sq_run *run, mig_file *mf, const mig_stmt *up, size_t nup, const mig_stmt *dn,
			  size_t ndn)
{
	names nm;
	memset(&nm, 0, sizeof nm);
	snap s0, s1, s2;
	memset(&s0, 0, sizeof s0);
	memset(&s1, 0, sizeof s1);
	memset(&s2, 0, sizeof s2);
	strset words, tables;
	memset(&words, 0, sizeof words);
	memset(&tables, 0, sizeof tables);
	strata_db *work = NULL;
	int rc = collect(&nm, &mf->up);
	if (rc == STRATA_OK)
		rc = collect(&nm, &mf->dn);
	for (size_t i = 0; i < nup && rc == STRATA_OK; i++)
		rc = add_idents(&words, up[i].sql, up[i].len);
	for (size_t i = 0; i < ndn && rc == STRATA_OK; i++)
		rc = add_idents(&words, dn[i].sql, dn[i].len);
	if (rc == STRATA_OK)
		rc = pick_tables(run, &words, &tables);
	if (rc == STRATA_OK)
		rc = open_mem(&work);
	if (rc != STRATA_OK || !work)
		goto done;
	/* The tables are empty, but a recursive query needs none to run for ever. */
	strata_db_set_timeout(work, 2000);
	rc = copy_in(run, work, &tables);

	bool quiet = mf->ctx->quiet;
	if (rc == STRATA_OK && !quiet)
		rc = take_snap(work, &nm, &s0);
	if (rc == STRATA_OK)
		rc = exec_all(work, mf, up, nup, true);
	if (rc == STRATA_OK && !quiet)
		rc = take_snap(work, &nm, &s1);
	if (rc == STRATA_OK && !quiet)
		rc = compare_up(mf, &s0, &s1);
	if (rc == STRATA_OK && !quiet && mf->m->down.present && strata__lint_enabled(mf->ctx, R_DOWN_INVERSE)) {
		rc = exec_all(work, mf, dn, ndn, true);
		if (rc == STRATA_OK)
			rc = take_snap(work, &nm, &s2);
		if (rc == STRATA_OK)
			rc = compare_down(mf, &nm, &s0, &s2);
		if (rc == STRATA_OK)
			rc = exec_all(work, mf, up, nup, false);
	}
	/* Back into the history: the tables the file had, replaced by what it left. */
	if (rc == STRATA_OK)
		rc = copy_out(run, work, &tables);
done:
	strata_close(work);
	set_free(&words);
	set_free(&tables);
	snap_free(&s0);
	snap_free(&s1);
	snap_free(&s2);
	names_free(&nm);
	return rc;
}
