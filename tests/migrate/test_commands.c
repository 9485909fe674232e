/* strata migrate up/down/redo/status/history/verify/baseline/adopt/new, on both backends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

static const char m1[] = "-- migrate:up\n"
			 "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);\n"
			 "INSERT INTO users (id, email) VALUES (1, 'a;b@example.com');\n"
			 "-- migrate:down\n"
			 "DROP TABLE users;\n"
			 "-- migrate:verify\n"
			 "SELECT count(*) = 1 FROM users;\n";
static const char m2[] = "-- migrate:up\n"
			 "CREATE TABLE tags (id integer PRIMARY KEY, name text NOT NULL);\n"
			 "-- migrate:down\n"
			 "DROP TABLE tags;\n";
static const char m3[] = "-- migrate:up\n"
			 "CREATE TABLE notes (id integer PRIMARY KEY, body text);\n"
			 "-- migrate:down\n"
			 "DROP TABLE notes;\n";

static void three(const char *dir)
{
	proj_put(dir, "migrations/20260101000001_users.sql", m1);
	proj_put(dir, "migrations/20260101000002_tags.sql", m2);
	proj_put(dir, "migrations/20260101000003_notes.sql", m3);
}

DB_TEST(migrate, up_status_history_down)
{
	char *dir = proj_new(), *out;
	three(dir);

	cr_assert_eq(mig(&out, dir, url, "status --exit-code"), 3, "%s", out);
	ASSERT_HAS(out, "0 applied, 3 pending");
	free(out);
	cr_assert_eq(ledger_count(db), -1, "status must not create the ledger");

	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	ASSERT_HAS(out, "applied  20260101000001_users");
	ASSERT_HAS(out, "Applied 3 migrations.");
	free(out);
	cr_assert_eq(ledger_count(db), 3);
	cr_assert_eq(count_rows(db, "users"), 1);
	char *sum = NULL, *by = NULL;
	ST_OK(strata_query_textv(db, &sum, "SELECT checksum FROM strata_migrations WHERE version = ?",
				 STRATA_TEXT("20260101000001")));
	cr_assert_eq(strlen(sum), 64);
	ST_OK(strata_query_textv(db, &by, "SELECT applied_by FROM strata_migrations WHERE version = ?",
				 STRATA_TEXT("20260101000001")));
	cr_assert(strchr(by, '@'), "applied_by is user@host: %s", by);
	free(sum);
	free(by);

	cr_assert_eq(mig(&out, dir, url, "status --exit-code"), 0, "%s", out);
	ASSERT_HAS(out, "3 applied, 0 pending");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "history"), 0, "%s", out);
	ASSERT_HAS(out, "APPLIED BY");
	ASSERT_HAS(out, "20260101000003 notes");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	ASSERT_HAS(out, "Nothing to apply");
	free(out);

	cr_assert_eq(mig(&out, dir, url, "down"), 0, "%s", out);
	ASSERT_HAS(out, "reverted 20260101000003_notes");
	free(out);
	cr_assert_eq(ledger_count(db), 2);
	cr_assert(!table_exists(db, "notes"));

	cr_assert_eq(mig(&out, dir, url, "down --steps 2"), 0, "%s", out);
	ASSERT_HAS(out, "Rolled back 2 migrations.");
	free(out);
	cr_assert_eq(ledger_count(db), 0);
	cr_assert_eq(mig(&out, dir, url, "down"), 0, "%s", out);
	ASSERT_HAS(out, "Nothing to roll back");
	free(out);

	cr_assert_eq(mig(&out, dir, url, "up --to 20260101000002"), 0, "%s", out);
	free(out);
	cr_assert_eq(ledger_count(db), 2);
	cr_assert(!table_exists(db, "notes"));
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "down --to 20260101000001"), 0, "%s", out);
	free(out);
	cr_assert_eq(ledger_count(db), 1);
	cr_assert_eq(mig(&out, dir, url, "down --to 0"), 0, "%s", out);
	free(out);
	cr_assert_eq(ledger_count(db), 0);
	cr_assert_eq(mig(&out, dir, url, "down --to 20260101000002"), 1, "%s", out);
	ASSERT_HAS(out, "is not applied");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up --to 20990101000000"), 1, "%s", out);
	ASSERT_HAS(out, "no migration in migrations has version 20990101000000");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate, failed_migration_leaves_nothing)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_ok.sql", m2);
	proj_put(dir, "migrations/002_bad.sql",
		 "-- migrate:up\n"
		 "CREATE TABLE half (id integer);\n"
		 "INSERT INTO half (id) VALUES (1);\n"
		 "INSERT INTO no_such_table (id) VALUES (1);\n"
		 "-- migrate:down\n"
		 "DROP TABLE half;\n");
	proj_put(dir, "migrations/003_after.sql", m3);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/002_bad.sql:4:1: up section of 002, statement 3 of 3 failed");
	ASSERT_HAS(out, "no_such_table");
	ASSERT_HAS(out, "nothing from this migration was applied");
	ASSERT_HAS(out, "applied  001_ok");
	free(out);
	cr_assert(table_exists(db, "tags"));
	cr_assert(!table_exists(db, "half"), "the failed migration's first statements were rolled back");
	cr_assert(!table_exists(db, "notes"), "nothing after the failed migration ran");
	cr_assert_eq(ledger_count(db), 1);
	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "1 applied, 2 pending");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate, redo)
{
	char *dir = proj_new(), *out;
	three(dir);
	cr_assert_eq(mig(&out, dir, url, "redo"), 1, "%s", out);
	ASSERT_HAS(out, "nothing to redo");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	ST_OK(strata_exec(db, "INSERT INTO notes (id, body) VALUES (1, 'x')"));
	cr_assert_eq(mig(&out, dir, url, "redo"), 0, "%s", out);
	ASSERT_HAS(out, "Redone 20260101000003");
	free(out);
	cr_assert_eq(ledger_count(db), 3);
	cr_assert_eq(count_rows(db, "notes"), 0, "redo rebuilt the table");
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate, down_without_down_section)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", m2);
	proj_put(dir, "migrations/002_b.sql", "-- migrate:up\nCREATE TABLE b (id integer);\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "down --steps 2"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/002_b.sql:1:1: cannot roll back 002: the file has no '-- migrate:down' section");
	free(out);
	cr_assert_eq(ledger_count(db), 2, "nothing was rolled back");
	cr_assert(table_exists(db, "tags"));
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate, verify)
{
	char *dir = proj_new(), *out;
	three(dir);
	proj_put(dir, "migrations/20260101000004_check.sql",
		 "-- migrate:up\nCREATE TABLE c (id integer);\n-- migrate:down\nDROP TABLE c;\n"
		 "-- migrate:verify\nSELECT 1;\nSELECT count(*) FROM c;\n");
	/* verify is part of up: count(*) of an empty table is 0, so up rolls the migration back */
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/20260101000004_check.sql:7:1: verify of 20260101000004 failed: the statement "
			"returned false, 0 or NULL; nothing from this migration was applied");
	free(out);
	cr_assert(!table_exists(db, "c"), "the failed verify rolled the migration back");
	cr_assert_eq(ledger_count(db), 3);
	proj_put(dir, "migrations/20260101000004_check.sql",
		 "-- migrate:up\nCREATE TABLE c (id integer);\nINSERT INTO c (id) VALUES (1);\n-- migrate:down\nDROP "
		 "TABLE c;\n"
		 "-- migrate:verify\nSELECT 1;\nSELECT count(*) FROM c;\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	ST_OK(strata_exec(db, "DELETE FROM c"));
	/* count(*) of an empty table is 0: that statement fails verification */
	cr_assert_eq(mig(&out, dir, url, "verify"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/20260101000004_check.sql:8:1: verify of 20260101000004 failed: the statement "
			"returned false, 0 or NULL");
	free(out);
	ST_OK(strata_exec(db, "INSERT INTO c (id) VALUES (7)"));
	cr_assert_eq(mig(&out, dir, url, "verify"), 0, "%s", out);
	ASSERT_HAS(out, "Verified: 3 statements passed.");
	free(out);
	cr_assert_eq(count_rows(db, "c"), 1, "verify changes nothing");
	ST_OK(strata_exec(db, "DELETE FROM users"));
	ST_OK(strata_exec(db, "DELETE FROM c"));
	cr_assert_eq(mig(&out, dir, url, "verify"), 1, "%s", out);
	ASSERT_HAS(out, "20260101000001_users.sql:7:1: verify of 20260101000001 failed");
	ASSERT_HAS(out, "20260101000004_check.sql:8:1: verify of 20260101000004 failed");
	ASSERT_HAS(out, "2 of 3 verify statements failed");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "verify --json"), 1, "%s", out);
	ASSERT_HAS(out, "\"ok\":false");
	ASSERT_HAS(out, "20260101000001_users.sql:7:1");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate, baseline)
{
	char *dir = proj_new(), *out;
	three(dir);
	/* an existing database that already has the first two */
	ST_OK(strata_exec(db, "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL); "
			      "CREATE TABLE tags (id integer PRIMARY KEY, name text NOT NULL)"));
	cr_assert_eq(mig(&out, dir, url, "baseline 20260101000009"), 1, "%s", out);
	ASSERT_HAS(out, "no migration in migrations has version 20260101000009");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "baseline"), 2, "%s", out);
	ASSERT_HAS(out, "needs exactly one VERSION");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "baseline 20260101000002"), 0, "%s", out);
	ASSERT_HAS(out, "recorded 2 migrations as applied (nothing was run)");
	free(out);
	cr_assert_eq(count_rows(db, "users"), 0, "baseline ran nothing");
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	ASSERT_HAS(out, "Applied 1 migration.");
	free(out);
	cr_assert(table_exists(db, "notes"));
	char *by = NULL;
	ST_OK(strata_query_textv(db, &by, "SELECT applied_by FROM strata_migrations WHERE version = ?",
				 STRATA_TEXT("20260101000001")));
	cr_assert(strstr(by, "(baseline)"), "%s", by);
	free(by);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate, adopt_dbmate)
{
	char *dir = proj_new(), *out;
	three(dir);
	cr_assert_eq(mig(&out, dir, url, "adopt"), 1, "%s", out);
	ASSERT_HAS(out, "no dbmate ledger (table schema_migrations)");
	free(out);
	ST_OK(strata_exec(db, "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); "
			      "INSERT INTO schema_migrations (version) VALUES ('20260101000001'), ('20260101000002'); "
			      "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL); "
			      "CREATE TABLE tags (id integer PRIMARY KEY, name text NOT NULL)"));
	cr_assert_eq(mig(&out, dir, url, "adopt"), 0, "%s", out);
	ASSERT_HAS(out, "imported 2 versions");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "adopt"), 0, "%s", out);
	ASSERT_HAS(out, "imported 0 versions");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "2 applied, 1 pending");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	ASSERT_HAS(out, "Applied 1 migration.");
	free(out);
	cr_assert_eq(count_rows(db, "schema_migrations"), 2, "dbmate's ledger is left alone");
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate, json_output)
{
	char *dir = proj_new(), *out;
	three(dir);
	cr_assert_eq(mig(&out, dir, url, "up --to 20260101000001 --json"), 0, "%s", out);
	ASSERT_HAS(out,
		   "{\"ok\":true,\"dry_run\":false,\"applied\":[{\"version\":\"20260101000001\",\"name\":\"users\"");
	ASSERT_HAS(out, "\"count\":1,\"applied_by_another_runner\":[],\"backup\":null}");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "status --json"), 0, "%s", out);
	ASSERT_HAS(out, "\"applied\":1,\"pending\":2,\"failed\":0,\"interrupted\":0,\"changed\":0,\"missing\":0,\"out_"
			"of_order\":0,\"drift\":0");
	ASSERT_HAS(out, "\"version\":\"20260101000002\",\"name\":\"tags\",\"state\":\"pending\"");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "history --json"), 0, "%s", out);
	ASSERT_LACKS(out, "\"pending\",");
	free(out);
	proj_put(dir, "migrations/20260101000004_bad.sql", "-- migrate:up\nSELEKT 1;\n");
	cr_assert_eq(mig(&out, dir, url, "up --json"), 1, "%s", out);
	ASSERT_HAS(out, "\"ok\":false");
	ASSERT_HAS(out, "\"status\":\"STRATA_EMIGRATE\"");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)db;
	(void)backend;
}

