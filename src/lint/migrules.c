/*
 * The migration rules: judged on the effects of each statement (read by
 * the dialect adapters, pg.c and sqlite.c), the file so far and the
 * catalog of what earlier files did; and on snapshots of scratch
 * databases.  Every migration finding except invalid-sql is emitted here.
 *
 * On SQLite the statement rules that judge data loss (drop-table,
 * drop-column, rename-*, narrowing-type, drop-column-in-schema) are left
 * to the snapshot comparison: a statement alone does not tell a table
 * rebuild from a drop there.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "lint/mig.h"

#define EMIT(rule, ...) strata__lint_emit(f->ctx, (rule), st->line, st->col, __VA_ARGS__)

/* Was the table created earlier in this section? */
static bool is_new(const lint_file *f, const char *table)
{
	const lint_effects *e = f->down ? &f->dn : &f->up;
	return strata__lint_eff_find(e, LINT_OP_CREATE_TABLE, table, NULL) != NULL;
}

static bool serial_type(const char *t)
{
	return t && (!strcmp(t, "serial") || !strcmp(t, "bigserial") || !strcmp(t, "smallserial") ||
		     !strcmp(t, "serial4") || !strcmp(t, "serial8") || !strcmp(t, "serial2"));
}

/* A strong lock on an existing table: require a lock_timeout first (once a file). */
static int strong_lock(lint_file *f, const lint_stmt *st, const char *table, const char *what)
{
	if (f->lock_timeout || f->lock_reported || is_new(f, table))
		return STRATA_OK;
	f->lock_reported = true;
	return EMIT(R_LOCK_TIMEOUT, table,
		    "%s on %s waits for its lock without a limit: start the "
		    "migration with SET lock_timeout",
		    what, table);
}

/* The statement that takes a strong lock on the effect's table, as a user wrote it; NULL: none. */
static const char *lock_verb(const lint_effect *e)
{
	switch (e->op) {
	case LINT_OP_ADD_COLUMN:
	case LINT_OP_DROP_COLUMN:
	case LINT_OP_ALTER_TYPE:
	case LINT_OP_SET_NOT_NULL:
	case LINT_OP_ADD_CONSTRAINT:
	case LINT_OP_ALTER_OTHER: return "ALTER TABLE";
	case LINT_OP_CREATE_INDEX: return e->flags & LINT_F_CONCURRENTLY ? NULL : "CREATE INDEX";
	case LINT_OP_DROP_TABLE: return "DROP TABLE";
	case LINT_OP_RENAME_TABLE: return "ALTER TABLE RENAME";
	case LINT_OP_RENAME_COLUMN: return "ALTER TABLE RENAME COLUMN";
	default: return NULL;
	}
}

static int ident_len(lint_file *f, const lint_stmt *st, const lint_effect *e, const char *what, const char *name)
{
	if (e->name_len <= 63 || !name)
		return STRATA_OK;
	return EMIT(R_IDENT_LEN, name, "%s name '%.40s...' is %zu bytes; PostgreSQL silently keeps only 63", what, name,
		    e->name_len);
}

