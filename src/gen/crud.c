/*
 * One row at a time, and many rows by key (crud.tmpl): reading a row,
 * defaults, insert and insert_many, get, update and update_many, delete,
 * hard delete and restore.  This file builds their SQL and the values of
 * their templates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/emit.h"

#define S strata__gen_sql

/* ---- reading and defaults ---- */

void strata__gen_read_fn(gen_emitter *e, const gtable *g)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	gen_emitter sub;
	strata_buf buf;
	strata__gen_var(&v, "T", g->type);
	strata__gen_block_begin(e, &sub, &buf);
	for (int c = 0; c < g->ncols; c++) {
		char ci[32];
		snprintf(ci, sizeof ci, "base + %d", c);
		strata__gen_read_field(&sub, &g->cols[c], ci);
	}
	strata__gen_block_end(&v, "reads", &sub, &buf);
	strata__gen_render(e, "read_fn", &v);
	strata__gen_vars_free(&v);
}

/* The C value of a literal default the program fills in, or "". */
static void default_value(const gcol *gc, char *val, size_t cap)
{
	const strata_default *d = &gc->col->dflt;
	val[0] = '\0';
	switch (d->kind) {
	case STRATA_DEFAULT_INT:
		if (gc->kind == GK_I32 || gc->kind == GK_I64 || gc->kind == GK_DOUBLE)
			snprintf(val, cap, "%s", d->text);
		break;
	case STRATA_DEFAULT_NUMBER:
		if (gc->kind == GK_DOUBLE)
			snprintf(val, cap, "%s", d->text);
		break;
	case STRATA_DEFAULT_BOOL:
		if (gc->kind == GK_BOOL)
			snprintf(val, cap, "%s", strcmp(d->text, "true") == 0 ? "true" : "false");
		break;
	case STRATA_DEFAULT_NOW:
		if (gc->kind == GK_TS)
			snprintf(val, cap, "now");
		break;
	case STRATA_DEFAULT_ENUM:
		if (gc->kind == GK_ENUM)
			for (int k = 0; k < gc->en->e->nvalues; k++)
				if (strcmp(gc->en->e->values[k], d->text) == 0) {
					snprintf(val, cap, "%s_%.127s", gc->en->upper, gc->en->consts[k]);
					break;
				}
		break;
	default: break;
	}
}

/* The code that fills column gc's default when the field is absent (default_* templates). */
static void emit_default_fill(gen_emitter *e, const gcol *gc)
{
	const strata_default *d = &gc->col->dflt;
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_var(&v, "field", gc->field);
	if (gc->pointer) {
		if (d->kind == STRATA_DEFAULT_STRING || d->kind == STRATA_DEFAULT_NUMBER ||
		    (d->kind == STRATA_DEFAULT_INT && gc->kind == GK_TEXT)) {
			strata__gen_var_cstr(&v, "literal", d->text);
			strata__gen_render(e, "default_string", &v);
		}
	} else if ((d->kind == STRATA_DEFAULT_UUID_V4 || d->kind == STRATA_DEFAULT_UUID_V7) &&
		   (gc->kind == GK_UUID || (gc->kind == GK_ID && gc->id_kind == GK_UUID))) {
		strata__gen_var(&v, "fn", d->kind == STRATA_DEFAULT_UUID_V4 ? "strata_uuid_v4" : "strata_uuid_v7");
		strata__gen_var(&v, "v", gc->kind == GK_ID ? ".v" : "");
		strata__gen_var_bool(&v, "opt", gc->opt);
		strata__gen_render(e, "default_uuid", &v);
	} else {
		char val[300];
		default_value(gc, val, sizeof val);
		if (val[0] && gc->opt) {
			strata__gen_var(&v, "value", val);
			strata__gen_render(e, "default_value", &v);
		}
	}
	strata__gen_vars_free(&v);
}

void strata__gen_defaults_fn(gen_emitter *e, const gtable *g)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	gen_emitter sub;
	strata_buf buf;
	strata__gen_var(&v, "T", g->type);
	strata__gen_block_begin(e, &sub, &buf);
	for (int c = 0; c < g->ncols; c++)
		if (strata__gen_inserted(&g->cols[c]))
			emit_default_fill(&sub, &g->cols[c]);
	strata__gen_block_end(&v, "fills", &sub, &buf);
	strata__gen_render(e, "defaults_fn", &v);
	strata__gen_vars_free(&v);
}

