/*
 * The connection pool.  One mutex guards the pool's bookkeeping; nothing
 * slow (connecting, pinging, rolling back, resetting, closing) happens
 * while it is held.  There is no background thread: lifetimes, idle
 * timeouts and leaks are checked whenever a thread acquires, releases or
 * asks for the numbers.
 *
 * A connection is in exactly one of three places: an idle slot (on the idle
 * stack), in use (handed out, or being checked by the pool with the lock
 * released), or being opened (counted in `npending`, not yet in a slot).
 * `nopen + npending` never exceeds `size + max_overflow`.
 *
 * A pool with read replicas is the primary's pool plus a sub-pool per
 * replica (src/pool/replica.c): each is a strata_pool of its own, created
 * with the primary's settings, whose connections are released through the
 * primary's pool and which are freed together with it.
 *
 * Why this file is over 1,000 lines: everything that reads or writes the
 * pool's bookkeeping under its mutex is here (open, acquire, release,
 * reaping, metrics), so the invariants above can be checked in one place.
 * The pieces that need no lock are elsewhere (session.c, replica.c); the
 * next to move out is the per-request session (transact and read routing,
 * about 170 lines), which only calls acquire and release.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <strata/pool.h>

#include "core/env.h"
#include "core/error.h"
#include "core/log.h"
#include "core/url.h"
#include "db/internal.h"
#include "pool/internal.h"

#undef strata_pool_acquire

/* Session state a PostgreSQL connection must not carry to its next user. */
static const char pg_reset_sql[] = "SET SESSION AUTHORIZATION DEFAULT; RESET ALL; SET TimeZone TO 'UTC'; "
				   "SET DateStyle TO 'ISO, YMD'; CLOSE ALL; UNLISTEN *; "
				   "SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES";

#define MAX_LEAK_REPORTS 8

typedef struct pool_conn {
	strata_pool *pool;
	strata_db *db;
	int slot;
	int64_t created_us;
	int64_t expires_us;  /* 0: never */
	int64_t returned_us; /* when it last became idle */
	int64_t acquired_us;
	const char *file; /* acquire site (a string literal: __FILE__) */
	int line;
	bool in_use;
	bool leak_reported;
	bool dirty;	 /* SQL may have changed session state */
	bool replace;	 /* session state cannot be reset in place */
	bool resetting;	 /* the pool's own reset is running */
	bool query_only; /* SQLite: PRAGMA query_only is on (strata_begin's read-only transactions) */
	int timeout_ms;	 /* the statement timeout it was opened with */
	strata_query_hook user_hook;
	void *user_hook_ud;
	struct pool_conn *next_doomed;
} pool_conn;

typedef struct leak_report {
	const char *file;
	int line;
	int64_t held_ms;
} leak_report;

struct strata_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;	  /* a connection came back, a slot freed, or the pool is closing */
	pthread_mutex_t write_mu; /* SQLite files: one writer at a time inside the process */
	char *url;
	strata_open_options open;
	strata_backend backend;
	bool sqlite_file;
	bool memory;
	strata_log_fn log;
	void *log_ud;

	/* settings, resolved (negative: off) */
	int size, max_overflow, timeout_ms, recycle_ms, jitter_pct, idle_timeout_ms, pre_ping_ms, leak_ms;
	bool lifo;

	pool_conn **slots; /* cap entries; NULL where free */
	int cap;
	pool_conn **idle; /* the idle stack: idle[nidle - 1] was returned last */
	int nidle;
	int nopen;    /* filled slots */
	int npending; /* connections being opened */
	int nbusy;    /* in use */
	int nwaiting;
	bool closing;
	int64_t fail_epoch_us; /* idle connections opened before this are dead */
	int pooler_found;      /* atomic: a connection found a transaction-mode pooler: all go unnamed */
	int64_t next_leak_scan_us;
	int64_t next_reap_us;
	uint64_t rng;

	uint64_t acquires, timeouts, leaks, discarded, opened, recycled, idle_closed, overflow_closed, rolled_back;
	strata__pool_hist waits;
	strata__qgroup *qgroup; /* per-query statistics of every connection; NULL: off */
	bool qgroup_borrowed;	/* a replica's sub-pool: qgroup is the primary pool's */

	/* read replicas */
	strata__replicas *rs; /* the primary's pool: its replicas, or NULL */
	int rs_busy;	      /* replica connections handed out through this pool */
	strata_pool *parent;  /* a replica's sub-pool: the primary's pool */
	int replica_index;
};

/* ---- small helpers ---- */

