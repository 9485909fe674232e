/*
 * A model back in the schema language, in a canonical order so that two
 * equal models print the same text (the round-trip tests compare it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "schema/parse.h"

static int put_name(strata_buf *b, const char *name)
{
	if (!strata__schema_reserved(name))
		return strata__buf_puts(b, name);
	int rc = strata__buf_putc(b, '"');
	for (const char *c = name; rc == STRATA_OK && *c; c++)
		rc = *c == '"' ? strata__buf_puts(b, "\"\"") : strata__buf_putc(b, *c);
	return rc ? rc : strata__buf_putc(b, '"');
}

static int put_string(strata_buf *b, const char *s)
{
	int rc = strata__buf_putc(b, '\'');
	for (const char *c = s; rc == STRATA_OK && *c; c++)
		rc = *c == '\'' ? strata__buf_puts(b, "''") : strata__buf_putc(b, *c);
	return rc ? rc : strata__buf_putc(b, '\'');
}

/* Text exactly: 'text', or $$text$$ when it spans lines. */
static int put_text(strata_buf *b, const char *s)
{
	if (!strchr(s, '\n') && !strchr(s, '\r'))
		return put_string(b, s);
	char tag[32] = "$$";
	for (int i = 0; strstr(s, tag); i++)
		snprintf(tag, sizeof tag, i ? "$text%d$" : "$text$", i);
	return strata__buf_printf(b, "%s%s%s", tag, s, tag);
}

static int put_list(strata_buf *b, const char *const *names, int n)
{
	int rc = strata__buf_putc(b, '(');
	for (int i = 0; rc == STRATA_OK && i < n; i++) {
		if (i)
			rc = strata__buf_puts(b, ", ");
		if (!rc)
			rc = put_name(b, names[i]);
	}
	return rc ? rc : strata__buf_putc(b, ')');
}

static int put_type(strata_buf *b, const strata_coltype *t)
{
	int rc;
	switch (t->kind) {
	case STRATA_T_STRING: rc = strata__buf_printf(b, "string(%d)", t->length); break;
	case STRATA_T_DECIMAL: rc = strata__buf_printf(b, "decimal(%d,%d)", t->precision, t->scale); break;
	case STRATA_T_ENUM: rc = put_name(b, t->enum_name); break;
	case STRATA_T_RAW:
		rc = strata__buf_puts(b, "sql(");
		if (!rc)
			rc = put_string(b, t->raw);
		if (!rc)
			rc = strata__buf_putc(b, ')');
		break;
	default: rc = strata__buf_puts(b, strata_type_kind_name(t->kind));
	}
	if (!rc && t->array)
		rc = strata__buf_puts(b, "[]");
	return rc;
}

static int put_default(strata_buf *b, const strata_default *d)
{
	int rc = strata__buf_puts(b, " default ");
	if (rc)
		return rc;
	switch (d->kind) {
	case STRATA_DEFAULT_NULL: return strata__buf_puts(b, "null");
	case STRATA_DEFAULT_NOW: return strata__buf_puts(b, "now");
	case STRATA_DEFAULT_UUID_V4: return strata__buf_puts(b, "uuid_v4");
	case STRATA_DEFAULT_UUID_V7: return strata__buf_puts(b, "uuid_v7");
	case STRATA_DEFAULT_ACTOR: return strata__buf_puts(b, "actor");
	case STRATA_DEFAULT_STRING: return put_string(b, d->text);
	case STRATA_DEFAULT_ENUM:
		return strata__schema_reserved(d->text) ? put_string(b, d->text) : strata__buf_puts(b, d->text);
	case STRATA_DEFAULT_RAW:
		if ((rc = strata__buf_puts(b, "sql(")) || (rc = put_string(b, d->text)))
			return rc;
		return strata__buf_putc(b, ')');
	default: return strata__buf_puts(b, d->text ? d->text : "null");
	}
}

