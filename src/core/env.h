/* .env files (internal side): a pure parser, fuzzed, sets of variables read from files, and lookups. */
#ifndef STRATA_CORE_ENV_H
#define STRATA_CORE_ENV_H

#include <stddef.h>

#include "core/text.h"

/* Called for each KEY=VALUE; return non-zero to stop with that status. */
typedef int (*strata__env_fn)(const char *key, const char *value, void *ud);

/* The value of ${name} while parsing, or NULL when it is undefined (it expands to nothing). */
typedef const char *(*strata__env_lookup_fn)(const char *name, void *ud);

/*
 * Parse .env text (the rules are at the top of env.c and in
 * docs/configuration.md).  `file` names it in errors (file:line:col).
 * ${NAME} and $NAME expand through `lookup` (NULL: every name is undefined);
 * `fn` receives each definition, in order, with `ud` (lookup's too).
 * Returns STRATA_OK, STRATA_EPARSE, STRATA_ENOMEM or what `fn` returned.
 */
int strata__env_parse(const char *text, size_t len, const char *file, strata__env_lookup_fn lookup, strata__env_fn fn,
		      void *ud);

/* Variables read from .env files: one entry per name, the last definition's value. */
typedef struct strata__env_set {
	char **keys, **values;
	size_t n, cap;
} strata__env_set;
#define STRATA__ENV_SET_INIT     \
	{                        \
		NULL, NULL, 0, 0 \
	}

/*
 * Read the .env file at `path` into `set`, a definition replacing an
 * earlier one of the same name (in this file or one read before).  ${NAME}
 * expands to the value NAME will have: the process environment's when set
 * there (it wins), else the set's so far, else nothing.  Returns STRATA_OK,
 * STRATA_ENOTFOUND (no such file), STRATA_EPARSE, STRATA_EIO, STRATA_ENOMEM.
 */
int strata__env_set_read(strata__env_set *set, const char *path);
/* The value of `key` in `set`, or NULL. */
const char *strata__env_set_get(const strata__env_set *set, const char *key);
void strata__env_set_free(strata__env_set *set);

/*
 * The value of `key`: the environment's when set (even empty), else the
 * one in ./.env (unless the application loaded its .env files itself with
 * strata_env_load/strata_env_load_files).  *out is a new string (free()) or
 * NULL when neither has a non-empty value.  Returns STRATA_OK, STRATA_EPARSE
 * (a malformed .env), STRATA_EIO, STRATA_ENOMEM.
 */
int strata__env_value(const char *key, char **out);

#endif
