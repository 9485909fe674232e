/* The pool's pure helpers: which SQL changes session state, the wait histogram. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "pool/internal.h"

Test(pool_sql, session_changing_statements)
{
	static const char *const yes[] = {
		"SET search_path TO app",
		"  set application_name = 'x'",
		"RESET ALL",
		"PRAGMA foreign_keys = OFF",
		"CREATE TEMP TABLE t (x int)",
		"create temporary table t (x int)",
		"CREATE LOCAL TEMP TABLE t (x int)",
		"LISTEN jobs",
		"PREPARE q AS SELECT 1",
		"SELECT pg_advisory_lock(1)",
		"SELECT set_config('a.b', 'c', false)",
		"ATTACH DATABASE 'x.db' AS x",
		"-- a comment\nSET TimeZone = 'UTC'",
		"/* c */ SET x = 1",
		"SELECT 1; SET x = 1",
		"DISCARD ALL",
	};
	static const char *const no[] = {
		"SELECT 1",
		"UPDATE t SET a = 1",
		"SET LOCAL statement_timeout = 100",
		"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
		"CREATE TABLE settings (x int)",
		"INSERT INTO t (reset) VALUES (1)",
		"SELECT pg_advisory_xact_lock(1)",
		"BEGIN IMMEDIATE",
		"",
	};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		cr_assert(strata__pool_sql_changes_session(yes[i]), "should be session-changing: %s", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		cr_assert(!strata__pool_sql_changes_session(no[i]), "should not be session-changing: %s", no[i]);
	cr_assert(!strata__pool_sql_changes_session(NULL));
	cr_assert(strata__pool_sql_needs_replace("DEALLOCATE ALL"));
	cr_assert(strata__pool_sql_needs_replace("SELECT 1; discard plans"));
	cr_assert(!strata__pool_sql_needs_replace("SET x = 1"));
}

Test(pool_hist, quantiles)
{
	static strata__pool_hist h;
	cr_assert_eq(strata__pool_hist_quantile(&h, 0.5), 0);
	for (int i = 1; i <= 100; i++)
		strata__pool_hist_add(&h, i * 1000);
	int64_t p50 = strata__pool_hist_quantile(&h, 0.50);
	int64_t p99 = strata__pool_hist_quantile(&h, 0.99);
	/* never below the true value, at most 12.5% above it, never above the maximum */
	cr_assert_geq(p50, 50000);
	cr_assert_leq(p50, 50000 * 9 / 8);
	cr_assert_geq(p99, 99000);
	cr_assert_leq(p99, 100000);
	cr_assert_eq(strata__pool_hist_quantile(&h, 1.0), 100000);
	strata__pool_hist_add(&h, -5);
	strata__pool_hist_add(&h, (int64_t)1 << 40);
	cr_assert_eq(h.max_us, (int64_t)1 << 40);
	cr_assert_eq(h.count, 102);
}

struct urls {
	int n;
	char got[4][128];
};

static int collect_url(const char *url, int n, void *ud)
{
	struct urls *u = ud;
	cr_assert_eq(n, u->n + 1);
	if (u->n < 4)
		snprintf(u->got[u->n], sizeof u->got[0], "%s", url);
	u->n++;
	return 0;
}

Test(pool_sql, replica_url_lists)
{
	struct urls u = { 0 };
	cr_assert_eq(
		strata__split_urls(" postgres://a@h1/db ,postgresql://b@h2:5433/db?sslmode=require,", collect_url, &u),
		0);
	cr_assert_eq(u.n, 2);
	cr_assert_str_eq(u.got[0], "postgres://a@h1/db");
	cr_assert_str_eq(u.got[1], "postgresql://b@h2:5433/db?sslmode=require");
	/* libpq's multi-host URLs keep their commas */
	memset(&u, 0, sizeof u);
	cr_assert_eq(strata__split_urls("postgres://h1:5432,h2:5432/db?target_session_attrs=any,postgres://h3/db",
					collect_url, &u),
		     0);
	cr_assert_eq(u.n, 2);
	cr_assert_str_eq(u.got[0], "postgres://h1:5432,h2:5432/db?target_session_attrs=any");
	cr_assert_str_eq(u.got[1], "postgres://h3/db");
	/* sqlite: starts a URL too (to be refused by name, not glued to the one before) */
	memset(&u, 0, sizeof u);
	cr_assert_eq(strata__split_urls("postgres://h1/db, sqlite:x.db", collect_url, &u), 0);
	cr_assert_eq(u.n, 2);
	cr_assert_str_eq(u.got[1], "sqlite:x.db");
	memset(&u, 0, sizeof u);
	cr_assert_eq(strata__split_urls(" , ,", collect_url, &u), 0);
	cr_assert_eq(u.n, 0);
}
