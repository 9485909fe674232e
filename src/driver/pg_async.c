/*
 * The non-blocking side of the PostgreSQL backend: connecting with
 * PQconnectStartParams/PQconnectPoll (TLS included), then pipeline mode on
 * a non-blocking socket.
 *
 * Each statement sent is one entry of a FIFO and goes out as
 * Parse/Bind/Describe/Execute followed by a Sync of its own, so every
 * statement is its own implicit transaction and a failing one does not
 * abort the ones behind it.  Its results come back in order: the result,
 * a NULL (the end of that query), then PGRES_PIPELINE_SYNC, which finishes
 * the entry.  Statements sent while the connection is still being made
 * wait in the FIFO and go out once it is up, behind the session setup
 * (UTC, ISO dates).  Nothing here blocks: the caller's event loop says
 * when the socket is ready (strata__pg_want, strata__pg_process).
 *
 * Giving up on a statement (a timeout, a cancel) detaches it from its
 * entry, whose result is dropped when it arrives; when the entry is at the
 * head of the pipeline (the server is running it, or is about to), or once
 * it gets there, the server is asked to cancel it.  A cancel request names the backend, not
 * the statement, so it can land on the next statement instead: a
 * statement that fails with 57014 (query_canceled) shortly after a cancel
 * was sent, and that nobody gave up on, is sent again once (it was rolled
 * back: each statement is its own transaction).  libpq before 17 has no
 * non-blocking cancel, so PQcancel runs on a short-lived detached thread.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/error.h"
#include "driver/postgres.h"

/* One statement in a connection's pipeline. */
typedef enum entry_state {
	E_QUEUED,  /* not sent yet (the connection is still being made) */
	E_RESULTS, /* sent: its results come next */
	E_SYNC	   /* its results are in: its Sync comes next */
} entry_state;

struct pg_entry {
	pg_entry *next, *prev;
	pg_stmt *s; /* NULL: given up on (or the session setup) */
	void *tag;
	bool setup; /* the connection's own session setup */
	entry_state state;
	PGresult *keep; /* the first failed result, else the last one */
	int resent;
	bool cancel; /* given up on with cancel_server: cancel it when it runs */
	bool cancel_sent;
};

/*
 * The cancel requests a connection has on their way, each on a detached
 * thread.  Shared with those threads and freed by whichever lets go last,
 * so a close that stops waiting for a stuck one frees nothing in use.
 */
typedef struct pg_cancels {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running; /* threads still sending */
	int refs;    /* the connection, and each running thread */
} pg_cancels;

struct pg_async {
	pg_entry *head, *tail; /* sent entries first, in order, then queued ones */
	pg_cancels *cancels;   /* NULL until the first cancel is sent */
	bool connecting;
	PostgresPollingStatusType polling;
	bool flush;		/* output is waiting for the socket */
	int64_t last_cancel_us; /* when a cancel request was last sent */
	char *conninfo;		/* while connecting: to keep its secrets out of messages */
};

/* Statements that fail with 57014 this soon after a cancel was sent, and were not given up on, are sent again. */
#define RESEND_WINDOW_US (5 * 1000000LL)
/* How long a close waits for cancelled statements and cancel requests still on their way. */
#define CLOSE_WAIT_US (2 * 1000000LL)

static const char setup_sql[] =
	"SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, YMD', false)";

static void unlink_entry(pg_async *a, pg_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		a->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		a->tail = e->prev;
	e->next = e->prev = NULL;
}

static void append_entry(pg_async *a, pg_entry *e)
{
	e->prev = a->tail;
	e->next = NULL;
	if (a->tail)
		a->tail->next = e;
	else
		a->head = e;
	a->tail = e;
}

static void free_entry(pg_entry *e)
{
	if (e->s)
		e->s->entry = NULL;
	PQclear(e->keep);
	free(e);
}

