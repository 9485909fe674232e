/*
 * The linter's frame: configuration, reports, the per-file context that
 * findings go through, and suppression comments.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/env.h"
#include "core/error.h"
#include "lint/internal.h"

/* ---- small helpers ---- */

/* ASCII lower case, without the locale. */
static inline unsigned char fold(char c)
{
	unsigned char u = (unsigned char)c;
	return u >= 'A' && u <= 'Z' ? (unsigned char)(u + 32) : u;
}

bool strata__lint_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && fold(*a) != fold(*b))
			return false;
	return *a == *b;
}

bool strata__lint_ieqn(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return false;
		if (!a[i])
			return true;
	}
	return true;
}

void strata__lint_linecol(const char *text, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* ---- configuration ---- */

/* Every field zero: every default. */
static const strata_lint_config default_config;

const strata_lint_config *strata__lint_default_config(void)
{
	return &default_config;
}

int strata_lint_config_new(strata_lint_config **out)
{
	if (!out)
		return strata__error_set(STRATA_EINVAL, "lint: no output pointer");
	strata_lint_config *c = calloc(1, sizeof *c);
	if (!c)
		return strata__error_nomem();
	*out = c;
	return STRATA_OK;
}

void strata_lint_config_free(strata_lint_config *c)
{
	if (!c)
		return;
	free(c->schema);
	free(c->migrations);
	free(c->scratch_db);
	free(c);
}

static int parse_severity(const char *v, strata_lint_severity *out)
{
	static const char *const names[] = { "off", "info", "warning", "error" };
	for (int i = 0; i < 4; i++)
		if (strata__lint_ieq(v, names[i])) {
			*out = (strata_lint_severity)i;
			return STRATA_OK;
		}
	if (strata__lint_ieq(v, "warn") || strata__lint_ieq(v, "note")) {
		*out = strata__lint_ieq(v, "warn") ? STRATA_LINT_WARNING : STRATA_LINT_INFO;
		return STRATA_OK;
	}
	if (strata__lint_ieq(v, "disable") || strata__lint_ieq(v, "false") || strata__lint_ieq(v, "none")) {
		*out = STRATA_LINT_OFF;
		return STRATA_OK;
	}
	return strata__error_set(STRATA_EINVAL, "lint: unknown severity '%s' (off, info, warning, error)", v);
}

/* The closest rule id to a misspelt one, or NULL. */
static const char *closest_rule(const char *id)
{
	const char *best = NULL;
	size_t bestd = 4;
	for (size_t i = 0; i < R__COUNT; i++) {
		const char *r = strata__lint_rules[i].id;
		size_t la = strlen(id), lb = strlen(r);
		if (la > 64 || lb > 64)
			continue;
		size_t d[65][65];
		for (size_t x = 0; x <= la; x++)
			d[x][0] = x;
		for (size_t y = 0; y <= lb; y++)
			d[0][y] = y;
		for (size_t x = 1; x <= la; x++)
			for (size_t y = 1; y <= lb; y++) {
				size_t s = d[x - 1][y - 1] + (id[x - 1] != r[y - 1]);
				size_t del = d[x - 1][y] + 1, ins = d[x][y - 1] + 1;
				d[x][y] = s < del ? (s < ins ? s : ins) : (del < ins ? del : ins);
			}
		if (d[la][lb] < bestd) {
			bestd = d[la][lb];
			best = r;
		}
	}
	return best;
}

static int unknown_rule(const char *id)
{
	const char *near = closest_rule(id);
	if (near)
		return strata__error_set(STRATA_EINVAL, "lint: unknown rule '%s' (did you mean '%s'?)", id, near);
	return strata__error_set(STRATA_EINVAL, "lint: unknown rule '%s' (strata_lint_rules() lists them)", id);
}

static int set_rule(strata_lint_config *c, const char *id, strata_lint_severity s)
{
	const strata_lint_rule *r = strata_lint_rule_find(id);
	if (!r)
		return unknown_rule(id);
	c->sev[r - strata__lint_rules] = (unsigned char)(s + 1);
	return STRATA_OK;
}

static int set_str(char **dst, const char *v)
{
	char *copy = strata__strdup(v);
	if (!copy)
		return STRATA_ENOMEM;
	free(*dst);
	*dst = copy;
	return STRATA_OK;
}

int strata_lint_config_set(strata_lint_config *c, const char *key, const char *value)
{
	if (!c || !key || !value)
		return strata__error_set(STRATA_EINVAL, "lint: NULL configuration, key or value");
	if (strcmp(key, "disable") == 0) {
		const char *p = value;
		while (*p) {
			while (*p == ',' || isspace((unsigned char)*p))
				p++;
			const char *s = p;
			while (*p && *p != ',' && !isspace((unsigned char)*p))
				p++;
			if (p == s)
				break;
			char id[80];
			size_t n = (size_t)(p - s) < sizeof id - 1 ? (size_t)(p - s) : sizeof id - 1;
			memcpy(id, s, n);
			id[n] = '\0';
			int rc = set_rule(c, id, STRATA_LINT_OFF);
			if (rc)
				return rc;
		}
		return STRATA_OK;
	}
	if (strcmp(key, "dialect") == 0) {
		if (strata__lint_ieq(value, "sqlite") || strata__lint_ieq(value, "sqlite3"))
			c->dialect = STRATA_BACKEND_SQLITE;
		else if (strata__lint_ieq(value, "postgres") || strata__lint_ieq(value, "postgresql") ||
			 strata__lint_ieq(value, "pg"))
			c->dialect = STRATA_BACKEND_POSTGRES;
		else if (strata__lint_ieq(value, "both") || strata__lint_ieq(value, "any"))
			c->dialect = (strata_backend)0;
		else
			return strata__error_set(STRATA_EINVAL, "lint: unknown dialect '%s' (sqlite, postgres, both)",
						 value);
		return STRATA_OK;
	}
	if (strcmp(key, "string-style") == 0) {
		if (strata__lint_ieq(value, "length"))
			c->string_style = STRING_STYLE_LENGTH;
		else if (strata__lint_ieq(value, "text"))
			c->string_style = STRING_STYLE_TEXT;
		else
			return strata__error_set(STRATA_EINVAL, "lint: string-style is length or text, not '%s'",
						 value);
		return STRATA_OK;
	}
	if (strcmp(key, "enum-style") == 0) {
		if (strata__lint_ieq(value, "native"))
			c->enum_style = ENUM_STYLE_NATIVE;
		else if (strata__lint_ieq(value, "check"))
			c->enum_style = ENUM_STYLE_CHECK;
		else
			return strata__error_set(STRATA_EINVAL, "lint: enum-style is native or check, not '%s'", value);
		return STRATA_OK;
	}
	if (strcmp(key, "bigint-scope") == 0) {
		if (strata__lint_ieq(value, "keys"))
			c->bigint_all = false;
		else if (strata__lint_ieq(value, "all"))
			c->bigint_all = true;
		else
			return strata__error_set(STRATA_EINVAL, "lint: bigint-scope is keys or all, not '%s'", value);
		return STRATA_OK;
	}
	if (strcmp(key, "max-warnings") == 0) {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < -1 || v > 1000000000)
			return strata__error_set(STRATA_EINVAL, "lint: max-warnings is a number, not '%s'", value);
		c->has_max_warnings = v >= 0;
		c->max_warnings = v >= 0 ? (int)v : 0;
		snprintf(c->valbuf, sizeof c->valbuf, "%d", c->has_max_warnings ? c->max_warnings : -1);
		return STRATA_OK;
	}
	if (strcmp(key, "schema") == 0)
		return set_str(&c->schema, value);
	if (strcmp(key, "migrations") == 0)
		return set_str(&c->migrations, value);
	if (strcmp(key, "scratch-db") == 0)
		return set_str(&c->scratch_db, value);
	if (strata_lint_rule_find(key)) {
		strata_lint_severity s = STRATA_LINT_OFF;
		int rc = parse_severity(value, &s);
		if (rc)
			return rc;
		return set_rule(c, key, s);
	}
	const char *near = closest_rule(key);
	if (near)
		return strata__error_set(STRATA_EINVAL, "lint: unknown rule or setting '%s' (did you mean '%s'?)", key,
					 near);
	return strata__error_set(STRATA_EINVAL,
				 "lint: unknown setting '%s' (a rule id, disable, dialect, string-style, "
				 "enum-style, bigint-scope, schema, migrations, max-warnings, scratch-db)",
				 key);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int strata_lint_config_parse(strata_lint_config *c, const char *text, size_t len, const char *file)
{
	if (!c || (!text && len))
		return strata__error_set(STRATA_EINVAL, "lint: NULL configuration or text");
	if (!file)
		file = ".strata-lint";
	int rc = STRATA_OK, line = 0;
	size_t i = 0;
	while (i < len && rc == STRATA_OK) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		line++;
		char *l = strata__strndup(text + i, e - i);
		if (!l)
			return STRATA_ENOMEM;
		char *hash = strchr(l, '#');
		if (hash)
			*hash = '\0';
		char *t = trim(l);
		if (*t && *t != '[' && *t != ';') {
			char *eq = strpbrk(t, "=:");
			if (!eq) {
				rc = strata__error_set_at(STRATA_EPARSE, file, line, 1, "expected `key = value`");
			} else {
				*eq = '\0';
				char *k = trim(t), *v = trim(eq + 1);
				size_t vl = strlen(v);
				if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
					v[vl - 1] = '\0';
					v++;
				}
				if (strata_lint_config_set(c, k, v) != STRATA_OK) {
					if (strata_error_last()->status == STRATA_ENOMEM)
						rc = STRATA_ENOMEM;
					else
						rc = strata__error_set_at(STRATA_EPARSE, file, line, 1, "%s",
									  strata_error_last()->message + 6);
				}
			}
		}
		free(l);
		i = e + 1;
	}
	return rc;
}

