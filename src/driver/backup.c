/*
 * Backups: SQLite through the online backup API, PostgreSQL through
 * pg_dump.  This file lives in src/driver/ because it speaks to sqlite3 and
 * libpq directly.
 *
 * Every file is written to "<path>.tmp.<pid>" (created 0600 with O_EXCL)
 * and renamed over `path` once complete, so a reader never sees half a
 * backup.  pg_dump is looked up on PATH here and started with execve and an
 * argument vector; the connection's settings (host, port, user, password,
 * dbname, sslmode, ...) reach it through its environment (PGHOST, ...), so
 * the password is never on a command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <strata/backup.h>

#include "core/buf.h"
#include "core/env.h"
#include "core/error.h"
#include "db/internal.h"

extern char **environ;

/* Create an empty temporary file next to `path`, mode 0600. */
static int make_temp(const char *path, char **tmp_out)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__buf_printf(&b, "%s.tmp.%ld", path, (long)getpid());
	if (rc != STRATA_OK)
		return rc;
	unlink(b.ptr);
	int fd = open(b.ptr, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = strata__error_set(STRATA_EIO, "backup: cannot create %s: %s", b.ptr, strerror(errno));
		strata__buf_free(&b);
		return rc;
	}
	close(fd);
	*tmp_out = strata__buf_detach(&b);
	return STRATA_OK;
}

static int finish_temp(const char *tmp, const char *path)
{
	if (chmod(tmp, 0600) != 0 || rename(tmp, path) != 0) {
		int rc = strata__error_set(STRATA_EIO, "backup: cannot move %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	return STRATA_OK;
}

/* ---- SQLite ---- */

static int sqlite_full(sqlite3 *src, const char *tmp)
{
	sqlite3 *dst = NULL;
	int rc = STRATA_OK;
	int src_rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL);
	if (src_rc != SQLITE_OK) {
		rc = strata__error_set(STRATA_EIO, "backup: cannot open %s: %s", tmp,
				       dst ? sqlite3_errmsg(dst) : sqlite3_errstr(src_rc));
		goto close_dst;
	}
	sqlite3_backup *bk = sqlite3_backup_init(dst, "main", src, "main");
	if (!bk) {
		rc = strata__error_set(STRATA_EIO, "backup: %s", sqlite3_errmsg(dst));
		goto close_dst;
	}
	for (;;) {
		int s = sqlite3_backup_step(bk, 256);
		if (s == SQLITE_DONE)
			break;
		if (s == SQLITE_OK)
			continue;
		if (s == SQLITE_BUSY || s == SQLITE_LOCKED) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			continue;
		}
		rc = strata__error_set(STRATA_EIO, "backup: copying pages failed: %s", sqlite3_errstr(s));
		break;
	}
	int fin = sqlite3_backup_finish(bk);
	if (rc == STRATA_OK && fin != SQLITE_OK)
		rc = strata__error_set(STRATA_EIO, "backup: %s", sqlite3_errmsg(dst));
close_dst:
	sqlite3_close_v2(dst);
	return rc;
}

