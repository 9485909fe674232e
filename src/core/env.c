/*
 * .env files, read as dbmate and the common dotenv libraries read them:
 * KEY=VALUE lines, `export` prefixes, comments, blank lines; the last
 * definition of a name wins; single quotes are literal; double quotes take
 * the escapes \n \t \r \" \\ \$ \'; ${NAME}, ${NAME:-default} and $NAME
 * expand in unquoted and double-quoted values.  A value ends at the end of
 * its line: a quote left open there is an error at the quote.  Loading
 * never overrides a variable already in the environment.  The rules for
 * users are in docs/configuration.md.
 */
#include "core/env.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
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
	strata__env_lookup_fn lookup;
	void *ud;
} cursor;

static int peek(const cursor *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static int peek_at(const cursor *c, size_t ahead)
{
	return c->pos + ahead < c->len ? (unsigned char)c->s[c->pos + ahead] : -1;
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

static bool name_start(int ch)
{
	return ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static bool name_char(int ch)
{
	return name_start(ch) || (ch >= '0' && ch <= '9');
}

static bool line_end(int ch)
{
	return ch == -1 || ch == '\n' || ch == '\r';
}

static int put(strata_buf *v, const char *s, size_t n)
{
	return strata__buf_append(v, s, n) ? strata__error_nomem() : STRATA_OK;
}

/*
 * At a '$': append what it expands to.  $NAME and ${NAME} are the lookup's
 * value (empty when undefined), ${NAME:-word} is `word` when NAME is
 * undefined or empty; a '$' before anything else is itself.  An open ${ or
 * a bad name in one is an error at the '$'.
 */
static int expand(cursor *c, strata_buf *v)
{
	cursor at = *c;
	char name[256];
	size_t n = 0;
	advance(c); /* the $ */
	bool braced = peek(c) == '{';
	if (!braced && !name_start(peek(c)))
		return put(v, "$", 1);
	if (braced)
		advance(c);
	if (!name_start(peek(c)))
		return error_at(&at, "expected a variable name after '${'");
	while (name_char(peek(c))) {
		if (n + 1 >= sizeof name)
			return error_at(&at, "variable name too long (at most 255 characters)");
		name[n++] = (char)peek(c);
		advance(c);
	}
	name[n] = '\0';
	const char *val = c->lookup ? c->lookup(name, c->ud) : NULL;
	if (!braced)
		return val ? put(v, val, strlen(val)) : STRATA_OK;
	bool fallback = false;
	size_t word = 0, word_len = 0;
	if (peek(c) == ':' && peek_at(c, 1) == '-') {
		advance(c);
		advance(c);
		fallback = true;
		word = c->pos;
		while (!line_end(peek(c)) && peek(c) != '}')
			advance(c);
		word_len = c->pos - word;
	}
	if (peek(c) != '}')
		return error_at(&at, line_end(peek(c)) ? "'${' is not closed by '}' on its line"
						       : "expected '}' or ':-default' after the variable name");
	advance(c);
	if (fallback && (!val || !*val))
		return put(v, c->s + word, word_len);
	return val ? put(v, val, strlen(val)) : STRATA_OK;
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

static int parse_quoted(cursor *c, strata_buf *v)
{
	int q = peek(c), rc;
	cursor start = *c;
	advance(c);
	for (;;) {
		int ch = peek(c);
		if (line_end(ch))
			return error_at(&start, q == '"' ? "unterminated double-quoted value (a value ends at the "
							   "end of its line; write a newline as \\n)"
							 : "unterminated single-quoted value (a value ends at the "
							   "end of its line)");
		if (ch == q) {
			advance(c);
			return end_of_entry(c);
		}
		if (q == '"' && ch == '$') {
			if ((rc = expand(c, v)) != STRATA_OK)
				return rc;
			continue;
		}
		advance(c);
		if (q == '"' && ch == '\\' && !line_end(peek(c))) {
			int e = peek(c);
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
					return strata__error_nomem();
				ch = e;
			}
		}
		if (strata__buf_putc(v, (char)ch))
			return strata__error_nomem();
	}
}

/* Unquoted: up to the end of the line or a ' #' comment, trailing blanks trimmed; \$ is a '$'. */
static int parse_unquoted(cursor *c, strata_buf *v)
{
	int prev = ' ', rc;
	size_t keep = 0; /* the length without the trailing blanks written */
	while (peek(c) != -1 && peek(c) != '\n') {
		int ch = peek(c);
		if (ch == '#' && (prev == ' ' || prev == '\t'))
			break;
		prev = ch;
		if (ch == '$') {
			if ((rc = expand(c, v)) != STRATA_OK)
				return rc;
			keep = v->len;
			continue;
		}
		if (ch == '\\' && peek_at(c, 1) == '$') {
			advance(c);
			ch = '$';
		}
		if (strata__buf_putc(v, (char)ch))
			return strata__error_nomem();
		if (ch != ' ' && ch != '\t' && ch != '\r')
			keep = v->len;
		advance(c);
	}
	v->len = keep;
	if (v->ptr)
		v->ptr[keep] = '\0';
	skip_line(c);
	return STRATA_OK;
}

int strata__env_parse(const char *text, size_t len, const char *file, strata__env_lookup_fn lookup, strata__env_fn fn,
		      void *ud)
{
	cursor c = { text, len, 0, 1, 1, file ? file : ".env", lookup, ud };
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
				rc = strata__error_nomem();
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
		ch = peek(&c);
		rc = ch == '\'' || ch == '"' ? parse_quoted(&c, &val) : parse_unquoted(&c, &val);
		if (rc != STRATA_OK)
			goto out;
		if ((rc = fn(strata__buf_cstr(&key), strata__buf_cstr(&val), ud)) != STRATA_OK)
			goto out;
	}
out:
	strata__buf_free(&key);
	strata__buf_free(&val);
	return rc;
}

/* ---- sets of variables read from files ---- */

const char *strata__env_set_get(const strata__env_set *set, const char *key)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->keys[i], key) == 0)
			return set->values[i];
	return NULL;
}

