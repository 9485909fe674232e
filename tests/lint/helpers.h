/* Helpers for the lint tests: lint text, look for findings. */
#ifndef LINT_TEST_HELPERS_H
#define LINT_TEST_HELPERS_H

#include <strata.h>

/* Lint schema text for `dialect` (0: both) under `cfg` (may be NULL).  Fails the test on a parse error. */
strata_lint_report *lint_schema_text(const char *text, strata_backend dialect, const strata_lint_config *cfg);

/*
 * Lint migrations for `dialect`: files[0..n) are whole file texts, written
 * as 2026010100000i_mN.sql in a new temporary directory (removed after).
 * `schema` (may be NULL) is schema text for drop-column-in-schema.
 */
strata_lint_report *lint_migs(strata_backend dialect, const char *const *files, size_t n, const char *schema,
			      const strata_lint_config *cfg);
/* One file. */
strata_lint_report *lint_mig(strata_backend dialect, const char *file);

/* How many findings of `rule`. */
size_t count_rule(const strata_lint_report *r, const char *rule);
/* The report as text (for assertion messages; static buffer). */
const char *report_text(const strata_lint_report *r);

/* The first finding of `rule`, or NULL. */
const strata_lint_finding *find_rule(const strata_lint_report *r, const char *rule);

/*
 * Lint `base` (a whole file text; NULL: none) and then `file` for dialect
 * d under cfg (may be NULL), and assert that `rule` fires on `file` (or,
 * with fire false, does not).
 */
void expect_rule(strata_backend d, const char *base, const char *file, const char *rule, bool fire,
		 const strata_lint_config *cfg);

/* A new config with one key set (strata_lint_config_free it). */
strata_lint_config *config_with(const char *key, const char *value);

/* Assert a rule fires (at least once) / does not fire. */
#define FIRES(r, rule) cr_assert(count_rule((r), (rule)) > 0, "%s should fire; got:\n%s", (rule), report_text(r))
#define QUIET(r, rule) cr_assert(count_rule((r), (rule)) == 0, "%s should not fire; got:\n%s", (rule), report_text(r))

#endif
