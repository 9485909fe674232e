/*
 * strata lint [PATHS...] [--db URL] [--since VERSION] [--changed-since REF]
 *             [--format text|json|sarif] [--max-warnings N] [--dialect sqlite|postgres]
 *             [--config FILE] [--rule ID=SEVERITY] [--disable ID] [--set KEY=VALUE]
 *             [--scratch-db URL] [--list-rules] [--explain ID]
 *
 * Best-practice rules on the schema file, the migrations directory and
 * (with --db) a live database.  With --changed-since, only the files git
 * says changed since REF (committed, staged, in the working tree, or new
 * and untracked) are reported; the other migrations are replayed as
 * history.  Exit 0 when nothing at error level was
 * found (and the warnings are within --max-warnings), 1 otherwise, 2 when
 * linting could not run.
 */
#include <getopt.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: strata lint [PATHS...] [--db URL] [--since VERSION] [--changed-since REF]\n"
		   "                   [--format text|json|sarif] [--max-warnings N] [--dialect sqlite|postgres]\n"
		   "                   [--config FILE] [--rule ID=SEVERITY] [--disable ID] [--set KEY=VALUE]\n"
		   "                   [--scratch-db POSTGRES-URL] [--list-rules] [--explain ID]\n"
		   "Check the schema file, migrations and live databases against best-practice rules.\n"
		   "PATHS are schema files, migration files (*.sql) or migration directories; without\n"
		   "them the schema file (schema.strata) and migrations/ are linted when they exist.\n"
		   "Configuration comes from .strata-lint (or --config), then the flags.\n"
		   "--changed-since REF reports only the files git says changed since REF (a pull request's\n"
		   "files); the other migrations are replayed as history, and tables the changed ones create\n"
		   "are new to the later ones.\n"
		   "--scratch-db names a PostgreSQL server where a throwaway database is created to apply\n"
		   "PostgreSQL migrations and check that each down undoes its up (dropped afterwards).\n"
		   "Suppress one finding with a comment on the line before it:\n"
		   "  -- strata-lint: ignore RULE the reason\n"
		   "Exit status: 0 clean, 1 an error-level finding (or too many warnings), 2 lint failed.\n");
}

static int list_rules(void)
{
	size_t n;
	const strata_lint_rule *r = strata_lint_rules(&n);
	int w = 4; /* the longest rule id sets the first column's width */
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(r[i].id) > w)
			w = (int)strlen(r[i].id);
	printf("%-*s %-8s %-11s %-8s %s\n", w, "RULE", "DEFAULT", "CATEGORY", "DIALECT", "SUMMARY");
	for (size_t i = 0; i < n; i++) {
		const char *cat = r[i].category == STRATA_LINT_CAT_DESIGN	 ? "design"
				  : r[i].category == STRATA_LINT_CAT_DESTRUCTIVE ? "destructive"
				  : r[i].category == STRATA_LINT_CAT_LOCKING	 ? "locking"
				  : r[i].category == STRATA_LINT_CAT_BREAKING	 ? "breaking"
				  : r[i].category == STRATA_LINT_CAT_ROBUSTNESS	 ? "robustness"
										 : "meta";
		const char *d = r[i].dialects == STRATA_LINT_POSTGRES ? "postgres" : "both";
		printf("%-*s %-8s %-11s %-8s %s\n", w, r[i].id, strata_lint_severity_name(r[i].severity), cat, d,
		       r[i].summary);
	}
	return 0;
}

static int explain(const char *id)
{
	const strata_lint_rule *r = strata_lint_rule_find(id);
	if (!r) {
		cli_errorf("lint: unknown rule '%s' (see strata lint --list-rules)", id);
		return 2;
	}
	printf("%s (%s): %s\n\n%s\n", r->id, strata_lint_severity_name(r->severity), r->summary, r->explanation);
	if (r->setting)
		printf("\nSetting: %s\n", r->setting);
	printf("\nSuppress: -- strata-lint: ignore %s <reason>\n", r->id);
	return 0;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* The dialect of a URL by its scheme, or 0. */
static strata_backend url_dialect(const char *url)
{
	if (!url)
		return (strata_backend)0;
	if (strncmp(url, "sqlite", 6) == 0)
		return STRATA_BACKEND_SQLITE;
	if (strncmp(url, "postgres", 8) == 0)
		return STRATA_BACKEND_POSTGRES;
	return (strata_backend)0;
}

/* The files git names: absolute paths, NUL-separated in buf (`prefix`/ before each). */
typedef struct changed {
	char **v;
	size_t n, cap;
} changed;

static void changed_free(changed *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	memset(c, 0, sizeof *c);
}

static int changed_add(changed *c, const char *prefix, const char *rel)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		char **v = realloc(c->v, cap * sizeof *v);
		if (!v)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	size_t n = strlen(prefix) + strlen(rel) + 2;
	char *p = malloc(n);
	if (!p)
		return -1;
	snprintf(p, n, "%s%s%s", prefix, *prefix ? "/" : "", rel);
	/* The real path, so the linter can compare it with the files it reads. */
	char *r = realpath(p, NULL);
	c->v[c->n++] = r ? r : p;
	if (r)
		free(p);
	return 0;
}

