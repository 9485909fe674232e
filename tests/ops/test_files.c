/*
 * File and path safety of backup, restore and branch (issue 19): what a
 * backup may be written over, names with '%', '?' and '-', modes, the
 * database name given to pg_restore, signals and lock waits.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot read %s", path);
	static char buf[4096];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

DB_TEST(files, backup_refuses_what_is_not_a_regular_file)
{
	char *dir = test_tmpdir(), *out, path[4200], args[4400], target[4200];
	ops_fill(db, 5);
	static const struct {
		const char *name, *make, *kind;
		mode_t type;
	} cases[] = {
		{ "fifo", "mkfifo '%s'", "a FIFO (named pipe)", S_IFIFO },
		{ "device", "mknod '%s' c 1 3", "a character device", S_IFCHR },
		{ "link", "ln -s kept '%s'", "a symbolic link", S_IFLNK },
		{ "directory", "mkdir '%s'", "a directory", S_IFDIR },
	};
	snprintf(target, sizeof target, "%s/kept", dir);
	write_file(target, "the file the link points to\n");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
		int rc = test_run_cmd(&out, cases[i].make, path);
		cr_assert_eq(rc, 0, "%s", out);
		free(out);
		/* with --force too: only a regular file is ever replaced */
		snprintf(args, sizeof args, "backup --force '%s'", path);
		rc = ops_cli(&out, dir, args, url);
		cr_assert_eq(rc, 1, "%s: %s", cases[i].name, out);
		HAS(out, "refusing to write");
		HAS(out, cases[i].kind);
		free(out);
		struct stat sb;
		cr_assert_eq(lstat(path, &sb), 0);
		cr_assert_eq(sb.st_mode & S_IFMT, cases[i].type, "%s was replaced", cases[i].name);
		/* the schema file of migrate --schema-file goes through the same rules */
		ST_EXPECT(strata_backup_to_file(db, path, STRATA_BACKUP_SCHEMA_SQL), STRATA_EINVAL);
		cr_assert_eq(lstat(path, &sb), 0);
		cr_assert_eq(sb.st_mode & S_IFMT, cases[i].type, "%s was replaced by the schema file", cases[i].name);
	}
	cr_assert_str_eq(read_file(target), "the file the link points to\n");
	/* nothing temporary is left beside them */
	int rc = test_run_cmd(&out, "ls '%s'", dir);
	HASNT(out, ".tmp.");
	free(out);
	(void)rc;
	test_rmrf(dir);
	free(dir);
}

DB_TEST(files, backup_replaces_an_existing_file_only_with_force)
{
	char *dir = test_tmpdir(), *out, path[4200], args[4400];
	ops_fill(db, 5);
	snprintf(path, sizeof path, "%s/old.bak", dir);
	write_file(path, "an older backup\n");
	snprintf(args, sizeof args, "backup '%s'", path);
	int rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "exists already");
	HAS(out, "--force");
	free(out);
	cr_assert_str_eq(read_file(path), "an older backup\n");
	snprintf(args, sizeof args, "backup --force '%s'", path);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "verified");
	free(out);
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600u);
	test_rmrf(dir);
	free(dir);
}

/* A file named "-x": options end at "--", for strata and for pg_restore. */
DB_TEST(files, file_named_like_an_option)
{
	char *dir = test_tmpdir(), *out, target[4300], name[128];
	ops_fill(db, 30);
	int rc = ops_cli(&out, dir, "backup -- -x", url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "verified");
	free(out);
	ops_new_target(backend, dir, "dash", target, sizeof target, name, sizeof name);
	rc = ops_cli(&out, dir, "restore -- -x", target);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "2 tables, 45 rows");
	free(out);
	if (backend == STRATA_BACKEND_POSTGRES)
		test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
}

