/* The strata command: version, help, ping and its errors, as a user runs them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

Test(cli, version_and_help)
{
	char *out;
	cr_assert_eq(test_run_cmd(&out, "%s --version", STRATA_CLI), 0);
	cr_assert(strncmp(out, "strata ", 7) == 0, "%s", out);
	cr_assert(strstr(out, strata_version()) != NULL);
	free(out);
	cr_assert_eq(test_run_cmd(&out, "%s --help", STRATA_CLI), 0);
	cr_assert(strstr(out, "usage: strata") != NULL);
	cr_assert(strstr(out, "ping") != NULL);
	free(out);
	cr_assert_eq(test_run_cmd(&out, "%s", STRATA_CLI), 2);
	free(out);
	cr_assert_eq(test_run_cmd(&out, "%s frobnicate", STRATA_CLI), 2);
	cr_assert(strstr(out, "unknown command 'frobnicate'") != NULL, "%s", out);
	free(out);
}

DB_TEST(cli, ping_reports_version_and_round_trip)
{
	char *out;
	int rc = test_run_cmd(&out, "%s ping --url '%s'", STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, backend == STRATA_BACKEND_SQLITE ? "SQLite 3." : "PostgreSQL ") != NULL, "%s", out);
	cr_assert(strstr(out, "round trip") != NULL, "%s", out);
	cr_assert(strstr(out, "strata-test-pw") == NULL, "password shown: %s", out);
	free(out);
	/* the URL from the environment, and JSON output */
	rc = test_run_cmd(&out, "DATABASE_URL='%s' %s ping --json", url, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "\"ok\":true") != NULL, "%s", out);
	free(out);
	(void)db;
}

Test(cli, ping_failures)
{
	char *out;
	int rc = test_run_cmd(&out, "%s ping --url 'postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=2'", STRATA_CLI);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(out, "refused") != NULL, "%s", out);
	cr_assert(strstr(out, "hunter2") == NULL, "password shown: %s", out);
	free(out);
	rc = test_run_cmd(&out, "%s ping --url sqlite:/tmp/strata-nope-dir/x.db", STRATA_CLI);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(out, "directory '/tmp/strata-nope-dir' does not exist") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "cd /tmp && env -u DATABASE_URL %s ping", STRATA_CLI);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(out, "no database URL") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "%s ping --bogus", STRATA_CLI);
	cr_assert_eq(rc, 2);
	cr_assert(strstr(out, "--bogus") != NULL, "%s", out);
	free(out);
}

Test(cli, url_from_dotenv)
{
	char *dir = test_tmpdir();
	char *out;
	int rc = test_run_cmd(&out, "cd %s && printf 'DATABASE_URL=sqlite:from-dotenv.db\\n' > .env && env -u DATABASE_URL %s ping",
			      dir, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "sqlite:from-dotenv.db") != NULL, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}
