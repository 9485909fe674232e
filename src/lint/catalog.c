/*
 * The containers of migration linting (lint/mig.h): the effects of a
 * section's statements, and the catalog of tables and column types the
 * migrations built so far (also the shape of a scratch database's
 * snapshot).
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lint/mig.h"

/* ---- effects ---- */

static int dup_opt(char **dst, const char *s)
{
	*dst = NULL;
	if (!s)
		return STRATA_OK;
	*dst = strata__strdup(s);
	return *dst ? STRATA_OK : STRATA_ENOMEM;
}

static void effect_free(lint_effect *x)
{
	free(x->table);
	free(x->name);
	free(x->to);
	free(x->type);
	free(x->what);
}

int strata__lint_eff_add(lint_effects *e, const lint_effect *x)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		lint_effect *v = realloc(e->v, cap * sizeof *v);
		if (!v)
			return strata__error_nomem();
		e->v = v;
		e->cap = cap;
	}
	lint_effect *y = &e->v[e->n];
	*y = *x;
	y->table = y->name = y->to = y->type = y->what = NULL;
	int rc = dup_opt(&y->table, x->table ? x->table : "");
	if (rc == STRATA_OK)
		rc = dup_opt(&y->name, x->name);
	if (rc == STRATA_OK)
		rc = dup_opt(&y->to, x->to);
	if (rc == STRATA_OK)
		rc = dup_opt(&y->type, x->type);
	if (rc == STRATA_OK)
		rc = dup_opt(&y->what, x->what);
	if (rc != STRATA_OK) {
		effect_free(y);
		return rc;
	}
	e->n++;
	return STRATA_OK;
}

const lint_effect *strata__lint_eff_find(const lint_effects *e, lint_op op, const char *table, const char *name)
{
	for (size_t i = 0; i < e->n; i++) {
		const lint_effect *x = &e->v[i];
		if (x->op != op || !strata__lint_ieq(x->table, table))
			continue;
		if (name && !(x->name && strata__lint_ieq(x->name, name)))
			continue;
		return x;
	}
	return NULL;
}

const lint_effect *strata__lint_eff_matview(const lint_effects *e, lint_op op, const char *name)
{
	for (size_t i = 0; name && i < e->n; i++) {
		const lint_effect *x = &e->v[i];
		if (x->op == op && x->what && strcmp(x->what, "MATVIEW") == 0 && x->name &&
		    strata__lint_ieq(x->name, name))
			return x;
	}
	return NULL;
}

void strata__lint_eff_free(lint_effects *e)
{
	for (size_t i = 0; i < e->n; i++)
		effect_free(&e->v[i]);
	free(e->v);
	memset(e, 0, sizeof *e);
}

/* ---- the catalog ---- */

/* Names hash case-insensitively (ASCII), as they compare. */
static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603u;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * 1099511628211u;
	}
	return h;
}

static void index_put(lint_catalog *c, size_t i)
{
	size_t m = c->nslot - 1, k = name_hash(c->t[i].name) & m;
	while (c->slot[k])
		k = (k + 1) & m;
	c->slot[k] = i + 1;
}

/* Rebuild the index with room for `want` tables.  STRATA_OK or STRATA_ENOMEM. */
static int index_rebuild(lint_catalog *c, size_t want)
{
	size_t n = c->nslot ? c->nslot : 32;
	while (n < 2 * want)
		n *= 2;
	if (n != c->nslot) {
		size_t *v = realloc(c->slot, n * sizeof *v);
		if (!v)
			return strata__error_nomem();
		c->slot = v;
		c->nslot = n;
	}
	memset(c->slot, 0, c->nslot * sizeof *c->slot);
	for (size_t i = 0; i < c->n; i++)
		index_put(c, i);
	return STRATA_OK;
}

lint_table *strata__lint_cat_table(const lint_catalog *c, const char *name)
{
	if (!c->nslot)
		return NULL;
	size_t m = c->nslot - 1;
	for (size_t k = name_hash(name) & m; c->slot[k]; k = (k + 1) & m)
		if (strata__lint_ieq(c->t[c->slot[k] - 1].name, name))
			return &c->t[c->slot[k] - 1];
	return NULL;
}

int strata__lint_cat_add_table(lint_catalog *c, const char *name, lint_table **out)
{
	lint_table *t = strata__lint_cat_table(c, name);
	if (!t) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			lint_table *v = realloc(c->t, cap * sizeof *v);
			if (!v)
				return strata__error_nomem();
			c->t = v;
			c->cap = cap;
		}
		if (2 * (c->n + 1) > c->nslot && index_rebuild(c, c->n + 1) != STRATA_OK)
			return STRATA_ENOMEM;
		t = &c->t[c->n];
		memset(t, 0, sizeof *t);
		if (!(t->name = strata__strdup(name)))
			return STRATA_ENOMEM;
		index_put(c, c->n);
		c->n++;
	}
	*out = t;
	return STRATA_OK;
}

