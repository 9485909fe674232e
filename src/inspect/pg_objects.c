/*
 * PostgreSQL introspection of what a schema holds besides tables, enums
 * and views: extensions, domains with their checks, sequences that are
 * not an identity column's, functions and procedures; and the objects the
 * language does not model (aggregates, window functions, rules, policies,
 * composite and range types, foreign tables, event triggers), recorded as
 * unmanaged with a warning naming each.  An extension's own objects are
 * the extension's: they are not listed.
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "inspect/inspect.h"
#include "sql/ddl.h"

/* Not an extension's member: `cls` is the catalog ('pg_proc'), `oid` the object's OID. */
#define NOT_EXT(cls, oid)                                                                                         \
	" NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '" cls "'::regclass AND x.objid = " oid " AND " \
	"x.deptype = 'e') "

static const char q_extensions[] =
	"SELECT e.extname::text, CASE WHEN n.nspname <> ? THEN n.nspname::text END FROM pg_extension e "
	"JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY 1";

static const char q_domains[] =
	"SELECT t.typname::text, format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault, "
	"CASE WHEN t.typcollation <> 0 AND t.typcollation <> b.typcollation THEN "
	" (SELECT collname::text FROM pg_collation WHERE oid = t.typcollation) END, "
	"(SELECT string_agg(c.conname || chr(2) || pg_get_constraintdef(c.oid) || chr(2) || "
	"  coalesce(obj_description(c.oid, 'pg_constraint'), ''), chr(1) ORDER BY c.conname) "
	" FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c') "
	"FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type b ON b.oid = t.typbasetype "
	"WHERE n.nspname = ? AND t.typtype = 'd' AND" NOT_EXT("pg_type", "t.oid") "ORDER BY 1";

/*
 * Sequences other than identity columns': each option only when it is not
 * PostgreSQL's default for the sequence's type and direction.
 */
static const char q_sequences[] =
	"WITH q AS (SELECT c.oid, c.relname::text AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart, "
	"s.seqincrement, "
	" s.seqmin, s.seqmax, s.seqcache, s.seqcycle, CASE format_type(s.seqtypid, NULL) WHEN 'smallint' THEN 32767 "
	" WHEN 'integer' THEN 2147483647 ELSE 9223372036854775807 END AS tmax "
	" FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
	" WHERE n.nspname = ? AND" NOT_EXT(
		"pg_class",
		"c.oid") "AND NOT EXISTS (SELECT 1 FROM pg_depend d "
			 "  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')) "
			 "SELECT name, CASE WHEN type <> 'bigint' THEN type END, "
			 "CASE WHEN seqstart <> CASE WHEN seqincrement > 0 THEN seqmin ELSE seqmax END THEN "
			 "seqstart::text END, "
			 "CASE WHEN seqincrement <> 1 THEN seqincrement::text END, "
			 "CASE WHEN seqmin <> CASE WHEN seqincrement > 0 THEN 1 ELSE -tmax - 1 END THEN seqmin::text "
			 "END, "
			 "CASE WHEN seqmax <> CASE WHEN seqincrement > 0 THEN tmax ELSE -1 END THEN seqmax::text END, "
			 "CASE WHEN seqcache <> 1 THEN seqcache::text END, seqcycle, "
			 "(SELECT t.relname || '.' || a.attname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid "
			 " JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
			 " WHERE d.classid = 'pg_class'::regclass AND d.objid = q.oid AND d.refclassid = "
			 "'pg_class'::regclass "
			 " AND d.deptype = 'a') FROM q ORDER BY 1";

/*
 * Functions and procedures (not Strata's own helpers): their definition as
 * PostgreSQL prints it, trimmed the way src/sql/objects.c trims it, its
 * md5 and the comment; aggregates and window functions come back as
 * their kind only.  Overloaded names carry their argument types.
 */
static const char q_functions[] =
	"WITH f AS (SELECT p.oid, p.proname::text AS name, p.prokind::text AS kind, "
	" pg_get_function_identity_arguments(p.oid) AS args, "
	" CASE WHEN p.prokind IN ('f', 'p') THEN regexp_replace(pg_get_functiondef(p.oid), '^\\s+|\\s+$', '', 'g') END "
	"AS def, "
	" obj_description(p.oid, 'pg_proc') AS note, count(*) OVER (PARTITION BY p.proname) AS n "
	" FROM pg_proc p JOIN pg_namespace ns ON ns.oid = p.pronamespace "
	" WHERE ns.nspname = ? AND p.proname NOT IN ('strata_touch', 'strata_uuid_v7', 'strata_actor', "
	"'strata_stamp_actor') AND" NOT_EXT(
		"pg_proc", "p.oid") ") "
				    "SELECT CASE WHEN n > 1 THEN name || '(' || args || ')' ELSE name END, kind, def, "
				    "md5(def), note FROM f ORDER BY 1";

