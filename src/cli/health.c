/*
 * strata health: run the health checks and print them as a table or JSON.
 * Exit status 0 ok, 1 warning, 2 failure, 3 when the checks could not run
 * (bad options).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <strata/health.h>

#include "cli.h"
#include "ops.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: strata health [--url URL] [--json] [--verbose] [--check NAME]... [--thorough]\n"
		   "                     [--migrations DIR] [--schema FILE] [--required FILE]\n"
		   "                     [--config FILE] [--set NAME=VALUE]... [NAME...]\n"
		   "Check the database: connectivity, migrations, schema, integrity, performance,\n"
		   "configuration, required data, materialized views (views) and queries slower than a\n"
		   "saved pg_stat_statements baseline (queries).  Exit status 0 ok, 1 warning, 2 failure,\n"
		   "3 when the checks could not run.\n\n"
		   "  --check NAME      run only these checks (repeat, NAME,NAME, or names after the options)\n"
		   "  --thorough        SQLite integrity_check; PostgreSQL orphaned rows under every foreign key\n"
		   "  --migrations DIR  the migrations directory (else $STRATA_MIGRATIONS_DIR, else migrations)\n"
		   "  --schema FILE     the schema file (else $STRATA_SCHEMA, else schema.strata)\n"
		   "  --required FILE   named queries that must return rows (else health.sql)\n"
		   "  --config FILE     NAME = VALUE lines of thresholds and options (else health.conf when present)\n"
		   "  --set NAME=VALUE  one threshold, e.g. --set idle_in_transaction_ms=5000\n"
		   "  --verbose         every finding and figure, not only problems\n"
		   "Thresholds and the checks are described in docs/operations.md.\n");
}

static const char *level_color(strata_health_level l)
{
	switch (l) {
	case STRATA_HEALTH_OK: return OPS_GREEN;
	case STRATA_HEALTH_WARNING: return OPS_YELLOW;
	case STRATA_HEALTH_FAILURE: return OPS_RED;
	default: return OPS_DIM;
	}
}

static void print_figure(const strata_health_figure *f)
{
	char v[64];
	if (!strcmp(f->unit, "bytes"))
		ops_bytes((int64_t)f->value, v, sizeof v);
	else if (!strcmp(f->unit, "ratio"))
		snprintf(v, sizeof v, "%.1f%%", f->value * 100);
	else if (!strcmp(f->unit, "ms"))
		snprintf(v, sizeof v, "%.2f ms", f->value);
	else
		snprintf(v, sizeof v, "%.0f", f->value);
	printf("%s=%s", f->name, v);
}

static void print_human(const strata_health_report *r, bool verbose)
{
	bool color = cli_color();
	printf("%sHealth of %s%s (%s %s)\n\n", ops_c(color, OPS_BOLD), r->url, ops_c(color, OPS_RESET),
	       !strcmp(r->backend, "sqlite") ? "SQLite" : "PostgreSQL",
	       *r->server_version ? r->server_version : "unreachable");
	/* the level column is padded by hand: colour escapes would upset the widths */
	size_t wname = strlen("CHECK");
	for (size_t i = 0; i < r->nchecks; i++)
		if (strlen(r->checks[i].name) > wname)
			wname = strlen(r->checks[i].name);
	printf("  %s%-*s  %-8s  %s%s\n", ops_c(color, OPS_BOLD), (int)wname, "CHECK", "STATUS", "SUMMARY",
	       ops_c(color, OPS_RESET));
	for (size_t i = 0; i < r->nchecks; i++) {
		const strata_health_check *c = &r->checks[i];
		printf("  %-*s  %s%-8s%s  %s\n", (int)wname, c->name, ops_c(color, level_color(c->level)),
		       strata_health_level_name(c->level), ops_c(color, OPS_RESET), c->summary ? c->summary : "");
	}
	bool any = false;
	for (size_t i = 0; i < r->nchecks; i++) {
		const strata_health_check *c = &r->checks[i];
		for (size_t k = 0; k < c->nfindings; k++) {
			const strata_health_finding *f = &c->findings[k];
			if (f->level == STRATA_HEALTH_OK && !verbose)
				continue;
			if (!any)
				putchar('\n');
			any = true;
			printf("%s%-7s%s %s: %s\n", ops_c(color, level_color(f->level)),
			       strata_health_level_name(f->level), ops_c(color, OPS_RESET), c->name, f->message);
			if (*f->advice)
				printf("        -> %s\n", f->advice);
		}
		if (verbose && c->nfigures) {
			printf("%s        %s:", ops_c(color, OPS_DIM), c->name);
			for (size_t k = 0; k < c->nfigures; k++) {
				putchar(' ');
				print_figure(&c->figures[k]);
			}
			printf(" (%.1f ms)%s\n", c->duration_ms, ops_c(color, OPS_RESET));
			any = true;
		}
	}
	printf("\n%s%s%s: %s (exit status %d), %.0f ms\n", ops_c(color, level_color(r->level)),
	       strata_health_level_name(r->level), ops_c(color, OPS_RESET),
	       r->level == STRATA_HEALTH_OK	   ? "every check passed"
	       : r->level == STRATA_HEALTH_WARNING ? "look at the warnings above"
						   : "something is broken",
	       strata_health_exit_status(r->level), r->duration_ms);
}

