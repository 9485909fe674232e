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
	{ "integer", STRATA_T_INT },
	{ "bigint", STRATA_T_BIGINT },
	{ "boolean", STRATA_T_BOOL },
	{ "double precision", STRATA_T_FLOAT },
	{ "text", STRATA_T_TEXT },
	{ "bytea", STRATA_T_BYTES },
	{ "timestamp with time zone", STRATA_T_TIMESTAMP },
	{ "date", STRATA_T_DATE },
	{ "uuid", STRATA_T_UUID },
	{ "jsonb", STRATA_T_JSON },
};

static const strata__type_names pg_names = {
	pg_words,
	sizeof pg_words / sizeof pg_words[0],
	{ "numeric(%d,%d)%c", NULL },
	"character varying(%d)%c",
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
#define IN_SCHEMA_OF(rel, kinds)                                                                 \
	" JOIN pg_class rc ON rc.oid = " rel " JOIN pg_namespace rn ON rn.oid = rc.relnamespace" \
	" WHERE rn.nspname = ? AND rc.relkind IN " kinds " "
#define IN_SCHEMA(rel) IN_SCHEMA_OF(rel, "('r', 'p')")

static const char q_columns[] =
	"SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), "
	"a.attidentity::text, t.typtype::text, t.typname::text, et.typtype::text, et.typname::text, a.attrelid::text, "
	"a.attgenerated::text, CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN "
	" (SELECT collname::text FROM pg_collation WHERE oid = a.attcollation) END, col_description(a.attrelid, "
	"a.attnum), "
	"md5(pg_get_expr(d.adbin, d.adrelid)) "
	"FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
	"LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A' "
	"LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum" IN_SCHEMA(
		"a.attrelid") "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum";

static const char q_constraints[] =
	"SELECT con.conname::text, con.contype::text, pg_get_constraintdef(con.oid), "
	"(SELECT string_agg(a.attname::text, chr(1) ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(n, ord) "
	" JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n), "
	"(SELECT relname::text FROM pg_class WHERE oid = con.confrelid), "
	"(SELECT string_agg(a.attname::text, chr(1) ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(n, ord) "
	" JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n), "
	"con.confdeltype::text, con.confupdtype::text, obj_description(con.oid, 'pg_constraint'), con.conrelid::text "
	"FROM pg_constraint con" IN_SCHEMA("con.conrelid") "AND con.conislocal AND con.conparentid = 0 "
							   "ORDER BY con.conrelid, con.oid";

/*
 * Indexes that are not a constraint's: each key as name-or-expression,
 * 'c' or 'e', a non-default operator class, a collation other than the
 * column's (an expression's: one the index definition names), DESC and
 * NULLS FIRST bits (fields split by chr(2), keys by chr(1)); INCLUDE
 * columns; the method when not btree; whether it is a partition's index
 * attached to its parent's (which the parent's implies).
 */
#define Q_INDEXES(kinds)                                                                                              \
	"SELECT i.relname::text, ix.indisunique, pg_get_expr(ix.indpred, ix.indrelid), obj_description(i.oid, "       \
	"'pg_class'), "                                                                                               \
	"(SELECT string_agg(concat_ws(chr(2), CASE WHEN k.n = 0 THEN pg_get_indexdef(ix.indexrelid, k.ord::int, "     \
	"true) "                                                                                                      \
	"  ELSE a.attname::text END, CASE WHEN k.n = 0 THEN 'e' ELSE 'c' END, "                                       \
	"  CASE WHEN NOT opc.opcdefault THEN opc.opcname::text ELSE '' END, "                                         \
	"  CASE WHEN ix.indcollation[k.ord - 1] <> 0 AND CASE WHEN k.n = 0 "                                          \
	"   THEN strpos(pg_get_indexdef(ix.indexrelid), ' COLLATE ' || quote_ident(coll.collname)) > 0 "              \
	"   ELSE ix.indcollation[k.ord - 1] <> a.attcollation END THEN coll.collname::text ELSE '' END, "             \
	"(ix.indoption[k.ord - 1] & 1)::text, (ix.indoption[k.ord - 1] & 2)::text), "                                 \
	"  chr(1) ORDER BY k.ord) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, ord) "                          \
	"  LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n AND k.n > 0 "                      \
	"  LEFT JOIN pg_opclass opc ON opc.oid = ix.indclass[k.ord - 1] "                                             \
	"  LEFT JOIN pg_collation coll ON coll.oid = ix.indcollation[k.ord - 1] WHERE k.ord <= ix.indnkeyatts), "     \
	"(SELECT string_agg(a.attname::text, chr(1) ORDER BY k.ord) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY "  \
	"k(n, ord) "                                                                                                  \
	"  JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n WHERE k.ord > ix.indnkeyatts), "        \
	"CASE WHEN am.amname <> 'btree' THEN am.amname::text END, "                                                   \
	"EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = ix.indexrelid), ix.indrelid::text "                   \
	"FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_am am ON am.oid = i.relam" IN_SCHEMA_OF(   \
		"ix.indrelid", kinds) "AND NOT ix.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c "        \
				      " WHERE c.conrelid = ix.indrelid AND c.conindid = ix.indexrelid AND c.contype " \
				      "IN ('p', 'u', 'x')) "                                                          \
				      "ORDER BY ix.indrelid, i.oid"
static const char q_indexes[] = Q_INDEXES("('r', 'p')");
static const char q_view_indexes[] = Q_INDEXES("('m')");
#define IX_OID 8

/* Views and materialized views (not an extension's), their query as PostgreSQL prints it (trimmed) and its md5. */
static const char q_views[] =
	"WITH v AS (SELECT c.oid, c.relname::text AS name, c.relkind::text AS kind, "
	" regexp_replace(pg_get_viewdef(c.oid), '^\\s+|[\\s;]+$', '', 'g') AS def, obj_description(c.oid, 'pg_class') "
	"AS note "
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	" WHERE n.nspname = ? AND c.relkind IN ('v', 'm') AND NOT EXISTS (SELECT 1 FROM pg_depend e "
	"  WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')) "
	"SELECT name, kind, def, md5(def), note, oid::text FROM v ORDER BY name";

/*
 * The columns of views and materialized views, with their types: the
 * declaration `strata gen c` writes typed reads from (PostgreSQL records no
 * NOT NULL for a view's columns).
 */
static const char q_view_columns[] =
	"SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typtype::text, t.typname::text, et.typtype::text, "
	"et.typname::text, a.attrelid::text "
	"FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
	"LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'" IN_SCHEMA_OF(
		"a.attrelid", "('v', 'm')") "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum";

/* What each view reads: relations, and columns where PostgreSQL records them. */
static const char q_view_deps[] =
	"SELECT DISTINCT v.oid::text, t.relname::text, a.attname::text FROM pg_depend d "
	"JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class "
	"JOIN pg_namespace n ON n.oid = v.relnamespace JOIN pg_class t ON t.oid = d.refobjid "
	"LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0 "
	"WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid "
	"AND n.nspname = ? AND v.relkind IN ('v', 'm') ORDER BY 1, 2, 3";

/* Triggers (not a partition's copy of its parent's): the definition, its md5 and the comment. */
static const char q_triggers[] =
	"SELECT tg.tgname::text, pg_get_triggerdef(tg.oid), md5(pg_get_triggerdef(tg.oid)), obj_description(tg.oid, "
	"'pg_trigger'), "
	"tg.tgrelid::text FROM pg_trigger tg" IN_SCHEMA("tg.tgrelid") "AND NOT tg.tgisinternal AND tg.tgparentid = 0 "
								      "ORDER BY tg.tgrelid, tg.tgname";

/* Tables: comment, partition key, parent and bound of a partition, the parent of an INHERITS child. */
static const char q_tables[] =
	"SELECT c.oid::text, c.relname::text, obj_description(c.oid, 'pg_class'), "
	"CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, "
	"CASE WHEN c.relispartition THEN (SELECT p.relname::text FROM pg_inherits i JOIN pg_class p ON p.oid = "
	"i.inhparent "
	" WHERE i.inhrelid = c.oid) END, "
	"CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END, "
	"CASE WHEN NOT c.relispartition THEN (SELECT string_agg(p.relname::text, ', ') FROM pg_inherits i "
	" JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid) END, "
	/* what a table Strata leaves unmanaged needs: its parents and the tables its keys reference */
	"(SELECT string_agg(DISTINCT r.relname::text, chr(1)) FROM pg_class r WHERE r.oid IN "
	" (SELECT inhparent FROM pg_inherits WHERE inhrelid = c.oid UNION SELECT confrelid FROM pg_constraint "
	"  WHERE conrelid = c.oid AND contype = 'f') AND r.oid <> c.oid) "
	"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE n.nspname = ? AND c.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_depend e "
	" WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e') ORDER BY c.relname";

typedef struct reader {
	strata_schema *s;
	const char **oids; /* one per table of s, in the same order */
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
	if (t->partition_of)
		return STRATA_OK; /* a partition's columns are its parent's */
	strata_column *c = strata__push(s, &t->columns, &t->ncolumns, sizeof *c);
	int rc;
	if (!c || !(c->name = strata__sdup(s, strata__inspect_text(st, 0))))
		return STRATA_ENOMEM;
	bool notnull = false;
	strata_column_bool(st, 2, &notnull);
	c->not_null = notnull;
	if ((rc = map_type(s, c, strata__inspect_text(st, 1), strata__inspect_text(st, 5), strata__inspect_text(st, 6),
			   strata__inspect_text(st, 7), strata__inspect_text(st, 8))))
		return rc;
	const char *ident = strata__inspect_text(st, 4), *dflt = strata__inspect_text(st, 3);
	const char *gen = strata__inspect_text(st, 10), *coll = strata__inspect_text(st, 11),
		   *note = strata__inspect_text(st, 12);
	const char *written = NULL;
	if (note) {
		/* A generated column's comment may end in a line keeping its expression as written. */
		const char *mark = strncmp(note, STRATA__PG_COMMENT "md5=", sizeof STRATA__PG_COMMENT + 3) == 0
					   ? note
					   : strstr(note, "\n" STRATA__PG_COMMENT "md5=");
		if (mark) {
			written = strata__inspect_written(mark + (*mark == '\n'), strata__inspect_text(st, 13));
			note = mark == note ? NULL : strata__sndup(s, note, (size_t)(mark - note));
		}
	}
	if ((coll && !(c->collation = strata__sdup(s, coll))) || (note && !(c->comment = strata__sdup(s, note))))
		return STRATA_ENOMEM;
	if (ident && *ident) {
		c->identity = ident[0] == 'a' ? STRATA_IDENTITY_ALWAYS : STRATA_IDENTITY_BY_DEFAULT;
		return STRATA_OK;
	}
	if (gen && *gen) {
		/* GENERATED ALWAYS AS (expr) STORED: the expression is in pg_attrdef. */
		c->generated = written ? strata__sdup(s, written) : dflt ? strata__inspect_unparen(s, dflt) : NULL;
		return c->generated ? STRATA_OK : STRATA_ENOMEM;
	}
	/* A nextval() default (serial, or a sequence of one's own) stays as it is, with its sequence. */
	return strata__inspect_default(s, c, dflt, STRATA_BACKEND_POSTGRES);
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
/* Strata's serial: a bigint identity BY DEFAULT that is the whole primary key. */
static void spot_serial(strata_table *t)
{
	for (int i = 0; i < t->ncolumns; i++) {
		strata_column *c = &t->columns[i];
		if (c->identity == STRATA_IDENTITY_BY_DEFAULT && c->type.kind == STRATA_T_BIGINT && !c->type.array &&
		    t->npkey == 1 && strcmp(t->pkey[0], c->name) == 0) {
			c->type.kind = STRATA_T_SERIAL;
			c->identity = STRATA_IDENTITY_NONE;
		}
	}
}

/* The keys of Q_INDEXES's column 4 into x (columns, and keys when any says more than a plain column). */
static int index_keys(strata_schema *s, strata_index *x, const char *text)
{
	const char **keys;
	int nkeys;
	bool special = false;
	if (split_names(s, text, &keys, &nkeys))
		return STRATA_ENOMEM;
	strata_index_key *k = nkeys ? strata__alloc(s, (size_t)nkeys * sizeof *k) : NULL;
	if (nkeys && !k)
		return STRATA_ENOMEM;
	for (int i = 0; i < nkeys; i++) {
		/* name-or-expression, c|e, opclass, collation, desc bit, nulls-first bit */
		const char *f[6] = { "", "c", "", "", "0", "0" };
		char *copy = strata__sdup(s, keys[i]), *p = copy;
		if (!copy)
			return STRATA_ENOMEM;
		for (int n = 0; n < 6 && p; n++) {
			char *e = strchr(p, '\002');
			if (e)
				*e = '\0';
			f[n] = p;
			p = e ? e + 1 : NULL;
		}
		const char *key = f[0];
		k[i].expr = f[1][0] == 'e';
		if (k[i].expr && !(key = strata__inspect_unparen(s, key)))
			return STRATA_ENOMEM;
		k[i].opclass = *f[2] ? f[2] : NULL;
		k[i].collation = *f[3] ? f[3] : NULL;
		k[i].desc = strcmp(f[4], "0") != 0;
		bool nulls_first = strcmp(f[5], "0") != 0;
		k[i].nulls = nulls_first == k[i].desc ? STRATA_NULLS_DEFAULT
			     : nulls_first	      ? STRATA_NULLS_FIRST
						      : STRATA_NULLS_LAST;
		special |= k[i].expr || k[i].opclass || k[i].collation || k[i].desc || k[i].nulls;
		if (strata__push_str(s, &x->columns, &x->ncolumns, key))
			return STRATA_ENOMEM;
	}
	x->keys = special ? k : NULL;
	return STRATA_OK;
}

/* An index row of Q_INDEXES into the indexes of `owner` (a table or a materialized view). */
static int add_index(strata_schema *s, strata_stmt *st, const char *owner, strata_index **arr, int *n)
{
	bool uniq = false, child = false;
	(void)owner;
	strata_column_bool(st, 1, &uniq);
	strata_column_bool(st, 7, &child);
	if (child)
		return STRATA_OK; /* a partition's copy of its parent's index */
	strata_index *x = strata__push(s, arr, n, sizeof *x);
	const char *method = strata__inspect_text(st, 6);
	if (!x || !(x->name = strata__sdup(s, strata__inspect_text(st, 0))) ||
	    index_keys(s, x, strata__inspect_text(st, 4)) ||
	    split_names(s, strata__inspect_text(st, 5), &x->include, &x->ninclude) ||
	    (method && !(x->method = strata__sdup(s, method))))
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

static int view_column_row(reader *r, int vi, strata_stmt *st)
{
	strata_view *v = &r->s->views[vi];
	strata_column *c = strata__push(r->s, &v->columns, &v->ncolumns, sizeof *c);
	if (!c || !(c->name = strata__sdup(r->s, strata__inspect_text(st, 0))))
		return STRATA_ENOMEM;
	return map_type(r->s, c, strata__inspect_text(st, 1), strata__inspect_text(st, 2), strata__inspect_text(st, 3),
			strata__inspect_text(st, 4), strata__inspect_text(st, 5));
}

static int trigger_row(reader *r, int ti, strata_stmt *st)
{
	strata_table *t = &r->s->tables[ti];
	const char *name = strata__inspect_text(st, 0), *def = strata__inspect_text(st, 1);
	for (int j = 0; name && j < t->ncolumns; j++) {
		char want[160];
		strata__sql_trigger_name(want, sizeof want, t->name, t->columns[j].name);
		if (strcmp(want, name) == 0) {
			t->columns[j].auto_update = true;
			return STRATA_OK; /* Strata's own */
		}
	}
	if (!name || !def)
		return STRATA_OK;
	/* Another trigger: kept as its CREATE TRIGGER (as written when Strata made it). */
	const char *written = strata__inspect_written(strata__inspect_text(st, 3), strata__inspect_text(st, 2));
	strata_trigger *tg = strata__push(r->s, &r->s->triggers, &r->s->ntriggers, sizeof *tg);
	if (!tg || !(tg->name = strata__sdup(r->s, name)) || !(tg->table = t->name) ||
	    !(tg->sql = strata__sdup(r->s, written ? written : def)))
		return STRATA_ENOMEM;
	return STRATA_OK;
}

static int read_tables(strata_db *db, strata_schema *s, const char **oids, const char *nsp)
{
	reader r = { s, oids, 0 };
	int n = s->ntables, rc;
	if (s->ntables == 0)
		return STRATA_OK;
	if ((rc = each_row(db, &r, q_columns, nsp, 9, oids, n, column_row)) ||
	    (rc = each_row(db, &r, q_constraints, nsp, 9, oids, n, constraint_row)))
		return rc;
	for (int i = 0; i < s->ntables; i++)
		spot_serial(&s->tables[i]);
	if ((rc = each_row(db, &r, q_indexes, nsp, IX_OID, oids, n, index_row)))
		return rc;
	return each_row(db, &r, q_triggers, nsp, 4, oids, n, trigger_row);
}

/* Views and materialized views, with what they read and a materialized view's indexes. */
static int read_views(strata_db *db, strata_schema *s, const char *nsp)
{
	strata_stmt *st = NULL;
	const char **oids = NULL;
	int noids = 0, rc;
	reader r = { s, NULL, 0 };
	if ((rc = strata_prepare(&st, db, q_views)) || (rc = strata_bind_text(st, 1, nsp, -1)))
		goto out;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *name = strata__inspect_text(st, 0), *kind = strata__inspect_text(st, 1);
		const char *def = strata__inspect_text(st, 2), *md5 = strata__inspect_text(st, 3);
		const char *written = strata__inspect_written(strata__inspect_text(st, 4), md5);
		strata_view *v = strata__push(s, &s->views, &s->nviews, sizeof *v);
		if (!v || !(v->name = strata__sdup(s, name)) ||
		    !(v->sql = strata__sdup(s, written ? written
					       : def   ? def
						       : "")) ||
		    strata__push_str(s, &oids, &noids, strata__inspect_text(st, 5))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		v->materialized = kind && kind[0] == 'm';
	}
	if (rc != STRATA_DONE)
		goto out;
	rc = STRATA_OK;
	if (noids && !(rc = each_row(db, &r, q_view_deps, nsp, 0, oids, noids, view_dep_row)) &&
	    !(rc = each_row(db, &r, q_view_columns, nsp, 6, oids, noids, view_column_row)))
		rc = each_row(db, &r, q_view_indexes, nsp, IX_OID, oids, noids, view_index_row);
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

	if ((rc = strata_prepare(&st, db,
				 "SELECT t.typname::text, e.enumlabel::text FROM pg_type t "
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

	if ((rc = strata_prepare(&st, db, q_tables)) || (rc = strata_bind_text(st, 1, nsp, -1)))
		goto out;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		const char *oid = strata__inspect_text(st, 0), *name = strata__inspect_text(st, 1);
		const char *note = strata__inspect_text(st, 2), *key = strata__inspect_text(st, 3),
			   *parent = strata__inspect_text(st, 4);
		const char *bound = strata__inspect_text(st, 5), *inherits = strata__inspect_text(st, 6);
		if (!oid || !name || strata__inspect_skip_table(o, name))
			continue;
		if (inherits) {
			/* INHERITS (not a partition): the language has no word for it; the table is left as it is. */
			char why[200];
			snprintf(why, sizeof why, "it inherits from %s", inherits);
			if ((rc = strata__inspect_unmanaged(s, "table", name, why)) ||
			    (rc = split_names(s, strata__inspect_text(st, 7), &s->unmanaged[s->nunmanaged - 1].depends,
					      &s->unmanaged[s->nunmanaged - 1].ndepends)))
				goto out;
			continue;
		}
		strata_table *t = strata__push(s, &s->tables, &s->ntables, sizeof *t);
		if (!t || !(t->name = strata__sdup(s, name)) || strata__push_str(s, &oids, &noids, oid) ||
		    (note && !(t->comment = strata__sdup(s, note))) ||
		    (key && !(t->partition_by = strata__sdup(s, key))) ||
		    (parent && !(t->partition_of = strata__sdup(s, parent))) ||
		    (bound && !(t->partition_bound = strata__sdup(s, bound)))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
	}
	if (rc != STRATA_DONE)
		goto out;
	strata_finalize(st);
	st = NULL;
	if ((rc = read_tables(db, s, oids, nsp)) || (rc = read_views(db, s, nsp)))
		goto out;
	rc = strata__inspect_pg_objects(db, s, nsp);
out:
	strata_finalize(st);
	return rc;
}
