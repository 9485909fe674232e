/*
 * The stress test: 16 threads, each running short transactions through
 * strata_pool_transact on a pool of 4 + 4 overflow.  Every increment must
 * land (no lost update), nothing deadlocks, nothing leaks, and the pool's
 * counters add up.  STRATA_POOL_STRESS_TX sets the transactions per thread
 * (10,000 by default; make check uses fewer under ThreadSanitizer).
 * Readers run alongside on SQLite to show WAL's many readers, one writer
 * without "database is locked" reaching anyone.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool_support.h"

#define THREADS 16
#define BUCKETS 8

struct worker {
	strata_pool *pool;
	int index;
	int txs;
	int ok;
	int failures;
	int last_failure;
	char message[256];
	int64_t bucket;
};

static int bump(strata_db *db, void *arg)
{
	struct worker *w = arg;
	/* a shared bucket (contended) and the thread's own row, in one statement */
	return strata_execv(db, "UPDATE counters SET n = n + 1 WHERE id IN (?, ?)", STRATA_INT(w->bucket),
			    STRATA_INT(100 + w->index));
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < w->txs; i++) {
		w->bucket = (w->index * 7 + i) % BUCKETS;
		int rc = strata_pool_transact(w->pool, bump, w, NULL);
		if (rc == STRATA_OK) {
			w->ok++;
		} else {
			w->failures++;
			w->last_failure = rc;
			snprintf(w->message, sizeof w->message, "%s", strata_error_last()->message);
		}
	}
	return NULL;
}

struct reader {
	strata_pool *pool;
	volatile int *stop;
	int reads;
	int failures;
	char message[256];
};

static void *run_reader(void *arg)
{
	struct reader *r = arg;
	while (!__atomic_load_n(r->stop, __ATOMIC_ACQUIRE)) {
		strata_db *db;
		int rc = strata_pool_acquire(r->pool, &db);
		int64_t n = 0;
		if (rc == STRATA_OK) {
			rc = strata_query_int64(db, &n, "SELECT sum(n) FROM counters WHERE id < 100", NULL, 0);
			strata_pool_release(r->pool, db);
		}
		if (rc == STRATA_OK) {
			r->reads++;
		} else {
			r->failures++;
			snprintf(r->message, sizeof r->message, "%s", strata_error_last()->message);
		}
	}
	return NULL;
}

static int stress_count(void)
{
	const char *s = getenv("STRATA_POOL_STRESS_TX");
	int n = s && *s ? atoi(s) : 10000;
	return n > 0 ? n : 10000;
}

