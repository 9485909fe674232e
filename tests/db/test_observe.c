/* Hooks, echo, slow-query log, timeouts, the statement cache, SQLite defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

struct seen {
	int calls;
	char last_sql[256];
	int64_t last_rows;
	int last_status;
};

static void hook(const strata_query_info *info, void *ud)
{
	struct seen *s = ud;
	s->calls++;
	snprintf(s->last_sql, sizeof s->last_sql, "%s", info->sql);
	s->last_rows = info->rows;
	s->last_status = info->status;
	cr_assert(info->duration_us >= 0);
}

DB_TEST(observe, hook_sees_every_statement)
{
	struct seen s = { 0 };
	strata_db_set_hook(db, hook, &s);
	ST_OK(strata_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY)"));
	cr_assert_eq(s.calls, 1);
	ST_OK(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(1)));
	ST_OK(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(2)));
	cr_assert_eq(s.calls, 3);
	cr_assert_str_eq(s.last_sql, "INSERT INTO t VALUES (?)");
	cr_assert_eq(s.last_rows, 1);
	int64_t n;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM t", NULL, 0));
	cr_assert_eq(s.calls, 4);
	cr_assert_eq(s.last_rows, 1);
	ST_EXPECT(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(1)), STRATA_ECONSTRAINT);
	cr_assert_eq(s.calls, 5);
	cr_assert_eq(s.last_status, STRATA_ECONSTRAINT);
	strata_db_set_hook(db, NULL, NULL);
	ST_OK(strata_execv(db, "INSERT INTO t VALUES (?)", STRATA_INT(3)));
	cr_assert_eq(s.calls, 5);
	(void)url;
	(void)backend;
}

struct logged {
	int warnings, infos;
	char last[1100];
};

static void logger(strata_log_level level, const char *msg, void *ud)
{
	struct logged *l = ud;
	if (level == STRATA_LOG_WARN)
		l->warnings++;
	if (level == STRATA_LOG_INFO)
		l->infos++;
	snprintf(l->last, sizeof l->last, "%s", msg);
}

DB_TEST(observe, echo_and_slow_query_log)
{
	struct logged l = { 0 };
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.echo = STRATA_ON;
	o.log = logger;
	o.log_ud = &l;
	strata_db *e;
	ST_OK(strata_open(&e, url, &o));
	ST_OK(strata_exec(e, "SELECT 1"));
	cr_assert_eq(l.infos, 1);
	cr_assert(strstr(l.last, "SELECT 1") != NULL, "%s", l.last);
	strata_close(e);

	/* slow: a statement over the threshold is a warning with the SQL cut at 200 characters */
	memset(&l, 0, sizeof l);
	o.echo = STRATA_OFF;
	o.slow_query_ms = 20;
	ST_OK(strata_open(&e, url, &o));
	char sql[600];
	const char *slow =
		backend == STRATA_BACKEND_POSTGRES
			? "SELECT pg_sleep(0.05)"
			: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
			  "SELECT count(*) FROM c";
	snprintf(sql, sizeof sql, "%s /* %0300d */", slow, 0);
	ST_OK(strata_exec(e, sql));
	cr_assert_eq(l.warnings, 1, "no slow-query warning");
	cr_assert(strstr(l.last, "slow query") != NULL, "%s", l.last);
	cr_assert_lt(strlen(l.last), 260, "SQL not cut: %zu", strlen(l.last));
	l.warnings = 0;
	ST_OK(strata_exec(e, "SELECT 1"));
	cr_assert_eq(l.warnings, 0);
	strata_close(e);
	(void)db;
}

DB_TEST(observe, statement_timeout_leaves_connection_usable)
{
	const char *slow =
		backend == STRATA_BACKEND_POSTGRES
			? "SELECT pg_sleep(5)"
			: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
	strata_stmt *st;
	ST_OK(strata_prepare(&st, db, slow));
	strata_stmt_set_timeout(st, 150);
	int64_t t0 = strata_timestamp_now();
	ST_EXPECT(strata_step(st), STRATA_ETIMEOUT);
	int64_t took = strata_timestamp_now() - t0;
	cr_assert_lt(took, 3000000, "the timeout did not stop the statement (%lld us)", (long long)took);
	cr_assert(strstr(strata_error_last()->message, "timed out") != NULL, "%s", strata_error_last()->message);
	strata_finalize(st);
	int64_t one;
	ST_OK(strata_query_int64(db, &one, "SELECT 1", NULL, 0));
	cr_assert_eq(one, 1);

	/* the per-connection timeout */
	strata_db_set_timeout(db, 150);
	ST_EXPECT(strata_exec(db, slow), STRATA_ETIMEOUT);
	ST_OK(strata_query_int64(db, &one, "SELECT 1", NULL, 0));
	(void)url;
}

DB_TEST(observe, statement_cache_reuses_and_is_bounded)
{
	strata_stmt *a, *b, *c;
	ST_OK(strata_prepare(&a, db, "SELECT 1"));
	strata_finalize(a);
	ST_OK(strata_prepare(&b, db, "SELECT 1"));
	cr_assert_eq(a, b, "the cached statement was not reused");
	/* the same SQL while the first is in use: a second statement */
	ST_OK(strata_prepare(&c, db, "SELECT 1"));
	cr_assert_neq(b, c);
	strata_finalize(b);
	strata_finalize(c);

	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.stmt_cache_size = 3;
	strata_db *small;
	ST_OK(strata_open(&small, url, &o));
	for (int i = 0; i < 10; i++) {
		char sql[64];
		snprintf(sql, sizeof sql, "SELECT %d", i);
		strata_stmt *st;
		ST_OK(strata_prepare(&st, small, sql));
		ST_EXPECT(strata_step(st), STRATA_ROW);
		strata_finalize(st);
	}
	if (backend == STRATA_BACKEND_POSTGRES) {
		int64_t n;
		ST_OK(strata_query_int64(small, &n, "SELECT count(*) FROM pg_prepared_statements", NULL, 0));
		/* at most 3 kept (the count query itself is one of them) */
		cr_assert_leq(n, 3, "%lld prepared statements on the server", (long long)n);
	}
	strata_close(small);
}