/* Append `name` to the comma-separated list *checks; false (said) when out of memory. */
static bool add_check(char **checks, const char *name)
{
	size_t old = *checks ? strlen(*checks) : 0;
	char *g = realloc(*checks, old + strlen(name) + 2);
	if (!g) {
		cli_errorf("health: out of memory");
		return false;
	}
	if (old)
		g[old++] = ',';
	strcpy(g + old, name);
	*checks = g;
	return true;
}

int cmd_health(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },    { "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },	    { "check", required_argument, NULL, 'c' },
		{ "thorough", no_argument, NULL, 't' },	    { "migrations", required_argument, NULL, 'm' },
		{ "schema", required_argument, NULL, 's' }, { "required", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'C' }, { "set", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 },
	};
	const char *flag_url = NULL, *config = NULL;
	bool json = false, verbose = false;
	char *checks = NULL, *storage = NULL, *url = NULL;
	char **sets = NULL;
	size_t nsets = 0;
	int c, status = 3;
	strata_health_options o = STRATA_HEALTH_OPTIONS_INIT;
	strata_health_options flags = STRATA_HEALTH_OPTIONS_INIT;
	strata_health_report *rep = NULL;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "u:jvc:tm:s:r:C:S:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': flag_url = optarg; break;
		case 'j': json = true; break;
		case 'v': verbose = true; break;
		case 't': flags.thorough = true; break;
		case 'm': flags.migrations_dir = optarg; break;
		case 's': flags.schema_file = optarg; break;
		case 'r': flags.required_file = optarg; break;
		case 'C': config = optarg; break;
		case 'c':
			if (!add_check(&checks, optarg))
				goto done;
			break;
		case 'S': {
			char **g = realloc(sets, (nsets + 1) * sizeof *g);
			if (!g) {
				cli_errorf("health: out of memory");
				goto done;
			}
			sets = g;
			sets[nsets++] = optarg;
			break;
		}
		case 'h':
			usage(stdout);
			status = 0;
			goto done;
		default:
			cli_errorf("health: unknown option '%s' (see strata health --help)", argv[optind - 1]);
			goto done;
		}
	}
	/* check names may also follow the options: strata health integrity performance */
	for (int i = optind; i < argc; i++)
		if (!add_check(&checks, argv[i]))
			goto done;
	/* the config file first, then the environment's names, then flags */
	struct stat sb;
	if (!config && stat("health.conf", &sb) == 0)
		config = "health.conf";
	if (config && strata_health_options_load(&o, config, &storage) != STRATA_OK) {
		cli_error("health");
		goto done;
	}
	const char *env_dir = getenv("STRATA_MIGRATIONS_DIR"), *env_schema = getenv("STRATA_SCHEMA");
	if (env_dir && *env_dir)
		o.migrations_dir = env_dir;
	if (env_schema && *env_schema)
		o.schema_file = env_schema;
	if (flags.migrations_dir)
		o.migrations_dir = flags.migrations_dir;
	if (flags.schema_file)
		o.schema_file = flags.schema_file;
	if (flags.required_file)
		o.required_file = flags.required_file;
	if (flags.thorough)
		o.thorough = true;
	if (checks)
		o.checks = checks;
	for (size_t i = 0; i < nsets; i++) {
		char *eq = strchr(sets[i], '=');
		if (!eq) {
			cli_errorf("health: --set wants NAME=VALUE, not '%s'", sets[i]);
			goto done;
		}
		*eq = '\0';
		if (strata_health_options_set(&o, sets[i], eq + 1) != STRATA_OK) {
			cli_error("health");
			goto done;
		}
	}
	url = cli_resolve_url(flag_url);
	if (!url)
		goto done;
	if (strata_health_run_url(&rep, url, &o) != STRATA_OK) {
		cli_error("health");
		goto done;
	}
	if (json) {
		char *text = NULL;
		if (strata_health_report_json(rep, true, &text) != STRATA_OK) {
			cli_error("health");
			goto done;
		}
		puts(text);
		free(text);
	} else {
		print_human(rep, verbose);
	}
	status = strata_health_exit_status(rep->level);
done:
	strata_health_report_free(rep);
	free(url);
	free(checks);
	free(sets);
	free(storage);
	return status;
}
