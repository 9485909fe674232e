/*
 * When a migration goes wrong (issue 11): SQLite rebuilds are one
 * transaction with their ledger row and safe to retry, a failed
 * transaction:false section is recorded `failed` with a true note and the
 * lock released whatever its shape, PostgreSQL's own error is reported,
 * verify is part of up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

static const char parent_child[] = "-- migrate:up\n"
				   "CREATE TABLE users (id integer PRIMARY KEY, email text);\n"
				   "CREATE TABLE tasks (id integer PRIMARY KEY, user_id integer NOT NULL REFERENCES "
				   "users (id) ON DELETE CASCADE);\n"
				   "INSERT INTO users (id, email) VALUES (1, 'a'), (2, NULL);\n"
				   "INSERT INTO tasks (id, user_id) VALUES (1, 1), (2, 2), (3, 2);\n"
				   "-- migrate:down\n"
				   "DROP TABLE tasks;\nDROP TABLE users;\n";

static char *ledger_field(strata_db *db, const char *col, const char *version)
{
	char sql[200], *v = NULL;
	snprintf(sql, sizeof sql, "SELECT %s FROM strata_migrations WHERE version = ?", col);
	if (strata_query_text(db, &v, sql, (const strata_value[]){ STRATA_TEXT(version) }, 1) != STRATA_OK)
		return strdup("(no row)");
	return v ? v : strdup("(null)");
}

static void assert_unlocked(strata_db *db, strata_backend backend)
{
	int64_t n = -1;
	if (backend == STRATA_BACKEND_SQLITE)
		ST_OK(strata_query_int64(db, &n, "SELECT count(*) FROM strata_migrations_lock", NULL, 0));
	else
		ST_OK(strata_query_int64(
			db, &n,
			"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 1296520020 "
			"AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
			NULL, 0));
	cr_assert_eq(n, 0, "the lock was released");
}

/*
 * What `strata migrate diff` wrote for SQLite rebuilds before: a
 * transaction:false section with its own BEGIN, relying on an earlier
 * PRAGMA.  A copied row fails; the retry used to resume on a new
 * connection with foreign keys on, so DROP TABLE cascaded: tasks went from
 * 3 rows to 0.  PostgreSQL: the same shape with its own BEGIN ... COMMIT.
 */
DB_TEST(migrate_failures, own_transaction_fails_then_retry_keeps_children)
{
	char *dir = proj_new(), *out, *v;
	proj_put(dir, "migrations/001_tables.sql", parent_child);
	if (backend == STRATA_BACKEND_SQLITE)
		proj_put(dir, "migrations/002_rebuild.sql",
			 "-- migrate:up transaction:false\n"
			 "PRAGMA foreign_keys = OFF;\n"
			 "BEGIN IMMEDIATE;\n"
			 "CREATE TABLE users__new (id integer PRIMARY KEY, email text NOT NULL);\n"
			 "INSERT INTO users__new (id, email) SELECT id, email FROM users;\n"
			 "DROP TABLE users;\n"
			 "ALTER TABLE users__new RENAME TO users;\n"
			 "PRAGMA foreign_key_check;\n"
			 "COMMIT;\n"
			 "PRAGMA foreign_keys = ON;\n");
	else
		proj_put(dir, "migrations/002_rebuild.sql",
			 "-- migrate:up transaction:false\n"
			 "BEGIN;\n"
			 "CREATE TABLE audit (id integer);\n"
			 "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
			 "COMMIT;\n"
			 "INSERT INTO tasks (id, user_id) VALUES (9, 999);\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	if (backend == STRATA_BACKEND_SQLITE) {
		ASSERT_HAS(out, "migrations/002_rebuild.sql:5:1: up section of 002, statement 4 of 9 failed: NOT NULL");
	} else {
		ASSERT_HAS(out, "migrations/002_rebuild.sql:4:1: up section of 002, statement 3 of 5 failed: column "
				"\"email\" of relation \"users\" contains null values (SQLSTATE 23502)");
		ASSERT_LACKS(out, "current transaction is aborted");
	}
	ASSERT_HAS(out, backend == STRATA_BACKEND_SQLITE
				? "the section's own transaction (BEGIN at line 3) was rolled back"
				: "the section's own transaction (BEGIN at line 2) was rolled back");
	ASSERT_HAS(out, "the ledger marks 002 as failed and retrying with --retry-failed starts again at that BEGIN");
	ASSERT_LACKS(out, "ran and stay applied");
	free(out);
	v = ledger_field(db, "state", "002");
	cr_assert_str_eq(v, "failed");
	free(v);
	v = ledger_field(db, "note", "002");
	if (backend == STRATA_BACKEND_SQLITE)
		cr_assert(strstr(v, "1 of 9 statements done; statement 4 (line 5) failed"), "%s", v);
	else
		cr_assert(strstr(v, "0 of 5 statements done; statement 3 (line 4) failed"), "%s", v);
	free(v);
	assert_unlocked(db, backend);
	cr_assert_eq(count_rows(db, "tasks"), 3);
	cr_assert(!table_exists(db, "users__new") && !table_exists(db, "audit"), "the own transaction was rolled back");

	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "failed");
	free(out);
	ST_OK(strata_exec(db, "UPDATE users SET email = 'b' WHERE email IS NULL"));
	if (backend == STRATA_BACKEND_POSTGRES) {
		/* after the own transaction: the server's detail and hint come with the message and SQLSTATE */
		cr_assert_eq(mig(&out, dir, url, "up --retry-failed"), 1, "%s", out);
		ASSERT_HAS(
			out,
			"migrations/002_rebuild.sql:6:1: up section of 002, statement 5 of 5 failed: insert or update "
			"on table \"tasks\" violates foreign key constraint");
		ASSERT_HAS(out, "; detail: Key (user_id)=(999) is not present in table \"users\". (SQLSTATE 23503)");
		ASSERT_HAS(out, "statements 1 to 4 ran and stay applied");
		free(out);
		v = ledger_field(db, "note", "002");
		cr_assert(strstr(v, "4 of 5 statements done; statement 5 (line 6) failed"), "%s", v);
		free(v);
		assert_unlocked(db, backend);
		ST_OK(strata_exec(db, "INSERT INTO users (id, email) VALUES (999, 'z')"));
	}
	cr_assert_eq(mig(&out, dir, url, "up --retry-failed"), 0, "%s", out);
	free(out);
	cr_assert_eq(count_rows(db, "tasks"), backend == STRATA_BACKEND_SQLITE ? 3 : 4,
		     "the retry kept the child rows");
	v = ledger_field(db, "state", "002");
	cr_assert_str_eq(v, "applied");
	free(v);
	assert_unlocked(db, backend);
	if (backend == STRATA_BACKEND_SQLITE) {
		int64_t fk = 0;
		ST_OK(strata_query_int64(db, &fk, "SELECT count(*) FROM pragma_foreign_key_check", NULL, 0));
		cr_assert_eq(fk, 0);
	}
	test_rmrf(dir);
	free(dir);
}

