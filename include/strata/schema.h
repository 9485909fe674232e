/*
 * strata/schema.h: the schema language and its model.
 *
 * A schema file is parsed (mixins resolved, references checked) into a
 * strata_schema: a tree of plain structs that callers read directly.  The
 * same model comes out of introspection (strata/inspect.h) and goes into
 * the DDL writer (strata/sql.h) and the differ (strata/diff.h).
 *
 * Ownership: everything reachable from a strata_schema belongs to it and
 * is freed by strata_schema_free().  Treat the structs as read-only; build
 * models only through the functions here.  A model may be read from
 * several threads at once; it is never modified after it is returned.
 */
#ifndef STRATA_SCHEMA_H
#define STRATA_SCHEMA_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kind of a column's type.  Only ever appended to. */
typedef enum strata_type_kind {
	STRATA_T_INT = 1,	 /* int: 32-bit integer */
	STRATA_T_BIGINT = 2,	 /* bigint: 64-bit integer */
	STRATA_T_SERIAL = 3,	 /* serial: generated integer key (identity / AUTOINCREMENT) */
	STRATA_T_BOOL = 4,	 /* bool */
	STRATA_T_FLOAT = 5,	 /* float: double precision */
	STRATA_T_DECIMAL = 6,	 /* decimal(p,s): exact number */
	STRATA_T_STRING = 7,	 /* string(n): text of at most n characters */
	STRATA_T_TEXT = 8,	 /* text: unbounded text */
	STRATA_T_BYTES = 9,	 /* bytes: binary */
	STRATA_T_TIMESTAMP = 10, /* timestamp: instant, time-zone aware, UTC */
	STRATA_T_DATE = 11,	 /* date: calendar date */
	STRATA_T_UUID = 12,	 /* uuid */
	STRATA_T_JSON = 13,	 /* json */
	STRATA_T_ENUM = 14,	 /* a declared enum; see enum_name */
	STRATA_T_RAW = 15	 /* a type Strata has no word for, kept as SQL: sql("...") */
} strata_type_kind;

/* A column type.  `array` makes it T[]. */
typedef struct strata_coltype {
	strata_type_kind kind;
	int length;	       /* STRATA_T_STRING: n */
	int precision, scale;  /* STRATA_T_DECIMAL: p, s */
	bool array;	       /* T[] */
	const char *enum_name; /* STRATA_T_ENUM: the enum's name */
	const char *raw;       /* STRATA_T_RAW: the SQL type as written */
} strata_coltype;

typedef enum strata_default_kind {
	STRATA_DEFAULT_NONE = 0,
	STRATA_DEFAULT_NULL = 1,    /* default null */
	STRATA_DEFAULT_INT = 2,	    /* default 42 (text holds the digits) */
	STRATA_DEFAULT_NUMBER = 3,  /* default 1.5 (text holds it as written) */
	STRATA_DEFAULT_STRING = 4,  /* default 'abc' (text holds the value, unquoted) */
	STRATA_DEFAULT_BOOL = 5,    /* default true / false (text is "true" or "false") */
	STRATA_DEFAULT_NOW = 6,	    /* default now: the current time or date */
	STRATA_DEFAULT_UUID_V4 = 7, /* default uuid_v4 */
	STRATA_DEFAULT_UUID_V7 = 8, /* default uuid_v7 (also written `default uuid`) */
	STRATA_DEFAULT_ENUM = 9,    /* default pending: an enum value (text) */
	STRATA_DEFAULT_RAW = 10,    /* default sql("..."): an SQL expression (text) */
	STRATA_DEFAULT_ACTOR = 11   /* default actor: the connection's actor (strata_db_set_actor) */
} strata_default_kind;

typedef struct strata_default {
	strata_default_kind kind;
	const char *text; /* see the kinds; NULL for NONE, NULL, NOW, UUID_*, ACTOR */
} strata_default;

typedef enum strata_fk_action {
	STRATA_FK_NO_ACTION = 0, /* the default */
	STRATA_FK_CASCADE = 1,
	STRATA_FK_SET_NULL = 2,
	STRATA_FK_RESTRICT = 3,
	STRATA_FK_SET_DEFAULT = 4
} strata_fk_action;

/* Where something was declared in a schema file; 0 when it came from a database. */
typedef struct strata_srcpos {
	int line, column;
} strata_srcpos;

/* How an identity column generates values (PostgreSQL GENERATED ... AS IDENTITY). */
typedef enum strata_identity {
	STRATA_IDENTITY_NONE = 0,
	STRATA_IDENTITY_BY_DEFAULT = 1, /* `identity`: generated unless a value is given */
	STRATA_IDENTITY_ALWAYS = 2	/* `identity always`: a given value is refused */
} strata_identity;

