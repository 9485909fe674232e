/*
 * Finding dbmate for the side-by-side benchmarks: its native Go binary,
 * never the node script npm puts in node_modules/.bin (node's start-up,
 * 100-300 ms here, would count as dbmate's and flatter every ratio).
 * Included by bench/startup.c and bench/migrate.c.
 */
#ifndef STRATA_BENCH_DBMATE_H
#define STRATA_BENCH_DBMATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool dbmate_executable(const char *path)
{
	return path && access(path, X_OK) == 0;
}

/* npm's platform package for this machine: node_modules/@dbmate/linux-ARCH/bin/dbmate under `root`. */
static bool dbmate_native_under(const char *root, char *out, size_t cap)
{
	const char *arch = "x64";
#if defined(__aarch64__)
	arch = "arm64";
#endif
	int n = snprintf(out, cap, "%s/node_modules/@dbmate/linux-%s/bin/dbmate", root, arch);
	return n > 0 && (size_t)n < cap && dbmate_executable(out);
}

/*
 * `path` itself, or when it is npm's node script (.../node_modules/.bin/
 * dbmate, a link to the package's JavaScript), the native binary that
 * script runs; false when neither is executable.
 */
static bool dbmate_resolve(const char *path, char *out, size_t cap)
{
	char real[PATH_MAX], head[64] = "";
	FILE *f = dbmate_executable(path) ? fopen(path, "r") : NULL;
	if (!f)
		return false;
	size_t n = fread(head, 1, sizeof head - 1, f);
	fclose(f);
	head[n] = '\0';
	if (strncmp(head, "#!", 2) != 0 || !strstr(head, "node")) {
		int k = snprintf(out, cap, "%s", path);
		return k > 0 && (size_t)k < cap;
	}
	/* .../node_modules/dbmate/dist/cli.js (or the .bin link to it): the root is above node_modules */
	if (!realpath(path, real))
		return false;
	char *nm = strstr(real, "/node_modules/");
	if (!nm)
		return false;
	*nm = '\0';
	return dbmate_native_under(real, out, cap);
}

/* dbmate's native binary: `given`, $DBMATE, `build`/node_modules, then PATH; NULL when none. */
static const char *dbmate_find(const char *given, const char *build)
{
	static char path[PATH_MAX];
	const char *env = getenv("DBMATE");
	if (given || (env && *env))
		return dbmate_resolve(given ? given : env, path, sizeof path) ? path : NULL;
	if (dbmate_native_under(build, path, sizeof path))
		return path;
	const char *p = getenv("PATH");
	while (p && *p) {
		size_t n = strcspn(p, ":");
		char cand[PATH_MAX];
		int k = snprintf(cand, sizeof cand, "%.*s/dbmate", (int)n, p);
		if (n && k > 0 && (size_t)k < sizeof cand && dbmate_resolve(cand, path, sizeof path))
			return path;
		p += n + (p[n] == ':');
	}
	return NULL;
}

#endif
