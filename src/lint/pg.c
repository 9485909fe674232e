/*
 * PostgreSQL migrations: each statement is parsed with PostgreSQL's own
 * parser (libpg_query's pg_query_parse, a JSON parse tree) and the tree
 * is walked with jansson.  Tables created earlier in the same file are
 * new, so the locking rules leave them alone; a catalog of column types
 * replayed across files tells a narrowing type change from a widening one.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lint/mig.h"

#ifdef STRATA_HAVE_PG_QUERY
#include <pg_query.h>
#endif

#define EMIT(rule, ...) strata__lint_emit(mf->ctx, (rule), st->line, st->col, __VA_ARGS__)

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
static size_t ident_len(const mig_stmt *st, json_t *loc)
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

static int check_len(mig_file *mf, const mig_stmt *st, json_t *node_body, const char *what, const char *name)
{
	size_t n = ident_len(st, json_object_get(node_body, "location"));
	if (mf->down || n <= 63)
		return STRATA_OK;
	return EMIT(R_IDENT_LEN, name, "%s name '%s...' is %zu bytes; PostgreSQL silently keeps only 63", what, name, n);
}

static bool created_here(const mig_file *mf, const char *table)
{
	const effects *e = mf->down ? &mf->dn : &mf->up;
	return strata__eff_find(e, E_CREATE_TABLE, table, NULL) != NULL;
}

static int eff(mig_file *mf, const mig_stmt *st, ekind k, const char *t, const char *n, const char *to)
{
	return strata__eff_add(mf->down ? &mf->dn : &mf->up, k, t, n, to, st->line, st->col);
}

/* A strong lock on an existing table: require a lock_timeout first. */
static int strong_lock(mig_file *mf, const mig_stmt *st, const char *table, const char *what)
{
	if (mf->down || mf->lock_timeout || mf->lock_reported || created_here(mf, table))
		return STRATA_OK;
	mf->lock_reported = true;
	return EMIT(R_LOCK_TIMEOUT, table,
		    "%s on %s waits for its lock without a limit: start the migration with SET lock_timeout", what,
		    table);
}

static bool volatile_func(const char *f)
{
	static const char *const v[] = { "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
					 "uuid_generate_v4", "clock_timestamp", "timeofday", "nextval",
					 "txid_current", NULL };
	for (const char *const *p = v; *p; p++)
		if (strcmp(f, *p) == 0)
			return true;
	return false;
}

static bool serial_type(const char *t)
{
	return !strcmp(t, "serial") || !strcmp(t, "bigserial") || !strcmp(t, "smallserial") ||
	       !strcmp(t, "serial4") || !strcmp(t, "serial8") || !strcmp(t, "serial2");
}

static int add_column(pg_run *run, mig_file *mf, const mig_stmt *st, const char *table, json_t *cmd)
{
	json_t *cd;
	node(json_object_get(cmd, "def"), &cd);
	const char *col = jstr(cd, "colname");
	char type[96];
	type_str(json_object_get(cd, "typeName"), type, sizeof type);
	bool existing = !created_here(mf, table);
	bool notnull = false, dflt = false, identity = false, vol = false;
	json_t *cons = json_object_get(cd, "constraints");
	for (size_t i = 0; i < json_array_size(cons); i++) {
		json_t *c;
		node(json_array_get(cons, i), &c);
		const char *ct = jstr(c, "contype");
		if (!strcmp(ct, "CONSTR_NOTNULL") || !strcmp(ct, "CONSTR_PRIMARY"))
			notnull = true;
		else if (!strcmp(ct, "CONSTR_IDENTITY") || !strcmp(ct, "CONSTR_GENERATED"))
			identity = true;
		else if (!strcmp(ct, "CONSTR_DEFAULT")) {
			dflt = true;
			json_t *fc;
			if (strcmp(node(json_object_get(c, "raw_expr"), &fc), "FuncCall") == 0 &&
			    volatile_func(last_name(json_object_get(fc, "funcname"))))
				vol = true;
		}
	}
	char o[160];
	snprintf(o, sizeof o, "%s.%s", table, col);
	int rc = check_len(mf, st, cd, "column", col);
	if (rc == STRATA_OK && !mf->down && !jtrue(cmd, "missing_ok"))
		rc = EMIT(R_IF_EXISTS, o, "ADD COLUMN %s without IF NOT EXISTS fails when re-run", col);
	if (rc == STRATA_OK && !mf->down && existing && notnull && !dflt && !identity && !serial_type(type))
		rc = EMIT(R_NOT_NULL_NO_DEFAULT, o,
			  "ADD COLUMN %s NOT NULL without a default fails when %s has rows", col, table);
	if (rc == STRATA_OK && !mf->down && existing && (vol || serial_type(type)))
		rc = EMIT(R_VOLATILE_DEFAULT, o,
			  "ADD COLUMN %s with a volatile default rewrites %s under an exclusive lock", col, table);
	if (rc == STRATA_OK)
		rc = eff(mf, st, E_ADD_COLUMN, table, col, NULL);
	if (rc == STRATA_OK && !mf->down) {
		cat_table *t;
		rc = strata__cat_add_table(&run->cat, table, &t);
		if (rc == STRATA_OK)
			rc = strata__cat_set_col(t, col, type);
	}
	return rc;
}

