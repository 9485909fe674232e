/*
 * Columns in generated C: which columns each function writes, their C
 * types, and the code that binds and reads them.  The kind table below
 * says, per kind of column, its C types and the expressions that bind it
 * to a statement and add it to a JSON object; values.tmpl holds the
 * statements around them.
 */
#include <stdio.h>
#include <string.h>

#include "gen/emit.h"

/* ---- which columns ---- */

bool strata__gen_scoped(const gtable *g)
{
	return g->owner_table != NULL;
}

bool strata__gen_needs_ref_check(const gtable *g, const gcol *gc)
{
	return gc->kind == GK_ID && !gc->is_pk && !gc->owner && gc->ref->pk && strata__gen_scoped(gc->ref) &&
	       gc->ref->owner_table == g->owner_table;
}

bool strata__gen_inserted(const gcol *gc)
{
	return !gc->generated;
}

bool strata__gen_updatable(const gcol *gc)
{
	return !gc->in_pk && !gc->owner && !gc->generated && !gc->created_at && !gc->deleted_at;
}

bool strata__gen_actor(const gcol *gc)
{
	return gc->col->dflt.kind == STRATA_DEFAULT_ACTOR;
}

bool strata__gen_any_updatable(const gtable *g)
{
	if (!g->t->npkey)
		return false; /* no key to name the row by */
	for (int c = 0; c < g->ncols; c++)
		if (strata__gen_updatable(&g->cols[c]))
			return true;
	return false;
}

bool strata__gen_is_array(gkind k)
{
	return k == GK_TEXT_ARR || k == GK_INT_ARR || k == GK_FLOAT_ARR;
}

int strata__gen_make_variant(const gtable *g, const char *name, gtable *v, char **fn)
{
	*v = *g;
	strata_buf b = STRATA_BUF_INIT;
	if (strata__buf_printf(&b, "%s_%s", g->type, name))
		return STRATA_ENOMEM;
	*fn = strata__buf_detach(&b);
	if (!*fn)
		return STRATA_ENOMEM;
	v->fn = *fn;
	v->variant = true;
	v->owner_table = NULL;
	v->scope_parent = NULL;
	v->scope_col = NULL;
	return STRATA_OK;
}

/* ---- the kind table ---- */

/*
 * Patterns are template text: ${x} is the value (an expression of the
 * plain type), ${i} the parameter index, ${k} the JSON key, ${t} the enum's
 * C type.  `read` names the template in values.tmpl that reads the column
 * (with ${fn}, the strata_column_* function, for "read_simple").
 */
typedef struct kind_info {
	const char *plain; /* NULL: the enum's or the key's type */
	const char *opt;   /* NULL: the enum's or the key's _opt type */
	const char *bind;
	const char *json;
	const char *read;
	const char *fn;
	const char *copy; /* the value into the strata_copy `cp` (insert_many) */
} kind_info;

enum {
	SHAPE_ID_UUID = GK_FLOAT_ARR + 1,
	SHAPE_ID_INT,
	SHAPE_COUNT
};