static const char *action_word(strata_fk_action a)
{
	switch (a) {
	case STRATA_FK_CASCADE: return "cascade";
	case STRATA_FK_SET_NULL: return "set null";
	case STRATA_FK_RESTRICT: return "restrict";
	case STRATA_FK_SET_DEFAULT: return "set default";
	default: return "no action";
	}
}

static int put_fk_options(strata_buf *b, const strata_fkey *f, unsigned flags)
{
	int rc = STRATA_OK;
	bool db_only = (flags & STRATA_PRINT_DB) == STRATA_PRINT_DB;
	if (f->on_delete)
		rc = strata__buf_printf(b, " on delete %s", action_word(f->on_delete));
	if (!rc && f->on_update)
		rc = strata__buf_printf(b, " on update %s", action_word(f->on_update));
	if (!rc && !db_only && f->as && (rc = strata__buf_puts(b, " as ")) == STRATA_OK)
		rc = put_name(b, f->as);
	if (!rc && !db_only && f->backref && (rc = strata__buf_puts(b, " backref ")) == STRATA_OK)
		rc = put_name(b, f->backref);
	return rc;
}

/* Is fkey `f` written inline on its column (one column, default name)? */
static bool inline_fk(strata_schema *tmp, const strata_table *t, const strata_fkey *f)
{
	if (f->ncolumns != 1)
		return false;
	if (!f->name)
		return true;
	const char *dn = strata__default_name(tmp, t->name, f->columns, 1, "fkey");
	return dn && strcmp(dn, f->name) == 0;
}

static const strata_fkey *column_fk(strata_schema *tmp, const strata_table *t, const char *col)
{
	for (int i = 0; i < t->nfkeys; i++)
		if (inline_fk(tmp, t, &t->fkeys[i]) && strcmp(t->fkeys[i].columns[0], col) == 0)
			return &t->fkeys[i];
	return NULL;
}

static int put_column(strata_buf *b, strata_schema *tmp, const strata_schema *s, const strata_table *t,
		      const strata_column *c, const char *indent, unsigned flags)
{
	bool db_only = (flags & STRATA_PRINT_DB) == STRATA_PRINT_DB;
	int rc;
	const strata_fkey *f = column_fk(tmp, t, c->name);
	if ((rc = strata__buf_puts(b, indent)) || (rc = put_name(b, c->name)) || (rc = strata__buf_putc(b, ' ')))
		return rc;
	bool ref_form = f && c->type.kind == 0;
	if (f && !ref_form) {
		/* `ref T` when the type is what the reference implies. */
		const strata_table *target = strata_schema_table(s, f->ref_table);
		const strata_column *rcol = target ? strata_table_column(target, f->ref_columns[0]) : NULL;
		if (rcol) {
			strata_coltype want = rcol->type;
			if (want.kind == STRATA_T_SERIAL)
				want.kind = STRATA_T_BIGINT;
			ref_form = strata__coltype_eq(&want, &c->type);
		}
	}
	if (ref_form) {
		if ((rc = strata__buf_puts(b, "ref ")) || (rc = put_name(b, f->ref_table)))
			return rc;
		const strata_table *target = strata_schema_table(s, f->ref_table);
		if (f->nref_columns == 1 && target &&
		    !(target->npkey == 1 && strcmp(target->pkey[0], f->ref_columns[0]) == 0) &&
		    ((rc = strata__buf_putc(b, '.')) || (rc = put_name(b, f->ref_columns[0]))))
			return rc;
	} else if ((rc = put_type(b, &c->type))) {
		return rc;
	}
	if (c->primary_key && t->npkey == 1)
		rc = strata__buf_puts(b, " primary key");
	else if (c->not_null)
		rc = strata__buf_puts(b, " not null");
	if (!rc && c->unique)
		rc = strata__buf_puts(b, " unique");
	if (!rc && c->dflt.kind != STRATA_DEFAULT_NONE)
		rc = put_default(b, &c->dflt);
	if (!rc && c->check)
		rc = strata__buf_printf(b, " check (%s)", c->check);
	if (!rc && f && !ref_form) {
		if (!(rc = strata__buf_puts(b, " references ")) && !(rc = put_name(b, f->ref_table)) && f->nref_columns)
			rc = put_list(b, f->ref_columns, f->nref_columns);
	}
	if (!rc && f)
		rc = put_fk_options(b, f, flags);
	if (!rc && c->identity)
		rc = strata__buf_puts(b, c->identity == STRATA_IDENTITY_ALWAYS ? " identity always" : " identity");
	if (!rc && c->generated)
		rc = strata__buf_printf(b, " generated (%s)%s", c->generated, c->generated_virtual ? " virtual" : "");
	if (!rc && c->collation && !(rc = strata__buf_puts(b, " collate ")))
		rc = put_name(b, c->collation);
	if (!rc && c->comment && !(rc = strata__buf_puts(b, " comment ")))
		rc = put_text(b, c->comment);
	if (!rc && c->owner && !db_only)
		rc = strata__buf_puts(b, " owner");
	if (!rc && c->auto_update)
		rc = strata__buf_puts(b, " auto_update");
	if (!rc && c->renamed_from && !db_only && !(rc = strata__buf_puts(b, " renamed_from ")))
		rc = put_name(b, c->renamed_from);
	return rc ? rc : strata__buf_putc(b, '\n');
}

