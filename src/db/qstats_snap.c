/*
 * Aggregating query statistics: histograms merged bucket by bucket,
 * queries merged by fingerprint, and the snapshot handed to the caller
 * (largest total time first).  Also the public calls on a connection.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "db/internal.h"
#include "db/qstats.h"

/* ---- histograms ---- */

int strata__qh_add(struct strata_latency_hist *h, int b, uint64_t c)
{
	if (b < 0 || b >= STRATA__QH_BUCKETS)
		return strata__error_set(STRATA_EINVAL, "histogram bucket %d out of range", b);
	if (!h->n || b < h->first || b >= h->first + h->n) {
		int first = h->n && h->first < b ? h->first : b;
		int last = h->n && h->first + h->n - 1 > b ? h->first + h->n - 1 : b;
		int n = last - first + 1;
		uint64_t *v = calloc((size_t)n, sizeof *v);
		if (!v)
			return strata__error_nomem();
		if (h->n)
			memcpy(v + (h->first - first), h->counts, (size_t)h->n * sizeof *v);
		free(h->counts);
		h->counts = v;
		h->first = first;
		h->n = n;
	}
	h->counts[b - h->first] += c;
	h->count += c;
	return STRATA_OK;
}

double strata__qh_quantile(const struct strata_latency_hist *h, double q)
{
	if (!h || h->count == 0 || !(q > 0) || q > 1)
		return 0;
	double want = q * (double)h->count;
	uint64_t rank = (uint64_t)ceil(want - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank >= h->count)
		return (double)h->max_ns;
	if (rank == 1)
		return (double)h->min_ns;
	uint64_t seen = 0;
	for (int k = 0; k < h->n; k++) {
		seen += h->counts[k];
		if (seen >= rank) {
			int b = h->first + k;
			double lo = (double)strata__qh_lower(b), hi = (double)strata__qh_lower(b + 1);
			double mid = b < STRATA__QH_SUB ? lo : (lo + hi) / 2;
			if (mid < (double)h->min_ns)
				mid = (double)h->min_ns;
			if (mid > (double)h->max_ns)
				mid = (double)h->max_ns;
			return mid;
		}
	}
	return (double)h->max_ns;
}

static int hist_merge(struct strata_latency_hist *into, const struct strata_latency_hist *from)
{
	if (!from->count)
		return STRATA_OK;
	bool empty = into->count == 0;
	for (int k = 0; k < from->n; k++)
		if (from->counts[k]) {
			int rc = strata__qh_add(into, from->first + k, from->counts[k]);
			if (rc != STRATA_OK)
				return rc;
		}
	if (empty || from->min_ns < into->min_ns)
		into->min_ns = from->min_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
	return STRATA_OK;
}

/* ---- aggregates ---- */

typedef struct agg_entry {
	char *fingerprint;
	uint64_t id;
	strata__qcounts c;
	struct strata_latency_hist h;
} agg_entry;

struct strata__qagg {
	agg_entry **slots; /* open addressing by id */
	size_t cap, n;
};

strata__qagg *strata__qagg_new(void)
{
	return calloc(1, sizeof(strata__qagg));
}

void strata__qagg_clear(strata__qagg *a)
{
	for (size_t i = 0; i < a->cap; i++)
		if (a->slots[i]) {
			free(a->slots[i]->fingerprint);
			free(a->slots[i]->h.counts);
			free(a->slots[i]);
			a->slots[i] = NULL;
		}
	a->n = 0;
}

void strata__qagg_free(strata__qagg *a)
{
	if (!a)
		return;
	strata__qagg_clear(a);
	free(a->slots);
	free(a);
}

