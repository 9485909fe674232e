/*
 * Read replicas: a real streaming replica (pg_basebackup -R) of a primary
 * of the tests' own, started by scripts/check (STRATA_TEST_REPLICA_STATE,
 * STRATA_TEST_REPLICA_PRIMARY_URL, STRATA_TEST_REPLICA_URL).  Tests that
 * stop or delay a replica use a second replica of that primary ("manip",
 * made on first use with `scripts/pg-test-server replica-start manip`),
 * one test at a time under a file lock; each puts it back (running, no
 * delay) before it starts.  The pgbouncer variants put a pgbouncer of
 * their own in front of the primary and one in front of the replica.
 * Missing variables fail the tests: they are never skipped.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "pool/internal.h"
#include "pool_support.h"

static const char *script = STRATA_SOURCE_DIR "/scripts/pg-test-server";
static const char *bouncer_script = STRATA_SOURCE_DIR "/scripts/pgbouncer-test-server";

/* What a test set up, kept in globals so the .fini can take it down after a failure. */
static struct rig {
	char dbname[64];
	bool db_created;
	char own[32];	       /* the replica this test may stop and delay ("manip"), or "" */
	int lock_fd;	       /* holds the lock on it */
	char bouncers[2][128]; /* pgbouncer state directories, or "" */
	char *primary_url;     /* of the test's database */
	char *replica_url;
} rig;

static const char *need_env(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v && *v,
		  "%s is not set: run the tests through `make check` (scripts/check starts a primary and a streaming "
		  "replica with scripts/pg-test-server)",
		  name);
	return v;
}

/* Run `pg-test-server CMD` on the replica tests' primary. */
static void rig_cmd(const char *fmt, const char *arg)
{
	char cmd[1024], line[1200];
	snprintf(cmd, sizeof cmd, fmt, arg);
	snprintf(line, sizeof line, "STRATA_PG_STATE='%s' %s %s", need_env("STRATA_TEST_REPLICA_STATE"), script, cmd);
	char *out = NULL;
	int st = test_run_cmd(&out, "%s", line);
	cr_assert_eq(st, 0, "%s failed: %s", line, out);
	free(out);
}

/* Put a pgbouncer of the test's own in front of `url`; its URL (free()). */
static char *bouncer_for(int i, const char *url)
{
	snprintf(rig.bouncers[i], sizeof rig.bouncers[i], "/tmp/strata-pgbouncer-rep%d-%d", i, (int)getpid());
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "STRATA_PGBOUNCER_STATE='%s' %s start '%s'", rig.bouncers[i], bouncer_script, url);
	return start_server_cmd(cmd);
}

static void rig_fini(void)
{
	/* both at once: each stop waits for its pgbouncer to exit */
	if (rig.bouncers[0][0] && rig.bouncers[1][0])
		test_run_cmd(NULL, "STRATA_PGBOUNCER_STATE='%s' %s stop & STRATA_PGBOUNCER_STATE='%s' %s stop; wait",
			     rig.bouncers[0], bouncer_script, rig.bouncers[1], bouncer_script);
	else if (rig.bouncers[0][0])
		test_run_cmd(NULL, "STRATA_PGBOUNCER_STATE='%s' %s stop", rig.bouncers[0], bouncer_script);
	if (rig.db_created)
		test_pg_drop_db(rig.dbname);
	if (rig.lock_fd > 0)
		close(rig.lock_fd); /* the next test puts the replica back itself */
}

/*
 * A database on the test primary, its URLs on the primary and on a replica
 * (the shared one, or "manip" when the test stops or delays it), directly
 * or through pgbouncer.  Waits until the replica has the database.
 */
