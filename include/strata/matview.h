/*
 * strata/matview.h: the materialized views of a database, and refreshing
 * them (what `strata refresh` and the generated refresh functions call).
 *
 * A materialized view is declared in the schema language
 * (`materialized view NAME as sql(...) { indexes }`, see
 * docs/schema-language.md).  PostgreSQL keeps it natively; on SQLite it is
 * a table NAME holding the rows and a view NAME__strata_query holding the
 * query.  A refresh runs in one transaction:
 *
 *   PostgreSQL  REFRESH MATERIALIZED VIEW CONCURRENTLY when the view has a
 *               unique index on plain columns without WHERE and is
 *               populated (reads go on meanwhile), plain REFRESH otherwise
 *               (reads of the view wait for it)
 *   SQLite      DELETE FROM NAME; INSERT INTO NAME SELECT * FROM
 *               NAME__strata_query (readers see the old rows until it
 *               commits)
 *
 * and records when it ran and how long it took in the table
 * strata_refreshes (name, refreshed_at, duration_ms, mode, row_count),
 * created on first use, so `strata health` can report views older than a
 * configured age.  A failed refresh changes nothing.
 *
 * Calls use the connection given, which belongs to the calling thread for
 * the duration of the call.
 */
#ifndef STRATA_MATVIEW_H
#define STRATA_MATVIEW_H

#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One materialized view of the database. */
typedef struct strata_matview {
	char *name;
	bool populated;		       /* PostgreSQL: filled (it is not after WITH NO DATA); SQLite: true */
	bool concurrently;	       /* a refresh runs CONCURRENTLY (PostgreSQL; false on SQLite) */
	strata_timestamp refreshed_at; /* the last refresh Strata recorded; 0: none recorded */
	double refresh_ms;	       /* how long that refresh took; -1: none recorded */
	int64_t rows;		       /* rows after that refresh; -1: unknown (PostgreSQL does not say) */
} strata_matview;

/*
 * The materialized views of the connection's schema (PostgreSQL: the
 * current schema), in creation order (a view after those it reads, as
 * migrations create them).  *out is an array of *count entries (NULL when
 * there are none), freed with strata_matview_list_free().  Returns
 * STRATA_OK, a database failure, STRATA_ENOMEM.
 */
STRATA_API int strata_matview_list(strata_db *db, strata_matview **out, size_t *count);

/* Free what strata_matview_list() returned.  Accepts NULL. */
STRATA_API void strata_matview_list_free(strata_matview *views, size_t count);

/* What one refresh did. */
typedef struct strata_matview_refresh_result {
	bool concurrently; /* PostgreSQL ran REFRESH ... CONCURRENTLY */
	double ms;	   /* how long it took, the record included */
	int64_t rows;	   /* SQLite: rows the view holds now; PostgreSQL: -1 */
} strata_matview_refresh_result;

/*
 * Refresh the materialized view `name` (see above) in one transaction, a
 * savepoint when a transaction is already open, retried when SQLite is
 * busy.  `out` may be NULL.  Returns STRATA_OK, STRATA_ENOTFOUND (no
 * materialized view of that name: the message says so), STRATA_EINVAL
 * (NULL argument), or the failure of the refresh (its message names the
 * view), after which the view and its record are as they were.
 */
STRATA_API int strata_matview_refresh(strata_db *db, const char *name, strata_matview_refresh_result *out);

#ifdef __cplusplus
}
#endif
#endif