static agg_entry **find_slot(agg_entry **slots, size_t cap, uint64_t id, const char *fp)
{
	size_t i = id & (cap - 1);
	while (slots[i] && !(slots[i]->id == id && strcmp(slots[i]->fingerprint, fp) == 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(strata__qagg *a)
{
	size_t cap = a->cap ? a->cap * 2 : 64;
	agg_entry **v = calloc(cap, sizeof *v);
	if (!v)
		return strata__error_nomem();
	for (size_t i = 0; i < a->cap; i++)
		if (a->slots[i])
			*find_slot(v, cap, a->slots[i]->id, a->slots[i]->fingerprint) = a->slots[i];
	free(a->slots);
	a->slots = v;
	a->cap = cap;
	return STRATA_OK;
}

int strata__qagg_add(strata__qagg *a, const char *fingerprint, uint64_t id, const strata__qcounts *c,
		     const struct strata_latency_hist *h)
{
	if ((a->n + 1) * 2 > a->cap && grow(a) != STRATA_OK)
		return STRATA_ENOMEM;
	agg_entry **slot = find_slot(a->slots, a->cap, id, fingerprint);
	if (!*slot) {
		agg_entry *e = calloc(1, sizeof *e);
		if (!e || !(e->fingerprint = strdup(fingerprint))) {
			free(e);
			return strata__error_nomem();
		}
		e->id = id;
		*slot = e;
		a->n++;
	}
	agg_entry *e = *slot;
	e->c.calls += c->calls;
	e->c.errors += c->errors;
	e->c.n_plus_one += c->n_plus_one;
	e->c.rows += c->rows;
	e->c.total_ns += c->total_ns;
	return hist_merge(&e->h, h);
}

int strata__qagg_merge(strata__qagg *a, const strata__qagg *from)
{
	for (size_t i = 0; i < from->cap; i++) {
		const agg_entry *e = from->slots[i];
		if (e) {
			int rc = strata__qagg_add(a, e->fingerprint, e->id, &e->c, &e->h);
			if (rc != STRATA_OK)
				return rc;
		}
	}
	return STRATA_OK;
}

static int by_total_desc(const void *x, const void *y)
{
	const strata_query_stat *a = x, *b = y;
	if (a->total_ms != b->total_ms)
		return a->total_ms < b->total_ms ? 1 : -1;
	if (a->calls != b->calls)
		return a->calls < b->calls ? 1 : -1;
	return strcmp(a->fingerprint, b->fingerprint);
}

/* Derive the figures of a query from its counters and histogram. */
void strata__qstat_fill(strata_query_stat *q, const strata__qcounts *c, const struct strata_latency_hist *h)
{
	q->calls = c->calls;
	q->errors = c->errors;
	q->rows = c->rows;
	q->n_plus_one = c->n_plus_one;
	q->total_ms = (double)c->total_ns / 1e6;
	q->mean_ms = c->calls ? q->total_ms / (double)c->calls : 0;
	q->min_ms = h->count ? (double)h->min_ns / 1e6 : 0;
	q->max_ms = (double)h->max_ns / 1e6;
	q->p50_ms = strata__qh_quantile(h, 0.50) / 1e6;
	q->p95_ms = strata__qh_quantile(h, 0.95) / 1e6;
	q->p99_ms = strata__qh_quantile(h, 0.99) / 1e6;
	q->hist = h;
}

int strata__qagg_finish(const strata__qagg *a, strata_timestamp since, strata_query_stats **out)
{
	*out = NULL;
	strata_query_stats *s = calloc(1, sizeof *s);
	if (!s)
		return strata__error_nomem();
	s->since = since;
	s->taken_at = strata_timestamp_now();
	if (a->n && !(s->queries = calloc(a->n, sizeof *s->queries)))
		goto nomem;
	for (size_t i = 0; i < a->cap; i++) {
		const agg_entry *e = a->slots[i];
		if (!e)
			continue;
		strata_query_stat *q = &s->queries[s->count];
		struct strata_latency_hist *h = calloc(1, sizeof *h);
		char *fp = strdup(e->fingerprint);
		if (!h || !fp || (e->h.n && !(h->counts = malloc((size_t)e->h.n * sizeof *h->counts)))) {
			free(h);
			free(fp);
			goto nomem;
		}
		h->first = e->h.first;
		h->n = e->h.n;
		h->count = e->h.count;
		h->min_ns = e->h.min_ns;
		h->max_ns = e->h.max_ns;
		if (e->h.n)
			memcpy(h->counts, e->h.counts, (size_t)e->h.n * sizeof *h->counts);
		q->fingerprint = fp;
		q->id = e->id;
		strata__qstat_fill(q, &e->c, h);
		s->count++;
		s->calls += q->calls;
		s->total_ms += q->total_ms;
	}
	if (s->count > 1)
		qsort(s->queries, s->count, sizeof *s->queries, by_total_desc);
	*out = s;
	return STRATA_OK;
nomem:
	strata_query_stats_free(s);
	return strata__error_nomem();
}

void strata_query_stats_free(strata_query_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++) {
		free((char *)s->queries[i].fingerprint);
		if (s->queries[i].hist) {
			free(s->queries[i].hist->counts);
			free((void *)s->queries[i].hist);
		}
	}
	free(s->queries);
	free(s);
}

double strata_query_stat_quantile(const strata_query_stat *stat, double q)
{
	return stat ? strata__qh_quantile(stat->hist, q) / 1e6 : 0;
}

/* ---- a connection's statistics ---- */

int strata_db_query_stats(strata_db *db, strata_query_stats **out)
{
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_db_query_stats: out is NULL");
	*out = NULL;
	if (!db)
		return strata__error_set(STRATA_EINVAL, "strata_db_query_stats: db is NULL");
	if (!db->qstats)
		return strata__error_set(STRATA_EMISUSE, "query statistics are off for this connection (set "
							 "DB_QUERY_STATS=true or the query_stats open option)");
	return strata__qstats_snapshot(db->qstats, out);
}

void strata_db_query_stats_reset(strata_db *db)
{
	if (db && db->qstats)
		strata__qstats_reset(db->qstats);
}
