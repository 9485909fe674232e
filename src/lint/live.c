/*
 * What only a live database tells the linter: which columns a trigger of
 * the user's keeps current (a change time under another name than
 * updated_at), which money columns SQLite actually stores as REAL, and,
 * for a migration runner's pre-flight, the schema the pending migrations
 * will run on (tables created by `schema apply` or before the project
 * adopted Strata included).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/db.h>
#include <strata/sql.h>

#include "core/error.h"
#include "lint/mig.h"

/* Does `text` mention `word` as a whole identifier (any case)? */
static bool mentions_ci(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; n && *p; p++) {
		if (!strata__lint_ieqn(p, word, n))
			continue;
		bool before = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		bool after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
		if (before && after)
			return true;
	}
	return false;
}

static bool time_column(const strata_column *c)
{
	if (c->type.array)
		return false; /* an array of times is no update time (its item triggers name it, src/sql/items.c) */
	if (c->type.kind == STRATA_T_TIMESTAMP || c->type.kind == STRATA_T_DATE)
		return true;
	const char *r = c->type.raw;
	for (const char *p = r; p && *p; p++)
		if (strata__lint_ieqn(p, "time", 4) || strata__lint_ieqn(p, "date", 4))
			return true;
	return false;
}

/* A trigger's text: mark the time columns of its table that an UPDATE trigger sets as kept current. */
static void note_trigger(strata_schema *s, const char *table, const char *text)
{
	strata_table *t = (strata_table *)strata_schema_table(s, table);
	if (!t || !text || !mentions_ci(text, "update"))
		return;
	for (int i = 0; i < t->ncolumns; i++)
		if (time_column(&t->columns[i]) && mentions_ci(text, t->columns[i].name))
			t->columns[i].auto_update = true;
}

static int live_triggers(struct strata_db *db, strata_schema *s)
{
	static const char sq[] = "SELECT tbl_name, sql FROM sqlite_schema WHERE type = 'trigger' AND sql IS NOT NULL";
	static const char pg[] =
		"SELECT c.relname, pg_get_triggerdef(t.oid) || ' ' || coalesce(p.prosrc, '') "
		"FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
		"JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal AND n.nspname = current_schema()";
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, db, strata_db_backend(db) == STRATA_BACKEND_POSTGRES ? pg : sq);
	while (rc == STRATA_OK && strata_step(st) == STRATA_ROW) {
		const char *table = NULL, *text = NULL;
		size_t l;
		if (strata_column_text(st, 0, &table, &l) == STRATA_OK &&
		    strata_column_text(st, 1, &text, &l) == STRATA_OK && table)
			note_trigger(s, table, text);
	}
	strata_finalize(st);
	if (rc != STRATA_OK && rc != STRATA_ENOMEM) {
		strata_error_clear(); /* no triggers to read: nothing is kept current by one */
		rc = STRATA_OK;
	}
	return rc;
}

static int push(lint_live_facts *f, const char *table, const char *col)
{
	if (f->nreal == f->creal) {
		size_t cap = f->creal ? f->creal * 2 : 8;
		char **v = realloc(f->real, cap * sizeof *v);
		if (!v)
			return strata__error_nomem();
		f->real = v;
		f->creal = cap;
	}
	strata_buf b = STRATA_BUF_INIT;
	if (strata__buf_printf(&b, "%s.%s", table, col) != STRATA_OK)
		return STRATA_ENOMEM;
	f->real[f->nreal++] = strata__buf_detach(&b);
	return STRATA_OK;
}

/*
 * SQLite keeps a value whose column has NUMERIC or INTEGER affinity as
 * REAL when it is not a whole number: a money column declared NUMERIC can
 * still hold binary floating point.  The first 10,000 rows of each
 * money-like column that is not declared as a float are looked at.
 */
