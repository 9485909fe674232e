/*
 * Loading optional shared libraries on first use.  One process-wide mutex
 * serialises first loads; afterwards the outcome is read without locking.
 * A library that loaded stays loaded for the life of the process.
 *
 * Compiled with STRATA_DL_HANDOFF (into the statically linked command
 * only, which has no dynamic loader to ask) the first load instead hands
 * the whole command to its dynamically linked twin, strata-dynamic: it
 * runs the command again from the start, with the arguments and the
 * environment this process started with, and loads the library itself.
 */
#include "core/dl.h"

#ifdef STRATA_DL_HANDOFF
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "core/text.h"
#else
#include <dlfcn.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

#ifdef STRATA_DL_HANDOFF
/* The NUL-separated strings of `buf` as a NULL-terminated vector (pointing into buf), or NULL. */
static char **split_nul(char *buf, size_t len)
{
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		count += buf[i] == '\0';
	if (len && buf[len - 1] != '\0')
		count++;
	char **v = calloc(count + 1, sizeof *v);
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		v[k++] = buf + i;
	return v;
}

static int load(const strata__dl_lib *lib, strata__dl_state *st)
{
	const char *why = "cannot read /proc/self";
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	size_t alen = 0, elen = 0;
	char *args = NULL, *envs = NULL;
	if (strata__read_bytes("/proc/self/cmdline", &args, &alen) != STRATA_OK)
		args = NULL;
	if (strata__read_bytes("/proc/self/environ", &envs, &elen) != STRATA_OK)
		envs = NULL;
	char **argv = args ? split_nul(args, alen) : NULL;
	char **envp = envs ? split_nul(envs, elen) : NULL;
	char twin[PATH_MAX + 64] = "strata-dynamic";
	if (n > 0 && argv && argv[0] && envp) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		/* beside the command in a build tree, else where `cmake --install` puts it */
		static const char *const places[] = { "%s/strata-dynamic", "%s/../libexec/strata/strata-dynamic" };
		for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
			snprintf(twin, sizeof twin, places[i], exe);
			execve(twin, argv, envp);
			why = strerror(errno);
			if (errno != ENOENT)
				break;
		}
	}
	free(argv);
	free(envp);
	free(args);
	free(envs);
	snprintf(st->error, sizeof st->error,
		 "%s needs %s, and this strata is the statically linked command, which runs such work through "
		 "strata-dynamic; %s could not be run (%s): reinstall strata",
		 lib->what, lib->soname, twin, why);
	return STRATA_EUNSUPPORTED;
}
#else
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
#endif

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
