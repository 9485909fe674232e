/*
 * The fault test: PostgreSQL stops while threads use the pool, then comes
 * back.  Calls in flight fail with STRATA_ECONNECT, none hangs, and every
 * call that starts after the server is back succeeds, with no restart of
 * the program.  It runs on a PostgreSQL instance of its own (its own
 * STRATA_PG_STATE), started and stopped with scripts/pg-test-server, so
 * the shared test server is never touched.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool_support.h"

#define FAULT_THREADS 8

static const char *script = STRATA_SOURCE_DIR "/scripts/pg-test-server";
static const char *bouncer_script = STRATA_SOURCE_DIR "/scripts/pgbouncer-test-server";

enum {
	BEFORE,
	DOWN,
	BACK,
	STOP
};
static int phase = BEFORE;

struct fault_worker {
	strata_pool *pool;
	int id;
	long calls;
	long ok;
	long ok_back;	   /* successes of calls started after the server came back */
	long failed_down;  /* failures while it was down (or going down) */
	long failed_back;  /* failures of calls started after it came back: must stay 0 */
	long wrong_status; /* failures other than STRATA_ECONNECT: must stay 0 */
	int last_status;
	char last_message[256];
};

static int insert_one(strata_db *db, void *arg)
{
	struct fault_worker *w = arg;
	/* the test server runs with synchronous_commit off; a crash must not lose what was acknowledged */
	int rc = strata_exec(db, "SET LOCAL synchronous_commit = on");
	if (rc != STRATA_OK)
		return rc;
	return strata_execv(db, "INSERT INTO events (worker, n) VALUES (?, ?)", STRATA_INT(w->id),
			    STRATA_INT(w->calls));
}

static void *fault_run(void *arg)
{
	struct fault_worker *w = arg;
	for (;;) {
		int p0 = __atomic_load_n(&phase, __ATOMIC_ACQUIRE);
		if (p0 == STOP)
			break;
		w->calls++;
		int rc = strata_pool_transact(w->pool, insert_one, w, NULL);
		if (rc == STRATA_OK) {
			w->ok++;
			if (p0 == BACK)
				w->ok_back++;
			continue;
		}
		w->last_status = rc;
		snprintf(w->last_message, sizeof w->last_message, "%s", strata_error_last()->message);
		if (rc != STRATA_ECONNECT)
			w->wrong_status++;
		if (p0 == BACK)
			w->failed_back++;
		else
			w->failed_down++;
		/* do not spin while the server is away */
		sleep_ms(2);
	}
	return NULL;
}

static long sum(struct fault_worker *w, size_t off)
{
	long s = 0;
	for (int i = 0; i < FAULT_THREADS; i++)
		s += __atomic_load_n((long *)((char *)&w[i] + off), __ATOMIC_RELAXED);
	return s;
}

static void server(const char *cmd)
{
	char *out = NULL;
	int st = test_run_cmd(&out, "%s %s", script, cmd);
	cr_assert_eq(st, 0, "pg-test-server %s failed: %s", cmd, out);
	free(out);
}

/* Whatever happened, the test's own servers go away. */
static void fault_cleanup(void)
{
	const char *b = getenv("STRATA_PGBOUNCER_STATE");
	if (b && strstr(b, "strata-pgbouncer-fault-"))
		test_run_cmd(NULL, "%s stop", bouncer_script);
	const char *s = getenv("STRATA_PG_STATE");
	if (s && strstr(s, "strata-pg-fault-"))
		test_run_cmd(NULL, "%s stop", script);
}

