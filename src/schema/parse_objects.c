/*
 * The schema language: declarations other than tables, enums and mixins.
 *
 *   view NAME as sql(...) [{ column lines }]
 *   materialized view NAME as sql(...) [{ column and index lines }]
 *                                             a column line is NAME TYPE [not null]: the
 *                                             row type `strata gen c` reads the view into
 *   function NAME as sql(...)                 the whole CREATE FUNCTION/PROCEDURE
 *   trigger NAME on TABLE as sql(...)         the whole CREATE TRIGGER
 *   domain NAME as sql('TYPE') [not null] [default sql(...)] [collate C] [check [NAME] (SQL)]...
 *   extension NAME [schema NAME]
 *   sequence NAME [as smallint|integer|bigint] [start N] [increment N] [minvalue N] [maxvalue N]
 *                 [cache N] [cycle] [owned by TABLE.COLUMN]
 *
 * Each is one line (SQL text may span lines inside its quotes).
 */
#include <stdio.h>
#include <string.h>

#include "schema/lexer.h"

static strata_srcpos here(const strata__parser *p)
{
	strata_srcpos pos = { p->tok.line, p->tok.col };
	return pos;
}

static int parse_view(strata__parser *p, bool materialized)
{
	int rc;
	strata_view *v = strata__push(p->s, &p->s->views, &p->s->nviews, sizeof *v);
	if (!v)
		return STRATA_ENOMEM;
	v->pos = here(p);
	v->materialized = materialized;
	const char *kind = materialized ? "materialized view" : "view";
	if (materialized && ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_word(p, "view"))))
		return rc;
	if (!materialized && (rc = strata__lex_next(p)))
		return rc;
	if ((rc = strata__parse_name(p, "a view name", &v->name, NULL)) || (rc = strata__parse_expect_word(p, "as")) ||
	    (rc = strata__parse_sql_text(p, "the query: sql($$SELECT ...$$)", &v->sql)))
		return rc;
	if (strata__lex_punct(p, '{')) {
		strata_srcpos at = here(p);
		strata_table t;
		memset(&t, 0, sizeof t);
		t.name = v->name;
		if ((rc = strata__parse_table_body(p, &t)))
			return rc;
		if (t.npkey || t.nuniques || t.nchecks || t.nfkeys || t.nmixins || t.renamed_from || t.nunscoped ||
		    t.comment)
			return strata__parse_error(
				p, at.line, at.column, "%s '%s' holds only column lines (NAME TYPE [not null])%s", kind,
				v->name, materialized ? " and 'index' and 'unique index' lines" : "");
		if (t.nindexes && !materialized)
			return strata__parse_error(p, t.indexes[0].pos.line, t.indexes[0].pos.column,
						   "view '%s' has an index: only a materialized view can", v->name);
		for (int i = 0; i < t.ncolumns; i++) {
			const strata_column *c = &t.columns[i];
			if (c->primary_key || c->unique || c->auto_update || c->owner || c->check || c->renamed_from ||
			    c->generated || c->identity || c->collation || c->comment ||
			    c->dflt.kind != STRATA_DEFAULT_NONE || c->type.kind == STRATA_T_SERIAL)
				return strata__parse_error(
					p, c->pos.line, c->pos.column,
					"%s '%s': column '%s' takes a type and 'not null' only (the query computes it)",
					kind, v->name, c->name);
		}
		v->columns = t.columns;
		v->ncolumns = t.ncolumns;
		v->indexes = t.indexes;
		v->nindexes = t.nindexes;
	}
	return strata__parse_end_clause(p);
}

/* function NAME as sql(...) */
static int parse_function(strata__parser *p)
{
	int rc;
	strata_function *f = strata__push(p->s, &p->s->functions, &p->s->nfunctions, sizeof *f);
	if (!f)
		return STRATA_ENOMEM;
	f->pos = here(p);
	if ((rc = strata__lex_next(p)) || (rc = strata__parse_name(p, "a function name", &f->name, NULL)) ||
	    (rc = strata__parse_expect_word(p, "as")) ||
	    (rc = strata__parse_sql_text(p, "the function as sql($$CREATE FUNCTION ...$$)", &f->sql)))
		return rc;
	return strata__parse_end_clause(p);
}

