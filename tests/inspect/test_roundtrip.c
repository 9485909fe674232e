/* Round trips on both backends: schema -> DDL -> apply -> inspect -> the same model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/diff.h>
#include <strata/inspect.h>
#include <strata/sql.h>

#include "example_schema.h"
#include "testdb.h"

static void round_trip(strata_db *db, const char *text)
{
	strata_schema *want = NULL, *got = NULL;
	char *a = NULL, *b = NULL;
	ST_OK(strata_schema_parse(&want, text, strlen(text), "schema.strata"));
	ST_OK(strata_schema_apply(db, want));
	ST_OK(strata_schema_apply(db, want)); /* idempotent */
	ST_OK(strata_inspect(db, NULL, &got));
	ST_OK(strata_schema_print(want, STRATA_PRINT_DB, &a));
	ST_OK(strata_schema_print(got, STRATA_PRINT_DB, &b));
	cr_assert_str_eq(b, a, "inspected:\n%s\n---- want:\n%s", b, a);
	free(a);
	free(b);
	/* What `strata schema inspect` prints is a schema file that matches the database. */
	strata_schema *printed = NULL;
	strata_plan *p = NULL;
	ST_OK(strata_schema_print(got, 0, &a));
	ST_OK(strata_schema_parse(&printed, a, strlen(a), "inspected.strata"));
	ST_OK(strata_diff(got, printed, strata_db_backend(db), &p));
	cr_assert_eq(p->nchanges, 0, "%s\n%s\n----\n%s", p->nchanges ? p->changes[0].summary : "", p->up, a);
	strata_plan_free(p);
	strata_schema_free(printed);
	free(a);
	strata_schema_free(want);
	strata_schema_free(got);
}

DB_TEST(inspect, design_example)
{
	round_trip(db, test_example_schema);
	(void)url;
	(void)backend;
}

DB_TEST(inspect, tasks_example_file)
{
	strata_schema *s = NULL;
	char *text = NULL;
	ST_OK(strata_schema_load(&s, STRATA_SOURCE_DIR "/examples/tasks/schema.strata"));
	ST_OK(strata_schema_print(s, 0, &text));
	round_trip(db, text);
	free(text);
	strata_schema_free(s);
	(void)url;
	(void)backend;
}

DB_TEST(inspect, every_type)
{
	round_trip(db, "enum mood { happy sad 'so-so' }\n"
		       "table t {\n"
		       "  id bigint primary key\n"
		       "  a int not null default -3\n"
		       "  b bool default false\n"
		       "  c float not null default 1.5\n"
		       "  d decimal(12,2) default 0.25\n"
		       "  e string(20) default 'it''s'\n"
		       "  f text\n"
		       "  g bytes\n"
		       "  h timestamp default now\n"
		       "  i date default now\n"
		       "  j uuid default uuid_v4\n"
		       "  k json not null\n"
		       "  l int[]\n"
		       "  m mood default 'so-so'\n"
		       "  n mood[]\n"
		       "  o uuid not null default uuid_v7\n"
		       "}\n");
	(void)url;
	(void)backend;
}

DB_TEST(inspect, keys_and_constraints)
{
	round_trip(db, "table a {\n"
		       "  id serial primary key\n"
		       "  x int not null\n"
		       "  y int not null\n"
		       "  b_id ref b on delete set null\n"
		       "  parent_id ref a on delete cascade on update restrict\n"
		       "  unique (x, y)\n"
		       "  unique named_u (y, x)\n"
		       "  check (x < y)\n"
		       "  check named_c (x > 0)\n"
		       "  unique index a_low (x) where y < 10\n"
		       "}\n"
		       "table b {\n"
		       "  id serial primary key\n"
		       "  a_id ref a not null\n"
		       "}\n"
		       "table c {\n"
		       "  x int not null\n"
		       "  y int not null\n"
		       "  primary key (x, y)\n"
		       "  foreign key c_xy (x, y) references a (x, y) on delete cascade\n"
		       "}\n");
	(void)url;
	(void)backend;
}

