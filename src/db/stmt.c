/*
 * Statements: prepare through a bounded per-connection cache, bind, step,
 * read columns with type checks.
 *
 * The cache maps SQL text to prepared statements.  strata_prepare() takes
 * an idle entry when there is one; strata_finalize() resets the statement
 * and puts it back as the most recently used idle entry, finalizing the
 * least recently used idle one when the cache is over its bound.  The same
 * SQL prepared twice at once gets a second, uncached statement.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "db/internal.h"

static uint64_t hash_sql(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void lru_unlink(strata_db *db, strata_stmt *s)
{
	if (s->lru_prev)
		s->lru_prev->lru_next = s->lru_next;
	else if (db->lru_head == s)
		db->lru_head = s->lru_next;
	if (s->lru_next)
		s->lru_next->lru_prev = s->lru_prev;
	else if (db->lru_tail == s)
		db->lru_tail = s->lru_prev;
	s->lru_prev = s->lru_next = NULL;
}

static void lru_push_front(strata_db *db, strata_stmt *s)
{
	s->lru_prev = NULL;
	s->lru_next = db->lru_head;
	if (db->lru_head)
		db->lru_head->lru_prev = s;
	db->lru_head = s;
	if (!db->lru_tail)
		db->lru_tail = s;
}

static void chain_unlink(strata_db *db, strata_stmt *s)
{
	strata_stmt **pp = &db->buckets[s->hash % db->nbuckets];
	while (*pp && *pp != s)
		pp = &(*pp)->chain;
	if (*pp)
		*pp = s->chain;
	s->chain = NULL;
}

static void stmt_destroy(strata_stmt *s)
{
	if (!s)
		return;
	s->db->drv->finalize(s->drv);
	free(s->sql);
	free(s);
}

/* Drop the cache's least recently used idle statement. */
static void evict_one(strata_db *db)
{
	strata_stmt *victim = db->lru_tail;
	if (!victim)
		return;
	lru_unlink(db, victim);
	chain_unlink(db, victim);
	db->cache_count--;
	stmt_destroy(victim);
}

void strata__stmt_cache_clear(strata_db *db)
{
	while (db->lru_tail)
		evict_one(db);
}

static strata_stmt *cache_find_idle(strata_db *db, const char *sql, uint64_t h, bool by_address)
{
	if (!db->nbuckets)
		return NULL;
	for (strata_stmt *s = db->buckets[h % db->nbuckets]; s; s = s->chain) {
		if (s->hash != h || s->in_use)
			continue;
		if (by_address ? s->key_ptr == sql : (!s->key_ptr && strcmp(s->sql, sql) == 0))
			return s;
	}
	return NULL;
}

