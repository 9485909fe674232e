/*
 * The SQLite adapter of migration linting: a tokenizer that reads each
 * statement into its effects (lint/mig.h), and a scratch in-memory
 * database the files are applied to in order, with snapshots of the
 * tables and columns before and after each file (a table rebuild that
 * keeps every column is not a drop; a down section that does not restore
 * what up changed is caught).  The rules that judge effects and snapshots
 * live in migrules.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/db.h>

#include "core/error.h"
#include "lint/mig.h"

/* ---- the tokenizer ---- */

typedef enum tk {
	T_WORD,
	T_NAME,
	T_STRING,
	T_NUMBER,
	T_PUNCT
} tk;

typedef struct tok {
	tk kind;
	char text[72];	/* words upper-cased; names unquoted; truncated */
	size_t at, len; /* where it starts and its length in the source */
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
		t->len = i - t->at;
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

/*
 * A possibly qualified name at *i (schema.name): its last part, the
 * original case for bare words, into buf; *len (may be NULL) gets its
 * length in the source (quotes left out).
 */
static bool name_at(const char *s, const tok *v, size_t n, size_t *i, char *buf, size_t cap, size_t *len)
{
	if (*i >= n || (v[*i].kind != T_WORD && v[*i].kind != T_NAME && v[*i].kind != T_STRING))
		return false;
	for (;;) {
		const tok *t = &v[*i];
		size_t l = t->kind == T_WORD ? t->len : t->len >= 2 ? t->len - 2 : 0;
		if (t->kind == T_WORD) {
			size_t k = l < cap ? l : cap - 1;
			memcpy(buf, s + t->at, k);
			buf[k] = '\0';
		} else {
			snprintf(buf, cap, "%s", t->text);
		}
		if (len)
			*len = l;
		(*i)++;
		if (*i + 1 < n && v[*i].kind == T_PUNCT && v[*i].text[0] == '.') {
			(*i)++;
			continue;
		}
		return true;
	}
}

/* Append an effect of the statement to the section being read (at the statement, unless it has a place). */
static int add(lint_file *f, const lint_stmt *st, lint_effect *x)
{
	if (!x->line) {
		x->line = st->line;
		x->col = st->col;
	}
	return strata__lint_eff_add(strata__lint_file_effects(f), x);
}

static bool punct(const tok *v, size_t n, size_t i, char c)
{
	return i < n && v[i].kind == T_PUNCT && v[i].text[0] == c;
}

/* A word that ends a column's type and starts a column constraint. */
static bool constraint_word(const tok *v, size_t n, size_t i)
{
	static const char *const w[] = { "CONSTRAINT", "PRIMARY", "NOT",	"NULL",	     "UNIQUE", "CHECK",
					 "DEFAULT",    "COLLATE", "REFERENCES", "GENERATED", "AS",     NULL };
	for (const char *const *p = w; *p; p++)
		if (is(v, n, i, *p))
			return true;
	return false;
}

/* Skip a parenthesized group starting at v[i] ('('): the index after its ')'. */
static size_t skip_group(const tok *v, size_t n, size_t i)
{
	int depth = 0;
	for (; i < n; i++) {
		if (punct(v, n, i, '('))
			depth++;
		else if (punct(v, n, i, ')') && --depth == 0)
			return i + 1;
	}
	return n;
}

/* The column's type from v[*i] up to a constraint, ',' or ')' (at depth 0), as written, into buf. */
static void column_type(const char *s, const tok *v, size_t n, size_t *i, char *buf, size_t cap)
{
	size_t from = *i, to = *i;
	while (to < n && !constraint_word(v, n, to) && !punct(v, n, to, ',') && !punct(v, n, to, ')'))
		to = punct(v, n, to, '(') ? skip_group(v, n, to) : to + 1;
	*i = to;
	buf[0] = '\0';
	if (to == from)
		return;
	size_t a = v[from].at, b = v[to - 1].at + v[to - 1].len;
	snprintf(buf, cap, "%.*s", (int)(b - a), s + a);
}

/*
 * Column constraints from v[*i] to the ',' or ')' that ends the column:
 * flags, the referenced table, and each CONSTRAINT name as a
 * DEF_CONSTRAINT effect.
 */
static int column_constraints(lint_file *f, const lint_stmt *st, const tok *v, size_t n, size_t *i, const char *table,
			      lint_effect *x, char *ref, size_t refcap)
{
	int rc = STRATA_OK;
	while (*i < n && !punct(v, n, *i, ',') && !punct(v, n, *i, ')') && rc == STRATA_OK) {
		size_t j = *i;
		if (is(v, n, j, "CONSTRAINT") && j + 1 < n) {
			char cn[128];
			size_t k = j + 1;
			lint_effect c = { .op = LINT_OP_DEF_CONSTRAINT, .table = (char *)table };
			if (name_at(st->sql, v, n, &k, cn, sizeof cn, &c.name_len)) {
				c.name = cn;
				strata__lint_stmt_pos(st, v[j].at, &c.line, &c.col);
				rc = add(f, st, &c);
			}
			*i = k;
			continue;
		}
		if (is(v, n, j, "PRIMARY"))
			x->flags |= LINT_F_PRIMARY | LINT_F_NOT_NULL;
		else if (is(v, n, j, "UNIQUE"))
			x->flags |= LINT_F_UNIQUE;
		else if (is(v, n, j, "NOT") && is(v, n, j + 1, "NULL"))
			x->flags |= LINT_F_NOT_NULL;
		else if (is(v, n, j, "DEFAULT"))
			x->flags |= LINT_F_DEFAULT;
		else if (is(v, n, j, "GENERATED") || is(v, n, j, "AS"))
			x->flags |= LINT_F_IDENTITY;
		else if (is(v, n, j, "REFERENCES")) {
			size_t k = j + 1;
			if (name_at(st->sql, v, n, &k, ref, refcap, NULL)) {
				x->flags |= LINT_F_FOREIGN;
				x->to = ref;
			}
			*i = k;
			continue;
		}
		*i = punct(v, n, j, '(') ? skip_group(v, n, j) : j + 1;
	}
	return rc;
}

/* Do the columns named in the group at v[i] ('(' ... ')') include `col`? */
static bool group_names(const char *s, const tok *v, size_t n, size_t i, const char *col)
{
	char nm[128];
	size_t end = skip_group(v, n, i);
	for (size_t k = i + 1; k < end; k++) {
		size_t j = k;
		if ((v[k].kind == T_WORD || v[k].kind == T_NAME) && name_at(s, v, n, &j, nm, sizeof nm, NULL) &&
		    strata__lint_ieq(nm, col))
			return true;
	}
	return false;
}

/* The elements of CREATE TABLE name ( ... ) from v[i] ('('): columns and table constraints. */
static int table_elements(lint_file *f, const lint_stmt *st, const tok *v, size_t n, size_t i, const char *table)
{
	size_t end = skip_group(v, n, i);
	/* First the table constraints, which mark key columns. */
	size_t pk = n, fk[8], nfk = 0;
	for (size_t k = i + 1; k < end; k++) {
		if (!(punct(v, n, k - 1, '(') && k - 1 == i) && !punct(v, n, k - 1, ','))
			continue;
		size_t j = k;
		if (is(v, n, j, "CONSTRAINT"))
			j += 2;
		if (is(v, n, j, "PRIMARY") && is(v, n, j + 1, "KEY") && punct(v, n, j + 2, '('))
			pk = j + 2;
		else if (is(v, n, j, "FOREIGN") && is(v, n, j + 1, "KEY") && punct(v, n, j + 2, '(') && nfk < 8)
			fk[nfk++] = j + 2;
		for (; k < end && !punct(v, n, k, ','); k = punct(v, n, k, '(') ? skip_group(v, n, k) : k + 1)
			;
	}
	int rc = STRATA_OK;
	size_t k = i + 1;
	while (k < end - 1 && rc == STRATA_OK) {
		char col[128], type[96], ref[128];
		size_t start = k;
		bool tcons = is(v, n, k, "CONSTRAINT") || is(v, n, k, "PRIMARY") || is(v, n, k, "UNIQUE") ||
			     is(v, n, k, "CHECK") || is(v, n, k, "FOREIGN");
		lint_effect x = { .op = LINT_OP_DEF_COLUMN, .table = (char *)table };
		if (tcons) {
			if (is(v, n, k, "CONSTRAINT")) {
				lint_effect c = { .op = LINT_OP_DEF_CONSTRAINT, .table = (char *)table };
				size_t j = k + 1;
				if (name_at(st->sql, v, n, &j, col, sizeof col, &c.name_len)) {
					c.name = col;
					strata__lint_stmt_pos(st, v[k].at, &c.line, &c.col);
					rc = add(f, st, &c);
				}
			}
		} else if (name_at(st->sql, v, n, &k, col, sizeof col, &x.name_len)) {
			x.name = col;
			strata__lint_stmt_pos(st, v[start].at, &x.line, &x.col);
			column_type(st->sql, v, n, &k, type, sizeof type);
			x.type = type;
			rc = column_constraints(f, st, v, n, &k, table, &x, ref, sizeof ref);
			if (pk < n && group_names(st->sql, v, n, pk, col))
				x.flags |= LINT_F_PRIMARY;
			for (size_t q = 0; q < nfk; q++)
				if (group_names(st->sql, v, n, fk[q], col))
					x.flags |= LINT_F_FOREIGN;
			if (rc == STRATA_OK)
				rc = add(f, st, &x);
		}
		for (; k < end && !punct(v, n, k, ','); k = punct(v, n, k, '(') ? skip_group(v, n, k) : k + 1)
			;
		k++;
		if (k <= start)
			break;
	}
	return rc;
}

/* CREATE [TEMP|UNIQUE|VIRTUAL] TABLE|INDEX|VIEW|TRIGGER [IF NOT EXISTS] name [ON table] [( ... )] */
static int create(lint_file *f, const lint_stmt *st, const tok *v, size_t n)
{
	size_t i = 1;
	while (is(v, n, i, "TEMP") || is(v, n, i, "TEMPORARY") || is(v, n, i, "UNIQUE") || is(v, n, i, "VIRTUAL"))
		i++;
	bool table = is(v, n, i, "TABLE"), index = is(v, n, i, "INDEX");
	if (!table && !index && !is(v, n, i, "VIEW") && !is(v, n, i, "TRIGGER"))
		return STRATA_OK;
	char kind[80], name[128], other[128];
	snprintf(kind, sizeof kind, "%s", v[i].text);
	i++;
	lint_effect x = { .op = table ? LINT_OP_CREATE_TABLE : index ? LINT_OP_CREATE_INDEX : LINT_OP_CREATE_OTHER };
	if (is(v, n, i, "IF") && is(v, n, i + 1, "NOT") && is(v, n, i + 2, "EXISTS")) {
		x.flags |= LINT_F_IF_EXISTS;
		i += 3;
	}
	if (!name_at(st->sql, v, n, &i, name, sizeof name, &x.name_len))
		return STRATA_OK;
	if (table) {
		x.table = name;
	} else {
		x.name = name;
		x.what = kind;
	}
	if (index && is(v, n, i, "ON")) {
		i++;
		if (name_at(st->sql, v, n, &i, other, sizeof other, NULL))
			x.table = other;
	}
	int rc = add(f, st, &x);
	if (rc == STRATA_OK && table && punct(v, n, i, '('))
		rc = table_elements(f, st, v, n, i, name);
	return rc;
}

/* DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] name */
static int drop(lint_file *f, const lint_stmt *st, const tok *v, size_t n)
{
	size_t i = 1;
	bool table = is(v, n, i, "TABLE"), index = is(v, n, i, "INDEX");
	if (!table && !index && !is(v, n, i, "VIEW") && !is(v, n, i, "TRIGGER"))
		return STRATA_OK;
	char kind[80], name[128];
	snprintf(kind, sizeof kind, "%s", v[i].text);
	i++;
	lint_effect x = { .op = table	? LINT_OP_DROP_TABLE
				: index ? LINT_OP_DROP_INDEX
					: LINT_OP_DROP_OTHER,
			  .what = kind };
	if (is(v, n, i, "IF") && is(v, n, i + 1, "EXISTS")) {
		x.flags |= LINT_F_IF_EXISTS;
		i += 2;
	}
	if (!name_at(st->sql, v, n, &i, name, sizeof name, &x.name_len))
		return STRATA_OK;
	if (table)
		x.table = name;
	else
		x.name = name;
	return add(f, st, &x);
}

/* ALTER TABLE name RENAME TO x | RENAME [COLUMN] a TO b | ADD [COLUMN] c ... | DROP [COLUMN] c */
static int alter(lint_file *f, const lint_stmt *st, const tok *v, size_t n)
{
	size_t i = 2;
	char name[128], other[128], col[128], type[96], ref[128];
	if (!name_at(st->sql, v, n, &i, name, sizeof name, NULL))
		return STRATA_OK;
	lint_effect x = { .table = name };
	if (is(v, n, i, "RENAME") && is(v, n, i + 1, "TO")) {
		i += 2;
		if (!name_at(st->sql, v, n, &i, other, sizeof other, &x.name_len))
			return STRATA_OK;
		x.op = LINT_OP_RENAME_TABLE;
		x.to = other;
	} else if (is(v, n, i, "RENAME")) {
		i++;
		if (is(v, n, i, "COLUMN"))
			i++;
		if (!name_at(st->sql, v, n, &i, col, sizeof col, NULL) || !is(v, n, i, "TO"))
			return STRATA_OK;
		i++;
		if (!name_at(st->sql, v, n, &i, other, sizeof other, &x.name_len))
			return STRATA_OK;
		x.op = LINT_OP_RENAME_COLUMN;
		x.name = col;
		x.to = other;
	} else if (is(v, n, i, "ADD")) {
		i++;
		if (is(v, n, i, "COLUMN"))
			i++;
		if (!name_at(st->sql, v, n, &i, col, sizeof col, &x.name_len))
			return STRATA_OK;
		x.op = LINT_OP_ADD_COLUMN;
		x.name = col;
		column_type(st->sql, v, n, &i, type, sizeof type);
		x.type = type;
		int rc = column_constraints(f, st, v, n, &i, name, &x, ref, sizeof ref);
		if (rc != STRATA_OK)
			return rc;
	} else if (is(v, n, i, "DROP")) {
		i++;
		if (is(v, n, i, "COLUMN"))
			i++;
		if (!name_at(st->sql, v, n, &i, col, sizeof col, &x.name_len))
			return STRATA_OK;
		x.op = LINT_OP_DROP_COLUMN;
		x.name = col;
	} else {
		return STRATA_OK;
	}
	return add(f, st, &x);
}

/* The columns an UPDATE sets: `col =` and `(a, b) =` at depth 0 after SET, as ASSIGN effects. */
static int assignments(lint_file *f, const lint_stmt *st, const tok *v, size_t n, size_t set, const char *table)
{
	int rc = STRATA_OK;
	char col[128];
	for (size_t i = set + 1; i < n && rc == STRATA_OK;) {
		if (is(v, n, i, "FROM") || is(v, n, i, "WHERE") || is(v, n, i, "RETURNING"))
			break;
		bool item = punct(v, n, i - 1, ',') || i == set + 1;
		if (item && punct(v, n, i, '(')) {
			size_t end = skip_group(v, n, i);
			for (size_t k = i + 1; k + 1 < end && rc == STRATA_OK; k++) {
				size_t j = k;
				if ((v[k].kind == T_WORD || v[k].kind == T_NAME) &&
				    name_at(st->sql, v, n, &j, col, sizeof col, NULL)) {
					lint_effect a = { .op = LINT_OP_ASSIGN, .table = (char *)table, .name = col };
					rc = add(f, st, &a);
					k = j - 1;
				}
			}
			i = end;
			continue;
		}
		size_t j = i;
		if (item && name_at(st->sql, v, n, &j, col, sizeof col, NULL) && punct(v, n, j, '=')) {
			lint_effect a = { .op = LINT_OP_ASSIGN, .table = (char *)table, .name = col };
			rc = add(f, st, &a);
			i = j;
			continue;
		}
		i = punct(v, n, i, '(') ? skip_group(v, n, i) : i + 1;
	}
	return rc;
}

/* [WITH ...] DELETE FROM name ... | UPDATE [OR x] name ...: the verb at depth 0, the table, a WHERE at depth 0. */
static int dml(lint_file *f, const lint_stmt *st, const tok *v, size_t n)
{
	int depth = 0;
	size_t verb = n, set = n;
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
		else if (depth == 0 && verb < n && set == n && is(v, n, j, "SET"))
			set = j;
	}
	if (verb == n)
		return STRATA_OK;
	size_t i = verb + 1;
	if (is(v, n, i, "FROM"))
		i++;
	if (is(v, n, i, "OR"))
		i += 2;
	char name[128];
	if (!name_at(st->sql, v, n, &i, name, sizeof name, NULL))
		return STRATA_OK;
	bool update = is(v, n, verb, "UPDATE");
	lint_effect x = { .op = update ? LINT_OP_UPDATE : LINT_OP_DELETE,
			  .table = name,
			  .flags = where ? LINT_F_WHERE : 0u };
	int rc = add(f, st, &x);
	if (rc == STRATA_OK && update && set < n)
		rc = assignments(f, st, v, n, set, name);
	return rc;
}

/* BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION], COMMIT/END [TRANSACTION], ROLLBACK [TRANSACTION] (not TO). */
static int transaction(lint_file *f, const lint_stmt *st, const tok *v, size_t n)
{
	lint_effect x = { .op = LINT_OP_BEGIN };
	if (is(v, n, 0, "COMMIT") || is(v, n, 0, "END"))
		x.op = LINT_OP_COMMIT;
	else if (is(v, n, 0, "ROLLBACK")) {
		for (size_t i = 1; i < n; i++)
			if (is(v, n, i, "TO"))
				return STRATA_OK;
		x.op = LINT_OP_ROLLBACK;
	}
	return add(f, st, &x);
}

int strata__lint_sq_stmt(lint_file *f, const lint_stmt *st)
{
	tok *v = NULL;
	size_t n = 0;
	int rc = tokenize(st->sql, st->len, &v, &n);
	if (rc != STRATA_OK)
		return rc;
	if (is(v, n, 0, "CREATE"))
		rc = create(f, st, v, n);
	else if (is(v, n, 0, "DROP"))
		rc = drop(f, st, v, n);
	else if (is(v, n, 0, "ALTER") && is(v, n, 1, "TABLE"))
		rc = alter(f, st, v, n);
	else if (is(v, n, 0, "DELETE") || is(v, n, 0, "UPDATE") || is(v, n, 0, "WITH"))
		rc = dml(f, st, v, n);
	else if (is(v, n, 0, "BEGIN") || is(v, n, 0, "COMMIT") || is(v, n, 0, "END") || is(v, n, 0, "ROLLBACK"))
		rc = transaction(f, st, v, n);
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

static void entry_free(lint_sq_entry *e)
{
	free(e->type);
	free(e->name);
	free(e->tbl);
	free(e->sql);
}

void strata__lint_sq_close(lint_sq_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		entry_free(&h->v[i]);
	free(h->v);
	memset(h, 0, sizeof *h);
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

static int collect(names *nm, const lint_effects *e)
{
	int rc = STRATA_OK;
	for (size_t i = 0; i < e->n && rc == STRATA_OK; i++) {
		const lint_effect *x = &e->v[i];
		if (x->op == LINT_OP_CREATE_INDEX || x->op == LINT_OP_DROP_INDEX) {
			rc = push_name(&nm->ix, &nm->nix, &nm->cix, x->name);
			if (rc == STRATA_OK && x->op == LINT_OP_CREATE_INDEX)
				rc = push_name(&nm->t, &nm->nt, &nm->ct, x->table);
			continue;
		}
		rc = push_name(&nm->t, &nm->nt, &nm->ct, x->table);
		if (rc == STRATA_OK && x->op == LINT_OP_RENAME_TABLE)
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

/* A snapshot of the named tables that exist (with their columns) and of the named indexes that exist (table ""). */
static int take_snap(strata_db *db, const names *nm, lint_catalog *s)
{
	memset(s, 0, sizeof *s);
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, db, "SELECT name, type FROM pragma_table_info(?)");
	for (size_t i = 0; i < nm->nt && rc == STRATA_OK; i++) {
		strata_reset(st);
		rc = strata_bind_text(st, 1, nm->t[i], -1);
		lint_table *t = NULL;
		while (rc == STRATA_OK && strata_step(st) == STRATA_ROW) {
			const char *cn = NULL, *ct = NULL;
			size_t l;
			if (strata_column_text(st, 0, &cn, &l) != STRATA_OK ||
			    strata_column_text(st, 1, &ct, &l) != STRATA_OK)
				break;
			if (!t)
				rc = strata__lint_cat_add_table(s, nm->t[i], &t);
			if (rc == STRATA_OK)
				rc = strata__lint_cat_set_col(t, cn, ct ? ct : "");
		}
	}
	strata_finalize(st);
	st = NULL;
	if (rc == STRATA_OK && nm->nix)
		rc = strata_prepare(&st, db,
				    "SELECT count(*) FROM sqlite_master WHERE type = "
				    "'index' AND name = ? COLLATE NOCASE");
	for (size_t i = 0; i < nm->nix && rc == STRATA_OK; i++) {
		strata_reset(st);
		rc = strata_bind_text(st, 1, nm->ix[i], -1);
		int64_t c = 0;
		lint_table *t;
		if (rc == STRATA_OK && strata_step(st) == STRATA_ROW && strata_column_int64(st, 0, &c) == STRATA_OK &&
		    c > 0) {
			rc = strata__lint_cat_add_table(s, "", &t);
			if (rc == STRATA_OK)
				rc = strata__lint_cat_set_col(t, nm->ix[i], "index");
		}
	}
	strata_finalize(st);
	if (rc != STRATA_OK && rc != STRATA_ENOMEM) {
		/* A catalog read on the scratch database failed: compare nothing. */
		strata_error_clear();
		rc = STRATA_OK;
	}
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
				 "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' "
				 "THEN 2 "
				 "ELSE 3 END, rowid";

/*
 * Which tables of the history the file needs: every table whose name, or
 * the name of one of its indexes or triggers, the file mentions; then what
 * the triggers and views of those mention, until nothing is added.
 */
static int pick_tables(const lint_sq_history *run, strset *words, strset *tables)
{
	int rc = STRATA_OK;
	for (int round = 0; round < 8 && rc == STRATA_OK; round++) {
		set_sort(words);
		set_sort(tables);
		size_t before = tables->n;
		for (size_t i = 0; i < run->n && rc == STRATA_OK; i++) {
			const lint_sq_entry *e = &run->v[i];
			if (!set_has(tables, e->tbl) && (set_has(words, e->name) || set_has(words, e->tbl))) {
				rc = set_add(tables, e->tbl, strlen(e->tbl));
				set_sort(tables);
			}
		}
		if (tables->n == before)
			break;
		/* The triggers and views of the tables picked may name further tables. */
		for (size_t i = 0; i < run->n && rc == STRATA_OK; i++) {
			const lint_sq_entry *e = &run->v[i];
			if (strcmp(e->type, "table") != 0 && strcmp(e->type, "index") != 0 && set_has(tables, e->tbl))
				rc = add_idents(words, e->sql, strlen(e->sql));
		}
	}
	return rc;
}

/* Create the history's entries of `tables` in the work database, tables first; failures are ignored. */
static int copy_in(const lint_sq_history *run, strata_db *work, const strset *tables)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < run->n; i++) {
			const lint_sq_entry *e = &run->v[i];
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

/* Append the schema rows of db (Strata's own tables left out) to the history. */
static int append_schema(lint_sq_history *run, strata_db *db)
{
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, db, schema_sql), step = STRATA_DONE;
	while (rc == STRATA_OK && (step = strata_step(st)) == STRATA_ROW) {
		const char *c[4];
		size_t l;
		for (int k = 0; k < 4 && rc == STRATA_OK; k++)
			rc = strata_column_text(st, k, &c[k], &l);
		if (rc != STRATA_OK)
			break;
		if (c[2] && (!strcmp(c[2], "strata_migrations") || !strcmp(c[2], "strata_migrations_lock")))
			continue; /* the runner's ledger and lock */
		if (run->n == run->cap) {
			size_t cap = run->cap ? run->cap * 2 : 64;
			lint_sq_entry *v = realloc(run->v, cap * sizeof *v);
			if (!v) {
				rc = strata__error_nomem();
				break;
			}
			run->v = v;
			run->cap = cap;
		}
		lint_sq_entry *e = &run->v[run->n];
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
	/* A schema read that fails half way must not pass for a smaller schema. */
	if (rc == STRATA_OK && step != STRATA_DONE)
		rc = step;
	strata_finalize(st);
	return rc;
}

/* Replace the history's entries of `tables` with the work database's schema. */
static int copy_out(lint_sq_history *run, strata_db *work, const strset *tables)
{
	size_t w = 0;
	for (size_t i = 0; i < run->n; i++) {
		if (set_has(tables, run->v[i].tbl))
			entry_free(&run->v[i]);
		else
			run->v[w++] = run->v[i];
	}
	run->n = w;
	return append_schema(run, work);
}

int strata__lint_sq_seed(lint_sq_history *h, strata_db *db)
{
	return append_schema(h, db);
}

int strata__lint_sq_apply(lint_sq_history *run, lint_file *f, const lint_stmt *up, size_t nup, const lint_stmt *dn,
			  size_t ndn)
{
	names nm;
	memset(&nm, 0, sizeof nm);
	lint_catalog s0, s1, s2;
	memset(&s0, 0, sizeof s0);
	memset(&s1, 0, sizeof s1);
	memset(&s2, 0, sizeof s2);
	strset words, tables;
	memset(&words, 0, sizeof words);
	memset(&tables, 0, sizeof tables);
	strata_db *work = NULL;
	int rc = collect(&nm, &f->up);
	if (rc == STRATA_OK)
		rc = collect(&nm, &f->dn);
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

	bool quiet = f->ctx->quiet;
	if (rc == STRATA_OK && !quiet)
		rc = take_snap(work, &nm, &s0);
	if (rc == STRATA_OK)
		rc = strata__lint_exec_stmts(work, f, up, nup, true);
	if (rc == STRATA_OK && !quiet)
		rc = take_snap(work, &nm, &s1);
	if (rc == STRATA_OK && !quiet)
		rc = strata__lint_rules_compare_up(f, &s0, &s1);
	if (rc == STRATA_OK && !quiet && f->m->down.present && strata__lint_enabled(f->ctx, R_DOWN_INVERSE)) {
		rc = strata__lint_exec_stmts(work, f, dn, ndn, true);
		if (rc == STRATA_OK)
			rc = take_snap(work, &nm, &s2);
		if (rc == STRATA_OK)
			rc = strata__lint_rules_compare_down(f, &s0, &s2);
		if (rc == STRATA_OK)
			rc = strata__lint_exec_stmts(work, f, up, nup, false);
	}
	/* Back into the history: the tables the file had, replaced by what it left. */
	if (rc == STRATA_OK)
		rc = copy_out(run, work, &tables);
done:
	strata_close(work);
	set_free(&words);
	set_free(&tables);
	strata__lint_cat_free(&s0);
	strata__lint_cat_free(&s1);
	strata__lint_cat_free(&s2);
	names_free(&nm);
	return rc;
}
