/*
 * Migrations written by `strata migrate diff`, as a user runs it: from the
 * feature fixtures of tests/inspect/fixtures/ (every object issue 12 lists)
 * and from changes to a schema file.  Each generated migration passes
 * `strata lint` with nothing at warning level, applies, and leaves nothing
 * for the next diff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/inspect.h>

#include "testdb.h"

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fputs(text, f) >= 0, true);
	fclose(f);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *text = malloc((size_t)n + 1);
	cr_assert_not_null(text);
	cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* A second, empty database of the same dialect (its URL; free()); *name (PostgreSQL) to drop. */
static char *empty_database(strata_backend backend, const char *dir, char *name, size_t cap)
{
	if (backend == STRATA_BACKEND_POSTGRES)
		return test_pg_create_db(name, cap);
	char *url = malloc(strlen(dir) + 32);
	cr_assert_not_null(url);
	sprintf(url, "sqlite:%s/target.db", dir);
	return url;
}

static const char *dialect(strata_backend backend)
{
	return backend == STRATA_BACKEND_POSTGRES ? "postgres" : "sqlite";
}

/* `strata migrate diff -m MSG` in `dir` against `url`: its output (free()). */
static char *diff_into(const char *dir, const char *url, const char *msg)
{
	char *out;
	int rc = test_run_cmd(&out,
			      "cd '%s' && %s migrate diff -m '%s' --url '%s' --schema schema.strata --dir migrations",
			      dir, STRATA_CLI, msg, url);
	cr_assert_eq(rc, 0, "migrate diff: %s", out);
	return out;
}

/* `strata lint` on the migrations of `dir`: nothing at warning level or above. */
static void lint_clean(const char *dir, strata_backend backend)
{
	char *out;
	int rc = test_run_cmd(&out, "cd '%s' && %s lint migrations --dialect %s", dir, STRATA_CLI, dialect(backend));
	cr_assert_eq(rc, 0, "lint: %s", out);
	const char *tally = strstr(out, "0 errors, 0 warnings");
	cr_assert(tally && (tally == out || tally[-1] == '\n'), "lint reports warnings:\n%s", out);
	free(out);
}

/* `strata migrate up`, then `migrate diff --dry-run` finds nothing. */
static void up_and_settled(const char *dir, const char *url)
{
	char *out;
	int rc = test_run_cmd(&out, "cd '%s' && %s migrate up --url '%s' --dir migrations", dir, STRATA_CLI, url);
	cr_assert_eq(rc, 0, "migrate up: %s", out);
	cr_assert_null(strstr(out, "invalid-sql"), "the pre-flight lint of migrate up: %s", out);
	free(out);
	rc = test_run_cmd(&out,
			  "cd '%s' && %s migrate diff --dry-run --url '%s' --schema schema.strata --dir migrations",
			  dir, STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "no changes"), "the next diff after applying:\n%s", out);
	free(out);
}

DB_TEST(generated, fixture_migrations_pass_lint)
{
	char *sql = NULL, path[1024];
	snprintf(path, sizeof path, "%s/tests/inspect/fixtures/%s", STRATA_SOURCE_DIR,
		 backend == STRATA_BACKEND_POSTGRES ? "pg_features.sql" : "sqlite_features.sql");
	sql = read_text(path);
	ST_OK(strata_exec(db, sql));
	free(sql);
	strata_schema *live = NULL;
	ST_OK(strata_inspect(db, NULL, &live));
	char *text = NULL;
	ST_OK(strata_schema_print(live, 0, &text));
	strata_schema_free(live);

	char *dir = test_tmpdir(), name[128] = "";
	snprintf(path, sizeof path, "%s/schema.strata", dir);
	write_text(path, text);
	free(text);
	char *url2 = empty_database(backend, dir, name, sizeof name);
	free(diff_into(dir, url2, "from the fixture"));
	lint_clean(dir, backend);
	up_and_settled(dir, url2);

	if (backend == STRATA_BACKEND_POSTGRES)
		test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
	free(url2);
	(void)url;
}
