/* DDL from a model: type mapping, order, cycles, SQLite's CHECKs, quoting, idempotence. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/sql.h>

#include "testdb.h"

static char *ddl(const char *text, strata_backend b)
{
	strata_schema *s = NULL;
	char *out = NULL;
	ST_OK(strata_schema_parse(&s, text, strlen(text), "s"));
	ST_OK(strata_sql_create(s, b, &out));
	strata_schema_free(s);
	return out;
}

static void has(const char *sql, const char *want)
{
	cr_assert(strstr(sql, want), "missing:\n%s\n---- in:\n%s", want, sql);
}

Test(sql, sqlite_checks_for_what_sqlite_does_not_enforce)
{
	char *s = ddl("enum st { a b }\n"
		      "table t {\n  id serial primary key\n  name string(10) not null\n  ok bool\n  doc json\n"
		      "  tags string(5)[]\n  state st not null default a\n  amount decimal(10,2)\n}\n",
		      STRATA_BACKEND_SQLITE);
	has(s, "\"id\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL");
	has(s, "\"name\" VARCHAR(10) NOT NULL CHECK (length(\"name\") <= 10)");
	has(s, "\"ok\" BOOLEAN CHECK (\"ok\" IN (0, 1))");
	has(s, "\"doc\" JSON CHECK (\"doc\" IS NULL OR json_valid(\"doc\"))");
	has(s, "\"tags\" JSON ARRAY OF VARCHAR(5) CHECK (\"tags\" IS NULL OR json_valid(\"tags\") AND "
	       "json_type(\"tags\") = 'array')");
	has(s, "\"state\" ENUM \"st\" NOT NULL DEFAULT 'a' CHECK (\"state\" IN ('a', 'b'))");
	has(s,
	    "\"amount\" DECIMAL TEXT(10,2) CHECK (\"amount\" IS NULL OR typeof(\"amount\") = 'text' AND "
	    "json_valid(\"amount\") AND json_type(\"amount\") IN ('integer', 'real') AND "
	    "abs(CAST(\"amount\" AS REAL)) < 1e8 AND round(CAST(\"amount\" AS REAL), 2) = CAST(\"amount\" AS REAL))");
	free(s);
}

/*
 * What PostgreSQL refuses, SQLite refuses too: a decimal that is not a
 * number, too large for its precision or with more decimals than its scale
 * (PostgreSQL would round those; a CHECK cannot), and number arrays with
 * an item of another type.  The error names the column on SQLite.
 */
DB_TEST(sql, decimals_and_number_arrays_refuse_what_postgres_refuses)
{
	const char *text = "table t {\n  id serial primary key\n  price decimal(5,2)\n  nums int[]\n"
			   "  ratios float[]\n}\n";
	test_apply_schema_text(db, text);
	bool pg = backend == STRATA_BACKEND_POSTGRES;
	ST_OK(strata_exec(db, "INSERT INTO t (price) VALUES (123.45)"));
	ST_OK(strata_execv(db, "INSERT INTO t (price) VALUES (?)", STRATA_TEXT("-999.99")));
	ST_OK(strata_execv(db, "INSERT INTO t (price) VALUES (?)", STRATA_NULL));
	const char *bad[] = { "INSERT INTO t (price) VALUES ('abc')", "INSERT INTO t (price) VALUES (12345.678)",
			      "INSERT INTO t (price) VALUES (1000)" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = strata_exec(db, bad[i]);
		cr_assert_neq(rc, STRATA_OK, "%s was taken", bad[i]);
		if (!pg) {
			cr_assert_eq(rc, STRATA_ECONSTRAINT, "%s: %s", bad[i], strata_error_last()->message);
			cr_assert(strstr(strata_error_last()->message, "CHECK constraint failed: price"), "%s",
				  strata_error_last()->message);
		}
	}
	if (!pg)
		cr_assert_neq(strata_exec(db, "INSERT INTO t (price) VALUES (1.005)"), STRATA_OK,
			      "more decimals than the scale: PostgreSQL rounds, SQLite refuses");
	const char *arr = pg ? "INSERT INTO t (nums, ratios) VALUES ('{1,2,NULL}', '{1.5,2,1e20}')"
			     : "INSERT INTO t (nums, ratios) VALUES ('[1,2,null]', '[1.5,2,1.0e+20]')";
	ST_OK(strata_exec(db, arr));
	const char *bad_arr[] = {
		pg ? "INSERT INTO t (nums) VALUES ('{a}')" : "INSERT INTO t (nums) VALUES ('[\"a\"]')",
		pg ? "INSERT INTO t (nums) VALUES ('{1.5}')" : "INSERT INTO t (nums) VALUES ('[1.5]')",
		pg ? "INSERT INTO t (ratios) VALUES ('{true}')" : "INSERT INTO t (ratios) VALUES ('[true]')"
	};
	for (size_t i = 0; i < sizeof bad_arr / sizeof bad_arr[0]; i++) {
		int rc = strata_exec(db, bad_arr[i]);
		cr_assert_neq(rc, STRATA_OK, "%s was taken", bad_arr[i]);
		if (!pg)
			cr_assert(rc == STRATA_ECONSTRAINT && strstr(strata_error_last()->message, "CHECK constraint"),
				  "%s: %s", bad_arr[i], strata_error_last()->message);
	}
	/* PostgreSQL takes '{{1}}' (a two-dimensional array); Strata's arrays have one dimension */
	if (!pg)
		cr_assert_eq(strata_exec(db, "INSERT INTO t (nums) VALUES ('[[1]]')"), STRATA_ECONSTRAINT);
	int64_t n = 0;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM t", NULL, 0));
	cr_assert_eq(n, 4);
	(void)url;
}

