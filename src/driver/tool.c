/*
 * Running PostgreSQL's client programs (pg_dump, pg_restore) for the
 * backup code in src/ops/: the run_tool primitive of the PostgreSQL
 * driver.
 *
 * The program is looked up on PATH and started with fork and execve and an
 * argument vector, never a shell.  The connection's settings reach it
 * through its environment (PGHOST, PGPASSWORD, ...), never its command
 * line.  On Linux the child asks for SIGTERM when the thread that started
 * it dies, so a killed `strata` leaves no pg_dump behind; a stop asked for
 * through the tool's poll callback sends SIGTERM (SIGKILL 5 s later) and
 * waits for the child.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "core/buf.h"
#include "core/error.h"
#include "driver/driver.h"
#include "driver/pq.h"

extern char **environ;

/* Whether `entry` ("NAME=...") sets a variable one of list[0..n) sets already. */
static bool shadowed(char *const *list, size_t n, const char *entry)
{
	size_t kl = strcspn(entry, "=");
	for (size_t j = 0; j < n; j++)
		if (strncmp(list[j], entry, kl) == 0 && list[j][kl] == '=')
			return true;
	return false;
}

/*
 * The child's environment: `extra`, then the connection's settings
 * (PGHOST=...), then ours, each entry only when no earlier one sets the
 * same variable.  The first *nmine entries are ours to free.
 */
static int tool_env(PGconn *pg, const char *const *extra, char ***out, size_t *nmine)
{
	PQconninfoOption *opts = pg ? PQconninfo(pg) : NULL;
	size_t nenv = 0, nopt = 0, nextra = 0, k = 0, mine = 0;
	if (pg && !opts)
		return strata__error_nomem();
	while (environ[nenv])
		nenv++;
	while (extra && extra[nextra])
		nextra++;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		nopt++;
	char **env = calloc(nextra + nopt + nenv + 1, sizeof *env);
	if (!env)
		goto nomem;
	for (size_t i = 0; i < nextra; i++) {
		if (!(env[k] = strata__strdup(extra[i])))
			goto nomem;
		k++;
	}
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (!o->envvar || !o->val || !*o->val)
			continue;
		strata_buf b = STRATA_BUF_INIT;
		if (strata__buf_printf(&b, "%s=%s", o->envvar, o->val) != STRATA_OK)
			goto nomem;
		char *e = strata__buf_detach(&b);
		if (!e)
			goto nomem;
		if (shadowed(env, k, e))
			free(e);
		else
			env[k++] = e;
	}
	mine = k;
	for (size_t i = 0; i < nenv; i++)
		if (!shadowed(env, mine, environ[i]))
			env[k++] = environ[i];
	if (opts)
		PQconninfoFree(opts);
	*out = env;
	*nmine = mine;
	return STRATA_OK;
nomem:
	if (env)
		for (size_t i = 0; i < k; i++)
			free(env[i]);
	free(env);
	if (opts)
		PQconninfoFree(opts);
	return strata__error_nomem();
}

