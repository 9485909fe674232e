/*
 * Failure paths of backup and restore (issue 11): a disk that fills up, a
 * read-only database, a backup directory that cannot be written, SIGKILL
 * and a retry, two restores at once and the restore lock.  Each
 * must end with a clear error naming the cause, a non-zero exit, nothing
 * half-written and nothing lost.
 *
 * The tests mount small tmpfs file systems (they run as root, as `make
 * check` does) and unmount them in the fixture's fini, whatever happened.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

static char mounted[8192];
static char tablespace_db[128];

static void unmount_all(void)
{
	if (tablespace_db[0]) {
		test_pg_drop_db(tablespace_db);
		strata_db *admin = NULL;
		if (strata_open(&admin, test_pg_base_url(), NULL) == STRATA_OK) {
			strata_exec(admin, "DROP TABLESPACE IF EXISTS strata_test_small");
			strata_close(admin);
		}
		tablespace_db[0] = '\0';
	}
	if (mounted[0])
		ops_umount(mounted);
	mounted[0] = '\0';
}

static void mount_small(const char *dir, const char *name, const char *opts, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", dir, name);
	snprintf(mounted, sizeof mounted, "%s", out);
	ops_mount_tmpfs(out, opts);
}

/* A table of ~1.9 MB that compresses badly, beside items and tags. */
static void fill_big(strata_db *db, strata_backend backend)
{
	ops_fill(db, 200);
	if (backend == STRATA_BACKEND_SQLITE)
		ST_OK(strata_exec(db, "CREATE TABLE big (id integer PRIMARY KEY, b blob);"
				      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) "
				      "INSERT INTO big SELECT i, randomblob(1280) FROM n"));
	else
		ST_OK(strata_exec(db, "CREATE TABLE big (id integer PRIMARY KEY, b text);"
				      "ALTER TABLE big ALTER COLUMN b SET STORAGE EXTERNAL;"
				      "INSERT INTO big SELECT g, (SELECT string_agg(md5(random()::text || g || k), '') "
				      "FROM generate_series(1, 40) k) FROM generate_series(1, 3000) g"));
}

static void no_leftovers(const char *dir, const char *keep)
{
	char *out;
	int rc = test_run_cmd(&out, "ls -A '%s'", dir);
	cr_assert_eq(rc, 0, "%s", out);
	char want[512];
	snprintf(want, sizeof want, "%s%s", keep ? keep : "", keep ? "\n" : "");
	cr_assert_str_eq(out, want, "left behind in %s:\n%s", dir, out);
	free(out);
}

static void check_backup(const char *dir, const char *url)
{
	char *out, file[4300], args[4400];
	snprintf(file, sizeof file, "%s/after.bak", dir);
	snprintf(args, sizeof args, "backup '%s'", file);
	int rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 0, "the database is not sound after the fault: %s", out);
	free(out);
	unlink(file);
}

TestSuite(faults, .fini = unmount_all);

DB_TEST(faults, backup_on_a_full_disk)
{
	char *dir = test_tmpdir(), *out, small[4300], args[4400];
	fill_big(db, backend);
	uint64_t before = ops_checksum(db);
	mount_small(dir, "small", "size=256k", small, sizeof small);
	snprintf(args, sizeof args, "backup '%s/full.bak'", small);
	int rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, backend == STRATA_BACKEND_SQLITE ? "database or disk is full" : "No space left on device");
	free(out);
	no_leftovers(small, NULL);
	cr_assert_eq(ops_checksum(db), before);
	check_backup(dir, url);
	unmount_all();
	test_rmrf(dir);
	free(dir);
}

Test(faults, restore_on_a_full_disk_sqlite)
{
	char *dir = test_tmpdir(), *out, small[4300], args[4400], src[4400], target[4400], fresh[4400];
	mount_small(dir, "small", "size=1m", small, sizeof small);
	snprintf(src, sizeof src, "sqlite:%s/src.db", dir);
	snprintf(target, sizeof target, "sqlite:%s/target.db", small);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, src, NULL));
	fill_big(db, STRATA_BACKEND_SQLITE);
	strata_close(db);
	snprintf(args, sizeof args, "backup '%s/big.bak'", dir);
	int rc = ops_cli(&out, dir, args, src);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	/* a small database on the small disk, replaced with --force by one too big for it */
	ST_OK(strata_open(&db, target, NULL));
	ops_fill(db, 10);
	uint64_t before = ops_checksum(db);
	strata_close(db);
	snprintf(args, sizeof args, "restore --force '%s/big.bak'", dir);
	rc = ops_cli(&out, dir, args, target);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "database or disk is full");
	HAS(out, "nothing was changed");
	free(out);
	ST_OK(strata_open(&db, target, NULL));
	cr_assert_eq(ops_checksum(db), before, "the failed restore changed the database");
	strata_close(db);
	no_leftovers(small, "target.db");
	/* into a new file: the file it created goes again */
	snprintf(fresh, sizeof fresh, "sqlite:%s/fresh.db", small);
	snprintf(args, sizeof args, "restore '%s/big.bak'", dir);
	rc = ops_cli(&out, dir, args, fresh);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "database or disk is full");
	free(out);
	no_leftovers(small, "target.db");
	check_backup(dir, target);
	unmount_all();
	test_rmrf(dir);
	free(dir);
}

