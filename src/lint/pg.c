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

static bool ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
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
	while (q < e && ident_char((unsigned char)*q))
		q++;
	return (size_t)(q - p);
}

/*
 * The length in the source of a name the parser gives without a position:
 * a name shorter than 63 bytes is whole; one of 63 may have been truncated,
 * so the longest identifier of the statement that starts with it counts.
 */
static size_t name_len(const lint_stmt *st, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 63)
		return n;
	size_t best = n;
	for (size_t i = 0; i + n <= st->len; i++) {
		const char *p = st->sql + i;
		bool quoted = *p == '"';
		const char *s = quoted ? p + 1 : p;
		if (!quoted && i > 0 && ident_char((unsigned char)p[-1]))
			continue;
		if ((size_t)(st->sql + st->len - s) < n || !strata__lint_ieqn(s, name, n))
			continue;
		const char *q = s;
		while (q < st->sql + st->len && (quoted ? *q != '"' : ident_char((unsigned char)*q)))
			q++;
		if ((size_t)(q - s) > best)
			best = (size_t)(q - s);
	}
	return best;
}

/* The relation of a RangeVar; F_QUALIFIED into *flags when it names its schema. */
static const char *relname(json_t *rv, unsigned *flags)
{
	if (flags && *jstr(rv, "schemaname"))
		*flags |= LINT_F_QUALIFIED;
	return jstr(rv, "relname");
}

/*
 * Functions whose value is the same for every row of one statement
 * (immutable or stable), with the number of arguments they take that way
 * (-1: any).  Anything else in a default counts as volatile.
 */
static bool stable_func(const char *f, size_t nargs)
{
	static const struct {
		const char *name;
		int nargs;
	} ok[] = {
		{ "now", 0 },
		{ "transaction_timestamp", 0 },
		{ "statement_timestamp", 0 },
		{ "current_setting", -1 },
		{ "lower", -1 },
		{ "upper", -1 },
		{ "btrim", -1 },
		{ "ltrim", -1 },
		{ "rtrim", -1 },
		{ "length", -1 },
		{ "char_length", -1 },
		{ "octet_length", -1 },
		{ "abs", -1 },
		{ "round", -1 },
		{ "floor", -1 },
		{ "ceil", -1 },
		{ "ceiling", -1 },
		{ "trunc", -1 },
		{ "concat", -1 },
		{ "concat_ws", -1 },
		{ "substr", -1 },
		{ "substring", -1 },
		{ "replace", -1 },
		{ "left", -1 },
		{ "right", -1 },
		{ "lpad", -1 },
		{ "rpad", -1 },
		{ "md5", -1 },
		{ "to_char", -1 },
		{ "to_date", -1 },
		{ "to_timestamp", -1 },
		{ "to_number", -1 },
		{ "date_trunc", -1 },
		{ "date_part", -1 },
		{ "extract", -1 },
		{ "make_date", -1 },
		{ "make_time", -1 },
		{ "make_timestamp", -1 },
		{ "make_timestamptz", -1 },
		{ "make_interval", -1 },
		{ "timezone", -1 },
		{ "jsonb_build_object", -1 },
		{ "jsonb_build_array", -1 },
		{ "json_build_object", -1 },
		{ "json_build_array", -1 },
		{ "to_jsonb", -1 },
		{ "to_json", -1 },
		{ "array_fill", -1 },
		{ "format", -1 },
		{ "initcap", -1 },
		{ "repeat", -1 },
		{ "split_part", -1 },
		{ "age", 2 },
		{ "power", -1 },
		{ "sqrt", -1 },
		{ "mod", -1 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (!strcmp(f, ok[i].name))
			return ok[i].nargs == -1 || (ok[i].nargs >= 0 && (size_t)ok[i].nargs == nargs);
	return false;
}

/* Could the expression give each row a different value (a function not known to be stable, a subquery)? */
static bool volatile_expr(json_t *n)
{
	if (json_is_array(n)) {
		for (size_t i = 0; i < json_array_size(n); i++)
			if (volatile_expr(json_array_get(n, i)))
				return true;
		return false;
	}
	if (!json_is_object(n))
		return false;
	const char *k;
	json_t *v;
	json_object_foreach(n, k, v)
	{
		if (!strcmp(k, "SubLink"))
			return true;
		if (!strcmp(k, "FuncCall")) {
			json_t *args = json_object_get(v, "args");
			if (!stable_func(last_name(json_object_get(v, "funcname")), json_array_size(args)))
				return true;
		}
		if (volatile_expr(v))
			return true;
	}
	return false;
}

/* Append an effect of the statement to the section being read (at the statement, unless it has a place). */
static int add(lint_file *f, const lint_stmt *st, lint_effect *x)
{
	if (!x->line) {
		x->line = st->line;
		x->col = st->col;
	}
	return strata__lint_eff_add(strata__lint_file_effects(f), x);
}

/* Put the effect at byte `loc` of the statement. */
static void place(const lint_stmt *st, json_t *loc, lint_effect *x)
{
	if (json_is_integer(loc) && json_integer_value(loc) >= 0)
		strata__lint_stmt_pos(st, (size_t)json_integer_value(loc), &x->line, &x->col);
}

static unsigned contype_flag(const char *ct)
{
	return !strcmp(ct, "CONSTR_FOREIGN")   ? LINT_F_FOREIGN
	       : !strcmp(ct, "CONSTR_CHECK")   ? LINT_F_CHECK
	       : !strcmp(ct, "CONSTR_UNIQUE")  ? LINT_F_UNIQUE
	       : !strcmp(ct, "CONSTR_PRIMARY") ? LINT_F_PRIMARY
					       : 0u;
}

/* Is `col` one of the String nodes of `list`? */
static bool in_names(json_t *list, const char *col)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *b;
		if (!strcmp(node(json_array_get(list, i), &b), "String") && strata__lint_ieq(jstr(b, "sval"), col))
			return true;
	}
	return false;
}

