/*
 * Matching the two sides of a diff: which table, column, index or key of
 * `from` is which of `to`.  Rename hints are followed for tables and
 * columns; indexes, unique, check and foreign keys that say the same thing
 * under a new name are recognised so they are renamed, not recreated.
 * Equality of columns and types (widening or not) lives here too.
 */
#include <ctype.h>
#include <string.h>

#include "diff/internal.h"
#include "schema/model.h"
#include "sql/ddl.h"

bool strata__diff_streq0(const char *x, const char *y)
{
	if (!x || !y)
		return x == y;
	return strcmp(x, y) == 0;
}

const strata_table *strata__diff_old_table(const strata__diff_ctx *c, const strata_table *tb)
{
	for (int i = 0; i < c->nrn; i++)
		if (!c->rn[i].table && strcmp(c->rn[i].to, tb->name) == 0)
			return strata_schema_table(c->a, c->rn[i].from);
	for (int i = 0; i < c->nrn; i++)
		if (!c->rn[i].table && strcmp(c->rn[i].from, tb->name) == 0)
			return NULL; /* that name moved away */
	return strata_schema_table(c->a, tb->name);
}

const strata_table *strata__diff_new_table(const strata__diff_ctx *c, const strata_table *ta)
{
	for (int i = 0; i < c->nrn; i++)
		if (!c->rn[i].table && strcmp(c->rn[i].from, ta->name) == 0)
			return strata_schema_table(c->b, c->rn[i].to);
	const strata_table *tb = strata_schema_table(c->b, ta->name);
	return tb && strata__diff_old_table(c, tb) == ta ? tb : NULL;
}

const strata_column *strata__diff_old_col(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb,
					  const strata_column *cb)
{
	for (int i = 0; i < c->nrn; i++)
		if (c->rn[i].table && strcmp(c->rn[i].table, tb->name) == 0 && strcmp(c->rn[i].to, cb->name) == 0)
			return strata_table_column(ta, c->rn[i].from);
	for (int i = 0; i < c->nrn; i++)
		if (c->rn[i].table && strcmp(c->rn[i].table, tb->name) == 0 && strcmp(c->rn[i].from, cb->name) == 0)
			return NULL;
	return strata_table_column(ta, cb->name);
}

const strata_column *strata__diff_new_col(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb,
					  const strata_column *ca)
{
	for (int i = 0; i < tb->ncolumns; i++)
		if (strata__diff_old_col(c, ta, tb, &tb->columns[i]) == ca)
			return &tb->columns[i];
	return NULL;
}

bool strata__diff_same_list(const char *const *x, int nx, const char *const *y, int ny)
{
	if (nx != ny)
		return false;
	for (int i = 0; i < nx; i++)
		if (strcmp(x[i], y[i]) != 0)
			return false;
	return true;
}

const strata_index *strata__diff_find_index(const strata_table *t, const char *name)
{
	return t ? strata_table_index(t, name) : NULL;
}

const strata_fkey *strata__diff_find_fkey(const strata_table *t, const char *name)
{
	for (int i = 0; t && i < t->nfkeys; i++)
		if (strcmp(t->fkeys[i].name, name) == 0)
			return &t->fkeys[i];
	return NULL;
}

const strata_unique *strata__diff_find_unique(const strata_table *t, const char *name)
{
	for (int i = 0; t && i < t->nuniques; i++)
		if (strcmp(t->uniques[i].name, name) == 0)
			return &t->uniques[i];
	return NULL;
}

const strata_check *strata__diff_find_check(const strata_table *t, const char *name)
{
	for (int i = 0; t && i < t->nchecks; i++)
		if (strcmp(t->checks[i].name, name) == 0)
			return &t->checks[i];
	return NULL;
}

static const strata_index_key plain_key;

/* The same method, INCLUDE list, and what each key says besides its column. */
static bool same_index_shape(const strata_index *xa, const strata_index *xb)
{
	if (xa->unique != xb->unique || !strata__diff_streq0(xa->where, xb->where) || xa->ncolumns != xb->ncolumns ||
	    !strata__diff_streq0(xa->method, xb->method) ||
	    !strata__diff_same_list(xa->include, xa->ninclude, xb->include, xb->ninclude))
		return false;
	for (int i = 0; i < xa->ncolumns; i++) {
		const strata_index_key *ka = xa->keys ? &xa->keys[i] : &plain_key,
				       *kb = xb->keys ? &xb->keys[i] : &plain_key;
		if (ka->expr != kb->expr || ka->desc != kb->desc || ka->nulls != kb->nulls ||
		    !strata__diff_streq0(ka->opclass, kb->opclass) ||
		    !strata__diff_streq0(ka->collation, kb->collation))
			return false;
	}
	return true;
}

