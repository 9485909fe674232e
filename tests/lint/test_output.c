/*
 * The three output formats, compared with golden files, and the command's
 * exit status.  Set STRATA_UPDATE_GOLDEN=1 to rewrite the golden files.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "testdb.h"

#define GOLDEN STRATA_SOURCE_DIR "/tests/lint/golden"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	cr_assert(s);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = '\0';
	fclose(f);
	return s;
}

static void golden(const char *format, const char *file)
{
	char *out = NULL;
	int st = test_run_cmd(
		&out, "cd %s/input && %s lint --dialect postgres --format %s schema.strata migrations 2>/dev/null",
		GOLDEN, STRATA_CLI, format);
	cr_assert_eq(st, 1, "exit status %d, want 1 (an error-level finding):\n%s", st, out);
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", GOLDEN, file);
	const char *upd = getenv("STRATA_UPDATE_GOLDEN");
	if (upd && *upd == '1') {
		FILE *f = fopen(path, "wb");
		cr_assert(f);
		fputs(out, f);
		fclose(f);
	}
	char *want = slurp(path);
	cr_assert(want, "no golden file %s", path);
	cr_assert_str_eq(out, want, "output differs from %s:\n%s", path, out);
	free(want);
	free(out);
}

Test(output, golden_text)
{
	golden("text", "expected.txt");
}
Test(output, golden_json)
{
	golden("json", "expected.json");
}
Test(output, golden_sarif)
{
	golden("sarif", "expected.sarif");
}

Test(output, summary_and_exit_status)
{
	char *out = NULL;
	int st = test_run_cmd(&out, "cd %s/input && %s lint --dialect postgres schema.strata migrations", GOLDEN,
			      STRATA_CLI);
	cr_assert_eq(st, 1);
	cr_assert(strstr(out, "(1 suppressed)"), "%s", out);
	free(out);
	/* Turning the error-level rules into warnings: exit 0, unless --max-warnings is exceeded. */
	st = test_run_cmd(&out,
			  "cd %s/input && %s lint --dialect postgres --rule money-as-float=warning "
			  "--rule add-not-null-column=warning schema.strata migrations",
			  GOLDEN, STRATA_CLI);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	st = test_run_cmd(&out,
			  "cd %s/input && %s lint --dialect postgres --rule money-as-float=warning "
			  "--rule add-not-null-column=warning --max-warnings 2 schema.strata migrations",
			  GOLDEN, STRATA_CLI);
	cr_assert_eq(st, 1, "%s", out);
	cr_assert(strstr(out, "more than --max-warnings 2"), "%s", out);
	free(out);
}

