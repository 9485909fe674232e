/*
 * SQL functions that Strata's SQLite schemas call, shared by the driver
 * (sqlite.c, linked with SQLite) and the loadable extension
 * (sqlite_ext.c, where <sqlite3ext.h> routes the same calls through the
 * loading program's SQLite).  Include it after <sqlite3.h> or
 * <sqlite3ext.h>.
 */
#ifndef STRATA_DRIVER_SQLITE_FNS_H
#define STRATA_DRIVER_SQLITE_FNS_H

#include <strata/value.h>

/*
 * strata_uuid_v7(): a version 7 UUID as canonical text, from Strata's C
 * generator (strata_uuid_v7()), so database defaults are monotonic within
 * the process, one connection or many (RFC 9562 method 1: a counter
 * within the millisecond).
 */
static void strata__sql_uuid_v7(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	strata_uuid u;
	char text[STRATA_UUID_STRLEN + 1];
	if (strata_uuid_v7(&u) != STRATA_OK) {
		sqlite3_result_error(ctx, "strata_uuid_v7(): no randomness available", -1);
		return;
	}
	strata_uuid_format(&u, text);
	sqlite3_result_text(ctx, text, STRATA_UUID_STRLEN, SQLITE_TRANSIENT);
}

#endif
