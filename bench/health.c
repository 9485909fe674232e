/*
 * bench_health: strata health and strata stats on a large SQLite database
 * and on a PostgreSQL database with many tables.
 *
 *   bench_health [--size-mb N] [--pg-tables N] [--pg-url URL] [--runs N] [--dir DIR]
 *
 * SQLite: a database of about N MB (default 1024) is generated in a
 * temporary directory (or DIR, where it is kept and reused), then each of
 * `PRAGMA quick_check` alone, the whole health run and the stats are timed
 * (median of --runs, default 3, with the file in the page cache).  The
 * target: health within 1.2 times quick_check alone.
 * PostgreSQL (when --pg-url or STRATA_TEST_PG_URL names a server): a new
 * database with N tables (default 500), linked by foreign keys, timed the
 * same way, then dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>
#include <strata/health.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_health: %s: %s\n", what, strata_error_last()->message);
	exit(1);
}

/* CPU time of this process (user + system), ms: what a busy machine disturbs least. */
static double cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef enum {
	OP_QUICK_CHECK,
	OP_HEALTH,
	OP_STATS
} op;

/* One timed run of `o` on a new connection. */
static double run_once(const char *url, op o, strata_health_level *level, double *cpu)
{
	strata_db *db = NULL;
	if (strata_open(&db, url, NULL) != STRATA_OK)
		die("open");
	double t0 = now_ms(), c0 = cpu_ms();
	if (o == OP_QUICK_CHECK) {
		char *res = NULL;
		if (strata_query_text(db, &res, "PRAGMA quick_check", NULL, 0) != STRATA_OK)
			die("quick_check");
		free(res);
	} else if (o == OP_HEALTH) {
		strata_health_report *r = NULL;
		strata_health_options opts = STRATA_HEALTH_OPTIONS_INIT;
		opts.migrations_dir = "/nonexistent";
		opts.schema_file = "/nonexistent";
		opts.required_file = "/nonexistent";
		if (strata_health_run(&r, db, &opts) != STRATA_OK)
			die("health");
		if (level)
			*level = r->level;
		strata_health_report_free(r);
	} else {
		strata_stats *s = NULL;
		if (strata_stats_collect(&s, db, NULL) != STRATA_OK)
			die("stats");
		strata_stats_free(s);
	}
	double t = now_ms() - t0;
	*cpu = cpu_ms() - c0;
	strata_close(db);
	return t;
}

/*
 * Median times of the operations, interleaved run by run (qc, health,
 * stats, qc, ...) so that a busy machine slows each of them alike.
 */
static void medians(const char *url, const op *ops, size_t nops, int runs, double *out, double *cpu_out,
		    strata_health_level *level)
{
	double *t = calloc((size_t)runs * nops * 2, sizeof *t), *c = t + (size_t)runs * nops, ignored;
	if (!t)
		exit(1);
	for (size_t k = 0; k < nops; k++)
		run_once(url, ops[k], level, &ignored); /* warm the cache */
	for (int i = 0; i < runs; i++)
		for (size_t k = 0; k < nops; k++) {
			size_t at = k * (size_t)runs + (size_t)i;
			t[at] = run_once(url, ops[k], level, &c[at]);
		}
	for (size_t k = 0; k < nops; k++) {
		qsort(t + k * (size_t)runs, (size_t)runs, sizeof *t, cmp_double);
		qsort(c + k * (size_t)runs, (size_t)runs, sizeof *c, cmp_double);
		out[k] = t[k * (size_t)runs + (size_t)runs / 2];
		cpu_out[k] = c[k * (size_t)runs + (size_t)runs / 2];
	}
	free(t);
}

