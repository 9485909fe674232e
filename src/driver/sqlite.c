/*
 * The SQLite backend.
 *
 * Files open in WAL mode with foreign keys on, a busy timeout and
 * synchronous=NORMAL.  Booleans are integers 0/1, timestamps ISO-8601 UTC
 * text, UUIDs canonical text, JSON text.  Timeouts run through a progress
 * handler that interrupts the statement once its deadline has passed.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/error.h"
#include "driver/driver.h"

typedef struct sq_conn {
	sqlite3 *db;
	int64_t deadline; /* for the progress handler; 0: none */
	bool timed_out;
	char version[32];
	const char *actor; /* what strata_actor() returns (borrowed from the db layer); NULL: none */
} sq_conn;

typedef struct sq_stmt {
	sq_conn *conn;
	sqlite3_stmt *st;
	bool started; /* stepped since the last reset */
	bool done;
} sq_stmt;

/* ---- errors ---- */

/* PostgreSQL's default name for a constraint over `table` and `cols` ("t_a_b_key"). */
static void pg_style_name(char *out, size_t cap, const char *table, const char *cols, const char *suffix)
{
	size_t o = 0;
	o += (size_t)snprintf(out + o, cap - o, "%s", table);
	for (const char *c = cols; *c && o + 1 < cap; c++) {
		if (*c == ',') {
			continue;
		} else if (*c == ' ') {
			continue;
		}
		if (c == cols || c[-1] == ' ' || c[-1] == ',') {
			if (o + 1 < cap)
				out[o++] = '_';
		}
		if (o + 1 < cap)
			out[o++] = *c;
		out[o] = '\0';
	}
	snprintf(out + o, cap - o, "_%s", suffix);
}

/*
 * SQLite names the columns of a failed UNIQUE ("UNIQUE constraint failed:
 * t.a, t.b"), not the constraint.  Find the unique index over exactly those
 * columns; an explicit index keeps its name, an automatic one (from an
 * inline UNIQUE or PRIMARY KEY) gets PostgreSQL's default name
 * (t_a_b_key, t_pkey), so the name is the same on both backends.
 */
static void unique_constraint_name(sqlite3 *db, const char *msg, bool pk, char *out, size_t cap)
{
	out[0] = '\0';
	const char *p = strstr(msg, "failed: ");
	if (!p)
		return;
	p += 8;
	char table[256] = "", cols[512] = "";
	size_t tc = 0, cc = 0;
	/* "t.a, t.b" -> table "t", cols "a,b" */
	while (*p) {
		const char *dot = strchr(p, '.');
		if (!dot)
			return;
		size_t tl = (size_t)(dot - p);
		if (tc == 0 && tl < sizeof table) {
			memcpy(table, p, tl);
			table[tl] = '\0';
			tc = tl;
		}
		const char *end = strstr(dot, ", ");
		size_t cl = end ? (size_t)(end - dot - 1) : strlen(dot + 1);
		if (cc + cl + 2 >= sizeof cols)
			return;
		if (cc)
			cols[cc++] = ',';
		memcpy(cols + cc, dot + 1, cl);
		cc += cl;
		cols[cc] = '\0';
		if (!end)
			break;
		p = end + 2;
	}
	if (pk) {
		snprintf(out, cap, "%s_pkey", table);
		return;
	}
	/* Look for an explicitly named unique index on exactly these columns. */
	sqlite3_stmt *il = NULL, *ii = NULL;
	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" AND origin = 'c'", -1, &il,
			       NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(
		    db, "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(?1) ORDER BY seqno)",
		    -1, &ii, NULL) == SQLITE_OK) {
		sqlite3_bind_text(il, 1, table, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(il) == SQLITE_ROW) {
			const char *iname = (const char *)sqlite3_column_text(il, 0);
			if (!iname)
				continue;
			sqlite3_reset(ii);
			sqlite3_bind_text(ii, 1, iname, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(ii) == SQLITE_ROW) {
				const char *ic = (const char *)sqlite3_column_text(ii, 0);
				if (ic && strcmp(ic, cols) == 0) {
					snprintf(out, cap, "%s", iname);
					break;
				}
			}
		}
	}
	sqlite3_finalize(il);
	sqlite3_finalize(ii);
	if (!out[0]) {
		/* an inline UNIQUE: PostgreSQL would call it table_cols_key */
		char spaced[512];
		snprintf(spaced, sizeof spaced, "%s", cols);
		pg_style_name(out, cap, table, spaced, "key");
	}
}

