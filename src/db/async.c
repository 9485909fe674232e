/*
 * Non-blocking connections (strata/async.h): the statements in flight, their
 * deadlines and callbacks, on top of the driver's non-blocking side.
 *
 * The connection keeps its started statements in a list, oldest first, to
 * find the next deadline and to finish the ones past it.  The driver says
 * when a statement's result is in (on_done); this file runs the hook and
 * the caller's callback.  A statement given up on (deadline, cancel) is
 * detached from the driver, which drops its result when it arrives.
 */
#include <stdlib.h>

#include <strata/async.h>

#include "core/error.h"
#include "db/internal.h"

static void unlink_flight(strata_stmt *s)
{
	strata_db *db = s->db;
	if (s->fl_prev)
		s->fl_prev->fl_next = s->fl_next;
	else
		db->flight = s->fl_next;
	if (s->fl_next)
		s->fl_next->fl_prev = s->fl_prev;
	else
		db->flight_tail = s->fl_prev;
	s->fl_prev = s->fl_next = NULL;
	s->in_flight = false;
	db->pending--;
}

int strata_open_async(strata_db **out, const char *url, const strata_open_options *opts)
{
	return strata__db_open(out, url, opts, true);
}

bool strata_db_connecting(const strata_db *db)
{
	return db && db->async && !db->async_dead && db->drv->connecting(db->conn);
}

int strata_db_pending(const strata_db *db)
{
	return db ? db->pending : 0;
}

/* The earliest deadline of the connection (0: none). */
static int64_t next_deadline(const strata_db *db)
{
	int64_t next = strata_db_connecting(db) ? db->connect_deadline_us : 0;
	for (const strata_stmt *s = db->flight; s; s = s->fl_next)
		if (s->deadline_us && (!next || s->deadline_us < next))
			next = s->deadline_us;
	return next;
}

void strata_db_wants(strata_db *db, strata_wants *out)
{
	if (!out)
		return;
	out->fd = -1;
	out->events = 0;
	out->timeout_ms = -1;
	if (!db || !db->async || db->async_dead)
		return;
	db->drv->want(db->conn, &out->fd, &out->events);
	int64_t next = next_deadline(db);
	if (next) {
		int64_t left = next - strata__monotonic_us();
		out->timeout_ms = left <= 0 ? 0 : left > 2000000000LL ? 2000000 : (int)((left + 999) / 1000);
	}
}

/* The driver finished a statement: its result is in (or its failure set). */
static void on_done(void *tag, int status)
{
	strata_stmt *s = tag;
	strata_db *db = s->db;
	unlink_flight(s);
	if (status != STRATA_OK) {
		/* the hook hears of a failure now; strata_step() will only repeat it */
		if (s->started_ns) {
			strata__error_saved saved;
			strata__error_save(&saved);
			strata__db_observe(db, s->sql, &s->qentry, s->started_ns, 0, status);
			strata__error_restore(&saved);
		}
		s->started_ns = 0;
	}
	s->done(s, status, s->done_ud);
}

/* Finish a statement the caller or its deadline gave up on. */
static void give_up(strata_stmt *s, int status, const char *why)
{
	strata_db *db = s->db;
	db->drv->abandon(s->drv, true);
	unlink_flight(s);
	db->drv->reset(s->drv);
	s->running = false;
	s->has_row = false;
	if (s->started_ns)
		strata__db_observe(db, s->sql, &s->qentry, s->started_ns, 0, status);
	s->started_ns = 0;
	strata__error_set(status, "%s", why);
	s->done(s, status, s->done_ud);
}

void strata__async_forget(strata_stmt *s)
{
	s->db->drv->abandon(s->drv, false);
	unlink_flight(s);
	if (s->started_ns)
		strata__db_observe(s->db, s->sql, &s->qentry, s->started_ns, 0, STRATA_ECANCELED);
	s->started_ns = 0;
}

/* Every statement in flight finishes with `status` (the connection is gone). */
static int fail_flight(strata_db *db, int status, const char *why)
{
	db->async_dead = true;
	strata_stmt *s;
	while ((s = db->flight) != NULL)
		give_up(s, status, why);
	return strata__error_set(status, "%s", why);
}

int strata_db_process(strata_db *db, unsigned revents)
{
	if (!db)
		return strata__error_set(STRATA_EINVAL, "strata_db_process: db is NULL");
	if (!db->async)
		return strata__error_set(STRATA_EMISUSE,
					 "strata_db_process: not a non-blocking connection (strata_open_async)");
	if (db->async_dead)
		return strata__error_set(STRATA_ECONNECT, "the connection is broken; close it and open another");
	/* deadlines first: a result that came after its statement's deadline is not used */
	int64_t now = strata__monotonic_us();
	if (strata_db_connecting(db) && now >= db->connect_deadline_us)
		return fail_flight(db, STRATA_ECONNECT, "cannot connect to PostgreSQL: timed out");
	for (strata_stmt *s = db->flight; s;) {
		if (s->deadline_us && now >= s->deadline_us) {
			give_up(s, STRATA_ETIMEOUT, "statement timed out (its deadline passed before its result came)");
			s = db->flight; /* the list may have changed under the callback */
			continue;
		}
		s = s->fl_next;
	}
	int rc = db->drv->process(db->conn, revents, on_done);
	if (rc != STRATA_OK)
		db->async_dead = true;
	return rc;
}

int strata_stmt_start(strata_stmt *s, strata_stmt_done done, void *ud)
{
	if (!s || !done)
		return strata__error_set(STRATA_EINVAL, "strata_stmt_start: %s is NULL", s ? "done" : "stmt");
	strata_db *db = s->db;
	if (!db->async)
		return strata__error_set(
			STRATA_EMISUSE,
			"strata_stmt_start: not a non-blocking connection (open it with strata_open_async)");
	if (s->running || s->in_flight)
		return strata__error_set(STRATA_EMISUSE, "strata_stmt_start: the statement is running; reset it first");
	if (db->async_dead)
		return strata__error_set(STRATA_ECONNECT, "the connection is broken; close it and open another");
	int64_t now = strata__monotonic_us();
	int t = s->timeout_ms ? s->timeout_ms : db->timeout_ms;
	s->deadline_us = t ? now + (int64_t)t * 1000 : 0;
	s->started_ns = strata__db_timing(db) ? strata__monotonic_ns() : 0;
	s->rows = 0;
	s->has_row = false;
	int rc = db->drv->send(s->drv, s);
	if (rc != STRATA_OK) {
		s->started_ns = 0;
		return rc;
	}
	s->running = true;
	s->done = done;
	s->done_ud = ud;
	s->in_flight = true;
	s->fl_prev = db->flight_tail;
	s->fl_next = NULL;
	if (db->flight_tail)
		db->flight_tail->fl_next = s;
	else
		db->flight = s;
	db->flight_tail = s;
	db->pending++;
	return STRATA_OK;
}

int strata_stmt_cancel(strata_stmt *s)
{
	if (!s)
		return strata__error_set(STRATA_EINVAL, "strata_stmt_cancel: stmt is NULL");
	if (!s->in_flight)
		return strata__error_set(STRATA_EMISUSE, "strata_stmt_cancel: the statement is not in flight");
	give_up(s, STRATA_ECANCELED, "statement cancelled");
	return STRATA_OK;
}