static void rig_setup(bool manip, bool through_pgbouncer)
{
	memset(&rig, 0, sizeof rig);
	const char *primary = need_env("STRATA_TEST_REPLICA_PRIMARY_URL");
	char *replica_base;
	if (manip) {
		const char *state = need_env("STRATA_TEST_REPLICA_STATE");
		char lock[512];
		snprintf(lock, sizeof lock, "%s.manip-lock", state);
		rig.lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		cr_assert(rig.lock_fd > 0, "open %s", lock);
		cr_assert_eq(flock(rig.lock_fd, LOCK_EX), 0, "lock %s", lock);
		snprintf(rig.own, sizeof rig.own, "manip");
		char cmd[1024];
		snprintf(cmd, sizeof cmd, "STRATA_PG_STATE='%s' %s replica-start %s", state, script, rig.own);
		replica_base = start_server_cmd(cmd);
		rig_cmd("replica-delay 0 %s", rig.own);
	} else {
		replica_base = strdup(need_env("STRATA_TEST_REPLICA_URL"));
	}
	/* the support functions create and drop databases on STRATA_TEST_PG_URL: this process's is the primary */
	setenv("STRATA_TEST_PG_URL", primary, 1);
	rig.primary_url = test_pg_create_db(rig.dbname, sizeof rig.dbname);
	rig.db_created = true;
	rig.replica_url = test_pg_url_for(replica_base, rig.dbname);
	free(replica_base);
	/* the new database reaches the replica through its WAL */
	int rc = STRATA_ERROR;
	for (int i = 0; i < 400 && rc != STRATA_OK; i++) {
		strata_db *db = NULL;
		rc = strata_open(&db, rig.replica_url, NULL);
		strata_close(db);
		if (rc != STRATA_OK)
			sleep_ms(25);
	}
	cr_assert_eq(rc, STRATA_OK, "the replica never got the test's database: %s", strata_error_last()->message);
	if (through_pgbouncer) {
		char *p = bouncer_for(0, rig.primary_url), *r = bouncer_for(1, rig.replica_url);
		free(rig.primary_url);
		free(rig.replica_url);
		rig.primary_url = p;
		rig.replica_url = r;
	}
}

static strata_pool *open_with_replica(int check_ms, int wait_ms)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.replica_urls = rig.replica_url;
	o.replica_check_ms = check_ms;
	o.replica_wait_ms = wait_ms;
	return pool_open_ok(rig.primary_url, &o);
}

static strata_pool_replica_metrics replica_metrics(strata_pool *pool, int i)
{
	strata_pool_replica_metrics m = STRATA_POOL_REPLICA_METRICS_INIT;
	ST_OK(strata_pool_replica_stats(pool, i, &m));
	return m;
}

/* Wait (up to `ms`) until replica 0 is in `state`. */
static void wait_state(strata_pool *pool, strata_replica_state state, int ms)
{
	strata_pool_replica_metrics m = replica_metrics(pool, 0);
	for (int waited = 0; m.state != state && waited < ms; waited += 20) {
		sleep_ms(20);
		m = replica_metrics(pool, 0);
	}
	cr_assert_eq(m.state, state, "replica state %s, want %s (last error: %s)", strata_replica_state_name(m.state),
		     strata_replica_state_name(state), m.last_error);
}

/* ---- transactions used by the tests ---- */

struct probe {
	int64_t in_recovery; /* 1: ran on a standby */
	int64_t rows;
	int runs;
	bool halt_replica; /* halt the test's replica in the middle of the first run */
};

static const char in_recovery_sql[] = "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END";

static int where_am_i(strata_db *db, void *arg)
{
	struct probe *p = arg;
	p->runs++;
	int rc = strata_query_int64(db, &p->in_recovery, in_recovery_sql, NULL, 0);
	if (rc == STRATA_OK && p->halt_replica && p->runs == 1)
		rig_cmd("replica-halt %s", rig.own);
	if (rc == STRATA_OK)
		rc = strata_query_int64(db, &p->rows, "SELECT count(*) FROM notes", NULL, 0);
	return rc;
}

static int add_note(strata_db *db, void *arg)
{
	struct probe *p = arg;
	int rc = strata_query_int64(db, &p->in_recovery, in_recovery_sql, NULL, 0);
	/* the test servers run with synchronous_commit off: flush this commit, so the
	 * primary's flushed WAL position (what health compares with) includes it */
	if (rc == STRATA_OK)
		rc = strata_exec(db, "SET LOCAL synchronous_commit = on");
	if (rc == STRATA_OK)
		rc = strata_execv(db, "INSERT INTO notes (body) VALUES (?)", STRATA_TEXT("hello"));
	return rc;
}