/*
 * A column definition as an effect of `op` (CREATE TABLE's DEF_COLUMN or
 * ADD_COLUMN), with its own constraints; `keys` (may be NULL) are the
 * CREATE TABLE's table constraints, which mark key columns.  A named
 * constraint of the column is also a DEF_CONSTRAINT (for its name).
 */
static int column_def(lint_file *f, const lint_stmt *st, lint_op op, const char *table, json_t *cd, unsigned flags,
		      json_t *keys)
{
	char type[96];
	type_str(json_object_get(cd, "typeName"), type, sizeof type);
	const char *col = jstr(cd, "colname");
	lint_effect x = { .op = op,
			  .flags = flags,
			  .table = (char *)table,
			  .name = (char *)col,
			  .type = type,
			  .name_len = ident_len(st, json_object_get(cd, "location")) };
	if (op == LINT_OP_DEF_COLUMN)
		place(st, json_object_get(cd, "location"), &x);
	for (size_t i = 0; i < json_array_size(keys); i++) {
		json_t *c;
		node(json_array_get(keys, i), &c);
		unsigned kind = contype_flag(jstr(c, "contype"));
		if (kind == LINT_F_PRIMARY && in_names(json_object_get(c, "keys"), col))
			x.flags |= LINT_F_PRIMARY;
		else if (kind == LINT_F_FOREIGN && in_names(json_object_get(c, "fk_attrs"), col))
			x.flags |= LINT_F_FOREIGN;
	}
	json_t *cons = json_object_get(cd, "constraints");
	int rc = STRATA_OK;
	for (size_t i = 0; i < json_array_size(cons) && rc == STRATA_OK; i++) {
		json_t *c;
		node(json_array_get(cons, i), &c);
		const char *ct = jstr(c, "contype");
		unsigned kind = contype_flag(ct);
		x.flags |= kind;
		if (kind == LINT_F_PRIMARY || !strcmp(ct, "CONSTR_NOTNULL"))
			x.flags |= LINT_F_NOT_NULL;
		if (kind == LINT_F_FOREIGN)
			x.to = (char *)jstr(json_object_get(c, "pktable"), "relname");
		if (!strcmp(ct, "CONSTR_IDENTITY"))
			x.flags |= LINT_F_IDENTITY;
		else if (!strcmp(ct, "CONSTR_GENERATED"))
			x.flags |= LINT_F_STORED;
		else if (!strcmp(ct, "CONSTR_DEFAULT")) {
			x.flags |= LINT_F_DEFAULT;
			if (volatile_expr(json_object_get(c, "raw_expr")))
				x.flags |= LINT_F_VOLATILE;
		}
		if (*jstr(c, "conname")) {
			lint_effect k = { .op = LINT_OP_DEF_CONSTRAINT,
					  .flags = kind,
					  .table = (char *)table,
					  .name = (char *)jstr(c, "conname"),
					  .name_len = name_len(st, jstr(c, "conname")) };
			place(st, json_object_get(c, "location"), &k);
			rc = add(f, st, &k);
		}
	}
	return rc == STRATA_OK ? add(f, st, &x) : rc;
}

