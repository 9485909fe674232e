/*
 * The PostgreSQL backend, through libpq.
 *
 * Statements run with the extended protocol: a statement the caller keeps
 * (the cache) is prepared once under a name; in pgbouncer mode, and for
 * one-off statements, Parse/Bind/Execute go out together unnamed, which
 * works behind pgbouncer's transaction pooling.  Names carry a random part
 * of the connection's own, so behind a pooler nobody told us about a name
 * never meets another client's statement: the first named statement found
 * missing on the server (or already there) switches the connection to
 * unnamed statements, and the statement runs again unnamed when it could
 * not have run (outside a transaction block).  Values travel as text
 * (blobs in binary).  Every wait goes through poll() so a statement's
 * deadline can cancel it; the server then answers 57014 and the connection
 * stays usable.  Sessions run with TimeZone UTC and DateStyle ISO, both of
 * which pgbouncer tracks per client.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/number.h"
#include "core/redact.h"
#include "driver/driver.h"
#include "driver/postgres.h"

/* OIDs from pg_type.h (stable across versions). */
enum {
	OID_BOOL = 16,
	OID_BYTEA = 17,
	OID_NAME = 19,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_TEXT = 25,
	OID_OID = 26,
	OID_JSON = 114,
	OID_FLOAT4 = 700,
	OID_FLOAT8 = 701,
	OID_BPCHAR = 1042,
	OID_VARCHAR = 1043,
	OID_DATE = 1082,
	OID_TIMESTAMP = 1114,
	OID_TIMESTAMPTZ = 1184,
	OID_NUMERIC = 1700,
	OID_UUID = 2950,
	OID_JSONB = 3802
};

/* ---- errors ---- */

static int map_sqlstate(const char *st)
{
	if (!st || strlen(st) != 5)
		return STRATA_ESQL;
	if (strncmp(st, "23", 2) == 0)
		return STRATA_ECONSTRAINT;
	if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0)
		return STRATA_ECONFLICT;
	if (strcmp(st, "57014") == 0)
		return STRATA_ETIMEOUT;
	if (strcmp(st, "55P03") == 0)
		return STRATA_EBUSY;
	if (strncmp(st, "28", 2) == 0)
		return STRATA_EAUTH;
	if (strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 || strcmp(st, "57P02") == 0 ||
	    strcmp(st, "57P03") == 0)
		return STRATA_ECONNECT;
	if (strcmp(st, "53200") == 0)
		return STRATA_ENOMEM;
	if (strcmp(st, "58030") == 0)
		return STRATA_EIO;
	return STRATA_ESQL;
}

static int conn_error(pg_conn *c, const char *what)
{
	c->broken = true;
	return strata__error_set_db(STRATA_ECONNECT, 0, "08006", NULL, "%s: %s", what,
				    c->pg ? PQerrorMessage(c->pg) : "no connection");
}

/* Set the error from a failed result (which may be NULL). */
static int result_error(pg_conn *c, const PGresult *r)
{
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		c->broken = true;
		const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg);
		return strata__error_set_db(STRATA_ECONNECT, 0, "08006", NULL, "connection to the server was lost: %s",
					    m && *m ? m : "no detail");
	}
	if (!r)
		return strata__error_set_db(STRATA_ESQL, 0, NULL, NULL, "%s", PQerrorMessage(c->pg));
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	const char *cons = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
	int status = map_sqlstate(st);
	if (status == STRATA_ECONNECT)
		c->broken = true;
	if (!primary)
		primary = PQresultErrorMessage(r);
	if (status == STRATA_ETIMEOUT)
		return strata__error_set_db(status, 0, st, cons, "statement timed out (%s)", primary);
	/* the server's detail and hint say why and what to do (psql shows them too) */
	const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
	return strata__error_set_db(status, 0, st, cons, "%s%s%s%s%s%s%s%s", primary, pos ? " (at character " : "",
				    pos ? pos : "", pos ? ")" : "", detail ? "; detail: " : "", detail ? detail : "",
				    hint ? "; hint: " : "", hint ? hint : "");
}

/* ---- a transaction-mode pooler nobody told us about ---- */

