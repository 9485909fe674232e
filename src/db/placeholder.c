/*
 * Placeholder rewriting for PostgreSQL: `?` becomes $1, $2, ... outside of
 * string literals ('...', E'...' with backslash escapes), quoted
 * identifiers ("..."), comments (-- and nested block) and dollar-quoted
 * bodies ($$...$$, $tag$...$tag$).  `??` stands for a literal `?`, so the
 * jsonb operators stay writable.  A `$n` is set apart by a space from an
 * identifier or number touching it (`a=?AND` becomes `a=$1 AND`, never
 * `$1AND`), so the text tokenises as it did.  `$1` written by the caller is
 * refused on both backends (and so is SQLite's `?1`): SQL tested on SQLite
 * then runs on PostgreSQL.
 * Pure; a fuzz target.
 */
#include <ctype.h>
#include <string.h>

#include "core/error.h"
#include "db/internal.h"

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/*
 * Does the `$` at s[i] continue an identifier (`a$1`, `a$$`), as PostgreSQL
 * reads it?  Only an identifier takes a `$`: after a number (`1$1`) or a
 * closing dollar quote (`$$x$$$1`, whose end is `qend`) it starts a new
 * token.
 */
static bool in_word(const char *s, size_t i, size_t qend)
{
	size_t j = i;
	while (j > qend && (ident_char(s[j - 1]) || s[j - 1] == '$'))
		j--;
	return j < i && ident_char(s[j]) && !isdigit((unsigned char)s[j]);
}

/* Length of a dollar-quote tag ("$tag$") starting at s[i], or 0. */
static size_t dollar_tag(const char *s, size_t len, size_t i, size_t qend)
{
	if (s[i] != '$')
		return 0;
	/* $1 is a parameter, not a tag; a tag does not continue an identifier */
	if (in_word(s, i, qend))
		return 0;
	size_t j = i + 1;
	if (j < len && isdigit((unsigned char)s[j]))
		return 0;
	while (j < len && ident_char(s[j]) && s[j] != '$')
		j++;
	if (j < len && s[j] == '$')
		return j - i + 1;
	return 0;
}

/* Would a character here join the token of a `$n` next to it (an identifier, a number, `$`)? */
static bool joins(char c)
{
	return ident_char(c) || c == '$';
}

int strata__rewrite_placeholders(const char *s, size_t len, strata_buf *out, int *nparams)
{
	int n = 0;
	size_t i = 0, copied = 0;
	size_t qend = 0; /* where the last dollar-quoted body ended */
#define FLUSH(upto)                                                            \
	do {                                                                   \
		if (out && strata__buf_append(out, s + copied, (upto)-copied)) \
			return STRATA_ENOMEM;                                  \
		copied = (upto);                                               \
	} while (0)
	while (i < len) {
		char c = s[i];
		if (c == '\'') {
			/* E'...' only when the E starts a token: in `x$E'...'` it ends the identifier x$E */
			bool escapes =
				i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
				(i < 2 || (!ident_char(s[i - 2]) && !(s[i - 2] == '$' && in_word(s, i - 2, qend))));
			i++;
			while (i < len) {
				if (escapes && s[i] == '\\' && i + 1 < len) {
					i += 2;
				} else if (s[i] == '\'') {
					if (i + 1 < len && s[i + 1] == '\'') {
						i += 2;
					} else {
						i++;
						break;
					}
				} else {
					i++;
				}
			}
		} else if (c == '"') {
			i++;
			while (i < len) {
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						i += 2;
						continue;
					}
					i++;
					break;
				}
				i++;
			}
		} else if (c == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n' && s[i] != '\r') /* PostgreSQL ends it at either */
				i++;
		} else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			int depth = 1;
			i += 2;
			while (i < len && depth > 0) {
				if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (s[i] == '*' && i + 1 < len && s[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			}
		} else if (c == '$') {
			if (i + 1 < len && isdigit((unsigned char)s[i + 1]) && !in_word(s, i, qend))
				return strata__error_set(
					STRATA_EINVAL,
					"parameter $%c at character %zu: write parameters as ? on both "
					"backends (Strata numbers them for PostgreSQL)",
					s[i + 1], i + 1);
			size_t tl = dollar_tag(s, len, i, qend);
			if (tl == 0) {
				i++;
				continue;
			}
			size_t open = i, j = i + tl;
			i = len; /* unterminated: the rest is the body */
			for (; j + tl <= len; j++) {
				if (s[j] == '$' && memcmp(s + j, s + open, tl) == 0) {
					i = qend = j + tl;
					break;
				}
			}
		} else if (c == '?') {
			if (i + 1 < len && s[i + 1] == '?') {
				FLUSH(i + 1); /* keep one '?' */
				i += 2;
				copied = i;
				continue;
			}
			if (i + 1 < len && isdigit((unsigned char)s[i + 1]))
				return strata__error_set(STRATA_EINVAL,
							 "parameter ?%c at character %zu: numbered parameters are "
							 "SQLite's own; write ? (numbered in order) on both backends",
							 s[i + 1], i + 1);
			FLUSH(i);
			n++;
			if (out && strata__buf_printf(out, "%s$%d%s", i > 0 && joins(s[i - 1]) ? " " : "", n,
						      i + 1 < len && joins(s[i + 1]) ? " " : ""))
				return STRATA_ENOMEM;
			i++;
			copied = i;
		} else {
			i++;
		}
	}
	FLUSH(len);
#undef FLUSH
	*nparams = n;
	return STRATA_OK;
}