Test(faults, restore_on_a_full_disk_postgres)
{
	char *dir = test_tmpdir(), *out, small[4300], args[4400], name[64], sql[4600];
	char *src = test_pg_create_db(name, sizeof name);
	strata_db *db = NULL, *admin = NULL;
	ST_OK(strata_open(&db, src, NULL));
	fill_big(db, STRATA_BACKEND_POSTGRES);
	snprintf(args, sizeof args, "backup '%s/big.dump'", dir);
	int rc = ops_cli(&out, dir, args, src);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	/* a tablespace with room for an empty database, then filled to 256 kB of free space */
	int64_t template_bytes = 0;
	ST_OK(strata_query_int64(db, &template_bytes, "SELECT pg_database_size('template1')", NULL, 0));
	strata_close(db);
	char opts[256];
	snprintf(opts, sizeof opts, "size=%lldk,mode=0700,uid=$(id -u postgres),gid=$(id -g postgres)",
		 (long long)(template_bytes / 1024 + 2048));
	snprintf(small, sizeof small, "%s/small", dir);
	snprintf(mounted, sizeof mounted, "%s", small);
	rc = test_run_cmd(&out, "chmod 755 '%s' && mkdir -p '%s' && mount -t tmpfs -o \"%s\" strata-test '%s'", dir,
			  small, opts, small);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	ST_OK(strata_open(&admin, test_pg_base_url(), NULL));
	snprintf(sql, sizeof sql, "CREATE TABLESPACE strata_test_small LOCATION '%s'", small);
	ST_OK(strata_exec(admin, sql));
	snprintf(tablespace_db, sizeof tablespace_db, "%s_small", name);
	snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\" TABLESPACE strata_test_small", tablespace_db);
	ST_OK(strata_exec(admin, sql));
	strata_close(admin);
	/* one connection before the disk fills: it writes the new database's relation cache file
	 * (pg_internal.init), which a first connection on a full disk could not */
	char *target = test_pg_url_for(test_pg_base_url(), tablespace_db);
	strata_db *t = NULL;
	ST_OK(strata_open(&t, target, NULL));
	ST_OK(strata_exec(t, "SELECT 1"));
	strata_close(t);
	t = NULL;
	struct statvfs vfs;
	cr_assert_eq(statvfs(small, &vfs), 0);
	long long free_kb = (long long)vfs.f_bavail * (long long)vfs.f_frsize / 1024;
	if (free_kb > 256) {
		rc = test_run_cmd(&out, "dd if=/dev/zero of='%s/filler' bs=1k count=%lld 2>&1", small, free_kb - 256);
		/* the server may write to the tablespace meanwhile: a disk that filled sooner is full all the same */
		cr_assert(rc == 0 || strstr(out, "No space left on device") != NULL, "%s", out);
		free(out);
	}
	snprintf(args, sizeof args, "restore '%s/big.dump'", dir);
	rc = ops_cli(&out, dir, args, target);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "No space left on device");
	HAS(out, "nothing was changed");
	free(out);
	/* the database is as it was: empty, and still usable */
	int64_t n = -1;
	ST_OK(strata_open(&t, target, NULL));
	ST_OK(strata_query_int64(t, &n, "SELECT count(*) FROM pg_class WHERE relname IN ('items', 'tags', 'big')", NULL,
				 0));
	cr_assert_eq(n, 0, "a failed restore left tables behind");
	strata_close(t);
	free(target);
	unmount_all();
	test_pg_drop_db(name);
	free(src);
	test_rmrf(dir);
	free(dir);
}