/* The schema as SQL: tables, then indexes, views and triggers, each sorted by name. */
static int sqlite_schema(sqlite3 *src, const char *tmp)
{
	static const char sql[] =
		"SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
		"AND name <> 'strata_migrations_lock' "
		"ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, name";
	sqlite3_stmt *st = NULL;
	strata_buf b = STRATA_BUF_INIT;
	int rc = STRATA_OK;
	if (sqlite3_prepare_v2(src, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = strata__error_set(STRATA_ESQL, "schema dump: %s", sqlite3_errmsg(src));
		goto done;
	}
	rc = strata__buf_puts(&b, "-- The schema as the database has it (written by strata; do not edit).\n\n");
	int s;
	while (rc == STRATA_OK && (s = sqlite3_step(st)) == SQLITE_ROW)
		rc = strata__buf_printf(&b, "%s;\n\n", (const char *)sqlite3_column_text(st, 0));
	if (rc == STRATA_OK && s != SQLITE_DONE)
		rc = strata__error_set(STRATA_ESQL, "schema dump: %s", sqlite3_errmsg(src));
	if (rc != STRATA_OK)
		goto done;
	FILE *f = fopen(tmp, "w");
	if (!f) {
		rc = strata__error_set(STRATA_EIO, "schema dump: cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	bool ok = fwrite(b.ptr, 1, b.len, f) == b.len;
	if (fclose(f) != 0 || !ok)
		rc = strata__error_set(STRATA_EIO, "schema dump: cannot write %s: %s", tmp, strerror(errno));
done:
	sqlite3_finalize(st);
	strata__buf_free(&b);
	return rc;
}

/* ---- PostgreSQL ---- */

/* The full path of `prog` on PATH, or ENOTFOUND. */
static int find_on_path(const char *prog, char **out)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	strata_buf b = STRATA_BUF_INIT;
	for (const char *p = path;;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		strata__buf_clear(&b);
		int rc = n ? strata__buf_append(&b, p, n) : strata__buf_putc(&b, '.');
		if (rc == STRATA_OK)
			rc = strata__buf_printf(&b, "/%s", prog);
		if (rc != STRATA_OK) {
			strata__buf_free(&b);
			return rc;
		}
		struct stat st;
		if (stat(b.ptr, &st) == 0 && S_ISREG(st.st_mode) && access(b.ptr, X_OK) == 0) {
			*out = strata__buf_detach(&b);
			return STRATA_OK;
		}
		if (!colon)
			break;
		p = colon + 1;
	}
	strata__buf_free(&b);
	return strata__error_set(STRATA_ENOTFOUND, "backup: %s was not found on PATH (install the PostgreSQL client)",
				 prog);
}

/* The child's environment: ours, with the connection's settings on top. */
static int build_env(PGconn *pg, char ***out)
{
	PQconninfoOption *opts = PQconninfo(pg);
	size_t nenv = 0, nopt = 0;
	int rc = STRATA_OK;
	if (!opts)
		return strata__error_nomem();
	while (environ[nenv])
		nenv++;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		nopt++;
	char **env = calloc(nenv + nopt + 1, sizeof *env);
	if (!env) {
		rc = strata__error_nomem();
		goto done;
	}
	size_t k = 0;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->envvar || !o->val || !*o->val)
			continue;
		size_t n = strlen(o->envvar) + strlen(o->val) + 2;
		env[k] = malloc(n);
		if (!env[k]) {
			rc = strata__error_nomem();
			goto done;
		}
		snprintf(env[k], n, "%s=%s", o->envvar, o->val);
		k++;
	}
	size_t mine = k;
	for (size_t i = 0; i < nenv; i++) {
		/* keep ours only when the connection does not set the same variable */
		const char *eq = strchr(environ[i], '=');
		size_t kl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool dup = false;
		for (size_t j = 0; j < mine && !dup; j++)
			dup = strncmp(env[j], environ[i], kl) == 0 && env[j][kl] == '=';
		if (!dup)
			env[k++] = environ[i];
	}
	env[k] = NULL;
	*out = env;
	PQconninfoFree(opts);
	return STRATA_OK;
done:
	if (env) {
		for (size_t i = 0; i < k; i++)
			free(env[i]);
		free(env);
	}
	PQconninfoFree(opts);
	return rc;
}

static void free_env(char **env)
{
	if (!env)
		return;
	/* only the leading KEY=VALUE strings we built are ours; they precede environ's */
	for (size_t i = 0; env[i]; i++) {
		bool ours = true;
		for (size_t j = 0; environ[j]; j++)
			if (environ[j] == env[i]) {
				ours = false;
				break;
			}
		if (ours)
			free(env[i]);
	}
	free(env);
}