static int alter_table(lint_file *f, const lint_stmt *st, json_t *a)
{
	unsigned qual = 0;
	const char *table = relname(json_object_get(a, "relation"), &qual);
	const char *objtype = jstr(a, "objtype");
	if (!strcmp(objtype, "OBJECT_TYPE")) {
		lint_effect x = { .op = LINT_OP_ALTER_TYPE, .name = (char *)table };
		return add(f, st, &x);
	}
	if (strcmp(objtype, "OBJECT_TABLE") != 0)
		return STRATA_OK;
	json_t *cmds = json_object_get(a, "cmds");
	int rc = STRATA_OK;
	for (size_t i = 0; i < json_array_size(cmds) && rc == STRATA_OK; i++) {
		json_t *cmd;
		if (strcmp(node(json_array_get(cmds, i), &cmd), "AlterTableCmd") != 0)
			continue;
		const char *sub = jstr(cmd, "subtype");
		const char *nm = jstr(cmd, "name");
		lint_effect x = { .op = LINT_OP_ALTER_OTHER,
				  .flags = qual,
				  .table = (char *)table,
				  .name = *nm ? (char *)nm : NULL,
				  .what = (char *)sub };
		if (jtrue(cmd, "missing_ok"))
			x.flags |= LINT_F_IF_EXISTS;
		json_t *def;
		const char *dk = node(json_object_get(cmd, "def"), &def);
		if (!strcmp(sub, "AT_AddColumn")) {
			rc = column_def(f, st, LINT_OP_ADD_COLUMN, table, def, x.flags, NULL);
			continue;
		}
		char type[96];
		if (!strcmp(sub, "AT_DropColumn")) {
			x.op = LINT_OP_DROP_COLUMN;
			x.name_len = name_len(st, nm);
		} else if (!strcmp(sub, "AT_AlterColumnType")) {
			type_str(json_object_get(def, "typeName"), type, sizeof type);
			x.op = LINT_OP_SET_TYPE;
			x.type = type;
		} else if (!strcmp(sub, "AT_SetNotNull")) {
			x.op = LINT_OP_SET_NOT_NULL;
		} else if (!strcmp(sub, "AT_DropNotNull")) {
			x.op = LINT_OP_DROP_NOT_NULL;
		} else if (!strcmp(sub, "AT_ValidateConstraint")) {
			x.op = LINT_OP_VALIDATE_CONSTRAINT;
		} else if (!strcmp(sub, "AT_DropConstraint")) {
			x.op = LINT_OP_DROP_CONSTRAINT;
			x.name_len = name_len(st, nm);
		} else if (!strcmp(sub, "AT_DetachPartition") && !strcmp(dk, "PartitionCmd")) {
			x.op = LINT_OP_DETACH_PARTITION;
			x.name = (char *)relname(json_object_get(def, "name"), NULL);
			if (jtrue(def, "concurrent"))
				x.flags |= LINT_F_CONCURRENTLY;
		} else if (!strcmp(sub, "AT_AddConstraint")) {
			const char *cn = jstr(def, "conname");
			x.op = LINT_OP_ADD_CONSTRAINT;
			x.name = *cn ? (char *)cn : NULL;
			x.name_len = name_len(st, cn);
			x.flags |= contype_flag(jstr(def, "contype"));
			if (x.flags & LINT_F_FOREIGN)
				x.to = (char *)jstr(json_object_get(def, "pktable"), "relname");
			if (jtrue(def, "skip_validation"))
				x.flags |= LINT_F_NOT_VALID;
			if (*jstr(def, "indexname"))
				x.flags |= LINT_F_USING_INDEX;
		}
		rc = add(f, st, &x);
	}
	return rc;
}

