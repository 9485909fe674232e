/*
 * Test support: run a test on both backends, each on a fresh database.
 *
 *   DB_TEST(suite, name) { ... db, url, backend ... }
 *
 * defines suite/name_sqlite (a new file in a temporary directory) and
 * suite/name_postgres (a new database on the server named by
 * STRATA_TEST_PG_URL, dropped afterwards).  A missing STRATA_TEST_PG_URL
 * fails the PostgreSQL variant; it is never skipped.
 */
#ifndef STRATA_TESTDB_H
#define STRATA_TESTDB_H

#include <criterion/criterion.h>
#include <strata.h>

typedef void (*test_body)(strata_db *db, const char *url, strata_backend backend);

void test_run_sqlite(test_body body);
void test_run_postgres(test_body body);

#define DB_TEST(suite, name)                                                                       \
	static void suite##_##name##_body(strata_db *db, const char *url, strata_backend backend); \
	Test(suite, name##_sqlite)                                                                 \
	{                                                                                          \
		test_run_sqlite(suite##_##name##_body);                                            \
	}                                                                                          \
	Test(suite, name##_postgres)                                                               \
	{                                                                                          \
		test_run_postgres(suite##_##name##_body);                                          \
	}                                                                                          \
	static void suite##_##name##_body(strata_db *db, const char *url, strata_backend backend)

/* The server URL from STRATA_TEST_PG_URL; fails the test when unset. */
const char *test_pg_base_url(void);
/* `base` with its database replaced by `dbname` (a new string; free()). */
char *test_pg_url_for(const char *base, const char *dbname);
/* A new empty PostgreSQL database; its URL (free()) and name (static buffer). */
char *test_pg_create_db(char *name_out, size_t cap);
void test_pg_drop_db(const char *name);
/* A new temporary directory (free()); removed by test_rmrf. */
char *test_tmpdir(void);
void test_rmrf(const char *path);
/* The whole text of a file (strata_file_read_text; free()); the test fails when it cannot be read. */
char *test_read_text(const char *path);

/* Assert a Strata call returned `want`, printing the last error if not. */
#define ST_EXPECT(call, want)                                                                                       \
	do {                                                                                                        \
		int st_rc_ = (call);                                                                                \
		cr_assert_eq(st_rc_, (want), "%s returned %s (%d), want %s: %s", #call, strata_status_name(st_rc_), \
			     st_rc_, strata_status_name(want), strata_error_last()->message);                       \
	} while (0)
#define ST_OK(call) ST_EXPECT(call, STRATA_OK)

/*
 * Parse the schema `text` (as "schema.strata") and apply it to `db` with
 * strata_schema_apply; the test fails, with the last error, when either
 * step does.
 */
void test_apply_schema_text(strata_db *db, const char *text);

/* Run a shell command, capture stdout+stderr into *out (free()); returns the exit status. */
int test_run_cmd(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
