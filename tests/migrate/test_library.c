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