/*
 * Is failed result `r` of named statement `name` the sign of a
 * transaction-mode pooler: the server connection this statement reached
 * does not have it (26000), already has one of that name (42P05), or has
 * another client's under it (08P01: a Bind with the wrong number of
 * parameters)?  The message must name our statement, so an EXECUTE in the
 * caller's own SQL is never taken for one.
 */
static bool pooler_sign(const pg_conn *c, const PGresult *r, const char *name)
{
	if (!r || !name[0] || PQstatus(c->pg) == CONNECTION_BAD)
		return false;
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	if (!st || !m || (strcmp(st, "26000") != 0 && strcmp(st, "42P05") != 0 && strcmp(st, "08P01") != 0))
		return false;
	char quoted[64];
	snprintf(quoted, sizeof quoted, "\"%s\"", name);
	return strstr(m, quoted) != NULL;
}

/* Send every statement unnamed from now on; tell the db layer when a pooler was found. */
static void go_unnamed(pg_conn *c, bool found)
{
	if (c->pgbouncer)
		return;
	c->pgbouncer = true;
	if (found && c->on_pooler)
		c->on_pooler(c->on_pooler_ud);
}

/*
 * Named statement `s` failed with `r`, a pooler's sign.  The connection
 * goes unnamed.  Outside a transaction block the statement failed on its
 * own before it ran, so the caller sends it again unnamed (STRATA_OK);
 * inside one the transaction is aborted: the error says to run it again.
 */
static int pooler_failure(pg_conn *c, pg_stmt *s, const PGresult *r)
{
	go_unnamed(c, true);
	s->name[0] = '\0';
	if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return STRATA_OK;
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	return strata__error_set_db(STRATA_ESQL, 0, st, NULL,
				    "%s: the server is behind a transaction-mode pooler (pgbouncer) and this "
				    "transaction was aborted; the connection now sends unnamed statements, so run the "
				    "transaction again (strata_transact does), and add ?pgbouncer=true to the URL",
				    m);
}

/* ---- waiting ---- */

static int cancel_running(pg_conn *c)
{
	PGcancel *cn = PQgetCancel(c->pg);
	char err[256];
	if (!cn)
		return STRATA_ERROR;
	int ok = PQcancel(cn, err, sizeof err);
	PQfreeCancel(cn);
	return ok ? STRATA_OK : STRATA_ERROR;
}

/* Wait until a result is ready without blocking past `deadline`; on expiry
 * ask the server to cancel and wait for its answer (the 57014 error). */
static int wait_ready(pg_conn *c, int64_t deadline)
{
	bool cancelled = false;
	while (PQisBusy(c->pg)) {
		int timeout = -1;
		if (deadline && !cancelled) {
			int64_t left = deadline - strata__monotonic_us();
			if (left <= 0) {
				cancel_running(c);
				cancelled = true;
				timeout = -1;
			} else {
				timeout = (int)((left + 999) / 1000);
			}
		}
		struct pollfd pfd = { PQsocket(c->pg), POLLIN, 0 };
		if (pfd.fd < 0)
			return conn_error(c, "connection lost");
		int n = poll(&pfd, 1, timeout);
		if (n < 0 && errno != EINTR)
			return conn_error(c, "poll failed");
		if (n > 0 && !PQconsumeInput(c->pg))
			return result_error(c, NULL);
	}
	return STRATA_OK;
}

/*
 * Collect every result of what was sent.  *out gets the first failed
 * result, else the last one (the caller clears it).  Returns STRATA_OK when
 * the results could be read; the caller checks *out's status.
 */
static int collect(pg_conn *c, int64_t deadline, PGresult **out)
{
	*out = NULL;
	PGresult *keep = NULL;
	for (;;) {
		if (deadline && wait_ready(c, deadline) != STRATA_OK) {
			PQclear(keep);
			return strata_error_last()->status;
		}
		PGresult *r = PQgetResult(c->pg);
		if (!r)
			break;
		ExecStatusType s = PQresultStatus(r);
		bool failed = s == PGRES_FATAL_ERROR || s == PGRES_BAD_RESPONSE || s == PGRES_NONFATAL_ERROR;
		bool keep_failed = keep && (PQresultStatus(keep) == PGRES_FATAL_ERROR ||
					    PQresultStatus(keep) == PGRES_BAD_RESPONSE);
		if (keep_failed && !failed) {
			PQclear(r);
		} else {
			PQclear(keep);
			keep = r;
		}
		if (PQstatus(c->pg) == CONNECTION_BAD)
			break;
	}
	if (!keep && PQstatus(c->pg) == CONNECTION_BAD)
		return result_error(c, NULL);
	*out = keep;
	return STRATA_OK;
}