static uint64_t hash_address(const char *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static int prepare_new(strata_stmt **out, strata_db *db, const char *sql, bool cacheable)
{
	strata_stmt *s = calloc(1, sizeof *s);
	if (!s)
		return strata__error_nomem();
	s->db = db;
	s->sql = strata__strdup(sql);
	if (!s->sql) {
		free(s);
		return STRATA_ENOMEM;
	}
	int rc;
	if (db->drv->backend == STRATA_BACKEND_POSTGRES) {
		strata_buf rewritten = STRATA_BUF_INIT;
		rc = strata__rewrite_placeholders(sql, strlen(sql), &rewritten, &s->nparams);
		if (rc == STRATA_OK)
			rc = db->drv->prepare(db->conn, strata__buf_cstr(&rewritten), s->nparams, cacheable, &s->drv);
		strata__buf_free(&rewritten);
	} else {
		int unused;
		/* the same rules as on PostgreSQL: `?` only, never $1 */
		rc = strata__rewrite_placeholders(sql, strlen(sql), NULL, &unused);
		if (rc == STRATA_OK)
			rc = db->drv->prepare(db->conn, sql, 0, cacheable, &s->drv);
		if (rc == STRATA_OK)
			s->nparams = db->drv->bind_count(s->drv);
	}
	if (rc != STRATA_OK) {
		free(s->sql);
		free(s);
		return rc;
	}
	*out = s;
	return STRATA_OK;
}

static int prepare(strata_stmt **out, strata_db *db, const char *sql, bool by_address)
{
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_prepare: out is NULL");
	*out = NULL;
	if (!db || !sql)
		return strata__error_set(STRATA_EINVAL, "strata_prepare: %s is NULL", db ? "sql" : "db");
	uint64_t h = 0;
	if (db->cache_cap > 0) {
		h = by_address ? hash_address(sql) : hash_sql(sql);
		strata_stmt *s = cache_find_idle(db, sql, h, by_address);
		if (s) {
			lru_unlink(db, s);
			s->in_use = true;
			*out = s;
			return STRATA_OK;
		}
	}
	/* cache it when there is room, or an idle entry can make room */
	bool cacheable = db->cache_cap > 0 && (db->cache_count < db->cache_cap || db->lru_tail);
	strata_stmt *s = NULL;
	int rc = prepare_new(&s, db, sql, cacheable);
	if (rc != STRATA_OK)
		return rc;
	s->in_use = true;
	if (cacheable) {
		if (!db->buckets) {
			db->nbuckets = (size_t)db->cache_cap * 2 + 1;
			db->buckets = calloc(db->nbuckets, sizeof *db->buckets);
		}
		if (db->buckets) {
			if (db->cache_count >= db->cache_cap)
				evict_one(db);
			s->hash = h;
			s->key_ptr = by_address ? sql : NULL;
			s->cached = true;
			s->chain = db->buckets[h % db->nbuckets];
			db->buckets[h % db->nbuckets] = s;
			db->cache_count++;
		}
	}
	*out = s;
	return STRATA_OK;
}

int strata_prepare(strata_stmt **out, strata_db *db, const char *sql)
{
	return prepare(out, db, sql, false);
}

int strata_prepare_static(strata_stmt **out, strata_db *db, const char *sql)
{
	return prepare(out, db, sql, true);
}

/* Fire the hook for a statement that ran but did not reach DONE. */
static void finish_running(strata_stmt *s, int status)
{
	if (s->running && s->started_ns)
		strata__db_observe(s->db, s->sql, &s->qentry, s->started_ns, s->rows, status);
	s->running = false;
	s->started_ns = 0;
}

void strata_finalize(strata_stmt *s)
{
	if (!s)
		return;
	strata_db *db = s->db;
	if (s->in_flight)
		strata__async_forget(s);
	finish_running(s, STRATA_OK);
	if (!s->cached || db->drv->is_broken(db->conn)) {
		if (s->cached) {
			chain_unlink(db, s);
			db->cache_count--;
		}
		stmt_destroy(s);
		return;
	}
	db->drv->reset(s->drv);
	db->drv->clear_bindings(s->drv);
	s->in_use = false;
	s->has_row = false;
	s->timeout_ms = 0;
	s->rows = 0;
	lru_push_front(db, s);
}

int strata_reset(strata_stmt *s)
{
	if (!s)
		return strata__error_set(STRATA_EINVAL, "strata_reset: stmt is NULL");
	if (s->in_flight)
		strata__async_forget(s);
	finish_running(s, STRATA_OK);
	s->db->drv->reset(s->drv);
	s->has_row = false;
	s->rows = 0;
	return STRATA_OK;
}

int strata_clear_bindings(strata_stmt *s)
{
	if (!s)
		return strata__error_set(STRATA_EINVAL, "strata_clear_bindings: stmt is NULL");
	if (s->running)
		return strata__error_set(STRATA_EMISUSE,
					 "cannot clear bindings of a running statement: reset it first");
	return s->db->drv->clear_bindings(s->drv);
}

int strata_bind_count(const strata_stmt *s)
{
	return s ? s->nparams : 0;
}

void strata_stmt_set_timeout(strata_stmt *s, int timeout_ms)
{
	if (s)
		s->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
}

const char *strata_stmt_sql(const strata_stmt *s)
{
	return s ? s->sql : "";
}

/* ---- binding ---- */

static int bind_check(strata_stmt *s, int i)
{
	if (!s)
		return strata__error_set(STRATA_EINVAL, "bind: stmt is NULL");
	if (s->running)
		return strata__error_set(STRATA_EMISUSE,
					 "cannot bind parameter %d of a running statement: reset it first", i);
	if (i < 1 || i > s->nparams)
		return strata__error_set(STRATA_ERANGE, "bind index %d out of range: the statement has %d parameter%s",
					 i, s->nparams, s->nparams == 1 ? "" : "s");
	return STRATA_OK;
}

static int bind(strata_stmt *s, int i, const strata_value *v)
{
	int rc = bind_check(s, i);
	if (rc != STRATA_OK)
		return rc;
	return s->db->drv->bind(s->drv, i, v);
}

int strata_bind_value(strata_stmt *s, int i, const strata_value *v)
{
	if (!v)
		return strata__error_set(STRATA_EINVAL, "strata_bind_value: value is NULL");
	strata_value t = *v;
	/* drivers take text and JSON as (pointer, length) */
	if (v->type == STRATA_TYPE_TEXT || v->type == STRATA_TYPE_JSON) {
		if (!v->v.s)
			return bind(s, i, &STRATA_NULL);
		const char *p = v->v.s;
		t.v.blob.p = p;
		t.v.blob.len = strlen(p);
	} else if (v->type == STRATA_TYPE_UUID && !v->v.uuid) {
		return bind(s, i, &STRATA_NULL);
	}
	return bind(s, i, &t);
}

int strata_bind_null(strata_stmt *s, int i)
{
	return bind(s, i, &STRATA_NULL);
}

int strata_bind_int64(strata_stmt *s, int i, int64_t v)
{
	return bind(s, i, &STRATA_INT(v));
}

int strata_bind_double(strata_stmt *s, int i, double v)
{
	return bind(s, i, &STRATA_DOUBLE(v));
}

int strata_bind_bool(strata_stmt *s, int i, bool v)
{
	return bind(s, i, &STRATA_BOOL(v));
}

int strata_bind_text(strata_stmt *s, int i, const char *p, ptrdiff_t len)
{
	if (!p)
		return bind(s, i, &STRATA_NULL);
	strata_value v = { .type = STRATA_TYPE_TEXT };
	v.v.blob.p = p;
	v.v.blob.len = len < 0 ? strlen(p) : (size_t)len;
	return bind(s, i, &v);
}

int strata_bind_blob(strata_stmt *s, int i, const void *p, size_t len)
{
	if (!p && len)
		return strata__error_set(STRATA_EINVAL, "strata_bind_blob: NULL pointer with length %zu", len);
	return bind(s, i, &STRATA_BLOB(p, len));
}

int strata_bind_timestamp(strata_stmt *s, int i, strata_timestamp ts)
{
	return bind(s, i, &STRATA_TIMESTAMP(ts));
}

int strata_bind_uuid(strata_stmt *s, int i, const strata_uuid *u)
{
	if (!u)
		return bind(s, i, &STRATA_NULL);
	return bind(s, i, &STRATA_UUID(u));
}

int strata_bind_json(strata_stmt *s, int i, const char *json)
{
	if (!json)
		return bind(s, i, &STRATA_NULL);
	strata_value v = { .type = STRATA_TYPE_JSON };
	v.v.blob.p = json;
	v.v.blob.len = strlen(json);
	return bind(s, i, &v);
}

/* ---- stepping ---- */

int strata_step(strata_stmt *s)
{
	if (!s)
		return strata__error_set(STRATA_EINVAL, "strata_step: stmt is NULL");
	strata_db *db = s->db;
	int64_t deadline = 0;
	if (!s->running) {
		s->running = true;
		s->rows = 0;
		int t = s->timeout_ms ? s->timeout_ms : db->timeout_ms;
		if (t)
			deadline = strata__monotonic_us() + (int64_t)t * 1000;
		if (strata__db_timing(db))
			s->started_ns = strata__monotonic_ns();
	}
	int rc = db->drv->step(s->drv, deadline);
	if (rc == STRATA_ROW) {
		if (!s->has_row)
			s->ncols = db->drv->column_count(s->drv);
		s->has_row = true;
		s->rows++;
		return rc;
	}
	/* Finished or failed: ready the driver's statement to run again at
	 * once, so it can be rebound and stepped without a reset, and SQLite
	 * releases its read lock now rather than at the next reset. */
	s->has_row = false;
	if (s->started_ns) {
		int64_t rows = s->rows;
		if (rc == STRATA_DONE && rows == 0)
			rows = db->drv->changes(db->conn);
		strata__db_observe(db, s->sql, &s->qentry, s->started_ns, rows, rc);
	}
	s->started_ns = 0;
	s->running = false;
	db->drv->reset(s->drv);
	return rc;
}

/* ---- columns ---- */

int strata_column_count(const strata_stmt *s)
{
	return s ? s->db->drv->column_count(s->drv) : 0;
}

const char *strata_column_name(const strata_stmt *s, int col)
{
	if (!s || col < 0 || col >= strata_column_count(s))
		return NULL;
	return s->db->drv->column_name(s->drv, col);
}

strata_type strata_column_type(const strata_stmt *s, int col)
{
	if (!s || !s->has_row || col < 0 || col >= s->ncols)
		return STRATA_TYPE_NULL;
	return s->db->drv->column_type(s->drv, col);
}

bool strata_column_is_null(const strata_stmt *s, int col)
{
	return strata_column_type(s, col) == STRATA_TYPE_NULL;
}

static int read_cell(strata_stmt *s, int col, strata_type want, strata__cell *cell)
{
	if (!s)
		return strata__error_set(STRATA_EINVAL, "column read: stmt is NULL");
	if (!s->has_row)
		return strata__error_set(STRATA_ERANGE, "no row to read: strata_step() did not return STRATA_ROW");
	int n = s->ncols;
	if (col < 0 || col >= n)
		return strata__error_set(STRATA_ERANGE, "column %d out of range: the result has %d column%s", col, n,
					 n == 1 ? "" : "s");
	int rc = s->db->drv->column(s->drv, col, want, cell);
	if (rc == STRATA_ETYPE) {
		strata_type have = s->db->drv->column_type(s->drv, col);
		return strata__error_set(STRATA_ETYPE, "column %d (%s) is %s, not %s", col,
					 s->db->drv->column_name(s->drv, col), strata_type_name(have),
					 strata_type_name(want));
	}
	return rc;
}

int strata_column_int64(strata_stmt *s, int col, int64_t *out)
{
	strata__cell c;
	int rc = read_cell(s, col, STRATA_TYPE_INT, &c);
	if (rc == STRATA_OK)
		*out = c.i;
	return rc;
}

int strata_column_double(strata_stmt *s, int col, double *out)
{
	strata__cell c;
	int rc = read_cell(s, col, STRATA_TYPE_DOUBLE, &c);
	if (rc == STRATA_OK)
		*out = c.d;
	return rc;
}

int strata_column_bool(strata_stmt *s, int col, bool *out)
{
	strata__cell c;
	int rc = read_cell(s, col, STRATA_TYPE_BOOL, &c);
	if (rc == STRATA_OK)
		*out = c.b;
	return rc;
}

int strata_column_text(strata_stmt *s, int col, const char **out, size_t *len)
{
	strata__cell c;
	int rc = read_cell(s, col, STRATA_TYPE_TEXT, &c);
	if (rc == STRATA_OK) {
		*out = c.p;
		if (len)
			*len = c.len;
	}
	return rc;
}

int strata_column_blob(strata_stmt *s, int col, const void **out, size_t *len)
{
	strata__cell c;
	int rc = read_cell(s, col, STRATA_TYPE_BLOB, &c);
	if (rc == STRATA_OK) {
		*out = c.p;
		if (len)
			*len = c.len;
	}
	return rc;
}

int strata_column_json(strata_stmt *s, int col, const char **out)
{
	strata__cell c;
	int rc = read_cell(s, col, STRATA_TYPE_JSON, &c);
	if (rc == STRATA_OK)
		*out = c.p;
	return rc;
}

int strata_column_timestamp(strata_stmt *s, int col, strata_timestamp *out)
{
	strata__cell c;
	int rc = read_cell(s, col, STRATA_TYPE_TIMESTAMP, &c);
	if (rc != STRATA_OK)
		return rc;
	if (strata_timestamp_parse(c.p, c.len, out) != STRATA_OK)
		return strata__error_set(STRATA_ETYPE, "column %d (%s) is not a timestamp: '%.40s'", col,
					 s->db->drv->column_name(s->drv, col), c.p);
	return STRATA_OK;
}

int strata_column_uuid(strata_stmt *s, int col, strata_uuid *out)
{
	strata__cell c;
	int rc = read_cell(s, col, STRATA_TYPE_UUID, &c);
	if (rc != STRATA_OK)
		return rc;
	if (strata_uuid_parse(c.p, c.len, out) != STRATA_OK)
		return strata__error_set(STRATA_ETYPE, "column %d (%s) is not a UUID: '%.40s'", col,
					 s->db->drv->column_name(s->drv, col), c.p);
	return STRATA_OK;
}
