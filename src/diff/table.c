/*
 * One table present on both sides of a diff: the order of its changes.
 *
 * SQLite goes to sqlite.c (in place or a rebuild).  PostgreSQL alters in
 * place: keys that go or change are dropped first, then columns are
 * renamed, constraints named after old names follow them, the primary
 * key is dropped when it changes, columns are added and altered, the
 * primary key is added back, columns are dropped, new unique and check
 * constraints added, then indexes and the auto_update triggers.
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "diff/internal.h"
#include "sql/ddl.h"

/*
 * Partitioning (PostgreSQL).  A partition moves to another bound by
 * DETACH and ATTACH (ATTACH checks its rows against the new bound).  How a
 * table is partitioned cannot change in place: that needs a new table and
 * a copy, which is refused with a message rather than guessed at.  Bounds
 * and keys compare up to case and blank space (PostgreSQL prints them in
 * capitals).
 */
static int pg_partitioning(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc;
	if (!strata__diff_same_words(ta->partition_by, tb->partition_by))
		return strata__error_set(
			STRATA_EINVAL,
			"table %s: its partitioning changes (%s to %s); that needs a new table and a copy of the rows, "
			"which Strata does not write: write that migration by hand",
			tb->name, ta->partition_by ? ta->partition_by : "none",
			tb->partition_by ? tb->partition_by : "none");
	if (!ta->partition_of != !tb->partition_of && (ta->ncolumns || tb->ncolumns))
		return strata__error_set(STRATA_EINVAL,
					 "table %s: it %s a partition; Strata does not write that migration", tb->name,
					 tb->partition_of ? "becomes" : "stops being");
	if (strata__diff_streq0(ta->partition_of, tb->partition_of) &&
	    strata__diff_same_bound(ta->partition_bound, tb->partition_bound))
		return STRATA_OK;
	if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, tb->name, NULL, false, "attach %s to %s %s",
				      tb->name, tb->partition_of ? tb->partition_of : "nothing",
				      tb->partition_bound ? tb->partition_bound : "")))
		return rc;
	if (ta->partition_of &&
	    ((rc = strata__diff_alter_table(c, c->tx, ta->partition_of)) ||
	     (rc = strata__buf_puts(c->tx, "DETACH PARTITION ")) || (rc = strata__sql_ident(c->tx, c->d, ta->name)) ||
	     (rc = strata__buf_puts(c->tx, ";\n"))))
		return rc;
	if (tb->partition_of &&
	    ((rc = strata__diff_alter_table(c, c->tx, tb->partition_of)) ||
	     (rc = strata__buf_puts(c->tx, "ATTACH PARTITION ")) || (rc = strata__sql_ident(c->tx, c->d, tb->name)) ||
	     (rc = strata__buf_printf(c->tx, " %s;\n", tb->partition_bound ? tb->partition_bound : "DEFAULT"))))
		return rc;
	return STRATA_OK;
}

int strata__diff_table(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc;
	const char *t = tb->name;
	if (!c->pg)
		return strata__diff_sqlite_table(c, ta, tb);
	if ((rc = pg_partitioning(c, ta, tb)))
		return rc;
	if (!strata__diff_streq0(ta->comment, tb->comment) &&
	    ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, t, NULL, false, "change the comment of %s", t)) ||
	     (rc = strata__sql_comment(c->tx, c->d, t, NULL, tb->comment))))
		return rc;
	if ((rc = strata__diff_pg_drop_constraints(c, ta, tb)))
		return rc;
	for (int i = 0; i < tb->ncolumns; i++) {
		const strata_column *cb = &tb->columns[i], *ca = strata__diff_old_col(c, ta, tb, cb);
		if (ca && strcmp(ca->name, cb->name) != 0 &&
		    (rc = strata__diff_rename_column(c, t, ca->name, cb->name)))
			return rc;
	}
	if ((rc = strata__diff_pg_rename_implied(c, ta, tb)))
		return rc;
	/* The primary key. */
	bool pk_same = ta->npkey == tb->npkey;
	for (int i = 0; pk_same && i < tb->npkey; i++) {
		const strata_column *ca = strata__diff_old_col(c, ta, tb, strata_table_column(tb, tb->pkey[i]));
		pk_same = ca && strcmp(ca->name, ta->pkey[i]) == 0;
	}
	if (!pk_same) {
		char pk[160];
		snprintf(pk, sizeof pk, "%.58s_pkey", ta->name);
		if ((rc = strata__diff_change(c, STRATA_CHANGE_PRIMARY_KEY, t, NULL, false,
					      "change the primary key of %s", t)))
			return rc;
		if (ta->npkey && (rc = strata__diff_drop_constraint(c, t, pk)))
			return rc;
	}
	for (int i = 0; i < tb->ncolumns; i++) {
		const strata_column *cb = &tb->columns[i], *ca = strata__diff_old_col(c, ta, tb, cb);
		if (!ca) {
			if ((rc = strata__diff_change(c, STRATA_CHANGE_ADD_COLUMN, t, cb->name, false,
						      "add column %s.%s", t, cb->name)))
				return rc;
			if (cb->not_null && cb->dflt.kind == STRATA_DEFAULT_NONE && cb->type.kind != STRATA_T_SERIAL &&
			    (rc = strata__buf_puts(
				     c->tx, "-- a NOT NULL column without a default fails on a table with rows\n")))
				return rc;
			c->need_prelude |=
				cb->dflt.kind == STRATA_DEFAULT_UUID_V7 || cb->dflt.kind == STRATA_DEFAULT_ACTOR;
			if ((rc = strata__diff_add_column(c, tb, cb)))
				return rc;
			continue;
		}
		if ((rc = strata__diff_pg_alter_column(c, tb, ca, cb)))
			return rc;
	}
	if (!pk_same && tb->npkey) {
		if ((rc = strata__diff_alter_table(c, c->tx, t)) ||
		    (rc = strata__buf_puts(c->tx, "ADD PRIMARY KEY (")) ||
		    (rc = strata__sql_ident_list(c->tx, c->d, tb->pkey, tb->npkey)) ||
		    (rc = strata__buf_puts(c->tx, ");\n")))
			return rc;
	}
	for (int i = 0; i < ta->ncolumns; i++) {
		const strata_column *ca = &ta->columns[i];
		if (strata__diff_new_col(c, ta, tb, ca))
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_COLUMN, t, ca->name, true, "drop column %s.%s", t,
					      ca->name)) ||
		    (rc = strata__diff_destructive(c->tx, "DROP COLUMN loses the column's data")) ||
		    (rc = strata__diff_alter_table(c, c->tx, t)) ||
		    (rc = strata__buf_puts(c->tx, "DROP COLUMN IF EXISTS ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, ca->name)) || (rc = strata__buf_puts(c->tx, ";\n")))
			return rc;
	}
	if ((rc = strata__diff_pg_add_constraints(c, ta, tb)) || (rc = strata__diff_indexes(c, ta, tb, false)))
		return rc;
	return strata__diff_triggers(c, ta, tb);
}

