/*
 * Query fingerprints: SQL normalised so that statements differing only in
 * their values are one query.
 *
 * The text is tokenised (the same lexical rules as the placeholder scanner:
 * strings with E/X/B/N/U& prefixes, quoted identifiers, nested block
 * comments, dollar-quoted bodies), then written back canonically:
 *   - comments dropped, whitespace one space where the layout needs it;
 *   - unquoted words lower-cased; quoted identifiers kept as written;
 *   - every literal (number, string, blob, dollar-quoted body, TRUE/FALSE)
 *     and every placeholder (?, ?NNN, $n, :name, @name, $name) becomes `?`;
 *   - a parenthesised or bracketed list of nothing but values, `(?, ?, ?)`,
 *     becomes `(...)`, and a run of such lists `(...), (...)` one `(...)`,
 *     so IN lists and multi-row VALUES of any length are one query;
 *   - a trailing `;` is dropped.
 * The id is the 64-bit FNV-1a hash of the canonical text.  Pure: no state.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "db/qstats.h"

typedef enum tok_kind {
	TK_WORD,   /* unquoted word, lower-cased */
	TK_QUOTED, /* quoted identifier, as written */
	TK_VALUE,  /* a literal or placeholder: `?` */
	TK_LIST,   /* a folded list: `...` */
	TK_OP,	   /* punctuation or an operator run */
} tok_kind;

typedef struct tok {
	tok_kind kind;
	const char *p; /* into the source (words are lower-cased when written) */
	size_t len;
} tok;

typedef struct toks {
	tok *v;
	size_t n, cap;
} toks;

static int push(toks *t, tok_kind kind, const char *p, size_t len)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		tok *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return strata__error_nomem();
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (tok){ kind, p, len };
	return STRATA_OK;
}

static bool is_word_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static bool is_word_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static bool is_op_char(char c)
{
	return c && strchr("+-*/<>=~!@#%^&|`?:", c) != NULL;
}

/* The end of a quoted run starting at p[0] (the quote); `backslash`: E'' escapes. */
static const char *skip_quoted(const char *p, const char *end, char q, bool backslash)
{
	p++;
	while (p < end) {
		if (backslash && *p == '\\' && p + 1 < end) {
			p += 2;
			continue;
		}
		if (*p == q) {
			if (p + 1 < end && p[1] == q) {
				p += 2;
				continue;
			}
			return p + 1;
		}
		p++;
	}
	return end;
}

/* A dollar-quote tag `$tag$` at p, or NULL; *tlen receives its length. */
static bool dollar_tag(const char *p, const char *end, size_t *tlen)
{
	const char *q = p + 1;
	if (q < end && (isdigit((unsigned char)*q)))
		return false; /* $1: a parameter */
	while (q < end && (isalnum((unsigned char)*q) || *q == '_' || (unsigned char)*q >= 0x80))
		q++;
	if (q < end && *q == '$') {
		*tlen = (size_t)(q - p + 1);
		return true;
	}
	return false;
}

static bool word_is(const char *p, size_t len, const char *w)
{
	return strlen(w) == len && strncasecmp(p, w, len) == 0;
}

static bool op_is(const tok *k, char c)
{
	return k->kind == TK_OP && k->len == 1 && k->p[0] == c;
}

static bool op_is_str(const tok *k, const char *s)
{
	return k->kind == TK_OP && k->len == strlen(s) && memcmp(k->p, s, k->len) == 0;
}

static bool spaced_keyword(const tok *k);

/* True when a `-` or `+` after token `k` is a sign, not a binary operator. */
static bool unary_context(const tok *k)
{
	if (k->kind == TK_OP)
		return !op_is(k, ')') && !op_is(k, ']');
	return k->kind == TK_WORD && spaced_keyword(k);
}

