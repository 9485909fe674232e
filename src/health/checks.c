/*
 * The connectivity, configuration and required-data checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/env.h"
#include "core/error.h"
#include "health/internal.h"

/* ---- connectivity ---- */

void strata__check_connectivity(strata__hrun *r)
{
	if (r->o.connect_us > 0) {
		double ms = (double)r->o.connect_us / 1000.0;
		strata__health_figure(r, "connect_ms", ms, "ms");
		if (ms > r->t.connect_warn_ms)
			strata__health_find(r, STRATA_HEALTH_WARNING, "slow_connect", "",
					    "use a connection pool (strata_pool) or a server closer to the application",
					    "connecting took %.0f ms (threshold %d ms)", ms, r->t.connect_warn_ms);
	}
	double t0 = strata__health_now_ms();
	int rc = strata_ping(r->db);
	double rt = strata__health_now_ms() - t0;
	if (rc != STRATA_OK) {
		strata__health_find(r, STRATA_HEALTH_FAILURE, "ping_failed", "",
				    "check that the server runs and the network path to it", "a round trip failed: %s",
				    strata_error_last()->message);
		return;
	}
	strata__health_figure(r, "round_trip_ms", rt, "ms");
	if (rt > r->t.round_trip_warn_ms)
		strata__health_find(r, STRATA_HEALTH_WARNING, "slow_round_trip", "",
				    "look at the network between application and database, and at the server's load",
				    "a round trip took %.1f ms (threshold %d ms)", rt, r->t.round_trip_warn_ms);
	strata__health_summary(r, "%s %s, round trip %.2f ms",
			       r->backend == STRATA_BACKEND_SQLITE ? "SQLite" : "PostgreSQL",
			       strata_db_server_version(r->db), rt);
}

/* ---- configuration ---- */

static int pragma_text(strata_db *db, const char *sql, char **out)
{
	return strata_query_text(db, out, sql, NULL, 0);
}

static void sqlite_configuration(strata__hrun *r)
{
	char *jm = NULL, *file = NULL;
	int64_t fk = 0, busy = 0, page_size = 0, pages = 0, freelist = 0, sync = 0;
	if (pragma_text(r->db, "PRAGMA journal_mode", &jm) != STRATA_OK ||
	    strata_query_int64(r->db, &fk, "PRAGMA foreign_keys", NULL, 0) != STRATA_OK ||
	    strata_query_int64(r->db, &busy, "PRAGMA busy_timeout", NULL, 0) != STRATA_OK ||
	    strata_query_int64(r->db, &page_size, "PRAGMA page_size", NULL, 0) != STRATA_OK ||
	    strata_query_int64(r->db, &pages, "PRAGMA page_count", NULL, 0) != STRATA_OK ||
	    strata_query_int64(r->db, &freelist, "PRAGMA freelist_count", NULL, 0) != STRATA_OK ||
	    strata_query_int64(r->db, &sync, "PRAGMA synchronous", NULL, 0) != STRATA_OK) {
		strata__health_query_failed(r, "reading the PRAGMA settings");
		goto done;
	}
	if (strata_query_text(r->db, &file, "SELECT file FROM pragma_database_list WHERE name = 'main'", NULL, 0) !=
	    STRATA_OK) {
		strata__health_query_failed(r, "reading the database file name");
		goto done;
	}
	bool on_disk = file && *file;
	strata__health_figure(r, "busy_timeout_ms", (double)busy, "ms");
	strata__health_figure(r, "page_size", (double)page_size, "bytes");
	strata__health_figure(r, "page_count", (double)pages, "count");
	strata__health_figure(r, "freelist_count", (double)freelist, "count");
	strata__health_figure(r, "foreign_keys", (double)fk, "count");
	strata__health_figure(r, "synchronous", (double)sync, "count");
	if (on_disk && strcasecmp(jm, "wal") != 0)
		strata__health_find(r, STRATA_HEALTH_WARNING, "journal_mode", jm,
				    "use WAL (PRAGMA journal_mode=WAL, Strata's default) so readers and a writer do "
				    "not block each other",
				    "journal mode is %s, not WAL", jm);
	else
		strata__health_find(r, STRATA_HEALTH_OK, "journal_mode", jm, NULL, "journal mode is %s", jm);
	/* foreign_keys and busy_timeout belong to a connection, not to the file: what is measured
	   here is what the URL (or Strata's default) gives every connection opened with it */
	if (!fk)
		strata__health_find(r, STRATA_HEALTH_WARNING, "foreign_keys_off", "",
				    "turn foreign keys on for every connection (PRAGMA foreign_keys=ON; drop "
				    "foreign_keys=off from the URL)",
				    "foreign keys are off for connections opened with this URL");
	if (busy < r->t.busy_timeout_min_ms)
		strata__health_find(r, STRATA_HEALTH_WARNING, "busy_timeout", "",
				    "set a busy timeout (the URL's busy_timeout=5000, Strata's default) so writers "
				    "wait instead of failing",
				    "busy timeout is %lld ms for connections opened with this URL (threshold %d ms)",
				    (long long)busy, r->t.busy_timeout_min_ms);
	strata__health_find(
		r, STRATA_HEALTH_OK, "connection_settings", "",
		"set foreign_keys=ON and a busy timeout in every program that opens the file",
		"foreign keys (%s) and the busy timeout (%lld ms) are settings of each connection, not of the "
		"file: these are what connections opened with this URL get",
		fk ? "on" : "off", (long long)busy);
	double ratio = pages > 0 ? (double)freelist / (double)pages : 0;
	strata__health_figure(r, "freelist_ratio", ratio, "ratio");
	if (pages >= 100 && ratio > r->t.freelist_ratio)
		strata__health_find(r, STRATA_HEALTH_WARNING, "freelist", "",
				    "reclaim the space with `strata optimize --vacuum`",
				    "%.0f%% of the file's pages are free (%lld of %lld, threshold %.0f%%)", ratio * 100,
				    (long long)freelist, (long long)pages, r->t.freelist_ratio * 100);
	strata__health_summary(r,
			       "the file: journal %s, %lld pages of %lld bytes; each connection through this URL: "
			       "foreign keys %s, busy timeout %lld ms",
			       jm, (long long)pages, (long long)page_size, fk ? "on" : "off", (long long)busy);
done:
	free(jm);
	free(file);
}

