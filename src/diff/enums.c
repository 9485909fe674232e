/*
 * Enum types on PostgreSQL: created, values renamed (`renamed_from` on a
 * value: ALTER TYPE ... RENAME VALUE, first), values added with ALTER TYPE
 * ... ADD VALUE (committed first when a default uses them), or, when
 * values are removed or reordered, the type recreated and its columns
 * converted through text.  SQLite has no enum types: its CHECKs change
 * with the table (sqlite.c), whose rebuild maps renamed values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

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

const strata_enum *strata__diff_old_enum(const strata__diff_ctx *c, const char *name)
{
	for (int i = 0; name && i < c->nold_enums; i++)
		if (strcmp(c->old_enums[i].name, name) == 0)
			return &c->old_enums[i];
	return name ? strata_schema_enum(c->a, name) : NULL;
}

int strata__diff_enum_renames(strata__diff_ctx *c)
{
	int rc;
	if (!c->nern)
		return STRATA_OK;
	if (!(c->old_enums = calloc((size_t)c->nern, sizeof *c->old_enums)))
		return strata__error_nomem();
	for (int r = 0; r < c->nern; r++) {
		const strata__diff_rename *x = &c->ern[r];
		strata_enum *e = NULL;
		for (int i = 0; i < c->nold_enums && !e; i++)
			if (strcmp(c->old_enums[i].name, x->table) == 0)
				e = &c->old_enums[i];
		const strata_enum *orig = e ? NULL : strata_schema_enum(c->a, x->table);
		if (!e && !orig)
			continue;
		if (!e) {
			/* the first rename of this enum: a copy whose values can change */
			strata_enum *copy = &c->old_enums[c->nold_enums++];
			*copy = *orig;
			copy->renamed_from = NULL;
			if (!(copy->values =
				      malloc((size_t)(orig->nvalues ? orig->nvalues : 1) * sizeof *copy->values)))
				return strata__error_nomem();
			memcpy(copy->values, orig->values, (size_t)orig->nvalues * sizeof *copy->values);
			e = copy;
		}
		for (int k = 0; k < e->nvalues; k++)
			if (strcmp(e->values[k], x->from) == 0)
				e->values[k] = x->to;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_ENUM, NULL, x->table, false,
					      "rename value '%s' of enum %s to '%s'", x->from, x->table, x->to)))
			return rc;
		if (c->pg &&
		    ((rc = strata__buf_puts(c->tx, "ALTER TYPE ")) || (rc = strata__sql_ident(c->tx, c->d, x->table)) ||
		     (rc = strata__buf_puts(c->tx, " RENAME VALUE ")) || (rc = strata__sql_literal(c->tx, x->from)) ||
		     (rc = strata__buf_puts(c->tx, " TO ")) || (rc = strata__sql_literal(c->tx, x->to)) ||
		     (rc = strata__buf_puts(c->tx, ";\n"))))
			return rc;
	}
	return STRATA_OK;
}

void strata__diff_enums_free(strata__diff_ctx *c)
{
	for (int i = 0; i < c->nold_enums; i++)
		free(c->old_enums[i].values);
	free(c->old_enums);
	c->old_enums = NULL;
	c->nold_enums = 0;
}

int strata__diff_enum_copy_expr(const strata__diff_ctx *c, strata_buf *b, const char *en, const char *col, bool *mapped)
{
	int rc = STRATA_OK;
	*mapped = false;
	for (int r = 0; r < c->nern && !rc; r++) {
		if (strcmp(c->ern[r].table, en) != 0)
			continue;
		if (!*mapped && ((rc = strata__buf_puts(b, "CASE ")) || (rc = strata__sql_ident(b, c->d, col))))
			break;
		*mapped = true;
		if (!(rc = strata__buf_puts(b, " WHEN ")) && !(rc = strata__sql_literal(b, c->ern[r].from)) &&
		    !(rc = strata__buf_puts(b, " THEN ")))
			rc = strata__sql_literal(b, c->ern[r].to);
	}
	if (!rc && *mapped && !(rc = strata__buf_puts(b, " ELSE ")) && !(rc = strata__sql_ident(b, c->d, col)))
		rc = strata__buf_puts(b, " END");
	return rc;
}

int strata__diff_pg_enums_before(strata__diff_ctx *c)
{
	int rc;
	for (int i = 0; i < c->b->nenums; i++) {
		const strata_enum *eb = &c->b->enums[i], *ea = strata__diff_old_enum(c, eb->name);
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

/* Does table tb have a column of enum `en`? */
static bool uses_enum(const strata_table *tb, const char *en)
{
	for (int j = 0; j < tb->ncolumns; j++)
		if (tb->columns[j].type.kind == STRATA_T_ENUM && strcmp(tb->columns[j].type.enum_name, en) == 0)
			return true;
	return false;
}

/*
 * The indexes of the enum's tables that hold SQL (a `where`, an expression
 * key) which may name a value: PostgreSQL cannot convert them to the new
 * type (`operator does not exist: e = e__strata_old`), so they are dropped
 * before the columns change (drop) and made again after (!drop).  Plain
 * key columns PostgreSQL converts itself.
 */
static int sql_indexes(strata__diff_ctx *c, const char *en, bool drop)
{
	int rc = STRATA_OK;
	for (int i = 0; i < c->b->ntables && !rc; i++) {
		const strata_table *tb = &c->b->tables[i], *ta = strata__diff_old_table(c, tb);
		if (!ta || !uses_enum(tb, en))
			continue;
		for (int k = 0; k < tb->nindexes && !rc; k++) {
			const strata_index *x = &tb->indexes[k];
			bool sql = x->where != NULL;
			for (int j = 0; j < x->ncolumns && x->keys && !sql; j++)
				sql = x->keys[j].expr;
			if (!sql || !strata__diff_find_index(ta, x->name))
				continue;
			if (!drop)
				rc = strata__sql_create_index(c->tx, c->d, tb, x, false);
			else if (!(rc = strata__buf_puts(c->tx, "DROP INDEX IF EXISTS ")) &&
				 !(rc = strata__sql_ident(c->tx, c->d, x->name)))
				rc = strata__buf_puts(c->tx, ";\n");
		}
	}
	return rc;
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
	if ((rc = strata__buf_puts(c->tx, ");\n")) || (rc = sql_indexes(c, eb->name, true)))
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
	if ((rc = sql_indexes(c, eb->name, false)) || (rc = strata__buf_puts(c->tx, "DROP TYPE ")) ||
	    (rc = strata__sql_ident(c->tx, c->d, old)))
		return rc;
	return strata__buf_puts(c->tx, ";\n");
}
