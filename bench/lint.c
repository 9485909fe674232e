/*
 * The linter at scale: 1,000 migration files (each adds a table, a column
 * and an index to the growing schema; every tenth has a flaw) linted as
 * PostgreSQL (libpg_query) and as SQLite (tokenizer plus the scratch
 * database every file is applied to, down and up again), and a live
 * database of 500 tables (each with a foreign key, an index and ten
 * columns) read back and linted, on SQLite (a file) and PostgreSQL (a new
 * database on the server named by --pg or STRATA_TEST_PG_URL).  Best of
 * 3 (wall time; CPU time of this process beside it, since the live
 * PostgreSQL case spends most of its time in the server).  Prints a table;
 * exits 0.
 *
 *   bench_lint [--files N] [--tables N] [--pg URL]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

static int nfiles = 1000, ntables = 500;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_lint: %s: %s\n", what, strata_error_last()->message);
	exit(1);
}

#define CHECK(x)                      \
	do {                          \
		if ((x) != STRATA_OK) \
			die(#x);      \
	} while (0)

static void write_migrations(const char *dir)
{
	char path[4400];
	for (int i = 1; i <= nfiles; i++) {
		if (snprintf(path, sizeof path, "%.4000s/%014d_step_%d.sql", dir, i, i) >= (int)sizeof path)
			exit(1);
		FILE *f = fopen(path, "w");
		if (!f) {
			perror(path);
			exit(1);
		}
		fprintf(f,
			"-- migrate:up\n"
			"CREATE TABLE IF NOT EXISTS t%d (id bigint PRIMARY KEY, name varchar(100) NOT NULL, "
			"parent_id bigint REFERENCES t%d (id) ON DELETE CASCADE);\n"
			"CREATE INDEX IF NOT EXISTS t%d_parent_idx ON t%d (parent_id);\n",
			i, i, i, i);
		if (i > 1)
			fprintf(f, "ALTER TABLE t%d ADD COLUMN note%d varchar(200);\n", i - 1, i);
		if (i % 10 == 0)
			fprintf(f, "DELETE FROM t%d;\n", i - 1);
		fprintf(f, "-- migrate:down\n");
		if (i > 1)
			fprintf(f, "ALTER TABLE t%d DROP COLUMN note%d;\n", i - 1, i);
		fprintf(f, "DROP TABLE IF EXISTS t%d;\n", i);
		fclose(f);
	}
}

typedef struct row {
	const char *what, *dialect;
	int items;
	double secs, cpu;
	size_t findings;
} row;

static row rows[8];
static int nrows;

static void bench_migrations(const char *dir, strata_backend d)
{
	double best = 1e9, bestc = 1e9;
	size_t found = 0;
	for (int rep = 0; rep < 3; rep++) {
		strata_lint_report *r;
		CHECK(strata_lint_report_new(&r));
		strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
		o.dialect = d;
		double t0 = now(), c0 = cpu();
		CHECK(strata_lint_migrations_dir(r, dir, &o));
		double t = now() - t0, c = cpu() - c0;
		if (t < best)
			best = t;
		if (c < bestc)
			bestc = c;
		found = strata_lint_report_count(r);
		strata_lint_report_free(r);
	}
	rows[nrows++] = (row){
		"migration files", d == STRATA_BACKEND_SQLITE ? "SQLite" : "PostgreSQL", nfiles, best, bestc, found
	};
}

static void bench_db(const char *url, strata_backend d)
{
	strata_db *db;
	CHECK(strata_open(&db, url, NULL));
	CHECK(strata_exec(db, "BEGIN"));
	char sql[2048];
	for (int i = 1; i <= ntables; i++) {
		int n = snprintf(
			sql, sizeof sql,
			"CREATE TABLE live%d (id bigint PRIMARY KEY, parent_id bigint REFERENCES live%d (id) "
			"ON DELETE CASCADE, owner_id bigint, title varchar(200) NOT NULL, body text, "
			"status varchar(20), amount numeric(12,2), created_at timestamp, updated_at timestamp, "
			"flags integer)",
			i, i > 1 ? i - 1 : i);
		if (n < 0 || n >= (int)sizeof sql)
			exit(1);
		CHECK(strata_exec(db, sql));
		snprintf(sql, sizeof sql, "CREATE INDEX live%d_parent_idx ON live%d (parent_id)", i, i);
		CHECK(strata_exec(db, sql));
	}
	CHECK(strata_exec(db, "COMMIT"));
	double best = 1e9, bestc = 1e9;
	size_t found = 0;
	for (int rep = 0; rep < 3; rep++) {
		strata_lint_report *r;
		CHECK(strata_lint_report_new(&r));
		double t0 = now(), c0 = cpu();
		CHECK(strata_lint_db(r, db, NULL));
		double t = now() - t0, c = cpu() - c0;
		if (t < best)
			best = t;
		if (c < bestc)
			bestc = c;
		found = strata_lint_report_count(r);
		strata_lint_report_free(r);
	}
	strata_close(db);
	rows[nrows++] = (row){ "live database tables",
			       d == STRATA_BACKEND_SQLITE ? "SQLite" : "PostgreSQL",
			       ntables,
			       best,
			       bestc,
			       found };
}

int main(int argc, char **argv)
{
	const char *pg = getenv("STRATA_TEST_PG_URL");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--files") && i + 1 < argc)
			nfiles = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tables") && i + 1 < argc)
			ntables = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--pg") && i + 1 < argc)
			pg = argv[++i];
		else {
			fprintf(stderr, "usage: bench_lint [--files N] [--tables N] [--pg URL]\n");
			return 2;
		}
	}
	if (nfiles < 1 || ntables < 1)
		return 2;
	char tmpl[] = "/tmp/strata-bench-lint-XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	char mdir[4200], dbpath[4200], cmd[4300];
	snprintf(mdir, sizeof mdir, "%s/migrations", dir);
	mkdir(mdir, 0700);
	write_migrations(mdir);
	bench_migrations(mdir, STRATA_BACKEND_POSTGRES);
	bench_migrations(mdir, STRATA_BACKEND_SQLITE);

	snprintf(dbpath, sizeof dbpath, "sqlite:%s/live.db", dir);
	bench_db(dbpath, STRATA_BACKEND_SQLITE);
	if (pg && *pg) {
		/* A fresh database next to the one the URL names. */
		strata_db *admin;
		CHECK(strata_open(&admin, pg, NULL));
		char name[64];
		snprintf(name, sizeof name, "strata_bench_lint_%ld", (long)getpid());
		snprintf(cmd, sizeof cmd, "CREATE DATABASE %s", name);
		CHECK(strata_exec(admin, cmd));
		char url[4200];
		const char *slash = strrchr(pg, '/');
		const char *q = strchr(slash ? slash : pg, '?');
		snprintf(url, sizeof url, "%.*s/%s%s", (int)(slash ? slash - pg : (long)strlen(pg)), pg, name,
			 q ? q : "");
		bench_db(url, STRATA_BACKEND_POSTGRES);
		snprintf(cmd, sizeof cmd, "DROP DATABASE %s", name);
		CHECK(strata_exec(admin, cmd));
		strata_close(admin);
	} else {
		fprintf(stderr, "bench_lint: no --pg or STRATA_TEST_PG_URL: PostgreSQL live database skipped\n");
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_lint: could not remove %s\n", dir);

	printf("| what | dialect | items | wall, best of 3 | per item | CPU (this process) | findings |\n");
	printf("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
	for (int i = 0; i < nrows; i++)
		printf("| %s | %s | %d | %.1f ms | %.3f ms | %.1f ms | %zu |\n", rows[i].what, rows[i].dialect,
		       rows[i].items, rows[i].secs * 1e3, rows[i].secs * 1e3 / rows[i].items, rows[i].cpu * 1e3,
		       rows[i].findings);
	return 0;
}
