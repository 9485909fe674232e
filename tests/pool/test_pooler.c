/*
 * A transaction-mode pooler nobody told Strata about: pgbouncer's URL
 * without ?pgbouncer=true.  Named prepared statements do not survive
 * there (each transaction may run on another server connection); the
 * first sign of it switches the pool's connections to unnamed statements,
 * the transaction that saw it runs again, and the pool says once which URL
 * option avoids the detour.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool_support.h"

#define THREADS 8
#define TXS	100

/* `url` without its pgbouncer=... parameter (a new string; free()). */
static char *without_pgbouncer(const char *url)
{
	char *s = strdup(url);
	cr_assert(s);
	char *q = strchr(s, '?');
	if (!q)
		return s;
	char *out = malloc(strlen(s) + 1);
	cr_assert(out);
	size_t n = (size_t)(q - s);
	memcpy(out, s, n);
	char sep = '?';
	for (char *p = q + 1; *p;) {
		size_t len = strcspn(p, "&");
		if (strncmp(p, "pgbouncer=", 10) != 0) {
			out[n++] = sep;
			memcpy(out + n, p, len);
			n += len;
			sep = '&';
		}
		p += len;
		if (*p == '&')
			p++;
	}
	out[n] = '\0';
	free(s);
	return out;
}

struct worker {
	strata_pool *pool;
	int index;
	int ok;
	int failures;
	char message[256];
};

static int work(strata_db *db, void *arg)
{
	struct worker *w = arg;
	/* several cached statements per transaction, as generated code runs them */
	int64_t n = 0;
	int rc = strata_query_int64v(db, &n, "SELECT n FROM counters WHERE id = ?", STRATA_INT(w->index));
	if (rc == STRATA_OK)
		rc = strata_execv(db, "UPDATE counters SET n = ? WHERE id = ?", STRATA_INT(n + 1),
				  STRATA_INT(w->index));
	if (rc == STRATA_OK)
		rc = strata_execv(db, "INSERT INTO events (worker, n) VALUES (?, ?)", STRATA_INT(w->index),
				  STRATA_INT(n + 1));
	return rc;
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < TXS; i++) {
		if (strata_pool_transact(w->pool, work, w, NULL) == STRATA_OK) {
			w->ok++;
		} else {
			w->failures++;
			snprintf(w->message, sizeof w->message, "%s", strata_error_last()->message);
		}
	}
	return NULL;
}

static int count_of(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* A new database through pgbouncer, its URL without pgbouncer=true (free()); its name in `name`. */
static char *bouncer_db(char *name, size_t cap)
{
	log_capture_reset();
	char *direct = test_pg_create_db(name, cap);
	free(direct);
	const char *b = getenv("STRATA_TEST_PGBOUNCER_URL");
	cr_assert(b && *b, "STRATA_TEST_PGBOUNCER_URL is not set: run the tests through `make check` "
			   "(scripts/check starts pgbouncer with scripts/pgbouncer-test-server)");
	char *via = test_pg_url_for(b, name);
	char *url = without_pgbouncer(via);
	free(via);
	cr_assert(!strstr(url, "pgbouncer"), "%s", url);
	return url;
}

static strata_db *open_ok(const char *url)
{
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, &log_capture_open_options));
	return db;
}

/*
 * pgbouncer hands out server connections last-in first-out: while `a`
 * holds one in a transaction, `b` gets another; when `a` commits, `b`'s
 * next statement gets `a`'s, where `b`'s named statement is unknown.
 */
