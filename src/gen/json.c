/*
 * Rows as JSON (json.tmpl): every column by name (json_field in
 * values.tmpl, the setter from the kind table) and the loaded relations,
 * nested.
 */
#include "gen/emit.h"

void strata__gen_json(gen_emitter *e, const gtable *g)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_var(&v, "T", g->type);
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	for (int c = 0; c < g->ncols; c++)
		strata__gen_json_field(&sub, &g->cols[c]);
	strata__gen_block_end(&v, "fields", &sub, &buf);
	strata__gen_list(&v, "rels");
	for (int r = 0; r < g->nrels; r++) {
		const grel *gr = &g->rels[r];
		strata__gen_vars *item = strata__gen_item(&v, "rels");
		strata__gen_var(item, "field", gr->field);
		strata__gen_var(item, "target", gr->target->type);
		strata__gen_var_bool(item, "to_one", gr->rel->kind == STRATA_REL_MANY_TO_ONE);
	}
	strata__gen_render(e, "json", &v);
	strata__gen_vars_free(&v);
}
