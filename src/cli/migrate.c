/*
 * strata init | db create|drop | wait | migrate new|up|down|redo|status|
 * history|verify|baseline|adopt (and `migrate diff`, provided by diff.c).
 *
 * Exit statuses: 0 done, 1 failed (the message says why and where), 2 bad
 * usage, 3 `status --exit-code` found pending migrations or drift.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Provided by the `migrate diff` command when it is built in. */
__attribute__((weak)) int cmd_migrate_diff(int argc, char **argv);

/* ---- output helpers ---- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static bool color_out;

static const char *paint(const char *code)
{
	return color_out ? code : "";
}

#define C_RESET "\033[0m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED "\033[31m"
#define C_BOLD "\033[1m"

static bool stderr_color(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDERR_FILENO) && !(nc && *nc);
}

static void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warnf(const char *fmt, ...)
{
	va_list ap;
	bool c = stderr_color();
	fprintf(stderr, "%sstrata: warning:%s ", c ? C_YELLOW : "", c ? C_RESET : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void json_error(void)
{
	const strata_error *e = strata_error_last();
	printf("{\"ok\":false,\"status\":");
	json_str(stdout, strata_status_name(e->status));
	printf(",\"error\":");
	json_str(stdout, e->message);
	if (e->file[0]) {
		printf(",\"file\":");
		json_str(stdout, e->file);
		printf(",\"line\":%d", e->line);
	}
	printf("}\n");
}

static const char *state_name(strata_migration_state s)
{
	switch (s) {
	case STRATA_MIGRATION_PENDING: return "pending";
	case STRATA_MIGRATION_APPLIED: return "applied";
	case STRATA_MIGRATION_CHANGED: return "changed";
	case STRATA_MIGRATION_MISSING: return "missing";
	case STRATA_MIGRATION_FAILED: return "failed";
	case STRATA_MIGRATION_RUNNING: return "interrupted";
	}
	return "?";
}

static const char *state_color(strata_migration_state s)
{
	switch (s) {
	case STRATA_MIGRATION_APPLIED: return C_GREEN;
	case STRATA_MIGRATION_PENDING: return C_YELLOW;
	default: return C_RED;
	}
}

static void fmt_time(strata_timestamp ts, char *buf, size_t cap)
{
	if (!ts) {
		snprintf(buf, cap, "-");
		return;
	}
	char iso[STRATA_TIMESTAMP_BUFSZ];
	strata_timestamp_format(ts, iso);
	/* 2026-11-22T10:30:00.123456Z -> 2026-11-22 10:30:00 */
	snprintf(buf, cap, "%.10s %.8s", iso, iso + 11);
}

/* ---- progress ---- */

static void progress(size_t done, size_t total, const char *version, const char *name, void *ud)
{
	(void)ud;
	if (total <= 3 || !isatty(STDERR_FILENO))
		return;
	if (done >= total) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		return;
	}
	int width = 30;
	int filled = (int)((double)done / (double)total * width);
	fprintf(stderr, "\r\033[K[");
	for (int i = 0; i < width; i++)
		fputc(i < filled ? '#' : '.', stderr);
	fprintf(stderr, "] %zu/%zu %s_%.40s", done + 1, total, version, name);
	fflush(stderr);
}

/* ---- options ---- */

typedef struct mopts {
	const char *url, *dir, *to, *backup_dir, *schema_file;
	int steps;
	int lock_timeout_s;
	bool json, sql, dry_run, safe, exit_code, allow_changed, allow_missing, allow_out_of_order, retry_failed;
	bool single_tx;
	bool force;
	bool strict; /* up: refuse when lint finds an error-level problem in a pending migration */
} mopts;

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

static const char migrate_usage[] =
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

static int parse_positive(const char *flag, const char *v, int *out)
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
static int parse_mopts(int argc, char **argv, mopts *o)
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
			if (parse_positive("--steps", optarg, &o->steps))
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
			if (parse_positive("--lock-timeout", optarg, &o->lock_timeout_s))
				return 2;
			break;
		case OPT_SCHEMA_FILE: o->schema_file = optarg; break;
		case OPT_DUMP_SCHEMA: o->schema_file = "db/schema.sql"; break;
		case OPT_BACKUP_DIR: o->backup_dir = optarg; break;
		case 'h': return -1;
		case ':': cli_errorf("%s: option '%s' needs a value", argv[0], argv[optind - 1]); return 2;
		default:
			cli_errorf("%s: unknown option '%s' (see strata %s --help)", argv[0], argv[optind - 1], argv[0]);
			return 2;
		}
	}
	return 0;
}