static const kind_info kinds[SHAPE_COUNT] = {
	[GK_I32] = { "int32_t", "strata_opt_int32", "strata_bind_int64(st, ${i}, (int64_t)(${x}))",
		     "strata_json_set_int(o, \"${k}\", ${x})", "read_int", NULL,
		     "strata_copy_int64(cp, (int64_t)(${x}))" },
	[GK_I64] = { "int64_t", "strata_opt_int64", "strata_bind_int64(st, ${i}, (int64_t)(${x}))",
		     "strata_json_set_int(o, \"${k}\", ${x})", "read_int", NULL,
		     "strata_copy_int64(cp, (int64_t)(${x}))" },
	[GK_BOOL] = { "bool", "strata_opt_bool", "strata_bind_bool(st, ${i}, ${x})",
		      "strata_json_set_bool(o, \"${k}\", ${x})", "read_simple", "strata_column_bool",
		      "strata_copy_bool(cp, ${x})" },
	[GK_DOUBLE] = { "double", "strata_opt_double", "strata_bind_double(st, ${i}, ${x})",
			"strata_json_set_double(o, \"${k}\", ${x})", "read_simple", "strata_column_double",
			"strata_copy_double(cp, ${x})" },
	[GK_TEXT] = { "const char *", "const char *", "strata_bind_text(st, ${i}, ${x}, -1)",
		      "strata_json_set_text(o, \"${k}\", ${x})", "read_text", NULL, "strata_copy_text(cp, ${x}, -1)" },
	[GK_JSON] = { "const char *", "const char *", "strata_bind_json(st, ${i}, ${x})",
		      "strata_json_set_raw(o, \"${k}\", ${x})", "read_text", NULL, "strata_copy_json(cp, ${x})" },
	[GK_BYTES] = { "strata_bytes", "strata_opt_bytes", "strata_bind_blob(st, ${i}, (${x}).data, (${x}).len)",
		       "strata_json_set_bytes(o, \"${k}\", &${x})", "read_bytes", NULL,
		       "strata_copy_blob(cp, (${x}).data, (${x}).len)" },
	[GK_TS] = { "strata_timestamp", "strata_opt_timestamp", "strata_bind_timestamp(st, ${i}, ${x})",
		    "strata_json_set_timestamp(o, \"${k}\", ${x})", "read_simple", "strata_column_timestamp",
		    "strata_copy_timestamp(cp, ${x})" },
	[GK_UUID] = { "strata_uuid", "strata_opt_uuid", "strata_bind_uuid(st, ${i}, &(${x}))",
		      "strata_json_set_uuid(o, \"${k}\", &${x})", "read_simple", "strata_column_uuid",
		      "strata_copy_uuid(cp, &(${x}))" },
	[GK_ENUM] = { NULL, NULL, "strata_bind_text(st, ${i}, ${t}_name(${x}), -1)",
		      "strata_json_set_text(o, \"${k}\", ${t}_name(${x}))", "read_enum", NULL,
		      "strata_copy_text(cp, ${t}_name(${x}), -1)" },
	[GK_ID] = { NULL, NULL, NULL, NULL, NULL, NULL, NULL }, /* by the key's kind: SHAPE_ID_* */
	[GK_TEXT_ARR] = { "strata_text_array", "strata_opt_text_array", "strata_bind_text_array(db, st, ${i}, &(${x}))",
			  "strata_json_set_text_array(o, \"${k}\", &${x})", "read_array", "strata_text_array_parse",
			  "strata_copy_text_array(cp, (${x}).items, (${x}).n)" },
	[GK_INT_ARR] = { "strata_int_array", "strata_opt_int_array", "strata_bind_int_array(db, st, ${i}, &(${x}))",
			 "strata_json_set_int_array(o, \"${k}\", &${x})", "read_array", "strata_int_array_parse",
			 "strata_copy_int_array(cp, (${x}).items, (${x}).n)" },
	[GK_FLOAT_ARR] = { "strata_float_array", "strata_opt_float_array",
			   "strata_bind_float_array(db, st, ${i}, &(${x}))",
			   "strata_json_set_float_array(o, \"${k}\", &${x})", "read_array", "strata_float_array_parse",
			   "strata_copy_float_array(cp, (${x}).items, (${x}).n)" },
	[SHAPE_ID_UUID] = { NULL, NULL, "strata_bind_uuid(st, ${i}, &(${x}).v)",
			    "strata_json_set_uuid(o, \"${k}\", &${x}.v)", "read_simple", "strata_column_uuid",
			    "strata_copy_uuid(cp, &(${x}).v)" },
	[SHAPE_ID_INT] = { NULL, NULL, "strata_bind_int64(st, ${i}, (${x}).v)",
			   "strata_json_set_int(o, \"${k}\", ${x}.v)", "read_simple", "strata_column_int64",
			   "strata_copy_int64(cp, (${x}).v)" },
};

static const kind_info *kind_of(const gcol *gc)
{
	if (gc->kind == GK_ID)
		return &kinds[gc->id_kind == GK_UUID ? SHAPE_ID_UUID : SHAPE_ID_INT];
	return &kinds[gc->kind];
}

