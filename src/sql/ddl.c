/*
 * DDL for a model, per dialect.
 *
 * Identifiers always go through strata__sql_ident.  DDL cannot take bound
 * parameters, so the few values it holds (defaults, enum labels, comments)
 * go through strata__sql_literal, which doubles quotes and refuses nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "schema/model.h"
#include "sql/ddl.h"

const char strata__sqlite_now[] = "strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')";
const char strata__sqlite_today[] = "date('now')";
const char strata__sqlite_uuid_v4[] =
	"lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || "
	"substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";
/*
 * The default uuid_v7 of tables made before SQLite's defaults called
 * strata_uuid_v7(): ordered only to the millisecond (SQLite's 'now' is one
 * millisecond-precise instant for a whole statement).  Inspect still reads
 * it as `default uuid_v7`, so such tables are not rebuilt to change it.
 */
const char strata__sqlite_uuid_v7_legacy[] =
	"lower(substr(printf('%012x', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)), 1, 8) || '-' || "
	"substr(printf('%012x', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)), 9, 4) || '-7' || "
	"substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
	"substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";

static const char pg_touch[] =
	"CREATE OR REPLACE FUNCTION strata_touch() RETURNS trigger LANGUAGE plpgsql AS $strata$\n"
	"BEGIN\n"
	"    IF to_jsonb(NEW) -> TG_ARGV[0] IS NOT DISTINCT FROM to_jsonb(OLD) -> TG_ARGV[0] THEN\n"
	"        NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], now()));\n"
	"    END IF;\n"
	"    RETURN NEW;\n"
	"END\n"
	"$strata$;\n";

/*
 * The actor of the session (strata_db_set_actor sets strata.actor; the
 * empty string and no setting are both "none"), and the BEFORE UPDATE
 * trigger function of an `auto_update` `default actor` column: like
 * strata_touch, it stamps the column unless the UPDATE set it itself.
 */
static const char pg_actor[] =
	"CREATE OR REPLACE FUNCTION strata_actor() RETURNS text LANGUAGE sql STABLE AS $strata$\n"
	"    SELECT nullif(current_setting('strata.actor', true), '')\n"
	"$strata$;\n"
	"CREATE OR REPLACE FUNCTION strata_stamp_actor() RETURNS trigger LANGUAGE plpgsql AS $strata$\n"
	"BEGIN\n"
	"    IF to_jsonb(NEW) -> TG_ARGV[0] IS NOT DISTINCT FROM to_jsonb(OLD) -> TG_ARGV[0] THEN\n"
	"        NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], strata_actor()));\n"
	"    END IF;\n"
	"    RETURN NEW;\n"
	"END\n"
	"$strata$;\n";

/*
 * A version 7 UUID, monotonic within one session (RFC 9562 section 6.2,
 * methods 3 and 1): 48 bits of Unix milliseconds, then in rand_a the
 * sub-millisecond fraction in 1/4096 ms; when the clock has not moved past
 * the session's last value (same microsecond, or the clock stepped back),
 * that value plus one is used instead, so each value is greater than the
 * one before it.  The rest is gen_random_uuid()'s random bits and variant.
 */
static const char pg_uuid_v7[] =
	"CREATE OR REPLACE FUNCTION strata_uuid_v7() RETURNS uuid LANGUAGE plpgsql VOLATILE AS $strata$\n"
	"DECLARE\n"
	"    t bigint := floor(extract(epoch FROM clock_timestamp()) * 4096000)::bigint;\n"
	"    last bigint := nullif(current_setting('strata.uuid_v7_last', true), '')::bigint;\n"
	"    b bytea := uuid_send(gen_random_uuid());\n"
	"BEGIN\n"
	"    IF t <= last THEN\n"
	"        t := last + 1;\n"
	"    END IF;\n"
	"    PERFORM set_config('strata.uuid_v7_last', t::text, false);\n"
	"    b := overlay(b PLACING substring(int8send(t >> 12) FROM 3) FROM 1 FOR 6);\n"
	"    b := set_byte(set_byte(b, 6, (112 | ((t >> 8) & 15))::int), 7, (t & 255)::int);\n"
	"    RETURN encode(b, 'hex')::uuid;\n"
	"END\n"
	"$strata$;\n";

int strata_sql_quote_ident(strata_backend backend, const char *name, char **out)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_sql_quote_ident: out is NULL");
	*out = NULL;
	if (!name || !*name)
		return strata__error_set(STRATA_EINVAL, "an identifier cannot be empty");
	if (backend == STRATA_BACKEND_POSTGRES && strlen(name) > 63)
		return strata__error_set(STRATA_EINVAL, "identifier '%.20s...' is longer than 63 bytes", name);
	if ((rc = strata__sql_ident(&b, backend, name)))
		return rc;
	*out = strata__buf_detach(&b);
	return *out ? STRATA_OK : STRATA_ENOMEM;
}

int strata__sql_ident(strata_buf *b, strata_backend d, const char *name)
{
	(void)d; /* both dialects accept standard double quotes */
	int rc = strata__buf_putc(b, '"');
	for (const char *c = name; rc == STRATA_OK && *c; c++)
		rc = *c == '"' ? strata__buf_puts(b, "\"\"") : strata__buf_putc(b, *c);
	return rc ? rc : strata__buf_putc(b, '"');
}

int strata__sql_literal(strata_buf *b, const char *s)
{
	int rc = strata__buf_putc(b, '\'');
	for (const char *c = s; rc == STRATA_OK && *c; c++)
		rc = *c == '\'' ? strata__buf_puts(b, "''") : strata__buf_putc(b, *c);
	return rc ? rc : strata__buf_putc(b, '\'');
}

int strata__sql_ident_list(strata_buf *b, strata_backend d, const char *const *names, int n)
{
	int rc = STRATA_OK;
	for (int i = 0; rc == STRATA_OK && i < n; i++) {
		if (i)
			rc = strata__buf_puts(b, ", ");
		if (!rc)
			rc = strata__sql_ident(b, d, names[i]);
	}
	return rc;
}

