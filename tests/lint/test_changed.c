/*
 * strata lint --changed-since REF: a pull request's migrations are
 * reported, the others replayed as history; tables created by the changed
 * files are new to the later ones; the output is sorted and stable.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "testdb.h"

/* A git repository with a committed migration (t, and a flaw) and two new ones (u, then indexes on u and t). */
static char *repo(void)
{
	char *dir = test_tmpdir();
	char *out = NULL;
	int st = test_run_cmd(
		&out,
		"cd %s && git init -q && git config user.email lint@test && git config user.name lint && mkdir "
		"migrations && "
		"printf -- '-- migrate:up\\nCREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY, b bigint);\\nDELETE "
		"FROM t;\\n"
		"-- migrate:down\\nDROP TABLE IF EXISTS t;\\n' > migrations/20260101000000_a.sql && "
		"printf 'table t {\\n  id bigint primary key\\n  b bigint\\n}\\n' > schema.strata && "
		"git add -A && git commit -qm first && "
		"printf -- '-- migrate:up\\nCREATE TABLE IF NOT EXISTS u (id bigint PRIMARY KEY, t_id bigint);\\n"
		"-- migrate:down\\nDROP TABLE IF EXISTS u;\\n' > migrations/20260102000000_b.sql && "
		"git add migrations/20260102000000_b.sql && "
		"printf -- '-- migrate:up\\nCREATE INDEX IF NOT EXISTS u_t ON u (t_id);\\nCREATE INDEX IF NOT EXISTS "
		"t_b ON t (b);\\n"
		"-- migrate:down\\nDROP INDEX IF EXISTS u_t;\\nDROP INDEX IF EXISTS t_b;\\n' > "
		"migrations/20260103000000_c.sql",
		dir);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	return dir;
}

Test(changed, reports_only_changed_files)
{
	char *dir = repo();
	char *out = NULL;
	int st = test_run_cmd(
		&out, "cd %s && %s lint --dialect postgres --changed-since HEAD schema.strata migrations 2>/dev/null",
		dir, STRATA_CLI);
	cr_assert_eq(st, 0, "%s", out);
	/* The committed file's DELETE and the unchanged schema file are not reported. */
	cr_assert(!strstr(out, "20260101000000_a.sql") && !strstr(out, "schema.strata"), "%s", out);
	/* u was created by a pending file: its index blocks nobody; t's does. */
	cr_assert(strstr(out, "20260103000000_c.sql:3:1: warning: [add-index-concurrently] CREATE INDEX t_b"), "%s",
		  out);
	cr_assert(!strstr(out, "CREATE INDEX u_t on existing"), "%s", out);
	/* Sorted, and the same every time. */
	char *again = NULL;
	test_run_cmd(&again,
		     "cd %s && %s lint --dialect postgres --changed-since HEAD schema.strata migrations 2>/dev/null",
		     dir, STRATA_CLI);
	cr_assert_str_eq(out, again);
	free(again);
	free(out);

	/* Everything since the empty tree: the first file too. */
	st = test_run_cmd(
		&out,
		"cd %s && %s lint --dialect postgres --changed-since 4b825dc642cb6eb9a060e54bf8d69288fbee4904 "
		"migrations 2>/dev/null",
		dir, STRATA_CLI);
	cr_assert_eq(st, 1, "%s", out);
	cr_assert(strstr(out, "20260101000000_a.sql") && strstr(out, "[dml-without-where]"), "%s", out);
	free(out);

	/* Nothing changed since the working tree was committed: nothing is reported. */
	st = test_run_cmd(&out,
			  "cd %s && git add -A && git commit -qm second && %s lint --dialect postgres "
			  "--changed-since HEAD migrations 2>&1",
			  dir, STRATA_CLI);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "0 errors, 0 warnings, 0 notes"), "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

Test(changed, bad_ref_and_no_repository)
{
	char *dir = repo();
	char *out = NULL;
	int st = test_run_cmd(&out, "cd %s && %s lint --changed-since no-such-ref migrations 2>&1", dir, STRATA_CLI);
	cr_assert_eq(st, 2, "%s", out);
	cr_assert(strstr(out, "--changed-since no-such-ref: git diff failed"), "%s", out);
	free(out);
	st = test_run_cmd(&out, "cd %s && rm -rf .git && %s lint --changed-since HEAD migrations 2>&1", dir,
			  STRATA_CLI);
	cr_assert_eq(st, 2, "%s", out);
	cr_assert(strstr(out, "not inside a git repository"), "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

Test(changed, library_pending_list)
{
	/* The option the flag fills: only listed files are reported; the others are history. */
	char *dir = repo();
	char path[600];
	snprintf(path, sizeof path, "%s/migrations/20260103000000_c.sql", dir);
	const char *pending[1] = { path };
	strata_lint_report *r;
	ST_OK(strata_lint_report_new(&r));
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	o.dialect = STRATA_BACKEND_POSTGRES;
	o.pending = pending;
	o.npending = 1;
	char mdir[600];
	snprintf(mdir, sizeof mdir, "%s/migrations", dir);
	ST_OK(strata_lint_migrations_dir(r, mdir, &o));
	for (size_t i = 0; i < strata_lint_report_count(r); i++)
		cr_assert(strstr(strata_lint_report_get(r, i)->file, "_c.sql"), "%s", report_text(r));
	FIRES(r, "add-index-concurrently");
	strata_lint_report_free(r);
	test_rmrf(dir);
	free(dir);
}
