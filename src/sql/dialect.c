/*
 * Can a model be made on a dialect?  A schema file may hold what only one
 * dialect has (partitions, index methods, domains on PostgreSQL; STRICT
 * tables on SQLite) or a type written for another database (a file read
 * from SQLite keeps NVARCHAR(40)).  strata__sql_check_dialect() says so
 * before any SQL is written, at the file:line:col to change, instead of
 * leaving it to the database halfway through a migration.
 *
 * What one dialect has and the other simply does without is not an error:
 * comments, identity (SQLite's INTEGER PRIMARY KEY is its own generated
 * key) and WITHOUT ROWID / STRICT on PostgreSQL are left out.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "sql/ddl.h"

/* PostgreSQL's built-in type names (lower case, without modifiers or []). */
static const char *const pg_types[] = {
	"smallint",
	"integer",
	"int",
	"int2",
	"int4",
	"int8",
	"bigint",
	"real",
	"float4",
	"float8",
	"double precision",
	"float",
	"numeric",
	"decimal",
	"money",
	"char",
	"character",
	"bpchar",
	"varchar",
	"character varying",
	"text",
	"bytea",
	"timestamp",
	"timestamptz",
	"timestamp with time zone",
	"timestamp without time zone",
	"date",
	"time",
	"timetz",
	"time with time zone",
	"time without time zone",
	"interval",
	"boolean",
	"bool",
	"point",
	"line",
	"lseg",
	"box",
	"path",
	"polygon",
	"circle",
	"cidr",
	"inet",
	"macaddr",
	"macaddr8",
	"bit",
	"bit varying",
	"varbit",
	"tsvector",
	"tsquery",
	"uuid",
	"xml",
	"json",
	"jsonb",
	"jsonpath",
	"int4range",
	"int8range",
	"numrange",
	"tsrange",
	"tstzrange",
	"daterange",
	"int4multirange",
	"int8multirange",
	"nummultirange",
	"tsmultirange",
	"tstzmultirange",
	"datemultirange",
	"oid",
	"regclass",
	"regtype",
	"regproc",
	"regprocedure",
	"regnamespace",
	"regrole",
	"pg_lsn",
	"pg_snapshot",
	"txid_snapshot",
	"name",
	"\"char\"",
	"serial",
	"bigserial",
	"smallserial",
	"serial4",
	"serial8",
	"serial2",
	"tid",
	"xid",
	"xid8",
	"cid",
	"pg_node_tree",
};

/* Types of extensions Debian's postgresql package holds, usable once the file declares the extension. */
static const struct {
	const char *type, *extension;
} ext_types[] = {
	{ "citext", "citext" }, { "hstore", "hstore" }, { "ltree", "ltree" }, { "lquery", "ltree" }, { "cube", "cube" },
	{ "seg", "seg" },	{ "lo", "lo" },		{ "isbn", "isn" },    { "ean13", "isn" },    { "issn", "isn" },
};

static int fail_at(const strata_schema *s, strata_srcpos pos, const char *fmt, ...) STRATA_PRINTF(3, 4);

static int fail_at(const strata_schema *s, strata_srcpos pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (pos.line && s->file && *s->file)
		return strata__error_set_at(STRATA_EINVAL, s->file, pos.line, pos.column, "%s", msg);
	return strata__error_set(STRATA_EINVAL, "%s", msg);
}

/* The base name of a raw type: lower case, blanks collapsed, without (modifiers), [] and a schema. */
static void base_name(const char *raw, char *out, size_t cap, bool *array)
{
	size_t j = 0;
	int depth = 0;
	bool space = false;
	*array = strchr(raw, '[') != NULL;
	const char *dot = strchr(raw, '.');
	if (dot && !strchr(raw, '(') && !strchr(raw, '"'))
		raw = dot + 1;
	else if (strncasecmp(raw, "pg_catalog.", 11) == 0 || strncasecmp(raw, "public.", 7) == 0)
		raw = strchr(raw, '.') + 1;
	for (const char *p = raw; *p && j + 1 < cap; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p == '[')
			break;
		else if (depth == 0 && isspace((unsigned char)*p))
			space = j > 0;
		else if (depth == 0) {
			if (space && j + 2 < cap)
				out[j++] = ' ';
			space = false;
			out[j++] = (char)tolower((unsigned char)*p);
		}
	}
	out[j] = '\0';
}

static bool pg_knows(const strata_schema *s, const char *raw)
{
	char base[128];
	bool array;
	base_name(raw, base, sizeof base, &array);
	if (!*base)
		return false; /* SQLite's column without a type */
	for (size_t i = 0; i < sizeof pg_types / sizeof pg_types[0]; i++)
		if (strcmp(base, pg_types[i]) == 0)
			return true;
	for (int i = 0; i < s->ndomains; i++)
		if (strcasecmp(base, s->domains[i].name) == 0)
			return true;
	for (int i = 0; i < s->nenums; i++)
		if (strcasecmp(base, s->enums[i].name) == 0)
			return true;
	for (size_t i = 0; i < sizeof ext_types / sizeof ext_types[0]; i++)
		if (strcmp(base, ext_types[i].type) == 0)
			for (int k = 0; k < s->nextensions; k++)
				if (strcmp(s->extensions[k].name, ext_types[i].extension) == 0)
					return true;
	return false;
}

