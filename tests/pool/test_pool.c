/* The pool: acquire/release, limits, lifetimes, return handling, leaks, metrics. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool_support.h"

POOL_TEST(acquire_release)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 2;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.open, 1, "one connection is opened at once");
	cr_assert_eq(m.idle, 1);
	cr_assert_eq(m.size, 2);

	strata_db *db = NULL, *again = NULL;
	ST_OK(strata_pool_acquire(pool, &db));
	cr_assert_not_null(db);
	cr_assert_eq(query_int(db, "SELECT 41 + 1"), 42);
	m = pool_metrics(pool);
	cr_assert_eq(m.in_use, 1);
	cr_assert_eq(m.idle, 0);
	ST_OK(strata_pool_release(pool, db));
	m = pool_metrics(pool);
	cr_assert_eq(m.in_use, 0);
	cr_assert_eq(m.idle, 1);
	cr_assert_eq(m.acquires, 1);

	/* LIFO: the connection just returned comes back */
	ST_OK(strata_pool_acquire(pool, &again));
	cr_assert_eq(again, db);

	/* a connection that is not the pool's is refused and left alone */
	strata_db *other = NULL;
	ST_OK(strata_open(&other, url, NULL));
	ST_EXPECT(strata_pool_release(pool, other), STRATA_EINVAL);
	strata_close(other);
	ST_OK(strata_pool_release(pool, NULL));

	ST_OK(strata_pool_release(pool, again));
	/* releasing twice is refused */
	ST_EXPECT(strata_pool_release(pool, again), STRATA_EINVAL);
	m = pool_metrics(pool);
	cr_assert_eq(m.acquires, 2);
	cr_assert_eq(m.opened, 1);
	strata_pool_close(pool);
	(void)target;
}

POOL_TEST(bad_arguments)
{
	strata_pool *pool = NULL;
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.version = 99;
	ST_EXPECT(strata_pool_open(&pool, url, &o), STRATA_EINVAL);
	cr_assert_null(pool);
	ST_EXPECT(strata_pool_open(&pool, "mysql://nope", NULL), STRATA_EINVAL);
	cr_assert_null(pool);
	strata_db *db = NULL;
	ST_EXPECT(strata_pool_acquire(NULL, &db), STRATA_EINVAL);
	ST_EXPECT(strata_pool_transact(NULL, NULL, NULL, NULL), STRATA_EINVAL);
	strata_pool_metrics m = STRATA_POOL_METRICS_INIT;
	ST_EXPECT(strata_pool_stats(NULL, &m), STRATA_EINVAL);
	strata_pool_close(NULL);
	(void)target;
}

POOL_TEST(timeout_when_exhausted)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 1;
	o.max_overflow = -1;
	o.timeout_ms = 100;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *a = NULL, *b = NULL;
	ST_OK(strata_pool_acquire(pool, &a));
	ST_EXPECT(strata_pool_acquire(pool, &b), STRATA_ETIMEOUT);
	cr_assert_null(b);
	cr_assert(strstr(strata_error_last()->message, "100 ms"), "message: %s", strata_error_last()->message);
	/* negative: do not wait at all */
	ST_EXPECT(strata_pool_acquire_timeout(pool, &b, -1), STRATA_ETIMEOUT);
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.timeouts, 2);
	cr_assert_eq(m.waiting, 0);
	cr_assert_eq(m.open, 1);
	cr_assert_geq(m.wait_max_us, 100000, "the timed-out wait lasted at least 100 ms");
	ST_OK(strata_pool_release(pool, a));
	ST_OK(strata_pool_acquire(pool, &b));
	cr_assert_eq(b, a);
	ST_OK(strata_pool_release(pool, b));
	strata_pool_close(pool);
	(void)target;
}

struct waiter {
	strata_pool *pool;
	strata_db *got;
	int rc;
};

static void *wait_for_conn(void *arg)
{
	struct waiter *w = arg;
	w->rc = strata_pool_acquire_timeout(w->pool, &w->got, 60000);
	return NULL;
}