DB_TEST(inspect, each_feature)
{
	static const char *const features[] = {
		"table users { id serial primary key }\ntable docs {\n  use audit\n  id serial primary key\n}\n",
		"use timestamps, soft_delete\ntable notes {\n  id uuid primary key default uuid_v4\n}\n",
		"table categories {\n  id serial primary key\n  parent_id ref categories on delete cascade\n}\n",
		"table a {\n  id serial primary key\n  b_id ref b\n}\ntable b {\n  id serial primary key\n  a_id ref "
		"a\n}\n",
		"table t {\n  x int not null\n  index hot (x) where x > 10 and x < 100\n  unique index one (x) where x "
		"= 0\n}\n",
		"table t {\n  s string(5)[]\n  d decimal(8)[]\n  j json default '{\"a\": [1, 2]}'\n}\n",
		"table \"order\" {\n  \"select\" text default 'it''s'\n  \"from\" int check (\"from\" > 0)\n}\n",
	};
	for (size_t i = 0; i < sizeof features / sizeof features[0]; i++) {
		round_trip(db, features[i]);
		/* Start the next one on an empty database. */
		strata_schema *s = NULL;
		ST_OK(strata_schema_parse(&s, features[i], strlen(features[i]), "f"));
		for (int k = s->ntables - 1; k >= 0; k--) {
			char sql[256];
			snprintf(sql, sizeof sql, "DROP TABLE \"%s\"%s", s->tables[k].name,
				 backend == STRATA_BACKEND_POSTGRES ? " CASCADE" : "");
			ST_OK(strata_exec(db, sql));
		}
		strata_schema_free(s);
	}
	(void)url;
}

DB_TEST(inspect, foreign_database)
{
	/* A database Strata did not create: unknown words are kept as SQL. */
	if (backend == STRATA_BACKEND_POSTGRES)
		ST_OK(strata_exec(db, "CREATE TABLE legacy (id serial PRIMARY KEY, n smallint DEFAULT 7, "
				      "ts timestamp without time zone, body varchar(10) CHECK (length(body) > 2), "
				      "at timestamp DEFAULT CURRENT_TIMESTAMP, \"odd name\" text, UNIQUE (n, ts))"));
	else
		ST_OK(strata_exec(db, "CREATE TABLE legacy (id INTEGER PRIMARY KEY, n SMALLINT DEFAULT 7, "
				      "ts DATETIME, body VARCHAR(10) CHECK (length(body) > 2), anything, "
				      "at DATETIME DEFAULT CURRENT_TIMESTAMP, [odd name] TEXT, UNIQUE (n, ts))"));
	strata_schema *got = NULL;
	ST_OK(strata_inspect(db, NULL, &got));
	const strata_table *t = strata_schema_table(got, "legacy");
	cr_assert_not_null(t);
	const strata_column *n = strata_table_column(t, "n");
	cr_assert_eq(n->type.kind, STRATA_T_RAW);
	cr_assert_eq(n->dflt.kind, STRATA_DEFAULT_RAW);
	cr_assert_str_eq(n->dflt.text, "7");
	cr_assert_eq(strata_table_column(t, "ts")->type.kind, STRATA_T_RAW);
	cr_assert_not_null(strata_table_column(t, "body")->check, "a check is never dropped");
	char *text = NULL;
	ST_OK(strata_schema_print(got, STRATA_PRINT_DB, &text));
	strata_schema *again = NULL;
	ST_OK(strata_schema_parse(&again, text, strlen(text), "inspected"));
	/* Brought under Strata in one step: the printed file describes the database exactly. */
	strata_plan *p = NULL;
	ST_OK(strata_diff(got, again, backend, &p));
	cr_assert_eq(p->nchanges, 0, "%s\n%s", p->nchanges ? p->changes[0].summary : "", p->up);
	strata_plan_free(p);
	strata_schema_free(again);
	free(text);
	strata_schema_free(got);
	(void)url;
}