static void lower(char *dst, size_t cap, const char *s)
{
	size_t i = 0;
	for (; s && s[i] && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[i] = '\0';
}

/* The rules on one effect (up section). */
static int judge(lint_file *f, lint_catalog *cat, const lint_stmt *st, const lint_effect *e)
{
	bool pg = f->dialect == STRATA_BACKEND_POSTGRES;
	bool here = is_new(f, e->table);
	bool reexec = (e->flags & LINT_F_IF_EXISTS) != 0;
	const char *t = e->table, *c = e->name;
	char o[300];
	snprintf(o, sizeof o, "%s.%s", t, c ? c : "");
	int rc = STRATA_OK;
	const char *verb = lock_verb(e);
	if (pg && verb && *t && !here)
		rc = strong_lock(f, st, t, verb);
	if (rc != STRATA_OK)
		return rc;

	switch (e->op) {
	case LINT_OP_CREATE_TABLE:
		rc = ident_len(f, st, e, "table", t);
		if (rc == STRATA_OK && !reexec)
			rc = EMIT(R_IF_EXISTS, t, "CREATE TABLE %s without IF NOT EXISTS fails when re-run", t);
		break;
	case LINT_OP_DEF_COLUMN: rc = ident_len(f, st, e, "column", c); break;
	case LINT_OP_CREATE_OTHER: {
		char kind[64];
		lower(kind, sizeof kind, e->what);
		rc = ident_len(f, st, e, kind, c);
		if (rc == STRATA_OK && !reexec)
			rc = EMIT(R_IF_EXISTS, c, "CREATE %s %s without IF NOT EXISTS fails when re-run", e->what, c);
		break;
	}
	case LINT_OP_CREATE_INDEX: {
		const char *nm = c ? c : "(unnamed)", *obj = c ? c : t;
		bool conc = e->flags & LINT_F_CONCURRENTLY;
		rc = ident_len(f, st, e, "index", c);
		if (rc == STRATA_OK && !reexec)
			rc = EMIT(R_IF_EXISTS, obj, "CREATE INDEX %s without IF NOT EXISTS fails when re-run", nm);
		if (rc == STRATA_OK && !conc && !here)
			rc = EMIT(R_INDEX_CONC, obj,
				  "CREATE INDEX %s on existing table %s blocks writes while it "
				  "builds: use CONCURRENTLY",
				  nm, t);
		if (rc == STRATA_OK && conc && f->up_tx)
			rc = EMIT(R_CONC_TX, obj,
				  "CREATE INDEX CONCURRENTLY cannot run in a transaction: mark "
				  "the section "
				  "`-- migrate:up transaction:false`");
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
	case LINT_OP_DROP_INDEX:
		if (!reexec)
			rc = EMIT(R_IF_EXISTS, c, "DROP INDEX %s without IF EXISTS fails when re-run", c);
		if (rc == STRATA_OK && !(e->flags & LINT_F_CONCURRENTLY))
			rc = EMIT(R_DROP_INDEX_CONC, c,
				  "DROP INDEX %s takes an exclusive lock on its table: use "
				  "CONCURRENTLY",
				  c);
		if (rc == STRATA_OK && (e->flags & LINT_F_CONCURRENTLY) && f->up_tx)
			rc = EMIT(R_CONC_TX, c,
				  "DROP INDEX CONCURRENTLY cannot run in a transaction: mark the "
				  "section "
				  "`-- migrate:up transaction:false`");
		break;
	case LINT_OP_DROP_OTHER:
		if (!reexec)
			rc = EMIT(R_IF_EXISTS, c, "DROP %s %s without IF EXISTS fails when re-run", e->what, c);
		break;
	case LINT_OP_ADD_COLUMN: {
		bool notnull = e->flags & LINT_F_NOT_NULL;
		bool filled = e->flags & (LINT_F_DEFAULT | LINT_F_IDENTITY);
		rc = ident_len(f, st, e, "column", c);
		if (rc == STRATA_OK && pg && !reexec)
			rc = EMIT(R_IF_EXISTS, o, "ADD COLUMN %s without IF NOT EXISTS fails when re-run", c);
		if (rc == STRATA_OK && notnull && !filled && !pg)
			rc = EMIT(R_NOT_NULL_NO_DEFAULT, o, "ADD COLUMN %s NOT NULL without a default: SQLite refuses it",
				  c);
		else if (rc == STRATA_OK && notnull && !filled && !here && !serial_type(e->type))
			rc = EMIT(R_NOT_NULL_NO_DEFAULT, o,
				  "ADD COLUMN %s NOT NULL without a default fails when %s has rows", c, t);
		if (rc == STRATA_OK && !here && ((e->flags & LINT_F_VOLATILE) || serial_type(e->type)))
			rc = EMIT(R_VOLATILE_DEFAULT, o,
				  "ADD COLUMN %s with a volatile default rewrites %s under an "
				  "exclusive lock",
				  c, t);
		break;
	}
	case LINT_OP_DROP_COLUMN:
		if (!pg)
			break;
		if (!reexec)
			rc = EMIT(R_IF_EXISTS, o, "DROP COLUMN %s without IF EXISTS fails when re-run", c);
		if (rc == STRATA_OK && !here)
			rc = EMIT(R_DROP_COLUMN, o, "DROP COLUMN %s.%s destroys its data", t, c);
		if (rc == STRATA_OK && strata__lint_schema_has(f->schema, t, c))
			rc = EMIT(R_DROP_SCHEMA_COL, o, "column %s.%s is dropped but the schema file still has it", t, c);
		break;
	case LINT_OP_ALTER_TYPE: {
		const lint_column *cc = strata__lint_cat_col(strata__lint_cat_table(cat, t), c);
		const char *old = cc ? cc->type : NULL;
		if (old && strata__lint_type_narrows(old, e->type, f->dialect))
			rc = EMIT(R_NARROWING, o, "column %s.%s changes from %s to %s, which can lose data", t, c, old,
				  e->type);
		if (rc == STRATA_OK && !here && !strata__lint_type_cheap_change(old, e->type))
			rc = EMIT(R_ALTER_TYPE, o, "ALTER COLUMN %s TYPE %s rewrites %s under an exclusive lock", c,
				  e->type, t);
		break;
	}
	case LINT_OP_SET_NOT_NULL:
		if (!here)
			rc = EMIT(R_SET_NOT_NULL, o, "SET NOT NULL on %s.%s scans the table under an exclusive lock", t, c);
		break;
	case LINT_OP_ADD_CONSTRAINT: {
		bool fk = e->flags & LINT_F_FOREIGN, check = e->flags & LINT_F_CHECK;
		if (here)
			break;
		if ((fk || check) && !(e->flags & LINT_F_NOT_VALID))
			rc = EMIT(R_NOT_VALID, t,
				  "ADD CONSTRAINT %s %s validates every row while blocking "
				  "writes: add it NOT "
				  "VALID, then VALIDATE CONSTRAINT",
				  c ? c : "", fk ? "FOREIGN KEY" : "CHECK");
		else if ((e->flags & (LINT_F_UNIQUE | LINT_F_PRIMARY)) && !(e->flags & LINT_F_USING_INDEX))
			rc = EMIT(R_INDEX_CONC, t,
				  "ADD CONSTRAINT %s builds its index while blocking writes: "
				  "CREATE UNIQUE "
				  "INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX",
				  e->flags & LINT_F_UNIQUE ? "UNIQUE" : "PRIMARY KEY");
		break;
	}
	case LINT_OP_RENAME_TABLE:
		if (pg && !here)
			rc = EMIT(R_RENAME_TABLE, t, "renaming table %s to %s breaks code that still uses %s", t, e->to, t);
		break;
	case LINT_OP_RENAME_COLUMN:
		if (pg && !here)
			rc = EMIT(R_RENAME_COLUMN, o, "renaming column %s.%s to %s breaks code that still uses %s", t, c,
				  e->to, c);
		break;
	case LINT_OP_TRUNCATE:
		rc = EMIT(R_TRUNCATE, t, "TRUNCATE %s%s deletes every row", t,
			  e->flags & LINT_F_CASCADE ? " CASCADE (and every referencing row)" : "");
		break;
	case LINT_OP_DELETE:
	case LINT_OP_UPDATE:
		if (!(e->flags & LINT_F_WHERE))
			rc = EMIT(R_DML_NO_WHERE, t, "%s on %s without WHERE changes every row",
				  e->op == LINT_OP_DELETE ? "DELETE" : "UPDATE", t);
		break;
	case LINT_OP_SET:
		if (c && strata__lint_ieq(c, "lock_timeout"))
			f->lock_timeout = (e->flags & LINT_F_NONZERO) != 0;
		break;
	case LINT_OP_ALTER_OTHER: break;
	}
	return rc;
}

/* What the effect did, into the catalog (up sections only). */
static int apply(lint_catalog *cat, const lint_effect *e)
{
	lint_table *t;
	int rc = STRATA_OK;
	switch (e->op) {
	case LINT_OP_CREATE_TABLE:
		strata__lint_cat_drop_table(cat, e->table);
		return strata__lint_cat_add_table(cat, e->table, &t);
	case LINT_OP_DEF_COLUMN:
	case LINT_OP_ADD_COLUMN:
		rc = strata__lint_cat_add_table(cat, e->table, &t);
		return rc == STRATA_OK ? strata__lint_cat_set_col(t, e->name, e->type) : rc;
	case LINT_OP_DROP_TABLE: strata__lint_cat_drop_table(cat, e->table); return STRATA_OK;
	case LINT_OP_DROP_COLUMN:
		strata__lint_cat_drop_col(strata__lint_cat_table(cat, e->table), e->name);
		return STRATA_OK;
	case LINT_OP_ALTER_TYPE:
		t = strata__lint_cat_table(cat, e->table);
		return strata__lint_cat_col(t, e->name) ? strata__lint_cat_set_col(t, e->name, e->type) : STRATA_OK;
	case LINT_OP_RENAME_TABLE: return strata__lint_cat_rename_table(cat, e->table, e->to);
	case LINT_OP_RENAME_COLUMN:
		return strata__lint_cat_rename_col(strata__lint_cat_table(cat, e->table), e->name, e->to);
	default: return STRATA_OK;
	}
}

int strata__lint_rules_stmt(lint_file *f, lint_catalog *cat, const lint_stmt *st, size_t first)
{
	if (f->down)
		return STRATA_OK;
	const lint_effects *e = &f->up;
	int rc = STRATA_OK;
	for (size_t i = first; i < e->n && rc == STRATA_OK; i++) {
		rc = judge(f, cat, st, &e->v[i]);
		if (rc == STRATA_OK)
			rc = apply(cat, &e->v[i]);
	}
	return rc;
}

/* ---- down undoes up ---- */

static bool renamed_back(const lint_effects *dn, const lint_effect *e)
{
	for (size_t j = 0; j < dn->n; j++) {
		const lint_effect *d = &dn->v[j];
		if (d->op == LINT_OP_RENAME_TABLE && e->op == LINT_OP_RENAME_TABLE && strata__lint_ieq(d->table, e->to) &&
		    strata__lint_ieq(d->to, e->table))
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
		bool created = strata__lint_eff_find(up, LINT_OP_CREATE_TABLE, e->table, NULL) != NULL;
		bool dropped = strata__lint_eff_find(dn, LINT_OP_DROP_TABLE, e->table, NULL) != NULL;
		switch (e->op) {
		case LINT_OP_CREATE_TABLE:
			if (!dropped)
				rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up creates table %s but down does not drop it", e->table);
			break;
		case LINT_OP_ADD_COLUMN:
			if (!created && !dropped && !strata__lint_eff_find(dn, LINT_OP_DROP_COLUMN, e->table, e->name))
				rc = strata__lint_emit(ctx, R_DOWN_INVERSE, line, 1, e->table,
						       "up adds column %s.%s but down does not drop it", e->table, e->name);
			break;
		case LINT_OP_CREATE_INDEX:
			if (e->name && !created && !dropped && !strata__lint_eff_find(dn, LINT_OP_DROP_INDEX, "", e->name))
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
			if (!index_created(dn, e->name))
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
		if ((e->v[i].op == LINT_OP_DELETE || e->v[i].op == LINT_OP_UPDATE) && strata__lint_ieq(e->v[i].table, t))
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
					       "renaming table %s to %s breaks code that still uses %s", ta->name, rn->to,
					       ta->name);
		if (rc != STRATA_OK)
			break;
		if (!tb) {
			if (rn)
				continue;
			rc = strata__lint_emit(ctx, R_DROP_TABLE, line, col, ta->name, "table %s is dropped with its rows",
					       ta->name);
			if (rc == STRATA_OK && strata__lint_schema_has(f->schema, ta->name, NULL))
				rc = strata__lint_emit(ctx, R_DROP_SCHEMA_COL, line, col, ta->name,
						       "table %s is dropped but the schema file still has it", ta->name);
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
				const lint_effect *r2 = strata__lint_eff_find(e, LINT_OP_RENAME_COLUMN, ta->name, ca->name);
				if (r2) {
					rc = strata__lint_emit(ctx, R_RENAME_COLUMN, r2->line, r2->col, o,
							       "renaming column %s to %s breaks code that still uses %s", o,
							       r2->to, ca->name);
					continue;
				}
				rc = strata__lint_emit(ctx, R_DROP_COLUMN, l2, c2, o, "column %s is dropped with its data",
						       o);
				if (rc == STRATA_OK && strata__lint_schema_has(f->schema, ta->name, ca->name))
					rc = strata__lint_emit(ctx, R_DROP_SCHEMA_COL, l2, c2, o,
							       "column %s is dropped but the schema file still has it", o);
			} else if (!strata__lint_ieq(ca->type, cb->type) &&
				   strata__lint_type_narrows(ca->type, cb->type, f->dialect)) {
				rc = strata__lint_emit(ctx, R_NARROWING, l2, c2, o,
						       "column %s changes from %s to %s, which can lose data", o, ca->type,
						       cb->type);
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
							       "after up and down, column %s.%s is %s; it was %s", tx->name,
							       tx->cols[k].name, cy->type, tx->cols[k].type);
			}
		}
	}
	return rc;
}