static int create_table(lint_file *f, const lint_stmt *st, json_t *c)
{
	json_t *rel = json_object_get(c, "relation");
	lint_effect x = { .op = LINT_OP_CREATE_TABLE, .name_len = ident_len(st, json_object_get(rel, "location")) };
	const char *table = relname(rel, &x.flags);
	x.table = (char *)table;
	if (jtrue(c, "if_not_exists"))
		x.flags |= LINT_F_IF_EXISTS;
	int rc = add(f, st, &x);
	json_t *elts = json_object_get(c, "tableElts");
	json_t *keys = json_array();
	if (!keys)
		return strata__error_nomem();
	for (size_t i = 0; i < json_array_size(elts) && rc == STRATA_OK; i++) {
		json_t *b;
		if (strcmp(node(json_array_get(elts, i), &b), "Constraint") != 0)
			continue;
		if (json_array_append(keys, json_array_get(elts, i)) != 0)
			rc = strata__error_nomem();
		const char *cn = jstr(b, "conname");
		lint_effect k = { .op = LINT_OP_DEF_CONSTRAINT,
				  .flags = contype_flag(jstr(b, "contype")),
				  .table = (char *)table,
				  .name = *cn ? (char *)cn : NULL,
				  .name_len = name_len(st, cn) };
		if (k.flags & LINT_F_FOREIGN)
			k.to = (char *)jstr(json_object_get(b, "pktable"), "relname");
		place(st, json_object_get(b, "location"), &k);
		if (rc == STRATA_OK)
			rc = add(f, st, &k);
	}
	for (size_t i = 0; i < json_array_size(elts) && rc == STRATA_OK; i++) {
		json_t *cd;
		if (strcmp(node(json_array_get(elts, i), &cd), "ColumnDef") == 0)
			rc = column_def(f, st, LINT_OP_DEF_COLUMN, table, cd, 0, keys);
	}
	json_decref(keys);
	return rc;
}

static int index_stmt(lint_file *f, const lint_stmt *st, json_t *ix)
{
	const char *name = jstr(ix, "idxname");
	lint_effect x = { .op = LINT_OP_CREATE_INDEX,
			  .name = *name ? (char *)name : NULL,
			  .name_len = name_len(st, name) };
	x.table = (char *)relname(json_object_get(ix, "relation"), &x.flags);
	if (jtrue(ix, "concurrent"))
		x.flags |= LINT_F_CONCURRENTLY;
	if (jtrue(ix, "if_not_exists"))
		x.flags |= LINT_F_IF_EXISTS;
	if (jtrue(ix, "unique"))
		x.flags |= LINT_F_UNIQUE;
	return add(f, st, &x);
}

/* Part i from the end (0: the last) of a name list, or "". */
static const char *name_part(json_t *items, size_t back)
{
	size_t n = json_array_size(items);
	json_t *s;
	if (back >= n || strcmp(node(json_array_get(items, n - 1 - back), &s), "String") != 0)
		return "";
	return jstr(s, "sval");
}

