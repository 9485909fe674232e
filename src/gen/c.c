/*
 * strata gen c: the C data access for a schema, as one header and one
 * source file.
 *
 * The output uses only the public libstrata API.  Every value is bound;
 * identifiers are quoted with double quotes, which SQLite and PostgreSQL
 * both read.  SQL that does not depend on the call's arguments is a
 * static string prepared through the statement cache by its address
 * (strata_prepare_static), so a hot call costs no parsing and no hashing.
 * Where the dialects differ (PostgreSQL reads T[] columns through
 * array_to_json) the statement is an array of two strings indexed by
 * backend.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "gen/model.h"

typedef struct emitter {
	strata_buf *out;
	int rc;
	const gmodel *m;
	const char *P; /* prefix */
} emitter;

static void E(emitter *e, const char *fmt, ...) STRATA_PRINTF(2, 3);
static void E(emitter *e, const char *fmt, ...)
{
	if (e->rc != STRATA_OK)
		return;
	va_list ap;
	va_start(ap, fmt);
	char small[512];
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		e->rc = strata__error_set(STRATA_EINVAL, "format failed");
		return;
	}
	if ((size_t)n < sizeof small) {
		e->rc = strata__buf_append(e->out, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		e->rc = strata__error_nomem();
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	e->rc = strata__buf_append(e->out, big, (size_t)n);
	free(big);
}

/* Emit `s` as the contents of a C string literal (without the quotes). */
static void E_cstr(emitter *e, const char *s)
{
	for (; *s && e->rc == STRATA_OK; s++) {
		switch (*s) {
		case '"': E(e, "\\\""); break;
		case '\\': E(e, "\\\\"); break;
		case '\n': E(e, "\\n"); break;
		case '\t': E(e, "\\t"); break;
		default:
			if ((unsigned char)*s < 0x20)
				E(e, "\\%03o", (unsigned char)*s);
			else
				E(e, "%c", *s);
		}
	}
}

/* `s` upper-cased into buf (names are at most 63 bytes; longer ones are cut). */
static void upper_into(char *buf, size_t cap, const char *s)
{
	size_t i = 0;
	for (; s[i] && i + 1 < cap; i++)
		buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	buf[i] = '\0';
}

/* ---- SQL fragments (built at generation time) ---- */

typedef enum { D_SQLITE = 0, D_PG = 1 } dialect;

static void S(strata_buf *b, int *rc, const char *fmt, ...) STRATA_PRINTF(3, 4);
static void S(strata_buf *b, int *rc, const char *fmt, ...)
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

static bool is_array(gkind k)
{
	return k == GK_TEXT_ARR || k == GK_INT_ARR || k == GK_FLOAT_ARR;
}

/* The select list of `g`, columns prefixed by `alias.` when alias is set. */
static void select_list(strata_buf *b, int *rc, const gtable *g, const char *alias, dialect d)
{
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		const char *sep = c ? ", " : "";
		if (is_array(gc->kind) && d == D_PG)
			S(b, rc, "%sarray_to_json(%s%s\"%s\")", sep, alias ? alias : "", alias ? "." : "", gc->name);
		else
			S(b, rc, "%s%s%s\"%s\"", sep, alias ? alias : "", alias ? "." : "", gc->name);
	}
}

/*
 * The condition that a row of `g` (under `alias`) belongs to the owner
 * bound at the next `?`.  Tables scoped through a parent check the parent
 * (recursively).  Adds one parameter (the owner).
 */
static void scope_cond(strata_buf *b, int *rc, const gtable *g, const char *alias, int depth)
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
	scope_cond(b, rc, p, pa, depth + 1);
	S(b, rc, ")");
}

/* The condition that `id` (bound at the next ?) names a live row of `g` of the owner (next ?). 2 params. */
static void ref_cond(strata_buf *b, int *rc, const gtable *g, int depth)
{
	char pa[16];
	snprintf(pa, sizeof pa, "r%d", depth);
	S(b, rc, "EXISTS (SELECT 1 FROM \"%s\" %s WHERE %s.\"%s\" = ?", g->name, pa, pa, g->pk->name);
	if (g->deleted_at)
		S(b, rc, " AND %s.\"%s\" IS NULL", pa, g->deleted_at->name);
	S(b, rc, " AND ");
	scope_cond(b, rc, g, pa, depth + 1);
	S(b, rc, ")");
}

static bool scoped(const gtable *g)
{
	return g->owner_table != NULL;
}

/* A column whose value must name a row of the same owner (checked on write). */
static bool needs_ref_check(const gtable *g, const gcol *gc)
{
	return gc->kind == GK_ID && !gc->is_pk && !gc->owner && gc->ref->pk && scoped(gc->ref) &&
	       gc->ref->owner_table == g->owner_table;
}

static bool has_ref_checks(const gtable *g)
{
	for (int c = 0; c < g->ncols; c++)
		if (needs_ref_check(g, &g->cols[c]))
			return true;
	return false;
}

/* Columns written by insert: all but database-generated ones. */
static bool inserted(const gcol *gc)
{
	return !gc->generated;
}

/* Columns written by update: not the key, the owner, generated, created_at or deleted_at. */
static bool updatable(const gtable *g, const gcol *gc)
{
	(void)g;
	return !gc->in_pk && !gc->owner && !gc->generated && !gc->created_at && !gc->deleted_at;
}

/* ---- C types ---- */

static const char *opt_type(const gcol *gc, char *buf, size_t cap)
{
	switch (gc->kind) {
	case GK_I32: return "strata_opt_int32";
	case GK_I64: return "strata_opt_int64";
	case GK_BOOL: return "strata_opt_bool";
	case GK_DOUBLE: return "strata_opt_double";
	case GK_BYTES: return "strata_opt_bytes";
	case GK_TS: return "strata_opt_timestamp";
	case GK_UUID: return "strata_opt_uuid";
	case GK_TEXT_ARR: return "strata_opt_text_array";
	case GK_INT_ARR: return "strata_opt_int_array";
	case GK_FLOAT_ARR: return "strata_opt_float_array";
	case GK_ENUM: snprintf(buf, cap, "%s_opt", gc->en->type); return buf;
	case GK_ID: snprintf(buf, cap, "%s_opt", gc->ref->id_type); return buf;
	default: return "const char *";
	}
}

static const char *plain_type(const gcol *gc)
{
	switch (gc->kind) {
	case GK_I32: return "int32_t";
	case GK_I64: return "int64_t";
	case GK_BOOL: return "bool";
	case GK_DOUBLE: return "double";
	case GK_BYTES: return "strata_bytes";
	case GK_TS: return "strata_timestamp";
	case GK_UUID: return "strata_uuid";
	case GK_TEXT_ARR: return "strata_text_array";
	case GK_INT_ARR: return "strata_int_array";
	case GK_FLOAT_ARR: return "strata_float_array";
	case GK_ENUM: return gc->en->type;
	case GK_ID: return gc->ref->id_type;
	default: return "const char *";
	}
}

static const char *field_type(const gcol *gc, char *buf, size_t cap)
{
	return gc->opt ? opt_type(gc, buf, cap) : plain_type(gc);
}

static const char *type_doc(const gcol *gc)
{
	static char doc[160];
	const strata_column *c = gc->col;
	const char *k = strata_type_kind_name(c->type.kind);
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
		snprintf(t, sizeof t, "%s", k);
	snprintf(doc, sizeof doc, "%s%s%s%s%s%s", t, c->type.array ? "[]" : "", c->not_null ? " not null" : "",
		 c->dflt.kind != STRATA_DEFAULT_NONE ? " with default" : "", gc->owner ? "; the owner" : "",
		 gc->generated ? "; set by insert" : "");
	return doc;
}

/* ---- emitting code that binds and reads ---- */

/* Emit a statement binding expression `x` (of gc's plain type) at parameter expression `idx`. */
static void emit_bind_value(emitter *e, const gcol *gc, const char *x, const char *idx, int indent)
{
	const char *in = indent == 2 ? "\t\t" : indent == 3 ? "\t\t\t" : "\t";
	switch (gc->kind) {
	case GK_I32:
	case GK_I64: E(e, "%sif (rc == STRATA_OK) rc = strata_bind_int64(st, %s, (int64_t)(%s));\n", in, idx, x); break;
	case GK_BOOL: E(e, "%sif (rc == STRATA_OK) rc = strata_bind_bool(st, %s, %s);\n", in, idx, x); break;
	case GK_DOUBLE: E(e, "%sif (rc == STRATA_OK) rc = strata_bind_double(st, %s, %s);\n", in, idx, x); break;
	case GK_TEXT: E(e, "%sif (rc == STRATA_OK) rc = strata_bind_text(st, %s, %s, -1);\n", in, idx, x); break;
	case GK_JSON: E(e, "%sif (rc == STRATA_OK) rc = strata_bind_json(st, %s, %s);\n", in, idx, x); break;
	case GK_BYTES:
		E(e, "%sif (rc == STRATA_OK) rc = strata_bind_blob(st, %s, (%s).data, (%s).len);\n", in, idx, x, x);
		break;
	case GK_TS: E(e, "%sif (rc == STRATA_OK) rc = strata_bind_timestamp(st, %s, %s);\n", in, idx, x); break;
	case GK_UUID: E(e, "%sif (rc == STRATA_OK) rc = strata_bind_uuid(st, %s, &(%s));\n", in, idx, x); break;
	case GK_ENUM:
		E(e, "%sif (rc == STRATA_OK) rc = strata_bind_text(st, %s, %s_name(%s), -1);\n", in, idx, gc->en->type, x);
		break;
	case GK_ID:
		if (gc->id_kind == GK_UUID)
			E(e, "%sif (rc == STRATA_OK) rc = strata_bind_uuid(st, %s, &(%s).v);\n", in, idx, x);
		else
			E(e, "%sif (rc == STRATA_OK) rc = strata_bind_int64(st, %s, (%s).v);\n", in, idx, x);
		break;
	case GK_TEXT_ARR: E(e, "%sif (rc == STRATA_OK) rc = strata_bind_text_array(db, st, %s, &(%s));\n", in, idx, x); break;
	case GK_INT_ARR: E(e, "%sif (rc == STRATA_OK) rc = strata_bind_int_array(db, st, %s, &(%s));\n", in, idx, x); break;
	case GK_FLOAT_ARR:
		E(e, "%sif (rc == STRATA_OK) rc = strata_bind_float_array(db, st, %s, &(%s));\n", in, idx, x);
		break;
	}
}

/* Bind field `gc` of `row` (a pointer expression), NULL when absent. */
static void emit_bind_field(emitter *e, const gcol *gc, const char *row, const char *idx, int indent)
{
	char x[256];
	const char *in = indent == 2 ? "\t\t" : indent == 3 ? "\t\t\t" : "\t";
	if (gc->opt) {
		snprintf(x, sizeof x, "%s->%s.v", row, gc->field);
		E(e, "%sif (!%s->%s.has) {\n", in, row, gc->field);
		E(e, "%s\tif (rc == STRATA_OK) rc = strata_bind_null(st, %s);\n", in, idx);
		E(e, "%s} else {\n", in);
		emit_bind_value(e, gc, x, idx, indent + 1);
		E(e, "%s}\n", in);
	} else {
		snprintf(x, sizeof x, "%s->%s", row, gc->field);
		emit_bind_value(e, gc, x, idx, indent);
	}
}

