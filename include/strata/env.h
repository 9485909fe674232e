/*
 * strata/env.h: database URLs and the environment: which URL to use,
 * redacting it for display, and .env files.  strata/db.h includes it.
 */
#ifndef STRATA_ENV_H
#define STRATA_ENV_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Copy `url` (or any text that may hold one, such as a connection string)
 * into a new string with every password replaced by "***": the userinfo's,
 * and password parameters in every spelling libpq accepts
 * (`?pass%77ord=`, `password = 'x'` in a key=value string, sslpassword).
 * Caller frees with free().  Returns NULL only when out of memory.
 */
STRATA_API char *strata_url_redact(const char *url);

/*
 * The database URL to use: `explicit_url` when not NULL, else
 * $DATABASE_URL, else DATABASE_URL from `.env` in the working directory.
 * Returns a new string (free()) or NULL with STRATA_ENOTFOUND set.
 */
STRATA_API char *strata_url_resolve(const char *explicit_url);

/*
 * Load KEY=VALUE lines from a .env file into the environment, never
 * overriding a variable that is already set.  Understands comments (#),
 * blank lines, `export KEY=...`, single quotes (literal), double quotes
 * (with \n \t \" \\ escapes) and trailing comments after unquoted values.
 * `loaded` (may be NULL) receives how many variables were set.  Returns
 * STRATA_OK, STRATA_ENOTFOUND (no such file), STRATA_EPARSE (file:line:col
 * in the error), STRATA_EIO, STRATA_ENOMEM.  Not thread-safe (setenv).
 */
STRATA_API int strata_env_load(const char *path, int *loaded);

#ifdef __cplusplus
}
#endif
#endif