static int check_postgres(const strata_schema *s)
{
	for (int i = 0; i < s->ntables; i++) {
		const strata_table *t = &s->tables[i];
		for (int j = 0; j < t->ncolumns; j++) {
			const strata_column *c = &t->columns[j];
			if (c->type.kind == STRATA_T_RAW && !pg_knows(s, c->type.raw))
				return fail_at(s, c->type_pos,
					       "column %s.%s: sql('%s') is not a PostgreSQL type; write a Strata type "
					       "(string(n), "
					       "text, int, ...) or the PostgreSQL type to use this file on PostgreSQL",
					       t->name, c->name, c->type.raw);
			if (c->generated && c->generated_virtual)
				return fail_at(s, c->pos,
					       "column %s.%s: PostgreSQL stores generated columns; write generated "
					       "(...) stored",
					       t->name, c->name);
		}
	}
	return STRATA_OK;
}

static bool strict_type(const char *decl)
{
	static const char *const ok[] = { "INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcasecmp(decl, ok[i]) == 0)
			return true;
	return false;
}

static int check_index_sqlite(const strata_schema *s, const char *owner, const strata_index *x)
{
	if (x->method)
		return fail_at(s, x->pos, "index %s on %s uses %s, which SQLite does not have", x->name, owner,
			       x->method);
	if (x->ninclude)
		return fail_at(s, x->pos, "index %s on %s has INCLUDE columns, which SQLite does not have", x->name,
			       owner);
	for (int k = 0; x->keys && k < x->ncolumns; k++)
		if (x->keys[k].opclass || x->keys[k].nulls)
			return fail_at(
				s, x->pos,
				"index %s on %s has an operator class or NULLS FIRST/LAST, which SQLite does not have",
				x->name, owner);
	return STRATA_OK;
}

static int check_sqlite(const strata_schema *s)
{
	int rc;
	for (int i = 0; i < s->ntables; i++) {
		const strata_table *t = &s->tables[i];
		if (t->partition_by || t->partition_of)
			return fail_at(s, t->pos, "table %s is %s: SQLite has no partitions", t->name,
				       t->partition_by ? "partitioned" : "a partition");
		for (int j = 0; j < t->ncolumns; j++) {
			const strata_column *c = &t->columns[j];
			strata_buf decl = STRATA_BUF_INIT;
			if ((rc = strata__sql_coltype(&decl, STRATA_BACKEND_SQLITE, &c->type))) {
				strata__buf_free(&decl);
				return rc;
			}
			bool bad_array = c->type.kind == STRATA_T_RAW && strchr(c->type.raw, '[');
			bool bad_strict = t->strict && !strict_type(strata__buf_cstr(&decl));
			strata__buf_free(&decl);
			if (bad_array)
				return fail_at(s, c->type_pos,
					       "column %s.%s: sql('%s') is not an SQLite type; write T[] for an array",
					       t->name, c->name, c->type.raw);
			if (bad_strict)
				return fail_at(s, c->type_pos,
					       "column %s.%s: table %s is strict, and SQLite allows only int, text, "
					       "float, bytes and "
					       "sql('ANY') there",
					       t->name, c->name, t->name);
		}
		for (int j = 0; j < t->nindexes; j++)
			if ((rc = check_index_sqlite(s, t->name, &t->indexes[j])))
				return rc;
	}
	for (int i = 0; i < s->nviews; i++)
		for (int j = 0; j < s->views[i].nindexes; j++)
			if ((rc = check_index_sqlite(s, s->views[i].name, &s->views[i].indexes[j])))
				return rc;
	if (s->ndomains)
		return fail_at(s, s->domains[0].pos, "domain %s: SQLite has no domains", s->domains[0].name);
	if (s->nextensions)
		return fail_at(s, s->extensions[0].pos, "extension %s: SQLite has no extensions",
			       s->extensions[0].name);
	if (s->nsequences)
		return fail_at(s, s->sequences[0].pos, "sequence %s: SQLite has no sequences", s->sequences[0].name);
	if (s->nfunctions)
		return fail_at(s, s->functions[0].pos, "function %s: SQLite has no stored functions",
			       s->functions[0].name);
	return STRATA_OK;
}

int strata__sql_check_dialect(const strata_schema *s, strata_backend d)
{
	if (d == STRATA_BACKEND_POSTGRES)
		return check_postgres(s);
	if (d == STRATA_BACKEND_SQLITE)
		return check_sqlite(s);
	return strata__error_set(STRATA_EINVAL, "unknown SQL dialect %d", (int)d);
}

int strata_sql_check(const strata_schema *s, strata_backend backend)
{
	if (!s)
		return strata__error_set(STRATA_EINVAL, "strata_sql_check: NULL schema");
	return strata__sql_check_dialect(s, backend);
}
