/*
 * SQLite introspection: sqlite_schema and the table_xinfo, index_list,
 * index_info and foreign_key_list pragmas (as table-valued functions, so
 * names are bound, never pasted).  CHECK constraints and constraint names
 * have no pragma: they are read from the CREATE TABLE text, with a small
 * tokenizer that knows SQLite's quoting.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/log.h"
#include "inspect/inspect.h"
#include "sql/ddl.h"

/* ---- the CREATE TABLE text ---- */

typedef struct tok {
	const char *p;
	size_t n;
	char kind; /* 'w' word, 'q' quoted name, 's' string, or the punctuation itself */
} tok;

typedef struct lexer {
	const char *p, *end;
} lexer;

static bool lex(lexer *l, tok *t)
{
	while (l->p < l->end && (isspace((unsigned char)*l->p)))
		l->p++;
	if (l->p < l->end - 1 && l->p[0] == '-' && l->p[1] == '-') {
		while (l->p < l->end && *l->p != '\n')
			l->p++;
		return lex(l, t);
	}
	if (l->p < l->end - 1 && l->p[0] == '/' && l->p[1] == '*') {
		const char *e = strstr(l->p + 2, "*/");
		l->p = e && e < l->end ? e + 2 : l->end;
		return lex(l, t);
	}
	if (l->p >= l->end)
		return false;
	t->p = l->p;
	char c = *l->p;
	if (c == '\'' || c == '"' || c == '`' || c == '[') {
		char close = c == '[' ? ']' : c;
		const char *q = l->p + 1;
		for (; q < l->end; q++) {
			if (*q == close) {
				if (close != ']' && q + 1 < l->end && q[1] == close) {
					q++;
					continue;
				}
				break;
			}
		}
		l->p = q < l->end ? q + 1 : l->end;
		t->kind = c == '\'' ? 's' : 'q';
	} else if (isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80) {
		while (l->p < l->end && (isalnum((unsigned char)*l->p) || *l->p == '_' || (unsigned char)*l->p >= 0x80))
			l->p++;
		t->kind = 'w';
	} else {
		l->p++;
		t->kind = c;
	}
	t->n = (size_t)(l->p - t->p);
	return true;
}

static bool word_is(const tok *t, const char *w)
{
	return t->kind == 'w' && t->n == strlen(w) && strncasecmp(t->p, w, t->n) == 0;
}

/* A name token unquoted into the arena. */
static char *tok_name(strata_schema *s, const tok *t)
{
	if (t->kind != 'q')
		return strata__sndup(s, t->p, t->n);
	char *out = strata__alloc(s, t->n + 1);
	if (!out)
		return NULL;
	char close = t->p[0] == '[' ? ']' : t->p[0];
	size_t j = 0;
	for (size_t i = 1; i + 1 < t->n; i++) {
		out[j++] = t->p[i];
		if (t->p[i] == close && close != ']')
			i++;
	}
	out[j] = '\0';
	return out;
}

/* After '(': the text up to the matching ')', trimmed, into the arena; the lexer moves past it. */
static char *paren_text(strata_schema *s, lexer *l)
{
	const char *start = l->p;
	int depth = 1;
	tok t;
	while (lex(l, &t)) {
		if (t.kind == '(')
			depth++;
		else if (t.kind == ')' && --depth == 0) {
			const char *a = start, *b = t.p;
			while (a < b && isspace((unsigned char)*a))
				a++;
			while (b > a && isspace((unsigned char)b[-1]))
				b--;
			return strata__sndup(s, a, (size_t)(b - a));
		}
	}
	return NULL;
}

/* (a, b) names into a list. */
static int paren_names(strata_schema *s, lexer *l, const char ***out, int *n)
{
	tok t;
	while (lex(l, &t) && t.kind != ')') {
		if (t.kind == 'w' || t.kind == 'q') {
			char *nm = tok_name(s, &t);
			if (!nm || strata__push_str(s, out, n, nm))
				return STRATA_ENOMEM;
		}
	}
	return STRATA_OK;
}

typedef struct named_check {
	const char *column; /* NULL: table-level */
	const char *name;   /* NULL: unnamed */
	const char *expr;
} named_check;

typedef struct named_cols {
	const char *name;
	const char **cols;
	int ncols;
} named_cols;