static int map_code(int ext)
{
	switch (ext & 0xff) {
	case SQLITE_CONSTRAINT: return STRATA_ECONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return STRATA_EBUSY;
	case SQLITE_INTERRUPT: return STRATA_ETIMEOUT;
	case SQLITE_NOMEM: return STRATA_ENOMEM;
	case SQLITE_CANTOPEN: return STRATA_ECONNECT;
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_FULL:
	case SQLITE_NOTADB: return STRATA_EIO;
	case SQLITE_MISMATCH: return STRATA_ETYPE;
	case SQLITE_RANGE: return STRATA_ERANGE;
	case SQLITE_TOOBIG: return STRATA_EINVAL;
	default: return STRATA_ESQL;
	}
}

/* Set the error from the connection's last failure. */
static int sq_error(sq_conn *c, int rc)
{
	int ext = c && c->db ? sqlite3_extended_errcode(c->db) : rc;
	if ((ext & 0xff) != (rc & 0xff))
		ext = rc;
	const char *msg = c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
	int status = map_code(ext);
	char constraint[256] = "";
	if (c && c->timed_out && (ext & 0xff) == SQLITE_INTERRUPT) {
		c->timed_out = false;
		return strata__error_set_db(STRATA_ETIMEOUT, ext, NULL, NULL, "statement timed out");
	}
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
		/* the lookup runs statements, which would replace the message: keep a copy */
		char copy[512];
		snprintf(copy, sizeof copy, "%s", msg);
		unique_constraint_name(c->db, copy, ext == SQLITE_CONSTRAINT_PRIMARYKEY, constraint, sizeof constraint);
		return strata__error_set_db(status, ext, NULL, constraint, "%s", copy);
	}
	if (ext == SQLITE_CONSTRAINT_CHECK) {
		const char *p = strstr(msg, "failed: ");
		if (p)
			snprintf(constraint, sizeof constraint, "%s", p + 8);
	}
	return strata__error_set_db(status, ext, NULL, constraint, "%s", msg);
}

/* ---- connections ---- */

static int progress(void *ud)
{
	sq_conn *c = ud;
	if (c->deadline && strata__monotonic_us() >= c->deadline) {
		c->timed_out = true;
		return 1;
	}
	return 0;
}

static void set_deadline(sq_conn *c, int64_t deadline)
{
	if (deadline == c->deadline)
		return;
	c->deadline = deadline;
	c->timed_out = false;
	/* the handler costs a call every 1000 VM steps; install it only when needed */
	sqlite3_progress_handler(c->db, deadline ? 1000 : 0, deadline ? progress : NULL, c);
}

static int pragma(sq_conn *c, const char *name, const char *value)
{
	char sql[128];
	/* values come from a fixed vocabulary checked by the caller */
	snprintf(sql, sizeof sql, "PRAGMA %s = %s", name, value);
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sq_error(c, rc);
	return STRATA_OK;
}

static bool word_ok(const char *v)
{
	if (!*v || strlen(v) > 16)
		return false;
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return true;
}

static int check_directory(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return STRATA_OK;
	char dir[4096];
	size_t n = (size_t)(slash - path);
	if (n >= sizeof dir)
		return strata__error_set(STRATA_EINVAL, "sqlite path is too long");
	memcpy(dir, path, n);
	dir[n] = '\0';
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return strata__error_set(STRATA_ECONNECT,
					 "cannot open sqlite database '%s': directory '%s' does not exist", path, dir);
	if (!S_ISDIR(sb.st_mode))
		return strata__error_set(STRATA_ECONNECT, "cannot open sqlite database '%s': '%s' is not a directory",
					 path, dir);
	return STRATA_OK;
}

/* strata_actor(): the connection's actor (strata_db_set_actor), or NULL. */
static void actor_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	const sq_conn *c = sqlite3_user_data(ctx);
	if (c->actor)
		sqlite3_result_text(ctx, c->actor, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

/*
 * strata_uuid_v7(): the `default uuid_v7` of SQLite columns, a version 7
 * UUID as canonical text from the library's generator (strata_uuid_v7), so
 * values are monotonic within the process, hence within a connection, and
 * interleave in order with those the generated C makes.
 */
static void uuid_v7_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	strata_uuid u;
	char text[STRATA_UUID_STRLEN + 1];
	if (strata_uuid_v7(&u) != STRATA_OK) {
		sqlite3_result_error(ctx, "strata_uuid_v7(): no randomness available", -1);
		return;
	}
	strata_uuid_format(&u, text);
	sqlite3_result_text(ctx, text, STRATA_UUID_STRLEN, SQLITE_TRANSIENT);
}

