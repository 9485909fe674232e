/*
 * The migration rules on statements: each statement's effects (read by the
 * dialect adapters, pg.c and sqlite.c) are judged against the file so far
 * (tables it created, the transaction it is in, the timeouts it set) and
 * the catalog of what earlier files did, then applied to the catalog.
 * Every finding on a PostgreSQL statement carries the lock the statement
 * takes and what it blocks (locks.c).
 *
 * On SQLite the statement rules that judge data loss (drop-table,
 * drop-column, rename-*, narrowing-type, drop-column-in-schema) are left
 * to the snapshot comparison (migcompare.c): a statement alone does not
 * tell a table rebuild from a drop there.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lint/mig.h"

/* A finding at the effect's position (a column of a CREATE TABLE points at the column). */
#define EMIT(rule, ...) strata__lint_emit(f->ctx, (rule), e->line, e->col, __VA_ARGS__)

/* Is the table new: created earlier in this section, or by an earlier pending file of the run? */
static bool is_new(const lint_file *f, const lint_catalog *cat, const char *table)
{
	if (!table || !*table)
		return false;
	const lint_effects *e = f->down ? &f->dn : &f->up;
	if (strata__lint_eff_find(e, LINT_OP_CREATE_TABLE, table, NULL) ||
	    strata__lint_eff_matview(e, LINT_OP_CREATE_OTHER, table))
		return true;
	if (!f->pending)
		return false;
	const lint_table *t = strata__lint_cat_table(cat, table);
	return t && t->fresh;
}

/* Was a type, domain or other object of this name created in this section before effect `before`? */
static bool object_created(const lint_file *f, const char *name, size_t before)
{
	const lint_effects *e = &f->up;
	for (size_t i = 0; name && i < before && i < e->n; i++) {
		lint_op op = e->v[i].op;
		if ((op == LINT_OP_CREATE_TYPE || op == LINT_OP_CREATE_DOMAIN || op == LINT_OP_CREATE_OTHER) &&
		    e->v[i].name && strata__lint_ieq(e->v[i].name, name))
			return true;
	}
	return false;
}

static void lower(char *dst, size_t cap, const char *s)
{
	size_t i = 0;
	for (; s && s[i] && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[i] = '\0';
}

static bool ends_with_id(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return (n == 2 && strata__lint_ieq(name, "id")) || (n > 3 && strata__lint_ieq(name + n - 3, "_id"));
}

/* ---- the locks of a statement ---- */

enum {
	MAXREL = 16
};

typedef struct stmt_locks {
	lint_lockinfo info;
	lint_lock level;
	char rel[MAXREL][96];
	lint_lock lv[MAXREL];
	bool rows[MAXREL]; /* every row is locked (DELETE/UPDATE without WHERE) */
	size_t n;
	const char *reads[MAXREL], *writes[MAXREL];
} stmt_locks;

static void note_lock(stmt_locks *s, const char *rel, lint_lock lv, bool rows)
{
	size_t i = 0;
	while (i < s->n && !strata__lint_ieq(s->rel[i], rel))
		i++;
	if (i == s->n) {
		if (s->n == MAXREL)
			return;
		snprintf(s->rel[i], sizeof s->rel[i], "%s", rel);
		s->lv[i] = LINT_LK_NONE;
		s->rows[i] = false;
		s->n++;
	}
	if (lv > s->lv[i])
		s->lv[i] = lv;
	s->rows[i] |= rows;
	if (lv > s->level)
		s->level = lv;
}

/* The relations the statement's effects lock that exist already; NULL when there are none. */
static const lint_lockinfo *statement_locks(const lint_file *f, const lint_catalog *cat, size_t first, stmt_locks *s)
{
	memset(s, 0, sizeof *s);
	const lint_effects *ef = &f->up;
	for (size_t i = first; i < ef->n; i++) {
		const lint_effect *e = &ef->v[i];
		lint_rel_lock lk[2];
		bool waits;
		const char *verb;
		char scratch[2][80];
		size_t n = strata__lint_effect_locks(e, cat, lk, &waits, &verb, scratch);
		bool rows = (e->op == LINT_OP_DELETE || e->op == LINT_OP_UPDATE) && !(e->flags & LINT_F_WHERE);
		for (size_t k = 0; k < n; k++)
			if (lk[k].relation && !is_new(f, cat, lk[k].rel))
				note_lock(s, lk[k].rel, lk[k].level, rows);
	}
	if (!s->n)
		return NULL;
	size_t nr = 0, nw = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->lv[i] == LINT_LK_ACCESS_EXCLUSIVE)
			s->reads[nr++] = s->rel[i];
		if (s->lv[i] >= LINT_LK_SHARE || s->rows[i])
			s->writes[nw++] = s->rel[i];
	}
	s->info.level = strata__lint_lock_name(s->level);
	s->info.reads = s->reads;
	s->info.nreads = nr;
	s->info.writes = s->writes;
	s->info.nwrites = nw;
	return &s->info;
}

