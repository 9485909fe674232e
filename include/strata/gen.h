/*
 * strata/gen.h: the C code generator and the small runtime its output
 * uses (arenas, optional values, arrays, JSON helpers, the start-up schema
 * check).
 *
 * Generated code includes this header and links libstrata; it uses no
 * other Strata internals.
 */
#ifndef STRATA_GEN_H
#define STRATA_GEN_H

#include "db.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the generator ---- */

#define STRATA_GEN_OPTIONS_VERSION 2

typedef struct strata_gen_options {
	unsigned int version;	 /* STRATA_GEN_OPTIONS_VERSION */
	const char *prefix;	 /* prepended to every generated name: "" */
	const char *basename;	 /* the output files' name without extension: "db" */
	const char *schema_file; /* shown in the generated header's comment: the model's file */
	/* version 2 */
	bool nonblocking; /* also T_get_start/_finish and T_list_start/_finish for strata/async.h
			   * connections (`strata gen c --async`): false */
} strata_gen_options;

/* Version 1 (without `nonblocking`) is still accepted. */
#define STRATA_GEN_OPTIONS_INIT                                     \
	{                                                           \
		STRATA_GEN_OPTIONS_VERSION, NULL, NULL, NULL, false \
	}

/*
 * Generate the C data access for `schema`: *header and *source receive new
 * strings (free()), the contents of BASENAME.h and BASENAME.c.  The same
 * schema and options always give the same bytes.  `schema_text` is the
 * schema file's text, embedded for strata_schema_check() at run time.
 * Returns STRATA_OK, STRATA_EINVAL (a name that is not a C identifier, a
 * table without a primary key the generator can address), STRATA_ENOMEM.
 */
STRATA_API int strata_gen_c(const strata_schema *schema, const char *schema_text, const strata_gen_options *opts,
			    char **header, char **source);

/* ---- runtime: arenas ---- */

/*
 * An arena: many allocations freed at once.  Results of generated queries
 * keep their strings and arrays in one; freeing the result frees them all.
 */
typedef struct strata_arena strata_arena;

/* A new empty arena, or NULL when out of memory (error set). */
STRATA_API strata_arena *strata_arena_new(void);
/* `n` bytes aligned for any type; NULL when out of memory (error set). */
STRATA_API void *strata_arena_alloc(strata_arena *a, size_t n);
/* A copy of s[0..len) with a NUL after it; NULL when out of memory. */
STRATA_API char *strata_arena_strndup(strata_arena *a, const char *s, size_t len);
/* Free the arena and everything in it.  Accepts NULL. */
STRATA_API void strata_arena_free(strata_arena *a);

/* ---- runtime: pages ---- */

/*
 * Generated *_list() functions never load a whole table by accident: a
 * query with limit 0 (or no query) gets the first STRATA_PAGE_SIZE rows
 * and a larger limit is cut to STRATA_PAGE_MAX (has_more and the cursor
 * say what follows); every row takes an explicit limit of
 * STRATA_LIMIT_ALL.  Define the first two before including the generated
 * header to change them.
 */
#ifndef STRATA_PAGE_SIZE
#define STRATA_PAGE_SIZE 100
#endif
#ifndef STRATA_PAGE_MAX
#define STRATA_PAGE_MAX 1000
#endif
#define STRATA_LIMIT_ALL (-1)

/* ---- runtime: value shapes used by generated structs ---- */

/* Bytes: a pointer and a length (not NUL-terminated). */
typedef struct strata_bytes {
	const uint8_t *data;
	size_t len;
} strata_bytes;

/* Arrays (T[] columns).  Items are owned by whoever built the array. */
typedef struct strata_text_array {
	const char *const *items;
	size_t n;
} strata_text_array;
typedef struct strata_int_array {
	const int64_t *items;
	size_t n;
} strata_int_array;
typedef struct strata_float_array {
	const double *items;
	size_t n;
} strata_float_array;

/*
 * Optional values: `has` false means "not given" on insert (the column's
 * default applies), "leave as it is" nowhere, and SQL NULL when read back
 * or written to a nullable column.  Pointer-valued fields (strings, JSON)
 * use NULL for the same purpose and need no wrapper.
 */
#define STRATA_OPT_TYPE(name, T) \
	typedef struct name {    \
		bool has;        \
		T v;             \
	} name
STRATA_OPT_TYPE(strata_opt_int32, int32_t);
STRATA_OPT_TYPE(strata_opt_int64, int64_t);
STRATA_OPT_TYPE(strata_opt_double, double);
STRATA_OPT_TYPE(strata_opt_bool, bool);
STRATA_OPT_TYPE(strata_opt_timestamp, strata_timestamp);
STRATA_OPT_TYPE(strata_opt_uuid, strata_uuid);
STRATA_OPT_TYPE(strata_opt_bytes, strata_bytes);
STRATA_OPT_TYPE(strata_opt_text_array, strata_text_array);
STRATA_OPT_TYPE(strata_opt_int_array, strata_int_array);
STRATA_OPT_TYPE(strata_opt_float_array, strata_float_array);

/* Set an optional field: `.priority = STRATA_SOME(2)`. */
#define STRATA_SOME(x)    \
	{                 \
		true, (x) \
	}

/* ---- runtime: arrays as JSON (the portable wire form of T[]) ---- */

