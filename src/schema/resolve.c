/*
 * The schema's second pass: expand mixins, resolve types and references,
 * and check everything the parser could not check alone.  Every error
 * points at the place in the file that has to change.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <stdint.h>

#include <jansson.h>

#include "core/error.h"
#include "schema/parse.h"
#include <strata/value.h>

static int err_at(const strata_schema *s, strata_srcpos pos, const char *fmt, ...) STRATA_PRINTF(3, 4);

static int err_at(const strata_schema *s, strata_srcpos pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return strata__error_set_at(STRATA_EPARSE, s->file, pos.line, pos.column, "%s", msg);
}

/* The closest candidate, or NULL when nothing is close. */
typedef struct suggest {
	const char *word;
	const char *best;
	int dist;
} suggest;

static void suggest_try(suggest *sg, const char *cand)
{
	size_t n = strlen(sg->word);
	int cap = n <= 3 ? 1 : (n <= 6 ? 2 : 3);
	int d = strata__edit_distance(sg->word, cand, cap);
	if (d <= cap && d < sg->dist && strcmp(sg->word, cand) != 0) {
		sg->dist = d;
		sg->best = cand;
	}
}

/* "; did you mean 'x'?" or "" into buf. */
static const char *suggest_text(const suggest *sg, char *buf, size_t cap)
{
	if (sg->best)
		snprintf(buf, cap, "; did you mean '%s'?", sg->best);
	else
		buf[0] = '\0';
	return buf;
}

static strata_mixin *find_mixin(strata_schema *s, const char *name)
{
	for (int i = 0; i < s->nmixins; i++)
		if (strcmp(s->mixins[i].name, name) == 0)
			return &s->mixins[i];
	return NULL;
}

static strata_table *find_table(strata_schema *s, const char *name)
{
	return (strata_table *)strata_schema_table(s, name);
}

static int unknown_mixin(strata_schema *s, const char *name, strata_srcpos pos)
{
	suggest sg = { name, NULL, 99 };
	char hint[128];
	for (int i = 0; i < s->nmixins; i++)
		suggest_try(&sg, s->mixins[i].name);
	return err_at(s, pos, "unknown mixin '%s'%s", name, suggest_text(&sg, hint, sizeof hint));
}

/* ---- mixins ---- */

static int mixin_cycle(strata_schema *s, strata_mixin *m, strata_mixin **stack, int depth)
{
	for (int i = 0; i < depth; i++) {
		if (stack[i] != m)
			continue;
		char path[512] = "";
		for (int j = i; j < depth; j++) {
			strncat(path, stack[j]->name, sizeof path - strlen(path) - 1);
			strncat(path, " -> ", sizeof path - strlen(path) - 1);
		}
		strncat(path, m->name, sizeof path - strlen(path) - 1);
		return err_at(s, m->pos, "cycle of mixins: %s", path);
	}
	if (depth >= 64)
		return err_at(s, m->pos, "mixins nested too deeply");
	stack[depth] = m;
	for (int i = 0; i < m->ncolumns; i++) {
		const strata_column *c = &m->columns[i];
		if (c->name)
			continue;
		strata_mixin *u = find_mixin(s, c->mixin);
		if (!u)
			return unknown_mixin(s, c->mixin, c->pos);
		int rc = mixin_cycle(s, u, stack, depth + 1);
		if (rc)
			return rc;
	}
	return STRATA_OK;
}

typedef struct expansion {
	strata_column *cols;
	int ncols;
	strata_fkey *fkeys;
	int nfkeys;
} expansion;

/* Expand `m` into x; its columns (nested mixins' too) are marked as coming from `top`, the mixin the table uses. */
static int expand_mixin(strata_schema *s, expansion *x, strata_mixin *m, const char *top)
{
	for (int i = 0; i < m->ncolumns; i++) {
		const strata_column *src = &m->columns[i];
		if (!src->name) {
			strata_mixin *u = find_mixin(s, src->mixin);
			int rc;
			if (!u)
				return unknown_mixin(s, src->mixin, src->pos);
			if ((rc = expand_mixin(s, x, u, top)))
				return rc;
			continue;
		}
		strata_column *c = strata__push(s, &x->cols, &x->ncols, sizeof *c);
		if (!c || strata__copy_column(s, c, src))
			return STRATA_ENOMEM;
		c->mixin = top;
		for (int k = 0; k < m->nfkeys; k++) {
			if (strcmp(m->fkeys[k].columns[0], src->name) != 0)
				continue;
			strata_fkey *f = strata__push(s, &x->fkeys, &x->nfkeys, sizeof *f);
			if (!f || strata__copy_fkey(s, f, &m->fkeys[k]))
				return STRATA_ENOMEM;
		}
	}
	return STRATA_OK;
}