/* .env in the working directory fills unset variables (DATABASE_URL, STRATA_MIGRATIONS_DIR, ...). */
static int load_dotenv(void)
{
	int rc = strata_env_load(".env", NULL);
	if (rc != STRATA_OK && rc != STRATA_ENOTFOUND) {
		cli_error(NULL);
		return 1;
	}
	return 0;
}

/* ---- strata migrate ---- */

typedef struct run_ctx {
	mopts o;
	char *url;
	strata_db *db;
	strata_migrator *m;
	strata_migrate_options mo;
} run_ctx;

static int open_ctx(run_ctx *x)
{
	x->url = cli_resolve_url(x->o.url);
	if (!x->url)
		return 1;
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
	if (!x->o.json)
		mo.progress = progress;
	x->mo = mo;
	if (cli_open(&x->db, x->url))
		return 1;
	if (strata_migrator_open(&x->m, x->db, &x->mo) != STRATA_OK) {
		if (x->o.json)
			json_error();
		else
			cli_error(NULL);
		return 1;
	}
	return 0;
}

static void close_ctx(run_ctx *x)
{
	strata_migrator_free(x->m);
	strata_close(x->db);
	free(x->url);
}

static int fail(run_ctx *x)
{
	if (x->o.json)
		json_error();
	else
		cli_error(NULL);
	return 1;
}

/* Copy of the versions in a given state (so they survive the next status call). */
typedef struct vlist {
	char **v;
	size_t n;
} vlist;

static void vlist_free(vlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static bool vlist_has(const vlist *l, const char *v)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], v) == 0)
			return true;
	return false;
}

static int snapshot(run_ctx *x, bool applied, vlist *out)
{
	const strata_migration_info *it;
	size_t n;
	if (strata_migrate_status(x->m, &it, &n) != STRATA_OK)
		return fail(x);
	out->v = calloc(n + 1, sizeof *out->v);
	if (!out->v) {
		cli_errorf("out of memory");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		bool is_applied = it[i].state == STRATA_MIGRATION_APPLIED || it[i].state == STRATA_MIGRATION_CHANGED ||
				  it[i].state == STRATA_MIGRATION_MISSING;
		if (is_applied == applied) {
			out->v[out->n] = strdup(it[i].version);
			if (!out->v[out->n]) {
				cli_errorf("out of memory");
				return 1;
			}
			out->n++;
		}
	}
	return 0;
}

/* Print what changed between `before` (applied or pending versions) and now. */
static int report_run(run_ctx *x, bool up, const vlist *before, int rc_run, size_t count)
{
	const strata_migration_info *it;
	size_t n;
	if (strata_migrate_status(x->m, &it, &n) != STRATA_OK)
		n = 0;
	const char *backup = strata_migrate_last_backup(x->m);
	if (x->o.json) {
		printf("{\"ok\":%s,\"dry_run\":%s,\"%s\":[", rc_run == STRATA_OK ? "true" : "false",
		       x->o.dry_run ? "true" : "false", up ? "applied" : "reverted");
		bool first = true;
		for (size_t i = 0; i < n && !x->o.dry_run; i++) {
			bool now_applied = it[i].state == STRATA_MIGRATION_APPLIED;
			bool was = vlist_has(before, it[i].version);
			if (up ? (was && now_applied) : (was && it[i].state == STRATA_MIGRATION_PENDING)) {
				printf("%s{\"version\":", first ? "" : ",");
				json_str(stdout, it[i].version);
				printf(",\"name\":");
				json_str(stdout, it[i].name);
				if (up)
					printf(",\"duration_ms\":%lld", (long long)it[i].duration_ms);
				printf("}");
				first = false;
			}
		}
		printf("],\"count\":%zu,\"backup\":", count);
		if (backup)
			json_str(stdout, backup);
		else
			printf("null");
		if (rc_run != STRATA_OK) {
			const strata_error *e = strata_error_last();
			printf(",\"status\":");
			json_str(stdout, strata_status_name(e->status));
			printf(",\"error\":");
			json_str(stdout, e->message);
		}
		printf("}\n");
		return rc_run == STRATA_OK ? 0 : 1;
	}
	if (rc_run != STRATA_OK)
		cli_error(NULL);
	if (backup)
		printf("Backup: %s\n", backup);
	if (x->o.dry_run) {
		if (rc_run == STRATA_OK)
			printf("Dry run: %zu migration%s would be %s without error; everything was rolled back.\n", count,
			       count == 1 ? "" : "s", up ? "applied" : "rolled back");
		else
			printf("Dry run: the migration above would fail; everything was rolled back.\n");
		return rc_run == STRATA_OK ? 0 : 1;
	}
	for (size_t i = 0; i < n; i++) {
		bool was = vlist_has(before, it[i].version);
		if (up && was && it[i].state == STRATA_MIGRATION_APPLIED)
			printf("%sapplied%s  %s_%s (%lld ms)\n", paint(C_GREEN), paint(C_RESET), it[i].version, it[i].name,
			       (long long)it[i].duration_ms);
		else if (!up && was && it[i].state == STRATA_MIGRATION_PENDING)
			printf("%sreverted%s %s_%s\n", paint(C_YELLOW), paint(C_RESET), it[i].version, it[i].name);
	}
	if (rc_run == STRATA_OK) {
		if (count == 0)
			printf(up ? "Nothing to apply: the database is up to date.\n" : "Nothing to roll back.\n");
		else
			printf("%s %zu migration%s.\n", up ? "Applied" : "Rolled back", count, count == 1 ? "" : "s");
		if (x->mo.schema_file && count > 0)
			printf("Schema written to %s\n", x->mo.schema_file);
	}
	return rc_run == STRATA_OK ? 0 : 1;
}

