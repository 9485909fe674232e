/*
 * Test support: fresh databases on both backends, temporary directories,
 * running commands.
 */
#include "testdb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *test_tmpdir(void)
{
	char tmpl[] = "/tmp/strata-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	cr_assert(d != NULL, "mkdtemp failed");
	return strdup(d);
}

char *test_read_text(const char *path)
{
	char *text = NULL;
	int rc = strata_file_read_text(path, &text, NULL);
	cr_assert_eq(rc, STRATA_OK, "%s: %s", path, strata_error_last()->message);
	return text;
}

void test_apply_schema_text(strata_db *db, const char *text)
{
	strata_schema *s = NULL;
	ST_OK(strata_schema_parse(&s, text, strlen(text), "schema.strata"));
	ST_OK(strata_schema_apply(db, s));
	strata_schema_free(s);
}

void test_rmrf(const char *path)
{
	char cmd[4200];
	if (!path || strncmp(path, "/tmp/", 5) != 0)
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", path);
}

void test_run_sqlite(test_body body)
{
	char *dir = test_tmpdir();
	char url[4200];
	snprintf(url, sizeof url, "sqlite:%s/test.db", dir);
	strata_db *db = NULL;
	int rc = strata_open(&db, url, NULL);
	cr_assert_eq(rc, STRATA_OK, "open %s: %s", url, strata_error_last()->message);
	body(db, url, STRATA_BACKEND_SQLITE);
	strata_close(db);
	test_rmrf(dir);
	free(dir);
}

const char *test_pg_base_url(void)
{
	const char *u = getenv("STRATA_TEST_PG_URL");
	cr_assert(u && *u, "STRATA_TEST_PG_URL is not set: run the tests through `make check` "
			   "(scripts/check starts a PostgreSQL server)");
	return u;
}

char *test_pg_url_for(const char *base, const char *dbname)
{
	const char *auth = strstr(base, "://");
	cr_assert(auth, "bad base URL");
	const char *slash = strchr(auth + 3, '/');
	const char *q = strchr(auth + 3, '?');
	size_t head = slash ? (size_t)(slash - base) : (q ? (size_t)(q - base) : strlen(base));
	size_t n = head + strlen(dbname) + (q ? strlen(q) : 0) + 2;
	char *u = malloc(n);
	snprintf(u, n, "%.*s/%s%s", (int)head, base, dbname, q ? q : "");
	return u;
}

char *test_pg_create_db(char *name_out, size_t cap)
{
	static int counter;
	const char *base = test_pg_base_url();
	snprintf(name_out, cap, "t_%d_%d_%ld", (int)getpid(), ++counter, (long)(strata_timestamp_now() % 1000000));
	strata_db *admin = NULL;
	int rc = strata_open(&admin, base, NULL);
	cr_assert_eq(rc, STRATA_OK, "connect to the test server: %s", strata_error_last()->message);
	char sql[256];
	snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name_out);
	rc = strata_exec(admin, sql);
	cr_assert_eq(rc, STRATA_OK, "%s: %s", sql, strata_error_last()->message);
	strata_close(admin);
	return test_pg_url_for(base, name_out);
}

void test_pg_drop_db(const char *name)
{
	strata_db *admin = NULL;
	if (strata_open(&admin, test_pg_base_url(), NULL) != STRATA_OK)
		return;
	char sql[256];
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
	strata_exec(admin, sql);
	strata_close(admin);
}

void test_run_postgres(test_body body)
{
	char name[64];
	char *url = test_pg_create_db(name, sizeof name);
	strata_db *db = NULL;
	int rc = strata_open(&db, url, NULL);
	cr_assert_eq(rc, STRATA_OK, "open: %s", strata_error_last()->message);
	body(db, url, STRATA_BACKEND_POSTGRES);
	strata_close(db);
	test_pg_drop_db(name);
	free(url);
}

int test_run_cmd(char **out, const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char full[8300];
	snprintf(full, sizeof full, "( %s ) 2>&1", cmd);
	FILE *p = popen(full, "r");
	cr_assert(p, "popen failed");
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 1024) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	buf[len] = '\0';
	int st = pclose(p);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
