/*
 * Read replicas: a sub-pool per replica, the monitor thread that checks
 * them, and the routing of reads (read-your-writes tokens included).
 *
 * The monitor holds one connection to the primary and one to each replica
 * of its own (outside the sub-pools).  Every `check_ms` it samples the
 * primary's flushed WAL position, then asks each replica whether it is in
 * recovery and how far it has replayed.  Lag in bytes is the primary's
 * position minus the replica's; lag in time is how long ago the primary
 * was first seen past the replica's position (so an idle primary does not
 * look like a lagging replica, and no clocks are compared).  A replica that
 * cannot be reached is taken out and retried with doubling backoff (up to
 * 30 check intervals, at most 30 s); a request that sees one fail takes it
 * out at once.
 *
 * Locking: `mu` guards the states and counters; the monitor's connections
 * belong to the monitor thread alone; nothing slow runs under `mu`.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <strata/pool.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/log.h"
#include "core/url.h"
#include "driver/driver.h"
#include "pool/internal.h"

#define NSAMPLES 256
/* a replica taken out is retried after one check interval, doubling up to 30 intervals (at most 30 s) */
#define MAX_BACKOFF_US	   (30 * 1000000LL)
#define MAX_BACKOFF_CHECKS 30

static const char replica_status_sql[] =
	"SELECT pg_is_in_recovery(), COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, -1)";
static const char replay_sql[] = "SELECT COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, -1)";
static const char flush_sql[] = "SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint";
static const char insert_sql[] = "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint";

typedef struct replica {
	strata_pool *sub;
	char *url;   /* with its password: the monitor connects with it */
	char *shown; /* redacted */
	strata_replica_state state;
	int64_t since_us;    /* in this state since */
	int64_t retry_at_us; /* DOWN: the monitor tries again from then */
	int64_t backoff_us;
	uint64_t replay_lsn;
	int64_t lag_bytes, lag_ms;
	uint64_t checks, taken_out, brought_back;
	char last_error[256];
	strata_db *mon; /* the monitor's connection (monitor thread only) */
} replica;

typedef struct lsn_sample {
	int64_t t_us;
	uint64_t lsn;
} lsn_sample;

struct strata__replicas {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* wakes the monitor when the pool closes */
	replica *r;
	int n;
	int max_lag_ms, wait_ms, check_ms;
	strata_open_options mon_open;
	strata_log_fn log;
	void *log_ud;
	char *primary_url;
	strata_db *mon_primary; /* monitor thread only */
	bool primary_known;	/* the last sample succeeded */
	uint64_t primary_lsn;
	lsn_sample samples[NSAMPLES]; /* a ring, oldest first from `first` */
	int first, nsamples;
	unsigned int rr; /* round robin among usable replicas */
	bool stop, started;
	pthread_t thread;
	uint64_t reads_replica, reads_primary, ryw_replica, ryw_waited, ryw_primary, retries;
};

const char *strata_replica_state_name(strata_replica_state state)
{
	switch (state) {
	case STRATA_REPLICA_UNKNOWN: return "unknown";
	case STRATA_REPLICA_UP: return "up";
	case STRATA_REPLICA_LAGGING: return "lagging";
	case STRATA_REPLICA_DOWN: return "down";
	case STRATA_REPLICA_NOT_STANDBY: return "not_standby";
	}
	return "unknown";
}

/* ---- WAL positions ---- */

static int query_lsn(strata_db *db, const char *sql, int64_t *out)
{
	return strata_query_int64(db, out, sql, NULL, 0);
}

int strata__wal_insert_lsn(strata_db *db, uint64_t *out)
{
	int64_t v = 0;
	int rc = query_lsn(db, insert_sql, &v);
	*out = rc == STRATA_OK && v > 0 ? (uint64_t)v : 0;
	return rc;
}

/* ---- URL lists ---- */

/* True when `p` starts a URL: letters, digits, + - . then "://", or sqlite: (sqlite3:). */
static bool starts_url(const char *p)
{
	if (strncasecmp(p, "sqlite:", 7) == 0 || strncasecmp(p, "sqlite3:", 8) == 0)
		return true;
	const char *q = p;
	while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '+' ||
	       *q == '-' || *q == '.')
		q++;
	return q > p && strncmp(q, "://", 3) == 0;
}

