/* The library calls behind the command, used directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static const char ok1[] = "-- migrate:up\nCREATE TABLE a (id integer);\n-- migrate:down\nDROP TABLE a;\n"
			  "-- migrate:verify\nSELECT count(*) = 0 FROM a;\n";
static const char drop[] = "-- migrate:up transaction:false\nDROP TABLE a;\n";

DB_TEST(migrate_lib, status_up_down_plan)
{
	char *dir = proj_new(), mdir[4200];
	snprintf(mdir, sizeof mdir, "%s/migrations", dir);
	proj_put(dir, "migrations/001_a.sql", ok1);
	proj_put(dir, "migrations/002_drop.sql", drop);

	strata_migrator *m = NULL;
	strata_migrate_options o = STRATA_MIGRATE_OPTIONS_INIT;
	o.version = 99;
	ST_EXPECT(strata_migrator_open(&m, db, &o), STRATA_EINVAL);
	o.version = STRATA_MIGRATE_OPTIONS_VERSION;
	o.dir = "/no/such/migrations";
	ST_EXPECT(strata_migrator_open(&m, db, &o), STRATA_ENOTFOUND);
	cr_assert_null(m);
	o.dir = mdir;
	o.applied_by = "tester@lab";
	ST_OK(strata_migrator_open(&m, db, &o));

	const strata_migration_info *it;
	size_t n;
	ST_OK(strata_migrate_status(m, &it, &n));
	cr_assert_eq(n, 2);
	cr_assert_str_eq(it[0].version, "001");
	cr_assert_str_eq(it[0].name, "a");
	cr_assert_eq(it[0].state, STRATA_MIGRATION_PENDING);
	cr_assert(it[0].transactional && it[0].has_down && it[0].has_verify && !it[0].destructive);
	cr_assert(!it[1].transactional && !it[1].has_down && it[1].destructive);
	cr_assert(strstr(it[1].destructive_why, "DROP TABLE at "), "%s", it[1].destructive_why);
	cr_assert_eq(strlen(it[0].checksum), 64);

	char *sql = NULL;
	ST_OK(strata_migrate_plan_sql(m, false, 0, "001", &sql));
	cr_assert(strstr(sql, "CREATE TABLE a (id integer);"));
	cr_assert(!strstr(sql, "DROP TABLE a"), "--to 001 plans only 001");
	free(sql);

	size_t count = 0;
	ST_EXPECT(strata_migrate_up(m, "999", &count), STRATA_ENOTFOUND);
	ST_OK(strata_migrate_up(m, "001", &count));
	cr_assert_eq(count, 1);
	cr_assert_null(strata_migrate_last_backup(m));
	ST_OK(strata_migrate_status(m, &it, &n));
	cr_assert_eq(it[0].state, STRATA_MIGRATION_APPLIED);
	cr_assert_str_eq(it[0].applied_by, "tester@lab");
	cr_assert(it[0].applied_at > 0);

	size_t checked = 0, failed = 0;
	ST_OK(strata_migrate_verify(m, &checked, &failed));
	cr_assert_eq(checked, 1);
	cr_assert_eq(failed, 0);

	ST_OK(strata_migrate_down(m, 0, NULL, &count));
	cr_assert_eq(count, 1);
	ST_EXPECT(strata_migrate_down(m, -1, NULL, &count), STRATA_EINVAL);
	ST_EXPECT(strata_migrate_redo(m), STRATA_EMIGRATE);
	strata_migrator_free(m);
	strata_migrator_free(NULL);
	test_rmrf(dir);
	free(dir);
	(void)url;
	(void)backend;
}

DB_TEST(migrate_lib, new_and_admin_arguments)
{
	char *dir = proj_new(), mdir[4200], *path = NULL;
	snprintf(mdir, sizeof mdir, "%s/migrations", dir);
	ST_OK(strata_migrate_new(mdir, "Create Users & Roles", &path));
	cr_assert(strstr(path, "_create_users_roles.sql"), "%s", path);
	free(path);
	ST_EXPECT(strata_migrate_new(mdir, "  ", NULL), STRATA_EINVAL);
	ST_EXPECT(strata_database_create("sqlite::memory:", NULL), STRATA_EINVAL);
	ST_EXPECT(strata_database_drop("mysql://x", NULL), STRATA_EINVAL);
	ST_EXPECT(strata_migrator_open(NULL, db, NULL), STRATA_EINVAL);
	ST_EXPECT(strata_migrate_up(NULL, NULL, NULL), STRATA_EINVAL);
	ST_EXPECT(strata_backup_to_file(db, NULL, STRATA_BACKUP_FULL), STRATA_EINVAL);
	char bpath[4300];
	snprintf(bpath, sizeof bpath, "%s/nodir/x.bak", dir);
	int rc = strata_backup_to_file(db, bpath, STRATA_BACKUP_FULL);
	cr_assert(rc == STRATA_EIO, "%s", strata_error_last()->message);
	cr_assert(strstr(strata_error_last()->message, "nodir"));
	test_rmrf(dir);
	free(dir);
	(void)url;
	(void)backend;
}

/* A library error names the option that allows it by its field, never a command-line flag (issue 17). */
static void names_option(const char *field)
{
	const char *msg = strata_error_last()->message;
	char want[100];
	snprintf(want, sizeof want, "option `%s`", field);
	cr_assert(strstr(msg, want), "no %s in: %s", want, msg);
	cr_assert_null(strstr(msg, "--"), "a flag in a library message: %s", msg);
}