/* A database file the user may only read: backups work, a restore over it fails and changes nothing. */
Test(faults, read_only_database_file_sqlite)
{
	char *dir = test_tmpdir(), *out, url[4400], path[4200];
	snprintf(path, sizeof path, "%s/ro.db", dir);
	snprintf(url, sizeof url, "sqlite:%s", path);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ops_fill(db, 100);
	uint64_t before = ops_checksum(db);
	strata_close(db);
	int rc = test_run_cmd(&out, "chmod 777 '%s' && chmod 444 '%s'", dir, path);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	/* as an unprivileged user (root may write anything) */
	const char *as = "setpriv --reuid=65534 --regid=65534 --clear-groups";
	rc = test_run_cmd(&out, "cd '%s' && %s env -u DATABASE_URL '%s' backup --url '%s' '%s/b.bak'", dir, as,
			  STRATA_CLI, url, dir);
	cr_assert_eq(rc, 0, "a read-only database can be backed up: %s", out);
	free(out);
	rc = test_run_cmd(&out, "cd '%s' && %s env -u DATABASE_URL '%s' restore --force --url '%s' '%s/b.bak'", dir, as,
			  STRATA_CLI, url, dir);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "readonly database");
	HAS(out, "nothing was changed");
	free(out);
	cr_assert_eq(chmod(path, 0644), 0);
	ST_OK(strata_open(&db, url, NULL));
	cr_assert_eq(ops_checksum(db), before);
	strata_close(db);
	test_rmrf(dir);
	free(dir);
}

/* PostgreSQL's read-only database: default_transaction_read_only. */
Test(faults, read_only_database_postgres)
{
	char *dir = test_tmpdir(), *out, args[4400], name[64], sql[256];
	char *url = test_pg_create_db(name, sizeof name);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ops_fill(db, 100);
	uint64_t before = ops_checksum(db);
	snprintf(sql, sizeof sql, "ALTER DATABASE \"%s\" SET default_transaction_read_only = on", name);
	ST_OK(strata_exec(db, sql));
	strata_close(db);
	snprintf(args, sizeof args, "backup '%s/ro.dump'", dir);
	int rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 0, "a read-only database can be backed up: %s", out);
	free(out);
	snprintf(args, sizeof args, "restore --force '%s/ro.dump'", dir);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "read-only transaction");
	HAS(out, "nothing was changed");
	free(out);
	ST_OK(strata_open(&db, url, NULL));
	cr_assert_eq(ops_checksum(db), before);
	strata_close(db);
	test_pg_drop_db(name);
	free(url);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(faults, backup_directory_not_writable)
{
	char *dir = test_tmpdir(), *out, ro[4300], args[4400];
	ops_fill(db, 50);
	uint64_t before = ops_checksum(db);
	mount_small(dir, "ro", "size=64k,ro", ro, sizeof ro);
	snprintf(args, sizeof args, "backup '%s/x.bak'", ro);
	int rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "Read-only file system");
	HAS(out, "/ro/x.bak.tmp.");
	free(out);
	no_leftovers(ro, NULL);
	/* and a directory that does not exist */
	snprintf(args, sizeof args, "backup '%s/nowhere/x.bak'", dir);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "No such file or directory");
	free(out);
	cr_assert_eq(ops_checksum(db), before);
	unmount_all();
	test_rmrf(dir);
	free(dir);
}

/* The checksum of the database `url` names, through a new connection. */
static uint64_t checksum_of(const char *url)
{
	strata_db *t = NULL;
	ST_OK(strata_open(&t, url, NULL));
	uint64_t h = ops_checksum(t);
	strata_close(t);
	return h;
}

/*
 * Run `strata restore ARGS[i] --url TARGET` for i = 0, 1 at the same moment;
 * their exit statuses into rc[] and their outputs into out[] (free()).
 */
static void restore_twice_at_once(const char *dir, const char *const args[2], const char *target, int rc[2],
				  char *out[2])
{
	char *all;
	int st = test_run_cmd(&all,
			      "cd '%s' || exit 1; export NO_COLOR=1; unset DATABASE_URL; "
			      "('%s' restore --url '%s' %s > a.log 2>&1; echo $? > a.rc) & "
			      "('%s' restore --url '%s' %s > b.log 2>&1; echo $? > b.rc) & wait; "
			      "cat a.rc; cat a.log; echo '=====' ; cat b.rc; cat b.log; rm -f a.rc a.log b.rc b.log",
			      dir, STRATA_CLI, target, args[0], STRATA_CLI, target, args[1]);
	cr_assert_eq(st, 0, "%s", all);
	char *sep = strstr(all, "=====\n");
	cr_assert(sep, "%s", all);
	*sep = '\0';
	rc[0] = atoi(all);
	rc[1] = atoi(sep + 6);
	out[0] = strdup(all);
	out[1] = strdup(sep + 6);
	free(all);
}

