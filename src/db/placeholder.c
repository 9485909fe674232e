/*
 * Placeholder rewriting for PostgreSQL: `?` becomes $1, $2, ... outside of
 * string literals ('...', E'...' with backslash escapes), quoted
 * identifiers ("..."), comments (-- and nested block) and dollar-quoted
 * bodies ($$...$$, $tag$...$tag$).  `??` stands for a literal `?`, so the
 * jsonb operators stay writable.  Pure; a fuzz target.
 */
#include <ctype.h>
#include <string.h>

#include "core/error.h"
#include "db/internal.h"

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/* Length of a dollar-quote tag ("$tag$") starting at s[i], or 0. */
static size_t dollar_tag(const char *s, size_t len, size_t i)
{
	if (s[i] != '$')
		return 0;
	/* $1 is a parameter, not a tag; a tag does not follow an identifier char */
	if (i > 0 && ident_char(s[i - 1]))
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

int strata__rewrite_placeholders(const char *s, size_t len, strata_buf *out, int *nparams)
{
	int n = 0;
	size_t i = 0, copied = 0;
#define FLUSH(upto)                                                         \
	do {                                                                \
		if (strata__buf_append(out, s + copied, (upto) - copied))   \
			return STRATA_ENOMEM;                               \
		copied = (upto);                                            \
	} while (0)
	while (i < len) {
		char c = s[i];
		if (c == '\'') {
			bool escapes = i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
				       (i < 2 || !ident_char(s[i - 2]));
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
			while (i < len && s[i] != '\n')
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
			size_t tl = dollar_tag(s, len, i);
			if (tl == 0) {
				i++;
				continue;
			}
			size_t open = i, j = i + tl;
			i = len; /* unterminated: the rest is the body */
			for (; j + tl <= len; j++) {
				if (s[j] == '$' && memcmp(s + j, s + open, tl) == 0) {
					i = j + tl;
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
			FLUSH(i);
			n++;
			if (strata__buf_printf(out, "$%d", n))
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