POOL_TEST(stress_16_threads)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 4;
	o.max_overflow = 4;
	o.timeout_ms = 120000;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"));
	for (int i = 0; i < BUCKETS; i++)
		ST_OK(strata_execv(db, "INSERT INTO counters (id, n) VALUES (?, 0)", STRATA_INT(i)));
	for (int i = 0; i < THREADS; i++)
		ST_OK(strata_execv(db, "INSERT INTO counters (id, n) VALUES (?, 0)", STRATA_INT(100 + i)));
	ST_OK(strata_pool_release(pool, db));

	int txs = stress_count();
	struct worker w[THREADS];
	pthread_t t[THREADS];
	volatile int stop = 0;
	struct reader rd[2];
	pthread_t rt[2];
	int nreaders = target == TARGET_SQLITE ? 2 : 0;
	for (int i = 0; i < nreaders; i++) {
		memset(&rd[i], 0, sizeof rd[i]);
		rd[i].pool = pool;
		rd[i].stop = &stop;
		cr_assert_eq(pthread_create(&rt[i], NULL, run_reader, &rd[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].pool = pool;
		w[i].index = i;
		w[i].txs = txs;
		cr_assert_eq(pthread_create(&t[i], NULL, run_worker, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < nreaders; i++)
		pthread_join(rt[i], NULL);

	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(w[i].failures, 0, "thread %d: %d failures, the last %s: %s", i, w[i].failures,
			     strata_status_name(w[i].last_failure), w[i].message);
	for (int i = 0; i < nreaders; i++)
		cr_assert_eq(rd[i].failures, 0, "reader %d: %d failures: %s", i, rd[i].failures, rd[i].message);

	ST_OK(strata_pool_acquire(pool, &db));
	cr_assert_eq(query_int(db, "SELECT sum(n) FROM counters WHERE id < 100"), (int64_t)THREADS * txs,
		     "no lost update");
	for (int i = 0; i < THREADS; i++) {
		int64_t n = 0;
		ST_OK(strata_query_int64v(db, &n, "SELECT n FROM counters WHERE id = ?", STRATA_INT(100 + i)));
		cr_assert_eq(n, txs, "thread %d: %lld increments, want %d", i, (long long)n, txs);
	}
	ST_OK(strata_pool_release(pool, db));

	strata_pool_metrics m = pool_metrics(pool);
	uint64_t reads = 0;
	for (int i = 0; i < nreaders; i++)
		reads += (uint64_t)rd[i].reads;
	cr_assert_eq(m.acquires, (uint64_t)THREADS * txs + reads + 2, "every acquire counted");
	cr_assert_eq(m.in_use, 0, "no connection leaked");
	cr_assert_eq(m.waiting, 0);
	cr_assert_eq(m.timeouts, 0);
	cr_assert_eq(m.leaks, 0);
	cr_assert_eq(m.discarded, 0);
	cr_assert_leq(m.open, 4, "overflow connections were closed");
	cr_assert_eq(m.opened, m.open + m.overflow_closed + m.recycled + m.idle_closed + m.discarded,
		     "every connection opened is accounted for");
	cr_assert_leq(m.wait_p50_us, m.wait_p99_us);
	strata_pool_close(pool);
	char *log = log_capture_text();
	cr_assert_eq(log[0], '\0', "nothing logged: %s", log);
	free(log);
}

/*
 * SQLite writers that do not go through strata_pool_transact (so not
 * through its writer queue) still never see "database is locked": BEGIN
 * IMMEDIATE waits on the busy timeout, and strata_transact retries.
 */
struct direct_writer {
	strata_pool *pool;
	int index, txs, failures;
	char message[256];
};

static int bump_one(strata_db *db, void *arg)
{
	struct direct_writer *w = arg;
	return strata_execv(db, "UPDATE counters SET n = n + 1 WHERE id = ?", STRATA_INT(w->index % 2));
}

static void *run_direct_writer(void *arg)
{
	struct direct_writer *w = arg;
	for (int i = 0; i < w->txs; i++) {
		strata_db *db;
		int rc = strata_pool_acquire(w->pool, &db);
		if (rc == STRATA_OK) {
			rc = strata_transact(db, bump_one, w, NULL);
			strata_pool_release(w->pool, db);
		}
		if (rc != STRATA_OK) {
			w->failures++;
			snprintf(w->message, sizeof w->message, "%s", strata_error_last()->message);
		}
	}
	return NULL;
}

Test(pool, sqlite_writers_wait_on_the_busy_timeout)
{
	log_capture_reset();
	char *dir = test_tmpdir();
	char url[4200];
	snprintf(url, sizeof url, "sqlite:%s/writers.db", dir);
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 4;
	o.max_overflow = 4;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
			      "INSERT INTO counters VALUES (0, 0), (1, 0)"));
	ST_OK(strata_pool_release(pool, db));
	enum {
		N = 8,
		TXS = 100
	};
	struct direct_writer w[N];
	pthread_t t[N];
	for (int i = 0; i < N; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].pool = pool;
		w[i].index = i;
		w[i].txs = TXS;
		cr_assert_eq(pthread_create(&t[i], NULL, run_direct_writer, &w[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < N; i++)
		cr_assert_eq(w[i].failures, 0, "writer %d: %d failures: %s", i, w[i].failures, w[i].message);
	ST_OK(strata_pool_acquire(pool, &db));
	cr_assert_eq(query_int(db, "SELECT sum(n) FROM counters"), N * TXS);
	ST_OK(strata_pool_release(pool, db));
	strata_pool_close(pool);
	test_rmrf(dir);
	free(dir);
}