static int cmp_index(const void *a, const void *b)
{
	return strcmp((*(const strata_index *const *)a)->name, (*(const strata_index *const *)b)->name);
}

/* (key, ...) of an index: names or (expressions), with collate, operator class, desc, nulls. */
static int put_keys(strata_buf *b, const strata_index *x)
{
	int rc = strata__buf_putc(b, '(');
	for (int i = 0; rc == STRATA_OK && i < x->ncolumns; i++) {
		const strata_index_key *k = x->keys ? &x->keys[i] : NULL;
		if (i && (rc = strata__buf_puts(b, ", ")))
			break;
		rc = k && k->expr ? strata__buf_printf(b, "(%s)", x->columns[i]) : put_name(b, x->columns[i]);
		if (!rc && k && k->collation && !(rc = strata__buf_puts(b, " collate ")))
			rc = put_name(b, k->collation);
		if (!rc && k && k->opclass && !(rc = strata__buf_putc(b, ' ')))
			rc = put_name(b, k->opclass);
		if (!rc && k && k->desc)
			rc = strata__buf_puts(b, " desc");
		if (!rc && k && k->nulls)
			rc = strata__buf_puts(b, k->nulls == STRATA_NULLS_FIRST ? " nulls first" : " nulls last");
	}
	return rc ? rc : strata__buf_putc(b, ')');
}

/* Index lines, sorted by name; names that are the default for `owner` are left out. */
static int put_indexes(strata_buf *b, strata_schema *tmp, const char *owner, const strata_index *indexes, int n)
{
	int rc = STRATA_OK;
	const strata_index **sorted = NULL;
	if (n) {
		sorted = malloc((size_t)n * sizeof *sorted);
		if (!sorted)
			return strata__error_nomem();
		for (int i = 0; i < n; i++)
			sorted[i] = &indexes[i];
		qsort(sorted, (size_t)n, sizeof *sorted, cmp_index);
	}
	for (int i = 0; rc == STRATA_OK && i < n; i++) {
		const strata_index *x = sorted[i];
		const char *dn = strata__default_name(tmp, owner, x->columns, x->ncolumns, "idx");
		if (!dn) {
			rc = STRATA_ENOMEM;
			break;
		}
		rc = strata__buf_puts(b, x->unique ? "    unique index " : "    index ");
		if (!rc && strcmp(dn, x->name) != 0 && !(rc = put_name(b, x->name)))
			rc = strata__buf_putc(b, ' ');
		if (!rc && x->method && !(rc = strata__buf_puts(b, "using ")) && !(rc = put_name(b, x->method)))
			rc = strata__buf_putc(b, ' ');
		if (!rc)
			rc = put_keys(b, x);
		if (!rc && x->ninclude && !(rc = strata__buf_puts(b, " include ")))
			rc = put_list(b, x->include, x->ninclude);
		if (!rc && x->where)
			rc = strata__buf_printf(b, " where %s", x->where);
		if (!rc)
			rc = strata__buf_putc(b, '\n');
	}
	free(sorted);
	return rc;
}

