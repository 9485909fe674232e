/*
 * Restores, and the two things they rest on that need the backends'
 * native APIs: the SQLite online backup API (copying a database into
 * another page by page) and running PostgreSQL's client programs with the
 * connection's settings.
 *
 * Programs are started with posix_spawnp and an argument vector, never a
 * shell.  The password reaches them through PGPASSWORD in their
 * environment, never on a command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"
#include "db/internal.h"
#include "driver/pq.h"
#include "driver/tool.h"

extern char **environ;

/* ---- running a client program ---- */

/* Our environment with the connection's settings (PGHOST=...) in front. */
static int tool_env(PGconn *pg, char ***out, size_t *nmine)
{
	PQconninfoOption *opts = pg ? PQconninfo(pg) : NULL;
	size_t nenv = 0, nopt = 0, k = 0;
	if (pg && !opts)
		return strata__error_nomem();
	while (environ[nenv])
		nenv++;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		nopt++;
	char **env = calloc(nenv + nopt + 1, sizeof *env);
	if (!env)
		goto nomem;
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (!o->envvar || !o->val || !*o->val)
			continue;
		strata_buf b = STRATA_BUF_INIT;
		if (strata__buf_printf(&b, "%s=%s", o->envvar, o->val) != STRATA_OK)
			goto nomem;
		env[k++] = strata__buf_detach(&b);
	}
	*nmine = k;
	for (size_t i = 0; i < nenv; i++) {
		size_t kl = strcspn(environ[i], "=");
		bool shadowed = false;
		for (size_t j = 0; j < *nmine && !shadowed; j++)
			shadowed = strncmp(env[j], environ[i], kl) == 0 && env[j][kl] == '=';
		if (!shadowed)
			env[k++] = environ[i];
	}
	PQconninfoFree(opts);
	*out = env;
	return STRATA_OK;
nomem:
	if (env)
		for (size_t i = 0; i < k; i++)
			free(env[i]);
	free(env);
	PQconninfoFree(opts);
	return strata__error_nomem();
}

/* Hand complete lines of `b` to `fn`, keeping a partial last line. */
static int flush_lines(strata_buf *b, bool all, strata__line_fn fn, void *ud)
{
	size_t start = 0;
	int stop = 0;
	for (size_t i = 0; i < b->len && !stop; i++)
		if (b->ptr[i] == '\n') {
			if (fn)
				stop = fn(b->ptr + start, i - start, ud);
			start = i + 1;
		}
	if (all && !stop && start < b->len && fn)
		stop = fn(b->ptr + start, b->len - start, ud);
	if (all)
		start = b->len;
	if (b->ptr && start > 0) {
		memmove(b->ptr, b->ptr + start, b->len - start);
		b->len -= start;
		b->ptr[b->len] = '\0';
	}
	return stop;
}