static void table_free(lint_table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type);
	}
	free(t->cols);
	free(t->name);
}

static void index_free(lint_index *x)
{
	free(x->name);
	free(x->table);
}

/* A later index of the same name hides an earlier one (CREATE INDEX IF NOT EXISTS run twice). */
int strata__lint_cat_add_index(lint_catalog *c, const char *name, const char *table)
{
	if (c->nix == c->cix) {
		size_t cap = c->cix ? c->cix * 2 : 16;
		lint_index *v = realloc(c->ix, cap * sizeof *v);
		if (!v)
			return strata__error_nomem();
		c->ix = v;
		c->cix = cap;
	}
	lint_index *x = &c->ix[c->nix];
	x->name = strata__strdup(name);
	x->table = strata__strdup(table ? table : "");
	if (!x->name || !x->table) {
		index_free(x);
		return STRATA_ENOMEM;
	}
	c->nix++;
	return STRATA_OK;
}

/* Indexes are searched newest first: a migration drops what a recent one created. */
static lint_index *index_find(const lint_catalog *c, const char *name)
{
	for (size_t i = c->nix; i-- > 0;)
		if (strata__lint_ieq(c->ix[i].name, name))
			return &c->ix[i];
	return NULL;
}

void strata__lint_cat_drop_index(lint_catalog *c, const char *name)
{
	lint_index *x = index_find(c, name);
	if (!x)
		return;
	index_free(x);
	*x = c->ix[--c->nix];
}

const char *strata__lint_cat_index_table(const lint_catalog *c, const char *name)
{
	const lint_index *x = name ? index_find(c, name) : NULL;
	return x && *x->table ? x->table : NULL;
}

void strata__lint_cat_drop_table(lint_catalog *c, const char *name)
{
	lint_table *t = strata__lint_cat_table(c, name);
	if (!t)
		return;
	for (size_t i = c->nix; i-- > 0;)
		if (strata__lint_ieq(c->ix[i].table, name)) {
			index_free(&c->ix[i]);
			c->ix[i] = c->ix[--c->nix];
		}
	table_free(t);
	*t = c->t[--c->n];
	index_rebuild(c, c->n); /* same size: cannot fail */
}

int strata__lint_cat_rename_table(lint_catalog *c, const char *from, const char *to)
{
	if (!strata__lint_cat_table(c, from))
		return STRATA_OK;
	strata__lint_cat_drop_table(c, to);
	lint_table *t = strata__lint_cat_table(c, from);
	char *nm = strata__strdup(to);
	if (!nm)
		return STRATA_ENOMEM;
	for (size_t i = 0; i < c->nix; i++)
		if (strata__lint_ieq(c->ix[i].table, from)) {
			char *tn = strata__strdup(to);
			if (!tn) {
				free(nm);
				return STRATA_ENOMEM;
			}
			free(c->ix[i].table);
			c->ix[i].table = tn;
		}
	free(t->name);
	t->name = nm;
	index_rebuild(c, c->n);
	return STRATA_OK;
}

lint_column *strata__lint_cat_col(const lint_table *t, const char *name)
{
	for (size_t i = 0; t && i < t->ncols; i++)
		if (strata__lint_ieq(t->cols[i].name, name))
			return &t->cols[i];
	return NULL;
}

int strata__lint_cat_set_col(lint_table *t, const char *name, const char *type)
{
	char *ty = strata__strdup(type ? type : "");
	if (!ty)
		return STRATA_ENOMEM;
	lint_column *c = strata__lint_cat_col(t, name);
	if (c) {
		free(c->type);
		c->type = ty;
		return STRATA_OK;
	}
	if (t->ncols == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		lint_column *v = realloc(t->cols, cap * sizeof *v);
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

void strata__lint_cat_drop_col(lint_table *t, const char *name)
{
	lint_column *c = strata__lint_cat_col(t, name);
	if (!c)
		return;
	free(c->name);
	free(c->type);
	*c = t->cols[--t->ncols];
}

int strata__lint_cat_rename_col(lint_table *t, const char *from, const char *to)
{
	lint_column *c = strata__lint_cat_col(t, from);
	if (!c)
		return STRATA_OK;
	char *nn = strata__strdup(to);
	if (!nn)
		return STRATA_ENOMEM;
	free(c->name);
	c->name = nn;
	return STRATA_OK;
}

void strata__lint_cat_free(lint_catalog *c)
{
	for (size_t i = 0; i < c->n; i++)
		table_free(&c->t[i]);
	free(c->t);
	free(c->slot);
	for (size_t i = 0; i < c->nix; i++)
		index_free(&c->ix[i]);
	free(c->ix);
	memset(c, 0, sizeof *c);
}
