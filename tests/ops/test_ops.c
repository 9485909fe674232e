/*
 * strata stats, optimize, backup, restore and branch as a user runs them,
 * on both backends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

DB_TEST(ops, stats_lists_tables_largest_first)
{
	char *dir = test_tmpdir(), *out;
	ops_fill(db, 400);
	ST_OK(strata_exec(db, "CREATE TABLE empty_one (id bigint PRIMARY KEY)"));
	int rc = ops_cli(&out, dir, "stats", url);
	cr_assert_eq(rc, 0, "%s", out);
	char *items = strstr(out, "\nitems "), *empty = strstr(out, "\nempty_one ");
	cr_assert(items && empty && items < empty, "items should come before empty_one:\n%s", out);
	HAS(out, "400");
	HAS(out, "tags_item");
	HAS(out, "total");
	free(out);
	rc = ops_cli(&out, dir, "stats --json", url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "\"name\": \"items\"");
	HAS(out, "\"rows\": 400");
	HAS(out, "\"rows_exact\": true");
	HAS(out, "\"index_bytes\"");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(ops, optimize_runs_and_reports)
{
	char *dir = test_tmpdir(), *out;
	ops_fill(db, 300);
	ST_OK(strata_exec(db, "DELETE FROM tags; DELETE FROM items WHERE id > 10"));
	int rc = ops_cli(&out, dir, "optimize --vacuum", url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "optimized");
	HAS(out, "VACUUM");
	HAS(out, "reclaimed");
	free(out);
	rc = ops_cli(&out, dir, "optimize --analyze", url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, backend == STRATA_BACKEND_SQLITE ? "ANALYZE" : "ANALYZE");
	free(out);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(ops, backup_and_restore_round_trip)
{
	char *dir = test_tmpdir(), *out;
	char file[4200], target[4300], name[64] = "";
	bool sqlite = backend == STRATA_BACKEND_SQLITE;
	ops_fill(db, 250);
	uint64_t before = ops_checksum(db);
	snprintf(file, sizeof file, "%s/copy.%s", dir, sqlite ? "db" : "dump");
	char args[4400];
	snprintf(args, sizeof args, "backup '%s'", file);
	int rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "verified");
	HAS(out, "items");
	struct stat sb;
	cr_assert_eq(stat(file, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600, "mode %o", sb.st_mode & 0777);
	free(out);

	/* into a database that does not exist yet */
	if (sqlite) {
		snprintf(target, sizeof target, "sqlite:%s/restored.db", dir);
	} else {
		char *base = test_pg_url_for(test_pg_base_url(), "x");
		snprintf(name, sizeof name, "r_%d_%ld", (int)getpid(), (long)(strata_timestamp_now() % 1000000));
		free(base);
		char *u = test_pg_url_for(test_pg_base_url(), name);
		snprintf(target, sizeof target, "%s", u);
		free(u);
	}
	snprintf(args, sizeof args, "restore '%s'", file);
	rc = ops_cli(&out, dir, args, target);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "restored");
	HAS(out, "2 tables");
	HAS(out, "(a new database)");
	free(out);
	strata_db *r = NULL;
	ST_OK(strata_open(&r, target, NULL));
	cr_assert_eq(ops_checksum(r), before, "the restored rows differ from the original");
	strata_close(r);

	/* over a database with tables: only with --force */
	ST_OK(strata_exec(db, "UPDATE items SET qty = 1000 WHERE id = 1"));
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "--force");
	free(out);
	strata_db *check = NULL;
	ST_OK(strata_open(&check, url, NULL));
	int64_t qty = 0;
	ST_OK(strata_query_int64(check, &qty, "SELECT qty FROM items WHERE id = 1", NULL, 0));
	cr_assert_eq(qty, 1000, "a refused restore changed the database");
	strata_close(check);
	snprintf(args, sizeof args, "restore --force '%s'", file);
	rc = ops_cli(&out, sqlite ? dir : dir, args, sqlite ? url : target);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	if (sqlite) {
		/* the original connection sees the restored rows */
		cr_assert_eq(ops_checksum(db), before);
	} else {
		ST_OK(strata_open(&r, target, NULL));
		cr_assert_eq(ops_checksum(r), before);
		strata_close(r);
		test_pg_drop_db(name);
	}
	test_rmrf(dir);
	free(dir);
}