static void warn_pending(run_ctx *x)
{
	const strata_migration_info *it;
	size_t n;
	if (strata_migrate_status(x->m, &it, &n) != STRATA_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		if (it[i].state != STRATA_MIGRATION_PENDING)
			continue;
		if (x->o.to && strcmp(it[i].version, x->o.to) > 0 && strlen(it[i].version) >= strlen(x->o.to))
			continue;
		if (it[i].destructive && !x->mo.safe)
			warnf("pending migration %s_%s is destructive (%s); run with --safe or DB_BACKUP_ON_MIGRATE=true "
			      "to back up first",
			      it[i].version, it[i].name, it[i].destructive_why);
		if (!it[i].transactional && x->o.dry_run)
			warnf("%s_%s is transaction:false: it cannot run inside the dry run's transaction and is not tried",
			      it[i].version, it[i].name);
	}
}

/*
 * The destructive and locking lint rules on the pending migrations: print
 * what they find; with --strict, an error-level finding refuses the run
 * (returns 1).  The configuration comes from .strata-lint when there is one.
 */
static int lint_pending(run_ctx *x)
{
	const strata_migration_info *it;
	size_t n, errors = 0;
	const char *applied = NULL;
	if (strata_migrate_status(x->m, &it, &n) != STRATA_OK)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (it[i].state != STRATA_MIGRATION_PENDING && it[i].state != STRATA_MIGRATION_MISSING)
			applied = it[i].version;
	strata_lint_config *cfg = NULL;
	strata_lint_report *r = NULL;
	char *text = NULL;
	int rc = 0;
	if (strata_lint_config_new(&cfg) != STRATA_OK)
		goto done;
	if (access(".strata-lint", R_OK) == 0 && strata_lint_config_load(cfg, ".strata-lint") != STRATA_OK) {
		cli_error("migrate: .strata-lint");
		rc = x->o.strict;
		goto done;
	}
	if (strata_lint_pending(&r, x->mo.dir ? x->mo.dir : "migrations", strata_db_backend(x->db), applied, cfg,
				&errors) != STRATA_OK) {
		cli_error("migrate: lint");
		rc = x->o.strict;
		goto done;
	}
	if (strata_lint_report_count(r) && strata_lint_report_format(r, STRATA_LINT_FORMAT_TEXT, &text) == STRATA_OK)
		fputs(text, stderr);
	if (errors && x->o.strict) {
		cli_errorf("migrate: --strict: %zu error-level lint finding%s in pending migrations; nothing was applied "
			   "(fix them, or suppress with `-- strata-lint: ignore RULE reason`)",
			   errors, errors == 1 ? "" : "s");
		rc = 1;
	}
done:
	free(text);
	strata_lint_report_free(r);
	strata_lint_config_free(cfg);
	return rc;
}