/* ---- C types ---- */

const char *strata__gen_opt_type(const gcol *gc, char *buf, size_t cap)
{
	if (gc->kind == GK_ENUM || gc->kind == GK_ID) {
		snprintf(buf, cap, "%s_opt", gc->kind == GK_ENUM ? gc->en->type : gc->ref->id_type);
		return buf;
	}
	return kinds[gc->kind].opt;
}

const char *strata__gen_plain_type(const gcol *gc)
{
	if (gc->kind == GK_ENUM)
		return gc->en->type;
	if (gc->kind == GK_ID)
		return gc->ref->id_type;
	return kinds[gc->kind].plain;
}

const char *strata__gen_field_type(const gcol *gc, char *buf, size_t cap)
{
	return gc->opt ? strata__gen_opt_type(gc, buf, cap) : strata__gen_plain_type(gc);
}

const char *strata__gen_type_doc(const gcol *gc, char *doc, size_t cap)
{
	const strata_column *c = gc->col;
	char t[96];
	if (c->type.kind == STRATA_T_STRING)
		snprintf(t, sizeof t, "string(%d)", c->type.length);
	else if (c->type.kind == STRATA_T_DECIMAL)
		snprintf(t, sizeof t, "decimal(%d,%d)", c->type.precision, c->type.scale);
	else if (c->type.kind == STRATA_T_ENUM)
		snprintf(t, sizeof t, "%s", c->type.enum_name);
	else if (c->type.kind == STRATA_T_RAW)
		snprintf(t, sizeof t, "sql(%s)", c->type.raw ? c->type.raw : "");
	else
		snprintf(t, sizeof t, "%s", strata_type_kind_name(c->type.kind));
	snprintf(doc, cap, "%s%s%s%s%s%s", t, c->type.array ? "[]" : "", c->not_null ? " not null" : "",
		 c->dflt.kind != STRATA_DEFAULT_NONE ? " with default" : "", gc->owner ? "; the owner" : "",
		 gc->generated ? "; set by insert" : "");
	return doc;
}

/* ---- parameters of generated functions ---- */

const char *strata__gen_owner_param(const gtable *g, char *buf, size_t cap)
{
	if (!strata__gen_scoped(g))
		return "";
	snprintf(buf, cap, "%s owner, ", g->owner_table->id_type);
	return buf;
}

/* The parameter name of key column `gc`: its field, or field_key when that is also a type name. */
static const char *key_name(const gmodel *m, const gcol *gc, char *buf, size_t cap)
{
	bool clash = false;
	for (int i = 0; i < m->ntables && !clash; i++) {
		const gtable *t = &m->tables[i];
		clash = strcmp(t->type, gc->field) == 0 || (t->id_type && strcmp(t->id_type, gc->field) == 0);
	}
	for (int i = 0; i < m->nenums && !clash; i++)
		clash = strcmp(m->enums[i].type, gc->field) == 0;
	if (!clash)
		return gc->field;
	snprintf(buf, cap, "%s_key", gc->field);
	return buf;
}

void strata__gen_key_params(const gmodel *m, const gtable *g, strata_buf *b, int *rc)
{
	if (g->pk) {
		strata__gen_sql(b, rc, "%s id", g->id_type);
		return;
	}
	int n = 0;
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!gc->in_pk)
			continue;
		char tb[96], kb[96];
		strata__gen_sql(b, rc, "%s%s %s", n++ ? ", " : "", strata__gen_field_type(gc, tb, sizeof tb),
				key_name(m, gc, kb, sizeof kb));
	}
}

/* ---- binding ---- */

/* `indent` tabs (at most 6). */
static const char *tabs(int indent)
{
	static const char t[] = "\t\t\t\t\t\t";
	if (indent > 6)
		indent = 6;
	return t + 6 - (indent < 1 ? 1 : indent);
}

