/*
 * The ledger (`strata_migrations`) and the lock that keeps two runners
 * apart.
 *
 * PostgreSQL: a session advisory lock (pg_try_advisory_lock, polled until
 * the wait runs out); the holder is named by its application_name, which
 * the runner sets to "strata migrate (pid N on HOST)" while it holds the
 * lock.  The lock goes away with the session, so a killed runner never
 * leaves it behind.
 *
 * SQLite: a row in `strata_migrations_lock` with the holder's pid and host.
 * A row whose holder is on this host and no longer alive is stale (the
 * runner was killed) and is taken over.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "db/batch.h"
#include "db/internal.h"
#include "migrate/internal.h"

/* "strataMG": the advisory lock key, in the low 32 bits so pg_locks shows it as objid. */
#define LOCK_KEY 0x4d475354LL

const char strata__ledger_insert_sql[] =
	"INSERT INTO strata_migrations (version, name, checksum, applied_at, duration_ms, applied_by, state, note) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
/* PostgreSQL, sent before the migration runs (one round trip): the server times it from BEGIN */
const char strata__ledger_insert_timed_pg_sql[] =
	"INSERT INTO strata_migrations (version, name, checksum, applied_at, duration_ms, applied_by, state, note) "
	"VALUES (?, ?, ?, clock_timestamp(), (extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint, ?, "
	"'applied', NULL)";
const char strata__ledger_delete_sql[] = "DELETE FROM strata_migrations WHERE version = ?";

static const char ledger_sqlite[] = "CREATE TABLE IF NOT EXISTS strata_migrations ("
				    "version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, "
				    "applied_at TEXT NOT NULL, duration_ms INTEGER NOT NULL, applied_by TEXT NOT NULL, "
				    "state TEXT NOT NULL DEFAULT 'applied', note TEXT)";
static const char ledger_pg[] =
	"CREATE TABLE IF NOT EXISTS strata_migrations ("
	"version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, "
	"applied_at timestamptz NOT NULL, duration_ms bigint NOT NULL, applied_by text NOT NULL, "
	"state text NOT NULL DEFAULT 'applied', note text)";

/*
 * On PostgreSQL, the table an unqualified name reads (to_regclass follows
 * the search path as the query will): a fresh session pays about 0.5 ms
 * for it, where the pg_tables view cost 2 to 3 ms to plan the first time.
 */
bool strata__table_exists(strata_db *db, const char *table, int *rc)
{
	int64_t n = 0;
	const char *sql = strata_db_backend(db) == STRATA_BACKEND_SQLITE
				  ? "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?"
				  : "SELECT count(*) FROM pg_catalog.pg_class WHERE oid = "
				    "pg_catalog.to_regclass(pg_catalog.quote_ident(?)) AND relkind IN ('r', 'p')";
	*rc = strata_query_int64(db, &n, sql, (const strata_value[]){ STRATA_TEXT(table) }, 1);
	return *rc == STRATA_OK && n > 0;
}

int strata__ledger_ensure(strata_migrator *m)
{
	return strata_exec(m->db, m->backend == STRATA_BACKEND_SQLITE ? ledger_sqlite : ledger_pg);
}

void strata__ledger_clear(strata_migrator *m)
{
	for (size_t i = 0; i < m->nrows; i++) {
		free(m->rows[i].version); /* the row's one block: its other strings live in it too */
	}
	free(m->rows);
	m->rows = NULL;
	m->nrows = 0;
}

/* A column's text, "" for NULL (or a value that is not text). */
static const char *col_text(strata_stmt *st, int col, size_t *len)
{
	const char *s = "";
	*len = 0;
	if (!strata_column_is_null(st, col) && strata_column_text(st, col, &s, len) != STRATA_OK) {
		s = "";
		*len = 0;
	}
	return s;
}

/*
 * The row's six strings, copied into one block (r->version points at it):
 * one allocation a row instead of six, which over a ledger of thousands is
 * fewer pages touched as well as fewer calls.
 */