/* ---- insert ---- */

/* A one-expression bind: `${in}if (rc == STRATA_OK) rc = CALL;` */
static void bind_call(gen_emitter *e, int indent, const char *call)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_var(&v, "in", indent == 2 ? "\t\t" : "\t");
	strata__gen_var(&v, "call", call);
	strata__gen_render(e, "bind", &v);
	strata__gen_vars_free(&v);
}

/* The check parameters of an insert of *row: the scope parent and the referenced rows. */
static void emit_bind_insert_checks(gen_emitter *e, const gtable *g)
{
	if (!strata__gen_scoped(g))
		return;
	if (!g->owner) {
		strata__gen_bind_field(e, g->scope_col, "row", "i++", 1);
		strata__gen_bind_owner(e, g, "i++", 1);
	}
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!strata__gen_needs_ref_check(g, gc) || gc == g->scope_col)
			continue;
		char call[200];
		if (gc->opt)
			snprintf(call, sizeof call, "strata_bind_int64(st, i++, row->%s.has ? 1 : 0)", gc->field);
		else
			snprintf(call, sizeof call, "strata_bind_int64(st, i++, 1)");
		bind_call(e, 1, call);
		strata__gen_bind_field(e, gc, "row", "i++", 1);
		strata__gen_bind_owner(e, g, "i++", 1);
	}
}

/* The WHERE conditions an insert checks: the parent row and referenced rows are the owner's. */
static void insert_checks(strata_buf *b, int *rc, const gtable *g)
{
	int n = 0;
	if (!strata__gen_scoped(g))
		return;
	if (!g->owner) {
		strata__gen_ref_cond(b, rc, g->scope_parent, "?", 0);
		n++;
	}
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!strata__gen_needs_ref_check(g, gc) || gc == g->scope_col)
			continue;
		S(b, rc, "%s(CAST(? AS INTEGER) = 0 OR ", n++ ? " AND " : "");
		strata__gen_ref_cond(b, rc, gc->ref, "?", 0);
		S(b, rc, ")");
	}
}

static bool insert_has_checks(const gtable *g)
{
	if (!strata__gen_scoped(g))
		return false;
	if (!g->owner)
		return true;
	for (int c = 0; c < g->ncols; c++)
		if (strata__gen_needs_ref_check(g, &g->cols[c]))
			return true;
	return false;
}

/* The inserted columns' names: "a", "b". */
static void insert_columns(strata_buf *b, int *rc, const gtable *g)
{
	int n = 0;
	for (int c = 0; c < g->ncols; c++)
		if (strata__gen_inserted(&g->cols[c]))
			S(b, rc, "%s\"%s\"", n++ ? ", " : "", g->cols[c].name);
}

/* The inserted columns' placeholders: ?, CAST(? AS t), COALESCE(?, expr). */
static void insert_params(strata_buf *b, int *rc, const gtable *g, gen_dialect d, bool cast)
{
	int n = 0;
	for (int c = 0; c < g->ncols; c++)
		if (strata__gen_inserted(&g->cols[c])) {
			S(b, rc, "%s", n++ ? ", " : "");
			strata__gen_insert_param(b, rc, &g->cols[c], d, cast);
		}
}

/* Bind every inserted field of `row` at i++. */
static void bind_inserted(gen_emitter *e, const gtable *g, int indent)
{
	for (int c = 0; c < g->ncols; c++)
		if (strata__gen_inserted(&g->cols[c]))
			strata__gen_bind_inserted(e, &g->cols[c], "row", "i++", indent);
}

static void insert_vars(gen_emitter *e, const gtable *g, strata__gen_vars *v, bool checks, bool returning)
{
	strata__gen_table_vars(e, g, v);
	strata__gen_var_bool(v, "owner", g->owner != NULL);
	strata__gen_var(v, "owner_field", g->owner ? g->owner->field : "");
	strata__gen_var_bool(v, "checks", checks);
	strata__gen_var_bool(v, "returning", returning);
	strata__gen_var(v, "pk_field", returning ? g->pk->field : "");
	strata__gen_var(v, "pk_col", returning ? g->pk->name : "");
}

/* ---- insert_many: keys reserved up front, then a copy or batches of rows ---- */

