/*
 * The schema language's lexer and the token-level primitives the parser
 * reads with (expected words and punctuation, names, name lists, numbers,
 * the end of a clause), and the errors they report at file:line:col.
 *
 * The language is line-oriented: a newline (or `;`) ends a column or a
 * table-level clause; inside parentheses newlines are ignored.  Strings
 * are single-quoted with '' as the escape; names may be double-quoted.
 * Comments run from `//` or `#` to the end of the line, or are block
 * comments.  CHECK bodies and index WHERE predicates are SQL, captured
 * raw (strata__lex_raw_parens, strata__lex_raw_line) and kept as written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "schema/lexer.h"

int strata__parse_error(strata__parser *p, int line, int col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return strata__error_set_at(STRATA_EPARSE, p->file, line, col, "%s", msg);
}

static void advance(strata__parser *p, size_t n)
{
	while (n-- && p->pos < p->len) {
		if (p->src[p->pos] == '\n') {
			p->line++;
			p->col = 1;
		} else {
			p->col++;
		}
		p->pos++;
	}
}

static int peekc(const strata__parser *p, size_t ahead)
{
	return p->pos + ahead < p->len ? (unsigned char)p->src[p->pos + ahead] : -1;
}

bool strata__lex_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool strata__lex_ident_char(int c)
{
	return strata__lex_ident_start(c) || (c >= '0' && c <= '9');
}

/* Describe a strata__token for "found ..." in messages. */
void strata__lex_describe(const strata__token *t, char *buf, size_t cap)
{
	switch (t->kind) {
	case STRATA__TOK_EOF: snprintf(buf, cap, "end of file"); break;
	case STRATA__TOK_NL: snprintf(buf, cap, "end of line"); break;
	case STRATA__TOK_STRING:
	case STRATA__TOK_DOLLAR: snprintf(buf, cap, "a string"); break;
	default: snprintf(buf, cap, "'%.*s'", (int)(t->n > 40 ? 40 : t->n), t->p);
	}
}

int strata__lex_next(strata__parser *p)
{
	for (;;) {
		int c = peekc(p, 0);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			advance(p, 1);
		} else if (c == '\n' && p->depth > 0) {
			advance(p, 1);
		} else if (c == '#' || (c == '/' && peekc(p, 1) == '/')) {
			while (p->pos < p->len && p->src[p->pos] != '\n')
				advance(p, 1);
		} else if (c == '/' && peekc(p, 1) == '*') {
			int line = p->line, col = p->col;
			advance(p, 2);
			while (p->pos < p->len && !(peekc(p, 0) == '*' && peekc(p, 1) == '/'))
				advance(p, 1);
			if (p->pos >= p->len)
				return strata__parse_error(p, line, col, "unterminated comment");
			advance(p, 2);
		} else {
			break;
		}
	}
	strata__token *t = &p->tok;
	t->p = p->src + p->pos;
	t->line = p->line;
	t->col = p->col;
	t->n = 0;
	int c = peekc(p, 0);
	if (c < 0) {
		t->kind = STRATA__TOK_EOF;
		return STRATA_OK;
	}
	if (c == '\n') {
		t->kind = STRATA__TOK_NL;
		t->n = 1;
		advance(p, 1);
		return STRATA_OK;
	}
	if (strata__lex_ident_start(c)) {
		size_t n = 0;
		while (strata__lex_ident_char(peekc(p, n)))
			n++;
		t->kind = STRATA__TOK_IDENT;
		t->n = n;
		advance(p, n);
		return STRATA_OK;
	}
	if (c >= '0' && c <= '9') {
		size_t n = 0;
		bool num = false;
		while (peekc(p, n) >= '0' && peekc(p, n) <= '9')
			n++;
		if (peekc(p, n) == '.' && peekc(p, n + 1) >= '0' && peekc(p, n + 1) <= '9') {
			num = true;
			n++;
			while (peekc(p, n) >= '0' && peekc(p, n) <= '9')
				n++;
		}
		if (peekc(p, n) == 'e' || peekc(p, n) == 'E') {
			size_t m = n + 1;
			if (peekc(p, m) == '+' || peekc(p, m) == '-')
				m++;
			if (peekc(p, m) >= '0' && peekc(p, m) <= '9') {
				num = true;
				n = m;
				while (peekc(p, n) >= '0' && peekc(p, n) <= '9')
					n++;
			}
		}
		if (strata__lex_ident_char(peekc(p, n)))
			return strata__parse_error(p, t->line, t->col, "malformed number");
		t->kind = num ? STRATA__TOK_NUM : STRATA__TOK_INT;
		t->n = n;
		advance(p, n);
		return STRATA_OK;
	}
	if (c == '\'' || c == '"') {
		size_t n = 1;
		for (;;) {
			int d = peekc(p, n);
			if (d < 0 || d == '\n')
				return strata__parse_error(p, t->line, t->col,
							   c == '\'' ? "unterminated string"
								     : "unterminated quoted name");
			n++;
			if (d == c) {
				if (peekc(p, n) == c) {
					n++;
					continue;
				}
				break;
			}
		}
		t->kind = c == '\'' ? STRATA__TOK_STRING : STRATA__TOK_QIDENT;
		t->n = n;
		advance(p, n);
		return STRATA_OK;
	}
	if (c == '$') {
		/* $tag$ ... $tag$ (tag optional): SQL as it is, over any number of lines. */
		size_t tag = 1;
		while (strata__lex_ident_char(peekc(p, tag)) && !(tag == 1 && peekc(p, 1) >= '0' && peekc(p, 1) <= '9'))
			tag++;
		if (peekc(p, tag) != '$')
			return strata__parse_error(
				p, t->line, t->col,
				"unexpected character '$' (SQL text is written $$...$$ or $tag$...$tag$)");
		tag++;
		const char *body = p->src + p->pos + tag, *end = p->src + p->len, *close = NULL;
		for (const char *q = body; q + tag <= end; q++)
			if (*q == '$' && memcmp(q, p->src + p->pos, tag) == 0) {
				close = q;
				break;
			}
		if (!close)
			return strata__parse_error(p, t->line, t->col, "unterminated %.*s string", (int)tag,
						   p->src + p->pos);
		t->kind = STRATA__TOK_DOLLAR;
		t->n = (size_t)(close - (p->src + p->pos)) + tag;
		t->tag = tag;
		advance(p, t->n);
		return STRATA_OK;
	}
	if (strchr("{}()[],.;-", c)) {
		t->kind = STRATA__TOK_PUNCT;
		t->n = 1;
		if (c == '(')
			p->depth++;
		else if (c == ')' && p->depth > 0)
			p->depth--;
		advance(p, 1);
		return STRATA_OK;
	}
	if (c >= 0x20 && c < 0x7f)
		return strata__parse_error(p, t->line, t->col, "unexpected character '%c'", c);
	return strata__parse_error(p, t->line, t->col, "unexpected byte 0x%02x", (unsigned)c);
}

