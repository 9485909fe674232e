/*
 * Shared by the files of `strata migrate` (and init and db, which read
 * the same options): the options, the run context, output helpers.
 */
#ifndef STRATA_CLI_MIGRATE_H
#define STRATA_CLI_MIGRATE_H

#include <stdbool.h>
#include <stdio.h>

#include <strata.h>

typedef struct mig_opts {
	const char *url, *dir, *to, *backup_dir, *schema_file;
	int steps;
	int lock_timeout_s;
	bool json, sql, dry_run, safe, exit_code, allow_changed, allow_missing, allow_out_of_order, retry_failed;
	bool single_tx;
	bool force;
	bool strict; /* up: refuse when lint finds an error-level problem in a pending migration */
} mig_opts;

typedef struct mig_ctx {
	mig_opts o;
	char *url;
	strata_db *db;
	strata_migrator *m;
	strata_migrate_options mo;
	bool read_only;	 /* status, history, --sql: an SQLite file opens read-only */
	char *shown_url; /* the URL as given, password redacted */
	char **ran;	 /* the versions this process started, in order (the progress callback) */
	size_t nran, capran;
} mig_ctx;

#define C_RESET	 "\033[0m"
#define C_GREEN	 "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED	 "\033[31m"
#define C_BOLD	 "\033[1m"

/* Colour on stdout (set by cmd_migrate); mig_paint(code) is "" when off. */
extern bool mig_color;
const char *mig_paint(const char *code);
void mig_json_str(FILE *f, const char *s);
void mig_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* {"ok":false,...} for the last error, on stdout. */
void mig_json_error(void);
const char *mig_state_name(strata_migration_state s);
const char *mig_state_color(strata_migration_state s);
/* "2026-11-22 10:30:00", or "-" for 0. */
void mig_fmt_time(strata_timestamp ts, char *buf, size_t cap);
/* The progress bar (a strata_migrate_progress_fn), on a terminal, for more than 3 migrations. */
void mig_progress(size_t done, size_t total, const char *version, const char *name, void *ud);

extern const char mig_usage[];
int mig_parse_positive(const char *flag, const char *v, int *out);
/* Parse options; leaves positional arguments in argv[optind..]. 0 ok, 2 bad usage, -1 help asked. */
int mig_parse_opts(int argc, char **argv, mig_opts *o);
/* Resolve the URL, connect, open the migrator; 1 after printing why. */
int mig_open(mig_ctx *x);
void mig_close(mig_ctx *x);
/* Print the last error (text or JSON) and return 1. */
int mig_fail(mig_ctx *x);

int mig_up_down(mig_ctx *x, bool up, bool redo);
int mig_status(mig_ctx *x, bool history);
int mig_verify(mig_ctx *x);
int mig_baseline(mig_ctx *x, const char *version);
int mig_adopt(mig_ctx *x);
int mig_new(const mig_opts *o, int argc, char **argv);

#endif