POOL_TEST(waiter_gets_the_returned_connection)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 1;
	o.max_overflow = -1;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *a = NULL;
	ST_OK(strata_pool_acquire(pool, &a));
	struct waiter w = { pool, NULL, -1 };
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, wait_for_conn, &w), 0);
	/* wait until the pool says the thread is waiting */
	strata_pool_metrics m;
	do {
		sleep_ms(5);
		m = pool_metrics(pool);
	} while (m.waiting != 1);
	ST_OK(strata_pool_release(pool, a));
	pthread_join(t, NULL);
	ST_OK(w.rc);
	cr_assert_eq(w.got, a);
	ST_OK(strata_pool_release(pool, w.got));
	m = pool_metrics(pool);
	cr_assert_eq(m.waiting, 0);
	cr_assert_eq(m.acquires, 2);
	cr_assert_eq(m.timeouts, 0);
	strata_pool_close(pool);
	(void)target;
}

POOL_TEST(overflow_opened_and_closed)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 2;
	o.max_overflow = 2;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *dbs[4];
	for (int i = 0; i < 4; i++)
		ST_OK(strata_pool_acquire(pool, &dbs[i]));
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.open, 4);
	cr_assert_eq(m.in_use, 4);
	cr_assert_eq(m.overflow_in_use, 2);
	cr_assert_eq(m.opened, 4);
	strata_db *fifth = NULL;
	ST_EXPECT(strata_pool_acquire_timeout(pool, &fifth, -1), STRATA_ETIMEOUT);

	/* returned while the idle set has room: kept for the next acquire */
	ST_OK(strata_pool_release(pool, dbs[0]));
	ST_OK(strata_pool_release(pool, dbs[1]));
	m = pool_metrics(pool);
	cr_assert_eq(m.open, 4);
	cr_assert_eq(m.idle, 2);
	cr_assert_eq(m.overflow_in_use, 0);
	cr_assert_eq(m.overflow_closed, 0);
	/* returned when `size` connections are idle already: closed */
	ST_OK(strata_pool_release(pool, dbs[2]));
	ST_OK(strata_pool_release(pool, dbs[3]));
	m = pool_metrics(pool);
	cr_assert_eq(m.open, 2);
	cr_assert_eq(m.idle, 2);
	cr_assert_eq(m.overflow_closed, 2);
	cr_assert_eq(m.discarded, 0);
	strata_pool_close(pool);
	(void)target;
}

POOL_TEST(recycle_after_lifetime)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 2;
	o.recycle_ms = 100;
	o.recycle_jitter_pct = -1;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *db = NULL;
	/* idle past its lifetime: closed at the next acquire, a new one opened */
	sleep_ms(150);
	ST_OK(strata_pool_acquire(pool, &db));
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.recycled, 1);
	cr_assert_eq(m.opened, 2);
	cr_assert_eq(m.open, 1);
	/* in use past its lifetime: closed when returned */
	sleep_ms(150);
	ST_OK(strata_pool_release(pool, db));
	m = pool_metrics(pool);
	cr_assert_eq(m.recycled, 2);
	cr_assert_eq(m.open, 0);
	cr_assert_eq(m.discarded, 0);
	ST_OK(strata_pool_acquire(pool, &db));
	cr_assert_eq(query_int(db, "SELECT 1"), 1);
	ST_OK(strata_pool_release(pool, db));
	strata_pool_close(pool);
	(void)target;
}

POOL_TEST(idle_timeout)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 2;
	o.idle_timeout_ms = 100;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *a, *b;
	ST_OK(strata_pool_acquire(pool, &a));
	ST_OK(strata_pool_acquire(pool, &b));
	ST_OK(strata_pool_release(pool, a));
	sleep_ms(150);
	/* `a` sat idle past the timeout: closed when the pool is next used */
	ST_OK(strata_pool_release(pool, b));
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.idle_closed, 1);
	cr_assert_eq(m.open, 1);
	cr_assert_eq(m.idle, 1);
	strata_pool_close(pool);
	(void)target;
}