/* Names with '%' and '?': paths come from the decoded file name, never from re-reading a URL. */
Test(files, branch_and_backup_of_odd_file_names_sqlite)
{
	char *dir = test_tmpdir(), *out, url[4300], other[4300], args[4400];
	/* the file is literally "x%41.db"; "xA.branch.b.db" is someone else's */
	snprintf(url, sizeof url, "sqlite:%s/x%%2541.db", dir);
	snprintf(other, sizeof other, "%s/xA.branch.b.db", dir);
	write_file(other, "not ours\n");
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(db, "CREATE TABLE t (id integer PRIMARY KEY); INSERT INTO t VALUES (1), (2)"));
	strata_close(db);
	char real[4300];
	snprintf(real, sizeof real, "%s/x%%41.db", dir);
	cr_assert(ops_exists(real), "the database is not at %s", real);
	int rc = ops_cli(&out, dir, "branch create b", url);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	cr_assert_str_eq(read_file(other), "not ours\n");
	snprintf(real, sizeof real, "%s/x%%41.branch.b.db", dir);
	cr_assert(ops_exists(real), "the branch is not at %s", real);
	rc = ops_cli(&out, dir, "branch list", url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "x%2541.branch.b.db");
	free(out);
	rc = ops_cli(&out, dir, "branch delete b", url);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	cr_assert(!ops_exists(real));
	cr_assert_str_eq(read_file(other), "not ours\n");

	/* "a?b.db": branch, backup and restore */
	snprintf(url, sizeof url, "sqlite:%s/a%%3Fb.db", dir);
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(db, "CREATE TABLE t (id integer PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)"));
	strata_close(db);
	rc = ops_cli(&out, dir, "branch create q", url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "a%3Fb.branch.q.db");
	free(out);
	snprintf(real, sizeof real, "%s/a?b.branch.q.db", dir);
	cr_assert(ops_exists(real), "the branch is not at %s", real);
	snprintf(args, sizeof args, "backup '%s/c?d.bak'", dir);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "verified");
	free(out);
	snprintf(args, sizeof args, "restore '%s/c?d.bak'", dir);
	snprintf(url, sizeof url, "sqlite:%s/e%%3Ff.db", dir);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "1 table, 3 rows");
	free(out);
	snprintf(real, sizeof real, "%s/e?f.db", dir);
	cr_assert(ops_exists(real));
	test_rmrf(dir);
	free(dir);
}

/* Branches get the original's mode, at most 0600, whatever the umask. */
Test(files, branch_mode_sqlite)
{
	char *dir = test_tmpdir(), *out, url[4300], path[4200], branch[4300];
	snprintf(path, sizeof path, "%s/app.db", dir);
	snprintf(url, sizeof url, "sqlite:%s", path);
	snprintf(branch, sizeof branch, "%s/app.branch.m.db", dir);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(db, "CREATE TABLE t (id integer PRIMARY KEY); INSERT INTO t VALUES (1)"));
	strata_close(db);
	static const mode_t source[] = { 0600, 0640, 0644, 0400 };
	for (size_t i = 0; i < sizeof source / sizeof source[0]; i++) {
		cr_assert_eq(chmod(path, source[i]), 0);
		int rc = test_run_cmd(&out, "cd '%s' && umask 000 && '%s' branch create m --url '%s'", dir, STRATA_CLI,
				      url);
		cr_assert_eq(rc, 0, "%s", out);
		free(out);
		struct stat sb;
		cr_assert_eq(stat(branch, &sb), 0);
		cr_assert_eq(sb.st_mode & 0777, source[i] & 0600, "source %o: branch mode %o", source[i],
			     sb.st_mode & 0777);
		rc = test_run_cmd(&out, "'%s' branch delete m --url '%s'", STRATA_CLI, url);
		cr_assert_eq(rc, 0, "%s", out);
		free(out);
	}
	test_rmrf(dir);
	free(dir);
}