/*
 * require-lock-timeout and require-statement-timeout: the first statement
 * of the file that waits for a lock on an existing object, without the
 * timeout set before it.
 */
static int timeouts(lint_file *f, const lint_catalog *cat, const lint_stmt *st, size_t first)
{
	if ((f->lock_timeout || f->lock_reported) && (f->stmt_timeout || f->stmt_reported))
		return STRATA_OK;
	const lint_effects *ef = &f->up;
	int rc = STRATA_OK;
	for (size_t i = first; i < ef->n && rc == STRATA_OK; i++) {
		lint_rel_lock lk[2];
		bool waits;
		const char *verb;
		char scratch[2][80];
		size_t n = strata__lint_effect_locks(&ef->v[i], cat, lk, &waits, &verb, scratch);
		const char *on = NULL;
		for (size_t k = 0; k < n && !on && waits && verb; k++)
			if (lk[k].relation ? !is_new(f, cat, lk[k].rel) : !object_created(f, lk[k].rel, first))
				on = lk[k].rel;
		if (!on)
			continue;
		if (!f->lock_timeout && !f->lock_reported) {
			f->lock_reported = true;
			rc = strata__lint_emit(
				f->ctx, R_LOCK_TIMEOUT, st->line, st->col, on,
				"%s on %s waits for its lock without a limit: start the migration with SET "
				"lock_timeout",
				verb, on);
		}
		if (rc == STRATA_OK && !f->stmt_timeout && !f->stmt_reported) {
			f->stmt_reported = true;
			rc = strata__lint_emit(f->ctx, R_STMT_TIMEOUT, st->line, st->col, on,
					       "%s on %s runs without a time limit while it holds its lock: start the "
					       "migration with SET statement_timeout",
					       verb, on);
		}
		break;
	}
	return rc;
}

/* ---- statement-wide rules ---- */

/* Does an effect name a table the statement works on (for require-table-schema)? */
static bool names_table(lint_op op)
{
	switch (op) {
	case LINT_OP_CREATE_TABLE:
	case LINT_OP_DROP_TABLE:
	case LINT_OP_ADD_COLUMN:
	case LINT_OP_DROP_COLUMN:
	case LINT_OP_SET_TYPE:
	case LINT_OP_SET_NOT_NULL:
	case LINT_OP_DROP_NOT_NULL:
	case LINT_OP_ADD_CONSTRAINT:
	case LINT_OP_VALIDATE_CONSTRAINT:
	case LINT_OP_DROP_CONSTRAINT:
	case LINT_OP_DETACH_PARTITION:
	case LINT_OP_ALTER_OTHER:
	case LINT_OP_CREATE_INDEX:
	case LINT_OP_VACUUM:
	case LINT_OP_CLUSTER:
	case LINT_OP_LOCK:
	case LINT_OP_CREATE_TRIGGER:
	case LINT_OP_RENAME_TABLE:
	case LINT_OP_RENAME_COLUMN:
	case LINT_OP_TRUNCATE:
	case LINT_OP_DELETE:
	case LINT_OP_UPDATE: return true;
	default: return false;
	}
}

static int table_schema(lint_file *f, const lint_stmt *st, size_t first)
{
	const lint_effects *ef = &f->up;
	for (size_t i = first; i < ef->n; i++) {
		const lint_effect *e = &ef->v[i];
		if (!names_table(e->op) || !*e->table)
			continue;
		if (e->flags & LINT_F_QUALIFIED)
			return STRATA_OK;
		return strata__lint_emit(f->ctx, R_TABLE_SCHEMA, st->line, st->col, e->table,
					 "table %s is named without its schema: qualify it (public.%s) so that "
					 "search_path cannot change which table this is",
					 e->table, e->table);
	}
	return STRATA_OK;
}

/*
 * The same column twice in one statement: defined (CREATE TABLE), added
 * (ALTER TABLE), named (CREATE VIEW's column list) or set (UPDATE).
 */
