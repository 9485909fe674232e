/*
 * strata stats --queries: the queries that cost the most.  From a file an
 * application saved (--file: its own per-query statistics, on either
 * backend), or from the server (PostgreSQL's pg_stat_statements, with a
 * hint how to switch it on when it is not).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <strata/activity.h>

#include "cli.h"
#include "ops.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: strata stats --queries [--url URL | --file FILE] [--limit N] [--order total|mean|calls|rows]\n"
		"                             [--json]\n"
		"The queries that cost the most time.\n"
		"  --file FILE   statistics an application saved (DB_QUERY_STATS=true, strata_query_stats_save());\n"
		"                no database needed, either backend\n"
		"  (no --file)   PostgreSQL's pg_stat_statements for the URL's database\n"
		"  --limit N     queries shown (default 20)\n"
		"  --order KEY   total (default), mean, calls or rows\n");
}

static void ms(double v, char *buf, size_t cap)
{
	if (v >= 100)
		snprintf(buf, cap, "%.0f", v);
	else if (v >= 1)
		snprintf(buf, cap, "%.2f", v);
	else
		snprintf(buf, cap, "%.3f", v);
}

static const char *order_key;

static double key_of(const strata_query_stat *q)
{
	if (!strcmp(order_key, "mean"))
		return q->mean_ms;
	if (!strcmp(order_key, "calls"))
		return (double)q->calls;
	if (!strcmp(order_key, "rows"))
		return (double)q->rows;
	return q->total_ms;
}

static int by_key(const void *x, const void *y)
{
	double a = key_of(x), b = key_of(y);
	return a < b ? 1 : a > b ? -1 : 0;
}

static int from_file(const char *path, int limit, bool json)
{
	strata_query_stats *s = NULL;
	if (strata_query_stats_load(path, &s) != STRATA_OK) {
		ops_fail("stats --queries", json);
		return 1;
	}
	qsort(s->queries, s->count, sizeof *s->queries, by_key);
	size_t all = s->count;
	if ((size_t)limit < s->count)
		s->count = (size_t)limit; /* shown; put back before the free */
	int status = 0;
	if (json) {
		char *text = NULL;
		if (strata_query_stats_json(s, true, &text) != STRATA_OK) {
			cli_error("stats --queries");
			status = 1;
		} else {
			puts(text);
			free(text);
		}
		s->count = all;
		strata_query_stats_free(s);
		return status;
	}
	bool color = cli_color();
	char since[STRATA_TIMESTAMP_BUFSZ], taken[STRATA_TIMESTAMP_BUFSZ], total[32], calls[32];
	strata_timestamp_format(s->since, since);
	strata_timestamp_format(s->taken_at, taken);
	ms(s->total_ms, total, sizeof total);
	ops_count((int64_t)s->calls, calls, sizeof calls);
	printf("%sQueries of the application%s, from %s (%.19s to %.19s UTC): %s calls, %s ms\n\n",
	       ops_c(color, OPS_BOLD), ops_c(color, OPS_RESET), path, since, taken, calls, total);
	static const char *const head[] = { "TOTAL ms", "%",   "CALLS", "MEAN", "P50", "P95",
					    "P99",	"MAX", "ROWS",	"ERR",	"N+1", "QUERY" };
	ops_table t;
	ops_table_init(&t, 12, "rrrrrrrrrrrl", head);
	for (size_t i = 0; i < s->count; i++) {
		const strata_query_stat *q = &s->queries[i];
		char c[12][32];
		ms(q->total_ms, c[0], 32);
		snprintf(c[1], 32, "%.1f", s->total_ms > 0 ? 100 * q->total_ms / s->total_ms : 0);
		ops_count((int64_t)q->calls, c[2], 32);
		ms(q->mean_ms, c[3], 32);
		ms(q->p50_ms, c[4], 32);
		ms(q->p95_ms, c[5], 32);
		ms(q->p99_ms, c[6], 32);
		ms(q->max_ms, c[7], 32);
		ops_count(q->rows, c[8], 32);
		ops_count((int64_t)q->errors, c[9], 32);
		ops_count((int64_t)q->n_plus_one, c[10], 32);
		const char *row[] = {
			c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], q->fingerprint
		};
		ops_table_row(&t, row);
	}
	ops_table_fit_last(&t, ops_term_width());
	ops_table_print(&t, stdout, color, "");
	ops_table_free(&t);
	if (all > s->count)
		printf("\n%zu more queries (--limit)", all - s->count);
	printf("\ntimes in ms; P50-P99 within 3.125%%; N+1: transactions that ran the query more than the N+1 "
	       "threshold\n");
	s->count = all;
	strata_query_stats_free(s);
	return 0;
}

