/*
 * squawk parity: how many of the cases squawk reports Strata's lint
 * catches, and how many of squawk's documented safe forms it leaves quiet.
 * The cases (bench/lint_parity/cases.txt) were written from squawk's public
 * rule documentation; each names a squawk rule, and the table below maps
 * it to the Strata rules that stand for it (as docs/lint-rules.md does).
 * Every case is a PostgreSQL migration linted on top of an earlier, applied
 * one that creates the tables it touches (so "existing table" rules apply);
 * only the case's own file is reported.  Opt-in rules are turned on as a
 * squawk user would have them: string-style = text, bigint-scope = all,
 * require-enum-value-ordering and require-table-schema at warning.
 * Prints a table per squawk rule and the totals; with --verbose, every
 * case that went wrong and its findings.  Exit status 0.
 *
 *   bench_lint_parity [--cases FILE] [--verbose]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strata.h>

static const struct {
	const char *squawk;
	const char *strata[3];
} map[] = {
	{ "adding-field-with-default", { "volatile-default" } },
	{ "adding-foreign-key-constraint", { "add-constraint-not-valid" } },
	{ "adding-not-nullable-field", { "set-not-null" } },
	{ "adding-required-field", { "add-not-null-column" } },
	{ "adding-serial-primary-key-field", { "add-index-concurrently" } },
	{ "ban-alter-domain-with-add-constraint", { "ban-alter-domain-with-add-constraint" } },
	{ "ban-char-field", { "char-type" } },
	{ "ban-concurrent-index-creation-in-transaction", { "concurrently-in-transaction" } },
	{ "ban-create-domain-with-constraint", { "ban-create-domain-with-constraint" } },
	{ "ban-drop-column", { "drop-column" } },
	{ "ban-drop-database", { "ban-drop-database" } },
	{ "ban-drop-not-null", { "ban-drop-not-null" } },
	{ "ban-drop-table", { "drop-table" } },
	{ "ban-duplicate-column-assignments", { "ban-duplicate-column-assignments" } },
	{ "ban-truncate-cascade", { "ban-truncate-cascade" } },
	{ "ban-uncommitted-transaction", { "ban-uncommitted-transaction" } },
	{ "changing-column-type", { "alter-column-type", "narrowing-type" } },
	{ "constraint-missing-not-valid", { "add-constraint-not-valid" } },
	{ "disallowed-unique-constraint", { "add-index-concurrently" } },
	{ "identifier-too-long", { "identifier-too-long" } },
	{ "prefer-bigint-over-int", { "prefer-bigint-over-int" } },
	{ "prefer-bigint-over-smallint", { "prefer-bigint-over-smallint" } },
	{ "prefer-identity", { "prefer-identity" } },
	{ "prefer-repack", { "prefer-repack" } },
	{ "prefer-robust-stmts", { "require-if-exists" } },
	{ "prefer-text-field", { "string-without-length" } },
	{ "prefer-timestamptz", { "timestamp-without-tz" } },
	{ "renaming-column", { "rename-column" } },
	{ "renaming-table", { "rename-table" } },
	{ "require-concurrent-index-creation", { "add-index-concurrently" } },
	{ "require-concurrent-index-deletion", { "drop-index-concurrently" } },
	{ "require-concurrent-partition-detach", { "require-concurrent-partition-detach" } },
	{ "require-concurrent-reindex", { "require-concurrent-reindex" } },
	{ "require-enum-value-ordering", { "require-enum-value-ordering" } },
	{ "require-lock-timeout", { "require-lock-timeout" } },
	{ "require-statement-timeout", { "require-statement-timeout" } },
	{ "require-table-schema", { "require-table-schema" } },
	{ "transaction-nesting", { "transaction-nesting" } },
	{ "syntax-error", { "invalid-sql" } },
};
#define NMAP (sizeof map / sizeof map[0])

typedef struct {
	int fire, fired, quiet, kept;
} tally;

static int verbose;

static void die(const char *what)
{
	fprintf(stderr, "bench_lint_parity: %s: %s\n", what, strata_error_last()->message);
	exit(1);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	if (!s || fread(s, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	s[n] = '\0';
	fclose(f);
	return s;
}

static void put(const char *path, const char *a, const char *b, const char *c)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(a, f) < 0 || fputs(b, f) < 0 || fputs(c, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* A growing string. */
typedef struct {
	char *s;
	size_t n, cap;
} str;

