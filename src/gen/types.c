/*
 * The generated header (types.tmpl): enums, key types, row structs, field
 * masks, queries, pages and the prototypes of every generated function;
 * and the enums' name/parse functions in the source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/emit.h"

void strata__gen_table_vars(const gen_emitter *e, const gtable *g, strata__gen_vars *v)
{
	char ob[160];
	strata_buf kp = STRATA_BUF_INIT;
	int rc = STRATA_OK;
	strata__gen_key_params(e->m, g, &kp, &rc);
	if (rc != STRATA_OK)
		v->rc = rc;
	bool scoped = strata__gen_scoped(g);
	strata__gen_var(v, "T", g->type);
	strata__gen_var(v, "F", g->fn);
	strata__gen_var(v, "UPPER", g->upper);
	strata__gen_var(v, "table", g->name);
	strata__gen_var(v, "own", strata__gen_owner_param(g, ob, sizeof ob));
	strata__gen_var(v, "owner_arg", scoped ? "owner, " : "");
	if (scoped)
		strata__gen_var(v, "owner_bind",
				g->owner_table->pk_kind == GK_UUID ? "strata_bind_uuid(st, i++, &owner.v)"
								   : "strata_bind_int64(st, i++, owner.v)");
	else
		strata__gen_var(v, "owner_bind", "");
	strata__gen_var(v, "keys", strata__buf_cstr(&kp));
	strata__gen_var_bool(v, "pk", g->pk != NULL);
	strata__gen_var(v, "id_type", g->id_type ? g->id_type : "");
	strata__gen_var_bool(v, "scoped", scoped);
	strata__gen_var_bool(v, "soft_delete", g->deleted_at != NULL);
	strata__gen_var(v, "for_owner", scoped ? " for this owner" : "");
	strata__gen_var(v, "with_deleted", g->deleted_at ? ", bool with_deleted" : "");
	strata__gen_varf(v, "batch", "%d", STRATA__GEN_BATCH);
	strata__buf_free(&kp);
}

/* A type and the space before a name: "int32_t " but "const char *". */
static void type_var(strata__gen_vars *v, const char *name, const char *type)
{
	strata__gen_varf(v, name, "%s%s", type, type[strlen(type) - 1] == '*' ? "" : " ");
}

static void enum_vars(const genum *en, strata__gen_vars *v)
{
	strata__gen_var(v, "name", en->e->name);
	strata__gen_var(v, "type", en->type);
	strata__gen_var(v, "UPPER", en->upper);
	strata__gen_var_comment(v, "first", en->e->values[0]);
	strata__gen_list(v, "values");
	for (int k = 0; k < en->e->nvalues; k++) {
		strata__gen_vars *item = strata__gen_item(v, "values");
		/* cut at 127 bytes, as strata__gen_upper cuts the names it writes */
		strata__gen_varf(item, "u", "%.127s", en->consts[k]);
		strata__gen_varf(item, "n", "%d", k + 1);
		strata__gen_var_cstr(item, "s", en->e->values[k]);
	}
}

void strata__gen_enum_defs(gen_emitter *e, const genum *en)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	enum_vars(en, &v);
	strata__gen_render(e, "enum_defs", &v);
	strata__gen_vars_free(&v);
}

static void emit_enum_decl(gen_emitter *e, const genum *en)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	enum_vars(en, &v);
	strata__gen_render(e, "enum_decl", &v);
	strata__gen_vars_free(&v);
}

static void emit_id_types(gen_emitter *e, const gtable *g)
{
	if (!g->pk)
		return;
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_var(&v, "table", g->name);
	strata__gen_var(&v, "id_type", g->id_type);
	strata__gen_var(&v, "v_type", g->pk_kind == GK_UUID ? "strata_uuid" : "int64_t");
	strata__gen_render(e, "id_types", &v);
	strata__gen_vars_free(&v);
}

