/*
 * The emitter of `strata gen c` and its template engine (the template
 * language is described in emit.h).  Templates are parsed when expanded:
 * they are small, and a generation expands a few hundred.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/emit.h"
#include "gen/templates.h"

/* ---- output ---- */

void strata__gen_printf(gen_emitter *e, const char *fmt, ...)
{
	if (e->rc != STRATA_OK)
		return;
	va_list ap;
	va_start(ap, fmt);
	char small[512];
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		e->rc = strata__error_set(STRATA_EINVAL, "format failed");
		return;
	}
	if ((size_t)n < sizeof small) {
		e->rc = strata__buf_append(e->out, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		e->rc = strata__error_nomem();
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	e->rc = strata__buf_append(e->out, big, (size_t)n);
	free(big);
}

/*
 * Every byte outside printable ASCII is an octal escape (always three
 * digits, so a digit after it stays a digit), and a `?` after a `?` is
 * `\?`: the source never holds `??`, so no trigraph can form under
 * -std=c99/c11/c17, where compilers replace them.
 */
int strata__gen_cstr_into(strata_buf *b, const char *s)
{
	int rc = STRATA_OK;
	char last = 0;
	for (; *s && rc == STRATA_OK; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': rc = strata__buf_puts(b, "\\\""); break;
		case '\\': rc = strata__buf_puts(b, "\\\\"); break;
		case '\n': rc = strata__buf_puts(b, "\\n"); break;
		case '\t': rc = strata__buf_puts(b, "\\t"); break;
		case '?': rc = last == '?' ? strata__buf_puts(b, "\\?") : strata__buf_putc(b, '?'); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				rc = strata__buf_printf(b, "\\%03o", c);
			else
				rc = strata__buf_putc(b, (char)c);
		}
		last = (char)c;
	}
	return rc;
}

void strata__gen_cstr(gen_emitter *e, const char *s)
{
	if (e->rc == STRATA_OK)
		e->rc = strata__gen_cstr_into(e->out, s);
}

void strata__gen_upper(char *buf, size_t cap, const char *s)
{
	size_t i = 0;
	for (; s[i] && i + 1 < cap; i++)
		buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	buf[i] = '\0';
}

/* ---- placeholder values ---- */

static void fail(strata__gen_vars *v, int rc)
{
	for (; v; v = v->parent)
		if (v->rc == STRATA_OK)
			v->rc = rc;
}

/* The slot of `name` in `v`, added when missing; -1 when full (failure recorded). */
static int slot(strata__gen_vars *v, const char *name)
{
	for (int i = 0; i < v->n; i++)
		if (strcmp(v->names[i], name) == 0)
			return i;
	if (v->n == STRATA__GEN_VARS_MAX) {
		fail(v,
		     strata__error_set(STRATA_EINVAL, "generator: more than %d template values", STRATA__GEN_VARS_MAX));
		return -1;
	}
	v->names[v->n] = name;
	v->values[v->n] = NULL;
	v->items[v->n] = NULL;
	v->nitems[v->n] = 0;
	return v->n++;
}

static void clear_slot(strata__gen_vars *v, int i)
{
	free(v->values[i]);
	v->values[i] = NULL;
	for (int k = 0; k < v->nitems[i]; k++) {
		strata__gen_vars_free(v->items[i][k]);
		free(v->items[i][k]);
	}
	free(v->items[i]);
	v->items[i] = NULL;
	v->nitems[i] = 0;
}

static void var_own(strata__gen_vars *v, const char *name, char *value)
{
	if (!v) {
		free(value);
		return;
	}
	if (!value) {
		fail(v, STRATA_ENOMEM);
		return;
	}
	int i = slot(v, name);
	if (i < 0) {
		free(value);
		return;
	}
	clear_slot(v, i);
	v->values[i] = value;
}

void strata__gen_var(strata__gen_vars *v, const char *name, const char *value)
{
	var_own(v, name, strata__strdup(value ? value : ""));
}

void strata__gen_varf(strata__gen_vars *v, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = n < 0 ? NULL : malloc((size_t)n + 1);
	if (s) {
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	} else {
		strata__error_nomem();
	}
	var_own(v, name, s);
}

void strata__gen_var_bool(strata__gen_vars *v, const char *name, bool on)
{
	strata__gen_var(v, name, on ? "1" : "");
}