DB_TEST(migrate_lib, errors_name_options_not_flags)
{
	char *dir = proj_new(), mdir[4200];
	snprintf(mdir, sizeof mdir, "%s/migrations", dir);
	proj_put(dir, "migrations/001_a.sql", ok1);
	strata_migrator *m = NULL;
	strata_migrate_options o = STRATA_MIGRATE_OPTIONS_INIT;
	o.dir = "/no/such/migrations";
	ST_EXPECT(strata_migrator_open(&m, db, &o), STRATA_ENOTFOUND);
	names_option("dir");
	o.dir = mdir;
	ST_OK(strata_migrator_open(&m, db, &o));
	ST_OK(strata_migrate_up(m, NULL, NULL));
	size_t n = 0;
	ST_EXPECT(strata_migrate_down(m, -1, NULL, &n), STRATA_EINVAL);
	names_option("steps");
	ST_EXPECT(strata_migrate_down(m, 0, "007", &n), STRATA_ENOTFOUND);
	names_option("target");
	strata_migrator_free(m);

	proj_put(dir, "migrations/001_a.sql",
		 "-- migrate:up\nCREATE TABLE a (id bigint);\n-- migrate:down\nDROP TABLE a;\n");
	ST_OK(strata_migrator_open(&m, db, &o));
	ST_EXPECT(strata_migrate_up(m, NULL, NULL), STRATA_EMIGRATE);
	names_option("allow_changed");
	strata_migrator_free(m);
	o.allow_changed = true;
	ST_OK(strata_migrator_open(&m, db, &o));
	ST_OK(strata_migrate_up(m, NULL, NULL));
	strata_migrator_free(m);

	/* a transaction:false migration that fails part-way, then up again without retry_failed */
	proj_put(dir, "migrations/002_b.sql",
		 "-- migrate:up transaction:false\nCREATE TABLE b (id integer);\nINSERT INTO nosuch VALUES (1);\n");
	ST_OK(strata_migrator_open(&m, db, &o));
	ST_EXPECT(strata_migrate_up(m, NULL, NULL), STRATA_EMIGRATE);
	cr_assert_null(strstr(strata_error_last()->message, "--"), "%s", strata_error_last()->message);
	strata_migrator_free(m);
	ST_OK(strata_migrator_open(&m, db, &o));
	ST_EXPECT(strata_migrate_up(m, NULL, NULL), STRATA_EMIGRATE);
	names_option("retry_failed");
	strata_migrator_free(m);
	free(dir);
}

