/*
 * The schema language: the top level of a file (table, enum, mixin and
 * file-level `use` declarations), the built-in mixins, and the public
 * strata_schema_parse() / strata_schema_load().
 *
 * Tokens come from lexer.c, table bodies from parse_table.c.  The parser
 * only builds; references, mixins and types are checked in resolve.c once
 * the whole file is known (declarations can come in any order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/env.h"
#include "core/error.h"
#include "schema/lexer.h"

static int parse_enum(strata__parser *p)
{
	int rc;
	strata_enum *e = strata__push(p->s, &p->s->enums, &p->s->nenums, sizeof *e);
	if (!e)
		return STRATA_ENOMEM;
	e->pos.line = p->tok.line;
	e->pos.column = p->tok.col;
	if ((rc = strata__lex_next(p)) || (rc = strata__parse_name(p, "an enum name", &e->name, NULL)))
		return rc;
	if ((rc = strata__parse_expect_punct(p, '{')))
		return rc;
	const char **renamed = NULL;
	int nrenamed = 0;
	bool any_renamed = false;
	for (;;) {
		while (p->tok.kind == STRATA__TOK_NL || strata__lex_punct(p, ','))
			if ((rc = strata__lex_next(p)))
				return rc;
		if (strata__lex_punct(p, '}'))
			break;
		const char *v;
		int line = p->tok.line, col = p->tok.col;
		if (p->tok.kind == STRATA__TOK_STRING) {
			if (!(v = strata__lex_unquote(p, &p->tok)))
				return STRATA_ENOMEM;
			if ((rc = strata__lex_next(p)))
				return rc;
		} else if ((rc = strata__parse_name(p, "an enum value or '}'", &v, NULL))) {
			return rc;
		}
		if (!*v)
			return strata__parse_error(p, line, col, "empty enum value");
		if (strlen(v) > STRATA__MAX_NAME)
			return strata__parse_error(p, line, col, "enum value '%.20s...' is longer than %d bytes", v,
						   STRATA__MAX_NAME);
		for (int i = 0; i < e->nvalues; i++)
			if (strcmp(e->values[i], v) == 0)
				return strata__parse_error(p, line, col, "duplicate value '%s' in enum '%s'", v,
							   e->name);
		const char **slot = strata__push(p->s, &e->values, &e->nvalues, sizeof *slot);
		const char **old = strata__push(p->s, &renamed, &nrenamed, sizeof *old);
		if (!slot || !old)
			return STRATA_ENOMEM;
		*slot = v;
		if (strata__lex_word(p, "renamed_from")) {
			/* done renamed_from completed: the value used to be called so */
			if ((rc = strata__lex_next(p)))
				return rc;
			if (p->tok.kind == STRATA__TOK_STRING) {
				if (!(*old = strata__lex_unquote(p, &p->tok)) || (rc = strata__lex_next(p)))
					return rc ? rc : STRATA_ENOMEM;
			} else if ((rc = strata__parse_name(p, "the value's old name", old, NULL))) {
				return rc;
			}
			any_renamed = true;
		}
	}
	if (e->nvalues == 0)
		return strata__parse_error(p, e->pos.line, e->pos.column, "enum '%s' has no values", e->name);
	e->renamed_from = any_renamed ? renamed : NULL;
	return strata__lex_next(p);
}

static int parse_mixin(strata__parser *p)
{
	int rc;
	strata_mixin *m = strata__push(p->s, &p->s->mixins, &p->s->nmixins, sizeof *m);
	if (!m)
		return STRATA_ENOMEM;
	m->builtin = p->builtin;
	m->pos.line = p->tok.line;
	m->pos.column = p->tok.col;
	if ((rc = strata__lex_next(p)) || (rc = strata__parse_name(p, "a mixin name", &m->name, NULL)) ||
	    (rc = strata__parse_expect_punct(p, '{')))
		return rc;
	/* Parse the body as a table's, then keep what a mixin may hold. */
	strata_table t;
	memset(&t, 0, sizeof t);
	t.name = m->name;
	for (;;) {
		if ((rc = strata__parse_skip_newlines(p)))
			return rc;
		if (strata__lex_punct(p, '}'))
			break;
		if (p->tok.kind == STRATA__TOK_EOF)
			return strata__parse_error(p, p->tok.line, p->tok.col, "missing '}' at the end of mixin '%s'",
						   m->name);
		if (strata__lex_word(p, "use")) {
			rc = strata__parse_use(p, &t.columns, &t.ncolumns, &m->uses, &m->nuses);
		} else if (strata__lex_word(p, "index") || strata__lex_word(p, "unique") ||
			   strata__lex_word(p, "primary") || strata__lex_word(p, "check") ||
			   strata__lex_word(p, "foreign") || strata__lex_word(p, "skip") ||
			   strata__lex_word(p, "renamed_from") || strata__lex_word(p, "unscoped")) {
			return strata__parse_error(p, p->tok.line, p->tok.col,
						   "a mixin holds only columns and 'use' lines");
		} else {
			strata_column *c = strata__push(p->s, &t.columns, &t.ncolumns, sizeof *c);
			if (!c)
				return STRATA_ENOMEM;
			if ((rc = strata__parse_name(p, "a column name", &c->name, &c->pos)))
				return rc;
			c->mixin = m->name;
			rc = strata__parse_column(p, &t, &t.columns[t.ncolumns - 1]);
		}
		if (rc)
			return rc;
	}
	m->columns = t.columns;
	m->ncolumns = t.ncolumns;
	m->fkeys = t.fkeys;
	m->nfkeys = t.nfkeys;
	return strata__lex_next(p);
}

