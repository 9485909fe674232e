/*
 * strata/diff.h: the difference between two models as an ordered plan of
 * changes, with the SQL that applies it (up) and undoes it (down).
 *
 * Renames come from `renamed_from` hints in the target model, so a rename
 * keeps its data.  SQLite changes it cannot make in place are done with
 * its twelve-step table rebuild (foreign keys off, new table, copy every
 * row, drop, rename, indexes and triggers recreated, foreign_key_check);
 * as foreign keys can only be switched off outside a transaction, such a
 * section opens its own and is marked transaction:false.  On PostgreSQL,
 * indexes on tables that already exist are created CONCURRENTLY, and
 * foreign keys added to them NOT VALID are validated, in a separate part
 * that must run outside a transaction (a second migration marked
 * transaction:false).  Every statement that can lose data is preceded by a line
 *     -- strata:destructive <reason>
 */
#ifndef STRATA_DIFF_H
#define STRATA_DIFF_H

#include "common.h"
#include "dialect.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_change_kind {
	STRATA_CHANGE_CREATE_ENUM = 1,
	STRATA_CHANGE_ALTER_ENUM = 2, /* values added (or, destructively, removed) */
	STRATA_CHANGE_DROP_ENUM = 3,
	STRATA_CHANGE_CREATE_TABLE = 4,
	STRATA_CHANGE_DROP_TABLE = 5,
	STRATA_CHANGE_RENAME_TABLE = 6,
	STRATA_CHANGE_ADD_COLUMN = 7,
	STRATA_CHANGE_DROP_COLUMN = 8,
	STRATA_CHANGE_RENAME_COLUMN = 9,
	STRATA_CHANGE_ALTER_COLUMN = 10, /* type, nullability, default, check, unique, auto_update */
	STRATA_CHANGE_PRIMARY_KEY = 11,
	STRATA_CHANGE_ADD_CONSTRAINT = 12, /* unique, check or foreign key */
	STRATA_CHANGE_DROP_CONSTRAINT = 13,
	STRATA_CHANGE_CREATE_INDEX = 14,
	STRATA_CHANGE_DROP_INDEX = 15,
	STRATA_CHANGE_REBUILD_TABLE = 16, /* SQLite: the twelve-step rebuild */
	STRATA_CHANGE_CREATE_VIEW = 17,	  /* a view or materialized view (also one recreated) */
	STRATA_CHANGE_DROP_VIEW = 18,
	STRATA_CHANGE_CREATE_OBJECT = 19, /* a function, trigger, domain, extension or sequence */
	STRATA_CHANGE_DROP_OBJECT = 20,
	STRATA_CHANGE_ALTER_OBJECT = 21
} strata_change_kind;

typedef struct strata_change {
	strata_change_kind kind;
	const char *table;   /* the table (target name), or NULL for enums, views and other objects */
	const char *name;    /* the column, index, constraint, enum, view or object, or NULL */
	const char *summary; /* one line for people: "add column tasks.due_date" */
	bool destructive;    /* can lose data */
} strata_change;

typedef struct strata_plan {
	strata_change *changes; /* in the order they are applied */
	int nchanges;
	char *up;	/* SQL for one transaction; "" when there is nothing */
	char *down;	/* its inverse */
	char *up_nontx; /* PostgreSQL: CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT; or NULL */
	char *down_nontx;
	bool destructive; /* some change can lose data */
	bool up_own_tx;	  /* SQLite rebuilds: `up` needs foreign keys off around its transaction (a
			   * `-- migrate:up foreign_keys:off` section; the SQL has no transaction control) */
	bool down_own_tx; /* the same for `down` */
	char *up_pre;	  /* PostgreSQL: enum values a default of `up` uses, committed first
			     (transaction:false, before `up`); NULL when none.  Its down is in `down`. */
} strata_plan;

/*
 * Plan the changes that turn a database shaped like `from` into `to`, for
 * `backend`.  `from` is typically strata_inspect()'s model, `to` the
 * schema file's.  *out is freed with strata_plan_free().  An empty plan
 * has nchanges == 0.  Returns STRATA_OK, STRATA_EINVAL, STRATA_ENOMEM.
 * Pure: no database is touched.
 */
STRATA_API int strata_diff(const strata_schema *from, const strata_schema *to, strata_backend backend,
			   strata_plan **out);

/*
 * Options of strata_diff_with().  lock_timeout: on PostgreSQL every part of
 * the plan (up, down, up_pre, up_nontx, down_nontx) starts with it, so a
 * migration never queues behind a long transaction holding its table and
 * blocks everything after it: `SET LOCAL lock_timeout = '10s';` in the
 * transactional parts, `SET lock_timeout = ...;` ... `RESET lock_timeout;`
 * around the transaction:false ones.  NULL: "10s"; "0" or "": no SET.
 * A value is a number with a unit (ms, s, min, h), or 0.
 */
typedef struct strata_diff_options {
	unsigned version; /* STRATA_DIFF_OPTIONS_VERSION */
	const char *lock_timeout;
} strata_diff_options;
#define STRATA_DIFF_OPTIONS_VERSION 1
#define STRATA_DIFF_OPTIONS_INIT                  \
	{                                         \
		STRATA_DIFF_OPTIONS_VERSION, NULL \
	}
#define STRATA_DIFF_LOCK_TIMEOUT "10s"

/* strata_diff() with options (NULL: the defaults, what strata_diff() uses).  STRATA_EINVAL for a bad lock_timeout. */
STRATA_API int strata_diff_with(const strata_schema *from, const strata_schema *to, strata_backend backend,
				const strata_diff_options *opts, strata_plan **out);

STRATA_API void strata_plan_free(strata_plan *p);

/*
 * Write the plan as migration files in `dir` (dbmate's format):
 *     <version>_<slug>_enum_values.sql     -- migrate:up transaction:false (PostgreSQL, when needed)
 *     <version+1>_<slug>.sql               -- migrate:up / -- migrate:down
 *     <version+2>_<slug>_concurrently.sql  -- migrate:up transaction:false (PostgreSQL, when needed)
 * (versions counted only for the files written).
 * `version` is YYYYMMDDHHMMSS (NULL: now, UTC); `message` becomes the slug.
 * The new paths go to *paths (a NULL-terminated array; free each and the
 * array).  Returns STRATA_OK, STRATA_EINVAL (empty plan or message),
 * STRATA_EIO (the message names the file), STRATA_ENOMEM.
 */
STRATA_API int strata_plan_write(const strata_plan *p, const char *dir, const char *message, const char *version,
				 char ***paths);

#ifdef __cplusplus
}
#endif
#endif
