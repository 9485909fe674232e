/*
 * The health checks pghero users rely on, each condition made for real:
 * blocked and long-running queries, long transactions, connection
 * saturation (configuration), queries whose mean time grew (queries).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "support.h"

static int health(char **out, const char *dir, const char *url, const char *args)
{
	char cmd[4400];
	snprintf(cmd, sizeof cmd, "health --url '%s' %s", url, args);
	return insights_cli(out, dir, cmd);
}

Test(health_insights, blocked_long_queries_and_transactions_postgres)
{
	char name[64];
	char *url = test_pg_create_db(name, sizeof name), *dir = test_tmpdir(), *out;
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	insights_blocked b;
	insights_block(&b, db, url);
	nanosleep(&(struct timespec){ 0, 300 * 1000 * 1000 }, NULL);

	/* the defaults see nothing wrong yet: minutes, not a fraction of a second */
	int rc = health(&out, dir, url, "--check configuration");
	HASNT(out, "blocked_query");
	HASNT(out, "long_running_transaction");
	free(out);

	rc = health(&out, dir, url,
		    "--check configuration --set long_query_ms=100 --set long_transaction_ms=100 "
		    "--set idle_in_transaction_ms=3600000 --json");
	cr_assert_eq(rc, 1, "%s", out);
	char want[160];
	snprintf(want, sizeof want, "session pid %lld has waited", (long long)b.waiter_pid);
	HAS(out, want);
	snprintf(want, sizeof want, "blocked by pid %lld", (long long)b.holder_pid);
	HAS(out, want);
	HAS(out, "\"blocked_query\"");
	HAS(out, "\"long_running_query\""); /* the waiter has run its update for 300 ms */
	HAS(out, "\"long_running_transaction\"");
	snprintf(want, sizeof want, "session pid %lld (user strata", (long long)b.holder_pid);
	HAS(out, want);
	HAS(out, "has had a transaction open for");
	free(out);

	/* the holder idle in its transaction past that threshold: reported once, as idle */
	rc = health(&out, dir, url,
		    "--check configuration --set long_transaction_ms=100 --set idle_in_transaction_ms=100 --json");
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "\"idle_in_transaction\"");
	snprintf(want, sizeof want, "\"pid %lld\"", (long long)b.holder_pid);
	char *first = strstr(out, want);
	cr_assert(first && !strstr(first + 1, want), "the holder is reported once:\n%s", out);
	free(out);
	insights_unblock(&b);

	/* saturation: the share of max_connections in use */
	rc = health(&out, dir, url, "--check configuration --set connections_used=0.001");
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "connections are in use (threshold 0%)");
	free(out);
	strata_close(db);
	test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
	free(url);
}

static void run_lookups(strata_db *db, int times)
{
	for (int i = 0; i < times; i++) {
		int64_t n;
		ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM events WHERE kind = ?",
					 (strata_value[]){ STRATA_INT(i % 5) }, 1));
	}
}

Test(health_insights, queries_whose_mean_time_grew_postgres)
{
	char name[64];
	char *url = test_pg_create_db(name, sizeof name), *dir = test_tmpdir(), *out, args[4400];
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));

	/* without a baseline the check is skipped, saying how to make one */
	int rc = health(&out, dir, url, "--check queries");
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "no baseline");
	HAS(out, "strata stats --queries --json");
	free(out);

	ST_OK(strata_exec(db, "CREATE EXTENSION pg_stat_statements"));
	ST_OK(strata_exec(db, "CREATE TABLE events (id bigserial PRIMARY KEY, kind int NOT NULL, body text)"));
	ST_OK(strata_exec(db, "INSERT INTO events (kind, body) SELECT g % 5, 'e' FROM generate_series(1, 20) g"));
	ST_OK(strata_exec(db, "SELECT pg_stat_statements_reset()"));
	run_lookups(db, 60);
	snprintf(args, sizeof args, "stats --queries --json --limit 100000 --url '%s' > strata-queries.json", url);
	rc = insights_cli(&out, dir, args);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);

	/* the same speed: nothing to report */
	run_lookups(db, 60);
	rc = health(&out, dir, url, "--check queries --set query_mean_growth_pct=400");
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "none slower");
	free(out);

	/* the table grows a thousandfold with no index on kind: the lookup's mean grows */
	ST_OK(strata_exec(
		db, "INSERT INTO events (kind, body) SELECT g % 5, repeat('e', 50) FROM generate_series(1, 300000) g"));
	run_lookups(db, 60);
	rc = health(&out, dir, url, "--check queries");
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "mean time grew from");
	HAS(out, "SELECT count(*) FROM events WHERE kind = $1");
	free(out);

	/* a baseline that is not one: a failure naming the file */
	test_run_cmd(NULL, "echo '{\"statements\": 5}' > '%s/other.json'", dir);
	rc = health(&out, dir, url, "--check queries --set queries_baseline=other.json");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "other.json is not the output of strata stats --queries --json");
	free(out);
	test_run_cmd(NULL, "echo '{\"statements\": [' > '%s/cut.json'", dir);
	rc = health(&out, dir, url, "--check queries --set queries_baseline=cut.json");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "cut.json:");
	free(out);
	strata_close(db);
	test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
	free(url);
}

Test(health_insights, queries_check_is_postgres_only_sqlite)
{
	char *dir = test_tmpdir(), url[4200], *out;
	snprintf(url, sizeof url, "sqlite:%s/app.db", dir);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	strata_close(db);
	int rc = health(&out, dir, url, "--check queries");
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "PostgreSQL only");
	free(out);
	rc = health(&out, dir, url, "--check views");
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "no materialized views");
	free(out);
	test_rmrf(dir);
	free(dir);
}