static int base_type(strata_buf *b, strata_backend d, const strata_coltype *t)
{
	bool pg = d == STRATA_BACKEND_POSTGRES;
	switch (t->kind) {
	case STRATA_T_INT: return strata__buf_puts(b, pg ? "integer" : "INTEGER");
	case STRATA_T_BIGINT: return strata__buf_puts(b, pg ? "bigint" : "BIGINT");
	case STRATA_T_SERIAL: return strata__buf_puts(b, pg ? "bigint" : "INTEGER");
	case STRATA_T_BOOL: return strata__buf_puts(b, pg ? "boolean" : "BOOLEAN");
	case STRATA_T_FLOAT: return strata__buf_puts(b, pg ? "double precision" : "REAL");
	case STRATA_T_DECIMAL:
		return strata__buf_printf(b, pg ? "numeric(%d,%d)" : "DECIMAL TEXT(%d,%d)", t->precision, t->scale);
	case STRATA_T_STRING: return strata__buf_printf(b, pg ? "varchar(%d)" : "VARCHAR(%d)", t->length);
	case STRATA_T_TEXT: return strata__buf_puts(b, pg ? "text" : "TEXT");
	case STRATA_T_BYTES: return strata__buf_puts(b, pg ? "bytea" : "BLOB");
	case STRATA_T_TIMESTAMP: return strata__buf_puts(b, pg ? "timestamptz" : "TIMESTAMP");
	case STRATA_T_DATE: return strata__buf_puts(b, pg ? "date" : "DATE");
	case STRATA_T_UUID: return strata__buf_puts(b, pg ? "uuid" : "UUID");
	case STRATA_T_JSON: return strata__buf_puts(b, pg ? "jsonb" : "JSON");
	case STRATA_T_ENUM: {
		int rc = pg ? STRATA_OK : strata__buf_puts(b, "ENUM ");
		return rc ? rc : strata__sql_ident(b, d, t->enum_name);
	}
	case STRATA_T_RAW: return strata__buf_puts(b, t->raw);
	}
	return strata__error_set(STRATA_EINVAL, "a column has no type");
}

int strata__sql_coltype(strata_buf *b, strata_backend d, const strata_coltype *t)
{
	int rc;
	if (!t->array)
		return base_type(b, d, t);
	if (d == STRATA_BACKEND_SQLITE && (rc = strata__buf_puts(b, "JSON ARRAY OF ")))
		return rc;
	if ((rc = base_type(b, d, t)))
		return rc;
	return d == STRATA_BACKEND_POSTGRES ? strata__buf_puts(b, "[]") : STRATA_OK;
}

int strata__sql_default(strata_buf *b, strata_backend d, const strata_column *c)
{
	bool pg = d == STRATA_BACKEND_POSTGRES;
	const strata_default *v = &c->dflt;
	switch (v->kind) {
	case STRATA_DEFAULT_NONE: return STRATA_OK;
	case STRATA_DEFAULT_NULL: return strata__buf_puts(b, "NULL");
	case STRATA_DEFAULT_INT:
	case STRATA_DEFAULT_NUMBER:
		if (v->text[0] == '-')
			return strata__buf_printf(b, "(%s)", v->text);
		if (c->type.kind == STRATA_T_DECIMAL && !pg)
			return strata__sql_literal(b, v->text);
		return strata__buf_puts(b, v->text);
	case STRATA_DEFAULT_STRING:
	case STRATA_DEFAULT_ENUM: return strata__sql_literal(b, v->text);
	case STRATA_DEFAULT_BOOL:
		if (pg)
			return strata__buf_puts(b, v->text);
		return strata__buf_puts(b, strcmp(v->text, "true") == 0 ? "1" : "0");
	case STRATA_DEFAULT_NOW:
		if (c->type.kind == STRATA_T_DATE)
			return pg ? strata__buf_puts(b, "CURRENT_DATE")
				  : strata__buf_printf(b, "(%s)", strata__sqlite_today);
		return pg ? strata__buf_puts(b, "now()") : strata__buf_printf(b, "(%s)", strata__sqlite_now);
	case STRATA_DEFAULT_UUID_V4:
		return pg ? strata__buf_puts(b, "gen_random_uuid()")
			  : strata__buf_printf(b, "(%s)", strata__sqlite_uuid_v4);
	case STRATA_DEFAULT_UUID_V7:
		/* the same function on both; on SQLite the driver (or the extension libstrata_sqlite) defines it */
		return strata__buf_puts(b, pg ? "strata_uuid_v7()" : "(strata_uuid_v7())");
	case STRATA_DEFAULT_RAW: return strata__buf_printf(b, "(%s)", v->text);
	case STRATA_DEFAULT_ACTOR:
		if (!pg)
			return strata__buf_puts(b, "(strata_actor())");
		switch (c->type.kind) {
		case STRATA_T_INT: return strata__buf_puts(b, "CAST(strata_actor() AS integer)");
		case STRATA_T_BIGINT: return strata__buf_puts(b, "CAST(strata_actor() AS bigint)");
		case STRATA_T_UUID: return strata__buf_puts(b, "CAST(strata_actor() AS uuid)");
		default: return strata__buf_puts(b, "strata_actor()");
		}
	}
	return STRATA_OK;
}

/*
 * The characters an array's minified JSON may hold after its opening '['
 * when its items are numbers of `kind` (or null), as a GLOB class; NULL
 * for items that are strings (decimals are strings too), whose type and
 * length a CHECK cannot see without json_each, a subquery, which SQLite
 * refuses in a CHECK: triggers check those (items.c).
 */
static const char *array_item_chars(strata_type_kind kind)
{
	switch (kind) {
	case STRATA_T_INT:
	case STRATA_T_BIGINT: return "]0-9,nul-";
	case STRATA_T_FLOAT: return "]0-9,.eE+nul-";
	default: return NULL;
	}
}

/* Write `fmt` with the column's quoted name for each '@'. */
static int with_name(strata_buf *b, const char *fmt, const char *name)
{
	int rc = STRATA_OK;
	for (const char *p = fmt; rc == STRATA_OK && *p; p++)
		rc = *p == '@' ? strata__sql_ident(b, STRATA_BACKEND_SQLITE, name) : strata__buf_putc(b, *p);
	return rc;
}

/*
 * The form of the implied check before array items and decimals were
 * checked (arrays: a JSON array; decimals: none).  Inspect takes it as
 * implied too, so a table made then is not rebuilt only to gain the new
 * checks (docs/schema-language.md).  0 when written, 1 when none.
 */
int strata__sql_implied_check_before(strata_buf *b, const strata_column *c)
{
	if (!c->type.array || !array_item_chars(c->type.kind))
		return 1;
	return with_name(b,
			 c->not_null ? "json_valid(@) AND json_type(@) = 'array'"
				     : "@ IS NULL OR json_valid(@) AND json_type(@) = 'array'",
			 c->name);
}