static struct probe read_probe(strata_pool *pool, strata_pool_token *token)
{
	strata_tx_options ro = STRATA_TX_OPTIONS_INIT;
	ro.read_only = true;
	struct probe p = { -1, -1, 0, false };
	ST_OK(strata_pool_transact_token(pool, token, where_am_i, &p, &ro));
	return p;
}

static void create_notes(strata_pool *pool)
{
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL)"));
	strata_pool_token t = STRATA_POOL_TOKEN_INIT;
	ST_OK(strata_pool_token_update(db, &t));
	ST_OK(strata_pool_release(pool, db));
	/* wait for the table on the replica: reads of it must not fail */
	for (int i = 0; i < 400; i++) {
		strata_pool_metrics before = pool_metrics(pool);
		struct probe p = { -1, -1, 0, false };
		strata_tx_options ro = STRATA_TX_OPTIONS_INIT;
		ro.read_only = true;
		if (strata_pool_transact_token(pool, &t, where_am_i, &p, &ro) == STRATA_OK &&
		    pool_metrics(pool).reads_replica > before.reads_replica)
			return;
		sleep_ms(25);
	}
	cr_assert_fail("the replica never replayed the CREATE TABLE");
}

static const strata_health_figure *figure(const strata_health_check *c, const char *name)
{
	for (size_t i = 0; i < c->nfigures; i++)
		if (strcmp(c->figures[i].name, name) == 0)
			return &c->figures[i];
	return NULL;
}

static const strata_health_finding *finding(const strata_health_check *c, const char *code)
{
	for (size_t i = 0; i < c->nfindings; i++)
		if (strcmp(c->findings[i].code, code) == 0)
			return &c->findings[i];
	return NULL;
}

/* ---- the tests ---- */

static void routing_test(bool through_pgbouncer)
{
	rig_setup(false, through_pgbouncer);
	strata_pool *pool = open_with_replica(200, 2000);
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.replicas, 1);
	cr_assert_eq(m.replicas_usable, 1, "the replica was checked at open and is up");
	create_notes(pool);

	/* writes, and work not marked read-only, go to the primary */
	struct probe w = { -1, -1, 0, false };
	ST_OK(strata_pool_transact(pool, add_note, &w, NULL));
	cr_assert_eq(w.in_recovery, 0, "the write ran on the primary");
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	cr_assert_eq(query_int(db, in_recovery_sql), 0);
	ST_OK(strata_pool_release(pool, db));

	/* read-only transactions and read acquires go to the replica */
	m = pool_metrics(pool);
	uint64_t before = m.reads_replica;
	struct probe r = read_probe(pool, NULL);
	cr_assert_eq(r.in_recovery, 1, "the read-only transaction ran on the replica");
	ST_OK(strata_pool_acquire_read(pool, &db, NULL));
	cr_assert_eq(query_int(db, in_recovery_sql), 1);
	/* a replica refuses writes */
	ST_EXPECT(strata_execv(db, "INSERT INTO notes (body) VALUES (?)", STRATA_TEXT("no")), STRATA_ESQL);
	cr_assert_str_eq(strata_error_last()->sqlstate, "25006");
	ST_OK(strata_pool_release(pool, db));
	m = pool_metrics(pool);
	cr_assert_eq(m.reads_replica, before + 2);

	/* a SERIALIZABLE read-only transaction cannot run on a standby: primary */
	strata_tx_options ser = STRATA_TX_OPTIONS_INIT;
	ser.read_only = true;
	ser.isolation = STRATA_ISOLATION_SERIALIZABLE;
	struct probe s = { -1, -1, 0, false };
	ST_OK(strata_pool_transact(pool, where_am_i, &s, &ser));
	cr_assert_eq(s.in_recovery, 0);

	/* read-your-writes: a token's read sees its write, wherever it runs */
	strata_pool_token token = STRATA_POOL_TOKEN_INIT;
	struct probe w2 = { -1, -1, 0, false };
	ST_OK(strata_pool_transact_token(pool, &token, add_note, &w2, NULL));
	cr_assert_gt(token.lsn, 0, "the write recorded its WAL position");
	struct probe r2 = read_probe(pool, &token);
	cr_assert_eq(r2.rows, 2, "the token's read sees both notes (ran on %s)",
		     r2.in_recovery ? "the replica" : "the primary");
	m = pool_metrics(pool);
	cr_assert_eq(m.ryw_replica + m.ryw_waited + m.ryw_primary, 2, "every read with a token is counted once");

	strata_pool_replica_metrics rm = replica_metrics(pool, 0);
	cr_assert_eq(rm.state, STRATA_REPLICA_UP);
	cr_assert_geq(rm.acquires, 3);
	cr_assert_gt(rm.checks, 0);
	cr_assert_gt(rm.replay_lsn, 0);
	cr_assert_null(strstr(rm.url, "strata-test-pw"), "the password is not shown: %s", rm.url);
	cr_assert(strstr(rm.url, "***"), "url: %s", rm.url);
	/* the monitor measures lag once it has seen the primary */
	for (int i = 0; i < 100 && rm.lag_ms < 0; i++) {
		sleep_ms(20);
		rm = replica_metrics(pool, 0);
	}
	cr_assert_geq(rm.lag_bytes, 0);
	cr_assert_geq(rm.lag_ms, 0);
	strata_pool_replica_metrics none = STRATA_POOL_REPLICA_METRICS_INIT;
	ST_EXPECT(strata_pool_replica_stats(pool, 1, &none), STRATA_ERANGE);
	strata_pool_close(pool);
}