int strata__split_urls(const char *list, int (*fn)(const char *url, int n, void *ud), void *ud)
{
	char *copy = strata__strdup(list);
	if (!copy)
		return strata__error_nomem();
	int rc = STRATA_OK, n = 0;
	char *p = copy;
	while (rc == STRATA_OK && *p) {
		char *end = p;
		for (;;) {
			end = strchr(end, ',');
			if (!end) {
				end = p + strlen(p);
				break;
			}
			const char *next = end + 1;
			while (*next == ' ' || *next == '\t')
				next++;
			if (!*next || *next == ',' || starts_url(next))
				break;
			end++;
		}
		bool last = !*end;
		*end = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n' || p[len - 1] == '\r'))
			p[--len] = '\0';
		if (len > 0)
			rc = fn(p, ++n, ud);
		p = last ? end : end + 1;
	}
	free(copy);
	return rc;
}

/* ---- state changes (lock held) ---- */

typedef struct note {
	strata_log_level level;
	char text[600];
} note;

static bool usable(const replica *r)
{
	return r->state == STRATA_REPLICA_UP;
}

/* Move `r` to `state`; fill `msg` with what to log (after unlocking), or leave it empty. */
static void set_state(replica *r, strata_replica_state state, int64_t now, note *msg)
{
	msg->text[0] = '\0';
	if (r->state == state)
		return;
	bool was = usable(r), unknown = r->state == STRATA_REPLICA_UNKNOWN;
	r->state = state;
	r->since_us = now;
	if (was && !usable(r))
		r->taken_out++;
	if (!was && usable(r) && !unknown)
		r->brought_back++;
	switch (state) {
	case STRATA_REPLICA_UP:
		if (!unknown) {
			msg->level = STRATA_LOG_INFO;
			snprintf(msg->text, sizeof msg->text, "pool: replica %s serves reads again", r->shown);
		}
		break;
	case STRATA_REPLICA_LAGGING:
		msg->level = STRATA_LOG_WARN;
		snprintf(msg->text, sizeof msg->text,
			 "pool: replica %s is %lld ms behind the primary (more than replica_max_lag_ms); its reads go "
			 "elsewhere until it catches up",
			 r->shown, (long long)r->lag_ms);
		break;
	case STRATA_REPLICA_DOWN:
		msg->level = STRATA_LOG_WARN;
		snprintf(msg->text, sizeof msg->text,
			 "pool: replica %s taken out (%s); its reads go elsewhere, retrying in %lld ms", r->shown,
			 r->last_error, (long long)(r->backoff_us / 1000));
		break;
	case STRATA_REPLICA_NOT_STANDBY:
		snprintf(r->last_error, sizeof r->last_error, "not in recovery: promoted, or not a replica");
		msg->level = STRATA_LOG_WARN;
		snprintf(
			msg->text, sizeof msg->text,
			"pool: replica %s is not a standby (pg_is_in_recovery() is false: promoted, or not a replica); "
			"it serves no reads",
			r->shown);
		break;
	case STRATA_REPLICA_UNKNOWN: break;
	}
}

static void go_down(strata__replicas *rs, replica *r, const char *why, int64_t now, note *msg)
{
	int64_t first = (int64_t)rs->check_ms * 1000;
	int64_t most = first * MAX_BACKOFF_CHECKS < MAX_BACKOFF_US ? first * MAX_BACKOFF_CHECKS : MAX_BACKOFF_US;
	if (r->state != STRATA_REPLICA_DOWN)
		r->backoff_us = first;
	else
		r->backoff_us = r->backoff_us * 2 < most ? r->backoff_us * 2 : most;
	if (r->backoff_us < first)
		r->backoff_us = first;
	r->retry_at_us = now + r->backoff_us;
	snprintf(r->last_error, sizeof r->last_error, "%s", why && *why ? why : "unknown failure");
	r->lag_bytes = r->lag_ms = -1;
	set_state(r, STRATA_REPLICA_DOWN, now, msg);
}

static void say(strata__replicas *rs, const note *msg)
{
	if (msg->text[0])
		strata__log(rs->log, rs->log_ud, msg->level, "%s", msg->text);
}

/* How long ago the primary was first seen past `replay` (lock held); -1: no samples. */
static int64_t lag_from_samples(const strata__replicas *rs, uint64_t replay, int64_t now)
{
	if (rs->nsamples == 0)
		return -1;
	for (int k = 0; k < rs->nsamples; k++) {
		const lsn_sample *s = &rs->samples[(rs->first + k) % NSAMPLES];
		if (s->lsn > replay)
			return (now - s->t_us) / 1000;
	}
	return 0;
}

