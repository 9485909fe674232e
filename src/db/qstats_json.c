/*
 * Query statistics as JSON: written from a snapshot, saved to a file
 * atomically, and read back (with the histograms, so percentiles of a
 * loaded file are the ones the application saw).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/env.h"
#include "core/error.h"
#include "db/qstats.h"

#define FORMAT_NAME "strata-query-stats"

static json_t *time_json(strata_timestamp ts)
{
	char buf[STRATA_TIMESTAMP_BUFSZ];
	strata_timestamp_format(ts, buf);
	return json_string(buf);
}

static json_t *hist_json(const struct strata_latency_hist *h)
{
	json_t *counts = json_array();
	for (int k = 0; counts && k < h->n; k++)
		json_array_append_new(counts, json_integer((json_int_t)h->counts[k]));
	return json_pack("{s:s, s:i, s:i, s:o, s:I, s:I}", "unit", "ns", "sub_buckets", STRATA__QH_SUB, "first_bucket",
			 h->n ? h->first : 0, "counts", counts, "min_ns", (json_int_t)h->min_ns, "max_ns",
			 (json_int_t)h->max_ns);
}

static json_t *query_json(const strata_query_stat *q)
{
	char id[17];
	snprintf(id, sizeof id, "%016llx", (unsigned long long)q->id);
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I}", "fingerprint",
			      q->fingerprint, "id", id, "calls", (json_int_t)q->calls, "errors", (json_int_t)q->errors,
			      "rows", (json_int_t)q->rows, "total_ms", q->total_ms, "mean_ms", q->mean_ms, "min_ms",
			      q->min_ms, "max_ms", q->max_ms, "p50_ms", q->p50_ms, "p95_ms", q->p95_ms, "p99_ms",
			      q->p99_ms, "n_plus_one", (json_int_t)q->n_plus_one);
	if (o && q->hist)
		json_object_set_new(o, "histogram", hist_json(q->hist));
	return o;
}

int strata_query_stats_json(const strata_query_stats *s, bool pretty, char **out)
{
	if (!s || !out)
		return strata__error_set(STRATA_EINVAL, "strata_query_stats_json: %s is NULL", s ? "out" : "stats");
	*out = NULL;
	json_t *queries = json_array();
	for (size_t i = 0; queries && i < s->count; i++)
		if (json_array_append_new(queries, query_json(&s->queries[i])) != 0) {
			json_decref(queries);
			queries = NULL;
		}
	json_t *root = queries ? json_pack("{s:s, s:i, s:o, s:o, s:I, s:f, s:o}", "format", FORMAT_NAME, "version", 1,
					   "since", time_json(s->since), "taken_at", time_json(s->taken_at), "calls",
					   (json_int_t)s->calls, "total_ms", s->total_ms, "queries", queries)
			       : NULL;
	if (root)
		*out = json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER |
						JSON_REAL_PRECISION(10));
	json_decref(root);
	return *out ? STRATA_OK : strata__error_nomem();
}

int strata_query_stats_save(const strata_query_stats *s, const char *path)
{
	if (!path)
		return strata__error_set(STRATA_EINVAL, "strata_query_stats_save: path is NULL");
	char *text = NULL;
	int rc = strata_query_stats_json(s, true, &text);
	if (rc != STRATA_OK)
		return rc;
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	if (!tmp) {
		free(text);
		return strata__error_nomem();
	}
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	bool ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
	int err = errno;
	if (f && fclose(f) != 0 && ok) {
		ok = false;
		err = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		err = errno;
	}
	if (!ok) {
		if (f)
			unlink(tmp);
		rc = strata__error_set(STRATA_EIO, "cannot write the query statistics to %s: %s", path, strerror(err));
	}
	free(tmp);
	free(text);
	return rc;
}

/* ---- reading a file back ---- */

static int bad(const char *path, const char *what)
{
	return strata__error_set(STRATA_EPARSE,
				 "%s: not a query statistics file written by strata_query_stats_save: %s", path, what);
}

