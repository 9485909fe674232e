/*
 * The PostgreSQL adapter of migration linting: each statement is parsed
 * with PostgreSQL's own parser (libpg_query's pg_query_parse, a JSON parse
 * tree), and the tree is walked with jansson into the statement's effects
 * (lint/mig.h).  No rule lives here: the rules (migrules.c) judge the
 * effects.  A statement that does not parse is reported as invalid-sql.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lint/mig.h"

#ifdef STRATA_HAVE_PG_QUERY
#include "lint/pgquery.h"
#endif

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static bool jtrue(json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

/* The single key of a node ({"CreateStmt": {...}}) and its body. */
static const char *node(json_t *n, json_t **body)
{
	const char *k = NULL;
	json_t *v = NULL;
	if (json_is_object(n) && json_object_size(n) == 1) {
		void *it = json_object_iter(n);
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
	}
	*body = v;
	return k ? k : "";
}

/* A qualified name list ([{"String":{"sval":"x"}}, ...]): its last part. */
static const char *last_name(json_t *list)
{
	size_t n = json_array_size(list);
	if (!n)
		return "";
	json_t *body;
	const char *k = node(json_array_get(list, n - 1), &body);
	if (strcmp(k, "String") == 0)
		return jstr(body, "sval");
	return "";
}

/* A TypeName as "varchar(10)", "int4[]", "numeric(10,2)". */
static void type_str(json_t *tn, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "%s", last_name(json_object_get(tn, "names")));
	json_t *mods = json_object_get(tn, "typmods");
	for (size_t i = 0; i < json_array_size(mods) && n < cap; i++) {
		json_t *body;
		const char *k = node(json_array_get(mods, i), &body);
		long v = 0;
		if (strcmp(k, "A_Const") == 0)
			v = (long)json_integer_value(json_object_get(json_object_get(body, "ival"), "ival"));
		n += (size_t)snprintf(buf + n, cap - n, "%s%ld", i ? "," : "(", v);
		if (i + 1 == json_array_size(mods) && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, ")");
	}
	if (json_array_size(json_object_get(tn, "arrayBounds")) && n < cap)
		snprintf(buf + n, cap - n, "[]");
}

/* The length in the source of the identifier at byte `loc` of the statement (PostgreSQL truncates it at 63). */
static size_t ident_len(const lint_stmt *st, json_t *loc)
{
	if (!json_is_integer(loc))
		return 0;
	json_int_t at = json_integer_value(loc);
	if (at < 0 || (size_t)at >= st->len)
		return 0;
	const char *p = st->sql + at, *e = st->sql + st->len;
	if (*p == '"') {
		const char *q = p + 1;
		while (q < e && *q != '"')
			q++;
		return (size_t)(q - p - 1);
	}
	const char *q = p;
	while (q < e && (isalnum((unsigned char)*q) || *q == '_' || *q == '$' || (unsigned char)*q >= 0x80))
		q++;
	return (size_t)(q - p);
}

static bool volatile_func(const char *f)
{
	static const char *const v[] = {
		"random",          "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
		"clock_timestamp", "timeofday",       "nextval",          "txid_current",       NULL
	};
	for (const char *const *p = v; *p; p++)
		if (strcmp(f, *p) == 0)
			return true;
	return false;
}

/* Append an effect of the statement to the section being read. */
static int add(lint_file *f, const lint_stmt *st, lint_effect *x)
{
	x->line = st->line;
	x->col = st->col;
	return strata__lint_eff_add(strata__lint_file_effects(f), x);
}

