/*
 * The schema language: lexer and parser.
 *
 * The language is line-oriented: a newline (or `;`) ends a column or a
 * table-level clause; inside parentheses newlines are ignored.  Words are
 * contextual, not reserved: a name that collides with a clause keyword is
 * written in double quotes.  Strings are single-quoted with '' as the
 * escape.  Comments run from `//` or `#` to the end of the line, or are
 * block comments.  CHECK bodies and index WHERE predicates are SQL, kept
 * as written.
 *
 * The parser only builds; references, mixins and types are checked in
 * resolve.c once the whole file is known (declarations can come in any
 * order).
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/env.h"
#include "core/error.h"
#include "schema/parse.h"

typedef enum tkind { T_EOF, T_NL, T_IDENT, T_QIDENT, T_STRING, T_INT, T_NUM, T_PUNCT } tkind;

typedef struct token {
	tkind kind;
	const char *p;
	size_t n;
	int line, col;
} token;

typedef struct parser {
	strata_schema *s;
	const char *src;
	size_t len, pos;
	int line, col;
	int depth; /* parentheses: newlines inside are not tokens */
	token tok;
	const char *file;
	bool builtin;
	strata__parse_extra *extra;
} parser;

#define MAX_NAME 63

static int perr(parser *p, int line, int col, const char *fmt, ...) STRATA_PRINTF(4, 5);

#include <stdarg.h>
#include <stdio.h>

static int perr(parser *p, int line, int col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return strata__error_set_at(STRATA_EPARSE, p->file, line, col, "%s", msg);
}

/* ---- lexer ---- */

static void advance(parser *p, size_t n)
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

static int peekc(const parser *p, size_t ahead)
{
	return p->pos + ahead < p->len ? (unsigned char)p->src[p->pos + ahead] : -1;
}

static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Describe a token for "found ..." in messages. */
static void describe(const token *t, char *buf, size_t cap)
{
	switch (t->kind) {
	case T_EOF: snprintf(buf, cap, "end of file"); break;
	case T_NL: snprintf(buf, cap, "end of line"); break;
	case T_STRING: snprintf(buf, cap, "a string"); break;
	default:
		snprintf(buf, cap, "'%.*s'", (int)(t->n > 40 ? 40 : t->n), t->p);
	}
}

static int next(parser *p)
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
				return perr(p, line, col, "unterminated comment");
			advance(p, 2);
		} else {
			break;
		}
	}
	token *t = &p->tok;
	t->p = p->src + p->pos;
	t->line = p->line;
	t->col = p->col;
	t->n = 0;
	int c = peekc(p, 0);
	if (c < 0) {
		t->kind = T_EOF;
		return STRATA_OK;
	}
	if (c == '\n') {
		t->kind = T_NL;
		t->n = 1;
		advance(p, 1);
		return STRATA_OK;
	}
	if (is_ident_start(c)) {
		size_t n = 0;
		while (is_ident(peekc(p, n)))
			n++;
		t->kind = T_IDENT;
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
		if (is_ident(peekc(p, n)))
			return perr(p, t->line, t->col, "malformed number");
		t->kind = num ? T_NUM : T_INT;
		t->n = n;
		advance(p, n);
		return STRATA_OK;
	}
	if (c == '\'' || c == '"') {
		size_t n = 1;
		for (;;) {
			int d = peekc(p, n);
			if (d < 0 || d == '\n')
				return perr(p, t->line, t->col, c == '\'' ? "unterminated string" : "unterminated quoted name");
			n++;
			if (d == c) {
				if (peekc(p, n) == c) {
					n++;
					continue;
				}
				break;
			}
		}
		t->kind = c == '\'' ? T_STRING : T_QIDENT;
		t->n = n;
		advance(p, n);
		return STRATA_OK;
	}
	if (strchr("{}()[],.;-", c)) {
		t->kind = T_PUNCT;
		t->n = 1;
		if (c == '(')
			p->depth++;
		else if (c == ')' && p->depth > 0)
			p->depth--;
		advance(p, 1);
		return STRATA_OK;
	}
	if (c >= 0x20 && c < 0x7f)
		return perr(p, t->line, t->col, "unexpected character '%c'", c);
	return perr(p, t->line, t->col, "unexpected byte 0x%02x", (unsigned)c);
}

static bool is_punct(const parser *p, char c)
{
	return p->tok.kind == T_PUNCT && p->tok.p[0] == c;
}

static bool is_word(const parser *p, const char *w)
{
	return p->tok.kind == T_IDENT && p->tok.n == strlen(w) && strncmp(p->tok.p, w, p->tok.n) == 0;
}

static int expected(parser *p, const char *what)
{
	char found[64];
	describe(&p->tok, found, sizeof found);
	return perr(p, p->tok.line, p->tok.col, "expected %s, found %s", what, found);
}

static int expect_punct(parser *p, char c)
{
	char what[8] = { '\'', c, '\'', 0 };
	if (!is_punct(p, c))
		return expected(p, what);
	return next(p);
}

static int expect_word(parser *p, const char *w)
{
	if (!is_word(p, w)) {
		char what[64];
		snprintf(what, sizeof what, "'%s'", w);
		return expected(p, what);
	}
	return next(p);
}

