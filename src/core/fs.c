/* Directories created with their parents (see fs.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/fs.h"

static int make_one(const char *dir, mode_t mode)
{
	struct stat st;
	if (mkdir(dir, mode) == 0)
		return STRATA_OK;
	int err = errno;
	if (err == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return STRATA_OK;
	if (err == EEXIST)
		err = ENOTDIR;
	return strata__error_set(STRATA_EIO, "cannot create directory %s: %s", dir, strerror(err));
}

int strata__mkdirs(const char *path, mode_t mode)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return strata__error_set(STRATA_EINVAL, "path too long: %.64s...", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		int rc = make_one(buf, mode);
		*p = '/';
		if (rc != STRATA_OK)
			return rc;
	}
	return make_one(buf, mode);
}

int strata__mkdirs_parent(const char *file, mode_t mode)
{
	const char *slash = strrchr(file, '/');
	if (!slash || slash == file)
		return STRATA_OK;
	char dir[4096];
	if (snprintf(dir, sizeof dir, "%.*s", (int)(slash - file), file) >= (int)sizeof dir)
		return strata__error_set(STRATA_EINVAL, "path too long: %.64s...", file);
	return strata__mkdirs(dir, mode);
}