Test(replica, reads_to_replica_writes_to_primary_postgres, .fini = rig_fini, .timeout = 120)
{
	routing_test(false);
}

Test(replica, reads_to_replica_writes_to_primary_pgbouncer, .fini = rig_fini, .timeout = 120)
{
	routing_test(true);
}

static void delayed_replica_test(bool through_pgbouncer)
{
	rig_setup(true, through_pgbouncer);
	strata_pool *fallback = open_with_replica(100, 20);
	create_notes(fallback);
	/* replay every commit 1.5 s late */
	rig_cmd("replica-delay 1500 %s", rig.own);
	sleep_ms(100);

	/* no wait long enough: the token's read goes to the primary, and sees the write */
	strata_pool_metrics before = pool_metrics(fallback);
	strata_pool_token token = STRATA_POOL_TOKEN_INIT;
	struct probe w = { -1, -1, 0, false };
	ST_OK(strata_pool_transact_token(fallback, &token, add_note, &w, NULL));
	struct probe r = read_probe(fallback, &token);
	cr_assert_eq(r.rows, 1, "read-your-writes: the write is seen");
	cr_assert_eq(r.in_recovery, 0, "the replica had not replayed it: the read ran on the primary");
	strata_pool_metrics m = pool_metrics(fallback);
	cr_assert_eq(m.ryw_primary, before.ryw_primary + 1);
	/* without a token the same read goes to the replica, which has not replayed the write yet */
	struct probe stale = read_probe(fallback, NULL);
	cr_assert_eq(stale.in_recovery, 1);
	cr_assert_eq(stale.rows, 0, "the delayed replica does not have the note yet");
	/* strata health sees it behind */
	strata_health_options ho = STRATA_HEALTH_OPTIONS_INIT;
	ho.checks = "replicas";
	ho.replica_urls = rig.replica_url;
	ST_OK(strata_health_options_set(&ho, "replica_lag_ms", "1"));
	strata_health_report *hr = NULL;
	ST_OK(strata_health_run_url(&hr, rig.primary_url, &ho));
	cr_assert_eq(hr->checks[0].level, STRATA_HEALTH_WARNING, "%s", hr->checks[0].summary);
	cr_assert_not_null(finding(&hr->checks[0], "replica_lag"));
	strata_health_report_free(hr);

	/* a wait long enough: the token's read waits for the replica and reads there */
	strata_pool *waiter = open_with_replica(100, 10000);
	strata_pool_token token2 = STRATA_POOL_TOKEN_INIT;
	struct probe w2 = { -1, -1, 0, false };
	ST_OK(strata_pool_transact_token(waiter, &token2, add_note, &w2, NULL));
	int64_t t0 = strata_timestamp_now();
	struct probe r2 = read_probe(waiter, &token2);
	int64_t waited_ms = (strata_timestamp_now() - t0) / 1000;
	cr_assert_eq(r2.in_recovery, 1, "the read ran on the replica");
	cr_assert_eq(r2.rows, 2, "after it replayed the write");
	cr_assert_geq(waited_ms, 500, "it waited for the delayed replay (%lld ms)", (long long)waited_ms);
	m = pool_metrics(waiter);
	cr_assert_eq(m.ryw_waited, 1);
	cr_assert_eq(m.ryw_primary, 0);
	strata_pool_close(waiter);
	strata_pool_close(fallback);
}

