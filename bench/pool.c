/*
 * bench_pool: what the pool costs and what it buys.
 *
 *   bench_pool [--seconds S] [--pg URL]
 *       1. acquire + release on an idle pool, one thread (target: < 1 us);
 *       2. short transactions (BEGIN; UPDATE one row; COMMIT) per second at
 *          1, 2, 8 and 32 threads, three ways: through a pool of 8 (+ 8
 *          overflow), opening a connection per request, and one connection
 *          per thread held for the whole run.
 *       On a SQLite file (WAL) always; on PostgreSQL when --pg or
 *       $STRATA_TEST_PG_URL names a server.  Prints a table.
 *
 *   bench_pool --check N [--pg URL] [--pgbouncer URL]
 *       The stress test as a plain program (used under ThreadSanitizer by
 *       `make check`, where Criterion cannot run): 16 threads x N
 *       transactions through strata_pool_transact on a pool of 4 + 4 with
 *       query statistics on, with two readers alongside (they also take
 *       statistics snapshots); exits 1 unless every increment landed and
 *       the pool's counters and query statistics add up.  With
 *       $STRATA_TEST_REPLICA_PRIMARY_URL and $STRATA_TEST_REPLICA_URL (a
 *       primary and its streaming replica) it runs once more with the
 *       replica: writers share one read-your-writes token, readers read
 *       through it, and the replica monitor checks every 5 ms.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_pool: %s: %s\n", what, strata_error_last()->message);
	exit(2);
}

static char table[64];

static int setup_table(const char *url, int rows)
{
	strata_db *db;
	if (strata_open(&db, url, NULL) != STRATA_OK)
		die("open");
	char sql[256];
	snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", table);
	if (strata_exec(db, sql) != STRATA_OK)
		die("drop");
	snprintf(sql, sizeof sql, "CREATE TABLE %s (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)", table);
	if (strata_exec(db, sql) != STRATA_OK)
		die("create");
	if (strata_begin(db, NULL) != STRATA_OK)
		die("begin");
	snprintf(sql, sizeof sql, "INSERT INTO %s (id, n) VALUES (?, 0)", table);
	for (int i = 0; i < rows; i++)
		if (strata_execv(db, sql, STRATA_INT(i)) != STRATA_OK)
			die("insert");
	if (strata_commit(db) != STRATA_OK)
		die("commit");
	strata_close(db);
	return 0;
}

static void drop_table(const char *url)
{
	strata_db *db;
	if (strata_open(&db, url, NULL) != STRATA_OK)
		return;
	char sql[128];
	snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", table);
	strata_exec(db, sql);
	strata_close(db);
}

static char update_sql[128];

static int bump(strata_db *db, void *arg)
{
	int64_t id = *(int64_t *)arg;
	return strata_execv(db, update_sql, STRATA_INT(id));
}

/* ---- 1. acquire + release ---- */

static double acquire_release_ns(const char *url)
{
	strata_pool *pool;
	if (strata_pool_open(&pool, url, NULL) != STRATA_OK)
		die("pool open");
	strata_db *db;
	for (int i = 0; i < 1000; i++) {
		strata_pool_acquire(pool, &db);
		strata_pool_release(pool, db);
	}
	const int n = 1000000;
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		if (strata_pool_acquire(pool, &db) != STRATA_OK)
			die("acquire");
		strata_pool_release(pool, db);
	}
	double ns = (now_s() - t0) / n * 1e9;
	strata_pool_close(pool);
	return ns;
}

/* ---- 2. throughput ---- */

enum mode {
	POOLED,
	PER_REQUEST,
	PER_THREAD
};

struct run {
	const char *url;
	enum mode mode;
	strata_pool *pool;
	double until;
	int index;
	long done;
	long failed;
};

static void *tx_thread(void *arg)
{
	struct run *r = arg;
	int64_t id = r->index % 64;
	strata_db *own = NULL;
	if (r->mode == PER_THREAD && strata_open(&own, r->url, NULL) != STRATA_OK)
		die("open");
	while (now_s() < r->until) {
		for (int k = 0; k < 16; k++) {
			int rc;
			if (r->mode == POOLED) {
				rc = strata_pool_transact(r->pool, bump, &id, NULL);
			} else if (r->mode == PER_THREAD) {
				rc = strata_transact(own, bump, &id, NULL);
			} else {
				strata_db *db;
				rc = strata_open(&db, r->url, NULL);
				if (rc == STRATA_OK) {
					rc = strata_transact(db, bump, &id, NULL);
					strata_close(db);
				}
			}
			if (rc == STRATA_OK)
				r->done++;
			else
				r->failed++;
			id = (id + 1) % 64;
		}
	}
	strata_close(own);
	return NULL;
}

