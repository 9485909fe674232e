/*
 * strata/inspect.h: read a live database into a schema model.
 *
 * SQLite is read through sqlite_schema and the table_xinfo, index_list,
 * index_info and foreign_key_list pragmas; PostgreSQL through pg_catalog.
 * What Strata wrote itself comes back exactly (types, CHECKs and partial
 * index predicates as written, defaults, auto_update triggers).  What it
 * has no word for is kept as SQL: sql('...') types and defaults, CHECKs and
 * predicates as the database prints them.  Code-level annotations (owner,
 * relationship names, rename hints, user mixins) are not stored in a
 * database and do not come back; compare models with STRATA_PRINT_DB.
 * Columns that are exactly those of the built-in timestamps or soft_delete
 * mixins are marked as coming from them (column.mixin, table.mixins).
 */
#ifndef STRATA_INSPECT_H
#define STRATA_INSPECT_H

#include "common.h"
#include "db.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_INSPECT_OPTIONS_VERSION 1

typedef struct strata_inspect_options {
	unsigned int version;  /* STRATA_INSPECT_OPTIONS_VERSION */
	const char *pg_schema; /* PostgreSQL schema to read: "public" */
	bool include_ledger;   /* also strata_migrations, strata_migrations_lock, schema_migrations */
} strata_inspect_options;

#define STRATA_INSPECT_OPTIONS_INIT                         \
	{                                                   \
		STRATA_INSPECT_OPTIONS_VERSION, NULL, false \
	}

/*
 * Read the database behind `db` into a new model (*out, freed with
 * strata_schema_free).  `opts` may be NULL.  Returns STRATA_OK or the
 * failure of a catalog query (STRATA_ESQL, STRATA_ECONNECT, ...),
 * STRATA_ENOMEM.  Runs only SELECTs; the connection belongs to the
 * caller's thread.
 */
STRATA_API int strata_inspect(strata_db *db, const strata_inspect_options *opts, strata_schema **out);

#ifdef __cplusplus
}
#endif
#endif