int strata__diff_triggers(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc = STRATA_OK;
	bool differ = strcmp(ta->name, tb->name) != 0;
	for (int i = 0; i < tb->ncolumns && !differ; i++) {
		const strata_column *ca = strata__diff_old_col(c, ta, tb, &tb->columns[i]);
		if ((ca ? ca->auto_update : false) != tb->columns[i].auto_update ||
		    (ca && strcmp(ca->name, tb->columns[i].name) != 0 && ca->auto_update))
			differ = true;
	}
	for (int i = 0; i < ta->ncolumns && !differ; i++)
		if (ta->columns[i].auto_update && !strata__diff_new_col(c, ta, tb, &ta->columns[i]))
			differ = true;
	/* SQLite's actor trigger names the table's other columns (src/sql/ddl.c) */
	bool actor = false;
	for (int i = 0; i < tb->ncolumns; i++)
		actor |= tb->columns[i].auto_update && tb->columns[i].dflt.kind == STRATA_DEFAULT_ACTOR;
	if (!c->pg && actor && !differ) {
		differ = ta->ncolumns != tb->ncolumns;
		for (int i = 0; i < tb->ncolumns && !differ; i++) {
			const strata_column *ca = strata__diff_old_col(c, ta, tb, &tb->columns[i]);
			differ = !ca || strcmp(ca->name, tb->columns[i].name) != 0;
		}
	}
	if (!differ)
		return STRATA_OK;
	bool any = false;
	for (int i = 0; i < ta->ncolumns; i++)
		any |= ta->columns[i].auto_update;
	for (int i = 0; i < tb->ncolumns; i++)
		any |= tb->columns[i].auto_update;
	if (!any)
		return STRATA_OK;
	if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_COLUMN, tb->name, NULL, false,
				      "update the auto_update triggers of %s", tb->name)))
		return rc;
	/* Triggers are named after the old table; on PostgreSQL they live on the (renamed) table. */
	strata_table old = *ta;
	if (c->pg) {
		for (int i = 0; i < ta->ncolumns && !rc; i++) {
			char name[160];
			if (!ta->columns[i].auto_update)
				continue;
			strata__sql_trigger_name(name, sizeof name, ta->name, ta->columns[i].name);
			if (!(rc = strata__buf_puts(c->tx, "DROP TRIGGER IF EXISTS ")) &&
			    !(rc = strata__sql_ident(c->tx, c->d, name)) && !(rc = strata__buf_puts(c->tx, " ON ")) &&
			    !(rc = strata__sql_ident(c->tx, c->d, tb->name)))
				rc = strata__buf_puts(c->tx, ";\n");
		}
	} else {
		rc = strata__sql_drop_triggers(c->tx, c->d, &old);
	}
	for (int i = 0; i < tb->ncolumns; i++)
		c->need_prelude |= tb->columns[i].auto_update;
	return rc ? rc : strata__sql_triggers(c->tx, c->d, tb);
}