DB_TEST(ops, interrupted_backup_leaves_no_file)
{
	char *dir = test_tmpdir(), *out;
	char file[4200], burl[4400];
	bool sqlite = backend == STRATA_BACKEND_SQLITE;
	snprintf(file, sizeof file, "%s/never.bak", dir);
	strata_db *blocker = NULL;
	if (sqlite) {
		/* 100 MB: the copy takes long enough to be interrupted part-way */
		char path[4300];
		snprintf(path, sizeof path, "%s/src.db", dir);
		snprintf(burl, sizeof burl, "sqlite:%s", path);
		ST_OK(strata_open(&blocker, burl, NULL));
		ST_OK(strata_exec(blocker,
				  "CREATE TABLE t (id integer PRIMARY KEY, b blob);"
				  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
				  "INSERT INTO t SELECT i, zeroblob(1048576) FROM n"));
		strata_close(blocker);
		blocker = NULL;
	} else {
		/* pg_dump waits for a table locked ACCESS EXCLUSIVE */
		ST_OK(strata_exec(db, "CREATE TABLE t (id bigint PRIMARY KEY)"));
		snprintf(burl, sizeof burl, "%s", url);
		ST_OK(strata_open(&blocker, url, NULL));
		ST_OK(strata_begin(blocker, NULL));
		ST_OK(strata_exec(blocker, "LOCK TABLE t IN ACCESS EXCLUSIVE MODE"));
	}
	int rc = test_run_cmd(
		&out,
		"cd '%s' && (env -u DATABASE_URL setsid '%s' backup --url '%s' '%s' >log 2>&1 & pid=$!; "
		"for i in $(seq 1 2000); do ls never.bak.tmp.* >/dev/null 2>&1 && break; sleep 0.005; done; "
		"ls never.bak.tmp.* >/dev/null 2>&1 && echo started; "
		"kill -INT -$pid; wait $pid; echo status=$?; cat log)",
		dir, STRATA_CLI, burl, file);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "started");
	HASNT(out, "status=0");
	free(out);
	if (!sqlite)
		ST_OK(strata_rollback(blocker));
	strata_close(blocker);
	usleep(200 * 1000);
	cr_assert(!ops_exists(file), "a half-written backup is under the final name");
	rc = test_run_cmd(&out, "ls '%s'", dir);
	HASNT(out, "never.bak\n");
	if (sqlite)
		HASNT(out, "never.bak.tmp");
	free(out);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(ops, branch_create_list_delete)
{
	char *dir = test_tmpdir(), *out;
	char bname[64] = "", *burl_pg = NULL;
	const char *u = url;
	if (backend == STRATA_BACKEND_POSTGRES) {
		/* this test's own connection blocks CREATE DATABASE ... TEMPLATE: a clear error */
		ST_OK(strata_exec(db, "CREATE TABLE t (id bigint PRIMARY KEY)"));
		int rc = ops_cli(&out, dir, "branch create preview", url);
		cr_assert_eq(rc, 1, "%s", out);
		HAS(out, "other session");
		HAS(out, "connected to database");
		HAS(out, "pg_terminate_backend");
		free(out);
		/* a database nobody is connected to */
		burl_pg = test_pg_create_db(bname, sizeof bname);
		strata_db *tmp = NULL;
		ST_OK(strata_open(&tmp, burl_pg, NULL));
		ST_OK(strata_exec(tmp, "CREATE TABLE t (id bigint PRIMARY KEY); INSERT INTO t VALUES (1)"));
		strata_close(tmp);
		u = burl_pg;
	} else {
		ST_OK(strata_exec(db, "CREATE TABLE t (id bigint PRIMARY KEY); INSERT INTO t VALUES (1)"));
	}
	int rc = ops_cli(&out, dir, "branch create preview-1", u);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "created branch preview-1");
	HAS(out, "DATABASE_URL=");
	HASNT(out, "strata-test-pw");
	char *line = strstr(out, "DATABASE_URL=");
	char branch_url[4200];
	snprintf(branch_url, sizeof branch_url, "%s", line + strlen("DATABASE_URL="));
	branch_url[strcspn(branch_url, "\n")] = '\0';
	free(out);
	/* the branch has the data, and is separate */
	char *real = strdup(branch_url);
	if (backend == STRATA_BACKEND_POSTGRES) {
		const char *dbpart = strrchr(branch_url, '/') + 1;
		free(real);
		real = test_pg_url_for(test_pg_base_url(), dbpart);
	}
	strata_db *b = NULL;
	ST_OK(strata_open(&b, real, NULL));
	int64_t n = 0;
	ST_OK(strata_query_int64(b, &n, "SELECT count(*) FROM t", NULL, 0));
	cr_assert_eq(n, 1);
	ST_OK(strata_exec(b, "INSERT INTO t VALUES (2)"));
	strata_close(b);
	rc = ops_cli(&out, dir, "branch list", u);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "preview-1");
	HAS(out, "CREATED");
	free(out);
	rc = ops_cli(&out, dir, "branch create preview-1", u);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "exists already");
	free(out);
	rc = ops_cli(&out, dir, "branch create 'bad name'", u);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "not a valid name");
	free(out);
	rc = ops_cli(&out, dir, "branch delete preview-1", u);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	rc = ops_cli(&out, dir, "branch list", u);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "no branches");
	free(out);
	rc = ops_cli(&out, dir, "branch delete preview-1", u);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "no branch named");
	free(out);
	free(real);
	if (burl_pg) {
		test_pg_drop_db(bname);
		free(burl_pg);
	}
	test_rmrf(dir);
	free(dir);
}