/* Sessions in `state` for longer than `ms`, one finding each. */
static void pg_sessions(strata__hrun *r, bool idle_in_tx, int ms)
{
	static const char active_sql[] =
		"SELECT pid, coalesce(usename, ''), coalesce(application_name, ''), "
		"extract(epoch FROM now() - query_start) * 1000, left(regexp_replace(query, '\\s+', ' ', 'g'), 80) "
		"FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND datname = "
		"current_database() "
		"AND backend_type = 'client backend' AND now() - query_start > ?::float8 * interval '1 millisecond' "
		"ORDER BY query_start";
	static const char idle_sql[] =
		"SELECT pid, coalesce(usename, ''), coalesce(application_name, ''), "
		"extract(epoch FROM now() - state_change) * 1000, left(regexp_replace(query, '\\s+', ' ', 'g'), 80) "
		"FROM pg_stat_activity WHERE state IN ('idle in transaction', 'idle in transaction (aborted)') "
		"AND pid <> pg_backend_pid() AND datname = current_database() AND now() - state_change > ?::float8 * "
		"interval '1 millisecond' "
		"ORDER BY state_change";
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, r->db, idle_in_tx ? idle_sql : active_sql);
	if (rc == STRATA_OK)
		rc = strata_bind_double(st, 1, (double)ms);
	int64_t n = 0;
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		char subject[64];
		snprintf(subject, sizeof subject, "pid %lld", (long long)strata__col_i64(st, 0));
		n++;
		if (idle_in_tx)
			strata__health_find(
				r, STRATA_HEALTH_WARNING, "idle_in_transaction", subject,
				"find the code that leaves transactions open (it holds locks and stops vacuum); "
				"set idle_in_transaction_session_timeout",
				"session %s (user %s, application '%s') has been idle in a transaction for %.0f s; "
				"last query: %s",
				subject, strata__col_str(st, 1), strata__col_str(st, 2), strata__col_dbl(st, 3) / 1000,
				strata__col_str(st, 4));
		else
			strata__health_find(
				r, STRATA_HEALTH_WARNING, "long_running_query", subject,
				"look at the query's plan (EXPLAIN), or cancel it with pg_cancel_backend(pid); "
				"set a statement_timeout",
				"session %s (user %s, application '%s') has run one query for %.0f s: %s", subject,
				strata__col_str(st, 1), strata__col_str(st, 2), strata__col_dbl(st, 3) / 1000,
				strata__col_str(st, 4));
	}
	if (rc != STRATA_DONE)
		strata__health_query_failed(r, idle_in_tx ? "listing idle transactions" : "listing long queries");
	strata_finalize(st);
	strata__health_figure(r, idle_in_tx ? "idle_in_transaction" : "long_running_queries", (double)n, "count");
}

