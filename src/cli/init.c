/*
 * strata init: from an empty directory to a migrated, healthy database in
 * one command.  It writes what is missing (the migrations directory, a
 * starter schema, .env.example, .env with the database URL, .gitignore),
 * creates the database, writes the first migration from the schema (as
 * `strata migrate diff` would) and applies it.  What exists is kept, so
 * running it again changes nothing and says so.
 *
 * A database that already holds tables is never changed: its schema is
 * written to the schema file (when there is none) together with a baseline
 * migration recorded as applied, which is how an existing database is
 * adopted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "migrate.h"
#include <strata/diff.h>
#include <strata/inspect.h>

static const char starter_schema[] = "// The schema of this application, in Strata's schema language.\n"
				     "// Change it, then `strata migrate diff -m \"...\"` writes the migration and\n"
				     "// `strata migrate up` applies it.\n"
				     "\n"
				     "mixin timestamps {\n"
				     "    created_at timestamp not null default now\n"
				     "    updated_at timestamp not null default now auto_update\n"
				     "}\n"
				     "\n"
				     "table users {\n"
				     "    use timestamps\n"
				     "    id    uuid        primary key\n"
				     "    email string(255) not null unique\n"
				     "}\n";

static const char env_example[] = "# Copy to .env and adjust.  Variables already set in the environment win.\n"
				  "DATABASE_URL=sqlite:db/app.db\n"
				  "# DATABASE_URL=postgres://app:secret@localhost:5432/app?sslmode=disable\n"
				  "STRATA_MIGRATIONS_DIR=migrations\n"
				  "# Back up before destructive migrations (same as strata migrate up --safe).\n"
				  "DB_BACKUP_ON_MIGRATE=false\n"
				  "# Programs calling strata_migrate_auto() migrate at start-up when this is true.\n"
				  "DB_AUTO_MIGRATE=false\n"
				  "# DB_ECHO=false\n"
				  "# DB_SLOW_QUERY_MS=200\n";

#define DEFAULT_SQLITE_URL "sqlite:db/app.db"

typedef struct init_opts {
	const char *url, *dialect, *dir, *schema;
	bool no_apply;
} init_opts;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: strata init [--url URL] [--dialect sqlite|postgres] [--dir DIR] [--schema FILE] [--no-apply]\n"
		"From nothing to a migrated database: write what is missing (DIR/ (default migrations/),\n"
		"the schema file (default schema.strata, a starter schema), .env.example, .env with the\n"
		"URL, .gitignore), create the database, write the first migration from the schema and\n"
		"apply it.  Files that exist are kept; running it again changes nothing.\n"
		"A database that already has tables is left as it is: its schema goes to the schema file\n"
		"(when missing) and a baseline migration is recorded as applied.\n"
		"  --url URL          the database (default: DATABASE_URL, then .env, then %s)\n"
		"  --dialect D        sqlite or postgres: the default URL, and the SQL the migration is\n"
		"                     written in with --no-apply (default: the URL's)\n"
		"  --dir DIR          the migrations directory (default: STRATA_MIGRATIONS_DIR, then migrations)\n"
		"  --schema FILE      the schema file (default: STRATA_SCHEMA, then schema.strata)\n"
		"  --no-apply         write the files and the first migration; touch no database\n",
		DEFAULT_SQLITE_URL);
}

/* What this run changed; 0 at the end means it was already initialised. */
static int changes;

/* "created  what" or "exists   what (kept)". */
static void report(bool created, const char *what)
{
	changes += created;
	printf("%s  %s%s\n", created ? "created" : "exists ", what, created ? "" : " (kept)");
}

/* Create `path` with `text` unless it exists (*created says which); mode as given. */
static int write_new_file(const char *path, const char *text, mode_t mode, bool *created)
{
	*created = false;
	FILE *f = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		cli_errorf("init: cannot create %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	if (fclose(f) != 0 || !ok) {
		cli_errorf("init: cannot write %s: %s", path, strerror(errno));
		unlink(path);
		return 1;
	}
	*created = true;
	return 0;
}

