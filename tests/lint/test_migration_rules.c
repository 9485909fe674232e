/*
 * The migration rules: each fires on a flawed migration and stays quiet on
 * a sound one, on both dialects where the rule applies.  The first file
 * (M0) creates table t, so later files work on an existing table.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "testdb.h"

#define PG STRATA_BACKEND_POSTGRES
#define SQ STRATA_BACKEND_SQLITE

#define M0                                                                                              \
	"-- migrate:up\nCREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY, a varchar(100), b int);\n" \
	"-- migrate:down\nDROP TABLE IF EXISTS t;\n"

/* Lint M0 then `file` for `dialect`; does `rule` fire on the second file? */
static void expect2s(strata_backend d, const char *file, const char *rule, bool fire, const char *schema)
{
	const char *files[2] = { M0, file };
	strata_lint_report *r = lint_migs(d, files, 2, schema, NULL);
	size_t n = count_rule(r, rule);
	const char *dn = d == SQ ? "SQLite" : "PostgreSQL";
	if (fire)
		cr_assert(n > 0, "%s should fire on %s:\n%s\ngot:\n%s", rule, dn, file, report_text(r));
	else
		cr_assert(n == 0, "%s should not fire on %s:\n%s\ngot:\n%s", rule, dn, file, report_text(r));
	strata_lint_report_free(r);
}

#define expect2(d, file, rule, fire) expect2s((d), (file), (rule), (fire), NULL)

static void both(const char *file, const char *rule, bool fire)
{
	expect2(SQ, file, rule, fire);
	expect2(PG, file, rule, fire);
}

#define UP(x)	"-- migrate:up\n" x "\n-- migrate:down\n"
#define UPNT(x) "-- migrate:up transaction:false\n" x "\n-- migrate:down\n"

Test(migration_rules, drop_table)
{
	both(UP("DROP TABLE IF EXISTS t;") "CREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY, a varchar(100), b "
					   "int);\n",
	     "drop-table", true);
	/* A table created and dropped in the same migration loses nothing. */
	both(UP("CREATE TABLE IF NOT EXISTS tmp (id int);\nDROP TABLE IF EXISTS tmp;"), "drop-table", false);
	/* SQLite: a table rebuild that keeps every column is not a drop. */
	expect2(SQ,
		UP("CREATE TABLE IF NOT EXISTS t_new (id INTEGER PRIMARY KEY, a VARCHAR(100), b INTEGER, c TEXT);\n"
		   "INSERT INTO t_new (id, a, b) SELECT id, a, b FROM t;\n"
		   "DROP TABLE IF EXISTS t;\nALTER TABLE t_new RENAME TO t;"),
		"drop-table", false);
}

Test(migration_rules, drop_column)
{
	both(UP("ALTER TABLE t DROP COLUMN b;") "ALTER TABLE t ADD COLUMN b int;\n", "drop-column", true);
	both(UP("ALTER TABLE t ADD COLUMN c int;") "ALTER TABLE t DROP COLUMN c;\n", "drop-column", false);
	/* SQLite: a rebuild that leaves a column out drops it. */
	expect2(SQ,
		UP("CREATE TABLE IF NOT EXISTS t_new (id INTEGER PRIMARY KEY, a VARCHAR(100));\n"
		   "INSERT INTO t_new (id, a) SELECT id, a FROM t;\n"
		   "DROP TABLE IF EXISTS t;\nALTER TABLE t_new RENAME TO t;"),
		"drop-column", true);
}

Test(migration_rules, truncate_table)
{
	/* PostgreSQL only (SQLite has no TRUNCATE). */
	expect2(PG, UP("TRUNCATE t CASCADE;"), "truncate-table", true);
	expect2(PG, UP("DELETE FROM t WHERE b = 0;"), "truncate-table", false);
	expect2(SQ, UP("DELETE FROM t WHERE b = 0;"), "truncate-table", false);
}