/* sql('...') for a short line without quotes, else sql($$...$$) (on lines of their own when it spans lines). */
static int put_sql(strata_buf *b, const char *text)
{
	int rc;
	if (!strchr(text, '\n') && !strchr(text, '\'') && strlen(text) < 80) {
		if ((rc = strata__buf_puts(b, "sql(")) || (rc = put_string(b, text)))
			return rc;
		return strata__buf_putc(b, ')');
	}
	char tag[32] = "$$";
	for (int i = 0; strstr(text, tag); i++)
		snprintf(tag, sizeof tag, i ? "$sql%d$" : "$sql$", i);
	if (!strchr(text, '\n') && text[strlen(text) - 1] != '$')
		return strata__buf_printf(b, "sql(%s%s%s)", tag, text, tag);
	return strata__buf_printf(b, "sql(%s\n%s\n%s)", tag, text, tag);
}

/* A view; its declared columns only when `columns` (STRATA_PRINT_DB leaves them out: a database keeps no
 * declaration, and what it says of a view's columns is less than a file may: no NOT NULL). */
static int put_view(strata_buf *b, strata_schema *tmp, const strata_view *v, bool columns)
{
	int rc;
	int ncolumns = columns ? v->ncolumns : 0;
	if ((rc = strata__buf_puts(b, v->materialized ? "materialized view " : "view ")) ||
	    (rc = put_name(b, v->name)) || (rc = strata__buf_puts(b, " as ")) || (rc = put_sql(b, v->sql)))
		return rc;
	if (ncolumns || (v->materialized && v->nindexes)) {
		if ((rc = strata__buf_puts(b, " {\n")))
			return rc;
		for (int i = 0; i < ncolumns; i++) {
			const strata_column *c = &v->columns[i];
			if ((rc = strata__buf_puts(b, "    ")) || (rc = put_name(b, c->name)) ||
			    (rc = strata__buf_putc(b, ' ')) || (rc = put_type(b, &c->type)) ||
			    (c->not_null && (rc = strata__buf_puts(b, " not null"))) ||
			    (rc = strata__buf_putc(b, '\n')))
				return rc;
		}
		if (v->nindexes && (rc = put_indexes(b, tmp, v->name, v->indexes, v->nindexes)))
			return rc;
		return strata__buf_puts(b, "}\n");
	}
	return strata__buf_putc(b, '\n');
}

static int put_objects_before(strata_buf *b, const strata_schema *s, bool *sep)
{
	int rc = STRATA_OK;
	for (int i = 0; !rc && i < s->nextensions; i++) {
		const strata_extension *e = &s->extensions[i];
		if ((rc = strata__buf_puts(b, "extension ")) || (rc = put_name(b, e->name)))
			break;
		if (e->schema && ((rc = strata__buf_puts(b, " schema ")) || (rc = put_name(b, e->schema))))
			break;
		rc = strata__buf_putc(b, '\n');
		*sep = true;
	}
	return rc;
}

static int put_domain(strata_buf *b, strata_schema *tmp, const strata_domain *d)
{
	int rc;
	if ((rc = strata__buf_puts(b, "domain ")) || (rc = put_name(b, d->name)) ||
	    (rc = strata__buf_puts(b, " as ")) || (rc = put_sql(b, d->type)))
		return rc;
	if (d->not_null && (rc = strata__buf_puts(b, " not null")))
		return rc;
	if (d->dflt && ((rc = strata__buf_puts(b, " default ")) || (rc = put_sql(b, d->dflt))))
		return rc;
	if (d->collation && ((rc = strata__buf_puts(b, " collate ")) || (rc = put_name(b, d->collation))))
		return rc;
	for (int i = 0; i < d->nchecks; i++) {
		const char *dn = strata__check_name(tmp, d->name, i);
		if (!dn)
			return STRATA_ENOMEM;
		if ((rc = strata__buf_puts(b, " check ")))
			return rc;
		if (d->checks[i].name && strcmp(d->checks[i].name, dn) != 0 &&
		    ((rc = put_name(b, d->checks[i].name)) || (rc = strata__buf_putc(b, ' '))))
			return rc;
		if ((rc = strata__buf_printf(b, "(%s)", d->checks[i].expr)))
			return rc;
	}
	return strata__buf_putc(b, '\n');
}