static int alter_table(pg_run *run, mig_file *mf, const mig_stmt *st, json_t *a)
{
	const char *table = jstr(json_object_get(a, "relation"), "relname");
	if (strcmp(jstr(a, "objtype"), "OBJECT_TABLE") != 0)
		return STRATA_OK;
	bool existing = !created_here(mf, table);
	json_t *cmds = json_object_get(a, "cmds");
	int rc = STRATA_OK;
	if (existing && json_array_size(cmds))
		rc = strong_lock(mf, st, table, "ALTER TABLE");
	for (size_t i = 0; i < json_array_size(cmds) && rc == STRATA_OK; i++) {
		json_t *cmd;
		if (strcmp(node(json_array_get(cmds, i), &cmd), "AlterTableCmd") != 0)
			continue;
		const char *sub = jstr(cmd, "subtype");
		const char *col = jstr(cmd, "name");
		char o[160];
		snprintf(o, sizeof o, "%s.%s", table, col);
		if (!strcmp(sub, "AT_AddColumn")) {
			rc = add_column(run, mf, st, table, cmd);
		} else if (!strcmp(sub, "AT_DropColumn")) {
			if (!mf->down && !jtrue(cmd, "missing_ok"))
				rc = EMIT(R_IF_EXISTS, o, "DROP COLUMN %s without IF EXISTS fails when re-run", col);
			if (rc == STRATA_OK && !mf->down && existing)
				rc = EMIT(R_DROP_COLUMN, o, "DROP COLUMN %s.%s destroys its data", table, col);
			if (rc == STRATA_OK && !mf->down && strata__schema_has(mf->schema, table, col))
				rc = EMIT(R_DROP_SCHEMA_COL, o,
					  "column %s.%s is dropped but the schema file still has it", table, col);
			if (rc == STRATA_OK)
				rc = eff(mf, st, E_DROP_COLUMN, table, col, NULL);
			if (!mf->down)
				strata__cat_drop_col(strata__cat_table(&run->cat, table), col);
		} else if (!strcmp(sub, "AT_AlterColumnType")) {
			json_t *cd;
			node(json_object_get(cmd, "def"), &cd);
			char type[96];
			type_str(json_object_get(cd, "typeName"), type, sizeof type);
			cat_col *cc = strata__cat_col(strata__cat_table(&run->cat, table), col);
			const char *old = cc ? cc->type : NULL;
			if (!mf->down && old && strata__type_narrows(old, type, STRATA_BACKEND_POSTGRES))
				rc = EMIT(R_NARROWING, o, "column %s.%s changes from %s to %s, which can lose data",
					  table, col, old, type);
			if (rc == STRATA_OK && !mf->down && existing && !strata__type_cheap_change(old, type))
				rc = EMIT(R_ALTER_TYPE, o,
					  "ALTER COLUMN %s TYPE %s rewrites %s under an exclusive lock", col, type,
					  table);
			if (rc == STRATA_OK)
				rc = eff(mf, st, E_ALTER_TYPE, table, col, type);
			if (rc == STRATA_OK && cc && !mf->down)
				rc = strata__cat_set_col(strata__cat_table(&run->cat, table), col, type);
		} else if (!strcmp(sub, "AT_SetNotNull")) {
			if (!mf->down && existing)
				rc = EMIT(R_SET_NOT_NULL, o,
					  "SET NOT NULL on %s.%s scans the table under an exclusive lock", table, col);
		} else if (!strcmp(sub, "AT_AddConstraint")) {
			json_t *c;
			node(json_object_get(cmd, "def"), &c);
			const char *ct = jstr(c, "contype");
			bool fk = !strcmp(ct, "CONSTR_FOREIGN"), check = !strcmp(ct, "CONSTR_CHECK");
			if (!mf->down && existing && (fk || check) && !jtrue(c, "skip_validation"))
				rc = EMIT(R_NOT_VALID, table,
					  "ADD CONSTRAINT %s %s validates every row while blocking writes: add it NOT "
					  "VALID, then VALIDATE CONSTRAINT",
					  *jstr(c, "conname") ? jstr(c, "conname") : "", fk ? "FOREIGN KEY" : "CHECK");
			else if (!mf->down && existing &&
				 (!strcmp(ct, "CONSTR_UNIQUE") || !strcmp(ct, "CONSTR_PRIMARY")) &&
				 !*jstr(c, "indexname"))
				rc = EMIT(R_INDEX_CONC, table,
					  "ADD CONSTRAINT %s builds its index while blocking writes: CREATE UNIQUE "
					  "INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX",
					  !strcmp(ct, "CONSTR_UNIQUE") ? "UNIQUE" : "PRIMARY KEY");
		}
		if (rc == STRATA_OK && existing && strcmp(sub, "AT_AddColumn") != 0)
			rc = eff(mf, st, E_TOUCH, table, NULL, NULL);
	}
	return rc;
}