/* The read of one column into `row->field`; the column index is `ci` (an expression). */
static void emit_read_field(emitter *e, const gcol *gc, const char *ci)
{
	char lhs[200];
	snprintf(lhs, sizeof lhs, gc->opt ? "row->%s.v" : "row->%s", gc->field);
	/* a NOT NULL column cannot be NULL: no check (opt there only means "has a default" on insert) */
	bool nullable = (gc->opt || gc->pointer) && !gc->col->not_null;
	if (nullable) {
		E(e, "\tif (strata_column_is_null(st, %s)) {\n", ci);
		if (gc->pointer)
			E(e, "\t\trow->%s = NULL;\n", gc->field);
		else
			E(e, "\t\trow->%s.has = false;\n", gc->field);
		E(e, "\t} else {\n");
		if (gc->opt)
			E(e, "\t\trow->%s.has = true;\n", gc->field);
	} else {
		E(e, "\t{\n");
		if (gc->opt)
			E(e, "\t\trow->%s.has = true;\n", gc->field);
	}
	switch (gc->kind) {
	case GK_I32:
	case GK_I64:
		E(e, "\t\tint64_t v = 0;\n\t\tif ((rc = strata_column_int64(st, %s, &v)) != STRATA_OK)\n\t\t\treturn rc;\n", ci);
		E(e, "\t\t%s = (%s)v;\n", lhs, gc->kind == GK_I32 ? "int32_t" : "int64_t");
		break;
	case GK_BOOL:
		E(e, "\t\tif ((rc = strata_column_bool(st, %s, &%s)) != STRATA_OK)\n\t\t\treturn rc;\n", ci, lhs);
		break;
	case GK_DOUBLE:
		E(e, "\t\tif ((rc = strata_column_double(st, %s, &%s)) != STRATA_OK)\n\t\t\treturn rc;\n", ci, lhs);
		break;
	case GK_TS:
		E(e, "\t\tif ((rc = strata_column_timestamp(st, %s, &%s)) != STRATA_OK)\n\t\t\treturn rc;\n", ci, lhs);
		break;
	case GK_UUID:
		E(e, "\t\tif ((rc = strata_column_uuid(st, %s, &%s)) != STRATA_OK)\n\t\t\treturn rc;\n", ci, lhs);
		break;
	case GK_ID:
		if (gc->id_kind == GK_UUID)
			E(e, "\t\tif ((rc = strata_column_uuid(st, %s, &%s.v)) != STRATA_OK)\n\t\t\treturn rc;\n", ci, lhs);
		else
			E(e, "\t\tif ((rc = strata_column_int64(st, %s, &%s.v)) != STRATA_OK)\n\t\t\treturn rc;\n", ci, lhs);
		break;
	case GK_TEXT:
	case GK_JSON:
	case GK_ENUM:
	case GK_TEXT_ARR:
	case GK_INT_ARR:
	case GK_FLOAT_ARR:
		E(e, "\t\tconst char *p;\n\t\tsize_t len;\n");
		E(e, "\t\tif ((rc = strata_column_text(st, %s, &p, &len)) != STRATA_OK)\n\t\t\treturn rc;\n", ci);
		if (gc->kind == GK_TEXT || gc->kind == GK_JSON)
			E(e, "\t\tif (!(%s = strata_arena_strndup(a, p, len)))\n\t\t\treturn STRATA_ENOMEM;\n", lhs);
		else if (gc->kind == GK_ENUM)
			E(e, "\t\tif ((rc = %s_parse(p, &%s)) != STRATA_OK)\n\t\t\treturn rc;\n", gc->en->type, lhs);
		else
			E(e, "\t\tif ((rc = strata_%s_array_parse(a, p, &%s)) != STRATA_OK)\n\t\t\treturn rc;\n",
			  gc->kind == GK_TEXT_ARR ? "text" : gc->kind == GK_INT_ARR ? "int" : "float", lhs);
		break;
	case GK_BYTES:
		E(e, "\t\tconst void *p;\n\t\tsize_t len;\n");
		E(e, "\t\tif ((rc = strata_column_blob(st, %s, &p, &len)) != STRATA_OK)\n\t\t\treturn rc;\n", ci);
		E(e, "\t\tuint8_t *copy = strata_arena_alloc(a, len ? len : 1);\n\t\tif (!copy)\n\t\t\treturn STRATA_ENOMEM;\n");
		E(e, "\t\tif (len)\n\t\t\tmemcpy(copy, p, len);\n");
		E(e, "\t\t%s.data = copy;\n\t\t%s.len = len;\n", lhs, lhs);
		break;
	}
	E(e, "\t}\n");
}

/* The owner parameter in a prototype: "user_id owner, " or "". */
static const char *owner_param(const gtable *g, char *buf, size_t cap)
{
	if (!scoped(g))
		return "";
	snprintf(buf, cap, "%s owner, ", g->owner_table->id_type);
	return buf;
}

static void emit_bind_owner(emitter *e, const gtable *g, const char *idx)
{
	if (g->owner_table->pk_kind == GK_UUID)
		E(e, "\tif (rc == STRATA_OK) rc = strata_bind_uuid(st, %s, &owner.v);\n", idx);
	else
		E(e, "\tif (rc == STRATA_OK) rc = strata_bind_int64(st, %s, owner.v);\n", idx);
}

/* The parameter name of key column `gc`: its field, or field_key when that is also a type name. */
static const char *key_name(const gmodel *m, const gcol *gc, char *buf, size_t cap)
{
	for (int i = 0; i < m->ntables; i++) {
		const gtable *t = &m->tables[i];
		if (strcmp(t->type, gc->field) == 0 || (t->id_type && strcmp(t->id_type, gc->field) == 0)) {
			snprintf(buf, cap, "%s_key", gc->field);
			return buf;
		}
	}
	for (int i = 0; i < m->nenums; i++)
		if (strcmp(m->enums[i].type, gc->field) == 0) {
			snprintf(buf, cap, "%s_key", gc->field);
			return buf;
		}
	return gc->field;
}

/* Key parameters in a prototype: "task_id id" or "task_id task_id_key, tag_id tag_id_key". */
static void key_params(const gmodel *m, const gtable *g, strata_buf *b, int *rc)
{
	if (g->pk) {
		S(b, rc, "%s id", g->id_type);
		return;
	}
	int n = 0;
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!gc->in_pk)
			continue;
		char tb[96], kb[96];
		S(b, rc, "%s%s %s", n++ ? ", " : "", field_type(gc, tb, sizeof tb), key_name(m, gc, kb, sizeof kb));
	}
}

/* WHERE key = ? [AND key2 = ?] */
static void key_cond(strata_buf *b, int *rc, const gtable *g, const char *alias)
{
	int n = 0;
	for (int c = 0; c < g->ncols; c++)
		if (g->cols[c].in_pk)
			S(b, rc, "%s%s.\"%s\" = ?", n++ ? " AND " : "", alias, g->cols[c].name);
}

static void emit_bind_keys(emitter *e, const gtable *g)
{
	if (g->pk) {
		emit_bind_value(e, g->pk, "id", "i++", 1);
		return;
	}
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		char kb[96];
		if (gc->in_pk)
			emit_bind_value(e, gc, key_name(e->m, gc, kb, sizeof kb), "i++", 1);
	}
}

/* Emit `static const char *const NAME[2] = { sqlite, pg };` */
static void emit_sql_pair(emitter *e, const char *name, const strata_buf *lite, const strata_buf *pg)
{
	E(e, "static const char *const %s[2] = {\n\t\"", name);
	E_cstr(e, strata__buf_cstr(lite));
	E(e, "\",\n\t\"");
	E_cstr(e, strata__buf_cstr(pg));
	E(e, "\",\n};\n");
}

#define SQL2(name, body)                                                       \
	do {                                                                   \
		strata_buf lite_ = STRATA_BUF_INIT, pg_ = STRATA_BUF_INIT;     \
		for (int d_ = 0; d_ < 2 && e->rc == STRATA_OK; d_++) {         \
			strata_buf *b = d_ ? &pg_ : &lite_;                    \
			dialect d = d_ ? D_PG : D_SQLITE;                      \
			int *rcp = &e->rc;                                     \
			(void)d;                                               \
			body;                                                  \
		}                                                              \
		emit_sql_pair(e, name, &lite_, &pg_);                          \
		strata__buf_free(&lite_);                                      \
		strata__buf_free(&pg_);                                        \
	} while (0)

/* ---- the header ---- */

static void emit_enum_decl(emitter *e, const genum *en)
{
	E(e, "/* enum %s */\ntypedef enum %s {\n", en->e->name, en->type);
	for (int v = 0; v < en->e->nvalues; v++) {
		char u[128];
		upper_into(u, sizeof u, en->e->values[v]);
		E(e, "\t%s_%s = %d,\n", en->upper, u, v + 1);
	}
	E(e, "} %s;\n", en->type);
	E(e, "typedef struct %s_opt {\n\tbool has;\n\t%s v;\n} %s_opt;\n", en->type, en->type, en->type);
	E(e, "/* The value as stored (\"%s\"); NULL for a value outside the enum. */\n", en->e->values[0]);
	E(e, "const char *%s_name(%s v);\n", en->type, en->type);
	E(e, "/* Parse a stored value.  STRATA_OK or STRATA_ETYPE. */\n");
	E(e, "int %s_parse(const char *s, %s *out);\n\n", en->type, en->type);
}

static void emit_id_types(emitter *e, const gtable *g)
{
	if (!g->pk)
		return;
	E(e, "/* The key of a %s row: its own type, so a key of another table does not fit. */\n", g->name);
	E(e, "typedef struct %s {\n\t%s v;\n} %s;\n", g->id_type, g->pk_kind == GK_UUID ? "strata_uuid" : "int64_t",
	  g->id_type);
	E(e, "typedef struct %s_opt {\n\tbool has;\n\t%s v;\n} %s_opt;\n\n", g->id_type, g->id_type, g->id_type);
}

static void emit_table_types(emitter *e, const gtable *g)
{
	char tb[128], ob[160];
	const strata_table *t = g->t;
	E(e, "/* ---- table %s ---- */\n\n", t->name);
	E(e, "struct %s {\n", g->type);
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		const char *ft = field_type(gc, tb, sizeof tb);
		bool ptr = ft[strlen(ft) - 1] == '*';
		E(e, "\t%s%s%s; /* %s */\n", ft, ptr ? "" : " ", gc->field, type_doc(gc));
	}
	for (int r = 0; r < g->nrels; r++) {
		const grel *gr = &g->rels[r];
		if (gr->rel->kind == STRATA_REL_MANY_TO_ONE)
			E(e, "\tstruct %s *%s; /* loaded by %s_load_%s(); NULL until then */\n", gr->target->type, gr->field,
			  g->type, gr->field);
		else
			E(e, "\tstruct %s *%s; /* loaded by %s_load_%s() */\n\tsize_t n%s;\n", gr->target->type, gr->field,
			  g->type, gr->field, gr->field);
	}
	E(e, "};\n\n");
	/* field masks for update */
	E(e, "/* Field masks: which fields %s_update() writes. */\n", g->type);
	for (int c = 0; c < g->ncols; c++)
		if (updatable(g, &g->cols[c]))
			E(e, "#define %s (UINT64_C(1) << %d)\n", g->cols[c].upper, c);
	E(e, "\n");
	/* query */
	E(e, "typedef enum %s_order {\n\t%s_ORDER_KEY = 0, /* the primary key */\n", g->type, g->upper);
	for (int c = 0; c < g->ncols; c++)
		if (g->cols[c].sortable && g->pk) {
			char u[128];
			upper_into(u, sizeof u, g->cols[c].name);
			E(e, "\t%s_ORDER_%s = %d,\n", g->upper, u, c + 1);
		}
	E(e, "} %s_order;\n\n", g->type);
	if (g->pk) {
		E(e, "/* Where a page ended, for keyset pagination (%s_query.after). */\n", g->type);
		E(e, "typedef struct %s_cursor {\n\tbool valid;\n\t%s_order order;\n\tbool desc;\n", g->type, g->type);
		E(e, "\tint64_t i;\n\tdouble d;\n\tchar s[256];\n\t%s id;\n} %s_cursor;\n\n", g->id_type, g->type);
	}
	E(e, "typedef struct %s_query {\n", g->type);
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!gc->filter)
			continue;
		const char *ot = gc->pointer ? "const char *" : opt_type(gc, ob, sizeof ob);
		bool ptr = ot[strlen(ot) - 1] == '*';
		E(e, "\t%s%s%s; /* equal to this, when given */\n", ot, ptr ? "" : " ", gc->field);
		if (gc->range) {
			E(e, "\t%s %s_from; /* at least this, when given */\n", ot, gc->field);
			E(e, "\t%s %s_to; /* less than this, when given */\n", ot, gc->field);
		}
	}
	if (g->deleted_at)
		E(e, "\tbool with_deleted; /* include soft-deleted rows */\n");
	E(e, "\t%s_order order;\n\tbool desc;\n", g->type);
	E(e, "\tint64_t limit; /* rows per page; 0: all */\n\tint64_t offset; /* rows to skip (limit/offset paging) */\n");
	if (g->pk)
		E(e, "\tconst %s_cursor *after; /* keyset paging: the rows after this cursor */\n", g->type);
	E(e, "} %s_query;\n\n", g->type);
	E(e, "/* A page of rows.  Everything it points to lives in its arena: one %s_page_free() frees it all. */\n",
	  g->type);
	E(e, "typedef struct %s_page {\n\t%s *items;\n\tsize_t n;\n\tbool has_more; /* more rows after this page */\n",
	  g->type, g->type);
	if (g->pk)
		E(e, "\t%s_cursor next; /* pass as query.after for the next page */\n", g->type);
	E(e, "\tstrata_arena *arena;\n} %s_page;\n\n", g->type);
}