static uint64_t next_random(strata_pool *p)
{
	/* xorshift64*, seeded from getrandom(); called with the lock held */
	uint64_t x = p->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	p->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void pool_log(strata_pool *p, strata_log_level level, const char *fmt, const char *file, int line, int64_t ms)
{
	strata__log(p->log, p->log_ud, level, fmt, file ? file : "(unknown)", line, (long long)ms);
}

/* Tracks the SQL each connection runs, then calls the user's hook. */
static void pool_hook(const strata_query_info *info, void *ud)
{
	pool_conn *c = ud;
	/* read-only transactions on SQLite turn query_only on and off again (also
	 * in the pool's own rollback): only a connection left with it on needs a reset */
	bool on = info->sql && strcasecmp(info->sql, "PRAGMA query_only = ON") == 0;
	if (on || (info->sql && strcasecmp(info->sql, "PRAGMA query_only = OFF") == 0)) {
		if (info->status == STRATA_OK)
			c->query_only = on;
	} else if (!c->resetting && info->sql) {
		if (!c->dirty && strata__pool_sql_changes_session(info->sql))
			c->dirty = true;
		if (c->dirty && !c->replace && strata__pool_sql_needs_replace(info->sql))
			c->replace = true;
	}
	if (c->user_hook)
		c->user_hook(info, c->user_hook_ud);
}

static int64_t lifetime_end(strata_pool *p, int64_t now)
{
	if (p->recycle_ms < 0)
		return 0;
	int64_t life = (int64_t)p->recycle_ms * 1000;
	if (p->jitter_pct > 0 && life > 0) {
		int64_t span = life * p->jitter_pct / 100;
		if (span > 0)
			life -= (int64_t)(next_random(p) % (uint64_t)(span + 1));
	}
	return now + life;
}

/* Take `c` out of its slot; the caller closes it after unlocking. */
static void unslot(strata_pool *p, pool_conn *c)
{
	p->slots[c->slot] = NULL;
	p->nopen--;
}

static void remove_idle_at(strata_pool *p, int i)
{
	memmove(&p->idle[i], &p->idle[i + 1], (size_t)(p->nidle - i - 1) * sizeof *p->idle);
	p->nidle--;
}

static void close_conn(pool_conn *c)
{
	if (!c)
		return;
	strata_close(c->db);
	free(c);
}

/* A list of connections to close once the lock is released. */
typedef struct doomed {
	pool_conn *head;
} doomed;

static void doom(doomed *d, pool_conn *c)
{
	c->next_doomed = d->head;
	d->head = c;
}

static void close_doomed(doomed *d)
{
	while (d->head) {
		pool_conn *c = d->head;
		d->head = c->next_doomed;
		close_conn(c);
	}
}

/*
 * A connection-level failure at `now`: the server probably restarted, so
 * every idle connection opened before it goes.  Lock held.
 */
static int note_failure(strata_pool *p, int64_t now, doomed *d)
{
	int n = 0;
	if (now > p->fail_epoch_us)
		p->fail_epoch_us = now;
	for (int i = p->nidle - 1; i >= 0; i--) {
		pool_conn *c = p->idle[i];
		if (c->created_us <= p->fail_epoch_us) {
			remove_idle_at(p, i);
			unslot(p, c);
			p->discarded++;
			doom(d, c);
			n++;
		}
	}
	return n;
}

/*
 * True (and counted) when idle connection `c` must be closed rather than
 * handed out: past its lifetime or idle timeout, or opened before a
 * failure.  Lock held.
 */
static bool idle_expired(strata_pool *p, pool_conn *c, int64_t now)
{
	if (c->expires_us && now >= c->expires_us)
		p->recycled++;
	else if (p->idle_timeout_ms >= 0 && now - c->returned_us >= (int64_t)p->idle_timeout_ms * 1000)
		p->idle_closed++;
	else if (c->created_us <= p->fail_epoch_us)
		p->discarded++;
	else
		return false;
	return true;
}

/*
 * Close idle connections past their lifetime or idle timeout.  The scan
 * runs at most every few milliseconds (a connection about to be handed
 * out is checked on its own).  Lock held.
 */
static void reap_idle(strata_pool *p, int64_t now, doomed *d)
{
	if (now < p->next_reap_us)
		return;
	int64_t step = 1000000;
	if (p->idle_timeout_ms >= 0 && (int64_t)p->idle_timeout_ms * 250 < step)
		step = (int64_t)p->idle_timeout_ms * 250;
	if (p->recycle_ms >= 0 && (int64_t)p->recycle_ms * 250 < step)
		step = (int64_t)p->recycle_ms * 250;
	p->next_reap_us = now + (step > 1000 ? step : 1000);
	for (int i = 0; i < p->nidle;) {
		pool_conn *c = p->idle[i];
		if (!idle_expired(p, c, now)) {
			i++;
			continue;
		}
		remove_idle_at(p, i);
		unslot(p, c);
		doom(d, c);
	}
}

/* Note connections held past the leak threshold, up to `room` of them.  Lock held. */
static int scan_leaks(strata_pool *p, int64_t now, bool force, leak_report *out, int room)
{
	if (p->leak_ms < 0 || room <= 0 || (!force && now < p->next_leak_scan_us))
		return 0;
	int64_t limit = (int64_t)p->leak_ms * 1000;
	int64_t step = limit / 4 < 1000000 ? limit / 4 : 1000000;
	p->next_leak_scan_us = now + (step > 1000 ? step : 1000);
	int n = 0;
	for (int i = 0; i < p->cap && n < room; i++) {
		pool_conn *c = p->slots[i];
		if (!c || !c->in_use || c->leak_reported || now - c->acquired_us < limit)
			continue;
		c->leak_reported = true;
		p->leaks++;
		out[n].file = c->file;
		out[n].line = c->line;
		out[n].held_ms = (now - c->acquired_us) / 1000;
		n++;
	}
	if (n == room)
		p->next_leak_scan_us = now; /* more may be waiting */
	return n;
}

static void report_leaks(strata_pool *p, const leak_report *r, int n)
{
	for (int i = 0; i < n; i++)
		pool_log(p, STRATA_LOG_WARN,
			 "pool: connection acquired at %s:%d has been held for %lld ms (leak threshold reached; "
			 "is a strata_pool_release missing?)",
			 r[i].file, r[i].line, r[i].held_ms);
}

static void lock(strata_pool *p)
{
	pthread_mutex_lock(&p->mu);
}

static void unlock(strata_pool *p)
{
	pthread_mutex_unlock(&p->mu);
}

/* ---- options ---- */

static int env_seconds(const char *name, int *out, bool allow_bool)
{
	const char *v = getenv(name);
	if (!v || !*v || *out)
		return STRATA_OK;
	if (allow_bool) {
		int b = strata__parse_bool(v);
		if (b == 0) {
			*out = -1;
			return STRATA_OK;
		}
		if (b == 1 && strcmp(v, "1") != 0)
			return STRATA_OK; /* "true": the default threshold */
	}
	char *end;
	errno = 0;
	double s = strtod(v, &end);
	if (errno || *end || end == v || s > 2000000.0 || s < -1.0)
		return strata__error_set(STRATA_EINVAL, "environment variable %s must be a number of seconds, not '%s'",
					 name, v);
	if (s < 0) {
		*out = -1;
		return STRATA_OK;
	}
	int ms = (int)(s * 1000.0 + 0.5);
	*out = ms > 0 ? ms : -1; /* 0 seconds: off (or "do not wait") */
	return STRATA_OK;
}

static int env_count(const char *name, int *out, int min)
{
	const char *v = getenv(name);
	if (!v || !*v || *out)
		return STRATA_OK;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > 100000)
		return strata__error_set(STRATA_EINVAL,
					 "environment variable %s must be a whole number from %d, not '%s'", name, min,
					 v);
	*out = n == 0 ? -1 : (int)n;
	return STRATA_OK;
}