Test(replica, read_your_writes_under_delay_postgres, .fini = rig_fini, .timeout = 120)
{
	delayed_replica_test(false);
}

Test(replica, read_your_writes_under_delay_pgbouncer, .fini = rig_fini, .timeout = 120)
{
	delayed_replica_test(true);
}

Test(replica, stopped_replica_taken_out_and_back, .fini = rig_fini, .timeout = 120)
{
	rig_setup(true, false);
	strata_pool *pool = open_with_replica(100, 20);
	create_notes(pool);

	/* the replica stops in the middle of a read: the read runs again on the primary */
	strata_tx_options ro = STRATA_TX_OPTIONS_INIT;
	ro.read_only = true;
	struct probe p = { -1, -1, 0, true };
	ST_OK(strata_pool_transact(pool, where_am_i, &p, &ro));
	cr_assert_eq(p.runs, 2, "the read ran twice");
	cr_assert_eq(p.in_recovery, 0, "the second time on the primary");
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.replica_retries, 1);
	strata_pool_replica_metrics rm = replica_metrics(pool, 0);
	cr_assert_eq(rm.state, STRATA_REPLICA_DOWN, "the failed read took the replica out at once");
	cr_assert_eq(rm.taken_out, 1);
	cr_assert_neq(rm.last_error[0], '\0');

	/* while it is down, reads go to the primary and succeed */
	for (int i = 0; i < 5; i++) {
		struct probe r = read_probe(pool, NULL);
		cr_assert_eq(r.in_recovery, 0);
	}
	char *log = log_capture_text();
	cr_assert(strstr(log, "taken out"), "log: %s", log);
	free(log);

	/* back: the monitor re-adds it (backoff from 100 ms) and reads go to it again */
	rig_cmd("replica-resume %s", rig.own);
	/* after an immediate stop it replays its WAL before it takes connections */
	wait_state(pool, STRATA_REPLICA_UP, 60000);
	struct probe back = read_probe(pool, NULL);
	cr_assert_eq(back.in_recovery, 1);
	rm = replica_metrics(pool, 0);
	cr_assert_eq(rm.brought_back, 1);
	log = log_capture_text();
	cr_assert(strstr(log, "serves reads again"), "log: %s", log);
	free(log);

	/* stopped with nothing running on it: the monitor takes it out */
	rig_cmd("replica-halt %s", rig.own);
	wait_state(pool, STRATA_REPLICA_DOWN, 5000);
	m = pool_metrics(pool);
	cr_assert_eq(m.replicas_usable, 0);
	struct probe r = read_probe(pool, NULL);
	cr_assert_eq(r.in_recovery, 0);
	strata_pool_close(pool);
}

