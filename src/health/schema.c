/*
 * The schema check: the live database (strata_inspect) against the schema
 * file, through the plan strata_diff makes from one to the other (the
 * same one `strata migrate diff` writes).  Each change is a finding:
 * missing tables and columns, and columns, keys or enums that differ are
 * failures (the code expects them); extra tables and columns, indexes and
 * constraints are warnings.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <strata/diff.h>
#include <strata/inspect.h>
#include <strata/schema.h>

#include "health/internal.h"

/* Where the file declares table `t` (and column `col`, may be NULL): its line, or 0. */
static int line_of(const strata_schema *s, const char *t, const char *col)
{
	const strata_table *tab = t ? strata_schema_table(s, t) : NULL;
	if (!tab)
		return 0;
	const strata_column *c = col ? strata_table_column(tab, col) : NULL;
	return c ? c->pos.line : tab->pos.line;
}

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

/*
 * A SQLite rebuild says only that a table changes: name the columns that
 * differ (missing, extra, another type, nullability).  Returns how many
 * findings it added.
 */
static int explain_rebuild(strata__hrun *r, const strata_table *want, const strata_table *have, const char *file)
{
	char subject[512], a[256], b[256];
	int n = 0;
	const char *advice = "write the migration with `strata migrate diff` (or apply the pending ones)";
	for (int i = 0; i < want->ncolumns; i++) {
		const strata_column *wc = &want->columns[i];
		const strata_column *hc = strata_table_column(have, wc->name);
		snprintf(subject, sizeof subject, "%s.%s", want->name, wc->name);
		if (!hc) {
			n++;
			strata__health_find(r, STRATA_HEALTH_FAILURE, "missing_column", subject, advice,
					    "column %s (%s:%d) is not in the database", subject, file, wc->pos.line);
			continue;
		}
		type_text(&wc->type, a, sizeof a);
		type_text(&hc->type, b, sizeof b);
		if (strcmp(a, b) != 0) {
			n++;
			strata__health_find(r, STRATA_HEALTH_FAILURE, "column_type", subject, advice,
					    "column %s is %s in the database, %s in %s:%d", subject, b, a, file,
					    wc->type_pos.line);
		}
		if (wc->not_null != hc->not_null && !wc->primary_key) {
			n++;
			strata__health_find(r, STRATA_HEALTH_FAILURE, "column_null", subject, advice,
					    "column %s is %s in the database, %s in %s:%d", subject,
					    hc->not_null ? "NOT NULL" : "nullable",
					    wc->not_null ? "NOT NULL" : "nullable", file, wc->pos.line);
		}
	}
	for (int i = 0; i < have->ncolumns; i++)
		if (!strata_table_column(want, have->columns[i].name)) {
			n++;
			snprintf(subject, sizeof subject, "%s.%s", have->name, have->columns[i].name);
			strata__health_find(r, STRATA_HEALTH_WARNING, "extra_column", subject,
					    "add it to the schema file, or drop it with a migration",
					    "column %s is in the database but not in %s", subject, file);
		}
	return n;
}

/* One change of the plan from the database to the file, as a finding. */
static void report_change(strata__hrun *r, const strata_change *c, const strata_schema *want, const strata_schema *have,
			  const char *file)
{
	char subject[512];
	snprintf(subject, sizeof subject, "%s%s%s", c->table ? c->table : "", c->table && c->name ? "." : "",
		 c->name ? c->name : "");
	const char *advice = "write the migration with `strata migrate diff` (or apply the pending ones)";
	switch (c->kind) {
	case STRATA_CHANGE_CREATE_TABLE:
		strata__health_find(r, STRATA_HEALTH_FAILURE, "missing_table", c->table, advice,
				    "table %s (%s:%d) is not in the database", c->table, file,
				    line_of(want, c->table, NULL));
		break;
	case STRATA_CHANGE_ADD_COLUMN:
		strata__health_find(r, STRATA_HEALTH_FAILURE, "missing_column", subject, advice,
				    "column %s (%s:%d) is not in the database", subject, file,
				    line_of(want, c->table, c->name));
		break;
	case STRATA_CHANGE_DROP_TABLE:
		strata__health_find(r, STRATA_HEALTH_WARNING, "extra_table", c->table,
				    "add it to the schema file, or drop it with a migration",
				    "table %s is in the database but not in %s", c->table, file);
		break;
	case STRATA_CHANGE_DROP_COLUMN:
		strata__health_find(r, STRATA_HEALTH_WARNING, "extra_column", subject,
				    "add it to the schema file, or drop it with a migration",
				    "column %s is in the database but not in %s", subject, file);
		break;
	case STRATA_CHANGE_REBUILD_TABLE: {
		const strata_table *wt = strata_schema_table(want, c->table), *ht = strata_schema_table(have, c->table);
		if (wt && ht && explain_rebuild(r, wt, ht, file) > 0)
			break;
	}
		/* fall through */
	case STRATA_CHANGE_ALTER_COLUMN:
	case STRATA_CHANGE_PRIMARY_KEY:
	case STRATA_CHANGE_CREATE_ENUM:
	case STRATA_CHANGE_ALTER_ENUM:
		strata__health_find(r, STRATA_HEALTH_FAILURE, "schema_differs", subject, advice,
				    "the database differs from %s: to match it, %s", file, c->summary);
		break;
	default:
		strata__health_find(r, STRATA_HEALTH_WARNING, "schema_differs", subject, advice,
				    "the database differs from %s: to match it, %s", file, c->summary);
		break;
	}
}

void strata__check_schema(strata__hrun *r)
{
	const char *file = r->o.schema_file;
	struct stat sb;
	strata_schema *want = NULL, *have = NULL;
	strata_plan *plan = NULL;
	size_t problems = 0;
	if (stat(file, &sb) != 0) {
		strata__health_missing(r, r->named_schema, "schema file", file);
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
	if (strata_diff(have, want, r->backend, &plan) != STRATA_OK) {
		strata__health_query_failed(r, "comparing the database with the schema file");
		goto free_models;
	}
	for (int i = 0; i < plan->nchanges; i++)
		report_change(r, &plan->changes[i], want, have, file);
	problems = (size_t)plan->nchanges;
	strata__health_figure(r, "tables_in_file", want->ntables, "count");
	strata__health_figure(r, "tables_in_database", have->ntables, "count");
	strata__health_figure(r, "differences", (double)problems, "count");
	if (problems)
		strata__health_summary(r, "%zu difference%s between the database and %s", problems,
				       problems == 1 ? "" : "s", file);
	else
		strata__health_summary(r, "the database matches %s (%d tables)", file, want->ntables);
free_models:
	strata_plan_free(plan);
	strata_schema_free(want);
	strata_schema_free(have);
}
