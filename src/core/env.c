/*
 * .env files: KEY=VALUE lines, `export` prefixes, comments, single quotes
 * (literal), double quotes (escapes \n \t \r \" \\ \$, may span lines) and
 * unquoted values ending at a ` #` comment.  Loading never overrides a
 * variable already in the environment, as dotenv tools do.
 */
#include "core/env.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/env.h>

#include "core/buf.h"
#include "core/error.h"

typedef struct cursor {
	const char *s;
	size_t len, pos;
	int line, col;
	const char *file;
} cursor;

static int peek(const cursor *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static void advance(cursor *c)
{
	if (c->pos >= c->len)
		return;
	if (c->s[c->pos] == '\n') {
		c->line++;
		c->col = 1;
	} else {
		c->col++;
	}
	c->pos++;
}

static void skip_blanks(cursor *c)
{
	while (peek(c) == ' ' || peek(c) == '\t')
		advance(c);
}

static void skip_line(cursor *c)
{
	while (peek(c) != -1 && peek(c) != '\n')
		advance(c);
	advance(c);
}

static int error_at(const cursor *c, const char *msg)
{
	return strata__error_set_at(STRATA_EPARSE, c->file, c->line, c->col, "%s", msg);
}

/* After a value: only blanks, a comment or the end of the line may follow. */
static int end_of_entry(cursor *c)
{
	skip_blanks(c);
	if (peek(c) == '#' || peek(c) == '\r') {
		skip_line(c);
		return STRATA_OK;
	}
	if (peek(c) != -1 && peek(c) != '\n')
		return error_at(c, "unexpected text after the value");
	advance(c);
	return STRATA_OK;
}

static int parse_value(cursor *c, strata_buf *v)
{
	int q = peek(c);
	if (q == '\'' || q == '"') {
		cursor start = *c;
		advance(c);
		for (;;) {
			int ch = peek(c);
			if (ch == -1)
				return error_at(&start, q == '"' ? "unterminated double-quoted value"
								 : "unterminated single-quoted value");
			advance(c);
			if (ch == q)
				break;
			if (q == '"' && ch == '\\') {
				int e = peek(c);
				if (e == -1)
					continue;
				advance(c);
				switch (e) {
				case 'n': ch = '\n'; break;
				case 't': ch = '\t'; break;
				case 'r': ch = '\r'; break;
				case '"':
				case '\\':
				case '$':
				case '\'': ch = e; break;
				default:
					if (strata__buf_putc(v, '\\'))
						return STRATA_ENOMEM;
					ch = e;
				}
			}
			if (strata__buf_putc(v, (char)ch))
				return STRATA_ENOMEM;
		}
		return end_of_entry(c);
	}
	/* unquoted: up to the end of line or a ' #' comment, trailing blanks trimmed */
	int prev = ' ';
	while (peek(c) != -1 && peek(c) != '\n') {
		int ch = peek(c);
		if (ch == '#' && (prev == ' ' || prev == '\t'))
			break;
		if (strata__buf_putc(v, (char)ch))
			return STRATA_ENOMEM;
		prev = ch;
		advance(c);
	}
	while (v->len && (v->ptr[v->len - 1] == ' ' || v->ptr[v->len - 1] == '\t' || v->ptr[v->len - 1] == '\r'))
		v->ptr[--v->len] = '\0';
	skip_line(c);
	return STRATA_OK;
}

int strata__env_parse(const char *text, size_t len, const char *file, strata__env_fn fn, void *ud)
{
	cursor c = { text, len, 0, 1, 1, file ? file : ".env" };
	strata_buf key = STRATA_BUF_INIT, val = STRATA_BUF_INIT;
	/* a NUL would cut a value short (sqlite:/tmp/a<NUL>b.db opened /tmp/a) */
	int rc = strata__text_check(text, len, c.file);
	if (rc != STRATA_OK)
		return rc;
	c.pos = strata__text_bom(text, len);
	while (peek(&c) != -1) {
		skip_blanks(&c);
		int ch = peek(&c);
		if (ch == -1)
			break;
		if (ch == '\n' || ch == '#' || ch == '\r') {
			skip_line(&c);
			continue;
		}
		strata__buf_clear(&key);
		strata__buf_clear(&val);
		if (c.len - c.pos > 7 && memcmp(c.s + c.pos, "export", 6) == 0 &&
		    (c.s[c.pos + 6] == ' ' || c.s[c.pos + 6] == '\t')) {
			for (int i = 0; i < 6; i++)
				advance(&c);
			skip_blanks(&c);
		}
		cursor kstart = c;
		while ((ch = peek(&c)) != -1 && (isalnum(ch) || ch == '_' || ch == '.' || ch == '-')) {
			if (strata__buf_putc(&key, (char)ch)) {
				rc = STRATA_ENOMEM;
				goto out;
			}
			advance(&c);
		}
		if (key.len == 0 || isdigit((unsigned char)key.ptr[0])) {
			rc = error_at(&kstart, "expected a variable name (letters, digits, '_')");
			goto out;
		}
		skip_blanks(&c);
		if (peek(&c) != '=') {
			rc = error_at(&c, "expected '=' after the variable name");
			goto out;
		}
		advance(&c);
		skip_blanks(&c);
		if ((rc = parse_value(&c, &val)) != STRATA_OK)
			goto out;
		if ((rc = fn(strata__buf_cstr(&key), strata__buf_cstr(&val), ud)) != STRATA_OK)
			goto out;
	}
out:
	strata__buf_free(&key);
	strata__buf_free(&val);
	return rc;
}

typedef struct load_state {
	int loaded;
} load_state;

static int set_if_unset(const char *key, const char *value, void *ud)
{
	load_state *st = ud;
	if (getenv(key))
		return STRATA_OK;
	if (setenv(key, value, 0) != 0)
		return strata__error_set(STRATA_EINVAL, "cannot set environment variable '%s'", key);
	st->loaded++;
	return STRATA_OK;
}

int strata_env_load(const char *path, int *loaded)
{
	char *text;
	size_t len;
	load_state st = { 0 };
	if (loaded)
		*loaded = 0;
	if (!path)
		path = ".env";
	int rc = strata__read_file(path, &text, &len);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__env_parse(text, len, path, set_if_unset, &st);
	free(text);
	if (loaded)
		*loaded = st.loaded;
	return rc;
}

typedef struct find_state {
	const char *key;
	char *value;
} find_state;

static int find_key(const char *key, const char *value, void *ud)
{
	find_state *st = ud;
	if (strcmp(key, st->key) != 0)
		return STRATA_OK;
	free(st->value);
	st->value = strata__strdup(value);
	return st->value ? STRATA_OK : STRATA_ENOMEM;
}

char *strata_url_resolve(const char *explicit_url)
{
	if (explicit_url)
		return strata__strdup(explicit_url);
	const char *env = getenv("DATABASE_URL");
	if (env && *env)
		return strata__strdup(env);
	char *text;
	size_t len;
	int read = strata__read_file(".env", &text, &len);
	if (read != STRATA_OK && read != STRATA_ENOTFOUND)
		return NULL; /* a .env that cannot be read, or is not text, is said as such */
	if (read == STRATA_OK) {
		find_state st = { "DATABASE_URL", NULL };
		int rc = strata__env_parse(text, len, ".env", find_key, &st);
		free(text);
		if (rc != STRATA_OK) {
			free(st.value);
			return NULL;
		}
		if (st.value && *st.value)
			return st.value;
		free(st.value);
	}
	strata__error_set(STRATA_ENOTFOUND, "no database URL: pass --url, set DATABASE_URL, or put it in .env");
	return NULL;
}

int strata__env_value(const char *key, char **out)
{
	*out = NULL;
	const char *env = getenv(key);
	if (env)
		return *env && !(*out = strata__strdup(env)) ? strata__error_nomem() : STRATA_OK;
	char *text;
	size_t len;
	if (strata__read_file(".env", &text, &len) != STRATA_OK)
		return STRATA_OK;
	find_state st = { key, NULL };
	int rc = strata__env_parse(text, len, ".env", find_key, &st);
	free(text);
	if (rc == STRATA_ENOMEM)
		rc = strata__error_nomem();
	if (rc != STRATA_OK || !st.value || !*st.value) {
		free(st.value);
		return rc;
	}
	*out = st.value;
	return STRATA_OK;
}
