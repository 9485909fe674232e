/*
 * Strata's statement API against the raw backend APIs on the same data:
 * N inserts in one transaction, then N reads by primary key, on SQLite
 * (raw sqlite3_*) and on PostgreSQL (raw libpq).  Then the cost of
 * per-query statistics: the same Strata loops on a connection with
 * query_stats on against one with it off (target: at most 5% slower).
 * Each case runs `reps` times, interleaved; the best run counts.  Prints
 * two tables; exits 0.
 *
 *   bench_statements [--rows N] [--reps R] [--pg URL]   (URL default: $STRATA_TEST_PG_URL)
 *   bench_statements --loops-only on|off --url URL [--rows N]
 *
 * The second form runs one insert loop and one read loop on URL with
 * statistics on or off and nothing else: run it under
 * `valgrind --tool=callgrind` for instruction counts, which other work on
 * the machine cannot disturb (scripts/bench-query-stats does that).
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

static int rows = 200000, reps = 3;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The process's CPU time: on a busy machine it moves much less than wall time. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_start, cpu_last; /* the CPU time of the last Strata loop */

static double best(double a, double b)
{
	return a < b ? a : b;
}

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strata_error_last()->message);
	exit(1);
}

#define CHECK(x)                      \
	do {                          \
		if ((x) != STRATA_OK) \
			die(#x);      \
	} while (0)

/* ---- Strata, either backend ---- */

static double strata_insert(strata_db *db)
{
	CHECK(strata_exec(db, "DROP TABLE IF EXISTS bench_t; CREATE TABLE bench_t (id BIGINT PRIMARY KEY, name TEXT "
			      "NOT NULL, score INTEGER NOT NULL)"));
	double t0 = now();
	cpu_start = cpu_now();
	CHECK(strata_begin(db, NULL));
	strata_stmt *st;
	CHECK(strata_prepare(&st, db, "INSERT INTO bench_t (id, name, score) VALUES (?, ?, ?)"));
	char name[32];
	for (int i = 1; i <= rows; i++) {
		int n = snprintf(name, sizeof name, "name-%d", i);
		CHECK(strata_bind_int64(st, 1, i));
		CHECK(strata_bind_text(st, 2, name, n));
		CHECK(strata_bind_int64(st, 3, i % 100));
		if (strata_step(st) != STRATA_DONE)
			die("insert");
	}
	strata_finalize(st);
	CHECK(strata_commit(db));
	cpu_last = cpu_now() - cpu_start;
	return now() - t0;
}

static double strata_read(strata_db *db)
{
	double t0 = now();
	cpu_start = cpu_now();
	strata_stmt *st;
	CHECK(strata_prepare(&st, db, "SELECT name, score FROM bench_t WHERE id = ?"));
	int64_t sum = 0;
	for (int i = 1; i <= rows; i++) {
		CHECK(strata_bind_int64(st, 1, i));
		if (strata_step(st) != STRATA_ROW)
			die("read");
		const char *name;
		size_t len;
		int64_t score;
		CHECK(strata_column_text(st, 0, &name, &len));
		CHECK(strata_column_int64(st, 1, &score));
		sum += score + (int64_t)len;
		strata_reset(st);
	}
	strata_finalize(st);
	if (sum == 0)
		die("sum");
	cpu_last = cpu_now() - cpu_start;
	return now() - t0;
}

/* ---- raw SQLite ---- */

static double raw_sqlite_insert(sqlite3 *db)
{
	sqlite3_exec(db,
		     "DROP TABLE IF EXISTS bench_t; CREATE TABLE bench_t (id BIGINT PRIMARY KEY, name TEXT NOT NULL, "
		     "score INTEGER NOT NULL)",
		     NULL, NULL, NULL);
	double t0 = now();
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "INSERT INTO bench_t (id, name, score) VALUES (?, ?, ?)", -1, &st, NULL);
	char name[32];
	for (int i = 1; i <= rows; i++) {
		int n = snprintf(name, sizeof name, "name-%d", i);
		sqlite3_bind_int64(st, 1, i);
		sqlite3_bind_text(st, 2, name, n, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, i % 100);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "raw insert: %s\n", sqlite3_errmsg(db));
			exit(1);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return now() - t0;
}

static double raw_sqlite_read(sqlite3 *db)
{
	double t0 = now();
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT name, score FROM bench_t WHERE id = ?", -1, &st, NULL);
	int64_t sum = 0;
	for (int i = 1; i <= rows; i++) {
		sqlite3_bind_int64(st, 1, i);
		if (sqlite3_step(st) != SQLITE_ROW) {
			fprintf(stderr, "raw read failed\n");
			exit(1);
		}
		const unsigned char *name = sqlite3_column_text(st, 0);
		int len = sqlite3_column_bytes(st, 0);
		sum += sqlite3_column_int64(st, 1) + len + (name != NULL);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sum == 0)
		exit(1);
	return now() - t0;
}

