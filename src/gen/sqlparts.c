/*
 * SQL text the generator builds at generation time: select lists, the
 * owner scope of a statement, key conditions, insert placeholders.  The
 * generated code carries it as string constants.  Identifiers are double
 * quoted (SQLite and PostgreSQL both read that); values are always `?`.
 */
#include <stdarg.h>
#include <stdio.h>

#include "gen/emit.h"

void strata__gen_sql(strata_buf *b, int *rc, const char *fmt, ...)
{
	if (*rc != STRATA_OK)
		return;
	va_list ap;
	va_start(ap, fmt);
	char tmp[2048];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		*rc = strata__error_set(STRATA_EINVAL, "generated SQL fragment too long");
		return;
	}
	*rc = strata__buf_append(b, tmp, (size_t)n);
}

#define S strata__gen_sql

void strata__gen_select_list(strata_buf *b, int *rc, const gtable *g, const char *alias, gen_dialect d)
{
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		const char *sep = c ? ", " : "";
		if (strata__gen_is_array(gc->kind) && d == D_PG)
			S(b, rc, "%sarray_to_json(%s%s\"%s\")", sep, alias ? alias : "", alias ? "." : "", gc->name);
		else
			S(b, rc, "%s%s%s\"%s\"", sep, alias ? alias : "", alias ? "." : "", gc->name);
	}
}

/*
 * Tables scoped through a parent check the parent (recursively), each
 * level under its own alias (s0, s1, ...).  Adds one parameter: the owner.
 */
void strata__gen_scope_cond(strata_buf *b, int *rc, const gtable *g, const char *alias, int depth)
{
	if (g->owner) {
		S(b, rc, "%s.\"%s\" = ?", alias, g->owner->name);
		return;
	}
	char pa[16];
	snprintf(pa, sizeof pa, "s%d", depth);
	const gtable *p = g->scope_parent;
	S(b, rc, "EXISTS (SELECT 1 FROM \"%s\" %s WHERE %s.\"%s\" = %s.\"%s\"", p->name, pa, pa, p->pk->name, alias,
	  g->scope_col->name);
	if (p->deleted_at)
		S(b, rc, " AND %s.\"%s\" IS NULL", pa, p->deleted_at->name);
	S(b, rc, " AND ");
	strata__gen_scope_cond(b, rc, p, pa, depth + 1);
	S(b, rc, ")");
}

/* "SELECT 1 FROM g r<depth> WHERE r.pk = id [AND not deleted] AND <owner scope>" */
static void ref_select(strata_buf *b, int *rc, const gtable *g, const char *id, int depth)
{
	char pa[16];
	snprintf(pa, sizeof pa, "r%d", depth);
	S(b, rc, "SELECT 1 FROM \"%s\" %s WHERE %s.\"%s\" = %s", g->name, pa, pa, g->pk->name, id);
	if (g->deleted_at)
		S(b, rc, " AND %s.\"%s\" IS NULL", pa, g->deleted_at->name);
	S(b, rc, " AND ");
	strata__gen_scope_cond(b, rc, g, pa, depth + 1);
}

void strata__gen_ref_cond(strata_buf *b, int *rc, const gtable *g, const char *id, int depth)
{
	S(b, rc, "EXISTS (");
	ref_select(b, rc, g, id, depth);
	S(b, rc, ")");
}

/*
 * A scalar subquery, not EXISTS: PostgreSQL turns EXISTS into a join it may
 * plan as a scan of all the owner's rows per batch; a scalar subquery stays
 * one primary-key lookup per row.
 */
void strata__gen_ref_check(strata_buf *b, int *rc, const gtable *g, const char *id)
{
	S(b, rc, "(");
	ref_select(b, rc, g, id, 0);
	S(b, rc, ") = 1");
}

void strata__gen_scope_and(strata_buf *b, int *rc, const gtable *g)
{
	if (!strata__gen_scoped(g))
		return;
	char q[200];
	snprintf(q, sizeof q, "\"%s\"", g->name);
	S(b, rc, " AND ");
	strata__gen_scope_cond(b, rc, g, q, 0);
}

void strata__gen_key_where(strata_buf *b, int *rc, const gtable *g)
{
	S(b, rc, " WHERE ");
	int n = 0;
	for (int c = 0; c < g->ncols; c++)
		if (g->cols[c].in_pk)
			S(b, rc, "%s\"%s\".\"%s\" = ?", n++ ? " AND " : "", g->name, g->cols[c].name);
}

void strata__gen_in_batch(strata_buf *b, int *rc)
{
	S(b, rc, "IN (");
	for (int k = 0; k < STRATA__GEN_BATCH; k++)
		S(b, rc, "%s?", k ? ", " : "");
	S(b, rc, ")");
}

/* INSERT ... SELECT does not infer a bare parameter's type on PostgreSQL: it is cast. */
void strata__gen_pg_type(strata_buf *b, int *rc, const gcol *gc)
{
	const strata_coltype *ty = &gc->col->type;
	const char *base;
	switch (ty->kind) {
	case STRATA_T_INT: base = "integer"; break;
	case STRATA_T_BIGINT:
	case STRATA_T_SERIAL: base = "bigint"; break;
	case STRATA_T_BOOL: base = "boolean"; break;
	case STRATA_T_FLOAT: base = "double precision"; break;
	case STRATA_T_DECIMAL: base = "numeric"; break;
	case STRATA_T_BYTES: base = "bytea"; break;
	case STRATA_T_TIMESTAMP: base = "timestamptz"; break;
	case STRATA_T_DATE: base = "date"; break;
	case STRATA_T_UUID: base = "uuid"; break;
	case STRATA_T_JSON: base = "jsonb"; break;
	case STRATA_T_ENUM: S(b, rc, "\"%s\"%s", ty->enum_name, ty->array ? "[]" : ""); return;
	case STRATA_T_RAW: base = ty->raw ? ty->raw : "text"; break;
	default: base = "text"; break;
	}
	S(b, rc, "%s%s", base, ty->array ? "[]" : "");
}

const char *strata__gen_sql_default(const gcol *gc)
{
	const strata_default *d = &gc->col->dflt;
	if (d->kind == STRATA_DEFAULT_RAW)
		return d->text;
	if (d->kind == STRATA_DEFAULT_NOW && gc->kind != GK_TS)
		return gc->col->type.kind == STRATA_T_DATE ? "CURRENT_DATE" : "CURRENT_TIMESTAMP";
	return NULL;
}

void strata__gen_insert_param(strata_buf *b, int *rc, const gcol *gc, gen_dialect d, bool cast)
{
	const char *dflt = strata__gen_sql_default(gc);
	if (dflt)
		S(b, rc, "COALESCE(");
	if (cast && d == D_PG) {
		S(b, rc, "CAST(? AS ");
		strata__gen_pg_type(b, rc, gc);
		S(b, rc, ")");
	} else {
		S(b, rc, "?");
	}
	if (dflt)
		S(b, rc, ", %s)", dflt);
}

void strata__gen_sql_pair(gen_emitter *e, const char *name, const strata_buf *lite, const strata_buf *pg)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_var(&v, "name", name);
	strata__gen_var_cstr(&v, "sqlite", strata__buf_cstr(lite));
	strata__gen_var_cstr(&v, "pg", strata__buf_cstr(pg));
	strata__gen_render(e, "sql_pair", &v);
	strata__gen_vars_free(&v);
}

void strata__gen_buf_free2(strata_buf *a, strata_buf *b)
{
	strata__buf_free(a);
	strata__buf_free(b);
}
