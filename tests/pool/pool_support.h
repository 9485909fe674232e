/*
 * Pool tests run three ways: on a fresh SQLite file, on a fresh PostgreSQL
 * database, and on that database through pgbouncer in transaction mode
 * (STRATA_TEST_PGBOUNCER_URL, started by scripts/check with
 * scripts/pgbouncer-test-server).  A missing URL fails the variant.
 */
#ifndef STRATA_POOL_SUPPORT_H
#define STRATA_POOL_SUPPORT_H

#include <stdbool.h>

#include "testdb.h"

typedef enum pool_target {
	TARGET_SQLITE,
	TARGET_POSTGRES,
	TARGET_PGBOUNCER
} pool_target;

typedef void (*pool_body)(const char *url, pool_target target);

void pool_run(pool_target target, pool_body body);

#define POOL_TEST(name)                                                      \
	static void pool_##name##_body(const char *url, pool_target target); \
	Test(pool, name##_sqlite)                                            \
	{                                                                    \
		pool_run(TARGET_SQLITE, pool_##name##_body);                 \
	}                                                                    \
	Test(pool, name##_postgres)                                          \
	{                                                                    \
		pool_run(TARGET_POSTGRES, pool_##name##_body);               \
	}                                                                    \
	Test(pool, name##_pgbouncer)                                         \
	{                                                                    \
		pool_run(TARGET_PGBOUNCER, pool_##name##_body);              \
	}                                                                    \
	static void pool_##name##_body(const char *url, pool_target target)

/* PostgreSQL only, directly and through pgbouncer. */
#define POOL_TEST_PG(name)                                                   \
	static void pool_##name##_body(const char *url, pool_target target); \
	Test(pool, name##_postgres)                                          \
	{                                                                    \
		pool_run(TARGET_POSTGRES, pool_##name##_body);               \
	}                                                                    \
	Test(pool, name##_pgbouncer)                                         \
	{                                                                    \
		pool_run(TARGET_PGBOUNCER, pool_##name##_body);              \
	}                                                                    \
	static void pool_##name##_body(const char *url, pool_target target)

/* Open a pool on `url`; `opts` may be NULL.  The pool logs into the capture below. */
strata_pool *pool_open_ok(const char *url, strata_pool_options *opts);

/* Numbers now. */
strata_pool_metrics pool_metrics(strata_pool *pool);

/* Log capture: every line the pool logs, joined by newlines. */
void log_capture_reset(void);
/* A copy of everything captured (free()). */
char *log_capture_text(void);
extern const strata_open_options log_capture_open_options;

void sleep_ms(int ms);

/* Run a command that starts a test server and prints its URL; the URL (free()). */
char *start_server_cmd(const char *cmd);

/* Run `sql` and return the integer it yields (asserting success). */
int64_t query_int(strata_db *db, const char *sql);

#endif
