/*
 * Columns added to an existing table (both dialects), and columns changed
 * in place on PostgreSQL: the generated expression (DROP EXPRESSION, or the
 * column made again), type and collation (USING a cast; serial's identity
 * added or dropped), identity, default, NOT NULL, the column CHECK, the
 * column's UNIQUE and its comment.
 */
#include <stdio.h>
#include <string.h>

#include "diff/internal.h"
#include "schema/model.h"
#include "sql/ddl.h"

int strata__diff_add_column(strata__diff_ctx *c, const strata_table *tb, const strata_column *cb)
{
	int rc;
	if ((rc = strata__diff_alter_table(c, c->tx, tb->name)) || (rc = strata__buf_puts(c->tx, "ADD COLUMN ")) ||
	    (rc = strata__sql_column_def(c->tx, c->d, c->b, tb, cb)) || (rc = strata__buf_puts(c->tx, ";\n")))
		return rc;
	if (cb->check && (rc = strata__diff_column_check_comment(c, tb, cb)))
		return rc;
	return cb->comment || cb->generated ? strata__sql_column_comment(c->tx, c->d, tb, cb) : STRATA_OK;
}

/* ALTER TABLE t ALTER COLUMN col <what>; */
static int alter_col(strata__diff_ctx *c, const char *t, const char *col, const char *what)
{
	int rc;
	if ((rc = strata__diff_alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "ALTER COLUMN ")) ||
	    (rc = strata__sql_ident(c->tx, c->d, col)))
		return rc;
	return strata__buf_printf(c->tx, " %s;\n", what);
}

/*
 * A generated expression that changes.  PostgreSQL cannot change one in
 * place: the column is dropped and added again (its values are computed,
 * so nothing is lost unless a plain column becomes generated).  A column
 * that stops being generated keeps its values (DROP EXPRESSION).
 * *done: the column was made again, nothing else to change.
 */
static int pg_generated(strata__diff_ctx *c, const strata_table *tb, const strata_column *ca, const strata_column *cb,
			bool *done)
{
	int rc;
	const char *t = tb->name;
	*done = false;
	if (strata__diff_streq0(ca->generated, cb->generated))
		return STRATA_OK;
	if (ca->generated && !cb->generated) {
		if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, false,
					      "%s.%s is no longer generated", t, cb->name)))
			return rc;
		return alter_col(c, t, ca->name, "DROP EXPRESSION IF EXISTS");
	}
	bool lossy = !ca->generated;
	*done = true;
	if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, lossy, "make %s.%s again (%s)", t,
				      cb->name, lossy ? "it becomes generated" : "its expression changes")) ||
	    (lossy && (rc = strata__diff_destructive(c->tx, "the column's values are replaced by its expression's"))) ||
	    (rc = strata__diff_alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "DROP COLUMN IF EXISTS ")) ||
	    (rc = strata__sql_ident(c->tx, c->d, ca->name)) || (rc = strata__buf_puts(c->tx, ";\n")))
		return rc;
	return strata__diff_add_column(c, tb, cb);
}

/* Identity added, dropped or switched between ALWAYS and BY DEFAULT (serial is a type change). */
static int pg_identity(strata__diff_ctx *c, const char *t, const strata_column *ca, const strata_column *cb)
{
	int rc;
	if (ca->identity == cb->identity)
		return STRATA_OK;
	if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, false, "%s identity on %s.%s",
				      !cb->identity   ? "drop"
				      : !ca->identity ? "add"
						      : "change",
				      t, cb->name)))
		return rc;
	const char *how = cb->identity == STRATA_IDENTITY_ALWAYS ? "ALWAYS" : "BY DEFAULT";
	char what[64];
	if (!cb->identity)
		return alter_col(c, t, cb->name, "DROP IDENTITY IF EXISTS");
	if (ca->identity) {
		snprintf(what, sizeof what, "SET GENERATED %s", how);
		return alter_col(c, t, cb->name, what);
	}
	/* Generated from here on, starting after the values the table already holds. */
	strata_buf qt = STRATA_BUF_INIT;
	snprintf(what, sizeof what, "ADD GENERATED %s AS IDENTITY", how);
	if (ca->dflt.kind != STRATA_DEFAULT_NONE && (rc = alter_col(c, t, cb->name, "DROP DEFAULT")))
		return rc;
	if (!(rc = alter_col(c, t, cb->name, what)) &&
	    !(rc = strata__buf_puts(c->tx, "SELECT setval(pg_get_serial_sequence(")) &&
	    !(rc = strata__sql_ident(&qt, c->d, t)) && !(rc = strata__sql_literal(c->tx, strata__buf_cstr(&qt))) &&
	    !(rc = strata__buf_puts(c->tx, ", ")) && !(rc = strata__sql_literal(c->tx, cb->name)) &&
	    !(rc = strata__buf_puts(c->tx, "), coalesce(max(")) && !(rc = strata__sql_ident(c->tx, c->d, cb->name)) &&
	    !(rc = strata__buf_puts(c->tx, "), 0) + 1, false) FROM ")) && !(rc = strata__sql_ident(c->tx, c->d, t)))
		rc = strata__buf_puts(c->tx, ";\n");
	strata__buf_free(&qt);
	return rc;
}

