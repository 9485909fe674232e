/*
 * Indexes of a table present on both sides: dropped, renamed (PostgreSQL,
 * when the same index has a new name) or created.  On PostgreSQL the
 * up direction builds indexes of existing tables CONCURRENTLY in the
 * transaction:false part.  A partitioned table's index cannot be built
 * CONCURRENTLY: it is made ON ONLY the parent (instantly, invalid), each
 * partition's index is built CONCURRENTLY and attached, and the parent's
 * becomes valid when the last one is attached.
 */
#include <stdio.h>
#include <string.h>

#include "diff/internal.h"
#include "sql/ddl.h"

/* The partition index of parent index `x` on partition `part` (PostgreSQL's limit of 63 bytes kept). */
static void part_index_name(char *buf, size_t cap, const char *part, const char *x)
{
	snprintf(buf, cap, "%s_%s", part, x);
	if (strlen(buf) > 63)
		buf[63] = '\0';
}

/* Index x of partitioned table tb (named `name`, or x->name) ON ONLY it, then its partitions' (recursively), attached.
 */
static int partitioned_index(strata__diff_ctx *c, const strata_table *tb, const strata_index *x, const char *name,
			     const char *attach_to)
{
	int rc;
	strata_index one = *x;
	one.name = name;
	if ((rc = strata__sql_create_index_on(attach_to ? c->nontx : c->tx, c->d, tb, &one, false, tb->name, true)))
		return rc;
	for (int i = 0; i < c->b->ntables; i++) {
		const strata_table *p = &c->b->tables[i];
		char pname[128];
		if (!p->partition_of || strcmp(p->partition_of, tb->name) != 0)
			continue;
		part_index_name(pname, sizeof pname, p->name, x->name);
		strata_index part = *x;
		part.name = pname;
		part.unique = x->unique;
		if (p->partition_by)
			rc = partitioned_index(c, p, x, pname, name);
		else
			rc = strata__sql_create_index_on(c->nontx, c->d, p, &part, true, NULL, false);
		if (rc || (rc = strata__buf_puts(c->nontx, "ALTER INDEX ")) ||
		    (rc = strata__sql_ident(c->nontx, c->d, name)) ||
		    (rc = strata__buf_puts(c->nontx, " ATTACH PARTITION ")) ||
		    (rc = strata__sql_ident(c->nontx, c->d, pname)) || (rc = strata__buf_puts(c->nontx, ";\n")))
			return rc;
	}
	return STRATA_OK;
}

int strata__diff_indexes(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb, bool rebuilt)
{
	int rc;
	for (int i = 0; i < ta->nindexes; i++) {
		const strata_index *xa = &ta->indexes[i], *xb = strata__diff_find_index(tb, xa->name), *xr;
		if (xb && strata__diff_index_matches(c, ta, tb, xa, xb))
			continue;
		if (c->pg && !xb && (xr = strata__diff_index_renamed_to(c, ta, tb, xa))) {
			if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_INDEX, tb->name, xr->name, false,
						      "rename index %s to %s", xa->name, xr->name)) ||
			    (rc = strata__buf_puts(c->tx, "ALTER INDEX ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, xa->name)) ||
			    (rc = strata__buf_puts(c->tx, " RENAME TO ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, xr->name)) || (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
			continue;
		}
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_INDEX, tb->name, xa->name, false, "drop index %s",
					      xa->name)))
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
		if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_INDEX, tb->name, xb->name, false,
					      "create index %s on %s%s", xb->name, tb->name,
					      c->pg && c->concurrent ? " (concurrently)" : "")))
			return rc;
		if (rebuilt)
			continue;
		if (c->pg && c->concurrent && tb->partition_by)
			rc = partitioned_index(c, tb, xb, xb->name, NULL);
		else if (c->pg && c->concurrent)
			rc = strata__sql_create_index(c->nontx, c->d, tb, xb, true);
		else
			rc = strata__sql_create_index(c->tx, c->d, tb, xb, false);
		if (rc)
			return rc;
	}
	return STRATA_OK;
}
