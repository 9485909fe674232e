/*
 * strata_stats_collect: per-table rows and sizes, indexes and their use.
 *
 * SQLite reads the dbstat virtual table once (every page): sizes are
 * exact, and so are row counts (the cells of a table's leaf pages).
 * PostgreSQL takes sizes from pg_table_size/pg_relation_size, counts rows
 * exactly for tables up to exact_rows_bytes and otherwise takes the
 * planner's estimate (reltuples), and estimates bloat from dead rows.  A
 * partitioned table shows the sum of its partitions' rows, which the
 * totals count once (through the partitions); a materialized view created
 * WITH NO DATA is "not populated" and is not read.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "health/internal.h"

static void free_table(strata_stats_table *t)
{
	for (size_t i = 0; i < t->nindexes; i++)
		free((char *)t->indexes[i].name);
	free(t->indexes);
	free((char *)t->name);
}

void strata_stats_free(strata_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ntables; i++)
		free_table(&s->tables[i]);
	free(s->tables);
	free((char *)s->backend);
	free((char *)s->database);
	free(s);
}

static strata_stats_table *add_table(strata_stats *s, const char *name)
{
	strata_stats_table *t = realloc(s->tables, (s->ntables + 1) * sizeof *t);
	if (!t)
		return NULL;
	s->tables = t;
	t += s->ntables;
	memset(t, 0, sizeof *t);
	t->name = strdup(name);
	if (!t->name)
		return NULL;
	t->bloat_bytes = -1;
	t->dead_rows = -1;
	t->rows_exact = true;
	t->populated = true;
	s->ntables++;
	return t;
}

static strata_stats_table *find_table(strata_stats *s, const char *name)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (!strcmp(s->tables[i].name, name))
			return &s->tables[i];
	return NULL;
}

static strata_stats_index *add_index(strata_stats_table *t, const char *name)
{
	strata_stats_index *x = realloc(t->indexes, (t->nindexes + 1) * sizeof *x);
	if (!x)
		return NULL;
	t->indexes = x;
	x += t->nindexes;
	memset(x, 0, sizeof *x);
	x->name = strdup(name);
	if (!x->name)
		return NULL;
	x->scans = -1;
	t->nindexes++;
	return x;
}

/* Without dbstat: exact row counts, sizes unknown (0). */
static int sqlite_count_only(strata_db *db, strata_stats *s)
{
	strata_buf sql = STRATA_BUF_INIT;
	int rc = STRATA_OK;
	strata_error_clear();
	for (size_t i = 0; i < s->ntables && rc == STRATA_OK; i++) {
		strata__buf_clear(&sql);
		rc = strata__buf_puts(&sql, "SELECT count(*) FROM ");
		if (rc == STRATA_OK)
			rc = strata__quote_ident(&sql, STRATA_BACKEND_SQLITE, s->tables[i].name);
		if (rc == STRATA_OK)
			rc = strata_query_int64(db, &s->tables[i].rows, sql.ptr, NULL, 0);
	}
	strata__buf_free(&sql);
	return rc;
}

