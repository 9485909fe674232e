/*
 * The integrity check.  SQLite: quick_check (integrity_check when
 * thorough) and foreign_key_check.  PostgreSQL: invalid indexes,
 * constraints not validated, and orphaned rows under foreign keys that
 * are not enforced (NOT VALID, or their triggers disabled; every foreign
 * key when thorough).
 */
#include <stdlib.h>
#include <string.h>

#include "health/internal.h"

static void sqlite_integrity(strata__hrun *r)
{
	strata_stmt *st = NULL;
	const char *what = r->o.thorough ? "integrity_check" : "quick_check";
	int64_t problems = 0;
	int rc = strata_prepare(&st, r->db, r->o.thorough ? "PRAGMA integrity_check(100)" : "PRAGMA quick_check(100)");
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		const char *msg = strata__col_str(st, 0);
		if (!strcmp(msg, "ok"))
			continue;
		if (++problems <= 5)
			strata__health_find(r, STRATA_HEALTH_FAILURE, "corrupt", "",
					    "restore from a backup (strata restore), or salvage with sqlite3's .recover",
					    "%s: %s", what, msg);
	}
	if (rc != STRATA_DONE) {
		problems++;
		strata__health_find(r, STRATA_HEALTH_FAILURE, "corrupt", "",
				    "restore from a backup (strata restore), or salvage with sqlite3's .recover",
				    "%s could not read the database: %s", what, strata_error_last()->message);
	}
	strata_finalize(st);
	strata__health_figure(r, "integrity_problems", (double)problems, "count");

	int64_t orphans = 0;
	rc = strata_prepare(&st, r->db,
			    "SELECT \"table\", parent, count(*), min(rowid) FROM pragma_foreign_key_check GROUP BY 1, 2 ORDER BY 1, 2");
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		int64_t n = strata__col_i64(st, 2);
		orphans += n;
		strata__health_find(r, STRATA_HEALTH_FAILURE, "foreign_key_violation", strata__col_str(st, 0),
				    "fix or delete the rows (PRAGMA foreign_key_check lists them), and keep foreign_keys on",
				    "%lld row%s of %s refer to missing rows of %s (first rowid %lld)", (long long)n,
				    n == 1 ? "" : "s", strata__col_str(st, 0), strata__col_str(st, 1),
				    (long long)strata__col_i64(st, 3));
	}
	if (rc != STRATA_DONE && problems == 0)
		strata__health_query_failed(r, "foreign_key_check");
	strata_finalize(st);
	strata__health_figure(r, "foreign_key_violations", (double)orphans, "count");
	if (r->check->level == STRATA_HEALTH_OK)
		strata__health_summary(r, "%s ok, no foreign key violations", what);
}

/* Count rows of a foreign key's table that have no parent. */
static void pg_orphans(strata__hrun *r, const char *name, const char *child, const char *cols, const char *parent,
		       const char *pcols, bool enforced, int64_t *total)
{
	strata_buf sql = STRATA_BUF_INIT;
	int rc = strata__buf_printf(&sql, "SELECT count(*) FROM %s c WHERE ", child);
	/* columns arrive quoted (quote_ident) and separated by \x1f */
	const char *c = cols, *p = pcols;
	bool first = true;
	strata_buf match = STRATA_BUF_INIT;
	while (rc == STRATA_OK && *c && *p) {
		size_t cl = strcspn(c, "\x1f"), pl = strcspn(p, "\x1f");
		rc = strata__buf_printf(&sql, "%sc.%.*s IS NOT NULL", first ? "" : " AND ", (int)cl, c);
		if (rc == STRATA_OK)
			rc = strata__buf_printf(&match, "%sp.%.*s = c.%.*s", first ? "" : " AND ", (int)pl, p, (int)cl, c);
		first = false;
		c += cl + (c[cl] ? 1 : 0);
		p += pl + (p[pl] ? 1 : 0);
	}
	if (rc == STRATA_OK)
		rc = strata__buf_printf(&sql, " AND NOT EXISTS (SELECT 1 FROM %s p WHERE %s)", parent,
					strata__buf_cstr(&match));
	int64_t n = 0;
	if (rc == STRATA_OK)
		rc = strata_query_int64(r->db, &n, sql.ptr, NULL, 0);
	if (rc != STRATA_OK)
		strata__health_query_failed(r, name);
	else if (n > 0) {
		*total += n;
		strata__health_find(r, STRATA_HEALTH_FAILURE, "foreign_key_violation", child,
				    enforced ? "fix or delete the rows; find out how they got past the constraint"
					     : "fix or delete the rows, then enforce the key (ALTER TABLE ... VALIDATE CONSTRAINT, "
					       "ALTER TABLE ... ENABLE TRIGGER ALL)",
				    "%lld row%s of %s refer to missing rows of %s (foreign key %s%s)", (long long)n,
				    n == 1 ? "" : "s", child, parent, name, enforced ? "" : ", not enforced");
	}
	strata__buf_free(&match);
	strata__buf_free(&sql);
}