static void fault_test(bool through_pgbouncer)
{
	char state[128];
	snprintf(state, sizeof state, "/tmp/strata-pg-fault-%d", (int)getpid());
	setenv("STRATA_PG_STATE", state, 1);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "%s start", script);
	char *out = start_server_cmd(cmd);
	char *url = out;
	char *bouncer = NULL;
	if (through_pgbouncer) {
		snprintf(state, sizeof state, "/tmp/strata-pgbouncer-fault-%d", (int)getpid());
		setenv("STRATA_PGBOUNCER_STATE", state, 1);
		snprintf(cmd, sizeof cmd, "%s start '%s'", bouncer_script, out);
		bouncer = start_server_cmd(cmd);
		url = bouncer;
	}

	strata_open_options oo = log_capture_open_options;
	oo.connect_timeout_s = 5;
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 4;
	o.max_overflow = 4;
	o.timeout_ms = 10000;
	o.open = &oo;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db,
			  "CREATE TABLE events (id bigserial PRIMARY KEY, worker int NOT NULL, n bigint NOT NULL)"));
	ST_OK(strata_pool_release(pool, db));

	struct fault_worker w[FAULT_THREADS];
	pthread_t t[FAULT_THREADS];
	for (int i = 0; i < FAULT_THREADS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].pool = pool;
		w[i].id = i;
		cr_assert_eq(pthread_create(&t[i], NULL, fault_run, &w[i]), 0);
	}
	while (sum(w, offsetof(struct fault_worker, ok)) < 200)
		sleep_ms(10);

	server("halt");
	__atomic_store_n(&phase, DOWN, __ATOMIC_RELEASE);
	/* let every thread run into the outage a few times */
	for (int i = 0; i < 3000 && sum(w, offsetof(struct fault_worker, failed_down)) < 4 * FAULT_THREADS; i++)
		sleep_ms(10);
	long down_failures = sum(w, offsetof(struct fault_worker, failed_down));

	server("resume");
	if (through_pgbouncer) {
		/* pgbouncer refuses logins for server_login_retry after a failed one: the
		 * server is back for its clients once a probe gets through */
		for (int i = 0; i < 3000; i++) {
			strata_db *probe = NULL;
			int rc = strata_open(&probe, url, NULL);
			int64_t one = 0;
			if (rc == STRATA_OK)
				rc = strata_query_int64(probe, &one, "SELECT 1", NULL, 0);
			strata_close(probe);
			if (rc == STRATA_OK)
				break;
			sleep_ms(10);
		}
	}
	__atomic_store_n(&phase, BACK, __ATOMIC_RELEASE);
	for (;;) {
		bool all = true;
		for (int i = 0; i < FAULT_THREADS; i++)
			if (__atomic_load_n(&w[i].ok_back, __ATOMIC_RELAXED) < 50)
				all = false;
		if (all)
			break;
		sleep_ms(10);
	}
	__atomic_store_n(&phase, STOP, __ATOMIC_RELEASE);
	for (int i = 0; i < FAULT_THREADS; i++)
		pthread_join(t[i], NULL);

	cr_assert_gt(down_failures, 0, "calls failed while the server was down");
	for (int i = 0; i < FAULT_THREADS; i++) {
		cr_assert_eq(w[i].wrong_status, 0, "thread %d: a failure other than STRATA_ECONNECT: %s: %s", i,
			     strata_status_name(w[i].last_status), w[i].last_message);
		cr_assert_eq(w[i].failed_back, 0, "thread %d: a call failed after the server came back: %s: %s", i,
			     strata_status_name(w[i].last_status), w[i].last_message);
	}

	/* the program goes on: every successful call's row is there */
	ST_OK(strata_pool_acquire(pool, &db));
	int64_t rows = query_int(db, "SELECT count(*) FROM events");
	ST_OK(strata_pool_release(pool, db));
	cr_assert_geq(rows, sum(w, offsetof(struct fault_worker, ok)));
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.in_use, 0);
	if (!through_pgbouncer)
		cr_assert_gt(m.discarded, 0, "the dead connections were discarded");
	strata_pool_close(pool);

	free(out);
	free(bouncer);
}

Test(pool, fault_server_stops_and_returns_postgres, .timeout = 600, .fini = fault_cleanup)
{
	fault_test(false);
}

Test(pool, fault_server_stops_and_returns_pgbouncer, .timeout = 600, .fini = fault_cleanup)
{
	fault_test(true);
}
