/* Configuration: severities, disabled rules, settings, the .strata-lint file. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "testdb.h"

Test(config, defaults_and_registry)
{
	size_t n;
	const strata_lint_rule *r = strata_lint_rules(&n);
	cr_assert_gt(n, 30);
	for (size_t i = 0; i < n; i++) {
		cr_assert(r[i].id && *r[i].id && r[i].summary && *r[i].summary);
		cr_assert(strlen(r[i].explanation) > 60, "%s needs a longer explanation", r[i].id);
		cr_assert_eq(strata_lint_rule_find(r[i].id), &r[i]);
	}
	cr_assert_eq(strata_lint_config_severity(NULL, "drop-table"), STRATA_LINT_ERROR);
	cr_assert_str_eq(strata_lint_config_get(NULL, "string-style"), "length");
	cr_assert_str_eq(strata_lint_config_get(NULL, "enum-style"), "native");
}

Test(config, set_and_parse)
{
	strata_lint_config *c;
	ST_OK(strata_lint_config_new(&c));
	ST_OK(strata_lint_config_set(c, "drop-table", "warning"));
	cr_assert_eq(strata_lint_config_severity(c, "drop-table"), STRATA_LINT_WARNING);
	const char *text = "# team rules\n[rules]\nrequire-down = off\ndisable = reserved-word, char-type\n"
			   "[settings]\nstring-style = text\nenum-style: check\ndialect = postgres\nmax-warnings = 3\n";
	ST_OK(strata_lint_config_parse(c, text, strlen(text), ".strata-lint"));
	cr_assert_eq(strata_lint_config_severity(c, "require-down"), STRATA_LINT_OFF);
	cr_assert_eq(strata_lint_config_severity(c, "reserved-word"), STRATA_LINT_OFF);
	cr_assert_eq(strata_lint_config_severity(c, "char-type"), STRATA_LINT_OFF);
	cr_assert_str_eq(strata_lint_config_get(c, "string-style"), "text");
	cr_assert_str_eq(strata_lint_config_get(c, "enum-style"), "check");
	cr_assert_str_eq(strata_lint_config_get(c, "dialect"), "postgres");
	cr_assert_str_eq(strata_lint_config_get(c, "max-warnings"), "3");
	/* A misspelt rule names the likely one; a bad line names file:line. */
	ST_EXPECT(strata_lint_config_set(c, "drop-tabel", "off"), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "drop-table"), "%s", strata_error_last()->message);
	const char *bad = "require-down = off\nrequire-down = sometimes\n";
	ST_EXPECT(strata_lint_config_parse(c, bad, strlen(bad), ".strata-lint"), STRATA_EPARSE);
	cr_assert_eq(strata_error_last()->line, 2);
	strata_lint_config_free(c);
}

Test(config, disabled_rule_does_not_fire)
{
	strata_lint_config *c;
	ST_OK(strata_lint_config_new(&c));
	strata_lint_report *r = lint_schema_text("table notes {\n body string(10)\n}\n", 0, c);
	FIRES(r, "require-primary-key");
	strata_lint_report_free(r);
	ST_OK(strata_lint_config_set(c, "disable", "require-primary-key"));
	r = lint_schema_text("table notes {\n body string(10)\n}\n", 0, c);
	QUIET(r, "require-primary-key");
	strata_lint_report_free(r);
	/* A severity change shows in the finding. */
	ST_OK(strata_lint_config_set(c, "require-timestamps", "error"));
	r = lint_schema_text("table notes {\n body string(10)\n}\n", 0, c);
	for (size_t i = 0; i < strata_lint_report_count(r); i++)
		if (!strcmp(strata_lint_report_get(r, i)->rule, "require-timestamps"))
			cr_assert_eq(strata_lint_report_get(r, i)->severity, STRATA_LINT_ERROR);
	strata_lint_report_free(r);
	strata_lint_config_free(c);
}
