/*
 * strata/pool.h: a thread-safe connection pool, and the per-request
 * session (strata_pool_transact).
 *
 * A strata_pool is the object threads share.  Each connection it hands out
 * belongs to the thread that acquired it until that thread releases it.
 * Connections are opened on demand (one at strata_pool_open, to fail fast),
 * kept up to `size`, opened beyond that up to `size + max_overflow` under
 * load and closed again when returned.  See docs/pool.md for the settings,
 * their defaults and how to size a pool.
 *
 * SQLite: a pool over a file database (WAL mode) gives many readers and
 * one writer at a time; writers wait on the busy timeout and
 * strata_pool_transact() queues a process's writers in front of SQLite, so
 * "database is locked" does not reach the caller.  `sqlite::memory:` is a
 * different database for every connection, so a pool over it is one
 * shared connection (size 1, no overflow, never recycled): threads take
 * turns.
 */
#ifndef STRATA_POOL_H
#define STRATA_POOL_H

#include "common.h"
#include "db.h"
#include "query_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_pool strata_pool;

#define STRATA_POOL_OPTIONS_VERSION 1

/*
 * Options for strata_pool_open().  Zero in a field means: the environment
 * variable named in brackets when it is set, else the default shown.  The
 * environment gives seconds (fractions allowed); the fields are
 * milliseconds.  A negative value switches the feature off.
 */
typedef struct strata_pool_options {
	unsigned int version;		/* STRATA_POOL_OPTIONS_VERSION */
	int size;			/* connections kept open: 5 [DB_POOL_SIZE] */
	int max_overflow;		/* extra connections under load, closed when returned: 10; negative: none [DB_MAX_OVERFLOW] */
	int timeout_ms;			/* how long an acquire waits: 30000; negative: not at all [DB_POOL_TIMEOUT] */
	int recycle_ms;			/* maximum lifetime of a connection: 1800000; negative: unlimited [DB_POOL_RECYCLE] */
	int recycle_jitter_pct;		/* each lifetime is shortened by a random 0..this %: 10; negative: none */
	int idle_timeout_ms;		/* close connections idle longer than this: 600000; negative: never [DB_POOL_IDLE_TIMEOUT] */
	int pre_ping_ms;		/* ping a connection idle longer than this before handing it out: 1000; negative: never [DB_POOL_PRE_PING] */
	strata_toggle lifo;		/* hand out the most recently returned connection first: ON [DB_POOL_LIFO] */
	int leak_threshold_ms;		/* report connections held longer than this: 60000; negative: never [DB_POOL_LEAK_THRESHOLD] */
	const strata_open_options *open; /* how each connection is opened; NULL: defaults.  Its log
					  * handler is also the pool's. */
} strata_pool_options;

#define STRATA_POOL_OPTIONS_INIT { STRATA_POOL_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, 0, STRATA_DEFAULT, 0, NULL }

/*
 * Open a pool over `url` (NULL: $DATABASE_URL, else DATABASE_URL from
 * ./.env).  One connection is opened at once, so a wrong URL or an
 * unreachable server fails here.  `opts` may be NULL (environment, then
 * defaults).  On success *out is a new pool freed with strata_pool_close().
 * Returns STRATA_OK, STRATA_EINVAL (bad URL, option or environment value),
 * STRATA_ENOTFOUND (no URL anywhere), STRATA_ECONNECT, STRATA_EAUTH,
 * STRATA_ENOMEM.  Not thread-safe with respect to the pool it creates
 * (nothing else can hold it yet).
 */
STRATA_API int strata_pool_open(strata_pool **out, const char *url, const strata_pool_options *opts);

/*
 * Close the pool: close the idle connections, report (as leaks) the ones
 * still held, and free everything once they are all back.  Connections
 * still held are closed when they are released; do not acquire after this.
 * Accepts NULL.  Call it once, when no thread is inside an acquire.
 */
STRATA_API void strata_pool_close(strata_pool *pool);

/*
 * Take a connection from the pool, waiting up to `timeout_ms` (0: the
 * pool's timeout; negative: do not wait) for one to come back when all are
 * in use.  `file` and `line` say where it was acquired (for leak reports;
 * may be NULL/0; `file` is kept, not copied: pass a string literal such
 * as __FILE__).  Idle connections past their lifetime or idle timeout are
 * closed first, and one idle longer than the pre-ping threshold is pinged
 * and replaced when it fails.  On success *out is a connection the caller
 * owns until strata_pool_release().  Returns STRATA_OK, STRATA_ETIMEOUT
 * (none came back in time), STRATA_ECONNECT / STRATA_EAUTH (a new
 * connection could not be opened), STRATA_EMISUSE (the pool is closing),
 * STRATA_EINVAL, STRATA_ENOMEM.  Thread-safe.
 */
STRATA_API int strata_pool_acquire_at(strata_pool *pool, strata_db **out, int timeout_ms, const char *file,
				      int line);

/* strata_pool_acquire_at() with the pool's timeout.  Thread-safe. */
STRATA_API int strata_pool_acquire(strata_pool *pool, strata_db **out);