Test(migration_rules, dml_without_where)
{
	both(UP("DELETE FROM t;"), "dml-without-where", true);
	both(UP("UPDATE t SET b = 0;"), "dml-without-where", true);
	both(UP("UPDATE t SET b = 0 WHERE b IS NULL;"), "dml-without-where", false);
	both(UP("DELETE FROM t WHERE id IN (SELECT id FROM t WHERE b < 0);"), "dml-without-where", false);
}

Test(migration_rules, narrowing_type)
{
	expect2(PG, UP("ALTER TABLE t ALTER COLUMN a TYPE varchar(50);"), "narrowing-type", true);
	expect2(PG, UP("ALTER TABLE t ALTER COLUMN b TYPE smallint;"), "narrowing-type", true);
	expect2(PG, UP("ALTER TABLE t ALTER COLUMN a TYPE varchar(200);"), "narrowing-type", false);
	expect2(PG, UP("ALTER TABLE t ALTER COLUMN a TYPE text;"), "narrowing-type", false);
	/* SQLite: found by comparing the table before and after a rebuild. */
	expect2(SQ,
		UP("CREATE TABLE IF NOT EXISTS t_new (id INTEGER PRIMARY KEY, a VARCHAR(50), b INTEGER);\n"
		   "INSERT INTO t_new SELECT id, a, b FROM t;\nDROP TABLE IF EXISTS t;\nALTER TABLE t_new RENAME TO "
		   "t;"),
		"narrowing-type", true);
	expect2(SQ,
		UP("CREATE TABLE IF NOT EXISTS t_new (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);\n"
		   "INSERT INTO t_new SELECT id, a, b FROM t;\nDROP TABLE IF EXISTS t;\nALTER TABLE t_new RENAME TO "
		   "t;"),
		"narrowing-type", false);
}

Test(migration_rules, add_index_concurrently)
{
	expect2(PG, UP("CREATE INDEX IF NOT EXISTS t_b_idx ON t (b);"), "add-index-concurrently", true);
	expect2(PG,
		"-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_b_idx ON t (b);\n"
		"-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS t_b_idx;\n",
		"add-index-concurrently", false);
	/* A table created in the same migration is empty: no need. */
	expect2(PG, UP("CREATE TABLE IF NOT EXISTS u (id int);\nCREATE INDEX IF NOT EXISTS u_id_idx ON u (id);"),
		"add-index-concurrently", false);
	expect2(PG, UP("ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);"), "add-index-concurrently", true);
	/* Not a SQLite rule. */
	expect2(SQ, UP("CREATE INDEX IF NOT EXISTS t_b_idx ON t (b);"), "add-index-concurrently", false);
}

Test(migration_rules, drop_index_concurrently)
{
	expect2(PG, UP("DROP INDEX IF EXISTS t_b_idx;"), "drop-index-concurrently", true);
	expect2(PG, "-- migrate:up transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS t_b_idx;\n-- migrate:down\n",
		"drop-index-concurrently", false);
	expect2(SQ, UP("DROP INDEX IF EXISTS t_b_idx;"), "drop-index-concurrently", false);
}

Test(migration_rules, concurrently_in_transaction)
{
	expect2(PG, UP("CREATE INDEX CONCURRENTLY IF NOT EXISTS t_b_idx ON t (b);"), "concurrently-in-transaction",
		true);
	expect2(PG, "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_b_idx ON t (b);\n",
		"concurrently-in-transaction", false);
}

Test(migration_rules, add_constraint_not_valid)
{
	expect2(PG, UP("ALTER TABLE t ADD CONSTRAINT t_b_fk FOREIGN KEY (b) REFERENCES t (id);"),
		"add-constraint-not-valid", true);
	expect2(PG, UP("ALTER TABLE t ADD CONSTRAINT t_b_pos CHECK (b > 0);"), "add-constraint-not-valid", true);
	expect2(PG, UP("ALTER TABLE t ADD CONSTRAINT t_b_fk FOREIGN KEY (b) REFERENCES t (id) NOT VALID;"),
		"add-constraint-not-valid", false);
	expect2(PG, UP("ALTER TABLE t VALIDATE CONSTRAINT t_b_fk;"), "add-constraint-not-valid", false);
}

