/*
 * The schema language: the body of a table (and of a mixin, which holds
 * columns and `use` lines): columns with their types, defaults and
 * options, and the table-level clauses (use, skip, unscoped,
 * renamed_from, primary key, index, unique, check, foreign key).
 *
 * The parser only builds; references, mixins and types are checked in
 * resolve.c once the whole file is known.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "schema/lexer.h"

static const struct {
	const char *name;
	strata_type_kind kind;
} type_words[] = {
	{ "int", STRATA_T_INT },       { "bigint", STRATA_T_BIGINT },
	{ "serial", STRATA_T_SERIAL }, { "bool", STRATA_T_BOOL },
	{ "float", STRATA_T_FLOAT },   { "decimal", STRATA_T_DECIMAL },
	{ "string", STRATA_T_STRING }, { "text", STRATA_T_TEXT },
	{ "bytes", STRATA_T_BYTES },   { "timestamp", STRATA_T_TIMESTAMP },
	{ "date", STRATA_T_DATE },     { "uuid", STRATA_T_UUID },
	{ "json", STRATA_T_JSON },
};

const char *strata__type_word(int i)
{
	return i >= 0 && i < (int)(sizeof type_words / sizeof type_words[0]) ? type_words[i].name : NULL;
}

/* The type of a column; `fk` is set when the type is `ref T`. */
static int parse_type(strata__parser *p, strata_table *t, strata_column *c, int *fk_index)
{
	int rc;
	c->type_pos.line = p->tok.line;
	c->type_pos.column = p->tok.col;
	if (strata__lex_word(p, "ref")) {
		if ((rc = strata__lex_next(p)))
			return rc;
		strata_fkey *f = strata__push(p->s, &t->fkeys, &t->nfkeys, sizeof *f);
		if (!f)
			return STRATA_ENOMEM;
		f->pos = c->pos;
		if ((rc = strata__parse_name(p, "a table name after 'ref'", &f->ref_table, &f->ref_pos)))
			return rc;
		if (strata__push_str(p->s, &f->columns, &f->ncolumns, c->name))
			return STRATA_ENOMEM;
		if (strata__lex_punct(p, '.')) {
			const char *rc_name;
			if ((rc = strata__lex_next(p)) || (rc = strata__parse_name(p, "a column name", &rc_name, NULL)))
				return rc;
			if (strata__push_str(p->s, &f->ref_columns, &f->nref_columns, rc_name))
				return STRATA_ENOMEM;
		}
		c->type.kind = 0;
		*fk_index = t->nfkeys - 1;
		return STRATA_OK;
	}
	if (strata__lex_word(p, "sql")) {
		if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_punct(p, '(')))
			return rc;
		if (!strata__lex_string(p))
			return strata__parse_expected(p, "the SQL type as a string, sql('...')");
		if (!(c->type.raw = strata__lex_unquote(p, &p->tok)))
			return STRATA_ENOMEM;
		/* sql('') is SQLite's column without a declared type. */
		if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_punct(p, ')')))
			return rc;
		c->type.kind = STRATA_T_RAW;
	} else {
		const char *tn;
		/* a quoted name is an enum's, as written: "order status", or "int" for an enum named int */
		bool quoted = p->tok.kind == STRATA__TOK_QIDENT;
		if (p->tok.kind != STRATA__TOK_IDENT && !quoted)
			return strata__parse_expected(p, "a type");
		if ((rc = strata__parse_name(p, "a type", &tn, NULL)))
			return rc;
		c->type.kind = STRATA_T_ENUM;
		for (size_t i = 0; i < sizeof type_words / sizeof type_words[0] && !quoted; i++)
			if (strcmp(tn, type_words[i].name) == 0)
				c->type.kind = type_words[i].kind;
		if (c->type.kind == STRATA_T_ENUM)
			c->type.enum_name = tn;
		if (c->type.kind == STRATA_T_STRING) {
			if (!strata__lex_punct(p, '('))
				return strata__parse_error(
					p, c->type_pos.line, c->type_pos.column,
					"string needs a maximum length: string(n); use text for unbounded text");
			if ((rc = strata__lex_next(p)) ||
			    (rc = strata__parse_int(p, &c->type.length, 1, 10485760, "the length")) ||
			    (rc = strata__parse_expect_punct(p, ')')))
				return rc;
		} else if (c->type.kind == STRATA_T_DECIMAL) {
			if (!strata__lex_punct(p, '('))
				return strata__parse_error(p, c->type_pos.line, c->type_pos.column,
							   "decimal needs a precision: decimal(p,s)");
			if ((rc = strata__lex_next(p)) ||
			    (rc = strata__parse_int(p, &c->type.precision, 1, 1000, "the precision")))
				return rc;
			if (strata__lex_punct(p, ',')) {
				if ((rc = strata__lex_next(p)) ||
				    (rc = strata__parse_int(p, &c->type.scale, 0, 1000, "the scale")))
					return rc;
				if (c->type.scale > c->type.precision)
					return strata__parse_error(p, c->type_pos.line, c->type_pos.column,
								   "decimal scale %d is larger than its precision %d",
								   c->type.scale, c->type.precision);
			}
			if ((rc = strata__parse_expect_punct(p, ')')))
				return rc;
		} else if (strata__lex_punct(p, '(') && c->type.kind == STRATA_T_ENUM) {
			const char *best = NULL;
			int bd = 3;
			for (size_t i = 0; i < sizeof type_words / sizeof type_words[0]; i++) {
				int d = strata__edit_distance(tn, type_words[i].name, 2);
				if (d < bd)
					bd = d, best = type_words[i].name;
			}
			if (best)
				return strata__parse_error(p, c->type_pos.line, c->type_pos.column,
							   "unknown type '%s'; did you mean '%s'?", tn, best);
			return strata__parse_error(p, c->type_pos.line, c->type_pos.column, "unknown type '%s'", tn);
		} else if (strata__lex_punct(p, '(')) {
			return strata__parse_error(p, p->tok.line, p->tok.col, "type '%s' takes no arguments", tn);
		}
	}
	if (strata__lex_punct(p, '[')) {
		if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_punct(p, ']')))
			return rc;
		if (c->type.kind == STRATA_T_SERIAL)
			return strata__parse_error(p, c->type_pos.line, c->type_pos.column,
						   "serial cannot be an array");
		c->type.array = true;
		if (strata__lex_punct(p, '['))
			return strata__parse_error(p, p->tok.line, p->tok.col, "arrays of arrays are not supported");
	}
	return STRATA_OK;
}

