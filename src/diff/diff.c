/*
 * The differ: two models in, an ordered plan and its SQL out.
 *
 * The down direction is the same function run from `to` back to `from`
 * with the renames reversed.  PostgreSQL alters in place; SQLite alters
 * in place only what ALTER TABLE can do safely (renames, simple added
 * columns, indexes, triggers) and rebuilds the table for everything else.
 *
 * The SQLite rebuild runs inside the migration's transaction, where
 * `PRAGMA foreign_keys` cannot be switched off.  Instead the old table is
 * renamed away with legacy_alter_table on, so the foreign keys of other
 * tables keep pointing at the name, which the new table then carries;
 * dropping the renamed old table therefore fires no ON DELETE actions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/diff.h>

#include "core/buf.h"
#include "core/error.h"
#include "schema/model.h"
#include "sql/ddl.h"

typedef struct renaming {
	const char *table; /* target table name for a column rename; NULL for a table renaming */
	const char *from, *to;
} renaming;

typedef struct ctx {
	const strata_schema *a, *b;
	strata_backend d;
	bool pg;
	renaming *rn;
	int nrn;
	strata_buf *tx, *nontx;
	strata_buf *pre; /* PostgreSQL: enum values that must be committed before the main part uses them */
	strata_plan *plan; /* changes are recorded only when not NULL */
	strata_schema *arena; /* strings for the change list */
	bool concurrent;
	bool need_prelude;
	bool rebuilt; /* SQLite: a rebuild needs foreign keys off, outside the runner's transaction */
} ctx;

static bool streq0(const char *x, const char *y)
{
	if (!x || !y)
		return x == y;
	return strcmp(x, y) == 0;
}

static int change(ctx *c, strata_change_kind kind, const char *table, const char *name, bool destructive,
		  const char *fmt, ...) STRATA_PRINTF(6, 7);

static int change(ctx *c, strata_change_kind kind, const char *table, const char *name, bool destructive,
		  const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!c->plan)
		return STRATA_OK;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	strata_change *ch = strata__push(c->arena, &c->plan->changes, &c->plan->nchanges, sizeof *ch);
	if (!ch || !(ch->summary = strata__sdup(c->arena, msg)) || (table && !(ch->table = strata__sdup(c->arena, table))) ||
	    (name && !(ch->name = strata__sdup(c->arena, name))))
		return STRATA_ENOMEM;
	ch->kind = kind;
	ch->destructive = destructive;
	if (destructive)
		c->plan->destructive = true;
	return STRATA_OK;
}

static int destructive(strata_buf *b, const char *why)
{
	return strata__buf_printf(b, "-- strata:destructive %s\n", why);
}

/* ---- matching ---- */

static const strata_table *a_table_for(const ctx *c, const strata_table *tb)
{
	for (int i = 0; i < c->nrn; i++)
		if (!c->rn[i].table && strcmp(c->rn[i].to, tb->name) == 0)
			return strata_schema_table(c->a, c->rn[i].from);
	for (int i = 0; i < c->nrn; i++)
		if (!c->rn[i].table && strcmp(c->rn[i].from, tb->name) == 0)
			return NULL; /* that name moved away */
	return strata_schema_table(c->a, tb->name);
}

static const strata_table *b_table_for(const ctx *c, const strata_table *ta)
{
	for (int i = 0; i < c->nrn; i++)
		if (!c->rn[i].table && strcmp(c->rn[i].from, ta->name) == 0)
			return strata_schema_table(c->b, c->rn[i].to);
	const strata_table *tb = strata_schema_table(c->b, ta->name);
	return tb && a_table_for(c, tb) == ta ? tb : NULL;
}

static const strata_column *a_col_for(const ctx *c, const strata_table *ta, const strata_table *tb, const strata_column *cb)
{
	for (int i = 0; i < c->nrn; i++)
		if (c->rn[i].table && strcmp(c->rn[i].table, tb->name) == 0 && strcmp(c->rn[i].to, cb->name) == 0)
			return strata_table_column(ta, c->rn[i].from);
	for (int i = 0; i < c->nrn; i++)
		if (c->rn[i].table && strcmp(c->rn[i].table, tb->name) == 0 && strcmp(c->rn[i].from, cb->name) == 0)
			return NULL;
	return strata_table_column(ta, cb->name);
}

static const strata_column *b_col_for(const ctx *c, const strata_table *ta, const strata_table *tb, const strata_column *ca)
{
	for (int i = 0; i < tb->ncolumns; i++)
		if (a_col_for(c, ta, tb, &tb->columns[i]) == ca)
			return &tb->columns[i];
	return NULL;
}

static bool same_list(const char *const *x, int nx, const char *const *y, int ny)
{
	if (nx != ny)
		return false;
	for (int i = 0; i < nx; i++)
		if (strcmp(x[i], y[i]) != 0)
			return false;
	return true;
}

static const strata_index *find_index(const strata_table *t, const char *name)
{
	return t ? strata_table_index(t, name) : NULL;
}

static const strata_fkey *find_fkey(const strata_table *t, const char *name)
{
	for (int i = 0; t && i < t->nfkeys; i++)
		if (strcmp(t->fkeys[i].name, name) == 0)
			return &t->fkeys[i];
	return NULL;
}

static const strata_unique *find_unique(const strata_table *t, const char *name)
{
	for (int i = 0; t && i < t->nuniques; i++)
		if (strcmp(t->uniques[i].name, name) == 0)
			return &t->uniques[i];
	return NULL;
}

static const strata_check *find_check(const strata_table *t, const char *name)
{
	for (int i = 0; t && i < t->nchecks; i++)
		if (strcmp(t->checks[i].name, name) == 0)
			return &t->checks[i];
	return NULL;
}

/* Index xa (in `from`) and xb (in `to`) say the same thing, column renames taken into account. */
static bool index_matches(const ctx *c, const strata_table *ta, const strata_table *tb, const strata_index *xa,
			  const strata_index *xb)
{
	if (xa->unique != xb->unique || !streq0(xa->where, xb->where) || xa->ncolumns != xb->ncolumns)
		return false;
	for (int i = 0; i < xb->ncolumns; i++) {
		const strata_column *cb = strata_table_column(tb, xb->columns[i]);
		const strata_column *ca = cb ? a_col_for(c, ta, tb, cb) : NULL;
		if (!ca || strcmp(ca->name, xa->columns[i]) != 0)
			return false;
	}
	return true;
}

/* The same key, table and column renames taken into account. */
static bool fkey_matches(const ctx *c, const strata_table *ta, const strata_table *tb, const strata_fkey *fa,
			 const strata_fkey *fb)
{
	if (fa->on_delete != fb->on_delete || fa->on_update != fb->on_update || fa->ncolumns != fb->ncolumns ||
	    fa->nref_columns != fb->nref_columns)
		return false;
	for (int i = 0; i < fb->ncolumns; i++) {
		const strata_column *cb = strata_table_column(tb, fb->columns[i]);
		const strata_column *ca = cb ? a_col_for(c, ta, tb, cb) : NULL;
		if (!ca || strcmp(ca->name, fa->columns[i]) != 0)
			return false;
	}
	const strata_table *rb = strata_schema_table(c->b, fb->ref_table);
	const strata_table *ra = rb ? a_table_for(c, rb) : NULL;
	if (!ra || strcmp(ra->name, fa->ref_table) != 0)
		return false;
	for (int i = 0; i < fb->nref_columns; i++) {
		const strata_column *cb = strata_table_column(rb, fb->ref_columns[i]);
		const strata_column *ca = cb ? a_col_for(c, ra, rb, cb) : NULL;
		if (!ca || strcmp(ca->name, fa->ref_columns[i]) != 0)
			return false;
	}
	return true;
}

