/*
 * Generated code compiles cleanly, warnings as errors, under gcc and clang
 * and several C standards, for schemas of different shapes
 * (tests/gen/schemas/ and the tasks example).  Strict ISO modes replace
 * trigraphs and pedantic mode checks string lengths, so c99 is in every
 * row; the other standards rotate to keep the matrix small.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

#define FLAGS "-Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror"

static const char *const schemas[] = { "plain", "owned", "keywords", "wide", "enums", "tasks" };

/* Generate every schema into `dir` (owned twice: also with a prefix; plain twice: also with --async). */
static void generate(const char *dir)
{
	char *out;
	for (size_t i = 0; i < sizeof schemas / sizeof *schemas; i++) {
		const char *s = schemas[i];
		int rc =
			strcmp(s, "tasks") == 0
				? test_run_cmd(&out,
					       "%s gen c --schema %s/examples/tasks/schema.strata -o %s --name tasks",
					       STRATA_CLI, STRATA_SOURCE_DIR, dir)
				: test_run_cmd(&out, "%s gen c --schema %s/tests/gen/schemas/%s.strata -o %s --name %s",
					       STRATA_CLI, STRATA_SOURCE_DIR, s, dir, s);
		cr_assert_eq(rc, 0, "gen c %s: %s", s, out);
		free(out);
	}
	int rc = test_run_cmd(&out,
			      "%s gen c --schema %s/tests/gen/schemas/owned.strata -o %s --name prefixed --prefix app_",
			      STRATA_CLI, STRATA_SOURCE_DIR, dir);
	cr_assert_eq(rc, 0, "gen c --prefix: %s", out);
	free(out);
	/* the non-blocking variants, of tables and of views (with a key and without) */
	rc = test_run_cmd(&out, "%s gen c --schema %s/tests/gen/schemas/plain.strata -o %s --name plain_async --async",
			  STRATA_CLI, STRATA_SOURCE_DIR, dir);
	cr_assert_eq(rc, 0, "gen c --async: %s", out);
	free(out);
}

/* `mode`: "-c -o /dev/null" (gcc warns of unused functions only when it compiles) or "-fsyntax-only" (clang: its front
 * end warns of everything). */
static void compile_all(const char *cc, const char *mode, const char *const stds[2])
{
	char *out;
	if (test_run_cmd(&out, "command -v %s", cc) != 0)
		cr_assert_fail("%s is not installed (scripts/install-deps installs it)", cc);
	free(out);
	char *dir = test_tmpdir();
	generate(dir);
	const char *files[] = { "plain", "owned", "keywords", "wide", "enums", "tasks", "prefixed", "plain_async" };
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		for (int k = 0; k < 2; k++) {
			const char *std = k == 0 ? "c99" : stds[i % 2];
			int rc = test_run_cmd(&out, "cd %s && %s -std=%s " FLAGS " -I%s/include %s %s.c", dir, cc, std,
					      STRATA_SOURCE_DIR, mode, files[i]);
			cr_assert_eq(rc, 0, "%s -std=%s on %s.c:\n%.3000s", cc, std, files[i], out);
			free(out);
		}
	test_rmrf(dir);
	free(dir);
}

Test(gen_compile, gcc_c99_c11_gnu11)
{
	const char *const stds[2] = { "c11", "gnu11" };
	compile_all("gcc", "-c -o /dev/null", stds);
}

Test(gen_compile, clang_c99_c17_gnu11)
{
	const char *const stds[2] = { "c17", "gnu11" };
	compile_all("clang", "-fsyntax-only", stds);
}

Test(gen_compile, too_wide_a_table_is_refused)
{
	char *dir = test_tmpdir(), *out;
	char path[512];
	snprintf(path, sizeof path, "%s/s.strata", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("table wide {\n id serial primary key\n", f);
	for (int i = 0; i < 64; i++)
		fprintf(f, " c%d int\n", i);
	fputs("}\n", f);
	fclose(f);
	int rc = test_run_cmd(&out, "cd %s && %s gen c --schema s.strata -o .", dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "table wide: 65 columns; generated C handles up to 64") != NULL, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

/* Two names that become the same C name are refused, naming both; so is a name C strings cannot hold. */
Test(gen_compile, names_that_meet_as_c_names_are_refused)
{
	static const struct {
		const char *schema, *want;
	} cases[] = {
		{ "table t {\n id serial primary key\n \"a b\" int\n a_b int\n}\n",
		  "s.strata:4:2: table t: columns 'a b' and 'a_b' both become the C field a_b" },
		{ "enum e { 'in progress' in_progress }\ntable t {\n id serial primary key\n s e\n}\n",
		  "enum e: values 'in progress' and 'in_progress' both become the C constant E_*" },
		{ "table t {\n id serial primary key\n \"back\\slash\" int\n}\n", "which generated C cannot name" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		char *dir = test_tmpdir(), *out, path[512];
		snprintf(path, sizeof path, "%s/s.strata", dir);
		FILE *f = fopen(path, "w");
		cr_assert(f && fputs(cases[k].schema, f) >= 0 && fclose(f) == 0);
		int rc = test_run_cmd(&out, "cd %s && %s gen c --schema s.strata -o . 2>&1", dir, STRATA_CLI);
		cr_assert_eq(rc, 1, "%s", out);
		cr_assert(strstr(out, cases[k].want) != NULL, "case %zu: %s", k, out);
		free(out);
		test_rmrf(dir);
		free(dir);
	}
}

/*
 * A column's default of an enum value that is not a C name fills in that
 * value's constant (STATUS_IN_PROGRESS, as the enum declares it), so the
 * code compiles; it used to write `STATUS_IN PROGRESS`.
 */
Test(gen_compile, enum_defaults_that_are_not_c_names)
{
	char *dir = test_tmpdir(), *out, path[512];
	snprintf(path, sizeof path, "%s/s.strata", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f &&
		  fputs("enum status { todo 'in progress' \"won't-do\" }\n"
			"table tasks {\n id serial primary key\n st status not null default 'in progress'\n"
			" later status default \"won't-do\"\n}\n",
			f) >= 0 &&
		  fclose(f) == 0);
	int rc = test_run_cmd(&out, "cd %s && %s gen c --schema s.strata -o . 2>&1", dir, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	snprintf(path, sizeof path, "%s/db.c", dir);
	char *c = test_read_text(path);
	cr_assert(strstr(c, "= STATUS_IN_PROGRESS;") && strstr(c, "= STATUS_WON_T_DO;"), "%s", c);
	free(c);
	rc = test_run_cmd(&out, "cd %s && gcc -std=c99 " FLAGS " -I%s/include -c -o /dev/null db.c 2>&1", dir,
			  STRATA_SOURCE_DIR);
	cr_assert_eq(rc, 0, "%.3000s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}
