/*
 * libstrata_sqlite: a loadable SQLite extension for the programs that are
 * not Strata (the sqlite3 shell, Python's sqlite3, another application) so
 * they can write to the tables Strata makes.  Those tables call SQL
 * functions that Strata's own connections define; this defines them too:
 *
 *   strata_uuid_v7()        the default of a `default uuid_v7` column: a
 *                           version 7 UUID as canonical text, each greater
 *                           than the last from this connection
 *   strata_actor()          the default of a `default actor` column and
 *                           its update trigger: this connection's actor
 *   strata_set_actor(text)  sets it (NULL or '': none); returns it
 *
 *   sqlite> .load /usr/local/lib/libstrata_sqlite
 *
 * SQLite derives the entry point, sqlite3_stratasqlite_init, from the
 * file name.  The module links nothing of libstrata: the UUID generator
 * is src/core/uuid7.c, compiled in, so values are made the way the
 * library makes them, one sequence per connection (which serialises the
 * calls), with SQLite's randomness and the real-time clock.
 */
#include <sqlite3ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/uuid7.h"

SQLITE_EXTENSION_INIT1

/*
 * One per connection that loads the extension.  Each of the three
 * functions holds a reference, released by SQLite when the function goes
 * (the connection closes, or the program redefines that one function), so
 * the others never see it freed.
 */
typedef struct ext_conn {
	strata__uuid7 uuid7;
	char *actor; /* sqlite3_malloc; NULL: none */
	int refs;
} ext_conn;

static void release(void *p)
{
	ext_conn *c = p;
	if (--c->refs > 0)
		return;
	sqlite3_free(c->actor);
	sqlite3_free(c);
}

static void uuid_v7_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	ext_conn *c = sqlite3_user_data(ctx);
	struct timespec ts;
	uint8_t bytes[16];
	char text[37];
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		sqlite3_result_error(ctx, "strata_uuid_v7(): cannot read the clock", -1);
		return;
	}
	sqlite3_randomness((int)sizeof bytes, bytes);
	strata__uuid7_next(&c->uuid7, (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000, bytes);
	strata__uuid_text(bytes, text);
	sqlite3_result_text(ctx, text, 36, SQLITE_TRANSIENT);
}

static void actor_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	const ext_conn *c = sqlite3_user_data(ctx);
	if (c->actor)
		sqlite3_result_text(ctx, c->actor, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

static void set_actor_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	ext_conn *c = sqlite3_user_data(ctx);
	const unsigned char *text = sqlite3_value_text(argv[0]);
	char *copy = NULL;
	if (text && *text) {
		if (!(copy = sqlite3_mprintf("%s", (const char *)text))) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
	} else if (!text && sqlite3_value_type(argv[0]) != SQLITE_NULL) {
		sqlite3_result_error_nomem(ctx); /* the value had no text because memory ran out */
		return;
	}
	sqlite3_free(c->actor);
	c->actor = copy;
	actor_fn(ctx, 0, NULL);
}

__attribute__((visibility("default"))) int sqlite3_stratasqlite_init(sqlite3 *db, char **err,
								     const sqlite3_api_routines *api);

int sqlite3_stratasqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	SQLITE_EXTENSION_INIT2(api);
	static const struct {
		const char *name;
		int nargs, flags;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {
		/* innocuous: the defaults and triggers of Strata's tables call them */
		{ "strata_uuid_v7", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, uuid_v7_fn },
		{ "strata_actor", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, actor_fn },
		/* direct only: a schema (a trigger, a view) cannot change who writes */
		{ "strata_set_actor", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, set_actor_fn },
	};
	ext_conn *c = sqlite3_malloc((int)sizeof *c);
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof *c);
	c->refs = 1; /* ours, until the functions hold it */
	int rc = SQLITE_OK;
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
		c->refs++;
		/* on failure SQLite calls release itself */
		rc = sqlite3_create_function_v2(db, fns[i].name, fns[i].nargs, fns[i].flags, c, fns[i].fn, NULL, NULL,
						release);
		if (rc != SQLITE_OK) {
			if (err)
				*err = sqlite3_mprintf("strata_sqlite: cannot define %s(): %s", fns[i].name,
						       sqlite3_errmsg(db));
			break;
		}
	}
	release(c);
	return rc;
}