DB_TEST(migrate, schema_file)
{
	char *dir = proj_new(), *out;
	three(dir);
	cr_assert_eq(mig(&out, dir, url, "up --dump-schema"), 0, "%s", out);
	ASSERT_HAS(out, "Schema written to db/schema.sql");
	free(out);
	char path[4200];
	snprintf(path, sizeof path, "%s/db/schema.sql", dir);
	FILE *f = fopen(path, "r");
	cr_assert(f, "db/schema.sql was written");
	char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	ASSERT_HAS(buf, "CREATE TABLE");
	ASSERT_HAS(buf, "notes");
	ASSERT_LACKS(buf, "\\restrict");
	cr_assert_eq(mig(&out, dir, url, "down --schema-file other/s.sql"), 0, "%s", out);
	free(out);
	cr_assert(proj_exists(dir, "other/s.sql"));
	test_rmrf(dir);
	free(dir);
	(void)db;
	(void)backend;
}

DB_TEST(migrate, new_from_template)
{
	char *dir = proj_new(), *out;
	cr_assert_eq(mig(&out, dir, url, "new add user preferences"), 0, "%s", out);
	ASSERT_HAS(out, "Created migrations/");
	ASSERT_HAS(out, "_add_user_preferences.sql");
	char first[256];
	cr_assert_eq(sscanf(out, "Created %255s", first), 1);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "new \"Add user preferences!\""), 0, "%s", out);
	ASSERT_LACKS(out, first);
	free(out);
	char path[4400], buf[4096];
	snprintf(path, sizeof path, "%s/%s", dir, first);
	FILE *f = fopen(path, "r");
	cr_assert(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	ASSERT_HAS(buf, "Business context");
	ASSERT_HAS(buf, "Data impact");
	ASSERT_HAS(buf, "Rollback considerations");
	ASSERT_HAS(buf, "-- migrate:up\n");
	ASSERT_HAS(buf, "-- migrate:down\n");
	ASSERT_HAS(buf, "-- migrate:verify\n");
	/* the template parses, and two new files in one second got different versions */
	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "0 applied, 2 pending");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "an untouched template is not a silent no-op: %s", out);
	ASSERT_HAS(out, "has no statements (an untouched `strata migrate new` template?)");
	ASSERT_HAS(out, "Nothing was run");
	free(out);
	cr_assert_eq(ledger_count(db), 0, "nothing was recorded");
	cr_assert_eq(mig(&out, dir, url, "new '!!!'"), 1, "%s", out);
	ASSERT_HAS(out, "no letters or digits");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "new --dir nowhere x"), 1, "%s", out);
	ASSERT_HAS(out, "migrations directory nowhere does not exist");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)db;
	(void)backend;
}

DB_TEST(migrate, migrations_dir_from_env)
{
	char *dir = test_tmpdir(), *out;
	char p[4200];
	snprintf(p, sizeof p, "%s/db-migrations", dir);
	cr_assert_eq(mkdir(p, 0755), 0);
	proj_put(dir, "db-migrations/001_tags.sql", m2);
	cr_assert_eq(
		test_run_cmd(&out,
			     "cd '%s' && STRATA_MIGRATIONS_DIR=db-migrations NO_COLOR=1 '%s' migrate up --url '%s'",
			     dir, STRATA_CLI, url),
		0, "%s", out);
	ASSERT_HAS(out, "applied  001_tags");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "status"), 1, "%s", out);
	ASSERT_HAS(
		out,
		"migrations directory migrations: No such file or directory (create it, or name another with --dir)");
	ASSERT_HAS(out, "`strata init` starts a project here");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "status --dir db-migrations"), 0, "%s", out);
	ASSERT_HAS(out, "1 applied, 0 pending");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)db;
	(void)backend;
}