void strata__gen_var_cstr(strata__gen_vars *v, const char *name, const char *value)
{
	strata_buf b = STRATA_BUF_INIT;
	if (strata__gen_cstr_into(&b, value) != STRATA_OK) {
		strata__buf_free(&b);
		var_own(v, name, NULL);
		return;
	}
	var_own(v, name, strata__buf_detach(&b));
}

void strata__gen_var_comment(strata__gen_vars *v, const char *name, const char *value)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = STRATA_OK;
	for (const char *p = value; *p && rc == STRATA_OK; p++)
		if ((p[0] == '*' && p[1] == '/') || (p[0] == '/' && p[1] == '*') || (p[0] == '?' && p[1] == '?'))
			rc = strata__buf_printf(&b, "%c ", *p);
		else
			rc = strata__buf_putc(&b, *p);
	if (rc != STRATA_OK) {
		strata__buf_free(&b);
		var_own(v, name, NULL);
		return;
	}
	var_own(v, name, strata__buf_detach(&b));
}

void strata__gen_list(strata__gen_vars *v, const char *name)
{
	if (!v)
		return;
	int i = slot(v, name);
	if (i >= 0 && v->values[i]) {
		free(v->values[i]);
		v->values[i] = NULL;
	}
}

strata__gen_vars *strata__gen_item(strata__gen_vars *v, const char *name)
{
	if (!v)
		return NULL;
	int i = slot(v, name);
	if (i < 0)
		return NULL;
	free(v->values[i]);
	v->values[i] = NULL;
	strata__gen_vars **items = realloc(v->items[i], (size_t)(v->nitems[i] + 1) * sizeof *items);
	strata__gen_vars *item = items ? malloc(sizeof *item) : NULL;
	if (items)
		v->items[i] = items;
	if (!item) {
		fail(v, strata__error_nomem());
		return NULL;
	}
	*item = (strata__gen_vars)STRATA__GEN_VARS_INIT;
	item->parent = v;
	items[v->nitems[i]++] = item;
	return item;
}

void strata__gen_vars_free(strata__gen_vars *v)
{
	for (int i = 0; i < v->n; i++)
		clear_slot(v, i);
	v->n = 0;
}

void strata__gen_block_begin(const gen_emitter *e, gen_emitter *sub, strata_buf *buf)
{
	*buf = (strata_buf)STRATA_BUF_INIT;
	*sub = *e;
	sub->out = buf;
	sub->rc = e->rc;
}

void strata__gen_block_end(strata__gen_vars *v, const char *name, gen_emitter *sub, strata_buf *buf)
{
	if (sub->rc != STRATA_OK) {
		if (v->rc == STRATA_OK)
			v->rc = sub->rc;
		strata__buf_free(buf);
		return;
	}
	strata__gen_var(v, name, strata__buf_cstr(buf));
	strata__buf_free(buf);
}

void strata__gen_block(const gen_emitter *e, strata__gen_vars *v, const char *name)
{
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	strata__gen_render(&sub, name, v);
	strata__gen_block_end(v, name, &sub, &buf);
}

/* ---- template files ---- */

static bool line_is(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0;
}

int strata__gen_tmpls_load(strata__gen_tmpls *t)
{
	t->items = NULL;
	t->n = 0;
	int cap = 0;
	for (const strata__gen_tmpl_file *f = strata__gen_tmpl_files; f->name; f++) {
		const char *p = f->text, *end = f->text + f->len;
		strata__gen_tmpl *cur = NULL;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *next = nl ? nl + 1 : end;
			if (line_is(p, end, "@@ ")) {
				if (cur)
					cur->len = (size_t)(p - cur->text);
				if (t->n == cap) {
					int ncap = cap ? cap * 2 : 64;
					strata__gen_tmpl *n = realloc(t->items, (size_t)ncap * sizeof *n);
					if (!n) {
						strata__gen_tmpls_free(t);
						return strata__error_nomem();
					}
					t->items = n;
					cap = ncap;
				}
				cur = &t->items[t->n++];
				cur->name = p + 3;
				cur->name_len = (size_t)((nl ? nl : end) - cur->name);
				cur->text = next;
				cur->len = 0;
			}
			p = next;
		}
		if (cur)
			cur->len = (size_t)(end - cur->text);
	}
	return STRATA_OK;
}

void strata__gen_tmpls_free(strata__gen_tmpls *t)
{
	free(t->items);
	t->items = NULL;
	t->n = 0;
}

/* ---- expansion ---- */