/*
 * A table made before scalar uuid, date and timestamp columns had their
 * SQLite CHECKs (the literal DDL of that Strata) inspects to the schema
 * file it came from: migrate diff proposes no rebuild only to add them.
 */
DB_TEST(inspect, tables_made_before_the_scalar_checks)
{
	const char *text = "table old {\n  id serial primary key\n  u uuid not null default uuid_v4\n  d date\n"
			   "  ts timestamp not null default now\n  n timestamp\n}\n";
	if (backend == STRATA_BACKEND_POSTGRES)
		ST_OK(strata_exec(db,
				  "CREATE TABLE old (\"id\" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY NOT "
				  "NULL, \"u\" uuid NOT NULL DEFAULT gen_random_uuid(), \"d\" date, \"ts\" timestamptz "
				  "NOT NULL DEFAULT now(), \"n\" timestamptz)"));
	else
		ST_OK(strata_exec(
			db,
			"CREATE TABLE IF NOT EXISTS \"old\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT NOT "
			"NULL, \"u\" UUID NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || "
			"'-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % "
			"4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))), \"d\" DATE, \"ts\" "
			"TIMESTAMP NOT NULL "
			"DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')), \"n\" TIMESTAMP)"));
	/* the old table takes what the new checks would refuse */
	if (backend == STRATA_BACKEND_SQLITE)
		ST_OK(strata_exec(db, "INSERT INTO old (d) VALUES ('2024-02-30')"));
	strata_schema *want = NULL, *got = NULL;
	ST_OK(strata_schema_parse(&want, text, strlen(text), "schema.strata"));
	ST_OK(strata_inspect(db, NULL, &got));
	strata_plan *p = NULL;
	ST_OK(strata_diff(got, want, backend, &p));
	cr_assert_eq(p->nchanges, 0, "%s\n%s", p->nchanges ? p->changes[0].summary : "", p->up);
	strata_plan_free(p);
	/* a table made now has them, and inspects to the same file */
	ST_OK(strata_exec(db, "DROP TABLE old"));
	ST_OK(strata_schema_apply(db, want));
	if (backend == STRATA_BACKEND_SQLITE)
		cr_assert_neq(strata_exec(db, "INSERT INTO old (d) VALUES ('2024-02-30')"), STRATA_OK);
	strata_schema_free(got);
	ST_OK(strata_inspect(db, NULL, &got));
	ST_OK(strata_diff(got, want, backend, &p));
	cr_assert_eq(p->nchanges, 0, "%s\n%s", p->nchanges ? p->changes[0].summary : "", p->up);
	strata_plan_free(p);
	strata_schema_free(got);
	strata_schema_free(want);
	(void)url;
}

DB_TEST(inspect, triggers_keep_updated_at)
{
	const char *text = "table notes {\n  id serial primary key\n  body text\n  use timestamps\n}\n";
	test_apply_schema_text(db, text);
	ST_OK(strata_exec(db, "INSERT INTO notes (body, updated_at) VALUES ('a', '2000-01-01T00:00:00Z')"));
	ST_OK(strata_exec(db, "UPDATE notes SET body = 'b'"));
	int64_t fresh = 0;
	ST_OK(strata_query_int64(db, &fresh,
				 backend == STRATA_BACKEND_POSTGRES
					 ? "SELECT (updated_at > '2020-01-01')::int FROM notes"
					 : "SELECT updated_at > '2020-01-01' FROM notes",
				 NULL, 0));
	cr_assert_eq(fresh, 1, "the trigger set updated_at");
	(void)url;
}