bool strata__lex_punct(const strata__parser *p, char c)
{
	return p->tok.kind == STRATA__TOK_PUNCT && p->tok.p[0] == c;
}

bool strata__lex_word(const strata__parser *p, const char *w)
{
	return p->tok.kind == STRATA__TOK_IDENT && p->tok.n == strlen(w) && strncmp(p->tok.p, w, p->tok.n) == 0;
}

int strata__parse_expected(strata__parser *p, const char *what)
{
	char found[64];
	strata__lex_describe(&p->tok, found, sizeof found);
	return strata__parse_error(p, p->tok.line, p->tok.col, "expected %s, found %s", what, found);
}

int strata__parse_expect_punct(strata__parser *p, char c)
{
	char what[8] = { '\'', c, '\'', 0 };
	if (!strata__lex_punct(p, c))
		return strata__parse_expected(p, what);
	return strata__lex_next(p);
}

int strata__parse_expect_word(strata__parser *p, const char *w)
{
	if (!strata__lex_word(p, w)) {
		char what[64];
		snprintf(what, sizeof what, "'%s'", w);
		return strata__parse_expected(p, what);
	}
	return strata__lex_next(p);
}

/* Unquote a '...' or "..." strata__token into the arena. */
char *strata__lex_unquote(strata__parser *p, const strata__token *t)
{
	if (t->kind == STRATA__TOK_DOLLAR)
		return strata__sndup(p->s, t->p + t->tag, t->n - 2 * t->tag);
	char *out = strata__alloc(p->s, t->n);
	if (!out)
		return NULL;
	size_t j = 0;
	char q = t->p[0];
	for (size_t i = 1; i + 1 < t->n; i++) {
		out[j++] = t->p[i];
		if (t->p[i] == q)
			i++;
	}
	out[j] = '\0';
	return out;
}

