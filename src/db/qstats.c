/*
 * The per-query statistics collector of a connection (a shard), N+1
 * detection, and a pool's group of shards.  The threading contract is in
 * db/qstats.h: one owner thread records with relaxed atomics and no lock;
 * the shape of a shard changes under its mutex, which readers take.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/url.h"
#include "db/qstats.h"

#define LOAD(x)	    atomic_load_explicit(&(x), memory_order_relaxed)
#define STORE(x, v) atomic_store_explicit(&(x), (v), memory_order_relaxed)
/* single writer: a load and a store, no locked read-modify-write */
#define BUMP(x, d) STORE(x, LOAD(x) + (d))

#define RAW_SLOTS 64 /* SQL text -> entry, for statements without a statement handle (exec, BEGIN) */

struct strata__qentry {
	uint64_t id;
	char *fingerprint;
	bool n1_exempt;	      /* transaction control: never an N+1 */
	_Atomic uint64_t gen; /* the shard generation its counters belong to */
	_Atomic uint64_t calls, errors, total_ns, min_ns, max_ns, n_plus_one;
	_Atomic int64_t rows;
	/* the histogram window: changed by the owner under the shard's mutex */
	int first, n;
	_Atomic uint64_t *counts;
	/* owner only */
	uint64_t tx_seq;
	uint32_t tx_calls;
	bool n1_listed;
	strata__qentry *n1_next;
	strata__qentry *chain; /* lookup by id */
};

typedef struct raw_slot {
	uint64_t hash;
	char *sql;
	strata__qentry *e;
} raw_slot;

struct strata__qstats {
	pthread_mutex_t mu;
	_Atomic uint64_t gen;
	_Atomic strata_timestamp since;
	strata__qentry **entries; /* under mu */
	size_t n, cap;
	strata__qentry *other; /* the overflow entry, once needed */
	/* owner only */
	strata__qentry *buckets[256];
	raw_slot raw[RAW_SLOTS];
	int n1;
	strata_log_fn log;
	void *log_ud;
	uint64_t tx_seq;
	strata__qentry *n1_head;
	/* the group it belongs to (a pool), and the group's list */
	strata__qgroup *group;
	strata__qstats *gprev, *gnext;
};

struct strata__qgroup {
	pthread_mutex_t mu;
	strata__qstats *head;
	strata__qagg *retired; /* the shards that left: closed connections */
	strata_timestamp since;
};

int strata__qstats_options_from_env(strata_open_options *opts)
{
	const char *v = getenv("DB_QUERY_STATS");
	if (v && *v) {
		int b = strata__parse_bool(v);
		if (b < 0)
			return strata__error_set(STRATA_EINVAL,
						 "environment variable DB_QUERY_STATS must be true or false, not '%s'",
						 v);
		opts->query_stats = b ? STRATA_ON : STRATA_OFF;
	}
	v = getenv("DB_N_PLUS_ONE");
	if (v && *v) {
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (strata__parse_bool(v) == 0)
			n = 0;
		else if (errno || *end || end == v || n < 0 || n > 1000000000)
			return strata__error_set(
				STRATA_EINVAL,
				"environment variable DB_N_PLUS_ONE must be a whole number (0: off), not '%s'", v);
		opts->n_plus_one = n > 0 ? (int)n : -1;
	}
	return STRATA_OK;
}

int strata__qstats_new(strata__qstats **out, int n1, strata_log_fn log, void *log_ud)
{
	strata__qstats *s = calloc(1, sizeof *s);
	if (!s)
		return strata__error_nomem();
	pthread_mutex_init(&s->mu, NULL);
	atomic_init(&s->gen, 1);
	atomic_init(&s->since, strata_timestamp_now());
	s->n1 = n1;
	s->log = log;
	s->log_ud = log_ud;
	*out = s;
	return STRATA_OK;
}

static void entry_free(strata__qentry *e)
{
	if (!e)
		return;
	free(e->fingerprint);
	free((void *)e->counts);
	free(e);
}