int strata_lint_config_load(strata_lint_config *c, const char *path)
{
	if (!c || !path)
		return strata__error_set(STRATA_EINVAL, "lint: NULL configuration or path");
	char *text = NULL;
	size_t len = 0;
	int rc = strata__read_file(path, &text, &len);
	if (rc == STRATA_OK)
		rc = strata_lint_config_parse(c, text, len, path);
	free(text);
	return rc;
}

strata_lint_severity strata_lint_config_severity(const strata_lint_config *c, const char *rule)
{
	const strata_lint_rule *r = strata_lint_rule_find(rule);
	if (!r)
		return STRATA_LINT_OFF;
	if (c && c->sev[r - strata__lint_rules])
		return (strata_lint_severity)(c->sev[r - strata__lint_rules] - 1);
	return r->severity;
}

const char *strata_lint_config_get(const strata_lint_config *c, const char *key)
{
	if (!c)
		c = strata__lint_default_config();
	if (!key)
		return NULL;
	if (strcmp(key, "string-style") == 0)
		return c->string_style == STRING_STYLE_TEXT ? "text" : "length";
	if (strcmp(key, "enum-style") == 0)
		return c->enum_style == ENUM_STYLE_CHECK ? "check" : "native";
	if (strcmp(key, "bigint-scope") == 0)
		return c->bigint_all ? "all" : "keys";
	if (strcmp(key, "dialect") == 0)
		return c->dialect == STRATA_BACKEND_SQLITE     ? "sqlite"
		       : c->dialect == STRATA_BACKEND_POSTGRES ? "postgres"
							       : "both";
	if (strcmp(key, "schema") == 0)
		return c->schema ? c->schema : "schema.strata";
	if (strcmp(key, "migrations") == 0)
		return c->migrations ? c->migrations : "migrations";
	if (strcmp(key, "scratch-db") == 0)
		return c->scratch_db ? c->scratch_db : "";
	if (strcmp(key, "max-warnings") == 0) {
		return c->has_max_warnings ? c->valbuf : "-1";
	}
	return NULL;
}

