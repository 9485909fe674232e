/*
 * Shared by the query-insight tests (strata top, stats --queries, the
 * health checks on sessions and queries, strata refresh).
 */
#ifndef STRATA_TEST_INSIGHTS_H
#define STRATA_TEST_INSIGHTS_H

#include <pthread.h>
#include <string.h>

#include "testdb.h"

#define HAS(out, s)   cr_assert(strstr((out), (s)) != NULL, "want \"%s\" in:\n%s", (s), (out))
#define HASNT(out, s) cr_assert(strstr((out), (s)) == NULL, "did not want \"%s\" in:\n%s", (s), (out))

/* `strata ARGS` with DATABASE_URL unset and colour off, in `dir` (NULL: the current one). */
int insights_cli(char **out, const char *dir, const char *args);

/*
 * A PostgreSQL session blocked by another: `holder` updates row 1 of
 * table `locked` in an open transaction; `waiter` (its own connection, in a
 * thread) runs the same update and waits.  insights_block() returns once
 * the server shows the waiter waiting on the lock.
 */
typedef struct insights_blocked {
	strata_db *holder, *waiter;
	int64_t holder_pid, waiter_pid;
	pthread_t thread;
	int waiter_rc;
} insights_blocked;

void insights_block(insights_blocked *b, strata_db *db, const char *url);
/* Roll the holder back, let the waiter finish; both connections closed. */
void insights_unblock(insights_blocked *b);

/* Whether the server lists session `pid` with state `state` (a LIKE pattern) right now. */
bool insights_pg_session_is(strata_db *db, int64_t pid, const char *state);

#endif