static int tokenize(const char *sql, size_t len, toks *t)
{
	const char *p = sql, *end = sql + len;
	int rc = STRATA_OK;
	while (p < end && rc == STRATA_OK) {
		unsigned char c = (unsigned char)*p;
		if (isspace(c)) {
			p++;
		} else if (c == '-' && p + 1 < end && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (c == '/' && p + 1 < end && p[1] == '*') {
			int depth = 1;
			p += 2;
			while (p < end && depth > 0) {
				if (*p == '/' && p + 1 < end && p[1] == '*') {
					depth++;
					p += 2;
				} else if (*p == '*' && p + 1 < end && p[1] == '/') {
					depth--;
					p += 2;
				} else {
					p++;
				}
			}
		} else if (c == '\'') {
			p = skip_quoted(p, end, '\'', false);
			rc = push(t, TK_VALUE, "?", 1);
		} else if (c == '"' || c == '`') {
			const char *s = p;
			p = skip_quoted(p, end, (char)c, false);
			rc = push(t, TK_QUOTED, s, (size_t)(p - s));
		} else if (c == '$') {
			size_t tl;
			if (dollar_tag(p, end, &tl)) {
				/* a dollar-quoted body: up to the same tag */
				const char *body = p + tl, *q = body;
				while (q < end && !(q + tl <= end && memcmp(q, p, tl) == 0))
					q++;
				p = q < end ? q + tl : end;
				rc = push(t, TK_VALUE, "?", 1);
			} else {
				/* $1 or $name: a parameter */
				p++;
				while (p < end && is_word_char((unsigned char)*p))
					p++;
				rc = push(t, TK_VALUE, "?", 1);
			}
		} else if (c == '?') {
			p++;
			if (p < end && *p == '?') {
				/* `??`: Strata's literal `?` (jsonb operators) */
				p++;
				rc = push(t, TK_OP, "?", 1);
				continue;
			}
			while (p < end && isdigit((unsigned char)*p))
				p++;
			rc = push(t, TK_VALUE, "?", 1);
		} else if ((c == ':' || c == '@') && p + 1 < end && is_word_start((unsigned char)p[1]) &&
			   !(c == ':' && t->n && t->v[t->n - 1].kind == TK_OP && t->v[t->n - 1].len == 1 &&
			     t->v[t->n - 1].p[0] == ':')) {
			/* :name, @name: SQLite named parameters (not the `::` of a cast) */
			p++;
			while (p < end && is_word_char((unsigned char)*p))
				p++;
			rc = push(t, TK_VALUE, "?", 1);
		} else if (isdigit(c) || (c == '.' && p + 1 < end && isdigit((unsigned char)p[1]))) {
			if (c == '0' && p + 1 < end && (p[1] == 'x' || p[1] == 'X')) {
				p += 2;
				while (p < end && isxdigit((unsigned char)*p))
					p++;
			} else {
				while (p < end && (isdigit((unsigned char)*p) || *p == '.' || *p == '_'))
					p++;
				if (p < end && (*p == 'e' || *p == 'E')) {
					const char *q = p + 1;
					if (q < end && (*q == '+' || *q == '-'))
						q++;
					if (q < end && isdigit((unsigned char)*q)) {
						p = q;
						while (p < end && isdigit((unsigned char)*p))
							p++;
					}
				}
			}
			/* a sign in front of a number is part of the literal: `x = -1` is `x = ?` */
			if (t->n && (op_is(&t->v[t->n - 1], '-') || op_is(&t->v[t->n - 1], '+')) &&
			    (t->n == 1 || unary_context(&t->v[t->n - 2])))
				t->n--;
			rc = push(t, TK_VALUE, "?", 1);
		} else if (is_word_start(c)) {
			const char *s = p;
			while (p < end && is_word_char((unsigned char)*p))
				p++;
			size_t wl = (size_t)(p - s);
			/* E'..', X'..', B'..', N'..', U&'..': prefixed literals */
			bool prefix = wl == 1 && strchr("eExXbBnN", s[0]);
			if (prefix && p < end && *p == '\'') {
				p = skip_quoted(p, end, '\'', s[0] == 'e' || s[0] == 'E');
				rc = push(t, TK_VALUE, "?", 1);
			} else if (wl == 1 && (s[0] == 'u' || s[0] == 'U') && p + 1 < end && p[0] == '&' &&
				   (p[1] == '\'' || p[1] == '"')) {
				char q = p[1];
				p = skip_quoted(p + 1, end, q, false);
				rc = q == '\'' ? push(t, TK_VALUE, "?", 1) : push(t, TK_QUOTED, s, (size_t)(p - s));
			} else if (word_is(s, wl, "true") || word_is(s, wl, "false")) {
				rc = push(t, TK_VALUE, "?", 1);
			} else {
				rc = push(t, TK_WORD, s, wl);
			}
		} else if (strchr("(),;[].", (char)c)) {
			rc = push(t, TK_OP, p, 1);
			p++;
		} else if (is_op_char((char)c)) {
			const char *s = p;
			/* an operator run; `::` stays on its own so `x::int` reads well */
			if (c == ':' && p + 1 < end && p[1] == ':') {
				p += 2;
			} else {
				while (p < end && is_op_char(*p) && *p != '?' && !(p > s && *p == ':') &&
				       !(*p == '-' && p + 1 < end && p[1] == '-') &&
				       !(*p == '/' && p + 1 < end && p[1] == '*'))
					p++;
				if (p == s)
					p++;
			}
			rc = push(t, TK_OP, s, (size_t)(p - s));
		} else {
			rc = push(t, TK_OP, p, 1);
			p++;
		}
	}
	return rc;
}

/*
 * One element of a value list at v[i]: [+|-] ? [:: word]; returns the index
 * after it, or 0 when it is not one.
 */
static size_t value_elem(const tok *v, size_t n, size_t i)
{
	if (i < n && (op_is(&v[i], '-') || op_is(&v[i], '+')))
		i++;
	if (i >= n || v[i].kind != TK_VALUE)
		return 0;
	i++;
	if (i + 1 < n && op_is_str(&v[i], "::") && v[i + 1].kind == TK_WORD)
		i += 2;
	return i;
}

/* Fold lists of values into `(...)` / `[...]`, and runs of folded lists into one.  In place. */
static void fold_lists(toks *t)
{
	tok *v = t->v;
	size_t n = t->n, out = 0;
	for (size_t i = 0; i < n;) {
		bool call = out > 0 && (v[out - 1].kind == TK_WORD || v[out - 1].kind == TK_QUOTED) &&
			    !spaced_keyword(&v[out - 1]);
		if ((op_is(&v[i], '(') || op_is(&v[i], '[')) && !call) {
			char close = v[i].p[0] == '(' ? ')' : ']';
			size_t j = value_elem(v, n, i + 1);
			while (j && j < n && op_is(&v[j], ','))
				j = value_elem(v, n, j + 1);
			if (j && j < n && op_is(&v[j], close)) {
				/* `, (...)` right after a folded `(...)`: one list stands for all */
				bool repeat = out >= 4 && op_is(&v[out - 1], ',') && op_is(&v[out - 2], close) &&
					      v[out - 3].kind == TK_LIST && op_is(&v[out - 4], v[i].p[0]);
				if (repeat) {
					out--; /* drop the comma */
				} else {
					v[out++] = v[i];
					v[out++] = (tok){ TK_LIST, "...", 3 };
					v[out++] = v[j];
				}
				i = j + 1;
				continue;
			}
		}
		v[out++] = v[i++];
	}
	t->n = out;
	/* a trailing `;` (or several) says nothing */
	while (t->n && op_is(&t->v[t->n - 1], ';'))
		t->n--;
}

/* Words after which `(` opens a list or subquery, not a call: they keep the space. */
static bool spaced_keyword(const tok *k)
{
	static const char *const kw[] = {
		"in",	     "values",	"exists",    "as",	 "from",     "join",   "on",	 "where",      "and",
		"or",	     "not",	"select",    "using",	 "over",     "into",   "set",	 "any",	       "all",
		"some",	     "lateral", "returning", "by",	 "then",     "else",   "when",	 "with",       "union",
		"intersect", "except",	"table",     "conflict", "distinct", "filter", "within", "default",    "is",
		"like",	     "between", "recursive", "do",	 "update",   "check",  "key",	 "references", "unique",
		"primary",   "index",	"array",     NULL
	};
	if (k->kind != TK_WORD)
		return true;
	for (const char *const *w = kw; *w; w++)
		if (word_is(k->p, k->len, *w))
			return true;
	return false;
}

static int write_canonical(const toks *t, strata_buf *out)
{
	int rc = STRATA_OK;
	for (size_t i = 0; i < t->n && rc == STRATA_OK; i++) {
		const tok *k = &t->v[i];
		if (i > 0) {
			const tok *prev = &t->v[i - 1];
			bool space = true;
			if (op_is(k, ',') || op_is(k, ')') || op_is(k, ']') || op_is(k, '.') || op_is(k, ';') ||
			    op_is_str(k, "::") || k->kind == TK_LIST)
				space = false;
			else if (op_is(prev, '(') || op_is(prev, '[') || op_is(prev, '.') || op_is_str(prev, "::"))
				space = false;
			else if ((op_is(k, '(') || op_is(k, '[')) &&
				 (prev->kind == TK_WORD || prev->kind == TK_QUOTED) && !spaced_keyword(prev) &&
				 !(i >= 2 && t->v[i - 2].kind == TK_WORD &&
				   word_is(t->v[i - 2].p, t->v[i - 2].len, "into")))
				space = false; /* a call: count(*), arr[?]; not INSERT INTO t (a, b) */
			if (space)
				rc = strata__buf_putc(out, ' ');
		}
		if (rc != STRATA_OK)
			break;
		if (k->kind == TK_WORD) {
			if ((rc = strata__buf_grow(out, k->len)) != STRATA_OK)
				break;
			for (size_t c = 0; c < k->len; c++)
				out->ptr[out->len + c] = (char)tolower((unsigned char)k->p[c]);
			out->len += k->len;
			out->ptr[out->len] = '\0';
		} else {
			rc = strata__buf_append(out, k->p, k->len);
		}
	}
	if (rc == STRATA_OK && !out->ptr)
		rc = strata__buf_puts(out, "");
	return rc;
}

uint64_t strata__fnv1a(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int strata__fingerprint(const char *sql, strata_buf *out, uint64_t *id)
{
	toks t = { NULL, 0, 0 };
	int rc = tokenize(sql, strlen(sql), &t);
	if (rc == STRATA_OK) {
		fold_lists(&t);
		rc = write_canonical(&t, out);
	}
	free(t.v);
	if (rc == STRATA_OK && id)
		*id = strata__fnv1a(out->ptr, out->len);
	return rc;
}

int strata_sql_fingerprint(const char *sql, char **text, uint64_t *id)
{
	if (!sql || !text)
		return strata__error_set(STRATA_EINVAL, "strata_sql_fingerprint: %s is NULL", sql ? "text" : "sql");
	*text = NULL;
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__fingerprint(sql, &b, id);
	if (rc == STRATA_OK && !(*text = strata__buf_detach(&b)))
		rc = strata__error_nomem();
	strata__buf_free(&b);
	return rc;
}