/* Column lists that name the same columns, column renames taken into account. */
static bool cols_match(const ctx *c, const strata_table *ta, const strata_table *tb, const char *const *acols, int na,
		       const char *const *bcols, int nb)
{
	if (na != nb)
		return false;
	for (int i = 0; i < nb; i++) {
		const strata_column *cb = strata_table_column(tb, bcols[i]);
		const strata_column *ca = cb ? a_col_for(c, ta, tb, cb) : NULL;
		if (!ca || strcmp(ca->name, acols[i]) != 0)
			return false;
	}
	return true;
}

static const strata_unique *unique_renamed(const ctx *c, const strata_table *ta, const strata_table *tb, const strata_unique *u,
					   bool from_a)
{
	const strata_table *other = from_a ? tb : ta, *self = from_a ? ta : tb;
	for (int i = 0; i < other->nuniques; i++) {
		const strata_unique *o = &other->uniques[i];
		if (find_unique(self, o->name))
			continue;
		if (from_a ? cols_match(c, ta, tb, u->columns, u->ncolumns, o->columns, o->ncolumns)
			   : cols_match(c, ta, tb, o->columns, o->ncolumns, u->columns, u->ncolumns))
			return o;
	}
	return NULL;
}

static const strata_check *check_renamed(const strata_table *self, const strata_table *other, const strata_check *k)
{
	for (int i = 0; i < other->nchecks; i++)
		if (!find_check(self, other->checks[i].name) && strcmp(other->checks[i].expr, k->expr) == 0)
			return &other->checks[i];
	return NULL;
}

static int alter_table(ctx *c, strata_buf *b, const char *table);

static int rename_constraint(ctx *c, const char *table, const char *from, const char *to)
{
	int rc;
	if ((rc = change(c, STRATA_CHANGE_ADD_CONSTRAINT, table, to, false, "rename constraint %s to %s", from, to)) ||
	    (rc = alter_table(c, c->tx, table)) || (rc = strata__buf_puts(c->tx, "RENAME CONSTRAINT ")) ||
	    (rc = strata__sql_ident(c->tx, c->d, from)) || (rc = strata__buf_puts(c->tx, " TO ")) ||
	    (rc = strata__sql_ident(c->tx, c->d, to)))
		return rc;
	return strata__buf_puts(c->tx, ";\n");
}

/* PostgreSQL renames instead of dropping and recreating: the `to` index or key `from`'s became under a new name. */
static const strata_index *index_renamed_to(const ctx *c, const strata_table *ta, const strata_table *tb, const strata_index *xa)
{
	for (int i = 0; i < tb->nindexes; i++)
		if (!find_index(ta, tb->indexes[i].name) && index_matches(c, ta, tb, xa, &tb->indexes[i]))
			return &tb->indexes[i];
	return NULL;
}

static const strata_index *index_renamed_from(const ctx *c, const strata_table *ta, const strata_table *tb, const strata_index *xb)
{
	for (int i = 0; i < ta->nindexes; i++)
		if (!find_index(tb, ta->indexes[i].name) && index_matches(c, ta, tb, &ta->indexes[i], xb))
			return &ta->indexes[i];
	return NULL;
}

static const strata_fkey *fkey_renamed_to(const ctx *c, const strata_table *ta, const strata_table *tb, const strata_fkey *fa)
{
	for (int i = 0; i < tb->nfkeys; i++)
		if (!find_fkey(ta, tb->fkeys[i].name) && fkey_matches(c, ta, tb, fa, &tb->fkeys[i]))
			return &tb->fkeys[i];
	return NULL;
}

static const strata_fkey *fkey_renamed_from(const ctx *c, const strata_table *ta, const strata_table *tb, const strata_fkey *fb)
{
	for (int i = 0; i < ta->nfkeys; i++)
		if (!find_fkey(tb, ta->fkeys[i].name) && fkey_matches(c, ta, tb, &ta->fkeys[i], fb))
			return &ta->fkeys[i];
	return NULL;
}

/* The SQLite CHECK a column's type implies, compared across the two models (enum values may differ). */
static bool same_implied(const ctx *c, const strata_column *ca, const strata_column *cb)
{
	strata_buf x = STRATA_BUF_INIT, y = STRATA_BUF_INIT;
	strata_column tmp = *ca;
	tmp.name = cb->name;
	int rx = strata__sql_implied_check(&x, c->a, &tmp, 0);
	int ry = strata__sql_implied_check(&y, c->b, cb, 0);
	bool same = rx == ry && strcmp(strata__buf_cstr(&x), strata__buf_cstr(&y)) == 0;
	strata__buf_free(&x);
	strata__buf_free(&y);
	return same;
}

static bool same_column(const strata_column *x, const strata_column *y)
{
	return strata__coltype_eq(&x->type, &y->type) && x->not_null == y->not_null && strata__default_same(&y->type, &x->dflt, &y->dflt) &&
	       streq0(x->check, y->check) && x->unique == y->unique;
}

/* Widening type changes keep every value. */
static bool widening(const strata_coltype *x, const strata_coltype *y)
{
	if (x->array != y->array)
		return false;
	if (strata__coltype_eq(x, y))
		return true;
	if (x->kind == STRATA_T_INT && (y->kind == STRATA_T_BIGINT || y->kind == STRATA_T_FLOAT || y->kind == STRATA_T_SERIAL))
		return true;
	if ((x->kind == STRATA_T_SERIAL && y->kind == STRATA_T_BIGINT) || (x->kind == STRATA_T_BIGINT && y->kind == STRATA_T_SERIAL))
		return true;
	if (x->kind == STRATA_T_STRING && y->kind == STRATA_T_STRING)
		return y->length >= x->length;
	if ((x->kind == STRATA_T_STRING || x->kind == STRATA_T_ENUM || x->kind == STRATA_T_UUID) && y->kind == STRATA_T_TEXT)
		return true;
	if (x->kind == STRATA_T_DECIMAL && y->kind == STRATA_T_DECIMAL)
		return y->scale >= x->scale && y->precision - y->scale >= x->precision - x->scale;
	return false;
}

/* ---- pieces of SQL ---- */

static int alter_table(ctx *c, strata_buf *b, const char *table)
{
	int rc;
	if ((rc = strata__buf_puts(b, "ALTER TABLE ")) || (rc = strata__sql_ident(b, c->d, table)))
		return rc;
	return strata__buf_putc(b, ' ');
}

static int drop_constraint(ctx *c, const char *table, const char *name)
{
	int rc;
	if ((rc = alter_table(c, c->tx, table)) || (rc = strata__buf_puts(c->tx, "DROP CONSTRAINT IF EXISTS ")) ||
	    (rc = strata__sql_ident(c->tx, c->d, name)))
		return rc;
	return strata__buf_puts(c->tx, ";\n");
}

static int drop_index(ctx *c, strata_buf *b, const char *name, bool concurrently)
{
	int rc;
	if ((rc = strata__buf_printf(b, "DROP INDEX %sIF EXISTS ", concurrently ? "CONCURRENTLY " : "")) ||
	    (rc = strata__sql_ident(b, c->d, name)))
		return rc;
	return strata__buf_puts(b, ";\n");
}

static int column_check_comment(ctx *c, const strata_table *t, const strata_column *col)
{
	strata_table one;
	memset(&one, 0, sizeof one);
	one.name = t->name;
	one.columns = (strata_column *)col;
	one.ncolumns = 1;
	return strata__sql_check_comments(c->tx, c->d, &one);
}

/* ---- SQLite: the rebuild ---- */

