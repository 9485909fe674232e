/*
 * strata stats [--url URL] [--json]: tables largest first with rows, data
 * and index sizes; indexes with their size and use; totals.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <strata/health.h>

#include "cli.h"
#include "ops.h"

static void print_human(const strata_stats *s)
{
	bool color = cli_color(), pg = !strcmp(s->backend, "postgres");
	char rows[32], data[32], idx[32], bloat[32], total[32], nidx[16];
	ops_table t;
	static const char *const head_sqlite[] = { "TABLE", "ROWS", "DATA", "INDEXES", "TOTAL", "#IDX" };
	static const char *const head_pg[] = { "TABLE", "ROWS", "DATA", "INDEXES", "TOTAL", "#IDX", "BLOAT (EST.)" };
	ops_table_init(&t, pg ? 7 : 6, "lrrrrrr", pg ? head_pg : head_sqlite);
	bool estimated = false;
	for (size_t i = 0; i < s->ntables; i++) {
		const strata_stats_table *x = &s->tables[i];
		char name[512];
		snprintf(name, sizeof name, "%s%s", x->name,
			 x->kind == STRATA_STATS_PARTITIONED ? " (partitioned)"
			 : x->kind == STRATA_STATS_MATVIEW   ? " (materialized view)"
							     : "");
		ops_count(x->rows, rows, sizeof rows - 2);
		if (!x->populated) {
			snprintf(rows, sizeof rows, "not populated");
		} else if (!x->rows_exact) {
			memmove(rows + 1, rows, strlen(rows) + 1);
			rows[0] = '~';
			estimated = true;
		}
		ops_bytes(x->data_bytes, data, sizeof data);
		ops_bytes(x->index_bytes, idx, sizeof idx);
		ops_bytes(x->data_bytes + x->index_bytes, total, sizeof total);
		snprintf(nidx, sizeof nidx, "%zu", x->nindexes);
		if (x->bloat_bytes >= 0)
			ops_bytes(x->bloat_bytes, bloat, sizeof bloat);
		else
			strcpy(bloat, "-");
		const char *row[] = { name, rows, data, idx, total, nidx, bloat };
		ops_table_row(&t, row);
	}
	ops_count(s->total_rows, rows, sizeof rows);
	ops_bytes(s->total_data_bytes, data, sizeof data);
	ops_bytes(s->total_index_bytes, idx, sizeof idx);
	ops_bytes(s->total_data_bytes + s->total_index_bytes, total, sizeof total);
	ops_bytes(s->total_bloat_bytes, bloat, sizeof bloat);
	size_t n = 0;
	for (size_t i = 0; i < s->ntables; i++)
		n += s->tables[i].nindexes;
	snprintf(nidx, sizeof nidx, "%zu", n);
	const char *tot[] = { "total", rows, data, idx, total, nidx, bloat };
	ops_table_row(&t, tot);
	ops_table_print(&t, stdout, color, "");
	ops_table_free(&t);
	if (estimated)
		printf("~ estimated row count (the planner's statistics; the table is large)\n");
	for (size_t i = 0; i < s->ntables; i++)
		if (s->tables[i].kind == STRATA_STATS_PARTITIONED) {
			printf("a partitioned table's rows are its partitions'; the total counts them once\n");
			break;
		}

	if (n) {
		static const char *const ihead[] = { "INDEX", "TABLE", "SIZE", "SCANS", "KIND" };
		ops_table_init(&t, 5, "llrrl", ihead);
		for (size_t i = 0; i < s->ntables; i++)
			for (size_t k = 0; k < s->tables[i].nindexes; k++) {
				const strata_stats_index *x = &s->tables[i].indexes[k];
				char size[32], scans[32];
				ops_bytes(x->bytes, size, sizeof size);
				if (x->scans >= 0)
					ops_count(x->scans, scans, sizeof scans);
				else
					strcpy(scans, "-");
				const char *row[] = { x->name, s->tables[i].name, size, scans,
						      x->primary  ? "primary"
						      : x->unique ? "unique"
								  : "" };
				ops_table_row(&t, row);
			}
		putchar('\n');
		ops_table_print(&t, stdout, color, "");
		ops_table_free(&t);
	}
	char db[32];
	ops_bytes(s->database_bytes, db, sizeof db);
	printf("\n%s: %s", s->database, db);
	if (!pg) {
		printf(", %lld pages of %lld bytes, %lld free", (long long)s->page_count, (long long)s->page_size,
		       (long long)s->freelist_count);
		if (s->page_count > 0 && s->freelist_count * 4 > s->page_count)
			printf(" (strata optimize --vacuum reclaims them)");
	}
	printf("\n");
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *flag_url = NULL;
	bool json = false;
	int c;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (!strcmp(argv[i], "--queries"))
			return cmd_stats_queries(argc, argv);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "u:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 'j': json = true; break;
		case 'h':
			printf("usage: strata stats [--url URL] [--json]\n"
			       "       strata stats --queries [--url URL | --file FILE] [--limit N] [--order "
			       "total|mean|calls|rows] [--json]\n"
			       "Tables largest first: rows (exact, or ~ estimated for large PostgreSQL tables), data "
			       "and\n"
			       "index size, bloat (PostgreSQL); then every index with its size and use.\n"
			       "--queries: the top queries, from pg_stat_statements or from a file an application "
			       "saved\n"
			       "(see strata stats --queries --help).\n");
			return 0;
		default: cli_errorf("stats: unknown option '%s' (see strata stats --help)", argv[optind - 1]); return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("stats: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	ops_db d;
	strata_stats *s = NULL;
	int status = 1;
	if (ops_db_open(&d, flag_url, OPS_EXISTING, json))
		goto done;
	if (strata_stats_collect(&s, d.db, NULL) != STRATA_OK) {
		ops_fail("stats", json);
		goto done;
	}
	if (json) {
		char *text = NULL;
		if (strata_stats_json(s, true, &text) != STRATA_OK) {
			ops_fail("stats", json);
			goto done;
		}
		puts(text);
		free(text);
	} else {
		print_human(s);
	}
	status = 0;
done:
	strata_stats_free(s);
	ops_db_close(&d);
	return status;
}