int strata__diff_pg_alter_column(strata__diff_ctx *c, const strata_table *tb, const strata_column *ca,
				 const strata_column *cb)
{
	strata_buf *b = c->tx;
	int rc = STRATA_OK;
	const char *t = tb->name;
	bool done;
	if ((rc = pg_generated(c, tb, ca, cb, &done)) || done)
		return rc;
	if (!strata__coltype_eq(&ca->type, &cb->type) || !strata__diff_streq0(ca->collation, cb->collation)) {
		bool lossy = !strata__diff_widening(&ca->type, &cb->type);
		if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, lossy, "change %s of %s.%s",
					      strata__coltype_eq(&ca->type, &cb->type) ? "collation" : "type", t,
					      cb->name)))
			return rc;
		if (lossy && (rc = strata__diff_destructive(b, "a narrowing type change can fail or lose data")))
			return rc;
		if (ca->dflt.kind != STRATA_DEFAULT_NONE &&
		    ((rc = strata__diff_alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) ||
		     (rc = strata__sql_ident(b, c->d, cb->name)) || (rc = strata__buf_puts(b, " DROP DEFAULT;\n"))))
			return rc;
		strata_coltype ty = cb->type;
		if (ty.kind == STRATA_T_SERIAL)
			ty.kind = STRATA_T_BIGINT;
		bool was_serial = ca->type.kind == STRATA_T_SERIAL, is_serial = cb->type.kind == STRATA_T_SERIAL;
		if (was_serial && !is_serial &&
		    ((rc = strata__diff_alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) ||
		     (rc = strata__sql_ident(b, c->d, cb->name)) ||
		     (rc = strata__buf_puts(b, " DROP IDENTITY IF EXISTS;\n"))))
			return rc;
		if ((rc = strata__diff_alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) ||
		    (rc = strata__sql_ident(b, c->d, cb->name)) || (rc = strata__buf_puts(b, " TYPE ")) ||
		    (rc = strata__sql_coltype(b, c->d, &ty)) ||
		    (cb->collation &&
		     ((rc = strata__buf_puts(b, " COLLATE ")) || (rc = strata__sql_ident(b, c->d, cb->collation)))) ||
		    (rc = strata__buf_puts(b, " USING ")) || (rc = strata__sql_ident(b, c->d, ca->name)) ||
		    (rc = strata__buf_puts(b, "::")) || (rc = strata__sql_coltype(b, c->d, &ty)) ||
		    (rc = strata__buf_puts(b, ";\n")))
			return rc;
		if (cb->dflt.kind != STRATA_DEFAULT_NONE &&
		    ((rc = strata__diff_alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) ||
		     (rc = strata__sql_ident(b, c->d, cb->name)) || (rc = strata__buf_puts(b, " SET DEFAULT ")) ||
		     (rc = strata__sql_default(b, c->d, cb)) || (rc = strata__buf_puts(b, ";\n"))))
			return rc;
		if (is_serial && !was_serial) {
			/* Generated from here on, starting after the keys the table already holds. */
			strata_buf qt = STRATA_BUF_INIT;
			if (!(rc = strata__diff_alter_table(c, b, t)) && !(rc = strata__buf_puts(b, "ALTER COLUMN ")) &&
			    !(rc = strata__sql_ident(b, c->d, cb->name)) &&
			    !(rc = strata__buf_puts(b, " ADD GENERATED BY DEFAULT AS IDENTITY;\nSELECT "
						       "setval(pg_get_serial_sequence(")) &&
			    !(rc = strata__sql_ident(&qt, c->d, t)) &&
			    !(rc = strata__sql_literal(b, strata__buf_cstr(&qt))) &&
			    !(rc = strata__buf_puts(b, ", ")) && !(rc = strata__sql_literal(b, cb->name)) &&
			    !(rc = strata__buf_puts(b, "), coalesce(max(")) &&
			    !(rc = strata__sql_ident(b, c->d, cb->name)) &&
			    !(rc = strata__buf_puts(b, "), 0) + 1, false) FROM ")) &&
			    !(rc = strata__sql_ident(b, c->d, t)))
				rc = strata__buf_puts(b, ";\n");
			strata__buf_free(&qt);
			if (rc)
				return rc;
		}
	} else if (!strata__default_same(&cb->type, &ca->dflt, &cb->dflt) && !(cb->identity && !ca->identity)) {
		if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, false,
					      "change default of %s.%s", t, cb->name)) ||
		    (rc = strata__diff_alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) ||
		    (rc = strata__sql_ident(b, c->d, cb->name)))
			return rc;
		if (cb->dflt.kind == STRATA_DEFAULT_NONE)
			rc = strata__buf_puts(b, " DROP DEFAULT;\n");
		else if (!(rc = strata__buf_puts(b, " SET DEFAULT ")) && !(rc = strata__sql_default(b, c->d, cb)))
			rc = strata__buf_puts(b, ";\n");
		if (rc)
			return rc;
		if (cb->dflt.kind == STRATA_DEFAULT_UUID_V7 || cb->dflt.kind == STRATA_DEFAULT_ACTOR)
			c->need_prelude = true;
	}
	if ((rc = pg_identity(c, t, ca, cb)))
		return rc;
	if (ca->not_null != cb->not_null) {
		if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, cb->not_null, "%s %s.%s",
					      cb->not_null ? "set not null on" : "drop not null on", t, cb->name)))
			return rc;
		if (cb->not_null && (rc = strata__diff_destructive(b, "NOT NULL fails on a column that holds NULLs")))
			return rc;
		if ((rc = strata__diff_alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ALTER COLUMN ")) ||
		    (rc = strata__sql_ident(b, c->d, cb->name)) ||
		    (rc = strata__buf_puts(b, cb->not_null ? " SET NOT NULL;\n" : " DROP NOT NULL;\n")))
			return rc;
	}
	char cname[160];
	snprintf(cname, sizeof cname, "%.70s_%.70s_check", t, cb->name);
	if (!strata__diff_streq0(ca->check, cb->check)) {
		if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, false,
					      "change check of %s.%s", t, cb->name)))
			return rc;
		char oldname[160];
		snprintf(oldname, sizeof oldname, "%.70s_%.70s_check", t, ca->name);
		if (ca->check && (rc = strata__diff_drop_constraint(c, t, oldname)))
			return rc;
		if (cb->check) {
			if ((rc = strata__diff_alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ADD CONSTRAINT ")) ||
			    (rc = strata__sql_ident(b, c->d, cname)) ||
			    (rc = strata__buf_printf(b, " CHECK (%s);\n", cb->check)) ||
			    (rc = strata__diff_column_check_comment(c, tb, cb)))
				return rc;
		}
	}
	if (ca->unique != cb->unique) {
		char uname[160];
		snprintf(uname, sizeof uname, "%s_%s_key", t, cb->name);
		if (strlen(uname) > 63)
			uname[63] = '\0';
		if ((rc = strata__diff_change(
			     c, cb->unique ? STRATA_CHANGE_ADD_CONSTRAINT : STRATA_CHANGE_DROP_CONSTRAINT, t, uname,
			     false, "%s unique on %s.%s", cb->unique ? "add" : "drop", t, cb->name)))
			return rc;
		if (!cb->unique)
			rc = strata__diff_drop_constraint(c, t, uname);
		else if ((rc = strata__diff_alter_table(c, b, t)) || (rc = strata__buf_puts(b, "ADD CONSTRAINT ")) ||
			 (rc = strata__sql_ident(b, c->d, uname)) || (rc = strata__buf_puts(b, " UNIQUE (")) ||
			 (rc = strata__sql_ident(b, c->d, cb->name)) || (rc = strata__buf_puts(b, ");\n")))
			return rc;
		if (rc)
			return rc;
	}
	if (!strata__diff_streq0(ca->comment, cb->comment) &&
	    ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, t, cb->name, false, "change the comment of %s.%s",
				       t, cb->name)) ||
	     (rc = strata__sql_column_comment(b, c->d, tb, cb))))
		return rc;
	return STRATA_OK;
}
