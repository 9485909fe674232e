/*
 * strata/db.h: connections, statements, transactions, hooks and timeouts,
 * the same on SQLite and PostgreSQL.
 *
 * A strata_db and its statements belong to one thread at a time.  Share
 * connections between threads through a strata_pool (strata/pool.h).
 */
#ifndef STRATA_DB_H
#define STRATA_DB_H

#include "common.h"
#include "dialect.h"
#include "env.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_db strata_db;
typedef struct strata_stmt strata_stmt;

/* A three-way setting: zero keeps the default. */
typedef enum strata_toggle {
	STRATA_DEFAULT = 0,
	STRATA_ON = 1,
	STRATA_OFF = 2
} strata_toggle;

/* What the query hook is told after every statement. */
typedef struct strata_query_info {
	const char *sql;     /* the SQL as the caller wrote it (with ? placeholders) */
	int64_t duration_us; /* wall time from execution to the last row */
	int64_t rows;	     /* rows returned, or rows changed for DML */
	int status;	     /* STRATA_OK or the failure's status */
} strata_query_info;

typedef void (*strata_query_hook)(const strata_query_info *info, void *ud);

#define STRATA_OPEN_OPTIONS_VERSION 1

/*
 * Options for strata_open().  Zero in any field means the default shown;
 * URL query parameters (shown in brackets) override the defaults, and a
 * non-zero field here overrides both.  The environment variables named are
 * read only by strata_open_options_from_env().
 */
typedef struct strata_open_options {
	unsigned int version;	    /* STRATA_OPEN_OPTIONS_VERSION */
	int busy_timeout_ms;	    /* SQLite: 5000; negative: fail at once [busy_timeout] */
	const char *journal_mode;   /* SQLite files: "WAL" [journal_mode] */
	const char *synchronous;    /* SQLite: "NORMAL" under WAL, else "FULL" [synchronous] */
	strata_toggle foreign_keys; /* SQLite: ON [foreign_keys] */
	int connect_timeout_s;	    /* PostgreSQL: 10 [connect_timeout] */
	int statement_timeout_ms;   /* every statement: none [statement_timeout] */
	int stmt_cache_size;	    /* prepared statements kept: 64; negative: none */
	strata_toggle pgbouncer;    /* PostgreSQL: unnamed statements only: OFF, ON for a host named
				     * *-pooler, and ON once a transaction-mode pooler is found (docs/pool.md)
				     * [pgbouncer] */
	strata_toggle echo;	    /* log every statement at INFO: OFF (DB_ECHO) */
	int slow_query_ms;	    /* warn about statements slower than this, naming the query's
				     * fingerprint: off (DB_SLOW_QUERY_MS) */
	strata_log_fn log;	    /* NULL: the process-wide handler */
	void *log_ud;
	strata_query_hook hook; /* called after every statement; NULL: none */
	void *hook_ud;
	strata_toggle query_stats; /* per-query statistics and N+1 detection: OFF (DB_QUERY_STATS);
				    * see strata/query_stats.h */
	int n_plus_one;		   /* with query_stats: warn about a query run more than this many
				    * times in one transaction: 10; negative: never (DB_N_PLUS_ONE) */
} strata_open_options;

#define STRATA_OPEN_OPTIONS_INIT                                                                                     \
	{                                                                                                            \
		STRATA_OPEN_OPTIONS_VERSION, 0, NULL, NULL, STRATA_DEFAULT, 0, 0, 0, STRATA_DEFAULT, STRATA_DEFAULT, \
			0, NULL, NULL, NULL, NULL, STRATA_DEFAULT, 0                                                 \
	}

/*
 * Fill `opts` from the environment: DB_ECHO (true/false/1/0),
 * DB_SLOW_QUERY_MS, DB_STATEMENT_TIMEOUT_MS, DB_QUERY_STATS (true/false)
 * and DB_N_PLUS_ONE (a count; 0 or negative: off).  Fields the environment does
 * not name are left as they are.  Returns STRATA_OK or STRATA_EINVAL
 * (a malformed value; the message names the variable).
 */
STRATA_API int strata_open_options_from_env(strata_open_options *opts);