static int from_server(const char *flag_url, int limit, bool json)
{
	ops_db d;
	strata_statements *s = NULL;
	int status = 1;
	strata_statements_options o = STRATA_STATEMENTS_OPTIONS_INIT;
	o.limit = limit;
	o.order = order_key;
	if (ops_db_open(&d, flag_url, OPS_EXISTING, json))
		goto done;
	strata_db *db = d.db;
	if (strata_statements_collect(db, &o, &s) != STRATA_OK) {
		ops_fail("stats --queries", json);
		goto done;
	}
	if (json) {
		char *text = NULL;
		if (strata_statements_json(s, true, &text) != STRATA_OK) {
			cli_error("stats --queries");
			goto done;
		}
		puts(text);
		free(text);
		if (!s->available)
			cli_errorf("stats --queries: %s", s->hint);
		status = s->available ? 0 : 1;
		goto done;
	}
	if (!s->available) {
		cli_errorf("stats --queries: %s", s->hint);
		goto done;
	}
	bool color = cli_color();
	char total[32], calls[32];
	ms(s->total_ms, total, sizeof total);
	ops_count(s->calls, calls, sizeof calls);
	printf("%sQueries of this database%s, from pg_stat_statements (since its last reset): %s calls, %s ms\n\n",
	       ops_c(color, OPS_BOLD), ops_c(color, OPS_RESET), calls, total);
	static const char *const head[] = { "TOTAL ms", "%", "CALLS", "MEAN", "MAX", "ROWS", "CACHE HIT", "QUERY" };
	ops_table t;
	ops_table_init(&t, 8, "rrrrrrrl", head);
	for (size_t i = 0; i < s->count; i++) {
		const strata_statement *q = &s->statements[i];
		char c[7][32];
		ms(q->total_ms, c[0], 32);
		snprintf(c[1], 32, "%.1f", s->total_ms > 0 ? 100 * q->total_ms / s->total_ms : 0);
		ops_count(q->calls, c[2], 32);
		ms(q->mean_ms, c[3], 32);
		ms(q->max_ms, c[4], 32);
		ops_count(q->rows, c[5], 32);
		if (q->hit_ratio < 0)
			snprintf(c[6], 32, "-");
		else
			snprintf(c[6], 32, "%.1f%%", q->hit_ratio * 100);
		const char *row[] = { c[0], c[1], c[2], c[3], c[4], c[5], c[6], q->query };
		ops_table_row(&t, row);
	}
	ops_table_fit_last(&t, ops_term_width());
	ops_table_print(&t, stdout, color, "");
	ops_table_free(&t);
	printf("\ntimes in ms; CACHE HIT: the share of shared-buffer reads found in memory\n");
	status = 0;
done:
	strata_statements_free(s);
	ops_db_close(&d);
	return status;
}

int cmd_stats_queries(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "queries", no_argument, NULL, 'q' },	   { "url", required_argument, NULL, 'u' },
		{ "file", required_argument, NULL, 'f' },  { "limit", required_argument, NULL, 'l' },
		{ "order", required_argument, NULL, 'o' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },	   { NULL, 0, NULL, 0 },
	};
	const char *flag_url = NULL, *file = NULL;
	int limit = 20;
	bool json = false;
	int c;
	order_key = "total";
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qu:f:l:o:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': break;
		case 'u': flag_url = optarg; break;
		case 'f': file = optarg; break;
		case 'l': {
			char *end;
			errno = 0;
			long n = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || n < 1 || n > 100000) {
				cli_errorf("stats --queries: --limit '%s' is not a whole number from 1 to 100000",
					   optarg);
				return 2;
			}
			limit = (int)n;
			break;
		}
		case 'o':
			if (strcmp(optarg, "total") && strcmp(optarg, "mean") && strcmp(optarg, "calls") &&
			    strcmp(optarg, "rows")) {
				cli_errorf("stats --queries: --order '%s' is not total, mean, calls or rows", optarg);
				return 2;
			}
			order_key = optarg;
			break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default:
			cli_errorf("stats --queries: unknown option '%s' (see strata stats --queries --help)",
				   argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("stats --queries: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (file && flag_url) {
		cli_errorf("stats --queries: --file and --url name two sources: give one");
		return 2;
	}
	return file ? from_file(file, limit, json) : from_server(flag_url, limit, json);
}
