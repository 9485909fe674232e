/*
 * strata init as a new user runs it: from an empty directory to a migrated,
 * healthy database on both backends; again without changing anything; on a
 * database that already has tables; and when the database cannot be made.
 * Also the README's quick start, run as written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testdb.h"

/* How many lines `cmd` prints (run in `dir`). */
static int count_lines(const char *dir, const char *cmd)
{
	char *out;
	int rc = test_run_cmd(&out, "cd %s && %s | wc -l", dir, cmd);
	cr_assert_eq(rc, 0, "%s", out);
	int n = atoi(out);
	free(out);
	return n;
}

/* init with `url_opt` ("" for the default SQLite URL) in a new empty directory; returns it. */
static char *init_from_nothing(const char *url_opt)
{
	char *dir = test_tmpdir(), *out;
	int rc = test_run_cmd(&out, "cd %s && env -u DATABASE_URL %s init %s", dir, STRATA_CLI, url_opt);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "created  migrations/") != NULL, "%s", out);
	cr_assert(strstr(out, "created  schema.strata") != NULL, "%s", out);
	cr_assert(strstr(out, "created  .env (DATABASE_URL=") != NULL, "%s", out);
	cr_assert(strstr(out, "created  database ") != NULL, "%s", out);
	cr_assert(strstr(out, "_create_schema.sql") != NULL, "%s", out);
	cr_assert(strstr(out, "applied  1 migration") != NULL, "%s", out);
	cr_assert(strstr(out, "Next steps") != NULL, "%s", out);
	cr_assert(strstr(out, "strata-test-pw") == NULL, "password shown: %s", out);
	free(out);

	/* .env holds the URL, readable by its owner only */
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/.env", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);

	/* the next commands work with no flags: the database is migrated and healthy */
	rc = test_run_cmd(&out, "cd %s && env -u DATABASE_URL %s health", dir, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "1 applied, none pending") != NULL, "%s", out);
	cr_assert(strstr(out, "the database matches schema.strata") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "cd %s && env -u DATABASE_URL %s migrate diff --dry-run", dir, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "no changes") != NULL, "%s", out);
	free(out);

	/* again: nothing changes, and it says so */
	rc = test_run_cmd(&out, "cd %s && env -u DATABASE_URL %s init %s", dir, STRATA_CLI, url_opt);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "created") == NULL, "%s", out);
	cr_assert(strstr(out, "Nothing changed") != NULL, "%s", out);
	free(out);
	cr_assert_eq(count_lines(dir, "ls migrations"), 1);
	return dir;
}

Test(init, empty_directory_to_healthy_database_sqlite)
{
	char *dir = init_from_nothing("");
	char path[4200];
	snprintf(path, sizeof path, "%s/db/app.db", dir);
	cr_assert_eq(access(path, F_OK), 0, "no %s", path);
	cr_assert_eq(count_lines(dir, "grep -c '^DATABASE_URL=sqlite:db/app.db$' .env"), 1);
	cr_assert_eq(count_lines(dir, "grep -x .env .gitignore"), 1);
	test_rmrf(dir);
	free(dir);
}

Test(init, empty_directory_to_healthy_database_postgres)
{
	char name[64], opt[600];
	snprintf(name, sizeof name, "strata_init_%d", (int)getpid());
	test_pg_drop_db(name);
	char *url = test_pg_url_for(test_pg_base_url(), name);
	snprintf(opt, sizeof opt, "--url '%s'", url);
	char *dir = init_from_nothing(opt);
	/* the database exists now, with the users table */
	strata_db *db;
	int64_t n = -1;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM users", NULL, 0));
	cr_assert_eq(n, 0);
	strata_close(db);
	test_rmrf(dir);
	free(dir);
	free(url);
	test_pg_drop_db(name);
}

