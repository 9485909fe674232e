/*
 * bench_schema_diff: the schema tools on a generated 500-table schema, on
 * SQLite (a temporary file) and PostgreSQL (a scratch database on the
 * server named by STRATA_BENCH_PG_URL or STRATA_TEST_PG_URL; skipped when
 * neither is set).  For each backend: parse, DDL, apply, inspect, diff of
 * the live database against itself (empty) and against a changed schema.
 *
 *   bench_schema_diff [TABLES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A schema of n tables: each with a key to the one before, an enum, a JSON column, indexes. */
static char *generate(int n, bool changed)
{
	size_t cap = (size_t)n * 1024 + 4096, len = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	len += (size_t)snprintf(s + len, cap - len, "use timestamps\nenum state { open closed archived%s }\n",
				changed ? " deleted" : "");
	for (int i = 0; i < n; i++) {
		bool touch = changed && i % 10 == 0;
		len += (size_t)snprintf(s + len, cap - len,
					"table t%03d {\n"
					"    id serial primary key\n"
					"    name string(%d) not null\n"
					"    note text\n"
					"    amount decimal(12,2) not null default 0\n"
					"    state state not null default open\n"
					"    doc json\n"
					"    tags string(20)[]\n",
					i, touch ? 200 : 100);
		if (i > 0)
			len += (size_t)snprintf(s + len, cap - len, "    parent_id ref t%03d on delete cascade\n",
						i - 1);
		if (touch)
			len += (size_t)snprintf(s + len, cap - len, "    extra int\n    index (extra)\n");
		len += (size_t)snprintf(s + len, cap - len,
					"    index (name)\n    index open_%03d (state) where state = 'open'\n}\n", i);
	}
	return s;
}

typedef struct row {
	const char *backend;
	double parse, ddl, apply, inspect, diff_same, diff_changed;
	int changes;
	size_t ddl_bytes;
} row;

static int run(const char *url, int n, row *r)
{
	strata_db *db = NULL;
	strata_schema *s = NULL, *s2 = NULL, *live = NULL;
	strata_plan *p = NULL;
	char *text = generate(n, false), *text2 = generate(n, true), *ddl = NULL;
	int rc = STRATA_ENOMEM;
	double t;
	if (!text || !text2)
		goto out;
	if ((rc = strata_open(&db, url, NULL)))
		goto out;
	r->backend = strata_db_backend(db) == STRATA_BACKEND_SQLITE ? "sqlite" : "postgres";
	t = now_ms();
	if ((rc = strata_schema_parse(&s, text, strlen(text), "bench.strata")))
		goto out;
	r->parse = now_ms() - t;
	if ((rc = strata_schema_parse(&s2, text2, strlen(text2), "bench2.strata")))
		goto out;
	t = now_ms();
	if ((rc = strata_sql_create(s, strata_db_backend(db), &ddl)))
		goto out;
	r->ddl = now_ms() - t;
	r->ddl_bytes = strlen(ddl);
	t = now_ms();
	if ((rc = strata_schema_apply(db, s)))
		goto out;
	r->apply = now_ms() - t;
	t = now_ms();
	if ((rc = strata_inspect(db, NULL, &live)))
		goto out;
	r->inspect = now_ms() - t;
	t = now_ms();
	if ((rc = strata_diff(live, s, strata_db_backend(db), &p)))
		goto out;
	r->diff_same = now_ms() - t;
	if (p->nchanges != 0) {
		fprintf(stderr, "bench: %s: the round trip is not exact: %s\n", r->backend, p->changes[0].summary);
		rc = STRATA_ERROR;
		goto out;
	}
	strata_plan_free(p);
	t = now_ms();
	if ((rc = strata_diff(live, s2, strata_db_backend(db), &p)))
		goto out;
	r->diff_changed = now_ms() - t;
	r->changes = p->nchanges;
out:
	if (rc)
		fprintf(stderr, "bench: %s\n", strata_error_last()->message);
	strata_plan_free(p);
	strata_schema_free(s);
	strata_schema_free(s2);
	strata_schema_free(live);
	strata_close(db);
	free(ddl);
	free(text);
	free(text2);
	return rc;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 500;
	row rows[2];
	int nrows = 0, status = 0;
	char dir[] = "/tmp/strata-bench-______", url[256];
	if (n <= 0 || n > 100000) {
		fprintf(stderr, "usage: bench_schema_diff [TABLES]\n");
		return 2;
	}
	for (char *q = strchr(dir, '_'); q && *q; q++)
		*q = 'X'; /* mkdtemp's template */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(url, sizeof url, "sqlite:%s/bench.db", dir);
	memset(rows, 0, sizeof rows);
	if (run(url, n, &rows[nrows]) == STRATA_OK)
		nrows++;
	else
		status = 1;
	char path[300];
	snprintf(path, sizeof path, "%s/bench.db", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/bench.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/bench.db-shm", dir);
	unlink(path);
	rmdir(dir);

	const char *base = getenv("STRATA_BENCH_PG_URL");
	if (!base || !*base)
		base = getenv("STRATA_TEST_PG_URL");
	if (base && *base) {
		/* The same server, a scratch database. */
		char pg[1024];
		const char *slash = strrchr(base, '/'), *q = strchr(base, '?');
		if (slash && slash > strstr(base, "//") + 1) {
			snprintf(pg, sizeof pg, "%.*s/strata_bench_schema%s", (int)(slash - base), base, q ? q : "");
			strata_database_drop(pg, NULL);
			if (strata_database_create(pg, NULL) == STRATA_OK && run(pg, n, &rows[nrows]) == STRATA_OK)
				nrows++;
			else
				status = 1;
			strata_database_drop(pg, NULL);
		}
	} else {
		fprintf(stderr, "bench: STRATA_BENCH_PG_URL / STRATA_TEST_PG_URL not set: PostgreSQL skipped\n");
	}

	printf("schema tools on %d generated tables (times in ms)\n\n", n);
	printf("The changed schema adds an enum value and, on every tenth table, widens a column\n"
	       "and adds a column with an index (SQLite rebuilds every table with the enum).\n\n");
	printf("| backend  | parse | DDL | DDL KiB | apply | inspect | diff, no change | diff, changed | changes |\n");
	printf("| -------- | ----: | --: | ------: | ----: | ------: | --------------: | ------------: | ------: |\n");
	for (int i = 0; i < nrows; i++)
		printf("| %-8s | %.1f | %.1f | %zu | %.1f | %.1f | %.1f | %.1f | %d |\n", rows[i].backend,
		       rows[i].parse, rows[i].ddl, rows[i].ddl_bytes / 1024, rows[i].apply, rows[i].inspect,
		       rows[i].diff_same, rows[i].diff_changed, rows[i].changes);
	return status;
}