/* No replica up: the pool opens, says so, and the primary serves every read. */
POOL_TEST_PG(primary_alone_when_no_replica_is_up)
{
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	/* port 1: nothing listens there, the connection is refused at once */
	o.replica_urls =
		"postgres://strata:secret-pw@127.0.0.1:1/nowhere, postgres://strata:secret-pw@127.0.0.1:1/other";
	o.replica_check_ms = 100;
	strata_pool *pool = pool_open_ok(url, &o);
	strata_pool_metrics m = pool_metrics(pool);
	cr_assert_eq(m.replicas, 2);
	cr_assert_eq(m.replicas_usable, 0);
	strata_pool_replica_metrics rm = replica_metrics(pool, 1);
	cr_assert_eq(rm.state, STRATA_REPLICA_DOWN);
	cr_assert(strstr(rm.url, "127.0.0.1:1/other"), "url: %s", rm.url);
	cr_assert_null(strstr(rm.url, "secret-pw"));
	char *log = log_capture_text();
	cr_assert(strstr(log, "taken out"), "log: %s", log);
	cr_assert_null(strstr(log, "secret-pw"), "the password is never logged: %s", log);
	free(log);

	strata_pool_token token = STRATA_POOL_TOKEN_INIT;
	int64_t one = 0;
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL)"));
	ST_OK(strata_pool_release(pool, db));
	for (int i = 0; i < 3; i++) {
		ST_OK(strata_pool_acquire_read(pool, &db, &token));
		ST_OK(strata_query_int64(db, &one, "SELECT 1", NULL, 0));
		ST_OK(strata_pool_release(pool, db));
	}
	token.lsn = 1;
	struct probe p = read_probe(pool, &token);
	cr_assert_eq(p.in_recovery, 0);
	m = pool_metrics(pool);
	cr_assert_eq(m.reads_primary, 4);
	cr_assert_eq(m.reads_replica, 0);
	cr_assert_eq(m.ryw_primary, 1);
	/* still retried in the background, still down */
	sleep_ms(300);
	rm = replica_metrics(pool, 0);
	cr_assert_eq(rm.state, STRATA_REPLICA_DOWN);
	cr_assert_geq(rm.checks, 2);
	strata_pool_close(pool);
	(void)target;
}

Test(replica, sqlite_refuses_replica_urls)
{
	char *dir = test_tmpdir();
	char url[4200];
	snprintf(url, sizeof url, "sqlite:%s/r.db", dir);
	strata_pool *pool = NULL;
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.replica_urls = "postgres://u:p@127.0.0.1:1/x";
	ST_EXPECT(strata_pool_open(&pool, url, &o), STRATA_EINVAL);
	cr_assert_null(pool);
	cr_assert(strstr(strata_error_last()->message, "SQLite"), "%s", strata_error_last()->message);
	cr_assert(strstr(strata_error_last()->message, "replica_urls"), "%s", strata_error_last()->message);
	/* from the environment too, named */
	setenv("DATABASE_REPLICA_URLS", "postgres://u:p@127.0.0.1:1/x", 1);
	ST_EXPECT(strata_pool_open(&pool, url, NULL), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "DATABASE_REPLICA_URLS"), "%s", strata_error_last()->message);
	/* "" turns the environment's replicas off */
	o.replica_urls = "";
	ST_OK(strata_pool_open(&pool, url, &o));
	strata_pool_metrics m = STRATA_POOL_METRICS_INIT;
	ST_OK(strata_pool_stats(pool, &m));
	cr_assert_eq(m.replicas, 0);
	strata_pool_replica_metrics rm = STRATA_POOL_REPLICA_METRICS_INIT;
	ST_EXPECT(strata_pool_replica_stats(pool, 0, &rm), STRATA_ERANGE);
	/* a token on SQLite is left alone */
	strata_pool_token token = STRATA_POOL_TOKEN_INIT;
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_pool_token_update(db, &token));
	cr_assert_eq(token.lsn, 0);
	ST_OK(strata_pool_release(pool, db));
	strata_pool_close(pool);
	unsetenv("DATABASE_REPLICA_URLS");
	test_rmrf(dir);
	free(dir);
}

POOL_TEST_PG(bad_replica_urls_are_named)
{
	strata_pool *pool = NULL;
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.replica_urls = "postgres://u:p@127.0.0.1:1/x, sqlite:replica.db";
	ST_EXPECT(strata_pool_open(&pool, url, &o), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "replica 2"), "%s", strata_error_last()->message);
	o.replica_urls = "postgres://u:p@127.0.0.1:1/x,mysql://nope";
	ST_EXPECT(strata_pool_open(&pool, url, &o), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "replica 2"), "%s", strata_error_last()->message);
	o.replica_urls = " , ";
	ST_EXPECT(strata_pool_open(&pool, url, &o), STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "no URL"), "%s", strata_error_last()->message);
	cr_assert_null(pool);
	(void)target;
}