/* A column definition (CREATE TABLE or ADD COLUMN) as an effect of `op`. */
static int column_def(lint_file *f, const lint_stmt *st, lint_op op, const char *table, json_t *cd, unsigned flags)
{
	char type[96];
	type_str(json_object_get(cd, "typeName"), type, sizeof type);
	lint_effect x = { .op = op,
			  .flags = flags,
			  .table = (char *)table,
			  .name = (char *)jstr(cd, "colname"),
			  .type = type,
			  .name_len = ident_len(st, json_object_get(cd, "location")) };
	json_t *cons = json_object_get(cd, "constraints");
	for (size_t i = 0; i < json_array_size(cons); i++) {
		json_t *c;
		node(json_array_get(cons, i), &c);
		const char *ct = jstr(c, "contype");
		if (!strcmp(ct, "CONSTR_NOTNULL") || !strcmp(ct, "CONSTR_PRIMARY"))
			x.flags |= LINT_F_NOT_NULL;
		else if (!strcmp(ct, "CONSTR_IDENTITY") || !strcmp(ct, "CONSTR_GENERATED"))
			x.flags |= LINT_F_IDENTITY;
		else if (!strcmp(ct, "CONSTR_DEFAULT")) {
			x.flags |= LINT_F_DEFAULT;
			json_t *fc;
			if (strcmp(node(json_object_get(c, "raw_expr"), &fc), "FuncCall") == 0 &&
			    volatile_func(last_name(json_object_get(fc, "funcname"))))
				x.flags |= LINT_F_VOLATILE;
		}
	}
	return add(f, st, &x);
}

static int alter_table(lint_file *f, const lint_stmt *st, json_t *a)
{
	const char *table = jstr(json_object_get(a, "relation"), "relname");
	if (strcmp(jstr(a, "objtype"), "OBJECT_TABLE") != 0)
		return STRATA_OK;
	json_t *cmds = json_object_get(a, "cmds");
	int rc = STRATA_OK;
	for (size_t i = 0; i < json_array_size(cmds) && rc == STRATA_OK; i++) {
		json_t *cmd;
		if (strcmp(node(json_array_get(cmds, i), &cmd), "AlterTableCmd") != 0)
			continue;
		const char *sub = jstr(cmd, "subtype");
		lint_effect x = { .op = LINT_OP_ALTER_OTHER, .table = (char *)table, .name = (char *)jstr(cmd, "name") };
		if (jtrue(cmd, "missing_ok"))
			x.flags |= LINT_F_IF_EXISTS;
		if (!strcmp(sub, "AT_AddColumn")) {
			json_t *cd;
			node(json_object_get(cmd, "def"), &cd);
			rc = column_def(f, st, LINT_OP_ADD_COLUMN, table, cd, x.flags);
			continue;
		}
		char type[96];
		if (!strcmp(sub, "AT_DropColumn")) {
			x.op = LINT_OP_DROP_COLUMN;
		} else if (!strcmp(sub, "AT_AlterColumnType")) {
			json_t *cd;
			node(json_object_get(cmd, "def"), &cd);
			type_str(json_object_get(cd, "typeName"), type, sizeof type);
			x.op = LINT_OP_ALTER_TYPE;
			x.type = type;
		} else if (!strcmp(sub, "AT_SetNotNull")) {
			x.op = LINT_OP_SET_NOT_NULL;
		} else if (!strcmp(sub, "AT_AddConstraint")) {
			json_t *c;
			node(json_object_get(cmd, "def"), &c);
			const char *ct = jstr(c, "contype");
			x.op = LINT_OP_ADD_CONSTRAINT;
			x.name = *jstr(c, "conname") ? (char *)jstr(c, "conname") : NULL;
			x.flags |= !strcmp(ct, "CONSTR_FOREIGN")   ? LINT_F_FOREIGN
				   : !strcmp(ct, "CONSTR_CHECK")   ? LINT_F_CHECK
				   : !strcmp(ct, "CONSTR_UNIQUE")  ? LINT_F_UNIQUE
				   : !strcmp(ct, "CONSTR_PRIMARY") ? LINT_F_PRIMARY
								   : 0u;
			if (jtrue(c, "skip_validation"))
				x.flags |= LINT_F_NOT_VALID;
			if (*jstr(c, "indexname"))
				x.flags |= LINT_F_USING_INDEX;
		}
		rc = add(f, st, &x);
	}
	return rc;
}