/*
 * Arrays whose items are strings: PostgreSQL refuses an item of the wrong
 * type or length, and on SQLite Strata's item triggers refuse the same
 * (src/sql/items.c), on INSERT and on UPDATE, through the library and
 * through the sqlite3 shell, which knows nothing of Strata.  Null items
 * and empty arrays are taken on both.
 */
DB_TEST(sql, string_arrays_refuse_what_postgres_refuses)
{
	const char *text = "enum mood { happy sad }\n"
			   "table t {\n  id serial primary key\n  names text[]\n  tags string(3)[]\n  ids uuid[]\n"
			   "  moods mood[]\n  days date[]\n  times timestamp[]\n  flags bool[]\n"
			   "  prices decimal(5,2)[]\n}\n";
	test_apply_schema_text(db, text);
	bool pg = backend == STRATA_BACKEND_POSTGRES;
	/* column, good value (PostgreSQL, SQLite), bad value (PostgreSQL, SQLite; NULL: it cannot say it) */
	const struct {
		const char *col, *good_pg, *good_lite, *bad_pg, *bad_lite;
	} cases[] = {
		{ "names", "{a,NULL}", "[\"a\",null]", NULL, "[1]" },
		{ "names", "{}", "[]", NULL, "[[\"a\"]]" },
		{ "tags", "{abc,NULL,éé}", "[\"abc\",null,\"éé\"]", "{abcd}", "[\"abcd\"]" },
		{ "ids", "{0190a3c4-1b2c-7d3e-8f40-123456789abc}", "[\"0190a3c4-1b2c-7d3e-8f40-123456789abc\"]",
		  "{0190a3c4-1b2c-7d3e-8f40-12345678}", "[\"0190a3c4-1b2c-7d3e-8f40-12345678\"]" },
		{ "moods", "{happy,NULL}", "[\"happy\",null]", "{angry}", "[\"angry\"]" },
		{ "days", "{2024-02-29}", "[\"2024-02-29\"]", "{2024-02-30}", "[\"2024-02-30\"]" },
		{ "times", "{\"2024-01-01 10:00:00.123456+00\",2024-01-01,\"2024-01-01 10:00-05\"}",
		  "[\"2024-01-01T10:00:00.123456Z\",\"2024-01-01\",\"2024-01-01 10:00-05\",\"2024-01-01 10:00:00+00\"]",
		  "{\"2024-01-01 25:00\"}", "[\"2024-01-01 25:00\"]" },
		{ "flags", "{true,f}", "[\"true\",\"f\"]", "{maybe}", "[\"maybe\"]" },
		{ "prices", "{123.45,-999.99}", "[\"123.45\",\"-999.99\"]", "{12345.678}", "[\"12345.678\"]" },
		{ "prices", "{}", "[]", "{abc}", "[\"abc\"]" },
	};
	int64_t taken = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char sql[200];
		snprintf(sql, sizeof sql, "INSERT INTO t (%s) VALUES (?)", cases[i].col);
		ST_OK(strata_execv(db, sql, STRATA_TEXT(pg ? cases[i].good_pg : cases[i].good_lite)));
		taken++;
		const char *bad = pg ? cases[i].bad_pg : cases[i].bad_lite;
		if (!bad)
			continue;
		cr_assert_neq(strata_execv(db, sql, STRATA_TEXT(bad)), STRATA_OK, "%s: %s was taken", cases[i].col,
			      bad);
		char where[100];
		snprintf(where, sizeof where, "t.%s: every item of this array must be", cases[i].col);
		if (!pg)
			cr_assert(strstr(strata_error_last()->message, where), "%s: %s", bad,
				  strata_error_last()->message);
		snprintf(sql, sizeof sql, "UPDATE t SET %s = ? WHERE %s IS NOT NULL", cases[i].col, cases[i].col);
		cr_assert_neq(strata_execv(db, sql, STRATA_TEXT(bad)), STRATA_OK, "UPDATE %s to %s was taken",
			      cases[i].col, bad);
	}
	int64_t n = 0;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM t", NULL, 0));
	cr_assert_eq(n, taken);
	/* an UPDATE of another column leaves the array alone */
	ST_OK(strata_exec(db, "UPDATE t SET names = NULL WHERE tags IS NOT NULL"));
	if (!pg) {
		char *out = NULL;
		const char *file = url + strlen("sqlite:");
		int st = test_run_cmd(&out, "sqlite3 '%s' \"INSERT INTO t (tags) VALUES ('[\\\"abcd\\\"]')\"", file);
		cr_assert_neq(st, 0, "the sqlite3 shell took it: %s", out);
		cr_assert(strstr(out, "t.tags: every item of this array must be a string of at most 3 characters"),
			  "%s", out);
		free(out);
		ST_OK(test_run_cmd(&out, "sqlite3 '%s' \"INSERT INTO t (tags, moods) VALUES ('[\\\"abc\\\"]', '[]')\"",
				   file));
		free(out);
	}
}