/* The serial key insert_many reserves and writes itself, or NULL. */
static const gcol *reserved_key(const gtable *g)
{
	return g->pk && g->pk->generated ? g->pk : NULL;
}

/* The columns insert_many writes: insert's, and the reserved key. */
static bool bulk_col(const gtable *g, const gcol *gc)
{
	return strata__gen_inserted(gc) || gc == reserved_key(g);
}

/* Whether strata_copy can take every row as it is: no owner checks, no defaults the database computes. */
static bool copyable(const gtable *g, bool checks)
{
	if (checks)
		return false;
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (bulk_col(g, gc) &&
		    (!strata__gen_copy_type(gc) || strata__gen_sql_default(gc) || strata__gen_actor(gc)))
			return false;
	}
	return true;
}

static void emit_copy_fn(gen_emitter *e, const gtable *g, strata__gen_vars *v)
{
	strata__gen_list(v, "columns");
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!bulk_col(g, gc))
			continue;
		strata__gen_vars *item = strata__gen_item(v, "columns");
		strata__gen_var(item, "col", gc->name);
		strata__gen_var(item, "type", strata__gen_copy_type(gc));
	}
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	for (int c = 0; c < g->ncols; c++)
		if (bulk_col(g, &g->cols[c]))
			strata__gen_copy_field(&sub, &g->cols[c], "row", 2);
	strata__gen_block_end(v, "puts", &sub, &buf);
	strata__gen_render(e, "copy_rows", v);
}

/* The owner checks of a batch: every row's parent and referenced rows are the owner's (one ? each). */
static void batch_checks(strata_buf *b, int *rc, const gtable *g, int *nchecks)
{
	int n = 0, j = 0;
	char expr[32];
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!bulk_col(g, gc))
			continue;
		j++;
		snprintf(expr, sizeof expr, "v.column%d", j);
		if (gc == g->scope_col && !g->owner) {
			S(b, rc, "%s", n++ ? " AND " : " WHERE ");
			strata__gen_ref_check(b, rc, g->scope_parent, expr);
		} else if (strata__gen_needs_ref_check(g, gc)) {
			S(b, rc, "%s(%s IS NULL OR ", n++ ? " AND " : " WHERE ", expr);
			strata__gen_ref_check(b, rc, gc->ref, expr);
			S(b, rc, ")");
		}
	}
	*nchecks = n;
}

static void emit_batch_fn(gen_emitter *e, const gtable *g, strata__gen_vars *v, bool checks)
{
	int ncols = 0;
	for (int c = 0; c < g->ncols; c++)
		ncols += bulk_col(g, &g->cols[c]);
	int batch = ncols ? 30000 / ncols : 1;
	strata__gen_varf(v, "rows_per_stmt", "%d", batch > 256 ? 256 : batch);
	strata_buf head = STRATA_BUF_INIT, tuple[2] = { STRATA_BUF_INIT, STRATA_BUF_INIT }, tail = STRATA_BUF_INIT;
	int rc = STRATA_OK, j = 0, nchecks = 0;
	S(&head, &rc, "INSERT INTO \"%s\" (", g->name);
	for (int c = 0; c < g->ncols; c++)
		if (bulk_col(g, &g->cols[c]))
			S(&head, &rc, "%s\"%s\"", j++ ? ", " : "", g->cols[c].name);
	S(&head, &rc, ") SELECT ");
	j = 0;
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!bulk_col(g, gc))
			continue;
		const char *dflt = strata__gen_sql_default(gc);
		j++;
		if (dflt)
			S(&head, &rc, "%sCOALESCE(v.column%d, %s)", j > 1 ? ", " : "", j, dflt);
		else
			S(&head, &rc, "%sv.column%d", j > 1 ? ", " : "", j);
		for (int d = 0; d < 2; d++) {
			S(&tuple[d], &rc, "%s", j > 1 ? ", " : "(");
			if (d) {
				S(&tuple[d], &rc, "CAST(? AS ");
				strata__gen_pg_type(&tuple[d], &rc, gc);
				S(&tuple[d], &rc, ")");
			} else {
				S(&tuple[d], &rc, "?");
			}
		}
	}
	S(&head, &rc, " FROM (VALUES ");
	S(&tuple[0], &rc, ")");
	S(&tuple[1], &rc, ")");
	S(&tail, &rc, ") AS v");
	batch_checks(&tail, &rc, g, &nchecks);
	if (rc != STRATA_OK)
		v->rc = rc;
	strata__gen_var_cstr(v, "head", strata__buf_cstr(&head));
	strata__gen_var_cstr(v, "tuple_sqlite", strata__buf_cstr(&tuple[0]));
	strata__gen_var_cstr(v, "tuple_pg", strata__buf_cstr(&tuple[1]));
	strata__gen_var_cstr(v, "tail", strata__buf_cstr(&tail));
	strata__gen_buf_free2(&head, &tail);
	strata__gen_buf_free2(&tuple[0], &tuple[1]);
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	for (int c = 0; c < g->ncols; c++)
		if (bulk_col(g, &g->cols[c]))
			strata__gen_bind_inserted(&sub, &g->cols[c], "row", "i++", 3);
	strata__gen_block_end(v, "binds", &sub, &buf);
	strata__gen_block_begin(e, &sub, &buf);
	for (int k = 0; k < nchecks; k++)
		strata__gen_bind_owner(&sub, g, "i++", 2);
	strata__gen_block_end(v, "check_binds", &sub, &buf);
	strata__gen_var_bool(v, "checks", checks);
	strata__gen_render(e, "batch_rows", v);
}