int strata__sql_implied_check(strata_buf *b, const strata_schema *s, const strata_column *c, int i)
{
	int rc;
	if (i != 0)
		return 1;
	/* json_valid(NULL) is 0 and julianday(NULL) IS NOT NULL false, not NULL: a nullable column must say NULL is
	 * fine */
	if ((c->type.array || c->type.kind == STRATA_T_JSON || c->type.kind == STRATA_T_DECIMAL ||
	     c->type.kind == STRATA_T_TIMESTAMP) &&
	    !c->not_null &&
	    ((rc = strata__sql_ident(b, STRATA_BACKEND_SQLITE, c->name)) || (rc = strata__buf_puts(b, " IS NULL OR "))))
		return rc;
	if (c->type.array) {
		if ((rc = with_name(b, "json_valid(@) AND json_type(@) = 'array'", c->name)))
			return rc;
		/* numbers: only their characters after the '[' (so no nested array, no string) */
		const char *chars = array_item_chars(c->type.kind);
		if (!chars)
			return STRATA_OK;
		return (rc = with_name(b, " AND NOT json(@) GLOB", c->name))
			       ? rc
			       : strata__buf_printf(b, " '?*[^%s]*'", chars);
	}
	switch (c->type.kind) {
	case STRATA_T_DECIMAL:
		/* a JSON number in text (text affinity keeps it exact), within the precision, no more decimals than the
		 * scale */
		if ((rc = with_name(b,
				    "typeof(@) = 'text' AND json_valid(@) AND json_type(@) IN ('integer', 'real') AND "
				    "abs(CAST(@ AS REAL)) < ",
				    c->name)) ||
		    (rc = strata__buf_printf(b, "1e%d AND round(CAST(", c->type.precision - c->type.scale)) ||
		    (rc = strata__sql_ident(b, STRATA_BACKEND_SQLITE, c->name)) ||
		    (rc = strata__buf_printf(b, " AS REAL), %d) = CAST(", c->type.scale)) ||
		    (rc = strata__sql_ident(b, STRATA_BACKEND_SQLITE, c->name)))
			return rc;
		return strata__buf_puts(b, " AS REAL)");
	case STRATA_T_UUID:
		/* 8-4-4-4-12 hexadecimal digits, either case (PostgreSQL also reads braces and no hyphens) */
		if ((rc = with_name(b, "@ GLOB '", c->name)))
			return rc;
		for (int k = 0; k < 32 && !rc; k++)
			rc = strata__buf_puts(b,
					      k == 8 || k == 12 || k == 16 || k == 20 ? "-[0-9a-fA-F]" : "[0-9a-fA-F]");
		return rc ? rc : strata__buf_putc(b, '\'');
	case STRATA_T_DATE:
		/* '+0 days' makes SQLite carry an impossible day over, so 2024-02-30 does not come back */
		return with_name(b, "date(@, '+0 days') IS @", c->name);
	case STRATA_T_TIMESTAMP:
		/* a real date first, then a time SQLite reads; PostgreSQL's "+00" zone is read as "+00:00" */
		return with_name(b,
				 "date(substr(@, 1, 10), '+0 days') IS substr(@, 1, 10) AND julianday(CASE WHEN @ GLOB "
				 "'*[0-9]:[0-9][0-9]*[+-][0-9][0-9]' THEN @ || ':00' ELSE @ END) IS NOT NULL",
				 c->name);
	case STRATA_T_STRING:
		if ((rc = strata__buf_puts(b, "length(")) ||
		    (rc = strata__sql_ident(b, STRATA_BACKEND_SQLITE, c->name)))
			return rc;
		return strata__buf_printf(b, ") <= %d", c->type.length);
	case STRATA_T_BOOL:
		if ((rc = strata__sql_ident(b, STRATA_BACKEND_SQLITE, c->name)))
			return rc;
		return strata__buf_puts(b, " IN (0, 1)");
	case STRATA_T_JSON:
		if ((rc = strata__buf_puts(b, "json_valid(")) ||
		    (rc = strata__sql_ident(b, STRATA_BACKEND_SQLITE, c->name)))
			return rc;
		return strata__buf_putc(b, ')');
	case STRATA_T_ENUM: {
		const strata_enum *e = strata_schema_enum(s, c->type.enum_name);
		if (!e)
			return 1;
		if ((rc = strata__sql_ident(b, STRATA_BACKEND_SQLITE, c->name)) || (rc = strata__buf_puts(b, " IN (")))
			return rc;
		for (int k = 0; k < e->nvalues; k++)
			if ((k && (rc = strata__buf_puts(b, ", "))) || (rc = strata__sql_literal(b, e->values[k])))
				return rc;
		return strata__buf_putc(b, ')');
	}
	default: return 1;
	}
}

int strata__sql_column_def(strata_buf *b, strata_backend d, const strata_schema *s, const strata_table *t,
			   const strata_column *c)
{
	bool pg = d == STRATA_BACKEND_POSTGRES;
	bool single_pk = t->npkey == 1 && strcmp(t->pkey[0], c->name) == 0;
	int rc;
	if ((rc = strata__sql_ident(b, d, c->name)) || (rc = strata__buf_putc(b, ' ')) ||
	    (rc = strata__sql_coltype(b, d, &c->type)))
		return rc;
	if (c->collation && !(rc = strata__buf_puts(b, " COLLATE ")))
		rc = strata__sql_ident(b, d, c->collation);
	if (!rc && c->generated)
		rc = strata__buf_printf(b, " GENERATED ALWAYS AS (%s) %s", c->generated,
					c->generated_virtual ? "VIRTUAL" : "STORED");
	if (!rc && pg && c->identity)
		rc = strata__buf_puts(b, c->identity == STRATA_IDENTITY_ALWAYS ? " GENERATED ALWAYS AS IDENTITY"
									       : " GENERATED BY DEFAULT AS IDENTITY");
	if (rc)
		return rc;
	if (c->type.kind == STRATA_T_SERIAL) {
		rc = strata__buf_puts(b, pg ? " GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
					    : " PRIMARY KEY AUTOINCREMENT");
	} else if (single_pk) {
		rc = strata__buf_puts(b, " PRIMARY KEY");
	}
	if (!rc && (c->not_null || single_pk))
		rc = strata__buf_puts(b, " NOT NULL");
	if (!rc && c->dflt.kind != STRATA_DEFAULT_NONE && c->dflt.kind != STRATA_DEFAULT_NULL &&
	    !(rc = strata__buf_puts(b, " DEFAULT ")))
		rc = strata__sql_default(b, d, c);
	if (!rc && c->unique)
		rc = strata__buf_puts(b, " UNIQUE");
	for (int i = 0; !rc && !pg; i++) {
		strata_buf cond = STRATA_BUF_INIT;
		int r = strata__sql_implied_check(&cond, s, c, i);
		if (r == 0)
			rc = strata__buf_printf(b, " CHECK (%s)", strata__buf_cstr(&cond));
		strata__buf_free(&cond);
		if (r == 1)
			break;
		if (r < 0)
			rc = r;
	}
	if (!rc && c->check) {
		char name[160];
		snprintf(name, sizeof name, "%.70s_%.70s_check", t->name, c->name);
		if (!(rc = strata__buf_puts(b, " CONSTRAINT ")) && !(rc = strata__sql_ident(b, d, name)))
			rc = strata__buf_printf(b, " CHECK (%s)", c->check);
	}
	return rc;
}