static void emit_table_protos(emitter *e, const gtable *g)
{
	char ob[160];
	const char *own = owner_param(g, ob, sizeof ob);
	strata_buf kp = STRATA_BUF_INIT;
	int krc = STRATA_OK;
	key_params(e->m, g, &kp, &krc);
	if (krc != STRATA_OK) {
		e->rc = krc;
		return;
	}
	const char *keys = strata__buf_cstr(&kp);
	const char *T = g->type;
	E(e, "/*\n * Insert a row.  Fields left unset take their defaults, which are written\n"
	     " * back into *row%s%s.  ",
	  g->pk && g->pk->generated ? ", as is the new key" : "",
	  scoped(g) && g->owner ? "; the owner column is set from `owner`" : "");
	if (scoped(g) && !g->owner)
		E(e, "The row must hang off a row of `owner` (%s.%s).  ", g->scope_parent->name, g->scope_col->name);
	E(e, "Returns STRATA_OK,\n * STRATA_ECONSTRAINT, STRATA_ENOTFOUND (a referenced row is not the owner's),\n"
	     " * or a database failure.\n */\n");
	E(e, "int %s_insert(strata_db *db, %s%s *row);\n\n", T, own, T);
	E(e, "/* Insert `n` rows in one transaction (all or none), in batched statements. */\n");
	E(e, "int %s_insert_many(strata_db *db, %s%s *rows, size_t n);\n\n", T, own, T);
	E(e, "/*\n * Fetch one row.  *out is freed with %s_free().  Returns STRATA_OK or\n"
	     " * STRATA_ENOTFOUND (no such row%s%s).\n */\n",
	  T, scoped(g) ? " for this owner" : "", g->deleted_at ? ", or soft-deleted without with_deleted" : "");
	E(e, "int %s_get(strata_db *db, %s%s%s, %s **out);\n", T, own, keys, g->deleted_at ? ", bool with_deleted" : "", T);
	E(e, "void %s_free(%s *row);\n\n", T, T);
	bool any_upd = false;
	for (int c = 0; c < g->ncols; c++)
		any_upd |= updatable(g, &g->cols[c]);
	if (any_upd) {
		E(e, "/*\n * Write the fields named in `fields` (%s_* masks) from *values.%s\n"
		     " * Returns STRATA_OK, STRATA_ENOTFOUND (nothing changed: no such row%s),\n"
		     " * STRATA_EINVAL (no fields), or a database failure.\n */\n",
		  g->upper, g->updated_at ? "  updated_at is\n * set to now unless given." : "",
		  scoped(g) ? " for this owner" : "");
		E(e, "int %s_update(strata_db *db, %s%s, const %s *values, uint64_t fields);\n", T, own, keys, T);
		if (g->pk) {
			E(e, "/* The same for many rows at once; *changed (may be NULL) counts the rows written. */\n");
			E(e, "int %s_update_many(strata_db *db, %sconst %s *ids, size_t n, const %s *values, uint64_t fields,\n"
			     "\t\tint64_t *changed);\n",
			  T, own, g->id_type, T);
		}
		E(e, "\n");
	}
	if (g->deleted_at) {
		E(e, "/* Soft delete: set deleted_at.  STRATA_ENOTFOUND when there is no live row to delete. */\n");
		E(e, "int %s_delete(strata_db *db, %s%s);\n", T, own, keys);
		E(e, "/* Remove the row for good (soft-deleted or not). */\n");
		E(e, "int %s_hard_delete(strata_db *db, %s%s);\n", T, own, keys);
		E(e, "/* Undo a soft delete.  STRATA_ENOTFOUND when there is no deleted row. */\n");
		E(e, "int %s_restore(strata_db *db, %s%s);\n\n", T, own, keys);
	} else {
		E(e, "/* Delete the row.  STRATA_ENOTFOUND when there is none%s. */\n", scoped(g) ? " for this owner" : "");
		E(e, "int %s_delete(strata_db *db, %s%s);\n\n", T, own, keys);
	}
	E(e, "/*\n * A page of rows matching `q` (NULL: all, by key).  *out is filled (free it\n"
	     " * with %s_page_free()).  Returns STRATA_OK (possibly with no rows), STRATA_EINVAL\n"
	     " * (a cursor made for another order), or a database failure.\n */\n",
	  T);
	E(e, "int %s_list(strata_db *db, %sconst %s_query *q, %s_page *out);\n", T, own, T, T);
	E(e, "void %s_page_free(%s_page *list);\n", T, T);
	E(e, "/* How many rows match `q` (its paging fields are ignored). */\n");
	E(e, "int %s_count(strata_db *db, %sconst %s_query *q, int64_t *out);\n\n", T, own, T);
	for (int r = 0; r < g->nrels; r++) {
		const grel *gr = &g->rels[r];
		char tob[160];
		const char *town = owner_param(gr->target, tob, sizeof tob);
		E(e, "/* Load `%s` for every row of the list in one query per %d rows (not one per row). */\n", gr->field,
		  256);
		E(e, "int %s_load_%s(strata_db *db, %s%s_page *list);\n", T, gr->field, town, T);
	}
	if (g->nrels)
		E(e, "\n");
	E(e, "/* The row (or page) as a JSON object (array); loaded relations are included.  *out: free(). */\n");
	E(e, "int %s_to_json(const %s *row, char **out);\n", T, T);
	E(e, "int %s_page_to_json(const %s_page *list, char **out);\n\n", T, T);
	strata__buf_free(&kp);
}

/*
 * An unscoped variant of `g` named `name`: the same table read without the
 * owner.  Only written when the schema asks for it by name (`unscoped name`).
 */
static int make_variant(const gtable *g, const char *name, gtable *v, char **fn)
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

static void emit_variant_protos(emitter *e, const gtable *g)
{
	for (int u = 0; u < g->t->nunscoped && e->rc == STRATA_OK; u++) {
		gtable v;
		char *fn = NULL;
		if ((e->rc = make_variant(g, g->t->unscoped[u], &v, &fn)) != STRATA_OK)
			return;
		strata_buf kp = STRATA_BUF_INIT;
		key_params(e->m, &v, &kp, &e->rc);
		E(e, "/*\n * `unscoped %s`: reads of %s WITHOUT the owner scope, for the uses the schema\n"
		     " * names (administration, reports).  Same results and statuses as %s_get/list/count.\n */\n",
		  g->t->unscoped[u], g->name, g->type);
		E(e, "int %s_get(strata_db *db, %s%s, %s **out);\n", fn, strata__buf_cstr(&kp),
		  g->deleted_at ? ", bool with_deleted" : "", g->type);
		E(e, "int %s_list(strata_db *db, const %s_query *q, %s_page *out);\n", fn, g->type, g->type);
		E(e, "int %s_count(strata_db *db, const %s_query *q, int64_t *out);\n\n", fn, g->type);
		strata__buf_free(&kp);
		free(fn);
	}
}

static void emit_header(emitter *e, const strata_gen_options *o, const char *guard)
{
	const gmodel *m = e->m;
	E(e, "/*\n * Generated by `strata gen c` from %s.  Do not edit: change the schema\n"
	     " * and generate again.\n *\n",
	  o->schema_file && *o->schema_file ? o->schema_file : (m->s->file && *m->s->file ? m->s->file : "a schema"));
	E(e, " * Rules of this API:\n"
	     " * - Every function takes the connection first; a connection belongs to one\n"
	     " *   thread at a time (use a strata_pool to share).\n"
	     " * - Tables with an owner take the owner's key as a required argument and\n"
	     " *   only ever see, change or delete that owner's rows; tables reached\n"
	     " *   through an owned parent are scoped through it.  A call that would touch\n"
	     " *   another owner's row affects nothing and returns STRATA_ENOTFOUND.\n"
	     " * - Soft-deleted rows (deleted_at set) are left out unless asked for.\n"
	     " * - Optional fields are { has, v } pairs and strings are NULL when absent;\n"
	     " *   on insert an absent field takes its column's default.\n"
	     " * - Results own their memory: a row from *_get() is freed with *_free(), a\n"
	     " *   page from *_list() with *_page_free(); strings, arrays and loaded\n"
	     " *   relations live inside them.  Inputs are only read during the call.\n"
	     " * - Statuses are strata_status values; details in strata_error_last().\n */\n");
	E(e, "#ifndef %s\n#define %s\n\n#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n", guard, guard);
	E(e, "#include <strata.h>\n#include <strata/gen.h>\n\n");
	E(e, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
	for (int i = 0; i < m->ntables; i++)
		E(e, "typedef struct %s %s;\n", m->tables[i].type, m->tables[i].type);
	E(e, "\n");
	for (int i = 0; i < m->nenums; i++)
		emit_enum_decl(e, &m->enums[i]);
	/* id types first: columns of one table use the ids of others */
	for (int i = 0; i < m->ntables; i++)
		emit_id_types(e, &m->tables[i]);
	for (int i = 0; i < m->ntables; i++)
		emit_table_types(e, &m->tables[i]);
	for (int i = 0; i < m->ntables; i++) {
		emit_table_protos(e, &m->tables[i]);
		emit_variant_protos(e, &m->tables[i]);
	}
	E(e, "/* The schema this code was generated from, in the schema language. */\n");
	E(e, "extern const char %sschema_text[];\n\n", e->P);
	E(e, "/*\n * Check at start-up that the database has every table and column this code\n"
	     " * uses.  Returns STRATA_OK or STRATA_ENOTFOUND (the message lists what is\n"
	     " * missing), or a database failure.\n */\n");
	E(e, "int %sschema_check(strata_db *db);\n\n", e->P);
	E(e, "#ifdef __cplusplus\n}\n#endif\n#endif\n");
}

/* ---- the source ---- */

#define BATCH 256

/* The PostgreSQL type to cast a bare parameter to (INSERT ... SELECT does not infer it). */
static void pg_type(strata_buf *b, int *rc, const gcol *gc)
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

/* SQL evaluated for a default the client cannot compute, or NULL. */
static const char *sql_default(const gcol *gc)
{
	const strata_default *d = &gc->col->dflt;
	if (d->kind == STRATA_DEFAULT_RAW)
		return d->text;
	if (d->kind == STRATA_DEFAULT_NOW && gc->kind != GK_TS)
		return gc->col->type.kind == STRATA_T_DATE ? "CURRENT_DATE" : "CURRENT_TIMESTAMP";
	return NULL;
}

/* One insert placeholder for `gc`: ?, CAST(? AS t), COALESCE(?, expr). */
static void insert_param(strata_buf *b, int *rc, const gcol *gc, dialect d, bool cast)
{
	const char *dflt = sql_default(gc);
	if (dflt)
		S(b, rc, "COALESCE(");
	if (cast && d == D_PG) {
		S(b, rc, "CAST(? AS ");
		pg_type(b, rc, gc);
		S(b, rc, ")");
	} else {
		S(b, rc, "?");
	}
	if (dflt)
		S(b, rc, ", %s)", dflt);
}

static void emit_enum_defs(emitter *e, const genum *en)
{
	E(e, "const char *%s_name(%s v)\n{\n\tswitch (v) {\n", en->type, en->type);
	for (int v = 0; v < en->e->nvalues; v++) {
		char u[128];
		upper_into(u, sizeof u, en->e->values[v]);
		E(e, "\tcase %s_%s: return \"", en->upper, u);
		E_cstr(e, en->e->values[v]);
		E(e, "\";\n");
	}
	E(e, "\t}\n\treturn NULL;\n}\n\n");
	E(e, "int %s_parse(const char *s, %s *out)\n{\n", en->type, en->type);
	for (int v = 0; v < en->e->nvalues; v++) {
		char u[128];
		upper_into(u, sizeof u, en->e->values[v]);
		E(e, "\tif (strcmp(s, \"");
		E_cstr(e, en->e->values[v]);
		E(e, "\") == 0) {\n\t\t*out = %s_%s;\n\t\treturn STRATA_OK;\n\t}\n", en->upper, u);
	}
	E(e, "\treturn strata_error_set(STRATA_ETYPE, \"'%%s' is not a value of enum %s\", s);\n}\n\n", en->e->name);
}

/* A C expression for a default the client fills in, or NULL. */
static void emit_default_fill(emitter *e, const gcol *gc)
{
	const strata_default *d = &gc->col->dflt;
	char val[300] = "";
	bool gen_uuid = false;
	switch (d->kind) {
	case STRATA_DEFAULT_INT:
		if (gc->kind == GK_I32 || gc->kind == GK_I64 || gc->kind == GK_DOUBLE)
			snprintf(val, sizeof val, "%s", d->text);
		break;
	case STRATA_DEFAULT_NUMBER:
		if (gc->kind == GK_DOUBLE)
			snprintf(val, sizeof val, "%s", d->text);
		break;
	case STRATA_DEFAULT_BOOL:
		if (gc->kind == GK_BOOL)
			snprintf(val, sizeof val, "%s", strcmp(d->text, "true") == 0 ? "true" : "false");
		break;
	case STRATA_DEFAULT_NOW:
		if (gc->kind == GK_TS)
			snprintf(val, sizeof val, "now");
		break;
	case STRATA_DEFAULT_ENUM:
		if (gc->kind == GK_ENUM) {
			char u[128];
			upper_into(u, sizeof u, d->text);
			snprintf(val, sizeof val, "%s_%s", gc->en->upper, u);
		}
		break;
	case STRATA_DEFAULT_UUID_V4:
	case STRATA_DEFAULT_UUID_V7: gen_uuid = gc->kind == GK_UUID || (gc->kind == GK_ID && gc->id_kind == GK_UUID); break;
	default: break;
	}
	const char *fn = d->kind == STRATA_DEFAULT_UUID_V4 ? "strata_uuid_v4" : "strata_uuid_v7";
	if (gc->pointer) {
		if (d->kind == STRATA_DEFAULT_STRING || d->kind == STRATA_DEFAULT_NUMBER ||
		    (d->kind == STRATA_DEFAULT_INT && gc->kind == GK_TEXT)) {
			E(e, "\tif (!row->%s)\n\t\trow->%s = \"", gc->field, gc->field);
			E_cstr(e, d->text);
			E(e, "\";\n");
		}
		return;
	}
	if (gen_uuid) {
		const char *v = gc->kind == GK_ID ? ".v" : "";
		if (gc->opt) {
			E(e, "\tif (!row->%s.has) {\n\t\trow->%s.has = true;\n", gc->field, gc->field);
			E(e, "\t\tif ((rc = %s(&row->%s.v%s)) != STRATA_OK)\n\t\t\treturn rc;\n\t}\n", fn, gc->field, v);
		} else {
			E(e, "\tif (uuid_is_zero(&row->%s%s) && (rc = %s(&row->%s%s)) != STRATA_OK)\n\t\treturn rc;\n", gc->field,
			  v, fn, gc->field, v);
		}
		return;
	}
	if (val[0] && gc->opt)
		E(e, "\tif (!row->%s.has) {\n\t\trow->%s.has = true;\n\t\trow->%s.v = %s;\n\t}\n", gc->field, gc->field,
		  gc->field, val);
}

static void emit_read_fn(emitter *e, const gtable *g)
{
	E(e, "static int read_%s(strata_stmt *st, int base, strata_arena *a, %s *row)\n{\n\tint rc;\n", g->type, g->type);
	E(e, "\tmemset(row, 0, sizeof *row);\n\t(void)a;\n");
	for (int c = 0; c < g->ncols; c++) {
		char ci[32];
		snprintf(ci, sizeof ci, "base + %d", c);
		emit_read_field(e, &g->cols[c], ci);
	}
	E(e, "\t(void)rc;\n\treturn STRATA_OK;\n}\n\n");
}

static void emit_defaults_fn(emitter *e, const gtable *g)
{
	E(e, "static int defaults_%s(%s *row)\n{\n\tint rc = STRATA_OK;\n\tstrata_timestamp now = strata_timestamp_now();\n",
	  g->type, g->type);
	E(e, "\t(void)now;\n\t(void)row;\n");
	for (int c = 0; c < g->ncols; c++)
		if (inserted(&g->cols[c]))
			emit_default_fill(e, &g->cols[c]);
	E(e, "\treturn rc;\n}\n\n");
}

/* Bind the check parameters of an insert of *row: the scope parent and the referenced rows. */
static void emit_bind_insert_checks(emitter *e, const gtable *g)
{
	if (!scoped(g))
		return;
	if (!g->owner) {
		emit_bind_field(e, g->scope_col, "row", "i++", 1);
		emit_bind_owner(e, g, "i++");
	}
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!needs_ref_check(g, gc) || gc == g->scope_col)
			continue;
		if (gc->opt)
			E(e, "\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, row->%s.has ? 1 : 0);\n", gc->field);
		else
			E(e, "\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, 1);\n");
		emit_bind_field(e, gc, "row", "i++", 1);
		emit_bind_owner(e, g, "i++");
	}
}

