/*
 * Keys of a table present on both sides, on PostgreSQL: foreign, unique
 * and check constraints dropped (or renamed when the same key has a new
 * name) before the columns change, constraints named after a renamed
 * table or column renamed with it, new unique and check constraints after
 * the columns, and new foreign keys once every table exists (NOT VALID,
 * then validated outside the transaction, on tables that have rows).
 */
#include <stdio.h>
#include <string.h>

#include "diff/internal.h"
#include "sql/ddl.h"

int strata__diff_pg_drop_constraints(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc;
	const char *t = tb->name;
	for (int i = 0; i < ta->nfkeys; i++) {
		const strata_fkey *fb = strata__diff_find_fkey(tb, ta->fkeys[i].name), *fr;
		if (fb && strata__diff_fkey_matches(c, ta, tb, &ta->fkeys[i], fb))
			continue;
		if (!fb && (fr = strata__diff_fkey_renamed_to(c, ta, tb, &ta->fkeys[i]))) {
			if ((rc = strata__diff_change(c, STRATA_CHANGE_ADD_CONSTRAINT, t, fr->name, false,
						      "rename foreign key %s to %s", ta->fkeys[i].name, fr->name)) ||
			    (rc = strata__diff_alter_table(c, c->tx, t)) ||
			    (rc = strata__buf_puts(c->tx, "RENAME CONSTRAINT ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, ta->fkeys[i].name)) ||
			    (rc = strata__buf_puts(c->tx, " TO ")) || (rc = strata__sql_ident(c->tx, c->d, fr->name)) ||
			    (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
			continue;
		}
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_CONSTRAINT, t, ta->fkeys[i].name, false,
					      "drop foreign key %s", ta->fkeys[i].name)) ||
		    (rc = strata__diff_drop_constraint(c, t, ta->fkeys[i].name)))
			return rc;
	}
	for (int i = 0; i < ta->nuniques; i++) {
		const strata_unique *ub = strata__diff_find_unique(tb, ta->uniques[i].name), *ur;
		if (ub && strata__diff_cols_match(c, ta, tb, ta->uniques[i].columns, ta->uniques[i].ncolumns,
						  ub->columns, ub->ncolumns))
			continue;
		if (!ub && (ur = strata__diff_unique_renamed(c, ta, tb, &ta->uniques[i], true))) {
			if ((rc = strata__diff_rename_constraint(c, t, ta->uniques[i].name, ur->name)))
				return rc;
			continue;
		}
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_CONSTRAINT, t, ta->uniques[i].name, false,
					      "drop unique %s", ta->uniques[i].name)) ||
		    (rc = strata__diff_drop_constraint(c, t, ta->uniques[i].name)))
			return rc;
	}
	for (int i = 0; i < ta->nchecks; i++) {
		const strata_check *kb = strata__diff_find_check(tb, ta->checks[i].name), *kr;
		if (kb && strcmp(kb->expr, ta->checks[i].expr) == 0)
			continue;
		if (!kb && (kr = strata__diff_check_renamed(ta, tb, &ta->checks[i]))) {
			if ((rc = strata__diff_rename_constraint(c, t, ta->checks[i].name, kr->name)))
				return rc;
			continue;
		}
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_CONSTRAINT, t, ta->checks[i].name, false,
					      "drop check %s", ta->checks[i].name)) ||
		    (rc = strata__diff_drop_constraint(c, t, ta->checks[i].name)))
			return rc;
	}
	return STRATA_OK;
}