/* Unquote a '...' or "..." token into the arena. */
static char *unquote(parser *p, const token *t)
{
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
static int name(parser *p, const char *what, const char **out, strata_srcpos *pos)
{
	if (p->tok.kind != T_IDENT && p->tok.kind != T_QIDENT)
		return expected(p, what);
	if (pos) {
		pos->line = p->tok.line;
		pos->column = p->tok.col;
	}
	char *n = p->tok.kind == T_IDENT ? strata__sndup(p->s, p->tok.p, p->tok.n) : unquote(p, &p->tok);
	if (!n)
		return STRATA_ENOMEM;
	if (!*n)
		return perr(p, p->tok.line, p->tok.col, "empty name");
	if (strlen(n) > MAX_NAME)
		return perr(p, p->tok.line, p->tok.col, "name '%.20s...' is longer than %d bytes", n, MAX_NAME);
	*out = n;
	return next(p);
}

/* End of a clause: newline, `;`, or (left in place) `}` / end of file. */
static int end_clause(parser *p)
{
	if (p->tok.kind == T_NL || is_punct(p, ';'))
		return next(p);
	if (is_punct(p, '}') || p->tok.kind == T_EOF)
		return STRATA_OK;
	return expected(p, "end of line");
}

static int skip_newlines(parser *p)
{
	int rc = STRATA_OK;
	while (rc == STRATA_OK && (p->tok.kind == T_NL || is_punct(p, ';')))
		rc = next(p);
	return rc;
}

/* Trim and collapse newlines of raw SQL into the arena. */
static char *raw_sql(parser *p, const char *a, size_t n)
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
 * The current token is '(' (already counted in depth): capture the SQL up
 * to the matching ')', skipping quoted text, and continue after it.
 */
static int raw_parens(parser *p, const char **out)
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
			return perr(p, p->line, p->col, "unexpected byte 0x00");
		}
		advance(p, 1);
	}
	if (depth != 0 || p->pos >= p->len)
		return perr(p, line, col, "unbalanced parentheses");
	const char *sql = raw_sql(p, p->src + start, p->pos - start);
	if (!sql)
		return STRATA_ENOMEM;
	if (!*sql)
		return perr(p, line, col, "empty expression");
	advance(p, 1); /* ')' */
	p->depth--;
	*out = sql;
	return next(p);
}

/* After `where`: the SQL to the end of the line (quotes respected). */
static int raw_line(parser *p, const char **out)
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
				return perr(p, line, col, "unterminated string in where clause");
		} else if (c == '/' && peekc(p, 1) == '/') {
			break;
		} else if (c == '\0') {
			return perr(p, p->line, p->col, "unexpected byte 0x00");
		}
		advance(p, 1);
	}
	const char *sql = raw_sql(p, p->src + start, p->pos - start);
	if (!sql)
		return STRATA_ENOMEM;
	if (!*sql)
		return perr(p, line, col, "expected a condition after 'where'");
	*out = sql;
	return next(p);
}

/* ( a, b, c ) */
static int name_list(parser *p, const char ***names, int *n, strata_srcpos **pos)
{
	int rc, npos = 0;
	if ((rc = expect_punct(p, '(')))
		return rc;
	for (;;) {
		const char *nm;
		strata_srcpos at;
		if ((rc = name(p, "a column name", &nm, &at)))
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
		if (is_punct(p, ','))
			rc = next(p);
		else if (is_punct(p, ')'))
			return next(p);
		else
			return expected(p, "',' or ')'");
		if (rc)
			return rc;
	}
}

static int parse_int(parser *p, int *out, int min, int max, const char *what)
{
	if (p->tok.kind != T_INT)
		return expected(p, what);
	long v = 0;
	for (size_t i = 0; i < p->tok.n; i++) {
		v = v * 10 + (p->tok.p[i] - '0');
		if (v > max)
			break;
	}
	if (v < min || v > max)
		return perr(p, p->tok.line, p->tok.col, "%s must be between %d and %d", what, min, max);
	*out = (int)v;
	return next(p);
}

/* ---- types ---- */

static const struct {
	const char *name;
	strata_type_kind kind;
} type_words[] = {
	{ "int", STRATA_T_INT }, { "bigint", STRATA_T_BIGINT }, { "serial", STRATA_T_SERIAL },
	{ "bool", STRATA_T_BOOL }, { "float", STRATA_T_FLOAT }, { "decimal", STRATA_T_DECIMAL },
	{ "string", STRATA_T_STRING }, { "text", STRATA_T_TEXT }, { "bytes", STRATA_T_BYTES },
	{ "timestamp", STRATA_T_TIMESTAMP }, { "date", STRATA_T_DATE }, { "uuid", STRATA_T_UUID },
	{ "json", STRATA_T_JSON },
};

const char *strata__type_word(int i)
{
	return i >= 0 && i < (int)(sizeof type_words / sizeof type_words[0]) ? type_words[i].name : NULL;
}