static int create_table(pg_run *run, mig_file *mf, const mig_stmt *st, json_t *c)
{
	const char *table = jstr(json_object_get(c, "relation"), "relname");
	int rc = check_len(mf, st, json_object_get(c, "relation"), "table", table);
	if (rc == STRATA_OK && !mf->down && !jtrue(c, "if_not_exists"))
		rc = EMIT(R_IF_EXISTS, table, "CREATE TABLE %s without IF NOT EXISTS fails when re-run", table);
	if (rc == STRATA_OK)
		rc = eff(mf, st, E_CREATE_TABLE, table, NULL, NULL);
	if (rc != STRATA_OK || mf->down)
		return rc;
	cat_table *t;
	strata__cat_drop_table(&run->cat, table);
	rc = strata__cat_add_table(&run->cat, table, &t);
	json_t *elts = json_object_get(c, "tableElts");
	for (size_t i = 0; i < json_array_size(elts) && rc == STRATA_OK; i++) {
		json_t *cd;
		if (strcmp(node(json_array_get(elts, i), &cd), "ColumnDef") != 0)
			continue;
		char type[96];
		type_str(json_object_get(cd, "typeName"), type, sizeof type);
		rc = check_len(mf, st, cd, "column", jstr(cd, "colname"));
		if (rc == STRATA_OK)
			rc = strata__cat_set_col(t, jstr(cd, "colname"), type);
	}
	return rc;
}

