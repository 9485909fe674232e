/*
 * Statement splitting and keyword scanning for SQLite and PostgreSQL
 * scripts.  One small lexer underneath both: it skips blanks and comments
 * and hands back a word, a literal (string, quoted identifier, dollar
 * body) or a punctuation character, so a semicolon is only ever seen
 * where it really ends a statement.
 */
#include "sql/split.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

typedef enum tok_kind {
	TOK_END,
	TOK_WORD,
	TOK_PUNCT,
	TOK_LITERAL
} tok_kind;

static bool is_word_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static bool is_word_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Skip a quoted run closed by `q`, where a doubled `q` is an escaped one. */
static size_t skip_quoted(const char *t, size_t len, size_t i, char q, bool backslash)
{
	i++; /* the opening quote */
	while (i < len) {
		if (backslash && t[i] == '\\' && i + 1 < len) {
			i += 2;
			continue;
		}
		if (t[i] == q) {
			if (i + 1 < len && t[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return len;
}

/* At '$': the length of a dollar-quote tag ("$tag$" or "$$"), or 0 when it is not one. */
static size_t dollar_tag(const char *t, size_t len, size_t i)
{
	size_t j = i + 1;
	if (j < len && t[j] == '$')
		return 2;
	if (j >= len || !(isalpha((unsigned char)t[j]) || t[j] == '_' || (unsigned char)t[j] >= 0x80))
		return 0;
	while (j < len && (isalnum((unsigned char)t[j]) || t[j] == '_' || (unsigned char)t[j] >= 0x80))
		j++;
	if (j < len && t[j] == '$')
		return j - i + 1;
	return 0;
}

/* Skip blanks and comments from *pos. */
static void skip_trivia(const char *t, size_t len, strata_backend d, size_t *pos)
{
	size_t i = *pos;
	for (;;) {
		while (i < len && (isspace((unsigned char)t[i]) || t[i] == '\0'))
			i++;
		if (i + 1 < len && t[i] == '-' && t[i + 1] == '-') {
			while (i < len && t[i] != '\n')
				i++;
			continue;
		}
		if (i + 1 < len && t[i] == '/' && t[i + 1] == '*') {
			int depth = 1;
			i += 2;
			while (i < len && depth > 0) {
				if (i + 1 < len && t[i] == '*' && t[i + 1] == '/') {
					depth--;
					i += 2;
				} else if (d == STRATA_BACKEND_POSTGRES && i + 1 < len && t[i] == '/' &&
					   t[i + 1] == '*') {
					depth++;
					i += 2;
				} else {
					i++;
				}
			}
			continue;
		}
		break;
	}
	*pos = i;
}

/* The next token after *pos: its kind and [*start, *pos). */
static tok_kind lex(const char *t, size_t len, strata_backend d, size_t *pos, size_t *start)
{
	skip_trivia(t, len, d, pos);
	size_t i = *pos;
	*start = i;
	if (i >= len)
		return TOK_END;
	unsigned char c = (unsigned char)t[i];
	if (c == '\'') {
		*pos = skip_quoted(t, len, i, '\'', false);
		return TOK_LITERAL;
	}
	if (c == '"') {
		*pos = skip_quoted(t, len, i, '"', false);
		return TOK_LITERAL;
	}
	if (d == STRATA_BACKEND_SQLITE && c == '`') {
		*pos = skip_quoted(t, len, i, '`', false);
		return TOK_LITERAL;
	}
	if (d == STRATA_BACKEND_SQLITE && c == '[') {
		const char *e = memchr(t + i, ']', len - i);
		*pos = e ? (size_t)(e - t) + 1 : len;
		return TOK_LITERAL;
	}
	if (d == STRATA_BACKEND_POSTGRES && c == '$') {
		size_t tl = dollar_tag(t, len, i);
		if (tl > 0) {
			size_t j = i + tl;
			while (j + tl <= len && memcmp(t + j, t + i, tl) != 0)
				j++;
			*pos = j + tl <= len ? j + tl : len;
			return TOK_LITERAL;
		}
	}
	if (is_word_start(c)) {
		/* E'...': a PostgreSQL string with backslash escapes */
		if (d == STRATA_BACKEND_POSTGRES && (c == 'E' || c == 'e') && i + 1 < len && t[i + 1] == '\'') {
			*pos = skip_quoted(t, len, i + 1, '\'', true);
			return TOK_LITERAL;
		}
		size_t j = i + 1;
		while (j < len && is_word_char((unsigned char)t[j]))
			j++;
		*pos = j;
		return TOK_WORD;
	}
	if (isdigit(c)) {
		size_t j = i + 1;
		while (j < len && (isalnum((unsigned char)t[j]) || t[j] == '.' || t[j] == '_'))
			j++;
		*pos = j;
		return TOK_LITERAL;
	}
	*pos = i + 1;
	return TOK_PUNCT;
}

static void upper_word(const char *t, size_t start, size_t end, char *w, size_t cap)
{
	size_t n = end - start;
	if (cap == 0)
		return;
	if (n >= cap)
		n = cap - 1;
	for (size_t k = 0; k < n; k++)
		w[k] = (char)toupper((unsigned char)t[start + k]);
	w[n] = '\0';
}

bool strata__sql_next_word(const char *text, size_t len, strata_backend dialect, size_t *pos, char *word, size_t cap)
{
	size_t start;
	tok_kind k = lex(text, len, dialect, pos, &start);
	if (cap == 0)
		return k != TOK_END;
	word[0] = '\0';
	switch (k) {
	case TOK_END: return false;
	case TOK_WORD: upper_word(text, start, *pos, word, cap); break;
	case TOK_PUNCT:
		if (cap > 1) {
			word[0] = text[start];
			word[1] = '\0';
		}
		break;
	case TOK_LITERAL: break;
	}
	return true;
}

/* Where the statement stands with respect to a BEGIN ... END body. */
typedef struct block_state {
	int nwords;	/* words seen in this statement */
	bool can_block; /* a CREATE TRIGGER (SQLite) or CREATE FUNCTION/PROCEDURE (PostgreSQL) */
	bool saw_begin; /* PostgreSQL: the previous word was BEGIN */
	int depth;	/* BEGIN/CASE ... END nesting inside the body */
	char first[3][16];
} block_state;

static void block_word(block_state *b, strata_backend d, const char *w)
{
	if (b->nwords < 3)
		memcpy(b->first[b->nwords], w, 16);
	b->nwords++;
	if (b->nwords <= 5 && !b->can_block && strcmp(b->first[0], "CREATE") == 0) {
		if (d == STRATA_BACKEND_SQLITE && strcmp(w, "TRIGGER") == 0)
			b->can_block = true;
		if (d == STRATA_BACKEND_POSTGRES && (strcmp(w, "FUNCTION") == 0 || strcmp(w, "PROCEDURE") == 0))
			b->can_block = true;
		return;
	}
	if (!b->can_block)
		return;
	if (d == STRATA_BACKEND_SQLITE) {
		if (strcmp(w, "BEGIN") == 0 || (b->depth > 0 && strcmp(w, "CASE") == 0))
			b->depth++;
		else if (b->depth > 0 && strcmp(w, "END") == 0)
			b->depth--;
		return;
	}
	/* PostgreSQL: BEGIN ATOMIC ... END */
	if (b->saw_begin && strcmp(w, "ATOMIC") == 0)
		b->depth++;
	else if (b->depth > 0 && strcmp(w, "CASE") == 0)
		b->depth++;
	else if (b->depth > 0 && strcmp(w, "END") == 0)
		b->depth--;
	b->saw_begin = strcmp(w, "BEGIN") == 0;
}

static int push_piece(strata__sql_piece **arr, size_t *n, size_t *cap, size_t off, size_t end, int line)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		strata__sql_piece *p = realloc(*arr, nc * sizeof *p);
		if (!p)
			return strata__error_nomem();
		*arr = p;
		*cap = nc;
	}
	(*arr)[*n].offset = off;
	(*arr)[*n].len = end - off;
	(*arr)[*n].line = line;
	(*n)++;
	return STRATA_OK;
}

int strata__sql_split(const char *text, size_t len, strata_backend dialect, strata__sql_piece **out, size_t *n)
{
	strata__sql_piece *arr = NULL;
	size_t count = 0, cap = 0;
	size_t pos = 0, start = 0;
	size_t line_pos = 0;
	int line = 1;
	bool in_stmt = false;
	size_t stmt_off = 0, last_end = 0;
	int stmt_line = 1;
	block_state b;
	int rc = STRATA_OK;

	memset(&b, 0, sizeof b);
	*out = NULL;
	*n = 0;
	for (;;) {
		tok_kind k = lex(text, len, dialect, &pos, &start);
		if (k == TOK_END)
			break;
		if (k == TOK_PUNCT && text[start] == ';' && b.depth == 0) {
			if (in_stmt) {
				rc = push_piece(&arr, &count, &cap, stmt_off, last_end, stmt_line);
				if (rc != STRATA_OK)
					goto fail;
			}
			in_stmt = false;
			memset(&b, 0, sizeof b);
			continue;
		}
		if (!in_stmt) {
			for (; line_pos < start; line_pos++)
				if (text[line_pos] == '\n')
					line++;
			in_stmt = true;
			stmt_off = start;
			stmt_line = line;
		}
		last_end = pos;
		if (k == TOK_WORD) {
			char w[16];
			upper_word(text, start, pos, w, sizeof w);
			block_word(&b, dialect, w);
		}
	}
	if (in_stmt) {
		rc = push_piece(&arr, &count, &cap, stmt_off, last_end, stmt_line);
		if (rc != STRATA_OK)
			goto fail;
	}
	*out = arr;
	*n = count;
	return STRATA_OK;
fail:
	free(arr);
	return rc;
}

bool strata__sql_is_destructive(const char *text, size_t len, strata_backend dialect, char *why, size_t cap)
{
	char w[32], prev[32] = "", first[32] = "";
	size_t pos = 0;
	int nwords = 0;
	bool alter_column = false, has_where = false;
	int paren = 0;
	const char *found = NULL;

	while (strata__sql_next_word(text, len, dialect, &pos, w, sizeof w)) {
		if (w[0] == '(')
			paren++;
		else if (w[0] == ')' && paren > 0)
			paren--;
		if (nwords == 0)
			memcpy(first, w, sizeof w);
		nwords++;
		if (strcmp(first, "DROP") == 0 && nwords == 2) {
			if (strcmp(w, "TABLE") == 0)
				found = "DROP TABLE";
			else if (strcmp(w, "SCHEMA") == 0)
				found = "DROP SCHEMA";
			else if (strcmp(w, "DATABASE") == 0)
				found = "DROP DATABASE";
		} else if (strcmp(first, "TRUNCATE") == 0 && nwords == 1) {
			found = "TRUNCATE";
		} else if (strcmp(first, "ALTER") == 0) {
			if (strcmp(w, "DROP") == 0 && paren == 0) {
				/* DROP COLUMN, or the short form DROP name; not DROP CONSTRAINT/DEFAULT/NOT NULL/INDEX
				 */
				size_t p2 = pos;
				char nx[32];
				if (strata__sql_next_word(text, len, dialect, &p2, nx, sizeof nx) &&
				    strcmp(nx, "CONSTRAINT") != 0 && strcmp(nx, "DEFAULT") != 0 &&
				    strcmp(nx, "NOT") != 0 && strcmp(nx, "IDENTITY") != 0 &&
				    strcmp(nx, "EXPRESSION") != 0 && strcmp(prev, "ALTER") != 0 &&
				    strcmp(prev, "COLUMN") != 0 && nwords > 3)
					found = "DROP COLUMN";
			}
			if (strcmp(w, "ALTER") == 0 && nwords > 1)
				alter_column = true;
			if (alter_column && strcmp(w, "TYPE") == 0)
				found = "ALTER COLUMN TYPE";
		} else if ((strcmp(first, "DELETE") == 0 || strcmp(first, "UPDATE") == 0) && strcmp(w, "WHERE") == 0 &&
			   paren == 0) {
			has_where = true;
		}
		if (found)
			break;
		memcpy(prev, w, sizeof w);
	}
	if (!found && !has_where && strcmp(first, "DELETE") == 0)
		found = "DELETE without WHERE";
	if (!found && !has_where && strcmp(first, "UPDATE") == 0)
		found = "UPDATE without WHERE";
	if (found && why && cap > 0) {
		size_t n = strlen(found);
		if (n >= cap)
			n = cap - 1;
		memcpy(why, found, n);
		why[n] = '\0';
	}
	return found != NULL;
}
