/*
 * The performance check.  On both backends: foreign keys without an index
 * that starts with their columns, and indexes another index makes
 * redundant.  On PostgreSQL, from its statistics: unused indexes, tables
 * read mostly by sequential scans, the cache hit ratio, dead rows, tables
 * never analyzed, and sequences near their maximum.
 *
 * Index and key columns are compared as tokens separated by \x1f: column
 * names on SQLite, attribute numbers on PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health/internal.h"

typedef struct idx {
	char *table, *name, *keys, *pred, *kind;
	bool unique, primary;
	int64_t bytes, scans;
} idx;

typedef struct fkey {
	char *table, *name, *keys, *parent, *colnames;
} fkey;

static const char sqlite_indexes[] =
	"SELECT m.name, il.name, il.\"unique\", il.origin = 'pk', "
	"CASE WHEN il.partial THEN (SELECT sql FROM sqlite_schema WHERE name = il.name) ELSE '' END, "
	"(SELECT group_concat(coalesce(ii.name, '(expr)'), char(31)) FROM "
	"  (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) ii), "
	"CASE WHEN EXISTS (SELECT 1 FROM pragma_index_info(il.name) WHERE cid = -2) THEN 'expr' ELSE '' END, 0, -1 "
	"FROM sqlite_schema m, pragma_index_list(m.name) il "
	"WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
	"UNION ALL "
	/* a rowid primary key (INTEGER PRIMARY KEY) is no entry of index_list */
	"SELECT m.name, 'primary key', 1, 1, '', ti.name, '', 0, -1 FROM sqlite_schema m, pragma_table_info(m.name) ti "
	"WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND ti.pk = 1 "
	"AND (SELECT count(*) FROM pragma_table_info(m.name) WHERE pk > 0) = 1 "
	"AND lower(ti.type) = 'integer' AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) WHERE origin = 'pk') "
	"ORDER BY 1, 2";

static const char pg_indexes[] =
	"SELECT CASE n.nspname WHEN 'public' THEN '' ELSE quote_ident(n.nspname) || '.' END || quote_ident(t.relname), "
	"CASE n.nspname WHEN 'public' THEN '' ELSE quote_ident(n.nspname) || '.' END || quote_ident(c.relname), "
	"x.indisunique, x.indisprimary, coalesce(pg_get_expr(x.indpred, x.indrelid), ''), "
	"array_to_string(x.indkey::int2[], chr(31)), am.amname || coalesce(pg_get_expr(x.indexprs, x.indrelid), ''), "
	"pg_relation_size(c.oid), coalesce(s.idx_scan, 0) "
	"FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
	"JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = c.relam "
	"LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = x.indexrelid "
	"WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
	"AND x.indisvalid ORDER BY 1, 2";

static const char sqlite_fkeys[] =
	"SELECT m.name, '', group_concat(f.\"from\", char(31)), "
	"f.\"table\", group_concat(f.\"from\", ', ') "
	"FROM sqlite_schema m, pragma_foreign_key_list(m.name) f "
	"WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' GROUP BY m.name, f.id ORDER BY 1, 2";

static const char pg_fkeys[] =
	"SELECT CASE n.nspname WHEN 'public' THEN '' ELSE quote_ident(n.nspname) || '.' END || quote_ident(c.relname), "
	"co.conname, array_to_string(co.conkey, chr(31)), "
	"co.confrelid::regclass::text, (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i) "
	"  FROM unnest(co.conkey) WITH ORDINALITY k(att, i) JOIN pg_attribute a ON a.attrelid = co.conrelid AND "
	"a.attnum = k.att) "
	"FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE co.contype = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2";

static char *dupcol(strata__hrun *r, strata_stmt *st, int col)
{
	char *s = strdup(strata__col_str(st, col));
	if (!s)
		r->oom = true;
	return s;
}

static void free_idx(idx *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].table);
		free(v[i].name);
		free(v[i].keys);
		free(v[i].pred);
		free(v[i].kind);
	}
	free(v);
}

static void free_fkeys(fkey *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].table);
		free(v[i].name);
		free(v[i].keys);
		free(v[i].parent);
		free(v[i].colnames);
	}
	free(v);
}

