/* Support for the pool tests: three targets, log capture, small helpers. */
#include "pool_support.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char *log_text;
static size_t log_len;

static void capture(strata_log_level level, const char *msg, void *ud)
{
	(void)level;
	(void)ud;
	pthread_mutex_lock(&log_mu);
	size_t n = strlen(msg);
	char *t = realloc(log_text, log_len + n + 2);
	if (t) {
		memcpy(t + log_len, msg, n);
		log_len += n;
		t[log_len++] = '\n';
		t[log_len] = '\0';
		log_text = t;
	}
	pthread_mutex_unlock(&log_mu);
}

const strata_open_options log_capture_open_options = { .version = STRATA_OPEN_OPTIONS_VERSION, .log = capture };

void log_capture_reset(void)
{
	pthread_mutex_lock(&log_mu);
	free(log_text);
	log_text = NULL;
	log_len = 0;
	pthread_mutex_unlock(&log_mu);
}

char *log_capture_text(void)
{
	pthread_mutex_lock(&log_mu);
	char *s = strdup(log_text ? log_text : "");
	pthread_mutex_unlock(&log_mu);
	return s;
}

strata_pool *pool_open_ok(const char *url, strata_pool_options *opts)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	if (opts)
		o = *opts;
	if (!o.open)
		o.open = &log_capture_open_options;
	strata_pool *pool = NULL;
	int rc = strata_pool_open(&pool, url, &o);
	cr_assert_eq(rc, STRATA_OK, "strata_pool_open: %s", strata_error_last()->message);
	return pool;
}

strata_pool_metrics pool_metrics(strata_pool *pool)
{
	strata_pool_metrics m = STRATA_POOL_METRICS_INIT;
	ST_OK(strata_pool_stats(pool, &m));
	return m;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

char *start_server_cmd(const char *cmd)
{
	char *out = NULL;
	int st = test_run_cmd(&out, "%s", cmd);
	cr_assert_eq(st, 0, "could not start a server of the test's own (%s): %s", cmd, out);
	char *nl = strpbrk(out, "\r\n");
	if (nl)
		*nl = '\0';
	return out;
}

int64_t query_int(strata_db *db, const char *sql)
{
	int64_t v = 0;
	int rc = strata_query_int64(db, &v, sql, NULL, 0);
	cr_assert_eq(rc, STRATA_OK, "%s: %s", sql, strata_error_last()->message);
	return v;
}

void pool_run(pool_target target, pool_body body)
{
	log_capture_reset();
	if (target == TARGET_SQLITE) {
		char *dir = test_tmpdir();
		char url[4200];
		snprintf(url, sizeof url, "sqlite:%s/pool.db", dir);
		body(url, target);
		test_rmrf(dir);
		free(dir);
		return;
	}
	char name[64];
	char *direct = test_pg_create_db(name, sizeof name);
	char *url = direct;
	if (target == TARGET_PGBOUNCER) {
		const char *b = getenv("STRATA_TEST_PGBOUNCER_URL");
		cr_assert(b && *b, "STRATA_TEST_PGBOUNCER_URL is not set: run the tests through `make check` "
				   "(scripts/check starts pgbouncer with scripts/pgbouncer-test-server)");
		url = test_pg_url_for(b, name);
	}
	body(url, target);
	test_pg_drop_db(name);
	if (url != direct)
		free(url);
	free(direct);
}