/* The WHERE conditions an insert checks: the parent row and referenced rows are the owner's. */
static void insert_checks(strata_buf *b, int *rc, const gtable *g)
{
	int n = 0;
	if (!scoped(g))
		return;
	if (!g->owner) {
		ref_cond(b, rc, g->scope_parent, 0);
		n++;
	}
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!needs_ref_check(g, gc) || gc == g->scope_col)
			continue;
		S(b, rc, "%s(CAST(? AS INTEGER) = 0 OR ", n++ ? " AND " : "");
		ref_cond(b, rc, gc->ref, 0);
		S(b, rc, ")");
	}
}

static bool insert_has_checks(const gtable *g)
{
	return scoped(g) && (!g->owner || has_ref_checks(g));
}

static void emit_insert(emitter *e, const gtable *g)
{
	char ob[160], name[160];
	const char *T = g->type;
	bool checks = insert_has_checks(g);
	bool returning = g->pk && g->pk->generated;
	snprintf(name, sizeof name, "%s_sql_insert", T);
	SQL2(name, {
		S(b, rcp, "INSERT INTO \"%s\" (", g->name);
		int n = 0;
		for (int c = 0; c < g->ncols; c++)
			if (inserted(&g->cols[c]))
				S(b, rcp, "%s\"%s\"", n++ ? ", " : "", g->cols[c].name);
		S(b, rcp, checks ? ") SELECT " : ") VALUES (");
		n = 0;
		for (int c = 0; c < g->ncols; c++)
			if (inserted(&g->cols[c])) {
				S(b, rcp, "%s", n++ ? ", " : "");
				insert_param(b, rcp, &g->cols[c], d, checks);
			}
		if (checks) {
			S(b, rcp, " WHERE ");
			insert_checks(b, rcp, g);
		} else {
			S(b, rcp, ")");
		}
		if (returning)
			S(b, rcp, " RETURNING \"%s\"", g->pk->name);
	});
	E(e, "\nint %s_insert(strata_db *db, %s%s *row)\n{\n", T, owner_param(g, ob, sizeof ob), T);
	E(e, "\tstrata_stmt *st = NULL;\n\tint i = 1;\n\tint rc = defaults_%s(row);\n\tif (rc != STRATA_OK)\n\t\treturn rc;\n", T);
	if (g->owner)
		E(e, "\trow->%s = owner;\n", g->owner->field);
	E(e, "\tif ((rc = strata_prepare_static(&st, db, %s_sql_insert[backend_index(db)])) != STRATA_OK)\n\t\treturn rc;\n",
	  T);
	for (int c = 0; c < g->ncols; c++)
		if (inserted(&g->cols[c]))
			emit_bind_field(e, &g->cols[c], "row", "i++", 1);
	emit_bind_insert_checks(e, g);
	E(e, "\t(void)i;\n\tif (rc == STRATA_OK)\n\t\trc = strata_step(st);\n");
	if (returning) {
		E(e, "\tif (rc == STRATA_ROW) {\n\t\trc = strata_column_int64(st, 0, &row->%s.v);\n", g->pk->field);
		E(e, "\t\tif (rc == STRATA_OK)\n\t\t\trc = strata_step(st);\n\t} else if (rc == STRATA_DONE) {\n");
		E(e, "\t\trc = strata_error_set(STRATA_ENOTFOUND, \"%s: the row refers to a row that is not the owner's\");\n",
		  g->name);
		E(e, "\t}\n");
		E(e, "\tif (rc == STRATA_DONE)\n\t\trc = STRATA_OK;\n");
	} else {
		E(e, "\tif (rc == STRATA_DONE)\n\t\trc = STRATA_OK;\n");
		if (checks)
			E(e, "\tif (rc == STRATA_OK && strata_changes(db) == 0)\n\t\trc = strata_error_set(STRATA_ENOTFOUND, \"%s: "
			     "the row refers to a row that is not the owner's\");\n",
			  g->name);
	}
	E(e, "\tstrata_finalize(st);\n\treturn rc;\n}\n");

	/* insert many */
	E(e, "\nint %s_insert_many(strata_db *db, %s%s *rows, size_t n)\n{\n", T, owner_param(g, ob, sizeof ob), T);
	E(e, "\tif (n == 0)\n\t\treturn STRATA_OK;\n\tint rc = strata_begin(db, NULL);\n\tif (rc != STRATA_OK)\n\t\treturn rc;\n");
	if (checks) {
		E(e, "\tfor (size_t k = 0; rc == STRATA_OK && k < n; k++)\n\t\trc = %s_insert(db, %s&rows[k]);\n", T,
		  scoped(g) ? "owner, " : "");
	} else {
		int ncols = 0;
		for (int c = 0; c < g->ncols; c++)
			ncols += inserted(&g->cols[c]);
		int batch = ncols ? 30000 / ncols : 1;
		if (batch > 500)
			batch = 500;
		strata_buf head = STRATA_BUF_INIT, tuple_lite = STRATA_BUF_INIT, tuple_pg = STRATA_BUF_INIT;
		int *rcp = &e->rc;
		S(&head, rcp, "INSERT INTO \"%s\" (", g->name);
		int n = 0;
		for (int c = 0; c < g->ncols; c++)
			if (inserted(&g->cols[c]))
				S(&head, rcp, "%s\"%s\"", n++ ? ", " : "", g->cols[c].name);
		S(&head, rcp, ") VALUES ");
		for (int d = 0; d < 2; d++) {
			strata_buf *tb = d ? &tuple_pg : &tuple_lite;
			S(tb, rcp, "(");
			n = 0;
			for (int c = 0; c < g->ncols; c++)
				if (inserted(&g->cols[c])) {
					S(tb, rcp, "%s", n++ ? ", " : "");
					insert_param(tb, rcp, &g->cols[c], d ? D_PG : D_SQLITE, false);
				}
			S(tb, rcp, ")");
		}
		E(e, "\tint pg = backend_index(db);\n\tsize_t done = 0;\n");
		E(e, "\twhile (rc == STRATA_OK && done < n) {\n");
		E(e, "\t\tsize_t k = n - done < %d ? n - done : %d;\n", batch, batch);
		E(e, "\t\tstrata_sql_builder b = STRATA_SQL_BUILDER_INIT;\n\t\tstrata_stmt *st = NULL;\n\t\tint i = 1;\n");
		E(e, "\t\tstrata_sql_add(&b, \"");
		E_cstr(e, strata__buf_cstr(&head));
		E(e, "\");\n\t\tfor (size_t r = 0; r < k; r++) {\n\t\t\tif (r)\n\t\t\t\tstrata_sql_add(&b, \", \");\n");
		E(e, "\t\t\tstrata_sql_add(&b, pg ? \"");
		E_cstr(e, strata__buf_cstr(&tuple_pg));
		E(e, "\" : \"");
		E_cstr(e, strata__buf_cstr(&tuple_lite));
		E(e, "\");\n\t\t}\n");
		if (returning)
			E(e, "\t\tstrata_sql_add(&b, \" RETURNING \\\"%s\\\"\");\n", g->pk->name);
		E(e, "\t\tif (b.failed) {\n\t\t\tstrata_sql_free(&b);\n\t\t\trc = STRATA_ENOMEM;\n\t\t\tbreak;\n\t\t}\n");
		E(e, "\t\trc = strata_prepare(&st, db, b.sql);\n\t\tstrata_sql_free(&b);\n");
		E(e, "\t\tfor (size_t r = 0; rc == STRATA_OK && r < k; r++) {\n\t\t\t%s *row = &rows[done + r];\n", T);
		E(e, "\t\t\tif ((rc = defaults_%s(row)) != STRATA_OK)\n\t\t\t\tbreak;\n", T);
		if (g->owner)
			E(e, "\t\t\trow->%s = owner;\n", g->owner->field);
		for (int c = 0; c < g->ncols; c++)
			if (inserted(&g->cols[c]))
				emit_bind_field(e, &g->cols[c], "row", "i++", 3);
		E(e, "\t\t}\n\t\tsize_t got = 0;\n");
		E(e, "\t\twhile (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {\n");
		if (returning)
			E(e, "\t\t\tif (got < k)\n\t\t\t\trc = strata_column_int64(st, 0, &rows[done + got].%s.v);\n", g->pk->field);
		E(e, "\t\t\tgot++;\n\t\t}\n\t\tif (rc == STRATA_DONE)\n\t\t\trc = STRATA_OK;\n");
		E(e, "\t\tstrata_finalize(st);\n\t\tdone += k;\n\t}\n");
		strata__buf_free(&head);
		strata__buf_free(&tuple_lite);
		strata__buf_free(&tuple_pg);
	}
	E(e, "\tif (rc == STRATA_OK)\n\t\treturn strata_commit(db);\n\tstrata_rollback(db);\n\treturn rc;\n}\n");
}

/* " AND <scope>" for a statement on `g` qualified by its table name. */
static void scope_and(strata_buf *b, int *rc, const gtable *g)
{
	if (!scoped(g))
		return;
	char q[200];
	snprintf(q, sizeof q, "\"%s\"", g->name);
	S(b, rc, " AND ");
	scope_cond(b, rc, g, q, 0);
}

static void key_where(strata_buf *b, int *rc, const gtable *g)
{
	char q[200];
	snprintf(q, sizeof q, "\"%s\"", g->name);
	S(b, rc, " WHERE ");
	key_cond(b, rc, g, q);
}