static double throughput(const char *url, enum mode mode, int threads, double seconds, long *failed)
{
	strata_pool *pool = NULL;
	if (mode == POOLED) {
		strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
		o.size = 8;
		o.max_overflow = 8;
		o.timeout_ms = 60000;
		if (strata_pool_open(&pool, url, &o) != STRATA_OK)
			die("pool open");
	}
	struct run r[32];
	pthread_t t[32];
	double t0 = now_s();
	for (int i = 0; i < threads; i++) {
		r[i] = (struct run){ url, mode, pool, t0 + seconds, i, 0, 0 };
		pthread_create(&t[i], NULL, tx_thread, &r[i]);
	}
	long done = 0;
	*failed = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		done += r[i].done;
		*failed += r[i].failed;
	}
	double el = now_s() - t0;
	strata_pool_close(pool);
	return (double)done / el;
}

static void bench_backend(const char *name, const char *url, double seconds)
{
	setup_table(url, 64);
	printf("\n%s: acquire + release, idle pool, one thread: %.0f ns\n", name, acquire_release_ns(url));
	printf("%s: short transactions per second (BEGIN; UPDATE 1 row; COMMIT), %.1f s each\n", name, seconds);
	printf("| threads | pool (8+8) | connection per request | connection per thread |\n");
	printf("| ---: | ---: | ---: | ---: |\n");
	static const int counts[] = { 1, 2, 8, 32 };
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
		long f1, f2, f3;
		double a = throughput(url, POOLED, counts[i], seconds, &f1);
		double b = throughput(url, PER_REQUEST, counts[i], seconds, &f2);
		double c = throughput(url, PER_THREAD, counts[i], seconds, &f3);
		printf("| %d | %.0f | %.0f | %.0f |", counts[i], a, b, c);
		if (f1 || f2 || f3)
			printf(" failures: %ld / %ld / %ld", f1, f2, f3);
		printf("\n");
		fflush(stdout);
	}
	drop_table(url);
}

/* ---- 3. reads with a streaming replica ---- */

static char read_sql[160];

static int sum_rows(strata_db *db, void *arg)
{
	int64_t v;
	(void)arg;
	return strata_query_int64(db, &v, read_sql, NULL, 0);
}

struct reader {
	strata_pool *pool;
	double until;
	long done, failed;
};

static void *read_tx_thread(void *arg)
{
	struct reader *r = arg;
	strata_tx_options ro = STRATA_TX_OPTIONS_INIT;
	ro.read_only = true;
	while (now_s() < r->until)
		for (int k = 0; k < 16; k++) {
			if (strata_pool_transact(r->pool, sum_rows, NULL, &ro) == STRATA_OK)
				r->done++;
			else
				r->failed++;
		}
	return NULL;
}

/* Read-only transactions per second through a pool of 8 + 8 on `url`, with `replicas` ("" for none). */
static double read_throughput(const char *url, const char *replicas, int threads, double seconds, long *failed,
			      uint64_t *on_replica_pct)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 8;
	o.max_overflow = 8;
	o.timeout_ms = 60000;
	o.replica_urls = replicas;
	strata_pool *pool;
	if (strata_pool_open(&pool, url, &o) != STRATA_OK)
		die("pool open");
	if (*replicas) {
		/* the first check of the monitor marks the replica usable */
		strata_pool_replica_metrics m = STRATA_POOL_REPLICA_METRICS_INIT;
		for (int i = 0;
		     i < 500 && strata_pool_replica_stats(pool, 0, &m) == STRATA_OK && m.state != STRATA_REPLICA_UP;
		     i++)
			usleep(10000);
	}
	struct reader r[32];
	pthread_t t[32];
	double t0 = now_s();
	for (int i = 0; i < threads; i++) {
		r[i] = (struct reader){ pool, t0 + seconds, 0, 0 };
		pthread_create(&t[i], NULL, read_tx_thread, &r[i]);
	}
	long done = 0;
	*failed = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		done += r[i].done;
		*failed += r[i].failed;
	}
	double el = now_s() - t0;
	strata_pool_metrics m = STRATA_POOL_METRICS_INIT;
	strata_pool_stats(pool, &m);
	/* the share of the transactions that ran on the replica */
	*on_replica_pct = done > 0 ? m.reads_replica * 100 / (uint64_t)done : 0;
	strata_pool_close(pool);
	return (double)done / el;
}