DB_TEST(ops, restore_of_a_wrong_file_changes_nothing)
{
	char *dir = test_tmpdir(), *out, file[4200], target[4300], name[64] = "";
	snprintf(file, sizeof file, "%s/not-a-backup", dir);
	FILE *f = fopen(file, "w");
	cr_assert(f);
	for (int i = 0; i < 2000; i++)
		fputs("this is not a backup\n", f);
	fclose(f);
	if (backend == STRATA_BACKEND_SQLITE) {
		snprintf(target, sizeof target, "sqlite:%s/fresh.db", dir);
	} else {
		snprintf(name, sizeof name, "w_%d_%ld", (int)getpid(), (long)(strata_timestamp_now() % 1000000));
		char *u = test_pg_url_for(test_pg_base_url(), name);
		snprintf(target, sizeof target, "%s", u);
		free(u);
	}
	char args[4400];
	snprintf(args, sizeof args, "restore '%s'", file);
	int rc = ops_cli(&out, dir, args, target);
	cr_assert_eq(rc, 1, "%s", out);
	free(out);
	/* the database the command would have created is not there */
	if (backend == STRATA_BACKEND_SQLITE) {
		char path[4300];
		snprintf(path, sizeof path, "%s/fresh.db", dir);
		cr_assert(!ops_exists(path), "a failed restore left %s behind", path);
	} else {
		int64_t n = -1;
		ST_OK(strata_query_int64v(db, &n, "SELECT count(*) FROM pg_database WHERE datname = ?",
					  STRATA_TEXT(name)));
		cr_assert_eq(n, 0, "a failed restore left database %s behind", name);
	}
	/* over an existing database with --force: it stays as it was */
	ST_OK(strata_exec(db, "CREATE TABLE keep (id bigint PRIMARY KEY); INSERT INTO keep VALUES (7)"));
	snprintf(args, sizeof args, "restore --force '%s'", file);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "%s", out);
	free(out);
	int64_t id = 0;
	ST_OK(strata_query_int64(db, &id, "SELECT id FROM keep", NULL, 0));
	cr_assert_eq(id, 7);
	test_rmrf(dir);
	free(dir);
}

