/*
 * The migration rules that compare rather than judge one statement: does
 * the down section undo the up section (matched statically, effect by
 * effect, when there is no scratch database), and what snapshots of a
 * scratch database taken before and after a section say was dropped,
 * renamed, narrowed or left behind.
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "lint/mig.h"

static bool renamed_back(const lint_effects *dn, const lint_effect *e)
{
	for (size_t j = 0; j < dn->n; j++) {
		const lint_effect *d = &dn->v[j];
		if (d->op == LINT_OP_RENAME_TABLE && e->op == LINT_OP_RENAME_TABLE &&
		    strata__lint_ieq(d->table, e->to) && strata__lint_ieq(d->to, e->table))
			return true;
		if (d->op == LINT_OP_RENAME_COLUMN && e->op == LINT_OP_RENAME_COLUMN && d->name &&
		    strata__lint_ieq(d->name, e->to) && strata__lint_ieq(d->to, e->name))
			return true;
	}
	return false;
}

static bool index_created(const lint_effects *dn, const char *name)
{
	for (size_t j = 0; j < dn->n; j++)
		if (dn->v[j].op == LINT_OP_CREATE_INDEX && dn->v[j].name && strata__lint_ieq(dn->v[j].name, name))
			return true;
	return false;
}

int strata__lint_rules_down_static(lint_file *f)
{
	const strata__migration *m = f->m;
	if (!m->down.present)
		return STRATA_OK;
	int rc = STRATA_OK, line = m->down.line;
	const lint_effects *up = &f->up, *dn = &f->dn;
	lint_ctx *ctx = f->ctx;
	for (size_t i = 0; i < up->n && rc == STRATA_OK; i++) {
		const lint_effect *e = &up->v[i];
		bool created = strata__lint_eff_find(up, LINT_OP_CREATE_TABLE, e->table, NULL) != NULL ||
			       strata__lint_eff_matview(up, LINT_OP_CREATE_OTHER, e->table) != NULL;
		bool dropped = strata__lint_eff_find(dn, LINT_OP_DROP_TABLE, e->table, NULL) != NULL ||
			       strata__lint_eff_matview(dn, LINT_OP_DROP_OTHER, e->table) != NULL;
		switch (e->op) {
		case LINT_OP_CREATE_TABLE:
			if (!dropped)
				rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up creates table %s but down does not drop it", e->table);
			break;
		case LINT_OP_ADD_COLUMN:
			if (!created && !dropped && !strata__lint_eff_find(dn, LINT_OP_DROP_COLUMN, e->table, e->name))
				rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up adds column %s.%s but down does not drop it", e->table,
						       e->name);
			break;
		case LINT_OP_CREATE_INDEX:
			/* an index up drops and makes again (to change what it depends on) is where it was */
			if (e->name && !created && !dropped &&
			    !strata__lint_eff_find(up, LINT_OP_DROP_INDEX, "", e->name) &&
			    !strata__lint_eff_find(dn, LINT_OP_DROP_INDEX, "", e->name))
				rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, e->name,
						       "up creates index %s but down does not drop it", e->name);
			break;
		case LINT_OP_DROP_TABLE:
			if (!created && !strata__lint_eff_find(dn, LINT_OP_CREATE_TABLE, e->table, NULL))
				rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up drops table %s but down does not create it again", e->table);
			break;
		case LINT_OP_DROP_COLUMN:
			if (!strata__lint_eff_find(dn, LINT_OP_ADD_COLUMN, e->table, e->name) &&
			    !strata__lint_eff_find(dn, LINT_OP_CREATE_TABLE, e->table, NULL))
				rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up drops column %s.%s but down does not add it again", e->table,
						       e->name);
			break;
		case LINT_OP_DROP_INDEX:
			if (!index_created(dn, e->name) && !index_created(up, e->name))
				rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, e->name,
						       "up drops index %s but down does not create it again", e->name);
			break;
		case LINT_OP_RENAME_TABLE:
			if (!renamed_back(dn, e))
				rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up renames table %s to %s but down does not rename it back",
						       e->table, e->to);
			break;
		case LINT_OP_RENAME_COLUMN:
			if (!renamed_back(dn, e))
				rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up renames column %s.%s to %s but down does not rename it back",
						       e->table, e->name, e->to);
			break;
		default: break;
		}
	}
	return rc;
}

/* ---- snapshots ---- */

/* Where to point a finding about table t (and column c): the statement that did it. */
static const lint_effect *where(const lint_effects *e, const char *t, const char *c)
{
	const lint_effect *x = NULL;
	if (c)
		x = strata__lint_eff_find(e, LINT_OP_DROP_COLUMN, t, c);
	if (!x)
		x = strata__lint_eff_find(e, LINT_OP_DROP_TABLE, t, NULL);
	for (size_t i = 0; i < e->n && !x; i++)
		if ((e->v[i].op == LINT_OP_DELETE || e->v[i].op == LINT_OP_UPDATE) &&
		    strata__lint_ieq(e->v[i].table, t))
			x = &e->v[i];
	for (size_t i = 0; i < e->n && !x; i++)
		if (strata__lint_ieq(e->v[i].table, t))
			x = &e->v[i];
	return x;
}