Test(migration_rules, set_not_null)
{
	expect2(PG, UP("ALTER TABLE t ALTER COLUMN b SET NOT NULL;"), "set-not-null", true);
	expect2(PG, UP("ALTER TABLE t ALTER COLUMN b DROP NOT NULL;"), "set-not-null", false);
}

Test(migration_rules, volatile_default)
{
	expect2(PG, UP("ALTER TABLE t ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();"),
		"volatile-default", true);
	expect2(PG, UP("ALTER TABLE t ADD COLUMN IF NOT EXISTS seq bigserial;"), "volatile-default", true);
	expect2(PG, UP("ALTER TABLE t ADD COLUMN IF NOT EXISTS flag boolean NOT NULL DEFAULT false;"),
		"volatile-default", false);
	expect2(PG, UP("ALTER TABLE t ADD COLUMN IF NOT EXISTS seen timestamptz DEFAULT now();"), "volatile-default",
		false);
}

Test(migration_rules, alter_column_type)
{
	expect2(PG, UP("ALTER TABLE t ALTER COLUMN b TYPE bigint;"), "alter-column-type", true);
	expect2(PG, UP("ALTER TABLE t ALTER COLUMN a TYPE varchar(200);"), "alter-column-type", false);
}

Test(migration_rules, add_not_null_column)
{
	both(UP("ALTER TABLE t ADD COLUMN c int NOT NULL;"), "add-not-null-column", true);
	both(UP("ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;"), "add-not-null-column", false);
	both(UP("ALTER TABLE t ADD COLUMN c int;"), "add-not-null-column", false);
}

Test(migration_rules, require_lock_timeout)
{
	expect2(PG, UP("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int;"), "require-lock-timeout", true);
	expect2(PG, UP("SET lock_timeout = '5s';\nALTER TABLE t ADD COLUMN IF NOT EXISTS c int;"),
		"require-lock-timeout", false);
	/* Work on a new table takes no lock worth waiting for. */
	expect2(PG, UP("CREATE TABLE IF NOT EXISTS u (id int);\nALTER TABLE u ADD COLUMN IF NOT EXISTS c int;"),
		"require-lock-timeout", false);
}

Test(migration_rules, rename_table)
{
	both(UP("ALTER TABLE t RENAME TO t2;") "ALTER TABLE t2 RENAME TO t;\n", "rename-table", true);
	both(UP("CREATE TABLE IF NOT EXISTS u (id int);\nALTER TABLE u RENAME TO u2;") "DROP TABLE IF EXISTS u2;\n",
	     "rename-table", false);
	/* SQLite: a rebuild through a temporary name keeps the table's name. */
	expect2(SQ,
		UP("ALTER TABLE t RENAME TO t__old;\n"
		   "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, a VARCHAR(100), b INTEGER);\n"
		   "INSERT INTO t SELECT id, a, b FROM t__old;\nDROP TABLE IF EXISTS t__old;"),
		"rename-table", false);
}

Test(migration_rules, rename_column)
{
	both(UP("ALTER TABLE t RENAME COLUMN b TO c;") "ALTER TABLE t RENAME COLUMN c TO b;\n", "rename-column", true);
	both(UP("ALTER TABLE t ADD COLUMN c int;") "ALTER TABLE t DROP COLUMN c;\n", "rename-column", false);
}

