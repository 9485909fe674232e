/*
 * Around the migrations: new migration files from the template.  (Creating
 * and dropping the database a URL names is src/ops/database.c.)
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "migrate/internal.h"

static const char template_text[] =
	"-- Migration: %s\n"
	"-- Created: %s\n"
	"--\n"
	"-- Business context: why is this change needed?  Link the ticket or the feature.\n"
	"-- Data impact: which tables and rows change?  How long does it lock them?  Is a\n"
	"--   backfill needed, and how many rows does it touch?\n"
	"-- Rollback considerations: does `down` restore everything?  What data would a\n"
	"--   rollback lose?  Can the previous release run against the new schema?\n"
	"\n"
	"-- migrate:up\n"
	"\n"
	"\n"
	"-- migrate:down\n"
	"\n"
	"\n"
	"-- migrate:verify\n"
	"-- Statements that must succeed after `up`; one that returns a single false, 0 or\n"
	"-- NULL fails `strata migrate verify`.\n"
	"\n";

static int slugify(const char *desc, strata_buf *out)
{
	bool gap = false;
	int rc = STRATA_OK;
	for (const char *p = desc; *p && rc == STRATA_OK && out->len < 80; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c)) {
			if (gap && out->len > 0)
				rc = strata__buf_putc(out, '_');
			gap = false;
			if (rc == STRATA_OK)
				rc = strata__buf_putc(out, (char)tolower(c));
		} else {
			gap = true;
		}
	}
	return rc;
}

/* Add one second to a YYYYMMDDHHMMSS time. */
static void next_second(struct tm *tm)
{
	tm->tm_sec++;
	time_t t = timegm(tm);
	gmtime_r(&t, tm);
}

int strata_migrate_new(const char *dir, const char *description, char **path)
{
	strata_buf slug = STRATA_BUF_INIT, p = STRATA_BUF_INIT, body = STRATA_BUF_INIT;
	strata__migration *files = NULL;
	size_t nfiles = 0;
	int rc;

	if (path)
		*path = NULL;
	if (!dir || !*dir)
		dir = strata_migrate_default_dir();
	if (!description)
		description = "";
	rc = slugify(description, &slug);
	if (rc != STRATA_OK)
		goto done;
	if (slug.len == 0) {
		rc = strata__error_set(STRATA_EINVAL,
				       "migrate new: the description '%s' has no letters or digits to "
				       "name the file after",
				       description);
		goto done;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rc = strata__error_set(STRATA_ENOTFOUND,
				       "migrations directory %s does not exist (create it, or name "
				       "another with option `dir`)",
				       dir);
		goto done;
	}
	/* versions in use: a file made in the same second gets the next free one */
	rc = strata__migrations_load(dir, STRATA_BACKEND_SQLITE, &files, &nfiles);
	if (rc != STRATA_OK && rc != STRATA_EPARSE)
		goto done;
	rc = STRATA_OK;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char version[32], created[32];
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (;;) {
		strftime(version, sizeof version, "%Y%m%d%H%M%S", &tm);
		bool used = false;
		for (size_t i = 0; i < nfiles && !used; i++)
			used = strata__version_cmp(files[i].version, version) == 0;
		if (!used)
			break;
		next_second(&tm);
	}
	rc = strata__buf_printf(&p, "%s/%s_%s.sql", dir, version, slug.ptr);
	if (rc == STRATA_OK)
		rc = strata__buf_printf(&body, template_text, description, created);
	if (rc != STRATA_OK)
		goto done;
	int fd = open(p.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = strata__error_set(STRATA_EIO, "cannot create %s: %s", p.ptr, strerror(errno));
		goto done;
	}
	ssize_t w = write(fd, body.ptr, body.len);
	if (close(fd) != 0 || w != (ssize_t)body.len) {
		rc = strata__error_set(STRATA_EIO, "cannot write %s: %s", p.ptr, strerror(errno));
		unlink(p.ptr);
		goto done;
	}
	if (path) {
		*path = strata__buf_detach(&p);
		if (!*path)
			rc = STRATA_ENOMEM;
	}
done:
	strata__migrations_free(files, nfiles);
	strata__buf_free(&slug);
	strata__buf_free(&p);
	strata__buf_free(&body);
	return rc;
}
