/*
 * libpg_query's function table: loaded from its shared library on first use
 * (STRATA_DLOPEN, the default), or linked.
 */
#ifdef STRATA_HAVE_PG_QUERY
#define STRATA__PG_QUERY_NO_REDIRECT
#include "lint/pgquery.h"

#include "core/dl.h"
#include "core/error.h"

#ifdef STRATA_DLOPEN

strata__pg_query_api strata__pg_query;

int strata__pg_query_load(void)
{
	static const char *const names[] = { "pg_query_parse", "pg_query_free_parse_result", NULL };
	static strata__dl_state state;
	static const strata__dl_lib lib = { "Linting PostgreSQL migrations", STRATA_PG_QUERY_SONAME,
					    STRATA_PG_QUERY_PACKAGE, names,
					    (void (**)(void))(void *)&strata__pg_query };
	_Static_assert(sizeof strata__pg_query == 2 * sizeof(void (*)(void)), "one pointer per name");
	return strata__dl_load(&lib, &state);
}

#else

strata__pg_query_api strata__pg_query = { pg_query_parse, pg_query_free_parse_result };

int strata__pg_query_load(void)
{
	return STRATA_OK;
}

#endif
#else
/* built without libpg_query's header: PostgreSQL statements are not parsed (pg.c) */
typedef int strata__pg_query_unused;
#endif
