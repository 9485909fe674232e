/*
 * Relation loaders (load.tmpl): for a page of rows, the related rows of a
 * many-to-one, one-to-many or many-to-many relation in one statement per
 * STRATA__GEN_BATCH keys.  This file builds the statement and says which
 * keys are bound and how rows are matched back.
 */
#include <stdio.h>
#include <string.h>

#include "gen/emit.h"

#define S strata__gen_sql

static const gcol *col_named(const gtable *g, const char *name)
{
	for (int c = 0; c < g->ncols; c++)
		if (strcmp(g->cols[c].name, name) == 0)
			return &g->cols[c];
	return NULL;
}

/* The "present" test and the value of FK field `gc` in `obj` (a struct lvalue), as values `has` and `val`. */
static void fk_vars(strata__gen_vars *v, const char *has, const char *val, const gcol *gc, const char *obj)
{
	if (gc->opt) {
		strata__gen_varf(v, has, "%s.%s.has", obj, gc->field);
		strata__gen_varf(v, val, "%s.%s.v", obj, gc->field);
	} else {
		strata__gen_var(v, has, "1");
		strata__gen_varf(v, val, "%s.%s", obj, gc->field);
	}
}

static void load_sql(gen_emitter *e, const char *name, const gtable *g, const grel *gr)
{
	const gtable *tg = gr->target;
	strata_rel_kind kind = gr->rel->kind;
	(void)g;
	GEN_SQL2(e, name, {
		char tq[200];
		snprintf(tq, sizeof tq, "\"%s\"", tg->name);
		S(b, rcp, "SELECT ");
		if (kind == STRATA_REL_MANY_TO_MANY)
			S(b, rcp, "\"%s\".\"%s\", ", gr->through->name, gr->near_col);
		strata__gen_select_list(b, rcp, tg, tq, d);
		S(b, rcp, " FROM \"%s\"", tg->name);
		if (kind == STRATA_REL_MANY_TO_MANY)
			S(b, rcp, " JOIN \"%s\" ON \"%s\".\"%s\" = \"%s\".\"%s\"", gr->through->name, tg->name,
			  tg->pk->name, gr->through->name, gr->far_col);
		if (kind == STRATA_REL_MANY_TO_ONE)
			S(b, rcp, " WHERE \"%s\".\"%s\" ", tg->name, tg->pk->name);
		else if (kind == STRATA_REL_ONE_TO_MANY)
			S(b, rcp, " WHERE \"%s\".\"%s\" ", tg->name, gr->near_col);
		else
			S(b, rcp, " WHERE \"%s\".\"%s\" ", gr->through->name, gr->near_col);
		strata__gen_in_batch(b, rcp);
		strata__gen_scope_and(b, rcp, tg);
		if (tg->deleted_at)
			S(b, rcp, " AND \"%s\".\"%s\" IS NULL", tg->name, tg->deleted_at->name);
		if (kind == STRATA_REL_ONE_TO_MANY)
			S(b, rcp, " ORDER BY \"%s\".\"%s\", \"%s\".\"%s\"", tg->name, gr->near_col, tg->name,
			  tg->pk->name);
		else if (kind == STRATA_REL_MANY_TO_MANY)
			S(b, rcp, " ORDER BY \"%s\".\"%s\", \"%s\".\"%s\"", gr->through->name, gr->near_col, tg->name,
			  tg->pk->name);
	});
}

void strata__gen_load(gen_emitter *e, const gtable *g, const grel *gr)
{
	char name[200], ob[160];
	const gtable *tg = gr->target;
	strata_rel_kind kind = gr->rel->kind;
	bool to_one = kind == STRATA_REL_MANY_TO_ONE;
	const gcol *near = kind == STRATA_REL_MANY_TO_MANY ? col_named(gr->through, gr->near_col)
			   : to_one			   ? col_named(g, gr->near_col)
							   : col_named(tg, gr->near_col);
	if (!near)
		return;
	snprintf(name, sizeof name, "%s_sql_load_%s", g->type, gr->field);
	load_sql(e, name, g, gr);
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_table_vars(e, g, &v);
	strata__gen_var(&v, "sql", name);
	strata__gen_var(&v, "field", gr->field);
	strata__gen_var(&v, "target", tg->type);
	strata__gen_var(&v, "target_pk", tg->pk->field);
	strata__gen_var(&v, "target_own", strata__gen_owner_param(tg, ob, sizeof ob));
	strata__gen_var_bool(&v, "to_one", to_one);
	strata__gen_var_bool(&v, "through", kind == STRATA_REL_MANY_TO_MANY);
	strata__gen_var(&v, "pk_field", g->pk ? g->pk->field : "");
	/* the keys bound: the FK for a many-to-one, ours for the others */
	strata__gen_var(&v, "key_type", to_one ? tg->id_type : g->id_type);
	strata__gen_var(&v, "key_bind",
			(to_one ? tg->pk_kind : g->pk_kind) == GK_UUID ? "strata_bind_uuid(st, i++, &key->v)"
								       : "strata_bind_int64(st, i++, key->v)");
	strata__gen_var(&v, "key_column",
			g->pk_kind == GK_UUID ? "strata_column_uuid(st, 0, &keys[nrows].v)"
					      : "strata_column_int64(st, 0, &keys[nrows].v)");
	strata__gen_var_bool(&v, "target_scoped", strata__gen_scoped(tg));
	strata__gen_var(&v, "target_owner_bind",
			strata__gen_scoped(tg) && tg->owner_table->pk_kind == GK_UUID
				? "strata_bind_uuid(st, i++, &owner.v)"
				: "strata_bind_int64(st, i++, owner.v)");
	if (to_one)
		fk_vars(&v, "has", "val", near, "list->items[k]");
	else
		fk_vars(&v, "row_has", "row_val", near, "rows[nrows]");
	strata__gen_render(e, "load", &v);
	strata__gen_vars_free(&v);
}
