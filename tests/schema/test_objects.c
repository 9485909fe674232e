/* The schema language beyond plain tables: views, functions, triggers, domains, extensions, sequences, partitions
 * (parsing, printing, SQL, errors). */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <strata.h>

#define ST_OK(call)                                                                             \
	do {                                                                                    \
		int st_rc_ = (call);                                                            \
		cr_assert_eq(st_rc_, STRATA_OK, "%s: %s", #call, strata_error_last()->message); \
	} while (0)

static strata_schema *parse_ok(const char *text)
{
	strata_schema *s = NULL;
	ST_OK(strata_schema_parse(&s, text, strlen(text), "schema.strata"));
	return s;
}

static void expect_error(const char *text, const char *msg)
{
	strata_schema *s = NULL;
	cr_assert_eq(strata_schema_parse(&s, text, strlen(text), "schema.strata"), STRATA_EPARSE, "parsed: %s", text);
	cr_assert_str_eq(strata_error_last()->message, msg);
	cr_assert_null(s);
}

static const char shop[] =
	"table users {\n  id serial primary key\n  email string(100) not null\n  is_active bool not null default "
	"true\n}\n"
	"table orders {\n  id serial primary key\n  user_id ref users not null\n  total decimal(10,2) not null\n}\n"
	"view big_spenders as sql($$\n    SELECT user_id FROM user_totals WHERE total > 100\n$$)\n"
	"materialized view user_totals as sql($q$\n"
	"SELECT u.id AS user_id, sum(o.total) AS total, 'it''s' AS note\n"
	"FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id\n$q$) {\n"
	"    unique index (user_id)\n    index by_total (total) where total > 0\n}\n"
	"view active as sql('SELECT id, email FROM users WHERE is_active')\n";

Test(views, model)
{
	strata_schema *s = parse_ok(shop);
	cr_assert_eq(s->nviews, 3);
	/* Creation order: what a view reads first, otherwise by name. */
	cr_assert_str_eq(s->views[0].name, "active");
	cr_assert_str_eq(s->views[1].name, "user_totals");
	cr_assert_str_eq(s->views[2].name, "big_spenders");
	const strata_view *m = strata_schema_view(s, "user_totals");
	cr_assert(m->materialized);
	cr_assert_str_eq(m->sql,
			 "SELECT u.id AS user_id, sum(o.total) AS total, 'it''s' AS note\n"
			 "FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id",
			 "the text between the quotes, trimmed, kept as written");
	cr_assert_eq(m->nindexes, 2);
	cr_assert_str_eq(m->indexes[0].name, "user_totals_user_id_idx");
	cr_assert(m->indexes[0].unique);
	cr_assert_str_eq(m->indexes[1].where, "total > 0");
	const strata_view *b = strata_schema_view(s, "big_spenders");
	cr_assert_str_eq(b->sql, "SELECT user_id FROM user_totals WHERE total > 100");
	cr_assert_eq(b->ndepends, 1);
	cr_assert_str_eq(b->depends[0], "user_totals");
	cr_assert(strata_view_refresh_concurrently(m));
	cr_assert_not(strata_view_refresh_concurrently(b));
	strata_schema_free(s);
}

Test(views, print_round_trip)
{
	strata_schema *s = parse_ok(shop);
	char *a = NULL, *b = NULL;
	ST_OK(strata_schema_print(s, 0, &a));
	cr_assert(strstr(a, "view active as sql('SELECT id, email FROM users WHERE is_active')\n"), "%s", a);
	cr_assert(strstr(a, "materialized view user_totals as sql($$\nSELECT u.id AS user_id, sum(o.total) AS total, "
			    "'it''s' AS note\n"
			    "FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id\n$$) {\n"
			    "    index by_total (total) where total > 0\n    unique index (user_id)\n}\n"),
		  "%s", a);
	strata_schema *again = parse_ok(a);
	ST_OK(strata_schema_print(again, 0, &b));
	cr_assert_str_eq(b, a);
	free(a);
	free(b);
	strata_schema_free(again);
	/* A text holding $$ gets another tag. */
	strata_schema *d = parse_ok("view v as sql($x$SELECT '$$'\nAS a$x$)\n");
	ST_OK(strata_schema_print(d, 0, &a));
	cr_assert_str_eq(a, "view v as sql($sql$\nSELECT '$$'\nAS a\n$sql$)\n");
	strata_schema_free(parse_ok(a));
	free(a);
	strata_schema_free(d);
	strata_schema_free(s);
}

/* Declared columns: typed, kept by the printer, not part of the SQL (the query makes the columns). */
Test(views, declared_columns)
{
	static const char text[] = "enum mood { happy sad }\n"
				   "table t { id serial primary key\n  m mood not null\n  at timestamp }\n"
				   "view v as sql('SELECT id, m, at FROM t') {\n"
				   "    id bigint not null\n    m mood not null\n    at timestamp\n}\n"
				   "materialized view mv as sql('SELECT m, count(*) AS n FROM t GROUP BY m') {\n"
				   "    m mood not null\n    n bigint\n    unique index (m)\n}\n";
	strata_schema *s = parse_ok(text);
	const strata_view *v = strata_schema_view(s, "v");
	cr_assert_eq(v->ncolumns, 3);
	cr_assert_eq(v->columns[0].type.kind, STRATA_T_BIGINT);
	cr_assert(v->columns[0].not_null);
	cr_assert_eq(v->columns[1].type.kind, STRATA_T_ENUM);
	cr_assert_str_eq(v->columns[1].type.enum_name, "mood");
	cr_assert_eq(v->columns[2].type.kind, STRATA_T_TIMESTAMP);
	cr_assert_not(v->columns[2].not_null);
	const strata_view *mv = strata_schema_view(s, "mv");
	cr_assert_eq(mv->ncolumns, 2);
	cr_assert_eq(mv->nindexes, 1);
	char *a = NULL, *b = NULL;
	ST_OK(strata_schema_print(s, 0, &a));
	cr_assert(strstr(a, "view v as sql('SELECT id, m, at FROM t') {\n    id bigint not null\n    m mood not "
			    "null\n    at timestamp\n}\n"),
		  "%s", a);
	cr_assert(strstr(a, "{\n    m mood not null\n    n bigint\n    unique index (m)\n}\n"), "%s", a);
	strata_schema *again = parse_ok(a);
	ST_OK(strata_schema_print(again, 0, &b));
	cr_assert_str_eq(b, a);
	strata_schema_free(again);
	free(a);
	free(b);
	char *pg = NULL;
	ST_OK(strata_sql_create(s, STRATA_BACKEND_POSTGRES, &pg));
	cr_assert(strstr(pg, "CREATE OR REPLACE VIEW \"v\" AS\nSELECT id, m, at FROM t;\n"), "%s", pg);
	free(pg);
	strata_schema_free(s);
}

Test(views, sql_both_dialects)
{
	strata_schema *s = parse_ok(shop);
	char *pg = NULL, *lite = NULL;
	ST_OK(strata_sql_create(s, STRATA_BACKEND_POSTGRES, &pg));
	ST_OK(strata_sql_create(s, STRATA_BACKEND_SQLITE, &lite));
	const char *a =
		strstr(pg, "CREATE OR REPLACE VIEW \"active\" AS\nSELECT id, email FROM users WHERE is_active;\n");
	const char *m = strstr(pg, "CREATE MATERIALIZED VIEW IF NOT EXISTS \"user_totals\" AS\n");
	const char *x = strstr(
		pg, "CREATE UNIQUE INDEX IF NOT EXISTS \"user_totals_user_id_idx\" ON \"user_totals\" (\"user_id\");");
	const char *b = strstr(pg, "CREATE OR REPLACE VIEW \"big_spenders\" AS\n");
	cr_assert(a && m && x && b && a < m && m < x && x < b, "%s", pg);
	cr_assert(strstr(lite, "CREATE VIEW IF NOT EXISTS \"user_totals__strata_query\" AS\nSELECT u.id"), "%s", lite);
	cr_assert(strstr(lite,
			 "CREATE TABLE IF NOT EXISTS \"user_totals\" AS SELECT * FROM \"user_totals__strata_query\";"),
		  "%s", lite);
	free(pg);
	free(lite);
	char *r = NULL;
	ST_OK(strata_sql_refresh(strata_schema_view(s, "user_totals"), STRATA_BACKEND_POSTGRES, true, &r));
	cr_assert_str_eq(r, "REFRESH MATERIALIZED VIEW CONCURRENTLY \"user_totals\";\n");
	free(r);
	ST_OK(strata_sql_refresh(strata_schema_view(s, "user_totals"), STRATA_BACKEND_SQLITE, true, &r));
	cr_assert_str_eq(r, "DELETE FROM \"user_totals\";\nINSERT INTO \"user_totals\" SELECT * FROM "
			    "\"user_totals__strata_query\";\n");
	free(r);
	cr_assert_eq(strata_sql_refresh(strata_schema_view(s, "active"), STRATA_BACKEND_POSTGRES, false, &r),
		     STRATA_EINVAL);
	cr_assert_null(r);
	strata_schema_free(s);
}

Test(views, errors)
{
	expect_error("view v as sql('')\n", "schema.strata:1:15: empty SQL");
	expect_error("view v as sql($$SELECT 1\n", "schema.strata:1:15: unterminated $$ string");
	expect_error("view v sql('SELECT 1')\n", "schema.strata:1:8: expected 'as', found 'sql'");
	expect_error("view v as 'SELECT 1'\n",
		     "schema.strata:1:11: expected the query: sql($$SELECT ...$$), found a string");
	expect_error("table t { id int }\nview t as sql('SELECT 1')\n",
		     "schema.strata:2:1: view 't' has the name of a table");
	expect_error("view v as sql('SELECT 1')\nview v as sql('SELECT 2')\n",
		     "schema.strata:2:1: duplicate view 'v' (first declared on line 1)");
	expect_error("materialized view m as sql('SELECT 1 AS a') {\n  a int primary key\n}\n",
		     "schema.strata:2:3: materialized view 'm': column 'a' takes a type and 'not null' only (the "
		     "query computes it)");
	expect_error("view v as sql('SELECT 1 AS a') {\n  a int default 1\n}\n",
		     "schema.strata:2:3: view 'v': column 'a' takes a type and 'not null' only (the query computes "
		     "it)");
	expect_error("view v as sql('SELECT 1 AS a') {\n  a int\n  check (a > 0)\n}\n",
		     "schema.strata:1:32: view 'v' holds only column lines (NAME TYPE [not null])");
	expect_error("view v as sql('SELECT 1 AS a') {\n  a int\n  index (a)\n}\n",
		     "schema.strata:3:3: view 'v' has an index: only a materialized view can");
	expect_error("view v as sql('SELECT 1 AS a') {\n  a int\n  a text\n}\n",
		     "schema.strata:3:3: view 'v': duplicate column 'a'");
	expect_error("view v as sql('SELECT 1 AS a') {\n  a mood\n}\n",
		     "schema.strata:2:5: unknown type 'mood'; did you mean 'bool'?");
	expect_error("materialized view m as sql('SELECT 1 AS a') {\n  a int\n  unique index (b)\n}\n",
		     "schema.strata:3:17: materialized view 'm' declares no column 'b'");
	expect_error("materialized vew m as sql('SELECT 1')\n", "schema.strata:1:14: expected 'view', found 'vew'");
	expect_error(
		"table t { id int\n index x (id) }\nmaterialized view m as sql('SELECT 1 AS a') {\n  index x (a)\n}\n",
		"schema.strata:4:3: duplicate index or constraint name 'x'");
	expect_error("view v as sql('SELECT 1') x\n", "schema.strata:1:27: expected end of line, found 'x'");
}

static const char objects[] =
	"extension pg_trgm\n"
	"extension citext schema public\n"
	"domain positive_int as sql('integer') not null default sql('1') check positive (VALUE > 0)\n"
	"sequence invoice_no_seq as integer start 1000 increment 10 owned by invoice.no\n"
	"function touch as sql($fn$CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; "
	"END $$$fn$)\n"
	"table invoice {\n"
	"  id int primary key identity always\n"
	"  n sql('positive_int')\n"
	"  no int not null default sql('nextval(''invoice_no_seq'')')\n"
	"  name text collate \"C\" comment 'the name'\n"
	"  g sql('numeric') generated (n * 2)\n"
	"  index using gin (name gin_trgm_ops)\n"
	"  index by_name (lower(name) desc nulls last) include (n)\n"
	"}\n"
	"trigger invoice_touch on invoice as sql('CREATE TRIGGER invoice_touch BEFORE UPDATE ON invoice FOR EACH ROW "
	"EXECUTE FUNCTION touch()')\n"
	"table log partition by range (at) {\n  at date not null\n  msg text\n}\n"
	"table log_2026 partition of log for values from ('2026-01-01') to ('2027-01-01')\n"
	"table log_rest partition of log default\n";

Test(objects, model)
{
	strata_schema *s = parse_ok(objects);
	cr_assert_eq(s->nextensions, 2);
	cr_assert_eq(s->ndomains, 1);
	cr_assert_str_eq(s->domains[0].type, "integer");
	cr_assert(s->domains[0].not_null);
	cr_assert_eq(s->domains[0].nchecks, 1);
	cr_assert_str_eq(s->domains[0].checks[0].name, "positive");
	cr_assert_eq(s->nsequences, 1);
	cr_assert_str_eq(s->sequences[0].start, "1000");
	cr_assert_str_eq(s->sequences[0].owned_by, "invoice.no");
	cr_assert_eq(s->nfunctions, 1);
	cr_assert_eq(s->ntriggers, 1);
	cr_assert_str_eq(s->triggers[0].table, "invoice");
	const strata_table *t = strata_schema_table(s, "invoice");
	cr_assert_eq(strata_table_column(t, "id")->identity, STRATA_IDENTITY_ALWAYS);
	cr_assert_str_eq(strata_table_column(t, "name")->collation, "C");
	cr_assert_str_eq(strata_table_column(t, "name")->comment, "the name");
	cr_assert_str_eq(strata_table_column(t, "g")->generated, "n * 2");
	cr_assert_str_eq(t->indexes[0].method, "gin");
	cr_assert_str_eq(t->indexes[0].keys[0].opclass, "gin_trgm_ops");
	cr_assert(t->indexes[1].keys[0].expr && t->indexes[1].keys[0].desc);
	cr_assert_eq(t->indexes[1].keys[0].nulls, STRATA_NULLS_LAST);
	cr_assert_str_eq(t->indexes[1].include[0], "n");
	const strata_table *p = strata_schema_table(s, "log_2026");
	cr_assert_str_eq(p->partition_of, "log");
	cr_assert_str_eq(p->partition_bound, "for values from ('2026-01-01') to ('2027-01-01')");
	cr_assert_str_eq(strata_schema_table(s, "log")->partition_by, "range (at)");
	strata_schema_free(s);
}

Test(objects, print_round_trip)
{
	strata_schema *s = parse_ok(objects), *again = NULL;
	char *a = NULL, *b = NULL;
	ST_OK(strata_schema_print(s, 0, &a));
	again = parse_ok(a);
	ST_OK(strata_schema_print(again, 0, &b));
	cr_assert_str_eq(b, a);
	cr_assert(strstr(a, "trigger invoice_touch on invoice as sql("), "%s", a);
	cr_assert(strstr(a, "table log_2026 partition of log for values from ('2026-01-01') to ('2027-01-01')"), "%s",
		  a);
	free(a);
	free(b);
	strata_schema_free(again);
	strata_schema_free(s);
}

Test(objects, dialects)
{
	strata_schema *s = parse_ok(objects);
	char *sql = NULL;
	/* PostgreSQL-only objects are refused on SQLite, naming the place to change. */
	cr_assert_eq(strata_sql_check(s, STRATA_BACKEND_SQLITE), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "schema.strata:"), "%s", strata_error_last()->message);
	cr_assert_eq(strata_sql_create(s, STRATA_BACKEND_SQLITE, &sql), STRATA_EINVAL);
	ST_OK(strata_sql_check(s, STRATA_BACKEND_POSTGRES));
	ST_OK(strata_sql_create(s, STRATA_BACKEND_POSTGRES, &sql));
	cr_assert(strstr(sql, "CREATE EXTENSION IF NOT EXISTS \"pg_trgm\";"), "%s", sql);
	cr_assert(strstr(sql, "CREATE TABLE IF NOT EXISTS \"log_2026\" PARTITION OF \"log\""), "%s", sql);
	cr_assert(strstr(sql, "USING gin (\"name\" gin_trgm_ops)"), "%s", sql);
	free(sql);
	strata_schema_free(s);
	/* A type from an SQLite database that PostgreSQL does not know. */
	s = parse_ok("table t {\n  id int primary key\n  name sql('NVARCHAR(40)')\n}\n");
	cr_assert_eq(strata_sql_check(s, STRATA_BACKEND_POSTGRES), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "schema.strata:3:"), "%s", strata_error_last()->message);
	strata_schema_free(s);
}

Test(objects, errors)
{
	expect_error(
		"table p partition by range (a) { a int }\ntable c partition of p\n",
		"schema.strata:2:23: expected the partition's bound: 'for values ...' or 'default', found end of line");
	expect_error("trigger t as sql('CREATE TRIGGER t')\n", "schema.strata:1:11: expected 'on', found 'as'");
	expect_error("sequence q start x\n", "schema.strata:1:18: expected a number after 'start', found 'x'");
	expect_error("domain d as sql('int') check x\n",
		     "schema.strata:1:31: expected '(' after 'check', found end of line");
	expect_error("table t {\n  a int generated a + 1\n}\n",
		     "schema.strata:2:19: expected '(' after 'generated', found 'a'");
}
