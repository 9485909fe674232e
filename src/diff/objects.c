/*
 * Functions, triggers, domains, extensions and sequences.  Before the
 * tables change: new extensions, domains, sequences and functions (a
 * table or a default may use them), changed ones altered, and triggers
 * that change or go dropped (a trigger may name a column about to go).
 * After: new and changed triggers, sequence ownership, then what `to` no
 * longer has (routines after their triggers, domains and extensions after
 * the tables using them).  Functions and triggers are compared by their
 * text; a changed function is replaced (CREATE OR REPLACE).  Objects a
 * database holds that the language does not model are not in either
 * model, so nothing here ever touches them.
 */
#include <string.h>

#include "core/error.h"
#include "diff/internal.h"
#include "sql/ddl.h"

static const strata_function *find_function(const strata_schema *s, const char *name)
{
	for (int i = 0; i < s->nfunctions; i++)
		if (strcmp(s->functions[i].name, name) == 0)
			return &s->functions[i];
	return NULL;
}

static const strata_trigger *find_trigger(const strata_schema *s, const strata_trigger *t)
{
	for (int i = 0; i < s->ntriggers; i++)
		if (strcmp(s->triggers[i].name, t->name) == 0 && strcmp(s->triggers[i].table, t->table) == 0)
			return &s->triggers[i];
	return NULL;
}

static const strata_domain *find_domain(const strata_schema *s, const char *name)
{
	for (int i = 0; i < s->ndomains; i++)
		if (strcmp(s->domains[i].name, name) == 0)
			return &s->domains[i];
	return NULL;
}

static const strata_sequence *find_sequence(const strata_schema *s, const char *name)
{
	for (int i = 0; i < s->nsequences; i++)
		if (strcmp(s->sequences[i].name, name) == 0)
			return &s->sequences[i];
	return NULL;
}

static bool has_extension(const strata_schema *s, const char *name)
{
	for (int i = 0; i < s->nextensions; i++)
		if (strcmp(s->extensions[i].name, name) == 0)
			return true;
	return false;
}

static bool same_sequence(const strata_sequence *x, const strata_sequence *y)
{
	return strata__diff_streq0(x->type, y->type) && strata__diff_streq0(x->start, y->start) &&
	       strata__diff_streq0(x->increment, y->increment) && strata__diff_streq0(x->min, y->min) &&
	       strata__diff_streq0(x->max, y->max) && strata__diff_streq0(x->cache, y->cache) && x->cycle == y->cycle;
}

/* ALTER DOMAIN d <what>; */
static int alter_domain(strata__diff_ctx *c, const strata_domain *d, const char *what, const char *arg)
{
	int rc;
	if ((rc = strata__buf_puts(c->tx, "ALTER DOMAIN ")) || (rc = strata__sql_ident(c->tx, c->d, d->name)) ||
	    (rc = strata__buf_printf(c->tx, " %s", what)))
		return rc;
	if (arg && (rc = strata__buf_puts(c->tx, arg)))
		return rc;
	return strata__buf_puts(c->tx, ";\n");
}

static const strata_check *domain_check(const strata_domain *d, const char *name)
{
	for (int i = 0; i < d->nchecks; i++)
		if (strcmp(d->checks[i].name, name) == 0)
			return &d->checks[i];
	return NULL;
}

