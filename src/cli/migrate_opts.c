/*
 * Options of `strata migrate` (also read by init and db) and the
 * context a subcommand runs in: the URL, the connection and the migrator.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "migrate.h"

enum {
	OPT_ALLOW_CHANGED = 1000,
	OPT_ALLOW_MISSING,
	OPT_ALLOW_OOO,
	OPT_EXIT_CODE,
	OPT_DRY_RUN,
	OPT_LOCK_TIMEOUT,
	OPT_SCHEMA_FILE,
	OPT_DUMP_SCHEMA,
	OPT_BACKUP_DIR,
	OPT_RETRY_FAILED,
	OPT_SINGLE_TX,
	OPT_SQL,
	OPT_STRICT,
};

const char mig_usage[] =
	"usage: strata migrate <command> [options]\n"
	"\n"
	"commands:\n"
	"  new DESCRIPTION    create migrations/VERSION_slug.sql from the template\n"
	"  up [--to VERSION]  apply pending migrations (each in one transaction with its ledger row)\n"
	"  down [--steps N | --to VERSION]\n"
	"                     roll back applied migrations, newest first (default: one; --to 0: all)\n"
	"  redo               roll back the newest migration and apply it again\n"
	"  status             applied and pending migrations, drift\n"
	"  history            applied migrations: when, how long, by whom\n"
	"  verify             re-run the verify sections of applied migrations\n"
	"  baseline VERSION   record migrations up to VERSION as applied without running them\n"
	"  adopt              import dbmate's schema_migrations ledger\n"
	"  diff               write a migration from the schema file (see strata migrate diff --help)\n"
	"\n"
	"options:\n"
	"  --url URL          the database (default: DATABASE_URL, then .env)\n"
	"  --dir DIR          the migrations directory (default: STRATA_MIGRATIONS_DIR, then migrations)\n"
	"  --json             machine-readable output\n"
	"  --sql              up/down: print exactly the SQL that would run, touch nothing\n"
	"  --dry-run          up/down: run inside a transaction and roll back, reporting what fails\n"
	"  --single-transaction  up/down: all the migrations in one transaction, so a failure\n"
	"                     leaves none of them applied (not with transaction:false ones)\n"
	"  --safe             up/down: back up the database first when a pending migration is\n"
	"                     destructive (also DB_BACKUP_ON_MIGRATE=true); SQLite: an online\n"
	"                     copy, PostgreSQL: pg_dump -Fc; into --backup-dir (default backups/)\n"
	"  --backup-dir DIR   where --safe puts backups\n"
	"  --strict           up: refuse to run when `strata lint`'s destructive or locking rules\n"
	"                     find an error in a pending migration (they are always printed)\n"
	"  --schema-file PATH after up/down, write the schema as the database has it to PATH\n"
	"  --dump-schema      the same, to db/schema.sql\n"
	"  --lock-timeout S   wait up to S seconds for another runner (default 60; 0: do not wait)\n"
	"  --allow-changed    do not fail when an applied migration's up section changed\n"
	"  --allow-missing    do not fail when an applied version has no file\n"
	"  --allow-out-of-order  apply pending migrations older than the newest applied one\n"
	"  --retry-failed     up: resume a transaction:false migration at the statement that failed\n"
	"  --exit-code        status: exit 3 when anything is pending or has drifted\n"
	"\n"
	"File format (dbmate-compatible): sections start with `-- migrate:up`, `-- migrate:down`,\n"
	"`-- migrate:verify`; `transaction:false` after the marker runs the section outside a\n"
	"transaction.  See docs/migrations.md.  NO_COLOR turns colour off.\n"
	"Exit status: 0 done, 1 failed, 2 bad usage, 3 pending/drift with status --exit-code.\n";

int mig_parse_positive(const char *flag, const char *v, int *out)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || !end || *end || n < 0 || n > 1000000) {
		cli_errorf("migrate: %s: '%s' is not a non-negative whole number", flag, v);
		return 2;
	}
	*out = (int)n;
	return 0;
}

/* Parse options; leaves positional arguments in argv[optind..]. 0 ok, 2 bad usage, -1 help shown. */
int mig_parse_opts(int argc, char **argv, mig_opts *o)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "dir", required_argument, NULL, 'd' },
		{ "to", required_argument, NULL, 't' },
		{ "steps", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "sql", no_argument, NULL, OPT_SQL },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "safe", no_argument, NULL, 's' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "force", no_argument, NULL, 'f' },
		{ "exit-code", no_argument, NULL, OPT_EXIT_CODE },
		{ "allow-changed", no_argument, NULL, OPT_ALLOW_CHANGED },
		{ "allow-missing", no_argument, NULL, OPT_ALLOW_MISSING },
		{ "allow-out-of-order", no_argument, NULL, OPT_ALLOW_OOO },
		{ "retry-failed", no_argument, NULL, OPT_RETRY_FAILED },
		{ "single-transaction", no_argument, NULL, OPT_SINGLE_TX },
		{ "lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT },
		{ "schema-file", required_argument, NULL, OPT_SCHEMA_FILE },
		{ "dump-schema", no_argument, NULL, OPT_DUMP_SCHEMA },
		{ "backup-dir", required_argument, NULL, OPT_BACKUP_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	o->lock_timeout_s = -1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":u:d:t:n:jsfh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': o->url = optarg; break;
		case 'd': o->dir = optarg; break;
		case 't': o->to = optarg; break;
		case 'n':
			if (mig_parse_positive("--steps", optarg, &o->steps))
				return 2;
			if (o->steps == 0) {
				cli_errorf("migrate: --steps: must be at least 1");
				return 2;
			}
			break;
		case 'j': o->json = true; break;
		case OPT_SQL: o->sql = true; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case 's': o->safe = true; break;
		case OPT_STRICT: o->strict = true; break;
		case 'f': o->force = true; break;
		case OPT_EXIT_CODE: o->exit_code = true; break;
		case OPT_ALLOW_CHANGED: o->allow_changed = true; break;
		case OPT_ALLOW_MISSING: o->allow_missing = true; break;
		case OPT_ALLOW_OOO: o->allow_out_of_order = true; break;
		case OPT_RETRY_FAILED: o->retry_failed = true; break;
		case OPT_SINGLE_TX: o->single_tx = true; break;
		case OPT_LOCK_TIMEOUT:
			if (mig_parse_positive("--lock-timeout", optarg, &o->lock_timeout_s))
				return 2;
			break;
		case OPT_SCHEMA_FILE: o->schema_file = optarg; break;
		case OPT_DUMP_SCHEMA: o->schema_file = "db/schema.sql"; break;
		case OPT_BACKUP_DIR: o->backup_dir = optarg; break;
		case 'h': return -1;
		case ':': cli_errorf("%s: option '%s' needs a value", argv[0], argv[optind - 1]); return 2;
		default:
			cli_errorf("%s: unknown option '%s' (see strata %s --help)", argv[0], argv[optind - 1],
				   argv[0]);
			return 2;
		}
	}
	return 0;
}