static void emit_get(emitter *e, const gtable *g)
{
	char ob[160], name[160];
	const char *T = g->type, *F = g->fn;
	strata_buf kp = STRATA_BUF_INIT;
	key_params(e->m, g, &kp, &e->rc);
	for (int del = 0; del < 2; del++) {
		if (del && !g->deleted_at)
			break;
		snprintf(name, sizeof name, "%s_sql_get%s", F, del ? "_all" : "");
		SQL2(name, {
			S(b, rcp, "SELECT ");
			char q[200];
			snprintf(q, sizeof q, "\"%s\"", g->name);
			select_list(b, rcp, g, q, d);
			S(b, rcp, " FROM \"%s\"", g->name);
			key_where(b, rcp, g);
			scope_and(b, rcp, g);
			if (g->deleted_at && !del)
				S(b, rcp, " AND \"%s\".\"%s\" IS NULL", g->name, g->deleted_at->name);
		});
	}
	if (!g->variant)
		E(e, "\ntypedef struct %s_holder_ {\n\tstrata_arena *arena;\n\t%s row;\n} %s_holder_;\n", T, T, T);
	E(e, "\nint %s_get(strata_db *db, %s%s%s, %s **out)\n{\n", F, owner_param(g, ob, sizeof ob), strata__buf_cstr(&kp),
	  g->deleted_at ? ", bool with_deleted" : "", T);
	E(e, "\tstrata_stmt *st = NULL;\n\tint i = 1;\n\t*out = NULL;\n");
	if (g->deleted_at)
		E(e, "\tint rc = strata_prepare_static(&st, db, (with_deleted ? %s_sql_get_all : %s_sql_get)[backend_index(db)]);\n",
		  F, F);
	else
		E(e, "\tint rc = strata_prepare_static(&st, db, %s_sql_get[backend_index(db)]);\n", F);
	E(e, "\tif (rc != STRATA_OK)\n\t\treturn rc;\n");
	emit_bind_keys(e, g);
	if (scoped(g))
		emit_bind_owner(e, g, "i++");
	E(e, "\t(void)i;\n\tif (rc == STRATA_OK)\n\t\trc = strata_step(st);\n");
	E(e, "\tif (rc == STRATA_ROW) {\n\t\tstrata_arena *a = strata_arena_new();\n");
	E(e, "\t\t%s_holder_ *h = a ? strata_arena_alloc(a, sizeof *h) : NULL;\n", T);
	E(e, "\t\tif (!h) {\n\t\t\tstrata_arena_free(a);\n\t\t\trc = STRATA_ENOMEM;\n\t\t} else {\n");
	E(e, "\t\t\th->arena = a;\n\t\t\trc = read_%s(st, 0, a, &h->row);\n", T);
	E(e, "\t\t\tif (rc == STRATA_OK)\n\t\t\t\t*out = &h->row;\n\t\t\telse\n\t\t\t\tstrata_arena_free(a);\n\t\t}\n");
	E(e, "\t} else if (rc == STRATA_DONE) {\n\t\trc = strata_error_set(STRATA_ENOTFOUND, \"no %s row with that key%s\");\n\t}\n",
	  g->name, scoped(g) ? " for this owner" : "");
	E(e, "\tstrata_finalize(st);\n\treturn rc;\n}\n");
	if (!g->variant) {
		E(e, "\nvoid %s_free(%s *row)\n{\n\tif (!row)\n\t\treturn;\n", T, T);
		E(e, "\t%s_holder_ *h = (%s_holder_ *)(void *)((char *)row - offsetof(%s_holder_, row));\n", T, T, T);
		E(e, "\tstrata_arena_free(h->arena);\n}\n");
	}
	strata__buf_free(&kp);
}

/* The SET clause of an update: CASE WHEN ? THEN ? ELSE col END per updatable column. */
static void update_set(strata_buf *b, int *rc, const gtable *g)
{
	S(b, rc, "UPDATE \"%s\" SET ", g->name);
	int n = 0;
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!updatable(g, gc))
			continue;
		S(b, rc, "%s\"%s\" = CASE WHEN ? THEN ? ELSE \"%s\" END", n++ ? ", " : "", gc->name, gc->name);
	}
}

/* Conditions of an update on referenced columns it may write. */
static void update_checks(strata_buf *b, int *rc, const gtable *g)
{
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!updatable(g, gc) || !needs_ref_check(g, gc))
			continue;
		S(b, rc, " AND (CAST(? AS INTEGER) = 0 OR ");
		ref_cond(b, rc, gc->ref, 0);
		S(b, rc, ")");
	}
}

static void emit_bind_update_set(emitter *e, const gtable *g)
{
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!updatable(g, gc))
			continue;
		E(e, "\tif (rc == STRATA_OK) rc = strata_bind_bool(st, i++, (fields & %s) != 0);\n", gc->upper);
		emit_bind_field(e, gc, "values", "i++", 1);
	}
}

static void emit_bind_update_checks(emitter *e, const gtable *g)
{
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!updatable(g, gc) || !needs_ref_check(g, gc))
			continue;
		if (gc->opt)
			E(e, "\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, (fields & %s) && values->%s.has ? 1 : 0);\n",
			  gc->upper, gc->field);
		else
			E(e, "\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, (fields & %s) ? 1 : 0);\n", gc->upper);
		emit_bind_field(e, gc, "values", "i++", 1);
		emit_bind_owner(e, g, "i++");
	}
}

/* Prologue shared by update and update_many: the mask check and updated_at. */
static void emit_update_prologue(emitter *e, const gtable *g)
{
	uint64_t all = 0;
	for (int c = 0; c < g->ncols; c++)
		if (updatable(g, &g->cols[c]))
			all |= UINT64_C(1) << c;
	E(e, "\tif ((fields & UINT64_C(0x%llx)) == 0)\n\t\treturn strata_error_set(STRATA_EINVAL, \"%s_update: no fields "
	     "to write\");\n",
	  (unsigned long long)all, g->type);
	if (g->updated_at) {
		E(e, "\t%s copy = *values;\n\tif (!(fields & %s)) {\n", g->type, g->updated_at->upper);
		if (g->updated_at->opt)
			E(e, "\t\tcopy.%s.has = true;\n\t\tcopy.%s.v = strata_timestamp_now();\n", g->updated_at->field,
			  g->updated_at->field);
		else
			E(e, "\t\tcopy.%s = strata_timestamp_now();\n", g->updated_at->field);
		E(e, "\t\tfields |= %s;\n\t}\n\tvalues = &copy;\n", g->updated_at->upper);
	}
}

static void emit_update(emitter *e, const gtable *g)
{
	char ob[160], name[160];
	const char *T = g->type;
	bool any = false;
	for (int c = 0; c < g->ncols; c++)
		any |= updatable(g, &g->cols[c]);
	if (!any)
		return;
	strata_buf kp = STRATA_BUF_INIT;
	key_params(e->m, g, &kp, &e->rc);
	snprintf(name, sizeof name, "%s_sql_update", T);
	SQL2(name, {
		update_set(b, rcp, g);
		key_where(b, rcp, g);
		scope_and(b, rcp, g);
		if (g->deleted_at)
			S(b, rcp, " AND \"%s\".\"%s\" IS NULL", g->name, g->deleted_at->name);
		update_checks(b, rcp, g);
	});
	E(e, "\nint %s_update(strata_db *db, %s%s, const %s *values, uint64_t fields)\n{\n", T,
	  owner_param(g, ob, sizeof ob), strata__buf_cstr(&kp), T);
	emit_update_prologue(e, g);
	E(e, "\tstrata_stmt *st = NULL;\n\tint i = 1;\n");
	E(e, "\tint rc = strata_prepare_static(&st, db, %s_sql_update[backend_index(db)]);\n\tif (rc != STRATA_OK)\n\t\treturn rc;\n",
	  T);
	emit_bind_update_set(e, g);
	emit_bind_keys(e, g);
	if (scoped(g))
		emit_bind_owner(e, g, "i++");
	emit_bind_update_checks(e, g);
	E(e, "\t(void)i;\n\tif (rc == STRATA_OK)\n\t\trc = strata_step(st);\n\tif (rc == STRATA_DONE)\n\t\trc = "
	     "strata_changes(db) > 0 ? STRATA_OK : strata_error_set(STRATA_ENOTFOUND, \"%s_update: no %s row with that key%s\");\n",
	  T, g->name, scoped(g) ? " for this owner" : "");
	E(e, "\tstrata_finalize(st);\n\treturn rc;\n}\n");
	strata__buf_free(&kp);
	if (!g->pk)
		return;
	/* update many: the same SET, keys in padded batches */
	snprintf(name, sizeof name, "%s_sql_update_many", T);
	SQL2(name, {
		update_set(b, rcp, g);
		S(b, rcp, " WHERE \"%s\".\"%s\" IN (", g->name, g->pk->name);
		for (int k = 0; k < BATCH; k++)
			S(b, rcp, "%s?", k ? ", " : "");
		S(b, rcp, ")");
		scope_and(b, rcp, g);
		if (g->deleted_at)
			S(b, rcp, " AND \"%s\".\"%s\" IS NULL", g->name, g->deleted_at->name);
		update_checks(b, rcp, g);
	});
	E(e, "\nint %s_update_many(strata_db *db, %sconst %s *ids, size_t n, const %s *values, uint64_t fields,\n"
	     "\t\tint64_t *changed)\n{\n",
	  T, owner_param(g, ob, sizeof ob), g->id_type, T);
	E(e, "\tif (changed)\n\t\t*changed = 0;\n\tif (n == 0)\n\t\treturn STRATA_OK;\n");
	emit_update_prologue(e, g);
	E(e, "\tint rc = strata_begin(db, NULL);\n\tint64_t total = 0;\n");
	E(e, "\tfor (size_t start = 0; rc == STRATA_OK && start < n; start += %d) {\n", BATCH);
	E(e, "\t\tstrata_stmt *st = NULL;\n\t\tint i = 1;\n");
	E(e, "\t\tif ((rc = strata_prepare_static(&st, db, %s_sql_update_many[backend_index(db)])) != STRATA_OK)\n\t\t\tbreak;\n",
	  T);
	/* the SET binds use `values` and `fields` at indent 1; re-emit with deeper indent is not needed: same code */
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!updatable(g, gc))
			continue;
		E(e, "\t\tif (rc == STRATA_OK) rc = strata_bind_bool(st, i++, (fields & %s) != 0);\n", gc->upper);
		emit_bind_field(e, gc, "values", "i++", 2);
	}
	E(e, "\t\tfor (size_t k = 0; k < %d; k++) {\n\t\t\tsize_t at = start + k < n ? start + k : n - 1;\n", BATCH);
	emit_bind_value(e, g->pk, "ids[at]", "i++", 3);
	E(e, "\t\t}\n");
	if (scoped(g)) {
		if (g->owner_table->pk_kind == GK_UUID)
			E(e, "\t\tif (rc == STRATA_OK) rc = strata_bind_uuid(st, i++, &owner.v);\n");
		else
			E(e, "\t\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, owner.v);\n");
	}
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!updatable(g, gc) || !needs_ref_check(g, gc))
			continue;
		if (gc->opt)
			E(e, "\t\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, (fields & %s) && values->%s.has ? 1 : 0);\n",
			  gc->upper, gc->field);
		else
			E(e, "\t\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, (fields & %s) ? 1 : 0);\n", gc->upper);
		emit_bind_field(e, gc, "values", "i++", 2);
		if (g->owner_table->pk_kind == GK_UUID)
			E(e, "\t\tif (rc == STRATA_OK) rc = strata_bind_uuid(st, i++, &owner.v);\n");
		else
			E(e, "\t\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, owner.v);\n");
	}
	E(e, "\t\t(void)i;\n\t\tif (rc == STRATA_OK)\n\t\t\trc = strata_step(st);\n");
	E(e, "\t\tif (rc == STRATA_DONE) {\n\t\t\trc = STRATA_OK;\n\t\t\ttotal += strata_changes(db);\n\t\t}\n");
	E(e, "\t\tstrata_finalize(st);\n\t}\n");
	E(e, "\tif (rc == STRATA_OK)\n\t\trc = strata_commit(db);\n\telse\n\t\tstrata_rollback(db);\n");
	E(e, "\tif (rc == STRATA_OK && changed)\n\t\t*changed = total;\n\treturn rc;\n}\n");
}

static void emit_delete_fn(emitter *e, const gtable *g, const char *fn, const char *sqlname, const char *what)
{
	char ob[160];
	strata_buf kp = STRATA_BUF_INIT;
	key_params(e->m, g, &kp, &e->rc);
	E(e, "\nint %s_%s(strata_db *db, %s%s)\n{\n", g->type, fn, owner_param(g, ob, sizeof ob), strata__buf_cstr(&kp));
	E(e, "\tstrata_stmt *st = NULL;\n\tint i = 1;\n");
	E(e, "\tint rc = strata_prepare_static(&st, db, %s[backend_index(db)]);\n\tif (rc != STRATA_OK)\n\t\treturn rc;\n",
	  sqlname);
	if (strcmp(fn, "delete") == 0 && g->deleted_at)
		E(e, "\tif (rc == STRATA_OK) rc = strata_bind_timestamp(st, i++, strata_timestamp_now());\n");
	emit_bind_keys(e, g);
	if (scoped(g))
		emit_bind_owner(e, g, "i++");
	E(e, "\t(void)i;\n\tif (rc == STRATA_OK)\n\t\trc = strata_step(st);\n\tif (rc == STRATA_DONE)\n\t\trc = "
	     "strata_changes(db) > 0 ? STRATA_OK : strata_error_set(STRATA_ENOTFOUND, \"%s_%s: no %s%s row with that key%s\");\n",
	  g->type, fn, what, g->name, scoped(g) ? " for this owner" : "");
	E(e, "\tstrata_finalize(st);\n\treturn rc;\n}\n");
	strata__buf_free(&kp);
}

