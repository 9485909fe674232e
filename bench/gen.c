/*
 * Generated data access (examples/tasks through `strata gen c`) against
 * hand-written raw code doing the same work: the same SQL, the same
 * values, the same conversions (timestamps to ISO text, UUIDs to text,
 * strings copied out of the result).  SQLite against sqlite3_*, and on
 * PostgreSQL against libpq, plus insert_many against one INSERT per row.
 * Each case runs `reps` times; the best run counts.  Prints a table.
 *
 *   bench_gen [--rows N] [--reps R] [--pg URL]   (URL default: $STRATA_TEST_PG_URL)
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

#include "tasks_db.h"

static int rows = 50000, reps = 3;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_gen: %s: %s\n", what, strata_error_last()->message);
	exit(1);
}

#define CHECK(x)                 \
	do {                     \
		if ((x) != STRATA_OK) \
			die(#x);  \
	} while (0)

static double best(double a, double b)
{
	return a < b ? a : b;
}

static void apply_schema(strata_db *db)
{
	strata_schema *s;
	CHECK(strata_schema_load(&s, STRATA_BENCH_SCHEMA));
	CHECK(strata_schema_apply(db, s));
	strata_schema_free(s);
}

static user_id make_user(strata_db *db)
{
	static int n;
	char email[64];
	snprintf(email, sizeof email, "bench%d-%lld@example.com", ++n, (long long)strata_timestamp_now());
	user u = { 0 };
	u.email = email;
	u.name = "Bench";
	CHECK(user_insert(db, &u));
	return u.id;
}

/* ---- generated ---- */

__attribute__((noinline)) static double gen_insert(strata_db *db, user_id owner, int64_t *first_id)
{
	double t0 = now();
	CHECK(strata_begin(db, NULL));
	for (int i = 0; i < rows; i++) {
		task t = { 0 };
		t.title = "a task title of ordinary length";
		t.priority = (strata_opt_int32)STRATA_SOME(i % 5);
		CHECK(task_insert(db, owner, &t));
		if (i == 0)
			*first_id = t.id.v;
	}
	CHECK(strata_commit(db));
	return now() - t0;
}

__attribute__((noinline)) static double gen_insert_many(strata_db *db, user_id owner)
{
	task *batch = calloc((size_t)rows, sizeof *batch);
	for (int i = 0; i < rows; i++) {
		batch[i].title = "a task title of ordinary length";
		batch[i].priority = (strata_opt_int32)STRATA_SOME(i % 5);
	}
	double t0 = now();
	CHECK(task_insert_many(db, owner, batch, (size_t)rows));
	double t = now() - t0;
	free(batch);
	return t;
}

__attribute__((noinline)) static double gen_get(strata_db *db, user_id owner, int64_t first)
{
	double t0 = now();
	int64_t sum = 0;
	for (int i = 0; i < rows; i++) {
		task *t;
		task_id id = { first + i };
		CHECK(task_get(db, owner, id, false, &t));
		sum += t->priority.v + (int64_t)strlen(t->title);
		task_free(t);
	}
	if (sum == 0)
		die("sum");
	return now() - t0;
}

__attribute__((noinline)) static double gen_list(strata_db *db, user_id owner, int *nrows)
{
	double t0 = now();
	task_query q = { 0 };
	q.limit = 100;
	task_cursor cur = { 0 };
	*nrows = 0;
	for (;;) {
		q.after = cur.valid ? &cur : NULL;
		task_page page;
		CHECK(task_list(db, owner, &q, &page));
		*nrows += (int)page.n;
		bool more = page.has_more;
		cur = page.next;
		task_page_free(&page);
		if (!more)
			break;
	}
	return now() - t0;
}

/* ---- raw SQLite, the same statements ---- */

static const char *raw_insert_sql =
	"INSERT INTO \"tasks\" (\"created_at\", \"updated_at\", \"deleted_at\", \"user_id\", \"title\", \"priority\", \"state\", "
	"\"config\", \"labels\", \"due_date\") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING \"id\"";
