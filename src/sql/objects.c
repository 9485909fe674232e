/*
 * DDL of what a schema holds besides tables and enums: views and
 * materialized views (and their refresh), functions, triggers, domains,
 * extensions and sequences.  Functions and triggers are kept as their
 * whole CREATE statement; the others are written from the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "schema/model.h"
#include "sql/ddl.h"

/* ---- views ---- */

void strata__sql_matview_query_name(char *buf, size_t cap, const char *view)
{
	snprintf(buf, cap, "%s__strata_query", view);
}

/*
 * PostgreSQL prints views, functions and triggers its own way.  When that
 * differs from the text as written, a comment keeps the written text with
 * the md5 of what PostgreSQL printed (strata:md5=<md5>:<text>), so
 * inspection gives back the text as written for as long as the object is
 * the one Strata made.  A text PostgreSQL prints exactly as written gets
 * no comment, so a database made from an inspected file is the one
 * inspected.  `def` is an SQL expression giving PostgreSQL's text, trimmed
 * the way inspection trims it; `target` is what COMMENT ON names
 * (`VIEW "v"`, `ROUTINE "f"`, `TRIGGER "t" ON "x"`).
 */
static int pg_keep_written(strata_buf *b, const char *target, const char *def, const char *text)
{
	char tag[32];
	int rc;
	strata_buf all = STRATA_BUF_INIT;
	if ((rc = strata__buf_puts(&all, text)) || (rc = strata__buf_puts(&all, def)))
		goto out;
	strata__sql_dollar_tag(strata__buf_cstr(&all), tag, sizeof tag);
	if ((rc = strata__buf_printf(b, "DO %s\nDECLARE d text := %s;\nBEGIN\n    IF d IS DISTINCT FROM ", tag, def)) ||
	    (rc = strata__sql_literal(b, text)) || (rc = strata__buf_puts(b, " THEN\n        EXECUTE ")))
		goto out;
	strata__buf_free(&all);
	if ((rc = strata__buf_printf(&all, "COMMENT ON %s IS ", target)) ||
	    (rc = strata__sql_literal(b, strata__buf_cstr(&all))) ||
	    (rc = strata__buf_puts(b, " || quote_literal('" STRATA__PG_COMMENT "md5=' || md5(d) || ':' || ")) ||
	    (rc = strata__sql_literal(b, text)) || (rc = strata__buf_printf(b, ");\n    END IF;\nEND %s;\n", tag)))
		goto out;
out:
	strata__buf_free(&all);
	return rc;
}

/* The trimmed text of a view as inspection reads it: regexp_replace(pg_get_viewdef('"v"'::regclass), ...). */
static int view_def(strata_buf *b, const char *name)
{
	int rc;
	if ((rc = strata__buf_puts(b, "regexp_replace(pg_get_viewdef(")) || (rc = strata__sql_regclass(b, name)))
		return rc;
	return strata__buf_puts(b, "::regclass), '^\\s+|[\\s;]+$', '', 'g')");
}

static int keep_view(strata_buf *b, const strata_view *v)
{
	strata_buf def = STRATA_BUF_INIT, target = STRATA_BUF_INIT;
	int rc;
	if (!(rc = view_def(&def, v->name)) &&
	    !(rc = strata__buf_puts(&target, v->materialized ? "MATERIALIZED VIEW " : "VIEW ")) &&
	    !(rc = strata__sql_ident(&target, STRATA_BACKEND_POSTGRES, v->name)))
		rc = pg_keep_written(b, strata__buf_cstr(&target), strata__buf_cstr(&def), v->sql);
	strata__buf_free(&def);
	strata__buf_free(&target);
	return rc;
}