static void emit_insert_many(gen_emitter *e, const gtable *g, bool checks, bool returning)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	insert_vars(e, g, &v, checks, returning);
	const gcol *key = reserved_key(g);
	strata__gen_var_bool(&v, "reserve", key != NULL);
	strata__gen_var(&v, "key_col", key ? key->name : "");
	strata__gen_var(&v, "key_field", key ? key->field : "");
	bool copy = copyable(g, checks);
	strata__gen_var(&v, "bulk", copy ? "copy" : "batch");
	if (copy)
		emit_copy_fn(e, g, &v);
	else
		emit_batch_fn(e, g, &v, checks);
	strata__gen_render(e, "insert_many", &v);
	strata__gen_vars_free(&v);
}

void strata__gen_insert(gen_emitter *e, const gtable *g)
{
	char name[160];
	bool checks = insert_has_checks(g);
	bool returning = g->pk && g->pk->generated;
	snprintf(name, sizeof name, "%s_sql_insert", g->type);
	GEN_SQL2(e, name, {
		S(b, rcp, "INSERT INTO \"%s\" (", g->name);
		insert_columns(b, rcp, g);
		S(b, rcp, checks ? ") SELECT " : ") VALUES (");
		insert_params(b, rcp, g, d, checks);
		if (checks) {
			S(b, rcp, " WHERE ");
			insert_checks(b, rcp, g);
		} else {
			S(b, rcp, ")");
		}
		if (returning)
			S(b, rcp, " RETURNING \"%s\"", g->pk->name);
	});
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	insert_vars(e, g, &v, checks, returning);
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	bind_inserted(&sub, g, 1);
	strata__gen_block_end(&v, "binds", &sub, &buf);
	strata__gen_block_begin(e, &sub, &buf);
	emit_bind_insert_checks(&sub, g);
	strata__gen_block_end(&v, "check_binds", &sub, &buf);
	strata__gen_render(e, "insert", &v);
	strata__gen_vars_free(&v);
	emit_insert_many(e, g, checks, returning);
}

/* ---- get ---- */

static void bind_keys_var(const gen_emitter *e, const gtable *g, strata__gen_vars *v)
{
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	strata__gen_bind_keys(&sub, g);
	strata__gen_block_end(v, "bind_keys", &sub, &buf);
}

void strata__gen_get(gen_emitter *e, const gtable *g)
{
	char name[160];
	for (int del = 0; del < 2; del++) {
		if (del && !g->deleted_at)
			break;
		snprintf(name, sizeof name, "%s_sql_get%s", g->fn, del ? "_all" : "");
		GEN_SQL2(e, name, {
			char q[200];
			snprintf(q, sizeof q, "\"%s\"", g->name);
			S(b, rcp, "SELECT ");
			strata__gen_select_list(b, rcp, g, q, d);
			S(b, rcp, " FROM \"%s\"", g->name);
			strata__gen_key_where(b, rcp, g);
			strata__gen_scope_and(b, rcp, g);
			if (g->deleted_at && !del)
				S(b, rcp, " AND \"%s\".\"%s\" IS NULL", g->name, g->deleted_at->name);
		});
	}
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_table_vars(e, g, &v);
	strata__gen_var_bool(&v, "variant", g->variant);
	bind_keys_var(e, g, &v);
	strata__gen_block(e, &v, "get_bind");
	strata__gen_block(e, &v, "get_read");
	strata__gen_render(e, "get", &v);
	if (e->nonblocking)
		strata__gen_render(e, "get_async", &v);
	strata__gen_vars_free(&v);
}