static const char *raw_get_sql =
	"SELECT \"created_at\", \"updated_at\", \"deleted_at\", \"id\", \"user_id\", \"title\", \"priority\", \"state\", "
	"\"config\", \"labels\", \"due_date\" FROM \"tasks\" WHERE \"tasks\".\"id\" = ? AND \"tasks\".\"user_id\" = ? AND "
	"\"tasks\".\"deleted_at\" IS NULL";

struct raw_task {
	int64_t id, created_at, updated_at, priority;
	char *title, *state, *user_id;
};

__attribute__((noinline)) static double raw_sqlite_insert(sqlite3 *db, const strata_uuid *owner)
{
	char uid[STRATA_UUID_STRLEN + 1];
	double t0 = now();
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, raw_insert_sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "raw prepare: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	for (int i = 0; i < rows; i++) {
		char ts[STRATA_TIMESTAMP_BUFSZ];
		strata_timestamp_format(strata_timestamp_now(), ts);
		strata_uuid_format(owner, uid);
		sqlite3_bind_text(st, 1, ts, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, ts, -1, SQLITE_TRANSIENT);
		sqlite3_bind_null(st, 3);
		sqlite3_bind_text(st, 4, uid, STRATA_UUID_STRLEN, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, "a task title of ordinary length", -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 6, i % 5);
		sqlite3_bind_text(st, 7, "pending", -1, SQLITE_TRANSIENT);
		sqlite3_bind_null(st, 8);
		sqlite3_bind_null(st, 9);
		sqlite3_bind_null(st, 10);
		if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 0) <= 0 || sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "raw insert: %s\n", sqlite3_errmsg(db));
			exit(1);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return now() - t0;
}

static char *dup_col(sqlite3_stmt *st, int c)
{
	const unsigned char *p = sqlite3_column_text(st, c);
	return p ? strdup((const char *)p) : NULL;
}

__attribute__((noinline)) static double raw_sqlite_get(sqlite3 *db, const strata_uuid *owner, int64_t first)
{
	char uid[STRATA_UUID_STRLEN + 1];
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, raw_get_sql, -1, &st, NULL);
	double t0 = now();
	int64_t sum = 0;
	for (int i = 0; i < rows; i++) {
		sqlite3_bind_int64(st, 1, first + i);
		strata_uuid_format(owner, uid);
		sqlite3_bind_text(st, 2, uid, STRATA_UUID_STRLEN, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW) {
			fprintf(stderr, "raw get: no row\n");
			exit(1);
		}
		struct raw_task t;
		const char *c0 = (const char *)sqlite3_column_text(st, 0), *c1 = (const char *)sqlite3_column_text(st, 1);
		strata_timestamp_parse(c0, strlen(c0), &t.created_at);
		strata_timestamp_parse(c1, strlen(c1), &t.updated_at);
		t.id = sqlite3_column_int64(st, 3);
		strata_uuid u;
		const char *c4 = (const char *)sqlite3_column_text(st, 4);
		strata_uuid_parse(c4, strlen(c4), &u);
		t.user_id = dup_col(st, 4);
		t.title = dup_col(st, 5);
		t.priority = sqlite3_column_int64(st, 6);
		t.state = dup_col(st, 7);
		sum += t.priority + (int64_t)strlen(t.title);
		free(t.user_id);
		free(t.title);
		free(t.state);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sum == 0)
		exit(1);
	return now() - t0;
}

/* ---- raw libpq ---- */

__attribute__((noinline)) static double raw_pg_insert_each(PGconn *c, const strata_uuid *owner)
{
	char uid[STRATA_UUID_STRLEN + 1];
	strata_uuid_format(owner, uid);
	char pgsql[1024];
	/* the same statement with $n placeholders */
	snprintf(pgsql, sizeof pgsql,
		 "INSERT INTO \"tasks\" (\"created_at\", \"updated_at\", \"deleted_at\", \"user_id\", \"title\", \"priority\", "
		 "\"state\", \"config\", \"labels\", \"due_date\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING \"id\"");
	double t0 = now();
	PQclear(PQexec(c, "BEGIN"));
	PGresult *r = PQprepare(c, "raw_ins", pgsql, 10, NULL);
	PQclear(r);
	for (int i = 0; i < rows; i++) {
		char ts[STRATA_TIMESTAMP_BUFSZ], prio[8];
		strata_timestamp_format(strata_timestamp_now(), ts);
		snprintf(prio, sizeof prio, "%d", i % 5);
		const char *vals[10] = { ts, ts, NULL, uid, "a task title of ordinary length", prio, "pending", NULL, NULL, NULL };
		r = PQexecPrepared(c, "raw_ins", 10, vals, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			fprintf(stderr, "raw pg insert: %s\n", PQerrorMessage(c));
			exit(1);
		}
		PQclear(r);
	}
	PQclear(PQexec(c, "COMMIT"));
	PQclear(PQexec(c, "DEALLOCATE raw_ins"));
	return now() - t0;
}