/* The type of a column; `fk` is set when the type is `ref T`. */
static int parse_type(parser *p, strata_table *t, strata_column *c, int *fk_index)
{
	int rc;
	c->type_pos.line = p->tok.line;
	c->type_pos.column = p->tok.col;
	if (is_word(p, "ref")) {
		if ((rc = next(p)))
			return rc;
		strata_fkey *f = strata__push(p->s, &t->fkeys, &t->nfkeys, sizeof *f);
		if (!f)
			return STRATA_ENOMEM;
		f->pos = c->pos;
		if ((rc = name(p, "a table name after 'ref'", &f->ref_table, &f->ref_pos)))
			return rc;
		if (strata__push_str(p->s, &f->columns, &f->ncolumns, c->name))
			return STRATA_ENOMEM;
		if (is_punct(p, '.')) {
			const char *rc_name;
			if ((rc = next(p)) || (rc = name(p, "a column name", &rc_name, NULL)))
				return rc;
			if (strata__push_str(p->s, &f->ref_columns, &f->nref_columns, rc_name))
				return STRATA_ENOMEM;
		}
		c->type.kind = 0;
		*fk_index = t->nfkeys - 1;
		return STRATA_OK;
	}
	if (is_word(p, "sql")) {
		if ((rc = next(p)) || (rc = expect_punct(p, '(')))
			return rc;
		if (p->tok.kind != T_STRING)
			return expected(p, "the SQL type as a string, sql('...')");
		if (!(c->type.raw = unquote(p, &p->tok)))
			return STRATA_ENOMEM;
		/* sql('') is SQLite's column without a declared type. */
		if ((rc = next(p)) || (rc = expect_punct(p, ')')))
			return rc;
		c->type.kind = STRATA_T_RAW;
	} else {
		const char *tn;
		if (p->tok.kind != T_IDENT)
			return expected(p, "a type");
		if ((rc = name(p, "a type", &tn, NULL)))
			return rc;
		c->type.kind = STRATA_T_ENUM;
		for (size_t i = 0; i < sizeof type_words / sizeof type_words[0]; i++)
			if (strcmp(tn, type_words[i].name) == 0)
				c->type.kind = type_words[i].kind;
		if (c->type.kind == STRATA_T_ENUM)
			c->type.enum_name = tn;
		if (c->type.kind == STRATA_T_STRING) {
			if (!is_punct(p, '('))
				return perr(p, c->type_pos.line, c->type_pos.column,
					    "string needs a maximum length: string(n); use text for unbounded text");
			if ((rc = next(p)) || (rc = parse_int(p, &c->type.length, 1, 10485760, "the length")) ||
			    (rc = expect_punct(p, ')')))
				return rc;
		} else if (c->type.kind == STRATA_T_DECIMAL) {
			if (!is_punct(p, '('))
				return perr(p, c->type_pos.line, c->type_pos.column,
					    "decimal needs a precision: decimal(p,s)");
			if ((rc = next(p)) || (rc = parse_int(p, &c->type.precision, 1, 1000, "the precision")))
				return rc;
			if (is_punct(p, ',')) {
				if ((rc = next(p)) || (rc = parse_int(p, &c->type.scale, 0, 1000, "the scale")))
					return rc;
				if (c->type.scale > c->type.precision)
					return perr(p, c->type_pos.line, c->type_pos.column,
						    "decimal scale %d is larger than its precision %d", c->type.scale,
						    c->type.precision);
			}
			if ((rc = expect_punct(p, ')')))
				return rc;
		} else if (is_punct(p, '(') && c->type.kind == STRATA_T_ENUM) {
			const char *best = NULL;
			int bd = 3;
			for (size_t i = 0; i < sizeof type_words / sizeof type_words[0]; i++) {
				int d = strata__edit_distance(tn, type_words[i].name, 2);
				if (d < bd)
					bd = d, best = type_words[i].name;
			}
			if (best)
				return perr(p, c->type_pos.line, c->type_pos.column, "unknown type '%s'; did you mean '%s'?", tn, best);
			return perr(p, c->type_pos.line, c->type_pos.column, "unknown type '%s'", tn);
		} else if (is_punct(p, '(')) {
			return perr(p, p->tok.line, p->tok.col, "type '%s' takes no arguments", tn);
		}
	}
	if (is_punct(p, '[')) {
		if ((rc = next(p)) || (rc = expect_punct(p, ']')))
			return rc;
		if (c->type.kind == STRATA_T_SERIAL)
			return perr(p, c->type_pos.line, c->type_pos.column, "serial cannot be an array");
		c->type.array = true;
		if (is_punct(p, '['))
			return perr(p, p->tok.line, p->tok.col, "arrays of arrays are not supported");
	}
	return STRATA_OK;
}

static int fk_action(parser *p, strata_fk_action *out)
{
	int rc;
	if (is_word(p, "cascade")) {
		*out = STRATA_FK_CASCADE;
	} else if (is_word(p, "restrict")) {
		*out = STRATA_FK_RESTRICT;
	} else if (is_word(p, "set")) {
		if ((rc = next(p)))
			return rc;
		if (is_word(p, "null"))
			*out = STRATA_FK_SET_NULL;
		else if (is_word(p, "default"))
			*out = STRATA_FK_SET_DEFAULT;
		else
			return expected(p, "'null' or 'default' after 'set'");
	} else if (is_word(p, "no")) {
		if ((rc = next(p)))
			return rc;
		if (!is_word(p, "action"))
			return expected(p, "'action' after 'no'");
		*out = STRATA_FK_NO_ACTION;
	} else {
		return expected(p, "cascade, set null, set default, restrict or no action");
	}
	return next(p);
}

