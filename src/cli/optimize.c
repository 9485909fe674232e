/*
 * strata optimize [--vacuum] [--analyze]: SQLite PRAGMA optimize and
 * ANALYZE (VACUUM with --vacuum); PostgreSQL VACUUM (ANALYZE) table by
 * table.  Ctrl-C stops between two steps: every step commits on its own.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <strata/health.h>

#include "cli.h"
#include "ops.h"

static volatile int cancel;

static void on_sigint(int sig)
{
	(void)sig;
	cancel = 1;
}

static void progress(size_t done, size_t total, const char *step, void *ud)
{
	(void)ud;
	char label[512];
	snprintf(label, sizeof label, "[%zu/%zu] %s", done < total ? done + 1 : total, total, step);
	ops_progress(label, total ? (double)done / (double)total : 0);
}

int cmd_optimize(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "vacuum", no_argument, NULL, 'V' },
		{ "analyze", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *flag_url = NULL;
	bool vacuum = false, analyze = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "u:Vah", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 'V': vacuum = true; break;
		case 'a': analyze = true; break;
		case 'h':
			printf("usage: strata optimize [--url URL] [--vacuum] [--analyze]\n"
			       "SQLite: PRAGMA optimize and ANALYZE; --vacuum adds a VACUUM (incremental_vacuum when\n"
			       "auto_vacuum is incremental) and reports the space reclaimed.\n"
			       "PostgreSQL: VACUUM (ANALYZE) each table; --vacuum or --analyze alone does only that.\n"
			       "Ctrl-C stops after the current step; what was done stays done.\n");
			return 0;
		default:
			cli_errorf("optimize: unknown option '%s' (see strata optimize --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("optimize: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	ops_db d;
	int status = 1;
	if (ops_db_open(&d, flag_url, OPS_EXISTING, false))
		goto done;
	strata_db *db = d.db;
	strata_optimize_options o = STRATA_OPTIMIZE_OPTIONS_INIT;
	bool sqlite = strata_db_backend(db) == STRATA_BACKEND_SQLITE;
	if (!vacuum && !analyze) {
		o.vacuum = !sqlite;
		o.analyze = true;
	} else {
		o.vacuum = vacuum;
		o.analyze = analyze || (sqlite && vacuum);
	}
	o.progress = progress;
	o.cancel = &cancel;
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	strata_optimize_result res;
	int rc = strata_optimize(db, &o, &res);
	sigaction(SIGINT, &old, NULL);
	ops_progress_done();
	if (rc != STRATA_OK) {
		cli_error("optimize");
		goto done;
	}
	char before[32], after[32], diff[32];
	ops_bytes(res.bytes_before, before, sizeof before);
	ops_bytes(res.bytes_after, after, sizeof after);
	ops_bytes(res.bytes_before > res.bytes_after ? res.bytes_before - res.bytes_after : 0, diff, sizeof diff);
	if (res.interrupted) {
		printf("interrupted: %zu of %zu steps done (each one complete); %s -> %s\n", res.steps_done,
		       res.steps_total, before, after);
		status = 130;
		goto done;
	}
	printf("optimized %s: %zu step%s (%s%s%s), %s -> %s, %s reclaimed\n", d.shown, res.steps_done,
	       res.steps_done == 1 ? "" : "s",
	       sqlite	  ? "PRAGMA optimize"
	       : o.vacuum ? "VACUUM"
			  : "ANALYZE",
	       sqlite && o.analyze		  ? ", ANALYZE"
	       : !sqlite && o.vacuum && o.analyze ? " ANALYZE"
						  : "",
	       sqlite && o.vacuum ? ", VACUUM" : "", before, after, diff);
	status = 0;
done:
	ops_db_close(&d);
	return status;
}
