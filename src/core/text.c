/*
 * Reading and checking text files (see text.h).
 */
#include "core/text.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strata/common.h>

#include "core/error.h"

size_t strata__text_bom(const char *t, size_t len)
{
	return len >= 3 && (unsigned char)t[0] == 0xEF && (unsigned char)t[1] == 0xBB && (unsigned char)t[2] == 0xBF
		       ? 3
		       : 0;
}

bool strata__text_quotable(const char *s)
{
	for (const char *c = s; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

/* The length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t k;
	unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */
	if (c >= 0xC2 && c <= 0xDF) {
		k = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		k = 3;
		if (c == 0xE0)
			lo = 0xA0; /* no overlong forms */
		else if (c == 0xED)
			hi = 0x9F; /* no UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F; /* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return k;
}

int strata__text_check(const char *text, size_t len, const char *file)
{
	const unsigned char *s = (const unsigned char *)text;
	int line = 1, col = 1;
	size_t i = strata__text_bom(text, len);
	while (i < len) {
		if (s[i] == '\0')
			return strata__error_set_at(STRATA_EPARSE, file, line, col,
						    "a NUL byte: this is not a text file (or it is cut short)");
		/* ASCII runs are the common case */
		if (s[i] < 0x80) {
			if (s[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
			i++;
			continue;
		}
		size_t k = utf8_seq(s + i, len - i);
		if (k == 0)
			return strata__error_set_at(STRATA_EPARSE, file, line, col,
						    "invalid UTF-8 (byte 0x%02X): save the file as UTF-8", s[i]);
		i += k;
		col++;
	}
	return STRATA_OK;
}

/*
 * Read a whole file.  `regular` (the caller knows it is a regular file, from
 * readdir's d_type) skips the fstat; a regular file reads short only at its
 * end, so a short read ends it without one more read to see the end.  With
 * a directory fd, `name` is opened relative to it; `path` names it in
 * messages.
 */
static int read_all_at(int dfd, const char *name, const char *path, bool regular, char **out, size_t *len)
{
	*out = NULL;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return strata__error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO, "%s: %s", path,
					 strerror(errno));
	char *buf = NULL;
	size_t n = 0, cap = 4096;
	int rc = STRATA_OK;
	if (regular) {
		/* most files fit in one read into the stack; the copy is then exactly their size */
		char first[16384];
		ssize_t got;
		while ((got = read(fd, first, sizeof first)) < 0 && errno == EINTR)
			;
		if (got >= 0 && (size_t)got < sizeof first) {
			if (!(buf = malloc((size_t)got + 1))) {
				rc = strata__error_nomem();
				goto out;
			}
			memcpy(buf, first, (size_t)got);
			n = (size_t)got;
			goto done;
		}
		if (got < 0) {
			rc = strata__error_set(STRATA_EIO, "%s: read failed: %s", path, strerror(errno));
			goto out;
		}
		cap = 2 * sizeof first;
		if (!(buf = malloc(cap))) {
			rc = strata__error_nomem();
			goto out;
		}
		memcpy(buf, first, sizeof first);
		n = sizeof first;
	} else {
		struct stat st;
		if (fstat(fd, &st) != 0) {
			rc = strata__error_set(STRATA_EIO, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = strata__error_set(STRATA_EIO, "%s: is a directory, not a file", path);
			goto out;
		}
		regular = S_ISREG(st.st_mode);
		/* the size it has now, plus room to see the end (or growth: a pipe, a file being written) */
		cap = regular && st.st_size > 0 ? (size_t)st.st_size + 2 : 4096;
	}
	for (;;) {
		if (cap - n < 2) {
			char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
			if (!nb) {
				rc = strata__error_nomem();
				goto out;
			}
			buf = nb;
			cap *= 2;
		} else if (!buf && !(buf = malloc(cap))) {
			rc = strata__error_nomem();
			goto out;
		}
		size_t want = cap - n - 1;
		ssize_t got = read(fd, buf + n, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = strata__error_set(STRATA_EIO, "%s: read failed: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (regular && (size_t)got < want)
			break;
	}
done:
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
out:
	free(buf);
	close(fd);
	return rc;
}

static int read_all(const char *path, char **out, size_t *len)
{
	return read_all_at(AT_FDCWD, path, path, false, out, len);
}

int strata__read_bytes(const char *path, char **out, size_t *len)
{
	return read_all(path, out, len);
}

int strata__read_file(const char *path, char **out, size_t *len)
{
	return strata__read_file_at(AT_FDCWD, path, path, false, out, len);
}

int strata__read_file_at(int dfd, const char *name, const char *path, bool regular, char **out, size_t *len)
{
	size_t n = 0;
	int rc = read_all_at(dfd, name, path, regular, out, &n);
	if (rc != STRATA_OK)
		return rc;
	if ((rc = strata__text_check(*out, n, path)) != STRATA_OK) {
		free(*out);
		*out = NULL;
		return rc;
	}
	size_t bom = strata__text_bom(*out, n);
	if (bom) {
		memmove(*out, *out + bom, n - bom + 1);
		n -= bom;
	}
	if (len)
		*len = n;
	return STRATA_OK;
}

int strata_file_read_text(const char *path, char **out, size_t *len)
{
	if (!out || !path) {
		if (out)
			*out = NULL;
		return strata__error_set(STRATA_EINVAL, "strata_file_read_text: NULL argument");
	}
	return strata__read_file(path, out, len);
}