static int put_sequence(strata_buf *b, const strata_sequence *q)
{
	int rc;
	if ((rc = strata__buf_puts(b, "sequence ")) || (rc = put_name(b, q->name)))
		return rc;
	if (q->type && (rc = strata__buf_printf(b, " as %s", q->type)))
		return rc;
	const char *words[] = { "start", "increment", "minvalue", "maxvalue", "cache" };
	const char *vals[] = { q->start, q->increment, q->min, q->max, q->cache };
	for (int i = 0; i < 5; i++)
		if (vals[i] && (rc = strata__buf_printf(b, " %s %s", words[i], vals[i])))
			return rc;
	if (q->cycle && (rc = strata__buf_puts(b, " cycle")))
		return rc;
	if (q->owned_by) {
		const char *dot = strchr(q->owned_by, '.');
		char t[128];
		snprintf(t, sizeof t, "%.*s", (int)(dot - q->owned_by), q->owned_by);
		if ((rc = strata__buf_puts(b, " owned by ")) || (rc = put_name(b, t)) ||
		    (rc = strata__buf_putc(b, '.')) || (rc = put_name(b, dot + 1)))
			return rc;
	}
	return strata__buf_putc(b, '\n');
}

static int put_table(strata_buf *b, strata_schema *tmp, const strata_schema *s, const strata_table *t, unsigned flags)
{
	int rc;
	bool flat = flags & STRATA_PRINT_FLAT;
	if ((rc = strata__buf_puts(b, "table ")) || (rc = put_name(b, t->name)))
		return rc;
	if (t->renamed_from && (flags & STRATA_PRINT_DB) != STRATA_PRINT_DB &&
	    ((rc = strata__buf_puts(b, " renamed_from ")) || (rc = put_name(b, t->renamed_from))))
		return rc;
	if (t->without_rowid && (rc = strata__buf_puts(b, " without rowid")))
		return rc;
	if (t->strict && (rc = strata__buf_puts(b, " strict")))
		return rc;
	if (t->partition_of &&
	    ((rc = strata__buf_puts(b, " partition of ")) || (rc = put_name(b, t->partition_of)) ||
	     (rc = strata__buf_printf(b, " %s", t->partition_bound ? t->partition_bound : "default"))))
		return rc;
	if (t->partition_by && (rc = strata__buf_printf(b, " partition by %s", t->partition_by)))
		return rc;
	if (t->partition_of && !t->comment && !t->ncolumns && !t->npkey && !t->nindexes && !t->nfkeys && !t->nuniques &&
	    !t->nchecks && !t->nmixins && !t->nunscoped)
		return strata__buf_putc(b, '\n'); /* a partition with nothing of its own */
	if ((rc = strata__buf_puts(b, " {\n")))
		return rc;
	if (t->comment && ((rc = strata__buf_puts(b, "    comment ")) || (rc = put_text(b, t->comment)) ||
			   (rc = strata__buf_putc(b, '\n'))))
		return rc;
	if (!flat) {
		/* Mixins the file applies by default and this table does not: skip. */
		for (int i = 0; i < s->ndefault_mixins; i++) {
			bool used = false;
			for (int j = 0; j < t->nmixins; j++)
				used |= strcmp(t->mixins[j], s->default_mixins[i]) == 0;
			if (!used && ((rc = strata__buf_puts(b, "    skip ")) ||
				      (rc = put_name(b, s->default_mixins[i])) || (rc = strata__buf_putc(b, '\n'))))
				return rc;
		}
	}
	if ((flags & STRATA_PRINT_DB) != STRATA_PRINT_DB)
		for (int i = 0; i < t->nunscoped; i++)
			if ((rc = strata__buf_puts(b, "    unscoped ")) || (rc = put_name(b, t->unscoped[i])) ||
			    (rc = strata__buf_putc(b, '\n')))
				return rc;
	const char *last_mixin = NULL;
	size_t use_line_end = 0;
	for (int i = 0; i < t->ncolumns; i++) {
		const strata_column *c = &t->columns[i];
		if (!flat && c->mixin) {
			/* One `use` line per mixin the table names itself. */
			bool by_default = false, listed = false;
			const char *top = NULL;
			for (int j = 0; j < t->nmixins; j++)
				if (strcmp(t->mixins[j], c->mixin) == 0)
					listed = true, top = t->mixins[j];
			if (!listed)
				top = c->mixin;
			for (int j = 0; j < s->ndefault_mixins; j++)
				by_default |= strcmp(s->default_mixins[j], top) == 0;
			if (!by_default && (!last_mixin || strcmp(last_mixin, top) != 0)) {
				/* Consecutive mixins share one line: use timestamps, soft_delete */
				if (use_line_end && use_line_end == b->len) {
					b->len--; /* the previous use line's newline */
					b->ptr[b->len] = '\0';
					rc = strata__buf_puts(b, ", ");
				} else {
					rc = strata__buf_puts(b, "    use ");
				}
				if (rc || (rc = put_name(b, top)) || (rc = strata__buf_putc(b, '\n')))
					return rc;
				use_line_end = b->len;
			}
			last_mixin = top;
			continue;
		}
		if ((rc = put_column(b, tmp, s, t, c, "    ", flags)))
			return rc;
	}
	if (t->npkey > 1 && ((rc = strata__buf_puts(b, "    primary key ")) || (rc = put_list(b, t->pkey, t->npkey)) ||
			     (rc = strata__buf_putc(b, '\n'))))
		return rc;
	for (int i = 0; i < t->nuniques; i++) {
		const strata_unique *u = &t->uniques[i];
		const char *dn = strata__default_name(tmp, t->name, u->columns, u->ncolumns, "key");
		if (!dn)
			return STRATA_ENOMEM;
		if ((rc = strata__buf_puts(b, "    unique ")))
			return rc;
		if (strcmp(dn, u->name) != 0 && ((rc = put_name(b, u->name)) || (rc = strata__buf_putc(b, ' '))))
			return rc;
		if ((rc = put_list(b, u->columns, u->ncolumns)) || (rc = strata__buf_putc(b, '\n')))
			return rc;
	}
	for (int i = 0; i < t->nchecks; i++) {
		const strata_check *c = &t->checks[i];
		if ((rc = strata__buf_puts(b, "    check ")))
			return rc;
		const char *dn = strata__check_name(tmp, t->name, i);
		if (!dn)
			return STRATA_ENOMEM;
		if (c->name && strcmp(c->name, dn) != 0 &&
		    ((rc = put_name(b, c->name)) || (rc = strata__buf_putc(b, ' '))))
			return rc;
		if ((rc = strata__buf_printf(b, "(%s)\n", c->expr)))
			return rc;
	}
	for (int i = 0; i < t->nfkeys; i++) {
		const strata_fkey *f = &t->fkeys[i];
		if (inline_fk(tmp, t, f))
			continue;
		if ((rc = strata__buf_puts(b, "    foreign key ")) || (rc = put_name(b, f->name)) ||
		    (rc = strata__buf_putc(b, ' ')) || (rc = put_list(b, f->columns, f->ncolumns)) ||
		    (rc = strata__buf_puts(b, " references ")) || (rc = put_name(b, f->ref_table)) ||
		    (rc = strata__buf_putc(b, ' ')) || (rc = put_list(b, f->ref_columns, f->nref_columns)) ||
		    (rc = put_fk_options(b, f, flags)) || (rc = strata__buf_putc(b, '\n')))
			return rc;
	}
	if ((rc = put_indexes(b, tmp, t->name, t->indexes, t->nindexes)))
		return rc;
	return strata__buf_puts(b, "}\n");
}