static bool in_list(const char *const *list, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static int expand_table(strata_schema *s, strata_table *t, const strata__parse_extra *extra)
{
	expansion x = { NULL, 0, t->fkeys, t->nfkeys };
	const char **skips = NULL, **used = NULL;
	int nskips = 0, nused = 0, rc;
	for (int i = 0; i < t->nmixins; i++)
		if (strata__push_str(s, &skips, &nskips, t->mixins[i] + 1))
			return STRATA_ENOMEM;
	for (int i = 0; i < nskips; i++)
		if (!in_list(s->default_mixins, s->ndefault_mixins, skips[i]))
			return err_at(s, t->pos, "table '%s' skips mixin '%s', which the file does not use by default",
				      t->name, skips[i]);
	for (int i = 0; i < t->ncolumns; i++) {
		const strata_column *c = &t->columns[i];
		if (c->name) {
			strata_column *d = strata__push(s, &x.cols, &x.ncols, sizeof *d);
			if (!d)
				return STRATA_ENOMEM;
			*d = *c;
			continue;
		}
		strata_mixin *m = find_mixin(s, c->mixin);
		if (!m)
			return unknown_mixin(s, c->mixin, c->pos);
		if (in_list(used, nused, m->name))
			return err_at(s, c->pos, "table '%s' uses mixin '%s' twice", t->name, m->name);
		if (strata__push_str(s, &used, &nused, m->name))
			return STRATA_ENOMEM;
		if ((rc = expand_mixin(s, &x, m, m->name)))
			return rc;
	}
	for (int i = 0; i < s->ndefault_mixins && !t->partition_of; i++) {
		/* A partition's columns are its parent's: file-level mixins reach it through the parent. */
		const char *name = s->default_mixins[i];
		if (in_list(used, nused, name) || in_list(skips, nskips, name))
			continue;
		strata_mixin *m = find_mixin(s, name);
		if (!m)
			return unknown_mixin(s, name, extra->default_pos[i]);
		if (strata__push_str(s, &used, &nused, name))
			return STRATA_ENOMEM;
		if ((rc = expand_mixin(s, &x, m, m->name)))
			return rc;
	}
	t->columns = x.cols;
	t->ncolumns = x.ncols;
	t->fkeys = x.fkeys;
	t->nfkeys = x.nfkeys;
	t->mixins = used;
	t->nmixins = nused;
	return STRATA_OK;
}

/* ---- checks ---- */

static int missing_column(strata_schema *s, const strata_table *t, const char *col, strata_srcpos pos, const char *what)
{
	suggest sg = { col, NULL, 99 };
	char hint[128];
	for (int i = 0; i < t->ncolumns; i++)
		suggest_try(&sg, t->columns[i].name);
	return err_at(s, pos, "%s: table '%s' has no column '%s'%s", what, t->name, col,
		      suggest_text(&sg, hint, sizeof hint));
}

static int check_names(strata_schema *s)
{
	for (int i = 0; i < s->ntables; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(s->tables[i].name, s->tables[j].name) == 0)
				return err_at(s, s->tables[i].pos, "duplicate table '%s' (first declared on line %d)",
					      s->tables[i].name, s->tables[j].pos.line);
	for (int i = 0; i < s->nenums; i++) {
		for (int j = 0; j < i; j++)
			if (strcmp(s->enums[i].name, s->enums[j].name) == 0)
				return err_at(s, s->enums[i].pos, "duplicate enum '%s' (first declared on line %d)",
					      s->enums[i].name, s->enums[j].pos.line);
		if (find_table(s, s->enums[i].name))
			return err_at(s, s->enums[i].pos, "enum '%s' has the name of a table", s->enums[i].name);
		for (int k = 0; strata__type_word(k); k++)
			if (strcmp(strata__type_word(k), s->enums[i].name) == 0)
				return err_at(s, s->enums[i].pos, "enum '%s' has the name of a built-in type",
					      s->enums[i].name);
	}
	for (int i = 0; i < s->nmixins; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(s->mixins[i].name, s->mixins[j].name) == 0)
				return err_at(s, s->mixins[i].pos, "duplicate mixin '%s' (first declared on line %d)",
					      s->mixins[i].name, s->mixins[j].pos.line);
	for (int i = 0; i < s->nenums; i++) {
		const strata_enum *e = &s->enums[i];
		for (int k = 0; e->renamed_from && k < e->nvalues; k++)
			for (int j = 0; e->renamed_from[k] && j < e->nvalues; j++)
				if (strcmp(e->values[j], e->renamed_from[k]) == 0)
					return err_at(
						s, e->pos,
						"enum '%s': value '%s' is renamed from '%s', which is still a value",
						e->name, e->values[k], e->renamed_from[k]);
	}
	return STRATA_OK;
}

/* Functions, triggers, domains, extensions and sequences: names, and what they name. */
static int check_objects(strata_schema *s)
{
	for (int i = 0; i < s->nfunctions; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(s->functions[i].name, s->functions[j].name) == 0)
				return err_at(s, s->functions[i].pos,
					      "duplicate function '%s' (first declared on line %d); name "
					      "overloaded functions with their arguments: function \"f(integer)\" as "
					      "sql(...)",
					      s->functions[i].name, s->functions[j].pos.line);
	for (int i = 0; i < s->ntriggers; i++) {
		const strata_trigger *t = &s->triggers[i];
		for (int j = 0; j < i; j++)
			if (strcmp(t->name, s->triggers[j].name) == 0 && strcmp(t->table, s->triggers[j].table) == 0)
				return err_at(s, t->pos, "duplicate trigger '%s' on '%s' (first declared on line %d)",
					      t->name, t->table, s->triggers[j].pos.line);
		if (!find_table(s, t->table) && !strata_schema_view(s, t->table)) {
			suggest sg = { t->table, NULL, 99 };
			char hint[128];
			for (int k = 0; k < s->ntables; k++)
				suggest_try(&sg, s->tables[k].name);
			return err_at(s, t->pos, "trigger '%s' is on unknown table '%s'%s", t->name, t->table,
				      suggest_text(&sg, hint, sizeof hint));
		}
	}
	for (int i = 0; i < s->ndomains; i++) {
		strata_domain *d = &s->domains[i];
		for (int j = 0; j < i; j++)
			if (strcmp(d->name, s->domains[j].name) == 0)
				return err_at(s, d->pos, "duplicate domain '%s' (first declared on line %d)", d->name,
					      s->domains[j].pos.line);
		if (find_table(s, d->name) || strata_schema_enum(s, d->name))
			return err_at(s, d->pos, "domain '%s' has the name of a table or an enum", d->name);
		for (int k = 0; k < d->nchecks; k++)
			if (!d->checks[k].name && !(d->checks[k].name = strata__check_name(s, d->name, k)))
				return STRATA_ENOMEM;
	}
	for (int i = 0; i < s->nextensions; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(s->extensions[i].name, s->extensions[j].name) == 0)
				return err_at(s, s->extensions[i].pos, "extension '%s' is declared twice",
					      s->extensions[i].name);
	for (int i = 0; i < s->nsequences; i++) {
		const strata_sequence *q = &s->sequences[i];
		for (int j = 0; j < i; j++)
			if (strcmp(q->name, s->sequences[j].name) == 0)
				return err_at(s, q->pos, "duplicate sequence '%s' (first declared on line %d)", q->name,
					      s->sequences[j].pos.line);
		if (find_table(s, q->name) || strata_schema_view(s, q->name))
			return err_at(s, q->pos, "sequence '%s' has the name of a table or a view", q->name);
		if (q->owned_by) {
			char t[128];
			const char *dot = strchr(q->owned_by, '.');
			snprintf(t, sizeof t, "%.*s", (int)(dot - q->owned_by), q->owned_by);
			const strata_table *owner = find_table(s, t);
			if (!owner || !strata_table_column(owner, dot + 1))
				return err_at(s, q->pos,
					      "sequence '%s' is owned by %s, which is not a column of the file",
					      q->name, q->owned_by);
		}
	}
	return strata__schema_sort_objects(s);
}

static int resolve_type(strata_schema *s, strata_column *c)
{
	if (c->type.kind != STRATA_T_ENUM || strata_schema_enum(s, c->type.enum_name))
		return STRATA_OK;
	for (int i = 0; i < s->ndomains; i++)
		if (strcmp(s->domains[i].name, c->type.enum_name) == 0) {
			/* A domain's name as a type: the database's type of that name. */
			c->type.kind = STRATA_T_RAW;
			c->type.raw = c->type.enum_name;
			c->type.enum_name = NULL;
			return STRATA_OK;
		}
	suggest sg = { c->type.enum_name, NULL, 99 };
	char hint[128];
	for (int k = 0; strata__type_word(k); k++)
		suggest_try(&sg, strata__type_word(k));
	for (int i = 0; i < s->nenums; i++)
		suggest_try(&sg, s->enums[i].name);
	if (find_table(s, c->type.enum_name))
		return err_at(s, c->type_pos, "unknown type '%s'; to reference table '%s' write 'ref %s'",
			      c->type.enum_name, c->type.enum_name, c->type.enum_name);
	return err_at(s, c->type_pos, "unknown type '%s'%s", c->type.enum_name, suggest_text(&sg, hint, sizeof hint));
}

static int resolve_pkey(strata_schema *s, strata_table *t)
{
	const strata_column *first = NULL;
	for (int i = 0; i < t->ncolumns; i++) {
		strata_column *c = &t->columns[i];
		if (!c->primary_key)
			continue;
		if (t->npkey && !first)
			return err_at(s, c->pos, "table '%s' has a primary key clause and column '%s' says primary key",
				      t->name, c->name);
		if (first)
			return err_at(
				s, c->pos,
				"table '%s' has two primary key columns ('%s' and '%s'); write primary key (%s, %s)",
				t->name, first->name, c->name, first->name, c->name);
		first = c;
	}
	if (first) {
		if (strata__push_str(s, &t->pkey, &t->npkey, first->name))
			return STRATA_ENOMEM;
	} else {
		for (int i = 0; i < t->npkey; i++) {
			strata_column *c = (strata_column *)strata_table_column(t, t->pkey[i]);
			if (!c)
				return missing_column(s, t, t->pkey[i], t->pkey_pos, "primary key");
			for (int j = 0; j < i; j++)
				if (strcmp(t->pkey[i], t->pkey[j]) == 0)
					return err_at(s, t->pkey_pos, "column '%s' appears twice in the primary key",
						      t->pkey[i]);
			if (t->npkey == 1)
				c->primary_key = true;
		}
	}
	for (int i = 0; i < t->ncolumns; i++) {
		strata_column *c = &t->columns[i];
		if (strata_table_in_pkey(t, c->name)) {
			c->not_null = true;
			if (t->npkey == 1)
				c->unique = false;
		}
		if (c->type.kind == STRATA_T_SERIAL && !(t->npkey == 1 && c->primary_key))
			return err_at(s, c->type_pos, "serial column '%s' must be the table's whole primary key",
				      c->name);
	}
	return STRATA_OK;
}

/* Do `cols` of `t` carry a primary key or a unique constraint (or unique, non-partial index)? */
static bool is_unique_set(const strata_table *t, const char *const *cols, int n)
{
	if (n == t->npkey) {
		int hit = 0;
		for (int i = 0; i < n; i++)
			hit += strata_table_in_pkey(t, cols[i]);
		if (hit == n)
			return true;
	}
	if (n == 1) {
		const strata_column *c = strata_table_column(t, cols[0]);
		if (c && c->unique)
			return true;
	}
	for (int i = 0; i < t->nuniques; i++) {
		if (t->uniques[i].ncolumns != n)
			continue;
		int hit = 0;
		for (int j = 0; j < n; j++)
			hit += in_list(t->uniques[i].columns, n, cols[j]);
		if (hit == n)
			return true;
	}
	for (int i = 0; i < t->nindexes; i++) {
		const strata_index *x = &t->indexes[i];
		if (!x->unique || x->where || x->ncolumns != n)
			continue;
		int hit = 0;
		for (int j = 0; j < n; j++)
			hit += in_list(x->columns, n, cols[j]);
		if (hit == n)
			return true;
	}
	return false;
}

static int resolve_fkeys(strata_schema *s, strata_table *t)
{
	for (int i = 0; i < t->nfkeys; i++) {
		strata_fkey *f = &t->fkeys[i];
		strata_table *target = find_table(s, f->ref_table);
		if (!target) {
			suggest sg = { f->ref_table, NULL, 99 };
			char hint[128];
			for (int k = 0; k < s->ntables; k++)
				suggest_try(&sg, s->tables[k].name);
			return err_at(s, f->ref_pos, "unknown table '%s' in a reference%s", f->ref_table,
				      suggest_text(&sg, hint, sizeof hint));
		}
		for (int k = 0; k < f->ncolumns; k++) {
			if (!strata_table_column(t, f->columns[k]))
				return missing_column(s, t, f->columns[k], f->pos, "foreign key");
		}
		if (f->nref_columns == 0) {
			if (target->npkey == 0)
				return err_at(s, f->ref_pos,
					      "table '%s' has no primary key to reference; name the column",
					      target->name);
			for (int k = 0; k < target->npkey; k++)
				if (strata__push_str(s, &f->ref_columns, &f->nref_columns, target->pkey[k]))
					return STRATA_ENOMEM;
		}
		if (f->nref_columns != f->ncolumns)
			return err_at(s, f->ref_pos, "foreign key has %d column%s but references %d", f->ncolumns,
				      f->ncolumns == 1 ? "" : "s", f->nref_columns);
		for (int k = 0; k < f->nref_columns; k++)
			if (!strata_table_column(target, f->ref_columns[k]))
				return missing_column(s, target, f->ref_columns[k], f->ref_pos, "reference");
		if (!is_unique_set(target, f->ref_columns, f->nref_columns))
			return err_at(s, f->ref_pos,
				      "foreign key to non-unique column%s %s(%s%s): make it unique or the primary key",
				      f->nref_columns > 1 ? "s" : "", target->name, f->ref_columns[0],
				      f->nref_columns > 1 ? ", ..." : "");
		if (!f->name && !(f->name = strata__default_name(s, t->name, f->columns, f->ncolumns, "fkey")))
			return STRATA_ENOMEM;
		for (int k = 0; k < f->ncolumns; k++) {
			const strata_column *c = strata_table_column(t, f->columns[k]);
			if ((f->on_delete == STRATA_FK_SET_NULL || f->on_update == STRATA_FK_SET_NULL) && c->not_null)
				return err_at(s, c->pos, "column '%s' is not null but its foreign key says set null",
					      c->name);
		}
	}
	return STRATA_OK;
}

/* Give `ref` columns the type of the column they reference, following chains. */
static int resolve_ref_types(strata_schema *s)
{
	bool progress = true;
	while (progress) {
		progress = false;
		for (int i = 0; i < s->ntables; i++) {
			strata_table *t = &s->tables[i];
			for (int j = 0; j < t->nfkeys; j++) {
				strata_fkey *f = &t->fkeys[j];
				for (int k = 0; k < f->ncolumns; k++) {
					strata_column *c = (strata_column *)strata_table_column(t, f->columns[k]);
					const strata_column *rc =
						strata_table_column(find_table(s, f->ref_table), f->ref_columns[k]);
					if (c->type.kind != 0 || rc->type.kind == 0)
						continue;
					c->type = rc->type;
					if (c->type.kind == STRATA_T_SERIAL)
						c->type.kind = STRATA_T_BIGINT;
					progress = true;
				}
			}
		}
	}
	for (int i = 0; i < s->ntables; i++)
		for (int j = 0; j < s->tables[i].ncolumns; j++)
			if (s->tables[i].columns[j].type.kind == 0)
				return err_at(s, s->tables[i].columns[j].type_pos,
					      "the type of '%s' cannot be found: its references form a cycle",
					      s->tables[i].columns[j].name);
	return STRATA_OK;
}

static int enum_default(strata_schema *s, const strata_column *c)
{
	const strata_enum *e = strata_schema_enum(s, c->type.enum_name);
	const char *v = c->dflt.text;
	suggest sg = { v, NULL, 99 };
	char hint[128];
	for (int i = 0; i < e->nvalues; i++) {
		if (strcmp(e->values[i], v) == 0)
			return STRATA_OK;
		suggest_try(&sg, e->values[i]);
	}
	return err_at(s, c->default_pos, "default '%s' is not a value of enum '%s'%s", v, e->name,
		      suggest_text(&sg, hint, sizeof hint));
}

static int bad_default(strata_schema *s, const strata_column *c, const char *shown, const char *why)
{
	char type[64];
	const strata_coltype *t = &c->type;
	if (t->kind == STRATA_T_STRING)
		snprintf(type, sizeof type, "string(%d)", t->length);
	else if (t->kind == STRATA_T_ENUM)
		snprintf(type, sizeof type, "%s", t->enum_name);
	else
		snprintf(type, sizeof type, "%s", strata_type_kind_name(t->kind));
	return err_at(s, c->default_pos, "default %s does not fit column '%s' of type %s%s%s", shown, c->name, type,
		      t->array ? "[]" : "", why ? why : "");
}

static int check_default(strata_schema *s, strata_column *c)
{
	strata_default *d = &c->dflt;
	strata_type_kind k = c->type.kind;
	char shown[96];
	if (d->kind == STRATA_DEFAULT_NONE)
		return STRATA_OK;
	if (k == STRATA_T_SERIAL)
		return err_at(s, c->default_pos, "serial column '%s' takes no default: it is generated", c->name);
	switch (d->kind) {
	case STRATA_DEFAULT_STRING: snprintf(shown, sizeof shown, "'%.60s'", d->text); break;
	case STRATA_DEFAULT_NOW: snprintf(shown, sizeof shown, "now"); break;
	case STRATA_DEFAULT_UUID_V4: snprintf(shown, sizeof shown, "uuid_v4"); break;
	case STRATA_DEFAULT_UUID_V7: snprintf(shown, sizeof shown, "uuid_v7"); break;
	case STRATA_DEFAULT_ACTOR: snprintf(shown, sizeof shown, "actor"); break;
	case STRATA_DEFAULT_NULL: snprintf(shown, sizeof shown, "null"); break;
	default: snprintf(shown, sizeof shown, "%.60s", d->text ? d->text : "");
	}
	if (d->kind == STRATA_DEFAULT_RAW)
		return STRATA_OK;
	if (d->kind == STRATA_DEFAULT_NULL) {
		if (c->not_null)
			return err_at(s, c->default_pos, "column '%s' is not null but defaults to null", c->name);
		d->kind = STRATA_DEFAULT_NONE; /* the same thing; one spelling in the model */
		return STRATA_OK;
	}
	if (k == STRATA_T_RAW)
		return bad_default(s, c, shown, "; write the default as sql('...')");
	if (c->type.array)
		return bad_default(s, c, shown, "; write an array default as sql('...')");
	switch (d->kind) {
	case STRATA_DEFAULT_INT:
		if (k == STRATA_T_INT || k == STRATA_T_BIGINT || k == STRATA_T_FLOAT || k == STRATA_T_DECIMAL) {
			if (k == STRATA_T_INT || k == STRATA_T_BIGINT) {
				errno = 0;
				long long v = strtoll(d->text, NULL, 10);
				if (errno || (k == STRATA_T_INT && (v < INT32_MIN || v > INT32_MAX)))
					return bad_default(s, c, shown, ": out of range");
			}
			return STRATA_OK;
		}
		break;
	case STRATA_DEFAULT_NUMBER:
		if (k == STRATA_T_FLOAT || k == STRATA_T_DECIMAL)
			return STRATA_OK;
		break;
	case STRATA_DEFAULT_BOOL:
		if (k == STRATA_T_BOOL)
			return STRATA_OK;
		break;
	case STRATA_DEFAULT_NOW:
		if (k == STRATA_T_TIMESTAMP || k == STRATA_T_DATE)
			return STRATA_OK;
		break;
	case STRATA_DEFAULT_UUID_V4:
	case STRATA_DEFAULT_UUID_V7:
		if (k == STRATA_T_UUID)
			return STRATA_OK;
		break;
	case STRATA_DEFAULT_ACTOR:
		if (k == STRATA_T_ENUM) { /* an enum value named actor */
			d->kind = STRATA_DEFAULT_ENUM;
			d->text = "actor";
			return enum_default(s, c);
		}
		if (k == STRATA_T_TEXT || k == STRATA_T_STRING || k == STRATA_T_INT || k == STRATA_T_BIGINT ||
		    k == STRATA_T_UUID)
			return STRATA_OK;
		return bad_default(s, c, shown, ": an actor is text, a whole number or a UUID");
	case STRATA_DEFAULT_STRING: {
		size_t n = strlen(d->text);
		strata_timestamp ts;
		strata_uuid u;
		switch (k) {
		case STRATA_T_STRING:
			if (n > (size_t)c->type.length)
				return bad_default(s, c, shown, ": longer than its length");
			return STRATA_OK;
		case STRATA_T_TEXT: return STRATA_OK;
		case STRATA_T_TIMESTAMP:
		case STRATA_T_DATE:
			if (strata_timestamp_parse(d->text, n, &ts) != STRATA_OK) {
				strata_error_clear();
				return bad_default(s, c, shown, ": not an ISO-8601 time");
			}
			return STRATA_OK;
		case STRATA_T_UUID:
			if (strata_uuid_parse(d->text, n, &u) != STRATA_OK) {
				strata_error_clear();
				return bad_default(s, c, shown, ": not a UUID");
			}
			return STRATA_OK;
		case STRATA_T_JSON: {
			json_error_t je;
			json_t *j = json_loadb(d->text, n, JSON_DECODE_ANY, &je);
			if (!j)
				return bad_default(s, c, shown, ": not valid JSON");
			json_decref(j);
			return STRATA_OK;
		}
		case STRATA_T_ENUM: d->kind = STRATA_DEFAULT_ENUM; return enum_default(s, c);
		case STRATA_T_DECIMAL:
		case STRATA_T_FLOAT:
		case STRATA_T_INT:
		case STRATA_T_BIGINT: return bad_default(s, c, shown, "; write numbers without quotes");
		default: return bad_default(s, c, shown, NULL);
		}
	}
	case STRATA_DEFAULT_ENUM:
		if (k == STRATA_T_ENUM)
			return enum_default(s, c);
		if (k == STRATA_T_STRING || k == STRATA_T_TEXT)
			return bad_default(s, c, shown, "; quote text: 'like this'");
		break;
	default: break;
	}
	return bad_default(s, c, shown, NULL);
}

static int check_columns(strata_schema *s, strata_table *t)
{
	const strata_column *owner = NULL;
	for (int i = 0; i < t->ncolumns; i++) {
		strata_column *c = &t->columns[i];
		for (int j = 0; j < i; j++)
			if (strcmp(t->columns[j].name, c->name) == 0) {
				if (c->mixin)
					return err_at(
						s, c->pos,
						"duplicate column '%s' in table '%s' (from mixin '%s'; table line %d)",
						c->name, t->name, c->mixin, t->pos.line);
				return err_at(s, c->pos, "duplicate column '%s' in table '%s'", c->name, t->name);
			}
		if (c->owner) {
			if (owner)
				return err_at(s, c->pos, "table '%s' has two owner columns ('%s' and '%s')", t->name,
					      owner->name, c->name);
			owner = c;
		}
		if (c->auto_update && c->type.kind != STRATA_T_TIMESTAMP && c->dflt.kind != STRATA_DEFAULT_ACTOR)
			return err_at(s, c->pos, "auto_update needs a timestamp column or `default actor`; '%s' is %s",
				      c->name, strata_type_kind_name(c->type.kind));
		if (c->generated && (c->dflt.kind != STRATA_DEFAULT_NONE || c->identity || c->auto_update ||
				     c->type.kind == STRATA_T_SERIAL))
			return err_at(s, c->pos,
				      "generated column '%s' takes no default, identity, serial or auto_update: "
				      "its value is its expression",
				      c->name);
		if (c->identity) {
			bool integer = c->type.kind == STRATA_T_INT || c->type.kind == STRATA_T_BIGINT ||
				       (c->type.kind == STRATA_T_RAW && strcmp(c->type.raw, "smallint") == 0);
			if (!integer || c->type.array)
				return err_at(s, c->type_pos,
					      "identity column '%s' must be int, bigint or sql('smallint')", c->name);
			if (c->dflt.kind != STRATA_DEFAULT_NONE)
				return err_at(s, c->default_pos,
					      "identity column '%s' takes no default: it is generated", c->name);
		}
		int rc = check_default(s, c);
		if (rc)
			return rc;
	}
	t->owner = owner ? owner->name : NULL;
	return STRATA_OK;
}

/* Index and constraint names share one namespace per database on PostgreSQL. */
static int claim_name(strata_schema *s, const char ***names, int *n, const char *name, strata_srcpos pos)
{
	if (in_list(*names, *n, name))
		return err_at(s, pos, "duplicate index or constraint name '%s'", name);
	if (find_table(s, name))
		return err_at(s, pos, "index name '%s' is the name of a table", name);
	const char **slot = strata__push(s, names, n, sizeof *slot);
	if (!slot)
		return STRATA_ENOMEM;
	*slot = name;
	return STRATA_OK;
}

static int check_indexes(strata_schema *s, strata_table *t, const char ***names, int *nnames)
{
	int rc;
	/* A partition's columns are those of the table at the top of its partitions. */
	const strata_table *ct = t;
	for (int guard = 0; ct->partition_of && find_table(s, ct->partition_of) && guard < 64; guard++)
		ct = find_table(s, ct->partition_of);
	for (int i = 0; i < t->nindexes; i++) {
		strata_index *x = &t->indexes[i];
		for (int k = 0; k < x->ninclude; k++)
			if (!strata_table_column(ct, x->include[k]))
				return missing_column(s, ct, x->include[k], x->pos, "index include");
		for (int k = 0; k < x->ncolumns; k++) {
			strata_srcpos at = x->column_pos ? x->column_pos[k] : x->pos;
			if (x->keys && x->keys[k].expr)
				continue;
			if (!strata_table_column(ct, x->columns[k]))
				return missing_column(s, ct, x->columns[k], at, "index");
			for (int j = 0; j < k; j++)
				if (strcmp(x->columns[j], x->columns[k]) == 0)
					return err_at(s, at, "column '%s' appears twice in the index", x->columns[k]);
		}
		for (int k = 0; !x->name && x->keys && k < x->ncolumns; k++)
			if (x->keys[k].expr)
				return err_at(s, x->pos, "an index on an expression needs a name: index NAME ((...))");
		if (!x->name && !(x->name = strata__default_name(s, t->name, x->columns, x->ncolumns, "idx")))
			return STRATA_ENOMEM;
		if ((rc = claim_name(s, names, nnames, x->name, x->pos)))
			return rc;
	}
	for (int i = 0; i < t->nuniques; i++) {
		strata_unique *u = &t->uniques[i];
		for (int k = 0; k < u->ncolumns; k++)
			if (!strata_table_column(t, u->columns[k]))
				return missing_column(s, t, u->columns[k], u->column_pos ? u->column_pos[k] : u->pos,
						      "unique");
		if (!u->name && !(u->name = strata__default_name(s, t->name, u->columns, u->ncolumns, "key")))
			return STRATA_ENOMEM;
		if ((rc = claim_name(s, names, nnames, u->name, u->pos)))
			return rc;
	}
	for (int i = 0; i < t->nchecks; i++) {
		strata_check *c = &t->checks[i];
		if (!c->name && !(c->name = strata__check_name(s, t->name, i)))
			return STRATA_ENOMEM;
		if ((rc = claim_name(s, names, nnames, c->name, c->pos)))
			return rc;
	}
	for (int i = 0; i < t->ncolumns; i++) {
		const strata_column *c = &t->columns[i];
		if (!c->unique)
			continue;
		const char *nm = strata__default_name(s, t->name, &c->name, 1, "key");
		if (!nm || (rc = claim_name(s, names, nnames, nm, c->pos)))
			return nm ? rc : STRATA_ENOMEM;
	}
	return STRATA_OK;
}

/* Partitioned tables and their partitions. */
static int check_partitions(strata_schema *s, strata_table *t)
{
	if (t->partition_by && !t->ncolumns)
		return err_at(s, t->pos, "partitioned table '%s' has no columns", t->name);
	if (!t->partition_of)
		return STRATA_OK;
	const strata_table *parent = find_table(s, t->partition_of);
	if (!parent) {
		suggest sg = { t->partition_of, NULL, 99 };
		char hint[128];
		for (int k = 0; k < s->ntables; k++)
			suggest_try(&sg, s->tables[k].name);
		return err_at(s, t->pos, "table '%s' is a partition of unknown table '%s'%s", t->name, t->partition_of,
			      suggest_text(&sg, hint, sizeof hint));
	}
	if (!parent->partition_by)
		return err_at(s, t->pos,
			      "table '%s' is a partition of '%s', which is not partitioned (write partition by ...)",
			      t->name, parent->name);
	if (t->ncolumns || t->npkey || t->nfkeys || t->nuniques)
		return err_at(
			s, t->ncolumns ? t->columns[0].pos : t->pos,
			"partition '%s' takes its columns and keys from '%s': it holds only index and check lines",
			t->name, parent->name);
	for (const strata_table *up = parent; up && up->partition_of; up = find_table(s, up->partition_of))
		if (up == t)
			return err_at(s, t->pos, "table '%s' is a partition of itself", t->name);
	return STRATA_OK;
}

static int check_views(strata_schema *s, const char ***names, int *nnames)
{
	int rc;
	for (int i = 0; i < s->nviews; i++) {
		strata_view *v = &s->views[i];
		for (int j = 0; j < i; j++)
			if (strcmp(s->views[j].name, v->name) == 0)
				return err_at(s, v->pos, "duplicate view '%s' (first declared on line %d)", v->name,
					      s->views[j].pos.line);
		if (find_table(s, v->name))
			return err_at(s, v->pos, "view '%s' has the name of a table", v->name);
		if (strata_schema_enum(s, v->name))
			return err_at(s, v->pos, "view '%s' has the name of an enum", v->name);
		if (v->nindexes && !v->materialized)
			return err_at(s, v->pos, "view '%s' has indexes: only a materialized view can", v->name);
		for (int c = 0; c < v->ncolumns; c++) {
			if ((rc = resolve_type(s, &v->columns[c])))
				return rc;
			for (int d = 0; d < c; d++)
				if (strcmp(v->columns[c].name, v->columns[d].name) == 0)
					return err_at(s, v->columns[c].pos, "view '%s': duplicate column '%s'", v->name,
						      v->columns[c].name);
		}
		for (int k = 0; k < v->nindexes; k++) {
			strata_index *x = &v->indexes[k];
			/* The view's columns come from its query: only the list itself can be checked. */
			for (int a = 0; a < x->ncolumns; a++)
				for (int b = 0; b < a; b++)
					if (strcmp(x->columns[a], x->columns[b]) == 0)
						return err_at(s, x->column_pos ? x->column_pos[a] : x->pos,
							      "column '%s' appears twice in the index", x->columns[a]);
			/* with declared columns, a plain key must be one of them */
			for (int a = 0; a < x->ncolumns && v->ncolumns; a++) {
				bool known = (x->keys && x->keys[a].expr);
				for (int c = 0; c < v->ncolumns && !known; c++)
					known = strcmp(v->columns[c].name, x->columns[a]) == 0;
				if (!known)
					return err_at(s, x->column_pos ? x->column_pos[a] : x->pos,
						      "materialized view '%s' declares no column '%s'", v->name,
						      x->columns[a]);
			}
			if (!x->name && !(x->name = strata__default_name(s, v->name, x->columns, x->ncolumns, "idx")))
				return STRATA_ENOMEM;
			if ((rc = claim_name(s, names, nnames, x->name, x->pos)))
				return rc;
		}
	}
	for (int i = 0; i < s->nviews; i++)
		if ((rc = strata__view_depends(s, &s->views[i])))
			return rc;
	return strata__views_order(s);
}

int strata__schema_resolve(strata_schema *s, const strata__parse_extra *extra)
{
	int rc;
	const char **names = NULL;
	int nnames = 0;
	if ((rc = check_names(s)))
		return rc;
	for (int i = 0; i < s->nmixins; i++) {
		strata_mixin *stack[64];
		if ((rc = mixin_cycle(s, &s->mixins[i], stack, 0)))
			return rc;
	}
	for (int i = 0; i < s->nmixins; i++)
		for (int j = 0; j < s->mixins[i].ncolumns; j++)
			if (s->mixins[i].columns[j].name && (rc = resolve_type(s, &s->mixins[i].columns[j])))
				return rc;
	for (int i = 0; i < s->ntables; i++)
		if ((rc = expand_table(s, &s->tables[i], extra)))
			return rc;
	for (int i = 0; i < s->ntables; i++) {
		strata_table *t = &s->tables[i];
		for (int j = 0; j < t->ncolumns; j++)
			if ((rc = resolve_type(s, &t->columns[j])))
				return rc;
		for (int j = 0; j < t->ncolumns; j++)
			for (int k = 0; k < j; k++)
				if (strcmp(t->columns[j].name, t->columns[k].name) == 0)
					return check_columns(s, t);
		if ((rc = resolve_pkey(s, t)))
			return rc;
	}
	for (int i = 0; i < s->ntables; i++)
		if ((rc = resolve_fkeys(s, &s->tables[i])))
			return rc;
	if ((rc = resolve_ref_types(s)))
		return rc;
	for (int i = 0; i < s->ntables; i++) {
		strata_table *t = &s->tables[i];
		if ((rc = check_partitions(s, t)) || (rc = check_columns(s, t)) ||
		    (rc = check_indexes(s, t, &names, &nnames)))
			return rc;
		if (t->renamed_from && find_table(s, t->renamed_from))
			return err_at(s, t->pos, "table '%s' is renamed from '%s', which still exists", t->name,
				      t->renamed_from);
	}
	if ((rc = check_views(s, &names, &nnames)) || (rc = check_objects(s)))
		return rc;
	return strata__schema_relations(s);
}
