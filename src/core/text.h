/*
 * Text files, read and checked the same way everywhere (.env, migrations,
 * schema files, lint and health configuration, required-data files): read
 * errors are errors (a directory too), a NUL byte or invalid UTF-8 is
 * STRATA_EPARSE at file:line:col, and a UTF-8 byte order mark is dropped.
 * The parsers that take text from callers check it with the same rules.
 * Also: whether a name can stand in generated C strings as it is.
 */
#ifndef STRATA_CORE_TEXT_H
#define STRATA_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Read the text file `path` into a new NUL-terminated buffer (free()),
 * without its byte order mark.  `len` (may be NULL) receives its length.
 * Returns STRATA_OK, STRATA_ENOTFOUND, STRATA_EIO (a read error, a
 * directory), STRATA_EPARSE (NUL or invalid UTF-8, at file:line:col) or
 * STRATA_ENOMEM; *out is NULL on failure.
 */
int strata__read_file(const char *path, char **out, size_t *len);
/*
 * The same for `name` relative to the directory fd `dfd` (AT_FDCWD: the
 * working directory), `path` naming it in messages; `regular`: the caller
 * knows it is a regular file (readdir's DT_REG), which saves an fstat.
 */
int strata__read_file_at(int dfd, const char *name, const char *path, bool regular, char **out, size_t *len);

/* The same without the text checks, for files that are not text (or not ours). */
int strata__read_bytes(const char *path, char **out, size_t *len);

/*
 * Check text[0..len) as `file` (named in the error): STRATA_OK, or
 * STRATA_EPARSE at the line and column (in characters) of the first NUL
 * byte or invalid UTF-8 sequence.
 */
int strata__text_check(const char *text, size_t len, const char *file);

/* 3 when text[0..len) starts with a UTF-8 byte order mark, else 0. */
size_t strata__text_bom(const char *text, size_t len);

/*
 * Whether the NUL-terminated `s` can be written as it is inside a C string
 * literal or comment: no '"', '\\' or control byte (below 0x20, or 0x7f).
 * The generator refuses names that are not (`strata gen c`), and inspect
 * leaves out view columns that are not, for the same reason.
 */
bool strata__text_quotable(const char *s);

#endif