/* The name of an object of DROP or COMMENT: its last part, and how many parts it has. */
static void object_name(json_t *obj, char *buf, size_t cap, size_t *parts)
{
	json_t *body;
	const char *k = node(obj, &body);
	*parts = 1;
	if (!strcmp(k, "List")) {
		json_t *items = json_object_get(body, "items");
		*parts = json_array_size(items);
		snprintf(buf, cap, "%s", last_name(items));
	} else if (!strcmp(k, "String")) {
		snprintf(buf, cap, "%s", jstr(body, "sval"));
	} else if (!strcmp(k, "TypeName")) {
		snprintf(buf, cap, "%s", last_name(json_object_get(body, "names")));
	} else {
		snprintf(buf, cap, "?");
	}
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
		size_t parts;
		object_name(json_array_get(objs, i), name, sizeof name, &parts);
		lint_effect x = { .op = LINT_OP_DROP_OTHER,
				  .flags = flags,
				  .name = name,
				  .what = (char *)what,
				  .name_len = name_len(st, name) };
		if (!strcmp(type, "OBJECT_TABLE")) {
			x.op = LINT_OP_DROP_TABLE;
			x.table = name;
			x.name = NULL;
			if (parts > 1)
				x.flags |= LINT_F_QUALIFIED;
		} else if (!strcmp(type, "OBJECT_INDEX")) {
			x.op = LINT_OP_DROP_INDEX;
		} else if (!strcmp(type, "OBJECT_TRIGGER") || !strcmp(type, "OBJECT_RULE") ||
			   !strcmp(type, "OBJECT_POLICY")) {
			json_t *body; /* [schema.]table.name: on the table */
			if (!strcmp(node(json_array_get(objs, i), &body), "List"))
				x.table = (char *)name_part(json_object_get(body, "items"), 1);
		}
		rc = add(f, st, &x);
	}
	return rc;
}

