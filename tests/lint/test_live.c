/* The design rules on a live database, read back through introspection, on both backends. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "testdb.h"

static strata_lint_report *lint_live(strata_db *db)
{
	strata_lint_report *r;
	ST_OK(strata_lint_report_new(&r));
	ST_OK(strata_lint_db(r, db, NULL));
	strata_lint_report_sort(r);
	return r;
}

DB_TEST(live, primary_key_and_fk_index)
{
	(void)url;
	(void)backend;
	ST_OK(strata_exec(db, "CREATE TABLE parents (id bigint PRIMARY KEY, name varchar(50))"));
	ST_OK(strata_exec(db, "CREATE TABLE loose (name varchar(50))"));
	ST_OK(strata_exec(db, "CREATE TABLE kids (id bigint PRIMARY KEY, parent_id bigint REFERENCES parents (id) "
			      "ON DELETE CASCADE)"));
	strata_lint_report *r = lint_live(db);
	FIRES(r, "require-primary-key");
	FIRES(r, "fk-missing-index");
	bool loose = false, parents = false;
	for (size_t i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_get(r, i);
		if (!strcmp(f->rule, "require-primary-key")) {
			loose |= !strcmp(f->object, "loose");
			parents |= !strcmp(f->object, "parents");
		}
		cr_assert_eq(f->line, 0);
	}
	cr_assert(loose && !parents, "%s", report_text(r));
	strata_lint_report_free(r);

	ST_OK(strata_exec(db, "CREATE INDEX kids_parent_idx ON kids (parent_id)"));
	r = lint_live(db);
	QUIET(r, "fk-missing-index");
	strata_lint_report_free(r);
}

DB_TEST(live, types)
{
	(void)url;
	ST_OK(strata_exec(db, "CREATE TABLE prices (id bigint PRIMARY KEY, amount real, seen_at timestamp, "
			      "code char(3))"));
	strata_lint_report *r = lint_live(db);
	FIRES(r, "money-as-float");
	if (backend == STRATA_BACKEND_POSTGRES) {
		FIRES(r, "timestamp-without-tz");
		FIRES(r, "char-type");
	} else {
		QUIET(r, "timestamp-without-tz");
	}
	strata_lint_report_free(r);
}

Test(live, long_identifier_sqlite)
{
	/* SQLite keeps any length; PostgreSQL would truncate it. */
	char *dir = test_tmpdir();
	char url[512];
	snprintf(url, sizeof url, "sqlite:%s/t.db", dir);
	strata_db *db;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(db, "CREATE TABLE a_very_long_table_name_that_goes_on_and_on_past_what_postgres_keeps "
			      "(id integer primary key)"));
	strata_lint_report *r = lint_live(db);
	FIRES(r, "identifier-too-long");
	strata_lint_report_free(r);
	ST_OK(strata_exec(db, "DROP TABLE a_very_long_table_name_that_goes_on_and_on_past_what_postgres_keeps"));
	ST_OK(strata_exec(db, "CREATE TABLE short_name (id integer primary key)"));
	r = lint_live(db);
	QUIET(r, "identifier-too-long");
	strata_lint_report_free(r);
	strata_close(db);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(live, example_schema_applied_lints_clean)
{
	(void)db;
	(void)backend;
	char *out = NULL;
	int st = test_run_cmd(&out, "%s schema apply --schema %s/examples/tasks/schema.strata --url '%s' 2>&1",
			      STRATA_CLI, STRATA_SOURCE_DIR, url);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	st = test_run_cmd(&out, "%s lint --db '%s' 2>&1", STRATA_CLI, url);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "0 errors, 0 warnings"), "%s", out);
	free(out);
}