/* What the language does not model: kind, name, why. */
static const char q_unmanaged[] =
	"WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = ?) "
	"SELECT 'rule', c.relname || '.' || r.rulename, 'rules have no word in the language' FROM pg_rewrite r "
	" JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace IN (SELECT oid FROM ns) AND r.rulename <> "
	"'_RETURN' "
	"UNION ALL SELECT 'policy', c.relname || '.' || p.polname, 'row-level security policies have no word in the "
	"language' "
	" FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace IN (SELECT oid FROM ns) "
	"UNION ALL SELECT CASE t.typtype WHEN 'r' THEN 'range type' ELSE 'composite type' END, t.typname::text, "
	" 'only enums and domains are modelled' FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns) "
	" AND (t.typtype = 'r' OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) "
	" AND" NOT_EXT("pg_type",
		       "t.oid") " "
				"UNION ALL SELECT 'foreign table', c.relname::text, 'foreign tables have no word in "
				"the language' FROM pg_class c "
				" WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind = 'f' AND" NOT_EXT(
					"pg_class",
					"c.oid") " "
						 "UNION ALL SELECT 'event trigger', e.evtname::text, 'event triggers "
						 "belong to the whole database' FROM pg_event_trigger e "
						 " WHERE" NOT_EXT("pg_event_trigger", "e.oid") " "
											       "ORDER BY 1, 2";

static int query(strata_db *db, const char *sql, const char *nsp, strata_stmt **st)
{
	int rc = strata_prepare(st, db, sql);
	if (!rc && nsp)
		rc = strata_bind_text(*st, 1, nsp, -1);
	return rc;
}