static int sqlite_rebuild(ctx *c, const strata_table *ta, const strata_table *tb, const char *why)
{
	strata_buf *b = c->tx;
	char tmp[160];
	int rc;
	snprintf(tmp, sizeof tmp, "%.50s__strata_new", tb->name);
	const char *lossy = NULL;
	for (int i = 0; i < ta->ncolumns && !lossy; i++)
		if (!b_col_for(c, ta, tb, &ta->columns[i]))
			lossy = "the rebuild leaves out columns that are dropped";
	for (int i = 0; i < tb->ncolumns && !lossy; i++) {
		const strata_column *cb = &tb->columns[i], *ca = a_col_for(c, ta, tb, cb);
		if (ca && !widening(&ca->type, &cb->type))
			lossy = "a narrowing type change can fail or lose data";
		else if (ca && cb->not_null && !ca->not_null)
			lossy = "NOT NULL fails on a column that holds NULLs";
	}
	c->rebuilt = true;
	if ((rc = change(c, STRATA_CHANGE_REBUILD_TABLE, tb->name, NULL, lossy != NULL, "rebuild table %s (%s)", tb->name, why)))
		return rc;
	if ((rc = strata__buf_printf(b, "-- rebuild %s: %s\n", tb->name, why)))
		return rc;
	if (lossy && (rc = destructive(b, lossy)))
		return rc;
	if ((rc = strata__sql_drop_triggers(b, c->d, ta)) || (rc = strata__sql_create_table(b, c->d, c->b, tb, tmp, NULL, NULL)))
		return rc;
	bool any = false;
	strata_buf to = STRATA_BUF_INIT, from = STRATA_BUF_INIT;
	for (int i = 0; i < tb->ncolumns && !rc; i++) {
		const strata_column *ca = a_col_for(c, ta, tb, &tb->columns[i]);
		if (!ca)
			continue;
		if (any && ((rc = strata__buf_puts(&to, ", ")) || (rc = strata__buf_puts(&from, ", "))))
			break;
		if (!(rc = strata__sql_ident(&to, c->d, tb->columns[i].name)))
			rc = strata__sql_ident(&from, c->d, ca->name);
		any = true;
	}
	if (!rc && any) {
		if (!(rc = strata__buf_puts(b, "INSERT INTO ")) && !(rc = strata__sql_ident(b, c->d, tmp)) &&
		    !(rc = strata__buf_printf(b, " (%s) SELECT %s FROM ", strata__buf_cstr(&to), strata__buf_cstr(&from))) &&
		    !(rc = strata__sql_ident(b, c->d, tb->name)))
			rc = strata__buf_puts(b, ";\n");
	}
	strata__buf_free(&to);
	strata__buf_free(&from);
	if (rc || (rc = strata__buf_puts(b, "DROP TABLE ")) || (rc = strata__sql_ident(b, c->d, tb->name)) ||
	    (rc = strata__buf_puts(b, ";\n")) || (rc = alter_table(c, b, tmp)) || (rc = strata__buf_puts(b, "RENAME TO ")) ||
	    (rc = strata__sql_ident(b, c->d, tb->name)) || (rc = strata__buf_puts(b, ";\n")))
		return rc;
	for (int i = 0; i < tb->nindexes; i++)
		if ((rc = strata__sql_create_index(b, c->d, tb, &tb->indexes[i], false)))
			return rc;
	return strata__sql_triggers(b, c->d, tb);
}

/* Can SQLite's ALTER TABLE ADD COLUMN add this column to a table with rows? */
static bool sqlite_simple_add(const strata_table *tb, const strata_column *cb)
{
	if (cb->unique || strata_table_in_pkey(tb, cb->name) || cb->type.kind == STRATA_T_SERIAL)
		return false;
	switch (cb->dflt.kind) {
	case STRATA_DEFAULT_NONE: return !cb->not_null;
	case STRATA_DEFAULT_INT:
	case STRATA_DEFAULT_NUMBER:
	case STRATA_DEFAULT_STRING:
	case STRATA_DEFAULT_BOOL:
	case STRATA_DEFAULT_ENUM: return true;
	default: return false;
	}
}

/* ---- one table present on both sides ---- */

static int add_column_sql(ctx *c, const strata_table *tb, const strata_column *cb)
{
	int rc;
	if ((rc = alter_table(c, c->tx, tb->name)) || (rc = strata__buf_puts(c->tx, "ADD COLUMN ")) ||
	    (rc = strata__sql_column_def(c->tx, c->d, c->b, tb, cb)) || (rc = strata__buf_puts(c->tx, ";\n")))
		return rc;
	return cb->check ? column_check_comment(c, tb, cb) : STRATA_OK;
}

static int pg_alter_column(ctx *c, const strata_table *tb, const strata_column *ca, const strata_column *cb)
{
	strata_buf *b = c->tx;
	int rc = STRATA_OK;
	const char *t = tb->name;
	if (!strata__coltype_eq(&ca->type, &cb->type)) {
		bool lossy = !widening(&ca->type, &cb->type);
		if ((rc = change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, lossy, "change type of %s.%s", t, cb->name)))
			return rc;
		if (lossy && (rc = destructive(b, "a narrowing type change can fail or lose data")))
			return rc;
		if (ca->dflt.kind != STRATA_DEFAULT_NONE &&
		    ((rc = alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) || (rc = strata__sql_ident(b, c->d, cb->name)) ||
		     (rc = strata__buf_puts(b, " DROP DEFAULT;\n"))))
			return rc;
		strata_coltype ty = cb->type;
		if (ty.kind == STRATA_T_SERIAL)
			ty.kind = STRATA_T_BIGINT;
		bool was_serial = ca->type.kind == STRATA_T_SERIAL, is_serial = cb->type.kind == STRATA_T_SERIAL;
		if (was_serial && !is_serial &&
		    ((rc = alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) || (rc = strata__sql_ident(b, c->d, cb->name)) ||
		     (rc = strata__buf_puts(b, " DROP IDENTITY IF EXISTS;\n"))))
			return rc;
		if ((rc = alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) || (rc = strata__sql_ident(b, c->d, cb->name)) ||
		    (rc = strata__buf_puts(b, " TYPE ")) || (rc = strata__sql_coltype(b, c->d, &ty)) || (rc = strata__buf_puts(b, " USING ")) ||
		    (rc = strata__sql_ident(b, c->d, ca->name)) || (rc = strata__buf_puts(b, "::")) ||
		    (rc = strata__sql_coltype(b, c->d, &ty)) || (rc = strata__buf_puts(b, ";\n")))
			return rc;
		if (cb->dflt.kind != STRATA_DEFAULT_NONE &&
		    ((rc = alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) || (rc = strata__sql_ident(b, c->d, cb->name)) ||
		     (rc = strata__buf_puts(b, " SET DEFAULT ")) || (rc = strata__sql_default(b, c->d, cb)) || (rc = strata__buf_puts(b, ";\n"))))
			return rc;
		if (is_serial && !was_serial) {
			/* Generated from here on, starting after the keys the table already holds. */
			strata_buf qt = STRATA_BUF_INIT;
			if (!(rc = alter_table(c, b, t)) && !(rc = strata__buf_puts(b, "ALTER COLUMN ")) &&
			    !(rc = strata__sql_ident(b, c->d, cb->name)) &&
			    !(rc = strata__buf_puts(b, " ADD GENERATED BY DEFAULT AS IDENTITY;\nSELECT setval(pg_get_serial_sequence(")) &&
			    !(rc = strata__sql_ident(&qt, c->d, t)) && !(rc = strata__sql_literal(b, strata__buf_cstr(&qt))) &&
			    !(rc = strata__buf_puts(b, ", ")) && !(rc = strata__sql_literal(b, cb->name)) &&
			    !(rc = strata__buf_puts(b, "), coalesce(max(")) && !(rc = strata__sql_ident(b, c->d, cb->name)) &&
			    !(rc = strata__buf_puts(b, "), 0) + 1, false) FROM ")) && !(rc = strata__sql_ident(b, c->d, t)))
				rc = strata__buf_puts(b, ";\n");
			strata__buf_free(&qt);
			if (rc)
				return rc;
		}
	} else if (!strata__default_same(&cb->type, &ca->dflt, &cb->dflt)) {
		if ((rc = change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, false, "change default of %s.%s", t, cb->name)) ||
		    (rc = alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) || (rc = strata__sql_ident(b, c->d, cb->name)))
			return rc;
		if (cb->dflt.kind == STRATA_DEFAULT_NONE)
			rc = strata__buf_puts(b, " DROP DEFAULT;\n");
		else if (!(rc = strata__buf_puts(b, " SET DEFAULT ")) && !(rc = strata__sql_default(b, c->d, cb)))
			rc = strata__buf_puts(b, ";\n");
		if (rc)
			return rc;
		if (cb->dflt.kind == STRATA_DEFAULT_UUID_V7)
			c->need_prelude = true;
	}
	if (ca->not_null != cb->not_null) {
		if ((rc = change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, cb->not_null, "%s %s.%s",
				 cb->not_null ? "set not null on" : "drop not null on", t, cb->name)))
			return rc;
		if (cb->not_null && (rc = destructive(b, "NOT NULL fails on a column that holds NULLs")))
			return rc;
		if ((rc = alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) || (rc = strata__sql_ident(b, c->d, cb->name)) ||
		    (rc = strata__buf_puts(b, cb->not_null ? " SET NOT NULL;\n" : " DROP NOT NULL;\n")))
			return rc;
	}
	char cname[160];
	snprintf(cname, sizeof cname, "%.70s_%.70s_check", t, cb->name);
	if (!streq0(ca->check, cb->check)) {
		if ((rc = change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, false, "change check of %s.%s", t, cb->name)))
			return rc;
		char oldname[160];
		snprintf(oldname, sizeof oldname, "%.70s_%.70s_check", t, ca->name);
		if (ca->check && (rc = drop_constraint(c, t, oldname)))
			return rc;
		if (cb->check) {
			if ((rc = alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ADD CONSTRAINT ")) || (rc = strata__sql_ident(b, c->d, cname)) ||
			    (rc = strata__buf_printf(b, " CHECK (%s);\n", cb->check)) || (rc = column_check_comment(c, tb, cb)))
				return rc;
		}
	}
	if (ca->unique != cb->unique) {
		char uname[160];
		snprintf(uname, sizeof uname, "%s_%s_key", t, cb->name);
		if (strlen(uname) > 63)
			uname[63] = '\0';
		if ((rc = change(c, cb->unique ? STRATA_CHANGE_ADD_CONSTRAINT : STRATA_CHANGE_DROP_CONSTRAINT, t, uname, false,
				 "%s unique on %s.%s", cb->unique ? "add" : "drop", t, cb->name)))
			return rc;
		if (!cb->unique)
			return drop_constraint(c, t, uname);
		if ((rc = alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ADD CONSTRAINT ")) || (rc = strata__sql_ident(b, c->d, uname)) ||
		    (rc = strata__buf_puts(b, " UNIQUE (")) || (rc = strata__sql_ident(b, c->d, cb->name)) || (rc = strata__buf_puts(b, ");\n")))
			return rc;
	}
	return STRATA_OK;
}