/* `default actor` columns: their defaults and the auto_update triggers read back as Strata's own. */
DB_TEST(inspect, audit_columns)
{
	round_trip(db, "table users {\n  id serial primary key\n  name text not null\n}\n"
		       "table teams {\n  id uuid primary key default uuid\n}\n"
		       "table notes {\n  use timestamps, audit\n  id serial primary key\n  body text\n"
		       "  team_id ref teams default actor auto_update\n  signed_by string(40) default actor\n"
		       "  seq int default actor\n}\n");
	strata_schema *got = NULL;
	char *text = NULL;
	ST_OK(strata_inspect(db, NULL, &got));
	ST_OK(strata_schema_print(got, 0, &text));
	cr_assert(strstr(text, "    use timestamps, audit\n"), "the audit mixin is recognised:\n%s", text);
	free(text);
	strata_schema_free(got);
	(void)url;
	(void)backend;
}

Test(inspect_cli, schema_commands)
{
	char *dir = test_tmpdir();
	char path[512], *out = NULL;
	snprintf(path, sizeof path, "%s/schema.strata", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(test_example_schema, f);
	fclose(f);
	int rc = test_run_cmd(&out, "%s schema sql --schema %s --dialect postgres", STRATA_CLI, path);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "CREATE TYPE \"status\" AS ENUM ('pending', 'running', 'completed', 'failed');"), "%s",
		  out);
	cr_assert(strstr(out, "\"email\" varchar(255) NOT NULL UNIQUE"), "%s", out);
	free(out);
	rc = test_run_cmd(&out, "%s schema sql --schema %s", STRATA_CLI, path);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "\"email\" VARCHAR(255) NOT NULL UNIQUE CHECK (length(\"email\") <= 255)"), "%s", out);
	free(out);
	rc = test_run_cmd(&out, "%s schema apply --schema %s --url sqlite:%s/app.db", STRATA_CLI, path, dir);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "created 4 tables"), "%s", out);
	free(out);
	rc = test_run_cmd(&out, "%s schema inspect --url sqlite:%s/app.db", STRATA_CLI, dir);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "table task_tags {"), "%s", out);
	cr_assert(strstr(out, "    state status not null default pending\n"), "%s", out);
	free(out);
	FILE *g = fopen(path, "w");
	fputs("table t {\n  id serial primary key\n  name strng(20)\n}\n", g);
	fclose(g);
	rc = test_run_cmd(&out, "%s schema check --schema %s", STRATA_CLI, path);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(out, "schema.strata:3:8: unknown type 'strng'; did you mean 'string'?"), "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(inspect, views_and_materialized_views)
{
	round_trip(db, "table users {\n  id serial primary key\n  email string(100) not null\n  is_active bool not "
		       "null default true\n}\n"
		       "table orders {\n  id serial primary key\n  user_id ref users not null\n  total decimal(10,2) "
		       "not null\n}\n"
		       "view big_spenders as sql($$\n  SELECT user_id FROM user_totals WHERE total > 100\n$$)\n"
		       "materialized view user_totals as sql($$\nSELECT u.id AS user_id, sum(o.total) AS total\n"
		       "FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id\n$$) {\n"
		       "  unique index (user_id)\n  index by_total (total) where total > 0\n}\n"
		       "view active as sql('SELECT id, email FROM users WHERE is_active')\n");
	/* A materialized view is filled when it is made, and refreshed by strata_sql_refresh's SQL. */
	ST_OK(strata_exec(
		db, "INSERT INTO users (email) VALUES ('a@x'); INSERT INTO orders (user_id, total) VALUES (1, 150)"));
	strata_schema *s = NULL;
	char *sql = NULL;
	ST_OK(strata_inspect(db, NULL, &s));
	ST_OK(strata_sql_refresh(strata_schema_view(s, "user_totals"), backend, true, &sql));
	ST_OK(strata_begin(db, NULL));
	ST_OK(strata_exec(db, sql));
	ST_OK(strata_commit(db));
	int64_t n = 0;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM big_spenders", NULL, 0));
	cr_assert_eq(n, 1, "the refreshed view holds the new row");
	free(sql);
	strata_schema_free(s);
	(void)url;
}