/* trigger NAME on TABLE as sql(...) */
static int parse_trigger(strata__parser *p)
{
	int rc;
	strata_trigger *t = strata__push(p->s, &p->s->triggers, &p->s->ntriggers, sizeof *t);
	if (!t)
		return STRATA_ENOMEM;
	t->pos = here(p);
	if ((rc = strata__lex_next(p)) || (rc = strata__parse_name(p, "a trigger name", &t->name, NULL)) ||
	    (rc = strata__parse_expect_word(p, "on")) ||
	    (rc = strata__parse_name(p, "the table (or view) of the trigger", &t->table, NULL)) ||
	    (rc = strata__parse_expect_word(p, "as")) ||
	    (rc = strata__parse_sql_text(p, "the trigger as sql($$CREATE TRIGGER ...$$)", &t->sql)))
		return rc;
	return strata__parse_end_clause(p);
}

/* extension NAME [schema NAME] */
static int parse_extension(strata__parser *p)
{
	int rc;
	strata_extension *e = strata__push(p->s, &p->s->extensions, &p->s->nextensions, sizeof *e);
	if (!e)
		return STRATA_ENOMEM;
	e->pos = here(p);
	if ((rc = strata__lex_next(p)) || (rc = strata__parse_name(p, "an extension name", &e->name, NULL)))
		return rc;
	if (strata__lex_word(p, "schema") &&
	    ((rc = strata__lex_next(p)) || (rc = strata__parse_name(p, "the extension's schema", &e->schema, NULL))))
		return rc;
	return strata__parse_end_clause(p);
}

/* domain NAME as sql('TYPE') [not null] [default sql(...)] [collate C] [check [NAME] (SQL)]... */
static int parse_domain(strata__parser *p)
{
	int rc;
	strata_domain *d = strata__push(p->s, &p->s->domains, &p->s->ndomains, sizeof *d);
	if (!d)
		return STRATA_ENOMEM;
	d->pos = here(p);
	if ((rc = strata__lex_next(p)) || (rc = strata__parse_name(p, "a domain name", &d->name, NULL)) ||
	    (rc = strata__parse_expect_word(p, "as")) ||
	    (rc = strata__parse_sql_text(p, "the domain's type as sql('...')", &d->type)))
		return rc;
	while (p->tok.kind == STRATA__TOK_IDENT) {
		strata_srcpos at = here(p);
		if (strata__lex_word(p, "not")) {
			if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_word(p, "null")))
				return rc;
			d->not_null = true;
		} else if (strata__lex_word(p, "default")) {
			if ((rc = strata__lex_next(p)) ||
			    (rc = strata__parse_sql_text(p, "the default as sql('...')", &d->dflt)))
				return rc;
		} else if (strata__lex_word(p, "collate")) {
			if ((rc = strata__lex_next(p)) ||
			    (rc = strata__parse_name(p, "a collation name", &d->collation, NULL)))
				return rc;
		} else if (strata__lex_word(p, "check")) {
			strata_check *c = strata__push(p->s, &d->checks, &d->nchecks, sizeof *c);
			if (!c)
				return STRATA_ENOMEM;
			c->pos = at;
			if ((rc = strata__lex_next(p)))
				return rc;
			if (!strata__lex_punct(p, '(') &&
			    (rc = strata__parse_name(p, "a constraint name or '('", &c->name, NULL)))
				return rc;
			if (!strata__lex_punct(p, '('))
				return strata__parse_expected(p, "'(' after 'check'");
			if ((rc = strata__lex_raw_parens(p, &c->expr)))
				return rc;
		} else {
			return strata__parse_expected(p, "not null, default, collate, check or end of line");
		}
	}
	return strata__parse_end_clause(p);
}

