#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *proj_new(void)
{
	char *d = test_tmpdir();
	char p[4200];
	snprintf(p, sizeof p, "%s/migrations", d);
	cr_assert_eq(mkdir(p, 0755), 0);
	return d;
}

void proj_put(const char *dir, const char *rel, const char *text)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	cr_assert(f, "cannot write %s", p);
	fputs(text, f);
	fclose(f);
}

bool proj_exists(const char *dir, const char *rel)
{
	char p[4200];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return stat(p, &st) == 0;
}

int mig(char **out, const char *dir, const char *url, const char *args)
{
	return test_run_cmd(out,
			    "cd '%s' && env -u DATABASE_URL -u STRATA_MIGRATIONS_DIR -u DB_BACKUP_ON_MIGRATE "
			    "NO_COLOR=1 '%s' migrate %s --url '%s'",
			    dir, STRATA_CLI, args, url);
}

int strata_cmd(char **out, const char *dir, const char *args)
{
	return test_run_cmd(out, "cd '%s' && env -u DATABASE_URL -u STRATA_MIGRATIONS_DIR NO_COLOR=1 '%s' %s", dir,
			    STRATA_CLI, args);
}

bool table_exists(strata_db *db, const char *t)
{
	char sql[256];
	int64_t n;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", t);
	return strata_query_int64(db, &n, sql, NULL, 0) == STRATA_OK;
}

int64_t count_rows(strata_db *db, const char *t)
{
	char sql[256];
	int64_t n = -1;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", t);
	if (strata_query_int64(db, &n, sql, NULL, 0) != STRATA_OK)
		return -1;
	return n;
}

int64_t ledger_count(strata_db *db)
{
	return count_rows(db, "strata_migrations");
}
