/*
 * Restores: strata_backup_restore and strata_backup_restore_url.
 *
 * The order is what makes a restore safe:
 *  1. the backup is read whole before anything is touched
 *     (strata__ops_read_backup with integrity_check on SQLite; the table
 *     of contents and every data block on PostgreSQL), and its rows are
 *     counted;
 *  2. a database that has tables is replaced only with `force`;
 *  3. SQLite: its pages are copied in one write transaction
 *     (copy_pages); PostgreSQL: pg_restore --single-transaction
 *     --exit-on-error, under a lock_timeout when replacing;
 *  4. the result is counted and compared with the backup.
 * A failure at any step leaves the database as it was (the transaction is
 * rolled back), and strata_backup_restore_url removes a database it
 * created for the restore.
 *
 * Steps 2 to 4 (and the creation of a missing SQLite file) run under the
 * restore lock, so two restores into one database run one after the
 * other and the second sees what the first left: on PostgreSQL a session
 * advisory lock on the database, on SQLite an flock on FILE.restore-lock
 * beside the file (removed afterwards; one left by a killed restore is
 * harmless).  Both go away with the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/url.h"
#include "db/native.h"
#include "ops/internal.h"

typedef struct restore_run {
	strata_restore_options o;
	const char *path;
	const char *shown; /* the database, as messages name it (the caller's URL, redacted) */
	strata__ops_backup backup;
} restore_run;

/* "restore: <the current error>; nothing was changed", keeping its status and codes. */
static int unchanged(void)
{
	strata__error_saved saved;
	strata__error_save(&saved);
	int rc = saved.status;
	if (rc != STRATA_ENOMEM && saved.message)
		rc = strata__error_set_db(saved.status, saved.sqlite_code, saved.sqlstate, saved.constraint,
					  "restore: %s; nothing was changed", saved.message);
	free(saved.message);
	free(saved.sqlstate);
	free(saved.constraint);
	free(saved.file);
	return rc;
}

static bool canceled(const restore_run *r)
{
	return r->o.cancel && *r->o.cancel;
}

static int options(const strata_restore_options *opts, strata_restore_options *o)
{
	static const strata_restore_options defaults = STRATA_RESTORE_OPTIONS_INIT;
	*o = defaults;
	if (!opts)
		return STRATA_OK;
	if (opts->version == 1) {
		/* version 1 ended after progress_ud */
		o->force = opts->force;
		o->progress = opts->progress;
		o->progress_ud = opts->progress_ud;
		return STRATA_OK;
	}
	if (opts->version != STRATA_RESTORE_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "restore: options version %u, want %d", opts->version,
					 STRATA_RESTORE_OPTIONS_VERSION);
	*o = *opts;
	return STRATA_OK;
}

static int timeout_ms(const restore_run *r)
{
	return r->o.timeout_ms > 0 ? r->o.timeout_ms : r->o.timeout_ms < 0 ? 0 : 10000;
}

/* ---- the restore lock ---- */

/* "strataRS": PostgreSQL's advisory lock key for restores (migrations use "strataMG"). */
#define RESTORE_LOCK_KEY 0x52535453LL

typedef struct restore_lock {
	strata_db *pg; /* PostgreSQL: the connection holding the advisory lock */
	int fd;	       /* SQLite: the locked file, -1: none */
	char *path;
} restore_lock;

#define RESTORE_LOCK_INIT      \
	{                      \
		NULL, -1, NULL \
	}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int lock_busy(const restore_run *r, const char *db, const char *holder)
{
	return strata__error_set(STRATA_EBUSY,
				 "restore: another restore into %s is running (%s); waited %d ms for it; nothing was "
				 "changed",
				 db, holder, timeout_ms(r));
}

