/* Transactions, savepoints and strata_transact on both backends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

static int64_t count_rows(strata_db *db)
{
	int64_t n = -1;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM t", NULL, 0));
	return n;
}

DB_TEST(tx, commit_and_rollback)
{
	ST_OK(strata_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY)"));
	ST_OK(strata_begin(db, NULL));
	cr_assert(strata_in_transaction(db));
	ST_OK(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(1)));
	ST_OK(strata_commit(db));
	cr_assert(!strata_in_transaction(db));
	ST_OK(strata_begin(db, NULL));
	ST_OK(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(2)));
	ST_OK(strata_rollback(db));
	cr_assert_eq(count_rows(db), 1);
	(void)url;
	(void)backend;
}

DB_TEST(tx, nested_savepoints)
{
	ST_OK(strata_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY)"));
	ST_OK(strata_begin(db, NULL));
	ST_OK(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(1)));
	ST_OK(strata_begin(db, NULL));
	ST_OK(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(2)));
	ST_OK(strata_rollback(db)); /* only the inner level */
	ST_OK(strata_begin(db, NULL));
	ST_OK(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(3)));
	ST_OK(strata_commit(db));
	cr_assert(strata_in_transaction(db));
	ST_OK(strata_commit(db));
	cr_assert_eq(count_rows(db), 2);
	int64_t sum;
	ST_OK(strata_query_int64(db, &sum, "SELECT sum(id) FROM t", NULL, 0));
	cr_assert_eq(sum, 4);
	(void)url;
	(void)backend;
}

static int insert_then(strata_db *db, void *arg)
{
	int *fail_with = arg;
	int rc = strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(10));
	if (rc != STRATA_OK)
		return rc;
	return *fail_with;
}

DB_TEST(tx, transact_commits_on_ok_and_rolls_back_otherwise)
{
	ST_OK(strata_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY)"));
	int ok = STRATA_OK, fail = STRATA_ENOTFOUND;
	ST_EXPECT(strata_transact(db, insert_then, &fail, NULL), STRATA_ENOTFOUND);
	cr_assert_eq(count_rows(db), 0);
	cr_assert(!strata_in_transaction(db));
	ST_OK(strata_transact(db, insert_then, &ok, NULL));
	cr_assert_eq(count_rows(db), 1);
	/* a constraint failure inside rolls the whole function back */
	ST_EXPECT(strata_transact(db, insert_then, &ok, NULL), STRATA_ECONSTRAINT);
	cr_assert_eq(count_rows(db), 1);
	(void)url;
	(void)backend;
}

struct conflict {
	const char *url;
	int attempts;
};

/* Read-modify-write of a counter; on the first attempt a second connection
 * commits a competing write in between, so the first attempt conflicts. */
static int bump(strata_db *db, void *arg)
{
	struct conflict *c = arg;
	c->attempts++;
	int64_t n;
	int rc = strata_query_int64(db, &n, "SELECT n FROM counter WHERE id = 1", NULL, 0);
	if (rc != STRATA_OK)
		return rc;
	if (c->attempts == 1) {
		strata_db *other;
		ST_OK(strata_open(&other, c->url, NULL));
		ST_OK(strata_exec(other, "UPDATE counter SET n = n + 100 WHERE id = 1"));
		strata_close(other);
	}
	return strata_execv(db, "UPDATE counter SET n = ? WHERE id = 1", STRATA_INT(n + 1));
}

Test(tx, serialization_failure_is_retried_postgres)
{
	char name[64];
	char *url = test_pg_create_db(name, sizeof name);
	strata_db *db;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(
		db, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO counter VALUES (1, 0)"));
	struct conflict c = { url, 0 };
	strata_tx_options o = STRATA_TX_OPTIONS_INIT;
	o.isolation = STRATA_ISOLATION_REPEATABLE_READ;
	o.retry_base_ms = 1;
	ST_OK(strata_transact(db, bump, &c, &o));
	cr_assert_eq(c.attempts, 2, "attempts: %d", c.attempts);
	int64_t n;
	ST_OK(strata_query_int64(db, &n, "SELECT n FROM counter", NULL, 0));
	cr_assert_eq(n, 101, "no update lost: %lld", (long long)n);
	strata_close(db);
	test_pg_drop_db(name);
	free(url);
}

Test(tx, busy_database_is_retried_then_reported_sqlite)
{
	char *dir = test_tmpdir();
	char url[512];
	snprintf(url, sizeof url, "sqlite:%s/busy.db?busy_timeout=-1", dir);
	strata_db *a, *b;
	ST_OK(strata_open(&a, url, NULL));
	ST_OK(strata_open(&b, url, NULL));
	ST_OK(strata_exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY)"));
	ST_OK(strata_begin(a, NULL)); /* holds the write lock */
	int ok = STRATA_OK;
	strata_tx_options o = STRATA_TX_OPTIONS_INIT;
	o.max_retries = 2;
	o.retry_base_ms = 1;
	ST_EXPECT(strata_transact(b, insert_then, &ok, &o), STRATA_EBUSY);
	cr_assert(strstr(strata_error_last()->message, "locked") != NULL, "%s", strata_error_last()->message);
	ST_OK(strata_rollback(a));
	ST_OK(strata_transact(b, insert_then, &ok, &o));
	strata_close(a);
	strata_close(b);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(tx, read_only_refuses_writes)
{
	ST_OK(strata_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY)"));
	strata_tx_options o = STRATA_TX_OPTIONS_INIT;
	o.read_only = true;
	ST_OK(strata_begin(db, &o));
	int64_t n;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM t", NULL, 0));
	ST_EXPECT(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(1)), STRATA_ESQL);
	ST_OK(strata_rollback(db));
	/* writes work again afterwards */
	ST_OK(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(1)));
	(void)url;
	(void)backend;
}

DB_TEST(tx, isolation_levels_are_applied)
{
	if (backend != STRATA_BACKEND_POSTGRES)
		return; /* SQLite transactions are always serializable */
	strata_tx_options o = STRATA_TX_OPTIONS_INIT;
	o.isolation = STRATA_ISOLATION_SERIALIZABLE;
	ST_OK(strata_begin(db, &o));
	char *level;
	ST_OK(strata_query_text(db, &level, "SHOW transaction_isolation", NULL, 0));
	cr_assert_str_eq(level, "serializable");
	free(level);
	ST_OK(strata_commit(db));
	(void)url;
}
