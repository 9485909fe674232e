/*
 * strata refresh [NAME...] [--url URL] [--list] [--json]: refresh
 * materialized views (all of them, in creation order, when no name is
 * given), each in its own transaction; or list them with their last
 * refresh.  Every name is checked before anything is refreshed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <strata/matview.h>

#include "cli.h"
#include "ops.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: strata refresh [NAME...] [--url URL] [--json]\n"
		   "       strata refresh --list [--url URL] [--json]\n"
		   "Refresh materialized views: the ones named, or all in creation order.  PostgreSQL runs\n"
		   "REFRESH MATERIALIZED VIEW CONCURRENTLY when a unique index allows it (reads go on), plain\n"
		   "REFRESH otherwise; SQLite rebuilds the view's table in one transaction.  Each view is\n"
		   "refreshed in its own transaction and the time is recorded for `strata health`.\n\n"
		   "  --list   the materialized views, whether populated, and their last refresh\n"
		   "  --json   JSON output\n");
}

static void ago(strata_timestamp at, char *buf, size_t cap)
{
	if (!at) {
		snprintf(buf, cap, "never (by Strata)");
		return;
	}
	char when[STRATA_TIMESTAMP_BUFSZ];
	strata_timestamp_format(at, when);
	double s = (double)(strata_timestamp_now() - at) / 1e6;
	if (s < 120)
		snprintf(buf, cap, "%.19s UTC (%.0f s ago)", when, s);
	else if (s < 7200)
		snprintf(buf, cap, "%.19s UTC (%.0f min ago)", when, s / 60);
	else
		snprintf(buf, cap, "%.19s UTC (%.1f h ago)", when, s / 3600);
}

static int list(strata_matview *v, size_t n, bool json, bool sqlite)
{
	if (json) {
		printf("{\n  \"materialized_views\": [");
		for (size_t i = 0; i < n; i++) {
			char at[STRATA_TIMESTAMP_BUFSZ] = "";
			if (v[i].refreshed_at)
				strata_timestamp_format(v[i].refreshed_at, at);
			printf("%s\n    {\"name\": ", i ? "," : "");
			ops_json_str(stdout, v[i].name);
			printf(", \"populated\": %s, \"concurrently\": %s, \"refreshed_at\": ",
			       v[i].populated ? "true" : "false", v[i].concurrently ? "true" : "false");
			if (v[i].refreshed_at)
				ops_json_str(stdout, at);
			else
				printf("null");
			if (v[i].refresh_ms >= 0)
				printf(", \"refresh_ms\": %.3f", v[i].refresh_ms);
			else
				printf(", \"refresh_ms\": null");
			if (v[i].rows >= 0)
				printf(", \"rows\": %lld}", (long long)v[i].rows);
			else
				printf(", \"rows\": null}");
		}
		printf("%s]\n}\n", n ? "\n  " : "");
		return 0;
	}
	if (!n) {
		printf("no materialized views in this database\n");
		return 0;
	}
	bool color = cli_color();
	static const char *const head[] = { "NAME", "POPULATED", "REFRESH", "LAST REFRESH", "TOOK" };
	ops_table t;
	ops_table_init(&t, 5, "lllll", head);
	for (size_t i = 0; i < n; i++) {
		char when[96], took[32] = "-";
		ago(v[i].refreshed_at, when, sizeof when);
		if (v[i].refresh_ms >= 0)
			snprintf(took, sizeof took, "%.1f ms", v[i].refresh_ms);
		const char *row[] = { v[i].name, v[i].populated ? "yes" : "no",
				      sqlite		  ? "rebuild"
				      : v[i].concurrently ? "concurrently"
							  : "plain",
				      when, took };
		ops_table_row(&t, row);
	}
	ops_table_print(&t, stdout, color, "");
	ops_table_free(&t);
	return 0;
}

int cmd_refresh(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "list", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *flag_url = NULL;
	bool json = false, listing = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "u:ljh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 'l': listing = true; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default:
			cli_errorf("refresh: unknown option '%s' (see strata refresh --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (listing && optind < argc) {
		cli_errorf("refresh: --list takes no view names ('%s')", argv[optind]);
		return 2;
	}
	ops_db d;
	strata_matview *v = NULL;
	size_t n = 0;
	int status = 1;
	if (ops_db_open(&d, flag_url, OPS_EXISTING, json))
		goto done;
	if (strata_matview_list(d.db, &v, &n) != STRATA_OK) {
		ops_fail("refresh", json);
		goto done;
	}
	if (listing) {
		status = list(v, n, json, strata_db_backend(d.db) == STRATA_BACKEND_SQLITE);
		goto done;
	}
	/* every name first: a typo refreshes nothing */
	for (int i = optind; i < argc; i++) {
		bool known = false;
		for (size_t k = 0; k < n && !known; k++)
			known = !strcmp(v[k].name, argv[i]);
		if (!known) {
			strata_error_set(STRATA_ENOTFOUND,
					 "no materialized view named '%s' in %s (strata refresh --list)", argv[i],
					 d.shown);
			ops_fail("refresh", json);
			goto done;
		}
	}
	if (!n && !json)
		printf("no materialized views in this database\n");
	if (json)
		printf("{\n  \"refreshed\": [");
	size_t done_count = 0;
	for (size_t k = 0; k < n; k++) {
		bool wanted = optind >= argc;
		for (int i = optind; i < argc && !wanted; i++)
			wanted = !strcmp(v[k].name, argv[i]);
		if (!wanted)
			continue;
		strata_matview_refresh_result r;
		if (strata_matview_refresh(d.db, v[k].name, &r) != STRATA_OK) {
			if (json) {
				const strata_error *e = strata_error_last();
				printf("%s],\n  \"error\": ", done_count ? "\n  " : "");
				ops_json_str(stdout, cli_text(e->message));
				printf(",\n  \"status\": \"%s\"\n}\n", strata_status_name(e->status));
			} else {
				cli_error("refresh");
				if (done_count)
					cli_errorf("refresh: the %zu view%s before it stay refreshed", done_count,
						   done_count == 1 ? "" : "s");
			}
			goto done;
		}
		done_count++;
		if (json) {
			printf("%s\n    {\"name\": ", done_count > 1 ? "," : "");
			ops_json_str(stdout, v[k].name);
			printf(", \"mode\": \"%s\", \"ms\": %.3f",
			       strata_db_backend(d.db) == STRATA_BACKEND_SQLITE ? "rebuild"
			       : r.concurrently					? "concurrently"
										: "plain",
			       r.ms);
			if (r.rows >= 0)
				printf(", \"rows\": %lld}", (long long)r.rows);
			else
				printf(", \"rows\": null}");
		} else if (r.rows >= 0) {
			printf("refreshed %s (%lld row%s) in %.1f ms\n", v[k].name, (long long)r.rows,
			       r.rows == 1 ? "" : "s", r.ms);
		} else {
			printf("refreshed %s%s in %.1f ms\n", v[k].name, r.concurrently ? " concurrently" : "", r.ms);
		}
		fflush(stdout);
	}
	if (json)
		printf("%s]\n}\n", done_count ? "\n  " : "");
	status = 0;
done:
	strata_matview_list_free(v, n);
	ops_db_close(&d);
	return status;
}