POOL_TEST(rollback_on_return)
{
	strata_pool *pool = pool_open_ok(url, NULL);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"));
	ST_OK(strata_begin(db, NULL));
	ST_OK(strata_execv(db, "INSERT INTO items (id, name) VALUES (?, ?)", STRATA_INT(1), STRATA_TEXT("lost")));
	ST_OK(strata_begin(db, NULL)); /* a savepoint too */
	ST_OK(strata_execv(db, "INSERT INTO items (id, name) VALUES (?, ?)", STRATA_INT(2), STRATA_TEXT("lost")));
	ST_OK(strata_pool_release(pool, db));

	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.rolled_back, 1);
	cr_assert_eq(m.idle, 1, "the connection is kept");
	char *log = log_capture_text();
	cr_assert(strstr(log, "returned inside a transaction"), "log: %s", log);
	cr_assert(strstr(log, "test_pool.c:"), "the acquire site is named: %s", log);
	free(log);

	strata_db *again;
	ST_OK(strata_pool_acquire(pool, &again));
	cr_assert(!strata_in_transaction(again));
	cr_assert_eq(query_int(again, "SELECT count(*) FROM items"), 0);
	/* and it works normally */
	ST_OK(strata_execv(again, "INSERT INTO items (id, name) VALUES (?, ?)", STRATA_INT(3), STRATA_TEXT("kept")));
	ST_OK(strata_pool_release(pool, again));
	ST_OK(strata_pool_acquire(pool, &again));
	cr_assert_eq(query_int(again, "SELECT count(*) FROM items"), 1);
	ST_OK(strata_pool_release(pool, again));
	strata_pool_close(pool);
	(void)target;
}

static int slow_query(strata_db *db)
{
	int64_t n;
	return strata_query_int64(
		db, &n,
		strata_db_backend(db) == STRATA_BACKEND_SQLITE
			? "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
			  "SELECT count(*) FROM c"
			: "SELECT count(*) FROM (SELECT pg_sleep(0.2)) s",
		NULL, 0);
}

POOL_TEST(session_state_is_reset)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 1;
	o.max_overflow = -1;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "CREATE TABLE base (id INTEGER PRIMARY KEY)"));
	/* server-side state, through SQL */
	ST_OK(strata_exec(db, "CREATE TEMP TABLE scratch (x INTEGER)"));
	if (target == TARGET_SQLITE) {
		ST_OK(strata_exec(db, "PRAGMA foreign_keys = OFF"));
		cr_assert_eq(query_int(db, "PRAGMA foreign_keys"), 0);
	} else {
		ST_OK(strata_exec(db, "SET application_name = 'dirty'"));
		ST_OK(strata_exec(db, "SET TimeZone = 'America/New_York'"));
	}
	/* client-side state, through the API */
	strata_db_set_timeout(db, 1);
	ST_EXPECT(slow_query(db), STRATA_ETIMEOUT);
	ST_OK(strata_pool_release(pool, db));

	strata_db *again;
	ST_OK(strata_pool_acquire(pool, &again));
	ST_OK(slow_query(again));
	ST_EXPECT(strata_exec(again, "INSERT INTO scratch (x) VALUES (1)"), STRATA_ESQL);
	if (target == TARGET_SQLITE) {
		cr_assert_eq(query_int(again, "PRAGMA foreign_keys"), 1);
	} else {
		char *s = NULL;
		ST_OK(strata_query_text(again, &s, "SELECT current_setting('application_name')", NULL, 0));
		cr_assert_str_neq(s, "dirty");
		free(s);
		ST_OK(strata_query_text(again, &s, "SELECT current_setting('TimeZone')", NULL, 0));
		cr_assert_str_eq(s, "UTC");
		free(s);
	}
	cr_assert_eq(query_int(again, "SELECT count(*) FROM base"), 0);
	ST_OK(strata_pool_release(pool, again));
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.in_use, 0);
	strata_pool_close(pool);
}

POOL_TEST(leak_report)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.leak_threshold_ms = 300;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *db, *brief;
	int line = __LINE__ + 1;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_pool_acquire(pool, &brief));
	ST_OK(strata_pool_release(pool, brief));
	sleep_ms(600);
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.leaks, 1);
	char *log = log_capture_text();
	char site[256];
	snprintf(site, sizeof site, "test_pool.c:%d", line);
	cr_assert(strstr(log, site), "the report names %s: %s", site, log);
	cr_assert(strstr(log, "held for"), "log: %s", log);
	free(log);
	/* reported once */
	sleep_ms(100);
	ST_OK(strata_pool_acquire(pool, &brief));
	ST_OK(strata_pool_release(pool, brief));
	m = pool_metrics(pool);
	cr_assert_eq(m.leaks, 1);
	log = log_capture_text();
	cr_assert_eq(strstr(strstr(log, site) + 1, site), NULL, "reported once: %s", log);
	free(log);
	ST_OK(strata_pool_release(pool, db));
	m = pool_metrics(pool);
	cr_assert_eq(m.leaks, 1);
	cr_assert_eq(m.in_use, 0);
	strata_pool_close(pool);
	(void)target;
}