static void generate_sqlite(const char *url, int size_mb)
{
	strata_db *db = NULL;
	if (strata_open(&db, url, NULL) != STRATA_OK)
		die("open");
	int64_t pages = 0;
	if (strata_query_int64(db, &pages, "PRAGMA page_count", NULL, 0) != STRATA_OK)
		die("page_count");
	if (pages * 4096 >= (int64_t)size_mb * 1024 * 1024 * 9 / 10) {
		strata_close(db);
		return;
	}
	fprintf(stderr, "generating a %d MB SQLite database...\n", size_mb);
	if (strata_exec(db, "CREATE TABLE IF NOT EXISTS users (id integer PRIMARY KEY, email text NOT NULL UNIQUE, "
			    "name text NOT NULL, created_at text NOT NULL);"
			    "CREATE TABLE IF NOT EXISTS events (id integer PRIMARY KEY, user_id integer NOT NULL "
			    "REFERENCES users (id), kind text NOT NULL, payload text, created_at text NOT NULL);"
			    "CREATE INDEX IF NOT EXISTS events_user_id ON events (user_id);"
			    "CREATE INDEX IF NOT EXISTS events_kind ON events (kind, created_at);"
			    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
			    "INSERT OR IGNORE INTO users SELECT i, 'user' || i || '@example.com', 'User ' || i, "
			    "'2026-01-01T00:00:00Z' FROM n") != STRATA_OK)
		die("schema");
	/* rows of about 300 bytes with their index entries, a million at a time */
	int64_t rows = (int64_t)size_mb * 1024 * 1024 / 300;
	for (int64_t done = 0; done < rows; done += 1000000) {
		int64_t n = rows - done < 1000000 ? rows - done : 1000000;
		strata_value v[] = { STRATA_INT(done), STRATA_INT(done + n) };
		if (strata_begin(db, NULL) != STRATA_OK ||
		    strata_exec_values(
			    db,
			    "WITH RECURSIVE n(i) AS (SELECT ? + 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
			    "INSERT INTO events (user_id, kind, payload, created_at) "
			    "SELECT 1 + abs(random()) % 100000, 'kind' || (i % 20), hex(randomblob(100)), "
			    "'2026-11-22T10:00:00.000000Z' FROM n",
			    v, 2, NULL) != STRATA_OK ||
		    strata_commit(db) != STRATA_OK)
			die("insert");
		fprintf(stderr, "  %lld of %lld rows\r", (long long)(done + n), (long long)rows);
	}
	fprintf(stderr, "\n");
	if (strata_exec(db, "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)") != STRATA_OK)
		die("analyze");
	strata_close(db);
}

static char *pg_url_for(const char *base, const char *dbname)
{
	const char *auth = strstr(base, "://");
	const char *slash = auth ? strchr(auth + 3, '/') : NULL;
	const char *q = auth ? strchr(auth + 3, '?') : NULL;
	size_t head = slash ? (size_t)(slash - base) : q ? (size_t)(q - base) : strlen(base);
	size_t n = head + strlen(dbname) + (q ? strlen(q) : 0) + 2;
	char *u = malloc(n);
	if (!u)
		exit(1);
	snprintf(u, n, "%.*s/%s%s", (int)head, base, dbname, q ? q : "");
	return u;
}

static void row(const char *what, const char *op_name, double ms, double cpu, const char *note)
{
	printf("| %-24s | %-20s | %10.1f | %10.1f | %-36s |\n", what, op_name, ms, cpu, note);
}

