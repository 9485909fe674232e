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
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *text = malloc((size_t)n + 1);
	cr_assert_not_null(text);
	cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	return text;
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
