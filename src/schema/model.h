/*
 * The model's internal side: the arena every model allocates from, and the
 * helpers the parser, the inspector and the differ build models with.
 */
#ifndef STRATA_SCHEMA_MODEL_H
#define STRATA_SCHEMA_MODEL_H

#include <stddef.h>
#include <strata/schema.h>

/* A new empty model with its arena.  STRATA_OK or STRATA_ENOMEM. */
int strata__schema_new(strata_schema **out, const char *file);

/* Zeroed memory from the model's arena; NULL (error set) when out of memory. */
void *strata__alloc(strata_schema *s, size_t n);
char *strata__sdup(strata_schema *s, const char *str);
char *strata__sndup(strata_schema *s, const char *str, size_t n);
/* printf into the arena. */
char *strata__sprintf(strata_schema *s, const char *fmt, ...) STRATA_PRINTF(2, 3);

/*
 * Append one zeroed element to an arena array of `*n` elements of size
 * `size`, growing it by doubling (capacity is implied by the count).
 * Returns the new element, or NULL (error set).  Element addresses change
 * when the array grows.
 */
void *strata__push(strata_schema *s, void *arrp, int *n, size_t size);

/* Append a string copy to a `const char **` array. */
int strata__push_str(strata_schema *s, const char ***arr, int *n, const char *str);

/* Deep copies of model parts into `s` (strings and arrays re-allocated). */
int strata__copy_column(strata_schema *s, strata_column *dst, const strata_column *src);
int strata__copy_fkey(strata_schema *s, strata_fkey *dst, const strata_fkey *src);
int strata__copy_index(strata_schema *s, strata_index *dst, const strata_index *src);
int strata__copy_table(strata_schema *s, strata_table *dst, const strata_table *src);
int strata__copy_enum(strata_schema *s, strata_enum *dst, const strata_enum *src);

/* Derive s->relations from the foreign keys.  STRATA_OK or STRATA_ENOMEM. */
int strata__schema_relations(strata_schema *s);

/* Default names: <table>_<cols>_<suffix> ("idx", "key", "fkey", "pkey"). */
char *strata__default_name(strata_schema *s, const char *table, const char *const *cols, int n, const char *suffix);

/* The default name of the i-th table check: <table>_check, <table>_check1, ... */
char *strata__check_name(strata_schema *s, const char *table, int i);

/* Equal coltypes (kinds, sizes, enum names, raw text). */
int strata__coltype_eq(const strata_coltype *a, const strata_coltype *b);
int strata__default_eq(const strata_default *a, const strata_default *b);
/*
 * The same default for a column of type `t`, by value where a database
 * re-prints it: JSON compared as JSON, times as instants, UUIDs
 * case-insensitively, numbers numerically.
 */
bool strata__default_same(const strata_coltype *t, const strata_default *a, const strata_default *b);
/* "string(255)", "decimal(10,2)[]", "status", "sql('x')": written into the arena. */
const char *strata__coltype_str(strata_schema *s, const strata_coltype *t);

/* Functions, triggers (by table, then name), domains, extensions and sequences sorted by name. */
int strata__schema_sort_objects(strata_schema *s);

/* ---- views.c ---- */

/* `sql` mentions `name` as a word (outside strings and comments; unquoted words without regard to case). */
bool strata__sql_mentions(const char *sql, const char *name);
/* When v->depends is empty: the tables and views of `s` its query mentions. */
int strata__view_depends(strata_schema *s, strata_view *v);
/* v reads relation `rel` (column NULL: any part of it; else that column, or the whole relation). */
bool strata__view_reads(const strata_view *v, const char *rel, const char *column);
/* Views in creation order: each after the views it reads, otherwise by name. */
int strata__views_order(strata_schema *s);

/* Levenshtein distance, capped (returns cap+1 when beyond). */
int strata__edit_distance(const char *a, const char *b, int cap);

#endif