/*
 * A view read from a database declares its columns, for `strata gen c`'s
 * typed reads: the types of what it reads.  On SQLite only when every
 * column has one (a computed column has none); never for a view SQLite
 * cannot compile or with a column name gen c refuses (a backslash); inspect
 * still reads such views.
 */
DB_TEST(inspect, views_declare_the_columns_the_database_knows)
{
	bool pg = backend == STRATA_BACKEND_POSTGRES;
	ST_OK(strata_exec(db, pg ? "CREATE TABLE t (id bigint PRIMARY KEY, name varchar(20) NOT NULL, at timestamptz, "
				   "price numeric(10,2)); CREATE TABLE gone (x integer)"
				 : "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, at TIMESTAMP, "
				   "price DECIMAL TEXT(10,2)); CREATE TABLE gone (x INTEGER)"));
	ST_OK(strata_exec(db, "CREATE VIEW named AS SELECT id, name, at, price FROM t"));
	ST_OK(strata_exec(db, "CREATE VIEW counted AS SELECT count(*) AS n FROM t"));
	/* "Full Name" becomes a field Full_Name; a backslash gen c refuses: no declaration, so gen c takes the file */
	ST_OK(strata_exec(db, "CREATE VIEW spaced AS SELECT id, name AS \"Full Name\" FROM t"));
	ST_OK(strata_exec(db, "CREATE VIEW slashed AS SELECT id, name AS \"back\\slash\" FROM t"));
	if (!pg)
		ST_OK(strata_exec(db, "CREATE VIEW broken AS SELECT x FROM gone; DROP TABLE gone"));
	strata_schema *s = NULL;
	char *text = NULL;
	ST_OK(strata_inspect(db, NULL, &s));
	ST_OK(strata_schema_print(s, 0, &text));
	cr_assert(
		strstr(text, " {\n    id bigint\n    name string(20)\n    at timestamp\n    price decimal(10,2)\n}\n"),
		"%s", text);
	const strata_view *counted = strata_schema_view(s, "counted");
	cr_assert(counted);
	cr_assert_eq(counted->ncolumns, pg ? 1 : 0, "%s", text);
	cr_assert(strata_schema_view(s, "spaced") && strata_schema_view(s, "spaced")->ncolumns == 2, "%s", text);
	cr_assert(strata_schema_view(s, "slashed") && strata_schema_view(s, "slashed")->ncolumns == 0, "%s", text);
	if (pg)
		cr_assert_eq(counted->columns[0].type.kind, STRATA_T_BIGINT);
	else
		cr_assert(strata_schema_view(s, "broken") && strata_schema_view(s, "broken")->ncolumns == 0, "%s",
			  text);
	/* the printed file declares them, and parses back to the same views */
	strata_schema *again = NULL;
	char *text2 = NULL;
	ST_OK(strata_schema_parse(&again, text, strlen(text), "inspected.strata"));
	ST_OK(strata_schema_print(again, 0, &text2));
	cr_assert_str_eq(text2, text);
	free(text2);
	strata_schema_free(again);
	free(text);
	strata_schema_free(s);
	(void)url;
}

/*
 * Names a database made elsewhere has that are not C identifiers (a
 * hyphen, a space, a digit first, an enum named with a space) come back
 * from inspect as a file that parses to the same model, applies, and that
 * gen c turns into C that compiles warnings-as-errors.
 */
