/*
 * Transactions: BEGIN/COMMIT/ROLLBACK at the outermost level, savepoints
 * below it, and strata_transact() with retries of retryable failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/error.h"
#include "db/internal.h"

static int run(strata_db *db, const char *sql)
{
	int64_t t0 = strata__db_timing(db) ? strata__monotonic_ns() : 0;
	int rc = db->drv->exec(db->conn, sql, 0);
	if (t0)
		strata__db_observe(db, sql, NULL, t0, 0, rc);
	return rc;
}

int strata_begin(strata_db *db, const strata_tx_options *opts)
{
	if (!db)
		return strata__error_set(STRATA_EINVAL, "strata_begin: db is NULL");
	if (opts && (opts->version < 1 || opts->version > STRATA_TX_OPTIONS_VERSION))
		return strata__error_set(STRATA_EINVAL, "strata_begin: options version %u is not 1 to %d",
					 opts->version, STRATA_TX_OPTIONS_VERSION);
	int rc;
	char sql[128];
	if (db->tx_depth > 0) {
		snprintf(sql, sizeof sql, "SAVEPOINT strata_sp_%d", db->tx_depth);
	} else if (db->drv->backend == STRATA_BACKEND_SQLITE) {
		bool deferred = opts && (opts->read_only || opts->deferred);
		snprintf(sql, sizeof sql, "%s", deferred ? "BEGIN" : "BEGIN IMMEDIATE");
	} else {
		static const char *const levels[] = { "", " ISOLATION LEVEL READ COMMITTED",
						      " ISOLATION LEVEL REPEATABLE READ",
						      " ISOLATION LEVEL SERIALIZABLE" };
		int iso = opts ? (int)opts->isolation : 0;
		if (iso < 0 || iso > 3)
			return strata__error_set(STRATA_EINVAL, "strata_begin: unknown isolation level %d", iso);
		snprintf(sql, sizeof sql, "BEGIN%s%s", levels[iso], opts && opts->read_only ? " READ ONLY" : "");
	}
	/* the transaction's actor; on PostgreSQL set with the BEGIN when the session does not hold it */
	const char *local = NULL;
	if (db->tx_depth == 0 && (rc = strata__db_actor_enter(db, opts, &local)))
		return rc;
	rc = local ? strata__db_begin_as(db, sql, local) : run(db, sql);
	if (rc != STRATA_OK) {
		if (db->tx_depth == 0)
			strata__db_actor_end(db);
		return rc;
	}
	db->tx_depth++;
	if (db->tx_depth == 1 && db->qstats)
		strata__qstats_tx_begin(db->qstats);
	/* SQLite has no READ ONLY transactions: query_only refuses writes the same way */
	if (db->tx_depth == 1 && opts && opts->read_only && db->drv->backend == STRATA_BACKEND_SQLITE) {
		rc = run(db, "PRAGMA query_only = ON");
		if (rc != STRATA_OK) {
			run(db, "ROLLBACK");
			db->tx_depth--;
			strata__db_actor_end(db);
			return rc;
		}
		db->read_only_tx = true;
	}
	return rc;
}

/* After the outermost level ended: N+1 warnings, and SQLite leaves query_only mode after a read-only transaction. */
static void end_read_only(strata_db *db)
{
	if (db->tx_depth == 0)
		strata__db_actor_end(db);
	if (db->tx_depth == 0 && db->qstats)
		strata__qstats_tx_end(db->qstats);
	if (db->tx_depth == 0 && db->read_only_tx) {
		strata__error_saved saved;
		strata__error_save(&saved);
		run(db, "PRAGMA query_only = OFF");
		strata__error_restore(&saved);
		db->read_only_tx = false;
	}
}

int strata_rollback(strata_db *db)
{
	if (!db)
		return strata__error_set(STRATA_EINVAL, "strata_rollback: db is NULL");
	if (db->tx_depth == 0)
		return strata__error_set(STRATA_EMISUSE, "strata_rollback: no transaction is open");
	int rc;
	if (db->tx_depth > 1) {
		char sql[96];
		int d = db->tx_depth - 1;
		snprintf(sql, sizeof sql, "ROLLBACK TO SAVEPOINT strata_sp_%d; RELEASE SAVEPOINT strata_sp_%d", d, d);
		rc = run(db, sql);
	} else {
		rc = run(db, "ROLLBACK");
		/* SQLite may already have rolled back (after some errors): that is fine */
		if (rc != STRATA_OK && db->drv->backend == STRATA_BACKEND_SQLITE &&
		    strstr(strata_error_last()->message, "no transaction is active"))
			rc = STRATA_OK;
	}
	db->tx_depth--;
	end_read_only(db);
	return rc;
}

int strata_commit(strata_db *db)
{
	if (!db)
		return strata__error_set(STRATA_EINVAL, "strata_commit: db is NULL");
	if (db->tx_depth == 0)
		return strata__error_set(STRATA_EMISUSE, "strata_commit: no transaction is open");
	char sql[64];
	if (db->tx_depth > 1)
		snprintf(sql, sizeof sql, "RELEASE SAVEPOINT strata_sp_%d", db->tx_depth - 1);
	else
		snprintf(sql, sizeof sql, "COMMIT");
	int rc = run(db, sql);
	if (rc == STRATA_OK) {
		db->tx_depth--;
		end_read_only(db);
		return rc;
	}
	/* the level is still open (SQLite: a busy COMMIT): roll it back, keep the first error */
	strata__error_saved saved;
	strata__error_save(&saved);
	strata_rollback(db);
	strata__error_restore(&saved);
	return rc;
}

static void backoff(int attempt, int base_ms)
{
	uint32_t r = 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
		r = (uint32_t)strata__monotonic_us();
	int64_t ms = (int64_t)base_ms << (attempt < 10 ? attempt : 10);
	/* +-50% jitter keeps retrying clients from colliding again */
	int64_t us = ms * 1000 / 2 + (int64_t)(r % (uint32_t)(ms * 1000 + 1));
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

int strata_transact(strata_db *db, strata_tx_fn fn, void *arg, const strata_tx_options *opts)
{
	if (!db || !fn)
		return strata__error_set(STRATA_EINVAL, "strata_transact: %s is NULL", db ? "fn" : "db");
	int retries = opts && opts->max_retries ? opts->max_retries : 3;
	int base = opts && opts->retry_base_ms > 0 ? opts->retry_base_ms : 10;
	if (retries < 0 || db->tx_depth > 0)
		retries = 0;
	/* once the connection went unnamed behind a pooler, the transaction it aborted runs again */
	bool pooler_rerun = !(opts && opts->max_retries < 0) && db->tx_depth == 0;
	for (int attempt = 0;; attempt++) {
		db->pooler_switched = false;
		int rc = strata_begin(db, opts);
		if (rc == STRATA_OK) {
			rc = fn(db, arg);
			if (rc == STRATA_OK) {
				rc = strata_commit(db);
			} else {
				strata__error_saved saved;
				strata__error_save(&saved);
				strata_rollback(db);
				strata__error_restore(&saved);
			}
		}
		if (rc != STRATA_OK && db->pooler_switched && pooler_rerun && !strata_db_is_broken(db)) {
			pooler_rerun = false;
			attempt--;
			continue;
		}
		if (rc == STRATA_OK || !strata_status_is_retryable(rc) || attempt >= retries || strata_db_is_broken(db))
			return rc;
		backoff(attempt, base);
	}
}