/* ---- the monitor ---- */

static void close_mon(strata_db **db)
{
	strata_close(*db);
	*db = NULL;
}

/* Sample the primary's flushed WAL position (monitor thread). */
static void sample_primary(strata__replicas *rs)
{
	int64_t lsn = -1;
	int rc = STRATA_OK;
	if (!rs->mon_primary)
		rc = strata_open(&rs->mon_primary, rs->primary_url, &rs->mon_open);
	if (rc == STRATA_OK)
		rc = query_lsn(rs->mon_primary, flush_sql, &lsn);
	if (rc != STRATA_OK && rs->mon_primary && strata_db_is_broken(rs->mon_primary))
		close_mon(&rs->mon_primary);
	int64_t now = strata__monotonic_us();
	pthread_mutex_lock(&rs->mu);
	rs->primary_known = rc == STRATA_OK && lsn >= 0;
	if (rs->primary_known) {
		rs->primary_lsn = (uint64_t)lsn;
		/* keep the first sample at each position: that is when the primary got there */
		const lsn_sample *last = rs->nsamples ? &rs->samples[(rs->first + rs->nsamples - 1) % NSAMPLES] : NULL;
		if (!last || last->lsn != (uint64_t)lsn) {
			if (rs->nsamples == NSAMPLES) {
				rs->first = (rs->first + 1) % NSAMPLES;
				rs->nsamples--;
			}
			lsn_sample *s = &rs->samples[(rs->first + rs->nsamples) % NSAMPLES];
			s->t_us = now;
			s->lsn = (uint64_t)lsn;
			rs->nsamples++;
		}
	}
	pthread_mutex_unlock(&rs->mu);
}

/* Check replica `i` once (monitor thread; the lock is not held). */
static void check_replica(strata__replicas *rs, int i)
{
	replica *r = &rs->r[i];
	int64_t now = strata__monotonic_us();
	pthread_mutex_lock(&rs->mu);
	bool wait = r->state == STRATA_REPLICA_DOWN && now < r->retry_at_us;
	pthread_mutex_unlock(&rs->mu);
	if (wait)
		return;

	int rc = STRATA_OK;
	bool in_recovery = false;
	int64_t replay = -1;
	strata_stmt *st = NULL;
	if (!r->mon)
		rc = strata_open(&r->mon, r->url, &rs->mon_open);
	if (rc == STRATA_OK)
		rc = strata_prepare(&st, r->mon, replica_status_sql);
	if (rc == STRATA_OK) {
		rc = strata_step(st);
		if (rc == STRATA_ROW)
			rc = strata_column_bool(st, 0, &in_recovery) != STRATA_OK ||
					     strata_column_int64(st, 1, &replay) != STRATA_OK
				     ? strata_error_last()->status
				     : STRATA_OK;
		else if (rc == STRATA_DONE)
			rc = strata__error_set(STRATA_ERROR, "the status query returned no row");
	}
	strata_finalize(st);
	char why[256] = "";
	if (rc != STRATA_OK) {
		snprintf(why, sizeof why, "%s", strata_error_last()->message);
		if (r->mon)
			close_mon(&r->mon);
	}

	note msg = { STRATA_LOG_INFO, "" };
	bool discard = false;
	now = strata__monotonic_us();
	pthread_mutex_lock(&rs->mu);
	r->checks++;
	if (rc != STRATA_OK) {
		discard = r->state != STRATA_REPLICA_DOWN;
		go_down(rs, r, why, now, &msg);
	} else if (!in_recovery) {
		r->lag_bytes = r->lag_ms = -1;
		set_state(r, STRATA_REPLICA_NOT_STANDBY, now, &msg);
	} else {
		r->backoff_us = 0;
		if (replay >= 0)
			r->replay_lsn = (uint64_t)replay;
		r->lag_bytes = !rs->primary_known		 ? -1
			       : rs->primary_lsn > r->replay_lsn ? (int64_t)(rs->primary_lsn - r->replay_lsn)
								 : 0;
		r->lag_ms = lag_from_samples(rs, r->replay_lsn, now);
		bool behind = rs->max_lag_ms >= 0 && r->lag_ms > rs->max_lag_ms;
		if (!behind)
			r->last_error[0] = '\0';
		set_state(r, behind ? STRATA_REPLICA_LAGGING : STRATA_REPLICA_UP, now, &msg);
	}
	pthread_mutex_unlock(&rs->mu);
	say(rs, &msg);
	if (discard)
		strata__pool_discard_idle(r->sub);
}

