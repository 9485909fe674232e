/*
 * The guarantees: transaction:false reporting, the lock, --safe backups,
 * --sql and --dry-run, SQLite foreign keys around rebuilds, auto-migrate,
 * concurrent runners, SIGKILL at random moments; and init, db, wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/internal.h"
#include "support.h"

static const char ok1[] = "-- migrate:up\nCREATE TABLE a (id integer PRIMARY KEY, v text);\n"
			  "INSERT INTO a (id, v) VALUES (1, 'one'), (2, 'two');\n-- migrate:down\nDROP TABLE a;\n";
static const char ok2[] = "-- migrate:up\nCREATE TABLE b (id integer);\n-- migrate:down\nDROP TABLE b;\n";

DB_TEST(migrate_safety, transaction_false)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	const char *idx = backend == STRATA_BACKEND_POSTGRES ? "CREATE INDEX CONCURRENTLY" : "CREATE INDEX";
	char text[1024];
	snprintf(text, sizeof text,
		 "-- migrate:up transaction:false\n"
		 "%s a_v ON a (v);\n"
		 "%s b_id ON b (id);\n"
		 "CREATE TABLE after_b (id integer);\n"
		 "-- migrate:down transaction:false\n"
		 "DROP INDEX a_v;\n",
		 idx, idx);
	proj_put(dir, "migrations/002_idx.sql", text);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/002_idx.sql:3:1: up section of 002, statement 2 of 3 failed");
	ASSERT_HAS(out, "transaction:false: statements 1 to 1 ran and stay applied; the ledger marks 002 as failed");
	ASSERT_HAS(out, "Statement: CREATE INDEX");
	free(out);
	cr_assert(!table_exists(db, "after_b"));
	cr_assert_eq(mig(&out, dir, url, "status --exit-code"), 3, "%s", out);
	ASSERT_HAS(out, "failed");
	ASSERT_HAS(out, "1 of 3 statements done; statement 2 (line 3) failed");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migration 002 (transaction:false) failed part-way");
	ASSERT_HAS(out, "--retry-failed");
	free(out);
	/* fix what was missing, then resume at the statement that failed */
	ST_OK(strata_exec(db, "CREATE TABLE b (id integer)"));
	cr_assert_eq(mig(&out, dir, url, "up --retry-failed"), 0, "%s", out);
	ASSERT_HAS(out, "applied  002_idx");
	free(out);
	cr_assert(table_exists(db, "after_b"));
	cr_assert_eq(mig(&out, dir, url, "status --exit-code"), 0, "%s", out);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "down"), 0, "%s", out);
	free(out);
	cr_assert_eq(ledger_count(db), 1);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_safety, lock_held_by_another_runner)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	strata_migrator *m = NULL;
	strata_migrate_options o = STRATA_MIGRATE_OPTIONS_INIT;
	char mdir[4200];
	snprintf(mdir, sizeof mdir, "%s/migrations", dir);
	o.dir = mdir;
	ST_OK(strata_migrator_open(&m, db, &o));
	ST_OK(strata__migrate_lock(m));
	cr_assert_eq(mig(&out, dir, url, "up --lock-timeout 1"), 1, "%s", out);
	ASSERT_HAS(out, "another migration is running (");
	char pid[64];
	snprintf(pid, sizeof pid, "pid %d on ", (int)getpid());
	ASSERT_HAS(out, pid);
	ASSERT_HAS(out, "--lock-timeout");
	free(out);
	cr_assert(!table_exists(db, "a"));
	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "A migration is running now: ");
	ASSERT_HAS(out, pid);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "status --json"), 0, "%s", out);
	ASSERT_HAS(out, "\"running\":\"");
	free(out);
	/* through the library: the option to raise, not the command's flag (issue 17); a second migrator
	   in the same process waits like another process would (on SQLite the lock row has this pid) */
	{
		strata_db *db2 = NULL;
		ST_OK(strata_open(&db2, url, NULL));
		strata_migrator *m2 = NULL;
		o.lock_timeout_ms = 1;
		ST_OK(strata_migrator_open(&m2, db2, &o));
		ST_EXPECT(strata_migrate_up(m2, NULL, NULL), STRATA_EBUSY);
		const char *msg = strata_error_last()->message;
		cr_assert(strstr(msg, "or raise option `lock_timeout_ms`"), "%s", msg);
		cr_assert_null(strstr(msg, "--"), "%s", msg);
		strata_migrator_free(m2);
		strata_close(db2);
	}
	strata__migrate_unlock(m);
	cr_assert_eq(mig(&out, dir, url, "status --json"), 0, "%s", out);
	ASSERT_HAS(out, "\"running\":null");
	free(out);
	if (backend == STRATA_BACKEND_POSTGRES) {
		/* a runner on another database of the same server holds its own lock, not this one's */
		char other[64];
		char *ourl = test_pg_create_db(other, sizeof other);
		strata_db *odb = NULL;
		strata_migrator *om = NULL;
		ST_OK(strata_open(&odb, ourl, NULL));
		ST_OK(strata_migrator_open(&om, odb, &o));
		ST_OK(strata__migrate_lock(om));
		cr_assert_eq(mig(&out, dir, ourl, "status --json"), 0, "%s", out);
		ASSERT_HAS(out, "\"running\":\"");
		free(out);
		cr_assert_eq(mig(&out, dir, url, "status --json"), 0, "%s", out);
		ASSERT_HAS(out, "\"running\":null");
		free(out);
		strata_migrator_free(om);
		strata_close(odb);
		test_pg_drop_db(other);
		free(ourl);
	}
	cr_assert_eq(mig(&out, dir, url, "up --lock-timeout 1"), 0, "%s", out);
	free(out);
	cr_assert(table_exists(db, "a"));
	strata_migrator_free(m);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_safety, stale_lock_of_a_killed_runner)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	if (backend == STRATA_BACKEND_SQLITE) {
		/* a lock row left by a runner that died: same host, no such process */
		char host[256] = "";
		gethostname(host, sizeof host - 1);
		ST_OK(strata_exec(db, "CREATE TABLE strata_migrations_lock (id INTEGER PRIMARY KEY CHECK (id = 1), "
				      "pid INTEGER NOT NULL, host TEXT NOT NULL, acquired_at TEXT NOT NULL)"));
		ST_OK(strata_execv(db, "INSERT INTO strata_migrations_lock VALUES (1, 999999999, ?, '2026-01-01')",
				   STRATA_TEXT(host)));
		cr_assert_eq(mig(&out, dir, url, "up --lock-timeout 1"), 0, "%s", out);
		free(out);
		/* one on another host cannot be checked: it is waited for */
		ST_OK(strata_exec(db, "INSERT INTO strata_migrations_lock VALUES (1, 42, 'elsewhere', '2026-01-01')"));
		cr_assert_eq(mig(&out, dir, url, "down --lock-timeout 1"), 1, "%s", out);
		ASSERT_HAS(out, "another migration is running (pid 42 on elsewhere, since 2026-01-01)");
		free(out);
	} else {
		/* PostgreSQL's session lock dies with its session */
		strata_db *other = NULL;
		ST_OK(strata_open(&other, url, NULL));
		int64_t got = 0;
		ST_OK(strata_query_int64(
			other, &got, "SELECT CASE WHEN pg_try_advisory_lock(1296520020) THEN 1 ELSE 0 END", NULL, 0));
		cr_assert_eq(got, 1);
		cr_assert_eq(mig(&out, dir, url, "up --lock-timeout 1"), 1, "%s", out);
		ASSERT_HAS(out, "another migration is running");
		free(out);
		strata_close(other);
		cr_assert_eq(mig(&out, dir, url, "up --lock-timeout 10"), 0, "%s", out);
		free(out);
	}
	cr_assert(table_exists(db, "a"));
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_safety, safe_backup_before_destructive)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	proj_put(dir, "migrations/002_drop.sql", "-- migrate:up\nCREATE TABLE tmp (id integer);\nDROP TABLE a;\n");
	proj_put(dir, "migrations/003_upd.sql", "-- migrate:up\nUPDATE tmp SET id = 1 WHERE id = 2;\n");
	/* without --safe: named in a warning, no backup */
	cr_assert_eq(mig(&out, dir, url, "up --to 002 --dry-run"), 0, "%s", out);
	ASSERT_HAS(out, "warning: pending migration 002_drop is destructive (DROP TABLE at migrations/002_drop.sql:3)");
	ASSERT_LACKS(out, "003_upd is destructive");
	ASSERT_LACKS(out, "Backup:");
	free(out);
	cr_assert(!proj_exists(dir, "backups"));
	cr_assert(table_exists(db, "a"), "the dry run rolled back");

	cr_assert_eq(mig(&out, dir, url, "up --safe"), 0, "%s", out);
	ASSERT_HAS(out, "Backup: backups/");
	ASSERT_HAS(out, "-before-002.");
	free(out);
	cr_assert(!table_exists(db, "a"));
	char cmd[4400];
	snprintf(cmd, sizeof cmd, "ls %s/backups", dir);
	char *ls = NULL;
	cr_assert_eq(test_run_cmd(&ls, "%s", cmd), 0);
	char *nl = strchr(ls, '\n');
	if (nl)
		*nl = '\0';
	char path[4400];
	snprintf(path, sizeof path, "%s/backups/%s", dir, ls);
	free(ls);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	cr_assert_eq(st.st_mode & 0777, 0600, "backup mode is %o", (unsigned)(st.st_mode & 0777));
	if (backend == STRATA_BACKEND_SQLITE) {
		/* the copy is a database with the dropped table's rows */
		char burl[4500];
		snprintf(burl, sizeof burl, "sqlite:%s", path);
		strata_db *b = NULL;
		ST_OK(strata_open(&b, burl, NULL));
		cr_assert_eq(count_rows(b, "a"), 2);
		strata_close(b);
	} else {
		FILE *f = fopen(path, "rb");
		char magic[6] = "";
		cr_assert(f);
		cr_assert_eq(fread(magic, 1, 5, f), 5);
		fclose(f);
		cr_assert_str_eq(magic, "PGDMP", "a pg_dump custom-format archive");
	}
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_safety, backup_on_migrate_env_and_failure)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	proj_put(dir, "migrations/002_t.sql", "-- migrate:up\nDELETE FROM a;\n");
	cr_assert_eq(mig(&out, dir, url, "up --to 001"), 0, "%s", out);
	free(out);
	/* a backup that cannot be written stops everything before it starts */
	proj_put(dir, "backups", "not a directory");
	cr_assert_eq(test_run_cmd(&out, "cd '%s' && DB_BACKUP_ON_MIGRATE=true '%s' migrate up --url '%s'", dir,
				  STRATA_CLI, url),
		     1, "%s", out);
	ASSERT_HAS(out, "the backup before the destructive migration 002 failed, so nothing was run");
	free(out);
	cr_assert_eq(count_rows(db, "a"), 2);
	if (backend == STRATA_BACKEND_POSTGRES) {
		cr_assert_eq(
			test_run_cmd(&out,
				     "cd '%s' && PATH=/nonexistent '%s' migrate up --safe --backup-dir bk --url '%s'",
				     dir, STRATA_CLI, url),
			1, "%s", out);
		ASSERT_HAS(out, "so nothing was run: backup: pg_dump was not found on PATH");
		free(out);
		cr_assert_eq(count_rows(db, "a"), 2);
	}
	cr_assert_eq(test_run_cmd(&out, "cd '%s' && DB_BACKUP_ON_MIGRATE=maybe '%s' migrate up --url '%s'", dir,
				  STRATA_CLI, url),
		     1, "%s", out);
	ASSERT_HAS(out, "DB_BACKUP_ON_MIGRATE: 'maybe' is not true or false");
	free(out);
	cr_assert_eq(test_run_cmd(&out,
				  "cd '%s' && DB_BACKUP_ON_MIGRATE=true '%s' migrate up --url '%s' --backup-dir bk",
				  dir, STRATA_CLI, url),
		     0, "%s", out);
	ASSERT_HAS(out, "Backup: bk/");
	free(out);
	cr_assert_eq(count_rows(db, "a"), 0);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_safety, sql_prints_and_touches_nothing)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	proj_put(dir, "migrations/002_b.sql", ok2);
	proj_put(dir, "migrations/003_l.sql",
		 "-- migrate:up transaction:false\nCREATE TABLE l (id integer);\n-- migrate:down\nDROP TABLE l;\n");
	cr_assert_eq(mig(&out, dir, url, "up --sql"), 0, "%s", out);
	ASSERT_HAS(out, "-- apply 003_l (migrations/003_l.sql) transaction:false\n"
			"DELETE FROM strata_migrations WHERE version = '003';\n");
	ASSERT_HAS(out, "'running', '0 of 1 statements done');\nCREATE TABLE l (id integer);\n"
			"UPDATE strata_migrations SET state = 'running', note = '1 of 1 statements done' WHERE version "
			"= '003';\n"
			"UPDATE strata_migrations SET state = 'applied', note = NULL");
	ASSERT_HAS(out, "CREATE TABLE IF NOT EXISTS strata_migrations");
	ASSERT_HAS(out,
		   backend == STRATA_BACKEND_SQLITE ? "BEGIN IMMEDIATE;\nCREATE TABLE a" : "BEGIN;\nCREATE TABLE a");
	ASSERT_HAS(out, "INSERT INTO a (id, v) VALUES (1, 'one'), (2, 'two');\n");
	ASSERT_HAS(out, "INSERT INTO strata_migrations (version, name, checksum, applied_at, duration_ms, applied_by, "
			"state, note) VALUES ('001', 'a', '");
	ASSERT_HAS(out, "COMMIT;\n");
	free(out);
	cr_assert_eq(ledger_count(db), -1, "--sql created nothing");
	cr_assert(!table_exists(db, "a"));
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "down --sql --steps 3"), 0, "%s", out);
	ASSERT_HAS(out, "-- revert 002_b (migrations/002_b.sql)\n");
	ASSERT_HAS(out, "DROP TABLE b;\n");
	ASSERT_HAS(out, "DELETE FROM strata_migrations WHERE version = '002';\nCOMMIT;");
	ASSERT_HAS(out, "DELETE FROM strata_migrations WHERE version = '001';\nCOMMIT;");
	cr_assert(strstr(out, "'002'") < strstr(out, "'001'"), "newest first");
	free(out);
	cr_assert_eq(ledger_count(db), 3);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_safety, dry_run_rolls_back)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	proj_put(dir, "migrations/002_b.sql", ok2);
	cr_assert_eq(mig(&out, dir, url, "up --dry-run"), 0, "%s", out);
	ASSERT_HAS(out, "Dry run: 2 migrations would be applied without error; everything was rolled back.");
	free(out);
	cr_assert(!table_exists(db, "a"));
	cr_assert(ledger_count(db) <= 0);
	proj_put(dir, "migrations/003_bad.sql",
		 "-- migrate:up\nCREATE TABLE c (id integer);\nINSERT INTO nope VALUES (1);\n");
	cr_assert_eq(mig(&out, dir, url, "up --dry-run"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/003_bad.sql:3:1: up section of 003, statement 2 of 2 failed");
	ASSERT_HAS(out, "dry run, rolled back");
	ASSERT_HAS(out, "Dry run: the migration above would fail");
	free(out);
	cr_assert(!table_exists(db, "a"));
	cr_assert(!table_exists(db, "c"));
	cr_assert_eq(mig(&out, dir, url, "up --to 002"), 0, "%s", out);
	free(out);
	proj_put(dir, "migrations/003_bad.sql", "-- migrate:up transaction:false\nCREATE TABLE c (id integer);\n");
	cr_assert_eq(mig(&out, dir, url, "up --dry-run"), 0, "%s", out);
	ASSERT_HAS(out,
		   "003_bad is transaction:false: it cannot run inside the dry run's transaction and is not tried");
	free(out);
	cr_assert(!table_exists(db, "c"));
	cr_assert_eq(mig(&out, dir, url, "down --dry-run --to 0"), 0, "%s", out);
	ASSERT_HAS(out, "Dry run: 2 migrations would be rolled back");
	free(out);
	cr_assert_eq(ledger_count(db), 2);
	cr_assert(table_exists(db, "a"));
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_safety, sqlite_rebuild_keeps_cascade_children)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_tables.sql",
		 "-- migrate:up\n"
		 "CREATE TABLE parent (id integer PRIMARY KEY, name text);\n"
		 "CREATE TABLE child (id integer PRIMARY KEY, parent_id integer NOT NULL REFERENCES parent (id) ON "
		 "DELETE "
		 "CASCADE);\n"
		 "INSERT INTO parent (id, name) VALUES (1, 'p');\n"
		 "INSERT INTO child (id, parent_id) VALUES (10, 1), (11, 1);\n");
	if (backend == STRATA_BACKEND_SQLITE)
		proj_put(dir, "migrations/002_rebuild.sql",
			 "-- migrate:up\n"
			 "CREATE TABLE parent_new (id integer PRIMARY KEY, name text NOT NULL DEFAULT '');\n"
			 "INSERT INTO parent_new (id, name) SELECT id, name FROM parent;\n"
			 "DROP TABLE parent;\n"
			 "ALTER TABLE parent_new RENAME TO parent;\n");
	else
		proj_put(dir, "migrations/002_rebuild.sql",
			 "-- migrate:up\nALTER TABLE parent ALTER COLUMN name SET NOT NULL;\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	cr_assert_eq(count_rows(db, "child"), 2, "the rebuild did not cascade-delete the children");
	if (backend == STRATA_BACKEND_SQLITE) {
		int64_t fk = 0;
		ST_OK(strata_query_int64(db, &fk, "PRAGMA foreign_keys", NULL, 0));
		cr_assert_eq(fk, 1, "foreign keys are on again");
		/* a rebuild that breaks a reference is refused, and leaves nothing */
		proj_put(dir, "migrations/003_break.sql",
			 "-- migrate:up\n"
			 "CREATE TABLE parent_new (id integer PRIMARY KEY, name text);\n"
			 "DROP TABLE parent;\n"
			 "ALTER TABLE parent_new RENAME TO parent;\n");
		cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
		ASSERT_HAS(out, "migrations/003_break.sql:1:1: migration 003 leaves 2 broken foreign keys");
		free(out);
		cr_assert_eq(count_rows(db, "parent"), 1);
		cr_assert_eq(ledger_count(db), 2);
		/* rows that were broken before do not count against a rebuild */
		ST_OK(strata_exec(db, "PRAGMA foreign_keys = OFF; INSERT INTO child (id, parent_id) VALUES (99, 42); "
				      "PRAGMA foreign_keys = ON"));
		proj_put(dir, "migrations/003_break.sql",
			 "-- migrate:up\n"
			 "CREATE TABLE parent_new (id integer PRIMARY KEY, name text NOT NULL DEFAULT '', note text);\n"
			 "INSERT INTO parent_new (id, name) SELECT id, name FROM parent;\n"
			 "DROP TABLE parent;\n"
			 "ALTER TABLE parent_new RENAME TO parent;\n");
		cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
		free(out);
		cr_assert_eq(count_rows(db, "child"), 3);
	}
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_safety, auto_migrate)
{
	char *dir = proj_new();
	proj_put(dir, "migrations/001_a.sql", ok1);
	char mdir[4200];
	snprintf(mdir, sizeof mdir, "%s/migrations", dir);
	strata_migrate_options o = STRATA_MIGRATE_OPTIONS_INIT;
	o.dir = mdir;
	bool ran = true;
	unsetenv("DB_AUTO_MIGRATE");
	unsetenv("STRATA_MIGRATIONS_DIR");
	unsetenv("DB_BACKUP_ON_MIGRATE");
	ST_OK(strata_migrate_auto(db, &o, &ran));
	cr_assert(!ran);
	setenv("DB_AUTO_MIGRATE", "false", 1);
	ST_OK(strata_migrate_auto(db, &o, &ran));
	cr_assert(!ran);
	cr_assert(!table_exists(db, "a"));
	setenv("DB_AUTO_MIGRATE", "perhaps", 1);
	ST_EXPECT(strata_migrate_auto(db, &o, &ran), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "DB_AUTO_MIGRATE"));
	setenv("DB_AUTO_MIGRATE", "true", 1);
	ST_OK(strata_migrate_auto(db, &o, &ran));
	cr_assert(ran);
	cr_assert_eq(count_rows(db, "a"), 2);
	ST_OK(strata_migrate_auto(db, &o, &ran));
	cr_assert_eq(ledger_count(db), 1);
	unsetenv("DB_AUTO_MIGRATE");
	test_rmrf(dir);
	free(dir);
	(void)url;
	(void)backend;
}