/* A database name with '=' is a name for pg_restore, not a connection string. */
Test(files, restore_into_a_database_named_with_equals_postgres)
{
	char decoy[64], file[4200], args[4400], target_name[200], target[4400];
	char *dir = test_tmpdir(), *out;
	char *url = test_pg_create_db(decoy, sizeof decoy);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ops_fill(db, 20);
	strata_close(db);
	snprintf(file, sizeof file, "%s/eq.dump", dir);
	ops_backup_ok(dir, url, file);
	int rc;
	/* an empty database "dbname=<decoy>_e" next to an empty "<decoy>_e" */
	char plain[128];
	snprintf(plain, sizeof plain, "%s_e", decoy);
	snprintf(target_name, sizeof target_name, "dbname=%s", plain);
	strata_db *admin = NULL;
	ST_OK(strata_open(&admin, test_pg_base_url(), NULL));
	char sql[512];
	snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", plain);
	ST_OK(strata_exec(admin, sql));
	snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", target_name);
	ST_OK(strata_exec(admin, sql));
	strata_close(admin);
	char enc[256];
	snprintf(enc, sizeof enc, "dbname%%3D%s", plain);
	char *u = test_pg_url_for(test_pg_base_url(), enc);
	snprintf(target, sizeof target, "%s", u);
	free(u);
	snprintf(args, sizeof args, "restore '%s'", file);
	rc = ops_cli(&out, dir, args, target);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	cr_assert_eq(ops_count(target, "items"), 20);
	u = test_pg_url_for(test_pg_base_url(), plain);
	strata_db *p = NULL;
	ST_OK(strata_open(&p, u, NULL));
	int64_t n = -1;
	ST_OK(strata_query_int64(p, &n, "SELECT count(*) FROM pg_class WHERE relname = 'items'", NULL, 0));
	cr_assert_eq(n, 0, "the restore went into database %s", plain);
	strata_close(p);
	free(u);
	test_pg_drop_db(plain);
	test_pg_drop_db(target_name);
	test_pg_drop_db(decoy);
	free(url);
	test_rmrf(dir);
	free(dir);
}

/* SIGTERM (or SIGKILL) of strata backup leaves no pg_dump running and (SIGTERM) no temporary file. */
Test(files, signals_stop_pg_dump_postgres)
{
	char name[64], file[4200];
	char *dir = test_tmpdir(), *out;
	char *url = test_pg_create_db(name, sizeof name);
	strata_db *blocker = NULL;
	ST_OK(strata_open(&blocker, url, NULL));
	ST_OK(strata_exec(blocker, "CREATE TABLE t (id bigint PRIMARY KEY)"));
	static const char *const sigs[] = { "TERM", "KILL" };
	for (size_t i = 0; i < 2; i++) {
		/*
		 * pg_dump waits for a table locked ACCESS EXCLUSIVE.  "started" is
		 * asked again for a while: Debian's pg_dump is pg_wrapper (Perl)
		 * exec'ing the real one, and pgrep can miss the process during
		 * that exec (a CI run saw it once, then not).
		 */
		ST_OK(strata_begin(blocker, NULL));
		ST_OK(strata_exec(blocker, "LOCK TABLE t IN ACCESS EXCLUSIVE MODE"));
		snprintf(file, sizeof file, "%s/sig%s.dump", dir, sigs[i]);
		int rc = test_run_cmd(&out,
				      "cd '%s' && (env -u DATABASE_URL '%s' backup --url '%s' '%s' >log 2>&1 & pid=$!; "
				      "for i in $(seq 1 400); do pgrep -f '[p]g_dump.*sig%s.dump.tmp' >/dev/null && "
				      "break; sleep 0.05; done; "
				      "for i in $(seq 1 40); do pgrep -f '[p]g_dump.*sig%s.dump.tmp' >/dev/null && "
				      "echo started && break; sleep 0.05; done; "
				      "kill -%s $pid; wait $pid; echo status=$?; "
				      "for i in $(seq 1 100); do pgrep -f '[p]g_dump.*sig%s.dump.tmp' >/dev/null || "
				      "break; sleep 0.05; done; "
				      "pgrep -f '[p]g_dump.*sig%s.dump.tmp' >/dev/null && echo orphan; cat log)",
				      dir, STRATA_CLI, url, file, sigs[i], sigs[i], sigs[i], sigs[i], sigs[i]);
		cr_assert_eq(rc, 0, "%s", out);
		HAS(out, "started");
		HASNT(out, "orphan");
		HAS(out, i == 0 ? "status=143" : "status=137");
		if (i == 0)
			HAS(out, "stopped on request");
		free(out);
		ST_OK(strata_rollback(blocker));
		cr_assert(!ops_exists(file), "a half-written backup is under the final name");
		if (i == 0) {
			rc = test_run_cmd(&out, "ls '%s'", dir);
			HASNT(out, ".tmp.");
			free(out);
		}
	}
	strata_close(blocker);
	test_pg_drop_db(name);
	free(url);
	test_rmrf(dir);
	free(dir);
}

