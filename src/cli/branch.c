/*
 * strata branch create NAME | list | delete NAME: copies of the database
 * for development, tests and previews.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <strata/health.h>

#include "cli.h"
#include "ops.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: strata branch [--url URL] [--json] create NAME | list | delete NAME\n"
		   "SQLite: a copy beside the file (<name>.branch.NAME.db) through the online backup API.\n"
		   "PostgreSQL: CREATE DATABASE <db>_NAME TEMPLATE <db> (no other session may be connected).\n"
		   "create prints the branch's URL for DATABASE_URL (the password is shown as ***: it is the\n"
		   "original's).\n");
}

int cmd_branch(int argc, char **argv)
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
	while ((c = getopt_long(argc, argv, "+u:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default:
			cli_errorf("branch: unknown option '%s' (see strata branch --help)", argv[optind - 1]);
			return 2;
		}
	}
	/* options may also follow the subcommand */
	int rest = optind;
	const char *sub = rest < argc ? argv[rest] : NULL;
	const char *name = NULL;
	for (int i = rest + 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--url") && i + 1 < argc)
			flag_url = argv[++i];
		else if (!strncmp(argv[i], "--url=", 6))
			flag_url = argv[i] + 6;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else {
			cli_errorf("branch: unexpected argument '%s'", argv[i]);
			return 2;
		}
	}
	bool needs_name = sub && (!strcmp(sub, "create") || !strcmp(sub, "delete"));
	if (!sub || (!needs_name && strcmp(sub, "list") != 0)) {
		usage(stderr);
		return 2;
	}
	if (needs_name != (name != NULL)) {
		cli_errorf("branch %s: %s", sub, needs_name ? "give the branch's NAME" : "takes no NAME");
		return 2;
	}
	char *url = cli_resolve_url(flag_url);
	if (!url)
		return 1;
	int status = 1;
	if (!strcmp(sub, "create")) {
		char *burl = NULL;
		if (strata_branch_create(url, name, &burl) != STRATA_OK) {
			cli_error(NULL);
			goto done;
		}
		char *shown = strata_url_redact(burl);
		if (json)
			printf("{\"name\":\"%s\",\"url\":\"%s\"}\n", name, shown ? shown : "");
		else
			printf("created branch %s\nDATABASE_URL=%s\n", name, shown ? shown : "");
		free(shown);
		free(burl);
		status = 0;
	} else if (!strcmp(sub, "delete")) {
		if (strata_branch_delete(url, name) != STRATA_OK) {
			cli_error(NULL);
			goto done;
		}
		if (!json)
			printf("deleted branch %s\n", name);
		else
			printf("{\"deleted\":\"%s\"}\n", name);
		status = 0;
	} else {
		strata_branch_info *list = NULL;
		size_t n = 0;
		if (strata_branch_list(url, &list, &n) != STRATA_OK) {
			cli_error(NULL);
			goto done;
		}
		ops_table t;
		static const char *const head[] = { "BRANCH", "SIZE", "CREATED", "URL" };
		ops_table_init(&t, 4, "lrll", head);
		if (json)
			printf("[");
		for (size_t i = 0; i < n; i++) {
			char size[32], created[STRATA_TIMESTAMP_BUFSZ] = "-";
			ops_bytes(list[i].bytes, size, sizeof size);
			if (list[i].created_at) {
				strata_timestamp_format(list[i].created_at, created);
				created[19] = '\0'; /* to the second */
				created[10] = ' ';
			}
			if (json)
				printf("%s{\"name\":\"%s\",\"url\":\"%s\",\"bytes\":%lld,\"created_at\":%lld}",
				       i ? "," : "", list[i].name, list[i].url, (long long)list[i].bytes,
				       (long long)(list[i].created_at / 1000000));
			const char *row[] = { list[i].name, size, created, list[i].url };
			ops_table_row(&t, row);
		}
		if (json)
			printf("]\n");
		else if (n)
			ops_table_print(&t, stdout, cli_color(), "");
		else
			printf("no branches (strata branch create NAME makes one)\n");
		ops_table_free(&t);
		strata_branch_list_free(list, n);
		status = 0;
	}
done:
	free(url);
	return status;
}