/* ---- raw libpq ---- */

static void pq_ok(PGconn *c, PGresult *r, const char *what)
{
	ExecStatusType s = PQresultStatus(r);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		fprintf(stderr, "raw %s: %s\n", what, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

static double raw_pg_insert(PGconn *c)
{
	pq_ok(c,
	      PQexec(c, "DROP TABLE IF EXISTS bench_t; CREATE TABLE bench_t (id BIGINT PRIMARY KEY, name TEXT NOT "
			"NULL, score INTEGER NOT NULL)"),
	      "create");
	double t0 = now();
	pq_ok(c, PQexec(c, "BEGIN"), "begin");
	pq_ok(c, PQprepare(c, "ins", "INSERT INTO bench_t (id, name, score) VALUES ($1, $2, $3)", 3, NULL), "prepare");
	char id[24], name[32], score[8];
	const char *vals[3] = { id, name, score };
	for (int i = 1; i <= rows; i++) {
		snprintf(id, sizeof id, "%d", i);
		snprintf(name, sizeof name, "name-%d", i);
		snprintf(score, sizeof score, "%d", i % 100);
		pq_ok(c, PQexecPrepared(c, "ins", 3, vals, NULL, NULL, 0), "insert");
	}
	pq_ok(c, PQexec(c, "COMMIT"), "commit");
	pq_ok(c, PQexec(c, "DEALLOCATE ins"), "deallocate");
	return now() - t0;
}

static double raw_pg_read(PGconn *c)
{
	double t0 = now();
	pq_ok(c, PQprepare(c, "sel", "SELECT name, score FROM bench_t WHERE id = $1", 1, NULL), "prepare");
	char id[24];
	const char *vals[1] = { id };
	long long sum = 0;
	for (int i = 1; i <= rows; i++) {
		snprintf(id, sizeof id, "%d", i);
		PGresult *r = PQexecPrepared(c, "sel", 1, vals, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
			fprintf(stderr, "raw read: %s\n", PQerrorMessage(c));
			exit(1);
		}
		sum += strtoll(PQgetvalue(r, 0, 1), NULL, 10) + PQgetlength(r, 0, 0);
		PQclear(r);
	}
	pq_ok(c, PQexec(c, "DEALLOCATE sel"), "deallocate");
	if (sum == 0)
		exit(1);
	return now() - t0;
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static void row(const char *backend, const char *op, double raw, double st)
{
	printf("| %-10s | %-22s | %12.0f | %12.0f | %5.3f |\n", backend, op, rows / raw, rows / st, raw / st);
}

/* Best wall and CPU times of Strata with statistics off and on, per backend and operation. */
static double qs_off[2][2], qs_on[2][2], qc_off[2][2], qc_on[2][2];

/* Run a Strata loop, keeping its best wall time in *wall and best CPU time in *cpu. */
static void timed(double (*loop)(strata_db *), strata_db *db, double *wall, double *cpu)
{
	*wall = best(*wall, loop(db));
	*cpu = best(*cpu, cpu_last);
}

/* The bench's loops are N+1 patterns by design: the warnings are counted, not printed. */
static void quiet_log(strata_log_level level, const char *msg, void *ud)
{
	(void)level;
	(void)msg;
	(void)ud;
}

static strata_db *open_with_stats(const char *url)
{
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.query_stats = STRATA_ON;
	o.log = quiet_log;
	strata_db *db;
	CHECK(strata_open(&db, url, &o));
	return db;
}

static void stats_rows(void)
{
	static const char *const backends[2] = { "sqlite", "postgres" };
	static const char *const ops[2] = { "insert (1 transaction)", "read by primary key" };
	printf("\nPer-query statistics: query_stats on against off, same loops (target: at most 5%% more time per\n"
	       "statement; judged on the process's CPU time, which other work on the machine disturbs least and\n"
	       "which on PostgreSQL leaves out the server's share, so it overstates the cost there)\n\n");
	printf("| %-10s | %-22s | %12s | %12s | %11s | %10s | %-7s |\n", "backend", "operation", "off ops/s",
	       "on ops/s", "wall +%", "CPU +%", "target");
	printf("|------------|------------------------|--------------|--------------|-------------|------------|-------"
	       "--|\n");
	for (int b = 0; b < 2; b++)
		for (int o = 0; o < 2; o++) {
			if (qs_off[b][o] <= 0 || qs_off[b][o] >= 1e9)
				continue;
			double wall = (qs_on[b][o] / qs_off[b][o] - 1) * 100;
			double cpu = (qc_on[b][o] / qc_off[b][o] - 1) * 100;
			printf("| %-10s | %-22s | %12.0f | %12.0f | %10.1f%% | %9.1f%% | %-7s |\n", backends[b], ops[o],
			       rows / qs_off[b][o], rows / qs_on[b][o], wall, cpu, cpu <= 5.0 ? "met" : "not met");
		}
}

static int loops_only(const char *url, bool stats)
{
	strata_db *db;
	if (stats)
		db = open_with_stats(url);
	else
		CHECK(strata_open(&db, url, NULL));
	strata_insert(db);
	strata_read(db);
	CHECK(strata_exec(db, "DROP TABLE IF EXISTS bench_t"));
	strata_close(db);
	return 0;
}

int main(int argc, char **argv)
{
	const char *pg = getenv("STRATA_TEST_PG_URL"), *only = NULL, *only_url = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--loops-only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			only_url = argv[++i];
		else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			rows = atoi(argv[++i]);
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc)
			pg = argv[++i];
		else {
			fprintf(stderr, "usage: bench_statements [--rows N] [--reps R] [--pg URL]\n"
					"       bench_statements --loops-only on|off --url URL [--rows N]\n");
			return 2;
		}
	}
	if (only) {
		if (!only_url || (strcmp(only, "on") && strcmp(only, "off"))) {
			fprintf(stderr, "bench_statements: --loops-only wants on or off, and --url\n");
			return 2;
		}
		return loops_only(only_url, !strcmp(only, "on"));
	}
	char dir[] = "/tmp/strata-bench-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[128], url[160];
	snprintf(path, sizeof path, "%s/bench.db", dir);
	snprintf(url, sizeof url, "sqlite:%s", path);

	printf("Statements: %d rows, best of %d runs (ops/s; ratio = Strata / raw)\n\n", rows, reps);
	printf("| %-10s | %-22s | %12s | %12s | %5s |\n", "backend", "operation", "raw ops/s", "strata ops/s", "ratio");
	printf("|------------|------------------------|--------------|--------------|-------|\n");

	/* SQLite: both on the same file with the same settings (WAL, synchronous=NORMAL) */
	strata_db *db;
	CHECK(strata_open(&db, url, NULL));
	sqlite3 *raw;
	if (sqlite3_open(path, &raw) != SQLITE_OK)
		return 1;
	sqlite3_exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", NULL, NULL,
		     NULL);
	sqlite3_busy_timeout(raw, 5000);
	strata_db *dbq = open_with_stats(url);
	double ri = 1e9, rr = 1e9;
	for (int b = 0; b < 2; b++)
		for (int o = 0; o < 2; o++)
			qs_off[b][o] = qs_on[b][o] = qc_off[b][o] = qc_on[b][o] = 1e9;
	for (int r = 0; r < reps; r++) {
		ri = best(ri, raw_sqlite_insert(raw));
		rr = best(rr, raw_sqlite_read(raw));
		timed(strata_insert, db, &qs_off[0][0], &qc_off[0][0]);
		timed(strata_read, db, &qs_off[0][1], &qc_off[0][1]);
		timed(strata_insert, dbq, &qs_on[0][0], &qc_on[0][0]);
		timed(strata_read, dbq, &qs_on[0][1], &qc_on[0][1]);
	}
	row("sqlite", "insert (1 transaction)", ri, qs_off[0][0]);
	row("sqlite", "read by primary key", rr, qs_off[0][1]);
	sqlite3_close(raw);
	strata_close(db);
	strata_close(dbq);

	if (pg && *pg) {
		CHECK(strata_open(&db, pg, NULL));
		char *redacted = strata_url_redact(pg);
		PGconn *c = PQconnectdb(pg);
		PQsetNoticeProcessor(c, quiet, NULL);
		if (PQstatus(c) != CONNECTION_OK) {
			fprintf(stderr, "bench: raw libpq cannot connect to %s\n", redacted);
			return 1;
		}
		free(redacted);
		dbq = open_with_stats(pg);
		ri = rr = 1e9;
		for (int r = 0; r < reps; r++) {
			ri = best(ri, raw_pg_insert(c));
			rr = best(rr, raw_pg_read(c));
			timed(strata_insert, db, &qs_off[1][0], &qc_off[1][0]);
			timed(strata_read, db, &qs_off[1][1], &qc_off[1][1]);
			timed(strata_insert, dbq, &qs_on[1][0], &qc_on[1][0]);
			timed(strata_read, dbq, &qs_on[1][1], &qc_on[1][1]);
		}
		row("postgres", "insert (1 transaction)", ri, qs_off[1][0]);
		row("postgres", "read by primary key", rr, qs_off[1][1]);
		PQexec(c, "DROP TABLE IF EXISTS bench_t");
		PQfinish(c);
		strata_close(db);
		strata_close(dbq);
	} else {
		printf("| postgres   | (skipped: no --pg URL and no STRATA_TEST_PG_URL)                        |\n");
	}
	stats_rows();
	unlink(path);
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", path);
	unlink(wal);
	rmdir(dir);
	return 0;
}