/*
 * Scalar uuid, date and timestamp columns: what PostgreSQL refuses SQLite's
 * implied CHECKs refuse (the rules of the array items, src/sql/ddl.c), by
 * plain SQL and through the sqlite3 shell; what Strata itself writes (the
 * defaults, an updated_at touch) and the usual spellings are taken on both.
 */
DB_TEST(sql, scalar_types_refuse_what_postgres_refuses)
{
	const char *text = "table s {\n  id serial primary key\n  u uuid\n  d date\n  ts timestamp\n"
			   "  u4 uuid not null default uuid_v4\n  u7 uuid not null default uuid_v7\n"
			   "  today date not null default now\n  use timestamps, soft_delete\n}\n"
			   /* for the sqlite3 shell, which has no strata_uuid_v7() */
			   "table sh {\n  id serial primary key\n  u uuid\n  d date\n  ts timestamp\n}\n";
	test_apply_schema_text(db, text);
	bool pg = backend == STRATA_BACKEND_POSTGRES;
	/* column, value (an SQL expression), taken by PostgreSQL, taken by SQLite */
	const struct {
		const char *col, *value;
		bool pg, lite;
	} cases[] = {
		{ "u", "'0190a3c4-1b2c-7d3e-8f40-123456789abc'", true, true },
		{ "u", "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", true, true },
		{ "u", "'nope'", false, false },
		{ "u", "'0190a3c4-1b2c-7d3e-8f40-12345678'", false, false },
		{ "u", "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'", true, false },
		{ "u", "'a0eebc999c0b4ef8bb6d6bb9bd380a11'", true, false },
		{ "d", "'2024-01-01'", true, true },
		{ "d", "'2024-02-29'", true, true },
		{ "d", "CURRENT_DATE", true, true },
		{ "d", "'2024-02-30'", false, false },
		{ "d", "'nope'", false, false },
		{ "d", "'2024-1-1'", true, false },
		{ "ts", "CURRENT_TIMESTAMP", true, true },
		{ "ts", "'2024-01-01'", true, true },
		{ "ts", "'2024-01-01 10:00'", true, true },
		{ "ts", "'2024-01-01T10:00:00.123456Z'", true, true },
		{ "ts", "'2024-01-01 10:00:00+05:30'", true, true },
		{ "ts", "'2024-01-01 10:00:00-05'", true, true },
		{ "ts", "'2024-13-01 10:00'", false, false },
		{ "ts", "'2024-01-01 25:00'", false, false },
		{ "ts", "'2024-02-30 10:00'", false, false },
		{ "ts", "'nope'", false, false },
		{ "ts", "'yesterday'", true, false },
	};
	int64_t taken = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char sql[200];
		snprintf(sql, sizeof sql, "INSERT INTO s (%s) VALUES (%s)", cases[i].col, cases[i].value);
		bool want = pg ? cases[i].pg : cases[i].lite;
		int rc = strata_exec(db, sql);
		cr_assert_eq(rc == STRATA_OK, want, "%s: %s %s", cases[i].col, cases[i].value,
			     want ? "was refused" : "was taken");
		taken += want;
		if (!want && !pg)
			cr_assert(strstr(strata_error_last()->message, "CHECK constraint failed"), "%s",
				  strata_error_last()->message);
		/* an UPDATE meets the same rule */
		snprintf(sql, sizeof sql, "UPDATE s SET %s = %s WHERE id = 1", cases[i].col, cases[i].value);
		cr_assert_eq(strata_exec(db, sql) == STRATA_OK, want, "UPDATE %s = %s", cases[i].col, cases[i].value);
	}
	/* what Strata writes: the defaults, updated_at's touch, a soft delete's deleted_at = now */
	ST_OK(strata_exec(db, "INSERT INTO s DEFAULT VALUES"));
	ST_OK(strata_exec(db, "UPDATE s SET u = NULL"));
	ST_OK(strata_exec(db, pg ? "UPDATE s SET deleted_at = now()"
				 : "UPDATE s SET deleted_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')"));
	int64_t n = 0;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM s", NULL, 0));
	cr_assert_eq(n, taken + 1);
	if (!pg) {
		char *out = NULL;
		const char *file = url + strlen("sqlite:");
		int st = test_run_cmd(&out, "sqlite3 '%s' \"INSERT INTO sh (d) VALUES ('2024-02-30')\"", file);
		cr_assert_neq(st, 0, "the sqlite3 shell took it: %s", out);
		cr_assert(strstr(out, "CHECK constraint failed: date(\"d\""), "%s", out);
		free(out);
		st = test_run_cmd(&out, "sqlite3 '%s' \"INSERT INTO sh (ts) VALUES ('yesterday')\"", file);
		cr_assert_neq(st, 0, "the sqlite3 shell took it: %s", out);
		free(out);
		ST_OK(test_run_cmd(&out,
				   "sqlite3 '%s' \"INSERT INTO sh (u, d, ts) VALUES (lower(hex(randomblob(4))) || "
				   "'-0000-4000-8000-000000000000', date('now'), datetime('now'))\"",
				   file));
		free(out);
	}
}

