/*
 * Migrations written by `strata migrate diff`, as a user runs it: from the
 * feature fixtures of tests/inspect/fixtures/ (every object issue 12 lists)
 * and from changes to a schema file.  Each generated migration passes
 * `strata lint` with nothing at warning level, applies, and leaves nothing
 * for the next diff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/inspect.h>

#include "testdb.h"

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fputs(text, f) >= 0, true);
	fclose(f);
}

/* A second, empty database of the same dialect (its URL; free()); *name (PostgreSQL) to drop. */
static char *empty_database(strata_backend backend, const char *dir, char *name, size_t cap)
{
	if (backend == STRATA_BACKEND_POSTGRES)
		return test_pg_create_db(name, cap);
	char *url = malloc(strlen(dir) + 32);
	cr_assert_not_null(url);
	sprintf(url, "sqlite:%s/target.db", dir);
	return url;
}

static const char *dialect(strata_backend backend)
{
	return backend == STRATA_BACKEND_POSTGRES ? "postgres" : "sqlite";
}

/* `strata migrate diff -m MSG` in `dir` against `url`: its output (free()). */
static char *diff_into(const char *dir, const char *url, const char *msg)
{
	char *out;
	int rc = test_run_cmd(&out,
			      "cd '%s' && %s migrate diff -m '%s' --url '%s' --schema schema.strata --dir migrations",
			      dir, STRATA_CLI, msg, url);
	cr_assert_eq(rc, 0, "migrate diff: %s", out);
	return out;
}

/* `strata lint` on the migrations of `dir`, `allow` (a rule, or NULL) off: nothing at warning level or above. */
static void lint_clean_but(const char *dir, strata_backend backend, const char *allow)
{
	char *out;
	int rc = test_run_cmd(&out, "cd '%s' && %s lint migrations --dialect %s%s%s", dir, STRATA_CLI, dialect(backend),
			      allow ? " --disable " : "", allow ? allow : "");
	cr_assert_eq(rc, 0, "lint: %s", out);
	const char *tally = strstr(out, "0 errors, 0 warnings");
	cr_assert(tally && (tally == out || tally[-1] == '\n'), "lint reports warnings:\n%s", out);
	free(out);
}

static void lint_clean(const char *dir, strata_backend backend)
{
	lint_clean_but(dir, backend, NULL);
}

/* `strata migrate up`, then `migrate diff --dry-run` finds nothing. */
static void up_and_settled(const char *dir, const char *url)
{
	char *out;
	int rc = test_run_cmd(&out, "cd '%s' && %s migrate up --url '%s' --dir migrations", dir, STRATA_CLI, url);
	cr_assert_eq(rc, 0, "migrate up: %s", out);
	cr_assert_null(strstr(out, "invalid-sql"), "the pre-flight lint of migrate up: %s", out);
	free(out);
	rc = test_run_cmd(&out,
			  "cd '%s' && %s migrate diff --dry-run --url '%s' --schema schema.strata --dir migrations",
			  dir, STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "no changes"), "the next diff after applying:\n%s", out);
	free(out);
}

DB_TEST(generated, fixture_migrations_pass_lint)
{
	char *sql = NULL, path[1024];
	snprintf(path, sizeof path, "%s/tests/inspect/fixtures/%s", STRATA_SOURCE_DIR,
		 backend == STRATA_BACKEND_POSTGRES ? "pg_features.sql" : "sqlite_features.sql");
	sql = test_read_text(path);
	ST_OK(strata_exec(db, sql));
	free(sql);
	strata_schema *live = NULL;
	ST_OK(strata_inspect(db, NULL, &live));
	char *text = NULL;
	ST_OK(strata_schema_print(live, 0, &text));
	strata_schema_free(live);

	char *dir = test_tmpdir(), name[128] = "";
	snprintf(path, sizeof path, "%s/schema.strata", dir);
	write_text(path, text);
	free(text);
	char *url2 = empty_database(backend, dir, name, sizeof name);
	free(diff_into(dir, url2, "from the fixture"));
	lint_clean(dir, backend);
	up_and_settled(dir, url2);

	if (backend == STRATA_BACKEND_POSTGRES)
		test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
	free(url2);
	(void)url;
}

static void write_schema(const char *dir, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/schema.strata", dir);
	write_text(path, text);
}

/* The text of the newest migration file of dir/migrations whose name holds `part` (free()). */
static char *newest_migration(const char *dir, const char *part)
{
	char *out;
	int rc = test_run_cmd(&out,
			      "ls '%s/migrations' | grep -- '%s' | grep -v -e _concurrently -e _enum_values | tail -1",
			      dir, part);
	cr_assert_eq(rc, 0, "%s", out);
	out[strcspn(out, "\n")] = '\0';
	char path[1024];
	snprintf(path, sizeof path, "%s/migrations/%s", dir, out);
	free(out);
	return test_read_text(path);
}

