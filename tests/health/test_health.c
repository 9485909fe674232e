/*
 * strata health as a user runs it: each condition is created for real and
 * the check must report it, with the exit status monitoring expects
 * (0 ok, 1 warning, 2 failure).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testdb.h"

/* Run `strata health ARGS` in directory `dir` on `url`; output in *out. */
static int health(char **out, const char *dir, const char *url, const char *args)
{
	return test_run_cmd(out,
			    "cd '%s' && env -u DATABASE_URL -u STRATA_MIGRATIONS_DIR -u STRATA_SCHEMA NO_COLOR=1 "
			    "'%s' health --url '%s' %s",
			    dir, STRATA_CLI, url, args);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	cr_assert(f, "cannot write %s", p);
	fputs(text, f);
	fclose(f);
}

static void exec_ok(strata_db *db, const char *sql)
{
	ST_OK(strata_exec(db, sql));
}

#define HAS(out, s)   cr_assert(strstr((out), (s)) != NULL, "want \"%s\" in:\n%s", (s), (out))
#define HASNT(out, s) cr_assert(strstr((out), (s)) == NULL, "did not want \"%s\" in:\n%s", (s), (out))

static const char healthy_schema[] =
	"CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);"
	"CREATE TABLE tasks (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), title text);"
	"CREATE INDEX tasks_user_id_idx ON tasks (user_id);"
	"INSERT INTO users VALUES (1, 'ada'), (2, 'grace');"
	"INSERT INTO tasks VALUES (1, 1, 'write'), (2, 2, 'compile');";

DB_TEST(health, healthy_database_is_all_ok)
{
	char *dir = test_tmpdir(), *out;
	exec_ok(db, healthy_schema);
	int rc = health(&out, dir, url, "");
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "every check passed");
	HAS(out, "connectivity");
	HAS(out, "integrity");
	HAS(out, "performance");
	HAS(out, "configuration");
	HASNT(out, "strata-test-pw");
	free(out);
	/* the same as JSON */
	rc = health(&out, dir, url, "--json");
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "\"status\": \"ok\"");
	HAS(out, "\"exit_status\": 0");
	HAS(out, "\"round_trip_ms\"");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

/* A project directory whose one migration (users) is applied to `url`. */
static char *project_with_applied_migration(const char *url)
{
	char *dir = test_tmpdir(), *out, mdir[4200];
	snprintf(mdir, sizeof mdir, "%s/migrations", dir);
	cr_assert_eq(mkdir(mdir, 0755), 0);
	put(dir, "migrations/20260101000000_users.sql",
	    "-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n");
	int rc =
		test_run_cmd(&out, "cd '%s' && env -u DATABASE_URL -u STRATA_MIGRATIONS_DIR '%s' migrate up --url '%s'",
			     dir, STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	return dir;
}

DB_TEST(health, pending_migration_warns)
{
	char *dir = project_with_applied_migration(url), *out;
	int rc;
	rc = health(&out, dir, url, "--check migrations");
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "1 applied, none pending");
	free(out);
	put(dir, "migrations/20260102000000_tags.sql",
	    "-- migrate:up\nCREATE TABLE tags (id bigint PRIMARY KEY);\n-- migrate:down\nDROP TABLE tags;\n");
	rc = health(&out, dir, url, "--check migrations");
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "migration 20260102000000_tags is not applied");
	HAS(out, "strata migrate up");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)db;
	(void)backend;
}

DB_TEST(health, edited_migration_fails)
{
	char *dir = project_with_applied_migration(url), *out;
	int rc;
	put(dir, "migrations/20260101000000_users.sql",
	    "-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n-- migrate:down\nDROP TABLE "
	    "users;\n");
	rc = health(&out, dir, url, "--check migrations --json");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "\"changed_migration\"");
	HAS(out, "was edited after it was applied");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)db;
	(void)backend;
}

DB_TEST(health, missing_table_against_schema_file)
{
	char *dir = test_tmpdir(), *out;
	exec_ok(db, "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL)");
	put(dir, "schema.strata",
	    "table users {\n    id   bigint primary key\n    name text not null\n}\n"
	    "table tasks {\n    id    bigint primary key\n    title text\n}\n");
	int rc = health(&out, dir, url, "--check schema");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "table tasks (schema.strata:5) is not in the database");
	HASNT(out, "table users");
	free(out);
	/* once the table is there the schema check passes */
	exec_ok(db, "CREATE TABLE tasks (id bigint PRIMARY KEY, title text)");
	rc = health(&out, dir, url, "--check schema");
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "the database matches schema.strata");
	free(out);
	/* an extra column warns; a column of another type fails */
	exec_ok(db, "ALTER TABLE users ADD COLUMN extra text");
	rc = health(&out, dir, url, "--check schema");
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "column users.extra is in the database but not in schema.strata");
	free(out);
	exec_ok(db, "DROP TABLE tasks; CREATE TABLE tasks (id bigint PRIMARY KEY, title integer)");
	rc = health(&out, dir, url, "--check schema --json");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "tasks.title");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