POOL_TEST_PG(older_options_and_metrics_still_work)
{
	/* a program built against version 1 of the structs */
	strata_pool_options o = STRATA_POOL_OPTIONS_INIT;
	o.version = 1;
	o.size = 2;
	o.replica_urls = "not read: version 1 has no such field";
	strata_pool *pool = pool_open_ok(url, &o);
	strata_pool_metrics m = STRATA_POOL_METRICS_INIT;
	m.version = 1;
	m.replicas = 77; /* beyond a version-1 struct: left alone */
	ST_OK(strata_pool_stats(pool, &m));
	cr_assert_eq(m.size, 2);
	cr_assert_eq(m.open, 1);
	cr_assert_eq(m.replicas, 77);
	/* a token records a write on the primary */
	strata_pool_token token = STRATA_POOL_TOKEN_INIT;
	strata_db *db;
	ST_OK(strata_pool_acquire(pool, &db));
	ST_OK(strata_exec(db, "CREATE TABLE t (x int)"));
	ST_OK(strata_pool_token_update(db, &token));
	uint64_t first = token.lsn;
	cr_assert_gt(first, 0);
	ST_OK(strata_exec(db, "INSERT INTO t VALUES (1)"));
	ST_OK(strata_pool_token_update(db, &token));
	cr_assert_gt(token.lsn, first, "the token moves forward with the WAL");
	/* and never back */
	strata_pool_token ahead = { UINT64_MAX - 1 };
	ST_OK(strata_pool_token_update(db, &ahead));
	cr_assert_eq(ahead.lsn, UINT64_MAX - 1);
	ST_OK(strata_pool_release(pool, db));
	strata_pool_close(pool);
	(void)target;
}

/* strata health checks the replicas a pool would read from */
Test(replica, health_reports_each_replica, .fini = rig_fini, .timeout = 120)
{
	rig_setup(false, false);
	char urls[2048];
	/* the replica, a dead one, and the primary named as a replica */
	snprintf(urls, sizeof urls, "%s,postgres://strata:secret-pw@127.0.0.1:1/x,%s", rig.replica_url,
		 rig.primary_url);
	strata_health_options o = STRATA_HEALTH_OPTIONS_INIT;
	o.checks = "replicas";
	o.replica_urls = urls;
	strata_health_report *r = NULL;
	ST_OK(strata_health_run_url(&r, rig.primary_url, &o));
	cr_assert_eq(r->nchecks, 1);
	const strata_health_check *c = &r->checks[0];
	cr_assert_str_eq(c->name, "replicas");
	cr_assert_eq(c->level, STRATA_HEALTH_FAILURE);
	const strata_health_figure *bytes = figure(c, "replica_1_lag_bytes"), *ms = figure(c, "replica_1_lag_ms");
	cr_assert_not_null(bytes, "the replica's lag in bytes");
	cr_assert_not_null(ms, "and in time");
	cr_assert_geq(bytes->value, 0);
	const strata_health_finding *dead = finding(c, "replica_unreachable");
	cr_assert_not_null(dead);
	cr_assert(strstr(dead->message, "replica 2"), "%s", dead->message);
	cr_assert_null(strstr(dead->subject, "secret-pw"), "%s", dead->subject);
	const strata_health_finding *primary = finding(c, "replica_not_standby");
	cr_assert_not_null(primary);
	cr_assert(strstr(primary->message, "replica 3"), "%s", primary->message);
	cr_assert_null(finding(c, "replica_not_streaming"), "the real replica streams");
	cr_assert(strstr(c->summary, "3 replicas, 2 unusable, 1 streaming"), "%s", c->summary);
	strata_health_report_free(r);

	/* the command: DATABASE_REPLICA_URLS is read from the environment */
	char *out = NULL;
	int st = test_run_cmd(&out, "DATABASE_REPLICA_URLS='%s' %s health --url '%s' --check replicas --json",
			      rig.replica_url, STRATA_CLI, rig.primary_url);
	cr_assert_eq(st, 0, "strata health: %s", out);
	cr_assert(strstr(out, "\"replicas\""), "%s", out);
	cr_assert(strstr(out, "replica_1_lag_bytes"), "%s", out);
	free(out);
	/* no replicas configured: skipped */
	o.replica_urls = "";
	ST_OK(strata_health_run_url(&r, rig.primary_url, &o));
	cr_assert_eq(r->checks[0].level, STRATA_HEALTH_SKIPPED);
	strata_health_report_free(r);
}