/* The macros record the call site for leak reports. */
#define strata_pool_acquire(pool, out) strata_pool_acquire_at((pool), (out), 0, __FILE__, __LINE__)
#define strata_pool_acquire_timeout(pool, out, timeout_ms) \
	strata_pool_acquire_at((pool), (out), (timeout_ms), __FILE__, __LINE__)

/*
 * Give a connection back.  A transaction left open is rolled back (and a
 * warning logged); session state changed through SQL (SET, RESET, PRAGMA,
 * temporary tables, LISTEN, advisory locks, ...) and through the API
 * (strata_db_set_timeout, strata_db_set_hook) is reset; a broken
 * connection is closed, and with it every idle connection opened before
 * the failure.  Overflow connections and those past their lifetime are
 * closed.  Accepts a NULL db.  Returns STRATA_OK, or STRATA_EINVAL when
 * `db` did not come from this pool (it is left alone).  Thread-safe.
 */
STRATA_API int strata_pool_release(strata_pool *pool, strata_db *db);

/*
 * The per-request session: acquire a connection, run `fn` in a transaction
 * with strata_transact() (commit on STRATA_OK, roll back otherwise, retry
 * STRATA_EBUSY and STRATA_ECONFLICT), release.  When the connection turns
 * out to be dead before `fn` ran, it is replaced and the call goes on, once.
 * On a SQLite file, write transactions (not read_only) of this process
 * queue on a mutex ahead of SQLite's lock.  `fn` must not call
 * strata_pool_transact() on the same pool (use the `db` it is given).
 * Returns what strata_transact() returned, or the acquire's failure.
 * Thread-safe.
 */
STRATA_API int strata_pool_transact(strata_pool *pool, strata_tx_fn fn, void *arg, const strata_tx_options *opts);

#define STRATA_POOL_METRICS_VERSION 1

/* What strata_pool_stats() reports.  Counters run from strata_pool_open(). */
typedef struct strata_pool_metrics {
	unsigned int version;	  /* STRATA_POOL_METRICS_VERSION */
	int open;		  /* connections open: idle + in use */
	int idle;
	int in_use;
	int overflow_in_use;	  /* in use beyond `size` */
	int waiting;		  /* threads waiting in an acquire */
	int size, max_overflow;	  /* the settings in force */
	uint64_t acquires;	  /* successful acquires */
	uint64_t timeouts;	  /* acquires that gave up waiting */
	uint64_t leaks;		  /* connections held past the leak threshold */
	uint64_t discarded;	  /* closed: broken, failed a ping or a reset, replaced to reset a SQLite
				   * session, or opened before a connection failure */
	uint64_t opened;	  /* connections opened */
	uint64_t recycled;	  /* closed at the end of their lifetime */
	uint64_t idle_closed;	  /* closed after the idle timeout */
	uint64_t overflow_closed; /* overflow connections closed on return */
	uint64_t rolled_back;	  /* returned inside a transaction and rolled back */
	int64_t wait_p50_us;	  /* acquire wait time percentiles (all acquires, timeouts included) */
	int64_t wait_p95_us;
	int64_t wait_p99_us;
	int64_t wait_max_us;
} strata_pool_metrics;

#define STRATA_POOL_METRICS_INIT { STRATA_POOL_METRICS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/*
 * Fill `out` (whose version must be STRATA_POOL_METRICS_VERSION) with the
 * pool's numbers now.  Also reports connections that just crossed the leak
 * threshold.  Returns STRATA_OK or STRATA_EINVAL.  Thread-safe.
 */
STRATA_API int strata_pool_stats(strata_pool *pool, strata_pool_metrics *out);

/*
 * Fill `opts` from the environment: DB_POOL_SIZE, DB_MAX_OVERFLOW,
 * DB_POOL_TIMEOUT, DB_POOL_RECYCLE, DB_POOL_IDLE_TIMEOUT (seconds; -1:
 * off), DB_POOL_PRE_PING (true, false or seconds), DB_POOL_LIFO (true or
 * false), DB_POOL_LEAK_THRESHOLD (seconds; -1: off).  Only fields that
 * are zero are filled.  Returns STRATA_OK or STRATA_EINVAL (the message
 * names the variable).  strata_pool_open() does this itself.  Reads the
 * environment: not safe against a concurrent setenv().
 */
STRATA_API int strata_pool_options_from_env(strata_pool_options *opts);

/*
 * The per-query statistics of every connection of the pool, merged,
 * including the connections it closed (see strata/query_stats.h; on with
 * DB_QUERY_STATS=true or the `query_stats` field of the open options).
 * *out is freed with strata_query_stats_free().  Returns STRATA_OK,
 * STRATA_EMISUSE (statistics are off for this pool), STRATA_EINVAL,
 * STRATA_ENOMEM.  Thread-safe; it does not stop the threads running
 * statements.
 */
STRATA_API int strata_pool_query_stats(strata_pool *pool, strata_query_stats **out);

/* Start counting afresh on every connection of the pool.  No-op when statistics are off.  Thread-safe. */
STRATA_API void strata_pool_query_stats_reset(strata_pool *pool);

#ifdef __cplusplus
}
#endif
#endif