/* Write value `x` of `gc` to a statement parameter `idx`, or (copy) as the next value of the copy `cp`. */
static void put_value(gen_emitter *e, const gcol *gc, const char *x, const char *idx, int indent, bool copy)
{
	const kind_info *k = kind_of(gc);
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata_buf call = STRATA_BUF_INIT;
	strata__gen_var(&v, "x", x);
	strata__gen_var(&v, "i", idx);
	strata__gen_var(&v, "t", gc->kind == GK_ENUM ? gc->en->type : "");
	int rc = strata__gen_expand(&call, copy ? k->copy : k->bind, &v);
	if (rc != STRATA_OK && e->rc == STRATA_OK)
		e->rc = rc;
	strata__gen_var(&v, "call", strata__buf_cstr(&call));
	strata__gen_var(&v, "in", tabs(indent));
	strata__gen_render(e, "bind", &v);
	strata__gen_vars_free(&v);
	strata__buf_free(&call);
}

void strata__gen_bind_value(gen_emitter *e, const gcol *gc, const char *x, const char *idx, int indent)
{
	put_value(e, gc, x, idx, indent, false);
}

/*
 * Field `gc` of `row` to a parameter or a copy; NULL when absent, or with
 * `actor`, the connection's actor (text the database converts to the
 * column's type).
 */
static void put_field(gen_emitter *e, const gcol *gc, const char *row, const char *idx, int indent, bool copy,
		      bool actor)
{
	char x[256];
	if (actor && gc->pointer) {
		snprintf(x, sizeof x, "(%s->%s ? %s->%s : strata_db_actor(db))", row, gc->field, row, gc->field);
		put_value(e, gc, x, idx, indent, copy);
		return;
	}
	if (!gc->opt) {
		snprintf(x, sizeof x, "%s->%s", row, gc->field);
		put_value(e, gc, x, idx, indent, copy);
		return;
	}
	snprintf(x, sizeof x, "%s->%s.v", row, gc->field);
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	put_value(&sub, gc, x, idx, indent + 1, copy);
	strata__gen_block_end(&v, "value", &sub, &buf);
	strata__gen_var(&v, "in", tabs(indent));
	strata__gen_var(&v, "row", row);
	strata__gen_var(&v, "field", gc->field);
	if (copy)
		strata__gen_var(&v, "null", "strata_copy_null(cp)");
	else if (actor)
		strata__gen_varf(&v, "null",
				 "strata_db_actor(db) ? strata_bind_text(st, %s, strata_db_actor(db), -1) "
				 ": strata_bind_null(st, %s)",
				 idx, idx);
	else
		strata__gen_varf(&v, "null", "strata_bind_null(st, %s)", idx);
	strata__gen_render(e, "bind_opt", &v);
	strata__gen_vars_free(&v);
}

void strata__gen_bind_field(gen_emitter *e, const gcol *gc, const char *row, const char *idx, int indent)
{
	put_field(e, gc, row, idx, indent, false, false);
}

void strata__gen_bind_inserted(gen_emitter *e, const gcol *gc, const char *row, const char *idx, int indent)
{
	put_field(e, gc, row, idx, indent, false, strata__gen_actor(gc));
}

void strata__gen_copy_field(gen_emitter *e, const gcol *gc, const char *row, int indent)
{
	put_field(e, gc, row, "", indent, true, false);
}

const char *strata__gen_copy_type(const gcol *gc)
{
	const strata_coltype *ty = &gc->col->type;
	if (ty->array) {
		switch (ty->kind) {
		case STRATA_T_STRING: return "STRATA_COPY_VARCHAR_ARRAY";
		case STRATA_T_TEXT: return "STRATA_COPY_TEXT_ARRAY";
		case STRATA_T_INT: return "STRATA_COPY_INT32_ARRAY";
		case STRATA_T_BIGINT:
		case STRATA_T_SERIAL: return "STRATA_COPY_INT64_ARRAY";
		case STRATA_T_FLOAT: return "STRATA_COPY_DOUBLE_ARRAY";
		default: return NULL;
		}
	}
	switch (ty->kind) {
	case STRATA_T_INT: return "STRATA_COPY_INT32";
	case STRATA_T_BIGINT:
	case STRATA_T_SERIAL: return "STRATA_COPY_INT64";
	case STRATA_T_BOOL: return "STRATA_COPY_BOOL";
	case STRATA_T_FLOAT: return "STRATA_COPY_DOUBLE";
	case STRATA_T_DECIMAL: return "STRATA_COPY_NUMERIC";
	case STRATA_T_STRING:
	case STRATA_T_TEXT:
	case STRATA_T_ENUM: return "STRATA_COPY_TEXT";
	case STRATA_T_BYTES: return "STRATA_COPY_BYTES";
	case STRATA_T_TIMESTAMP: return "STRATA_COPY_TIMESTAMP";
	case STRATA_T_DATE: return "STRATA_COPY_DATE";
	case STRATA_T_UUID: return "STRATA_COPY_UUID";
	case STRATA_T_JSON: return "STRATA_COPY_JSON";
	default: return NULL;
	}
}