static void pg_configuration(strata__hrun *r)
{
	int64_t used = 0, max = 0, timeout = 0, idle_timeout = 0, blocked = 0;
	if (strata_query_int64(r->db, &used,
			       "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'", NULL,
			       0) != STRATA_OK ||
	    strata_query_int64(r->db, &max, "SELECT current_setting('max_connections')::int", NULL, 0) != STRATA_OK ||
	    strata_query_int64(r->db, &timeout,
			       "SELECT setting::bigint FROM pg_settings WHERE name = 'statement_timeout'", NULL,
			       0) != STRATA_OK ||
	    strata_query_int64(
		    r->db, &idle_timeout,
		    "SELECT setting::bigint FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout'", NULL,
		    0) != STRATA_OK) {
		strata__health_query_failed(r, "reading the server settings");
		return;
	}
	strata__health_figure(r, "connections", (double)used, "count");
	strata__health_figure(r, "max_connections", (double)max, "count");
	strata__health_figure(r, "statement_timeout_ms", (double)timeout, "ms");
	strata__health_figure(r, "idle_in_transaction_session_timeout_ms", (double)idle_timeout, "ms");
	double ratio = max > 0 ? (double)used / (double)max : 0;
	strata__health_figure(r, "connections_used", ratio, "ratio");
	if (ratio >= 0.95)
		strata__health_find(r, STRATA_HEALTH_FAILURE, "connections", "",
				    "put a pool in front (strata_pool, pgbouncer) or raise max_connections",
				    "%lld of %lld connections are in use", (long long)used, (long long)max);
	else if (ratio > r->t.connections_used)
		strata__health_find(r, STRATA_HEALTH_WARNING, "connections", "",
				    "put a pool in front (strata_pool, pgbouncer) or raise max_connections",
				    "%lld of %lld connections are in use (threshold %.0f%%)", (long long)used,
				    (long long)max, r->t.connections_used * 100);
	pg_sessions(r, false, r->t.long_query_ms);
	pg_sessions(r, true, r->t.idle_in_transaction_ms);
	strata__check_long_transactions(r);

	strata_stmt *st = NULL;
	int rc = strata_prepare(
		&st, r->db,
		"SELECT pid, array_to_string(pg_blocking_pids(pid), ', '), "
		"extract(epoch FROM now() - coalesce(query_start, now())) * 1000, "
		"left(regexp_replace(query, '\\s+', ' ', 'g'), 80) "
		"FROM pg_stat_activity WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0");
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		char subject[64];
		snprintf(subject, sizeof subject, "pid %lld", (long long)strata__col_i64(st, 0));
		blocked++;
		strata__health_find(r, STRATA_HEALTH_WARNING, "blocked_query", subject,
				    "find what the blocking sessions hold (pg_locks) and keep transactions short",
				    "session %s has waited %.0f s, blocked by pid %s: %s", subject,
				    strata__col_dbl(st, 2) / 1000, strata__col_str(st, 1), strata__col_str(st, 3));
	}
	if (rc != STRATA_DONE)
		strata__health_query_failed(r, "listing blocked queries");
	strata_finalize(st);
	strata__health_figure(r, "blocked_queries", (double)blocked, "count");
	strata__health_summary(r, "%lld of %lld connections, statement_timeout %s", (long long)used, (long long)max,
			       timeout ? "set" : "off");
	if (r->check->level >= STRATA_HEALTH_WARNING) {
		size_t bad = 0;
		for (size_t k = 0; k < r->check->nfindings; k++)
			bad += r->check->findings[k].level >= STRATA_HEALTH_WARNING;
		strata__health_summary(r, "%lld of %lld connections, %zu problem%s", (long long)used, (long long)max,
				       bad, bad == 1 ? "" : "s");
	}
}

void strata__check_configuration(strata__hrun *r)
{
	if (r->backend == STRATA_BACKEND_SQLITE)
		sqlite_configuration(r);
	else
		pg_configuration(r);
}

/* ---- required data ---- */

/*
 * The file: queries separated by marker lines `-- name: TEXT`.  Each query
 * runs alone in a read-only transaction that is rolled back; it passes when
 * it returns at least one row.  Text before the first marker is ignored.
 */
typedef struct required_query {
	char *name;
	int line;
	char *sql;
} required_query;

