/*
 * Many rows (list.tmpl): the filters of a query, list with limit/offset or
 * keyset paging, page_free and count.  This file decides which columns
 * filter and order and builds the fixed parts of the SQL.
 */
#include <stdio.h>
#include <string.h>

#include "gen/emit.h"

#define S strata__gen_sql

void strata__gen_where(gen_emitter *e, const gtable *g)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_table_vars(e, g, &v);
	strata_buf w = STRATA_BUF_INIT;
	int rc = STRATA_OK;
	S(&w, &rc, " WHERE 1 = 1");
	strata__gen_scope_and(&w, &rc, g);
	if (rc != STRATA_OK)
		v.rc = rc;
	strata__gen_var_cstr(&v, "base", strata__buf_cstr(&w));
	strata__buf_free(&w);
	strata__gen_var(&v, "deleted_col", g->deleted_at ? g->deleted_at->name : "");
	strata__gen_list(&v, "filters");
	strata__gen_list(&v, "filter_binds");
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!gc->filter)
			continue;
		const char *has = gc->pointer ? "" : ".has";
		strata__gen_vars *f = strata__gen_item(&v, "filters");
		strata__gen_var(f, "field", gc->field);
		strata__gen_var(f, "col", gc->name);
		strata__gen_var(f, "has", has);
		strata__gen_var_bool(f, "range", gc->range);
		static const char *const suffix[] = { "", "_from", "_to" };
		for (int k = 0; k < (gc->range ? 3 : 1); k++) {
			char x[200];
			strata__gen_vars *fb = strata__gen_item(&v, "filter_binds");
			strata__gen_varf(fb, "given", "q->%s%s%s", gc->field, suffix[k], has);
			snprintf(x, sizeof x, gc->pointer ? "q->%s%s" : "q->%s%s.v", gc->field, suffix[k]);
			gen_emitter sub;
			strata_buf buf;
			strata__gen_block_begin(e, &sub, &buf);
			strata__gen_bind_value(&sub, gc, x, "i++", 2);
			strata__gen_block_end(fb, "bind", &sub, &buf);
		}
	}
	strata__gen_render(e, "where", &v);
	strata__gen_vars_free(&v);
}

/* ORDER BY the key (asc and desc); a table or view without one by its columns, so pages do not overlap. */
static void key_order(strata__gen_vars *v, const gtable *g)
{
	strata_buf ord = STRATA_BUF_INIT, ordd = STRATA_BUF_INIT;
	int rc = STRATA_OK, n = 0;
	for (int c = 0; c < g->ncols; c++)
		if (g->cols[c].in_pk) {
			S(&ord, &rc, "%s\"%s\".\"%s\"", n ? ", " : "", g->name, g->cols[c].name);
			S(&ordd, &rc, "%s\"%s\".\"%s\" DESC", n ? ", " : "", g->name, g->cols[c].name);
			n++;
		}
	/* no key: every column that has an order (PostgreSQL's json has none) */
	for (int c = 0; c < g->ncols && n == 0; c++)
		if (g->cols[c].kind != GK_JSON) {
			S(&ord, &rc, "%s\"%s\".\"%s\"", ord.len ? ", " : "", g->name, g->cols[c].name);
			S(&ordd, &rc, "%s\"%s\".\"%s\" DESC", ordd.len ? ", " : "", g->name, g->cols[c].name);
		}
	if (n == 0 && !ord.len && g->ncols) {
		S(&ord, &rc, "\"%s\".\"%s\"", g->name, g->cols[0].name);
		S(&ordd, &rc, "\"%s\".\"%s\" DESC", g->name, g->cols[0].name);
	}
	if (rc != STRATA_OK)
		v->rc = rc;
	strata__gen_var_cstr(v, "order_asc", strata__buf_cstr(&ord));
	strata__gen_var_cstr(v, "order_desc", strata__buf_cstr(&ordd));
	strata__gen_buf_free2(&ord, &ordd);
}

static void list_vars(gen_emitter *e, const gtable *g, strata__gen_vars *v)
{
	strata__gen_table_vars(e, g, v);
	strata__gen_var_bool(v, "variant", g->variant);
	strata__gen_var(v, "pk_col", g->pk ? g->pk->name : "");
	strata__gen_var(v, "pk_field", g->pk ? g->pk->field : "");
	char q[200];
	snprintf(q, sizeof q, "\"%s\"", g->name);
	for (int d = 0; d < 2; d++) {
		strata_buf sel = STRATA_BUF_INIT;
		int rc = STRATA_OK;
		S(&sel, &rc, "SELECT ");
		strata__gen_select_list(&sel, &rc, g, q, d ? D_PG : D_SQLITE);
		S(&sel, &rc, " FROM \"%s\"", g->name);
		if (rc != STRATA_OK)
			v->rc = rc;
		strata__gen_var_cstr(v, d ? "select_pg" : "select_sqlite", strata__buf_cstr(&sel));
		strata__buf_free(&sel);
	}
	key_order(v, g);
	/* the orders a keyset page can follow (NOT NULL indexed columns; tables with a key) */
	strata__gen_list(v, "orders");
	for (int c = 0; c < g->ncols && g->pk; c++) {
		const gcol *gc = &g->cols[c];
		if (!gc->sortable)
			continue;
		char u[128];
		strata__gen_upper(u, sizeof u, gc->name);
		strata__gen_vars *o = strata__gen_item(v, "orders");
		strata__gen_var(o, "u", u);
		strata__gen_var(o, "col", gc->name);
		strata__gen_varf(o, "value", gc->opt ? "last->%s.v" : "last->%s", gc->field);
		strata__gen_var_bool(o, "is_ts", gc->kind == GK_TS);
		strata__gen_var_bool(o, "is_double", gc->kind == GK_DOUBLE);
		strata__gen_var_bool(o, "is_text", gc->kind == GK_TEXT);
	}
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	if (g->pk)
		strata__gen_bind_value(&sub, g->pk, "q->after->id", "i++", 2);
	strata__gen_block_end(v, "bind_after_id", &sub, &buf);
}

void strata__gen_list_fns(gen_emitter *e, const gtable *g)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	list_vars(e, g, &v);
	strata__gen_block(e, &v, "list_build");
	strata__gen_block(e, &v, "list_read");
	strata__gen_render(e, "list", &v);
	strata__gen_render(e, "count", &v);
	if (e->nonblocking)
		strata__gen_render(e, "list_async", &v);
	strata__gen_vars_free(&v);
}
