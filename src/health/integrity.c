/*
 * The integrity check.  SQLite: quick_check (integrity_check when
 * thorough) and foreign_key_check.  PostgreSQL: invalid indexes,
 * constraints not validated, and orphaned rows under foreign keys that
 * are not enforced (NOT VALID, or their triggers disabled; every foreign
 * key when thorough).
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "health/internal.h"

/*
 * Build the query that counts a foreign key's child rows without a parent:
 * `cols` and `pcols` are the key's quoted columns separated by \x1f,
 * `child` and `parent` quoted table names.  With `distinct` it counts
 * distinct missing keys instead (cheap: it scans an index of the key when
 * there is one, and looks each key up once).
 */
static int orphan_sql(strata_buf *sql, const char *child, const char *cols, const char *parent, const char *pcols,
		      bool distinct)
{
	strata_buf notnull = STRATA_BUF_INIT, match = STRATA_BUF_INIT, list = STRATA_BUF_INIT;
	const char *c = cols, *p = pcols;
	bool first = true;
	int rc = STRATA_OK;
	while (rc == STRATA_OK && *c && *p) {
		size_t cl = strcspn(c, "\x1f"), pl = strcspn(p, "\x1f");
		const char *sep = first ? "" : " AND ";
		rc = strata__buf_printf(&notnull, "%s%.*s IS NOT NULL", sep, (int)cl, c);
		if (rc == STRATA_OK)
			rc = strata__buf_printf(&match, "%sp.%.*s = c.%.*s", sep, (int)pl, p, (int)cl, c);
		if (rc == STRATA_OK)
			rc = strata__buf_printf(&list, "%s%.*s", first ? "" : ", ", (int)cl, c);
		first = false;
		c += cl + (c[cl] ? 1 : 0);
		p += pl + (p[pl] ? 1 : 0);
	}
	if (rc == STRATA_OK && first)
		rc = strata__error_set(STRATA_EINVAL, "foreign key without columns on %s", child);
	if (rc == STRATA_OK)
		rc = strata__buf_printf(sql,
					"SELECT count(*) FROM (SELECT %s%s FROM %s WHERE %s) c "
					"WHERE NOT EXISTS (SELECT 1 FROM %s p WHERE %s)",
					distinct ? "DISTINCT " : "", distinct ? list.ptr : "*", child, notnull.ptr,
					parent, match.ptr);
	strata__buf_free(&notnull);
	strata__buf_free(&match);
	strata__buf_free(&list);
	return rc;
}

/* Run a count query built by orphan_sql(); STRATA_OK with *n, or the failure. */
static int count_orphans(strata_db *db, const char *child, const char *cols, const char *parent, const char *pcols,
			 bool distinct, int64_t *n)
{
	strata_buf sql = STRATA_BUF_INIT;
	int rc = orphan_sql(&sql, child, cols, parent, pcols, distinct);
	if (rc == STRATA_OK)
		rc = strata_query_int64(db, n, sql.ptr, NULL, 0);
	strata__buf_free(&sql);
	return rc;
}

/*
 * SQLite's foreign keys, each an anti-join over the distinct keys (much
 * cheaper than PRAGMA foreign_key_check, which looks up the parent once
 * per child row); only a key with orphans is then counted row by row with
 * foreign_key_check.  Names come back quoted; a key without target columns
 * refers to the parent's primary key.
 */
static const char sqlite_fk_sql[] =
	"SELECT tbl, '\"' || replace(tbl, '\"', '\"\"') || '\"', parent, '\"' || replace(parent, '\"', '\"\"') || "
	"'\"', "
	"group_concat('\"' || replace(\"from\", '\"', '\"\"') || '\"', char(31)), "
	"CASE WHEN count(\"to\") = count(*) THEN group_concat('\"' || replace(\"to\", '\"', '\"\"') || '\"', char(31)) "
	"ELSE "
	"  (SELECT group_concat('\"' || replace(name, '\"', '\"\"') || '\"', char(31)) FROM "
	"   (SELECT name FROM pragma_table_info(parent) WHERE pk > 0 ORDER BY pk)) END "
	"FROM (SELECT m.name AS tbl, f.id, f.seq, f.\"table\" AS parent, f.\"from\", f.\"to\" "
	"      FROM sqlite_schema m, pragma_foreign_key_list(m.name) f "
	"      WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, f.id, f.seq) "
	"GROUP BY tbl, id ORDER BY tbl, id";