/* PostgreSQL: the advisory lock, tried until --timeout runs out. */
static int lock_pg(strata_db *db, restore_run *r, restore_lock *l)
{
	int64_t deadline = mono_ms() + timeout_ms(r);
	for (;;) {
		int64_t got = 0;
		int rc = strata_query_int64v(db, &got, "SELECT CASE WHEN pg_try_advisory_lock(?) THEN 1 ELSE 0 END",
					     STRATA_INT(RESTORE_LOCK_KEY));
		if (rc != STRATA_OK)
			return strata__ops_error_context("restore: taking the restore lock");
		if (got) {
			l->pg = db;
			return STRATA_OK;
		}
		if (canceled(r))
			return strata__error_set(STRATA_ECANCELED, "restore: stopped on request; nothing was changed");
		if (mono_ms() >= deadline) {
			char *who = NULL;
			if (strata_query_textv(
				    db, &who,
				    "SELECT 'pid ' || a.pid || coalesce(', ' || nullif(a.application_name, ''), '') "
				    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
				    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = ? "
				    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
				    "LIMIT 1",
				    STRATA_INT(RESTORE_LOCK_KEY)) != STRATA_OK) {
				strata_error_clear();
				free(who);
				who = NULL;
			}
			char *name = NULL;
			if (strata_query_text(db, &name, "SELECT current_database()::text", NULL, 0) != STRATA_OK)
				strata_error_clear();
			rc = lock_busy(r, name ? name : "the database", who ? who : "holder unknown");
			free(who);
			free(name);
			return rc;
		}
		nap_ms(100);
	}
}

/* SQLite: an exclusive flock on FILE.restore-lock, which holds the holder's pid. */
static int lock_sqlite(const char *file, restore_run *r, restore_lock *l)
{
	strata_buf path = STRATA_BUF_INIT;
	int rc = strata__buf_printf(&path, "%s.restore-lock", file);
	if (rc != STRATA_OK)
		return rc;
	int64_t deadline = mono_ms() + timeout_ms(r);
	for (;;) {
		int fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			rc = strata__error_set(STRATA_EIO,
					       "restore: cannot create the lock file %s: %s; nothing was changed",
					       path.ptr, strerror(errno));
			break;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			struct stat a, b;
			if (fstat(fd, &a) == 0 && stat(path.ptr, &b) == 0 && a.st_dev == b.st_dev &&
			    a.st_ino == b.st_ino) {
				char pid[32];
				int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
				if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
					/* the pid only names the holder: a full disk does not stop the restore */
				}
				l->fd = fd;
				l->path = strata__buf_detach(&path);
				return STRATA_OK;
			}
			close(fd); /* its holder removed it meanwhile: take the new one */
			continue;
		}
		int err = errno;
		char pid[32] = "";
		ssize_t n = err == EWOULDBLOCK ? pread(fd, pid, sizeof pid - 1, 0) : -1;
		close(fd);
		if (err != EWOULDBLOCK) {
			rc = strata__error_set(STRATA_EIO, "restore: cannot lock %s: %s; nothing was changed", path.ptr,
					       strerror(err));
			break;
		}
		if (canceled(r)) {
			rc = strata__error_set(STRATA_ECANCELED, "restore: stopped on request; nothing was changed");
			break;
		}
		if (mono_ms() >= deadline) {
			char who[64] = "holder unknown";
			if (n > 0) {
				pid[n] = '\0';
				pid[strcspn(pid, "\n")] = '\0';
				snprintf(who, sizeof who, "pid %s", pid);
			}
			rc = lock_busy(r, file, who);
			break;
		}
		nap_ms(50);
	}
	strata__buf_free(&path);
	return rc;
}

/* Take the restore lock: PostgreSQL through `db`, SQLite through `file` (NULL or "": none). */
static int restore_lock_take(restore_run *r, strata_db *db, const char *file, restore_lock *l)
{
	if (db && strata_db_backend(db) == STRATA_BACKEND_POSTGRES)
		return lock_pg(db, r, l);
	return file && *file ? lock_sqlite(file, r, l) : STRATA_OK;
}

static void restore_lock_release(restore_lock *l)
{
	if (l->pg) {
		int64_t ignored = 0;
		strata__error_saved saved;
		strata__error_save(&saved);
		strata_query_int64v(l->pg, &ignored, "SELECT CASE WHEN pg_advisory_unlock(?) THEN 1 ELSE 0 END",
				    STRATA_INT(RESTORE_LOCK_KEY));
		strata__error_restore(&saved);
		l->pg = NULL;
	}
	if (l->fd >= 0) {
		unlink(l->path); /* while still locked: a waiter that opened it sees it gone and takes a new one */
		close(l->fd);
		l->fd = -1;
	}
	free(l->path);
	l->path = NULL;
}

