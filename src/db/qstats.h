/*
 * Per-query statistics (internal side): fingerprints, the latency
 * histogram, a connection's collector (a "shard"), a pool's group of
 * shards, and the aggregate snapshots are built from.
 *
 * Threads.  A shard belongs to its connection, so one thread at a time
 * records into it (the owner).  Counters are atomics the owner updates
 * with plain relaxed loads and stores (no locked instructions); anything
 * that changes the shape of a shard (a new entry, a wider histogram
 * window) happens under the shard's mutex, which readers (a snapshot or a
 * reset from another thread, through the pool) also take.  A reset bumps
 * the shard's generation; the owner zeroes an entry the next time it
 * records into it, and readers skip entries of an older generation.
 */
#ifndef STRATA_DB_QSTATS_H
#define STRATA_DB_QSTATS_H

#include <pthread.h>
#include <stdatomic.h>

#include <strata/query_stats.h>

#include "core/buf.h"

/* ---- fingerprints (fingerprint.c) ---- */

/* Append the canonical form of `sql` to `out`; *id (may be NULL) gets its hash.  STRATA_OK or STRATA_ENOMEM. */
int strata__fingerprint(const char *sql, strata_buf *out, uint64_t *id);
uint64_t strata__fnv1a(const char *s, size_t len);

/* ---- the latency histogram ---- */

/*
 * Log-linear buckets of nanoseconds (HdrHistogram's layout): 0..15 ns one
 * bucket each, then 16 buckets per power of two up to 2^44 ns (about 4.9
 * hours; longer durations share the last bucket, the maximum stays exact).
 * A bucket's midpoint is within 1/32 (3.125%) of any value in it.
 */
#define STRATA__QH_SUB	   16
#define STRATA__QH_BUCKETS (STRATA__QH_SUB + 40 * STRATA__QH_SUB)

static inline int strata__qh_bucket(uint64_t ns)
{
	if (ns < STRATA__QH_SUB)
		return (int)ns;
	int e = 63 - __builtin_clzll((unsigned long long)ns); /* >= 4 */
	int b = STRATA__QH_SUB + (e - 4) * STRATA__QH_SUB + (int)((ns >> (e - 4)) & (STRATA__QH_SUB - 1));
	return b < STRATA__QH_BUCKETS ? b : STRATA__QH_BUCKETS - 1;
}

/* The smallest value of bucket `b`; strata__qh_lower(b + 1) is one past its largest. */
uint64_t strata__qh_lower(int b);

/* A histogram as snapshots hold it: counts of buckets first .. first + n - 1. */
struct strata_latency_hist {
	int first, n;
	uint64_t *counts;
	uint64_t count;		 /* the sum of counts */
	uint64_t min_ns, max_ns; /* exact */
};

/* Add `c` samples to bucket `b` (widening the window).  STRATA_OK or STRATA_ENOMEM. */
int strata__qh_add(struct strata_latency_hist *h, int b, uint64_t c);
/* The value at quantile q (0..1] in nanoseconds; 0 without samples. */
double strata__qh_quantile(const struct strata_latency_hist *h, double q);

/* ---- a connection's collector ---- */

typedef struct strata__qentry strata__qentry;
typedef struct strata__qstats strata__qstats;
typedef struct strata__qgroup strata__qgroup;

/* DB_QUERY_STATS and DB_N_PLUS_ONE into `opts`.  STRATA_OK or STRATA_EINVAL (naming the variable). */
int strata__qstats_options_from_env(strata_open_options *opts);

/* Most distinct queries a shard tracks; later ones are counted together as "(other queries)". */
#define STRATA__QSTATS_MAX 1000

/* A new shard.  `n1` is the N+1 threshold (negative: no detection).  STRATA_OK or STRATA_ENOMEM. */
int strata__qstats_new(strata__qstats **out, int n1, strata_log_fn log, void *log_ud);
/* Leave the group (its numbers stay in the group) and free.  Accepts NULL.  Owner only. */
void strata__qstats_free(strata__qstats *s);

/*
 * The entry for `sql`, found through *slot when it is set (a statement
 * keeps its entry there) and stored there when found.  NULL when memory ran
 * out (the statement is then not recorded).  Owner only.
 */
strata__qentry *strata__qstats_entry(strata__qstats *s, const char *sql, strata__qentry **slot);

/* The entry's fingerprint id (for log lines). */
uint64_t strata__qentry_id(const strata__qentry *e);

/* Record one execution.  `in_tx`: inside a transaction opened with strata_begin.  Owner only. */
void strata__qstats_record(strata__qstats *s, strata__qentry *e, uint64_t ns, int64_t rows, bool failed, bool in_tx);

/* The outermost transaction began / ended: N+1 bookkeeping, and the warnings at the end.  Owner only. */
void strata__qstats_tx_begin(strata__qstats *s);
void strata__qstats_tx_end(strata__qstats *s);

/* Forget everything counted so far.  Any thread. */
void strata__qstats_reset(strata__qstats *s);

/* A snapshot of one shard.  Any thread.  STRATA_OK or STRATA_ENOMEM. */
int strata__qstats_snapshot(strata__qstats *s, strata_query_stats **out);

/* ---- a pool's group of shards ---- */

int strata__qgroup_new(strata__qgroup **out);
/* Free the group; every shard must have left it.  Accepts NULL. */
void strata__qgroup_free(strata__qgroup *g);
/* Make `s` one of the group's shards (a pool connection).  Owner of `s`. */
void strata__qgroup_join(strata__qgroup *g, strata__qstats *s);
int strata__qgroup_snapshot(strata__qgroup *g, strata_query_stats **out);
void strata__qgroup_reset(strata__qgroup *g);

/* ---- aggregation (qstats_snap.c) ---- */

/* Entries merged by fingerprint; what snapshots and a group's retired shards are made of. */
typedef struct strata__qagg strata__qagg;

strata__qagg *strata__qagg_new(void);
void strata__qagg_free(strata__qagg *a);
void strata__qagg_clear(strata__qagg *a);

/* Counters of one query, as added to an aggregate. */
typedef struct strata__qcounts {
	uint64_t calls, errors, n_plus_one;
	int64_t rows;
	uint64_t total_ns;
} strata__qcounts;

/* Add a query's counters and histogram (counts of buckets first..first+n-1) to the aggregate. */
int strata__qagg_add(strata__qagg *a, const char *fingerprint, uint64_t id, const strata__qcounts *c,
		     const struct strata_latency_hist *h);
/* Add every query of `from` to `a`. */
int strata__qagg_merge(strata__qagg *a, const strata__qagg *from);
/* Set a snapshot query's figures from its counters and histogram (which it then points to). */
void strata__qstat_fill(strata_query_stat *q, const strata__qcounts *c, const struct strata_latency_hist *h);
/* The aggregate as a snapshot, largest total time first.  STRATA_OK or STRATA_ENOMEM. */
int strata__qagg_finish(const strata__qagg *a, strata_timestamp since, strata_query_stats **out);

#endif