/* The words that begin a declaration, for messages. */
static const char *const top_words[] = { "table",    "enum",	"mixin",  "view",      "materialized",
					 "function", "trigger", "domain", "extension", "sequence" };
#define TOP_WORDS                                                                                                     \
	"'table', 'enum', 'mixin', 'use', 'view', 'materialized view', 'function', 'trigger', 'domain', 'extension' " \
	"or 'sequence'"

int strata__schema_parse_into(strata_schema *s, const char *text, size_t len, const char *file, bool builtin,
			      strata__parse_extra *extra)
{
	strata__parser p;
	int rc;
	memset(&p, 0, sizeof p);
	p.s = s;
	p.src = text ? text : "";
	p.len = text ? len : 0;
	p.line = p.col = 1;
	p.file = file;
	p.builtin = builtin;
	p.extra = extra;
	/* Text holds no NUL bytes: names, strings and SQL are C strings in the model. */
	const char *nul = p.len ? memchr(p.src, '\0', p.len) : NULL;
	if (nul) {
		int line = 1, col = 1;
		for (const char *c = p.src; c < nul; c++) {
			if (*c == '\n')
				line++, col = 1;
			else
				col++;
		}
		return strata__parse_error(&p, line, col, "unexpected byte 0x00");
	}
	if ((rc = strata__lex_next(&p)))
		return rc;
	for (;;) {
		if ((rc = strata__parse_skip_newlines(&p)))
			return rc;
		if (p.tok.kind == STRATA__TOK_EOF)
			return STRATA_OK;
		if (strata__lex_word(&p, "table")) {
			strata_table *t = strata__push(s, &s->tables, &s->ntables, sizeof *t);
			if (!t)
				return STRATA_ENOMEM;
			t->pos.line = p.tok.line;
			t->pos.column = p.tok.col;
			if ((rc = strata__lex_next(&p)) ||
			    (rc = strata__parse_name(&p, "a table name", &t->name, NULL)))
				return rc;
			if ((rc = strata__parse_table_head(&p, &s->tables[s->ntables - 1])))
				return rc;
			/* A partition's columns are its parent's: `{ ... }` only for its own indexes and checks. */
			if (s->tables[s->ntables - 1].partition_of && !strata__lex_punct(&p, '{'))
				rc = strata__parse_end_clause(&p);
			else
				rc = strata__parse_table_body(&p, &s->tables[s->ntables - 1]);
		} else if (strata__lex_word(&p, "enum")) {
			rc = parse_enum(&p);
		} else if (strata__lex_word(&p, "mixin")) {
			rc = parse_mixin(&p);
		} else if (strata__lex_word(&p, "view") || strata__lex_word(&p, "materialized") ||
			   strata__lex_word(&p, "function") || strata__lex_word(&p, "trigger") ||
			   strata__lex_word(&p, "domain") || strata__lex_word(&p, "extension") ||
			   strata__lex_word(&p, "sequence")) {
			rc = strata__parse_object(&p);
		} else if (strata__lex_word(&p, "use")) {
			if ((rc = strata__lex_next(&p)))
				return rc;
			for (;;) {
				strata_srcpos at;
				const char *m;
				if ((rc = strata__parse_name(&p, "a mixin name", &m, &at)))
					return rc;
				if (strata__push_str(s, &s->default_mixins, &s->ndefault_mixins, m))
					return STRATA_ENOMEM;
				strata_srcpos *ps =
					strata__push(s, &extra->default_pos, &extra->ndefault_pos, sizeof *ps);
				if (!ps)
					return STRATA_ENOMEM;
				*ps = at;
				if (!strata__lex_punct(&p, ','))
					break;
				if ((rc = strata__lex_next(&p)))
					return rc;
			}
			rc = strata__parse_end_clause(&p);
		} else {
			char found[64];
			strata__lex_describe(&p.tok, found, sizeof found);
			if (p.tok.kind == STRATA__TOK_IDENT && p.tok.n < 32) {
				char w[32];
				snprintf(w, sizeof w, "%.*s", (int)p.tok.n, p.tok.p);
				for (size_t i = 0; i < sizeof top_words / sizeof top_words[0]; i++)
					if (p.tok.n > 2 && strata__edit_distance(w, top_words[i], 2) <= 2)
						return strata__parse_error(&p, p.tok.line, p.tok.col,
									   "expected %s, found %s; did you mean '%s'?",
									   TOP_WORDS, found, top_words[i]);
			}
			return strata__parse_error(&p, p.tok.line, p.tok.col, "expected %s, found %s", TOP_WORDS,
						   found);
		}
		if (rc)
			return rc;
	}
}