static int do_up_down(run_ctx *x, bool up, bool redo)
{
	char *sql = NULL;
	vlist before = { NULL, 0 };
	size_t count = 0;
	int rc;

	if (x->o.sql) {
		if (strata_migrate_plan_sql(x->m, !up, x->o.steps, x->o.to, &sql) != STRATA_OK)
			return fail(x);
		fputs(sql, stdout);
		free(sql);
		return 0;
	}
	if (up && !x->o.json)
		warn_pending(x);
	if (up && !redo && lint_pending(x))
		return 1;
	rc = snapshot(x, !up, &before);
	if (rc)
		goto done;
	if (redo)
		rc = strata_migrate_redo(x->m);
	else if (up)
		rc = strata_migrate_up(x->m, x->o.to, &count);
	else
		rc = strata_migrate_down(x->m, x->o.steps, x->o.to, &count);
	if (redo) {
		if (rc != STRATA_OK) {
			rc = fail(x);
		} else {
			const char *v = before.n ? before.v[before.n - 1] : "";
			if (x->o.json) {
				printf("{\"ok\":true,\"redone\":");
				json_str(stdout, v);
				printf("}\n");
			} else {
				printf("Redone %s: rolled back and applied again.\n", v);
			}
			rc = 0;
		}
		goto done;
	}
	rc = report_run(x, up, &before, rc, count);
done:
	vlist_free(&before);
	return rc;
}

static int do_status(run_ctx *x, bool history)
{
	const strata_migration_info *it;
	size_t n, applied = 0, pending = 0, drift = 0;
	char *holder = NULL;
	if (strata_migrate_lock_holder(x->m, &holder) != STRATA_OK)
		return fail(x);
	if (strata_migrate_status(x->m, &it, &n) != STRATA_OK) {
		free(holder);
		return fail(x);
	}
	for (size_t i = 0; i < n; i++) {
		if (it[i].state == STRATA_MIGRATION_PENDING)
			pending++;
		else
			applied++;
		if (it[i].state != STRATA_MIGRATION_PENDING && it[i].state != STRATA_MIGRATION_APPLIED)
			drift++;
		else if (it[i].out_of_order)
			drift++;
	}
	if (x->o.json) {
		printf("{\"ok\":true,\"url\":");
		json_str(stdout, strata_db_url(x->db));
		printf(",\"dir\":");
		json_str(stdout, x->mo.dir ? x->mo.dir : "migrations");
		printf(",\"applied\":%zu,\"pending\":%zu,\"drift\":%zu,\"running\":", applied, pending, drift);
		if (holder)
			json_str(stdout, holder);
		else
			printf("null");
		printf(",\"migrations\":[");
		bool first = true;
		for (size_t i = 0; i < n; i++) {
			if (history && it[i].state == STRATA_MIGRATION_PENDING)
				continue;
			char iso[STRATA_TIMESTAMP_BUFSZ] = "";
			if (it[i].applied_at)
				strata_timestamp_format(it[i].applied_at, iso);
			printf("%s{\"version\":", first ? "" : ",");
			first = false;
			json_str(stdout, it[i].version);
			printf(",\"name\":");
			json_str(stdout, it[i].name);
			printf(",\"state\":");
			json_str(stdout, state_name(it[i].state));
			printf(",\"file\":");
			json_str(stdout, it[i].file);
			printf(",\"applied_at\":");
			if (it[i].applied_at)
				json_str(stdout, iso);
			else
				printf("null");
			printf(",\"duration_ms\":%lld,\"applied_by\":", (long long)it[i].duration_ms);
			json_str(stdout, it[i].applied_by);
			printf(",\"checksum\":");
			json_str(stdout, it[i].checksum);
			printf(",\"transactional\":%s,\"destructive\":%s,\"out_of_order\":%s,\"note\":",
			       it[i].transactional ? "true" : "false", it[i].destructive ? "true" : "false",
			       it[i].out_of_order ? "true" : "false");
			json_str(stdout, it[i].destructive && it[i].state == STRATA_MIGRATION_PENDING ? it[i].destructive_why
												    : it[i].note);
			printf("}");
		}
		printf("]}\n");
	} else if (history) {
		printf("%-14s %-30s %-19s %9s  %s\n", "VERSION", "NAME", "APPLIED AT (UTC)", "DURATION", "APPLIED BY");
		for (size_t i = 0; i < n; i++) {
			if (it[i].state == STRATA_MIGRATION_PENDING)
				continue;
			char at[40];
			fmt_time(it[i].applied_at, at, sizeof at);
			printf("%-14s %-30.30s %-19s %6lld ms  %s\n", it[i].version, it[i].name, at,
			       (long long)it[i].duration_ms, it[i].applied_by);
		}
		if (applied == 0)
			printf("No migration has been applied.\n");
	} else {
		printf("%s%s%s (migrations in %s)\n", paint(C_BOLD), strata_db_url(x->db), paint(C_RESET),
		       x->mo.dir ? x->mo.dir : "migrations");
		printf("%-11s %-14s %-30s %-19s %s\n", "STATE", "VERSION", "NAME", "APPLIED AT (UTC)", "NOTE");
		for (size_t i = 0; i < n; i++) {
			char at[40];
			const char *note = it[i].note;
			fmt_time(it[i].applied_at, at, sizeof at);
			if (it[i].state == STRATA_MIGRATION_PENDING)
				note = it[i].out_of_order ? "out of order: older than the newest applied"
				       : it[i].destructive ? it[i].destructive_why
							   : "";
			else if (it[i].state == STRATA_MIGRATION_CHANGED)
				note = "the file's up section changed since it was applied";
			else if (it[i].state == STRATA_MIGRATION_MISSING)
				note = "no file has this version";
			printf("%s%-11s%s %-14s %-30.30s %-19s %s\n", paint(state_color(it[i].state)), state_name(it[i].state),
			       paint(C_RESET), it[i].version, it[i].name, at, note ? note : "");
		}
		printf("%zu applied, %zu pending%s", applied, pending, drift ? "" : ".\n");
		if (drift)
			printf(", %s%zu need attention%s.\n", paint(C_RED), drift, paint(C_RESET));
	}
	if (holder && !x->o.json)
		printf("A migration is running now: %s.\n", holder);
	free(holder);
	if (x->o.exit_code && (pending > 0 || drift > 0))
		return 3;
	return 0;
}

