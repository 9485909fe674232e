/*
 * PostgreSQL introspection through pg_catalog.  Names are bound as
 * parameters; relation OIDs travel as text and are cast back.  CHECK
 * expressions and partial-index predicates that Strata created carry a
 * "strata:" comment with the text as written (PostgreSQL re-prints
 * expressions in its own form); anything else comes back as the server
 * prints it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "inspect/inspect.h"
#include "sql/ddl.h"

#define SEP "\001"

/* Split "a\001b" into names. */
static int split_names(strata_schema *s, const char *text, const char ***out, int *n)
{
	*out = NULL;
	*n = 0;
	if (!text)
		return STRATA_OK;
	const char *p = text;
	for (;;) {
		const char *e = strchr(p, SEP[0]);
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *nm = strata__sndup(s, p, len);
		if (!nm || strata__push_str(s, out, n, nm))
			return STRATA_ENOMEM;
		if (!e)
			return STRATA_OK;
		p = e + 1;
	}
}

static const char *strata_comment(const char *comment)
{
	size_t n = strlen(STRATA__PG_COMMENT);
	if (comment && strncmp(comment, STRATA__PG_COMMENT, n) == 0)
		return comment + n;
	return NULL;
}

static const strata__type_word pg_words[] = {
	{ "integer", STRATA_T_INT }, { "bigint", STRATA_T_BIGINT }, { "boolean", STRATA_T_BOOL },
	{ "double precision", STRATA_T_FLOAT }, { "text", STRATA_T_TEXT }, { "bytea", STRATA_T_BYTES },
	{ "timestamp with time zone", STRATA_T_TIMESTAMP }, { "date", STRATA_T_DATE }, { "uuid", STRATA_T_UUID },
	{ "jsonb", STRATA_T_JSON },
};

static const strata__type_names pg_names = {
	pg_words, sizeof pg_words / sizeof pg_words[0], { "numeric(%d,%d)%c", NULL }, "character varying(%d)%c",
};

static int map_type(strata_schema *s, strata_column *c, const char *fmt, const char *typtype, const char *typname,
		    const char *etyptype, const char *etypname)
{
	strata_coltype *t = &c->type;
	size_t n = strlen(fmt);
	char base[256];
	bool array = n > 2 && strcmp(fmt + n - 2, "[]") == 0;
	if (n >= sizeof base)
		goto raw;
	memcpy(base, fmt, n + 1);
	if (array) {
		base[n - 2] = '\0';
		typtype = etyptype;
		typname = etypname;
	}
	t->array = array;
	if (typtype && strcmp(typtype, "e") == 0 && typname) {
		t->kind = STRATA_T_ENUM;
		return (t->enum_name = strata__sdup(s, typname)) ? STRATA_OK : STRATA_ENOMEM;
	}
	if (!strata__inspect_type_name(&pg_names, base, t))
		goto raw;
	return STRATA_OK;
raw:
	t->array = false;
	t->kind = STRATA_T_RAW;
	return (t->raw = strata__sdup(s, fmt)) ? STRATA_OK : STRATA_ENOMEM;
}

static strata_fk_action fk_action(const char *a)
{
	switch (a ? a[0] : 'a') {
	case 'c': return STRATA_FK_CASCADE;
	case 'n': return STRATA_FK_SET_NULL;
	case 'r': return STRATA_FK_RESTRICT;
	case 'd': return STRATA_FK_SET_DEFAULT;
	default: return STRATA_FK_NO_ACTION;
	}
}

/* "CHECK ((a > 0))" -> "(a > 0)" */
static char *check_body(strata_schema *s, const char *def)
{
	const char *p = strstr(def, "CHECK (");
	if (!p)
		return strata__sdup(s, def);
	p += 7;
	const char *e = strrchr(p, ')');
	return strata__sndup(s, p, e ? (size_t)(e - p) : strlen(p));
}

/*
 * Each catalog query reads the whole schema at once (one round trip, not
 * one per table); the relation's OID comes last and routes each row to its
 * table.
 */
#define IN_SCHEMA_OF(rel, kinds) \
	" JOIN pg_class rc ON rc.oid = " rel " JOIN pg_namespace rn ON rn.oid = rc.relnamespace" \
	" WHERE rn.nspname = ? AND rc.relkind IN " kinds " "
#define IN_SCHEMA(rel) IN_SCHEMA_OF(rel, "('r', 'p')")