/* on delete X / on update X, `as`, `backref`: shared by columns and table keys. */
static int fk_option(parser *p, strata_fkey *f, bool *handled)
{
	int rc;
	*handled = true;
	if (is_word(p, "on")) {
		if ((rc = next(p)))
			return rc;
		if (is_word(p, "delete")) {
			if ((rc = next(p)))
				return rc;
			return fk_action(p, &f->on_delete);
		}
		if (is_word(p, "update")) {
			if ((rc = next(p)))
				return rc;
			return fk_action(p, &f->on_update);
		}
		return expected(p, "'delete' or 'update' after 'on'");
	}
	if (is_word(p, "as")) {
		if ((rc = next(p)))
			return rc;
		return name(p, "a relationship name after 'as'", &f->as, NULL);
	}
	if (is_word(p, "backref")) {
		if ((rc = next(p)))
			return rc;
		return name(p, "a relationship name after 'backref'", &f->backref, NULL);
	}
	*handled = false;
	return STRATA_OK;
}

static int parse_default(parser *p, strata_column *c)
{
	int rc;
	c->default_pos.line = p->tok.line;
	c->default_pos.column = p->tok.col;
	strata_default *d = &c->dflt;
	if (is_punct(p, '-')) {
		if ((rc = next(p)))
			return rc;
		if (p->tok.kind != T_INT && p->tok.kind != T_NUM)
			return expected(p, "a number after '-'");
		d->kind = p->tok.kind == T_INT ? STRATA_DEFAULT_INT : STRATA_DEFAULT_NUMBER;
		if (!(d->text = strata__sprintf(p->s, "-%.*s", (int)p->tok.n, p->tok.p)))
			return STRATA_ENOMEM;
		return next(p);
	}
	switch (p->tok.kind) {
	case T_INT:
	case T_NUM:
		d->kind = p->tok.kind == T_INT ? STRATA_DEFAULT_INT : STRATA_DEFAULT_NUMBER;
		if (!(d->text = strata__sndup(p->s, p->tok.p, p->tok.n)))
			return STRATA_ENOMEM;
		return next(p);
	case T_STRING:
		d->kind = STRATA_DEFAULT_STRING;
		if (!(d->text = unquote(p, &p->tok)))
			return STRATA_ENOMEM;
		return next(p);
	case T_QIDENT:
		d->kind = STRATA_DEFAULT_ENUM;
		if (!(d->text = unquote(p, &p->tok)))
			return STRATA_ENOMEM;
		return next(p);
	case T_IDENT:
		break;
	default:
		return expected(p, "a default value");
	}
	if (is_word(p, "true") || is_word(p, "false")) {
		d->kind = STRATA_DEFAULT_BOOL;
		d->text = is_word(p, "true") ? "true" : "false";
	} else if (is_word(p, "null")) {
		d->kind = STRATA_DEFAULT_NULL;
	} else if (is_word(p, "now")) {
		d->kind = STRATA_DEFAULT_NOW;
	} else if (is_word(p, "uuid") || is_word(p, "uuid_v7")) {
		d->kind = STRATA_DEFAULT_UUID_V7;
	} else if (is_word(p, "uuid_v4")) {
		d->kind = STRATA_DEFAULT_UUID_V4;
	} else if (is_word(p, "sql")) {
		if ((rc = next(p)) || (rc = expect_punct(p, '(')))
			return rc;
		if (p->tok.kind != T_STRING)
			return expected(p, "an SQL expression as a string, sql('...')");
		d->kind = STRATA_DEFAULT_RAW;
		if (!(d->text = unquote(p, &p->tok)))
			return STRATA_ENOMEM;
		if (!*d->text)
			return perr(p, p->tok.line, p->tok.col, "empty SQL expression");
		if ((rc = next(p)))
			return rc;
		return expect_punct(p, ')');
	} else {
		d->kind = STRATA_DEFAULT_ENUM;
		if (!(d->text = strata__sndup(p->s, p->tok.p, p->tok.n)))
			return STRATA_ENOMEM;
	}
	return next(p);
}

static const char *const column_options[] = {
	"not", "null", "unique", "primary", "default", "check", "owner", "auto_update",
	"renamed_from", "references", "on", "as", "backref",
};

static int unknown_option(parser *p)
{
	char found[64];
	describe(&p->tok, found, sizeof found);
	if (p->tok.kind == T_IDENT) {
		char w[64];
		snprintf(w, sizeof w, "%.*s", (int)(p->tok.n > 60 ? 60 : p->tok.n), p->tok.p);
		const char *best = NULL;
		int bd = 3;
		for (size_t i = 0; i < sizeof column_options / sizeof column_options[0]; i++) {
			int d = strata__edit_distance(w, column_options[i], 2);
			if (d < bd && strlen(w) > 2)
				bd = d, best = column_options[i];
		}
		if (best)
			return perr(p, p->tok.line, p->tok.col, "unknown column option '%s'; did you mean '%s'?", w, best);
		return perr(p, p->tok.line, p->tok.col, "unknown column option '%s'", w);
	}
	return perr(p, p->tok.line, p->tok.col, "expected a column option or end of line, found %s", found);
}