int strata_pool_options_from_env(strata_pool_options *opts)
{
	if (!opts)
		return strata__error_set(STRATA_EINVAL, "strata_pool_options_from_env: opts is NULL");
	if (env_count("DB_POOL_SIZE", &opts->size, 1) || env_count("DB_MAX_OVERFLOW", &opts->max_overflow, 0) ||
	    env_seconds("DB_POOL_TIMEOUT", &opts->timeout_ms, false) ||
	    env_seconds("DB_POOL_RECYCLE", &opts->recycle_ms, false) ||
	    env_seconds("DB_POOL_IDLE_TIMEOUT", &opts->idle_timeout_ms, false) ||
	    env_seconds("DB_POOL_PRE_PING", &opts->pre_ping_ms, true) ||
	    env_seconds("DB_POOL_LEAK_THRESHOLD", &opts->leak_threshold_ms, false))
		return STRATA_EINVAL;
	if (opts->version >= 2 && (env_seconds("DB_REPLICA_MAX_LAG", &opts->replica_max_lag_ms, false) ||
				   env_seconds("DB_REPLICA_WAIT", &opts->replica_wait_ms, false) ||
				   env_seconds("DB_REPLICA_CHECK_INTERVAL", &opts->replica_check_ms, false)))
		return STRATA_EINVAL;
	const char *lifo = getenv("DB_POOL_LIFO");
	if (lifo && *lifo && !opts->lifo) {
		int b = strata__parse_bool(lifo);
		if (b < 0)
			return strata__error_set(STRATA_EINVAL,
						 "environment variable DB_POOL_LIFO must be true or false, not '%s'",
						 lifo);
		opts->lifo = b ? STRATA_ON : STRATA_OFF;
	}
	return STRATA_OK;
}

static int pick(int v, int def)
{
	return v == 0 ? def : v;
}

/* ---- opening and closing ---- */

static void free_pool(strata_pool *p)
{
	strata__replicas_free(p->rs);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->write_mu);
	free(p->slots);
	free(p->idle);
	free(p->url);
	if (!p->qgroup_borrowed)
		strata__qgroup_free(p->qgroup);
	free(p);
}

/* Open one connection for the pool.  No lock held. */
static int open_conn(strata_pool *p, pool_conn **out)
{
	*out = NULL;
	pool_conn *c = calloc(1, sizeof *c);
	if (!c)
		return strata__error_nomem();
	c->pool = p;
	c->user_hook = p->open.hook;
	c->user_hook_ud = p->open.hook_ud;
	strata_open_options o = p->open;
	o.hook = pool_hook;
	o.hook_ud = c;
	int rc = strata_open(&c->db, p->url, &o);
	if (rc != STRATA_OK) {
		free(c);
		return rc;
	}
	c->timeout_ms = c->db->timeout_ms;
	c->db->pooler_warned = &p->pooler_found; /* one warning for the pool */
	if (p->qgroup && c->db->qstats)
		strata__qgroup_join(p->qgroup, c->db->qstats);
	*out = c;
	return STRATA_OK;
}

/*
 * A pool with `settings` (sizes, lifetimes, open options, log) over `url`,
 * which it takes over (freed with the pool, or here on failure).  Nothing
 * is opened.  Returns NULL when out of memory (the error is set).
 */
static strata_pool *pool_alloc(const strata_pool *settings, char *url)
{
	strata_pool *p = calloc(1, sizeof *p);
	if (!p)
		goto nomem;
	*p = *settings;
	p->url = url;
	p->slots = calloc((size_t)p->cap, sizeof *p->slots);
	p->idle = calloc((size_t)p->cap, sizeof *p->idle);
	/* a sub-pool arrives with its primary's statistics; a primary makes its own */
	if (!p->qgroup && p->open.query_stats == STRATA_ON && strata__qgroup_new(&p->qgroup) != STRATA_OK)
		p->qgroup = NULL;
	if (!p->slots || !p->idle || (p->open.query_stats == STRATA_ON && !p->qgroup)) {
		free(p->slots);
		free(p->idle);
		if (!p->qgroup_borrowed)
			strata__qgroup_free(p->qgroup);
		free(p);
		goto nomem;
	}
	if (getrandom(&p->rng, sizeof p->rng, GRND_NONBLOCK) != sizeof p->rng || p->rng == 0)
		p->rng = (uint64_t)strata__monotonic_us() | 1;

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&p->write_mu, NULL);
	return p;
nomem:
	free(url);
	strata__error_nomem();
	return NULL;
}

int strata__pool_new_sub(strata_pool *parent, const char *url, int index, strata_pool **out)
{
	strata_pool settings = { 0 };
	settings.open = parent->open;
	settings.backend = STRATA_BACKEND_POSTGRES;
	settings.log = parent->log;
	settings.log_ud = parent->log_ud;
	settings.size = parent->size;
	settings.max_overflow = parent->max_overflow;
	settings.timeout_ms = parent->timeout_ms;
	settings.recycle_ms = parent->recycle_ms;
	settings.jitter_pct = parent->jitter_pct;
	settings.idle_timeout_ms = parent->idle_timeout_ms;
	settings.pre_ping_ms = parent->pre_ping_ms;
	settings.leak_ms = parent->leak_ms;
	settings.lifo = parent->lifo;
	settings.cap = parent->cap;
	settings.parent = parent;
	settings.replica_index = index;
	/* its queries count in the primary pool's statistics */
	settings.qgroup = parent->qgroup;
	settings.qgroup_borrowed = parent->qgroup != NULL;
	char *copy = strata__strdup(url);
	if (!copy)
		return strata__error_nomem();
	*out = pool_alloc(&settings, copy);
	return *out ? STRATA_OK : STRATA_ENOMEM;
}

const char *strata__pool_url(const strata_pool *p)
{
	return p->url;
}

void strata__pool_log_handler(const strata_pool *p, strata_log_fn *fn, void **ud)
{
	*fn = p->log;
	*ud = p->log_ud;
}

