/* Fuzz migration linting (section parser, statement splitter, PostgreSQL
 * parse-tree walk, SQLite tokenizer and scratch database, suppression
 * comments) and the three output formats: any bytes must lint or be
 * refused with STRATA_EPARSE, never crash or leak. */
#include <stdlib.h>
#include <string.h>

#include "lint/mig.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size > 4096)
		return 0;
	static const strata_backend dialects[] = { STRATA_BACKEND_SQLITE, STRATA_BACKEND_POSTGRES };
	for (int d = 0; d < 2; d++) {
		strata_lint_report *r = NULL;
		if (strata_lint_report_new(&r) != STRATA_OK)
			abort();
		strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
		o.dialect = dialects[d];
		int rc = strata__lint_migration_text(r, "fuzz.sql", (const char *)data, size, &o);
		if (rc != STRATA_OK && rc != STRATA_EPARSE && rc != STRATA_ENOMEM)
			abort();
		for (int f = 0; f < 3; f++) {
			char *out = NULL;
			if (strata_lint_report_format(r, (strata_lint_format)f, &out) == STRATA_OK && !out)
				abort();
			free(out);
		}
		strata_lint_report_free(r);
	}
	/* The same bytes as a .strata-lint file. */
	strata_lint_config *c = NULL;
	if (strata_lint_config_new(&c) == STRATA_OK) {
		(void)strata_lint_config_parse(c, (const char *)data, size, ".strata-lint");
		strata_lint_config_free(c);
	}
	return 0;
}
