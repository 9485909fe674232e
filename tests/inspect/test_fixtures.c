/*
 * Databases Strata did not write (tests/inspect/fixtures/, a .sql, one per
 * dialect, using every feature issue 12 lists): inspect, apply the printed
 * file to an empty database, inspect again.  The two printed files are the
 * same, the two databases are the same (pg_dump --schema-only sorted on
 * PostgreSQL, the pragmas on SQLite), and a diff between them is empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/diff.h>
#include <strata/inspect.h>
#include <strata/migrate.h>

#include "testdb.h"

static char *read_fixture(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/inspect/fixtures/%s", STRATA_SOURCE_DIR, name);
	return test_read_text(path);
}

static char *printed(strata_schema *s)
{
	char *text = NULL;
	ST_OK(strata_schema_print(s, 0, &text));
	return text;
}

/* What the database holds, in a form two databases can be compared by. */
static char *structure(strata_db *db, const char *url, strata_backend backend)
{
	char *out = NULL;
	if (backend == STRATA_BACKEND_POSTGRES) {
		/* Comments, blank lines and pg_dump's \restrict keys left out; the lines sorted. */
		int rc = test_run_cmd(
			&out,
			"pg_dump --schema-only --no-owner '%s' | grep -v -e '^--' -e '^\\\\' -e '^$' | LC_ALL=C sort",
			url);
		cr_assert_eq(rc, 0, "%s", out);
		return out;
	}
	/* An INTEGER PRIMARY KEY is the rowid, never NULL: Strata writes NOT NULL on it, a hand-written table may not.
	 */
	static const char q[] =
		"SELECT group_concat(line, char(10)) FROM (SELECT m.type || ' ' || m.name || ' ' || "
		"coalesce(m.tbl_name, '') || "
		"' [' || coalesce((SELECT group_concat(x.cid || ':' || x.name || ':' || x.type || ':' || "
		"CASE WHEN x.pk = 1 AND upper(x.type) = 'INTEGER' THEN '-' ELSE x.\"notnull\" END || ':' || "
		"coalesce(x.dflt_value, '') || ':' || x.pk || ':' || x.hidden, ',') FROM pragma_table_xinfo(m.name) "
		"x), '') || "
		"'] [' || coalesce((SELECT group_concat(k.seqno || ':' || coalesce(k.name, '<expr>') || ':' || "
		"k.\"desc\" || ':' || "
		"coalesce(k.coll, '') || ':' || k.key, ',') FROM pragma_index_xinfo(m.name) k), '') || "
		"'] [' || coalesce((SELECT group_concat(f.\"table\" || ':' || f.\"from\" || ':' || coalesce(f.\"to\", "
		"'') || ':' || "
		"f.on_delete || ':' || f.on_update, ',') FROM pragma_foreign_key_list(m.name) f), '') || "
		"'] [' || coalesce((SELECT l.wr || ':' || l.strict FROM pragma_table_list(m.name) l WHERE l.schema = "
		"'main'), '') || "
		"']' AS line FROM sqlite_schema m WHERE m.name NOT LIKE 'sqlite_%' ORDER BY m.type, m.name)";
	strata_stmt *st = NULL;
	const char *text = NULL;
	size_t n = 0;
	ST_OK(strata_prepare(&st, db, q));
	cr_assert_eq(strata_step(st), STRATA_ROW);
	ST_OK(strata_column_text(st, 0, &text, &n));
	out = strdup(text ? text : "");
	strata_finalize(st);
	return out;
}

static void no_changes(const strata_schema *from, const strata_schema *to, strata_backend backend)
{
	strata_plan *p = NULL;
	ST_OK(strata_diff(from, to, backend, &p));
	cr_assert_eq(p->nchanges, 0, "%s\n%s", p->nchanges ? p->changes[0].summary : "", p->up);
	strata_plan_free(p);
}

/* A second, empty database of the same dialect: *db2 and its URL (free()); *dir or *name to clean up. */
static char *empty_database(strata_backend backend, strata_db **db2, char **dir, char *name, size_t cap)
{
	char *url;
	if (backend == STRATA_BACKEND_POSTGRES) {
		url = test_pg_create_db(name, cap);
	} else {
		*dir = test_tmpdir();
		url = malloc(strlen(*dir) + 32);
		cr_assert_not_null(url);
		sprintf(url, "sqlite:%s/copy.db", *dir);
	}
	ST_OK(strata_open(db2, url, NULL));
	return url;
}