POOL_TEST(close_with_a_connection_held)
{
	strata_pool *pool = pool_open_ok(url, NULL);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	strata_pool_close(pool);
	char *log = log_capture_text();
	cr_assert(strstr(log, "still held"), "log: %s", log);
	free(log);
	/* it still works, and releasing it frees the pool (ASan checks) */
	cr_assert_eq(query_int(db, "SELECT 7"), 7);
	ST_OK(strata_pool_release(pool, db));
	(void)target;
}

POOL_TEST(metrics_match_what_happened)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 2;
	o.max_overflow = 1;
	o.timeout_ms = 100;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *d[3];
	for (int i = 0; i < 3; i++)
		ST_OK(strata_pool_acquire(pool, &d[i]));
	strata_db *none;
	ST_EXPECT(strata_pool_acquire(pool, &none), STRATA_ETIMEOUT);
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.open, 3);
	cr_assert_eq(m.idle, 0);
	cr_assert_eq(m.in_use, 3);
	cr_assert_eq(m.overflow_in_use, 1);
	cr_assert_eq(m.waiting, 0);
	cr_assert_eq(m.acquires, 3);
	cr_assert_eq(m.timeouts, 1);
	cr_assert_eq(m.leaks, 0);
	cr_assert_eq(m.discarded, 0);
	cr_assert_eq(m.opened, 3);
	/* four waits: three immediate and one of at least 100 ms */
	cr_assert_geq(m.wait_max_us, 100000);
	cr_assert_geq(m.wait_p99_us, 100000);
	cr_assert_leq(m.wait_p50_us, m.wait_p95_us);
	cr_assert_leq(m.wait_p95_us, m.wait_p99_us);
	cr_assert_leq(m.wait_p99_us, m.wait_max_us);
	for (int i = 0; i < 3; i++)
		ST_OK(strata_pool_release(pool, d[i]));
	m = pool_metrics(pool);
	cr_assert_eq(m.open, 2);
	cr_assert_eq(m.idle, 2);
	cr_assert_eq(m.in_use, 0);
	cr_assert_eq(m.overflow_in_use, 0);
	cr_assert_eq(m.overflow_closed, 1);
	m.version = 7;
	ST_EXPECT(strata_pool_stats(pool, &m), STRATA_EINVAL);
	strata_pool_close(pool);
	(void)target;
}

struct counter_arg {
	int64_t id;
};

static int add_item(strata_db *db, void *arg)
{
	struct counter_arg *a = arg;
	return strata_execv(db, "INSERT INTO items (id) VALUES (?)", STRATA_INT(a->id));
}

static int fail_after_insert(strata_db *db, void *arg)
{
	int rc = add_item(db, arg);
	return rc == STRATA_OK ? STRATA_ENOTFOUND : rc;
}

POOL_TEST(transact_commits_and_rolls_back)
{
	strata_pool *pool = pool_open_ok(url, NULL);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "CREATE TABLE items (id INTEGER PRIMARY KEY)"));
	ST_OK(strata_pool_release(pool, db));
	struct counter_arg a = { 1 };
	ST_OK(strata_pool_transact(pool, add_item, &a, NULL));
	a.id = 2;
	ST_EXPECT(strata_pool_transact(pool, fail_after_insert, &a, NULL), STRATA_ENOTFOUND);
	a.id = 1;
	ST_EXPECT(strata_pool_transact(pool, add_item, &a, NULL), STRATA_ECONSTRAINT);
	ST_OK(strata_pool_acquire(pool, &db));
	cr_assert_eq(query_int(db, "SELECT count(*) FROM items"), 1);
	ST_OK(strata_pool_release(pool, db));
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.in_use, 0);
	cr_assert_eq(m.rolled_back, 0, "strata_transact closed its transactions itself");
	cr_assert_eq(m.acquires, 5);
	strata_pool_close(pool);
	(void)target;
}

