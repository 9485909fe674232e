/*
 * strata/async.h: non-blocking PostgreSQL connections, for event loops
 * (libuv, libevent, epoll, poll, ...).
 *
 * A connection opened with strata_open_async() never blocks: the loop asks
 * it what to wait for (a socket, read and/or write, and a timeout:
 * strata_db_wants()), waits with whatever it uses, and calls back in
 * (strata_db_process()) when the socket is ready or the timeout passed.
 * Statements are prepared and bound as usual (strata_prepare, strata_bind_*)
 * and started with strata_stmt_start(); many may be in flight on one
 * connection at once (libpq's pipeline mode), and each one's callback runs
 * from inside strata_db_process() when its result is in.  In the callback
 * the rows are read with strata_step() and strata_column_*(), which do not
 * block then.  Connecting (TLS included) is non-blocking too; statements
 * started before the connection is up wait and go out once it is.
 *
 * Each statement runs as its own implicit transaction (a Sync follows
 * each): a failing statement does not disturb the others.  A transaction
 * of several statements needs a connection that runs nothing else
 * meanwhile.  Statements are sent unnamed (no prepared-statement round
 * trip), so everything here works behind pgbouncer in transaction mode.
 *
 * SQLite has no non-blocking interface: strata_open_async() refuses it
 * (STRATA_EUNSUPPORTED).  Run SQLite work on a worker thread that hands
 * results to the loop; docs/async.md shows how.
 *
 * A non-blocking connection and its statements belong to one thread (the
 * loop's).  See docs/async.md and examples/async_server/.
 */
#ifndef STRATA_ASYNC_H
#define STRATA_ASYNC_H

#include "common.h"
#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Events a connection waits for on its socket. */
#define STRATA_WANT_READ  1u
#define STRATA_WANT_WRITE 2u

/*
 * Start opening a PostgreSQL connection without waiting.  `url` and `opts`
 * are as for strata_open(); the connect timeout (opts->connect_timeout_s,
 * the URL's connect_timeout, 10 s) is enforced through the timeout that
 * strata_db_wants() reports.  Host names are resolved before this returns
 * (libpq resolves them synchronously): use an IP address, or hostaddr=, to
 * never block.  On success *out is a connection that is still connecting
 * (strata_db_connecting()); free it with strata_close().  Returns
 * STRATA_OK, STRATA_EINVAL (bad URL or option), STRATA_EUNSUPPORTED
 * (SQLite), STRATA_ECONNECT (refused at once), STRATA_ENOMEM.  Failures
 * found later (refused, wrong password, timed out) finish every statement
 * started on it with STRATA_ECONNECT or STRATA_EAUTH, and strata_db_process()
 * returns that status.
 */
STRATA_API int strata_open_async(strata_db **out, const char *url, const strata_open_options *opts);

/* What the loop should wait for before calling strata_db_process(). */
typedef struct strata_wants {
	int fd;		 /* the socket; -1: none (the connection is broken) */
	unsigned events; /* STRATA_WANT_READ and/or STRATA_WANT_WRITE */
	int timeout_ms;	 /* call strata_db_process() after this long even if the socket stays quiet
			  * (a statement's or the connect's deadline); -1: no deadline; 0: now */
} strata_wants;

/*
 * Fill `out` with what `db` waits for now.  Ask again after every
 * strata_db_process() and strata_stmt_start(): the events change, and the
 * socket itself can change while connecting (libpq may retry without TLS,
 * or try the next host), so watch the new one.  Never fails; a NULL or
 * blocking connection reports fd -1.
 */
STRATA_API void strata_db_wants(strata_db *db, strata_wants *out);

/*
 * Do everything that can be done without blocking: advance the connect,
 * send what is queued, read what arrived, run the callbacks of statements
 * that finished, and finish (STRATA_ETIMEOUT) those whose deadline passed.
 * `revents` is what the socket is ready for (STRATA_WANT_READ/WRITE; 0
 * when the timeout fired).  Returns STRATA_OK, or STRATA_ECONNECT /
 * STRATA_EAUTH when the connection failed or broke (every statement in
 * flight has had its callback with that status; close the connection),
 * STRATA_EINVAL, STRATA_EMISUSE (not a non-blocking connection).  Do not
 * call it, or strata_close(), from inside a statement's callback.
 */
STRATA_API int strata_db_process(strata_db *db, unsigned revents);

/* True while a non-blocking connection is still being made. */
STRATA_API bool strata_db_connecting(const strata_db *db);

/* How many statements are in flight on the connection (started, callback not yet run). */
STRATA_API int strata_db_pending(const strata_db *db);

/*
 * A statement finished.  `status` is STRATA_OK (read the rows with
 * strata_step()/strata_column_*(), then finalize or reset), or a failure
 * with the detail in strata_error_last() (strata_step() says it again):
 * what strata_step() would have returned, STRATA_ETIMEOUT (its deadline
 * passed), STRATA_ECANCELED (strata_stmt_cancel()), STRATA_ECONNECT.  The
 * callback may start, cancel and finalize statements, this one included.
 */
typedef void (*strata_stmt_done)(strata_stmt *st, int status, void *ud);

/*
 * Start a prepared, bound statement on a non-blocking connection; `done`
 * runs exactly once, from a later strata_db_process() or
 * strata_stmt_cancel(), unless the statement is finalized or reset first
 * (then never).  Its deadline is the statement's timeout
 * (strata_stmt_set_timeout), else the connection's, counted from now:
 * time spent waiting behind other statements in the pipeline counts.
 * Bindings may change once it is started (they were copied).  Returns
 * STRATA_OK, STRATA_EINVAL, STRATA_EMISUSE (a blocking connection, or the
 * statement is already running), STRATA_ECONNECT (the connection is
 * broken: no callback), STRATA_ENOMEM.
 */
STRATA_API int strata_stmt_start(strata_stmt *st, strata_stmt_done done, void *ud);

/*
 * Give up on a started statement: its callback runs now with
 * STRATA_ECANCELED.  When the server is running it at this moment, it is
 * asked to stop (a cancel request, sent from a short-lived thread so the
 * loop does not wait); a statement still queued behind others may run
 * anyway, its result unseen.  Returns STRATA_OK or STRATA_EMISUSE (not in
 * flight).
 */
STRATA_API int strata_stmt_cancel(strata_stmt *st);

#ifdef __cplusplus
}
#endif
#endif
