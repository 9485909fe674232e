/* Bad input: a clear status and message, nothing crashes, no password shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

DB_TEST(errors, unique_violation_names_the_constraint)
{
	ST_OK(strata_exec(db, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, nick TEXT)"));
	ST_OK(strata_exec(db, "CREATE UNIQUE INDEX users_nick_uq ON users (nick)"));
	ST_OK(strata_execv(db, "INSERT INTO users VALUES (?, ?, ?)", STRATA_INT(1), STRATA_TEXT("a@x"),
			   STRATA_TEXT("a")));

	ST_EXPECT(strata_execv(db, "INSERT INTO users VALUES (?, ?, ?)", STRATA_INT(2), STRATA_TEXT("a@x"),
			       STRATA_TEXT("b")),
		  STRATA_ECONSTRAINT);
	cr_assert_str_eq(strata_error_last()->constraint, "users_email_key");
	if (backend == STRATA_BACKEND_POSTGRES)
		cr_assert_str_eq(strata_error_last()->sqlstate, "23505");
	else
		cr_assert_neq(strata_error_last()->sqlite_code, 0);

	ST_EXPECT(strata_execv(db, "INSERT INTO users VALUES (?, ?, ?)", STRATA_INT(3), STRATA_TEXT("c@x"),
			       STRATA_TEXT("a")),
		  STRATA_ECONSTRAINT);
	cr_assert_str_eq(strata_error_last()->constraint, "users_nick_uq");

	ST_EXPECT(strata_execv(db, "INSERT INTO users VALUES (?, ?, ?)", STRATA_INT(1), STRATA_TEXT("d@x"),
			       STRATA_TEXT("d")),
		  STRATA_ECONSTRAINT);
	cr_assert_str_eq(strata_error_last()->constraint, "users_pkey");

	ST_EXPECT(strata_execv(db, "INSERT INTO users (id) VALUES (?)", STRATA_INT(9)), STRATA_ECONSTRAINT);
	(void)url;
}

DB_TEST(errors, foreign_keys_are_enforced)
{
	ST_OK(strata_exec(db, "CREATE TABLE p (id INTEGER PRIMARY KEY); "
			      "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id))"));
	ST_EXPECT(strata_execv(db, "INSERT INTO c VALUES (?, ?)", STRATA_INT(1), STRATA_INT(77)), STRATA_ECONSTRAINT);
	(void)url;
	(void)backend;
}

DB_TEST(errors, syntax_error_and_unknown_table)
{
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, db, "SELEC 1");
	if (rc == STRATA_OK) /* not possible for these backends, but say so if it happens */
		cr_assert_fail("SELEC 1 prepared");
	cr_assert_eq(rc, STRATA_ESQL);
	cr_assert(st == NULL);
	cr_assert(strstr(strata_error_last()->message, "syntax error") != NULL, "%s", strata_error_last()->message);
	ST_EXPECT(strata_exec(db, "SELECT * FROM no_such_table"), STRATA_ESQL);
	/* the connection is still usable */
	int64_t one;
	ST_OK(strata_query_int64(db, &one, "SELECT 1", NULL, 0));
	cr_assert_eq(one, 1);
	(void)url;
	(void)backend;
}

DB_TEST(errors, bind_out_of_range_and_null_handles)
{
	strata_stmt *st;
	ST_OK(strata_prepare(&st, db, "SELECT ?"));
	ST_EXPECT(strata_bind_int64(st, 0, 1), STRATA_ERANGE);
	ST_EXPECT(strata_bind_int64(st, 2, 1), STRATA_ERANGE);
	cr_assert(strstr(strata_error_last()->message, "bind index 2 out of range: the statement has 1 parameter") !=
			  NULL,
		  "%s", strata_error_last()->message);
	strata_finalize(st);
	ST_EXPECT(strata_prepare(&st, NULL, "SELECT 1"), STRATA_EINVAL);
	ST_EXPECT(strata_prepare(NULL, db, "SELECT 1"), STRATA_EINVAL);
	ST_EXPECT(strata_prepare(&st, db, NULL), STRATA_EINVAL);
	ST_EXPECT(strata_step(NULL), STRATA_EINVAL);
	ST_EXPECT(strata_bind_text(NULL, 1, "x", -1), STRATA_EINVAL);
	ST_EXPECT(strata_exec(NULL, "SELECT 1"), STRATA_EINVAL);
	ST_EXPECT(strata_begin(NULL, NULL), STRATA_EINVAL);
	ST_EXPECT(strata_commit(db), STRATA_EMISUSE);
	ST_EXPECT(strata_rollback(db), STRATA_EMISUSE);
	strata_finalize(NULL);
	strata_close(NULL);
	(void)url;
	(void)backend;
}

DB_TEST(errors, two_statements_in_one_prepare)
{
	strata_stmt *st;
	int rc = strata_prepare(&st, db, "SELECT 1; SELECT 2");
	if (backend == STRATA_BACKEND_SQLITE)
		cr_assert_eq(rc, STRATA_EINVAL);
	else
		cr_assert(rc == STRATA_ESQL || rc == STRATA_EINVAL, "%s", strata_status_name(rc));
	(void)url;
}

