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
	int rc = test_run_cmd(
		&out, "cd %s && printf 'DATABASE_URL=sqlite:from-dotenv.db\\n' > .env && env -u DATABASE_URL %s ping",
		dir, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "sqlite:from-dotenv.db") != NULL, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

/* Write `text` to DIR/NAME. */
static void write_in(const char *dir, const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* .env is loaded once, before the command: its DB_* settings reach every command's connections. */
DB_TEST(cli, dotenv_settings_apply_to_every_command)
{
	char *dir = test_tmpdir(), text[1024], *out;
	snprintf(text, sizeof text, "DATABASE_URL='%s'\nDB_ECHO=false\nDB_ECHO=true # the last one wins\n", url);
	write_in(dir, ".env", text);
	write_in(dir, "quiet.env", "DB_ECHO=false\n");
	const char *clean = "env -u DATABASE_URL -u DB_ECHO -u DB_SLOW_QUERY_MS -u DB_STATEMENT_TIMEOUT_MS";
	int rc = test_run_cmd(&out, "cd %s && %s %s ping", dir, clean, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "info: SELECT 1") != NULL, "DB_ECHO=true in .env did not echo: %s", out);
	free(out);
	rc = test_run_cmd(&out, "cd %s && %s %s stats", dir, clean, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "info: ") != NULL, "stats did not echo: %s", out);
	free(out);
	/* the environment wins over .env */
	rc = test_run_cmd(&out, "cd %s && %s DB_ECHO=false %s ping", dir, clean, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "info:") == NULL, "%s", out);
	free(out);
	/* --env-file, repeatable: the later file wins; .env is then not read */
	rc = test_run_cmd(&out, "cd %s && %s %s --env-file .env --env-file quiet.env ping", dir, clean, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "info:") == NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "cd %s && %s %s --env-file=quiet.env --env-file .env ping", dir, clean, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "info: SELECT 1") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "cd %s && %s %s --env-file quiet.env ping", dir, clean, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "no database URL") != NULL, "only quiet.env is read: %s", out);
	cr_assert(strstr(out, "DATABASE_URL") != NULL && strstr(out, "--url") != NULL, "%s", out);
	free(out);
	(void)db;
	(void)backend;
	test_rmrf(dir);
	free(dir);
}

Test(cli, env_file_errors)
{
	char *dir = test_tmpdir(), *out;
	write_in(dir, "two-lines.env", "DATABASE_URL=sqlite:x.db\nNOTE=\"first\nsecond\"\n");
	/* a missing --env-file is an error naming the option and the file; a missing .env is fine */
	int rc = test_run_cmd(&out, "cd %s && %s --env-file missing.env ping --url sqlite:x.db", dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "--env-file") != NULL && strstr(out, "missing.env") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "cd %s && %s ping --url sqlite:x.db", dir, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	/* a value over two lines is an error at file:line:col, for any command */
	rc = test_run_cmd(&out, "cd %s && %s --env-file two-lines.env health", dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "two-lines.env:2:6: unterminated double-quoted value") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "%s --env-file", STRATA_CLI);
	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(strstr(out, "--env-file") != NULL, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

/* The test server's URL with its password given as ?pass%77ord=: libpq reads it, Strata must hide it. */
static char *url_with_encoded_password_key(void)
{
	const char *base = test_pg_base_url(); /* postgres://strata:strata-test-pw@host:port/db */
	const char *at = strchr(base + strlen("postgres://"), '@');
	cr_assert(at);
	char *u = malloc(strlen(base) + 64);
	snprintf(u, strlen(base) + 64, "postgres://strata%s?pass%%77ord=strata-test-pw", at);
	return u;
}

Test(cli, passwords_hidden_in_ping_and_health)
{
	char *url = url_with_encoded_password_key();
	const char *cmds[] = { "ping", "ping --json", "health --check connectivity",
			       "health --json --check connectivity" };
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		char *out;
		int rc = test_run_cmd(&out, "%s %s --url '%s'", STRATA_CLI, cmds[i], url);
		cr_assert_eq(rc, 0, "%s: %s", cmds[i], out);
		cr_assert(strstr(out, "strata-test-pw") == NULL, "password shown by %s: %s", cmds[i], out);
		if (strcmp(cmds[i], "ping --json") != 0) /* the others name the URL */
			cr_assert(strstr(out, "pass%77ord=***") != NULL, "%s: %s", cmds[i], out);
		free(out);
	}
	free(url);
	/* libpq's own message quotes a URL it cannot parse */
	char *out;
	int rc = test_run_cmd(&out, "%s ping --json --url 'postgres://app:S3cretPW@[::1/db'", STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "S3cretPW") == NULL, "password shown: %s", out);
	cr_assert(strstr(out, "app:***@[::1/db") != NULL, "%s", out);
	free(out);
}