/* ---- reports ---- */

int strata_lint_report_new(strata_lint_report **out)
{
	if (!out)
		return strata__error_set(STRATA_EINVAL, "lint: no output pointer");
	strata_lint_report *r = calloc(1, sizeof *r);
	if (!r)
		return strata__error_nomem();
	*out = r;
	return STRATA_OK;
}

static void strs_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void item_free(lint_item *it)
{
	free(it->file);
	free(it->object);
	free(it->message);
	free(it->lock);
	strs_free(it->reads, it->f.nblocks_reads);
	strs_free(it->writes, it->f.nblocks_writes);
}

/* Copies of n strings (a new array of them; NULL when n is 0).  STRATA_OK or STRATA_ENOMEM. */
static int strs_dup(char ***out, const char *const *v, size_t n)
{
	*out = NULL;
	if (!n)
		return STRATA_OK;
	char **d = calloc(n, sizeof *d);
	if (!d)
		return strata__error_nomem();
	for (size_t i = 0; i < n; i++)
		if (!(d[i] = strata__strdup(v[i]))) {
			strs_free(d, i);
			return STRATA_ENOMEM;
		}
	*out = d;
	return STRATA_OK;
}

void strata_lint_report_free(strata_lint_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		item_free(&r->items[i]);
	free(r->items);
	free(r);
}