Test(migration_rules, drop_column_in_schema)
{
	const char *still = "table t {\n id bigint primary key\n a string(100)\n b int\n}\n";
	const char *gone = "table t {\n id bigint primary key\n a string(100)\n}\n";
	const char *mig = UP("ALTER TABLE t DROP COLUMN b;") "ALTER TABLE t ADD COLUMN b int;\n";
	expect2s(SQ, mig, "drop-column-in-schema", true, still);
	expect2s(PG, mig, "drop-column-in-schema", true, still);
	expect2s(SQ, mig, "drop-column-in-schema", false, gone);
	expect2s(PG, mig, "drop-column-in-schema", false, gone);
}

Test(migration_rules, require_if_exists)
{
	/* Outside a transaction a half-applied migration is re-run over its own work. */
	both(UPNT("CREATE TABLE u (id int);") "DROP TABLE IF EXISTS u;\n", "require-if-exists", true);
	both(UPNT("CREATE INDEX t_b_idx ON t (b);") "DROP INDEX IF EXISTS t_b_idx;\n", "require-if-exists", true);
	both(UPNT("CREATE TABLE IF NOT EXISTS u (id int);") "DROP TABLE u;\n", "require-if-exists", false);
	expect2(PG, UPNT("ALTER TABLE t DROP CONSTRAINT t_b_check;"), "require-if-exists", true);
	expect2(PG, UPNT("ALTER TABLE t DROP CONSTRAINT IF EXISTS t_b_check;"), "require-if-exists", false);
	expect2(PG, UPNT("ALTER TABLE t ADD COLUMN c int;"), "require-if-exists", true);
	/* Inside one (the runner's, or the file's own BEGIN ... COMMIT) a failure rolls everything back. */
	both(UP("CREATE TABLE u (id int);\nCREATE INDEX t_b_idx ON t (b);") "DROP TABLE IF EXISTS u;\n",
	     "require-if-exists", false);
	expect2(PG, UP("ALTER TABLE t ADD COLUMN c int;\nALTER TABLE t DROP CONSTRAINT t_b_check;"),
		"require-if-exists", false);
	both(UPNT("BEGIN;\nCREATE TABLE u (id int);\nCOMMIT;") "DROP TABLE IF EXISTS u;\n", "require-if-exists", false);
}

Test(migration_rules, require_down)
{
	both("-- migrate:up\nCREATE TABLE IF NOT EXISTS u (id int);\n", "require-down", true);
	both(UP("CREATE TABLE IF NOT EXISTS u (id int);") "DROP TABLE IF EXISTS u;\n", "require-down", false);
}

Test(migration_rules, down_not_inverse)
{
	both(UP("CREATE TABLE IF NOT EXISTS u (id int);") "SELECT 1;\n", "down-not-inverse", true);
	both(UP("ALTER TABLE t ADD COLUMN c int;") "SELECT 1;\n", "down-not-inverse", true);
	both(UP("CREATE INDEX IF NOT EXISTS t_b_idx ON t (b);") "SELECT 1;\n", "down-not-inverse", true);
	both(UP("CREATE TABLE IF NOT EXISTS u (id int);\nCREATE INDEX IF NOT EXISTS u_id_idx ON u (id);") "DROP TABLE "
													  "IF EXISTS "
													  "u;\n",
	     "down-not-inverse", false);
	both(UP("ALTER TABLE t ADD COLUMN c int;") "ALTER TABLE t DROP COLUMN c;\n", "down-not-inverse", false);
}

Test(migration_rules, invalid_sql)
{
	both(UP("CREATE TABLE IF NOT EXISTS (id int);"), "invalid-sql", true);
	both(UP("CREATE TABLE IF NOT EXISTS u (id int);") "DROP TABLE IF EXISTS u;\n", "invalid-sql", false);
	/* SQLite: applying to the scratch database finds a missing table. */
	expect2(SQ, UP("ALTER TABLE nosuch ADD COLUMN c int;"), "invalid-sql", true);
}