/* The items table with `code` of type CODE, and the views over it. */
#define ITEMS(CODE)                                                                                         \
	"table items {\n"                                                                                   \
	"  id serial primary key\n"                                                                         \
	"  code " CODE " not null\n"                                                                        \
	"  qty int not null default 0\n"                                                                    \
	"  state status not null default pending\n"                                                         \
	"  index (state)\n"                                                                                 \
	"  index pending_items (code) where state = 'pending'\n"                                            \
	"}\n"                                                                                               \
	"view item_codes as sql('SELECT id, code, qty FROM items')\n"                                       \
	"view big_items as sql('SELECT id, code FROM item_codes WHERE qty > 10')\n"                         \
	"materialized view item_states as sql('SELECT state, count(*) AS n FROM items GROUP BY state') {\n" \
	"  unique index (state)\n"                                                                          \
	"}\n"

static const char items_v1[] = "enum status { pending running done }\n" ITEMS("string(10)");
/* v1 with code wider (read by two views, one over the other; no rewrite) and the value done renamed. */
static const char items_v2[] = "enum status { pending running finished renamed_from done }\n" ITEMS("string(40)");
/* v2 without the value running, which an index, a materialized view and a default's column use. */
static const char items_v3[] = "enum status { pending finished }\n" ITEMS("string(40)");

/*
 * Changes under views and to enum values, as migrate diff writes them:
 * each lints clean, applies (PostgreSQL takes it), keeps the rows, and
 * leaves nothing for the next diff.
 */
DB_TEST(generated, changes_under_views_and_enum_values)
{
	char *dir = test_tmpdir(), *out;
	write_schema(dir, items_v1);
	free(diff_into(dir, url, "items"));
	lint_clean(dir, backend);
	up_and_settled(dir, url);
	ST_OK(strata_exec(db, "INSERT INTO items (code, qty, state) VALUES ('a', 20, 'done'), ('b', 1, 'pending')"));

	/* a type change under two views, and a renamed value */
	write_schema(dir, items_v2);
	out = diff_into(dir, url, "wider");
	cr_assert(strstr(out, "rename value 'done' of enum status to 'finished'"), "%s", out);
	free(out);
	char *mig = newest_migration(dir, "wider");
	if (backend == STRATA_BACKEND_POSTGRES)
		cr_assert(strstr(mig, "ALTER TYPE \"status\" RENAME VALUE 'done' TO 'finished';"), "%s", mig);
	else
		cr_assert(strstr(mig, "CASE \"state\" WHEN 'done' THEN 'finished' ELSE \"state\" END"),
			  "the rebuild maps the old value as it copies the rows:\n%s", mig);
	const char *down = strstr(mig, "-- migrate:down");
	cr_assert_not_null(down, "%s", mig);
	cr_assert(strstr(down, backend == STRATA_BACKEND_POSTGRES ? "RENAME VALUE 'finished' TO 'done';"
								  : "WHEN 'finished' THEN 'done'"),
		  "down renames it back:\n%s", down);
	/* the views over code go first, the one that reads the other first, and come back in the other order */
	const char *drop_big = strstr(mig, "DROP VIEW IF EXISTS \"big_items\""),
		   *drop_codes = strstr(mig, "DROP VIEW IF EXISTS \"item_codes\""),
		   *make_codes = strstr(mig, "CREATE OR REPLACE VIEW \"item_codes\""),
		   *make_big = strstr(mig, "CREATE OR REPLACE VIEW \"big_items\"");
	if (backend == STRATA_BACKEND_SQLITE) {
		make_codes = strstr(mig, "CREATE VIEW IF NOT EXISTS \"item_codes\"");
		make_big = strstr(mig, "CREATE VIEW IF NOT EXISTS \"big_items\"");
	}
	cr_assert(drop_big && drop_codes && make_codes && make_big && drop_big < drop_codes &&
			  drop_codes < make_codes && make_codes < make_big && make_big < down,
		  "%s", mig);
	free(mig);
	lint_clean(dir, backend);
	up_and_settled(dir, url);
	/* and down, which PostgreSQL takes too, then up again */
	int rc = test_run_cmd(&out, "cd '%s' && %s migrate down --url '%s' --dir migrations", dir, STRATA_CLI, url);
	cr_assert_eq(rc, 0, "migrate down: %s", out);
	free(out);
	up_and_settled(dir, url);
	char *state = NULL;
	ST_OK(strata_query_text(db, &state, "SELECT state FROM items WHERE code = 'a'", NULL, 0));
	cr_assert_str_eq(state, "finished", "the row keeps its value under the new name");
	free(state);
	int64_t n = 0;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM big_items", NULL, 0));
	cr_assert_eq(n, 1);

	/* a value removed that an index, a materialized view and a default's column use */
	write_schema(dir, items_v3);
	out = diff_into(dir, url, "no running");
	cr_assert(strstr(out, "(destructive)"), "removing a value is destructive:\n%s", out);
	free(out);
	/* PostgreSQL cannot drop an enum value: the type is made again, the column rewritten and the partial index
	 * made again inside the migration's transaction, which lint rightly reports; nothing else */
	lint_clean_but(dir, backend,
		       backend == STRATA_BACKEND_POSTGRES
			       ? "alter-column-type --disable add-index-concurrently --disable drop-index-concurrently"
			       : NULL);
	up_and_settled(dir, url);
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM items", NULL, 0));
	cr_assert_eq(n, 2, "rows holding the values kept stay");

	test_rmrf(dir);
	free(dir);
}