/*
 * Two restores into one database at once (issue 11): the restore lock puts
 * them one after the other.  Into a new database, the second finds the
 * first's tables and is refused without --force; with --force both run and
 * the database is wholly one backup or the other, never a mix.
 */
DB_TEST(faults, two_restores_into_one_database_at_once)
{
	char *dir = test_tmpdir(), a[4300], b[4300], target[4300], name[128];
	fill_big(db, backend);
	snprintf(a, sizeof a, "%s/a.bak", dir);
	ops_backup_ok(dir, url, a);
	uint64_t sum_a = ops_checksum(db);
	ST_OK(strata_exec(db, "DELETE FROM tags WHERE item_id > 150; DELETE FROM items WHERE id > 150"));
	snprintf(b, sizeof b, "%s/b.bak", dir);
	ops_backup_ok(dir, url, b);
	uint64_t sum_b = ops_checksum(db);
	cr_assert_neq(sum_a, sum_b);

	ops_new_target(backend, dir, "target", target, sizeof target, name, sizeof name);
	int rcs[2];
	char *outs[2], qa[4400], qb[4400];
	snprintf(qa, sizeof qa, "-- '%s'", a);
	const char *same[2] = { qa, qa };
	restore_twice_at_once(dir, same, target, rcs, outs);
	cr_assert(rcs[0] + rcs[1] == 1 && (rcs[0] == 0 || rcs[1] == 0), "want one success and one refusal:\n%s\n%s",
		  outs[0], outs[1]);
	int lost = rcs[0] == 0 ? 1 : 0;
	HAS(outs[lost], "already has tables; restoring over them needs --force");
	HAS(outs[1 - lost], "checked: every table has the rows the backup holds");
	free(outs[0]);
	free(outs[1]);
	cr_assert_eq(checksum_of(target), sum_a);

	snprintf(qa, sizeof qa, "--force -- '%s'", a);
	snprintf(qb, sizeof qb, "--force -- '%s'", b);
	const char *both[2] = { qa, qb };
	restore_twice_at_once(dir, both, target, rcs, outs);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(rcs[i], 0, "%s", outs[i]);
		HAS(outs[i], "checked: every table has the rows the backup holds");
		free(outs[i]);
	}
	uint64_t sum = checksum_of(target);
	cr_assert(sum == sum_a || sum == sum_b, "the database is neither backup after two restores at once");
	if (backend == STRATA_BACKEND_POSTGRES)
		test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
}

/* PostgreSQL: wait until no session of a `strata restore` (ours or pg_restore's) is left. */
static void no_restore_sessions(void)
{
	strata_db *admin = NULL;
	int64_t n = 1;
	ST_OK(strata_open(&admin, test_pg_base_url(), NULL));
	for (int i = 0; i < 200 && n > 0; i++) {
		ST_OK(strata_query_int64(
			admin, &n,
			"SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'strata restore%'", NULL,
			0));
		if (n > 0)
			usleep(50 * 1000);
	}
	strata_close(admin);
	cr_assert_eq(n, 0, "pg_restore outlived the killed strata restore");
}

