/*
 * The differ's internal side, shared by the files of src/diff/:
 *
 *   plan.c        strata_diff(): both directions, the order of the whole plan
 *   match.c       which object of `from` is which of `to` (renames, equality)
 *   emit.c        the change list and small pieces of ALTER SQL
 *   table.c       one table on both sides: the order of its changes
 *   columns.c     columns added or changed in place (PostgreSQL)
 *   constraints.c primary, unique, check and foreign keys (PostgreSQL)
 *   indexes.c     indexes dropped, renamed and created
 *   enums.c       enum types (PostgreSQL)
 *   views.c       views and materialized views, and the views a change reads under
 *   sqlite.c      SQLite: what ALTER TABLE does in place, the rebuild for the rest
 *   file.c        a plan written as migration files
 *
 * Everything here is pure: models in, SQL text out.
 */
#ifndef STRATA_DIFF_INTERNAL_H
#define STRATA_DIFF_INTERNAL_H

#include <strata/diff.h>

#include "core/buf.h"

/* A rename from a hint: a table (table == NULL) or a column of the target table `table`. */
typedef struct strata__diff_rename {
	const char *table;
	const char *from, *to;
} strata__diff_rename;

/* One direction of a diff being written. */
typedef struct strata__diff_ctx {
	const strata_schema *a, *b; /* from, to */
	strata_backend d;
	bool pg;
	strata__diff_rename *rn;
	int nrn;
	strata_buf *tx, *nontx;
	strata_buf *pre;      /* PostgreSQL: enum values that must be committed before the main part uses them */
	strata_plan *plan;    /* changes are recorded only when not NULL */
	strata_schema *arena; /* strings for the change list */
	bool concurrent;
	bool need_prelude;
	bool rebuilt;	 /* SQLite: a rebuild needs foreign keys off, outside the runner's transaction */
	bool *view_gone; /* per view of `a`: dropped by this direction (to be created again when `b` has it) */
	const strata__diff_rename *ern; /* enum values renamed by this direction: table is the enum */
	int nern;
	strata_enum *old_enums; /* the enums of `a` with a value renamed, as they are after the renames */
	int nold_enums;
} strata__diff_ctx;

/* ---- match.c ---- */

bool strata__diff_streq0(const char *x, const char *y);
bool strata__diff_same_list(const char *const *x, int nx, const char *const *y, int ny);
/* The table of `from` that becomes tb (renames followed), or NULL. */
const strata_table *strata__diff_old_table(const strata__diff_ctx *c, const strata_table *tb);
/* The table of `to` that ta becomes, or NULL when it is dropped. */
const strata_table *strata__diff_new_table(const strata__diff_ctx *c, const strata_table *ta);
/* The column of ta that becomes cb of tb, or NULL when cb is new. */
const strata_column *strata__diff_old_col(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb,
					  const strata_column *cb);
/* The column of tb that ca of ta becomes, or NULL when ca is dropped. */
const strata_column *strata__diff_new_col(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb,
					  const strata_column *ca);
const strata_index *strata__diff_find_index(const strata_table *t, const char *name);
const strata_fkey *strata__diff_find_fkey(const strata_table *t, const char *name);
const strata_unique *strata__diff_find_unique(const strata_table *t, const char *name);
const strata_check *strata__diff_find_check(const strata_table *t, const char *name);
/* Index xa (in `from`) and xb (in `to`) say the same thing, column renames taken into account. */
bool strata__diff_index_matches(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb,
				const strata_index *xa, const strata_index *xb);
/* The same key, table and column renames taken into account. */
bool strata__diff_fkey_matches(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb,
			       const strata_fkey *fa, const strata_fkey *fb);
/* Column lists that name the same columns, column renames taken into account. */
bool strata__diff_cols_match(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb,
			     const char *const *acols, int na, const char *const *bcols, int nb);
/* The same unique or check under another name on the other side (from_a: u is in ta), or NULL. */
const strata_unique *strata__diff_unique_renamed(const strata__diff_ctx *c, const strata_table *ta,
						 const strata_table *tb, const strata_unique *u, bool from_a);
const strata_check *strata__diff_check_renamed(const strata_table *self, const strata_table *other,
					       const strata_check *k);
/* The index or key of `to` that one of `from` became under a new name (and the reverse), or NULL. */
const strata_index *strata__diff_index_renamed_to(const strata__diff_ctx *c, const strata_table *ta,
						  const strata_table *tb, const strata_index *xa);
const strata_index *strata__diff_index_renamed_from(const strata__diff_ctx *c, const strata_table *ta,
						    const strata_table *tb, const strata_index *xb);
const strata_fkey *strata__diff_fkey_renamed_to(const strata__diff_ctx *c, const strata_table *ta,
						const strata_table *tb, const strata_fkey *fa);
const strata_fkey *strata__diff_fkey_renamed_from(const strata__diff_ctx *c, const strata_table *ta,
						  const strata_table *tb, const strata_fkey *fb);
