/*
 * strata top and strata_activity_collect(): a blocked session made by the
 * test (PostgreSQL), a held write lock (SQLite), the live mode and bad
 * input.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strata/activity.h>

#include "support.h"

static const strata_session *session(const strata_activity *a, int64_t pid)
{
	for (size_t i = 0; i < a->nsessions; i++)
		if (a->sessions[i].pid == pid)
			return &a->sessions[i];
	return NULL;
}

Test(top, shows_a_blocked_session_postgres)
{
	char name[64];
	char *url = test_pg_create_db(name, sizeof name);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	insights_blocked b;
	insights_block(&b, db, url);

	/* the library: who waits for whom */
	strata_activity *a = NULL;
	ST_OK(strata_activity_collect(db, &a));
	cr_assert_str_eq(a->backend, "postgres");
	cr_assert_gt(a->max_connections, 0);
	cr_assert_geq(a->connections, 3);
	const strata_session *w = session(a, b.waiter_pid), *h = session(a, b.holder_pid);
	cr_assert(w && h, "both sessions are listed");
	cr_assert_eq(w->nblocked_by, 1);
	cr_assert_eq(w->blocked_by[0], b.holder_pid);
	cr_assert_str_eq(w->state, "active");
	cr_assert(!strncmp(w->wait, "Lock:", 5), "wait is %s", w->wait);
	HAS(w->query, "UPDATE locked SET v = v + 1");
	cr_assert_eq(h->blocking, 1);
	cr_assert_str_eq(h->state, "idle in transaction");
	cr_assert_geq(h->transaction_ms, 0);
	char *json = NULL;
	ST_OK(strata_activity_json(a, false, &json));
	json_t *root = json_loads(json, 0, NULL);
	cr_assert(root, "activity JSON parses: %s", json);
	free(json);
	json_decref(root);
	strata_activity_free(a);

	/* the command */
	char args[1024], *out;
	snprintf(args, sizeof args, "top --once --url '%s'", url);
	int rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 0, "%s", out);
	char want[128];
	snprintf(want, sizeof want, "blocked: pid %lld has waited", (long long)b.waiter_pid);
	HAS(out, want);
	snprintf(want, sizeof want, "for pid %lld (idle in transaction", (long long)b.holder_pid);
	HAS(out, want);
	HAS(out, "BLOCKED BY");
	HAS(out, "UPDATE locked SET v = v + 1 WHERE id = 1");
	HAS(out, "connections ");
	HASNT(out, "strata-test-pw");
	free(out);

	snprintf(args, sizeof args, "top --once --json --url '%s'", url);
	rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 0, "%s", out);
	root = json_loads(out, 0, NULL);
	cr_assert(root, "top --json prints JSON: %s", out);
	json_t *sessions = json_object_get(root, "sessions");
	bool seen = false;
	for (size_t i = 0; i < json_array_size(sessions); i++) {
		json_t *s = json_array_get(sessions, i);
		if (json_integer_value(json_object_get(s, "pid")) != b.waiter_pid)
			continue;
		json_t *by = json_object_get(s, "blocked_by");
		cr_assert_eq(json_array_size(by), 1);
		cr_assert_eq(json_integer_value(json_array_get(by, 0)), b.holder_pid);
		seen = true;
	}
	cr_assert(seen, "the waiter is in the JSON: %s", out);
	json_decref(root);
	free(out);

	insights_unblock(&b);
	/* nothing blocked any more */
	snprintf(args, sizeof args, "top --once --url '%s'", url);
	rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 0, "%s", out);
	HASNT(out, "blocked:");
	free(out);
	strata_close(db);
	test_pg_drop_db(name);
	free(url);
}

