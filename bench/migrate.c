/*
 * The migration engine at scale: N trivial migrations (default 1,000), each
 * a CREATE TABLE and an INSERT; time to read and parse the directory, to
 * apply them all with `up` (each in its own transaction with its ledger
 * row, under the lock), and `status` over N applied (best of 5).  SQLite
 * (a file, WAL) and PostgreSQL (a new database on the server named by
 * --pg or STRATA_TEST_PG_URL).  Prints a table; exits 0.
 *
 * Then side by side, as commands, on the same files in the same run:
 * `strata migrate up` and `status` beside dbmate's (found as $DBMATE, on
 * PATH, or in build/node_modules/.bin from `npm install dbmate --prefix
 * build`; skipped with a note when absent), and the limit: the same
 * statements through one sqlite3 / psql session, each migration in its own
 * transaction.  Medians of interleaved runs; the targets and whether they
 * are met are printed.
 *
 *   bench_migrate [--count N] [--pg URL] [--strata BIN] [--runs N]
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

static int count = 1000;
static int runs = 3;
static char strata_bin[4500] = "strata";
static char dbmate_bin[4500] = "";

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
		fprintf(f,
			"-- migrate:up\nCREATE TABLE bench_%d (id integer PRIMARY KEY, v text);\n"
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

/* Wall time of a shell command (output discarded); exits when it fails. */
static double timed(const char *cmd)
{
	char full[20000];
	snprintf(full, sizeof full, "%s >/dev/null 2>&1", cmd);
	double t0 = now();
	int rc = system(full);
	double t = now() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench_migrate: failed: %s\n", cmd);
		exit(1);
	}
	return t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The up sections of the files, each in BEGIN ... COMMIT: what the limit runs. */
static void write_baseline_sql(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	for (int i = 1; i <= count; i++)
		fprintf(f,
			"BEGIN;\nCREATE TABLE bench_%d (id integer PRIMARY KEY, v text);\n"
			"INSERT INTO bench_%d (id, v) VALUES (1, 'one');\nCOMMIT;\n",
			i, i);
	fclose(f);
}

typedef struct side {
	const char *backend;
	double up_strata, up_dbmate, up_limit, st_strata, st_dbmate;
} side;

/*
 * One backend side by side.  url(tool) gives each tool its own empty
 * database; `limit_cmd` runs the baseline SQL file into the limit's.
 */
static side side_by_side(const char *backend, const char *u_strata, const char *u_dbmate, const char *limit_cmd,
			 const char *dir)
{
	side s = { backend, 0, -1, 0, 0, -1 };
	char cmd[16000];
	snprintf(cmd, sizeof cmd, "'%s' migrate up --url '%s' --dir '%s'", strata_bin, u_strata, dir);
	s.up_strata = timed(cmd);
	if (dbmate_bin[0]) {
		snprintf(cmd, sizeof cmd, "'%s' --url '%s' --migrations-dir '%s' --no-dump-schema up", dbmate_bin,
			 u_dbmate, dir);
		s.up_dbmate = timed(cmd);
	}
	s.up_limit = timed(limit_cmd);
	double a[15], b[15];
	int n = runs * 3 > 15 ? 15 : runs * 3;
	for (int i = 0; i < n; i++) { /* interleaved: both see the same machine */
		snprintf(cmd, sizeof cmd, "'%s' migrate status --url '%s' --dir '%s'", strata_bin, u_strata, dir);
		a[i] = timed(cmd);
		if (dbmate_bin[0]) {
			snprintf(cmd, sizeof cmd, "'%s' --url '%s' --migrations-dir '%s' status", dbmate_bin, u_dbmate,
				 dir);
			b[i] = timed(cmd);
		}
	}
	s.st_strata = median(a, n);
	if (dbmate_bin[0])
		s.st_dbmate = median(b, n);
	return s;
}

static void find_tools(const char *argv0)
{
	char self[4200];
	snprintf(self, sizeof self, "%s", argv0);
	const char *d = dirname(self);
	char p[4400];
	if (strcmp(strata_bin, "strata") == 0) {
		snprintf(p, sizeof p, "%s/strata", d);
		if (access(p, X_OK) == 0)
			snprintf(strata_bin, sizeof strata_bin, "%s", p);
	}
	const char *env = getenv("DBMATE");
	if (env && *env && access(env, X_OK) == 0) {
		snprintf(dbmate_bin, sizeof dbmate_bin, "%s", env);
		return;
	}
	snprintf(p, sizeof p, "%s/node_modules/.bin/dbmate", d);
	if (access(p, X_OK) == 0) {
		snprintf(dbmate_bin, sizeof dbmate_bin, "%s", p);
		return;
	}
	if (system("command -v dbmate >/dev/null 2>&1") == 0)
		snprintf(dbmate_bin, sizeof dbmate_bin, "dbmate");
}