/*
 * Open a connection.  `url` is one of
 *   sqlite:path/to.db   sqlite:///abs/path.db   sqlite::memory:
 *   postgres://user:pass@host:port/db?sslmode=require&application_name=x
 *   postgresql://...    (everything libpq accepts, unix sockets included)
 * or NULL: $DATABASE_URL, else DATABASE_URL in ./.env (strata_url_resolve);
 * when neither is set the status is STRATA_ENOTFOUND and the message names
 * DATABASE_URL.  SQLite files open in WAL mode with foreign keys on, a busy timeout and
 * synchronous=NORMAL, each overridable.  `opts` NULL means the defaults
 * with the environment applied (strata_open_options_from_env: DB_ECHO,
 * DB_SLOW_QUERY_MS, DB_STATEMENT_TIMEOUT_MS, DB_QUERY_STATS, DB_N_PLUS_ONE); a non-NULL `opts` is taken as
 * it is.  On success *out is a new handle the
 * caller frees with strata_close().  On failure *out is NULL and the status
 * is STRATA_EINVAL (bad URL or option), STRATA_ENOTFOUND (no URL),
 * STRATA_ECONNECT, STRATA_EAUTH or STRATA_ENOMEM; the message never
 * contains the password.
 */
STRATA_API int strata_open(strata_db **out, const char *url, const strata_open_options *opts);

/* Close a connection, finalizing its cached statements.  Accepts NULL.
 * Statements the caller still holds must be finalized first. */
STRATA_API void strata_close(strata_db *db);

/* Which backend a connection speaks. */
STRATA_API strata_backend strata_db_backend(const strata_db *db);

/*
 * Load now what connecting to `backend` needs, rather than at the first
 * open: libpq for STRATA_BACKEND_POSTGRES (nothing for SQLite).  A service
 * calls it at start-up to fail before any work when the library is
 * missing: STRATA_EUNSUPPORTED names the Debian package to install.  In the
 * statically linked `strata` command it hands the command to its dynamic
 * twin (docs/architecture.md).
 */
STRATA_API int strata_backend_prepare(strata_backend backend);

/* The URL the connection was opened with, password replaced by "***". */
STRATA_API const char *strata_db_url(const strata_db *db);

/*
 * The server's version as text ("3.40.1", "15.18") into a buffer owned by
 * the connection.  Never NULL.
 */
STRATA_API const char *strata_db_server_version(const strata_db *db);

/*
 * Set or clear (NULL) the query hook and its `ud`; the previous hook and ud
 * are replaced (read them first if they must be chained).  Call it from the
 * thread that owns the connection.  Accepts a NULL db.
 */
STRATA_API void strata_db_set_hook(strata_db *db, strata_query_hook hook, void *ud);

/*
 * Set (a copy of `actor`) or clear (NULL) who the connection's writes are
 * made for: columns declared `default actor` (the `audit` mixin's
 * created_by_id and updated_by_id) take it on insert, and those marked
 * `auto_update` take it on every UPDATE that does not set them, in the
 * generated C and in plain SQL through this connection alike.  An actor is
 * text the column's type accepts: a user's id ("42"), a UUID, a name.
 *
 * PostgreSQL keeps it in the setting strata.actor (read it with
 * strata_actor(), which the schema's DDL creates): set for the session
 * here, and for a transaction with its BEGIN (same round trip) when the
 * session does not hold the transaction's actor.  Behind a transaction-mode
 * pooler (?pgbouncer=true) a session setting would reach other clients, so
 * there it is only set inside transactions (strata_begin, strata_transact,
 * strata_pool_transact): a plain statement outside a transaction is then
 * not attributed, though the generated insert and update still are (they
 * send the actor as a value).  A non-blocking connection (strata/async.h)
 * keeps its actor on the client only (bind it where it is needed).  SQLite: every connection Strata opens has the
 * SQL function strata_actor(), which returns it (NULL when none); another
 * program writing these columns' tables must define that function too
 * (docs/schema-language.md).
 *
 * To attribute a single transaction, set strata_tx_options.actor instead.
 * Returns STRATA_OK, STRATA_EMISUSE (a transaction is open: its actor was
 * fixed at BEGIN), STRATA_EINVAL (actor is empty or longer than 256 bytes;
 * also what strata_begin returns for such a strata_tx_options.actor),
 * STRATA_ENOMEM, or the failure of setting it on the server (the actor is
 * then unchanged).  Behind a pooler found only at run time (no
 * ?pgbouncer=true), a session setting made before it was found may have
 * reached the pooler's server connection: say ?pgbouncer=true.  Call it
 * from the thread that owns the connection.
 */