Test(health, corrupt_sqlite_file_fails)
{
	char *dir = test_tmpdir(), *out;
	char good[4200], bad[4200], url[4300];
	snprintf(good, sizeof good, "%s/good.db", dir);
	snprintf(bad, sizeof bad, "%s/bad.db", dir);
	snprintf(url, sizeof url, "sqlite:%s", good);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	exec_ok(db, "CREATE TABLE t (id integer PRIMARY KEY, v text);"
		    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
		    "INSERT INTO t SELECT i, printf('%0200d', i) FROM n;"
		    "CREATE INDEX t_v ON t (v);");
	strata_close(db);
	/* a copy with pages in the middle overwritten */
	int rc = test_run_cmd(&out,
			      "cp '%s' '%s' && dd if=/dev/urandom of='%s' bs=4096 seek=20 count=8 conv=notrunc 2>&1",
			      good, bad, bad);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	snprintf(url, sizeof url, "sqlite:%s", bad);
	rc = health(&out, dir, url, "--check integrity");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "failure");
	HAS(out, "quick_check");
	HAS(out, "strata restore");
	free(out);
	/* the original is intact */
	snprintf(url, sizeof url, "sqlite:%s", good);
	rc = health(&out, dir, url, "--check integrity --thorough");
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "integrity_check ok");
	free(out);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(health, foreign_key_violation_with_enforcement_off)
{
	char *dir = test_tmpdir(), *out;
	exec_ok(db, healthy_schema);
	if (backend == STRATA_BACKEND_SQLITE) {
		exec_ok(db, "PRAGMA foreign_keys = OFF");
		exec_ok(db, "INSERT INTO tasks VALUES (3, 99, 'orphan')");
		exec_ok(db, "PRAGMA foreign_keys = ON");
	} else {
		exec_ok(db, "ALTER TABLE tasks DISABLE TRIGGER ALL");
		exec_ok(db, "INSERT INTO tasks VALUES (3, 99, 'orphan')");
	}
	int rc = health(&out, dir, url, "--check integrity");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "1 row of");
	HAS(out, "refer to missing rows of");
	if (backend == STRATA_BACKEND_POSTGRES)
		HAS(out, "not enforced");
	free(out);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(health, unindexed_foreign_key_and_duplicate_index_warn)
{
	char *dir = test_tmpdir(), *out;
	exec_ok(db, "CREATE TABLE users (id bigint PRIMARY KEY, email text);"
		    "CREATE TABLE tasks (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), title text);"
		    "CREATE INDEX users_email ON users (email);"
		    "CREATE INDEX users_email_id ON users (email, id);");
	int rc = health(&out, dir, url, "--check performance");
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "(user_id) → users has no index that starts with its columns");
	HAS(out, "index users_email on users is covered by users_email_id");
	HAS(out, "DROP INDEX");
	free(out);
	/* fixed, the check passes */
	exec_ok(db, "CREATE INDEX tasks_user ON tasks (user_id); DROP INDEX users_email");
	rc = health(&out, dir, url, "--check performance");
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

Test(health, sequential_scans_postgres)
{
	char name[64], *out;
	char *url = test_pg_create_db(name, sizeof name);
	char *dir = test_tmpdir();
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	exec_ok(db, "CREATE TABLE events (id bigint PRIMARY KEY, kind text);"
		    "INSERT INTO events SELECT i, 'k' || (i % 10) FROM generate_series(1, 3000) i;"
		    "ANALYZE events");
	for (int i = 0; i < 20; i++) {
		int64_t n;
		ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM events WHERE kind = 'k3'", NULL, 0));
	}
	exec_ok(db, "SELECT pg_stat_force_next_flush()");
	int64_t one;
	ST_OK(strata_query_int64(db, &one, "SELECT 1", NULL, 0));
	int rc = health(&out, dir, url, "--check performance");
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "table events (3000 rows) is read mostly by sequential scans");
	free(out);
	strata_close(db);
	test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
	free(url);
}