static void bench_replicas(const char *primary, const char *replica, double seconds)
{
	setup_table(primary, 64);
	snprintf(read_sql, sizeof read_sql, "SELECT sum(n) FROM %s", table);
	/* the table reaches the replica before anything reads it there */
	strata_db *db;
	if (strata_open(&db, replica, NULL) != STRATA_OK)
		die("open replica");
	for (int i = 0; i < 500 && sum_rows(db, NULL) != STRATA_OK; i++)
		usleep(10000);
	strata_close(db);
	printf("\nPostgreSQL with a streaming replica on the same machine: read-only transactions per second "
	       "(BEGIN READ ONLY; SELECT sum over 64 rows; COMMIT), %.1f s each\n",
	       seconds);
	printf("| threads | primary alone | primary + replica | served by the replica | ratio |\n| ---: | ---: | ---: "
	       "| ---: | ---: |\n");
	static const int counts[] = { 1, 8, 32 };
	double worst = 1e9;
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
		long f1, f2;
		uint64_t r1, r2;
		double a = read_throughput(primary, "", counts[i], seconds, &f1, &r1);
		double b = read_throughput(primary, replica, counts[i], seconds, &f2, &r2);
		printf("| %d | %.0f | %.0f | %llu%% | %.2fx |", counts[i], a, b, (unsigned long long)r2,
		       a > 0 ? b / a : 0);
		if (f1 || f2)
			printf(" failures: %ld / %ld", f1, f2);
		printf("\n");
		fflush(stdout);
		if (a > 0 && b / a < worst)
			worst = b / a;
	}
	printf("\n| target | result |\n| --- | --- |\n");
	printf("| reads through the replica at least 0.8x the primary alone (one machine: routing overhead, not scale) "
	       "| %s (worst %.2fx) |\n",
	       worst >= 0.8 ? "met" : "not met", worst);
	drop_table(primary);
}

/* ---- --check: the stress test as a plain program ---- */

#define CHECK_THREADS 16

struct checker {
	strata_pool *pool;
	int index, txs, failures;
	int64_t ids[2];
	char message[256];
};

static char check_sql[160];
/* with replicas: every write raises it, every read asks for it (read-your-writes across threads) */
static strata_pool_token shared_token = STRATA_POOL_TOKEN_INIT;
static bool with_replicas;

static int bump2(strata_db *db, void *arg)
{
	struct checker *c = arg;
	return strata_execv(db, check_sql, STRATA_INT(c->ids[0]), STRATA_INT(c->ids[1]));
}

static void *check_thread(void *arg)
{
	struct checker *c = arg;
	for (int i = 0; i < c->txs; i++) {
		c->ids[0] = (c->index * 7 + i) % 8;
		c->ids[1] = 100 + c->index;
		if (strata_pool_transact_token(c->pool, with_replicas ? &shared_token : NULL, bump2, c, NULL) !=
		    STRATA_OK) {
			c->failures++;
			snprintf(c->message, sizeof c->message, "%s", strata_error_last()->message);
		}
	}
	return NULL;
}

static int reader_stop;

static void *read_thread(void *arg)
{
	struct checker *c = arg;
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT sum(n) FROM %s WHERE id < 100", table);
	while (!__atomic_load_n(&reader_stop, __ATOMIC_ACQUIRE)) {
		strata_db *db;
		int64_t v;
		int rc = with_replicas ? strata_pool_acquire_read(c->pool, &db, &shared_token)
				       : strata_pool_acquire(c->pool, &db);
		if (rc == STRATA_OK) {
			rc = strata_query_int64(db, &v, sql, NULL, 0);
			strata_pool_release(c->pool, db);
		}
		if (rc != STRATA_OK) {
			c->failures++;
			snprintf(c->message, sizeof c->message, "%s", strata_error_last()->message);
		}
		c->txs++;
		strata_pool_metrics m = STRATA_POOL_METRICS_INIT;
		if (strata_pool_stats(c->pool, &m) != STRATA_OK || m.open > 8) {
			c->failures++;
			snprintf(c->message, sizeof c->message, "stats: %d connections open, at most 8 allowed",
				 m.open);
		}
		/* per-query statistics merged while every thread records */
		strata_query_stats *qs = NULL;
		if (strata_pool_query_stats(c->pool, &qs) != STRATA_OK) {
			c->failures++;
			snprintf(c->message, sizeof c->message, "query stats: %s", strata_error_last()->message);
		}
		strata_query_stats_free(qs);
	}
	return NULL;
}

