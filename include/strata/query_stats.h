/*
 * strata/query_stats.h: per-query statistics of a connection or a pool,
 * and N+1 detection.
 *
 * Switched on with DB_QUERY_STATS=true (read by
 * strata_open_options_from_env(), and so by strata_open(url, NULL) and
 * strata_pool_open(..., NULL)) or the `query_stats` open option.  Every
 * statement is then counted under its fingerprint: the SQL with comments,
 * layout and case of keywords normalised, every literal and placeholder
 * written `?`, and lists of values folded, so `IN (?, ?, ?)` and
 * `IN (?, ?)` are one query.  Per query: calls, errors, rows, total, mean,
 * minimum and maximum time, and percentiles from a log-linear latency
 * histogram (HdrHistogram's layout, 16 buckets per power of two: a
 * percentile is within 3.125% of the true value; minimum and maximum are
 * exact).  A connection tracks up to 1000 distinct queries; later ones
 * are counted together as "(other queries)".
 *
 * N+1 detection (on with the statistics): a query run more than
 * `n_plus_one` times (10 by default, DB_N_PLUS_ONE) inside one transaction
 * opened with strata_begin()/strata_transact()/strata_pool_transact() is
 * logged once at WARN when the transaction ends, with its count.
 *
 * A pool with statistics on merges the numbers of all its connections,
 * including those it closed since.  See docs/operations.md.
 */
#ifndef STRATA_QUERY_STATS_H
#define STRATA_QUERY_STATS_H

#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The latency histogram behind a query's percentiles (opaque; see strata_query_stat_quantile()). */
struct strata_latency_hist;

/* One query's numbers.  Times are milliseconds. */
typedef struct strata_query_stat {
	const char *fingerprint; /* the normalised SQL; "(other queries)" for the overflow */
	uint64_t id;		 /* a 64-bit hash of the fingerprint (the one slow-query lines show) */
	uint64_t calls;		 /* executions, failed ones included */
	uint64_t errors;	 /* executions that failed */
	int64_t rows;		 /* rows returned, or changed for DML, summed */
	double total_ms, mean_ms, min_ms, max_ms;
	double p50_ms, p95_ms, p99_ms;
	uint64_t n_plus_one; /* transactions in which it ran more than the N+1 threshold */
	const struct strata_latency_hist *hist;
} strata_query_stat;

/* A snapshot: owned by the caller, freed with strata_query_stats_free(). */
typedef struct strata_query_stats {
	strata_timestamp since; /* when counting began (open or the last reset) */
	strata_timestamp taken_at;
	uint64_t calls; /* over every query */
	double total_ms;
	strata_query_stat *queries; /* largest total time first */
	size_t count;
} strata_query_stats;

/*
 * The statistics of one connection so far.  For a pooled connection these
 * are that connection's own; ask the pool for the merged ones.  *out is
 * freed with strata_query_stats_free().  Returns STRATA_OK, STRATA_EMISUSE
 * (statistics are off for this connection), STRATA_EINVAL, STRATA_ENOMEM.
 * Call it from the thread that owns the connection.
 */
STRATA_API int strata_db_query_stats(strata_db *db, strata_query_stats **out);

/* Start counting afresh.  No-op when statistics are off or the handle is NULL. */
STRATA_API void strata_db_query_stats_reset(strata_db *db);

/* A pool's statistics: strata_pool_query_stats() in strata/pool.h. */

/* Free a snapshot.  Accepts NULL. */
STRATA_API void strata_query_stats_free(strata_query_stats *s);

/*
 * The duration in milliseconds under which fraction `q` (0 < q <= 1) of
 * the query's executions fall, from its histogram (within 3.125%; q = 1 is
 * the exact maximum).  0 without executions or for a bad `q`.
 */
STRATA_API double strata_query_stat_quantile(const strata_query_stat *stat, double q);

/*
 * The snapshot as JSON (indented when `pretty`): an object with
 * "format": "strata-query-stats", "version": 1, "since", "taken_at", and
 * "queries", each with the fields above and its histogram, so the file can
 * be read back with strata_query_stats_load().  *out: free().  STRATA_OK
 * or STRATA_ENOMEM.
 */
STRATA_API int strata_query_stats_json(const strata_query_stats *s, bool pretty, char **out);

/*
 * Write the snapshot's JSON to `path` (through a temporary file and a
 * rename, so readers never see half a file).  Returns STRATA_OK,
 * STRATA_EIO (the message names the file), STRATA_ENOMEM.
 */
STRATA_API int strata_query_stats_save(const strata_query_stats *s, const char *path);

/*
 * Read a file written by strata_query_stats_save().  *out is freed with
 * strata_query_stats_free().  Returns STRATA_OK, STRATA_ENOTFOUND,
 * STRATA_EIO, STRATA_EPARSE (not such a file; the message says what is
 * wrong and where), STRATA_ENOMEM.
 */
STRATA_API int strata_query_stats_load(const char *path, strata_query_stats **out);

/*
 * The fingerprint of `sql` (see above) into *text (free()), and its id
 * into *id (may be NULL).  Pure; any thread.  STRATA_OK, STRATA_EINVAL,
 * STRATA_ENOMEM.
 */
STRATA_API int strata_sql_fingerprint(const char *sql, char **text, uint64_t *id);

#ifdef __cplusplus
}
#endif
#endif