static bool load_indexes(strata__hrun *r, idx **out, size_t *n)
{
	strata_stmt *st = NULL;
	idx *v = NULL;
	size_t cnt = 0;
	int rc = strata_prepare(&st, r->db, r->backend == STRATA_BACKEND_SQLITE ? sqlite_indexes : pg_indexes);
	while ((rc == STRATA_OK || rc == STRATA_ROW) && !r->oom && (rc = strata_step(st)) == STRATA_ROW) {
		idx *g = realloc(v, (cnt + 1) * sizeof *v);
		if (!g) {
			r->oom = true;
			break;
		}
		v = g;
		idx *x = &v[cnt++];
		bool b = false;
		x->table = dupcol(r, st, 0);
		x->name = dupcol(r, st, 1);
		x->unique = strata_column_bool(st, 2, &b) == STRATA_OK ? b : strata__col_i64(st, 2) != 0;
		x->primary = strata_column_bool(st, 3, &b) == STRATA_OK ? b : strata__col_i64(st, 3) != 0;
		x->pred = dupcol(r, st, 4);
		x->keys = dupcol(r, st, 5);
		x->kind = dupcol(r, st, 6);
		x->bytes = strata__col_i64(st, 7);
		x->scans = strata__col_i64(st, 8);
	}
	bool ok = rc == STRATA_DONE && !r->oom;
	if (!ok && !r->oom)
		strata__health_query_failed(r, "listing indexes");
	strata_finalize(st);
	*out = v;
	*n = cnt;
	return ok;
}

static bool load_fkeys(strata__hrun *r, fkey **out, size_t *n)
{
	strata_stmt *st = NULL;
	fkey *v = NULL;
	size_t cnt = 0;
	int rc = strata_prepare(&st, r->db, r->backend == STRATA_BACKEND_SQLITE ? sqlite_fkeys : pg_fkeys);
	while ((rc == STRATA_OK || rc == STRATA_ROW) && !r->oom && (rc = strata_step(st)) == STRATA_ROW) {
		fkey *g = realloc(v, (cnt + 1) * sizeof *v);
		if (!g) {
			r->oom = true;
			break;
		}
		v = g;
		fkey *f = &v[cnt++];
		f->table = dupcol(r, st, 0);
		f->name = dupcol(r, st, 1);
		f->keys = dupcol(r, st, 2);
		f->parent = dupcol(r, st, 3);
		f->colnames = dupcol(r, st, 4);
	}
	bool ok = rc == STRATA_DONE && !r->oom;
	if (!ok && !r->oom)
		strata__health_query_failed(r, "listing foreign keys");
	strata_finalize(st);
	*out = v;
	*n = cnt;
	return ok;
}

/* The number of \x1f-separated tokens in `keys`. */
static size_t ntokens(const char *keys)
{
	if (!*keys)
		return 0;
	size_t n = 1;
	for (const char *p = keys; *p; p++)
		n += *p == '\x1f';
	return n;
}

/* The i-th token of `keys` as pointer and length. */
static const char *token(const char *keys, size_t i, size_t *len)
{
	const char *p = keys;
	while (i-- > 0) {
		p = strchr(p, '\x1f');
		if (!p)
			return NULL;
		p++;
	}
	*len = strcspn(p, "\x1f");
	return p;
}

/* Whether the first ntokens(fk) columns of index `keys` are the key's columns, in any order. */
static bool covers(const char *keys, const char *fk)
{
	size_t nk = ntokens(fk);
	if (ntokens(keys) < nk || nk == 0)
		return false;
	for (size_t i = 0; i < nk; i++) {
		size_t fl = 0, il = 0;
		const char *f = token(fk, i, &fl);
		bool found = false;
		for (size_t j = 0; j < nk && !found; j++) {
			const char *c = token(keys, j, &il);
			found = c && f && il == fl && strncmp(c, f, fl) == 0;
		}
		if (!found)
			return false;
	}
	return true;
}

/* Whether `a`'s tokens are a prefix of `b`'s (equal counts too). */
static bool is_prefix(const char *a, const char *b)
{
	size_t n = strlen(a);
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '\x1f');
}

static void unindexed_fkeys(strata__hrun *r, idx *ix, size_t nix, fkey *fk, size_t nfk)
{
	size_t bad = 0;
	for (size_t i = 0; i < nfk; i++) {
		bool ok = false;
		for (size_t j = 0; j < nix && !ok; j++)
			ok = !strcmp(ix[j].table, fk[i].table) && !*ix[j].pred && covers(ix[j].keys, fk[i].keys);
		if (ok)
			continue;
		bad++;
		strata__health_find(r, STRATA_HEALTH_WARNING, "unindexed_foreign_key", fk[i].table,
				    "CREATE INDEX on the key's columns: deleting or updating a parent row otherwise "
				    "scans the table",
				    "foreign key %s%s%s(%s) → %s has no index that starts with its columns", fk[i].name,
				    *fk[i].name ? " on " : "", fk[i].table, fk[i].colnames, fk[i].parent);
	}
	strata__health_figure(r, "foreign_keys", (double)nfk, "count");
	strata__health_figure(r, "unindexed_foreign_keys", (double)bad, "count");
}