static void check_all(strata__replicas *rs)
{
	sample_primary(rs);
	for (int i = 0; i < rs->n; i++)
		check_replica(rs, i);
}

static void *monitor(void *arg)
{
	strata__replicas *rs = arg;
	pthread_mutex_lock(&rs->mu);
	while (!rs->stop) {
		int64_t next = strata__monotonic_us() + (int64_t)rs->check_ms * 1000;
		while (!rs->stop && strata__monotonic_us() < next) {
			struct timespec ts = { (time_t)(next / 1000000), (long)(next % 1000000) * 1000 };
			pthread_cond_timedwait(&rs->cv, &rs->mu, &ts);
		}
		if (rs->stop)
			break;
		pthread_mutex_unlock(&rs->mu);
		check_all(rs);
		pthread_mutex_lock(&rs->mu);
	}
	pthread_mutex_unlock(&rs->mu);
	return NULL;
}

/* ---- opening and closing ---- */

typedef struct add_ctx {
	strata__replicas *rs;
	strata_pool *primary;
	const char *source;
} add_ctx;

static int add_replica(const char *url, int n, void *ud)
{
	add_ctx *a = ud;
	strata__replicas *rs = a->rs;
	strata__url u;
	int rc = strata__url_parse(&u, url);
	if (rc != STRATA_OK)
		return strata__error_set(rc, "%s, replica %d: %s", a->source, n, strata_error_last()->message);
	strata_backend backend = u.backend;
	strata__url_free(&u);
	if (backend != STRATA_BACKEND_POSTGRES)
		return strata__error_set(STRATA_EINVAL, "%s, replica %d: a replica must be a PostgreSQL URL", a->source,
					 n);
	replica *grown = realloc(rs->r, (size_t)(rs->n + 1) * sizeof *grown);
	if (!grown)
		return strata__error_nomem();
	rs->r = grown;
	replica *r = &rs->r[rs->n];
	memset(r, 0, sizeof *r);
	r->lag_bytes = r->lag_ms = -1;
	r->url = strata__strdup(url);
	r->shown = strata_url_redact(url);
	if (!r->url || !r->shown || strata__pool_new_sub(a->primary, url, rs->n, &r->sub) != STRATA_OK) {
		free(r->url);
		free(r->shown);
		return strata__error_nomem();
	}
	rs->n++;
	return STRATA_OK;
}

int strata__replicas_open(strata_pool *primary, const char *urls, const char *source, const strata_pool_options *o,
			  const strata_open_options *open, strata__replicas **out)
{
	*out = NULL;
	if (o->replica_check_ms < 0)
		return strata__error_set(STRATA_EINVAL, "strata_pool_open: replica_check_ms must be positive");
	strata__replicas *rs = calloc(1, sizeof *rs);
	if (!rs)
		return strata__error_nomem();
	rs->max_lag_ms = o->replica_max_lag_ms ? o->replica_max_lag_ms : 10000;
	rs->wait_ms = o->replica_wait_ms ? o->replica_wait_ms : 10;
	rs->check_ms = o->replica_check_ms ? o->replica_check_ms : 1000;
	strata__pool_log_handler(primary, &rs->log, &rs->log_ud);
	/* the monitor's connections: quiet, quick to give up */
	rs->mon_open = *open;
	rs->mon_open.hook = NULL;
	rs->mon_open.hook_ud = NULL;
	rs->mon_open.echo = STRATA_OFF;
	rs->mon_open.slow_query_ms = 0;
	rs->mon_open.stmt_cache_size = 4;
	if (rs->mon_open.connect_timeout_s <= 0 || rs->mon_open.connect_timeout_s > 2)
		rs->mon_open.connect_timeout_s = 2;
	rs->mon_open.statement_timeout_ms = rs->check_ms > 2000 ? rs->check_ms : 2000;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&rs->mu, NULL);
	pthread_cond_init(&rs->cv, &ca);
	pthread_condattr_destroy(&ca);

	add_ctx a = { rs, primary, source };
	int rc = strata__split_urls(urls, add_replica, &a);
	if (rc == STRATA_OK && rs->n == 0)
		rc = strata__error_set(STRATA_EINVAL, "%s holds no URL", source);
	if (rc == STRATA_OK) {
		rs->primary_url = strata__strdup(strata__pool_url(primary));
		if (!rs->primary_url)
			rc = strata__error_nomem();
	}
	if (rc != STRATA_OK)
		goto fail;
	/* the first check before the pool is handed out: reads know where to go from the start */
	check_all(rs);
	if (pthread_create(&rs->thread, NULL, monitor, rs) != 0) {
		rc = strata__error_set(STRATA_ERROR, "strata_pool_open: the replica monitor thread could not start");
		goto fail;
	}
	rs->started = true;
	*out = rs;
	return STRATA_OK;