/* Why SQLite must rebuild, or NULL when ALTER TABLE can do it. */
static const char *sqlite_rebuild_reason(const ctx *c, const strata_table *ta, const strata_table *tb)
{
	for (int i = 0; i < ta->ncolumns; i++)
		if (!b_col_for(c, ta, tb, &ta->columns[i]))
			return "a column is dropped";
	for (int i = 0; i < tb->ncolumns; i++) {
		const strata_column *cb = &tb->columns[i], *ca = a_col_for(c, ta, tb, cb);
		if (!ca) {
			if (!sqlite_simple_add(tb, cb))
				return "a column that ALTER TABLE ADD COLUMN cannot add";
			continue;
		}
		if (!same_column(ca, cb) || !same_implied(c, ca, cb))
			return "a column changes";
	}
	if (ta->npkey != tb->npkey)
		return "the primary key changes";
	for (int i = 0; i < tb->npkey; i++) {
		const strata_column *ca = a_col_for(c, ta, tb, strata_table_column(tb, tb->pkey[i]));
		if (!ca || !strata_table_in_pkey(ta, ca->name))
			return "the primary key changes";
	}
	if (ta->nuniques != tb->nuniques || ta->nchecks != tb->nchecks || ta->nfkeys != tb->nfkeys)
		return "constraints change";
	for (int i = 0; i < tb->nuniques; i++) {
		const strata_unique *u = find_unique(ta, tb->uniques[i].name);
		if (!u || !cols_match(c, ta, tb, u->columns, u->ncolumns, tb->uniques[i].columns, tb->uniques[i].ncolumns))
			return "constraints change";
	}
	for (int i = 0; i < tb->nchecks; i++) {
		const strata_check *k = find_check(ta, tb->checks[i].name);
		if (!k || strcmp(k->expr, tb->checks[i].expr) != 0)
			return "constraints change";
	}
	for (int i = 0; i < tb->nfkeys; i++) {
		const strata_fkey *f = find_fkey(ta, tb->fkeys[i].name);
		if (!f || !fkey_matches(c, ta, tb, f, &tb->fkeys[i]))
			return "foreign keys change";
	}
	return NULL;
}

static int triggers_changed(ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc = STRATA_OK;
	bool differ = strcmp(ta->name, tb->name) != 0;
	for (int i = 0; i < tb->ncolumns && !differ; i++) {
		const strata_column *ca = a_col_for(c, ta, tb, &tb->columns[i]);
		if ((ca ? ca->auto_update : false) != tb->columns[i].auto_update || (ca && strcmp(ca->name, tb->columns[i].name) != 0 && ca->auto_update))
			differ = true;
	}
	for (int i = 0; i < ta->ncolumns && !differ; i++)
		if (ta->columns[i].auto_update && !b_col_for(c, ta, tb, &ta->columns[i]))
			differ = true;
	if (!differ)
		return STRATA_OK;
	bool any = false;
	for (int i = 0; i < ta->ncolumns; i++)
		any |= ta->columns[i].auto_update;
	for (int i = 0; i < tb->ncolumns; i++)
		any |= tb->columns[i].auto_update;
	if (!any)
		return STRATA_OK;
	if ((rc = change(c, STRATA_CHANGE_ALTER_COLUMN, tb->name, NULL, false, "update the auto_update triggers of %s", tb->name)))
		return rc;
	/* Triggers are named after the old table; on PostgreSQL they live on the (renamed) table. */
	strata_table old = *ta;
	if (c->pg) {
		for (int i = 0; i < ta->ncolumns && !rc; i++) {
			char name[160];
			if (!ta->columns[i].auto_update)
				continue;
			strata__sql_trigger_name(name, sizeof name, ta->name, ta->columns[i].name);
			if (!(rc = strata__buf_puts(c->tx, "DROP TRIGGER IF EXISTS ")) && !(rc = strata__sql_ident(c->tx, c->d, name)) &&
			    !(rc = strata__buf_puts(c->tx, " ON ")) && !(rc = strata__sql_ident(c->tx, c->d, tb->name)))
				rc = strata__buf_puts(c->tx, ";\n");
		}
	} else {
		rc = strata__sql_drop_triggers(c->tx, c->d, &old);
	}
	for (int i = 0; i < tb->ncolumns; i++)
		c->need_prelude |= tb->columns[i].auto_update;
	return rc ? rc : strata__sql_triggers(c->tx, c->d, tb);
}

