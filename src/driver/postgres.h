/*
 * Shared by the files of the PostgreSQL backend: postgres.c (connections,
 * blocking statements) and pg_async.c (the non-blocking side: connecting,
 * pipelining, cancelling).
 */
#ifndef STRATA_DRIVER_POSTGRES_H
#define STRATA_DRIVER_POSTGRES_H

#include "driver/driver.h"
#include "driver/pq.h"

typedef struct pg_async pg_async;
typedef struct pg_entry pg_entry;

typedef struct pg_conn {
	PGconn *pg;
	bool pgbouncer;
	bool broken;
	bool closing; /* strata_close has begun: the session's statements end with it */
	bool async;   /* opened with open_async: pipeline mode, statements through send */
	int64_t changes;
	unsigned long next_name;
	char name_prefix[24]; /* "strata_" and 8 random hex digits: names no other client uses */
	void (*on_pooler)(void *ud);
	void *on_pooler_ud;
	char version[32];
	pg_async *a; /* the non-blocking state, or NULL */
} pg_conn;

typedef struct pg_param {
	char *value; /* NULL: SQL NULL */
	int len;
	int format; /* 0 text, 1 binary */
	unsigned int oid;
	char inline_buf[48];
} pg_param;

typedef struct pg_stmt {
	pg_conn *conn;
	char *sql;
	char name[48]; /* "" when unnamed */
	int nparams;
	pg_param *params;
	const char **values;
	int *lengths, *formats;
	unsigned int *oids;
	PGresult *res;
	int row, nrows;
	bool started;
	bool failed;	     /* non-blocking: `res` is the failure, said again by step */
	pg_entry *entry;     /* non-blocking: in flight */
	unsigned char *blob; /* the last unescaped bytea */
} pg_stmt;

/* The connect parameters of a URL, for PQconnectdbParams / PQconnectStartParams. */
typedef struct strata__pg_params {
	const char *keys[4], *vals[4];
	char timeout[16];
} strata__pg_params;

void strata__pg_connect_params(strata__pg_params *p, const strata__url *url, const strata__conn_config *cfg);
/* Set the error for a connection that could not be made; returns its status. */
int strata__pg_connect_failed(PGconn *pg, const char *conninfo);
/* A connection just came up: notices silenced, the server's version read. */
void strata__pg_connected(pg_conn *c);

/* Set the error from a failed result (may be NULL) or a broken connection; returns the status. */
int strata__pg_result_error(pg_conn *c, const PGresult *r);
int strata__pg_conn_error(pg_conn *c, const char *what);
bool strata__pg_result_ok(const PGresult *r);
int64_t strata__pg_cmd_tuples(const PGresult *r);

/* The non-blocking side (pg_async.c); see strata__driver. */
int strata__pg_open_async(void **conn, const strata__url *url, const strata__conn_config *cfg);
int strata__pg_send(void *stmt, void *tag);
void strata__pg_want(void *conn, int *fd, unsigned *events);
int strata__pg_process(void *conn, unsigned revents, strata__done_fn done);
void strata__pg_abandon(void *stmt, bool cancel_server);
bool strata__pg_connecting(void *conn);
/* Forget the statement's part in the pipeline (finalize, reset); no done call. */
void strata__pg_async_detach(pg_stmt *s);
/* Free the non-blocking state (the connection is closing). */
void strata__pg_async_free(pg_conn *c);

#endif