/* Index xa (in `from`) and xb (in `to`) say the same thing, column renames taken into account. */
bool strata__diff_index_matches(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb,
				const strata_index *xa, const strata_index *xb)
{
	if (!same_index_shape(xa, xb))
		return false;
	for (int i = 0; i < xb->ncolumns; i++) {
		const strata_column *cb = xb->keys && xb->keys[i].expr ? NULL : strata_table_column(tb, xb->columns[i]);
		const strata_column *ca = cb ? strata__diff_old_col(c, ta, tb, cb) : NULL;
		/* An expression, or a partition's column (its parent's): compared as written. */
		const char *was = cb ? (ca ? ca->name : NULL) : xb->columns[i];
		if (!was || strcmp(was, xa->columns[i]) != 0)
			return false;
	}
	return true;
}

/* The same key, table and column renames taken into account. */
bool strata__diff_fkey_matches(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb,
			       const strata_fkey *fa, const strata_fkey *fb)
{
	if (fa->on_delete != fb->on_delete || fa->on_update != fb->on_update || fa->ncolumns != fb->ncolumns ||
	    fa->nref_columns != fb->nref_columns)
		return false;
	for (int i = 0; i < fb->ncolumns; i++) {
		const strata_column *cb = strata_table_column(tb, fb->columns[i]);
		const strata_column *ca = cb ? strata__diff_old_col(c, ta, tb, cb) : NULL;
		if (!ca || strcmp(ca->name, fa->columns[i]) != 0)
			return false;
	}
	const strata_table *rb = strata_schema_table(c->b, fb->ref_table);
	const strata_table *ra = rb ? strata__diff_old_table(c, rb) : NULL;
	if (!ra || strcmp(ra->name, fa->ref_table) != 0)
		return false;
	for (int i = 0; i < fb->nref_columns; i++) {
		const strata_column *cb = strata_table_column(rb, fb->ref_columns[i]);
		const strata_column *ca = cb ? strata__diff_old_col(c, ra, rb, cb) : NULL;
		if (!ca || strcmp(ca->name, fa->ref_columns[i]) != 0)
			return false;
	}
	return true;
}

/* Column lists that name the same columns, column renames taken into account. */
bool strata__diff_cols_match(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb,
			     const char *const *acols, int na, const char *const *bcols, int nb)
{
	if (na != nb)
		return false;
	for (int i = 0; i < nb; i++) {
		const strata_column *cb = strata_table_column(tb, bcols[i]);
		const strata_column *ca = cb ? strata__diff_old_col(c, ta, tb, cb) : NULL;
		if (!ca || strcmp(ca->name, acols[i]) != 0)
			return false;
	}
	return true;
}

const strata_unique *strata__diff_unique_renamed(const strata__diff_ctx *c, const strata_table *ta,
						 const strata_table *tb, const strata_unique *u, bool from_a)
{
	const strata_table *other = from_a ? tb : ta, *self = from_a ? ta : tb;
	for (int i = 0; i < other->nuniques; i++) {
		const strata_unique *o = &other->uniques[i];
		if (strata__diff_find_unique(self, o->name))
			continue;
		if (from_a ? strata__diff_cols_match(c, ta, tb, u->columns, u->ncolumns, o->columns, o->ncolumns)
			   : strata__diff_cols_match(c, ta, tb, o->columns, o->ncolumns, u->columns, u->ncolumns))
			return o;
	}
	return NULL;
}

const strata_check *strata__diff_check_renamed(const strata_table *self, const strata_table *other,
					       const strata_check *k)
{
	for (int i = 0; i < other->nchecks; i++)
		if (!strata__diff_find_check(self, other->checks[i].name) &&
		    strcmp(other->checks[i].expr, k->expr) == 0)
			return &other->checks[i];
	return NULL;
}

/* PostgreSQL renames instead of dropping and recreating: the `to` index or key `from`'s became under a new name. */
const strata_index *strata__diff_index_renamed_to(const strata__diff_ctx *c, const strata_table *ta,
						  const strata_table *tb, const strata_index *xa)
{
	for (int i = 0; i < tb->nindexes; i++)
		if (!strata__diff_find_index(ta, tb->indexes[i].name) &&
		    strata__diff_index_matches(c, ta, tb, xa, &tb->indexes[i]))
			return &tb->indexes[i];
	return NULL;
}

const strata_index *strata__diff_index_renamed_from(const strata__diff_ctx *c, const strata_table *ta,
						    const strata_table *tb, const strata_index *xb)
{
	for (int i = 0; i < ta->nindexes; i++)
		if (!strata__diff_find_index(tb, ta->indexes[i].name) &&
		    strata__diff_index_matches(c, ta, tb, &ta->indexes[i], xb))
			return &ta->indexes[i];
	return NULL;
}

const strata_fkey *strata__diff_fkey_renamed_to(const strata__diff_ctx *c, const strata_table *ta,
						const strata_table *tb, const strata_fkey *fa)
{
	for (int i = 0; i < tb->nfkeys; i++)
		if (!strata__diff_find_fkey(ta, tb->fkeys[i].name) &&
		    strata__diff_fkey_matches(c, ta, tb, fa, &tb->fkeys[i]))
			return &tb->fkeys[i];
	return NULL;
}

