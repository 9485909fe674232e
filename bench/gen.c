/*
 * Generated data access (examples/tasks through `strata gen c`) against
 * hand-written raw code doing the same work: the same SQL, the same
 * values, the same conversions (timestamps to ISO text, UUIDs to text,
 * strings copied out of the result).  SQLite against sqlite3_*; on
 * PostgreSQL against libpq, and insert_many against a hand-written binary
 * COPY of the same rows (the limit), against the other way to get keys
 * back (COPY into a temporary table, then INSERT ... SELECT ... RETURNING)
 * and against one INSERT per row.  Junction links: 1,200 through
 * insert_many, statements counted.  The cases of a comparison run
 * interleaved, `reps` times; the median counts.  Prints tables, then the
 * targets and whether they are met.
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

static int rows = 50000, reps = 5;
static bool only_bulk; /* --only-bulk: the insert_many comparisons alone */

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

#define CHECK(x)                      \
	do {                          \
		if ((x) != STRATA_OK) \
			die(#x);      \
	} while (0)

/* The median of n times (sorts them). */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

#define MAX_REPS 64

/* The targets, printed at the end with whether they were met. */
static char targets[4096];

static void target(const char *what, double ratio, double want)
{
	size_t len = strlen(targets);
	snprintf(targets + len, sizeof targets - len, "| %-58s | %6.2f | %6.2f | %-7s |\n", what, ratio, want,
		 ratio >= want ? "met" : "NOT MET");
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
	"INSERT INTO \"tasks\" (\"created_at\", \"updated_at\", \"deleted_at\", \"user_id\", \"title\", \"priority\", "
	"\"state\", "
	"\"config\", \"labels\", \"due_date\") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING \"id\"";
static const char *raw_get_sql = "SELECT \"created_at\", \"updated_at\", \"deleted_at\", \"id\", \"user_id\", "
				 "\"title\", \"priority\", \"state\", "
				 "\"config\", \"labels\", \"due_date\" FROM \"tasks\" WHERE \"tasks\".\"id\" = ? AND "
				 "\"tasks\".\"user_id\" = ? AND "
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
		if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 0) <= 0 ||
		    sqlite3_step(st) != SQLITE_DONE) {
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
		const char *c0 = (const char *)sqlite3_column_text(st, 0),
			   *c1 = (const char *)sqlite3_column_text(st, 1);
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
		 "INSERT INTO \"tasks\" (\"created_at\", \"updated_at\", \"deleted_at\", \"user_id\", \"title\", "
		 "\"priority\", "
		 "\"state\", \"config\", \"labels\", \"due_date\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
		 "RETURNING \"id\"");
	double t0 = now();
	PQclear(PQexec(c, "BEGIN"));
	PGresult *r = PQprepare(c, "raw_ins", pgsql, 10, NULL);
	PQclear(r);
	for (int i = 0; i < rows; i++) {
		char ts[STRATA_TIMESTAMP_BUFSZ], prio[8];
		strata_timestamp_format(strata_timestamp_now(), ts);
		snprintf(prio, sizeof prio, "%d", i % 5);
		const char *vals[10] = { ts,   ts,	  NULL, uid,  "a task title of ordinary length",
					 prio, "pending", NULL, NULL, NULL };
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

/* ---- PostgreSQL bulk inserts: the limit and the other way to get keys ---- */

static void put_be(char *p, uint64_t v, int n)
{
	for (int k = n - 1; k >= 0; k--, v >>= 8)
		p[k] = (char)(v & 0xff);
}

/* The same rows as gen_insert_many, through a hand-written binary COPY (no keys come back). */
__attribute__((noinline)) static double raw_pg_copy(PGconn *c, const strata_uuid *owner)
{
	static const char sql[] =
		"COPY \"tasks\" (\"created_at\", \"updated_at\", \"deleted_at\", \"user_id\", \"title\", "
		"\"priority\", \"state\", \"config\", \"labels\", \"due_date\") FROM STDIN (FORMAT binary)";
	static const char title[] = "a task title of ordinary length";
	double t0 = now();
	PQclear(PQexec(c, "BEGIN"));
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		fprintf(stderr, "raw copy: %s\n", PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 512);
	memcpy(buf, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
	len = 19;
	for (int i = 0; i < rows; i++) {
		int64_t ts = strata_timestamp_now() - INT64_C(946684800000000);
		char *p = buf + len;
		put_be(p, 10, 2), p += 2;
		put_be(p, 8, 4), put_be(p + 4, (uint64_t)ts, 8), p += 12;
		put_be(p, 8, 4), put_be(p + 4, (uint64_t)ts, 8), p += 12;
		put_be(p, 0xffffffffu, 4), p += 4;
		put_be(p, 16, 4), memcpy(p + 4, owner->bytes, 16), p += 20;
		put_be(p, sizeof title - 1, 4), memcpy(p + 4, title, sizeof title - 1), p += 4 + sizeof title - 1;
		put_be(p, 4, 4), put_be(p + 4, (uint64_t)(i % 5), 4), p += 8;
		put_be(p, 7, 4), memcpy(p + 4, "pending", 7), p += 11;
		for (int k = 0; k < 3; k++)
			put_be(p, 0xffffffffu, 4), p += 4;
		len = (size_t)(p - buf);
		if (len >= cap) {
			PQputCopyData(c, buf, (int)len);
			len = 0;
		}
	}
	put_be(buf + len, 0xffff, 2);
	len += 2;
	PQputCopyData(c, buf, (int)len);
	free(buf);
	if (PQputCopyEnd(c, NULL) != 1 || PQresultStatus(r = PQgetResult(c)) != PGRES_COMMAND_OK) {
		fprintf(stderr, "raw copy: %s\n", PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
	PQclear(PQexec(c, "COMMIT"));
	return now() - t0;
}

/*
 * The other way to get keys back from a copy: COPY into a temporary table,
 * then INSERT ... SELECT ... RETURNING (through strata_copy, rows filled as
 * insert_many fills them).
 */
__attribute__((noinline)) static double temp_table_insert_many(strata_db *db, user_id owner)
{
	static const strata_copy_column cols[] = {
		{ "created_at", STRATA_COPY_TIMESTAMP }, { "updated_at", STRATA_COPY_TIMESTAMP },
		{ "deleted_at", STRATA_COPY_TIMESTAMP }, { "user_id", STRATA_COPY_UUID },
		{ "title", STRATA_COPY_TEXT },		 { "priority", STRATA_COPY_INT32 },
		{ "state", STRATA_COPY_TEXT },		 { "config", STRATA_COPY_JSON },
		{ "labels", STRATA_COPY_VARCHAR_ARRAY }, { "due_date", STRATA_COPY_TIMESTAMP },
	};
	int64_t *ids = malloc((size_t)rows * sizeof *ids);
	double t0 = now();
	CHECK(strata_begin(db, NULL));
	CHECK(strata_exec(db, "CREATE TEMP TABLE tasks_in ON COMMIT DROP AS SELECT created_at, updated_at, deleted_at, "
			      "user_id, title, priority, state, config, labels, due_date FROM tasks WITH NO DATA"));
	strata_copy *cp;
	CHECK(strata_copy_begin(&cp, db, "tasks_in", cols, 10));
	for (int i = 0; i < rows; i++) {
		strata_timestamp ts = strata_timestamp_now();
		CHECK(strata_copy_timestamp(cp, ts));
		CHECK(strata_copy_timestamp(cp, ts));
		CHECK(strata_copy_null(cp));
		CHECK(strata_copy_uuid(cp, &owner.v));
		CHECK(strata_copy_text(cp, "a task title of ordinary length", -1));
		CHECK(strata_copy_int64(cp, i % 5));
		CHECK(strata_copy_text(cp, "pending", -1));
		for (int k = 0; k < 3; k++)
			CHECK(strata_copy_null(cp));
	}
	CHECK(strata_copy_end(cp, NULL));
	strata_stmt *st;
	CHECK(strata_prepare(
		&st, db,
		"INSERT INTO tasks (created_at, updated_at, deleted_at, user_id, title, priority, state, config, "
		"labels, due_date) SELECT created_at, updated_at, deleted_at, user_id, title, priority, state, "
		"config, labels, due_date FROM tasks_in RETURNING id"));
	int got = 0, rc;
	while ((rc = strata_step(st)) == STRATA_ROW && got < rows)
		CHECK(strata_column_int64(st, 0, &ids[got++]));
	if (rc != STRATA_DONE && rc != STRATA_ROW)
		die("insert from the temporary table");
	strata_finalize(st);
	CHECK(strata_commit(db));
	double t = now() - t0;
	if (got != rows)
		die("temporary table: keys");
	free(ids);
	return t;
}

/*
 * What insert_many did before strata_copy: multi-row INSERT ... VALUES of
 * up to 500 rows a statement with RETURNING, rows filled the same way.
 */
__attribute__((noinline)) static double multirow_insert_many(strata_db *db, user_id owner)
{
	enum {
		PER = 500
	};
	double t0 = now();
	CHECK(strata_begin(db, NULL));
	bool pg = strata_db_backend(db) == STRATA_BACKEND_POSTGRES;
	for (int done = 0; done < rows;) {
		int k = rows - done < PER ? rows - done : PER;
		strata_sql_builder b = STRATA_SQL_BUILDER_INIT;
		strata_sql_add(&b, "INSERT INTO \"tasks\" (\"created_at\", \"updated_at\", \"deleted_at\", "
				   "\"user_id\", \"title\", "
				   "\"priority\", \"state\", \"config\", \"labels\", \"due_date\") VALUES ");
		for (int r = 0; r < k; r++)
			strata_sql_add(&b, r ? ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		strata_sql_add(&b, " RETURNING \"id\"");
		strata_stmt *st;
		CHECK(strata_prepare(&st, db, b.sql));
		strata_sql_free(&b);
		int i = 1;
		for (int r = 0; r < k; r++) {
			strata_timestamp ts = strata_timestamp_now();
			CHECK(strata_bind_timestamp(st, i++, ts));
			CHECK(strata_bind_timestamp(st, i++, ts));
			CHECK(strata_bind_null(st, i++));
			CHECK(strata_bind_uuid(st, i++, &owner.v));
			CHECK(strata_bind_text(st, i++, "a task title of ordinary length", -1));
			CHECK(strata_bind_int64(st, i++, (done + r) % 5));
			CHECK(strata_bind_text(st, i++, "pending", -1));
			for (int z = 0; z < 3; z++)
				CHECK(strata_bind_null(st, i++));
		}
		int rc, got = 0;
		int64_t id;
		while ((rc = strata_step(st)) == STRATA_ROW) {
			CHECK(strata_column_int64(st, 0, &id));
			got++;
		}
		if (rc != STRATA_DONE || got != k)
			die("multi-row insert");
		strata_finalize(st);
		done += k;
	}
	(void)pg;
	CHECK(strata_commit(db));
	return now() - t0;
}

/* ---- junction links ---- */

static void count_stmt(const strata_query_info *info, void *ud)
{
	(void)info;
	(*(int *)ud)++;
}

enum {
	JTASKS = 400,
	JLINKS = 1200
};

/* 1,200 links between an owner's tasks and tags: insert_many, or one insert per link (one transaction). */
__attribute__((noinline)) static double links(strata_db *db, bool many, int *statements)
{
	static task tasks[JTASKS];
	static task_tag ls[JLINKS];
	user_id owner = make_user(db);
	for (int i = 0; i < JTASKS; i++) {
		tasks[i] = (task){ 0 };
		tasks[i].title = "linked";
	}
	CHECK(task_insert_many(db, owner, tasks, JTASKS));
	tag tags[3];
	const char *names[3] = { "red", "green", "blue" };
	for (int i = 0; i < 3; i++) {
		tags[i] = (tag){ 0 };
		tags[i].name = names[i];
		CHECK(tag_insert(db, owner, &tags[i]));
	}
	for (int i = 0; i < JLINKS; i++) {
		ls[i] = (task_tag){ 0 };
		ls[i].task_id = tasks[i / 3].id;
		ls[i].tag_id = tags[i % 3].id;
	}
	*statements = 0;
	strata_db_set_hook(db, count_stmt, statements);
	double t0 = now();
	if (many) {
		CHECK(task_tag_insert_many(db, owner, ls, JLINKS));
	} else {
		CHECK(strata_begin(db, NULL));
		for (int i = 0; i < JLINKS; i++)
			CHECK(task_tag_insert(db, owner, &ls[i]));
		CHECK(strata_commit(db));
	}
	double t = now() - t0;
	strata_db_set_hook(db, NULL, NULL);
	return t;
}

static void bench_links(const char *backend, strata_db *db)
{
	double each[MAX_REPS], many[MAX_REPS];
	int n_each = 0, n_many = 0;
	for (int r = 0; r < reps; r++) {
		each[r] = links(db, false, &n_each);
		many[r] = links(db, true, &n_many);
	}
	double e = median(each, reps), m = median(many, reps);
	printf("| %-9s | %-24s | %-22s | %11.0f | %11.0f | %6.2f |\n", backend, "1,200 junction links",
	       "insert per link (1 tx)", JLINKS / e, JLINKS / m, e / m);
	printf("|           | statements               | %-22d | %11s | %11d |        |\n", n_each, "", n_many);
	char what[96];
	snprintf(what, sizeof what, "%s: 1,200 links in at most 10 statements (%d)", backend, n_many);
	target(what, n_many <= 10 ? 1 : 0, 1);
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

/*
 * SQLAlchemy 1.4 Core and ORM on the same table, when Debian's
 * python3-sqlalchemy is there.  `many` is generated insert_many's rate,
 * for the bulk lines' ratio.
 */
static void sqlalchemy(const char *url_kind, const char *url, const user_id *owner, int n, double many)
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
		if (sscanf(line, "%63s %lf", what, &ops) != 2)
			continue;
		if (strstr(what, "bulk") || strstr(what, "executemany"))
			printf("| %-9s | %-24s | %-22s | %11.0f | %11.0f | %6.2f |\n", url_kind, what, "SQLAlchemy 1.4",
			       ops, many, many / ops);
		else
			printf("| %-9s | %-24s | %-22s | %11.0f | %11s | %6s |\n", url_kind, what, "SQLAlchemy 1.4",
			       ops, "", "");
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
		else if (strcmp(argv[i], "--only-bulk") == 0)
			only_bulk = true;
		else {
			fprintf(stderr, "usage: bench_gen [--rows N] [--reps R] [--pg URL] [--only-bulk]\n");
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS || rows < 10) {
		fprintf(stderr, "bench_gen: --reps 1..%d, --rows at least 10\n", MAX_REPS);
		return 2;
	}
	char dir[] = "/tmp/strata-bench-gen-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[128], url[160];
	snprintf(path, sizeof path, "%s/gen.db", dir);
	snprintf(url, sizeof url, "sqlite:%s", path);
	printf("Generated code (tasks example) vs hand-written: %d rows, median of %d interleaved runs "
	       "(ops/s; ratio = generated / baseline)\n\n",
	       rows, reps);
	printf("| %-9s | %-24s | %-22s | %11s | %11s | %6s |\n", "backend", "operation", "baseline", "baseline/s",
	       "generated/s", "ratio");
	printf("|-----------|--------------------------|------------------------|-------------|-------------|--------|"
	       "\n");

	double ri[MAX_REPS], gi[MAX_REPS], rg[MAX_REPS], gg[MAX_REPS], gm[MAX_REPS], gl[MAX_REPS], rc[MAX_REPS],
		tt[MAX_REPS];
	strata_db *db;
	CHECK(strata_open(&db, url, NULL));
	apply_schema(db);
	sqlite3 *raw;
	sqlite3_open(path, &raw);
	sqlite3_exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", NULL, NULL,
		     NULL);
	sqlite3_busy_timeout(raw, 5000);
	user_id owner = make_user(db);
	int listed = 0;
	for (int r = 0; r < reps; r++) {
		int64_t first = 0;
		ri[r] = raw_sqlite_insert(raw, &owner.v);
		gm[r] = gen_insert_many(db, make_user(db));
		tt[r] = multirow_insert_many(db, make_user(db));
		if (only_bulk)
			continue;
		gi[r] = gen_insert(db, owner, &first);
		rg[r] = raw_sqlite_get(raw, &owner.v, first);
		gg[r] = gen_get(db, owner, first);
		gl[r] = gen_list(db, owner, &listed);
	}
	double m_ri = median(ri, reps), m_gm = median(gm, reps), m_tt = median(tt, reps);
	if (!only_bulk) {
		double m_gi = median(gi, reps), m_rg = median(rg, reps), m_gg = median(gg, reps);
		row("sqlite", "insert", "raw sqlite3_*", m_ri, m_gi);
		row("sqlite", "get by key", "raw sqlite3_*", m_rg, m_gg);
		printf("| %-9s | %-24s | %-22s | %11s | %11.0f | %6s |\n", "sqlite", "list (pages of 100)", "", "",
		       listed / median(gl, reps), "");
		target("sqlite: generated insert / raw sqlite3_*", m_ri / m_gi, 0.95);
		target("sqlite: generated get / raw sqlite3_*", m_rg / m_gg, 0.95);
	}
	row("sqlite", "insert_many", "raw insert (1 tx)", m_ri, m_gm);
	row("sqlite", "insert_many", "multi-row INSERT (500)", m_tt, m_gm);
	target("sqlite: insert_many / multi-row INSERT (what it was)", m_tt / m_gm, 0.95);
	bench_links("sqlite", db);
	sqlite3_close(raw);
	if (!only_bulk && access("/usr/bin/python3", X_OK) == 0) {
		/* the same file and table, a fresh owner */
		user_id sa_owner = make_user(db);
		char saurl[200];
		snprintf(saurl, sizeof saurl, "sqlite:///%s", path);
		sqlalchemy("sqlite", saurl, &sa_owner, rows, rows / m_gm);
	}
	strata_close(db);

	if (pg && *pg) {
		CHECK(strata_open(&db, pg, NULL));
		strata_exec(db, "DROP TABLE IF EXISTS task_tags, tags, tasks, users CASCADE; DROP TYPE IF EXISTS "
				"status CASCADE");
		apply_schema(db);
		PGconn *c = PQconnectdb(pg);
		if (PQstatus(c) != CONNECTION_OK)
			die("raw libpq connect");
		PQsetNoticeProcessor(c, quiet, NULL);
		PQclear(PQexec(c, "SET TimeZone TO 'UTC'"));
		owner = make_user(db);
		double mr[MAX_REPS];
		for (int r = 0; r < reps; r++) {
			int64_t first = 0;
			/* the bulk inserts, interleaved, each run on a fresh owner */
			user_id fresh = make_user(db);
			rc[r] = raw_pg_copy(c, &fresh.v);
			gm[r] = gen_insert_many(db, make_user(db));
			tt[r] = temp_table_insert_many(db, make_user(db));
			mr[r] = multirow_insert_many(db, make_user(db));
			ri[r] = raw_pg_insert_each(c, &owner.v);
			if (only_bulk)
				continue;
			gi[r] = gen_insert(db, owner, &first);
			rg[r] = raw_pg_get(c, &owner.v, first);
			gg[r] = gen_get(db, owner, first);
			gl[r] = gen_list(db, owner, &listed);
		}
		m_ri = median(ri, reps), m_gm = median(gm, reps);
		double m_rc = median(rc, reps), m_mr = median(mr, reps);
		m_tt = median(tt, reps);
		if (!only_bulk) {
			double m_gi = median(gi, reps), m_rg = median(rg, reps), m_gg = median(gg, reps);
			row("postgres", "insert", "raw libpq", m_ri, m_gi);
			row("postgres", "get by key", "raw libpq", m_rg, m_gg);
			printf("| %-9s | %-24s | %-22s | %11s | %11.0f | %6s |\n", "postgres", "list (pages of 100)",
			       "", "", listed / median(gl, reps), "");
		}
		row("postgres", "insert_many", "raw binary COPY", m_rc, m_gm);
		row("postgres", "insert_many", "COPY to temp+RETURNING", m_tt, m_gm);
		row("postgres", "insert_many", "multi-row INSERT (500)", m_mr, m_gm);
		row("postgres", "insert_many", "raw: 1 INSERT per row", m_ri, m_gm);
		target("postgres: insert_many / raw binary COPY of the same rows", m_rc / m_gm, 0.8);
		target("postgres: insert_many / one INSERT per row", m_ri / m_gm, 10);
		bench_links("postgres", db);
		PQfinish(c);
		if (!only_bulk && access("/usr/bin/python3", X_OK) == 0) {
			user_id sa_owner = make_user(db);
			sqlalchemy("postgres", pg, &sa_owner, rows, rows / m_gm);
		}
		strata_exec(db, "DROP TABLE IF EXISTS task_tags, tags, tasks, users CASCADE; DROP TYPE IF EXISTS "
				"status CASCADE");
		strata_close(db);
	}
	printf("\n| %-58s | %6s | %6s | %-7s |\n", "target", "ratio", "want", "");
	printf("|------------------------------------------------------------|--------|--------|---------|\n%s",
	       targets);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_gen: could not remove %s\n", dir);
	return 0;
}
