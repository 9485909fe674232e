/*
 * Linting schema files and live databases: set up the context, run the
 * design rules on the model, apply suppressions.
 */
#include <stdlib.h>
#include <string.h>

#include "core/env.h"
#include "core/error.h"
#include "lint/internal.h"
#include <strata/inspect.h>

static unsigned schema_dialects(const strata_lint_options *opts)
{
	strata_backend d = opts && opts->dialect  ? opts->dialect
			   : opts && opts->config ? opts->config->dialect
						  : (strata_backend)0;
	if (d == STRATA_BACKEND_SQLITE)
		return STRATA_LINT_SQLITE;
	if (d == STRATA_BACKEND_POSTGRES)
		return STRATA_LINT_POSTGRES;
	return STRATA_LINT_SQLITE | STRATA_LINT_POSTGRES;
}

int strata_lint_schema(strata_lint_report *r, const strata_schema *s, const char *file, const char *text, size_t len,
		       const strata_lint_options *opts)
{
	if (!r || !s)
		return strata__error_set(STRATA_EINVAL, "lint: NULL report or schema");
	lint_ctx ctx;
	strata__lint_ctx_init(&ctx, r, opts, file ? file : (s->file && *s->file ? s->file : "<schema>"),
			      schema_dialects(opts));
	int rc = strata__lint_model(&ctx, s, false, NULL);
	if (rc == STRATA_OK && text)
		rc = strata__lint_suppress(&ctx, text, len);
	return rc;
}

int strata_lint_schema_file(strata_lint_report *r, const char *path, const strata_lint_options *opts)
{
	if (!r || !path)
		return strata__error_set(STRATA_EINVAL, "lint: NULL report or path");
	char *text = NULL;
	size_t len = 0;
	strata_schema *s = NULL;
	int rc = strata__read_file(path, &text, &len);
	if (rc == STRATA_OK)
		rc = strata_schema_parse(&s, text, len, path);
	if (rc == STRATA_OK)
		rc = strata_lint_schema(r, s, path, text, len, opts);
	strata_schema_free(s);
	free(text);
	return rc;
}

int strata_lint_db(strata_lint_report *r, strata_db *db, const strata_lint_options *opts)
{
	if (!r || !db)
		return strata__error_set(STRATA_EINVAL, "lint: NULL report or connection");
	strata_schema *s = NULL;
	int rc = strata_inspect(db, NULL, &s);
	if (rc != STRATA_OK)
		return rc;
	lint_ctx ctx;
	strata__lint_ctx_init(&ctx, r, opts, strata_db_url(db),
			      strata_db_backend(db) == STRATA_BACKEND_POSTGRES ? STRATA_LINT_POSTGRES
									       : STRATA_LINT_SQLITE);
	ctx.categories &= STRATA_LINT_CAT_DESIGN;
	lint_live_facts facts = { NULL, 0, 0 };
	rc = strata__lint_live_facts(db, s, &facts);
	if (rc == STRATA_OK)
		rc = strata__lint_model(&ctx, s, true, &facts);
	strata__lint_live_facts_free(&facts);
	strata_schema_free(s);
	return rc;
}