Test(top, shows_the_write_lock_and_the_writer_sqlite)
{
	char *dir = test_tmpdir(), url[4200], args[4400], *out;
	snprintf(url, sizeof url, "sqlite:%s/app.db", dir);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(db, "CREATE TABLE t (id integer PRIMARY KEY, v text)"));

	snprintf(args, sizeof args, "top --once --url '%s'", url);
	int rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "journal mode wal");
	HAS(out, "write lock: free");
	free(out);

	strata_tx_options tx = STRATA_TX_OPTIONS_INIT;
	ST_OK(strata_begin(db, &tx));
	for (int i = 0; i < 50; i++)
		ST_OK(strata_execv(db, "INSERT INTO t (v) VALUES (?)", STRATA_TEXT("a row of text")));
	rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "write lock: held");
	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	HAS(out, pid); /* this process has the file open and holds the write lock */
	HAS(out, "writer");
	free(out);

	strata_activity *a = NULL;
	ST_OK(strata_commit(db));
	ST_OK(strata_activity_collect(db, &a));
	cr_assert_str_eq(a->backend, "sqlite");
	cr_assert(!a->write_locked);
	cr_assert_gt(a->wal_bytes, 0, "the committed rows are in the WAL");
	cr_assert_gt(a->wal_frames, 0);
	cr_assert(a->locks_known);
	cr_assert(session(a, getpid()) && session(a, getpid())->self);
	strata_activity_free(a);

	/* inside a transaction the probe would see its own lock */
	ST_OK(strata_begin(db, NULL));
	ST_EXPECT(strata_activity_collect(db, &a), STRATA_EMISUSE);
	ST_OK(strata_rollback(db));
	strata_close(db);
	test_rmrf(dir);
	free(dir);
}

/*
 * Without --once and off a terminal each snapshot follows the last until a
 * signal.  One SIGINT, as a terminal's Ctrl-C sends: `timeout --foreground`
 * signals the command only, where plain `timeout` signals it and then its
 * whole process group, and a second SIGINT that lands after the command put
 * the default handler back kills it (exit 130: seen once under ASan in CI).
 */
DB_TEST(top, repeats_until_interrupted)
{
	(void)db;
	(void)backend;
	char args[4400], *out;
	snprintf(args, sizeof args,
		 "timeout --foreground --preserve-status -s INT 2 '%s' top --json --interval 0.3 --url '%s'; "
		 "echo \"exit $?\"",
		 STRATA_CLI, url);
	int rc = test_run_cmd(&out, "env -u DATABASE_URL %s", args);
	cr_assert_eq(rc, 0, "%s", out);
	HAS(out, "exit 0"); /* SIGINT ends it cleanly */
	int lines = 0;
	for (char *p = out; (p = strstr(p, "{\"backend\"")); p++)
		lines++;
	cr_assert_geq(lines, 3, "one JSON object per snapshot:\n%s", out);
	free(out);
}

Test(top, bad_input_is_reported_and_changes_nothing)
{
	char *dir = test_tmpdir(), args[4400], *out;
	snprintf(args, sizeof args, "top --once --interval 0 --url 'sqlite:%s/x.db'", dir);
	int rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "--interval '0'");
	free(out);

	rc = insights_cli(&out, NULL, "top --once --color");
	cr_assert_eq(rc, 2, "%s", out);
	HAS(out, "unknown option '--color'");
	free(out);

	/* a database that does not exist is not created by looking at it */
	snprintf(args, sizeof args, "top --once --url 'sqlite:%s/missing.db'", dir);
	rc = insights_cli(&out, NULL, args);
	cr_assert_eq(rc, 1, "%s", out);
	HAS(out, "missing.db");
	free(out);
	char path[4200];
	snprintf(path, sizeof path, "%s/missing.db", dir);
	struct stat sb;
	cr_assert(stat(path, &sb) != 0, "top created %s", path);

	rc = insights_cli(&out, NULL,
			  "top --once --url 'postgres://strata:secret-pw@127.0.0.1:1/nowhere?connect_timeout=2'");
	cr_assert_eq(rc, 1, "%s", out);
	HASNT(out, "secret-pw");
	free(out);
	test_rmrf(dir);
	free(dir);
}

/* On a terminal the picture is redrawn in place (cursor home, clear) until Ctrl-C. */
Test(top, redraws_in_place_on_a_terminal_sqlite)
{
	char *dir = test_tmpdir(), *out;
	char url[4200];
	snprintf(url, sizeof url, "sqlite:%s/app.db", dir);
	strata_db *db = NULL;
	ST_OK(strata_open(&db, url, NULL));
	strata_close(db);
	int rc = test_run_cmd(&out,
			      "env -u DATABASE_URL NO_COLOR=1 timeout --preserve-status -s INT 2 script -qec "
			      "\"'%s' top --interval 0.3 --url '%s'\" /dev/null; echo \"exit $?\"",
			      STRATA_CLI, url);
	cr_assert_eq(rc, 0, "%s", out);
	int frames = 0;
	for (char *p = out; (p = strstr(p, "\033[H\033[2J")); p++)
		frames++;
	cr_assert_geq(frames, 2, "redrawn in place:\n%s", out);
	HAS(out, "Ctrl-C to quit");
	free(out);
	test_rmrf(dir);
	free(dir);
}
