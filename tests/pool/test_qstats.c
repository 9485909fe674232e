/* Per-query statistics of a pool: merged across connections and threads, N+1 per strata_pool_transact. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pool_support.h"

static strata_pool *open_with_stats(const char *url, int size, int overflow)
{
	static strata_open_options o;
	o = log_capture_open_options;
	o.query_stats = STRATA_ON;
	strata_pool_options po = STRATA_POOL_OPTIONS_INIT;
	po.size = size;
	po.max_overflow = overflow;
	po.open = &o;
	return pool_open_ok(url, &po);
}

static const strata_query_stat *find(const strata_query_stats *s, const char *fingerprint)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->queries[i].fingerprint, fingerprint) == 0)
			return &s->queries[i];
	return NULL;
}

static int setup(strata_db *db, void *arg)
{
	(void)arg;
	return strata_exec(db, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
}

struct work {
	strata_pool *pool;
	int id;
	int loops;
};

static int one(strata_db *db, void *arg)
{
	struct work *w = arg;
	for (int i = 0; i < 3; i++) {
		int rc = strata_execv(db, "INSERT INTO t (id, n) VALUES (?, ?)",
				      STRATA_INT(w->id * 100000 + w->loops * 10 + i), STRATA_INT(i));
		if (rc != STRATA_OK)
			return rc;
	}
	return STRATA_OK;
}

static void *worker(void *arg)
{
	struct work *w = arg;
	struct work mine = *w;
	for (mine.loops = 0; mine.loops < 50; mine.loops++)
		if (strata_pool_transact(w->pool, one, &mine, NULL) != STRATA_OK)
			return (void *)1;
	return NULL;
}

POOL_TEST(query_stats_merge_every_connection)
{
	strata_pool *pool = open_with_stats(url, 3, 3);
	ST_OK(strata_pool_transact(pool, setup, NULL, NULL));
	pthread_t th[4];
	struct work w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct work){ pool, i + 1, 0 };
		cr_assert_eq(pthread_create(&th[i], NULL, worker, &w[i]), 0);
	}
	/* snapshots while the threads run */
	for (int i = 0; i < 5; i++) {
		strata_query_stats *s;
		ST_OK(strata_pool_query_stats(pool, &s));
		strata_query_stats_free(s);
		sleep_ms(5);
	}
	for (int i = 0; i < 4; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		cr_assert_null(ret, "a worker failed: %s", strata_error_last()->message);
	}
	/* an overflow connection returned while the idle set is full is closed: its numbers stay */
	strata_db *held[6];
	for (int i = 0; i < 6; i++)
		ST_OK(strata_pool_acquire(pool, &held[i]));
	for (int i = 0; i < 6; i++) {
		ST_OK(strata_execv(held[i], "UPDATE t SET n = n + 1 WHERE id = ?", STRATA_INT(i)));
		ST_OK(strata_pool_release(pool, held[i]));
	}
	cr_assert_geq(pool_metrics(pool).overflow_closed, 1);

	strata_query_stats *s;
	ST_OK(strata_pool_query_stats(pool, &s));
	const strata_query_stat *ins = find(s, "insert into t (id, n) values (...)");
	cr_assert_not_null(ins);
	cr_assert_eq(ins->calls, 4 * 50 * 3);
	cr_assert_eq(ins->rows, 4 * 50 * 3);
	cr_assert_eq(ins->errors, 0);
	const strata_query_stat *upd = find(s, "update t set n = n + ? where id = ?");
	cr_assert_not_null(upd);
	cr_assert_eq(upd->calls, 6, "closed connections' numbers were lost: %llu", (unsigned long long)upd->calls);
	const strata_query_stat *commit = find(s, "commit");
	cr_assert_not_null(commit);
	cr_assert_geq(commit->calls, 201);
	strata_query_stats_free(s);

	/* a connection's own numbers are only its own */
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_db_query_stats(db, &s));
	const strata_query_stat *mine = find(s, "insert into t (id, n) values (...)");
	cr_assert(!mine || mine->calls < 600);
	strata_query_stats_free(s);
	ST_OK(strata_pool_release(pool, db));

	/* reset: every connection starts afresh */
	strata_pool_query_stats_reset(pool);
	ST_OK(strata_pool_query_stats(pool, &s));
	cr_assert_eq(s->count, 0, "after reset: %zu queries, first %s", s->count,
		     s->count ? s->queries[0].fingerprint : "");
	strata_query_stats_free(s);
	struct work again = { pool, 9, 0 };
	ST_OK(strata_pool_transact(pool, one, &again, NULL));
	ST_OK(strata_pool_query_stats(pool, &s));
	ins = find(s, "insert into t (id, n) values (...)");
	cr_assert_not_null(ins);
	cr_assert_eq(ins->calls, 3);
	strata_query_stats_free(s);
	strata_pool_close(pool);
	(void)target;
}

struct loop {
	int times;
};

static int run_loop(strata_db *db, void *arg)
{
	struct loop *lp = arg;
	for (int i = 0; i < lp->times; i++) {
		int64_t v;
		int rc = strata_query_int64(db, &v, "SELECT count(*) FROM t WHERE id = ?",
					    (strata_value[]){ STRATA_INT(i) }, 1);
		if (rc != STRATA_OK)
			return rc;
	}
	return STRATA_OK;
}

POOL_TEST(n_plus_one_per_transact_call)
{
	strata_pool *pool = open_with_stats(url, 2, 0);
	ST_OK(strata_pool_transact(pool, setup, NULL, NULL));
	log_capture_reset();
	struct loop lp = { 10 };
	ST_OK(strata_pool_transact(pool, run_loop, &lp, NULL));
	char *log = log_capture_text();
	cr_assert(strstr(log, "N+1") == NULL, "10 runs warned: %s", log);
	free(log);
	lp.times = 11;
	ST_OK(strata_pool_transact(pool, run_loop, &lp, NULL));
	log = log_capture_text();
	char *first = strstr(log, "N+1");
	cr_assert(first && strstr(first, "ran 11 times") && strstr(first, "select count(*) from t where id = ?"), "%s",
		  log);
	cr_assert(strstr(first + 1, "N+1") == NULL, "more than one warning: %s", log);
	free(log);
	strata_pool_close(pool);
	(void)target;
}

POOL_TEST(query_stats_from_the_environment)
{
	/* the open options leave it to DB_QUERY_STATS */
	setenv("DB_QUERY_STATS", "1", 1);
	strata_pool *pool = pool_open_ok(url, NULL);
	unsetenv("DB_QUERY_STATS");
	ST_OK(strata_pool_transact(pool, setup, NULL, NULL));
	strata_query_stats *s;
	ST_OK(strata_pool_query_stats(pool, &s));
	cr_assert_geq(s->count, 1);
	strata_query_stats_free(s);
	strata_pool_close(pool);

	pool = pool_open_ok(url, NULL);
	ST_EXPECT(strata_pool_query_stats(pool, &s), STRATA_EMISUSE);
	cr_assert(strstr(strata_error_last()->message, "DB_QUERY_STATS"));
	strata_pool_close(pool);
	(void)target;
}