static int fk_action(strata__parser *p, strata_fk_action *out)
{
	int rc;
	if (strata__lex_word(p, "cascade")) {
		*out = STRATA_FK_CASCADE;
	} else if (strata__lex_word(p, "restrict")) {
		*out = STRATA_FK_RESTRICT;
	} else if (strata__lex_word(p, "set")) {
		if ((rc = strata__lex_next(p)))
			return rc;
		if (strata__lex_word(p, "null"))
			*out = STRATA_FK_SET_NULL;
		else if (strata__lex_word(p, "default"))
			*out = STRATA_FK_SET_DEFAULT;
		else
			return strata__parse_expected(p, "'null' or 'default' after 'set'");
	} else if (strata__lex_word(p, "no")) {
		if ((rc = strata__lex_next(p)))
			return rc;
		if (!strata__lex_word(p, "action"))
			return strata__parse_expected(p, "'action' after 'no'");
		*out = STRATA_FK_NO_ACTION;
	} else {
		return strata__parse_expected(p, "cascade, set null, set default, restrict or no action");
	}
	return strata__lex_next(p);
}

/* on delete X / on update X, `as`, `backref`: shared by columns and table keys. */
static int fk_option(strata__parser *p, strata_fkey *f, bool *handled)
{
	int rc;
	*handled = true;
	if (strata__lex_word(p, "on")) {
		if ((rc = strata__lex_next(p)))
			return rc;
		if (strata__lex_word(p, "delete")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			return fk_action(p, &f->on_delete);
		}
		if (strata__lex_word(p, "update")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			return fk_action(p, &f->on_update);
		}
		return strata__parse_expected(p, "'delete' or 'update' after 'on'");
	}
	if (strata__lex_word(p, "as")) {
		if ((rc = strata__lex_next(p)))
			return rc;
		return strata__parse_name(p, "a relationship name after 'as'", &f->as, NULL);
	}
	if (strata__lex_word(p, "backref")) {
		if ((rc = strata__lex_next(p)))
			return rc;
		return strata__parse_name(p, "a relationship name after 'backref'", &f->backref, NULL);
	}
	*handled = false;
	return STRATA_OK;
}

