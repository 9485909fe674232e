/* Helpers of the migration tests: a project directory, files in it, the command. */
#ifndef STRATA_TEST_MIGRATE_SUPPORT_H
#define STRATA_TEST_MIGRATE_SUPPORT_H

#include <stdbool.h>

#include "testdb.h"

/* A new temporary project directory with an empty migrations/ in it (free(); test_rmrf). */
char *proj_new(void);
/* Write `text` to dir/rel (creating migrations/ files and the like). */
void proj_put(const char *dir, const char *rel, const char *text);
bool proj_exists(const char *dir, const char *rel);
/* Run `strata migrate ARGS --url URL` in `dir`; output (stdout+stderr) in *out (free()). */
int mig(char **out, const char *dir, const char *url, const char *args);
/* Run `strata ARGS` in `dir` (no --url added). */
int strata_cmd(char **out, const char *dir, const char *args);
/* Rows in strata_migrations (-1 when the table does not exist). */
int64_t ledger_count(strata_db *db);
/* Does table `t` exist (a SELECT on it succeeds)? */
bool table_exists(strata_db *db, const char *t);
int64_t count_rows(strata_db *db, const char *t);

#define ASSERT_HAS(out, needle) cr_assert(strstr((out), (needle)) != NULL, "expected '%s' in:\n%s", (needle), (out))
#define ASSERT_LACKS(out, needle) \
	cr_assert(strstr((out), (needle)) == NULL, "did not expect '%s' in:\n%s", (needle), (out))

#endif