/*
 * strata_migrator_connect: the connection and the directory at once.  It
 * answers what the two calls one after the other answer: the files, read
 * in the backend's dialect, over an open connection; a bad directory with
 * the connection left open for the caller; and a failed connection
 * reported first, even when the directory is bad too.
 */
DB_TEST(migrate_lib, connect_reads_the_directory_while_connecting)
{
	char *dir = proj_new(), mdir[4200];
	snprintf(mdir, sizeof mdir, "%s/migrations", dir);
	char rel[64], text[160];
	for (int i = 1; i <= 80; i++) { /* enough files for the loader's own threads */
		snprintf(rel, sizeof rel, "migrations/%03d_t%d.sql", i, i);
		snprintf(text, sizeof text, "-- migrate:up\nCREATE TABLE t%d (id integer);\n", i);
		proj_put(dir, rel, text);
	}
	strata_migrate_options o = STRATA_MIGRATE_OPTIONS_INIT;
	o.dir = mdir;
	strata_migrator *m = (strata_migrator *)1;
	strata_db *c = (strata_db *)1;
	ST_OK(strata_migrator_connect(&m, &c, url, NULL, &o));
	cr_assert(m && c);
	cr_assert_eq(strata_db_backend(c), backend);
	size_t count = 0;
	ST_OK(strata_migrate_up(m, "002", &count));
	cr_assert_eq(count, 2);
	const strata_migration_info *it;
	size_t n;
	ST_OK(strata_migrate_status(m, &it, &n));
	cr_assert_eq(n, 80);
	cr_assert_eq(it[1].state, STRATA_MIGRATION_APPLIED);
	cr_assert_eq(it[2].state, STRATA_MIGRATION_PENDING);
	strata_migrator_free(m);
	strata_close(c);
	cr_assert(table_exists(db, "t2") && !table_exists(db, "t3"), "up ran over the connection it made");

	/* the directory fails, the connection stands: the caller closes it */
	proj_put(dir, "migrations/050_t50.sql", "CREATE TABLE x (id integer);\n-- migrate:up\n");
	ST_EXPECT(strata_migrator_connect(&m, &c, url, NULL, &o), STRATA_EPARSE);
	cr_assert_null(m);
	cr_assert_not_null(c, "the connection was made");
	cr_assert(strstr(strata_error_last()->message, "050_t50.sql:1:1: text before the first"), "%s",
		  strata_error_last()->message);
	strata_close(c);

	/* both fail: the connection's error, as strata_open then strata_migrator_open would say */
	char *bad = backend == STRATA_BACKEND_SQLITE ? strdup("sqlite:/no/such/dir/x.db")
						     : test_pg_url_for(test_pg_base_url(), "strata_no_such_database");
	int rc = strata_migrator_connect(&m, &c, bad, NULL, &o);
	cr_assert_neq(rc, STRATA_OK);
	cr_assert_null(m);
	cr_assert_null(c);
	cr_assert(!strstr(strata_error_last()->message, "050_t50"), "the connection's error: %s",
		  strata_error_last()->message);
	cr_assert(strstr(strata_error_last()->message,
			 backend == STRATA_BACKEND_SQLITE ? "/no/such/dir" : "strata_no_such_database"),
		  "%s", strata_error_last()->message);
	/* the same when the directory is not there at all (it fails at the listing, before any thread) */
	o.dir = "/no/such/migrations";
	cr_assert_neq(strata_migrator_connect(&m, &c, bad, NULL, &o), STRATA_OK);
	cr_assert(!m && !c);
	cr_assert(!strstr(strata_error_last()->message, "/no/such/migrations"), "%s", strata_error_last()->message);
	ST_EXPECT(strata_migrator_connect(&m, &c, url, NULL, &o), STRATA_ENOTFOUND);
	cr_assert(!m && c);
	cr_assert(strstr(strata_error_last()->message, "/no/such/migrations"), "%s", strata_error_last()->message);
	strata_close(c);
	free(bad);
	ST_EXPECT(strata_migrator_connect(NULL, &c, url, NULL, &o), STRATA_EINVAL);
	test_rmrf(dir);
	free(dir);
}
