/*
 * The migration engine at scale: N trivial migrations (default 1,000), each
 * a CREATE TABLE and an INSERT; time to read and parse the directory, to
 * apply them all with `up` (each in its own transaction with its ledger
 * row, under the lock), and `status` over N applied (best of 5).  SQLite
 * (a file, WAL) and PostgreSQL (a new database on the server named by
 * --pg or STRATA_TEST_PG_URL).  Prints a table; exits 0.
 *
 * Then side by side, as commands, on the same files in the same run:
 * `strata migrate up` and `status` beside dbmate's native binary
 * (bench/dbmate.h: $DBMATE, build/node_modules from `npm install dbmate
 * --prefix build`, or PATH; npm's node script is resolved to the binary it
 * runs; skipped with a note when absent), and the limit: the same
 * statements through one sqlite3 / psql session, each migration in its own
 * transaction.  Beside `status`, `strata ping` on the same database: the
 * start-up and connection every command pays, so the table shows how much
 * of `status` is Strata's own work.  Medians of interleaved runs; the
 * targets and whether they are met are printed.
 *
 *   bench_migrate [--count N] [--pg URL] [--strata BIN] [--runs N]
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

#include "dbmate.h"

extern char **environ;

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

/*
 * Wall time of a command run straight from its argv (posix_spawnp; output
 * to /dev/null), not through a shell, whose start-up (several ms here)
 * would count for each tool alike and pull every ratio towards 1; exits
 * when it fails.
 */