Test(health, idle_in_transaction_postgres)
{
	char name[64], *out;
	char *url = test_pg_create_db(name, sizeof name);
	char *dir = test_tmpdir();
	strata_db *idle = NULL;
	ST_OK(strata_open(&idle, url, NULL));
	ST_OK(strata_begin(idle, NULL));
	int64_t one;
	ST_OK(strata_query_int64(idle, &one, "SELECT 1", NULL, 0));
	usleep(400 * 1000);
	/* the threshold from a config file */
	put(dir, "health.conf", "# thresholds\nidle_in_transaction_ms = 100\n");
	int rc = health(&out, dir, url, "--check configuration");
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "has been idle in a transaction");
	HAS(out, "idle_in_transaction_session_timeout");
	free(out);
	/* and from the command line, which wins */
	rc = health(&out, dir, url, "--check configuration --set idle_in_transaction_ms=3600000");
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	ST_OK(strata_rollback(idle));
	strata_close(idle);
	test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
	free(url);
}

DB_TEST(health, required_data_queries)
{
	char *dir = test_tmpdir(), *out;
	exec_ok(db, healthy_schema);
	put(dir, "health.sql",
	    "-- Required data: each query must return a row.\n"
	    "-- name: a user exists\n"
	    "SELECT 1 FROM users;\n"
	    "-- name: a superuser exists\n"
	    "SELECT 1 FROM users WHERE name = 'root';\n");
	int rc = health(&out, dir, url, "--check required --verbose");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "'a superuser exists' returned no rows");
	HAS(out, "1 of 2 queries from health.sql returned rows");
	free(out);
	exec_ok(db, "INSERT INTO users VALUES (3, 'root')");
	rc = health(&out, dir, url, "--check required");
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "2 of 2 queries");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

Test(health, unreachable_and_bad_options)
{
	char *out;
	int rc = test_run_cmd(
		&out,
		"cd /tmp && NO_COLOR=1 %s health --url 'postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=2' --json",
		STRATA_CLI);
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "\"unreachable\"");
	HASNT(out, "hunter2");
	free(out);
	rc = test_run_cmd(&out, "cd /tmp && %s health --url sqlite::memory: --set bogus=1", STRATA_CLI);
	cr_assert_eq(rc, 3, "%s", out);
	HAS(out, "unknown health option 'bogus'");
	free(out);
	/* check names after the options */
	rc = test_run_cmd(&out, "cd /tmp && NO_COLOR=1 %s health --url sqlite::memory: connectivity integrity",
			  STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "integrity");
	HASNT(out, "configuration");
	free(out);
	rc = test_run_cmd(&out, "cd /tmp && %s health --url sqlite::memory: --check nope", STRATA_CLI);
	cr_assert_eq(rc, 3, "%s", out);
	HAS(out, "unknown check 'nope'");
	free(out);
}

Test(health, thorough_finds_orphans_under_enforced_keys_postgres)
{
	char name[64], *out;
	char *url = test_pg_create_db(name, sizeof name);
	char *dir = test_tmpdir();
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	exec_ok(db, healthy_schema);
	/* replication mode skips the key's triggers: the key stays validated and enabled */
	exec_ok(db, "SET session_replication_role = replica; INSERT INTO tasks VALUES (3, 99, 'orphan'); "
		    "SET session_replication_role = origin");
	int rc = health(&out, dir, url, "--check integrity");
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	rc = health(&out, dir, url, "--check integrity --thorough");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "1 row of public.tasks refer to missing rows of public.users");
	free(out);
	strata_close(db);
	test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
	free(url);
}

Test(health, colour_on_a_terminal_unless_no_color)
{
	char *out;
	/* script(1) gives the command a terminal */
	int rc = test_run_cmd(&out,
			      "cd /tmp && env -u NO_COLOR script -qc '%s health --url sqlite::memory: --check "
			      "connectivity' /dev/null",
			      STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "\033[32mok");
	free(out);
	rc = test_run_cmd(
		&out,
		"cd /tmp && NO_COLOR=1 script -qc '%s health --url sqlite::memory: --check connectivity' /dev/null",
		STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	HASNT(out, "\033[");
	HAS(out, "every check passed");
	free(out);
}

Test(health, sqlite_configuration_warnings)
{
	char *dir = test_tmpdir(), *out, url[4300];
	/* a database in rollback-journal mode stays in it: health changes nothing */
	snprintf(url, sizeof url, "sqlite:%s/conf.db?journal_mode=DELETE", dir);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	exec_ok(db, "CREATE TABLE t (id integer PRIMARY KEY)");
	strata_close(db);
	snprintf(url, sizeof url, "sqlite:%s/conf.db?foreign_keys=off&busy_timeout=-1", dir);
	int rc = health(&out, dir, url, "--check configuration");
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "journal mode is delete, not WAL");
	HAS(out, "foreign keys are off for connections opened with this URL");
	HAS(out, "busy timeout is 0 ms");
	free(out);
	/* a file that does not exist is reported, not created */
	snprintf(url, sizeof url, "sqlite:%s/typo.db", dir);
	rc = health(&out, dir, url, "");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "cannot connect");
	free(out);
	char path[4300];
	snprintf(path, sizeof path, "%s/typo.db", dir);
	cr_assert(access(path, F_OK) != 0, "health created %s", path);
	test_rmrf(dir);
	free(dir);
}

