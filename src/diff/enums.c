/*
 * Enum types on PostgreSQL: created, values added with ALTER TYPE ... ADD
 * VALUE (committed first when a default uses them), or, when values are
 * removed or reordered, the type recreated and its columns converted
 * through text.  SQLite has no enum types: its CHECKs change with the
 * table (sqlite.c).
 */
#include <stdio.h>
#include <string.h>

#include "diff/internal.h"
#include "sql/ddl.h"

bool strata__diff_enum_extends(const strata_enum *x, const strata_enum *y)
{
	int j = 0;
	for (int i = 0; i < y->nvalues && j < x->nvalues; i++)
		if (strcmp(y->values[i], x->values[j]) == 0)
			j++;
	return j == x->nvalues;
}

int strata__diff_pg_enums_before(strata__diff_ctx *c)
{
	int rc;
	for (int i = 0; i < c->b->nenums; i++) {
		const strata_enum *eb = &c->b->enums[i], *ea = strata_schema_enum(c->a, eb->name);
		if (!ea) {
			if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_ENUM, NULL, eb->name, false,
						      "create enum %s", eb->name)) ||
			    (rc = strata__sql_create_enum(c->tx, c->d, eb)))
				return rc;
			continue;
		}
		if (strata__diff_same_list(ea->values, ea->nvalues, eb->values, eb->nvalues) ||
		    !strata__diff_enum_extends(ea, eb))
			continue;
		for (int k = 0; k < eb->nvalues; k++) {
			bool have = false;
			for (int j = 0; j < ea->nvalues; j++)
				have |= strcmp(ea->values[j], eb->values[k]) == 0;
			if (have)
				continue;
			/*
			 * A value added in a transaction cannot be used before it commits:
			 * when a default names it, it goes into a part of its own that runs first.
			 */
			strata_buf *out = c->tx;
			for (int t = 0; t < c->b->ntables && c->pre; t++)
				for (int j = 0; j < c->b->tables[t].ncolumns; j++) {
					const strata_column *col = &c->b->tables[t].columns[j];
					if (col->type.kind == STRATA_T_ENUM &&
					    strcmp(col->type.enum_name, eb->name) == 0 &&
					    col->dflt.kind == STRATA_DEFAULT_ENUM &&
					    strcmp(col->dflt.text, eb->values[k]) == 0)
						out = c->pre;
				}
			if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_ENUM, NULL, eb->name, false,
						      "add value '%s' to enum %s", eb->values[k], eb->name)) ||
			    (rc = strata__buf_puts(out, "ALTER TYPE ")) ||
			    (rc = strata__sql_ident(out, c->d, eb->name)) ||
			    (rc = strata__buf_puts(out, " ADD VALUE IF NOT EXISTS ")) ||
			    (rc = strata__sql_literal(out, eb->values[k])))
				return rc;
			if (k + 1 < eb->nvalues && ((rc = strata__buf_puts(out, " BEFORE ")) ||
						    (rc = strata__sql_literal(out, eb->values[k + 1]))))
				return rc;
			if ((rc = strata__buf_puts(out, ";\n")))
				return rc;
		}
	}
	return STRATA_OK;
}

/* Values removed or reordered: a new type, columns converted through text. */
int strata__diff_pg_enum_recreate(strata__diff_ctx *c, const strata_enum *ea, const strata_enum *eb)
{
	int rc;
	char old[160];
	snprintf(old, sizeof old, "%.50s__strata_old", eb->name);
	if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_ENUM, NULL, eb->name, true,
				      "recreate enum %s (values removed or reordered)", eb->name)) ||
	    (rc = strata__diff_destructive(c->tx, "enum values are removed: rows holding them make this fail")) ||
	    (rc = strata__buf_puts(c->tx, "ALTER TYPE ")) || (rc = strata__sql_ident(c->tx, c->d, ea->name)) ||
	    (rc = strata__buf_puts(c->tx, " RENAME TO ")) || (rc = strata__sql_ident(c->tx, c->d, old)) ||
	    (rc = strata__buf_puts(c->tx, ";\n")))
		return rc;
	/* CREATE TYPE directly: the DO-block form would skip it while the old name is in use. */
	if ((rc = strata__buf_puts(c->tx, "CREATE TYPE ")) || (rc = strata__sql_ident(c->tx, c->d, eb->name)) ||
	    (rc = strata__buf_puts(c->tx, " AS ENUM (")))
		return rc;
	for (int i = 0; i < eb->nvalues; i++)
		if ((i && (rc = strata__buf_puts(c->tx, ", "))) || (rc = strata__sql_literal(c->tx, eb->values[i])))
			return rc;
	if ((rc = strata__buf_puts(c->tx, ");\n")))
		return rc;
	for (int i = 0; i < c->b->ntables; i++) {
		const strata_table *tb = &c->b->tables[i];
		for (int j = 0; j < tb->ncolumns; j++) {
			const strata_column *cb = &tb->columns[j];
			if (cb->type.kind != STRATA_T_ENUM || strcmp(cb->type.enum_name, eb->name) != 0)
				continue;
			if ((rc = strata__diff_alter_table(c, c->tx, tb->name)) ||
			    (rc = strata__buf_puts(c->tx, "ALTER COLUMN ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, cb->name)) ||
			    (rc = strata__buf_puts(c->tx, " DROP DEFAULT, ALTER COLUMN ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, cb->name)) ||
			    (rc = strata__buf_puts(c->tx, " TYPE ")) ||
			    (rc = strata__sql_coltype(c->tx, c->d, &cb->type)) ||
			    (rc = strata__buf_puts(c->tx, " USING ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, cb->name)) ||
			    (rc = strata__buf_puts(c->tx, cb->type.array ? "::text[]::" : "::text::")) ||
			    (rc = strata__sql_coltype(c->tx, c->d, &cb->type)) || (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
			if (cb->dflt.kind != STRATA_DEFAULT_NONE &&
			    ((rc = strata__diff_alter_table(c, c->tx, tb->name)) ||
			     (rc = strata__buf_puts(c->tx, "ALTER COLUMN ")) ||
			     (rc = strata__sql_ident(c->tx, c->d, cb->name)) ||
			     (rc = strata__buf_puts(c->tx, " SET DEFAULT ")) ||
			     (rc = strata__sql_default(c->tx, c->d, cb)) || (rc = strata__buf_puts(c->tx, ";\n"))))
				return rc;
		}
	}
	if ((rc = strata__buf_puts(c->tx, "DROP TYPE ")) || (rc = strata__sql_ident(c->tx, c->d, old)))
		return rc;
	return strata__buf_puts(c->tx, ";\n");
}
