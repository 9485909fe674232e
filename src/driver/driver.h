/*
 * The backend interface.  Only src/driver/ includes sqlite3.h or
 * libpq-fe.h; everything above it speaks this table of functions, so a third
 * backend is one new file.
 *
 * Conventions: every function that can fail returns a strata_status and has
 * set the error (with the backend's code, SQLSTATE and constraint name)
 * before returning.  Deadlines are CLOCK_MONOTONIC microseconds; 0 means
 * none.  A driver statement is single-use at a time: step until DONE or a
 * failure, then reset.
 */
#ifndef STRATA_DRIVER_H
#define STRATA_DRIVER_H

#include <strata/dialect.h>
#include <strata/value.h>

#include "core/url.h"

/* Connection settings the db layer resolved from options, URL and defaults. */
typedef struct strata__conn_config {
	int busy_timeout_ms;	  /* SQLite; <0: none */
	const char *journal_mode; /* SQLite, NULL: default */
	const char *synchronous;  /* SQLite, NULL: default */
	int foreign_keys;	  /* SQLite: 1 or 0 */
	int connect_timeout_s;	  /* PostgreSQL */
	bool pgbouncer;		  /* PostgreSQL: never name a prepared statement */
	/*
	 * PostgreSQL: called (on the connection's thread) when the driver finds
	 * it is behind a transaction-mode pooler it was not told about and
	 * switches to unnamed statements for good; NULL: not called.
	 */
	void (*on_pooler)(void *ud);
	void *on_pooler_ud;
} strata__conn_config;

/*
 * Called by copy_pages after each batch of pages, `done` of `total` (and
 * with -1, -1 while it waits for a lock).  Returning non-zero stops the
 * copy: STRATA_ECANCELED, the destination as it was.
 */
typedef int (*strata__copy_step)(int64_t done, int64_t total, void *ud);

/* Called with each line of a program's standard output (no newline); non-zero stops reading. */
typedef int (*strata__line_fn)(const char *line, size_t len, void *ud);

/* A client program to run (pg_dump, pg_restore), for run_tool. */
typedef struct strata__tool {
	const char *const *argv; /* argv[0] is looked up on PATH; never a shell */
	strata__line_fn on_line; /* standard output, line by line; NULL: discarded */
	void *line_ud;
	/*
	 * Called about every 100 ms while the program runs; returning non-zero
	 * stops it (SIGTERM, SIGKILL 5 s later) and run_tool returns
	 * STRATA_ECANCELED.  NULL: never.
	 */
	int (*poll)(void *ud);
	void *poll_ud;
	const char *const *env; /* "NAME=VALUE" entries that win over the connection's and ours; NULL: none */
} strata__tool;

/* A non-blocking statement finished (see strata__driver.process). */
typedef void (*strata__done_fn)(void *tag, int status);

/* What a non-blocking connection waits for (as in <strata/async.h>). */
#define STRATA__WANT_READ  1u
#define STRATA__WANT_WRITE 2u

/* One statement of a batch (exec_batch): SQL in the backend's placeholder syntax, its values (borrowed). */
typedef struct strata__batch_item {
	const char *sql;
	const strata_value *vals;
	int nvals;
} strata__batch_item;

/* One cell of a row, as a driver hands it over.  Pointers are borrowed. */
typedef struct strata__cell {
	int64_t i;
	double d;
	bool b;
	const char *p; /* text (NUL-terminated) or blob */
	size_t len;
} strata__cell;