const strata_fkey *strata__diff_fkey_renamed_from(const strata__diff_ctx *c, const strata_table *ta,
						  const strata_table *tb, const strata_fkey *fb)
{
	for (int i = 0; i < ta->nfkeys; i++)
		if (!strata__diff_find_fkey(tb, ta->fkeys[i].name) &&
		    strata__diff_fkey_matches(c, ta, tb, &ta->fkeys[i], fb))
			return &ta->fkeys[i];
	return NULL;
}

/* The SQLite CHECK a column's type implies, compared across the two models (enum values may differ). */
bool strata__diff_same_implied(const strata__diff_ctx *c, const strata_column *ca, const strata_column *cb)
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

bool strata__diff_same_column(const strata_column *x, const strata_column *y)
{
	return strata__coltype_eq(&x->type, &y->type) && x->not_null == y->not_null &&
	       strata__default_same(&y->type, &x->dflt, &y->dflt) && strata__diff_streq0(x->check, y->check) &&
	       x->unique == y->unique && strata__diff_streq0(x->generated, y->generated) &&
	       x->generated_virtual == y->generated_virtual && strata__diff_streq0(x->collation, y->collation);
}

/* Widening type changes keep every value. */
bool strata__diff_widening(const strata_coltype *x, const strata_coltype *y)
{
	if (x->array != y->array)
		return false;
	if (strata__coltype_eq(x, y))
		return true;
	if (x->kind == STRATA_T_INT &&
	    (y->kind == STRATA_T_BIGINT || y->kind == STRATA_T_FLOAT || y->kind == STRATA_T_SERIAL))
		return true;
	if ((x->kind == STRATA_T_SERIAL && y->kind == STRATA_T_BIGINT) ||
	    (x->kind == STRATA_T_BIGINT && y->kind == STRATA_T_SERIAL))
		return true;
	if (x->kind == STRATA_T_STRING && y->kind == STRATA_T_STRING)
		return y->length >= x->length;
	if ((x->kind == STRATA_T_STRING || x->kind == STRATA_T_ENUM || x->kind == STRATA_T_UUID) &&
	    y->kind == STRATA_T_TEXT)
		return true;
	if (x->kind == STRATA_T_DECIMAL && y->kind == STRATA_T_DECIMAL)
		return y->scale >= x->scale && y->precision - y->scale >= x->precision - x->scale;
	return false;
}

bool strata__diff_same_index(const strata_index *xa, const strata_index *xb)
{
	return same_index_shape(xa, xb) && strata__diff_same_list(xa->columns, xa->ncolumns, xb->columns, xb->ncolumns);
}

/*
 * Literals x and y (from the quote to the closing quote, exclusive) are a
 * date and that date at midnight UTC, as PostgreSQL prints a range bound
 * written '2026-01-01' on a timestamptz key ('2026-01-01 00:00:00+00').
 */
static bool midnight_of(const char *x, size_t nx, const char *y, size_t ny)
{
	static const char *const times[] = { " 00:00:00", " 00:00:00+00", " 00:00:00+00:00", NULL };
	const char *d = nx < ny ? x : y, *t = nx < ny ? y : x;
	size_t nd = nx < ny ? nx : ny, nt = nx < ny ? ny : nx;
	if (nd != 10 || d[4] != '-' || d[7] != '-' || memcmp(d, t, 10) != 0)
		return false;
	for (int i = 0; times[i]; i++)
		if (nt - 10 == strlen(times[i]) && memcmp(t + 10, times[i], nt - 10) == 0)
			return true;
	return false;
}

static bool same_words(const char *x, const char *y, bool bounds)
{
	if (!x || !y)
		return x == y;
	for (;;) {
		bool sx = false, sy = false;
		while (*x == ' ' || *x == '\t' || *x == '\n' || *x == '\r')
			x++, sx = true;
		while (*y == ' ' || *y == '\t' || *y == '\n' || *y == '\r')
			y++, sy = true;
		if (!*x || !*y)
			return !*x && !*y;
		if (sx != sy)
			return false;
		if (*x == '\'' && *y == '\'') {
			const char *ex = strchr(x + 1, '\''), *ey = strchr(y + 1, '\'');
			if (bounds && ex && ey &&
			    midnight_of(x + 1, (size_t)(ex - x - 1), y + 1, (size_t)(ey - y - 1))) {
				x = ex + 1, y = ey + 1;
				continue;
			}
			/* A string literal: exactly. */
			do {
				if (*x != *y)
					return false;
				x++, y++;
			} while (*x && *x != '\'');
			if (*x != *y)
				return false;
			if (*x)
				x++, y++;
			continue;
		}
		if (tolower((unsigned char)*x) != tolower((unsigned char)*y))
			return false;
		x++, y++;
	}
}

bool strata__diff_same_words(const char *x, const char *y)
{
	return same_words(x, y, false);
}

bool strata__diff_same_bound(const char *x, const char *y)
{
	return same_words(x, y, true);
}