STRATA_API int strata_db_set_actor(strata_db *db, const char *actor);

/*
 * The actor writes are made for now: the open transaction's
 * (strata_tx_options.actor) or else the connection's; NULL when none.  The
 * string belongs to the connection and lives until the actor changes.
 */
STRATA_API const char *strata_db_actor(const strata_db *db);

/* Set the timeout for every later statement on this connection; 0: none. */
STRATA_API void strata_db_set_timeout(strata_db *db, int timeout_ms);

/* Rows changed by the last INSERT, UPDATE or DELETE on this connection. */
STRATA_API int64_t strata_changes(const strata_db *db);

/* True while a transaction (or savepoint) opened by strata_begin is open. */
STRATA_API bool strata_in_transaction(const strata_db *db);

/*
 * True when the connection is broken (the server went away).  A broken
 * connection only fails; close it and open a new one.
 */
STRATA_API bool strata_db_is_broken(const strata_db *db);

/*
 * Check the connection with a round trip.  Returns STRATA_OK or
 * STRATA_ECONNECT (and marks the connection broken).
 */
STRATA_API int strata_ping(strata_db *db);

/*
 * Prepare one statement.  Parameters are written `?` on both backends
 * (rewritten to $1, $2, ... for PostgreSQL, leaving literals, quoted
 * identifiers, comments and dollar-quoted bodies alone; `??` is a literal
 * `?`).  A statement is taken from the connection's cache when the same SQL
 * was prepared before.  *out is freed with strata_finalize().  Returns
 * STRATA_OK, STRATA_ESQL, STRATA_EINVAL (empty SQL, more than one
 * statement, or parameters written `$1` or `?1`), STRATA_ECONNECT,
 * STRATA_ENOMEM.  On PostgreSQL in pgbouncer mode, SQL errors surface at
 * the first strata_step() instead.
 */
STRATA_API int strata_prepare(strata_stmt **out, strata_db *db, const char *sql);

/*
 * strata_prepare() for SQL in a string with static storage duration that
 * never changes (a literal): the cache finds it by its address instead of
 * hashing its text, which makes a hot statement cost a pointer compare.
 * Generated code uses it.  Same results and statuses as strata_prepare().
 */
STRATA_API int strata_prepare_static(strata_stmt **out, strata_db *db, const char *sql);

/* Give a statement back (to the cache when there is room).  Accepts NULL. */
STRATA_API void strata_finalize(strata_stmt *stmt);

/* Ready a statement to run again; bindings are kept.  Returns STRATA_OK. */
STRATA_API int strata_reset(strata_stmt *stmt);

/* Set every bound parameter back to NULL. */
STRATA_API int strata_clear_bindings(strata_stmt *stmt);

/* Number of `?` parameters. */
STRATA_API int strata_bind_count(const strata_stmt *stmt);

/*
 * Bind a value to parameter `i` (1-based).  Text and blobs are copied.
 * Returns STRATA_OK, STRATA_ERANGE (no such parameter), STRATA_EMISUSE
 * (the statement is running: reset it first), STRATA_EINVAL, STRATA_ENOMEM.
 */
STRATA_API int strata_bind_null(strata_stmt *stmt, int i);
STRATA_API int strata_bind_int64(strata_stmt *stmt, int i, int64_t v);
STRATA_API int strata_bind_double(strata_stmt *stmt, int i, double v);
STRATA_API int strata_bind_bool(strata_stmt *stmt, int i, bool v);
/* `len` < 0: up to the terminating NUL. */
STRATA_API int strata_bind_text(strata_stmt *stmt, int i, const char *s, ptrdiff_t len);
STRATA_API int strata_bind_blob(strata_stmt *stmt, int i, const void *p, size_t len);
/* Microseconds since 1970-01-01 UTC; stored as ISO-8601 UTC text on SQLite. */
STRATA_API int strata_bind_timestamp(strata_stmt *stmt, int i, strata_timestamp ts);
/* Stored as canonical lower-case text on SQLite, uuid on PostgreSQL. */
STRATA_API int strata_bind_uuid(strata_stmt *stmt, int i, const strata_uuid *u);
/* JSON text; it is not validated here (the column's CHECK or type does). */
STRATA_API int strata_bind_json(strata_stmt *stmt, int i, const char *json);
/* Bind a tagged value (see strata/value.h). */
STRATA_API int strata_bind_value(strata_stmt *stmt, int i, const strata_value *v);