/* An integer, perhaps negative, kept as written. */
static int parse_number(strata__parser *p, const char *what, const char **out)
{
	int rc;
	bool minus = strata__lex_punct(p, '-');
	if (minus && (rc = strata__lex_next(p)))
		return rc;
	if (p->tok.kind != STRATA__TOK_INT)
		return strata__parse_expected(p, what);
	if (!(*out = strata__sprintf(p->s, "%s%.*s", minus ? "-" : "", (int)p->tok.n, p->tok.p)))
		return STRATA_ENOMEM;
	return strata__lex_next(p);
}

static int parse_sequence(strata__parser *p)
{
	int rc;
	strata_sequence *q = strata__push(p->s, &p->s->sequences, &p->s->nsequences, sizeof *q);
	if (!q)
		return STRATA_ENOMEM;
	q->pos = here(p);
	if ((rc = strata__lex_next(p)) || (rc = strata__parse_name(p, "a sequence name", &q->name, NULL)))
		return rc;
	while (p->tok.kind == STRATA__TOK_IDENT) {
		if (strata__lex_word(p, "as")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			if (!strata__lex_word(p, "smallint") && !strata__lex_word(p, "integer") &&
			    !strata__lex_word(p, "bigint"))
				return strata__parse_expected(p, "smallint, integer or bigint");
			if (!(q->type = strata__sndup(p->s, p->tok.p, p->tok.n)) || (rc = strata__lex_next(p)))
				return rc ? rc : STRATA_ENOMEM;
		} else if (strata__lex_word(p, "start")) {
			if ((rc = strata__lex_next(p)) || (rc = parse_number(p, "a number after 'start'", &q->start)))
				return rc;
		} else if (strata__lex_word(p, "increment")) {
			if ((rc = strata__lex_next(p)) ||
			    (rc = parse_number(p, "a number after 'increment'", &q->increment)))
				return rc;
		} else if (strata__lex_word(p, "minvalue")) {
			if ((rc = strata__lex_next(p)) || (rc = parse_number(p, "a number after 'minvalue'", &q->min)))
				return rc;
		} else if (strata__lex_word(p, "maxvalue")) {
			if ((rc = strata__lex_next(p)) || (rc = parse_number(p, "a number after 'maxvalue'", &q->max)))
				return rc;
		} else if (strata__lex_word(p, "cache")) {
			if ((rc = strata__lex_next(p)) || (rc = parse_number(p, "a number after 'cache'", &q->cache)))
				return rc;
		} else if (strata__lex_word(p, "cycle")) {
			q->cycle = true;
			if ((rc = strata__lex_next(p)))
				return rc;
		} else if (strata__lex_word(p, "owned")) {
			const char *t, *c;
			if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_word(p, "by")) ||
			    (rc = strata__parse_name(p, "the owning table", &t, NULL)) ||
			    (rc = strata__parse_expect_punct(p, '.')) ||
			    (rc = strata__parse_name(p, "the owning column", &c, NULL)))
				return rc;
			if (!(q->owned_by = strata__sprintf(p->s, "%s.%s", t, c)))
				return STRATA_ENOMEM;
		} else {
			return strata__parse_expected(
				p, "as, start, increment, minvalue, maxvalue, cache, cycle, owned by or end of line");
		}
	}
	return strata__parse_end_clause(p);
}

int strata__parse_object(strata__parser *p)
{
	if (strata__lex_word(p, "view") || strata__lex_word(p, "materialized"))
		return parse_view(p, strata__lex_word(p, "materialized"));
	if (strata__lex_word(p, "function"))
		return parse_function(p);
	if (strata__lex_word(p, "trigger"))
		return parse_trigger(p);
	if (strata__lex_word(p, "domain"))
		return parse_domain(p);
	if (strata__lex_word(p, "extension"))
		return parse_extension(p);
	return parse_sequence(p);
}