static double timed(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	double t0 = now();
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	int status = 0;
	if (rc == 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	double t = now() - t0;
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_migrate: failed:");
		for (int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n");
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

typedef struct side {
	const char *backend;
	double up_strata, up_dbmate, up_limit, st_strata, st_dbmate;
	double ping; /* `strata ping`: start, connect, one trivial query: the floor under any command */
} side;

/* Each tool's own empty database for one repetition: SQLite files under root, or new PostgreSQL databases. */
typedef struct targets {
	const char *root, *pg_base, *sql; /* pg_base NULL: SQLite */
	char u_strata[4400], u_dbmate[4400], limit_db[4400], read_sql[4400];
	char *limit[9]; /* sqlite3 or psql running the same statements */
	char *made[3];
} targets;

static void targets_make(targets *t, int rep)
{
	if (!t->pg_base) {
		snprintf(t->u_strata, sizeof t->u_strata, "sqlite:%s/side_strata_%d.db", t->root, rep);
		snprintf(t->u_dbmate, sizeof t->u_dbmate, "sqlite:%s/side_dbmate_%d.db", t->root, rep);
		snprintf(t->limit_db, sizeof t->limit_db, "%s/side_limit_%d.db", t->root, rep);
		snprintf(t->read_sql, sizeof t->read_sql, ".read %s", t->sql);
		char *const argv[] = { "sqlite3", t->limit_db, "PRAGMA journal_mode=WAL", t->read_sql, NULL };
		memcpy(t->limit, argv, sizeof argv);
		return;
	}
	static const char tag[] = { 's', 'd', 'l' };
	for (int k = 0; k < 3; k++) {
		char name[64];
		snprintf(name, sizeof name, "bench_side_%c_%d_%d", tag[k], (int)getpid(), rep);
		t->made[k] = pg_url_for(t->pg_base, name);
		CHECK(strata_database_create(t->made[k], NULL));
	}
	snprintf(t->u_strata, sizeof t->u_strata, "%s", t->made[0]);
	/* dbmate wants sslmode spelled out for a server without TLS */
	snprintf(t->u_dbmate, sizeof t->u_dbmate, "%s%ssslmode=disable", t->made[1],
		 strchr(t->made[1], '?') ? "&" : "?");
	snprintf(t->limit_db, sizeof t->limit_db, "%s", t->made[2]);
	char *const argv[] = { "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", t->limit_db, "-f", (char *)t->sql, NULL };
	memcpy(t->limit, argv, sizeof argv);
}

static void targets_drop(targets *t)
{
	for (int k = 0; k < 3 && t->pg_base; k++) {
		CHECK(strata_database_drop(t->made[k], NULL));
		free(t->made[k]);
		t->made[k] = NULL;
	}
}

/*
 * One backend side by side: `runs` repetitions of `up` into fresh
 * databases (strata, dbmate and the limit in turn, so all see the same
 * machine, each first in one repetition of three), medians; then `status`
 * over the last repetition's, interleaved.
 */
static side side_by_side(const char *backend, targets *t, const char *dir)
{
	side s = { backend, 0, -1, 0, 0, -1, 0 };
	double us[15], ud[15], ul[15];
	char *d = (char *)dir;
	int nr = runs > 15 ? 15 : runs;
	for (int r = 0; r < nr; r++) {
		if (r > 0)
			targets_drop(t);
		targets_make(t, r);
		/*
		 * The order turns with each repetition: on PostgreSQL whoever runs
		 * first after the new databases are made was measured up to 0.7 s
		 * slower over 1,000 migrations, so a fixed order favours the last.
		 */
		for (int k = 0; k < 3; k++) {
			int who = (r + k) % 3;
			if (who == 0)
				us[r] = timed((char *const[]){ strata_bin, "migrate", "up", "--url", t->u_strata,
							       "--dir", d, NULL });
			else if (who == 1 && dbmate_bin[0])
				ud[r] = timed((char *const[]){ dbmate_bin, "--url", t->u_dbmate, "--migrations-dir", d,
							       "--no-dump-schema", "up", NULL });
			else if (who == 2)
				ul[r] = timed(t->limit);
		}
	}
	s.up_strata = median(us, nr);
	if (dbmate_bin[0])
		s.up_dbmate = median(ud, nr);
	s.up_limit = median(ul, nr);
	double a[15], b[15], p[15];
	int n = runs * 3 > 15 ? 15 : runs * 3;
	for (int i = 0; i < n; i++) { /* interleaved: all see the same machine */
		a[i] = timed(
			(char *const[]){ strata_bin, "migrate", "status", "--url", t->u_strata, "--dir", d, NULL });
		p[i] = timed((char *const[]){ strata_bin, "ping", "--url", t->u_strata, NULL });
		if (dbmate_bin[0])
			b[i] = timed((char *const[]){ dbmate_bin, "--url", t->u_dbmate, "--migrations-dir", d, "status",
						      NULL });
	}
	s.st_strata = median(a, n);
	s.ping = median(p, n);
	if (dbmate_bin[0])
		s.st_dbmate = median(b, n);
	targets_drop(t);
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
	const char *dbmate = dbmate_find(NULL, d);
	if (dbmate)
		snprintf(dbmate_bin, sizeof dbmate_bin, "%s", dbmate);
}

static void print_ratio(double a, double b)
{
	if (b > 0)
		printf(" %8.2fx |", a / b);
	else
		printf(" %9s |", "-");
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
	char sql[4300];
	snprintf(sql, sizeof sql, "%s/limit.sql", root);
	write_baseline_sql(sql);
	bool have_sqlite3 = system("command -v sqlite3 >/dev/null 2>&1") == 0;
	bool have_psql = system("command -v psql >/dev/null 2>&1") == 0;
	if (have_sqlite3) {
		targets t = { .root = root, .sql = sql };
		sides[nsides++] = side_by_side("SQLite", &t, dir);
	} else {
		fprintf(stderr, "bench_migrate: no sqlite3 on PATH: the SQLite side by side is skipped\n");
	}
	if (pg && *pg && have_psql) {
		targets t = { .root = root, .pg_base = pg, .sql = sql };
		sides[nsides++] = side_by_side("PostgreSQL", &t, dir);
	}
	if (!dbmate_bin[0])
		printf("\ndbmate not found ($DBMATE, PATH, or `npm install dbmate --prefix build`): its columns are "
		       "empty\n");
	printf("\nSide by side, as commands (%d files; up: median of %d interleaved runs, each into new databases; "
	       "status: median of %d; limit: one %s session, each migration in its own transaction)\n\n",
	       count, runs > 15 ? 15 : runs, runs * 3 > 15 ? 15 : runs * 3, "sqlite3/psql");
	printf("| %-10s | %10s | %10s | %10s | %10s | %10s | %12s | %12s | %10s | %11s |\n", "backend", "up strata",
	       "up dbmate", "up limit", "vs dbmate", "vs limit", "status strata", "status dbmate", "vs dbmate",
	       "strata ping");
	printf("|------------|------------|------------|------------|------------|------------|---------------|-----"
	       "----------|------------|-------------|\n");
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
		printf(" %8.1f ms |\n", s->ping * 1e3);
	}
	printf("\n(strata ping: start, connect and one trivial query, the floor under every command on that "
	       "backend; status minus ping is what status adds to it)\n");
	printf("\n| target | measured | met |\n|---|---|---|\n");
	for (int i = 0; i < nsides; i++) {
		side *s = &sides[i];
		if (s->st_dbmate > 0)
			printf("| %s `migrate status` over %d applied <= 0.5x dbmate | %.2fx (`strata ping` alone: "
			       "%.2fx) | %s |\n",
			       s->backend, count, s->st_strata / s->st_dbmate, s->ping / s->st_dbmate,
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