static int real_storage(struct strata_db *db, const strata_schema *s, lint_live_facts *out)
{
	int rc = STRATA_OK;
	for (int i = 0; i < s->ntables && rc == STRATA_OK; i++) {
		const strata_table *t = &s->tables[i];
		for (int j = 0; j < t->ncolumns && rc == STRATA_OK; j++) {
			const strata_column *c = &t->columns[j];
			if (!strata__lint_money_like(c->name) || c->type.array || c->type.kind == STRATA_T_FLOAT ||
			    (c->type.kind == STRATA_T_RAW &&
			     strata__lint_type_class(c->type.raw, NULL) == LINT_T_FLOAT))
				continue;
			char *qt = NULL, *qc = NULL, *sql = NULL;
			strata_buf b = STRATA_BUF_INIT;
			rc = strata_sql_quote_ident(STRATA_BACKEND_SQLITE, t->name, &qt);
			if (rc == STRATA_OK)
				rc = strata_sql_quote_ident(STRATA_BACKEND_SQLITE, c->name, &qc);
			if (rc == STRATA_OK)
				rc = strata__buf_printf(&b,
							"SELECT 1 FROM (SELECT %s AS v FROM %s LIMIT 10000) "
							"WHERE typeof(v) = 'real' LIMIT 1",
							qc, qt);
			sql = rc == STRATA_OK ? strata__buf_detach(&b) : NULL;
			strata__buf_free(&b);
			int64_t hit = 0;
			if (rc == STRATA_OK && strata_query_int64(db, &hit, sql, NULL, 0) != STRATA_OK) {
				if (strata_error_last()->status == STRATA_ENOMEM)
					rc = STRATA_ENOMEM;
				strata_error_clear(); /* no row, or a table that cannot be read: nothing found */
				hit = 0;
			}
			if (rc == STRATA_OK && hit)
				rc = push(out, t->name, c->name);
			free(qt);
			free(qc);
			free(sql);
		}
	}
	return rc;
}

int strata__lint_live_facts(struct strata_db *db, strata_schema *s, lint_live_facts *out)
{
	memset(out, 0, sizeof *out);
	int rc = live_triggers(db, s);
	if (rc == STRATA_OK && strata_db_backend(db) == STRATA_BACKEND_SQLITE)
		rc = real_storage(db, s, out);
	return rc;
}

void strata__lint_live_facts_free(lint_live_facts *f)
{
	for (size_t i = 0; i < f->nreal; i++)
		free(f->real[i]);
	free(f->real);
	memset(f, 0, sizeof *f);
}

/* PostgreSQL: the tables, column types and indexes of the live schema, into the catalog. */
int strata__lint_live_catalog(strata_db *db, lint_catalog *cat)
{
	static const char cols[] = "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
				   "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON "
				   "n.oid = c.relnamespace "
				   "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
				   "AND NOT a.attisdropped "
				   "ORDER BY c.relname, a.attnum";
	static const char idx[] = "SELECT i.relname, c.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
				  "JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
				  "WHERE n.nspname = current_schema()";
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, db, cols), step = STRATA_DONE;
	while (rc == STRATA_OK && (step = strata_step(st)) == STRATA_ROW) {
		const char *t, *c, *ty;
		size_t l;
		lint_table *tb;
		rc = strata_column_text(st, 0, &t, &l);
		if (rc == STRATA_OK)
			rc = strata_column_text(st, 1, &c, &l);
		if (rc == STRATA_OK)
			rc = strata_column_text(st, 2, &ty, &l);
		if (rc == STRATA_OK)
			rc = strata__lint_cat_add_table(cat, t, &tb);
		if (rc == STRATA_OK)
			rc = strata__lint_cat_set_col(tb, c, ty);
	}
	/* A catalog read that fails half way must not pass for a smaller schema. */
	if (rc == STRATA_OK && step != STRATA_DONE)
		rc = step;
	strata_finalize(st);
	st = NULL;
	if (rc == STRATA_OK)
		rc = strata_prepare(&st, db, idx);
	step = STRATA_DONE;
	while (rc == STRATA_OK && (step = strata_step(st)) == STRATA_ROW) {
		const char *i, *t;
		size_t l;
		rc = strata_column_text(st, 0, &i, &l);
		if (rc == STRATA_OK)
			rc = strata_column_text(st, 1, &t, &l);
		if (rc == STRATA_OK)
			rc = strata__lint_cat_add_index(cat, i, t);
	}
	if (rc == STRATA_OK && step != STRATA_DONE)
		rc = step;
	strata_finalize(st);
	return rc;
}