void strata__gen_bind_owner(gen_emitter *e, const gtable *owned, const char *idx, int indent)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_var(&v, "in", tabs(indent));
	strata__gen_varf(&v, "call",
			 owned->owner_table->pk_kind == GK_UUID ? "strata_bind_uuid(st, %s, &owner.v)"
								: "strata_bind_int64(st, %s, owner.v)",
			 idx);
	strata__gen_render(e, "bind", &v);
	strata__gen_vars_free(&v);
}

void strata__gen_bind_keys(gen_emitter *e, const gtable *g)
{
	if (g->pk) {
		strata__gen_bind_value(e, g->pk, "id", "i++", 1);
		return;
	}
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		char kb[96];
		if (gc->in_pk)
			strata__gen_bind_value(e, gc, key_name(e->m, gc, kb, sizeof kb), "i++", 1);
	}
}

/* ---- reading ---- */

void strata__gen_read_field(gen_emitter *e, const gcol *gc, const char *ci)
{
	const kind_info *k = kind_of(gc);
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_varf(&v, "lhs", gc->opt ? "row->%s.v" : "row->%s", gc->field);
	if (gc->kind == GK_ID)
		strata__gen_varf(&v, "target", "&row->%s%s.v", gc->field, gc->opt ? ".v" : "");
	else
		strata__gen_varf(&v, "target", "&row->%s%s", gc->field, gc->opt ? ".v" : "");
	strata__gen_var(&v, "field", gc->field);
	strata__gen_var(&v, "ci", ci);
	strata__gen_var(&v, "fn", k->fn ? k->fn : "");
	strata__gen_var(&v, "ctype", gc->kind == GK_I32 ? "int32_t" : "int64_t");
	strata__gen_var(&v, "t", gc->kind == GK_ENUM ? gc->en->type : "");
	/* a NOT NULL column cannot be NULL: no check (opt there only means "has a default" on insert) */
	strata__gen_var_bool(&v, "nullable", (gc->opt || gc->pointer) && !gc->col->not_null);
	strata__gen_var_bool(&v, "pointer", gc->pointer);
	strata__gen_var_bool(&v, "opt", gc->opt);
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	strata__gen_render(&sub, k->read, &v);
	strata__gen_block_end(&v, "body", &sub, &buf);
	strata__gen_render(e, "read_field", &v);
	strata__gen_vars_free(&v);
}

/* ---- JSON ---- */

void strata__gen_json_field(gen_emitter *e, const gcol *gc)
{
	const kind_info *k = kind_of(gc);
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata_buf call = STRATA_BUF_INIT;
	strata__gen_varf(&v, "x", gc->opt ? "row->%s.v" : "row->%s", gc->field);
	strata__gen_var(&v, "k", gc->name);
	strata__gen_var(&v, "t", gc->kind == GK_ENUM ? gc->en->type : "");
	int rc = strata__gen_expand(&call, k->json, &v);
	if (rc != STRATA_OK && e->rc == STRATA_OK)
		e->rc = rc;
	strata__gen_var(&v, "call", strata__buf_cstr(&call));
	strata__gen_var(&v, "field", gc->field);
	strata__gen_var_bool(&v, "opt", gc->opt);
	strata__gen_render(e, "json_field", &v);
	strata__gen_vars_free(&v);
	strata__buf_free(&call);
}
