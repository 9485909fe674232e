/* Shared by the files of src/pool/. */
#ifndef STRATA_POOL_INTERNAL_H
#define STRATA_POOL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

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

#endif
