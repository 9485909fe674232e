/*
 * Which statements change session state, and the wait-time histogram.
 * Both are pure and run on every statement or acquire, so they stay cheap.
 */
#include <ctype.h>
#include <string.h>

#include "pool/internal.h"

static const char *skip_blank(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '(')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
			continue;
		}
		return p;
	}
}

/* Read one word, upper-cased, into `w`; returns the position after it. */
static const char *word(const char *p, char *w, size_t cap)
{
	size_t n = 0;
	p = skip_blank(p);
	while (isalpha((unsigned char)*p) || *p == '_') {
		if (n + 1 < cap)
			w[n++] = (char)toupper((unsigned char)*p);
		p++;
	}
	w[n] = '\0';
	return p;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; *p; p++) {
		if (tolower((unsigned char)*p) != needle[0])
			continue;
		size_t i = 1;
		while (i < n && p[i] && tolower((unsigned char)p[i]) == needle[i])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

static bool any_word(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

/* Call `test` on the first two words of each statement of the script. */
static bool scan(const char *sql, bool (*test)(const char *w1, const char *w2, const char *w3))
{
	const char *p = sql;
	char w1[16], w2[16], w3[16];
	while (p && *p) {
		const char *q = word(p, w1, sizeof w1);
		q = word(q, w2, sizeof w2);
		word(q, w3, sizeof w3);
		if (test(w1, w2, w3))
			return true;
		p = strchr(p, ';');
		if (p)
			p++;
	}
	return false;
}

static bool session_words(const char *w1, const char *w2, const char *w3)
{
	static const char *const always[] = { "RESET",	 "PRAGMA", "ATTACH",  "DETACH",	    "LISTEN", "PREPARE",
					      "DECLARE", "LOAD",   "DISCARD", "DEALLOCATE", NULL };
	if (strcmp(w1, "SET") == 0)
		return strcmp(w2, "LOCAL") != 0 && strcmp(w2, "TRANSACTION") != 0 && strcmp(w2, "CONSTRAINTS") != 0;
	if (strcmp(w1, "CREATE") == 0)
		return strcmp(w2, "TEMP") == 0 || strcmp(w2, "TEMPORARY") == 0 ||
		       (strcmp(w2, "LOCAL") == 0 && (strcmp(w3, "TEMP") == 0 || strcmp(w3, "TEMPORARY") == 0));
	return any_word(w1, always);
}

static bool replace_words(const char *w1, const char *w2, const char *w3)
{
	(void)w2;
	(void)w3;
	return strcmp(w1, "DISCARD") == 0 || strcmp(w1, "DEALLOCATE") == 0;
}

bool strata__pool_sql_changes_session(const char *sql)
{
	if (!sql)
		return false;
	return scan(sql, session_words) || contains_ci(sql, "set_config") || contains_ci(sql, "advisory_lock");
}

bool strata__pool_sql_needs_replace(const char *sql)
{
	return sql && scan(sql, replace_words);
}

/*
 * Buckets: values 0..7 exactly, then 8 sub-buckets per power of two, so a
 * reported percentile is at most 12.5% above the true one.
 */
static int bucket_of(int64_t us)
{
	if (us < 8)
		return us < 0 ? 0 : (int)us;
	int e = 63 - __builtin_clzll((unsigned long long)us); /* e >= 3 */
	int sub = (int)((us >> (e - 3)) & 7);
	int b = 8 + (e - 3) * 8 + sub;
	return b < STRATA__POOL_HIST_BUCKETS ? b : STRATA__POOL_HIST_BUCKETS - 1;
}

static int64_t bucket_top(int b)
{
	if (b < 8)
		return b;
	int e = (b - 8) / 8 + 3, sub = (b - 8) % 8;
	return ((int64_t)(8 + sub + 1) << (e - 3)) - 1;
}

void strata__pool_hist_add(strata__pool_hist *h, int64_t us)
{
	if (us < 0)
		us = 0;
	h->count++;
	h->bucket[bucket_of(us)]++;
	if (us > h->max_us)
		h->max_us = us;
}

int64_t strata__pool_hist_quantile(const strata__pool_hist *h, double q)
{
	if (h->count == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (int b = 0; b < STRATA__POOL_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank) {
			int64_t top = bucket_top(b);
			return top < h->max_us ? top : h->max_us;
		}
	}
	return h->max_us;
}
