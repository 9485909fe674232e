/*
 * The checks of issue 15: long-running transactions (part of
 * `configuration`), materialized views never populated or older than a
 * configured age (`views`), and queries whose mean time grew since a
 * saved baseline of pg_stat_statements (`queries`).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <strata/activity.h>
#include <strata/matview.h>

#include "core/error.h"
#include "health/internal.h"

/* ---- long-running transactions (PostgreSQL) ---- */

void strata__check_long_transactions(strata__hrun *r)
{
	/* sessions idle in a transaction past their own threshold are reported as such, not twice */
	static const char sql[] =
		"SELECT pid, coalesce(usename, ''), coalesce(application_name, ''), coalesce(state, ''), "
		"extract(epoch FROM now() - xact_start) * 1000, left(regexp_replace(coalesce(query, ''), '\\s+', ' ', "
		"'g'), 80) "
		"FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() "
		"AND datname = current_database() AND backend_type = 'client backend' "
		"AND now() - xact_start > ?::float8 * interval '1 millisecond' "
		"AND NOT (state LIKE 'idle in transaction%' AND now() - state_change > ?::float8 * interval '1 "
		"millisecond') "
		"ORDER BY xact_start";
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, r->db, sql);
	if (rc == STRATA_OK)
		rc = strata_bind_double(st, 1, (double)r->t.long_transaction_ms);
	if (rc == STRATA_OK)
		rc = strata_bind_double(st, 2, (double)r->t.idle_in_transaction_ms);
	int64_t n = 0;
	while (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {
		char subject[64];
		snprintf(subject, sizeof subject, "pid %lld", (long long)strata__col_i64(st, 0));
		n++;
		strata__health_find(
			r, STRATA_HEALTH_WARNING, "long_running_transaction", subject,
			"commit sooner: a long transaction holds its locks and keeps vacuum from removing dead rows",
			"session %s (user %s, application '%s', %s) has had a transaction open for %.0f s "
			"(threshold %.0f s); last query: %s",
			subject, strata__col_str(st, 1), strata__col_str(st, 2), strata__col_str(st, 3),
			strata__col_dbl(st, 4) / 1000, r->t.long_transaction_ms / 1000.0, strata__col_str(st, 5));
		rc = STRATA_OK;
	}
	if (rc != STRATA_DONE)
		strata__health_query_failed(r, "listing long transactions");
	strata_finalize(st);
	strata__health_figure(r, "long_running_transactions", (double)n, "count");
}

/* ---- materialized views ---- */

void strata__check_views(strata__hrun *r)
{
	strata_matview *v = NULL;
	size_t n = 0;
	if (strata_matview_list(r->db, &v, &n) != STRATA_OK) {
		strata__health_query_failed(r, "listing materialized views");
		return;
	}
	strata__health_figure(r, "materialized_views", (double)n, "count");
	if (!n) {
		strata__health_skip(r, "no materialized views");
		return;
	}
	int max_s = r->t.matview_max_age_s;
	strata_timestamp now = strata_timestamp_now();
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		const strata_matview *m = &v[i];
		if (!m->populated) {
			bad++;
			strata__health_find(r, STRATA_HEALTH_FAILURE, "matview_not_populated", m->name,
					    "run `strata refresh` (reads of the view fail until it is populated)",
					    "materialized view %s was never populated", m->name);
			continue;
		}
		if (max_s <= 0)
			continue;
		if (!m->refreshed_at) {
			bad++;
			strata__health_find(
				r, STRATA_HEALTH_WARNING, "matview_age_unknown", m->name,
				"refresh it with `strata refresh` (or the generated refresh function), which records "
				"when",
				"materialized view %s has no recorded refresh, so its age is unknown (threshold %d s)",
				m->name, max_s);
			continue;
		}
		double age = (double)(now - m->refreshed_at) / 1e6;
		if (age > max_s) {
			bad++;
			strata__health_find(r, STRATA_HEALTH_WARNING, "matview_stale", m->name,
					    "refresh it more often (`strata refresh NAME` from a scheduler)",
					    "materialized view %s was last refreshed %.0f s ago (threshold %d s)",
					    m->name, age, max_s);
		}
	}
	if (bad)
		strata__health_summary(r, "%zu of %zu materialized view%s need a refresh", bad, n, n == 1 ? "" : "s");
	else if (max_s > 0)
		strata__health_summary(r, "%zu materialized view%s, each populated and refreshed within %d s", n,
				       n == 1 ? "" : "s", max_s);
	else
		strata__health_summary(
			r, "%zu materialized view%s, each populated (set matview_max_age_s to judge their age)", n,
			n == 1 ? "" : "s");
	strata_matview_list_free(v, n);
}