Test(pool, pooler_statement_outside_a_transaction_runs_again_unnamed)
{
	char name[64];
	char *url = bouncer_db(name, sizeof name);
	strata_db *a = open_ok(url), *b = open_ok(url);
	ST_OK(strata_begin(a, NULL));
	cr_assert_gt(query_int(a, "SELECT pg_backend_pid()"), 0);
	int64_t n = 0;
	ST_OK(strata_query_int64v(b, &n, "SELECT 40 + ?", STRATA_INT(2)));
	cr_assert_eq(n, 42);
	ST_OK(strata_commit(a));
	/* the cached statement reaches a's server connection, which never saw it: it runs again unnamed */
	n = 0;
	ST_OK(strata_query_int64v(b, &n, "SELECT 40 + ?", STRATA_INT(2)));
	cr_assert_eq(n, 42);
	ST_OK(strata_query_int64v(b, &n, "SELECT 50 + ?", STRATA_INT(2)));
	cr_assert_eq(n, 52);
	char *log = log_capture_text();
	cr_assert_eq(count_of(log, "?pgbouncer=true"), 1, "one warning names the URL option: %s", log);
	cr_assert(strstr(log, "transaction-mode pooler"), "%s", log);
	cr_assert(!strstr(log, "strata-test-pw"), "the password is never logged: %s", log);
	free(log);
	/* from now on it sends unnamed statements: everything works, nothing more is said */
	for (int i = 0; i < 20; i++) {
		strata_db *who = i % 2 ? a : b;
		ST_OK(strata_query_int64v(who, &n, "SELECT 40 + ?", STRATA_INT(i)));
		cr_assert_eq(n, 40 + i);
	}
	log = log_capture_text();
	cr_assert_eq(count_of(log, "?pgbouncer=true"), 1, "a has not found it yet, b says nothing more: %s", log);
	free(log);
	strata_close(a);
	strata_close(b);
	test_pg_drop_db(name);
	free(url);
}

struct reruns {
	int calls;
};

static int read_twice(strata_db *db, void *arg)
{
	struct reruns *r = arg;
	r->calls++;
	int64_t n = 0;
	int rc = strata_query_int64v(db, &n, "SELECT 40 + ?", STRATA_INT(2));
	return rc == STRATA_OK && n != 42 ? STRATA_ERROR : rc;
}

/* Inside a transaction block the failure aborted it: said plainly, and strata_transact runs it again. */
Test(pool, pooler_aborted_transaction_is_said_and_run_again)
{
	char name[64];
	char *url = bouncer_db(name, sizeof name);
	strata_db *a = open_ok(url), *b = open_ok(url), *c = open_ok(url);
	/* b prepares its statement inside a transaction on the server connection a gets next */
	ST_OK(strata_begin(b, NULL));
	int64_t n = 0;
	ST_OK(strata_query_int64v(b, &n, "SELECT 40 + ?", STRATA_INT(2)));
	ST_OK(strata_commit(b));
	ST_OK(strata_begin(a, NULL));
	cr_assert_gt(query_int(a, "SELECT pg_backend_pid()"), 0);
	ST_OK(strata_begin(b, NULL));
	int rc = strata_query_int64v(b, &n, "SELECT 40 + ?", STRATA_INT(2));
	cr_assert_eq(rc, STRATA_ESQL, "%s", strata_error_last()->message);
	cr_assert_str_eq(strata_error_last()->sqlstate, "26000");
	const char *m = strata_error_last()->message;
	cr_assert(strstr(m, "transaction-mode pooler") && strstr(m, "run the transaction again") &&
			  strstr(m, "?pgbouncer=true"),
		  "%s", m);
	ST_OK(strata_rollback(b));
	ST_OK(strata_query_int64v(b, &n, "SELECT 40 + ?", STRATA_INT(2)));
	cr_assert_eq(n, 42);
	ST_OK(strata_commit(a));

	/* the same through strata_transact: the aborted attempt runs again, once, and succeeds */
	ST_OK(strata_begin(c, NULL));
	ST_OK(strata_query_int64v(c, &n, "SELECT 40 + ?", STRATA_INT(2)));
	ST_OK(strata_commit(c));
	ST_OK(strata_begin(a, NULL));
	cr_assert_gt(query_int(a, "SELECT pg_backend_pid()"), 0);
	struct reruns r = { 0 };
	ST_OK(strata_transact(c, read_twice, &r, NULL));
	cr_assert_eq(r.calls, 2, "run again once: %d calls", r.calls);
	ST_OK(strata_commit(a));
	char *log = log_capture_text();
	cr_assert_eq(count_of(log, "?pgbouncer=true"), 2, "one warning per connection (b and c): %s", log);
	free(log);
	strata_close(a);
	strata_close(b);
	strata_close(c);
	test_pg_drop_db(name);
	free(url);
}

