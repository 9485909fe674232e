/*
 * Loading optional shared libraries on first use.  One process-wide mutex
 * serialises first loads; afterwards the outcome is read without locking.
 * A library that loaded stays loaded for the life of the process.
 */
#include "core/dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* The environment variable that names another file for `soname`: STRATA_LIBPQ, ... */
static const char * override(const strata__dl_lib *lib)
{
	char var[64] = "STRATA_";
	size_t o = strlen(var);
	for (const char *p = lib->soname; *p && *p != '.' && o < sizeof var - 1; p++)
		var[o++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	var[o] = '\0';
	const char *v = getenv(var);
	return v && *v ? v : NULL;
}

static int load(const strata__dl_lib *lib, strata__dl_state *st)
{
	const char *file = override(lib);
	if (!file)
		file = lib->soname;
	void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		snprintf(st->error, sizeof st->error,
			 "%s needs %s, which could not be loaded (install the Debian package %s): %s", lib->what,
			 lib->soname, lib->package, why ? why : "unknown reason");
		return STRATA_EUNSUPPORTED;
	}
	for (size_t i = 0; lib->names[i]; i++) {
		void *sym = dlsym(h, lib->names[i]);
		if (!sym) {
			snprintf(st->error, sizeof st->error,
				 "%s needs %s, but %s has no function %s (install the Debian package %s)", lib->what,
				 lib->soname, file, lib->names[i], lib->package);
			dlclose(h);
			return STRATA_EUNSUPPORTED;
		}
		/* POSIX guarantees a data pointer from dlsym converts to a function pointer */
		memcpy(&lib->fns[i], &sym, sizeof sym);
	}
	return STRATA_OK;
}

int strata__dl_load(const strata__dl_lib *lib, strata__dl_state *st)
{
	if (!atomic_load_explicit(&st->tried, memory_order_acquire)) {
		pthread_mutex_lock(&load_lock);
		if (!atomic_load_explicit(&st->tried, memory_order_relaxed)) {
			st->status = load(lib, st);
			atomic_store_explicit(&st->tried, 1, memory_order_release);
		}
		pthread_mutex_unlock(&load_lock);
	}
	if (st->status != STRATA_OK)
		return strata__error_set(st->status, "%s", st->error);
	return STRATA_OK;
}
