/*
 * The schema check: the schema file's model against the live database's
 * (strata_inspect), table by table.  Missing tables and columns and
 * columns of another type are failures (the code expects them); extra
 * tables and columns, nullability, missing indexes and foreign keys are
 * warnings.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <strata/inspect.h>
#include <strata/schema.h>

#include "health/internal.h"

static void type_text(const strata_coltype *t, char *buf, size_t cap)
{
	if (t->kind == STRATA_T_RAW)
		snprintf(buf, cap, "sql(%s)%s", t->raw ? t->raw : "", t->array ? "[]" : "");
	else if (t->kind == STRATA_T_STRING)
		snprintf(buf, cap, "string(%d)%s", t->length, t->array ? "[]" : "");
	else if (t->kind == STRATA_T_DECIMAL)
		snprintf(buf, cap, "decimal(%d,%d)%s", t->precision, t->scale, t->array ? "[]" : "");
	else if (t->kind == STRATA_T_ENUM)
		snprintf(buf, cap, "%s%s", t->enum_name ? t->enum_name : "enum", t->array ? "[]" : "");
	else
		snprintf(buf, cap, "%s%s", strata_type_kind_name(t->kind), t->array ? "[]" : "");
}

static bool same_type(const strata_coltype *a, const strata_coltype *b)
{
	if (a->kind != b->kind || a->array != b->array)
		return false;
	switch (a->kind) {
	case STRATA_T_STRING: return a->length == b->length;
	case STRATA_T_DECIMAL: return a->precision == b->precision && a->scale == b->scale;
	case STRATA_T_ENUM: return !strcmp(a->enum_name ? a->enum_name : "", b->enum_name ? b->enum_name : "");
	case STRATA_T_RAW: return !strcasecmp(a->raw ? a->raw : "", b->raw ? b->raw : "");
	default: return true;
	}
}

static bool has_fkey(const strata_table *t, const strata_fkey *want)
{
	for (int i = 0; i < t->nfkeys; i++) {
		const strata_fkey *f = &t->fkeys[i];
		if (f->ncolumns != want->ncolumns || strcmp(f->ref_table, want->ref_table))
			continue;
		bool same = true;
		for (int k = 0; k < f->ncolumns && same; k++)
			same = !strcmp(f->columns[k], want->columns[k]);
		if (same)
			return true;
	}
	return false;
}

static void compare_table(strata__hrun *r, const strata_table *want, const strata_table *have, const char *file,
			  size_t *problems)
{
	char subject[512], a[256], b[256];
	for (int i = 0; i < want->ncolumns; i++) {
		const strata_column *wc = &want->columns[i];
		const strata_column *hc = strata_table_column(have, wc->name);
		snprintf(subject, sizeof subject, "%s.%s", want->name, wc->name);
		if (!hc) {
			++*problems;
			strata__health_find(r, STRATA_HEALTH_FAILURE, "missing_column", subject,
					    "apply the pending migrations, or write one (`strata migrate diff`)",
					    "column %s (%s:%d) is not in the database", subject, file, wc->pos.line);
			continue;
		}
		if (!same_type(&wc->type, &hc->type)) {
			type_text(&wc->type, a, sizeof a);
			type_text(&hc->type, b, sizeof b);
			++*problems;
			strata__health_find(r, STRATA_HEALTH_FAILURE, "column_type", subject,
					    "write a migration that changes the column's type (`strata migrate diff`)",
					    "column %s is %s in the database, %s in %s:%d", subject, b, a, file, wc->type_pos.line);
		}
		if (wc->not_null != hc->not_null && !wc->primary_key) {
			++*problems;
			strata__health_find(r, STRATA_HEALTH_WARNING, "column_null", subject,
					    "write a migration that sets or drops NOT NULL",
					    "column %s is %s in the database, %s in the schema file", subject,
					    hc->not_null ? "NOT NULL" : "nullable", wc->not_null ? "NOT NULL" : "nullable");
		}
	}
	for (int i = 0; i < have->ncolumns; i++)
		if (!strata_table_column(want, have->columns[i].name)) {
			snprintf(subject, sizeof subject, "%s.%s", have->name, have->columns[i].name);
			++*problems;
			strata__health_find(r, STRATA_HEALTH_WARNING, "extra_column", subject,
					    "add it to the schema file, or drop it with a migration",
					    "column %s is in the database but not in %s", subject, file);
		}
	for (int i = 0; i < want->nindexes; i++) {
		const strata_index *wi = &want->indexes[i];
		if (strata_table_index(have, wi->name))
			continue;
		++*problems;
		strata__health_find(r, STRATA_HEALTH_WARNING, "missing_index", wi->name,
				    "create it with a migration (`strata migrate diff`)",
				    "index %s on %s (%s:%d) is not in the database", wi->name, want->name, file, wi->pos.line);
	}
	for (int i = 0; i < want->nfkeys; i++) {
		const strata_fkey *wf = &want->fkeys[i];
		if (has_fkey(have, wf))
			continue;
		++*problems;
		strata__health_find(r, STRATA_HEALTH_WARNING, "missing_foreign_key", wf->name,
				    "add the constraint with a migration (`strata migrate diff`)",
				    "foreign key %s on %s → %s (%s:%d) is not in the database", wf->name, want->name,
				    wf->ref_table, file, wf->pos.line);
	}
}

void strata__check_schema(strata__hrun *r)
{
	const char *file = r->o.schema_file;
	struct stat sb;
	strata_schema *want = NULL, *have = NULL;
	size_t problems = 0;
	if (stat(file, &sb) != 0) {
		strata__health_skip(r, "no schema file (%s)", file);
		return;
	}
	if (strata_schema_load(&want, file) != STRATA_OK) {
		strata__health_find(r, STRATA_HEALTH_FAILURE, "schema_unreadable", file, "fix the schema file",
				    "cannot read the schema file: %s", strata_error_last()->message);
		return;
	}
	if (strata_inspect(r->db, NULL, &have) != STRATA_OK) {
		strata__health_query_failed(r, "reading the database's schema");
		goto free_models;
	}
	for (int i = 0; i < want->ntables; i++) {
		const strata_table *wt = &want->tables[i];
		const strata_table *ht = strata_schema_table(have, wt->name);
		if (!ht) {
			problems++;
			strata__health_find(r, STRATA_HEALTH_FAILURE, "missing_table", wt->name,
					    "apply the pending migrations (`strata migrate up`), or write one (`strata migrate diff`)",
					    "table %s (%s:%d) is not in the database", wt->name, file, wt->pos.line);
			continue;
		}
		compare_table(r, wt, ht, file, &problems);
	}
	for (int i = 0; i < have->ntables; i++)
		if (!strata_schema_table(want, have->tables[i].name)) {
			problems++;
			strata__health_find(r, STRATA_HEALTH_WARNING, "extra_table", have->tables[i].name,
					    "add it to the schema file, or drop it with a migration",
					    "table %s is in the database but not in %s", have->tables[i].name, file);
		}
	strata__health_figure(r, "tables_in_file", want->ntables, "count");
	strata__health_figure(r, "tables_in_database", have->ntables, "count");
	strata__health_figure(r, "differences", (double)problems, "count");
	if (problems)
		strata__health_summary(r, "%zu difference%s between the database and %s", problems,
				       problems == 1 ? "" : "s", file);
	else
		strata__health_summary(r, "the database matches %s (%d tables)", file, want->ntables);
free_models:
	strata_schema_free(want);
	strata_schema_free(have);
}