const char *strata__sql_action(strata_fk_action a)
{
	switch (a) {
	case STRATA_FK_CASCADE: return "CASCADE";
	case STRATA_FK_SET_NULL: return "SET NULL";
	case STRATA_FK_RESTRICT: return "RESTRICT";
	case STRATA_FK_SET_DEFAULT: return "SET DEFAULT";
	default: return "";
	}
}

int strata__sql_fkey(strata_buf *b, strata_backend d, const strata_fkey *f)
{
	int rc;
	if ((rc = strata__buf_puts(b, "CONSTRAINT ")) || (rc = strata__sql_ident(b, d, f->name)) ||
	    (rc = strata__buf_puts(b, " FOREIGN KEY (")) ||
	    (rc = strata__sql_ident_list(b, d, f->columns, f->ncolumns)) ||
	    (rc = strata__buf_puts(b, ") REFERENCES ")) || (rc = strata__sql_ident(b, d, f->ref_table)) ||
	    (rc = strata__buf_puts(b, " (")) || (rc = strata__sql_ident_list(b, d, f->ref_columns, f->nref_columns)) ||
	    (rc = strata__buf_putc(b, ')')))
		return rc;
	if (f->on_delete && (rc = strata__buf_printf(b, " ON DELETE %s", strata__sql_action(f->on_delete))))
		return rc;
	if (f->on_update && (rc = strata__buf_printf(b, " ON UPDATE %s", strata__sql_action(f->on_update))))
		return rc;
	return STRATA_OK;
}

/* A partition: CREATE TABLE p PARTITION OF parent [(checks)] bound [PARTITION BY ...]. */
static int create_partition(strata_buf *b, strata_backend d, const strata_table *t, const char *name)
{
	int rc;
	if ((rc = strata__buf_puts(b, "CREATE TABLE IF NOT EXISTS ")) ||
	    (rc = strata__sql_ident(b, d, name ? name : t->name)) || (rc = strata__buf_puts(b, " PARTITION OF ")) ||
	    (rc = strata__sql_ident(b, d, t->partition_of)))
		return rc;
	for (int i = 0; i < t->nchecks; i++) {
		const strata_check *c = &t->checks[i];
		if ((rc = strata__buf_puts(b, i ? ",\n    CONSTRAINT " : " (\n    CONSTRAINT ")) ||
		    (rc = strata__sql_ident(b, d, c->name)) || (rc = strata__buf_printf(b, " CHECK (%s)", c->expr)))
			return rc;
	}
	if (t->nchecks && (rc = strata__buf_puts(b, "\n)")))
		return rc;
	if ((rc = strata__buf_printf(b, " %s", t->partition_bound ? t->partition_bound : "DEFAULT")))
		return rc;
	if (t->partition_by && (rc = strata__buf_printf(b, " PARTITION BY %s", t->partition_by)))
		return rc;
	return strata__buf_puts(b, ";\n");
}

int strata__sql_create_table(strata_buf *b, strata_backend d, const strata_schema *s, const strata_table *t,
			     const char *name, bool (*skip_fk)(void *ud, const strata_fkey *f), void *ud)
{
	int rc;
	if (t->partition_of && d == STRATA_BACKEND_POSTGRES)
		return create_partition(b, d, t, name);
	if ((rc = strata__buf_puts(b, "CREATE TABLE IF NOT EXISTS ")) ||
	    (rc = strata__sql_ident(b, d, name ? name : t->name)) || (rc = strata__buf_puts(b, " (")))
		return rc;
	for (int i = 0; i < t->ncolumns; i++)
		if ((rc = strata__buf_puts(b, i ? ",\n    " : "\n    ")) ||
		    (rc = strata__sql_column_def(b, d, s, t, &t->columns[i])))
			return rc;
	if (t->npkey > 1 && ((rc = strata__buf_puts(b, ",\n    PRIMARY KEY (")) ||
			     (rc = strata__sql_ident_list(b, d, t->pkey, t->npkey)) || (rc = strata__buf_putc(b, ')'))))
		return rc;
	for (int i = 0; i < t->nuniques; i++) {
		const strata_unique *u = &t->uniques[i];
		if ((rc = strata__buf_puts(b, ",\n    CONSTRAINT ")) || (rc = strata__sql_ident(b, d, u->name)) ||
		    (rc = strata__buf_puts(b, " UNIQUE (")) ||
		    (rc = strata__sql_ident_list(b, d, u->columns, u->ncolumns)) || (rc = strata__buf_putc(b, ')')))
			return rc;
	}
	for (int i = 0; i < t->nchecks; i++) {
		const strata_check *c = &t->checks[i];
		if ((rc = strata__buf_puts(b, ",\n    CONSTRAINT ")) || (rc = strata__sql_ident(b, d, c->name)) ||
		    (rc = strata__buf_printf(b, " CHECK (%s)", c->expr)))
			return rc;
	}
	for (int i = 0; i < t->nfkeys; i++) {
		if (skip_fk && skip_fk(ud, &t->fkeys[i]))
			continue;
		if ((rc = strata__buf_puts(b, ",\n    ")) || (rc = strata__sql_fkey(b, d, &t->fkeys[i])))
			return rc;
	}
	if ((rc = strata__buf_puts(b, "\n)")))
		return rc;
	if (d == STRATA_BACKEND_POSTGRES && t->partition_by)
		rc = strata__buf_printf(b, " PARTITION BY %s", t->partition_by);
	if (!rc && d == STRATA_BACKEND_SQLITE && (t->without_rowid || t->strict))
		rc = strata__buf_printf(b, " %s%s%s", t->without_rowid ? "WITHOUT ROWID" : "",
					t->without_rowid && t->strict ? ", " : "", t->strict ? "STRICT" : "");
	return rc ? rc : strata__buf_puts(b, ";\n");
}

