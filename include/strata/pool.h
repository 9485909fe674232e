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
 *
 * Read replicas (PostgreSQL): with replica URLs (the `replica_urls` option
 * or $DATABASE_REPLICA_URLS) the pool keeps a sub-pool per replica, with
 * the same settings as the primary's.  Read-only work (a read_only
 * strata_pool_transact(), strata_pool_acquire_read()) goes to a replica
 * that is up and not too far behind; everything else goes to the primary.
 * A strata_pool_token gives read-your-writes: a read goes to a replica
 * only once it has replayed the token's last write.  One monitor thread per
 * pool with replicas checks them (lag, reachability).  See docs/pool.md.
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

#define STRATA_POOL_OPTIONS_VERSION 2

/*
 * Options for strata_pool_open().  Zero in a field means: the environment
 * variable named in brackets when it is set, else the default shown.  The
 * environment gives seconds (fractions allowed); the fields are
 * milliseconds.  A negative value switches the feature off.  Version 1
 * (without the replica fields) is still accepted.
 */
typedef struct strata_pool_options {
	unsigned int version; /* STRATA_POOL_OPTIONS_VERSION */
	int size;	      /* connections kept open: 5 [DB_POOL_SIZE] */
	int max_overflow; /* extra connections under load, closed when returned: 10; negative: none [DB_MAX_OVERFLOW] */
	int timeout_ms;	  /* how long an acquire waits: 30000; negative: not at all [DB_POOL_TIMEOUT] */
	int recycle_ms;	  /* maximum lifetime of a connection: 1800000; negative: unlimited [DB_POOL_RECYCLE] */
	int recycle_jitter_pct; /* each lifetime is shortened by a random 0..this %: 10; negative: none */
	int idle_timeout_ms; /* close connections idle longer than this: 600000; negative: never [DB_POOL_IDLE_TIMEOUT]
			      */
	int pre_ping_ms;     /* ping a connection idle longer than this before handing it out: 1000; negative: never
				[DB_POOL_PRE_PING] */
	strata_toggle lifo;  /* hand out the most recently returned connection first: ON [DB_POOL_LIFO] */
	int leak_threshold_ms;		 /* report connections held longer than this: 60000; negative: never
					    [DB_POOL_LEAK_THRESHOLD] */
	const strata_open_options *open; /* how each connection is opened; NULL: the defaults with the
					  * environment applied, as strata_open with NULL options
					  * (DB_ECHO, DB_SLOW_QUERY_MS, DB_STATEMENT_TIMEOUT_MS,
					  * DB_QUERY_STATS, DB_N_PLUS_ONE).  Its log handler is also
					  * the pool's. */
	/* version 2: read replicas (PostgreSQL) */
	const char *replica_urls; /* comma-separated replica URLs; NULL: $DATABASE_REPLICA_URLS (or .env);
				   * "": none */
	int replica_max_lag_ms;	  /* a replica further behind serves no reads: 10000; negative: no bound
				   * [DB_REPLICA_MAX_LAG] */
	int replica_wait_ms;	  /* read-your-writes: how long a read waits for a replica to catch up
				   * before it goes to the primary: 10; negative: do not wait [DB_REPLICA_WAIT] */
	int replica_check_ms;	  /* how often the monitor checks each replica: 1000 [DB_REPLICA_CHECK_INTERVAL] */
} strata_pool_options;

#define STRATA_POOL_OPTIONS_INIT                                                                         \
	{                                                                                                \
		STRATA_POOL_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, 0, STRATA_DEFAULT, 0, NULL, NULL, 0, 0, 0 \
	}

/*
 * Open a pool over `url` (NULL: $DATABASE_URL, else DATABASE_URL from
 * ./.env).  One connection is opened at once, so a wrong URL or an
 * unreachable server fails here.  Each replica is checked once; one that
 * cannot be reached is logged and retried in the background, and does not
 * fail the open.  `opts` may be NULL (environment, then defaults).  On
 * success *out is a new pool freed with strata_pool_close().
 * Returns STRATA_OK, STRATA_EINVAL (bad URL, option or environment value;
 * replica URLs with a SQLite database, which has no replicas),
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
STRATA_API int strata_pool_acquire_at(strata_pool *pool, strata_db **out, int timeout_ms, const char *file, int line);

/*
 * A read-your-writes token: where the last write of one context (a user's
 * session, a request chain) ended in the primary's write-ahead log.  Start
 * with STRATA_POOL_TOKEN_INIT; write transactions given the token raise it
 * (strata_pool_transact_token()), reads given it go to a replica only once
 * the replica has replayed that far.  It is a plain number (PostgreSQL's
 * WAL position, pg_lsn as an integer): store it with the session, in a
 * cookie, or anywhere, to carry it between processes.  0: no write yet;
 * UINT64_MAX: a write whose position could not be read (reads go to the
 * primary).  The pool updates it atomically, so threads may share one.
 */