fail:
	strata__replicas_close(rs);
	strata__replicas_free(rs);
	return rc;
}

void strata__replicas_close(strata__replicas *rs)
{
	if (!rs)
		return;
	if (rs->started) {
		pthread_mutex_lock(&rs->mu);
		rs->stop = true;
		pthread_cond_broadcast(&rs->cv);
		pthread_mutex_unlock(&rs->mu);
		pthread_join(rs->thread, NULL);
		rs->started = false;
	}
	close_mon(&rs->mon_primary);
	for (int i = 0; i < rs->n; i++) {
		close_mon(&rs->r[i].mon);
		strata__pool_close_sub(rs->r[i].sub);
	}
}

void strata__replicas_free(strata__replicas *rs)
{
	if (!rs)
		return;
	for (int i = 0; i < rs->n; i++) {
		strata__pool_free_sub(rs->r[i].sub);
		free(rs->r[i].url);
		free(rs->r[i].shown);
	}
	free(rs->r);
	free(rs->primary_url);
	pthread_mutex_destroy(&rs->mu);
	pthread_cond_destroy(&rs->cv);
	free(rs);
}

/* ---- routing ---- */

void strata__replicas_failed(strata__replicas *rs, int index, const char *why)
{
	note msg = { STRATA_LOG_INFO, "" };
	pthread_mutex_lock(&rs->mu);
	replica *r = &rs->r[index];
	if (r->state != STRATA_REPLICA_DOWN)
		go_down(rs, r, why, strata__monotonic_us(), &msg);
	pthread_mutex_unlock(&rs->mu);
	say(rs, &msg);
}

void strata__replicas_count_retry(strata__replicas *rs)
{
	pthread_mutex_lock(&rs->mu);
	rs->retries++;
	pthread_mutex_unlock(&rs->mu);
}

strata_pool *strata__replicas_owner(strata__replicas *rs, const strata_db *db)
{
	for (int i = 0; i < rs->n; i++)
		if (strata__pool_holds(rs->r[i].sub, db))
			return rs->r[i].sub;
	return NULL;
}