/* ---- update ---- */

/* The SET clause of an update: CASE WHEN ? THEN ? ELSE col END per updatable column. */
static void update_set(strata_buf *b, int *rc, const gtable *g)
{
	S(b, rc, "UPDATE \"%s\" SET ", g->name);
	int n = 0;
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (strata__gen_updatable(gc))
			S(b, rc, "%s\"%s\" = CASE WHEN ? THEN ? ELSE \"%s\" END", n++ ? ", " : "", gc->name, gc->name);
	}
}

/* Conditions of an update on referenced columns it may write. */
static void update_checks(strata_buf *b, int *rc, const gtable *g)
{
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!strata__gen_updatable(gc) || !strata__gen_needs_ref_check(g, gc))
			continue;
		S(b, rc, " AND (CAST(? AS INTEGER) = 0 OR ");
		strata__gen_ref_cond(b, rc, gc->ref, "?", 0);
		S(b, rc, ")");
	}
}

/* The binds of the SET clause (a flag and a value per column) and of the reference checks. */
static void update_binds(const gen_emitter *e, const gtable *g, int indent, strata__gen_vars *v)
{
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!strata__gen_updatable(gc))
			continue;
		if (gc->col->auto_update && strata__gen_actor(gc)) {
			/* written every time: the field when named, else the connection's actor (NULL when none) */
			strata__gen_vars av = STRATA__GEN_VARS_INIT;
			gen_emitter vsub;
			strata_buf vbuf;
			strata__gen_block_begin(&sub, &vsub, &vbuf);
			strata__gen_bind_field(&vsub, gc, "values", "i++", indent + 1);
			strata__gen_block_end(&av, "value", &vsub, &vbuf);
			strata__gen_var(&av, "in", indent == 2 ? "\t\t" : "\t");
			strata__gen_var(&av, "mask", gc->upper);
			strata__gen_render(&sub, "update_actor", &av);
			strata__gen_vars_free(&av);
			continue;
		}
		char call[200];
		snprintf(call, sizeof call, "strata_bind_bool(st, i++, (fields & %s) != 0)", gc->upper);
		bind_call(&sub, indent, call);
		strata__gen_bind_field(&sub, gc, "values", "i++", indent);
	}
	strata__gen_block_end(v, "bind_set", &sub, &buf);
	strata__gen_block_begin(e, &sub, &buf);
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!strata__gen_updatable(gc) || !strata__gen_needs_ref_check(g, gc))
			continue;
		char call[300];
		if (gc->opt)
			snprintf(call, sizeof call,
				 "strata_bind_int64(st, i++, (fields & %s) && values->%s.has ? 1 : 0)", gc->upper,
				 gc->field);
		else
			snprintf(call, sizeof call, "strata_bind_int64(st, i++, (fields & %s) ? 1 : 0)", gc->upper);
		bind_call(&sub, indent, call);
		strata__gen_bind_field(&sub, gc, "values", "i++", indent);
		strata__gen_bind_owner(&sub, g, "i++", indent);
	}
	strata__gen_block_end(v, "bind_checks", &sub, &buf);
}

static void update_vars(const gen_emitter *e, const gtable *g, int indent, strata__gen_vars *v)
{
	strata__gen_table_vars(e, g, v);
	uint64_t all = 0;
	for (int c = 0; c < g->ncols; c++)
		if (strata__gen_updatable(&g->cols[c]))
			all |= UINT64_C(1) << c;
	strata__gen_varf(v, "all_fields", "%llx", (unsigned long long)all);
	strata__gen_var_bool(v, "updated_at", g->updated_at != NULL);
	strata__gen_var_bool(v, "updated_opt", g->updated_at && g->updated_at->opt);
	strata__gen_var(v, "updated_mask", g->updated_at ? g->updated_at->upper : "");
	strata__gen_var(v, "updated_field", g->updated_at ? g->updated_at->field : "");
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	strata__gen_render(&sub, "update_prologue", v);
	strata__gen_block_end(v, "prologue", &sub, &buf);
	update_binds(e, g, indent, v);
}

