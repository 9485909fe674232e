/*
 * Connections: open from a URL with options, close, observe statements
 * (hook, echo, slow-query log).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "core/url.h"
#include "db/internal.h"

int strata_backend_prepare(strata_backend backend)
{
	switch (backend) {
	case STRATA_BACKEND_SQLITE: return STRATA_OK;
	case STRATA_BACKEND_POSTGRES: return strata__postgres_prepare();
	}
	return strata__error_set(STRATA_EINVAL, "unknown backend %d", (int)backend);
}

int64_t strata__monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int env_int(const char *name, int *out)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return STRATA_OK;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n < 0 || n > 1000000000)
		return strata__error_set(STRATA_EINVAL, "environment variable %s must be a whole number, not '%s'",
					 name, v);
	*out = (int)n;
	return STRATA_OK;
}

int strata_open_options_from_env(strata_open_options *opts)
{
	if (!opts)
		return strata__error_set(STRATA_EINVAL, "strata_open_options_from_env: opts is NULL");
	const char *echo = getenv("DB_ECHO");
	if (echo && *echo) {
		int b = strata__parse_bool(echo);
		if (b < 0)
			return strata__error_set(STRATA_EINVAL,
						 "environment variable DB_ECHO must be true or false, not '%s'", echo);
		opts->echo = b ? STRATA_ON : STRATA_OFF;
	}
	if (env_int("DB_SLOW_QUERY_MS", &opts->slow_query_ms) ||
	    env_int("DB_STATEMENT_TIMEOUT_MS", &opts->statement_timeout_ms))
		return STRATA_EINVAL;
	return strata__qstats_options_from_env(opts);
}

/* An integer URL parameter, checked. */
static int url_int(const strata__url *u, const char *key, int *out)
{
	const char *v = strata__url_param(u, key);
	if (!v)
		return STRATA_OK;
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < -1 || n > 1000000000)
		return strata__error_set(STRATA_EINVAL, "URL parameter %s must be a whole number, not '%s'", key, v);
	*out = (int)n;
	return STRATA_OK;
}

static int url_bool(const strata__url *u, const char *key, int *out)
{
	const char *v = strata__url_param(u, key);
	if (!v)
		return STRATA_OK;
	int b = strata__parse_bool(v);
	if (b < 0)
		return strata__error_set(STRATA_EINVAL, "URL parameter %s must be true or false, not '%s'", key, v);
	*out = b;
	return STRATA_OK;
}

/*
 * The driver found the server behind a transaction-mode pooler (a named
 * statement missing or already there) and went unnamed.  Said once per
 * connection, or per pool for a pool's connections.
 */
static void pooler_found(void *ud)
{
	strata_db *db = ud;
	db->pooler_switched = true;
	db->pgbouncer = true; /* no more session settings (src/db/actor.c) */
	if (__atomic_exchange_n(db->pooler_warned, 1, __ATOMIC_ACQ_REL))
		return;
	strata__log(db->log, db->log_ud, STRATA_LOG_WARN,
		    "%s is behind a transaction-mode pooler (pgbouncer): a prepared statement did not outlive "
		    "its transaction, so Strata now sends unnamed statements; add ?pgbouncer=true to the URL to "
		    "start that way",
		    db->url_redacted);
}

void strata__db_use_unnamed(strata_db *db)
{
	db->pgbouncer = true;
	if (db->drv->use_unnamed)
		db->drv->use_unnamed(db->conn);
}

int strata_open(strata_db **out, const char *url, const strata_open_options *opts)
{
	return strata__db_open(out, url, opts, false);
}