/* The replica URLs: the option, else $DATABASE_REPLICA_URLS, else .env's. */
static int replica_urls(const strata_pool_options *o, char **out, const char **source)
{
	*out = NULL;
	if (o->replica_urls) {
		*source = "the replica_urls option";
		if (!*o->replica_urls)
			return STRATA_OK;
		*out = strata__strdup(o->replica_urls);
		return *out ? STRATA_OK : strata__error_nomem();
	}
	*source = "DATABASE_REPLICA_URLS";
	return strata__env_value("DATABASE_REPLICA_URLS", out);
}

int strata_pool_open(strata_pool **out, const char *url, const strata_pool_options *opts)
{
	static const strata_pool_options defaults = STRATA_POOL_OPTIONS_INIT;
	static const strata_open_options open_defaults = STRATA_OPEN_OPTIONS_INIT;
	int rc = STRATA_OK;
	strata_pool *p = NULL;
	char *resolved = NULL, *replicas = NULL;
	const char *replicas_from = NULL;
	strata__url u;
	bool have_url = false;

	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_pool_open: out is NULL");
	*out = NULL;
	if (!opts)
		opts = &defaults;
	strata_pool_options o = defaults;
	if (opts->version == 1)
		memcpy(&o, opts, offsetof(strata_pool_options, replica_urls)); /* before the replica fields */
	else if (opts->version == STRATA_POOL_OPTIONS_VERSION)
		o = *opts;
	else
		return strata__error_set(
			STRATA_EINVAL, "strata_pool_open: options version %u is not %d (use STRATA_POOL_OPTIONS_INIT)",
			opts->version, STRATA_POOL_OPTIONS_VERSION);
	o.version = STRATA_POOL_OPTIONS_VERSION;
	if ((rc = strata_pool_options_from_env(&o)) != STRATA_OK)
		return rc;
	if (o.size < 0 || o.size > 100000 || o.max_overflow > 100000)
		return strata__error_set(STRATA_EINVAL,
					 "strata_pool_open: size must be 1 to 100000 and max_overflow at most 100000");

	if (o.open && o.open->version != STRATA_OPEN_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "strata_pool_open: open options version %u is not %d",
					 o.open->version, STRATA_OPEN_OPTIONS_VERSION);
	resolved = strata_url_resolve(url);
	if (!resolved)
		return strata_error_last()->status;
	if ((rc = strata__url_parse(&u, resolved)) != STRATA_OK)
		goto fail;
	have_url = true;
	if ((rc = replica_urls(&o, &replicas, &replicas_from)) != STRATA_OK)
		goto fail;
	if (replicas && u.backend != STRATA_BACKEND_POSTGRES) {
		rc = strata__error_set(STRATA_EINVAL,
				       "%s names read replicas, but the database is SQLite, which has none (replicas "
				       "are PostgreSQL streaming replicas); leave it empty",
				       replicas_from);
		goto fail;
	}

	strata_pool settings = { 0 };
	settings.open = o.open ? *o.open : open_defaults;
	if (!o.open && (rc = strata_open_options_from_env(&settings.open)) != STRATA_OK)
		goto fail; /* no open options: the environment's, as strata_open(url, NULL) */
	if (settings.open.query_stats == STRATA_DEFAULT) {
		/* DB_QUERY_STATS and DB_N_PLUS_ONE, unless the open options decide */
		strata_open_options env = settings.open;
		if ((rc = strata__qstats_options_from_env(&env)) != STRATA_OK)
			goto fail;
		settings.open.query_stats = env.query_stats;
		if (!settings.open.n_plus_one)
			settings.open.n_plus_one = env.n_plus_one;
	}
	settings.backend = u.backend;
	settings.memory = u.memory;
	settings.sqlite_file = u.backend == STRATA_BACKEND_SQLITE && !u.memory;
	settings.log = settings.open.log;
	settings.log_ud = settings.open.log_ud;
	settings.size = pick(o.size, 5);
	settings.max_overflow = pick(o.max_overflow, 10);
	settings.timeout_ms = pick(o.timeout_ms, 30000);
	settings.recycle_ms = pick(o.recycle_ms, 1800000);
	settings.jitter_pct = pick(o.recycle_jitter_pct, 10);
	if (settings.jitter_pct > 100)
		settings.jitter_pct = 100;
	settings.idle_timeout_ms = pick(o.idle_timeout_ms, 600000);
	settings.pre_ping_ms = pick(o.pre_ping_ms, 1000);
	settings.leak_ms = pick(o.leak_threshold_ms, 60000);
	settings.lifo = o.lifo != STRATA_OFF;
	if (settings.max_overflow < 0)
		settings.max_overflow = 0;
	if (settings.memory) {
		/* every connection to :memory: is its own database: share one */
		settings.size = 1;
		settings.max_overflow = 0;
		settings.recycle_ms = -1;
		settings.idle_timeout_ms = -1;
	}
	settings.cap = settings.size + settings.max_overflow;
	p = pool_alloc(&settings, resolved);
	resolved = NULL;
	if (!p) {
		rc = STRATA_ENOMEM;
		goto fail;
	}

	/* one connection now, so a bad URL or a dead server fails here */
	pool_conn *c;
	if ((rc = open_conn(p, &c)) != STRATA_OK) {
		free_pool(p);
		p = NULL;
		goto fail;
	}
	int64_t now = strata__monotonic_us();
	c->created_us = c->returned_us = now;
	c->expires_us = lifetime_end(p, now);
	c->slot = 0;
	p->slots[0] = c;
	p->nopen = 1;
	p->opened = 1;
	p->idle[p->nidle++] = c;
	if (replicas && (rc = strata__replicas_open(p, replicas, replicas_from, &o, &p->open, &p->rs)) != STRATA_OK) {
		strata_pool_close(p);
		goto fail;
	}
	*out = p;
	strata__url_free(&u);
	free(replicas);
	return STRATA_OK;

fail:
	if (have_url)
		strata__url_free(&u);
	free(resolved);
	free(replicas);
	return rc;
}

