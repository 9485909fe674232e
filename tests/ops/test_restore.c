/*
 * strata restore checks what it restores (issue 11): a backup is read
 * whole before anything is touched, a file that is not a sound backup is
 * refused, with and without --force, and nothing is left behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

/* A full backup of `url` into DIR/copy.db or .dump; its path into `file`. */
static void backup_to(const char *dir, const char *url, strata_backend backend, char *file, size_t cap)
{
	snprintf(file, cap, "%s/copy.%s", dir, backend == STRATA_BACKEND_SQLITE ? "db" : "dump");
	ops_backup_ok(dir, url, file);
}

/* Restore `file` into a database that does not exist, and over `url` with --force: both refused, nothing changed. */
static void refused(strata_db *db, const char *url, strata_backend backend, const char *dir, const char *file,
		    const char *why)
{
	char *out, args[4400], target[4300], name[128];
	uint64_t before = ops_checksum(db);
	ops_new_target(backend, dir, "fresh", target, sizeof target, name, sizeof name);
	snprintf(args, sizeof args, "restore -- '%s'", file);
	int rc = ops_cli(&out, dir, args, target);
	cr_assert_eq(rc, 1, "restore of %s: %s", file, out);
	HAS(out, why);
	HAS(out, "nothing was changed");
	free(out);
	if (backend == STRATA_BACKEND_SQLITE) {
		char path[4400];
		snprintf(path, sizeof path, "%s/fresh.db", dir);
		cr_assert(!ops_exists(path), "a refused restore created %s", path);
	} else {
		cr_assert(!ops_pg_db_exists(name), "a refused restore created database %s", name);
	}
	snprintf(args, sizeof args, "restore --force -- '%s'", file);
	rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 1, "restore --force of %s: %s", file, out);
	HAS(out, why);
	free(out);
	cr_assert_eq(ops_checksum(db), before, "a refused restore --force changed the database");
}

DB_TEST(restore, damaged_backup_is_refused)
{
	char *dir = test_tmpdir(), *out, file[4200];
	ops_fill(db, 2000);
	backup_to(dir, url, backend, file, sizeof file);
	struct stat sb;
	cr_assert_eq(stat(file, &sb), 0);
	/* 4 KB of random bytes in the middle of the file */
	int rc = test_run_cmd(&out, "dd if=/dev/urandom of='%s' bs=4096 seek=%lld count=1 conv=notrunc 2>&1", file,
			      (long long)(sb.st_size / 4096 / 2));
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	ST_OK(strata_exec(db, "UPDATE items SET qty = 1000 WHERE id = 1"));
	refused(db, url, backend, dir, file, "is damaged");
	test_rmrf(dir);
	free(dir);
}

DB_TEST(restore, what_is_not_a_backup_is_refused)
{
	char *dir = test_tmpdir(), file[4200], other[4200];
	bool sqlite = backend == STRATA_BACKEND_SQLITE;
	ops_fill(db, 20);
	snprintf(file, sizeof file, "%s/empty", dir);
	FILE *f = fopen(file, "w");
	cr_assert(f);
	fclose(f);
	refused(db, url, backend, dir, file, "is empty");
	refused(db, url, backend, dir, "/dev/null", "/dev/null is a character device, not a backup file");
	refused(db, url, backend, dir, "/dev/zero", "/dev/zero is a character device, not a backup file");
	snprintf(file, sizeof file, "%s/text", dir);
	f = fopen(file, "w");
	cr_assert(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not a backup\n", f);
	fclose(f);
	refused(db, url, backend, dir, file,
		sqlite ? "is not an SQLite database" : "is not a pg_dump custom-format archive");
	/* a backup of the other backend */
	snprintf(other, sizeof other, "%s/other", dir);
	f = fopen(other, "w");
	cr_assert(f);
	fputs(sqlite ? "PGDMP\x01\x0f" : "SQLite format 3", f);
	fputc('\0', f);
	for (int i = 0; i < 600; i++)
		fputc(i & 0x7f, f);
	fclose(f);
	refused(db, url, backend, dir, other, sqlite ? "it is a PostgreSQL archive" : "it is an SQLite database");
	test_rmrf(dir);
	free(dir);
}

DB_TEST(restore, reports_and_checks_what_it_restored)
{
	char *dir = test_tmpdir(), *out, file[4200], target[4300], name[128], args[4400];
	ops_fill(db, 300);
	backup_to(dir, url, backend, file, sizeof file);
	ops_new_target(backend, dir, "restored", target, sizeof target, name, sizeof name);
	snprintf(args, sizeof args, "restore '%s'", file);
	int rc = ops_cli(&out, dir, args, target);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "(a new database): 2 tables, 450 rows");
	HAS(out, "checked: every table has the rows the backup holds");
	free(out);
	cr_assert_eq(ops_count(target, "items"), 300);
	if (backend == STRATA_BACKEND_POSTGRES)
		test_pg_drop_db(name);
	test_rmrf(dir);
	free(dir);
}