static int copy_strings(strata_stmt *st, strata__ledger_row *r)
{
	static const int cols[] = { 0, 1, 2, 5, 6, 7 };
	char **dst[] = { &r->version, &r->name, &r->checksum, &r->applied_by, &r->state, &r->note };
	const char *src[6];
	size_t len[6], total = 0;
	for (size_t i = 0; i < 6; i++) {
		src[i] = col_text(st, cols[i], &len[i]);
		total += len[i] + 1;
	}
	char *block = malloc(total);
	if (!block)
		return strata__error_nomem();
	char *p = block;
	for (size_t i = 0; i < 6; i++) {
		memcpy(p, src[i], len[i]);
		p[len[i]] = '\0';
		*dst[i] = p;
		p += len[i] + 1;
	}
	return STRATA_OK;
}

int strata__ledger_read(strata_migrator *m)
{
	strata_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	strata__ledger_clear(m);
	bool exists = strata__table_exists(m->db, "strata_migrations", &rc);
	if (rc != STRATA_OK || !exists)
		return rc;
	rc = strata_prepare(&st, m->db,
			    "SELECT version, name, checksum, applied_at, duration_ms, applied_by, state, note "
			    "FROM strata_migrations");
	if (rc != STRATA_OK)
		return rc;
	while ((rc = strata_step(st)) == STRATA_ROW) {
		if (m->nrows == cap) {
			size_t nc = cap ? cap * 2 : 64;
			strata__ledger_row *nr = realloc(m->rows, nc * sizeof *nr);
			if (!nr) {
				rc = strata__error_nomem();
				goto done;
			}
			m->rows = nr;
			cap = nc;
		}
		strata__ledger_row *r = &m->rows[m->nrows];
		memset(r, 0, sizeof *r);
		m->nrows++;
		if ((rc = copy_strings(st, r)) != STRATA_OK)
			goto done;
		if (strata_column_timestamp(st, 3, &r->applied_at) != STRATA_OK)
			r->applied_at = 0;
		if (strata_column_int64(st, 4, &r->duration_ms) != STRATA_OK)
			r->duration_ms = 0;
	}
	if (rc == STRATA_DONE)
		rc = STRATA_OK;
done:
	strata_finalize(st);
	return rc;
}

int strata__ledger_insert(strata_migrator *m, const char *version, const char *name, const char *checksum,
			  strata_timestamp at, int64_t ms, const char *by, const char *state, const char *note)
{
	const strata_value vals[] = {
		STRATA_TEXT(version), STRATA_TEXT(name), STRATA_TEXT(checksum), STRATA_TIMESTAMP(at),
		STRATA_INT(ms),	      STRATA_TEXT(by),	 STRATA_TEXT(state),	note ? STRATA_TEXT(note) : STRATA_NULL,
	};
	return strata_exec_values(m->db, strata__ledger_insert_sql, vals, 8, NULL);
}

/*
 * The row of `version` replaced by a new one in one transaction of its
 * own, so a process killed in between never leaves the version without a
 * row (a failed migration that looks never tried).
 */
int strata__ledger_replace(strata_migrator *m, const char *version, const char *name, const char *checksum,
			   const char *by, const char *state, const char *note)
{
	const strata_value ins[] = {
		STRATA_TEXT(version),  STRATA_TEXT(name),
		STRATA_TEXT(checksum), STRATA_TIMESTAMP(strata_timestamp_now()),
		STRATA_INT(0),	       STRATA_TEXT(by),
		STRATA_TEXT(state),    note ? STRATA_TEXT(note) : STRATA_NULL,
	};
	const strata_value del[] = { STRATA_TEXT(version) };
	const strata__db_batch_item items[] = {
		{ strata__ledger_delete_sql, del, 1 },
		{ strata__ledger_insert_sql, ins, 8 },
	};
	size_t failed = 0;
	return strata__db_exec_batch_tx(m->db, items, 2, &failed);
}

int strata__ledger_delete(strata_migrator *m, const char *version)
{
	return strata_exec_values(m->db, strata__ledger_delete_sql, (const strata_value[]){ STRATA_TEXT(version) }, 1,
				  NULL);
}

/* ---- the lock ---- */