static void sleep_us(int64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * Ask replica `i` (through connection `db`) until it has replayed `lsn`,
 * for up to wait_ms.  Returns 1 at once, 2 after waiting, 0 not in time or
 * failed.
 */
static int wait_for_replay(strata__replicas *rs, int i, strata_db *db, uint64_t lsn)
{
	int64_t start = strata__monotonic_us();
	int64_t limit = rs->wait_ms > 0 ? (int64_t)rs->wait_ms * 1000 : 0;
	int64_t step = 500;
	for (int round = 0;; round++) {
		int64_t replay = -1;
		strata__error_saved saved;
		strata__error_save(&saved);
		int rc = query_lsn(db, replay_sql, &replay);
		strata__error_restore(&saved);
		if (rc != STRATA_OK || replay < 0)
			return 0;
		pthread_mutex_lock(&rs->mu);
		if ((uint64_t)replay > rs->r[i].replay_lsn)
			rs->r[i].replay_lsn = (uint64_t)replay;
		pthread_mutex_unlock(&rs->mu);
		if ((uint64_t)replay >= lsn)
			return round == 0 ? 1 : 2;
		int64_t left = limit - (strata__monotonic_us() - start);
		if (left <= 0)
			return 0;
		sleep_us(step < left ? step : left);
		if (step < 8000)
			step *= 2;
	}
}

int strata__replicas_acquire(strata__replicas *rs, uint64_t lsn, int timeout_ms, const char *file, int line,
			     strata_db **out, strata_pool **sub)
{
	*out = NULL;
	*sub = NULL;
	int ready = -1, best = -1;
	pthread_mutex_lock(&rs->mu);
	unsigned int start = rs->rr++;
	for (int k = 0; k < rs->n; k++) {
		int i = (int)((start + (unsigned int)k) % (unsigned int)rs->n);
		const replica *r = &rs->r[i];
		if (!usable(r))
			continue;
		if (lsn == 0 || r->replay_lsn >= lsn) {
			ready = i;
			break;
		}
		if (best < 0 || r->replay_lsn > rs->r[best].replay_lsn)
			best = i;
	}
	pthread_mutex_unlock(&rs->mu);

	int rc = STRATA_ENOTFOUND;
	int how = 0; /* read-your-writes: 1 already replayed, 2 waited */
	if (ready >= 0) {
		rc = strata_pool_acquire_at(rs->r[ready].sub, out, timeout_ms, file, line);
		if (rc == STRATA_OK) {
			*sub = rs->r[ready].sub;
			how = 1;
		}
	} else if (best >= 0 && lsn != UINT64_MAX) {
		/* the monitor's position may be a check old: ask the replica itself */
		rc = strata_pool_acquire_at(rs->r[best].sub, out, timeout_ms, file, line);
		if (rc == STRATA_OK) {
			how = wait_for_replay(rs, best, *out, lsn);
			if (how) {
				*sub = rs->r[best].sub;
			} else {
				strata_pool_release(rs->r[best].sub, *out);
				*out = NULL;
				rc = STRATA_ENOTFOUND;
			}
		}
	}
	/* a replica that could not be reached was taken out by its sub-pool: read from the primary */
	if (rc == STRATA_ECONNECT || rc == STRATA_EAUTH)
		rc = STRATA_ENOTFOUND;

	pthread_mutex_lock(&rs->mu);
	if (rc == STRATA_OK) {
		rs->reads_replica++;
		if (lsn && how == 1)
			rs->ryw_replica++;
		else if (lsn)
			rs->ryw_waited++;
	} else if (rc == STRATA_ENOTFOUND) {
		rs->reads_primary++;
		if (lsn)
			rs->ryw_primary++;
	}
	pthread_mutex_unlock(&rs->mu);
	return rc;
}

/* ---- metrics ---- */

void strata__replicas_stats(strata__replicas *rs, strata_pool_metrics *m)
{
	pthread_mutex_lock(&rs->mu);
	m->replicas = rs->n;
	m->replicas_usable = 0;
	for (int i = 0; i < rs->n; i++)
		if (usable(&rs->r[i]))
			m->replicas_usable++;
	m->reads_replica = rs->reads_replica;
	m->reads_primary = rs->reads_primary;
	m->ryw_replica = rs->ryw_replica;
	m->ryw_waited = rs->ryw_waited;
	m->ryw_primary = rs->ryw_primary;
	m->replica_retries = rs->retries;
	pthread_mutex_unlock(&rs->mu);
}

int strata__replicas_replica_stats(strata__replicas *rs, int index, strata_pool_replica_metrics *out)
{
	if (index < 0 || index >= rs->n)
		return strata__error_set(STRATA_ERANGE, "strata_pool_replica_stats: no replica %d (the pool has %d)",
					 index, rs->n);
	replica *r = &rs->r[index];
	strata_pool_metrics pm = STRATA_POOL_METRICS_INIT;
	int rc = strata_pool_stats(r->sub, &pm);
	if (rc != STRATA_OK)
		return rc;
	int64_t now = strata__monotonic_us();
	pthread_mutex_lock(&rs->mu);
	out->url = r->shown;
	out->state = r->state;
	out->state_ms = (now - r->since_us) / 1000;
	out->lag_bytes = r->lag_bytes;
	out->lag_ms = r->lag_ms;
	out->replay_lsn = r->replay_lsn;
	out->checks = r->checks;
	out->taken_out = r->taken_out;
	out->brought_back = r->brought_back;
	snprintf(out->last_error, sizeof out->last_error, "%s", r->last_error);
	pthread_mutex_unlock(&rs->mu);
	out->open = pm.open;
	out->idle = pm.idle;
	out->in_use = pm.in_use;
	out->acquires = pm.acquires;
	out->timeouts = pm.timeouts;
	out->opened = pm.opened;
	out->discarded = pm.discarded;
	return STRATA_OK;
}