/* The calls of the checkers' UPDATE in the pool's query statistics. */
static uint64_t update_calls(strata_pool *pool)
{
	strata_query_stats *qs = NULL;
	uint64_t calls = 0;
	if (strata_pool_query_stats(pool, &qs) == STRATA_OK)
		for (size_t i = 0; i < qs->count; i++)
			if (strncmp(qs->queries[i].fingerprint, "update ", 7) == 0)
				calls += qs->queries[i].calls;
	strata_query_stats_free(qs);
	return calls;
}

/* `replicas`: the pool's replica URLs (its readers then read through them), or NULL. */
static int check(const char *name, const char *url, const char *replicas, int txs)
{
	int bad = 0;
	strata_db *db;
	if (strata_open(&db, url, NULL) != STRATA_OK)
		die("open");
	char sql[256];
	snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", table);
	strata_exec(db, sql);
	snprintf(sql, sizeof sql, "CREATE TABLE %s (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)", table);
	if (strata_exec(db, sql) != STRATA_OK)
		die("create");
	snprintf(sql, sizeof sql, "INSERT INTO %s (id, n) VALUES (?, 0)", table);
	for (int i = 0; i < 8; i++)
		strata_execv(db, sql, STRATA_INT(i));
	for (int i = 0; i < CHECK_THREADS; i++)
		strata_execv(db, sql, STRATA_INT(100 + i));
	snprintf(check_sql, sizeof check_sql, "UPDATE %s SET n = n + 1 WHERE id IN (?, ?)", table);

	strata_pool *pool;
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 4;
	o.max_overflow = 4;
	o.timeout_ms = 120000;
	/* short lifetimes and pings, so recycling and pre-ping race with everything else */
	o.recycle_ms = 200;
	o.pre_ping_ms = 5;
	strata_open_options oo = STRATA_OPEN_OPTIONS_INIT;
	oo.query_stats = STRATA_ON;
	oo.n_plus_one = -1;
	o.open = &oo;
	/* and a monitor checking the replicas all the time */
	o.replica_urls = replicas ? replicas : "";
	o.replica_check_ms = 5;
	o.replica_wait_ms = 5;
	with_replicas = replicas != NULL;
	if (strata_pool_open(&pool, url, &o) != STRATA_OK)
		die("pool open");
	if (with_replicas && strata_pool_token_update(db, &shared_token) != STRATA_OK)
		die("token"); /* readers wait for the table to reach a replica */
	struct checker c[CHECK_THREADS + 2];
	pthread_t t[CHECK_THREADS + 2];
	__atomic_store_n(&reader_stop, 0, __ATOMIC_RELEASE);
	for (int i = 0; i < CHECK_THREADS + 2; i++) {
		memset(&c[i], 0, sizeof c[i]);
		c[i].pool = pool;
		c[i].index = i;
		c[i].txs = i < CHECK_THREADS ? txs : 0;
		pthread_create(&t[i], NULL, i < CHECK_THREADS ? check_thread : read_thread, &c[i]);
	}
	for (int i = 0; i < CHECK_THREADS; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&reader_stop, 1, __ATOMIC_RELEASE);
	long reads = 0;
	for (int i = CHECK_THREADS; i < CHECK_THREADS + 2; i++) {
		pthread_join(t[i], NULL);
		reads += c[i].txs;
	}
	for (int i = 0; i < CHECK_THREADS + 2; i++)
		if (c[i].failures) {
			fprintf(stderr, "bench_pool --check %s: thread %d: %d failures: %s\n", name, i, c[i].failures,
				c[i].message);
			bad = 1;
		}
	int64_t total = -1;
	snprintf(sql, sizeof sql, "SELECT sum(n) FROM %s WHERE id < 100", table);
	strata_query_int64(db, &total, sql, NULL, 0);
	if (total != (int64_t)CHECK_THREADS * txs) {
		fprintf(stderr, "bench_pool --check %s: %lld increments, want %d\n", name, (long long)total,
			CHECK_THREADS * txs);
		bad = 1;
	}
	uint64_t calls = update_calls(pool);
	if (calls != (uint64_t)CHECK_THREADS * (uint64_t)txs) {
		fprintf(stderr, "bench_pool --check %s: query statistics counted %llu updates, want %d\n", name,
			(unsigned long long)calls, CHECK_THREADS * txs);
		bad = 1;
	}
	strata_pool_metrics m = STRATA_POOL_METRICS_INIT;
	strata_pool_stats(pool, &m);
	/* with replicas, the reads a replica served are not the primary's acquires */
	uint64_t want = (uint64_t)CHECK_THREADS * (uint64_t)txs + (uint64_t)reads - m.reads_replica;
	if (m.in_use || m.waiting || m.timeouts || m.leaks || m.discarded || m.acquires != want ||
	    (with_replicas && m.reads_replica + m.reads_primary != (uint64_t)reads)) {
		fprintf(stderr,
			"bench_pool --check %s: pool counters do not add up: in_use %d waiting %d timeouts %llu leaks "
			"%llu "
			"discarded %llu acquires %llu (want %llu)\n",
			name, m.in_use, m.waiting, (unsigned long long)m.timeouts, (unsigned long long)m.leaks,
			(unsigned long long)m.discarded, (unsigned long long)m.acquires, (unsigned long long)want);
		bad = 1;
	}
	strata_pool_close(pool);
	snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", table);
	strata_exec(db, sql);
	strata_close(db);
	printf("bench_pool --check %s: %d threads x %d transactions, %ld reads (%llu on a replica): %s\n", name,
	       CHECK_THREADS, txs, reads, (unsigned long long)m.reads_replica, bad ? "FAILED" : "ok");
	return bad;
}

