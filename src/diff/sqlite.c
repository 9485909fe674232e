/*
 * SQLite: what ALTER TABLE can do in place (renames, columns that ADD
 * COLUMN accepts, indexes, triggers), and the documented twelve-step
 * rebuild for everything else: a new table under a temporary name, every
 * row copied, the old table dropped, the new one renamed, its indexes and
 * triggers recreated.  The rebuild needs foreign keys off, which SQLite
 * only allows outside a transaction, so a plan with a rebuild sets
 * c->rebuilt and plan.c wraps the part in its own transaction.
 */
#include <stdio.h>
#include <string.h>

#include "diff/internal.h"
#include "sql/ddl.h"

static int sqlite_rebuild(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb, const char *why)
{
	strata_buf *b = c->tx;
	char tmp[160];
	int rc;
	snprintf(tmp, sizeof tmp, "%.50s__strata_new", tb->name);
	const char *lossy = NULL;
	for (int i = 0; i < ta->ncolumns && !lossy; i++)
		if (!strata__diff_new_col(c, ta, tb, &ta->columns[i]))
			lossy = "the rebuild leaves out columns that are dropped";
	for (int i = 0; i < tb->ncolumns && !lossy; i++) {
		const strata_column *cb = &tb->columns[i], *ca = strata__diff_old_col(c, ta, tb, cb);
		if (ca && !strata__diff_widening(&ca->type, &cb->type))
			lossy = "a narrowing type change can fail or lose data";
		else if (ca && ca->type.kind == STRATA_T_ENUM && cb->type.kind == STRATA_T_ENUM &&
			 strata__diff_old_enum(c, ca->type.enum_name) && strata_schema_enum(c->b, cb->type.enum_name) &&
			 !strata__diff_enum_extends(strata__diff_old_enum(c, ca->type.enum_name),
						    strata_schema_enum(c->b, cb->type.enum_name)))
			lossy = "enum values are removed: rows holding them make this fail";
		else if (ca && cb->not_null && !ca->not_null)
			lossy = "NOT NULL fails on a column that holds NULLs";
	}
	c->rebuilt = true;
	if ((rc = strata__diff_change(c, STRATA_CHANGE_REBUILD_TABLE, tb->name, NULL, lossy != NULL,
				      "rebuild table %s (%s)", tb->name, why)))
		return rc;
	if ((rc = strata__buf_printf(b, "-- rebuild %s: %s\n", tb->name, why)))
		return rc;
	if (lossy && (rc = strata__diff_destructive(b, lossy)))
		return rc;
	if ((rc = strata__sql_drop_triggers(b, c->d, ta)) ||
	    (rc = strata__sql_create_table(b, c->d, c->b, tb, tmp, NULL, NULL)))
		return rc;
	bool any = false;
	strata_buf to = STRATA_BUF_INIT, from = STRATA_BUF_INIT;
	for (int i = 0; i < tb->ncolumns && !rc; i++) {
		const strata_column *ca = strata__diff_old_col(c, ta, tb, &tb->columns[i]);
		if (!ca || tb->columns[i].generated)
			continue; /* new columns take their default; generated ones compute themselves */
		if (any && ((rc = strata__buf_puts(&to, ", ")) || (rc = strata__buf_puts(&from, ", "))))
			break;
		bool mapped = false;
		if (!(rc = strata__sql_ident(&to, c->d, tb->columns[i].name)) && ca->type.kind == STRATA_T_ENUM &&
		    !ca->type.array)
			rc = strata__diff_enum_copy_expr(c, &from, ca->type.enum_name, ca->name, &mapped);
		if (!rc && !mapped)
			rc = strata__sql_ident(&from, c->d, ca->name);
		any = true;
	}
	if (!rc && any) {
		if (!(rc = strata__buf_puts(b, "INSERT INTO ")) && !(rc = strata__sql_ident(b, c->d, tmp)) &&
		    !(rc = strata__buf_printf(b, " (%s) SELECT %s FROM ", strata__buf_cstr(&to),
					      strata__buf_cstr(&from))) &&
		    !(rc = strata__sql_ident(b, c->d, tb->name)))
			rc = strata__buf_puts(b, ";\n");
	}
	strata__buf_free(&to);
	strata__buf_free(&from);
	if (rc || (rc = strata__buf_puts(b, "DROP TABLE ")) || (rc = strata__sql_ident(b, c->d, tb->name)) ||
	    (rc = strata__buf_puts(b, ";\n")) || (rc = strata__diff_alter_table(c, b, tmp)) ||
	    (rc = strata__buf_puts(b, "RENAME TO ")) || (rc = strata__sql_ident(b, c->d, tb->name)) ||
	    (rc = strata__buf_puts(b, ";\n")))
		return rc;
	for (int i = 0; i < tb->nindexes; i++)
		if ((rc = strata__sql_create_index(b, c->d, tb, &tb->indexes[i], false)))
			return rc;
	return strata__sql_triggers(b, c->d, tb);
}