Test(migration_rules, identifier_too_long)
{
	/* Schema files cannot hold such names (the parser refuses them); migrations and live databases can. */
	both(UP("CREATE TABLE IF NOT EXISTS a_very_long_table_name_that_goes_on_and_on_past_what_postgres_keeps (id "
		"int);") "DROP TABLE IF EXISTS a_very_long_table_name_that_goes_on_and_on_past_what_postgres_keeps;\n",
	     "identifier-too-long", true);
	both(UP("ALTER TABLE t ADD COLUMN a_very_long_column_name_that_goes_on_and_on_past_what_postgres_keeps "
		"int;") "SELECT 1;\n",
	     "identifier-too-long", true);
	both(UP("CREATE TABLE IF NOT EXISTS a_short_name (id int);") "DROP TABLE IF EXISTS a_short_name;\n",
	     "identifier-too-long", false);
}

Test(migration_rules, suppressions)
{
	const char *files[2] = {
		M0,
		"-- migrate:up\n"
		"-- strata-lint: ignore dml-without-where every row is meant\n"
		"DELETE\n  FROM t;\n"
		"-- strata-lint: ignore drop-table\n"
		"UPDATE t SET b = 1 WHERE id = 2;\n"
		"-- strata-lint: ignore no-such-rule because\n"
		"SELECT 1;\n"
		"-- migrate:down\n",
	};
	for (int d = 0; d < 2; d++) {
		strata_lint_report *r = lint_migs(d ? PG : SQ, files, 2, NULL, NULL);
		QUIET(r, "dml-without-where");
		cr_assert_eq(count_rule(r, "unused-suppression"), 2, "%s", report_text(r));
		cr_assert_eq(count_rule(r, "suppression-without-reason"), 1, "%s", report_text(r));
		cr_assert_eq(strata_lint_report_suppressed(r), 1);
		strata_lint_report_free(r);
	}
}

Test(migration_rules, since_reports_only_newer)
{
	const char *files[2] = { "-- migrate:up\nCREATE TABLE t (id int);\n", UP("DELETE FROM t;") };
	char *dir = test_tmpdir();
	for (int i = 0; i < 2; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/2026010100000%d_m.sql", dir, i);
		FILE *f = fopen(path, "w");
		cr_assert(f, "cannot write %s", path);
		fputs(files[i], f);
		fclose(f);
	}
	strata_lint_report *r;
	ST_OK(strata_lint_report_new(&r));
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	o.since = "20260101000000";
	ST_OK(strata_lint_migrations_dir(r, dir, &o));
	QUIET(r, "require-down");
	QUIET(r, "require-if-exists");
	FIRES(r, "dml-without-where");
	strata_lint_report_free(r);
	/* The runner's call: only destructive and locking rules, only pending files. */
	size_t errors = 0;
	ST_OK(strata_lint_pending(&r, dir, STRATA_BACKEND_POSTGRES, "20260101000000", NULL, &errors));
	cr_assert_eq(errors, 1, "%s", report_text(r));
	QUIET(r, "require-down");
	strata_lint_report_free(r);
	test_rmrf(dir);
	free(dir);
}

/* PostgreSQL down sections checked on a scratch database on the test server. */
static strata_lint_report *lint_pg_scratch(const char *file)
{
	const char *files[2] = { M0, file };
	strata_lint_config *cfg;
	ST_OK(strata_lint_config_new(&cfg));
	ST_OK(strata_lint_config_set(cfg, "scratch-db", test_pg_base_url()));
	strata_lint_report *r = lint_migs(PG, files, 2, NULL, cfg);
	strata_lint_config_free(cfg);
	return r;
}

