/*
 * The generator's view of a schema: for each table its C names, the C
 * shape of each column, its scope (owner) and its relations.  Built once
 * from a strata_schema by strata__gen_model_build(), then read by the
 * emitters in c.c.
 */
#ifndef STRATA_GEN_MODEL_H
#define STRATA_GEN_MODEL_H

#include <strata/gen.h>

typedef enum gkind {
	GK_I32, /* int */
	GK_I64, /* bigint, serial */
	GK_BOOL,
	GK_DOUBLE,
	GK_TEXT, /* string, text, decimal, date, raw: const char * */
	GK_JSON, /* json: const char * (JSON text) */
	GK_BYTES,
	GK_TS,
	GK_UUID,
	GK_ENUM,
	GK_ID, /* a key of another (or the same) table: its id type */
	GK_TEXT_ARR,
	GK_INT_ARR,
	GK_FLOAT_ARR
} gkind;

struct gtable;

typedef struct genum {
	const strata_enum *e;
	char *type;    /* C type name, prefixed */
	char *upper;   /* prefix for constants: STATUS */
	char **consts; /* per value, its constant after the prefix: the value as a C name in upper case
			  ("in progress" -> IN_PROGRESS, so STATUS_IN_PROGRESS) */
} genum;

typedef struct gcol {
	const strata_column *col;
	const char *name; /* the column */
	char *field;	  /* the C field name */
	char *upper;	  /* for the field mask: TASK_TITLE */
	int index;	  /* position in the table's columns */
	gkind kind;
	const genum *en;	  /* GK_ENUM */
	const struct gtable *ref; /* GK_ID: the table whose id type this is */
	gkind id_kind;		  /* GK_ID: GK_I64 or GK_UUID */
	bool pointer;		  /* a const char * field: NULL is absent */
	bool opt;		  /* wrapped in { has, v } */
	bool generated;		  /* serial: the database assigns it */
	bool is_pk;		  /* the single-column primary key */
	bool in_pk;		  /* part of the primary key */
	bool owner;
	bool created_at, updated_at, deleted_at;
	bool filter;   /* an indexed column usable as a list filter */
	bool range;    /* the filter also has _from / _to bounds */
	bool sortable; /* a keyset-paginable order */
} gcol;

typedef struct grel {
	const strata_relation *rel;
	char *field; /* the field in the row struct */
	const struct gtable *target;
	const struct gtable *through; /* MANY_TO_MANY junction */
	const char *near_col;	      /* MANY_TO_ONE: our FK column; ONE_TO_MANY: the target's FK column;
					 MANY_TO_MANY: the junction's column to us */
	const char *far_col;	      /* MANY_TO_MANY: the junction's column to the target */
} grel;

typedef struct gtable {
	const strata_table *t;	 /* for a view: a table made of its declared columns and indexes */
	const strata_view *view; /* a view or materialized view with declared columns: reads only */
	const char *name;
	char *type;	/* C struct type: task */
	const char *fn; /* base of function names: the type, or task_admin for an unscoped variant */
	bool variant;	/* an unscoped variant: only get, list and count are written */
	char *upper;	/* TASK */
	gcol *cols;
	int ncols;
	gcol *pk;      /* the single-column primary key, or NULL */
	gkind pk_kind; /* GK_I64 or GK_UUID when pk */
	char *id_type; /* task_id, when pk */
	gcol *owner;   /* the owner column, or NULL */
	/* scope through a parent: our FK column and the parent table (owned) */
	const gcol *scope_col;
	const struct gtable *scope_parent;
	const struct gtable *owner_table; /* the table owners are rows of, or NULL when unscoped */
	gcol *deleted_at, *updated_at, *created_at;
	grel *rels;
	int nrels;
} gtable;

typedef struct gmodel {
	const strata_schema *s;
	const char *prefix;
	gtable *tables;
	int ntables;
	genum *enums;
	int nenums;
	gtable *views; /* the views that declare their columns, in schema order */
	int nviews;
	strata_table *vtables; /* nviews tables standing for them (columns, indexes, key) */
} gmodel;

int strata__gen_model_build(gmodel *m, const strata_schema *s, const char *prefix);
void strata__gen_model_free(gmodel *m);

/*
 * A database name as a C identifier (malloc'd; NULL on ENOMEM): itself when
 * it is one, else each run of other bytes (a space, a hyphen, UTF-8) as one
 * '_' ("in progress" -> in_progress, "Total Count" -> Total_Count); the
 * caller prefixes one that starts with a digit.
 */
char *strata__gen_c_name(const char *name);

#endif
