/*
 * Shared by the files of src/health/: the run a check writes into, and
 * small query helpers.
 */
#ifndef STRATA_HEALTH_INTERNAL_H
#define STRATA_HEALTH_INTERNAL_H

#include <strata/health.h>

#include "core/buf.h"
#include "db/cells.h"

/* A health run in progress.  Checks add figures and findings to `check`. */
typedef struct strata__hrun {
	strata_db *db;
	strata_backend backend;
	strata_health_options o;    /* with every default filled in */
	strata_health_thresholds t; /* o.thresholds, defaults filled in */
	strata_health_check *check; /* the check being run */
	bool oom;		    /* an allocation failed somewhere: the run returns STRATA_ENOMEM */
	bool named_migrations, named_schema, named_required; /* the options named the path: it must exist */
} strata__hrun;

/* Add a figure to the current check. */
void strata__health_figure(strata__hrun *r, const char *name, double value, const char *unit);

/* Add a finding; the check's level rises to it.  `advice` may be NULL. */
void strata__health_find(strata__hrun *r, strata_health_level level, const char *code, const char *subject,
			 const char *advice, const char *fmt, ...) STRATA_PRINTF(6, 7);

/* Set the check's summary line (replacing any). */
void strata__health_summary(strata__hrun *r, const char *fmt, ...) STRATA_PRINTF(2, 3);

/* Mark the check skipped, with why as its summary. */
void strata__health_skip(strata__hrun *r, const char *fmt, ...) STRATA_PRINTF(2, 3);

/*
 * The check's file or directory `path` does not exist: skipped when it is
 * the default, a failure ("missing_path") when the options named it.
 */
void strata__health_missing(strata__hrun *r, bool named, const char *what, const char *path);

/* A query the check needed failed: a failure finding with the last error. */
void strata__health_query_failed(strata__hrun *r, const char *what);

/* The checks. */
void strata__check_connectivity(strata__hrun *r);
void strata__check_replicas(strata__hrun *r);
void strata__check_migrations(strata__hrun *r);
void strata__check_schema(strata__hrun *r);
void strata__check_integrity(strata__hrun *r);
void strata__check_performance(strata__hrun *r);
void strata__check_configuration(strata__hrun *r);
void strata__check_required(strata__hrun *r);
void strata__check_views(strata__hrun *r);
void strata__check_queries(strata__hrun *r);
/* Part of `configuration` on PostgreSQL: transactions open longer than long_transaction_ms. */
void strata__check_long_transactions(strata__hrun *r);

/* Append `name` quoted for `backend` (strata_sql_quote_ident). */
int strata__quote_ident(strata_buf *b, strata_backend backend, const char *name);

/* Milliseconds of CLOCK_MONOTONIC, for durations. */
double strata__health_now_ms(void);

#endif
