/*
 * libpq's function table.  With STRATA_DLOPEN (the default build) it is
 * filled from libpq.so.5 when the first PostgreSQL connection opens;
 * otherwise libpq is linked and the table holds its functions from the
 * start.
 */
#define STRATA__PQ_NO_REDIRECT
#include "driver/pq.h"

#include "core/dl.h"
#include "core/error.h"

#ifdef STRATA_DLOPEN

#define NAME(f) #f,
static const char *const names[] = { STRATA__PQ_FUNCTIONS(NAME) NULL };
#undef NAME

strata__pq_api strata__pq;
/* the loader fills the table as an array of function pointers, in the order of `names` */
_Static_assert(sizeof strata__pq == (sizeof names / sizeof names[0] - 1) * sizeof(void (*)(void)),
	       "strata__pq must hold exactly the functions of STRATA__PQ_FUNCTIONS");

int strata__pq_load(void)
{
	static strata__dl_state state;
	static const strata__dl_lib lib = { "PostgreSQL support", STRATA_LIBPQ_SONAME, STRATA_LIBPQ_PACKAGE, names,
					    (void (**)(void))(void *)&strata__pq };
	return strata__dl_load(&lib, &state);
}

#else

#define ADDRESS(f) f,
strata__pq_api strata__pq = { STRATA__PQ_FUNCTIONS(ADDRESS) };
#undef ADDRESS

int strata__pq_load(void)
{
	return STRATA_OK;
}

#endif