int strata__sql_create_view(strata_buf *b, strata_backend d, const strata_view *v)
{
	bool pg = d == STRATA_BACKEND_POSTGRES;
	char q[160];
	int rc;
	strata_table owner;
	memset(&owner, 0, sizeof owner);
	owner.name = v->name;
	if (!v->materialized) {
		if ((rc = strata__buf_puts(b, pg ? "CREATE OR REPLACE VIEW " : "CREATE VIEW IF NOT EXISTS ")) ||
		    (rc = strata__sql_ident(b, d, v->name)) || (rc = strata__buf_printf(b, " AS\n%s;\n", v->sql)))
			return rc;
		return pg ? keep_view(b, v) : STRATA_OK;
	}
	if (pg) {
		if ((rc = strata__buf_puts(b, "CREATE MATERIALIZED VIEW IF NOT EXISTS ")) ||
		    (rc = strata__sql_ident(b, d, v->name)) || (rc = strata__buf_printf(b, " AS\n%s;\n", v->sql)) ||
		    (rc = keep_view(b, v)))
			return rc;
	} else {
		/* SQLite: the query in a view, its rows in a table of the view's name. */
		strata__sql_matview_query_name(q, sizeof q, v->name);
		if ((rc = strata__buf_puts(b, "CREATE VIEW IF NOT EXISTS ")) || (rc = strata__sql_ident(b, d, q)) ||
		    (rc = strata__buf_printf(b, " AS\n%s;\nCREATE TABLE IF NOT EXISTS ", v->sql)) ||
		    (rc = strata__sql_ident(b, d, v->name)) || (rc = strata__buf_puts(b, " AS SELECT * FROM ")) ||
		    (rc = strata__sql_ident(b, d, q)) || (rc = strata__buf_puts(b, ";\n")))
			return rc;
	}
	for (int i = 0; i < v->nindexes; i++)
		if ((rc = strata__sql_create_index(b, d, &owner, &v->indexes[i], false)))
			return rc;
	return STRATA_OK;
}

int strata__sql_drop_view(strata_buf *b, strata_backend d, const strata_view *v)
{
	int rc;
	char q[160];
	if (!v->materialized || d == STRATA_BACKEND_POSTGRES) {
		if ((rc = strata__buf_printf(b, "DROP %sVIEW IF EXISTS ", v->materialized ? "MATERIALIZED " : "")) ||
		    (rc = strata__sql_ident(b, d, v->name)))
			return rc;
		return strata__buf_puts(b, ";\n");
	}
	strata__sql_matview_query_name(q, sizeof q, v->name);
	if ((rc = strata__buf_puts(b, "DROP TABLE IF EXISTS ")) || (rc = strata__sql_ident(b, d, v->name)) ||
	    (rc = strata__buf_puts(b, ";\nDROP VIEW IF EXISTS ")) || (rc = strata__sql_ident(b, d, q)))
		return rc;
	return strata__buf_puts(b, ";\n");
}

bool strata_view_refresh_concurrently(const strata_view *v)
{
	if (!v || !v->materialized)
		return false;
	for (int i = 0; i < v->nindexes; i++) {
		const strata_index *x = &v->indexes[i];
		bool plain = x->unique && !x->where;
		for (int k = 0; plain && x->keys && k < x->ncolumns; k++)
			plain = !x->keys[k].expr;
		if (plain)
			return true;
	}
	return false;
}

int strata_sql_refresh(const strata_view *v, strata_backend backend, bool concurrently, char **out)
{
	strata_buf b = STRATA_BUF_INIT;
	char q[160];
	int rc;
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_sql_refresh: out is NULL");
	*out = NULL;
	if (!v || !v->materialized)
		return strata__error_set(STRATA_EINVAL, "strata_sql_refresh: %s is not a materialized view",
					 v ? v->name : "NULL");
	if (backend == STRATA_BACKEND_POSTGRES) {
		bool conc = concurrently && strata_view_refresh_concurrently(v);
		if (!(rc = strata__buf_printf(&b, "REFRESH MATERIALIZED VIEW %s", conc ? "CONCURRENTLY " : "")) &&
		    !(rc = strata__sql_ident(&b, backend, v->name)))
			rc = strata__buf_puts(&b, ";\n");
	} else if (backend == STRATA_BACKEND_SQLITE) {
		strata__sql_matview_query_name(q, sizeof q, v->name);
		if (!(rc = strata__buf_puts(&b, "DELETE FROM ")) && !(rc = strata__sql_ident(&b, backend, v->name)) &&
		    !(rc = strata__buf_puts(&b, ";\nINSERT INTO ")) &&
		    !(rc = strata__sql_ident(&b, backend, v->name)) &&
		    !(rc = strata__buf_puts(&b, " SELECT * FROM ")) && !(rc = strata__sql_ident(&b, backend, q)))
			rc = strata__buf_puts(&b, ";\n");
	} else {
		rc = strata__error_set(STRATA_EINVAL, "unknown SQL dialect %d", (int)backend);
	}
	if (rc) {
		strata__buf_free(&b);
		return rc;
	}
	*out = strata__buf_detach(&b);
	return *out ? STRATA_OK : STRATA_ENOMEM;
}