/*
 * Run a statement or advance to its next row.  Returns STRATA_ROW (a row is
 * ready to read), STRATA_DONE (finished; reset to run again), or a failure:
 * STRATA_ECONSTRAINT, STRATA_ESQL, STRATA_EBUSY, STRATA_ECONFLICT,
 * STRATA_ETIMEOUT, STRATA_ECONNECT, STRATA_ENOMEM.  After a failure the
 * statement must be reset before it runs again.
 */
STRATA_API int strata_step(strata_stmt *stmt);

/* Set this statement's timeout (ms; 0: the connection's).  Applies from the next step that executes it. */
STRATA_API void strata_stmt_set_timeout(strata_stmt *stmt, int timeout_ms);

/* The SQL the statement was prepared from (with `?`). */
STRATA_API const char *strata_stmt_sql(const strata_stmt *stmt);

/* Columns of the current result: count, name (owned by the statement). */
STRATA_API int strata_column_count(const strata_stmt *stmt);
STRATA_API const char *strata_column_name(const strata_stmt *stmt, int col);

/* The type of column `col` (0-based) in the current row. */
STRATA_API strata_type strata_column_type(const strata_stmt *stmt, int col);
STRATA_API bool strata_column_is_null(const strata_stmt *stmt, int col);

/*
 * Read column `col` (0-based) of the current row.  Returns STRATA_OK,
 * STRATA_ERANGE (no such column, or no row), STRATA_ETYPE (the value is
 * NULL or of another type; the message names the column and both types).
 * An integer reads as a double; a boolean column reads as bool on both
 * backends (0/1 on SQLite); any non-blob value reads as text.  Text and
 * blob pointers stay valid until the next step, reset or finalize.
 */
STRATA_API int strata_column_int64(strata_stmt *stmt, int col, int64_t *out);
STRATA_API int strata_column_double(strata_stmt *stmt, int col, double *out);
STRATA_API int strata_column_bool(strata_stmt *stmt, int col, bool *out);
STRATA_API int strata_column_text(strata_stmt *stmt, int col, const char **out, size_t *len);
STRATA_API int strata_column_blob(strata_stmt *stmt, int col, const void **out, size_t *len);
STRATA_API int strata_column_timestamp(strata_stmt *stmt, int col, strata_timestamp *out);
STRATA_API int strata_column_uuid(strata_stmt *stmt, int col, strata_uuid *out);
/* JSON as text (PostgreSQL json/jsonb or SQLite TEXT). */
STRATA_API int strata_column_json(strata_stmt *stmt, int col, const char **out);

/*
 * Run a script of one or more statements separated by `;`, without
 * parameters.  Returns STRATA_OK or the first failure; statements before
 * the failing one have run (wrap the call in a transaction for all or none).
 */
STRATA_API int strata_exec(strata_db *db, const char *sql);

/*
 * Prepare (through the cache), bind `n` values, run to completion.
 * `changes` (may be NULL) receives the rows changed.  Returns STRATA_OK or
 * a failure as strata_step() does.
 */
STRATA_API int strata_exec_values(strata_db *db, const char *sql, const strata_value *vals, size_t n, int64_t *changes);

/*
 * Run a query that returns one value in its first column of its first row.
 * Returns STRATA_OK, STRATA_ENOTFOUND (no row), STRATA_ETYPE (NULL or
 * another type) or a failure of the statement.  strata_query_text() stores
 * a copy in *out that the caller frees with free().
 */
STRATA_API int strata_query_int64(strata_db *db, int64_t *out, const char *sql, const strata_value *vals, size_t n);
STRATA_API int strata_query_double(strata_db *db, double *out, const char *sql, const strata_value *vals, size_t n);
STRATA_API int strata_query_text(strata_db *db, char **out, const char *sql, const strata_value *vals, size_t n);

