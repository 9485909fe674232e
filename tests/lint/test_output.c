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
	int st = test_run_cmd(&out, "cd %s/input && %s lint --dialect postgres --format %s schema.strata migrations 2>/dev/null",
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

Test(output, golden_text) { golden("text", "expected.txt"); }
Test(output, golden_json) { golden("json", "expected.json"); }
Test(output, golden_sarif) { golden("sarif", "expected.sarif"); }

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
	free(out);
}

Test(output, config_file)
{
	char *dir = test_tmpdir();
	char *out = NULL;
	int st = test_run_cmd(&out,
			      "cd %s && cp %s/input/schema.strata . && printf 'disable = money-as-float\\n' > .strata-lint && "
			      "%s lint schema.strata",
			      dir, GOLDEN, STRATA_CLI);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(!strstr(out, "money-as-float"), "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}