static void add(str *b, const char *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			exit(1);
	}
	memcpy(b->s + b->n, p, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static int rule_index(const char *squawk)
{
	for (size_t i = 0; i < NMAP; i++)
		if (!strcmp(map[i].squawk, squawk))
			return (int)i;
	return -1;
}

/* Lint one case; does one of the mapped rules report it? */
static int run_case(const char *dir, const strata_lint_config *cfg, int m, const char *setup, const char *body,
		    int notx, char **text)
{
	char setup_path[4200], case_path[4200];
	snprintf(setup_path, sizeof setup_path, "%s/20260101000000_setup.sql", dir);
	snprintf(case_path, sizeof case_path, "%s/20260102000000_case.sql", dir);
	put(setup_path, "-- migrate:up\n", setup, "-- migrate:down\n");
	put(case_path, notx ? "-- migrate:up transaction:false\n" : "-- migrate:up\n", body, "-- migrate:down\n");
	const char *pending[] = { case_path };
	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	o.config = cfg;
	o.dialect = STRATA_BACKEND_POSTGRES;
	o.pending = pending;
	o.npending = 1;
	strata_lint_report *r;
	if (strata_lint_report_new(&r) != STRATA_OK || strata_lint_migrations_dir(r, dir, &o) != STRATA_OK)
		die("lint");
	int hit = 0;
	for (size_t i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_get(r, i);
		for (int k = 0; k < 3 && map[m].strata[k]; k++)
			hit |= !strcmp(f->rule, map[m].strata[k]);
	}
	if (text && strata_lint_report_format(r, STRATA_LINT_FORMAT_TEXT, text) != STRATA_OK)
		die("format");
	strata_lint_report_free(r);
	unlink(setup_path);
	unlink(case_path);
	return hit;
}

int main(int argc, char **argv)
{
	const char *cases = STRATA_BENCH_SOURCE "/bench/lint_parity/cases.txt";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cases") && i + 1 < argc)
			cases = argv[++i];
		else if (!strcmp(argv[i], "--verbose"))
			verbose = 1;
		else {
			fprintf(stderr, "usage: bench_lint_parity [--cases FILE] [--verbose]\n");
			return 2;
		}
	}
	char *text = slurp(cases);
	char dir[] = "/tmp/strata-lint-parity-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	strata_lint_config *cfg;
	if (strata_lint_config_new(&cfg) != STRATA_OK || strata_lint_config_set(cfg, "string-style", "text") ||
	    strata_lint_config_set(cfg, "bigint-scope", "all") ||
	    strata_lint_config_set(cfg, "require-enum-value-ordering", "warning") ||
	    strata_lint_config_set(cfg, "require-table-schema", "warning"))
		die("config");

	/* Common setup (%setup lines), then the cases in order. */
	str common = { 0 };
	for (char *p = text; *p;) {
		char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n > 7 && !strncmp(p, "%setup ", 7)) {
			add(&common, p + 7, n - 7);
			add(&common, "\n", 1);
		}
		p += n + (e != NULL);
	}

	tally t[NMAP];
	memset(t, 0, sizeof t);
	int ncases = 0;
	char *p = text;
	while ((p = strstr(p, "### ")) != NULL) {
		if (p != text && p[-1] != '\n') {
			p += 4;
			continue;
		}
		char *eol = strchr(p, '\n');
		if (!eol)
			break;
		char head[512];
		size_t hn = (size_t)(eol - p) < sizeof head - 1 ? (size_t)(eol - p) : sizeof head - 1;
		memcpy(head, p, hn);
		head[hn] = '\0';
		char rule[128], kind[16];
		if (sscanf(head, "### %127s %15[a-z]", rule, kind) != 2) {
			fprintf(stderr, "bench_lint_parity: %s: bad case header: %s\n", cases, head);
			return 1;
		}
		int m = rule_index(rule);
		if (m < 0 || (strcmp(kind, "fire") && strcmp(kind, "quiet"))) {
			fprintf(stderr, "bench_lint_parity: %s: unknown rule or kind: %s\n", cases, head);
			return 1;
		}
		/* The case runs to the next header or comment line. */
		str setup = { 0 }, body = { 0 };
		add(&setup, common.s, common.n);
		int notx = 0;
		char *q = eol + 1;
		while (*q && strncmp(q, "### ", 4) && *q != '#') {
			char *e = strchr(q, '\n');
			size_t n = e ? (size_t)(e - q) : strlen(q);
			if (n > 7 && !strncmp(q, "setup: ", 7)) {
				add(&setup, q + 7, n - 7);
				add(&setup, "\n", 1);
			} else if (n == 4 && !strncmp(q, "notx", 4)) {
				notx = 1;
			} else if (n) {
				add(&body, q, n);
				add(&body, "\n", 1);
			}
			q += n + (e != NULL);
		}
		char *findings = NULL;
		int hit = run_case(dir, cfg, m, setup.s, body.s ? body.s : "", notx, verbose ? &findings : NULL);
		int fire = !strcmp(kind, "fire");
		if (fire) {
			t[m].fire++;
			t[m].fired += hit;
		} else {
			t[m].quiet++;
			t[m].kept += !hit;
		}
		if (verbose && hit != fire)
			printf("%s %s\n%s-- findings:\n%s\n", fire ? "MISSED" : "FALSE ALARM", head + 4, body.s,
			       findings && *findings ? findings : "(none)\n");
		free(findings);
		free(setup.s);
		free(body.s);
		ncases++;
		p = q;
	}

	int fire = 0, fired = 0, quiet = 0, kept = 0;
	printf("squawk parity: %d cases from squawk's rule documentation (%s)\n\n", ncases, cases);
	printf("%-45s %-36s %9s %9s\n", "squawk rule", "Strata rule", "caught", "quiet");
	for (size_t i = 0; i < NMAP; i++) {
		char caught[16] = "-", still[16] = "-";
		if (t[i].fire)
			snprintf(caught, sizeof caught, "%d/%d", t[i].fired, t[i].fire);
		if (t[i].quiet)
			snprintf(still, sizeof still, "%d/%d", t[i].kept, t[i].quiet);
		char names[80];
		snprintf(names, sizeof names, "%s%s%s", map[i].strata[0], map[i].strata[1] ? ", " : "",
			 map[i].strata[1] ? map[i].strata[1] : "");
		printf("%-45s %-36s %9s %9s\n", map[i].squawk, names, caught, still);
		fire += t[i].fire;
		fired += t[i].fired;
		quiet += t[i].quiet;
		kept += t[i].kept;
	}
	double pf = fire ? 100.0 * fired / fire : 0, pq = quiet ? 100.0 * kept / quiet : 0;
	printf("\n%-24s %10s %10s %8s\n", "", "result", "target", "");
	printf("%-24s %4d/%-3d %5.1f%% %9s %8s\n", "should fire: caught", fired, fire, pf, ">= 95%",
	       pf >= 95.0 ? "met" : "not met");
	printf("%-24s %4d/%-3d %5.1f%% %9s %8s\n", "should not fire: quiet", kept, quiet, pq, "100%",
	       kept == quiet ? "met" : "not met");
	strata_lint_config_free(cfg);
	rmdir(dir);
	free(common.s);
	free(text);
	return 0;
}