static bool result_ok(const PGresult *r)
{
	ExecStatusType s = PQresultStatus(r);
	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY;
}

static int64_t cmd_tuples(const PGresult *r)
{
	const char *t = PQcmdTuples((PGresult *)r);
	return t && *t ? strtoll(t, NULL, 10) : 0;
}

/* ---- connections ---- */

static void quiet_notices(void *arg, const char *message)
{
	/* the library never prints; server notices are dropped */
	(void)arg;
	(void)message;
}

static int pg_open(void **out, const strata__url *url, const strata__conn_config *cfg)
{
	*out = NULL;
	int rc = strata__pq_load();
	if (rc != STRATA_OK)
		return rc;
	pg_conn *c = calloc(1, sizeof *c);
	if (!c)
		return strata__error_nomem();
	c->pgbouncer = cfg->pgbouncer;
	c->on_pooler = cfg->on_pooler;
	c->on_pooler_ud = cfg->on_pooler_ud;
	uint32_t rnd = 0;
	if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd)
		rnd = (uint32_t)strata__monotonic_us() ^ (uint32_t)(uintptr_t)c;
	snprintf(c->name_prefix, sizeof c->name_prefix, "strata_%08x", (unsigned)rnd);
	strata__pg_params params;
	strata__pg_connect_params(&params, url, cfg);
	c->pg = PQconnectdbParams(params.keys, params.vals, 1);
	if (!c->pg) {
		free(c);
		return strata__error_nomem();
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		int status = strata__pg_connect_failed(c->pg, url->conninfo);
		PQfinish(c->pg);
		free(c);
		return status;
	}
	strata__pg_connected(c);
	/* one round trip: UTC and ISO dates so timestamps read back the same everywhere */
	PGresult *r = PQexec(c->pg, "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'");
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		result_error(c, r);
		PQclear(r);
		PQfinish(c->pg);
		free(c);
		return strata_error_last()->status;
	}
	PQclear(r);
	*out = c;
	return STRATA_OK;
}

int strata__postgres_prepare(void)
{
	return strata__pq_load();
}

static void pg_close(void *conn)
{
	pg_conn *c = conn;
	if (!c)
		return;
	strata__pg_async_free(c);
	PQfinish(c->pg);
	free(c);
}

static void pg_closing(void *conn)
{
	((pg_conn *)conn)->closing = true;
}

static const char *pg_server_version(void *conn)
{
	return ((pg_conn *)conn)->version;
}

static bool pg_is_broken(void *conn)
{
	pg_conn *c = conn;
	return c->broken || PQstatus(c->pg) == CONNECTION_BAD;
}

static int pg_exec(void *conn, const char *sql, int64_t deadline)
{
	pg_conn *c = conn;
	if (c->async)
		return strata__error_set(STRATA_EMISUSE, "the connection is non-blocking: it runs statements started "
							 "with strata_stmt_start() only");
	if (pg_is_broken(c))
		return conn_error(c, "connection is broken");
	if (!PQsendQuery(c->pg, sql))
		return result_error(c, NULL);
	PGresult *r;
	if (collect(c, deadline, &r) != STRATA_OK)
		return strata_error_last()->status;
	int rc = STRATA_OK;
	if (!r || !result_ok(r))
		rc = result_error(c, r);
	else
		c->changes = cmd_tuples(r);
	PQclear(r);
	return rc;
}

static int pg_ping(void *conn)
{
	return pg_exec(conn, "SELECT 1", strata__monotonic_us() + 10 * 1000000);
}

static int64_t pg_changes(void *conn)
{
	return ((pg_conn *)conn)->changes;
}

/* ---- statements ---- */

static void free_params(pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		if (s->params[i].value && s->params[i].value != s->params[i].inline_buf)
			free(s->params[i].value);
		s->params[i].value = NULL;
		s->values[i] = NULL;
		s->lengths[i] = 0;
		s->formats[i] = 0;
		s->oids[i] = 0;
	}
}