static int duplicates(lint_file *f, size_t first)
{
	const lint_effects *ef = &f->up;
	int rc = STRATA_OK;
	for (size_t i = first; i < ef->n && rc == STRATA_OK; i++) {
		const lint_effect *e = &ef->v[i];
		if (e->op != LINT_OP_DEF_COLUMN && e->op != LINT_OP_ADD_COLUMN && e->op != LINT_OP_ASSIGN &&
		    e->op != LINT_OP_VIEW_COLUMN)
			continue;
		bool dup = false;
		for (size_t j = first; j < i && !dup; j++)
			dup = ef->v[j].op == e->op && e->name && ef->v[j].name &&
			      strata__lint_ieq(ef->v[j].name, e->name) && strata__lint_ieq(ef->v[j].table, e->table);
		if (!dup)
			continue;
		char o[300];
		snprintf(o, sizeof o, "%s.%s", e->table, e->name);
		if (e->op == LINT_OP_ASSIGN)
			rc = EMIT(R_DUP_ASSIGN, o,
				  "UPDATE %s sets %s twice: PostgreSQL refuses it, SQLite keeps only the last",
				  e->table, e->name);
		else if (e->op == LINT_OP_VIEW_COLUMN)
			rc = EMIT(R_DUP_ASSIGN, o, "view %s names column %s twice: PostgreSQL refuses it", e->table,
				  e->name);
		else if (e->op == LINT_OP_DEF_COLUMN)
			rc = EMIT(R_DUP_ASSIGN, o, "column %s is defined twice in CREATE TABLE %s", e->name, e->table);
		else
			rc = EMIT(R_DUP_ASSIGN, o, "ALTER TABLE %s adds column %s twice", e->table, e->name);
	}
	return rc;
}

/* ---- transactions ---- */

static int push_not_valid(lint_file *f, const char *name)
{
	if (f->nnot_valid == f->cnot_valid) {
		size_t cap = f->cnot_valid ? f->cnot_valid * 2 : 4;
		char **v = realloc(f->not_valid, cap * sizeof *v);
		if (!v)
			return strata__error_nomem();
		f->not_valid = v;
		f->cnot_valid = cap;
	}
	if (!(f->not_valid[f->nnot_valid] = strata__strdup(name)))
		return STRATA_ENOMEM;
	f->nnot_valid++;
	return STRATA_OK;
}

static void clear_not_valid(lint_file *f)
{
	for (size_t i = 0; i < f->nnot_valid; i++)
		free(f->not_valid[i]);
	f->nnot_valid = 0;
}

static bool added_not_valid(const lint_file *f, const char *name)
{
	for (size_t i = 0; name && i < f->nnot_valid; i++)
		if (strata__lint_ieq(f->not_valid[i], name))
			return true;
	return false;
}

void strata__lint_rules_section_begin(lint_file *f)
{
	f->in_tx = f->up_tx;
	f->explicit_tx = false;
	clear_not_valid(f);
}

int strata__lint_rules_section_end(lint_file *f)
{
	if (!f->explicit_tx)
		return STRATA_OK;
	return strata__lint_emit(f->ctx, R_TX_UNCOMMITTED, f->begin_line, f->begin_col, NULL,
				 "the BEGIN at line %d is never committed: everything after it is rolled back when the "
				 "connection closes (add a COMMIT)",
				 f->begin_line);
}

void strata__lint_rules_file_free(lint_file *f)
{
	clear_not_valid(f);
	free(f->not_valid);
	f->not_valid = NULL;
	f->cnot_valid = 0;
}

static int transaction(lint_file *f, const lint_effect *e)
{
	const char *verb = e->op == LINT_OP_BEGIN ? "BEGIN" : e->op == LINT_OP_COMMIT ? "COMMIT" : "ROLLBACK";
	int rc = STRATA_OK;
	if (e->op == LINT_OP_BEGIN) {
		if (f->explicit_tx)
			rc = EMIT(R_TX_NESTING, NULL,
				  "BEGIN inside the transaction opened at line %d: COMMIT that one first "
				  "(PostgreSQL ignores a nested BEGIN, SQLite refuses it)",
				  f->begin_line);
		else if (f->in_tx)
			rc = EMIT(R_TX_NESTING, NULL,
				  "BEGIN inside the transaction the migration runs in: remove it, or mark the section "
				  "`transaction:false` and pair it with a COMMIT");
		else {
			f->in_tx = f->explicit_tx = true;
			f->begin_line = e->line;
			f->begin_col = e->col;
		}
		return rc;
	}
	if (f->explicit_tx) {
		f->in_tx = f->explicit_tx = false;
		clear_not_valid(f);
	} else if (f->in_tx) {
		rc = EMIT(R_TX_NESTING, NULL,
			  "%s in the middle of the migration ends the transaction it runs in: what follows runs "
			  "outside it, and a failure leaves the migration half applied",
			  verb);
		f->in_tx = false;
		clear_not_valid(f);
	} else {
		rc = EMIT(R_TX_NESTING, NULL, "%s without a BEGIN: there is no transaction to end", verb);
	}
	return rc;
}

/* ---- column definitions: the design rules in migrations ---- */

/*
 * A migration `strata migrate diff` wrote (its up section opens with the
 * line it writes) states what the schema file says: the design of its
 * columns is reported on the schema file, once, not again per migration.
 */
static bool written_by_diff(const lint_file *f)
{
	if (!f->m->text || !f->m->up.present || f->m->up.offset >= f->m->text_len)
		return false;
	const char *p = f->m->text + f->m->up.offset, *end = strchr(p, '\n');
	static const char mark[] = " (written by strata migrate diff)";
	size_t n = sizeof mark - 1;
	return end && strncmp(p, "-- ", 3) == 0 && (size_t)(end - p) > n && strncmp(end - n, mark, n) == 0;
}