void strata_pool_close(strata_pool *p)
{
	if (!p)
		return;
	doomed d = { NULL };
	leak_report r[MAX_LEAK_REPORTS];
	int nleak = 0;
	int64_t now = strata__monotonic_us();
	strata_log_fn log = p->log;
	void *log_ud = p->log_ud;

	/* the monitor stops and the replicas close first; their sub-pools stay
	 * allocated until this pool is freed */
	strata__replicas_close(p->rs);
	lock(p);
	p->closing = true;
	pthread_cond_broadcast(&p->cv);
	while (p->nwaiting > 0 || p->npending > 0)
		pthread_cond_wait(&p->cv, &p->mu);
	/* what is still held will not come back in time: report it */
	for (int i = 0; i < p->cap; i++) {
		pool_conn *c = p->slots[i];
		if (!c || !c->in_use || c->leak_reported)
			continue;
		c->leak_reported = true;
		p->leaks++;
		if (nleak < MAX_LEAK_REPORTS) {
			r[nleak].file = c->file;
			r[nleak].line = c->line;
			r[nleak].held_ms = (now - c->acquired_us) / 1000;
			nleak++;
		}
	}
	while (p->nidle > 0) {
		pool_conn *c = p->idle[--p->nidle];
		unslot(p, c);
		doom(&d, c);
	}
	bool last = p->nbusy == 0 && p->rs_busy == 0;
	unlock(p);
	/* from here on `p` may be freed by the last release */
	close_doomed(&d);
	for (int i = 0; i < nleak; i++)
		strata__log(
			log, log_ud, STRATA_LOG_WARN,
			"pool: closed while the connection acquired at %s:%d was still held (%lld ms); it is closed "
			"when released",
			r[i].file ? r[i].file : "(unknown)", r[i].line, (long long)r[i].held_ms);
	if (last)
		free_pool(p);
}

/* ---- acquire ---- */

static void record_wait(strata_pool *p, int64_t start)
{
	strata__pool_hist_add(&p->waits, strata__monotonic_us() - start);
}

int strata_pool_acquire_at(strata_pool *p, strata_db **out, int timeout_ms, const char *file, int line)
{
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_pool_acquire: out is NULL");
	*out = NULL;
	if (!p)
		return strata__error_set(STRATA_EINVAL, "strata_pool_acquire: pool is NULL");

	int rc = STRATA_OK;
	int64_t start = strata__monotonic_us();
	doomed d = { NULL };
	leak_report leaks[MAX_LEAK_REPORTS];
	int nleaks = 0;
	pool_conn *got = NULL;
	bool server_failed = false; /* a replica's sub-pool tells the replica set */

	lock(p);
	int tmo = timeout_ms == 0 ? p->timeout_ms : timeout_ms;
	int64_t deadline = tmo > 0 ? start + (int64_t)tmo * 1000 : start;
	for (;;) {
		if (p->closing) {
			rc = strata__error_set(STRATA_EMISUSE, "strata_pool_acquire: the pool is closing");
			break;
		}
		int64_t now = strata__monotonic_us();
		reap_idle(p, now, &d);
		nleaks += scan_leaks(p, now, false, leaks + nleaks, MAX_LEAK_REPORTS - nleaks);
		if (p->nidle > 0) {
			pool_conn *c;
			if (p->lifo) {
				c = p->idle[--p->nidle];
			} else {
				c = p->idle[0];
				remove_idle_at(p, 0);
			}
			if (idle_expired(p, c, now)) {
				unslot(p, c);
				doom(&d, c);
				continue;
			}
			c->in_use = true;
			p->nbusy++;
			if (p->pre_ping_ms >= 0 && now - c->returned_us >= (int64_t)p->pre_ping_ms * 1000) {
				unlock(p);
				strata__error_saved saved;
				strata__error_save(&saved);
				int prc = strata_ping(c->db);
				strata__error_restore(&saved);
				lock(p);
				if (prc != STRATA_OK) {
					c->in_use = false;
					p->nbusy--;
					unslot(p, c);
					p->discarded++;
					doom(&d, c);
					note_failure(p, strata__monotonic_us(), &d);
					pthread_cond_signal(&p->cv);
					server_failed = true;
					continue;
				}
			}
			got = c;
			break;
		}
		if (p->nopen + p->npending < p->cap) {
			p->npending++;
			unlock(p);
			close_doomed(&d);
			pool_conn *c = NULL;
			rc = open_conn(p, &c);
			lock(p);
			p->npending--;
			if (rc != STRATA_OK) {
				if (rc == STRATA_ECONNECT || rc == STRATA_EAUTH) {
					note_failure(p, strata__monotonic_us(), &d);
					server_failed = true;
				}
				pthread_cond_broadcast(&p->cv);
				break;
			}
			int64_t t = strata__monotonic_us();
			c->created_us = c->returned_us = t;
			c->expires_us = lifetime_end(p, t);
			for (int i = 0; i < p->cap; i++) {
				if (!p->slots[i]) {
					c->slot = i;
					p->slots[i] = c;
					break;
				}
			}
			p->nopen++;
			p->opened++;
			c->in_use = true;
			p->nbusy++;
			if (p->closing) {
				/* closed while we were connecting: give it straight back */
				c->in_use = false;
				p->nbusy--;
				unslot(p, c);
				doom(&d, c);
				pthread_cond_broadcast(&p->cv);
				continue;
			}
			got = c;
			break;
		}
		if (now >= deadline) {
			p->timeouts++;
			record_wait(p, start);
			if (tmo > 0)
				rc = strata__error_set(
					STRATA_ETIMEOUT,
					"pool: no connection came back within %d ms (size %d + overflow %d, all in "
					"use; %d waiting)",
					tmo, p->size, p->max_overflow, p->nwaiting);
			else
				rc = strata__error_set(STRATA_ETIMEOUT,
						       "pool: every connection is in use (size %d + overflow %d)",
						       p->size, p->max_overflow);
			break;
		}
		struct timespec ts = { (time_t)(deadline / 1000000), (long)(deadline % 1000000) * 1000 };
		p->nwaiting++;
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
		p->nwaiting--;
		if (p->closing && p->nwaiting == 0)
			pthread_cond_broadcast(&p->cv); /* strata_pool_close waits for us */
	}
	if (got) {
		if (__atomic_load_n(&p->pooler_found, __ATOMIC_ACQUIRE))
			strata__db_use_unnamed(got->db);
		got->acquired_us = strata__monotonic_us();
		got->file = file;
		got->line = line;
		got->leak_reported = false;
		p->acquires++;
		strata__pool_hist_add(&p->waits, got->acquired_us - start);
		*out = got->db;
	}
	unlock(p);
	close_doomed(&d);
	report_leaks(p, leaks, nleaks);
	if (server_failed && p->parent)
		strata__replicas_failed(p->parent->rs, p->replica_index,
					rc != STRATA_OK ? strata_error_last()->message
							: "a connection failed its ping");
	return rc;
}

