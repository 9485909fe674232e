/*
 * Database URL parsing and redaction.
 *
 * SQLite URLs are `sqlite:PATH`, `sqlite:///ABS/PATH`, `sqlite::memory:`
 * (also with the `sqlite3:` scheme), with optional ?key=value parameters
 * that Strata reads.  PostgreSQL URLs are handed to libpq as they are,
 * except for the parameters Strata itself understands, which libpq would
 * reject and which are taken out here.
 */
#include "core/url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <strata/env.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/redact.h"

/* Parameters Strata reads from a PostgreSQL URL; libpq never sees them. */
static const char *const pg_own_params[] = { "pgbouncer", "statement_timeout", "statement_cache_size", NULL };
/* Parameters a SQLite URL may carry. */
static const char *const sqlite_params[] = {
	"journal_mode",	     "synchronous",	     "foreign_keys", "busy_timeout",
	"statement_timeout", "statement_cache_size", "mode",	     NULL
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static int hexdig(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode s[0..n) into a new string.  NULL with the error set on a bad escape or ENOMEM. */
static char *pct_decode(const char *s, size_t n, const char *what)
{
	char *out = malloc(n + 1);
	if (!out) {
		strata__error_nomem();
		return NULL;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < n ? hexdig((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < n ? hexdig((unsigned char)s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(out);
				strata__error_set(STRATA_EINVAL, "bad percent-escape in the URL's %s", what);
				return NULL;
			}
			char c = (char)(hi << 4 | lo);
			if (c == '\0') {
				free(out);
				strata__error_set(STRATA_EINVAL, "the URL's %s contains %%00", what);
				return NULL;
			}
			out[o++] = c;
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

int strata__parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "on", "1", "yes", NULL };
	static const char *const no[] = { "false", "off", "0", "no", NULL };
	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

void strata__url_free(strata__url *u)
{
	if (!u)
		return;
	free(u->path);
	free(u->conninfo);
	for (size_t i = 0; i < u->nparams; i++) {
		free(u->params[i].key);
		free(u->params[i].value);
	}
	free(u->params);
	memset(u, 0, sizeof *u);
}

const char *strata__url_param(const strata__url *u, const char *key)
{
	for (size_t i = u->nparams; i-- > 0;)
		if (strcmp(u->params[i].key, key) == 0)
			return u->params[i].value;
	return NULL;
}

static int add_param(strata__url *u, char *key, char *value)
{
	strata__url_kv *p = realloc(u->params, (u->nparams + 1) * sizeof *p);
	if (!p) {
		free(key);
		free(value);
		return strata__error_nomem();
	}
	u->params = p;
	p[u->nparams].key = key;
	p[u->nparams].value = value;
	u->nparams++;
	return STRATA_OK;
}

/*
 * Walk the query string q[0..n).  Parameters in `own` (or all of them when
 * `own` is NULL) are decoded into u->params; the others are copied as they
 * are into `rest` (joined by '&') when rest is not NULL.
 */
static int split_query(strata__url *u, const char *q, size_t n, const char *const *own, const char *const *allowed,
		       strata_buf *rest)
{
	size_t i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && q[j] != '&')
			j++;
		if (j > i) {
			const char *eq = memchr(q + i, '=', j - i);
			size_t klen = eq ? (size_t)(eq - (q + i)) : j - i;
			char *key = pct_decode(q + i, klen, "parameter name");
			if (!key)
				return strata_error_last()->status;
			if (own && !in_list(own, key)) {
				free(key);
				if (rest && ((rest->len && strata__buf_putc(rest, '&')) ||
					     strata__buf_append(rest, q + i, j - i)))
					return STRATA_ENOMEM;
			} else {
				if (allowed && !in_list(allowed, key)) {
					strata__error_set(STRATA_EINVAL, "unknown URL parameter '%s' for sqlite", key);
					free(key);
					return STRATA_EINVAL;
				}
				char *val = eq ? pct_decode(eq + 1, (size_t)(q + j - eq - 1), "parameter value")
					       : strata__strdup("");
				if (!val) {
					free(key);
					return strata_error_last()->status;
				}
				if (add_param(u, key, val))
					return STRATA_ENOMEM;
			}
		}
		i = j + 1;
	}
	return STRATA_OK;
}

static int parse_sqlite(strata__url *u, const char *rest)
{
	const char *q = strchr(rest, '?');
	size_t plen = q ? (size_t)(q - rest) : strlen(rest);
	const char *path = rest;
	/* sqlite:///abs -> /abs ; sqlite://rel -> rel */
	if (plen >= 2 && path[0] == '/' && path[1] == '/') {
		path += 2;
		plen -= 2;
	}
	if (plen == 0)
		return strata__error_set(STRATA_EINVAL,
					 "sqlite URL has no path (sqlite:path/to.db or sqlite::memory:)");
	u->path = pct_decode(path, plen, "path");
	if (!u->path)
		return strata_error_last()->status;
	u->memory = strcmp(u->path, ":memory:") == 0;
	u->backend = STRATA_BACKEND_SQLITE;
	if (q)
		return split_query(u, q + 1, strlen(q + 1), NULL, sqlite_params, NULL);
	return STRATA_OK;
}

bool strata__pooler_host(const char *h, size_t n)
{
	static const char suffix[] = "-pooler";
	size_t k = sizeof suffix - 1, label = 0;
	while (label < n && h[label] != '.')
		label++;
	return label > k && strncasecmp(h + label - k, suffix, k) == 0;
}

/* Does a comma-separated list of host[:port] entries name a pooler's host? */
static bool hosts_pooler(const char *list, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && list[j] != ',')
			j++;
		size_t end = i;
		if (list[i] != '[') /* [IPv6] never is */
			while (end < j && list[end] != ':')
				end++;
		if (strata__pooler_host(list + i, end - i))
			return true;
		i = j + 1;
	}
	return false;
}

/* The hosts of a postgres:// URL: its authority's and any host= parameter's. */
static bool url_pooler_host(const char *url)
{
	const char *a = strstr(url, "://") + 3;
	size_t alen = strcspn(a, "/?");
	const char *at = NULL;
	for (size_t i = 0; i < alen; i++)
		if (a[i] == '@')
			at = a + i;
	const char *hosts = at ? at + 1 : a;
	if (hosts_pooler(hosts, (size_t)(a + alen - hosts)))
		return true;
	const char *q = strchr(url, '?');
	while (q) {
		q++;
		size_t len = strcspn(q, "&");
		if (len > 5 && strncmp(q, "host=", 5) == 0 && hosts_pooler(q + 5, len - 5))
			return true;
		q = q[len] ? q + len : NULL;
	}
	return false;
}

static int parse_postgres(strata__url *u, const char *url)
{
	const char *q = strchr(url, '?');
	u->backend = STRATA_BACKEND_POSTGRES;
	if (strchr(url, '#'))
		return strata__error_set(STRATA_EINVAL, "postgres URL must not contain a '#' fragment");
	u->pooler_host = url_pooler_host(url);
	if (!q) {
		u->conninfo = strata__strdup(url);
		return u->conninfo ? STRATA_OK : STRATA_ENOMEM;
	}
	strata_buf rest = STRATA_BUF_INIT;
	int rc = split_query(u, q + 1, strlen(q + 1), pg_own_params, NULL, &rest);
	if (rc == STRATA_OK) {
		strata_buf full = STRATA_BUF_INIT;
		if (strata__buf_append(&full, url, (size_t)(q - url)) ||
		    (rest.len && (strata__buf_putc(&full, '?') || strata__buf_append(&full, rest.ptr, rest.len)))) {
			strata__buf_free(&full);
			rc = STRATA_ENOMEM;
		} else {
			u->conninfo = strata__buf_detach(&full);
			rc = u->conninfo ? STRATA_OK : STRATA_ENOMEM;
		}
	}
	strata__buf_free(&rest);
	return rc;
}

int strata__url_parse(strata__url *out, const char *url)
{
	memset(out, 0, sizeof *out);
	if (!url)
		return strata__error_set(STRATA_EINVAL, "no database URL");
	const char *colon = strchr(url, ':');
	if (!colon || colon == url)
		return strata__error_set(STRATA_EINVAL, "not a database URL (expected sqlite:PATH or postgres://...)");
	size_t slen = (size_t)(colon - url);
	int rc;
	if ((slen == 6 && strncasecmp(url, "sqlite", 6) == 0) || (slen == 7 && strncasecmp(url, "sqlite3", 7) == 0)) {
		rc = parse_sqlite(out, colon + 1);
	} else if ((slen == 8 && strncasecmp(url, "postgres", 8) == 0) ||
		   (slen == 10 && strncasecmp(url, "postgresql", 10) == 0)) {
		if (strncmp(colon, "://", 3) != 0)
			return strata__error_set(STRATA_EINVAL, "postgres URL must start with postgres://");
		rc = parse_postgres(out, url);
	} else {
		char scheme[32];
		size_t n = slen < sizeof scheme - 1 ? slen : sizeof scheme - 1;
		for (size_t i = 0; i < n; i++)
			scheme[i] = isprint((unsigned char)url[i]) ? url[i] : '?';
		scheme[n] = '\0';
		return strata__error_set(STRATA_EINVAL, "unknown URL scheme '%s' (expected sqlite: or postgres://)",
					 scheme);
	}
	if (rc != STRATA_OK)
		strata__url_free(out);
	return rc;
}

char *strata_url_redact(const char *url)
{
	size_t n = strata__redact(url ? url : "", NULL, 0);
	char *out = malloc(n + 1);
	if (!out) {
		strata__error_nomem();
		return NULL;
	}
	strata__redact(url ? url : "", out, n + 1);
	return out;
}