/* What a column's text says that no pragma tells: its collation, its generated expression. */
typedef struct column_text {
	const char *column;
	const char *collation;
	const char *generated;
	bool stored;
} column_text;

typedef struct table_text {
	column_text *cols;
	int ncols;
	named_check *checks;
	int nchecks;
	named_cols *uniques;
	int nuniques;
	named_cols *fkeys;
	int nfkeys;
	bool autoincrement;
} table_text;

static int parse_create_table(strata_schema *s, const char *sql, table_text *tt)
{
	lexer l = { sql, sql + strlen(sql) };
	tok t;
	memset(tt, 0, sizeof *tt);
	while (lex(&l, &t) && t.kind != '(')
		;
	bool at_start = true;
	const char *column = NULL, *pending = NULL;
	bool table_constraint = false;
	int depth = 1;
	while (depth > 0 && lex(&l, &t)) {
		if (t.kind == ')') {
			depth--;
			continue;
		}
		if (t.kind == ',') {
			at_start = true;
			continue;
		}
		if (at_start) {
			at_start = false;
			pending = NULL;
			table_constraint = word_is(&t, "CONSTRAINT") || word_is(&t, "PRIMARY") ||
					   word_is(&t, "UNIQUE") || word_is(&t, "CHECK") || word_is(&t, "FOREIGN");
			if (!table_constraint) {
				if (!(column = tok_name(s, &t)))
					return STRATA_ENOMEM;
				continue;
			}
			column = NULL;
		}
		if (word_is(&t, "CONSTRAINT")) {
			tok nt;
			if (!lex(&l, &nt))
				break;
			if (!(pending = tok_name(s, &nt)))
				return STRATA_ENOMEM;
			continue;
		}
		column_text *ct = column && tt->ncols && tt->cols[tt->ncols - 1].column == column
					  ? &tt->cols[tt->ncols - 1]
					  : NULL;
		if (column && !ct && (word_is(&t, "COLLATE") || word_is(&t, "AS") || word_is(&t, "GENERATED"))) {
			if (!(ct = strata__push(s, &tt->cols, &tt->ncols, sizeof *ct)))
				return STRATA_ENOMEM;
			ct->column = column;
		}
		if (word_is(&t, "AUTOINCREMENT")) {
			tt->autoincrement = true;
		} else if (ct && word_is(&t, "COLLATE")) {
			tok nt;
			if (!lex(&l, &nt))
				break;
			if (!(ct->collation = tok_name(s, &nt)))
				return STRATA_ENOMEM;
		} else if (ct && word_is(&t, "AS")) {
			/* [GENERATED ALWAYS] AS (expr) [STORED | VIRTUAL] */
			tok open, kind;
			if (!lex(&l, &open) || open.kind != '(')
				break;
			if (!(ct->generated = paren_text(s, &l)))
				return STRATA_ENOMEM;
			lexer peek = l;
			if (lex(&peek, &kind) && (word_is(&kind, "STORED") || word_is(&kind, "VIRTUAL"))) {
				ct->stored = word_is(&kind, "STORED");
				l = peek;
			}
		} else if (word_is(&t, "CHECK")) {
			tok open;
			if (!lex(&l, &open) || open.kind != '(')
				break;
			named_check *c = strata__push(s, &tt->checks, &tt->nchecks, sizeof *c);
			if (!c || !(c->expr = paren_text(s, &l)))
				return STRATA_ENOMEM;
			c->column = column;
			c->name = pending;
		} else if (table_constraint && word_is(&t, "UNIQUE")) {
			named_cols *u = strata__push(s, &tt->uniques, &tt->nuniques, sizeof *u);
			tok open;
			if (!u)
				return STRATA_ENOMEM;
			u->name = pending;
			if (!lex(&l, &open) || open.kind != '(')
				break;
			if (paren_names(s, &l, &u->cols, &u->ncols))
				return STRATA_ENOMEM;
		} else if (table_constraint && word_is(&t, "FOREIGN")) {
			named_cols *f = strata__push(s, &tt->fkeys, &tt->nfkeys, sizeof *f);
			tok kw, open;
			if (!f)
				return STRATA_ENOMEM;
			f->name = pending;
			if (!lex(&l, &kw) || !lex(&l, &open) || open.kind != '(')
				break;
			if (paren_names(s, &l, &f->cols, &f->ncols))
				return STRATA_ENOMEM;
		} else if (t.kind == '(') {
			/* Type arguments, DEFAULT (expr), REFERENCES t (cols): skip balanced. */
			if (!paren_text(s, &l))
				break;
		}
		pending = t.kind == 'w' && word_is(&t, "CONSTRAINT") ? pending : NULL;
	}
	return STRATA_OK;
}

