/* Introspection (internal side): the per-dialect readers and their shared helpers. */
#ifndef STRATA_INSPECT_INTERNAL_H
#define STRATA_INSPECT_INTERNAL_H

#include <strata/inspect.h>

#include "schema/model.h"

int strata__inspect_sqlite(strata_db *db, const strata_inspect_options *o, strata_schema *s);
int strata__inspect_postgres(strata_db *db, const strata_inspect_options *o, strata_schema *s);

/* Tables inspection leaves out unless asked (the migration ledgers). */
bool strata__inspect_skip_table(const strata_inspect_options *o, const char *name);

/*
 * The text as written that a "strata:md5=<md5>:<text>" comment keeps, when
 * <md5> is the md5 of what the database prints now; NULL otherwise (no such
 * comment, or the object was changed since Strata made it).
 */
const char *strata__inspect_written(const char *comment, const char *md5);

/* Record an object the language does not model (and log a warning naming it). */
int strata__inspect_unmanaged(strata_schema *s, const char *kind, const char *name, const char *detail);

/* An expression without the one pair of parentheses around all of it, if any (into the arena). */
char *strata__inspect_unparen(strata_schema *s, const char *expr);

/* Extensions, domains, sequences, functions, and what is not modelled, of schema `nsp` (pg_objects.c). */
int strata__inspect_pg_objects(strata_db *db, strata_schema *s, const char *nsp);

/* A text column of the current row, or NULL when it is NULL. */
const char *strata__inspect_text(strata_stmt *st, int col);

/*
 * Classify a default written as SQL (SQLite's dflt_value, or PostgreSQL's
 * pg_get_expr with casts) for column `c`, filling c->dflt.
 */
int strata__inspect_default(strata_schema *s, strata_column *c, const char *sql, strata_backend d);

/* A dialect's names for Strata's types: exact words, and scanf formats for decimal(p,s) and string(n). */
typedef struct strata__type_word {
	const char *word;
	strata_type_kind kind;
} strata__type_word;

typedef struct strata__type_names {
	const strata__type_word *words;
	size_t nwords;
	const char *decimal_fmt[2]; /* "%d,%d" forms; a trailing %c must not match */
	const char *string_fmt;
} strata__type_names;

/* Fill t's kind (and sizes) from a base type name; false when it is not one of Strata's. */
bool strata__inspect_type_name(const strata__type_names *names, const char *base, strata_coltype *t);

/* After reading: default names, implicit referenced columns, relationships. */
int strata__inspect_finish(strata_schema *s);

#endif