int main(int argc, char **argv)
{
	int size_mb = 1024, pg_tables = 500, runs = 3;
	const char *pg_url = getenv("STRATA_TEST_PG_URL"), *dir_arg = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--size-mb") && i + 1 < argc)
			size_mb = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--pg-tables") && i + 1 < argc)
			pg_tables = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--pg-url") && i + 1 < argc)
			pg_url = argv[++i];
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir_arg = argv[++i];
		else {
			fprintf(stderr, "usage: bench_health [--size-mb N] [--pg-tables N] [--pg-url URL] [--runs N] "
					"[--dir DIR]\n");
			return 2;
		}
	}
	if (size_mb < 1 || pg_tables < 1 || runs < 1) {
		fprintf(stderr, "bench_health: sizes and runs must be positive\n");
		return 2;
	}
	char tmpl[] = "/tmp/strata-bench-health-XXXXXX";
	const char *dir = dir_arg ? dir_arg : mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	char url[4200], label[64], note[96];
	snprintf(url, sizeof url, "sqlite:%s/bench.db", dir);
	generate_sqlite(url, size_mb);

	printf("| %-24s | %-20s | %10s | %10s | %-36s |\n", "database", "operation", "wall ms", "CPU ms", "(medians)");
	printf("|--------------------------|----------------------|------------|------------|--------------------------"
	       "------------|\n");
	snprintf(label, sizeof label, "SQLite, %d MB", size_mb);
	strata_health_level level = STRATA_HEALTH_OK;
	static const op sqlite_ops[] = { OP_QUICK_CHECK, OP_HEALTH, OP_STATS };
	double m[3], cpu[3];
	medians(url, sqlite_ops, 3, runs, m, cpu, &level);
	double qc = m[0], health = m[1], stats = m[2];
	row(label, "PRAGMA quick_check", qc, cpu[0], "baseline");
	snprintf(note, sizeof note, "%.2fx wall, %.2fx CPU (target 1.2x)", health / qc, cpu[1] / cpu[0]);
	row(label, "strata health", health, cpu[1], note);
	snprintf(note, sizeof note, "%.2fx wall, %.2fx CPU", stats / qc, cpu[2] / cpu[0]);
	row(label, "strata stats", stats, cpu[2], note);
	if (level != STRATA_HEALTH_OK)
		fprintf(stderr, "note: the SQLite database's health is %s\n", strata_health_level_name(level));

	if (pg_url && *pg_url) {
		char name[64];
		snprintf(name, sizeof name, "bench_health_%d", (int)getpid());
		strata_db *admin = NULL;
		if (strata_open(&admin, pg_url, NULL) != STRATA_OK)
			die("connect to PostgreSQL");
		char sql[256];
		snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
		if (strata_exec(admin, sql) != STRATA_OK)
			die("create database");
		char *purl = pg_url_for(pg_url, name);
		strata_db *db = NULL;
		if (strata_open(&db, purl, NULL) != STRATA_OK)
			die("open");
		fprintf(stderr, "creating %d PostgreSQL tables...\n", pg_tables);
		if (strata_begin(db, NULL) != STRATA_OK)
			die("begin");
		for (int i = 0; i < pg_tables; i++) {
			char ddl[1024];
			snprintf(ddl, sizeof ddl,
				 "CREATE TABLE t%d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent_id "
				 "bigint%s, "
				 "name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"
				 "CREATE INDEX t%d_name ON t%d (name);"
				 "INSERT INTO t%d (parent_id, name) SELECT %s, 'row ' || g FROM generate_series(1, "
				 "100) g",
				 i, i ? " REFERENCES t0 (id)" : "", i, i, i, i ? "1 + g % 100" : "NULL");
			if (strata_exec(db, ddl) != STRATA_OK)
				die("create tables");
			if (i)
				snprintf(ddl, sizeof ddl, "CREATE INDEX t%d_parent ON t%d (parent_id)", i, i);
			if (i && strata_exec(db, ddl) != STRATA_OK)
				die("create index");
		}
		if (strata_commit(db) != STRATA_OK || strata_exec(db, "ANALYZE") != STRATA_OK)
			die("commit");
		strata_close(db);
		snprintf(label, sizeof label, "PostgreSQL, %d tables", pg_tables);
		static const op pg_ops[] = { OP_HEALTH, OP_STATS };
		medians(purl, pg_ops, 2, runs, m, cpu, NULL);
		row(label, "strata health", m[0], cpu[0], "client CPU only");
		row(label, "strata stats", m[1], cpu[1], "exact counts of small tables");
		snprintf(sql, sizeof sql, "DROP DATABASE \"%s\" WITH (FORCE)", name);
		strata_exec(admin, sql);
		strata_close(admin);
		free(purl);
	}
	if (!dir_arg) {
		char path[4300];
		static const char *const files[] = { "bench.db", "bench.db-wal", "bench.db-shm" };
		for (size_t i = 0; i < 3; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, files[i]);
			unlink(path);
		}
		rmdir(dir);
	}
	return 0;
}