/* A database with tables of its own is adopted, never changed. */
DB_TEST(init, adopts_an_existing_database)
{
	ST_OK(strata_exec(db, "CREATE TABLE legacy (id integer PRIMARY KEY, name text NOT NULL);"
			      "INSERT INTO legacy (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')"));
	char *dir = test_tmpdir(), *out;
	int rc = test_run_cmd(&out, "cd %s && env -u DATABASE_URL %s init --url '%s'", dir, STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "wrote    schema.strata from the database's 1 tables") != NULL, "%s", out);
	cr_assert(strstr(out, "recorded 1 baseline migration as applied") != NULL, "%s", out);
	cr_assert(strstr(out, "\napplied ") == NULL, "%s", out);
	free(out);
	int64_t n = -1;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM legacy", NULL, 0));
	cr_assert_eq(n, 3, "rows lost: %lld", (long long)n);
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM strata_migrations", NULL, 0));
	cr_assert_eq(n, 1);
	rc = test_run_cmd(&out, "cd %s && %s schema print", dir, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "table legacy") != NULL, "%s", out);
	free(out);
	/* the schema file and the database agree; a second run changes nothing */
	rc = test_run_cmd(&out, "cd %s && %s migrate diff --dry-run && %s init", dir, STRATA_CLI, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "no changes") != NULL, "%s", out);
	cr_assert(strstr(out, "Nothing changed") != NULL, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

/* A schema file of one's own beside a database with tables: nothing is written or run. */
DB_TEST(init, keeps_a_database_and_a_schema_it_did_not_write)
{
	ST_OK(strata_exec(db, "CREATE TABLE legacy (id integer PRIMARY KEY)"));
	char *dir = test_tmpdir(), *out;
	int rc = test_run_cmd(&out,
			      "cd %s && printf 'table other {\\n  id bigint primary key\\n}\\n' > schema.strata && "
			      "env -u DATABASE_URL %s init --url '%s'",
			      dir, STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "already has 1 tables") != NULL, "%s", out);
	free(out);
	cr_assert_eq(count_lines(dir, "ls migrations"), 0);
	int64_t n = -1;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM legacy", NULL, 0));
	cr_assert_eq(n, 0);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

Test(init, a_database_that_cannot_be_made_stops_with_the_reason)
{
	char *dir = test_tmpdir(), *out;
	/* SQLite: the directory cannot be created (a file is in the way) */
	int rc = test_run_cmd(&out, "cd %s && touch blocker && env -u DATABASE_URL %s init --url sqlite:blocker/app.db",
			      dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "blocker") != NULL, "%s", out);
	cr_assert(strstr(out, "run strata init again") != NULL, "%s", out);
	free(out);
	/* PostgreSQL: no server; the password is never shown */
	rc = test_run_cmd(
		&out,
		"cd %s && env -u DATABASE_URL %s init --url 'postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=2'",
		dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "refused") != NULL, "%s", out);
	cr_assert(strstr(out, "hunter2") == NULL, "password shown: %s", out);
	free(out);
	/* fixed, it continues from there */
	rc = test_run_cmd(&out, "cd %s && rm .env && env -u DATABASE_URL %s init && %s health", dir, STRATA_CLI,
			  STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

Test(init, no_apply_and_dialect)
{
	char *dir = test_tmpdir(), *out;
	int rc = test_run_cmd(
		&out, "cd %s && env -u DATABASE_URL %s init --dialect postgres --no-apply && cat migrations/*.sql", dir,
		STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "postgres://localhost:5432/") != NULL, "%s", out);
	cr_assert(strstr(out, "CREATE TABLE") != NULL, "%s", out);
	cr_assert(strstr(out, "timestamptz") != NULL, "not PostgreSQL's SQL: %s", out);
	cr_assert(strstr(out, "strata migrate up") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "cd %s && %s init --dialect postgres --url sqlite:x.db", dir, STRATA_CLI);
	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(strstr(out, "--dialect postgres does not match the URL sqlite:x.db (--url)") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "cd %s && %s init --dialect oracle", dir, STRATA_CLI);
	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(strstr(out, "--dialect: 'oracle' is not sqlite or postgres") != NULL, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

/* The README's quick start, exactly as written there, from an empty directory. */
Test(init, readme_quick_start)
{
	char *dir = test_tmpdir(), *out;
	char *bindir = strdup(STRATA_CLI);
	*strrchr(bindir, '/') = '\0';
	int rc = test_run_cmd(&out,
			      "cd %s && sed -n '/<!-- quick-start -->/,/<!-- \\/quick-start -->/p' %s/README.md "
			      "| sed -n '/^```sh$/,/^```$/p' | grep -v '^```' > quick.sh && test -s quick.sh && "
			      "env -u DATABASE_URL PATH=%s:$PATH bash -e quick.sh",
			      dir, STRATA_SOURCE_DIR, bindir);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "every check passed") != NULL, "%s", out);
	free(out);
	char path[4200];
	snprintf(path, sizeof path, "%s/myapp/src/db/db.h", dir);
	cr_assert_eq(access(path, F_OK), 0, "the quick start wrote no %s", path);
	free(bindir);
	test_rmrf(dir);
	free(dir);
}