Test(sql, postgres_types)
{
	char *s = ddl(
		"enum st { a 'it''s' }\n"
		"table t {\n  id serial primary key\n  name string(10) not null\n  ok bool default true\n  doc json\n"
		"  tags string(5)[]\n  state st\n  at timestamp default now\n  u uuid default uuid_v4\n}\n",
		STRATA_BACKEND_POSTGRES);
	has(s, "CREATE TYPE \"st\" AS ENUM ('a', 'it''s');");
	has(s, "\"id\" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY NOT NULL");
	has(s, "\"name\" varchar(10) NOT NULL");
	has(s, "\"ok\" boolean DEFAULT true");
	has(s, "\"doc\" jsonb");
	has(s, "\"tags\" varchar(5)[]");
	has(s, "\"at\" timestamptz DEFAULT now()");
	has(s, "\"u\" uuid DEFAULT gen_random_uuid()");
	free(s);
}

Test(sql, dependency_order_and_cycles)
{
	const char *text = "table a { id serial primary key\n b_id ref b }\n"
			   "table b { id serial primary key\n c_id ref c }\n"
			   "table c { id serial primary key\n a_id ref a\n self_id ref c }\n"
			   "table d { id serial primary key }\n";
	char *pg = ddl(text, STRATA_BACKEND_POSTGRES);
	/* a, b, c form a cycle: a is created first without its key, closed by ALTER TABLE. */
	const char *ca = strstr(pg, "CREATE TABLE IF NOT EXISTS \"a\""),
		   *cb = strstr(pg, "CREATE TABLE IF NOT EXISTS \"b\"");
	const char *cc = strstr(pg, "CREATE TABLE IF NOT EXISTS \"c\""),
		   *alter = strstr(pg, "ALTER TABLE \"a\" ADD CONSTRAINT \"a_b_id_fkey\"");
	cr_assert(ca && cb && cc && alter, "%s", pg);
	cr_assert(ca < cc && cc < cb && cb < alter, "order a, c, b, then the ALTER:\n%s", pg);
	cr_assert(strstr(cc, "\"c_self_id_fkey\" FOREIGN KEY (\"self_id\") REFERENCES \"c\""),
		  "self-references stay inline");
	free(pg);
	char *lite = ddl(text, STRATA_BACKEND_SQLITE);
	cr_assert_null(strstr(lite, "ALTER TABLE"), "SQLite accepts forward references");
	has(lite, "CONSTRAINT \"a_b_id_fkey\" FOREIGN KEY (\"b_id\") REFERENCES \"b\" (\"id\")");
	free(lite);
}