static const char builtin_mixins[] = "mixin timestamps {\n"
				     "    created_at timestamp not null default now\n"
				     "    updated_at timestamp not null default now auto_update\n"
				     "}\n"
				     "mixin soft_delete {\n"
				     "    deleted_at timestamp\n"
				     "}\n"
				     "mixin audit {\n"
				     "    created_by_id ref users on delete set null default actor\n"
				     "    updated_by_id ref users on delete set null default actor auto_update\n"
				     "}\n";

int strata_schema_parse(strata_schema **out, const char *text, size_t len, const char *file)
{
	strata_schema *s = NULL;
	strata__parse_extra extra = { NULL, 0 };
	int rc;
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_schema_parse: out is NULL");
	*out = NULL;
	if (!text && len)
		return strata__error_set(STRATA_EINVAL, "strata_schema_parse: text is NULL");
	/* a NUL would hide the rest of the file; a byte order mark is not text */
	if (text && (rc = strata__text_check(text, len, file ? file : "<schema>")))
		return rc;
	if (text) {
		size_t bom = strata__text_bom(text, len);
		text += bom;
		len -= bom;
	}
	if ((rc = strata__schema_new(&s, file ? file : "<schema>")))
		return rc;
	if ((rc = strata__schema_parse_into(s, text, len, s->file, false, &extra)))
		goto fail;
	/* Built-in mixins the file did not define itself. */
	int nuser = s->nmixins;
	strata_schema *b = NULL;
	strata__parse_extra bextra = { NULL, 0 };
	if ((rc = strata__schema_new(&b, "<builtin>")))
		goto fail;
	rc = strata__schema_parse_into(b, builtin_mixins, sizeof builtin_mixins - 1, "<builtin>", true, &bextra);
	for (int i = 0; rc == STRATA_OK && i < b->nmixins; i++) {
		bool defined = false;
		for (int j = 0; j < nuser; j++)
			if (strcmp(s->mixins[j].name, b->mixins[i].name) == 0)
				defined = true;
		if (defined)
			continue;
		strata_mixin *m = strata__push(s, &s->mixins, &s->nmixins, sizeof *m);
		if (!m) {
			rc = STRATA_ENOMEM;
			break;
		}
		const strata_mixin *src = &b->mixins[i];
		m->builtin = true;
		m->pos = src->pos;
		if (!(m->name = strata__sdup(s, src->name))) {
			rc = STRATA_ENOMEM;
			break;
		}
		for (int k = 0; rc == STRATA_OK && k < src->ncolumns; k++) {
			strata_column *c = strata__push(s, &m->columns, &m->ncolumns, sizeof *c);
			if (!c || strata__copy_column(s, c, &src->columns[k]))
				rc = STRATA_ENOMEM;
		}
		for (int k = 0; rc == STRATA_OK && k < src->nfkeys; k++) {
			strata_fkey *f = strata__push(s, &m->fkeys, &m->nfkeys, sizeof *f);
			if (!f || strata__copy_fkey(s, f, &src->fkeys[k]))
				rc = STRATA_ENOMEM;
		}
	}
	strata_schema_free(b);
	if (rc)
		goto fail;
	if ((rc = strata__schema_resolve(s, &extra)))
		goto fail;
	*out = s;
	return STRATA_OK;
fail:
	strata_schema_free(s);
	return rc;
}

int strata_schema_load(strata_schema **out, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int rc;
	if (!out || !path)
		return strata__error_set(STRATA_EINVAL, "strata_schema_load: NULL argument");
	*out = NULL;
	if ((rc = strata__read_file(path, &text, &len)))
		return rc;
	rc = strata_schema_parse(out, text, len, path);
	free(text);
	return rc;
}

bool strata__schema_reserved(const char *nm)
{
	static const char *const words[] = {
		"table",   "enum",	   "mixin",	   "use",      "skip",	    "index",	 "unique",   "primary",
		"foreign", "check",	   "renamed_from", "ref",      "sql",	    "not",	 "null",     "default",
		"owner",   "auto_update",  "references",   "on",       "as",	    "backref",	 "where",    "key",
		"true",	   "false",	   "now",	   "uuid",     "uuid_v4",   "uuid_v7",	 "cascade",  "restrict",
		"set",	   "no",	   "action",	   "unscoped", "generated", "identity",	 "collate",  "comment",
		"view",	   "materialized", "function",	   "trigger",  "domain",    "extension", "sequence",
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(nm, words[i]) == 0)
			return true;
	if (!strata__lex_ident_start((unsigned char)nm[0]))
		return true;
	for (const char *c = nm; *c; c++)
		if (!strata__lex_ident_char((unsigned char)*c))
			return true;
	return false;
}
