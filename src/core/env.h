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

#endif