/* The values in force: an item's, then those around it. */
typedef struct scope {
	const strata__gen_vars *v;
	const struct scope *up;
} scope;

/* The slot holding `name` (len bytes) in the nearest set that has it. */
static bool lookup(const scope *sc, const char *name, size_t len, const strata__gen_vars **in, int *at)
{
	for (; sc; sc = sc->up)
		for (int i = 0; sc->v && i < sc->v->n; i++)
			if (strlen(sc->v->names[i]) == len && memcmp(sc->v->names[i], name, len) == 0) {
				*in = sc->v;
				*at = i;
				return true;
			}
	return false;
}

static const char *value_of(const scope *sc, const char *name, size_t len)
{
	const strata__gen_vars *v;
	int i;
	if (!lookup(sc, name, len, &v, &i) || !v->values[i])
		return NULL;
	return v->values[i];
}

static int tmpl_fail(const strata__gen_tmpl *t, int line, const char *what, const char *name, size_t len)
{
	return strata__error_set(STRATA_EINVAL, "generator template %.*s, line %d: %s %.*s", (int)t->name_len, t->name,
				 line, what, (int)len, name);
}

/* The placeholder at p ("${name}"): its name, and the end of it; false when malformed. */
static bool placeholder(const char *p, const char *end, const char **name, size_t *len, const char **after)
{
	const char *q = p + 2;
	while (q < end && *q != '}' && *q != '\n')
		q++;
	if (q >= end || *q != '}' || q == p + 2)
		return false;
	*name = p + 2;
	*len = (size_t)(q - (p + 2));
	*after = q + 1;
	return true;
}

/* Copy one line (p..eol, newline included when there is one) with its placeholders replaced. */
static int expand_line(strata_buf *out, const strata__gen_tmpl *t, int ln, const scope *sc, const char *p,
		       const char *eol)
{
	/* a line that is only ${var}: the value as it is */
	const char *name, *after;
	size_t len;
	if (eol - p > 3 && p[0] == '$' && p[1] == '{' && placeholder(p, eol, &name, &len, &after) &&
	    (after == eol || (*after == '\n' && after + 1 == eol))) {
		const char *val = value_of(sc, name, len);
		if (!val)
			return tmpl_fail(t, ln, "no value for", name, len);
		return strata__buf_puts(out, val);
	}
	int rc = STRATA_OK;
	while (p < eol && rc == STRATA_OK) {
		const char *d = memchr(p, '$', (size_t)(eol - p));
		if (!d)
			return strata__buf_append(out, p, (size_t)(eol - p));
		if ((rc = strata__buf_append(out, p, (size_t)(d - p))) != STRATA_OK)
			break;
		if (d + 1 < eol && d[1] == '$') {
			rc = strata__buf_putc(out, '$');
			p = d + 2;
			continue;
		}
		if (d + 1 >= eol || d[1] != '{' || !placeholder(d, eol, &name, &len, &after))
			return tmpl_fail(t, ln, "a lone", "$", 1);
		const char *val = value_of(sc, name, len);
		if (!val)
			return tmpl_fail(t, ln, "no value for", name, len);
		rc = strata__buf_puts(out, val);
		p = after;
	}
	return rc;
}

/* The end of the line at p (after its newline, or `end`). */
static const char *next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl + 1 : end;
}

/* The name after a directive (`@if NAME`), without the newline. */
static void directive_arg(const char *p, const char *eol, size_t skip, const char **name, size_t *len)
{
	*name = p + skip;
	const char *e = eol;
	if (e > *name && e[-1] == '\n')
		e--;
	*len = (size_t)(e - *name);
}

/* The line of the @end closing the @each or @if whose body starts at p; NULL when none. */
static const char *matching_end(const char *p, const char *end)
{
	int depth = 0;
	for (; p < end; p = next_line(p, end)) {
		if (line_is(p, end, "@if ") || line_is(p, end, "@each "))
			depth++;
		else if (line_is(p, end, "@end") && depth-- == 0)
			return p;
	}
	return NULL;
}

/* The truth of `name` or `!name` for @if and @elif. */
static int condition(const strata__gen_tmpl *t, int ln, const scope *sc, const char *name, size_t len, bool *out)
{
	bool neg = len > 0 && *name == '!';
	if (neg) {
		name++;
		len--;
	}
	const strata__gen_vars *v;
	int at;
	if (!lookup(sc, name, len, &v, &at))
		return tmpl_fail(t, ln, "a condition on a value never set:", name, len);
	*out = (v->values[at] ? *v->values[at] != '\0' : v->nitems[at] > 0) != neg;
	return STRATA_OK;
}