static int parse_default(strata__parser *p, strata_column *c)
{
	int rc;
	c->default_pos.line = p->tok.line;
	c->default_pos.column = p->tok.col;
	strata_default *d = &c->dflt;
	if (strata__lex_punct(p, '-')) {
		if ((rc = strata__lex_next(p)))
			return rc;
		if (p->tok.kind != STRATA__TOK_INT && p->tok.kind != STRATA__TOK_NUM)
			return strata__parse_expected(p, "a number after '-'");
		d->kind = p->tok.kind == STRATA__TOK_INT ? STRATA_DEFAULT_INT : STRATA_DEFAULT_NUMBER;
		if (!(d->text = strata__sprintf(p->s, "-%.*s", (int)p->tok.n, p->tok.p)))
			return STRATA_ENOMEM;
		return strata__lex_next(p);
	}
	switch (p->tok.kind) {
	case STRATA__TOK_INT:
	case STRATA__TOK_NUM:
		d->kind = p->tok.kind == STRATA__TOK_INT ? STRATA_DEFAULT_INT : STRATA_DEFAULT_NUMBER;
		if (!(d->text = strata__sndup(p->s, p->tok.p, p->tok.n)))
			return STRATA_ENOMEM;
		return strata__lex_next(p);
	case STRATA__TOK_STRING:
		d->kind = STRATA_DEFAULT_STRING;
		if (!(d->text = strata__lex_unquote(p, &p->tok)))
			return STRATA_ENOMEM;
		return strata__lex_next(p);
	case STRATA__TOK_QIDENT:
		d->kind = STRATA_DEFAULT_ENUM;
		if (!(d->text = strata__lex_unquote(p, &p->tok)))
			return STRATA_ENOMEM;
		return strata__lex_next(p);
	case STRATA__TOK_IDENT: break;
	default: return strata__parse_expected(p, "a default value");
	}
	if (strata__lex_word(p, "true") || strata__lex_word(p, "false")) {
		d->kind = STRATA_DEFAULT_BOOL;
		d->text = strata__lex_word(p, "true") ? "true" : "false";
	} else if (strata__lex_word(p, "null")) {
		d->kind = STRATA_DEFAULT_NULL;
	} else if (strata__lex_word(p, "now")) {
		d->kind = STRATA_DEFAULT_NOW;
	} else if (strata__lex_word(p, "uuid") || strata__lex_word(p, "uuid_v7")) {
		d->kind = STRATA_DEFAULT_UUID_V7;
	} else if (strata__lex_word(p, "uuid_v4")) {
		d->kind = STRATA_DEFAULT_UUID_V4;
	} else if (strata__lex_word(p, "actor")) {
		d->kind = STRATA_DEFAULT_ACTOR; /* an enum column's value `actor` is sorted out in resolve.c */
	} else if (strata__lex_word(p, "sql")) {
		if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_punct(p, '(')))
			return rc;
		if (!strata__lex_string(p))
			return strata__parse_expected(p, "an SQL expression as a string, sql('...')");
		d->kind = STRATA_DEFAULT_RAW;
		if (!(d->text = strata__lex_unquote(p, &p->tok)))
			return STRATA_ENOMEM;
		if (!*d->text)
			return strata__parse_error(p, p->tok.line, p->tok.col, "empty SQL expression");
		if ((rc = strata__lex_next(p)))
			return rc;
		return strata__parse_expect_punct(p, ')');
	} else {
		d->kind = STRATA_DEFAULT_ENUM;
		if (!(d->text = strata__sndup(p->s, p->tok.p, p->tok.n)))
			return STRATA_ENOMEM;
	}
	return strata__lex_next(p);
}

static const char *const column_options[] = {
	"not",	      "null", "unique", "primary", "default",	"check",    "owner",   "auto_update", "renamed_from",
	"references", "on",   "as",	"backref", "generated", "identity", "collate", "comment",
};

/* A string: 'text' or $$text$$, exactly (into the arena). */
static int parse_string(strata__parser *p, const char *what, const char **out)
{
	if (!strata__lex_string(p))
		return strata__parse_expected(p, what);
	if (!(*out = strata__lex_unquote(p, &p->tok)))
		return STRATA_ENOMEM;
	return strata__lex_next(p);
}

