/* Statement splitting and destructive-statement detection: pure, no database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "core/sha256.h"
#include "migrate/internal.h"
#include "sql/split.h"

/* Split `sql` and compare with the expected statements (NULL-terminated). */
static void expect_split(strata_backend d, const char *sql, const char *const *want)
{
	strata__sql_piece *p = NULL;
	size_t n = 0;
	cr_assert_eq(strata__sql_split(sql, strlen(sql), d, &p, &n), STRATA_OK);
	size_t nw = 0;
	while (want[nw])
		nw++;
	cr_assert_eq(n, nw, "got %zu statements, want %zu, from:\n%s", n, nw, sql);
	for (size_t i = 0; i < n; i++) {
		char *got = strndup(sql + p[i].offset, p[i].len);
		cr_assert_str_eq(got, want[i], "statement %zu", i + 1);
		free(got);
	}
	free(p);
}

#define WANT(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE	  ((const char *const[]){ NULL })

Test(sql_split, basic_and_empty)
{
	expect_split(STRATA_BACKEND_SQLITE, "SELECT 1; SELECT 2;", WANT("SELECT 1", "SELECT 2"));
	expect_split(STRATA_BACKEND_SQLITE, "SELECT 1; SELECT 2", WANT("SELECT 1", "SELECT 2"));
	expect_split(STRATA_BACKEND_SQLITE, "  ;; -- only a comment\n /* and another */ ;", NONE);
	expect_split(STRATA_BACKEND_POSTGRES, "", NONE);
}

Test(sql_split, strings_identifiers_comments)
{
	expect_split(STRATA_BACKEND_SQLITE, "INSERT INTO t VALUES ('a;b', 'it''s;'); SELECT \"x;y\" FROM t",
		     WANT("INSERT INTO t VALUES ('a;b', 'it''s;')", "SELECT \"x;y\" FROM t"));
	expect_split(STRATA_BACKEND_SQLITE, "SELECT `a;b`, [c;d] FROM t; SELECT 2",
		     WANT("SELECT `a;b`, [c;d] FROM t", "SELECT 2"));
	expect_split(STRATA_BACKEND_POSTGRES, "SELECT 1 -- not; a split\n; SELECT /* ; */ 2",
		     WANT("SELECT 1", "SELECT /* ; */ 2"));
	/* nested block comments on PostgreSQL */
	expect_split(STRATA_BACKEND_POSTGRES, "SELECT /* a /* b; */ c; */ 1; SELECT 2",
		     WANT("SELECT /* a /* b; */ c; */ 1", "SELECT 2"));
	/* E'' strings with backslash escapes */
	expect_split(STRATA_BACKEND_POSTGRES, "SELECT E'a\\';b'; SELECT 2", WANT("SELECT E'a\\';b'", "SELECT 2"));
}

Test(sql_split, dollar_quotes)
{
	const char *fn = "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$ "
			 "LANGUAGE plpgsql";
	char sql[512];
	snprintf(sql, sizeof sql, "%s;\nDO $body$ BEGIN PERFORM 1; END $body$;\nSELECT $1, a$b FROM t", fn);
	expect_split(STRATA_BACKEND_POSTGRES, sql,
		     WANT(fn, "DO $body$ BEGIN PERFORM 1; END $body$", "SELECT $1, a$b FROM t"));
	expect_split(STRATA_BACKEND_POSTGRES, "SELECT $a$ $$; $a$; SELECT 2", WANT("SELECT $a$ $$; $a$", "SELECT 2"));
}

Test(sql_split, sqlite_trigger_bodies)
{
	const char *trig = "CREATE TRIGGER t_au AFTER UPDATE ON t BEGIN\n"
			   "  UPDATE t SET n = CASE WHEN new.n > 1 THEN 1 ELSE 0 END WHERE id = new.id;\n"
			   "  INSERT INTO log VALUES ('x;y');\n"
			   "END";
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "CREATE TABLE t (id integer);\n%s;\nCREATE TEMP TRIGGER t2 BEFORE DELETE ON t BEGIN SELECT 1; END;"
		 "\nSELECT 'end'",
		 trig);
	expect_split(STRATA_BACKEND_SQLITE, sql,
		     WANT("CREATE TABLE t (id integer)", trig,
			  "CREATE TEMP TRIGGER t2 BEFORE DELETE ON t BEGIN SELECT 1; END", "SELECT 'end'"));
	/* a plain BEGIN is an ordinary statement */
	expect_split(STRATA_BACKEND_SQLITE, "BEGIN; SELECT 1; END;", WANT("BEGIN", "SELECT 1", "END"));
}

Test(sql_split, postgres_begin_atomic)
{
	const char *fn =
		"CREATE OR REPLACE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN "
		"true THEN 1 END; END";
	char sql[512];
	snprintf(sql, sizeof sql, "%s; SELECT 2", fn);
	expect_split(STRATA_BACKEND_POSTGRES, sql, WANT(fn, "SELECT 2"));
}

Test(sql_split, lines)
{
	const char *sql = "-- header\n\nSELECT 1;\n\n  SELECT\n 2;";
	strata__sql_piece *p = NULL;
	size_t n = 0;
	cr_assert_eq(strata__sql_split(sql, strlen(sql), STRATA_BACKEND_SQLITE, &p, &n), STRATA_OK);
	cr_assert_eq(n, 2);
	cr_assert_eq(p[0].line, 3);
	cr_assert_eq(p[1].line, 5);
	free(p);
}