/* Whether the database has user tables. */
static int has_tables(strata_db *db, bool *out)
{
	int64_t n = 0;
	const char *sql =
		strata_db_backend(db) == STRATA_BACKEND_SQLITE
			? "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
			  "ESCAPE '\\'"
			: "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
			  "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
			  "AND n.nspname NOT LIKE 'pg\\_toast%'";
	int rc = strata_query_int64(db, &n, sql, NULL, 0);
	*out = n > 0;
	return rc;
}

/* ---- SQLite ---- */

static int copy_step(int64_t done, int64_t total, void *ud)
{
	restore_run *r = ud;
	if (canceled(r))
		return 1;
	if (r->o.progress && done >= 0)
		r->o.progress(done, total, r->o.progress_ud);
	return 0;
}

/* The file `db` keeps its main database in ("" for memory). */
static int db_file(strata_db *db, char **out)
{
	return strata_query_text(db, out, "SELECT file FROM pragma_database_list WHERE name = 'main'", NULL, 0);
}

static int sqlite_restore(strata_db *db, restore_run *r)
{
	strata_db *src = NULL;
	char *file = NULL;
	bool had[2];
	struct stat a, b;
	int rc = db_file(db, &file);
	if (rc != STRATA_OK)
		return rc;
	if (*file && stat(file, &a) == 0 && stat(r->path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		free(file);
		return strata__error_set(STRATA_EINVAL, "restore: %s is the database itself", r->path);
	}
	free(file);
	strata__ops_sidecars(r->path, had, false);
	rc = strata__ops_open_file(&src, r->path, "mode=ro");
	if (rc == STRATA_OK)
		rc = strata__db_copy_pages(src, db, timeout_ms(r), copy_step, r);
	strata_close(src);
	strata__ops_sidecars(r->path, had, true);
	return rc;
}

/* ---- PostgreSQL ---- */

/* "dbname='...'": a connection string in which the name is only ever a name. */
static int dbname_conninfo(strata_db *db, strata_buf *out)
{
	char *name = NULL;
	int rc = strata_query_text(db, &name, "SELECT current_database()::text", NULL, 0);
	if (rc == STRATA_OK)
		rc = strata__buf_puts(out, "--dbname=dbname='");
	for (const char *p = name; rc == STRATA_OK && *p; p++)
		rc = (*p == '\'' || *p == '\\') ? strata__buf_printf(out, "\\%c", *p) : strata__buf_putc(out, *p);
	if (rc == STRATA_OK)
		rc = strata__buf_putc(out, '\'');
	free(name);
	return rc;
}

/*
 * The lock watchdog.  pg_restore's script sets lock_timeout to 0 itself,
 * so the wait is watched from our own connection instead: pg_restore runs
 * under an application_name of its own, and when its session has waited
 * for a lock longer than the timeout, the sessions blocking it are noted
 * and pg_restore is stopped (its transaction rolls back).
 */
typedef struct watch {
	restore_run *r;
	strata_db *db;
	const char *app; /* pg_restore's application_name */
	int timeout_ms;
	int ticks;
	int64_t waiting_since; /* ms of CLOCK_MONOTONIC, 0: not waiting */
	bool gave_up;
	strata_buf blockers; /* "pid 123 (psql, idle in transaction for 40 s)" */
} watch;

/* Describe the sessions that block pg_restore's session `pid`. */
static void note_blockers(watch *w, int64_t pid)
{
	strata_stmt *st = NULL;
	int64_t n = 0;
	int rc =
		strata_prepare(&st, w->db,
			       "SELECT a.pid, coalesce(nullif(a.application_name, ''), a.usename::text, '?'), "
			       "coalesce(a.state, '?'), "
			       "coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::bigint, 0) "
			       "FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids(?::int)) ORDER BY a.pid");
	if (rc == STRATA_OK)
		rc = strata_bind_int64(st, 1, pid);
	while ((rc == STRATA_OK || rc == STRATA_ROW) && (rc = strata_step(st)) == STRATA_ROW)
		if (++n <= 5)
			strata__buf_printf(&w->blockers, "%spid %lld (%s, %s for %lld s)", n > 1 ? ", " : "",
					   (long long)strata__col_i64(st, 0), strata__col_str(st, 1),
					   strata__col_str(st, 2), (long long)strata__col_i64(st, 3));
	strata_finalize(st);
}

static int watch_poll(void *ud)
{
	watch *w = ud;
	if (canceled(w->r))
		return 1;
	if (++w->ticks % 3 != 0)
		return 0;
	int64_t pid = 0;
	/* a failed look is not a reason to stop the restore */
	if (strata_query_int64v(w->db, &pid,
				"SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE application_name = ? "
				"AND wait_event_type = 'Lock'",
				STRATA_TEXT(w->app)) != STRATA_OK) {
		strata_error_clear();
		return 0;
	}
	if (!pid) {
		w->waiting_since = 0;
		return 0;
	}
	int64_t now = mono_ms();
	if (!w->waiting_since)
		w->waiting_since = now;
	if (now - w->waiting_since < w->timeout_ms)
		return 0;
	note_blockers(w, pid);
	strata_error_clear();
	w->gave_up = true;
	return 1;
}

static int pg_restore(strata_db *db, restore_run *r)
{
	strata_buf dbopt = STRATA_BUF_INIT, app = STRATA_BUF_INIT;
	watch w = { r, db, NULL, timeout_ms(r), 0, 0, false, STRATA_BUF_INIT };
	int rc = dbname_conninfo(db, &dbopt);
	if (rc == STRATA_OK)
		rc = strata__buf_printf(&app, "PGAPPNAME=strata restore %ld", (long)getpid());
	if (rc != STRATA_OK)
		goto done;
	w.app = app.ptr + strlen("PGAPPNAME=");
	const char *argv_force[] = {
		"pg_restore", "--single-transaction", "--exit-on-error", "--no-owner", "--no-password",
		"--clean",    "--if-exists",	      dbopt.ptr,	 "--",	       r->path,
		NULL
	};
	const char *argv_plain[] = { "pg_restore",
				     "--single-transaction",
				     "--exit-on-error",
				     "--no-owner",
				     "--no-password",
				     dbopt.ptr,
				     "--",
				     r->path,
				     NULL };
	const char *const env[] = { app.ptr, NULL };
	if (r->o.progress)
		r->o.progress(0, 0, r->o.progress_ud);
	strata__tool t = { r->o.force ? argv_force : argv_plain, NULL, NULL, watch_poll, &w, env };
	rc = strata__db_run_tool(db, &t);
	if (w.gave_up)
		rc = strata__error_set(
			STRATA_EBUSY,
			"restore: gave up after %d ms waiting for locks held by %s; nothing was changed: end "
			"them (pg_terminate_backend) or try again with a longer option `timeout_ms`",
			w.timeout_ms, w.blockers.len ? w.blockers.ptr : "other sessions");
	else if (rc == STRATA_OK && r->o.progress)
		r->o.progress(1, 1, r->o.progress_ud);
done:
	strata__buf_free(&dbopt);
	strata__buf_free(&app);
	strata__buf_free(&w.blockers);
	return rc;
}

/* ---- the flow ---- */

/* Display name: PostgreSQL's "public." goes. */
static const char *shown(const char *name)
{
	return strncmp(name, "public.", 7) == 0 ? name + 7 : name;
}

/* Count what the database holds now and compare it with the backup; fill the report. */
static int check_after(strata_db *db, restore_run *r, strata_restore_report *rep)
{
	strata__ops_rows *live = NULL;
	size_t n = 0;
	int rc = strata__ops_count_tables(db, true, &live, &n);
	if (rc != STRATA_OK)
		return strata__ops_error_context("restore: counting the restored rows");
	for (size_t i = 0; i < r->backup.ntables && rc == STRATA_OK; i++) {
		const strata__ops_rows *b = &r->backup.tables[i];
		const strata__ops_rows *l = strata__ops_rows_find(live, n, b->name);
		if (!l || l->rows != b->rows)
			rc = strata__error_set(
				STRATA_EIO,
				"restore: the restored database does not match the backup: table %s has %lld "
				"rows, the backup %lld",
				shown(b->name), (long long)(l ? l->rows : 0), (long long)b->rows);
	}
	for (size_t i = 0; i < n && rc == STRATA_OK && rep; i++) {
		strata_restore_table *g = realloc(rep->tables, (rep->ntables + 1) * sizeof *g);
		if (!g) {
			rc = strata__error_nomem();
			break;
		}
		rep->tables = g;
		g[rep->ntables].name = strdup(shown(live[i].name));
		g[rep->ntables].rows = live[i].rows;
		if (!g[rep->ntables].name) {
			rc = strata__error_nomem();
			break;
		}
		rep->ntables++;
		if (live[i].rows > 0)
			rep->total_rows += live[i].rows;
	}
	strata__ops_rows_free(live, n);
	return rc;
}

/* Steps 2 to 4 into an open connection; the backup was read. */
static int restore_into(strata_db *db, restore_run *r, strata_restore_report *rep)
{
	bool nonempty = false;
	if (strata_in_transaction(db))
		return strata__error_set(STRATA_EMISUSE, "restore: a transaction is open on the connection");
	int rc = has_tables(db, &nonempty);
	if (rc != STRATA_OK)
		return rc;
	if (nonempty && !r->o.force)
		return strata__error_set(STRATA_ECONSTRAINT,
					 "restore: %s already has tables; restoring over them needs option `force`",
					 r->shown ? r->shown : strata_db_url(db));
	bool sqlite = strata_db_backend(db) == STRATA_BACKEND_SQLITE;
	rc = sqlite ? sqlite_restore(db, r) : pg_restore(db, r);
	if (rc == STRATA_ECANCELED)
		return strata__error_set(STRATA_ECANCELED, "restore: stopped on request; nothing was changed");
	if (rc != STRATA_OK)
		return rc == STRATA_EBUSY && !sqlite ? rc : unchanged(); /* pg_restore's EBUSY says it all */
	return check_after(db, r, rep);
}

/* Step 1. */
static int read_backup(strata_backend backend, restore_run *r)
{
	int rc = strata__ops_read_backup(backend, NULL, r->path, true, r->o.cancel, &r->backup);
	if (rc == STRATA_ECANCELED)
		return strata__error_set(STRATA_ECANCELED, "restore: stopped on request; nothing was changed");
	if (rc != STRATA_OK)
		return rc == STRATA_ENOMEM ? rc : strata__ops_error_context("restore");
	if (r->backup.problem)
		return strata__error_set(STRATA_EIO, "restore: %s; nothing was changed", r->backup.problem);
	return STRATA_OK;
}

int strata_backup_restore(strata_db *db, const char *path, const strata_restore_options *opts)
{
	restore_run r = { .path = path };
	if (!db || !path || !*path)
		return strata__error_set(STRATA_EINVAL, "strata_backup_restore: %s is NULL", db ? "path" : "db");
	restore_lock lock = RESTORE_LOCK_INIT;
	char *file = NULL;
	int rc = options(opts, &r.o);
	if (rc == STRATA_OK)
		rc = read_backup(strata_db_backend(db), &r);
	if (rc == STRATA_OK && strata_db_backend(db) == STRATA_BACKEND_SQLITE)
		rc = db_file(db, &file);
	if (rc == STRATA_OK && strata_in_transaction(db))
		rc = strata__error_set(STRATA_EMISUSE, "restore: a transaction is open on the connection");
	if (rc == STRATA_OK)
		rc = restore_lock_take(&r, db, file, &lock);
	if (rc == STRATA_OK)
		rc = restore_into(db, &r, NULL);
	restore_lock_release(&lock);
	free(file);
	strata__ops_backup_free(&r.backup);
	return rc;
}

void strata_restore_report_free(strata_restore_report *rep)
{
	if (!rep)
		return;
	for (size_t i = 0; i < rep->ntables; i++)
		free(rep->tables[i].name);
	free(rep->tables);
	free(rep);
}

/* SQLite: the database file, created when missing with the backup's mode (at most 0600); *created says so. */
static int sqlite_target(const strata__url *u, const restore_run *r, bool *created, strata_db **db)
{
	struct stat sb;
	*created = false;
	if (lstat(u->path, &sb) != 0 && errno == ENOENT) {
		int fd = open(u->path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600 & r->backup.mode);
		if (fd < 0)
			return strata__error_set(STRATA_EIO, "restore: cannot create %s: %s", u->path, strerror(errno));
		*created = true;
		int ok = fchmod(fd, 0600 & r->backup.mode);
		close(fd);
		if (ok != 0) {
			int rc = strata__error_set(STRATA_EIO, "restore: cannot set the mode of %s: %s", u->path,
						   strerror(errno));
			unlink(u->path);
			*created = false;
			return rc;
		}
	}
	return strata__ops_open_file(db, u->path, "mode=rw");
}

int strata_backup_restore_url(const char *url, const char *path, const strata_restore_options *opts,
			      strata_restore_report **out)
{
	restore_run r = { .path = path };
	restore_lock lock = RESTORE_LOCK_INIT;
	strata_restore_report *rep = NULL;
	strata_db *db = NULL;
	strata__url u;
	char *shown_url = NULL;
	bool parsed = false, created = false;
	if (out)
		*out = NULL;
	if (!url || !path || !*path)
		return strata__error_set(STRATA_EINVAL, "strata_backup_restore_url: %s is NULL", url ? "path" : "url");
	int rc = options(opts, &r.o);
	if (rc == STRATA_OK)
		rc = strata__url_parse(&u, url);
	parsed = rc == STRATA_OK;
	if (rc == STRATA_OK && u.backend == STRATA_BACKEND_SQLITE && u.memory)
		rc = strata__error_set(STRATA_EINVAL, "restore: an in-memory database cannot be restored into");
	if (rc == STRATA_OK && !(r.shown = shown_url = strata_url_redact(url)))
		rc = strata__error_nomem();
	if (rc == STRATA_OK)
		rc = read_backup(u.backend, &r);
	if (rc == STRATA_OK && !(rep = calloc(1, sizeof *rep)))
		rc = strata__error_nomem();
	if (rc != STRATA_OK)
		goto done;
	if (u.backend == STRATA_BACKEND_SQLITE) {
		/* under the lock from the creation of a missing file to its removal on failure */
		rc = restore_lock_take(&r, NULL, u.path, &lock);
		if (rc == STRATA_OK)
			rc = sqlite_target(&u, &r, &created, &db);
	} else {
		bool existed = true;
		rc = strata_database_create(url, &existed);
		created = rc == STRATA_OK && !existed;
		if (rc == STRATA_OK)
			rc = strata_open(&db, url, NULL);
		if (rc == STRATA_OK)
			rc = restore_lock_take(&r, db, NULL, &lock);
	}
	if (rc == STRATA_OK)
		rc = restore_into(db, &r, rep);
	if (rc != STRATA_OK && created && db && u.backend == STRATA_BACKEND_POSTGRES) {
		/* a restore that ran between our CREATE DATABASE and our lock filled it: it is not ours to drop */
		strata__error_saved saved;
		bool filled = true;
		strata__error_save(&saved);
		if (has_tables(db, &filled) != STRATA_OK || filled)
			created = false;
		strata__error_restore(&saved);
	}
	if (u.backend == STRATA_BACKEND_POSTGRES)
		restore_lock_release(&lock); /* before the connection goes, so DROP DATABASE may follow */
	strata_close(db);
	if (rc != STRATA_OK && created) {
		strata__error_saved saved;
		strata__error_save(&saved);
		if (u.backend == STRATA_BACKEND_SQLITE)
			strata__ops_remove_db_files(u.path);
		else
			strata_database_drop(url, NULL);
		strata__error_restore(&saved);
	}
	if (rc == STRATA_OK) {
		rep->created = created;
		if (out) {
			*out = rep;
			rep = NULL;
		}
	}
done:
	restore_lock_release(&lock);
	strata_restore_report_free(rep);
	strata__ops_backup_free(&r.backup);
	free(shown_url);
	if (parsed)
		strata__url_free(&u);
	return rc;
}
