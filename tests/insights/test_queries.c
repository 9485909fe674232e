/*
 * strata stats --queries: PostgreSQL's pg_stat_statements (the test server
 * preloads it) and the statistics an application saved, on both backends.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include <strata/activity.h>
#include <strata/query_stats.h>

#include "support.h"

Test(stats_queries, pg_stat_statements_postgres)
{
	char name[64];
	char *url = test_pg_create_db(name, sizeof name);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	char args[1024], *out;

	/* loaded by the server but not created in this database: a hint, exit 1 */
	snprintf(args, sizeof args, "stats --queries --url '%s'", url);
	int rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "CREATE EXTENSION pg_stat_statements");
	free(out);
	strata_statements *s = NULL;
	ST_OK(strata_statements_collect(db, NULL, &s));
	cr_assert(!s->available);
	HAS(s->hint, "CREATE EXTENSION pg_stat_statements");
	strata_statements_free(s);

	ST_OK(strata_exec(db, "CREATE EXTENSION pg_stat_statements"));
	ST_OK(strata_exec(db, "CREATE TABLE notes (id bigint PRIMARY KEY, body text)"));
	ST_OK(strata_exec(db, "SELECT pg_stat_statements_reset()"));
	for (int i = 1; i <= 30; i++)
		ST_OK(strata_execv(db, "INSERT INTO notes VALUES (?, ?)", STRATA_INT(i), STRATA_TEXT("x")));
	for (int i = 1; i <= 7; i++) {
		int64_t n;
		ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM notes WHERE id > ?",
					 (strata_value[]){ STRATA_INT(i) }, 1));
	}

	strata_statements_options o = STRATA_STATEMENTS_OPTIONS_INIT;
	o.order = "calls";
	ST_OK(strata_statements_collect(db, &o, &s));
	cr_assert(s->available, "%s", s->hint);
	cr_assert_geq(s->count, 2);
	HAS(s->statements[0].query, "INSERT INTO notes VALUES ($1, $2)");
	cr_assert_eq(s->statements[0].calls, 30);
	cr_assert_eq(s->statements[0].rows, 30);
	bool counted = false;
	for (size_t i = 0; i < s->count; i++)
		if (strstr(s->statements[i].query, "FROM notes WHERE id >")) {
			cr_assert_eq(s->statements[i].calls, 7);
			cr_assert_geq(s->statements[i].hit_ratio, 0);
			counted = true;
		}
	cr_assert(counted);
	strata_statements_free(s);

	rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "from pg_stat_statements");
	HAS(out, "INSERT INTO notes VALUES ($1, $2)");
	HAS(out, "CACHE HIT");
	HASNT(out, "strata-test-pw");
	free(out);

	snprintf(args, sizeof args, "stats --queries --order calls --limit 1 --json --url '%s'", url);
	rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 0, "%s", out);
	json_t *root = json_loads(out, 0, NULL);
	cr_assert(root, "JSON: %s", out);
	json_t *list = json_object_get(root, "statements");
	cr_assert_eq(json_array_size(list), 1);
	json_t *first = json_array_get(list, 0);
	cr_assert_eq(json_integer_value(json_object_get(first, "calls")), 30);
	json_decref(root);
	free(out);

	ST_EXPECT(strata_statements_collect(
			  db, &(strata_statements_options){ STRATA_STATEMENTS_OPTIONS_VERSION, 5, "slowest" }, &s),
		  STRATA_EINVAL);
	strata_close(db);
	test_pg_drop_db(name);
	free(url);
}

Test(stats_queries, sqlite_has_no_server_statistics)
{
	char *dir = test_tmpdir(), args[4400], *out;
	snprintf(args, sizeof args, "stats --queries --url 'sqlite:%s/app.db'", dir);
	strata_db *db = NULL;
	char url[4200];
	snprintf(url, sizeof url, "sqlite:%s/app.db", dir);
	ST_OK(strata_open(&db, url, NULL));
	int rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "--file");
	free(out);
	strata_statements *s = NULL;
	ST_EXPECT(strata_statements_collect(db, NULL, &s), STRATA_EUNSUPPORTED);
	strata_close(db);
	test_rmrf(dir);
	free(dir);
}

/* An application with statistics on saves them; the command reads the file. */
DB_TEST(stats_queries, saved_by_the_application)
{
	(void)backend;
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.query_stats = STRATA_ON;
	strata_db *app = NULL;
	ST_OK(strata_open(&app, url, &o));
	ST_OK(strata_exec(app, "CREATE TABLE items (id bigint PRIMARY KEY, name text)"));
	for (int i = 1; i <= 12; i++)
		ST_OK(strata_execv(app, "INSERT INTO items VALUES (?, ?)", STRATA_INT(i), STRATA_TEXT("n")));
	int64_t n;
	ST_OK(strata_query_int64(app, &n, "SELECT count(*) FROM items WHERE id IN (1, 2, 3)", NULL, 0));
	ST_OK(strata_query_int64(app, &n, "SELECT count(*) FROM items WHERE id IN (4, 5)", NULL, 0));
	cr_assert_neq(strata_exec(app, "INSERT INTO items VALUES (1, 'again')"), STRATA_OK);
	strata_query_stats *s = NULL;
	ST_OK(strata_db_query_stats(app, &s));
	char *dir = test_tmpdir(), path[4200], args[4400], *out;
	snprintf(path, sizeof path, "%s/queries.json", dir);
	ST_OK(strata_query_stats_save(s, path));
	strata_query_stats_free(s);
	strata_close(app);
	(void)db;

	snprintf(args, sizeof args, "stats --queries --file '%s'", path);
	int rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "Queries of the application");
	HAS(out, "insert into items values (...)");
	HAS(out, "where id in (...)"); /* both IN lists are one query */
	HAS(out, "P99");
	free(out);

	snprintf(args, sizeof args, "stats --queries --json --order calls --limit 2 --file '%s'", path);
	rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 0, "%s", out);
	json_t *root = json_loads(out, 0, NULL);
	cr_assert(root, "JSON: %s", out);
	json_t *q = json_object_get(root, "queries");
	cr_assert_eq(json_array_size(q), 2);
	json_t *first = json_array_get(q, 0);
	HAS(json_string_value(json_object_get(first, "fingerprint")), "insert into items");
	cr_assert_eq(json_integer_value(json_object_get(first, "calls")), 13);
	cr_assert_eq(json_integer_value(json_object_get(first, "errors")), 1);
	json_t *second = json_array_get(q, 1);
	HAS(json_string_value(json_object_get(second, "fingerprint")), "in (...)");
	cr_assert_eq(json_integer_value(json_object_get(second, "calls")), 2);
	json_decref(root);
	free(out);

	/* bad input: each names what is wrong */
	snprintf(args, sizeof args, "stats --queries --file '%s/none.json'", dir);
	rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "none.json");
	free(out);
	snprintf(args, sizeof args, "sh -c 'echo \"{\\\"format\\\": 3}\" > %s/bad.json'", dir);
	test_run_cmd(NULL, "%s", args);
	snprintf(args, sizeof args, "stats --queries --file '%s/bad.json'", dir);
	rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "bad.json");
	free(out);
	snprintf(args, sizeof args, "stats --queries --file '%s' --url '%s'", path, url);
	rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "--file and --url");
	free(out);
	rc = insights_cli(&out, NULL, "stats --queries --limit 0 --file x.json");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "--limit '0'");
	free(out);
	rc = insights_cli(&out, NULL, "stats --queries --order slowest --file x.json");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "--order 'slowest'");
	free(out);
	test_rmrf(dir);
	free(dir);
}