/* A collation: a name, "quoted" or bare. */
static int parse_collation(strata__parser *p, const char **out)
{
	return strata__parse_name(p, "a collation name after 'collate'", out, NULL);
}

static int unknown_option(strata__parser *p)
{
	char found[64];
	strata__lex_describe(&p->tok, found, sizeof found);
	if (p->tok.kind == STRATA__TOK_IDENT) {
		char w[64];
		snprintf(w, sizeof w, "%.*s", (int)(p->tok.n > 60 ? 60 : p->tok.n), p->tok.p);
		const char *best = NULL;
		int bd = 3;
		for (size_t i = 0; i < sizeof column_options / sizeof column_options[0]; i++) {
			int d = strata__edit_distance(w, column_options[i], 2);
			if (d < bd && strlen(w) > 2)
				bd = d, best = column_options[i];
		}
		if (best)
			return strata__parse_error(p, p->tok.line, p->tok.col,
						   "unknown column option '%s'; did you mean '%s'?", w, best);
		return strata__parse_error(p, p->tok.line, p->tok.col, "unknown column option '%s'", w);
	}
	return strata__parse_error(p, p->tok.line, p->tok.col, "expected a column option or end of line, found %s",
				   found);
}

/* A column line: name type options... */
int strata__parse_column(strata__parser *p, strata_table *t, strata_column *c)
{
	int rc, fk = -1;
	if ((rc = parse_type(p, t, c, &fk)))
		return rc;
	while (p->tok.kind != STRATA__TOK_NL && !strata__lex_punct(p, ';') && !strata__lex_punct(p, '}') &&
	       p->tok.kind != STRATA__TOK_EOF) {
		int line = p->tok.line, col = p->tok.col;
		if (fk >= 0) {
			bool handled;
			if ((rc = fk_option(p, &t->fkeys[fk], &handled)))
				return rc;
			if (handled)
				continue;
		}
		if (strata__lex_word(p, "not")) {
			if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_word(p, "null")))
				return rc;
			c->not_null = true;
		} else if (strata__lex_word(p, "null")) {
			c->not_null = false;
			rc = strata__lex_next(p);
		} else if (strata__lex_word(p, "unique")) {
			c->unique = true;
			rc = strata__lex_next(p);
		} else if (strata__lex_word(p, "primary")) {
			if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_word(p, "key")))
				return rc;
			c->primary_key = true;
		} else if (strata__lex_word(p, "default")) {
			if (c->dflt.kind != STRATA_DEFAULT_NONE)
				return strata__parse_error(p, line, col, "column '%s' has two defaults", c->name);
			if ((rc = strata__lex_next(p)) || (rc = parse_default(p, c)))
				return rc;
		} else if (strata__lex_word(p, "check")) {
			if (c->check)
				return strata__parse_error(p, line, col,
							   "column '%s' has two checks; join them with 'and'", c->name);
			if ((rc = strata__lex_next(p)))
				return rc;
			if (!strata__lex_punct(p, '('))
				return strata__parse_expected(p, "'(' after 'check'");
			rc = strata__lex_raw_parens(p, &c->check);
		} else if (strata__lex_word(p, "owner")) {
			c->owner = true;
			rc = strata__lex_next(p);
		} else if (strata__lex_word(p, "auto_update")) {
			c->auto_update = true;
			rc = strata__lex_next(p);
		} else if (strata__lex_word(p, "renamed_from")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			rc = strata__parse_name(p, "the old column name", &c->renamed_from, NULL);
		} else if (strata__lex_word(p, "generated")) {
			/* generated (SQL) [stored | virtual] */
			if (c->generated)
				return strata__parse_error(p, line, col, "column '%s' is generated twice", c->name);
			if ((rc = strata__lex_next(p)))
				return rc;
			if (!strata__lex_punct(p, '('))
				return strata__parse_expected(p, "'(' after 'generated'");
			if ((rc = strata__lex_raw_parens(p, &c->generated)))
				return rc;
			if (strata__lex_word(p, "stored") || strata__lex_word(p, "virtual")) {
				c->generated_virtual = strata__lex_word(p, "virtual");
				rc = strata__lex_next(p);
			}
		} else if (strata__lex_word(p, "identity")) {
			/* identity [always] */
			if ((rc = strata__lex_next(p)))
				return rc;
			c->identity = STRATA_IDENTITY_BY_DEFAULT;
			if (strata__lex_word(p, "always")) {
				c->identity = STRATA_IDENTITY_ALWAYS;
				rc = strata__lex_next(p);
			}
		} else if (strata__lex_word(p, "collate")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			rc = parse_collation(p, &c->collation);
		} else if (strata__lex_word(p, "comment")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			rc = parse_string(p, "the comment as a string: comment '...'", &c->comment);
		} else if (strata__lex_word(p, "references")) {
			if (fk >= 0)
				return strata__parse_error(p, line, col, "column '%s' already references a table",
							   c->name);
			if ((rc = strata__lex_next(p)))
				return rc;
			strata_fkey *f = strata__push(p->s, &t->fkeys, &t->nfkeys, sizeof *f);
			if (!f)
				return STRATA_ENOMEM;
			f->pos = c->pos;
			fk = t->nfkeys - 1;
			if ((rc = strata__parse_name(p, "a table name after 'references'", &f->ref_table,
						     &f->ref_pos)) ||
			    strata__push_str(p->s, &f->columns, &f->ncolumns, c->name))
				return rc ? rc : STRATA_ENOMEM;
			if (strata__lex_punct(p, '('))
				rc = strata__parse_name_list(p, &f->ref_columns, &f->nref_columns, NULL);
		} else if (strata__lex_word(p, "on") || strata__lex_word(p, "as") || strata__lex_word(p, "backref")) {
			return strata__parse_error(p, line, col,
						   "'%.*s' needs a foreign key: write 'ref table' as the type",
						   (int)p->tok.n, p->tok.p);
		} else {
			return unknown_option(p);
		}
		if (rc)
			return rc;
	}
	return strata__parse_end_clause(p);
}

