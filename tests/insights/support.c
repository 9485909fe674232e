#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "support.h"

int insights_cli(char **out, const char *dir, const char *args)
{
	return test_run_cmd(
		out,
		"cd '%s' && env -u DATABASE_URL -u STRATA_MIGRATIONS_DIR -u STRATA_SCHEMA -u DB_QUERY_STATS "
		"NO_COLOR=1 '%s' %s",
		dir ? dir : ".", STRATA_CLI, args);
}

bool insights_pg_session_is(strata_db *db, int64_t pid, const char *state)
{
	int64_t n = 0;
	strata_value v[] = { STRATA_INT(pid), STRATA_TEXT(state), STRATA_TEXT(state) };
	ST_OK(strata_query_int64(db, &n,
				 "SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND "
				 "(state LIKE ? OR wait_event_type LIKE ?)",
				 v, 3));
	return n > 0;
}

static void *wait_for_row(void *p)
{
	insights_blocked *b = p;
	b->waiter_rc = strata_exec(b->waiter, "UPDATE locked SET v = v + 1 WHERE id = 1");
	return NULL;
}

void insights_block(insights_blocked *b, strata_db *db, const char *url)
{
	memset(b, 0, sizeof *b);
	ST_OK(strata_exec(db, "CREATE TABLE locked (id bigint PRIMARY KEY, v bigint NOT NULL)"));
	ST_OK(strata_exec(db, "INSERT INTO locked VALUES (1, 0)"));
	ST_OK(strata_open(&b->holder, url, NULL));
	ST_OK(strata_open(&b->waiter, url, NULL));
	ST_OK(strata_query_int64(b->holder, &b->holder_pid, "SELECT pg_backend_pid()", NULL, 0));
	ST_OK(strata_query_int64(b->waiter, &b->waiter_pid, "SELECT pg_backend_pid()", NULL, 0));
	ST_OK(strata_begin(b->holder, NULL));
	ST_OK(strata_exec(b->holder, "UPDATE locked SET v = 10 WHERE id = 1"));
	cr_assert_eq(pthread_create(&b->thread, NULL, wait_for_row, b), 0);
	for (int i = 0; i < 200 && !insights_pg_session_is(db, b->waiter_pid, "Lock"); i++)
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	cr_assert(insights_pg_session_is(db, b->waiter_pid, "Lock"), "the waiter never waited on the lock");
}

void insights_unblock(insights_blocked *b)
{
	ST_OK(strata_rollback(b->holder));
	pthread_join(b->thread, NULL);
	cr_assert_eq(b->waiter_rc, STRATA_OK, "the waiter's update: %s", strata_status_name(b->waiter_rc));
	strata_close(b->holder);
	strata_close(b->waiter);
}
