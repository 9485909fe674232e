/*
 * libstrata_sqlite: a loadable SQLite extension for the programs that are
 * not Strata (the sqlite3 shell, Python's sqlite3, another application) so
 * they can write to the tables Strata makes.  Those tables call three SQL
 * functions that Strata's own connections define:
 *
 *   strata_uuid_v7()        the default of a `default uuid_v7` column
 *   strata_actor()          the default of a `default actor` column and
 *                           its update trigger: this connection's actor
 *   strata_set_actor(text)  sets it (NULL: none); returns it
 *
 *   sqlite> .load /usr/local/lib/libstrata_sqlite
 *
 * SQLite derives the entry point, sqlite3_stratasqlite_init, from the
 * file name.  The module carries its own copy of Strata's UUID generator
 * (no libstrata to find at load time).
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <stdlib.h>
#include <string.h>

#include "driver/sqlite_fns.h"

/* One per connection that loads the extension: its actor. */
typedef struct ext_state {
	char *actor;
} ext_state;

static void free_state(void *p)
{
	ext_state *st = p;
	if (st)
		free(st->actor);
	free(st);
}

static void actor_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	const ext_state *st = sqlite3_user_data(ctx);
	if (st->actor)
		sqlite3_result_text(ctx, st->actor, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

static void set_actor_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	ext_state *st = sqlite3_user_data(ctx);
	const unsigned char *a = sqlite3_value_text(argv[0]);
	char *copy = a && *a ? strdup((const char *)a) : NULL;
	if (a && *a && !copy) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	free(st->actor);
	st->actor = copy;
	actor_fn(ctx, 0, NULL);
}

__attribute__((visibility("default"))) int sqlite3_stratasqlite_init(sqlite3 *db, char **err,
								   const sqlite3_api_routines *api);

int sqlite3_stratasqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	SQLITE_EXTENSION_INIT2(api);
	(void)err;
	ext_state *st = calloc(1, sizeof *st);
	if (!st)
		return SQLITE_NOMEM;
	/* innocuous: defaults and triggers call them, also with trusted_schema off */
	int rc = sqlite3_create_function_v2(db, "strata_actor", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, st, actor_fn, NULL,
					    NULL, free_state);
	if (rc != SQLITE_OK)
		return rc; /* SQLite called free_state */
	rc = sqlite3_create_function_v2(db, "strata_set_actor", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, st, set_actor_fn,
					NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "strata_uuid_v7", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, NULL,
						strata__sql_uuid_v7, NULL, NULL, NULL);
	return rc;
}
