/*
 * libpg_query (PostgreSQL's own parser), loaded the first time a
 * PostgreSQL migration is linted (src/core/dl.h).  pg.c includes this
 * instead of <pg_query.h> and calls the two functions by their usual names.
 */
#ifndef STRATA_LINT_PGQUERY_H
#define STRATA_LINT_PGQUERY_H

#include <pg_query.h>

typedef struct strata__pg_query_api {
	__typeof__(pg_query_parse) *pg_query_parse;
	__typeof__(pg_query_free_parse_result) *pg_query_free_parse_result;
} strata__pg_query_api;

extern strata__pg_query_api strata__pg_query;

/*
 * Make the parser callable.  Returns STRATA_OK, or STRATA_EUNSUPPORTED when
 * libpg_query is not installed (the message names the Debian package).
 * Thread-safe; cheap after the first call.
 */
int strata__pg_query_load(void);

#ifndef STRATA__PG_QUERY_NO_REDIRECT
#define pg_query_parse		   strata__pg_query.pg_query_parse
#define pg_query_free_parse_result strata__pg_query.pg_query_free_parse_result
#endif

#endif