static int column_design(lint_file *f, const lint_effect *e, const char *o)
{
	if (written_by_diff(f))
		return STRATA_OK;
	bool array = false;
	lint_tclass cls = strata__lint_type_class(e->type, &array);
	const char *t = e->table, *c = e->name;
	bool key = (e->flags & (LINT_F_PRIMARY | LINT_F_FOREIGN)) || ends_with_id(c);
	bool all = f->ctx->cfg->bigint_all;
	/* PostgreSQL's parser names int4 and int2; say them as users write them. */
	const char *shown = !e->type				? ""
			    : strata__lint_ieq(e->type, "int4") ? "integer"
			    : strata__lint_ieq(e->type, "int2") ? "smallint"
								: e->type;
	int rc = STRATA_OK;
	switch (cls) {
	case LINT_T_CHAR:
		rc = EMIT(R_CHAR, o, "column %s.%s is char(n): use varchar(n) (or text with a CHECK on its length)", t,
			  c);
		break;
	case LINT_T_TS_NOTZ:
		rc = EMIT(R_TS_TZ, o, "column %s.%s is timestamp without time zone: use timestamptz", t, c);
		break;
	case LINT_T_VARCHAR:
		if (f->ctx->cfg->string_style == STRING_STYLE_TEXT && !array)
			rc = EMIT(R_STRING_LENGTH, o,
				  "column %s.%s is varchar(n): with string-style = text use text with "
				  "CHECK (length(%s) <= n)",
				  t, c, c);
		break;
	case LINT_T_FLOAT:
		if (strata__lint_money_like(c))
			rc = EMIT(
				R_MONEY_FLOAT, o,
				"column %s.%s holds money in a floating-point type: use numeric(p,s) or integer cents",
				t, c);
		break;
	case LINT_T_INT4:
	case LINT_T_SERIAL4:
		if (key || all)
			rc = EMIT(R_BIGINT_INT, o, "%scolumn %s.%s is %s (32 bits): use bigint", key ? "key " : "", t,
				  c, shown);
		break;
	case LINT_T_INT2:
	case LINT_T_SERIAL2:
		if (key || all)
			rc = EMIT(R_BIGINT_SMALLINT, o, "%scolumn %s.%s is %s (16 bits): use bigint", key ? "key " : "",
				  t, c, shown);
		break;
	default: break;
	}
	if (rc == STRATA_OK && e->op != LINT_OP_SET_TYPE &&
	    (cls == LINT_T_SERIAL2 || cls == LINT_T_SERIAL4 || cls == LINT_T_SERIAL8))
		rc = EMIT(R_IDENTITY, o, "column %s.%s is %s: use bigint generated by default as identity", t, c,
			  e->type);
	return rc;
}

/* ---- one effect ---- */

static int ident_len(lint_file *f, const lint_effect *e)
{
	if (e->name_len <= 63)
		return STRATA_OK;
	const char *kind = "", *name = e->name;
	char buf[64];
	switch (e->op) {
	case LINT_OP_CREATE_TABLE:
	case LINT_OP_DROP_TABLE:
		kind = "table";
		name = e->table;
		break;
	case LINT_OP_RENAME_TABLE:
		kind = "table";
		name = e->to;
		break;
	case LINT_OP_DEF_COLUMN:
	case LINT_OP_ADD_COLUMN:
	case LINT_OP_DROP_COLUMN: kind = "column"; break;
	case LINT_OP_RENAME_COLUMN:
		kind = "column";
		name = e->to;
		break;
	case LINT_OP_CREATE_INDEX:
	case LINT_OP_DROP_INDEX: kind = "index"; break;
	case LINT_OP_DEF_CONSTRAINT:
	case LINT_OP_ADD_CONSTRAINT:
	case LINT_OP_DROP_CONSTRAINT: kind = "constraint"; break;
	case LINT_OP_RENAME_OTHER:
		lower(buf, sizeof buf, e->what);
		kind = buf;
		name = e->to;
		break;
	default:
		lower(buf, sizeof buf, e->what);
		kind = buf;
		break;
	}
	if (!name)
		return STRATA_OK;
	return EMIT(R_IDENT_LEN, name, "%s name '%.40s...' is %zu bytes; PostgreSQL silently keeps only 63", kind, name,
		    e->name_len);
}

static bool serial_type(const char *t)
{
	lint_tclass c = strata__lint_type_class(t, NULL);
	return c == LINT_T_SERIAL2 || c == LINT_T_SERIAL4 || c == LINT_T_SERIAL8;
}