static const char q_columns[] =
	"SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), "
	"a.attidentity::text, t.typtype::text, t.typname::text, et.typtype::text, et.typname::text, a.attrelid::text "
	"FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
	"LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A' "
	"LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum" IN_SCHEMA("a.attrelid")
	"AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum";

static const char q_constraints[] =
	"SELECT con.conname::text, con.contype::text, pg_get_constraintdef(con.oid), "
	"(SELECT string_agg(a.attname::text, chr(1) ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(n, ord) "
	" JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n), "
	"(SELECT relname::text FROM pg_class WHERE oid = con.confrelid), "
	"(SELECT string_agg(a.attname::text, chr(1) ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(n, ord) "
	" JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n), "
	"con.confdeltype::text, con.confupdtype::text, obj_description(con.oid, 'pg_constraint'), con.conrelid::text "
	"FROM pg_constraint con" IN_SCHEMA("con.conrelid") "ORDER BY con.conrelid, con.oid";

#define Q_INDEXES(kinds) \
	"SELECT i.relname::text, ix.indisunique, pg_get_expr(ix.indpred, ix.indrelid), obj_description(i.oid, 'pg_class'), " \
	"(SELECT string_agg(a.attname::text, chr(1) ORDER BY k.ord) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, ord) " \
	" JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n), " \
	"ix.indexprs IS NOT NULL OR 0 = ANY (ix.indkey::int2[]), ix.indrelid::text " \
	"FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid" IN_SCHEMA_OF("ix.indrelid", kinds) \
	"AND NOT ix.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c " \
	" WHERE c.conrelid = ix.indrelid AND c.conindid = ix.indexrelid AND c.contype IN ('p', 'u', 'x')) " \
	"ORDER BY ix.indrelid, i.oid"
static const char q_indexes[] = Q_INDEXES("('r', 'p')");
static const char q_view_indexes[] = Q_INDEXES("('m')");

/* Views and materialized views (not an extension's), their query as PostgreSQL prints it (trimmed) and its md5. */
static const char q_views[] =
	"WITH v AS (SELECT c.oid, c.relname::text AS name, c.relkind::text AS kind, "
	" regexp_replace(pg_get_viewdef(c.oid), '^\\s+|[\\s;]+$', '', 'g') AS def, obj_description(c.oid, 'pg_class') AS note "
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	" WHERE n.nspname = ? AND c.relkind IN ('v', 'm') AND NOT EXISTS (SELECT 1 FROM pg_depend e "
	"  WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')) "
	"SELECT name, kind, def, md5(def), note, oid::text FROM v ORDER BY name";

/* What each view reads: relations, and columns where PostgreSQL records them. */
static const char q_view_deps[] =
	"SELECT DISTINCT v.oid::text, t.relname::text, a.attname::text FROM pg_depend d "
	"JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class "
	"JOIN pg_namespace n ON n.oid = v.relnamespace JOIN pg_class t ON t.oid = d.refobjid "
	"LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0 "
	"WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid "
	"AND n.nspname = ? AND v.relkind IN ('v', 'm') ORDER BY 1, 2, 3";

static const char q_triggers[] =
	"SELECT tg.tgname::text, tg.tgrelid::text FROM pg_trigger tg" IN_SCHEMA("tg.tgrelid") "AND NOT tg.tgisinternal";

typedef struct reader {
	strata_schema *s;
	const char **oids;	/* one per table of s, in the same order */
	const char **view_oids;	/* one per view of s */
	bool **identity;	/* per table: which columns are generated */
	int *nidentity;
	int hint;
} reader;

/* A row about the i-th relation of a list (tables, or views). */
typedef int (*row_fn)(reader *r, int i, strata_stmt *st);

/* Run a schema-wide query; hand each row whose relation is one of `oids` to `fn`. */
static int each_row(strata_db *db, reader *r, const char *sql, const char *nsp, int oid_col, const char **oids, int n,
		    row_fn fn)
{
	strata_stmt *st = NULL;
	int rc;
	r->hint = 0;
	if ((rc = strata_prepare(&st, db, sql)) || (rc = strata_bind_text(st, 1, nsp, -1)))
		goto out;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *oid = strata__inspect_text(st, oid_col);
		int ti = -1;
		if (!oid)
			continue;
		if (r->hint < n && strcmp(oids[r->hint], oid) == 0)
			ti = r->hint;
		for (int i = 0; ti < 0 && i < n; i++)
			if (strcmp(oids[i], oid) == 0)
				ti = i;
		if (ti < 0)
			continue; /* a table left out (the migration ledgers) */
		r->hint = ti;
		if ((rc = fn(r, ti, st)))
			goto out;
	}
	if (rc == STRATA_DONE)
		rc = STRATA_OK;
