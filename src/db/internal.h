/* The connection and statement handles, shared by the files of src/db/. */
#ifndef STRATA_DB_INTERNAL_H
#define STRATA_DB_INTERNAL_H

#include <strata/async.h>
#include <strata/db.h>

#include "core/buf.h"
#include "db/qstats.h"
#include "driver/driver.h"

struct strata_stmt {
	strata_db *db;
	void *drv; /* the driver's statement */
	char *sql; /* as the caller wrote it */
	int nparams;
	bool cached;  /* belongs to the connection's cache */
	bool in_use;  /* handed out, not yet finalized */
	bool running; /* stepped since the last reset, not finished */
	bool has_row;
	int ncols;		/* columns of the result, known once a row is ready */
	int timeout_ms;		/* 0: the connection's */
	int64_t started_ns;	/* for the hook and statistics, when timing */
	strata__qentry *qentry; /* its query's statistics, once known */
	int64_t rows;
	uint64_t hash;
	const char *key_ptr; /* strata_prepare_static: the caller's string */
	/* cache links: hash chain and LRU list of idle entries */
	strata_stmt *chain;
	strata_stmt *lru_prev, *lru_next;
	/* non-blocking (src/db/async.c): started, not finished yet */
	bool in_flight;
	int64_t deadline_us; /* give up then (STRATA_ETIMEOUT); 0: never */
	strata_stmt_done done;
	void *done_ud;
	strata_stmt *fl_prev, *fl_next;
};

struct strata_db {
	const strata__driver *drv;
	void *conn;
	char *url_redacted;
	int timeout_ms;
	bool echo;
	int slow_query_ms;
	strata_log_fn log;
	void *log_ud;
	strata_query_hook hook;
	void *hook_ud;
	strata__qstats *qstats; /* per-query statistics; NULL: off */
	/* transactions: depth 0 = none open */
	int tx_depth;
	bool read_only_tx; /* SQLite: query_only is on for this transaction */
	/* the actor (src/db/actor.c) */
	char *actor;	    /* strata_db_set_actor's; NULL: none */
	char *tx_actor;	    /* the open transaction's (strata_tx_options.actor); NULL: the connection's */
	bool actor_session; /* PostgreSQL: strata.actor holds `actor` for the session */
	bool pgbouncer;	    /* PostgreSQL behind a transaction-mode pooler (the URL, or found): no session settings */
	/* the statement cache */
	int cache_cap;
	int cache_count; /* statements owned by the cache, idle or in use */
	strata_stmt **buckets;
	size_t nbuckets;
	strata_stmt *lru_head, *lru_tail; /* idle entries, most recent first */
	/* non-blocking (strata_open_async, src/db/async.c) */
	bool async;
	bool async_dead;	     /* connecting timed out, or the connection broke */
	int64_t connect_deadline_us; /* while connecting */
	strata_stmt *flight;	     /* statements in flight, oldest first */
	strata_stmt *flight_tail;
	int pending;
	/* a transaction-mode pooler nobody told us about (PostgreSQL; src/db/db.c) */
	bool pooler_switched; /* the driver went unnamed; strata_transact clears it per attempt */
	int pooler_warned_own;
	int *pooler_warned; /* set once the warning was logged; a pool's connections share the pool's */
};

/* Rewrite `?` placeholders to $1..$n (PostgreSQL), leaving literals,
 * quoted identifiers, comments and dollar-quoted bodies alone; `??` is a
 * literal `?`; a `$n` never touches an identifier or number.  *nparams
 * receives the count.  `out` NULL: only check (SQLite).  STRATA_OK,
 * STRATA_EINVAL (the SQL writes $1 itself), STRATA_ENOMEM. */
int strata__rewrite_placeholders(const char *sql, size_t len, strata_buf *out, int *nparams);

/*
 * The actor around a transaction's outermost level (src/db/actor.c).
 * Before BEGIN, actor_enter checks opts->actor and takes the transaction's
 * actor; *local is the actor PostgreSQL must set for the transaction (the
 * session does not hold it), else NULL.  begin_as runs `begin` and sets
 * strata.actor for the transaction in one round trip (no transaction is
 * left open on failure).  After COMMIT or ROLLBACK (or a failed BEGIN),
 * actor_end goes back to the connection's actor.
 */
int strata__db_actor_enter(strata_db *db, const strata_tx_options *opts, const char **local);
int strata__db_begin_as(strata_db *db, const char *begin, const char *actor);
void strata__db_actor_end(strata_db *db);

/* strata_open() and strata_open_async(). */
int strata__db_open(strata_db **out, const char *url, const strata_open_options *opts, bool async);

/*
 * Send every statement unnamed from now on (PostgreSQL; nothing on
 * SQLite): a pool found its server behind a transaction-mode pooler.
 */
void strata__db_use_unnamed(strata_db *db);

/* A statement in flight is finalized or reset: forget it (no callback). */
void strata__async_forget(strata_stmt *s);

/* Statements for the library's own use (no cache, no hook). */
void strata__stmt_cache_clear(strata_db *db);

/*
 * Called with every statement's outcome: statistics, hook, echo, slow-query
 * log.  `qslot` is where a statement keeps its statistics entry (NULL for
 * SQL without a statement handle).
 */
void strata__db_observe(strata_db *db, const char *sql, strata__qentry **qslot, int64_t started_ns, int64_t rows,
			int status);

/*
 * CLOCK_MONOTONIC in nanoseconds, read cheaply (src/db/clock.c: the time
 * stamp counter where it is invariant): for durations, never deadlines.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define STRATA__HAVE_TSC 1
__extension__ typedef unsigned __int128 strata__u128;
#else
#define STRATA__HAVE_TSC 0
#endif

/* Set once, at the first strata__monotonic_ns_slow(); read-only after `ready`. */
typedef struct strata__clock_state {
	_Atomic bool ready;
	bool tsc;      /* the counter is used */
	uint64_t tsc0; /* the counter at ns0 */
	int64_t ns0;
	uint64_t mult; /* nanoseconds per tick, times 2^32 */
} strata__clock_state;
extern strata__clock_state strata__clock;

int64_t strata__monotonic_ns_slow(void);

static inline int64_t strata__monotonic_ns(void)
{
#if STRATA__HAVE_TSC
	if (atomic_load_explicit(&strata__clock.ready, memory_order_acquire) && strata__clock.tsc) {
		uint64_t t = __builtin_ia32_rdtsc();
		if (t >= strata__clock.tsc0)
			return strata__clock.ns0 +
			       (int64_t)(((strata__u128)(t - strata__clock.tsc0) * strata__clock.mult) >> 32);
	}
#endif
	return strata__monotonic_ns_slow();
}

/* True when statements must be timed (statistics, hook, echo or slow-query log on). */
static inline bool strata__db_timing(const strata_db *db)
{
	return db->qstats || db->hook || db->echo || db->slow_query_ms > 0;
}

#endif