/* A column line: name type options... */
static int parse_column(parser *p, strata_table *t, strata_column *c)
{
	int rc, fk = -1;
	if ((rc = parse_type(p, t, c, &fk)))
		return rc;
	while (p->tok.kind != T_NL && !is_punct(p, ';') && !is_punct(p, '}') && p->tok.kind != T_EOF) {
		int line = p->tok.line, col = p->tok.col;
		if (fk >= 0) {
			bool handled;
			if ((rc = fk_option(p, &t->fkeys[fk], &handled)))
				return rc;
			if (handled)
				continue;
		}
		if (is_word(p, "not")) {
			if ((rc = next(p)) || (rc = expect_word(p, "null")))
				return rc;
			c->not_null = true;
		} else if (is_word(p, "null")) {
			c->not_null = false;
			rc = next(p);
		} else if (is_word(p, "unique")) {
			c->unique = true;
			rc = next(p);
		} else if (is_word(p, "primary")) {
			if ((rc = next(p)) || (rc = expect_word(p, "key")))
				return rc;
			c->primary_key = true;
		} else if (is_word(p, "default")) {
			if (c->dflt.kind != STRATA_DEFAULT_NONE)
				return perr(p, line, col, "column '%s' has two defaults", c->name);
			if ((rc = next(p)) || (rc = parse_default(p, c)))
				return rc;
		} else if (is_word(p, "check")) {
			if (c->check)
				return perr(p, line, col, "column '%s' has two checks; join them with 'and'", c->name);
			if ((rc = next(p)))
				return rc;
			if (!is_punct(p, '('))
				return expected(p, "'(' after 'check'");
			rc = raw_parens(p, &c->check);
		} else if (is_word(p, "owner")) {
			c->owner = true;
			rc = next(p);
		} else if (is_word(p, "auto_update")) {
			c->auto_update = true;
			rc = next(p);
		} else if (is_word(p, "renamed_from")) {
			if ((rc = next(p)))
				return rc;
			rc = name(p, "the old column name", &c->renamed_from, NULL);
		} else if (is_word(p, "references")) {
			if (fk >= 0)
				return perr(p, line, col, "column '%s' already references a table", c->name);
			if ((rc = next(p)))
				return rc;
			strata_fkey *f = strata__push(p->s, &t->fkeys, &t->nfkeys, sizeof *f);
			if (!f)
				return STRATA_ENOMEM;
			f->pos = c->pos;
			fk = t->nfkeys - 1;
			if ((rc = name(p, "a table name after 'references'", &f->ref_table, &f->ref_pos)) ||
			    strata__push_str(p->s, &f->columns, &f->ncolumns, c->name))
				return rc ? rc : STRATA_ENOMEM;
			if (is_punct(p, '('))
				rc = name_list(p, &f->ref_columns, &f->nref_columns, NULL);
		} else if (is_word(p, "on") || is_word(p, "as") || is_word(p, "backref")) {
			return perr(p, line, col, "'%.*s' needs a foreign key: write 'ref table' as the type",
				    (int)p->tok.n, p->tok.p);
		} else {
			return unknown_option(p);
		}
		if (rc)
			return rc;
	}
	return end_clause(p);
}

/* index [name] (cols) [where ...]; `unique` was consumed when `unique` is true. */
static int parse_index(parser *p, strata_table *t, bool unique, strata_srcpos pos)
{
	int rc;
	strata_index *x = strata__push(p->s, &t->indexes, &t->nindexes, sizeof *x);
	if (!x)
		return STRATA_ENOMEM;
	x->unique = unique;
	x->pos = pos;
	if (!is_punct(p, '(')) {
		if ((rc = name(p, "an index name or '('", &x->name, NULL)))
			return rc;
		x->named = true;
	}
	strata_srcpos *cp = NULL;
	if ((rc = name_list(p, &x->columns, &x->ncolumns, &cp)))
		return rc;
	x->column_pos = cp;
	if (is_word(p, "where")) {
		if ((rc = raw_line(p, &x->where)))
			return rc;
		return STRATA_OK; /* raw_line stopped at the newline and read it */
	}
	return end_clause(p);
}

static int add_use(parser *p, strata_column **cols, int *ncols, const char ***uses, int *nuses)
{
	int rc;
	if ((rc = next(p)))
		return rc;
	for (;;) {
		strata_column *c = strata__push(p->s, cols, ncols, sizeof *c);
		if (!c)
			return STRATA_ENOMEM;
		c->pos.line = p->tok.line;
		c->pos.column = p->tok.col;
		if ((rc = name(p, "a mixin name", &c->mixin, NULL)))
			return rc;
		if (uses && strata__push_str(p->s, uses, nuses, c->mixin))
			return STRATA_ENOMEM;
		if (!is_punct(p, ','))
			break;
		if ((rc = next(p)))
			return rc;
	}
	return end_clause(p);
}

