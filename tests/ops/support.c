/* Helpers of the ops tests; see support.h. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ops_cli(char **out, const char *dir, const char *args, const char *url)
{
	/* --url right after the command's name, so that "--" in ARGS ends the options after it */
	size_t cmd = strcspn(args, " ");
	return test_run_cmd(out, "cd '%s' && env -u DATABASE_URL NO_COLOR=1 '%s' %.*s --url '%s'%s", dir, STRATA_CLI,
			    (int)cmd, args, url, args + cmd);
}

bool ops_exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

void ops_fill(strata_db *db, int rows)
{
	ST_OK(strata_exec(db, "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, price double precision, "
			      "qty integer, note text, data bytea)"));
	ST_OK(strata_exec(db,
			  "CREATE TABLE tags (id bigint PRIMARY KEY, item_id bigint REFERENCES items (id), tag text)"));
	ST_OK(strata_exec(db, "CREATE INDEX tags_item ON tags (item_id)"));
	ST_OK(strata_begin(db, NULL));
	for (int i = 1; i <= rows; i++) {
		char name[64];
		uint8_t blob[4] = { (uint8_t)i, 0, 0xff, (uint8_t)(i >> 8) };
		snprintf(name, sizeof name, "item %d \xc3\xa9", i);
		strata_value v[] = { STRATA_INT(i),
				     STRATA_TEXT(name),
				     STRATA_DOUBLE(i * 1.25),
				     STRATA_INT(i % 7),
				     i % 3 ? STRATA_TEXT("it's \"quoted\"") : STRATA_NULL,
				     STRATA_BLOB(blob, sizeof blob) };
		ST_OK(strata_exec_values(db, "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)", v, 6, NULL));
		if (i % 2)
			ST_OK(strata_execv(db, "INSERT INTO tags VALUES (?, ?, ?)", STRATA_INT(i), STRATA_INT(i),
					   STRATA_TEXT("t")));
	}
	ST_OK(strata_commit(db));
}

uint64_t ops_checksum(strata_db *db)
{
	static const char *const queries[] = { "SELECT id, name, price, qty, note, data FROM items ORDER BY id",
					       "SELECT id, item_id, tag FROM tags ORDER BY id" };
	uint64_t h = 1469598103934665603ULL;
	for (size_t q = 0; q < 2; q++) {
		strata_stmt *st;
		ST_OK(strata_prepare(&st, db, queries[q]));
		int rc;
		while ((rc = strata_step(st)) == STRATA_ROW) {
			for (int c = 0; c < strata_column_count(st); c++) {
				const void *p = "\x01NULL";
				size_t n = 5;
				char num[64];
				if (strata_column_is_null(st, c)) {
				} else if (strata_column_type(st, c) == STRATA_TYPE_BLOB) {
					ST_OK(strata_column_blob(st, c, &p, &n));
				} else if (strata_column_type(st, c) == STRATA_TYPE_DOUBLE) {
					double d;
					ST_OK(strata_column_double(st, c, &d));
					n = (size_t)snprintf(num, sizeof num, "%.17g", d);
					p = num;
				} else {
					const char *s;
					ST_OK(strata_column_text(st, c, &s, &n));
					p = s;
				}
				for (size_t i = 0; i < n; i++)
					h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211ULL;
				h = (h ^ 0x1f) * 1099511628211ULL;
			}
		}
		cr_assert_eq(rc, STRATA_DONE, "%s", strata_error_last()->message);
		strata_finalize(st);
	}
	return h;
}

void ops_new_target(strata_backend backend, const char *dir, const char *tag, char *url, size_t cap, char *name,
		    size_t ncap)
{
	static int counter;
	if (backend == STRATA_BACKEND_SQLITE) {
		snprintf(url, cap, "sqlite:%s/%s.db", dir, tag);
		if (name && ncap)
			name[0] = '\0';
		return;
	}
	char local[64];
	if (!name) {
		name = local;
		ncap = sizeof local;
	}
	snprintf(name, ncap, "%s_%d_%d_%ld", tag, (int)getpid(), ++counter, (long)(strata_timestamp_now() % 1000000));
	char *u = test_pg_url_for(test_pg_base_url(), name);
	snprintf(url, cap, "%s", u);
	free(u);
}

bool ops_pg_db_exists(const char *name)
{
	strata_db *admin = NULL;
	int64_t n = -1;
	ST_OK(strata_open(&admin, test_pg_base_url(), NULL));
	ST_OK(strata_query_int64v(admin, &n, "SELECT count(*) FROM pg_database WHERE datname = ?", STRATA_TEXT(name)));
	strata_close(admin);
	return n > 0;
}

void ops_mount_tmpfs(const char *dir, const char *opts)
{
	char *out = NULL;
	int rc = test_run_cmd(&out, "mkdir -p '%s' && mount -t tmpfs -o '%s' strata-test '%s'", dir, opts, dir);
	cr_assert_eq(rc, 0, "mounting a tmpfs on %s (the fault tests run as root): %s", dir, out);
	free(out);
}

void ops_umount(const char *dir)
{
	char *out = NULL;
	test_run_cmd(&out, "umount -l '%s' 2>/dev/null", dir);
	free(out);
}

int64_t ops_count(const char *url, const char *table)
{
	strata_db *db = NULL;
	int64_t n = -1;
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_query_int64(db, &n, sql, NULL, 0));
	strata_close(db);
	return n;
}

void ops_backup_ok(const char *dir, const char *url, const char *file)
{
	char args[4400], *out = NULL;
	snprintf(args, sizeof args, "backup '%s'", file);
	int rc = ops_cli(&out, dir, args, url);
	cr_assert_eq(rc, 0, "strata %s: %s", args, out);
	free(out);
}