/* A name: an identifier or a "quoted name". */
int strata__parse_name(strata__parser *p, const char *what, const char **out, strata_srcpos *pos)
{
	if (p->tok.kind != STRATA__TOK_IDENT && p->tok.kind != STRATA__TOK_QIDENT)
		return strata__parse_expected(p, what);
	if (pos) {
		pos->line = p->tok.line;
		pos->column = p->tok.col;
	}
	char *n = p->tok.kind == STRATA__TOK_IDENT ? strata__sndup(p->s, p->tok.p, p->tok.n)
						   : strata__lex_unquote(p, &p->tok);
	if (!n)
		return STRATA_ENOMEM;
	if (!*n)
		return strata__parse_error(p, p->tok.line, p->tok.col, "empty name");
	if (strlen(n) > STRATA__MAX_NAME)
		return strata__parse_error(p, p->tok.line, p->tok.col, "name '%.20s...' is longer than %d bytes", n,
					   STRATA__MAX_NAME);
	*out = n;
	return strata__lex_next(p);
}

/* End of a clause: newline, `;`, or (left in place) `}` / end of file. */
int strata__parse_end_clause(strata__parser *p)
{
	if (p->tok.kind == STRATA__TOK_NL || strata__lex_punct(p, ';'))
		return strata__lex_next(p);
	if (strata__lex_punct(p, '}') || p->tok.kind == STRATA__TOK_EOF)
		return STRATA_OK;
	return strata__parse_expected(p, "end of line");
}

int strata__parse_skip_newlines(strata__parser *p)
{
	int rc = STRATA_OK;
	while (rc == STRATA_OK && (p->tok.kind == STRATA__TOK_NL || strata__lex_punct(p, ';')))
		rc = strata__lex_next(p);
	return rc;
}