static int parse_table_body(parser *p, strata_table *t)
{
	int rc;
	if ((rc = expect_punct(p, '{')))
		return rc;
	for (;;) {
		if ((rc = skip_newlines(p)))
			return rc;
		if (is_punct(p, '}'))
			return next(p);
		if (p->tok.kind == T_EOF)
			return perr(p, p->tok.line, p->tok.col, "missing '}' at the end of table '%s'", t->name);
		strata_srcpos pos = { p->tok.line, p->tok.col };
		if (p->tok.kind == T_IDENT && is_word(p, "use")) {
			rc = add_use(p, &t->columns, &t->ncolumns, NULL, NULL);
		} else if (is_word(p, "skip")) {
			if ((rc = next(p)))
				return rc;
			for (;;) {
				const char *m;
				if ((rc = name(p, "a mixin name", &m, NULL)))
					return rc;
				char *neg = strata__sprintf(p->s, "-%s", m);
				if (!neg || strata__push_str(p->s, &t->mixins, &t->nmixins, neg))
					return STRATA_ENOMEM;
				if (!is_punct(p, ','))
					break;
				if ((rc = next(p)))
					return rc;
			}
			rc = end_clause(p);
		} else if (is_word(p, "unscoped")) {
			/* unscoped NAME[, NAME]: the generator writes T_NAME_get/list/count without the owner */
			if ((rc = next(p)))
				return rc;
			for (;;) {
				const char *u;
				strata_srcpos upos;
				if ((rc = name(p, "a name for the unscoped variant", &u, &upos)))
					return rc;
				for (int k = 0; k < t->nunscoped; k++)
					if (strcmp(t->unscoped[k], u) == 0)
						return perr(p, upos.line, upos.column, "table '%s' names the unscoped variant '%s' twice",
							    t->name, u);
				if (strata__push_str(p->s, &t->unscoped, &t->nunscoped, u))
					return STRATA_ENOMEM;
				if (!is_punct(p, ','))
					break;
				if ((rc = next(p)))
					return rc;
			}
			rc = end_clause(p);
		} else if (is_word(p, "renamed_from")) {
			if (t->renamed_from)
				return perr(p, pos.line, pos.column, "table '%s' has two renamed_from hints", t->name);
			if ((rc = next(p)) || (rc = name(p, "the old table name", &t->renamed_from, NULL)))
				return rc;
			rc = end_clause(p);
		} else if (is_word(p, "primary")) {
			if ((rc = next(p)) || (rc = expect_word(p, "key")))
				return rc;
			if (t->npkey)
				return perr(p, pos.line, pos.column, "table '%s' has two primary keys", t->name);
			t->pkey_pos = pos;
			if ((rc = name_list(p, &t->pkey, &t->npkey, NULL)))
				return rc;
			rc = end_clause(p);
		} else if (is_word(p, "index")) {
			if ((rc = next(p)))
				return rc;
			rc = parse_index(p, t, false, pos);
		} else if (is_word(p, "unique")) {
			if ((rc = next(p)))
				return rc;
			if (is_word(p, "index")) {
				if ((rc = next(p)))
					return rc;
				rc = parse_index(p, t, true, pos);
			} else {
				strata_unique *u = strata__push(p->s, &t->uniques, &t->nuniques, sizeof *u);
				if (!u)
					return STRATA_ENOMEM;
				u->pos = pos;
				if (!is_punct(p, '(') && (rc = name(p, "a constraint name or '('", &u->name, NULL)))
					return rc;
				strata_srcpos *cp = NULL;
				if ((rc = name_list(p, &u->columns, &u->ncolumns, &cp)))
					return rc;
				u->column_pos = cp;
				rc = end_clause(p);
			}
		} else if (is_word(p, "check")) {
			if ((rc = next(p)))
				return rc;
			strata_check *c = strata__push(p->s, &t->checks, &t->nchecks, sizeof *c);
			if (!c)
				return STRATA_ENOMEM;
			c->pos = pos;
			if (!is_punct(p, '(') && (rc = name(p, "a constraint name or '('", &c->name, NULL)))
				return rc;
			if (!is_punct(p, '('))
				return expected(p, "'(' after 'check'");
			if ((rc = raw_parens(p, &c->expr)))
				return rc;
			rc = end_clause(p);
		} else if (is_word(p, "foreign")) {
			if ((rc = next(p)) || (rc = expect_word(p, "key")))
				return rc;
			strata_fkey *f = strata__push(p->s, &t->fkeys, &t->nfkeys, sizeof *f);
			if (!f)
				return STRATA_ENOMEM;
			f->pos = pos;
			if (!is_punct(p, '(') && (rc = name(p, "a constraint name or '('", &f->name, NULL)))
				return rc;
			if ((rc = name_list(p, &f->columns, &f->ncolumns, NULL)) ||
			    (rc = expect_word(p, "references")))
				return rc;
			if ((rc = name(p, "a table name", &f->ref_table, &f->ref_pos)))
				return rc;
			if (is_punct(p, '(') && (rc = name_list(p, &f->ref_columns, &f->nref_columns, NULL)))
				return rc;
			int fi = t->nfkeys - 1;
			for (;;) {
				bool handled;
				if ((rc = fk_option(p, &t->fkeys[fi], &handled)))
					return rc;
				if (!handled)
					break;
			}
			rc = end_clause(p);
		} else {
			strata_column *c = strata__push(p->s, &t->columns, &t->ncolumns, sizeof *c);
			if (!c)
				return STRATA_ENOMEM;
			if ((rc = name(p, "a column name", &c->name, &c->pos)))
				return rc;
			int ci = t->ncolumns - 1;
			rc = parse_column(p, t, &t->columns[ci]);
		}
		if (rc)
			return rc;
	}
}