static void emit_deletes(emitter *e, const gtable *g)
{
	char name[160];
	const char *T = g->type;
	if (g->deleted_at) {
		snprintf(name, sizeof name, "%s_sql_delete", T);
		SQL2(name, {
			S(b, rcp, "UPDATE \"%s\" SET \"%s\" = ?", g->name, g->deleted_at->name);
			key_where(b, rcp, g);
			scope_and(b, rcp, g);
			S(b, rcp, " AND \"%s\".\"%s\" IS NULL", g->name, g->deleted_at->name);
		});
		emit_delete_fn(e, g, "delete", name, "live ");
		snprintf(name, sizeof name, "%s_sql_restore", T);
		SQL2(name, {
			S(b, rcp, "UPDATE \"%s\" SET \"%s\" = NULL", g->name, g->deleted_at->name);
			key_where(b, rcp, g);
			scope_and(b, rcp, g);
			S(b, rcp, " AND \"%s\".\"%s\" IS NOT NULL", g->name, g->deleted_at->name);
		});
		emit_delete_fn(e, g, "restore", name, "deleted ");
	}
	snprintf(name, sizeof name, "%s_sql_hard_delete", T);
	SQL2(name, {
		S(b, rcp, "DELETE FROM \"%s\"", g->name);
		key_where(b, rcp, g);
		scope_and(b, rcp, g);
	});
	emit_delete_fn(e, g, g->deleted_at ? "hard_delete" : "delete", name, "");
}

/* The order column of `gc` as a C string literal's contents: \"t\".\"c\" */
static void emit_where_fns(emitter *e, const gtable *g)
{
	char ob[160];
	const char *T = g->type;
	E(e, "\nstatic void where_%s(strata_sql_builder *b, const %s_query *q)\n{\n\t(void)q;\n", g->fn, T);
	strata_buf w = STRATA_BUF_INIT;
	int *rcp = &e->rc;
	S(&w, rcp, " WHERE 1 = 1");
	scope_and(&w, rcp, g);
	E(e, "\tstrata_sql_add(b, \"");
	E_cstr(e, strata__buf_cstr(&w));
	E(e, "\");\n");
	strata__buf_free(&w);
	if (g->deleted_at)
		E(e, "\tif (!q->with_deleted)\n\t\tstrata_sql_add(b, \" AND \\\"%s\\\".\\\"%s\\\" IS NULL\");\n", g->name,
		  g->deleted_at->name);
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!gc->filter)
			continue;
		const char *has = gc->pointer ? "" : ".has";
		E(e, "\tif (q->%s%s)\n\t\tstrata_sql_add(b, \" AND \\\"%s\\\".\\\"%s\\\" = ?\");\n", gc->field, has, g->name,
		  gc->name);
		if (gc->range) {
			E(e, "\tif (q->%s_from%s)\n\t\tstrata_sql_add(b, \" AND \\\"%s\\\".\\\"%s\\\" >= ?\");\n", gc->field, has,
			  g->name, gc->name);
			E(e, "\tif (q->%s_to%s)\n\t\tstrata_sql_add(b, \" AND \\\"%s\\\".\\\"%s\\\" < ?\");\n", gc->field, has, g->name,
			  gc->name);
		}
	}
	E(e, "}\n");
	E(e, "\nstatic int bind_where_%s(strata_db *db, strata_stmt *st, int *ip, %sconst %s_query *q)\n{\n", g->fn,
	  owner_param(g, ob, sizeof ob), T);
	E(e, "\tint rc = STRATA_OK;\n\tint i = *ip;\n\t(void)db;\n\t(void)st;\n\t(void)q;\n");
	if (scoped(g))
		emit_bind_owner(e, g, "i++");
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!gc->filter)
			continue;
		const char *suffix[] = { "", "_from", "_to" };
		for (int k = 0; k < (gc->range ? 3 : 1); k++) {
			char x[200];
			if (gc->pointer) {
				snprintf(x, sizeof x, "q->%s%s", gc->field, suffix[k]);
				E(e, "\tif (%s) {\n", x);
			} else {
				snprintf(x, sizeof x, "q->%s%s.v", gc->field, suffix[k]);
				E(e, "\tif (q->%s%s.has) {\n", gc->field, suffix[k]);
			}
			emit_bind_value(e, gc, x, "i++", 2);
			E(e, "\t}\n");
		}
	}
	E(e, "\t*ip = i;\n\treturn rc;\n}\n");
}

/* The C expression of a sortable column's value in `row` (a pointer). */
static void sort_value(char *buf, size_t cap, const gcol *gc, const char *row)
{
	snprintf(buf, cap, gc->opt ? "%s->%s.v" : "%s->%s", row, gc->field);
}

static void emit_list(emitter *e, const gtable *g)
{
	char ob[160];
	const char *T = g->type, *F = g->fn;
	strata_buf sel[2] = { STRATA_BUF_INIT, STRATA_BUF_INIT };
	char q[200];
	snprintf(q, sizeof q, "\"%s\"", g->name);
	for (int d = 0; d < 2; d++) {
		S(&sel[d], &e->rc, "SELECT ");
		select_list(&sel[d], &e->rc, g, q, d ? D_PG : D_SQLITE);
		S(&sel[d], &e->rc, " FROM \"%s\"", g->name);
	}
	E(e, "\nint %s_list(strata_db *db, %sconst %s_query *q, %s_page *out)\n{\n", F, owner_param(g, ob, sizeof ob), T, T);
	E(e, "\tstatic const %s_query all_;\n\tif (!q)\n\t\tq = &all_;\n\tmemset(out, 0, sizeof *out);\n", T);
	E(e, "\tconst char *ocol = NULL;\n\tswitch (q->order) {\n\tcase %s_ORDER_KEY: break;\n", g->upper);
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		if (!gc->sortable || !g->pk)
			continue;
		char u[128];
		upper_into(u, sizeof u, gc->name);
		E(e, "\tcase %s_ORDER_%s: ocol = \"\\\"%s\\\".\\\"%s\\\"\"; break;\n", g->upper, u, g->name, gc->name);
	}
	E(e, "\tdefault: return strata_error_set(STRATA_EINVAL, \"%s_list: unknown order %%d\", (int)q->order);\n\t}\n", F);
	if (g->pk)
		E(e, "\tbool keyset = q->after && q->after->valid;\n"
		     "\tif (keyset && (q->after->order != q->order || q->after->desc != q->desc))\n"
		     "\t\treturn strata_error_set(STRATA_EINVAL, \"%s_list: the cursor was made for another order\");\n",
		  F);
	E(e, "\tstrata_sql_builder b = STRATA_SQL_BUILDER_INIT;\n\tint pg = backend_index(db);\n");
	E(e, "\tstrata_sql_add(&b, pg ? \"");
	E_cstr(e, strata__buf_cstr(&sel[1]));
	E(e, "\" : \"");
	E_cstr(e, strata__buf_cstr(&sel[0]));
	E(e, "\");\n\twhere_%s(&b, q);\n", F);
	if (g->pk) {
		E(e, "\tif (keyset) {\n\t\tif (ocol) {\n\t\t\tstrata_sql_add(&b, \" AND (\");\n\t\t\tstrata_sql_add(&b, ocol);\n");
		E(e, "\t\t\tstrata_sql_add(&b, q->desc ? \", \\\"%s\\\".\\\"%s\\\") < (?, ?)\" : \", \\\"%s\\\".\\\"%s\\\") > (?, ?)\");\n",
		  g->name, g->pk->name, g->name, g->pk->name);
		E(e, "\t\t} else {\n\t\t\tstrata_sql_add(&b, q->desc ? \" AND \\\"%s\\\".\\\"%s\\\" < ?\" : \" AND \\\"%s\\\".\\\"%s\\\" > ?\");\n\t\t}\n\t}\n",
		  g->name, g->pk->name, g->name, g->pk->name);
	}
	E(e, "\tstrata_sql_add(&b, \" ORDER BY \");\n\tif (ocol) {\n\t\tstrata_sql_add(&b, ocol);\n"
	     "\t\tstrata_sql_add(&b, q->desc ? \" DESC, \" : \", \");\n\t}\n");
	{
		strata_buf ord = STRATA_BUF_INIT, ordd = STRATA_BUF_INIT;
		int n = 0;
		for (int c = 0; c < g->ncols; c++)
			if (g->cols[c].in_pk) {
				S(&ord, &e->rc, "%s\"%s\".\"%s\"", n ? ", " : "", g->name, g->cols[c].name);
				S(&ordd, &e->rc, "%s\"%s\".\"%s\" DESC", n ? ", " : "", g->name, g->cols[c].name);
				n++;
			}
		if (n == 0) { /* no key: order by every column's position is not possible; use the first column */
			S(&ord, &e->rc, "\"%s\".\"%s\"", g->name, g->cols[0].name);
			S(&ordd, &e->rc, "\"%s\".\"%s\" DESC", g->name, g->cols[0].name);
		}
		E(e, "\tstrata_sql_add(&b, q->desc ? \"");
		E_cstr(e, strata__buf_cstr(&ordd));
		E(e, "\" : \"");
		E_cstr(e, strata__buf_cstr(&ord));
		E(e, "\");\n");
		strata__buf_free(&ord);
		strata__buf_free(&ordd);
	}
	E(e, "\tstrata_sql_add(&b, \" LIMIT ? OFFSET ?\");\n");
	E(e, "\tif (b.failed) {\n\t\tstrata_sql_free(&b);\n\t\treturn STRATA_ENOMEM;\n\t}\n");
	E(e, "\tstrata_stmt *st = NULL;\n\tint rc = strata_prepare(&st, db, b.sql);\n\tstrata_sql_free(&b);\n"
	     "\tif (rc != STRATA_OK)\n\t\treturn rc;\n\tint i = 1;\n");
	E(e, "\trc = bind_where_%s(db, st, &i, %sq);\n", F, scoped(g) ? "owner, " : "");
	if (g->pk) {
		E(e, "\tif (keyset) {\n\t\tswitch (q->order) {\n");
		for (int c = 0; c < g->ncols; c++) {
			const gcol *gc = &g->cols[c];
			if (!gc->sortable)
				continue;
			char u[128];
			upper_into(u, sizeof u, gc->name);
			E(e, "\t\tcase %s_ORDER_%s:\n", g->upper, u);
			switch (gc->kind) {
			case GK_TS: E(e, "\t\t\tif (rc == STRATA_OK) rc = strata_bind_timestamp(st, i++, q->after->i);\n"); break;
			case GK_DOUBLE: E(e, "\t\t\tif (rc == STRATA_OK) rc = strata_bind_double(st, i++, q->after->d);\n"); break;
			case GK_TEXT: E(e, "\t\t\tif (rc == STRATA_OK) rc = strata_bind_text(st, i++, q->after->s, -1);\n"); break;
			default: E(e, "\t\t\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, q->after->i);\n"); break;
			}
			E(e, "\t\t\tbreak;\n");
		}
		E(e, "\t\tdefault: break;\n\t\t}\n");
		emit_bind_value(e, g->pk, "q->after->id", "i++", 2);
		E(e, "\t}\n");
	}
	E(e, "\tif (rc == STRATA_OK)\n\t\trc = q->limit > 0 ? strata_bind_int64(st, i++, q->limit + 1)\n"
	     "\t\t\t\t  : pg ? strata_bind_null(st, i++) : strata_bind_int64(st, i++, -1);\n");
	E(e, "\tif (rc == STRATA_OK)\n\t\trc = strata_bind_int64(st, i++, q->offset > 0 ? q->offset : 0);\n");
	E(e, "\tif (rc == STRATA_OK && !(out->arena = strata_arena_new()))\n\t\trc = STRATA_ENOMEM;\n");
	E(e, "\tsize_t cap = 0;\n\twhile (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {\n");
	E(e, "\t\tif (out->n == cap) {\n\t\t\tsize_t ncap = cap ? cap * 2 : 16;\n"
	     "\t\t\t%s *items = realloc(out->items, ncap * sizeof *items);\n"
	     "\t\t\tif (!items) {\n\t\t\t\trc = strata_error_set(STRATA_ENOMEM, \"out of memory\");\n\t\t\t\tbreak;\n\t\t\t}\n"
	     "\t\t\tout->items = items;\n\t\t\tcap = ncap;\n\t\t}\n",
	  T);
	E(e, "\t\tif ((rc = read_%s(st, 0, out->arena, &out->items[out->n])) == STRATA_OK)\n\t\t\tout->n++;\n\t}\n", T);
	E(e, "\tif (rc == STRATA_DONE)\n\t\trc = STRATA_OK;\n\tstrata_finalize(st);\n");
	E(e, "\tif (rc != STRATA_OK) {\n\t\t%s_page_free(out);\n\t\treturn rc;\n\t}\n", T);
	E(e, "\tif (q->limit > 0 && out->n > (size_t)q->limit) {\n\t\tout->has_more = true;\n\t\tout->n = (size_t)q->limit;\n\t}\n");
	if (g->pk) {
		E(e, "\tif (out->n > 0) {\n\t\tconst %s *last = &out->items[out->n - 1];\n", T);
		E(e, "\t\tout->next.valid = true;\n\t\tout->next.order = q->order;\n\t\tout->next.desc = q->desc;\n"
		     "\t\tout->next.id = last->%s;\n\t\tswitch (q->order) {\n",
		  g->pk->field);
		for (int c = 0; c < g->ncols; c++) {
			const gcol *gc = &g->cols[c];
			if (!gc->sortable)
				continue;
			char u[128], v[200];
			upper_into(u, sizeof u, gc->name);
			sort_value(v, sizeof v, gc, "last");
			E(e, "\t\tcase %s_ORDER_%s:\n", g->upper, u);
			if (gc->kind == GK_DOUBLE)
				E(e, "\t\t\tout->next.d = %s;\n", v);
			else if (gc->kind == GK_TEXT)
				E(e, "\t\t\tsnprintf(out->next.s, sizeof out->next.s, \"%%s\", %s ? %s : \"\");\n", v, v);
			else
				E(e, "\t\t\tout->next.i = (int64_t)%s;\n", v);
			E(e, "\t\t\tbreak;\n");
		}
		E(e, "\t\tdefault: break;\n\t\t}\n\t}\n");
	}
	E(e, "\treturn STRATA_OK;\n}\n");
	if (!g->variant)
		E(e, "\nvoid %s_page_free(%s_page *list)\n{\n\tif (!list)\n\t\treturn;\n"
		     "\tfree(list->items);\n\tstrata_arena_free(list->arena);\n\tmemset(list, 0, sizeof *list);\n}\n",
		  T, T);
	/* count */
	E(e, "\nint %s_count(strata_db *db, %sconst %s_query *q, int64_t *out)\n{\n", F, owner_param(g, ob, sizeof ob), T);
	E(e, "\tstatic const %s_query all_;\n\tif (!q)\n\t\tq = &all_;\n\t*out = 0;\n", T);
	E(e, "\tstrata_sql_builder b = STRATA_SQL_BUILDER_INIT;\n\tstrata_sql_add(&b, \"SELECT count(*) FROM \\\"%s\\\"\");\n",
	  g->name);
	E(e, "\twhere_%s(&b, q);\n\tif (b.failed) {\n\t\tstrata_sql_free(&b);\n\t\treturn STRATA_ENOMEM;\n\t}\n", F);
	E(e, "\tstrata_stmt *st = NULL;\n\tint rc = strata_prepare(&st, db, b.sql);\n\tstrata_sql_free(&b);\n"
	     "\tif (rc != STRATA_OK)\n\t\treturn rc;\n\tint i = 1;\n");
	E(e, "\trc = bind_where_%s(db, st, &i, %sq);\n", F, scoped(g) ? "owner, " : "");
	E(e, "\tif (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW)\n\t\trc = strata_column_int64(st, 0, out);\n");
	E(e, "\telse if (rc == STRATA_DONE)\n\t\trc = STRATA_ERROR;\n\tstrata_finalize(st);\n\treturn rc;\n}\n");
	strata__buf_free(&sel[0]);
	strata__buf_free(&sel[1]);
}