DB_TEST(migrate_safety, concurrent_runners)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_log.sql",
		 "-- migrate:up\nCREATE TABLE applied_log (version text NOT NULL);\n"
		 "INSERT INTO applied_log (version) VALUES ('001');\n");
	for (int i = 2; i <= 20; i++) {
		char name[64], text[1024];
		snprintf(name, sizeof name, "migrations/%03d_m%d.sql", i, i);
		/* 002 takes a while, so the runners started meanwhile wait for the lock (slow starts under ASan) */
		snprintf(text, sizeof text,
			 "-- migrate:up\nCREATE TABLE m%d (id integer);\n%sINSERT INTO applied_log (version) VALUES "
			 "('%03d');\n",
			 i,
			 i == 2 ? "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) "
				  "INSERT INTO m2 (id) SELECT x FROM c;\n"
				: "",
			 i);
		proj_put(dir, name, text);
	}
	/* 8 runners at once; each exit status goes to a file */
	cr_assert_eq(
		test_run_cmd(
			&out,
			"cd '%s' && for i in 1 2 3 4 5 6 7 8; do "
			"( j=; [ $i -gt 4 ] && j=--json; "
			"NO_COLOR=1 '%s' migrate up $j --url '%s' --lock-timeout 60 >run$i.log 2>&1; echo $? >rc$i ) & "
			"done; wait; cat rc*",
			dir, STRATA_CLI, url),
		0, "%s", out);
	cr_assert_str_eq(out, "0\n0\n0\n0\n0\n0\n0\n0\n", "every runner succeeded:\n%s", out);
	free(out);
	/* each runner reports only what it ran (text and JSON): every migration is reported once in all */
	cr_assert_eq(
		test_run_cmd(&out,
			     "cd '%s' && echo $(( $(cat run1.log run2.log run3.log run4.log | grep -c '^applied  ') + "
			     "$(cat run5.log run6.log run7.log run8.log | grep -o '\"version\"' | wc -l) ))",
			     dir),
		0, "%s", out);
	cr_assert_str_eq(out, "20\n", "migrations reported as applied by this runner, over all runners");
	free(out);
	/* and those that waited say what the other runner did */
	cr_assert_eq(
		test_run_cmd(
			&out,
			"cd '%s' && cat run1.log run2.log run3.log run4.log | grep -c 'Meanwhile another runner "
			"applied' || true; grep -c '\"applied_by_another_runner\":\\[\"' run5.log run6.log run7.log "
			"run8.log | grep -vc ':0$' || true",
			dir),
		0, "%s", out);
	cr_assert_str_neq(out, "0\n0\n", "no runner reported what another runner applied:\n%s", out);
	free(out);
	cr_assert_eq(count_rows(db, "applied_log"), 20, "each migration ran exactly once");
	int64_t distinct = 0;
	ST_OK(strata_query_int64(db, &distinct, "SELECT count(DISTINCT version) FROM applied_log", NULL, 0));
	cr_assert_eq(distinct, 20);
	cr_assert_eq(ledger_count(db), 20);
	test_rmrf(dir);
	free(dir);
	(void)backend;
}

