/*
 * Views and materialized views.
 *
 * A view cannot be altered in place safely (CREATE OR REPLACE VIEW only
 * adds columns), so a view whose query changes is dropped and created
 * again, and with it every view that reads it.  A view that reads what a
 * migration changes under it is dropped before the change and created
 * after it, in the same migration: PostgreSQL refuses to change the type
 * of (or drop) a column a view reads, and SQLite's table rebuild cannot
 * rename the new table into place while a view names the old one.  What a
 * view reads comes from the database (pg_depend) or, for a schema file,
 * from the names its query mentions.  Drops go in reverse creation order
 * at the start of the plan, creations in creation order at its end.
 * Indexes of a materialized view that stays are changed like a table's.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "diff/internal.h"
#include "schema/model.h"
#include "sql/ddl.h"

static bool enum_recreated(const strata__diff_ctx *c, const strata_coltype *t)
{
	if (t->kind != STRATA_T_ENUM)
		return false;
	const strata_enum *ea = strata__diff_old_enum(c, t->enum_name), *eb = strata_schema_enum(c->b, t->enum_name);
	return ea && eb && !strata__diff_enum_extends(ea, eb);
}

/* Does turning ta into tb (NULL: dropped) change something view v reads? */
static bool touches(const strata__diff_ctx *c, const strata_view *v, const strata_table *ta, const strata_table *tb)
{
	if (!strata__view_reads(v, ta->name, NULL))
		return false;
	if (!tb || strcmp(ta->name, tb->name) != 0)
		return true; /* dropped or renamed */
	if (!c->pg && strata__diff_sqlite_rebuilds(c, ta, tb))
		return true;
	for (int i = 0; i < ta->ncolumns; i++) {
		const strata_column *ca = &ta->columns[i], *cb = strata__diff_new_col(c, ta, tb, ca);
		bool changed = !cb || strcmp(ca->name, cb->name) != 0 || !strata__coltype_eq(&ca->type, &cb->type) ||
			       !strata__diff_streq0(ca->collation, cb->collation) ||
			       !strata__diff_streq0(ca->generated, cb->generated) ||
			       (c->pg && enum_recreated(c, &ca->type));
		if (changed && strata__view_reads(v, ta->name, ca->name))
			return true;
	}
	return false;
}

static bool same_view(const strata_view *x, const strata_view *y)
{
	return x->materialized == y->materialized && strcmp(x->sql, y->sql) == 0;
}

int strata__diff_views_drop(strata__diff_ctx *c)
{
	const strata_schema *a = c->a;
	int rc;
	if (!a->nviews)
		return STRATA_OK;
	if (!(c->view_gone = calloc((size_t)a->nviews, sizeof *c->view_gone)))
		return strata__error_nomem();
	for (int i = 0; i < a->nviews; i++) {
		const strata_view *va = &a->views[i], *vb = strata_schema_view(c->b, va->name);
		bool gone = !vb || !same_view(va, vb);
		for (int t = 0; t < a->ntables && !gone; t++)
			gone = touches(c, va, &a->tables[t], strata__diff_new_table(c, &a->tables[t]));
		c->view_gone[i] = gone;
	}
	/* A view that reads a view that goes goes too. */
	for (bool more = true; more;) {
		more = false;
		for (int i = 0; i < a->nviews; i++)
			for (int j = 0; j < a->nviews && !c->view_gone[i]; j++)
				if (j != i && c->view_gone[j] &&
				    strata__view_reads(&a->views[i], a->views[j].name, NULL))
					c->view_gone[i] = more = true;
	}
	for (int i = a->nviews - 1; i >= 0; i--) {
		const strata_view *va = &a->views[i];
		if (!c->view_gone[i])
			continue;
		if (!strata_schema_view(c->b, va->name) &&
		    (rc = strata__diff_change(c, STRATA_CHANGE_DROP_VIEW, NULL, va->name, false, "drop %sview %s",
					      va->materialized ? "materialized " : "", va->name)))
			return rc;
		if ((rc = strata__sql_drop_view(c->tx, c->d, va)))
			return rc;
	}
	return STRATA_OK;
}

/* The indexes of a materialized view on both sides. */
static int view_indexes(strata__diff_ctx *c, const strata_view *va, const strata_view *vb)
{
	int rc;
	strata_table owner;
	memset(&owner, 0, sizeof owner);
	owner.name = vb->name;
	for (int i = 0; i < va->nindexes; i++) {
		const strata_index *xa = &va->indexes[i];
		const strata_index *xb = NULL;
		for (int k = 0; k < vb->nindexes && !xb; k++)
			if (strcmp(vb->indexes[k].name, xa->name) == 0)
				xb = &vb->indexes[k];
		if (xb && strata__diff_same_index(xa, xb))
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_INDEX, NULL, xa->name, false, "drop index %s on %s",
					      xa->name, vb->name)) ||
		    (rc = strata__diff_drop_index(c, c->tx, xa->name, false)))
			return rc;
	}
	for (int i = 0; i < vb->nindexes; i++) {
		const strata_index *xb = &vb->indexes[i];
		const strata_index *xa = NULL;
		for (int k = 0; k < va->nindexes && !xa; k++)
			if (strcmp(va->indexes[k].name, xb->name) == 0)
				xa = &va->indexes[k];
		if (xa && strata__diff_same_index(xa, xb))
			continue;
		bool later = c->pg && c->concurrent && !xa;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_INDEX, NULL, xb->name, false,
					      "create index %s on %s%s", xb->name, vb->name,
					      later ? " (concurrently)" : "")) ||
		    (rc = strata__sql_create_index(later ? c->nontx : c->tx, c->d, &owner, xb, later)))
			return rc;
	}
	return STRATA_OK;
}

int strata__diff_views_create(strata__diff_ctx *c)
{
	int rc;
	for (int i = 0; i < c->b->nviews; i++) {
		const strata_view *vb = &c->b->views[i], *va = strata_schema_view(c->a, vb->name);
		bool recreate = va && c->view_gone && c->view_gone[va - c->a->views];
		if (va && !recreate) {
			if (vb->materialized && (rc = view_indexes(c, va, vb)))
				return rc;
			continue;
		}
		const char *why = !va ? "" : !same_view(va, vb) ? " (its query changed)" : " (what it reads changes)";
		if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_VIEW, NULL, vb->name, false, "%s %sview %s%s",
					      va ? "recreate" : "create", vb->materialized ? "materialized " : "",
					      vb->name, why)) ||
		    (rc = strata__sql_create_view(c->tx, c->d, vb)))
			return rc;
	}
	return STRATA_OK;
}
