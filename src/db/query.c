/*
 * One-call helpers: run a statement with bound values, or fetch one value.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "db/internal.h"

/* Prepare `sql` and bind `n` values. */
static int prepare_bound(strata_stmt **out, strata_db *db, const char *sql, const strata_value *vals, size_t n)
{
	int rc = strata_prepare(out, db, sql);
	if (rc != STRATA_OK)
		return rc;
	if (n != (size_t)strata_bind_count(*out)) {
		rc = strata__error_set(STRATA_ERANGE, "%zu value%s given for %d parameter%s", n, n == 1 ? "" : "s",
				       strata_bind_count(*out), strata_bind_count(*out) == 1 ? "" : "s");
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = strata_bind_value(*out, (int)i + 1, &vals[i])) != STRATA_OK)
			goto fail;
	return STRATA_OK;
fail:
	strata_finalize(*out);
	*out = NULL;
	return rc;
}

int strata_exec_values(strata_db *db, const char *sql, const strata_value *vals, size_t n, int64_t *changes)
{
	strata_stmt *st;
	int rc = prepare_bound(&st, db, sql, vals, n);
	if (rc != STRATA_OK)
		return rc;
	while ((rc = strata_step(st)) == STRATA_ROW)
		;
	if (rc == STRATA_DONE) {
		rc = STRATA_OK;
		if (changes)
			*changes = strata_changes(db);
	}
	strata_finalize(st);
	return rc;
}

/* Run the query and leave its first row ready. */
static int first_row(strata_stmt **st, strata_db *db, const char *sql, const strata_value *vals, size_t n)
{
	int rc = prepare_bound(st, db, sql, vals, n);
	if (rc != STRATA_OK)
		return rc;
	rc = strata_step(*st);
	if (rc == STRATA_ROW)
		return STRATA_OK;
	if (rc == STRATA_DONE)
		rc = strata__error_set(STRATA_ENOTFOUND, "the query returned no row");
	strata_finalize(*st);
	*st = NULL;
	return rc;
}

int strata_query_int64(strata_db *db, int64_t *out, const char *sql, const strata_value *vals, size_t n)
{
	strata_stmt *st;
	int rc = first_row(&st, db, sql, vals, n);
	if (rc != STRATA_OK)
		return rc;
	rc = strata_column_int64(st, 0, out);
	strata_finalize(st);
	return rc;
}

int strata_query_double(strata_db *db, double *out, const char *sql, const strata_value *vals, size_t n)
{
	strata_stmt *st;
	int rc = first_row(&st, db, sql, vals, n);
	if (rc != STRATA_OK)
		return rc;
	rc = strata_column_double(st, 0, out);
	strata_finalize(st);
	return rc;
}

int strata_query_text(strata_db *db, char **out, const char *sql, const strata_value *vals, size_t n)
{
	*out = NULL;
	strata_stmt *st;
	int rc = first_row(&st, db, sql, vals, n);
	if (rc != STRATA_OK)
		return rc;
	const char *p;
	size_t len;
	rc = strata_column_text(st, 0, &p, &len);
	if (rc == STRATA_OK) {
		*out = strata__strndup(p, len);
		if (!*out)
			rc = STRATA_ENOMEM;
	}
	strata_finalize(st);
	return rc;
}