/* Can SQLite's ALTER TABLE ADD COLUMN add this column to a table with rows? */
static bool sqlite_simple_add(const strata_table *tb, const strata_column *cb)
{
	if (cb->unique || strata_table_in_pkey(tb, cb->name) || cb->type.kind == STRATA_T_SERIAL)
		return false;
	if (cb->generated)
		return cb->generated_virtual && !cb->not_null; /* ADD COLUMN adds VIRTUAL generated columns only */
	switch (cb->dflt.kind) {
	case STRATA_DEFAULT_NONE: return !cb->not_null;
	case STRATA_DEFAULT_INT:
	case STRATA_DEFAULT_NUMBER:
	case STRATA_DEFAULT_STRING:
	case STRATA_DEFAULT_BOOL:
	case STRATA_DEFAULT_ENUM: return true;
	default: return false;
	}
}

/* Why SQLite must rebuild, or NULL when ALTER TABLE can do it. */
static const char *sqlite_rebuild_reason(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	for (int i = 0; i < ta->ncolumns; i++)
		if (!strata__diff_new_col(c, ta, tb, &ta->columns[i]))
			return "a column is dropped";
	for (int i = 0; i < tb->ncolumns; i++) {
		const strata_column *cb = &tb->columns[i], *ca = strata__diff_old_col(c, ta, tb, cb);
		if (!ca) {
			if (!sqlite_simple_add(tb, cb))
				return "a column that ALTER TABLE ADD COLUMN cannot add";
			continue;
		}
		if (!strata__diff_same_column(ca, cb) || !strata__diff_same_implied(c, ca, cb))
			return "a column changes";
	}
	if (ta->without_rowid != tb->without_rowid || ta->strict != tb->strict)
		return "WITHOUT ROWID or STRICT changes";
	if (ta->npkey != tb->npkey)
		return "the primary key changes";
	for (int i = 0; i < tb->npkey; i++) {
		const strata_column *ca = strata__diff_old_col(c, ta, tb, strata_table_column(tb, tb->pkey[i]));
		if (!ca || !strata_table_in_pkey(ta, ca->name))
			return "the primary key changes";
	}
	if (ta->nuniques != tb->nuniques || ta->nchecks != tb->nchecks || ta->nfkeys != tb->nfkeys)
		return "constraints change";
	for (int i = 0; i < tb->nuniques; i++) {
		const strata_unique *u = strata__diff_find_unique(ta, tb->uniques[i].name);
		if (!u || !strata__diff_cols_match(c, ta, tb, u->columns, u->ncolumns, tb->uniques[i].columns,
						   tb->uniques[i].ncolumns))
			return "constraints change";
	}
	for (int i = 0; i < tb->nchecks; i++) {
		const strata_check *k = strata__diff_find_check(ta, tb->checks[i].name);
		if (!k || strcmp(k->expr, tb->checks[i].expr) != 0)
			return "constraints change";
	}
	for (int i = 0; i < tb->nfkeys; i++) {
		const strata_fkey *f = strata__diff_find_fkey(ta, tb->fkeys[i].name);
		if (!f || !strata__diff_fkey_matches(c, ta, tb, f, &tb->fkeys[i]))
			return "foreign keys change";
	}
	return NULL;
}

int strata__diff_sqlite_table(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc;
	const char *t = tb->name;
	/* Column renames in place; anything else ALTER TABLE cannot do rebuilds. */
	const char *why = sqlite_rebuild_reason(c, ta, tb);
	if (why)
		return sqlite_rebuild(c, ta, tb, why);
	for (int i = 0; i < tb->ncolumns; i++) {
		const strata_column *cb = &tb->columns[i], *ca = strata__diff_old_col(c, ta, tb, cb);
		if (ca && strcmp(ca->name, cb->name) != 0 &&
		    (rc = strata__diff_rename_column(c, t, ca->name, cb->name)))
			return rc;
		if (!ca && ((rc = strata__diff_change(c, STRATA_CHANGE_ADD_COLUMN, t, cb->name, false,
						      "add column %s.%s", t, cb->name)) ||
			    (rc = strata__diff_add_column(c, tb, cb))))
			return rc;
	}
	if ((rc = strata__diff_indexes(c, ta, tb, false)))
		return rc;
	return strata__diff_triggers(c, ta, tb);
}

bool strata__diff_sqlite_rebuilds(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	return sqlite_rebuild_reason(c, ta, tb) != NULL;
}