static void nap_ms(int ms)
{
	uint32_t r = 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
		r = (uint32_t)getpid();
	/* +-50% jitter so waiting runners do not poll in step */
	int64_t us = (int64_t)ms * 500 + (int64_t)(r % (uint32_t)(ms * 1000 + 1));
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int timeout_ms(const strata_migrator *m)
{
	int t = m->opts.lock_timeout_ms;
	return t == 0 ? 60000 : t < 0 ? 0 : t;
}

/*
 * The lock's holder, from pg_locks and the function under the
 * pg_stat_activity view (the view joins pg_database and pg_authid, which
 * cost a fresh session about 3 ms more to plan); this database is the one
 * this session's own backend is in.
 */
static int pg_holder(strata_migrator *m, char **who)
{
	return strata_query_text(
		m->db, who,
		"SELECT coalesce(nullif(a.application_name, ''), 'backend pid ' || a.pid) || "
		"coalesce(' from ' || host(a.client_addr), '') "
		"FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_get_activity(NULL) a ON a.pid = l.pid "
		"WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = ? "
		"AND l.database = (SELECT datid FROM pg_catalog.pg_stat_get_activity(pg_catalog.pg_backend_pid())) "
		"LIMIT 1",
		(const strata_value[]){ STRATA_INT(LOCK_KEY) }, 1);
}

static int lock_pg(strata_migrator *m)
{
	char app[400];
	int rc = strata_query_text(m->db, &m->saved_app_name, "SELECT current_setting('application_name')", NULL, 0);
	if (rc != STRATA_OK)
		return rc;
	snprintf(app, sizeof app, "strata migrate (pid %ld on %s)", (long)getpid(), m->host);
	int64_t deadline = now_ms() + timeout_ms(m);
	bool told = false;
	for (;;) {
		int64_t got = 0;
		rc = strata_query_int64(m->db, &got, "SELECT CASE WHEN pg_try_advisory_lock(?) THEN 1 ELSE 0 END",
					(const strata_value[]){ STRATA_INT(LOCK_KEY) }, 1);
		if (rc != STRATA_OK)
			return rc;
		if (got) {
			m->locked = true;
			char *ignored = NULL;
			rc = strata_query_text(m->db, &ignored, "SELECT set_config('application_name', ?, false)",
					       (const strata_value[]){ STRATA_TEXT(app) }, 1);
			free(ignored);
			return rc;
		}
		if (!told && timeout_ms(m) > 0) {
			char *who = NULL;
			if (pg_holder(m, &who) == STRATA_OK)
				strata__log(m->db->log, m->db->log_ud, STRATA_LOG_INFO,
					    "another migration is running (%s); waiting up to %d s for it", who,
					    timeout_ms(m) / 1000);
			free(who);
			told = true;
		}
		if (now_ms() >= deadline) {
			char *who = NULL;
			if (pg_holder(m, &who) != STRATA_OK) {
				free(who);
				who = NULL;
			}
			rc = strata__error_set(STRATA_EBUSY,
					       "another migration is running (%s); waited %d ms for it. "
					       "Try again when it has finished, or raise option `lock_timeout_ms`",
					       who ? who : "holder unknown", timeout_ms(m));
			free(who);
			return rc;
		}
		nap_ms(200);
	}
}

/*
 * SQLite lock rows this process holds, by their acquired_at (unique to the
 * microsecond and per database): two migrators in one process (two
 * threads, two connections) must wait for each other like two processes,
 * so a row with this process's pid is a live holder when it is in this
 * list, and a previous life of the pid otherwise.
 */
#define HELD_MAX 64
static pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;
static char held[HELD_MAX][STRATA_TIMESTAMP_BUFSZ];

static void held_set(const char *at, bool add)
{
	pthread_mutex_lock(&held_mu);
	for (int i = 0; i < HELD_MAX; i++)
		if (add ? held[i][0] == '\0' : strcmp(held[i], at) == 0) {
			if (add)
				snprintf(held[i], sizeof held[i], "%s", at);
			else
				held[i][0] = '\0';
			break;
		}
	pthread_mutex_unlock(&held_mu);
}

static bool held_here(const char *at)
{
	bool found = false;
	pthread_mutex_lock(&held_mu);
	for (int i = 0; i < HELD_MAX && !found; i++)
		found = held[i][0] && strcmp(held[i], at) == 0;
	pthread_mutex_unlock(&held_mu);
	return found;
}

/* SQLite: is the holder of a lock row gone (same host, no such process)? */
static bool holder_dead(const strata_migrator *m, int64_t pid, const char *host, const char *since)
{
	if (strcmp(host, m->host) != 0 || pid <= 0)
		return false;
	if (pid == (int64_t)getpid())
		return !held_here(since); /* a previous life of this pid, unless a migrator here holds it */
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static int lock_sqlite(strata_migrator *m)
{
	int rc = STRATA_OK;
	bool existed = strata__table_exists(m->db, "strata_migrations_lock", &rc);
	int64_t deadline = now_ms() + timeout_ms(m);
	bool told = false;
	/* a dry run leaves nothing behind: the table goes again at unlock when this runner made it */
	m->lock_table_made = rc == STRATA_OK && !existed;
	while (rc == STRATA_OK || rc == STRATA_EBUSY) {
		/* again each round: a dry run that made the table drops it when it is done */
		rc = strata_exec(m->db, "CREATE TABLE IF NOT EXISTS strata_migrations_lock ("
					"id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, "
					"host TEXT NOT NULL, acquired_at TEXT NOT NULL)");
		if (rc != STRATA_OK && rc != STRATA_EBUSY)
			break;
		char at[STRATA_TIMESTAMP_BUFSZ];
		strata_timestamp_format(strata_timestamp_now(), at);
		const strata_value vals[] = { STRATA_INT((int64_t)getpid()), STRATA_TEXT(m->host), STRATA_TEXT(at) };
		rc = strata_exec_values(
			m->db, "INSERT INTO strata_migrations_lock (id, pid, host, acquired_at) VALUES (1, ?, ?, ?)",
			vals, 3, NULL);
		if (rc == STRATA_OK) {
			m->locked = true;
			snprintf(m->lock_at, sizeof m->lock_at, "%s", at);
			held_set(at, true);
			return rc;
		}
		if (rc != STRATA_ECONSTRAINT && rc != STRATA_EBUSY)
			return rc;
		/* held: by whom? */
		strata_stmt *st = NULL;
		int64_t pid = 0;
		char host[256] = "", since[64] = "";
		bool have = false;
		int qrc = strata_prepare(&st, m->db,
					 "SELECT pid, host, acquired_at FROM strata_migrations_lock WHERE id = 1");
		if (qrc == STRATA_OK && strata_step(st) == STRATA_ROW) {
			const char *h = "", *s = "";
			strata_column_int64(st, 0, &pid);
			strata_column_text(st, 1, &h, NULL);
			strata_column_text(st, 2, &s, NULL);
			snprintf(host, sizeof host, "%s", h ? h : "");
			snprintf(since, sizeof since, "%s", s ? s : "");
			have = true;
		}
		strata_finalize(st);
		if (have && holder_dead(m, pid, host, since)) {
			/* the runner that held it was killed: take the lock over */
			rc = strata_exec_values(
				m->db, "DELETE FROM strata_migrations_lock WHERE id = 1 AND pid = ? AND host = ?",
				(const strata_value[]){ STRATA_INT(pid), STRATA_TEXT(host) }, 2, NULL);
			continue;
		}
		if (have && !told && timeout_ms(m) > 0) {
			strata__log(
				m->db->log, m->db->log_ud, STRATA_LOG_INFO,
				"another migration is running (pid %lld on %s, since %s); waiting up to %d s for it",
				(long long)pid, host, since, timeout_ms(m) / 1000);
			told = true;
		}
		if (now_ms() >= deadline) {
			if (have)
				return strata__error_set(
					STRATA_EBUSY,
					"another migration is running (pid %lld on %s, since %s); waited %d ms "
					"for it. Try again when it has finished, or raise option `lock_timeout_ms`",
					(long long)pid, host, since, timeout_ms(m));
			return strata__error_set(STRATA_EBUSY,
						 "another migration is running (the database is locked); waited %d ms",
						 timeout_ms(m));
		}
		nap_ms(100);
		rc = STRATA_OK;
	}
	return rc;
}

int strata__migrate_lock(strata_migrator *m)
{
	if (m->locked)
		return STRATA_OK;
	return m->backend == STRATA_BACKEND_POSTGRES ? lock_pg(m) : lock_sqlite(m);
}

void strata__migrate_unlock(strata_migrator *m)
{
	if (!m->locked)
		return;
	strata__error_saved saved;
	strata__error_save(&saved);
	if (m->backend == STRATA_BACKEND_POSTGRES) {
		int64_t ignored = 0;
		strata_query_int64(m->db, &ignored, "SELECT CASE WHEN pg_advisory_unlock(?) THEN 1 ELSE 0 END",
				   (const strata_value[]){ STRATA_INT(LOCK_KEY) }, 1);
		if (m->saved_app_name) {
			char *out = NULL;
			strata_query_text(m->db, &out, "SELECT set_config('application_name', ?, false)",
					  (const strata_value[]){ STRATA_TEXT(m->saved_app_name) }, 1);
			free(out);
		}
	} else {
		const strata_value who[] = { STRATA_INT((int64_t)getpid()), STRATA_TEXT(m->host),
					     STRATA_TEXT(m->lock_at) };
		const char *del =
			"DELETE FROM strata_migrations_lock WHERE id = 1 AND pid = ? AND host = ? AND acquired_at = ?";
		if (strata_exec_values(m->db, del, who, 3, NULL) != STRATA_OK) {
			/* a section left a transaction open: end it, so the release is not rolled back with it */
			strata_exec(m->db, "ROLLBACK");
			strata_exec_values(m->db, del, who, 3, NULL);
		}
		held_set(m->lock_at, false);
		if (m->opts.dry_run && m->lock_table_made && strata_begin(m->db, NULL) == STRATA_OK) {
			/* in one write transaction, so a runner that takes the lock meanwhile keeps its row */
			int64_t left = 1;
			if (strata_query_int64(m->db, &left, "SELECT count(*) FROM strata_migrations_lock", NULL, 0) ==
				    STRATA_OK &&
			    left == 0)
				strata_exec(m->db, "DROP TABLE strata_migrations_lock");
			if (strata_commit(m->db) != STRATA_OK)
				strata_rollback(m->db);
		}
	}
	free(m->saved_app_name);
	m->saved_app_name = NULL;
	m->locked = false;
	strata__error_restore(&saved);
}

int strata_migrate_lock_holder(strata_migrator *m, char **who)
{
	int rc;
	if (!m || !who)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_lock_holder: a NULL argument");
	*who = NULL;
	if (m->backend == STRATA_BACKEND_POSTGRES) {
		rc = pg_holder(m, who);
		return rc == STRATA_ENOTFOUND ? STRATA_OK : rc;
	}
	bool exists = strata__table_exists(m->db, "strata_migrations_lock", &rc);
	if (rc != STRATA_OK || !exists)
		return rc;
	strata_stmt *st = NULL;
	rc = strata_prepare(&st, m->db, "SELECT pid, host, acquired_at FROM strata_migrations_lock WHERE id = 1");
	if (rc != STRATA_OK)
		return rc;
	rc = strata_step(st);
	if (rc == STRATA_ROW) {
		int64_t pid = 0;
		const char *host = "", *since = "";
		strata_column_int64(st, 0, &pid);
		strata_column_text(st, 1, &host, NULL);
		strata_column_text(st, 2, &since, NULL);
		strata_buf b = STRATA_BUF_INIT;
		rc = strata__buf_printf(&b, "pid %lld on %s, since %s%s", (long long)pid, host ? host : "",
					since ? since : "",
					holder_dead(m, pid, host ? host : "", since ? since : "")
						? " (no longer running: the next runner takes over)"
						: "");
		if (rc == STRATA_OK) {
			*who = strata__buf_detach(&b);
			rc = *who ? STRATA_OK : STRATA_ENOMEM;
		}
		strata__buf_free(&b);
	} else if (rc == STRATA_DONE) {
		rc = STRATA_OK;
	}
	strata_finalize(st);
	return rc;
}