/* A restored SQLite file gets the backup's mode, at most 0600, whatever the umask (issue 19). */
Test(restore, new_file_mode_is_0600_whatever_the_umask)
{
	char *dir = test_tmpdir(), *out, url[4300], file[4200], target[4300];
	snprintf(url, sizeof url, "sqlite:%s/src.db", dir);
	snprintf(file, sizeof file, "%s/src.bak", dir);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ops_fill(db, 10);
	ST_OK(strata_backup_to_file(db, file, STRATA_BACKUP_FULL));
	strata_close(db);
	for (int mode = 0; mode < 2; mode++) {
		/* the backup 0600 (as strata writes it), then 0400 (stricter still) */
		cr_assert_eq(chmod(file, mode ? 0400 : 0600), 0);
		snprintf(target, sizeof target, "%s/restored%d.db", dir, mode);
		int rc = test_run_cmd(&out, "cd '%s' && umask 000 && '%s' restore --url 'sqlite:%s' '%s'", dir,
				      STRATA_CLI, target, file);
		cr_assert_eq(rc, 0, "%s", out);
		free(out);
		struct stat sb;
		cr_assert_eq(stat(target, &sb), 0);
		cr_assert_eq(sb.st_mode & 0777, mode ? 0400u : 0600u, "restored file mode %o", sb.st_mode & 0777);
	}
	test_rmrf(dir);
	free(dir);
}

/* An unpopulated materialized view is a normal state: stats and a restore count it as "not populated". */
Test(restore, unpopulated_materialized_view_postgres)
{
	char name[64], target[4300], tname[128], file[4200], args[4400];
	char *dir = test_tmpdir(), *out;
	char *url = test_pg_create_db(name, sizeof name);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ops_fill(db, 50);
	ST_OK(strata_exec(db,
			  "CREATE MATERIALIZED VIEW cheap AS SELECT id, name FROM items WHERE price < 10 WITH NO DATA;"
			  "CREATE MATERIALIZED VIEW everything AS SELECT id FROM items"));
	strata_close(db);
	int rc = ops_cli(&out, dir, "stats", url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "cheap (materialized view)");
	HAS(out, "not populated");
	free(out);
	rc = ops_cli(&out, dir, "stats --json", url);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "\"populated\": false");
	HAS(out, "\"kind\": \"materialized view\"");
	free(out);
	snprintf(file, sizeof file, "%s/mv.dump", dir);
	ops_backup_ok(dir, url, file);
	ops_new_target(STRATA_BACKEND_POSTGRES, dir, "mv", target, sizeof target, tname, sizeof tname);
	snprintf(args, sizeof args, "restore '%s'", file);
	rc = ops_cli(&out, dir, args, target);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "cheap");
	HAS(out, "not populated");
	free(out);
	cr_assert(ops_pg_db_exists(tname));
	cr_assert_eq(ops_count(target, "everything"), 50);
	test_pg_drop_db(tname);
	test_pg_drop_db(name);
	free(url);
	test_rmrf(dir);
	free(dir);
}