/* The SQLite CHECK a column's type implies, compared across the two models (enum values may differ). */
bool strata__diff_same_implied(const strata__diff_ctx *c, const strata_column *ca, const strata_column *cb);
bool strata__diff_same_column(const strata_column *x, const strata_column *y);
/* The same index, compared as it is (no renames). */
bool strata__diff_same_index(const strata_index *xa, const strata_index *xb);
/* The same SQL up to case and blank space outside string literals ("RANGE (a)" and "range (a)"). */
bool strata__diff_same_words(const char *x, const char *y);
/* The same partition bound: as same_words, and a date is the same as that date at midnight UTC. */
bool strata__diff_same_bound(const char *x, const char *y);
/* A type change that keeps every value. */
bool strata__diff_widening(const strata_coltype *x, const strata_coltype *y);

/* ---- emit.c ---- */

/* Record a change in the plan (nothing when c->plan is NULL). */
int strata__diff_change(strata__diff_ctx *c, strata_change_kind kind, const char *table, const char *name,
			bool destructive, const char *fmt, ...) STRATA_PRINTF(6, 7);
/* The `-- strata:destructive <why>` line before a statement that can lose data. */
int strata__diff_destructive(strata_buf *b, const char *why);
/* "ALTER TABLE t " */
int strata__diff_alter_table(strata__diff_ctx *c, strata_buf *b, const char *table);
int strata__diff_drop_constraint(strata__diff_ctx *c, const char *table, const char *name);
int strata__diff_rename_constraint(strata__diff_ctx *c, const char *table, const char *from, const char *to);
/* A column renamed: the change and its ALTER TABLE ... RENAME COLUMN. */
int strata__diff_rename_column(strata__diff_ctx *c, const char *table, const char *from, const char *to);
int strata__diff_drop_index(strata__diff_ctx *c, strata_buf *b, const char *name, bool concurrently);
/* The PostgreSQL comment that keeps a column CHECK as written. */
int strata__diff_column_check_comment(strata__diff_ctx *c, const strata_table *t, const strata_column *col);

/* ---- table.c, columns.c, constraints.c, indexes.c ---- */

/* Every change to a table present on both sides. */
int strata__diff_table(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb);
/* The auto_update triggers, when they change. */
int strata__diff_triggers(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb);
int strata__diff_add_column(strata__diff_ctx *c, const strata_table *tb, const strata_column *cb);
int strata__diff_pg_alter_column(strata__diff_ctx *c, const strata_table *tb, const strata_column *ca,
				 const strata_column *cb);
/* Keys that go or change, dropped (or renamed) before the columns change. */
int strata__diff_pg_drop_constraints(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb);
/* Column constraints named after a renamed table or column follow the new names. */
int strata__diff_pg_rename_implied(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb);
/* Unique and check constraints that are new or changed, after the columns. */
int strata__diff_pg_add_constraints(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb);
/* Foreign keys of tb that ta (NULL: a new table) lacks, once every table exists. */
int strata__diff_pg_add_fkeys(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb);
/* rebuilt: SQLite recreated the table with its indexes; only the changes are recorded. */
int strata__diff_indexes(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb, bool rebuilt);

/* ---- enums.c ---- */

/* y keeps x's values in order (and may add some). */
bool strata__diff_enum_extends(const strata_enum *x, const strata_enum *y);
/* The enum `name` of `a` as it is once this direction's value renames are done, or NULL. */
const strata_enum *strata__diff_old_enum(const strata__diff_ctx *c, const char *name);
/* c->old_enums from c->ern; freed by strata__diff_enums_free().  Then the renames: the change list and, on
 * PostgreSQL, ALTER TYPE ... RENAME VALUE (before anything else uses the values). */
int strata__diff_enum_renames(strata__diff_ctx *c);
void strata__diff_enums_free(strata__diff_ctx *c);
/* SQLite's rebuild copies column `col` of enum `en` through this: CASE mapping renamed values, or "" (NULL when
 * none are renamed). */
int strata__diff_enum_copy_expr(const strata__diff_ctx *c, strata_buf *b, const char *en, const char *col,
				bool *mapped);
/* New enums and added values, before the tables that use them. */
int strata__diff_pg_enums_before(strata__diff_ctx *c);
/* Values removed or reordered: a new type, columns converted through text. */
int strata__diff_pg_enum_recreate(strata__diff_ctx *c, const strata_enum *ea, const strata_enum *eb);

/* ---- views.c ---- */

/* Views that go or change, and those that read what changes, dropped (reverse creation order). */
int strata__diff_views_drop(strata__diff_ctx *c);
/* New views, and those dropped above that `b` has, created (creation order); materialized views' indexes. */
int strata__diff_views_create(strata__diff_ctx *c);

/* ---- objects.c ---- */

/* Extensions, domains, sequences and functions made or altered, changed triggers dropped (before tables change). */
int strata__diff_objects_before(strata__diff_ctx *c);
/* Triggers made, sequence owners set, and what `b` no longer has dropped (after tables and views). */
int strata__diff_objects_after(strata__diff_ctx *c);

/* ---- sqlite.c ---- */

/* SQLite must rebuild ta to make it tb. */
bool strata__diff_sqlite_rebuilds(const strata__diff_ctx *c, const strata_table *ta, const strata_table *tb);

/* SQLite: the table's changes, in place where ALTER TABLE can, otherwise by a rebuild. */
int strata__diff_sqlite_table(strata__diff_ctx *c, const strata_table *ta, const strata_table *tb);

#endif
