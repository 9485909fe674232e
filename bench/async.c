/*
 * bench_async: the libuv example server (examples/async_server) under its
 * load generator on loopback, in its two modes against the same database:
 * non-blocking connections on the loop thread against the blocking
 * task_list() on libuv's worker threads with a pool of as many
 * connections.  64 clients keep one request each in flight; every answer
 * is checked by the load generator.
 *
 *   bench_async [--pg URL] [--requests N] [--connections N]
 *
 * The server is $STRATA_TEST_PG_URL (or --pg); a database
 * strata_bench_async is made afresh on it and dropped afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>

struct result {
	double rps;
	long p50_us, p99_us, ok, bad;
	int rc;
};

static struct result run(const char *mode, int connections, long requests)
{
	struct result r = { 0 };
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "%s --server %s --mode %s --connections %d --concurrency 64 --requests %ld --seconds 300",
		 ASYNC_LOAD_BIN, ASYNC_SERVER_BIN, mode, connections, requests);
	FILE *p = popen(cmd, "r");
	char line[512] = "";
	if (!p || !fgets(line, sizeof line, p)) {
		r.rc = -1;
	} else {
		long req = 0;
		double secs = 0;
		long mx = 0;
		if (sscanf(line, "requests %ld ok %ld bad %ld seconds %lf rps %lf p50_us %ld p99_us %ld max_us %ld",
			   &req, &r.ok, &r.bad, &secs, &r.rps, &r.p50_us, &r.p99_us, &mx) != 8)
			r.rc = -1;
	}
	int st = p ? pclose(p) : -1;
	if (st != 0)
		r.rc = -1;
	return r;
}

int main(int argc, char **argv)
{
	const char *pg = getenv("STRATA_TEST_PG_URL");
	long requests = 20000;
	int connections = 4;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc)
			pg = argv[++i];
		else if (strcmp(argv[i], "--requests") == 0 && i + 1 < argc)
			requests = atol(argv[++i]);
		else if (strcmp(argv[i], "--connections") == 0 && i + 1 < argc)
			connections = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_async [--pg URL] [--requests N] [--connections N]\n");
			return 2;
		}
	}
	if (!pg || !*pg) {
		fprintf(stderr, "bench_async: needs a PostgreSQL server: --pg URL or $STRATA_TEST_PG_URL\n");
		return 2;
	}
	/* a database of its own, next to the one the URL names */
	const char *slash = strrchr(pg, '/');
	const char *query = strchr(pg, '?');
	if (!slash || slash < strstr(pg, "//") + 2) {
		fprintf(stderr, "bench_async: the URL names no database\n");
		return 2;
	}
	char url[1024];
	snprintf(url, sizeof url, "%.*s/strata_bench_async%s", (int)(slash - pg), pg, query ? query : "");
	strata_db *admin;
	if (strata_open(&admin, pg, NULL) != STRATA_OK ||
	    strata_exec(admin, "DROP DATABASE IF EXISTS strata_bench_async WITH (FORCE)") != STRATA_OK ||
	    strata_exec(admin, "CREATE DATABASE strata_bench_async") != STRATA_OK) {
		fprintf(stderr, "bench_async: %s\n", strata_error_last()->message);
		return 1;
	}
	setenv("DATABASE_URL", url, 1);

	/* a first short run seeds the data and warms the server's caches */
	run("async", connections, 500);
	struct result a = run("async", connections, requests);
	struct result t = run("threads", connections, requests);
	printf("\nThe libuv example server, 64 clients on loopback, %ld checked requests each\n", requests);
	printf("| server | requests/s | p50 latency | p99 latency |\n| --- | ---: | ---: | ---: |\n");
	printf("| one thread, %d non-blocking connections | %.0f | %.2f ms | %.2f ms |%s\n", connections, a.rps,
	       (double)a.p50_us / 1000, (double)a.p99_us / 1000, a.rc ? " FAILED (see stderr)" : "");
	printf("| blocking pool of %d on %d worker threads | %.0f | %.2f ms | %.2f ms |%s\n", connections, connections,
	       t.rps, (double)t.p50_us / 1000, (double)t.p99_us / 1000, t.rc ? " FAILED (see stderr)" : "");
	bool met_rps = a.rps >= t.rps, met_p99 = a.p99_us <= t.p99_us;
	printf("\n| target | result |\n| --- | --- |\n");
	printf("| non-blocking requests/s at least the worker threads' | %s (%.2fx) |\n", met_rps ? "met" : "not met",
	       t.rps > 0 ? a.rps / t.rps : 0);
	printf("| non-blocking p99 at most the worker threads' | %s |\n", met_p99 ? "met" : "not met");

	strata_exec(admin, "DROP DATABASE IF EXISTS strata_bench_async WITH (FORCE)");
	strata_close(admin);
	return a.rc || t.rc ? 1 : 0;
}
