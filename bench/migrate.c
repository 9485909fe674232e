/*
 * The migration engine at scale: N trivial migrations (default 1,000), each
 * a CREATE TABLE and an INSERT; time to read and parse the directory, to
 * apply them all with `up` (each in its own transaction with its ledger
 * row, under the lock), and `status` over N applied (best of 5).  SQLite
 * (a file, WAL) and PostgreSQL (a new database on the server named by
 * --pg or STRATA_TEST_PG_URL).  Prints a table; exits 0.
 *
 *   bench_migrate [--count N] [--pg URL]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

static int count = 1000;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_migrate: %s: %s\n", what, strata_error_last()->message);
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
	for (int i = 1; i <= count; i++) {
		if (snprintf(path, sizeof path, "%.4000s/%014d_bench_%d.sql", dir, i, i) >= (int)sizeof path)
			exit(1);
		FILE *f = fopen(path, "w");
		if (!f) {
			perror(path);
			exit(1);
		}
		fprintf(f, "-- migrate:up\nCREATE TABLE bench_%d (id integer PRIMARY KEY, v text);\n"
			   "INSERT INTO bench_%d (id, v) VALUES (1, 'one');\n"
			   "-- migrate:down\nDROP TABLE bench_%d;\n",
			i, i, i);
		fclose(f);
	}
}

typedef struct result {
	const char *backend;
	double parse_s, up_s, status_s;
} result;

static result run(const char *backend, const char *url, const char *dir)
{
	result r = { backend, 0, 0, 1e9 };
	strata_db *db = NULL;
	strata_migrator *m = NULL;
	strata_migrate_options o = STRATA_MIGRATE_OPTIONS_INIT;
	o.dir = dir;
	CHECK(strata_open(&db, url, NULL));
	double t0 = now();
	CHECK(strata_migrator_open(&m, db, &o));
	r.parse_s = now() - t0;
	size_t applied = 0;
	t0 = now();
	CHECK(strata_migrate_up(m, NULL, &applied));
	r.up_s = now() - t0;
	if ((int)applied != count) {
		fprintf(stderr, "bench_migrate: applied %zu of %d\n", applied, count);
		exit(1);
	}
	for (int i = 0; i < 5; i++) {
		const strata_migration_info *items;
		size_t n;
		t0 = now();
		CHECK(strata_migrate_status(m, &items, &n));
		double t = now() - t0;
		if (t < r.status_s)
			r.status_s = t;
		if ((int)n != count || items[n - 1].state != STRATA_MIGRATION_APPLIED) {
			fprintf(stderr, "bench_migrate: status shows %zu migrations\n", n);
			exit(1);
		}
	}
	strata_migrator_free(m);
	strata_close(db);
	return r;
}

/* `base` with its database name replaced by `name`. */
static char *pg_url_for(const char *base, const char *name)
{
	const char *auth = strstr(base, "://");
	const char *slash = auth ? strchr(auth + 3, '/') : NULL;
	const char *q = strchr(base, '?');
	size_t head = slash ? (size_t)(slash - base) : q ? (size_t)(q - base) : strlen(base);
	size_t n = head + strlen(name) + (q ? strlen(q) : 0) + 2;
	char *u = malloc(n);
	if (!u)
		exit(1);
	snprintf(u, n, "%.*s/%s%s", (int)head, base, name, q ? q : "");
	return u;
}

int main(int argc, char **argv)
{
	const char *pg = getenv("STRATA_TEST_PG_URL");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = atoi(argv[++i]);
		else if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc)
			pg = argv[++i];
		else {
			fprintf(stderr, "usage: bench_migrate [--count N] [--pg URL]\n");
			return 2;
		}
	}
	if (count < 1)
		count = 1;
	char tmpl[] = "/tmp/strata-bench-migrate-XXXXXX";
	char *root = mkdtemp(tmpl);
	if (!root) {
		perror("mkdtemp");
		return 1;
	}
	char dir[4200], dbfile[4200], url[4300], cmd[4400];
	snprintf(dir, sizeof dir, "%s/migrations", root);
	if (mkdir(dir, 0755) != 0) {
		perror(dir);
		return 1;
	}
	write_migrations(dir);

	result res[2];
	int nres = 0;
	snprintf(dbfile, sizeof dbfile, "%s/bench.db", root);
	snprintf(url, sizeof url, "sqlite:%s", dbfile);
	res[nres++] = run("SQLite", url, dir);
	if (pg && *pg) {
		char name[64];
		snprintf(name, sizeof name, "bench_migrate_%d", (int)getpid());
		char *pgurl = pg_url_for(pg, name);
		CHECK(strata_database_create(pgurl, NULL));
		res[nres++] = run("PostgreSQL", pgurl, dir);
		CHECK(strata_database_drop(pgurl, NULL));
		free(pgurl);
	} else {
		fprintf(stderr, "bench_migrate: no PostgreSQL (set STRATA_TEST_PG_URL or --pg): SQLite only\n");
	}

	printf("%d trivial migrations (CREATE TABLE + INSERT each), each in its own transaction with its ledger row\n\n",
	       count);
	printf("| %-10s | %16s | %10s | %13s | %16s |\n", "backend", "read+parse files", "up (all)", "per migration",
	       "status (applied)");
	printf("|------------|------------------|------------|---------------|------------------|\n");
	for (int i = 0; i < nres; i++)
		printf("| %-10s | %13.1f ms | %8.2f s | %10.2f ms | %13.1f ms |\n", res[i].backend, res[i].parse_s * 1e3,
		       res[i].up_s, res[i].up_s * 1e3 / count, res[i].status_s * 1e3);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_migrate: could not remove %s\n", root);
	return 0;
}