Test(ops, verification_finds_a_damaged_backup)
{
	char *dir = test_tmpdir(), *out, url[4300], file[4200];
	snprintf(url, sizeof url, "sqlite:%s/src.db", dir);
	snprintf(file, sizeof file, "%s/src.bak", dir);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ops_fill(db, 2000);
	ST_OK(strata_backup_to_file(db, file, STRATA_BACKUP_FULL));
	strata_backup_verification *v = NULL;
	ST_OK(strata_backup_verify(db, file, &v));
	cr_assert(v->ok, "%s", v->problem ? v->problem : "");
	cr_assert_eq(v->ntables, 2);
	strata_backup_verification_free(v);
	/* damage pages in the middle of the copy */
	int rc = test_run_cmd(&out, "dd if=/dev/urandom of='%s' bs=4096 seek=10 count=20 conv=notrunc 2>&1", file);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	ST_OK(strata_backup_verify(db, file, &v));
	cr_assert(!v->ok);
	cr_assert(v->problem != NULL);
	strata_backup_verification_free(v);
	/* and rows the source has that the backup does not */
	ST_OK(strata_backup_to_file(db, file, STRATA_BACKUP_FULL));
	ST_OK(strata_exec(db, "DELETE FROM tags WHERE id < 100"));
	ST_OK(strata_backup_verify(db, file, &v));
	cr_assert(!v->ok);
	cr_assert(strstr(v->problem, "table tags has") != NULL, "%s", v->problem);
	strata_backup_verification_free(v);
	strata_close(db);
	test_rmrf(dir);
	free(dir);
}

Test(ops, stats_counts_without_rowid_tables_sqlite)
{
	char *dir = test_tmpdir(), *out, url[4300];
	snprintf(url, sizeof url, "sqlite:%s/wr.db", dir);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(db, "CREATE TABLE kv (k text PRIMARY KEY, v text) WITHOUT ROWID;"
			      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
			      "INSERT INTO kv SELECT printf('key-%06d', i), printf('%0100d', i) FROM n"));
	strata_close(db);
	int rc = ops_cli(&out, dir, "stats --json", url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "\"rows\": 5000");
	free(out);
	test_rmrf(dir);
	free(dir);
}

/* Asks the run to stop while its first step runs (as Ctrl-C in strata optimize does). */
static void stop_after_first(size_t done, size_t total, const char *step, void *ud)
{
	(void)total;
	(void)step;
	if (done == 0)
		*(volatile int *)ud = 1;
}

DB_TEST(ops, optimize_stops_between_steps)
{
	ops_fill(db, 50);
	volatile int cancel = 0;
	strata_optimize_options o = STRATA_OPTIMIZE_OPTIONS_INIT;
	o.analyze = true;
	o.vacuum = backend == STRATA_BACKEND_POSTGRES;
	o.cancel = &cancel;
	o.progress = stop_after_first;
	o.progress_ud = (void *)&cancel;
	strata_optimize_result res;
	ST_OK(strata_optimize(db, &o, &res));
	cr_assert(res.interrupted);
	cr_assert_eq(res.steps_total, 2);
	cr_assert_eq(res.steps_done, 1);
	/* the connection is usable, nothing is left open */
	cr_assert(!strata_in_transaction(db));
	int64_t n = 0;
	ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM items", NULL, 0));
	cr_assert_eq(n, 50);
	/* run to the end */
	cancel = 0;
	o.progress = NULL;
	ST_OK(strata_optimize(db, &o, &res));
	cr_assert(!res.interrupted);
	cr_assert_eq(res.steps_done, res.steps_total);
	(void)url;
}