static int rename_stmt(lint_file *f, const lint_stmt *st, json_t *r)
{
	const char *type = jstr(r, "renameType");
	const char *to = jstr(r, "newname");
	lint_effect x = { .to = (char *)to, .name_len = name_len(st, to) };
	const char *table = relname(json_object_get(r, "relation"), &x.flags);
	if (!strcmp(type, "OBJECT_TABLE")) {
		x.op = LINT_OP_RENAME_TABLE;
		x.table = (char *)table;
	} else if (!strcmp(type, "OBJECT_COLUMN")) {
		x.op = LINT_OP_RENAME_COLUMN;
		x.table = (char *)table;
		x.name = (char *)jstr(r, "subname");
	} else {
		char name[128];
		size_t parts;
		if (*table && !*jstr(r, "subname")) {
			snprintf(name, sizeof name, "%s", table); /* ALTER INDEX/VIEW/SEQUENCE x RENAME TO y */
			table = "";
		} else if (*jstr(r, "subname")) {
			snprintf(name, sizeof name, "%s", jstr(r, "subname")); /* RENAME CONSTRAINT, TRIGGER ... */
		} else {
			object_name(json_object_get(r, "object"), name, sizeof name, &parts);
		}
		x.op = LINT_OP_RENAME_OTHER;
		x.table = (char *)table;
		x.name = name;
		x.what = (char *)(strncmp(type, "OBJECT_", 7) == 0 ? type + 7 : type);
		return add(f, st, &x);
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

/* The relations of a statement (TRUNCATE, LOCK), one effect each. */
static int relations(lint_file *f, const lint_stmt *st, json_t *rels, lint_effect *proto)
{
	int rc = STRATA_OK;
	for (size_t i = 0; i < json_array_size(rels) && rc == STRATA_OK; i++) {
		json_t *rv;
		node(json_array_get(rels, i), &rv);
		lint_effect x = *proto;
		x.table = (char *)relname(rv, &x.flags);
		rc = add(f, st, &x);
	}
	return rc;
}

static int dml(lint_file *f, const lint_stmt *st, json_t *b, bool update)
{
	lint_effect x = { .op = update ? LINT_OP_UPDATE : LINT_OP_DELETE,
			  .flags = json_object_get(b, "whereClause") ? LINT_F_WHERE : 0u };
	x.table = (char *)relname(json_object_get(b, "relation"), &x.flags);
	int rc = add(f, st, &x);
	json_t *targets = json_object_get(b, "targetList");
	for (size_t i = 0; update && i < json_array_size(targets) && rc == STRATA_OK; i++) {
		json_t *t;
		if (strcmp(node(json_array_get(targets, i), &t), "ResTarget") != 0)
			continue;
		lint_effect a = { .op = LINT_OP_ASSIGN, .table = x.table, .name = (char *)jstr(t, "name") };
		rc = add(f, st, &a);
	}
	return rc;
}

static int reindex(lint_file *f, const lint_stmt *st, json_t *b)
{
	const char *kind = jstr(b, "kind");
	const char *what = strncmp(kind, "REINDEX_OBJECT_", 15) == 0 ? kind + 15 : kind;
	lint_effect x = { .op = LINT_OP_REINDEX, .what = (char *)what };
	json_t *rel = json_object_get(b, "relation");
	x.name = (char *)(rel ? relname(rel, NULL) : jstr(b, "name"));
	json_t *params = json_object_get(b, "params");
	for (size_t i = 0; i < json_array_size(params); i++) {
		json_t *d;
		node(json_array_get(params, i), &d);
		if (!strcmp(jstr(d, "defname"), "concurrently"))
			x.flags |= LINT_F_CONCURRENTLY;
	}
	return add(f, st, &x);
}

static int vacuum(lint_file *f, const lint_stmt *st, json_t *b)
{
	lint_effect x = { .op = LINT_OP_VACUUM, .what = jtrue(b, "is_vacuumcmd") ? "VACUUM" : "ANALYZE" };
	json_t *opts = json_object_get(b, "options");
	for (size_t i = 0; i < json_array_size(opts); i++) {
		json_t *d, *arg;
		node(json_array_get(opts, i), &d);
		const char *ak = node(json_object_get(d, "arg"), &arg);
		const char *sv = jstr(arg, "sval");
		bool off = (!strcmp(ak, "Boolean") && !jtrue(arg, "boolval")) ||
			   (!strcmp(ak, "String") &&
			    (strata__lint_ieq(sv, "false") || strata__lint_ieq(sv, "off") || !strcmp(sv, "0"))) ||
			   (!strcmp(ak, "Integer") && !json_integer_value(json_object_get(arg, "ival")));
		if (!strcmp(jstr(d, "defname"), "full") && !off)
			x.flags |= LINT_F_FULL;
	}
	json_t *rels = json_object_get(b, "rels");
	if (!json_array_size(rels))
		return add(f, st, &x);
	int rc = STRATA_OK;
	for (size_t i = 0; i < json_array_size(rels) && rc == STRATA_OK; i++) {
		json_t *vr;
		node(json_array_get(rels, i), &vr);
		lint_effect y = x;
		y.table = (char *)relname(json_object_get(vr, "relation"), &y.flags);
		rc = add(f, st, &y);
	}
	return rc;
}

static int comment(lint_file *f, const lint_stmt *st, json_t *b)
{
	const char *type = jstr(b, "objtype");
	lint_effect x = { .op = LINT_OP_COMMENT, .what = (char *)(strncmp(type, "OBJECT_", 7) == 0 ? type + 7 : type) };
	char name[128] = "", table[128] = "";
	size_t parts;
	json_t *obj = json_object_get(b, "object"), *body;
	object_name(obj, name, sizeof name, &parts);
	if (!strcmp(type, "OBJECT_TABLE") || !strcmp(type, "OBJECT_VIEW") || !strcmp(type, "OBJECT_MATVIEW") ||
	    !strcmp(type, "OBJECT_FOREIGN_TABLE")) {
		snprintf(table, sizeof table, "%s", name);
	} else if ((!strcmp(type, "OBJECT_COLUMN") || !strcmp(type, "OBJECT_TABCONSTRAINT") ||
		    !strcmp(type, "OBJECT_TRIGGER") || !strcmp(type, "OBJECT_RULE") ||
		    !strcmp(type, "OBJECT_POLICY")) &&
		   !strcmp(node(obj, &body), "List")) {
		snprintf(table, sizeof table, "%s", name_part(json_object_get(body, "items"), 1));
	}
	x.table = table;
	x.name = name;
	return add(f, st, &x);
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
		lint_effect x = { .op = LINT_OP_TRUNCATE,
				  .flags = !strcmp(jstr(b, "behavior"), "DROP_CASCADE") ? LINT_F_CASCADE : 0u };
		return relations(f, st, json_object_get(b, "relations"), &x);
	}
	if (!strcmp(k, "DeleteStmt") || !strcmp(k, "UpdateStmt"))
		return dml(f, st, b, k[0] == 'U');
	if (!strcmp(k, "VariableSetStmt")) {
		lint_effect x = { .op = LINT_OP_SET,
				  .name = (char *)jstr(b, "name"),
				  .flags = nonzero_value(b) ? LINT_F_NONZERO : 0u };
		return add(f, st, &x);
	}
	if (!strcmp(k, "TransactionStmt")) {
		const char *kind = jstr(b, "kind");
		lint_effect x = { .op = LINT_OP_SET };
		if (!strcmp(kind, "TRANS_STMT_BEGIN") || !strcmp(kind, "TRANS_STMT_START"))
			x.op = LINT_OP_BEGIN;
		else if (!strcmp(kind, "TRANS_STMT_COMMIT"))
			x.op = LINT_OP_COMMIT;
		else if (!strcmp(kind, "TRANS_STMT_ROLLBACK"))
			x.op = LINT_OP_ROLLBACK;
		else
			return STRATA_OK; /* SAVEPOINT, RELEASE, ROLLBACK TO, PREPARE ... */
		return add(f, st, &x);
	}
	if (!strcmp(k, "CreateTableAsStmt")) {
		json_t *into = json_object_get(b, "into");
		lint_effect x = { .op = LINT_OP_CREATE_TABLE };
		x.table = (char *)relname(json_object_get(into, "rel"), &x.flags);
		if (jtrue(b, "if_not_exists"))
			x.flags |= LINT_F_IF_EXISTS;
		if (strcmp(jstr(b, "objtype"), "OBJECT_MATVIEW") == 0) {
			/* a new relation: its indexes are built on it while it is new, and go with it */
			x.op = LINT_OP_CREATE_OTHER;
			x.what = (char *)"MATVIEW";
			x.name = x.table;
			x.table = (char *)"";
			x.name_len = name_len(st, x.name);
			return add(f, st, &x);
		}
		return strcmp(jstr(b, "objtype"), "OBJECT_TABLE") == 0 ? add(f, st, &x) : STRATA_OK;
	}
	if (!strcmp(k, "DropdbStmt")) {
		lint_effect x = { .op = LINT_OP_DROP_DATABASE, .name = (char *)jstr(b, "dbname") };
		return add(f, st, &x);
	}
	if (!strcmp(k, "CreateDomainStmt")) {
		/* A DEFAULT (or NULL) in the list is not a constraint: only CHECK and NOT NULL are. */
		json_t *cons = json_object_get(b, "constraints"), *c;
		bool constrained = false;
		for (size_t i = 0; i < json_array_size(cons) && !constrained; i++) {
			node(json_array_get(cons, i), &c);
			constrained = !strcmp(jstr(c, "contype"), "CONSTR_CHECK") ||
				      !strcmp(jstr(c, "contype"), "CONSTR_NOTNULL");
		}
		lint_effect x = { .op = LINT_OP_CREATE_DOMAIN,
				  .name = (char *)last_name(json_object_get(b, "domainname")),
				  .flags = constrained ? LINT_F_CHECK : 0u };
		return add(f, st, &x);
	}
	if (!strcmp(k, "ViewStmt")) {
		/* The names of a view's column list, for ban-duplicate-column-assignments. */
		const char *view = relname(json_object_get(b, "view"), NULL);
		json_t *al = json_object_get(b, "aliases"), *a;
		int rc = STRATA_OK;
		for (size_t i = 0; i < json_array_size(al) && rc == STRATA_OK; i++) {
			if (strcmp(node(json_array_get(al, i), &a), "String"))
				continue;
			lint_effect x = { .op = LINT_OP_VIEW_COLUMN,
					  .table = (char *)view,
					  .name = (char *)jstr(a, "sval") };
			rc = add(f, st, &x);
		}
		return rc;
	}
	if (!strcmp(k, "AlterDomainStmt")) {
		json_t *c;
		node(json_object_get(b, "def"), &c);
		lint_effect x = { .op = LINT_OP_ALTER_DOMAIN,
				  .name = (char *)last_name(json_object_get(b, "typeName")) };
		if (!strcmp(jstr(b, "subtype"), "C"))
			x.flags |= LINT_F_CHECK | (jtrue(c, "skip_validation") ? LINT_F_NOT_VALID : 0u);
		return add(f, st, &x);
	}
	if (!strcmp(k, "AlterEnumStmt")) {
		lint_effect x = { .op = LINT_OP_ALTER_TYPE, .name = (char *)last_name(json_object_get(b, "typeName")) };
		if (!*jstr(b, "oldVal")) {
			x.op = LINT_OP_ADD_ENUM_VALUE;
			x.to = (char *)jstr(b, "newVal");
			if (*jstr(b, "newValNeighbor"))
				x.flags |= LINT_F_ORDERED;
			if (jtrue(b, "skipIfNewValExists"))
				x.flags |= LINT_F_IF_EXISTS;
		}
		return add(f, st, &x);
	}
	if (!strcmp(k, "CreateEnumStmt") || !strcmp(k, "CreateRangeStmt") || !strcmp(k, "CompositeTypeStmt") ||
	    (!strcmp(k, "DefineStmt") && !strcmp(jstr(b, "kind"), "OBJECT_TYPE"))) {
		json_t *names = json_object_get(b, !strcmp(k, "DefineStmt") ? "defnames" : "typeName");
		lint_effect x = { .op = LINT_OP_CREATE_TYPE };
		x.name = (char *)(!strcmp(k, "CompositeTypeStmt") ? relname(json_object_get(b, "typevar"), NULL)
								  : last_name(names));
		return add(f, st, &x);
	}
	if (!strcmp(k, "ReindexStmt"))
		return reindex(f, st, b);
	if (!strcmp(k, "VacuumStmt"))
		return vacuum(f, st, b);
	if (!strcmp(k, "ClusterStmt")) {
		lint_effect x = { .op = LINT_OP_CLUSTER };
		json_t *rel = json_object_get(b, "relation");
		x.table = (char *)(rel ? relname(rel, &x.flags) : "");
		return add(f, st, &x);
	}
	if (!strcmp(k, "LockStmt")) {
		json_int_t mode = json_integer_value(json_object_get(b, "mode"));
		lint_effect x = { .op = LINT_OP_LOCK,
				  .what = (char *)strata__lint_lock_name(
					  mode >= 1 && mode <= 8 ? (lint_lock)mode : LINT_LK_ACCESS_EXCLUSIVE) };
		return relations(f, st, json_object_get(b, "relations"), &x);
	}
	if (!strcmp(k, "CommentStmt"))
		return comment(f, st, b);
	if (!strcmp(k, "CreateTrigStmt")) {
		lint_effect x = { .op = LINT_OP_CREATE_TRIGGER, .name = (char *)jstr(b, "trigname") };
		x.table = (char *)relname(json_object_get(b, "relation"), &x.flags);
		return add(f, st, &x);
	}
	if (!strcmp(k, "AlterSeqStmt")) {
		lint_effect x = { .op = LINT_OP_ALTER_SEQUENCE,
				  .name = (char *)relname(json_object_get(b, "sequence"), NULL) };
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