/*
 * Encode an array as JSON text into a new string (free()); numbers as the
 * shortest text that reads back the same.  NULL on ENOMEM, and for a NaN
 * or infinite float item (STRATA_EINVAL: JSON has no such numbers).
 */
STRATA_API char *strata_text_array_json(const strata_text_array *a);
STRATA_API char *strata_int_array_json(const strata_int_array *a);
STRATA_API char *strata_float_array_json(const strata_float_array *a);

/*
 * Decode JSON array text into an array whose items live in `arena`.
 * Returns STRATA_OK, STRATA_ETYPE (not an array of that item type),
 * STRATA_ENOMEM.
 */
STRATA_API int strata_text_array_parse(strata_arena *arena, const char *json, strata_text_array *out);
STRATA_API int strata_int_array_parse(strata_arena *arena, const char *json, strata_int_array *out);
STRATA_API int strata_float_array_parse(strata_arena *arena, const char *json, strata_float_array *out);

/*
 * Bind an array parameter in the backend's form: a PostgreSQL array
 * literal ('{"a","b"}', which the server reads as the column's array type)
 * or JSON text on SQLite (where T[] columns hold JSON).  NULL `a` binds
 * NULL.  Returns what strata_bind_text() returns, or STRATA_ENOMEM.
 */
STRATA_API int strata_bind_text_array(strata_db *db, strata_stmt *st, int i, const strata_text_array *a);
STRATA_API int strata_bind_int_array(strata_db *db, strata_stmt *st, int i, const strata_int_array *a);
STRATA_API int strata_bind_float_array(strata_db *db, strata_stmt *st, int i, const strata_float_array *a);

/* ---- runtime: building SQL with a variable number of parts ---- */

/*
 * A growable SQL string.  Appends never fail loudly: after an allocation
 * failure `failed` is set and later appends do nothing, so a caller checks
 * once at the end.  Free `sql` with strata_sql_free().
 */
typedef struct strata_sql_builder {
	char *sql;
	size_t len, cap;
	bool failed;
} strata_sql_builder;

#define STRATA_SQL_BUILDER_INIT   \
	{                         \
		NULL, 0, 0, false \
	}

STRATA_API void strata_sql_add(strata_sql_builder *b, const char *text);
/* Append "?, ?, ..., ?" with `n` placeholders. */
STRATA_API void strata_sql_add_params(strata_sql_builder *b, size_t n);
STRATA_API void strata_sql_free(strata_sql_builder *b);

/* ---- runtime: rows as JSON ---- */

/*
 * A JSON object being built by a generated to_json function.  The
 * functions append one member; they return STRATA_OK or STRATA_ENOMEM.
 * A double is written as the shortest text that reads back as the same
 * double (0.1, not 0.10000000000000001; 1.0 keeps its ".0"); NaN and the
 * infinities, which JSON has no numbers for, are written as null.
 */
typedef struct strata_json_builder strata_json_builder;

STRATA_API strata_json_builder *strata_json_new_object(void);
STRATA_API strata_json_builder *strata_json_new_array(void);
STRATA_API int strata_json_set_null(strata_json_builder *o, const char *key);
STRATA_API int strata_json_set_int(strata_json_builder *o, const char *key, int64_t v);
STRATA_API int strata_json_set_double(strata_json_builder *o, const char *key, double v);
STRATA_API int strata_json_set_bool(strata_json_builder *o, const char *key, bool v);
STRATA_API int strata_json_set_text(strata_json_builder *o, const char *key, const char *v);
STRATA_API int strata_json_set_timestamp(strata_json_builder *o, const char *key, strata_timestamp v);
STRATA_API int strata_json_set_uuid(strata_json_builder *o, const char *key, const strata_uuid *v);
STRATA_API int strata_json_set_bytes(strata_json_builder *o, const char *key, const strata_bytes *v); /* base64 */
/* A JSON document given as text (a json column), parsed and embedded. */
STRATA_API int strata_json_set_raw(strata_json_builder *o, const char *key, const char *json);
STRATA_API int strata_json_set_text_array(strata_json_builder *o, const char *key, const strata_text_array *a);
STRATA_API int strata_json_set_int_array(strata_json_builder *o, const char *key, const strata_int_array *a);
STRATA_API int strata_json_set_float_array(strata_json_builder *o, const char *key, const strata_float_array *a);
/* Move `child` into `o` under `key` (or append to an array when key is NULL); `child` is consumed. */
STRATA_API int strata_json_set_child(strata_json_builder *o, const char *key, strata_json_builder *child);
/* Serialise compactly with keys in insertion order into a new string (free()); consumes `o`. */
STRATA_API int strata_json_finish(strata_json_builder *o, char **out);
STRATA_API void strata_json_free(strata_json_builder *o);

/* ---- runtime: the start-up check ---- */

/*
 * Check that the database has every table and column `schema_text`
 * (schema-language text, as embedded in generated code) declares, and
 * every view that declares columns, with those columns.
 * Returns STRATA_OK, STRATA_ENOTFOUND (the message lists what is missing:
 * "table tasks: missing column due_date; missing table tags"),
 * STRATA_EPARSE (the text does not parse), or a database failure.
 */
STRATA_API int strata_schema_check(strata_db *db, const char *schema_text);

#ifdef __cplusplus
}
#endif
#endif