static bool is_postgres_url(const char *url)
{
	return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

/* The backend `dialect` names; -1 after printing why. */
static int parse_dialect(const char *dialect)
{
	if (strcmp(dialect, "sqlite") == 0)
		return STRATA_BACKEND_SQLITE;
	if (strcmp(dialect, "postgres") == 0 || strcmp(dialect, "postgresql") == 0)
		return STRATA_BACKEND_POSTGRES;
	cli_errorf("init: --dialect: '%s' is not sqlite or postgres", dialect);
	return -1;
}

/* A default PostgreSQL URL: the local server, a database named after the directory. */
static char *default_pg_url(void)
{
	char cwd[4096], name[64];
	const char *base = getcwd(cwd, sizeof cwd) ? strrchr(cwd, '/') : NULL;
	size_t n = 0;
	for (base = base ? base + 1 : "app"; *base && n + 1 < sizeof name; base++) {
		char ch = *base;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a'), ok = true;
		name[n++] = ok ? ch : '_';
	}
	name[n] = '\0';
	if (n == 0 || (name[0] >= '0' && name[0] <= '9'))
		strcpy(name, "app");
	size_t cap = strlen(name) + 64;
	char *url = malloc(cap);
	if (url)
		snprintf(url, cap, "postgres://localhost:5432/%s?sslmode=disable", name);
	return url;
}

/* .env with DATABASE_URL when there is none (0600: it may hold a password). */
static int write_dotenv(const char *url, const init_opts *o)
{
	size_t cap = strlen(url) + (o->dir ? strlen(o->dir) : 0) + 256;
	char *text = malloc(cap);
	bool created = false;
	if (!text) {
		cli_errorf("init: out of memory");
		return 1;
	}
	snprintf(text, cap,
		 "# Written by strata init.  Variables already set in the environment win.\n"
		 "DATABASE_URL=%s\n%s%s%s",
		 url, o->dir ? "STRATA_MIGRATIONS_DIR=" : "", o->dir ? o->dir : "", o->dir ? "\n" : "");
	int rc = write_new_file(".env", text, 0600, &created);
	free(text);
	if (rc == 0 && created) {
		char *shown = strata_url_redact(url);
		printf("created  .env (DATABASE_URL=%s)\n", shown ? shown : "");
		free(shown);
		changes++;
	} else if (rc == 0) {
		report(false, ".env");
	}
	return rc;
}

/* .gitignore keeps .env (and a default SQLite file) out of version control. */
static int write_gitignore(bool default_sqlite)
{
	bool created = false;
	if (write_new_file(".gitignore", default_sqlite ? ".env\n/db/\n/backups/\n" : ".env\n/backups/\n", 0644,
			   &created))
		return 1;
	if (created) {
		report(true, ".gitignore");
		return 0;
	}
	/* an existing one: only say when it does not mention .env */
	FILE *f = fopen(".gitignore", "r");
	char line[512];
	bool has = false;
	while (f && !has && fgets(line, sizeof line, f))
		has = strncmp(line, ".env\n", 5) == 0 || strcmp(line, ".env") == 0 || strncmp(line, "/.env\n", 6) == 0;
	if (f)
		fclose(f);
	if (!has)
		printf("note     .gitignore does not list .env: add it so the database password stays out of git\n");
	return 0;
}

/* The starter schema, unless the file exists. */
static int write_starter(const char *schema_path)
{
	bool created = false;
	if (write_new_file(schema_path, starter_schema, 0644, &created))
		return 1;
	report(created, schema_path);
	return 0;
}

/* How many migration files `dir` holds (-1 after printing why). */
static int count_migrations(const char *dir)
{
	strata_migrator *m = NULL;
	strata_migrate_options mo = STRATA_MIGRATE_OPTIONS_INIT;
	mo.dir = dir;
	/* a migrator reads the files only; it needs no connection until asked */
	strata_db *mem = NULL;
	if (strata_open(&mem, "sqlite::memory:", NULL) != STRATA_OK ||
	    strata_migrator_open(&m, mem, &mo) != STRATA_OK) {
		cli_error("init");
		strata_close(mem);
		return -1;
	}
	const strata_migration_info *items = NULL;
	size_t count = 0;
	int n = -1;
	if (strata_migrate_status(m, &items, &count) == STRATA_OK)
		n = (int)count;
	else
		cli_error("init");
	strata_migrator_free(m);
	strata_close(mem);
	return n;
}

/* The version of a written migration path: the digits its base name starts with. */
static void version_of(const char *path, char *out, size_t cap)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strspn(base, "0123456789");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, base, n);
	out[n] = '\0';
}