static int sqlite_collect(strata_db *db, strata_stats *s)
{
	strata_stmt *st = NULL;
	int rc;
	char *file = NULL;
	if ((rc = strata_query_int64(db, &s->page_size, "PRAGMA page_size", NULL, 0)) != STRATA_OK ||
	    (rc = strata_query_int64(db, &s->page_count, "PRAGMA page_count", NULL, 0)) != STRATA_OK ||
	    (rc = strata_query_int64(db, &s->freelist_count, "PRAGMA freelist_count", NULL, 0)) != STRATA_OK ||
	    (rc = strata_query_text(db, &file, "SELECT file FROM pragma_database_list WHERE name = 'main'", NULL, 0)) !=
		    STRATA_OK)
		return rc;
	s->database = file;
	s->database_bytes = s->page_size * s->page_count;

	rc = strata_prepare(
		&st, db,
		"SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
		"ORDER BY name");
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW)
		if (!add_table(s, strata__col_str(st, 0)))
			rc = strata__error_nomem();
	strata_finalize(st);
	if (rc != STRATA_DONE)
		return rc;

	rc = strata_prepare(&st, db,
			    "SELECT d.name, coalesce(m.type, ''), coalesce(m.tbl_name, ''), d.bytes, "
			    /* a WITHOUT ROWID table is a b-tree whose interior cells are rows too */
			    "d.cells + CASE WHEN m.sql LIKE '%without%rowid%' THEN d.inner ELSE 0 END, "
			    "coalesce(il.\"unique\", 0), coalesce(il.origin = 'pk', 0) "
			    "FROM (SELECT name, sum(pgsize) AS bytes, sum(CASE WHEN pagetype = 'leaf' THEN ncell ELSE "
			    "0 END) AS cells, "
			    "      sum(CASE WHEN pagetype = 'internal' THEN ncell ELSE 0 END) AS inner FROM dbstat "
			    "GROUP BY name) d "
			    "LEFT JOIN sqlite_schema m ON m.name = d.name "
			    "LEFT JOIN pragma_index_list(m.tbl_name) il ON il.name = d.name AND m.type = 'index'");
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		const char *type = strata__col_str(st, 1);
		strata_stats_table *t = find_table(s, strata__col_str(st, 2));
		if (!t)
			continue; /* the schema table, sqlite_sequence, sqlite_stat1 */
		if (!strcmp(type, "table")) {
			t->data_bytes = strata__col_i64(st, 3);
			t->rows = strata__col_i64(st, 4);
		} else if (!strcmp(type, "index")) {
			strata_stats_index *x = add_index(t, strata__col_str(st, 0));
			if (!x) {
				rc = strata__error_nomem();
				break;
			}
			x->bytes = strata__col_i64(st, 3);
			x->unique = strata__col_i64(st, 5) != 0;
			x->primary = strata__col_i64(st, 6) != 0;
			t->index_bytes += x->bytes;
		}
	}
	strata_finalize(st);
	if (rc == STRATA_ESQL && strstr(strata_error_last()->message, "dbstat"))
		return sqlite_count_only(db, s); /* an SQLite built without dbstat */
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

/*
 * A partitioned table's rows are those of its partitions at every level:
 * add each leaf partition's rows to each of its ancestors.
 */
static int pg_partition_rows(strata_db *db, strata_stats *s, const char *tname, const char *user_ns)
{
	strata_stmt *st = NULL;
	strata_buf sql = STRATA_BUF_INIT;
	for (size_t i = 0; i < s->ntables; i++)
		if (s->tables[i].kind == STRATA_STATS_PARTITIONED) {
			s->tables[i].rows = 0;
			s->tables[i].rows_exact = true;
		}
	/* tname names the leaf (c, n); the ancestor's name is built the same way from (pc, pn) */
	int rc = strata__buf_printf(
		&sql,
		"SELECT %s, CASE WHEN pn.nspname = 'public' THEN quote_ident(pc.relname) "
		"ELSE quote_ident(pn.nspname) || '.' || quote_ident(pc.relname) END "
		"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		"CROSS JOIN LATERAL pg_partition_ancestors(c.oid) a "
		"JOIN pg_class pc ON pc.oid = a.relid JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
		"WHERE c.relispartition AND c.relkind = 'r' AND a.relid <> c.oid AND %s",
		tname, user_ns);
	if (rc == STRATA_OK)
		rc = strata_prepare(&st, db, sql.ptr);
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		strata_stats_table *leaf = find_table(s, strata__col_str(st, 0));
		strata_stats_table *parent = find_table(s, strata__col_str(st, 1));
		if (!leaf || !parent)
			continue;
		parent->rows += leaf->rows;
		parent->rows_exact = parent->rows_exact && leaf->rows_exact;
	}
	strata_finalize(st);
	strata__buf_free(&sql);
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

