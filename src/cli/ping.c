/*
 * strata ping [--url URL] [--json]: connect, print the server version and
 * the round-trip time of a trivial query.  Exit 0 when reachable, 1 not.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ops.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int cmd_ping(int argc, char **argv)
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
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "u:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 'j': json = true; break;
		case 'h':
			printf("usage: strata ping [--url URL] [--json]\n"
			       "Connect, print the server version and the round-trip time.\n");
			return 0;
		default: cli_errorf("ping: unknown option '%s' (see strata ping --help)", argv[optind - 1]); return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("ping: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	ops_db d;
	double t0 = now_ms();
	if (ops_db_open(&d, flag_url, 0, json)) {
		ops_db_close(&d);
		return 1;
	}
	strata_db *db = d.db;
	double t1 = now_ms();
	int rc = strata_ping(db);
	double t2 = now_ms();
	if (rc != STRATA_OK) {
		ops_fail("ping", json);
	} else if (json) {
		printf("{\"ok\":true,\"backend\":\"%s\",\"server_version\":\"%s\",\"connect_ms\":%.3f,\"round_trip_"
		       "ms\":%.3f}\n",
		       strata_db_backend(db) == STRATA_BACKEND_SQLITE ? "sqlite" : "postgres",
		       strata_db_server_version(db), t1 - t0, t2 - t1);
	} else {
		printf("%s: %s %s, connected in %.2f ms, round trip %.3f ms\n", d.shown,
		       strata_db_backend(db) == STRATA_BACKEND_SQLITE ? "SQLite" : "PostgreSQL",
		       strata_db_server_version(db), t1 - t0, t2 - t1);
	}
	ops_db_close(&d);
	return rc == STRATA_OK ? 0 : 1;
}