typedef struct strata__driver {
	const char *name;
	strata_backend backend;

	/* Open a connection; *conn is NULL on failure. */
	int (*open)(void **conn, const strata__url *url, const strata__conn_config *cfg);
	void (*close)(void *conn);
	/*
	 * Told before close finalizes the connection's statements (NULL where
	 * nothing depends on it): what the server keeps per statement ends with
	 * the session, so finalizing need not tell it (PostgreSQL: no DEALLOCATE).
	 */
	void (*closing)(void *conn);
	const char *(*server_version)(void *conn);
	bool (*is_broken)(void *conn);
	int (*ping)(void *conn);
	int64_t (*changes)(void *conn);

	/* Run a script of statements without parameters. */
	int (*exec)(void *conn, const char *sql, int64_t deadline);

	/*
	 * Prepare `sql` (already in the backend's placeholder syntax) with
	 * `nparams` parameters.  `cacheable` says the statement will be kept and
	 * reused (PostgreSQL names it, unless in pgbouncer mode).
	 */
	int (*prepare)(void *conn, const char *sql, int nparams, bool cacheable, void **stmt);
	void (*finalize)(void *stmt);
	int (*bind_count)(void *stmt);
	int (*bind)(void *stmt, int i, const strata_value *v);
	int (*clear_bindings)(void *stmt);
	/* Execute (first call) or advance: STRATA_ROW, STRATA_DONE or a failure. */
	int (*step)(void *stmt, int64_t deadline);
	void (*reset)(void *stmt);
	int (*column_count)(void *stmt);
	const char *(*column_name)(void *stmt, int col);
	strata_type (*column_type)(void *stmt, int col);
	/* Read a cell as `want`; STRATA_ETYPE when the value is not of that type. */
	int (*column)(void *stmt, int col, strata_type want, strata__cell *out);
	/*
	 * Run `n` single statements in order, sent together and answered
	 * together (PostgreSQL: libpq pipeline mode, one round trip); NULL where
	 * the backend has none.  Rows they return are discarded.  Stops at the
	 * first failure: its error is set, *failed is its index and nothing
	 * after it ran; *failed is n when all ran.  The caller keeps the results
	 * small (no large row sets) and the batch short: the statements are all
	 * written before any answer is read.
	 */
	int (*exec_batch)(void *conn, const strata__batch_item *items, size_t n, int64_t deadline, size_t *failed);
	/*
	 * COPY ... FROM STDIN (NULL where the backend has none; SQLite).
	 * copy_begin sends the COPY statement and waits until the server takes
	 * data; copy_data sends bytes; copy_end finishes (`fail` NULL: commit the
	 * data, else make the COPY fail with that message), waits for the
	 * outcome and sets *rows.  Between begin and end nothing else runs.
	 */
	int (*copy_begin)(void *conn, const char *sql, int64_t deadline);
	int (*copy_data)(void *conn, const void *data, size_t len);
	int (*copy_end)(void *conn, const char *fail, int64_t deadline, int64_t *rows);
	/*
	 * From now on send every statement unnamed, as in pgbouncer mode
	 * (statements prepared under a name are sent unnamed too); NULL where
	 * the backend has no named statements.  No round trip.
	 */
	void (*use_unnamed)(void *conn);
	/*
	 * The actor the connection's SQL function strata_actor() returns
	 * (NULL: none), borrowed until the next call; NULL where the backend
	 * has no such function (PostgreSQL keeps it in a setting the db layer
	 * writes).
	 */
	void (*set_actor)(void *conn, const char *actor);
	/* The backend's own handle (sqlite3 *, PGconn *), for src/driver/ only. */
	void *(*native)(void *conn);

	/*
	 * Backup primitives; NULL where the backend has none.  Everything else
	 * about backups (files, checks, restore flow) lives in src/ops/.
	 *
	 * copy_pages (SQLite): copy every page of `src`'s main database into
	 * `dst`'s through the online backup API, in one write transaction on
	 * `dst`, waiting up to `wait_ms` for locks other connections hold
	 * (STRATA_EBUSY after that).  A failure leaves `dst` as it was.
	 */
	int (*copy_pages)(void *src, void *dst, int wait_ms, strata__copy_step step, void *ud);
	/*
	 * run_tool (PostgreSQL): run a client program with the connection's
	 * settings (host, port, user, password, dbname, sslmode, ...) in its
	 * environment as PGHOST and so on, never on its command line.  The
	 * child gets SIGTERM when the calling thread dies.  Returns STRATA_OK,
	 * STRATA_ENOTFOUND (not on PATH), STRATA_EIO (it failed: the last line
	 * of its standard error is in the message), STRATA_ECANCELED,
	 * STRATA_ENOMEM.
	 */
	int (*run_tool)(void *conn, const strata__tool *tool);

	/*
	 * Non-blocking use (PostgreSQL; NULL where the backend has none).
	 * open_async starts connecting and returns at once.  send queues a
	 * bound statement: it goes out as soon as the connection is up, in a
	 * pipeline sync section of its own, and finishes inside process, which
	 * calls done(tag, status) for each statement that finished: STRATA_OK
	 * with its result in the statement (step reads the rows), or a failure
	 * with the error set.  process returns STRATA_ECONNECT (error set)
	 * when the connection broke; every statement in flight has then been
	 * finished with that failure.  want says what to wait for (fd -1:
	 * nothing).  abandon drops a sent statement: no done call, its result
	 * is discarded when it comes; with cancel_server the server is asked
	 * to stop it when it is the one running.  connecting is true until
	 * the connection is up (or failed).
	 */
	int (*open_async)(void **conn, const strata__url *url, const strata__conn_config *cfg);
	int (*send)(void *stmt, void *tag);
	void (*want)(void *conn, int *fd, unsigned *events);
	int (*process)(void *conn, unsigned revents, strata__done_fn done);
	void (*abandon)(void *stmt, bool cancel_server);
	bool (*connecting)(void *conn);
} strata__driver;

extern const strata__driver strata__sqlite_driver;
extern const strata__driver strata__postgres_driver;

/* Load libpq now (it is loaded on first use otherwise): STRATA_OK or STRATA_EUNSUPPORTED naming the package. */
int strata__postgres_prepare(void);

/* The backup primitives' implementations (src/driver/sqlite_backup.c, src/driver/tool.c). */
int strata__sqlite_copy_pages(void *src, void *dst, int wait_ms, strata__copy_step step, void *ud);
int strata__pg_run_tool(void *conn, const strata__tool *tool);

/* CLOCK_MONOTONIC in microseconds. */
int64_t strata__monotonic_us(void);

#endif