int strata__run_tool(strata_db *db, const char *const argv[], strata__line_fn on_line, void *ud)
{
	PGconn *pg = NULL;
	char **env = NULL;
	size_t nmine = 0;
	int rc, out_fd[2] = { -1, -1 }, err_fd[2] = { -1, -1 };
	strata_buf out = STRATA_BUF_INIT, err = STRATA_BUF_INIT;
	posix_spawn_file_actions_t fa;
	bool fa_ready = false;
	pid_t pid = -1;

	if (db && db->drv->backend == STRATA_BACKEND_POSTGRES && db->drv->native)
		pg = db->drv->native(db->conn);
	rc = tool_env(pg, &env, &nmine);
	if (rc != STRATA_OK)
		return rc;
	if (pipe(out_fd) != 0 || pipe(err_fd) != 0) {
		rc = strata__error_set(STRATA_EIO, "%s: pipe: %s", argv[0], strerror(errno));
		goto close_pipes;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		rc = strata__error_nomem();
		goto close_pipes;
	}
	fa_ready = true;
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err_fd[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&fa, out_fd[0]);
	posix_spawn_file_actions_addclose(&fa, err_fd[0]);
	int sp = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, env);
	if (sp != 0) {
		rc = sp == ENOENT ? strata__error_set(STRATA_ENOTFOUND,
						      "%s was not found on PATH (install the PostgreSQL client)", argv[0])
				  : strata__error_set(STRATA_EIO, "%s: cannot start: %s", argv[0], strerror(sp));
		goto close_pipes;
	}
	close(out_fd[1]);
	close(err_fd[1]);
	out_fd[1] = err_fd[1] = -1;

	struct pollfd pfd[2] = { { out_fd[0], POLLIN, 0 }, { err_fd[0], POLLIN, 0 } };
	int open_fds = 2, stopped = 0;
	rc = STRATA_OK;
	while (open_fds > 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char chunk[8192];
			ssize_t got = read(pfd[i].fd, chunk, sizeof chunk);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			strata_buf *b = i == 0 ? &out : &err;
			if (i == 1 && b->len > 16384)
				strata__buf_clear(b);
			if (strata__buf_append(b, chunk, (size_t)got) != STRATA_OK) {
				rc = STRATA_ENOMEM;
				continue;
			}
			if (i == 0 && !stopped)
				stopped = flush_lines(&out, false, on_line, ud);
			else if (i == 0)
				strata__buf_clear(&out);
		}
	}
	if (!stopped)
		flush_lines(&out, true, on_line, ud);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == STRATA_OK && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		char *msg = err.ptr ? err.ptr : "";
		size_t n = strlen(msg);
		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		char *nl = strrchr(msg, '\n');
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !*msg)
			rc = strata__error_set(STRATA_ENOTFOUND, "%s was not found on PATH", argv[0]);
		else
			rc = strata__error_set(STRATA_EIO, "%s failed (%s %d): %s", argv[0],
					       WIFEXITED(status) ? "exit status" : "signal",
					       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
					       nl ? nl + 1 : msg);
	}
close_pipes:
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++) {
		if (out_fd[i] >= 0)
			close(out_fd[i]);
		if (err_fd[i] >= 0)
			close(err_fd[i]);
	}
	for (size_t i = 0; env && i < nmine; i++)
		free(env[i]);
	free(env);
	strata__buf_free(&out);
	strata__buf_free(&err);
	return rc;
}

/* ---- SQLite: page copies ---- */

static int copy_pages(sqlite3 *src, sqlite3 *dst, strata_restore_progress_fn progress, void *ud)
{
	int rc = STRATA_OK, waits = 0;
	sqlite3_backup *bk = sqlite3_backup_init(dst, "main", src, "main");
	if (!bk)
		return strata__error_set(STRATA_EIO, "copy: %s", sqlite3_errmsg(dst));
	for (;;) {
		int s = sqlite3_backup_step(bk, 1024);
		if (progress) {
			int total = sqlite3_backup_pagecount(bk);
			progress(total - sqlite3_backup_remaining(bk), total, ud);
		}
		if (s == SQLITE_DONE)
			break;
		if (s == SQLITE_OK)
			continue;
		if ((s == SQLITE_BUSY || s == SQLITE_LOCKED) && ++waits <= 3000) {
			/* another connection holds a lock: wait for it, up to 30 s */
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			continue;
		}
		if (s == SQLITE_BUSY || s == SQLITE_LOCKED)
			rc = strata__error_set_db(STRATA_EBUSY, s, NULL, NULL,
						  "copy: the database stayed locked by another connection for 30 s");
		else
			rc = strata__error_set_db(STRATA_EIO, s, NULL, NULL, "copy: %s", sqlite3_errstr(s));
		break;
	}
	int fin = sqlite3_backup_finish(bk);
	if (rc == STRATA_OK && fin != SQLITE_OK)
		rc = strata__error_set_db(STRATA_EIO, fin, NULL, NULL, "copy: %s", sqlite3_errmsg(dst));
	return rc;
}

static bool is_sqlite(const strata_db *db)
{
	return db && db->drv->backend == STRATA_BACKEND_SQLITE && db->drv->native;
}