Test(output, usage_errors)
{
	char *out = NULL;
	int st = test_run_cmd(&out, "%s lint --format xml %s/input/schema.strata", STRATA_CLI, GOLDEN);
	cr_assert_eq(st, 2);
	cr_assert(strstr(out, "text, json or sarif"), "%s", out);
	free(out);
	st = test_run_cmd(&out, "%s lint --rule drop-tabel=off %s/input/schema.strata", STRATA_CLI, GOLDEN);
	cr_assert_eq(st, 2);
	cr_assert(strstr(out, "did you mean 'drop-table'"), "%s", out);
	free(out);
	st = test_run_cmd(&out, "%s lint --explain add-index-concurrently", STRATA_CLI);
	cr_assert_eq(st, 0);
	cr_assert(strstr(out, "CONCURRENTLY"), "%s", out);
	free(out);
	st = test_run_cmd(&out, "%s lint --list-rules", STRATA_CLI);
	cr_assert_eq(st, 0);
	cr_assert(strstr(out, "require-primary-key"), "%s", out);
	/* a column each, whatever the length of the rule's name: DEFAULT starts at the same place on every line */
	const char *hdr = strstr(out, "DEFAULT");
	cr_assert(hdr);
	long col = hdr - out;
	for (const char *line = strchr(out, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
		cr_assert(line[col - 1] == ' ' && line[col] != ' ', "misaligned: %.*s", (int)strcspn(line, "\n"), line);
		if (!strchr(line, '\n'))
			break;
	}
	free(out);
}

Test(output, config_file)
{
	char *dir = test_tmpdir();
	char *out = NULL;
	int st = test_run_cmd(
		&out,
		"cd %s && cp %s/input/schema.strata . && printf 'disable = money-as-float\\n' > .strata-lint && "
		"%s lint schema.strata",
		dir, GOLDEN, STRATA_CLI);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(!strstr(out, "money-as-float"), "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

Test(output, flawed_sample)
{
	char *out = NULL;
	int st = test_run_cmd(&out, "cd %s/examples/lint && %s lint 2>&1", STRATA_SOURCE_DIR, STRATA_CLI);
	cr_assert_eq(st, 1, "%s", out);
	const char *want[] = { "flawed.strata:12:1: error: [require-primary-key]", "[money-as-float]",
			       "[add-index-concurrently]", "[narrowing-type]", "[dml-without-where]", "(1 suppressed)",
			       /* the rules squawk users know, each with its lock */
			       "[prefer-identity]", "[prefer-bigint-over-int]", "[volatile-default] ADD COLUMN token",
			       "[ban-drop-not-null]", "[ban-duplicate-column-assignments]",
			       "[require-concurrent-reindex]", "[ban-truncate-cascade]",
			       "[ban-create-domain-with-constraint]", "[prefer-repack]",
			       "[ban-uncommitted-transaction]", "[concurrently-in-transaction]",
			       "(lock: SHARE; blocks writes of customers)" };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		cr_assert(strstr(out, want[i]), "missing %s in:\n%s", want[i], out);
	free(out);
}

Test(output, migrate_up_strict)
{
	char *dir = test_tmpdir();
	char *out = NULL;
	int st = test_run_cmd(
		&out,
		"cd %s && mkdir migrations && "
		"printf -- '-- migrate:up\\nCREATE TABLE IF NOT EXISTS t (id integer primary key);\\n"
		"-- migrate:down\\nDROP TABLE IF EXISTS t;\\n' > migrations/20260101000000_a.sql && "
		"%s migrate up --url sqlite:db.sqlite && "
		"printf -- '-- migrate:up\\nDELETE FROM t;\\n-- migrate:down\\n' > migrations/20260102000000_b.sql && "
		"%s migrate up --url sqlite:db.sqlite --strict",
		dir, STRATA_CLI, STRATA_CLI);
	cr_assert_eq(st, 1, "%s", out);
	cr_assert(strstr(out, "20260102000000_b.sql:2:1: error: [dml-without-where]"), "%s", out);
	cr_assert(strstr(out, "nothing was applied"), "%s", out);
	free(out);
	/* Without --strict the findings are printed and the migration runs. */
	st = test_run_cmd(&out, "cd %s && %s migrate up --url sqlite:db.sqlite", dir, STRATA_CLI);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "[dml-without-where]"), "%s", out);
	cr_assert(strstr(out, "Applied 1 migration"), "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

Test(output, example_migrations_lint_clean)
{
	/* The tasks example's schema and its migrations (one directory per dialect, when there are any). */
	char *out = NULL;
	int st = test_run_cmd(&out,
			      "cd %s/examples/tasks && %s lint schema.strata 2>&1 && "
			      "for d in sqlite postgres; do if [ -d migrations/$d ]; then "
			      "%s lint --dialect $d migrations/$d 2>&1 || exit 1; fi; done; "
			      "if ls migrations/*.sql >/dev/null 2>&1; then %s lint migrations 2>&1; fi",
			      STRATA_SOURCE_DIR, STRATA_CLI, STRATA_CLI, STRATA_CLI);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "0 errors, 0 warnings"), "%s", out);
	cr_assert(!strstr(out, ": warning:") && !strstr(out, ": error:"), "%s", out);
	free(out);
}

Test(output, live_database_formats)
{
	/* Findings without a position: text names the object, SARIF gives a logical location and no region. */
	char *dir = test_tmpdir();
	char *out = NULL;
	int st;
	char url[600];
	snprintf(url, sizeof url, "sqlite:%s/live.db", dir);
	strata_db *db;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(db, "CREATE TABLE IF NOT EXISTS loose (name text)"));
	strata_close(db);
	st = test_run_cmd(&out, "cd %s && %s lint --db '%s' 2>&1", dir, STRATA_CLI, url);
	cr_assert_eq(st, 1, "%s", out);
	cr_assert(strstr(out, ": error: [require-primary-key] loose: table loose has no primary key"), "%s", out);
	free(out);
	st = test_run_cmd(&out, "cd %s && %s lint --db '%s' --format sarif", dir, STRATA_CLI, url);
	cr_assert_eq(st, 1, "%s", out);
	cr_assert(strstr(out, "\"logicalLocations\"") && strstr(out, "\"fullyQualifiedName\": \"loose\""), "%s", out);
	cr_assert(!strstr(out, "\"region\""), "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}
