/* Per-query statistics: fingerprints, percentiles, N+1 detection, slow-query lines, JSON files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/internal.h"
#include "testdb.h"

static char *fp(const char *sql)
{
	char *text = NULL;
	ST_OK(strata_sql_fingerprint(sql, &text, NULL));
	return text;
}

static void assert_same(const char *a, const char *b)
{
	char *x = fp(a), *y = fp(b);
	cr_assert_str_eq(x, y, "\n  %s\n  %s\nshould be one query", a, b);
	free(x);
	free(y);
}

static void assert_differ(const char *a, const char *b)
{
	char *x = fp(a), *y = fp(b);
	cr_assert_str_neq(x, y, "\n  %s\n  %s\nshould be two queries (both are '%s')", a, b, x);
	free(x);
	free(y);
}

static void assert_fp(const char *sql, const char *want)
{
	char *x = fp(sql);
	cr_assert_str_eq(x, want, "fingerprint of %s", sql);
	free(x);
}

Test(fingerprint, canonical_text)
{
	assert_fp("SELECT id, title FROM tasks WHERE user_id = ? AND id IN (?, ?, ?) LIMIT 50",
		  "select id, title from tasks where user_id = ? and id in (...) limit ?");
	assert_fp("  select count(*)  from \"Tasks\" t -- trailing comment\n where t.x::int > $1;",
		  "select count(*) from \"Tasks\" t where t.x::int > ?");
	assert_fp("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z') RETURNING id",
		  "insert into t (a, b) values (...) returning id");
	assert_fp("UPDATE t SET n = n + 1 WHERE k = E'it\\'s' /* why */", "update t set n = n + ? where k = ?");
	assert_fp("SELECT 1", "select ?");
	assert_fp("BEGIN IMMEDIATE", "begin immediate");
}

Test(fingerprint, equivalent_queries_are_one)
{
	/* lists of any length, placeholders of any style, literals of any kind */
	assert_same("SELECT * FROM t WHERE id IN (1, 2, 3)", "select * from t where id in (?, ?)");
	assert_same("SELECT * FROM t WHERE id IN ($1, $2, $3, $4)", "SELECT * FROM t WHERE id IN (?)");
	assert_same("SELECT * FROM t WHERE id IN (-1, 2.5e3, 0x1F)", "SELECT * FROM t WHERE id IN (:a, @b, ?7)");
	assert_same("SELECT * FROM t WHERE name = 'bob'", "SELECT * FROM t WHERE name = 'it''s'");
	assert_same("SELECT * FROM t WHERE name = 'bob'", "SELECT * FROM t WHERE name = $tag$any 'thing'$tag$");
	assert_same("SELECT * FROM t WHERE b = X'00ff'", "SELECT * FROM t WHERE b = ?");
	assert_same("SELECT * FROM t WHERE flag = true", "SELECT * FROM t WHERE flag = FALSE");
	assert_same("SELECT * FROM t WHERE x = -1", "SELECT * FROM t WHERE x = 42");
	/* layout, case and comments */
	assert_same("SELECT a,b FROM t WHERE x=1", "select  a ,  b\n\tfrom T\nwhere x = 2 -- note");
	assert_same("SELECT /* hint /* nested */ */ a FROM t", "SELECT a FROM t;");
	/* multi-row VALUES of any length */
	assert_same("INSERT INTO t (a, b) VALUES (?, ?)", "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?)");
	assert_same("SELECT * FROM t WHERE x = ANY(ARRAY[1, 2, 3])", "SELECT * FROM t WHERE x = ANY(ARRAY[4])");
	/* jsonb: `??` is the literal ? operator, not a placeholder */
	assert_same("SELECT doc ?? 'k' FROM t", "SELECT doc ?? 'other' FROM t");
}

Test(fingerprint, different_queries_stay_apart)
{
	assert_differ("SELECT a FROM t", "SELECT b FROM t");
	assert_differ("SELECT a FROM t", "SELECT a FROM u");
	assert_differ("SELECT * FROM t WHERE id = ?", "SELECT * FROM t WHERE id > ?");
	assert_differ("SELECT * FROM t WHERE id IN (?)", "SELECT * FROM t WHERE id IN (SELECT id FROM u)");
	assert_differ("SELECT * FROM t LIMIT 10", "SELECT * FROM t");
	assert_differ("SELECT * FROM \"T\"", "SELECT * FROM \"t\"");
	assert_differ("SELECT x::int FROM t", "SELECT x::text FROM t");
	assert_differ("SELECT f(?) FROM t", "SELECT g(?) FROM t");
	assert_differ("SELECT * FROM t WHERE a IS NULL", "SELECT * FROM t WHERE a = ?");
	assert_differ("SELECT doc ?? 'k' FROM t", "SELECT doc ? FROM t");
	assert_differ("INSERT INTO t (a) VALUES (?)", "INSERT INTO t (a, b) VALUES (?, ?)");
	assert_differ("SELECT 'a' || x FROM t", "SELECT x FROM t");
}