#define MAX_DEPTH 16

/* Expand the lines p..end of `t` (line numbers from *ln) in scope `sc`. */
static int expand(strata_buf *out, const strata__gen_tmpl *t, const char *p, const char *end, int ln, const scope *sc)
{
	/* on[k]: whether lines at depth k are kept; taken[k]: the @if branch was kept */
	bool on[MAX_DEPTH + 1], taken[MAX_DEPTH + 1];
	int depth = 0, rc = STRATA_OK;
	on[0] = true;
	while (p < end && rc == STRATA_OK) {
		const char *eol = next_line(p, end);
		const char *name;
		size_t len;
		ln++;
		if (line_is(p, eol, "@#")) {
			/* a comment */
		} else if (line_is(p, eol, "@each ")) {
			directive_arg(p, eol, 6, &name, &len);
			const char *stop = matching_end(eol, end);
			const strata__gen_vars *v;
			int at;
			if (!stop)
				return tmpl_fail(t, ln, "@each without @end:", name, len);
			if (!lookup(sc, name, len, &v, &at) || v->values[at])
				return tmpl_fail(t, ln, "@each on something not a list:", name, len);
			for (int k = 0; on[depth] && rc == STRATA_OK && k < v->nitems[at]; k++) {
				scope inner = { v->items[at][k], sc };
				rc = expand(out, t, eol, stop, ln, &inner);
			}
			for (const char *q = eol; q < stop; q = next_line(q, stop))
				ln++;
			p = next_line(stop, end);
			ln++;
			continue;
		} else if (line_is(p, eol, "@if ")) {
			directive_arg(p, eol, 4, &name, &len);
			bool cond;
			if ((rc = condition(t, ln, sc, name, len, &cond)) != STRATA_OK)
				return rc;
			if (depth == MAX_DEPTH)
				return tmpl_fail(t, ln, "@if nested too deep", "", 0);
			depth++;
			on[depth] = on[depth - 1] && cond;
			taken[depth] = cond;
		} else if (line_is(p, eol, "@elif ")) {
			directive_arg(p, eol, 6, &name, &len);
			if (depth == 0)
				return tmpl_fail(t, ln, "@elif without @if", "", 0);
			bool cond;
			if ((rc = condition(t, ln, sc, name, len, &cond)) != STRATA_OK)
				return rc;
			on[depth] = on[depth - 1] && !taken[depth] && cond;
			taken[depth] = taken[depth] || cond;
		} else if (line_is(p, eol, "@else")) {
			if (depth == 0)
				return tmpl_fail(t, ln, "@else without @if", "", 0);
			on[depth] = on[depth - 1] && !taken[depth];
		} else if (line_is(p, eol, "@end")) {
			if (depth == 0)
				return tmpl_fail(t, ln, "@end without @if", "", 0);
			depth--;
		} else if (on[depth]) {
			rc = expand_line(out, t, ln, sc, p, eol);
		}
		p = eol;
	}
	if (rc == STRATA_OK && depth != 0)
		rc = tmpl_fail(t, ln, "@if without @end", "", 0);
	return rc;
}

int strata__gen_expand(strata_buf *out, const char *pattern, const strata__gen_vars *v)
{
	if (v && v->rc != STRATA_OK)
		return v->rc;
	strata__gen_tmpl t = { "(inline)", 8, pattern, strlen(pattern) };
	scope sc = { v, NULL };
	return expand(out, &t, pattern, pattern + t.len, 0, &sc);
}

void strata__gen_render(gen_emitter *e, const char *name, const strata__gen_vars *v)
{
	if (e->rc != STRATA_OK)
		return;
	if (v && v->rc != STRATA_OK) {
		e->rc = v->rc;
		return;
	}
	size_t len = strlen(name);
	for (int i = 0; i < e->tm->n; i++) {
		const strata__gen_tmpl *t = &e->tm->items[i];
		if (t->name_len == len && memcmp(t->name, name, len) == 0) {
			scope sc = { v, NULL };
			e->rc = expand(e->out, t, t->text, t->text + t->len, 0, &sc);
			return;
		}
	}
	e->rc = strata__error_set(STRATA_EINVAL, "generator: no template named %s", name);
}