int strata_schema_print(const strata_schema *s, unsigned flags, char **out)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_schema *tmp = NULL;
	int rc;
	if (!s || !out)
		return strata__error_set(STRATA_EINVAL, "strata_schema_print: NULL argument");
	*out = NULL;
	if ((rc = strata__schema_new(&tmp, NULL)))
		return rc;
	bool flat = flags & STRATA_PRINT_FLAT;
	bool sep = false;
	if (!flat && s->ndefault_mixins) {
		rc = strata__buf_puts(&b, "use ");
		for (int i = 0; !rc && i < s->ndefault_mixins; i++)
			if (!(rc = i ? strata__buf_puts(&b, ", ") : STRATA_OK))
				rc = put_name(&b, s->default_mixins[i]);
		if (!rc)
			rc = strata__buf_putc(&b, '\n');
		sep = true;
	}
	for (int i = 0; !rc && !flat && i < s->nmixins; i++) {
		const strata_mixin *m = &s->mixins[i];
		if (m->builtin)
			continue;
		if ((sep && (rc = strata__buf_putc(&b, '\n'))) || (rc = strata__buf_puts(&b, "mixin ")) ||
		    (rc = put_name(&b, m->name)) || (rc = strata__buf_puts(&b, " {\n")))
			break;
		strata_table mt;
		memset(&mt, 0, sizeof mt);
		mt.name = m->name;
		mt.columns = m->columns;
		mt.ncolumns = m->ncolumns;
		mt.fkeys = m->fkeys;
		mt.nfkeys = m->nfkeys;
		for (int j = 0; !rc && j < m->ncolumns; j++) {
			const strata_column *c = &m->columns[j];
			if (!c->name) {
				if (!(rc = strata__buf_puts(&b, "    use ")) && !(rc = put_name(&b, c->mixin)))
					rc = strata__buf_putc(&b, '\n');
			} else {
				/* Mixin keys are named for the mixin; print them inline. */
				strata_column cc = *c;
				rc = put_column(&b, tmp, s, &mt, &cc, "    ", flags);
			}
		}
		if (!rc)
			rc = strata__buf_puts(&b, "}\n");
		sep = true;
	}
	/* A database has no order of tables or types: sort them for STRATA_PRINT_DB. */
	bool sorted = (flags & STRATA_PRINT_DB) == STRATA_PRINT_DB;
	int *eorder = malloc(((size_t)s->nenums + 1) * sizeof *eorder),
	    *torder = malloc(((size_t)s->ntables + 1) * sizeof *torder);
	if (!eorder || !torder) {
		free(eorder);
		free(torder);
		strata_schema_free(tmp);
		strata__buf_free(&b);
		return strata__error_nomem();
	}
	for (int i = 0; i < s->nenums; i++) {
		int j = i;
		while (sorted && j > 0 && strcmp(s->enums[eorder[j - 1]].name, s->enums[i].name) > 0) {
			eorder[j] = eorder[j - 1];
			j--;
		}
		eorder[j] = i;
	}
	for (int i = 0; i < s->ntables; i++) {
		int j = i;
		while (sorted && j > 0 && strcmp(s->tables[torder[j - 1]].name, s->tables[i].name) > 0) {
			torder[j] = torder[j - 1];
			j--;
		}
		torder[j] = i;
	}
	if (!rc)
		rc = put_objects_before(&b, s, &sep);
	for (int i = 0; !rc && i < s->nenums; i++) {
		const strata_enum *e = &s->enums[eorder[i]];
		if ((sep && (rc = strata__buf_putc(&b, '\n'))) || (rc = strata__buf_puts(&b, "enum ")) ||
		    (rc = put_name(&b, e->name)) || (rc = strata__buf_puts(&b, " {")))
			break;
		for (int j = 0; !rc && j < e->nvalues; j++) {
			rc = strata__buf_putc(&b, ' ');
			if (!rc)
				rc = strata__schema_reserved(e->values[j]) ? put_string(&b, e->values[j])
									   : strata__buf_puts(&b, e->values[j]);
			if (!rc && e->renamed_from && e->renamed_from[j] &&
			    (flags & STRATA_PRINT_DB) != STRATA_PRINT_DB &&
			    !(rc = strata__buf_puts(&b, " renamed_from ")))
				rc = strata__schema_reserved(e->renamed_from[j])
					     ? put_string(&b, e->renamed_from[j])
					     : strata__buf_puts(&b, e->renamed_from[j]);
		}
		if (!rc)
			rc = strata__buf_puts(&b, " }\n");
		sep = true;
	}
	for (int i = 0; !rc && i < s->ndomains; i++) {
		if ((sep && i == 0 && (rc = strata__buf_putc(&b, '\n'))) || (rc = put_domain(&b, tmp, &s->domains[i])))
			break;
		sep = true;
	}
	for (int i = 0; !rc && i < s->nsequences; i++) {
		if ((sep && i == 0 && (rc = strata__buf_putc(&b, '\n'))) || (rc = put_sequence(&b, &s->sequences[i])))
			break;
		sep = true;
	}
	for (int i = 0; !rc && i < s->nfunctions; i++) {
		const strata_function *f = &s->functions[i];
		if ((sep && (rc = strata__buf_putc(&b, '\n'))) || (rc = strata__buf_puts(&b, "function ")) ||
		    (rc = put_name(&b, f->name)) || (rc = strata__buf_puts(&b, " as ")) || (rc = put_sql(&b, f->sql)) ||
		    (rc = strata__buf_putc(&b, '\n')))
			break;
		sep = true;
	}
	for (int i = 0; !rc && i < s->ntables; i++) {
		if (sep && (rc = strata__buf_putc(&b, '\n')))
			break;
		rc = put_table(&b, tmp, s, &s->tables[torder[i]], flags);
		sep = true;
	}
	/* Views in the model's order: each after what it reads. */
	for (int i = 0; !rc && i < s->nviews; i++) {
		if (sep && (rc = strata__buf_putc(&b, '\n')))
			break;
		rc = put_view(&b, tmp, &s->views[i], (flags & STRATA_PRINT_DB) != STRATA_PRINT_DB);
		sep = true;
	}
	for (int i = 0; !rc && i < s->ntriggers; i++) {
		const strata_trigger *t = &s->triggers[i];
		if ((sep && (rc = strata__buf_putc(&b, '\n'))) || (rc = strata__buf_puts(&b, "trigger ")) ||
		    (rc = put_name(&b, t->name)) || (rc = strata__buf_puts(&b, " on ")) ||
		    (rc = put_name(&b, t->table)) || (rc = strata__buf_puts(&b, " as ")) ||
		    (rc = put_sql(&b, t->sql)) || (rc = strata__buf_putc(&b, '\n')))
			break;
		sep = true;
	}
	/* What the database holds that the file does not say: comments, so a reader knows (never parsed back). */
	for (int i = 0; !rc && i < s->nunmanaged; i++) {
		const strata_unmanaged *u = &s->unmanaged[i];
		if ((i == 0 && sep && (rc = strata__buf_putc(&b, '\n'))) ||
		    (rc = strata__buf_printf(&b, "// unmanaged: %s %s", u->kind, u->name)) ||
		    (u->detail && (rc = strata__buf_printf(&b, " (%s)", u->detail))) ||
		    (rc = strata__buf_putc(&b, '\n')))
			break;
	}
	free(eorder);
	free(torder);
	strata_schema_free(tmp);
	if (rc) {
		strata__buf_free(&b);
		return rc;
	}
	*out = b.ptr ? strata__buf_detach(&b) : strata__strdup("");
	return *out ? STRATA_OK : STRATA_ENOMEM;
}
