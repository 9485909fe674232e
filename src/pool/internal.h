/* Shared by the files of src/pool/. */
#ifndef STRATA_POOL_INTERNAL_H
#define STRATA_POOL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <strata/pool.h>

/*
 * True when `sql` (one statement or a script) may change session state that
 * outlives a transaction: SET (not LOCAL), RESET, PRAGMA, ATTACH, DETACH,
 * LISTEN, PREPARE, DECLARE, LOAD, DISCARD, DEALLOCATE, CREATE TEMP objects,
 * set_config() and session advisory locks.  A false positive only costs a
 * reset; the scan looks at the first words after each `;`.
 */
bool strata__pool_sql_changes_session(const char *sql);

/*
 * True when `sql` may have removed server-side state the connection relies
 * on (DISCARD, DEALLOCATE: the statement cache's prepared statements), so
 * the connection must be replaced rather than reset.
 */
bool strata__pool_sql_needs_replace(const char *sql);

/* The wait-time histogram: log-linear buckets of microseconds. */
#define STRATA__POOL_HIST_BUCKETS 256

typedef struct strata__pool_hist {
	uint64_t count;
	int64_t max_us;
	uint64_t bucket[STRATA__POOL_HIST_BUCKETS];
} strata__pool_hist;

void strata__pool_hist_add(strata__pool_hist *h, int64_t us);
/*
 * The value at or below which fraction `q` (0..1] of the samples lie,
 * rounded up to the top of its bucket and capped at the maximum seen; 0
 * without samples.
 */
int64_t strata__pool_hist_quantile(const strata__pool_hist *h, double q);

/* ---- read replicas (src/pool/replica.c) ---- */

typedef struct strata__replicas strata__replicas;

/*
 * A sub-pool for replica `index` of `parent` over `url` (copied), with the
 * parent's settings; nothing is opened yet.  It lives until the parent is
 * freed.  Returns STRATA_OK or STRATA_ENOMEM.
 */
int strata__pool_new_sub(strata_pool *parent, const char *url, int index, strata_pool **out);

/* Close a sub-pool's idle connections (its server went away).  Thread-safe. */
void strata__pool_discard_idle(strata_pool *sub);

/* Stop handing out connections (the parent is closing); idle ones are closed. */
void strata__pool_close_sub(strata_pool *sub);

/* Free a sub-pool once the parent is freed (all its connections are back). */
void strata__pool_free_sub(strata_pool *sub);

/* The pool's URL (with its password). */
const char *strata__pool_url(const strata_pool *p);

/* The pool's log handler. */
void strata__pool_log_handler(const strata_pool *p, strata_log_fn *fn, void **ud);

/*
 * Set up the replicas of `primary` from `urls` (comma-separated;
 * `source` names where they came from, for messages): a sub-pool each,
 * one check of each, and the monitor thread.  Returns STRATA_OK,
 * STRATA_EINVAL (a bad URL: the message says which), STRATA_ENOMEM,
 * STRATA_ERROR (the thread could not start).
 */
int strata__replicas_open(strata_pool *primary, const char *urls, const char *source, const strata_pool_options *o,
			  const strata_open_options *open, strata__replicas **out);

/* Stop the monitor and close the sub-pools (they are freed by strata__replicas_free). */
void strata__replicas_close(strata__replicas *rs);
void strata__replicas_free(strata__replicas *rs);

/*
 * A connection for a read that needs a replica to have replayed `lsn` (0:
 * any).  STRATA_OK: *out is a replica's connection, *sub its sub-pool.
 * STRATA_ENOTFOUND: no replica will do, read from the primary (counted).
 * Else the failure of the replica's acquire (STRATA_ETIMEOUT, ...).
 */
int strata__replicas_acquire(strata__replicas *rs, uint64_t lsn, int timeout_ms, const char *file, int line,
			     strata_db **out, strata_pool **sub);

/* A request saw replica `index` fail: take it out now (the monitor brings it back). */
void strata__replicas_failed(strata__replicas *rs, int index, const char *why);

/* A read transaction ran again on the primary after its replica failed. */
void strata__replicas_count_retry(strata__replicas *rs);

/* The sub-pool holding `db` in use, or NULL. */
strata_pool *strata__replicas_owner(strata__replicas *rs, const strata_db *db);

/* Fill the replica fields of `m`; one replica's numbers. */
void strata__replicas_stats(strata__replicas *rs, strata_pool_metrics *m);
int strata__replicas_replica_stats(strata__replicas *rs, int index, strata_pool_replica_metrics *out);

/* Is `db` in use from this sub-pool?  For release. */
bool strata__pool_holds(strata_pool *sub, const strata_db *db);

/*
 * Split a comma-separated list of URLs.  A comma only separates URLs when
 * a scheme (`letters://`, `sqlite:`), another comma or the end follows it,
 * so libpq's multi-host URLs (postgres://h1:5432,h2:5432/db) stay whole.
 * Calls `fn` with each URL (trimmed, NUL-terminated, in a scratch copy)
 * and its number from 1; stops at the first non-zero return.  Returns
 * STRATA_OK, STRATA_ENOMEM or what `fn` returned.
 */
int strata__split_urls(const char *list, int (*fn)(const char *url, int n, void *ud), void *ud);

/* The primary's WAL insert position (PostgreSQL), read through `db`. */
int strata__wal_insert_lsn(strata_db *db, uint64_t *out);

#endif
