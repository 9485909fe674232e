/* Parse errors, drift, usage errors: each says where, and the database is left as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static const char ok1[] = "-- migrate:up\nCREATE TABLE a (id integer);\n-- migrate:down\nDROP TABLE a;\n";
static const char ok2[] = "-- migrate:up\nCREATE TABLE b (id integer);\n-- migrate:down\nDROP TABLE b;\n";
static const char ok3[] = "-- migrate:up\nCREATE TABLE c (id integer);\n-- migrate:down\nDROP TABLE c;\n";

/* `up` on a directory holding `name` (with ok1 beside it) fails with `want`, touching nothing. */
static void parse_error(strata_db *db, const char *url, const char *name, const char *text, const char *want)
{
	char *dir = proj_new(), *out, rel[512];
	proj_put(dir, "migrations/001_ok.sql", ok1);
	snprintf(rel, sizeof rel, "migrations/%s", name);
	proj_put(dir, rel, text);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, want);
	free(out);
	cr_assert_eq(ledger_count(db), -1, "a parse error touches nothing");
	cr_assert(!table_exists(db, "a"));
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_errors, text_before_first_marker)
{
	parse_error(db, url, "002_x.sql", "-- a comment is fine\n\nCREATE TABLE x (id integer);\n-- migrate:up\n",
		    "migrations/002_x.sql:3:1: text before the first '-- migrate:up' marker");
	(void)backend;
}

/*
 * A directory large enough to be read by several threads (64 files and
 * more): every file is loaded, in version order, and of two broken files
 * the error names the first by name, every time.
 */
DB_TEST(migrate_errors, many_files_and_the_first_broken_one)
{
	char *dir = proj_new(), *out, rel[512], text[256];
	for (int i = 1; i <= 150; i++) {
		snprintf(rel, sizeof rel, "migrations/%03d_t%d.sql", i, i);
		snprintf(text, sizeof text,
			 "-- migrate:up\nCREATE TABLE t%d (id integer);\n-- migrate:down\nDROP TABLE t%d;\n", i, i);
		proj_put(dir, rel, text);
	}
	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "0 applied, 150 pending");
	char *first = strstr(out, " t1 "), *last = strstr(out, " t150 ");
	cr_assert(first && last && first < last, "in version order:\n%s", out);
	free(out);
	proj_put(dir, "migrations/140_t140.sql", "CREATE TABLE x (id integer);\n-- migrate:up\n");
	proj_put(dir, "migrations/077_t77.sql", "CREATE TABLE x (id integer);\n-- migrate:up\n");
	for (int k = 0; k < 3; k++) {
		cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
		ASSERT_HAS(out, "migrations/077_t77.sql:1:1: text before the first '-- migrate:up' marker");
		cr_assert(!strstr(out, "140_t140"), "only the first broken file is named:\n%s", out);
		free(out);
	}
	cr_assert_eq(ledger_count(db), -1, "a parse error touches nothing");
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate_errors, missing_up)
{
	parse_error(db, url, "002_x.sql", "-- migrate:down\nDROP TABLE x;\n",
		    "migrations/002_x.sql:1:1: no '-- migrate:up' section");
	(void)backend;
}

DB_TEST(migrate_errors, unknown_option)
{
	parse_error(db, url, "002_x.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down transaction:false lock:none\n",
		    "migrations/002_x.sql:3:35: unknown option 'lock:none' (the options are transaction:false and "
		    "foreign_keys:off)");
	(void)backend;
}

DB_TEST(migrate_errors, bad_transaction_value)
{
	parse_error(db, url, "002_x.sql", "-- migrate:up transaction:maybe\nSELECT 1;\n",
		    "migrations/002_x.sql:1:15: transaction takes true or false, not 'maybe'");
	(void)backend;
}

DB_TEST(migrate_errors, unknown_section)
{
	parse_error(db, url, "002_x.sql", "-- migrate:up\nSELECT 1;\n--migrate:sideways\n",
		    "migrations/002_x.sql:3:11: unknown section 'migrate:sideways' (expected up, down or verify)");
	(void)backend;
}

DB_TEST(migrate_errors, section_twice)
{
	parse_error(db, url, "002_x.sql", "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n",
		    "migrations/002_x.sql:3:1: a second 'migrate:up' section (the first is at line 1)");
	(void)backend;
}

DB_TEST(migrate_errors, two_files_one_version)
{
	parse_error(db, url, "001_again.sql", ok2, "version 001 is also used by migrations/001_");
	(void)backend;
}

DB_TEST(migrate_errors, bad_file_names)
{
	parse_error(db, url, "add_things.sql", ok2,
		    "migrations/add_things.sql:1:1: bad file name: it has a version that is not all digits; expected "
		    "VERSION_slug.sql");
	parse_error(db, url, "002.sql", ok2, "migrations/002.sql:1:1: bad file name: it does not start with VERSION_");
	parse_error(db, url, "002_.sql", ok2, "migrations/002_.sql:1:1: bad file name: it has no slug after VERSION_");
	(void)backend;
}