/* Put the entry's statement and its Sync in libpq's output buffer. */
static int send_entry(pg_conn *c, pg_entry *e)
{
	int ok;
	if (e->setup)
		ok = PQsendQueryParams(c->pg, setup_sql, 0, NULL, NULL, NULL, NULL, 0);
	else
		ok = PQsendQueryParams(c->pg, e->s->sql, e->s->nparams, e->s->oids, e->s->values, e->s->lengths,
				       e->s->formats, 0);
	if (ok)
		ok = PQpipelineSync(c->pg);
	if (!ok)
		return strata__pg_conn_error(c, "could not send a statement");
	e->state = E_RESULTS;
	c->a->flush = true;
	return STRATA_OK;
}

/* ---- cancelling ---- */

typedef struct cancel_job {
	PGcancel *cn;
	pg_cancels *set;
} cancel_job;

/* Let go of the shared set; the last one out frees it. */
static void cancels_release(pg_cancels *set, bool thread_done)
{
	pthread_mutex_lock(&set->mu);
	if (thread_done) {
		set->running--;
		pthread_cond_broadcast(&set->cv);
	}
	bool last = --set->refs == 0;
	pthread_mutex_unlock(&set->mu);
	if (last) {
		pthread_cond_destroy(&set->cv);
		pthread_mutex_destroy(&set->mu);
		free(set);
	}
}

static void *cancel_thread(void *arg)
{
	cancel_job *job = arg;
	char err[256];
	PQcancel(job->cn, err, sizeof err); /* best effort: the statement's deadline has already passed */
	PQfreeCancel(job->cn);
	if (job->set)
		cancels_release(job->set, true);
	free(job);
	return NULL;
}

static pg_cancels *cancels_get(pg_async *a)
{
	if (a->cancels)
		return a->cancels;
	pg_cancels *set = calloc(1, sizeof *set);
	if (!set)
		return NULL;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&set->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&set->mu, NULL);
	set->refs = 1;
	return a->cancels = set;
}

/* Ask the server to cancel what it runs now, without waiting for it. */
static void send_cancel(pg_conn *c)
{
	if (c->broken)
		return;
	cancel_job *job = calloc(1, sizeof *job);
	if (!job)
		return;
	job->cn = PQgetCancel(c->pg);
	if (!job->cn) {
		free(job);
		return;
	}
	c->a->last_cancel_us = strata__monotonic_us();
	job->set = cancels_get(c->a);
	if (job->set) {
		pthread_mutex_lock(&job->set->mu);
		job->set->running++;
		job->set->refs++;
		pthread_mutex_unlock(&job->set->mu);
	}
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, cancel_thread, job) != 0)
		cancel_thread(job); /* no thread: a loopback connect is quick */
	pthread_attr_destroy(&attr);
}