/* The relations of `g` as the list "rels" (header and source share it). */
static void rel_vars(const gtable *g, strata__gen_vars *v)
{
	strata__gen_list(v, "rels");
	for (int r = 0; r < g->nrels; r++) {
		const grel *gr = &g->rels[r];
		char ob[160];
		strata__gen_vars *item = strata__gen_item(v, "rels");
		strata__gen_var(item, "field", gr->field);
		strata__gen_var(item, "target", gr->target->type);
		strata__gen_var(item, "target_own", strata__gen_owner_param(gr->target, ob, sizeof ob));
		strata__gen_var_bool(item, "to_one", gr->rel->kind == STRATA_REL_MANY_TO_ONE);
	}
}

static void emit_table_types(gen_emitter *e, const gtable *g)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_table_vars(e, g, &v);
	strata__gen_var(&v, "table", g->t->name);
	strata__gen_list(&v, "fields");
	strata__gen_list(&v, "masks");
	strata__gen_list(&v, "orders");
	strata__gen_list(&v, "filters");
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		char tb[128], doc[160];
		strata__gen_vars *f = strata__gen_item(&v, "fields");
		type_var(f, "ftype", strata__gen_field_type(gc, tb, sizeof tb));
		strata__gen_var(f, "field", gc->field);
		strata__gen_var_comment(f, "doc", strata__gen_type_doc(gc, doc, sizeof doc));
		if (strata__gen_updatable(gc) && !g->view) {
			strata__gen_vars *m = strata__gen_item(&v, "masks");
			strata__gen_var(m, "mask", gc->upper);
			strata__gen_varf(m, "bit", "%d", c);
		}
		if (gc->sortable && g->pk) {
			char u[128];
			strata__gen_upper(u, sizeof u, gc->name);
			strata__gen_vars *o = strata__gen_item(&v, "orders");
			strata__gen_var(o, "u", u);
			strata__gen_varf(o, "n", "%d", c + 1);
		}
		if (gc->filter) {
			const char *ot = gc->pointer ? "const char *" : strata__gen_opt_type(gc, tb, sizeof tb);
			strata__gen_vars *q = strata__gen_item(&v, "filters");
			type_var(q, "ftype", ot);
			strata__gen_var(q, "otype", ot);
			strata__gen_var(q, "field", gc->field);
			strata__gen_var_bool(q, "range", gc->range);
		}
	}
	rel_vars(g, &v);
	strata__gen_var_bool(&v, "view", g->view != NULL);
	strata__gen_var_bool(&v, "keyless", g->t->npkey == 0);
	strata__gen_var(&v, "kind",
			g->view && g->view->materialized ? "materialized view"
			: g->view			 ? "view"
							 : "table");
	strata__gen_render(e, "table_types", &v);
	strata__gen_vars_free(&v);
}

static void emit_table_protos(gen_emitter *e, const gtable *g)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_table_vars(e, g, &v);
	bool scoped = strata__gen_scoped(g);
	strata__gen_var(&v, "new_key", g->pk && g->pk->generated ? ", as is the new key" : "");
	strata__gen_var(&v, "owner_set", scoped && g->owner ? "; the owner column is set from `owner`" : "");
	strata__gen_var_bool(&v, "through_parent", scoped && !g->owner);
	strata__gen_var(&v, "parent", scoped && !g->owner ? g->scope_parent->name : "");
	strata__gen_var(&v, "parent_col", scoped && !g->owner ? g->scope_col->name : "");
	strata__gen_var(&v, "or_deleted", g->deleted_at ? ", or soft-deleted without with_deleted" : "");
	strata__gen_var_bool(&v, "updatable", strata__gen_any_updatable(g));
	strata__gen_var_bool(&v, "updated_at", g->updated_at != NULL);
	bool actor = false, actor_update = false;
	for (int c = 0; c < g->ncols; c++) {
		actor |= strata__gen_actor(&g->cols[c]);
		actor_update |= strata__gen_actor(&g->cols[c]) && g->cols[c].col->auto_update;
	}
	strata__gen_var_bool(&v, "actor", actor);
	strata__gen_var_bool(&v, "actor_update", actor_update);
	rel_vars(g, &v);
	strata__gen_var_bool(&v, "get", g->t->npkey > 0);
	strata__gen_render(e, "table_protos", &v);
	strata__gen_var_bool(&v, "no_get", g->t->npkey == 0);
	if (e->nonblocking)
		strata__gen_render(e, "protos_async", &v);
	strata__gen_vars_free(&v);
}