int strata__sql_comment(strata_buf *b, strata_backend d, const char *table, const char *column, const char *text)
{
	int rc;
	if (d != STRATA_BACKEND_POSTGRES)
		return STRATA_OK;
	if ((rc = strata__buf_puts(b, column ? "COMMENT ON COLUMN " : "COMMENT ON TABLE ")) ||
	    (rc = strata__sql_ident(b, d, table)))
		return rc;
	if (column && ((rc = strata__buf_putc(b, '.')) || (rc = strata__sql_ident(b, d, column))))
		return rc;
	if ((rc = strata__buf_puts(b, " IS ")))
		return rc;
	if ((rc = text ? strata__sql_literal(b, text) : strata__buf_puts(b, "NULL")))
		return rc;
	return strata__buf_puts(b, ";\n");
}

/*
 * A generated column's comment on PostgreSQL, which also keeps its
 * expression as written when PostgreSQL prints it otherwise: the user's
 * comment, then a line strata:md5=<md5 of PostgreSQL's text>:<expression>.
 */
static int generated_comment(strata_buf *b, const strata_table *t, const strata_column *c)
{
	const strata_backend d = STRATA_BACKEND_POSTGRES;
	char tag[32];
	int rc;
	strata_buf all = STRATA_BUF_INIT;
	if ((rc = strata__buf_puts(&all, c->generated)) || (c->comment && (rc = strata__buf_puts(&all, c->comment))))
		goto out;
	strata__sql_dollar_tag(strata__buf_cstr(&all), tag, sizeof tag);
	if ((rc = strata__buf_printf(
		     b,
		     "DO %s DECLARE d text := (SELECT pg_get_expr(a.adbin, a.adrelid) FROM pg_attrdef a "
		     "JOIN pg_attribute c ON c.attrelid = a.adrelid AND c.attnum = a.adnum WHERE a.adrelid = ",
		     tag)) ||
	    (rc = strata__sql_regclass(b, t->name)) || (rc = strata__buf_puts(b, "::regclass AND c.attname = ")) ||
	    (rc = strata__sql_literal(b, c->name)) || (rc = strata__buf_puts(b, "); BEGIN IF d IS DISTINCT FROM ")) ||
	    (rc = strata__sql_literal(b, c->generated)) ||
	    (rc = strata__buf_puts(b, " AND d IS DISTINCT FROM '(' || ")) ||
	    (rc = strata__sql_literal(b, c->generated)) ||
	    (rc = strata__buf_puts(b, " || ')' THEN EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', ")) ||
	    (rc = strata__sql_literal(b, t->name)) || (rc = strata__buf_puts(b, ", ")) ||
	    (rc = strata__sql_literal(b, c->name)) || (rc = strata__buf_puts(b, ", concat_ws(E'\\n', ")))
		goto out;
	if ((rc = c->comment ? strata__sql_literal(b, c->comment) : strata__buf_puts(b, "NULL")) ||
	    (rc = strata__buf_puts(b, ", '" STRATA__PG_COMMENT "md5=' || md5(d) || ':' || ")) ||
	    (rc = strata__sql_literal(b, c->generated)) || (rc = strata__buf_puts(b, ")); ELSE ")))
		goto out;
	if ((rc = strata__sql_comment(b, d, t->name, c->name, c->comment)))
		goto out;
	b->len--; /* the newline */
	b->ptr[b->len] = '\0';
	rc = strata__buf_printf(b, " END IF; END %s;\n", tag);
out:
	strata__buf_free(&all);
	return rc;
}

int strata__sql_column_comment(strata_buf *b, strata_backend d, const strata_table *t, const strata_column *c)
{
	if (d != STRATA_BACKEND_POSTGRES)
		return STRATA_OK;
	if (c->generated)
		return generated_comment(b, t, c);
	return strata__sql_comment(b, d, t->name, c->name, c->comment);
}

int strata__sql_comments(strata_buf *b, strata_backend d, const strata_table *t)
{
	int rc = STRATA_OK;
	if (t->comment)
		rc = strata__sql_comment(b, d, t->name, NULL, t->comment);
	for (int i = 0; !rc && i < t->ncolumns; i++)
		if (t->columns[i].comment || t->columns[i].generated)
			rc = strata__sql_column_comment(b, d, t, &t->columns[i]);
	return rc;
}

/* A dollar-quote tag that `text` does not hold. */
void strata__sql_dollar_tag(const char *text, char *tag, size_t cap)
{
	snprintf(tag, cap, "$strata$");
	for (int i = 1; strstr(text, tag); i++)
		snprintf(tag, cap, "$strata%d$", i);
}

/*
 * COMMENT ON `what` IS 'strata:<text>', only when the database prints the
 * expression (`current`, an SQL query) differently from `expected` (an SQL
 * expression): a text PostgreSQL prints as written needs no comment, so a
 * database made from an inspected file is exactly the one inspected.
 */
int strata__sql_pg_comment(strata_buf *b, const char *what, const char *text, const char *current, const char *expected)
{
	int rc;
	char tag[32];
	strata_buf full = STRATA_BUF_INIT;
	if ((rc = strata__buf_puts(&full, STRATA__PG_COMMENT)) || (rc = strata__buf_puts(&full, text)))
		goto out;
	strata__sql_dollar_tag(strata__buf_cstr(&full), tag, sizeof tag);
	if ((rc = strata__buf_printf(b, "DO %s BEGIN IF (%s) IS DISTINCT FROM %s THEN COMMENT ON %s IS ", tag, current,
				     expected, what)) ||
	    (rc = strata__sql_literal(b, strata__buf_cstr(&full))))
		goto out;
	rc = strata__buf_printf(b, "; END IF; END %s;\n", tag);
out:
	strata__buf_free(&full);
	return rc;
}

/* The quoted identifier as an SQL string literal: '"t"' (for ::regclass). */
int strata__sql_regclass(strata_buf *b, const char *name)
{
	strata_buf q = STRATA_BUF_INIT;
	int rc = strata__sql_ident(&q, STRATA_BACKEND_POSTGRES, name);
	if (!rc)
		rc = strata__sql_literal(b, strata__buf_cstr(&q));
	strata__buf_free(&q);
	return rc;
}

int strata__sql_create_index(strata_buf *b, strata_backend d, const strata_table *t, const strata_index *x,
			     bool concurrently)
{
	return strata__sql_create_index_on(b, d, t, x, concurrently, NULL, false);
}