/* A domain on both sides: default, NOT NULL and checks altered; a new base type or collation is refused. */
static int alter_domain_all(strata__diff_ctx *c, const strata_domain *da, const strata_domain *db)
{
	int rc;
	if (!strata__diff_same_words(da->type, db->type) || !strata__diff_streq0(da->collation, db->collation))
		return strata__error_set(
			STRATA_EINVAL,
			"domain %s: its type or collation changes (%s to %s); PostgreSQL cannot alter that in "
			"place: write that migration by hand (a new domain and the columns moved to it)",
			db->name, da->type, db->type);
	if (!strata__diff_streq0(da->dflt, db->dflt) &&
	    ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_OBJECT, NULL, db->name, false,
				       "change the default of domain %s", db->name)) ||
	     (rc = db->dflt ? alter_domain(c, db, "SET DEFAULT ", db->dflt)
			    : alter_domain(c, db, "DROP DEFAULT", NULL))))
		return rc;
	if (da->not_null != db->not_null &&
	    ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_OBJECT, NULL, db->name, db->not_null,
				       "%s not null on domain %s", db->not_null ? "set" : "drop", db->name)) ||
	     (rc = alter_domain(c, db, db->not_null ? "SET NOT NULL" : "DROP NOT NULL", NULL))))
		return rc;
	for (int i = 0; i < da->nchecks; i++) {
		const strata_check *kb = domain_check(db, da->checks[i].name);
		if (kb && strata__diff_same_words(kb->expr, da->checks[i].expr))
			continue;
		strata_buf q = STRATA_BUF_INIT;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_OBJECT, NULL, db->name, false,
					      "drop check %s of domain %s", da->checks[i].name, db->name)) ||
		    (rc = strata__sql_ident(&q, c->d, da->checks[i].name)) ||
		    (rc = alter_domain(c, db, "DROP CONSTRAINT IF EXISTS ", strata__buf_cstr(&q)))) {
			strata__buf_free(&q);
			return rc;
		}
		strata__buf_free(&q);
	}
	for (int i = 0; i < db->nchecks; i++) {
		const strata_check *k = &db->checks[i], *ka = domain_check(da, k->name);
		if (ka && strata__diff_same_words(ka->expr, k->expr))
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_OBJECT, NULL, db->name, false,
					      "add check %s to domain %s", k->name, db->name)) ||
		    (rc = strata__buf_puts(c->tx, "ALTER DOMAIN ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, db->name)) ||
		    (rc = strata__buf_puts(c->tx, " ADD CONSTRAINT ")) ||
		    (rc = strata__sql_ident(c->tx, c->d, k->name)) ||
		    (rc = strata__buf_printf(c->tx, " CHECK (%s);\n", k->expr)) ||
		    (rc = strata__sql_domain_check(c->tx, db, k)))
			return rc;
	}
	return STRATA_OK;
}

int strata__diff_objects_before(strata__diff_ctx *c)
{
	const strata_schema *a = c->a, *b = c->b;
	int rc;
	bool prelude = false;
	for (int i = 0; i < b->nextensions; i++) {
		const strata_extension *e = &b->extensions[i];
		if (has_extension(a, e->name))
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_OBJECT, NULL, e->name, false,
					      "create extension %s", e->name)) ||
		    (rc = strata__sql_create_extension(c->tx, c->d, e)))
			return rc;
	}
	for (int i = 0; i < b->ndomains; i++) {
		const strata_domain *d = &b->domains[i], *da = find_domain(a, d->name);
		if (da)
			rc = alter_domain_all(c, da, d);
		else if (!(rc = strata__diff_change(c, STRATA_CHANGE_CREATE_OBJECT, NULL, d->name, false,
						    "create domain %s", d->name)))
			rc = strata__sql_create_domain(c->tx, c->d, d);
		if (rc)
			return rc;
	}
	for (int i = 0; i < b->nsequences; i++) {
		const strata_sequence *q = &b->sequences[i], *qa = find_sequence(a, q->name);
		if (qa && same_sequence(qa, q))
			continue;
		if (qa) {
			if ((rc = strata__diff_change(c, STRATA_CHANGE_ALTER_OBJECT, NULL, q->name, false,
						      "alter sequence %s", q->name)) ||
			    (rc = strata__buf_puts(c->tx, "ALTER SEQUENCE ")) ||
			    (rc = strata__sql_ident(c->tx, c->d, q->name)) ||
			    (rc = strata__sql_sequence_options(c->tx, q, true)) ||
			    (rc = strata__buf_puts(c->tx, ";\n")))
				return rc;
		} else if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_OBJECT, NULL, q->name, false,
						     "create sequence %s", q->name)) ||
			   (rc = strata__sql_create_sequence(c->tx, c->d, q))) {
			return rc;
		}
	}
	/* Triggers that go or change: dropped before the tables change. */
	for (int i = 0; i < a->ntriggers; i++) {
		const strata_trigger *t = &a->triggers[i], *tb = find_trigger(b, t);
		if (tb && strcmp(tb->sql, t->sql) == 0)
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_OBJECT, t->table, t->name, false,
					      "drop trigger %s on %s", t->name, t->table)) ||
		    (rc = strata__sql_drop_trigger(c->tx, c->d, t)))
			return rc;
	}
	for (int i = 0; i < b->nfunctions; i++) {
		const strata_function *f = &b->functions[i], *fa = find_function(a, f->name);
		if (fa && strcmp(fa->sql, f->sql) == 0)
			continue;
		if (!prelude && (rc = strata__sql_function_prelude(c->tx, c->d)))
			return rc;
		prelude = true;
		if ((rc = strata__diff_change(c, fa ? STRATA_CHANGE_ALTER_OBJECT : STRATA_CHANGE_CREATE_OBJECT, NULL,
					      f->name, false, "%s function %s", fa ? "replace" : "create", f->name)) ||
		    (rc = strata__sql_create_function(c->tx, c->d, f)))
			return rc;
	}
	return STRATA_OK;
}