POOL_TEST(environment_settings)
{
	setenv("DB_POOL_SIZE", "3", 1);
	setenv("DB_MAX_OVERFLOW", "0", 1);
	setenv("DB_POOL_TIMEOUT", "0.1", 1);
	setenv("DB_POOL_RECYCLE", "-1", 1);
	strata_pool *pool = pool_open_ok(url, NULL);
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.size, 3);
	cr_assert_eq(m.max_overflow, 0);
	strata_db *d[3], *none;
	for (int i = 0; i < 3; i++)
		ST_OK(strata_pool_acquire(pool, &d[i]));
	ST_EXPECT(strata_pool_acquire(pool, &none), STRATA_ETIMEOUT);
	cr_assert(strstr(strata_error_last()->message, "100 ms"), "%s", strata_error_last()->message);
	for (int i = 0; i < 3; i++)
		ST_OK(strata_pool_release(pool, d[i]));
	strata_pool_close(pool);

	/* explicit options win over the environment */
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 4;
	pool = pool_open_ok(url, &o);
	cr_assert_eq(pool_metrics(pool).size, 4);
	strata_pool_close(pool);

	setenv("DB_POOL_SIZE", "lots", 1);
	ST_EXPECT(strata_pool_open(&pool, url, NULL), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "DB_POOL_SIZE"), "%s", strata_error_last()->message);
	unsetenv("DB_POOL_SIZE");
	setenv("DB_POOL_RECYCLE", "soon", 1);
	ST_EXPECT(strata_pool_open(&pool, url, NULL), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "DB_POOL_RECYCLE"), "%s", strata_error_last()->message);
	(void)target;
}

POOL_TEST(fifo_hands_out_the_oldest)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 2;
	o.lifo = STRATA_OFF;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *a, *b, *c;
	ST_OK(strata_pool_acquire(pool, &a));
	ST_OK(strata_pool_acquire(pool, &b));
	ST_OK(strata_pool_release(pool, a));
	ST_OK(strata_pool_release(pool, b));
	ST_OK(strata_pool_acquire(pool, &c));
	cr_assert_eq(c, a, "FIFO: the first returned goes out first");
	ST_OK(strata_pool_release(pool, c));
	strata_pool_close(pool);

	o.lifo = STRATA_DEFAULT;
	pool = pool_open_ok(url, &o);
	ST_OK(strata_pool_acquire(pool, &a));
	ST_OK(strata_pool_acquire(pool, &b));
	ST_OK(strata_pool_release(pool, a));
	ST_OK(strata_pool_release(pool, b));
	ST_OK(strata_pool_acquire(pool, &c));
	cr_assert_eq(c, b, "LIFO by default: the last returned goes out first");
	ST_OK(strata_pool_release(pool, c));
	strata_pool_close(pool);
	(void)target;
}

/* ---- PostgreSQL: connection-level failures ---- */

POOL_TEST_PG(broken_connection_discards_older_idle_ones)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 3;
	o.pre_ping_ms = -1;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *a, *b, *c;
	ST_OK(strata_pool_acquire(pool, &a));
	ST_OK(strata_pool_acquire(pool, &b));
	ST_OK(strata_pool_acquire(pool, &c));
	ST_OK(strata_pool_release(pool, b));
	ST_OK(strata_pool_release(pool, c));
	/* the server ends `a`'s session */
	int64_t v;
	int rc = strata_query_int64(a, &v, "SELECT count(*) FROM (SELECT pg_terminate_backend(pg_backend_pid())) s",
				    NULL, 0);
	if (target == TARGET_POSTGRES) {
		ST_EXPECT(rc, STRATA_ECONNECT);
		cr_assert(strata_db_is_broken(a));
	}
	ST_OK(strata_pool_release(pool, a));
	strata_pool_metrics m = pool_metrics(pool);
	if (target == TARGET_POSTGRES) {
		/* a, and the idle b and c opened before the failure */
		cr_assert_eq(m.discarded, 3);
		cr_assert_eq(m.open, 0);
		char *log = log_capture_text();
		cr_assert(strstr(log, "returned broken"), "log: %s", log);
		cr_assert(strstr(log, "2 idle connections"), "log: %s", log);
		free(log);
	}
	/* the pool goes on with new connections */
	ST_OK(strata_pool_acquire(pool, &a));
	cr_assert_eq(query_int(a, "SELECT 5"), 5);
	ST_OK(strata_pool_release(pool, a));
	strata_pool_close(pool);
}