static int add_column(lint_file *f, const lint_effect *e, bool here, const char *o)
{
	bool pg = f->dialect == STRATA_BACKEND_POSTGRES;
	const char *t = e->table, *c = e->name;
	unsigned fl = e->flags;
	bool filled = fl & (LINT_F_DEFAULT | LINT_F_IDENTITY | LINT_F_STORED);
	int rc = STRATA_OK;
	if (pg && !(fl & LINT_F_IF_EXISTS) && !f->in_tx)
		rc = EMIT(R_IF_EXISTS, o, "ADD COLUMN %s without IF NOT EXISTS fails when re-run", c);
	if (rc == STRATA_OK && (fl & LINT_F_NOT_NULL) && !filled && !pg)
		rc = EMIT(R_NOT_NULL_NO_DEFAULT, o, "ADD COLUMN %s NOT NULL without a default: SQLite refuses it", c);
	else if (rc == STRATA_OK && (fl & LINT_F_NOT_NULL) && !filled && !here && !serial_type(e->type))
		rc = EMIT(R_NOT_NULL_NO_DEFAULT, o, "ADD COLUMN %s NOT NULL without a default fails when %s has rows",
			  c, t);
	if (rc != STRATA_OK || here)
		return rc;
	if (fl & LINT_F_STORED)
		rc = EMIT(
			R_VOLATILE_DEFAULT, o,
			"ADD COLUMN %s GENERATED ALWAYS AS (...) STORED computes a value for every row: it rewrites %s "
			"under an exclusive lock",
			c, t);
	else if (fl & LINT_F_IDENTITY)
		rc = EMIT(R_VOLATILE_DEFAULT, o,
			  "ADD COLUMN %s AS IDENTITY numbers every row: it rewrites %s under an exclusive lock", c, t);
	else if ((fl & LINT_F_VOLATILE) || serial_type(e->type))
		rc = EMIT(R_VOLATILE_DEFAULT, o,
			  "ADD COLUMN %s with a volatile default rewrites %s under an exclusive lock", c, t);
	if (rc == STRATA_OK && (fl & (LINT_F_UNIQUE | LINT_F_PRIMARY)))
		rc = EMIT(R_INDEX_CONC, o,
			  "ADD COLUMN %s %s builds a unique index while blocking writes: add the column, then CREATE "
			  "UNIQUE INDEX CONCURRENTLY and ADD CONSTRAINT ... USING INDEX",
			  c, fl & LINT_F_PRIMARY ? "PRIMARY KEY" : "UNIQUE");
	if (rc == STRATA_OK && (fl & LINT_F_FOREIGN)) {
		const char *ref = e->to ? e->to : "?";
		bool self = strata__lint_ieq(ref, t);
		rc = EMIT(R_NOT_VALID, o,
			  "ADD COLUMN %s REFERENCES %s checks the new column while blocking writes to %s%s%s: add the "
			  "column, then the foreign key NOT VALID, then VALIDATE CONSTRAINT",
			  c, ref, t, self ? "" : " and ", self ? "" : ref);
	}
	return rc;
}

/* concurrently-in-transaction: `what` cannot run in a transaction block, and one is open. */
static int conc_tx(lint_file *f, const lint_effect *e, const char *obj, const char *what)
{
	if (f->explicit_tx)
		return EMIT(
			R_CONC_TX, obj,
			"%s cannot run in a transaction: move it out of the BEGIN ... COMMIT that starts at line %d",
			what, f->begin_line);
	return EMIT(R_CONC_TX, obj,
		    "%s cannot run in a transaction: mark the section `-- migrate:up transaction:false`", what);
}