typedef struct strata_pool_token {
	uint64_t lsn;
} strata_pool_token;

#define STRATA_POOL_TOKEN_INIT \
	{                      \
		0              \
	}

/*
 * Take a connection for reading: from a replica that is up, within
 * `replica_max_lag_ms` and, when `token` is not NULL, has replayed the
 * token's last write (waiting up to `replica_wait_ms` for one to catch up);
 * else from the primary.  A pool without replicas gives a primary
 * connection.  Do not write through it: a replica refuses writes
 * (STRATA_ESQL, SQLSTATE 25006).  Release it with strata_pool_release().
 * `timeout_ms`, `file`, `line` and the statuses are as for
 * strata_pool_acquire_at().  Thread-safe.
 */
STRATA_API int strata_pool_acquire_read_at(strata_pool *pool, strata_db **out, const strata_pool_token *token,
					   int timeout_ms, const char *file, int line);

#define strata_pool_acquire_read(pool, out, token) \
	strata_pool_acquire_read_at((pool), (out), (token), 0, __FILE__, __LINE__)

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
 * With replicas, a read_only transaction (not SERIALIZABLE, which a
 * standby cannot run) goes to a replica as strata_pool_acquire_read()
 * says; when that replica fails (STRATA_ECONNECT) it is taken out and the
 * transaction runs again on the primary.  opts->actor attributes the
 * transaction's writes (see strata_db_set_actor); it ends with the
 * transaction, so the connection's next user never has it.
 * Returns what strata_transact() returned, or the acquire's failure.
 * Thread-safe.
 */
STRATA_API int strata_pool_transact(strata_pool *pool, strata_tx_fn fn, void *arg, const strata_tx_options *opts);

/*
 * strata_pool_transact() with a read-your-writes token (NULL: none).  A
 * write transaction (not read_only) that commits on PostgreSQL raises
 * token->lsn to the primary's WAL insert position after the commit (one
 * more round trip); a read_only one goes to a replica only when it has
 * replayed token->lsn, waits up to `replica_wait_ms` for one to, and else
 * runs on the primary.  strata_pool_stats() counts which.  On SQLite the
 * token is left alone.  Same statuses as strata_pool_transact().
 * Thread-safe.
 */
STRATA_API int strata_pool_transact_token(strata_pool *pool, strata_pool_token *token, strata_tx_fn fn, void *arg,
					  const strata_tx_options *opts);

/*
 * After committing a write by hand on a primary connection (from
 * strata_pool_acquire()), raise token->lsn to the primary's WAL insert
 * position, as strata_pool_transact_token() does.  Returns STRATA_OK (on
 * SQLite without doing anything), STRATA_EINVAL, or the query's failure
 * (STRATA_ESQL on a replica connection).  The token may be shared.
 */
STRATA_API int strata_pool_token_update(strata_db *db, strata_pool_token *token);

#define STRATA_POOL_METRICS_VERSION 2

/*
 * What strata_pool_stats() reports.  Counters run from strata_pool_open()
 * and are never reset or recycled: for a rate, subtract two snapshots.  The
 * wait percentiles cover every acquire since the pool opened, not a recent
 * window.
 * The connection numbers are the primary's; each replica's are in
 * strata_pool_replica_stats().  Version 1 (without the replica fields) is
 * still filled.
 */
typedef struct strata_pool_metrics {
	unsigned int version; /* STRATA_POOL_METRICS_VERSION */
	int open;	      /* connections open: idle + in use */
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
	/* version 2: reads and replicas (zero without replicas) */
	int replicas;		  /* replicas configured */
	int replicas_usable;	  /* up and within replica_max_lag_ms */
	uint64_t reads_replica;	  /* read acquires (and read_only transactions) served by a replica */
	uint64_t reads_primary;	  /* ... served by the primary: no usable replica, or read-your-writes */
	uint64_t ryw_replica;	  /* reads with a token a replica had already replayed */
	uint64_t ryw_waited;	  /* reads with a token that waited for a replica to catch up */
	uint64_t ryw_primary;	  /* reads with a token no replica caught up with in time: on the primary */
	uint64_t replica_retries; /* read transactions run again on the primary after their replica failed */
} strata_pool_metrics;