/*
 * Run git with `args` (NULL-terminated, "git" first); its standard output
 * into *out (free()), *len bytes.  Git's own errors go to our standard
 * error.  Returns git's exit status, or -1 when it could not run.
 */
static int run_git(char *const args[], char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	extern char **environ;
	pid_t pid;
	int err = posix_spawnp(&pid, "git", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (err != 0) {
		close(fd[0]);
		return -1;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t got;
	while (buf && (got = read(fd[0], buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (cap - n < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(fd[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		;
	if (!buf)
		return -1;
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The files that changed since `ref`: committed after it, staged or
 * changed in the working tree (git diff REF), and new untracked files
 * (git ls-files --others), as real paths.  Returns 0, or 2 after saying why.
 */
static int changed_since(const char *ref, changed *out)
{
	char *top = NULL, *diff = NULL, *fresh = NULL;
	size_t n;
	int status = 2;
	char *a1[] = { "git", "rev-parse", "--show-toplevel", NULL };
	int st = run_git(a1, &top, &n);
	if (st != 0) {
		cli_errorf("lint: --changed-since %s: %s", ref,
			   st < 0 ? "cannot run git (is it installed?)" : "not inside a git repository");
		goto done;
	}
	while (n && (top[n - 1] == '\n' || top[n - 1] == '\r'))
		top[--n] = '\0';
	char *a2[] = { "git", "diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", (char *)ref, "--", NULL };
	if ((st = run_git(a2, &diff, &n)) != 0) {
		cli_errorf("lint: --changed-since %s: git diff failed (is %s a commit, branch or tag?)", ref, ref);
		goto done;
	}
	for (size_t i = 0; i < n; i += strlen(diff + i) + 1)
		if (diff[i] && changed_add(out, top, diff + i) != 0)
			goto nomem;
	char *a3[] = { "git", "ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", ":/", NULL };
	if ((st = run_git(a3, &fresh, &n)) != 0) {
		cli_errorf("lint: --changed-since %s: git ls-files failed", ref);
		goto done;
	}
	for (size_t i = 0; i < n; i += strlen(fresh + i) + 1)
		if (fresh[i] && changed_add(out, top, fresh + i) != 0)
			goto nomem;
	status = 0;
	goto done;
nomem:
	cli_errorf("lint: out of memory");
done:
	free(top);
	free(diff);
	free(fresh);
	return status;
}

/* Is path (any form) one of the changed files? */
static bool is_changed(const changed *c, const char *path)
{
	char *r = realpath(path, NULL);
	bool found = false;
	for (size_t i = 0; r && i < c->n && !found; i++)
		found = strcmp(c->v[i], r) == 0;
	free(r);
	return found;
}

/* Apply "KEY=VALUE" to the config. */
static int set_kv(strata_lint_config *cfg, const char *kv, const char *flag)
{
	const char *eq = strchr(kv, '=');
	if (!eq) {
		cli_errorf("lint: %s takes KEY=VALUE, not '%s'", flag, kv);
		return 2;
	}
	char key[128];
	size_t kl = (size_t)(eq - kv) < sizeof key - 1 ? (size_t)(eq - kv) : sizeof key - 1;
	memcpy(key, kv, kl);
	key[kl] = '\0';
	if (strata_lint_config_set(cfg, key, eq + 1) != STRATA_OK) {
		cli_error(NULL);
		return 2;
	}
	return 0;
}

int cmd_lint(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "changed-since", required_argument, NULL, 'C' },
		{ "format", required_argument, NULL, 'f' },
		{ "max-warnings", required_argument, NULL, 'w' },
		{ "dialect", required_argument, NULL, 'D' },
		{ "config", required_argument, NULL, 'c' },
		{ "rule", required_argument, NULL, 'r' },
		{ "disable", required_argument, NULL, 'x' },
		{ "set", required_argument, NULL, 'S' },
		{ "scratch-db", required_argument, NULL, 'Z' },
		{ "list-rules", no_argument, NULL, 'l' },
		{ "explain", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum {
		MAXFLAGS = 64
	};
	const char *db_url = NULL, *since = NULL, *format = "text", *dialect = NULL, *config_path = NULL;
	const char *max_warn = NULL, *scratch = NULL, *changed_ref = NULL;
	changed chg = { NULL, 0, 0 };
	const char *sets[MAXFLAGS];
	char disable_buf[MAXFLAGS][160];
	int nsets = 0, c, status = 2;
	strata_lint_config *cfg = NULL;
	strata_lint_report *rep = NULL;
	strata_schema *schema = NULL;
	strata_db *db = NULL;
	char *out = NULL;
	const char **sqls = NULL;
	size_t nsqls = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:C:f:w:D:c:r:x:S:Z:le:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db_url = optarg; break;
		case 's': since = optarg; break;
		case 'C': changed_ref = optarg; break;
		case 'f': format = optarg; break;
		case 'w': max_warn = optarg; break;
		case 'D': dialect = optarg; break;
		case 'c': config_path = optarg; break;
		case 'Z': scratch = optarg; break;
		case 'r':
		case 'S':
		case 'x':
			if (nsets == MAXFLAGS) {
				cli_errorf("lint: too many --rule/--set/--disable flags");
				return 2;
			}
			/* --disable ID becomes "disable=ID"; the others are KEY=VALUE already. */
			if (c == 'x') {
				snprintf(disable_buf[nsets], sizeof disable_buf[0], "disable=%s", optarg);
				sets[nsets] = disable_buf[nsets];
				nsets++;
			} else {
				sets[nsets++] = optarg;
			}
			break;
		case 'l': return list_rules();
		case 'e': return explain(optarg);
		case 'h': usage(stdout); return 0;
		default: cli_errorf("lint: unknown option '%s' (see strata lint --help)", argv[optind - 1]); return 2;
		}
	}
	strata_lint_format fmt;
	if (strcmp(format, "text") == 0)
		fmt = STRATA_LINT_FORMAT_TEXT;
	else if (strcmp(format, "json") == 0)
		fmt = STRATA_LINT_FORMAT_JSON;
	else if (strcmp(format, "sarif") == 0)
		fmt = STRATA_LINT_FORMAT_SARIF;
	else {
		cli_errorf("lint: --format is text, json or sarif, not '%s'", format);
		return 2;
	}

	if (changed_ref && changed_since(changed_ref, &chg) != 0)
		goto done;
	if (strata_lint_config_new(&cfg) != STRATA_OK || strata_lint_report_new(&rep) != STRATA_OK) {
		cli_error("lint");
		goto done;
	}
	if (config_path || exists(".strata-lint")) {
		if (strata_lint_config_load(cfg, config_path ? config_path : ".strata-lint") != STRATA_OK) {
			cli_error(NULL);
			goto done;
		}
	}
	for (int i = 0; i < nsets; i++)
		if (set_kv(cfg, sets[i], "--rule/--set/--disable"))
			goto done;
	if (dialect && strata_lint_config_set(cfg, "dialect", dialect) != STRATA_OK) {
		cli_error(NULL);
		goto done;
	}
	if (max_warn && strata_lint_config_set(cfg, "max-warnings", max_warn) != STRATA_OK) {
		cli_error(NULL);
		goto done;
	}

	strata_lint_options o = STRATA_LINT_OPTIONS_INIT;
	o.config = cfg;
	o.since = since;
	strata_backend mig_dialect = (strata_backend)0;
	if (strcmp(strata_lint_config_get(cfg, "dialect"), "both") != 0)
		mig_dialect = strcmp(strata_lint_config_get(cfg, "dialect"), "sqlite") == 0 ? STRATA_BACKEND_SQLITE
											    : STRATA_BACKEND_POSTGRES;
	if (!mig_dialect)
		mig_dialect = url_dialect(db_url);
	if (!mig_dialect)
		mig_dialect = url_dialect(getenv("DATABASE_URL"));
	if (!mig_dialect)
		mig_dialect = STRATA_BACKEND_SQLITE;

	/* What to lint: the paths, or the configured schema file and migrations directory. */
	int npaths = argc - optind;
	char **paths = argv + optind;
	const char *defaults[2];
	if (npaths == 0) {
		const char *sf = strata_lint_config_get(cfg, "schema"), *md = strata_lint_config_get(cfg, "migrations");
		if (exists(sf))
			defaults[npaths++] = sf;
		if (is_dir(md))
			defaults[npaths++] = md;
		paths = (char **)defaults;
		if (npaths == 0 && !db_url) {
			cli_errorf("lint: nothing to lint: no %s, no %s/ (name files, or --db URL)", sf, md);
			goto done;
		}
	}
	sqls = calloc((size_t)npaths + 1, sizeof *sqls);
	if (!sqls) {
		cli_errorf("lint: out of memory");
		goto done;
	}
	/* Schema files first: their model tells the migration rules what is still in use. */
	for (int i = 0; i < npaths; i++) {
		const char *p = paths[i];
		if (is_dir(p) || ends_with(p, ".sql"))
			continue;
		if (!exists(p)) {
			cli_errorf("lint: %s: no such file", p);
			goto done;
		}
		/* An unchanged schema file is not reported, but still tells drop-column-in-schema what is in use. */
		if (!(changed_ref && !is_changed(&chg, p)) && strata_lint_schema_file(rep, p, &o) != STRATA_OK) {
			cli_error(NULL);
			goto done;
		}
		if (!schema && strata_schema_load(&schema, p) != STRATA_OK)
			schema = NULL;
	}
	strata_lint_options mo = o;
	mo.dialect = mig_dialect;
	mo.scratch_url = scratch;
	mo.schema = schema;
	if (changed_ref) {
		/* Only what changed is reported (none changed: nothing is). */
		static const char *const none[1] = { "" };
		mo.pending = chg.n ? (const char *const *)chg.v : none;
		mo.npending = chg.n;
	}
	for (int i = 0; i < npaths; i++) {
		const char *p = paths[i];
		if (is_dir(p)) {
			if (strata_lint_migrations_dir(rep, p, &mo) != STRATA_OK) {
				cli_error(NULL);
				goto done;
			}
		} else if (ends_with(p, ".sql")) {
			if (!exists(p)) {
				cli_errorf("lint: %s: no such file", p);
				goto done;
			}
			sqls[nsqls++] = p;
		}
	}
	if (nsqls && strata_lint_migration_files(rep, sqls, nsqls, &mo) != STRATA_OK) {
		cli_error(NULL);
		goto done;
	}
	if (db_url) {
		char *url = cli_resolve_url_read_only(db_url);
		if (!url)
			goto done;
		int orc = cli_open(&db, url);
		free(url);
		if (orc)
			goto done;
		if (strata_lint_db(rep, db, &o) != STRATA_OK) {
			cli_error("lint");
			goto done;
		}
	}

	strata_lint_report_sort(rep);
	if (strata_lint_report_format(rep, fmt, &out) != STRATA_OK) {
		cli_error("lint");
		goto done;
	}
	fputs(out, stdout);
	fflush(stdout);
	size_t errors = strata_lint_report_count_severity(rep, STRATA_LINT_ERROR);
	size_t warnings = strata_lint_report_count_severity(rep, STRATA_LINT_WARNING);
	size_t infos = strata_lint_report_count_severity(rep, STRATA_LINT_INFO);
	long maxw = strtol(strata_lint_config_get(cfg, "max-warnings"), NULL, 10);
	if (fmt == STRATA_LINT_FORMAT_TEXT)
		fprintf(stderr, "%zu error%s, %zu warning%s, %zu note%s (%zu suppressed)\n", errors,
			errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s", infos, infos == 1 ? "" : "s",
			strata_lint_report_suppressed(rep));
	status = 0;
	if (errors)
		status = 1;
	if (maxw >= 0 && warnings > (size_t)maxw) {
		fprintf(stderr, "strata: lint: %zu warnings, more than --max-warnings %ld\n", warnings, maxw);
		status = 1;
	}
done:
	changed_free(&chg);
	free(out);
	free(sqls);
	strata_close(db);
	strata_schema_free(schema);
	strata_lint_report_free(rep);
	strata_lint_config_free(cfg);
	return status;
}