out:
	strata_finalize(st);
	return rc;
}

static int column_row(reader *r, int ti, strata_stmt *st)
{
	strata_schema *s = r->s;
	strata_table *t = &s->tables[ti];
	strata_column *c = strata__push(s, &t->columns, &t->ncolumns, sizeof *c);
	bool *id = strata__push(s, &r->identity[ti], &r->nidentity[ti], sizeof *id);
	int rc;
	if (!c || !id || !(c->name = strata__sdup(s, strata__inspect_text(st, 0))))
		return STRATA_ENOMEM;
	bool notnull = false;
	strata_column_bool(st, 2, &notnull);
	c->not_null = notnull;
	if ((rc = map_type(s, c, strata__inspect_text(st, 1), strata__inspect_text(st, 5), strata__inspect_text(st, 6),
			   strata__inspect_text(st, 7), strata__inspect_text(st, 8))))
		return rc;
	const char *ident = strata__inspect_text(st, 4), *dflt = strata__inspect_text(st, 3);
	*id = (ident && *ident) || (dflt && strncmp(dflt, "nextval(", 8) == 0);
	return *id ? STRATA_OK : strata__inspect_default(s, c, dflt, STRATA_BACKEND_POSTGRES);
}

static int constraint_row(reader *r, int ti, strata_stmt *st)
{
	strata_schema *s = r->s;
	strata_table *t = &s->tables[ti];
	const char *name = strata__inspect_text(st, 0), *type = strata__inspect_text(st, 1);
	const char **cols;
	int ncols, rc;
	char dname[200];
	if (!name || !type)
		return STRATA_OK;
	if ((rc = split_names(s, strata__inspect_text(st, 3), &cols, &ncols)))
		return rc;
	switch (type[0]) {
	case 'p':
		t->pkey = cols;
		t->npkey = ncols;
		return STRATA_OK;
	case 'u': {
		if (ncols == 1) {
			snprintf(dname, sizeof dname, "%s_%s_key", t->name, cols[0]);
			strata_column *c = (strata_column *)strata_table_column(t, cols[0]);
			if (strcmp(dname, name) == 0 && c) {
				c->unique = true;
				return STRATA_OK;
			}
		}
		strata_unique *u = strata__push(s, &t->uniques, &t->nuniques, sizeof *u);
		if (!u || !(u->name = strata__sdup(s, name)))
			return STRATA_ENOMEM;
		u->columns = cols;
		u->ncolumns = ncols;
		return STRATA_OK;
	}
	case 'c': {
		const char *written = strata_comment(strata__inspect_text(st, 8));
		const char *def = strata__inspect_text(st, 2);
		char *expr = written ? strata__sdup(s, written) : check_body(s, def ? def : "");
		if (!expr)
			return STRATA_ENOMEM;
		if (ncols == 1) {
			snprintf(dname, sizeof dname, "%.70s_%.70s_check", t->name, cols[0]);
			strata_column *c = (strata_column *)strata_table_column(t, cols[0]);
			if (strcmp(dname, name) == 0 && c && !c->check) {
				c->check = expr;
				return STRATA_OK;
			}
		}
		strata_check *ck = strata__push(s, &t->checks, &t->nchecks, sizeof *ck);
		if (!ck || !(ck->name = strata__sdup(s, name)))
			return STRATA_ENOMEM;
		ck->expr = expr;
		return STRATA_OK;
	}
	case 'f': {
		strata_fkey *f = strata__push(s, &t->fkeys, &t->nfkeys, sizeof *f);
		const char *ref = strata__inspect_text(st, 4);
		if (!f || !(f->name = strata__sdup(s, name)) || !(f->ref_table = strata__sdup(s, ref ? ref : "")) ||
		    split_names(s, strata__inspect_text(st, 5), &f->ref_columns, &f->nref_columns))
			return STRATA_ENOMEM;
		f->columns = cols;
		f->ncolumns = ncols;
		f->on_delete = fk_action(strata__inspect_text(st, 6));
		f->on_update = fk_action(strata__inspect_text(st, 7));
		return STRATA_OK;
	}
	default: return STRATA_OK;
	}
}