/* Remember which versions this process runs (a concurrent runner may run others); draw the bar. */
static void record_progress(size_t done, size_t total, const char *version, const char *name, void *ud)
{
	mig_ctx *x = ud;
	if (!x->o.json)
		mig_progress(done, total, version, name, NULL);
	if (done >= total)
		return;
	if (x->nran == x->capran) {
		size_t nc = x->capran ? x->capran * 2 : 16;
		char **na = realloc(x->ran, nc * sizeof *na);
		if (!na)
			return;
		x->ran = na;
		x->capran = nc;
	}
	char *v = strdup(version);
	if (v)
		x->ran[x->nran++] = v;
}

int mig_open(mig_ctx *x)
{
	x->url = cli_resolve_url(x->o.url);
	if (!x->url)
		return 1;
	x->shown_url = strata_url_redact(x->url); /* as the user gave it (not ?mode=ro), password hidden */
	if (x->read_only) {
		char *ro = cli_url_read_only(x->url);
		if (!ro) {
			cli_errorf("out of memory");
			return 1;
		}
		free(x->url);
		x->url = ro;
	}
	strata_migrate_options mo = STRATA_MIGRATE_OPTIONS_INIT;
	if (strata_migrate_options_from_env(&mo) != STRATA_OK) {
		cli_error(NULL);
		return 1;
	}
	if (x->o.dir)
		mo.dir = x->o.dir;
	if (x->o.safe)
		mo.safe = true;
	mo.backup_dir = x->o.backup_dir;
	mo.schema_file = x->o.schema_file;
	mo.allow_changed = x->o.allow_changed;
	mo.allow_missing = x->o.allow_missing;
	mo.allow_out_of_order = x->o.allow_out_of_order;
	mo.retry_failed = x->o.retry_failed;
	mo.single_transaction = x->o.single_tx;
	mo.dry_run = x->o.dry_run;
	if (x->o.lock_timeout_s >= 0)
		mo.lock_timeout_ms = x->o.lock_timeout_s == 0 ? -1 : x->o.lock_timeout_s * 1000;
	mo.progress = record_progress;
	mo.progress_ud = x;
	x->mo = mo;
	strata_open_options oo = STRATA_OPEN_OPTIONS_INIT;
	if (strata_open_options_from_env(&oo) != STRATA_OK) {
		cli_error(NULL);
		return 1;
	}
	if (!x->mo.dir && strcmp(strata_migrate_default_dir(), "db/migrations") == 0)
		fprintf(stderr, "strata: using db/migrations (dbmate's layout: there is no migrations/ here)\n");
	/* the directory is read while the connection is made */
	if (strata_migrator_connect(&x->m, &x->db, x->url, &oo, &x->mo) != STRATA_OK) {
		if (!x->db) {
			cli_error(NULL);
			return 1;
		}
		if (x->o.json)
			mig_json_error();
		else
			cli_error(NULL);
		if (!x->o.json && strata_error_last()->status == STRATA_ENOTFOUND && !x->mo.dir)
			fprintf(stderr, "strata: `strata init` starts a project here, with its migrations directory\n");
		return 1;
	}
	return 0;
}

void mig_close(mig_ctx *x)
{
	free(x->shown_url);
	for (size_t i = 0; i < x->nran; i++)
		free(x->ran[i]);
	free(x->ran);
	strata_migrator_free(x->m);
	strata_close(x->db);
	free(x->url);
}

int mig_fail(mig_ctx *x)
{
	if (x->o.json)
		mig_json_error();
	else
		cli_error(NULL);
	return 1;
}