/* The rules on one effect (up section). */
static int judge(lint_file *f, lint_catalog *cat, const lint_effect *e)
{
	bool pg = f->dialect == STRATA_BACKEND_POSTGRES;
	bool here = is_new(f, cat, e->table);
	/*
	 * require-if-exists: a statement that fails inside a transaction (the
	 * runner's, or the file's own BEGIN) takes the ones before it back with
	 * it, so only statements outside one are re-run over their own work.
	 */
	bool reexec = (e->flags & LINT_F_IF_EXISTS) != 0 || f->in_tx;
	bool conc = (e->flags & LINT_F_CONCURRENTLY) != 0;
	const char *t = e->table, *c = e->name;
	char o[300];
	snprintf(o, sizeof o, "%s.%s", t, c ? c : "");
	int rc = ident_len(f, e);
	if (rc != STRATA_OK)
		return rc;

	switch (e->op) {
	case LINT_OP_CREATE_TABLE:
		if (!reexec)
			rc = EMIT(R_IF_EXISTS, t, "CREATE TABLE %s without IF NOT EXISTS fails when re-run", t);
		break;
	case LINT_OP_DEF_COLUMN: rc = column_design(f, e, o); break;
	case LINT_OP_CREATE_OTHER:
		if (!reexec)
			rc = EMIT(R_IF_EXISTS, c, "CREATE %s %s without IF NOT EXISTS fails when re-run", e->what, c);
		break;
	case LINT_OP_CREATE_INDEX: {
		const char *nm = c ? c : "(unnamed)", *obj = c ? c : t;
		if (!reexec)
			rc = EMIT(R_IF_EXISTS, obj, "CREATE INDEX %s without IF NOT EXISTS fails when re-run", nm);
		if (rc == STRATA_OK && !conc && !here)
			rc = EMIT(
				R_INDEX_CONC, obj,
				"CREATE INDEX %s on existing table %s blocks writes while it builds: use CONCURRENTLY",
				nm, t);
		if (rc == STRATA_OK && conc && f->in_tx)
			rc = conc_tx(f, e, obj, "CREATE INDEX CONCURRENTLY");
		break;
	}
	case LINT_OP_DROP_TABLE:
		if (!reexec)
			rc = EMIT(R_IF_EXISTS, t, "DROP TABLE %s without IF EXISTS fails when re-run", t);
		if (rc == STRATA_OK && pg && !here)
			rc = EMIT(R_DROP_TABLE, t, "DROP TABLE %s%s destroys its rows", t,
				  e->flags & LINT_F_CASCADE ? " CASCADE" : "");
		if (rc == STRATA_OK && pg && strata__lint_schema_has(f->schema, t, NULL))
			rc = EMIT(R_DROP_SCHEMA_COL, t, "table %s is dropped but the schema file still has it", t);
		break;
	case LINT_OP_DROP_INDEX: {
		bool own_new = is_new(f, cat, strata__lint_cat_index_table(cat, c));
		if (!reexec)
			rc = EMIT(R_IF_EXISTS, c, "DROP INDEX %s without IF EXISTS fails when re-run", c);
		if (rc == STRATA_OK && !conc && !own_new)
			rc = EMIT(R_DROP_INDEX_CONC, c,
				  "DROP INDEX %s takes an exclusive lock on its table: use CONCURRENTLY", c);
		if (rc == STRATA_OK && conc && f->in_tx)
			rc = conc_tx(f, e, c, "DROP INDEX CONCURRENTLY");
		break;
	}
	case LINT_OP_DROP_OTHER:
		if (!reexec)
			rc = EMIT(R_IF_EXISTS, c, "DROP %s %s without IF EXISTS fails when re-run", e->what, c);
		break;
	case LINT_OP_DROP_DATABASE:
		rc = EMIT(R_DROP_DATABASE, c, "DROP DATABASE %s destroys every table and row in it", c);
		break;
	case LINT_OP_ADD_COLUMN:
		rc = add_column(f, e, here, o);
		if (rc == STRATA_OK)
			rc = column_design(f, e, o);
		break;
	case LINT_OP_DROP_CONSTRAINT:
		if (pg && !reexec)
			rc = EMIT(R_IF_EXISTS, o, "DROP CONSTRAINT %s without IF EXISTS fails when re-run",
				  c ? c : "?");
		break;
	case LINT_OP_DROP_COLUMN:
		if (!pg)
			break;
		if (!reexec)
			rc = EMIT(R_IF_EXISTS, o, "DROP COLUMN %s without IF EXISTS fails when re-run", c);
		if (rc == STRATA_OK && !here)
			rc = EMIT(R_DROP_COLUMN, o, "DROP COLUMN %s.%s destroys its data", t, c);
		if (rc == STRATA_OK && strata__lint_schema_has(f->schema, t, c))
			rc = EMIT(R_DROP_SCHEMA_COL, o, "column %s.%s is dropped but the schema file still has it", t,
				  c);
		break;
	case LINT_OP_SET_TYPE: {
		const lint_column *cc = strata__lint_cat_col(strata__lint_cat_table(cat, t), c);
		const char *old = cc ? cc->type : NULL;
		if (old && strata__lint_type_narrows(old, e->type, f->dialect))
			rc = EMIT(R_NARROWING, o, "column %s.%s changes from %s to %s, which can lose data", t, c, old,
				  e->type);
		if (rc == STRATA_OK && !here && !strata__lint_type_cheap_change(old, e->type))
			rc = EMIT(R_ALTER_TYPE, o, "ALTER COLUMN %s TYPE %s rewrites %s under an exclusive lock", c,
				  e->type, t);
		if (rc == STRATA_OK)
			rc = column_design(f, e, o);
		break;
	}
	case LINT_OP_SET_NOT_NULL:
		if (!here)
			rc = EMIT(R_SET_NOT_NULL, o, "SET NOT NULL on %s.%s scans the table under an exclusive lock", t,
				  c);
		break;
	case LINT_OP_DROP_NOT_NULL:
		if (!here)
			rc = EMIT(R_DROP_NOT_NULL, o,
				  "ALTER COLUMN %s DROP NOT NULL lets NULLs into %s.%s, which running code does not "
				  "expect",
				  c, t, c);
		break;
	case LINT_OP_ADD_CONSTRAINT: {
		bool fk = e->flags & LINT_F_FOREIGN, check = e->flags & LINT_F_CHECK;
		if ((e->flags & LINT_F_NOT_VALID) && c && f->in_tx)
			rc = push_not_valid(f, c);
		if (rc != STRATA_OK || here)
			break;
		if ((fk || check) && !(e->flags & LINT_F_NOT_VALID))
			rc = EMIT(R_NOT_VALID, t,
				  "ADD CONSTRAINT %s %s validates every row while blocking writes: add it NOT "
				  "VALID, then VALIDATE CONSTRAINT",
				  c ? c : "", fk ? "FOREIGN KEY" : "CHECK");
		else if ((e->flags & (LINT_F_UNIQUE | LINT_F_PRIMARY)) && !(e->flags & LINT_F_USING_INDEX))
			rc = EMIT(R_INDEX_CONC, t,
				  "ADD CONSTRAINT %s builds its index while blocking writes: CREATE UNIQUE "
				  "INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX",
				  e->flags & LINT_F_UNIQUE ? "UNIQUE" : "PRIMARY KEY");
		break;
	}
	case LINT_OP_VALIDATE_CONSTRAINT:
		if (f->in_tx && added_not_valid(f, c))
			rc = EMIT(R_NOT_VALID, o,
				  "VALIDATE CONSTRAINT %s in the same transaction as its NOT VALID add scans %s while "
				  "the "
				  "add's lock is still held: validate it in a later migration (or a transaction:false "
				  "section)",
				  c, t);
		break;
	case LINT_OP_DETACH_PARTITION:
		if (!conc && !here)
			rc = EMIT(R_DETACH_CONC, t,
				  "DETACH PARTITION %s takes an ACCESS EXCLUSIVE lock on %s: use DETACH PARTITION ... "
				  "CONCURRENTLY",
				  c ? c : "", t);
		if (rc == STRATA_OK && conc && f->in_tx)
			rc = conc_tx(f, e, t, "DETACH PARTITION ... CONCURRENTLY");
		break;
	case LINT_OP_REINDEX: {
		const char *w = e->what ? e->what : "";
		const char *tbl = !strcmp(w, "TABLE")	? c
				  : !strcmp(w, "INDEX") ? strata__lint_cat_index_table(cat, c)
							: NULL;
		if (!conc && !is_new(f, cat, tbl))
			rc = EMIT(R_REINDEX_CONC, c ? c : w,
				  "REINDEX %s %s blocks writes while it rebuilds: use REINDEX %s CONCURRENTLY %s", w,
				  c ? c : "", w, c ? c : "");
		if (rc == STRATA_OK && conc && f->in_tx)
			rc = conc_tx(f, e, c ? c : w, "REINDEX CONCURRENTLY");
		break;
	}
	case LINT_OP_VACUUM: {
		bool vacuum = !e->what || strcmp(e->what, "ANALYZE") != 0;
		if (vacuum && f->in_tx)
			rc = conc_tx(f, e, *t ? t : NULL, "VACUUM");
		if (rc == STRATA_OK && (e->flags & LINT_F_FULL) && !here)
			rc = EMIT(R_REPACK, *t ? t : NULL,
				  "VACUUM FULL %s rewrites it under an ACCESS EXCLUSIVE lock, blocking reads and "
				  "writes: use "
				  "pg_repack (or REPACK CONCURRENTLY on PostgreSQL 19+)",
				  *t ? t : "(every table)");
		break;
	}
	case LINT_OP_CLUSTER:
		if (!here)
			rc = EMIT(
				R_REPACK, *t ? t : NULL,
				"CLUSTER %s rewrites it under an ACCESS EXCLUSIVE lock, blocking reads and writes: use "
				"pg_repack (or REPACK CONCURRENTLY ... USING INDEX on PostgreSQL 19+)",
				*t ? t : "(every clustered table)");
		break;
	case LINT_OP_CREATE_DOMAIN:
		if (e->flags & LINT_F_CHECK)
			rc = EMIT(
				R_DOMAIN_CHECK, c,
				"domain %s is created with a constraint: every column using it is checked against it, "
				"and changing it later locks and scans all of them",
				c);
		break;
	case LINT_OP_ALTER_DOMAIN:
		if (e->flags & LINT_F_CHECK)
			rc = EMIT(
				R_DOMAIN_ADD, c,
				"ALTER DOMAIN %s ADD CONSTRAINT checks every column of every table that uses %s while "
				"holding locks on them",
				c, c);
		break;
	case LINT_OP_ADD_ENUM_VALUE:
		if (!(e->flags & LINT_F_ORDERED))
			rc = EMIT(R_ENUM_ORDER, c,
				  "ALTER TYPE %s ADD VALUE '%s' puts it at the end of the type's order: say BEFORE or "
				  "AFTER",
				  c, e->to ? e->to : "");
		break;
	case LINT_OP_RENAME_TABLE:
		if (pg && !here)
			rc = EMIT(R_RENAME_TABLE, t, "renaming table %s to %s breaks code that still uses %s", t, e->to,
				  t);
		break;
	case LINT_OP_RENAME_COLUMN:
		if (pg && !here)
			rc = EMIT(R_RENAME_COLUMN, o, "renaming column %s.%s to %s breaks code that still uses %s", t,
				  c, e->to, c);
		break;
	case LINT_OP_TRUNCATE:
		rc = EMIT(R_TRUNCATE, t, "TRUNCATE %s%s deletes every row", t,
			  e->flags & LINT_F_CASCADE ? " CASCADE (and every referencing row)" : "");
		if (rc == STRATA_OK && (e->flags & LINT_F_CASCADE))
			rc = EMIT(R_TRUNCATE_CASCADE, t,
				  "TRUNCATE %s CASCADE also empties every table that references %s, recursively", t, t);
		break;
	case LINT_OP_DELETE:
	case LINT_OP_UPDATE:
		if (!(e->flags & LINT_F_WHERE))
			rc = EMIT(R_DML_NO_WHERE, t, "%s on %s without WHERE changes every row",
				  e->op == LINT_OP_DELETE ? "DELETE" : "UPDATE", t);
		break;
	case LINT_OP_BEGIN:
	case LINT_OP_COMMIT:
	case LINT_OP_ROLLBACK: rc = transaction(f, e); break;
	case LINT_OP_SET:
		if (c && strata__lint_ieq(c, "lock_timeout"))
			f->lock_timeout = (e->flags & LINT_F_NONZERO) != 0;
		else if (c && strata__lint_ieq(c, "statement_timeout"))
			f->stmt_timeout = (e->flags & LINT_F_NONZERO) != 0;
		break;
	default: break;
	}
	return rc;
}