static int parse_enum(parser *p)
{
	int rc;
	strata_enum *e = strata__push(p->s, &p->s->enums, &p->s->nenums, sizeof *e);
	if (!e)
		return STRATA_ENOMEM;
	e->pos.line = p->tok.line;
	e->pos.column = p->tok.col;
	if ((rc = next(p)) || (rc = name(p, "an enum name", &e->name, NULL)))
		return rc;
	if ((rc = expect_punct(p, '{')))
		return rc;
	for (;;) {
		while (p->tok.kind == T_NL || is_punct(p, ','))
			if ((rc = next(p)))
				return rc;
		if (is_punct(p, '}'))
			break;
		const char *v;
		int line = p->tok.line, col = p->tok.col;
		if (p->tok.kind == T_STRING) {
			if (!(v = unquote(p, &p->tok)))
				return STRATA_ENOMEM;
			if ((rc = next(p)))
				return rc;
		} else if ((rc = name(p, "an enum value or '}'", &v, NULL))) {
			return rc;
		}
		if (!*v)
			return perr(p, line, col, "empty enum value");
		if (strlen(v) > MAX_NAME)
			return perr(p, line, col, "enum value '%.20s...' is longer than %d bytes", v, MAX_NAME);
		for (int i = 0; i < e->nvalues; i++)
			if (strcmp(e->values[i], v) == 0)
				return perr(p, line, col, "duplicate value '%s' in enum '%s'", v, e->name);
		const char **slot = strata__push(p->s, &e->values, &e->nvalues, sizeof *slot);
		if (!slot)
			return STRATA_ENOMEM;
		*slot = v;
	}
	if (e->nvalues == 0)
		return perr(p, e->pos.line, e->pos.column, "enum '%s' has no values", e->name);
	return next(p);
}

static int parse_mixin(parser *p)
{
	int rc;
	strata_mixin *m = strata__push(p->s, &p->s->mixins, &p->s->nmixins, sizeof *m);
	if (!m)
		return STRATA_ENOMEM;
	m->builtin = p->builtin;
	m->pos.line = p->tok.line;
	m->pos.column = p->tok.col;
	if ((rc = next(p)) || (rc = name(p, "a mixin name", &m->name, NULL)) || (rc = expect_punct(p, '{')))
		return rc;
	/* Parse the body as a table's, then keep what a mixin may hold. */
	strata_table t;
	memset(&t, 0, sizeof t);
	t.name = m->name;
	for (;;) {
		if ((rc = skip_newlines(p)))
			return rc;
		if (is_punct(p, '}'))
			break;
		if (p->tok.kind == T_EOF)
			return perr(p, p->tok.line, p->tok.col, "missing '}' at the end of mixin '%s'", m->name);
		if (is_word(p, "use")) {
			rc = add_use(p, &t.columns, &t.ncolumns, &m->uses, &m->nuses);
		} else if (is_word(p, "index") || is_word(p, "unique") || is_word(p, "primary") ||
			   is_word(p, "check") || is_word(p, "foreign") || is_word(p, "skip") ||
			   is_word(p, "renamed_from") || is_word(p, "unscoped")) {
			return perr(p, p->tok.line, p->tok.col, "a mixin holds only columns and 'use' lines");
		} else {
			strata_column *c = strata__push(p->s, &t.columns, &t.ncolumns, sizeof *c);
			if (!c)
				return STRATA_ENOMEM;
			if ((rc = name(p, "a column name", &c->name, &c->pos)))
				return rc;
			c->mixin = m->name;
			rc = parse_column(p, &t, &t.columns[t.ncolumns - 1]);
		}
		if (rc)
			return rc;
	}
	m->columns = t.columns;
	m->ncolumns = t.ncolumns;
	m->fkeys = t.fkeys;
	m->nfkeys = t.nfkeys;
	return next(p);
}

int strata__schema_parse_into(strata_schema *s, const char *text, size_t len, const char *file,
			      bool builtin, strata__parse_extra *extra)
{
	parser p;
	int rc;
	memset(&p, 0, sizeof p);
	p.s = s;
	p.src = text ? text : "";
	p.len = text ? len : 0;
	p.line = p.col = 1;
	p.file = file;
	p.builtin = builtin;
	p.extra = extra;
	/* Text holds no NUL bytes: names, strings and SQL are C strings in the model. */
	const char *nul = p.len ? memchr(p.src, '\0', p.len) : NULL;
	if (nul) {
		int line = 1, col = 1;
		for (const char *c = p.src; c < nul; c++) {
			if (*c == '\n')
				line++, col = 1;
			else
				col++;
		}
		return perr(&p, line, col, "unexpected byte 0x00");
	}
	if ((rc = next(&p)))
		return rc;
	for (;;) {
		if ((rc = skip_newlines(&p)))
			return rc;
		if (p.tok.kind == T_EOF)
			return STRATA_OK;
		if (is_word(&p, "table")) {
			strata_table *t = strata__push(s, &s->tables, &s->ntables, sizeof *t);
			if (!t)
				return STRATA_ENOMEM;
			t->pos.line = p.tok.line;
			t->pos.column = p.tok.col;
			if ((rc = next(&p)) || (rc = name(&p, "a table name", &t->name, NULL)))
				return rc;
			if (is_word(&p, "renamed_from")) {
				if ((rc = next(&p)) || (rc = name(&p, "the old table name", &t->renamed_from, NULL)))
					return rc;
			}
			rc = parse_table_body(&p, &s->tables[s->ntables - 1]);
		} else if (is_word(&p, "enum")) {
			rc = parse_enum(&p);
		} else if (is_word(&p, "mixin")) {
			rc = parse_mixin(&p);
		} else if (is_word(&p, "use")) {
			if ((rc = next(&p)))
				return rc;
			for (;;) {
				strata_srcpos at;
				const char *m;
				if ((rc = name(&p, "a mixin name", &m, &at)))
					return rc;
				if (strata__push_str(s, &s->default_mixins, &s->ndefault_mixins, m))
					return STRATA_ENOMEM;
				strata_srcpos *ps = strata__push(s, &extra->default_pos, &extra->ndefault_pos,
								 sizeof *ps);
				if (!ps)
					return STRATA_ENOMEM;
				*ps = at;
				if (!is_punct(&p, ','))
					break;
				if ((rc = next(&p)))
					return rc;
			}
			rc = end_clause(&p);
		} else {
			char found[64];
			describe(&p.tok, found, sizeof found);
			if (p.tok.kind == T_IDENT && p.tok.n < 32) {
				static const char *const tops[] = { "table", "enum", "mixin" };
				char w[32];
				snprintf(w, sizeof w, "%.*s", (int)p.tok.n, p.tok.p);
				for (size_t i = 0; i < 3; i++)
					if (p.tok.n > 2 && strata__edit_distance(w, tops[i], 2) <= 2)
						return perr(&p, p.tok.line, p.tok.col, "expected 'table', 'enum', 'mixin' or 'use', found %s; did you mean '%s'?", found, tops[i]);
			}
			return perr(&p, p.tok.line, p.tok.col, "expected 'table', 'enum', 'mixin' or 'use', found %s", found);
		}
		if (rc)
			return rc;
	}
}

