/*
 * strata migrate diff -m MESSAGE [--schema FILE] [--url URL] [--dir DIR] [--scratch] [--dry-run]:
 * compare the schema file with the live database (or, with --scratch, with
 * what the migrations produce on a scratch database) and write the
 * migration that brings it to the file (up and down).  An empty difference
 * writes nothing and says so.  `strata migrate` dispatches here.
 */
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include <strata/diff.h>
#include <strata/inspect.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: strata migrate diff -m MESSAGE [--schema FILE] [--url URL] [--dir DIR] [--scratch]\n"
		   "                           [--set-lock-timeout D] [--dry-run]\n"
		   "Write a migration that turns the database into what the schema file says.\n"
		   "  -m, --message MSG  what the migration does (becomes the file name)\n"
		   "  --schema FILE      the schema file (default: STRATA_SCHEMA, then schema.strata)\n"
		   "  --dir DIR          the migrations directory (default: STRATA_MIGRATIONS_DIR, then migrations)\n"
		   "  --scratch          compare with the migrations applied to a scratch database\n"
		   "                     (a temporary SQLite file, or <db>_strata_scratch next to a PostgreSQL URL's)\n"
		   "  --set-lock-timeout D  PostgreSQL: each part starts with SET lock_timeout = D (10s, 500ms,\n"
		   "                     1min; default: STRATA_DIFF_LOCK_TIMEOUT, then " STRATA_DIFF_LOCK_TIMEOUT
		   "; 0 leaves it out)\n"
		   "  --dry-run          print the migration instead of writing it\n");
}

/* A scratch database of the same kind as `db`: a new URL (free()); *tmpdir set for SQLite. */
static char *scratch_url(strata_db *db, const char *url, char **tmpdir)
{
	char *out = NULL;
	*tmpdir = NULL;
	if (strata_db_backend(db) == STRATA_BACKEND_SQLITE) {
		/* mkdtemp's template: six X characters at the end */
		char tmpl[] = "/tmp/strata-scratch-______";
		for (char *q = strchr(tmpl, '_'); q && *q; q++)
			*q = 'X';
		if (!mkdtemp(tmpl)) {
			cli_errorf("migrate diff: cannot create a scratch directory");
			return NULL;
		}
		*tmpdir = strdup(tmpl);
		size_t n = strlen(tmpl) + 32;
		if ((out = malloc(n)))
			snprintf(out, n, "sqlite:%s/scratch.db", tmpl);
		return out;
	}
	/* postgres://.../name?opts -> postgres://.../name_strata_scratch?opts */
	const char *q = strchr(url, '?');
	size_t path_end = q ? (size_t)(q - url) : strlen(url);
	size_t n = strlen(url) + 32;
	if ((out = malloc(n)))
		snprintf(out, n, "%.*s_strata_scratch%s", (int)path_end, url, q ? q : "");
	return out;
}

/* The model the migrations of `dir` produce, applied to a fresh scratch database. */
static int from_migrations(strata_schema **have, strata_db *db, const char *url, const char *dir)
{
	char *tmpdir = NULL, *surl = scratch_url(db, url, &tmpdir);
	strata_db *sdb = NULL;
	strata_migrator *m = NULL;
	int status = 1;
	if (!surl)
		return 1;
	strata_database_drop(surl, NULL);
	if (strata_database_create(surl, NULL) != STRATA_OK) {
		cli_error("migrate diff: scratch database");
		goto out;
	}
	if (cli_open(&sdb, surl))
		goto out;
	strata_migrate_options mo = STRATA_MIGRATE_OPTIONS_INIT;
	mo.dir = dir;
	if (strata_migrator_open(&m, sdb, &mo) != STRATA_OK || strata_migrate_up(m, NULL, NULL) != STRATA_OK) {
		cli_error("migrate diff: applying the migrations to a scratch database");
		goto out;
	}
	if (strata_inspect(sdb, NULL, have) != STRATA_OK) {
		cli_error("migrate diff: inspect");
		goto out;
	}
	status = 0;
out:
	strata_migrator_free(m);
	strata_close(sdb);
	strata_database_drop(surl, NULL);
	if (tmpdir)
		rmdir(tmpdir);
	free(tmpdir);
	free(surl);
	return status;
}