/* "present" test and value expression of FK field `gc` in `obj` (a struct lvalue). */
static void fk_expr(const gcol *gc, const char *obj, char *has, size_t hcap, char *val, size_t vcap)
{
	if (gc->opt) {
		snprintf(has, hcap, "%s.%s.has", obj, gc->field);
		snprintf(val, vcap, "%s.%s.v", obj, gc->field);
	} else {
		snprintf(has, hcap, "1");
		snprintf(val, vcap, "%s.%s", obj, gc->field);
	}
}

static const gcol *col_named(const gtable *g, const char *name)
{
	for (int c = 0; c < g->ncols; c++)
		if (strcmp(g->cols[c].name, name) == 0)
			return &g->cols[c];
	return NULL;
}

static void emit_load(emitter *e, const gtable *g, const grel *gr)
{
	char ob[160], name[200], has[200], val[200];
	const char *T = g->type;
	const gtable *tg = gr->target;
	strata_rel_kind kind = gr->rel->kind;
	snprintf(name, sizeof name, "%s_sql_load_%s", T, gr->field);
	const gcol *near = kind == STRATA_REL_MANY_TO_MANY ? col_named(gr->through, gr->near_col)
			   : kind == STRATA_REL_MANY_TO_ONE ? col_named(g, gr->near_col)
							    : col_named(tg, gr->near_col);
	if (!near)
		return;
	SQL2(name, {
		char tq[200];
		snprintf(tq, sizeof tq, "\"%s\"", tg->name);
		S(b, rcp, "SELECT ");
		if (kind == STRATA_REL_MANY_TO_MANY)
			S(b, rcp, "\"%s\".\"%s\", ", gr->through->name, gr->near_col);
		select_list(b, rcp, tg, tq, d);
		S(b, rcp, " FROM \"%s\"", tg->name);
		if (kind == STRATA_REL_MANY_TO_MANY)
			S(b, rcp, " JOIN \"%s\" ON \"%s\".\"%s\" = \"%s\".\"%s\"", gr->through->name, tg->name, tg->pk->name,
			  gr->through->name, gr->far_col);
		if (kind == STRATA_REL_MANY_TO_ONE)
			S(b, rcp, " WHERE \"%s\".\"%s\" IN (", tg->name, tg->pk->name);
		else if (kind == STRATA_REL_ONE_TO_MANY)
			S(b, rcp, " WHERE \"%s\".\"%s\" IN (", tg->name, gr->near_col);
		else
			S(b, rcp, " WHERE \"%s\".\"%s\" IN (", gr->through->name, gr->near_col);
		for (int k = 0; k < BATCH; k++)
			S(b, rcp, "%s?", k ? ", " : "");
		S(b, rcp, ")");
		scope_and(b, rcp, tg);
		if (tg->deleted_at)
			S(b, rcp, " AND \"%s\".\"%s\" IS NULL", tg->name, tg->deleted_at->name);
		if (kind == STRATA_REL_ONE_TO_MANY)
			S(b, rcp, " ORDER BY \"%s\".\"%s\", \"%s\".\"%s\"", tg->name, gr->near_col, tg->name, tg->pk->name);
		else if (kind == STRATA_REL_MANY_TO_MANY)
			S(b, rcp, " ORDER BY \"%s\".\"%s\", \"%s\".\"%s\"", gr->through->name, gr->near_col, tg->name,
			  tg->pk->name);
	});
	E(e, "\nint %s_load_%s(strata_db *db, %s%s_page *list)\n{\n", T, gr->field, owner_param(tg, ob, sizeof ob), T);
	E(e, "\tint rc = STRATA_OK;\n");
	E(e, "\tfor (size_t start = 0; rc == STRATA_OK && start < list->n; start += %d) {\n", BATCH);
	E(e, "\t\tsize_t end = start + %d < list->n ? start + %d : list->n;\n", BATCH, BATCH);
	/* the keys bound: ours (pk) for to-many, the FK for many-to-one */
	const char *key_type = kind == STRATA_REL_MANY_TO_ONE ? tg->id_type : g->id_type;
	if (kind == STRATA_REL_MANY_TO_ONE) {
		fk_expr(near, "list->items[k]", has, sizeof has, val, sizeof val);
		E(e, "\t\tconst %s *fill = NULL;\n\t\tfor (size_t k = start; k < end && !fill; k++)\n"
		     "\t\t\tif (%s)\n\t\t\t\tfill = &%s;\n\t\tif (!fill)\n\t\t\tcontinue;\n",
		  key_type, has, val);
	} else {
		E(e, "\t\tconst %s *fill = &list->items[end - 1].%s;\n", key_type, g->pk->field);
	}
	E(e, "\t\tstrata_stmt *st = NULL;\n\t\tint i = 1;\n");
	E(e, "\t\tif ((rc = strata_prepare_static(&st, db, %s[backend_index(db)])) != STRATA_OK)\n\t\t\tbreak;\n", name);
	E(e, "\t\tfor (size_t k = start; k < start + %d; k++) {\n\t\t\tconst %s *key = fill;\n", BATCH, key_type);
	if (kind == STRATA_REL_MANY_TO_ONE)
		E(e, "\t\t\tif (k < end && %s)\n\t\t\t\tkey = &%s;\n", has, val);
	else
		E(e, "\t\t\tif (k < end)\n\t\t\t\tkey = &list->items[k].%s;\n", g->pk->field);
	if ((kind == STRATA_REL_MANY_TO_ONE ? tg->pk_kind : g->pk_kind) == GK_UUID)
		E(e, "\t\t\tif (rc == STRATA_OK) rc = strata_bind_uuid(st, i++, &key->v);\n");
	else
		E(e, "\t\t\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, key->v);\n");
	E(e, "\t\t}\n");
	if (scoped(tg)) {
		if (tg->owner_table->pk_kind == GK_UUID)
			E(e, "\t\tif (rc == STRATA_OK) rc = strata_bind_uuid(st, i++, &owner.v);\n");
		else
			E(e, "\t\tif (rc == STRATA_OK) rc = strata_bind_int64(st, i++, owner.v);\n");
	}
	if (kind == STRATA_REL_MANY_TO_ONE) {
		E(e, "\t\twhile (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {\n");
		E(e, "\t\t\t%s *row = strata_arena_alloc(list->arena, sizeof *row);\n", tg->type);
		E(e, "\t\t\tif (!row) {\n\t\t\t\trc = STRATA_ENOMEM;\n\t\t\t\tbreak;\n\t\t\t}\n");
		E(e, "\t\t\tif ((rc = read_%s(st, 0, list->arena, row)) != STRATA_OK)\n\t\t\t\tbreak;\n", tg->type);
		E(e, "\t\t\tfor (size_t k = start; k < end; k++)\n\t\t\t\tif (%s && memcmp(&%s, &row->%s, sizeof row->%s) == 0)\n"
		     "\t\t\t\t\tlist->items[k].%s = row;\n",
		  has, val, tg->pk->field, tg->pk->field, gr->field);
		E(e, "\t\t}\n");
	} else {
		/* read every row with its key, then hand each item its run */
		E(e, "\t\t%s *rows = NULL;\n\t\t%s *keys = NULL;\n\t\tsize_t nrows = 0, cap = 0;\n", tg->type, g->id_type);
		E(e, "\t\twhile (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {\n");
		E(e, "\t\t\tif (nrows == cap) {\n\t\t\t\tcap = cap ? cap * 2 : 32;\n"
		     "\t\t\t\t%s *nr = realloc(rows, cap * sizeof *nr);\n\t\t\t\tif (nr)\n\t\t\t\t\trows = nr;\n"
		     "\t\t\t\t%s *nk = realloc(keys, cap * sizeof *nk);\n\t\t\t\tif (nk)\n\t\t\t\t\tkeys = nk;\n"
		     "\t\t\t\tif (!nr || !nk) {\n\t\t\t\t\trc = strata_error_set(STRATA_ENOMEM, \"out of memory\");\n\t\t\t\t\tbreak;\n\t\t\t\t}\n\t\t\t}\n",
		  tg->type, g->id_type);
		if (kind == STRATA_REL_MANY_TO_MANY) {
			if (g->pk_kind == GK_UUID)
				E(e, "\t\t\tif ((rc = strata_column_uuid(st, 0, &keys[nrows].v)) != STRATA_OK)\n\t\t\t\tbreak;\n");
			else
				E(e, "\t\t\tif ((rc = strata_column_int64(st, 0, &keys[nrows].v)) != STRATA_OK)\n\t\t\t\tbreak;\n");
			E(e, "\t\t\tif ((rc = read_%s(st, 1, list->arena, &rows[nrows])) != STRATA_OK)\n\t\t\t\tbreak;\n", tg->type);
		} else {
			fk_expr(near, "rows[nrows]", has, sizeof has, val, sizeof val);
			E(e, "\t\t\tif ((rc = read_%s(st, 0, list->arena, &rows[nrows])) != STRATA_OK)\n\t\t\t\tbreak;\n", tg->type);
			E(e, "\t\t\tif (!(%s))\n\t\t\t\tcontinue;\n\t\t\tkeys[nrows] = %s;\n", has, val);
		}
		E(e, "\t\t\tnrows++;\n\t\t}\n\t\tif (rc == STRATA_DONE)\n\t\t\trc = STRATA_OK;\n");
		E(e, "\t\tfor (size_t k = start; rc == STRATA_OK && k < end; k++) {\n\t\t\tsize_t count = 0;\n");
		E(e, "\t\t\tfor (size_t r = 0; r < nrows; r++)\n\t\t\t\tcount += memcmp(&keys[r], &list->items[k].%s, sizeof keys[r]) == 0;\n",
		  g->pk->field);
		E(e, "\t\t\tlist->items[k].n%s = 0;\n\t\t\tlist->items[k].%s = NULL;\n", gr->field, gr->field);
		E(e, "\t\t\tif (count == 0) {\n\t\t\t\tlist->items[k].%s = strata_arena_alloc(list->arena, sizeof(%s));\n"
		     "\t\t\t\tif (!list->items[k].%s)\n\t\t\t\t\trc = STRATA_ENOMEM;\n\t\t\t\tcontinue;\n\t\t\t}\n",
		  gr->field, tg->type, gr->field);
		E(e, "\t\t\t%s *run = strata_arena_alloc(list->arena, count * sizeof *run);\n", tg->type);
		E(e, "\t\t\tif (!run) {\n\t\t\t\trc = STRATA_ENOMEM;\n\t\t\t\tbreak;\n\t\t\t}\n");
		E(e, "\t\t\tfor (size_t r = 0; r < nrows; r++)\n\t\t\t\tif (memcmp(&keys[r], &list->items[k].%s, sizeof keys[r]) == 0)\n"
		     "\t\t\t\t\trun[list->items[k].n%s++] = rows[r];\n",
		  g->pk->field, gr->field);
		E(e, "\t\t\tlist->items[k].%s = run;\n\t\t}\n\t\tfree(rows);\n\t\tfree(keys);\n", gr->field);
	}
	E(e, "\t\tif (rc == STRATA_DONE)\n\t\t\trc = STRATA_OK;\n\t\tstrata_finalize(st);\n\t}\n\treturn rc;\n}\n");
}

