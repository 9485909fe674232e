/*
 * The schema language's tokens, shared by lexer.c (which makes them),
 * parse.c (the top level of a file) and parse_table.c (table bodies).
 *
 * The current token is p->tok; strata__lex_next() reads the next one.
 * Every function returning int returns STRATA_OK or a status with the
 * error set at the file:line:col it concerns (STRATA_EPARSE, STRATA_ENOMEM).
 */
#ifndef STRATA_SCHEMA_LEXER_H
#define STRATA_SCHEMA_LEXER_H

#include "schema/parse.h"

typedef enum strata__tkind {
	STRATA__TOK_EOF,
	STRATA__TOK_NL,
	STRATA__TOK_IDENT,
	STRATA__TOK_QIDENT, /* "quoted name" */
	STRATA__TOK_STRING, /* 'string' */
	STRATA__TOK_INT,
	STRATA__TOK_NUM,
	STRATA__TOK_PUNCT, /* one of {}()[],.;- */
	STRATA__TOK_DOLLAR /* $tag$ ... $tag$ */
} strata__tkind;

typedef struct strata__token {
	strata__tkind kind;
	const char *p; /* into the source */
	size_t n;
	int line, col;
	size_t tag; /* STRATA__TOK_DOLLAR: the length of $tag$ */
} strata__token;

typedef struct strata__parser {
	strata_schema *s;
	const char *src;
	size_t len, pos;
	int line, col;
	int depth; /* parentheses: newlines inside are not tokens */
	strata__token tok;
	const char *file;
	bool builtin;
	strata__parse_extra *extra;
} strata__parser;

/* PostgreSQL's limit on names, in bytes. */
#define STRATA__MAX_NAME 63

/* Set a parse error at line:col of the file being read; returns STRATA_EPARSE. */
int strata__parse_error(strata__parser *p, int line, int col, const char *fmt, ...) STRATA_PRINTF(4, 5);

/* ---- tokens (lexer.c) ---- */

/* Read the next token into p->tok, skipping blanks and comments. */
int strata__lex_next(strata__parser *p);
bool strata__lex_punct(const strata__parser *p, char c);
bool strata__lex_word(const strata__parser *p, const char *w);
bool strata__lex_ident_start(int c);
/* The current token is a '...' or $$...$$ string. */
bool strata__lex_string(const strata__parser *p);
bool strata__lex_ident_char(int c);
/* A token for "found ..." in messages. */
void strata__lex_describe(const strata__token *t, char *buf, size_t cap);
/* Unquote a '...' or "..." token into the model's arena; NULL when out of memory. */
char *strata__lex_unquote(strata__parser *p, const strata__token *t);
/* The current token is '(': the SQL up to the matching ')', trimmed; continues after it. */
int strata__lex_raw_parens(strata__parser *p, const char **out);
/* The SQL to the end of the line (quotes respected, `//` ends it); continues after the newline. */
int strata__lex_raw_line(strata__parser *p, const char **out);

/* The next character after the current token (blanks skipped, not newlines), or -1. */
int strata__lex_peek(const strata__parser *p);
/*
 * SQL from the start of the current token up to a top-level '{', the end
 * of the line or the word `stop_word` (may be NULL), outside quotes and
 * parentheses; trimmed.  Continues with the token that stopped it.
 */
int strata__lex_raw_clause(strata__parser *p, const char *stop_word, const char **out);

/* ---- token-level primitives (lexer.c) ---- */

/* "expected WHAT, found ..." at the current token. */
int strata__parse_expected(strata__parser *p, const char *what);
int strata__parse_expect_punct(strata__parser *p, char c);
int strata__parse_expect_word(strata__parser *p, const char *w);
/* A name: an identifier or a "quoted name" (not empty, at most 63 bytes); pos may be NULL. */
int strata__parse_name(strata__parser *p, const char *what, const char **out, strata_srcpos *pos);
/* ( a, b, c ): appended to *names; the positions to *pos when pos is not NULL. */
int strata__parse_name_list(strata__parser *p, const char ***names, int *n, strata_srcpos **pos);
int strata__parse_int(strata__parser *p, int *out, int min, int max, const char *what);
/* End of a clause: newline, `;`, or (left in place) `}` / end of file. */
int strata__parse_end_clause(strata__parser *p);
int strata__parse_skip_newlines(strata__parser *p);
/* sql('...') or sql($$...$$): the SQL, trimmed, into the arena (`what` names it in errors). */
int strata__parse_sql_text(strata__parser *p, const char *what, const char **out);

/* ---- other declarations (parse_objects.c) ---- */

/* view, materialized view, function, trigger, domain, extension, sequence (the current token says which). */
int strata__parse_object(strata__parser *p);

/* ---- table bodies (parse_table.c) ---- */

/* After a table's name: renamed_from, partition by / partition of, without rowid, strict. */
int strata__parse_table_head(strata__parser *p, strata_table *t);
/* `{ ... }` of a table. */
int strata__parse_table_body(strata__parser *p, strata_table *t);
/* A column line after its name: type and options, to the end of the clause. */
int strata__parse_column(strata__parser *p, strata_table *t, strata_column *c);
/* `use a, b`: marker columns (name NULL, mixin set); the names also to *uses when not NULL. */
int strata__parse_use(strata__parser *p, strata_column **cols, int *ncols, const char ***uses, int *nuses);

#endif
