/*
 * A short transaction as one batch (db/batch.h): the driver's exec_batch
 * where it has one (PostgreSQL pipeline mode), else statement by statement.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "db/batch.h"
#include "db/internal.h"

/* Without a batching driver: BEGIN, each statement, COMMIT, as separate calls. */
static int one_by_one(strata_db *db, const strata__db_batch_item *items, size_t n, size_t *failed)
{
	*failed = n;
	int rc = strata_begin(db, NULL);
	if (rc != STRATA_OK)
		return rc;
	for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
		rc = items[i].nvals ? strata_exec_values(db, items[i].sql, items[i].vals, items[i].nvals, NULL)
				    : strata_exec(db, items[i].sql);
		if (rc != STRATA_OK)
			*failed = i;
	}
	if (rc == STRATA_OK)
		return strata_commit(db);
	strata__error_saved saved;
	strata__error_save(&saved);
	strata_rollback(db);
	strata__error_restore(&saved);
	return rc;
}

/* Drivers take text and JSON as (pointer, length), NULL pointers as NULL (as strata_bind_value does). */
static strata_value driver_value(const strata_value *v)
{
	strata_value t = *v;
	if (v->type == STRATA_TYPE_TEXT || v->type == STRATA_TYPE_JSON) {
		if (!v->v.s)
			return STRATA_NULL;
		const char *p = v->v.s;
		t.v.blob.p = p;
		t.v.blob.len = strlen(p);
	} else if (v->type == STRATA_TYPE_UUID && !v->v.uuid) {
		return STRATA_NULL;
	}
	return t;
}

int strata__db_exec_batch_tx(strata_db *db, const strata__db_batch_item *items, size_t n, size_t *failed)
{
	strata__batch_item *all = NULL;
	strata_value *vals = NULL;
	strata_buf *sql = NULL;
	size_t at = 0;
	int rc = STRATA_OK;

	if (!failed)
		return strata__error_set(STRATA_EINVAL, "strata__db_exec_batch_tx: failed is NULL");
	*failed = n;
	if (!db || (n && !items))
		return strata__error_set(STRATA_EINVAL, "strata__db_exec_batch_tx: %s is NULL", db ? "items" : "db");
	if (db->tx_depth > 0)
		return strata__error_set(STRATA_EMISUSE, "strata__db_exec_batch_tx: a transaction is already open");
	if (!db->drv->exec_batch)
		return one_by_one(db, items, n, failed);

	int64_t t0 = strata__db_timing(db) ? strata__monotonic_ns() : 0;
	size_t nvals = 0;
	for (size_t i = 0; i < n; i++)
		nvals += items[i].nvals;
	all = calloc(n + 2, sizeof *all);
	sql = calloc(n ? n : 1, sizeof *sql);
	vals = calloc(nvals ? nvals : 1, sizeof *vals);
	if (!all || !sql || !vals) {
		rc = strata__error_nomem();
		goto out;
	}
	all[0].sql = "BEGIN";
	nvals = 0;
	for (size_t i = 0; i < n; i++) {
		all[i + 1].sql = items[i].sql;
		if (items[i].nvals == 0)
			continue;
		/* values: `?` becomes $1..$n, as strata_prepare does */
		int np = 0;
		sql[i] = (strata_buf)STRATA_BUF_INIT;
		rc = strata__rewrite_placeholders(items[i].sql, strlen(items[i].sql), &sql[i], &np);
		if (rc == STRATA_OK && (size_t)np != items[i].nvals)
			rc = strata__error_set(STRATA_ERANGE, "%zu value%s given for %d parameter%s", items[i].nvals,
					       items[i].nvals == 1 ? "" : "s", np, np == 1 ? "" : "s");
		if (rc != STRATA_OK) {
			*failed = i;
			goto out;
		}
		all[i + 1].sql = strata__buf_cstr(&sql[i]);
		all[i + 1].vals = vals + nvals;
		all[i + 1].nvals = np;
		for (size_t j = 0; j < items[i].nvals; j++)
			vals[nvals++] = driver_value(&items[i].vals[j]);
	}
	all[n + 1].sql = "COMMIT";
	int64_t deadline =
		db->timeout_ms ? strata__monotonic_us() + (int64_t)db->timeout_ms * 1000 * (int64_t)(n + 2) : 0;
	rc = db->drv->exec_batch(db->conn, all, n + 2, deadline, &at);
	if (t0)
		for (size_t i = 1; i <= n && i <= at; i++)
			strata__db_observe(db, items[i - 1].sql, NULL, t0, 0, i == at ? rc : STRATA_OK);
	if (rc == STRATA_OK)
		goto out;
	*failed = at >= 1 && at <= n ? at - 1 : n;
	if (at >= 1 && at <= n && !db->drv->is_broken(db->conn)) {
		/* the transaction block is open and aborted: end it */
		strata__error_saved saved;
		strata__error_save(&saved);
		db->drv->exec(db->conn, "ROLLBACK", 0);
		strata__error_restore(&saved);
	}
out:
	for (size_t i = 0; sql && i < n; i++)
		strata__buf_free(&sql[i]);
	free(sql);
	free(vals);
	free(all);
	return rc;
}