int strata__db_open(strata_db **out, const char *url, const strata_open_options *opts, bool async)
{
	static const strata_open_options defaults = STRATA_OPEN_OPTIONS_INIT;
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_open: out is NULL");
	*out = NULL;
	strata_open_options from_env = defaults;
	if (!opts) {
		/* no options: the defaults with what the environment says (DB_ECHO, ...) */
		if (strata_open_options_from_env(&from_env) != STRATA_OK)
			return STRATA_EINVAL;
		opts = &from_env;
	}
	if (opts->version != STRATA_OPEN_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL,
					 "strata_open: options version %u is not %d (use STRATA_OPEN_OPTIONS_INIT)",
					 opts->version, STRATA_OPEN_OPTIONS_VERSION);
	/* no URL: DATABASE_URL, from the environment or .env */
	char *resolved = url ? NULL : strata_url_resolve(NULL);
	if (!url && !resolved)
		return strata_error_last()->status;
	if (!url)
		url = resolved;
	strata__url u;
	int rc = strata__url_parse(&u, url);
	if (rc != STRATA_OK) {
		free(resolved);
		return rc;
	}
	if (async && u.backend != STRATA_BACKEND_POSTGRES) {
		rc = strata__error_set(
			STRATA_EUNSUPPORTED,
			"strata_open_async: SQLite has no non-blocking interface; run its calls on a worker "
			"thread that reports to the event loop (docs/async.md)");
		goto out;
	}

	/* defaults, then the URL, then explicit options */
	strata__conn_config cfg = { 5000, NULL, NULL, 1, 10, false, NULL, NULL };
	/* a pooler's host name (Neon's -pooler) says pgbouncer mode unless the URL says otherwise */
	int stmt_timeout = 0, cache = 64, fk = 1, pgb = u.backend == STRATA_BACKEND_POSTGRES && u.pooler_host;
	if ((rc = url_int(&u, "busy_timeout", &cfg.busy_timeout_ms)) ||
	    (rc = url_int(&u, "statement_timeout", &stmt_timeout)) ||
	    (rc = url_int(&u, "statement_cache_size", &cache)) || (rc = url_bool(&u, "foreign_keys", &fk)) ||
	    (rc = url_bool(&u, "pgbouncer", &pgb)))
		goto out;
	cfg.journal_mode = strata__url_param(&u, "journal_mode");
	cfg.synchronous = strata__url_param(&u, "synchronous");
	if (opts->busy_timeout_ms)
		cfg.busy_timeout_ms = opts->busy_timeout_ms;
	if (opts->journal_mode)
		cfg.journal_mode = opts->journal_mode;
	if (opts->synchronous)
		cfg.synchronous = opts->synchronous;
	if (opts->foreign_keys)
		fk = opts->foreign_keys == STRATA_ON;
	cfg.foreign_keys = fk;
	if (opts->connect_timeout_s)
		cfg.connect_timeout_s = opts->connect_timeout_s;
	if (opts->pgbouncer)
		pgb = opts->pgbouncer == STRATA_ON;
	cfg.pgbouncer = pgb;
	if (opts->statement_timeout_ms)
		stmt_timeout = opts->statement_timeout_ms;
	if (opts->stmt_cache_size)
		cache = opts->stmt_cache_size;

	strata_db *db = calloc(1, sizeof *db);
	if (!db) {
		rc = strata__error_nomem();
		goto out;
	}
	db->drv = u.backend == STRATA_BACKEND_SQLITE ? &strata__sqlite_driver : &strata__postgres_driver;
	db->url_redacted = strata_url_redact(url);
	if (!db->url_redacted) {
		free(db);
		rc = strata__error_nomem();
		goto out;
	}
	db->timeout_ms = stmt_timeout > 0 ? stmt_timeout : 0;
	db->pgbouncer = pgb;
	db->echo = opts->echo == STRATA_ON;
	db->slow_query_ms = opts->slow_query_ms;
	db->log = opts->log;
	db->log_ud = opts->log_ud;
	db->hook = opts->hook;
	db->hook_ud = opts->hook_ud;
	db->cache_cap = cache > 0 ? cache : 0;
	if (opts->query_stats == STRATA_ON &&
	    (rc = strata__qstats_new(&db->qstats, opts->n_plus_one ? opts->n_plus_one : 10, db->log, db->log_ud)) !=
		    STRATA_OK) {
		free(db->url_redacted);
		free(db);
		goto out;
	}
	db->async = async;
	db->pooler_warned = &db->pooler_warned_own;
	cfg.on_pooler = pooler_found;
	cfg.on_pooler_ud = db;
	if (async)
		db->connect_deadline_us = strata__monotonic_us() + (int64_t)cfg.connect_timeout_s * 1000000;
	rc = async ? db->drv->open_async(&db->conn, &u, &cfg) : db->drv->open(&db->conn, &u, &cfg);
	if (rc != STRATA_OK) {
		strata__qstats_free(db->qstats);
		free(db->url_redacted);
		free(db);
		goto out;
	}
	*out = db;
out:
	strata__url_free(&u);
	free(resolved);
	return rc;
}

