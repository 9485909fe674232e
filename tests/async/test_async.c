/*
 * Non-blocking connections (strata/async.h), driven by a poll() loop in the
 * test's one thread, on a fresh PostgreSQL database directly and through
 * pgbouncer in transaction mode (STRATA_TEST_PGBOUNCER_URL, started by
 * scripts/check).  The stress test runs 1,000 statements over 4
 * connections with timeouts and cancellations mixed in; `make check` runs
 * it under ASan+UBSan too.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/async.h>

#include "tasks_db.h" /* strata gen c --async examples/tasks/schema.strata */
#include "testdb.h"

typedef void (*async_body)(const char *url, bool pgbouncer);

static void run_async(bool through_pgbouncer, async_body body)
{
	char name[64];
	char *direct = test_pg_create_db(name, sizeof name);
	char *url = direct;
	if (through_pgbouncer) {
		const char *b = getenv("STRATA_TEST_PGBOUNCER_URL");
		cr_assert(b && *b, "STRATA_TEST_PGBOUNCER_URL is not set: run the tests through `make check`");
		url = test_pg_url_for(b, name);
	}
	body(url, through_pgbouncer);
	test_pg_drop_db(name);
	if (url != direct)
		free(url);
	free(direct);
}

#define ASYNC_TEST(name)                                                  \
	static void async_##name##_body(const char *url, bool pgbouncer); \
	Test(async, name##_postgres, .timeout = 120)                      \
	{                                                                 \
		run_async(false, async_##name##_body);                    \
	}                                                                 \
	Test(async, name##_pgbouncer, .timeout = 120)                     \
	{                                                                 \
		run_async(true, async_##name##_body);                     \
	}                                                                 \
	static void async_##name##_body(const char *url, bool pgbouncer)

static int64_t now_ms(void)
{
	return strata_timestamp_now() / 1000;
}

/*
 * One turn of an event loop over `n` connections: wait (poll) for what they
 * want, up to `max_ms`, and let each process what happened.  Returns how
 * many statements are still in flight.
 */
static int loop_once(strata_db **dbs, int n, int max_ms)
{
	struct pollfd pfd[16];
	int timeout = max_ms;
	for (int i = 0; i < n; i++) {
		strata_wants w;
		strata_db_wants(dbs[i], &w);
		pfd[i].fd = w.fd;
		pfd[i].events = (short)((w.events & STRATA_WANT_READ ? POLLIN : 0) |
					(w.events & STRATA_WANT_WRITE ? POLLOUT : 0));
		pfd[i].revents = 0;
		if (w.timeout_ms >= 0 && w.timeout_ms < timeout)
			timeout = w.timeout_ms;
	}
	poll(pfd, (nfds_t)n, timeout);
	int pending = 0;
	for (int i = 0; i < n; i++) {
		unsigned rev = (pfd[i].revents & (POLLIN | POLLHUP | POLLERR) ? STRATA_WANT_READ : 0) |
			       (pfd[i].revents & POLLOUT ? STRATA_WANT_WRITE : 0);
		strata_db_process(dbs[i], rev);
		pending += strata_db_pending(dbs[i]);
	}
	return pending;
}

/* Run the loop until nothing is in flight (or `limit_ms` passed: a failure). */
static void loop_until_done(strata_db **dbs, int n, int limit_ms)
{
	int64_t end = now_ms() + limit_ms;
	int pending = 1;
	while (pending > 0 && now_ms() < end)
		pending = loop_once(dbs, n, 50);
	cr_assert_eq(pending, 0, "%d statements still in flight after %d ms", pending, limit_ms);
}

/* ---- a simple query, and what a non-blocking connection refuses ---- */

struct one {
	int calls;
	int status;
	int64_t value;
	char message[256];
};

static void read_one(strata_stmt *st, int outcome, void *ud)
{
	struct one *o = ud;
	o->calls++;
	o->status = outcome;
	if (outcome == STRATA_OK) {
		int rc = strata_step(st);
		if (rc == STRATA_ROW)
			strata_column_int64(st, 0, &o->value);
		else
			o->status = rc;
	} else {
		snprintf(o->message, sizeof o->message, "%s", strata_error_last()->message);
	}
	strata_finalize(st);
}

ASYNC_TEST(query_from_a_loop)
{
	strata_db *db = NULL;
	ST_OK(strata_open_async(&db, url, NULL));
	cr_assert(strata_db_connecting(db), "it connects in the background");
	strata_wants w;
	strata_db_wants(db, &w);
	cr_assert_geq(w.fd, 0);
	cr_assert_gt(w.timeout_ms, 0, "the connect timeout counts");

	/* started while still connecting: sent once it is up */
	strata_stmt *st;
	ST_OK(strata_prepare(&st, db, "SELECT ? * 2"));
	ST_OK(strata_bind_int64(st, 1, 21));
	struct one o = { 0 };
	ST_OK(strata_stmt_start(st, read_one, &o));
	/* bindings were copied: changing them does not change what runs */
	cr_assert_eq(strata_db_pending(db), 1);
	loop_until_done(&db, 1, 10000);
	cr_assert_eq(o.calls, 1);
	ST_OK(o.status);
	cr_assert_eq(o.value, 42);
	cr_assert(!strata_db_connecting(db));
	cr_assert_eq(strata_db_pending(db), 0);

	/* the session is set up as on a blocking connection: UTC */
	ST_OK(strata_prepare(&st, db, "SELECT CASE WHEN current_setting('TimeZone') = 'UTC' THEN 1 ELSE 0 END"));
	struct one tz = { 0 };
	ST_OK(strata_stmt_start(st, read_one, &tz));
	loop_until_done(&db, 1, 10000);
	cr_assert_eq(tz.value, 1);

	/* blocking calls are refused, clearly */
	ST_EXPECT(strata_exec(db, "SELECT 1"), STRATA_EMISUSE);
	cr_assert(strstr(strata_error_last()->message, "non-blocking"), "%s", strata_error_last()->message);
	ST_OK(strata_prepare(&st, db, "SELECT 1"));
	ST_EXPECT(strata_step(st), STRATA_EMISUSE);
	strata_finalize(st);
	strata_close(db);

	/* and a blocking connection refuses strata_stmt_start */
	strata_db *blocking = NULL;
	ST_OK(strata_open(&blocking, url, NULL));
	ST_OK(strata_prepare(&st, blocking, "SELECT 1"));
	ST_EXPECT(strata_stmt_start(st, read_one, &o), STRATA_EMISUSE);
	ST_EXPECT(strata_db_process(blocking, 0), STRATA_EMISUSE);
	strata_finalize(st);
	strata_close(blocking);
	(void)pgbouncer;
}

Test(async, sqlite_is_refused_with_the_way_out)
{
	strata_db *db = NULL;
	ST_EXPECT(strata_open_async(&db, "sqlite::memory:", NULL), STRATA_EUNSUPPORTED);
	cr_assert_null(db);
	cr_assert(strstr(strata_error_last()->message, "worker thread"), "%s", strata_error_last()->message);
}

ASYNC_TEST(connect_failures_reach_the_callbacks)
{
	/* nothing listens on port 1: refused once the loop runs */
	strata_db *db = NULL;
	ST_OK(strata_open_async(&db, "postgres://strata:nope@127.0.0.1:1/x", NULL));
	strata_stmt *st;
	ST_OK(strata_prepare(&st, db, "SELECT 1"));
	struct one o = { 0 };
	ST_OK(strata_stmt_start(st, read_one, &o));
	for (int i = 0; i < 200 && o.calls == 0; i++)
		loop_once(&db, 1, 20);
	cr_assert_eq(o.calls, 1);
	cr_assert_eq(o.status, STRATA_ECONNECT, "%s", o.message);
	cr_assert_null(strstr(o.message, "nope"), "no password in messages: %s", o.message);
	cr_assert(strata_db_is_broken(db));
	ST_EXPECT(strata_db_process(db, 0), STRATA_ECONNECT);
	strata_wants w;
	strata_db_wants(db, &w);
	cr_assert_eq(w.fd, -1, "a broken connection waits for nothing");
	ST_EXPECT(strata_prepare(&st, db, "SELECT 1"), STRATA_ECONNECT);
	strata_close(db);

	/* a wrong password */
	char *bad = strdup(url);
	char *pw = strstr(bad, "strata-test-pw");
	cr_assert_not_null(pw);
	memcpy(pw, "wrong-test-pw!", 14);
	ST_OK(strata_open_async(&db, bad, NULL));
	ST_OK(strata_prepare(&st, db, "SELECT 1"));
	struct one auth = { 0 };
	ST_OK(strata_stmt_start(st, read_one, &auth));
	for (int i = 0; i < 500 && auth.calls == 0; i++)
		loop_once(&db, 1, 20);
	cr_assert_eq(auth.calls, 1);
	cr_assert(auth.status == STRATA_EAUTH || (pgbouncer && auth.status == STRATA_ECONNECT), "%s: %s",
		  strata_status_name(auth.status), auth.message);
	strata_close(db);
	free(bad);
}

/* ---- failures stay with their statement ---- */

ASYNC_TEST(a_failing_statement_does_not_disturb_the_others)
{
	strata_db *db = NULL;
	ST_OK(strata_open_async(&db, url, NULL));
	struct one r[3] = { { 0 } };
	static const char *const sql[3] = { "SELECT 1 + ?", "SELECT 1 / (? - 1)", "SELECT 3 + ?" };
	for (int i = 0; i < 3; i++) {
		strata_stmt *st;
		ST_OK(strata_prepare(&st, db, sql[i]));
		ST_OK(strata_bind_int64(st, 1, 1));
		ST_OK(strata_stmt_start(st, read_one, &r[i]));
	}
	cr_assert_eq(strata_db_pending(db), 3, "three statements in one pipeline");
	loop_until_done(&db, 1, 10000);
	ST_OK(r[0].status);
	cr_assert_eq(r[0].value, 2);
	cr_assert_eq(r[1].status, STRATA_ESQL);
	cr_assert(strstr(r[1].message, "division by zero"), "%s", r[1].message);
	ST_OK(r[2].status);
	cr_assert_eq(r[2].value, 4);

	/* strata_step says the failure again, with its detail */
	strata_stmt *st;
	ST_OK(strata_prepare(&st, db, "SELECT * FROM no_such_table"));
	struct one keep = { 0 };
	ST_OK(strata_stmt_start(st, read_one, &keep));
	loop_until_done(&db, 1, 10000);
	cr_assert_eq(keep.status, STRATA_ESQL);
	cr_assert(strstr(keep.message, "no_such_table"), "%s", keep.message);
	strata_close(db);
	(void)pgbouncer;
}

/* A cancelled or timed-out statement stops on the server too: the connection is free for the next one. */
ASYNC_TEST(cancel_and_timeout_free_the_connection)
{
	strata_db *db = NULL;
	ST_OK(strata_open_async(&db, url, NULL));
	strata_stmt *slow, *next;
	struct one s1 = { 0 }, n1 = { 0 };
	ST_OK(strata_prepare(&slow, db, "SELECT 1 FROM pg_sleep(30)"));
	ST_OK(strata_stmt_start(slow, read_one, &s1));
	/* let it reach the server, then give up on it */
	for (int i = 0; i < 10; i++)
		loop_once(&db, 1, 10);
	ST_OK(strata_stmt_cancel(slow));
	cr_assert_eq(s1.calls, 1, "the callback ran at once");
	cr_assert_eq(s1.status, STRATA_ECANCELED);
	ST_OK(strata_prepare(&next, db, "SELECT 7"));
	ST_EXPECT(strata_stmt_cancel(next), STRATA_EMISUSE); /* not started */
	ST_OK(strata_stmt_start(next, read_one, &n1));
	/* had the server kept sleeping, this would wait 30 s */
	loop_until_done(&db, 1, 15000);
	ST_OK(n1.status);
	cr_assert_eq(n1.value, 7);

	/* the same through a deadline */
	struct one s2 = { 0 }, n2 = { 0 };
	ST_OK(strata_prepare(&slow, db, "SELECT 1 FROM pg_sleep(30)"));
	strata_stmt_set_timeout(slow, 100);
	ST_OK(strata_stmt_start(slow, read_one, &s2));
	ST_OK(strata_prepare(&next, db, "SELECT 8"));
	ST_OK(strata_stmt_start(next, read_one, &n2));
	loop_until_done(&db, 1, 15000);
	cr_assert_eq(s2.status, STRATA_ETIMEOUT, "%s", s2.message);
	ST_OK(n2.status);
	cr_assert_eq(n2.value, 8);
	strata_close(db);
	(void)pgbouncer;
}

/* Start `sql` on a non-blocking connection and run the loop until it answers; its one value. */
static int64_t run_one(strata_db *db, const char *sql)
{
	strata_stmt *st;
	struct one o = { 0 };
	ST_OK(strata_prepare(&st, db, sql));
	ST_OK(strata_stmt_start(st, read_one, &o));
	loop_until_done(&db, 1, 15000);
	cr_assert_eq(o.status, STRATA_OK, "%s: %s", sql, o.message);
	return o.value;
}

/* A fresh blocking connection answers `SELECT 42`; pooled servers found dead on the way are retried. */
static bool answers(const char *url, int tries)
{
	for (int i = 0; i < tries; i++) {
		strata_db *db = NULL;
		if (strata_open(&db, url, NULL) != STRATA_OK)
			continue;
		strata_stmt *q = NULL;
		int64_t v = 0;
		bool ok = strata_prepare(&q, db, "SELECT 42") == STRATA_OK && strata_step(q) == STRATA_ROW &&
			  strata_column_int64(q, 0, &v) == STRATA_OK && v == 42;
		strata_finalize(q);
		strata_close(db);
		if (ok)
			return true;
	}
	return false;
}

/*
 * Closing right after a cancel leaves no cancel request in flight.  Each
 * round gives up on a short sleep with a cancel about when the sleep ends,
 * closes, then terminates every backend of the database, as a server
 * restart or pg_terminate_backend would.  Debian 12's pgbouncer 1.18 exits
 * ("server_proto: server in bad state: 11", its bug #822) when a server it
 * still holds for a cancel request sends anything, so a close that did not
 * wait for its cancel took the pooler down for every client.
 */
ASYNC_TEST(close_right_after_a_cancel_leaves_no_cancel_in_flight)
{
	char *direct_url = NULL;
	{
		strata_db *probe = NULL;
		ST_OK(strata_open(&probe, url, NULL));
		strata_stmt *q;
		ST_OK(strata_prepare(&q, probe, "SELECT current_database()"));
		cr_assert_eq(strata_step(q), STRATA_ROW);
		const char *name = NULL;
		ST_OK(strata_column_text(q, 0, &name, NULL));
		direct_url = test_pg_url_for(test_pg_base_url(), name);
		strata_finalize(q);
		strata_close(probe);
	}
	strata_db *direct = NULL;
	ST_OK(strata_open(&direct, direct_url, NULL));
	int cancelled = 0;
	for (int round = 0; round < 24; round++) {
		cr_assert(answers(url, 30), "round %d: no answer through %s", round, url);
		strata_db *db = NULL;
		ST_OK(strata_open_async(&db, url, NULL));
		cr_assert_eq(run_one(db, "SELECT 1"), 1); /* connected, and the session set up */
		char sql[64];
		snprintf(sql, sizeof sql, "SELECT 1 FROM pg_sleep(%.3f)", 0.005 + 0.003 * round);
		strata_stmt *slow;
		struct one s1 = { 0 };
		ST_OK(strata_prepare(&slow, db, sql));
		ST_OK(strata_stmt_start(slow, read_one, &s1));
		loop_once(&db, 1, 1); /* sent: the server runs it now */
		int rc = strata_stmt_cancel(slow);
		if (rc == STRATA_EMISUSE) {
			ST_OK(s1.status); /* it finished first: nothing to cancel this round */
		} else {
			ST_OK(rc);
			cr_assert_eq(s1.status, STRATA_ECANCELED);
			cancelled++;
		}
		/* the statement behind it answers once the cancelled one has finished on the server */
		cr_assert_eq(run_one(db, "SELECT 2"), 2);
		int64_t t0 = now_ms();
		strata_close(db);
		int64_t waited = now_ms() - t0;
		cr_assert_lt(waited, 3000, "strata_close waited %lld ms", (long long)waited);
		ST_OK(strata_exec(direct, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
					  "WHERE datname = current_database() AND pid <> pg_backend_pid()"));
	}
	strata_close(direct);
	free(direct_url);
	cr_assert_geq(cancelled, 12, "only %d of 24 sleeps were still running when cancelled", cancelled);
	/* the pooler (or the server) still answers */
	cr_assert(answers(url, 30), "no answer through %s after the rounds", url);
	(void)pgbouncer;
}

/* ---- the stress test ---- */

#define STRESS_QUERIES 1000
#define STRESS_CONNS   4

enum kind {
	K_PLAIN,
	K_TIMEOUT,
	K_CANCEL_AT_ONCE,
	K_CANCEL_LATER,
	K_FAIL
};

struct job {
	enum kind kind;
	int64_t arg;
	strata_stmt *st;
	int calls;
	int status;
	int64_t value;
	int64_t cancel_at_ms;
};

static int wrong_outcomes;
static char wrong[512];

static void job_done(strata_stmt *st, int outcome, void *ud)
{
	struct job *j = ud;
	j->calls++;
	j->status = outcome;
	if (outcome == STRATA_OK && strata_step(st) == STRATA_ROW)
		strata_column_int64(st, 0, &j->value);
	int want = j->kind == K_PLAIN	  ? STRATA_OK
		   : j->kind == K_TIMEOUT ? STRATA_ETIMEOUT
		   : j->kind == K_FAIL	  ? STRATA_ESQL
					  : STRATA_ECANCELED;
	if (outcome != want || (want == STRATA_OK && j->value != j->arg * 2)) {
		if (!wrong_outcomes++)
			snprintf(wrong, sizeof wrong, "job kind %d arg %lld: %s (%s), value %lld", (int)j->kind,
				 (long long)j->arg, strata_status_name(outcome), strata_error_last()->message,
				 (long long)j->value);
	}
	strata_finalize(st);
	j->st = NULL;
}

ASYNC_TEST(stress_thousand_queries_four_connections)
{
	strata_db *dbs[STRESS_CONNS];
	for (int i = 0; i < STRESS_CONNS; i++)
		ST_OK(strata_open_async(&dbs[i], url, NULL));
	struct job *jobs = calloc(STRESS_QUERIES, sizeof *jobs);
	cr_assert_not_null(jobs);
	wrong_outcomes = 0;
	int64_t t0 = now_ms();
	for (int i = 0; i < STRESS_QUERIES; i++) {
		struct job *j = &jobs[i];
		strata_db *db = dbs[i % STRESS_CONNS];
		j->arg = i;
		/* seven plain, one slow with a short timeout, one cancelled at once, one slow cancelled
		 * later, and now and then one that fails */
		switch (i % 10) {
		case 3: j->kind = K_TIMEOUT; break;
		case 5: j->kind = K_CANCEL_AT_ONCE; break;
		case 7: j->kind = K_CANCEL_LATER; break;
		default: j->kind = i % 50 == 1 ? K_FAIL : K_PLAIN; break;
		}
		const char *sql = j->kind == K_TIMEOUT	      ? "SELECT ? * 2 FROM pg_sleep(0.05)"
				  : j->kind == K_CANCEL_LATER ? "SELECT ? * 2 FROM pg_sleep(0.5)"
				  : j->kind == K_FAIL	      ? "SELECT ? * 2 / 0"
							      : "SELECT ? * 2";
		ST_OK(strata_prepare(&j->st, db, sql));
		ST_OK(strata_bind_int64(j->st, 1, j->arg));
		if (j->kind == K_TIMEOUT)
			strata_stmt_set_timeout(j->st, 5);
		strata_stmt *st = j->st;
		ST_OK(strata_stmt_start(st, job_done, j));
		if (j->kind == K_CANCEL_AT_ONCE)
			ST_OK(strata_stmt_cancel(st));
		if (j->kind == K_CANCEL_LATER)
			j->cancel_at_ms = now_ms() + 2 + i % 5;
		/* keep the loop turning while the queries go out */
		if (i % 100 == 99)
			loop_once(dbs, STRESS_CONNS, 0);
	}
	int64_t end = now_ms() + 60000;
	int pending = 1;
	while (pending > 0 && now_ms() < end) {
		pending = loop_once(dbs, STRESS_CONNS, 2);
		int64_t now = now_ms();
		for (int i = 0; i < STRESS_QUERIES; i++)
			if (jobs[i].kind == K_CANCEL_LATER && jobs[i].st && jobs[i].calls == 0 &&
			    now >= jobs[i].cancel_at_ms)
				ST_OK(strata_stmt_cancel(jobs[i].st));
	}
	cr_assert_eq(pending, 0, "%d statements still in flight after a minute", pending);
	int counts[5] = { 0 };
	for (int i = 0; i < STRESS_QUERIES; i++) {
		cr_assert_eq(jobs[i].calls, 1, "job %d finished %d times", i, jobs[i].calls);
		counts[jobs[i].kind]++;
	}
	cr_assert_eq(wrong_outcomes, 0, "%d wrong outcomes; the first: %s", wrong_outcomes, wrong);
	/* every connection is still usable */
	struct one after[STRESS_CONNS] = { { 0 } };
	for (int i = 0; i < STRESS_CONNS; i++) {
		strata_stmt *st;
		ST_OK(strata_prepare(&st, dbs[i], "SELECT ? * 2"));
		ST_OK(strata_bind_int64(st, 1, 50 + i));
		ST_OK(strata_stmt_start(st, read_one, &after[i]));
	}
	loop_until_done(dbs, STRESS_CONNS, 30000);
	for (int i = 0; i < STRESS_CONNS; i++) {
		ST_OK(after[i].status);
		cr_assert_eq(after[i].value, 2 * (50 + i));
	}
	cr_log_info("stress (%s): %d queries over %d connections in %lld ms: %d plain, %d timed out, %d cancelled, "
		    "%d failed",
		    pgbouncer ? "pgbouncer" : "postgres", STRESS_QUERIES, STRESS_CONNS, (long long)(now_ms() - t0),
		    counts[K_PLAIN], counts[K_TIMEOUT], counts[K_CANCEL_AT_ONCE] + counts[K_CANCEL_LATER],
		    counts[K_FAIL]);
	for (int i = 0; i < STRESS_CONNS; i++)
		strata_close(dbs[i]);
	free(jobs);
}

/* ---- the generated non-blocking variants (strata gen c --async) ---- */

struct page_call {
	const task_query *q;
	task_page page;
	int rc;
	int calls;
};

static void page_done(strata_stmt *st, int outcome, void *ud)
{
	struct page_call *p = ud;
	p->calls++;
	p->rc = task_list_finish(st, outcome, p->q, &p->page);
}

struct get_call {
	task *row;
	int rc;
	int calls;
};

static void get_done(strata_stmt *st, int outcome, void *ud)
{
	struct get_call *g = ud;
	g->calls++;
	g->rc = task_get_finish(st, outcome, &g->row);
}

/* The non-blocking get and list give what the blocking ones give: the same pages, cursors, scoping. */
ASYNC_TEST(generated_variants_match_the_blocking_functions)
{
	strata_db *blocking = NULL;
	ST_OK(strata_open(&blocking, url, NULL));
	strata_schema *s = NULL;
	ST_OK(strata_schema_load(&s, STRATA_SOURCE_DIR "/examples/tasks/schema.strata"));
	ST_OK(strata_schema_apply(blocking, s));
	strata_schema_free(s);
	user users[2];
	memset(users, 0, sizeof users);
	const char *emails[2] = { "ann@example.com", "bob@example.com" };
	for (int u = 0; u < 2; u++) {
		users[u].email = emails[u];
		users[u].name = emails[u];
		ST_OK(user_insert(blocking, &users[u]));
		task rows[23];
		memset(rows, 0, sizeof rows);
		for (int i = 0; i < 23; i++) {
			rows[i].title = "a task";
			rows[i].priority = (strata_opt_int32)STRATA_SOME(i % 5);
		}
		ST_OK(task_insert_many(blocking, users[u].id, rows, 23));
		ST_OK(task_delete(blocking, users[u].id, rows[4].id)); /* soft-deleted: left out */
	}

	strata_db *db = NULL;
	ST_OK(strata_open_async(&db, url, NULL));
	int pages = 0;
	for (int u = 0; u < 2; u++) {
		for (int order = 0; order < 2; order++) {
			task_query q = { 0 };
			q.limit = 5;
			q.order = order ? TASK_ORDER_PRIORITY : TASK_ORDER_KEY;
			q.desc = order == 1;
			task_cursor after;
			memset(&after, 0, sizeof after);
			for (;;) {
				q.after = after.valid ? &after : NULL;
				struct page_call p = { .q = &q, .rc = -1 };
				strata_stmt *started = NULL;
				ST_OK(task_list_start(db, users[u].id, &q, page_done, &p, &started));
				cr_assert_not_null(started);
				loop_until_done(&db, 1, 10000);
				cr_assert_eq(p.calls, 1);
				ST_OK(p.rc);
				task_page want;
				memset(&want, 0, sizeof want);
				ST_OK(task_list(blocking, users[u].id, &q, &want));
				cr_assert_eq(p.page.n, want.n, "page %d: %zu rows, the blocking list has %zu", pages,
					     p.page.n, want.n);
				for (size_t i = 0; i < want.n; i++) {
					cr_assert_eq(p.page.items[i].id.v, want.items[i].id.v);
					cr_assert(memcmp(&p.page.items[i].user_id, &users[u].id, sizeof users[u].id) ==
							  0,
						  "only the owner's rows");
				}
				cr_assert_eq(p.page.has_more, want.has_more);
				cr_assert_eq(p.page.next.id.v, want.next.id.v);
				after = p.page.next;
				bool more = p.page.has_more;
				task_page_free(&p.page);
				task_page_free(&want);
				pages++;
				if (!more)
					break;
			}
		}
	}
	cr_assert_geq(pages, 16, "every page of both orders, for both owners");

	/* get: the owner's row, and nothing of another owner's */
	task_query one = { 0 };
	one.limit = 1;
	task_page first;
	memset(&first, 0, sizeof first);
	ST_OK(task_list(blocking, users[0].id, &one, &first));
	cr_assert_eq(first.n, 1);
	struct get_call mine = { NULL, -1, 0 }, theirs = { NULL, -1, 0 };
	ST_OK(task_get_start(db, users[0].id, first.items[0].id, false, get_done, &mine, NULL));
	ST_OK(task_get_start(db, users[1].id, first.items[0].id, false, get_done, &theirs, NULL));
	loop_until_done(&db, 1, 10000);
	ST_OK(mine.rc);
	cr_assert_eq(mine.row->id.v, first.items[0].id.v);
	cr_assert_eq(theirs.rc, STRATA_ENOTFOUND, "another owner's task is not found");
	cr_assert_null(theirs.row);
	task_free(mine.row);
	task_page_free(&first);

	/* a cancelled start finishes with STRATA_ECANCELED through *_finish */
	strata_stmt *started = NULL;
	struct get_call gone = { NULL, -1, 0 };
	ST_OK(task_get_start(db, users[0].id, (task_id){ 1 }, false, get_done, &gone, &started));
	ST_OK(strata_stmt_cancel(started));
	cr_assert_eq(gone.calls, 1);
	cr_assert_eq(gone.rc, STRATA_ECANCELED);
	/* and a blocking function on the non-blocking connection says what to use instead */
	task *row = NULL;
	ST_EXPECT(task_get(db, users[0].id, (task_id){ 1 }, false, &row), STRATA_EMISUSE);
	strata_close(db);
	strata_close(blocking);
	(void)pgbouncer;
}

/* ---- the libuv example server under a bounded load ---- */

/*
 * examples/async_server driven by its load generator on loopback: 64
 * clients, 1,500 requests, each answer checked for exactly its owner's
 * tasks (async_load exits non-zero otherwise, or when the server does not
 * stop cleanly); both the non-blocking mode (2 connections) and the
 * worker-thread mode.
 */
static void drive_example(const char *url, const char *mode)
{
	setenv("DATABASE_URL", url, 1);
	char *out = NULL;
	int st = test_run_cmd(&out,
			      "%s --server %s --mode %s --connections 2 --concurrency 64 --requests 1500 --seconds 60",
			      ASYNC_LOAD_BIN, ASYNC_SERVER_BIN, mode);
	unsetenv("DATABASE_URL");
	cr_assert_eq(st, 0, "async_load --mode %s failed: %s", mode, out);
	cr_assert(strstr(out, "requests 1500 ok 1500 bad 0"), "%s", out);
	free(out);
}

ASYNC_TEST(example_server_under_load)
{
	drive_example(url, "async");
	drive_example(url, "threads");
	(void)pgbouncer;
}
