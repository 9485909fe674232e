/*
 * The health report: options, running the checks in order, the model the
 * checks write into, and its JSON form.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/env.h"
#include "core/error.h"
#include "core/url.h"
#include "health/internal.h"

static const char *const check_names[] = { "connectivity",  "replicas",	 "migrations",
					   "schema",	    "integrity", "performance",
					   "configuration", "required",	 "views",
					   "queries",	    NULL };
static void (*const check_fns[])(strata__hrun *) = { strata__check_connectivity,  strata__check_replicas,
						     strata__check_migrations,	  strata__check_schema,
						     strata__check_integrity,	  strata__check_performance,
						     strata__check_configuration, strata__check_required,
						     strata__check_views,	  strata__check_queries };

const char *const *strata_health_check_names(void)
{
	return check_names;
}

const char *strata_health_level_name(strata_health_level level)
{
	switch (level) {
	case STRATA_HEALTH_OK: return "ok";
	case STRATA_HEALTH_SKIPPED: return "skipped";
	case STRATA_HEALTH_WARNING: return "warning";
	case STRATA_HEALTH_FAILURE: return "failure";
	}
	return "unknown";
}

int strata_health_exit_status(strata_health_level level)
{
	return level == STRATA_HEALTH_FAILURE ? 2 : level == STRATA_HEALTH_WARNING ? 1 : 0;
}

double strata__health_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- options ---- */

enum opt_kind {
	OPT_INT,
	OPT_I64,
	OPT_RATIO
};

static const struct threshold_def {
	const char *name;
	enum opt_kind kind;
	size_t offset;
} thresholds[] = {
#define T(name, kind)                                                 \
	{                                                             \
#name, kind, offsetof(strata_health_thresholds, name) \
	}
	T(connect_warn_ms, OPT_INT),	    T(round_trip_warn_ms, OPT_INT),  T(min_rows, OPT_I64),
	T(seq_scan_ratio, OPT_RATIO),	    T(seq_scan_min, OPT_I64),	     T(cache_hit_min, OPT_RATIO),
	T(dead_rows_ratio, OPT_RATIO),	    T(vacuum_age_days, OPT_INT),     T(unused_index_bytes, OPT_I64),
	T(sequence_used, OPT_RATIO),	    T(connections_used, OPT_RATIO),  T(long_query_ms, OPT_INT),
	T(idle_in_transaction_ms, OPT_INT), T(busy_timeout_min_ms, OPT_INT), T(freelist_ratio, OPT_RATIO),
	T(long_transaction_ms, OPT_INT),    T(matview_max_age_s, OPT_INT),   T(query_mean_growth_pct, OPT_INT),
	T(query_min_calls, OPT_I64),	    T(replica_lag_ms, OPT_INT),
#undef T
};

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0"))
		*out = false;
	else
		return STRATA_EINVAL;
	return STRATA_OK;
}