/* ---- types ---- */

static const strata__type_word sqlite_words[] = {
	{ "INTEGER", STRATA_T_INT },   { "INT", STRATA_T_INT },
	{ "BIGINT", STRATA_T_BIGINT }, { "BOOLEAN", STRATA_T_BOOL },
	{ "REAL", STRATA_T_FLOAT },    { "TEXT", STRATA_T_TEXT },
	{ "BLOB", STRATA_T_BYTES },    { "TIMESTAMP", STRATA_T_TIMESTAMP },
	{ "DATE", STRATA_T_DATE },     { "UUID", STRATA_T_UUID },
	{ "JSON", STRATA_T_JSON },
};

static const strata__type_names sqlite_names = {
	sqlite_words,
	sizeof sqlite_words / sizeof sqlite_words[0],
	{ "DECIMAL TEXT(%d,%d)%c", "DECIMAL TEXT(%d, %d)%c" },
	"VARCHAR(%d)%c",
};

static int map_type(strata_schema *s, strata_column *c, const char *decl, bool *is_enum)
{
	strata_coltype *t = &c->type;
	char up[256];
	size_t n = strlen(decl);
	*is_enum = false;
	if (n >= sizeof up)
		goto raw;
	for (size_t i = 0; i <= n; i++)
		up[i] = (char)toupper((unsigned char)decl[i]);
	const char *base = up;
	if (strncmp(up, "JSON ARRAY OF ", 14) == 0) {
		t->array = true;
		base = up + 14;
		decl += 14;
	}
	if (strata__inspect_type_name(&sqlite_names, base, t))
		return STRATA_OK;
	if (strncmp(base, "ENUM ", 5) == 0) {
		lexer l = { decl + 5, decl + strlen(decl) };
		tok nt;
		if (!lex(&l, &nt) || (nt.kind != 'w' && nt.kind != 'q'))
			goto raw;
		t->kind = STRATA_T_ENUM;
		if (!(t->enum_name = tok_name(s, &nt)))
			return STRATA_ENOMEM;
		*is_enum = true;
	} else
		goto raw;
	return STRATA_OK;
raw:
	t->array = false;
	t->kind = STRATA_T_RAW;
	return (t->raw = strata__sdup(s, c->type.raw ? c->type.raw : "")) ? STRATA_OK : STRATA_ENOMEM;
}

/* Values from `"col" IN ('a', 'b')` (a CHECK, or an array's item trigger: src/sql/items.c). */
static int enum_values(strata_schema *s, const char *expr, const char ***vals, int *n)
{
	lexer l = { expr, expr + strlen(expr) };
	tok t;
	bool in = false;
	while (lex(&l, &t)) {
		if (in && t.kind == ')')
			break;
		if (word_is(&t, "IN"))
			in = true;
		if (in && t.kind == 's') {
			tok q = t;
			q.kind = 'q';
			char *v = tok_name(s, &q);
			if (!v || strata__push_str(s, vals, n, v))
				return STRATA_ENOMEM;
		}
	}
	return STRATA_OK;
}

static int add_enum(strata_schema *s, const char *name, const char *check)
{
	if (strata_schema_enum(s, name))
		return STRATA_OK;
	strata_enum *e = strata__push(s, &s->enums, &s->nenums, sizeof *e);
	if (!e || !(e->name = strata__sdup(s, name)))
		return STRATA_ENOMEM;
	return check ? enum_values(s, check, &e->values, &e->nvalues) : STRATA_OK;
}

static strata_fk_action fk_action(const char *a)
{
	if (!a)
		return STRATA_FK_NO_ACTION;
	if (strcasecmp(a, "CASCADE") == 0)
		return STRATA_FK_CASCADE;
	if (strcasecmp(a, "SET NULL") == 0)
		return STRATA_FK_SET_NULL;
	if (strcasecmp(a, "RESTRICT") == 0)
		return STRATA_FK_RESTRICT;
	if (strcasecmp(a, "SET DEFAULT") == 0)
		return STRATA_FK_SET_DEFAULT;
	return STRATA_FK_NO_ACTION;
}

