/*
 * Optional shared libraries, loaded on first use (dlopen) so a run that does
 * not need them does not map them: libpq for PostgreSQL URLs
 * (src/driver/pq.h), libpg_query for linting PostgreSQL migrations
 * (src/lint/pgparse.c).  Built with -DSTRATA_DLOPEN=OFF the libraries are
 * linked as usual and nothing is loaded at run time.
 */
#ifndef STRATA_CORE_DL_H
#define STRATA_CORE_DL_H

#include <stddef.h>

/* One library: what it is for, where to find it, the functions wanted. */
typedef struct strata__dl_lib {
	const char *what;	  /* "PostgreSQL support", in the error message */
	const char *soname;	  /* "libpq.so.5", as the build found it */
	const char *package;	  /* the Debian package that installs it: "libpq5" */
	const char *const *names; /* function names, NULL-terminated */
	void (**fns)(void);	  /* receives each function's address, in the order of `names` */
} strata__dl_lib;

/* Where a library's outcome is kept: a static zero-initialised object per library. */
typedef struct strata__dl_state {
	_Atomic int tried; /* 0 until the first load finished */
	int status;	   /* STRATA_OK or STRATA_EUNSUPPORTED */
	char error[400];   /* the message of a failed load */
} strata__dl_state;

/*
 * Load `lib` once per process and resolve every name into lib->fns.
 * Returns STRATA_OK, or STRATA_EUNSUPPORTED with a message naming what
 * needs the library, the Debian package that installs it and the loader's
 * reason.  Later calls return the first outcome (setting the same message
 * on the calling thread).  Thread-safe; the first call may block others
 * for the time of one dlopen.
 */

int strata__dl_load(const strata__dl_lib *lib, strata__dl_state *st);

#endif