/* restore --force waits for other sessions' locks only --timeout long, names them, and changes nothing. */
Test(files, restore_force_gives_up_on_locks_postgres)
{
	char name[64], file[4200], args[4400];
	char *dir = test_tmpdir(), *out;
	char *url = test_pg_create_db(name, sizeof name);
	strata_db *db = NULL, *holder = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ops_fill(db, 40);
	snprintf(file, sizeof file, "%s/lock.dump", dir);
	ops_backup_ok(dir, url, file);
	int rc;
	ST_OK(strata_exec(db, "UPDATE items SET qty = 1000 WHERE id = 1"));
	uint64_t before = ops_checksum(db);
	/* a session in the middle of a transaction that read items */
	ST_OK(strata_open(&holder, url, NULL));
	ST_OK(strata_begin(holder, NULL));
	int64_t pid = 0, n = 0;
	ST_OK(strata_query_int64(holder, &pid, "SELECT pg_backend_pid()", NULL, 0));
	ST_OK(strata_query_int64(holder, &n, "SELECT count(*) FROM items", NULL, 0));
	snprintf(args, sizeof args, "restore --force --timeout 1 '%s'", file);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "%s", out);
	char want[64];
	snprintf(want, sizeof want, "pid %lld", (long long)pid);
	HAS(out, want);
	HAS(out, "gave up after 1000 ms waiting for locks");
	HAS(out, "nothing was changed");
	HAS(out, "--timeout");
	free(out);
	/* the holder's transaction is untouched, and so is the database */
	ST_OK(strata_query_int64(holder, &n, "SELECT count(*) FROM items", NULL, 0));
	cr_assert_eq(n, 40);
	ST_OK(strata_rollback(holder));
	strata_close(holder);
	cr_assert_eq(ops_checksum(db), before);
	strata_close(db);
	test_pg_drop_db(name);
	free(url);
	test_rmrf(dir);
	free(dir);
}

/* SQLite: restore --force waits for another connection's write lock only --timeout long, changes nothing, then runs. */
Test(files, restore_force_gives_up_on_locks_sqlite)
{
	char *dir = test_tmpdir(), *out, url[4400], file[4300], args[4400];
	snprintf(url, sizeof url, "sqlite:%s/app.db", dir);
	strata_db *db = NULL, *holder = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ops_fill(db, 40);
	snprintf(file, sizeof file, "%s/lock.bak", dir);
	ops_backup_ok(dir, url, file);
	int rc;
	ST_OK(strata_exec(db, "UPDATE items SET qty = 1000 WHERE id = 1"));
	uint64_t before = ops_checksum(db);
	/* a connection in the middle of a write transaction */
	ST_OK(strata_open(&holder, url, NULL));
	ST_OK(strata_begin(holder, NULL));
	ST_OK(strata_exec(holder, "UPDATE items SET qty = qty WHERE id = 2"));
	snprintf(args, sizeof args, "restore --force --timeout 1 -- '%s'", file);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "locked by another connection for 1000 ms");
	HAS(out, "nothing was changed");
	free(out);
	ST_OK(strata_rollback(holder));
	strata_close(holder);
	cr_assert_eq(ops_checksum(db), before);
	/* once the lock is gone the same command runs */
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	cr_assert_neq(ops_checksum(db), before);
	strata_close(db);
	test_rmrf(dir);
	free(dir);
}
