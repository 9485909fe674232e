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

#include <strata/db.h>

#include "core/url.h"

/* Connection settings the db layer resolved from options, URL and defaults. */
typedef struct strata__conn_config {
	int busy_timeout_ms;	  /* SQLite; <0: none */
	const char *journal_mode; /* SQLite, NULL: default */
	const char *synchronous;  /* SQLite, NULL: default */
	int foreign_keys;	  /* SQLite: 1 or 0 */
	int connect_timeout_s;	  /* PostgreSQL */
	bool pgbouncer;		  /* PostgreSQL: never name a prepared statement */
} strata__conn_config;

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
	/* The backend's own handle (sqlite3 *, PGconn *), for src/driver/ only. */
	void *(*native)(void *conn);
} strata__driver;

extern const strata__driver strata__sqlite_driver;
extern const strata__driver strata__postgres_driver;

/* CLOCK_MONOTONIC in microseconds. */
int64_t strata__monotonic_us(void);

#endif
