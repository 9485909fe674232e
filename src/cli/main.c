/*
 * strata: the command.  It uses only the public API of libstrata.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"

static const cli_command commands[] = {
	{ "ping", cmd_ping, "connect, print the server version and the round-trip time" },
	{ "init", cmd_init, "set up a project: files, .env, the database, its first migration, applied" },
	{ "db", cmd_db, "create or drop (--force) the database the URL names" },
	{ "wait", cmd_wait, "wait until the database accepts connections (--timeout)" },
	{ "schema", cmd_schema, "sql, apply, inspect, check, print: the schema file and the live database" },
	{ "lint", cmd_lint, "best-practice rules on the schema file, migrations and live databases" },
	{ "migrate", cmd_migrate, "new, up, down, redo, status, history, verify, baseline, adopt, diff" },
	{ "gen", cmd_gen, "c: typed, owner-scoped C data access for the schema" },
	{ "health", cmd_health,
	  "connectivity, migrations, schema, integrity, performance, configuration, views, queries (exit 0/1/2)" },
	{ "stats", cmd_stats, "tables largest first: rows, data and index size, index use; --queries: top queries" },
	{ "top", cmd_top,
	  "live activity: running queries, waits, blocked sessions, connections (SQLite: writers, WAL)" },
	{ "refresh", cmd_refresh, "refresh materialized views (CONCURRENTLY when possible), or --list them" },
	{ "optimize", cmd_optimize,
	  "PRAGMA optimize/ANALYZE/VACUUM (SQLite), VACUUM (ANALYZE) per table (PostgreSQL)" },
	{ "backup", cmd_backup, "copy the database to a file (0600), then verify it" },
	{ "restore", cmd_restore, "restore a backup into a new database, or over one with --force" },
	{ "branch", cmd_branch, "create, list or delete a copy of the database for development" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: strata [--version] [--help] [--env-file FILE]... <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\noptions before the command:\n"
		   "  --env-file FILE  read variables from FILE instead of .env; repeatable, a later file's\n"
		   "                   definition wins; a variable set in the environment wins over every file\n"
		   "\nThe database URL comes from --url, then DATABASE_URL, then .env.\n"
		   "  sqlite:path/to.db  sqlite:///abs/path.db  sqlite::memory:\n"
		   "  postgres://user:password@host:5432/dbname?sslmode=require\n"
		   "Every setting (DATABASE_URL, DB_*, STRATA_*) is read from the environment, then .env\n"
		   "(or the --env-file files), by every command: docs/configuration.md.\n"
		   "Run `strata <command> --help` for a command's options.\n");
}

void cli_error(const char *context)
{
	const strata_error *e = strata_error_last();
	if (context)
		fprintf(stderr, "strata: %s: %s\n", context, cli_text(e->message));
	else
		fprintf(stderr, "strata: %s\n", cli_text(e->message));
}

void cli_errorf(const char *fmt, ...)
{
	va_list ap;
	fputs("strata: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *cli_url_resolve(const char *flag_url)
{
	char *url = strata_url_resolve(flag_url);
	if (!url && strata_error_last()->status == STRATA_ENOTFOUND) {
		/* the library names DATABASE_URL; the command adds its own way */
		char msg[512];
		snprintf(msg, sizeof msg, "%s", strata_error_last()->message);
		strata_error_set(STRATA_ENOTFOUND, "%s; pass --url", msg);
	}
	return url;
}

char *cli_resolve_url(const char *flag_url)
{
	char *url = cli_url_resolve(flag_url);
	if (!url)
		cli_error(NULL);
	return url;
}

static bool url_in_environment;

bool cli_url_in_environment(void)
{
	return url_in_environment;
}

/*
 * Load .env, or the --env-file files, into the environment once, before the
 * command runs (and before any thread exists): every command and every
 * library call then sees the same settings.  A missing default .env is
 * fine; a missing --env-file is an error.  1 after printing why.
 */
static int load_env_files(const char *const *files, size_t n)
{
	const char *dotenv = ".env";
	url_in_environment = getenv("DATABASE_URL") && *getenv("DATABASE_URL");
	int rc = n ? strata_env_load_files(files, n, NULL) : strata_env_load_files(&dotenv, 1, NULL);
	if (rc == STRATA_OK || (rc == STRATA_ENOTFOUND && !n))
		return 0;
	cli_error(rc == STRATA_ENOTFOUND ? "--env-file" : NULL);
	return 1;
}

