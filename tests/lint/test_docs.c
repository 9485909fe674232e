/*
 * docs/lint-rules.md keeps up with the registry: every rule has its
 * section (why, a bad and a good example, how to suppress) and a row in
 * the rules table, and every squawk rule is mapped.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "testdb.h"

static char *read_doc(void)
{
	FILE *f = fopen(STRATA_SOURCE_DIR "/docs/lint-rules.md", "rb");
	cr_assert(f, "docs/lint-rules.md is missing");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	cr_assert(s);
	s[fread(s, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return s;
}

Test(docs, every_rule_documented)
{
	char *doc = read_doc();
	size_t n;
	const strata_lint_rule *r = strata_lint_rules(&n);
	for (size_t i = 0; i < n; i++) {
		char h[128], row[160], sup[160];
		snprintf(h, sizeof h, "\n### %s\n", r[i].id);
		snprintf(row, sizeof row, "| [`%s`](#%s) | %s |", r[i].id, r[i].id,
			 strata_lint_severity_name(r[i].severity));
		snprintf(sup, sizeof sup, "strata-lint: ignore %s <reason>", r[i].id);
		const char *sec = strstr(doc, h);
		cr_assert(sec, "no section for %s", r[i].id);
		cr_assert(strstr(doc, row), "no table row for %s (default %s)", r[i].id,
			  strata_lint_severity_name(r[i].severity));
		const char *next = strstr(sec + 1, "\n### ");
		size_t len = next ? (size_t)(next - sec) : strlen(sec);
		char *body = strndup(sec, len);
		cr_assert(strstr(body, "Why: ") && strstr(body, "\nBad:\n") && strstr(body, "\nGood:\n") &&
				  strstr(body, sup),
			  "section of %s lacks why, bad, good or suppress:\n%s", r[i].id, body);
		cr_assert(strstr(body, r[i].explanation), "section of %s does not carry the registry's explanation",
			  r[i].id);
		free(body);
	}
	free(doc);
}

Test(docs, squawk_rules_mapped)
{
	static const char *const squawk[] = {
		"adding-field-with-default",
		"adding-foreign-key-constraint",
		"adding-not-nullable-field",
		"adding-required-field",
		"adding-serial-primary-key-field",
		"ban-char-field",
		"ban-concurrent-index-creation-in-transaction",
		"ban-drop-column",
		"ban-drop-database",
		"ban-drop-not-null",
		"ban-drop-table",
		"changing-column-type",
		"constraint-missing-not-valid",
		"disallowed-unique-constraint",
		"prefer-bigint-over-int",
		"prefer-bigint-over-smallint",
		"prefer-identity",
		"prefer-robust-stmts",
		"prefer-text-field",
		"prefer-timestamptz",
		"renaming-column",
		"renaming-table",
		"require-concurrent-index-creation",
		"require-concurrent-index-deletion",
		"transaction-nesting",
		"ban-create-domain-with-constraint",
		"ban-alter-domain-with-add-constraint",
		"ban-truncate-cascade",
		"syntax-error",
		"require-timeout-settings",
		"require-lock-timeout",
		"require-statement-timeout",
		"ban-uncommitted-transaction",
		"require-enum-value-ordering",
		"require-table-schema",
		"identifier-too-long",
		"require-concurrent-partition-detach",
		"require-concurrent-reindex",
		"prefer-repack",
		"ban-duplicate-column-assignments",
	};
	char *doc = read_doc();
	const char *table = strstr(doc, "## squawk's rules in Strata");
	cr_assert(table, "no squawk mapping table");
	for (size_t i = 0; i < sizeof squawk / sizeof squawk[0]; i++) {
		char cell[128];
		snprintf(cell, sizeof cell, "| `%s` |", squawk[i]);
		cr_assert(strstr(table, cell), "squawk's %s is not mapped", squawk[i]);
	}
	free(doc);
}