size_t strata_lint_report_count(const strata_lint_report *r)
{
	return r ? r->n : 0;
}

const strata_lint_finding *strata_lint_report_get(const strata_lint_report *r, size_t i)
{
	if (!r || i >= r->n)
		return NULL;
	return &r->items[i].f;
}

size_t strata_lint_report_count_severity(const strata_lint_report *r, strata_lint_severity s)
{
	size_t n = 0;
	for (size_t i = 0; r && i < r->n; i++)
		n += r->items[i].f.severity == s;
	return n;
}

size_t strata_lint_report_suppressed(const strata_lint_report *r)
{
	return r ? r->suppressed : 0;
}

static int item_cmp(const void *a, const void *b)
{
	const lint_item *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->f.line != y->f.line)
		return x->f.line < y->f.line ? -1 : 1;
	if (x->f.column != y->f.column)
		return x->f.column < y->f.column ? -1 : 1;
	if ((c = strcmp(x->object, y->object)) != 0)
		return c;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->message, y->message);
}

void strata_lint_report_sort(strata_lint_report *r)
{
	if (r && r->n > 1)
		qsort(r->items, r->n, sizeof *r->items, item_cmp);
}

/* ---- the per-file context ---- */

void strata__lint_ctx_init(lint_ctx *ctx, strata_lint_report *r, const strata_lint_options *opts, const char *file,
			   unsigned dialects)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->r = r;
	ctx->cfg = opts && opts->config ? opts->config : strata__lint_default_config();
	ctx->categories = opts && opts->categories ? opts->categories : STRATA_LINT_CAT_ALL;
	ctx->dialects = dialects;
	ctx->file = file ? file : "";
	ctx->first = r->n;
}

static strata_lint_severity ctx_severity(const lint_ctx *ctx, int rule)
{
	unsigned char s = ctx->cfg->sev[rule];
	return s ? (strata_lint_severity)(s - 1) : strata__lint_rules[rule].severity;
}

bool strata__lint_enabled(const lint_ctx *ctx, int rule)
{
	const strata_lint_rule *r = &strata__lint_rules[rule];
	if (ctx->quiet)
		return false;
	if (!(r->category & ctx->categories) && r->category != STRATA_LINT_CAT_META)
		return false;
	if (!(r->dialects & ctx->dialects))
		return false;
	return ctx_severity(ctx, rule) != STRATA_LINT_OFF;
}

