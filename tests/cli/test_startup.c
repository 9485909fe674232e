/*
 * Start-up: libpq and libpg_query are loaded only when a PostgreSQL URL is
 * used or PostgreSQL migrations are linted, and a missing one is a clear
 * error naming the Debian package.  LD_DEBUG=files makes the dynamic loader
 * list every object it maps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

#ifdef STRATA_TEST_DLOPEN /* built with -DSTRATA_DLOPEN=OFF both are linked */

#ifdef STRATA_TEST_STATIC_COMMAND
/*
 * The statically linked command maps no shared object at all; it runs
 * SQLite work itself and hands PostgreSQL work to strata-dynamic beside
 * it.  A copy alone in a directory shows which is which: SQLite works,
 * PostgreSQL names the missing twin.
 */
Test(startup, static_command_runs_sqlite_alone_and_hands_postgres_to_its_twin)
{
	char *dir = test_tmpdir();
	char *out;
	int rc = test_run_cmd(&out, "ldd %s", STRATA_CLI);
	cr_assert(strstr(out, "not a dynamic executable") != NULL, "ldd: %s", out);
	free(out);
	rc = test_run_cmd(&out,
			  "cd %s && cp %s ./strata && mkdir migrations && ./strata db create --url sqlite:x.db && "
			  "printf -- '-- migrate:up\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n"
			  "-- migrate:down\nDROP TABLE t;\n' > migrations/20260101000000_t.sql && "
			  "./strata migrate up --url sqlite:x.db && ./strata lint migrations --dialect sqlite",
			  dir, STRATA_CLI);
	cr_assert_eq(rc, 0, "the lone static command on SQLite: %s", out);
	cr_assert(strstr(out, "20260101000000") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "cd %s && ./strata ping --url '%s'", dir, test_pg_base_url());
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "PostgreSQL support needs libpq.so.5") != NULL, "%s", out);
	cr_assert(strstr(out, "strata-dynamic") != NULL && strstr(out, "reinstall strata") != NULL, "%s", out);
	cr_assert(strstr(out, "strata-test-pw") == NULL, "password shown: %s", out);
	free(out);
	/* the URL from DATABASE_URL hands over the same way */
	rc = test_run_cmd(&out, "cd %s && DATABASE_URL='%s' ./strata ping", dir, test_pg_base_url());
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "strata-dynamic") != NULL, "%s", out);
	free(out);
	/* beside its twin it reaches the server, through the same arguments */
	rc = test_run_cmd(&out, "%s ping --url '%s'", STRATA_CLI, test_pg_base_url());
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "PostgreSQL 1") != NULL, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}
#else
Test(startup, sqlite_run_maps_neither_libpq_nor_libpg_query)
{
	char *dir = test_tmpdir();
	char *out;
	/* status only reads: the database must exist (it is not created) */
	int rc = test_run_cmd(&out,
			      "cd %s && mkdir migrations && %s db create --url sqlite:x.db >/dev/null && "
			      "LD_DEBUG=files %s migrate status --url sqlite:x.db",
			      dir, STRATA_CLI, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "libsqlite3") != NULL, "LD_DEBUG lists nothing: %s", out);
	cr_assert(strstr(out, "libpq") == NULL, "libpq mapped by an SQLite run:\n%s", out);
	cr_assert(strstr(out, "libpg_query") == NULL, "libpg_query mapped by an SQLite run:\n%s", out);
	free(out);
	/* linting an SQLite migration needs no PostgreSQL parser either */
	rc = test_run_cmd(&out,
			  "cd %s && printf -- '-- migrate:up\\nCREATE TABLE t (id INTEGER PRIMARY KEY);\\n"
			  "-- migrate:down\\nDROP TABLE t;\\n' > migrations/20260101000000_t.sql && "
			  "LD_DEBUG=files %s lint migrations --dialect sqlite",
			  dir, STRATA_CLI);
	cr_assert(strstr(out, "libpg_query") == NULL && strstr(out, "libpq") == NULL, "mapped by an SQLite lint:\n%s",
		  out);
	free(out);
	rc = test_run_cmd(&out, "LD_DEBUG=files %s --version", STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "libpq") == NULL && strstr(out, "libpg_query") == NULL, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}
#endif

Test(startup, postgres_url_loads_libpq)
{
	char *out;
	int rc = test_run_cmd(&out, "LD_DEBUG=files %s ping --url '%s'", STRATA_CLI, test_pg_base_url());
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "libpq.so") != NULL, "libpq not loaded for a PostgreSQL URL:\n%s", out);
	cr_assert(strstr(out, "libpg_query") == NULL, "libpg_query mapped by ping:\n%s", out);
	free(out);
}

Test(startup, missing_libpq_names_the_package)
{
	char *out;
	int rc = test_run_cmd(&out, "STRATA_LIBPQ=/nonexistent/libpq.so.5 %s ping --url '%s'", STRATA_CLI,
			      test_pg_base_url());
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "PostgreSQL support needs libpq.so.5") != NULL, "%s", out);
	cr_assert(strstr(out, "install the Debian package libpq5") != NULL, "%s", out);
	cr_assert(strstr(out, "strata-test-pw") == NULL, "password shown: %s", out);
	free(out);
	/* SQLite does not care */
	rc = test_run_cmd(&out, "STRATA_LIBPQ=/nonexistent/libpq.so.5 %s ping --url sqlite::memory:", STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
}

Test(startup, missing_libpq_in_the_library)
{
	setenv("STRATA_LIBPQ", "/nonexistent/libpq.so.5", 1);
	strata_db *db = NULL;
	ST_EXPECT(strata_open(&db, test_pg_base_url(), NULL), STRATA_EUNSUPPORTED);
	cr_assert_null(db);
	cr_assert(strstr(strata_error_last()->message, "libpq5") != NULL, "%s", strata_error_last()->message);
	/* the outcome is kept: the second attempt says the same */
	ST_EXPECT(strata_open(&db, test_pg_base_url(), NULL), STRATA_EUNSUPPORTED);
	cr_assert(strstr(strata_error_last()->message, "libpq5") != NULL, "%s", strata_error_last()->message);
	ST_OK(strata_open(&db, "sqlite::memory:", NULL));
	strata_close(db);
}

Test(startup, missing_libpg_query_names_the_package)
{
	char *dir = test_tmpdir();
	char *out;
	int rc = test_run_cmd(&out,
			      "cd %s && mkdir migrations && printf -- '-- migrate:up\\nCREATE TABLE t (id int);\\n"
			      "-- migrate:down\\nDROP TABLE t;\\n' > migrations/20260101000000_t.sql && "
			      "STRATA_LIBPG_QUERY=/nonexistent/libpg_query.so %s lint migrations --dialect postgres",
			      dir, STRATA_CLI);
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(strstr(out, "Linting PostgreSQL migrations needs libpg_query") != NULL, "%s", out);
	cr_assert(strstr(out, "install the Debian package libpg-query") != NULL, "%s", out);
	free(out);
	/* and with the library present the same file lints */
	rc = test_run_cmd(&out, "cd %s && LD_DEBUG=files %s lint migrations --dialect postgres", dir, STRATA_CLI);
	cr_assert(strstr(out, "libpg_query") != NULL, "libpg_query not loaded to lint PostgreSQL:\n%s", out);
	cr_assert(strstr(out, "libpq") == NULL, "libpq mapped by a static lint:\n%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}
#endif