static int pg_collect(strata_db *db, strata_stats *s, int64_t exact_bytes)
{
	strata_stmt *st = NULL;
	char *name = NULL;
	int rc;
	if ((rc = strata_query_int64(db, &s->database_bytes, "SELECT pg_database_size(current_database())", NULL, 0)) !=
		    STRATA_OK ||
	    (rc = strata_query_text(db, &name, "SELECT current_database()::text", NULL, 0)) != STRATA_OK)
		return rc;
	s->database = name;
	/* one query for the tables, one for their indexes (keyed by the table's display name) */
	static const char tname[] = "CASE WHEN n.nspname = 'public' THEN quote_ident(c.relname) "
				    "ELSE quote_ident(n.nspname) || '.' || quote_ident(c.relname) END";
	static const char user_ns[] =
		"n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'";
	strata_buf sql = STRATA_BUF_INIT;
	rc = strata__buf_printf(
		&sql,
		"SELECT %s, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.reltuples::float8, "
		"pg_table_size(c.oid), pg_indexes_size(c.oid), s.n_dead_tup, coalesce(s.n_live_tup, 0), "
		"c.relkind::text, c.relispopulated "
		"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		"LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
		"WHERE c.relkind IN ('r', 'p', 'm') AND %s ORDER BY 1",
		tname, user_ns);
	if (rc == STRATA_OK)
		rc = strata_prepare(&st, db, sql.ptr);
	/* qualified names of the tables to count exactly, collected first: the counts need the connection */
	char **to_count = NULL;
	size_t ncount = 0;
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		strata_stats_table *t = add_table(s, strata__col_str(st, 0));
		if (!t) {
			rc = strata__error_nomem();
			break;
		}
		double reltuples = strata__col_dbl(st, 2);
		t->data_bytes = strata__col_i64(st, 3);
		t->index_bytes = strata__col_i64(st, 4);
		int64_t live = strata__col_i64(st, 6);
		if (!strata_column_is_null(st, 5)) {
			t->dead_rows = strata__col_i64(st, 5);
			t->bloat_bytes = t->dead_rows + live > 0
						 ? (int64_t)((double)t->data_bytes * (double)t->dead_rows /
							     (double)(t->dead_rows + live))
						 : 0;
		}
		t->rows = reltuples >= 0 ? (int64_t)reltuples : live;
		t->rows_exact = false;
		const char *kind = strata__col_str(st, 7);
		bool populated = true;
		t->kind = kind[0] == 'p'   ? STRATA_STATS_PARTITIONED
			  : kind[0] == 'm' ? STRATA_STATS_MATVIEW
					   : STRATA_STATS_TABLE;
		if (strata_column_bool(st, 8, &populated) == STRATA_OK && !populated) {
			/* WITH NO DATA: reading it is an error, and there is nothing to count */
			t->populated = false;
			t->rows = 0;
			t->rows_exact = true;
		}
		/* a partitioned table holds no rows itself: its partitions' are added up below */
		bool count = t->populated && t->kind != STRATA_STATS_PARTITIONED && t->data_bytes <= exact_bytes;
		char **g = realloc(to_count, (ncount + 1) * sizeof *g);
		if (!g) {
			rc = strata__error_nomem();
			break;
		}
		to_count = g;
		to_count[ncount] = count ? strdup(strata__col_str(st, 1)) : NULL;
		if (count && !to_count[ncount]) {
			rc = strata__error_nomem();
			break;
		}
		ncount++;
	}
	strata_finalize(st);
	st = NULL;
	if (rc == STRATA_DONE)
		rc = STRATA_OK;
	for (size_t i = 0; i < ncount && rc == STRATA_OK; i++) {
		if (!to_count[i])
			continue;
		strata__buf_clear(&sql);
		rc = strata__buf_printf(&sql, "SELECT count(*) FROM %s", to_count[i]);
		if (rc == STRATA_OK)
			rc = strata_query_int64(db, &s->tables[i].rows, sql.ptr, NULL, 0);
		s->tables[i].rows_exact = rc == STRATA_OK;
	}
	for (size_t i = 0; i < ncount; i++)
		free(to_count[i]);
	free(to_count);
	if (rc == STRATA_OK)
		rc = pg_partition_rows(db, s, tname, user_ns);
	strata__buf_clear(&sql);
	if (rc == STRATA_OK)
		rc = strata__buf_printf(
			&sql,
			"SELECT %s, quote_ident(i.relname), pg_relation_size(i.oid), coalesce(us.idx_scan, 0), "
			"x.indisunique, x.indisprimary "
			"FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
			"JOIN pg_namespace n ON n.oid = c.relnamespace "
			"LEFT JOIN pg_stat_user_indexes us ON us.indexrelid = x.indexrelid "
			"WHERE c.relkind IN ('r', 'p', 'm') AND %s",
			tname, user_ns);
	if (rc == STRATA_OK)
		rc = strata_prepare(&st, db, sql.ptr);
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW) {
		strata_stats_table *t = find_table(s, strata__col_str(st, 0));
		if (!t)
			continue;
		strata_stats_index *x = add_index(t, strata__col_str(st, 1));
		if (!x) {
			rc = strata__error_nomem();
			break;
		}
		bool b = false;
		x->bytes = strata__col_i64(st, 2);
		x->scans = strata__col_i64(st, 3);
		x->unique = strata_column_bool(st, 4, &b) == STRATA_OK && b;
		x->primary = strata_column_bool(st, 5, &b) == STRATA_OK && b;
	}
	strata_finalize(st);
	strata__buf_free(&sql);
	return rc == STRATA_DONE ? STRATA_OK : rc;
}

static int by_size(const void *a, const void *b)
{
	const strata_stats_table *x = a, *y = b;
	int64_t sx = x->data_bytes + x->index_bytes, sy = y->data_bytes + y->index_bytes;
	return sx < sy ? 1 : sx > sy ? -1 : strcmp(x->name, y->name);
}