void strata_close(strata_db *db)
{
	if (!db)
		return;
	if (db->drv->closing)
		db->drv->closing(db->conn);
	strata__stmt_cache_clear(db);
	free(db->buckets);
	db->drv->close(db->conn);
	strata__qstats_free(db->qstats);
	free(db->url_redacted);
	free(db->actor);
	free(db->tx_actor);
	free(db);
}

strata_backend strata_db_backend(const strata_db *db)
{
	return db ? db->drv->backend : (strata_backend)0;
}

const char *strata_db_url(const strata_db *db)
{
	return db ? db->url_redacted : "";
}

const char *strata_db_server_version(const strata_db *db)
{
	return db ? db->drv->server_version(db->conn) : "";
}

void strata_db_set_hook(strata_db *db, strata_query_hook hook, void *ud)
{
	if (!db)
		return;
	db->hook = hook;
	db->hook_ud = ud;
}

void strata_db_set_timeout(strata_db *db, int timeout_ms)
{
	if (db)
		db->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
}

int64_t strata_changes(const strata_db *db)
{
	return db ? db->drv->changes(db->conn) : 0;
}

bool strata_in_transaction(const strata_db *db)
{
	return db && db->tx_depth > 0;
}

bool strata_db_is_broken(const strata_db *db)
{
	return db && (db->async_dead || db->drv->is_broken(db->conn));
}

int strata_ping(strata_db *db)
{
	if (!db)
		return strata__error_set(STRATA_EINVAL, "strata_ping: db is NULL");
	int64_t t0 = strata__db_timing(db) ? strata__monotonic_ns() : 0;
	int rc = db->drv->ping(db->conn);
	if (t0)
		strata__db_observe(db, "SELECT 1", NULL, t0, 1, rc);
	return rc;
}

/* The slow-query line names the query's fingerprint, so a log can be grouped by it. */
static void log_slow(strata_db *db, const char *sql, strata__qentry *e, int64_t dur_ns)
{
	uint64_t id = strata__qentry_id(e);
	if (!e) {
		strata__error_saved saved;
		strata_buf fp = STRATA_BUF_INIT;
		strata__error_save(&saved);
		if (strata__fingerprint(sql, &fp, &id) != STRATA_OK)
			id = 0;
		strata__buf_free(&fp);
		strata__error_restore(&saved);
	}
	strata__log(db->log, db->log_ud, STRATA_LOG_WARN, "slow query (%.1f ms, fingerprint %016llx): %.200s",
		    (double)dur_ns / 1e6, (unsigned long long)id, sql);
}

void strata__db_observe(strata_db *db, const char *sql, strata__qentry **qslot, int64_t started_ns, int64_t rows,
			int status)
{
	int64_t dur = strata__monotonic_ns() - started_ns;
	bool ok = status == STRATA_ROW || status == STRATA_DONE || status == STRATA_OK;
	strata__qentry *e = NULL;
	if (db->qstats && ((qslot && (e = *qslot)) || (e = strata__qstats_entry(db->qstats, sql, qslot))))
		strata__qstats_record(db->qstats, e, (uint64_t)dur, rows, !ok, db->tx_depth > 0);
	if (db->echo)
		strata__log(db->log, db->log_ud, STRATA_LOG_INFO, "%s [%lld rows, %.3f ms]", sql, (long long)rows,
			    (double)dur / 1e6);
	if (db->slow_query_ms > 0 && dur >= (int64_t)db->slow_query_ms * 1000000)
		log_slow(db, sql, e, dur);
	if (db->hook) {
		strata_query_info info = { sql, dur / 1000, rows, ok ? STRATA_OK : status };
		db->hook(&info, db->hook_ud);
	}
}

int strata_exec(strata_db *db, const char *sql)
{
	if (!db || !sql)
		return strata__error_set(STRATA_EINVAL, "strata_exec: %s is NULL", db ? "sql" : "db");
	int64_t t0 = strata__db_timing(db) ? strata__monotonic_ns() : 0;
	int64_t deadline = db->timeout_ms ? strata__monotonic_us() + (int64_t)db->timeout_ms * 1000 : 0;
	int rc = db->drv->exec(db->conn, sql, deadline);
	if (t0)
		strata__db_observe(db, sql, NULL, t0, db->drv->changes(db->conn), rc);
	return rc;
}