Test(sql, quoting)
{
	char *q = NULL;
	ST_OK(strata_sql_quote_ident(STRATA_BACKEND_POSTGRES, "we\"ird", &q));
	cr_assert_str_eq(q, "\"we\"\"ird\"");
	free(q);
	ST_EXPECT(strata_sql_quote_ident(STRATA_BACKEND_SQLITE, "", &q), STRATA_EINVAL);
	char *s = ddl("table \"order\" {\n  \"select\" text default 'x''y'\n}\n", STRATA_BACKEND_SQLITE);
	has(s, "CREATE TABLE IF NOT EXISTS \"order\" (\n    \"select\" TEXT DEFAULT 'x''y'\n);");
	free(s);
}

DB_TEST(sql, apply_enforces_types_on_both)
{
	const char *text =
		"enum st { open closed }\n"
		"table t {\n  id serial primary key\n  name string(3)\n  ok bool\n  doc json\n  state st\n}\n";
	strata_schema *s = NULL;
	ST_OK(strata_schema_parse(&s, text, strlen(text), "s"));
	ST_OK(strata_schema_apply(db, s));
	ST_OK(strata_schema_apply(db, s));
	ST_OK(strata_execv(db, "INSERT INTO t (name, ok, doc, state) VALUES (?, ?, ?, ?)", STRATA_TEXT("abc"),
			   STRATA_BOOL(true), STRATA_JSON("{\"a\":1}"), STRATA_TEXT("open")));
	cr_assert_neq(strata_execv(db, "INSERT INTO t (name) VALUES (?)", STRATA_TEXT("abcd")), STRATA_OK,
		      "string(3) is enforced");
	cr_assert_neq(strata_execv(db, "INSERT INTO t (doc) VALUES (?)", STRATA_JSON("{nope")), STRATA_OK,
		      "json is validated");
	ST_OK(strata_execv(db, "INSERT INTO t (doc) VALUES (?)", STRATA_NULL));
	cr_assert_neq(strata_execv(db, "INSERT INTO t (state) VALUES (?)", STRATA_TEXT("ajar")), STRATA_OK,
		      "enum values are enforced");
	strata_schema_free(s);
	(void)url;
	(void)backend;
}

/*
 * UUIDv7 defaults the database makes are monotonic within a connection
 * (issue 17): 20,000 rows from one statement (many per millisecond) and
 * 20,000 from single-row statements, each a version 7 UUID of RFC 9562's
 * variant and greater than the one inserted before it.  PostgreSQL's come
 * from the strata_uuid_v7() the DDL creates, SQLite's from the
 * strata_uuid_v7() Strata defines on its connections.
 */