/* Add the shard's current numbers to `a`.  Shard mutex held. */
static int shard_add_to(strata__qstats *s, strata__qagg *a)
{
	uint64_t gen = LOAD(s->gen);
	int rc = STRATA_OK;
	uint64_t *tmp = NULL;
	for (size_t i = 0; i < s->n && rc == STRATA_OK; i++) {
		strata__qentry *e = s->entries[i];
		if (atomic_load_explicit(&e->gen, memory_order_acquire) != gen || LOAD(e->calls) == 0)
			continue;
		strata__qcounts c = { LOAD(e->calls), LOAD(e->errors), LOAD(e->n_plus_one), LOAD(e->rows),
				      LOAD(e->total_ns) };
		uint64_t *t = realloc(tmp, (size_t)(e->n ? e->n : 1) * sizeof *t);
		if (!t) {
			rc = strata__error_nomem();
			break;
		}
		tmp = t;
		uint64_t count = 0;
		for (int k = 0; k < e->n; k++)
			count += tmp[k] = LOAD(e->counts[k]);
		struct strata_latency_hist h = { e->first, e->n, tmp, count, LOAD(e->min_ns), LOAD(e->max_ns) };
		rc = strata__qagg_add(a, e->fingerprint, e->id, &c, &h);
	}
	free(tmp);
	return rc;
}

static void group_leave(strata__qstats *s)
{
	strata__qgroup *g = s->group;
	pthread_mutex_lock(&g->mu);
	pthread_mutex_lock(&s->mu);
	/* the numbers stay with the pool; on ENOMEM they are lost, nothing else */
	if (g->retired && shard_add_to(s, g->retired) != STRATA_OK)
		strata_error_clear();
	pthread_mutex_unlock(&s->mu);
	if (s->gprev)
		s->gprev->gnext = s->gnext;
	else
		g->head = s->gnext;
	if (s->gnext)
		s->gnext->gprev = s->gprev;
	s->group = NULL;
	pthread_mutex_unlock(&g->mu);
}

void strata__qstats_free(strata__qstats *s)
{
	if (!s)
		return;
	if (s->group)
		group_leave(s);
	for (size_t i = 0; i < s->n; i++)
		entry_free(s->entries[i]);
	free(s->entries);
	for (int i = 0; i < RAW_SLOTS; i++)
		free(s->raw[i].sql);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

uint64_t strata__qentry_id(const strata__qentry *e)
{
	return e ? e->id : 0;
}

/* Transaction control is never an N+1: BEGIN, COMMIT, SAVEPOINT and friends. */
static bool is_tx_control(const char *fp)
{
	static const char *const words[] = {
		"begin", "commit", "end", "rollback", "savepoint", "release", "start transaction", "pragma query_only",
		NULL
	};
	for (const char *const *w = words; *w; w++) {
		size_t n = strlen(*w);
		if (strncmp(fp, *w, n) == 0 && (fp[n] == '\0' || fp[n] == ' '))
			return true;
	}
	return false;
}

static strata__qentry *entry_new(const char *fp, size_t len, uint64_t id)
{
	strata__qentry *e = calloc(1, sizeof *e);
	if (!e || !(e->fingerprint = strata__strndup(fp, len))) {
		free(e);
		strata__error_nomem();
		return NULL;
	}
	e->id = id;
	e->n1_exempt = is_tx_control(e->fingerprint);
	atomic_init(&e->min_ns, UINT64_MAX);
	return e;
}

/* Append `e` to the shard's list (under the mutex: readers walk it). */
static bool list_add(strata__qstats *s, strata__qentry *e)
{
	bool ok = true;
	pthread_mutex_lock(&s->mu);
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		strata__qentry **v = realloc(s->entries, cap * sizeof *v);
		if (v) {
			s->entries = v;
			s->cap = cap;
		} else {
			ok = false;
		}
	}
	if (ok) {
		atomic_init(&e->gen, LOAD(s->gen));
		s->entries[s->n++] = e;
	}
	pthread_mutex_unlock(&s->mu);
	if (!ok)
		strata__error_nomem();
	return ok;
}

static strata__qentry *overflow_entry(strata__qstats *s)
{
	if (s->other)
		return s->other;
	static const char name[] = "(other queries)";
	strata__qentry *e = entry_new(name, sizeof name - 1, strata__fnv1a(name, sizeof name - 1));
	if (e && !list_add(s, e)) {
		entry_free(e);
		e = NULL;
	}
	return s->other = e;
}

/* The entry for a fingerprint, created when new.  Owner only. */
static strata__qentry *entry_for(strata__qstats *s, const char *sql)
{
	strata_buf fp = STRATA_BUF_INIT;
	uint64_t id;
	strata__qentry *e = NULL;
	strata__error_saved saved;
	strata__error_save(&saved);
	if (strata__fingerprint(sql, &fp, &id) != STRATA_OK)
		goto out;
	size_t b = id % (sizeof s->buckets / sizeof s->buckets[0]);
	for (e = s->buckets[b]; e; e = e->chain)
		if (e->id == id && strcmp(e->fingerprint, fp.ptr) == 0)
			goto out;
	if (s->n >= STRATA__QSTATS_MAX) {
		e = overflow_entry(s);
		goto out;
	}
	e = entry_new(fp.ptr, fp.len, id);
	if (e && !list_add(s, e)) {
		entry_free(e);
		e = NULL;
	}
	if (e) {
		e->chain = s->buckets[b];
		s->buckets[b] = e;
	}
out:
	strata__buf_free(&fp);
	/* statistics never turn a statement's success into a failure, nor change its error */
	strata__error_restore(&saved);
	return e;
}

