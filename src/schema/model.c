/*
 * The model: its arena, lookups, copies and the derived relationships.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <strings.h>

#include "core/error.h"
#include "schema/model.h"
#include <strata/value.h>

/* Blocks of at least ARENA_BLOCK bytes, chained; freed all at once. */
#define ARENA_BLOCK 8192

typedef struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	max_align_t data[];
} arena_block;

struct strata__arena {
	arena_block *head;
};

int strata__schema_new(strata_schema **out, const char *file)
{
	strata_schema *s = calloc(1, sizeof *s);
	*out = NULL;
	if (!s)
		return strata__error_nomem();
	s->arena_ = calloc(1, sizeof *s->arena_);
	if (!s->arena_) {
		free(s);
		return strata__error_nomem();
	}
	s->file = strata__sdup(s, file ? file : "");
	if (!s->file) {
		strata_schema_free(s);
		return STRATA_ENOMEM;
	}
	*out = s;
	return STRATA_OK;
}

void strata_schema_free(strata_schema *s)
{
	if (!s)
		return;
	if (s->arena_) {
		arena_block *b = s->arena_->head;
		while (b) {
			arena_block *next = b->next;
			free(b);
			b = next;
		}
		free(s->arena_);
	}
	free(s);
}

void *strata__alloc(strata_schema *s, size_t n)
{
	const size_t align = sizeof(max_align_t);
	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	arena_block *b = s->arena_->head;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = malloc(sizeof *b + cap);
		if (!b) {
			strata__error_nomem();
			return NULL;
		}
		b->cap = cap;
		b->used = 0;
		b->next = s->arena_->head;
		s->arena_->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *strata__sndup(strata_schema *s, const char *str, size_t n)
{
	char *p = strata__alloc(s, n + 1);
	if (!p)
		return NULL;
	memcpy(p, str, n);
	p[n] = '\0';
	return p;
}

char *strata__sdup(strata_schema *s, const char *str)
{
	return str ? strata__sndup(s, str, strlen(str)) : NULL;
}

char *strata__sprintf(strata_schema *s, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = NULL;
	if (n >= 0 && (p = strata__alloc(s, (size_t)n + 1)) != NULL)
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void *strata__push(strata_schema *s, void *arrp, int *n, size_t size)
{
	char **arr = arrp;
	int count = *n;
	if (count == 0 || (count >= 4 && (count & (count - 1)) == 0)) {
		size_t cap = count == 0 ? 4 : (size_t)count * 2;
		char *grown = strata__alloc(s, cap * size);
		if (!grown)
			return NULL;
		if (count)
			memcpy(grown, *arr, (size_t)count * size);
		*arr = grown;
	}
	(*n)++;
	return *arr + (size_t)count * size;
}

int strata__push_str(strata_schema *s, const char ***arr, int *n, const char *str)
{
	char *copy = strata__sdup(s, str);
	const char **slot;
	if (!copy || !(slot = strata__push(s, arr, n, sizeof **arr)))
		return STRATA_ENOMEM;
	*slot = copy;
	return STRATA_OK;
}

static int copy_strs(strata_schema *s, const char ***dst, int *dn, const char *const *src, int n)
{
	*dst = NULL;
	*dn = 0;
	for (int i = 0; i < n; i++)
		if (strata__push_str(s, dst, dn, src[i]))
			return STRATA_ENOMEM;
	return STRATA_OK;
}

#define DUP(field)                                                             \
	do {                                                                   \
		if (src->field && !(dst->field = strata__sdup(s, src->field))) \
			return STRATA_ENOMEM;                                  \
	} while (0)

int strata__copy_column(strata_schema *s, strata_column *dst, const strata_column *src)
{
	*dst = *src;
	DUP(name);
	DUP(type.enum_name);
	DUP(type.raw);
	DUP(dflt.text);
	DUP(check);
	DUP(renamed_from);
	DUP(mixin);
	DUP(generated);
	DUP(collation);
	DUP(comment);
	return STRATA_OK;
}

int strata__copy_fkey(strata_schema *s, strata_fkey *dst, const strata_fkey *src)
{
	*dst = *src;
	DUP(name);
	DUP(ref_table);
	DUP(as);
	DUP(backref);
	if (copy_strs(s, &dst->columns, &dst->ncolumns, src->columns, src->ncolumns) ||
	    copy_strs(s, &dst->ref_columns, &dst->nref_columns, src->ref_columns, src->nref_columns))
		return STRATA_ENOMEM;
	return STRATA_OK;
}

int strata__copy_index(strata_schema *s, strata_index *dst, const strata_index *src)
{
	*dst = *src;
	DUP(name);
	DUP(where);
	DUP(method);
	dst->column_pos = NULL;
	dst->keys = NULL;
	if (src->keys) {
		strata_index_key *k = strata__alloc(s, (size_t)src->ncolumns * sizeof *k);
		if (!k)
			return STRATA_ENOMEM;
		for (int i = 0; i < src->ncolumns; i++) {
			k[i] = src->keys[i];
			if ((k[i].opclass && !(k[i].opclass = strata__sdup(s, k[i].opclass))) ||
			    (k[i].collation && !(k[i].collation = strata__sdup(s, k[i].collation))))
				return STRATA_ENOMEM;
		}
		dst->keys = k;
	}
	if (copy_strs(s, &dst->include, &dst->ninclude, src->include, src->ninclude))
		return STRATA_ENOMEM;
	return copy_strs(s, &dst->columns, &dst->ncolumns, src->columns, src->ncolumns);
}

int strata__copy_enum(strata_schema *s, strata_enum *dst, const strata_enum *src)
{
	*dst = *src;
	DUP(name);
	dst->renamed_from = NULL;
	if (src->renamed_from) {
		const char **r = strata__alloc(s, (size_t)src->nvalues * sizeof *r);
		if (!r)
			return STRATA_ENOMEM;
		for (int i = 0; i < src->nvalues; i++)
			if (src->renamed_from[i] && !(r[i] = strata__sdup(s, src->renamed_from[i])))
				return STRATA_ENOMEM;
		dst->renamed_from = r;
	}
	return copy_strs(s, &dst->values, &dst->nvalues, src->values, src->nvalues);
}

int strata__copy_table(strata_schema *s, strata_table *dst, const strata_table *src)
{
	memset(dst, 0, sizeof *dst);
	dst->pos = src->pos;
	DUP(name);
	DUP(renamed_from);
	DUP(owner);
	if (copy_strs(s, &dst->pkey, &dst->npkey, src->pkey, src->npkey) ||
	    copy_strs(s, &dst->mixins, &dst->nmixins, src->mixins, src->nmixins) ||
	    copy_strs(s, &dst->unscoped, &dst->nunscoped, src->unscoped, src->nunscoped))
		return STRATA_ENOMEM;
	for (int i = 0; i < src->ncolumns; i++) {
		strata_column *c = strata__push(s, &dst->columns, &dst->ncolumns, sizeof *c);
		if (!c || strata__copy_column(s, c, &src->columns[i]))
			return STRATA_ENOMEM;
	}
	for (int i = 0; i < src->nindexes; i++) {
		strata_index *x = strata__push(s, &dst->indexes, &dst->nindexes, sizeof *x);
		if (!x || strata__copy_index(s, x, &src->indexes[i]))
			return STRATA_ENOMEM;
	}
	for (int i = 0; i < src->nfkeys; i++) {
		strata_fkey *f = strata__push(s, &dst->fkeys, &dst->nfkeys, sizeof *f);
		if (!f || strata__copy_fkey(s, f, &src->fkeys[i]))
			return STRATA_ENOMEM;
	}
	for (int i = 0; i < src->nuniques; i++) {
		strata_unique *u = strata__push(s, &dst->uniques, &dst->nuniques, sizeof *u);
		if (!u)
			return STRATA_ENOMEM;
		*u = src->uniques[i];
		u->column_pos = NULL;
		if ((src->uniques[i].name && !(u->name = strata__sdup(s, src->uniques[i].name))) ||
		    copy_strs(s, &u->columns, &u->ncolumns, src->uniques[i].columns, src->uniques[i].ncolumns))
			return STRATA_ENOMEM;
	}
	for (int i = 0; i < src->nchecks; i++) {
		strata_check *c = strata__push(s, &dst->checks, &dst->nchecks, sizeof *c);
		if (!c)
			return STRATA_ENOMEM;
		*c = src->checks[i];
		if ((src->checks[i].name && !(c->name = strata__sdup(s, src->checks[i].name))) ||
		    !(c->expr = strata__sdup(s, src->checks[i].expr)))
			return STRATA_ENOMEM;
	}
	return STRATA_OK;
}

char *strata__default_name(strata_schema *s, const char *table, const char *const *cols, int n, const char *suffix)
{
	size_t len = strlen(table) + strlen(suffix) + 2;
	for (int i = 0; i < n; i++)
		len += strlen(cols[i]) + 1;
	char *p = strata__alloc(s, len + 1);
	if (!p)
		return NULL;
	strcpy(p, table);
	for (int i = 0; i < n; i++) {
		strcat(p, "_");
		strcat(p, cols[i]);
	}
	strcat(p, "_");
	strcat(p, suffix);
	/* Expressions in index columns: keep names identifier-like. */
	for (char *q = p; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_'))
			*q = '_';
	/* PostgreSQL truncates identifiers at 63 bytes. */
	if (strlen(p) > 63)
		p[63] = '\0';
	return p;
}

char *strata__check_name(strata_schema *s, const char *table, int i)
{
	return i == 0 ? strata__sprintf(s, "%.57s_check", table) : strata__sprintf(s, "%.57s_check%d", table, i);
}

static int streq0(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

int strata__coltype_eq(const strata_coltype *a, const strata_coltype *b)
{
	if (a->kind != b->kind || a->array != b->array)
		return 0;
	switch (a->kind) {
	case STRATA_T_STRING: return a->length == b->length;
	case STRATA_T_DECIMAL: return a->precision == b->precision && a->scale == b->scale;
	case STRATA_T_ENUM: return streq0(a->enum_name, b->enum_name);
	case STRATA_T_RAW: return streq0(a->raw, b->raw);
	default: return 1;
	}
}

int strata__default_eq(const strata_default *a, const strata_default *b)
{
	return a->kind == b->kind && streq0(a->text, b->text);
}

/* nextval('s') and nextval('s'::regclass), as PostgreSQL prints it back, are the same default. */
static bool same_nextval(const char *x, const char *y)
{
	static const char cast[] = "::regclass)";
	if (strncmp(x, "nextval('", 9) != 0 || strncmp(y, "nextval('", 9) != 0)
		return false;
	for (x += 9, y += 9; *x && *x == *y; x++, y++)
		;
	if (strcmp(x, cast) == 0)
		return strcmp(y, ")") == 0;
	return strcmp(y, cast) == 0 && strcmp(x, ")") == 0;
}

bool strata__default_same(const strata_coltype *t, const strata_default *a, const strata_default *b)
{
	if (strata__default_eq(a, b))
		return true;
	if (!a->text || !b->text || t->array)
		return false;
	bool num_a = a->kind == STRATA_DEFAULT_INT || a->kind == STRATA_DEFAULT_NUMBER;
	bool num_b = b->kind == STRATA_DEFAULT_INT || b->kind == STRATA_DEFAULT_NUMBER;
	if (num_a && num_b && (t->kind == STRATA_T_FLOAT || t->kind == STRATA_T_DECIMAL))
		return strtod(a->text, NULL) == strtod(b->text, NULL);
	if (a->kind == STRATA_DEFAULT_RAW && b->kind == STRATA_DEFAULT_RAW)
		return same_nextval(a->text, b->text);
	if (a->kind != STRATA_DEFAULT_STRING || b->kind != STRATA_DEFAULT_STRING)
		return false;
	switch (t->kind) {
	case STRATA_T_JSON: {
		json_t *x = json_loads(a->text, JSON_DECODE_ANY, NULL), *y = json_loads(b->text, JSON_DECODE_ANY, NULL);
		bool same = x && y && json_equal(x, y);
		json_decref(x);
		json_decref(y);
		return same;
	}
	case STRATA_T_TIMESTAMP:
	case STRATA_T_DATE: {
		strata_timestamp x, y;
		bool same = strata_timestamp_parse(a->text, strlen(a->text), &x) == STRATA_OK &&
			    strata_timestamp_parse(b->text, strlen(b->text), &y) == STRATA_OK && x == y;
		strata_error_clear();
		return same;
	}
	case STRATA_T_UUID: return strcasecmp(a->text, b->text) == 0;
	default: return false;
	}
}

const char *strata_type_kind_name(strata_type_kind k)
{
	switch (k) {
	case STRATA_T_INT: return "int";
	case STRATA_T_BIGINT: return "bigint";
	case STRATA_T_SERIAL: return "serial";
	case STRATA_T_BOOL: return "bool";
	case STRATA_T_FLOAT: return "float";
	case STRATA_T_DECIMAL: return "decimal";
	case STRATA_T_STRING: return "string";
	case STRATA_T_TEXT: return "text";
	case STRATA_T_BYTES: return "bytes";
	case STRATA_T_TIMESTAMP: return "timestamp";
	case STRATA_T_DATE: return "date";
	case STRATA_T_UUID: return "uuid";
	case STRATA_T_JSON: return "json";
	case STRATA_T_ENUM: return "enum";
	case STRATA_T_RAW: return "sql";
	}
	return "?";
}

const char *strata__coltype_str(strata_schema *s, const strata_coltype *t)
{
	const char *arr = t->array ? "[]" : "";
	switch (t->kind) {
	case STRATA_T_STRING: return strata__sprintf(s, "string(%d)%s", t->length, arr);
	case STRATA_T_DECIMAL: return strata__sprintf(s, "decimal(%d,%d)%s", t->precision, t->scale, arr);
	case STRATA_T_ENUM: return strata__sprintf(s, "%s%s", t->enum_name ? t->enum_name : "?", arr);
	case STRATA_T_RAW: return strata__sprintf(s, "sql('%s')%s", t->raw ? t->raw : "", arr);
	default: return strata__sprintf(s, "%s%s", strata_type_kind_name(t->kind), arr);
	}
}

int strata__edit_distance(const char *a, const char *b, int cap)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return cap + 1;
	int row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0], best;
		row[0] = (int)i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int sub = prev + (a[i - 1] != b[j - 1]);
			int del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
			if (row[j] < best)
				best = row[j];
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

/* ---- lookups ---- */

const strata_table *strata_schema_table(const strata_schema *s, const char *name)
{
	if (!s || !name)
		return NULL;
	for (int i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i].name, name) == 0)
			return &s->tables[i];
	return NULL;
}

const strata_enum *strata_schema_enum(const strata_schema *s, const char *name)
{
	if (!s || !name)
		return NULL;
	for (int i = 0; i < s->nenums; i++)
		if (strcmp(s->enums[i].name, name) == 0)
			return &s->enums[i];
	return NULL;
}

const strata_view *strata_schema_view(const strata_schema *s, const char *name)
{
	if (!s || !name)
		return NULL;
	for (int i = 0; i < s->nviews; i++)
		if (strcmp(s->views[i].name, name) == 0)
			return &s->views[i];
	return NULL;
}

const strata_column *strata_table_column(const strata_table *t, const char *name)
{
	if (!t || !name)
		return NULL;
	for (int i = 0; i < t->ncolumns; i++)
		if (t->columns[i].name && strcmp(t->columns[i].name, name) == 0)
			return &t->columns[i];
	return NULL;
}

const strata_index *strata_table_index(const strata_table *t, const char *name)
{
	if (!t || !name)
		return NULL;
	for (int i = 0; i < t->nindexes; i++)
		if (strcmp(t->indexes[i].name, name) == 0)
			return &t->indexes[i];
	return NULL;
}

const strata_fkey *strata_table_fkey(const strata_table *t, const char *col)
{
	for (int i = 0; t && col && i < t->nfkeys; i++)
		if (t->fkeys[i].ncolumns == 1 && strcmp(t->fkeys[i].columns[0], col) == 0)
			return &t->fkeys[i];
	return NULL;
}

bool strata_table_in_pkey(const strata_table *t, const char *col)
{
	for (int i = 0; t && col && i < t->npkey; i++)
		if (strcmp(t->pkey[i], col) == 0)
			return true;
	return false;
}

int strata_schema_relations(const strata_schema *s, const char *table, const strata_relation **out, int *n)
{
	*out = NULL;
	*n = 0;
	if (!strata_schema_table(s, table))
		return strata__error_set(STRATA_ENOTFOUND, "no table '%s' in the schema", table ? table : "");
	for (int i = 0; i < s->nrelations; i++) {
		if (strcmp(s->relations[i].table, table) != 0)
			continue;
		if (!*out)
			*out = &s->relations[i];
		(*n)++;
	}
	return STRATA_OK;
}

/* ---- relationships ---- */

/* "user_id" -> "user"; otherwise the column name itself. */
static const char *strip_id(strata_schema *s, const char *col)
{
	size_t n = strlen(col);
	if (n > 3 && strcmp(col + n - 3, "_id") == 0)
		return strata__sndup(s, col, n - 3);
	return col;
}

static bool rel_taken(strata_schema *s, const char *table, const char *name)
{
	for (int i = 0; i < s->nrelations; i++)
		if (strcmp(s->relations[i].table, table) == 0 && strcmp(s->relations[i].name, name) == 0)
			return true;
	return false;
}

static int add_rel(strata_schema *s, strata_rel_kind kind, const char *table, const char *target, const char *through,
		   const strata_fkey *fk, const char *name)
{
	const char *base = name;
	for (int k = 2; !name || rel_taken(s, table, name); k++) {
		if (!base)
			return STRATA_ENOMEM;
		name = strata__sprintf(s, "%s_%d", base, k);
		if (!name)
			return STRATA_ENOMEM;
	}
	strata_relation *r = strata__push(s, &s->relations, &s->nrelations, sizeof *r);
	if (!r)
		return STRATA_ENOMEM;
	r->kind = kind;
	r->table = table;
	r->target = target;
	r->through = through;
	r->fkey = fk;
	r->name = name;
	return STRATA_OK;
}

/* A junction: a two-column primary key whose columns are each a one-column foreign key. */
static bool is_junction(const strata_table *t, const strata_fkey **a, const strata_fkey **b)
{
	if (t->npkey != 2 || t->nfkeys < 2)
		return false;
	*a = *b = NULL;
	for (int i = 0; i < t->nfkeys; i++) {
		const strata_fkey *f = &t->fkeys[i];
		if (f->ncolumns != 1)
			continue;
		if (!*a && strcmp(f->columns[0], t->pkey[0]) == 0)
			*a = f;
		else if (!*b && strcmp(f->columns[0], t->pkey[1]) == 0)
			*b = f;
	}
	return *a && *b;
}

int strata__schema_relations(strata_schema *s)
{
	s->relations = NULL;
	s->nrelations = 0;
	for (int i = 0; i < s->ntables; i++) {
		const strata_table *t = &s->tables[i];
		for (int j = 0; j < t->nfkeys; j++) {
			const strata_fkey *f = &t->fkeys[j];
			const char *n1 = f->as ? f->as : (f->ncolumns == 1 ? strip_id(s, f->columns[0]) : f->ref_table);
			const char *n2 = f->backref ? f->backref : t->name;
			if (add_rel(s, STRATA_REL_MANY_TO_ONE, t->name, f->ref_table, NULL, f, n1) ||
			    add_rel(s, STRATA_REL_ONE_TO_MANY, f->ref_table, t->name, NULL, f, n2))
				return STRATA_ENOMEM;
		}
		const strata_fkey *a, *b;
		if (is_junction(t, &a, &b)) {
			if (add_rel(s, STRATA_REL_MANY_TO_MANY, a->ref_table, b->ref_table, t->name, b, b->ref_table) ||
			    add_rel(s, STRATA_REL_MANY_TO_MANY, b->ref_table, a->ref_table, t->name, a, a->ref_table))
				return STRATA_ENOMEM;
		}
	}
	/* Group by table (stable: tables in model order, then discovery order). */
	for (int i = 1; i < s->nrelations; i++) {
		strata_relation r = s->relations[i];
		int ti = (int)(strata_schema_table(s, r.table) - s->tables), j = i - 1;
		while (j >= 0 && (int)(strata_schema_table(s, s->relations[j].table) - s->tables) > ti) {
			s->relations[j + 1] = s->relations[j];
			j--;
		}
		s->relations[j + 1] = r;
	}
	return STRATA_OK;
}

/* ---- a canonical order for objects a database keeps unordered ---- */

static int by_name(const void *a, const void *b, size_t off)
{
	return strcmp(*(const char *const *)((const char *)a + off), *(const char *const *)((const char *)b + off));
}
static int cmp_function(const void *a, const void *b)
{
	return by_name(a, b, offsetof(strata_function, name));
}
static int cmp_domain(const void *a, const void *b)
{
	return by_name(a, b, offsetof(strata_domain, name));
}
static int cmp_extension(const void *a, const void *b)
{
	return by_name(a, b, offsetof(strata_extension, name));
}
static int cmp_sequence(const void *a, const void *b)
{
	return by_name(a, b, offsetof(strata_sequence, name));
}
static int cmp_trigger(const void *a, const void *b)
{
	int c = by_name(a, b, offsetof(strata_trigger, table));
	return c ? c : by_name(a, b, offsetof(strata_trigger, name));
}

int strata__schema_sort_objects(strata_schema *s)
{
	if (s->nfunctions > 1)
		qsort(s->functions, (size_t)s->nfunctions, sizeof *s->functions, cmp_function);
	if (s->ntriggers > 1)
		qsort(s->triggers, (size_t)s->ntriggers, sizeof *s->triggers, cmp_trigger);
	if (s->ndomains > 1)
		qsort(s->domains, (size_t)s->ndomains, sizeof *s->domains, cmp_domain);
	if (s->nextensions > 1)
		qsort(s->extensions, (size_t)s->nextensions, sizeof *s->extensions, cmp_extension);
	if (s->nsequences > 1)
		qsort(s->sequences, (size_t)s->nsequences, sizeof *s->sequences, cmp_sequence);
	return STRATA_OK;
}