static int diff_indexes(ctx *c, const strata_table *ta, const strata_table *tb, bool rebuilt)
{
	int rc;
	for (int i = 0; i < ta->nindexes; i++) {
		const strata_index *xa = &ta->indexes[i], *xb = find_index(tb, xa->name), *xr;
		if (xb && index_matches(c, ta, tb, xa, xb))
			continue;
		if (c->pg && !xb && (xr = index_renamed_to(c, ta, tb, xa))) {
			if ((rc = change(c, STRATA_CHANGE_CREATE_INDEX, tb->name, xr->name, false, "rename index %s to %s", xa->name, xr->name)) ||
			    (rc = strata__buf_puts(c->tx, "ALTER INDEX ")) || (rc = strata__sql_ident(c->tx, c->d, xa->name)) ||
			    (rc = strata__buf_puts(c->tx, " RENAME TO ")) || (rc = strata__sql_ident(c->tx, c->d, xr->name)) ||
			    (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
			continue;
		}
		if ((rc = change(c, STRATA_CHANGE_DROP_INDEX, tb->name, xa->name, false, "drop index %s", xa->name)))
			return rc;
		if (!rebuilt && (rc = drop_index(c, c->tx, xa->name, false)))
			return rc;
	}
	for (int i = 0; i < tb->nindexes; i++) {
		const strata_index *xb = &tb->indexes[i], *xa = find_index(ta, xb->name);
		if (xa && index_matches(c, ta, tb, xa, xb))
			continue;
		if (c->pg && !xa && index_renamed_from(c, ta, tb, xb))
			continue;
		if ((rc = change(c, STRATA_CHANGE_CREATE_INDEX, tb->name, xb->name, false, "create index %s on %s%s", xb->name,
				 tb->name, c->pg && c->concurrent ? " (concurrently)" : "")))
			return rc;
		if (rebuilt)
			continue;
		if (c->pg && c->concurrent)
			rc = strata__sql_create_index(c->nontx, c->d, tb, xb, true);
		else
			rc = strata__sql_create_index(c->tx, c->d, tb, xb, false);
		if (rc)
			return rc;
	}
	return STRATA_OK;
}

static int diff_table(ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc;
	const char *t = tb->name;
	if (!c->pg) {
		/* Column renames in place; anything else ALTER TABLE cannot do rebuilds. */
		const char *why = sqlite_rebuild_reason(c, ta, tb);
		if (why)
			return sqlite_rebuild(c, ta, tb, why);
		for (int i = 0; i < tb->ncolumns; i++) {
			const strata_column *cb = &tb->columns[i], *ca = a_col_for(c, ta, tb, cb);
			if (ca && strcmp(ca->name, cb->name) != 0) {
				if ((rc = change(c, STRATA_CHANGE_RENAME_COLUMN, t, cb->name, false, "rename column %s.%s to %s", t, ca->name, cb->name)) ||
				    (rc = alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "RENAME COLUMN ")) ||
				    (rc = strata__sql_ident(c->tx, c->d, ca->name)) || (rc = strata__buf_puts(c->tx, " TO ")) ||
				    (rc = strata__sql_ident(c->tx, c->d, cb->name)) || (rc = strata__buf_puts(c->tx, ";\n")))
					return rc;
			}
			if (!ca && ((rc = change(c, STRATA_CHANGE_ADD_COLUMN, t, cb->name, false, "add column %s.%s", t, cb->name)) ||
				    (rc = add_column_sql(c, tb, cb))))
				return rc;
		}
		if ((rc = diff_indexes(c, ta, tb, false)))
			return rc;
		return triggers_changed(c, ta, tb);
	}

	/* PostgreSQL: constraints that go or change are dropped first. */
	for (int i = 0; i < ta->nfkeys; i++) {
		const strata_fkey *fb = find_fkey(tb, ta->fkeys[i].name), *fr;
		if (fb && fkey_matches(c, ta, tb, &ta->fkeys[i], fb))
			continue;
		if (!fb && (fr = fkey_renamed_to(c, ta, tb, &ta->fkeys[i]))) {
			if ((rc = change(c, STRATA_CHANGE_ADD_CONSTRAINT, t, fr->name, false, "rename foreign key %s to %s", ta->fkeys[i].name,
					 fr->name)) ||
			    (rc = alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "RENAME CONSTRAINT ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, ta->fkeys[i].name)) || (rc = strata__buf_puts(c->tx, " TO ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, fr->name)) || (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
			continue;
		}
		if ((rc = change(c, STRATA_CHANGE_DROP_CONSTRAINT, t, ta->fkeys[i].name, false, "drop foreign key %s", ta->fkeys[i].name)) ||
		    (rc = drop_constraint(c, t, ta->fkeys[i].name)))
			return rc;
	}
	for (int i = 0; i < ta->nuniques; i++) {
		const strata_unique *ub = find_unique(tb, ta->uniques[i].name), *ur;
		if (ub && cols_match(c, ta, tb, ta->uniques[i].columns, ta->uniques[i].ncolumns, ub->columns, ub->ncolumns))
			continue;
		if (!ub && (ur = unique_renamed(c, ta, tb, &ta->uniques[i], true))) {
			if ((rc = rename_constraint(c, t, ta->uniques[i].name, ur->name)))
				return rc;
			continue;
		}
		if ((rc = change(c, STRATA_CHANGE_DROP_CONSTRAINT, t, ta->uniques[i].name, false, "drop unique %s", ta->uniques[i].name)) ||
		    (rc = drop_constraint(c, t, ta->uniques[i].name)))
			return rc;
	}
	for (int i = 0; i < ta->nchecks; i++) {
		const strata_check *kb = find_check(tb, ta->checks[i].name), *kr;
		if (kb && strcmp(kb->expr, ta->checks[i].expr) == 0)
			continue;
		if (!kb && (kr = check_renamed(ta, tb, &ta->checks[i]))) {
			if ((rc = rename_constraint(c, t, ta->checks[i].name, kr->name)))
				return rc;
			continue;
		}
		if ((rc = change(c, STRATA_CHANGE_DROP_CONSTRAINT, t, ta->checks[i].name, false, "drop check %s", ta->checks[i].name)) ||
		    (rc = drop_constraint(c, t, ta->checks[i].name)))
			return rc;
	}
	for (int i = 0; i < tb->ncolumns; i++) {
		const strata_column *cb = &tb->columns[i], *ca = a_col_for(c, ta, tb, cb);
		if (ca && strcmp(ca->name, cb->name) != 0) {
			if ((rc = change(c, STRATA_CHANGE_RENAME_COLUMN, t, cb->name, false, "rename column %s.%s to %s", t, ca->name, cb->name)) ||
			    (rc = alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "RENAME COLUMN ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, ca->name)) || (rc = strata__buf_puts(c->tx, " TO ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, cb->name)) || (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
		}
	}
	/* Constraints named after a renamed table or column follow the new names. */
	for (int i = 0; i < tb->ncolumns; i++) {
		const strata_column *cb = &tb->columns[i], *ca = a_col_for(c, ta, tb, cb);
		if (!ca)
			continue;
		for (int k = 0; k < 2; k++) {
			char from[200], to[200];
			if (k == 0 && !(ca->unique && cb->unique))
				continue;
			if (k == 1 && !(ca->check && cb->check))
				continue;
			snprintf(from, sizeof from, k ? "%.70s_%.70s_check" : "%s_%s_key", ta->name, ca->name);
			snprintf(to, sizeof to, k ? "%.70s_%.70s_check" : "%s_%s_key", tb->name, cb->name);
			from[63] = to[63] = '\0';
			if (strcmp(from, to) == 0)
				continue;
			if ((rc = alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "RENAME CONSTRAINT ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, from)) || (rc = strata__buf_puts(c->tx, " TO ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, to)) || (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
		}
	}
	/* The primary key. */
	bool pk_same = ta->npkey == tb->npkey;
	for (int i = 0; pk_same && i < tb->npkey; i++) {
		const strata_column *ca = a_col_for(c, ta, tb, strata_table_column(tb, tb->pkey[i]));
		pk_same = ca && strcmp(ca->name, ta->pkey[i]) == 0;
	}
	if (!pk_same) {
		char pk[160];
		snprintf(pk, sizeof pk, "%.58s_pkey", ta->name);
		if ((rc = change(c, STRATA_CHANGE_PRIMARY_KEY, t, NULL, false, "change the primary key of %s", t)))
			return rc;
		if (ta->npkey && (rc = drop_constraint(c, t, pk)))
			return rc;
	}
	for (int i = 0; i < tb->ncolumns; i++) {
		const strata_column *cb = &tb->columns[i], *ca = a_col_for(c, ta, tb, cb);
		if (!ca) {
			if ((rc = change(c, STRATA_CHANGE_ADD_COLUMN, t, cb->name, false, "add column %s.%s", t, cb->name)))
				return rc;
			if (cb->not_null && cb->dflt.kind == STRATA_DEFAULT_NONE && cb->type.kind != STRATA_T_SERIAL &&
			    (rc = strata__buf_puts(c->tx, "-- a NOT NULL column without a default fails on a table with rows\n")))
				return rc;
			c->need_prelude |= cb->dflt.kind == STRATA_DEFAULT_UUID_V7;
			if ((rc = add_column_sql(c, tb, cb)))
				return rc;
			continue;
		}
		if ((rc = pg_alter_column(c, tb, ca, cb)))
			return rc;
	}
	if (!pk_same && tb->npkey) {
		if ((rc = alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "ADD PRIMARY KEY (")) ||
		    (rc = strata__sql_ident_list(c->tx, c->d, tb->pkey, tb->npkey)) || (rc = strata__buf_puts(c->tx, ");\n")))
			return rc;
	}
	for (int i = 0; i < ta->ncolumns; i++) {
		const strata_column *ca = &ta->columns[i];
		if (b_col_for(c, ta, tb, ca))
			continue;
		if ((rc = change(c, STRATA_CHANGE_DROP_COLUMN, t, ca->name, true, "drop column %s.%s", t, ca->name)) ||
		    (rc = destructive(c->tx, "DROP COLUMN loses the column's data")) || (rc = alter_table(c, c->tx, t)) ||
		    (rc = strata__buf_puts(c->tx, "DROP COLUMN IF EXISTS ")) || (rc = strata__sql_ident(c->tx, c->d, ca->name)) ||
		    (rc = strata__buf_puts(c->tx, ";\n")))
			return rc;
	}
	for (int i = 0; i < tb->nuniques; i++) {
		const strata_unique *ua = find_unique(ta, tb->uniques[i].name), *ub = &tb->uniques[i];
		if (ua && cols_match(c, ta, tb, ua->columns, ua->ncolumns, ub->columns, ub->ncolumns))
			continue;
		if (!ua && unique_renamed(c, ta, tb, ub, false))
			continue;
		if ((rc = change(c, STRATA_CHANGE_ADD_CONSTRAINT, t, ub->name, false, "add unique %s", ub->name)) ||
		    (rc = alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "ADD CONSTRAINT ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, ub->name)) || (rc = strata__buf_puts(c->tx, " UNIQUE (")) ||
		    (rc = strata__sql_ident_list(c->tx, c->d, ub->columns, ub->ncolumns)) || (rc = strata__buf_puts(c->tx, ");\n")))
			return rc;
	}
	for (int i = 0; i < tb->nchecks; i++) {
		const strata_check *ka = find_check(ta, tb->checks[i].name), *kb = &tb->checks[i];
		if (ka && strcmp(ka->expr, kb->expr) == 0)
			continue;
		if (!ka && check_renamed(tb, ta, kb))
			continue;
		strata_table one;
		memset(&one, 0, sizeof one);
		one.name = t;
		one.checks = (strata_check *)kb;
		one.nchecks = 1;
		if ((rc = change(c, STRATA_CHANGE_ADD_CONSTRAINT, t, kb->name, false, "add check %s", kb->name)) ||
		    (rc = alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "ADD CONSTRAINT ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, kb->name)) || (rc = strata__buf_printf(c->tx, " CHECK (%s);\n", kb->expr)) ||
		    (rc = strata__sql_check_comments(c->tx, c->d, &one)))
			return rc;
	}
	if ((rc = diff_indexes(c, ta, tb, false)))
		return rc;
	return triggers_changed(c, ta, tb);
}

/* Foreign keys added to existing tables on PostgreSQL (after every table exists). */
static int pg_add_fkeys(ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc;
	for (int i = 0; i < tb->nfkeys; i++) {
		const strata_fkey *fa = ta ? find_fkey(ta, tb->fkeys[i].name) : NULL;
		if (fa && fkey_matches(c, ta, tb, fa, &tb->fkeys[i]))
			continue;
		if (ta && !fa && fkey_renamed_from(c, ta, tb, &tb->fkeys[i]))
			continue;
		/*
		 * On a table that already has rows: add the key NOT VALID (no scan under
		 * the exclusive lock) and validate it after the commit, without blocking writes.
		 */
		bool later = ta && c->concurrent;
		if ((ta && (rc = change(c, STRATA_CHANGE_ADD_CONSTRAINT, tb->name, tb->fkeys[i].name, false, "add foreign key %s%s",
					tb->fkeys[i].name, later ? " (validated after the commit)" : ""))) ||
		    (rc = alter_table(c, c->tx, tb->name)) || (rc = strata__buf_puts(c->tx, "ADD ")) ||
		    (rc = strata__sql_fkey(c->tx, c->d, &tb->fkeys[i])) || (rc = strata__buf_puts(c->tx, later ? " NOT VALID;\n" : ";\n")))
			return rc;
		if (later && ((rc = alter_table(c, c->nontx, tb->name)) || (rc = strata__buf_puts(c->nontx, "VALIDATE CONSTRAINT ")) ||
			      (rc = strata__sql_ident(c->nontx, c->d, tb->fkeys[i].name)) || (rc = strata__buf_puts(c->nontx, ";\n"))))
			return rc;
	}
	return STRATA_OK;
}

static bool never_skip(void *ud, const strata_fkey *f)
{
	(void)ud;
	(void)f;
	return true;
}

/* ---- enums ---- */

static bool is_subsequence(const strata_enum *x, const strata_enum *y)
{
	int j = 0;
	for (int i = 0; i < y->nvalues && j < x->nvalues; i++)
		if (strcmp(y->values[i], x->values[j]) == 0)
			j++;
	return j == x->nvalues;
}

static int pg_enums_before(ctx *c)
{
	int rc;
	for (int i = 0; i < c->b->nenums; i++) {
		const strata_enum *eb = &c->b->enums[i], *ea = strata_schema_enum(c->a, eb->name);
		if (!ea) {
			if ((rc = change(c, STRATA_CHANGE_CREATE_ENUM, NULL, eb->name, false, "create enum %s", eb->name)) ||
			    (rc = strata__sql_create_enum(c->tx, c->d, eb)))
				return rc;
			continue;
		}
		if (same_list(ea->values, ea->nvalues, eb->values, eb->nvalues) || !is_subsequence(ea, eb))
			continue;
		for (int k = 0; k < eb->nvalues; k++) {
			bool have = false;
			for (int j = 0; j < ea->nvalues; j++)
				have |= strcmp(ea->values[j], eb->values[k]) == 0;
			if (have)
				continue;
			/*
			 * A value added in a transaction cannot be used before it commits:
			 * when a default names it, it goes into a part of its own that runs first.
			 */
			strata_buf *out = c->tx;
			for (int t = 0; t < c->b->ntables && c->pre; t++)
				for (int j = 0; j < c->b->tables[t].ncolumns; j++) {
					const strata_column *col = &c->b->tables[t].columns[j];
					if (col->type.kind == STRATA_T_ENUM && strcmp(col->type.enum_name, eb->name) == 0 &&
					    col->dflt.kind == STRATA_DEFAULT_ENUM && strcmp(col->dflt.text, eb->values[k]) == 0)
						out = c->pre;
				}
			if ((rc = change(c, STRATA_CHANGE_ALTER_ENUM, NULL, eb->name, false, "add value '%s' to enum %s", eb->values[k], eb->name)) ||
			    (rc = strata__buf_puts(out, "ALTER TYPE ")) || (rc = strata__sql_ident(out, c->d, eb->name)) ||
			    (rc = strata__buf_puts(out, " ADD VALUE IF NOT EXISTS ")) || (rc = strata__sql_literal(out, eb->values[k])))
				return rc;
			if (k + 1 < eb->nvalues &&
			    ((rc = strata__buf_puts(out, " BEFORE ")) || (rc = strata__sql_literal(out, eb->values[k + 1]))))
				return rc;
			if ((rc = strata__buf_puts(out, ";\n")))
				return rc;
		}
	}
	return STRATA_OK;
}

/* Values removed or reordered: a new type, columns converted through text. */
static int pg_enum_recreate(ctx *c, const strata_enum *ea, const strata_enum *eb)
{
	int rc;
	char old[160];
	snprintf(old, sizeof old, "%.50s__strata_old", eb->name);
	if ((rc = change(c, STRATA_CHANGE_ALTER_ENUM, NULL, eb->name, true, "recreate enum %s (values removed or reordered)", eb->name)) ||
	    (rc = destructive(c->tx, "enum values are removed: rows holding them make this fail")) ||
	    (rc = strata__buf_puts(c->tx, "ALTER TYPE ")) || (rc = strata__sql_ident(c->tx, c->d, ea->name)) ||
	    (rc = strata__buf_puts(c->tx, " RENAME TO ")) || (rc = strata__sql_ident(c->tx, c->d, old)) ||
	    (rc = strata__buf_puts(c->tx, ";\n")))
		return rc;
	/* CREATE TYPE directly: the DO-block form would skip it while the old name is in use. */
	if ((rc = strata__buf_puts(c->tx, "CREATE TYPE ")) || (rc = strata__sql_ident(c->tx, c->d, eb->name)) ||
	    (rc = strata__buf_puts(c->tx, " AS ENUM (")))
		return rc;
	for (int i = 0; i < eb->nvalues; i++)
		if ((i && (rc = strata__buf_puts(c->tx, ", "))) || (rc = strata__sql_literal(c->tx, eb->values[i])))
			return rc;
	if ((rc = strata__buf_puts(c->tx, ");\n")))
		return rc;
	for (int i = 0; i < c->b->ntables; i++) {
		const strata_table *tb = &c->b->tables[i];
		for (int j = 0; j < tb->ncolumns; j++) {
			const strata_column *cb = &tb->columns[j];
			if (cb->type.kind != STRATA_T_ENUM || strcmp(cb->type.enum_name, eb->name) != 0)
				continue;
			if ((rc = alter_table(c, c->tx, tb->name)) || (rc = strata__buf_puts(c->tx, "ALTER COLUMN ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, cb->name)) || (rc = strata__buf_puts(c->tx, " DROP DEFAULT, ALTER COLUMN ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, cb->name)) || (rc = strata__buf_puts(c->tx, " TYPE ")) ||
			    (rc = strata__sql_coltype(c->tx, c->d, &cb->type)) || (rc = strata__buf_puts(c->tx, " USING ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, cb->name)) || (rc = strata__buf_puts(c->tx, cb->type.array ? "::text[]::" : "::text::")) ||
			    (rc = strata__sql_coltype(c->tx, c->d, &cb->type)) || (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
			if (cb->dflt.kind != STRATA_DEFAULT_NONE &&
			    ((rc = alter_table(c, c->tx, tb->name)) || (rc = strata__buf_puts(c->tx, "ALTER COLUMN ")) ||
			     (rc = strata__sql_ident(c->tx, c->d, cb->name)) || (rc = strata__buf_puts(c->tx, " SET DEFAULT ")) ||
			     (rc = strata__sql_default(c->tx, c->d, cb)) || (rc = strata__buf_puts(c->tx, ";\n"))))
				return rc;
		}
	}
	if ((rc = strata__buf_puts(c->tx, "DROP TYPE ")) || (rc = strata__sql_ident(c->tx, c->d, old)))
		return rc;
	return strata__buf_puts(c->tx, ";\n");
}

/* ---- the whole ---- */

static int diff_all(ctx *c)
{
	int rc;
	const strata_schema *a = c->a, *b = c->b;
	if (c->pg && (rc = pg_enums_before(c)))
		return rc;
	/* Table renames. */
	for (int i = 0; i < b->ntables; i++) {
		const strata_table *tb = &b->tables[i], *ta = a_table_for(c, tb);
		if (!ta || strcmp(ta->name, tb->name) == 0)
			continue;
		if ((rc = change(c, STRATA_CHANGE_RENAME_TABLE, tb->name, NULL, false, "rename table %s to %s", ta->name, tb->name)) ||
		    (rc = alter_table(c, c->tx, ta->name)) || (rc = strata__buf_puts(c->tx, "RENAME TO ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, tb->name)) || (rc = strata__buf_puts(c->tx, ";\n")))
			return rc;
	}
	/* New tables, in dependency order; their keys to other tables come after on PostgreSQL. */
	bool *made = calloc((size_t)b->ntables + 1, sizeof *made);
	if (!made)
		return strata__error_nomem();
	rc = STRATA_OK;
	for (int i = 0; i < b->ntables; i++)
		made[i] = a_table_for(c, &b->tables[i]) != NULL;
	for (int i = 0; i < b->ntables && !rc; i++) {
		const strata_table *tb = &b->tables[i];
		if (made[i])
			continue;
		made[i] = true;
		for (int j = 0; j < tb->ncolumns; j++)
			c->need_prelude |= tb->columns[j].auto_update || tb->columns[j].dflt.kind == STRATA_DEFAULT_UUID_V7;
		if ((rc = change(c, STRATA_CHANGE_CREATE_TABLE, tb->name, NULL, false, "create table %s", tb->name)) ||
		    (rc = strata__sql_create_table(c->tx, c->d, b, tb, NULL, c->pg ? never_skip : NULL, NULL)) ||
		    (rc = strata__sql_check_comments(c->tx, c->d, tb)))
			break;
		for (int j = 0; j < tb->nindexes && !rc; j++)
			rc = strata__sql_create_index(c->tx, c->d, tb, &tb->indexes[j], false);
		if (!rc)
			rc = strata__sql_triggers(c->tx, c->d, tb);
	}
	free(made);
	if (rc)
		return rc;
	/* Tables on both sides. */
	for (int i = 0; i < b->ntables; i++) {
		const strata_table *tb = &b->tables[i], *ta = a_table_for(c, tb);
		if (ta && (rc = diff_table(c, ta, tb)))
			return rc;
	}
	if (c->pg) {
		for (int i = 0; i < b->ntables; i++)
			if ((rc = pg_add_fkeys(c, a_table_for(c, &b->tables[i]), &b->tables[i])))
				return rc;
		for (int i = 0; i < b->nenums; i++) {
			const strata_enum *ea = strata_schema_enum(a, b->enums[i].name);
			if (ea && !same_list(ea->values, ea->nvalues, b->enums[i].values, b->enums[i].nvalues) &&
			    !is_subsequence(ea, &b->enums[i]) && (rc = pg_enum_recreate(c, ea, &b->enums[i])))
				return rc;
		}
	}
	/* Dropped tables: referencing tables first.  Keys between dropped tables go first on PostgreSQL. */
	for (int i = 0; c->pg && i < a->ntables; i++) {
		const strata_table *ta = &a->tables[i];
		if (b_table_for(c, ta))
			continue;
		for (int j = 0; j < ta->nfkeys; j++)
			if ((rc = drop_constraint(c, ta->name, ta->fkeys[j].name)))
				return rc;
	}
	for (int i = a->ntables - 1; i >= 0; i--) {
		const strata_table *ta = &a->tables[i];
		if (b_table_for(c, ta))
			continue;
		if ((rc = change(c, STRATA_CHANGE_DROP_TABLE, ta->name, NULL, true, "drop table %s", ta->name)) ||
		    (rc = destructive(c->tx, "DROP TABLE loses every row")) || (rc = strata__buf_puts(c->tx, "DROP TABLE IF EXISTS ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, ta->name)) || (rc = strata__buf_puts(c->tx, ";\n")))
			return rc;
	}
	for (int i = 0; c->pg && i < a->nenums; i++) {
		if (strata_schema_enum(b, a->enums[i].name))
			continue;
		if ((rc = change(c, STRATA_CHANGE_DROP_ENUM, NULL, a->enums[i].name, false, "drop enum %s", a->enums[i].name)) ||
		    (rc = strata__buf_puts(c->tx, "DROP TYPE IF EXISTS ")) || (rc = strata__sql_ident(c->tx, c->d, a->enums[i].name)) ||
		    (rc = strata__buf_puts(c->tx, ";\n")))
			return rc;
	}
	return STRATA_OK;
}

/* Run one direction; the SQL is the prelude (when needed) and the statements. */
static int run(const strata_schema *a, const strata_schema *b, strata_backend d, renaming *rn, int nrn, bool concurrent,
	       strata_plan *plan, strata_schema *arena, char **tx_out, char **nontx_out, bool *own_tx, char **pre_out)
{
	strata_buf tx = STRATA_BUF_INIT, nontx = STRATA_BUF_INIT, full = STRATA_BUF_INIT, pre = STRATA_BUF_INIT;
	ctx c = { a, b, d, d == STRATA_BACKEND_POSTGRES, rn, nrn, &tx, &nontx, pre_out ? &pre : NULL, plan, arena, concurrent, false, false };
	int rc = diff_all(&c);
	/*
	 * SQLite's documented rebuild switches foreign keys off, which only works
	 * outside a transaction: such a section opens its own (transaction:false).
	 */
	if (!rc && c.rebuilt)
		rc = strata__buf_puts(&full, "PRAGMA foreign_keys = OFF;\nBEGIN IMMEDIATE;\n");
	if (!rc && c.need_prelude && tx.len)
		rc = strata__sql_prelude(&full, d, b);
	if (!rc && tx.len)
		rc = strata__buf_puts(&full, strata__buf_cstr(&tx));
	if (!rc && c.rebuilt)
		rc = strata__buf_puts(&full, "PRAGMA foreign_key_check;\nCOMMIT;\nPRAGMA foreign_keys = ON;\n");
	if (own_tx)
		*own_tx = c.rebuilt;
	if (!rc) {
		*tx_out = full.ptr ? strata__buf_detach(&full) : strata__strdup("");
		*nontx_out = nontx.len ? strata__buf_detach(&nontx) : NULL;
		if (!*tx_out || (nontx.len && !*nontx_out))
			rc = STRATA_ENOMEM;
		if (!rc && pre_out && pre.len && !(*pre_out = strata__buf_detach(&pre)))
			rc = STRATA_ENOMEM;
	}
	strata__buf_free(&pre);
	strata__buf_free(&tx);
	strata__buf_free(&nontx);
	strata__buf_free(&full);
	return rc;
}

struct plan_private {
	strata_plan plan;
	strata_schema *arena;
};

void strata_plan_free(strata_plan *p)
{
	if (!p)
		return;
	struct plan_private *pp = (struct plan_private *)p;
	free(p->up);
	free(p->down);
	free(p->up_nontx);
	free(p->down_nontx);
	free(p->up_pre);
	strata_schema_free(pp->arena);
	free(pp);
}

int strata_diff(const strata_schema *from, const strata_schema *to, strata_backend backend, strata_plan **out)
{
	struct plan_private *pp = NULL;
	renaming *fw = NULL, *bw = NULL;
	int nrn = 0, rc;
	char *ignore = NULL;
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_diff: out is NULL");
	*out = NULL;
	if (!from || !to || (backend != STRATA_BACKEND_SQLITE && backend != STRATA_BACKEND_POSTGRES))
		return strata__error_set(STRATA_EINVAL, "strata_diff: bad argument");
	if (!(pp = calloc(1, sizeof *pp)))
		return strata__error_nomem();
	if ((rc = strata__schema_new(&pp->arena, NULL)))
		goto fail;
	/* Renames from the hints of `to` that apply to `from`. */
	int cap = 1;
	for (int i = 0; i < to->ntables; i++)
		cap += 1 + to->tables[i].ncolumns;
	fw = calloc((size_t)cap, sizeof *fw);
	bw = calloc((size_t)cap, sizeof *bw);
	if (!fw || !bw) {
		rc = strata__error_nomem();
		goto fail;
	}
	for (int i = 0; i < to->ntables; i++) {
		const strata_table *tb = &to->tables[i];
		const strata_table *ta = strata_schema_table(from, tb->name);
		if (!ta && tb->renamed_from && (ta = strata_schema_table(from, tb->renamed_from)) != NULL &&
		    !strata_schema_table(to, tb->renamed_from)) {
			fw[nrn] = (renaming){ NULL, ta->name, tb->name };
			bw[nrn++] = (renaming){ NULL, tb->name, ta->name };
		} else if (!ta) {
			continue;
		}
		for (int j = 0; j < tb->ncolumns; j++) {
			const strata_column *cb = &tb->columns[j];
			if (!cb->renamed_from || strata_table_column(ta, cb->name) || !strata_table_column(ta, cb->renamed_from) ||
			    strata_table_column(tb, cb->renamed_from))
				continue;
			fw[nrn] = (renaming){ tb->name, cb->renamed_from, cb->name };
			bw[nrn++] = (renaming){ ta->name, cb->name, cb->renamed_from };
		}
	}
	if ((rc = run(from, to, backend, fw, nrn, true, &pp->plan, pp->arena, &pp->plan.up, &pp->plan.up_nontx, &pp->plan.up_own_tx,
		      &pp->plan.up_pre)))
		goto fail;
	if ((rc = run(to, from, backend, bw, nrn, false, NULL, pp->arena, &pp->plan.down, &ignore, &pp->plan.down_own_tx, NULL)))
		goto fail;
	free(ignore);
	if (pp->plan.up_nontx) {
		/* The concurrently created indexes go away in the same way. */
		strata_buf b = STRATA_BUF_INIT;
		for (int i = 0; i < pp->plan.nchanges && !rc; i++) {
			const strata_change *ch = &pp->plan.changes[i];
			if (ch->kind == STRATA_CHANGE_CREATE_INDEX && !(rc = strata__buf_puts(&b, "DROP INDEX CONCURRENTLY IF EXISTS ")) &&
			    !(rc = strata__sql_ident(&b, backend, ch->name)))
				rc = strata__buf_puts(&b, ";\n");
		}
		if (rc || !(pp->plan.down_nontx = strata__buf_detach(&b))) {
			strata__buf_free(&b);
			rc = rc ? rc : STRATA_ENOMEM;
			goto fail;
		}
	}
	free(fw);
	free(bw);
	*out = &pp->plan;
	return STRATA_OK;
fail:
	free(fw);
	free(bw);
	strata_plan_free(&pp->plan);
	return rc;
}