Test(sql_split, unterminated_runs_to_the_end)
{
	expect_split(STRATA_BACKEND_POSTGRES, "SELECT 1; SELECT 'abc", WANT("SELECT 1", "SELECT 'abc"));
	expect_split(STRATA_BACKEND_POSTGRES, "SELECT $$ never closed;", WANT("SELECT $$ never closed;"));
}

static bool destructive(strata_backend d, const char *sql, char *why)
{
	return strata__sql_is_destructive(sql, strlen(sql), d, why, 64);
}

Test(sql_split, destructive_statements)
{
	char why[64];
	struct {
		const char *sql, *why;
	} yes[] = {
		{ "DROP TABLE users", "DROP TABLE" },
		{ "drop table if exists users cascade", "DROP TABLE" },
		{ "DROP SCHEMA app CASCADE", "DROP SCHEMA" },
		{ "ALTER TABLE users DROP COLUMN email", "DROP COLUMN" },
		{ "ALTER TABLE users DROP email", "DROP COLUMN" },
		{ "ALTER TABLE users ALTER COLUMN age TYPE bigint", "ALTER COLUMN TYPE" },
		{ "ALTER TABLE users ALTER age SET DATA TYPE text", "ALTER COLUMN TYPE" },
		{ "TRUNCATE users", "TRUNCATE" },
		{ "DELETE FROM users", "DELETE without WHERE" },
		{ "DELETE FROM users USING x", "DELETE without WHERE" },
		{ "UPDATE users SET a = (SELECT b FROM c WHERE d)", "UPDATE without WHERE" },
	};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		cr_assert(destructive(STRATA_BACKEND_POSTGRES, yes[i].sql, why), "%s", yes[i].sql);
		cr_assert_str_eq(why, yes[i].why, "%s", yes[i].sql);
	}
	const char *no[] = {
		"CREATE TABLE users (id int)",
		"DROP INDEX users_email",
		"DROP VIEW v",
		"ALTER TABLE users ADD COLUMN email text",
		"ALTER TABLE users DROP CONSTRAINT users_email_key",
		"ALTER TABLE users ALTER COLUMN email DROP NOT NULL",
		"ALTER TABLE users ALTER COLUMN email DROP DEFAULT",
		"ALTER TYPE mood ADD VALUE 'ok'",
		"DELETE FROM users WHERE id = 1",
		"UPDATE users SET a = 1 WHERE id = 2",
		"INSERT INTO log VALUES ('DROP TABLE x')",
		"SELECT 'TRUNCATE' FROM t",
		"-- DROP TABLE x\nSELECT 1",
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		cr_assert(!destructive(STRATA_BACKEND_POSTGRES, no[i], why), "%s (%s)", no[i], why);
}

/* The migration-file parser, without a database. */
Test(migration_parse, sections_and_options)
{
	const char *text = "-- a header\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
			   "--migrate:down\nDROP INDEX i;\n-- migrate:verify\nSELECT true;\n";
	strata__migration m;
	memset(&m, 0, sizeof m);
	cr_assert_eq(strata__migration_parse(text, strlen(text), "x.sql", &m), STRATA_OK, "%s",
		     strata_error_last()->message);
	cr_assert(m.up.present && !m.up.transaction);
	cr_assert(m.down.present && m.down.transaction);
	cr_assert(m.verify.present);
	cr_assert_eq(m.up.line, 2);
	cr_assert_eq(m.down.line, 4);
	cr_assert_eq(strncmp(text + m.up.offset, "CREATE INDEX", 12), 0);
	cr_assert_eq(m.up.len, strlen("CREATE INDEX CONCURRENTLY i ON t (a);\n"));
}

Test(migration_parse, errors_say_where)
{
	struct {
		const char *text, *want;
	} cases[] = {
		{ "SELECT 1;\n-- migrate:up\n", "f.sql:1:1: text before the first '-- migrate:up' marker" },
		{ "-- migrate:down\n", "f.sql:1:1: no '-- migrate:up' section" },
		{ "-- migrate:up fast\n", "f.sql:1:15: unknown option 'fast'" },
		{ "-- migrate:up\n-- migrate:verify transaction:false\n", "f.sql:2:1: verify sections always run" },
		{ "-- migrate:upside\n", "f.sql:1:12: unknown section 'migrate:upside'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		strata__migration m;
		memset(&m, 0, sizeof m);
		cr_assert_eq(strata__migration_parse(cases[i].text, strlen(cases[i].text), "f.sql", &m), STRATA_EPARSE);
		cr_assert(strstr(strata_error_last()->message, cases[i].want), "got '%s', want '%s'",
			  strata_error_last()->message, cases[i].want);
		cr_assert_str_eq(strata_error_last()->file, "f.sql");
	}
}

Test(migration_parse, versions_compare_as_numbers)
{
	cr_assert_lt(strata__version_cmp("9", "10"), 0);
	cr_assert_eq(strata__version_cmp("007", "7"), 0);
	cr_assert_gt(strata__version_cmp("20261122103000", "20261122102959"), 0);
	char sum[65];
	cr_assert_eq(strata__sha256_hex("abc", 3, sum), STRATA_OK);
	cr_assert_str_eq(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