static void sqlite_foreign_keys(strata__hrun *r, int64_t *orphans)
{
	typedef struct fk {
		char *child, *qchild, *parent, *qparent, *cols, *pcols;
	} fk;
	fk *fks = NULL;
	size_t n = 0;
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, r->db, sqlite_fk_sql);
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		fk *g = realloc(fks, (n + 1) * sizeof *g);
		if (!g) {
			r->oom = true;
			break;
		}
		fks = g;
		char **fields[] = { &g[n].child, &g[n].qchild, &g[n].parent, &g[n].qparent, &g[n].cols, &g[n].pcols };
		for (int i = 0; i < 6; i++)
			if (!(*fields[i] = strdup(strata__col_str(st, i))))
				r->oom = true;
		n++;
	}
	if (rc != STRATA_DONE && !r->oom)
		strata__health_query_failed(r, "listing foreign keys");
	strata_finalize(st);
	for (size_t i = 0; i < n && !r->oom; i++) {
		int64_t missing = 0, rows = 0, first = 0;
		rc = *fks[i].pcols ? count_orphans(r->db, fks[i].qchild, fks[i].cols, fks[i].qparent, fks[i].pcols,
						   true, &missing)
				   : STRATA_ERROR;
		if (rc == STRATA_OK && missing == 0)
			continue;
		/* orphans, or a key the anti-join cannot express (no parent table or key): ask SQLite */
		rc = strata_prepare(
			&st, r->db,
			"SELECT count(*), coalesce(min(rowid), 0) FROM pragma_foreign_key_check(?) WHERE parent = ?");
		if (rc == STRATA_OK)
			rc = strata_bind_text(st, 1, fks[i].child, -1);
		if (rc == STRATA_OK)
			rc = strata_bind_text(st, 2, fks[i].parent, -1);
		if (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {
			rows = strata__col_i64(st, 0);
			first = strata__col_i64(st, 1);
			rc = STRATA_OK;
		}
		strata_finalize(st);
		if (rc != STRATA_OK) {
			strata__health_query_failed(r, "foreign_key_check");
			continue;
		}
		if (!rows)
			continue;
		*orphans += rows;
		strata__health_find(
			r, STRATA_HEALTH_FAILURE, "foreign_key_violation", fks[i].child,
			"fix or delete the rows (PRAGMA foreign_key_check lists them), and keep foreign_keys on",
			"%lld row%s of %s refer to missing rows of %s (first rowid %lld)", (long long)rows,
			rows == 1 ? "" : "s", fks[i].child, fks[i].parent, (long long)first);
	}
	for (size_t i = 0; i < n; i++) {
		free(fks[i].child);
		free(fks[i].qchild);
		free(fks[i].parent);
		free(fks[i].qparent);
		free(fks[i].cols);
		free(fks[i].pcols);
	}
	free(fks);
}

static void sqlite_integrity(strata__hrun *r)
{
	strata_stmt *st = NULL;
	const char *what = r->o.thorough ? "integrity_check" : "quick_check";
	int64_t problems = 0, orphans = 0;
	int rc = strata_prepare(&st, r->db, r->o.thorough ? "PRAGMA integrity_check(100)" : "PRAGMA quick_check(100)");
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		const char *msg = strata__col_str(st, 0);
		if (!strcmp(msg, "ok"))
			continue;
		if (++problems <= 5)
			strata__health_find(
				r, STRATA_HEALTH_FAILURE, "corrupt", "",
				"restore from a backup (strata restore), or salvage with sqlite3's .recover", "%s: %s",
				what, msg);
	}
	if (rc != STRATA_DONE) {
		problems++;
		strata__health_find(r, STRATA_HEALTH_FAILURE, "corrupt", "",
				    "restore from a backup (strata restore), or salvage with sqlite3's .recover",
				    "%s could not read the database: %s", what, strata_error_last()->message);
	}
	strata_finalize(st);
	strata__health_figure(r, "integrity_problems", (double)problems, "count");
	/* a corrupt file makes the key checks fail too: say it once */
	if (problems == 0)
		sqlite_foreign_keys(r, &orphans);
	strata__health_figure(r, "foreign_key_violations", (double)orphans, "count");
	if (r->check->level == STRATA_HEALTH_OK)
		strata__health_summary(r, "%s ok, no foreign key violations", what);
}

/* Count rows of a foreign key's table that have no parent. */
static void pg_orphans(strata__hrun *r, const char *name, const char *child, const char *cols, const char *parent,
		       const char *pcols, bool enforced, int64_t *total)
{
	int64_t n = 0;
	if (count_orphans(r->db, child, cols, parent, pcols, false, &n) != STRATA_OK)
		strata__health_query_failed(r, name);
	else if (n > 0) {
		*total += n;
		strata__health_find(
			r, STRATA_HEALTH_FAILURE, "foreign_key_violation", child,
			enforced ? "fix or delete the rows; find out how they got past the constraint"
				 : "fix or delete the rows, then enforce the key (ALTER TABLE ... VALIDATE CONSTRAINT, "
				   "ALTER TABLE ... ENABLE TRIGGER ALL)",
			"%lld row%s of %s refer to missing rows of %s (foreign key %s%s)", (long long)n,
			n == 1 ? "" : "s", child, parent, name, enforced ? "" : ", not enforced");
	}
}

static void pg_integrity(strata__hrun *r)
{
	strata_stmt *st = NULL;
	int64_t invalid = 0, unvalidated = 0, orphans = 0;
	int rc = strata_prepare(
		&st, r->db,
		"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), t.relname "
		"FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
		"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT x.indisvalid ORDER BY 1");
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		invalid++;
		strata__health_find(r, STRATA_HEALTH_WARNING, "invalid_index", strata__col_str(st, 0),
				    "a CREATE INDEX CONCURRENTLY failed: REINDEX INDEX CONCURRENTLY it, or drop and "
				    "create it again",
				    "index %s on %s is invalid (not used by queries, still updated)",
				    strata__col_str(st, 0), strata__col_str(st, 1));
	}
	if (rc != STRATA_DONE)
		strata__health_query_failed(r, "listing invalid indexes");
	strata_finalize(st);

	rc = strata_prepare(
		&st, r->db,
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
					    "foreign key %s on %s is not enforced: its triggers are disabled", name,
					    table);
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
			pg_orphans(r, fks[i].name, fks[i].child, fks[i].cols, fks[i].parent, fks[i].pcols,
				   fks[i].enforced, &orphans);
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