Test(migration_rules, down_not_inverse_pg_scratch)
{
	strata_lint_report *r = lint_pg_scratch(UP("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int;") "SELECT 1;\n");
	FIRES(r, "down-not-inverse");
	cr_assert(strstr(report_text(r), "column t.c is left behind"), "%s", report_text(r));
	strata_lint_report_free(r);
	/* A type change undone with a different type is caught only by running it. */
	r = lint_pg_scratch(
		UP("ALTER TABLE t ALTER COLUMN b TYPE bigint;") "ALTER TABLE t ALTER COLUMN b TYPE numeric;\n");
	FIRES(r, "down-not-inverse");
	strata_lint_report_free(r);
	r = lint_pg_scratch(
		UP("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int;") "ALTER TABLE t DROP COLUMN IF EXISTS c;\n");
	QUIET(r, "down-not-inverse");
	QUIET(r, "invalid-sql");
	strata_lint_report_free(r);
	/* A statement that parses but does not apply. */
	r = lint_pg_scratch(UP("ALTER TABLE nosuch ADD COLUMN IF NOT EXISTS c int;") "SELECT 1;\n");
	FIRES(r, "invalid-sql");
	strata_lint_report_free(r);
}

/*
 * A migration written by `strata migrate diff` states what the schema file
 * says: column design is reported on the schema file, not on it; the same
 * text by hand is checked.
 */
Test(migration_rules, diff_written_migrations_leave_design_to_the_schema)
{
	static const char body[] = "CREATE TABLE IF NOT EXISTS t (id integer PRIMARY KEY, at timestamp);\n"
				   "-- migrate:down\nDROP TABLE IF EXISTS t;\n";
	char file[512];
	snprintf(file, sizeof file, "-- migrate:up\n-- add t (written by strata migrate diff)\n%s", body);
	strata_lint_report *r = lint_mig(STRATA_BACKEND_POSTGRES, file);
	QUIET(r, "prefer-bigint-over-int");
	QUIET(r, "timestamp-without-tz");
	strata_lint_report_free(r);
	snprintf(file, sizeof file, "-- migrate:up\n-- add t by hand\n%s", body);
	r = lint_mig(STRATA_BACKEND_POSTGRES, file);
	FIRES(r, "prefer-bigint-over-int");
	FIRES(r, "timestamp-without-tz");
	strata_lint_report_free(r);
}

/* A materialized view made in the migration is new: its indexes need no CONCURRENTLY, and dropping it drops them. */
Test(migration_rules, materialized_view_created_in_the_migration)
{
	strata_lint_report *r =
		lint_mig(STRATA_BACKEND_POSTGRES,
			 "-- migrate:up\nCREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY);\n"
			 "CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT id FROM t;\n"
			 "CREATE UNIQUE INDEX IF NOT EXISTS mv_id ON mv (id);\n"
			 "-- migrate:down\nDROP MATERIALIZED VIEW IF EXISTS mv;\nDROP TABLE IF EXISTS t;\n");
	QUIET(r, "add-index-concurrently");
	QUIET(r, "down-not-inverse");
	strata_lint_report_free(r);
	/* outside a transaction, a re-run fails on it: it is a CREATE like the others */
	r = lint_mig(STRATA_BACKEND_POSTGRES,
		     "-- migrate:up transaction:false\nCREATE MATERIALIZED VIEW mv AS SELECT 1 AS a;\n"
		     "-- migrate:down transaction:false\nDROP MATERIALIZED VIEW IF EXISTS mv;\n");
	FIRES(r, "require-if-exists");
	strata_lint_report_free(r);
}

/* An index dropped and made again in the same up section (to change a type under it) needs nothing in down. */
Test(migration_rules, index_made_again_in_up_is_its_own_inverse)
{
	strata_lint_report *r = lint_mig(STRATA_BACKEND_POSTGRES,
					 "-- migrate:up\nDROP INDEX IF EXISTS t_open;\n"
					 "CREATE INDEX IF NOT EXISTS t_open ON t (code) WHERE state = 'open';\n"
					 "-- migrate:down\nSELECT 1;\n");
	QUIET(r, "down-not-inverse");
	strata_lint_report_free(r);
	r = lint_mig(STRATA_BACKEND_POSTGRES,
		     "-- migrate:up\nDROP INDEX IF EXISTS t_open;\n-- migrate:down\nSELECT 1;\n");
	FIRES(r, "down-not-inverse");
	strata_lint_report_free(r);
}