/* ---- collection ---- */

static strata_db *open_stats(const char *url, strata_log_fn log, void *ud, int n1)
{
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.query_stats = STRATA_ON;
	o.n_plus_one = n1;
	o.log = log;
	o.log_ud = ud;
	strata_db *db;
	ST_OK(strata_open(&db, url, &o));
	return db;
}

static const strata_query_stat *find(const strata_query_stats *s, const char *fingerprint)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->queries[i].fingerprint, fingerprint) == 0)
			return &s->queries[i];
	return NULL;
}

DB_TEST(qstats, counts_calls_rows_errors_by_fingerprint)
{
	strata_db *q = open_stats(url, NULL, NULL, 0);
	ST_OK(strata_exec(q, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"));
	for (int i = 1; i <= 20; i++)
		ST_OK(strata_execv(q, "INSERT INTO t (id, name) VALUES (?, ?)", STRATA_INT(i), STRATA_TEXT("x")));
	/* IN lists of different lengths, literal or bound: one query */
	strata_stmt *st;
	ST_OK(strata_prepare(&st, q, "SELECT name FROM t WHERE id IN (1, 2, 3)"));
	while (strata_step(st) == STRATA_ROW)
		;
	strata_finalize(st);
	ST_OK(strata_prepare(&st, q, "SELECT name FROM t WHERE id IN (?, ?)"));
	ST_OK(strata_bind_int64(st, 1, 4));
	ST_OK(strata_bind_int64(st, 2, 99));
	while (strata_step(st) == STRATA_ROW)
		;
	strata_finalize(st);
	ST_EXPECT(strata_execv(q, "INSERT INTO t (id, name) VALUES (?, ?)", STRATA_INT(1), STRATA_TEXT("dup")),
		  STRATA_ECONSTRAINT);

	strata_query_stats *s;
	ST_OK(strata_db_query_stats(q, &s));
	const strata_query_stat *ins = find(s, "insert into t (id, name) values (...)");
	cr_assert_not_null(ins);
	cr_assert_eq(ins->calls, 21);
	cr_assert_eq(ins->errors, 1);
	cr_assert_eq(ins->rows, 20);
	cr_assert_gt(ins->total_ms, 0);
	cr_assert_float_eq(ins->mean_ms, ins->total_ms / 21, 1e-9);
	cr_assert(ins->min_ms <= ins->p50_ms && ins->p50_ms <= ins->p95_ms && ins->p95_ms <= ins->p99_ms &&
		  ins->p99_ms <= ins->max_ms);
	const strata_query_stat *sel = find(s, "select name from t where id in (...)");
	cr_assert_not_null(sel, "the IN lists are not one query");
	cr_assert_eq(sel->calls, 2);
	cr_assert_eq(sel->rows, 4);
	/* sorted by total time */
	for (size_t i = 1; i < s->count; i++)
		cr_assert_geq(s->queries[i - 1].total_ms, s->queries[i].total_ms);
	cr_assert_gt(s->since, 0);
	cr_assert_geq(s->taken_at, s->since);
	strata_query_stats_free(s);

	/* reset: nothing counted, then counting again */
	strata_db_query_stats_reset(q);
	ST_OK(strata_db_query_stats(q, &s));
	cr_assert_eq(s->count, 0);
	strata_query_stats_free(s);
	ST_OK(strata_execv(q, "INSERT INTO t (id, name) VALUES (?, ?)", STRATA_INT(50), STRATA_TEXT("y")));
	ST_OK(strata_db_query_stats(q, &s));
	cr_assert_eq(s->count, 1);
	cr_assert_eq(s->queries[0].calls, 1);
	cr_assert_eq(s->queries[0].errors, 0);
	strata_query_stats_free(s);
	strata_close(q);

	/* off: the snapshot says how to switch it on */
	ST_EXPECT(strata_db_query_stats(db, &s), STRATA_EMISUSE);
	cr_assert(strstr(strata_error_last()->message, "DB_QUERY_STATS") != NULL);
	(void)backend;
}

DB_TEST(qstats, switched_on_by_the_environment)
{
	setenv("DB_QUERY_STATS", "true", 1);
	strata_db *q;
	int rc = strata_open(&q, url, NULL);
	unsetenv("DB_QUERY_STATS");
	ST_OK(rc);
	ST_OK(strata_exec(q, "SELECT 1"));
	strata_query_stats *s;
	ST_OK(strata_db_query_stats(q, &s));
	cr_assert_not_null(find(s, "select ?"));
	strata_query_stats_free(s);
	strata_close(q);

	setenv("DB_QUERY_STATS", "sometimes", 1);
	ST_EXPECT(strata_open(&q, url, NULL), STRATA_EINVAL);
	unsetenv("DB_QUERY_STATS");
	cr_assert(strstr(strata_error_last()->message, "DB_QUERY_STATS") != NULL, "%s", strata_error_last()->message);
	setenv("DB_N_PLUS_ONE", "ten", 1);
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	ST_EXPECT(strata_open_options_from_env(&o), STRATA_EINVAL);
	unsetenv("DB_N_PLUS_ONE");
	cr_assert(strstr(strata_error_last()->message, "DB_N_PLUS_ONE") != NULL, "%s", strata_error_last()->message);
	(void)db;
	(void)backend;
}

/* A known distribution recorded into a connection's collector: percentiles within the stated 1/32. */
static void assert_close(double got_ms, double want_ms, const char *what)
{
	cr_assert(fabs(got_ms - want_ms) <= want_ms / 32 + 1e-9, "%s: %.6f ms, want %.6f ms within 3.125%%", what,
		  got_ms, want_ms);
}

DB_TEST(qstats, percentiles_of_a_known_distribution)
{
	strata_db *q = open_stats(url, NULL, NULL, 0);
	strata__qentry *e = strata__qstats_entry(q->qstats, "SELECT pg_sleep(?)", NULL);
	cr_assert_not_null(e);
	/* 1 .. 10000 microseconds, each once, in a shuffled order */
	int n = 10000;
	for (int k = 0; k < n; k++) {
		int v = (int)(((int64_t)k * 7919) % n) + 1;
		strata__qstats_record(q->qstats, e, (uint64_t)v * 1000, 1, false, false);
	}
	/* and a long tail query: 980 fast executions, 20 slow ones */
	strata__qentry *t = strata__qstats_entry(q->qstats, "SELECT tail", NULL);
	for (int k = 0; k < 980; k++)
		strata__qstats_record(q->qstats, t, 200000 + (uint64_t)k, 0, false, false); /* ~0.2 ms */
	for (int k = 0; k < 20; k++)
		strata__qstats_record(q->qstats, t, 3000000000ULL + (uint64_t)k * 1000000, 0, k == 0, false); /* ~3 s */

	strata_query_stats *s;
	ST_OK(strata_db_query_stats(q, &s));
	const strata_query_stat *u = find(s, "select pg_sleep(?)");
	cr_assert_not_null(u);
	cr_assert_eq(u->calls, (uint64_t)n);
	cr_assert_float_eq(u->min_ms, 0.001, 1e-12, "min is exact");
	cr_assert_float_eq(u->max_ms, 10.0, 1e-12, "max is exact");
	cr_assert_float_eq(u->total_ms, (double)n * (n + 1) / 2 / 1000, 1e-6, "total is exact");
	assert_close(u->p50_ms, 5.000, "p50");
	assert_close(u->p95_ms, 9.500, "p95");
	assert_close(u->p99_ms, 9.900, "p99");
	assert_close(strata_query_stat_quantile(u, 0.999), 9.990, "p99.9");
	assert_close(strata_query_stat_quantile(u, 0.10), 1.000, "p10");
	cr_assert_float_eq(strata_query_stat_quantile(u, 1.0), 10.0, 1e-12);
	cr_assert_eq(strata_query_stat_quantile(u, 0), 0);
	cr_assert_eq(strata_query_stat_quantile(u, 1.5), 0);

	const strata_query_stat *tail = find(s, "select tail");
	cr_assert_not_null(tail);
	cr_assert_eq(tail->errors, 1);
	assert_close(tail->p50_ms, 0.200499, "tail p50");
	assert_close(tail->p95_ms, 0.200949, "tail p95");
	assert_close(tail->p99_ms, 3009.0, "tail p99");
	cr_assert_float_eq(tail->max_ms, 3019.0, 1e-9);
	/* the slow query has the larger total, so it comes first */
	cr_assert_str_eq(s->queries[0].fingerprint, "select tail");
	strata_query_stats_free(s);
	strata_close(q);
	(void)db;
	(void)backend;
}

/* ---- N+1 ---- */

struct logged {
	int warnings;
	char last[2048];
};

static void logger(strata_log_level level, const char *msg, void *ud)
{
	struct logged *l = ud;
	if (level == STRATA_LOG_WARN) {
		l->warnings++;
		snprintf(l->last, sizeof l->last, "%s", msg);
	}
}

struct loop {
	int times;
};

static int run_loop(strata_db *db, void *arg)
{
	struct loop *lp = arg;
	for (int i = 0; i < lp->times; i++) {
		int64_t v;
		int rc = strata_query_int64(db, &v, "SELECT count(*) FROM t WHERE id = ?",
					    (strata_value[]){ STRATA_INT(i) }, 1);
		if (rc != STRATA_OK)
			return rc;
	}
	/* another statement, under the threshold */
	return strata_exec(db, "SELECT 1");
}

DB_TEST(qstats, n_plus_one_fires_above_the_threshold_once)
{
	struct logged l = { 0 };
	strata_db *q = open_stats(url, logger, &l, 0);
	ST_OK(strata_exec(q, "CREATE TABLE t (id INTEGER PRIMARY KEY)"));

	struct loop lp = { 10 };
	ST_OK(strata_transact(q, run_loop, &lp, NULL));
	cr_assert_eq(l.warnings, 0, "10 runs (the default threshold) warned: %s", l.last);

	lp.times = 11;
	ST_OK(strata_transact(q, run_loop, &lp, NULL));
	cr_assert_eq(l.warnings, 1, "11 runs gave %d warnings", l.warnings);
	cr_assert(strstr(l.last, "N+1") && strstr(l.last, "ran 11 times") &&
			  strstr(l.last, "select count(*) from t where id = ?") && strstr(l.last, "_load_"),
		  "%s", l.last);

	/* one warning per transaction, with the final count, however far above */
	l.warnings = 0;
	lp.times = 40;
	ST_OK(strata_transact(q, run_loop, &lp, NULL));
	cr_assert_eq(l.warnings, 1);
	cr_assert(strstr(l.last, "ran 40 times"), "%s", l.last);

	/* outside a transaction: no warning; a rolled-back transaction still warns */
	l.warnings = 0;
	ST_OK(run_loop(q, &lp));
	cr_assert_eq(l.warnings, 0);
	ST_OK(strata_begin(q, NULL));
	ST_OK(run_loop(q, &lp));
	ST_OK(strata_rollback(q));
	cr_assert_eq(l.warnings, 1);

	/* counted in the statistics */
	strata_query_stats *s;
	ST_OK(strata_db_query_stats(q, &s));
	const strata_query_stat *x = find(s, "select count(*) from t where id = ?");
	cr_assert_not_null(x);
	cr_assert_eq(x->n_plus_one, 3);
	cr_assert_eq(x->calls, 10 + 11 + 40 + 40 + 40);
	strata_query_stats_free(s);
	strata_close(q);

	/* a threshold of our own: 3 */
	memset(&l, 0, sizeof l);
	q = open_stats(url, logger, &l, 3);
	lp.times = 3;
	ST_OK(strata_transact(q, run_loop, &lp, NULL));
	cr_assert_eq(l.warnings, 0);
	lp.times = 4;
	ST_OK(strata_transact(q, run_loop, &lp, NULL));
	cr_assert_eq(l.warnings, 1);
	cr_assert(strstr(l.last, "more than 3"), "%s", l.last);
	strata_close(q);

	/* negative: never */
	memset(&l, 0, sizeof l);
	q = open_stats(url, logger, &l, -1);
	lp.times = 50;
	ST_OK(strata_transact(q, run_loop, &lp, NULL));
	cr_assert_eq(l.warnings, 0);
	strata_close(q);
	(void)db;
	(void)backend;
}

DB_TEST(qstats, slow_query_line_carries_the_fingerprint)
{
	struct logged l = { 0 };
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.slow_query_ms = 20;
	o.log = logger;
	o.log_ud = &l;
	strata_db *q;
	ST_OK(strata_open(&q, url, &o));
	const char *slow =
		backend == STRATA_BACKEND_POSTGRES
			? "SELECT pg_sleep(0.05)"
			: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
			  "SELECT count(*) FROM c";
	ST_OK(strata_exec(q, slow));
	cr_assert_eq(l.warnings, 1);
	uint64_t id;
	char *text;
	ST_OK(strata_sql_fingerprint(slow, &text, &id));
	free(text);
	char want[64];
	snprintf(want, sizeof want, "fingerprint %016llx", (unsigned long long)id);
	cr_assert(strstr(l.last, want) != NULL, "'%s' not in: %s", want, l.last);
	strata_close(q);
	(void)db;
}

static void count_hook(const strata_query_info *info, void *ud)
{
	int *n = ud;
	(*n)++;
	cr_assert(info->duration_us >= 0 && info->sql != NULL);
}

DB_TEST(qstats, hooks_keep_working_with_statistics_on)
{
	int calls = 0;
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.query_stats = STRATA_ON;
	o.hook = count_hook;
	o.hook_ud = &calls;
	strata_db *q;
	ST_OK(strata_open(&q, url, &o));
	ST_OK(strata_exec(q, "CREATE TABLE t (id INTEGER PRIMARY KEY)"));
	ST_OK(strata_execv(q, "INSERT INTO t (id) VALUES (?)", STRATA_INT(1)));
	ST_OK(strata_execv(q, "INSERT INTO t (id) VALUES (?)", STRATA_INT(2)));
	cr_assert_eq(calls, 3);
	strata_query_stats *s;
	ST_OK(strata_db_query_stats(q, &s));
	cr_assert_eq(s->calls, 3);
	strata_query_stats_free(s);
	strata_close(q);
	(void)db;
	(void)backend;
}

/* ---- files ---- */

DB_TEST(qstats, saved_file_reads_back_the_same)
{
	strata_db *q = open_stats(url, NULL, NULL, 0);
	ST_OK(strata_exec(q, "CREATE TABLE t (id INTEGER PRIMARY KEY)"));
	for (int i = 0; i < 30; i++)
		ST_OK(strata_execv(q, "INSERT INTO t (id) VALUES (?)", STRATA_INT(i)));
	strata_query_stats *s, *back;
	ST_OK(strata_db_query_stats(q, &s));
	char *dir = test_tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/stats.json", dir);
	ST_OK(strata_query_stats_save(s, path));
	ST_OK(strata_query_stats_load(path, &back));
	cr_assert_eq(back->count, s->count);
	cr_assert_eq(back->calls, s->calls);
	cr_assert_eq(back->since, s->since);
	for (size_t i = 0; i < s->count; i++) {
		const strata_query_stat *a = &s->queries[i], *b = find(back, a->fingerprint);
		cr_assert_not_null(b, "%s", a->fingerprint);
		cr_assert_eq(a->id, b->id);
		cr_assert_eq(a->calls, b->calls);
		cr_assert_eq(a->rows, b->rows);
		cr_assert_float_eq(a->total_ms, b->total_ms, 1e-6);
		cr_assert_float_eq(a->p50_ms, b->p50_ms, 1e-9);
		cr_assert_float_eq(a->p99_ms, b->p99_ms, 1e-9);
		cr_assert_float_eq(a->max_ms, b->max_ms, 1e-9);
	}
	strata_query_stats_free(back);
	strata_query_stats_free(s);

	/* not such a file: a parse error naming the file */
	snprintf(path, sizeof path, "%s/bad.json", dir);
	FILE *f = fopen(path, "w");
	fputs("{\"format\": \"strata-query-stats\",\n \"version\": 1, \"queries\": [1,\n", f);
	fclose(f);
	ST_EXPECT(strata_query_stats_load(path, &back), STRATA_EPARSE);
	cr_assert(strstr(strata_error_last()->message, "bad.json") != NULL, "%s", strata_error_last()->message);
	cr_assert_eq(strata_error_last()->line, 3, "%s", strata_error_last()->message);
	f = fopen(path, "w");
	fputs("{\"queries\": []}", f);
	fclose(f);
	ST_EXPECT(strata_query_stats_load(path, &back), STRATA_EPARSE);
	cr_assert(strstr(strata_error_last()->message, "strata-query-stats") != NULL, "%s",
		  strata_error_last()->message);
	snprintf(path, sizeof path, "%s/missing.json", dir);
	ST_EXPECT(strata_query_stats_load(path, &back), STRATA_ENOTFOUND);
	snprintf(path, sizeof path, "%s/no/such/dir/stats.json", dir);
	ST_OK(strata_db_query_stats(q, &s));
	ST_EXPECT(strata_query_stats_save(s, path), STRATA_EIO);
	cr_assert(strstr(strata_error_last()->message, path) != NULL, "%s", strata_error_last()->message);
	strata_query_stats_free(s);
	test_rmrf(dir);
	free(dir);
	strata_close(q);
	(void)db;
	(void)backend;
}