static int index_stmt(mig_file *mf, const mig_stmt *st, json_t *ix)
{
	const char *table = jstr(json_object_get(ix, "relation"), "relname");
	const char *name = jstr(ix, "idxname");
	bool conc = jtrue(ix, "concurrent");
	int rc = STRATA_OK;
	if (!mf->down && !jtrue(ix, "if_not_exists"))
		rc = EMIT(R_IF_EXISTS, *name ? name : table, "CREATE INDEX %s without IF NOT EXISTS fails when re-run",
			  *name ? name : "(unnamed)");
	if (rc == STRATA_OK && !mf->down && !conc && !created_here(mf, table))
		rc = EMIT(R_INDEX_CONC, *name ? name : table,
			  "CREATE INDEX %s on existing table %s blocks writes while it builds: use CONCURRENTLY",
			  *name ? name : "(unnamed)", table);
	if (rc == STRATA_OK && !mf->down && !conc)
		rc = strong_lock(mf, st, table, "CREATE INDEX");
	if (rc == STRATA_OK && conc && !mf->down && mf->up_tx)
		rc = EMIT(R_CONC_TX, *name ? name : table,
			  "CREATE INDEX CONCURRENTLY cannot run in a transaction: mark the section "
			  "`-- migrate:up transaction:false`");
	if (rc == STRATA_OK)
		rc = eff(mf, st, E_CREATE_INDEX, table, *name ? name : NULL, NULL);
	return rc;
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

static int drop_stmt(pg_run *run, mig_file *mf, const mig_stmt *st, json_t *d)
{
	const char *type = jstr(d, "removeType");
	json_t *objs = json_object_get(d, "objects");
	bool missing_ok = jtrue(d, "missing_ok"), conc = jtrue(d, "concurrent");
	int rc = STRATA_OK;
	for (size_t i = 0; i < json_array_size(objs) && rc == STRATA_OK; i++) {
		char name[128];
		drop_name(json_array_get(objs, i), name, sizeof name);
		const char *what = strncmp(type, "OBJECT_", 7) == 0 ? type + 7 : type;
		if (!mf->down && !missing_ok)
			rc = EMIT(R_IF_EXISTS, name, "DROP %s %s without IF EXISTS fails when re-run", what, name);
		if (rc != STRATA_OK)
			break;
		if (!strcmp(type, "OBJECT_TABLE")) {
			bool here = created_here(mf, name);
			if (!mf->down && !here)
				rc = EMIT(R_DROP_TABLE, name, "DROP TABLE %s%s destroys its rows", name,
					  !strcmp(jstr(d, "behavior"), "DROP_CASCADE") ? " CASCADE" : "");
			if (rc == STRATA_OK && !mf->down && strata__schema_has(mf->schema, name, NULL))
				rc = EMIT(R_DROP_SCHEMA_COL, name, "table %s is dropped but the schema file still has it",
					  name);
			if (rc == STRATA_OK && !mf->down && !here)
				rc = strong_lock(mf, st, name, "DROP TABLE");
			if (rc == STRATA_OK)
				rc = eff(mf, st, E_DROP_TABLE, name, NULL, NULL);
			if (!mf->down)
				strata__cat_drop_table(&run->cat, name);
		} else if (!strcmp(type, "OBJECT_INDEX")) {
			if (!mf->down && !conc)
				rc = EMIT(R_DROP_INDEX_CONC, name,
					  "DROP INDEX %s takes an exclusive lock on its table: use CONCURRENTLY", name);
			if (rc == STRATA_OK && !mf->down && conc && mf->up_tx)
				rc = EMIT(R_CONC_TX, name,
					  "DROP INDEX CONCURRENTLY cannot run in a transaction: mark the section "
					  "`-- migrate:up transaction:false`");
			if (rc == STRATA_OK)
				rc = eff(mf, st, E_DROP_INDEX, "", name, NULL);
		}
	}
	return rc;
}

static int rename_stmt(pg_run *run, mig_file *mf, const mig_stmt *st, json_t *r)
{
	const char *type = jstr(r, "renameType");
	const char *table = jstr(json_object_get(r, "relation"), "relname");
	const char *to = jstr(r, "newname");
	int rc = STRATA_OK;
	if (!strcmp(type, "OBJECT_TABLE")) {
		if (!mf->down && !created_here(mf, table))
			rc = EMIT(R_RENAME_TABLE, table, "renaming table %s to %s breaks code that still uses %s", table,
				  to, table);
		if (rc == STRATA_OK)
			rc = strong_lock(mf, st, table, "ALTER TABLE RENAME");
		if (rc == STRATA_OK)
			rc = eff(mf, st, E_RENAME_TABLE, table, NULL, to);
		if (rc == STRATA_OK && !mf->down)
			rc = strata__cat_rename_table(&run->cat, table, to);
	} else if (!strcmp(type, "OBJECT_COLUMN")) {
		const char *col = jstr(r, "subname");
		char o[160];
		snprintf(o, sizeof o, "%s.%s", table, col);
		if (!mf->down && !created_here(mf, table))
			rc = EMIT(R_RENAME_COLUMN, o, "renaming column %s.%s to %s breaks code that still uses %s", table,
				  col, to, col);
		if (rc == STRATA_OK)
			rc = strong_lock(mf, st, table, "ALTER TABLE RENAME COLUMN");
		if (rc == STRATA_OK)
			rc = eff(mf, st, E_RENAME_COLUMN, table, col, to);
		cat_col *c = strata__cat_col(strata__cat_table(&run->cat, table), col);
		if (rc == STRATA_OK && c && !mf->down) {
			char *nn = strata__strdup(to);
			if (!nn)
				return STRATA_ENOMEM;
			free(c->name);
			c->name = nn;
		}
	}
	return rc;
}

static bool lock_timeout_value(json_t *v)
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

static int walk(pg_run *run, mig_file *mf, const mig_stmt *st, json_t *stmt)
{
	json_t *b;
	const char *k = node(stmt, &b);
	if (!strcmp(k, "CreateStmt"))
		return create_table(run, mf, st, b);
	if (!strcmp(k, "IndexStmt"))
		return index_stmt(mf, st, b);
	if (!strcmp(k, "DropStmt"))
		return drop_stmt(run, mf, st, b);
	if (!strcmp(k, "AlterTableStmt"))
		return alter_table(run, mf, st, b);
	if (!strcmp(k, "RenameStmt"))
		return rename_stmt(run, mf, st, b);
	if (!strcmp(k, "TruncateStmt")) {
		json_t *rels = json_object_get(b, "relations");
		int rc = STRATA_OK;
		for (size_t i = 0; i < json_array_size(rels) && rc == STRATA_OK && !mf->down; i++) {
			json_t *rv;
			node(json_array_get(rels, i), &rv);
			const char *t = jstr(rv, "relname");
			rc = EMIT(R_TRUNCATE, t, "TRUNCATE %s%s deletes every row", t,
				  !strcmp(jstr(b, "behavior"), "DROP_CASCADE") ? " CASCADE (and every referencing row)"
									       : "");
		}
		return rc;
	}
	if (!strcmp(k, "DeleteStmt") || !strcmp(k, "UpdateStmt")) {
		const char *t = jstr(json_object_get(b, "relation"), "relname");
		if (!mf->down && !json_object_get(b, "whereClause"))
			return EMIT(R_DML_NO_WHERE, t, "%s on %s without WHERE changes every row",
				    k[0] == 'D' ? "DELETE" : "UPDATE", t);
		return STRATA_OK;
	}
	if (!strcmp(k, "VariableSetStmt")) {
		if (!strcmp(jstr(b, "name"), "lock_timeout") && !mf->down)
			mf->lock_timeout = lock_timeout_value(b);
		return STRATA_OK;
	}
	return STRATA_OK;
}

int strata__lint_pg_stmt(pg_run *run, mig_file *mf, const mig_stmt *st)
{
#ifdef STRATA_HAVE_PG_QUERY
	PgQueryParseResult res = pg_query_parse(st->sql);
	int rc = STRATA_OK;
	if (res.error) {
		int line = st->line, col = st->col;
		if (res.error->cursorpos > 0) {
			int dl, dc;
			strata__lint_linecol(st->sql, (size_t)res.error->cursorpos - 1, &dl, &dc);
			line += dl - 1;
			col = dl == 1 ? col + dc - 1 : dc;
		}
		rc = strata__lint_emit(mf->ctx, R_INVALID_SQL, line, col, NULL, "PostgreSQL cannot parse this: %s",
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
		rc = walk(run, mf, st, json_object_get(json_array_get(stmts, i), "stmt"));
	json_decref(root);
	return rc;
#else
	(void)run;
	(void)walk;
	(void)mf;
	(void)st;
	return STRATA_OK;
#endif
}

/* Does down undo what up did?  Matched statically, effect by effect. */
int strata__lint_pg_file_end(pg_run *run, mig_file *mf)
{
	(void)run;
	const strata__migration *m = mf->m;
	if (!m->down.present)
		return STRATA_OK;
	int rc = STRATA_OK, line = m->down.line;
	const effects *up = &mf->up, *dn = &mf->dn;
	for (size_t i = 0; i < up->n && rc == STRATA_OK; i++) {
		const effect *e = &up->v[i];
		switch (e->k) {
		case E_CREATE_TABLE:
			if (!strata__eff_find(dn, E_DROP_TABLE, e->table, NULL))
				rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up creates table %s but down does not drop it", e->table);
			break;
		case E_ADD_COLUMN:
			if (!strata__eff_find(up, E_CREATE_TABLE, e->table, NULL) &&
			    !strata__eff_find(dn, E_DROP_COLUMN, e->table, e->name) &&
			    !strata__eff_find(dn, E_DROP_TABLE, e->table, NULL))
				rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up adds column %s.%s but down does not drop it", e->table, e->name);
			break;
		case E_CREATE_INDEX:
			if (e->name && !strata__eff_find(up, E_CREATE_TABLE, e->table, NULL) &&
			    !strata__eff_find(dn, E_DROP_INDEX, "", e->name) &&
			    !strata__eff_find(dn, E_DROP_TABLE, e->table, NULL))
				rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, e->name,
						       "up creates index %s but down does not drop it", e->name);
			break;
		case E_DROP_TABLE:
			if (!strata__eff_find(up, E_CREATE_TABLE, e->table, NULL) &&
			    !strata__eff_find(dn, E_CREATE_TABLE, e->table, NULL))
				rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up drops table %s but down does not create it again", e->table);
			break;
		case E_DROP_COLUMN:
			if (!strata__eff_find(dn, E_ADD_COLUMN, e->table, e->name) &&
			    !strata__eff_find(dn, E_CREATE_TABLE, e->table, NULL))
				rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up drops column %s.%s but down does not add it again", e->table,
						       e->name);
			break;
		case E_DROP_INDEX:
			if (!strata__eff_find(dn, E_CREATE_INDEX, "", e->name)) {
				bool found = false;
				for (size_t j = 0; j < dn->n && !found; j++)
					found = dn->v[j].k == E_CREATE_INDEX && dn->v[j].name &&
						strata__lint_ieq(dn->v[j].name, e->name);
				if (!found)
					rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, e->name,
							       "up drops index %s but down does not create it again",
							       e->name);
			}
			break;
		case E_RENAME_TABLE: {
			bool back = false;
			for (size_t j = 0; j < dn->n && !back; j++)
				back = dn->v[j].k == E_RENAME_TABLE && strata__lint_ieq(dn->v[j].table, e->to) &&
				       strata__lint_ieq(dn->v[j].to, e->table);
			if (!back)
				rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up renames table %s to %s but down does not rename it back",
						       e->table, e->to);
			break;
		}
		case E_RENAME_COLUMN: {
			bool back = false;
			for (size_t j = 0; j < dn->n && !back; j++)
				back = dn->v[j].k == E_RENAME_COLUMN && dn->v[j].name &&
				       strata__lint_ieq(dn->v[j].name, e->to) && strata__lint_ieq(dn->v[j].to, e->name);
			if (!back)
				rc = strata__lint_emit(mf->ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up renames column %s.%s to %s but down does not rename it back",
						       e->table, e->name, e->to);
			break;
		}
		default: break;
		}
	}
	return rc;
}