strata__qentry *strata__qstats_entry(strata__qstats *s, const char *sql, strata__qentry **slot)
{
	if (slot && *slot)
		return *slot;
	strata__qentry *e;
	if (slot) {
		e = entry_for(s, sql);
	} else {
		/* no statement to keep the entry: a small cache by SQL text */
		uint64_t h = strata__fnv1a(sql, strlen(sql));
		raw_slot *r = &s->raw[h % RAW_SLOTS];
		if (r->sql && r->hash == h && strcmp(r->sql, sql) == 0)
			return r->e;
		e = entry_for(s, sql);
		if (e) {
			char *copy = strdup(sql);
			if (copy) {
				free(r->sql);
				*r = (raw_slot){ h, copy, e };
			}
		}
	}
	if (slot)
		*slot = e;
	return e;
}

uint64_t strata__qh_lower(int b)
{
	if (b < STRATA__QH_SUB)
		return (uint64_t)b;
	int e = (b - STRATA__QH_SUB) / STRATA__QH_SUB + 4, sub = (b - STRATA__QH_SUB) % STRATA__QH_SUB;
	return (uint64_t)(STRATA__QH_SUB + sub) << (e - 4);
}

/* Widen the entry's window to hold bucket `b`.  Owner, takes the mutex.  False on ENOMEM. */
static bool widen(strata__qstats *s, strata__qentry *e, int b)
{
	int first = e->n ? (b < e->first ? b : e->first) : b;
	int last = e->n ? (b >= e->first + e->n ? b : e->first + e->n - 1) : b;
	/* some slack on the side that grew, so a drifting query does not widen every time */
	if (e->n && b < e->first)
		first = first - 4 > 0 ? first - 4 : 0;
	else if (e->n)
		last = last + 4 < STRATA__QH_BUCKETS - 1 ? last + 4 : STRATA__QH_BUCKETS - 1;
	int n = last - first + 1;
	_Atomic uint64_t *c = malloc((size_t)n * sizeof *c);
	if (!c)
		return false;
	for (int k = 0; k < n; k++) {
		int old = first + k - e->first;
		atomic_init(&c[k], e->n && old >= 0 && old < e->n ? LOAD(e->counts[old]) : 0);
	}
	pthread_mutex_lock(&s->mu);
	_Atomic uint64_t *prev = e->counts;
	e->counts = c;
	e->first = first;
	e->n = n;
	pthread_mutex_unlock(&s->mu);
	free((void *)prev);
	return true;
}

/* The owner's first record after a reset: start the entry from zero. */
static void entry_restart(strata__qentry *e, uint64_t gen)
{
	STORE(e->calls, 0);
	STORE(e->errors, 0);
	STORE(e->rows, 0);
	STORE(e->total_ns, 0);
	STORE(e->max_ns, 0);
	STORE(e->min_ns, UINT64_MAX);
	STORE(e->n_plus_one, 0);
	for (int k = 0; k < e->n; k++)
		STORE(e->counts[k], 0);
	atomic_store_explicit(&e->gen, gen, memory_order_release);
}

void strata__qstats_record(strata__qstats *s, strata__qentry *e, uint64_t ns, int64_t rows, bool failed, bool in_tx)
{
	uint64_t gen = LOAD(s->gen);
	if (LOAD(e->gen) != gen)
		entry_restart(e, gen);
	int b = strata__qh_bucket(ns);
	if ((b < e->first || b >= e->first + e->n) && !widen(s, e, b))
		return; /* out of memory: this execution goes uncounted */
	BUMP(e->counts[b - e->first], 1);
	BUMP(e->calls, 1);
	if (failed)
		BUMP(e->errors, 1);
	if (rows > 0)
		BUMP(e->rows, rows);
	BUMP(e->total_ns, ns);
	if (ns > LOAD(e->max_ns))
		STORE(e->max_ns, ns);
	if (ns < LOAD(e->min_ns))
		STORE(e->min_ns, ns);
	if (in_tx && s->n1 >= 0 && !e->n1_exempt) {
		if (e->tx_seq != s->tx_seq) {
			e->tx_seq = s->tx_seq;
			e->tx_calls = 0;
		}
		if (++e->tx_calls == (uint32_t)s->n1 + 1 && !e->n1_listed) {
			e->n1_listed = true;
			e->n1_next = s->n1_head;
			s->n1_head = e;
		}
	}
}