int(strata_pool_acquire)(strata_pool *pool, strata_db **out)
{
	return strata_pool_acquire_at(pool, out, 0, NULL, 0);
}

/* ---- release ---- */

static pool_conn *find_in_use(strata_pool *p, const strata_db *db)
{
	for (int i = 0; i < p->cap; i++) {
		pool_conn *c = p->slots[i];
		if (c && c->db == db && c->in_use)
			return c;
	}
	return NULL;
}

/*
 * Make the connection fit for its next user: roll back, reset session
 * state.  No lock held; the connection is still marked in use.  Returns
 * false when it must be closed; *conn_failed says the failure was the
 * connection's (the server may have gone away).
 */
static bool make_clean(strata_pool *p, pool_conn *c, bool *conn_failed, bool *rolled_back)
{
	strata_db *db = c->db;
	bool ok = true;
	bool saved_err = false;
	strata__error_saved saved;

	*conn_failed = false;
	*rolled_back = false;
	if (strata_db_is_broken(db)) {
		*conn_failed = true;
		return false;
	}
	/* client-side state set through the API */
	if (db->hook != pool_hook || db->hook_ud != c) {
		c->dirty = true;
		strata_db_set_hook(db, pool_hook, c);
	}
	if (db->timeout_ms != c->timeout_ms)
		strata_db_set_timeout(db, c->timeout_ms);

	if (strata_in_transaction(db)) {
		strata__error_save(&saved);
		saved_err = true;
		*rolled_back = true;
		pool_log(p, STRATA_LOG_WARN,
			 "pool: connection acquired at %s:%d was returned inside a transaction "
			 "(held %lld ms); rolled back",
			 c->file, c->line, (strata__monotonic_us() - c->acquired_us) / 1000);
		c->resetting = true;
		while (strata_in_transaction(db))
			if (strata_rollback(db) != STRATA_OK) {
				ok = false;
				break;
			}
		c->resetting = false;
	}
	/* an actor set on the connection was its holder's, never the next one's */
	if (ok && strata_db_actor(db)) {
		if (!saved_err) {
			strata__error_save(&saved);
			saved_err = true;
		}
		ok = strata_db_set_actor(db, NULL) == STRATA_OK;
	}
	if (c->query_only)
		c->dirty = true;
	if (ok && c->dirty) {
		if (c->replace || (p->sqlite_file && !p->memory)) {
			/* SQLite: a new connection is the complete reset, and cheap */
			ok = false;
		} else if (p->backend == STRATA_BACKEND_POSTGRES) {
			if (!saved_err) {
				strata__error_save(&saved);
				saved_err = true;
			}
			c->resetting = true;
			if (strata_exec(db, pg_reset_sql) != STRATA_OK)
				ok = false;
			c->resetting = false;
		}
		c->dirty = c->replace = c->query_only = false;
	}
	if (!ok && strata_db_is_broken(db))
		*conn_failed = true;
	if (saved_err)
		strata__error_restore(&saved);
	return ok;
}

bool strata__pool_holds(strata_pool *sub, const strata_db *db)
{
	lock(sub);
	bool found = find_in_use(sub, db) != NULL;
	unlock(sub);
	return found;
}

static int release_in(strata_pool *p, pool_conn *c);

int strata_pool_release(strata_pool *p, strata_db *db)
{
	if (!db)
		return STRATA_OK;
	if (!p)
		return strata__error_set(STRATA_EINVAL, "strata_pool_release: pool is NULL");

	lock(p);
	pool_conn *c = find_in_use(p, db);
	unlock(p);
	if (c)
		return release_in(p, c);
	strata_pool *sub = p->rs ? strata__replicas_owner(p->rs, db) : NULL;
	if (!sub)
		return strata__error_set(STRATA_EINVAL,
					 "strata_pool_release: this connection is not in use from this pool");
	lock(sub);
	c = find_in_use(sub, db);
	unlock(sub);
	if (!c)
		return strata__error_set(STRATA_EINVAL,
					 "strata_pool_release: this connection is not in use from this pool");
	int rc = release_in(sub, c);
	/* the primary's pool outlives its replicas' connections */
	lock(p);
	p->rs_busy--;
	bool last = p->closing && p->nbusy == 0 && p->npending == 0 && p->rs_busy == 0;
	unlock(p);
	if (last)
		free_pool(p);
	return rc;
}

