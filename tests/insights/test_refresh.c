/*
 * Materialized views: strata refresh and strata_matview_refresh() under
 * concurrent reads, failures that change nothing, and the `views` health
 * check, on both backends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <strata/matview.h>

#include "support.h"

static const char schema_text[] =
	"table users {\n  id bigint primary key\n  name text\n}\n"
	"table orders {\n  id bigint primary key\n  user_id bigint references users\n  total float\n}\n"
	"materialized view user_totals as sql($$\n"
	"    SELECT u.id AS user_id, sum(o.total) AS total, count(*) AS orders\n"
	"    FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id\n"
	"$$) {\n  unique index (user_id)\n}\n"
	"materialized view order_count as sql('SELECT count(*) AS n FROM orders')\n";

/* The schema above applied with `strata schema apply`, and `users` users with one order each. */
static char *setup(strata_db *db, const char *url, int users)
{
	char *dir = test_tmpdir(), path[4200], args[8400], *out;
	snprintf(path, sizeof path, "%s/schema.strata", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs(schema_text, f);
	fclose(f);
	snprintf(args, sizeof args, "schema apply --schema '%s' --url '%s'", path, url);
	int rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	ST_OK(strata_begin(db, NULL));
	for (int i = 1; i <= users; i++) {
		ST_OK(strata_execv(db, "INSERT INTO users VALUES (?, ?)", STRATA_INT(i), STRATA_TEXT("u")));
		ST_OK(strata_execv(db, "INSERT INTO orders VALUES (?, ?, ?)", STRATA_INT(i), STRATA_INT(i),
				   STRATA_DOUBLE(2.5)));
	}
	ST_OK(strata_commit(db));
	return dir;
}

static int64_t count_of(strata_db *db, const char *sql)
{
	int64_t n = -1;
	ST_OK(strata_query_int64(db, &n, sql, NULL, 0));
	return n;
}

typedef struct reader {
	const char *url;
	volatile int stop;
	int reads, bad, failed, min_rows;
	int64_t last;
	char why[256];
} reader;

/* Reads the view until told to stop: never empty, always whole, never going back. */
static void *read_loop(void *p)
{
	reader *r = p;
	strata_db *db = NULL;
	if (strata_open(&db, r->url, NULL) != STRATA_OK) {
		r->failed++;
		return NULL;
	}
	strata_tx_options ro = STRATA_TX_OPTIONS_INIT;
	ro.read_only = true;
	while (!r->stop) {
		strata_stmt *st = NULL;
		int rc = strata_begin(db, &ro);
		if (rc == STRATA_OK)
			rc = strata_prepare(
				&st, db, "SELECT count(*), CAST(coalesce(sum(orders), 0) AS bigint) FROM user_totals");
		if (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {
			int64_t rows = 0, orders = 0;
			if (strata_column_int64(st, 0, &rows) != STRATA_OK ||
			    strata_column_int64(st, 1, &orders) != STRATA_OK)
				r->bad++;
			if (rows < r->min_rows || rows != orders || rows < r->last) {
				r->bad++;
				snprintf(r->why, sizeof r->why, "read %lld rows, %lld orders after %lld rows",
					 (long long)rows, (long long)orders, (long long)r->last);
			}
			r->last = rows;
			r->reads++;
			rc = STRATA_OK;
		}
		strata_finalize(st);
		if (rc != STRATA_OK) {
			r->failed++;
			snprintf(r->why, sizeof r->why, "%s", strata_error_last()->message);
		}
		if (strata_in_transaction(db))
			strata_rollback(db);
	}
	strata_close(db);
	return NULL;
}

DB_TEST(refresh, under_concurrent_reads)
{
	char *dir = setup(db, url, 200);
	/* filled when made: before any data */
	cr_assert_eq(count_of(db, "SELECT count(*) FROM user_totals"), 0);
	strata_matview_refresh_result res;
	ST_OK(strata_matview_refresh(db, "user_totals", &res));
	cr_assert_eq(count_of(db, "SELECT count(*) FROM user_totals"), 200);
	if (backend == STRATA_BACKEND_SQLITE)
		cr_assert_eq(res.rows, 200);
	else
		cr_assert(res.concurrently, "a unique index on a plain column allows CONCURRENTLY");

	reader r = { .url = url, .min_rows = 200 };
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, read_loop, &r), 0);
	for (int k = 1; k <= 8; k++) {
		ST_OK(strata_begin(db, NULL));
		for (int i = 0; i < 25; i++) {
			int id = 200 + (k - 1) * 25 + i + 1;
			ST_OK(strata_execv(db, "INSERT INTO users VALUES (?, ?)", STRATA_INT(id), STRATA_TEXT("u")));
			ST_OK(strata_execv(db, "INSERT INTO orders VALUES (?, ?, ?)", STRATA_INT(id), STRATA_INT(id),
					   STRATA_DOUBLE(1)));
		}
		ST_OK(strata_commit(db));
		ST_OK(strata_matview_refresh(db, "user_totals", &res));
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	r.stop = 1;
	pthread_join(t, NULL);
	cr_assert_eq(r.failed, 0, "a read failed: %s", r.why);
	cr_assert_eq(r.bad, 0, "a read saw a partial view: %s", r.why);
	cr_assert_gt(r.reads, 0);
	cr_assert_eq(count_of(db, "SELECT count(*) FROM user_totals"), 400);

	/* the record of the last refresh */
	strata_matview *v = NULL;
	size_t n = 0;
	ST_OK(strata_matview_list(db, &v, &n));
	cr_assert_eq(n, 2);
	const strata_matview *ut = !strcmp(v[0].name, "user_totals") ? &v[0] : &v[1];
	const strata_matview *oc = ut == v ? &v[1] : &v[0];
	cr_assert_str_eq(ut->name, "user_totals");
	cr_assert_str_eq(oc->name, "order_count");
	cr_assert(ut->populated);
	cr_assert_eq(ut->concurrently, backend == STRATA_BACKEND_POSTGRES);
	cr_assert(!oc->concurrently, "no unique index: a plain refresh");
	cr_assert_gt(ut->refreshed_at, strata_timestamp_now() - 60 * 1000000LL);
	cr_assert_geq(ut->refresh_ms, 0);
	cr_assert_eq(oc->refreshed_at, 0);
	strata_matview_list_free(v, n);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(refresh, command_lists_refreshes_and_reports)
{
	char *dir = setup(db, url, 3), args[4400], *out;
	snprintf(args, sizeof args, "refresh --list --url '%s'", url);
	int rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "user_totals");
	HAS(out, "order_count");
	HAS(out, "never (by Strata)");
	HAS(out, backend == STRATA_BACKEND_POSTGRES ? "concurrently" : "rebuild");
	free(out);

	/* a name that does not exist: nothing is refreshed, not even the good one */
	snprintf(args, sizeof args, "refresh user_totals no_such_view --url '%s'", url);
	rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "no materialized view named 'no_such_view'");
	HASNT(out, "strata-test-pw");
	free(out);
	cr_assert_eq(count_of(db, "SELECT count(*) FROM user_totals"), 0);

	snprintf(args, sizeof args, "refresh order_count --url '%s'", url);
	rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "refreshed order_count");
	HASNT(out, "user_totals");
	free(out);
	cr_assert_eq(count_of(db, "SELECT n FROM order_count"), 3);
	cr_assert_eq(count_of(db, "SELECT count(*) FROM user_totals"), 0);

	snprintf(args, sizeof args, "refresh --json --url '%s'", url);
	rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "\"name\": \"user_totals\"");
	HAS(out, "\"name\": \"order_count\"");
	HAS(out, backend == STRATA_BACKEND_POSTGRES ? "\"mode\": \"concurrently\"" : "\"mode\": \"rebuild\"");
	free(out);
	cr_assert_eq(count_of(db, "SELECT count(*) FROM user_totals"), 3);

	rc = insights_cli(&out, dir, "refresh --list extra");
	cr_assert_eq(rc, 2, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

/* A refresh whose query fails leaves the view's rows and its record as they were. */
DB_TEST(refresh, failure_changes_nothing)
{
	char *dir = test_tmpdir(), path[4200], args[8400], *out;
	snprintf(path, sizeof path, "%s/schema.strata", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fprintf(f,
		"table docs {\n  id bigint primary key\n  body text\n}\n"
		"materialized view parsed as sql('SELECT id, %s AS doc FROM docs') {\n  unique index (id)\n}\n",
		backend == STRATA_BACKEND_POSTGRES ? "body::json" : "json(body)");
	fclose(f);
	snprintf(args, sizeof args, "schema apply --schema '%s' --url '%s'", path, url);
	int rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	ST_OK(strata_exec(db, "INSERT INTO docs VALUES (1, '{\"a\": 1}')"));
	ST_OK(strata_matview_refresh(db, "parsed", NULL));
	strata_matview *v = NULL;
	size_t n = 0;
	ST_OK(strata_matview_list(db, &v, &n));
	strata_timestamp before = v[0].refreshed_at;
	strata_matview_list_free(v, n);

	ST_OK(strata_exec(db, "INSERT INTO docs VALUES (2, '{not json')"));
	int frc = strata_matview_refresh(db, "parsed", NULL);
	cr_assert_neq(frc, STRATA_OK);
	HAS(strata_error_last()->message, "refreshing materialized view parsed:");
	cr_assert(!strata_in_transaction(db));
	cr_assert_eq(count_of(db, "SELECT count(*) FROM parsed"), 1);
	ST_OK(strata_matview_list(db, &v, &n));
	cr_assert_eq(v[0].refreshed_at, before, "the record is unchanged");
	strata_matview_list_free(v, n);

	snprintf(args, sizeof args, "refresh --url '%s'", url);
	rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "refreshing materialized view parsed");
	free(out);
	cr_assert_eq(count_of(db, "SELECT count(*) FROM parsed"), 1);

	ST_EXPECT(strata_matview_refresh(db, "docs", NULL), STRATA_ENOTFOUND);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(refresh, health_reports_unpopulated_and_stale_views)
{
	char *dir = setup(db, url, 3), args[4400], *out;
	snprintf(args, sizeof args, "health --check views --url '%s'", url);
	int rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "2 materialized views, each populated");
	free(out);

	snprintf(args, sizeof args, "health --check views --set matview_max_age_s=3600 --url '%s'", url);
	rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "has no recorded refresh");
	free(out);

	ST_OK(strata_matview_refresh(db, "user_totals", NULL));
	ST_OK(strata_matview_refresh(db, "order_count", NULL));
	rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "refreshed within 3600 s");
	free(out);

	ST_OK(strata_exec(
		db, "UPDATE strata_refreshes SET refreshed_at = '2026-01-01T00:00:00Z' WHERE name = 'order_count'"));
	rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "materialized view order_count was last refreshed");
	HASNT(out, "user_totals was last");
	free(out);

	if (backend == STRATA_BACKEND_POSTGRES) {
		ST_OK(strata_exec(db, "CREATE MATERIALIZED VIEW later AS SELECT 1 AS x WITH NO DATA"));
		snprintf(args, sizeof args, "health --check views --url '%s'", url);
		rc = insights_cli(&out, dir, args);
		cr_assert_eq(rc, 2, "%s", out);
		HAS(out, "materialized view later was never populated");
		free(out);
		/* a plain refresh fills it (CONCURRENTLY needs a populated view) */
		strata_matview_refresh_result res;
		ST_OK(strata_matview_refresh(db, "later", &res));
		cr_assert(!res.concurrently);
		rc = insights_cli(&out, dir, args);
		cr_assert_eq(rc, 0, "%s", out);
		free(out);
	}
	/* the record table is Strata's own: not part of the schema */
	snprintf(args, sizeof args, "schema inspect --url '%s'", url);
	rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 0, "%s", out);
	HASNT(out, "strata_refreshes");
	free(out);
	test_rmrf(dir);
	free(dir);
}