static bool same_set(const char *const *a, int na, const char *const *b, int nb)
{
	if (na != nb)
		return false;
	for (int i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* The rest of the statement after the lexer's position, trimmed, without a final ';'. */
static char *rest_of(strata_schema *s, const lexer *l)
{
	const char *a = l->p, *b = l->end;
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && (isspace((unsigned char)b[-1]) || b[-1] == ';'))
		b--;
	return strata__sndup(s, a, (size_t)(b - a));
}

/*
 * The key texts of CREATE INDEX ... ON t (k1, k2, ...) without their
 * COLLATE, ASC and DESC, one per key (the expressions pragma_index_xinfo
 * cannot name).
 */
static int index_expressions(strata_schema *s, const char *sql, const char ***out, int *n)
{
	lexer l = { sql, sql + strlen(sql) };
	tok t;
	bool on = false;
	while (lex(&l, &t) && !(on && t.kind == '('))
		on |= word_is(&t, "ON");
	if (t.kind != '(')
		return STRATA_OK;
	const char *start = l.p, *end = NULL;
	int depth = 0;
	while (lex(&l, &t)) {
		bool last = depth == 0 && t.kind == ')';
		if (depth == 0 &&
		    (t.kind == ',' || last || word_is(&t, "COLLATE") || word_is(&t, "ASC") || word_is(&t, "DESC"))) {
			if (!end)
				end = t.p;
			if (t.kind == ',' || last) {
				const char *a = start, *b = end;
				while (a < b && isspace((unsigned char)*a))
					a++;
				while (b > a && isspace((unsigned char)b[-1]))
					b--;
				char *k = strata__sndup(s, a, (size_t)(b - a));
				if (!k || !(k = strata__inspect_unparen(s, k)) || strata__push_str(s, out, n, k))
					return STRATA_ENOMEM;
				start = l.p;
				end = NULL;
				if (last)
					break;
			}
		} else if (t.kind == '(') {
			depth++;
		} else if (t.kind == ')') {
			depth--;
		}
	}
	return STRATA_OK;
}

/* The text after the top-level WHERE of a CREATE INDEX. */
static char *index_where(strata_schema *s, const char *sql)
{
	lexer l = { sql, sql + strlen(sql) };
	tok t;
	int depth = 0;
	while (lex(&l, &t)) {
		if (t.kind == '(')
			depth++;
		else if (t.kind == ')')
			depth--;
		else if (depth == 0 && word_is(&t, "WHERE")) {
			return rest_of(s, &l);
		}
	}
	return NULL;
}

static int read_table(strata_db *db, strata_schema *s, strata_table *t, const char *sql)
{
	strata_stmt *st = NULL;
	table_text tt;
	int rc;
	if ((rc = parse_create_table(s, sql, &tt)))
		return rc;

	/* WITHOUT ROWID, STRICT. */
	if ((rc = strata_prepare(&st, db, "SELECT wr, strict FROM pragma_table_list(?) WHERE schema = 'main'")) ||
	    (rc = strata_bind_text(st, 1, t->name, -1)))
		goto out;
	if ((rc = strata_step(st)) == STRATA_ROW) {
		int64_t wr = 0, strict = 0;
		strata_column_int64(st, 0, &wr);
		strata_column_int64(st, 1, &strict);
		t->without_rowid = wr != 0;
		t->strict = strict != 0;
	} else if (rc != STRATA_DONE) {
		goto out;
	}
	strata_finalize(st);
	st = NULL;

	/* Columns. */
	if ((rc = strata_prepare(&st, db,
				 "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) "
				 "ORDER BY cid")) ||
	    (rc = strata_bind_text(st, 1, t->name, -1)))
		goto out;
	int pkpos[256], npk = 0;
	const char *pknames[256];
	while ((rc = strata_step(st)) == STRATA_ROW) {
		int64_t notnull = 0, pk = 0, hidden = 0;
		strata_column_int64(st, 2, &notnull);
		strata_column_int64(st, 4, &pk);
		strata_column_int64(st, 5, &hidden);
		if (hidden == 1) {
			/* A virtual table's hidden column: not this table's to declare. */
			continue;
		}
		strata_column *c = strata__push(s, &t->columns, &t->ncolumns, sizeof *c);
		const char *decl = strata__inspect_text(st, 1);
		if (!c || !(c->name = strata__sdup(s, strata__inspect_text(st, 0))) ||
		    !(c->type.raw = strata__sdup(s, decl ? decl : ""))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		bool is_enum;
		if ((rc = map_type(s, c, decl ? decl : "", &is_enum)))
			goto out;
		if (c->type.kind != STRATA_T_RAW)
			c->type.raw = NULL;
		c->not_null = notnull != 0;
		if (pk > 0 && npk < 256) {
			pkpos[npk] = (int)pk;
			pknames[npk++] = c->name;
		}
		if ((rc = strata__inspect_default(s, c, strata__inspect_text(st, 3), STRATA_BACKEND_SQLITE)))
			goto out;
		for (int k = 0; k < tt.ncols; k++) {
			if (strcmp(tt.cols[k].column, c->name) != 0)
				continue;
			c->collation = tt.cols[k].collation;
			if (hidden >= 2 && tt.cols[k].generated) {
				c->generated = tt.cols[k].generated;
				c->generated_virtual = hidden == 2;
			}
		}
	}
	if (rc != STRATA_DONE)
		goto out;
	strata_finalize(st);
	st = NULL;
	for (int k = 1; k <= npk; k++)
		for (int i = 0; i < npk; i++)
			if (pkpos[i] == k && strata__push_str(s, &t->pkey, &t->npkey, pknames[i])) {
				rc = STRATA_ENOMEM;
				goto out;
			}
	if (t->npkey == 1 && tt.autoincrement) {
		strata_column *c = (strata_column *)strata_table_column(t, t->pkey[0]);
		if (c->type.kind == STRATA_T_INT)
			c->type.kind = STRATA_T_SERIAL;
	}

	/* CHECKs: enums first (their values), then drop the ones the types imply. */
	for (int i = 0; i < t->ncolumns; i++) {
		strata_column *c = &t->columns[i];
		if (c->type.kind != STRATA_T_ENUM)
			continue;
		const char *found = NULL;
		for (int k = 0; k < tt.nchecks && !c->type.array; k++)
			if (tt.checks[k].column && strcmp(tt.checks[k].column, c->name) == 0 && !tt.checks[k].name &&
			    strstr(tt.checks[k].expr, " IN ("))
				found = tt.checks[k].expr;
		if ((rc = add_enum(s, c->type.enum_name, found)))
			goto out;
	}
	int table_checks = 0;
	for (int k = 0; k < tt.nchecks; k++) {
		named_check *ck = &tt.checks[k];
		strata_column *c = ck->column ? (strata_column *)strata_table_column(t, ck->column) : NULL;
		if (c && !ck->name) {
			strata_buf implied = STRATA_BUF_INIT;
			int r = strata__sql_implied_check(&implied, s, c, 0);
			bool same = r == 0 && strcmp(strata__buf_cstr(&implied), ck->expr) == 0;
			strata__buf_clear(&implied);
			/* what an earlier Strata wrote: kept until the table is rebuilt */
			if (!same && r >= 0 && strata__sql_implied_check_before(&implied, c) == 0)
				same = strcmp(strata__buf_cstr(&implied), ck->expr) == 0;
			strata__buf_free(&implied);
			if (r < 0) {
				rc = r;
				goto out;
			}
			if (same)
				continue;
		}
		if (c && !c->check) {
			c->check = ck->expr;
			continue;
		}
		strata_check *tc = strata__push(s, &t->checks, &t->nchecks, sizeof *tc);
		if (!tc) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		tc->expr = ck->expr;
		tc->name = ck->name ? ck->name : strata__check_name(s, t->name, table_checks);
		table_checks++;
		if (!tc->name) {
			rc = STRATA_ENOMEM;
			goto out;
		}
	}

	/* Indexes and unique constraints. */
	if ((rc = strata_prepare(
		     &st, db,
		     "SELECT il.name, il.\"unique\", il.origin, s.sql FROM pragma_index_list(?) il "
		     "LEFT JOIN sqlite_schema s ON s.type = 'index' AND s.name = il.name ORDER BY il.seq DESC")) ||
	    (rc = strata_bind_text(st, 1, t->name, -1)))
		goto out;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *name = strata__inspect_text(st, 0), *origin = strata__inspect_text(st, 2);
		const char *isql = strata__inspect_text(st, 3);
		int64_t uniq = 0;
		strata_column_int64(st, 1, &uniq);
		if (!name || !origin || strcmp(origin, "pk") == 0)
			continue;
		const char **cols = NULL, **exprs = NULL;
		int ncols = 0, nexprs = 0, nkeys = 0;
		strata_index_key *keys = NULL;
		bool special = false;
		strata_stmt *ci = NULL;
		if (isql && (rc = index_expressions(s, isql, &exprs, &nexprs)))
			goto out;
		int r2 = strata_prepare(
			&ci, db,
			"SELECT cid, name, \"desc\", coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno");
		if (!r2)
			r2 = strata_bind_text(ci, 1, name, -1);
		while (!r2 && (r2 = strata_step(ci)) == STRATA_ROW) {
			const char *cn = strata__inspect_text(ci, 1), *coll = strata__inspect_text(ci, 3);
			int64_t desc = 0;
			strata_column_int64(ci, 2, &desc);
			strata_index_key *k = strata__push(s, &keys, &nkeys, sizeof *k);
			r2 = k ? STRATA_OK : STRATA_ENOMEM;
			if (!k)
				break;
			/* The key's collation when it is not the column's own (BINARY for an expression). */
			const strata_column *col = cn ? strata_table_column(t, cn) : NULL;
			const char *own = col && col->collation ? col->collation : "BINARY";
			k->desc = desc != 0;
			if (coll && strcasecmp(coll, own) != 0 && !(k->collation = strata__sdup(s, coll)))
				r2 = STRATA_ENOMEM;
			if (!cn) {
				k->expr = true;
				cn = nkeys - 1 < nexprs ? exprs[nkeys - 1] : NULL;
				if (!cn) {
					r2 = STRATA_EINVAL; /* the index's text is not what SQLite made of it */
					break;
				}
			}
			special |= k->expr || k->desc || k->collation;
			if (!r2 && strata__push_str(s, &cols, &ncols, cn))
				r2 = STRATA_ENOMEM;
		}
		strata_finalize(ci);
		if (r2 == STRATA_EINVAL) {
			if ((rc = strata__inspect_unmanaged(s, "index", name,
							    "its keys could not be read from its text")))
				goto out;
			continue;
		}
		if (r2 != STRATA_DONE) {
			rc = r2;
			goto out;
		}
		if (strcmp(origin, "u") == 0 && special) {
			if ((rc = strata__inspect_unmanaged(s, "unique constraint", name,
							    "it has DESC or COLLATE keys")))
				goto out;
			continue;
		}
		if (strcmp(origin, "u") == 0) {
			const char *uname = NULL;
			for (int k = 0; k < tt.nuniques; k++)
				if (same_set(tt.uniques[k].cols, tt.uniques[k].ncols, cols, ncols))
					uname = tt.uniques[k].name;
			if (!uname && ncols == 1) {
				((strata_column *)strata_table_column(t, cols[0]))->unique = true;
				continue;
			}
			strata_unique *u = strata__push(s, &t->uniques, &t->nuniques, sizeof *u);
			if (!u || !(u->name = uname ? uname : strata__default_name(s, t->name, cols, ncols, "key"))) {
				rc = STRATA_ENOMEM;
				goto out;
			}
			u->columns = cols;
			u->ncolumns = ncols;
			continue;
		}
		strata_index *x = strata__push(s, &t->indexes, &t->nindexes, sizeof *x);
		if (!x || !(x->name = strata__sdup(s, name))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		x->unique = uniq != 0;
		x->columns = cols;
		x->ncolumns = ncols;
		x->keys = special ? keys : NULL;
		x->named = true;
		if (isql)
			x->where = index_where(s, isql);
	}
	if (rc != STRATA_DONE)
		goto out;
	strata_finalize(st);
	st = NULL;

	/* Foreign keys, in the order written (the pragma numbers them backwards). */
	if ((rc = strata_prepare(&st, db,
				 "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete "
				 "FROM pragma_foreign_key_list(?) ORDER BY id DESC, seq")) ||
	    (rc = strata_bind_text(st, 1, t->name, -1)))
		goto out;
	int64_t last_id = -1;
	strata_fkey *f = NULL;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		int64_t id = 0;
		strata_column_int64(st, 0, &id);
		if (id != last_id || !f) {
			f = strata__push(s, &t->fkeys, &t->nfkeys, sizeof *f);
			if (!f || !(f->ref_table = strata__sdup(s, strata__inspect_text(st, 2)))) {
				rc = STRATA_ENOMEM;
				goto out;
			}
			f->on_update = fk_action(strata__inspect_text(st, 5));
			f->on_delete = fk_action(strata__inspect_text(st, 6));
			last_id = id;
		}
		if (strata__push_str(s, &f->columns, &f->ncolumns, strata__inspect_text(st, 3))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		const char *to = strata__inspect_text(st, 4);
		if (to && strata__push_str(s, &f->ref_columns, &f->nref_columns, to)) {
			rc = STRATA_ENOMEM;
			goto out;
		}
	}
	if (rc != STRATA_DONE)
		goto out;
	for (int i = 0; i < t->nfkeys; i++)
		for (int k = 0; k < tt.nfkeys; k++)
			if (tt.fkeys[k].name &&
			    same_set(tt.fkeys[k].cols, tt.fkeys[k].ncols, t->fkeys[i].columns, t->fkeys[i].ncolumns))
				t->fkeys[i].name = tt.fkeys[k].name;
	rc = STRATA_OK;
out:
	strata_finalize(st);
	return rc;
}

/* The query of `CREATE VIEW name AS query` (trimmed, without a final ';'); NULL with *cols set when it names its
 * columns. */
static char *view_query(strata_schema *s, const char *sql, bool *cols)
{
	lexer l = { sql, sql + strlen(sql) };
	tok t;
	int depth = 0;
	*cols = false;
	while (lex(&l, &t)) {
		if (t.kind == '(') {
			if (depth == 0)
				*cols = true;
			depth++;
		} else if (t.kind == ')') {
			depth--;
		} else if (depth == 0 && word_is(&t, "AS")) {
			if (*cols)
				return NULL;
			return rest_of(s, &l);
		}
	}
	return NULL;
}

/*
 * The columns of view `name` (a materialized view's query view) as its
 * declaration for `strata gen c`, when SQLite knows every column's type:
 * a column the query reads straight from a table has that column's
 * declared type, one it computes has none, and then the view declares no
 * columns rather than some of them; so does a view SQLite cannot compile.
 * SQLite records no NOT NULL for them.
 */
static int view_columns(strata_db *db, strata_schema *s, strata_view *v, const char *name)
{
	strata_stmt *st = NULL;
	strata_column *cols = NULL;
	int ncols = 0, rc;
	bool known = true;
	if ((rc = strata_prepare(&st, db, "SELECT name, type FROM pragma_table_xinfo(?) ORDER BY cid")) ||
	    (rc = strata_bind_text(st, 1, name, -1)))
		goto out;
	while (known && (rc = strata_step(st)) == STRATA_ROW) {
		const char *decl = strata__inspect_text(st, 1);
		strata_column *c = strata__push(s, &cols, &ncols, sizeof *c);
		bool is_enum;
		if (!c || !(c->name = strata__sdup(s, strata__inspect_text(st, 0)))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		if ((rc = map_type(s, c, decl ? decl : "", &is_enum)))
			goto out;
		known = c->type.kind != STRATA_T_RAW;
		if (c->type.kind == STRATA_T_INT)
			c->type.kind = STRATA_T_BIGINT; /* SQLite's integers are 64-bit, and a view's may be a rowid */
	}
	if (rc != STRATA_DONE && rc != STRATA_ROW && rc != STRATA_ENOMEM)
		known = false; /* a view SQLite cannot compile (it names a column that is gone): no columns */
	if (rc != STRATA_ENOMEM)
		rc = STRATA_OK;
	if (known) {
		v->columns = cols;
		v->ncolumns = ncols;
	}
out:
	strata_finalize(st);
	return rc;
}

/*
 * Views; a view <name>__strata_query beside a table <name> is a
 * materialized view (the table holds its rows and indexes).
 */
static int read_views(strata_db *db, strata_schema *s)
{
	strata_stmt *st = NULL;
	int rc;
	static const char suffix[] = "__strata_query";
	if ((rc = strata_prepare(&st, db, "SELECT name, sql FROM sqlite_schema WHERE type = 'view' ORDER BY name")))
		return rc;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *name = strata__inspect_text(st, 0), *sql = strata__inspect_text(st, 1);
		bool cols = false;
		char *query;
		if (!name || !sql)
			continue;
		if (!(query = view_query(s, sql, &cols))) {
			if ((rc = strata__inspect_unmanaged(s, "view", name,
							    cols ? "it names its columns: CREATE VIEW v(a, b)"
								 : "its query could not be read")))
				goto out;
			continue;
		}
		size_t n = strlen(name), k = sizeof suffix - 1;
		strata_table *t = NULL;
		char *base = NULL;
		if (n > k && strcmp(name + n - k, suffix) == 0) {
			if (!(base = strata__sndup(s, name, n - k))) {
				rc = STRATA_ENOMEM;
				goto out;
			}
			t = (strata_table *)strata_schema_table(s, base);
		}
		strata_view *v = strata__push(s, &s->views, &s->nviews, sizeof *v);
		if (!v || !(v->name = t ? base : strata__sdup(s, name))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		v->sql = query;
		if ((rc = view_columns(db, s, v, name)))
			goto out;
		if (t) {
			/* The table is the materialized view's storage: its indexes are the view's. */
			v->materialized = true;
			v->indexes = t->indexes;
			v->nindexes = t->nindexes;
			int ti = (int)(t - s->tables);
			memmove(&s->tables[ti], &s->tables[ti + 1], (size_t)(s->ntables - ti - 1) * sizeof *t);
			s->ntables--;
		}
	}
	if (rc == STRATA_DONE)
		rc = STRATA_OK;
out:
	strata_finalize(st);
	return rc;
}

int strata__inspect_sqlite(strata_db *db, const strata_inspect_options *o, strata_schema *s)
{
	strata_stmt *st = NULL;
	const char **sqls = NULL;
	int nsqls = 0, rc;
	if ((rc = strata_prepare(&st, db, "SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name")))
		return rc;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *name = strata__inspect_text(st, 0), *sql = strata__inspect_text(st, 1);
		if (!name || !sql || strata__inspect_skip_table(o, name))
			continue;
		strata_table *t = strata__push(s, &s->tables, &s->ntables, sizeof *t);
		if (!t || !(t->name = strata__sdup(s, name)) || strata__push_str(s, &sqls, &nsqls, sql)) {
			rc = STRATA_ENOMEM;
			goto out;
		}
	}
	if (rc != STRATA_DONE)
		goto out;
	strata_finalize(st);
	st = NULL;
	for (int i = 0; i < s->ntables; i++) {
		strata_table *t = &s->tables[i];
		if ((rc = read_table(db, s, t, sqls[i])))
			goto out;
	}
	/* Strata's auto_update triggers and array item checks; any other is kept as its CREATE TRIGGER. */
	if ((rc = strata_prepare(&st, db,
				 "SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name")))
		goto out;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *name = strata__inspect_text(st, 0), *tbl = strata__inspect_text(st, 1),
			   *sql = strata__inspect_text(st, 2);
		strata_table *t = (strata_table *)strata_schema_table(s, tbl);
		bool own = false;
		for (int j = 0; t && name && j < t->ncolumns; j++) {
			char want[160];
			strata__sql_trigger_name(want, sizeof want, t->name, t->columns[j].name);
			if (strcmp(want, name) == 0)
				t->columns[j].auto_update = own = true;
			for (int update = 0; update < 2 && strata__sql_items_checked(&t->columns[j]); update++) {
				strata__sql_item_trigger_name(want, sizeof want, t->name, t->columns[j].name, update);
				if (strcmp(want, name) != 0)
					continue;
				own = true;
				/* an enum only arrays use has its values here, not in a CHECK */
				strata_enum *e = (strata_enum *)strata_schema_enum(s, t->columns[j].type.enum_name);
				if (e && !e->nvalues && sql && (rc = enum_values(s, sql, &e->values, &e->nvalues)))
					goto out;
			}
		}
		if (own || !name || !tbl || !sql || strata__inspect_skip_table(o, tbl))
			continue;
		strata_trigger *tg = strata__push(s, &s->triggers, &s->ntriggers, sizeof *tg);
		if (!tg || !(tg->name = strata__sdup(s, name)) || !(tg->table = strata__sdup(s, tbl)) ||
		    !(tg->sql = strata__sdup(s, sql))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
	}
	if (rc == STRATA_DONE)
		rc = read_views(db, s);
out:
	strata_finalize(st);
	return rc;
}