/* DROP <KIND> IF EXISTS name, marked destructive when `why` says what is lost. */
static int drop_object(strata__diff_ctx *c, const char *kind, const char *name, const char *why)
{
	int rc;
	char upper[16];
	size_t i = 0;
	for (; kind[i] && i < sizeof upper - 1; i++)
		upper[i] = (char)(kind[i] - 'a' + 'A');
	upper[i] = '\0';
	if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_OBJECT, NULL, name, why != NULL, "drop %s %s", kind,
				      name)) ||
	    (why && (rc = strata__diff_destructive(c->tx, why))) ||
	    (rc = strata__buf_printf(c->tx, "DROP %s IF EXISTS ", upper)) ||
	    (rc = strata__sql_ident(c->tx, c->d, name)))
		return rc;
	return strata__buf_puts(c->tx, ";\n");
}

int strata__diff_objects_after(strata__diff_ctx *c)
{
	const strata_schema *a = c->a, *b = c->b;
	int rc;
	for (int i = 0; i < b->ntriggers; i++) {
		const strata_trigger *t = &b->triggers[i], *ta = find_trigger(a, t);
		if (ta && strcmp(ta->sql, t->sql) == 0) {
			/* SQLite: a rebuilt table lost its triggers (CREATE TRIGGER IF NOT EXISTS keeps the others). */
			if (!c->pg && c->rebuilt && (rc = strata__sql_create_trigger(c->tx, c->d, t)))
				return rc;
			continue;
		}
		if ((rc = strata__diff_change(c, STRATA_CHANGE_CREATE_OBJECT, t->table, t->name, false,
					      "create trigger %s on %s", t->name, t->table)) ||
		    (rc = strata__sql_create_trigger(c->tx, c->d, t)))
			return rc;
	}
	for (int i = 0; i < b->nsequences; i++) {
		const strata_sequence *q = &b->sequences[i], *qa = find_sequence(a, q->name);
		if ((qa ? !strata__diff_streq0(qa->owned_by, q->owned_by) : q->owned_by != NULL) &&
		    (rc = strata__sql_sequence_owner(c->tx, c->d, q)))
			return rc;
	}
	for (int i = 0; i < a->nfunctions; i++) {
		const strata_function *f = &a->functions[i];
		if (find_function(b, f->name))
			continue;
		if ((rc = strata__diff_change(c, STRATA_CHANGE_DROP_OBJECT, NULL, f->name, false, "drop function %s",
					      f->name)) ||
		    (rc = strata__sql_drop_function(c->tx, c->d, f)))
			return rc;
	}
	for (int i = 0; i < a->nsequences; i++)
		if (!find_sequence(b, a->sequences[i].name) &&
		    (rc = drop_object(c, "sequence", a->sequences[i].name, "the sequence's position is lost")))
			return rc;
	for (int i = 0; i < a->ndomains; i++)
		if (!find_domain(b, a->domains[i].name) && (rc = drop_object(c, "domain", a->domains[i].name, NULL)))
			return rc;
	for (int i = 0; i < a->nextensions; i++)
		if (!has_extension(b, a->extensions[i].name) &&
		    (rc = drop_object(c, "extension", a->extensions[i].name,
				      "the extension's types, functions and operators go with it")))
			return rc;
	return STRATA_OK;
}