int strata__sql_create_index_on(strata_buf *b, strata_backend d, const strata_table *t, const strata_index *x,
				bool concurrently, const char *on, bool only)
{
	int rc;
	if ((rc = strata__buf_printf(b, "CREATE %sINDEX %sIF NOT EXISTS ", x->unique ? "UNIQUE " : "",
				     concurrently && d == STRATA_BACKEND_POSTGRES ? "CONCURRENTLY " : "")) ||
	    (rc = strata__sql_ident(b, d, x->name)) || (rc = strata__buf_puts(b, only ? " ON ONLY " : " ON ")) ||
	    (rc = strata__sql_ident(b, d, on ? on : t->name)))
		return rc;
	if (x->method && d == STRATA_BACKEND_POSTGRES && (rc = strata__buf_printf(b, " USING %s", x->method)))
		return rc;
	if ((rc = strata__buf_puts(b, " (")))
		return rc;
	for (int i = 0; i < x->ncolumns; i++) {
		const strata_index_key *k = x->keys ? &x->keys[i] : NULL;
		if (i && (rc = strata__buf_puts(b, ", ")))
			return rc;
		if ((rc = k && k->expr ? strata__buf_printf(b, "(%s)", x->columns[i])
				       : strata__sql_ident(b, d, x->columns[i])))
			return rc;
		if (k && k->collation &&
		    ((rc = strata__buf_puts(b, " COLLATE ")) || (rc = strata__sql_ident(b, d, k->collation))))
			return rc;
		if (k && k->opclass && d == STRATA_BACKEND_POSTGRES && (rc = strata__buf_printf(b, " %s", k->opclass)))
			return rc;
		if (k && k->desc && (rc = strata__buf_puts(b, " DESC")))
			return rc;
		if (k && k->nulls &&
		    (rc = strata__buf_puts(b, k->nulls == STRATA_NULLS_FIRST ? " NULLS FIRST" : " NULLS LAST")))
			return rc;
	}
	if ((rc = strata__buf_putc(b, ')')))
		return rc;
	if (x->ninclude && d == STRATA_BACKEND_POSTGRES &&
	    ((rc = strata__buf_puts(b, " INCLUDE (")) || (rc = strata__sql_ident_list(b, d, x->include, x->ninclude)) ||
	     (rc = strata__buf_putc(b, ')'))))
		return rc;
	if (x->where && (rc = strata__buf_printf(b, " WHERE %s", x->where)))
		return rc;
	if ((rc = strata__buf_puts(b, ";\n")))
		return rc;
	if (x->where && d == STRATA_BACKEND_POSTGRES) {
		strata_buf what = STRATA_BUF_INIT, cur = STRATA_BUF_INIT, want = STRATA_BUF_INIT;
		if (!(rc = strata__buf_puts(&what, "INDEX ")) && !(rc = strata__sql_ident(&what, d, x->name)) &&
		    !(rc = strata__buf_puts(
			      &cur, "SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = ")) &&
		    !(rc = strata__sql_regclass(&cur, x->name)) && !(rc = strata__buf_puts(&cur, "::regclass")) &&
		    !(rc = strata__sql_literal(&want, x->where)))
			rc = strata__sql_pg_comment(b, strata__buf_cstr(&what), x->where, strata__buf_cstr(&cur),
						    strata__buf_cstr(&want));
		strata__buf_free(&what);
		strata__buf_free(&cur);
		strata__buf_free(&want);
	}
	return rc;
}

int strata__sql_check_comments(strata_buf *b, strata_backend d, const strata_table *t)
{
	int rc = STRATA_OK;
	if (d != STRATA_BACKEND_POSTGRES)
		return STRATA_OK;
	for (int i = 0; rc == STRATA_OK && i < t->ncolumns + t->nchecks; i++) {
		char cname[160];
		const char *expr;
		if (i < t->ncolumns) {
			if (!(expr = t->columns[i].check))
				continue;
			snprintf(cname, sizeof cname, "%.70s_%.70s_check", t->name, t->columns[i].name);
		} else {
			expr = t->checks[i - t->ncolumns].expr;
			snprintf(cname, sizeof cname, "%s", t->checks[i - t->ncolumns].name);
		}
		strata_buf what = STRATA_BUF_INIT, cur = STRATA_BUF_INIT, want = STRATA_BUF_INIT;
		if (!(rc = strata__buf_puts(&what, "CONSTRAINT ")) && !(rc = strata__sql_ident(&what, d, cname)) &&
		    !(rc = strata__buf_puts(&what, " ON ")) && !(rc = strata__sql_ident(&what, d, t->name)) &&
		    !(rc = strata__buf_puts(&cur,
					    "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ")) &&
		    !(rc = strata__sql_regclass(&cur, t->name)) &&
		    !(rc = strata__buf_puts(&cur, "::regclass AND conname = ")) &&
		    !(rc = strata__sql_literal(&cur, cname)) && !(rc = strata__buf_puts(&want, "'CHECK (' || ")) &&
		    !(rc = strata__sql_literal(&want, expr)) && !(rc = strata__buf_puts(&want, " || ')'")))
			rc = strata__sql_pg_comment(b, strata__buf_cstr(&what), expr, strata__buf_cstr(&cur),
						    strata__buf_cstr(&want));
		strata__buf_free(&what);
		strata__buf_free(&cur);
		strata__buf_free(&want);
	}
	return rc;
}

int strata__sql_create_enum(strata_buf *b, strata_backend d, const strata_enum *e)
{
	int rc;
	if (d != STRATA_BACKEND_POSTGRES)
		return STRATA_OK;
	if ((rc = strata__buf_puts(b, "DO $strata$ BEGIN\n    CREATE TYPE ")) ||
	    (rc = strata__sql_ident(b, d, e->name)) || (rc = strata__buf_puts(b, " AS ENUM (")))
		return rc;
	for (int i = 0; i < e->nvalues; i++)
		if ((i && (rc = strata__buf_puts(b, ", "))) || (rc = strata__sql_literal(b, e->values[i])))
			return rc;
	return strata__buf_puts(b, ");\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $strata$;\n");
}

void strata__sql_trigger_name(char *buf, size_t cap, const char *table, const char *column)
{
	snprintf(buf, cap, "%s_%s_auto_update", table, column);
	if (strlen(buf) > 63)
		buf[63] = '\0';
}