static void sq_set_actor(void *conn, const char *actor)
{
	((sq_conn *)conn)->actor = actor;
}

/*
 * No bulk page-cache allocation per connection.  SQLite's default hands
 * each new connection 20 pages' worth of slots at its first read and
 * writes a header into every one, which touches about 90 kB the command
 * then mostly never uses: 20 of the 98 page faults of `strata migrate
 * status` on an empty project (docs/performance.md).  Pages are allocated
 * as they are read instead.  Only possible before SQLite is initialised:
 * in a program that already uses SQLite the call is refused and changes
 * nothing.
 */
static void configure_sqlite(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)0, 0, 0);
}

static int sq_open(void **out, const strata__url *url, const strata__conn_config *cfg)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, configure_sqlite);
	*out = NULL;
	const char *mode = strata__url_param(url, "mode");
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
	if (mode && strcmp(mode, "ro") == 0)
		flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	else if (mode && strcmp(mode, "rw") == 0)
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	else if (mode && strcmp(mode, "rwc") != 0)
		return strata__error_set(STRATA_EINVAL, "sqlite URL parameter mode must be ro, rw or rwc, not '%s'",
					 mode);
	flags &= ~SQLITE_OPEN_URI;
	if (!url->memory && check_directory(url->path) != STRATA_OK)
		return STRATA_ECONNECT;
	sq_conn *c = calloc(1, sizeof *c);
	if (!c)
		return strata__error_nomem();
	int rc = sqlite3_open_v2(url->path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		int ext = c->db ? sqlite3_extended_errcode(c->db) : rc;
		strata__error_set_db(rc == SQLITE_NOMEM ? STRATA_ENOMEM : STRATA_ECONNECT, ext, NULL, NULL,
				     "cannot open sqlite database '%s': %s", url->path,
				     c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	/* innocuous: `default actor` columns and their triggers call it, also with trusted_schema off */
	rc = sqlite3_create_function_v2(c->db, "strata_actor", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, c, actor_fn, NULL,
					NULL, NULL);
	/* `default uuid_v7` columns call it (innocuous, not deterministic) */
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(c->db, "strata_uuid_v7", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, NULL,
						uuid_v7_fn, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		strata__error_set(STRATA_ENOMEM, "cannot define strata_actor() and strata_uuid_v7(): %s",
				  sqlite3_errmsg(c->db));
		goto fail;
	}
	if (cfg->busy_timeout_ms > 0)
		sqlite3_busy_timeout(c->db, cfg->busy_timeout_ms);
	/* a file that is not a database shows up at the first read */
	rc = sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		strata__error_set_db(map_code(rc) == STRATA_EBUSY ? STRATA_EBUSY : STRATA_ECONNECT,
				     sqlite3_extended_errcode(c->db), NULL, NULL,
				     "cannot open sqlite database '%s': %s", url->path, sqlite3_errmsg(c->db));
		goto fail;
	}
	const char *jm = cfg->journal_mode ? cfg->journal_mode : (url->memory || mode ? NULL : "WAL");
	if (jm) {
		if (!word_ok(jm)) {
			strata__error_set(STRATA_EINVAL, "bad journal_mode '%s'", jm);
			goto fail;
		}
		if (pragma(c, "journal_mode", jm) != STRATA_OK)
			goto fail;
	}
	const char *sync = cfg->synchronous;
	if (!sync && jm && strcasecmp(jm, "WAL") == 0)
		sync = "NORMAL";
	if (sync) {
		if (!word_ok(sync)) {
			strata__error_set(STRATA_EINVAL, "bad synchronous setting '%s'", sync);
			goto fail;
		}
		if (pragma(c, "synchronous", sync) != STRATA_OK)
			goto fail;
	}
	if (pragma(c, "foreign_keys", cfg->foreign_keys ? "ON" : "OFF") != STRATA_OK)
		goto fail;
	snprintf(c->version, sizeof c->version, "%s", sqlite3_libversion());
	*out = c;
	return STRATA_OK;
fail:
	sqlite3_close_v2(c->db);
	free(c);
	return strata_error_last()->status;
}

static void sq_close(void *conn)
{
	sq_conn *c = conn;
	if (!c)
		return;
	sqlite3_close_v2(c->db);
	free(c);
}

static const char *sq_server_version(void *conn)
{
	return ((sq_conn *)conn)->version;
}

static bool sq_is_broken(void *conn)
{
	(void)conn;
	return false;
}