static void pg_finalize(void *stmt)
{
	pg_stmt *s = stmt;
	if (!s)
		return;
	strata__pg_async_detach(s);
	PQclear(s->res);
	PQfreemem(s->blob);
	/* behind a pooler the statement may live on another server connection: leave it */
	if (s->name[0] && !s->conn->pgbouncer && !s->conn->closing && !pg_is_broken(s->conn)) {
		/* DEALLOCATE is cheap and keeps the session clean for whoever comes next */
		char sql[80];
		snprintf(sql, sizeof sql, "DEALLOCATE \"%s\"", s->name);
		strata__error_saved saved;
		strata__error_save(&saved);
		if (pg_exec(s->conn, sql, 0) != STRATA_OK && strcmp(strata_error_last()->sqlstate, "26000") == 0)
			go_unnamed(s->conn, true); /* a pooler: this server connection never saw it */
		strata__error_restore(&saved);
	}
	if (s->params)
		free_params(s);
	free(s->params);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->oids);
	free(s->sql);
	free(s);
}

static int pg_prepare(void *conn, const char *sql, int nparams, bool cacheable, void **out)
{
	pg_conn *c = conn;
	*out = NULL;
	if (pg_is_broken(c))
		return conn_error(c, "connection is broken");
	pg_stmt *s = calloc(1, sizeof *s);
	if (!s)
		return strata__error_nomem();
	s->conn = c;
	s->nparams = nparams;
	s->sql = strata__strdup(sql);
	if (!s->sql)
		goto nomem;
	if (nparams > 0) {
		s->params = calloc((size_t)nparams, sizeof *s->params);
		s->values = calloc((size_t)nparams, sizeof *s->values);
		s->lengths = calloc((size_t)nparams, sizeof *s->lengths);
		s->formats = calloc((size_t)nparams, sizeof *s->formats);
		s->oids = calloc((size_t)nparams, sizeof *s->oids);
		if (!s->params || !s->values || !s->lengths || !s->formats || !s->oids)
			goto nomem;
	}
	/* non-blocking connections send everything unnamed (a prepare would be a round trip) */
	if (cacheable && !c->pgbouncer && !c->async) {
		snprintf(s->name, sizeof s->name, "%s_%lu", c->name_prefix, ++c->next_name);
		if (!PQsendPrepare(c->pg, s->name, sql, 0, NULL)) {
			result_error(c, NULL);
			s->name[0] = '\0';
			pg_finalize(s);
			return strata_error_last()->status;
		}
		PGresult *r;
		if (collect(c, 0, &r) != STRATA_OK || !r || !result_ok(r)) {
			int rc;
			if (r && pooler_sign(c, r, s->name))
				rc = pooler_failure(c, s, r); /* STRATA_OK: it goes on unnamed */
			else if (r)
				rc = result_error(c, r);
			else
				rc = strata_error_last()->status;
			PQclear(r);
			if (rc == STRATA_OK) {
				*out = s;
				return STRATA_OK;
			}
			s->name[0] = '\0';
			pg_finalize(s);
			return rc;
		}
		PQclear(r);
	}
	*out = s;
	return STRATA_OK;
nomem:
	s->name[0] = '\0';
	pg_finalize(s);
	return strata__error_nomem();
}

static int pg_bind_count(void *stmt)
{
	return ((pg_stmt *)stmt)->nparams;
}

static int set_param(pg_param *p, const char *data, size_t len, int format, unsigned int oid)
{
	if (p->value && p->value != p->inline_buf)
		free(p->value);
	p->value = NULL;
	if (len > 0x7fffffff)
		return strata__error_set(STRATA_EINVAL, "value too large for PostgreSQL (%zu bytes)", len);
	if (len < sizeof p->inline_buf) {
		p->value = p->inline_buf;
	} else {
		p->value = malloc(len + 1);
		if (!p->value)
			return strata__error_nomem();
	}
	if (len)
		memcpy(p->value, data, len);
	p->value[len] = '\0';
	p->len = (int)len;
	p->format = format;
	p->oid = oid;
	return STRATA_OK;
}