static void duplicate_indexes(strata__hrun *r, idx *ix, size_t nix)
{
	size_t dups = 0;
	for (size_t a = 0; a < nix; a++) {
		idx *x = &ix[a];
		if (x->primary || strcmp(x->kind, "expr") == 0)
			continue;
		for (size_t b = 0; b < nix; b++) {
			idx *y = &ix[b];
			if (a == b || strcmp(x->table, y->table) || strcmp(x->pred, y->pred) ||
			    strcmp(x->kind, y->kind))
				continue;
			bool same = !strcmp(x->keys, y->keys);
			bool redundant;
			if (same)
				/* of two equal indexes the unique (or primary) one stays; of two alike, the first */
				redundant =
					(y->unique && !x->unique) || y->primary || (x->unique == y->unique && b < a);
			else
				redundant = !x->unique && is_prefix(x->keys, y->keys);
			if (!redundant)
				continue;
			dups++;
			strata__health_find(
				r, STRATA_HEALTH_WARNING, "duplicate_index", x->name,
				"DROP INDEX it: the other index serves the same lookups, and each index slows writes",
				"index %s on %s is %s %s", x->name, x->table, same ? "a duplicate of" : "covered by",
				y->name);
			break;
		}
	}
	strata__health_figure(r, "indexes", (double)nix, "count");
	strata__health_figure(r, "duplicate_indexes", (double)dups, "count");
}

static void unused_indexes(strata__hrun *r, idx *ix, size_t nix)
{
	size_t unused = 0;
	for (size_t i = 0; i < nix; i++) {
		if (ix[i].unique || ix[i].primary || ix[i].scans > 0 || ix[i].bytes < r->t.unused_index_bytes)
			continue;
		unused++;
		strata__health_find(r, STRATA_HEALTH_WARNING, "unused_index", ix[i].name,
				    "DROP INDEX it if no query needs it (statistics count since the last reset)",
				    "index %s on %s (%.1f MB) has never been used", ix[i].name, ix[i].table,
				    (double)ix[i].bytes / 1048576.0);
	}
	strata__health_figure(r, "unused_indexes", (double)unused, "count");
}

static void pg_tables(strata__hrun *r)
{
	strata_stmt *st = NULL;
	int rc = strata_prepare(&st, r->db,
				"SELECT CASE schemaname WHEN 'public' THEN '' ELSE quote_ident(schemaname) || '.' END "
				"|| quote_ident(relname), seq_scan, coalesce(idx_scan, 0), "
				"n_live_tup, n_dead_tup, "
				"extract(epoch FROM now() - greatest(last_analyze, last_autoanalyze)) / 86400, "
				"extract(epoch FROM now() - greatest(last_vacuum, last_autovacuum)) / 86400 "
				"FROM pg_stat_user_tables ORDER BY 1");
	size_t seq = 0, dead = 0, stale = 0;
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		const char *t = strata__col_str(st, 0);
		int64_t seqs = strata__col_i64(st, 1), idxs = strata__col_i64(st, 2);
		int64_t live = strata__col_i64(st, 3), deadn = strata__col_i64(st, 4);
		bool never_analyzed = strata_column_is_null(st, 5);
		double age = strata__col_dbl(st, 5);
		if (live >= r->t.min_rows && seqs >= r->t.seq_scan_min &&
		    (double)seqs / (double)(seqs + idxs) > r->t.seq_scan_ratio) {
			seq++;
			strata__health_find(
				r, STRATA_HEALTH_WARNING, "sequential_scans", t,
				"find the queries (pg_stat_statements, EXPLAIN) and index the columns they filter on",
				"table %s (%lld rows) is read mostly by sequential scans: %lld of %lld scans", t,
				(long long)live, (long long)seqs, (long long)(seqs + idxs));
		}
		if (deadn >= r->t.min_rows && (double)deadn > r->t.dead_rows_ratio * (double)(live > 0 ? live : 1)) {
			dead++;
			strata__health_find(
				r, STRATA_HEALTH_WARNING, "dead_rows", t,
				"run `strata optimize` (VACUUM) and check that autovacuum keeps up with this table",
				"table %s has %lld dead rows for %lld live ones", t, (long long)deadn, (long long)live);
		}
		if (live >= r->t.min_rows && (never_analyzed || age > r->t.vacuum_age_days)) {
			stale++;
			if (never_analyzed)
				strata__health_find(r, STRATA_HEALTH_WARNING, "not_analyzed", t,
						    "run `strata optimize --analyze` so the planner knows the table",
						    "table %s (%lld rows) has never been analyzed", t, (long long)live);
			else
				strata__health_find(r, STRATA_HEALTH_WARNING, "not_analyzed", t,
						    "run `strata optimize --analyze`, and check autovacuum",
						    "table %s was last analyzed %.0f days ago (threshold %d)", t, age,
						    r->t.vacuum_age_days);
		}
	}
	if (rc != STRATA_DONE)
		strata__health_query_failed(r, "reading table statistics");
	strata_finalize(st);
	strata__health_figure(r, "sequential_scan_tables", (double)seq, "count");
	strata__health_figure(r, "dead_row_tables", (double)dead, "count");
	strata__health_figure(r, "tables_not_analyzed", (double)stale, "count");
}