int strata__lint_rules_compare_up(lint_file *f, const lint_catalog *a, const lint_catalog *b)
{
	lint_ctx *ctx = f->ctx;
	const lint_effects *e = &f->up;
	int rc = STRATA_OK;
	for (size_t i = 0; i < a->n && rc == STRATA_OK; i++) {
		const lint_table *ta = &a->t[i];
		if (!*ta->name)
			continue; /* indexes */
		const lint_table *tb = strata__lint_cat_table(b, ta->name);
		const lint_effect *x = where(e, ta->name, NULL);
		int line = x ? x->line : f->m->up.line, col = x ? x->col : 1;
		/* A rename whose old name is back at the end (a rebuild through a temporary name) breaks nothing. */
		const lint_effect *rn = tb ? NULL : strata__lint_eff_find(e, LINT_OP_RENAME_TABLE, ta->name, NULL);
		if (rn)
			rc = strata__lint_emit(ctx, R_RENAME_TABLE, rn->line, rn->col, ta->name,
					       "renaming table %s to %s breaks code that still uses %s", ta->name,
					       rn->to, ta->name);
		if (rc != STRATA_OK)
			break;
		if (!tb) {
			if (rn)
				continue;
			rc = strata__lint_emit(ctx, R_DROP_TABLE, line, col, ta->name,
					       "table %s is dropped with its rows", ta->name);
			if (rc == STRATA_OK && strata__lint_schema_has(f->schema, ta->name, NULL))
				rc = strata__lint_emit(ctx, R_DROP_SCHEMA_COL, line, col, ta->name,
						       "table %s is dropped but the schema file still has it",
						       ta->name);
			continue;
		}
		for (size_t c = 0; c < ta->ncols && rc == STRATA_OK; c++) {
			const lint_column *ca = &ta->cols[c];
			const lint_column *cb = strata__lint_cat_col(tb, ca->name);
			char o[300];
			snprintf(o, sizeof o, "%s.%s", ta->name, ca->name);
			const lint_effect *y = where(e, ta->name, ca->name);
			int l2 = y ? y->line : line, c2 = y ? y->col : col;
			if (!cb) {
				const lint_effect *r2 =
					strata__lint_eff_find(e, LINT_OP_RENAME_COLUMN, ta->name, ca->name);
				if (r2) {
					rc = strata__lint_emit(
						ctx, R_RENAME_COLUMN, r2->line, r2->col, o,
						"renaming column %s to %s breaks code that still uses %s", o, r2->to,
						ca->name);
					continue;
				}
				rc = strata__lint_emit(ctx, R_DROP_COLUMN, l2, c2, o,
						       "column %s is dropped with its data", o);
				if (rc == STRATA_OK && strata__lint_schema_has(f->schema, ta->name, ca->name))
					rc = strata__lint_emit(ctx, R_DROP_SCHEMA_COL, l2, c2, o,
							       "column %s is dropped but the schema file still has it",
							       o);
			} else if (!strata__lint_ieq(ca->type, cb->type) &&
				   strata__lint_type_narrows(ca->type, cb->type, f->dialect)) {
				rc = strata__lint_emit(ctx, R_NARROWING, l2, c2, o,
						       "column %s changes from %s to %s, which can lose data", o,
						       ca->type, cb->type);
			}
		}
	}
	return rc;
}

int strata__lint_rules_compare_down(lint_file *f, const lint_catalog *a, const lint_catalog *c)
{
	int line = f->m->down.line, rc = STRATA_OK;
	for (int pass = 0; pass < 2 && rc == STRATA_OK; pass++) {
		const lint_catalog *x = pass ? c : a, *y = pass ? a : c;
		for (size_t i = 0; i < x->n && rc == STRATA_OK; i++) {
			const lint_table *tx = &x->t[i], *ty = strata__lint_cat_table(y, tx->name);
			bool idx = !*tx->name;
			if (!ty && !idx) {
				rc = strata__lint_emit(f->ctx, R_DOWN_INVERSE, line, 1, tx->name,
						       pass ? "after up and down, table %s is left behind"
							    : "after up and down, table %s is missing",
						       tx->name);
				continue;
			}
			for (size_t k = 0; k < tx->ncols && rc == STRATA_OK; k++) {
				const lint_column *cy = ty ? strata__lint_cat_col(ty, tx->cols[k].name) : NULL;
				if (idx && !cy)
					rc = strata__lint_emit(f->ctx, R_DOWN_INVERSE, line, 1, tx->cols[k].name,
							       pass ? "after up and down, index %s is left behind"
								    : "after up and down, index %s is missing",
							       tx->cols[k].name);
				else if (!cy)
					rc = strata__lint_emit(f->ctx, R_DOWN_INVERSE, line, 1, tx->name,
							       pass ? "after up and down, column %s.%s is left behind"
								    : "after up and down, column %s.%s is missing",
							       tx->name, tx->cols[k].name);
				else if (!pass && !strata__lint_ieq(cy->type, tx->cols[k].type))
					rc = strata__lint_emit(f->ctx, R_DOWN_INVERSE, line, 1, tx->name,
							       "after up and down, column %s.%s is %s; it was %s",
							       tx->name, tx->cols[k].name, cy->type, tx->cols[k].type);
			}
		}
	}
	return rc;
}