/* Variadic forms: strata_execv(db, "UPDATE t SET a = ? WHERE id = ?", STRATA_TEXT("x"), STRATA_INT(7)); */
#define STRATA__NVALS(...) (sizeof((const strata_value[]){ __VA_ARGS__ }) / sizeof(strata_value))
#define strata_execv(db, sql, ...) \
	strata_exec_values((db), (sql), (const strata_value[]){ __VA_ARGS__ }, STRATA__NVALS(__VA_ARGS__), NULL)
#define strata_query_int64v(db, out, sql, ...) \
	strata_query_int64((db), (out), (sql), (const strata_value[]){ __VA_ARGS__ }, STRATA__NVALS(__VA_ARGS__))
#define strata_query_textv(db, out, sql, ...) \
	strata_query_text((db), (out), (sql), (const strata_value[]){ __VA_ARGS__ }, STRATA__NVALS(__VA_ARGS__))

/* ---- transactions ---- */

typedef enum strata_isolation {
	STRATA_ISOLATION_DEFAULT = 0, /* the server's default (READ COMMITTED on PostgreSQL) */
	STRATA_ISOLATION_READ_COMMITTED = 1,
	STRATA_ISOLATION_REPEATABLE_READ = 2,
	STRATA_ISOLATION_SERIALIZABLE = 3 /* SQLite transactions always are */
} strata_isolation;

#define STRATA_TX_OPTIONS_VERSION 2

/* Options of a transaction.  Version 1 (without `actor`) is still accepted. */
typedef struct strata_tx_options {
	unsigned int version;	    /* STRATA_TX_OPTIONS_VERSION */
	strata_isolation isolation; /* PostgreSQL only */
	bool read_only;		    /* READ ONLY on PostgreSQL; a deferred BEGIN on SQLite */
	bool deferred;		    /* SQLite: plain BEGIN instead of BEGIN IMMEDIATE */
	int max_retries;	    /* strata_transact(): retries of a retryable failure: 3; negative: none */
	int retry_base_ms;	    /* first backoff, doubled each retry, +-50% jitter: 10 */
	/* version 2 */
	const char *actor; /* the transaction's actor (see strata_db_set_actor); NULL: the connection's */
} strata_tx_options;

#define STRATA_TX_OPTIONS_INIT                                                                \
	{                                                                                     \
		STRATA_TX_OPTIONS_VERSION, STRATA_ISOLATION_DEFAULT, false, false, 0, 0, NULL \
	}

/*
 * Open a transaction, or a savepoint when one is already open.  On SQLite a
 * write transaction starts with BEGIN IMMEDIATE (so a lock conflict shows
 * up at BEGIN, where it can be retried, not in the middle); read_only or
 * deferred start a deferred one.  Isolation and read-only apply only to the
 * outermost level.  Returns STRATA_OK, STRATA_EBUSY, STRATA_ECONNECT.
 */
STRATA_API int strata_begin(strata_db *db, const strata_tx_options *opts);

/* Commit the innermost level (RELEASE for a savepoint).  On failure the
 * level is rolled back and the failure returned.  STRATA_EMISUSE: none open. */
STRATA_API int strata_commit(strata_db *db);

/* Roll back the innermost level.  STRATA_EMISUSE: none open. */
STRATA_API int strata_rollback(strata_db *db);

/* The work of a transaction: return STRATA_OK to commit, anything else to roll back. */
typedef int (*strata_tx_fn)(strata_db *db, void *arg);

/*
 * Run `fn` in a transaction: commit when it returns STRATA_OK, roll back
 * otherwise.  When `fn` or the commit fails with a retryable status
 * (STRATA_EBUSY, STRATA_ECONFLICT) at the outermost level, the whole
 * transaction is retried up to max_retries times with jittered exponential
 * backoff, so `fn` must be safe to run again.  A transaction aborted because
 * the connection just found a transaction-mode pooler (PostgreSQL, see
 * docs/pool.md) runs once more without counting as a retry, unless
 * max_retries is negative.  Inside an open transaction it runs in a
 * savepoint and is not retried.  Returns what `fn` returned, or the
 * failure of begin/commit.
 */
STRATA_API int strata_transact(strata_db *db, strata_tx_fn fn, void *arg, const strata_tx_options *opts);

#ifdef __cplusplus
}
#endif
#endif