__attribute__((noinline)) static double raw_pg_get(PGconn *c, const strata_uuid *owner, int64_t first)
{
	char uid[STRATA_UUID_STRLEN + 1];
	strata_uuid_format(owner, uid);
	char pgsql[1024];
	snprintf(pgsql, sizeof pgsql, "%s", raw_get_sql);
	/* ? -> $1, $2 */
	char *q1 = strchr(pgsql, '?');
	char rewritten[1100];
	snprintf(rewritten, sizeof rewritten, "%.*s$1%.*s$2%s", (int)(q1 - pgsql), pgsql,
		 (int)(strchr(q1 + 1, '?') - q1 - 1), q1 + 1, strchr(q1 + 1, '?') + 1);
	PQclear(PQprepare(c, "raw_get", rewritten, 2, NULL));
	double t0 = now();
	int64_t sum = 0;
	for (int i = 0; i < rows; i++) {
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)(first + i));
		const char *vals[2] = { id, uid };
		PGresult *r = PQexecPrepared(c, "raw_get", 2, vals, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
			fprintf(stderr, "raw pg get: %s\n", PQerrorMessage(c));
			exit(1);
		}
		struct raw_task t;
		strata_timestamp_parse(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), &t.created_at);
		strata_timestamp_parse(PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1), &t.updated_at);
		t.id = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
		t.user_id = strdup(PQgetvalue(r, 0, 4));
		t.title = strdup(PQgetvalue(r, 0, 5));
		t.priority = strtoll(PQgetvalue(r, 0, 6), NULL, 10);
		t.state = strdup(PQgetvalue(r, 0, 7));
		sum += t.priority + (int64_t)strlen(t.title);
		free(t.user_id);
		free(t.title);
		free(t.state);
		PQclear(r);
	}
	PQclear(PQexec(c, "DEALLOCATE raw_get"));
	if (sum == 0)
		exit(1);
	return now() - t0;
}