static int index_by_size(const void *a, const void *b)
{
	const strata_stats_index *x = a, *y = b;
	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : strcmp(x->name, y->name);
}

int strata_stats_collect(strata_stats **out, strata_db *db, const strata_stats_options *opts)
{
	if (!out || !db)
		return strata__error_set(STRATA_EINVAL, "strata_stats_collect: %s is NULL", out ? "db" : "out");
	*out = NULL;
	if (opts && opts->version != STRATA_STATS_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "strata_stats_collect: options version %u, want %d",
					 opts->version, STRATA_STATS_OPTIONS_VERSION);
	int64_t exact = opts && opts->exact_rows_bytes > 0 ? opts->exact_rows_bytes : 16 * 1024 * 1024;
	strata_stats *s = calloc(1, sizeof *s);
	if (!s)
		return strata__error_nomem();
	bool sqlite = strata_db_backend(db) == STRATA_BACKEND_SQLITE;
	s->backend = strdup(sqlite ? "sqlite" : "postgres");
	if (!s->backend) {
		strata_stats_free(s);
		return strata__error_nomem();
	}
	int rc = sqlite ? sqlite_collect(db, s) : pg_collect(db, s, exact);
	if (rc != STRATA_OK) {
		strata_stats_free(s);
		return rc;
	}
	for (size_t i = 0; i < s->ntables; i++) {
		strata_stats_table *t = &s->tables[i];
		if (t->nindexes > 1)
			qsort(t->indexes, t->nindexes, sizeof *t->indexes, index_by_size);
		if (t->kind != STRATA_STATS_PARTITIONED)
			s->total_rows += t->rows;
		s->total_data_bytes += t->data_bytes;
		s->total_index_bytes += t->index_bytes;
		if (t->bloat_bytes > 0)
			s->total_bloat_bytes += t->bloat_bytes;
	}
	if (s->ntables > 1)
		qsort(s->tables, s->ntables, sizeof *s->tables, by_size);
	*out = s;
	return STRATA_OK;
}

int strata_stats_json(const strata_stats *s, bool pretty, char **out)
{
	if (!s || !out)
		return strata__error_set(STRATA_EINVAL, "strata_stats_json: NULL argument");
	json_t *tables = json_array();
	json_t *root = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:o}", "backend", s->backend,
				 "database", s->database ? s->database : "", "database_bytes",
				 (json_int_t)s->database_bytes, "page_size", (json_int_t)s->page_size, "page_count",
				 (json_int_t)s->page_count, "freelist_count", (json_int_t)s->freelist_count, "totals",
				 "rows", (json_int_t)s->total_rows, "data_bytes", (json_int_t)s->total_data_bytes,
				 "index_bytes", (json_int_t)s->total_index_bytes, "bloat_bytes",
				 (json_int_t)s->total_bloat_bytes, "tables", tables);
	if (!root)
		return strata__error_nomem();
	for (size_t i = 0; i < s->ntables; i++) {
		const strata_stats_table *t = &s->tables[i];
		json_t *idx = json_array();
		static const char *const kinds[] = { "table", "partitioned table", "materialized view" };
		json_t *jt = json_pack("{s:s, s:s, s:b, s:I, s:b, s:I, s:I, s:o, s:o, s:o}", "name", t->name, "kind",
				       kinds[t->kind], "populated", t->populated, "rows", (json_int_t)t->rows,
				       "rows_exact", t->rows_exact, "data_bytes", (json_int_t)t->data_bytes,
				       "index_bytes", (json_int_t)t->index_bytes, "bloat_bytes",
				       t->bloat_bytes >= 0 ? json_integer(t->bloat_bytes) : json_null(), "dead_rows",
				       t->dead_rows >= 0 ? json_integer(t->dead_rows) : json_null(), "indexes", idx);
		if (!jt || json_array_append_new(tables, jt) != 0)
			goto nomem;
		for (size_t k = 0; k < t->nindexes; k++) {
			const strata_stats_index *x = &t->indexes[k];
			if (json_array_append_new(idx, json_pack("{s:s, s:I, s:o, s:b, s:b}", "name", x->name, "bytes",
								 (json_int_t)x->bytes, "scans",
								 x->scans >= 0 ? json_integer(x->scans) : json_null(),
								 "unique", x->unique, "primary", x->primary)) != 0)
				goto nomem;
		}
	}
	char *text = json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return strata__error_nomem();
	*out = strdup(text);
	free(text);
	return *out ? STRATA_OK : strata__error_nomem();
nomem:
	json_decref(root);
	return strata__error_nomem();
}