DB_TEST(migrate_safety, crash_test_short)
{
	char *out;
	const char *n = getenv("STRATA_CRASH_RUNS");
	int rc = test_run_cmd(&out, "'%s/scripts/migrate-crash-test' -n %s --strata '%s' --url '%s' --backend %s",
			      STRATA_SOURCE_DIR, n && *n ? n : "8", STRATA_CLI, url,
			      backend == STRATA_BACKEND_SQLITE ? "sqlite" : "postgres");
	cr_assert_eq(rc, 0, "%s", out);
	ASSERT_HAS(out, "every migration was all or nothing");
	ASSERT_HAS(out, "the final up completed (30/30)");
	ASSERT_HAS(out, "every rebuild was all or nothing, no child row was lost, every retry completed");
	/* the counts, for the record (make check's log) */
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		if (strncmp(line, "migrate-crash-test:", 19) == 0)
			cr_log_info("%s", line);
	free(out);
	(void)db;
}

DB_TEST(migrate_safety, db_create_drop_and_wait)
{
	char *dir = test_tmpdir(), *out, target[4400], args[4600];
	char name[64] = "";
	if (backend == STRATA_BACKEND_SQLITE) {
		snprintf(target, sizeof target, "sqlite:%s/new.db", dir);
	} else {
		snprintf(name, sizeof name, "mig_cd_%d", (int)getpid());
		char *u = test_pg_url_for(test_pg_base_url(), name);
		snprintf(target, sizeof target, "%s", u);
		free(u);
	}
	snprintf(args, sizeof args, "db create --url '%s'", target);
	cr_assert_eq(strata_cmd(&out, dir, args), 0, "%s", out);
	ASSERT_HAS(out, "created ");
	ASSERT_LACKS(out, "strata-test-pw");
	free(out);
	cr_assert_eq(strata_cmd(&out, dir, args), 0, "%s", out);
	ASSERT_HAS(out, "already exists");
	free(out);
	snprintf(args, sizeof args, "wait --timeout 5 --url '%s'", target);
	cr_assert_eq(strata_cmd(&out, dir, args), 0, "%s", out);
	ASSERT_HAS(out, "ready after");
	free(out);
	snprintf(args, sizeof args, "db drop --url '%s'", target);
	cr_assert_eq(strata_cmd(&out, dir, args), 2, "%s", out);
	ASSERT_HAS(out, "run again with --force");
	free(out);
	strata_db *t = NULL;
	ST_OK(strata_open(&t, target, NULL));
	strata_close(t);
	snprintf(args, sizeof args, "db drop --force --url '%s'", target);
	cr_assert_eq(strata_cmd(&out, dir, args), 0, "%s", out);
	ASSERT_HAS(out, "dropped ");
	free(out);
	cr_assert_eq(strata_cmd(&out, dir, args), 0, "%s", out);
	ASSERT_HAS(out, "does not exist");
	free(out);
	if (backend == STRATA_BACKEND_SQLITE) {
		cr_assert(!proj_exists(dir, "new.db"));
		/* wait does not create a SQLite file: it waits for one */
		cr_assert_eq(strata_cmd(&out, dir, "wait --timeout 1 --url sqlite:later.db"), 1, "%s", out);
		ASSERT_HAS(out, "not ready after");
		free(out);
		cr_assert(!proj_exists(dir, "later.db"));
		cr_assert_eq(strata_cmd(&out, dir, "wait --timeout 1 --url sqlite:/no/such/dir/x.db"), 1, "%s", out);
	} else {
		cr_assert_eq(strata_cmd(&out, dir, "wait --timeout 1 --url postgres://nobody@127.0.0.1:1/x"), 1, "%s",
			     out);
	}
	ASSERT_HAS(out, "not ready after");
	free(out);
	cr_assert_eq(strata_cmd(&out, dir, "wait --timeout soon"), 2, "%s", out);
	ASSERT_HAS(out, "--timeout");
	free(out);
	cr_assert_eq(strata_cmd(&out, dir, "db frob"), 2, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)db;
	(void)url;
}