/* argv[0] looked up on PATH as execvp would: a new string, or NULL when there is none (or ENOMEM). */
static char *find_program(const char *name)
{
	if (strchr(name, '/'))
		return strata__strdup(name);
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	strata_buf b = STRATA_BUF_INIT;
	for (const char *p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		struct stat sb;
		strata__buf_clear(&b);
		if (strata__buf_printf(&b, "%.*s/%s", (int)(n ? n : 1), n ? p : ".", name) != STRATA_OK)
			break;
		if (stat(b.ptr, &sb) == 0 && S_ISREG(sb.st_mode) && access(b.ptr, X_OK) == 0)
			return strata__buf_detach(&b);
		if (!end)
			break;
		p = end;
	}
	strata__buf_free(&b);
	return NULL;
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

/* In the child, between fork and execve: only async-signal-safe calls. */
static void child(const char *prog, const char *const argv[], char **env, int out_fd, int err_fd, pid_t parent)
{
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
#else
	(void)parent;
#endif
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	execve(prog, (char *const *)argv, env);
	_exit(127);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int strata__pg_run_tool(void *conn, const strata__tool *t)
{
	PGconn *pg = conn ? strata__postgres_driver.native(conn) : NULL;
	const char *name = t->argv[0];
	char **env = NULL, *prog = NULL;
	size_t nmine = 0;
	int rc, out_fd[2] = { -1, -1 }, err_fd[2] = { -1, -1 };
	strata_buf out = STRATA_BUF_INIT, err = STRATA_BUF_INIT;
	pid_t pid = -1;

	rc = tool_env(pg, t->env, &env, &nmine);
	if (rc != STRATA_OK)
		return rc;
	prog = find_program(name);
	if (!prog) {
		rc = strata__error_set(STRATA_ENOTFOUND, "%s was not found on PATH (install the PostgreSQL client)",
				       name);
		goto done;
	}
	/* close-on-exec everywhere: dup2 clears it on the child's 1 and 2 */
	if (pipe(out_fd) != 0 || pipe(err_fd) != 0 || fcntl(out_fd[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(out_fd[1], F_SETFD, FD_CLOEXEC) != 0 || fcntl(err_fd[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(err_fd[1], F_SETFD, FD_CLOEXEC) != 0) {
		rc = strata__error_set(STRATA_EIO, "%s: pipe: %s", name, strerror(errno));
		goto done;
	}
	pid_t parent = getpid();
	pid = fork();
	if (pid < 0) {
		rc = strata__error_set(STRATA_EIO, "%s: cannot start: %s", name, strerror(errno));
		goto done;
	}
	if (pid == 0)
		child(prog, t->argv, env, out_fd[1], err_fd[1], parent);
	close(out_fd[1]);
	close(err_fd[1]);
	out_fd[1] = err_fd[1] = -1;

	struct pollfd pfd[2] = { { out_fd[0], POLLIN, 0 }, { err_fd[0], POLLIN, 0 } };
	int open_fds = 2, stopped_reading = 0;
	bool canceled = false;
	int64_t term_at = 0;
	rc = STRATA_OK;
	while (open_fds > 0) {
		int n = poll(pfd, 2, 100);
		if (n < 0 && errno != EINTR)
			break;
		if (!canceled && t->poll && t->poll(t->poll_ud)) {
			canceled = true;
			term_at = now_ms();
			kill(pid, SIGTERM);
		} else if (canceled && term_at && now_ms() - term_at > 5000) {
			kill(pid, SIGKILL);
			term_at = 0;
		}
		for (int i = 0; n > 0 && i < 2; i++) {
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
			if (i == 0 && !stopped_reading)
				stopped_reading = flush_lines(&out, false, t->on_line, t->line_ud);
			else if (i == 0)
				strata__buf_clear(&out);
		}
	}
	if (!stopped_reading && !canceled)
		flush_lines(&out, true, t->on_line, t->line_ud);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (canceled) {
		rc = strata__error_set(STRATA_ECANCELED, "%s was stopped on request", name);
	} else if (rc == STRATA_ENOMEM) {
		rc = strata__error_nomem();
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *msg = err.ptr ? err.ptr : "";
		size_t n = strlen(msg);
		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		/* the last "error:" line says what went wrong ("Command was: ..." may follow it); else the last line */
		const char *line = NULL;
		for (char *p = msg; (p = strstr(p, ": error: ")) != NULL;) {
			char *start = p;
			while (start > msg && start[-1] != '\n' && start[-1] != '\0')
				start--;
			line = start;
			char *end = strchr(p, '\n');
			if (!end)
				break;
			*end = '\0';
			p = end + 1;
		}
		if (!line) {
			const char *last = strrchr(msg, '\n');
			line = last ? last + 1 : msg;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !*msg)
			rc = strata__error_set(STRATA_ENOTFOUND, "%s could not be started", name);
		else
			rc = strata__error_set(STRATA_EIO, "%s failed (%s %d): %s", name,
					       WIFEXITED(status) ? "exit status" : "signal",
					       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), line);
	}
done:
	for (int i = 0; i < 2; i++) {
		if (out_fd[i] >= 0)
			close(out_fd[i]);
		if (err_fd[i] >= 0)
			close(err_fd[i]);
	}
	for (size_t i = 0; env && i < nmine; i++)
		free(env[i]);
	free(env);
	free(prog);
	strata__buf_free(&out);
	strata__buf_free(&err);
	return rc;
}