typedef struct strata_column {
	const char *name;
	strata_coltype type;
	bool not_null;
	bool primary_key; /* this column alone is the primary key */
	bool unique;	  /* a single-column unique constraint */
	bool auto_update; /* set to now on every UPDATE (an updated_at trigger) */
	bool owner;	  /* the row's owner: generated code scopes queries by it */
	strata_default dflt;
	const char *check;	   /* a column CHECK as SQL, or NULL */
	const char *renamed_from;  /* rename hint, or NULL */
	const char *mixin;	   /* the mixin the table uses that brought it (nested mixins included), or NULL */
	strata_srcpos pos;	   /* the name */
	strata_srcpos type_pos;	   /* the type */
	strata_srcpos default_pos; /* the default's value */
	/* Appended fields (older code may leave them zero). */
	const char *generated;	  /* GENERATED ALWAYS AS (generated): the SQL expression, or NULL */
	bool generated_virtual;	  /* SQLite: VIRTUAL rather than STORED (PostgreSQL stores them) */
	strata_identity identity; /* an identity column (PostgreSQL; `serial` is its own type) */
	const char *collation;	  /* COLLATE, or NULL for the type's default */
	const char *comment;	  /* COMMENT ON COLUMN (PostgreSQL), or NULL */
} strata_column;

/* NULLS FIRST / LAST of an index key. */
typedef enum strata_nulls_order {
	STRATA_NULLS_DEFAULT = 0,
	STRATA_NULLS_FIRST = 1,
	STRATA_NULLS_LAST = 2
} strata_nulls_order;

/* What an index key says beyond its column: all zero for a plain ascending column. */
typedef struct strata_index_key {
	bool expr;	       /* columns[i] is an SQL expression, not a column name */
	const char *opclass;   /* an operator class (PostgreSQL: gin_trgm_ops), or NULL for the default */
	const char *collation; /* COLLATE, or NULL */
	bool desc;
	strata_nulls_order nulls;
} strata_index_key;

typedef struct strata_index {
	const char *name;     /* always set: written, or generated as <table>_<cols>_idx / _key */
	const char **columns; /* the keys: column names, or SQL expressions (keys[i].expr) */
	int ncolumns;
	bool unique;
	const char *where; /* partial index predicate as SQL, or NULL */
	bool named;	   /* the name was written in the schema */
	strata_srcpos pos;
	const strata_srcpos *column_pos; /* where each column was written, or NULL */
	/* Appended fields (older code may leave them zero). */
	const strata_index_key *keys; /* ncolumns entries, or NULL when every key is a plain ascending column */
	const char *method;	      /* `using gin`: gin, gist, brin, hash, spgist (PostgreSQL); NULL for btree */
	const char **include;	      /* INCLUDE (...) columns (PostgreSQL), or NULL */
	int ninclude;
} strata_index;

typedef struct strata_fkey {
	const char *name; /* constraint name: <table>_<cols>_fkey unless written */
	const char **columns;
	int ncolumns;
	const char *ref_table;
	const char **ref_columns;
	int nref_columns;
	strata_fk_action on_delete, on_update;
	const char *as;	     /* relationship name from this table (task.user), or NULL */
	const char *backref; /* relationship name from the referenced table (user.tasks), or NULL */
	strata_srcpos pos;
	strata_srcpos ref_pos; /* the referenced table's name */
} strata_fkey;

/* A table-level unique constraint (several columns). */
typedef struct strata_unique {
	const char *name;
	const char **columns;
	int ncolumns;
	strata_srcpos pos;
	const strata_srcpos *column_pos; /* where each column was written, or NULL */
} strata_unique;

/* A table-level CHECK. */
typedef struct strata_check {
	const char *name; /* written, or <table>_check, <table>_check1, ... */
	const char *expr; /* SQL */
	strata_srcpos pos;
} strata_check;

typedef struct strata_table {
	const char *name;
	const char *renamed_from; /* rename hint, or NULL */
	strata_column *columns;
	int ncolumns;
	const char **pkey; /* primary key columns in order (also for a single-column key) */
	int npkey;
	strata_index *indexes;
	int nindexes;
	strata_fkey *fkeys;
	int nfkeys;
	strata_unique *uniques;
	int nuniques;
	strata_check *checks;
	int nchecks;
	const char **mixins; /* mixins applied, in order */
	int nmixins;
	const char *owner; /* the owner column's name, or NULL */
	strata_srcpos pos;
	strata_srcpos pkey_pos; /* a table-level `primary key` */
	const char **unscoped;	/* `unscoped NAME`: owner-free read variants the code generator writes */
	int nunscoped;
	/* Appended fields (older code may leave them zero). */
	const char *comment;	     /* COMMENT ON TABLE (PostgreSQL), or NULL */
	const char *partition_by;    /* a partitioned table: "range (logdate)" as SQL, or NULL */
	const char *partition_of;    /* a partition: its parent table, or NULL (its columns are the parent's) */
	const char *partition_bound; /* a partition's bound: "for values from (...) to (...)" or "default" */
	bool without_rowid;	     /* SQLite WITHOUT ROWID */
	bool strict;		     /* SQLite STRICT */
} strata_table;