DB_TEST(migrate_safety, init_project)
{
	char *dir = test_tmpdir(), *out, args[1024];
	snprintf(args, sizeof args, "init --url '%s'", url);
	cr_assert_eq(strata_cmd(&out, dir, args), 0, "%s", out);
	ASSERT_HAS(out, "created  migrations/");
	ASSERT_HAS(out, "created  schema.strata");
	ASSERT_HAS(out, "created  .env.example");
	free(out);
	cr_assert(proj_exists(dir, "migrations"));
	proj_put(dir, "schema.strata", "// mine\n");
	cr_assert_eq(strata_cmd(&out, dir, args), 0, "%s", out);
	ASSERT_HAS(out, "exists   migrations/ (kept)");
	ASSERT_HAS(out, "schema.strata (kept)");
	free(out);
	char p[4200], buf[64] = "";
	snprintf(p, sizeof p, "%s/schema.strata", dir);
	FILE *f = fopen(p, "r");
	cr_assert(f && fgets(buf, sizeof buf, f));
	fclose(f);
	cr_assert_str_eq(buf, "// mine\n");
	/* then the whole path: new, edit, up (an untouched template is refused) */
	cr_assert_eq(mig(&out, dir, url, "new create things"), 0, "%s", out);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "_create_things.sql:10:1: the up section of");
	ASSERT_HAS(out, "has no statements");
	free(out);
	cr_assert_eq(test_run_cmd(&out,
				  "cd '%s' && sed -i 's/^-- migrate:up$/-- migrate:up\\nCREATE TABLE things (id "
				  "integer);/' migrations/*_create_things.sql",
				  dir),
		     0, "%s", out);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	ASSERT_HAS(out, "_create_things");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)db;
	(void)backend;
}