/* Write the plan from `from` to `to` as migrations named `message`; the newest version to *version. */
static int write_migration(const strata_schema *from, const strata_schema *to, strata_backend backend, const char *dir,
			   const char *message, char *version, size_t vcap)
{
	strata_plan *plan = NULL;
	char **paths = NULL;
	int status = 1;
	version[0] = '\0';
	if (strata_diff(from, to, backend, &plan) != STRATA_OK) {
		cli_error("init: migration");
		goto out;
	}
	if (plan->nchanges == 0) {
		status = 0;
		goto out;
	}
	if (strata_plan_write(plan, dir, message, NULL, &paths) != STRATA_OK) {
		cli_error("init");
		goto out;
	}
	for (int i = 0; paths[i]; i++) {
		printf("wrote    %s\n", paths[i]);
		changes++;
		version_of(paths[i], version, vcap);
	}
	status = 0;
out:
	for (int i = 0; paths && paths[i]; i++)
		free(paths[i]);
	free(paths);
	strata_plan_free(plan);
	return status;
}

static void print_next_steps(const char *schema, const char *dir, bool applied)
{
	printf("\nNext steps:\n");
	if (!applied)
		printf("  strata migrate up                      apply the migrations in %s/\n", dir);
	printf("  edit %s, then strata migrate diff -m \"what changed\" and strata migrate up\n"
	       "  strata gen c -o src/db                 typed C data access for the schema\n"
	       "  strata health                          check the database\n",
	       schema);
}