Test(pool, pooler_detected_without_the_url_option)
{
	char name[64];
	char *url = bouncer_db(name, sizeof name);

	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.size = 4;
	o.max_overflow = 2;
	o.timeout_ms = 60000;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db,
			  "CREATE TABLE counters (id integer PRIMARY KEY, n integer NOT NULL); "
			  "CREATE TABLE events (id serial PRIMARY KEY, worker integer NOT NULL, n integer NOT NULL)"));
	for (int i = 0; i < THREADS; i++)
		ST_OK(strata_execv(db, "INSERT INTO counters (id, n) VALUES (?, 0)", STRATA_INT(i)));
	ST_OK(strata_pool_release(pool, db));

	struct worker w[THREADS];
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].pool = pool;
		w[i].index = i;
		cr_assert_eq(pthread_create(&t[i], NULL, run_worker, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(w[i].failures, 0, "thread %d: %d of %d transactions failed, the last: %s", i,
			     w[i].failures, TXS, w[i].message);

	ST_OK(strata_pool_acquire(pool, &db));
	cr_assert_eq(query_int(db, "SELECT count(*) FROM events"), (int64_t)THREADS * TXS,
		     "every transaction ran once");
	cr_assert_eq(query_int(db, "SELECT sum(n) FROM counters"), (int64_t)THREADS * TXS);
	ST_OK(strata_pool_release(pool, db));
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.discarded, 0, "no connection was taken for broken");
	strata_pool_close(pool);

	char *log = log_capture_text();
	cr_assert_eq(count_of(log, "?pgbouncer=true"), 1, "one warning names the URL option: %s", log);
	cr_assert_eq(count_of(log, "may have restarted"), 0, "no misleading warning: %s", log);
	free(log);
	test_pg_drop_db(name);
	free(url);
}

/*
 * A pooler's host name turns pgbouncer mode on before anything goes
 * wrong: Neon's pooled endpoints end their first label in -pooler.  libpq
 * connects to hostaddr, so the name needs no DNS here.  ?pgbouncer=false
 * says otherwise, and then the first missing statement finds the pooler.
 */
Test(pool, pooler_host_name_means_unnamed_statements)
{
	char name[64];
	char *url = bouncer_db(name, sizeof name);
	/* postgres://user:pw@127.0.0.1:PORT/db -> postgres://user:pw@ep-test-123-pooler.example.neon.tech:PORT/db */
	const char *at = strchr(url, '@');
	const char *colon = strchr(at, ':');
	cr_assert(at && colon);
	char named[1024], off[1100];
	snprintf(named, sizeof named, "%.*sep-test-123-pooler.example.neon.tech%s%shostaddr=127.0.0.1",
		 (int)(at + 1 - url), url, colon, strchr(colon, '?') ? "&" : "?");
	snprintf(off, sizeof off, "%s&pgbouncer=false", named);
	for (int pass = 0; pass < 2; pass++) {
		log_capture_reset();
		const char *u = pass == 0 ? named : off;
		strata_db *a = open_ok(u), *b = open_ok(u);
		ST_OK(strata_begin(b, NULL));
		int64_t n = 0;
		ST_OK(strata_query_int64v(b, &n, "SELECT 40 + ?", STRATA_INT(2)));
		ST_OK(strata_commit(b));
		ST_OK(strata_begin(a, NULL));
		cr_assert_gt(query_int(a, "SELECT pg_backend_pid()"), 0);
		ST_OK(strata_query_int64v(b, &n, "SELECT 40 + ?", STRATA_INT(2)));
		cr_assert_eq(n, 42);
		ST_OK(strata_commit(a));
		char *log = log_capture_text();
		if (pass == 0)
			cr_assert_eq(log[0], '\0', "pgbouncer mode from the start: nothing to find: %s", log);
		else
			cr_assert_eq(count_of(log, "?pgbouncer=true"), 1, "pgbouncer=false: found the hard way: %s",
				     log);
		free(log);
		strata_close(a);
		strata_close(b);
	}
	test_pg_drop_db(name);
	free(url);
}
