/*
 * Failure paths of backup and restore (issue 11): a disk that fills up, a
 * read-only database, a backup directory that cannot be written.  Each
 * must end with a clear error naming the cause, a non-zero exit, nothing
 * half-written and nothing lost.
 *
 * The tests mount small tmpfs file systems (they run as root, as `make
 * check` does) and unmount them in the fixture's fini, whatever happened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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
		cr_assert_eq(rc, 0, "%s", out);
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
	ST_OK(strata_query_int64(t, &n, "SELECT count(*) FROM pg_class WHERE relname IN ('items', 'tags', 'big')", NULL, 0));
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
	rc = test_run_cmd(&out, "cd '%s' && %s env -u DATABASE_URL '%s' backup --url '%s' '%s/b.bak'", dir, as, STRATA_CLI,
			  url, dir);
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