static int run_pg_dump(PGconn *pg, const char *tmp, strata_backup_format format)
{
	char *prog = NULL, **env = NULL;
	char fileopt[4200];
	int rc, pipefd[2] = { -1, -1 };
	strata_buf errbuf = STRATA_BUF_INIT;

	rc = find_on_path("pg_dump", &prog);
	if (rc != STRATA_OK)
		return rc;
	rc = build_env(pg, &env);
	if (rc != STRATA_OK)
		goto free_prog;
	snprintf(fileopt, sizeof fileopt, "--file=%s", tmp);
	char *full_argv[] = { prog, "--format=custom", "--no-password", fileopt, NULL };
	char *schema_argv[] = { prog, "--schema-only", "--no-owner", "--no-privileges", "--no-password", fileopt, NULL };
	char **argv = format == STRATA_BACKUP_FULL ? full_argv : schema_argv;
	if (pipe(pipefd) != 0) {
		rc = strata__error_set(STRATA_EIO, "backup: pipe: %s", strerror(errno));
		goto free_env;
	}
	pid_t pid = fork();
	if (pid < 0) {
		rc = strata__error_set(STRATA_EIO, "backup: fork: %s", strerror(errno));
		goto close_pipe;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		execve(prog, argv, env);
		_exit(127);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	char chunk[512];
	ssize_t got;
	while ((got = read(pipefd[0], chunk, sizeof chunk)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* keep what fits; an allocation failure here only shortens the message */
		if (errbuf.len < 8192 && strata__buf_append(&errbuf, chunk, (size_t)got) != STRATA_OK)
			strata__buf_clear(&errbuf);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* the last non-empty line of pg_dump's complaint */
		char *msg = errbuf.ptr ? errbuf.ptr : "";
		size_t n = strlen(msg);
		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		char *nl = strrchr(msg, '\n');
		rc = strata__error_set(STRATA_EIO, "backup: pg_dump failed (%s %d): %s",
				       WIFEXITED(status) ? "exit status" : "signal",
				       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), nl ? nl + 1 : msg);
	}
close_pipe:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
free_env:
	free_env(env);
free_prog:
	free(prog);
	strata__buf_free(&errbuf);
	return rc;
}

/*
 * pg_dump (15.14 and later) wraps plain output in \restrict KEY ...
 * \unrestrict KEY with a random key, which would make every schema file
 * differ from the last; a schema file is for review, not for psql, so the
 * two lines go.
 */
static int strip_restrict(const char *tmp)
{
	char *text = NULL;
	size_t len = 0;
	strata_buf out = STRATA_BUF_INIT;
	int rc = strata__read_file(tmp, &text, &len);
	if (rc != STRATA_OK)
		return rc;
	for (size_t i = 0; i < len && rc == STRATA_OK;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		bool drop = strncmp(text + i, "\\restrict ", 10) == 0 || strncmp(text + i, "\\unrestrict ", 12) == 0;
		if (!drop)
			rc = strata__buf_append(&out, text + i, end - i);
		i = end;
	}
	if (rc == STRATA_OK) {
		FILE *f = fopen(tmp, "w");
		bool ok = f && fwrite(out.ptr ? out.ptr : "", 1, out.len, f) == out.len;
		if ((f && fclose(f) != 0) || !ok)
			rc = strata__error_set(STRATA_EIO, "schema dump: cannot write %s: %s", tmp, strerror(errno));
	}
	free(text);
	strata__buf_free(&out);
	return rc;
}

int strata_backup_to_file(strata_db *db, const char *path, strata_backup_format format)
{
	char *tmp = NULL;
	int rc;
	if (!db || !path || !*path)
		return strata__error_set(STRATA_EINVAL, "strata_backup_to_file: %s is NULL", db ? "path" : "db");
	if (format != STRATA_BACKUP_FULL && format != STRATA_BACKUP_SCHEMA_SQL)
		return strata__error_set(STRATA_EINVAL, "strata_backup_to_file: unknown format %d", (int)format);
	if (!db->drv->native)
		return strata__error_set(STRATA_EUNSUPPORTED, "backup: the %s driver cannot back up", db->drv->name);
	rc = make_temp(path, &tmp);
	if (rc != STRATA_OK)
		return rc;
	if (db->drv->backend == STRATA_BACKEND_SQLITE) {
		sqlite3 *src = db->drv->native(db->conn);
		rc = format == STRATA_BACKUP_FULL ? sqlite_full(src, tmp) : sqlite_schema(src, tmp);
	} else {
		rc = run_pg_dump(db->drv->native(db->conn), tmp, format);
		if (rc == STRATA_OK && format == STRATA_BACKUP_SCHEMA_SQL)
			rc = strip_restrict(tmp);
	}
	if (rc == STRATA_OK)
		rc = finish_temp(tmp, path);
	else
		unlink(tmp);
	free(tmp);
	return rc;
}