Test(observe, pgbouncer_mode_names_no_statements)
{
	char name[64];
	char *url = test_pg_create_db(name, sizeof name);
	char u2[1200];
	snprintf(u2, sizeof u2, "%s%cpgbouncer=true", url, strchr(url, '?') ? '&' : '?');
	strata_db *db;
	ST_OK(strata_open(&db, u2, NULL));
	for (int i = 0; i < 3; i++) {
		int64_t n;
		ST_OK(strata_query_int64v(db, &n, "SELECT count(*) FROM pg_prepared_statements WHERE ? = 1",
					  STRATA_INT(1)));
		cr_assert_eq(n, 0);
	}
	strata_close(db);
	test_pg_drop_db(name);
	free(url);
}

Test(observe, sqlite_safe_defaults_and_overrides)
{
	char *dir = test_tmpdir();
	char url[512];
	snprintf(url, sizeof url, "sqlite:%s/d.db", dir);
	strata_db *db;
	ST_OK(strata_open(&db, url, NULL));
	char *mode;
	int64_t v;
	ST_OK(strata_query_text(db, &mode, "PRAGMA journal_mode", NULL, 0));
	cr_assert_str_eq(mode, "wal");
	free(mode);
	ST_OK(strata_query_int64(db, &v, "PRAGMA foreign_keys", NULL, 0));
	cr_assert_eq(v, 1);
	ST_OK(strata_query_int64(db, &v, "PRAGMA synchronous", NULL, 0));
	cr_assert_eq(v, 1, "synchronous should be NORMAL (1)");
	ST_OK(strata_query_int64(db, &v, "PRAGMA busy_timeout", NULL, 0));
	cr_assert_eq(v, 5000);
	strata_close(db);

	snprintf(url, sizeof url, "sqlite:%s/e.db?journal_mode=delete&foreign_keys=off&busy_timeout=250", dir);
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_query_text(db, &mode, "PRAGMA journal_mode", NULL, 0));
	cr_assert_str_eq(mode, "delete");
	free(mode);
	ST_OK(strata_query_int64(db, &v, "PRAGMA foreign_keys", NULL, 0));
	cr_assert_eq(v, 0);
	ST_OK(strata_query_int64(db, &v, "PRAGMA busy_timeout", NULL, 0));
	cr_assert_eq(v, 250);
	ST_OK(strata_query_int64(db, &v, "PRAGMA synchronous", NULL, 0));
	cr_assert_eq(v, 2, "synchronous should stay FULL outside WAL");
	strata_close(db);

	/* options beat the URL */
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.foreign_keys = STRATA_ON;
	ST_OK(strata_open(&db, url, &o));
	ST_OK(strata_query_int64(db, &v, "PRAGMA foreign_keys", NULL, 0));
	cr_assert_eq(v, 1);
	strata_close(db);

	ST_OK(strata_open(&db, "sqlite::memory:", NULL));
	ST_OK(strata_query_int64(db, &v, "PRAGMA foreign_keys", NULL, 0));
	cr_assert_eq(v, 1);
	strata_close(db);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(observe, server_version_and_url_redaction)
{
	cr_assert(strlen(strata_db_server_version(db)) >= 2);
	cr_assert(strata_db_backend(db) == backend);
	if (backend == STRATA_BACKEND_POSTGRES) {
		cr_assert(strstr(strata_db_url(db), "***") != NULL, "%s", strata_db_url(db));
		cr_assert(strstr(strata_db_url(db), "strata-test-pw") == NULL);
	}
	ST_OK(strata_ping(db));
	cr_assert(!strata_db_is_broken(db));
}

static void count_log(strata_log_level level, const char *msg, void *ud)
{
	(void)msg;
	if (level == STRATA_LOG_INFO)
		(*(int *)ud)++;
}

DB_TEST(observe, environment_applies_when_no_options_are_given)
{
	int lines = 0;
	strata_log_set_handler(count_log, &lines);
	setenv("DB_ECHO", "true", 1);
	strata_db *e;
	ST_OK(strata_open(&e, url, NULL));
	ST_OK(strata_exec(e, "SELECT 1"));
	strata_close(e);
	cr_assert_eq(lines, 1, "DB_ECHO=true did not echo the statement");
	setenv("DB_ECHO", "maybe", 1);
	ST_EXPECT(strata_open(&e, url, NULL), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "DB_ECHO") != NULL, "%s", strata_error_last()->message);
	unsetenv("DB_ECHO");
	strata_log_set_handler(NULL, NULL);
	(void)db;
	(void)backend;
}

DB_TEST(observe, open_without_a_url_reads_database_url)
{
	setenv("DATABASE_URL", url, 1);
	strata_db *e;
	ST_OK(strata_open(&e, NULL, NULL));
	ST_OK(strata_exec(e, "CREATE TABLE made_through_database_url (x INTEGER)"));
	strata_close(e);
	unsetenv("DATABASE_URL");
	int64_t n = -1;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM made_through_database_url", NULL, 0));
	cr_assert_eq(n, 0);
	(void)backend;
}
