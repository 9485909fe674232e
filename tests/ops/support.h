/*
 * Helpers of the ops tests (stats, optimize, backup, restore, branch and
 * their failure paths).
 */
#ifndef STRATA_TEST_OPS_SUPPORT_H
#define STRATA_TEST_OPS_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <strata/backup.h>
#include <strata/health.h>

#include "testdb.h"

#define HAS(out, s)   cr_assert(strstr((out), (s)) != NULL, "want \"%s\" in:\n%s", (s), (out))
#define HASNT(out, s) cr_assert(strstr((out), (s)) == NULL, "did not want \"%s\" in:\n%s", (s), (out))

/* Run `cd DIR && strata COMMAND --url URL REST` for ARGS "COMMAND REST" (no DATABASE_URL, no colour). */
int ops_cli(char **out, const char *dir, const char *args, const char *url);

bool ops_exists(const char *path);

/* `strata backup FILE` of the database at `url`, run in `dir`; the test fails unless it succeeds. */
void ops_backup_ok(const char *dir, const char *url, const char *file);

/* Tables items (`rows` rows of every kind of value) and tags (every other item), with an index. */
void ops_fill(strata_db *db, int rows);

/* FNV-1a over every cell of items and tags, in key order. */
uint64_t ops_checksum(strata_db *db);

/*
 * A database that does not exist yet: an SQLite file DIR/TAG.db, or a
 * PostgreSQL database (its name in `name`, for ops_pg_drop).  The URL goes
 * into `url`.
 */
void ops_new_target(strata_backend backend, const char *dir, const char *tag, char *url, size_t cap, char *name,
		    size_t ncap);

/* Whether PostgreSQL database `name` exists on the test server. */
bool ops_pg_db_exists(const char *name);

/* Mount a tmpfs with `opts` ("size=256k") on DIR (created); ops_umount takes it away again. */
void ops_mount_tmpfs(const char *dir, const char *opts);
void ops_umount(const char *dir);

/* Count rows of `table` through a new connection to `url`. */
int64_t ops_count(const char *url, const char *table);

#endif