/* index [name] (cols) [where ...]; `unique` was consumed when `unique` is true. */
/*
 * ( key, ... ): a key is a column name, an (SQL expression) or a function
 * call (lower(email)), then any of
 * `collate NAME`, an operator class, `asc` / `desc`, `nulls first|last`.
 */
static int parse_index_keys(strata__parser *p, strata_index *x)
{
	int rc, npos = 0, nkeys = 0;
	strata_index_key *keys = NULL;
	strata_srcpos *pos = NULL;
	bool special = false;
	if ((rc = strata__parse_expect_punct(p, '(')))
		return rc;
	for (;;) {
		strata_srcpos at = { p->tok.line, p->tok.col };
		const char *key;
		strata_index_key *k = strata__push(p->s, &keys, &nkeys, sizeof *k);
		strata_srcpos *ps = strata__push(p->s, &pos, &npos, sizeof *ps);
		if (!k || !ps)
			return STRATA_ENOMEM;
		*ps = at;
		if (strata__lex_punct(p, '(')) {
			if ((rc = strata__lex_raw_parens(p, &key)))
				return rc;
			k->expr = special = true;
		} else if ((rc = strata__parse_name(p, "a column name or an (expression)", &key, NULL))) {
			return rc;
		} else if (strata__lex_punct(p, '(')) {
			/* A function call, as SQL allows without parentheses around it: lower(email). */
			const char *args;
			if ((rc = strata__lex_raw_parens(p, &args)))
				return rc;
			if (!(key = strata__sprintf(p->s, "%s(%s)", key, args)))
				return STRATA_ENOMEM;
			k->expr = special = true;
		}
		if (strata__push_str(p->s, &x->columns, &x->ncolumns, key))
			return STRATA_ENOMEM;
		while (p->tok.kind == STRATA__TOK_IDENT) {
			if (strata__lex_word(p, "collate")) {
				if ((rc = strata__lex_next(p)) || (rc = parse_collation(p, &k->collation)))
					return rc;
			} else if (strata__lex_word(p, "asc") || strata__lex_word(p, "desc")) {
				k->desc = strata__lex_word(p, "desc");
				if ((rc = strata__lex_next(p)))
					return rc;
			} else if (strata__lex_word(p, "nulls")) {
				if ((rc = strata__lex_next(p)))
					return rc;
				if (!strata__lex_word(p, "first") && !strata__lex_word(p, "last"))
					return strata__parse_expected(p, "'first' or 'last' after 'nulls'");
				k->nulls = strata__lex_word(p, "first") ? STRATA_NULLS_FIRST : STRATA_NULLS_LAST;
				if ((rc = strata__lex_next(p)))
					return rc;
			} else if (!k->opclass) {
				if ((rc = strata__parse_name(p, "an operator class", &k->opclass, NULL)))
					return rc;
			} else {
				return strata__parse_expected(p, "',' or ')'");
			}
		}
		special |= k->collation || k->desc || k->nulls || k->opclass;
		if (strata__lex_punct(p, ',')) {
			if ((rc = strata__lex_next(p)))
				return rc;
		} else if (strata__lex_punct(p, ')')) {
			break;
		} else {
			return strata__parse_expected(p, "',' or ')'");
		}
	}
	x->column_pos = pos;
	x->keys = special ? keys : NULL;
	return strata__lex_next(p);
}