static bool get_u64(json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static int load_hist(const char *path, json_t *j, struct strata_latency_hist *h)
{
	json_t *counts = json_object_get(j, "counts");
	json_int_t first = json_integer_value(json_object_get(j, "first_bucket"));
	json_t *sub = json_object_get(j, "sub_buckets");
	if (!json_is_array(counts) || !json_is_integer(sub) || json_integer_value(sub) != STRATA__QH_SUB || first < 0 ||
	    first + (json_int_t)json_array_size(counts) > STRATA__QH_BUCKETS || !get_u64(j, "min_ns", &h->min_ns) ||
	    !get_u64(j, "max_ns", &h->max_ns))
		return bad(path, "a histogram is malformed");
	for (size_t k = 0; k < json_array_size(counts); k++) {
		json_t *c = json_array_get(counts, k);
		if (!json_is_integer(c) || json_integer_value(c) < 0)
			return bad(path, "a histogram count is not a whole number");
		if (json_integer_value(c) > 0) {
			int rc = strata__qh_add(h, (int)first + (int)k, (uint64_t)json_integer_value(c));
			if (rc != STRATA_OK)
				return rc;
		}
	}
	return STRATA_OK;
}

static int load_query(const char *path, size_t i, json_t *j, strata_query_stat *q)
{
	char what[96];
	const char *fp = json_string_value(json_object_get(j, "fingerprint"));
	const char *id = json_string_value(json_object_get(j, "id"));
	strata__qcounts c = { 0 };
	uint64_t rows = 0, total_ns = 0;
	json_t *total = json_object_get(j, "total_ms");
	if (!json_is_object(j) || !fp || !id || !get_u64(j, "calls", &c.calls) || !get_u64(j, "errors", &c.errors) ||
	    !get_u64(j, "rows", &rows) || !get_u64(j, "n_plus_one", &c.n_plus_one) || !json_is_number(total)) {
		snprintf(what, sizeof what, "query %zu lacks a field (fingerprint, id, calls, errors, rows, total_ms)",
			 i + 1);
		return bad(path, what);
	}
	total_ns = (uint64_t)(json_number_value(total) * 1e6 + 0.5);
	c.rows = (int64_t)rows;
	c.total_ns = total_ns;
	struct strata_latency_hist *h = calloc(1, sizeof *h);
	char *fpc = strdup(fp);
	if (!h || !fpc) {
		free(h);
		free(fpc);
		return strata__error_nomem();
	}
	q->fingerprint = fpc;
	q->hist = h;
	q->id = strtoull(id, NULL, 16);
	json_t *hj = json_object_get(j, "histogram");
	int rc = hj ? load_hist(path, hj, h) : STRATA_OK;
	if (rc == STRATA_OK)
		strata__qstat_fill(q, &c, h);
	return rc;
}

static int load_time(const char *path, json_t *root, const char *key, strata_timestamp *out)
{
	const char *t = json_string_value(json_object_get(root, key));
	if (!t || strata_timestamp_parse(t, strlen(t), out) != STRATA_OK) {
		char what[64];
		snprintf(what, sizeof what, "\"%s\" is not a timestamp", key);
		return bad(path, what);
	}
	return STRATA_OK;
}

int strata_query_stats_load(const char *path, strata_query_stats **out)
{
	if (!path || !out)
		return strata__error_set(STRATA_EINVAL, "strata_query_stats_load: %s is NULL", path ? "out" : "path");
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = strata__read_file(path, &text, &len);
	if (rc != STRATA_OK)
		return rc;
	json_error_t err;
	json_t *root = json_loadb(text, len, 0, &err);
	free(text);
	if (!root)
		return strata__error_set_at(STRATA_EPARSE, path, err.line, err.column, "%s", err.text);
	strata_query_stats *s = calloc(1, sizeof *s);
	json_t *queries = json_object_get(root, "queries");
	const char *format = json_string_value(json_object_get(root, "format"));
	if (!s) {
		rc = strata__error_nomem();
		goto out;
	}
	if (!format || strcmp(format, FORMAT_NAME) != 0 || !json_is_array(queries)) {
		rc = bad(path, "no \"format\": \"" FORMAT_NAME "\" with a \"queries\" array");
		goto out;
	}
	if (json_integer_value(json_object_get(root, "version")) != 1) {
		rc = bad(path, "\"version\" is not 1");
		goto out;
	}
	if ((rc = load_time(path, root, "since", &s->since)) != STRATA_OK ||
	    (rc = load_time(path, root, "taken_at", &s->taken_at)) != STRATA_OK)
		goto out;
	size_t n = json_array_size(queries);
	if (n && !(s->queries = calloc(n, sizeof *s->queries))) {
		rc = strata__error_nomem();
		goto out;
	}
	for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
		rc = load_query(path, i, json_array_get(queries, i), &s->queries[i]);
		if (s->queries[i].fingerprint)
			s->count = i + 1; /* freed with the rest on failure */
		if (rc == STRATA_OK) {
			s->calls += s->queries[i].calls;
			s->total_ms += s->queries[i].total_ms;
		}
	}
out:
	json_decref(root);
	if (rc != STRATA_OK) {
		strata_query_stats_free(s);
		return rc;
	}
	*out = s;
	return STRATA_OK;
}