DB_TEST(fixtures, round_trip)
{
	char *sql = read_fixture(backend == STRATA_BACKEND_POSTGRES ? "pg_features.sql" : "sqlite_features.sql");
	ST_OK(strata_exec(db, sql));
	free(sql);

	strata_schema *live = NULL, *file = NULL, *copy = NULL;
	ST_OK(strata_inspect(db, NULL, &live));
	char *text = printed(live);
	ST_OK(strata_schema_parse(&file, text, strlen(text), "inspected.strata"));

	/* The printed file applies to an empty database of the same dialect ... */
	strata_db *db2 = NULL;
	char *dir = NULL, name[128] = "";
	char *url2 = empty_database(backend, &db2, &dir, name, sizeof name);
	ST_OK(strata_schema_apply(db2, file));
	/* ... which inspects to the same file ... */
	ST_OK(strata_inspect(db2, NULL, &copy));
	char *again = printed(copy);
	cr_assert_str_eq(again, text, "re-inspected:\n%s\n---- first:\n%s", again, text);
	/* ... and is the same database. */
	char *s1 = structure(db, url, backend), *s2 = structure(db2, url2, backend);
	cr_assert_str_eq(s2, s1, "copy:\n%s\n---- original:\n%s", s2, s1);
	/* migrate diff between the two, and between either and the file, is empty. */
	no_changes(live, copy, backend);
	no_changes(live, file, backend);
	/*
	 * gen c of the inspected file compiles, warnings as errors, blocking and not: partitions are read
	 * through their parent, a table without a primary key has no get, update or delete, and views have
	 * the columns the database knows.
	 */
	char *gdir = test_tmpdir(), *out = NULL, path[1200];
	snprintf(path, sizeof path, "%s/inspected.strata", gdir);
	FILE *f = fopen(path, "w");
	cr_assert(f && fputs(text, f) >= 0 && fclose(f) == 0);
	for (int async = 0; async < 2; async++) {
		int rc = test_run_cmd(&out,
				      "%s gen c --schema %s -o %s/gen %s && cc -fsyntax-only -std=c99 -Wall -Wextra "
				      "-Werror -I%s/include %s/gen/db.c",
				      STRATA_CLI, path, gdir, async ? "--async" : "", STRATA_SOURCE_DIR, gdir);
		cr_assert_eq(rc, 0, "gen c%s of the inspected fixture:\n%s", async ? " --async" : "", out);
		free(out);
	}
	test_rmrf(gdir);
	free(gdir);

	free(s1);
	free(s2);
	free(again);
	free(text);
	strata_schema_free(copy);
	strata_schema_free(file);
	strata_schema_free(live);
	strata_close(db2);
	if (backend == STRATA_BACKEND_POSTGRES)
		test_pg_drop_db(name);
	else
		test_rmrf(dir);
	free(dir);
	free(url2);
}

static bool has_unmanaged(const strata_schema *s, const char *kind, const char *name)
{
	for (int i = 0; i < s->nunmanaged; i++)
		if (strcmp(s->unmanaged[i].kind, kind) == 0 && strcmp(s->unmanaged[i].name, name) == 0)
			return true;
	return false;
}

/* What the language does not model is listed, warned about, printed as a comment, and never touched by a diff. */
static void unmanaged_body(strata_db *db, const char *url, strata_backend backend)
{
	(void)backend;
	ST_OK(strata_exec(db, "CREATE TABLE base (id int PRIMARY KEY, note text);"
			      "CREATE TABLE kinds (id int PRIMARY KEY);"
			      "CREATE TABLE child (extra text, kind int REFERENCES kinds) INHERITS (base);"
			      "CREATE FUNCTION max_int(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS "
			      "'SELECT greatest(a, b)';"
			      "CREATE AGGREGATE greatest_of(integer) (SFUNC = max_int, STYPE = integer);"
			      "CREATE TYPE pair AS (a int, b int);"
			      "CREATE RULE base_keep AS ON DELETE TO base DO INSTEAD NOTHING;"
			      "ALTER TABLE base ENABLE ROW LEVEL SECURITY;"
			      "CREATE POLICY base_all ON base USING (true);"));
	strata_schema *live = NULL, *file = NULL;
	ST_OK(strata_inspect(db, NULL, &live));
	cr_assert(has_unmanaged(live, "aggregate", "greatest_of"));
	cr_assert(has_unmanaged(live, "table", "child"));
	cr_assert(has_unmanaged(live, "composite type", "pair"));
	cr_assert(has_unmanaged(live, "rule", "base.base_keep"));
	cr_assert(has_unmanaged(live, "policy", "base.base_all"));
	cr_assert_null(strata_schema_table(live, "child"));
	char *text = printed(live);
	cr_assert(strstr(text, "// unmanaged: aggregate greatest_of (only functions and procedures are modelled)\n"),
		  "%s", text);
	cr_assert(strstr(text, "// unmanaged: table child (it inherits from base)\n"), "%s", text);
	/* The printed file, diffed against the database, drops or alters none of them. */
	ST_OK(strata_schema_parse(&file, text, strlen(text), "inspected.strata"));
	no_changes(live, file, STRATA_BACKEND_POSTGRES);
	/*
	 * Dropping a table an unmanaged one needs (its parent, or what its foreign key references) is
	 * refused with the way out: PostgreSQL would refuse the DROP TABLE, and the differ never drops
	 * what it does not manage.
	 */
	const char *needed[] = { "base", "kinds" };
	for (int k = 0; k < 2; k++) {
		strata_schema *less = NULL;
		strata_plan *p = NULL;
		char *cut = strdup(text), *at = strstr(cut, k ? "table kinds {" : "table base {");
		cr_assert(at, "%s", cut);
		memcpy(at, "table gone_", 11); /* the table is renamed away: dropped, and another one added */
		ST_OK(strata_schema_parse(&less, cut, strlen(cut), "less.strata"));
		ST_EXPECT(strata_diff(live, less, STRATA_BACKEND_POSTGRES, &p), STRATA_EUNSUPPORTED);
		cr_assert(strstr(strata_error_last()->message, needed[k]) &&
				  strstr(strata_error_last()->message, "table child needs it") &&
				  strstr(strata_error_last()->message, "or keep"),
			  "%s", strata_error_last()->message);
		cr_assert_null(p);
		strata_schema_free(less);
		free(cut);
	}
	/* The command names each on stderr. */
	char *out = NULL;
	int rc = test_run_cmd(&out, "%s schema inspect --url '%s' 2>&1 >/dev/null", STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "aggregate greatest_of is not modelled"), "%s", out);
	cr_assert(strstr(out, "policy base.base_all is not modelled"), "%s", out);
	free(out);
	free(text);
	strata_schema_free(file);
	strata_schema_free(live);
}