/* Give back connection `c` of pool `p` (a primary's pool or a replica's sub-pool). */
static int release_in(strata_pool *p, pool_conn *c)
{
	doomed d = { NULL };
	leak_report leaks[MAX_LEAK_REPORTS];
	int nleaks = 0;
	bool conn_failed, rolled_back;
	bool keep = make_clean(p, c, &conn_failed, &rolled_back);
	int64_t now = strata__monotonic_us();
	int also_closed = -1;

	lock(p);
	c->in_use = false;
	p->nbusy--;
	if (rolled_back)
		p->rolled_back++;
	if (!keep || c->created_us <= p->fail_epoch_us) {
		unslot(p, c);
		p->discarded++;
		doom(&d, c);
		if (conn_failed)
			also_closed = note_failure(p, now, &d);
	} else if (p->closing) {
		unslot(p, c);
		doom(&d, c);
	} else if (c->expires_us && now >= c->expires_us) {
		unslot(p, c);
		p->recycled++;
		doom(&d, c);
	} else if (p->nopen > p->size && p->nidle >= p->size) {
		/* beyond `size` and the idle set is full: an overflow connection */
		unslot(p, c);
		p->overflow_closed++;
		doom(&d, c);
	} else {
		reap_idle(p, now, &d);
		c->returned_us = now;
		p->idle[p->nidle++] = c;
	}
	if (!p->closing)
		nleaks = scan_leaks(p, now, false, leaks, MAX_LEAK_REPORTS);
	/* a sub-pool is freed with its parent */
	bool last = p->closing && p->nbusy == 0 && p->npending == 0 && p->rs_busy == 0 && !p->parent;
	strata_log_fn log = p->log;
	void *log_ud = p->log_ud;
	if (p->nwaiting > 0)
		pthread_cond_signal(&p->cv);
	unlock(p);
	close_doomed(&d);
	report_leaks(p, leaks, nleaks);
	if (also_closed >= 0) {
		if (p->parent)
			strata__replicas_failed(p->parent->rs, p->replica_index, "a connection was returned broken");
		else
			strata__log(
				log, log_ud, STRATA_LOG_WARN,
				"pool: a connection was returned broken (the server may have restarted); closed it and "
				"%d idle connection%s opened before the failure",
				also_closed, also_closed == 1 ? "" : "s");
	}
	if (last)
		free_pool(p);
	return STRATA_OK;
}

void strata__pool_discard_idle(strata_pool *sub)
{
	doomed d = { NULL };
	lock(sub);
	note_failure(sub, strata__monotonic_us(), &d);
	unlock(sub);
	close_doomed(&d);
}

void strata__pool_close_sub(strata_pool *sub)
{
	doomed d = { NULL };
	lock(sub);
	sub->closing = true;
	pthread_cond_broadcast(&sub->cv);
	while (sub->nwaiting > 0 || sub->npending > 0)
		pthread_cond_wait(&sub->cv, &sub->mu);
	while (sub->nidle > 0) {
		pool_conn *c = sub->idle[--sub->nidle];
		unslot(sub, c);
		doom(&d, c);
	}
	unlock(sub);
	close_doomed(&d);
}

void strata__pool_free_sub(strata_pool *sub)
{
	if (sub)
		free_pool(sub);
}

/* ---- the per-request session ---- */

typedef struct tx_call {
	strata_tx_fn fn;
	void *arg;
	bool started;
} tx_call;

static int tx_trampoline(strata_db *db, void *arg)
{
	tx_call *t = arg;
	t->started = true;
	return t->fn(db, t->arg);
}

/*
 * A read connection: a replica's when one will do (counted by the replica
 * set), else the primary's.  *on_replica says which.
 */
static int acquire_read(strata_pool *p, strata_db **out, uint64_t lsn, int timeout_ms, const char *file, int line,
			bool *on_replica)
{
	*on_replica = false;
	if (p->rs) {
		strata_pool *sub;
		lock(p);
		bool closing = p->closing;
		if (!closing)
			p->rs_busy++; /* keeps the pool alive until the connection comes back */
		unlock(p);
		if (closing)
			return strata__error_set(STRATA_EMISUSE, "strata_pool_acquire: the pool is closing");
		int rc = strata__replicas_acquire(p->rs, lsn, timeout_ms, file, line, out, &sub);
		if (rc == STRATA_OK) {
			*on_replica = true;
			return STRATA_OK;
		}
		lock(p);
		p->rs_busy--;
		bool last = p->closing && p->nbusy == 0 && p->npending == 0 && p->rs_busy == 0;
		unlock(p);
		if (last)
			free_pool(p); /* closed meanwhile, and this was the last connection out */
		if (rc != STRATA_ENOTFOUND)
			return rc;
		if (last)
			return strata__error_set(STRATA_EMISUSE, "strata_pool_acquire: the pool is closing");
	}
	return strata_pool_acquire_at(p, out, timeout_ms, file, line);
}

int strata_pool_acquire_read_at(strata_pool *p, strata_db **out, const strata_pool_token *token, int timeout_ms,
				const char *file, int line)
{
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_pool_acquire_read: out is NULL");
	*out = NULL;
	if (!p)
		return strata__error_set(STRATA_EINVAL, "strata_pool_acquire_read: pool is NULL");
	bool on_replica;
	uint64_t lsn = token ? __atomic_load_n(&token->lsn, __ATOMIC_ACQUIRE) : 0;
	return acquire_read(p, out, lsn, timeout_ms, file, line, &on_replica);
}

