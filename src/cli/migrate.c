/*
 * strata migrate new|up|down|redo|status|history|verify|baseline|adopt
 * (and `migrate diff`, provided by migrate_diff.c): checks which options
 * go with which subcommand and dispatches.  The subcommands live in
 * migrate_run.c, migrate_status.c and migrate_admin.c; options and
 * context in migrate_opts.c; output helpers in migrate_out.c.
 *
 * Exit statuses: 0 done, 1 failed (the message says why and where), 2 bad
 * usage, 3 `status --exit-code` found pending migrations or drift.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "migrate.h"

/* Provided by the `migrate diff` command when it is built in. */
__attribute__((weak)) int cmd_migrate_diff(int argc, char **argv);

int cmd_migrate(int argc, char **argv)
{
	mig_ctx x;
	int rc;

	memset(&x, 0, sizeof x);
	if (argc >= 2 && strcmp(argv[1], "diff") == 0) {
		if (!cmd_migrate_diff) {
			cli_errorf("strata migrate diff: not available in this build");
			return 2;
		}
		return cmd_migrate_diff(argc - 1, argv + 1);
	}
	rc = mig_parse_opts(argc, argv, &x.o);
	if (rc == -1) {
		fputs(mig_usage, stdout);
		return 0;
	}
	if (rc)
		return rc;
	mig_color = cli_color();
	if (optind >= argc) {
		fputs(mig_usage, stderr);
		return 2;
	}
	const char *sub = argv[optind];
	int npos = argc - optind - 1;
	char **pos = argv + optind + 1;
	static const char *const known[] = { "new",	"up",	  "down",     "redo", "status",
					     "history", "verify", "baseline", "adopt" };
	bool ok = false;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		ok = ok || strcmp(sub, known[i]) == 0;
	if (!ok) {
		cli_errorf("migrate: unknown command '%s' (see strata migrate --help)", sub);
		return 2;
	}
	bool updown = strcmp(sub, "up") == 0 || strcmp(sub, "down") == 0;
	if ((x.o.sql || x.o.dry_run) && !updown) {
		cli_errorf("migrate %s: %s works only with up and down", sub, x.o.sql ? "--sql" : "--dry-run");
		return 2;
	}
	if (x.o.single_tx && !updown) {
		cli_errorf("migrate %s: --single-transaction works only with up and down", sub);
		return 2;
	}
	if (x.o.sql && x.o.dry_run) {
		cli_errorf("migrate %s: choose one of --sql and --dry-run", sub);
		return 2;
	}
	if (x.o.steps && strcmp(sub, "down") != 0) {
		cli_errorf("migrate %s: --steps works only with down", sub);
		return 2;
	}
	if (x.o.steps && x.o.to) {
		cli_errorf("migrate down: choose one of --steps and --to");
		return 2;
	}
	if (x.o.to && !updown) {
		cli_errorf("migrate %s: --to works only with up and down", sub);
		return 2;
	}
	if (x.o.exit_code && strcmp(sub, "status") != 0) {
		cli_errorf("migrate %s: --exit-code works only with status", sub);
		return 2;
	}
	if (strcmp(sub, "baseline") == 0 ? npos != 1 : strcmp(sub, "new") != 0 && npos != 0) {
		if (strcmp(sub, "baseline") == 0)
			cli_errorf("migrate baseline: needs exactly one VERSION, e.g. strata migrate baseline "
				   "20261122103000");
		else
			cli_errorf("migrate %s: unexpected argument '%s'", sub, pos[0]);
		return 2;
	}
	if (strcmp(sub, "new") == 0)
		return mig_new(&x.o, npos, pos);
	x.read_only = strcmp(sub, "status") == 0 || strcmp(sub, "history") == 0 || (updown && x.o.sql);
	rc = mig_open(&x);
	if (rc == 0) {
		if (updown)
			rc = mig_up_down(&x, strcmp(sub, "up") == 0, false);
		else if (strcmp(sub, "redo") == 0)
			rc = mig_up_down(&x, false, true);
		else if (strcmp(sub, "status") == 0)
			rc = mig_status(&x, false);
		else if (strcmp(sub, "history") == 0)
			rc = mig_status(&x, true);
		else if (strcmp(sub, "verify") == 0)
			rc = mig_verify(&x);
		else if (strcmp(sub, "baseline") == 0)
			rc = mig_baseline(&x, pos[0]);
		else
			rc = mig_adopt(&x);
	}
	mig_close(&x);
	return rc;
}
