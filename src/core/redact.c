/*
 * Redacting secrets from text (see redact.h): a single pass that copies
 * the input, replacing URI userinfo passwords and password parameter
 * values by "***".
 */
#include "core/redact.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define MASK "***"

typedef struct sink {
	char *p;
	size_t cap, len;
} sink;

static void put(sink *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->cap)
			o->p[o->len] = s[i];
}

static int hexdig(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool key_char(int c)
{
	return isalnum(c) || c == '_' || c == '%' || c == '.' || c == '-';
}

/* Where a value ends that is not quoted: the end of a conninfo word or of a URI parameter. */
static bool value_end(int c)
{
	return c == '\0' || isspace(c) || c == '&' || c == '#' || c == '"';
}

/*
 * The length of a key at s[i] that percent-decodes (any case) to a password
 * keyword, or 0.
 */
static size_t secret_key(const char *s, size_t i)
{
	static const char *const keys[] = { "password", "sslpassword", "pgpassword", NULL };
	char dec[16];
	size_t d = 0, j = i;
	while (key_char((unsigned char)s[j])) {
		int c = (unsigned char)s[j];
		int hi, lo;
		if (c == '%' && (hi = hexdig((unsigned char)s[j + 1])) >= 0 &&
		    (lo = hexdig((unsigned char)s[j + 2])) >= 0) {
			c = hi << 4 | lo;
			j += 3;
		} else {
			j++;
		}
		if (d >= sizeof dec - 1)
			return 0;
		dec[d++] = (char)tolower(c);
	}
	dec[d] = '\0';
	for (int k = 0; keys[k]; k++)
		if (!strcmp(dec, keys[k]))
			return j - i;
	return 0;
}

/* A placeholder (?, $1) or nothing: not a secret, shown as written. */
static bool placeholder(const char *v, size_t n)
{
	if (n == 0 || (n == 1 && v[0] == '?'))
		return true;
	if (n < 2 || v[0] != '$')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isdigit((unsigned char)v[i]))
			return false;
	return true;
}

/*
 * At "://" (s + i): the position of the '@' that ends a userinfo holding a
 * password, and of the ':' before that password; false when there is none.
 */
static bool userinfo(const char *s, size_t i, size_t *colon, size_t *at)
{
	size_t a = i + 3, e = a, found = 0;
	/* the authority proper: up to '/', '?' or '#' */
	for (; s[e] && !strchr("/?#\"'", s[e]) && !isspace((unsigned char)s[e]); e++)
		if (s[e] == '@')
			found = e;
	if (!found) {
		/* a password holding '/', '?' or '#' unencoded: an '@' before any '=' of a query */
		for (e = a; s[e] && s[e] != '=' && s[e] != '"' && s[e] != '\'' && !isspace((unsigned char)s[e]); e++)
			if (s[e] == '@')
				found = e;
	}
	if (!found)
		return false;
	const char *c = memchr(s + a, ':', found - a);
	if (!c)
		return false;
	*colon = (size_t)(c - s);
	*at = found;
	return true;
}

size_t strata__redact(const char *s, char *out, size_t cap)
{
	sink o = { out, cap, 0 };
	size_t i = 0, copied = 0;
	if (!s)
		s = "";
	while (s[i]) {
		size_t colon, at, klen;
		if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/' && userinfo(s, i, &colon, &at)) {
			put(&o, s + copied, colon + 1 - copied);
			put(&o, MASK, sizeof MASK - 1);
			i = copied = at;
			continue;
		}
		bool boundary = i == 0 || !key_char((unsigned char)s[i - 1]);
		if (boundary && (klen = secret_key(s, i)) > 0) {
			size_t v = i + klen;
			while (s[v] == ' ' || s[v] == '\t')
				v++;
			if (s[v] == '=') {
				v++;
				while (s[v] == ' ' || s[v] == '\t')
					v++;
				size_t e = v;
				if (s[v] == '\'') {
					for (e = v + 1; s[e] && s[e] != '\''; e++)
						if (s[e] == '\\' && s[e + 1])
							e++;
					if (s[e])
						e++;
				} else {
					/* a quote ends it only where a quoted message would close (password=x' ...) */
					while (!value_end((unsigned char)s[e]) &&
					       !(s[e] == '\'' &&
						 (value_end((unsigned char)s[e + 1]) || strchr(",;)", s[e + 1]))))
						e++;
				}
				if (!placeholder(s + v, e - v)) {
					put(&o, s + copied, v - copied);
					put(&o, MASK, sizeof MASK - 1);
					i = copied = e;
					continue;
				}
				i = e;
				continue;
			}
			i += klen;
			continue;
		}
		i++;
	}
	put(&o, s + copied, i - copied);
	if (cap)
		out[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len;
}

void strata__redact_inplace(char *buf, size_t cap)
{
	char tmp[2048];
	if (!buf || !cap || !strpbrk(buf, ":=")) /* nothing to redact without one of these */
		return;
	strata__redact(buf, tmp, sizeof tmp < cap ? sizeof tmp : cap);
	memcpy(buf, tmp, strlen(tmp) + 1);
}

/* ---- by value ---- */

/* Decode s[0..n) into out (cap bytes); false when it does not fit. */
static bool decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i], hi, lo;
		if (c == '%' && i + 2 < n && (hi = hexdig((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexdig((unsigned char)s[i + 2])) >= 0) {
			c = hi << 4 | lo;
			i += 2;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

/* The first occurrence of secret[0..n) in the string s, or NULL. */
static const char *find(const char *s, const char *secret, size_t n)
{
	for (; *s; s++)
		if (*s == *secret && !strncmp(s, secret, n))
			return s;
	return NULL;
}

/* Replace every occurrence of secret[0..n) in buf by MASK. */
static void mask_value(char *buf, size_t cap, const char *secret, size_t n)
{
	char tmp[2048];
	if (n < 4 || cap > sizeof tmp)
		return;
	sink o = { tmp, cap, 0 };
	const char *p = buf, *hit;
	bool any = false;
	while ((hit = find(p, secret, n)) != NULL) {
		put(&o, p, (size_t)(hit - p));
		put(&o, MASK, sizeof MASK - 1);
		p = hit + n;
		any = true;
	}
	if (!any)
		return;
	put(&o, p, strlen(p));
	tmp[o.len < cap ? o.len : cap - 1] = '\0';
	memcpy(buf, tmp, strlen(tmp) + 1);
}

static void mask_both(char *buf, size_t cap, const char *raw, size_t n)
{
	char dec[512];
	mask_value(buf, cap, raw, n);
	if (decode(raw, n, dec, sizeof dec))
		mask_value(buf, cap, dec, strlen(dec));
}

void strata__redact_values(char *buf, size_t cap, const char *url)
{
	if (!buf || !url)
		return;
	const char *sch = strstr(url, "://");
	size_t colon, at;
	if (sch && userinfo(url, (size_t)(sch - url), &colon, &at)) {
		mask_both(buf, cap, url + colon + 1, at - colon - 1);
		/* libpq cuts a password holding '/', '?' or '#' there and may quote a piece as host or port */
		for (size_t b = colon + 1, e; b < at; b = e + 1) {
			for (e = b; e < at && !strchr("/?#", url[e]); e++)
				;
			if (b > colon + 1 || e < at)
				mask_both(buf, cap, url + b, e - b);
		}
	}
	const char *q = strchr(url, '?');
	while (q && *q) {
		q++;
		size_t klen = secret_key(q, 0);
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		if (klen && q[klen] == '=')
			mask_both(buf, cap, q + klen + 1, len - klen - 1);
		q = amp;
	}
}
