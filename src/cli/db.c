/*
 * strata db create|drop and strata wait: the database the URL names.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "migrate.h"

/* ---- strata db create | drop ---- */

int cmd_db(int argc, char **argv)
{
	mig_opts o;
	memset(&o, 0, sizeof o);
	int rc = mig_parse_opts(argc, argv, &o);
	if (rc == -1) {
		printf("usage: strata db create|drop [--url URL] [--force]\n"
		       "  create  create the database the URL names (PostgreSQL: CREATE DATABASE; SQLite: the file)\n"
		       "  drop    drop it; needs --force, as everything in it is lost\n");
		return 0;
	}
	if (rc)
		return rc;
	if (optind >= argc || (strcmp(argv[optind], "create") != 0 && strcmp(argv[optind], "drop") != 0)) {
		cli_errorf("db: expected create or drop (see strata db --help)");
		return 2;
	}
	if (optind + 1 < argc) {
		cli_errorf("db: unexpected argument '%s'", argv[optind + 1]);
		return 2;
	}
	bool create = strcmp(argv[optind], "create") == 0;
	if (!create && !o.force) {
		cli_errorf("db drop: this deletes the database and everything in it; run again with --force");
		return 2;
	}
	char *url = cli_resolve_url(o.url);
	if (!url)
		return 1;
	char *shown = strata_url_redact(url);
	bool existed = false;
	rc = create ? strata_database_create(url, &existed) : strata_database_drop(url, &existed);
	if (rc != STRATA_OK) {
		cli_error(create ? "db create" : "db drop");
	} else if (create) {
		printf(existed ? "%s already exists\n" : "created %s\n", shown ? shown : "the database");
	} else {
		printf(existed ? "dropped %s\n" : "%s does not exist\n", shown ? shown : "the database");
	}
	free(shown);
	free(url);
	return rc == STRATA_OK ? 0 : 1;
}

/* ---- strata wait ---- */

int cmd_wait(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *flag_url = NULL;
	int timeout_s = 30, c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":u:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 't':
			if (mig_parse_positive("--timeout", optarg, &timeout_s))
				return 2;
			break;
		case 'h':
			printf("usage: strata wait [--url URL] [--timeout SECONDS]\n"
			       "Wait until the database accepts connections (default: up to 30 s).\n"
			       "Exit 0 when it does, 1 when the time runs out.\n");
			return 0;
		case ':': cli_errorf("wait: option '%s' needs a value", argv[optind - 1]); return 2;
		default: cli_errorf("wait: unknown option '%s' (see strata wait --help)", argv[optind - 1]); return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("wait: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	char *url = cli_resolve_url(flag_url);
	if (!url)
		return 1;
	/* SQLite: wait for the file to exist rather than create it */
	if (strncasecmp(url, "sqlite", 6) == 0 && !strstr(url, "mode=") && !strstr(url, ":memory:")) {
		size_t n = strlen(url) + 16;
		char *rw = malloc(n);
		if (!rw) {
			free(url);
			cli_errorf("out of memory");
			return 1;
		}
		snprintf(rw, n, "%s%smode=rw", url, strchr(url, '?') ? "&" : "?");
		free(url);
		url = rw;
	}
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc;
	for (;;) {
		strata_db *db = NULL;
		rc = strata_open(&db, url, NULL);
		if (rc == STRATA_OK)
			rc = strata_ping(db);
		strata_close(db);
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
		if (rc == STRATA_OK) {
			printf("ready after %.1f s\n", el);
			break;
		}
		if (rc == STRATA_EINVAL || rc == STRATA_EAUTH || el >= timeout_s) {
			cli_errorf("wait: the database is not ready after %.1f s: %s", el,
				   cli_text(strata_error_last()->message));
			break;
		}
		struct timespec nap = { 0, 250 * 1000 * 1000 };
		nanosleep(&nap, NULL);
	}
	free(url);
	return rc == STRATA_OK ? 0 : 1;
}