#define STRATA_POOL_METRICS_INIT                                                                                     \
	{                                                                                                            \
		STRATA_POOL_METRICS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
			0, 0, 0, 0                                                                                   \
	}

/*
 * Fill `out` (whose version must be STRATA_POOL_METRICS_VERSION) with the
 * pool's numbers now.  Also reports connections that just crossed the leak
 * threshold.  Returns STRATA_OK or STRATA_EINVAL.  Thread-safe.
 */
STRATA_API int strata_pool_stats(strata_pool *pool, strata_pool_metrics *out);

/* Where a replica stands, as the monitor last saw it. */
typedef enum strata_replica_state {
	STRATA_REPLICA_UNKNOWN = 0,    /* not checked yet */
	STRATA_REPLICA_UP = 1,	       /* serving reads */
	STRATA_REPLICA_LAGGING = 2,    /* reachable, but further behind than replica_max_lag_ms: no reads */
	STRATA_REPLICA_DOWN = 3,       /* unreachable or failing: no reads, retried with backoff */
	STRATA_REPLICA_NOT_STANDBY = 4 /* reachable but not in recovery (promoted, or not a replica): no reads */
} strata_replica_state;

/* "unknown", "up", "lagging", "down", "not_standby"; never NULL. */
STRATA_API const char *strata_replica_state_name(strata_replica_state state);

#define STRATA_POOL_REPLICA_METRICS_VERSION 1

/* One replica's numbers (strata_pool_replica_stats()). */
typedef struct strata_pool_replica_metrics {
	unsigned int version; /* STRATA_POOL_REPLICA_METRICS_VERSION */
	const char *url;      /* the replica's URL, password redacted; owned by the pool */
	strata_replica_state state;
	int64_t state_ms;	/* how long it has been in this state */
	int64_t lag_bytes;	/* WAL the primary has flushed that the replica has not replayed; -1: unknown */
	int64_t lag_ms;		/* how long ago the replica last had all the primary had; -1: unknown */
	uint64_t replay_lsn;	/* the last WAL position it replayed (pg_last_wal_replay_lsn()) */
	uint64_t checks;	/* monitor checks */
	uint64_t taken_out;	/* times it stopped serving reads (down, lagging, not a standby) */
	uint64_t brought_back;	/* times it came back */
	int open, idle, in_use; /* its sub-pool's connections */
	uint64_t acquires;	/* reads it served */
	uint64_t timeouts;
	uint64_t opened;
	uint64_t discarded;
	char last_error[256]; /* why it was last taken out, or "" */
} strata_pool_replica_metrics;

#define STRATA_POOL_REPLICA_METRICS_INIT                                                                               \
	{                                                                                                              \
		STRATA_POOL_REPLICA_METRICS_VERSION, NULL, STRATA_REPLICA_UNKNOWN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
			0, 0,                                                                                          \
		{                                                                                                      \
			0                                                                                              \
		}                                                                                                      \
	}

/*
 * Fill `out` (version STRATA_POOL_REPLICA_METRICS_VERSION) with replica
 * `index` (0-based, in the order the URLs were given; the count is
 * strata_pool_metrics.replicas).  Returns STRATA_OK, STRATA_ERANGE (no such
 * replica) or STRATA_EINVAL.  Thread-safe.
 */
STRATA_API int strata_pool_replica_stats(strata_pool *pool, int index, strata_pool_replica_metrics *out);

/*
 * Fill `opts` from the environment: DB_POOL_SIZE, DB_MAX_OVERFLOW,
 * DB_POOL_TIMEOUT, DB_POOL_RECYCLE, DB_POOL_IDLE_TIMEOUT (seconds; -1:
 * off), DB_POOL_PRE_PING (true, false or seconds), DB_POOL_LIFO (true or
 * false), DB_POOL_LEAK_THRESHOLD (seconds; -1: off), DB_REPLICA_MAX_LAG,
 * DB_REPLICA_WAIT (seconds; -1: off), DB_REPLICA_CHECK_INTERVAL (seconds).
 * Only fields that are zero are filled (replica_urls is read by
 * strata_pool_open(), not here).  Returns STRATA_OK or STRATA_EINVAL (the message
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