DB_TEST(sql, uuid_v7_defaults_are_monotonic)
{
	enum {
		N = 20000
	};
	const char *text = "table t {\n  seq int primary key\n  u uuid not null default uuid_v7\n}\n";
	test_apply_schema_text(db, text);
	bool pg = backend == STRATA_BACKEND_POSTGRES;
	ST_OK(strata_execv(db,
			   pg ? "INSERT INTO t (seq) SELECT g FROM generate_series(1, ?) g"
			      : "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?) "
				"INSERT INTO t (seq) SELECT x FROM g",
			   STRATA_INT(N)));
	for (int i = N + 1; i <= 2 * N; i++)
		ST_OK(strata_execv(db, "INSERT INTO t (seq) VALUES (?)", STRATA_INT(i)));
	int64_t n = -1;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM t", NULL, 0));
	cr_assert_eq(n, 2 * N);
	ST_OK(strata_query_int64(
		db, &n,
		pg ? "SELECT count(*) FROM t WHERE u::text !~ "
		     "'^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-'"
		   : "SELECT count(*) FROM t WHERE length(u) <> 36 OR u GLOB '*[^0-9a-f-]*' OR substr(u, 15, 1) <> '7' "
		     "OR substr(u, 20, 1) NOT IN ('8', '9', 'a', 'b')",
		NULL, 0));
	cr_assert_eq(n, 0, "%lld values are not version 7 UUIDs", (long long)n);
	ST_OK(strata_query_int64v(db, &n,
				  "SELECT count(*) FROM (SELECT seq, u, lag(u) OVER (ORDER BY seq) AS p FROM t) x "
				  "WHERE p >= u AND seq <= ?",
				  STRATA_INT(N)));
	cr_assert_eq(n, 0, "one statement: %lld of 19,999 neighbouring pairs out of order", (long long)n);
	ST_OK(strata_query_int64v(db, &n,
				  "SELECT count(*) FROM (SELECT seq, u, lag(u) OVER (ORDER BY seq) AS p FROM t) x "
				  "WHERE p >= u AND seq > ?",
				  STRATA_INT(N)));
	cr_assert_eq(n, 0, "single-row statements: %lld of 20,000 neighbouring pairs out of order", (long long)n);
	(void)url;
}

/*
 * A program that is not Strata writes to Strata's SQLite tables through
 * the extension libstrata_sqlite: the sqlite3 shell, without it, stops at
 * the first call to a function Strata defines; with `.load`, uuid_v7
 * defaults are made (monotonic, version 7) and `default actor` columns are
 * filled from strata_set_actor(), on insert and by the update trigger.
 */