/* Wait until every cancel request sent has been delivered, or `until_us` passes. */
static void cancels_wait(pg_async *a, int64_t until_us)
{
	pg_cancels *set = a->cancels;
	if (!set)
		return;
	a->cancels = NULL;
	struct timespec ts = { 0 };
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t left = until_us - strata__monotonic_us();
	if (left < 0)
		left = 0;
	int64_t ns = ts.tv_nsec + (left % 1000000) * 1000;
	ts.tv_sec += (time_t)(left / 1000000 + ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	pthread_mutex_lock(&set->mu);
	while (set->running > 0 && pthread_cond_timedwait(&set->cv, &set->mu, &ts) == 0)
		;
	pthread_mutex_unlock(&set->mu);
	cancels_release(set, false);
}

/* ---- finishing statements ---- */

/*
 * The connection broke: every statement in flight finishes with `status`
 * and the message now in the error, the setup and abandoned ones quietly.
 */
static int fail_all(pg_conn *c, int status, strata__done_fn done)
{
	pg_async *a = c->a;
	char msg[512];
	snprintf(msg, sizeof msg, "%s", strata_error_last()->message);
	c->broken = true;
	a->connecting = false;
	pg_entry *e;
	while ((e = a->head) != NULL) {
		unlink_entry(a, e);
		pg_stmt *s = e->s;
		void *tag = e->tag;
		free_entry(e);
		if (!s)
			continue;
		PQclear(s->res);
		s->res = NULL;
		s->started = true;
		s->failed = true;
		s->nrows = 0;
		strata__error_set_db(status, 0, "08006", NULL, "%s", msg);
		done(tag, status);
	}
	strata__error_set_db(status, 0, "08006", NULL, "%s", msg);
	return status;
}

static bool is_query_canceled(const PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	return st && strcmp(st, "57014") == 0;
}

/* The head entry's Sync arrived: hand its result to its statement. */
static int finish_entry(pg_conn *c, pg_entry *e, strata__done_fn done)
{
	pg_async *a = c->a;
	unlink_entry(a, e);
	PGresult *r = e->keep;
	e->keep = NULL;
	if (e->setup && (!r || !strata__pg_result_ok(r))) {
		int status = strata__pg_result_error(c, r);
		PQclear(r);
		free_entry(e);
		return fail_all(c, status == STRATA_ECONNECT ? status : STRATA_ECONNECT, done);
	}
	if (!e->s) {
		PQclear(r);
		free_entry(e);
		return STRATA_OK;
	}
	if (is_query_canceled(r) && e->resent == 0 && a->last_cancel_us &&
	    strata__monotonic_us() - a->last_cancel_us < RESEND_WINDOW_US) {
		/* a cancel meant for the statement ahead of it: it was rolled back, run it again */
		PQclear(r);
		e->resent++;
		append_entry(a, e);
		return send_entry(c, e) == STRATA_OK ? STRATA_OK : fail_all(c, STRATA_ECONNECT, done);
	}
	pg_stmt *s = e->s;
	void *tag = e->tag;
	free_entry(e);
	PQclear(s->res);
	s->res = r;
	s->started = true;
	s->row = -1;
	int status = STRATA_OK;
	if (r && strata__pg_result_ok(r)) {
		s->failed = false;
		s->nrows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
		c->changes = strata__pg_cmd_tuples(r);
	} else {
		s->failed = true;
		s->nrows = 0;
		status = strata__pg_result_error(c, r);
	}
	done(tag, status);
	return STRATA_OK;
}

/*
 * The head of the pipeline is the statement the server runs (or is about
 * to): when it was given up on with cancel_server, ask the server to stop
 * it, once.
 */
static void cancel_head(pg_conn *c)
{
	pg_entry *h = c->a->head;
	if (h && h->cancel && !h->cancel_sent && h->state != E_QUEUED) {
		h->cancel_sent = true;
		send_cancel(c);
	}
}

/* Read every result that has arrived, finishing entries as their Syncs come. */
static int drain(pg_conn *c, strata__done_fn done)
{
	pg_async *a = c->a;
	while (a->head && a->head->state != E_QUEUED && !c->broken) {
		cancel_head(c);
		if (PQisBusy(c->pg))
			break;
		PGresult *r = PQgetResult(c->pg);
		pg_entry *e = a->head;
		if (e->state == E_RESULTS) {
			if (!r) {
				e->state = E_SYNC;
				continue;
			}
			ExecStatusType st = PQresultStatus(r);
			if (st == PGRES_PIPELINE_SYNC) {
				PQclear(r);
				if (finish_entry(c, e, done) != STRATA_OK)
					return strata_error_last()->status;
				continue;
			}
			bool failed = !strata__pg_result_ok(r);
			bool keep_failed = e->keep && !strata__pg_result_ok(e->keep);
			if (keep_failed && !failed) {
				PQclear(r);
			} else {
				PQclear(e->keep);
				e->keep = r;
			}
			continue;
		}
		/* E_SYNC */
		if (!r)
			break;
		if (PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
			PQclear(r);
			continue;
		}
		PQclear(r);
		if (finish_entry(c, e, done) != STRATA_OK)
			return strata_error_last()->status;
	}
	if (PQstatus(c->pg) == CONNECTION_BAD && !c->broken)
		return fail_all(c, strata__pg_result_error(c, NULL), done);
	return STRATA_OK;
}

/* ---- the driver's entry points ---- */

int strata__pg_open_async(void **out, const strata__url *url, const strata__conn_config *cfg)
{
	*out = NULL;
	int rc = strata__pq_load();
	if (rc != STRATA_OK)
		return rc;
	pg_conn *c = calloc(1, sizeof *c);
	pg_async *a = calloc(1, sizeof *a);
	pg_entry *setup = calloc(1, sizeof *setup);
	if (!c || !a || !setup) {
		free(c);
		free(a);
		free(setup);
		return strata__error_nomem();
	}
	c->a = a;
	c->async = true;
	c->pgbouncer = cfg->pgbouncer;
	strata__pg_params params;
	strata__pg_connect_params(&params, url, cfg);
	c->pg = PQconnectStartParams(params.keys, params.vals, 1);
	if (!c->pg) {
		rc = strata__error_nomem();
		goto fail;
	}
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		rc = strata__pg_connect_failed(c->pg, url->conninfo);
		goto fail;
	}
	a->conninfo = strata__strdup(url->conninfo);
	if (!a->conninfo) {
		rc = strata__error_nomem();
		goto fail;
	}
	a->connecting = true;
	a->polling = PGRES_POLLING_WRITING;
	setup->setup = true;
	append_entry(a, setup);
	*out = c;
	return STRATA_OK;
fail:
	PQfinish(c->pg);
	free(setup);
	free(a);
	free(c);
	return rc;
}

