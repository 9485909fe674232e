/*
 * The schema parser's internal side, shared by parse.c and resolve.c.
 *
 * The parser leaves a few things for the resolver to finish:
 *   - a column with name NULL and `mixin` set is a `use` line (expanded in place);
 *   - a column whose type kind is 0 is a `ref` column (typed from its key's target);
 *   - a foreign key with no ref_columns references the target's primary key;
 *   - an enum-kind type may name an unknown type (checked, with a suggestion);
 *   - table->mixins holds "-name" entries for `skip name`;
 *   - a STRATA_DEFAULT_ENUM default may be an identifier that is not a value.
 */
#ifndef STRATA_SCHEMA_PARSE_H
#define STRATA_SCHEMA_PARSE_H

#include "schema/model.h"

/* Where each file-level `use` name was written (same order as default_mixins). */
typedef struct strata__parse_extra {
	strata_srcpos *default_pos;
	int ndefault_pos;
} strata__parse_extra;

/* Parse `text` into `s` (appending).  Builtin: mixins are marked builtin. */
int strata__schema_parse_into(strata_schema *s, const char *text, size_t len, const char *file, bool builtin,
			      strata__parse_extra *extra);

/* Expand mixins, resolve types and references, validate, derive relations. */
int strata__schema_resolve(strata_schema *s, const strata__parse_extra *extra);

/* The i-th built-in type word ("int", "string", ...), or NULL past the last. */
const char *strata__type_word(int i);

/* True for words that must be quoted when used as names. */
bool strata__schema_reserved(const char *name);

#endif