static int do_verify(run_ctx *x)
{
	size_t checked = 0, failed = 0;
	int rc = strata_migrate_verify(x->m, &checked, &failed);
	if (x->o.json) {
		printf("{\"ok\":%s,\"checked\":%zu,\"failed\":%zu", rc == STRATA_OK ? "true" : "false", checked, failed);
		if (rc != STRATA_OK) {
			printf(",\"error\":");
			json_str(stdout, strata_error_last()->message);
		}
		printf("}\n");
		return rc == STRATA_OK ? 0 : 1;
	}
	if (rc != STRATA_OK) {
		cli_error(NULL);
		if (failed > 1)
			cli_errorf("%zu of %zu verify statements failed", failed, checked);
		return 1;
	}
	printf("Verified: %zu statement%s passed.\n", checked, checked == 1 ? "" : "s");
	return 0;
}

static int do_baseline(run_ctx *x, const char *version)
{
	size_t n = 0;
	if (strata_migrate_baseline(x->m, version, &n) != STRATA_OK)
		return fail(x);
	if (x->o.json)
		printf("{\"ok\":true,\"recorded\":%zu}\n", n);
	else
		printf("Baseline %s: recorded %zu migration%s as applied (nothing was run).\n", version, n,
		       n == 1 ? "" : "s");
	return 0;
}

static int do_adopt(run_ctx *x)
{
	size_t n = 0;
	if (strata_migrate_adopt(x->m, &n) != STRATA_OK)
		return fail(x);
	if (x->o.json)
		printf("{\"ok\":true,\"imported\":%zu}\n", n);
	else
		printf("Adopted dbmate's schema_migrations: imported %zu version%s.\n", n, n == 1 ? "" : "s");
	return 0;
}

static int do_new(const mopts *o, int argc, char **argv)
{
	if (argc < 1) {
		cli_errorf("migrate new: needs a description, e.g. strata migrate new \"add user preferences\"");
		return 2;
	}
	/* the words of the description may come unquoted */
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *desc = calloc(1, len);
	if (!desc) {
		cli_errorf("out of memory");
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(desc, " ");
		strcat(desc, argv[i]);
	}
	const char *dir = o->dir;
	if (!dir)
		dir = getenv("STRATA_MIGRATIONS_DIR");
	char *path = NULL;
	int rc = strata_migrate_new(dir, desc, &path);
	free(desc);
	if (rc != STRATA_OK) {
		if (o->json)
			json_error();
		else
			cli_error("migrate new");
		return 1;
	}
	if (o->json) {
		printf("{\"ok\":true,\"file\":");
		json_str(stdout, path);
		printf("}\n");
	} else {
		printf("Created %s\n", path);
	}
	free(path);
	return 0;
}

