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

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strata_error_last()->message);
	exit(1);
}

#define CHECK(x)                 \
	do {                     \
		if ((x) != STRATA_OK) \
			die(#x);  \
	} while (0)

/* ---- Strata, either backend ---- */

static double strata_insert(strata_db *db)
{
	CHECK(strata_exec(db, "DROP TABLE IF EXISTS bench_t; CREATE TABLE bench_t (id BIGINT PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL)"));
	double t0 = now();
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
	return now() - t0;
}

static double strata_read(strata_db *db)
{
	double t0 = now();
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
	return now() - t0;
}

/* ---- raw SQLite ---- */

static double raw_sqlite_insert(sqlite3 *db)
{
	sqlite3_exec(db, "DROP TABLE IF EXISTS bench_t; CREATE TABLE bench_t (id BIGINT PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL)", NULL, NULL, NULL);
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
	pq_ok(c, PQexec(c, "DROP TABLE IF EXISTS bench_t; CREATE TABLE bench_t (id BIGINT PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL)"), "create");
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

static double best(double a, double b)
{
	return a < b ? a : b;
}

static void row(const char *backend, const char *op, double raw, double st)
{
	printf("| %-10s | %-22s | %12.0f | %12.0f | %5.3f |\n", backend, op, rows / raw, rows / st, raw / st);
}

/* Best times of Strata with statistics off and on, per backend and operation. */
static double qs_off[2][2], qs_on[2][2];

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
	printf("\nPer-query statistics (query_stats on against off, same loops; target: at most 5%% slower)\n\n");
	printf("| %-10s | %-22s | %12s | %12s | %8s | %-7s |\n", "backend", "operation", "off ops/s", "on ops/s",
	       "overhead", "target");
	printf("|------------|------------------------|--------------|--------------|----------|---------|\n");
	for (int b = 0; b < 2; b++)
		for (int o = 0; o < 2; o++) {
			if (qs_off[b][o] <= 0)
				continue;
			double overhead = (qs_on[b][o] / qs_off[b][o] - 1) * 100;
			printf("| %-10s | %-22s | %12.0f | %12.0f | %7.1f%% | %-7s |\n", backends[b], ops[o], rows / qs_off[b][o],
			       rows / qs_on[b][o], overhead, overhead <= 5.0 ? "met" : "not met");
		}
}

int main(int argc, char **argv)
{
	const char *pg = getenv("STRATA_TEST_PG_URL");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			rows = atoi(argv[++i]);
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc)
			pg = argv[++i];
		else {
			fprintf(stderr, "usage: bench_statements [--rows N] [--reps R] [--pg URL]\n");
			return 2;
		}
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
	sqlite3_exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	sqlite3_busy_timeout(raw, 5000);
	strata_db *dbq = open_with_stats(url);
	double ri = 1e9, si = 1e9, rr = 1e9, sr = 1e9, qi = 1e9, qr = 1e9;
	for (int r = 0; r < reps; r++) {
		ri = best(ri, raw_sqlite_insert(raw));
		rr = best(rr, raw_sqlite_read(raw));
		si = best(si, strata_insert(db));
		sr = best(sr, strata_read(db));
		qi = best(qi, strata_insert(dbq));
		qr = best(qr, strata_read(dbq));
	}
	row("sqlite", "insert (1 transaction)", ri, si);
	row("sqlite", "read by primary key", rr, sr);
	qs_off[0][0] = si, qs_off[0][1] = sr, qs_on[0][0] = qi, qs_on[0][1] = qr;
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
		ri = si = rr = sr = qi = qr = 1e9;
		for (int r = 0; r < reps; r++) {
			ri = best(ri, raw_pg_insert(c));
			rr = best(rr, raw_pg_read(c));
			si = best(si, strata_insert(db));
			sr = best(sr, strata_read(db));
			qi = best(qi, strata_insert(dbq));
			qr = best(qr, strata_read(dbq));
		}
		row("postgres", "insert (1 transaction)", ri, si);
		row("postgres", "read by primary key", rr, sr);
		qs_off[1][0] = si, qs_off[1][1] = sr, qs_on[1][0] = qi, qs_on[1][1] = qr;
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