/* Generated keys: identity columns or sequences behind a single-column key. */
static int identity_fix(reader *r, strata_table *t, int ti)
{
	for (int i = 0; i < t->ncolumns && i < r->nidentity[ti]; i++) {
		strata_column *c = &t->columns[i];
		if (!r->identity[ti][i])
			continue;
		if (t->npkey == 1 && strcmp(t->pkey[0], c->name) == 0 &&
		    (c->type.kind == STRATA_T_INT || c->type.kind == STRATA_T_BIGINT)) {
			c->type.kind = STRATA_T_SERIAL;
		} else {
			if (!(c->dflt.text = strata__sdup(r->s, "generated")))
				return STRATA_ENOMEM;
			c->dflt.kind = STRATA_DEFAULT_RAW;
		}
	}
	return STRATA_OK;
}

/* An index row of Q_INDEXES into the indexes of `owner` (a table or a materialized view). */
static int add_index(strata_schema *s, strata_stmt *st, const char *owner, strata_index **arr, int *n)
{
	bool uniq = false, expr = false;
	strata_column_bool(st, 1, &uniq);
	strata_column_bool(st, 5, &expr);
	if (expr) {
		/* Expression indexes have no word in the language: say so rather than drop them silently. */
		strata__log(NULL, NULL, STRATA_LOG_WARN, "inspect: index %s on %s indexes an expression; it is left out of the model",
			    strata__inspect_text(st, 0) ? strata__inspect_text(st, 0) : "?", owner);
		return STRATA_OK;
	}
	strata_index *x = strata__push(s, arr, n, sizeof *x);
	if (!x || !(x->name = strata__sdup(s, strata__inspect_text(st, 0))) ||
	    split_names(s, strata__inspect_text(st, 4), &x->columns, &x->ncolumns))
		return STRATA_ENOMEM;
	x->unique = uniq;
	x->named = true;
	const char *pred = strata__inspect_text(st, 2), *written = strata_comment(strata__inspect_text(st, 3));
	if (pred && !(x->where = strata__sdup(s, written ? written : pred)))
		return STRATA_ENOMEM;
	return STRATA_OK;
}

static int index_row(reader *r, int ti, strata_stmt *st)
{
	strata_table *t = &r->s->tables[ti];
	return add_index(r->s, st, t->name, &t->indexes, &t->nindexes);
}

static int view_index_row(reader *r, int vi, strata_stmt *st)
{
	strata_view *v = &r->s->views[vi];
	return add_index(r->s, st, v->name, &v->indexes, &v->nindexes);
}

static int view_dep_row(reader *r, int vi, strata_stmt *st)
{
	strata_view *v = &r->s->views[vi];
	const char *rel = strata__inspect_text(st, 1), *col = strata__inspect_text(st, 2);
	if (!rel)
		return STRATA_OK;
	if (!strata__view_reads(v, rel, NULL) && strata__push_str(r->s, &v->depends, &v->ndepends, rel))
		return STRATA_ENOMEM;
	if (col && !(col = strata__sprintf(r->s, "%s.%s", rel, col)))
		return STRATA_ENOMEM;
	return col && strata__push_str(r->s, &v->depends, &v->ndepends, col) ? STRATA_ENOMEM : STRATA_OK;
}

static int trigger_row(reader *r, int ti, strata_stmt *st)
{
	strata_table *t = &r->s->tables[ti];
	const char *name = strata__inspect_text(st, 0);
	for (int j = 0; name && j < t->ncolumns; j++) {
		char want[160];
		strata__sql_trigger_name(want, sizeof want, t->name, t->columns[j].name);
		if (strcmp(want, name) == 0)
			t->columns[j].auto_update = true;
	}
	return STRATA_OK;
}

static int read_tables(strata_db *db, strata_schema *s, const char **oids, const char *nsp)
{
	reader r = { s, oids, NULL, NULL, NULL, 0 };
	int n = s->ntables, rc;
	if (s->ntables == 0)
		return STRATA_OK;
	r.identity = strata__alloc(s, (size_t)s->ntables * sizeof *r.identity);
	r.nidentity = strata__alloc(s, (size_t)s->ntables * sizeof *r.nidentity);
	if (!r.identity || !r.nidentity)
		return STRATA_ENOMEM;
	if ((rc = each_row(db, &r, q_columns, nsp, 9, oids, n, column_row)) ||
	    (rc = each_row(db, &r, q_constraints, nsp, 9, oids, n, constraint_row)))
		return rc;
	for (int i = 0; i < s->ntables; i++)
		if ((rc = identity_fix(&r, &s->tables[i], i)))
			return rc;
	if ((rc = each_row(db, &r, q_indexes, nsp, 6, oids, n, index_row)))
		return rc;
	return each_row(db, &r, q_triggers, nsp, 1, oids, n, trigger_row);
}