static void pg_cache_and_sequences(strata__hrun *r)
{
	strata_stmt *st = NULL;
	int rc = strata_prepare(
		&st, r->db,
		"SELECT coalesce(sum(heap_blks_hit), 0)::float8, coalesce(sum(heap_blks_read), 0)::float8 "
		"FROM pg_statio_user_tables");
	if (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {
		double hit = strata__col_dbl(st, 0), read = strata__col_dbl(st, 1);
		double ratio = hit + read > 0 ? hit / (hit + read) : 1;
		strata__health_figure(r, "cache_hit_ratio", ratio, "ratio");
		if (hit + read >= 10000 && ratio < r->t.cache_hit_min)
			strata__health_find(r, STRATA_HEALTH_WARNING, "cache_hit_ratio", "",
					    "give the server more memory (shared_buffers) or reduce what queries read",
					    "%.1f%% of table reads were served from the cache (threshold %.1f%%)",
					    ratio * 100, r->t.cache_hit_min * 100);
		rc = STRATA_DONE;
	}
	if (rc != STRATA_DONE)
		strata__health_query_failed(r, "reading the cache hit ratio");
	strata_finalize(st);

	rc = strata_prepare(
		&st, r->db,
		"SELECT CASE schemaname WHEN 'public' THEN '' ELSE quote_ident(schemaname) || '.' END || "
		"quote_ident(sequencename), "
		"CASE WHEN increment_by > 0 THEN (last_value::float8 - min_value::float8) / (max_value::float8 - "
		"min_value::float8) "
		"ELSE (max_value::float8 - last_value::float8) / (max_value::float8 - min_value::float8) END, "
		"last_value, CASE WHEN increment_by > 0 THEN max_value ELSE min_value END "
		"FROM pg_sequences WHERE last_value IS NOT NULL AND NOT cycle ORDER BY 2 DESC");
	size_t near = 0;
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		double used = strata__col_dbl(st, 1);
		if (used <= r->t.sequence_used)
			continue;
		near++;
		strata__health_find(r, used > 0.95 ? STRATA_HEALTH_FAILURE : STRATA_HEALTH_WARNING, "sequence_near_max",
				    strata__col_str(st, 0),
				    "widen the column and its sequence to bigint before inserts start failing",
				    "sequence %s has used %.1f%% of its range (at %lld of %lld)",
				    strata__col_str(st, 0), used * 100, (long long)strata__col_i64(st, 2),
				    (long long)strata__col_i64(st, 3));
	}
	if (rc != STRATA_DONE)
		strata__health_query_failed(r, "reading sequences");
	strata_finalize(st);
	strata__health_figure(r, "sequences_near_max", (double)near, "count");
}

void strata__check_performance(strata__hrun *r)
{
	idx *ix = NULL;
	fkey *fk = NULL;
	size_t nix = 0, nfk = 0;
	if (load_indexes(r, &ix, &nix) && load_fkeys(r, &fk, &nfk)) {
		unindexed_fkeys(r, ix, nix, fk, nfk);
		duplicate_indexes(r, ix, nix);
		if (r->backend == STRATA_BACKEND_POSTGRES)
			unused_indexes(r, ix, nix);
	}
	free_idx(ix, nix);
	free_fkeys(fk, nfk);
	if (r->backend == STRATA_BACKEND_POSTGRES) {
		pg_tables(r);
		pg_cache_and_sequences(r);
	}
	if (r->check->level == STRATA_HEALTH_OK)
		strata__health_summary(
			r, "%zu indexes, %zu foreign keys, no problems found%s", nix, nfk,
			r->backend == STRATA_BACKEND_SQLITE
				? " (SQLite keeps no scan statistics: unused indexes and scans are PostgreSQL-only)"
				: "");
}