void strata__qstats_tx_begin(strata__qstats *s)
{
	s->tx_seq++;
	for (strata__qentry *e = s->n1_head, *next; e; e = next) {
		next = e->n1_next;
		e->n1_listed = false;
		e->n1_next = NULL;
	}
	s->n1_head = NULL;
}

/* What to do instead, by the kind of statement. */
static const char *n1_hint(const char *fp)
{
	if (strncmp(fp, "insert ", 7) == 0)
		return "insert the rows with one statement: the generated TABLE_insert_many() (`strata gen c`) "
		       "writes a whole batch at once";
	if (strncmp(fp, "update ", 7) == 0 || strncmp(fp, "delete ", 7) == 0)
		return "change the rows with one statement over all their keys (WHERE id IN (...) or = ANY(?))";
	return "read the rows for all keys with one query: the generated relation loaders (`strata gen c`: "
	       "TABLE_load_RELATION()) load a whole page's relations with one statement";
}

void strata__qstats_tx_end(strata__qstats *s)
{
	strata__qentry *e = s->n1_head;
	s->n1_head = NULL;
	s->tx_seq++;
	while (e) {
		strata__qentry *next = e->n1_next;
		e->n1_listed = false;
		e->n1_next = NULL;
		BUMP(e->n_plus_one, 1);
		strata__log(
			s->log, s->log_ud, STRATA_LOG_WARN,
			"N+1 query: ran %u times in one transaction (more than %d; fingerprint %016llx): %.300s -- %s",
			e->tx_calls, s->n1, (unsigned long long)e->id, e->fingerprint, n1_hint(e->fingerprint));
		e = next;
	}
}

void strata__qstats_reset(strata__qstats *s)
{
	pthread_mutex_lock(&s->mu);
	STORE(s->gen, LOAD(s->gen) + 1);
	STORE(s->since, strata_timestamp_now());
	pthread_mutex_unlock(&s->mu);
}

int strata__qstats_snapshot(strata__qstats *s, strata_query_stats **out)
{
	*out = NULL;
	strata__qagg *a = strata__qagg_new();
	if (!a)
		return strata__error_nomem();
	pthread_mutex_lock(&s->mu);
	int rc = shard_add_to(s, a);
	strata_timestamp since = LOAD(s->since);
	pthread_mutex_unlock(&s->mu);
	if (rc == STRATA_OK)
		rc = strata__qagg_finish(a, since, out);
	strata__qagg_free(a);
	return rc;
}

/* ---- groups ---- */

int strata__qgroup_new(strata__qgroup **out)
{
	strata__qgroup *g = calloc(1, sizeof *g);
	if (!g || !(g->retired = strata__qagg_new())) {
		free(g);
		return strata__error_nomem();
	}
	pthread_mutex_init(&g->mu, NULL);
	g->since = strata_timestamp_now();
	*out = g;
	return STRATA_OK;
}

void strata__qgroup_free(strata__qgroup *g)
{
	if (!g)
		return;
	strata__qagg_free(g->retired);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

void strata__qgroup_join(strata__qgroup *g, strata__qstats *s)
{
	pthread_mutex_lock(&g->mu);
	s->group = g;
	s->gprev = NULL;
	s->gnext = g->head;
	if (g->head)
		g->head->gprev = s;
	g->head = s;
	pthread_mutex_unlock(&g->mu);
}

int strata__qgroup_snapshot(strata__qgroup *g, strata_query_stats **out)
{
	*out = NULL;
	strata__qagg *a = strata__qagg_new();
	if (!a)
		return strata__error_nomem();
	pthread_mutex_lock(&g->mu);
	int rc = strata__qagg_merge(a, g->retired);
	for (strata__qstats *s = g->head; s && rc == STRATA_OK; s = s->gnext) {
		pthread_mutex_lock(&s->mu);
		rc = shard_add_to(s, a);
		pthread_mutex_unlock(&s->mu);
	}
	strata_timestamp since = g->since;
	pthread_mutex_unlock(&g->mu);
	if (rc == STRATA_OK)
		rc = strata__qagg_finish(a, since, out);
	strata__qagg_free(a);
	return rc;
}

void strata__qgroup_reset(strata__qgroup *g)
{
	pthread_mutex_lock(&g->mu);
	strata__qagg_clear(g->retired);
	for (strata__qstats *s = g->head; s; s = s->gnext)
		strata__qstats_reset(s);
	g->since = strata_timestamp_now();
	pthread_mutex_unlock(&g->mu);
}