/* A partitioned table's rows are counted once (issue 12). */
Test(ops, stats_counts_partitions_once_postgres)
{
	char name[64];
	char *dir = test_tmpdir(), *out;
	char *url = test_pg_create_db(name, sizeof name);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(
		db, "CREATE TABLE ev (id bigint, at date NOT NULL) PARTITION BY RANGE (at);"
		    "CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
		    "CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') "
		    "PARTITION BY RANGE (at);"
		    "CREATE TABLE ev_2025_h1 PARTITION OF ev_2025 FOR VALUES FROM ('2025-01-01') TO ('2025-07-01');"
		    "CREATE TABLE ev_2025_h2 PARTITION OF ev_2025 FOR VALUES FROM ('2025-07-01') TO ('2026-01-01');"
		    "INSERT INTO ev SELECT g, date '2024-01-01' + g FROM generate_series(0, 599) g"));
	strata_close(db);
	int rc = ops_cli(&out, dir, "stats --json", url);
	cr_assert_eq(rc, 0, "%s", out);
	/* 600 rows in all: 366 in 2024, 181 and 53 in the two halves of 2025 */
	HAS(out, "\"rows\": 600,");
	HAS(out, "\"kind\": \"partitioned table\"");
	char *totals = strstr(out, "\"totals\"");
	cr_assert(totals);
	cr_assert(strstr(totals, "\"rows\": 600") != NULL &&
			  strstr(totals, "\"rows\": 600") < strstr(totals, "\"tables\""),
		  "the total counts partitions once:\n%s", out);
	char *ev2025 = strstr(out, "\"name\": \"ev_2025\"");
	cr_assert(ev2025 && strstr(ev2025, "\"rows\": 234") == strstr(ev2025, "\"rows\""), "%s", out);
	free(out);
	rc = ops_cli(&out, dir, "stats", url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "ev (partitioned)");
	free(out);
	test_pg_drop_db(name);
	free(url);
	test_rmrf(dir);
	free(dir);
}

/* stats --json reports its errors as JSON (issue 12). */
DB_TEST(ops, stats_json_errors_are_json)
{
	char *dir = test_tmpdir(), *out, bad[4400];
	if (backend == STRATA_BACKEND_SQLITE) {
		snprintf(bad, sizeof bad, "sqlite:%s/missing.db", dir);
	} else {
		char *u = test_pg_url_for(test_pg_base_url(), "no_such_database_here");
		snprintf(bad, sizeof bad, "%s", u);
		free(u);
	}
	int rc = test_run_cmd(&out, "cd '%s' && env -u DATABASE_URL '%s' stats --json --url '%s' 2>/dev/null", dir,
			      STRATA_CLI, bad);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(out[0] == '{', "not JSON:\n%s", out);
	HAS(out, "\"error\": \"");
	HAS(out, "\"status\": \"STRATA_ECONNECT\"");
	HASNT(out, "strata-test-pw");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)db;
	(void)url;
}

/* Commands print the URL the user gave (redacted), never internal parameters (issue 17). */
DB_TEST(ops, commands_show_the_url_given)
{
	char *dir = test_tmpdir(), *out, args[4400];
	ops_fill(db, 5);
	char *shown = strata_url_redact(url);
	snprintf(args, sizeof args, "backup '%s/u.bak'", dir);
	static const char *const cmds[] = { "ping", "optimize --analyze", NULL };
	for (int i = 0; i < 3; i++) {
		int rc = ops_cli(&out, dir, cmds[i] ? cmds[i] : args, url);
		cr_assert_eq(rc, 0, "%s", out);
		HAS(out, shown);
		HASNT(out, "mode=");
		HASNT(out, "strata-test-pw");
		free(out);
	}
	free(shown);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

/* The library names the options (force, overwrite), the command its --force (issue 17). */
DB_TEST(ops, refusals_name_the_option_not_the_flag)
{
	char *dir = test_tmpdir();
	ops_fill(db, 10);
	char file[4200];
	snprintf(file, sizeof file, "%s/a.bak", dir);
	ST_OK(strata_backup_to_file(db, file, STRATA_BACKUP_FULL));
	strata_backup_options bo = STRATA_BACKUP_OPTIONS_INIT;
	ST_EXPECT(strata_backup_write(db, file, &bo), STRATA_ECONSTRAINT);
	const char *msg = strata_error_last()->message;
	cr_assert(strstr(msg, "exists already; give another name, or replace it with option `overwrite`"), "%s", msg);
	cr_assert_null(strstr(msg, "--"), "%s", msg);
	strata_restore_options ro = STRATA_RESTORE_OPTIONS_INIT;
	ST_EXPECT(strata_backup_restore(db, file, &ro), STRATA_ECONSTRAINT);
	msg = strata_error_last()->message;
	cr_assert(strstr(msg, "already has tables; restoring over them needs option `force`"), "%s", msg);
	cr_assert_null(strstr(msg, "--"), "%s", msg);
	test_rmrf(dir);
	free(dir);
}