/* A section that resumes after per-connection state a new connection cannot have is refused, with the reason. */
DB_TEST(migrate_failures, resume_refused_after_temporary_table)
{
	char *dir = proj_new(), *out, *v;
	proj_put(dir, "migrations/001_loose.sql",
		 "-- migrate:up transaction:false\n"
		 "CREATE TEMPORARY TABLE scratch (id integer);\n"
		 "CREATE TABLE kept (id integer);\n"
		 "INSERT INTO kept SELECT id FROM nope;\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "statements 1 to 2 ran and stay applied; the ledger marks 001 as failed");
	free(out);
	ST_OK(strata_exec(db, "CREATE TABLE nope (id integer)"));
	cr_assert_eq(mig(&out, dir, url, "up --retry-failed"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/001_loose.sql:2:1: cannot resume 001 at statement 3: statement 1 (CREATE TEMPORARY "
			"TABLE scratch");
	ASSERT_HAS(out, "a new connection does not have");
	free(out);
	v = ledger_field(db, "state", "001");
	cr_assert_str_eq(v, "failed");
	free(v);
	assert_unlocked(db, backend);
	test_rmrf(dir);
	free(dir);
}

/* What `strata migrate diff` writes now for a change SQLite rebuilds: one transaction with its ledger row. */
DB_TEST(migrate_failures, diff_rebuild_is_one_transaction)
{
	char *dir = proj_new(), *out;
	char cmd[600];
	proj_put(dir, "schema.strata",
		 "table users {\n  id serial primary key\n  email text\n}\n"
		 "table tasks {\n  id serial primary key\n  user_id ref users not null on delete cascade\n}\n");
	snprintf(cmd, sizeof cmd, "diff -m one --schema schema.strata");
	cr_assert_eq(mig(&out, dir, url, cmd), 0, "%s", out);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	/* ids 1..3 handed out, 3 deleted: the next one must be 4, also after a rebuild */
	ST_OK(strata_exec(db, "INSERT INTO users (email) VALUES ('a'), (NULL), ('c')"));
	ST_OK(strata_exec(db, "DELETE FROM users WHERE id = 3"));
	ST_OK(strata_exec(db, "INSERT INTO tasks (user_id) VALUES (1), (2), (2)"));
	proj_put(dir, "schema.strata",
		 "table users {\n  id serial primary key\n  email text not null\n}\n"
		 "table tasks {\n  id serial primary key\n  user_id ref users not null on delete cascade\n}\n");
	cr_assert_eq(mig(&out, dir, url, "diff -m two --schema schema.strata"), 0, "%s", out);
	free(out);
	cr_assert_eq(test_run_cmd(&out, "cat %s/migrations/*_two.sql", dir), 0, "%s", out);
	if (backend == STRATA_BACKEND_SQLITE) {
		ASSERT_HAS(out, "-- migrate:up foreign_keys:off\n");
		ASSERT_LACKS(out, "BEGIN");
		ASSERT_LACKS(out, "PRAGMA");
	}
	ASSERT_LACKS(out, "transaction:false");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "nothing from this migration was applied");
	free(out);
	cr_assert_eq(ledger_count(db), 1, "the failed migration left no ledger row");
	assert_unlocked(db, backend);
	cr_assert_eq(count_rows(db, "tasks"), 3);
	ST_OK(strata_exec(db, "UPDATE users SET email = 'b' WHERE email IS NULL"));
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	cr_assert_eq(ledger_count(db), 2);
	cr_assert_eq(count_rows(db, "tasks"), 3, "the rebuild kept the child rows");
	ST_OK(strata_exec(db, "INSERT INTO users (email) VALUES ('d')"));
	int64_t id = 0;
	ST_OK(strata_query_int64(db, &id, "SELECT max(id) FROM users", NULL, 0));
	cr_assert_eq(id, 4, "ids of deleted rows are not handed out again after a rebuild");
	if (backend == STRATA_BACKEND_SQLITE) {
		ST_OK(strata_query_int64(db, &id, "PRAGMA foreign_keys", NULL, 0));
		cr_assert_eq(id, 1, "foreign keys are on again");
	}
	/* down is a rebuild too */
	cr_assert_eq(mig(&out, dir, url, "down"), 0, "%s", out);
	free(out);
	cr_assert_eq(count_rows(db, "tasks"), 3);
	test_rmrf(dir);
	free(dir);
}

/* Verify is part of up: a transactional migration rolls back, a transaction:false one is marked failed. */
DB_TEST(migrate_failures, verify_runs_inside_up)
{
	char *dir = proj_new(), *out, *v;
	proj_put(dir, "migrations/001_t.sql",
		 "-- migrate:up\nCREATE TABLE t (id integer);\n-- migrate:verify\nSELECT count(*) FROM t;\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/001_t.sql:4:1: verify of 001 failed: the statement returned false, 0 or NULL; "
			"nothing from this migration was applied");
	free(out);
	cr_assert(!table_exists(db, "t"));
	cr_assert_eq(ledger_count(db), 0);
	proj_put(dir, "migrations/001_t.sql",
		 "-- migrate:up\nCREATE TABLE t (id integer);\nINSERT INTO t VALUES (1);\n"
		 "-- migrate:verify\nSELECT count(*) FROM t;\n");
	proj_put(dir, "migrations/002_loose.sql",
		 "-- migrate:up transaction:false\nCREATE TABLE u (id integer);\n"
		 "-- migrate:verify\nSELECT count(*) FROM u;\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/002_loose.sql:4:1: verify of 002 failed");
	ASSERT_HAS(out, "every statement ran and stays applied");
	free(out);
	v = ledger_field(db, "state", "002");
	cr_assert_str_eq(v, "failed");
	free(v);
	assert_unlocked(db, backend);
	ST_OK(strata_exec(db, "INSERT INTO u VALUES (1)"));
	cr_assert_eq(mig(&out, dir, url, "up --retry-failed"), 0, "%s", out);
	free(out);
	v = ledger_field(db, "state", "002");
	cr_assert_str_eq(v, "applied");
	free(v);
	cr_assert_eq(count_rows(db, "u"), 1, "the retry ran no statement again");
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_failures, foreign_keys_option_errors)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_x.sql", "-- migrate:up transaction:false foreign_keys:off\nSELECT 1;\n");
	cr_assert_eq(mig(&out, dir, url, "status"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/001_x.sql:1:33: foreign_keys:off runs the section in one transaction");
	free(out);
	proj_put(dir, "migrations/001_x.sql", "-- migrate:up foreign_keys:maybe\nSELECT 1;\n");
	cr_assert_eq(mig(&out, dir, url, "status"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/001_x.sql:1:15: foreign_keys takes on or off, not 'maybe'");
	free(out);
	proj_put(dir, "migrations/001_x.sql", "-- migrate:up foreign_keys:off\nSELECT 1;\n");
	cr_assert_eq(mig(&out, dir, url, "status"), backend == STRATA_BACKEND_SQLITE ? 0 : 1, "%s", out);
	if (backend == STRATA_BACKEND_POSTGRES)
		ASSERT_HAS(out, "migrations/001_x.sql:1:15: foreign_keys:off is for SQLite table rebuilds");
	free(out);
	test_rmrf(dir);
	free(dir);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert(f, "cannot read %s", path);
	char *buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/*
 * Commands that only read write nothing: an SQLite file in rollback-journal
 * mode keeps its bytes (no switch to WAL), a mistyped path is an error and
 * creates nothing, --dry-run leaves no lock table.
 */
DB_TEST(migrate_failures, read_only_commands_write_nothing)
{
	char *dir = proj_new(), *out;
	char file[4300], u[4400], cmd[5000];
	proj_put(dir, "migrations/001_t.sql",
		 "-- migrate:up\nCREATE TABLE t (id integer PRIMARY KEY, v text);\n-- migrate:down\nDROP TABLE t;\n");
	proj_put(dir, "migrations/002_u.sql", "-- migrate:up\nCREATE TABLE u (id integer PRIMARY KEY);\n");
	proj_put(dir, "schema.strata", "table t {\n  id int primary key\n  v text\n  w text\n}\n");
	const char *target = url;
	if (backend == STRATA_BACKEND_SQLITE) {
		snprintf(file, sizeof file, "%s/plain.db", dir);
		snprintf(u, sizeof u, "sqlite:%s?journal_mode=delete", file);
		cr_assert_eq(mig(&out, dir, u, "up --to 001"), 0, "%s", out);
		free(out);
		snprintf(u, sizeof u, "sqlite:%s", file);
		target = u;
	} else {
		cr_assert_eq(mig(&out, dir, url, "up --to 001"), 0, "%s", out);
		free(out);
	}
	size_t len0 = 0, len1 = 0;
	char *before = backend == STRATA_BACKEND_SQLITE ? slurp(file, &len0) : NULL;
	const char *readers[] = { "status", "history", "up --sql", "down --sql",
				  "diff --dry-run --schema schema.strata" };
	for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
		cr_assert_eq(mig(&out, dir, target, readers[i]), 0, "%s: %s", readers[i], out);
		free(out);
	}
	snprintf(cmd, sizeof cmd, "schema inspect --url '%s'", target);
	cr_assert_eq(strata_cmd(&out, dir, cmd), 0, "%s", out);
	free(out);
	snprintf(cmd, sizeof cmd, "lint --db '%s'", target);
	int lrc = strata_cmd(&out, dir, cmd);
	cr_assert(lrc == 0 || lrc == 1, "%s", out);
	free(out);
	if (backend == STRATA_BACKEND_SQLITE) {
		char *after = slurp(file, &len1);
		cr_assert(len0 == len1 && memcmp(before, after, len0) == 0, "the file's bytes changed (%zu -> %zu)",
			  len0, len1);
		free(after);
		free(before);
		char side[4400];
		snprintf(side, sizeof side, "%s-wal", file);
		cr_assert(access(side, F_OK) != 0, "no WAL file was made");
	}
	/* a dry run takes the lock and rolls back: nothing of it stays (on a database no run has touched yet) */
	if (backend == STRATA_BACKEND_SQLITE)
		snprintf(u, sizeof u, "sqlite:%s/fresh.db", dir);
	cr_assert_eq(mig(&out, dir, target, "up --dry-run"), 0, "%s", out);
	free(out);
	if (backend == STRATA_BACKEND_SQLITE) {
		strata_db *d = NULL;
		ST_OK(strata_open(&d, u, NULL));
		cr_assert(!table_exists(d, "strata_migrations"), "a dry run leaves no ledger");
		cr_assert(!table_exists(d, "strata_migrations_lock"), "a dry run leaves no lock table");
		cr_assert(!table_exists(d, "u"));
		strata_close(d);
		/* a mistyped path is an error, and nothing is created */
		snprintf(u, sizeof u, "sqlite:%s/typo.db", dir);
		for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
			cr_assert_eq(mig(&out, dir, u, readers[i]), 1, "%s: %s", readers[i], out);
			ASSERT_HAS(out, "typo.db");
			free(out);
		}
		snprintf(cmd, sizeof cmd, "schema inspect --url '%s'", u);
		cr_assert_neq(strata_cmd(&out, dir, cmd), 0, "%s", out);
		free(out);
		snprintf(cmd, sizeof cmd, "lint --db '%s'", u);
		cr_assert_neq(strata_cmd(&out, dir, cmd), 0, "%s", out);
		free(out);
		cr_assert(!proj_exists(dir, "typo.db"), "the mistyped path was not created");
	} else {
		cr_assert(!table_exists(db, "strata_migrations_lock"), "a dry run leaves no lock table");
		cr_assert(!table_exists(db, "u"));
		cr_assert_eq(ledger_count(db), 1);
	}
	test_rmrf(dir);
	free(dir);
}

/*
 * Faults under `up`: the disk fills up, the database becomes read-only.
 * Each: exit 1, an error naming the cause, nothing half-applied (the
 * migration before stays, the failing one left nothing), the lock released.
 * SQLite: a file on a tiny tmpfs mounted here (root), remounted read-only
 * for the second fault.  PostgreSQL: a tablespace on that tmpfs (the
 * server's user must be able to write there), and a database set to
 * default_transaction_read_only.
 */
DB_TEST(migrate_failures, disk_full_and_read_only_during_up)
{
	char *dir = proj_new(), *out = NULL;
	char mnt[4300], u[4400], sql[5000];
	snprintf(mnt, sizeof mnt, "%s/tiny", dir);
	cr_assert_eq(mkdir(mnt, 0777), 0);
	if (test_run_cmd(&out, "mount -t tmpfs -o size=768k,mode=0777 strata-test '%s'", mnt) != 0) {
		cr_log_error("SKIPPED LOUDLY: cannot mount a tmpfs (needs root): %s", out);
		free(out);
		test_rmrf(dir);
		free(dir);
		cr_skip_test("cannot mount a tmpfs here");
	}
	free(out);
	const char *fill =
		backend == STRATA_BACKEND_SQLITE
			? "-- migrate:up\nCREATE TABLE big (id integer PRIMARY KEY, pad text);\n"
			  "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 20000) "
			  "INSERT INTO big (id, pad) SELECT x, printf('%0200d', x) FROM s;\n"
			: "-- migrate:up\nCREATE TABLE big (id integer PRIMARY KEY, pad text) TABLESPACE strata_tiny;\n"
			  "INSERT INTO big (id, pad) SELECT x, lpad(x::text, 200, '0') FROM generate_series(1, 20000) "
			  "x;\n";
	proj_put(dir, "migrations/001_small.sql", "-- migrate:up\nCREATE TABLE small (id integer PRIMARY KEY);\n");
	proj_put(dir, "migrations/002_fill.sql", fill);
	const char *target = url;
	bool pg_ok = true;
	if (backend == STRATA_BACKEND_SQLITE) {
		snprintf(u, sizeof u, "sqlite:%s/app.db", mnt);
		target = u;
	} else {
		/* the tablespace directory must belong to the server's user */
		char *owner = NULL;
		test_run_cmd(&owner, "ps -o user= -C postgres | head -1 | tr -d '\\n'");
		chmod(dir, 0711);
		snprintf(sql, sizeof sql, "chown '%s' '%s'", owner && *owner ? owner : "postgres", mnt);
		free(owner);
		cr_assert_eq(test_run_cmd(&out, "%s", sql), 0, "%s", out);
		free(out);
		snprintf(sql, sizeof sql, "CREATE TABLESPACE strata_tiny LOCATION '%s'", mnt);
		if (strata_exec(db, sql) != STRATA_OK) {
			cr_log_error(
				"SKIPPED LOUDLY (PostgreSQL disk full): cannot create a tablespace on the tmpfs: %s",
				strata_error_last()->message);
			pg_ok = false;
		}
	}
	if (pg_ok) {
		cr_assert_eq(mig(&out, dir, target, "up"), 1, "%s", out);
		ASSERT_HAS(out, "migrations/002_fill.sql:");
		cr_assert(strstr(out, "disk is full") || strstr(out, "No space left on device"), "names the cause: %s",
			  out);
		ASSERT_HAS(out, "nothing from this migration was applied");
		free(out);
		strata_db *d = db;
		if (backend == STRATA_BACKEND_SQLITE)
			ST_OK(strata_open(&d, u, NULL));
		cr_assert_eq(ledger_count(d), 1, "001 applied, 002 not recorded");
		cr_assert(table_exists(d, "small") && !table_exists(d, "big"), "nothing of 002 is there");
		int64_t locks = -1;
		if (backend == STRATA_BACKEND_SQLITE) {
			ST_OK(strata_query_int64(d, &locks, "SELECT count(*) FROM strata_migrations_lock", NULL, 0));
			cr_assert_eq(locks, 0, "the lock was released");
			strata_close(d);
		}
	}
	/* read-only: the next migration cannot write */
	proj_put(dir, "migrations/002_fill.sql", "-- migrate:up\nCREATE TABLE later (id integer);\n");
	if (backend == STRATA_BACKEND_SQLITE) {
		cr_assert_eq(test_run_cmd(&out, "mount -o remount,ro '%s'", mnt), 0, "%s", out);
		free(out);
	} else {
		char *name = NULL;
		ST_OK(strata_query_text(db, &name, "SELECT current_database()", NULL, 0));
		snprintf(sql, sizeof sql, "ALTER DATABASE \"%s\" SET default_transaction_read_only = on", name);
		free(name);
		ST_OK(strata_exec(db, sql));
	}
	cr_assert_eq(mig(&out, dir, target, "up"), 1, "%s", out);
	cr_assert(strstr(out, "readonly database") || strstr(out, "read-only") || strstr(out, "read only"),
		  "names the cause: %s", out);
	free(out);
	if (backend == STRATA_BACKEND_SQLITE) {
		strata_db *d = NULL;
		snprintf(u, sizeof u, "sqlite:%s/app.db?mode=ro", mnt);
		ST_OK(strata_open(&d, u, NULL));
		cr_assert(!table_exists(d, "later"));
		cr_assert_eq(ledger_count(d), 1);
		strata_close(d);
		test_run_cmd(&out, "umount '%s'", mnt);
		free(out);
	} else {
		cr_assert(!table_exists(db, "later"));
		cr_assert_eq(ledger_count(db), pg_ok ? 1 : -1);
		if (pg_ok) {
			strata_exec(db, "DROP TABLE IF EXISTS big");
			strata_exec(db, "DROP TABLESPACE IF EXISTS strata_tiny");
		}
		test_run_cmd(&out, "umount '%s'", mnt);
		free(out);
	}
	test_rmrf(dir);
	free(dir);
}

/*
 * Issue 19: a CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS that fails
 * (or is interrupted) leaves an INVALID index on PostgreSQL; the retry used
 * to skip it ("exists") and record the migration applied.  Now the retry
 * drops and builds it again, and applied is never recorded over an invalid
 * index.  (SQLite builds indexes in one transaction: nothing is left.)
 */
DB_TEST(migrate_failures, retry_rebuilds_invalid_index)
{
	char *dir = proj_new(), *out, *v;
	bool pg = backend == STRATA_BACKEND_POSTGRES;
	proj_put(dir, "migrations/001_t.sql",
		 "-- migrate:up\nCREATE TABLE t (id integer PRIMARY KEY, v text);\n"
		 "INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'a'), (3, 'b');\n");
	proj_put(dir, "migrations/002_index.sql",
		 pg ? "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_id_idx ON t (id);\n"
		      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_v_key ON t (v);\n"
		    : "-- migrate:up transaction:false\nCREATE INDEX IF NOT EXISTS t_id_idx ON t (id);\n"
		      "CREATE UNIQUE INDEX IF NOT EXISTS t_v_key ON t (v);\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "migrations/002_index.sql:3:1: up section of 002, statement 2 of 2 failed");
	free(out);
	int64_t invalid = 0;
	if (pg) {
		ST_OK(strata_query_int64(
			db, &invalid,
			"SELECT count(*) FROM pg_index WHERE indexrelid = 't_v_key'::regclass AND NOT indisvalid", NULL,
			0));
		cr_assert_eq(invalid, 1, "the failed build left an INVALID index behind");
	}
	/* the data is fixed; the retry must build a valid index, not skip the invalid one */
	ST_OK(strata_exec(db, "UPDATE t SET v = 'c' WHERE id = 2"));
	cr_assert_eq(mig(&out, dir, url, "up --retry-failed"), 0, "%s", out);
	if (pg)
		ASSERT_HAS(
			out,
			"index t_v_key is INVALID (an interrupted or failed CREATE INDEX CONCURRENTLY); dropping it");
	free(out);
	v = ledger_field(db, "state", "002");
	cr_assert_str_eq(v, "applied");
	free(v);
	if (pg) {
		ST_OK(strata_query_int64(db, &invalid, "SELECT count(*) FROM pg_index WHERE NOT indisvalid", NULL, 0));
		cr_assert_eq(invalid, 0, "no INVALID index is left");
	}
	cr_assert_neq(strata_exec(db, "INSERT INTO t (id, v) VALUES (4, 'a')"), STRATA_OK, "the unique index works");
	if (pg) {
		/* an INVALID index behind the resume point (a statement recorded done) is built again too */
		ST_OK(strata_exec(db, "DELETE FROM strata_migrations WHERE version = '002'"));
		ST_OK(strata_exec(db, "DROP INDEX t_v_key"));
		ST_OK(strata_exec(db, "INSERT INTO t (id, v) VALUES (5, 'b')"));
		cr_assert_neq(strata_exec(db, "CREATE UNIQUE INDEX CONCURRENTLY t_v_key ON t (v)"), STRATA_OK);
		ST_OK(strata_exec(db, "DELETE FROM t WHERE id = 5"));
		ST_OK(strata_execv(
			db,
			"INSERT INTO strata_migrations (version, name, checksum, applied_at, duration_ms, applied_by, "
			"state, note) VALUES ('002', 'index', 'x', ?, 0, 'someone', 'running', '2 of 2 statements "
			"done')",
			STRATA_TIMESTAMP(strata_timestamp_now())));
		cr_assert_eq(mig(&out, dir, url, "up --retry-failed"), 0, "%s", out);
		ASSERT_HAS(out, "index t_v_key is INVALID");
		free(out);
		ST_OK(strata_query_int64(db, &invalid, "SELECT count(*) FROM pg_index WHERE NOT indisvalid", NULL, 0));
		cr_assert_eq(invalid, 0, "no INVALID index is left");
	}
	test_rmrf(dir);
	free(dir);
}

/* Issue 17's small truths: status counts, down's order, a dbmate project with no flags. */
DB_TEST(migrate_failures, status_counts_and_down_order)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_a.sql",
		 "-- migrate:up\nCREATE TABLE a (id integer);\n-- migrate:down\nDROP TABLE a;\n");
	proj_put(dir, "migrations/002_b.sql",
		 "-- migrate:up\nCREATE TABLE b (id integer);\n-- migrate:down\nDROP TABLE b;\n");
	proj_put(dir, "migrations/003_c.sql",
		 "-- migrate:up\nCREATE TABLE c (id integer);\n-- migrate:down\nDROP TABLE c;\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	free(out);
	/* down prints what it reverted in the order it ran: newest first */
	cr_assert_eq(mig(&out, dir, url, "down --steps 2"), 0, "%s", out);
	char *p3 = strstr(out, "reverted 003_c"), *p2 = strstr(out, "reverted 002_b");
	cr_assert(p3 && p2 && p3 < p2, "003 is reverted before 002:\n%s", out);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "down --json"), 0, "%s", out);
	ASSERT_HAS(out, "\"reverted\":[{\"version\":\"001\"");
	free(out);
	proj_put(dir, "migrations/002_b.sql",
		 "-- migrate:up transaction:false\nCREATE TABLE b (id integer);\nINSERT INTO nope VALUES (1);\n");
	cr_assert_eq(mig(&out, dir, url, "up --to 002"), 1, "%s", out);
	free(out);
	/* true counts: a failed migration is not applied */
	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "1 applied, 1 pending, 1 failed.");
	ASSERT_LACKS(out, "need attention");
	ASSERT_LACKS(out, "mode=ro");
	free(out);
	cr_assert_eq(mig(&out, dir, url, "status --json"), 0, "%s", out);
	ASSERT_HAS(out, "\"applied\":1,\"pending\":1,\"failed\":1,");
	free(out);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_failures, dbmate_project_with_no_flags)
{
	char *dir = test_tmpdir(), *out;
	char p[4300];
	snprintf(p, sizeof p, "%s/db", dir);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/db/migrations", dir);
	cr_assert_eq(mkdir(p, 0755), 0);
	proj_put(dir, "db/migrations/20260101000001_a.sql",
		 "-- migrate:up\nCREATE TABLE a (id integer);\n-- migrate:down\nDROP TABLE a;\n");
	proj_put(dir, "db/migrations/20260101000002_b.sql",
		 "-- migrate:up\nCREATE TABLE b (id integer);\n-- migrate:down\nDROP TABLE b;\n");
	/* what dbmate leaves: its ledger, the first migration applied */
	ST_OK(strata_exec(db, "CREATE TABLE a (id integer)"));
	ST_OK(strata_exec(db, "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)"));
	ST_OK(strata_exec(db, "INSERT INTO schema_migrations (version) VALUES ('20260101000001')"));
	/* migrations/ is absent and db/migrations/ present: used, and said so */
	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "using db/migrations (dbmate's layout");
	ASSERT_HAS(out, "(migrations in db/migrations)");
	ASSERT_HAS(out, "run `strata migrate adopt` to import it");
	free(out);
	/* up does not run everything again on top of dbmate's work */
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "this database has dbmate's ledger (schema_migrations, 1 version) and no Strata ledger yet");
	ASSERT_HAS(out, "run `strata migrate adopt`");
	ASSERT_LACKS(out, "statement 1 of 1 failed"); /* nothing ran (lint's pre-flight may still warn) */
	free(out);
	cr_assert_eq(mig(&out, dir, url, "adopt"), 0, "%s", out);
	free(out);
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	ASSERT_HAS(out, "applied  20260101000002_b");
	free(out);
	/* DBMATE_MIGRATIONS_DIR is honoured */
	snprintf(p, sizeof p, "%s/elsewhere", dir);
	cr_assert_eq(mkdir(p, 0755), 0);
	proj_put(dir, "elsewhere/20260101000003_c.sql", "-- migrate:up\nCREATE TABLE c (id integer);\n");
	cr_assert_eq(test_run_cmd(&out,
				  "cd '%s' && env -u STRATA_MIGRATIONS_DIR DBMATE_MIGRATIONS_DIR=elsewhere '%s' "
				  "migrate status --url '%s'",
				  dir, STRATA_CLI, url),
		     0, "%s", out);
	ASSERT_HAS(out, "(migrations in elsewhere)");
	ASSERT_HAS(out, "20260101000003");
	free(out);
	test_rmrf(dir);
	free(dir);
}