int strata__sqlite_copy(strata_db *src, strata_db *dst, strata_restore_progress_fn progress, void *ud)
{
	if (!is_sqlite(src) || !is_sqlite(dst))
		return strata__error_set(STRATA_EINVAL, "copy: both databases must be SQLite");
	return copy_pages(src->drv->native(src->conn), dst->drv->native(dst->conn), progress, ud);
}

/* ---- restore ---- */

/* Whether the database has user tables. */
static int has_tables(strata_db *db, bool *out)
{
	int64_t n = 0;
	const char *sql = db->drv->backend == STRATA_BACKEND_SQLITE
				  ? "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
				  : "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
				    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
				    "AND n.nspname NOT LIKE 'pg\\_toast%'";
	int rc = strata_query_int64(db, &n, sql, NULL, 0);
	*out = n > 0;
	return rc;
}

static int sqlite_restore(strata_db *db, const char *path, const strata_restore_options *o)
{
	sqlite3 *src = NULL;
	int rc;
	int s = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL);
	if (s != SQLITE_OK) {
		rc = strata__error_set_db(STRATA_EIO, s, NULL, NULL, "restore: cannot open %s: %s", path,
					  src ? sqlite3_errmsg(src) : sqlite3_errstr(s));
		goto close_src;
	}
	/* a file that is not a database shows up at the first read */
	s = sqlite3_exec(src, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
	if (s != SQLITE_OK) {
		rc = strata__error_set_db(STRATA_EIO, s, NULL, NULL, "restore: %s is not an SQLite backup: %s", path,
					  sqlite3_errmsg(src));
		goto close_src;
	}
	rc = copy_pages(src, db->drv->native(db->conn), o ? o->progress : NULL, o ? o->progress_ud : NULL);
close_src:
	sqlite3_close_v2(src);
	return rc;
}

static int pg_restore(strata_db *db, const char *path, const strata_restore_options *o)
{
	const char *argv_force[] = { "pg_restore", "--single-transaction", "--exit-on-error", "--no-owner",
				     "--no-password", "--clean", "--if-exists", "--dbname", "", path, NULL };
	const char *argv_plain[] = { "pg_restore", "--single-transaction", "--exit-on-error", "--no-owner",
				     "--no-password", "--dbname", "", path, NULL };
	/* an empty --dbname lets libpq take the database from PGDATABASE */
	PGconn *pg = db->drv->native(db->conn);
	const char *dbname = PQdb(pg);
	argv_force[8] = dbname;
	argv_plain[6] = dbname;
	if (o && o->progress)
		o->progress(0, 0, o->progress_ud);
	int rc = strata__run_tool(db, o && o->force ? argv_force : argv_plain, NULL, NULL);
	if (rc == STRATA_OK && o && o->progress)
		o->progress(1, 1, o->progress_ud);
	return rc;
}

int strata_backup_restore(strata_db *db, const char *path, const strata_restore_options *opts)
{
	struct stat st;
	bool nonempty = false;
	int rc;
	if (!db || !path || !*path)
		return strata__error_set(STRATA_EINVAL, "strata_backup_restore: %s is NULL", db ? "path" : "db");
	if (opts && opts->version != STRATA_RESTORE_OPTIONS_VERSION)
		return strata__error_set(STRATA_EINVAL, "strata_backup_restore: options version %u, want %d",
					 opts->version, STRATA_RESTORE_OPTIONS_VERSION);
	if (!db->drv->native)
		return strata__error_set(STRATA_EUNSUPPORTED, "restore: the %s driver cannot restore", db->drv->name);
	if (strata_in_transaction(db))
		return strata__error_set(STRATA_EMISUSE, "restore: a transaction is open on the connection");
	if (stat(path, &st) != 0)
		return strata__error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO, "restore: %s: %s", path,
					 strerror(errno));
	rc = has_tables(db, &nonempty);
	if (rc != STRATA_OK)
		return rc;
	if (nonempty && !(opts && opts->force))
		return strata__error_set(STRATA_ECONSTRAINT,
					 "restore: %s already has tables; restoring over them needs --force",
					 strata_db_url(db));
	if (db->drv->backend == STRATA_BACKEND_SQLITE)
		return sqlite_restore(db, path, opts);
	return pg_restore(db, path, opts);
}