/* index [name] [using METHOD] (keys) [include (cols)] [where ...]; `unique` was consumed when `unique` is true. */
static int parse_index(strata__parser *p, strata_table *t, bool unique, strata_srcpos pos)
{
	int rc;
	strata_index *x = strata__push(p->s, &t->indexes, &t->nindexes, sizeof *x);
	if (!x)
		return STRATA_ENOMEM;
	x->unique = unique;
	x->pos = pos;
	bool method_next = strata__lex_word(p, "using") && strata__lex_peek(p) != '(';
	if (!strata__lex_punct(p, '(') && !method_next) {
		if ((rc = strata__parse_name(p, "an index name or '('", &x->name, NULL)))
			return rc;
		x->named = true;
	}
	if (strata__lex_word(p, "using")) {
		if ((rc = strata__lex_next(p)) ||
		    (rc = strata__parse_name(p, "an index method (gin, gist, brin, hash, ...)", &x->method, NULL)))
			return rc;
		if (strcmp(x->method, "btree") == 0)
			x->method = NULL; /* the default */
	}
	if ((rc = parse_index_keys(p, x)))
		return rc;
	if (strata__lex_word(p, "include")) {
		if ((rc = strata__lex_next(p)) || (rc = strata__parse_name_list(p, &x->include, &x->ninclude, NULL)))
			return rc;
	}
	if (strata__lex_word(p, "where")) {
		if ((rc = strata__lex_raw_line(p, &x->where)))
			return rc;
		return STRATA_OK; /* raw_line stopped at the newline and read it */
	}
	return strata__parse_end_clause(p);
}

int strata__parse_use(strata__parser *p, strata_column **cols, int *ncols, const char ***uses, int *nuses)
{
	int rc;
	if ((rc = strata__lex_next(p)))
		return rc;
	for (;;) {
		strata_column *c = strata__push(p->s, cols, ncols, sizeof *c);
		if (!c)
			return STRATA_ENOMEM;
		c->pos.line = p->tok.line;
		c->pos.column = p->tok.col;
		if ((rc = strata__parse_name(p, "a mixin name", &c->mixin, NULL)))
			return rc;
		if (uses && strata__push_str(p->s, uses, nuses, c->mixin))
			return STRATA_ENOMEM;
		if (!strata__lex_punct(p, ','))
			break;
		if ((rc = strata__lex_next(p)))
			return rc;
	}
	return strata__parse_end_clause(p);
}