/* Views and materialized views, with what they read and a materialized view's indexes. */
static int read_views(strata_db *db, strata_schema *s, const char *nsp)
{
	strata_stmt *st = NULL;
	const char **oids = NULL;
	int noids = 0, rc;
	reader r = { s, NULL, NULL, NULL, NULL, 0 };
	if ((rc = strata_prepare(&st, db, q_views)) || (rc = strata_bind_text(st, 1, nsp, -1)))
		goto out;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *name = strata__inspect_text(st, 0), *kind = strata__inspect_text(st, 1);
		const char *def = strata__inspect_text(st, 2), *md5 = strata__inspect_text(st, 3);
		const char *written = strata__inspect_written(strata__inspect_text(st, 4), md5);
		strata_view *v = strata__push(s, &s->views, &s->nviews, sizeof *v);
		if (!v || !(v->name = strata__sdup(s, name)) || !(v->sql = strata__sdup(s, written ? written : def ? def : "")) ||
		    strata__push_str(s, &oids, &noids, strata__inspect_text(st, 5))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		v->materialized = kind && kind[0] == 'm';
	}
	if (rc != STRATA_DONE)
		goto out;
	rc = STRATA_OK;
	if (noids && !(rc = each_row(db, &r, q_view_deps, nsp, 0, oids, noids, view_dep_row)))
		rc = each_row(db, &r, q_view_indexes, nsp, 6, oids, noids, view_index_row);
out:
	strata_finalize(st);
	return rc;
}

int strata__inspect_postgres(strata_db *db, const strata_inspect_options *o, strata_schema *s)
{
	const char *nsp = o && o->pg_schema ? o->pg_schema : "public";
	strata_stmt *st = NULL;
	const char **oids = NULL;
	int noids = 0, rc;

	if ((rc = strata_prepare(&st, db, "SELECT t.typname::text, e.enumlabel::text FROM pg_type t "
					  "JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid "
					  "WHERE n.nspname = ? ORDER BY t.oid, e.enumsortorder")) ||
	    (rc = strata_bind_text(st, 1, nsp, -1)))
		goto out;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *name = strata__inspect_text(st, 0), *label = strata__inspect_text(st, 1);
		strata_enum *e = (strata_enum *)strata_schema_enum(s, name);
		if (!e) {
			e = strata__push(s, &s->enums, &s->nenums, sizeof *e);
			if (!e || !(e->name = strata__sdup(s, name))) {
				rc = STRATA_ENOMEM;
				goto out;
			}
		}
		if (strata__push_str(s, &e->values, &e->nvalues, label)) {
			rc = STRATA_ENOMEM;
			goto out;
		}
	}
	if (rc != STRATA_DONE)
		goto out;
	strata_finalize(st);
	st = NULL;

	if ((rc = strata_prepare(&st, db, "SELECT c.oid::text, c.relname::text FROM pg_class c "
					  "JOIN pg_namespace n ON n.oid = c.relnamespace "
					  "WHERE n.nspname = ? AND c.relkind IN ('r', 'p') ORDER BY c.oid")) ||
	    (rc = strata_bind_text(st, 1, nsp, -1)))
		goto out;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *oid = strata__inspect_text(st, 0), *name = strata__inspect_text(st, 1);
		if (!oid || !name || strata__inspect_skip_table(o, name))
			continue;
		strata_table *t = strata__push(s, &s->tables, &s->ntables, sizeof *t);
		if (!t || !(t->name = strata__sdup(s, name)) || strata__push_str(s, &oids, &noids, oid)) {
			rc = STRATA_ENOMEM;
			goto out;
		}
	}
	if (rc != STRATA_DONE)
		goto out;
	strata_finalize(st);
	st = NULL;
	if ((rc = read_tables(db, s, oids, nsp)))
		goto out;
	rc = read_views(db, s, nsp);
out:
	strata_finalize(st);
	return rc;
}