/* ---- functions ---- */

int strata__sql_function_prelude(strata_buf *b, strata_backend d)
{
	/*
	 * Function bodies are checked when they are used, not when they are made
	 * (as pg_dump does): a function may name a table made after it.
	 */
	return d == STRATA_BACKEND_POSTGRES ? strata__buf_puts(b, "SET LOCAL check_function_bodies = off;\n")
					    : STRATA_OK;
}

/* The name of a routine for DROP and COMMENT: "f" or "f"(integer, text) when the name carries its arguments. */
static int routine_name(strata_buf *b, const char *name)
{
	const char *paren = strchr(name, '(');
	if (!paren)
		return strata__sql_ident(b, STRATA_BACKEND_POSTGRES, name);
	char base[128];
	snprintf(base, sizeof base, "%.*s", (int)(paren - name), name);
	int rc = strata__sql_ident(b, STRATA_BACKEND_POSTGRES, base);
	return rc ? rc : strata__buf_puts(b, paren);
}

/* `text` with "CREATE " made "CREATE OR REPLACE " when it says neither (CREATE FUNCTION ...). */
static int or_replace(strata_buf *b, const char *text)
{
	const char *p = text;
	while (*p == ' ' || *p == '\n' || *p == '\t')
		p++;
	if (strncasecmp(p, "CREATE", 6) == 0 && (p[6] == ' ' || p[6] == '\n' || p[6] == '\t')) {
		const char *q = p + 6;
		while (*q == ' ' || *q == '\n' || *q == '\t')
			q++;
		if (strncasecmp(q, "OR ", 3) != 0)
			return strata__buf_printf(b, "CREATE OR REPLACE %s", q);
	}
	return strata__buf_puts(b, text);
}

static int end_statement(strata_buf *b, const char *text)
{
	size_t n = strlen(text);
	return strata__buf_puts(b, n && text[n - 1] == ';' ? "\n" : ";\n");
}

int strata__sql_create_function(strata_buf *b, strata_backend d, const strata_function *f)
{
	int rc;
	strata_buf def = STRATA_BUF_INIT, target = STRATA_BUF_INIT, ref = STRATA_BUF_INIT;
	if (d != STRATA_BACKEND_POSTGRES)
		return strata__error_set(STRATA_EINVAL, "function %s: SQLite has no stored functions", f->name);
	if ((rc = or_replace(b, f->sql)) || (rc = end_statement(b, f->sql)))
		return rc;
	/* pg_get_functiondef of the routine, trimmed as inspection reads it. */
	if (!(rc = routine_name(&ref, f->name)) &&
	    !(rc = strata__buf_puts(&def, "regexp_replace(pg_get_functiondef(")) &&
	    !(rc = strata__sql_literal(&def, strata__buf_cstr(&ref))) &&
	    !(rc = strata__buf_printf(&def, "::%s), '^\\s+|\\s+$', '', 'g')",
				      strchr(f->name, '(') ? "regprocedure" : "regproc")) &&
	    !(rc = strata__buf_puts(&target, "ROUTINE ")) && !(rc = strata__buf_puts(&target, strata__buf_cstr(&ref))))
		rc = pg_keep_written(b, strata__buf_cstr(&target), strata__buf_cstr(&def), f->sql);
	strata__buf_free(&def);
	strata__buf_free(&target);
	strata__buf_free(&ref);
	return rc;
}

int strata__sql_drop_function(strata_buf *b, strata_backend d, const strata_function *f)
{
	int rc;
	(void)d;
	if ((rc = strata__buf_puts(b, "DROP ROUTINE IF EXISTS ")) || (rc = routine_name(b, f->name)))
		return rc;
	return strata__buf_puts(b, ";\n");
}

/* ---- triggers ---- */