int strata_health_options_set(strata_health_options *o, const char *name, const char *value)
{
	if (!o || !name || !value)
		return strata__error_set(STRATA_EINVAL, "strata_health_options_set: NULL argument");
	if (!strcmp(name, "checks")) {
		o->checks = value;
		return STRATA_OK;
	}
	if (!strcmp(name, "queries_baseline")) {
		o->queries_baseline = value;
		return STRATA_OK;
	}
	if (!strcmp(name, "replica_urls")) {
		o->replica_urls = value;
		return STRATA_OK;
	}
	if (!strcmp(name, "migrations_dir") || !strcmp(name, "schema_file") || !strcmp(name, "required_file")) {
		const char **slot = name[0] == 'm'   ? &o->migrations_dir
				    : name[0] == 's' ? &o->schema_file
						     : &o->required_file;
		*slot = value;
		return STRATA_OK;
	}
	if (!strcmp(name, "thorough")) {
		if (parse_bool(value, &o->thorough) != STRATA_OK)
			return strata__error_set(STRATA_EINVAL, "health option thorough: '%s' is not true or false",
						 value);
		return STRATA_OK;
	}
	for (size_t i = 0; i < sizeof thresholds / sizeof thresholds[0]; i++) {
		const struct threshold_def *d = &thresholds[i];
		if (strcmp(name, d->name) != 0)
			continue;
		char *end = NULL;
		char *slot = (char *)&o->thresholds + d->offset;
		errno = 0;
		if (d->kind == OPT_RATIO) {
			double v = strtod(value, &end);
			if (end == value || *end || errno || !(v > 0) || v > 1)
				return strata__error_set(
					STRATA_EINVAL,
					"health threshold %s: '%s' is not a number above 0 and at most 1", name, value);
			memcpy(slot, &v, sizeof v);
		} else {
			long long v = strtoll(value, &end, 10);
			if (end == value || *end || errno || v <= 0 || (d->kind == OPT_INT && v > 2147483647))
				return strata__error_set(STRATA_EINVAL,
							 "health threshold %s: '%s' is not a positive integer", name,
							 value);
			if (d->kind == OPT_INT) {
				int iv = (int)v;
				memcpy(slot, &iv, sizeof iv);
			} else {
				int64_t lv = v;
				memcpy(slot, &lv, sizeof lv);
			}
		}
		return STRATA_OK;
	}
	return strata__error_set(STRATA_EINVAL, "unknown health option '%s' (see docs/operations.md)", name);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

int strata_health_options_load(strata_health_options *o, const char *path, char **storage)
{
	char *text = NULL;
	size_t len = 0;
	if (!o || !path || !storage)
		return strata__error_set(STRATA_EINVAL, "strata_health_options_load: NULL argument");
	*storage = NULL;
	int rc = strata__read_file(path, &text, &len);
	if (rc != STRATA_OK)
		return rc;
	int line = 0;
	for (char *p = text; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line++;
		char *hash = strchr(p, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(p);
		if (*s) {
			char *eq = strchr(s, '=');
			if (!eq) {
				rc = strata__error_set_at(STRATA_EPARSE, path, line, 1, "expected NAME = VALUE");
				goto fail;
			}
			*eq = '\0';
			char *name = trim(s), *value = trim(eq + 1);
			if (strata_health_options_set(o, name, value) != STRATA_OK) {
				rc = strata__error_set_at(STRATA_EPARSE, path, line, 1, "%s",
							  strata_error_last()->message);
				goto fail;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	*storage = text;
	return STRATA_OK;
fail:
	free(text);
	return rc;
}

/* ---- building a report ---- */

static char *vformat(strata__hrun *r, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!s) {
		r->oom = true;
		return NULL;
	}
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *dup_or_flag(strata__hrun *r, const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		r->oom = true;
	return d;
}

static void raise_level(strata_health_level *have, strata_health_level lvl)
{
	if (*have == STRATA_HEALTH_SKIPPED || lvl > *have)
		*have = lvl;
}

void strata__health_figure(strata__hrun *r, const char *name, double value, const char *unit)
{
	strata_health_check *c = r->check;
	strata_health_figure *f = realloc(c->figures, (c->nfigures + 1) * sizeof *f);
	if (!f) {
		r->oom = true;
		return;
	}
	c->figures = f;
	f += c->nfigures;
	f->name = dup_or_flag(r, name);
	f->unit = dup_or_flag(r, unit);
	f->value = value;
	if (!f->name || !f->unit) {
		free((char *)f->name);
		free((char *)f->unit);
		return;
	}
	c->nfigures++;
}

void strata__health_find(strata__hrun *r, strata_health_level level, const char *code, const char *subject,
			 const char *advice, const char *fmt, ...)
{
	strata_health_check *c = r->check;
	strata_health_finding *f = realloc(c->findings, (c->nfindings + 1) * sizeof *f);
	if (!f) {
		r->oom = true;
		return;
	}
	c->findings = f;
	f += c->nfindings;
	va_list ap;
	va_start(ap, fmt);
	f->message = vformat(r, fmt, ap);
	va_end(ap);
	f->level = level;
	f->code = dup_or_flag(r, code);
	f->subject = dup_or_flag(r, subject);
	f->advice = dup_or_flag(r, level == STRATA_HEALTH_OK ? "" : advice);
	if (!f->message || !f->code || !f->subject || !f->advice) {
		free((char *)f->message);
		free((char *)f->code);
		free((char *)f->subject);
		free((char *)f->advice);
		return;
	}
	c->nfindings++;
	raise_level(&c->level, level);
}

static void set_summary(strata__hrun *r, const char *fmt, va_list ap)
{
	char *s = vformat(r, fmt, ap);
	if (!s)
		return;
	free((char *)r->check->summary);
	r->check->summary = s;
}

void strata__health_summary(strata__hrun *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_summary(r, fmt, ap);
	va_end(ap);
}

void strata__health_skip(strata__hrun *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_summary(r, fmt, ap);
	va_end(ap);
	r->check->level = STRATA_HEALTH_SKIPPED;
}

void strata__health_missing(strata__hrun *r, bool named, const char *what, const char *path)
{
	if (!named) {
		strata__health_skip(r, "no %s (%s)", what, path);
		return;
	}
	strata__health_find(r, STRATA_HEALTH_FAILURE, "missing_path", path,
			    "check the path given (option, environment variable or config file); only the defaults "
			    "may be missing",
			    "the %s %s does not exist", what, path);
	strata__health_summary(r, "the %s %s does not exist", what, path);
}

void strata__health_query_failed(strata__hrun *r, const char *what)
{
	const strata_error *e = strata_error_last();
	if (e->status == STRATA_ENOMEM)
		r->oom = true;
	strata__health_find(r, STRATA_HEALTH_FAILURE, "query_failed", what,
			    "check that the user may read the catalogs, and that the database is intact", "%s: %s",
			    what, e->message);
}

static void free_check(strata_health_check *c)
{
	for (size_t i = 0; i < c->nfigures; i++) {
		free((char *)c->figures[i].name);
		free((char *)c->figures[i].unit);
	}
	for (size_t i = 0; i < c->nfindings; i++) {
		free((char *)c->findings[i].code);
		free((char *)c->findings[i].subject);
		free((char *)c->findings[i].message);
		free((char *)c->findings[i].advice);
	}
	free(c->figures);
	free(c->findings);
	free((char *)c->summary);
}

void strata_health_report_free(strata_health_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nchecks; i++)
		free_check(&r->checks[i]);
	free(r->checks);
	free((char *)r->backend);
	free((char *)r->server_version);
	free((char *)r->url);
	free(r);
}

/* ---- running ---- */

/* `opts` checked: its version is the one this library knows. */
static int upgrade_options(const strata_health_options *opts, strata_health_options *out)
{
	if (opts->version != STRATA_HEALTH_OPTIONS_VERSION)
		return STRATA_EINVAL;
	*out = *opts;
	return STRATA_OK;
}

static void fill_defaults(strata__hrun *r, const strata_health_options *opts)
{
	strata_health_options d = STRATA_HEALTH_OPTIONS_INIT;
	r->o = opts ? *opts : d;
	strata_health_thresholds *t = &r->t;
	*t = r->o.thresholds;
#define DEF(f, v)        \
	if (!(t->f > 0)) \
	t->f = (v)
	DEF(connect_warn_ms, 1000);
	DEF(round_trip_warn_ms, 100);
	DEF(min_rows, 1000);
	DEF(seq_scan_ratio, 0.5);
	DEF(seq_scan_min, 10);
	DEF(cache_hit_min, 0.99);
	DEF(dead_rows_ratio, 0.2);
	DEF(vacuum_age_days, 7);
	DEF(unused_index_bytes, 1048576);
	DEF(sequence_used, 0.8);
	DEF(connections_used, 0.8);
	DEF(long_query_ms, 300000);
	DEF(idle_in_transaction_ms, 60000);
	DEF(busy_timeout_min_ms, 1000);
	DEF(freelist_ratio, 0.25);
	DEF(long_transaction_ms, 600000);
	DEF(query_mean_growth_pct, 50);
	DEF(query_min_calls, 50);
	DEF(replica_lag_ms, 10000);
#undef DEF
	r->named_migrations = r->o.migrations_dir != NULL;
	r->named_schema = r->o.schema_file != NULL;
	r->named_required = r->o.required_file != NULL;
	if (!r->o.migrations_dir)
		r->o.migrations_dir = "migrations";
	if (!r->o.schema_file)
		r->o.schema_file = "schema.strata";
	if (!r->o.required_file)
		r->o.required_file = "health.sql";
	if (!r->o.queries_baseline)
		r->o.queries_baseline = "strata-queries.json";
	r->o.thresholds = *t;
}

/*
 * The next comma-separated name of `*p`, trimmed: its start and *len;
 * NULL at the end.  *p moves past it.
 */
static const char *next_name(const char **p, size_t *len)
{
	if (!*p || !**p)
		return NULL;
	const char *s = *p, *comma = strchr(s, ',');
	size_t n = comma ? (size_t)(comma - s) : strlen(s);
	*p = comma ? comma + 1 : s + n;
	while (n > 0 && *s == ' ')
		s++, n--;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	*len = n;
	return s;
}

/* Whether check `name` is among the comma-separated `list` (NULL: all). */
static bool wanted(const char *list, const char *name)
{
	const char *tok;
	size_t len;
	if (!list)
		return true;
	while ((tok = next_name(&list, &len)) != NULL)
		if (len == strlen(name) && strncmp(tok, name, len) == 0)
			return true;
	return false;
}

static int validate_checks(const char *list)
{
	const char *tok;
	size_t len;
	while ((tok = next_name(&list, &len)) != NULL) {
		bool known = false;
		for (size_t i = 0; check_names[i] && !known; i++)
			known = strlen(check_names[i]) == len && strncmp(check_names[i], tok, len) == 0;
		if (!known)
			return strata__error_set(
				STRATA_EINVAL,
				"unknown check '%.*s' (checks: connectivity, replicas, migrations, schema, "
				"integrity, performance, configuration, required)",
				(int)len, tok);
	}
	return STRATA_OK;
}

/* A report with every check, none run yet. */
static int new_report(strata_health_report **out, const char *backend, const char *version, const char *url)
{
	size_t n = sizeof check_fns / sizeof check_fns[0];
	strata_health_report *rep = calloc(1, sizeof *rep);
	if (!rep)
		return strata__error_nomem();
	rep->checks = calloc(n, sizeof *rep->checks);
	rep->backend = strdup(backend);
	rep->server_version = strdup(version);
	rep->url = strdup(url ? url : "");
	if (!rep->checks || !rep->backend || !rep->server_version || !rep->url) {
		strata_health_report_free(rep);
		return strata__error_nomem();
	}
	rep->started_at = strata_timestamp_now();
	*out = rep;
	return STRATA_OK;
}

static void finish_report(strata_health_report *rep)
{
	rep->level = STRATA_HEALTH_OK;
	for (size_t i = 0; i < rep->nchecks; i++)
		if (rep->checks[i].level > rep->level && rep->checks[i].level != STRATA_HEALTH_SKIPPED)
			rep->level = rep->checks[i].level;
}

int strata_health_run(strata_health_report **out, strata_db *db, const strata_health_options *opts)
{
	strata__hrun r = { 0 };
	strata_health_report *rep = NULL;
	if (!out || !db)
		return strata__error_set(STRATA_EINVAL, "strata_health_run: %s is NULL", out ? "db" : "out");
	*out = NULL;
	strata_health_options current;
	if (opts && upgrade_options(opts, &current) != STRATA_OK)
		return strata__error_set(STRATA_EINVAL, "strata_health_run: options version %u, want %d", opts->version,
					 STRATA_HEALTH_OPTIONS_VERSION);
	fill_defaults(&r, opts ? &current : NULL);
	int rc = validate_checks(r.o.checks);
	if (rc != STRATA_OK)
		return rc;
	r.db = db;
	r.backend = strata_db_backend(db);
	rc = new_report(&rep, r.backend == STRATA_BACKEND_SQLITE ? "sqlite" : "postgres", strata_db_server_version(db),
			strata_db_url(db));
	if (rc != STRATA_OK)
		return rc;
	double t0 = strata__health_now_ms();
	for (size_t i = 0; check_names[i]; i++) {
		if (!wanted(r.o.checks, check_names[i]))
			continue;
		strata_health_check *c = &rep->checks[rep->nchecks++];
		c->name = check_names[i];
		c->level = STRATA_HEALTH_OK;
		r.check = c;
		double c0 = strata__health_now_ms();
		check_fns[i](&r);
		c->duration_ms = strata__health_now_ms() - c0;
		if (!c->summary) {
			size_t bad = 0;
			for (size_t k = 0; k < c->nfindings; k++)
				bad += c->findings[k].level >= STRATA_HEALTH_WARNING;
			strata__health_summary(&r, bad ? "%zu problem%s" : "no problems found", bad,
					       bad == 1 ? "" : "s");
		}
	}
	rep->duration_ms = strata__health_now_ms() - t0;
	finish_report(rep);
	if (r.oom) {
		strata_health_report_free(rep);
		return strata__error_nomem();
	}
	*out = rep;
	return STRATA_OK;
}

/*
 * The URL to open for a health run, which must change nothing: an SQLite
 * file opens with mode=rw, so a missing file is not created and its journal
 * mode is left as it is (unless the URL names a mode itself).
 */
static int no_side_effects(const char *url, char **out)
{
	strata__url u;
	bool add = false;
	if (strata__url_parse(&u, url) == STRATA_OK) {
		add = u.backend == STRATA_BACKEND_SQLITE && !u.memory && !strata__url_param(&u, "mode");
		strata__url_free(&u);
	}
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__buf_puts(&b, url);
	if (rc == STRATA_OK && add)
		rc = strata__buf_puts(&b, strchr(url, '?') ? "&mode=rw" : "?mode=rw");
	if (rc != STRATA_OK)
		return rc;
	*out = strata__buf_detach(&b);
	return *out ? STRATA_OK : STRATA_ENOMEM;
}

int strata_health_run_url(strata_health_report **out, const char *url, const strata_health_options *opts)
{
	strata_db *db = NULL;
	strata_health_options o = STRATA_HEALTH_OPTIONS_INIT;
	if (!out || !url)
		return strata__error_set(STRATA_EINVAL, "strata_health_run_url: %s is NULL", out ? "url" : "out");
	*out = NULL;
	if (opts && upgrade_options(opts, &o) != STRATA_OK)
		return strata__error_set(STRATA_EINVAL, "strata_health_run_url: options version %u, want %d",
					 opts->version, STRATA_HEALTH_OPTIONS_VERSION);
	int rc = validate_checks(o.checks);
	if (rc != STRATA_OK)
		return rc;
	strata_open_options oo = STRATA_OPEN_OPTIONS_INIT;
	char *open_url = NULL;
	rc = no_side_effects(url, &open_url);
	if (rc != STRATA_OK)
		return rc;
	double t0 = strata__health_now_ms();
	rc = strata_open(&db, open_url, &oo);
	double t1 = strata__health_now_ms();
	free(open_url);
	if (rc == STRATA_OK) {
		o.connect_us = (int64_t)((t1 - t0) * 1000.0);
		rc = strata_health_run(out, db, &o);
		strata_close(db);
		if (rc == STRATA_OK) {
			/* the URL the caller gave, not the one with mode=rw added */
			char *shown = strata_url_redact(url);
			if (!shown) {
				strata_health_report_free(*out);
				*out = NULL;
				return strata__error_nomem();
			}
			free((char *)(*out)->url);
			(*out)->url = shown;
		}
		return rc;
	}
	if (rc == STRATA_ENOMEM || rc == STRATA_EINVAL)
		return rc;
	/* unreachable: a report that says so */
	char *redacted = strata_url_redact(url);
	strata_health_report *rep = NULL;
	bool sqlite = strncmp(url, "sqlite", 6) == 0;
	int brc = new_report(&rep, sqlite ? "sqlite" : "postgres", "", redacted ? redacted : "");
	free(redacted);
	if (brc != STRATA_OK)
		return brc;
	strata__hrun r = { 0 };
	fill_defaults(&r, &o);
	const char *msg = strata_error_last()->message;
	for (size_t i = 0; check_names[i]; i++) {
		if (!wanted(o.checks, check_names[i]))
			continue;
		strata_health_check *c = &rep->checks[rep->nchecks++];
		c->name = check_names[i];
		r.check = c;
		if (i == 0) {
			c->level = STRATA_HEALTH_OK;
			strata__health_find(
				&r, STRATA_HEALTH_FAILURE, "unreachable", "",
				"check the URL, that the server runs and accepts connections, and the credentials",
				"cannot connect: %s", msg);
			strata__health_summary(&r, "the database cannot be reached");
		} else {
			strata__health_skip(&r, "the database cannot be reached");
		}
	}
	rep->duration_ms = t1 - t0;
	finish_report(rep);
	if (r.oom) {
		strata_health_report_free(rep);
		return strata__error_nomem();
	}
	*out = rep;
	return STRATA_OK;
}

/* ---- JSON ---- */

static int json_out(json_t *root, bool pretty, char **out)
{
	if (!root)
		return strata__error_nomem();
	char *s = json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!s)
		return strata__error_nomem();
	/* hand back memory the caller frees with free() */
	*out = strdup(s);
	free(s);
	return *out ? STRATA_OK : strata__error_nomem();
}

static json_t *num(double v)
{
	if (isfinite(v) && v == (double)(int64_t)v && fabs(v) < 9e15)
		return json_integer((json_int_t)v);
	return json_real(isfinite(v) ? v : 0);
}

int strata_health_report_json(const strata_health_report *r, bool pretty, char **out)
{
	if (!r || !out)
		return strata__error_set(STRATA_EINVAL, "strata_health_report_json: NULL argument");
	char ts[STRATA_TIMESTAMP_BUFSZ];
	strata_timestamp_format(r->started_at, ts);
	json_t *checks = json_array();
	json_t *root = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:f, s:o}", "status",
				 strata_health_level_name(r->level), "exit_status", strata_health_exit_status(r->level),
				 "backend", r->backend, "server_version", r->server_version, "url", r->url,
				 "started_at", ts, "duration_ms", r->duration_ms, "checks", checks);
	if (!root || !checks)
		return json_out(NULL, pretty, out);
	for (size_t i = 0; i < r->nchecks; i++) {
		const strata_health_check *c = &r->checks[i];
		json_t *figs = json_object(), *finds = json_array();
		json_t *jc = json_pack("{s:s, s:s, s:s, s:f, s:o, s:o}", "name", c->name, "status",
				       strata_health_level_name(c->level), "summary", c->summary ? c->summary : "",
				       "duration_ms", c->duration_ms, "figures", figs, "findings", finds);
		if (!jc || json_array_append_new(checks, jc) != 0)
			goto nomem;
		for (size_t k = 0; k < c->nfigures; k++)
			if (json_object_set_new(figs, c->figures[k].name,
						json_pack("{s:o, s:s}", "value", num(c->figures[k].value), "unit",
							  c->figures[k].unit)) != 0)
				goto nomem;
		for (size_t k = 0; k < c->nfindings; k++) {
			const strata_health_finding *f = &c->findings[k];
			if (json_array_append_new(finds, json_pack("{s:s, s:s, s:s, s:s, s:s}", "level",
								   strata_health_level_name(f->level), "code", f->code,
								   "subject", f->subject, "message", f->message,
								   "advice", f->advice)) != 0)
				goto nomem;
		}
	}
	return json_out(root, pretty, out);
nomem:
	json_decref(root);
	return strata__error_nomem();
}
