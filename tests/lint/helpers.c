#include "helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

strata_lint_report *lint_schema_text(const char *text, strata_backend dialect, const strata_lint_config *cfg)
{
	strata_schema *s = NULL;
	ST_OK(strata_schema_parse(&s, text, strlen(text), "schema.strata"));
	strata_lint_report *r = NULL;
	ST_OK(strata_lint_report_new(&r));
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	o.dialect = dialect;
	o.config = cfg;
	ST_OK(strata_lint_schema(r, s, "schema.strata", text, strlen(text), &o));
	strata_schema_free(s);
	strata_lint_report_sort(r);
	return r;
}

strata_lint_report *lint_migs(strata_backend dialect, const char *const *files, size_t n, const char *schema,
			      const strata_lint_config *cfg)
{
	char *dir = test_tmpdir();
	for (size_t i = 0; i < n; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/2026010100000%zu_m%zu.sql", dir, i, i);
		FILE *f = fopen(path, "w");
		cr_assert(f);
		fputs(files[i], f);
		fclose(f);
	}
	strata_schema *s = NULL;
	if (schema)
		ST_OK(strata_schema_parse(&s, schema, strlen(schema), "schema.strata"));
	strata_lint_report *r = NULL;
	ST_OK(strata_lint_report_new(&r));
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	o.dialect = dialect;
	o.config = cfg;
	o.schema = s;
	ST_OK(strata_lint_migrations_dir(r, dir, &o));
	strata_schema_free(s);
	strata_lint_report_sort(r);
	test_rmrf(dir);
	free(dir);
	return r;
}

strata_lint_report *lint_mig(strata_backend dialect, const char *file)
{
	return lint_migs(dialect, &file, 1, NULL, NULL);
}

size_t count_rule(const strata_lint_report *r, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < strata_lint_report_count(r); i++)
		n += strcmp(strata_lint_report_get(r, i)->rule, rule) == 0;
	return n;
}

const char *report_text(const strata_lint_report *r)
{
	static char buf[8192];
	char *t = NULL;
	if (strata_lint_report_format(r, STRATA_LINT_FORMAT_TEXT, &t) != STRATA_OK)
		return "(format failed)";
	snprintf(buf, sizeof buf, "%s", t);
	free(t);
	return buf;
}

const strata_lint_finding *find_rule(const strata_lint_report *r, const char *rule)
{
	for (size_t i = 0; i < strata_lint_report_count(r); i++)
		if (strcmp(strata_lint_report_get(r, i)->rule, rule) == 0)
			return strata_lint_report_get(r, i);
	return NULL;
}

void expect_rule(strata_backend d, const char *base, const char *file, const char *rule, bool fire,
		 const strata_lint_config *cfg)
{
	const char *files[2] = { base, file };
	strata_lint_report *r = base ? lint_migs(d, files, 2, NULL, cfg) : lint_migs(d, &file, 1, NULL, cfg);
	size_t n = 0;
	/* Only the last file counts: the base sets the scene. */
	for (size_t i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_get(r, i);
		n += strcmp(f->rule, rule) == 0 && strstr(f->file, base ? "_m1.sql" : "_m0.sql") != NULL;
	}
	const char *dn = d == STRATA_BACKEND_SQLITE ? "SQLite" : "PostgreSQL";
	if (fire)
		cr_assert(n > 0, "%s should fire on %s:\n%s\ngot:\n%s", rule, dn, file, report_text(r));
	else
		cr_assert(n == 0, "%s should not fire on %s:\n%s\ngot:\n%s", rule, dn, file, report_text(r));
	strata_lint_report_free(r);
}

strata_lint_config *config_with(const char *key, const char *value)
{
	strata_lint_config *c = NULL;
	ST_OK(strata_lint_config_new(&c));
	ST_OK(strata_lint_config_set(c, key, value));
	return c;
}