static int pg_bind(void *stmt, int i, const strata_value *v)
{
	pg_stmt *s = stmt;
	pg_param *p = &s->params[i - 1];
	char buf[STRATA_TIMESTAMP_BUFSZ];
	int rc;
	switch (v->type) {
	case STRATA_TYPE_NULL:
		if (p->value && p->value != p->inline_buf)
			free(p->value);
		p->value = NULL;
		p->len = 0;
		p->format = 0;
		p->oid = 0;
		rc = STRATA_OK;
		break;
	case STRATA_TYPE_INT:
		snprintf(buf, sizeof buf, "%lld", (long long)v->v.i);
		rc = set_param(p, buf, strlen(buf), 0, 0);
		break;
	case STRATA_TYPE_DOUBLE:
		strata__double_text(v->v.d, buf);
		rc = set_param(p, buf, strlen(buf), 0, 0);
		break;
	case STRATA_TYPE_BOOL: rc = set_param(p, v->v.b ? "t" : "f", 1, 0, 0); break;
	case STRATA_TYPE_TEXT:
	case STRATA_TYPE_JSON:
		if (memchr(v->v.blob.p, '\0', v->v.blob.len))
			return strata__error_set(STRATA_EINVAL,
						 "parameter %d: PostgreSQL text cannot contain NUL bytes", i);
		rc = set_param(p, v->v.blob.p, v->v.blob.len, 0, 0);
		break;
	case STRATA_TYPE_BLOB: rc = set_param(p, v->v.blob.p, v->v.blob.len, 1, OID_BYTEA); break;
	case STRATA_TYPE_TIMESTAMP:
		strata_timestamp_format(v->v.ts, buf);
		rc = set_param(p, buf, strlen(buf), 0, 0);
		break;
	case STRATA_TYPE_UUID:
		strata_uuid_format(v->v.uuid, buf);
		rc = set_param(p, buf, STRATA_UUID_STRLEN, 0, 0);
		break;
	default: return strata__error_set(STRATA_EINVAL, "unknown value type %d", (int)v->type);
	}
	if (rc == STRATA_OK) {
		s->values[i - 1] = p->value;
		s->lengths[i - 1] = p->len;
		s->formats[i - 1] = p->format;
		s->oids[i - 1] = p->oid;
	}
	return rc;
}

static int pg_clear_bindings(void *stmt)
{
	free_params(stmt);
	return STRATA_OK;
}

static int pg_step(void *stmt, int64_t deadline)
{
	pg_stmt *s = stmt;
	pg_conn *c = s->conn;
	if (s->started) {
		if (s->failed) /* a non-blocking statement's failure, said again */
			return s->res ? result_error(c, s->res) : conn_error(c, "the connection broke");
		if (++s->row < s->nrows)
			return STRATA_ROW;
		return STRATA_DONE;
	}
	if (c->async)
		return strata__error_set(STRATA_EMISUSE, "the connection is non-blocking: start statements with "
							 "strata_stmt_start()");
	if (pg_is_broken(c))
		return conn_error(c, "connection is broken");
	s->started = true;
	if (s->name[0] && c->pgbouncer)
		s->name[0] = '\0'; /* prepared before the connection went unnamed */
	PGresult *r;
	for (;;) {
		int sent;
		if (s->name[0])
			sent = PQsendQueryPrepared(c->pg, s->name, s->nparams, s->values, s->lengths, s->formats, 0);
		else
			sent = PQsendQueryParams(c->pg, s->sql, s->nparams, s->oids, s->values, s->lengths, s->formats,
						 0);
		if (!sent)
			return result_error(c, NULL);
		if (collect(c, deadline, &r) != STRATA_OK)
			return strata_error_last()->status;
		if (r && !result_ok(r) && pooler_sign(c, r, s->name)) {
			int rc = pooler_failure(c, s, r);
			PQclear(r);
			if (rc == STRATA_OK)
				continue; /* it never ran: once more, unnamed */
			s->nrows = 0;
			return rc;
		}
		break;
	}
	if (!r || !result_ok(r)) {
		int rc = result_error(c, r);
		PQclear(r);
		s->nrows = 0;
		return rc;
	}
	s->res = r;
	s->row = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		s->nrows = PQntuples(r);
		c->changes = cmd_tuples(r);
		return s->nrows > 0 ? STRATA_ROW : STRATA_DONE;
	}
	s->nrows = 0;
	c->changes = cmd_tuples(r);
	return STRATA_DONE;
}