static const char builtin_mixins[] =
	"mixin timestamps {\n"
	"    created_at timestamp not null default now\n"
	"    updated_at timestamp not null default now auto_update\n"
	"}\n"
	"mixin soft_delete {\n"
	"    deleted_at timestamp\n"
	"}\n"
	"mixin audit {\n"
	"    created_by_id ref users on delete set null\n"
	"    updated_by_id ref users on delete set null\n"
	"}\n";

int strata_schema_parse(strata_schema **out, const char *text, size_t len, const char *file)
{
	strata_schema *s = NULL;
	strata__parse_extra extra = { NULL, 0 };
	int rc;
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_schema_parse: out is NULL");
	*out = NULL;
	if (!text && len)
		return strata__error_set(STRATA_EINVAL, "strata_schema_parse: text is NULL");
	if ((rc = strata__schema_new(&s, file ? file : "<schema>")))
		return rc;
	if ((rc = strata__schema_parse_into(s, text, len, s->file, false, &extra)))
		goto fail;
	/* Built-in mixins the file did not define itself. */
	int nuser = s->nmixins;
	strata_schema *b = NULL;
	strata__parse_extra bextra = { NULL, 0 };
	if ((rc = strata__schema_new(&b, "<builtin>")))
		goto fail;
	rc = strata__schema_parse_into(b, builtin_mixins, sizeof builtin_mixins - 1, "<builtin>", true, &bextra);
	for (int i = 0; rc == STRATA_OK && i < b->nmixins; i++) {
		bool defined = false;
		for (int j = 0; j < nuser; j++)
			if (strcmp(s->mixins[j].name, b->mixins[i].name) == 0)
				defined = true;
		if (defined)
			continue;
		strata_mixin *m = strata__push(s, &s->mixins, &s->nmixins, sizeof *m);
		if (!m) {
			rc = STRATA_ENOMEM;
			break;
		}
		const strata_mixin *src = &b->mixins[i];
		m->builtin = true;
		m->pos = src->pos;
		if (!(m->name = strata__sdup(s, src->name))) {
			rc = STRATA_ENOMEM;
			break;
		}
		for (int k = 0; rc == STRATA_OK && k < src->ncolumns; k++) {
			strata_column *c = strata__push(s, &m->columns, &m->ncolumns, sizeof *c);
			if (!c || strata__copy_column(s, c, &src->columns[k]))
				rc = STRATA_ENOMEM;
		}
		for (int k = 0; rc == STRATA_OK && k < src->nfkeys; k++) {
			strata_fkey *f = strata__push(s, &m->fkeys, &m->nfkeys, sizeof *f);
			if (!f || strata__copy_fkey(s, f, &src->fkeys[k]))
				rc = STRATA_ENOMEM;
		}
	}
	strata_schema_free(b);
	if (rc)
		goto fail;
	if ((rc = strata__schema_resolve(s, &extra)))
		goto fail;
	*out = s;
	return STRATA_OK;
fail:
	strata_schema_free(s);
	return rc;
}

int strata_schema_load(strata_schema **out, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int rc;
	if (!out || !path)
		return strata__error_set(STRATA_EINVAL, "strata_schema_load: NULL argument");
	*out = NULL;
	if ((rc = strata__read_file(path, &text, &len)))
		return rc;
	rc = strata_schema_parse(out, text, len, path);
	free(text);
	return rc;
}

bool strata__schema_reserved(const char *nm)
{
	static const char *const words[] = {
		"table", "enum", "mixin", "use", "skip", "index", "unique", "primary", "foreign",
		"check", "renamed_from", "ref", "sql", "not", "null", "default", "owner", "auto_update",
		"references", "on", "as", "backref", "where", "key", "true", "false", "now", "uuid",
		"uuid_v4", "uuid_v7", "cascade", "restrict", "set", "no", "action", "unscoped",
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(nm, words[i]) == 0)
			return true;
	if (!is_ident_start((unsigned char)nm[0]))
		return true;
	for (const char *c = nm; *c; c++)
		if (!is_ident((unsigned char)*c))
			return true;
	return false;
}
