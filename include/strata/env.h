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
 * $DATABASE_URL, else DATABASE_URL from `.env` in the working directory
 * (not read once the application has loaded its own .env files with
 * strata_env_load or strata_env_load_files: those are in the environment).
 * Returns a new string (free()) or NULL with the error set: STRATA_ENOTFOUND
 * (no URL anywhere: the message names DATABASE_URL), STRATA_EPARSE (a
 * malformed .env), STRATA_EIO.  Thread-safe.
 */
STRATA_API char *strata_url_resolve(const char *explicit_url);

/*
 * Load .env files into the process environment, in order, as dbmate and
 * the common dotenv libraries read them (docs/configuration.md): KEY=VALUE
 * lines, comments (#), `export KEY=...`; single quotes literal; double
 * quotes with \n \t \r \" \\ \$ escapes; ${NAME}, ${NAME:-default} and
 * $NAME expanded in unquoted and double-quoted values (to the value NAME
 * will have: the environment's, else the files' so far, else nothing); a
 * value ends at the end of its line.  Within a file and across the files
 * the last definition of a name wins; a variable already set in the
 * environment is never overridden.  Nothing is set unless every file reads
 * and parses.  `loaded` (may be NULL) receives how many variables were set.
 * Afterwards the library no longer reads ./.env on its own.
 * Returns STRATA_OK, STRATA_ENOTFOUND (no such file: the message names
 * it), STRATA_EPARSE (file:line:col in the error), STRATA_EIO,
 * STRATA_ENOMEM.  Not thread-safe (setenv): call it at the start of the
 * program, before any thread exists, as the strata command does.
 */
STRATA_API int strata_env_load_files(const char *const *paths, size_t n, int *loaded);

/* strata_env_load_files with one file: `path`, or ".env" when NULL. */
STRATA_API int strata_env_load(const char *path, int *loaded);

#ifdef __cplusplus
}
#endif
#endif
