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
	if ((rc = strata__sql_drop_triggers(b, c->d, ta)) || (rc = strata__sql_drop_table_item_triggers(b, c->d, ta)) ||
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
	/* after the copy: the item triggers check new writes, not the rows the table had */
	if ((rc = strata__sql_triggers(b, c->d, tb)))
		return rc;
	return strata__sql_table_item_triggers(b, c->d, c->b, tb);
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

/* Do the item triggers of ca (in model a) and cb (in b) say the same, up to the table and column names? */
static bool same_item_triggers(const strata__diff_ctx *c, const strata_column *ca, const strata_column *cb)
{
	strata_buf x = STRATA_BUF_INIT, y = STRATA_BUF_INIT;
	strata_table t;
	memset(&t, 0, sizeof t);
	t.name = "t";
	strata_column tmp = *ca;
	tmp.name = cb->name;
	int rx = strata__sql_item_triggers(&x, c->d, c->a, &t, &tmp);
	int ry = strata__sql_item_triggers(&y, c->d, c->b, &t, cb);
	bool same = rx == ry && strcmp(strata__buf_cstr(&x), strata__buf_cstr(&y)) == 0;
	strata__buf_free(&x);
	strata__buf_free(&y);
	return same;
}

/*
 * The item triggers of array columns (src/sql/items.c) in a table altered
 * in place: a new column gets them, a renamed column or table gets them
 * under the new name, an enum array whose values change gets them again.
 * A column that kept its name and rule keeps what it has: a table made
 * before these triggers existed gets them with its next rebuild
 * (docs/schema-language.md).
 */
static int sqlite_item_triggers(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc = STRATA_OK;
	bool table_renamed = strcmp(ta->name, tb->name) != 0;
	for (int i = 0; i < tb->ncolumns && !rc; i++) {
		const strata_column *cb = &tb->columns[i], *ca = strata__diff_old_col(c, ta, tb, cb);
		if (!strata__sql_items_checked(cb) && !(ca && strata__sql_items_checked(ca)))
			continue;
		bool rule = ca && !same_item_triggers(c, ca, cb);
		if (ca && !table_renamed && strcmp(ca->name, cb->name) == 0 && !rule)
			continue;
		if (rule && (rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, tb->name, cb->name, false,
						      "update the item checks of %s.%s", tb->name, cb->name)))
			return rc;
		if (ca)
			rc = strata__sql_drop_item_triggers(c->tx, c->d, ta->name, ca);
		if (!rc)
			rc = strata__sql_item_triggers(c->tx, c->d, c->b, tb, cb);
	}
	return rc;
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
	if ((rc = strata__diff_indexes(c, ta, tb, false)) || (rc = sqlite_item_triggers(c, ta, tb)))
		return rc;
	return strata__diff_triggers(c, ta, tb);
}

bool strata__diff_sqlite_rebuilds(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	return sqlite_rebuild_reason(c, ta, tb) != NULL;
}