/* Raise the token to at least `lsn`. */
static void token_raise(strata_pool_token *token, uint64_t lsn)
{
	uint64_t old = __atomic_load_n(&token->lsn, __ATOMIC_RELAXED);
	while (old < lsn &&
	       !__atomic_compare_exchange_n(&token->lsn, &old, lsn, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

int strata_pool_token_update(strata_db *db, strata_pool_token *token)
{
	if (!db || !token)
		return strata__error_set(STRATA_EINVAL, "strata_pool_token_update: %s is NULL", db ? "token" : "db");
	if (strata_db_backend(db) != STRATA_BACKEND_POSTGRES)
		return STRATA_OK;
	uint64_t lsn;
	int rc = strata__wal_insert_lsn(db, &lsn);
	if (rc == STRATA_OK)
		token_raise(token, lsn);
	return rc;
}

/*
 * After a write committed: raise the token to where the primary's WAL is
 * now.  When `db` cannot tell (it broke right after the commit), another
 * primary connection can; when none can, the token says "primary only".
 */
static void record_write(strata_pool *p, strata_db *db, strata_pool_token *token)
{
	strata__error_saved saved;
	strata__error_save(&saved);
	uint64_t lsn;
	int rc = strata__wal_insert_lsn(db, &lsn);
	if (rc != STRATA_OK) {
		strata_db *other = NULL;
		if (strata_pool_acquire_at(p, &other, 0, __FILE__, __LINE__) == STRATA_OK) {
			rc = strata__wal_insert_lsn(other, &lsn);
			strata_pool_release(p, other);
		}
	}
	if (rc != STRATA_OK) {
		lsn = UINT64_MAX;
		strata__log(p->log, p->log_ud, STRATA_LOG_WARN,
			    "pool: a write committed but the primary's WAL position could not be read (%s); its "
			    "read-your-writes token now sends reads to the primary",
			    strata_error_last()->message);
	}
	token_raise(token, lsn);
	strata__error_restore(&saved);
}

int strata_pool_transact_token(strata_pool *p, strata_pool_token *token, strata_tx_fn fn, void *arg,
			       const strata_tx_options *opts)
{
	if (!p || !fn)
		return strata__error_set(STRATA_EINVAL, "strata_pool_transact: %s is NULL", p ? "fn" : "pool");
	tx_call t = { fn, arg, false };
	bool read_only = opts && opts->read_only;
	bool writer = p->sqlite_file && !read_only;
	/* a standby cannot run SERIALIZABLE transactions */
	bool route = read_only && p->rs && opts->isolation != STRATA_ISOLATION_SERIALIZABLE;
	bool record = token && !read_only && p->backend == STRATA_BACKEND_POSTGRES;
	bool fresh_tried = false;
	int rc;
	for (;;) {
		strata_db *db;
		bool on_replica = false;
		if (route)
			rc = acquire_read(p, &db, token ? __atomic_load_n(&token->lsn, __ATOMIC_ACQUIRE) : 0, 0,
					  __FILE__, __LINE__, &on_replica);
		else
			rc = strata_pool_acquire_at(p, &db, 0, __FILE__, __LINE__);
		if (rc != STRATA_OK)
			return rc;
		if (writer)
			pthread_mutex_lock(&p->write_mu);
		t.started = false;
		rc = strata_transact(db, tx_trampoline, &t, opts);
		if (writer)
			pthread_mutex_unlock(&p->write_mu);
		bool dead = rc == STRATA_ECONNECT && strata_db_is_broken(db);
		if (rc == STRATA_OK && record)
			record_write(p, db, token);
		strata_pool_release(p, db);
		if (dead && on_replica) {
			/* the replica failed (and was taken out): a read is safe to run again, on the primary */
			strata__replicas_count_retry(p->rs);
			route = false;
			continue;
		}
		/* a connection that died before `fn` ran: nothing happened, try a fresh one */
		if (!(dead && !t.started && !fresh_tried))
			return rc;
		fresh_tried = true;
	}
}

int strata_pool_transact(strata_pool *p, strata_tx_fn fn, void *arg, const strata_tx_options *opts)
{
	return strata_pool_transact_token(p, NULL, fn, arg, opts);
}

/* ---- metrics ---- */

int strata_pool_stats(strata_pool *p, strata_pool_metrics *out)
{
	if (!p || !out)
		return strata__error_set(STRATA_EINVAL, "strata_pool_stats: %s is NULL", p ? "out" : "pool");
	if (out->version != STRATA_POOL_METRICS_VERSION && out->version != 1)
		return strata__error_set(STRATA_EINVAL, "strata_pool_stats: metrics version %u is not %d", out->version,
					 STRATA_POOL_METRICS_VERSION);
	if (out->version == 1) {
		/* an older caller's struct ends before the replica fields */
		strata_pool_metrics full = STRATA_POOL_METRICS_INIT;
		int rc = strata_pool_stats(p, &full);
		full.version = 1;
		if (rc == STRATA_OK)
			memcpy(out, &full, offsetof(strata_pool_metrics, replicas));
		return rc;
	}
	leak_report leaks[MAX_LEAK_REPORTS];
	lock(p);
	int nleaks = scan_leaks(p, strata__monotonic_us(), true, leaks, MAX_LEAK_REPORTS);
	out->open = p->nopen;
	out->idle = p->nidle;
	out->in_use = p->nbusy;
	out->overflow_in_use = p->nbusy > p->size ? p->nbusy - p->size : 0;
	out->waiting = p->nwaiting;
	out->size = p->size;
	out->max_overflow = p->max_overflow;
	out->acquires = p->acquires;
	out->timeouts = p->timeouts;
	out->leaks = p->leaks;
	out->discarded = p->discarded;
	out->opened = p->opened;
	out->recycled = p->recycled;
	out->idle_closed = p->idle_closed;
	out->overflow_closed = p->overflow_closed;
	out->rolled_back = p->rolled_back;
	out->wait_p50_us = strata__pool_hist_quantile(&p->waits, 0.50);
	out->wait_p95_us = strata__pool_hist_quantile(&p->waits, 0.95);
	out->wait_p99_us = strata__pool_hist_quantile(&p->waits, 0.99);
	out->wait_max_us = p->waits.max_us;
	unlock(p);
	report_leaks(p, leaks, nleaks);
	if (p->rs)
		strata__replicas_stats(p->rs, out);
	return STRATA_OK;
}

/* ---- per-query statistics ---- */

int strata_pool_query_stats(strata_pool *p, strata_query_stats **out)
{
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_pool_query_stats: out is NULL");
	*out = NULL;
	if (!p)
		return strata__error_set(STRATA_EINVAL, "strata_pool_query_stats: pool is NULL");
	if (!p->qgroup)
		return strata__error_set(STRATA_EMISUSE,
					 "query statistics are off for this pool (set DB_QUERY_STATS=true "
					 "or the query_stats field of its open options)");
	return strata__qgroup_snapshot(p->qgroup, out);
}

void strata_pool_query_stats_reset(strata_pool *p)
{
	if (p && p->qgroup)
		strata__qgroup_reset(p->qgroup);
}

int strata_pool_replica_stats(strata_pool *p, int index, strata_pool_replica_metrics *out)
{
	if (!p || !out)
		return strata__error_set(STRATA_EINVAL, "strata_pool_replica_stats: %s is NULL", p ? "out" : "pool");
	if (out->version != STRATA_POOL_REPLICA_METRICS_VERSION)
		return strata__error_set(STRATA_EINVAL, "strata_pool_replica_stats: metrics version %u is not %d",
					 out->version, STRATA_POOL_REPLICA_METRICS_VERSION);
	if (!p->rs)
		return strata__error_set(STRATA_ERANGE, "strata_pool_replica_stats: the pool has no replicas");
	return strata__replicas_replica_stats(p->rs, index, out);
}