static int sq_ping(void *conn)
{
	sq_conn *c = conn;
	int rc = sqlite3_exec(c->db, "SELECT 1", NULL, NULL, NULL);
	return rc == SQLITE_OK ? STRATA_OK : sq_error(c, rc);
}

static int64_t sq_changes(void *conn)
{
	return sqlite3_changes64(((sq_conn *)conn)->db);
}

static int sq_exec(void *conn, const char *sql, int64_t deadline)
{
	sq_conn *c = conn;
	set_deadline(c, deadline);
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		rc = sq_error(c, rc);
	set_deadline(c, 0);
	return rc;
}

/* ---- statements ---- */

static bool only_trivia(const char *s)
{
	/* whitespace and comments only */
	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';') {
			s++;
		} else if (s[0] == '-' && s[1] == '-') {
			while (*s && *s != '\n')
				s++;
		} else if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");
			if (!e)
				return true;
			s = e + 2;
		} else {
			return false;
		}
	}
	return true;
}

static int sq_prepare(void *conn, const char *sql, int nparams, bool cacheable, void **out)
{
	sq_conn *c = conn;
	(void)nparams;
	*out = NULL;
	sq_stmt *s = calloc(1, sizeof *s);
	if (!s)
		return strata__error_nomem();
	const char *tail = NULL;
	int rc = sqlite3_prepare_v3(c->db, sql, -1, cacheable ? SQLITE_PREPARE_PERSISTENT : 0, &s->st, &tail);
	if (rc != SQLITE_OK) {
		sq_error(c, rc);
		free(s);
		return strata_error_last()->status;
	}
	if (!s->st) {
		free(s);
		return strata__error_set(STRATA_EINVAL, "empty SQL statement");
	}
	if (tail && !only_trivia(tail)) {
		sqlite3_finalize(s->st);
		free(s);
		return strata__error_set(
			STRATA_EINVAL, "more than one statement in a prepared statement (use strata_exec for scripts)");
	}
	s->conn = c;
	*out = s;
	return STRATA_OK;
}

static void sq_finalize(void *stmt)
{
	sq_stmt *s = stmt;
	if (!s)
		return;
	sqlite3_finalize(s->st);
	free(s);
}

static int sq_bind_count(void *stmt)
{
	return sqlite3_bind_parameter_count(((sq_stmt *)stmt)->st);
}

static int sq_bind(void *stmt, int i, const strata_value *v)
{
	sq_stmt *s = stmt;
	int rc;
	char buf[STRATA_TIMESTAMP_BUFSZ];
	switch (v->type) {
	case STRATA_TYPE_NULL: rc = sqlite3_bind_null(s->st, i); break;
	case STRATA_TYPE_INT: rc = sqlite3_bind_int64(s->st, i, v->v.i); break;
	case STRATA_TYPE_DOUBLE: rc = sqlite3_bind_double(s->st, i, v->v.d); break;
	case STRATA_TYPE_BOOL: rc = sqlite3_bind_int(s->st, i, v->v.b ? 1 : 0); break;
	case STRATA_TYPE_TEXT:
	case STRATA_TYPE_JSON:
		rc = sqlite3_bind_text64(s->st, i, v->v.blob.p, v->v.blob.len, SQLITE_TRANSIENT, SQLITE_UTF8);
		break;
	case STRATA_TYPE_BLOB:
		rc = sqlite3_bind_blob64(s->st, i, v->v.blob.p ? v->v.blob.p : "", v->v.blob.len, SQLITE_TRANSIENT);
		break;
	case STRATA_TYPE_TIMESTAMP:
		strata_timestamp_format(v->v.ts, buf);
		rc = sqlite3_bind_text(s->st, i, buf, -1, SQLITE_TRANSIENT);
		break;
	case STRATA_TYPE_UUID:
		strata_uuid_format(v->v.uuid, buf);
		rc = sqlite3_bind_text(s->st, i, buf, STRATA_UUID_STRLEN, SQLITE_TRANSIENT);
		break;
	default: return strata__error_set(STRATA_EINVAL, "unknown value type %d", (int)v->type);
	}
	return rc == SQLITE_OK ? STRATA_OK : sq_error(s->conn, rc);
}

static int sq_clear_bindings(void *stmt)
{
	sqlite3_clear_bindings(((sq_stmt *)stmt)->st);
	return STRATA_OK;
}