int strata__sql_create_trigger(strata_buf *b, strata_backend d, const strata_trigger *t)
{
	int rc;
	if (d == STRATA_BACKEND_SQLITE) {
		/* CREATE TRIGGER IF NOT EXISTS (SQLite keeps the text without IF NOT EXISTS). */
		const char *p = t->sql;
		if (strncasecmp(p, "CREATE TRIGGER ", 15) == 0 && strncasecmp(p + 15, "IF ", 3) != 0)
			rc = strata__buf_printf(b, "CREATE TRIGGER IF NOT EXISTS %s", p + 15);
		else
			rc = strata__buf_puts(b, p);
		return rc ? rc : end_statement(b, t->sql);
	}
	strata_buf def = STRATA_BUF_INIT, target = STRATA_BUF_INIT;
	if ((rc = strata__sql_drop_trigger(b, d, t)) || (rc = strata__buf_puts(b, t->sql)) ||
	    (rc = end_statement(b, t->sql)))
		return rc;
	if (!(rc = strata__buf_puts(&def, "pg_get_triggerdef((SELECT oid FROM pg_trigger WHERE tgrelid = ")) &&
	    !(rc = strata__sql_regclass(&def, t->table)) &&
	    !(rc = strata__buf_puts(&def, "::regclass AND tgname = ")) && !(rc = strata__sql_literal(&def, t->name)) &&
	    !(rc = strata__buf_puts(&def, "))")) && !(rc = strata__buf_puts(&target, "TRIGGER ")) &&
	    !(rc = strata__sql_ident(&target, d, t->name)) && !(rc = strata__buf_puts(&target, " ON ")) &&
	    !(rc = strata__sql_ident(&target, d, t->table)))
		rc = pg_keep_written(b, strata__buf_cstr(&target), strata__buf_cstr(&def), t->sql);
	strata__buf_free(&def);
	strata__buf_free(&target);
	return rc;
}

int strata__sql_drop_trigger(strata_buf *b, strata_backend d, const strata_trigger *t)
{
	int rc;
	if ((rc = strata__buf_puts(b, "DROP TRIGGER IF EXISTS ")) || (rc = strata__sql_ident(b, d, t->name)))
		return rc;
	if (d == STRATA_BACKEND_POSTGRES &&
	    ((rc = strata__buf_puts(b, " ON ")) || (rc = strata__sql_ident(b, d, t->table))))
		return rc;
	return strata__buf_puts(b, ";\n");
}

/* ---- domains ---- */

