/*
 * strata backup [FILE] and strata restore FILE.
 *
 * backup: strata_backup_write writes "<FILE>.tmp.<pid>" and renames it
 * when complete, drawing the progress as it goes.  Ctrl-C or SIGTERM sets
 * its cancel flag: it stops pg_dump, removes the temporary file and the
 * command exits 130 or 143, so no half-written file is ever left under
 * either name.  Then the backup is verified (opened, integrity-checked,
 * row counts against the source).
 *
 * restore: strata_backup_restore_url checks the file whole before
 * touching anything, restores into a new database (created when it does
 * not exist) or over one with tables only with --force, counts the result,
 * and removes a database it created when anything fails.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <strata/backup.h>
#include <strata/health.h>
#include <strata/migrate.h>

#include "cli.h"
#include "ops.h"

/* ---- backup ---- */

/* Set by SIGINT/SIGTERM: the library stops, removes its temporary file, and the command exits. */
static volatile int stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
	/* a second signal ends the process at once */
	signal(sig, SIG_DFL);
}

/* SIGINT and SIGTERM set stop_signal while a backup or restore runs; the old handlers go into old[2]. */
static void catch_signals(struct sigaction old[2])
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
}

static void release_signals(const struct sigaction old[2])
{
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
}

typedef struct progress_state {
	struct timespec t0;
} progress_state;

static void backup_progress(int64_t done, int64_t total, void *ud)
{
	progress_state *p = ud;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	char got[32], label[128];
	ops_bytes(done, got, sizeof got);
	snprintf(label, sizeof label, "backing up: %s, %.0f s", got, (double)(now.tv_sec - p->t0.tv_sec));
	ops_progress(label, total > 0 ? (double)done / (double)total : -1);
}

static int default_path(strata_db *db, char *out, size_t cap)
{
	char *name = NULL;
	bool sqlite = strata_db_backend(db) == STRATA_BACKEND_SQLITE;
	int rc = strata_query_text(db, &name,
				   sqlite ? "SELECT file FROM pragma_database_list WHERE name = 'main'"
					  : "SELECT current_database()::text",
				   NULL, 0);
	if (rc != STRATA_OK)
		return rc;
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	char stem[256];
	snprintf(stem, sizeof stem, "%s", *base ? base : "memory");
	char *dot = strrchr(stem, '.');
	if (dot && dot != stem)
		*dot = '\0';
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char ts[32];
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
	mkdir("backups", 0700);
	snprintf(out, cap, "backups/%s-%s.%s", stem, ts, sqlite ? "db" : "dump");
	free(name);
	return STRATA_OK;
}

static void print_verification(const strata_backup_verification *v)
{
	bool color = cli_color();
	ops_table t;
	static const char *const head[] = { "TABLE", "SOURCE ROWS", "BACKUP ROWS", "" };
	ops_table_init(&t, 4, "lrrl", head);
	for (size_t i = 0; i < v->ntables; i++) {
		char a[32], b[32];
		ops_count(v->tables[i].source_rows, a, sizeof a);
		if (v->tables[i].backup_rows >= 0)
			ops_count(v->tables[i].backup_rows, b, sizeof b);
		else
			strcpy(b, "unreadable");
		const char *row[] = { v->tables[i].name, a, b,
				      v->tables[i].backup_rows == v->tables[i].source_rows ? "ok" : "DIFFERS" };
		ops_table_row(&t, row);
	}
	ops_table_print(&t, stdout, color, "  ");
	ops_table_free(&t);
}