int cmd_migrate(int argc, char **argv)
{
	run_ctx x;
	int rc;

	memset(&x, 0, sizeof x);
	if (argc >= 2 && strcmp(argv[1], "diff") == 0) {
		if (!cmd_migrate_diff) {
			cli_errorf("strata migrate diff: not available in this build");
			return 2;
		}
		return cmd_migrate_diff(argc - 1, argv + 1);
	}
	rc = parse_mopts(argc, argv, &x.o);
	if (rc == -1) {
		fputs(migrate_usage, stdout);
		return 0;
	}
	if (rc)
		return rc;
	color_out = cli_color();
	if (optind >= argc) {
		fputs(migrate_usage, stderr);
		return 2;
	}
	const char *sub = argv[optind];
	int npos = argc - optind - 1;
	char **pos = argv + optind + 1;
	static const char *const known[] = { "new", "up", "down", "redo", "status", "history", "verify", "baseline", "adopt" };
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
			cli_errorf("migrate baseline: needs exactly one VERSION, e.g. strata migrate baseline 20261122103000");
		else
			cli_errorf("migrate %s: unexpected argument '%s'", sub, pos[0]);
		return 2;
	}
	if (load_dotenv())
		return 1;
	if (strcmp(sub, "new") == 0)
		return do_new(&x.o, npos, pos);
	rc = open_ctx(&x);
	if (rc == 0) {
		if (updown)
			rc = do_up_down(&x, strcmp(sub, "up") == 0, false);
		else if (strcmp(sub, "redo") == 0)
			rc = do_up_down(&x, false, true);
		else if (strcmp(sub, "status") == 0)
			rc = do_status(&x, false);
		else if (strcmp(sub, "history") == 0)
			rc = do_status(&x, true);
		else if (strcmp(sub, "verify") == 0)
			rc = do_verify(&x);
		else if (strcmp(sub, "baseline") == 0)
			rc = do_baseline(&x, pos[0]);
		else
			rc = do_adopt(&x);
	}
	close_ctx(&x);
	return rc;
}

/* ---- strata init ---- */

static const char starter_schema[] =
	"// The schema of this application, in Strata's schema language.\n"
	"// `strata migrate diff -m \"...\"` writes a migration from changes to this file.\n"
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

static const char env_example[] =
	"# Copy to .env and adjust.  Variables already set in the environment win.\n"
	"DATABASE_URL=sqlite:db/app.db\n"
	"# DATABASE_URL=postgres://app:secret@localhost:5432/app?sslmode=disable\n"
	"STRATA_MIGRATIONS_DIR=migrations\n"
	"# Back up before destructive migrations (same as strata migrate up --safe).\n"
	"DB_BACKUP_ON_MIGRATE=false\n"
	"# Programs calling strata_migrate_auto() migrate at start-up when this is true.\n"
	"DB_AUTO_MIGRATE=false\n"
	"# DB_ECHO=false\n"
	"# DB_SLOW_QUERY_MS=200\n";

static int write_new_file(const char *path, const char *text, bool *created)
{
	*created = false;
	FILE *f = fopen(path, "wx");
	if (!f) {
		if (errno == EEXIST)
			return 0;
		cli_errorf("init: cannot create %s: %s", path, strerror(errno));
		return 1;
	}
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	if (fclose(f) != 0 || !ok) {
		cli_errorf("init: cannot write %s: %s", path, strerror(errno));
		return 1;
	}
	*created = true;
	return 0;
}