bool strata__pg_connecting(void *conn)
{
	pg_conn *c = conn;
	return c->a && c->a->connecting;
}

int strata__pg_send(void *stmt, void *tag)
{
	pg_stmt *s = stmt;
	pg_conn *c = s->conn;
	if (!c->a)
		return strata__error_set(STRATA_EMISUSE,
					 "the connection is not non-blocking (open it with strata_open_async)");
	if (c->broken)
		return strata__pg_conn_error(c, "the connection is broken");
	if (s->entry)
		return strata__error_set(STRATA_EMISUSE, "the statement is already running");
	pg_entry *e = calloc(1, sizeof *e);
	if (!e)
		return strata__error_nomem();
	PQclear(s->res);
	s->res = NULL;
	s->started = s->failed = false;
	s->row = s->nrows = 0;
	e->s = s;
	e->tag = tag;
	append_entry(c->a, e);
	s->entry = e;
	if (c->a->connecting)
		return STRATA_OK;
	int rc = send_entry(c, e);
	if (rc != STRATA_OK) {
		unlink_entry(c->a, e);
		free_entry(e);
	}
	return rc;
}

void strata__pg_want(void *conn, int *fd, unsigned *events)
{
	pg_conn *c = conn;
	*fd = -1;
	*events = 0;
	if (!c->a || c->broken)
		return;
	*fd = PQsocket(c->pg);
	if (c->a->connecting)
		*events = c->a->polling == PGRES_POLLING_READING ? STRATA__WANT_READ : STRATA__WANT_WRITE;
	else
		*events = STRATA__WANT_READ | (c->a->flush ? STRATA__WANT_WRITE : 0);
}

/* The connection is up: pipeline mode, the session setup, then everything queued meanwhile. */
static int connected(pg_conn *c, strata__done_fn done)
{
	pg_async *a = c->a;
	a->connecting = false;
	strata__pg_connected(c);
	if (PQsetnonblocking(c->pg, 1) != 0 || !PQenterPipelineMode(c->pg))
		return fail_all(c, strata__pg_conn_error(c, "could not enter pipeline mode"), done);
	for (pg_entry *e = a->head; e; e = e->next)
		if (e->state == E_QUEUED && send_entry(c, e) != STRATA_OK)
			return fail_all(c, STRATA_ECONNECT, done);
	return STRATA_OK;
}