static void row(const char *backend, const char *op, const char *base_name, double base, double gen)
{
	printf("| %-9s | %-24s | %-22s | %11.0f | %11.0f | %6.2f |\n", backend, op, base_name, rows / base, rows / gen,
	       base / gen);
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* SQLAlchemy 1.4 Core and ORM on the same table, when Debian's python3-sqlalchemy is there. */
static void sqlalchemy(const char *url_kind, const char *url, const user_id *owner, int n)
{
	char cmd[2048], uid[STRATA_UUID_STRLEN + 1];
	strata_uuid_format(&owner->v, uid);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/bench/sqlalchemy_tasks.py '%s' %s %d 2>/dev/null",
		 STRATA_BENCH_SOURCE, url, uid, n);
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	char line[256];
	while (fgets(line, sizeof line, p)) {
		char what[64];
		double ops;
		if (sscanf(line, "%63s %lf", what, &ops) == 2)
			printf("| %-9s | %-24s | %-22s | %11.0f | %11s | %6s |\n", url_kind, what, "SQLAlchemy 1.4", ops, "", "");
	}
	pclose(p);
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
			fprintf(stderr, "usage: bench_gen [--rows N] [--reps R] [--pg URL]\n");
			return 2;
		}
	}
	char dir[] = "/tmp/strata-bench-gen-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[128], url[160];
	snprintf(path, sizeof path, "%s/gen.db", dir);
	snprintf(url, sizeof url, "sqlite:%s", path);
	printf("Generated code (tasks example) vs hand-written: %d rows, best of %d (ops/s; ratio = generated / baseline)\n\n",
	       rows, reps);
	printf("| %-9s | %-24s | %-22s | %11s | %11s | %6s |\n", "backend", "operation", "baseline", "baseline/s",
	       "generated/s", "ratio");
	printf("|-----------|--------------------------|------------------------|-------------|-------------|--------|\n");

	strata_db *db;
	CHECK(strata_open(&db, url, NULL));
	apply_schema(db);
	sqlite3 *raw;
	sqlite3_open(path, &raw);
	sqlite3_exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	sqlite3_busy_timeout(raw, 5000);
	user_id owner = make_user(db);
	double gi = 1e9, ri = 1e9, gg = 1e9, rg = 1e9, gm = 1e9, gl = 1e9;
	int listed = 0;
	for (int r = 0; r < reps; r++) {
		int64_t first = 0;
		ri = best(ri, raw_sqlite_insert(raw, &owner.v));
		gi = best(gi, gen_insert(db, owner, &first));
		rg = best(rg, raw_sqlite_get(raw, &owner.v, first));
		gg = best(gg, gen_get(db, owner, first));
	}
	user_id owner2 = make_user(db);
	for (int r = 0; r < reps; r++)
		gm = best(gm, gen_insert_many(db, owner2));
	for (int r = 0; r < reps; r++)
		gl = best(gl, gen_list(db, owner2, &listed));
	row("sqlite", "insert", "raw sqlite3_*", ri, gi);
	row("sqlite", "get by key", "raw sqlite3_*", rg, gg);
	row("sqlite", "insert_many", "raw insert (1 tx)", ri, gm);
	printf("| %-9s | %-24s | %-22s | %11s | %11.0f | %6s |\n", "sqlite", "list (pages of 100)", "", "", listed / gl, "");
	sqlite3_close(raw);
	if (access("/usr/bin/python3", X_OK) == 0) {
		/* the same file and table, a fresh owner */
		user_id sa_owner = make_user(db);
		char saurl[200];
		snprintf(saurl, sizeof saurl, "sqlite:///%s", path);
		sqlalchemy("sqlite", saurl, &sa_owner, rows);
	}
	strata_close(db);

	if (pg && *pg) {
		CHECK(strata_open(&db, pg, NULL));
		strata_exec(db, "DROP TABLE IF EXISTS task_tags, tags, tasks, users CASCADE; DROP TYPE IF EXISTS status CASCADE");
		apply_schema(db);
		PGconn *c = PQconnectdb(pg);
		if (PQstatus(c) != CONNECTION_OK)
			die("raw libpq connect");
		PQsetNoticeProcessor(c, quiet, NULL);
		PQclear(PQexec(c, "SET TimeZone TO 'UTC'"));
		owner = make_user(db);
		gi = ri = gg = rg = gm = 1e9;
		for (int r = 0; r < reps; r++) {
			int64_t first = 0;
			ri = best(ri, raw_pg_insert_each(c, &owner.v));
			gi = best(gi, gen_insert(db, owner, &first));
			rg = best(rg, raw_pg_get(c, &owner.v, first));
			gg = best(gg, gen_get(db, owner, first));
		}
		owner2 = make_user(db);
		for (int r = 0; r < reps; r++)
			gm = best(gm, gen_insert_many(db, owner2));
		gl = 1e9;
		for (int r = 0; r < reps; r++)
			gl = best(gl, gen_list(db, owner2, &listed));
		row("postgres", "insert", "raw libpq", ri, gi);
		row("postgres", "get by key", "raw libpq", rg, gg);
		row("postgres", "insert_many", "raw: 1 INSERT per row", ri, gm);
		row("postgres", "insert_many", "generated: insert/row", gi, gm);
		printf("| %-9s | %-24s | %-22s | %11s | %11.0f | %6s |\n", "postgres", "list (pages of 100)", "", "",
		       listed / gl, "");
		PQfinish(c);
		if (access("/usr/bin/python3", X_OK) == 0) {
			user_id sa_owner = make_user(db);
			sqlalchemy("postgres", pg, &sa_owner, rows);
		}
		strata_exec(db, "DROP TABLE IF EXISTS task_tags, tags, tasks, users CASCADE; DROP TYPE IF EXISTS status CASCADE");
		strata_close(db);
	}
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_gen: could not remove %s\n", dir);
	return 0;
}