int strata__parse_table_body(strata__parser *p, strata_table *t)
{
	int rc;
	if ((rc = strata__parse_expect_punct(p, '{')))
		return rc;
	for (;;) {
		if ((rc = strata__parse_skip_newlines(p)))
			return rc;
		if (strata__lex_punct(p, '}'))
			return strata__lex_next(p);
		if (p->tok.kind == STRATA__TOK_EOF)
			return strata__parse_error(p, p->tok.line, p->tok.col, "missing '}' at the end of table '%s'",
						   t->name);
		strata_srcpos pos = { p->tok.line, p->tok.col };
		if (p->tok.kind == STRATA__TOK_IDENT && strata__lex_word(p, "use")) {
			rc = strata__parse_use(p, &t->columns, &t->ncolumns, NULL, NULL);
		} else if (strata__lex_word(p, "skip")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			for (;;) {
				const char *m;
				if ((rc = strata__parse_name(p, "a mixin name", &m, NULL)))
					return rc;
				char *neg = strata__sprintf(p->s, "-%s", m);
				if (!neg || strata__push_str(p->s, &t->mixins, &t->nmixins, neg))
					return STRATA_ENOMEM;
				if (!strata__lex_punct(p, ','))
					break;
				if ((rc = strata__lex_next(p)))
					return rc;
			}
			rc = strata__parse_end_clause(p);
		} else if (strata__lex_word(p, "unscoped")) {
			/* unscoped NAME[, NAME]: the generator writes T_NAME_get/list/count without the owner */
			if ((rc = strata__lex_next(p)))
				return rc;
			for (;;) {
				const char *u;
				strata_srcpos upos;
				if ((rc = strata__parse_name(p, "a name for the unscoped variant", &u, &upos)))
					return rc;
				for (int k = 0; k < t->nunscoped; k++)
					if (strcmp(t->unscoped[k], u) == 0)
						return strata__parse_error(
							p, upos.line, upos.column,
							"table '%s' names the unscoped variant '%s' twice", t->name, u);
				if (strata__push_str(p->s, &t->unscoped, &t->nunscoped, u))
					return STRATA_ENOMEM;
				if (!strata__lex_punct(p, ','))
					break;
				if ((rc = strata__lex_next(p)))
					return rc;
			}
			rc = strata__parse_end_clause(p);
		} else if (strata__lex_word(p, "comment") &&
			   (strata__lex_peek(p) == '\'' || strata__lex_peek(p) == '$')) {
			/* `comment 'text'` (a column named comment is followed by its type) */
			if (t->comment)
				return strata__parse_error(p, pos.line, pos.column, "table '%s' has two comments",
							   t->name);
			if ((rc = strata__lex_next(p)) ||
			    (rc = parse_string(p, "the comment as a string", &t->comment)))
				return rc;
			rc = strata__parse_end_clause(p);
		} else if (strata__lex_word(p, "renamed_from")) {
			if (t->renamed_from)
				return strata__parse_error(p, pos.line, pos.column,
							   "table '%s' has two renamed_from hints", t->name);
			if ((rc = strata__lex_next(p)) ||
			    (rc = strata__parse_name(p, "the old table name", &t->renamed_from, NULL)))
				return rc;
			rc = strata__parse_end_clause(p);
		} else if (strata__lex_word(p, "primary")) {
			if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_word(p, "key")))
				return rc;
			if (t->npkey)
				return strata__parse_error(p, pos.line, pos.column, "table '%s' has two primary keys",
							   t->name);
			t->pkey_pos = pos;
			if ((rc = strata__parse_name_list(p, &t->pkey, &t->npkey, NULL)))
				return rc;
			rc = strata__parse_end_clause(p);
		} else if (strata__lex_word(p, "index")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			rc = parse_index(p, t, false, pos);
		} else if (strata__lex_word(p, "unique")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			if (strata__lex_word(p, "index")) {
				if ((rc = strata__lex_next(p)))
					return rc;
				rc = parse_index(p, t, true, pos);
			} else {
				strata_unique *u = strata__push(p->s, &t->uniques, &t->nuniques, sizeof *u);
				if (!u)
					return STRATA_ENOMEM;
				u->pos = pos;
				if (!strata__lex_punct(p, '(') &&
				    (rc = strata__parse_name(p, "a constraint name or '('", &u->name, NULL)))
					return rc;
				strata_srcpos *cp = NULL;
				if ((rc = strata__parse_name_list(p, &u->columns, &u->ncolumns, &cp)))
					return rc;
				u->column_pos = cp;
				rc = strata__parse_end_clause(p);
			}
		} else if (strata__lex_word(p, "check")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			strata_check *c = strata__push(p->s, &t->checks, &t->nchecks, sizeof *c);
			if (!c)
				return STRATA_ENOMEM;
			c->pos = pos;
			if (!strata__lex_punct(p, '(') &&
			    (rc = strata__parse_name(p, "a constraint name or '('", &c->name, NULL)))
				return rc;
			if (!strata__lex_punct(p, '('))
				return strata__parse_expected(p, "'(' after 'check'");
			if ((rc = strata__lex_raw_parens(p, &c->expr)))
				return rc;
			rc = strata__parse_end_clause(p);
		} else if (strata__lex_word(p, "foreign")) {
			if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_word(p, "key")))
				return rc;
			strata_fkey *f = strata__push(p->s, &t->fkeys, &t->nfkeys, sizeof *f);
			if (!f)
				return STRATA_ENOMEM;
			f->pos = pos;
			if (!strata__lex_punct(p, '(') &&
			    (rc = strata__parse_name(p, "a constraint name or '('", &f->name, NULL)))
				return rc;
			if ((rc = strata__parse_name_list(p, &f->columns, &f->ncolumns, NULL)) ||
			    (rc = strata__parse_expect_word(p, "references")))
				return rc;
			if ((rc = strata__parse_name(p, "a table name", &f->ref_table, &f->ref_pos)))
				return rc;
			if (strata__lex_punct(p, '(') &&
			    (rc = strata__parse_name_list(p, &f->ref_columns, &f->nref_columns, NULL)))
				return rc;
			int fi = t->nfkeys - 1;
			for (;;) {
				bool handled;
				if ((rc = fk_option(p, &t->fkeys[fi], &handled)))
					return rc;
				if (!handled)
					break;
			}
			rc = strata__parse_end_clause(p);
		} else {
			strata_column *c = strata__push(p->s, &t->columns, &t->ncolumns, sizeof *c);
			if (!c)
				return STRATA_ENOMEM;
			if ((rc = strata__parse_name(p, "a column name", &c->name, &c->pos)))
				return rc;
			int ci = t->ncolumns - 1;
			rc = strata__parse_column(p, t, &t->columns[ci]);
		}
		if (rc)
			return rc;
	}
}

