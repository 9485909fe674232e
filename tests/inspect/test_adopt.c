/*
 * Adopting a database Strata did not create.  The proof, on fixtures of
 * our own (tests/inspect/fixtures/): inspect the database, apply the
 * printed schema file to an empty database of the same dialect, inspect
 * that: the same file, no difference either way, and on PostgreSQL the
 * same `pg_dump --schema-only` once sorted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/diff.h>
#include <strata/inspect.h>
#include <strata/sql.h>

#include "testdb.h"

/* An empty database of the same kind as the test's: its URL (free()); *cleanup is what to remove. */
static char *empty_db(strata_backend backend, char *pgname, size_t cap, char **tmpdir)
{
	*tmpdir = NULL;
	if (backend == STRATA_BACKEND_POSTGRES)
		return test_pg_create_db(pgname, cap);
	*tmpdir = test_tmpdir();
	size_t n = strlen(*tmpdir) + 32;
	char *url = malloc(n);
	snprintf(url, n, "sqlite:%s/empty.db", *tmpdir);
	return url;
}

/* `pg_dump --schema-only` of `url`, its lines sorted, without comments, blank lines and the random \restrict keys of
 * pg_dump 15.14+. */
static char *sorted_dump(const char *url)
{
	char *out = NULL;
	int rc = test_run_cmd(&out,
			      "pg_dump --schema-only --no-owner --no-privileges '%s' | grep -v -e '^--' -e '^$' -e "
			      "'^.restrict ' -e '^.unrestrict ' | LC_ALL=C sort",
			      url);
	cr_assert_eq(rc, 0, "pg_dump: %s", out);
	return out;
}

static void no_changes(const strata_schema *from, const strata_schema *to, strata_backend backend, const char *what)
{
	strata_plan *p = NULL;
	ST_OK(strata_diff(from, to, backend, &p));
	cr_assert_eq(p->nchanges, 0, "%s: %s\n%s", what, p->nchanges ? p->changes[0].summary : "", p->up);
	strata_plan_free(p);
}

/* The round trip of the adoption proof; returns the printed schema file (free()). */
static char *adopt(strata_db *db, const char *url, strata_backend backend)
{
	strata_schema *live = NULL, *file = NULL, *again = NULL;
	char *text = NULL, *text2 = NULL, *tmpdir = NULL, pgname[64];
	ST_OK(strata_inspect(db, NULL, &live));
	ST_OK(strata_schema_print(live, 0, &text));
	int prc = strata_schema_parse(&file, text, strlen(text), "inspected.strata");
	cr_assert_eq(prc, STRATA_OK, "%s\n---- the printed file:\n%s", strata_error_last()->message, text);
	no_changes(live, file, backend, "the printed file describes the database");

	char *url2 = empty_db(backend, pgname, sizeof pgname, &tmpdir);
	strata_db *fresh = NULL;
	ST_OK(strata_open(&fresh, url2, NULL));
	int arc = strata_schema_apply(fresh, file);
	cr_assert_eq(arc, STRATA_OK, "applying the printed file: %s\n----\n%s", strata_error_last()->message, text);
	ST_OK(strata_inspect(fresh, NULL, &again));
	ST_OK(strata_schema_print(again, 0, &text2));
	cr_assert_str_eq(text2, text, "inspected again:\n%s\n---- first:\n%s", text2, text);
	no_changes(live, again, backend, "migrate diff from the fixture to the copy");
	no_changes(again, live, backend, "migrate diff from the copy to the fixture");
	if (backend == STRATA_BACKEND_POSTGRES) {
		char *d1 = sorted_dump(url), *d2 = sorted_dump(url2);
		cr_assert_str_eq(d2, d1, "pg_dump of the copy:\n%s\n---- of the fixture:\n%s", d2, d1);
		free(d1);
		free(d2);
	}
	strata_close(fresh);
	if (backend == STRATA_BACKEND_POSTGRES)
		test_pg_drop_db(pgname);
	else
		test_rmrf(tmpdir);
	free(tmpdir);
	free(url2);
	free(text2);
	strata_schema_free(live);
	strata_schema_free(file);
	strata_schema_free(again);
	return text;
}

DB_TEST(adopt, views_of_a_foreign_database)
{
	ST_OK(strata_exec(db, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2));"
			      "CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10;"
			      "CREATE VIEW cheap_names AS SELECT name FROM cheap;"));
	if (backend == STRATA_BACKEND_POSTGRES)
		ST_OK(strata_exec(
			db, "CREATE MATERIALIZED VIEW item_count AS SELECT count(*) AS n, max(price) AS top FROM items;"
			    "CREATE UNIQUE INDEX item_count_n ON item_count (n);"));
	char *text = adopt(db, url, backend);
	const char *a = strstr(text, "view cheap as sql("), *b = strstr(text, "view cheap_names as sql(");
	cr_assert(a && b && a < b, "a view comes after the view it reads:\n%s", text);
	if (backend == STRATA_BACKEND_POSTGRES)
		cr_assert(strstr(text, "materialized view item_count as sql(") &&
				  strstr(text, "unique index item_count_n (n)"),
			  "%s", text);
	free(text);
}