static void emit_update_many(gen_emitter *e, const gtable *g)
{
	char name[160];
	snprintf(name, sizeof name, "%s_sql_update_many", g->type);
	GEN_SQL2(e, name, {
		update_set(b, rcp, g);
		S(b, rcp, " WHERE \"%s\".\"%s\" ", g->name, g->pk->name);
		strata__gen_in_batch(b, rcp);
		strata__gen_scope_and(b, rcp, g);
		if (g->deleted_at)
			S(b, rcp, " AND \"%s\".\"%s\" IS NULL", g->name, g->deleted_at->name);
		update_checks(b, rcp, g);
	});
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	update_vars(e, g, 2, &v);
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	strata__gen_bind_value(&sub, g->pk, "ids[at]", "i++", 3);
	strata__gen_block_end(&v, "bind_id", &sub, &buf);
	strata__gen_render(e, "update_many", &v);
	strata__gen_vars_free(&v);
}

void strata__gen_update(gen_emitter *e, const gtable *g)
{
	char name[160];
	if (!strata__gen_any_updatable(g))
		return;
	snprintf(name, sizeof name, "%s_sql_update", g->type);
	GEN_SQL2(e, name, {
		update_set(b, rcp, g);
		strata__gen_key_where(b, rcp, g);
		strata__gen_scope_and(b, rcp, g);
		if (g->deleted_at)
			S(b, rcp, " AND \"%s\".\"%s\" IS NULL", g->name, g->deleted_at->name);
		update_checks(b, rcp, g);
	});
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	update_vars(e, g, 1, &v);
	bind_keys_var(e, g, &v);
	strata__gen_render(e, "update", &v);
	strata__gen_vars_free(&v);
	if (g->pk)
		emit_update_many(e, g);
}

/* ---- delete, hard delete, restore ---- */

static void emit_delete_fn(gen_emitter *e, const gtable *g, const char *fn, const char *sql, const char *what)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_table_vars(e, g, &v);
	strata__gen_var(&v, "fn", fn);
	strata__gen_var(&v, "sql", sql);
	strata__gen_var(&v, "what", what);
	strata__gen_var_bool(&v, "sets_deleted_at", strcmp(fn, "delete") == 0 && g->deleted_at);
	bind_keys_var(e, g, &v);
	strata__gen_render(e, "delete", &v);
	strata__gen_vars_free(&v);
}

/* Soft delete ("live ": set deleted_at) or restore ("deleted ": clear it): an UPDATE of deleted_at by key. */
static void emit_soft(gen_emitter *e, const gtable *g, const char *fn, const char *what)
{
	char name[160];
	bool restore = strcmp(fn, "restore") == 0;
	snprintf(name, sizeof name, "%s_sql_%s", g->type, fn);
	GEN_SQL2(e, name, {
		S(b, rcp, "UPDATE \"%s\" SET \"%s\" = %s", g->name, g->deleted_at->name, restore ? "NULL" : "?");
		strata__gen_key_where(b, rcp, g);
		strata__gen_scope_and(b, rcp, g);
		S(b, rcp, " AND \"%s\".\"%s\" IS %sNULL", g->name, g->deleted_at->name, restore ? "NOT " : "");
	});
	emit_delete_fn(e, g, fn, name, what);
}

void strata__gen_deletes(gen_emitter *e, const gtable *g)
{
	char name[160];
	if (g->deleted_at) {
		emit_soft(e, g, "delete", "live ");
		emit_soft(e, g, "restore", "deleted ");
	}
	snprintf(name, sizeof name, "%s_sql_hard_delete", g->type);
	GEN_SQL2(e, name, {
		S(b, rcp, "DELETE FROM \"%s\"", g->name);
		strata__gen_key_where(b, rcp, g);
		strata__gen_scope_and(b, rcp, g);
	});
	emit_delete_fn(e, g, g->deleted_at ? "hard_delete" : "delete", name, "");
}
