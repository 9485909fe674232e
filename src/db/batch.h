/*
 * A short transaction sent as one batch: for the library's modules above
 * db/ (the migration runner), which want a migration, its ledger row and
 * the COMMIT in one round trip on PostgreSQL.
 */
#ifndef STRATA_DB_BATCH_H
#define STRATA_DB_BATCH_H

#include <strata/db.h>

/* One statement: a single SQL statement with `?` placeholders for `vals` (borrowed). */
typedef struct strata__db_batch_item {
	const char *sql;
	const strata_value *vals;
	size_t nvals;
} strata__db_batch_item;

/*
 * Run `items` in order as one transaction of their own: BEGIN, the items,
 * COMMIT.  On PostgreSQL they go out together and are answered together
 * (pipeline mode: one round trip); elsewhere one by one.  Each item must be
 * one statement; rows they return are discarded, so keep them to
 * statements that return few (DDL, INSERT, UPDATE).  An item without
 * values is sent as written (a `?` in it is not a placeholder).
 *
 * Returns STRATA_OK when all ran and the COMMIT succeeded.  On a failure
 * the transaction is rolled back, the error is the failing statement's and
 * *failed says which: its index, or `n` when the BEGIN or the COMMIT
 * failed.  STRATA_EMISUSE when a transaction is already open on `db`.  The
 * statement timeout (DB_STATEMENT_TIMEOUT_MS) bounds the whole batch,
 * multiplied by its number of statements.  Hook, echo and the slow-query
 * log see each statement that ran, timed from the start of the batch.
 * Not thread-safe on one `db`, like every call on a connection.
 */
int strata__db_exec_batch_tx(strata_db *db, const strata__db_batch_item *items, size_t n, size_t *failed);

#endif
