/*
 * strata/activity.h: what the database server is doing now (the data of
 * `strata top`), and the server's own per-query statistics
 * (pg_stat_statements, for `strata stats --queries`).
 *
 * Everything here reads; nothing in the database changes.  A call uses
 * the connection it is given, which belongs to the calling thread for the
 * duration of the call.  Results are plain structs owned by the caller.
 */
#ifndef STRATA_ACTIVITY_H
#define STRATA_ACTIVITY_H

#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One server session (PostgreSQL) or one process using the file (SQLite). */
typedef struct strata_session {
	int64_t pid;
	const char *database;	 /* PostgreSQL: the database it is connected to; SQLite: "" */
	const char *user;	 /* PostgreSQL: the role; SQLite: "" */
	const char *application; /* PostgreSQL: application_name; SQLite: the process's command */
	const char *client;	 /* PostgreSQL: client address ("" for a local socket) */
	const char *state;	 /* PostgreSQL: active, idle, idle in transaction, ...;
				    SQLite: writer, checkpointer, reader, open */
	const char *wait;	 /* "Lock:transactionid", "IO:DataFileRead", ...; "" when not waiting */
	const char *query;	 /* the current or last query, whitespace folded, at most 500 bytes */
	double query_ms;	 /* how long the current query has run (or the last one ran); -1: unknown */
	double transaction_ms;	 /* how long its transaction has been open; -1: none */
	double state_ms;	 /* how long it has been in this state; -1: unknown */
	int64_t *blocked_by;	 /* PostgreSQL: the sessions it waits for (pg_blocking_pids) */
	size_t nblocked_by;
	size_t blocking; /* how many sessions wait for this one */
	bool self;	 /* the connection (SQLite: the process) asking */
} strata_session;

/* Connections of one state (PostgreSQL). */
typedef struct strata_session_count {
	const char *state;
	int64_t count;
} strata_session_count;

typedef struct strata_activity {
	const char *backend; /* "sqlite" or "postgres" */
	strata_timestamp taken_at;
	strata_session *sessions; /* PostgreSQL: client sessions of every database, active ones
				     first, longest running first; SQLite: processes using the file */
	size_t nsessions;
	/* PostgreSQL */
	strata_session_count *states; /* client connections by state, over the whole server */
	size_t nstates;
	int64_t connections; /* client connections to the server */
	int64_t max_connections;
	int64_t reserved_connections; /* superuser_reserved_connections */
	const char *database;	      /* the connection's database (SQLite: the file) */
	/* SQLite */
	const char *journal_mode;
	int64_t page_size;
	int64_t database_bytes;
	int64_t wal_bytes;  /* the -wal file; -1: none */
	int64_t wal_frames; /* pages in the WAL not yet checkpointed into the file; -1: unknown */
	bool write_locked;  /* another connection holds the write lock now */
	bool locks_known;   /* the lock holders could be read (Linux /proc/locks) */
} strata_activity;

/*
 * What the server is doing now.  PostgreSQL: pg_stat_activity (every
 * database of the server; other users' queries show as the server lets
 * this role see them, pg_read_all_stats shows all), pg_blocking_pids(),
 * max_connections.  SQLite: the file's size, journal mode, the WAL's size
 * and frames, whether a writer holds the lock (probed with a BEGIN
 * IMMEDIATE that is rolled back at once, never waiting), and on Linux the
 * processes holding the file open or locked (/proc).  *out is freed with
 * strata_activity_free().  Returns STRATA_OK, a database failure,
 * STRATA_ENOMEM.  Must not be called inside a transaction on SQLite
 * (STRATA_EMISUSE).
 */
STRATA_API int strata_activity_collect(strata_db *db, strata_activity **out);

/* Free what strata_activity_collect() returned.  Accepts NULL. */
STRATA_API void strata_activity_free(strata_activity *a);

/* The activity as JSON (indented when `pretty`).  *out: free().  STRATA_OK or STRATA_ENOMEM. */
STRATA_API int strata_activity_json(const strata_activity *a, bool pretty, char **out);

/* ---- pg_stat_statements ---- */

/* One statement of pg_stat_statements (times in milliseconds). */
typedef struct strata_statement {
	int64_t queryid;
	const char *query; /* as pg_stat_statements normalised it ($1 for constants) */
	const char *user;
	int64_t calls;
	double total_ms, mean_ms, min_ms, max_ms, stddev_ms;
	int64_t rows;
	int64_t blocks_hit, blocks_read; /* shared buffers */
	double hit_ratio;		 /* blocks_hit / (hit + read); -1 when it read no blocks */
} strata_statement;

typedef struct strata_statements {
	bool available;	  /* the view could be read; false: see `hint` */
	const char *hint; /* why not, and how to enable it; "" when available */
	double total_ms;  /* over every statement of this database */
	int64_t calls;
	strata_statement *statements; /* this database's, largest total time first */
	size_t count;
} strata_statements;

#define STRATA_STATEMENTS_OPTIONS_VERSION 1

typedef struct strata_statements_options {
	unsigned int version; /* STRATA_STATEMENTS_OPTIONS_VERSION */
	int limit;	      /* statements returned: 20; negative: all */
	const char *order;    /* "total" (default), "mean", "calls", "rows" */
} strata_statements_options;

#define STRATA_STATEMENTS_OPTIONS_INIT                     \
	{                                                  \
		STRATA_STATEMENTS_OPTIONS_VERSION, 0, NULL \
	}

/*
 * The server's statistics of the statements run in the connection's
 * database, from pg_stat_statements.  When the extension is not loaded
 * (not in shared_preload_libraries) or not created in this database, the
 * call still succeeds: `available` is false and `hint` says what to do.
 * SQLite has no such statistics: STRATA_EUNSUPPORTED.  *out is freed with
 * strata_statements_free().  Returns STRATA_OK, STRATA_EUNSUPPORTED,
 * STRATA_EINVAL (bad options), a database failure, STRATA_ENOMEM.
 */
STRATA_API int strata_statements_collect(strata_db *db, const strata_statements_options *opts, strata_statements **out);

/* Free what strata_statements_collect() returned.  Accepts NULL. */
STRATA_API void strata_statements_free(strata_statements *s);

/* As JSON (indented when `pretty`).  *out: free().  STRATA_OK or STRATA_ENOMEM. */
STRATA_API int strata_statements_json(const strata_statements *s, bool pretty, char **out);

#ifdef __cplusplus
}
#endif
#endif
