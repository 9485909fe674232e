/*
 * What every part of the differ writes: the plan's change list (a line
 * for people per change) and small ALTER statements shared by the
 * per-object files.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "diff/internal.h"
#include "schema/model.h"
#include "sql/ddl.h"

int strata__diff_change(strata__diff_ctx *c, strata_change_kind kind, const char *table, const char *name,
			bool destructive, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!c->plan)
		return STRATA_OK;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	strata_change *ch = strata__push(c->arena, &c->plan->changes, &c->plan->nchanges, sizeof *ch);
	if (!ch || !(ch->summary = strata__sdup(c->arena, msg)) ||
	    (table && !(ch->table = strata__sdup(c->arena, table))) ||
	    (name && !(ch->name = strata__sdup(c->arena, name))))
		return STRATA_ENOMEM;
	ch->kind = kind;
	ch->destructive = destructive;
	if (destructive)
		c->plan->destructive = true;
	return STRATA_OK;
}

int strata__diff_destructive(strata_buf *b, const char *why)
{
	return strata__buf_printf(b, "-- strata:destructive %s\n", why);
}

int strata__diff_alter_table(strata__diff_ctx *c, strata_buf *b, const char *table)
{
	int rc;
	if ((rc = strata__buf_puts(b, "ALTER TABLE ")) || (rc = strata__sql_ident(b, c->d, table)))
		return rc;
	return strata__buf_putc(b, ' ');
}

int strata__diff_drop_constraint(strata__diff_ctx *c, const char *table, const char *name)
{
	int rc;
	if ((rc = strata__diff_alter_table(c, c->tx, table)) ||
	    (rc = strata__buf_puts(c->tx, "DROP CONSTRAINT IF EXISTS ")) || (rc = strata__sql_ident(c->tx, c->d, name)))
		return rc;
	return strata__buf_puts(c->tx, ";\n");
}

int strata__diff_rename_constraint(strata__diff_ctx *c, const char *table, const char *from, const char *to)
{
	int rc;
	if ((rc = strata__diff_change(c, STRATA_CHANGE_ADD_CONSTRAINT, table, to, false, "rename constraint %s to %s",
				      from, to)) ||
	    (rc = strata__diff_alter_table(c, c->tx, table)) || (rc = strata__buf_puts(c->tx, "RENAME CONSTRAINT ")) ||
	    (rc = strata__sql_ident(c->tx, c->d, from)) || (rc = strata__buf_puts(c->tx, " TO ")) ||
	    (rc = strata__sql_ident(c->tx, c->d, to)))
		return rc;
	return strata__buf_puts(c->tx, ";\n");
}

int strata__diff_drop_index(strata__diff_ctx *c, strata_buf *b, const char *name, bool concurrently)
{
	int rc;
	if ((rc = strata__buf_printf(b, "DROP INDEX %sIF EXISTS ", concurrently ? "CONCURRENTLY " : "")) ||
	    (rc = strata__sql_ident(b, c->d, name)))
		return rc;
	return strata__buf_puts(b, ";\n");
}

int strata__diff_column_check_comment(strata__diff_ctx *c, const strata_table *t, const strata_column *col)
{
	strata_table one;
	memset(&one, 0, sizeof one);
	one.name = t->name;
	one.columns = (strata_column *)col;
	one.ncolumns = 1;
	return strata__sql_check_comments(c->tx, c->d, &one);
}

int strata__diff_rename_column(strata__diff_ctx *c, const char *table, const char *from, const char *to)
{
	int rc;
	if ((rc = strata__diff_change(c, STRATA_CHANGE_RENAME_COLUMN, table, to, false, "rename column %s.%s to %s",
				      table, from, to)) ||
	    (rc = strata__diff_alter_table(c, c->tx, table)) || (rc = strata__buf_puts(c->tx, "RENAME COLUMN ")) ||
	    (rc = strata__sql_ident(c->tx, c->d, from)) || (rc = strata__buf_puts(c->tx, " TO ")) ||
	    (rc = strata__sql_ident(c->tx, c->d, to)))
		return rc;
	return strata__buf_puts(c->tx, ";\n");
}
