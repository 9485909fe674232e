/*
 * strata gen c: the C data access for a schema, as one header and one
 * source file.  This file writes the two files' frames and calls each
 * family of functions per table; the families live in types.c, crud.c,
 * list.c, load.c and json.c, the text they write in src/gen/templates/
 * (see emit.h for the map).
 *
 * The output uses only the public libstrata API.  Every value is bound;
 * identifiers are quoted with double quotes, which SQLite and PostgreSQL
 * both read.  SQL that does not depend on the call's arguments is a
 * static string prepared through the statement cache by its address
 * (strata_prepare_static), so a hot call costs no parsing and no hashing.
 * Where the dialects differ (PostgreSQL reads T[] columns through
 * array_to_json) the statement is an array of two strings indexed by
 * backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/emit.h"

/* The code of one table: its functions, then its unscoped variants'. */
static void emit_table(gen_emitter *e, const gtable *g)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_var(&v, "table", g->name);
	strata__gen_render(e, "table_section", &v);
	strata__gen_read_fn(e, g);
	strata__gen_defaults_fn(e, g);
	strata__gen_insert(e, g);
	if (g->t->npkey) { /* a table without a primary key (from a database) has no row to name */
		strata__gen_get(e, g);
		strata__gen_update(e, g);
		strata__gen_deletes(e, g);
	}
	strata__gen_where(e, g);
	strata__gen_list_fns(e, g);
	for (int r = 0; r < g->nrels; r++)
		strata__gen_load(e, g, &g->rels[r]);
	strata__gen_json(e, g);
	for (int u = 0; u < g->t->nunscoped && e->rc == STRATA_OK; u++) {
		gtable var;
		char *fn = NULL;
		if ((e->rc = strata__gen_make_variant(g, g->t->unscoped[u], &var, &fn)) != STRATA_OK)
			break;
		strata__gen_var(&v, "variant", g->t->unscoped[u]);
		strata__gen_render(e, "variant_section", &v);
		if (g->t->npkey)
			strata__gen_get(e, &var);
		strata__gen_where(e, &var);
		strata__gen_list_fns(e, &var);
		free(fn);
	}
	strata__gen_vars_free(&v);
}

/* The reads of a view that declares its columns: get (when it has a key), list, count, JSON. */
static void emit_view(gen_emitter *e, const gtable *g)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_var(&v, "table", g->name);
	strata__gen_var(&v, "kind", g->view->materialized ? "materialized view" : "view");
	strata__gen_render(e, "view_section", &v);
	strata__gen_read_fn(e, g);
	if (g->t->npkey)
		strata__gen_get(e, g);
	strata__gen_where(e, g);
	strata__gen_list_fns(e, g);
	strata__gen_json(e, g);
	strata__gen_vars_free(&v);
}

/* ISO C's "minimum maximum" length of a string literal (C99 and later 5.2.4.1). */
#define LONGEST_STRING 4095

/* Whether a line of `text` is long enough to hold a string literal over LONGEST_STRING. */
static bool has_long_line(const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > LONGEST_STRING)
			return true;
		p += n + (nl != NULL);
	}
	return false;
}

static void emit_source(gen_emitter *e, const char *source, const char *basename, const char *schema_text)
{
	const gmodel *m = e->m;
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_file_vars(e, source, &v);
	strata__gen_var(&v, "basename", basename);
	gen_emitter sub;
	strata_buf buf;
	strata__gen_block_begin(e, &sub, &buf);
	for (int i = 0; i < m->nenums; i++)
		strata__gen_enum_defs(&sub, &m->enums[i]);
	strata__gen_block_end(&v, "enums", &sub, &buf);
	strata__gen_block_begin(e, &sub, &buf);
	for (int i = 0; i < m->ntables; i++)
		emit_table(&sub, &m->tables[i]);
	for (int i = 0; i < m->nviews; i++)
		emit_view(&sub, &m->views[i]);
	strata__gen_var_bool(&v, "uses_uuid_is_zero", strstr(strata__buf_cstr(&buf), "uuid_is_zero(") != NULL);
	strata__gen_var_bool(&v, "long_strings",
			     has_long_line(strata__buf_cstr(&buf)) ||
				     (schema_text && strlen(schema_text) >= LONGEST_STRING));
	strata__gen_block_end(&v, "sections", &sub, &buf);
	/* the schema, a string literal per line */
	strata__gen_list(&v, "schema_lines");
	const char *p = schema_text ? schema_text : "";
	while (*p && v.rc == STRATA_OK) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
		char *line = strata__strndup(p, n);
		if (!line) {
			v.rc = STRATA_ENOMEM;
			break;
		}
		strata__gen_var_cstr(strata__gen_item(&v, "schema_lines"), "line", line);
		free(line);
		p += n;
	}
	strata__gen_render(e, "source", &v);
	strata__gen_vars_free(&v);
}

int strata_gen_c(const strata_schema *schema, const char *schema_text, const strata_gen_options *opts, char **header,
		 char **source)
{
	static const strata_gen_options defaults = STRATA_GEN_OPTIONS_INIT;
	if (!header || !source)
		return strata__error_set(STRATA_EINVAL, "strata_gen_c: header or source is NULL");
	*header = *source = NULL;
	if (!schema)
		return strata__error_set(STRATA_EINVAL, "strata_gen_c: schema is NULL");
	if (!opts)
		opts = &defaults;
	if (opts->version != STRATA_GEN_OPTIONS_VERSION && opts->version != 1)
		return strata__error_set(STRATA_EINVAL, "strata_gen_c: options version %u is not %d", opts->version,
					 STRATA_GEN_OPTIONS_VERSION);
	bool nonblocking = opts->version >= 2 && opts->nonblocking;
	const char *basename = opts->basename && *opts->basename ? opts->basename : "db";
	gmodel m;
	int rc = strata__gen_model_build(&m, schema, opts->prefix);
	if (rc != STRATA_OK) {
		strata__gen_model_free(&m);
		return rc;
	}
	strata__gen_tmpls tm;
	if ((rc = strata__gen_tmpls_load(&tm)) != STRATA_OK) {
		strata__gen_model_free(&m);
		return rc;
	}
	strata_buf h = STRATA_BUF_INIT, c = STRATA_BUF_INIT;
	gen_emitter e = { &h, STRATA_OK, &m, m.prefix, &tm, nonblocking };
	char guard[256];
	size_t gl = 0;
	for (const char *p = m.prefix; *p && gl < 100; p++)
		guard[gl++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	for (const char *p = basename; *p && gl < 200; p++)
		guard[gl++] = (char)(*p >= 'a' && *p <= 'z'
					     ? *p - 32
					     : ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? *p : '_'));
	snprintf(guard + gl, sizeof guard - gl, "_GENERATED_H");
	const char *from = opts->schema_file && *opts->schema_file ? opts->schema_file
								   : (m.s->file && *m.s->file ? m.s->file : "a schema");
	strata__gen_header(&e, from, guard);
	if (e.rc == STRATA_OK) {
		e.out = &c;
		emit_source(&e, from, basename, schema_text);
	}
	strata__gen_tmpls_free(&tm);
	rc = e.rc;
	strata__gen_model_free(&m);
	if (rc != STRATA_OK) {
		strata__buf_free(&h);
		strata__buf_free(&c);
		return rc;
	}
	*header = strata__buf_detach(&h);
	*source = strata__buf_detach(&c);
	if (!*header || !*source) {
		free(*header);
		free(*source);
		*header = *source = NULL;
		return STRATA_ENOMEM;
	}
	return STRATA_OK;
}