DB_TEST(migrate_errors, drift_changed_file)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	proj_put(dir, "migrations/002_b.sql", ok2);
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	proj_put(dir, "migrations/001_a.sql",
		 "-- migrate:up\nCREATE TABLE a (id integer, x text);\n-- migrate:down\nDROP TABLE a;\n");
	proj_put(dir, "migrations/003_c.sql", ok3);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/001_a.sql: migration 001 was applied, but its up section has changed since");
	ASSERT_HAS(out, "--allow-changed");
	free(out);
	cr_assert(!table_exists(db, "c"));
	cr_assert_eq(mig(&out, dir, url, "status --exit-code"), 3, "%s", out);
	ASSERT_HAS(out, "changed");
	ASSERT_HAS(out, "2 applied, 1 pending, 1 changed since applied.");
	free(out);
	/* editing only the down section is not drift */
	cr_assert_eq(mig(&out, dir, url, "up --allow-changed"), 0, "%s", out);
	free(out);
	cr_assert(table_exists(db, "c"));
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate_errors, drift_missing_file)
{
	char *dir = proj_new(), *out, path[4200];
	proj_put(dir, "migrations/001_a.sql", ok1);
	proj_put(dir, "migrations/002_b.sql", ok2);
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	snprintf(path, sizeof path, "%s/migrations/002_b.sql", dir);
	cr_assert_eq(unlink(path), 0);
	proj_put(dir, "migrations/003_c.sql", ok3);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migration 002 (b) is applied, but no file in migrations has that version");
	ASSERT_HAS(out, "--allow-missing");
	free(out);
	cr_assert(!table_exists(db, "c"));
	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "missing");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up --allow-missing"), 0, "%s", out);
	free(out);
	cr_assert(table_exists(db, "c"));
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate_errors, drift_out_of_order)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	proj_put(dir, "migrations/003_c.sql", ok3);
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	proj_put(dir, "migrations/002_b.sql", ok2);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/002_b.sql: migration 002 is pending but older than the newest applied one");
	ASSERT_HAS(out, "--allow-out-of-order");
	free(out);
	cr_assert(!table_exists(db, "b"));
	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "out of order");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up --allow-out-of-order"), 0, "%s", out);
	ASSERT_HAS(out, "applied  002_b");
	free(out);
	cr_assert(table_exists(db, "b"));
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate_errors, usage)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	cr_assert_eq(mig(&out, dir, url, "up --steps 2"), 2, "%s", out);
	ASSERT_HAS(out, "--steps works only with down");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "down --steps 1 --to 001"), 2, "%s", out);
	ASSERT_HAS(out, "choose one of --steps and --to");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "down --steps x"), 2, "%s", out);
	ASSERT_HAS(out, "--steps: 'x' is not a non-negative whole number");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up --lock-timeout soon"), 2, "%s", out);
	ASSERT_HAS(out, "--lock-timeout: 'soon' is not a non-negative whole number");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "status --sql"), 2, "%s", out);
	ASSERT_HAS(out, "--sql works only with up and down");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up --exit-code"), 2, "%s", out);
	ASSERT_HAS(out, "--exit-code works only with status");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up --frobnicate"), 2, "%s", out);
	ASSERT_HAS(out, "unknown option '--frobnicate'");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "sideways"), 2, "%s", out);
	ASSERT_HAS(out, "unknown command 'sideways'");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "status extra"), 2, "%s", out);
	ASSERT_HAS(out, "unexpected argument 'extra'");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up --dir"), 2, "%s", out);
	free(out);
	cr_assert_eq(ledger_count(db), -1);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

Test(migrate_errors, help_lists_everything)
{
	char *out;
	cr_assert_eq(test_run_cmd(&out, "'%s' migrate --help", STRATA_CLI), 0);
	const char *want[] = { "new DESCRIPTION",
			       "up [--to VERSION]",
			       "down [--steps N | --to VERSION]",
			       "redo",
			       "status",
			       "history",
			       "verify",
			       "baseline VERSION",
			       "adopt",
			       "diff",
			       "--url",
			       "--dir",
			       "--json",
			       "--sql",
			       "--dry-run",
			       "--safe",
			       "--schema-file",
			       "--lock-timeout",
			       "--allow-changed",
			       "--allow-missing",
			       "--allow-out-of-order",
			       "--retry-failed",
			       "--exit-code",
			       "STRATA_MIGRATIONS_DIR",
			       "DB_BACKUP_ON_MIGRATE",
			       "NO_COLOR" };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ASSERT_HAS(out, want[i]);
	free(out);
	cr_assert_eq(test_run_cmd(&out, "'%s' --help", STRATA_CLI), 0);
	ASSERT_HAS(out, "migrate");
	ASSERT_HAS(out, "init");
	ASSERT_HAS(out, "wait");
	free(out);
	cr_assert_eq(test_run_cmd(&out, "'%s' migrate", STRATA_CLI), 2);
	free(out);
}

Test(migrate_errors, diff_is_dispatched)
{
	char *out;
	int rc = test_run_cmd(&out, "'%s' migrate diff --help", STRATA_CLI);
	/* either the diff command answers, or this build says it has none */
	ASSERT_LACKS(out, "unknown command 'diff'");
	if (strstr(out, "not available in this build"))
		cr_assert_eq(rc, 2);
	free(out);
}