/*
 * SQLite's trigger for an `auto_update` `default actor` column: after an
 * UPDATE that left the column alone, set it to strata_actor().  Triggers'
 * own UPDATEs fire the table's other triggers, so it fires only for
 * UPDATEs OF the table's other columns (never for the UPDATE of updated_at
 * a timestamp trigger makes, which would overwrite a value the statement
 * set), and only when the statement left the auto_update timestamps alone
 * (its own UPDATE makes the timestamp triggers stamp again, which would
 * overwrite a time the statement set; such an UPDATE keeps updated_by as
 * it was, on SQLite).  The column list is part of the trigger: a change of
 * the table's columns writes it again (src/diff/table.c).
 */
static int sqlite_actor_trigger(strata_buf *b, const strata_table *t, const strata_column *c, const char *name)
{
	const strata_backend d = STRATA_BACKEND_SQLITE;
	int rc;
	if ((rc = strata__buf_puts(b, "CREATE TRIGGER IF NOT EXISTS ")) || (rc = strata__sql_ident(b, d, name)) ||
	    (rc = strata__buf_puts(b, " AFTER UPDATE")))
		return rc;
	int n = 0;
	for (int i = 0; i < t->ncolumns; i++) {
		const strata_column *o = &t->columns[i];
		if (o->auto_update || o->generated)
			continue;
		if ((rc = strata__buf_puts(b, n++ ? ", " : " OF ")) || (rc = strata__sql_ident(b, d, o->name)))
			return rc;
	}
	if ((rc = strata__buf_puts(b, " ON ")) || (rc = strata__sql_ident(b, d, t->name)) ||
	    (rc = strata__buf_puts(b, " FOR EACH ROW WHEN")))
		return rc;
	n = 0;
	for (int i = 0; i < t->ncolumns; i++) {
		const strata_column *o = &t->columns[i];
		if (o != c && (!o->auto_update || o->dflt.kind == STRATA_DEFAULT_ACTOR))
			continue;
		if ((rc = strata__buf_puts(b, n++ ? " AND NEW." : " NEW.")) ||
		    (rc = strata__sql_ident(b, d, o->name)) || (rc = strata__buf_puts(b, " IS OLD.")) ||
		    (rc = strata__sql_ident(b, d, o->name)))
			return rc;
	}
	if ((rc = strata__buf_puts(b, " BEGIN UPDATE ")) || (rc = strata__sql_ident(b, d, t->name)) ||
	    (rc = strata__buf_puts(b, " SET ")) || (rc = strata__sql_ident(b, d, c->name)))
		return rc;
	return strata__buf_puts(b, " = strata_actor() WHERE rowid = NEW.rowid; END;\n");
}

int strata__sql_triggers(strata_buf *b, strata_backend d, const strata_table *t)
{
	int rc = STRATA_OK;
	for (int i = 0; rc == STRATA_OK && i < t->ncolumns; i++) {
		const strata_column *c = &t->columns[i];
		char name[160];
		if (!c->auto_update)
			continue;
		bool actor = c->dflt.kind == STRATA_DEFAULT_ACTOR;
		strata__sql_trigger_name(name, sizeof name, t->name, c->name);
		if (d == STRATA_BACKEND_SQLITE && actor) {
			rc = sqlite_actor_trigger(b, t, c, name);
		} else if (d == STRATA_BACKEND_POSTGRES) {
			if ((rc = strata__buf_puts(b, "DROP TRIGGER IF EXISTS ")) ||
			    (rc = strata__sql_ident(b, d, name)) || (rc = strata__buf_puts(b, " ON ")) ||
			    (rc = strata__sql_ident(b, d, t->name)) ||
			    (rc = strata__buf_puts(b, ";\nCREATE TRIGGER ")) || (rc = strata__sql_ident(b, d, name)) ||
			    (rc = strata__buf_puts(b, " BEFORE UPDATE ON ")) ||
			    (rc = strata__sql_ident(b, d, t->name)) ||
			    (rc = strata__buf_puts(b, actor ? " FOR EACH ROW EXECUTE FUNCTION strata_stamp_actor("
							    : " FOR EACH ROW EXECUTE FUNCTION strata_touch(")) ||
			    (rc = strata__sql_literal(b, c->name)))
				return rc;
			rc = strata__buf_puts(b, ");\n");
		} else {
			if ((rc = strata__buf_puts(b, "CREATE TRIGGER IF NOT EXISTS ")) ||
			    (rc = strata__sql_ident(b, d, name)) || (rc = strata__buf_puts(b, " AFTER UPDATE ON ")) ||
			    (rc = strata__sql_ident(b, d, t->name)) ||
			    (rc = strata__buf_puts(b, " FOR EACH ROW WHEN NEW.")) ||
			    (rc = strata__sql_ident(b, d, c->name)) || (rc = strata__buf_puts(b, " IS OLD.")) ||
			    (rc = strata__sql_ident(b, d, c->name)) || (rc = strata__buf_puts(b, " BEGIN UPDATE ")) ||
			    (rc = strata__sql_ident(b, d, t->name)) || (rc = strata__buf_puts(b, " SET ")) ||
			    (rc = strata__sql_ident(b, d, c->name)) ||
			    (rc = strata__buf_printf(b, " = %s WHERE rowid = NEW.rowid; END;\n", strata__sqlite_now)))
				return rc;
		}
	}
	return rc;
}

int strata__sql_drop_triggers(strata_buf *b, strata_backend d, const strata_table *t)
{
	int rc = STRATA_OK;
	for (int i = 0; rc == STRATA_OK && i < t->ncolumns; i++) {
		char name[160];
		if (!t->columns[i].auto_update)
			continue;
		strata__sql_trigger_name(name, sizeof name, t->name, t->columns[i].name);
		if ((rc = strata__buf_puts(b, "DROP TRIGGER IF EXISTS ")) || (rc = strata__sql_ident(b, d, name)))
			return rc;
		if (d == STRATA_BACKEND_POSTGRES &&
		    ((rc = strata__buf_puts(b, " ON ")) || (rc = strata__sql_ident(b, d, t->name))))
			return rc;
		rc = strata__buf_puts(b, ";\n");
	}
	return rc;
}

int strata__sql_prelude(strata_buf *b, strata_backend d, const strata_schema *s)
{
	bool touch = false, v7 = false, actor = false;
	int rc = STRATA_OK;
	if (d != STRATA_BACKEND_POSTGRES)
		return STRATA_OK;
	for (int i = 0; i < s->ntables; i++)
		for (int j = 0; j < s->tables[i].ncolumns; j++) {
			touch |= s->tables[i].columns[j].auto_update;
			actor |= s->tables[i].columns[j].dflt.kind == STRATA_DEFAULT_ACTOR;
			v7 |= s->tables[i].columns[j].dflt.kind == STRATA_DEFAULT_UUID_V7;
		}
	if (touch)
		rc = strata__buf_puts(b, pg_touch);
	if (!rc && v7)
		rc = strata__buf_puts(b, pg_uuid_v7);
	if (!rc && actor)
		rc = strata__buf_puts(b, pg_actor);
	return rc;
}