/*
 * PostgreSQL sends a migration, its ledger row and the COMMIT in one round
 * trip (pipeline mode, issue 14).  What a user sees must not change: the
 * failing statement named with its line and SQLSTATE, nothing of it
 * applied, the ledger's duration measured (a migration sleeping 0.3 s
 * records at least 300 ms), the connection usable after; and the same
 * through pgbouncer in transaction mode.
 */
static void batch_checks(strata_db *db, const char *url, strata_backend backend)
{
	char *dir = proj_new(), *out;
	proj_put(dir, "migrations/001_slow.sql",
		 backend == STRATA_BACKEND_POSTGRES
			 ? "-- migrate:up\nCREATE TABLE slow (id integer);\n"
			   "DO $$ BEGIN PERFORM pg_sleep(0.3); END $$;\n-- migrate:down\nDROP TABLE slow;\n"
			 : "-- migrate:up\nCREATE TABLE slow (id integer);\n-- migrate:down\nDROP TABLE slow;\n");
	proj_put(dir, "migrations/002_bad.sql",
		 "-- migrate:up\n"
		 "CREATE TABLE pairs (id integer PRIMARY KEY);\n"
		 "INSERT INTO pairs (id) VALUES (1);\n"
		 "INSERT INTO pairs (id) VALUES (1);\n"
		 "CREATE TABLE after_bad (id integer);\n"
		 "-- migrate:down\nDROP TABLE pairs;\n");
	/* 003 after it: 001 and 002 commit without waiting for the WAL flush (PostgreSQL), the run's end flushes */
	proj_put(dir, "migrations/003_after.sql",
		 "-- migrate:up\nCREATE TABLE later (id integer);\n-- migrate:down\nDROP TABLE later;\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 1, "%s", out);
	ASSERT_HAS(out, "applied  001_slow");
	ASSERT_HAS(out, "migrations/002_bad.sql:4:1: up section of 002, statement 3 of 4 failed");
	if (backend == STRATA_BACKEND_POSTGRES)
		ASSERT_HAS(out, "(SQLSTATE 23505)");
	ASSERT_HAS(out, "nothing from this migration was applied");
	free(out);
	cr_assert(!table_exists(db, "pairs") && !table_exists(db, "after_bad"), "002 left nothing behind");
	cr_assert(!table_exists(db, "later"), "the run stopped at 002");
	cr_assert_eq(ledger_count(db), 1);
	if (backend == STRATA_BACKEND_POSTGRES) {
		char *ms = ledger_field(db, "duration_ms", "001");
		cr_assert(atoll(ms) >= 300, "the ledger records how long 001 ran: %s ms", ms);
		free(ms);
	}
	/* fixed, it applies; then everything is reverted the same way */
	proj_put(dir, "migrations/002_bad.sql",
		 "-- migrate:up\nCREATE TABLE pairs (id integer PRIMARY KEY);\nINSERT INTO pairs (id) VALUES (1);\n"
		 "-- migrate:down\nDROP TABLE pairs;\n");
	cr_assert_eq(mig(&out, dir, url, "up"), 0, "%s", out);
	ASSERT_HAS(out, "applied  002_bad");
	ASSERT_HAS(out, "applied  003_after");
	free(out);
	cr_assert_eq(count_rows(db, "pairs"), 1);
	cr_assert_eq(ledger_count(db), 3);
	cr_assert_eq(mig(&out, dir, url, "down --to 0"), 0, "%s", out);
	free(out);
	cr_assert_eq(ledger_count(db), 0);
	cr_assert(!table_exists(db, "slow") && !table_exists(db, "pairs") && !table_exists(db, "later"));
	cr_assert_eq(mig(&out, dir, url, "status"), 0, "%s", out);
	ASSERT_HAS(out, "0 applied, 3 pending");
	free(out);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(migrate_failures, one_round_trip_keeps_what_users_see)
{
	batch_checks(db, url, backend);
	if (backend != STRATA_BACKEND_POSTGRES)
		return;
	/* the same through pgbouncer (transaction pooling) into the same database */
	const char *pgb = getenv("STRATA_TEST_PGBOUNCER_URL");
	cr_assert(pgb && *pgb, "STRATA_TEST_PGBOUNCER_URL is not set: run the tests through `make check` "
			       "(scripts/check starts pgbouncer with scripts/pgbouncer-test-server)");
	const char *name = strrchr(url, '/') + 1;
	char dbname[128];
	snprintf(dbname, sizeof dbname, "%.*s", (int)strcspn(name, "?"), name);
	char *via = test_pg_url_for(pgb, dbname);
	char with[600];
	if (strstr(via, "pgbouncer=true"))
		snprintf(with, sizeof with, "%s", via);
	else
		snprintf(with, sizeof with, "%s%spgbouncer=true", via, strchr(via, '?') ? "&" : "?");
	batch_checks(db, with, backend);
	free(via);
}
