/*
 * Views in a model: what a query reads, and the order views are created in.
 *
 * A database tells which tables and columns a view reads (PostgreSQL's
 * pg_depend); a schema file does not, so the names a query mentions stand
 * in: a word of the SQL (outside strings and comments; "quoted" exactly,
 * unquoted without regard to case) that names a table or a view of the
 * model.  That is enough to order views and to know which views a change
 * to a table touches.  Views are kept in creation order: each after the
 * views it reads, otherwise by name, so two models of one database list
 * them alike.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "schema/model.h"

/* Call fn for each word of `sql` (unquoted; `quoted` tells which form) until it returns true. */
static bool each_word(const char *sql, bool (*fn)(const char *w, size_t n, bool quoted, void *ud), void *ud)
{
	const char *p = sql;
	while (*p) {
		char c = *p;
		if (c == '\'') {
			for (p++; *p && !(*p == '\'' && p[1] != '\''); p++)
				if (*p == '\'')
					p++;
			if (*p)
				p++;
		} else if (c == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (c == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
		} else if (c == '"') {
			char buf[256];
			size_t n = 0;
			for (p++; *p && !(*p == '"' && p[1] != '"'); p++) {
				if (*p == '"')
					p++;
				if (n + 1 < sizeof buf)
					buf[n++] = *p;
			}
			if (*p)
				p++;
			buf[n] = '\0';
			if (fn(buf, n, true, ud))
				return true;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (unsigned char)c >= 0x80) {
			const char *w = p;
			while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			       *p == '_' || *p == '$' || (unsigned char)*p >= 0x80)
				p++;
			if (fn(w, (size_t)(p - w), false, ud))
				return true;
		} else if (c >= '0' && c <= '9') {
			while ((*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || (*p >= 'a' && *p <= 'z') ||
			       (*p >= 'A' && *p <= 'Z'))
				p++;
		} else {
			p++;
		}
	}
	return false;
}

typedef struct mention {
	const char *name;
	size_t n;
} mention;

static bool is_name(const char *w, size_t n, bool quoted, void *ud)
{
	const mention *m = ud;
	if (n != m->n)
		return false;
	return quoted ? memcmp(w, m->name, n) == 0 : strncasecmp(w, m->name, n) == 0;
}

bool strata__sql_mentions(const char *sql, const char *name)
{
	mention m = { name, strlen(name) };
	return sql && name && each_word(sql, is_name, &m);
}

int strata__view_depends(strata_schema *s, strata_view *v)
{
	if (v->ndepends)
		return STRATA_OK;
	for (int i = 0; i < s->ntables; i++)
		if (strata__sql_mentions(v->sql, s->tables[i].name) &&
		    strata__push_str(s, &v->depends, &v->ndepends, s->tables[i].name))
			return STRATA_ENOMEM;
	for (int i = 0; i < s->nviews; i++)
		if (&s->views[i] != v && strata__sql_mentions(v->sql, s->views[i].name) &&
		    strata__push_str(s, &v->depends, &v->ndepends, s->views[i].name))
			return STRATA_ENOMEM;
	return STRATA_OK;
}

bool strata__view_reads(const strata_view *v, const char *rel, const char *column)
{
	size_t n = strlen(rel);
	for (int i = 0; i < v->ndepends; i++) {
		const char *d = v->depends[i];
		if (strncmp(d, rel, n) != 0)
			continue;
		if (d[n] == '\0')
			return true; /* the whole relation: every column */
		if (d[n] == '.' && (!column || strcmp(d + n + 1, column) == 0))
			return true;
	}
	return false;
}

int strata__views_order(strata_schema *s)
{
	int n = s->nviews;
	if (n < 2)
		return STRATA_OK;
	/* Reordered in place: the array keeps the capacity strata__push gave it. */
	strata_view *in = malloc((size_t)n * sizeof *in);
	bool *done = calloc((size_t)n, sizeof *done);
	if (!in || !done) {
		free(in);
		free(done);
		return strata__error_nomem();
	}
	memcpy(in, s->views, (size_t)n * sizeof *in);
	for (int k = 0; k < n; k++) {
		/* The smallest name whose views are all placed; on a cycle, the smallest name left. */
		int pick = -1, any = -1;
		for (int i = 0; i < n; i++) {
			if (done[i])
				continue;
			if (any < 0 || strcmp(in[i].name, in[any].name) < 0)
				any = i;
			bool ready = true;
			for (int j = 0; j < n && ready; j++)
				if (j != i && !done[j] && strata__view_reads(&in[i], in[j].name, NULL))
					ready = false;
			if (ready && (pick < 0 || strcmp(in[i].name, in[pick].name) < 0))
				pick = i;
		}
		if (pick < 0)
			pick = any;
		done[pick] = true;
		s->views[k] = in[pick];
	}
	free(in);
	free(done);
	return STRATA_OK;
}