int cmd_backup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' }, { "schema-only", no_argument, NULL, 's' },
		{ "no-verify", no_argument, NULL, 'n' }, { "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },	 { NULL, 0, NULL, 0 },
	};
	const char *flag_url = NULL;
	bool schema_only = false, verify = true, force = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "u:snfh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 's': schema_only = true; break;
		case 'n': verify = false; break;
		case 'f': force = true; break;
		case 'h':
			printf("usage: strata backup [--url URL] [--schema-only] [--no-verify] [--force] [--] [FILE]\n"
			       "Copy the database into FILE (default backups/<name>-<UTC time>.db or .dump), mode "
			       "0600:\n"
			       "SQLite through the online backup API, PostgreSQL with pg_dump -Fc.  The file appears\n"
			       "under its name only once complete.  Then it is verified: opened, integrity-checked,\n"
			       "and each table's rows counted against the database.  An existing FILE is replaced\n"
			       "only with --force, and only when it is a regular file.\n");
			return 0;
		default:
			cli_errorf("backup: unknown option '%s' (see strata backup --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (argc - optind > 1) {
		cli_errorf("backup: unexpected argument '%s'", argv[optind + 1]);
		return 2;
	}
	ops_db d;
	strata_backup_verification *v = NULL;
	int status = 1;
	char path[4096];
	if (ops_db_open(&d, flag_url, OPS_EXISTING, false))
		goto done;
	if (optind < argc)
		snprintf(path, sizeof path, "%s", argv[optind]);
	else if (default_path(d.db, path, sizeof path) != STRATA_OK) {
		cli_error(NULL);
		goto done;
	}
	printf("backing up %s to %s\n", d.shown, path);
	fflush(stdout);
	struct sigaction old[2];
	catch_signals(old);
	progress_state ps;
	clock_gettime(CLOCK_MONOTONIC, &ps.t0);
	strata_backup_options o = STRATA_BACKUP_OPTIONS_INIT;
	o.format = schema_only ? STRATA_BACKUP_SCHEMA_SQL : STRATA_BACKUP_FULL;
	o.overwrite = force;
	o.progress = ops_progress_on() ? backup_progress : NULL;
	o.progress_ud = &ps;
	o.cancel = &stop_signal;
	int rc = strata_backup_write(d.db, path, &o);
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ops_progress_done();
	release_signals(old);
	if (rc != STRATA_OK) {
		cli_error(NULL);
		if (stop_signal)
			status = 128 + stop_signal;
		goto done;
	}
	struct stat sb;
	char size[32];
	ops_bytes(stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0, size, sizeof size);
	printf("wrote %s (%s, mode 0600) in %.2f s\n", path, size,
	       (double)(t1.tv_sec - ps.t0.tv_sec) + (double)(t1.tv_nsec - ps.t0.tv_nsec) / 1e9);
	if (!verify || schema_only) {
		status = 0;
		goto done;
	}
	if (strata_backup_verify(d.db, path, &v) != STRATA_OK) {
		cli_error("backup: verification");
		goto done;
	}
	print_verification(v);
	if (!v->ok) {
		cli_errorf("backup: verification FAILED: %s", v->problem);
		goto done;
	}
	printf("verified: the backup opens, passes its integrity check, and all %zu tables have the same row counts\n",
	       v->ntables);
	status = 0;
done:
	strata_backup_verification_free(v);
	ops_db_close(&d);
	return status;
}

/* ---- restore ---- */

static void restore_progress(int64_t done, int64_t total, void *ud)
{
	(void)ud;
	if (total > 0)
		ops_progress("restoring", (double)done / (double)total);
	else
		ops_progress("restoring (pg_restore)", -1);
}

int cmd_restore(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "force", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *flag_url = NULL;
	bool force = false;
	int timeout_s = 10;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "u:ft:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 'f': force = true; break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > 86400) {
				cli_errorf("restore: --timeout takes whole seconds from 0 to 86400, not '%s'", optarg);
				return 2;
			}
			timeout_s = (int)v;
			break;
		}
		case 'h':
			printf("usage: strata restore [--url URL] [--force] [--timeout SECONDS] [--] FILE\n"
			       "Restore a backup made by strata backup into the database (created when it does not\n"
			       "exist).  The file is checked whole first (an SQLite integrity_check; pg_restore reads\n"
			       "the whole archive) and nothing is touched when it is not sound.  A database that has\n"
			       "tables is replaced only with --force.  --timeout (10 s) bounds the wait for locks "
			       "other\n"
			       "sessions hold; the command then names them and gives up.  A failed restore leaves the\n"
			       "database as it was and removes a database it created.\n");
			return 0;
		default:
			cli_errorf("restore: unknown option '%s' (see strata restore --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (argc - optind != 1) {
		cli_errorf("restore: give exactly one backup file (see strata restore --help)");
		return 2;
	}
	const char *file = argv[optind];
	char *url = cli_resolve_url(flag_url);
	if (!url)
		return 1;
	char *shown = strata_url_redact(url);
	strata_restore_report *rep = NULL;
	int status = 1;
	struct sigaction old[2];
	catch_signals(old);
	strata_restore_options o = STRATA_RESTORE_OPTIONS_INIT;
	o.force = force;
	o.progress = restore_progress;
	o.timeout_ms = timeout_s > 0 ? timeout_s * 1000 : -1;
	o.cancel = &stop_signal;
	int rc = strata_backup_restore_url(url, file, &o, &rep);
	ops_progress_done();
	release_signals(old);
	if (rc != STRATA_OK) {
		cli_error(NULL);
		if (stop_signal)
			status = 128 + stop_signal;
		goto done;
	}
	printf("restored %s into %s%s: %zu table%s, %lld rows\n", file, shown ? shown : "",
	       rep->created ? " (a new database)" : "", rep->ntables, rep->ntables == 1 ? "" : "s",
	       (long long)rep->total_rows);
	ops_table t;
	static const char *const head[] = { "TABLE", "ROWS" };
	ops_table_init(&t, 2, "lr", head);
	for (size_t i = 0; i < rep->ntables; i++) {
		char rows[32];
		if (rep->tables[i].rows >= 0)
			ops_count(rep->tables[i].rows, rows, sizeof rows);
		else
			snprintf(rows, sizeof rows, "not populated");
		const char *row[] = { rep->tables[i].name, rows };
		ops_table_row(&t, row);
	}
	ops_table_print(&t, stdout, cli_color(), "  ");
	ops_table_free(&t);
	printf("checked: every table has the rows the backup holds\n");
	status = 0;
done:
	strata_restore_report_free(rep);
	free(shown);
	free(url);
	return status;
}