Test(fixtures, unmanaged_postgres)
{
	test_run_postgres(unmanaged_body);
}

static const char objects_v1[] =
	"extension citext\n"
	"domain positive_int as sql('integer') check (VALUE > 0)\n"
	"sequence ticket_no as integer start 100\n"
	"function bump as sql($fn$CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.n := NEW.n + "
	"1; "
	"RETURN NEW; END $$$fn$)\n"
	"table ticket {\n  id int primary key identity\n  no int not null default sql('nextval(''ticket_no'')')\n"
	"  n sql('positive_int')\n}\n"
	"trigger ticket_bump on ticket as sql('CREATE TRIGGER ticket_bump BEFORE INSERT ON ticket FOR EACH ROW EXECUTE "
	"FUNCTION bump()')\n";

static const char objects_v2[] =
	"domain positive_int as sql('integer') not null check (VALUE > 0) check small (VALUE < 1000)\n"
	"sequence ticket_no as integer start 100 increment 5\n"
	"function bump as sql($fn$CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.n := NEW.n + "
	"2; "
	"RETURN NEW; END $$$fn$)\n"
	"table ticket {\n  id int primary key identity\n  no int not null default sql('nextval(''ticket_no'')')\n"
	"  n sql('positive_int')\n}\n"
	"trigger ticket_bump on ticket as sql('CREATE TRIGGER ticket_bump BEFORE INSERT OR UPDATE ON ticket FOR EACH "
	"ROW EXECUTE FUNCTION bump()')\n";

static void migrate_to(strata_db *db, const char *text)
{
	strata_schema *live = NULL, *want = NULL, *after = NULL;
	strata_plan *p = NULL;
	ST_OK(strata_inspect(db, NULL, &live));
	ST_OK(strata_schema_parse(&want, text, strlen(text), "v2.strata"));
	ST_OK(strata_diff(live, want, STRATA_BACKEND_POSTGRES, &p));
	cr_assert_gt(p->nchanges, 0);
	ST_OK(strata_begin(db, NULL));
	ST_OK(strata_exec(db, p->up));
	ST_OK(strata_commit(db));
	ST_OK(strata_inspect(db, NULL, &after));
	no_changes(after, want, STRATA_BACKEND_POSTGRES);
	strata_plan_free(p);
	strata_schema_free(after);
	strata_schema_free(want);
	strata_schema_free(live);
}

/* Functions, triggers, domains, sequences and extensions are compared and changed, not claimed equal. */
static void objects_body(strata_db *db, const char *url, strata_backend backend)
{
	(void)url;
	(void)backend;
	test_apply_schema_text(db, objects_v1);
	ST_OK(strata_exec(db, "INSERT INTO ticket (n) VALUES (1)"));
	migrate_to(db, objects_v2);
	/* The new function and trigger run; the domain's new check holds; the sequence steps by 5. */
	ST_OK(strata_exec(db, "INSERT INTO ticket (n) VALUES (1)"));
	int64_t n = 0, no = 0;
	ST_OK(strata_query_int64(db, &n, "SELECT n FROM ticket ORDER BY id DESC LIMIT 1", NULL, 0));
	cr_assert_eq(n, 3, "the replaced function adds 2");
	ST_OK(strata_query_int64(db, &no, "SELECT max(no) - min(no) FROM ticket", NULL, 0));
	cr_assert_eq(no, 5);
	cr_assert_neq(strata_exec(db, "INSERT INTO ticket (n) VALUES (5000)"), STRATA_OK, "check small holds");
	/* And back: what v2 dropped (the extension) and added go. */
	migrate_to(db, objects_v1);
}

Test(fixtures, objects_change_postgres)
{
	test_run_postgres(objects_body);
}