int strata__diff_pg_rename_implied(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc;
	for (int i = 0; i < tb->ncolumns; i++) {
		const strata_column *cb = &tb->columns[i], *ca = strata__diff_old_col(c, ta, tb, cb);
		if (!ca)
			continue;
		for (int k = 0; k < 2; k++) {
			char from[200], to[200];
			if (k == 0 && !(ca->unique && cb->unique))
				continue;
			if (k == 1 && !(ca->check && cb->check))
				continue;
			snprintf(from, sizeof from, k ? "%.70s_%.70s_check" : "%s_%s_key", ta->name, ca->name);
			snprintf(to, sizeof to, k ? "%.70s_%.70s_check" : "%s_%s_key", tb->name, cb->name);
			from[63] = to[63] = '\0';
			if (strcmp(from, to) == 0)
				continue;
			if ((rc = strata__diff_alter_table(c, c->tx, tb->name)) ||
			    (rc = strata__buf_puts(c->tx, "RENAME CONSTRAINT ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, from)) || (rc = strata__buf_puts(c->tx, " TO ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, to)) || (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
		}
	}
	return STRATA_OK;
}

int strata__diff_pg_add_constraints(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc;
	const char *t = tb->name;
	for (int i = 0; i < tb->nuniques; i++) {
		const strata_unique *ua = strata__diff_find_unique(ta, tb->uniques[i].name), *ub = &tb->uniques[i];
		if (ua && strata__diff_cols_match(c, ta, tb, ua->columns, ua->ncolumns, ub->columns, ub->ncolumns))
			continue;
		if (!ua && strata__diff_unique_renamed(c, ta, tb, ub, false))
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_ADD_CONSTRAINT, t, ub->name, false, "add unique %s",
					      ub->name)) ||
		    (rc = strata__diff_alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "ADD CONSTRAINT ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, ub->name)) || (rc = strata__buf_puts(c->tx, " UNIQUE (")) ||
		    (rc = strata__sql_ident_list(c->tx, c->d, ub->columns, ub->ncolumns)) ||
		    (rc = strata__buf_puts(c->tx, ");\n")))
			return rc;
	}
	for (int i = 0; i < tb->nchecks; i++) {
		const strata_check *ka = strata__diff_find_check(ta, tb->checks[i].name), *kb = &tb->checks[i];
		if (ka && strcmp(ka->expr, kb->expr) == 0)
			continue;
		if (!ka && strata__diff_check_renamed(tb, ta, kb))
			continue;
		strata_table one;
		memset(&one, 0, sizeof one);
		one.name = t;
		one.checks = (strata_check *)kb;
		one.nchecks = 1;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_ADD_CONSTRAINT, t, kb->name, false, "add check %s",
					      kb->name)) ||
		    (rc = strata__diff_alter_table(c, c->tx, t)) || (rc = strata__buf_puts(c->tx, "ADD CONSTRAINT ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, kb->name)) ||
		    (rc = strata__buf_printf(c->tx, " CHECK (%s);\n", kb->expr)) ||
		    (rc = strata__sql_check_comments(c->tx, c->d, &one)))
			return rc;
	}
	return STRATA_OK;
}

/* Foreign keys added to existing tables on PostgreSQL (after every table exists). */
int strata__diff_pg_add_fkeys(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb)
{
	int rc;
	for (int i = 0; i < tb->nfkeys; i++) {
		const strata_fkey *fa = ta ? strata__diff_find_fkey(ta, tb->fkeys[i].name) : NULL;
		if (fa && strata__diff_fkey_matches(c, ta, tb, fa, &tb->fkeys[i]))
			continue;
		if (ta && !fa && strata__diff_fkey_renamed_from(c, ta, tb, &tb->fkeys[i]))
			continue;
		/*
		 * On a table that already has rows: add the key NOT VALID (no scan under
		 * the exclusive lock) and validate it after the commit, without blocking writes.
		 */
		bool later = ta && c->concurrent;
		if ((ta && (rc = strata__diff_change(c, STRATA_CHANGE_ADD_CONSTRAINT, tb->name, tb->fkeys[i].name,
						     false, "add foreign key %s%s", tb->fkeys[i].name,
						     later ? " (validated after the commit)" : ""))) ||
		    (rc = strata__diff_alter_table(c, c->tx, tb->name)) || (rc = strata__buf_puts(c->tx, "ADD ")) ||
		    (rc = strata__sql_fkey(c->tx, c->d, &tb->fkeys[i])) ||
		    (rc = strata__buf_puts(c->tx, later ? " NOT VALID;\n" : ";\n")))
			return rc;
		if (later && ((rc = strata__diff_alter_table(c, c->nontx, tb->name)) ||
			      (rc = strata__buf_puts(c->nontx, "VALIDATE CONSTRAINT ")) ||
			      (rc = strata__sql_ident(c->nontx, c->d, tb->fkeys[i].name)) ||
			      (rc = strata__buf_puts(c->nontx, ";\n"))))
			return rc;
	}
	return STRATA_OK;
}
