/*
 * Database URLs: which backend, where, and Strata's own parameters.
 * The parser is pure (no I/O) and is a fuzz target.
 */
#ifndef STRATA_CORE_URL_H
#define STRATA_CORE_URL_H

#include <stdbool.h>
#include <stddef.h>

#include <strata/common.h>
#include <strata/dialect.h>

typedef struct strata__url_param {
	char *key, *value; /* percent-decoded */
} strata__url_kv;

typedef struct strata__url {
	strata_backend backend;
	/* SQLite: the file path (percent-decoded), or ":memory:". */
	char *path;
	bool memory;
	/* PostgreSQL: the URL for libpq, Strata's own parameters taken out. */
	char *conninfo;
	/* PostgreSQL: a host is a transaction-mode pooler's by its name (strata__pooler_host). */
	bool pooler_host;
	/* Strata's parameters (SQLite: all of them; PostgreSQL: the ones libpq does not know). */
	strata__url_kv *params;
	size_t nparams;
} strata__url;

/*
 * Parse `url`.  Returns STRATA_OK, STRATA_EINVAL (the message says what is
 * wrong, without the password) or STRATA_ENOMEM.  On failure `out` holds
 * nothing to free; on success free it with strata__url_free().
 */
int strata__url_parse(strata__url *out, const char *url);
void strata__url_free(strata__url *u);

/* The value of parameter `key`, or NULL. */
const char *strata__url_param(const strata__url *u, const char *key);

/*
 * Is host name h[0..n) a transaction-mode pooler's, where named prepared
 * statements do not last: its first label ends in "-pooler", as Neon
 * names its pooled endpoints (ep-name-123456-pooler.us-east-2.aws.neon.tech)?
 * Case-insensitive; IP addresses and socket directories are not.
 */
bool strata__pooler_host(const char *h, size_t n);

/* Parse a boolean parameter value (true/false/on/off/1/0/yes/no). -1 if neither. */
int strata__parse_bool(const char *s);

#endif