POOL_TEST_PG(pre_ping_replaces_a_dead_idle_connection)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 2;
	o.pre_ping_ms = 1;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	int64_t pid = query_int(db, "SELECT pg_backend_pid()");
	ST_OK(strata_pool_release(pool, db));
	/* kill it from outside while it sits idle */
	strata_db *admin;
	ST_OK(strata_open(&admin, test_pg_base_url(), NULL));
	int64_t killed = 0;
	ST_OK(strata_query_int64(admin, &killed, "SELECT CASE WHEN pg_terminate_backend(?) THEN 1 ELSE 0 END",
				 (strata_value[]){ STRATA_INT(pid) }, 1));
	/* wait until the server has really ended it */
	int64_t alive = 1;
	for (int i = 0; i < 1000 && alive; i++) {
		ST_OK(strata_query_int64(admin, &alive, "SELECT count(*) FROM pg_stat_activity WHERE pid = ?",
					 (strata_value[]){ STRATA_INT(pid) }, 1));
		if (alive)
			sleep_ms(10);
	}
	cr_assert_eq(alive, 0, "the backend did not go away");
	strata_close(admin);
	sleep_ms(5);
	ST_OK(strata_pool_acquire(pool, &db));
	cr_assert_eq(query_int(db, "SELECT 3"), 3, "the caller never sees the dead connection");
	ST_OK(strata_pool_release(pool, db));
	if (target == TARGET_POSTGRES) {
		strata_pool_metrics m = pool_metrics(pool);
		cr_assert_eq(m.discarded, 1);
	}
	strata_pool_close(pool);
}

/* ---- SQLite ---- */

Test(pool, memory_is_one_shared_connection)
{
	log_capture_reset();
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 5;
	o.timeout_ms = 50;
	strata_pool *pool = pool_open_ok("sqlite::memory:", &o);
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.size, 1);
	cr_assert_eq(m.max_overflow, 0);
	strata_db *db, *other;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "CREATE TABLE kept (x INTEGER); INSERT INTO kept VALUES (1)"));
	ST_EXPECT(strata_pool_acquire(pool, &other), STRATA_ETIMEOUT);
	ST_OK(strata_pool_release(pool, db));
	ST_OK(strata_pool_acquire(pool, &other));
	cr_assert_eq(query_int(other, "SELECT count(*) FROM kept"), 1, "the same database");
	ST_OK(strata_pool_release(pool, other));
	strata_pool_close(pool);
}

static int count_rows(strata_db *db, void *arg)
{
	return strata_query_int64(db, (int64_t *)arg, "SELECT count(*) FROM t", NULL, 0);
}

Test(pool, sqlite_read_only_transactions_keep_their_connection)
{
	log_capture_reset();
	char *dir = test_tmpdir();
	char url[4200];
	snprintf(url, sizeof url, "sqlite:%s/ro.db", dir);
	strata_pool *pool = pool_open_ok(url, NULL);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "CREATE TABLE t (x INTEGER)"));
	ST_OK(strata_pool_release(pool, db));
	strata_tx_options ro = STRATA_TX_OPTIONS_INIT;
	ro.read_only = true;
	for (int i = 0; i < 5; i++) {
		int64_t n = -1;
		ST_OK(strata_pool_transact(pool, count_rows, &n, &ro));
		cr_assert_eq(n, 0);
	}
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.opened, 1, "read-only transactions leave nothing to reset");
	cr_assert_eq(m.discarded, 0);

	/* a connection returned in query_only mode is not handed out that way */
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "PRAGMA query_only = ON"));
	ST_OK(strata_pool_release(pool, db));
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "INSERT INTO t (x) VALUES (1)"));
	ST_OK(strata_pool_release(pool, db));
	strata_pool_close(pool);
	test_rmrf(dir);
	free(dir);
}