typedef struct strata_enum {
	const char *name;
	const char **values;
	int nvalues;
	strata_srcpos pos;
	/* Appended fields (older code may leave them zero). */
	const char **renamed_from; /* nvalues entries (each NULL or the value's old name), or NULL */
} strata_enum;

/*
 * A view, or a materialized view with its indexes.  PostgreSQL keeps a
 * materialized view natively (REFRESH MATERIALIZED VIEW, CONCURRENTLY when
 * a unique index allows it); SQLite keeps a table of that name filled from
 * a view named <name>__strata_query, which a refresh copies in one
 * transaction (strata_sql_refresh() in strata/sql.h).
 */
typedef struct strata_view {
	const char *name;
	const char *sql; /* the query, as written (SELECT ...) */
	bool materialized;
	strata_index *indexes; /* a materialized view's indexes */
	int nindexes;
	const char **depends; /* the tables and views it reads, "t" or "t.column" (views are created after
				 them); from a file, the names its query mentions */
	int ndepends;
	strata_srcpos pos;
	/* Appended fields (older code may leave them zero). */
	strata_column *columns; /* the columns declared in the view's block (name, type, not null), for
				   `strata gen c`'s typed reads; NULL when none are declared */
	int ncolumns;
} strata_view;

/*
 * A function or procedure (PostgreSQL) kept as its whole CREATE statement,
 * compared by that text.  `name` is the function's name, followed by its
 * argument types when the name is overloaded ("f(integer, text)").
 */
typedef struct strata_function {
	const char *name;
	const char *sql; /* CREATE OR REPLACE FUNCTION|PROCEDURE ... */
	strata_srcpos pos;
} strata_function;

/* A trigger other than Strata's auto_update ones, kept as its CREATE TRIGGER statement. */
typedef struct strata_trigger {
	const char *name;
	const char *table; /* the table or view it is on */
	const char *sql;   /* CREATE TRIGGER ... */
	strata_srcpos pos;
} strata_trigger;

/* A domain (PostgreSQL): a type with constraints. */
typedef struct strata_domain {
	const char *name;
	const char *type; /* the base type as SQL ("integer", "varchar(20)") */
	bool not_null;
	const char *dflt;      /* DEFAULT as SQL, or NULL */
	const char *collation; /* COLLATE, or NULL */
	strata_check *checks;  /* CHECK constraints: VALUE is the value */
	int nchecks;
	strata_srcpos pos;
} strata_domain;

/* An extension (PostgreSQL): CREATE EXTENSION. */
typedef struct strata_extension {
	const char *name;
	const char *schema; /* WITH SCHEMA, or NULL for the default */
	strata_srcpos pos;
} strata_extension;

/* A sequence (PostgreSQL) that is not an identity column's: used by nextval() defaults. */
typedef struct strata_sequence {
	const char *name;
	const char *type;				   /* "smallint", "integer" or "bigint" (NULL: bigint) */
	const char *start, *increment, *min, *max, *cache; /* as written; NULL for the default */
	bool cycle;
	const char *owned_by; /* "table.column" whose drop drops it, or NULL */
	strata_srcpos pos;
} strata_sequence;

/*
 * Something a database holds that the language does not model.  Inspection
 * lists it and logs a warning naming it; the differ never drops, alters or
 * creates it, and tools say it is there rather than claim a match.
 */
typedef struct strata_unmanaged {
	const char *kind;   /* "aggregate", "policy", "rule", ... */
	const char *name;   /* the object, qualified where that helps ("table.policy") */
	const char *detail; /* why it is not modelled, or NULL */
	/* Appended fields (older code may leave them zero). */
	const char **depends; /* the modelled tables it needs (PostgreSQL: an INHERITS child's parents and the
				 tables its foreign keys reference): the differ refuses to drop them */
	int ndepends;
} strata_unmanaged;

typedef enum strata_rel_kind {
	STRATA_REL_MANY_TO_ONE = 1, /* a foreign key seen from the referencing table */
	STRATA_REL_ONE_TO_MANY = 2, /* the same key seen from the referenced table */
	STRATA_REL_MANY_TO_MANY = 3 /* two keys of a junction table */
} strata_rel_kind;

/*
 * A relationship derived from the foreign keys, named for the code
 * generator.  Self-references and cycles between tables are ordinary
 * relationships.
 */