static int set_put(const char *key, const char *value, void *ud)
{
	strata__env_set *set = ud;
	char *v = strata__strdup(value);
	if (!v)
		return strata__error_nomem();
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->keys[i], key) == 0) {
			free(set->values[i]); /* the last definition wins */
			set->values[i] = v;
			return STRATA_OK;
		}
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		char **k = realloc(set->keys, cap * sizeof *k);
		if (k)
			set->keys = k;
		char **vs = k ? realloc(set->values, cap * sizeof *vs) : NULL;
		if (!vs) {
			free(v);
			return strata__error_nomem();
		}
		set->values = vs;
		set->cap = cap;
	}
	char *k = strata__strdup(key);
	if (!k) {
		free(v);
		return strata__error_nomem();
	}
	set->keys[set->n] = k;
	set->values[set->n++] = v;
	return STRATA_OK;
}

/* ${NAME} while reading into a set: the value NAME has once loaded (the environment wins). */
static const char *set_lookup(const char *name, void *ud)
{
	const char *env = getenv(name);
	return env ? env : strata__env_set_get(ud, name);
}

int strata__env_set_read(strata__env_set *set, const char *path)
{
	char *text;
	size_t len;
	int rc = strata__read_file(path, &text, &len);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__env_parse(text, len, path, set_lookup, set_put, set);
	free(text);
	return rc;
}

void strata__env_set_free(strata__env_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->keys[i]);
		free(set->values[i]);
	}
	free(set->keys);
	free(set->values);
	memset(set, 0, sizeof *set);
}

/* Set once an application loads its own .env files: the library then no longer reads ./.env itself. */
static atomic_bool loaded_explicitly;

int strata_env_load_files(const char *const *paths, size_t n, int *loaded)
{
	strata__env_set set = STRATA__ENV_SET_INIT;
	int rc = STRATA_OK, count = 0;
	if (loaded)
		*loaded = 0;
	if (!paths && n)
		return strata__error_set(STRATA_EINVAL, "strata_env_load_files: paths is NULL");
	for (size_t i = 0; i < n; i++)
		if ((rc = strata__env_set_read(&set, paths[i] ? paths[i] : ".env")) != STRATA_OK)
			goto out;
	for (size_t i = 0; i < set.n; i++) {
		if (getenv(set.keys[i]))
			continue; /* the environment wins */
		if (setenv(set.keys[i], set.values[i], 0) != 0) {
			rc = strata__error_set(STRATA_EINVAL, "cannot set environment variable '%s'", set.keys[i]);
			goto out;
		}
		count++;
	}
	atomic_store(&loaded_explicitly, true);
out:
	strata__env_set_free(&set);
	if (loaded)
		*loaded = count;
	return rc;
}

int strata_env_load(const char *path, int *loaded)
{
	const char *one[] = { path ? path : ".env" };
	return strata_env_load_files(one, 1, loaded);
}

/* `key` from ./.env: *out a new string, NULL when absent or empty; the library's own reading of .env. */
static int dotenv_value(const char *key, char **out)
{
	*out = NULL;
	if (atomic_load(&loaded_explicitly))
		return STRATA_OK; /* the application chose its files; they are in the environment */
	strata__env_set set = STRATA__ENV_SET_INIT;
	int rc = strata__env_set_read(&set, ".env");
	if (rc == STRATA_ENOTFOUND)
		rc = STRATA_OK;
	const char *v = rc == STRATA_OK ? strata__env_set_get(&set, key) : NULL;
	if (v && *v && !(*out = strata__strdup(v)))
		rc = strata__error_nomem();
	strata__env_set_free(&set);
	return rc;
}

char *strata_url_resolve(const char *explicit_url)
{
	if (explicit_url)
		return strata__strdup(explicit_url);
	const char *env = getenv("DATABASE_URL");
	if (env && *env)
		return strata__strdup(env);
	char *url = NULL;
	if (dotenv_value("DATABASE_URL", &url) != STRATA_OK)
		return NULL; /* a .env that cannot be read, or is not text, is said as such */
	if (!url)
		strata__error_set(STRATA_ENOTFOUND,
				  "no database URL: DATABASE_URL is set neither in the environment nor in .env");
	return url;
}

int strata__env_value(const char *key, char **out)
{
	*out = NULL;
	const char *env = getenv(key);
	if (env && *env)
		return (*out = strata__strdup(env)) ? STRATA_OK : strata__error_nomem();
	if (env)
		return STRATA_OK; /* set, and empty: nothing, as the environment says */
	return dotenv_value(key, out);
}