DB_TEST(migrate_safety, terminal_progress_and_no_color)
{
	char *dir = proj_new(), *out;
	for (int i = 1; i <= 5; i++) {
		char name[64], text[128];
		snprintf(name, sizeof name, "migrations/%03d_t%d.sql", i, i);
		snprintf(text, sizeof text, "-- migrate:up\nCREATE TABLE t%d (id integer);\n", i);
		proj_put(dir, name, text);
	}
	/* on a terminal: a progress bar on stderr, colour on stdout */
	cr_assert_eq(test_run_cmd(&out,
				  "cd '%s' && script -qec \"env -u NO_COLOR '%s' migrate up --url '%s'\" /dev/null",
				  dir, STRATA_CLI, url),
		     0, "%s", out);
	ASSERT_HAS(out, "] 5/5 005_t5");
	ASSERT_HAS(out, "\033[32mapplied\033[0m");
	free(out);
	cr_assert_eq(test_run_cmd(&out,
				  "cd '%s' && script -qec \"env NO_COLOR=1 '%s' migrate status --url '%s'\" /dev/null",
				  dir, STRATA_CLI, url),
		     0, "%s", out);
	ASSERT_LACKS(out, "\033[");
	ASSERT_HAS(out, "5 applied, 0 pending");
	free(out);
	test_rmrf(dir);
	free(dir);
	(void)db;
	(void)backend;
}