static void pg_integrity(strata__hrun *r)
{
	strata_stmt *st = NULL;
	int64_t invalid = 0, unvalidated = 0, orphans = 0;
	int rc = strata_prepare(&st, r->db,
				"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), t.relname "
				"FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
				"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT x.indisvalid ORDER BY 1");
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		invalid++;
		strata__health_find(r, STRATA_HEALTH_WARNING, "invalid_index", strata__col_str(st, 0),
				    "a CREATE INDEX CONCURRENTLY failed: REINDEX INDEX CONCURRENTLY it, or drop and create it again",
				    "index %s on %s is invalid (not used by queries, still updated)", strata__col_str(st, 0),
				    strata__col_str(st, 1));
	}
	if (rc != STRATA_DONE)
		strata__health_query_failed(r, "listing invalid indexes");
	strata_finalize(st);

	rc = strata_prepare(&st, r->db,
			    "SELECT co.conname, quote_ident(n.nspname) || '.' || quote_ident(c.relname), co.contype, "
			    "co.convalidated, EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgconstraint = co.oid "
			    "  AND tg.tgenabled = 'D'), "
			    "CASE WHEN co.contype = 'f' THEN (SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname) "
			    "  FROM pg_class pc JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE pc.oid = co.confrelid) END, "
			    "(SELECT string_agg(quote_ident(a.attname), chr(31) ORDER BY k.i) FROM unnest(co.conkey) "
			    "  WITH ORDINALITY k(att, i) JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.att), "
			    "(SELECT string_agg(quote_ident(a.attname), chr(31) ORDER BY k.i) FROM unnest(co.confkey) "
			    "  WITH ORDINALITY k(att, i) JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.att) "
			    "FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid "
			    "JOIN pg_namespace n ON n.oid = c.relnamespace "
			    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND co.contype IN ('f', 'c') "
			    "ORDER BY 2, 1");
	/* collect first: the orphan queries need the connection */
	typedef struct fk {
		char *name, *child, *cols, *parent, *pcols;
		bool enforced;
	} fk;
	fk *fks = NULL;
	size_t nfks = 0;
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		const char *name = strata__col_str(st, 0), *table = strata__col_str(st, 1);
		bool is_fk = strata__col_str(st, 2)[0] == 'f';
		bool validated = false, disabled = false;
		strata_column_bool(st, 3, &validated);
		strata_column_bool(st, 4, &disabled);
		if (!validated) {
			unvalidated++;
			strata__health_find(r, STRATA_HEALTH_WARNING, "not_validated", name,
					    "check existing rows with ALTER TABLE ... VALIDATE CONSTRAINT",
					    "%s constraint %s on %s was added NOT VALID and never validated",
					    is_fk ? "foreign key" : "check", name, table);
		}
		if (disabled)
			strata__health_find(r, STRATA_HEALTH_WARNING, "not_enforced", name,
					    "ALTER TABLE ... ENABLE TRIGGER ALL (the key's triggers were disabled)",
					    "foreign key %s on %s is not enforced: its triggers are disabled", name, table);
		if (!is_fk || (validated && !disabled && !r->o.thorough))
			continue;
		fk *grown = realloc(fks, (nfks + 1) * sizeof *fks);
		if (!grown) {
			r->oom = true;
			break;
		}
		fks = grown;
		fk *f = &fks[nfks++];
		f->name = strdup(name);
		f->child = strdup(table);
		f->parent = strdup(strata__col_str(st, 5));
		f->cols = strdup(strata__col_str(st, 6));
		f->pcols = strdup(strata__col_str(st, 7));
		f->enforced = validated && !disabled;
		if (!f->name || !f->child || !f->parent || !f->cols || !f->pcols)
			r->oom = true;
	}
	if (rc != STRATA_DONE && !r->oom)
		strata__health_query_failed(r, "listing constraints");
	strata_finalize(st);
	for (size_t i = 0; i < nfks; i++) {
		if (!r->oom)
			pg_orphans(r, fks[i].name, fks[i].child, fks[i].cols, fks[i].parent, fks[i].pcols, fks[i].enforced,
				   &orphans);
		free(fks[i].name);
		free(fks[i].child);
		free(fks[i].parent);
		free(fks[i].cols);
		free(fks[i].pcols);
	}
	free(fks);
	strata__health_figure(r, "invalid_indexes", (double)invalid, "count");
	strata__health_figure(r, "constraints_not_validated", (double)unvalidated, "count");
	strata__health_figure(r, "foreign_key_violations", (double)orphans, "count");
	if (r->check->level == STRATA_HEALTH_OK)
		strata__health_summary(r, "no invalid indexes, every constraint validated%s",
					r->o.thorough ? ", no orphaned rows" : "");
}

void strata__check_integrity(strata__hrun *r)
{
	if (r->backend == STRATA_BACKEND_SQLITE)
		sqlite_integrity(r);
	else
		pg_integrity(r);
}