int strata__sql_domain_check(strata_buf *b, const strata_domain *dm, const strata_check *c)
{
	int rc;
	strata_buf what = STRATA_BUF_INIT, cur = STRATA_BUF_INIT, want = STRATA_BUF_INIT;
	const strata_backend d = STRATA_BACKEND_POSTGRES;
	if (!(rc = strata__buf_puts(&what, "CONSTRAINT ")) && !(rc = strata__sql_ident(&what, d, c->name)) &&
	    !(rc = strata__buf_puts(&what, " ON DOMAIN ")) && !(rc = strata__sql_ident(&what, d, dm->name)) &&
	    !(rc = strata__buf_puts(&cur, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contypid = ")) &&
	    !(rc = strata__sql_regclass(&cur, dm->name)) &&
	    !(rc = strata__buf_puts(&cur, "::regtype AND conname = ")) && !(rc = strata__sql_literal(&cur, c->name)) &&
	    !(rc = strata__buf_puts(&want, "'CHECK (' || ")) && !(rc = strata__sql_literal(&want, c->expr)) &&
	    !(rc = strata__buf_puts(&want, " || ')'")))
		rc = strata__sql_pg_comment(b, strata__buf_cstr(&what), c->expr, strata__buf_cstr(&cur),
					    strata__buf_cstr(&want));
	strata__buf_free(&what);
	strata__buf_free(&cur);
	strata__buf_free(&want);
	return rc;
}

int strata__sql_create_domain(strata_buf *b, strata_backend d, const strata_domain *dm)
{
	int rc;
	if (d != STRATA_BACKEND_POSTGRES)
		return strata__error_set(STRATA_EINVAL, "domain %s: SQLite has no domains", dm->name);
	if ((rc = strata__buf_puts(b, "DO $strata$ BEGIN\n    CREATE DOMAIN ")) ||
	    (rc = strata__sql_ident(b, d, dm->name)) || (rc = strata__buf_printf(b, " AS %s", dm->type)))
		return rc;
	if (dm->collation && ((rc = strata__buf_puts(b, " COLLATE ")) || (rc = strata__sql_ident(b, d, dm->collation))))
		return rc;
	if (dm->dflt && (rc = strata__buf_printf(b, " DEFAULT %s", dm->dflt)))
		return rc;
	if (dm->not_null && (rc = strata__buf_puts(b, " NOT NULL")))
		return rc;
	for (int i = 0; i < dm->nchecks; i++)
		if ((rc = strata__buf_puts(b, " CONSTRAINT ")) || (rc = strata__sql_ident(b, d, dm->checks[i].name)) ||
		    (rc = strata__buf_printf(b, " CHECK (%s)", dm->checks[i].expr)))
			return rc;
	if ((rc = strata__buf_puts(b, ";\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $strata$;\n")))
		return rc;
	for (int i = 0; i < dm->nchecks; i++)
		if ((rc = strata__sql_domain_check(b, dm, &dm->checks[i])))
			return rc;
	return STRATA_OK;
}

/* ---- extensions and sequences ---- */

int strata__sql_create_extension(strata_buf *b, strata_backend d, const strata_extension *e)
{
	int rc;
	if (d != STRATA_BACKEND_POSTGRES)
		return strata__error_set(STRATA_EINVAL, "extension %s: SQLite has no extensions", e->name);
	if ((rc = strata__buf_puts(b, "CREATE EXTENSION IF NOT EXISTS ")) || (rc = strata__sql_ident(b, d, e->name)))
		return rc;
	if (e->schema && ((rc = strata__buf_puts(b, " WITH SCHEMA ")) || (rc = strata__sql_ident(b, d, e->schema))))
		return rc;
	return strata__buf_puts(b, ";\n");
}

int strata__sql_sequence_options(strata_buf *b, const strata_sequence *q, bool alter)
{
	int rc = STRATA_OK;
	if (q->type)
		rc = strata__buf_printf(b, " AS %s", q->type);
	if (!rc && (q->increment || alter))
		rc = strata__buf_printf(b, " INCREMENT BY %s", q->increment ? q->increment : "1");
	if (!rc && (q->min || alter))
		rc = q->min ? strata__buf_printf(b, " MINVALUE %s", q->min) : strata__buf_puts(b, " NO MINVALUE");
	if (!rc && (q->max || alter))
		rc = q->max ? strata__buf_printf(b, " MAXVALUE %s", q->max) : strata__buf_puts(b, " NO MAXVALUE");
	if (!rc && q->start)
		rc = strata__buf_printf(b, " START WITH %s", q->start);
	if (!rc && (q->cache || alter))
		rc = strata__buf_printf(b, " CACHE %s", q->cache ? q->cache : "1");
	if (!rc && (q->cycle || alter))
		rc = strata__buf_puts(b, q->cycle ? " CYCLE" : " NO CYCLE");
	return rc;
}

int strata__sql_create_sequence(strata_buf *b, strata_backend d, const strata_sequence *q)
{
	int rc;
	if (d != STRATA_BACKEND_POSTGRES)
		return strata__error_set(STRATA_EINVAL, "sequence %s: SQLite has no sequences", q->name);
	if ((rc = strata__buf_puts(b, "CREATE SEQUENCE IF NOT EXISTS ")) || (rc = strata__sql_ident(b, d, q->name)) ||
	    (rc = strata__sql_sequence_options(b, q, false)))
		return rc;
	return strata__buf_puts(b, ";\n");
}

int strata__sql_sequence_owner(strata_buf *b, strata_backend d, const strata_sequence *q)
{
	int rc;
	char t[128];
	if ((rc = strata__buf_puts(b, "ALTER SEQUENCE ")) || (rc = strata__sql_ident(b, d, q->name)) ||
	    (rc = strata__buf_puts(b, " OWNED BY ")))
		return rc;
	if (!q->owned_by)
		return strata__buf_puts(b, "NONE;\n");
	const char *dot = strchr(q->owned_by, '.');
	snprintf(t, sizeof t, "%.*s", (int)(dot - q->owned_by), q->owned_by);
	if ((rc = strata__sql_ident(b, d, t)) || (rc = strata__buf_putc(b, '.')) ||
	    (rc = strata__sql_ident(b, d, dot + 1)))
		return rc;
	return strata__buf_puts(b, ";\n");
}