/* ---- the whole schema ---- */

typedef struct order_state {
	const strata_schema *s;
	bool *created;
} order_state;

static bool fk_not_created(void *ud, const strata_fkey *f)
{
	order_state *st = ud;
	const strata_table *t = strata_schema_table(st->s, f->ref_table);
	return t && !st->created[t - st->s->tables];
}

int strata_sql_create(const strata_schema *s, strata_backend d, char **out)
{
	strata_buf b = STRATA_BUF_INIT;
	bool *created = NULL;
	int rc = STRATA_OK;
	if (!out || !s)
		return strata__error_set(STRATA_EINVAL, "strata_sql_create: NULL argument");
	*out = NULL;
	if (d != STRATA_BACKEND_SQLITE && d != STRATA_BACKEND_POSTGRES)
		return strata__error_set(STRATA_EINVAL, "unknown SQL dialect %d", (int)d);
	if ((rc = strata__sql_check_dialect(s, d)))
		return rc;
	if (s->ntables && !(created = calloc((size_t)s->ntables, sizeof *created)))
		return strata__error_nomem();
	/* Extensions, Strata's functions, enums, domains, sequences, functions: what tables may use. */
	for (int i = 0; i < s->nextensions && !rc; i++)
		rc = strata__sql_create_extension(&b, d, &s->extensions[i]);
	if (rc || (rc = strata__sql_prelude(&b, d, s)))
		goto done;
	for (int i = 0; i < s->nenums && !rc; i++)
		rc = strata__sql_create_enum(&b, d, &s->enums[i]);
	for (int i = 0; i < s->ndomains && !rc; i++)
		rc = strata__sql_create_domain(&b, d, &s->domains[i]);
	for (int i = 0; i < s->nsequences && !rc; i++)
		rc = strata__sql_create_sequence(&b, d, &s->sequences[i]);
	if (!rc && s->nfunctions)
		rc = strata__sql_function_prelude(&b, d);
	for (int i = 0; i < s->nfunctions && !rc; i++)
		rc = strata__sql_create_function(&b, d, &s->functions[i]);
	/* Dependency order: the first table whose targets all exist; on a cycle, the first left. */
	order_state st = { s, created };
	typedef struct deferred {
		int table, fkey;
	} deferred;
	deferred *later = NULL;
	int nlater = 0;
	for (int done = 0; done < s->ntables && !rc; done++) {
		int pick = -1;
		for (int i = 0; i < s->ntables && pick < 0; i++) {
			if (created[i])
				continue;
			bool ready = true;
			const strata_table *parent = strata_schema_table(s, s->tables[i].partition_of);
			if (parent && !created[parent - s->tables])
				ready = false;
			for (int j = 0; j < s->tables[i].nfkeys; j++) {
				const strata_table *tg = strata_schema_table(s, s->tables[i].fkeys[j].ref_table);
				if (tg && tg != &s->tables[i] && !created[tg - s->tables])
					ready = false;
			}
			if (ready)
				pick = i;
		}
		bool cycle = pick < 0;
		for (int i = 0; i < s->ntables && pick < 0; i++)
			if (!created[i])
				pick = i;
		const strata_table *t = &s->tables[pick];
		if (cycle && d == STRATA_BACKEND_POSTGRES) {
			for (int j = 0; j < t->nfkeys; j++) {
				if (!fk_not_created(&st, &t->fkeys[j]) || strcmp(t->fkeys[j].ref_table, t->name) == 0)
					continue;
				deferred *nl = realloc(later, (size_t)(nlater + 1) * sizeof *later);
				if (!nl) {
					rc = strata__error_nomem();
					break;
				}
				later = nl;
				later[nlater].table = pick;
				later[nlater++].fkey = j;
			}
		}
		if (rc)
			break;
		/* Self-references are fine inline: mark the table created while writing it. */
		created[pick] = true;
		if (d == STRATA_BACKEND_POSTGRES && cycle) {
			rc = strata__sql_create_table(&b, d, s, t, NULL, fk_not_created, &st);
		} else {
			rc = strata__sql_create_table(&b, d, s, t, NULL, NULL, NULL);
		}
		if (!rc)
			rc = strata__sql_check_comments(&b, d, t);
		if (!rc)
			rc = strata__sql_comments(&b, d, t);
	}
	for (int i = 0; i < nlater && !rc; i++) {
		const strata_table *t = &s->tables[later[i].table];
		const strata_fkey *f = &t->fkeys[later[i].fkey];
		if ((rc = strata__buf_puts(&b, "DO $strata$ BEGIN\n    ALTER TABLE ")) ||
		    (rc = strata__sql_ident(&b, d, t->name)) || (rc = strata__buf_puts(&b, " ADD ")) ||
		    (rc = strata__sql_fkey(&b, d, f)))
			break;
		rc = strata__buf_puts(&b, ";\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $strata$;\n");
	}
	free(later);
	for (int i = 0; i < s->ntables && !rc; i++)
		for (int j = 0; j < s->tables[i].nindexes && !rc; j++)
			rc = strata__sql_create_index(&b, d, &s->tables[i], &s->tables[i].indexes[j], false);
	for (int i = 0; i < s->ntables && !rc; i++)
		if (!(rc = strata__sql_triggers(&b, d, &s->tables[i])))
			rc = strata__sql_table_item_triggers(&b, d, s, &s->tables[i]);
	for (int i = 0; i < s->nsequences && !rc; i++)
		if (s->sequences[i].owned_by)
			rc = strata__sql_sequence_owner(&b, d, &s->sequences[i]);
	for (int i = 0; i < s->nviews && !rc; i++)
		rc = strata__sql_create_view(&b, d, &s->views[i]);
	for (int i = 0; i < s->ntriggers && !rc; i++)
		rc = strata__sql_create_trigger(&b, d, &s->triggers[i]);
done:
	free(created);
	if (rc) {
		strata__buf_free(&b);
		return rc;
	}
	*out = b.ptr ? strata__buf_detach(&b) : strata__strdup("");
	return *out ? STRATA_OK : STRATA_ENOMEM;
}
