/* The strata command: shared declarations of its subcommands. */
#ifndef STRATA_CLI_H
#define STRATA_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <strata.h>

/* A subcommand: argv[0] is its name.  Returns the process exit status. */
typedef int (*cli_fn)(int argc, char **argv);

typedef struct cli_command {
	const char *name;
	cli_fn fn;
	const char *summary;
} cli_command;

/* Print "strata: <msg>" for the last error to stderr. */
void cli_error(const char *context);
/* A library message as the command shows it: "option `allow_changed`" becomes "--allow-changed"
   (src/cli/flags.c); msg itself when nothing changes, else a buffer the next call reuses. */
const char *cli_text(const char *msg);
/* Print "strata: <formatted>" to stderr. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* strata_url_resolve(), its missing-URL error ending with "; pass --url"; prints nothing. */
char *cli_url_resolve(const char *flag_url);
/* The database URL from --url, DATABASE_URL or .env; NULL after printing why. */
char *cli_resolve_url(const char *flag_url);

/* True when DATABASE_URL was set in the environment before .env (or --env-file) was loaded. */
bool cli_url_in_environment(void);

/* Open a connection with the environment's options; prints the error. */
int cli_open(strata_db **db, const char *url);

/*
 * `url` for a command that only reads: an SQLite file opens read-only
 * (mode=ro: never created, journal mode and header untouched) unless the
 * URL names a mode.  A new string (free()), or NULL when out of memory.
 */
char *cli_url_read_only(const char *url);
/* cli_resolve_url() made read-only as above; NULL after printing why. */
char *cli_resolve_url_read_only(const char *flag_url);

/* True when stdout is a terminal and NO_COLOR is not set. */
bool cli_color(void);

int cmd_ping(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_health(int argc, char **argv);
int cmd_stats(int argc, char **argv);
/* `strata stats --queries` (src/cli/stats_queries.c); cmd_stats hands over to it. */
int cmd_stats_queries(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_refresh(int argc, char **argv);
int cmd_optimize(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_branch(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_gen(int argc, char **argv);
/* `strata migrate diff`: provided by the diff command; migrate.c declares it weak. */
int cmd_migrate_diff(int argc, char **argv);

#endif