int cmd_init(int argc, char **argv)
{
	mopts o;
	memset(&o, 0, sizeof o);
	int rc = parse_mopts(argc, argv, &o);
	if (rc == -1) {
		printf("usage: strata init [--dir DIR]\n"
		       "Create the migrations directory (default migrations/), a starter schema file\n"
		       "(schema.strata) and .env.example in the working directory.  Files that exist are kept.\n");
		return 0;
	}
	if (rc)
		return rc;
	if (optind < argc) {
		cli_errorf("init: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	const char *dir = o.dir ? o.dir : "migrations";
	if (mkdir(dir, 0755) == 0) {
		printf("created  %s/\n", dir);
	} else if (errno == EEXIST) {
		printf("exists   %s/ (kept)\n", dir);
	} else {
		cli_errorf("init: cannot create %s: %s", dir, strerror(errno));
		return 1;
	}
	const char *files[][2] = { { "schema.strata", starter_schema }, { ".env.example", env_example } };
	for (size_t i = 0; i < 2; i++) {
		bool created;
		if (write_new_file(files[i][0], files[i][1], &created))
			return 1;
		printf("%s  %s%s\n", created ? "created" : "exists ", files[i][0], created ? "" : " (kept)");
	}
	printf("Next: cp .env.example .env, then strata migrate new \"create users\"\n");
	return 0;
}

/* ---- strata db create | drop ---- */

int cmd_db(int argc, char **argv)
{
	mopts o;
	memset(&o, 0, sizeof o);
	int rc = parse_mopts(argc, argv, &o);
	if (rc == -1) {
		printf("usage: strata db create|drop [--url URL] [--force]\n"
		       "  create  create the database the URL names (PostgreSQL: CREATE DATABASE; SQLite: the file)\n"
		       "  drop    drop it; needs --force, as everything in it is lost\n");
		return 0;
	}
	if (rc)
		return rc;
	if (optind >= argc || (strcmp(argv[optind], "create") != 0 && strcmp(argv[optind], "drop") != 0)) {
		cli_errorf("db: expected create or drop (see strata db --help)");
		return 2;
	}
	if (optind + 1 < argc) {
		cli_errorf("db: unexpected argument '%s'", argv[optind + 1]);
		return 2;
	}
	bool create = strcmp(argv[optind], "create") == 0;
	if (!create && !o.force) {
		cli_errorf("db drop: this deletes the database and everything in it; run again with --force");
		return 2;
	}
	if (load_dotenv())
		return 1;
	char *url = cli_resolve_url(o.url);
	if (!url)
		return 1;
	char *shown = strata_url_redact(url);
	bool existed = false;
	rc = create ? strata_database_create(url, &existed) : strata_database_drop(url, &existed);
	if (rc != STRATA_OK) {
		cli_error(create ? "db create" : "db drop");
	} else if (create) {
		printf(existed ? "%s already exists\n" : "created %s\n", shown ? shown : "the database");
	} else {
		printf(existed ? "dropped %s\n" : "%s does not exist\n", shown ? shown : "the database");
	}
	free(shown);
	free(url);
	return rc == STRATA_OK ? 0 : 1;
}

/* ---- strata wait ---- */

int cmd_wait(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *flag_url = NULL;
	int timeout_s = 30, c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":u:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 't':
			if (parse_positive("--timeout", optarg, &timeout_s))
				return 2;
			break;
		case 'h':
			printf("usage: strata wait [--url URL] [--timeout SECONDS]\n"
			       "Wait until the database accepts connections (default: up to 30 s).\n"
			       "Exit 0 when it does, 1 when the time runs out.\n");
			return 0;
		case ':': cli_errorf("wait: option '%s' needs a value", argv[optind - 1]); return 2;
		default: cli_errorf("wait: unknown option '%s' (see strata wait --help)", argv[optind - 1]); return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("wait: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (load_dotenv())
		return 1;
	char *url = cli_resolve_url(flag_url);
	if (!url)
		return 1;
	/* SQLite: wait for the file to exist rather than create it */
	if (strncasecmp(url, "sqlite", 6) == 0 && !strstr(url, "mode=") && !strstr(url, ":memory:")) {
		size_t n = strlen(url) + 16;
		char *rw = malloc(n);
		if (!rw) {
			free(url);
			cli_errorf("out of memory");
			return 1;
		}
		snprintf(rw, n, "%s%smode=rw", url, strchr(url, '?') ? "&" : "?");
		free(url);
		url = rw;
	}
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc;
	for (;;) {
		strata_db *db = NULL;
		rc = strata_open(&db, url, NULL);
		if (rc == STRATA_OK)
			rc = strata_ping(db);
		strata_close(db);
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
		if (rc == STRATA_OK) {
			printf("ready after %.1f s\n", el);
			break;
		}
		if (rc == STRATA_EINVAL || rc == STRATA_EAUTH || el >= timeout_s) {
			cli_errorf("wait: the database is not ready after %.1f s: %s", el, strata_error_last()->message);
			break;
		}
		struct timespec nap = { 0, 250 * 1000 * 1000 };
		nanosleep(&nap, NULL);
	}
	free(url);
	return rc == STRATA_OK ? 0 : 1;
}