int cli_open(strata_db **db, const char *url)
{
	strata_open_options opts = STRATA_OPEN_OPTIONS_INIT;
	if (strata_open_options_from_env(&opts) != STRATA_OK) {
		cli_error(NULL);
		return 1;
	}
	if (strata_open(db, url, &opts) != STRATA_OK) {
		cli_error(NULL);
		return 1;
	}
	return 0;
}

bool cli_color(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(nc && *nc);
}

static int run(int argc, char **argv, const char *const *env_files, size_t nenv);

#ifdef STRATA_STATIC_COMMAND
/* Names a PostgreSQL URL (a list of URLs too, as DATABASE_REPLICA_URLS holds). */
static bool has_postgres_url(const char *v)
{
	for (const char *p = v; p && *p; p++)
		if (strncasecmp(p, "postgres://", 11) == 0 || strncasecmp(p, "postgresql://", 13) == 0)
			return true;
	return false;
}

/*
 * The statically linked command, before the command does anything: when
 * it will work on PostgreSQL (a postgres:// URL among its arguments, or in
 * DATABASE_URL or DATABASE_REPLICA_URLS, .env's included), hand the whole command to strata-dynamic
 * now, before it has read or written anything.  A need found later (a
 * PostgreSQL lint) hands over at that point; docs/architecture.md.  A
 * failure is left for the command to report where it needs the library.
 */
static void hand_postgres_over(int argc, char **argv)
{
	bool pg = has_postgres_url(getenv("DATABASE_URL")) || has_postgres_url(getenv("DATABASE_REPLICA_URLS"));
	for (int i = 1; i < argc && !pg; i++)
		pg = has_postgres_url(argv[i]);
	if (pg)
		(void)strata_backend_prepare(STRATA_BACKEND_POSTGRES);
}
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	/* options before the command: --env-file FILE (repeatable), as dbmate has it */
	const char **env_files = calloc((size_t)argc, sizeof *env_files);
	size_t nenv = 0;
	int first = 1;
	if (!env_files) {
		cli_errorf("out of memory");
		return 1;
	}
	while (first < argc && strncmp(argv[first], "--env-file", 10) == 0) {
		const char *a = argv[first];
		if (a[10] == '=' && a[11]) {
			env_files[nenv++] = a + 11;
			first++;
		} else if (a[10] == '\0' && first + 1 < argc && argv[first + 1][0]) {
			env_files[nenv++] = argv[first + 1];
			first += 2;
		} else if (a[10] == '\0' || a[10] == '=') {
			cli_errorf("option '--env-file' needs a file name");
			free(env_files);
			return 2;
		} else {
			break;
		}
	}
	if (first >= argc) {
		usage(stderr);
		free(env_files);
		return 2;
	}
	int status = run(argc - first + 1, argv + first - 1, env_files, nenv);
	free(env_files);
	return status;
}

static int run(int argc, char **argv, const char *const *env_files, size_t nenv)
{
	const char *cmd = argv[1];
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
		printf("strata %s\n", strata_version());
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0) {
			if (load_env_files(env_files, nenv))
				return 1;
#ifdef STRATA_STATIC_COMMAND
			hand_postgres_over(argc, argv);
#endif
			return commands[i].fn(argc - 1, argv + 1);
		}
	cli_errorf("unknown command '%s' (see strata --help)", cmd);
	return 2;
}

char *cli_resolve_url_read_only(const char *flag_url)
{
	char *url = cli_resolve_url(flag_url);
	if (!url)
		return NULL;
	char *ro = cli_url_read_only(url);
	free(url);
	if (!ro)
		cli_errorf("out of memory");
	return ro;
}

char *cli_url_read_only(const char *url)
{
	bool sqlite = strncmp(url, "sqlite:", 7) == 0 || strncmp(url, "sqlite3:", 8) == 0;
	const char *q = strchr(url, '?');
	bool add = sqlite && !strstr(url, ":memory:") && !(q && (strstr(q, "?mode=") || strstr(q, "&mode=")));
	size_t n = strlen(url) + (add ? 9 : 0) + 1;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%s%s", url, add ? (q ? "&mode=ro" : "?mode=ro") : "");
	return out;
}
