/*
 * The generator's model: C names and shapes for a schema's tables.
 *
 * Names: a table's row type is its singular (tasks -> task, categories ->
 * category, addresses -> address); a column's field is its name, with a
 * trailing underscore when it is a C keyword.  Every name gets the prefix.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/text.h"
#include "gen/model.h"

static const char *const c_keywords[] = {
	"auto",	  "break",    "case",	  "char",     "const",	       "continue",     "default", "do",	    "double",
	"else",	  "enum",     "extern",	  "float",    "for",	       "goto",	       "if",	  "inline", "int",
	"long",	  "register", "restrict", "return",   "short",	       "signed",       "sizeof",  "static", "struct",
	"switch", "typedef",  "union",	  "unsigned", "void",	       "volatile",     "while",	  "bool",   "true",
	"false",  "alignas",  "alignof",  "noreturn", "static_assert", "thread_local", "NULL",	  NULL
};

static bool is_keyword(const char *s)
{
	for (int i = 0; c_keywords[i]; i++)
		if (strcmp(s, c_keywords[i]) == 0)
			return true;
	return s[0] == '_';
}

/* file:line:col of a schema object, for errors */
#define AT(pos) m->s->file, (pos).line, (pos).column

static bool is_identifier(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

char *strata__gen_c_name(const char *name)
{
	char *out = malloc(strlen(name) + 1);
	size_t k = 0;
	if (!out)
		return NULL;
	for (const char *c = name; *c; c++) {
		bool ident = isalnum((unsigned char)*c) || *c == '_';
		bool run = c > name && !(isalnum((unsigned char)c[-1]) || c[-1] == '_');
		if (ident)
			out[k++] = *c;
		else if (!run)
			out[k++] = '_';
	}
	out[k] = '\0';
	return out;
}

static char *fmt(const char *f, const char *a, const char *b)
{
	strata_buf buf = STRATA_BUF_INIT;
	if (strata__buf_printf(&buf, f, a, b ? b : "")) {
		strata__buf_free(&buf);
		return NULL;
	}
	return strata__buf_detach(&buf);
}

/* A struct field for database name `name`: its C name, with '_' before a digit and after a C keyword. */
static char *field_name(const char *name)
{
	char *c = strata__gen_c_name(name);
	if (!c)
		return NULL;
	char *f = fmt(isdigit((unsigned char)c[0]) ? "_%s" : is_keyword(c) ? "%s_" : "%s", c, NULL);
	free(c);
	return f;
}

static char *upper(const char *s)
{
	char *u = strata__strdup(s);
	if (u)
		for (char *p = u; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	return u;
}

/* `s` in upper case in place, ASCII letters only, as the emitter writes names (strata__gen_upper). */
static void ascii_upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/* English singular for common plural table names. */
static char *singular(const char *name)
{
	size_t n = strlen(name);
	char *s = strata__strndup(name, n);
	if (!s)
		return NULL;
	if (n > 3 && strcmp(name + n - 3, "ies") == 0) {
		strcpy(s + n - 3, "y");
	} else if (n > 4 && (strcmp(name + n - 4, "sses") == 0 || strcmp(name + n - 4, "shes") == 0 ||
			     strcmp(name + n - 4, "ches") == 0 || strcmp(name + n - 4, "xes") == 0)) {
		s[n - 2] = '\0';
	} else if (n > 3 && strcmp(name + n - 3, "xes") == 0) {
		s[n - 2] = '\0';
	} else if (n > 1 && name[n - 1] == 's' && name[n - 2] != 's' && name[n - 2] != 'u') {
		s[n - 1] = '\0';
	}
	return s;
}

/*
 * A table's or view's C names from g->name: the row type (prefix and
 * singular), its upper-case form, and the function prefix, which is the
 * type, all from its C name (strata__gen_c_name); `kind` ("table", "view")
 * names it when generated C cannot hold the name.
 */
static int name_type(gmodel *m, gtable *g, const char *kind)
{
	if (!strata__text_quotable(g->name))
		return strata__error_set_at(STRATA_EINVAL, AT(g->view ? g->view->pos : g->t->pos),
					    "%s '%s' holds a quote, a backslash or a control character, which "
					    "generated C cannot name",
					    kind, g->name);
	char *cn = strata__gen_c_name(g->name);
	char *sing = cn ? singular(cn) : NULL;
	free(cn);
	if (!sing)
		return STRATA_ENOMEM;
	if (isdigit((unsigned char)sing[0]) && !*m->prefix) {
		free(sing);
		return strata__error_set_at(STRATA_EINVAL, AT(g->view ? g->view->pos : g->t->pos),
					    "%s '%s' starts with a digit, which a C type cannot: set "
					    "option `prefix`",
					    kind, g->name);
	}
	g->type = fmt("%s%s", m->prefix, sing);
	free(sing);
	if (!g->type || !(g->upper = upper(g->type)))
		return STRATA_ENOMEM;
	g->fn = g->type;
	return STRATA_OK;
}

static gtable *find_table(gmodel *m, const char *name)
{
	for (int i = 0; i < m->ntables; i++)
		if (strcmp(m->tables[i].name, name) == 0)
			return &m->tables[i];
	return NULL;
}

static const genum *find_enum(const gmodel *m, const char *name)
{
	for (int i = 0; i < m->nenums; i++)
		if (strcmp(m->enums[i].e->name, name) == 0)
			return &m->enums[i];
	return NULL;
}

/* The foreign key of `t` whose only column is `col`, or NULL. */
static const strata_fkey *single_fkey(const strata_table *t, const char *col)
{
	for (int i = 0; i < t->nfkeys; i++)
		if (t->fkeys[i].ncolumns == 1 && strcmp(t->fkeys[i].columns[0], col) == 0)
			return &t->fkeys[i];
	return NULL;
}

static bool indexed(const strata_table *t, const char *col)
{
	for (int i = 0; i < t->nindexes; i++)
		for (int c = 0; c < t->indexes[i].ncolumns; c++)
			if (strcmp(t->indexes[i].columns[c], col) == 0)
				return true;
	for (int i = 0; i < t->nuniques; i++)
		for (int c = 0; c < t->uniques[i].ncolumns; c++)
			if (strcmp(t->uniques[i].columns[c], col) == 0)
				return true;
	return false;
}

static gkind base_kind(const strata_coltype *ty)
{
	switch (ty->kind) {
	case STRATA_T_INT: return GK_I32;
	case STRATA_T_BIGINT:
	case STRATA_T_SERIAL: return GK_I64;
	case STRATA_T_BOOL: return GK_BOOL;
	case STRATA_T_FLOAT: return GK_DOUBLE;
	case STRATA_T_BYTES: return GK_BYTES;
	case STRATA_T_TIMESTAMP: return GK_TS;
	case STRATA_T_UUID: return GK_UUID;
	case STRATA_T_JSON: return GK_JSON;
	case STRATA_T_ENUM: return GK_ENUM;
	default: return GK_TEXT;
	}
}

static gkind array_kind(const strata_coltype *ty)
{
	switch (ty->kind) {
	case STRATA_T_INT:
	case STRATA_T_BIGINT:
	case STRATA_T_SERIAL: return GK_INT_ARR;
	case STRATA_T_FLOAT: return GK_FLOAT_ARR;
	default: return GK_TEXT_ARR;
	}
}

/* First pass: names, primary keys and enums. */
static int build_names(gmodel *m)
{
	for (int i = 0; i < m->nenums; i++) {
		genum *e = &m->enums[i];
		e->e = &m->s->enums[i];
		char *cn = strata__text_quotable(e->e->name) ? strata__gen_c_name(e->e->name) : NULL;
		if (!cn || (isdigit((unsigned char)cn[0]) && !*m->prefix)) {
			free(cn);
			return strata__error_set_at(STRATA_EINVAL, AT(e->e->pos),
						    "enum '%s' cannot be a C type name (a quote, a backslash, a "
						    "control character, or a digit first without option `prefix`)",
						    e->e->name);
		}
		e->type = fmt("%s%s", m->prefix, cn);
		free(cn);
		char *u = e->type ? upper(e->type) : NULL;
		e->upper = u;
		e->consts = calloc((size_t)(e->e->nvalues ? e->e->nvalues : 1), sizeof *e->consts);
		if (!e->type || !e->upper || !e->consts)
			return STRATA_ENOMEM;
		for (int v = 0; v < e->e->nvalues; v++) {
			const char *val = e->e->values[v];
			if (!strata__text_quotable(val))
				return strata__error_set_at(
					STRATA_EINVAL, AT(e->e->pos),
					"enum %s: value '%s' holds a quote, a backslash or a control "
					"character, which generated C cannot name",
					e->e->name, val);
			/* the constants are ENUM_VALUE, the value as a C name in upper case */
			char *cv = strata__gen_c_name(val);
			if (!cv)
				return STRATA_ENOMEM;
			ascii_upper(cv);
			e->consts[v] = cv;
			for (int w = 0; w < v; w++)
				if (strcmp(e->consts[w], cv) == 0)
					return strata__error_set_at(STRATA_EINVAL, AT(e->e->pos),
								    "enum %s: values '%s' and '%s' both become the C "
								    "constant %s_*",
								    e->e->name, e->e->values[w], val, e->upper);
		}
	}
	for (int i = 0; i < m->s->nviews; i++)
		if (m->s->views[i].materialized && (!strata__text_quotable(m->s->views[i].name) ||
						    (isdigit((unsigned char)m->s->views[i].name[0]) && !*m->prefix)))
			return strata__error_set_at(STRATA_EINVAL, AT(m->s->views[i].pos),
						    "materialized view '%s' cannot name its refresh function (a quote, "
						    "a backslash, a control character, or a digit first without "
						    "option `prefix`)",
						    m->s->views[i].name);
	for (int i = 0, si = 0; i < m->ntables; i++, si++) {
		gtable *g = &m->tables[i];
		while (m->s->tables[si].partition_of)
			si++; /* a partition is read and written through its parent */
		g->t = &m->s->tables[si];
		g->name = g->t->name;
		int rc = name_type(m, g, "table");
		if (rc != STRATA_OK)
			return rc;
		if (g->t->npkey == 1) {
			const strata_column *pc = strata_table_column(g->t, g->t->pkey[0]);
			if (pc && !pc->type.array) {
				gkind k = base_kind(&pc->type);
				if (k == GK_I32 || k == GK_I64 || k == GK_UUID) {
					g->pk_kind = k == GK_UUID ? GK_UUID : GK_I64;
					if (!(g->id_type = fmt("%s_id", g->type, NULL)))
						return STRATA_ENOMEM;
				}
			}
		}
		for (int j = 0; j < i; j++)
			if (strcmp(m->tables[j].type, g->type) == 0)
				return strata__error_set_at(STRATA_EINVAL, AT(g->t->pos),
							    "tables %s and %s both become the C type %s",
							    m->tables[j].name, g->name, g->type);
		for (int j = 0; j < m->nenums; j++)
			if (strcmp(m->enums[j].type, g->type) == 0)
				return strata__error_set(STRATA_EINVAL,
							 "table %s and enum %s both become the C type %s", g->name,
							 m->enums[j].e->name, g->type);
	}
	return STRATA_OK;
}

static int build_columns(gmodel *m, gtable *g)
{
	const strata_table *t = g->t;
	/* update's field masks are bits of a uint64_t, one per column position */
	if (t->ncolumns > 64)
		return strata__error_set(
			STRATA_EINVAL,
			"table %s: %d columns; generated C handles up to 64 a table (update's field masks "
			"are 64 bits): split the table",
			t->name, t->ncolumns);
	g->ncols = t->ncolumns;
	g->cols = calloc((size_t)(t->ncolumns ? t->ncolumns : 1), sizeof *g->cols);
	if (!g->cols)
		return strata__error_nomem();
	for (int c = 0; c < t->ncolumns; c++) {
		gcol *gc = &g->cols[c];
		const strata_column *col = &t->columns[c];
		gc->col = col;
		gc->name = col->name;
		gc->index = c;
		if (!strata__text_quotable(col->name))
			return strata__error_set_at(
				STRATA_EINVAL, AT(col->pos),
				"%s %s: column '%s' holds a quote, a backslash or a control character, "
				"which generated C cannot name",
				g->view ? "view" : "table", t->name, col->name);
		gc->field = field_name(col->name);
		char *cn = strata__gen_c_name(col->name), *mask = cn ? fmt("%s_%s", g->type, cn) : NULL;
		gc->upper = mask ? upper(mask) : NULL;
		free(cn);
		free(mask);
		if (!gc->field || !gc->upper)
			return STRATA_ENOMEM;
		for (int k = 0; k < c; k++)
			if (strcmp(g->cols[k].field, gc->field) == 0)
				return strata__error_set_at(STRATA_EINVAL, AT(col->pos),
							    "%s %s: columns '%s' and '%s' both become the C field %s",
							    g->view ? "view" : "table", t->name, g->cols[k].name,
							    col->name, gc->field);
		gc->in_pk = strata_table_in_pkey(t, col->name);
		gc->is_pk = gc->in_pk && t->npkey == 1 && g->id_type;
		gc->owner = col->owner;
		gc->generated = col->type.kind == STRATA_T_SERIAL;
		/* a view's rows are only read: its timestamps are plain columns */
		bool ts = col->type.kind == STRATA_T_TIMESTAMP && !g->view;
		gc->created_at = ts && strcmp(col->name, "created_at") == 0;
		gc->updated_at = ts && strcmp(col->name, "updated_at") == 0;
		gc->deleted_at = ts && strcmp(col->name, "deleted_at") == 0 && !col->not_null;
		if (col->type.array) {
			gc->kind = array_kind(&col->type);
		} else {
			gc->kind = base_kind(&col->type);
			const strata_fkey *fk = single_fkey(t, col->name);
			gtable *ref = fk && fk->nref_columns == 1 ? find_table(m, fk->ref_table) : NULL;
			if (gc->is_pk) {
				gc->kind = GK_ID;
				gc->ref = g;
				gc->id_kind = g->pk_kind;
			} else if (ref && ref->id_type && ref->t->npkey == 1 &&
				   strcmp(fk->ref_columns[0], ref->t->pkey[0]) == 0) {
				gc->kind = GK_ID;
				gc->ref = ref;
				gc->id_kind = ref->pk_kind;
			}
			if (gc->kind == GK_ENUM) {
				gc->en = find_enum(m, col->type.enum_name);
				if (!gc->en)
					return strata__error_set_at(
						STRATA_EINVAL, AT(col->pos), "%s %s: column %s: unknown enum %s",
						g->view ? "view" : "table", t->name, col->name, col->type.enum_name);
			}
		}
		gc->pointer = gc->kind == GK_TEXT || gc->kind == GK_JSON;
		bool has_default = col->dflt.kind != STRATA_DEFAULT_NONE;
		gc->opt = !gc->pointer && (!col->not_null || has_default || gc->generated) && !gc->is_pk;
		if (gc->is_pk)
			g->pk = gc;
		if (gc->owner)
			g->owner = gc;
		if (gc->deleted_at)
			g->deleted_at = gc;
		if (gc->updated_at)
			g->updated_at = gc;
		if (gc->created_at)
			g->created_at = gc;
		bool scalar = gc->kind != GK_BYTES && gc->kind != GK_JSON && gc->kind < GK_TEXT_ARR;
		gc->filter = scalar && !gc->owner && !gc->in_pk && indexed(t, col->name);
		gc->range = gc->filter &&
			    (gc->kind == GK_TS || gc->kind == GK_I32 || gc->kind == GK_I64 || gc->kind == GK_DOUBLE);
		bool short_text = gc->kind == GK_TEXT && col->type.kind == STRATA_T_STRING && col->type.length <= 255;
		gc->sortable = col->not_null && !gc->owner && !gc->is_pk &&
			       (gc->kind == GK_TS || gc->kind == GK_I32 || gc->kind == GK_I64 ||
				gc->kind == GK_DOUBLE || short_text) &&
			       (indexed(t, col->name) || gc->created_at || gc->updated_at);
	}
	return STRATA_OK;
}

/* Scope: an owner column, else the first foreign key to a scoped table. */
static void build_scope(gmodel *m)
{
	for (int i = 0; i < m->ntables; i++) {
		gtable *g = &m->tables[i];
		if (g->owner && g->owner->kind == GK_ID)
			g->owner_table = g->owner->ref;
	}
	/* parents may be scoped through their own parents: iterate to a fixed point */
	for (int round = 0; round < m->ntables; round++) {
		bool changed = false;
		for (int i = 0; i < m->ntables; i++) {
			gtable *g = &m->tables[i];
			if (g->owner_table)
				continue;
			for (int c = 0; c < g->ncols; c++) {
				gcol *gc = &g->cols[c];
				if (gc->kind == GK_ID && gc->ref != g && gc->ref->owner_table && gc->ref->pk) {
					g->scope_col = gc;
					g->scope_parent = gc->ref;
					g->owner_table = gc->ref->owner_table;
					changed = true;
					break;
				}
			}
		}
		if (!changed)
			break;
	}
}

static int build_relations(gmodel *m, gtable *g)
{
	const strata_relation *rels;
	int n = 0;
	if (strata_schema_relations(m->s, g->name, &rels, &n) != STRATA_OK || n == 0)
		return STRATA_OK;
	g->rels = calloc((size_t)n, sizeof *g->rels);
	if (!g->rels)
		return strata__error_nomem();
	for (int i = 0; i < n; i++) {
		const strata_relation *r = &rels[i];
		gtable *target = find_table(m, r->target);
		if (!target || !target->pk || !g->pk || r->fkey->ncolumns != 1 || !is_identifier(r->name))
			continue; /* relations the generator can load need single-column keys */
		grel *gr = &g->rels[g->nrels];
		gr->rel = r;
		gr->target = target;
		if (r->kind == STRATA_REL_MANY_TO_ONE) {
			gr->near_col = r->fkey->columns[0];
		} else if (r->kind == STRATA_REL_ONE_TO_MANY) {
			gr->near_col = r->fkey->columns[0];
		} else {
			gtable *j = find_table(m, r->through);
			if (!j)
				continue;
			/* the junction's key to us, and to the target (r->fkey) */
			const strata_fkey *to_us = NULL;
			for (int k = 0; k < j->t->nfkeys; k++)
				if (&j->t->fkeys[k] != r->fkey && strcmp(j->t->fkeys[k].ref_table, g->name) == 0 &&
				    j->t->fkeys[k].ncolumns == 1)
					to_us = &j->t->fkeys[k];
			if (!to_us)
				continue;
			gr->through = j;
			gr->near_col = to_us->columns[0];
			gr->far_col = r->fkey->columns[0];
		}
		gr->field = field_name(r->name);
		if (!gr->field)
			return STRATA_ENOMEM;
		/* a relation may not shadow a column */
		bool clash = false;
		for (int c = 0; c < g->ncols; c++)
			if (strcmp(g->cols[c].field, gr->field) == 0)
				clash = true;
		if (clash) {
			free(gr->field);
			gr->field = NULL;
			continue;
		}
		g->nrels++;
	}
	return STRATA_OK;
}

/* A view's key: the columns of its first unique index without `where` whose keys are declared not null. */
static void view_key(const strata_view *v, strata_table *t)
{
	for (int i = 0; i < v->nindexes; i++) {
		const strata_index *x = &v->indexes[i];
		if (!x->unique || x->where)
			continue;
		bool plain = true;
		for (int k = 0; k < x->ncolumns && plain; k++) {
			const strata_column *c = strata_table_column(t, x->columns[k]);
			plain = !(x->keys && x->keys[k].expr) && c && c->not_null;
		}
		if (plain) {
			t->pkey = x->columns;
			t->npkey = x->ncolumns;
			return;
		}
	}
}

/* The views that declare their columns become read-only gtables. */
static int build_views(gmodel *m)
{
	const strata_schema *s = m->s;
	int n = 0;
	for (int i = 0; i < s->nviews; i++)
		n += s->views[i].ncolumns > 0;
	m->views = calloc((size_t)(n ? n : 1), sizeof *m->views);
	m->vtables = calloc((size_t)(n ? n : 1), sizeof *m->vtables);
	if (!m->views || !m->vtables)
		return strata__error_nomem();
	for (int i = 0; i < s->nviews; i++) {
		const strata_view *v = &s->views[i];
		if (!v->ncolumns)
			continue;
		strata_table *t = &m->vtables[m->nviews];
		gtable *g = &m->views[m->nviews++];
		t->name = v->name;
		t->columns = v->columns;
		t->ncolumns = v->ncolumns;
		t->indexes = v->indexes;
		t->nindexes = v->nindexes;
		view_key(v, t);
		g->t = t;
		g->view = v;
		g->name = v->name;
		int rc = name_type(m, g, "view");
		if (rc != STRATA_OK)
			return rc;
		for (int j = 0; j < m->ntables; j++)
			if (strcmp(m->tables[j].type, g->type) == 0 ||
			    (m->tables[j].id_type && strcmp(m->tables[j].id_type, g->type) == 0))
				return strata__error_set(STRATA_EINVAL,
							 "table %s and view %s both become the C type %s",
							 m->tables[j].name, g->name, g->type);
		/* table categories has category_count(): a view category_counts may not be that type */
		static const char *const fns[] = { "insert",	  "insert_many", "get",		"free",	   "update",
						   "update_many", "delete",	 "hard_delete", "restore", "list",
						   "count",	  "page",	 "query",	"order",   "cursor",
						   "to_json",	  "page_free",	 NULL };
		for (int j = 0; j < m->ntables; j++) {
			size_t tl = strlen(m->tables[j].type);
			for (int k = 0; fns[k]; k++)
				if (strncmp(g->type, m->tables[j].type, tl) == 0 && g->type[tl] == '_' &&
				    strcmp(g->type + tl + 1, fns[k]) == 0)
					return strata__error_set(
						STRATA_EINVAL,
						"view %s becomes the C type %s, the name of a function "
						"or type of table %s: rename the view",
						g->name, g->type, m->tables[j].name);
		}
		for (int j = 0; j < m->nviews - 1; j++)
			if (strcmp(m->views[j].type, g->type) == 0)
				return strata__error_set(STRATA_EINVAL, "views %s and %s both become the C type %s",
							 m->views[j].name, g->name, g->type);
		for (int j = 0; j < m->nenums; j++)
			if (strcmp(m->enums[j].type, g->type) == 0)
				return strata__error_set(STRATA_EINVAL, "view %s and enum %s both become the C type %s",
							 g->name, m->enums[j].e->name, g->type);
		rc = build_columns(m, g);
		if (rc != STRATA_OK)
			return rc;
	}
	return STRATA_OK;
}

int strata__gen_model_build(gmodel *m, const strata_schema *s, const char *prefix)
{
	memset(m, 0, sizeof *m);
	m->s = s;
	m->prefix = prefix ? prefix : "";
	if (*m->prefix && !is_identifier(m->prefix))
		return strata__error_set(STRATA_EINVAL, "option `prefix` '%s' is not a C identifier", m->prefix);
	m->ntables = 0;
	for (int i = 0; i < s->ntables; i++)
		m->ntables += !s->tables[i].partition_of;
	m->nenums = s->nenums;
	m->tables = calloc((size_t)(s->ntables ? s->ntables : 1), sizeof *m->tables);
	m->enums = calloc((size_t)(s->nenums ? s->nenums : 1), sizeof *m->enums);
	if (!m->tables || !m->enums)
		return strata__error_nomem();
	int rc = build_names(m);
	for (int i = 0; rc == STRATA_OK && i < m->ntables; i++)
		rc = build_columns(m, &m->tables[i]);
	if (rc != STRATA_OK)
		return rc;
	build_scope(m);
	if ((rc = build_views(m)) != STRATA_OK)
		return rc;
	for (int i = 0; rc == STRATA_OK && i < m->ntables; i++)
		rc = build_relations(m, &m->tables[i]);
	for (int i = 0; rc == STRATA_OK && i < m->ntables; i++) {
		const gtable *g = &m->tables[i];
		for (int u = 0; u < g->t->nunscoped; u++) {
			if (!g->owner_table)
				return strata__error_set(
					STRATA_EINVAL,
					"table %s: `unscoped %s` on a table that has no owner (it is unscoped already)",
					g->name, g->t->unscoped[u]);
			if (!is_identifier(g->t->unscoped[u]))
				return strata__error_set(STRATA_EINVAL,
							 "table %s: unscoped variant '%s' is not a C identifier",
							 g->name, g->t->unscoped[u]);
		}
	}
	return rc;
}

static void free_gtable(gtable *g)
{
	for (int c = 0; c < g->ncols; c++) {
		free(g->cols[c].field);
		free(g->cols[c].upper);
	}
	for (int r = 0; r < g->nrels; r++)
		free(g->rels[r].field);
	free(g->rels);
	free(g->cols);
	free(g->type);
	free(g->upper);
	free(g->id_type);
}

void strata__gen_model_free(gmodel *m)
{
	for (int i = 0; i < m->ntables; i++)
		free_gtable(&m->tables[i]);
	for (int i = 0; i < m->nviews; i++)
		free_gtable(&m->views[i]);
	for (int i = 0; i < m->nenums; i++) {
		genum *e = &m->enums[i];
		if (e->consts)
			for (int v = 0; v < e->e->nvalues; v++)
				free(e->consts[v]);
		free(e->consts);
		free(e->type);
		free(e->upper);
	}
	free(m->tables);
	free(m->enums);
	free(m->views);
	free(m->vtables);
	memset(m, 0, sizeof *m);
}