int main(int argc, char **argv)
{
	double seconds = 1.0;
	int check_txs = 0;
	const char *pg = getenv("STRATA_TEST_PG_URL");
	const char *pgb = getenv("STRATA_TEST_PGBOUNCER_URL");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc)
			pg = argv[++i];
		else if (strcmp(argv[i], "--pgbouncer") == 0 && i + 1 < argc)
			pgb = argv[++i];
		else if (strcmp(argv[i], "--check") == 0 && i + 1 < argc)
			check_txs = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_pool [--seconds S] [--pg URL] | --check N [--pg URL] "
					"[--pgbouncer URL]\n");
			return 2;
		}
	}
	snprintf(table, sizeof table, "bench_pool_%d", (int)getpid());
	snprintf(update_sql, sizeof update_sql, "UPDATE %s SET n = n + 1 WHERE id = ?", table);
	char dir[] = "/tmp/strata-bench-pool-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	char sqlite_url[128], path[128];
	snprintf(sqlite_url, sizeof sqlite_url, "sqlite:%s/bench.db", dir);
	int rc = 0;
	if (check_txs > 0) {
		rc |= check("sqlite", sqlite_url, NULL, check_txs);
		if (pg && *pg)
			rc |= check("postgres", pg, NULL, check_txs);
		if (pgb && *pgb)
			rc |= check("pgbouncer", pgb, NULL, check_txs);
		const char *rp = getenv("STRATA_TEST_REPLICA_PRIMARY_URL"), *rr = getenv("STRATA_TEST_REPLICA_URL");
		if (rp && *rp && rr && *rr)
			rc |= check("replicas", rp, rr, check_txs);
	} else {
		bench_backend("SQLite (WAL file)", sqlite_url, seconds);
		if (pg && *pg)
			bench_backend("PostgreSQL", pg, seconds);
		const char *rp = getenv("STRATA_TEST_REPLICA_PRIMARY_URL"), *rr = getenv("STRATA_TEST_REPLICA_URL");
		if (rp && *rp && rr && *rr)
			bench_replicas(rp, rr, seconds);
		else
			printf("\n(no replica benchmark: set STRATA_TEST_REPLICA_PRIMARY_URL and "
			       "STRATA_TEST_REPLICA_URL, "
			       "e.g. from scripts/pg-test-server start and replica-start)\n");
	}
	static const char *const files[] = { "bench.db", "bench.db-wal", "bench.db-shm" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	return rc;
}