static int sq_step(void *stmt, int64_t deadline)
{
	sq_stmt *s = stmt;
	if (!s->started) {
		s->started = true;
		set_deadline(s->conn, deadline);
	}
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return STRATA_ROW;
	if (rc == SQLITE_DONE) {
		set_deadline(s->conn, 0);
		s->done = true;
		return STRATA_DONE;
	}
	/* sqlite3_step's own code; the connection's holds the extended one */
	rc = sq_error(s->conn, rc);
	set_deadline(s->conn, 0);
	return rc;
}

static void sq_reset(void *stmt)
{
	sq_stmt *s = stmt;
	if (s->started)
		set_deadline(s->conn, 0);
	sqlite3_reset(s->st);
	s->started = s->done = false;
}

static int sq_column_count(void *stmt)
{
	return sqlite3_column_count(((sq_stmt *)stmt)->st);
}

static const char *sq_column_name(void *stmt, int col)
{
	return sqlite3_column_name(((sq_stmt *)stmt)->st, col);
}

static strata_type sq_column_type(void *stmt, int col)
{
	switch (sqlite3_value_type(sqlite3_column_value(((sq_stmt *)stmt)->st, col))) {
	case SQLITE_INTEGER: return STRATA_TYPE_INT;
	case SQLITE_FLOAT: return STRATA_TYPE_DOUBLE;
	case SQLITE_TEXT: return STRATA_TYPE_TEXT;
	case SQLITE_BLOB: return STRATA_TYPE_BLOB;
	default: return STRATA_TYPE_NULL;
	}
}

/*
 * One API call per cell: sqlite3_column_value(), then the value's type and
 * content through sqlite3_value_*(), which skip the per-call bookkeeping of
 * the sqlite3_column_*() family.  The value is "unprotected"; reading it is
 * safe because a connection is used by one thread at a time (NOMUTEX).
 */
static int sq_column(void *stmt, int col, strata_type want, strata__cell *out)
{
	sqlite3_value *v = sqlite3_column_value(((sq_stmt *)stmt)->st, col);
	int t = sqlite3_value_type(v);
	switch (want) {
	case STRATA_TYPE_INT:
		if (t != SQLITE_INTEGER)
			return STRATA_ETYPE;
		out->i = sqlite3_value_int64(v);
		return STRATA_OK;
	case STRATA_TYPE_DOUBLE:
		if (t != SQLITE_INTEGER && t != SQLITE_FLOAT)
			return STRATA_ETYPE;
		out->d = sqlite3_value_double(v);
		return STRATA_OK;
	case STRATA_TYPE_BOOL:
		if (t != SQLITE_INTEGER)
			return STRATA_ETYPE;
		out->i = sqlite3_value_int64(v);
		if (out->i != 0 && out->i != 1)
			return STRATA_ETYPE;
		out->b = out->i == 1;
		return STRATA_OK;
	case STRATA_TYPE_TEXT:
	case STRATA_TYPE_JSON:
	case STRATA_TYPE_TIMESTAMP:
	case STRATA_TYPE_UUID:
		if (t == SQLITE_NULL || t == SQLITE_BLOB)
			return STRATA_ETYPE;
		if (want != STRATA_TYPE_TEXT && t != SQLITE_TEXT)
			return STRATA_ETYPE;
		out->p = (const char *)sqlite3_value_text(v);
		if (!out->p)
			return strata__error_nomem();
		out->len = (size_t)sqlite3_value_bytes(v);
		return STRATA_OK;
	case STRATA_TYPE_BLOB:
		if (t != SQLITE_BLOB)
			return STRATA_ETYPE;
		out->p = sqlite3_value_blob(v);
		out->len = (size_t)sqlite3_value_bytes(v);
		return STRATA_OK;
	default: return STRATA_ETYPE;
	}
}

static void *sq_native(void *conn)
{
	return ((sq_conn *)conn)->db;
}

const strata__driver strata__sqlite_driver = {
	.name = "sqlite",
	.backend = STRATA_BACKEND_SQLITE,
	.open = sq_open,
	.close = sq_close,
	.server_version = sq_server_version,
	.is_broken = sq_is_broken,
	.ping = sq_ping,
	.changes = sq_changes,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.bind_count = sq_bind_count,
	.bind = sq_bind,
	.clear_bindings = sq_clear_bindings,
	.step = sq_step,
	.reset = sq_reset,
	.column_count = sq_column_count,
	.column_name = sq_column_name,
	.column_type = sq_column_type,
	.column = sq_column,
	.native = sq_native,
	.set_actor = sq_set_actor,
	.copy_pages = strata__sqlite_copy_pages,
};