static void emit_view_protos(gen_emitter *e, const gtable *g)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_table_vars(e, g, &v);
	strata__gen_var_bool(&v, "get", g->t->npkey > 0);
	strata__gen_var(&v, "kind", g->view->materialized ? "materialized view" : "view");
	strata_buf order = STRATA_BUF_INIT;
	int rc = STRATA_OK;
	for (int k = 0; k < g->t->npkey; k++)
		strata__gen_sql(&order, &rc, "%s%s", k ? ", " : "", g->t->pkey[k]);
	if (rc != STRATA_OK)
		v.rc = rc;
	strata__gen_var(&v, "order", g->t->npkey ? strata__buf_cstr(&order) : "every column but JSON ones");
	strata__buf_free(&order);
	strata__gen_render(e, "view_protos", &v);
	if (e->nonblocking) {
		strata__gen_var_bool(&v, "no_get", g->t->npkey == 0);
		strata__gen_render(e, "protos_async", &v);
	}
	strata__gen_vars_free(&v);
}

static void emit_variant_protos(gen_emitter *e, const gtable *g)
{
	for (int u = 0; u < g->t->nunscoped && e->rc == STRATA_OK; u++) {
		gtable var;
		char *fn = NULL;
		if ((e->rc = strata__gen_make_variant(g, g->t->unscoped[u], &var, &fn)) != STRATA_OK)
			return;
		strata__gen_vars v = STRATA__GEN_VARS_INIT;
		strata__gen_table_vars(e, &var, &v);
		strata__gen_var(&v, "variant", g->t->unscoped[u]);
		strata__gen_var_bool(&v, "get", g->t->npkey > 0);
		strata__gen_render(e, "variant_protos", &v);
		strata__gen_var_bool(&v, "no_get", g->t->npkey == 0);
		if (e->nonblocking)
			strata__gen_render(e, "protos_async", &v);
		strata__gen_vars_free(&v);
		free(fn);
	}
}

void strata__gen_file_vars(const gen_emitter *e, const char *source, strata__gen_vars *v)
{
	strata__gen_var_comment(v, "source", source);
	strata__gen_var(v, "P", e->P);
	strata__gen_list(v, "tables");
	for (int i = 0; i < e->m->ntables; i++)
		strata__gen_var(strata__gen_item(v, "tables"), "type", e->m->tables[i].type);
	for (int i = 0; i < e->m->nviews; i++)
		strata__gen_var(strata__gen_item(v, "tables"), "type", e->m->views[i].type);
	strata__gen_list(v, "matviews");
	for (int i = 0; i < e->m->s->nviews; i++)
		if (e->m->s->views[i].materialized) {
			strata__gen_vars *item = strata__gen_item(v, "matviews");
			char *cn = strata__gen_c_name(e->m->s->views[i].name);
			strata__gen_var(item, "name", e->m->s->views[i].name);
			strata__gen_var_comment(item, "label", e->m->s->views[i].name);
			strata__gen_var(item, "cname", cn ? cn : "");
			if (!cn)
				v->rc = STRATA_ENOMEM;
			free(cn);
		}
}

void strata__gen_header(gen_emitter *e, const char *source, const char *guard)
{
	const gmodel *m = e->m;
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_file_vars(e, source, &v);
	strata__gen_var(&v, "guard", guard);
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	for (int i = 0; i < m->nenums; i++)
		emit_enum_decl(&sub, &m->enums[i]);
	/* key types first: columns of one table use the keys of others */
	for (int i = 0; i < m->ntables; i++)
		emit_id_types(&sub, &m->tables[i]);
	for (int i = 0; i < m->ntables; i++)
		emit_table_types(&sub, &m->tables[i]);
	for (int i = 0; i < m->nviews; i++)
		emit_table_types(&sub, &m->views[i]);
	for (int i = 0; i < m->ntables; i++) {
		emit_table_protos(&sub, &m->tables[i]);
		emit_variant_protos(&sub, &m->tables[i]);
	}
	for (int i = 0; i < m->nviews; i++)
		emit_view_protos(&sub, &m->views[i]);
	strata__gen_block_end(&v, "declarations", &sub, &buf);
	strata__gen_render(e, "header", &v);
	strata__gen_vars_free(&v);
}