/* `strata restore --url URL --force -- FILE` in DIR, started in the background. */
static pid_t spawn_restore(const char *dir, const char *url, const char *file)
{
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		if (chdir(dir) != 0 || fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		unsetenv("DATABASE_URL");
		setenv("NO_COLOR", "1", 1);
		execl(STRATA_CLI, "strata", "restore", "--url", url, "--force", "--", file, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* PostgreSQL: wait until pg_restore of `strata restore` process `pid` has a session (its restore has begun). */
static void wait_for_pg_restore(pid_t pid)
{
	char app[64];
	snprintf(app, sizeof app, "strata restore %ld", (long)pid);
	strata_db *admin = NULL;
	int64_t n = 0;
	ST_OK(strata_open(&admin, test_pg_base_url(), NULL));
	for (int i = 0; i < 3000 && n == 0; i++) {
		ST_OK(strata_query_int64v(admin, &n, "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?",
					  STRATA_TEXT(app)));
		if (n == 0)
			usleep(10 * 1000);
	}
	strata_close(admin);
	cr_assert_gt(n, 0, "pg_restore never started");
}

/*
 * SIGKILL of `strata restore --force` at several moments (issue 11): each
 * time the database is either as it was or wholly the backup, never in
 * between; pg_restore does not outlive it; running the restore again
 * completes it.  SQLite: kills from the start of the command (reading the
 * backup, then copying pages); PostgreSQL: from the moment pg_restore's
 * session appears, so every kill lands in or after the restore proper.
 */
DB_TEST(faults, killed_restore_changes_nothing_and_a_retry_completes)
{
	/* PostgreSQL reads the backup for a few seconds before each restore proper: fewer kills there */
	static const int sqlite_ms[] = { 0, 30, 100, 200, 350, 500, 800, 1200 }, pg_ms[] = { 0, 150, 400, 1000 };
	bool sqlite = backend == STRATA_BACKEND_SQLITE;
	const int *delays_ms = sqlite ? sqlite_ms : pg_ms;
	size_t nkills = sqlite ? sizeof sqlite_ms / sizeof sqlite_ms[0] : sizeof pg_ms / sizeof pg_ms[0];
	char *dir = test_tmpdir(), *out, args[4400], file[4300];
	fill_big(db, backend);
	snprintf(file, sizeof file, "%s/b.bak", dir);
	ops_backup_ok(dir, url, file);
	int rc;
	uint64_t backup_sum = ops_checksum(db);
	int unchanged = 0, restored = 0;
	for (size_t k = 0; k < nkills; k++) {
		ST_OK(strata_exec(db, "UPDATE items SET qty = qty + 1 WHERE id <= 10"));
		uint64_t before = ops_checksum(db);
		pid_t pid = spawn_restore(dir, url, file);
		if (backend == STRATA_BACKEND_POSTGRES)
			wait_for_pg_restore(pid);
		usleep((useconds_t)delays_ms[k] * 1000);
		kill(pid, SIGKILL);
		int status = 0;
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		if (backend == STRATA_BACKEND_POSTGRES)
			no_restore_sessions();
		uint64_t now = checksum_of(url);
		cr_assert(now == before || now == backup_sum,
			  "after a SIGKILL %d ms into the restore the database is neither as it was nor the backup",
			  delays_ms[k]);
		/* the table the checksum leaves out: whole too */
		cr_assert_eq(ops_count(url, "big"), sqlite ? 1500 : 3000);
		now == before ? unchanged++ : restored++;
	}
	cr_log_info("%s: %d kills: %d left the database as it was, %d came after the restore had finished",
		    sqlite ? "sqlite" : "postgres", unchanged + restored, unchanged, restored);
	cr_assert_gt(unchanged, 0, "no kill landed during a restore");
	/* the same command again completes it */
	snprintf(args, sizeof args, "restore --force -- '%s'", file);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "checked: every table has the rows the backup holds");
	free(out);
	cr_assert_eq(checksum_of(url), backup_sum);
	test_rmrf(dir);
	free(dir);
}

/*
 * The restore lock (issue 11): while another restore holds it, a restore
 * waits for --timeout, then gives up naming the holder and changes
 * nothing; once it is free, the same command runs.
 */
DB_TEST(faults, restore_waits_for_the_restore_lock)
{
	char *dir = test_tmpdir(), *out, args[4400], file[4300], lock[4400];
	ops_fill(db, 50);
	snprintf(file, sizeof file, "%s/b.bak", dir);
	ops_backup_ok(dir, url, file);
	int rc;
	ST_OK(strata_exec(db, "UPDATE items SET qty = 99 WHERE id = 1"));
	uint64_t before = ops_checksum(db);
	/* another restore holds the lock */
	int fd = -1;
	strata_db *holder = NULL;
	if (backend == STRATA_BACKEND_SQLITE) {
		snprintf(lock, sizeof lock, "%s.restore-lock", url + strlen("sqlite:"));
		fd = open(lock, O_RDWR | O_CREAT, 0600);
		cr_assert(fd >= 0 && flock(fd, LOCK_EX) == 0);
		cr_assert_eq(write(fd, "4242\n", 5), 5);
	} else {
		ST_OK(strata_open(&holder, url, NULL));
		ST_OK(strata_exec(holder, "SELECT pg_advisory_lock(1381192787)")); /* 0x52535453, "strataRS" */
	}
	snprintf(args, sizeof args, "restore --force --timeout 1 -- '%s'", file);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "another restore into");
	HAS(out,
	    backend == STRATA_BACKEND_SQLITE ? "is running (pid 4242); waited 1000 ms for it" : "is running (pid ");
	HAS(out, "nothing was changed");
	free(out);
	cr_assert_eq(ops_checksum(db), before);
	if (fd >= 0)
		close(fd);
	strata_close(holder);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	cr_assert_neq(ops_checksum(db), before);
	if (backend == STRATA_BACKEND_SQLITE)
		cr_assert(!ops_exists(lock), "the lock file stayed after the restore");
	test_rmrf(dir);
	free(dir);
}