static void pg_reset(void *stmt)
{
	pg_stmt *s = stmt;
	strata__pg_async_detach(s);
	s->failed = false;
	PQclear(s->res);
	s->res = NULL;
	PQfreemem(s->blob);
	s->blob = NULL;
	s->started = false;
	s->row = s->nrows = 0;
}

static int pg_column_count(void *stmt)
{
	pg_stmt *s = stmt;
	return s->res ? PQnfields(s->res) : 0;
}

static const char *pg_column_name(void *stmt, int col)
{
	pg_stmt *s = stmt;
	return s->res ? PQfname(s->res, col) : NULL;
}

static strata_type oid_type(unsigned int oid)
{
	switch (oid) {
	case OID_BOOL: return STRATA_TYPE_BOOL;
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID: return STRATA_TYPE_INT;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC: return STRATA_TYPE_DOUBLE;
	case OID_BYTEA: return STRATA_TYPE_BLOB;
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ: return STRATA_TYPE_TIMESTAMP;
	case OID_UUID: return STRATA_TYPE_UUID;
	case OID_JSON:
	case OID_JSONB: return STRATA_TYPE_JSON;
	default: return STRATA_TYPE_TEXT;
	}
}

static strata_type pg_column_type(void *stmt, int col)
{
	pg_stmt *s = stmt;
	if (PQgetisnull(s->res, s->row, col))
		return STRATA_TYPE_NULL;
	return oid_type(PQftype(s->res, col));
}

static int pg_column(void *stmt, int col, strata_type want, strata__cell *out)
{
	pg_stmt *s = stmt;
	if (PQgetisnull(s->res, s->row, col))
		return STRATA_ETYPE;
	strata_type have = oid_type(PQftype(s->res, col));
	const char *v = PQgetvalue(s->res, s->row, col);
	size_t len = (size_t)PQgetlength(s->res, s->row, col);
	char *end;
	switch (want) {
	case STRATA_TYPE_INT:
		if (have != STRATA_TYPE_INT)
			return STRATA_ETYPE;
		errno = 0;
		out->i = strtoll(v, &end, 10);
		return errno || *end ? STRATA_ETYPE : STRATA_OK;
	case STRATA_TYPE_DOUBLE:
		if (have != STRATA_TYPE_INT && have != STRATA_TYPE_DOUBLE)
			return STRATA_ETYPE;
		out->d = strtod(v, &end);
		return *end ? STRATA_ETYPE : STRATA_OK;
	case STRATA_TYPE_BOOL:
		if (have != STRATA_TYPE_BOOL)
			return STRATA_ETYPE;
		out->b = v[0] == 't';
		return STRATA_OK;
	case STRATA_TYPE_TEXT:
		if (have == STRATA_TYPE_BLOB)
			return STRATA_ETYPE;
		out->p = v;
		out->len = len;
		return STRATA_OK;
	case STRATA_TYPE_JSON:
	case STRATA_TYPE_TIMESTAMP:
	case STRATA_TYPE_UUID:
		if (have != want && have != STRATA_TYPE_TEXT)
			return STRATA_ETYPE;
		out->p = v;
		out->len = len;
		return STRATA_OK;
	case STRATA_TYPE_BLOB: {
		if (have != STRATA_TYPE_BLOB)
			return STRATA_ETYPE;
		size_t n;
		PQfreemem(s->blob);
		s->blob = PQunescapeBytea((const unsigned char *)v, &n);
		if (!s->blob)
			return strata__error_nomem();
		out->p = (const char *)s->blob;
		out->len = n;
		return STRATA_OK;
	}
	default: return STRATA_ETYPE;
	}
}

/* ---- batches: one round trip (pipeline mode) ---- */

/* Read the PGRES_PIPELINE_SYNC that ends a pipeline. */
static int read_sync(pg_conn *c, int64_t deadline)
{
	for (;;) {
		if (deadline && wait_ready(c, deadline) != STRATA_OK)
			return strata_error_last()->status;
		PGresult *r = PQgetResult(c->pg);
		if (!r)
			return PQstatus(c->pg) == CONNECTION_BAD ? result_error(c, NULL) : STRATA_OK;
		bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
		if (sync)
			return STRATA_OK;
	}
}