POOL_TEST(url_from_the_environment)
{
	char *dir = test_tmpdir();
	cr_assert_eq(chdir(dir), 0);
	unsetenv("DATABASE_URL");
	strata_pool *pool = NULL;
	ST_EXPECT(strata_pool_open(&pool, NULL, NULL), STRATA_ENOTFOUND);
	cr_assert_null(pool);
	setenv("DATABASE_URL", url, 1);
	ST_OK(strata_pool_open(&pool, NULL, NULL));
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	cr_assert_eq(query_int(db, "SELECT 2"), 2);
	ST_OK(strata_pool_release(pool, db));
	strata_pool_close(pool);
	cr_assert_eq(chdir("/tmp"), 0);
	test_rmrf(dir);
	free(dir);
	(void)target;
}

static int select_one(strata_db *db, void *arg)
{
	return strata_query_int64(db, (int64_t *)arg, "SELECT 1", NULL, 0);
}

POOL_TEST_PG(transact_replaces_a_connection_that_died_idle)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 1;
	o.pre_ping_ms = -1; /* no ping: strata_pool_transact finds out at BEGIN */
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	int64_t pid = query_int(db, "SELECT pg_backend_pid()");
	ST_OK(strata_pool_release(pool, db));
	strata_db *admin;
	ST_OK(strata_open(&admin, test_pg_base_url(), NULL));
	int64_t alive = 1;
	ST_OK(strata_query_int64(admin, &alive, "SELECT CASE WHEN pg_terminate_backend(?) THEN 1 ELSE 0 END",
				 (strata_value[]){ STRATA_INT(pid) }, 1));
	for (int i = 0; i < 1000 && alive; i++) {
		ST_OK(strata_query_int64(admin, &alive, "SELECT count(*) FROM pg_stat_activity WHERE pid = ?",
					 (strata_value[]){ STRATA_INT(pid) }, 1));
		if (alive)
			sleep_ms(10);
	}
	strata_close(admin);
	sleep_ms(5);
	int64_t one = 0;
	ST_OK(strata_pool_transact(pool, select_one, &one, NULL));
	cr_assert_eq(one, 1, "the request ran on a fresh connection");
	if (target == TARGET_POSTGRES) {
		strata_pool_metrics m = pool_metrics(pool);
		cr_assert_eq(m.discarded, 1);
		cr_assert_eq(m.open, 1);
	}
	strata_pool_close(pool);
}

static int sleep_past_the_timeout(strata_db *db, void *arg)
{
	(void)arg;
	return strata_exec(
		db, strata_db_backend(db) == STRATA_BACKEND_SQLITE
			    ? "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30000000) "
			      "SELECT count(*) FROM c /* sleep_past_the_timeout */"
			    : "SELECT pg_sleep(1.5) /* sleep_past_the_timeout */");
}

static void count_echo(strata_log_level level, const char *msg, void *ud)
{
	if (level == STRATA_LOG_INFO && strstr(msg, "sleep_past_the_timeout"))
		(*(int *)ud)++;
}

/* With no open options the pool's connections take DB_ECHO, DB_STATEMENT_TIMEOUT_MS, ... as strata_open does. */
POOL_TEST(environment_applies_when_no_open_options_are_given)
{
	int echoed = 0;
	strata_log_set_handler(count_echo, &echoed);
	setenv("DB_STATEMENT_TIMEOUT_MS", "500", 1);
	setenv("DB_ECHO", "true", 1);
	strata_pool *pool = NULL;
	ST_OK(strata_pool_open(&pool, url, NULL));
	int64_t t0 = strata_timestamp_now();
	ST_EXPECT(strata_pool_transact(pool, sleep_past_the_timeout, NULL, NULL), STRATA_ETIMEOUT);
	int64_t took = strata_timestamp_now() - t0;
	cr_assert_lt(took, 1400000, "DB_STATEMENT_TIMEOUT_MS=500 did not stop the statement (%lld us)",
		     (long long)took);
	cr_assert_geq(echoed, 1, "DB_ECHO=true did not echo the statement");
	strata_pool_close(pool);
	/* a malformed value is an error naming the variable */
	setenv("DB_STATEMENT_TIMEOUT_MS", "soon", 1);
	ST_EXPECT(strata_pool_open(&pool, url, NULL), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "DB_STATEMENT_TIMEOUT_MS") != NULL, "%s",
		  strata_error_last()->message);
	unsetenv("DB_STATEMENT_TIMEOUT_MS");
	unsetenv("DB_ECHO");
	strata_log_set_handler(NULL, NULL);
	(void)target;
}