static int create_table(lint_file *f, const lint_stmt *st, json_t *c)
{
	json_t *rel = json_object_get(c, "relation");
	const char *table = jstr(rel, "relname");
	lint_effect x = { .op = LINT_OP_CREATE_TABLE,
			  .table = (char *)table,
			  .name_len = ident_len(st, json_object_get(rel, "location")) };
	if (jtrue(c, "if_not_exists"))
		x.flags |= LINT_F_IF_EXISTS;
	int rc = add(f, st, &x);
	json_t *elts = json_object_get(c, "tableElts");
	for (size_t i = 0; i < json_array_size(elts) && rc == STRATA_OK; i++) {
		json_t *cd;
		if (strcmp(node(json_array_get(elts, i), &cd), "ColumnDef") == 0)
			rc = column_def(f, st, LINT_OP_DEF_COLUMN, table, cd, 0);
	}
	return rc;
}

static int index_stmt(lint_file *f, const lint_stmt *st, json_t *ix)
{
	const char *name = jstr(ix, "idxname");
	lint_effect x = { .op = LINT_OP_CREATE_INDEX,
			  .table = (char *)jstr(json_object_get(ix, "relation"), "relname"),
			  .name = *name ? (char *)name : NULL };
	if (jtrue(ix, "concurrent"))
		x.flags |= LINT_F_CONCURRENTLY;
	if (jtrue(ix, "if_not_exists"))
		x.flags |= LINT_F_IF_EXISTS;
	return add(f, st, &x);
}

static void drop_name(json_t *obj, char *buf, size_t cap)
{
	json_t *body;
	const char *k = node(obj, &body);
	if (!strcmp(k, "List"))
		snprintf(buf, cap, "%s", last_name(json_object_get(body, "items")));
	else if (!strcmp(k, "String"))
		snprintf(buf, cap, "%s", jstr(body, "sval"));
	else if (!strcmp(k, "TypeName"))
		snprintf(buf, cap, "%s", last_name(json_object_get(body, "names")));
	else
		snprintf(buf, cap, "?");
}

static int drop_stmt(lint_file *f, const lint_stmt *st, json_t *d)
{
	const char *type = jstr(d, "removeType");
	const char *what = strncmp(type, "OBJECT_", 7) == 0 ? type + 7 : type;
	json_t *objs = json_object_get(d, "objects");
	unsigned flags = (jtrue(d, "missing_ok") ? LINT_F_IF_EXISTS : 0u) |
			 (jtrue(d, "concurrent") ? LINT_F_CONCURRENTLY : 0u) |
			 (!strcmp(jstr(d, "behavior"), "DROP_CASCADE") ? LINT_F_CASCADE : 0u);
	int rc = STRATA_OK;
	for (size_t i = 0; i < json_array_size(objs) && rc == STRATA_OK; i++) {
		char name[128];
		drop_name(json_array_get(objs, i), name, sizeof name);
		lint_effect x = { .op = LINT_OP_DROP_OTHER, .flags = flags, .name = name, .what = (char *)what };
		if (!strcmp(type, "OBJECT_TABLE")) {
			x.op = LINT_OP_DROP_TABLE;
			x.table = name;
			x.name = NULL;
		} else if (!strcmp(type, "OBJECT_INDEX")) {
			x.op = LINT_OP_DROP_INDEX;
		}
		rc = add(f, st, &x);
	}
	return rc;
}

static int rename_stmt(lint_file *f, const lint_stmt *st, json_t *r)
{
	const char *type = jstr(r, "renameType");
	lint_effect x = { .table = (char *)jstr(json_object_get(r, "relation"), "relname"),
			  .to = (char *)jstr(r, "newname") };
	if (!strcmp(type, "OBJECT_TABLE")) {
		x.op = LINT_OP_RENAME_TABLE;
	} else if (!strcmp(type, "OBJECT_COLUMN")) {
		x.op = LINT_OP_RENAME_COLUMN;
		x.name = (char *)jstr(r, "subname");
	} else {
		return STRATA_OK;
	}
	return add(f, st, &x);
}