Test(sql, the_sqlite3_shell_writes_through_the_extension)
{
	char *dir = test_tmpdir(), *out = NULL, file[1024];
	snprintf(file, sizeof file, "%s/ext.db", dir);
	const char *text = "table t {\n  id uuid primary key default uuid_v7\n  n int\n"
			   "  created_by text default actor\n  updated_by text default actor auto_update\n}\n";
	strata_schema *s = NULL;
	strata_db *db = NULL;
	char url[1100];
	snprintf(url, sizeof url, "sqlite:%s", file);
	ST_OK(strata_schema_parse(&s, text, strlen(text), "s"));
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_schema_apply(db, s));
	strata_close(db);
	strata_schema_free(s);

	int rc = test_run_cmd(&out, "sqlite3 '%s' 'INSERT INTO t (n) VALUES (1)' 2>&1", file);
	cr_assert_neq(rc, 0, "the shell inserted without the extension: %s", out);
	cr_assert(strstr(out, "strata_actor") || strstr(out, "strata_uuid_v7"), "%s", out);
	free(out);

	rc = test_run_cmd(
		&out,
		"sqlite3 '%s' '.load %s' \"SELECT strata_set_actor('alice')\" "
		"'WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 5000) "
		"INSERT INTO t (n) SELECT x FROM g' \"SELECT strata_set_actor('bob')\" "
		"'UPDATE t SET n = -n WHERE n <= 10' 'SELECT count(*) FROM (SELECT id, lag(id) OVER (ORDER BY "
		"rowid) AS p FROM t) WHERE p >= id' \"SELECT count(*) FROM t WHERE substr(id, 15, 1) <> '7' OR "
		"created_by IS NOT 'alice'\" \"SELECT count(*) FROM t WHERE updated_by = 'bob'\" 2>&1",
		file, STRATA_SQLITE_EXT);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert_str_eq(out, "alice\nbob\n0\n0\n10\n",
			 "set actor, set actor, pairs out of order, not v7 or not "
			 "alice's, updated by bob:\n%s",
			 out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

/*
 * The extension's strata_set_actor() runs only from top-level SQL: a view
 * (or a trigger) in the database cannot change who the writes of the
 * program that opened it are attributed to.
 */
Test(sql, a_view_cannot_set_the_extensions_actor)
{
	char *dir = test_tmpdir(), *out = NULL;
	int rc = test_run_cmd(&out,
			      "sqlite3 -bail '%s/v.db' '.load %s' \"SELECT strata_set_actor('alice')\" "
			      "\"CREATE VIEW v AS SELECT strata_set_actor('mallory') AS a\" 'SELECT a FROM v' 2>&1; "
			      "sqlite3 '%s/v.db' '.load %s' 'SELECT coalesce(strata_actor(), 0)'",
			      dir, STRATA_SQLITE_EXT, dir, STRATA_SQLITE_EXT);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "alice\n"), "%s", out);
	cr_assert(strstr(out, "unsafe use of strata_set_actor()"), "%s", out);
	cr_assert(!strstr(out, "mallory"), "%s", out);
	cr_assert(strstr(out, "\n0\n"), "the actor belongs to the connection, a new one has none: %s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

/* The text of `sql`'s one value on `db`, into out[cap] ("NULL" when NULL). */
static void sqlite_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
	const unsigned char *t = sqlite3_column_text(st, 0);
	snprintf(out, cap, "%s", t ? (const char *)t : "NULL");
	sqlite3_finalize(st);
}

static void null_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlite3_result_null(ctx);
}

/*
 * A program that loads the extension with SQLite's C API and then defines
 * strata_actor() itself (or loads the extension twice) keeps working
 * strata_set_actor() and strata_uuid_v7(): the state they share lives
 * until the last of them goes.  Under ASan a double or invalid free in the
 * module (which allocates through the program's SQLite) stops the test.
 */
Test(sql, the_extension_survives_a_redefined_function)
{
	sqlite3 *db = NULL;
	char got[64], prev[64];
	char *err = NULL;
	cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	cr_assert_eq(sqlite3_enable_load_extension(db, 1), SQLITE_OK);
	cr_assert_eq(sqlite3_load_extension(db, STRATA_SQLITE_EXT, NULL, &err), SQLITE_OK, "%s", err ? err : "");
	cr_assert_eq(sqlite3_load_extension(db, STRATA_SQLITE_EXT, NULL, &err), SQLITE_OK, "%s", err ? err : "");
	sqlite_text(db, "SELECT strata_uuid_v7()", prev, sizeof prev);
	cr_assert_eq(sqlite3_create_function(db, "strata_actor", 0, SQLITE_UTF8, NULL, null_fn, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 100; i++) {
		char want[16];
		snprintf(want, sizeof want, "actor%d", i);
		char sql[64];
		snprintf(sql, sizeof sql, "SELECT strata_set_actor('%s')", want);
		sqlite_text(db, sql, got, sizeof got);
		cr_assert_str_eq(got, want);
		sqlite_text(db, "SELECT strata_uuid_v7()", got, sizeof got);
		cr_assert_gt(strcmp(got, prev), 0, "%s after %s", got, prev);
		memcpy(prev, got, sizeof prev);
	}
	sqlite_text(db, "SELECT strata_actor()", got, sizeof got);
	cr_assert_str_eq(got, "NULL", "the program's own strata_actor() answers");
	sqlite_text(db, "SELECT strata_set_actor(NULL)", got, sizeof got);
	cr_assert_str_eq(got, "NULL");
	sqlite3_close(db);
}