typedef struct strata_relation {
	const char *name; /* unique among `table`'s relationships */
	strata_rel_kind kind;
	const char *table;	 /* the table it belongs to */
	const char *target;	 /* the table at the other end */
	const char *through;	 /* MANY_TO_MANY: the junction table; else NULL */
	const strata_fkey *fkey; /* the key (for MANY_TO_MANY: the one to `target`) */
} strata_relation;

typedef struct strata_mixin {
	const char *name;
	strata_column *columns;
	int ncolumns;
	strata_fkey *fkeys; /* keys of its `ref` columns, copied into each table */
	int nfkeys;
	const char **uses; /* mixins this one uses */
	int nuses;
	bool builtin; /* timestamps, soft_delete, audit */
	strata_srcpos pos;
} strata_mixin;

typedef struct strata__arena strata__arena;

/* A whole schema.  Allocated by the library; free with strata_schema_free(). */
typedef struct strata_schema {
	const char *file;     /* the file name used in errors, or "" */
	strata_table *tables; /* in the order written */
	int ntables;
	strata_enum *enums;
	int nenums;
	strata_mixin *mixins; /* the user's mixins (built-ins are not listed) */
	int nmixins;
	const char **default_mixins; /* file-level `use`: applied to every table */
	int ndefault_mixins;
	strata_relation *relations;
	int nrelations;
	strata__arena *arena_; /* private */
	/* Appended fields (older code may leave them zero). */
	strata_view *views; /* in creation order: a view comes after what it reads */
	int nviews;
	strata_function *functions;
	int nfunctions;
	strata_trigger *triggers;
	int ntriggers;
	strata_domain *domains;
	int ndomains;
	strata_extension *extensions;
	int nextensions;
	strata_sequence *sequences;
	int nsequences;
	strata_unmanaged *unmanaged; /* from a database: objects kept as they are (see strata_unmanaged) */
	int nunmanaged;
} strata_schema;

/*
 * Parse schema text.  `file` names it in errors ("schema.strata:14:9: ...";
 * NULL: "<schema>").  On success *out is a new model (strata_schema_free).
 * Returns STRATA_OK, STRATA_EPARSE (the error's file, line and column are
 * set, the message says what is wrong and, for a misspelling, what was
 * probably meant), STRATA_ENOMEM.  Any bytes are safe to pass.
 */
STRATA_API int strata_schema_parse(strata_schema **out, const char *text, size_t len, const char *file);

/* Read and parse a file.  Also STRATA_ENOTFOUND and STRATA_EIO. */
STRATA_API int strata_schema_load(strata_schema **out, const char *path);

/* Free a model.  Accepts NULL. */
STRATA_API void strata_schema_free(strata_schema *s);

/* Lookups by name (exact match); NULL when absent.  Pointers live as long as the model. */
STRATA_API const strata_table *strata_schema_table(const strata_schema *s, const char *name);
STRATA_API const strata_enum *strata_schema_enum(const strata_schema *s, const char *name);
STRATA_API const strata_view *strata_schema_view(const strata_schema *s, const char *name);
STRATA_API const strata_column *strata_table_column(const strata_table *t, const char *name);
STRATA_API const strata_index *strata_table_index(const strata_table *t, const char *name);
/* True when `col` is a primary key column of `t`. */
STRATA_API bool strata_table_in_pkey(const strata_table *t, const char *col);
/* The foreign key whose only column is `col` (a `ref` column), or NULL. */
STRATA_API const strata_fkey *strata_table_fkey(const strata_table *t, const char *col);

/*
 * The relationships of one table: *out points into the model, *n is their
 * number.  Returns STRATA_OK or STRATA_ENOTFOUND.
 */
STRATA_API int strata_schema_relations(const strata_schema *s, const char *table, const strata_relation **out, int *n);

/* The name of a type kind ("string", "decimal", ...); never NULL. */
STRATA_API const char *strata_type_kind_name(strata_type_kind k);

/* Flags for strata_schema_print(). */
#define STRATA_PRINT_FLAT 1u /* write mixin columns out instead of `use` lines */
/*
 * Only what a database stores: flat, without owner, as, backref,
 * renamed_from and views' declared columns, tables and enums sorted by name (a database has no order).
 * Two models print the same this way exactly when a database holds them alike.
 */
#define STRATA_PRINT_DB 3u

/*
 * Write a model in the schema language.  *out is a new string (free()).
 * Parsing the result gives an equal model.  Indexes are written sorted by
 * name and single-column keys inline, so two equal models print the same.
 * Returns STRATA_OK or STRATA_ENOMEM.
 */
STRATA_API int strata_schema_print(const strata_schema *s, unsigned flags, char **out);

#ifdef __cplusplus
}
#endif
#endif