int cmd_migrate_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "schema", required_argument, NULL, 's' },
		{ "url", required_argument, NULL, 'u' },
		{ "dir", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "scratch", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ "set-lock-timeout", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *message = NULL, *schema = NULL, *flag_url = NULL, *dir = NULL, *lock_timeout = NULL;
	bool dry = false, scratch = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:s:u:d:nxh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': message = optarg; break;
		case 's': schema = optarg; break;
		case 'u': flag_url = optarg; break;
		case 'd': dir = optarg; break;
		case 'n': dry = true; break;
		case 'x': scratch = true; break;
		case 'l': lock_timeout = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			cli_errorf("migrate diff: unknown option '%s' (see strata migrate diff --help)",
				   argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("migrate diff: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!message && !dry) {
		cli_errorf("migrate diff: say what the migration does with -m \"...\"");
		return 2;
	}
	if (!schema)
		schema =
			getenv("STRATA_SCHEMA") && *getenv("STRATA_SCHEMA") ? getenv("STRATA_SCHEMA") : "schema.strata";
	if (!dir)
		dir = strata_migrate_default_dir();
	const char *opt_name = "--set-lock-timeout";
	if (!lock_timeout && getenv("STRATA_DIFF_LOCK_TIMEOUT") && *getenv("STRATA_DIFF_LOCK_TIMEOUT")) {
		lock_timeout = getenv("STRATA_DIFF_LOCK_TIMEOUT");
		opt_name = "STRATA_DIFF_LOCK_TIMEOUT";
	}
	strata_diff_options dopts = STRATA_DIFF_OPTIONS_INIT;
	dopts.lock_timeout = lock_timeout;
	if (lock_timeout) {
		/* refused before anything is read: the option is named */
		strata_schema *none = NULL;
		strata_plan *probe = NULL;
		if (strata_schema_parse(&none, "", 0, "-") == STRATA_OK &&
		    strata_diff_with(none, none, STRATA_BACKEND_POSTGRES, &dopts, &probe) != STRATA_OK) {
			cli_errorf("migrate diff: %s: %s", opt_name, cli_text(strata_error_last()->message));
			strata_schema_free(none);
			return 2;
		}
		strata_plan_free(probe);
		strata_schema_free(none);
	}

	strata_schema *want = NULL, *have = NULL;
	strata_plan *plan = NULL;
	strata_db *db = NULL;
	char *url = NULL, **paths = NULL;
	int status = 1;
	if (strata_schema_load(&want, schema) != STRATA_OK) {
		const strata_error *e = strata_error_last();
		if (e->status == STRATA_EPARSE)
			fprintf(stderr, "%s\n", cli_text(e->message));
		else
			cli_error(schema);
		goto out;
	}
	/* --dry-run only reads: an SQLite file opens read-only */
	if (!(url = dry ? cli_resolve_url_read_only(flag_url) : cli_resolve_url(flag_url)) || cli_open(&db, url))
		goto out;
	struct stat st;
	if (scratch && stat(dir, &st) != 0 && errno == ENOENT) {
		/* as Atlas does: no directory yet is no migrations yet (it is made when the migration is written) */
		fprintf(stderr, "note: no migrations directory %s yet: comparing %s with an empty database\n", dir,
			schema);
		if (strata_schema_parse(&have, "", 0, dir) != STRATA_OK) {
			cli_error("migrate diff");
			goto out;
		}
	} else if (scratch) {
		if (from_migrations(&have, db, url, dir))
			goto out;
	} else if (strata_inspect(db, NULL, &have) != STRATA_OK) {
		cli_error("migrate diff: inspect");
		goto out;
	}
	if (have->nunmanaged) {
		/* inspect warned about each; say once what that means for this comparison */
		fprintf(stderr, "note: the database holds %d object%s the schema language does not model (",
			have->nunmanaged, have->nunmanaged == 1 ? "" : "s");
		for (int i = 0; i < have->nunmanaged && i < 5; i++)
			fprintf(stderr, "%s%s %s", i ? ", " : "", have->unmanaged[i].kind, have->unmanaged[i].name);
		fprintf(stderr, "%s); migrate diff did not compare %s and leaves %s as %s\n",
			have->nunmanaged > 5 ? ", ..." : "", have->nunmanaged == 1 ? "it" : "them",
			have->nunmanaged == 1 ? "it" : "them", have->nunmanaged == 1 ? "it is" : "they are");
	}
	if (strata_diff_with(have, want, strata_db_backend(db), &dopts, &plan) != STRATA_OK) {
		cli_error("migrate diff");
		goto out;
	}
	if (plan->nchanges == 0) {
		if (scratch)
			printf("no changes: the migrations in %s already produce %s; nothing written\n", dir, schema);
		else
			printf("no changes: the database matches %s%s; nothing written\n", schema,
			       have->nunmanaged ? " (but for the unmanaged objects noted)" : "");
		status = 0;
		goto out;
	}
	if (dry) {
		printf("-- migrate:up%s\n%s\n-- migrate:down%s\n%s", plan->up_own_tx ? " foreign_keys:off" : "",
		       plan->up, plan->down_own_tx ? " foreign_keys:off" : "", plan->down);
		if (plan->up_nontx)
			printf("\n-- migrate:up transaction:false\n%s\n-- migrate:down transaction:false\n%s",
			       plan->up_nontx, plan->down_nontx ? plan->down_nontx : "");
		status = 0;
		goto out;
	}
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		cli_errorf("migrate diff: cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	if (strata_plan_write(plan, dir, message, NULL, &paths) != STRATA_OK) {
		cli_error("migrate diff");
		goto out;
	}
	for (int i = 0; i < plan->nchanges; i++)
		printf("  %s%s\n", plan->changes[i].summary, plan->changes[i].destructive ? "  (destructive)" : "");
	for (int i = 0; paths[i]; i++)
		printf("wrote %s\n", paths[i]);
	if (plan->destructive)
		printf("warning: some changes can lose data; `strata migrate up --safe` backs up first\n");
	status = 0;
out:
	for (int i = 0; paths && paths[i]; i++)
		free(paths[i]);
	free(paths);
	strata_plan_free(plan);
	strata_schema_free(want);
	strata_schema_free(have);
	strata_close(db);
	free(url);
	return status;
}