static const char events_v1[] =
	"table events partition by range (at) {\n"
	"  id bigint not null\n"
	"  at timestamp not null\n"
	"  kind string(20) not null\n"
	"  primary key (id, at)\n"
	"  index (kind)\n"
	"}\n"
	"table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01')\n"
	"table events_2027 partition of events for values from ('2027-01-01') to ('2028-01-01')\n";

/* events_v1 with two columns added to the parent. */
static const char events_v2[] =
	"table events partition by range (at) {\n"
	"  id bigint not null\n"
	"  at timestamp not null\n"
	"  kind string(20) not null\n"
	"  note text\n"
	"  score int not null default 0\n"
	"  primary key (id, at)\n"
	"  index (kind)\n"
	"}\n"
	"table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01')\n"
	"table events_2027 partition of events for values from ('2027-01-01') to ('2028-01-01')\n";

/*
 * Columns added to a partitioned parent: ADD COLUMN on the parent only
 * (partitions take it from there), never a DROP COLUMN or a detach on a
 * partition; bounds written as dates match PostgreSQL's timestamps, so
 * the next diff is empty.
 */
static void partitions_body(strata_db *db, const char *url, strata_backend backend)
{
	char *dir = test_tmpdir();
	write_schema(dir, events_v1);
	free(diff_into(dir, url, "events"));
	lint_clean(dir, backend);
	up_and_settled(dir, url);
	ST_OK(strata_exec(db,
			  "INSERT INTO events (id, at, kind) VALUES (1, '2026-05-01', 'a'), (2, '2027-05-01', 'b')"));

	write_schema(dir, events_v2);
	free(diff_into(dir, url, "more"));
	char *mig = newest_migration(dir, "more");
	const char *down = strstr(mig, "-- migrate:down");
	cr_assert_not_null(down);
	cr_assert(strstr(mig, "ALTER TABLE \"events\" ADD COLUMN \"note\" text;"), "%s", mig);
	char *up = strndup(mig, (size_t)(down - mig));
	cr_assert_null(strstr(up, "DROP COLUMN"), "%s", up);
	cr_assert_null(strstr(up, "events_2026"), "the partitions are left alone:\n%s", up);
	free(up);
	free(mig);
	lint_clean(dir, backend);
	up_and_settled(dir, url);
	int64_t n = 0;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM events_2027 WHERE score = 0 AND note IS NULL", NULL, 0));
	cr_assert_eq(n, 1);
	test_rmrf(dir);
	free(dir);
}

Test(generated, partitioned_parent_gains_columns_postgres)
{
	test_run_postgres(partitions_body);
}

/* --scratch without a migrations directory compares with an empty database and makes the directory. */
DB_TEST(generated, scratch_without_a_migrations_directory)
{
	char *dir = test_tmpdir(), *out;
	write_schema(dir, items_v1);
	int rc = test_run_cmd(&out, "cd '%s' && %s migrate diff --scratch -m first --url '%s' --schema schema.strata",
			      dir, STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "note: no migrations directory migrations yet: comparing schema.strata with an empty "
			      "database"),
		  "%s", out);
	cr_assert(strstr(out, "create table items"), "%s", out);
	free(out);
	lint_clean(dir, backend);
	/* the directory now holds what the file says: a second --scratch finds nothing */
	rc = test_run_cmd(&out, "cd '%s' && %s migrate diff --scratch --dry-run --url '%s' --schema schema.strata", dir,
			  STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "no changes: the migrations in migrations already produce schema.strata"), "%s", out);
	free(out);
	up_and_settled(dir, url);
	test_rmrf(dir);
	free(dir);
}

/* Objects the language does not model are named in a note: migrate diff did not compare them. */
static void unmanaged_note_body(strata_db *db, const char *url, strata_backend backend)
{
	char *dir = test_tmpdir(), *out;
	(void)backend;
	write_schema(dir, "table base_t {\n  a int\n}\n");
	ST_OK(strata_exec(db, "CREATE TABLE base_t (a integer); CREATE TABLE child_t () INHERITS (base_t); "
			      "CREATE AGGREGATE my_sum(integer) (sfunc = int4pl, stype = integer)"));
	int rc = test_run_cmd(&out, "cd '%s' && %s migrate diff --dry-run --url '%s' --schema schema.strata", dir,
			      STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out,
			 "note: the database holds 2 objects the schema language does not model (table "
			 "child_t, aggregate my_sum); migrate diff did not compare them and leaves them as they are"),
		  "%s", out);
	cr_assert(strstr(out, "no changes: the database matches schema.strata (but for the unmanaged objects noted)"),
		  "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

Test(generated, unmanaged_objects_are_noted_postgres)
{
	test_run_postgres(unmanaged_note_body);
}