DB_TEST(inspect, names_that_are_not_identifiers)
{
	bool pg = backend == STRATA_BACKEND_POSTGRES;
	if (pg)
		ST_OK(strata_exec(db, "CREATE TYPE \"order status\" AS ENUM ('new', 'in progress', '2nd try')"));
	ST_OK(strata_exec(db, pg ? "CREATE TABLE \"order-items\" (id bigint PRIMARY KEY, \"Full Name\" text, "
				   "\"2fa\" boolean, \"Order Status\" \"order status\")"
				 : "CREATE TABLE \"order-items\" (id INTEGER PRIMARY KEY, \"Full Name\" TEXT, "
				   "\"2fa\" BOOLEAN CHECK (\"2fa\" IN (0, 1)))"));
	ST_OK(strata_exec(db, "CREATE VIEW \"item-names\" AS SELECT id, \"Full Name\" FROM \"order-items\""));
	strata_schema *s = NULL, *again = NULL;
	char *text = NULL, *text2 = NULL;
	ST_OK(strata_inspect(db, NULL, &s));
	ST_OK(strata_schema_print(s, 0, &text));
	if (pg)
		cr_assert(strstr(text, "\"Order Status\" \"order status\""), "%s", text);
	ST_OK(strata_schema_parse(&again, text, strlen(text), "inspected.strata"));
	ST_OK(strata_schema_print(again, 0, &text2));
	cr_assert_str_eq(text2, text);

	char *dir = test_tmpdir(), *out = NULL, path[1200];
	snprintf(path, sizeof path, "%s/inspected.strata", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f && fputs(text, f) >= 0 && fclose(f) == 0);
	int rc = test_run_cmd(
		&out,
		"%s gen c --schema %s -o %s/gen >/dev/null && cc -fsyntax-only -std=c99 -Wall -Wextra -Wpedantic "
		"-Werror "
		"-I%s/include %s/gen/db.c && grep -c 'Full_Name;\\|_2fa;\\|ORDER_STATUS_2ND_TRY' %s/gen/db.h",
		STRATA_CLI, path, dir, STRATA_SOURCE_DIR, dir, dir);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert_eq(atoi(out), pg ? 4 : 3, "the C names: %s", out); /* Full_Name in the table and the view */
	free(out);
	test_rmrf(dir);
	free(dir);
	free(text2);
	free(text);
	strata_schema_free(again);
	strata_schema_free(s);
	(void)url;
}

/*
 * An SQLite table made before uuid_v7 defaults called strata_uuid_v7()
 * (the millisecond-ordered SQL expression, written out here) inspects as
 * `default uuid_v7`: migrate diff against the schema proposes nothing, so
 * the table is not rebuilt for it.  A table made now has the function.
 */
Test(inspect, sqlite_uuid_v7_default_of_older_tables)
{
	char *dir = test_tmpdir(), url[1100];
	snprintf(url, sizeof url, "sqlite:%s/old.db", dir);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(
		db,
		"CREATE TABLE t (id UUID PRIMARY KEY NOT NULL DEFAULT (lower(substr(printf('%012x', "
		"CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)), 1, 8) || '-' || substr(printf('%012x', "
		"CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)), 9, 4) || '-7' || "
		"substr(hex(randomblob(2)), "
		"2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || "
		"hex(randomblob(6)))), n INTEGER)"));
	strata_schema *live = NULL, *file = NULL;
	ST_OK(strata_inspect(db, NULL, &live));
	const strata_column *c = strata_table_column(strata_schema_table(live, "t"), "id");
	cr_assert(c && c->dflt.kind == STRATA_DEFAULT_UUID_V7);
	const char *text = "table t {\n  id uuid primary key default uuid_v7\n  n int\n}\n";
	ST_OK(strata_schema_parse(&file, text, strlen(text), "schema.strata"));
	strata_plan *p = NULL;
	ST_OK(strata_diff(live, file, STRATA_BACKEND_SQLITE, &p));
	cr_assert_eq(p->nchanges, 0, "%s", p->up);
	strata_plan_free(p);
	char *sql = NULL;
	ST_OK(strata_sql_create(file, STRATA_BACKEND_SQLITE, &sql));
	cr_assert(strstr(sql, "DEFAULT (strata_uuid_v7())"), "%s", sql);
	free(sql);
	strata_schema_free(file);
	strata_schema_free(live);
	strata_close(db);
	test_rmrf(dir);
	free(dir);
}
