/*
 * Indexes of a table present on both sides: dropped, renamed (PostgreSQL,
 * when the same index has a new name) or created.  On PostgreSQL the
 * up direction builds indexes of existing tables CONCURRENTLY in the
 * transaction:false part.
 */
#include "diff/internal.h"
#include "sql/ddl.h"

int strata__diff_indexes(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb, bool rebuilt)
{
	int rc;
	for (int i = 0; i < ta->nindexes; i++) {
		const strata_index *xa = &ta->indexes[i], *xb = strata__diff_find_index(tb, xa->name), *xr;
		if (xb && strata__diff_index_matches(c, ta, tb, xa, xb))
			continue;
		if (c->pg && !xb && (xr = strata__diff_index_renamed_to(c, ta, tb, xa))) {
			if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_INDEX, tb->name, xr->name, false, "rename index %s to %s", xa->name, xr->name)) ||
			    (rc = strata__buf_puts(c->tx, "ALTER INDEX ")) || (rc = strata__sql_ident(c->tx, c->d, xa->name)) ||
			    (rc = strata__buf_puts(c->tx, " RENAME TO ")) || (rc = strata__sql_ident(c->tx, c->d, xr->name)) ||
			    (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
			continue;
		}
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_INDEX, tb->name, xa->name, false, "drop index %s", xa->name)))
			return rc;
		if (!rebuilt && (rc = strata__diff_drop_index(c, c->tx, xa->name, false)))
			return rc;
	}
	for (int i = 0; i < tb->nindexes; i++) {
		const strata_index *xb = &tb->indexes[i], *xa = strata__diff_find_index(ta, xb->name);
		if (xa && strata__diff_index_matches(c, ta, tb, xa, xb))
			continue;
		if (c->pg && !xa && strata__diff_index_renamed_from(c, ta, tb, xb))
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_INDEX, tb->name, xb->name, false, "create index %s on %s%s", xb->name,
				 tb->name, c->pg && c->concurrent ? " (concurrently)" : "")))
			return rc;
		if (rebuilt)
			continue;
		if (c->pg && c->concurrent)
			rc = strata__sql_create_index(c->nontx, c->d, tb, xb, true);
		else
			rc = strata__sql_create_index(c->tx, c->d, tb, xb, false);
		if (rc)
			return rc;
	}
	return STRATA_OK;
}
