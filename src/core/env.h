/* .env files (internal side): a pure parser, fuzzed, and the loader on top. */
#ifndef STRATA_CORE_ENV_H
#define STRATA_CORE_ENV_H

#include <stddef.h>

#include "core/text.h"

/* Called for each KEY=VALUE; return non-zero to stop with that status. */
typedef int (*strata__env_fn)(const char *key, const char *value, void *ud);

/*
 * Parse .env text.  `file` names it in errors (file:line:col).  Returns
 * STRATA_OK, STRATA_EPARSE, STRATA_ENOMEM or what `fn` returned.
 */
int strata__env_parse(const char *text, size_t len, const char *file, strata__env_fn fn, void *ud);

/*
 * The value of `key`: the environment's when set (even empty), else the
 * one in ./.env.  *out is a new string (free()) or NULL when neither has a
 * non-empty value.  Returns STRATA_OK, STRATA_EPARSE (a malformed .env),
 * STRATA_ENOMEM.
 */
int strata__env_value(const char *key, char **out);

#endif