static bool marker(const char *line, size_t len, const char **name, size_t *nlen)
{
	const char *p = line, *end = line + len;
	if (len < 3 || strncmp(p, "--", 2) != 0)
		return false;
	p += 2;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < 5 || strncasecmp(p, "name:", 5) != 0)
		return false;
	p += 5;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*name = p;
	*nlen = (size_t)(end - p);
	return true;
}

static void run_required(strata__hrun *r, const char *file, required_query *q)
{
	/* the query text without trailing whitespace and semicolons */
	size_t n = strlen(q->sql);
	while (n > 0 && strchr(" \t\r\n;", q->sql[n - 1]))
		q->sql[--n] = '\0';
	char subject[512];
	snprintf(subject, sizeof subject, "%s:%d", file, q->line);
	if (!n) {
		strata__health_find(r, STRATA_HEALTH_FAILURE, "required_empty", subject,
				    "write a query under the marker", "'%s' has no query", q->name);
		return;
	}
	strata_tx_options tx = STRATA_TX_OPTIONS_INIT;
	tx.read_only = true;
	strata_stmt *st = NULL;
	int rc = strata_begin(r->db, &tx);
	if (rc == STRATA_OK)
		rc = strata_prepare(&st, r->db, q->sql);
	if (rc == STRATA_OK)
		rc = strata_step(st);
	if (rc == STRATA_ROW)
		strata__health_find(r, STRATA_HEALTH_OK, "required", subject, NULL, "%s", q->name);
	else if (rc == STRATA_DONE)
		strata__health_find(r, STRATA_HEALTH_FAILURE, "required_missing", subject,
				    "add the data the application expects, or fix the query", "'%s' returned no rows",
				    q->name);
	else
		strata__health_find(r, STRATA_HEALTH_FAILURE, "required_error", subject, "fix the query",
				    "'%s' failed: %s", q->name, strata_error_last()->message);
	strata_finalize(st);
	if (strata_in_transaction(r->db)) {
		strata__error_saved saved;
		strata__error_save(&saved);
		strata_rollback(r->db);
		strata__error_restore(&saved);
	}
}

void strata__check_required(strata__hrun *r)
{
	const char *file = r->o.required_file;
	char *text = NULL;
	size_t len = 0;
	int rc = strata__read_file(file, &text, &len);
	if (rc == STRATA_ENOTFOUND) {
		strata__health_missing(r, r->named_required, "required-data file", file);
		return;
	}
	if (rc != STRATA_OK) {
		strata__health_query_failed(r, file);
		return;
	}
	required_query q = { NULL, 0, NULL };
	strata_buf sql = STRATA_BUF_INIT;
	int line = 0, count = 0, passed = 0;
	for (const char *p = text; p < text + len;) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
		const char *name;
		size_t nlen;
		line++;
		if (marker(p, ll, &name, &nlen)) {
			if (q.name) {
				q.sql = (char *)strata__buf_cstr(&sql);
				run_required(r, file, &q);
				count++;
				passed += r->check->nfindings &&
					  r->check->findings[r->check->nfindings - 1].level == STRATA_HEALTH_OK;
				free(q.name);
			}
			strata__buf_clear(&sql);
			q.name = strndup(name, nlen);
			q.line = line;
			if (!q.name) {
				r->oom = true;
				break;
			}
		} else if (q.name) {
			if (strata__buf_append(&sql, p, ll) != STRATA_OK || strata__buf_putc(&sql, '\n') != STRATA_OK) {
				r->oom = true;
				break;
			}
		}
		p = nl ? nl + 1 : text + len;
	}
	if (q.name && !r->oom) {
		if (!sql.ptr && strata__buf_puts(&sql, "") != STRATA_OK)
			r->oom = true;
		else {
			q.sql = sql.ptr;
			run_required(r, file, &q);
			count++;
			passed += r->check->nfindings &&
				  r->check->findings[r->check->nfindings - 1].level == STRATA_HEALTH_OK;
		}
	}
	free(q.name);
	strata__buf_free(&sql);
	free(text);
	strata__health_figure(r, "queries", count, "count");
	strata__health_figure(r, "passed", passed, "count");
	if (!count)
		strata__health_find(r, STRATA_HEALTH_WARNING, "required_none", file,
				    "start each query with a line `-- name: what it checks`",
				    "%s holds no `-- name:` queries", file);
	else
		strata__health_summary(r, "%d of %d queries from %s returned rows", passed, count, file);
}