int strata__lint_emit(lint_ctx *ctx, int rule, int line, int col, const char *object, const char *fmt, ...)
{
	if (!strata__lint_enabled(ctx, rule))
		return STRATA_OK;
	strata_lint_report *r = ctx->r;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		lint_item *p = realloc(r->items, cap * sizeof *p);
		if (!p)
			return strata__error_nomem();
		r->items = p;
		r->cap = cap;
	}
	strata_buf b = STRATA_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	char tmp[512];
	int need = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (need < 0)
		need = 0;
	int rc;
	if ((size_t)need < sizeof tmp) {
		rc = strata__buf_puts(&b, tmp);
	} else {
		rc = strata__buf_grow(&b, (size_t)need + 1);
		if (rc == STRATA_OK) {
			va_start(ap, fmt);
			vsnprintf(b.ptr, (size_t)need + 1, fmt, ap);
			va_end(ap);
			b.len = (size_t)need;
		}
	}
	lint_item it;
	memset(&it, 0, sizeof it);
	it.rule = rule;
	it.message = rc == STRATA_OK ? strata__buf_detach(&b) : NULL;
	it.file = strata__strdup(ctx->file);
	it.object = strata__strdup(object ? object : "");
	const lint_lockinfo *lk = ctx->lock;
	it.lock = strata__strdup(lk && lk->level ? lk->level : "");
	bool copied = it.message && it.file && it.object && it.lock;
	if (copied && lk && strs_dup(&it.reads, lk->reads, lk->nreads) == STRATA_OK) {
		it.f.nblocks_reads = lk->nreads;
		copied = strs_dup(&it.writes, lk->writes, lk->nwrites) == STRATA_OK;
		if (copied)
			it.f.nblocks_writes = lk->nwrites;
	} else if (lk) {
		copied = false;
	}
	if (!copied) {
		strata__buf_free(&b);
		item_free(&it);
		return STRATA_ENOMEM;
	}
	it.f.rule = strata__lint_rules[rule].id;
	it.f.severity = ctx_severity(ctx, rule);
	it.f.file = it.file;
	it.f.line = line;
	it.f.column = col;
	it.f.object = it.object;
	it.f.message = it.message;
	it.f.lock = it.lock;
	it.f.blocks_reads = (const char *const *)it.reads;
	it.f.blocks_writes = (const char *const *)it.writes;
	r->items[r->n++] = it;
	return STRATA_OK;
}

/* ---- suppressions ---- */

typedef struct sup {
	int line, col; /* of the comment */
	int from, to;  /* the lines it covers */
	char ids[4][64];
	int nids;
	bool used[4];
	bool reason;
} sup;

static bool is_comment_start(const char *p, const char *e)
{
	return (e - p >= 2 && ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '/'))) ||
	       (e - p >= 1 && p[0] == '#');
}

/* Parse one line as a suppression; false when it is not one. */
static bool parse_sup(const char *p, const char *e, sup *s)
{
	const char *start = p;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (!is_comment_start(p, e))
		return false;
	p += (*p == '#') ? 1 : 2;
	while (p < e && (*p == ' ' || *p == '\t' || *p == '-' || *p == '/'))
		p++;
	const char *marker = "strata-lint:";
	size_t ml = strlen(marker);
	if ((size_t)(e - p) < ml || memcmp(p, marker, ml) != 0)
		return false;
	s->col = (int)(p - start) + 1;
	p += ml;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (e - p < 6 || memcmp(p, "ignore", 6) != 0)
		return false;
	p += 6;
	s->nids = 0;
	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		const char *id = p;
		while (p < e && (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_'))
			p++;
		if (p == id)
			break;
		if (s->nids < 4) {
			size_t n = (size_t)(p - id) < 63 ? (size_t)(p - id) : 63;
			memcpy(s->ids[s->nids], id, n);
			s->ids[s->nids][n] = '\0';
			s->used[s->nids] = false;
			s->nids++;
		}
		const char *q = p;
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q < e && *q == ',') {
			p = q;
			continue;
		}
		break;
	}
	while (p < e && isspace((unsigned char)*p))
		p++;
	s->reason = p < e;
	return true;
}

static bool line_blank_or_comment(const char *p, const char *e)
{
	while (p < e && isspace((unsigned char)*p))
		p++;
	return p == e || is_comment_start(p, e);
}