/* A SET of a timeout: to something other than 0? */
static bool nonzero_value(json_t *v)
{
	json_t *args = json_object_get(v, "args");
	if (!json_array_size(args))
		return false;
	json_t *c;
	if (strcmp(node(json_array_get(args, 0), &c), "A_Const") != 0)
		return true;
	json_t *iv = json_object_get(c, "ival");
	if (iv)
		return json_integer_value(json_object_get(iv, "ival")) != 0;
	const char *s = json_string_value(json_object_get(json_object_get(c, "sval"), "sval"));
	return s && strcmp(s, "0") != 0;
}

static int walk(lint_file *f, const lint_stmt *st, json_t *stmt)
{
	json_t *b;
	const char *k = node(stmt, &b);
	if (!strcmp(k, "CreateStmt"))
		return create_table(f, st, b);
	if (!strcmp(k, "IndexStmt"))
		return index_stmt(f, st, b);
	if (!strcmp(k, "DropStmt"))
		return drop_stmt(f, st, b);
	if (!strcmp(k, "AlterTableStmt"))
		return alter_table(f, st, b);
	if (!strcmp(k, "RenameStmt"))
		return rename_stmt(f, st, b);
	if (!strcmp(k, "TruncateStmt")) {
		json_t *rels = json_object_get(b, "relations");
		unsigned flags = !strcmp(jstr(b, "behavior"), "DROP_CASCADE") ? LINT_F_CASCADE : 0u;
		int rc = STRATA_OK;
		for (size_t i = 0; i < json_array_size(rels) && rc == STRATA_OK; i++) {
			json_t *rv;
			node(json_array_get(rels, i), &rv);
			lint_effect x = { .op = LINT_OP_TRUNCATE, .flags = flags, .table = (char *)jstr(rv, "relname") };
			rc = add(f, st, &x);
		}
		return rc;
	}
	if (!strcmp(k, "DeleteStmt") || !strcmp(k, "UpdateStmt")) {
		lint_effect x = { .op = k[0] == 'D' ? LINT_OP_DELETE : LINT_OP_UPDATE,
				  .table = (char *)jstr(json_object_get(b, "relation"), "relname"),
				  .flags = json_object_get(b, "whereClause") ? LINT_F_WHERE : 0u };
		return add(f, st, &x);
	}
	if (!strcmp(k, "VariableSetStmt")) {
		lint_effect x = { .op = LINT_OP_SET,
				  .name = (char *)jstr(b, "name"),
				  .flags = nonzero_value(b) ? LINT_F_NONZERO : 0u };
		return add(f, st, &x);
	}
	return STRATA_OK;
}

int strata__lint_pg_stmt(lint_file *f, const lint_stmt *st)
{
#ifdef STRATA_HAVE_PG_QUERY
	int rc = strata__pg_query_load();
	if (rc != STRATA_OK)
		return rc;
	PgQueryParseResult res = pg_query_parse(st->sql);
	if (res.error) {
		int line = st->line, col = st->col;
		if (res.error->cursorpos > 0) {
			int dl, dc;
			strata__lint_linecol(st->sql, (size_t)res.error->cursorpos - 1, &dl, &dc);
			line += dl - 1;
			col = dl == 1 ? col + dc - 1 : dc;
		}
		rc = strata__lint_emit(f->ctx, R_INVALID_SQL, line, col, NULL, "PostgreSQL cannot parse this: %s",
				       res.error->message);
		pg_query_free_parse_result(res);
		return rc;
	}
	json_error_t jerr;
	json_t *root = json_loads(res.parse_tree, 0, &jerr);
	pg_query_free_parse_result(res);
	if (!root)
		return strata__error_set(STRATA_ENOMEM, "lint: cannot read the parse tree: %s", jerr.text);
	json_t *stmts = json_object_get(root, "stmts");
	for (size_t i = 0; i < json_array_size(stmts) && rc == STRATA_OK; i++)
		rc = walk(f, st, json_object_get(json_array_get(stmts, i), "stmt"));
	json_decref(root);
	return rc;
#else
	(void)walk;
	(void)f;
	(void)st;
	return STRATA_OK;
#endif
}