DB_TEST(migrate_safety, single_transaction)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	proj_put(dir, "migrations/002_b.sql", ok2);
	proj_put(dir, "migrations/003_bad.sql", "-- migrate:up\nINSERT INTO nope VALUES (1);\n");
	cr_assert_eq(mig(&out, dir, url, "up --single-transaction"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/003_bad.sql:2:1: up section of 003, statement 1 of 1 failed");
	free(out);
	cr_assert(!table_exists(db, "a"), "the single transaction took the first two back too");
	cr_assert(!table_exists(db, "b"));
	cr_assert(ledger_count(db) <= 0);
	proj_put(dir, "migrations/003_bad.sql", "-- migrate:up transaction:false\nCREATE TABLE c (id integer);\n");
	cr_assert_eq(mig(&out, dir, url, "up --single-transaction"), 1, "%s", out);
	ASSERT_HAS(
		out,
		"migrations/003_bad.sql:1:1: 003 is transaction:false, so it cannot run inside a single transaction");
	free(out);
	cr_assert(!table_exists(db, "a"));
	cr_assert_eq(mig(&out, dir, url, "up --single-transaction --to 002"), 0, "%s", out);
	ASSERT_HAS(out, "Applied 2 migrations.");
	free(out);
	cr_assert_eq(ledger_count(db), 2);
	cr_assert_eq(mig(&out, dir, url, "down --single-transaction --to 0"), 0, "%s", out);
	free(out);
	cr_assert_eq(ledger_count(db), 0);
	cr_assert_eq(mig(&out, dir, url, "status --single-transaction"), 2, "%s", out);
	ASSERT_HAS(out, "--single-transaction works only with up and down");
	free(out);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_safety, interrupted_transaction_false)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql", ok1);
	proj_put(dir, "migrations/002_loose.sql",
		 "-- migrate:up transaction:false\nCREATE TABLE l1 (id integer);\nCREATE TABLE l2 (id integer);\n");
	cr_assert_eq(mig(&out, dir, url, "up --to 001"), 0, "%s", out);
	free(out);
	/* what a runner killed after the first statement of 002 leaves behind */
	ST_OK(strata_exec(db, "CREATE TABLE l1 (id integer)"));
	ST_OK(strata_execv(
		db,
		"INSERT INTO strata_migrations (version, name, checksum, applied_at, duration_ms, applied_by, "
		"state, note) VALUES ('002', 'loose', 'x', ?, 0, 'someone@somewhere', 'running', "
		"'1 of 2 statements done')",
		STRATA_TIMESTAMP(strata_timestamp_now())));
	cr_assert_eq(mig(&out, dir, url, "status --exit-code"), 3, "%s", out);
	ASSERT_HAS(out, "interrupted");
	ASSERT_HAS(out, "1 of 2 statements done");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/002_loose.sql: migration 002 (transaction:false) was interrupted part-way: 1 of 2 "
			"statements done");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "down"), 1, "%s", out);
	ASSERT_HAS(out, "was interrupted part-way");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up --retry-failed"), 0, "%s", out);
	ASSERT_HAS(out, "applied  002_loose");
	free(out);
	cr_assert(table_exists(db, "l2"));
	char *state = NULL;
	ST_OK(strata_query_textv(db, &state, "SELECT state FROM strata_migrations WHERE version = ?",
				 STRATA_TEXT("002")));
	cr_assert_str_eq(state, "applied");
	free(state);
	test_rmrf(dir);
	free(dir);
}