Test(errors, malformed_urls)
{
	strata_db *db = (strata_db *)1;
	unsetenv("DATABASE_URL"); /* and no .env in the build directory: no URL anywhere */
	ST_EXPECT(strata_open(&db, NULL, NULL), STRATA_ENOTFOUND);
	cr_assert(db == NULL);
	ST_EXPECT(strata_open(&db, "", NULL), STRATA_EINVAL);
	ST_EXPECT(strata_open(&db, "mysql://u:p@h/db", NULL), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "unknown URL scheme 'mysql'") != NULL);
	ST_EXPECT(strata_open(&db, "sqlite:", NULL), STRATA_EINVAL);
	ST_EXPECT(strata_open(&db, "postgres:/x", NULL), STRATA_EINVAL);
	ST_EXPECT(strata_open(&db, "sqlite:x.db?journal_mode=WAL&frobnicate=1", NULL), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "frobnicate") != NULL);
	ST_EXPECT(strata_open(&db, "sqlite:/tmp/x%zz.db", NULL), STRATA_EINVAL);
	ST_EXPECT(strata_open(&db, "sqlite::memory:?busy_timeout=abc", NULL), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "busy_timeout") != NULL);
	ST_EXPECT(strata_open(&db, "postgres://127.0.0.1:1/x?pgbouncer=maybe", NULL), STRATA_EINVAL);
	ST_EXPECT(strata_open(&db, "postgres://127.0.0.1:1/x?nonsense_param=1", NULL), STRATA_EINVAL);
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.version = 99;
	ST_EXPECT(strata_open(&db, "sqlite::memory:", &o), STRATA_EINVAL);
}

Test(errors, missing_sqlite_directory)
{
	strata_db *db;
	ST_EXPECT(strata_open(&db, "sqlite:/tmp/strata-no-such-dir-xyz/sub/a.db", NULL), STRATA_ECONNECT);
	cr_assert(strstr(strata_error_last()->message, "does not exist") != NULL, "%s", strata_error_last()->message);
}

Test(errors, not_a_database_file)
{
	char *dir = test_tmpdir();
	char path[512], url[600];
	snprintf(path, sizeof path, "%s/junk.db", dir);
	FILE *f = fopen(path, "w");
	fputs("this is not a database, just some text that is long enough to have a header....................", f);
	fclose(f);
	snprintf(url, sizeof url, "sqlite:%s", path);
	strata_db *db;
	ST_EXPECT(strata_open(&db, url, NULL), STRATA_ECONNECT);
	cr_assert(strstr(strata_error_last()->message, "not a database") != NULL, "%s", strata_error_last()->message);
	test_rmrf(dir);
	free(dir);
}

Test(errors, wrong_password_is_auth_error_without_the_password)
{
	const char *base = test_pg_base_url();
	/* swap the password in the URL for a wrong one */
	const char *at = strrchr(base, '@');
	const char *colon = strchr(strstr(base, "://") + 3, ':');
	char url[1024];
	snprintf(url, sizeof url, "%.*s:Sup3rS3cret!@%s", (int)(colon - base), base, at + 1);
	strata_db *db;
	ST_EXPECT(strata_open(&db, url, NULL), STRATA_EAUTH);
	cr_assert(strstr(strata_error_last()->message, "Sup3rS3cret") == NULL, "password in message: %s",
		  strata_error_last()->message);
	cr_assert(strstr(strata_error_last()->message, "password authentication failed") != NULL, "%s",
		  strata_error_last()->message);
}

Test(errors, closed_port)
{
	strata_db *db;
	ST_EXPECT(strata_open(&db, "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2", NULL), STRATA_ECONNECT);
	cr_assert(strstr(strata_error_last()->message, "hunter2") == NULL);
	cr_assert(strstr(strata_error_last()->message, "refused") != NULL, "%s", strata_error_last()->message);
}

Test(errors, status_names)
{
	cr_assert_str_eq(strata_status_name(STRATA_EBUSY), "STRATA_EBUSY");
	cr_assert_str_eq(strata_status_name(12345), "STRATA_UNKNOWN");
	cr_assert(strata_status_is_retryable(STRATA_ECONFLICT));
	cr_assert(!strata_status_is_retryable(STRATA_ECONSTRAINT));
	strata_error_clear();
	cr_assert_eq(strata_error_last()->status, STRATA_OK);
	cr_assert_str_eq(strata_error_last()->message, "");
}

Test(errors, unix_socket_host)
{
	/* scripts/pg-test-server puts the server's socket in $STRATA_PG_STATE/data */
	const char *state = getenv("STRATA_PG_STATE");
	const char *base = test_pg_base_url();
	cr_assert(state && *state, "STRATA_PG_STATE is not set: run through `make check`");
	const char *port = strrchr(base, ':');
	cr_assert(port);
	char url[1024];
	snprintf(url, sizeof url,
		 "postgresql:///strata_test?host=%s/data&port=%d&user=strata&application_name=strata-test", state,
		 atoi(port + 1));
	strata_db *db;
	ST_OK(strata_open(&db, url, NULL));
	char *app;
	ST_OK(strata_query_text(db, &app, "SELECT current_setting('application_name')", NULL, 0));
	cr_assert_str_eq(app, "strata-test");
	free(app);
	char *addr = NULL;
	int rc = strata_query_text(db, &addr, "SELECT coalesce(inet_client_addr()::text, 'local')", NULL, 0);
	cr_assert_eq(rc, STRATA_OK);
	cr_assert_str_eq(addr, "local", "not a unix-socket connection: %s", addr);
	free(addr);
	strata_close(db);
}
