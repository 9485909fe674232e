/* The connection and statement handles, shared by the files of src/db/. */
#ifndef STRATA_DB_INTERNAL_H
#define STRATA_DB_INTERNAL_H

#include <strata/db.h>

#include "core/buf.h"
#include "driver/driver.h"

struct strata_stmt {
	strata_db *db;
	void *drv;		/* the driver's statement */
	char *sql;		/* as the caller wrote it */
	int nparams;
	bool cached;		/* belongs to the connection's cache */
	bool in_use;		/* handed out, not yet finalized */
	bool running;		/* stepped since the last reset, not finished */
	bool has_row;
	int ncols;		/* columns of the result, known once a row is ready */
	int timeout_ms;		/* 0: the connection's */
	int64_t started_us;	/* for the hook, when timing */
	int64_t rows;
	uint64_t hash;
	const char *key_ptr;	/* strata_prepare_static: the caller's string */
	/* cache links: hash chain and LRU list of idle entries */
	strata_stmt *chain;
	strata_stmt *lru_prev, *lru_next;
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
	/* transactions: depth 0 = none open */
	int tx_depth;
	bool read_only_tx;	/* SQLite: query_only is on for this transaction */
	/* the statement cache */
	int cache_cap;
	int cache_count;	/* statements owned by the cache, idle or in use */
	strata_stmt **buckets;
	size_t nbuckets;
	strata_stmt *lru_head, *lru_tail; /* idle entries, most recent first */
};

/* Rewrite `?` placeholders to $1..$n (PostgreSQL), leaving literals,
 * quoted identifiers, comments and dollar-quoted bodies alone; `??` is a
 * literal `?`.  *nparams receives the count. */
int strata__rewrite_placeholders(const char *sql, size_t len, strata_buf *out, int *nparams);

/* Statements for the library's own use (no cache, no hook). */
void strata__stmt_cache_clear(strata_db *db);

/* Called with every statement's outcome: hook, echo, slow-query log. */
void strata__db_observe(strata_db *db, const char *sql, int64_t started_us, int64_t rows, int status);

/* True when statements must be timed (hook, echo or slow-query log set). */
static inline bool strata__db_timing(const strata_db *db)
{
	return db->hook || db->echo || db->slow_query_ms > 0;
}

#endif