static int pg_exec_batch(void *conn, const strata__batch_item *items, size_t n, int64_t deadline, size_t *failed)
{
	pg_conn *c = conn;
	pg_stmt **st = NULL;
	size_t sent = 0;
	int rc = STRATA_OK;

	*failed = 0;
	if (pg_is_broken(c))
		return conn_error(c, "connection is broken");
	st = calloc(n ? n : 1, sizeof *st);
	if (!st)
		return strata__error_nomem();
	for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
		*failed = i;
		rc = pg_prepare(c, items[i].sql, items[i].nvals, false, (void **)&st[i]);
		for (int j = 0; rc == STRATA_OK && j < items[i].nvals; j++)
			rc = pg_bind(st[i], j + 1, &items[i].vals[j]);
	}
	if (rc != STRATA_OK)
		goto out;
	if (!PQenterPipelineMode(c->pg)) {
		*failed = 0;
		rc = result_error(c, NULL);
		goto out;
	}
	for (; sent < n; sent++) {
		pg_stmt *s = st[sent];
		if (!PQsendQueryParams(c->pg, s->sql, s->nparams, s->oids, s->values, s->lengths, s->formats, 0))
			break;
	}
	if (sent < n || !PQpipelineSync(c->pg)) {
		/* only a lost connection or no memory gets here: the connection cannot be trusted */
		*failed = sent;
		rc = conn_error(c, "sending a batch failed");
		goto out;
	}
	/* each statement's results end with NULL; a failure aborts the rest (PGRES_PIPELINE_ABORTED) */
	bool have_error = false;
	for (size_t i = 0; i < sent; i++) {
		PGresult *r;
		if (collect(c, deadline, &r) != STRATA_OK) {
			c->broken = true; /* still in pipeline mode */
			if (!have_error) {
				*failed = i;
				rc = strata_error_last()->status;
			}
			goto out;
		}
		if (!have_error && (!r || !result_ok(r))) {
			have_error = true;
			*failed = i;
			rc = result_error(c, r);
		} else if (!have_error) {
			c->changes = cmd_tuples(r);
		}
		PQclear(r);
		if (pg_is_broken(c))
			goto out;
	}
	if (!have_error)
		*failed = n;
	if (have_error) {
		strata__error_saved saved;
		strata__error_save(&saved);
		if (read_sync(c, deadline) != STRATA_OK || !PQexitPipelineMode(c->pg))
			c->broken = true;
		strata__error_restore(&saved);
	} else {
		rc = read_sync(c, deadline);
		if (rc == STRATA_OK && !PQexitPipelineMode(c->pg))
			rc = conn_error(c, "leaving pipeline mode failed");
	}
out:
	for (size_t i = 0; i < n; i++)
		pg_finalize(st[i]);
	free(st);
	return rc;
}

/* ---- COPY FROM STDIN ---- */

static int pg_copy_begin(void *conn, const char *sql, int64_t deadline)
{
	pg_conn *c = conn;
	if (pg_is_broken(c))
		return conn_error(c, "connection is broken");
	if (!PQsendQuery(c->pg, sql))
		return result_error(c, NULL);
	if (deadline && wait_ready(c, deadline) != STRATA_OK)
		return strata_error_last()->status;
	PGresult *r = PQgetResult(c->pg);
	if (r && PQresultStatus(r) == PGRES_COPY_IN) {
		PQclear(r);
		return STRATA_OK;
	}
	int rc = result_error(c, r);
	PQclear(r);
	/* drain what follows the failure, so the connection is ready again */
	while ((r = PQgetResult(c->pg)) != NULL)
		PQclear(r);
	return rc;
}

static int pg_copy_data(void *conn, const void *data, size_t len)
{
	pg_conn *c = conn;
	if (len > 0x7fffffff)
		return strata__error_set(STRATA_EINVAL, "copy data chunk too large (%zu bytes)", len);
	if (PQputCopyData(c->pg, data, (int)len) != 1)
		return conn_error(c, "sending COPY data failed");
	return STRATA_OK;
}