Test(health, statistics_warnings_postgres)
{
	char name[64], *out;
	char *url = test_pg_create_db(name, sizeof name);
	char *dir = test_tmpdir();
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	exec_ok(db, "CREATE SEQUENCE ticket_no MAXVALUE 100; SELECT setval('ticket_no', 95);"
		    "CREATE TABLE docs (id bigint PRIMARY KEY, body text) WITH (autovacuum_enabled = false);"
		    "INSERT INTO docs SELECT i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 40000) i;"
		    "CREATE INDEX docs_body ON docs (body);"
		    "ANALYZE docs;"
		    "DELETE FROM docs WHERE id > 10000;"
		    "SELECT pg_stat_force_next_flush()");
	int64_t one;
	ST_OK(strata_query_int64(db, &one, "SELECT 1", NULL, 0));
	int rc = health(&out, dir, url, "--check performance");
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "sequence ticket_no has used 94.9% of its range (at 95 of 100)");
	HAS(out, "index docs_body on docs");
	HAS(out, "has never been used");
	HAS(out, "table docs has 30000 dead rows for 10000 live ones");
	free(out);
	strata_close(db);
	test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
	free(url);
}

/* A path the user names must exist; only the defaults may be missing (issue 19). */
DB_TEST(health, named_paths_must_exist)
{
	char *dir = test_tmpdir(), *out;
	exec_ok(db, healthy_schema);
	/* the defaults (migrations/, schema.strata, health.sql) are missing: skipped */
	int rc = health(&out, dir, url, "");
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	static const struct {
		const char *args, *says;
	} cases[] = {
		{ "--schema nope.strata", "the schema file nope.strata does not exist" },
		{ "--migrations nope_dir", "the migrations directory nope_dir does not exist" },
		{ "--required nope.sql", "the required-data file nope.sql does not exist" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc = health(&out, dir, url, cases[i].args);
		cr_assert_eq(rc, 2, "%s: %s", cases[i].args, out);
		HAS(out, cases[i].says);
		free(out);
	}
	/* from the environment too */
	rc = test_run_cmd(
		&out,
		"cd '%s' && env -u DATABASE_URL STRATA_SCHEMA=gone.strata NO_COLOR=1 '%s' health --json --url '%s'",
		dir, STRATA_CLI, url);
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "\"code\": \"missing_path\"");
	HAS(out, "gone.strata");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

/* Health shows the URL as given, never with the mode=rw it opens SQLite with (issue 17). */
DB_TEST(health, shows_the_url_given)
{
	char *dir = test_tmpdir(), *out;
	exec_ok(db, healthy_schema);
	int rc = health(&out, dir, url, "--json");
	cr_assert_eq(rc, 0, "%s", out);
	HASNT(out, "mode=rw");
	HASNT(out, "strata-test-pw");
	char *shown = strata_url_redact(url);
	char want[4400];
	snprintf(want, sizeof want, "\"url\": \"%s\"", shown);
	HAS(out, want);
	free(out);
	rc = health(&out, dir, url, "");
	cr_assert_eq(rc, 0, "%s", out);
	snprintf(want, sizeof want, "Health of %s", shown);
	HAS(out, want);
	HASNT(out, "mode=rw");
	free(out);
	free(shown);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

/* SQLite: what belongs to the file and what to each connection is told apart (issue 12). */
Test(health, sqlite_connection_settings_are_not_the_files)
{
	char *dir = test_tmpdir(), *out, url[4300];
	snprintf(url, sizeof url, "sqlite:%s/plain.db", dir);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	exec_ok(db, "PRAGMA journal_mode = DELETE");
	exec_ok(db, healthy_schema);
	strata_close(db);
	int rc = health(&out, dir, url, "--check configuration --verbose");
	cr_assert_eq(rc, 1, "%s", out); /* not WAL: a warning */
	HAS(out, "the file: journal delete");
	HAS(out, "each connection through this URL: foreign keys on, busy timeout 5000 ms");
	HAS(out, "settings of each connection, not of the file");
	free(out);
	test_rmrf(dir);
	free(dir);
}