int strata__parse_table_head(strata__parser *p, strata_table *t)
{
	int rc;
	if (strata__lex_word(p, "renamed_from") &&
	    ((rc = strata__lex_next(p)) || (rc = strata__parse_name(p, "the old table name", &t->renamed_from, NULL))))
		return rc;
	while (!strata__lex_punct(p, '{') && p->tok.kind != STRATA__TOK_EOF) {
		int line = p->tok.line, col = p->tok.col;
		if (p->tok.kind == STRATA__TOK_NL && t->partition_of)
			break; /* a partition without a body */
		if (strata__lex_word(p, "without")) {
			if ((rc = strata__lex_next(p)) || (rc = strata__parse_expect_word(p, "rowid")))
				return rc;
			t->without_rowid = true;
		} else if (strata__lex_word(p, "strict")) {
			t->strict = true;
			if ((rc = strata__lex_next(p)))
				return rc;
		} else if (strata__lex_word(p, "partition")) {
			if ((rc = strata__lex_next(p)))
				return rc;
			if (strata__lex_word(p, "by")) {
				if (t->partition_by)
					return strata__parse_error(p, line, col, "table '%s' is partitioned twice",
								   t->name);
				if ((rc = strata__lex_next(p)) ||
				    (rc = strata__lex_raw_clause(p, "partition", &t->partition_by)))
					return rc;
			} else if (strata__lex_word(p, "of")) {
				if (t->partition_of)
					return strata__parse_error(p, line, col, "table '%s' is a partition twice",
								   t->name);
				if ((rc = strata__lex_next(p)) ||
				    (rc = strata__parse_name(p, "the partitioned table's name", &t->partition_of,
							     NULL)))
					return rc;
				/* SQL from here: PostgreSQL prints FOR VALUES and DEFAULT in capitals. */
				bool bound = p->tok.kind == STRATA__TOK_IDENT &&
					     ((p->tok.n == 3 && strncasecmp(p->tok.p, "for", 3) == 0) ||
					      (p->tok.n == 7 && strncasecmp(p->tok.p, "default", 7) == 0));
				if (!bound)
					return strata__parse_expected(
						p, "the partition's bound: 'for values ...' or 'default'");
				if ((rc = strata__lex_raw_clause(p, "partition", &t->partition_bound)))
					return rc;
			} else {
				return strata__parse_expected(p, "'by' or 'of' after 'partition'");
			}
		} else {
			return strata__parse_expected(
				p, "'{', 'partition by', 'partition of', 'without rowid' or 'strict'");
		}
	}
	return STRATA_OK;
}
