/*
 * Fuzz the lint of SQLite migrations alone (statement rules, the tokenizer,
 * the scratch database each file is applied to, suppressions): any bytes
 * lint or are refused with STRATA_EPARSE, never crash or leak.  The input
 * is two files, split at the first form feed, so what the first creates is
 * in the catalog the second is checked against.
 */
#include <stdlib.h>
#include <string.h>

#include <strata.h>

#include "lint/mig.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void quiet(strata_log_level level, const char *msg, void *ud)
{
	(void)level;
	(void)msg;
	(void)ud;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size > 8192)
		return 0;
	strata_log_set_handler(quiet, NULL);
	const char *text = (const char *)data;
	const char *ff = memchr(text, '\f', size);
	size_t first = ff ? (size_t)(ff - text) : size;
	strata_lint_report *r = NULL;
	if (strata_lint_report_new(&r) != STRATA_OK)
		abort();
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	o.dialect = STRATA_BACKEND_SQLITE;
	int rc = strata__lint_migration_text(r, "20260101000000_a.sql", text, first, &o);
	if (rc != STRATA_OK && rc != STRATA_EPARSE && rc != STRATA_ENOMEM)
		abort();
	if (ff) {
		rc = strata__lint_migration_text(r, "20260102000000_b.sql", ff + 1, size - first - 1, &o);
		if (rc != STRATA_OK && rc != STRATA_EPARSE && rc != STRATA_ENOMEM)
			abort();
	}
	char *out = NULL;
	if (strata_lint_report_format(r, STRATA_LINT_FORMAT_TEXT, &out) == STRATA_OK && !out)
		abort();
	free(out);
	strata_lint_report_free(r);
	return 0;
}