/* Trim and collapse newlines of raw SQL into the arena. */
static char *raw_sql(strata__parser *p, const char *a, size_t n)
{
	while (n && (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r'))
		a++, n--;
	while (n && (a[n - 1] == ' ' || a[n - 1] == '\t' || a[n - 1] == '\n' || a[n - 1] == '\r'))
		n--;
	char *out = strata__sndup(p->s, a, n);
	if (!out)
		return NULL;
	for (char *c = out; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	return out;
}

/*
 * The current strata__token is '(' (already counted in depth): capture the SQL up
 * to the matching ')', skipping quoted text, and continue after it.
 */
int strata__lex_raw_parens(strata__parser *p, const char **out)
{
	int line = p->tok.line, col = p->tok.col;
	size_t start = p->pos;
	int depth = 1;
	while (p->pos < p->len) {
		char c = p->src[p->pos];
		if (c == '\'' || c == '"') {
			advance(p, 1);
			while (p->pos < p->len && p->src[p->pos] != c)
				advance(p, 1);
			if (p->pos >= p->len)
				break;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (--depth == 0)
				break;
		} else if (c == '\0') {
			return strata__parse_error(p, p->line, p->col, "unexpected byte 0x00");
		}
		advance(p, 1);
	}
	if (depth != 0 || p->pos >= p->len)
		return strata__parse_error(p, line, col, "unbalanced parentheses");
	const char *sql = raw_sql(p, p->src + start, p->pos - start);
	if (!sql)
		return STRATA_ENOMEM;
	if (!*sql)
		return strata__parse_error(p, line, col, "empty expression");
	advance(p, 1); /* ')' */
	p->depth--;
	*out = sql;
	return strata__lex_next(p);
}

/* After `where`: the SQL to the end of the line (quotes respected). */
int strata__lex_raw_line(strata__parser *p, const char **out)
{
	int line = p->line, col = p->col;
	size_t start = p->pos;
	while (p->pos < p->len && p->src[p->pos] != '\n') {
		char c = p->src[p->pos];
		if (c == '\'' || c == '"') {
			advance(p, 1);
			while (p->pos < p->len && p->src[p->pos] != c && p->src[p->pos] != '\n')
				advance(p, 1);
			if (p->pos >= p->len || p->src[p->pos] == '\n')
				return strata__parse_error(p, line, col, "unterminated string in where clause");
		} else if (c == '/' && peekc(p, 1) == '/') {
			break;
		} else if (c == '\0') {
			return strata__parse_error(p, p->line, p->col, "unexpected byte 0x00");
		}
		advance(p, 1);
	}
	const char *sql = raw_sql(p, p->src + start, p->pos - start);
	if (!sql)
		return STRATA_ENOMEM;
	if (!*sql)
		return strata__parse_error(p, line, col, "expected a condition after 'where'");
	*out = sql;
	return strata__lex_next(p);
}

/* ( a, b, c ) */
int strata__parse_name_list(strata__parser *p, const char ***names, int *n, strata_srcpos **pos)
{
	int rc, npos = 0;
	if ((rc = strata__parse_expect_punct(p, '(')))
		return rc;
	for (;;) {
		const char *nm;
		strata_srcpos at;
		if ((rc = strata__parse_name(p, "a column name", &nm, &at)))
			return rc;
		const char **slot = strata__push(p->s, names, n, sizeof **names);
		if (!slot)
			return STRATA_ENOMEM;
		*slot = nm;
		if (pos) {
			strata_srcpos *ps = strata__push(p->s, pos, &npos, sizeof **pos);
			if (!ps)
				return STRATA_ENOMEM;
			*ps = at;
		}
		if (strata__lex_punct(p, ','))
			rc = strata__lex_next(p);
		else if (strata__lex_punct(p, ')'))
			return strata__lex_next(p);
		else
			return strata__parse_expected(p, "',' or ')'");
		if (rc)
			return rc;
	}
}

int strata__parse_int(strata__parser *p, int *out, int min, int max, const char *what)
{
	if (p->tok.kind != STRATA__TOK_INT)
		return strata__parse_expected(p, what);
	long v = 0;
	for (size_t i = 0; i < p->tok.n; i++) {
		v = v * 10 + (p->tok.p[i] - '0');
		if (v > max)
			break;
	}
	if (v < min || v > max)
		return strata__parse_error(p, p->tok.line, p->tok.col, "%s must be between %d and %d", what, min, max);
	*out = (int)v;
	return strata__lex_next(p);
}

bool strata__lex_string(const strata__parser *p)
{
	return p->tok.kind == STRATA__TOK_STRING || p->tok.kind == STRATA__TOK_DOLLAR;
}

int strata__parse_sql_text(strata__parser *p, const char *what, const char **out)
{
	int rc;
	if (!strata__lex_word(p, "sql"))
		return strata__parse_expected(p, what);
	if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_punct(p, '(')))
		return rc;
	if (!strata__lex_string(p))
		return strata__parse_expected(p, "the SQL as a string: sql('...') or sql($$...$$)");
	int line = p->tok.line, col = p->tok.col;
	char *text = strata__lex_unquote(p, &p->tok);
	if (!text)
		return STRATA_ENOMEM;
	/* Leading and trailing blank space is not part of the SQL. */
	size_t n = strlen(text);
	while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	if (!*text)
		return strata__parse_error(p, line, col, "empty SQL");
	*out = text;
	if ((rc = strata__lex_next(p)))
		return rc;
	return strata__parse_expect_punct(p, ')');
}

int strata__lex_peek(const strata__parser *p)
{
	size_t i = p->pos;
	while (i < p->len && (p->src[i] == ' ' || p->src[i] == '\t' || p->src[i] == '\r'))
		i++;
	return i < p->len ? (unsigned char)p->src[i] : -1;
}

static bool word_at(const strata__parser *p, size_t i, const char *w)
{
	size_t n = strlen(w);
	if (i + n > p->len || (i > 0 && strata__lex_ident_char((unsigned char)p->src[i - 1])))
		return false;
	for (size_t k = 0; k < n; k++)
		if ((p->src[i + k] | 0x20) != w[k])
			return false;
	return i + n == p->len || !strata__lex_ident_char((unsigned char)p->src[i + n]);
}

int strata__lex_raw_clause(strata__parser *p, const char *stop_word, const char **out)
{
	/* Back to the start of the current token: it is part of the clause. */
	int line = p->tok.line, col = p->tok.col;
	p->pos = (size_t)(p->tok.p - p->src);
	p->line = line;
	p->col = col;
	size_t start = p->pos;
	int depth = 0;
	while (p->pos < p->len) {
		char c = p->src[p->pos];
		if (c == '\'' || c == '"') {
			advance(p, 1);
			while (p->pos < p->len && p->src[p->pos] != c)
				advance(p, 1);
			if (p->pos >= p->len)
				return strata__parse_error(p, line, col, "unterminated string");
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			depth--;
		} else if (depth == 0 && (c == '{' || c == '\n' || (stop_word && word_at(p, p->pos, stop_word)))) {
			break;
		} else if (c == '\0') {
			return strata__parse_error(p, p->line, p->col, "unexpected byte 0x00");
		}
		advance(p, 1);
	}
	if (depth != 0)
		return strata__parse_error(p, line, col, "unbalanced parentheses");
	const char *sql = raw_sql(p, p->src + start, p->pos - start);
	if (!sql)
		return STRATA_ENOMEM;
	if (!*sql)
		return strata__parse_expected(p, "SQL");
	*out = sql;
	return strata__lex_next(p);
}
