/*
 * The file-safety rules of src/ops/ (see ops/internal.h): what may be
 * written where, temporary files, publishing them, SQLite URLs built from
 * paths.
 */
#define _GNU_SOURCE /* renameat2 and RENAME_NOREPLACE */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "ops/internal.h"

static const char *kind_of(mode_t m)
{
	return S_ISLNK(m)    ? "a symbolic link"
	       : S_ISDIR(m)  ? "a directory"
	       : S_ISFIFO(m) ? "a FIFO (named pipe)"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISSOCK(m) ? "a socket"
			     : "not a regular file";
}

int strata__ops_check_target(const char *path, bool overwrite, const char *what)
{
	struct stat sb;
	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return STRATA_OK;
		return strata__error_set(STRATA_EIO, "%s: cannot write %s: %s", what, path, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return strata__error_set(STRATA_EINVAL, "%s: refusing to write %s: it is %s, not a regular file", what,
					 path, kind_of(sb.st_mode));
	if (!overwrite)
		return strata__error_set(
			STRATA_ECONSTRAINT,
			"%s: %s exists already; give another name, or replace it with option `overwrite`", what, path);
	return STRATA_OK;
}

int strata__ops_temp_create(const char *path, mode_t mode, const char *what, char **tmp_out)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__buf_printf(&b, "%s.tmp.%ld", path, (long)getpid());
	if (rc != STRATA_OK)
		return rc;
	/* a file of a dead process that had our pid; unlink never follows a link */
	unlink(b.ptr);
	int fd = open(b.ptr, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		rc = strata__error_set(STRATA_EIO, "%s: cannot create %s: %s", what, b.ptr, strerror(errno));
		strata__buf_free(&b);
		return rc;
	}
	/* exactly `mode`, whatever the umask */
	if (fchmod(fd, mode) != 0) {
		rc = strata__error_set(STRATA_EIO, "%s: cannot set the mode of %s: %s", what, b.ptr, strerror(errno));
		close(fd);
		unlink(b.ptr);
		strata__buf_free(&b);
		return rc;
	}
	close(fd);
	*tmp_out = strata__buf_detach(&b);
	return STRATA_OK;
}

static int sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static void sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
	sync_path(dir, O_DIRECTORY); /* best effort: the data itself is synced */
}

/* Rename without replacing anything: renameat2(RENAME_NOREPLACE), or link + unlink where that is missing. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(from, to) != 0)
		return -1;
	unlink(from);
	return 0;
}

int strata__ops_publish(const char *tmp, const char *path, bool overwrite, const char *what)
{
	int rc = STRATA_OK;
	if (sync_path(tmp, O_NOFOLLOW) != 0) {
		rc = strata__error_set(STRATA_EIO, "%s: cannot write %s: %s", what, tmp, strerror(errno));
		goto fail;
	}
	rc = strata__ops_check_target(path, overwrite, what);
	if (rc != STRATA_OK)
		goto fail;
	if ((overwrite ? rename(tmp, path) : rename_noreplace(tmp, path)) != 0) {
		rc = errno == EEXIST ? strata__error_set(STRATA_ECONSTRAINT,
							 "%s: %s appeared meanwhile; it was left alone", what, path)
				     : strata__error_set(STRATA_EIO, "%s: cannot move %s to %s: %s", what, tmp, path,
							 strerror(errno));
		goto fail;
	}
	sync_dir_of(path);
	return STRATA_OK;
fail:
	strata__ops_remove_db_files(tmp);
	return rc;
}

void strata__ops_remove_db_files(const char *path)
{
	static const char *const ext[] = { "", "-journal", "-wal", "-shm" };
	char side[4200];
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		snprintf(side, sizeof side, "%s%s", path, ext[i]);
		unlink(side);
	}
}

int strata__ops_sqlite_url(const char *path, const char *params, char **out)
{
	strata_buf b = STRATA_BUF_INIT;
	/* the parser takes two leading slashes off ("sqlite:///abs"): a path that has them gets two more */
	int rc = strata__buf_puts(&b, strncmp(path, "//", 2) == 0 ? "sqlite://" : "sqlite:");
	/* a file called ":memory:" is a file */
	if (rc == STRATA_OK && strcmp(path, ":memory:") == 0)
		rc = strata__buf_puts(&b, "./");
	for (const unsigned char *p = (const unsigned char *)path; rc == STRATA_OK && *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			     *p == '/' || *p == '.' || *p == '-' || *p == '_' || *p == '~';
		rc = plain ? strata__buf_putc(&b, (char)*p) : strata__buf_printf(&b, "%%%02X", *p);
	}
	if (rc == STRATA_OK && params && *params)
		rc = strata__buf_printf(&b, "?%s", params);
	if (rc != STRATA_OK) {
		strata__buf_free(&b);
		return rc;
	}
	*out = strata__buf_detach(&b);
	return *out ? STRATA_OK : strata__error_nomem();
}

int strata__ops_open_file(strata_db **db, const char *path, const char *params)
{
	char *url = NULL;
	strata_open_options oo = STRATA_OPEN_OPTIONS_INIT;
	*db = NULL;
	int rc = strata__ops_sqlite_url(path, params, &url);
	if (rc == STRATA_OK)
		rc = strata_open(db, url, &oo);
	free(url);
	return rc;
}

void strata__ops_sidecars(const char *path, bool had[2], bool remove)
{
	static const char *const ext[] = { "-wal", "-shm" };
	char side[4200];
	for (int i = 0; i < 2; i++) {
		struct stat sb;
		snprintf(side, sizeof side, "%s%s", path, ext[i]);
		if (!remove)
			had[i] = lstat(side, &sb) == 0;
		else if (!had[i])
			unlink(side);
	}
}

bool strata__ops_note(char **slot, const char *fmt, va_list ap)
{
	char buf[1024];
	if (*slot)
		return true;
	vsnprintf(buf, sizeof buf, fmt, ap);
	/* one line: SQLite's integrity_check reports several */
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	*slot = strdup(buf);
	return *slot != NULL;
}

int strata__ops_error_context(const char *fmt, ...)
{
	strata__error_saved saved;
	char context[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(context, sizeof context, fmt, ap);
	va_end(ap);
	strata__error_save(&saved);
	int rc = saved.status;
	if (rc != STRATA_ENOMEM && saved.message)
		rc = strata__error_set_db(saved.status, saved.sqlite_code, saved.sqlstate, saved.constraint, "%s: %s",
					  context, saved.message);
	free(saved.message);
	free(saved.sqlstate);
	free(saved.constraint);
	free(saved.file);
	return rc;
}