/* ---- queries whose mean time grew (pg_stat_statements) ---- */

typedef struct base_stmt {
	int64_t queryid;
	const char *user;
	int64_t calls;
	double total_ms;
} base_stmt;

static const base_stmt *find_base(const base_stmt *b, size_t n, int64_t queryid, const char *user)
{
	for (size_t i = 0; i < n; i++)
		if (b[i].queryid == queryid && !strcmp(b[i].user, user))
			return &b[i];
	return NULL;
}

void strata__check_queries(strata__hrun *r)
{
	const char *file = r->o.queries_baseline;
	if (r->backend != STRATA_BACKEND_POSTGRES) {
		strata__health_skip(r, "PostgreSQL only (pg_stat_statements)");
		return;
	}
	struct stat sb;
	if (stat(file, &sb) != 0) {
		strata__health_skip(
			r, "no baseline (%s; write one with `strata stats --queries --json --limit 100000 > %s`)", file,
			file);
		return;
	}
	json_error_t jerr;
	json_t *root = json_load_file(file, 0, &jerr);
	json_t *list = root ? json_object_get(root, "statements") : NULL;
	if (!root || !json_is_array(list)) {
		strata__health_find(
			r, STRATA_HEALTH_FAILURE, "queries_baseline", file,
			"write it again with `strata stats --queries --json --limit 100000`",
			root ? "%s is not the output of strata stats --queries --json (no \"statements\" list)"
			     : "%s:%d:%d: %s",
			file, jerr.line, jerr.column, jerr.text);
		json_decref(root);
		return;
	}
	size_t nb = json_array_size(list);
	base_stmt *base = calloc(nb ? nb : 1, sizeof *base);
	if (!base) {
		r->oom = true;
		json_decref(root);
		return;
	}
	for (size_t i = 0; i < nb; i++) {
		json_t *o = json_array_get(list, i);
		const char *user = json_string_value(json_object_get(o, "user"));
		base[i] = (base_stmt){ json_integer_value(json_object_get(o, "queryid")), user ? user : "",
				       json_integer_value(json_object_get(o, "calls")),
				       json_number_value(json_object_get(o, "total_ms")) };
	}
	strata_statements *s = NULL;
	strata_statements_options so = STRATA_STATEMENTS_OPTIONS_INIT;
	so.limit = -1;
	if (strata_statements_collect(r->db, &so, &s) != STRATA_OK) {
		strata__health_query_failed(r, "reading pg_stat_statements");
		goto done;
	}
	if (!s->available) {
		strata__health_skip(r, "%s", s->hint);
		goto done;
	}
	size_t compared = 0, grew = 0;
	int64_t min_calls = r->t.query_min_calls;
	for (size_t i = 0; i < s->count; i++) {
		const strata_statement *q = &s->statements[i];
		const base_stmt *b = find_base(base, nb, q->queryid, q->user);
		if (!b || b->calls < min_calls)
			continue;
		/* the calls since the baseline, unless the counters were reset meanwhile */
		int64_t calls = q->calls - b->calls;
		double total = q->total_ms - b->total_ms;
		if (calls < 0 || total < 0) {
			calls = q->calls;
			total = q->total_ms;
		}
		if (calls < min_calls)
			continue;
		compared++;
		double before = b->total_ms / (double)b->calls, now = total / (double)calls;
		if (before > 0 && now > before * (1 + r->t.query_mean_growth_pct / 100.0)) {
			char subject[32];
			snprintf(subject, sizeof subject, "queryid %lld", (long long)q->queryid);
			grew++;
			strata__health_find(
				r, STRATA_HEALTH_WARNING, "query_slower", subject,
				"look at its plan (EXPLAIN ANALYZE): a missing index, stale statistics or more data",
				"mean time grew from %.3f ms to %.3f ms (+%.0f%%, threshold %d%%) over %lld calls: "
				"%.200s",
				before, now, (now / before - 1) * 100, r->t.query_mean_growth_pct, (long long)calls,
				q->query);
		}
	}
	strata__health_figure(r, "queries_compared", (double)compared, "count");
	strata__health_figure(r, "queries_slower", (double)grew, "count");
	if (!grew)
		strata__health_summary(r, "%zu quer%s compared with %s, none slower by more than %d%%", compared,
				       compared == 1 ? "y" : "ies", file, r->t.query_mean_growth_pct);
	else
		strata__health_summary(r, "%zu of %zu queries slower than in %s", grew, compared, file);
done:
	strata_statements_free(s);
	free(base);
	json_decref(root);
}