int strata__pg_process(void *conn, unsigned revents, strata__done_fn done)
{
	pg_conn *c = conn;
	pg_async *a = c->a;
	if (!a)
		return strata__error_set(STRATA_EMISUSE, "the connection is not non-blocking");
	if (c->broken)
		return strata__pg_conn_error(c, "the connection is broken");
	if (a->connecting) {
		unsigned wanted = a->polling == PGRES_POLLING_READING ? STRATA__WANT_READ : STRATA__WANT_WRITE;
		if (!(revents & wanted))
			return STRATA_OK;
		a->polling = PQconnectPoll(c->pg);
		if (a->polling == PGRES_POLLING_FAILED)
			return fail_all(c, strata__pg_connect_failed(c->pg, a->conninfo), done);
		if (a->polling != PGRES_POLLING_OK)
			return STRATA_OK;
		if (connected(c, done) != STRATA_OK)
			return strata_error_last()->status;
	}
	if (a->flush) {
		int f = PQflush(c->pg);
		if (f < 0)
			return fail_all(c, strata__pg_conn_error(c, "could not send"), done);
		a->flush = f == 1;
	}
	if ((revents & STRATA__WANT_READ) && !PQconsumeInput(c->pg))
		return fail_all(c, strata__pg_result_error(c, NULL), done);
	int rc = drain(c, done);
	/* statements finished above may have queued more output */
	if (rc == STRATA_OK && a->flush && !c->broken) {
		int f = PQflush(c->pg);
		if (f < 0)
			return fail_all(c, strata__pg_conn_error(c, "could not send"), done);
		a->flush = f == 1;
	}
	return rc;
}

void strata__pg_abandon(void *stmt, bool cancel_server)
{
	pg_stmt *s = stmt;
	pg_entry *e = s->entry;
	if (!e)
		return;
	pg_async *a = s->conn->a;
	s->entry = NULL;
	e->s = NULL;
	if (e->state == E_QUEUED) {
		unlink_entry(a, e);
		free_entry(e);
		return;
	}
	/* the server runs entries in order: the head is the one running now;
	 * one behind it is cancelled when it gets there */
	e->cancel = cancel_server;
	if (e == a->head)
		cancel_head(s->conn);
}

void strata__pg_async_detach(pg_stmt *s)
{
	strata__pg_abandon(s, false);
}

static void settle_done(void *tag, int status)
{
	(void)tag;
	(void)status;
}

/*
 * Before the connection closes: let the statements given up on with a
 * cancel finish on the server, and the cancel requests reach it, for up to
 * CLOSE_WAIT_US.  A client that leaves while a cancel it sent through a
 * pooler is still on its way leaves the pooler holding a server for a
 * client that is gone; pgbouncer 1.18 (Debian 12) exits with "server in
 * bad state: 11" when that server then sends anything (its bug #822).
 */
static void settle(pg_conn *c)
{
	pg_async *a = c->a;
	int64_t until = strata__monotonic_us() + CLOSE_WAIT_US;
	while (!c->broken && !a->connecting && a->head && a->head->state != E_QUEUED && a->head->cancel) {
		int64_t left = until - strata__monotonic_us();
		if (left <= 0)
			break;
		if (a->flush) {
			int f = PQflush(c->pg);
			if (f < 0)
				break;
			a->flush = f == 1;
		}
		struct pollfd p = { .fd = PQsocket(c->pg), .events = POLLIN | (a->flush ? POLLOUT : 0) };
		if (p.fd < 0)
			break;
		int n = poll(&p, 1, (int)(left / 1000 + 1));
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) && !PQconsumeInput(c->pg))
			break;
		if (drain(c, settle_done) != STRATA_OK)
			break;
	}
	cancels_wait(a, until);
}

void strata__pg_async_free(pg_conn *c)
{
	if (!c->a)
		return;
	settle(c);
	pg_entry *e;
	while ((e = c->a->head) != NULL) {
		unlink_entry(c->a, e);
		free_entry(e);
	}
	if (c->a)
		free(c->a->conninfo);
	free(c->a);
	c->a = NULL;
}
