/*
 * Dialect-aware splitting of SQL scripts into statements, and a small
 * keyword scanner over one statement.  Pure: text in, offsets out; no
 * connection, no global state.  A fuzz target.
 *
 * Semicolons do not split inside string literals ('...', E'...' with
 * backslash escapes on PostgreSQL), quoted identifiers ("...", and `...`,
 * [...] on SQLite), comments (-- and block comments, nested on
 * PostgreSQL), dollar-quoted bodies ($$...$$, $tag$...$tag$ on
 * PostgreSQL), the body of a SQLite CREATE TRIGGER (BEGIN ... END, with
 * CASE ... END inside it) and a PostgreSQL BEGIN ATOMIC ... END function
 * body.
 */
#ifndef STRATA_SQL_SPLIT_H
#define STRATA_SQL_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include <strata/common.h>
#include <strata/dialect.h>

/* One statement: text[offset, offset+len) without its terminating ';'. */
typedef struct strata__sql_piece {
	size_t offset; /* of the statement's first token (leading comments skipped) */
	size_t len;    /* up to, not including, the ';' (trailing blanks trimmed) */
	int line;      /* 1-based line of the first token, counted from the text's start */
} strata__sql_piece;

/*
 * Split `text` (len bytes, may contain NULs, need not be terminated) into
 * statements.  Empty statements and statements that are only comments are
 * left out.  *out is a new array (free()) of *n pieces; NULL when *n is 0.
 * An unterminated string, identifier, comment or dollar quote ends the
 * text: the last piece runs to the end.  Returns STRATA_OK or
 * STRATA_ENOMEM.
 */
int strata__sql_split(const char *text, size_t len, strata_backend dialect, strata__sql_piece **out, size_t *n);

/*
 * The keywords and punctuation of one statement, in order, with strings,
 * identifiers, comments and dollar bodies skipped: call with *pos = 0,
 * then again while it returns true.  A word (keyword or bare identifier)
 * comes back in `word` upper-cased and NUL-terminated (truncated to cap-1);
 * anything else comes back as a single punctuation character, or "" for a
 * skipped literal or quoted name.
 */
bool strata__sql_next_word(const char *text, size_t len, strata_backend dialect, size_t *pos, char *word, size_t cap);

/*
 * Does this statement destroy data?  DROP TABLE / SCHEMA / DATABASE,
 * ALTER TABLE ... DROP [COLUMN], ALTER ... ALTER [COLUMN] ... TYPE (or SET
 * DATA TYPE), TRUNCATE, DELETE or UPDATE without WHERE.  When it does,
 * `why` (cap bytes) receives a short description ("DROP TABLE").
 */
bool strata__sql_is_destructive(const char *text, size_t len, strata_backend dialect, char *why, size_t cap);

#endif