static int pg_copy_end(void *conn, const char *fail, int64_t deadline, int64_t *rows)
{
	pg_conn *c = conn;
	*rows = 0;
	if (PQputCopyEnd(c->pg, fail) != 1)
		return conn_error(c, "ending COPY failed");
	PGresult *r;
	if (collect(c, deadline, &r) != STRATA_OK)
		return strata_error_last()->status;
	int rc = STRATA_OK;
	if (!r || !result_ok(r))
		rc = result_error(c, r);
	else
		*rows = c->changes = cmd_tuples(r);
	PQclear(r);
	return rc;
}

static void pg_use_unnamed(void *conn)
{
	go_unnamed(conn, false);
}

static void *pg_native(void *conn)
{
	return ((pg_conn *)conn)->pg;
}

const strata__driver strata__postgres_driver = {
	.name = "postgres",
	.backend = STRATA_BACKEND_POSTGRES,
	.open = pg_open,
	.close = pg_close,
	.server_version = pg_server_version,
	.is_broken = pg_is_broken,
	.ping = pg_ping,
	.changes = pg_changes,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.closing = pg_closing,
	.bind_count = pg_bind_count,
	.bind = pg_bind,
	.clear_bindings = pg_clear_bindings,
	.step = pg_step,
	.reset = pg_reset,
	.column_count = pg_column_count,
	.column_name = pg_column_name,
	.column_type = pg_column_type,
	.column = pg_column,
	.exec_batch = pg_exec_batch,
	.copy_begin = pg_copy_begin,
	.copy_data = pg_copy_data,
	.copy_end = pg_copy_end,
	.use_unnamed = pg_use_unnamed,
	.native = pg_native,
	.run_tool = strata__pg_run_tool,
	.open_async = strata__pg_open_async,
	.send = strata__pg_send,
	.want = strata__pg_want,
	.process = strata__pg_process,
	.abandon = strata__pg_abandon,
	.connecting = strata__pg_connecting,
};

/* ---- shared with the non-blocking side (driver/pg_async.c) ---- */

int strata__pg_result_error(pg_conn *c, const PGresult *r)
{
	return result_error(c, r);
}

int strata__pg_conn_error(pg_conn *c, const char *what)
{
	return conn_error(c, what);
}

bool strata__pg_result_ok(const PGresult *r)
{
	return result_ok(r);
}

int64_t strata__pg_cmd_tuples(const PGresult *r)
{
	return cmd_tuples(r);
}

void strata__pg_connect_params(strata__pg_params *p, const strata__url *url, const strata__conn_config *cfg)
{
	snprintf(p->timeout, sizeof p->timeout, "%d", cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s : 10);
	/* later keywords win over the URL's, so the URL's connect_timeout must come last */
	p->keys[0] = "connect_timeout";
	p->keys[1] = "fallback_application_name";
	p->keys[2] = "dbname";
	p->keys[3] = NULL;
	p->vals[0] = p->timeout;
	p->vals[1] = "strata";
	p->vals[2] = url->conninfo;
	p->vals[3] = NULL;
}

int strata__pg_connect_failed(PGconn *pg, const char *conninfo)
{
	const char *m = PQerrorMessage(pg);
	int status = STRATA_ECONNECT;
	if (strstr(m, "password authentication failed") || strstr(m, "no password supplied") ||
	    strstr(m, "authentication failed"))
		status = STRATA_EAUTH;
	else if (strstr(m, "invalid") && strstr(m, "URI"))
		status = STRATA_EINVAL;
	else if (strstr(m, "invalid connection option") || strstr(m, "invalid sslmode") || strstr(m, "invalid port") ||
		 strstr(m, "invalid integer value"))
		status = STRATA_EINVAL;
	/* libpq may quote the URL, or a piece of it without its key */
	char msg[1024];
	snprintf(msg, sizeof msg, "%s", m);
	if (conninfo)
		strata__redact_values(msg, sizeof msg, conninfo);
	return strata__error_set_db(status, 0, status == STRATA_EAUTH ? "28P01" : "08001", NULL,
				    "cannot connect to PostgreSQL: %s", msg);
}

void strata__pg_connected(pg_conn *c)
{
	PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
	const char *sv = PQparameterStatus(c->pg, "server_version");
	snprintf(c->version, sizeof c->version, "%s", sv ? sv : "unknown");
	char *sp = strchr(c->version, ' ');
	if (sp)
		*sp = '\0';
}