static void emit_json(emitter *e, const gtable *g)
{
	const char *T = g->type;
	E(e, "\nstatic int json_%s(strata_json_builder *o, const %s *row)\n{\n\tint rc = STRATA_OK;\n", T, T);
	for (int c = 0; c < g->ncols; c++) {
		const gcol *gc = &g->cols[c];
		char v[200];
		snprintf(v, sizeof v, gc->opt ? "row->%s.v" : "row->%s", gc->field);
		const char *in = "\t";
		if (gc->opt) {
			E(e, "\tif (rc == STRATA_OK && !row->%s.has)\n\t\trc = strata_json_set_null(o, \"%s\");\n\telse ", gc->field,
			  gc->name);
			in = "";
		}
		E(e, "%sif (rc == STRATA_OK)\n\t\trc = ", in);
		switch (gc->kind) {
		case GK_I32:
		case GK_I64: E(e, "strata_json_set_int(o, \"%s\", %s);\n", gc->name, v); break;
		case GK_BOOL: E(e, "strata_json_set_bool(o, \"%s\", %s);\n", gc->name, v); break;
		case GK_DOUBLE: E(e, "strata_json_set_double(o, \"%s\", %s);\n", gc->name, v); break;
		case GK_TEXT: E(e, "strata_json_set_text(o, \"%s\", %s);\n", gc->name, v); break;
		case GK_JSON: E(e, "strata_json_set_raw(o, \"%s\", %s);\n", gc->name, v); break;
		case GK_BYTES: E(e, "strata_json_set_bytes(o, \"%s\", &%s);\n", gc->name, v); break;
		case GK_TS: E(e, "strata_json_set_timestamp(o, \"%s\", %s);\n", gc->name, v); break;
		case GK_UUID: E(e, "strata_json_set_uuid(o, \"%s\", &%s);\n", gc->name, v); break;
		case GK_ENUM: E(e, "strata_json_set_text(o, \"%s\", %s_name(%s));\n", gc->name, gc->en->type, v); break;
		case GK_ID:
			if (gc->id_kind == GK_UUID)
				E(e, "strata_json_set_uuid(o, \"%s\", &%s.v);\n", gc->name, v);
			else
				E(e, "strata_json_set_int(o, \"%s\", %s.v);\n", gc->name, v);
			break;
		case GK_TEXT_ARR: E(e, "strata_json_set_text_array(o, \"%s\", &%s);\n", gc->name, v); break;
		case GK_INT_ARR: E(e, "strata_json_set_int_array(o, \"%s\", &%s);\n", gc->name, v); break;
		case GK_FLOAT_ARR: E(e, "strata_json_set_float_array(o, \"%s\", &%s);\n", gc->name, v); break;
		}
	}
	for (int r = 0; r < g->nrels; r++) {
		const grel *gr = &g->rels[r];
		const char *TT = gr->target->type;
		if (gr->rel->kind == STRATA_REL_MANY_TO_ONE) {
			E(e, "\tif (rc == STRATA_OK && row->%s) {\n\t\tstrata_json_builder *c = strata_json_new_object();\n", gr->field);
			E(e, "\t\trc = c ? json_%s(c, row->%s) : STRATA_ENOMEM;\n", TT, gr->field);
			E(e, "\t\tif (rc == STRATA_OK)\n\t\t\trc = strata_json_set_child(o, \"%s\", c);\n\t\telse\n\t\t\tstrata_json_free(c);\n\t}\n",
			  gr->field);
		} else {
			E(e, "\tif (rc == STRATA_OK && row->%s) {\n\t\tstrata_json_builder *arr = strata_json_new_array();\n", gr->field);
			E(e, "\t\tif (!arr)\n\t\t\trc = STRATA_ENOMEM;\n");
			E(e, "\t\tfor (size_t k = 0; rc == STRATA_OK && k < row->n%s; k++) {\n", gr->field);
			E(e, "\t\t\tstrata_json_builder *c = strata_json_new_object();\n\t\t\trc = c ? json_%s(c, &row->%s[k]) : STRATA_ENOMEM;\n",
			  TT, gr->field);
			E(e, "\t\t\tif (rc == STRATA_OK)\n\t\t\t\trc = strata_json_set_child(arr, NULL, c);\n\t\t\telse\n\t\t\t\tstrata_json_free(c);\n\t\t}\n");
			E(e, "\t\tif (rc == STRATA_OK)\n\t\t\trc = strata_json_set_child(o, \"%s\", arr);\n\t\telse\n\t\t\tstrata_json_free(arr);\n\t}\n",
			  gr->field);
		}
	}
	E(e, "\treturn rc;\n}\n");
	E(e, "\nint %s_to_json(const %s *row, char **out)\n{\n\t*out = NULL;\n\tstrata_json_builder *o = strata_json_new_object();\n", T, T);
	E(e, "\tif (!o)\n\t\treturn STRATA_ENOMEM;\n\tint rc = json_%s(o, row);\n", T);
	E(e, "\tif (rc != STRATA_OK) {\n\t\tstrata_json_free(o);\n\t\treturn rc;\n\t}\n\treturn strata_json_finish(o, out);\n}\n");
	E(e, "\nint %s_page_to_json(const %s_page *list, char **out)\n{\n\t*out = NULL;\n\tstrata_json_builder *arr = strata_json_new_array();\n",
	  T, T);
	E(e, "\tint rc = arr ? STRATA_OK : STRATA_ENOMEM;\n\tfor (size_t k = 0; rc == STRATA_OK && k < list->n; k++) {\n");
	E(e, "\t\tstrata_json_builder *o = strata_json_new_object();\n\t\trc = o ? json_%s(o, &list->items[k]) : STRATA_ENOMEM;\n", T);
	E(e, "\t\tif (rc == STRATA_OK)\n\t\t\trc = strata_json_set_child(arr, NULL, o);\n\t\telse\n\t\t\tstrata_json_free(o);\n\t}\n");
	E(e, "\tif (rc != STRATA_OK) {\n\t\tstrata_json_free(arr);\n\t\treturn rc;\n\t}\n\treturn strata_json_finish(arr, out);\n}\n");
}

static void emit_source(emitter *e, const strata_gen_options *o, const char *basename, const char *schema_text)
{
	const gmodel *m = e->m;
	E(e, "/* Generated by `strata gen c` from %s.  Do not edit. */\n",
	  o->schema_file && *o->schema_file ? o->schema_file : (m->s->file && *m->s->file ? m->s->file : "a schema"));
	E(e, "#include \"%s.h\"\n\n#include <stddef.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n", basename);
	E(e, "static inline int backend_index(strata_db *db)\n{\n\treturn strata_db_backend(db) == STRATA_BACKEND_POSTGRES;\n}\n\n");
	E(e, "static inline bool uuid_is_zero(const strata_uuid *u)\n{\n\tfor (int k = 0; k < 16; k++)\n\t\tif (u->bytes[k])\n"
	     "\t\t\treturn false;\n\treturn true;\n}\n\n");
	for (int i = 0; i < m->nenums; i++)
		emit_enum_defs(e, &m->enums[i]);
	for (int i = 0; i < m->ntables; i++) {
		const gtable *g = &m->tables[i];
		E(e, "static int read_%s(strata_stmt *st, int base, strata_arena *a, %s *row);\n", g->type, g->type);
		E(e, "static int json_%s(strata_json_builder *o, const %s *row);\n", g->type, g->type);
	}
	for (int i = 0; i < m->ntables; i++) {
		const gtable *g = &m->tables[i];
		E(e, "\n/* ---- %s ---- */\n\n", g->name);
		emit_read_fn(e, g);
		emit_defaults_fn(e, g);
		emit_insert(e, g);
		emit_get(e, g);
		emit_update(e, g);
		emit_deletes(e, g);
		emit_where_fns(e, g);
		emit_list(e, g);
		for (int r = 0; r < g->nrels; r++)
			emit_load(e, g, &g->rels[r]);
		emit_json(e, g);
		for (int u = 0; u < g->t->nunscoped && e->rc == STRATA_OK; u++) {
			gtable v;
			char *fn = NULL;
			if ((e->rc = make_variant(g, g->t->unscoped[u], &v, &fn)) != STRATA_OK)
				break;
			E(e, "\n/* ---- %s: unscoped %s ---- */\n", g->name, g->t->unscoped[u]);
			emit_get(e, &v);
			emit_where_fns(e, &v);
			emit_list(e, &v);
			free(fn);
		}
	}
	E(e, "\nconst char %sschema_text[] =\n", e->P);
	const char *p = schema_text ? schema_text : "";
	while (*p && e->rc == STRATA_OK) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
		char *line = strata__strndup(p, n);
		if (!line) {
			e->rc = STRATA_ENOMEM;
			break;
		}
		E(e, "\t\"");
		E_cstr(e, line);
		E(e, "\"\n");
		free(line);
		p += n;
	}
	E(e, "\t\"\";\n");
	E(e, "\nint %sschema_check(strata_db *db)\n{\n\treturn strata_schema_check(db, %sschema_text);\n}\n", e->P, e->P);
}

int strata_gen_c(const strata_schema *schema, const char *schema_text, const strata_gen_options *opts, char **header,
		 char **source)
{
	static const strata_gen_options defaults = STRATA_GEN_OPTIONS_INIT;
	if (!header || !source)
		return strata__error_set(STRATA_EINVAL, "strata_gen_c: header or source is NULL");
	*header = *source = NULL;
	if (!schema)
		return strata__error_set(STRATA_EINVAL, "strata_gen_c: schema is NULL");
	if (!opts)
		opts = &defaults;
	if (opts->version != STRATA_GEN_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "strata_gen_c: options version %u is not %d", opts->version,
					 STRATA_GEN_OPTIONS_VERSION);
	const char *basename = opts->basename && *opts->basename ? opts->basename : "db";
	gmodel m;
	int rc = strata__gen_model_build(&m, schema, opts->prefix);
	if (rc != STRATA_OK) {
		strata__gen_model_free(&m);
		return rc;
	}
	strata_buf h = STRATA_BUF_INIT, c = STRATA_BUF_INIT;
	emitter e = { &h, STRATA_OK, &m, m.prefix };
	char guard[256];
	size_t gl = 0;
	for (const char *p = m.prefix; *p && gl < 100; p++)
		guard[gl++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	for (const char *p = basename; *p && gl < 200; p++)
		guard[gl++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? *p : '_'));
	snprintf(guard + gl, sizeof guard - gl, "_GENERATED_H");
	emit_header(&e, opts, guard);
	if (e.rc == STRATA_OK) {
		e.out = &c;
		emit_source(&e, opts, basename, schema_text);
	}
	rc = e.rc;
	strata__gen_model_free(&m);
	if (rc != STRATA_OK) {
		strata__buf_free(&h);
		strata__buf_free(&c);
		return rc;
	}
	*header = strata__buf_detach(&h);
	*source = strata__buf_detach(&c);
	if (!*header || !*source) {
		free(*header);
		free(*source);
		*header = *source = NULL;
		return STRATA_ENOMEM;
	}
	return STRATA_OK;
}