/* What the effect did, into the catalog (up sections only). */
static int apply(lint_file *f, lint_catalog *cat, const lint_effect *e)
{
	lint_table *t;
	int rc = STRATA_OK;
	switch (e->op) {
	case LINT_OP_CREATE_TABLE:
		strata__lint_cat_drop_table(cat, e->table);
		rc = strata__lint_cat_add_table(cat, e->table, &t);
		if (rc == STRATA_OK)
			t->fresh = f->pending;
		return rc;
	case LINT_OP_DEF_COLUMN:
	case LINT_OP_ADD_COLUMN:
		rc = strata__lint_cat_add_table(cat, e->table, &t);
		return rc == STRATA_OK ? strata__lint_cat_set_col(t, e->name, e->type) : rc;
	case LINT_OP_DROP_TABLE: strata__lint_cat_drop_table(cat, e->table); return STRATA_OK;
	case LINT_OP_DROP_COLUMN:
		strata__lint_cat_drop_col(strata__lint_cat_table(cat, e->table), e->name);
		return STRATA_OK;
	case LINT_OP_SET_TYPE:
		t = strata__lint_cat_table(cat, e->table);
		return strata__lint_cat_col(t, e->name) ? strata__lint_cat_set_col(t, e->name, e->type) : STRATA_OK;
	case LINT_OP_RENAME_TABLE: return strata__lint_cat_rename_table(cat, e->table, e->to);
	case LINT_OP_RENAME_COLUMN:
		return strata__lint_cat_rename_col(strata__lint_cat_table(cat, e->table), e->name, e->to);
	case LINT_OP_CREATE_INDEX: return e->name ? strata__lint_cat_add_index(cat, e->name, e->table) : STRATA_OK;
	case LINT_OP_DROP_INDEX: strata__lint_cat_drop_index(cat, e->name); return STRATA_OK;
	default: return STRATA_OK;
	}
}

int strata__lint_rules_stmt(lint_file *f, lint_catalog *cat, const lint_stmt *st, size_t first)
{
	if (f->down)
		return STRATA_OK;
	const lint_effects *ef = &f->up;
	stmt_locks sl;
	if (f->dialect == STRATA_BACKEND_POSTGRES && first < ef->n)
		f->ctx->lock = statement_locks(f, cat, first, &sl);
	int rc = f->dialect == STRATA_BACKEND_POSTGRES ? timeouts(f, cat, st, first) : STRATA_OK;
	if (rc == STRATA_OK && f->dialect == STRATA_BACKEND_POSTGRES && strata__lint_enabled(f->ctx, R_TABLE_SCHEMA))
		rc = table_schema(f, st, first);
	if (rc == STRATA_OK)
		rc = duplicates(f, first);
	for (size_t i = first; i < ef->n && rc == STRATA_OK; i++) {
		rc = judge(f, cat, &ef->v[i]);
		if (rc == STRATA_OK)
			rc = apply(f, cat, &ef->v[i]);
	}
	f->ctx->lock = NULL;
	if (!f->in_tx)
		clear_not_valid(f);
	return rc;
}