static int read_extensions(strata_db *db, strata_schema *s, const char *nsp)
{
	strata_stmt *st = NULL;
	int rc = query(db, q_extensions, nsp, &st);
	while (!rc && (rc = strata_step(st)) == STRATA_ROW) {
		rc = STRATA_OK;
		const char *schema = strata__inspect_text(st, 1);
		strata_extension *e = strata__push(s, &s->extensions, &s->nextensions, sizeof *e);
		if (!e || !(e->name = strata__sdup(s, strata__inspect_text(st, 0))) ||
		    (schema && !(e->schema = strata__sdup(s, schema))))
			rc = STRATA_ENOMEM;
	}
	strata_finalize(st);
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

/* "name\002CHECK (...)\002comment" entries split by \001 into the domain's checks. */
static int domain_checks(strata_schema *s, strata_domain *d, const char *text)
{
	for (const char *p = text; p && *p;) {
		const char *end = strchr(p, '\001'), *f1 = strchr(p, '\002');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *f2 = f1 && f1 < p + n ? memchr(f1 + 1, '\002', (size_t)(p + n - f1 - 1)) : NULL;
		if (!f1 || !f2)
			break;
		strata_check *c = strata__push(s, &d->checks, &d->nchecks, sizeof *c);
		char *def = strata__sndup(s, f1 + 1, (size_t)(f2 - f1 - 1)),
		     *note = strata__sndup(s, f2 + 1, (size_t)(p + n - f2 - 1));
		if (!c || !def || !note || !(c->name = strata__sndup(s, p, (size_t)(f1 - p))))
			return STRATA_ENOMEM;
		/* The text as written when Strata made it (and PostgreSQL prints it otherwise); else the body of CHECK
		 * (...). */
		size_t pre = strlen(STRATA__PG_COMMENT);
		if (strncmp(note, STRATA__PG_COMMENT, pre) == 0) {
			c->expr = note + pre;
		} else {
			const char *body = strncmp(def, "CHECK (", 7) == 0 ? def + 7 : def;
			size_t len = strlen(body);
			if (body != def && len && body[len - 1] == ')')
				len--;
			if (!(c->expr = strata__sndup(s, body, len)))
				return STRATA_ENOMEM;
		}
		p = end ? end + 1 : NULL;
	}
	return STRATA_OK;
}

static int read_domains(strata_db *db, strata_schema *s, const char *nsp)
{
	strata_stmt *st = NULL;
	int rc = query(db, q_domains, nsp, &st);
	while (!rc && (rc = strata_step(st)) == STRATA_ROW) {
		rc = STRATA_OK;
		const char *dflt = strata__inspect_text(st, 3), *coll = strata__inspect_text(st, 4);
		bool notnull = false;
		strata_column_bool(st, 2, &notnull);
		strata_domain *d = strata__push(s, &s->domains, &s->ndomains, sizeof *d);
		if (!d || !(d->name = strata__sdup(s, strata__inspect_text(st, 0))) ||
		    !(d->type = strata__sdup(s, strata__inspect_text(st, 1))) ||
		    (dflt && !(d->dflt = strata__sdup(s, dflt))) || (coll && !(d->collation = strata__sdup(s, coll)))) {
			rc = STRATA_ENOMEM;
			break;
		}
		d->not_null = notnull;
		rc = domain_checks(s, d, strata__inspect_text(st, 5));
	}
	strata_finalize(st);
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

static int read_sequences(strata_db *db, strata_schema *s, const char *nsp)
{
	strata_stmt *st = NULL;
	int rc = query(db, q_sequences, nsp, &st);
	while (!rc && (rc = strata_step(st)) == STRATA_ROW) {
		rc = STRATA_OK;
		strata_sequence *q = strata__push(s, &s->sequences, &s->nsequences, sizeof *q);
		const char **field[] = { NULL, &q->type, &q->start, &q->increment, &q->min, &q->max, &q->cache };
		if (!q || !(q->name = strata__sdup(s, strata__inspect_text(st, 0)))) {
			rc = STRATA_ENOMEM;
			break;
		}
		for (int i = 1; i < 7 && !rc; i++) {
			const char *v = strata__inspect_text(st, i);
			if (v && !(*field[i] = strata__sdup(s, v)))
				rc = STRATA_ENOMEM;
		}
		strata_column_bool(st, 7, &q->cycle);
		const char *owner = strata__inspect_text(st, 8);
		if (!rc && owner && !(q->owned_by = strata__sdup(s, owner)))
			rc = STRATA_ENOMEM;
	}
	strata_finalize(st);
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

static int read_functions(strata_db *db, strata_schema *s, const char *nsp)
{
	strata_stmt *st = NULL;
	int rc = query(db, q_functions, nsp, &st);
	while (!rc && (rc = strata_step(st)) == STRATA_ROW) {
		rc = STRATA_OK;
		const char *name = strata__inspect_text(st, 0), *kind = strata__inspect_text(st, 1),
			   *def = strata__inspect_text(st, 2);
		if (!name || !kind)
			continue;
		if (kind[0] == 'a' || kind[0] == 'w' || !def) {
			rc = strata__inspect_unmanaged(s,
						       kind[0] == 'a'	? "aggregate"
						       : kind[0] == 'w' ? "window function"
									: "function",
						       name, "only functions and procedures are modelled");
			continue;
		}
		const char *written = strata__inspect_written(strata__inspect_text(st, 4), strata__inspect_text(st, 3));
		strata_function *f = strata__push(s, &s->functions, &s->nfunctions, sizeof *f);
		if (!f || !(f->name = strata__sdup(s, name)) || !(f->sql = strata__sdup(s, written ? written : def)))
			rc = STRATA_ENOMEM;
	}
	strata_finalize(st);
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

static int read_unmanaged(strata_db *db, strata_schema *s, const char *nsp)
{
	strata_stmt *st = NULL;
	int rc = query(db, q_unmanaged, nsp, &st);
	while (!rc && (rc = strata_step(st)) == STRATA_ROW)
		rc = strata__inspect_unmanaged(s, strata__inspect_text(st, 0), strata__inspect_text(st, 1),
					       strata__inspect_text(st, 2));
	strata_finalize(st);
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

int strata__inspect_pg_objects(strata_db *db, strata_schema *s, const char *nsp)
{
	int rc;
	if ((rc = read_extensions(db, s, nsp)) || (rc = read_domains(db, s, nsp)) ||
	    (rc = read_sequences(db, s, nsp)) || (rc = read_functions(db, s, nsp)))
		return rc;
	return read_unmanaged(db, s, nsp);
}
