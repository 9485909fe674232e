/*
 * Directories: what `mkdir -p` does, for the places that create a file in
 * a directory that may not exist yet (a SQLite database, backups, schema
 * dumps).
 */
#ifndef STRATA_CORE_FS_H
#define STRATA_CORE_FS_H

#include <sys/types.h>

/*
 * Create `path` and its missing parents with `mode` (existing ones are
 * kept as they are).  Returns STRATA_OK, or STRATA_EIO naming the
 * directory that could not be made and why (also when something that is
 * not a directory is in the way), STRATA_EINVAL for a path too long.
 */
int strata__mkdirs(const char *path, mode_t mode);

/* strata__mkdirs() of the directory part of `file` ("a/b/c.db" -> "a/b"); STRATA_OK when it has none. */
int strata__mkdirs_parent(const char *file, mode_t mode);

#endif