static void print_ratio(double a, double b)
{
	if (b > 0)
		printf(" %8.2fx |", a / b);
	else
		printf(" %9s |", "-");
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
		else if (strcmp(argv[i], "--strata") == 0 && i + 1 < argc)
			snprintf(strata_bin, sizeof strata_bin, "%s", argv[++i]);
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
		else {
			fprintf(stderr, "usage: bench_migrate [--count N] [--pg URL] [--strata BIN] [--runs N]\n");
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
	find_tools(argv[0]);

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

	printf("%d trivial migrations (CREATE TABLE + INSERT each), each in its own transaction with its ledger "
	       "row\n\n",
	       count);
	printf("| %-10s | %16s | %10s | %13s | %16s |\n", "backend", "read+parse files", "up (all)", "per migration",
	       "status (applied)");
	printf("|------------|------------------|------------|---------------|------------------|\n");
	for (int i = 0; i < nres; i++)
		printf("| %-10s | %13.1f ms | %8.2f s | %10.2f ms | %13.1f ms |\n", res[i].backend,
		       res[i].parse_s * 1e3, res[i].up_s, res[i].up_s * 1e3 / count, res[i].status_s * 1e3);

	/* side by side, as commands */
	side sides[2];
	int nsides = 0;
	char sql[4300], limit[9000], u1[4400], u2[4400];
	snprintf(sql, sizeof sql, "%s/limit.sql", root);
	write_baseline_sql(sql);
	bool have_sqlite3 = system("command -v sqlite3 >/dev/null 2>&1") == 0;
	bool have_psql = system("command -v psql >/dev/null 2>&1") == 0;
	if (have_sqlite3) {
		snprintf(u1, sizeof u1, "sqlite:%s/side_strata.db", root);
		snprintf(u2, sizeof u2, "sqlite:%s/side_dbmate.db", root);
		snprintf(limit, sizeof limit, "sqlite3 '%s/side_limit.db' 'PRAGMA journal_mode=WAL' '.read %s'", root,
			 sql);
		sides[nsides++] = side_by_side("SQLite", u1, u2, limit, dir);
	} else {
		fprintf(stderr, "bench_migrate: no sqlite3 on PATH: the SQLite side by side is skipped\n");
	}
	if (pg && *pg && have_psql) {
		char n1[64], n2[64], n3[64];
		snprintf(n1, sizeof n1, "bench_side_s_%d", (int)getpid());
		snprintf(n2, sizeof n2, "bench_side_d_%d", (int)getpid());
		snprintf(n3, sizeof n3, "bench_side_l_%d", (int)getpid());
		char *a = pg_url_for(pg, n1), *b = pg_url_for(pg, n2), *c = pg_url_for(pg, n3);
		CHECK(strata_database_create(a, NULL));
		CHECK(strata_database_create(b, NULL));
		CHECK(strata_database_create(c, NULL));
		/* dbmate wants sslmode spelled out for a server without TLS */
		char bu[4400];
		snprintf(bu, sizeof bu, "%s%ssslmode=disable", b, strchr(b, '?') ? "&" : "?");
		snprintf(limit, sizeof limit, "psql -X -q -v ON_ERROR_STOP=1 '%s' -f '%s'", c, sql);
		sides[nsides++] = side_by_side("PostgreSQL", a, bu, limit, dir);
		CHECK(strata_database_drop(a, NULL));
		CHECK(strata_database_drop(b, NULL));
		CHECK(strata_database_drop(c, NULL));
		free(a);
		free(b);
		free(c);
	}
	if (!dbmate_bin[0])
		printf("\ndbmate not found ($DBMATE, PATH, or `npm install dbmate --prefix build`): its columns are "
		       "empty\n");
	printf("\nSide by side, as commands (%d files; status: median of %d interleaved runs; limit: one %s session, "
	       "each migration in its own transaction)\n\n",
	       count, runs * 3 > 15 ? 15 : runs * 3, "sqlite3/psql");
	printf("| %-10s | %10s | %10s | %10s | %10s | %10s | %12s | %12s | %10s |\n", "backend", "up strata",
	       "up dbmate", "up limit", "vs dbmate", "vs limit", "status strata", "status dbmate", "vs dbmate");
	printf("|------------|------------|------------|------------|------------|------------|---------------|-----"
	       "----------|------------|\n");
	for (int i = 0; i < nsides; i++) {
		side *s = &sides[i];
		printf("| %-10s | %8.2f s | ", s->backend, s->up_strata);
		if (s->up_dbmate >= 0)
			printf("%8.2f s |", s->up_dbmate);
		else
			printf("%10s |", "-");
		printf(" %8.2f s |", s->up_limit);
		print_ratio(s->up_strata, s->up_dbmate);
		print_ratio(s->up_strata, s->up_limit);
		printf(" %10.1f ms | ", s->st_strata * 1e3);
		if (s->st_dbmate >= 0)
			printf("%10.1f ms |", s->st_dbmate * 1e3);
		else
			printf("%13s |", "-");
		print_ratio(s->st_strata, s->st_dbmate);
		printf("\n");
	}
	printf("\n| target | measured | met |\n|---|---|---|\n");
	for (int i = 0; i < nsides; i++) {
		side *s = &sides[i];
		if (s->st_dbmate > 0)
			printf("| %s `migrate status` over %d applied <= 0.5x dbmate | %.2fx | %s |\n", s->backend,
			       count, s->st_strata / s->st_dbmate,
			       s->st_strata <= 0.5 * s->st_dbmate ? "met" : "not met");
		else
			printf("| %s `migrate status` <= 0.5x dbmate | dbmate absent | not measured |\n", s->backend);
		if (strcmp(s->backend, "PostgreSQL") == 0)
			printf("| PostgreSQL `up` over %d trivial migrations <= 0.9x psql (one transaction each) | "
			       "%.2fx | "
			       "%s |\n",
			       count, s->up_strata / s->up_limit,
			       s->up_strata <= 0.9 * s->up_limit ? "met" : "not met");
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_migrate: could not remove %s\n", root);
	return 0;
}