int strata__lint_suppress(lint_ctx *ctx, const char *text, size_t len)
{
	if (!text || !len)
		return STRATA_OK;
	/* Line starts, so a suppression can find the line it covers. */
	size_t nlines = 1;
	for (size_t i = 0; i < len; i++)
		nlines += text[i] == '\n';
	size_t *starts = malloc((nlines + 1) * sizeof *starts);
	if (!starts)
		return strata__error_nomem();
	size_t k = 0;
	starts[k++] = 0;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			starts[k++] = i + 1;
	starts[nlines] = len + 1;

	sup *sups = NULL;
	size_t nsups = 0, capsups = 0;
	int rc = STRATA_OK;
	for (size_t l = 0; l < nlines; l++) {
		const char *p = text + starts[l];
		const char *e = text + (starts[l + 1] - 1 > len ? len : starts[l + 1] - 1);
		if (e > text + len)
			e = text + len;
		sup s;
		memset(&s, 0, sizeof s);
		if (!parse_sup(p, e, &s))
			continue;
		s.line = (int)l + 1;
		/* It covers the next line with code, through the end of its statement (the `;`). */
		size_t t = l + 1;
		while (t < nlines) {
			const char *tp = text + starts[t];
			const char *te = text + (starts[t + 1] - 1 > len ? len : starts[t + 1] - 1);
			if (!line_blank_or_comment(tp, te))
				break;
			t++;
		}
		s.from = (int)t + 1;
		s.to = s.from;
		bool sql = ctx->dialects && strstr(ctx->file, ".sql") != NULL;
		for (size_t u = t; sql && u < nlines && u < t + 200; u++) {
			const char *tp = text + starts[u];
			const char *te = text + (starts[u + 1] - 1 > len ? len : starts[u + 1] - 1);
			if (memchr(tp, ';', (size_t)(te - tp))) {
				s.to = (int)u + 1;
				break;
			}
		}
		if (nsups == capsups) {
			size_t cap = capsups ? capsups * 2 : 8;
			sup *np = realloc(sups, cap * sizeof *np);
			if (!np) {
				rc = strata__error_nomem();
				goto out;
			}
			sups = np;
			capsups = cap;
		}
		sups[nsups++] = s;
	}
	if (!nsups)
		goto out;

	/* Drop the findings a suppression covers. */
	strata_lint_report *r = ctx->r;
	size_t w = ctx->first;
	for (size_t i = ctx->first; i < r->n; i++) {
		lint_item *it = &r->items[i];
		bool gone = false;
		for (size_t j = 0; j < nsups && !gone; j++) {
			sup *s = &sups[j];
			if (it->f.line < s->from || it->f.line > s->to)
				continue;
			for (int q = 0; q < s->nids; q++)
				if (strcmp(s->ids[q], it->f.rule) == 0 || strcmp(s->ids[q], "all") == 0) {
					s->used[q] = true;
					gone = true;
					break;
				}
		}
		if (gone) {
			item_free(it);
			r->suppressed++;
		} else {
			r->items[w++] = *it;
		}
	}
	r->n = w;

	/* Report the suppressions themselves. */
	for (size_t j = 0; j < nsups && rc == STRATA_OK; j++) {
		sup *s = &sups[j];
		if (!s->nids) {
			rc = strata__lint_emit(ctx, R_UNUSED_SUP, s->line, s->col, NULL,
					       "suppression names no rule (write `strata-lint: ignore RULE reason`)");
			continue;
		}
		if (!s->reason)
			rc = strata__lint_emit(ctx, R_SUP_REASON, s->line, s->col, NULL,
					       "suppression of %s gives no reason", s->ids[0]);
		for (int q = 0; q < s->nids && rc == STRATA_OK; q++) {
			if (s->used[q])
				continue;
			const strata_lint_rule *rule = strata_lint_rule_find(s->ids[q]);
			if (!rule && strcmp(s->ids[q], "all") != 0) {
				const char *near = closest_rule(s->ids[q]);
				rc = strata__lint_emit(ctx, R_UNUSED_SUP, s->line, s->col, NULL,
						       "suppression names unknown rule '%s'%s%s%s", s->ids[q],
						       near ? " (did you mean '" : "", near ? near : "",
						       near ? "'?)" : "");
				continue;
			}
			/* A rule that is switched off or does not run here finds nothing to suppress. */
			if (rule && !strata__lint_enabled(ctx, (int)(rule - strata__lint_rules)))
				continue;
			rc = strata__lint_emit(ctx, R_UNUSED_SUP, s->line, s->col, NULL,
					       "suppression of %s matches no finding on line %d", s->ids[q], s->from);
		}
	}
out:
	free(sups);
	free(starts);
	return rc;
}