static int parse_opts(int argc, char **argv, init_opts *o)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "dialect", required_argument, NULL, 'D' },
		{ "dir", required_argument, NULL, 'd' },
		{ "schema", required_argument, NULL, 's' },
		{ "no-apply", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":u:D:d:s:nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': o->url = optarg; break;
		case 'D': o->dialect = optarg; break;
		case 'd': o->dir = optarg; break;
		case 's': o->schema = optarg; break;
		case 'n': o->no_apply = true; break;
		case 'h': usage(stdout); return -1;
		case ':': cli_errorf("init: option '%s' needs a value", argv[optind - 1]); return 2;
		default: cli_errorf("init: unknown option '%s' (see strata init --help)", argv[optind - 1]); return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("init: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return 0;
}

/* The URL init uses and where it came from; NULL after printing why. */
static char *choose_url(const init_opts *o, int dialect, bool *from_env)
{
	*from_env = false;
	char *url = NULL;
	if (o->url) {
		url = strdup(o->url);
	} else if (getenv("DATABASE_URL") && *getenv("DATABASE_URL")) {
		url = strdup(getenv("DATABASE_URL"));
		*from_env = true;
	} else {
		url = dialect == STRATA_BACKEND_POSTGRES ? default_pg_url() : strdup(DEFAULT_SQLITE_URL);
	}
	if (!url) {
		cli_errorf("init: out of memory");
		return NULL;
	}
	if (dialect >= 0 && (dialect == STRATA_BACKEND_POSTGRES) != is_postgres_url(url)) {
		char *shown = strata_url_redact(url);
		cli_errorf("init: --dialect %s does not match the URL %s%s", o->dialect, shown ? shown : "",
			   o->url ? " (--url)" : " (DATABASE_URL)");
		free(shown);
		free(url);
		return NULL;
	}
	return url;
}

/*
 * The database part: create it, then either write and apply the first
 * migration (an empty database), or adopt it (one with tables).
 */
static int init_database(const char *url, const char *dir, const char *schema_path, bool *applied)
{
	char *shown = strata_url_redact(url);
	strata_db *db = NULL;
	strata_schema *have = NULL, *want = NULL, *empty = NULL;
	strata_migrator *m = NULL;
	bool existed = false;
	int status = 1;
	char version[32];
	if (strata_database_create(url, &existed) != STRATA_OK) {
		cli_error("init: creating the database");
		goto out;
	}
	printf("%s  database %s%s\n", existed ? "exists " : "created", shown ? shown : "", existed ? " (kept)" : "");
	changes += !existed;
	if (cli_open(&db, url))
		goto out;
	if (strata_inspect(db, NULL, &have) != STRATA_OK) {
		cli_error("init: reading the database");
		goto out;
	}
	int nmig = count_migrations(dir);
	if (nmig < 0)
		goto out;
	bool has_objects = have->ntables > 0 || have->nviews > 0 || have->nenums > 0;
	if (strata_schema_parse(&empty, "", 0, "(empty)") != STRATA_OK) {
		cli_error("init");
		goto out;
	}
	bool schema_exists = access(schema_path, F_OK) == 0;
	if (nmig == 0 && has_objects && schema_exists) {
		printf("kept     the database already has %d tables and %s/ has no migration: nothing written.\n"
		       "         Compare it with %s with `strata migrate diff --dry-run -m x`, or move %s away\n"
		       "         and run init again to adopt the database as it is.\n",
		       have->ntables, dir, schema_path, schema_path);
		status = 0;
		goto out;
	}
	if (nmig == 0 && has_objects) {
		/* adopt: the schema file describes the database; a baseline migration records it */
		char *text = NULL;
		if (strata_schema_print(have, 0, &text) != STRATA_OK) {
			cli_error("init");
			goto out;
		}
		bool created = false;
		int wrc = write_new_file(schema_path, text, 0644, &created);
		free(text);
		if (wrc)
			goto out;
		printf("wrote    %s from the database's %d tables\n", schema_path, have->ntables);
		changes++;
		if (write_migration(empty, have, strata_db_backend(db), dir, "baseline", version, sizeof version))
			goto out;
	} else if (nmig == 0) {
		if (write_starter(schema_path))
			goto out;
		if (strata_schema_load(&want, schema_path) != STRATA_OK) {
			cli_error(NULL);
			goto out;
		}
		if (write_migration(empty, want, strata_db_backend(db), dir, "create schema", version, sizeof version))
			goto out;
		version[0] = '\0'; /* applied below, not recorded */
	} else {
		if (write_starter(schema_path))
			goto out;
		printf("exists   %d migration%s in %s/ (kept; none written)\n", nmig, nmig == 1 ? "" : "s", dir);
		version[0] = '\0';
	}
	strata_migrate_options mo = STRATA_MIGRATE_OPTIONS_INIT;
	if (strata_migrate_options_from_env(&mo) != STRATA_OK) {
		cli_error(NULL);
		goto out;
	}
	mo.dir = dir;
	if (strata_migrator_open(&m, db, &mo) != STRATA_OK) {
		cli_error("init");
		goto out;
	}
	size_t n = 0;
	if (version[0]) {
		if (strata_migrate_baseline(m, version, &n) != STRATA_OK) {
			cli_error("init: baseline");
			goto out;
		}
		printf("recorded %zu baseline migration%s as applied (the database was not changed)\n", n,
		       n == 1 ? "" : "s");
		changes += n > 0;
	}
	if (strata_migrate_up(m, NULL, &n) != STRATA_OK) {
		cli_error("init: migrate up");
		goto out;
	}
	changes += n > 0;
	if (n)
		printf("applied  %zu migration%s\n", n, n == 1 ? "" : "s");
	else
		printf("ok       the database is up to date (nothing pending)\n");
	*applied = true;
	status = 0;
out:
	strata_migrator_free(m);
	strata_schema_free(have);
	strata_schema_free(want);
	strata_schema_free(empty);
	strata_close(db);
	free(shown);
	return status;
}

/* --no-apply: the first migration from the schema file alone, in the dialect's SQL. */
static int init_offline(const char *url, const char *dir, const char *schema_path)
{
	strata_schema *want = NULL, *empty = NULL;
	char version[32];
	int status = 1;
	int nmig = count_migrations(dir);
	if (nmig < 0)
		return 1;
	if (write_starter(schema_path))
		return 1;
	if (nmig > 0) {
		printf("exists   %d migration%s in %s/ (kept; none written)\n", nmig, nmig == 1 ? "" : "s", dir);
		return 0;
	}
	if (strata_schema_load(&want, schema_path) != STRATA_OK) {
		cli_error(NULL);
		goto out;
	}
	if (strata_schema_parse(&empty, "", 0, "(empty)") != STRATA_OK) {
		cli_error("init");
		goto out;
	}
	strata_backend backend = is_postgres_url(url) ? STRATA_BACKEND_POSTGRES : STRATA_BACKEND_SQLITE;
	status = write_migration(empty, want, backend, dir, "create schema", version, sizeof version);
out:
	strata_schema_free(want);
	strata_schema_free(empty);
	return status;
}

int cmd_init(int argc, char **argv)
{
	init_opts o;
	memset(&o, 0, sizeof o);
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc == -1 ? 0 : rc;
	int dialect = o.dialect ? parse_dialect(o.dialect) : -1;
	if (o.dialect && dialect < 0)
		return 2;
	/* DATABASE_URL set in the environment is "from the environment", not from .env */
	bool env_had_url = cli_url_in_environment();
	bool from_env = false;
	char *url = choose_url(&o, dialect, &from_env);
	if (!url)
		return o.dialect ? 2 : 1;
	const char *dir = o.dir ? o.dir
			  : getenv("STRATA_MIGRATIONS_DIR") && *getenv("STRATA_MIGRATIONS_DIR")
				  ? getenv("STRATA_MIGRATIONS_DIR")
				  : "migrations";
	const char *schema_path = o.schema						? o.schema
				  : getenv("STRATA_SCHEMA") && *getenv("STRATA_SCHEMA") ? getenv("STRATA_SCHEMA")
											: "schema.strata";
	int status = 1;
	bool created, applied = false;

	if (mkdir(dir, 0755) == 0) {
		printf("created  %s/\n", dir);
	} else if (errno == EEXIST) {
		printf("exists   %s/ (kept)\n", dir);
	} else {
		cli_errorf("init: cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	if (write_new_file(".env.example", env_example, 0644, &created))
		goto out;
	report(created, ".env.example");
	if (access(".env", F_OK) != 0 && (!from_env || !env_had_url)) {
		if (write_dotenv(url, &o))
			goto out;
	} else if (access(".env", F_OK) == 0) {
		report(false, ".env");
	} else {
		printf("note     DATABASE_URL comes from the environment; no .env written\n");
	}
	if (write_gitignore(strcmp(url, DEFAULT_SQLITE_URL) == 0))
		goto out;
	if (o.no_apply) {
		if (init_offline(url, dir, schema_path))
			goto out;
	} else if (init_database(url, dir, schema_path, &applied)) {
		fprintf(stderr, "strata: init stopped; the files above are written, the database is as it was.\n"
				"Fix the cause and run strata init again: it continues from here.\n");
		goto out;
	}
	if (changes == 0)
		printf("\nNothing changed: the project was already initialised and its database is up to date.\n");
	else
		print_next_steps(schema_path, dir, applied);
	status = 0;
out:
	free(url);
	return status;
}
